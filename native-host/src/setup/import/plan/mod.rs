//! From parsed AWS files and the current rolecall config to the config after an import:
//! pure (no file, keyring or network access), so every decision is unit-tested in this folder.
//!
//! Profiles with `role_arn` + `source_profile` become roles; their source profiles become
//! gateways. IAM Identity Center profiles (`sso_session`, or the legacy `sso_start_url` +
//! `sso_region`, with `sso_account_id` + `sso_role_name`) become SSO roles of an SSO source
//! (the `[sso-session]`, or one per legacy start URL). Everything else is listed with the
//! reason it was not imported.
//!
//! This module holds the plan's public types and [`plan`], which runs the parts in order:
//! - `profiles`: the two files merged into profiles as the SDKs read them;
//! - `roles`: assumed roles: role profiles (`role_arn` + `source_profile`) checked one by
//!   one into candidates, then merged into the config;
//! - `gateways`: IAM user keys: the source profiles those roles need (keys in a file or in
//!   the keyring) become gateways, with their MFA device and the key lines to move;
//! - `sso`: IAM Identity Center profiles → SSO sources and roles;
//! - `others`: every other profile (credential_process, credential_source, web identity,
//!   keys no role profile uses), listed with why it was not imported;
//! - `tests`: the shared fixtures and the tests of the plan as a whole (each part has its own).

mod gateways;
mod others;
mod profiles;
mod roles;
mod sso;
#[cfg(test)]
mod tests;

pub(crate) use profiles::profile_name;

use super::ini::IniFile;
use crate::credentials::LongTermKeys;
use crate::store::config::{Config, MfaMode};
use profiles::merge;
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// Which of the two files a value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FileKind {
    Config,
    Credentials,
}

/// What an import would do to one gateway or role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Add,
    /// The fields that change, as "field: old → new".
    Update(Vec<String>),
    Unchanged,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Keys {
    /// Already in the keyring.
    InKeyring,
    /// Long-term keys found in a file (and maybe also in the keyring).
    InFile {
        file: FileKind,
        access_key_id: String,
        also_in_keyring: bool,
    },
}

#[derive(Debug, Clone)]
pub struct GatewayPlan {
    pub name: String,
    pub action: Action,
    pub keys: Keys,
    /// How it spends MFA codes after the import, when it has an MFA device (a new gateway
    /// gets [`Inputs::new_gateway_mfa_mode`]; an existing one keeps its own).
    pub mfa_mode: Option<MfaMode>,
}

#[derive(Debug, Clone)]
pub struct RolePlan {
    pub id: String,
    /// What it is: the role ARN, or an SSO role's account and permission set.
    pub arn: String,
    /// Where it comes from: `gateway NAME` or `SSO source NAME`.
    pub via: String,
    pub action: Action,
    /// A new role this import marks `risk = "production"` (a word of its profile's name is
    /// prod, production or prd: setup/production.rs).
    pub production: bool,
}

/// What an import would do to one IAM Identity Center source.
#[derive(Debug, Clone)]
pub struct SsoPlan {
    pub name: String,
    pub start_url: String,
    pub action: Action,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub profile: String,
    pub reason: String,
}

/// Keys to store in the keyring and the file lines that hold them.
#[derive(Debug, Clone)]
pub struct KeyMove {
    pub gateway: String,
    pub keys: LongTermKeys,
    /// The file the access key id was read from.
    pub file: FileKind,
    /// 0-based lines to delete, per file: every `aws_access_key_id` and
    /// `aws_secret_access_key` of the profile, and a section header when nothing else is
    /// left in its section.
    pub lines: BTreeMap<FileKind, BTreeSet<usize>>,
}

#[derive(Debug, Clone)]
pub struct Plan {
    /// The config after the import, validated.
    pub config: Config,
    pub gateways: Vec<GatewayPlan>,
    pub sso: Vec<SsoPlan>,
    pub roles: Vec<RolePlan>,
    pub skipped: Vec<Skipped>,
    pub notes: Vec<String>,
    pub key_moves: Vec<KeyMove>,
}

impl Plan {
    pub fn changes_anything(&self) -> bool {
        self.gateways
            .iter()
            .map(|g| &g.action)
            .chain(self.sso.iter().map(|s| &s.action))
            .chain(self.roles.iter().map(|r| &r.action))
            .any(|a| *a != Action::Unchanged)
    }
}

pub struct Inputs<'a> {
    pub config: Option<&'a IniFile>,
    pub credentials: Option<&'a IniFile>,
    /// How to name the files in messages.
    pub credentials_path: &'a str,
    pub existing: &'a Config,
    /// Gateways whose keys are already in the keyring.
    pub keyring_gateways: &'a HashSet<String>,
    /// The MFA mode a new gateway with an MFA device gets (`import --mfa-mode`; daily by
    /// default). Existing gateways keep theirs.
    pub new_gateway_mfa_mode: MfaMode,
}

/// The source profiles role profiles name: the gateways whose keyring entries matter.
pub fn source_profiles(config: Option<&IniFile>, credentials: Option<&IniFile>) -> Vec<String> {
    let mut names: Vec<String> = merge(config, credentials)
        .list
        .iter()
        .filter_map(|p| p.get("source_profile").map(str::to_owned))
        .collect();
    names.sort();
    names.dedup();
    names
}

/// "field: old → new" for each field that differs.
fn diff(fields: &[(&str, Option<&str>, Option<&str>)]) -> Vec<String> {
    fields
        .iter()
        .filter(|(_, old, new)| old != new)
        .map(|(name, old, new)| {
            format!(
                "{name}: {} → {}",
                old.unwrap_or("(none)"),
                new.unwrap_or("(none)")
            )
        })
        .collect()
}

fn action(existed: bool, changes: Vec<String>) -> Action {
    match (existed, changes.is_empty()) {
        (false, _) => Action::Add,
        (true, true) => Action::Unchanged,
        (true, false) => Action::Update(changes),
    }
}

pub fn plan(inputs: &Inputs<'_>) -> Result<Plan, String> {
    let profiles = merge(inputs.config, inputs.credentials);
    let mut notes = profiles.notes.clone();
    let mut skipped = Vec::new();
    let (candidates, sources) = roles::candidates(&profiles, inputs, &mut skipped);

    let mut config = inputs.existing.clone();
    let (gateways, key_moves) = gateways::plan_gateways(
        sources,
        &candidates,
        &profiles,
        inputs,
        &mut config,
        &mut notes,
    );
    let mut roles = roles::merge_roles(candidates, &mut config);

    let sso = sso::plan_sso(
        &profiles,
        inputs.config,
        &mut config,
        &mut roles,
        &mut skipped,
    );

    others::list_others(&profiles, &roles, &gateways, &mut skipped);

    // In the order the files list them, as the user reads them.
    let order = |name: &str| profiles.list.iter().position(|p| p.name == name);
    skipped.sort_by_key(|s| order(&s.profile));

    config.validate()?;
    Ok(Plan {
        config,
        gateways,
        sso,
        roles,
        skipped,
        notes,
        key_moves,
    })
}
