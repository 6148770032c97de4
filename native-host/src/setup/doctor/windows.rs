//! Doctor's isolated-window checks: the browser a launch would start, and the roles'
//! browser data directories.

use super::{check, Check, Status};
use crate::store::config::Config;

/// Isolated windows (Chromium family): which browser a launch would start, and the role data
/// directories. Run from a terminal, the parent process is a shell, so this shows the
/// overrides or the table's pick; a browser-started host prefers the browser itself.
pub fn isolated_windows(config: &Config) -> Vec<Check> {
    use crate::browser::launch::{self as bl, LaunchError};
    let mut out = Vec::new();
    match bl::find_browser(
        std::env::var_os("ROLECALL_BROWSER_EXE"),
        config.settings.browser_exe.as_deref(),
        bl::parent_executable(),
    ) {
        Ok((exe, found)) => {
            let how = match found {
                bl::Found::Override(source) => source,
                bl::Found::Parent => "the parent process",
                bl::Found::Table => "the known browsers",
            };
            out.push(check(
                Status::Ok,
                format!("isolated windows: browser {} (from {how})", exe.display()),
                None,
            ));
        }
        Err(e @ LaunchError::BadOverride { .. }) => out.push(check(
            Status::Fail,
            e.to_string(),
            Some("set ROLECALL_BROWSER_EXE or settings.browser_exe to a browser executable".into()),
        )),
        Err(e) => out.push(check(
            Status::Info,
            format!("isolated windows (Chromium-based browsers only): {e}"),
            None,
        )),
    }
    let base = crate::browser::profiles::profiles_dir();
    if let Ok(list) = crate::browser::profiles::list(&base, &[]) {
        if !list.is_empty() {
            let running = list.iter().filter(|p| p.running).count();
            out.push(check(
                Status::Info,
                format!(
                    "{} role browser data directories in {} ({running} with a running browser); `rolecall profiles list`",
                    list.len(),
                    base.display()
                ),
                None,
            ));
        }
    }
    out
}
