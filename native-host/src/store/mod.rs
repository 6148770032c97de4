//! What rolecall keeps: the config, the OS keyring (keys, cached sessions), the state file,
//! and the private-file helpers they are written with.

pub mod catalog;
pub mod config;
pub mod files;
pub mod forgets;
pub mod secrets;
pub mod state;

use std::path::PathBuf;

/// rolecall's data folder (not the config folder: caches a user may delete): `ROLECALL_DATA_DIR`,
/// else the platform's local data folder + `rolecall` (`~/.local/share/rolecall` on Linux).
pub fn data_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("ROLECALL_DATA_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(d);
    }
    dirs::data_local_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("rolecall")
}
