//! macOS Keychain and Windows Credential Manager, through the keyring crate. Their native
//! APIs have no per-call key exchange, so one entry per call is cheap.

use crate::error::{Error, Result};

/// Nothing to open ahead of time on these platforms.
pub fn prewarm() {}

fn entry(service: &str, user: &str) -> Result<keyring::Entry> {
    keyring::Entry::new(service, user).map_err(map_err)
}

pub fn get(service: &str, user: &str) -> Result<Option<String>> {
    match entry(service, user)?.get_password() {
        Ok(v) => Ok(Some(v)),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(map_err(e)),
    }
}

pub fn set(service: &str, user: &str, value: &str) -> Result<()> {
    entry(service, user)?.set_password(value).map_err(map_err)
}

pub fn delete(service: &str, user: &str) -> Result<bool> {
    match entry(service, user)?.delete_credential() {
        Ok(()) => Ok(true),
        Err(keyring::Error::NoEntry) => Ok(false),
        Err(e) => Err(map_err(e)),
    }
}

fn map_err(e: keyring::Error) -> Error {
    match e {
        keyring::Error::NoStorageAccess(inner) => {
            Error::KeyringUnavailable(format!("no access to the keyring: {inner}"))
        }
        keyring::Error::PlatformFailure(inner) => {
            Error::KeyringUnavailable(format!("keyring failure: {inner}"))
        }
        other => Error::KeyringUnavailable(other.to_string()),
    }
}
