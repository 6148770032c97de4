//! IAM Identity Center profiles (`sso_account_id` + `sso_role_name`, signing in through an
//! `[sso-session]` or the legacy `sso_start_url` + `sso_region`) → SSO sources, one per
//! session or start URL, and their roles: grouped by their source (a profile names no
//! account; `sso sync` groups by the account's name) unless they have a group, and a new
//! one marked production when a word of its profile's name says so.

use super::super::ini::IniFile;
use super::profiles::{unquote, Profiles};
use super::{action, diff, RolePlan, Skipped, SsoPlan};
use crate::setup::production::is_production_name;
use crate::store::config::{is_valid_name, Config, Risk, Role, SsoSource};
use std::collections::HashMap;

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
pub(super) fn plan_sso(
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
            continue; // a role profile, planned (or refused) in `roles`
        }
        let (Some(account), Some(role_name)) = (p.get("sso_account_id"), p.get("sso_role_name"))
        else {
            continue; // listed by `others` with its reason, if it is SSO at all
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
        if role.group.is_none() {
            role.group = Some(name.clone());
        }
        let production = existing_role.is_none() && is_production_name(&p.name);
        if production {
            role.risk = Some(Risk::Production);
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
                ("group", o.group.as_deref(), role.group.as_deref()),
            ])
        });
        roles.push(RolePlan {
            id: role.id.clone(),
            arn: format!("{account} {role_name}"),
            via: format!("SSO source {name}"),
            action: action(existing_role.is_some(), changes),
            production,
        });
        match config.roles.iter().position(|r| r.id == role.id) {
            Some(i) => config.roles[i] = role,
            None => config.roles.push(role),
        }
    }
    sources
}
