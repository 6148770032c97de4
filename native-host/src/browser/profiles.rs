//! Per-role browser data directories for isolated windows:
//! `<data folder>/browser-profiles/<role id>`, where the data folder is `ROLECALL_DATA_DIR`,
//! else the platform's local data folder + `rolecall` (`~/.local/share/rolecall` on Linux).
//!
//! They hold live console cookies, so they are created user-only (0700). A new directory is
//! seeded so its window says which role it is (Chromium's `Local State` and
//! `Default/Preferences`): profile name = the role's label, theme colour = the role's colour.
//! Whether a browser is running on a directory is read from Chromium's process-singleton
//! lock: the `SingletonLock` symlink `<hostname>-<pid>` (Linux, macOS), `lockfile` held open
//! (Windows).

use crate::store::data_dir;
use crate::store::files::create_private_dir;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

pub const PROFILES: &str = "browser-profiles";
pub const HANDOFF: &str = "handoff";

pub fn profiles_dir() -> PathBuf {
    data_dir().join(PROFILES)
}

pub fn handoff_dir() -> PathBuf {
    data_dir().join(HANDOFF)
}

/// The role's data directory. Role ids are checked by the config (letters, digits, `-_.@+`);
/// `.` and `..` are refused here too, so no id leaves the profiles folder.
pub fn profile_dir(base: &Path, role_id: &str) -> Option<PathBuf> {
    let ok = !role_id.is_empty()
        && role_id != "."
        && role_id != ".."
        && role_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.@+".contains(&b));
    ok.then(|| base.join(role_id))
}

/// A Firefox container colour as Chromium's theme colour (signed 32-bit ARGB), using the
/// shades Firefox draws them in.
pub fn chromium_color(color: &str) -> Option<i32> {
    let rgb: u32 = match color {
        "blue" => 0x37adff,
        "turquoise" | "cyan" => 0x00c79a,
        "green" => 0x51cd00,
        "yellow" => 0xffcb00,
        "orange" => 0xff9f00,
        "red" => 0xff613d,
        "pink" => 0xff4bda,
        "purple" | "violet" => 0xaf51f5,
        "toolbar" | "gray" => 0x7c7c7d,
        _ => return None,
    };
    Some((0xff00_0000u32 | rgb) as i32)
}

fn read_json(path: &Path) -> Option<Value> {
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(&text).ok()
}

fn set(v: &mut Value, path: &[&str], value: Value) {
    let mut cur = v;
    for key in &path[..path.len() - 1] {
        if !cur.get(*key).is_some_and(Value::is_object) {
            cur[*key] = json!({});
        }
        cur = &mut cur[*key];
    }
    cur[path[path.len() - 1]] = value;
}

/// Creates the role's data directory (0700) and writes its name and colour into Chromium's
/// files: on a new directory, and again before each start (a changed label shows on the next
/// start). Never while a browser runs on it: Chromium rewrites these files itself. A file
/// that does not parse is left alone.
pub fn prepare(dir: &Path, label: &str, color: &str) -> std::io::Result<()> {
    create_private_dir(dir)?;
    create_private_dir(&dir.join("Default"))?;
    if running_pid(dir).is_some() {
        return Ok(());
    }
    let argb = chromium_color(color);
    let local_state = dir.join("Local State");
    let mut ls = match read_json(&local_state) {
        Some(v) if v.is_object() => v,
        Some(_) => return Ok(()),
        None if local_state.exists() => return Ok(()),
        None => json!({}),
    };
    let info = ["profile", "info_cache", "Default"];
    set(&mut ls, &[&info[..], &["name"]].concat(), json!(label));
    set(
        &mut ls,
        &[&info[..], &["is_using_default_name"]].concat(),
        json!(false),
    );
    if let Some(c) = argb {
        set(
            &mut ls,
            &[&info[..], &["profile_color_seed"]].concat(),
            json!(c),
        );
        set(
            &mut ls,
            &[&info[..], &["profile_highlight_color"]].concat(),
            json!(c),
        );
        set(
            &mut ls,
            &[&info[..], &["default_avatar_fill_color"]].concat(),
            json!(c),
        );
    }
    crate::store::files::atomic_write(&local_state, ls.to_string().as_bytes(), 0o600)?;

    let prefs_path = dir.join("Default").join("Preferences");
    let mut prefs = match read_json(&prefs_path) {
        Some(v) if v.is_object() => v,
        Some(_) => return Ok(()),
        None if prefs_path.exists() => return Ok(()),
        None => json!({}),
    };
    set(&mut prefs, &["profile", "name"], json!(label));
    set(&mut prefs, &["profile", "using_default_name"], json!(false));
    if let Some(c) = argb {
        for key in ["user_color", "user_color2"] {
            set(&mut prefs, &["browser", "theme", key], json!(c));
        }
    }
    crate::store::files::atomic_write(&prefs_path, prefs.to_string().as_bytes(), 0o600)
}

/// This machine's host name, as Chromium writes it into `SingletonLock`.
#[cfg(unix)]
fn hostname() -> Option<String> {
    #[cfg(target_os = "linux")]
    {
        std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .map(|s| s.trim().to_owned())
    }
    #[cfg(not(target_os = "linux"))]
    {
        let out = std::process::Command::new("hostname").output().ok()?;
        Some(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    }
}

#[cfg(unix)]
fn pid_alive(pid: u32) -> bool {
    #[cfg(target_os = "linux")]
    {
        // A zombie is not a running browser.
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Ok(stat) => stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().next())
                .is_some_and(|state| state != "Z" && state != "X"),
            Err(_) => false,
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        std::process::Command::new("kill")
            .args(["-0", &pid.to_string()])
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }
}

/// The pid of the browser running on `dir`, if one is (a stale lock left by a crash, or a
/// lock from another machine sharing the folder, is not).
#[cfg(unix)]
pub fn running_pid(dir: &Path) -> Option<u32> {
    let target = std::fs::read_link(dir.join("SingletonLock")).ok()?;
    let target = target.to_str()?;
    let (host, pid) = target.rsplit_once('-')?;
    let pid: u32 = pid.parse().ok()?;
    if hostname().is_some_and(|h| h != host) {
        return None;
    }
    pid_alive(pid).then_some(pid)
}

/// Windows: Chromium holds `lockfile` open without sharing while it runs.
#[cfg(windows)]
pub fn running_pid(dir: &Path) -> Option<u32> {
    let lock = dir.join("lockfile");
    if !lock.exists() {
        return None;
    }
    match std::fs::OpenOptions::new().append(true).open(&lock) {
        Ok(_) => None,
        Err(_) => Some(0),
    }
}

#[cfg(not(any(unix, windows)))]
pub fn running_pid(_dir: &Path) -> Option<u32> {
    None
}

pub fn is_running(dir: &Path) -> bool {
    running_pid(dir).is_some()
}

/// One role's data directory, as `rolecall profiles list` shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ProfileInfo {
    pub role: String,
    pub path: PathBuf,
    /// When a browser last started or stopped on it (`Local State`'s modification time).
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used: Option<time::OffsetDateTime>,
    pub running: bool,
    /// Whether the role is still in the config.
    pub configured: bool,
}

fn last_used(dir: &Path) -> Option<SystemTime> {
    std::fs::metadata(dir.join("Local State"))
        .or_else(|_| std::fs::metadata(dir))
        .and_then(|m| m.modified())
        .ok()
}

/// Every directory under `base`, sorted by role id.
pub fn list(base: &Path, configured: &[String]) -> std::io::Result<Vec<ProfileInfo>> {
    let entries = match std::fs::read_dir(base) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    for e in entries {
        let e = e?;
        // Only real directories: a symlink here was not made by rolecall.
        if !e.file_type()?.is_dir() {
            continue;
        }
        let role = e.file_name().to_string_lossy().into_owned();
        let path = e.path();
        out.push(ProfileInfo {
            configured: configured.contains(&role),
            running: is_running(&path),
            last_used: last_used(&path).map(time::OffsetDateTime::from),
            role,
            path,
        });
    }
    out.sort_by(|a, b| a.role.cmp(&b.role));
    Ok(out)
}

/// Which directories `prune` removes: those of roles no longer configured, and with
/// `older_than` also those not used for that long. Never one a browser is running on.
pub fn prune_candidates(
    profiles: &[ProfileInfo],
    older_than: Option<std::time::Duration>,
    now: SystemTime,
) -> Vec<&ProfileInfo> {
    profiles
        .iter()
        .filter(|p| !p.running)
        .filter(|p| {
            let stale = older_than.is_some_and(|age| {
                p.last_used
                    .map(SystemTime::from)
                    .is_none_or(|t| now.duration_since(t).unwrap_or_default() > age)
            });
            !p.configured || stale
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_ids_map_into_the_profiles_folder_only() {
        let base = Path::new("/d/browser-profiles");
        assert_eq!(
            profile_dir(base, "prod-admin"),
            Some(base.join("prod-admin"))
        );
        for bad in ["", ".", "..", "a/b", "../x", "a\\b"] {
            assert_eq!(profile_dir(base, bad), None, "{bad}");
        }
    }

    #[test]
    fn colours_become_opaque_argb() {
        assert_eq!(chromium_color("red"), Some(0xffff613du32 as i32));
        assert_eq!(chromium_color("blue"), Some(0xff37adffu32 as i32));
        assert_eq!(chromium_color("mauve"), None);
    }

    #[test]
    fn a_new_directory_is_private_and_seeded_with_name_and_colour() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("browser-profiles").join("prod");
        prepare(&dir, "Prod admin", "red").unwrap();
        let ls = read_json(&dir.join("Local State")).unwrap();
        let info = &ls["profile"]["info_cache"]["Default"];
        assert_eq!(info["name"], "Prod admin");
        assert_eq!(info["is_using_default_name"], false);
        assert_eq!(info["profile_color_seed"], chromium_color("red").unwrap());
        let prefs = read_json(&dir.join("Default/Preferences")).unwrap();
        assert_eq!(prefs["profile"]["name"], "Prod admin");
        assert_eq!(
            prefs["browser"]["theme"]["user_color"],
            chromium_color("red").unwrap()
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&dir), 0o700);
            assert_eq!(mode(&dir.join("Local State")), 0o600);
        }
    }

    #[test]
    fn reseeding_keeps_what_chromium_wrote_and_skips_files_it_cannot_parse() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("p");
        std::fs::create_dir_all(dir.join("Default")).unwrap();
        std::fs::write(
            dir.join("Local State"),
            r#"{"browser":{"enabled_labs_experiments":[]},"profile":{"info_cache":{"Default":{"name":"Old","active_time":1}}}}"#,
        )
        .unwrap();
        std::fs::write(dir.join("Default/Preferences"), "{not json").unwrap();
        prepare(&dir, "New label", "blue").unwrap();
        let ls = read_json(&dir.join("Local State")).unwrap();
        assert_eq!(ls["profile"]["info_cache"]["Default"]["name"], "New label");
        assert_eq!(ls["profile"]["info_cache"]["Default"]["active_time"], 1);
        assert!(ls["browser"]["enabled_labs_experiments"].is_array());
        assert_eq!(
            std::fs::read_to_string(dir.join("Default/Preferences")).unwrap(),
            "{not json"
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_lock_is_live_only_for_a_running_pid_on_this_host() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        assert_eq!(running_pid(dir), None, "no lock");
        let me = std::process::id();
        let host = hostname().unwrap();
        std::os::unix::fs::symlink(format!("{host}-{me}"), dir.join("SingletonLock")).unwrap();
        assert_eq!(running_pid(dir), Some(me));
        std::fs::remove_file(dir.join("SingletonLock")).unwrap();
        std::os::unix::fs::symlink(format!("other-host-{me}"), dir.join("SingletonLock")).unwrap();
        assert_eq!(running_pid(dir), None, "another machine's lock");
        std::fs::remove_file(dir.join("SingletonLock")).unwrap();
        // A pid that has exited: a stale lock after a crash.
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        std::os::unix::fs::symlink(format!("{host}-{dead}"), dir.join("SingletonLock")).unwrap();
        assert_eq!(running_pid(dir), None, "stale lock");
    }

    #[test]
    fn prune_takes_unconfigured_and_old_never_running() {
        let now = SystemTime::now();
        let day = std::time::Duration::from_secs(86_400);
        let p = |role: &str, age_days: u64, running: bool, configured: bool| ProfileInfo {
            role: role.into(),
            path: PathBuf::from(role),
            last_used: Some((now - day * age_days as u32).into()),
            running,
            configured,
        };
        let all = [
            p("gone", 0, false, false),
            p("gone-but-running", 0, true, false),
            p("old", 40, false, true),
            p("old-running", 40, true, true),
            p("fresh", 1, false, true),
        ];
        let names = |v: Vec<&ProfileInfo>| v.iter().map(|p| p.role.clone()).collect::<Vec<_>>();
        assert_eq!(names(prune_candidates(&all, None, now)), ["gone"]);
        assert_eq!(
            names(prune_candidates(&all, Some(day * 30), now)),
            ["gone", "old"]
        );
    }
}
