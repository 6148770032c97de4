//! `rolecall import aws-config`: roles and gateways from `~/.aws/config` and
//! `~/.aws/credentials`, and optionally the gateways' keys moved into the keyring.
//!
//! [`ini`] reads the files, [`plan::plan`] decides everything without side effects, and
//! [`apply`] carries a plan out: keyring first (read back to be sure), then the config, and
//! only then the credentials file, after a private backup, rewritten atomically.

pub mod credential_process;
pub mod ini;
pub mod plan;

use crate::app::App;
use crate::store::config;
use crate::store::files::atomic_write;
use ini::IniFile;
use plan::{FileKind, Plan};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(
        "Cannot find your home folder to look for ~/.aws; pass --file PATH and --credentials PATH."
    )]
    NoHome,
    #[error("There is no AWS config file at {config} and no credentials file at {credentials}; pass --file PATH and/or --credentials PATH.")]
    NoFiles {
        config: PathBuf,
        credentials: PathBuf,
    },
    #[error("Cannot read {path}: {source}.")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("The import would make the rolecall config invalid ({0}); nothing was changed. Fix or remove the conflicting entry with `rolecall role`/`rolecall gateway` and import again.")]
    Invalid(String),
    #[error(transparent)]
    Rolecall(#[from] crate::error::Error),
    #[error("The keyring did not give back the keys just stored for gateway '{gateway}', so {file} was left as it was. Check the keyring with `rolecall doctor`.")]
    NotStored { gateway: String, file: PathBuf },
    #[error("{path} changed while the import ran, so no keys were removed from it (they are in the keyring now). Run the import again.")]
    Changed { path: PathBuf },
    #[error("{reason} --move-keys needs the keyring, so nothing was moved or imported: ~/.aws and the rolecall config are unchanged (--dry-run shows what would be done).")]
    KeyringForMove { reason: String },
    #[error("Cannot write the backup {path} ({source}), so {file} was left as it was.")]
    Backup {
        path: PathBuf,
        file: PathBuf,
        source: std::io::Error,
    },
    #[error("Cannot rewrite {path} ({source}); it is unchanged, and a copy is in {backup}.")]
    Rewrite {
        path: PathBuf,
        backup: PathBuf,
        source: std::io::Error,
    },
}

/// One AWS file as read: where, its exact text, and its parse.
#[derive(Debug, Clone)]
pub struct AwsFile {
    pub path: PathBuf,
    pub text: String,
    pub ini: IniFile,
}

/// `AWS_CONFIG_FILE` / `AWS_SHARED_CREDENTIALS_FILE` as the AWS CLI reads them, else
/// `~/.aws/config` and `~/.aws/credentials`.
pub fn default_paths() -> Result<(PathBuf, PathBuf), ImportError> {
    let home = dirs::home_dir();
    let pick = |var: &str, file: &str| -> Result<PathBuf, ImportError> {
        match std::env::var_os(var).filter(|v| !v.is_empty()) {
            Some(v) => Ok(expand_tilde(Path::new(&v), home.as_deref())),
            None => Ok(home
                .as_deref()
                .ok_or(ImportError::NoHome)?
                .join(".aws")
                .join(file)),
        }
    };
    Ok((
        pick("AWS_CONFIG_FILE", "config")?,
        pick("AWS_SHARED_CREDENTIALS_FILE", "credentials")?,
    ))
}

fn expand_tilde(p: &Path, home: Option<&Path>) -> PathBuf {
    match (p.strip_prefix("~"), home) {
        (Ok(rest), Some(home)) => home.join(rest),
        _ => p.to_path_buf(),
    }
}

/// Reads and parses a file; a missing file is `None`.
pub fn read(path: &Path) -> Result<Option<AwsFile>, ImportError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(AwsFile {
            path: path.to_path_buf(),
            ini: ini::parse(&text),
            text,
        })),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(ImportError::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Which gateways already have keys in the keyring, of those the files name. A keyring
/// that cannot be reached counts as holding none, and the reason is returned to show.
pub fn keyring_gateways(
    app: &App,
    config: Option<&AwsFile>,
    credentials: Option<&AwsFile>,
) -> (HashSet<String>, Option<String>) {
    let mut out = HashSet::new();
    let names = plan::source_profiles(config.map(|f| &f.ini), credentials.map(|f| &f.ini));
    for name in names {
        match app.secrets().has_gateway_keys(&name) {
            Ok(true) => {
                out.insert(name);
            }
            Ok(false) => {}
            Err(e) => return (out, Some(e.to_string())),
        }
    }
    (out, None)
}

/// What [`apply`] did beyond saving the config.
#[derive(Debug, Default)]
pub struct Applied {
    /// Gateways whose keys were stored, and whether different keys were replaced.
    pub stored: Vec<(String, bool)>,
    /// (file rewritten, its backup).
    pub rewritten: Vec<(PathBuf, PathBuf)>,
}

/// The line edits an import makes to one of the AWS files: its gateways' key lines (with
/// `--move-keys`), and the `credential_process` rewrite of `profiles` (profile, command).
pub fn file_edits(
    plan: &Plan,
    kind: FileKind,
    file: &AwsFile,
    move_keys: bool,
    profiles: &[(String, String)],
) -> credential_process::Edits {
    let mut edits = credential_process::edits(&file.ini, kind, profiles);
    if move_keys {
        for m in &plan.key_moves {
            if let Some(lines) = m.lines.get(&kind) {
                edits.drop.extend(lines.iter().copied());
            }
        }
    }
    edits
}

/// The imported gateway roles' profiles and the `credential_process` each gets.
pub fn credential_process_profiles(plan: &Plan, exe: &str) -> Vec<(String, String)> {
    plan.roles
        .iter()
        .filter(|r| r.via.starts_with("gateway "))
        .map(|r| (r.id.clone(), credential_process::command(exe, &r.id)))
        .collect()
}

pub fn apply(
    app: &App,
    plan: &Plan,
    config_file: Option<&AwsFile>,
    credentials_file: Option<&AwsFile>,
    move_keys: bool,
    credential_process: &[(String, String)],
) -> Result<Applied, ImportError> {
    let mut applied = Applied::default();
    let moves = if move_keys { &plan.key_moves[..] } else { &[] };
    // Keys first: a config naming a gateway always has somewhere to look for its keys, and
    // no line leaves a file before the keyring is known to hold it.
    for m in moves {
        let secrets = app.secrets();
        let before = secrets.gateway_keys(&m.gateway).ok();
        if before.as_ref() != Some(&m.keys) {
            secrets.set_gateway_keys(&m.gateway, &m.keys)?;
        }
        let file = file_of(m.file, config_file, credentials_file)
            .map(|f| f.path.clone())
            .unwrap_or_default();
        if secrets.gateway_keys(&m.gateway).ok().as_ref() != Some(&m.keys) {
            return Err(ImportError::NotStored {
                gateway: m.gateway.clone(),
                file,
            });
        }
        applied
            .stored
            .push((m.gateway.clone(), before.is_some_and(|b| b != m.keys)));
    }
    if plan.changes_anything() {
        config::save(app.config_path(), &plan.config)?;
    }
    for kind in [FileKind::Config, FileKind::Credentials] {
        let Some(file) = file_of(kind, config_file, credentials_file) else {
            continue;
        };
        let edits = file_edits(plan, kind, file, move_keys, credential_process);
        if edits.is_empty() {
            continue;
        }
        applied.rewritten.push(rewrite(file, &edits)?);
    }
    Ok(applied)
}

fn file_of<'a>(
    kind: FileKind,
    config: Option<&'a AwsFile>,
    credentials: Option<&'a AwsFile>,
) -> Option<&'a AwsFile> {
    match kind {
        FileKind::Config => config,
        FileKind::Credentials => credentials,
    }
}

/// Backs `file` up (user-only, never over an existing file), then rewrites it with
/// `edits`, atomically. A symlinked file (dotfile managers) is rewritten where it points.
fn rewrite(
    file: &AwsFile,
    edits: &credential_process::Edits,
) -> Result<(PathBuf, PathBuf), ImportError> {
    let path = std::fs::canonicalize(&file.path).map_err(|source| ImportError::Read {
        path: file.path.clone(),
        source,
    })?;
    let now = std::fs::read(&path).map_err(|source| ImportError::Read {
        path: path.clone(),
        source,
    })?;
    if now != file.text.as_bytes() {
        return Err(ImportError::Changed { path });
    }
    let backup = write_backup(&path, &now)?;
    let text = credential_process::apply(&file.ini, edits);
    atomic_write(&path, text.as_bytes(), 0o600).map_err(|source| ImportError::Rewrite {
        path: path.clone(),
        backup: backup.clone(),
        source,
    })?;
    Ok((path, backup))
}

fn write_backup(path: &Path, bytes: &[u8]) -> Result<PathBuf, ImportError> {
    use std::io::Write;
    let stamp = time::OffsetDateTime::now_utc();
    let stamp = format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        stamp.year(),
        u8::from(stamp.month()),
        stamp.day(),
        stamp.hour(),
        stamp.minute(),
        stamp.second()
    );
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "credentials".into());
    let mut n = 0;
    loop {
        let suffix = if n == 0 {
            String::new()
        } else {
            format!("-{n}")
        };
        let backup = path.with_file_name(format!("{name}.rolecall-backup-{stamp}{suffix}"));
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let fail = |source| ImportError::Backup {
            path: backup.clone(),
            file: path.to_path_buf(),
            source,
        };
        match opts.open(&backup) {
            Ok(mut f) => {
                f.write_all(bytes).map_err(fail)?;
                f.sync_all().map_err(fail)?;
                return Ok(backup);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 100 => n += 1,
            Err(e) => return Err(fail(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn backups_are_private_and_never_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credentials");
        std::fs::write(&path, "x").unwrap();
        let a = write_backup(&path, b"one").unwrap();
        let b = write_backup(&path, b"two").unwrap();
        assert_ne!(a, b);
        assert_eq!(std::fs::read(&a).unwrap(), b"one");
        assert_eq!(std::fs::read(&b).unwrap(), b"two");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&a).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_file_changed_since_it_was_read_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credentials");
        std::fs::write(&path, "[a]\nk = v\n").unwrap();
        let file = read(&path).unwrap().unwrap();
        std::fs::write(&path, "[a]\nk = changed\n").unwrap();
        let edits = credential_process::Edits {
            drop: BTreeSet::from([1]),
            ..Default::default()
        };
        let err = rewrite(&file, &edits).unwrap_err();
        assert!(matches!(err, ImportError::Changed { .. }), "{err}");
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "[a]\nk = changed\n"
        );
    }

    #[test]
    fn tilde_expands_to_home() {
        assert_eq!(
            expand_tilde(Path::new("~/x/config"), Some(Path::new("/h"))),
            Path::new("/h/x/config")
        );
        assert_eq!(
            expand_tilde(Path::new("/abs"), Some(Path::new("/h"))),
            Path::new("/abs")
        );
    }
}
