//! The `~/.aws/config` + `~/.aws/credentials` importer: INI reader and import plan.
//!
//! Input: the config file's text, a NUL byte, the credentials file's text (no NUL: no
//! credentials file). `vault-user` has keys in the keyring, as in tests/fixtures/aws.
//!
//! Invariants: the reader keeps every byte (rewriting with no line dropped gives the input
//! back) and its positions point inside the file; planning into an empty rolecall config
//! succeeds (a bad profile is skipped, never fails the import) and accounts for every
//! profile (a role, a gateway or skipped with a reason); every planned role has a
//! 12-digit account, a role name and a gateway (or SSO source) of the planned config, and
//! matches its ARN (or account and permission set);
//! the planned config validates; a key move's lines exist and, once dropped, leave the
//! moved secret under that profile in neither file; importing the result again changes
//! nothing, and neither does importing again after the keys were moved.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rolecall::setup::import::ini::{self, IniFile};
use rolecall::setup::import::plan::{self, FileKind, Inputs, Plan};
use rolecall::store::config::Config;
use std::collections::{BTreeSet, HashSet};

fn check_ini(text: &str, f: &IniFile) {
    assert_eq!(f.lines.concat(), text);
    assert_eq!(f.without_lines(&BTreeSet::new()), text);
    for s in &f.sections {
        assert!(s.line < f.lines.len());
        for p in &s.properties {
            assert!(s.line < p.first_line && p.first_line < p.end_line);
            assert!(p.end_line <= f.lines.len());
            assert_eq!(p.key, p.key.to_ascii_lowercase());
            assert!(!p.key.is_empty());
        }
    }
}

fn run_plan(
    config: Option<&IniFile>,
    credentials: Option<&IniFile>,
    existing: &Config,
    keyring: &HashSet<String>,
) -> Plan {
    let inputs = Inputs {
        config,
        credentials,
        credentials_path: "~/.aws/credentials",
        existing,
        keyring_gateways: keyring,
        new_gateway_mfa_mode: rolecall::store::config::MfaMode::Daily,
    };
    match plan::plan(&inputs) {
        Ok(p) => p,
        Err(e) => panic!("the import failed as a whole instead of skipping a profile: {e}"),
    }
}

fn unquote(s: &str) -> Option<&str> {
    ['"', '\'']
        .into_iter()
        .find_map(|q| s.strip_prefix(q)?.strip_suffix(q))
}

/// The profile a section of `file` belongs to, read the way the plan documents it: in the
/// config file `[default]` or `[profile NAME]`, NAME maybe quoted; in the credentials file
/// `[NAME]`, neither prefixed with `profile` nor quoted. Only a quoted name holds spaces.
fn profile_of(header: &str, file: FileKind) -> Option<&str> {
    let prefixed = header
        .strip_prefix("profile")
        .filter(|r| r.starts_with([' ', '\t']))
        .map(|r| r.trim_matches([' ', '\t']));
    let (name, quoted) = match file {
        FileKind::Credentials if prefixed.is_some() || unquote(header).is_some() => return None,
        FileKind::Credentials => (header, false),
        FileKind::Config if header == "default" => ("default", false),
        FileKind::Config => {
            let rest = prefixed?;
            unquote(rest).map_or((rest, false), |n| (n, true))
        }
    };
    (!name.is_empty() && (quoted || !name.contains([' ', '\t']))).then_some(name)
}

fn secret_left(f: &IniFile, file: FileKind, gateway: &str, secret: &str) -> bool {
    f.sections.iter().any(|s| {
        profile_of(&s.header, file) == Some(gateway)
            && s.properties
                .iter()
                .any(|p| p.key == "aws_secret_access_key" && p.value == secret)
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (config_text, credentials_text) = match text.split_once('\0') {
        Some((c, k)) => (c, Some(k)),
        None => (&*text, None),
    };
    let config = ini::parse(config_text);
    check_ini(config_text, &config);
    let credentials = credentials_text.map(ini::parse);
    if let (Some(t), Some(f)) = (credentials_text, &credentials) {
        check_ini(t, f);
    }

    let keyring: HashSet<String> = ["vault-user".to_owned()].into();
    let plan = run_plan(
        Some(&config),
        credentials.as_ref(),
        &Config::default(),
        &keyring,
    );
    plan.config.validate().expect("the planned config is valid");
    for r in &plan.roles {
        let role = plan
            .config
            .role(&r.id)
            .expect("a planned role is in the config");
        assert_eq!(role.account_id.len(), 12);
        assert!(role.account_id.bytes().all(|b| b.is_ascii_digit()));
        assert!(!role.role_name.is_empty());
        match (&role.gateway, &role.sso) {
            (Some(g), None) => {
                assert!(r.arn.ends_with(&format!(
                    ":iam::{}:role/{}",
                    role.account_id, role.role_name
                )));
                assert!(plan.config.gateway(g).is_some());
            }
            (None, Some(s)) => {
                assert_eq!(r.arn, format!("{} {}", role.account_id, role.role_name));
                assert!(plan.config.sso_source(s).is_some());
            }
            other => panic!("a planned role names {other:?}"),
        }
    }
    let ids: HashSet<&str> = plan.roles.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids.len(), plan.roles.len(), "a role planned twice");

    // Every profile is accounted for: imported as a role or a gateway, or listed as skipped.
    let files = [
        (Some(&config), FileKind::Config),
        (credentials.as_ref(), FileKind::Credentials),
    ];
    for (f, kind) in files {
        for sec in f.map_or(&[][..], |f| &f.sections[..]) {
            let Some(name) = profile_of(&sec.header, kind) else {
                continue;
            };
            let listed = plan.roles.iter().any(|r| r.id == name)
                || plan.gateways.iter().any(|g| g.name == name)
                || plan.skipped.iter().any(|s| s.profile == name);
            assert!(
                listed,
                "profile '{name}' is neither imported nor listed as skipped"
            );
        }
    }

    for m in &plan.key_moves {
        let secret = &m.keys.secret_access_key;
        for (kind, file) in [
            (FileKind::Config, Some(&config)),
            (FileKind::Credentials, credentials.as_ref()),
        ] {
            let Some(file) = file else {
                assert!(
                    !m.lines.contains_key(&kind),
                    "lines to drop from a file that is not there"
                );
                continue;
            };
            let empty = BTreeSet::new();
            let drop = m.lines.get(&kind).unwrap_or(&empty);
            assert!(drop.iter().all(|&l| l < file.lines.len()));
            let rewritten = ini::parse(&file.without_lines(drop));
            assert!(
                !secret_left(&rewritten, kind, &m.gateway, secret),
                "the moved secret of '{}' is still in the {kind:?} file",
                m.gateway
            );
        }
    }

    // Importing the same files into the result is a no-op.
    let again = run_plan(Some(&config), credentials.as_ref(), &plan.config, &keyring);
    assert!(
        !again.changes_anything(),
        "re-import changes: {:?} {:?}",
        again.gateways,
        again.roles
    );
    assert_eq!(again.config, plan.config);

    // So is importing again after --move-keys: the keys in the keyring, gone from the files.
    let moved_keyring: HashSet<String> = keyring
        .iter()
        .cloned()
        .chain(plan.key_moves.iter().map(|m| m.gateway.clone()))
        .collect();
    let after = |f: &IniFile, kind: FileKind| {
        let drop: BTreeSet<usize> = plan
            .key_moves
            .iter()
            .filter_map(|m| m.lines.get(&kind))
            .flatten()
            .copied()
            .collect();
        ini::parse(&f.without_lines(&drop))
    };
    let config_after = after(&config, FileKind::Config);
    let credentials_after = credentials
        .as_ref()
        .map(|f| after(f, FileKind::Credentials));
    let moved = run_plan(
        Some(&config_after),
        credentials_after.as_ref(),
        &plan.config,
        &moved_keyring,
    );
    assert!(
        !moved.changes_anything(),
        "import after moving the keys changes: {:?} {:?}",
        moved.gateways,
        moved.roles
    );
    assert_eq!(moved.config, plan.config);
    assert!(
        moved.key_moves.is_empty(),
        "keys left to move: {:?}",
        moved.key_moves
    );
});
