//! The update lock: commands that change the config hold it from load to save.

use crate::error::{Error, Result};
use crate::store::files::create_private_dir;
use std::path::Path;

/// How long a command waits for another one to finish changing the config.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// An exclusive advisory lock on the config, held by a command from the moment it loads
/// the config it is going to change until it has saved it. The lock is a separate file
/// (`.config.toml.lock`), since the config itself is replaced by rename on every save.
/// The OS drops it when the process dies, so a killed command never leaves it stuck.
#[derive(Debug)]
pub struct UpdateLock {
    _file: std::fs::File,
}

impl UpdateLock {
    pub fn acquire(path: &Path) -> Result<UpdateLock> {
        let dir = path.parent().unwrap_or(Path::new("."));
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let lock_path = dir.join(format!(".{name}.lock"));
        let failed = |e: std::io::Error| Error::ConfigInvalid {
            path: path.display().to_string(),
            reason: format!("cannot lock it for a change ({}: {e})", lock_path.display()),
        };
        create_private_dir(dir).map_err(failed)?;
        let mut opts = std::fs::OpenOptions::new();
        opts.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let file = opts.open(&lock_path).map_err(failed)?;
        let deadline = std::time::Instant::now() + LOCK_WAIT;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(UpdateLock { _file: file }),
                Err(std::fs::TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(Error::ConfigBusy {
                        path: path.display().to_string(),
                        lock: lock_path.display().to_string(),
                        seconds: LOCK_WAIT.as_secs(),
                    })
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(failed(e)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_update_lock_is_exclusive_and_released_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join(super::super::FILE_NAME);
        let held = UpdateLock::acquire(&path).unwrap();
        // A second handle on the same lock file sees it held (flock is per open file).
        let other = std::fs::File::open(dir.path().join("sub").join(".config.toml.lock")).unwrap();
        assert!(matches!(
            other.try_lock(),
            Err(std::fs::TryLockError::WouldBlock)
        ));
        drop(held);
        assert!(other.try_lock().is_ok());
    }
}
