//! Sign-in tokens minted ahead of a click (`console.prepare`), so a click on a likely role
//! reaches its console with no network wait. Held in this process's memory only, never
//! returned, stored or logged; each is used at most once, and dropped after
//! [`MAX_AGE`] (AWS honours a token for 15 minutes), on `session.forget`, and on exit.
//!
//! A token does not depend on the destination: it is the login URL that names one. So a
//! prepared role opens at whatever region or page the click asks for, as long as the role
//! still is what the token was minted for (same role ARN, gateway and sign-in endpoint).

use std::collections::HashMap;
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// Well inside the token's 15 minutes, leaving the click time to use it.
pub const MAX_AGE: Duration = Duration::from_secs(10 * 60);

/// What a token was minted for and with.
pub struct Prepared {
    /// A bearer secret for 15 minutes: never log it.
    pub token: String,
    pub role_arn: String,
    pub gateway: String,
    /// The federation endpoint the token was issued by, where it must be used.
    pub signin_url: String,
    pub session_duration: Option<u32>,
    pub credentials_expire_at: OffsetDateTime,
    pub minted: Instant,
}

impl std::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prepared")
            .field("role_arn", &self.role_arn)
            .field("minted", &self.minted)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Default)]
pub struct PreparedTokens {
    by_role: HashMap<String, Prepared>,
}

impl PreparedTokens {
    pub fn insert(&mut self, role: &str, p: Prepared) {
        self.by_role.insert(role.to_owned(), p);
    }

    /// Whether the role has a token young enough to hand out.
    pub fn has_fresh(&mut self, role: &str, now: Instant) -> bool {
        self.expire(now);
        self.by_role.contains_key(role)
    }

    /// Takes the role's token if it is young enough and was minted for what the role is
    /// now; a token for anything else is dropped.
    pub fn take(
        &mut self,
        role: &str,
        role_arn: &str,
        gateway: &str,
        signin_url: &str,
        now: Instant,
    ) -> Option<Prepared> {
        self.expire(now);
        let p = self.by_role.remove(role)?;
        (p.role_arn == role_arn && p.gateway == gateway && p.signin_url == signin_url).then_some(p)
    }

    pub fn forget(&mut self, role: &str) {
        self.by_role.remove(role);
    }

    fn expire(&mut self, now: Instant) {
        self.by_role
            .retain(|_, p| now.saturating_duration_since(p.minted) < MAX_AGE);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(minted: Instant) -> Prepared {
        Prepared {
            token: "secret-token".into(),
            role_arn: "arn:aws:iam::111111111111:role/Admin".into(),
            gateway: "corp".into(),
            signin_url: "https://signin.aws.amazon.com/federation".into(),
            session_duration: Some(43200),
            credentials_expire_at: OffsetDateTime::UNIX_EPOCH,
            minted,
        }
    }

    #[test]
    fn a_token_is_used_once_and_only_for_what_it_was_minted_for() {
        let t0 = Instant::now();
        let mut p = PreparedTokens::default();
        p.insert("prod", token(t0));
        assert!(p.has_fresh("prod", t0));
        let arn = "arn:aws:iam::111111111111:role/Admin";
        let signin = "https://signin.aws.amazon.com/federation";
        assert!(p.take("prod", arn, "corp", signin, t0).is_some());
        assert!(
            p.take("prod", arn, "corp", signin, t0).is_none(),
            "used once"
        );
        p.insert("prod", token(t0));
        assert!(p
            .take("prod", "arn:aws:iam::1:role/Other", "corp", signin, t0)
            .is_none());
        assert!(!p.has_fresh("prod", t0), "a mismatched token is dropped");
    }

    #[test]
    fn tokens_expire_after_ten_minutes() {
        let t0 = Instant::now();
        let mut p = PreparedTokens::default();
        p.insert("prod", token(t0));
        assert!(p.has_fresh("prod", t0 + MAX_AGE - Duration::from_secs(1)));
        assert!(!p.has_fresh("prod", t0 + MAX_AGE));
    }

    #[test]
    fn debug_never_shows_the_token() {
        assert!(!format!("{:?}", token(Instant::now())).contains("secret-token"));
    }
}
