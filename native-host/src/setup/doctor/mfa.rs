//! Doctor's lines for the gateways' MFA commands (`mfa_process`): each program resolves to
//! an executable file. The command is not run unless asked (`doctor --run-mfa-process`): it
//! may wait for a touch of a key, which a health check must not do by surprise. When run,
//! only whether it gave a code is said, never the code.

use super::{check, Check, Status};
use crate::sources::gateway::mfa_process;
use crate::store::config::Config;

pub fn mfa_processes(config: &Config, run: bool) -> Vec<Check> {
    let mut out = Vec::new();
    for g in &config.gateways {
        let Some(argv) = &g.mfa_process else {
            continue;
        };
        let fix = Some(format!(
            "rolecall gateway set {} --mfa-process -- /full/path/to/PROGRAM ARGS…   (or --no-mfa-process)",
            g.name
        ));
        if g.mfa_serial.is_none() {
            out.push(check(
                Status::Warn,
                format!(
                    "gateway '{}' has an MFA command but no MFA device: it is never run",
                    g.name
                ),
                Some(format!(
                    "rolecall gateway set {} --mfa-serial ARN   (or --no-mfa-process)",
                    g.name
                )),
            ));
            continue;
        }
        let program = argv.first().map(String::as_str).unwrap_or_default();
        let path = match mfa_process::resolve(program) {
            Ok(p) => p,
            Err(why) => {
                out.push(check(
                    Status::Fail,
                    format!(
                        "gateway '{}' MFA command: its program {program} cannot be run ({why}); opens ask for the code instead",
                        g.name
                    ),
                    fix,
                ));
                continue;
            }
        };
        if !run {
            out.push(check(
                Status::Ok,
                format!(
                    "gateway '{}' MFA command: {} is executable (not run: `rolecall doctor --run-mfa-process` runs it{})",
                    g.name,
                    path.display(),
                    if std::path::Path::new(program).is_absolute() {
                        ""
                    } else {
                        "; a browser may start rolecall with another PATH, so a full path is safer"
                    }
                ),
                None,
            ));
            continue;
        }
        match mfa_process::run(argv, g.mfa_process_timeout()) {
            Ok(_code) => out.push(check(
                Status::Ok,
                format!(
                    "gateway '{}' MFA command ran and gave a 6-digit code ({})",
                    g.name,
                    path.display()
                ),
                None,
            )),
            Err(e) => out.push(check(
                Status::Fail,
                format!(
                    "gateway '{}' MFA command gave no code: {e}; opens ask for the code instead",
                    g.name
                ),
                fix,
            )),
        }
    }
    out
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use crate::store::config::Gateway;
    use std::os::unix::fs::PermissionsExt;

    fn gateway(name: &str, argv: &[&str], device: bool) -> Gateway {
        Gateway {
            name: name.into(),
            mfa_serial: device.then(|| "arn:aws:iam::123456789012:mfa/ana".into()),
            mfa_process: Some(argv.iter().map(|s| (*s).to_owned()).collect()),
            mfa_process_timeout_seconds: Some(5),
            ..Gateway::default()
        }
    }

    #[test]
    fn resolves_without_running_unless_asked() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("ran");
        let script = dir.path().join("code.sh");
        std::fs::write(
            &script,
            format!("#!/bin/sh\ntouch '{}'\necho 123456\n", marker.display()),
        )
        .unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let config = Config {
            gateways: vec![
                gateway("ok", &[script.to_str().unwrap()], true),
                gateway("missing", &["/no/such/ykman", "oath"], true),
                gateway("deviceless", &["sh"], false),
                Gateway {
                    name: "plain".into(),
                    ..Gateway::default()
                },
            ],
            ..Config::default()
        };
        let checks = mfa_processes(&config, false);
        let status: Vec<Status> = checks.iter().map(|c| c.status).collect();
        assert_eq!(status, [Status::Ok, Status::Fail, Status::Warn]);
        assert!(
            checks[0].message.contains("not run"),
            "{}",
            checks[0].message
        );
        assert!(
            !marker.exists(),
            "doctor ran the command without being asked"
        );
        let ran = mfa_processes(&config, true);
        assert!(marker.exists());
        assert!(
            ran[0].message.contains("gave a 6-digit code") && !ran[0].message.contains("123456")
        );
    }
}
