//! The forget marker: what a forget by any rolecall process writes into the state file
//! (`forget_id`, a fresh random value each time), and how a running host notices it and
//! drops what it holds in memory. Compared for inequality, so it cannot wrap; a missing
//! file or one without a marker is "no forget recorded" (a host's own first write does not
//! clear its memory); a file that changed and cannot be read clears it.

use crate::store::files::{try_stamp, FileStamp};
use crate::store::state::{ReadError, StateFile};

/// A new forget marker: 128 random bits, hex.
pub fn new_forget_id() -> std::io::Result<String> {
    let mut random = [0u8; 16];
    getrandom::fill(&mut random).map_err(std::io::Error::other)?;
    Ok(random.iter().map(|b| format!("{b:02x}")).collect())
}

/// What the state file says of forgets, as a running host compares it with its last look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Forgets {
    /// No forget recorded: no file, or a file without a marker (a host's own first write).
    NoneRecorded,
    /// The marker of the last forget.
    Marker(String),
    /// A file that exists but cannot be read or parsed: whether a forget happened is
    /// unknown, so what is held in memory goes.
    Unreadable,
}

/// A host's last look at the state file's forget marker.
#[derive(Debug, Default)]
pub struct ForgetWatch {
    last: std::sync::Mutex<Option<Look>>,
}

#[derive(Debug)]
struct Look {
    /// The file's stamp (`Some(None)`: there was no file); `None` when it could not even be
    /// looked at, so the next look reads again.
    stamp: Option<Option<FileStamp>>,
    seen: Forgets,
}

impl ForgetWatch {
    /// Whether sessions may have been forgotten since the last call (by any process): the
    /// forget marker differs from the one last seen, or the file changed and cannot be
    /// read. The first call only looks. The file is read only when it changed since the
    /// last call: one `stat` a click otherwise.
    pub fn forgotten_since(&self, file: &StateFile) -> bool {
        let now = match try_stamp(file.path()) {
            Ok(s) => Some(Some(s)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Some(None),
            Err(e) => {
                log::warn!(
                    "cannot look at the state file {}: {e}",
                    file.path().display()
                );
                None
            }
        };
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        if let (
            Some(now),
            Some(Look {
                stamp: Some(at), ..
            }),
        ) = (&now, last.as_ref())
        {
            if now == at {
                return false;
            }
        }
        let seen = match &now {
            Some(None) => Forgets::NoneRecorded,
            Some(Some(_)) => match file.read() {
                Ok(state) => state
                    .forget_id
                    .map_or(Forgets::NoneRecorded, Forgets::Marker),
                Err(ReadError::Missing) => Forgets::NoneRecorded,
                Err(_) => Forgets::Unreadable,
            },
            None => Forgets::Unreadable,
        };
        let forgotten = match (last.as_ref(), &seen) {
            (None, _) => false,
            (Some(_), Forgets::Unreadable) => true,
            (Some(before), Forgets::Marker(_)) => before.seen != seen,
            (Some(_), Forgets::NoneRecorded) => false,
        };
        *last = Some(Look { stamp: now, seen });
        forgotten
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::OffsetDateTime;

    /// A forget as `App::forget_sessions` writes it.
    fn forget(f: &StateFile) {
        let marker = new_forget_id().unwrap();
        f.update(|s| {
            s.forget_id = Some(marker);
            s.forget_generation = s.forget_generation.wrapping_add(1);
        })
        .unwrap();
    }

    /// A host's own write: a console record, no forget.
    fn host_write(f: &StateFile, role: &str) {
        f.update(|s| {
            s.roles.entry(role.into()).or_default().console_expires_at =
                Some(OffsetDateTime::now_utc() + time::Duration::hours(1));
        })
        .unwrap();
    }

    /// Issue 25, finding 1: the host looked for the forget counter to grow, so a forget
    /// after the state file was deleted (the counter back at 1), replaced by garbage, or at
    /// u64::MAX (wrapping) was missed. The marker is compared for inequality.
    #[test]
    fn forget_reaches_host_when_state_file_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let f = StateFile::in_dir(dir.path());
        let watch = ForgetWatch::default();
        assert!(!watch.forgotten_since(&f), "the first look only looks");
        forget(&f);
        assert!(watch.forgotten_since(&f));
        assert!(!watch.forgotten_since(&f), "seen once");
        host_write(&f, "prod");
        assert!(
            !watch.forgotten_since(&f),
            "the same marker, rewritten by a host"
        );
        std::fs::remove_file(f.path()).unwrap();
        assert!(!watch.forgotten_since(&f), "no file: no forget recorded");
        host_write(&f, "prod");
        assert!(
            !watch.forgotten_since(&f),
            "a host's own first write (no marker) keeps its memory"
        );
        std::fs::remove_file(f.path()).unwrap();
        forget(&f);
        assert!(
            watch.forgotten_since(&f),
            "a forget after the file was deleted"
        );
    }

    #[test]
    fn forget_reaches_host_when_state_file_is_garbage() {
        let dir = tempfile::tempdir().unwrap();
        let f = StateFile::in_dir(dir.path());
        let watch = ForgetWatch::default();
        forget(&f);
        assert!(!watch.forgotten_since(&f));
        std::fs::write(f.path(), "{not json").unwrap();
        assert!(watch.forgotten_since(&f), "unreadable: memory goes");
        assert!(!watch.forgotten_since(&f), "once per change, not per click");
        std::fs::write(f.path(), b"\xff\xfe garbage again").unwrap();
        assert!(watch.forgotten_since(&f), "another unreadable version");
        forget(&f); // over the garbage
        assert!(watch.forgotten_since(&f));
        host_write(&f, "dev");
        assert!(!watch.forgotten_since(&f));
    }

    #[test]
    fn forget_reaches_host_when_counter_is_at_max() {
        let dir = tempfile::tempdir().unwrap();
        let f = StateFile::in_dir(dir.path());
        let watch = ForgetWatch::default();
        std::fs::write(f.path(), r#"{"forget_generation": 18446744073709551615}"#).unwrap();
        assert!(!watch.forgotten_since(&f));
        forget(&f);
        assert!(watch.forgotten_since(&f));
        let s = f.load();
        assert_eq!(
            s.forget_generation, 0,
            "wrapped, for hosts of earlier versions"
        );
        assert_eq!(s.forget_id.as_deref().map(str::len), Some(32));
        // An old counter of any shape does not make the file unreadable.
        for old in ["18446744073709551616", "-1", "\"many\"", "1e30", "null"] {
            std::fs::write(
                f.path(),
                format!(r#"{{"forget_generation": {old}, "gateways": {{"corp": {{}}}}}}"#),
            )
            .unwrap();
            let s = f.read().unwrap_or_else(|_| panic!("{old} broke the file"));
            assert_eq!(s.forget_generation, 0, "{old}");
            assert!(s.gateways.contains_key("corp"));
        }
    }

    /// The click path's cost when nothing changed stays one `stat`: a file whose stamp is
    /// unchanged is not read again (here its bytes changed behind a restored stamp, and the
    /// watch does not notice, which it would if it read them).
    #[test]
    fn nothing_changed_costs_one_stat_and_no_read() {
        let dir = tempfile::tempdir().unwrap();
        let f = StateFile::in_dir(dir.path());
        forget(&f);
        let watch = ForgetWatch::default();
        assert!(!watch.forgotten_since(&f));
        let before = std::fs::metadata(f.path()).unwrap();
        let len = usize::try_from(before.len()).unwrap();
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(f.path())
            .unwrap();
        use std::io::Write;
        (&file).write_all(&vec![b'x'; len]).unwrap();
        file.set_modified(before.modified().unwrap()).unwrap();
        drop(file);
        assert!(f.read().is_err(), "the bytes are garbage now");
        assert!(
            !watch.forgotten_since(&f),
            "not read: the stamp is the same"
        );
    }

    #[test]
    fn forget_markers_are_random_128_bit_hex() {
        let a = new_forget_id().unwrap();
        let b = new_forget_id().unwrap();
        assert_ne!(a, b);
        assert!(
            a.len() == 32 && a.bytes().all(|c| c.is_ascii_hexdigit()),
            "{a}"
        );
    }
}
