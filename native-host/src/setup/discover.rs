//! `rolecall role discover`: one role per active account of an AWS Organization, assumed
//! through a gateway. Pure: the config and what Organizations listed in, a plan out.
//!
//! Each new role gets the id `<account>-<role>` (from their names, as `sso sync` makes them),
//! label = the account's name, group = the account's name (or with `--group-by ou` the
//! account's organisational unit, its path below the root; an account in the root, or one
//! whose name cannot be a group, is grouped by the gateway), and `risk = "production"` when
//! a word of the account's name is prod, production or prd (setup/production.rs). Running it
//! again matches roles by gateway, account and role name, so it adds what is new and changes
//! nothing the user set (label, group, colour, icon, region, risk, …): a role without a
//! group gets one, and the group follows an account that moved to another unit when grouping
//! by unit. Accounts that are not active are skipped; roles of accounts no longer listed are
//! reported, and removed only with `--prune`. An account or unit name that breaks the text
//! rules (store/config `text`) is not taken as a label or group, and the plan says so.

use crate::setup::production::is_production_name;
use crate::setup::sso_sync::{name_if_fit, role_id};
use crate::sources::gateway::organizations::OrgAccount;
use crate::store::config::{check_group, check_label, Config, Risk, Role};
use std::collections::HashSet;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Add {
        id: String,
        account_id: String,
        label: String,
        group: Option<String>,
        /// Marked production by the account's name.
        production: bool,
    },
    /// An existing role that gets a group (it had none), or whose group follows its
    /// account's unit: "group: A → B".
    Update {
        id: String,
        changes: Vec<String>,
    },
    Keep {
        id: String,
    },
    /// An account that is not active (suspended, closing): no role for it.
    Inactive {
        account_id: String,
        name: String,
        state: String,
    },
    /// A role of this gateway and role name whose account is no longer listed (or active);
    /// removed with `--prune`.
    Vanished {
        id: String,
        removed: bool,
    },
    /// A name from Organizations not taken for a role: why, in rolecall's words.
    Refused {
        id: String,
        why: String,
    },
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub changes: Vec<Change>,
    /// The config with the plan applied.
    pub config: Config,
}

impl Plan {
    pub fn count(&self, f: fn(&Change) -> bool) -> usize {
        self.changes.iter().filter(|c| f(c)).count()
    }
}

pub struct Inputs<'a> {
    pub config: &'a Config,
    pub gateway: &'a str,
    pub role_name: &'a str,
    pub accounts: &'a [OrgAccount],
    pub group_by_ou: bool,
    pub prune: bool,
}

pub fn plan(i: &Inputs<'_>) -> Plan {
    let mut config = i.config.clone();
    let mut changes = Vec::new();
    let mut taken: HashSet<String> = config.roles.iter().map(|r| r.id.clone()).collect();
    let mut listed = HashSet::new();
    for a in i.accounts {
        if !a.is_active() {
            changes.push(Change::Inactive {
                account_id: a.id.clone(),
                name: a.name.clone(),
                state: a.state.clone(),
            });
            continue;
        }
        if !listed.insert(a.id.clone()) {
            continue;
        }
        let existing = config.roles.iter_mut().find(|r| {
            r.gateway.as_deref() == Some(i.gateway)
                && r.account_id == a.id
                && r.role_name == i.role_name
        });
        let unit = "the account's organisational unit";
        if let Some(r) = existing {
            let mut refused = Vec::new();
            let ou =
                a.ou.clone()
                    .filter(|_| i.group_by_ou)
                    .and_then(|g| name_if_fit(g, unit, "group", check_group, &mut refused));
            let follows = i.group_by_ou || r.group.is_none();
            let target = ou.or_else(|| account_group(a, i.gateway, follows));
            if let Some(why) = refused.pop() {
                changes.push(Change::Keep { id: r.id.clone() });
                changes.push(Change::Refused {
                    id: r.id.clone(),
                    why,
                });
            } else if follows && target.is_some() && r.group != target {
                let ou = target;
                let was = std::mem::replace(&mut r.group, ou.clone());
                changes.push(Change::Update {
                    id: r.id.clone(),
                    changes: vec![format!(
                        "group: {} → {}",
                        was.as_deref().unwrap_or("(none)"),
                        ou.as_deref().unwrap_or("(none)")
                    )],
                });
            } else {
                changes.push(Change::Keep { id: r.id.clone() });
            }
            continue;
        }
        let id = role_id(&a.name, &a.id, i.role_name, &taken);
        taken.insert(id.clone());
        let mut refused = Vec::new();
        let group =
            a.ou.clone()
                .filter(|_| i.group_by_ou)
                .and_then(|g| name_if_fit(g, unit, "group", check_group, &mut refused));
        let label = Some(a.name.clone())
            .filter(|n| !n.trim().is_empty())
            .and_then(|n| name_if_fit(n, "the account's name", "label", check_label, &mut refused));
        let group = group.or_else(|| account_group(a, i.gateway, true));
        let production = is_production_name(&a.name);
        config.roles.push(Role {
            id: id.clone(),
            account_id: a.id.clone(),
            role_name: i.role_name.to_owned(),
            gateway: Some(i.gateway.to_owned()),
            label: label.clone(),
            group: group.clone(),
            risk: production.then_some(Risk::Production),
            ..Role::default()
        });
        changes.push(Change::Add {
            id: id.clone(),
            account_id: a.id.clone(),
            label: label.unwrap_or_else(|| id.clone()),
            group,
            production,
        });
        changes.extend(refused.into_iter().map(|why| Change::Refused {
            id: id.clone(),
            why,
        }));
    }
    let vanished: Vec<String> = config
        .roles
        .iter()
        .filter(|r| {
            r.gateway.as_deref() == Some(i.gateway)
                && r.role_name == i.role_name
                && !listed.contains(&r.account_id)
        })
        .map(|r| r.id.clone())
        .collect();
    for id in vanished {
        if i.prune {
            config.roles.retain(|r| r.id != id);
        }
        changes.push(Change::Vanished {
            id,
            removed: i.prune,
        });
    }
    Plan { changes, config }
}

/// The group of an account's role outside `--group-by ou` (or an account in the root): the
/// account's name when it can be a group, else the gateway's; `None` when `wanted` is false.
fn account_group(a: &OrgAccount, gateway: &str, wanted: bool) -> Option<String> {
    if !wanted {
        return None;
    }
    Some(a.name.trim())
        .filter(|n| !n.is_empty() && check_group(n).is_ok())
        .unwrap_or(gateway)
        .to_owned()
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::config::Gateway;

    fn config() -> Config {
        Config {
            gateways: vec![Gateway {
                name: "corp".into(),
                ..Gateway::default()
            }],
            ..Config::default()
        }
    }

    fn account(id: &str, name: &str, ou: Option<&str>) -> OrgAccount {
        OrgAccount {
            id: id.into(),
            name: name.into(),
            state: "ACTIVE".into(),
            ou: ou.map(str::to_owned),
        }
    }

    fn inputs<'a>(config: &'a Config, accounts: &'a [OrgAccount], ou: bool) -> Inputs<'a> {
        Inputs {
            config,
            gateway: "corp",
            role_name: "OrganizationAccountAccessRole",
            accounts,
            group_by_ou: ou,
            prune: false,
        }
    }

    #[test]
    fn one_role_per_active_account_labelled_and_grouped() {
        let c = config();
        let mut listed = vec![
            account("111111111111", "Acme Prod", Some("Engineering / Prod")),
            account("222222222222", "Acme Dev", None),
        ];
        listed.push(OrgAccount {
            state: "SUSPENDED".into(),
            ..account("333333333333", "Old", None)
        });
        let p = plan(&inputs(&c, &listed, true));
        let ids: Vec<&str> = p.config.roles.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "acme-prod-organizationaccountaccessrole",
                "acme-dev-organizationaccountaccessrole"
            ]
        );
        let r = &p.config.roles[0];
        assert_eq!(r.label.as_deref(), Some("Acme Prod"));
        assert_eq!(r.group.as_deref(), Some("Engineering / Prod"));
        assert_eq!(r.gateway.as_deref(), Some("corp"));
        // "Prod" is a word of the account's name; "Acme Dev" has none.
        assert_eq!(r.risk, Some(Risk::Production));
        assert_eq!(p.config.roles[1].risk, None);
        // An account in the root is grouped by its name.
        assert_eq!(p.config.roles[1].group.as_deref(), Some("Acme Dev"));
        assert!(p
            .changes
            .iter()
            .any(|c| matches!(c, Change::Inactive { state, .. } if state == "SUSPENDED")));
        p.config.validate().unwrap();
        // Without grouping by unit, by the account's name: never one group per account id.
        let p = plan(&inputs(&c, &listed, false));
        assert_eq!(p.config.roles[0].group.as_deref(), Some("Acme Prod"));
    }

    #[test]
    fn again_keeps_the_users_changes_and_follows_moved_accounts() {
        let listed = [
            account("111111111111", "Acme Prod", Some("Prod")),
            account("222222222222", "Acme Dev", Some("Dev")),
        ];
        let mut c = plan(&inputs(&config(), &listed, true)).config;
        c.roles[0].label = Some("PROD!".into());
        c.roles[0].color = Some("red".into());
        let again = plan(&inputs(&c, &listed, true));
        assert!(again
            .changes
            .iter()
            .all(|x| matches!(x, Change::Keep { .. })));
        assert_eq!(again.config, c);
        // The account moved to another unit and was renamed; one account left.
        let moved = [account(
            "111111111111",
            "Acme Production",
            Some("Prod / EU"),
        )];
        let p = plan(&inputs(&c, &moved, true));
        assert_eq!(p.config.roles[0].label.as_deref(), Some("PROD!"));
        assert_eq!(p.config.roles[0].color.as_deref(), Some("red"));
        assert_eq!(p.config.roles[0].group.as_deref(), Some("Prod / EU"));
        assert!(p.changes.contains(&Change::Update {
            id: c.roles[0].id.clone(),
            changes: vec!["group: Prod → Prod / EU".into()],
        }));
        assert!(p.changes.contains(&Change::Vanished {
            id: c.roles[1].id.clone(),
            removed: false
        }));
        assert_eq!(p.config.roles.len(), 2);
        let pruned = plan(&Inputs {
            prune: true,
            ..inputs(&c, &moved, true)
        });
        assert_eq!(pruned.config.roles.len(), 1);
        // Without --group-by the group is left as it is.
        let p = plan(&inputs(&c, &moved, false));
        assert_eq!(p.config.roles[0].group.as_deref(), Some("Prod"));
    }

    #[test]
    fn a_name_that_cannot_be_a_group_groups_by_the_gateway_and_the_user_group_stays() {
        let listed = [
            account("111111111111", "Payments \u{202e}x", None),
            account("222222222222", "payments_prd", None),
            account("333333333333", "Acme preprod", None),
        ];
        let p = plan(&inputs(&config(), &listed, false));
        let groups: Vec<_> = p.config.roles.iter().map(|r| r.group.as_deref()).collect();
        assert_eq!(
            groups,
            [Some("corp"), Some("payments_prd"), Some("Acme preprod")]
        );
        let risks: Vec<_> = p.config.roles.iter().map(|r| r.risk).collect();
        assert_eq!(risks, [None, Some(Risk::Production), None]);
        assert!(p.changes.iter().any(
            |c| matches!(c, Change::Add { production: true, id, .. } if id == &p.config.roles[1].id)
        ));
        // The user's group and risk are theirs: a second run keeps them.
        let mut c = p.config.clone();
        c.roles[1].group = Some("Mine".into());
        c.roles[1].risk = None;
        let again = plan(&inputs(&c, &listed, false));
        assert_eq!(again.config, c);
    }

    #[test]
    fn a_role_added_by_hand_is_found_not_duplicated() {
        let mut c = config();
        c.roles.push(Role {
            id: "prod".into(),
            account_id: "111111111111".into(),
            role_name: "OrganizationAccountAccessRole".into(),
            gateway: Some("corp".into()),
            ..Role::default()
        });
        let p = plan(&inputs(&c, &[account("111111111111", "Acme", None)], false));
        assert_eq!(p.config.roles.len(), 1);
        // It had no group: it gets the account's, and nothing else changes.
        assert_eq!(
            p.changes,
            [Change::Update {
                id: "prod".into(),
                changes: vec!["group: (none) → Acme".into()]
            }]
        );
        let again = plan(&inputs(
            &p.config,
            &[account("111111111111", "Acme", None)],
            false,
        ));
        assert_eq!(again.changes, [Change::Keep { id: "prod".into() }]);
    }

    #[test]
    fn organizations_names_with_controls_or_over_length_are_not_taken_as_label_or_group() {
        let deep = "Workloads / Payments and settlements / Production (EU and UK)";
        let listed = [
            account("111111111111", "Acme\u{202e}dorP", Some("Prod")),
            account("222222222222", "Acme Dev", Some(&format!("{deep} / Team"))),
        ];
        let p = plan(&inputs(&config(), &listed, true));
        p.config.validate().unwrap();
        p.config.check_text().unwrap();
        assert_eq!(p.config.roles[0].label, None);
        assert_eq!(p.config.roles[0].group.as_deref(), Some("Prod"));
        assert_eq!(p.config.roles[1].label.as_deref(), Some("Acme Dev"));
        // The unit's path is refused as a group: the account's name is the group instead.
        assert_eq!(p.config.roles[1].group.as_deref(), Some("Acme Dev"));
        let refused: Vec<&str> = p
            .changes
            .iter()
            .filter_map(|c| match c {
                Change::Refused { why, .. } => Some(why.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(refused.len(), 2, "{refused:?}");
        assert!(
            refused[0].starts_with("the account's name is not used as its label")
                && refused[0].contains("U+202E")
        );
        assert!(
            refused[1].starts_with("the account's organisational unit is not used as its group")
        );
        // An account that moves to a unit whose path breaks the rules keeps its group.
        let moved = [
            account("111111111111", "Acme Prod", Some("Prod")),
            account("222222222222", "Acme Dev", Some("Dev\x1b[2K")),
        ];
        let again = plan(&inputs(&p.config, &moved, true));
        assert_eq!(again.config.roles[1].group.as_deref(), Some("Acme Dev"));
        assert!(again
            .changes
            .iter()
            .any(|c| matches!(c, Change::Refused { id, .. } if id == &p.config.roles[1].id)));
        assert!(!again
            .changes
            .iter()
            .any(|c| matches!(c, Change::Update { .. })));
    }
}
