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

/// What a caller brings for a gateway's MFA device.
#[derive(Clone, Copy, Debug)]
pub enum MfaCode<'a> {
    /// A code the user gave.
    Given(&'a str),
    /// None given: the gateway's `mfa_process` may be run for one (a click, a CLI call).
    Fetch,
    /// None, and nothing may be run for one: `console.prepare` (a YubiKey must not blink
    /// for a role nobody clicked).
    Absent,
}

impl<'a> MfaCode<'a> {
    /// A request's code, or the gateway's command when it gave none.
    pub fn from_request(code: Option<&'a str>) -> MfaCode<'a> {
        code.map_or(MfaCode::Fetch, MfaCode::Given)
    }
}

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
        mfa_code: MfaCode<'_>,
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
