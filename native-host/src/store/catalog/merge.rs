//! Putting the catalogues' roles after the user's: each mapped to the user's own sources,
//! the user's role winning over a catalogue's of the same id (and an earlier catalogue over
//! a later one), and what became of every catalogue reported. A role, the user's or a
//! catalogue's, whose label, group or links break their rules (store/config `text`) is left
//! out and reported: it never fails a listing.

use crate::store::config::{check_role_text, CatalogRef, Config, Role};
use std::collections::{HashMap, HashSet};

/// What became of one subscribed catalogue when the roles were put together.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub name: String,
    /// Why its accepted copy could not be used (missing, changed, unreadable), if so.
    pub error: Option<String>,
    /// How many roles it has.
    pub roles: usize,
    /// Its roles that are listed.
    pub shown: usize,
    /// Its roles hidden by a role of the same id: (id, by whom: "local" or a catalogue).
    pub shadowed: Vec<(String, String)>,
    /// Its roles left out: (id, why), e.g. a source no local one is mapped to, or a label
    /// that breaks the text rules.
    pub unusable: Vec<(String, String)>,
}

/// The config with every catalogue's roles added after the local ones.
#[derive(Debug, Clone, Default)]
pub struct Effective {
    /// Local roles first, then each catalogue's, mapped to the user's sources.
    pub config: Config,
    /// Role id → the catalogue it comes from (local roles are absent).
    pub origin: HashMap<String, String>,
    /// Local role id → the catalogue whose role of the same id it hides.
    pub shadows: HashMap<String, String>,
    pub reports: Vec<Report>,
    /// The user's own roles left out, with why: their text breaks its rules (a hand-edited
    /// config; the CLI writes no such role). Their ids stay theirs: no catalogue role
    /// takes one.
    pub left_out: Vec<(String, String)>,
}

impl Effective {
    pub fn catalog_of(&self, role: &str) -> Option<&str> {
        self.origin.get(role).map(String::as_str)
    }
}

/// The catalogue's role with its source names mapped to the user's; `Err` says why it
/// cannot be used here.
pub fn map_role(catalog: &CatalogRef, role: &Role, config: &Config) -> Result<Role, String> {
    let mut r = role.clone();
    match (&role.gateway, &role.sso) {
        (Some(g), None) => {
            let local = catalog.local_name(g);
            if config.gateway(local).is_none() {
                return Err(format!(
                    "its gateway '{g}' is not one of yours: map it with `rolecall catalog update {} --map {g}=YOUR-GATEWAY`",
                    catalog.name
                ));
            }
            r.gateway = Some(local.to_owned());
        }
        (None, Some(s)) => {
            let local = catalog.local_name(s);
            if config.sso_source(local).is_none() {
                return Err(format!(
                    "its SSO source '{s}' is not one of yours: map it with `rolecall catalog update {} --map {s}=YOUR-SSO-SOURCE`",
                    catalog.name
                ));
            }
            r.sso = Some(local.to_owned());
        }
        _ => return Err("it names no single source".into()),
    }
    Ok(r)
}

/// Puts the local roles and every catalogue's together. `load` gives a catalogue's roles
/// (normally [`read_accepted`]); a catalogue that fails is reported and left out.
pub fn effective(
    config: &Config,
    mut load: impl FnMut(&CatalogRef) -> Result<Vec<Role>, String>,
) -> Effective {
    let mut out = Effective {
        config: config.clone(),
        ..Effective::default()
    };
    out.config.roles.retain(|r| match check_role_text(r) {
        Ok(()) => true,
        Err(why) => {
            out.left_out.push((r.id.clone(), why));
            false
        }
    });
    if config.catalogs.is_empty() {
        return out;
    }
    let local: HashSet<&str> = config.roles.iter().map(|r| r.id.as_str()).collect();
    let mut taken: HashMap<String, String> = HashMap::new();
    for catalog in &config.catalogs {
        let mut report = Report {
            name: catalog.name.clone(),
            ..Report::default()
        };
        let roles = match load(catalog) {
            Ok(r) => r,
            Err(e) => {
                log::warn!("catalogue {} left out: {e}", catalog.name);
                report.error = Some(e);
                out.reports.push(report);
                continue;
            }
        };
        report.roles = roles.len();
        let mut added = Vec::new();
        for role in &roles {
            if local.contains(role.id.as_str()) {
                out.shadows
                    .entry(role.id.clone())
                    .or_insert_with(|| catalog.name.clone());
                report.shadowed.push((role.id.clone(), "local".into()));
                continue;
            }
            if let Some(by) = taken.get(&role.id) {
                report
                    .shadowed
                    .push((role.id.clone(), format!("catalogue {by}")));
                continue;
            }
            if let Err(why) = check_role_text(role) {
                report.unusable.push((role.id.clone(), why));
                continue;
            }
            match map_role(catalog, role, config) {
                Ok(r) => added.push(r),
                Err(why) => report.unusable.push((role.id.clone(), why)),
            }
        }
        // The usual case: every role passes the config's rules together. Else each is
        // checked against the local config alone, and the ones that fail are left out.
        let before = out.config.roles.len();
        out.config.roles.extend(added);
        if out.config.validate().is_err() {
            let candidates = out.config.roles.split_off(before);
            let mut alone = config.clone();
            for r in candidates {
                alone.roles.push(r);
                match alone.validate() {
                    Ok(()) => out.config.roles.push(alone.roles.pop().unwrap_or_default()),
                    Err(e) => {
                        let r = alone.roles.pop().unwrap_or_default();
                        report.unusable.push((r.id, e));
                    }
                }
            }
        }
        for r in &out.config.roles[before..] {
            taken.insert(r.id.clone(), catalog.name.clone());
            out.origin.insert(r.id.clone(), catalog.name.clone());
        }
        report.shown = out.config.roles.len() - before;
        out.reports.push(report);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::{parse, parse_accepted, GOOD};
    use super::*;

    fn local() -> Config {
        toml::from_str(
            r#"
[[gateway]]
name = "corp"
region = "eu-west-1"

[[sso]]
name = "acme"
start_url = "https://acme.awsapps.com/start"
region = "eu-west-1"

[[role]]
id = "shared-prod"
account_id = "999999999999"
role_name = "Mine"
gateway = "corp"

[[catalog]]
name = "platform"
file = "/tmp/platform.toml"
sha256 = "0000000000000000000000000000000000000000000000000000000000000000"
map = { team = "corp", company = "acme" }
"#,
        )
        .unwrap()
    }

    #[test]
    fn catalogue_roles_are_mapped_and_local_ones_win() {
        let config = local();
        config.validate().unwrap();
        let e = effective(&config, |_| {
            parse("cat.toml", GOOD.as_bytes()).map_err(|e| e.to_string())
        });
        let ids: Vec<&str> = e.config.roles.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["shared-prod", "shared-dev"]);
        // The local shared-prod wins; shared-dev comes from the catalogue, mapped.
        assert_eq!(e.config.roles[0].account_id, "999999999999");
        assert_eq!(e.catalog_of("shared-dev"), Some("platform"));
        assert_eq!(e.catalog_of("shared-prod"), None);
        assert_eq!(
            e.shadows.get("shared-prod").map(String::as_str),
            Some("platform")
        );
        assert_eq!(e.config.roles[1].sso.as_deref(), Some("acme"));
        assert_eq!(e.config.region_of(&e.config.roles[1]), "eu-west-1");
        e.config.validate().unwrap();
        let r = &e.reports[0];
        assert_eq!((r.roles, r.shown), (2, 1));
        assert_eq!(r.shadowed, [("shared-prod".to_owned(), "local".to_owned())]);
    }

    #[test]
    fn unmapped_sources_and_broken_copies_leave_the_local_roles_alone() {
        let mut config = local();
        config.catalogs[0].map.clear();
        let e = effective(&config, |_| {
            parse("cat.toml", GOOD.as_bytes()).map_err(|e| e.to_string())
        });
        assert_eq!(e.config.roles.len(), 1);
        assert_eq!(e.reports[0].unusable.len(), 1);
        assert!(e.reports[0].unusable[0].1.contains("--map company="));
        let e = effective(&config, |_| Err("its copy is missing".into()));
        assert_eq!(e.config.roles, config.roles);
        assert_eq!(e.reports[0].error.as_deref(), Some("its copy is missing"));
    }

    #[test]
    fn a_role_the_local_config_refuses_is_left_out_alone() {
        let config = local();
        // A region of another partition than its gateway's default is fine; an unknown
        // one is not, and only that role is dropped.
        let text = GOOD.replace("group = \"Acme\"", "region = \"mars-north-1\"");
        let e = effective(&config, |_| {
            parse_accepted("c", text.as_bytes()).map_err(|e| e.to_string())
        });
        assert_eq!(e.config.roles.len(), 2);
        assert_eq!(e.reports[0].unusable.len(), 0);
        assert_eq!(e.reports[0].shadowed.len(), 1);
        let text = GOOD
            .replace("id = \"shared-prod\"", "id = \"p2\"")
            .replace("group = \"Acme\"", "region = \"mars-north-1\"");
        let e = effective(&config, |_| {
            parse_accepted("c", text.as_bytes()).map_err(|e| e.to_string())
        });
        let ids: Vec<&str> = e.config.roles.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["shared-prod", "shared-dev"]);
        assert!(e.reports[0].unusable[0].1.contains("mars-north-1"));
    }

    #[test]
    fn roles_whose_text_breaks_the_rules_are_left_out_and_reported_never_failing_the_listing() {
        let mut config = local();
        // A hand-edited role of the user's own with a 3 MiB label.
        config.roles[0].label = Some("x".repeat(3 << 20));
        config.validate().unwrap();
        let text = format!(
            "{}\nlabel = \"Prod\\u001b]52;c;cGF5bG9hZA==\\u0007\"\n{}",
            GOOD.trim_end(),
            "[[role]]\nid = \"shared-ok\"\naccount_id = \"333333333333\"\nrole_name = \"Admin\"\ngateway = \"team\"\nlabel = \"Fine · ok\"\n"
        );
        let roles = parse("cat.toml", text.as_bytes()).unwrap();
        assert_eq!(
            roles[1].label.as_deref(),
            Some("Prod\x1b]52;c;cGF5bG9hZA==\x07")
        );
        let e = effective(&config, |_| Ok(roles.clone()));
        let ids: Vec<&str> = e.config.roles.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["shared-ok"]);
        assert_eq!(e.left_out.len(), 1);
        assert_eq!(e.left_out[0].0, "shared-prod");
        assert!(
            e.left_out[0].1.contains("3145728 characters long"),
            "{:?}",
            e.left_out
        );
        // The user's id stays the user's: the catalogue's shared-prod does not take it.
        assert_eq!(
            e.reports[0].shadowed,
            [("shared-prod".to_owned(), "local".to_owned())]
        );
        let r = &e.reports[0];
        assert_eq!((r.roles, r.shown), (3, 1));
        assert_eq!(r.unusable.len(), 1);
        assert_eq!(r.unusable[0].0, "shared-dev");
        assert!(r.unusable[0].1.contains("U+001B"), "{:?}", r.unusable);
        assert!(!r.unusable[0].1.contains('\x1b'));
        // Without catalogues too.
        config.catalogs.clear();
        let e = effective(&config, |_| unreachable!());
        assert!(e.config.roles.is_empty() && e.left_out.len() == 1);
    }
}
