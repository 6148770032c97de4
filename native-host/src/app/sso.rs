//! IAM Identity Center sign-in (`sso.login`, `sso.wait`) for a source a request names.

use super::{requested_name, App};
use crate::error::{Error, Result};
use crate::sources::sso::DeviceLogin;
use crate::store::config::{Config, SsoSource};
use std::sync::Arc;
use time::OffsetDateTime;

/// `sso.login` and `sso.wait`'s parameters.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SsoRequest {
    pub sso: String,
}

impl App {
    /// `sso.login`: starts an IAM Identity Center sign-in for the source (device
    /// authorization); the host polls for its token in the background.
    pub async fn sso_login(self: &Arc<Self>, req: SsoRequest) -> Result<DeviceLogin> {
        self.catch_up_with_forgets();
        let (config, sso) = self.requested_sso(&req.sso)?;
        let http = &self.http().await?.sts;
        self.sources
            .sso
            .start_login(http, &sso, config.settings.timeout())
            .await
    }

    /// `sso.wait`: resolves when the source's sign-in in progress is approved (the token's
    /// expiry), or fails when it is denied or expires.
    pub async fn sso_wait(&self, req: SsoRequest) -> Result<OffsetDateTime> {
        let (_, sso) = self.requested_sso(&req.sso)?;
        let expires_at = self.sources.sso.wait_login(&sso.name).await;
        self.flush_state().await;
        expires_at
    }

    fn requested_sso(&self, name: &str) -> Result<(Arc<Config>, SsoSource)> {
        requested_name("SSO source", name)?;
        let config = self.config()?;
        let sso = config
            .sso_source(name)
            .ok_or_else(|| Error::UnknownSso(name.to_owned()))?
            .clone();
        Ok((config, sso))
    }
}
