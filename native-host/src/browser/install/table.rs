//! The browser × OS table: for each browser its command-line id, its name, which allow-list
//! field its manifest carries, and per OS the folder whose existence says the browser is
//! installed, where its manifest goes, and (Linux) the system-wide folders it reads.
//! Firefox has one row; the Chromium family (Chrome, Chromium, Edge, Brave) one each.
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
pub(super) enum WinBase {
    /// `%APPDATA%` (Roaming): Firefox keeps its profiles here.
    AppData,
    /// `%LOCALAPPDATA%`: the Chromium family's user data, and our manifests.
    LocalAppData,
}

pub(super) struct Row {
    browser: Browser,
    pub(super) id: &'static str,
    name: &'static str,
    allow: AllowList,
    /// Linux: folders (relative to HOME) any of which means the browser is set up, and the
    /// manifest folder.
    pub(super) linux: (&'static [&'static str], &'static str),
    /// macOS: the same, relative to HOME.
    pub(super) macos: (&'static [&'static str], &'static str),
    /// Windows: the browser's data folder, and the HKCU key (without the host name) whose
    /// default value is the manifest's path. The manifest itself goes under
    /// `%LOCALAPPDATA%\rolecall\NativeMessagingHosts\<id>\`.
    pub(super) windows: (WinBase, &'static str, &'static str),
    /// Linux: the folders the browser reads for every user, absolute; a system-wide install
    /// writes the first. A per-user manifest, when there is one, is read first.
    pub(super) linux_system: &'static [&'static str],
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

pub(super) fn row(browser: Browser) -> &'static Row {
    TABLE
        .iter()
        .find(|r| r.browser == browser)
        .expect("every browser has a row")
}

pub fn parse_browser(id: &str) -> Option<Browser> {
    TABLE.iter().find(|r| r.id == id).map(|r| r.browser)
}
