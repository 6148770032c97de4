//! The system-wide registration (`rolecall install --system`, Linux only): manifests in the
//! folders every user's browser reads, written 0644 in 0755 folders; the check that the
//! binary they name is one only root can change; and finding the system-wide manifest a
//! browser reads when the user has none of their own.

use super::location::{system_manifests, Location};
use super::manifest::{read_manifest, Installed, Manifest};
use super::table::{Browser, Os};
use super::{browsers, InstallError, Outcome, Target};
use crate::store::files::atomic_write;
use std::path::{Path, PathBuf};

/// One system-wide manifest written or removed.
#[derive(Debug, Clone)]
pub struct SystemStep {
    pub browser: Browser,
    pub manifest: PathBuf,
    pub outcome: Outcome,
}

/// The system-wide manifest a system install writes for `browser`: the first folder of its
/// row, under `root`.
pub fn system_manifest(browser: Browser, os: Os, root: &Path) -> Result<PathBuf, InstallError> {
    system_manifests(browser, os, root)
        .into_iter()
        .next()
        .ok_or(InstallError::SystemWideUnsupported(match os {
            Os::MacOs => "macOS",
            _ => "Windows",
        }))
}

/// Writes the system-wide manifest of each targeted browser (Linux), naming `binary` (an
/// absolute path, which need not exist under `root`: a package is staged this way). `All`
/// covers every browser, set up or not: any user of the machine may start any of them.
/// Folders are created 0755 and manifests written 0644 whatever the umask, since every
/// user's browser reads them; browsers that read the same folder (Brave reads Chrome's)
/// share one file.
pub fn install_system(
    target: Target,
    os: Os,
    root: &Path,
    binary: &str,
) -> Result<Vec<SystemStep>, InstallError> {
    if !Path::new(binary).is_absolute() {
        return Err(InstallError::RelativeBinary(binary.to_owned()));
    }
    let mut steps = Vec::new();
    for browser in browsers(target) {
        let manifest = system_manifest(browser, os, root)?;
        let bytes = Manifest::new(browser, binary).to_bytes();
        let write_err = |source| InstallError::SystemWrite {
            path: manifest.clone(),
            source,
        };
        let outcome = if std::fs::read(&manifest).is_ok_and(|old| old == bytes) {
            Outcome::Unchanged
        } else {
            if let Some(dir) = manifest.parent() {
                create_public_dirs(dir).map_err(write_err)?;
            }
            atomic_write(&manifest, &bytes, 0o644).map_err(write_err)?;
            Outcome::Wrote
        };
        set_public_mode(&manifest, 0o644).map_err(write_err)?;
        steps.push(SystemStep {
            browser,
            manifest,
            outcome,
        });
    }
    Ok(steps)
}

/// Removes the system-wide manifest of each targeted browser, and nothing else.
pub fn uninstall_system(
    target: Target,
    os: Os,
    root: &Path,
) -> Result<Vec<SystemStep>, InstallError> {
    let mut steps = Vec::new();
    for browser in browsers(target) {
        let manifest = system_manifest(browser, os, root)?;
        let outcome = match std::fs::remove_file(&manifest) {
            Ok(()) => Outcome::Removed,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Outcome::NotInstalled,
            Err(source) => {
                return Err(InstallError::SystemRemove {
                    path: manifest,
                    source,
                })
            }
        };
        steps.push(SystemStep {
            browser,
            manifest,
            outcome,
        });
    }
    Ok(steps)
}

/// Creates `dir` and its missing parents, each 0755 whatever the umask.
fn create_public_dirs(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent() {
        create_public_dirs(parent)?;
    }
    match std::fs::create_dir(dir) {
        Ok(()) => set_public_mode(dir, 0o755),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(unix)]
fn set_public_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_public_mode(_path: &Path, _mode: u32) -> std::io::Result<()> {
    Ok(())
}

/// Refuses to register `binary` for every user unless only root can change it: the binary
/// and every folder above it owned by root and writable by no one else. A manifest in a
/// root-owned folder naming a binary some user can replace would let that user run code in
/// every other user's browser session.
#[cfg(unix)]
pub fn check_system_binary(binary: &Path) -> Result<(), InstallError> {
    use std::os::unix::fs::MetadataExt;
    let unsafe_because = |reason: String| InstallError::UnsafeSystemBinary {
        binary: binary.to_path_buf(),
        reason,
    };
    let mut at = Some(binary);
    while let Some(path) = at {
        let meta = std::fs::metadata(path)
            .map_err(|e| unsafe_because(format!("{} cannot be read ({e})", path.display())))?;
        if meta.uid() != 0 {
            return Err(unsafe_because(format!(
                "{} belongs to user id {}, not root",
                path.display(),
                meta.uid()
            )));
        }
        if meta.mode() & 0o022 != 0 {
            return Err(unsafe_because(format!(
                "{} can be changed by users other than root (mode {:o})",
                path.display(),
                meta.mode() & 0o7777
            )));
        }
        at = path.parent();
    }
    Ok(())
}

#[cfg(not(unix))]
pub fn check_system_binary(_binary: &Path) -> Result<(), InstallError> {
    Ok(())
}

/// The system-wide manifest that registers `binary` for `location`'s browser, if any: the
/// first present in its system folders, and only when it is right for this binary.
pub fn system_registration(location: &Location, binary: &Path) -> Option<PathBuf> {
    match inspect_system(location) {
        Some((path, Installed::Present(m))) if m.problems(location.browser, binary).is_empty() => {
            Some(path)
        }
        _ => None,
    }
}

/// The first system-wide manifest present for `location`'s browser (the one it reads when
/// the user has none), and what it holds.
pub fn inspect_system(location: &Location) -> Option<(PathBuf, Installed)> {
    location
        .system
        .iter()
        .find_map(|path| match read_manifest(path) {
            Installed::Missing => None,
            found => Some((path.clone(), found)),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::browser::install::manifest_file_name;

    #[cfg(unix)]
    #[test]
    fn a_system_install_writes_readable_manifests_once_per_folder_and_uninstalls_exactly() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let steps =
            install_system(Target::All, Os::Linux, root.path(), "/usr/bin/rolecall").unwrap();
        assert_eq!(steps.len(), 5);
        let wrote: Vec<_> = steps
            .iter()
            .filter(|s| s.outcome == Outcome::Wrote)
            .map(|s| s.browser)
            .collect();
        // Brave shares Chrome's folder: its file is the one just written.
        assert_eq!(wrote.len(), 4, "{steps:?}");
        for s in &steps {
            assert!(s.manifest.starts_with(root.path()), "{s:?}");
            assert_eq!(mode(&s.manifest), 0o644);
            assert_eq!(mode(s.manifest.parent().unwrap()), 0o755);
            let m: Manifest = serde_json::from_slice(&std::fs::read(&s.manifest).unwrap()).unwrap();
            assert_eq!(m, Manifest::new(s.browser, "/usr/bin/rolecall"));
        }
        assert_eq!(mode(&root.path().join("etc/opt")), 0o755);
        let again =
            install_system(Target::All, Os::Linux, root.path(), "/usr/bin/rolecall").unwrap();
        assert!(again.iter().all(|s| s.outcome == Outcome::Unchanged));
        assert!(matches!(
            install_system(Target::All, Os::Linux, root.path(), "rolecall"),
            Err(InstallError::RelativeBinary(_))
        ));

        let other = root
            .path()
            .join("etc/chromium/native-messaging-hosts/org.example.json");
        std::fs::write(&other, "{}").unwrap();
        let removed = uninstall_system(Target::All, Os::Linux, root.path()).unwrap();
        let outcomes: Vec<_> = removed.iter().map(|s| s.outcome.clone()).collect();
        assert_eq!(
            outcomes.iter().filter(|o| **o == Outcome::Removed).count(),
            4
        );
        assert!(other.exists(), "another host's manifest must survive");
        assert!(root
            .path()
            .join("etc/opt/edge/native-messaging-hosts")
            .is_dir());
        let left: Vec<_> = walk(root.path())
            .into_iter()
            .filter(|p| p.ends_with(manifest_file_name()))
            .collect();
        assert!(left.is_empty(), "{left:?}");
    }

    #[cfg(unix)]
    fn walk(dir: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
        out
    }

    #[cfg(unix)]
    #[test]
    fn only_a_binary_that_only_root_can_change_is_registered_for_everyone() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("rolecall");
        std::fs::write(&bin, "").unwrap();
        // In a folder anyone can write to (and, unless the tests run as root, not owned by root).
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        let err = check_system_binary(&bin).unwrap_err().to_string();
        assert!(
            err.contains("sudo /usr/local/bin/rolecall install --system"),
            "{err}"
        );
        assert!(check_system_binary(&dir.path().join("missing")).is_err());
        if cfg!(target_os = "linux") {
            check_system_binary(Path::new("/usr/bin/env")).unwrap();
        }
    }
}
