//! The native-messaging manifest both the per-user and the system-wide install write (one
//! type, so they cannot drift), its allow-list per browser family (Firefox's
//! `allowed_extensions`, the Chromium family's `allowed_origins`), what is wrong with an
//! installed one, and reading one back for `rolecall doctor`.

use super::location::Location;
use super::registry;
use super::table::{AllowList, Browser};
use crate::{CHROMIUM_EXTENSION_ID, FIREFOX_ADDON_ID, HOST_NAME};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The manifest, fields in the order the browser docs list them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub path: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_extensions: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_origins: Option<Vec<String>>,
}

impl Manifest {
    pub fn new(browser: Browser, binary: &str) -> Manifest {
        let (extensions, origins) = match browser.allow_list() {
            AllowList::Extensions => (Some(vec![FIREFOX_ADDON_ID.to_owned()]), None),
            AllowList::Origins => (
                None,
                Some(vec![format!("chrome-extension://{CHROMIUM_EXTENSION_ID}/")]),
            ),
        };
        Manifest {
            name: HOST_NAME.to_owned(),
            description: "rolecall: one click from the toolbar to the AWS console of a role"
                .to_owned(),
            path: binary.to_owned(),
            kind: "stdio".to_owned(),
            allowed_extensions: extensions,
            allowed_origins: origins,
        }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(self).expect("a manifest always serialises");
        bytes.push(b'\n');
        bytes
    }

    /// What is wrong with an installed manifest for `browser`, if anything, against the
    /// binary that should serve it. Each entry is a sentence.
    pub fn problems(&self, browser: Browser, binary: &Path) -> Vec<String> {
        let expected = Manifest::new(browser, &binary.to_string_lossy());
        let mut out = Vec::new();
        if self.name != HOST_NAME {
            out.push(format!("its name is '{}', not '{HOST_NAME}'", self.name));
        }
        if self.kind != "stdio" {
            out.push(format!("its type is '{}', not 'stdio'", self.kind));
        }
        let listed = Path::new(&self.path);
        let same = listed.is_absolute()
            && std::fs::canonicalize(listed)
                .is_ok_and(|p| std::fs::canonicalize(binary).is_ok_and(|b| p == b));
        if !same {
            let why = if !listed.is_absolute() {
                "a relative path, which browsers do not resolve"
            } else if !listed.exists() {
                "no such file"
            } else {
                "another binary"
            };
            out.push(format!(
                "it starts {} ({why}), not this binary {}",
                self.path,
                binary.display()
            ));
        }
        if self.allowed_extensions != expected.allowed_extensions
            || self.allowed_origins != expected.allowed_origins
        {
            let want = match browser.allow_list() {
                AllowList::Extensions => format!("allowed_extensions [\"{FIREFOX_ADDON_ID}\"]"),
                AllowList::Origins => {
                    format!("allowed_origins [\"chrome-extension://{CHROMIUM_EXTENSION_ID}/\"]")
                }
            };
            out.push(format!("its allow-list is not exactly {want}"));
        }
        out
    }
}

/// What is installed for one browser, for `rolecall doctor`.
#[derive(Debug)]
pub enum Installed {
    /// No manifest (or, on Windows, no registry key pointing at one).
    Missing,
    /// The manifest exists but is not JSON of the right shape.
    Unreadable(String),
    Present(Manifest),
}

pub fn inspect(location: &Location) -> Installed {
    let manifest_path = match &location.registry_key {
        Some(key) => match registry::get(key) {
            Some(p) => PathBuf::from(p),
            None => return Installed::Missing,
        },
        None => location.manifest.clone(),
    };
    read_manifest(&manifest_path)
}

pub(super) fn read_manifest(manifest_path: &Path) -> Installed {
    match std::fs::read(manifest_path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Installed::Missing,
        Err(e) => Installed::Unreadable(e.to_string()),
        Ok(bytes) => match serde_json::from_slice::<Manifest>(&bytes) {
            Ok(m) => Installed::Present(m),
            Err(e) => Installed::Unreadable(e.to_string()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifests_allow_exactly_our_extension() {
        let ff: serde_json::Value =
            serde_json::from_slice(&Manifest::new(Browser::Firefox, "/bin/rc").to_bytes()).unwrap();
        assert_eq!(
            ff,
            serde_json::json!({
                "name": "dev.rolecall.host",
                "description": ff["description"],
                "path": "/bin/rc",
                "type": "stdio",
                "allowed_extensions": ["rolecall@rolecall.dev"],
            })
        );
        let cr: serde_json::Value =
            serde_json::from_slice(&Manifest::new(Browser::Edge, "/bin/rc").to_bytes()).unwrap();
        assert_eq!(
            cr["allowed_origins"],
            serde_json::json!(["chrome-extension://oljmfdijhnpmpkckkddnkphelbdifbmp/"])
        );
        assert!(cr.get("allowed_extensions").is_none());
    }
}
