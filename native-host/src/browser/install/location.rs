//! Where one browser's manifest goes on one OS: the folders of its `table` row joined to
//! the user's base folders (HOME, %APPDATA%, %LOCALAPPDATA%) and, on Linux, to the system
//! root.

use super::table::{row, Browser, Os, WinBase};
use super::{manifest_file_name, InstallError};
use crate::HOST_NAME;
use std::path::{Path, PathBuf};

/// The folders an install for one browser involves, on one OS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub browser: Browser,
    /// Folders any of which says the browser has been used by this user.
    pub detect: Vec<PathBuf>,
    pub manifest: PathBuf,
    /// Windows only: the HKCU key whose default value must be `manifest`.
    pub registry_key: Option<String>,
    /// Linux only: the system-wide manifests the browser reads, for every user, when this
    /// user has no manifest of its own (`manifest` is read first).
    pub system: Vec<PathBuf>,
}

impl Location {
    /// Whether the browser has been set up for this user: one of its folders exists and
    /// holds more than a manifest folder (which an earlier `install --browser` may have
    /// created on its own).
    pub fn browser_present(&self) -> bool {
        self.detect.iter().any(|d| {
            let Ok(entries) = std::fs::read_dir(d) else {
                return false;
            };
            let ours = self
                .manifest
                .parent()
                .and_then(|m| m.strip_prefix(d).ok())
                .and_then(|rel| rel.components().next())
                .map(|c| c.as_os_str().to_owned());
            let mut entries = entries.filter_map(|e| e.ok()).map(|e| e.file_name());
            match entries.next() {
                None => true,
                Some(first) => Some(&first) != ours.as_ref() || entries.next().is_some(),
            }
        })
    }

    /// The detection folder that exists, for messages.
    pub fn present_folder(&self) -> &Path {
        self.detect
            .iter()
            .find(|d| d.is_dir())
            .unwrap_or(&self.detect[0])
    }
}

/// The base folders locations are computed from; the platform's by default, any in tests.
#[derive(Debug, Clone)]
pub struct Bases {
    pub home: Option<PathBuf>,
    pub app_data: Option<PathBuf>,
    pub local_app_data: Option<PathBuf>,
    /// Where the system-wide folders are: `/`, or (`ROLECALL_SYSTEM_ROOT`, for tests) a
    /// folder standing in for it.
    pub system_root: PathBuf,
}

impl Bases {
    pub fn from_platform() -> Bases {
        Bases {
            home: dirs::home_dir(),
            app_data: dirs::data_dir(),
            local_app_data: dirs::data_local_dir(),
            system_root: system_root_from_env(),
        }
    }
}

/// `/`, unless `ROLECALL_SYSTEM_ROOT` names a folder to stand in for it (tests).
pub fn system_root_from_env() -> PathBuf {
    std::env::var_os("ROLECALL_SYSTEM_ROOT")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/"))
}

/// An absolute system path (`/etc/…`) under `root`.
fn under_root(root: &Path, absolute: &str) -> PathBuf {
    join_rel(root, absolute.trim_start_matches('/'))
}

/// The system-wide manifests `browser` reads on `os`, under `root`, in the order it looks.
pub(super) fn system_manifests(browser: Browser, os: Os, root: &Path) -> Vec<PathBuf> {
    match os {
        Os::Linux => row(browser)
            .linux_system
            .iter()
            .map(|d| under_root(root, d).join(manifest_file_name()))
            .collect(),
        Os::MacOs | Os::Windows => Vec::new(),
    }
}

fn join_rel(base: &Path, rel: &str) -> PathBuf {
    rel.split('/')
        .fold(base.to_path_buf(), |p, part| p.join(part))
}

/// Where `browser`'s manifest goes on `os`.
pub fn location(browser: Browser, os: Os, bases: &Bases) -> Result<Location, InstallError> {
    let r = row(browser);
    let file = manifest_file_name();
    match os {
        Os::Linux | Os::MacOs => {
            let home = bases.home.as_deref().ok_or(InstallError::NoHome)?;
            let (detect, dir) = if os == Os::Linux { r.linux } else { r.macos };
            Ok(Location {
                browser,
                detect: detect.iter().map(|d| join_rel(home, d)).collect(),
                manifest: join_rel(home, dir).join(file),
                registry_key: None,
                system: system_manifests(browser, os, &bases.system_root),
            })
        }
        Os::Windows => {
            let (base, data, key) = r.windows;
            let local = bases
                .local_app_data
                .as_deref()
                .ok_or(InstallError::NoAppData)?;
            let base = match base {
                WinBase::AppData => bases.app_data.as_deref().ok_or(InstallError::NoAppData)?,
                WinBase::LocalAppData => local,
            };
            Ok(Location {
                browser,
                detect: vec![join_rel(base, data)],
                manifest: join_rel(local, "rolecall/NativeMessagingHosts")
                    .join(r.id)
                    .join(file),
                registry_key: Some(format!(r"{key}\{HOST_NAME}")),
                system: system_manifests(browser, os, &bases.system_root),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::browser::install::{parse_browser, system_manifest};

    fn bases() -> Bases {
        Bases {
            home: Some("/home/ana".into()),
            app_data: Some(r"C:\Users\ana\AppData\Roaming".into()),
            local_app_data: Some(r"C:\Users\ana\AppData\Local".into()),
            system_root: "/".into(),
        }
    }

    #[test]
    fn the_table_covers_every_browser_on_every_os() {
        for b in Browser::ALL {
            assert_eq!(parse_browser(b.id()), Some(b));
            for os in [Os::Linux, Os::MacOs, Os::Windows] {
                let l = location(b, os, &bases()).unwrap();
                assert!(l.manifest.ends_with("dev.rolecall.host.json"), "{l:?}");
                assert!(!l.detect.is_empty());
                assert_eq!(l.registry_key.is_some(), os == Os::Windows);
            }
        }
        assert_eq!(parse_browser("safari"), None);
    }

    #[test]
    fn linux_and_macos_folders_are_the_documented_ones() {
        let at = |b, os| location(b, os, &bases()).unwrap().manifest;
        assert_eq!(
            at(Browser::Firefox, Os::Linux),
            Path::new("/home/ana/.mozilla/native-messaging-hosts/dev.rolecall.host.json")
        );
        assert_eq!(
            at(Browser::Brave, Os::Linux),
            Path::new("/home/ana/.config/BraveSoftware/Brave-Browser/NativeMessagingHosts/dev.rolecall.host.json")
        );
        assert_eq!(
            at(Browser::Chrome, Os::MacOs),
            Path::new("/home/ana/Library/Application Support/Google/Chrome/NativeMessagingHosts/dev.rolecall.host.json")
        );
        assert_eq!(
            at(Browser::Firefox, Os::MacOs),
            Path::new("/home/ana/Library/Application Support/Mozilla/NativeMessagingHosts/dev.rolecall.host.json")
        );
        let win = location(Browser::Edge, Os::Windows, &bases()).unwrap();
        assert_eq!(
            win.registry_key.as_deref(),
            Some(r"Software\Microsoft\Edge\NativeMessagingHosts\dev.rolecall.host")
        );
    }

    #[test]
    fn system_folders_are_the_documented_ones_and_linux_only() {
        let root = Path::new("/");
        let at = |b| system_manifest(b, Os::Linux, root).unwrap();
        assert_eq!(
            at(Browser::Firefox),
            Path::new("/usr/lib/mozilla/native-messaging-hosts/dev.rolecall.host.json")
        );
        assert_eq!(
            at(Browser::Chrome),
            Path::new("/etc/opt/chrome/native-messaging-hosts/dev.rolecall.host.json")
        );
        assert_eq!(
            at(Browser::Chromium),
            Path::new("/etc/chromium/native-messaging-hosts/dev.rolecall.host.json")
        );
        assert_eq!(
            at(Browser::Edge),
            Path::new("/etc/opt/edge/native-messaging-hosts/dev.rolecall.host.json")
        );
        assert_eq!(
            at(Browser::Brave),
            at(Browser::Chrome),
            "Brave reads Chrome's"
        );
        let ff = location(Browser::Firefox, Os::Linux, &bases()).unwrap();
        assert_eq!(ff.system.len(), 2, "/usr/lib and /usr/lib64: {ff:?}");
        for os in [Os::MacOs, Os::Windows] {
            assert!(location(Browser::Chrome, os, &bases())
                .unwrap()
                .system
                .is_empty());
            assert!(matches!(
                system_manifest(Browser::Chrome, os, root),
                Err(InstallError::SystemWideUnsupported(_))
            ));
        }
    }
}
