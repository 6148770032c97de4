//! The click (`console.open`): the request and its answer, and [`App::open_console`]: a
//! prepared token, or cached credentials or fresh ones then one federation call; then the
//! URL.

use super::live::FRESHNESS_MARGIN;
use super::{source_of, App, Minted};
use crate::console::federation::{self, SignInTarget};
use crate::console::partition::{validate_region, Partition};
use crate::error::{Error, Result};
use crate::sources::MfaCode;
use crate::store::config::{Role, Source};
use serde::Serialize;
use std::sync::Arc;
use time::OffsetDateTime;

/// What `console.open` asks for. The extension names a role; everything else is checked here.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenRequest {
    pub role: String,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub destination: Option<String>,
    #[serde(default)]
    pub mfa_code: Option<String>,
    /// `tab` (default): answer the sign-in URL for the extension to open. `isolated_window`:
    /// launch a browser on the role's own data directory with it (Chromium family).
    #[serde(default)]
    pub open_in: OpenIn,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpenIn {
    #[default]
    Tab,
    IsolatedWindow,
}

#[derive(Debug, Clone, Serialize)]
pub struct Container {
    pub name: String,
    pub color: String,
    pub icon: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Opened {
    /// The sign-in URL: a bearer secret for 15 minutes. Never log it.
    pub url: String,
    pub role: String,
    pub account_id: String,
    pub container: Container,
    #[serde(with = "time::serde::rfc3339")]
    pub console_expires_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub credentials_expire_at: OffsetDateTime,
    /// True when cached credentials were used (no STS call, no MFA).
    pub cached: bool,
    /// True when a token minted by `console.prepare` was used: no upstream call at all.
    pub prepared: bool,
}

fn now_utc() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(0).unwrap_or(now)
}

impl App {
    /// The click: a prepared token, or cached credentials or AssumeRole then one federation
    /// call; then the URL.
    pub async fn open_console(self: &Arc<Self>, req: OpenRequest) -> Result<Opened> {
        self.catch_up_with_forgets();
        let (config, role) = self.requested_role(&req.role)?;
        let source = source_of(&config, &role)?;
        let partition = config.partition_of(&role);
        let region = match &req.region {
            Some(r) => {
                validate_region(r)?;
                if Partition::for_region(r) != partition {
                    return Err(Error::InvalidParams(format!(
                        "Region '{r}' is not in the {} partition of role '{}'.",
                        partition.id(),
                        role.id
                    )));
                }
                r.clone()
            }
            None => config.region_of(&role).to_owned(),
        };
        if let Some(code) = &req.mfa_code {
            check_mfa_code(code)?;
        }
        // Everything the request can get wrong is checked before any network call.
        let target = self.target(partition, &region)?;
        let destination = target.destination(&region, req.destination.as_deref())?;
        let role_arn = role.arn(source.region());
        let timeout = config.settings.timeout();

        let lock = self.role_lock(&role.id);
        let _guard = lock.lock().await;

        let prepared = self
            .prepared
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take(
                &role.id,
                &role_arn,
                source.name(),
                target.signin_url.as_str(),
                std::time::Instant::now(),
            );
        let (minted, was_prepared) = match prepared {
            Some(p) => (
                Minted {
                    token: p.token,
                    session_duration: p.session_duration,
                    credentials_expire_at: p.credentials_expire_at,
                    from_cache: true,
                },
                true,
            ),
            None => {
                self.prewarm_http();
                let m = self
                    .mint(
                        &role,
                        source,
                        &target,
                        MfaCode::from_request(req.mfa_code.as_deref()),
                        timeout,
                    )
                    .await?;
                (m, false)
            }
        };
        let now = now_utc();
        let console_expires_at = match minted.session_duration {
            Some(d) => now + time::Duration::seconds(d.into()),
            None => minted.credentials_expire_at,
        };
        let credentials_expire_at = minted.credentials_expire_at;
        let id = role.id.clone();
        self.record(move |s| {
            let r = s.roles.entry(id).or_default();
            r.console_expires_at = Some(console_expires_at);
            r.credentials_expire_at = Some(credentials_expire_at);
        });
        Ok(Opened {
            url: target.login_url(config.settings.issuer(), &destination, &minted.token),
            role: role.id.clone(),
            account_id: role.account_id.clone(),
            container: Container {
                name: role.label().to_owned(),
                color: role.color_with(role.risk_in(&config)).to_owned(),
                icon: role.icon().to_owned(),
            },
            console_expires_at,
            credentials_expire_at,
            cached: minted.from_cache,
            prepared: was_prepared,
        })
    }

    /// A sign-in token for the role: cached credentials or new ones, then one federation
    /// call. The caller holds the role's lock.
    pub(super) async fn mint(
        self: &Arc<Self>,
        role: &Role,
        source: Source<'_>,
        target: &SignInTarget,
        mfa_code: MfaCode<'_>,
        timeout: std::time::Duration,
    ) -> Result<Minted> {
        let mut use_cache = true;
        loop {
            let (session, from_cache) = self
                .session(role, source, mfa_code, timeout, FRESHNESS_MARGIN, use_cache)
                .await?;
            let session_duration = console_duration(role, source, session.chained);
            let http = &self.http().await?.signin;
            let token = tokio::time::timeout(
                timeout,
                federation::get_signin_token(http, target, &session.credentials, session_duration),
            )
            .await
            .unwrap_or_else(|_| {
                Err(Error::UpstreamUnavailable {
                    service: crate::error::Service::SignIn,
                    reason: format!("no answer in {} s", timeout.as_secs()),
                })
            });
            match token {
                Ok(token) => {
                    return Ok(Minted {
                        token,
                        session_duration,
                        credentials_expire_at: session.credentials.expiration,
                        from_cache,
                    })
                }
                // Cached credentials the sign-in endpoint refuses (revoked, say) are
                // dropped and replaced once by fresh ones.
                Err(Error::UpstreamError { .. }) if from_cache => {
                    log::info!(
                        "cached session for role {} was refused; assuming the role again",
                        role.id
                    );
                    self.drop_session(&role.id).await?;
                    use_cache = false;
                    continue;
                }
                Err(e) => return Err(e),
            }
        }
    }

    pub(super) fn target(&self, partition: Partition, region: &str) -> Result<SignInTarget> {
        let (signin_override, console_override) = self.overrides()?;
        Ok(SignInTarget::new(
            partition,
            region,
            signin_override.as_ref(),
            console_override.as_ref(),
        ))
    }
}

/// The console length to ask for: the role's, but at most one hour for credentials assumed
/// with an MFA session (AWS refuses more for chained credentials). An Identity Center role
/// asks nothing unless its config says so: its console then lasts as long as its
/// credentials, which the permission set's session duration bounds.
fn console_duration(role: &Role, source: Source<'_>, chained: bool) -> Option<u32> {
    if let Source::Sso(_) = source {
        return role.session_duration;
    }
    let d = role.session_duration();
    Some(if chained { d.min(3600) } else { d })
}

pub(super) fn check_mfa_code(code: &str) -> Result<()> {
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::InvalidParams(
            "The MFA code must be the 6 digits your device shows.".into(),
        ));
    }
    Ok(())
}
