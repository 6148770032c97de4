//! IAM user keys → gateways: where a role's source profile gets its long-term keys (a file,
//! or the keyring already), why it cannot be a gateway if it cannot, the file lines that
//! hold its keys (to move them into the keyring), the one MFA device rolecall asks for per
//! gateway, and the gateways merged into the config.

use super::others::indirect_credentials;
use super::profiles::{profile_name, Profile, Profiles, Value};
use super::roles::Candidate;
use super::{action, diff, FileKind, GatewayPlan, Inputs, KeyMove, Keys};
use crate::credentials::LongTermKeys;
use crate::store::config::{Config, Gateway};
use std::collections::{BTreeMap, BTreeSet};

/// Where a gateway's keys come from, or why the profile cannot be one.
pub(super) enum Source {
    FileKeys(KeyMove),
    Keyring,
}

pub(super) fn source_for(
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

/// The gateways `sources` name into `config` (added, or updated in place), with what
/// changed and the keys each has; the key lines to move out of the files.
pub(super) fn plan_gateways(
    sources: Vec<(String, Source)>,
    candidates: &[Candidate],
    profiles: &Profiles,
    inputs: &Inputs<'_>,
    config: &mut Config,
    notes: &mut Vec<String>,
) -> (Vec<GatewayPlan>, Vec<KeyMove>) {
    let mut gateways = Vec::new();
    let mut key_moves = Vec::new();
    for (name, keys) in sources {
        let source_profile = profiles.get(&name);
        let users: Vec<&Candidate> = candidates
            .iter()
            .filter(|c| c.role.gateway.as_deref() == Some(name.as_str()))
            .collect();
        let mfa = gateway_mfa(&name, &users, source_profile, notes);
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
        // A new gateway with a device spends codes as the import says (daily unless told
        // otherwise), written out; an existing one keeps its mode, written or not.
        if old.is_none() && g.mfa_serial.is_some() {
            g.mfa_mode = Some(inputs.new_gateway_mfa_mode);
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
            mfa_mode: g.mfa_serial.is_some().then(|| g.mfa_mode()),
        });
        match existing {
            Some(i) => config.gateways[i] = g,
            None => config.gateways.push(g),
        }
    }
    (gateways, key_moves)
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
    use super::super::tests::{plan_files, reason, run, CREDENTIALS};
    use super::super::{plan, FileKind, Inputs, Keys};
    use crate::setup::import::ini::parse;
    use crate::store::config::Config;
    use std::collections::{BTreeMap, BTreeSet, HashSet};

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
            new_gateway_mfa_mode: crate::store::config::MfaMode::Daily,
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
    fn empty_keys_are_no_keys() {
        let (p, _, _) = plan_files(
            "[profile r]\nrole_arn = arn:aws:iam::111111111111:role/A\nsource_profile = gw\n",
            "[gw]\naws_access_key_id =\naws_secret_access_key =\n",
        );
        let why = reason(&p, "r");
        assert!(why.starts_with("missing keys"), "{why}");
        assert!(why.contains("(only empty ones)") && !why.contains("only one of"));
    }
}
