//! What `roles.list` says of each role's console: when the last console rolecall made for it
//! ends, and whether a new one can be minted now without the user (`silent`) or needs an
//! MFA code (`mfa`). Pure: the state file, the config and a clock in, a view out.

use crate::store::config::Gateway;
use crate::store::state::{GatewayState, RoleState};
use serde::Serialize;
use time::OffsetDateTime;

/// Credentials and MFA sessions count only while they have this long to live: the same
/// margin the click path uses before it trusts them.
pub use crate::credentials::FRESHNESS_MARGIN;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Renewable {
    /// A new console can be minted now with no input: cached role credentials, a live daily
    /// MFA session, or a gateway without MFA.
    Silent,
    /// The next console needs an MFA code.
    Mfa,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionView {
    #[serde(with = "time::serde::rfc3339")]
    pub console_expires_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub credentials_expire_at: Option<OffsetDateTime>,
    pub renewable: Renewable,
}

/// How the next console of a role would be minted, from what rolecall knows without the
/// keyring.
pub fn renewable(
    role: Option<&RoleState>,
    gateway: Option<&Gateway>,
    gateway_state: Option<&GatewayState>,
    now: OffsetDateTime,
) -> Renewable {
    let fresh = |t: Option<OffsetDateTime>| t.is_some_and(|t| t - FRESHNESS_MARGIN > now);
    let no_mfa = gateway.is_some_and(|g| g.mfa_serial.is_none());
    let daily = gateway.is_some_and(Gateway::uses_daily_mfa)
        && fresh(gateway_state.and_then(|g| g.mfa_session_expires_at));
    if no_mfa || daily || fresh(role.and_then(|r| r.credentials_expire_at)) {
        Renewable::Silent
    } else {
        Renewable::Mfa
    }
}

/// The role's live console, or `None` when rolecall made none (or forgot it).
pub fn session_view(
    role: Option<&RoleState>,
    gateway: Option<&Gateway>,
    gateway_state: Option<&GatewayState>,
    now: OffsetDateTime,
) -> Option<SessionView> {
    let r = role?;
    let console_expires_at = r.console_expires_at?;
    Some(SessionView {
        console_expires_at,
        credentials_expire_at: r.credentials_expire_at.filter(|t| *t > now),
        renewable: renewable(role, gateway, gateway_state, now),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::config::MfaMode;

    fn now() -> OffsetDateTime {
        OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000)
    }

    fn gateway(mfa: bool, mode: MfaMode) -> Gateway {
        Gateway {
            name: "corp".into(),
            mfa_serial: mfa.then(|| "arn:aws:iam::123456789012:mfa/ana".into()),
            mfa_mode: Some(mode),
            ..Gateway::default()
        }
    }

    fn role(console_in_min: i64, creds_in_min: Option<i64>) -> RoleState {
        RoleState {
            console_expires_at: Some(now() + time::Duration::minutes(console_in_min)),
            credentials_expire_at: creds_in_min.map(|m| now() + time::Duration::minutes(m)),
            ..RoleState::default()
        }
    }

    #[test]
    fn nothing_made_is_no_session() {
        let g = gateway(true, MfaMode::PerRole);
        assert_eq!(session_view(None, Some(&g), None, now()), None);
        let only_limit = RoleState {
            max_duration_seconds: Some(3600),
            ..RoleState::default()
        };
        assert_eq!(session_view(Some(&only_limit), Some(&g), None, now()), None);
    }

    #[test]
    fn cached_credentials_renew_silently_until_five_minutes_before_they_end() {
        let g = gateway(true, MfaMode::PerRole);
        let v = session_view(Some(&role(30, Some(6))), Some(&g), None, now()).unwrap();
        assert_eq!(v.renewable, Renewable::Silent);
        let v = session_view(Some(&role(30, Some(5))), Some(&g), None, now()).unwrap();
        assert_eq!(v.renewable, Renewable::Mfa);
        let v = session_view(Some(&role(-3, Some(-1))), Some(&g), None, now()).unwrap();
        assert_eq!(
            v.credentials_expire_at, None,
            "expired credentials are not shown"
        );
        assert!(
            v.console_expires_at < now(),
            "an ended console is still reported"
        );
    }

    #[test]
    fn a_daily_mfa_session_or_no_mfa_renews_silently() {
        let daily = gateway(true, MfaMode::Daily);
        let live = GatewayState {
            mfa_session_expires_at: Some(now() + time::Duration::hours(3)),
        };
        let r = role(30, None);
        assert_eq!(
            renewable(Some(&r), Some(&daily), Some(&live), now()),
            Renewable::Silent
        );
        assert_eq!(
            renewable(Some(&r), Some(&daily), None, now()),
            Renewable::Mfa
        );
        // A daily session means nothing to a per-role gateway.
        let per_role = gateway(true, MfaMode::PerRole);
        assert_eq!(
            renewable(Some(&r), Some(&per_role), Some(&live), now()),
            Renewable::Mfa
        );
        let none = gateway(false, MfaMode::Daily);
        assert_eq!(renewable(None, Some(&none), None, now()), Renewable::Silent);
    }
}
