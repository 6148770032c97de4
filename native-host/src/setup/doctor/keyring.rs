//! Doctor's local checks: the config parses, the OS keyring answers, and each gateway has
//! its keys there.

use super::{check, Check, Status};
use crate::app::App;
use crate::store::config::Config;

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
                    "config {} ({} gateways, {} roles)",
                    path.display(),
                    c.gateways.len(),
                    c.roles.len()
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

    let keyring_ok = match app.secrets().probe() {
        Ok(()) => {
            out.push(check(
                Status::Ok,
                format!(
                    "OS keyring reachable (service '{}')",
                    app.secrets().service()
                ),
                None,
            ));
            true
        }
        Err(e) => {
            let reason = match e {
                crate::error::Error::KeyringUnavailable(r) => r,
                other => other.to_string(),
            };
            out.push(check(
                Status::Fail,
                format!("the OS keyring cannot be reached ({reason})"),
                Some(keyring_fix().into()),
            ));
            false
        }
    };

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
                out.push(check(
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
                Ok(true) => out.push(check(
                    Status::Ok,
                    format!("gateway '{}' has keys in the keyring", g.name),
                    None,
                )),
                Ok(false) => out.push(check(
                    Status::Fail,
                    format!("gateway '{}' has no keys in the keyring", g.name),
                    fix,
                )),
                Err(e) => out.push(check(
                    Status::Fail,
                    format!("gateway '{}' keys: {e}", g.name),
                    Some(keyring_fix().into()),
                )),
            }
        }
    }
    (out, config, keyring_ok)
}

pub(super) fn keyring_fix() -> &'static str {
    if cfg!(target_os = "linux") {
        "unlock your login keyring, or start a Secret Service (gnome-keyring-daemon, KeePassXC) in this session; without a desktop (SSH, a server): README, \"No desktop? A Secret Service on a headless or SSH machine\""
    } else {
        "unlock your keychain / Credential Manager"
    }
}
