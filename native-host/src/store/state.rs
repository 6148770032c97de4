//! The state file: what rolecall knows about the consoles it made, so the popup can show
//! which are live and when they end, across host restarts. Non-secret: role ids, gateway
//! names, times and learned limits only (credentials stay in the keyring). It lives in the
//! data folder as `state.json`, 0600, rewritten atomically under a lock
//! (`.state.json.lock`), so the browser's host and a `rolecall login` never lose each
//! other's update. A missing or unreadable file is an empty state: it is a cache.

use crate::store::files::{atomic_write, create_private_dir};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use time::OffsetDateTime;

pub const FILE_NAME: &str = "state.json";

/// A console record is shown this long after the console ended (the popup says
/// "expired" while the user may still have its tabs open), then dropped.
pub const KEEP_ENDED: time::Duration = time::Duration::hours(24);

/// A learned maximum credential lifetime is trusted this long; then the long lifetime is
/// asked again once, in case an administrator raised the role's maximum.
pub const RELEARN_AFTER: time::Duration = time::Duration::days(7);

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    #[serde(default)]
    pub roles: BTreeMap<String, RoleState>,
    #[serde(default)]
    pub gateways: BTreeMap<String, GatewayState>,
    #[serde(default)]
    pub sso: BTreeMap<String, SsoState>,
    /// A fresh random marker (128 bits, hex) written by every forget of any rolecall
    /// process: a host that reads another marker than the one it last saw drops what it
    /// holds in memory (role credentials, MFA sessions, SSO tokens, prepared tokens) and
    /// reads the keyring again, so a forget from the terminal reaches the browser's host.
    /// Compared for inequality only: no counter to wrap, and a file deleted before the
    /// forget still gets a marker the host has not seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forget_id: Option<String>,
    /// The counter earlier versions looked at (they drop their memory when it grows), still
    /// counted so that such a host left running after an upgrade hears of a forget. Never
    /// read here; any value that is not a number reads as 0.
    #[serde(
        default,
        skip_serializing_if = "is_zero",
        deserialize_with = "lenient_u64"
    )]
    pub forget_generation: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

fn lenient_u64<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    Ok(serde_json::Value::deserialize(d)?.as_u64().unwrap_or(0))
}

/// A learned limit is read leniently: a value that is not one (a string, a number out of
/// range, a malformed date) is ignored rather than making the whole file unreadable.
fn lenient_seconds<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    Ok(serde_json::Value::deserialize(d)?
        .as_u64()
        .and_then(|n| u32::try_from(n).ok()))
}

fn lenient_time<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<OffsetDateTime>, D::Error> {
    Ok(serde_json::Value::deserialize(d)?.as_str().and_then(|t| {
        OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
    }))
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SsoState {
    /// When the source's access token expires.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub token_expires_at: Option<OffsetDateTime>,
    /// Whether a refresh token can get a new one without the user.
    #[serde(default)]
    pub refreshable: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleState {
    /// When the last console rolecall made for the role ends.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub console_expires_at: Option<OffsetDateTime>,
    /// When the role's cached credentials (in the keyring) expire.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub credentials_expire_at: Option<OffsetDateTime>,
    /// The largest `DurationSeconds` AWS accepted after refusing a longer one (the role's
    /// `MaxSessionDuration` is lower than rolecall's default ask), and when that was learned.
    /// Untrusted: used only within [`LEARNABLE_SECONDS`] and learned no later than now
    /// (give or take [`CLOCK_SKEW`]); anything else is pruned at the next write.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_seconds"
    )]
    pub max_duration_seconds: Option<u32>,
    #[serde(
        default,
        serialize_with = "time::serde::rfc3339::option::serialize",
        deserialize_with = "lenient_time",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_duration_learned_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GatewayState {
    /// When the gateway's cached MFA session (daily mode, in the keyring) ends.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub mfa_session_expires_at: Option<OffsetDateTime>,
}

/// The credential lifetimes AssumeRole accepts (`DurationSeconds`): a learned limit outside
/// them was not written by rolecall and is ignored.
pub const LEARNABLE_SECONDS: std::ops::RangeInclusive<u32> = 900..=43200;

/// How far ahead of this clock a learned date may lie (the clock stepped back a little
/// since, say an NTP correction); a date further ahead would be trusted for ever.
pub const CLOCK_SKEW: time::Duration = time::Duration::minutes(1);

impl RoleState {
    /// The learned limit, while it is recent enough to trust and plausible: within
    /// [`LEARNABLE_SECONDS`], learned in the last week and not in the future.
    pub fn learned_max_duration(&self, now: OffsetDateTime) -> Option<u32> {
        match (self.max_duration_seconds, self.max_duration_learned_at) {
            (Some(max), Some(at))
                if LEARNABLE_SECONDS.contains(&max)
                    && at <= now + CLOCK_SKEW
                    && now - at < RELEARN_AFTER =>
            {
                Some(max)
            }
            _ => None,
        }
    }

    fn is_empty(&self) -> bool {
        self.console_expires_at.is_none()
            && self.credentials_expire_at.is_none()
            && self.max_duration_seconds.is_none()
    }
}

impl State {
    /// Drops what no longer says anything: consoles ended long ago, credentials and MFA
    /// sessions that have expired.
    pub fn prune(&mut self, now: OffsetDateTime) {
        for r in self.roles.values_mut() {
            if r.console_expires_at.is_some_and(|t| t + KEEP_ENDED < now) {
                r.console_expires_at = None;
            }
            if r.credentials_expire_at.is_some_and(|t| t < now) {
                r.credentials_expire_at = None;
            }
            if r.learned_max_duration(now).is_none() {
                r.max_duration_seconds = None;
                r.max_duration_learned_at = None;
            }
        }
        self.roles.retain(|_, r| !r.is_empty());
        for g in self.gateways.values_mut() {
            if g.mfa_session_expires_at.is_some_and(|t| t < now) {
                g.mfa_session_expires_at = None;
            }
        }
        self.gateways
            .retain(|_, g| g.mfa_session_expires_at.is_some());
        // A refreshable token says something after it expires (it renews silently).
        self.sso
            .retain(|_, t| t.refreshable || t.token_expires_at.is_some_and(|e| e > now));
    }
}

/// The state file in a data folder.
#[derive(Debug, Clone)]
pub struct StateFile {
    path: PathBuf,
}

impl StateFile {
    pub fn in_dir(data_dir: &Path) -> StateFile {
        StateFile {
            path: data_dir.join(FILE_NAME),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The state, or an empty one when there is none or it cannot be read (logged).
    pub fn load(&self) -> State {
        self.read().unwrap_or_default()
    }

    /// The state, or why there is none.
    pub(crate) fn read(&self) -> Result<State, ReadError> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                log::warn!(
                    "ignoring the unreadable state file {} ({e}); it is rebuilt as consoles open",
                    self.path.display()
                );
                ReadError::Unreadable
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(ReadError::Missing),
            Err(e) => {
                log::warn!("cannot read the state file {}: {e}", self.path.display());
                Err(ReadError::Unreadable)
            }
        }
    }

    /// Reads, changes and rewrites the state under the lock. Blocking: async callers run it
    /// on the blocking pool.
    pub fn update(&self, change: impl FnOnce(&mut State)) -> std::io::Result<()> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        create_private_dir(dir)?;
        let lock = self.lock_file()?;
        lock.lock()?;
        let mut state = self.load();
        let before = state.clone();
        change(&mut state);
        state.prune(OffsetDateTime::now_utc());
        let result = if state == before && self.path.exists() {
            Ok(())
        } else {
            let text = serde_json::to_vec_pretty(&state).map_err(std::io::Error::other)?;
            atomic_write(&self.path, &text, 0o600)
        };
        drop(lock); // unlocks
        result
    }

    fn lock_file(&self) -> std::io::Result<std::fs::File> {
        let mut opts = std::fs::OpenOptions::new();
        opts.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        opts.open(self.path.with_file_name(format!(".{FILE_NAME}.lock")))
    }
}

/// Why [`StateFile::read`] found no state.
#[derive(Debug)]
pub(crate) enum ReadError {
    Missing,
    /// Logged where it was found.
    Unreadable,
}

type StateChange = Box<dyn FnOnce(&mut State) + Send>;

enum StateMessage {
    Change(StateChange),
    Flush(tokio::sync::oneshot::Sender<()>),
}

/// Changes to the state file, applied in order by one background task per process that
/// batches those arriving together, so a click never waits on the disk.
#[derive(Debug)]
pub struct StateWriter {
    file: StateFile,
    sender: std::sync::Mutex<Option<tokio::sync::mpsc::UnboundedSender<StateMessage>>>,
}

impl StateWriter {
    pub fn new(file: StateFile) -> StateWriter {
        StateWriter {
            file,
            sender: std::sync::Mutex::new(None),
        }
    }

    pub fn file(&self) -> &StateFile {
        &self.file
    }

    /// Queues a change; the writer task starts on first use (inside a tokio runtime).
    pub fn record(&self, change: impl FnOnce(&mut State) + Send + 'static) {
        let mut msg = StateMessage::Change(Box::new(change));
        let mut sender = self.sender.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(tx) = sender.as_ref() {
            match tx.send(msg) {
                Ok(()) => return,
                Err(e) => msg = e.0, // the writer has gone: start another
            }
        }
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let _ = tx.send(msg);
        tokio::spawn(write_state(self.file.clone(), rx));
        *sender = Some(tx);
    }

    /// Waits until every queued change is on disk.
    pub async fn flush(&self) {
        let tx = self
            .sender
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some(tx) = tx {
            let (done, wait) = tokio::sync::oneshot::channel();
            if tx.send(StateMessage::Flush(done)).is_ok() {
                let _ = wait.await;
            }
        }
    }
}

impl std::fmt::Debug for StateMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            StateMessage::Change(_) => "Change",
            StateMessage::Flush(_) => "Flush",
        })
    }
}

async fn write_state(file: StateFile, mut rx: tokio::sync::mpsc::UnboundedReceiver<StateMessage>) {
    while let Some(first) = rx.recv().await {
        let mut changes = Vec::new();
        let mut flushed = Vec::new();
        let mut next = Some(first);
        while let Some(msg) = next {
            match msg {
                StateMessage::Change(c) => changes.push(c),
                StateMessage::Flush(done) => flushed.push(done),
            }
            next = rx.try_recv().ok();
        }
        if !changes.is_empty() {
            let file = file.clone();
            let written = tokio::task::spawn_blocking(move || {
                file.update(|s| {
                    for c in changes {
                        c(s);
                    }
                })
            })
            .await;
            match written {
                Ok(Ok(())) => {}
                Ok(Err(e)) => log::warn!("could not write the state file: {e}"),
                Err(e) => log::warn!("the state file writer failed: {e}"),
            }
        }
        for done in flushed {
            let _ = done.send(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: i64) -> OffsetDateTime {
        OffsetDateTime::UNIX_EPOCH + time::Duration::hours(1000 + h)
    }

    #[test]
    fn updates_round_trip_privately_and_lose_nothing_between_writers() {
        let dir = tempfile::tempdir().unwrap();
        let f = StateFile::in_dir(&dir.path().join("data"));
        let now = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
        let threads: Vec<_> = (0..8)
            .map(|i| {
                let f = f.clone();
                std::thread::spawn(move || {
                    f.update(|s| {
                        s.roles
                            .entry(format!("r{i}"))
                            .or_default()
                            .console_expires_at = Some(now + time::Duration::hours(1));
                    })
                    .unwrap()
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let s = f.load();
        assert_eq!(s.roles.len(), 8);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(f.path()).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let text = std::fs::read_to_string(f.path()).unwrap();
        assert!(text.contains("\"r3\""), "{text}");
    }

    #[test]
    fn an_unreadable_file_is_an_empty_state_and_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let f = StateFile::in_dir(dir.path());
        std::fs::write(f.path(), "{not json").unwrap();
        assert_eq!(f.load(), State::default());
        f.update(|s| {
            s.gateways
                .entry("corp".into())
                .or_default()
                .mfa_session_expires_at =
                Some(OffsetDateTime::now_utc() + time::Duration::hours(2));
        })
        .unwrap();
        assert!(f.load().gateways.contains_key("corp"));
    }

    #[test]
    fn prune_keeps_ended_consoles_a_day_and_forgets_expired_secrets() {
        let mut s = State::default();
        s.roles.insert(
            "old".into(),
            RoleState {
                console_expires_at: Some(at(-25)),
                credentials_expire_at: Some(at(-25)),
                ..RoleState::default()
            },
        );
        s.roles.insert(
            "ended".into(),
            RoleState {
                console_expires_at: Some(at(-2)),
                credentials_expire_at: Some(at(-1)),
                ..RoleState::default()
            },
        );
        s.gateways.insert(
            "corp".into(),
            GatewayState {
                mfa_session_expires_at: Some(at(-1)),
            },
        );
        s.prune(at(0));
        assert!(!s.roles.contains_key("old"));
        assert_eq!(s.roles["ended"].console_expires_at, Some(at(-2)));
        assert_eq!(s.roles["ended"].credentials_expire_at, None);
        assert!(s.gateways.is_empty());
    }

    #[test]
    fn a_learned_limit_is_trusted_for_a_week() {
        let r = RoleState {
            max_duration_seconds: Some(3600),
            max_duration_learned_at: Some(at(0)),
            ..RoleState::default()
        };
        assert_eq!(r.learned_max_duration(at(24 * 6)), Some(3600));
        assert_eq!(r.learned_max_duration(at(24 * 7 + 1)), None);
    }

    /// A host's own write: a console record, no forget.
    fn host_write(f: &StateFile, role: &str) {
        f.update(|s| {
            s.roles.entry(role.into()).or_default().console_expires_at =
                Some(OffsetDateTime::now_utc() + time::Duration::hours(1));
        })
        .unwrap();
    }

    /// Issue 25, finding 6: a learned limit from the state file was used whatever it said
    /// (5 s, 99999 s, learned in 2099 and so trusted for ever).
    #[test]
    fn learned_limit_is_used_only_within_bounds_and_not_from_the_future() {
        let learned = |max: u32, at: OffsetDateTime| RoleState {
            max_duration_seconds: Some(max),
            max_duration_learned_at: Some(at),
            ..RoleState::default()
        };
        let now = at(0);
        for ok in [900, 3600, 43200] {
            assert_eq!(learned(ok, now).learned_max_duration(now), Some(ok));
        }
        for bad in [0, 5, 899, 43201, 99999, u32::MAX] {
            assert_eq!(learned(bad, now).learned_max_duration(now), None, "{bad}");
        }
        let skewed = now + CLOCK_SKEW;
        assert_eq!(learned(3600, skewed).learned_max_duration(now), Some(3600));
        let ahead = now + CLOCK_SKEW + time::Duration::seconds(1);
        assert_eq!(learned(3600, ahead).learned_max_duration(now), None);
        let far = OffsetDateTime::parse(
            "2099-01-01T00:00:00Z",
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        assert_eq!(learned(3600, far).learned_max_duration(now), None);
    }

    #[test]
    fn learned_limit_that_is_hostile_is_pruned_and_the_file_still_reads() {
        let dir = tempfile::tempdir().unwrap();
        let f = StateFile::in_dir(dir.path());
        let now = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
        let fine = now
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap();
        let text = format!(
            r#"{{"roles": {{
                "short": {{"max_duration_seconds": 5, "max_duration_learned_at": "{fine}"}},
                "long": {{"max_duration_seconds": 99999, "max_duration_learned_at": "{fine}"}},
                "future": {{"max_duration_seconds": 3600, "max_duration_learned_at": "2099-01-01T00:00:00Z"}},
                "huge": {{"max_duration_seconds": 1e40, "max_duration_learned_at": "{fine}"}},
                "word": {{"max_duration_seconds": "lots", "max_duration_learned_at": "soon"}},
                "kept": {{"max_duration_seconds": 3600, "max_duration_learned_at": "{fine}"}}
            }}}}"#
        );
        std::fs::write(f.path(), text).unwrap();
        let s = f
            .read()
            .expect("hostile limits do not make the file unreadable");
        for r in ["short", "long", "future", "huge", "word"] {
            assert_eq!(s.roles[r].learned_max_duration(now), None, "{r}");
        }
        assert_eq!(s.roles["kept"].learned_max_duration(now), Some(3600));
        host_write(&f, "other");
        let s = f.load();
        assert_eq!(
            s.roles.keys().map(String::as_str).collect::<Vec<_>>(),
            ["kept", "other"],
            "the hostile ones were pruned at the next write"
        );
        assert_eq!(s.roles["kept"].max_duration_seconds, Some(3600));
    }

    #[tokio::test]
    async fn the_writer_applies_changes_in_order_and_flush_waits_for_them() {
        let dir = tempfile::tempdir().unwrap();
        let w = StateWriter::new(StateFile::in_dir(dir.path()));
        let later = OffsetDateTime::now_utc() + time::Duration::hours(2);
        for h in 1..=5 {
            w.record(move |s| {
                s.roles.entry("prod".into()).or_default().console_expires_at =
                    Some(later + time::Duration::minutes(h));
            });
        }
        w.flush().await;
        let s = w.file().load();
        assert_eq!(
            s.roles["prod"].console_expires_at,
            Some(later + time::Duration::minutes(5)),
            "the last change wins"
        );
    }
}
