//! The per-user install and uninstall (`rolecall install`, `--user`, `--uninstall`): one
//! manifest per browser in the user's own folders, plus the registry key on Windows.

use super::location::{location, Bases};
use super::manifest::Manifest;
use super::system::system_registration;
use super::table::Os;
use super::{browsers, path_str, registry, InstallError, Outcome, Step, Target};
use crate::store::files::atomic_write;
use std::path::Path;

/// Writes the manifest for each targeted browser. `All` writes only where the browser's
/// folder exists; a named browser gets its folder created. Writing the same bytes again
/// is skipped, so re-running is idempotent. Where the user has no manifest and a
/// system-wide one registers `binary` already (the Debian package's), nothing is written
/// unless `even_if_system`.
pub fn install(
    target: Target,
    os: Os,
    bases: &Bases,
    binary: &Path,
    even_if_system: bool,
) -> Result<Vec<Step>, InstallError> {
    let binary_str = binary
        .to_str()
        .ok_or_else(|| InstallError::NotUtf8(binary.to_path_buf()))?;
    let mut steps = Vec::new();
    for browser in browsers(target) {
        let location = location(browser, os, bases)?;
        if !even_if_system && !location.manifest.exists() {
            if let Some(system) = system_registration(&location, binary) {
                steps.push(Step {
                    location,
                    outcome: Outcome::SystemWide(system),
                });
                continue;
            }
        }
        // A manifest of ours already there is kept current even if the browser's folder
        // holds nothing else (an earlier named install made it).
        if target == Target::All && !location.browser_present() && !location.manifest.exists() {
            steps.push(Step {
                location,
                outcome: Outcome::SkippedAbsent,
            });
            continue;
        }
        let bytes = Manifest::new(browser, binary_str).to_bytes();
        let same = std::fs::read(&location.manifest).is_ok_and(|old| old == bytes);
        let registered = match &location.registry_key {
            Some(key) => registry::get(key).as_deref() == Some(path_str(&location.manifest)),
            None => true,
        };
        if same && registered {
            steps.push(Step {
                location,
                outcome: Outcome::Unchanged,
            });
            continue;
        }
        // Not secret, but nothing else needs to write it: 0644 like any config a browser reads.
        atomic_write(&location.manifest, &bytes, 0o644).map_err(|source| InstallError::Write {
            path: location.manifest.clone(),
            source,
        })?;
        if let Some(key) = &location.registry_key {
            registry::set(key, path_str(&location.manifest))?;
        }
        steps.push(Step {
            location,
            outcome: Outcome::Wrote,
        });
    }
    Ok(steps)
}

/// Removes our manifest file (and registry key) for each targeted browser, and nothing else:
/// folders stay, as do other hosts' manifests.
pub fn uninstall(target: Target, os: Os, bases: &Bases) -> Result<Vec<Step>, InstallError> {
    let mut steps = Vec::new();
    for browser in browsers(target) {
        let location = location(browser, os, bases)?;
        let mut removed = match std::fs::remove_file(&location.manifest) {
            Ok(()) => true,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
            Err(source) => {
                return Err(InstallError::Remove {
                    path: location.manifest.clone(),
                    source,
                })
            }
        };
        if let Some(key) = &location.registry_key {
            removed |= registry::delete(key)?;
        }
        steps.push(Step {
            location,
            outcome: if removed {
                Outcome::Removed
            } else {
                Outcome::NotInstalled
            },
        });
    }
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::browser::install::{inspect, install_system, system_manifest, Browser, Installed};

    #[test]
    fn install_all_skips_absent_browsers_and_is_idempotent_and_uninstall_is_precise() {
        let home = tempfile::tempdir().unwrap();
        let bases = Bases {
            home: Some(home.path().to_path_buf()),
            app_data: None,
            local_app_data: None,
            system_root: home.path().join("no-system"),
        };
        let binary = std::fs::canonicalize(std::env::current_exe().unwrap()).unwrap();
        std::fs::create_dir_all(home.path().join(".config/chromium")).unwrap();
        let steps = install(Target::All, Os::Linux, &bases, &binary, false).unwrap();
        let outcome = |steps: &[Step], b| {
            steps
                .iter()
                .find(|s| s.location.browser == b)
                .unwrap()
                .outcome
                .clone()
        };
        assert_eq!(outcome(&steps, Browser::Chromium), Outcome::Wrote);
        assert_eq!(outcome(&steps, Browser::Firefox), Outcome::SkippedAbsent);
        assert!(!home.path().join(".mozilla").exists());
        let again = install(Target::All, Os::Linux, &bases, &binary, false).unwrap();
        assert_eq!(outcome(&again, Browser::Chromium), Outcome::Unchanged);

        // A named install creates the folder; that alone does not make the browser present.
        install(
            Target::One(Browser::Edge),
            Os::Linux,
            &bases,
            &binary,
            false,
        )
        .unwrap();
        let edge = location(Browser::Edge, Os::Linux, &bases).unwrap();
        assert!(edge.manifest.exists() && !edge.browser_present());
        uninstall(Target::One(Browser::Edge), Os::Linux, &bases).unwrap();

        let loc = location(Browser::Chromium, Os::Linux, &bases).unwrap();
        match inspect(&loc) {
            Installed::Present(m) => assert!(m.problems(Browser::Chromium, &binary).is_empty()),
            other => panic!("{other:?}"),
        }
        // A Firefox allow-list in a Chromium folder is named as wrong.
        let wrong = Manifest::new(Browser::Firefox, binary.to_str().unwrap());
        assert!(wrong.problems(Browser::Chromium, &binary)[0].contains("allow-list"));

        let other = loc.manifest.with_file_name("com.example.other.json");
        std::fs::write(&other, "{}").unwrap();
        let removed = uninstall(Target::All, Os::Linux, &bases).unwrap();
        assert_eq!(outcome(&removed, Browser::Chromium), Outcome::Removed);
        assert_eq!(outcome(&removed, Browser::Firefox), Outcome::NotInstalled);
        assert!(!loc.manifest.exists());
        assert!(other.exists(), "another host's manifest must survive");
    }

    #[test]
    fn a_system_manifest_for_this_binary_spares_the_per_user_copy_unless_asked() {
        let home = tempfile::tempdir().unwrap();
        let root = tempfile::tempdir().unwrap();
        let bases = Bases {
            home: Some(home.path().to_path_buf()),
            app_data: None,
            local_app_data: None,
            system_root: root.path().to_path_buf(),
        };
        let binary = std::fs::canonicalize(std::env::current_exe().unwrap()).unwrap();
        std::fs::create_dir_all(home.path().join(".mozilla")).unwrap();
        std::fs::create_dir_all(home.path().join(".config/chromium")).unwrap();
        install_system(
            Target::One(Browser::Firefox),
            Os::Linux,
            root.path(),
            binary.to_str().unwrap(),
        )
        .unwrap();
        // Chromium's system manifest names another binary: it does not count.
        install_system(
            Target::One(Browser::Chromium),
            Os::Linux,
            root.path(),
            "/opt/other/rolecall",
        )
        .unwrap();

        let steps = install(Target::All, Os::Linux, &bases, &binary, false).unwrap();
        let outcome = |b| {
            steps
                .iter()
                .find(|s: &&Step| s.location.browser == b)
                .unwrap()
                .outcome
                .clone()
        };
        let ff_system = system_manifest(Browser::Firefox, Os::Linux, root.path()).unwrap();
        assert_eq!(
            outcome(Browser::Firefox),
            Outcome::SystemWide(ff_system.clone())
        );
        assert_eq!(outcome(Browser::Chromium), Outcome::Wrote);
        let ff = location(Browser::Firefox, Os::Linux, &bases).unwrap();
        assert!(!ff.manifest.exists(), "no per-user copy");
        assert_eq!(system_registration(&ff, &binary), Some(ff_system));

        // A per-user manifest that exists is kept current, system-wide one or not.
        let forced = install(
            Target::One(Browser::Firefox),
            Os::Linux,
            &bases,
            &binary,
            true,
        )
        .unwrap();
        assert_eq!(forced[0].outcome, Outcome::Wrote);
        let again = install(
            Target::One(Browser::Firefox),
            Os::Linux,
            &bases,
            &binary,
            false,
        )
        .unwrap();
        assert_eq!(again[0].outcome, Outcome::Unchanged);
    }
}
