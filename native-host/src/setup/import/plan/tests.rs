//! The fixtures the plan's tests share (the example files, running a plan on them) and the
//! tests of the plan as a whole; each part's own tests sit beside it.

use super::super::ini::parse;
use super::*;

pub(super) const CONFIG: &str = "\
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

pub(super) const CREDENTIALS: &str = "\
[corp]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY

[temp]
aws_access_key_id = ASIAIOSFODNN7EXAMPLE
aws_secret_access_key = x
aws_session_token = y
";

pub(super) fn run(existing: &Config, keyring: &[&str]) -> Plan {
    let config = parse(CONFIG);
    let credentials = parse(CREDENTIALS);
    let keyring: HashSet<String> = keyring.iter().map(|s| s.to_string()).collect();
    plan(&Inputs {
        config: Some(&config),
        credentials: Some(&credentials),
        credentials_path: "~/.aws/credentials",
        existing,
        keyring_gateways: &keyring,
        new_gateway_mfa_mode: crate::store::config::MfaMode::Daily,
    })
    .unwrap()
}

pub(super) fn reason<'a>(p: &'a Plan, profile: &str) -> &'a str {
    &p.skipped
        .iter()
        .find(|s| s.profile == profile)
        .unwrap_or_else(|| panic!("{profile} not skipped: {:?}", p.skipped))
        .reason
}

pub(super) fn plan_files(config: &str, credentials: &str) -> (Plan, IniFile, IniFile) {
    let (config, credentials) = (parse(config), parse(credentials));
    let p = plan(&Inputs {
        config: Some(&config),
        credentials: Some(&credentials),
        credentials_path: "c",
        existing: &Config::default(),
        keyring_gateways: &HashSet::new(),
        new_gateway_mfa_mode: crate::store::config::MfaMode::Daily,
    })
    .unwrap();
    (p, config, credentials)
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
