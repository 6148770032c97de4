//! Registering the host with browsers: the native-messaging manifest `dev.rolecall.host.json`
//! in each browser's per-user folder (and, on Windows, the registry key that points at it),
//! or, on Linux, in its system-wide folder, read for every user of the machine.
//!
//! This module holds the public face (what `cli/install`, `cli/doctor` and `setup/doctor`
//! call, re-exported from the parts), the error type and the step outcomes. The parts:
//! - `table`: browser × OS → names, folders and allow-list kind, one row per browser: the
//!   one place every location comes from (Firefox's row and the Chromium family's rows
//!   differ only in data, read by the same code);
//! - `location`: a browser's folders on one OS, computed from the table and base folders;
//! - `manifest`: the `Manifest` type both installs write, and reading an installed one back;
//! - `user`: the per-user install and uninstall;
//! - `system`: the system-wide (Linux, `--system`) install and uninstall, and its checks;
//! - `registry`: the Windows HKCU key that points at a per-user manifest.

mod location;
mod manifest;
mod registry;
mod system;
mod table;
mod user;

pub use location::{location, system_root_from_env, Bases, Location};
pub use manifest::{inspect, Installed, Manifest};
pub use system::{
    check_system_binary, inspect_system, install_system, system_manifest, system_registration,
    uninstall_system, SystemStep,
};
pub use table::{parse_browser, AllowList, Browser, Os};
pub use user::{install, uninstall};

use crate::HOST_NAME;
use std::path::{Path, PathBuf};

/// The manifest's file name; the only file install writes and uninstall removes.
pub fn manifest_file_name() -> String {
    format!("{HOST_NAME}.json")
}

#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error("Cannot find your home folder (HOME is not set); set HOME and run `rolecall install` again.")]
    NoHome,
    #[error("Cannot find %APPDATA% / %LOCALAPPDATA%; run `rolecall install` from a normal user session.")]
    NoAppData,
    #[error("Cannot tell where this rolecall binary is ({0}); run it by its full path.")]
    CurrentExe(String),
    #[error("The path of this binary ({0}) is not UTF-8, which a manifest cannot hold; move rolecall to a plain path such as ~/.local/bin and run install again.")]
    NotUtf8(PathBuf),
    #[error("Cannot write {path}: {source}. Check that folder's permissions.")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("Cannot remove {path}: {source}. Check that folder's permissions.")]
    Remove {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("Cannot update the registry key HKCU\\{key}: {reason}.")]
    Registry { key: String, reason: String },
    #[error("System-wide registration is for Linux only; on {0} run `rolecall install` as each user instead.")]
    SystemWideUnsupported(&'static str),
    #[error("Cannot write {path}: {source}. The system-wide folders belong to root: run `sudo rolecall install --system`.")]
    SystemWrite {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("Cannot remove {path}: {source}. The system-wide folders belong to root: run `sudo rolecall install --system --uninstall`.")]
    SystemRemove {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{binary} cannot be registered for every user: {reason}. Whoever can change it would run code in the browser of every user; install rolecall where only root can write (such as /usr/local/bin, or the Debian package's /usr/bin) and run `sudo /usr/local/bin/rolecall install --system` from there.")]
    UnsafeSystemBinary { binary: PathBuf, reason: String },
    #[error("The path a system-wide manifest names must be absolute, not {0}.")]
    RelativeBinary(String),
}

/// The running binary's absolute path, symlinks resolved: what every manifest must name.
pub fn current_binary() -> Result<PathBuf, InstallError> {
    let exe = std::env::current_exe().map_err(|e| InstallError::CurrentExe(e.to_string()))?;
    // Windows' canonical form is a `\\?\` verbatim path, which browsers may not accept;
    // current_exe is absolute there already.
    #[cfg(not(windows))]
    let exe = std::fs::canonicalize(&exe).map_err(|e| {
        // Linux reports a binary replaced while it runs as "<path> (deleted)".
        InstallError::CurrentExe(format!("{}: {e}", exe.display()))
    })?;
    if exe.to_str().is_none() {
        return Err(InstallError::NotUtf8(exe));
    }
    Ok(exe)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Wrote,
    Unchanged,
    Removed,
    NotInstalled,
    /// `--browser all` and the browser's folder does not exist.
    SkippedAbsent,
    /// Nothing written: this system-wide manifest registers this binary already, and the
    /// user has no manifest of their own.
    SystemWide(PathBuf),
}

#[derive(Debug, Clone)]
pub struct Step {
    pub location: Location,
    pub outcome: Outcome,
}

/// Which browsers a command covers: one named browser, or all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    One(Browser),
    All,
}

fn browsers(target: Target) -> Vec<Browser> {
    match target {
        Target::One(b) => vec![b],
        Target::All => Browser::ALL.to_vec(),
    }
}

fn path_str(p: &Path) -> &str {
    p.to_str().unwrap_or_default()
}
