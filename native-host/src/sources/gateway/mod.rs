//! Gateway roles: an IAM user's long-term keys (in the keyring) and STS AssumeRole, with
//! the gateway's MFA mode: the code straight to each AssumeRole (`per_role`), or one
//! GetSessionToken whose MFA session assumes every role of the gateway (`daily`). A code
//! the caller did not give comes from the gateway's `mfa_process` when it has one
//! ([`mfa_process`]); when that fails, the error asking for the code says why.

pub mod mfa_process;
pub mod organizations;
pub mod sts;

use crate::credentials::{LongTermKeys, MfaSession};
use crate::error::{Error, Result};
use crate::sources::{Fresh, MfaCode};
use crate::store::config::{self, Gateway, Role};
use crate::store::secrets::SecretStore;
use crate::store::state::StateWriter;
use crate::sync::{blocking, KeyedLocks};
use aws_sdk_sts::config::SharedHttpClient;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use sts::Signer;
use time::OffsetDateTime;

/// MFA sessions are used only while they have this long to live.
const FRESHNESS_MARGIN: time::Duration = crate::credentials::FRESHNESS_MARGIN;

pub struct GatewaySource {
    secrets: SecretStore,
    state: Arc<StateWriter>,
    /// Per gateway, its keys while some AssumeRole is using them: concurrent opens through
    /// one gateway share one keyring read, and the keys still leave memory when the last
    /// of those calls ends.
    keys: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Weak<LongTermKeys>>>>>,
    /// In-process mirror of the gateways' daily MFA sessions in the keyring.
    mfa_sessions: Mutex<HashMap<String, MfaSession>>,
    /// One GetSessionToken at a time per gateway.
    locks: KeyedLocks,
    /// Held while a background keyring write is pending (shared with the click path, which
    /// waits for them all before the process exits).
    writes: Arc<KeyedLocks>,
}

impl GatewaySource {
    pub fn new(
        secrets: SecretStore,
        state: Arc<StateWriter>,
        writes: Arc<KeyedLocks>,
    ) -> GatewaySource {
        GatewaySource {
            secrets,
            state,
            keys: Mutex::new(HashMap::new()),
            mfa_sessions: Mutex::new(HashMap::new()),
            locks: KeyedLocks::default(),
            writes,
        }
    }

    /// The gateway's long-term keys: shared with a concurrent open that already holds
    /// them, else read from the keyring.
    async fn keys(&self, gateway: &str) -> Result<Arc<LongTermKeys>> {
        let slot = {
            let mut slots = self.keys.lock().unwrap_or_else(|p| p.into_inner());
            slots.entry(gateway.to_owned()).or_default().clone()
        };
        let mut shared = slot.lock().await;
        if let Some(keys) = shared.upgrade() {
            return Ok(keys);
        }
        let secrets = self.secrets.clone();
        let name = gateway.to_owned();
        let keys = Arc::new(blocking(move || secrets.gateway_keys(&name)).await?);
        *shared = Arc::downgrade(&keys);
        Ok(keys)
    }

    /// Forgets what it holds in memory (the MFA sessions): the keyring is read again.
    pub fn clear_memory(&self) {
        self.mfa_sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    /// New credentials for the role: AssumeRole with the gateway's long-term keys (and the
    /// MFA code, per-role mode), or with the gateway's MFA session (daily mode).
    pub async fn credentials(
        &self,
        http: &SharedHttpClient,
        role: &Role,
        gateway: &Gateway,
        mfa_code: MfaCode<'_>,
        timeout: std::time::Duration,
    ) -> Result<Fresh> {
        let region = gateway.region.as_deref();
        let role_arn = &role.arn(region);
        let session_name = role.session_name(gateway);
        let sts_region = config::sts_region(Some(gateway), role.partition(region));
        let mut req = sts::AssumeRequest {
            gateway: &gateway.name,
            region: sts_region,
            role_arn,
            session_name: &session_name,
            external_id: role.external_id.as_deref(),
            duration_seconds: config::SAFE_DURATION_SECONDS,
            mfa: None,
        };
        let (creds, chained) = if gateway.uses_daily_mfa() {
            let mfa = self
                .mfa_session(http, role, gateway, mfa_code, sts_region, timeout)
                .await?;
            // Credentials assumed with an MFA session are chained: AWS allows one hour.
            req.duration_seconds = role
                .duration_seconds
                .unwrap_or(config::SAFE_DURATION_SECONDS)
                .min(config::SAFE_DURATION_SECONDS);
            match sts::assume_role(http, Signer::MfaSession(&mfa.credentials), &req, timeout).await
            {
                Ok(c) => (c, true),
                Err(e) if sts::is_session_refusal(&e) => {
                    log::info!(
                        "the MFA session of gateway {} was refused ({}); asking for a code",
                        gateway.name,
                        e.kind()
                    );
                    self.drop_mfa_session(&gateway.name).await?;
                    return Err(mfa_required(role, gateway));
                }
                Err(e) => return Err(e),
            }
        } else {
            // The keys first: a keyring or key problem is reported before the user is
            // asked for a code they would type in vain.
            let keys = self.keys(&gateway.name).await?;
            let code = match &gateway.mfa_serial {
                Some(_) => Some(self.code(&role.id, gateway, mfa_code).await?),
                None => None,
            };
            req.mfa = gateway
                .mfa_serial
                .as_deref()
                .zip(code.as_ref().map(|c| c.text()));
            let learned = match role.duration_seconds {
                Some(_) => None,
                None => {
                    let state = self.state.file().clone();
                    let id = role.id.clone();
                    blocking(move || {
                        Ok(state
                            .load()
                            .roles
                            .get(&id)
                            .and_then(|r| r.learned_max_duration(OffsetDateTime::now_utc())))
                    })
                    .await?
                }
            };
            req.duration_seconds = role
                .duration_seconds
                .or(learned)
                .unwrap_or(config::LONG_DURATION_SECONDS);
            let first = sts::assume_role(http, Signer::LongTerm(&keys), &req, timeout)
                .await
                .map_err(|e| rejected(e, code.as_ref(), &role.id, gateway));
            let creds = match first {
                // The role's maximum is lower than rolecall's default ask: ask what every
                // role allows, once, and remember it for this role.
                Err(e)
                    if role.duration_seconds.is_none()
                        && req.duration_seconds > config::SAFE_DURATION_SECONDS
                        && sts::is_duration_refusal(&e) =>
                {
                    log::info!(
                        "role {} allows less than {} s; asking {} s and remembering it",
                        role.id,
                        req.duration_seconds,
                        config::SAFE_DURATION_SECONDS
                    );
                    req.duration_seconds = config::SAFE_DURATION_SECONDS;
                    let creds = sts::assume_role(http, Signer::LongTerm(&keys), &req, timeout)
                        .await
                        .map_err(|e| rejected(e, code.as_ref(), &role.id, gateway))?;
                    let id = role.id.clone();
                    let learned_at = now_utc();
                    self.state.record(move |s| {
                        let r = s.roles.entry(id).or_default();
                        r.max_duration_seconds = Some(config::SAFE_DURATION_SECONDS);
                        r.max_duration_learned_at = Some(learned_at);
                    });
                    creds
                }
                other => other?,
            };
            drop(keys);
            (creds, false)
        };
        Ok(Fresh {
            credentials: creds,
            chained,
        })
    }

    /// The gateway's MFA session (daily mode): the cached one while it has five minutes to
    /// live, else a new one from GetSessionToken with the code. One per gateway at a time,
    /// so three roles opened at once with one code make one GetSessionToken.
    async fn mfa_session(
        &self,
        http: &SharedHttpClient,
        role: &Role,
        gateway: &Gateway,
        mfa_code: MfaCode<'_>,
        sts_region: &str,
        timeout: std::time::Duration,
    ) -> Result<MfaSession> {
        let serial = gateway
            .mfa_serial
            .clone()
            .ok_or_else(|| Error::Internal("daily MFA mode without a device".into()))?;
        let lock = self.locks.get(&gateway.name);
        let _guard = lock.lock().await;
        if let Some(s) = self.mfa_session_in_memory(&gateway.name, &serial) {
            return Ok(s);
        }
        // The keys before the stored session: it must have been issued for them, and a
        // keyring or key problem is reported before the user is asked for a code.
        let keys = self.keys(&gateway.name).await?;
        if let Some(s) = self
            .stored_mfa_session(&gateway.name, &serial, &keys.access_key_id)
            .await?
        {
            return Ok(s);
        }
        let code = self.code(&role.id, gateway, mfa_code).await?;
        let creds = sts::session_token(
            http,
            &keys,
            &sts::AssumeRequest {
                gateway: &gateway.name,
                region: sts_region,
                role_arn: "",
                session_name: "",
                external_id: None,
                duration_seconds: gateway.mfa_session_hours() * 3600,
                mfa: Some((&serial, code.text())),
            },
            timeout,
        )
        .await
        .map_err(|e| rejected(e, Some(&code), &role.id, gateway))?;
        let session = MfaSession {
            serial,
            access_key_id: Some(keys.access_key_id.clone()),
            credentials: creds,
        };
        drop(keys);
        self.mfa_sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(gateway.name.clone(), session.clone());
        let secrets = self.secrets.clone();
        let name = gateway.name.clone();
        let stored = session.clone();
        let pending = self.writes.get(&format!("mfa:{name}")).lock_owned().await;
        tokio::task::spawn_blocking(move || {
            let _pending = pending;
            if let Err(e) = secrets.store_mfa_session(&name, &stored) {
                log::warn!("could not keep the MFA session of gateway {name} in the keyring: {e}");
            }
        });
        let name = gateway.name.clone();
        let ends = session.credentials.expiration;
        self.state.record(move |s| {
            s.gateways.entry(name).or_default().mfa_session_expires_at = Some(ends);
        });
        Ok(session)
    }

    /// The MFA session this process holds, issued (or read from the keyring) for the keys
    /// of the time: new keys come with a forget (`gateway add`), which clears this memory.
    fn mfa_session_in_memory(&self, gateway: &str, serial: &str) -> Option<MfaSession> {
        let now = OffsetDateTime::now_utc();
        self.mfa_sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(gateway)
            .filter(|s| s.serial == serial && s.credentials.expiration - FRESHNESS_MARGIN > now)
            .cloned()
    }

    /// The MFA session in the keyring, if it was issued for this device and these keys and
    /// has time left. One issued for other keys (or by a version that did not record them)
    /// is dropped: the next open asks for a code.
    async fn stored_mfa_session(
        &self,
        gateway: &str,
        serial: &str,
        access_key_id: &str,
    ) -> Result<Option<MfaSession>> {
        let secrets = self.secrets.clone();
        let name = gateway.to_owned();
        let Some(stored) = blocking(move || secrets.mfa_session(&name)).await? else {
            return Ok(None);
        };
        if !stored.issued_for(serial, access_key_id) {
            log::info!(
                "the stored MFA session of gateway {gateway} was issued for another MFA device or \
                 other keys; dropping it"
            );
            self.drop_mfa_session(gateway).await?;
            return Ok(None);
        }
        if stored.credentials.expiration - FRESHNESS_MARGIN <= OffsetDateTime::now_utc() {
            return Ok(None);
        }
        self.mfa_sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(gateway.to_owned(), stored.clone());
        Ok(Some(stored))
    }

    /// Drops the gateway's MFA session (memory, keyring, state). Waits for a GetSessionToken
    /// in flight, so it cannot be undone by one.
    pub async fn forget_mfa_session(&self, gateway: &str) -> Result<bool> {
        let lock = self.locks.get(gateway);
        let _guard = lock.lock().await;
        self.drop_mfa_session(gateway).await
    }

    async fn drop_mfa_session(&self, gateway: &str) -> Result<bool> {
        let in_memory = self
            .mfa_sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(gateway)
            .is_some();
        let secrets = self.secrets.clone();
        let name = gateway.to_owned();
        let _written = self
            .writes
            .get(&format!("mfa:{gateway}"))
            .lock_owned()
            .await;
        let in_keyring = blocking(move || secrets.forget_mfa_session(&name)).await?;
        let name = gateway.to_owned();
        self.state.record(move |s| {
            s.gateways.remove(&name);
        });
        Ok(in_memory || in_keyring)
    }
}

impl GatewaySource {
    /// The accounts of the gateway's AWS Organization (`role discover`): listed with the
    /// gateway's own keys, or with `via_role`, a role (in the management account) assumed
    /// with them first, passing the MFA code when the gateway has a device.
    pub async fn organization_accounts(
        &self,
        http: &SharedHttpClient,
        gateway: &Gateway,
        via_role: Option<&str>,
        mfa_code: MfaCode<'_>,
        ous: bool,
        timeout: std::time::Duration,
    ) -> std::result::Result<Vec<organizations::OrgAccount>, organizations::OrganizationsError>
    {
        use crate::console::endpoints;
        // A refused override fails here, before the keyring or any call.
        let endpoint = endpoints::get(endpoints::ORGANIZATIONS)?.map(|o| o.value);
        let endpoint = endpoint.as_deref();
        let keys = self.keys(&gateway.name).await?;
        let partition = crate::console::partition::Partition::for_region(
            gateway.region.as_deref().unwrap_or(config::DEFAULT_REGION),
        );
        let Some(role_arn) = via_role else {
            let who = format!("gateway '{}'", gateway.name);
            return organizations::Lister::new(
                http,
                Signer::LongTerm(&keys),
                partition,
                &who,
                timeout,
                endpoint,
            )
            .accounts(ous)
            .await;
        };
        let code = match &gateway.mfa_serial {
            Some(_) => Some(self.code(role_arn, gateway, mfa_code).await?),
            None => None,
        };
        let mfa = gateway
            .mfa_serial
            .as_deref()
            .zip(code.as_ref().map(|c| c.text()));
        let session_name = format!(
            "{}-discover",
            Role::default()
                .session_name(gateway)
                .chars()
                .take(55)
                .collect::<String>()
        );
        let req = sts::AssumeRequest {
            gateway: &gateway.name,
            region: config::sts_region(Some(gateway), partition),
            role_arn,
            session_name: &session_name,
            external_id: None,
            duration_seconds: 900,
            mfa,
        };
        let assumed = sts::assume_role(http, Signer::LongTerm(&keys), &req, timeout)
            .await
            .map_err(|e| rejected(e, code.as_ref(), role_arn, gateway))?;
        drop(keys);
        let who = format!("role {role_arn}");
        organizations::Lister::new(
            http,
            Signer::Assumed(&assumed),
            partition,
            &who,
            timeout,
            endpoint,
        )
        .accounts(ous)
        .await
    }
}

fn mfa_required(role: &Role, gateway: &Gateway) -> Error {
    mfa_required_for(&role.id, gateway, None)
}

/// `mfa_required` for what `what` opens (a role id, or a role ARN for `role discover`),
/// with what the popup's prompt says: the gateway's mode and, daily, how long a code lasts;
/// why its MFA command gave no code, when it was run.
fn mfa_required_for(what: &str, gateway: &Gateway, process_error: Option<String>) -> Error {
    Error::MfaRequired {
        gateway: gateway.name.clone(),
        role: what.to_owned(),
        serial: gateway.mfa_serial.clone().unwrap_or_default(),
        daily_hours: gateway
            .uses_daily_mfa()
            .then(|| gateway.mfa_session_hours()),
        process_error,
    }
}

/// A code for one call: the caller's, or the one the gateway's MFA command printed.
enum GotCode<'a> {
    Given(&'a str),
    Fetched(mfa_process::Code),
}

impl GotCode<'_> {
    fn text(&self) -> &str {
        match self {
            GotCode::Given(c) => c,
            GotCode::Fetched(c) => c.as_str(),
        }
    }
}

/// AWS refusing a code the command printed is the command's failure: the caller is asked
/// for the code, told why, rather than shown an error about a code they never typed.
fn rejected(e: Error, code: Option<&GotCode<'_>>, what: &str, gateway: &Gateway) -> Error {
    match (e, code) {
        (Error::MfaInvalid { .. }, Some(GotCode::Fetched(_))) => {
            log::warn!(
                "AWS rejected the code the MFA command of gateway {} printed",
                gateway.name
            );
            mfa_required_for(
                what,
                gateway,
                Some(mfa_process::Failure::Rejected.to_string()),
            )
        }
        (e, _) => e,
    }
}

impl GatewaySource {
    /// The code for a call that needs one: the caller's, else one from the gateway's MFA
    /// command (on the blocking pool, one run at a time per gateway), else `mfa_required`
    /// saying why there is none.
    async fn code<'a>(
        &self,
        what: &str,
        gateway: &Gateway,
        mfa: MfaCode<'a>,
    ) -> Result<GotCode<'a>> {
        let argv = match (mfa, gateway.mfa_process()) {
            (MfaCode::Given(c), _) => return Ok(GotCode::Given(c)),
            (MfaCode::Fetch, Some(argv)) => argv.to_vec(),
            (MfaCode::Fetch | MfaCode::Absent, _) => {
                return Err(mfa_required_for(what, gateway, None))
            }
        };
        let lock = self.locks.get(&format!("process:{}", gateway.name));
        let _guard = lock.lock().await;
        let timeout = gateway.mfa_process_timeout();
        log::info!(
            "running the MFA command of gateway {} ({} s at most)",
            gateway.name,
            timeout.as_secs()
        );
        notify_terminal(&gateway.name);
        match blocking(move || Ok(mfa_process::run(&argv, timeout))).await? {
            Ok(code) => Ok(GotCode::Fetched(code)),
            Err(failure) => {
                log::warn!(
                    "the MFA command of gateway {} gave no code: {failure}",
                    gateway.name
                );
                Err(mfa_required_for(what, gateway, Some(failure.to_string())))
            }
        }
    }
}

/// A person at a terminal (`rolecall login`, `exec`…) is told the MFA command runs: it may
/// wait for a touch of their key. In host mode stderr is the browser's log, not a terminal.
fn notify_terminal(gateway: &str) {
    use std::io::{IsTerminal, Write};
    let mut err = std::io::stderr();
    if err.is_terminal() {
        let _ = writeln!(
            err,
            "rolecall: getting the MFA code of gateway '{gateway}' from its MFA command (touch your key if it asks)…"
        );
    }
}

fn now_utc() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(0).unwrap_or(now)
}
