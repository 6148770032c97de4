//! Private files: atomic writes through an exclusively created temporary file, and folders
//! only the user can enter. Everything rolecall writes (config, state, manifests, the
//! rewritten credentials file) goes through here.

use std::path::{Path, PathBuf};

/// Writes `bytes` to a temp file beside `path`, syncs it, and renames it over `path`,
/// so a crash leaves either the old file or the new one, never half of either.
pub fn atomic_write(path: &Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    create_private_dir(dir)?;
    let (mut f, tmp) = create_temp_beside(path, mode)?;
    let result = (|| {
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// A new temporary file in `path`'s folder, created exclusively (`O_CREAT|O_EXCL`, which
/// also refuses to follow a symlink at that name) under a random name: the folder may be
/// writable by others (`~/.aws` on a shared machine), and a predictable name opened without
/// `O_EXCL` let a planted link redirect the write anywhere the user can write.
fn create_temp_beside(path: &Path, mode: u32) -> std::io::Result<(std::fs::File, PathBuf)> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    for _ in 0..16 {
        let mut random = [0u8; 8];
        getrandom::fill(&mut random).map_err(std::io::Error::other)?;
        let suffix: String = random.iter().map(|b| format!("{b:02x}")).collect();
        let tmp = dir.join(format!(".{name}.tmp-{suffix}"));
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(mode);
        }
        #[cfg(not(unix))]
        let _ = mode;
        match opts.open(&tmp) {
            Ok(f) => return Ok((f, tmp)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other(format!(
        "no free temporary file name in {}",
        dir.display()
    )))
}

pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
}

/// What identifies a version of a file: its size, modification time and inode (a rewrite
/// through [`atomic_write`] is a new file, so a new inode even within one mtime tick).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileStamp {
    len: u64,
    modified: Option<std::time::SystemTime>,
    #[cfg(unix)]
    inode: u64,
}

impl std::hash::Hash for FileStamp {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.len.hash(h);
        self.modified.hash(h);
        #[cfg(unix)]
        self.inode.hash(h);
    }
}

/// The file's stamp, or `None` when it cannot be read.
pub fn stamp(path: &Path) -> Option<FileStamp> {
    try_stamp(path).ok()
}

/// The file's stamp, or why there is none (`NotFound`: no file).
pub fn try_stamp(path: &Path) -> std::io::Result<FileStamp> {
    let m = std::fs::metadata(path)?;
    Ok(FileStamp {
        len: m.len(),
        modified: m.modified().ok(),
        #[cfg(unix)]
        inode: std::os::unix::fs::MetadataExt::ino(&m),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 11, finding 4: the temporary file had a predictable name and was opened
    /// without O_EXCL, so a link planted at it redirected the write (the review made
    /// ~/.bashrc receive a secret key through `import --move-keys`).
    #[cfg(unix)]
    #[test]
    fn atomic_write_never_follows_a_planted_temp_link() {
        let dir = tempfile::tempdir().unwrap();
        let shared = dir.path().join("aws");
        std::fs::create_dir(&shared).unwrap();
        let outside = dir.path().join("bashrc");
        std::fs::write(&outside, "original\n").unwrap();
        let target = shared.join("credentials");
        std::fs::write(&target, "old\n").unwrap();
        // Every name the old code could pick in this process, plus a spread of others.
        let pid = std::process::id();
        for p in [pid, pid + 1, pid.saturating_sub(1), 1, 4242] {
            std::os::unix::fs::symlink(&outside, shared.join(format!(".credentials.tmp-{p}")))
                .unwrap();
        }
        atomic_write(&target, b"new secret\n", 0o600).unwrap();
        assert_eq!(std::fs::read_to_string(&outside).unwrap(), "original\n");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new secret\n");
        assert!(!std::fs::symlink_metadata(&target)
            .unwrap()
            .file_type()
            .is_symlink());
        // Only the planted links are left beside it: no temporary file stays behind.
        let left: Vec<_> = std::fs::read_dir(&shared)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n != "credentials")
            .collect();
        assert_eq!(left.len(), 5, "{left:?}");
        assert!(left
            .iter()
            .all(|n| std::fs::symlink_metadata(shared.join(n))
                .unwrap()
                .file_type()
                .is_symlink()));
    }

    #[cfg(unix)]
    #[test]
    fn temp_names_are_exclusive_and_unpredictable() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        let (_a, a) = create_temp_beside(&path, 0o600).unwrap();
        let (_b, b) = create_temp_beside(&path, 0o600).unwrap();
        assert_ne!(a, b);
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&a).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let name = a.file_name().unwrap().to_string_lossy().into_owned();
        let suffix = name.strip_prefix(".config.toml.tmp-").unwrap();
        assert_eq!(suffix.len(), 16, "{name}");
        assert_ne!(suffix, std::process::id().to_string());
    }
}
