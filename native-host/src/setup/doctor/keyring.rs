//! Doctor's local checks: the config parses, the OS keyring answers, and each gateway has
//! its keys there.

use super::{check, Check, Status};
use crate::app::App;
use crate::store::config::Config;
use crate::words::count;

/// The config, and the keyring's state for it.
pub fn config_and_keyring(app: &App) -> (Vec<Check>, Option<Config>, bool) {
    let mut out = Vec::new();
    let path = app.config_path();
    let config = match app.load_config() {
        Ok(c) if !path.exists() => {
            out.push(check(
                Status::Warn,
                format!("no config yet at {}", path.display()),
                Some("rolecall import aws-config --dry-run, or rolecall gateway add NAME --access-key-id ID".into()),
            ));
            Some(c)
        }
        Ok(c) => {
            out.push(check(
                Status::Ok,
                format!(
                    "config {} ({}, {})",
                    path.display(),
                    count(c.gateways.len(), "gateway"),
                    count(c.roles.len(), "role")
                ),
                None,
            ));
            Some(c)
        }
        Err(e) => {
            out.push(check(
                Status::Fail,
                e.to_string(),
                Some(format!("edit {} (it is TOML)", path.display())),
            ));
            None
        }
    };

    // The keyring's own line comes after the gateways' key reads: a keyring that answers a
    // probe but cannot read a gateway's keys (a locked item, a broken entry) is not
    // "reachable" for rolecall's purpose.
    let probe = app.secrets().probe();
    let keyring_ok = probe.is_ok();
    let mut key_checks = Vec::new();
    let mut unreadable = None;
    if let Some(c) = &config {
        if c.gateways.is_empty() {
            out.push(check(
                Status::Warn,
                "no gateways configured",
                Some("rolecall gateway add NAME --access-key-id ID   (or rolecall import aws-config)".into()),
            ));
        } else if c.roles.is_empty() {
            out.push(check(
                Status::Warn,
                "no roles configured",
                Some(
                    "rolecall role add ID --account ACCOUNT --role-name NAME --gateway GATEWAY"
                        .into(),
                ),
            ));
        }
        for g in &c.gateways {
            let fix = Some(format!(
                "rolecall gateway add {} --access-key-id <ID>   (or rolecall import aws-config --move-keys)",
                g.name
            ));
            if !keyring_ok {
                key_checks.push(check(
                    Status::Warn,
                    format!(
                        "gateway '{}' keys: not checked, the keyring is unreachable",
                        g.name
                    ),
                    None,
                ));
                continue;
            }
            match app.secrets().has_gateway_keys(&g.name) {
                Ok(true) => key_checks.push(check(
                    Status::Ok,
                    format!("gateway '{}' has keys in the keyring", g.name),
                    None,
                )),
                Ok(false) => key_checks.push(check(
                    Status::Fail,
                    format!("gateway '{}' has no keys in the keyring", g.name),
                    fix,
                )),
                Err(e) => {
                    unreadable.get_or_insert_with(|| e.to_string());
                    key_checks.push(check(
                        Status::Fail,
                        format!("gateway '{}' keys: {e}", g.name),
                        Some(keyring_fix().into()),
                    ))
                }
            }
        }
    }
    out.push(match (probe, &unreadable) {
        (Ok(()), None) => check(
            Status::Ok,
            format!(
                "OS keyring reachable (service '{}')",
                app.secrets().service()
            ),
            None,
        ),
        (Ok(()), Some(why)) => check(
            Status::Fail,
            format!(
                "the OS keyring answers (service '{}') but cannot read the gateways' keys ({why})",
                app.secrets().service()
            ),
            Some(keyring_fix().into()),
        ),
        (Err(e), _) => {
            let reason = match e {
                crate::error::Error::KeyringUnavailable(r) => r,
                other => other.to_string(),
            };
            check(
                Status::Fail,
                format!("the OS keyring cannot be reached ({reason})"),
                Some(keyring_fix().into()),
            )
        }
    });
    out.extend(key_checks);
    (out, config, keyring_ok)
}

pub(super) fn keyring_fix() -> &'static str {
    if cfg!(target_os = "linux") {
        "unlock your login keyring, or start a Secret Service (gnome-keyring-daemon, KeePassXC) in this session; without a desktop (SSH, a server): docs/INSTALL.md, \"No desktop? A Secret Service on a headless or SSH machine\""
    } else {
        "unlock your keychain / Credential Manager"
    }
}
