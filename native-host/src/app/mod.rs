//! The host's state and the operations behind the protocol methods and the CLI: list roles
//! with their live consoles, open a console (the click path), prepare likely clicks, forget
//! cached sessions.
//!
//! This file holds [`App`]: its shared state, its construction and the small helpers every
//! concern uses. Each concern is an `impl App` block of its own beside it: `config`
//! (the config and its catalogues, the role a request names), `roles` (`roles.list`'s
//! views), `open` (the click: `console.open`), `sessions` (the per-role credentials
//! cache), `window` (isolated windows), `prepare` (`console.prepare`), `credentials`
//! (CLI credentials), `sso` (Identity Center sign-in), `http` (the HTTPS client and the
//! endpoint overrides), `forget` and `listing`.

mod config;
mod credentials;
pub mod edit;
mod forget;
mod http;
pub mod listing;
pub mod live;
mod open;
mod prepare;
pub mod prepared;
mod roles;
mod sessions;
mod sso;
mod window;

use crate::credentials::CachedSession;
use crate::error::{Error, Result};
use crate::sources::Sources;
use crate::store::catalog;
use crate::store::config::{config_path, is_valid_name, Config, ConfigCache, Role, Source};
use crate::store::forgets::ForgetWatch;
use crate::store::secrets::SecretStore;
use crate::store::state::{State, StateFile, StateWriter};
use crate::sync::KeyedLocks;
pub use credentials::RoleCredentials;
pub use forget::ForgetRequest;
use http::{url_from_env, Http};
use listing::Listing;
pub use listing::{ListRequest, MAX_PAGE_BYTES, MAX_PAGE_ROLES};
pub use open::{Container, OpenIn, OpenRequest, Opened};
pub use prepare::{PrepareRequest, MAX_PREPARE};
use prepared::PreparedTokens;
pub use roles::RoleView;
pub use sso::SsoRequest;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use time::OffsetDateTime;
use url::Url;
pub use window::Launched;

/// Parsed catalogue copies by (name, digest).
type ParsedCatalogs = HashMap<(String, String), Arc<Vec<Role>>>;

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
    config: ConfigCache,
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

impl App {
    /// Reads the environment only; no file, keyring or network access happens here, so
    /// host start-up stays cheap.
    pub fn from_env() -> App {
        App::new(
            config_path(),
            SecretStore::from_env(),
            StateFile::in_dir(&crate::store::data_dir()),
        )
    }

    pub fn new(config_path: PathBuf, secrets: SecretStore, state: StateFile) -> App {
        let state = Arc::new(StateWriter::new(state));
        let writes = Arc::new(KeyedLocks::default());
        App {
            config: ConfigCache::new(config_path),
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

    pub fn sources(&self) -> &Sources {
        &self.sources
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

/// A name from a request that no config could hold is refused without echoing it: it may
/// be 10 kB of text or carry control characters meant for a terminal or a log.
fn requested_name(what: &str, name: &str) -> Result<()> {
    if is_valid_name(name) {
        Ok(())
    } else {
        Err(Error::InvalidParams(format!(
            "{what} ids are 1 to 64 letters, digits or - _ . @ +; the one given ({} characters) is not.",
            name.chars().count()
        )))
    }
}
