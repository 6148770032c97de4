//! Assumed roles: each profile with `role_arn` and `source_profile` checked on its own (its
//! source's keys, the ARN and its partition, the region, every field rolecall validates)
//! into a candidate role, or skipped with its reason; then the candidates merged into the
//! config, rolecall's own fields (label, group, colour, risk...) kept.
//!
//! A new role is grouped by its gateway (the files know no account names: `role discover`
//! and `sso sync` group by those), and so is a role that has no group yet: the popup would
//! otherwise show each under its account id. A new role whose profile name has the word
//! prod, production or prd is marked production (setup/production.rs); an existing role's
//! risk is the user's and is left alone.

use super::gateways::{source_for, Source};
use super::others::indirect_credentials;
use super::profiles::Profiles;
use super::{action, diff, Inputs, RolePlan, Skipped};
use crate::console::partition::Partition;
use crate::setup::production::is_production_name;
use crate::store::config::{Config, Gateway, Risk, Role};

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

/// A role profile that passed every check, before gateways are merged.
pub(super) struct Candidate {
    pub(super) profile: String,
    pub(super) role: Role,
    pub(super) arn: String,
    pub(super) mfa_serial: Option<String>,
    /// New, and marked production by its name.
    pub(super) production: bool,
}

/// The role profiles that pass every check, and the gateways they need (name → how its
/// keys are had); every other role profile goes to `skipped` with its reason.
pub(super) fn candidates(
    profiles: &Profiles,
    inputs: &Inputs<'_>,
    skipped: &mut Vec<Skipped>,
) -> (Vec<Candidate>, Vec<(String, Source)>) {
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
        let gateway_keys = match source_for(p, source, profiles, inputs) {
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
        if role.group.is_none() {
            role.group = Some(source.to_owned());
        }
        let production = existing_role.is_none() && is_production_name(&p.name);
        if production {
            role.risk = Some(Risk::Production);
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
            production,
            role,
        });
    }
    (candidates, sources)
}

/// The candidates into `config`, each added or updated in place, with what changed.
pub(super) fn merge_roles(candidates: Vec<Candidate>, config: &mut Config) -> Vec<RolePlan> {
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
                ("group", o.group.as_deref(), n.group.as_deref()),
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
            production: c.production,
        });
        match existing {
            Some(i) => config.roles[i] = c.role,
            None => config.roles.push(c.role),
        }
    }
    roles
}

#[cfg(test)]
mod tests {
    use super::super::tests::{plan_files, reason};
    use super::super::{plan, FileKind, Inputs};
    use crate::setup::import::ini::parse;
    use crate::store::config::Config;
    use std::collections::HashSet;

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
            new_gateway_mfa_mode: crate::store::config::MfaMode::Daily,
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
            new_gateway_mfa_mode: crate::store::config::MfaMode::Daily,
        })
        .unwrap();
        assert_eq!(p.roles.len(), 1);
        assert!(reason(&p, "long").contains("duration_seconds 99999"));
        assert!(p.notes.iter().any(|n| n.contains("[profile has space]")));
        // Keys in the config file move from there.
        assert_eq!(p.key_moves[0].file, FileKind::Config);
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
}
