//! The HKCU registry through `reg.exe`, which every Windows has: no extra crate for three
//! calls. Elsewhere there is no registry and these do nothing.

#[cfg(windows)]
use super::InstallError;

#[cfg(windows)]
fn reg(args: &[&str]) -> std::io::Result<std::process::Output> {
    std::process::Command::new("reg.exe").args(args).output()
}

/// The key's default value.
#[cfg(windows)]
pub fn get(key: &str) -> Option<String> {
    let out = reg(&["query", &format!(r"HKCU\{key}"), "/ve"]).ok()?;
    if !out.status.success() {
        return None;
    }
    // "    (Default)    REG_SZ    C:\...\dev.rolecall.host.json"
    String::from_utf8_lossy(&out.stdout).lines().find_map(|l| {
        l.split_once("REG_SZ")
            .map(|(_, v)| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    })
}

#[cfg(windows)]
pub fn set(key: &str, value: &str) -> Result<(), InstallError> {
    let full = format!(r"HKCU\{key}");
    let out = reg(&["add", &full, "/ve", "/t", "REG_SZ", "/d", value, "/f"]).map_err(|e| {
        InstallError::Registry {
            key: key.to_owned(),
            reason: e.to_string(),
        }
    })?;
    if out.status.success() {
        Ok(())
    } else {
        Err(InstallError::Registry {
            key: key.to_owned(),
            reason: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        })
    }
}

/// True when the key existed.
#[cfg(windows)]
pub fn delete(key: &str) -> Result<bool, InstallError> {
    if get(key).is_none() {
        return Ok(false);
    }
    let full = format!(r"HKCU\{key}");
    let out = reg(&["delete", &full, "/f"]).map_err(|e| InstallError::Registry {
        key: key.to_owned(),
        reason: e.to_string(),
    })?;
    if out.status.success() {
        Ok(true)
    } else {
        Err(InstallError::Registry {
            key: key.to_owned(),
            reason: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        })
    }
}

#[cfg(not(windows))]
pub fn get(_key: &str) -> Option<String> {
    None
}

#[cfg(not(windows))]
pub fn set(_key: &str, _value: &str) -> Result<(), super::InstallError> {
    Ok(())
}

#[cfg(not(windows))]
pub fn delete(_key: &str) -> Result<bool, super::InstallError> {
    Ok(false)
}
