//! Handing a sign-in URL to a browser without putting it on a command line (any local user
//! can read `/proc/<pid>/cmdline`): a small HTML file, readable by the user only (0600) in a
//! private folder, that sends the browser on to the URL. Its path goes on the command line.
//!
//! The file is removed once the browser has read it (its access time passes its modification
//! time), and in any case after [`MAX_LIFETIME`], by a small detached process
//! (`rolecall handoff-cleanup <file>`): the browser kills its native host shortly after the
//! port closes, so the host itself cannot be relied on to still be there. Every launch also
//! sweeps files older than that, left by a cleanup that could not run.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// No handoff file lives longer than this.
pub const MAX_LIFETIME: Duration = Duration::from_secs(60);
const PREFIX: &str = "signin-";
const SUFFIX: &str = ".html";

fn html_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The page: an immediate refresh to the URL, no referrer, and a link if refresh is off.
pub fn page(url: &str, title: &str) -> String {
    let u = html_attr(url);
    let t = html_attr(title);
    format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\">\
         <meta name=\"referrer\" content=\"no-referrer\">\
         <meta http-equiv=\"refresh\" content=\"0;url={u}\">\
         <title>{t}</title></head>\
         <body><p>Signing in to the AWS console… <a href=\"{u}\">continue</a></p></body></html>\n"
    )
}

/// Writes a new handoff file (mode 0600, in `dir`, created 0700 if missing) and returns its
/// path. The name is new each time (create-new: an existing file is never reused).
pub fn write(dir: &Path, url: &str, title: &str) -> std::io::Result<PathBuf> {
    crate::store::files::create_private_dir(dir)?;
    let body = page(url, title);
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    for attempt in 0..100u32 {
        let path = dir.join(format!(
            "{PREFIX}{}-{nanos:x}-{attempt}{SUFFIX}",
            std::process::id()
        ));
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        match opts.open(&path) {
            Ok(mut f) => {
                f.write_all(body.as_bytes())?;
                f.sync_all()?;
                return Ok(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("no free handoff file name"))
}

/// Whether a path is a handoff file in `dir` (what the cleanup may remove, and nothing else).
pub fn is_handoff_file(dir: &Path, path: &Path) -> bool {
    let name_ok = path
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with(PREFIX) && n.ends_with(SUFFIX) && !n.contains(['/', '\\']));
    name_ok && path.parent() == Some(dir)
}

/// True once the file has been read since it was written.
fn was_read(path: &Path) -> bool {
    std::fs::metadata(path)
        .and_then(|m| Ok(m.accessed()? > m.modified()?))
        .unwrap_or(false)
}

/// Waits until the file has been read (then a short grace) or `deadline` has passed, and
/// removes it. Returns whether the browser read it.
pub fn remove_when_read(path: &Path, deadline: Duration, poll: Duration) -> bool {
    let start = std::time::Instant::now();
    let mut read = false;
    while start.elapsed() < deadline {
        if !path.exists() {
            return false;
        }
        if was_read(path) {
            read = true;
            // The browser has the page; give it a moment to follow the refresh.
            std::thread::sleep(Duration::from_millis(200));
            break;
        }
        std::thread::sleep(poll);
    }
    let _ = std::fs::remove_file(path);
    read
}

/// Removes handoff files older than [`MAX_LIFETIME`] from `dir`. Returns how many.
pub fn sweep(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let now = SystemTime::now();
    let mut n = 0;
    for e in entries.flatten() {
        let p = e.path();
        if !is_handoff_file(dir, &p) {
            continue;
        }
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .map(|t| now.duration_since(t).unwrap_or_default() > MAX_LIFETIME)
            .unwrap_or(false);
        if old && std::fs::remove_file(&p).is_ok() {
            n += 1;
        }
    }
    n
}

/// Starts `rolecall handoff-cleanup <file>` detached, so the file goes even when the browser
/// kills this host right after the reply.
pub fn spawn_cleanup(path: &Path) -> std::io::Result<()> {
    let exe = std::env::current_exe()?;
    crate::browser::launch::spawn_detached(&exe, &["handoff-cleanup".into(), path.into()])
        .map(|_| ())
}

/// Opens a URL (a console sign-in, an Identity Center verification page) in the default
/// browser without putting it on a command line: the opener (and a browser it starts) would
/// keep it in `/proc/<pid>/cmdline`, readable by every local user, for the browser's whole
/// life. The opener (`xdg-open`, `open`, `rundll32`) gets the path of a handoff file
/// instead, which sends the browser on and is removed once read.
pub fn open_in_default_browser(url: &str, title: &str) -> crate::error::Result<()> {
    use crate::error::LaunchError;
    let dir = crate::browser::profiles::handoff_dir();
    sweep(&dir);
    let file = write(&dir, url, title).map_err(|e| LaunchError::files(&dir, e))?;
    #[cfg(target_os = "macos")]
    let (opener, mut cmd) = ("open", std::process::Command::new("open"));
    #[cfg(windows)]
    let (opener, mut cmd) = {
        let mut c = std::process::Command::new("rundll32");
        c.arg("url.dll,FileProtocolHandler");
        ("rundll32", c)
    };
    #[cfg(not(any(target_os = "macos", windows)))]
    let (opener, mut cmd) = ("xdg-open", std::process::Command::new("xdg-open"));
    let status = cmd
        .arg(&file)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .status();
    let failed = match status {
        Ok(s) if s.success() => None,
        Ok(s) => Some(format!("it exited with {s}")),
        Err(e) => Some(e.to_string()),
    };
    if let Some(reason) = failed {
        let _ = std::fs::remove_file(&file);
        return Err(LaunchError::OpenerFailed {
            opener: opener.to_owned(),
            reason,
        }
        .into());
    }
    if let Err(e) = spawn_cleanup(&file) {
        // The next open's sweep removes it after a minute.
        log::warn!("could not start the handoff cleanup: {e}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://signin.aws.amazon.com/federation?Action=login&Issuer=rolecall&Destination=https%3A%2F%2Fconsole.aws.amazon.com%2F&SigninToken=abc\"<x>";

    #[test]
    fn the_page_sends_the_browser_to_the_url_escaped() {
        let p = page(URL, "Prod <admin>");
        assert!(p.contains("<meta http-equiv=\"refresh\" content=\"0;url=https://signin.aws.amazon.com/federation?Action=login&amp;Issuer=rolecall&amp;Destination=https%3A%2F%2Fconsole.aws.amazon.com%2F&amp;SigninToken=abc&quot;&lt;x&gt;\">"), "{p}");
        assert!(p.contains("<meta name=\"referrer\" content=\"no-referrer\">"));
        assert!(p.contains("<title>Prod &lt;admin&gt;</title>"));
        assert!(!p.contains("&Issuer"), "every & is escaped");
    }

    #[test]
    fn the_file_is_private_new_each_time_and_holds_the_page() {
        let dir = tempfile::tempdir().unwrap();
        let hand = dir.path().join("handoff");
        let a = write(&hand, URL, "t").unwrap();
        let b = write(&hand, URL, "t").unwrap();
        assert_ne!(a, b);
        assert_eq!(std::fs::read_to_string(&a).unwrap(), page(URL, "t"));
        assert!(is_handoff_file(&hand, &a));
        assert!(!is_handoff_file(&hand, &dir.path().join("signin-1.html")));
        assert!(!is_handoff_file(&hand, &hand.join("config.toml")));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&a), 0o600);
            assert_eq!(mode(&hand), 0o700);
        }
    }

    #[test]
    fn the_file_is_removed_once_read() {
        let dir = tempfile::tempdir().unwrap();
        let f = write(dir.path(), URL, "t").unwrap();
        // Make "written" clearly older than "read", whatever the clock granularity.
        let old = SystemTime::now() - Duration::from_secs(5);
        std::fs::File::options()
            .write(true)
            .open(&f)
            .unwrap()
            .set_times(
                std::fs::FileTimes::new()
                    .set_modified(old)
                    .set_accessed(old),
            )
            .unwrap();
        let reader = {
            let f = f.clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(100));
                std::fs::read_to_string(&f).unwrap()
            })
        };
        let started = std::time::Instant::now();
        let read = remove_when_read(&f, Duration::from_secs(30), Duration::from_millis(20));
        assert!(reader.join().unwrap().contains("SigninToken"));
        // Some file systems never update access times (noatime): then the deadline applies.
        if read {
            assert!(started.elapsed() < Duration::from_secs(5));
        }
        assert!(!f.exists());
    }

    #[test]
    fn an_unread_file_is_removed_at_the_deadline_and_old_ones_are_swept() {
        let dir = tempfile::tempdir().unwrap();
        let f = write(dir.path(), URL, "t").unwrap();
        let started = std::time::Instant::now();
        assert!(!remove_when_read(
            &f,
            Duration::from_millis(300),
            Duration::from_millis(20)
        ));
        assert!(started.elapsed() >= Duration::from_millis(300));
        assert!(!f.exists());

        let stale = write(dir.path(), URL, "t").unwrap();
        let fresh = write(dir.path(), URL, "t").unwrap();
        let other = dir.path().join("keep.txt");
        std::fs::write(&other, "x").unwrap();
        let old = SystemTime::now() - Duration::from_secs(120);
        for p in [&stale, &other] {
            std::fs::File::options()
                .write(true)
                .open(p)
                .unwrap()
                .set_modified(old)
                .unwrap();
        }
        assert_eq!(sweep(dir.path()), 1);
        assert!(!stale.exists() && fresh.exists() && other.exists());
    }
}
