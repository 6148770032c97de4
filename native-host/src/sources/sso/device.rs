//! The device authorization grant of a sign-in (RFC 8628): StartDeviceAuthorization, the
//! verification page and code the user is shown, and CreateToken polled in the background
//! until the user approves or denies, or the code expires.

use super::{
    classify, now_utc, oidc_client, verification, IdentityCenter, DEVICE_GRANT, SLOW_DOWN_STEP,
};
use crate::console::endpoints;
use crate::credentials::{SsoClient, SsoToken};
use crate::error::{Error, Result, Service};
use crate::store::config::SsoSource;
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use std::time::Duration;
use time::OffsetDateTime;

/// What the user needs to approve a sign-in: shown in the popup or the terminal.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DeviceLogin {
    /// The verification page, checked (`verification::check`) and in its parsed, ASCII form.
    pub verification_uri_complete: String,
    /// The source's start URL, whose host may serve the page (the extension checks it too).
    pub start_url: String,
    pub user_code: String,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

/// How a sign-in in progress ended, or that it has not yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginStatus {
    Pending,
    Authorized { expires_at: OffsetDateTime },
    Expired,
    Denied,
    Failed { kind: &'static str, message: String },
}

impl IdentityCenter {
    /// Starts a device-authorization sign-in and polls for its token in the background.
    /// A sign-in already in progress for the source is replaced.
    pub async fn start_login(
        &self,
        http: &SharedHttpClient,
        sso: &SsoSource,
        timeout: Duration,
    ) -> Result<DeviceLogin> {
        // A loopback OIDC override (the tests' Identity Center) may send a loopback page.
        let loopback = endpoints::get(endpoints::SSO_OIDC)?.is_some_and(|o| o.is_loopback());
        let client = self.client(http, sso, timeout).await?;
        let oidc = oidc_client(http, &sso.region, timeout)?;
        let out = oidc
            .start_device_authorization()
            .client_id(&client.client_id)
            .client_secret(&client.client_secret)
            .start_url(&sso.start_url)
            .send()
            .await
            .map_err(|e| classify(e, Service::SsoOidc).1)?;
        // The page the user is sent to comes from the network: checked before it is shown,
        // opened or kept (no poll starts for a refused one).
        let page = out
            .verification_uri_complete()
            .or(out.verification_uri())
            .unwrap_or_default();
        let refused = |reason| Error::VerificationRefused {
            sso: sso.name.clone(),
            reason,
        };
        let page = verification::check(page, &sso.start_url, loopback).map_err(refused)?;
        let user_code = verification::check_user_code(out.user_code().unwrap_or_default())
            .map_err(refused)?
            .to_owned();
        let login = DeviceLogin {
            verification_uri_complete: page,
            start_url: sso.start_url.clone(),
            user_code,
            expires_at: now_utc() + time::Duration::seconds(out.expires_in().into()),
        };
        let (tx, rx) = tokio::sync::watch::channel(LoginStatus::Pending);
        self.inner
            .logins
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(sso.name.clone(), rx);
        let poll = Poll {
            center: self.clone(),
            oidc,
            sso: sso.clone(),
            client,
            device_code: out.device_code().unwrap_or_default().to_owned(),
            interval: Duration::from_secs(out.interval().max(1) as u64),
            deadline: tokio::time::Instant::now()
                + Duration::from_secs(out.expires_in().max(1) as u64),
        };
        tokio::spawn(async move {
            let status = poll.run().await;
            let _ = tx.send(status);
        });
        Ok(login)
    }

    /// Waits until the source's sign-in in progress ends; its token's expiry on success.
    pub async fn wait_login(&self, sso: &str) -> Result<OffsetDateTime> {
        let rx = self
            .inner
            .logins
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(sso)
            .cloned();
        let Some(mut rx) = rx else {
            return Err(Error::InvalidParams(format!(
                "No IAM Identity Center sign-in for '{sso}' is in progress; start one with sso.login."
            )));
        };
        let status = rx
            .wait_for(|s| *s != LoginStatus::Pending)
            .await
            .map(|s| s.clone())
            .unwrap_or(LoginStatus::Expired);
        match status {
            LoginStatus::Authorized { expires_at } => Ok(expires_at),
            LoginStatus::Expired | LoginStatus::Pending => {
                Err(Error::SsoLoginExpired(sso.to_owned()))
            }
            LoginStatus::Denied => Err(Error::SsoLoginDenied(sso.to_owned())),
            LoginStatus::Failed { kind, message } => Err(Error::UpstreamError {
                service: Service::SsoOidc,
                aws_code: kind.to_owned(),
                message,
            }),
        }
    }
}

/// A sign-in's background polling of CreateToken (RFC 8628 3.4, 3.5).
struct Poll {
    center: IdentityCenter,
    oidc: aws_sdk_ssooidc::Client,
    sso: SsoSource,
    client: SsoClient,
    device_code: String,
    interval: Duration,
    deadline: tokio::time::Instant,
}

impl Poll {
    async fn run(mut self) -> LoginStatus {
        loop {
            tokio::time::sleep(self.interval).await;
            if tokio::time::Instant::now() >= self.deadline {
                return LoginStatus::Expired;
            }
            let sent = self
                .oidc
                .create_token()
                .client_id(&self.client.client_id)
                .client_secret(&self.client.client_secret)
                .grant_type(DEVICE_GRANT)
                .device_code(&self.device_code)
                .send()
                .await;
            match sent {
                Ok(out) => {
                    let token = SsoToken {
                        start_url: self.sso.start_url.clone(),
                        access_token: out.access_token().unwrap_or_default().to_owned(),
                        expires_at: now_utc() + time::Duration::seconds(out.expires_in().into()),
                        refresh_token: out.refresh_token().map(str::to_owned),
                    };
                    let expires_at = token.expires_at;
                    self.center.keep(&self.sso.name, token).await;
                    log::info!("signed in to SSO source {}", self.sso.name);
                    return LoginStatus::Authorized { expires_at };
                }
                Err(e) => {
                    let (code, err) = classify(e, Service::SsoOidc);
                    match code.as_deref() {
                        Some("AuthorizationPendingException") => {}
                        Some("SlowDownException") => self.interval += SLOW_DOWN_STEP,
                        Some("ExpiredTokenException") => return LoginStatus::Expired,
                        Some("AccessDeniedException") => return LoginStatus::Denied,
                        // A network hiccup: keep polling until the deadline.
                        None if err.kind() == "upstream_unavailable" => {}
                        _ => {
                            return LoginStatus::Failed {
                                kind: "sign_in_failed",
                                message: err.to_string(),
                            }
                        }
                    }
                }
            }
        }
    }
}
