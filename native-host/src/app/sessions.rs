//! The per-role credentials cache: in memory for a warm host, in the keyring for the next
//! process; fresh credentials from the role's source when none is usable.

use super::App;
use crate::credentials::CachedSession;
use crate::error::{Error, Result};
use crate::sources::MfaCode;
use crate::store::config::{Role, Source};
use crate::sync::blocking;
use std::sync::Arc;
use time::OffsetDateTime;

impl App {
    /// The role's credentials: the cached ones while they have `margin` to live (and
    /// `use_cache`), else fresh ones from its source, cached for the next caller. The caller
    /// holds the role's lock. Returns whether they came from the cache.
    pub(super) async fn session(
        self: &Arc<Self>,
        role: &Role,
        source: Source<'_>,
        mfa_code: MfaCode<'_>,
        timeout: std::time::Duration,
        margin: time::Duration,
        use_cache: bool,
    ) -> Result<(CachedSession, bool)> {
        let role_arn = role.arn(source.region());
        if use_cache {
            if let Some(c) = self
                .cached_session(&role.id, &role_arn, source.name(), margin)
                .await?
            {
                return Ok((c, true));
            }
        }
        let http = &self.http().await?.sts;
        let fresh = self
            .sources
            .credentials(http, role, source, mfa_code, timeout)
            .await?;
        let session = CachedSession {
            role_arn,
            gateway: source.name().to_owned(),
            credentials: fresh.credentials,
            chained: fresh.chained,
        };
        self.remember(&role.id, session.clone()).await;
        Ok((session, false))
    }

    /// Keeps new credentials in memory at once and in the keyring in the background: the
    /// keyring write must not delay the sign-in call.
    async fn remember(self: &Arc<Self>, role: &str, session: CachedSession) {
        self.sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(role.to_owned(), session.clone());
        let secrets = self.secrets.clone();
        let pending = self
            .writes
            .get(&format!("session:{role}"))
            .lock_owned()
            .await;
        let role = role.to_owned();
        tokio::task::spawn_blocking(move || {
            let _pending = pending;
            if let Err(e) = secrets.store_session(&role, &session) {
                log::warn!("could not cache the session of role {role} in the keyring: {e}");
            }
        });
    }

    async fn cached_session(
        &self,
        role: &str,
        role_arn: &str,
        gateway: &str,
        margin: time::Duration,
    ) -> Result<Option<CachedSession>> {
        let now = OffsetDateTime::now_utc();
        let usable = |s: &CachedSession| {
            s.role_arn == role_arn && s.gateway == gateway && s.is_fresh(now, margin)
        };
        if let Some(s) = self
            .sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(role)
            .filter(|s| usable(s))
        {
            return Ok(Some(s.clone()));
        }
        let secrets = self.secrets.clone();
        let id = role.to_owned();
        let stored = match blocking(move || secrets.cached_session(&id)).await {
            Ok(s) => s,
            // No keyring means no cache; the open itself will say what is wrong when it
            // needs the gateway's keys.
            Err(Error::KeyringUnavailable(e)) => {
                log::debug!("session cache unavailable: {e}");
                None
            }
            Err(e) => return Err(e),
        };
        Ok(stored.filter(usable).inspect(|s| {
            self.sessions
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(role.to_owned(), s.clone());
        }))
    }

    pub(super) async fn drop_session(&self, role: &str) -> Result<bool> {
        let in_memory = self
            .sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(role)
            .is_some();
        let secrets = self.secrets.clone();
        let id = role.to_owned();
        let _written = self
            .writes
            .get(&format!("session:{role}"))
            .lock_owned()
            .await;
        let in_keyring = blocking(move || secrets.forget_session(&id)).await?;
        Ok(in_memory || in_keyring)
    }
}
