//! `rolecall sso sync`: the accounts and permission sets an IAM Identity Center user has,
//! as roles in the config. Pure: the config and what the portal listed in, a plan out.
//!
//! One role per account × role; its id is derived from the account's and the role's names
//! (stable across runs, unique in the config); group = the account's name (the source's
//! when the name cannot be one); label = `<account name> · <role name>`; `risk =
//! "production"` when a word of the account's name is prod, production or prd
//! (setup/production.rs). Running it again matches roles by source, account and role name,
//! so it adds what is new, never touches what the user changed (label, group, colour, icon,
//! region, risk; a role without a group gets one), and removes roles that vanished only
//! when asked (`--prune`). An account name that breaks the text rules (store/config
//! `text`: too long, control or bidi characters) is not taken as a label or group; the role
//! is added without it and the plan says so.

use crate::setup::production::is_production_name;
use crate::sources::sso::Assignment;
use crate::store::config::{check_group, check_label, is_valid_name, Config, Risk, Role};
use std::collections::HashSet;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Add {
        id: String,
        label: String,
        /// Marked production by the account's name.
        production: bool,
    },
    /// An existing role that had no group and gets its account's: "group: (none) → B".
    Update {
        id: String,
        changes: Vec<String>,
    },
    Keep {
        id: String,
    },
    /// Gone from the portal; removed with `--prune`, else kept and reported.
    Vanished {
        id: String,
        removed: bool,
    },
    /// A value from the portal not taken for a role (the role is added without it): why,
    /// in rolecall's words (never the value).
    Refused {
        id: String,
        why: String,
    },
}

/// A name from AWS (`whose`: "the account's name") as a role's label or group (`what`), when
/// it keeps the text rules; else `None`, and why in `refused`.
pub(crate) fn name_if_fit(
    value: String,
    whose: &str,
    what: &str,
    check: fn(&str) -> Result<(), String>,
    refused: &mut Vec<String>,
) -> Option<String> {
    match check(&value) {
        Ok(()) => Some(value),
        Err(e) => {
            refused.push(format!("{whose} is not used as its {what}: {e}"));
            None
        }
    }
}

#[derive(Debug, Clone)]
pub struct SyncPlan {
    pub changes: Vec<Change>,
    /// The config with the plan applied.
    pub config: Config,
}

/// `acme-prod`, `administratoraccess`: lowercase letters and digits, `-` between words.
pub(crate) fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

/// A role id for the assignment that no other role has: `<account>-<role>`, else with the
/// account id, cut to the 64 characters ids may have.
pub(crate) fn role_id(
    account_name: &str,
    account_id: &str,
    role_name: &str,
    taken: &HashSet<String>,
) -> String {
    let fit = |s: String| -> String {
        let mut s = s;
        s.truncate(64);
        s.trim_end_matches('-').to_owned()
    };
    let base = match (slug(account_name), slug(role_name)) {
        (a, r) if a.is_empty() => format!("{account_id}-{r}"),
        (a, r) => format!("{a}-{r}"),
    };
    let first = fit(base.clone());
    if is_valid_name(&first) && !taken.contains(&first) {
        return first;
    }
    let suffix = format!("-{account_id}");
    let mut head = base;
    head.truncate(64 - suffix.len());
    let with_id = format!("{}{suffix}", head.trim_end_matches('-'));
    let mut n = 2;
    let mut id = with_id.clone();
    while taken.contains(&id) {
        id = fit(format!("{with_id}-{n}"));
        n += 1;
    }
    id
}

pub fn plan(config: &Config, sso: &str, assignments: &[Assignment], prune: bool) -> SyncPlan {
    let mut config = config.clone();
    let mut changes = Vec::new();
    let mut taken: HashSet<String> = config.roles.iter().map(|r| r.id.clone()).collect();
    let mut seen = HashSet::new();
    for a in assignments {
        for role_name in &a.role_names {
            seen.insert((a.account_id.clone(), role_name.clone()));
            let existing = config.roles.iter_mut().find(|r| {
                r.sso.as_deref() == Some(sso)
                    && r.account_id == a.account_id
                    && &r.role_name == role_name
            });
            if let Some(r) = existing {
                if r.group.is_none() {
                    let group = account_group(&a.account_name, sso);
                    changes.push(Change::Update {
                        id: r.id.clone(),
                        changes: vec![format!("group: (none) → {group}")],
                    });
                    r.group = Some(group);
                } else {
                    changes.push(Change::Keep { id: r.id.clone() });
                }
                continue;
            }
            let id = role_id(&a.account_name, &a.account_id, role_name, &taken);
            taken.insert(id.clone());
            let mut refused = Vec::new();
            let label = name_if_fit(
                format!("{} · {role_name}", a.account_name),
                "the account's name",
                "label",
                check_label,
                &mut refused,
            );
            let group = Some(a.account_name.clone())
                .filter(|g| !g.is_empty())
                .and_then(|g| {
                    name_if_fit(g, "the account's name", "group", check_group, &mut refused)
                })
                .unwrap_or_else(|| sso.to_owned());
            let production = is_production_name(&a.account_name);
            config.roles.push(Role {
                id: id.clone(),
                account_id: a.account_id.clone(),
                role_name: role_name.clone(),
                sso: Some(sso.to_owned()),
                label: label.clone(),
                group: Some(group),
                risk: production.then_some(Risk::Production),
                ..Role::default()
            });
            changes.push(Change::Add {
                id: id.clone(),
                label: label.unwrap_or_else(|| id.clone()),
                production,
            });
            changes.extend(refused.into_iter().map(|why| Change::Refused {
                id: id.clone(),
                why,
            }));
        }
    }
    let vanished: Vec<String> = config
        .roles
        .iter()
        .filter(|r| {
            r.sso.as_deref() == Some(sso)
                && !seen.contains(&(r.account_id.clone(), r.role_name.clone()))
        })
        .map(|r| r.id.clone())
        .collect();
    for id in vanished {
        if prune {
            config.roles.retain(|r| r.id != id);
        }
        changes.push(Change::Vanished { id, removed: prune });
    }
    SyncPlan { changes, config }
}

/// The group of an account's roles: its name when that can be a group, else the source's.
fn account_group(account_name: &str, sso: &str) -> String {
    Some(account_name)
        .filter(|n| !n.is_empty() && check_group(n).is_ok())
        .unwrap_or(sso)
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::config::SsoSource;

    fn config() -> Config {
        Config {
            sso: vec![SsoSource {
                name: "corp".into(),
                start_url: "https://corp.awsapps.com/start".into(),
                region: "eu-west-1".into(),
            }],
            ..Config::default()
        }
    }

    fn assignment(id: &str, name: &str, roles: &[&str]) -> Assignment {
        Assignment {
            account_id: id.into(),
            account_name: name.into(),
            role_names: roles.iter().map(|r| (*r).to_owned()).collect(),
        }
    }

    #[test]
    fn one_role_per_account_and_permission_set_with_stable_ids() {
        let listed = [
            assignment(
                "111111111111",
                "Acme Prod",
                &["AdministratorAccess", "ReadOnly"],
            ),
            assignment("222222222222", "acme/dev", &["ReadOnly"]),
        ];
        let p = plan(&config(), "corp", &listed, false);
        let ids: Vec<&str> = p.config.roles.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "acme-prod-administratoraccess",
                "acme-prod-readonly",
                "acme-dev-readonly"
            ]
        );
        let r = &p.config.roles[0];
        assert_eq!(r.label.as_deref(), Some("Acme Prod · AdministratorAccess"));
        assert_eq!(r.group.as_deref(), Some("Acme Prod"));
        assert_eq!(
            (r.sso.as_deref(), r.gateway.as_deref()),
            (Some("corp"), None)
        );
        p.config.validate().unwrap();
        // Again: nothing new, every role kept as it is.
        let again = plan(&p.config, "corp", &listed, false);
        assert!(again
            .changes
            .iter()
            .all(|c| matches!(c, Change::Keep { .. })));
        assert_eq!(again.config, p.config);
    }

    #[test]
    fn the_users_changes_are_kept_and_vanished_roles_go_only_with_prune() {
        let listed = [assignment("111111111111", "Acme", &["Admin", "Billing"])];
        let mut c = plan(&config(), "corp", &listed, false).config;
        c.roles[0].label = Some("Production!".into());
        c.roles[0].color = Some("red".into());
        c.roles[0].risk = Some(Risk::Production);
        c.roles[1].group = None;
        let fewer = [assignment("111111111111", "Acme renamed", &["Admin"])];
        let p = plan(&c, "corp", &fewer, false);
        assert_eq!(p.config.roles[0].label.as_deref(), Some("Production!"));
        assert_eq!(p.config.roles[0].color.as_deref(), Some("red"));
        assert_eq!(p.config.roles[0].group.as_deref(), Some("Acme"));
        assert_eq!(p.config.roles[0].risk, Some(Risk::Production));
        assert!(p.changes.contains(&Change::Vanished {
            id: "acme-billing".into(),
            removed: false
        }));
        assert_eq!(p.config.roles.len(), 2);
        let pruned = plan(&c, "corp", &fewer, true);
        assert_eq!(pruned.config.roles.len(), 1);
    }

    #[test]
    fn production_account_names_mark_new_roles_and_a_role_without_group_gets_one() {
        let listed = [
            assignment("111111111111", "Acme Prod", &["Admin"]),
            assignment("222222222222", "Acme-Product", &["Admin"]),
            assignment("333333333333", "payments_PRD", &["Admin"]),
        ];
        let p = plan(&config(), "corp", &listed, false);
        let risks: Vec<_> = p.config.roles.iter().map(|r| r.risk).collect();
        assert_eq!(
            risks,
            [Some(Risk::Production), None, Some(Risk::Production)]
        );
        assert!(p.changes.contains(&Change::Add {
            id: "acme-prod-admin".into(),
            label: "Acme Prod · Admin".into(),
            production: true
        }));
        let mut c = p.config;
        c.roles[1].group = None;
        c.roles[2].risk = None;
        let again = plan(&c, "corp", &listed, false);
        assert_eq!(again.config.roles[1].group.as_deref(), Some("Acme-Product"));
        assert!(again.changes.contains(&Change::Update {
            id: "acme-product-admin".into(),
            changes: vec!["group: (none) → Acme-Product".into()]
        }));
        assert_eq!(again.config.roles[2].risk, None, "the user's risk is kept");
    }

    #[test]
    fn colliding_names_get_the_account_id_and_odd_names_still_make_ids() {
        let listed = [
            assignment("111111111111", "Shared", &["Admin"]),
            assignment("222222222222", "Shared", &["Admin"]),
            assignment("333333333333", "日本", &["Admin"]),
            assignment("444444444444", &"x".repeat(80), &["Admin"]),
        ];
        let p = plan(&config(), "corp", &listed, false);
        let ids: Vec<&str> = p.config.roles.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids[0], "shared-admin");
        assert_eq!(ids[1], "shared-admin-222222222222");
        assert_eq!(ids[2], "333333333333-admin");
        assert!(ids[3].len() <= 64 && is_valid_name(ids[3]), "{}", ids[3]);
        p.config.validate().unwrap();
    }

    #[test]
    fn a_portal_account_name_with_controls_or_over_length_is_not_taken_as_label_or_group() {
        let listed = [
            assignment("111111111111", "Acme\x1b]0;pwned\x07", &["Admin"]),
            assignment("222222222222", &"L".repeat(70), &["Admin"]),
            assignment("333333333333", "Fine", &["Admin"]),
        ];
        let p = plan(&config(), "corp", &listed, false);
        p.config.validate().unwrap();
        p.config.check_text().unwrap();
        let [hostile, long, fine] = &p.config.roles[..] else {
            panic!("{:?}", p.config.roles)
        };
        // Names that cannot be groups: grouped by the source, never one group per account.
        assert_eq!(
            (hostile.label.as_deref(), hostile.group.as_deref()),
            (None, Some("corp"))
        );
        // 70 characters make a label (with the role's name) but not a group.
        assert!(long.label.is_some() && long.group.as_deref() == Some("corp"));
        assert_eq!(fine.label.as_deref(), Some("Fine · Admin"));
        let refused: Vec<(&str, &str)> = p
            .changes
            .iter()
            .filter_map(|c| match c {
                Change::Refused { id, why } => Some((id.as_str(), why.as_str())),
                _ => None,
            })
            .collect();
        assert_eq!(refused.len(), 3, "{refused:?}");
        assert_eq!(refused[0].0, hostile.id);
        assert!(refused[0].1.contains("not used as its label") && refused[0].1.contains("U+001B"));
        assert!(
            refused[2].1.contains("group is 70 characters long"),
            "{refused:?}"
        );
        assert!(p.changes.iter().all(|c| !format!("{c:?}").contains('\x1b')));
    }
}
