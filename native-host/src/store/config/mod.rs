//! The user's gateways and roles: `config.toml` in `ROLECALL_CONFIG_DIR`, else the platform's
//! config folder. The host owns it; the extension only ever names a role id.
//! Writes are atomic (temp file + rename) and private (0600); a config that does not parse
//! is reported and never overwritten. Commands that change it hold [`UpdateLock`] from
//! load to save, so two `rolecall` processes never lose each other's change.
//!
//! Here: where the file is, loading, saving and the parsed copy a process keeps
//! ([`ConfigCache`]). `schema` holds the types and their defaults, `validate` the rules,
//! `text` the rules of what people read (labels, groups, link names: a role breaking them is
//! left out where it would be shown, not a reason to refuse the file), `edit` the edits the
//! CLI and the options page make (field by field, the same rules), `lock` the update lock.

mod edit;
mod lock;
mod schema;
mod text;
mod validate;

pub use edit::{
    check_color, check_icon, check_red, check_role_region, color_choices, default_region_of,
    Change, FieldError, GatewayEdit, RoleEdit, SettingsEdit, GATEWAY_FIELDS, REGION_CHOICES,
    RENEW_BEFORE_MINUTES, ROLE_FIELDS, SETTINGS_FIELDS,
};
pub use lock::UpdateLock;
pub use schema::*;
pub use text::{
    check_group, check_label, check_link_name, check_role_text, check_text, MAX_GROUP_CHARS,
    MAX_LABEL_CHARS, MAX_LINKS, MAX_LINK_DESTINATION_CHARS, MAX_LINK_NAME_CHARS,
};
pub use validate::{
    check_mfa_process, check_mfa_serial, check_start_url, check_url, is_sha256_hex, is_valid_name,
};

use crate::error::{Error, Result};
use crate::store::files::{atomic_write, stamp, FileStamp};
use std::path::{Path, PathBuf};

pub const FILE_NAME: &str = "config.toml";

/// Where the config lives: `ROLECALL_CONFIG_DIR`, else `<platform config dir>/rolecall`.
pub fn config_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("ROLECALL_CONFIG_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(d);
    }
    dirs::config_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("rolecall")
}

pub fn config_path() -> PathBuf {
    config_dir().join(FILE_NAME)
}

/// Loads and validates the config. A missing file is an empty config.
pub fn load(path: &Path) -> Result<Config> {
    let invalid = |reason: String| Error::ConfigInvalid {
        path: path.display().to_string(),
        reason,
    };
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
        Err(e) => return Err(invalid(format!("cannot read it ({e})"))),
    };
    let config: Config = toml::from_str(&text).map_err(|e| invalid(e.message().to_owned()))?;
    config.validate().map_err(invalid)?;
    Ok(config)
}

/// The config, parsed once and again only when the file changes (its size, modification
/// time or inode: saves replace the file, so a new inode): a click and a list of ten
/// thousand roles do not re-parse a large config each time.
#[derive(Debug)]
pub struct ConfigCache {
    path: PathBuf,
    cached: std::sync::Mutex<Option<(FileStamp, std::sync::Arc<Config>)>>,
}

impl ConfigCache {
    pub fn new(path: PathBuf) -> ConfigCache {
        ConfigCache {
            path,
            cached: std::sync::Mutex::new(None),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The config as the file is now. An invalid file is an error each time (never cached).
    pub fn get(&self) -> Result<std::sync::Arc<Config>> {
        let now = stamp(&self.path);
        if let Some(now) = &now {
            let cached = self.cached.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((_, config)) = cached.as_ref().filter(|(at, _)| at == now) {
                return Ok(config.clone());
            }
        }
        let config = std::sync::Arc::new(load(&self.path)?);
        // Stamp after reading: a change during the read shows as a new stamp next time.
        if let Some(now) = now.filter(|n| stamp(&self.path).as_ref() == Some(n)) {
            *self.cached.lock().unwrap_or_else(|p| p.into_inner()) = Some((now, config.clone()));
        }
        Ok(config)
    }

    /// A short fingerprint of the file as it is now (for list cursors).
    pub fn fingerprint(&self) -> String {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        stamp(&self.path).hash(&mut h);
        format!("{:016x}", h.finish())
    }
}

/// Validates and writes the config atomically, readable by the user only. A config whose
/// text breaks its rules (text.rs) loads, but is never written.
pub fn save(path: &Path, config: &Config) -> Result<()> {
    let invalid = |reason: String| Error::ConfigInvalid {
        path: path.display().to_string(),
        reason,
    };
    config.validate().map_err(invalid)?;
    config.check_text().map_err(invalid)?;
    let text = toml::to_string(config).map_err(|e| Error::Internal(e.to_string()))?;
    let text = format!(
        "# rolecall configuration: gateways (IAM users whose keys are in the OS keyring)\n\
         # and the roles they can assume. Edit by hand or with `rolecall gateway|role ...`.\n\n{text}"
    );
    atomic_write(path, text.as_bytes(), 0o600)
        .map_err(|e| invalid(format!("cannot write it ({e})")))
}

#[cfg(test)]
/// A config with a gateway and two roles, for the tests of every part.
#[cfg(test)]
pub(crate) fn sample() -> Config {
    toml::from_str(
        r#"
[[gateway]]
name = "corp"
region = "eu-west-1"
mfa_serial = "arn:aws:iam::999999999999:mfa/ana"

[[role]]
id = "prod-admin"
account_id = "111111111111"
role_name = "Admin"
gateway = "corp"
label = "Production admin"
color = "red"

[[role]]
id = "gov"
account_id = "222222222222"
role_name = "path/ReadOnly"
gateway = "corp"
region = "us-gov-west-1"
"#,
    )
    .unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn save_then_load_round_trips_privately_and_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join(FILE_NAME);
        assert_eq!(load(&path).unwrap(), Config::default());
        save(&path, &sample()).unwrap();
        assert_eq!(load(&path).unwrap(), sample());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // No temp file is left behind.
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from(FILE_NAME)]);
    }

    #[test]
    fn a_corrupt_config_is_reported_with_its_path_and_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, "[[role]]\nid = ").unwrap();
        let err = load(&path).unwrap_err();
        assert_eq!(err.kind(), "config_invalid");
        assert!(err.to_string().contains(&path.display().to_string()));
        // An invalid config is refused by save too, and the file keeps its bytes.
        let mut bad = sample();
        bad.roles[0].gateway = Some("missing".into());
        assert!(save(&path, &bad).is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "[[role]]\nid = ");
    }
}
