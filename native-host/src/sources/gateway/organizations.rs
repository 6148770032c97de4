//! AWS Organizations for `rolecall role discover`: the organization's accounts (ListAccounts)
//! and, to group them, its tree of organisational units (ListRoots,
//! ListOrganizationalUnitsForParent, ListAccountsForParent), every list paged. The calls are
//! signed with a gateway's keys or with a role assumed through it (`--via-role`), through
//! the host's HTTPS client. `AWS_ENDPOINT_URL_ORGANIZATIONS` overrides the endpoint, within
//! the limits of `console/endpoints.rs` (never the generic `AWS_ENDPOINT_URL`).

use super::sts::Signer;
use crate::console::partition::Partition;
use crate::error::{error_chain, Error};
use aws_sdk_organizations::config::{Region, SharedHttpClient};
use aws_sdk_organizations::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_types::retry::RetryConfig;
use std::collections::{HashMap, VecDeque};
use std::time::Duration;

/// ListAccounts returns at most 20 accounts a page.
const PAGE: i32 = 20;

/// One account of the organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgAccount {
    pub id: String,
    pub name: String,
    /// `ACTIVE`, `SUSPENDED`, `PENDING_CLOSURE`, … (the account's state, else its status).
    pub state: String,
    /// Its organisational unit's path below the root (`Engineering / Prod`), when asked for
    /// and not directly under the root.
    pub ou: Option<String>,
}

impl OrgAccount {
    pub fn is_active(&self) -> bool {
        self.state == "ACTIVE"
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OrganizationsError {
    #[error("AWS Organizations refused to list the accounts to {who}: {message} Allow it organizations:ListAccounts{}, or pass --via-role with a role in the management account that may.", if *ous { ", ListRoots, ListOrganizationalUnitsForParent and ListAccountsForParent" } else { "" })]
    AccessDenied {
        who: String,
        message: String,
        ous: bool,
    },
    #[error("The account of {who} is in no AWS Organization (AWSOrganizationsNotInUseException): discovery lists an organization's accounts.")]
    NotInUse { who: String },
    #[error("AWS Organizations answered {code} to {who}: {message}")]
    Other {
        who: String,
        code: String,
        message: String,
    },
    #[error("AWS Organizations could not be reached: {0}.")]
    Unavailable(String),
    #[error(transparent)]
    Rolecall(#[from] Error),
}

/// Where Organizations is for a partition: one global endpoint in each.
fn region(partition: Partition) -> &'static str {
    match partition.id() {
        "aws-us-gov" => "us-gov-west-1",
        "aws-cn" => "cn-northwest-1",
        _ => "us-east-1",
    }
}

pub struct Lister<'a> {
    client: aws_sdk_organizations::Client,
    /// Who is asking, for messages: `gateway 'corp'` or `role arn:…`.
    who: &'a str,
    timeout: Duration,
    ous: bool,
}

impl<'a> Lister<'a> {
    pub fn new(
        http: &SharedHttpClient,
        signer: Signer<'_>,
        partition: Partition,
        who: &'a str,
        timeout: Duration,
        endpoint: Option<&str>,
    ) -> Lister<'a> {
        let mut b = aws_sdk_organizations::Config::builder()
            .region(Region::new(region(partition)))
            .credentials_provider(signer.credentials())
            .http_client(http.clone())
            .timeout_config(crate::console::https::sdk_timeouts(timeout))
            // Organizations throttles (TooManyRequestsException) at a few calls a second:
            // the standard retry backs off on it.
            .retry_config(RetryConfig::standard().with_max_attempts(5));
        if let Some(url) = endpoint {
            b = b.endpoint_url(url);
        }
        Lister {
            client: aws_sdk_organizations::Client::from_conf(b.build()),
            who,
            timeout,
            ous: false,
        }
    }

    fn error<E>(
        &self,
        e: SdkError<E, aws_smithy_runtime_api::client::orchestrator::HttpResponse>,
    ) -> OrganizationsError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let who = self.who.to_owned();
        // Some servers (and proxies) answer an XML <Error> body where the JSON protocol
        // expects JSON, which the SDK cannot parse: the code and message are read from it.
        let (raw, meta) = match &e {
            SdkError::ServiceError(se) => (
                Some(se.raw()),
                Some((
                    se.err().code().map(str::to_owned),
                    se.err().message().map(str::to_owned),
                )),
            ),
            SdkError::ResponseError(re) => (Some(re.raw()), None),
            SdkError::TimeoutError(_) => {
                return OrganizationsError::Unavailable(format!(
                    "no answer in {} s",
                    self.timeout.as_secs()
                ))
            }
            _ => (None, None),
        };
        let Some(raw) = raw.filter(|r| !r.status().is_success()) else {
            return OrganizationsError::Unavailable(error_chain(&e));
        };
        let body = String::from_utf8_lossy(raw.body().bytes().unwrap_or_default()).into_owned();
        let (code, message) = meta.unwrap_or_default();
        let code = code
            .or_else(|| xml_text(&body, "Code"))
            .unwrap_or_else(|| format!("HTTP {}", raw.status().as_u16()));
        let message = message
            .or_else(|| xml_text(&body, "Message"))
            .unwrap_or_default()
            .trim()
            .to_owned();
        match code.as_str() {
            "AccessDeniedException" | "AccessDenied" => OrganizationsError::AccessDenied {
                who,
                message: if message.ends_with('.') || message.is_empty() {
                    message
                } else {
                    format!("{message}.")
                },
                ous: self.ous,
            },
            "AWSOrganizationsNotInUseException" => OrganizationsError::NotInUse { who },
            _ => OrganizationsError::Other { who, code, message },
        }
    }

    /// Every account of the organization, in the order AWS lists them; with `ous`, each
    /// with its organisational unit's path.
    pub async fn accounts(mut self, ous: bool) -> Result<Vec<OrgAccount>, OrganizationsError> {
        let mut out = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let page = self
                .client
                .list_accounts()
                .max_results(PAGE)
                .set_next_token(next.take())
                .send()
                .await
                .map_err(|e| self.error(e))?;
            for a in page.accounts() {
                let (Some(id), Some(name)) = (a.id(), a.name()) else {
                    continue;
                };
                #[allow(deprecated)]
                let state = a
                    .state()
                    .map(|s| s.as_str().to_owned())
                    .or_else(|| a.status().map(|s| s.as_str().to_owned()))
                    .unwrap_or_default();
                out.push(OrgAccount {
                    id: id.to_owned(),
                    name: name.to_owned(),
                    state,
                    ou: None,
                });
            }
            next = page.next_token().map(str::to_owned);
            if next.is_none() {
                break;
            }
        }
        if ous {
            self.ous = true;
            let paths = self.ou_paths().await?;
            for a in &mut out {
                a.ou = paths.get(&a.id).cloned().flatten();
            }
        }
        Ok(out)
    }

    /// Account id → its OU's path below the root (`None` directly under the root): a walk
    /// of the tree from each root, two paged lists per unit.
    async fn ou_paths(&self) -> Result<HashMap<String, Option<String>>, OrganizationsError> {
        let roots = self
            .client
            .list_roots()
            .send()
            .await
            .map_err(|e| self.error(e))?;
        let mut queue: VecDeque<(String, Option<String>)> = roots
            .roots()
            .iter()
            .filter_map(|r| r.id().map(|id| (id.to_owned(), None)))
            .collect();
        let mut out = HashMap::new();
        while let Some((parent, path)) = queue.pop_front() {
            let mut next = None;
            loop {
                let page = self
                    .client
                    .list_organizational_units_for_parent()
                    .parent_id(&parent)
                    .max_results(PAGE)
                    .set_next_token(next.take())
                    .send()
                    .await
                    .map_err(|e| self.error(e))?;
                for ou in page.organizational_units() {
                    if let (Some(id), Some(name)) = (ou.id(), ou.name()) {
                        let child = match &path {
                            Some(p) => format!("{p} / {name}"),
                            None => name.to_owned(),
                        };
                        queue.push_back((id.to_owned(), Some(child)));
                    }
                }
                next = page.next_token().map(str::to_owned);
                if next.is_none() {
                    break;
                }
            }
            loop {
                let page = self
                    .client
                    .list_accounts_for_parent()
                    .parent_id(&parent)
                    .max_results(PAGE)
                    .set_next_token(next.take())
                    .send()
                    .await
                    .map_err(|e| self.error(e))?;
                for a in page.accounts() {
                    if let Some(id) = a.id() {
                        out.insert(id.to_owned(), path.clone());
                    }
                }
                next = page.next_token().map(str::to_owned);
                if next.is_none() {
                    break;
                }
            }
        }
        Ok(out)
    }
}

/// The text of the first `<tag>…</tag>` in an XML error body.
fn xml_text(body: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let start = body.find(&open)? + open.len();
    let end = body[start..].find(&format!("</{tag}>"))? + start;
    Some(body[start..end].to_owned()).filter(|s| !s.is_empty())
}
