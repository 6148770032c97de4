//! From parsed AWS files and the current rolecall config to the config after an import:
//! pure (no file, keyring or network access), so every decision is unit-tested here.
//!
//! Profiles with `role_arn` + `source_profile` become roles; their source profiles become
//! gateways. IAM Identity Center profiles (`sso_session`, or the legacy `sso_start_url` +
//! `sso_region`, with `sso_account_id` + `sso_role_name`) become SSO roles of an SSO source
//! (the `[sso-session]`, or one per legacy start URL). Everything else is listed with the
//! reason it was not imported.

use super::ini::{IniFile, Property};
use crate::console::partition::Partition;
use crate::credentials::LongTermKeys;
use crate::store::config::{is_valid_name, Config, Gateway, Role, SsoSource};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// Which of the two files a value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FileKind {
    Config,
    Credentials,
}

#[derive(Debug, Clone)]
struct Value {
    text: String,
    file: FileKind,
}

/// A profile as the SDKs see it: config and credentials merged, credentials winning.
#[derive(Debug, Clone, Default)]
struct Profile {
    name: String,
    values: HashMap<String, Value>,
}

impl Profile {
    fn get(&self, key: &str) -> Option<&str> {
        self.values
            .get(key)
            .map(|v| v.text.as_str())
            .filter(|v| !v.is_empty())
    }

    /// The first of `keys` this profile sets.
    fn first_set(&self, keys: &[&'static str]) -> Option<&'static str> {
        keys.iter().copied().find(|k| self.get(k).is_some())
    }
}

/// Why a profile cannot give rolecall a gateway's long-term keys, if it cannot.
fn indirect_credentials(p: &Profile) -> Option<String> {
    let what = p.first_set(&[
        "sso_start_url",
        "sso_session",
        "sso_account_id",
        "credential_process",
        "credential_source",
        "web_identity_token_file",
    ])?;
    Some(match what {
        "credential_process" => "it gets credentials from credential_process; rolecall runs no external credential helper and needs an IAM user's long-term keys".into(),
        "credential_source" => format!("it takes credentials from credential_source = {} (the environment or an instance role); rolecall needs an IAM user's long-term keys", p.get("credential_source").unwrap_or_default()),
        "web_identity_token_file" => "it uses a web identity token (web_identity_token_file); rolecall needs an IAM user's long-term keys".into(),
        _ => "it signs in through AWS IAM Identity Center (SSO), which gives rolecall no gateway keys for other profiles' roles; SSO profiles with sso_account_id and sso_role_name are imported as SSO roles".into(),
    })
}

/// The merged profiles of both files, in the order they first appear (config first).
struct Profiles {
    list: Vec<Profile>,
    notes: Vec<String>,
}

impl Profiles {
    fn get(&self, name: &str) -> Option<&Profile> {
        self.list.iter().find(|p| p.name == name)
    }
}

/// `"name"` or `'name'` without its quotes.
fn unquote(s: &str) -> Option<&str> {
    ['"', '\'']
        .into_iter()
        .find_map(|q| s.strip_prefix(q)?.strip_suffix(q))
}

/// The profile a section header names: `Ok(None)` for a section that is not meant as one
/// (`[sso-session x]`), `Err(note)` for one that looks like a mistake.
pub(crate) fn profile_name(header: &str, file: FileKind) -> Result<Option<String>, String> {
    let ws = [' ', '\t'];
    let prefixed = header
        .strip_prefix("profile")
        .filter(|r| r.starts_with(ws))
        .map(|r| r.trim_matches(ws));
    let (name, quoted) = match file {
        FileKind::Credentials => {
            if let Some(rest) = prefixed {
                return Err(format!(
                    "section [{header}] of the credentials file is not a profile (profiles there are written [{}], without `profile`); ignored",
                    unquote(rest).unwrap_or(rest)
                ));
            }
            // Only the config file's `[profile "x"]` loses its quotes in botocore (the SDKs
            // refuse quotes in any name): here the name would keep them, so nobody reads x.
            if let Some(inner) = unquote(header) {
                return Err(format!(
                    "section [{header}] of the credentials file is not profile '{inner}' (the AWS CLI keeps quotes in names there; write [{inner}]); ignored"
                ));
            }
            (header, false)
        }
        FileKind::Config => {
            if header == "default" {
                ("default", false)
            } else if let Some(rest) = prefixed {
                // botocore splits `profile NAME` like a shell, so `[profile "prod"]` is prod
                // (and `[profile "a b"]` is "a b"); the SDKs ignore a quoted name as invalid,
                // so no reference reads it any other way.
                match unquote(rest) {
                    Some(inner) => (inner, true),
                    None => (rest, false),
                }
            } else if header.starts_with("sso-session")
                || header.starts_with("services")
                || header == "plugins"
                || header == "preview"
            {
                return Ok(None);
            } else {
                return Err(format!(
                    "section [{header}] of the config file is not a profile (profiles there are written [profile {header}]); ignored"
                ));
            }
        }
    };
    // Unquoted, whitespace splits the header into more words than botocore reads as one.
    if name.is_empty() || (!quoted && name.contains(ws)) {
        return Err(format!(
            "section [{header}] does not name a valid profile; ignored"
        ));
    }
    Ok(Some(name.to_owned()))
}

fn merge(config: Option<&IniFile>, credentials: Option<&IniFile>) -> Profiles {
    let mut out = Profiles {
        list: Vec::new(),
        notes: Vec::new(),
    };
    // The SDKs' shared-config spec: in the config file, `[profile default]` replaces
    // `[default]` wherever each stands. (botocore keeps whichever comes last; the SDKs'
    // rule is the one that does not depend on order.)
    let profile_default = config.is_some_and(|ini| {
        ini.sections.iter().any(|s| {
            s.header != "default"
                && matches!(profile_name(&s.header, FileKind::Config), Ok(Some(n)) if n == "default")
        })
    });
    let bare_default = config.is_some_and(|ini| ini.sections.iter().any(|s| s.header == "default"));
    if profile_default && bare_default {
        out.notes.push("The config file has both [default] and [profile default]: as the AWS SDKs do, rolecall reads [profile default] and ignores [default] (the AWS CLI reads whichever comes last); merge them into one section.".into());
    }
    for (file, ini) in [
        (FileKind::Config, config),
        (FileKind::Credentials, credentials),
    ] {
        let Some(ini) = ini else { continue };
        for section in &ini.sections {
            if section.header.is_empty() {
                continue; // a broken header, already warned about
            }
            if file == FileKind::Config && profile_default && section.header == "default" {
                continue;
            }
            let name = match profile_name(&section.header, file) {
                Ok(Some(n)) => n,
                Ok(None) => continue,
                Err(note) => {
                    out.notes.push(note);
                    continue;
                }
            };
            let idx = match out.list.iter().position(|p| p.name == name) {
                Some(i) => i,
                None => {
                    out.list.push(Profile {
                        name,
                        values: HashMap::new(),
                    });
                    out.list.len() - 1
                }
            };
            for Property { key, value, .. } in &section.properties {
                out.list[idx].values.insert(
                    key.clone(),
                    Value {
                        text: value.clone(),
                        file,
                    },
                );
            }
        }
    }
    out
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
}

#[derive(Debug, Clone)]
pub struct RolePlan {
    pub id: String,
    /// What it is: the role ARN, or an SSO role's account and permission set.
    pub arn: String,
    /// Where it comes from: `gateway NAME` or `SSO source NAME`.
    pub via: String,
    pub action: Action,
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

struct ParsedArn {
    partition: String,
    account: String,
    role_name: String,
}

fn parse_role_arn(arn: &str) -> Option<ParsedArn> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, partition, service, region, account, resource] = parts.as_slice() else {
        return None;
    };
    let role_name = resource.strip_prefix("role/")?;
    (*prefix == "arn" && *service == "iam" && region.is_empty() && !role_name.is_empty()).then(
        || ParsedArn {
            partition: (*partition).to_owned(),
            account: (*account).to_owned(),
            role_name: role_name.to_owned(),
        },
    )
}

/// A region of the partition, for a role whose profile names none.
fn partition_default_region(partition: &str) -> Option<&'static str> {
    match partition {
        "aws" => Some(crate::store::config::DEFAULT_REGION),
        "aws-us-gov" => Some("us-gov-west-1"),
        "aws-cn" => Some("cn-north-1"),
        _ => None,
    }
}

/// Where a gateway's keys come from, or why the profile cannot be one.
enum Source {
    FileKeys(KeyMove),
    Keyring,
}

fn source_for(
    role_profile: &Profile,
    source: &str,
    profiles: &Profiles,
    inputs: &Inputs<'_>,
) -> Result<Source, String> {
    let s = profiles.get(source);
    let chain = s.is_some_and(|s| s.name != role_profile.name && s.get("role_arn").is_some());
    if chain {
        return Err(format!(
            "role chain: its source_profile '{source}' itself assumes a role; AWS caps consoles from chained roles at 1 hour, and rolecall assumes roles only from a gateway's own keys"
        ));
    }
    if let Some(s) = s {
        let id = s.values.get("aws_access_key_id");
        let secret = s.values.get("aws_secret_access_key");
        // `aws_access_key_id =` holds no key: both empty is no keys, not one of two.
        let set = |v: &&Value| !v.text.is_empty();
        match (id.filter(set), secret.filter(set)) {
            (Some(id), Some(secret)) => {
                if s.get("aws_session_token").is_some() || id.text.starts_with("ASIA") {
                    return Err(format!(
                        "its source_profile '{source}' holds temporary credentials (aws_session_token / ASIA…); a gateway needs an IAM user's long-term keys"
                    ));
                }
                return Ok(Source::FileKeys(key_move(source, id, secret, inputs)));
            }
            (None, None) => {}
            _ => {
                if !inputs.keyring_gateways.contains(source) {
                    return Err(format!(
                        "its source_profile '{source}' has only one of aws_access_key_id and aws_secret_access_key"
                    ));
                }
            }
        }
    }
    if inputs.keyring_gateways.contains(source) {
        return Ok(Source::Keyring);
    }
    let Some(s) = s else {
        return Err(format!(
            "its source_profile '{source}' is in neither the config nor the credentials file"
        ));
    };
    if let Some(why) = indirect_credentials(s) {
        return Err(format!(
            "its source_profile '{source}' cannot be a gateway: {why}"
        ));
    }
    let empty = ["aws_access_key_id", "aws_secret_access_key"]
        .iter()
        .any(|k| s.values.contains_key(*k));
    Err(format!(
        "missing keys: source_profile '{source}' has no aws_access_key_id/aws_secret_access_key{} in {}. If you keep them elsewhere (aws-vault, say), store them with `rolecall gateway add {source} --access-key-id <ID>` and import again",
        if empty { " (only empty ones)" } else { "" },
        inputs.credentials_path
    ))
}

fn key_move(gateway: &str, id: &Value, secret: &Value, inputs: &Inputs<'_>) -> KeyMove {
    let mut lines = BTreeMap::new();
    for (kind, ini) in [
        (FileKind::Config, inputs.config),
        (FileKind::Credentials, inputs.credentials),
    ] {
        let Some(ini) = ini else { continue };
        // Every key property of the profile goes, wherever it is: the id and the secret may
        // sit in different files, and a repeated section or key may hold another pair that
        // the one read shadows. Left behind, that older pair would be moved into the
        // keyring, over the right one, by the next import. A [default] ignored beside
        // [profile default] goes too: the AWS CLI may read it. Each file is backed up first.
        let mut drop = BTreeSet::new();
        let mut touched = BTreeSet::new();
        for (si, sec) in ini.sections.iter().enumerate() {
            if !matches!(profile_name(&sec.header, kind), Ok(Some(n)) if n == gateway) {
                continue;
            }
            for p in &sec.properties {
                if p.key == "aws_access_key_id" || p.key == "aws_secret_access_key" {
                    drop.extend(p.first_line..p.end_line);
                    touched.insert(si);
                }
            }
        }
        // Drop a section header whose every property goes: `[corp]` with nothing under it.
        for si in touched {
            let sec = &ini.sections[si];
            let emptied = sec
                .properties
                .iter()
                .all(|p| (p.first_line..p.end_line).all(|l| drop.contains(&l)));
            if emptied {
                drop.insert(sec.line);
                // And the blank lines that separated it from the next section.
                let next = ini.sections.get(si + 1).map_or(ini.lines.len(), |n| n.line);
                let last = sec.properties.last().map_or(sec.line, |p| p.end_line - 1);
                drop.extend((last + 1..next).filter(|&l| ini.lines[l].trim().is_empty()));
            }
        }
        if !drop.is_empty() {
            lines.insert(kind, drop);
        }
    }
    KeyMove {
        gateway: gateway.to_owned(),
        keys: LongTermKeys {
            access_key_id: id.text.clone(),
            secret_access_key: secret.text.clone(),
        },
        file: id.file,
        lines,
    }
}

/// A role profile that passed every check, before gateways are merged.
struct Candidate {
    profile: String,
    role: Role,
    arn: String,
    mfa_serial: Option<String>,
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
    let mut candidates: Vec<Candidate> = Vec::new();
    // Gateway name → how its keys are had, in first-use order.
    let mut sources: Vec<(String, Source)> = Vec::new();

    for p in &profiles.list {
        let Some(role_arn) = p.get("role_arn") else {
            continue;
        };
        let skip = |reason: String| Skipped {
            profile: p.name.clone(),
            reason,
        };
        // botocore raises InvalidConfigError for this (even with either value empty), and
        // the SDKs refuse it too, so no AWS tool has this role to open.
        if p.values.contains_key("source_profile") && p.values.contains_key("credential_source") {
            skipped.push(skip(
                "it sets both source_profile and credential_source, which the AWS CLI and SDKs refuse as invalid; keep only source_profile to import it".into(),
            ));
            continue;
        }
        let Some(source) = p.get("source_profile") else {
            let reason = match p.first_set(&["credential_source", "web_identity_token_file"]) {
                Some(_) => indirect_credentials(p).unwrap_or_default(),
                None => {
                    "it has role_arn but no source_profile, so no gateway to assume it from".into()
                }
            };
            skipped.push(skip(reason));
            continue;
        };
        let gateway_keys = match source_for(p, source, &profiles, inputs) {
            Ok(s) => s,
            Err(reason) => {
                skipped.push(skip(reason));
                continue;
            }
        };
        let Some(arn) = parse_role_arn(role_arn) else {
            skipped.push(skip(format!(
                "role_arn '{role_arn}' is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)"
            )));
            continue;
        };
        let Some(partition_region) = partition_default_region(&arn.partition) else {
            skipped.push(skip(format!(
                "partition '{}' of its role_arn is not one rolecall supports (aws, aws-us-gov, aws-cn)",
                arn.partition
            )));
            continue;
        };
        let duration_seconds = match p.get("duration_seconds") {
            None => None,
            Some(d) => match d.parse::<u32>() {
                Ok(v) => Some(v),
                Err(_) => {
                    skipped.push(skip(format!(
                        "duration_seconds '{d}' is not a number of seconds"
                    )));
                    continue;
                }
            },
        };
        let existing_role = inputs.existing.role(&p.name);
        let existing_gateway = inputs.existing.gateway(source);
        let gateway_region = profiles
            .get(source)
            .and_then(|s| s.get("region"))
            .map(str::to_owned)
            .or_else(|| existing_gateway.and_then(|g| g.region.clone()));
        // rolecall derives the partition from the region: keep them in agreement.
        let mut region = p
            .get("region")
            .map(str::to_owned)
            .or_else(|| existing_role.and_then(|r| r.region.clone()));
        let effective = region
            .clone()
            .or_else(|| gateway_region.clone())
            .unwrap_or_else(|| crate::store::config::DEFAULT_REGION.to_owned());
        if Partition::for_region(&effective).id() != arn.partition {
            if p.get("region").is_some() {
                skipped.push(skip(format!(
                    "its region {effective} is not in the partition of its role_arn ({})",
                    arn.partition
                )));
                continue;
            }
            region = Some(partition_region.to_owned());
        }
        // Fields only rolecall knows (label, group, colour, icon, console length) are kept.
        let mut role = existing_role.cloned().unwrap_or(Role {
            id: p.name.clone(),
            ..Role::default()
        });
        role.account_id = arn.account;
        role.role_name = arn.role_name;
        role.gateway = Some(source.to_owned());
        role.sso = None;
        role.region = region;
        if let Some(x) = p.get("external_id") {
            role.external_id = Some(x.to_owned());
        }
        if let Some(x) = p.get("role_session_name") {
            role.session_name = Some(x.to_owned());
        }
        if duration_seconds.is_some() {
            role.duration_seconds = duration_seconds;
        }
        // Check this role on its own now, so one bad profile is skipped with its reason
        // rather than failing the whole import.
        // Its mfa_serial goes on the gateway: check it here too, or a bad one would fail
        // the whole import when the gateways are put together.
        let gateway = Gateway {
            name: source.to_owned(),
            region: gateway_region,
            mfa_serial: p.get("mfa_serial").map(str::to_owned),
            session_name: existing_gateway.and_then(|g| g.session_name.clone()),
            ..Gateway::default()
        };
        let alone = Config {
            gateways: vec![gateway],
            roles: vec![role.clone()],
            ..Config::default()
        };
        if let Err(reason) = alone.validate() {
            skipped.push(skip(reason));
            continue;
        }
        if !sources.iter().any(|(n, _)| n == source) {
            sources.push((source.to_owned(), gateway_keys));
        }
        candidates.push(Candidate {
            profile: p.name.clone(),
            arn: role_arn.to_owned(),
            mfa_serial: p.get("mfa_serial").map(str::to_owned),
            role,
        });
    }

    let mut config = inputs.existing.clone();
    let mut gateways = Vec::new();
    let mut key_moves = Vec::new();
    for (name, keys) in sources {
        let source_profile = profiles.get(&name);
        let users: Vec<&Candidate> = candidates
            .iter()
            .filter(|c| c.role.gateway.as_deref() == Some(name.as_str()))
            .collect();
        let mfa = gateway_mfa(&name, &users, source_profile, &mut notes);
        let existing = config.gateways.iter().position(|g| g.name == name);
        let old = existing.map(|i| config.gateways[i].clone());
        let mut g = old.clone().unwrap_or(Gateway {
            name: name.clone(),
            region: None,
            mfa_serial: None,
            session_name: None,
            ..Gateway::default()
        });
        if let Some(r) = source_profile.and_then(|s| s.get("region")) {
            g.region = Some(r.to_owned());
        }
        if mfa.is_some() {
            g.mfa_serial = mfa;
        }
        let changes = old.as_ref().map_or_else(Vec::new, |o| {
            diff(&[
                ("region", o.region.as_deref(), g.region.as_deref()),
                (
                    "mfa_serial",
                    o.mfa_serial.as_deref(),
                    g.mfa_serial.as_deref(),
                ),
            ])
        });
        let keys = match keys {
            Source::Keyring => Keys::InKeyring,
            Source::FileKeys(m) => {
                let k = Keys::InFile {
                    file: m.file,
                    access_key_id: m.keys.access_key_id.clone(),
                    also_in_keyring: inputs.keyring_gateways.contains(&name),
                };
                key_moves.push(m);
                k
            }
        };
        gateways.push(GatewayPlan {
            name: name.clone(),
            action: action(old.is_some(), changes),
            keys,
        });
        match existing {
            Some(i) => config.gateways[i] = g,
            None => config.gateways.push(g),
        }
    }

    let mut roles = Vec::new();
    for c in candidates {
        let existing = config.roles.iter().position(|r| r.id == c.role.id);
        let changes = existing.map_or_else(Vec::new, |i| {
            let o = &config.roles[i];
            let n = &c.role;
            let (od, nd) = (
                o.duration_seconds.map(|d| d.to_string()),
                n.duration_seconds.map(|d| d.to_string()),
            );
            diff(&[
                (
                    "account",
                    Some(o.account_id.as_str()),
                    Some(n.account_id.as_str()),
                ),
                (
                    "role_name",
                    Some(o.role_name.as_str()),
                    Some(n.role_name.as_str()),
                ),
                ("gateway", o.gateway.as_deref(), n.gateway.as_deref()),
                ("region", o.region.as_deref(), n.region.as_deref()),
                (
                    "external_id",
                    o.external_id.as_deref(),
                    n.external_id.as_deref(),
                ),
                (
                    "session_name",
                    o.session_name.as_deref(),
                    n.session_name.as_deref(),
                ),
                ("duration_seconds", od.as_deref(), nd.as_deref()),
            ])
        });
        roles.push(RolePlan {
            id: c.role.id.clone(),
            arn: c.arn,
            via: format!("gateway {}", c.role.source_name()),
            action: action(existing.is_some(), changes),
        });
        match existing {
            Some(i) => config.roles[i] = c.role,
            None => config.roles.push(c.role),
        }
    }

    let sso = plan_sso(
        &profiles,
        inputs.config,
        &mut config,
        &mut roles,
        &mut skipped,
    );

    // Every other profile, with why it was not imported.
    let imported: HashSet<&str> = roles
        .iter()
        .map(|r| r.id.as_str())
        .chain(gateways.iter().map(|g| g.name.as_str()))
        .collect();
    let already: HashSet<String> = skipped.iter().map(|s| s.profile.clone()).collect();
    for p in &profiles.list {
        if imported.contains(p.name.as_str()) || already.contains(&p.name) {
            continue;
        }
        let users: Vec<&str> = profiles
            .list
            .iter()
            .filter(|q| q.name != p.name && q.get("source_profile") == Some(p.name.as_str()))
            .map(|q| q.name.as_str())
            .collect();
        let reason = if !users.is_empty() {
            // Its roles' reasons name it; its own line says why too.
            let why = indirect_credentials(p).map_or_else(String::new, |w| format!(", and {w}"));
            format!(
                "it is source_profile only to skipped profiles ({}){why}",
                users.join(", ")
            )
        } else if let Some(why) = indirect_credentials(p) {
            why
        } else if p.get("aws_access_key_id").is_some() {
            "it holds keys, but no role profile uses it as source_profile (add it with `rolecall gateway add` if you want it as a gateway)".into()
        } else {
            "no role_arn and no keys: nothing for rolecall here".into()
        };
        skipped.push(Skipped {
            profile: p.name.clone(),
            reason,
        });
    }

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

/// `[sso-session NAME]` sections of the config file: start URL and region.
fn sso_sessions(config: Option<&IniFile>) -> HashMap<String, (Option<String>, Option<String>)> {
    let mut out = HashMap::new();
    for section in config.map(|c| c.sections.as_slice()).unwrap_or_default() {
        let Some(name) = section
            .header
            .strip_prefix("sso-session")
            .filter(|r| r.starts_with([' ', '\t']))
            .map(|r| r.trim())
        else {
            continue;
        };
        let get = |k: &str| {
            section
                .properties
                .iter()
                .rev()
                .find(|p| p.key == k)
                .map(|p| p.value.clone())
                .filter(|v| !v.is_empty())
        };
        out.insert(
            unquote(name).unwrap_or(name).to_owned(),
            (get("sso_start_url"), get("sso_region")),
        );
    }
    out
}

/// A rolecall name from a session name or a start URL's first host label.
fn sso_name_from(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.@+".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    out.truncate(64);
    if is_valid_name(&out) {
        out
    } else {
        "sso".into()
    }
}

/// IAM Identity Center profiles → SSO sources and roles (in `config`, `roles`, `skipped`).
fn plan_sso(
    profiles: &Profiles,
    config_file: Option<&IniFile>,
    config: &mut Config,
    roles: &mut Vec<RolePlan>,
    skipped: &mut Vec<Skipped>,
) -> Vec<SsoPlan> {
    let sessions = sso_sessions(config_file);
    let mut sources: Vec<SsoPlan> = Vec::new();
    for p in &profiles.list {
        if p.get("role_arn").is_some() {
            continue; // a role profile, planned (or refused) above
        }
        let (Some(account), Some(role_name)) = (p.get("sso_account_id"), p.get("sso_role_name"))
        else {
            continue; // listed below with its reason, if it is SSO at all
        };
        let skip = |reason: String| Skipped {
            profile: p.name.clone(),
            reason,
        };
        // Where it signs in: its sso-session, or the legacy settings in the profile.
        let (name, start_url, region) = match p.get("sso_session") {
            Some(session) => match sessions.get(session) {
                Some((Some(url), Some(region))) => {
                    (sso_name_from(session), url.clone(), region.clone())
                }
                Some(_) => {
                    skipped.push(skip(format!(
                        "its [sso-session {session}] lacks sso_start_url or sso_region"
                    )));
                    continue;
                }
                None => {
                    skipped.push(skip(format!(
                        "it names sso_session {session}, which the config file does not define"
                    )));
                    continue;
                }
            },
            None => match (p.get("sso_start_url"), p.get("sso_region")) {
                (Some(url), Some(region)) => {
                    // One source per start URL: an existing one of that URL, else one named
                    // after the portal (my-company.awsapps.com → my-company).
                    let known = config
                        .sso
                        .iter()
                        .find(|s| s.start_url == url)
                        .map(|s| s.name.clone());
                    let host = url::Url::parse(url)
                        .ok()
                        .and_then(|u| {
                            u.host_str()
                                .map(|h| h.split('.').next().unwrap_or(h).to_owned())
                        })
                        .unwrap_or_else(|| "sso".into());
                    (
                        known.unwrap_or_else(|| sso_name_from(&host)),
                        url.to_owned(),
                        region.to_owned(),
                    )
                }
                _ => {
                    skipped.push(skip("it has sso_account_id and sso_role_name but no sso_session, nor sso_start_url and sso_region".into()));
                    continue;
                }
            },
        };
        let source = SsoSource {
            name: name.clone(),
            start_url: start_url.clone(),
            region,
        };
        let existing_role = config.role(&p.name).cloned();
        let mut role = existing_role.clone().unwrap_or(Role {
            id: p.name.clone(),
            ..Role::default()
        });
        role.account_id = account.to_owned();
        role.role_name = role_name.to_owned();
        role.sso = Some(name.clone());
        role.gateway = None;
        role.external_id = None;
        if let Some(r) = p.get("region") {
            role.region = Some(r.to_owned());
        }
        let alone = Config {
            sso: vec![source.clone()],
            roles: vec![role.clone()],
            ..Config::default()
        };
        if let Err(reason) = alone.validate() {
            skipped.push(skip(reason));
            continue;
        }
        // The source: added, updated in place, or as it was.
        if !sources.iter().any(|s| s.name == name) {
            let old = config.sso.iter().position(|s| s.name == name);
            let changes = old.map_or_else(Vec::new, |i| {
                let o = &config.sso[i];
                diff(&[
                    (
                        "start_url",
                        Some(o.start_url.as_str()),
                        Some(source.start_url.as_str()),
                    ),
                    (
                        "region",
                        Some(o.region.as_str()),
                        Some(source.region.as_str()),
                    ),
                ])
            });
            match old {
                Some(i) => config.sso[i] = source,
                None => config.sso.push(source),
            }
            sources.push(SsoPlan {
                name: name.clone(),
                start_url,
                action: action(old.is_some(), changes),
            });
        }
        let changes = existing_role.as_ref().map_or_else(Vec::new, |o| {
            diff(&[
                (
                    "account",
                    Some(o.account_id.as_str()),
                    Some(role.account_id.as_str()),
                ),
                (
                    "role_name",
                    Some(o.role_name.as_str()),
                    Some(role.role_name.as_str()),
                ),
                ("gateway", o.gateway.as_deref(), None),
                ("sso", o.sso.as_deref(), role.sso.as_deref()),
                ("region", o.region.as_deref(), role.region.as_deref()),
            ])
        });
        roles.push(RolePlan {
            id: role.id.clone(),
            arn: format!("{account} {role_name}"),
            via: format!("SSO source {name}"),
            action: action(existing_role.is_some(), changes),
        });
        match config.roles.iter().position(|r| r.id == role.id) {
            Some(i) => config.roles[i] = role,
            None => config.roles.push(role),
        }
    }
    sources
}

/// rolecall asks for an MFA code per gateway; AWS profiles name a device per role profile.
/// Use the one the gateway's role profiles name (else the source profile's own), and say so
/// when they disagree.
fn gateway_mfa(
    gateway: &str,
    users: &[&Candidate],
    source: Option<&Profile>,
    notes: &mut Vec<String>,
) -> Option<String> {
    let with: Vec<(&str, &str)> = users
        .iter()
        .filter_map(|c| c.mfa_serial.as_deref().map(|s| (c.profile.as_str(), s)))
        .collect();
    let Some(&(_, chosen)) = with.first() else {
        let own = source.and_then(|s| s.get("mfa_serial"))?;
        if let Err(e) = crate::store::config::check_mfa_serial(own) {
            notes.push(format!(
                "The mfa_serial of profile '{gateway}' is ignored: {e}. Set it with `rolecall gateway set {gateway} --mfa-serial ARN`."
            ));
            return None;
        }
        return Some(own.to_owned());
    };
    let distinct: BTreeSet<&str> = with.iter().map(|(_, s)| *s).collect();
    if distinct.len() > 1 {
        let listed: Vec<String> = with.iter().map(|(p, s)| format!("{p}: {s}")).collect();
        notes.push(format!(
            "The profiles of gateway '{gateway}' name different MFA devices ({}). rolecall asks for MFA per gateway and will use {chosen}; change it with `rolecall gateway set {gateway} --mfa-serial ARN` if that is wrong.",
            listed.join(", ")
        ));
    }
    let without: Vec<&str> = users
        .iter()
        .filter(|c| c.mfa_serial.is_none())
        .map(|c| c.profile.as_str())
        .collect();
    if !without.is_empty() {
        notes.push(format!(
            "Profiles {} name no mfa_serial, but others of gateway '{gateway}' do; rolecall asks for MFA per gateway, so opening them will ask for a code too.",
            without.join(", ")
        ));
    }
    Some(chosen.to_owned())
}

#[cfg(test)]
mod tests {
    use super::super::ini::parse;
    use super::*;

    const CONFIG: &str = "\
[default]
region = us-east-1

[profile corp]
region = eu-west-1

[profile prod-admin]
role_arn = arn:aws:iam::111111111111:role/Admin
source_profile = corp
mfa_serial = arn:aws:iam::999999999999:mfa/ana
external_id = ext-123
role_session_name = ana
duration_seconds = 7200
region = eu-central-1

[profile dev-ro]
role_arn = arn:aws:iam::222222222222:role/teams/ReadOnly
source_profile = corp
mfa_serial = arn:aws:iam::999999999999:mfa/other

[profile chained]
role_arn = arn:aws:iam::333333333333:role/X
source_profile = prod-admin

[profile sso]
sso_start_url = https://example.awsapps.com/start
sso_region = us-east-1

[profile proc]
credential_process = /usr/bin/get-creds

[profile ec2]
role_arn = arn:aws:iam::444444444444:role/Y
credential_source = Ec2InstanceMetadata

[profile nokeys-role]
role_arn = arn:aws:iam::555555555555:role/Z
source_profile = vault

[profile vault]
region = us-west-2

[profile gov]
role_arn = arn:aws-us-gov:iam::666666666666:role/Gov
source_profile = corp

[profile bad-arn]
role_arn = arn:aws:s3:::bucket
source_profile = corp
";

    const CREDENTIALS: &str = "\
[corp]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY

[temp]
aws_access_key_id = ASIAIOSFODNN7EXAMPLE
aws_secret_access_key = x
aws_session_token = y
";

    fn run(existing: &Config, keyring: &[&str]) -> Plan {
        let config = parse(CONFIG);
        let credentials = parse(CREDENTIALS);
        let keyring: HashSet<String> = keyring.iter().map(|s| s.to_string()).collect();
        plan(&Inputs {
            config: Some(&config),
            credentials: Some(&credentials),
            credentials_path: "~/.aws/credentials",
            existing,
            keyring_gateways: &keyring,
        })
        .unwrap()
    }

    fn reason<'a>(p: &'a Plan, profile: &str) -> &'a str {
        &p.skipped
            .iter()
            .find(|s| s.profile == profile)
            .unwrap_or_else(|| panic!("{profile} not skipped: {:?}", p.skipped))
            .reason
    }

    #[test]
    fn role_profiles_become_roles_and_their_source_a_gateway() {
        let p = run(&Config::default(), &[]);
        let ids: Vec<_> = p.roles.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["prod-admin", "dev-ro", "gov"]);
        let prod = p.config.role("prod-admin").unwrap();
        assert_eq!(prod.account_id, "111111111111");
        assert_eq!(prod.role_name, "Admin");
        assert_eq!(prod.gateway.as_deref(), Some("corp"));
        assert_eq!(prod.region.as_deref(), Some("eu-central-1"));
        assert_eq!(prod.external_id.as_deref(), Some("ext-123"));
        assert_eq!(prod.session_name.as_deref(), Some("ana"));
        assert_eq!(prod.duration_seconds, Some(7200));
        let dev = p.config.role("dev-ro").unwrap();
        assert_eq!(dev.role_name, "teams/ReadOnly");
        assert_eq!(dev.region, None, "inherits the gateway's region");
        // A GovCloud ARN without a region gets one of its partition.
        let gov = p.config.role("gov").unwrap();
        assert_eq!(gov.region.as_deref(), Some("us-gov-west-1"));
        assert_eq!(
            gov.arn(p.config.gateway("corp").and_then(|g| g.region.as_deref())),
            "arn:aws-us-gov:iam::666666666666:role/Gov"
        );

        let corp = p.config.gateway("corp").unwrap();
        assert_eq!(corp.region.as_deref(), Some("eu-west-1"));
        assert_eq!(
            corp.mfa_serial.as_deref(),
            Some("arn:aws:iam::999999999999:mfa/ana")
        );
        assert!(p.notes.iter().any(|n| n.contains("different MFA devices")
            && n.contains("dev-ro: arn:aws:iam::999999999999:mfa/other")));
        assert!(p
            .notes
            .iter()
            .any(|n| n.contains("Profiles gov name no mfa_serial")));
        assert_eq!(p.gateways.len(), 1);
        assert_eq!(
            p.gateways[0].keys,
            Keys::InFile {
                file: FileKind::Credentials,
                access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
                also_in_keyring: false
            }
        );
    }

    #[test]
    fn unusable_profiles_are_listed_with_their_reason() {
        let p = run(&Config::default(), &[]);
        assert!(reason(&p, "chained").starts_with("role chain"));
        assert!(reason(&p, "sso").contains("SSO"));
        assert!(reason(&p, "proc").contains("credential_process"));
        assert!(reason(&p, "ec2").contains("credential_source = Ec2InstanceMetadata"));
        assert!(reason(&p, "nokeys-role").starts_with("missing keys"));
        assert!(reason(&p, "nokeys-role").contains("rolecall gateway add vault"));
        assert!(reason(&p, "bad-arn").contains("not an IAM role ARN"));
        assert!(reason(&p, "temp").contains("no role profile uses it"));
        assert!(reason(&p, "default").contains("nothing"));
        assert!(reason(&p, "vault").contains("only to skipped profiles (nokeys-role)"));
        // Every profile is accounted for exactly once.
        let all: BTreeSet<&str> = p
            .roles
            .iter()
            .map(|r| r.id.as_str())
            .chain(p.gateways.iter().map(|g| g.name.as_str()))
            .chain(p.skipped.iter().map(|s| s.profile.as_str()))
            .collect();
        assert_eq!(
            all.len(),
            p.roles.len() + p.gateways.len() + p.skipped.len()
        );
        assert_eq!(all.len(), 13);
    }

    #[test]
    fn keys_already_in_the_keyring_make_a_source_usable() {
        let p = run(&Config::default(), &["vault"]);
        let r = p.roles.iter().find(|r| r.id == "nokeys-role").unwrap();
        assert_eq!(r.via, "gateway vault");
        let g = p.gateways.iter().find(|g| g.name == "vault").unwrap();
        assert_eq!(g.keys, Keys::InKeyring);
        assert_eq!(
            p.config.gateway("vault").unwrap().region.as_deref(),
            Some("us-west-2")
        );
    }

    #[test]
    fn importing_twice_updates_in_place_and_keeps_rolecall_fields() {
        let first = run(&Config::default(), &[]);
        let mut existing = first.config.clone();
        let prod = existing
            .roles
            .iter_mut()
            .find(|r| r.id == "prod-admin")
            .unwrap();
        prod.label = Some("Production".into());
        prod.color = Some("red".into());
        prod.external_id = Some("old".into());
        let second = run(&existing, &["corp"]);
        assert_eq!(second.config.roles.len(), first.config.roles.len());
        assert_eq!(second.config.gateways.len(), 1);
        let prod = second.config.role("prod-admin").unwrap();
        assert_eq!(prod.label.as_deref(), Some("Production"));
        assert_eq!(prod.color.as_deref(), Some("red"));
        assert_eq!(prod.external_id.as_deref(), Some("ext-123"));
        let action = |id: &str| &second.roles.iter().find(|r| r.id == id).unwrap().action;
        assert_eq!(
            action("prod-admin"),
            &Action::Update(vec!["external_id: old → ext-123".into()])
        );
        assert_eq!(action("dev-ro"), &Action::Unchanged);
        assert_eq!(second.gateways[0].action, Action::Unchanged);
        // A third run from the result changes nothing.
        let third = run(&second.config, &["corp"]);
        assert!(!third.changes_anything());
    }

    #[test]
    fn key_moves_name_exactly_the_key_lines() {
        let p = run(&Config::default(), &[]);
        assert_eq!(p.key_moves.len(), 1);
        let m = &p.key_moves[0];
        assert_eq!(m.gateway, "corp");
        assert_eq!(m.file, FileKind::Credentials);
        assert_eq!(
            m.keys.secret_access_key,
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
        );
        // [corp] header, its two keys and the blank line after them; [temp] is untouched.
        let lines = BTreeMap::from([(FileKind::Credentials, BTreeSet::from([0, 1, 2, 3]))]);
        assert_eq!(m.lines, lines);
        let rewritten = parse(CREDENTIALS).without_lines(&m.lines[&FileKind::Credentials]);
        assert!(rewritten.starts_with("[temp]\n"), "{rewritten}");
        assert!(!rewritten.contains("AKIAIOSFODNN7EXAMPLE"));
    }

    #[test]
    fn a_region_outside_the_arn_partition_is_refused() {
        let config = parse(
            "[profile x]\nrole_arn = arn:aws-cn:iam::111111111111:role/A\nsource_profile = s\nregion = eu-west-1\n[profile s]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = secretsecretsecret\n",
        );
        let p = plan(&Inputs {
            config: Some(&config),
            credentials: None,
            credentials_path: "c",
            existing: &Config::default(),
            keyring_gateways: &HashSet::new(),
        })
        .unwrap();
        assert!(
            reason(&p, "x").contains("not in the partition"),
            "{:?}",
            p.skipped
        );
        // Its source is then not imported either, and says why.
        assert!(p.config.gateways.is_empty());
        assert!(reason(&p, "s").contains("only to skipped profiles (x)"));
    }

    #[test]
    fn invalid_fields_skip_only_their_profile() {
        let config = parse(
            "[profile ok]\nrole_arn = arn:aws:iam::111111111111:role/A\nsource_profile = s\n\
             [profile long]\nrole_arn = arn:aws:iam::111111111111:role/B\nsource_profile = s\nduration_seconds = 99999\n\
             [profile has space]\nrole_arn = arn:aws:iam::111111111111:role/C\nsource_profile = s\n\
             [profile s]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = secretsecretsecret\n",
        );
        let p = plan(&Inputs {
            config: Some(&config),
            credentials: None,
            credentials_path: "c",
            existing: &Config::default(),
            keyring_gateways: &HashSet::new(),
        })
        .unwrap();
        assert_eq!(p.roles.len(), 1);
        assert!(reason(&p, "long").contains("duration_seconds 99999"));
        assert!(p.notes.iter().any(|n| n.contains("[profile has space]")));
        // Keys in the config file move from there.
        assert_eq!(p.key_moves[0].file, FileKind::Config);
    }

    fn plan_files(config: &str, credentials: &str) -> (Plan, IniFile, IniFile) {
        let (config, credentials) = (parse(config), parse(credentials));
        let p = plan(&Inputs {
            config: Some(&config),
            credentials: Some(&credentials),
            credentials_path: "c",
            existing: &Config::default(),
            keyring_gateways: &HashSet::new(),
        })
        .unwrap();
        (p, config, credentials)
    }

    #[test]
    fn keys_split_across_both_files_move_from_both() {
        // Found by the aws_config fuzz target: the secret's section index was looked up in
        // the id's file, which panicked (or dropped the wrong section's header).
        let (p, config, credentials) = plan_files(
            "[profile r]\nrole_arn = arn:aws:iam::222222222222:role/R\nsource_profile = gw\n\n\
             [profile gw]\naws_secret_access_key = splitSecret\n",
            "[gw]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n",
        );
        let m = &p.key_moves[0];
        assert_eq!(m.file, FileKind::Credentials);
        assert_eq!(m.keys.secret_access_key, "splitSecret");
        let config_after = config.without_lines(&m.lines[&FileKind::Config]);
        assert!(
            config_after.ends_with("source_profile = gw\n\n"),
            "{config_after}"
        );
        assert_eq!(
            credentials.without_lines(&m.lines[&FileKind::Credentials]),
            ""
        );
    }

    #[test]
    fn shadowed_keys_of_the_profile_go_too() {
        // Found by the aws_config fuzz target: an older pair left in the file (shadowed by
        // the pair below it) was moved into the keyring, over the right one, by the next
        // import.
        let (p, _, credentials) = plan_files(
            "[profile r]\nrole_arn = arn:aws:iam::222222222222:role/R\nsource_profile = gw\n",
            "[gw]\naws_access_key_id = AKIAOLD0000000EXAMPLE\naws_secret_access_key = old\n\
             [gw]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = new\n",
        );
        let m = &p.key_moves[0];
        assert_eq!(
            (
                m.keys.access_key_id.as_str(),
                m.keys.secret_access_key.as_str()
            ),
            ("AKIAIOSFODNN7EXAMPLE", "new")
        );
        let after = parse(&credentials.without_lines(&m.lines[&FileKind::Credentials]));
        assert_eq!(after.without_lines(&BTreeSet::new()), "");
        // The next import finds the keys in the keyring and nothing left to move.
        let again = plan(&Inputs {
            config: Some(&parse(
                "[profile r]\nrole_arn = arn:aws:iam::222222222222:role/R\nsource_profile = gw\n",
            )),
            credentials: Some(&after),
            credentials_path: "c",
            existing: &p.config,
            keyring_gateways: &HashSet::from(["gw".to_owned()]),
        })
        .unwrap();
        assert!(again.key_moves.is_empty() && !again.changes_anything());
    }

    #[test]
    fn a_bad_mfa_serial_skips_its_profile_not_the_import() {
        // Found by the aws_config fuzz target: the mfa_serial reached the gateway only after
        // each role was checked, so one bad value failed the whole import.
        let (p, _, _) = plan_files(
            "[profile bad]\nrole_arn = arn:aws:iam::222222222222:role/R\nsource_profile = gw\nmfa_serial = arn:oops\n\
             [profile ok]\nrole_arn = arn:aws:iam::333333333333:role/R\nsource_profile = gw2\n\
             [profile gw2]\nmfa_serial = not-a-device\n",
            "[gw]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s\n\
             [gw2]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s\n",
        );
        assert!(reason(&p, "bad").contains("arn:oops"), "{:?}", p.skipped);
        assert_eq!(p.roles.len(), 1);
        // A source profile's own bad device is left out, and the import says so.
        assert_eq!(p.config.gateway("gw2").unwrap().mfa_serial, None);
        assert!(
            p.notes.iter().any(|n| n.contains("not-a-device")),
            "{:?}",
            p.notes
        );
    }

    #[test]
    fn quoted_profile_names_lose_their_quotes_in_the_config_file() {
        // botocore reads `[profile "prod"]` as prod; a gateway written so is found too.
        let (p, config, _) = plan_files(
            "[profile \"prod\"]\nrole_arn = arn:aws:iam::111111111111:role/A\nsource_profile = corp\n\
             [profile 'corp']\nregion = eu-west-1\n\
             [profile \"dev\"]\nrole_arn = arn:aws:iam::222222222222:role/B\nsource_profile = gw\n\
             [profile \"gw\"]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s\n\
             [profile \"two words\"]\nrole_arn = arn:aws:iam::333333333333:role/C\nsource_profile = corp\n",
            "[corp]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s\n\
             [\"other\"]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s\n",
        );
        let ids: Vec<_> = p.roles.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["prod", "dev"], "{:?}", p.skipped);
        assert_eq!(
            p.config.gateway("corp").unwrap().region.as_deref(),
            Some("eu-west-1")
        );
        // The keys of `[profile "gw"]` move out of its section.
        let m = p.key_moves.iter().find(|m| m.gateway == "gw").unwrap();
        let after = config.without_lines(&m.lines[&FileKind::Config]);
        assert!(!after.contains("AKIA"), "{after}");
        // Quoted, a name may hold a space (botocore reads one); rolecall ids cannot.
        assert!(reason(&p, "two words").contains("role id 'two words'"));
        // In the credentials file the AWS CLI keeps the quotes: not profile `other`.
        assert!(
            p.notes
                .iter()
                .any(|n| n.contains("[\"other\"]") && n.contains("write [other]")),
            "{:?}",
            p.notes
        );
    }

    #[test]
    fn profile_default_replaces_default_in_the_config_file() {
        for config in [
            "[default]\nrole_arn = arn:aws:iam::111111111111:role/A\nsource_profile = corp\nregion = us-west-2\n\
             [profile default]\nregion = eu-west-1\n",
            "[profile default]\nregion = eu-west-1\n\
             [default]\nrole_arn = arn:aws:iam::111111111111:role/A\nsource_profile = corp\nregion = us-west-2\n",
        ] {
            let (p, _, _) = plan_files(
                &format!("{config}[profile r]\nrole_arn = arn:aws:iam::222222222222:role/R\nsource_profile = default\n"),
                "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s\n",
            );
            // Not a role from [default]'s role_arn merged with the other section...
            assert!(p.config.role("default").is_none(), "{config}");
            let ids: Vec<_> = p.roles.iter().map(|r| r.id.as_str()).collect();
            assert_eq!(ids, ["r"]);
            // ...but [profile default], with the credentials file's keys.
            let g = p.config.gateway("default").unwrap();
            assert_eq!(g.region.as_deref(), Some("eu-west-1"));
            assert!(p.notes.iter().any(|n| n.contains("ignores [default]")));
        }
    }

    #[test]
    fn source_profile_with_credential_source_is_refused() {
        let (p, _, _) = plan_files(
            "[profile both]\nrole_arn = arn:aws:iam::111111111111:role/A\nsource_profile = corp\ncredential_source = Environment\n",
            "[corp]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s\n",
        );
        assert!(p.roles.is_empty());
        assert!(
            reason(&p, "both").contains("both source_profile and credential_source"),
            "{:?}",
            p.skipped
        );
    }

    #[test]
    fn empty_keys_are_no_keys() {
        let (p, _, _) = plan_files(
            "[profile r]\nrole_arn = arn:aws:iam::111111111111:role/A\nsource_profile = gw\n",
            "[gw]\naws_access_key_id =\naws_secret_access_key =\n",
        );
        let why = reason(&p, "r");
        assert!(why.starts_with("missing keys"), "{why}");
        assert!(why.contains("(only empty ones)") && !why.contains("only one of"));
    }

    #[test]
    fn profile_prefix_in_the_credentials_file_gets_a_hint() {
        let (p, _, _) = plan_files(
            "[profile r]\nrole_arn = arn:aws:iam::111111111111:role/A\nsource_profile = gw\n",
            "[profile gw]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s\n",
        );
        assert!(
            p.notes.iter().any(|n| n.contains(
                "section [profile gw] of the credentials file is not a profile (profiles there are written [gw], without `profile`)"
            )),
            "{:?}",
            p.notes
        );
        assert!(reason(&p, "r").contains("'gw' is in neither"));
    }

    #[test]
    fn an_sso_or_process_source_says_so_beside_its_roles() {
        let (p, _, _) = plan_files(
            "[profile a]\nrole_arn = arn:aws:iam::111111111111:role/A\nsource_profile = sso\n\
             [profile sso]\nsso_session = acme\n\
             [profile b]\nrole_arn = arn:aws:iam::111111111111:role/B\nsource_profile = proc\n\
             [profile proc]\ncredential_process = /bin/creds\n",
            "",
        );
        let sso = reason(&p, "sso");
        assert!(
            sso.contains("only to skipped profiles (a)") && sso.contains("(SSO)"),
            "{sso}"
        );
        let proc = reason(&p, "proc");
        assert!(
            proc.contains("only to skipped profiles (b)") && proc.contains("credential_process"),
            "{proc}"
        );
        assert!(reason(&p, "a").contains("SSO"));
    }

    #[test]
    fn an_indented_header_and_a_byte_order_mark_read_as_the_aws_cli_reads_them() {
        // `  [profile b]` continues `region`, so role_arn below is a's, whose region is now
        // not one, and no profile b exists.
        let (p, _, _) = plan_files(
            "\u{feff}[profile a]\nregion = us-east-1\n  [profile b]\nrole_arn = arn:aws:iam::111111111111:role/A\nsource_profile = gw\n",
            "\u{feff}[gw]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s\n",
        );
        assert!(
            p.skipped.iter().all(|s| s.profile != "b"),
            "{:?}",
            p.skipped
        );
        // The byte-order marks hid neither [profile a] nor [gw]: a got past its source.
        assert!(
            reason(&p, "a").contains("'us-east-1\n[profile b]'"),
            "{:?}",
            p.skipped
        );
        assert!(reason(&p, "gw").contains("only to skipped profiles (a)"));
    }
}
