//! Launching a Chromium-family browser on a role's own data directory (`open_in:
//! "isolated_window"`): which executable, which arguments, and a spawn that outlives the host.
//!
//! Which browser, first match wins:
//! 1. `ROLECALL_BROWSER_EXE`, then the config's `settings.browser_exe`;
//! 2. the browser that started this host: the parent process's executable, when it is a
//!    Chromium-family browser (Linux `/proc/<ppid>/exe`; macOS `ps -o comm=`; Windows: the
//!    first Chromium-family ancestor through `Win32_Process`, since Chrome starts hosts
//!    through `cmd.exe`);
//! 3. the table of known executables for this OS ([`candidates`]).
//!
//! `ROLECALL_BROWSER_ARGS` adds arguments (split on whitespace), e.g. for tests. The sign-in
//! URL never goes on the command line: the last argument is the path of a handoff file
//! (see `handoff`).

use crate::browser::install::Os;
pub use crate::error::LaunchError;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// A place to look for a browser executable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Candidate {
    /// A command name looked up on `PATH` (Linux).
    Command(&'static str),
    /// An absolute path (macOS application bundles).
    File(PathBuf),
    /// A Windows `App Paths` registry key name (`chrome.exe`), read from HKCU then HKLM.
    AppPath(&'static str),
}

/// Known Chromium-family executables, in the order rolecall tries them: Chrome, Chromium,
/// Edge, Brave.
pub fn candidates(os: Os, home: Option<&Path>) -> Vec<Candidate> {
    match os {
        Os::Linux => [
            "google-chrome",
            "google-chrome-stable",
            "chromium",
            "chromium-browser",
            "microsoft-edge",
            "microsoft-edge-stable",
            "brave-browser",
            "brave-browser-stable",
        ]
        .into_iter()
        .map(Candidate::Command)
        .collect(),
        Os::MacOs => {
            let bundles = [
                ("Google Chrome.app", "Google Chrome"),
                ("Chromium.app", "Chromium"),
                ("Microsoft Edge.app", "Microsoft Edge"),
                ("Brave Browser.app", "Brave Browser"),
            ];
            let mut roots = vec![PathBuf::from("/Applications")];
            if let Some(h) = home {
                roots.push(h.join("Applications"));
            }
            bundles
                .iter()
                .flat_map(|(app, exe)| {
                    roots
                        .iter()
                        .map(move |r| Candidate::File(r.join(app).join("Contents/MacOS").join(exe)))
                })
                .collect()
        }
        Os::Windows => ["chrome.exe", "msedge.exe", "brave.exe"]
            .into_iter()
            .map(Candidate::AppPath)
            .collect(),
    }
}

/// Whether an executable's file name is one of the Chromium family's (as a browser starts
/// itself: `/usr/lib/chromium/chromium`, `/opt/google/chrome/chrome`, `msedge.exe`, …).
pub fn is_chromium_family(exe: &Path) -> bool {
    let Some(name) = exe.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    let name = name
        .strip_suffix(".exe")
        .unwrap_or(name)
        .to_ascii_lowercase();
    matches!(
        name.as_str(),
        "chrome"
            | "chromium"
            | "chromium-browser"
            | "google-chrome"
            | "google-chrome-stable"
            | "google-chrome-beta"
            | "google-chrome-unstable"
            | "msedge"
            | "microsoft-edge"
            | "microsoft-edge-stable"
            | "microsoft-edge-beta"
            | "microsoft-edge-dev"
            | "brave"
            | "brave-browser"
            | "brave-browser-stable"
            | "google chrome"
            | "microsoft edge"
            | "brave browser"
    )
}

/// Looks `name` up in the folders of a `PATH`-style list.
pub fn search_path(name: &str, path_var: Option<&std::ffi::OsStr>) -> Option<PathBuf> {
    std::env::split_paths(path_var?)
        .map(|dir| dir.join(name))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(p) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

/// The executable of the host's parent process, if the OS lets us see it without privileges.
/// Looked up once per process: it cannot change, and on Windows the lookup starts
/// PowerShell (hundreds of milliseconds). Blocking: async callers use `spawn_blocking`.
pub fn parent_executable() -> Option<PathBuf> {
    static PARENT: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    PARENT.get_or_init(look_up_parent_executable).clone()
}

fn look_up_parent_executable() -> Option<PathBuf> {
    #[cfg(target_os = "linux")]
    {
        let ppid = std::os::unix::process::parent_id();
        let exe = std::fs::read_link(format!("/proc/{ppid}/exe")).ok()?;
        // A browser updated while running shows as "<path> (deleted)"; the new file is there.
        let s = exe.to_string_lossy();
        Some(PathBuf::from(s.strip_suffix(" (deleted)").unwrap_or(&s)))
    }
    #[cfg(target_os = "macos")]
    {
        let ppid = std::os::unix::process::parent_id();
        let out = std::process::Command::new("/bin/ps")
            .args(["-o", "comm=", "-p", &ppid.to_string()])
            .stderr(std::process::Stdio::null())
            .output()
            .ok()?;
        let s = String::from_utf8(out.stdout).ok()?;
        let s = s.trim();
        (!s.is_empty()).then(|| PathBuf::from(s))
    }
    #[cfg(windows)]
    {
        windows_ancestors()
    }
    #[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
    {
        None
    }
}

/// PowerShell that prints the executable paths of up to four ancestors of `pid`, nearest first
/// (no double quotes: they would need escaping through the Windows command line).
pub fn ancestors_script(pid: u32) -> String {
    format!(
        "$p = {pid}; for ($i = 0; $i -lt 4; $i++) {{ \
         $x = Get-CimInstance Win32_Process -Filter ('ProcessId=' + $p); if (-not $x) {{ break }}; \
         $p = $x.ParentProcessId; \
         $y = Get-CimInstance Win32_Process -Filter ('ProcessId=' + $p); if (-not $y) {{ break }}; \
         $y.ExecutablePath }}"
    )
}

/// The nearest Chromium-family executable among ancestor paths printed one per line, else
/// the nearest ancestor (which `find_browser` then passes over).
pub fn pick_ancestor(output: &str) -> Option<PathBuf> {
    let paths: Vec<PathBuf> = output
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(PathBuf::from)
        .collect();
    let family = |p: &&PathBuf| {
        // Windows paths, whatever OS runs the unit tests.
        let name = p.to_string_lossy();
        let name = name
            .rsplit(['\\', '/'])
            .next()
            .unwrap_or_default()
            .to_owned();
        is_chromium_family(Path::new(&name))
    };
    paths.iter().find(family).or(paths.first()).cloned()
}

#[cfg(windows)]
fn windows_ancestors() -> Option<PathBuf> {
    use std::os::windows::process::CommandExt;
    const CREATE_NO_WINDOW: u32 = 0x0800_0000;
    let out = std::process::Command::new("powershell.exe")
        .args(["-NoProfile", "-NonInteractive", "-Command"])
        .arg(ancestors_script(std::process::id()))
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .creation_flags(CREATE_NO_WINDOW)
        .output()
        .ok()?;
    pick_ancestor(&String::from_utf8_lossy(&out.stdout))
}

/// The `(Default)` value of `reg query <key> /ve` output.
pub fn parse_reg_default(output: &str) -> Option<PathBuf> {
    output.lines().find_map(|line| {
        let (_, value) = line.split_once("REG_SZ")?;
        let v = value.trim().trim_matches('"');
        (!v.is_empty()).then(|| PathBuf::from(v))
    })
}

#[cfg(windows)]
fn app_path(name: &str) -> Option<PathBuf> {
    for root in ["HKCU", "HKLM"] {
        let key = format!(r"{root}\Software\Microsoft\Windows\CurrentVersion\App Paths\{name}");
        let out = std::process::Command::new("reg")
            .args(["query", &key, "/ve"])
            .stderr(std::process::Stdio::null())
            .output();
        if let Ok(out) = out {
            if out.status.success() {
                if let Some(p) = parse_reg_default(&String::from_utf8_lossy(&out.stdout)) {
                    if p.is_file() {
                        return Some(p);
                    }
                }
            }
        }
    }
    None
}

#[cfg(not(windows))]
fn app_path(_name: &str) -> Option<PathBuf> {
    None
}

/// Where the executable came from, for logs and `host.info`-style diagnostics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    Override(&'static str),
    Parent,
    Table,
}

/// Picks the browser: the overrides, else the parent process when it is a Chromium-family
/// browser, else the first known executable that exists.
pub fn find_browser(
    env_override: Option<OsString>,
    config_override: Option<&str>,
    parent: Option<PathBuf>,
) -> Result<(PathBuf, Found), LaunchError> {
    let overrides = [
        (
            env_override.filter(|v| !v.is_empty()).map(PathBuf::from),
            "ROLECALL_BROWSER_EXE",
        ),
        (
            config_override.filter(|v| !v.is_empty()).map(PathBuf::from),
            "settings.browser_exe in the rolecall config",
        ),
    ];
    for (exe, source_name) in overrides {
        if let Some(exe) = exe {
            // A bare name is looked up on PATH, as a shell would.
            let resolved = if exe.components().count() == 1 && !exe.is_absolute() {
                search_path(&exe.to_string_lossy(), std::env::var_os("PATH").as_deref())
            } else {
                Some(exe.clone()).filter(|p| p.is_file())
            };
            return match resolved {
                Some(p) => Ok((p, Found::Override(source_name))),
                None => Err(LaunchError::BadOverride {
                    exe: exe.display().to_string(),
                    source_name: source_name.to_owned(),
                }),
            };
        }
    }
    if let Some(p) = parent.filter(|p| is_chromium_family(p) && p.is_file()) {
        return Ok((p, Found::Parent));
    }
    let home = dirs::home_dir();
    let list = candidates(Os::current(), home.as_deref());
    let path_var = std::env::var_os("PATH");
    for c in &list {
        let hit = match c {
            Candidate::Command(name) => search_path(name, path_var.as_deref()),
            Candidate::File(p) => Some(p.clone()).filter(|p| p.is_file()),
            Candidate::AppPath(name) => app_path(name),
        };
        if let Some(p) = hit {
            return Ok((p, Found::Table));
        }
    }
    let tried = list
        .iter()
        .map(|c| match c {
            Candidate::Command(n) | Candidate::AppPath(n) => (*n).to_owned(),
            Candidate::File(p) => p.display().to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ");
    Err(LaunchError::NotFound { tried })
}

/// `ROLECALL_BROWSER_ARGS`, split on whitespace.
pub fn extra_args_from_env() -> Vec<OsString> {
    std::env::var("ROLECALL_BROWSER_ARGS")
        .map(|v| v.split_whitespace().map(OsString::from).collect())
        .unwrap_or_default()
}

/// The browser's arguments: the role's data directory, no first-run or default-browser
/// prompts, a new window, the extra arguments, and last the handoff file's path.
pub fn launch_args(profile_dir: &Path, extra: &[OsString], handoff: &Path) -> Vec<OsString> {
    let mut user_data_dir = OsString::from("--user-data-dir=");
    user_data_dir.push(profile_dir.as_os_str());
    let mut args = vec![
        user_data_dir,
        "--no-first-run".into(),
        "--no-default-browser-check".into(),
        "--new-window".into(),
    ];
    args.extend(extra.iter().cloned());
    args.push(handoff.as_os_str().to_owned());
    args
}

/// Starts `exe` so that it outlives the host: no inherited stdio (stdout is the protocol
/// channel), its own process group on Unix, detached and out of the browser's job on Windows.
/// Returns the child's pid. The child is not waited for: when it is a second instance that
/// hands its window to a running one, it exits at once and its status is of no interest.
pub fn spawn_detached(exe: &Path, args: &[OsString]) -> std::io::Result<u32> {
    use std::process::{Command, Stdio};
    let mut cmd = Command::new(exe);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    #[cfg(windows)]
    {
        use std::os::windows::process::CommandExt;
        const DETACHED_PROCESS: u32 = 0x0000_0008;
        const CREATE_NEW_PROCESS_GROUP: u32 = 0x0000_0200;
        const CREATE_BREAKAWAY_FROM_JOB: u32 = 0x0100_0000;
        cmd.creation_flags(DETACHED_PROCESS | CREATE_NEW_PROCESS_GROUP | CREATE_BREAKAWAY_FROM_JOB);
        match cmd.spawn() {
            Ok(child) => return Ok(child.id()),
            // A job that forbids breakaway refuses the flag: start inside it then.
            Err(_) => {
                cmd.creation_flags(DETACHED_PROCESS | CREATE_NEW_PROCESS_GROUP);
            }
        }
    }
    let child = cmd.spawn()?;
    let pid = child.id();
    // Reap it in the background so a short-lived second instance leaves no zombie.
    std::thread::spawn(move || {
        let mut child = child;
        let _ = child.wait();
    });
    Ok(pid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_lists_chrome_chromium_edge_brave_per_os() {
        let linux = candidates(Os::Linux, None);
        assert_eq!(linux[0], Candidate::Command("google-chrome"));
        for name in ["chromium", "microsoft-edge", "brave-browser"] {
            assert!(linux.contains(&Candidate::Command(name)), "{name}");
        }
        let mac = candidates(Os::MacOs, Some(Path::new("/Users/ana")));
        assert_eq!(
            mac[0],
            Candidate::File(PathBuf::from(
                "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"
            ))
        );
        assert!(mac.contains(&Candidate::File(PathBuf::from(
            "/Users/ana/Applications/Brave Browser.app/Contents/MacOS/Brave Browser"
        ))));
        assert!(mac.contains(&Candidate::File(PathBuf::from(
            "/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge"
        ))));
        assert_eq!(
            candidates(Os::Windows, None),
            vec![
                Candidate::AppPath("chrome.exe"),
                Candidate::AppPath("msedge.exe"),
                Candidate::AppPath("brave.exe")
            ]
        );
    }

    #[test]
    fn chromium_family_is_recognised_by_file_name() {
        for p in [
            "/usr/lib/chromium/chromium",
            "/opt/google/chrome/chrome",
            "/opt/microsoft/msedge/msedge",
            "/opt/brave.com/brave/brave",
            r"C:\Program Files\Google\Chrome\Application\chrome.exe",
            "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
        ] {
            // Windows paths only split on '\' on Windows; test the file name there.
            let p = Path::new(p.rsplit(['\\']).next().unwrap());
            assert!(is_chromium_family(p), "{}", p.display());
        }
        for p in [
            "/usr/lib/firefox-esr/firefox-esr",
            "/usr/bin/bash",
            "/usr/bin/python3",
        ] {
            assert!(!is_chromium_family(Path::new(p)), "{p}");
        }
    }

    #[test]
    fn path_search_finds_only_executables() {
        let dir = tempfile::tempdir().unwrap();
        let exe = dir.path().join("chromium");
        std::fs::write(&exe, "#!/bin/sh\n").unwrap();
        let path_var = std::env::join_paths([dir.path()]).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                search_path("chromium", Some(&path_var)),
                None,
                "not executable yet"
            );
            std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        assert_eq!(search_path("chromium", Some(&path_var)), Some(exe));
        assert_eq!(search_path("google-chrome", Some(&path_var)), None);
    }

    #[test]
    fn overrides_win_and_a_missing_one_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let exe = dir.path().join("my-browser");
        std::fs::write(&exe, "").unwrap();
        let (p, how) = find_browser(Some(exe.clone().into()), Some("/nope"), None).unwrap();
        assert_eq!(
            (p, how),
            (exe.clone(), Found::Override("ROLECALL_BROWSER_EXE"))
        );
        let (p, _) = find_browser(None, exe.to_str(), None).unwrap();
        assert_eq!(p, exe);
        let err = find_browser(Some("/no/such/browser".into()), None, None).unwrap_err();
        assert_eq!(err.kind(), "browser_not_found");
        assert!(err.to_string().contains("/no/such/browser"));
        assert!(err.to_string().contains("ROLECALL_BROWSER_EXE"));
    }

    #[test]
    fn a_chromium_parent_is_used_and_another_parent_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let chromium = dir.path().join("chromium");
        std::fs::write(&chromium, "").unwrap();
        let (p, how) = find_browser(None, None, Some(chromium.clone())).unwrap();
        assert_eq!((p, how), (chromium, Found::Parent));
        let bash = dir.path().join("bash");
        std::fs::write(&bash, "").unwrap();
        if let Ok((p, how)) = find_browser(None, None, Some(bash.clone())) {
            assert_ne!(p, bash);
            assert_eq!(how, Found::Table);
        }
    }

    #[test]
    fn arguments_carry_the_data_dir_and_the_handoff_file_and_nothing_secret() {
        let args = launch_args(
            Path::new("/home/ana/.local/share/rolecall/browser-profiles/prod admin"),
            &["--headless=new".into()],
            Path::new("/home/ana/.local/share/rolecall/handoff/signin-1.html"),
        );
        let args: Vec<String> = args.into_iter().map(|a| a.into_string().unwrap()).collect();
        assert_eq!(
            args,
            [
                "--user-data-dir=/home/ana/.local/share/rolecall/browser-profiles/prod admin",
                "--no-first-run",
                "--no-default-browser-check",
                "--new-window",
                "--headless=new",
                "/home/ana/.local/share/rolecall/handoff/signin-1.html",
            ]
        );
    }

    #[test]
    fn the_nearest_chromium_ancestor_is_picked() {
        let out = "C:\\Windows\\System32\\cmd.exe\r\nC:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe\r\nC:\\Windows\\explorer.exe\r\n";
        assert_eq!(
            pick_ancestor(out),
            Some(PathBuf::from(
                r"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe"
            ))
        );
        assert_eq!(
            pick_ancestor("C:\\Windows\\System32\\cmd.exe\n"),
            Some(PathBuf::from(r"C:\Windows\System32\cmd.exe"))
        );
        assert_eq!(pick_ancestor(""), None);
        let script = ancestors_script(4242);
        assert!(script.starts_with("$p = 4242;"));
        assert!(script.contains("Win32_Process") && script.contains("ExecutablePath"));
        assert!(!script.contains('"'));
    }

    #[test]
    fn reg_query_output_is_parsed() {
        let out = "\r\nHKEY_LOCAL_MACHINE\\Software\\Microsoft\\Windows\\CurrentVersion\\App Paths\\chrome.exe\r\n    (Default)    REG_SZ    C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe\r\n\r\n";
        assert_eq!(
            parse_reg_default(out),
            Some(PathBuf::from(
                r"C:\Program Files\Google\Chrome\Application\chrome.exe"
            ))
        );
        assert_eq!(parse_reg_default("ERROR: not found"), None);
    }
}
