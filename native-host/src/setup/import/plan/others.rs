//! Every profile that becomes neither a role nor a gateway, with the reason: credentials
//! from credential_process, credential_source or a web identity token (rolecall runs no
//! external helper and needs an IAM user's long-term keys), SSO profiles without an account
//! and role, keys no role profile uses, and profiles with nothing for rolecall.

use super::profiles::{Profile, Profiles};
use super::{GatewayPlan, RolePlan, Skipped};
use std::collections::HashSet;

/// Why a profile cannot give rolecall a gateway's long-term keys, if it cannot.
pub(super) fn indirect_credentials(p: &Profile) -> Option<String> {
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

/// Every profile not imported nor skipped yet goes to `skipped`, with why.
pub(super) fn list_others(
    profiles: &Profiles,
    roles: &[RolePlan],
    gateways: &[GatewayPlan],
    skipped: &mut Vec<Skipped>,
) {
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
}

#[cfg(test)]
mod tests {
    use super::super::tests::{plan_files, reason};

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
}
