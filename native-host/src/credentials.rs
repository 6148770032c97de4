//! Key material. Debug output never shows a secret.

use serde::{Deserialize, Serialize};
use std::fmt;
use time::OffsetDateTime;

/// Cached credentials (and MFA sessions) are used only while they have this long to live:
/// ample for the federation round trip, which is all they are needed for.
pub const FRESHNESS_MARGIN: time::Duration = time::Duration::minutes(5);

/// A gateway IAM user's long-term keys. They live in the OS keyring and never leave the host.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct LongTermKeys {
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl fmt::Debug for LongTermKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LongTermKeys")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .finish()
    }
}

/// Temporary credentials from AssumeRole.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TempCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    #[serde(with = "time::serde::rfc3339")]
    pub expiration: OffsetDateTime,
}

impl fmt::Debug for TempCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TempCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("expiration", &self.expiration)
            .finish_non_exhaustive()
    }
}

/// Cached AssumeRole credentials and what they were issued for, so a changed role
/// definition never reuses credentials of the old one.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct CachedSession {
    pub role_arn: String,
    pub gateway: String,
    pub credentials: TempCredentials,
    /// Assumed with the gateway's MFA session rather than its long-term keys (daily MFA
    /// mode): AWS then allows consoles of at most one hour.
    #[serde(default)]
    pub chained: bool,
}

/// A gateway's MFA session (daily MFA mode): GetSessionToken credentials and the MFA device
/// and access key they were issued for, so a changed device or new keys never reuse them.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct MfaSession {
    pub serial: String,
    /// The gateway's access key id (not a secret). Absent from entries of earlier versions:
    /// such an entry matches no key, so a code is asked once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_key_id: Option<String>,
    pub credentials: TempCredentials,
}

impl MfaSession {
    /// Whether it was issued for this MFA device and these keys.
    pub fn issued_for(&self, serial: &str, access_key_id: &str) -> bool {
        self.serial == serial && self.access_key_id.as_deref() == Some(access_key_id)
    }
}

impl CachedSession {
    /// Usable if it still has `margin` to live: enough for the federation round trip.
    pub fn is_fresh(&self, now: OffsetDateTime, margin: time::Duration) -> bool {
        self.credentials.expiration - margin > now
    }
}

/// An IAM Identity Center access token (and its refresh token, when AWS gave one) for one
/// SSO source. Bearer secrets: they live in the keyring and never leave the host.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SsoToken {
    /// The start URL it was issued for: a changed source never reuses it.
    pub start_url: String,
    pub access_token: String,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    #[serde(default)]
    pub refresh_token: Option<String>,
}

impl fmt::Debug for SsoToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SsoToken")
            .field("start_url", &self.start_url)
            .field("expires_at", &self.expires_at)
            .field("refreshable", &self.refresh_token.is_some())
            .finish_non_exhaustive()
    }
}

/// The OIDC client rolecall registered with an Identity Center region (RegisterClient), kept
/// until it expires so each sign-in does not register anew.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SsoClient {
    pub region: String,
    pub client_id: String,
    pub client_secret: String,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

impl fmt::Debug for SsoClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SsoClient")
            .field("region", &self.region)
            .field("client_id", &self.client_id)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_secrets() {
        let k = LongTermKeys {
            access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
        };
        let t = TempCredentials {
            access_key_id: "ASIAIOSFODNN7EXAMPLE".into(),
            secret_access_key: "very-secret".into(),
            session_token: "session-token-value".into(),
            expiration: OffsetDateTime::UNIX_EPOCH,
        };
        let s = format!("{k:?} {t:?}");
        assert!(
            !s.contains("wJalr")
                && !s.contains("very-secret")
                && !s.contains("session-token-value"),
            "{s}"
        );
        assert!(s.contains("AKIAIOSFODNN7EXAMPLE"));
    }

    #[test]
    fn an_mfa_session_is_scoped_to_its_device_and_access_key() {
        // An entry written before sessions recorded their key: readable, matching no key.
        let old = r#"{"serial":"arn:aws:iam::123456789012:mfa/gateway","credentials":{"access_key_id":"ASIAIOSFODNN7EXAMPLE","secret_access_key":"s","session_token":"t","expiration":"2030-01-01T00:00:00Z"}}"#;
        let mut s: MfaSession = serde_json::from_str(old).unwrap();
        assert_eq!(s.access_key_id, None);
        assert!(!s.issued_for(
            "arn:aws:iam::123456789012:mfa/gateway",
            "AKIAIOSFODNN7EXAMPLE"
        ));
        s.access_key_id = Some("AKIAIOSFODNN7EXAMPLE".into());
        assert!(s.issued_for(
            "arn:aws:iam::123456789012:mfa/gateway",
            "AKIAIOSFODNN7EXAMPLE"
        ));
        assert!(!s.issued_for(
            "arn:aws:iam::123456789012:mfa/gateway",
            "AKIAI44QH8DHBEXAMPLE"
        ));
        assert!(!s.issued_for(
            "arn:aws:iam::123456789012:mfa/other",
            "AKIAIOSFODNN7EXAMPLE"
        ));
        let again: MfaSession = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        assert_eq!(again, s);
    }

    #[test]
    fn freshness_keeps_a_margin() {
        let now = OffsetDateTime::UNIX_EPOCH + time::Duration::hours(1);
        let mut s = CachedSession {
            role_arn: "arn".into(),
            gateway: "g".into(),
            chained: false,
            credentials: TempCredentials {
                access_key_id: "a".into(),
                secret_access_key: "b".into(),
                session_token: "c".into(),
                expiration: now + time::Duration::minutes(10),
            },
        };
        assert!(s.is_fresh(now, time::Duration::minutes(5)));
        s.credentials.expiration = now + time::Duration::minutes(4);
        assert!(!s.is_fresh(now, time::Duration::minutes(5)));
    }
}
