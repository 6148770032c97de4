//! The host's state and the operations behind the protocol methods and the CLI: list roles
//! with their live consoles, open a console (the click path), prepare likely clicks, forget
//! cached sessions.

pub mod edit;
mod forget;
pub mod listing;
pub mod live;
pub mod prepared;

use crate::console::federation::{self, SignInTarget};
use crate::console::partition::{validate_region, Partition};
use crate::credentials::CachedSession;
use crate::error::{Error, Result};
use crate::sources::gateway::sts;
use crate::sources::sso::DeviceLogin;
use crate::sources::Sources;
use crate::store::catalog;
use crate::store::config::{self, Config, Gateway, Role, Source, SsoSource};
use crate::store::forgets::ForgetWatch;
use crate::store::secrets::SecretStore;
use crate::store::state::{State, StateFile, StateWriter};
use crate::sync::{blocking, KeyedLocks};
pub use forget::ForgetRequest;
use listing::Listing;
pub use listing::{ListRequest, MAX_PAGE_BYTES, MAX_PAGE_ROLES};
use live::{SessionView, FRESHNESS_MARGIN};
use prepared::{Prepared, PreparedTokens};
use serde::Serialize;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use time::OffsetDateTime;
use url::Url;

/// `console.prepare` takes at most this many roles per call.
pub const MAX_PREPARE: usize = 10;

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
    /// True when a token minted by `console.prepare` was used: no upstream call at all.
    pub prepared: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct RoleView {
    pub id: String,
    pub label: String,
    pub account_id: String,
    pub role_name: String,
    /// `gateway` or `sso`: where the role's credentials come from.
    pub source: &'static str,
    /// The gateway's or the SSO source's name.
    pub source_name: String,
    /// The gateway (gateway roles), else null.
    pub gateway: Option<String>,
    /// The IAM Identity Center source (SSO roles), else null.
    pub sso: Option<String>,
    pub region: String,
    pub partition: &'static str,
    pub group: Option<String>,
    pub color: String,
    pub icon: String,
    /// `production` (the role's or its group's), else null.
    pub risk: Option<&'static str>,
    /// Named console pages.
    pub links: Vec<config::Link>,
    pub mfa: bool,
    /// `per_role` or `daily`: how the gateway spends MFA codes.
    pub mfa_mode: &'static str,
    /// The role's live console, or null.
    pub session: Option<SessionView>,
    /// Whether the role's next open needs an MFA code (no cached credentials, no live daily
    /// MFA session), whether or not it has a live console.
    pub needs_code: bool,
    /// Whether the role's next open needs a sign-in to IAM Identity Center.
    pub needs_login: bool,
    /// Whether a browser is running on the role's isolated-window data directory.
    pub window_open: bool,
    /// The shared catalogue the role comes from (read-only: change it there), or null for
    /// a role of the user's own config.
    pub catalog: Option<String>,
    /// For a role of the user's own config: the catalogue whose role of the same id it
    /// hides, else null.
    pub shadows_catalog: Option<String>,
}

/// A role's temporary credentials, for the AWS CLI and shells. `Debug` shows no secret.
#[derive(Debug, Clone)]
pub struct RoleCredentials {
    pub role: String,
    pub account_id: String,
    /// The role's console region (its own, else its source's).
    pub region: String,
    pub credentials: crate::credentials::TempCredentials,
    /// Whether they came from the cache (no call to AWS).
    pub cached: bool,
}

/// `console.prepare`'s parameters.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrepareRequest {
    pub roles: Vec<String>,
}

/// `sso.login` and `sso.wait`'s parameters.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SsoRequest {
    pub sso: String,
}

/// Parsed catalogue copies by (name, digest).
type ParsedCatalogs = HashMap<(String, String), Arc<Vec<Role>>>;

struct Http {
    sts: aws_sdk_sts::config::SharedHttpClient,
    signin: reqwest::Client,
}

/// A sign-in token and what it was minted with.
struct Minted {
    token: String,
    /// The console length asked (`SessionDuration`); none: the console lasts as long as
    /// the credentials.
    session_duration: Option<u32>,
    credentials_expire_at: OffsetDateTime,
    from_cache: bool,
}

pub struct App {
    /// The config, re-read only when the file changes.
    config: config::ConfigCache,
    secrets: SecretStore,
    /// The state file, through its one background writer.
    state: Arc<StateWriter>,
    /// Where fresh credentials come from.
    sources: Sources,
    signin_override: std::result::Result<Option<Url>, String>,
    console_override: std::result::Result<Option<Url>, String>,
    /// One HTTPS client for STS and the sign-in endpoint, built once per process.
    http: tokio::sync::OnceCell<Http>,
    /// One open at a time per role, so a double click costs one AssumeRole, not two.
    role_locks: KeyedLocks,
    /// In-process mirror of the keyring's session cache: a warm host skips the keyring read.
    sessions: Mutex<HashMap<String, CachedSession>>,
    /// Tokens minted by `console.prepare`, in memory only.
    prepared: Mutex<PreparedTokens>,
    /// The state file's forget marker as this process last saw it.
    forgets: ForgetWatch,
    /// The last listing's roles as JSON, for the following pages of the same listing.
    listing: Mutex<Option<Listing>>,
    /// Parsed catalogue copies by (name, digest).
    catalogs: Mutex<ParsedCatalogs>,
    /// The config with its catalogues' roles, for the own config it was made from.
    effective: Mutex<Option<(Arc<Config>, Arc<catalog::Effective>)>>,
    /// Per keyring entry, held while its background write is pending, so a
    /// `session.forget` cannot delete first and then be undone by the write, and the
    /// process can wait for them all before it exits.
    writes: Arc<KeyedLocks>,
}

/// rolecall's own override `var`, checked as every endpoint override is
/// (`console/endpoints.rs`: http only to loopback, no credentials); refused is kept as the
/// error each open then answers.
fn url_from_env(var: &'static str) -> std::result::Result<Option<Url>, String> {
    match crate::console::endpoints::get(var) {
        Ok(o) => Ok(o.map(|o| o.url)),
        Err(Error::EndpointRefused { reason, .. }) => Err(reason),
        Err(e) => Err(e.to_string()),
    }
}

fn now_utc() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(0).unwrap_or(now)
}

impl App {
    /// Reads the environment only; no file, keyring or network access happens here, so
    /// host start-up stays cheap.
    pub fn from_env() -> App {
        App::new(
            config::config_path(),
            SecretStore::from_env(),
            StateFile::in_dir(&crate::store::data_dir()),
        )
    }

    pub fn new(config_path: PathBuf, secrets: SecretStore, state: StateFile) -> App {
        let state = Arc::new(StateWriter::new(state));
        let writes = Arc::new(KeyedLocks::default());
        App {
            config: config::ConfigCache::new(config_path),
            sources: Sources::new(secrets.clone(), state.clone(), writes.clone()),
            secrets,
            state,
            signin_override: url_from_env(crate::console::endpoints::SIGNIN),
            console_override: url_from_env(crate::console::endpoints::CONSOLE),
            http: tokio::sync::OnceCell::new(),
            role_locks: KeyedLocks::default(),
            sessions: Mutex::new(HashMap::new()),
            prepared: Mutex::new(PreparedTokens::default()),
            listing: Mutex::new(None),
            forgets: ForgetWatch::default(),
            catalogs: Mutex::new(HashMap::new()),
            effective: Mutex::new(None),
            writes,
        }
    }

    pub fn config_path(&self) -> &std::path::Path {
        self.config.path()
    }

    pub fn secrets(&self) -> &SecretStore {
        &self.secrets
    }

    pub fn state_file(&self) -> &StateFile {
        self.state.file()
    }

    /// The user's own config, as it is on disk, owned: what commands change and save
    /// (holding the update lock).
    pub fn load_config(&self) -> Result<Config> {
        config::load(self.config.path())
    }

    /// The config as the file is now, shared (parsed again only when it changed).
    pub fn config(&self) -> Result<Arc<Config>> {
        self.config.get()
    }

    /// The config with the roles of every subscribed catalogue added after the local ones
    /// (their accepted copies in the config folder; never the network). A catalogue that
    /// cannot be used is left out and reported.
    pub fn load_effective(&self) -> Result<catalog::Effective> {
        Ok(self.effective_config()?.as_ref().clone())
    }

    /// [`App::load_effective`], shared: made again only when the own config changed (the
    /// catalogue copies it names are immutable, named by their digests).
    pub fn effective_config(&self) -> Result<Arc<catalog::Effective>> {
        let own = self.config()?;
        if let Some((made_from, effective)) = self
            .effective
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
        {
            if Arc::ptr_eq(made_from, &own) {
                return Ok(effective.clone());
            }
        }
        let effective = Arc::new(self.effective(&own));
        *self.effective.lock().unwrap_or_else(|p| p.into_inner()) = Some((own, effective.clone()));
        Ok(effective)
    }

    /// Each accepted copy is read and parsed once per process: it is named by its digest,
    /// so a new copy (another digest) is read afresh, and a warm host lists thousands of
    /// catalogue roles without parsing them again.
    fn effective(&self, config: &Config) -> catalog::Effective {
        let dir = self.config_dir();
        catalog::effective(config, |c| {
            let key = (c.name.clone(), c.sha256.to_ascii_lowercase());
            if let Some(roles) = self
                .catalogs
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(&key)
            {
                return Ok(roles.as_ref().clone());
            }
            let roles = catalog::read_accepted(&dir, c)?;
            let mut cache = self.catalogs.lock().unwrap_or_else(|p| p.into_inner());
            cache.retain(|(name, _), _| *name != c.name);
            cache.insert(key, Arc::new(roles.clone()));
            Ok(roles)
        })
    }

    /// The folder of the config file (catalogue copies live beside it).
    pub fn config_dir(&self) -> PathBuf {
        self.config_path()
            .parent()
            .map_or_else(|| PathBuf::from("."), std::path::Path::to_path_buf)
    }

    /// The roles with their live consoles. Reads the config and the state file; no keyring,
    /// no network. Call [`App::flush_state`] first to see this process's latest opens.
    pub fn list_roles(&self) -> Result<Vec<RoleView>> {
        let effective = self.effective_config()?;
        let config = &effective.config;
        let state = self.state.file().load();
        let now = OffsetDateTime::now_utc();
        // Which roles have a browser running on their data directory: only roles with a
        // directory can, so look at those (one folder read, not a lookup per role).
        let profiles = crate::browser::profiles::profiles_dir();
        let with_dirs: std::collections::HashSet<String> = std::fs::read_dir(&profiles)
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        Ok(config
            .roles
            .iter()
            .map(|r| {
                let source = config.source_of(r);
                let g = match source {
                    Some(Source::Gateway(g)) => Some(g),
                    _ => None,
                };
                let role_state = state.roles.get(&r.id);
                let live = live::SourceLive::of(source, &state);
                let next = live::renewable(role_state, live, now);
                let risk = r.risk_in(config);
                RoleView {
                    id: r.id.clone(),
                    label: r.label().to_owned(),
                    account_id: r.account_id.clone(),
                    role_name: r.role_name.clone(),
                    source: source.map_or("gateway", |s| s.kind()),
                    source_name: r.source_name().to_owned(),
                    gateway: r.gateway.clone(),
                    sso: r.sso.clone(),
                    region: config.region_of(r).to_owned(),
                    partition: config.partition_of(r).id(),
                    group: r.group.clone(),
                    color: r.color_with(risk).to_owned(),
                    icon: r.icon().to_owned(),
                    risk: risk.map(|r| r.id()),
                    links: r.links.clone(),
                    mfa: g.is_some_and(|g| g.mfa_serial.is_some()),
                    mfa_mode: g.map(Gateway::mfa_mode).unwrap_or_default().id(),
                    session: live::session_view(role_state, live, now),
                    needs_code: next == live::Renewable::Mfa,
                    needs_login: next == live::Renewable::SsoLogin,
                    window_open: with_dirs.contains(&r.id)
                        && crate::browser::profiles::profile_dir(&profiles, &r.id)
                            .is_some_and(|d| crate::browser::profiles::is_running(&d)),
                    catalog: effective.catalog_of(&r.id).map(str::to_owned),
                    shadows_catalog: effective.shadows.get(&r.id).cloned(),
                }
            })
            .collect())
    }

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

    fn overrides(&self) -> Result<(Option<Url>, Option<Url>)> {
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
    async fn http(&self) -> Result<&Http> {
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

    fn role_lock(&self, role: &str) -> Arc<tokio::sync::Mutex<()>> {
        self.role_locks.get(role)
    }

    fn record(&self, change: impl FnOnce(&mut State) + Send + 'static) {
        self.state.record(change);
    }

    /// Waits until every queued state change is on disk.
    pub async fn flush_state(&self) {
        self.state.flush().await;
    }

    /// Waits for every background keyring and state write to land. The host calls this
    /// before it exits: the runtime drops blocking tasks that have not started when it
    /// shuts down.
    pub async fn settle(&self) {
        self.writes.settle().await;
        self.flush_state().await;
    }

    /// The config and the role a request names, or why there is none.
    /// A role of the user's own config is found without reading any catalogue (it wins
    /// over theirs anyway); only another id costs reading them.
    fn requested_role(&self, id: &str) -> Result<(Arc<Config>, Role)> {
        requested_name("Role", id)?;
        let own = self.config()?;
        if let Some(role) = own.role(id) {
            // Left out of every listing (hand-edited text that breaks its rules): not opened.
            config::check_role_text(role).map_err(|why| Error::ConfigInvalid {
                path: self.config_path().display().to_string(),
                reason: format!("role '{id}' is left out: {why}"),
            })?;
            let role = role.clone();
            return Ok((own, role));
        }
        if own.catalogs.is_empty() {
            return Err(Error::UnknownRole(id.to_owned()));
        }
        let config = Arc::new(self.effective_config()?.config.clone());
        let role = config
            .role(id)
            .ok_or_else(|| Error::UnknownRole(id.to_owned()))?
            .clone();
        Ok((config, role))
    }

    fn target(&self, partition: Partition, region: &str) -> Result<SignInTarget> {
        let (signin_override, console_override) = self.overrides()?;
        Ok(SignInTarget::new(
            partition,
            region,
            signin_override.as_ref(),
            console_override.as_ref(),
        ))
    }

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
                    .mint(&role, source, &target, req.mfa_code.as_deref(), timeout)
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

    /// `console.prepare`: for each role whose next open needs no input, a sign-in token
    /// minted now and kept in memory for the click. Roles that would need an MFA code, are
    /// unknown, or fail are left out (a click then opens them the usual way).
    pub async fn prepare(self: &Arc<Self>, req: PrepareRequest) -> Result<Vec<String>> {
        if req.roles.len() > MAX_PREPARE {
            return Err(Error::InvalidParams(format!(
                "console.prepare takes at most {MAX_PREPARE} roles; {} were given.",
                req.roles.len()
            )));
        }
        for r in &req.roles {
            requested_name("Role", r)?;
        }
        let mut roles = req.roles;
        roles.sort();
        roles.dedup();
        let mut tasks = tokio::task::JoinSet::new();
        for id in roles {
            let app = self.clone();
            tasks.spawn(async move {
                let ok = app.prepare_one(&id).await;
                ok.then_some(id)
            });
        }
        let mut prepared = Vec::new();
        while let Some(done) = tasks.join_next().await {
            if let Ok(Some(id)) = done {
                prepared.push(id);
            }
        }
        prepared.sort();
        Ok(prepared)
    }

    async fn prepare_one(self: &Arc<Self>, id: &str) -> bool {
        self.catch_up_with_forgets();
        let Ok((config, role)) = self.requested_role(id) else {
            return false;
        };
        let Ok(source) = source_of(&config, &role) else {
            return false;
        };
        let Ok(target) = self.target(config.partition_of(&role), config.region_of(&role)) else {
            return false;
        };
        let lock = self.role_lock(&role.id);
        let _guard = lock.lock().await;
        let fresh = self
            .prepared
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .has_fresh(&role.id, std::time::Instant::now());
        if fresh {
            return true;
        }
        self.prewarm_http();
        match self
            .mint(&role, source, &target, None, config.settings.timeout())
            .await
        {
            Ok(m) => {
                self.prepared
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(
                        &role.id,
                        Prepared {
                            token: m.token,
                            role_arn: role.arn(source.region()),
                            gateway: source.name().to_owned(),
                            signin_url: target.signin_url.to_string(),
                            session_duration: m.session_duration,
                            credentials_expire_at: m.credentials_expire_at,
                            minted: std::time::Instant::now(),
                        },
                    );
                true
            }
            Err(Error::MfaRequired { .. } | Error::SsoLoginRequired { .. }) => false,
            Err(e) => {
                log::info!("could not prepare role {}: {} ({e})", role.id, e.kind());
                false
            }
        }
    }

    /// The role's credentials: the cached ones while they have `margin` to live (and
    /// `use_cache`), else fresh ones from its source, cached for the next caller. The caller
    /// holds the role's lock. Returns whether they came from the cache.
    async fn session(
        self: &Arc<Self>,
        role: &Role,
        source: Source<'_>,
        mfa_code: Option<&str>,
        timeout: std::time::Duration,
        margin: time::Duration,
        use_cache: bool,
    ) -> Result<(CachedSession, bool)> {
        let role_arn = role.arn(source.region());
        if use_cache {
            if let Some(c) = self
                .cached_session(&role.id, &role_arn, source.name(), margin)
                .await?
            {
                return Ok((c, true));
            }
        }
        let http = &self.http().await?.sts;
        let fresh = self
            .sources
            .credentials(http, role, source, mfa_code, timeout)
            .await?;
        let session = CachedSession {
            role_arn,
            gateway: source.name().to_owned(),
            credentials: fresh.credentials,
            chained: fresh.chained,
        };
        self.remember(&role.id, session.clone()).await;
        Ok((session, false))
    }

    /// A role's temporary credentials for the AWS CLI, the SDKs and shells
    /// (`credential-process`, `export`, `exec`): the console's path without the federation
    /// call, through the same per-role cache, so a console click and a CLI call share one
    /// AssumeRole and one MFA code. Cached credentials are used while they have `min_left`
    /// to live (an SDK refreshes credentials 15 minutes before they expire).
    pub async fn role_credentials(
        self: &Arc<Self>,
        role_id: &str,
        mfa_code: Option<&str>,
        min_left: time::Duration,
    ) -> Result<RoleCredentials> {
        self.catch_up_with_forgets();
        let (config, role) = self.requested_role(role_id)?;
        let source = source_of(&config, &role)?;
        if let Some(code) = mfa_code {
            check_mfa_code(code)?;
        }
        let timeout = config.settings.timeout();
        let lock = self.role_lock(&role.id);
        let _guard = lock.lock().await;
        self.prewarm_http();
        let (session, cached) = self
            .session(&role, source, mfa_code, timeout, min_left, true)
            .await?;
        let expires = session.credentials.expiration;
        let id = role.id.clone();
        self.record(move |s| {
            s.roles.entry(id).or_default().credentials_expire_at = Some(expires);
        });
        Ok(RoleCredentials {
            role: role.id.clone(),
            account_id: role.account_id.clone(),
            region: config.region_of(&role).to_owned(),
            credentials: session.credentials,
            cached,
        })
    }

    /// A sign-in token for the role: cached credentials or new ones, then one federation
    /// call. The caller holds the role's lock.
    async fn mint(
        self: &Arc<Self>,
        role: &Role,
        source: Source<'_>,
        target: &SignInTarget,
        mfa_code: Option<&str>,
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

    /// `open_in: "isolated_window"`: the same sign-in as [`App::open_console`], handed to a
    /// browser started on the role's own data directory through a private handoff file.
    pub async fn launch_console(self: &Arc<Self>, req: OpenRequest) -> Result<Launched> {
        use crate::browser::launch::{self as bl, LaunchError};
        use crate::browser::{handoff, profiles};
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
        profiles::prepare(&dir, role.label(), role.color_with(role.risk_in(&config)))
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

    /// Keeps new credentials in memory at once and in the keyring in the background: the
    /// keyring write must not delay the sign-in call.
    async fn remember(self: &Arc<Self>, role: &str, session: CachedSession) {
        self.sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(role.to_owned(), session.clone());
        let secrets = self.secrets.clone();
        let pending = self
            .writes
            .get(&format!("session:{role}"))
            .lock_owned()
            .await;
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
        margin: time::Duration,
    ) -> Result<Option<CachedSession>> {
        let now = OffsetDateTime::now_utc();
        let usable = |s: &CachedSession| {
            s.role_arn == role_arn && s.gateway == gateway && s.is_fresh(now, margin)
        };
        if let Some(s) = self
            .sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(role)
            .filter(|s| usable(s))
        {
            return Ok(Some(s.clone()));
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
        Ok(stored.filter(usable).inspect(|s| {
            self.sessions
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(role.to_owned(), s.clone());
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
        let _written = self
            .writes
            .get(&format!("session:{role}"))
            .lock_owned()
            .await;
        let in_keyring = blocking(move || secrets.forget_session(&id)).await?;
        Ok(in_memory || in_keyring)
    }

    /// `sso.login`: starts an IAM Identity Center sign-in for the source (device
    /// authorization); the host polls for its token in the background.
    pub async fn sso_login(self: &Arc<Self>, req: SsoRequest) -> Result<DeviceLogin> {
        self.catch_up_with_forgets();
        let (config, sso) = self.requested_sso(&req.sso)?;
        let http = &self.http().await?.sts;
        self.sources
            .sso
            .start_login(http, &sso, config.settings.timeout())
            .await
    }

    /// `sso.wait`: resolves when the source's sign-in in progress is approved (the token's
    /// expiry), or fails when it is denied or expires.
    pub async fn sso_wait(&self, req: SsoRequest) -> Result<OffsetDateTime> {
        let (_, sso) = self.requested_sso(&req.sso)?;
        let expires_at = self.sources.sso.wait_login(&sso.name).await;
        self.flush_state().await;
        expires_at
    }

    fn requested_sso(&self, name: &str) -> Result<(Arc<Config>, SsoSource)> {
        requested_name("SSO source", name)?;
        let config = self.config()?;
        let sso = config
            .sso_source(name)
            .ok_or_else(|| Error::UnknownSso(name.to_owned()))?
            .clone();
        Ok((config, sso))
    }

    /// The HTTPS client for SDK calls outside the click path (`sso sync`, doctor).
    pub async fn sdk_http(&self) -> Result<aws_smithy_runtime_api::client::http::SharedHttpClient> {
        Ok(self.http().await?.sts.clone())
    }

    pub fn sources(&self) -> &Sources {
        &self.sources
    }
}

/// The source a role names, which a valid config always defines.
fn source_of<'a>(config: &'a Config, role: &Role) -> Result<Source<'a>> {
    config
        .source_of(role)
        .ok_or_else(|| match (&role.gateway, &role.sso) {
            (Some(g), _) => Error::UnknownGateway(g.clone()),
            (_, Some(s)) => Error::UnknownSso(s.clone()),
            _ => Error::ConfigInvalid {
                path: "config.toml".into(),
                reason: format!("role '{}' names no gateway and no SSO source", role.id),
            },
        })
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

fn check_mfa_code(code: &str) -> Result<()> {
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::InvalidParams(
            "The MFA code must be the 6 digits your device shows.".into(),
        ));
    }
    Ok(())
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
