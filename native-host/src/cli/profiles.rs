//! `rolecall profiles list|prune`: the per-role browser data directories of isolated windows.

use super::{io_err, Out};
use crate::app::App;
use crate::browser::profiles::{self, ProfileInfo};
use crate::error::{Error, Result};
use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum ProfilesCommand {
    /// List the roles' browser data directories (they hold live console cookies).
    List {
        #[arg(long)]
        json: bool,
    },
    /// Remove the data directories of roles no longer configured, and with --older-than
    /// also those not used for that many days. A directory a browser runs on is kept.
    Prune {
        #[arg(long, value_name = "DAYS")]
        older_than: Option<u32>,
        /// Say what would be removed, and remove nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

fn all() -> Result<Vec<ProfileInfo>> {
    let app = App::from_env();
    // Catalogue roles are configured too: their windows are not pruned.
    let configured: Vec<String> = app
        .load_effective()?
        .config
        .roles
        .into_iter()
        .map(|r| r.id)
        .collect();
    let base = profiles::profiles_dir();
    profiles::list(&base, &configured)
        .map_err(|e| Error::Internal(format!("cannot read {}: {e}", base.display())))
}

fn when(p: &ProfileInfo) -> String {
    p.last_used
        .and_then(|t| t.replace_nanosecond(0).ok())
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| "never".into())
}

pub fn run(cmd: ProfilesCommand, out: Out) -> Result<()> {
    match cmd {
        ProfilesCommand::List { json } => {
            let list = all()?;
            if json {
                let text = serde_json::to_string_pretty(&list)
                    .map_err(|e| Error::Internal(e.to_string()))?;
                return writeln!(out, "{}", crate::logger::escape_json(&text)).map_err(io_err);
            }
            if list.is_empty() {
                return writeln!(
                    out,
                    "No browser data directories in {}.",
                    profiles::profiles_dir().display()
                )
                .map_err(io_err);
            }
            for p in list {
                let mut notes = Vec::new();
                if p.running {
                    notes.push("running");
                }
                if !p.configured {
                    notes.push("role not configured");
                }
                writeln!(
                    out,
                    "{}\tlast used {}\t{}{}",
                    crate::logger::escape(&p.role),
                    when(&p),
                    p.path.display(),
                    if notes.is_empty() {
                        String::new()
                    } else {
                        format!("\t({})", notes.join(", "))
                    }
                )
                .map_err(io_err)?;
            }
            Ok(())
        }
        ProfilesCommand::Prune {
            older_than,
            dry_run,
        } => {
            let list = all()?;
            let age = older_than.map(|d| std::time::Duration::from_secs(u64::from(d) * 86_400));
            let doomed = profiles::prune_candidates(&list, age, std::time::SystemTime::now());
            for p in list.iter().filter(|p| p.running) {
                writeln!(out, "Kept {} (a browser is running on it).", p.role).map_err(io_err)?;
            }
            for p in &doomed {
                let why = if p.configured {
                    format!("last used {}", when(p))
                } else {
                    "role not configured".into()
                };
                if dry_run {
                    writeln!(out, "Would remove {} ({why}).", p.path.display()).map_err(io_err)?;
                    continue;
                }
                std::fs::remove_dir_all(&p.path).map_err(|e| {
                    Error::InvalidParams(format!(
                        "Cannot remove {} ({e}). Close any browser window of role '{}' and try again.",
                        p.path.display(),
                        p.role
                    ))
                })?;
                writeln!(out, "Removed {} ({why}).", p.path.display()).map_err(io_err)?;
            }
            if doomed.is_empty() {
                writeln!(out, "Nothing to remove.").map_err(io_err)?;
            }
            Ok(())
        }
    }
}
