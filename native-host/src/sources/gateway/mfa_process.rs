//! A gateway's `mfa_process`: a command that prints the MFA device's current code
//! (`ykman oath accounts code -s NAME`, a password manager's OTP command), run when an open
//! needs a code and none was given.
//!
//! Only the config file holds it (the CLI writes it; no protocol method can set it: a
//! compromised extension must not be able to make the host run a command). It runs without
//! a shell, from its program and arguments as written, with stdin from /dev/null, the
//! gateway's timeout (default 30 s: a YubiKey waits for a touch), and bounded output: stdout
//! must be six ASCII digits once trimmed, and only 256 bytes of it and 4 KiB of stderr are
//! read (the rest is drained, so the command never blocks on a full pipe). The code is never
//! logged or put in an error; what the command said on stderr may be, escaped, cut to 200
//! characters and with any six-digit run masked.

use std::io::Read;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A code is six digits and a line break; more than this is not a code.
const MAX_STDOUT: usize = 256;
const MAX_STDERR: usize = 4096;
/// How much of stderr an error quotes.
const EXCERPT_CHARS: usize = 200;
/// How long the pipes are read after the command ended (or was killed): a process it left
/// behind may hold them open, and must not hold up the open.
const PIPE_GRACE: Duration = Duration::from_millis(500);
const POLL: Duration = Duration::from_millis(20);

/// An MFA code from the command: six ASCII digits. `Debug` does not show it.
pub struct Code(String);

impl Code {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Code(******)")
    }
}

/// Why the command gave no code, in words a person can act on. Every text from the command
/// (its program name, its stderr) is escaped and bounded here; its stdout is never quoted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Failure {
    #[error("its program {program} was not found (name it by its full path: a browser may start rolecall with another PATH than your shell's)")]
    NotFound { program: String },
    #[error("its program {program} could not be started ({reason})")]
    Spawn { program: String, reason: String },
    #[error("it exited with {status}{}", said(stderr))]
    Failed { status: String, stderr: String },
    #[error("it gave no code within {seconds} s and was stopped{}", said(stderr))]
    TimedOut { seconds: u64, stderr: String },
    #[error("it printed {what} instead of the 6 digits of a code{}", said(stderr))]
    NotACode { what: String, stderr: String },
    /// AWS refused the code the command printed (a clock off, a code used already).
    #[error("AWS rejected the code it printed")]
    Rejected,
}

fn said(stderr: &str) -> String {
    if stderr.is_empty() {
        String::new()
    } else {
        format!(": {stderr}")
    }
}

/// Runs the command and returns its code. Blocking: call it on the blocking pool.
pub fn run(argv: &[String], timeout: Duration) -> Result<Code, Failure> {
    let Some((program, args)) = argv.split_first() else {
        return Err(Failure::NotFound {
            program: "(none)".into(),
        });
    };
    let shown = format!("`{}`", excerpt(program, EXCERPT_CHARS));
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Failure::NotFound {
                program: shown.clone(),
            },
            _ => Failure::Spawn {
                program: shown.clone(),
                reason: e.to_string(),
            },
        })?;
    let stdout = drain(child.stdout.take(), MAX_STDOUT);
    let stderr = drain(child.stderr.take(), MAX_STDERR);
    let status = wait(&mut child, timeout);
    let grace = Instant::now() + PIPE_GRACE;
    let out = collect(stdout, grace);
    let err = collect(stderr, grace);
    let stderr = mask_codes(&excerpt(&String::from_utf8_lossy(&err), EXCERPT_CHARS));
    let Some(status) = status else {
        return Err(Failure::TimedOut {
            seconds: timeout.as_secs(),
            stderr,
        });
    };
    if !status.success() {
        return Err(Failure::Failed {
            status: describe(status),
            stderr,
        });
    }
    parse(&out).map_err(|what| Failure::NotACode { what, stderr })
}

/// The exit status, or `None` when the command outlived `timeout` (it is then killed).
fn wait(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(POLL),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
}

/// Reads a pipe on a thread of its own, sending what it reads (up to one byte more than
/// `keep`, so that too much shows) and draining the rest.
fn drain(pipe: Option<impl Read + Send + 'static>, keep: usize) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    if let Some(mut pipe) = pipe {
        std::thread::spawn(move || {
            let mut buf = [0u8; 1024];
            let mut sent = 0;
            loop {
                match pipe.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        let take = n.min((keep + 1).saturating_sub(sent));
                        if take > 0 {
                            sent += take;
                            if tx.send(buf[..take].to_vec()).is_err() {
                                break;
                            }
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(_) => break,
                }
            }
        });
    }
    rx
}

/// What a pipe gave until it closed or `until`.
fn collect(rx: mpsc::Receiver<Vec<u8>>, until: Instant) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let left = until.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(chunk) => out.extend_from_slice(&chunk),
            Err(_) => break,
        }
    }
    out
}

/// Stdout as a code: six ASCII digits once trimmed; else what it was instead, without it.
fn parse(out: &[u8]) -> Result<Code, String> {
    if out.len() > MAX_STDOUT {
        return Err(format!("more than {MAX_STDOUT} bytes"));
    }
    let text = std::str::from_utf8(out).map_err(|_| "bytes that are not text".to_owned())?;
    let code = text.trim();
    if code.is_empty() {
        return Err("nothing".into());
    }
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(Code(code.to_owned()));
    }
    Err(format!("{} characters", code.chars().count()))
}

fn describe(status: ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("status {code}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return format!("signal {sig}");
        }
    }
    status.to_string()
}

/// Text from the command as an error may quote it: its non-empty lines joined, the last
/// `max` characters kept (errors tend to come last), control and bidi characters escaped.
fn excerpt(text: &str, max: usize) -> String {
    let joined = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" | ");
    let count = joined.chars().count();
    let cut: String = if count > max {
        let tail: String = joined.chars().skip(count - max).collect();
        format!("…{tail}")
    } else {
        joined
    };
    crate::logger::escape(&cut).into_owned()
}

/// Any run of exactly six digits as `******`: a command that printed its code on stderr
/// must not have it quoted.
fn mask_codes(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            if i - start == 6 {
                out.push_str("******");
            } else {
                out.extend(&chars[start..i]);
            }
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// Whether the program can be started, without running it (`rolecall doctor`): its path
/// when it names one, else the first match on PATH; it must be an executable file.
pub fn resolve(program: &str) -> Result<std::path::PathBuf, String> {
    let path = std::path::Path::new(program);
    let candidates: Vec<std::path::PathBuf> = if path.components().count() > 1 {
        vec![path.to_path_buf()]
    } else {
        std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).map(|d| d.join(program)).collect())
            .unwrap_or_default()
    };
    let mut seen_not_executable = None;
    for c in candidates {
        match std::fs::metadata(&c) {
            Ok(m) if m.is_file() && is_executable(&m) => return Ok(c),
            Ok(_) => seen_not_executable = Some(c),
            Err(_) => {}
        }
    }
    Err(match seen_not_executable {
        Some(c) => format!("{} is not an executable file", c.display()),
        None if path.components().count() > 1 => format!("{} does not exist", path.display()),
        None => "it is not on PATH".into(),
    })
}

#[cfg(unix)]
fn is_executable(m: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    m.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable(_: &std::fs::Metadata) -> bool {
    true
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn sh(script: &str) -> Vec<String> {
        vec!["/bin/sh".into(), "-c".into(), script.into()]
    }

    #[test]
    fn six_digits_on_stdout_are_the_code() {
        let code = run(&sh("printf ' 123456\\n'"), Duration::from_secs(5)).unwrap();
        assert_eq!(code.as_str(), "123456");
        assert_eq!(format!("{code:?}"), "Code(******)");
    }

    #[test]
    fn anything_else_says_why_and_never_quotes_stdout() {
        let t = Duration::from_secs(5);
        let e = run(&sh("echo 12345x; echo oops >&2"), t).unwrap_err();
        assert!(
            matches!(&e, Failure::NotACode { what, stderr } if what == "6 characters" && stderr == "oops"),
            "{e:?}"
        );
        assert!(!e.to_string().contains("12345x"));
        let e = run(&sh("echo 'No YubiKey found' >&2; exit 1"), t).unwrap_err();
        assert_eq!(e.to_string(), "it exited with status 1: No YubiKey found");
        let e = run(&sh("head -c 5000 /dev/zero"), t).unwrap_err();
        assert!(e.to_string().contains("more than 256 bytes"), "{e}");
        let e = run(&sh("true"), t).unwrap_err();
        assert!(e.to_string().starts_with("it printed nothing"), "{e}");
        let e = run(&["/no/such/program".to_owned()], t).unwrap_err();
        assert!(matches!(e, Failure::NotFound { .. }), "{e:?}");
        assert!(e.to_string().contains("`/no/such/program`"));
    }

    #[test]
    fn a_command_past_its_timeout_is_stopped_in_time() {
        let started = Instant::now();
        let e = run(
            &sh("echo waiting >&2; exec sleep 30"),
            Duration::from_secs(1),
        )
        .unwrap_err();
        assert!(
            matches!(&e, Failure::TimedOut { seconds: 1, stderr } if stderr == "waiting"),
            "{e:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(4));
        // A child left holding the pipes does not hold up the answer either.
        let started = Instant::now();
        let e = run(&sh("sleep 30 & echo 123456"), Duration::from_secs(5));
        assert_eq!(e.unwrap().as_str(), "123456");
        assert!(started.elapsed() < Duration::from_secs(4));
    }

    #[test]
    fn stdin_is_empty() {
        // `cat` ends at once on /dev/null; on an inherited terminal or pipe it would wait.
        let e = run(&sh("cat; echo 654321"), Duration::from_secs(5)).unwrap();
        assert_eq!(e.as_str(), "654321");
    }

    #[test]
    fn stderr_is_escaped_cut_and_masked() {
        let long = format!("{}END", "x".repeat(400));
        assert_eq!(excerpt(&long, 10), "…xxxxxxxEND");
        assert_eq!(excerpt("a\n\n b \x1b[2K\n", 50), "a | b \\u{1b}[2K");
        assert_eq!(
            mask_codes("code 123456, not 1234567 or 12345"),
            "code ******, not 1234567 or 12345"
        );
    }

    #[test]
    fn resolve_finds_executables_only() {
        assert!(resolve("sh").is_ok());
        assert!(resolve("/bin/sh").is_ok());
        assert!(resolve("no-such-program-rolecall")
            .unwrap_err()
            .contains("PATH"));
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("code");
        std::fs::write(&plain, "#!/bin/sh\necho 123456\n").unwrap();
        let e = resolve(plain.to_str().unwrap()).unwrap_err();
        assert!(e.contains("not an executable file"), "{e}");
        assert!(resolve(dir.path().join("none").to_str().unwrap())
            .unwrap_err()
            .contains("does not exist"));
    }
}
