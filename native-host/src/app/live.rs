//! What `roles.list` says of each role's console: when the last console rolecall made for it
//! ends, and whether a new one can be minted now without the user (`silent`) or needs an
//! MFA code (`mfa`). Pure: the state file, the config and a clock in, a view out.

use crate::store::config::{Gateway, Source};
use crate::store::state::{GatewayState, RoleState, SsoState, State};
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
    /// The next console needs a sign-in to IAM Identity Center.
    SsoLogin,
}

/// What rolecall knows of a role's source: its config and its state-file entry.
#[derive(Debug, Clone, Copy)]
pub enum SourceLive<'a> {
    Gateway(&'a Gateway, Option<&'a GatewayState>),
    Sso(Option<&'a SsoState>),
    /// A role whose source the config lacks (validation prevents it).
    Missing,
}

impl<'a> SourceLive<'a> {
    pub fn of(source: Option<Source<'a>>, state: &'a State) -> SourceLive<'a> {
        match source {
            Some(Source::Gateway(g)) => SourceLive::Gateway(g, state.gateways.get(&g.name)),
            Some(Source::Sso(s)) => SourceLive::Sso(state.sso.get(&s.name)),
            None => SourceLive::Missing,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionView {
    #[serde(with = "time::serde::rfc3339")]
    pub console_expires_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub credentials_expire_at: Option<OffsetDateTime>,
    pub renewable: Renewable,
    /// A daily-mode gateway's role: when the gateway's MFA session (the day's code) ends,
    /// while it is live. Until then the one-hour console is renewed silently, so this is
    /// when the console really ends for the user; null otherwise (protocol 7).
    #[serde(
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub mfa_session_expires_at: Option<OffsetDateTime>,
}

/// How the next console of a role would be minted, from what rolecall knows without the
/// keyring.
pub fn renewable(
    role: Option<&RoleState>,
    source: SourceLive<'_>,
    now: OffsetDateTime,
) -> Renewable {
    let fresh = |t: Option<OffsetDateTime>| t.is_some_and(|t| t - FRESHNESS_MARGIN > now);
    if fresh(role.and_then(|r| r.credentials_expire_at)) {
        return Renewable::Silent;
    }
    match source {
        SourceLive::Gateway(g, state) => {
            let no_mfa = g.mfa_serial.is_none();
            let daily = g.uses_daily_mfa() && fresh(state.and_then(|s| s.mfa_session_expires_at));
            if no_mfa || daily {
                Renewable::Silent
            } else {
                Renewable::Mfa
            }
        }
        SourceLive::Sso(state) => {
            let live = state.is_some_and(|s| s.refreshable || fresh(s.token_expires_at));
            if live {
                Renewable::Silent
            } else {
                Renewable::SsoLogin
            }
        }
        SourceLive::Missing => Renewable::Mfa,
    }
}

/// The role's live console, or `None` when rolecall made none (or forgot it).
pub fn session_view(
    role: Option<&RoleState>,
    source: SourceLive<'_>,
    now: OffsetDateTime,
) -> Option<SessionView> {
    let r = role?;
    let console_expires_at = r.console_expires_at?;
    Some(SessionView {
        console_expires_at,
        credentials_expire_at: r.credentials_expire_at.filter(|t| *t > now),
        renewable: renewable(role, source, now),
        mfa_session_expires_at: day_ends(source, now),
    })
}

/// When a daily-mode gateway's live MFA session ends: its roles renew silently until then.
fn day_ends(source: SourceLive<'_>, now: OffsetDateTime) -> Option<OffsetDateTime> {
    match source {
        SourceLive::Gateway(g, Some(state)) if g.uses_daily_mfa() => state
            .mfa_session_expires_at
            .filter(|t| *t - FRESHNESS_MARGIN > now),
        _ => None,
    }
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
        let src = SourceLive::Gateway(&g, None);
        assert_eq!(session_view(None, src, now()), None);
        let only_limit = RoleState {
            max_duration_seconds: Some(3600),
            ..RoleState::default()
        };
        assert_eq!(session_view(Some(&only_limit), src, now()), None);
    }

    #[test]
    fn cached_credentials_renew_silently_until_five_minutes_before_they_end() {
        let g = gateway(true, MfaMode::PerRole);
        let src = SourceLive::Gateway(&g, None);
        let v = session_view(Some(&role(30, Some(6))), src, now()).unwrap();
        assert_eq!(v.renewable, Renewable::Silent);
        let v = session_view(Some(&role(30, Some(5))), src, now()).unwrap();
        assert_eq!(v.renewable, Renewable::Mfa);
        let v = session_view(Some(&role(-3, Some(-1))), src, now()).unwrap();
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
        let renew = |g, st| renewable(Some(&r), SourceLive::Gateway(g, st), now());
        assert_eq!(renew(&daily, Some(&live)), Renewable::Silent);
        assert_eq!(renew(&daily, None), Renewable::Mfa);
        // A daily session means nothing to a per-role gateway.
        let per_role = gateway(true, MfaMode::PerRole);
        assert_eq!(renew(&per_role, Some(&live)), Renewable::Mfa);
        let none = gateway(false, MfaMode::Daily);
        assert_eq!(renew(&none, None), Renewable::Silent);
    }

    #[test]
    fn a_daily_role_says_when_the_days_session_ends_and_no_other_does() {
        let ends = now() + time::Duration::hours(9);
        let live = GatewayState {
            mfa_session_expires_at: Some(ends),
        };
        let r = role(50, Some(50));
        let daily = gateway(true, MfaMode::Daily);
        let v = session_view(Some(&r), SourceLive::Gateway(&daily, Some(&live)), now()).unwrap();
        assert_eq!(v.mfa_session_expires_at, Some(ends));
        assert_eq!(v.renewable, Renewable::Silent);
        let json = serde_json::to_value(&v).unwrap();
        assert_eq!(
            json["mfa_session_expires_at"],
            serde_json::json!(ends
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap())
        );
        // A session about to end, none, or a per-role gateway: nothing to show, no field.
        let ending = GatewayState {
            mfa_session_expires_at: Some(now() + time::Duration::minutes(4)),
        };
        let v = session_view(Some(&r), SourceLive::Gateway(&daily, Some(&ending)), now()).unwrap();
        assert_eq!(v.mfa_session_expires_at, None);
        let v = session_view(Some(&r), SourceLive::Gateway(&daily, None), now()).unwrap();
        assert!(serde_json::to_value(&v)
            .unwrap()
            .get("mfa_session_expires_at")
            .is_none());
        let per_role = gateway(true, MfaMode::PerRole);
        let v = session_view(Some(&r), SourceLive::Gateway(&per_role, Some(&live)), now()).unwrap();
        assert_eq!(v.mfa_session_expires_at, None);
    }

    #[test]
    fn an_sso_role_renews_with_a_live_or_refreshable_token_else_needs_a_sign_in() {
        let r = role(30, None);
        let token = |minutes: i64, refreshable| SsoState {
            token_expires_at: Some(now() + time::Duration::minutes(minutes)),
            refreshable,
        };
        let renew = |st: Option<&SsoState>| renewable(Some(&r), SourceLive::Sso(st), now());
        assert_eq!(renew(Some(&token(60, false))), Renewable::Silent);
        assert_eq!(renew(Some(&token(4, false))), Renewable::SsoLogin);
        assert_eq!(renew(Some(&token(-60, true))), Renewable::Silent);
        assert_eq!(renew(None), Renewable::SsoLogin);
        // Cached role credentials need no token at all.
        let cached = role(30, Some(20));
        assert_eq!(
            renewable(Some(&cached), SourceLive::Sso(None), now()),
            Renewable::Silent
        );
    }
}
