//! Forgetting cached sessions: `session.forget` and `gateway add|remove`'s forgets (keyring,
//! state file, prepared tokens), the forget marker they write into the state file, and a
//! running host catching up with the forgets of other processes.

use super::prepared::PreparedTokens;
use super::{requested_name, App};
use crate::error::{Error, Result};
use crate::store::config::Role;
use crate::store::forgets::new_forget_id;
use crate::sync::blocking;

/// Which cached sessions `session.forget` drops.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForgetRequest {
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub gateway: Option<String>,
    #[serde(default)]
    pub sso: Option<String>,
}

impl App {
    /// A forget by any rolecall process (the terminal's `session forget`, `gateway
    /// remove|add`) writes a new marker into the state file: when it differs from the one
    /// this process last saw, or the file changed and cannot be read, what this process holds
    /// in memory goes, so the next open reads the keyring (where the forget removed the
    /// entries). One `stat` a click when nothing changed. Called before anything is put in
    /// memory (the first call only looks).
    pub(super) fn catch_up_with_forgets(&self) {
        if self.forgets.forgotten_since(self.state.file()) {
            log::debug!(
                "sessions may have been forgotten elsewhere; dropping those held in memory"
            );
            self.sessions
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clear();
            *self.prepared.lock().unwrap_or_else(|p| p.into_inner()) = PreparedTokens::default();
            self.sources.clear_memory();
        }
    }

    /// Drops cached sessions, prepared tokens and the live state: of one role; of every role
    /// of a gateway and the gateway's MFA session; or all of them. Returns how many role
    /// sessions and MFA sessions were dropped.
    pub async fn forget(&self, req: ForgetRequest) -> Result<usize> {
        for (what, name) in [
            ("Role", &req.role),
            ("Gateway", &req.gateway),
            ("SSO source", &req.sso),
        ] {
            if let Some(n) = name {
                requested_name(what, n)?;
            }
        }
        let config = self.effective_config()?;
        let config = &config.config;
        let named = [&req.role, &req.gateway, &req.sso]
            .iter()
            .filter(|n| n.is_some())
            .count();
        if named > 1 {
            return Err(Error::InvalidParams(
                "Name one role, gateway or SSO source, or none (to forget everything).".into(),
            ));
        }
        let ids = |it: &mut dyn Iterator<Item = &Role>| it.map(|r| r.id.clone()).collect();
        let (roles, gateways, ssos): (Vec<String>, Vec<String>, Vec<String>) =
            match (&req.role, &req.gateway, &req.sso) {
                (Some(r), _, _) => {
                    config
                        .role(r)
                        .ok_or_else(|| Error::UnknownRole(r.clone()))?;
                    (vec![r.clone()], vec![], vec![])
                }
                (_, Some(g), _) => {
                    config
                        .gateway(g)
                        .ok_or_else(|| Error::UnknownGateway(g.clone()))?;
                    (
                        ids(&mut config.roles_of_gateway(g)),
                        vec![g.clone()],
                        vec![],
                    )
                }
                (_, _, Some(s)) => {
                    config
                        .sso_source(s)
                        .ok_or_else(|| Error::UnknownSso(s.clone()))?;
                    (ids(&mut config.roles_of_sso(s)), vec![], vec![s.clone()])
                }
                (None, None, None) => (
                    ids(&mut config.roles.iter()),
                    config.gateways.iter().map(|g| g.name.clone()).collect(),
                    config.sso.iter().map(|s| s.name.clone()).collect(),
                ),
            };
        self.forget_sessions(roles, gateways, ssos).await
    }

    /// A gateway's cached sessions, after its keys changed or it was removed (`gateway
    /// add|remove`): its daily MFA session and the sessions of the roles that name it in the
    /// config as it is now (which may no longer hold the gateway).
    pub async fn forget_gateway(&self, gateway: &str) -> Result<usize> {
        let roles = self
            .effective_config()?
            .config
            .roles_of_gateway(gateway)
            .map(|r| r.id.clone())
            .collect();
        self.forget_sessions(roles, vec![gateway.to_owned()], vec![])
            .await
    }

    /// What a removed role or SSO source left (`role remove`, `sso remove`): cached sessions
    /// and tokens in the keyring, and through the forget marker in running hosts' memory, so
    /// a role or source added again under the name starts afresh.
    pub async fn forget_removed(&self, roles: Vec<String>, ssos: Vec<String>) -> Result<usize> {
        self.forget_sessions(roles, vec![], ssos).await
    }

    /// Drops these roles' sessions, prepared tokens and live state, these gateways' MFA
    /// sessions and these SSO sources' tokens, then writes a new forget marker so that every
    /// running host drops what it holds in memory. Fails when the marker cannot be written:
    /// a forget a running host does not hear of must not be reported as done.
    async fn forget_sessions(
        &self,
        roles: Vec<String>,
        gateways: Vec<String>,
        ssos: Vec<String>,
    ) -> Result<usize> {
        let mut n = 0;
        for r in &roles {
            let lock = self.role_lock(r);
            let _guard = lock.lock().await;
            self.prepared
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .forget(r);
            if self.drop_session(r).await? {
                n += 1;
            }
        }
        for g in &gateways {
            if self.sources.gateway.forget_mfa_session(g).await? {
                n += 1;
            }
        }
        for s in &ssos {
            if self.sources.sso.forget(s).await? {
                n += 1;
            }
        }
        // Queued changes first (the MFA sessions' records among them), then the forget's own
        // write, here, so that its failure is reported.
        self.flush_state().await;
        let file = self.state.file().clone();
        blocking(move || {
            let marker = new_forget_id();
            let written = marker.and_then(|marker| {
                file.update(|s| {
                    for r in &roles {
                        if let Some(st) = s.roles.get_mut(r) {
                            st.console_expires_at = None;
                            st.credentials_expire_at = None;
                        }
                    }
                    for g in &gateways {
                        s.gateways.remove(g);
                    }
                    s.forget_id = Some(marker);
                    s.forget_generation = s.forget_generation.wrapping_add(1);
                })
            });
            written.map_err(|e| Error::StateUnwritable {
                path: file.path().display().to_string(),
                reason: e.to_string(),
            })
        })
        .await?;
        Ok(n)
    }
}
