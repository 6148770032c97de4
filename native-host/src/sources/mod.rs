//! Where a role's temporary credentials come from. The click path asks [`Sources`] for fresh
//! credentials for a role and gets [`Fresh`] back, or the error that says what the user must
//! do first (an MFA code); caching them, the federation call and the console are its own.
//! Today's source: `gateway` (an IAM user's keys and STS AssumeRole).

pub mod gateway;

use crate::credentials::TempCredentials;
use crate::error::Result;
use crate::store::config::{Gateway, Role};
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
}

impl Sources {
    pub fn new(secrets: SecretStore, state: Arc<StateWriter>, writes: Arc<KeyedLocks>) -> Sources {
        Sources {
            gateway: gateway::GatewaySource::new(secrets, state, writes),
        }
    }

    /// Fresh credentials for `role` from the source it names.
    pub async fn credentials(
        &self,
        http: &SharedHttpClient,
        role: &Role,
        gateway: &Gateway,
        mfa_code: Option<&str>,
        timeout: std::time::Duration,
    ) -> Result<Fresh> {
        self.gateway
            .credentials(http, role, gateway, mfa_code, timeout)
            .await
    }
}
