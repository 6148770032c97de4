//! A role's temporary credentials for the AWS CLI, the SDKs and shells
//! (`credential-process`, `export`, `exec`): the click path without the federation call.

use super::open::check_mfa_code;
use super::{source_of, App};
use crate::error::Result;
use crate::sources::MfaCode;
use std::sync::Arc;

/// A role's temporary credentials, for the AWS CLI and shells. `Debug` shows no secret.
#[derive(Debug, Clone)]
pub struct RoleCredentials {
    pub role: String,
    pub account_id: String,
    /// The role's console region (its own, else its source's).
    pub region: String,
    pub credentials: crate::credentials::TempCredentials,
    /// Whether they came from the cache (no call to AWS).
    pub cached: bool,
}

impl App {
    /// A role's temporary credentials for the AWS CLI, the SDKs and shells
    /// (`credential-process`, `export`, `exec`): the console's path without the federation
    /// call, through the same per-role cache, so a console click and a CLI call share one
    /// AssumeRole and one MFA code. Cached credentials are used while they have `min_left`
    /// to live (an SDK refreshes credentials 15 minutes before they expire).
    pub async fn role_credentials(
        self: &Arc<Self>,
        role_id: &str,
        mfa_code: Option<&str>,
        min_left: time::Duration,
    ) -> Result<RoleCredentials> {
        self.catch_up_with_forgets();
        let (config, role) = self.requested_role(role_id)?;
        let source = source_of(&config, &role)?;
        if let Some(code) = mfa_code {
            check_mfa_code(code)?;
        }
        let timeout = config.settings.timeout();
        let lock = self.role_lock(&role.id);
        let _guard = lock.lock().await;
        self.prewarm_http();
        let (session, cached) = self
            .session(
                &role,
                source,
                MfaCode::from_request(mfa_code),
                timeout,
                min_left,
                true,
            )
            .await?;
        let expires = session.credentials.expiration;
        let id = role.id.clone();
        self.record(move |s| {
            s.roles.entry(id).or_default().credentials_expire_at = Some(expires);
        });
        Ok(RoleCredentials {
            role: role.id.clone(),
            account_id: role.account_id.clone(),
            region: config.region_of(&role).to_owned(),
            credentials: session.credentials,
            cached,
        })
    }
}
