//! Linux and the BSDs: the freedesktop Secret Service over D-Bus, with one encrypted
//! session per process.
//!
//! Why not the keyring crate here: keyring 3 opens a new session for every read and write,
//! and each session starts with a 1024-bit Diffie-Hellman exchange (~5 ms in pure Rust).
//! A first open reads the gateway keys, looks for a cached session and stores the new one,
//! so that was most of the host's own time (docs/BENCHMARKS.md). Sharing the session keeps
//! the secrets encrypted on the bus and pays the exchange once.
//!
//! Items keep the attributes keyring 3 gave them (`service`, `username`, `target=default`),
//! so keys stored by earlier versions of rolecall are found unchanged.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use dbus_secret_service::{EncryptionType, Error as SsError, SecretService};

use crate::error::{Error, Result};

/// How long an unlock prompt (the desktop's "unlock your keyring" dialog) may wait for the
/// user. Other keyring calls of this process wait behind it: they need the unlock too.
const PROMPT_TIMEOUT_SECONDS: u64 = 120;

/// The collection alias new items go to: the user's login keyring.
const TARGET: &str = "default";

static SESSION: Mutex<Option<SecretService>> = Mutex::new(None);

fn session() -> MutexGuard<'static, Option<SecretService>> {
    SESSION.lock().unwrap_or_else(|p| p.into_inner())
}

fn connect() -> std::result::Result<SecretService, SsError> {
    SecretService::connect_with_max_prompt_timeout(EncryptionType::Dh, PROMPT_TIMEOUT_SECONDS)
}

/// Opens the session in the background so the first keyring call does not pay for the key
/// exchange. A plain thread, not the async runtime's pool: a process that never needs the
/// keyring exits without waiting for it. Errors are left for the call that needs the store.
pub fn prewarm() {
    std::thread::spawn(|| {
        let mut guard = session();
        if guard.is_none() {
            *guard = connect().ok();
        }
    });
}

/// Runs `f` on the shared session, opening it if needed. A D-Bus failure (the daemon
/// restarted, the connection dropped) is retried once on a fresh session; every operation
/// here is safe to repeat.
fn with_session<T>(f: impl Fn(&SecretService) -> std::result::Result<T, SsError>) -> Result<T> {
    let mut guard = session();
    let mut retried = false;
    loop {
        let ss = match guard.as_ref() {
            Some(ss) => ss,
            None => guard.insert(connect().map_err(map_connect_err)?),
        };
        match f(ss) {
            Ok(v) => return Ok(v),
            Err(SsError::Dbus(_)) if !retried => {
                retried = true;
                *guard = None;
            }
            Err(e) => return Err(map_err(e)),
        }
    }
}

fn attributes<'a>(service: &'a str, user: &'a str) -> HashMap<&'a str, &'a str> {
    HashMap::from([("service", service), ("username", user), ("target", TARGET)])
}

pub fn get(service: &str, user: &str) -> Result<Option<String>> {
    with_session(|ss| {
        let found = ss.search_items(attributes(service, user))?;
        let item = match (found.unlocked.first(), found.locked.first()) {
            (Some(item), _) => item,
            (None, Some(item)) => {
                item.unlock()?;
                item
            }
            (None, None) => return Ok(None),
        };
        let secret = item.get_secret()?;
        // Anything but UTF-8 was not written by rolecall: treat it like a damaged entry.
        Ok(Some(String::from_utf8(secret).unwrap_or_default()))
    })
}

pub fn set(service: &str, user: &str, value: &str) -> Result<()> {
    with_session(|ss| {
        let found = ss.search_items(attributes(service, user))?;
        if let Some(item) = found.unlocked.first() {
            return item.set_secret(value.as_bytes(), "text/plain");
        }
        if let Some(item) = found.locked.first() {
            item.unlock()?;
            return item.set_secret(value.as_bytes(), "text/plain");
        }
        let collection = ss.get_default_collection()?;
        collection.ensure_unlocked()?;
        let mut attrs = attributes(service, user);
        attrs.insert("application", "rolecall");
        collection.create_item(
            &format!("{user}@{service} (rolecall)"),
            attrs,
            value.as_bytes(),
            true,
            "text/plain",
        )?;
        Ok(())
    })
}

pub fn delete(service: &str, user: &str) -> Result<bool> {
    with_session(|ss| {
        let found = ss.search_items(attributes(service, user))?;
        let mut deleted = false;
        for item in found.unlocked.iter().chain(found.locked.iter()) {
            item.delete()?;
            deleted = true;
        }
        Ok(deleted)
    })
}

/// Opening the session fails before any keyring question is asked: most often there is no
/// session bus at all (a host started outside a desktop session).
fn map_connect_err(e: SsError) -> Error {
    match &e {
        SsError::Dbus(d)
            if !matches!(
                d.name(),
                Some("org.freedesktop.DBus.Error.ServiceUnknown")
                    | Some("org.freedesktop.DBus.Error.NotSupported")
            ) =>
        {
            Error::KeyringUnavailable(format!(
                "cannot reach the session D-Bus ({}); is this a desktop session?",
                d.message().unwrap_or("no detail")
            ))
        }
        _ => map_err(e),
    }
}

fn map_err(e: SsError) -> Error {
    Error::KeyringUnavailable(match e {
        SsError::Locked | SsError::Prompt => {
            "the keyring is locked and was not unlocked; unlock it (log in to the desktop \
             session, or open your keyring app) and retry"
                .to_owned()
        }
        SsError::Unavailable => {
            "no Secret Service on the session D-Bus; is gnome-keyring or KeePassXC running?"
                .to_owned()
        }
        SsError::Dbus(e) => match e.name() {
            Some("org.freedesktop.DBus.Error.ServiceUnknown")
            | Some("org.freedesktop.DBus.Error.NotSupported") => {
                "no Secret Service on the session D-Bus; is gnome-keyring or KeePassXC running?"
                    .to_owned()
            }
            Some("org.freedesktop.Secret.Error.IsLocked") => {
                "the keyring is locked; unlock it and retry".to_owned()
            }
            _ => format!("D-Bus: {}", e.message().unwrap_or("no detail")),
        },
        other => format!("keyring failure: {other}"),
    })
}
