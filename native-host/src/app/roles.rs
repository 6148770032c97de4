//! The roles with their live consoles (`roles.list`'s [`RoleView`]), from the config, its
//! catalogues and the state file. Paging and the compact form are `listing.rs`.

use super::live::{self, SessionView};
use super::App;
use crate::error::Result;
use crate::store::config::{self, Gateway, Source};
use serde::Serialize;
use time::OffsetDateTime;

#[derive(Debug, Clone, Serialize)]
pub struct RoleView {
    pub id: String,
    pub label: String,
    pub account_id: String,
    pub role_name: String,
    /// `gateway` or `sso`: where the role's credentials come from.
    pub source: &'static str,
    /// The gateway's or the SSO source's name.
    pub source_name: String,
    /// The gateway (gateway roles), else null.
    pub gateway: Option<String>,
    /// The IAM Identity Center source (SSO roles), else null.
    pub sso: Option<String>,
    pub region: String,
    pub partition: &'static str,
    pub group: Option<String>,
    pub color: String,
    pub icon: String,
    /// `production` (the role's or its group's), else null.
    pub risk: Option<&'static str>,
    /// Named console pages.
    pub links: Vec<config::Link>,
    pub mfa: bool,
    /// `per_role` or `daily`: how the gateway spends MFA codes.
    pub mfa_mode: &'static str,
    /// Whether the gateway gets codes from its MFA command (`mfa_process`): an open that
    /// needs a code runs it (maybe waiting for a key's touch) before it asks (protocol 7).
    pub mfa_process: bool,
    /// The role's live console, or null.
    pub session: Option<SessionView>,
    /// Whether the role's next open needs an MFA code (no cached credentials, no live daily
    /// MFA session), whether or not it has a live console.
    pub needs_code: bool,
    /// Whether the role's next open needs a sign-in to IAM Identity Center.
    pub needs_login: bool,
    /// Whether a browser is running on the role's isolated-window data directory.
    pub window_open: bool,
    /// The shared catalogue the role comes from (read-only: change it there), or null for
    /// a role of the user's own config.
    pub catalog: Option<String>,
    /// For a role of the user's own config: the catalogue whose role of the same id it
    /// hides, else null.
    pub shadows_catalog: Option<String>,
}

impl App {
    /// The roles with their live consoles. Reads the config and the state file; no keyring,
    /// no network. Call [`App::flush_state`] first to see this process's latest opens.
    pub fn list_roles(&self) -> Result<Vec<RoleView>> {
        let effective = self.effective_config()?;
        let config = &effective.config;
        let state = self.state.file().load();
        let now = OffsetDateTime::now_utc();
        // Which roles have a browser running on their data directory: only roles with a
        // directory can, so look at those (one folder read, not a lookup per role).
        let profiles = crate::browser::profiles::profiles_dir();
        let with_dirs: std::collections::HashSet<String> = std::fs::read_dir(&profiles)
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        Ok(config
            .roles
            .iter()
            .map(|r| {
                let source = config.source_of(r);
                let g = match source {
                    Some(Source::Gateway(g)) => Some(g),
                    _ => None,
                };
                let role_state = state.roles.get(&r.id);
                let live = live::SourceLive::of(source, &state);
                let next = live::renewable(role_state, live, now);
                let risk = r.risk_in(config);
                RoleView {
                    id: r.id.clone(),
                    label: r.label().to_owned(),
                    account_id: r.account_id.clone(),
                    role_name: r.role_name.clone(),
                    source: source.map_or("gateway", |s| s.kind()),
                    source_name: r.source_name().to_owned(),
                    gateway: r.gateway.clone(),
                    sso: r.sso.clone(),
                    region: config.region_of(r).to_owned(),
                    partition: config.partition_of(r).id(),
                    group: r.group.clone(),
                    color: r.color_with(risk).to_owned(),
                    icon: r.icon().to_owned(),
                    risk: risk.map(|r| r.id()),
                    links: r.links.clone(),
                    mfa: g.is_some_and(|g| g.mfa_serial.is_some()),
                    mfa_mode: g.map(Gateway::mfa_mode).unwrap_or_default().id(),
                    mfa_process: g.is_some_and(|g| g.mfa_process().is_some()),
                    session: live::session_view(role_state, live, now),
                    needs_code: next == live::Renewable::Mfa,
                    needs_login: next == live::Renewable::SsoLogin,
                    window_open: with_dirs.contains(&r.id)
                        && crate::browser::profiles::profile_dir(&profiles, &r.id)
                            .is_some_and(|d| crate::browser::profiles::is_running(&d)),
                    catalog: effective.catalog_of(&r.id).map(str::to_owned),
                    shadows_catalog: effective.shadows.get(&r.id).cloned(),
                }
            })
            .collect())
    }
}
