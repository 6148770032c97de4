//! The host's state and the operations behind the protocol methods and the CLI: list roles,
//! open a console (the click path), forget cached sessions.

use crate::config::{self, Config, Role};
use crate::credentials::{CachedSession, LongTermKeys, TempCredentials};
use crate::error::{Error, Result};
use crate::federation::{self, SignInTarget};
use crate::partition::{validate_region, Partition};
use crate::secrets::SecretStore;
use crate::sts;
use serde::Serialize;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, Weak};
use time::OffsetDateTime;
use url::Url;

/// Cached credentials are used only while they have this long to live: ample for the
/// federation round trip, which is all they are needed for.
const FRESHNESS_MARGIN: time::Duration = time::Duration::minutes(5);

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

/// What `console.open` answers for `open_in: "isolated_window"`: no URL, the browser has it.
#[derive(Debug, Clone, Serialize)]
pub struct Launched {
    pub launched: bool,
    pub role: String,
    pub account_id: String,
    /// The role's browser data directory (a string: a JSON reply cannot carry other bytes).
    pub profile_dir: String,
    /// The browser executable that was started.
    pub browser: String,
    /// Whether a browser was already running on that directory (it gets a new window).
    pub was_running: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub console_expires_at: OffsetDateTime,
    pub cached: bool,
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
}

#[derive(Debug, Clone, Serialize)]
pub struct RoleView {
    pub id: String,
    pub label: String,
    pub account_id: String,
    pub role_name: String,
    pub gateway: String,
    pub region: String,
    pub partition: &'static str,
    pub group: Option<String>,
    pub color: String,
    pub icon: String,
    pub mfa: bool,
    /// Whether a browser is running on the role's isolated-window data directory.
    pub window_open: bool,
}

/// Which cached sessions `session.forget` drops.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForgetRequest {
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub gateway: Option<String>,
}

struct Http {
    sts: aws_sdk_sts::config::SharedHttpClient,
    signin: reqwest::Client,
}

pub struct App {
    config_path: PathBuf,
    secrets: SecretStore,
    signin_override: std::result::Result<Option<Url>, String>,
    console_override: std::result::Result<Option<Url>, String>,
    /// One HTTPS client for STS and the sign-in endpoint, built once per process.
    http: tokio::sync::OnceCell<Http>,
    /// Per gateway, its keys while some AssumeRole is using them: concurrent opens through
    /// one gateway share one keyring read, and the keys still leave memory when the last
    /// of those calls ends.
    gateway_keys: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Weak<LongTermKeys>>>>>,
    /// One open at a time per role, so a double click costs one AssumeRole, not two.
    role_locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// In-process mirror of the keyring's session cache: a warm host skips the keyring read.
    sessions: Mutex<HashMap<String, CachedSession>>,
    /// Per role, held while the background keyring write of its new session is pending, so
    /// a `session.forget` cannot delete first and then be undone by the write.
    keyring_writes: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

fn url_from_env(var: &str) -> std::result::Result<Option<Url>, String> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Url::parse(&v)
            .map(Some)
            .map_err(|e| format!("{var}={v} is not a URL ({e})")),
        _ => Ok(None),
    }
}

impl App {
    /// Reads the environment only; no file, keyring or network access happens here, so
    /// host start-up stays cheap.
    pub fn from_env() -> App {
        App::new(config::config_path(), SecretStore::from_env())
    }

    pub fn new(config_path: PathBuf, secrets: SecretStore) -> App {
        App {
            config_path,
            secrets,
            signin_override: url_from_env("ROLECALL_SIGNIN_URL"),
            console_override: url_from_env("ROLECALL_CONSOLE_URL"),
            http: tokio::sync::OnceCell::new(),
            gateway_keys: Mutex::new(HashMap::new()),
            role_locks: Mutex::new(HashMap::new()),
            sessions: Mutex::new(HashMap::new()),
            keyring_writes: Mutex::new(HashMap::new()),
        }
    }

    pub fn config_path(&self) -> &std::path::Path {
        &self.config_path
    }

    pub fn secrets(&self) -> &SecretStore {
        &self.secrets
    }

    pub fn load_config(&self) -> Result<Config> {
        config::load(&self.config_path)
    }

    pub fn list_roles(&self) -> Result<Vec<RoleView>> {
        let config = self.load_config()?;
        let profiles = crate::profiles::profiles_dir();
        Ok(config
            .roles
            .iter()
            .map(|r| {
                let g = config.gateway(&r.gateway);
                RoleView {
                    id: r.id.clone(),
                    label: r.label().to_owned(),
                    account_id: r.account_id.clone(),
                    role_name: r.role_name.clone(),
                    gateway: r.gateway.clone(),
                    region: r.region(g).to_owned(),
                    partition: r.partition(g).id(),
                    group: r.group.clone(),
                    color: r.color().to_owned(),
                    icon: r.icon().to_owned(),
                    mfa: g.is_some_and(|g| g.mfa_serial.is_some()),
                    window_open: crate::profiles::profile_dir(&profiles, &r.id)
                        .is_some_and(|d| crate::profiles::is_running(&d)),
                }
            })
            .collect())
    }

    fn overrides(&self) -> Result<(Option<Url>, Option<Url>)> {
        let bad = |reason: &String, var: &str| Error::ConfigInvalid {
            path: var.to_owned(),
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
    async fn http(&self) -> Result<&Http> {
        self.http
            .get_or_try_init(|| async {
                let client = tokio::task::spawn_blocking(sts::https_client)
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
    fn prewarm_http(self: &Arc<Self>) {
        if self.http.initialized() {
            return;
        }
        let app = self.clone();
        tokio::spawn(async move {
            // An error here is reported by the open that needs the client.
            let _ = app.http().await;
        });
    }

    /// The gateway's long-term keys: shared with a concurrent open that already holds
    /// them, else read from the keyring.
    async fn gateway_keys(&self, gateway: &str) -> Result<Arc<LongTermKeys>> {
        let slot = {
            let mut slots = self.gateway_keys.lock().unwrap_or_else(|p| p.into_inner());
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

    fn role_lock(&self, role: &str) -> Arc<tokio::sync::Mutex<()>> {
        lock_for(&self.role_locks, role)
    }

    fn keyring_write_lock(&self, role: &str) -> Arc<tokio::sync::Mutex<()>> {
        lock_for(&self.keyring_writes, role)
    }

    /// Waits for every background keyring write to land. The host calls this before it
    /// exits: the runtime drops blocking tasks that have not started when it shuts down.
    pub async fn settle(&self) {
        let pending: Vec<_> = self
            .keyring_writes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .cloned()
            .collect();
        for lock in pending {
            drop(lock.lock().await);
        }
    }

    /// The config and the role a request names, or why there is none.
    fn requested_role(&self, id: &str) -> Result<(Config, Role)> {
        requested_name("Role", id)?;
        let config = self.load_config()?;
        let role = config
            .role(id)
            .ok_or_else(|| Error::UnknownRole(id.to_owned()))?
            .clone();
        Ok((config, role))
    }

    /// The click: cached credentials or AssumeRole, then one federation call, then the URL.
    pub async fn open_console(self: &Arc<Self>, req: OpenRequest) -> Result<Opened> {
        let (config, role) = self.requested_role(&req.role)?;
        let gateway = config
            .gateway(&role.gateway)
            .ok_or_else(|| Error::UnknownGateway(role.gateway.clone()))?
            .clone();
        let partition = role.partition(Some(&gateway));
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
            None => role.region(Some(&gateway)).to_owned(),
        };
        if let Some(code) = &req.mfa_code {
            if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
                return Err(Error::InvalidParams(
                    "The MFA code must be the 6 digits your device shows.".into(),
                ));
            }
        }
        // Everything the request can get wrong is checked before any network call.
        let (signin_override, console_override) = self.overrides()?;
        let target = SignInTarget::new(
            partition,
            &region,
            signin_override.as_ref(),
            console_override.as_ref(),
        );
        let destination = target.destination(&region, req.destination.as_deref())?;
        let role_arn = role.arn(Some(&gateway));
        let timeout = config.settings.timeout();

        let lock = self.role_lock(&role.id);
        let _guard = lock.lock().await;
        self.prewarm_http();

        let mut cached = self
            .cached_session(&role.id, &role_arn, &gateway.name)
            .await?;
        loop {
            let (creds, from_cache) = match cached.take() {
                Some(c) => (c, true),
                None => (
                    self.assume(&role, &gateway, &role_arn, &region, &req, timeout)
                        .await?,
                    false,
                ),
            };
            let session_duration = role.session_duration();
            let http = &self.http().await?.signin;
            let token = tokio::time::timeout(
                timeout,
                federation::get_signin_token(http, &target, &creds, Some(session_duration)),
            )
            .await
            .unwrap_or_else(|_| {
                Err(Error::UpstreamUnavailable {
                    service: crate::error::Service::SignIn,
                    reason: format!("no answer in {} s", timeout.as_secs()),
                })
            });
            let token = match token {
                Ok(t) => t,
                // Cached credentials the sign-in endpoint refuses (revoked, say) are
                // dropped and replaced once by fresh ones.
                Err(Error::UpstreamError { .. }) if from_cache => {
                    log::info!(
                        "cached session for role {} was refused; assuming the role again",
                        role.id
                    );
                    self.drop_session(&role.id).await?;
                    continue;
                }
                Err(e) => return Err(e),
            };
            let now = OffsetDateTime::now_utc()
                .replace_nanosecond(0)
                .unwrap_or_else(|_| OffsetDateTime::now_utc());
            return Ok(Opened {
                url: target.login_url(config.settings.issuer(), &destination, &token),
                role: role.id.clone(),
                account_id: role.account_id.clone(),
                container: Container {
                    name: role.label().to_owned(),
                    color: role.color().to_owned(),
                    icon: role.icon().to_owned(),
                },
                console_expires_at: now + time::Duration::seconds(session_duration.into()),
                credentials_expire_at: creds.expiration,
                cached: from_cache,
            });
        }
    }

    /// `open_in: "isolated_window"`: the same sign-in as [`App::open_console`], handed to a
    /// browser started on the role's own data directory through a private handoff file.
    pub async fn launch_console(self: &Arc<Self>, req: OpenRequest) -> Result<Launched> {
        use crate::browser_launch::{self as bl, LaunchError};
        use crate::{handoff, profiles};
        let (config, role) = self.requested_role(&req.role)?;
        // The browser is found before AWS is asked: a missing browser costs no sign-in.
        let parent = blocking(|| Ok(bl::parent_executable())).await?;
        let (exe, found) = bl::find_browser(
            std::env::var_os("ROLECALL_BROWSER_EXE"),
            config.settings.browser_exe.as_deref(),
            parent,
        )?;
        log::debug!(
            "isolated window browser: {} (found: {found:?})",
            exe.display()
        );
        let base = profiles::profiles_dir();
        let dir = profiles::profile_dir(&base, &role.id).ok_or_else(|| LaunchError::RoleId {
            role: role.id.clone(),
        })?;
        let lock = self.role_lock(&format!("window:{}", role.id));
        let _guard = lock.lock().await;
        let opened = self.open_console(req).await?;

        let was_running = profiles::is_running(&dir);
        profiles::prepare(&dir, role.label(), role.color())
            .map_err(|e| LaunchError::files(&dir, e))?;
        let hand_dir = profiles::handoff_dir();
        handoff::sweep(&hand_dir);
        let file = handoff::write(&hand_dir, &opened.url, role.label())
            .map_err(|e| LaunchError::files(&hand_dir, e))?;
        drop(opened.url);
        let args = bl::launch_args(&dir, &bl::extra_args_from_env(), &file);
        if let Err(e) = bl::spawn_detached(&exe, &args) {
            let _ = std::fs::remove_file(&file);
            return Err(LaunchError::SpawnFailed {
                exe: exe.display().to_string(),
                reason: e.to_string(),
            }
            .into());
        }
        if let Err(e) = handoff::spawn_cleanup(&file) {
            // The next launch's sweep removes it after a minute.
            log::warn!("could not start the handoff cleanup: {e}");
        }
        log::info!(
            "launched {} on {} for role {}",
            exe.display(),
            dir.display(),
            role.id
        );
        Ok(Launched {
            launched: true,
            role: opened.role,
            account_id: opened.account_id,
            profile_dir: dir.display().to_string(),
            browser: exe.display().to_string(),
            was_running,
            console_expires_at: opened.console_expires_at,
            cached: opened.cached,
        })
    }

    async fn assume(
        self: &Arc<Self>,
        role: &Role,
        gateway: &config::Gateway,
        role_arn: &str,
        region: &str,
        req: &OpenRequest,
        timeout: std::time::Duration,
    ) -> Result<TempCredentials> {
        // The keys first: a locked keyring or missing keys must be reported before the user is
        // asked for an MFA code, not after they typed one.
        let keys = self.gateway_keys(&gateway.name).await?;
        let mfa = match (&gateway.mfa_serial, &req.mfa_code) {
            (Some(serial), Some(code)) => Some((serial.as_str(), code.as_str())),
            (Some(serial), None) => {
                return Err(Error::MfaRequired {
                    gateway: gateway.name.clone(),
                    role: role.id.clone(),
                    serial: serial.clone(),
                })
            }
            (None, _) => None,
        };
        let session_name = role.session_name(gateway);
        let sts_region = config::sts_region(Some(gateway), region);
        let creds = sts::assume_role(
            &self.http().await?.sts,
            &keys,
            &sts::AssumeRequest {
                gateway: &gateway.name,
                region: sts_region,
                role_arn,
                session_name: &session_name,
                external_id: role.external_id.as_deref(),
                duration_seconds: role.duration_seconds(),
                mfa,
            },
            timeout,
        )
        .await?;
        drop(keys);
        let session = CachedSession {
            role_arn: role_arn.to_owned(),
            gateway: gateway.name.clone(),
            credentials: creds.clone(),
        };
        self.remember(&role.id, session).await;
        Ok(creds)
    }

    /// Keeps new credentials in memory at once and in the keyring in the background: the
    /// keyring write must not delay the sign-in call.
    async fn remember(self: &Arc<Self>, role: &str, session: CachedSession) {
        self.sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(role.to_owned(), session.clone());
        let secrets = self.secrets.clone();
        let pending = self.keyring_write_lock(role).lock_owned().await;
        let role = role.to_owned();
        tokio::task::spawn_blocking(move || {
            let _pending = pending;
            if let Err(e) = secrets.store_session(&role, &session) {
                log::warn!("could not cache the session of role {role} in the keyring: {e}");
            }
        });
    }

    async fn cached_session(
        &self,
        role: &str,
        role_arn: &str,
        gateway: &str,
    ) -> Result<Option<TempCredentials>> {
        let now = OffsetDateTime::now_utc();
        let usable = |s: &CachedSession| {
            s.role_arn == role_arn && s.gateway == gateway && s.is_fresh(now, FRESHNESS_MARGIN)
        };
        if let Some(s) = self
            .sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(role)
            .filter(|s| usable(s))
        {
            return Ok(Some(s.credentials.clone()));
        }
        let secrets = self.secrets.clone();
        let id = role.to_owned();
        let stored = match blocking(move || secrets.cached_session(&id)).await {
            Ok(s) => s,
            // No keyring means no cache; the open itself will say what is wrong when it
            // needs the gateway's keys.
            Err(Error::KeyringUnavailable(e)) => {
                log::debug!("session cache unavailable: {e}");
                None
            }
            Err(e) => return Err(e),
        };
        Ok(stored.filter(usable).map(|s| {
            let creds = s.credentials.clone();
            self.sessions
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(role.to_owned(), s);
            creds
        }))
    }

    async fn drop_session(&self, role: &str) -> Result<bool> {
        let in_memory = self
            .sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(role)
            .is_some();
        let secrets = self.secrets.clone();
        let id = role.to_owned();
        let _written = self.keyring_write_lock(role).lock_owned().await;
        let in_keyring = blocking(move || secrets.forget_session(&id)).await?;
        Ok(in_memory || in_keyring)
    }

    /// Drops cached sessions: of one role, of every role of a gateway, or all.
    pub async fn forget(&self, req: ForgetRequest) -> Result<usize> {
        if let Some(r) = &req.role {
            requested_name("Role", r)?;
        }
        if let Some(g) = &req.gateway {
            requested_name("Gateway", g)?;
        }
        let config = self.load_config()?;
        let roles: Vec<String> = match (&req.role, &req.gateway) {
            (Some(_), Some(_)) => {
                return Err(Error::InvalidParams(
                    "Name a role or a gateway, not both.".into(),
                ))
            }
            (Some(r), None) => {
                config
                    .role(r)
                    .ok_or_else(|| Error::UnknownRole(r.clone()))?;
                vec![r.clone()]
            }
            (None, Some(g)) => {
                config
                    .gateway(g)
                    .ok_or_else(|| Error::UnknownGateway(g.clone()))?;
                config
                    .roles
                    .iter()
                    .filter(|r| &r.gateway == g)
                    .map(|r| r.id.clone())
                    .collect()
            }
            (None, None) => config.roles.iter().map(|r| r.id.clone()).collect(),
        };
        let mut n = 0;
        for r in roles {
            let lock = self.role_lock(&r);
            let _guard = lock.lock().await;
            if self.drop_session(&r).await? {
                n += 1;
            }
        }
        Ok(n)
    }
}

fn lock_for(
    locks: &Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    role: &str,
) -> Arc<tokio::sync::Mutex<()>> {
    let mut locks = locks.lock().unwrap_or_else(|p| p.into_inner());
    locks.entry(role.to_owned()).or_default().clone()
}

/// Runs a blocking keyring call off the async threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Internal(format!("a background task failed: {e}")))?
}

/// A name from a request that no config could hold is refused without echoing it: it may
/// be 10 kB of text or carry control characters meant for a terminal or a log.
fn requested_name(what: &str, name: &str) -> Result<()> {
    if config::is_valid_name(name) {
        Ok(())
    } else {
        Err(Error::InvalidParams(format!(
            "{what} ids are 1 to 64 letters, digits or - _ . @ +; the one given ({} characters) is not.",
            name.chars().count()
        )))
    }
}
