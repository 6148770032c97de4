//! `rolecall catalog add|update|remove`: reading a shared catalogue from its source (an https
//! URL through the host's one HTTPS client and trust store, or a file), checking it against
//! the digest the user accepted, and keeping the accepted copy beside the config. Only these
//! commands read a catalogue's source; listing and clicks read the copy (store/catalog.rs).

use super::lookalike;
use crate::app::App;
use crate::error::{error_chain, Error};
use crate::store::catalog::{self, CatalogError, CatalogRef};
use crate::store::config::{self, Config, Role};
use crate::store::files::atomic_write;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum CatalogSetupError {
    #[error("No catalogue '{0}' is configured. See `rolecall catalog list`.")]
    Unknown(String),
    #[error("Catalogue '{0}' already exists; change it with `rolecall catalog update {0}`, or remove it first.")]
    Exists(String),
    #[error("Cannot read catalogue file {path}: {source}.")]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("Catalogue URL {url} answered HTTP {status}{}; nothing was changed.", if *redirect { " (a redirect: rolecall follows none, give the final URL)" } else { "" })]
    Http {
        url: String,
        status: u16,
        redirect: bool,
    },
    #[error("Cannot fetch catalogue URL {url}: {reason}; nothing was changed.")]
    Network { url: String, reason: String },
    #[error("Catalogue '{name}' ({origin}) has SHA-256 {actual}, not {expected}, the one {}; nothing was changed.{} If you trust this copy, accept it with `rolecall catalog update {name} --sha256 {actual}` (or `--accept`).", if *first { "given" } else { "you accepted" }, if changes.is_empty() { String::new() } else { format!(" Against the accepted copy it {changes}.") })]
    DigestMismatch {
        name: String,
        origin: String,
        expected: String,
        actual: String,
        /// "adds 2 roles, removes 1, changes 3", when the accepted copy is known.
        changes: String,
        first: bool,
    },
    #[error("Catalogue URL {0} needs the digest you expect: `--sha256 HEX` (the SHA-256 its maintainer publishes; `sha256sum` of a copy you checked).")]
    DigestNeeded(String),
    #[error("'{0}' is not SHARED=LOCAL: give the catalogue's name for a gateway or SSO source, `=`, and yours (`--map team=corp`).")]
    BadMap(String),
    #[error("{0} of the catalogues could not be updated (said above); the others were.")]
    SomeFailed(usize),
    #[error("--sha256 and --accept accept one catalogue's change: name it (`rolecall catalog update NAME --accept`).")]
    AcceptNeedsName,
    #[error(transparent)]
    Invalid(#[from] CatalogError),
    #[error("The catalogue would make the config invalid ({0}); nothing was changed.")]
    Config(String),
    #[error("Cannot write the catalogue's copy {path} ({source}); nothing was changed.")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Rolecall(#[from] Error),
}

type Result<T> = std::result::Result<T, CatalogSetupError>;

/// Parses `--map SHARED=LOCAL` arguments.
pub fn parse_maps(maps: &[String]) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for m in maps {
        let (shared, local) = m
            .split_once('=')
            .filter(|(s, l)| config::is_valid_name(s) && config::is_valid_name(l))
            .ok_or_else(|| CatalogSetupError::BadMap(m.clone()))?;
        out.insert(shared.to_owned(), local.to_owned());
    }
    Ok(out)
}

/// The bytes of a catalogue's source, as they are now.
pub async fn fetch(catalog: &CatalogRef, timeout: std::time::Duration) -> Result<Vec<u8>> {
    if let Some(path) = &catalog.file {
        let path = PathBuf::from(path);
        let bytes = std::fs::read(&path).map_err(|source| CatalogSetupError::File {
            path: path.clone(),
            source,
        })?;
        if bytes.len() > catalog::MAX_BYTES {
            return Err(CatalogError::TooLarge {
                origin: path.display().to_string(),
            }
            .into());
        }
        return Ok(bytes);
    }
    let url = catalog.url.clone().unwrap_or_default();
    let client = tokio::task::spawn_blocking(crate::console::https::client)
        .await
        .map_err(|e| Error::Internal(format!("HTTPS client task failed: {e}")))?
        .map_err(Error::from)?;
    let network = |e: reqwest::Error| CatalogSetupError::Network {
        url: url.clone(),
        reason: if e.is_timeout() {
            format!("no answer in {} s", timeout.as_secs())
        } else {
            error_chain(&e)
        },
    };
    let read = async {
        let mut resp = client.get(&url).send().await.map_err(network)?;
        let status = resp.status();
        if !status.is_success() {
            return Err(CatalogSetupError::Http {
                url: url.clone(),
                status: status.as_u16(),
                redirect: status.is_redirection(),
            });
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(network)? {
            if body.len() + chunk.len() > catalog::MAX_BYTES {
                return Err(CatalogError::TooLarge {
                    origin: url.clone(),
                }
                .into());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    };
    tokio::time::timeout(timeout, read)
        .await
        .unwrap_or_else(|_| {
            Err(CatalogSetupError::Network {
                url: url.clone(),
                reason: format!("no answer in {} s", timeout.as_secs()),
            })
        })
}

/// How a new copy differs from the accepted one: "adds 2 roles, removes 1, changes 3".
pub fn changes(old: &[Role], new: &[Role]) -> String {
    let old: HashMap<&str, &Role> = old.iter().map(|r| (r.id.as_str(), r)).collect();
    let new_ids: HashMap<&str, &Role> = new.iter().map(|r| (r.id.as_str(), r)).collect();
    let added = new
        .iter()
        .filter(|r| !old.contains_key(r.id.as_str()))
        .count();
    let removed = old.keys().filter(|id| !new_ids.contains_key(*id)).count();
    let changed = new
        .iter()
        .filter(|r| old.get(r.id.as_str()).is_some_and(|o| *o != *r))
        .count();
    let mut parts = Vec::new();
    if added > 0 {
        parts.push(format!("adds {}", crate::words::count(added, "role")));
    }
    if removed > 0 {
        parts.push(format!("removes {removed}"));
    }
    if changed > 0 {
        parts.push(format!("changes {changed}"));
    }
    if parts.is_empty() {
        "changes no role (only formatting or comments)".into()
    } else {
        parts.join(", ")
    }
}

/// What the user accepts for a catalogue's new bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acceptance<'a> {
    /// Only the digest already accepted (or, for `add --file`, whatever it is now).
    Recorded,
    /// This digest.
    Digest(&'a str),
    /// Whatever it is now (`--accept`).
    Any,
}

/// The outcome of reading one catalogue.
#[derive(Debug)]
pub struct Accepted {
    pub catalog: CatalogRef,
    /// Whether its content changed (a new copy was accepted).
    pub changed: bool,
    /// The summary against the previous copy, when there was one.
    pub changes: Option<String>,
}

/// Checks `bytes` against what is accepted and parses them: the new reference (with its
/// digest) on success. `previous` is the accepted copy's roles, for the refusal's summary.
pub fn accept(
    catalog: &CatalogRef,
    bytes: &[u8],
    acceptance: Acceptance<'_>,
    first: bool,
    previous: Option<&[Role]>,
) -> Result<(CatalogRef, Vec<Role>)> {
    let actual = catalog::sha256_hex(bytes);
    let expected = match acceptance {
        Acceptance::Recorded => catalog.sha256.to_ascii_lowercase(),
        Acceptance::Digest(d) => d.to_ascii_lowercase(),
        Acceptance::Any => actual.clone(),
    };
    let origin = catalog.source().to_owned();
    if actual != expected {
        let changes = match (previous, catalog::parse(&origin, bytes)) {
            (Some(old), Ok(new)) => changes(old, &new),
            (Some(_), Err(e)) => format!("does not even load ({e})"),
            _ => String::new(),
        };
        return Err(CatalogSetupError::DigestMismatch {
            name: catalog.name.clone(),
            origin,
            expected,
            actual,
            changes,
            first,
        });
    }
    let roles = catalog::parse(&origin, bytes)?;
    Ok((
        CatalogRef {
            sha256: actual,
            ..catalog.clone()
        },
        roles,
    ))
}

/// Keeps the accepted copy, then saves the config naming it (under the caller's
/// [`config::UpdateLock`]), then removes older copies: at every moment the config names a
/// copy that is there.
pub fn store(app: &App, config: &Config, accepted: &CatalogRef, bytes: &[u8]) -> Result<()> {
    let dir = app.config_dir();
    let path = catalog::cache_path(&dir, &accepted.name, &accepted.sha256);
    if std::fs::read(&path).ok().as_deref() != Some(bytes) {
        atomic_write(&path, bytes, 0o600)
            .map_err(|source| CatalogSetupError::Write { path, source })?;
    }
    config.validate().map_err(CatalogSetupError::Config)?;
    config::save(app.config_path(), config)?;
    for stale in catalog::stale_copies(&dir, &accepted.name, Some(&accepted.sha256)) {
        let _ = std::fs::remove_file(stale);
    }
    Ok(())
}

/// Catalogue roles that look like one of the user's own: a label that reads the same (case,
/// spaces, and characters that look alike aside: `lookalike::skeleton`) under another id,
/// which could lead a click to the wrong account. Flagged at `catalog add|update`, not
/// refused (two teams may well both have a "Production"). (catalogue role id, the user's
/// role id, whether the labels differ in characters that look alike) triples.
pub fn lookalikes(own: &Config, roles: &[Role]) -> Vec<(String, String, bool)> {
    let plain = |r: &Role| {
        r.label()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    let mine: HashMap<String, &Role> = own
        .roles
        .iter()
        .map(|r| (lookalike::skeleton(r.label()), r))
        .collect();
    roles
        .iter()
        .filter(|r| own.role(&r.id).is_none())
        .filter_map(|r| {
            let m = mine.get(&lookalike::skeleton(r.label()))?;
            Some((r.id.clone(), m.id.clone(), plain(r) != plain(m)))
        })
        .collect()
}

/// Removes every copy of a catalogue (after the config no longer names it).
pub fn remove_copies(config_dir: &Path, name: &str) {
    for f in catalog::stale_copies(config_dir, name, None) {
        let _ = std::fs::remove_file(f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(id: &str, account: &str) -> Role {
        Role {
            id: id.into(),
            account_id: account.into(),
            role_name: "Admin".into(),
            gateway: Some("team".into()),
            ..Role::default()
        }
    }

    #[test]
    fn maps_are_shared_equals_local() {
        let m = parse_maps(&["team=corp".into(), "company=acme".into()]).unwrap();
        assert_eq!(m.get("team").map(String::as_str), Some("corp"));
        assert!(matches!(
            parse_maps(&["team".into()]),
            Err(CatalogSetupError::BadMap(_))
        ));
        assert!(parse_maps(&["a b=c".into()]).is_err());
    }

    #[test]
    fn changes_are_counted() {
        let old = [role("a", "111111111111"), role("b", "222222222222")];
        let new = [role("a", "111111111112"), role("c", "333333333333")];
        assert_eq!(changes(&old, &new), "adds 1 role, removes 1, changes 1");
        assert_eq!(
            changes(&old, &old),
            "changes no role (only formatting or comments)"
        );
    }

    #[test]
    fn a_changed_catalogue_is_refused_until_accepted() {
        let text = b"[[role]]\nid = \"a\"\naccount_id = \"111111111111\"\nrole_name = \"Admin\"\ngateway = \"team\"\n";
        let digest = catalog::sha256_hex(text);
        let c = CatalogRef {
            name: "platform".into(),
            file: Some("/x/platform.toml".into()),
            sha256: "0".repeat(64),
            ..CatalogRef::default()
        };
        let err = accept(&c, text, Acceptance::Recorded, false, Some(&[])).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains(&digest) && msg.contains("--accept"), "{msg}");
        assert!(msg.contains("adds 1 role."), "{msg}");
        let (accepted, roles) = accept(&c, text, Acceptance::Any, false, None).unwrap();
        assert_eq!(accepted.sha256, digest);
        assert_eq!(roles.len(), 1);
        let (accepted, _) = accept(
            &c,
            text,
            Acceptance::Digest(&digest.to_uppercase()),
            false,
            None,
        )
        .unwrap();
        assert_eq!(accepted.sha256, digest);
    }

    #[test]
    fn a_catalogue_role_labelled_as_one_of_the_users_is_flagged() {
        let mut own = Config::default();
        let mut mine = role("mine-prod", "111111111111");
        mine.label = Some("Production".into());
        own.roles.push(mine);
        own.roles.push(role("billing", "222222222222"));
        let mut lookalike = role("their-prod", "999999999999");
        lookalike.label = Some("  production ".into());
        let mut by_id = role("x", "888888888888");
        by_id.label = Some("Billing".into());
        let mut other = role("their-dev", "777777777777");
        other.label = Some("Development".into());
        // The same id is a role the user's hides, not a lookalike.
        let mut same_id = role("mine-prod", "666666666666");
        same_id.label = Some("Production".into());
        // A Cyrillic "о" and a Greek capital rho: read alike, flagged as disguised.
        let mut disguised = role("their-ops", "555555555555");
        disguised.label = Some("Ρrоduction".into());
        assert_eq!(
            lookalikes(&own, std::slice::from_ref(&disguised)),
            [("their-ops".to_owned(), "mine-prod".to_owned(), true)]
        );
        assert_eq!(
            lookalikes(&own, &[lookalike, by_id, other, same_id]),
            [
                ("their-prod".to_owned(), "mine-prod".to_owned(), false),
                ("x".to_owned(), "billing".to_owned(), false)
            ]
        );
    }
}
