//! Shared role catalogues: TOML files of `[[role]]` tables in the config's own schema, with
//! no gateways, SSO sources, settings or secrets. A catalogue names its roles' sources by
//! shared names that each user maps to their own (`map`), and is read from its source only
//! by `rolecall catalog add|update` (setup/catalogs.rs), which keeps the accepted copy in
//! `<config folder>/catalogs/<name>.<sha256>.toml` and its SHA-256 in the config. Listing and clicks
//! read that copy, never the network, and refuse it when its digest is not the accepted one.
//!
//! A bad catalogue never breaks the local config: at `catalog update` it is refused with the
//! file, line and field at fault; at list time a copy that no longer loads is skipped and
//! reported, and the local roles are served as before; a role whose label, group or links
//! break the text rules (store/config `text`) is left out and reported, never the listing. A local role wins over a catalogue's
//! role of the same id (and the first catalogue over a later one).
//!
//! Here: where the accepted copies are kept and reading them back against their digest.
//! `parse` holds the catalogue's schema and its checks (errors located by file, line and
//! field), `merge` putting the catalogues' roles after the user's. The subscription itself
//! (`[[catalog]]`, [`CatalogRef`]) is part of the config (store/config).

mod merge;
mod parse;

pub use crate::store::config::CatalogRef;
pub use merge::{effective, map_role, Effective, Report};
pub use parse::{parse, parse_accepted, CatalogError};

use crate::store::config::{is_sha256_hex, Role};
use sha2::Digest;
use std::path::{Path, PathBuf};

/// The folder beside `config.toml` that holds the accepted copies.
pub const DIR: &str = "catalogs";
/// The largest catalogue accepted (a catalogue of 5,000 roles is about 700 KB).
pub const MAX_BYTES: usize = 16 << 20;

/// Lower-case hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Where the accepted copy of a catalogue is kept: named after its digest, so accepting a
/// new copy is one config save (the old copy stays valid until then, and is removed after).
pub fn cache_path(config_dir: &Path, name: &str, sha256: &str) -> PathBuf {
    config_dir
        .join(DIR)
        .join(format!("{name}.{}.toml", sha256.to_ascii_lowercase()))
}

/// Copies of catalogue `name` other than the one with digest `keep`.
pub fn stale_copies(config_dir: &Path, name: &str, keep: Option<&str>) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(config_dir.join(DIR)) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok())
        .filter(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            n.strip_prefix(name)
                .and_then(|r| r.strip_prefix('.'))
                .and_then(|r| r.strip_suffix(".toml"))
                .is_some_and(|d| is_sha256_hex(d) && Some(d) != keep)
        })
        .map(|e| e.path())
        .collect()
}

/// Reads the accepted copy of a catalogue, refusing one whose digest is not the accepted.
pub fn read_accepted(config_dir: &Path, catalog: &CatalogRef) -> Result<Vec<Role>, String> {
    let path = cache_path(config_dir, &catalog.name, &catalog.sha256);
    let bytes = std::fs::read(&path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            format!(
                "its copy {} is missing; run `rolecall catalog update {}`",
                path.display(),
                catalog.name
            )
        } else {
            format!("cannot read its copy {} ({e})", path.display())
        }
    })?;
    if sha256_hex(&bytes) != catalog.sha256.to_ascii_lowercase() {
        return Err(format!(
            "its copy {} is not the one accepted (its SHA-256 differs); run `rolecall catalog update {}`",
            path.display(),
            catalog.name
        ));
    }
    parse_accepted(&path.display().to_string(), &bytes).map_err(|e| e.to_string())
}

/// A catalogue of two roles (a gateway one and an SSO one), for the tests of every part.
#[cfg(test)]
pub(crate) const GOOD: &str = r#"
[[role]]
id = "shared-prod"
account_id = "111111111111"
role_name = "Admin"
gateway = "team"
label = "Production"
group = "Acme"

[[role]]
id = "shared-dev"
account_id = "222222222222"
role_name = "ReadOnly"
sso = "company"
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_lower_case_hex() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
