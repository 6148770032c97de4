//! `console.prepare`: sign-in tokens minted ahead of a likely click, for roles whose next
//! open needs no input (the tokens are kept by `prepared.rs`).

use super::prepared::Prepared;
use super::{requested_name, source_of, App};
use crate::error::{Error, Result};
use crate::sources::MfaCode;
use std::sync::Arc;

/// `console.prepare` takes at most this many roles per call.
pub const MAX_PREPARE: usize = 10;

/// `console.prepare`'s parameters.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrepareRequest {
    pub roles: Vec<String>,
}

impl App {
    /// `console.prepare`: for each role whose next open needs no input, a sign-in token
    /// minted now and kept in memory for the click. Roles that would need an MFA code, are
    /// unknown, or fail are left out (a click then opens them the usual way).
    pub async fn prepare(self: &Arc<Self>, req: PrepareRequest) -> Result<Vec<String>> {
        if req.roles.len() > MAX_PREPARE {
            return Err(Error::InvalidParams(format!(
                "console.prepare takes at most {MAX_PREPARE} roles; {} were given.",
                req.roles.len()
            )));
        }
        for r in &req.roles {
            requested_name("Role", r)?;
        }
        let mut roles = req.roles;
        roles.sort();
        roles.dedup();
        let mut tasks = tokio::task::JoinSet::new();
        for id in roles {
            let app = self.clone();
            tasks.spawn(async move {
                let ok = app.prepare_one(&id).await;
                ok.then_some(id)
            });
        }
        let mut prepared = Vec::new();
        while let Some(done) = tasks.join_next().await {
            if let Ok(Some(id)) = done {
                prepared.push(id);
            }
        }
        prepared.sort();
        Ok(prepared)
    }

    async fn prepare_one(self: &Arc<Self>, id: &str) -> bool {
        self.catch_up_with_forgets();
        let Ok((config, role)) = self.requested_role(id) else {
            return false;
        };
        let Ok(source) = source_of(&config, &role) else {
            return false;
        };
        let Ok(target) = self.target(config.partition_of(&role), config.region_of(&role)) else {
            return false;
        };
        let lock = self.role_lock(&role.id);
        let _guard = lock.lock().await;
        let fresh = self
            .prepared
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .has_fresh(&role.id, std::time::Instant::now());
        if fresh {
            return true;
        }
        self.prewarm_http();
        match self
            // Absent: a gateway's MFA command is never run for a role nobody clicked (it may
            // wait for a key's touch); such a role is simply not prepared.
            .mint(
                &role,
                source,
                &target,
                MfaCode::Absent,
                config.settings.timeout(),
            )
            .await
        {
            Ok(m) => {
                self.prepared
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(
                        &role.id,
                        Prepared {
                            token: m.token,
                            role_arn: role.arn(source.region()),
                            gateway: source.name().to_owned(),
                            signin_url: target.signin_url.to_string(),
                            session_duration: m.session_duration,
                            credentials_expire_at: m.credentials_expire_at,
                            minted: std::time::Instant::now(),
                        },
                    );
                true
            }
            Err(Error::MfaRequired { .. } | Error::SsoLoginRequired { .. }) => false,
            Err(e) => {
                log::info!("could not prepare role {}: {} ({e})", role.id, e.kind());
                false
            }
        }
    }
}
