//! The OS keyring: gateway keys, cached role sessions, daily MFA sessions and IAM Identity
//! Center tokens and client registrations, as JSON entries named `gateway/<name>`,
//! `session/<role>`, `mfa/<gateway>`, `sso-token/<source>` and `sso-client/<source>` under one
//! service name. The backends map their
//! platform's errors to ours: the Secret Service on Linux and the BSDs, Keychain and
//! Credential Manager elsewhere.
//! All calls block (D-Bus, Security framework): async callers use `spawn_blocking`.

use crate::credentials::{CachedSession, LongTermKeys, MfaSession, SsoClient, SsoToken};
use crate::error::{Error, Result};

#[cfg(any(target_os = "macos", target_os = "windows"))]
mod platform_keyring;
#[cfg(any(target_os = "macos", target_os = "windows"))]
use platform_keyring as backend;

#[cfg(not(any(target_os = "macos", target_os = "windows")))]
mod secret_service;
#[cfg(not(any(target_os = "macos", target_os = "windows")))]
use secret_service as backend;

/// Starts opening the keyring connection in the background (a Secret Service session
/// needs a key exchange), for processes about to read keys.
pub fn prewarm() {
    backend::prewarm();
}

/// The default keyring service name. `ROLECALL_KEYRING_SERVICE` overrides it (tests, or
/// keeping two setups apart).
pub const DEFAULT_SERVICE: &str = "rolecall";

#[derive(Debug, Clone)]
pub struct SecretStore {
    service: String,
}

impl SecretStore {
    pub fn new(service: impl Into<String>) -> SecretStore {
        SecretStore {
            service: service.into(),
        }
    }

    pub fn from_env() -> SecretStore {
        SecretStore::new(
            std::env::var("ROLECALL_KEYRING_SERVICE")
                .ok()
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| DEFAULT_SERVICE.to_owned()),
        )
    }

    pub fn service(&self) -> &str {
        &self.service
    }

    fn get(&self, user: &str) -> Result<Option<String>> {
        backend::get(&self.service, user)
    }

    fn set(&self, user: &str, value: &str) -> Result<()> {
        backend::set(&self.service, user, value)
    }

    fn delete(&self, user: &str) -> Result<bool> {
        backend::delete(&self.service, user)
    }

    pub fn gateway_keys(&self, gateway: &str) -> Result<LongTermKeys> {
        let raw = self
            .get(&gateway_user(gateway))?
            .ok_or_else(|| Error::CredentialsMissing(gateway.to_owned()))?;
        // Unreadable stored keys are as good as none: the fix is the same command.
        serde_json::from_str(&raw).map_err(|_| Error::CredentialsMissing(gateway.to_owned()))
    }

    pub fn has_gateway_keys(&self, gateway: &str) -> Result<bool> {
        match self.gateway_keys(gateway) {
            Ok(_) => Ok(true),
            Err(Error::CredentialsMissing(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    pub fn set_gateway_keys(&self, gateway: &str, keys: &LongTermKeys) -> Result<()> {
        let raw = serde_json::to_string(keys).map_err(|e| Error::Internal(e.to_string()))?;
        self.set(&gateway_user(gateway), &raw)
    }

    pub fn delete_gateway_keys(&self, gateway: &str) -> Result<bool> {
        self.delete(&gateway_user(gateway))
    }

    /// A cached session, if one is stored and readable. A damaged entry reads as none
    /// and is replaced on the next AssumeRole.
    pub fn cached_session(&self, role: &str) -> Result<Option<CachedSession>> {
        Ok(self
            .get(&session_user(role))?
            .and_then(|raw| serde_json::from_str(&raw).ok()))
    }

    pub fn store_session(&self, role: &str, session: &CachedSession) -> Result<()> {
        let raw = serde_json::to_string(session).map_err(|e| Error::Internal(e.to_string()))?;
        self.set(&session_user(role), &raw)
    }

    pub fn forget_session(&self, role: &str) -> Result<bool> {
        self.delete(&session_user(role))
    }

    /// A gateway's MFA session (daily mode), if one is stored and readable.
    pub fn mfa_session(&self, gateway: &str) -> Result<Option<MfaSession>> {
        Ok(self
            .get(&mfa_user(gateway))?
            .and_then(|raw| serde_json::from_str(&raw).ok()))
    }

    pub fn store_mfa_session(&self, gateway: &str, session: &MfaSession) -> Result<()> {
        let raw = serde_json::to_string(session).map_err(|e| Error::Internal(e.to_string()))?;
        self.set(&mfa_user(gateway), &raw)
    }

    pub fn forget_mfa_session(&self, gateway: &str) -> Result<bool> {
        self.delete(&mfa_user(gateway))
    }

    /// An SSO source's token, if one is stored and readable.
    pub fn sso_token(&self, sso: &str) -> Result<Option<SsoToken>> {
        Ok(self
            .get(&format!("sso-token/{sso}"))?
            .and_then(|raw| serde_json::from_str(&raw).ok()))
    }

    pub fn store_sso_token(&self, sso: &str, token: &SsoToken) -> Result<()> {
        let raw = serde_json::to_string(token).map_err(|e| Error::Internal(e.to_string()))?;
        self.set(&format!("sso-token/{sso}"), &raw)
    }

    pub fn forget_sso_token(&self, sso: &str) -> Result<bool> {
        self.delete(&format!("sso-token/{sso}"))
    }

    /// The OIDC client registered for an SSO source, if one is stored and readable.
    pub fn sso_client(&self, sso: &str) -> Result<Option<SsoClient>> {
        Ok(self
            .get(&format!("sso-client/{sso}"))?
            .and_then(|raw| serde_json::from_str(&raw).ok()))
    }

    pub fn store_sso_client(&self, sso: &str, client: &SsoClient) -> Result<()> {
        let raw = serde_json::to_string(client).map_err(|e| Error::Internal(e.to_string()))?;
        self.set(&format!("sso-client/{sso}"), &raw)
    }

    pub fn forget_sso_client(&self, sso: &str) -> Result<bool> {
        self.delete(&format!("sso-client/{sso}"))
    }

    /// Reaches the store without changing anything: for `rolecall doctor`.
    pub fn probe(&self) -> Result<()> {
        self.get("probe").map(|_| ())
    }
}

fn gateway_user(gateway: &str) -> String {
    format!("gateway/{gateway}")
}

fn session_user(role: &str) -> String {
    format!("session/{role}")
}

fn mfa_user(gateway: &str) -> String {
    format!("mfa/{gateway}")
}
