//! The HTTPS client (STS and the sign-in endpoint, built once per process) and rolecall's
//! own endpoint overrides (`ROLECALL_SIGNIN_URL`, `ROLECALL_CONSOLE_URL`).

use super::App;
use crate::error::{Error, Result};
use crate::sources::gateway::sts;
use std::sync::Arc;
use url::Url;

pub(super) struct Http {
    pub(super) sts: aws_sdk_sts::config::SharedHttpClient,
    pub(super) signin: reqwest::Client,
}

/// rolecall's own override `var`, checked as every endpoint override is
/// (`console/endpoints.rs`: http only to loopback, no credentials); refused is kept as the
/// error each open then answers.
pub(super) fn url_from_env(var: &'static str) -> std::result::Result<Option<Url>, String> {
    match crate::console::endpoints::get(var) {
        Ok(o) => Ok(o.map(|o| o.url)),
        Err(Error::EndpointRefused { reason, .. }) => Err(reason),
        Err(e) => Err(e.to_string()),
    }
}

impl App {
    /// The hosts whose cookies hold an AWS console sign-in: what the extension clears to
    /// sign a role's container out. The partitions' domains, or the overrides' hosts.
    pub fn session_cookie_domains(&self) -> Vec<String> {
        let mut out: Vec<String> = ["aws.amazon.com", "amazonaws-us-gov.com", "amazonaws.cn"]
            .map(str::to_owned)
            .to_vec();
        for u in [&self.signin_override, &self.console_override]
            .into_iter()
            .flatten()
            .flatten()
        {
            if let Some(h) = u.host_str() {
                if !out.iter().any(|d| d == h) {
                    out.push(h.to_owned());
                }
            }
        }
        out
    }

    pub(super) fn overrides(&self) -> Result<(Option<Url>, Option<Url>)> {
        let bad = |reason: &String, var: &str| Error::EndpointRefused {
            variable: var.to_owned(),
            reason: reason.clone(),
        };
        let s = self
            .signin_override
            .as_ref()
            .map_err(|r| bad(r, "ROLECALL_SIGNIN_URL"))?;
        let c = self
            .console_override
            .as_ref()
            .map_err(|r| bad(r, "ROLECALL_CONSOLE_URL"))?;
        Ok((s.clone(), c.clone()))
    }

    /// The HTTPS client, built on the blocking pool: it reads the system's root
    /// certificates from disk.
    pub(super) async fn http(&self) -> Result<&Http> {
        self.http
            .get_or_try_init(|| async {
                let client = tokio::task::spawn_blocking(crate::console::https::client)
                    .await
                    .map_err(|e| Error::Internal(format!("HTTPS client task failed: {e}")))??;
                Ok(Http {
                    sts: sts::http_client_on(client.clone()),
                    signin: client,
                })
            })
            .await
    }

    /// Starts building the HTTPS client in the background, so that a process's first open
    /// reads the root certificates while it waits on the keyring, not after.
    pub(super) fn prewarm_http(self: &Arc<Self>) {
        if self.http.initialized() {
            return;
        }
        let app = self.clone();
        tokio::spawn(async move {
            // An error here is reported by the open that needs the client.
            let _ = app.http().await;
        });
    }

    /// The HTTPS client for SDK calls outside the click path (`sso sync`, doctor).
    pub async fn sdk_http(&self) -> Result<aws_smithy_runtime_api::client::http::SharedHttpClient> {
        Ok(self.http().await?.sts.clone())
    }
}
