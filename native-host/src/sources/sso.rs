//! IAM Identity Center (SSO) roles: the OAuth device authorization grant with the SSO OIDC
//! service (RegisterClient once per source, StartDeviceAuthorization, CreateToken polled as
//! RFC 8628 says), refresh tokens, and the access portal's GetRoleCredentials, ListAccounts
//! and ListAccountRoles, through the real AWS SDK clients. Tokens and the client
//! registration live in the keyring; a sign-in in progress lives in this process.
//! `AWS_ENDPOINT_URL_SSO_OIDC` and `AWS_ENDPOINT_URL_SSO` override the endpoints, within the
//! limits of `console/endpoints.rs` (never the generic `AWS_ENDPOINT_URL`). The sign-in
//! itself (device authorization) is in `device`; the page it sends the user to is checked
//! in `verification`.

mod device;
pub mod verification;

pub use device::{DeviceLogin, LoginStatus};

use crate::console::endpoints;
use crate::credentials::{SsoClient, SsoToken, TempCredentials, FRESHNESS_MARGIN};
use crate::error::{Error, Result, Service};
use crate::sources::Fresh;
use crate::store::config::{Role, SsoSource};
use crate::store::secrets::SecretStore;
use crate::store::state::StateWriter;
use crate::sync::{blocking, KeyedLocks};
use aws_sdk_ssooidc::error::ProvideErrorMetadata;
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_smithy_types::retry::RetryConfig;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use time::OffsetDateTime;

/// The OAuth grant types CreateToken takes.
const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
const REFRESH_GRANT: &str = "refresh_token";
/// Asking for this scope makes Identity Center issue refresh tokens (as the AWS CLI does).
const SCOPES: [&str; 1] = ["sso:account:access"];
/// RFC 8628 3.5: on `slow_down`, poll this much less often from then on.
const SLOW_DOWN_STEP: Duration = Duration::from_secs(5);

/// An account the portal lists, with the roles (permission sets) the user has in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub account_id: String,
    pub account_name: String,
    pub role_names: Vec<String>,
}

#[derive(Clone)]
pub struct IdentityCenter {
    inner: Arc<Inner>,
}

struct Inner {
    secrets: SecretStore,
    state: Arc<StateWriter>,
    writes: Arc<KeyedLocks>,
    /// In-process mirror of the keyring's tokens.
    tokens: Mutex<HashMap<String, SsoToken>>,
    /// One refresh or registration at a time per source.
    locks: KeyedLocks,
    /// Sign-ins in progress, per source.
    logins: Mutex<HashMap<String, tokio::sync::watch::Receiver<LoginStatus>>>,
}

/// The OIDC client; a refused `AWS_ENDPOINT_URL_SSO_OIDC` fails here, before any call.
fn oidc_client(
    http: &SharedHttpClient,
    region: &str,
    timeout: Duration,
) -> Result<aws_sdk_ssooidc::Client> {
    let mut b = aws_sdk_ssooidc::Config::builder()
        .region(aws_sdk_ssooidc::config::Region::new(region.to_owned()))
        .http_client(http.clone())
        .timeout_config(crate::console::https::sdk_timeouts(timeout))
        // Polling and sign-in answers are not to be retried behind our back.
        .retry_config(RetryConfig::disabled());
    if let Some(o) = endpoints::get(endpoints::SSO_OIDC)? {
        b = b.endpoint_url(o.value);
    }
    Ok(aws_sdk_ssooidc::Client::from_conf(b.build()))
}

fn portal_client(
    http: &SharedHttpClient,
    region: &str,
    timeout: Duration,
    retry: RetryConfig,
) -> Result<aws_sdk_sso::Client> {
    let mut b = aws_sdk_sso::Config::builder()
        .region(aws_sdk_sso::config::Region::new(region.to_owned()))
        .http_client(http.clone())
        .timeout_config(crate::console::https::sdk_timeouts(timeout))
        .retry_config(retry);
    if let Some(o) = endpoints::get(endpoints::SSO)? {
        b = b.endpoint_url(o.value);
    }
    Ok(aws_sdk_sso::Client::from_conf(b.build()))
}

/// An SDK error as ours: its AWS error code (when the service sent one) and a message.
fn classify<E, R>(
    e: aws_smithy_runtime_api::client::result::SdkError<E, R>,
    service: Service,
) -> (Option<String>, Error)
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    use aws_smithy_runtime_api::client::result::SdkError;
    match &e {
        SdkError::ServiceError(se) => {
            let code = se.err().code().map(str::to_owned);
            let message = se.err().message().unwrap_or_default().to_owned();
            let err = Error::UpstreamError {
                service,
                aws_code: code.clone().unwrap_or_else(|| "Unknown".into()),
                message,
            };
            (code, err)
        }
        SdkError::TimeoutError(_) => (
            None,
            Error::UpstreamUnavailable {
                service,
                reason: "timed out".into(),
            },
        ),
        SdkError::DispatchFailure(d) => (
            None,
            Error::UpstreamUnavailable {
                service,
                reason: if d.is_timeout() {
                    "timed out".into()
                } else {
                    "connection failed".into()
                },
            },
        ),
        _ => (
            None,
            Error::UpstreamError {
                service,
                aws_code: "InvalidResponse".into(),
                message: e.to_string(),
            },
        ),
    }
}

fn now_utc() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(0).unwrap_or(now)
}

impl IdentityCenter {
    pub fn new(
        secrets: SecretStore,
        state: Arc<StateWriter>,
        writes: Arc<KeyedLocks>,
    ) -> IdentityCenter {
        IdentityCenter {
            inner: Arc::new(Inner {
                secrets,
                state,
                writes,
                tokens: Mutex::new(HashMap::new()),
                locks: KeyedLocks::default(),
                logins: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Forgets the tokens it holds in memory: the keyring is read again.
    pub fn clear_memory(&self) {
        self.inner
            .tokens
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    /// The role's credentials from the portal with the source's token: a usable token (or
    /// one refreshed now), else `sso_login_required`. A token the portal refuses (401) is
    /// dropped, and the answer is `sso_login_required` too.
    pub async fn credentials(
        &self,
        http: &SharedHttpClient,
        role: &Role,
        sso: &SsoSource,
        timeout: Duration,
    ) -> Result<Fresh> {
        let login_required = || Error::SsoLoginRequired {
            sso: sso.name.clone(),
            role: role.id.clone(),
        };
        let token = self
            .usable_token(http, sso, timeout)
            .await?
            .ok_or_else(login_required)?;
        let portal = portal_client(
            http,
            &sso.region,
            timeout,
            RetryConfig::standard().with_max_attempts(2),
        )?;
        let sent = tokio::time::timeout(
            timeout + Duration::from_secs(1),
            portal
                .get_role_credentials()
                .account_id(&role.account_id)
                .role_name(&role.role_name)
                .access_token(&token.access_token)
                .send(),
        )
        .await
        .map_err(|_| Error::UpstreamUnavailable {
            service: Service::SsoPortal,
            reason: format!("no answer in {} s", timeout.as_secs()),
        })?;
        let out = match sent {
            Ok(out) => out,
            Err(e) => {
                let (code, err) = classify(e, Service::SsoPortal);
                if code.as_deref() == Some("UnauthorizedException") {
                    log::info!(
                        "the portal refused the token of SSO source {}; a new sign-in is needed",
                        sso.name
                    );
                    self.forget(&sso.name).await?;
                    return Err(login_required());
                }
                return Err(err);
            }
        };
        let c = out.role_credentials().ok_or_else(|| Error::UpstreamError {
            service: Service::SsoPortal,
            aws_code: "InvalidResponse".into(),
            message: "GetRoleCredentials returned no credentials".into(),
        })?;
        // Epoch milliseconds; whole seconds are what every other expiry here has.
        let expiration = OffsetDateTime::from_unix_timestamp(c.expiration().div_euclid(1000))
            .map_err(|e| Error::Internal(format!("credential expiry out of range: {e}")))?;
        Ok(Fresh {
            credentials: TempCredentials {
                access_key_id: c.access_key_id().unwrap_or_default().to_owned(),
                secret_access_key: c.secret_access_key().unwrap_or_default().to_owned(),
                session_token: c.session_token().unwrap_or_default().to_owned(),
                expiration,
            },
            chained: false,
        })
    }

    /// The source's token while it has five minutes to live; else one refreshed with the
    /// refresh token; else none.
    pub async fn usable_token(
        &self,
        http: &SharedHttpClient,
        sso: &SsoSource,
        timeout: Duration,
    ) -> Result<Option<SsoToken>> {
        let lock = self.inner.locks.get(&sso.name);
        let _guard = lock.lock().await;
        let Some(token) = self.stored_token(sso).await? else {
            return Ok(None);
        };
        if token.expires_at - FRESHNESS_MARGIN > OffsetDateTime::now_utc() {
            return Ok(Some(token));
        }
        let Some(refresh) = token.refresh_token.clone() else {
            return Ok(None);
        };
        let Some(client) = self.stored_client(sso).await? else {
            return Ok(None);
        };
        let sent = oidc_client(http, &sso.region, timeout)?
            .create_token()
            .client_id(&client.client_id)
            .client_secret(&client.client_secret)
            .grant_type(REFRESH_GRANT)
            .refresh_token(refresh)
            .send()
            .await;
        match sent {
            Ok(out) => {
                let fresh = SsoToken {
                    start_url: sso.start_url.clone(),
                    access_token: out.access_token().unwrap_or_default().to_owned(),
                    expires_at: now_utc() + time::Duration::seconds(out.expires_in().into()),
                    // Identity Center may rotate it; keep the old one when it does not.
                    refresh_token: out
                        .refresh_token()
                        .map(str::to_owned)
                        .or(token.refresh_token),
                };
                log::info!("refreshed the token of SSO source {}", sso.name);
                self.keep(&sso.name, fresh.clone()).await;
                Ok(Some(fresh))
            }
            Err(e) => {
                let (code, err) = classify(e, Service::SsoOidc);
                match code.as_deref() {
                    // The refresh token is spent or revoked: a new sign-in is needed.
                    Some(
                        "InvalidGrantException" | "ExpiredTokenException" | "AccessDeniedException",
                    ) => {
                        log::info!("the refresh token of SSO source {} was refused", sso.name);
                        self.drop_token(&sso.name).await?;
                        Ok(None)
                    }
                    // The client registration expired or was removed: register again at
                    // the next sign-in.
                    Some("InvalidClientException" | "UnauthorizedClientException") => {
                        let secrets = self.inner.secrets.clone();
                        let name = sso.name.clone();
                        blocking(move || secrets.forget_sso_client(&name)).await?;
                        self.drop_token(&sso.name).await?;
                        Ok(None)
                    }
                    _ => Err(err),
                }
            }
        }
    }

    async fn stored_token(&self, sso: &SsoSource) -> Result<Option<SsoToken>> {
        let mine = |t: &SsoToken| t.start_url == sso.start_url;
        if let Some(t) = self
            .inner
            .tokens
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&sso.name)
            .filter(|t| mine(t))
        {
            return Ok(Some(t.clone()));
        }
        let secrets = self.inner.secrets.clone();
        let name = sso.name.clone();
        let stored = blocking(move || secrets.sso_token(&name)).await?;
        Ok(stored.filter(mine).inspect(|t| {
            self.inner
                .tokens
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(sso.name.clone(), t.clone());
        }))
    }

    async fn stored_client(&self, sso: &SsoSource) -> Result<Option<SsoClient>> {
        let secrets = self.inner.secrets.clone();
        let name = sso.name.clone();
        let region = sso.region.clone();
        let stored = blocking(move || secrets.sso_client(&name)).await?;
        Ok(stored.filter(|c| c.region == region && c.expires_at > OffsetDateTime::now_utc()))
    }

    /// The registered OIDC client, registering one when there is none (or it expired).
    async fn client(
        &self,
        http: &SharedHttpClient,
        sso: &SsoSource,
        timeout: Duration,
    ) -> Result<SsoClient> {
        if let Some(c) = self.stored_client(sso).await? {
            return Ok(c);
        }
        let out = oidc_client(http, &sso.region, timeout)?
            .register_client()
            .client_name(format!("rolecall-{}", sso.name))
            .client_type("public")
            .set_scopes(Some(SCOPES.iter().map(|s| (*s).to_owned()).collect()))
            .send()
            .await
            .map_err(|e| classify(e, Service::SsoOidc).1)?;
        let expires_at = OffsetDateTime::from_unix_timestamp(out.client_secret_expires_at())
            .unwrap_or_else(|_| OffsetDateTime::now_utc() + time::Duration::days(90));
        let client = SsoClient {
            region: sso.region.clone(),
            client_id: out.client_id().unwrap_or_default().to_owned(),
            client_secret: out.client_secret().unwrap_or_default().to_owned(),
            expires_at,
        };
        let secrets = self.inner.secrets.clone();
        let name = sso.name.clone();
        let stored = client.clone();
        blocking(move || secrets.store_sso_client(&name, &stored)).await?;
        Ok(client)
    }

    /// Keeps a token: memory at once, keyring and state file in the background.
    async fn keep(&self, name: &str, token: SsoToken) {
        self.inner
            .tokens
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(name.to_owned(), token.clone());
        let (expires_at, refreshable) = (token.expires_at, token.refresh_token.is_some());
        let owned = name.to_owned();
        self.inner.state.record(move |s| {
            let st = s.sso.entry(owned).or_default();
            st.token_expires_at = Some(expires_at);
            st.refreshable = refreshable;
        });
        let pending = self
            .inner
            .writes
            .get(&format!("sso:{name}"))
            .lock_owned()
            .await;
        let secrets = self.inner.secrets.clone();
        let name = name.to_owned();
        tokio::task::spawn_blocking(move || {
            let _pending = pending;
            if let Err(e) = secrets.store_sso_token(&name, &token) {
                log::warn!("could not keep the token of SSO source {name} in the keyring: {e}");
            }
        });
    }

    async fn drop_token(&self, name: &str) -> Result<bool> {
        let in_memory = self
            .inner
            .tokens
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(name)
            .is_some();
        let _written = self
            .inner
            .writes
            .get(&format!("sso:{name}"))
            .lock_owned()
            .await;
        let secrets = self.inner.secrets.clone();
        let owned = name.to_owned();
        let in_keyring = blocking(move || secrets.forget_sso_token(&owned)).await?;
        let owned = name.to_owned();
        self.inner.state.record(move |s| {
            s.sso.remove(&owned);
        });
        Ok(in_memory || in_keyring)
    }

    /// Drops the source's token (memory, keyring, state). The client registration stays.
    pub async fn forget(&self, name: &str) -> Result<bool> {
        self.drop_token(name).await
    }

    /// Every account the token may reach and the roles in each, paginated, with back-off
    /// when the portal throttles (`TooManyRequestsException`: users with hundreds of
    /// accounts meet it).
    pub async fn assignments(
        &self,
        http: &SharedHttpClient,
        sso: &SsoSource,
        token: &SsoToken,
        timeout: Duration,
    ) -> Result<Vec<Assignment>> {
        let portal = portal_client(http, &sso.region, timeout, RetryConfig::disabled())?;
        let mut accounts = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let page = throttled(|| {
                portal
                    .list_accounts()
                    .access_token(&token.access_token)
                    .max_results(100)
                    .set_next_token(next.clone())
                    .send()
            })
            .await?;
            for a in page.account_list() {
                accounts.push((
                    a.account_id().unwrap_or_default().to_owned(),
                    a.account_name().unwrap_or_default().to_owned(),
                ));
            }
            next = page.next_token().map(str::to_owned);
            if next.is_none() {
                break;
            }
        }
        let mut out = Vec::new();
        for (account_id, account_name) in accounts {
            let mut role_names = Vec::new();
            let mut next: Option<String> = None;
            loop {
                let page = throttled(|| {
                    portal
                        .list_account_roles()
                        .access_token(&token.access_token)
                        .account_id(&account_id)
                        .max_results(100)
                        .set_next_token(next.clone())
                        .send()
                })
                .await?;
                role_names.extend(
                    page.role_list()
                        .iter()
                        .filter_map(|r| r.role_name().map(str::to_owned)),
                );
                next = page.next_token().map(str::to_owned);
                if next.is_none() {
                    break;
                }
            }
            out.push(Assignment {
                account_id,
                account_name,
                role_names,
            });
        }
        Ok(out)
    }
}

/// Back-off for a throttled portal call: 200 ms doubling to 6.4 s, then the error.
async fn throttled<T, E, F, Fut>(mut call: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<
        Output = std::result::Result<
            T,
            aws_smithy_runtime_api::client::result::SdkError<
                E,
                aws_smithy_runtime_api::client::orchestrator::HttpResponse,
            >,
        >,
    >,
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let mut wait = Duration::from_millis(200);
    loop {
        match call().await {
            Ok(v) => return Ok(v),
            Err(e) => {
                let (code, err) = classify(e, Service::SsoPortal);
                match code.as_deref() {
                    Some("TooManyRequestsException") if wait <= Duration::from_millis(6400) => {
                        log::debug!("the portal throttles; waiting {} ms", wait.as_millis());
                        tokio::time::sleep(wait).await;
                        wait *= 2;
                    }
                    Some("UnauthorizedException") => {
                        return Err(Error::InvalidParams(
                            "The IAM Identity Center token was refused; sign in again (`rolecall sso login`).".into(),
                        ))
                    }
                    _ => return Err(err),
                }
            }
        }
    }
}
