//! Where a role's temporary credentials come from. The click path asks [`Sources`] for fresh
//! credentials for a role and gets [`Fresh`] back, or the error that says what the user must
//! do first (an MFA code); caching them, the federation call and the console are its own.
//! Two sources: `gateway` (an IAM user's keys and STS AssumeRole) and `sso` (IAM Identity
//! Center: a device-flow token and the portal's GetRoleCredentials).

pub mod gateway;
pub mod sso;

use crate::credentials::TempCredentials;
use crate::error::Result;
use crate::store::config::{Role, Source};
use crate::store::secrets::SecretStore;
use crate::store::state::StateWriter;
use crate::sync::KeyedLocks;
use aws_sdk_sts::config::SharedHttpClient;
use std::sync::Arc;

/// New temporary credentials for a role.
#[derive(Debug, Clone)]
pub struct Fresh {
    pub credentials: TempCredentials,
    /// Made with other temporary credentials (an MFA session), not long-term keys: AWS then
    /// allows consoles of at most an hour.
    pub chained: bool,
}

/// Every credential source, behind one call.
pub struct Sources {
    pub gateway: gateway::GatewaySource,
    pub sso: sso::IdentityCenter,
}

impl Sources {
    pub fn new(secrets: SecretStore, state: Arc<StateWriter>, writes: Arc<KeyedLocks>) -> Sources {
        Sources {
            gateway: gateway::GatewaySource::new(secrets.clone(), state.clone(), writes.clone()),
            sso: sso::IdentityCenter::new(secrets, state, writes),
        }
    }

    /// Forgets what every source holds in memory.
    pub fn clear_memory(&self) {
        self.gateway.clear_memory();
        self.sso.clear_memory();
    }

    /// Fresh credentials for `role` from its source: an MFA code only matters to gateways.
    pub async fn credentials(
        &self,
        http: &SharedHttpClient,
        role: &Role,
        source: Source<'_>,
        mfa_code: Option<&str>,
        timeout: std::time::Duration,
    ) -> Result<Fresh> {
        match source {
            Source::Gateway(g) => {
                self.gateway
                    .credentials(http, role, g, mfa_code, timeout)
                    .await
            }
            Source::Sso(s) => self.sso.credentials(http, role, s, timeout).await,
        }
    }
}
