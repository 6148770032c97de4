//! Isolated windows (`open_in: "isolated_window"`): the click's sign-in handed to a browser
//! started on the role's own data directory.

use super::{App, OpenRequest};
use crate::error::Result;
use crate::sync::blocking;
use serde::Serialize;
use std::sync::Arc;
use time::OffsetDateTime;

/// What `console.open` answers for `open_in: "isolated_window"`: no URL, the browser has it.
#[derive(Debug, Clone, Serialize)]
pub struct Launched {
    pub launched: bool,
    pub role: String,
    pub account_id: String,
    /// The role's browser data directory (a string: a JSON reply cannot carry other bytes).
    pub profile_dir: String,
    /// The browser executable that was started.
    pub browser: String,
    /// Whether a browser was already running on that directory (it gets a new window).
    pub was_running: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub console_expires_at: OffsetDateTime,
    pub cached: bool,
}

impl App {
    /// `open_in: "isolated_window"`: the same sign-in as [`App::open_console`], handed to a
    /// browser started on the role's own data directory through a private handoff file.
    pub async fn launch_console(self: &Arc<Self>, req: OpenRequest) -> Result<Launched> {
        use crate::browser::launch::{self as bl, LaunchError};
        use crate::browser::{handoff, profiles};
        let (config, role) = self.requested_role(&req.role)?;
        // The browser is found before AWS is asked: a missing browser costs no sign-in.
        let parent = blocking(|| Ok(bl::parent_executable())).await?;
        let (exe, found) = bl::find_browser(
            std::env::var_os("ROLECALL_BROWSER_EXE"),
            config.settings.browser_exe.as_deref(),
            parent,
        )?;
        log::debug!(
            "isolated window browser: {} (found: {found:?})",
            exe.display()
        );
        let base = profiles::profiles_dir();
        let dir = profiles::profile_dir(&base, &role.id).ok_or_else(|| LaunchError::RoleId {
            role: role.id.clone(),
        })?;
        let lock = self.role_lock(&format!("window:{}", role.id));
        let _guard = lock.lock().await;
        let opened = self.open_console(req).await?;

        let was_running = profiles::is_running(&dir);
        profiles::prepare(&dir, role.label(), role.color_with(role.risk_in(&config)))
            .map_err(|e| LaunchError::files(&dir, e))?;
        let hand_dir = profiles::handoff_dir();
        handoff::sweep(&hand_dir);
        let file = handoff::write(&hand_dir, &opened.url, role.label())
            .map_err(|e| LaunchError::files(&hand_dir, e))?;
        drop(opened.url);
        let args = bl::launch_args(&dir, &bl::extra_args_from_env(), &file);
        if let Err(e) = bl::spawn_detached(&exe, &args) {
            let _ = std::fs::remove_file(&file);
            return Err(LaunchError::SpawnFailed {
                exe: exe.display().to_string(),
                reason: e.to_string(),
            }
            .into());
        }
        if let Err(e) = handoff::spawn_cleanup(&file) {
            // The next launch's sweep removes it after a minute.
            log::warn!("could not start the handoff cleanup: {e}");
        }
        log::info!(
            "launched {} on {} for role {}",
            exe.display(),
            dir.display(),
            role.id
        );
        Ok(Launched {
            launched: true,
            role: opened.role,
            account_id: opened.account_id,
            profile_dir: dir.display().to_string(),
            browser: exe.display().to_string(),
            was_running,
            console_expires_at: opened.console_expires_at,
            cached: opened.cached,
        })
    }
}
