//! Doctor's browser checks: which browsers have a native-messaging manifest naming this
//! binary (per user, or system-wide where the browser reads one).

use super::{check, Check, Status};
use crate::browser::install::{self, Bases, Installed, Os};
use std::path::Path;

/// Which browsers have a correct manifest naming `binary`.
pub fn manifests(os: Os, bases: &Bases, binary: &Path) -> Vec<Check> {
    let mut out = Vec::new();
    let mut absent = Vec::new();
    let mut installed = 0;
    for browser in install::Browser::ALL {
        let fix = Some(format!("rolecall install --browser {}", browser.id()));
        let loc = match install::location(browser, os, bases) {
            Ok(l) => l,
            Err(e) => {
                out.push(check(
                    Status::Fail,
                    format!("{browser} manifest: {e}"),
                    None,
                ));
                continue;
            }
        };
        let path = loc.manifest.display();
        match install::inspect(&loc) {
            Installed::Present(m) => {
                installed += 1;
                let problems = m.problems(browser, binary);
                if problems.is_empty() {
                    out.push(check(Status::Ok, format!("{browser} manifest {path}"), None));
                } else {
                    out.push(check(
                        Status::Fail,
                        format!("{browser} manifest {path}: {}", problems.join("; ")),
                        fix,
                    ));
                }
            }
            Installed::Unreadable(e) => {
                installed += 1;
                out.push(check(
                    Status::Fail,
                    format!("{browser} manifest {path} cannot be read: {e}"),
                    fix,
                ));
            }
            // The browser reads a system-wide manifest (Linux) only when the user has none.
            Installed::Missing => match install::inspect_system(&loc) {
                Some((system, Installed::Present(m))) => {
                    installed += 1;
                    let problems = m.problems(browser, binary);
                    if problems.is_empty() {
                        out.push(check(
                            Status::Ok,
                            format!("{browser} manifest {} (system-wide)", system.display()),
                            None,
                        ));
                    } else {
                        out.push(check(
                            Status::Fail,
                            format!(
                                "{browser} system-wide manifest {}: {}",
                                system.display(),
                                problems.join("; ")
                            ),
                            Some(system_fix(browser)),
                        ));
                    }
                }
                Some((system, Installed::Unreadable(reason))) => {
                    installed += 1;
                    out.push(check(
                        Status::Fail,
                        format!(
                            "{browser} system-wide manifest {} cannot be read: {reason}",
                            system.display()
                        ),
                        Some(system_fix(browser)),
                    ));
                }
                _ if loc.browser_present() => out.push(check(
                    Status::Fail,
                    format!(
                        "{browser} is set up for this user ({}) but has no rolecall manifest, so the extension cannot start the host",
                        loc.present_folder().display()
                    ),
                    fix,
                )),
                _ => absent.push(browser.display_name()),
            },
        }
    }
    if installed == 0 && out.iter().all(|c| c.status != Status::Fail) {
        out.push(check(
            Status::Fail,
            "no browser has a rolecall manifest, so no extension can start the host",
            Some("rolecall install --browser firefox   (or chrome, chromium, edge, brave)".into()),
        ));
    }
    if !absent.is_empty() {
        out.push(check(
            Status::Info,
            format!("not set up for this user, skipped: {}", absent.join(", ")),
            None,
        ));
    }
    out
}

/// A system-wide manifest that is wrong for this binary: a per-user one is read first.
fn system_fix(browser: install::Browser) -> String {
    format!(
        "rolecall install --user --browser {}   (read before the system-wide one; or reinstall the package that placed it)",
        browser.id()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifests_of_either_kind_are_reported() {
        use crate::browser::install::{install_system, Browser, Target};
        let home = tempfile::tempdir().unwrap();
        let root = tempfile::tempdir().unwrap();
        let bases = Bases {
            home: Some(home.path().to_path_buf()),
            app_data: None,
            local_app_data: None,
            system_root: root.path().to_path_buf(),
        };
        let binary = std::fs::canonicalize(std::env::current_exe().unwrap()).unwrap();
        let only_fail = |checks: &[Check]| {
            checks
                .iter()
                .filter(|c| c.status == Status::Fail)
                .map(|c| c.message.clone())
                .collect::<Vec<_>>()
        };
        // Nothing anywhere: one failure saying so.
        let none = manifests(Os::Linux, &bases, &binary);
        assert_eq!(only_fail(&none).len(), 1);
        assert!(only_fail(&none)[0].contains("no browser has a rolecall manifest"));

        let target = Target::One(Browser::Firefox);
        install_system(target, Os::Linux, root.path(), binary.to_str().unwrap()).unwrap();
        let checks = manifests(Os::Linux, &bases, &binary);
        assert!(only_fail(&checks).is_empty(), "{checks:?}");
        let ok = checks
            .iter()
            .find(|c| c.status == Status::Ok)
            .expect("the system-wide manifest counts");
        assert!(
            ok.message.starts_with("Firefox manifest "),
            "{}",
            ok.message
        );
        assert!(ok.message.ends_with("dev.rolecall.host.json (system-wide)"));
        assert!(ok
            .message
            .contains("usr/lib/mozilla/native-messaging-hosts"));

        // One for another binary fails, and the fix is a per-user manifest (read first).
        install_system(target, Os::Linux, root.path(), "/opt/old/rolecall").unwrap();
        let checks = manifests(Os::Linux, &bases, &binary);
        let fail = checks.iter().find(|c| c.status == Status::Fail).unwrap();
        assert!(
            fail.message.contains("Firefox system-wide manifest"),
            "{}",
            fail.message
        );
        assert!(
            fail.message.contains("/opt/old/rolecall"),
            "{}",
            fail.message
        );
        assert!(fail
            .fix
            .as_deref()
            .unwrap()
            .starts_with("rolecall install --user --browser firefox"));
    }
}
