//! Registering the host with browsers: the native-messaging manifest `dev.rolecall.host.json`
//! in each browser's per-user folder (and, on Windows, the registry key that points at it),
//! or, on Linux, in its system-wide folder, read for every user of the machine.
//!
//! Every location lives in [`TABLE`]: browser × OS → the folder whose existence says the
//! browser is installed, where its manifest goes, and which allow-list field it reads.
//! Sources: MDN "Native manifests" (Firefox) and Chrome's "Native messaging" page; Edge and
//! Brave follow Chrome's layout under their own vendor folders and registry keys.
//!
//! System-wide folders (Linux), and how each was checked:
//! - Firefox: `/usr/lib/mozilla/native-messaging-hosts` (`/usr/lib64/…` on distributions
//!   built with a lib64 folder): MDN "Native manifests"; Debian's firefox-esr 153 carries the
//!   string `/usr/lib/mozilla` in libxul.so, and the e2e test runs Firefox against a manifest
//!   there alone (tests/package.sh).
//! - Chrome `/etc/opt/chrome/native-messaging-hosts`, Chromium
//!   `/etc/chromium/native-messaging-hosts`: Chrome's "Native messaging" page and
//!   `chrome/common/chrome_paths.cc` (`DIR_NATIVE_MESSAGING`: the first for Google-branded
//!   builds, the second for every other build); Debian's chromium 156 binary holds the second.
//! - Edge: `/etc/opt/edge/native-messaging-hosts`, Microsoft's "Native messaging" page for Edge.
//! - Brave documents none. brave-core changed Chromium's native-messaging folders to Chrome's
//!   ("fix native messaging dir for extensions that expect Google/Chrome", brave-core PR 53),
//!   and a published trace of Brave 1.96 on Linux found it reading the system folder
//!   `/etc/opt/chrome/native-messaging-hosts` only (not `/etc/brave/…` nor `/etc/chromium/…`),
//!   so Brave shares Chrome's. Not checked against a Brave binary here (none can be installed).
//!   Where that is wrong, `rolecall install --user --browser brave` registers it per user.

use crate::store::files::atomic_write;
use crate::{CHROMIUM_EXTENSION_ID, FIREFOX_ADDON_ID, HOST_NAME};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The manifest's file name; the only file install writes and uninstall removes.
pub fn manifest_file_name() -> String {
    format!("{HOST_NAME}.json")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Browser {
    Firefox,
    Chrome,
    Chromium,
    Edge,
    Brave,
}

impl Browser {
    pub const ALL: [Browser; 5] = [
        Browser::Firefox,
        Browser::Chrome,
        Browser::Chromium,
        Browser::Edge,
        Browser::Brave,
    ];

    /// The name on the command line (`--browser chrome`).
    pub fn id(self) -> &'static str {
        row(self).id
    }

    pub fn display_name(self) -> &'static str {
        row(self).name
    }

    pub fn allow_list(self) -> AllowList {
        row(self).allow
    }
}

impl std::fmt::Display for Browser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.display_name())
    }
}

/// Which field names the extensions allowed to start the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AllowList {
    /// Firefox: `allowed_extensions: ["<add-on id>"]`.
    Extensions,
    /// Chromium family: `allowed_origins: ["chrome-extension://<id>/"]`, exact, no wildcards.
    Origins,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Os {
    Linux,
    MacOs,
    Windows,
}

impl Os {
    /// Other Unix systems use the Linux (XDG-style) folders, as Firefox and Chromium do there.
    pub fn current() -> Os {
        if cfg!(target_os = "macos") {
            Os::MacOs
        } else if cfg!(windows) {
            Os::Windows
        } else {
            Os::Linux
        }
    }
}

/// Where a Windows path starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WinBase {
    /// `%APPDATA%` (Roaming): Firefox keeps its profiles here.
    AppData,
    /// `%LOCALAPPDATA%`: the Chromium family's user data, and our manifests.
    LocalAppData,
}

struct Row {
    browser: Browser,
    id: &'static str,
    name: &'static str,
    allow: AllowList,
    /// Linux: folders (relative to HOME) any of which means the browser is set up, and the
    /// manifest folder.
    linux: (&'static [&'static str], &'static str),
    /// macOS: the same, relative to HOME.
    macos: (&'static [&'static str], &'static str),
    /// Windows: the browser's data folder, and the HKCU key (without the host name) whose
    /// default value is the manifest's path. The manifest itself goes under
    /// `%LOCALAPPDATA%\rolecall\NativeMessagingHosts\<id>\`.
    windows: (WinBase, &'static str, &'static str),
    /// Linux: the folders the browser reads for every user, absolute; a system-wide install
    /// writes the first. A per-user manifest, when there is one, is read first.
    linux_system: &'static [&'static str],
}

const TABLE: [Row; 5] = [
    Row {
        browser: Browser::Firefox,
        id: "firefox",
        name: "Firefox",
        allow: AllowList::Extensions,
        // Firefox 147+ may keep new profiles under ~/.config/mozilla; it still reads host
        // manifests from ~/.mozilla/native-messaging-hosts.
        linux: (
            &[".mozilla", ".config/mozilla"],
            ".mozilla/native-messaging-hosts",
        ),
        macos: (
            &[
                "Library/Application Support/Firefox",
                "Library/Application Support/Mozilla",
            ],
            "Library/Application Support/Mozilla/NativeMessagingHosts",
        ),
        windows: (
            WinBase::AppData,
            "Mozilla/Firefox",
            r"Software\Mozilla\NativeMessagingHosts",
        ),
        linux_system: &[
            "/usr/lib/mozilla/native-messaging-hosts",
            "/usr/lib64/mozilla/native-messaging-hosts",
        ],
    },
    Row {
        browser: Browser::Chrome,
        id: "chrome",
        name: "Google Chrome",
        allow: AllowList::Origins,
        linux: (
            &[".config/google-chrome"],
            ".config/google-chrome/NativeMessagingHosts",
        ),
        macos: (
            &["Library/Application Support/Google/Chrome"],
            "Library/Application Support/Google/Chrome/NativeMessagingHosts",
        ),
        windows: (
            WinBase::LocalAppData,
            "Google/Chrome",
            r"Software\Google\Chrome\NativeMessagingHosts",
        ),
        linux_system: &["/etc/opt/chrome/native-messaging-hosts"],
    },
    Row {
        browser: Browser::Chromium,
        id: "chromium",
        name: "Chromium",
        allow: AllowList::Origins,
        linux: (
            &[".config/chromium"],
            ".config/chromium/NativeMessagingHosts",
        ),
        macos: (
            &["Library/Application Support/Chromium"],
            "Library/Application Support/Chromium/NativeMessagingHosts",
        ),
        windows: (
            WinBase::LocalAppData,
            "Chromium",
            r"Software\Chromium\NativeMessagingHosts",
        ),
        linux_system: &["/etc/chromium/native-messaging-hosts"],
    },
    Row {
        browser: Browser::Edge,
        id: "edge",
        name: "Microsoft Edge",
        allow: AllowList::Origins,
        linux: (
            &[".config/microsoft-edge"],
            ".config/microsoft-edge/NativeMessagingHosts",
        ),
        macos: (
            &["Library/Application Support/Microsoft Edge"],
            "Library/Application Support/Microsoft Edge/NativeMessagingHosts",
        ),
        windows: (
            WinBase::LocalAppData,
            "Microsoft/Edge",
            r"Software\Microsoft\Edge\NativeMessagingHosts",
        ),
        linux_system: &["/etc/opt/edge/native-messaging-hosts"],
    },
    Row {
        browser: Browser::Brave,
        id: "brave",
        name: "Brave",
        allow: AllowList::Origins,
        linux: (
            &[".config/BraveSoftware/Brave-Browser"],
            ".config/BraveSoftware/Brave-Browser/NativeMessagingHosts",
        ),
        macos: (
            &["Library/Application Support/BraveSoftware/Brave-Browser"],
            "Library/Application Support/BraveSoftware/Brave-Browser/NativeMessagingHosts",
        ),
        windows: (
            WinBase::LocalAppData,
            "BraveSoftware/Brave-Browser",
            r"Software\BraveSoftware\Brave-Browser\NativeMessagingHosts",
        ),
        linux_system: &["/etc/opt/chrome/native-messaging-hosts"],
    },
];

fn row(browser: Browser) -> &'static Row {
    TABLE
        .iter()
        .find(|r| r.browser == browser)
        .expect("every browser has a row")
}

pub fn parse_browser(id: &str) -> Option<Browser> {
    TABLE.iter().find(|r| r.id == id).map(|r| r.browser)
}

#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error("Cannot find your home folder (HOME is not set); set HOME and run `rolecall install` again.")]
    NoHome,
    #[error("Cannot find %APPDATA% / %LOCALAPPDATA%; run `rolecall install` from a normal user session.")]
    NoAppData,
    #[error("Cannot tell where this rolecall binary is ({0}); run it by its full path.")]
    CurrentExe(String),
    #[error("The path of this binary ({0}) is not UTF-8, which a manifest cannot hold; move rolecall to a plain path such as ~/.local/bin and run install again.")]
    NotUtf8(PathBuf),
    #[error("Cannot write {path}: {source}. Check that folder's permissions.")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("Cannot remove {path}: {source}. Check that folder's permissions.")]
    Remove {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("Cannot update the registry key HKCU\\{key}: {reason}.")]
    Registry { key: String, reason: String },
    #[error("System-wide registration is for Linux only; on {0} run `rolecall install` as each user instead.")]
    SystemWideUnsupported(&'static str),
    #[error("Cannot write {path}: {source}. The system-wide folders belong to root: run `sudo rolecall install --system`.")]
    SystemWrite {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("Cannot remove {path}: {source}. The system-wide folders belong to root: run `sudo rolecall install --system --uninstall`.")]
    SystemRemove {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{binary} cannot be registered for every user: {reason}. Whoever can change it would run code in the browser of every user; install rolecall where only root can write (such as /usr/local/bin, or the Debian package's /usr/bin) and run `sudo /usr/local/bin/rolecall install --system` from there.")]
    UnsafeSystemBinary { binary: PathBuf, reason: String },
    #[error("The path a system-wide manifest names must be absolute, not {0}.")]
    RelativeBinary(String),
}

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
fn system_manifests(browser: Browser, os: Os, root: &Path) -> Vec<PathBuf> {
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

/// The running binary's absolute path, symlinks resolved: what every manifest must name.
pub fn current_binary() -> Result<PathBuf, InstallError> {
    let exe = std::env::current_exe().map_err(|e| InstallError::CurrentExe(e.to_string()))?;
    // Windows' canonical form is a `\\?\` verbatim path, which browsers may not accept;
    // current_exe is absolute there already.
    #[cfg(not(windows))]
    let exe = std::fs::canonicalize(&exe).map_err(|e| {
        // Linux reports a binary replaced while it runs as "<path> (deleted)".
        InstallError::CurrentExe(format!("{}: {e}", exe.display()))
    })?;
    if exe.to_str().is_none() {
        return Err(InstallError::NotUtf8(exe));
    }
    Ok(exe)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Wrote,
    Unchanged,
    Removed,
    NotInstalled,
    /// `--browser all` and the browser's folder does not exist.
    SkippedAbsent,
    /// Nothing written: this system-wide manifest registers this binary already, and the
    /// user has no manifest of their own.
    SystemWide(PathBuf),
}

#[derive(Debug, Clone)]
pub struct Step {
    pub location: Location,
    pub outcome: Outcome,
}

/// Which browsers a command covers: one named browser, or all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    One(Browser),
    All,
}

/// Writes the manifest for each targeted browser. `All` writes only where the browser's
/// folder exists; a named browser gets its folder created. Writing the same bytes again
/// is skipped, so re-running is idempotent. Where the user has no manifest and a
/// system-wide one registers `binary` already (the Debian package's), nothing is written
/// unless `even_if_system`.
pub fn install(
    target: Target,
    os: Os,
    bases: &Bases,
    binary: &Path,
    even_if_system: bool,
) -> Result<Vec<Step>, InstallError> {
    let binary_str = binary
        .to_str()
        .ok_or_else(|| InstallError::NotUtf8(binary.to_path_buf()))?;
    let mut steps = Vec::new();
    for browser in browsers(target) {
        let location = location(browser, os, bases)?;
        if !even_if_system && !location.manifest.exists() {
            if let Some(system) = system_registration(&location, binary) {
                steps.push(Step {
                    location,
                    outcome: Outcome::SystemWide(system),
                });
                continue;
            }
        }
        // A manifest of ours already there is kept current even if the browser's folder
        // holds nothing else (an earlier named install made it).
        if target == Target::All && !location.browser_present() && !location.manifest.exists() {
            steps.push(Step {
                location,
                outcome: Outcome::SkippedAbsent,
            });
            continue;
        }
        let bytes = Manifest::new(browser, binary_str).to_bytes();
        let same = std::fs::read(&location.manifest).is_ok_and(|old| old == bytes);
        let registered = match &location.registry_key {
            Some(key) => registry::get(key).as_deref() == Some(path_str(&location.manifest)),
            None => true,
        };
        if same && registered {
            steps.push(Step {
                location,
                outcome: Outcome::Unchanged,
            });
            continue;
        }
        // Not secret, but nothing else needs to write it: 0644 like any config a browser reads.
        atomic_write(&location.manifest, &bytes, 0o644).map_err(|source| InstallError::Write {
            path: location.manifest.clone(),
            source,
        })?;
        if let Some(key) = &location.registry_key {
            registry::set(key, path_str(&location.manifest))?;
        }
        steps.push(Step {
            location,
            outcome: Outcome::Wrote,
        });
    }
    Ok(steps)
}

/// Removes our manifest file (and registry key) for each targeted browser, and nothing else:
/// folders stay, as do other hosts' manifests.
pub fn uninstall(target: Target, os: Os, bases: &Bases) -> Result<Vec<Step>, InstallError> {
    let mut steps = Vec::new();
    for browser in browsers(target) {
        let location = location(browser, os, bases)?;
        let mut removed = match std::fs::remove_file(&location.manifest) {
            Ok(()) => true,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
            Err(source) => {
                return Err(InstallError::Remove {
                    path: location.manifest.clone(),
                    source,
                })
            }
        };
        if let Some(key) = &location.registry_key {
            removed |= registry::delete(key)?;
        }
        steps.push(Step {
            location,
            outcome: if removed {
                Outcome::Removed
            } else {
                Outcome::NotInstalled
            },
        });
    }
    Ok(steps)
}

/// One system-wide manifest written or removed.
#[derive(Debug, Clone)]
pub struct SystemStep {
    pub browser: Browser,
    pub manifest: PathBuf,
    pub outcome: Outcome,
}

/// The system-wide manifest a system install writes for `browser`: the first folder of its
/// row, under `root`.
pub fn system_manifest(browser: Browser, os: Os, root: &Path) -> Result<PathBuf, InstallError> {
    system_manifests(browser, os, root)
        .into_iter()
        .next()
        .ok_or(InstallError::SystemWideUnsupported(match os {
            Os::MacOs => "macOS",
            _ => "Windows",
        }))
}

/// Writes the system-wide manifest of each targeted browser (Linux), naming `binary` (an
/// absolute path, which need not exist under `root`: a package is staged this way). `All`
/// covers every browser, set up or not: any user of the machine may start any of them.
/// Folders are created 0755 and manifests written 0644 whatever the umask, since every
/// user's browser reads them; browsers that read the same folder (Brave reads Chrome's)
/// share one file.
pub fn install_system(
    target: Target,
    os: Os,
    root: &Path,
    binary: &str,
) -> Result<Vec<SystemStep>, InstallError> {
    if !Path::new(binary).is_absolute() {
        return Err(InstallError::RelativeBinary(binary.to_owned()));
    }
    let mut steps = Vec::new();
    for browser in browsers(target) {
        let manifest = system_manifest(browser, os, root)?;
        let bytes = Manifest::new(browser, binary).to_bytes();
        let write_err = |source| InstallError::SystemWrite {
            path: manifest.clone(),
            source,
        };
        let outcome = if std::fs::read(&manifest).is_ok_and(|old| old == bytes) {
            Outcome::Unchanged
        } else {
            if let Some(dir) = manifest.parent() {
                create_public_dirs(dir).map_err(write_err)?;
            }
            atomic_write(&manifest, &bytes, 0o644).map_err(write_err)?;
            Outcome::Wrote
        };
        set_public_mode(&manifest, 0o644).map_err(write_err)?;
        steps.push(SystemStep {
            browser,
            manifest,
            outcome,
        });
    }
    Ok(steps)
}

/// Removes the system-wide manifest of each targeted browser, and nothing else.
pub fn uninstall_system(
    target: Target,
    os: Os,
    root: &Path,
) -> Result<Vec<SystemStep>, InstallError> {
    let mut steps = Vec::new();
    for browser in browsers(target) {
        let manifest = system_manifest(browser, os, root)?;
        let outcome = match std::fs::remove_file(&manifest) {
            Ok(()) => Outcome::Removed,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Outcome::NotInstalled,
            Err(source) => {
                return Err(InstallError::SystemRemove {
                    path: manifest,
                    source,
                })
            }
        };
        steps.push(SystemStep {
            browser,
            manifest,
            outcome,
        });
    }
    Ok(steps)
}

/// Creates `dir` and its missing parents, each 0755 whatever the umask.
fn create_public_dirs(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent() {
        create_public_dirs(parent)?;
    }
    match std::fs::create_dir(dir) {
        Ok(()) => set_public_mode(dir, 0o755),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(unix)]
fn set_public_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_public_mode(_path: &Path, _mode: u32) -> std::io::Result<()> {
    Ok(())
}

/// Refuses to register `binary` for every user unless only root can change it: the binary
/// and every folder above it owned by root and writable by no one else. A manifest in a
/// root-owned folder naming a binary some user can replace would let that user run code in
/// every other user's browser session.
#[cfg(unix)]
pub fn check_system_binary(binary: &Path) -> Result<(), InstallError> {
    use std::os::unix::fs::MetadataExt;
    let unsafe_because = |reason: String| InstallError::UnsafeSystemBinary {
        binary: binary.to_path_buf(),
        reason,
    };
    let mut at = Some(binary);
    while let Some(path) = at {
        let meta = std::fs::metadata(path)
            .map_err(|e| unsafe_because(format!("{} cannot be read ({e})", path.display())))?;
        if meta.uid() != 0 {
            return Err(unsafe_because(format!(
                "{} belongs to user id {}, not root",
                path.display(),
                meta.uid()
            )));
        }
        if meta.mode() & 0o022 != 0 {
            return Err(unsafe_because(format!(
                "{} can be changed by users other than root (mode {:o})",
                path.display(),
                meta.mode() & 0o7777
            )));
        }
        at = path.parent();
    }
    Ok(())
}

#[cfg(not(unix))]
pub fn check_system_binary(_binary: &Path) -> Result<(), InstallError> {
    Ok(())
}

/// The system-wide manifest that registers `binary` for `location`'s browser, if any: the
/// first present in its system folders, and only when it is right for this binary.
pub fn system_registration(location: &Location, binary: &Path) -> Option<PathBuf> {
    match inspect_system(location) {
        Some((path, Installed::Present(m))) if m.problems(location.browser, binary).is_empty() => {
            Some(path)
        }
        _ => None,
    }
}

/// The first system-wide manifest present for `location`'s browser (the one it reads when
/// the user has none), and what it holds.
pub fn inspect_system(location: &Location) -> Option<(PathBuf, Installed)> {
    location
        .system
        .iter()
        .find_map(|path| match read_manifest(path) {
            Installed::Missing => None,
            found => Some((path.clone(), found)),
        })
}

fn browsers(target: Target) -> Vec<Browser> {
    match target {
        Target::One(b) => vec![b],
        Target::All => Browser::ALL.to_vec(),
    }
}

fn path_str(p: &Path) -> &str {
    p.to_str().unwrap_or_default()
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

fn read_manifest(manifest_path: &Path) -> Installed {
    match std::fs::read(manifest_path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Installed::Missing,
        Err(e) => Installed::Unreadable(e.to_string()),
        Ok(bytes) => match serde_json::from_slice::<Manifest>(&bytes) {
            Ok(m) => Installed::Present(m),
            Err(e) => Installed::Unreadable(e.to_string()),
        },
    }
}

/// The HKCU registry through `reg.exe`, which every Windows has: no extra crate for three
/// calls. Elsewhere there is no registry and these do nothing.
mod registry {
    #[cfg(windows)]
    use super::InstallError;

    #[cfg(windows)]
    fn reg(args: &[&str]) -> std::io::Result<std::process::Output> {
        std::process::Command::new("reg.exe").args(args).output()
    }

    /// The key's default value.
    #[cfg(windows)]
    pub fn get(key: &str) -> Option<String> {
        let out = reg(&["query", &format!(r"HKCU\{key}"), "/ve"]).ok()?;
        if !out.status.success() {
            return None;
        }
        // "    (Default)    REG_SZ    C:\...\dev.rolecall.host.json"
        String::from_utf8_lossy(&out.stdout).lines().find_map(|l| {
            l.split_once("REG_SZ")
                .map(|(_, v)| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        })
    }

    #[cfg(windows)]
    pub fn set(key: &str, value: &str) -> Result<(), InstallError> {
        let full = format!(r"HKCU\{key}");
        let out = reg(&["add", &full, "/ve", "/t", "REG_SZ", "/d", value, "/f"]).map_err(|e| {
            InstallError::Registry {
                key: key.to_owned(),
                reason: e.to_string(),
            }
        })?;
        if out.status.success() {
            Ok(())
        } else {
            Err(InstallError::Registry {
                key: key.to_owned(),
                reason: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
            })
        }
    }

    /// True when the key existed.
    #[cfg(windows)]
    pub fn delete(key: &str) -> Result<bool, InstallError> {
        if get(key).is_none() {
            return Ok(false);
        }
        let full = format!(r"HKCU\{key}");
        let out = reg(&["delete", &full, "/f"]).map_err(|e| InstallError::Registry {
            key: key.to_owned(),
            reason: e.to_string(),
        })?;
        if out.status.success() {
            Ok(true)
        } else {
            Err(InstallError::Registry {
                key: key.to_owned(),
                reason: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
            })
        }
    }

    #[cfg(not(windows))]
    pub fn get(_key: &str) -> Option<String> {
        None
    }

    #[cfg(not(windows))]
    pub fn set(_key: &str, _value: &str) -> Result<(), super::InstallError> {
        Ok(())
    }

    #[cfg(not(windows))]
    pub fn delete(_key: &str) -> Result<bool, super::InstallError> {
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn install_all_skips_absent_browsers_and_is_idempotent_and_uninstall_is_precise() {
        let home = tempfile::tempdir().unwrap();
        let bases = Bases {
            home: Some(home.path().to_path_buf()),
            app_data: None,
            local_app_data: None,
            system_root: home.path().join("no-system"),
        };
        let binary = std::fs::canonicalize(std::env::current_exe().unwrap()).unwrap();
        std::fs::create_dir_all(home.path().join(".config/chromium")).unwrap();
        let steps = install(Target::All, Os::Linux, &bases, &binary, false).unwrap();
        let outcome = |steps: &[Step], b| {
            steps
                .iter()
                .find(|s| s.location.browser == b)
                .unwrap()
                .outcome
                .clone()
        };
        assert_eq!(outcome(&steps, Browser::Chromium), Outcome::Wrote);
        assert_eq!(outcome(&steps, Browser::Firefox), Outcome::SkippedAbsent);
        assert!(!home.path().join(".mozilla").exists());
        let again = install(Target::All, Os::Linux, &bases, &binary, false).unwrap();
        assert_eq!(outcome(&again, Browser::Chromium), Outcome::Unchanged);

        // A named install creates the folder; that alone does not make the browser present.
        install(
            Target::One(Browser::Edge),
            Os::Linux,
            &bases,
            &binary,
            false,
        )
        .unwrap();
        let edge = location(Browser::Edge, Os::Linux, &bases).unwrap();
        assert!(edge.manifest.exists() && !edge.browser_present());
        uninstall(Target::One(Browser::Edge), Os::Linux, &bases).unwrap();

        let loc = location(Browser::Chromium, Os::Linux, &bases).unwrap();
        match inspect(&loc) {
            Installed::Present(m) => assert!(m.problems(Browser::Chromium, &binary).is_empty()),
            other => panic!("{other:?}"),
        }
        // A Firefox allow-list in a Chromium folder is named as wrong.
        let wrong = Manifest::new(Browser::Firefox, binary.to_str().unwrap());
        assert!(wrong.problems(Browser::Chromium, &binary)[0].contains("allow-list"));

        let other = loc.manifest.with_file_name("com.example.other.json");
        std::fs::write(&other, "{}").unwrap();
        let removed = uninstall(Target::All, Os::Linux, &bases).unwrap();
        assert_eq!(outcome(&removed, Browser::Chromium), Outcome::Removed);
        assert_eq!(outcome(&removed, Browser::Firefox), Outcome::NotInstalled);
        assert!(!loc.manifest.exists());
        assert!(other.exists(), "another host's manifest must survive");
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

    #[cfg(unix)]
    #[test]
    fn a_system_install_writes_readable_manifests_once_per_folder_and_uninstalls_exactly() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let steps =
            install_system(Target::All, Os::Linux, root.path(), "/usr/bin/rolecall").unwrap();
        assert_eq!(steps.len(), 5);
        let wrote: Vec<_> = steps
            .iter()
            .filter(|s| s.outcome == Outcome::Wrote)
            .map(|s| s.browser)
            .collect();
        // Brave shares Chrome's folder: its file is the one just written.
        assert_eq!(wrote.len(), 4, "{steps:?}");
        for s in &steps {
            assert!(s.manifest.starts_with(root.path()), "{s:?}");
            assert_eq!(mode(&s.manifest), 0o644);
            assert_eq!(mode(s.manifest.parent().unwrap()), 0o755);
            let m: Manifest = serde_json::from_slice(&std::fs::read(&s.manifest).unwrap()).unwrap();
            assert_eq!(m, Manifest::new(s.browser, "/usr/bin/rolecall"));
        }
        assert_eq!(mode(&root.path().join("etc/opt")), 0o755);
        let again =
            install_system(Target::All, Os::Linux, root.path(), "/usr/bin/rolecall").unwrap();
        assert!(again.iter().all(|s| s.outcome == Outcome::Unchanged));
        assert!(matches!(
            install_system(Target::All, Os::Linux, root.path(), "rolecall"),
            Err(InstallError::RelativeBinary(_))
        ));

        let other = root
            .path()
            .join("etc/chromium/native-messaging-hosts/org.example.json");
        std::fs::write(&other, "{}").unwrap();
        let removed = uninstall_system(Target::All, Os::Linux, root.path()).unwrap();
        let outcomes: Vec<_> = removed.iter().map(|s| s.outcome.clone()).collect();
        assert_eq!(
            outcomes.iter().filter(|o| **o == Outcome::Removed).count(),
            4
        );
        assert!(other.exists(), "another host's manifest must survive");
        assert!(root
            .path()
            .join("etc/opt/edge/native-messaging-hosts")
            .is_dir());
        let left: Vec<_> = walk(root.path())
            .into_iter()
            .filter(|p| p.ends_with(manifest_file_name()))
            .collect();
        assert!(left.is_empty(), "{left:?}");
    }

    #[cfg(unix)]
    fn walk(dir: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
        out
    }

    #[test]
    fn a_system_manifest_for_this_binary_spares_the_per_user_copy_unless_asked() {
        let home = tempfile::tempdir().unwrap();
        let root = tempfile::tempdir().unwrap();
        let bases = Bases {
            home: Some(home.path().to_path_buf()),
            app_data: None,
            local_app_data: None,
            system_root: root.path().to_path_buf(),
        };
        let binary = std::fs::canonicalize(std::env::current_exe().unwrap()).unwrap();
        std::fs::create_dir_all(home.path().join(".mozilla")).unwrap();
        std::fs::create_dir_all(home.path().join(".config/chromium")).unwrap();
        install_system(
            Target::One(Browser::Firefox),
            Os::Linux,
            root.path(),
            binary.to_str().unwrap(),
        )
        .unwrap();
        // Chromium's system manifest names another binary: it does not count.
        install_system(
            Target::One(Browser::Chromium),
            Os::Linux,
            root.path(),
            "/opt/other/rolecall",
        )
        .unwrap();

        let steps = install(Target::All, Os::Linux, &bases, &binary, false).unwrap();
        let outcome = |b| {
            steps
                .iter()
                .find(|s: &&Step| s.location.browser == b)
                .unwrap()
                .outcome
                .clone()
        };
        let ff_system = system_manifest(Browser::Firefox, Os::Linux, root.path()).unwrap();
        assert_eq!(
            outcome(Browser::Firefox),
            Outcome::SystemWide(ff_system.clone())
        );
        assert_eq!(outcome(Browser::Chromium), Outcome::Wrote);
        let ff = location(Browser::Firefox, Os::Linux, &bases).unwrap();
        assert!(!ff.manifest.exists(), "no per-user copy");
        assert_eq!(system_registration(&ff, &binary), Some(ff_system));

        // A per-user manifest that exists is kept current, system-wide one or not.
        let forced = install(
            Target::One(Browser::Firefox),
            Os::Linux,
            &bases,
            &binary,
            true,
        )
        .unwrap();
        assert_eq!(forced[0].outcome, Outcome::Wrote);
        let again = install(
            Target::One(Browser::Firefox),
            Os::Linux,
            &bases,
            &binary,
            false,
        )
        .unwrap();
        assert_eq!(again[0].outcome, Outcome::Unchanged);
    }

    #[cfg(unix)]
    #[test]
    fn only_a_binary_that_only_root_can_change_is_registered_for_everyone() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("rolecall");
        std::fs::write(&bin, "").unwrap();
        // In a folder anyone can write to (and, unless the tests run as root, not owned by root).
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        let err = check_system_binary(&bin).unwrap_err().to_string();
        assert!(
            err.contains("sudo /usr/local/bin/rolecall install --system"),
            "{err}"
        );
        assert!(check_system_binary(&dir.path().join("missing")).is_err());
        if cfg!(target_os = "linux") {
            check_system_binary(Path::new("/usr/bin/env")).unwrap();
        }
    }
}
