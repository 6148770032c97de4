//! Doctor's listing checks: roles left out of listings (the user's own and each
//! catalogue's), and catalogues that cannot be used.

use super::{check, Check, Status};
use crate::app::App;

/// Roles left out of listings: the user's own whose label, group or links break the text
/// rules, and each catalogue's (those rules, a source not mapped), with the catalogues that
/// cannot be used at all. At most [`LEFT_OUT_SHOWN`] roles a catalogue.
pub fn roles_left_out(app: &App) -> Vec<Check> {
    let Ok(effective) = app.load_effective() else {
        return Vec::new(); // the config check has said why
    };
    let mut out = Vec::new();
    let path = app.config_path().display().to_string();
    for (id, why) in &effective.left_out {
        out.push(check(
            Status::Warn,
            format!("role '{id}' is left out of listings: {why}"),
            Some(format!("rolecall role set {id} …   (or edit {path})")),
        ));
    }
    for g in &effective.config.groups {
        if let Err(why) = crate::store::config::check_group(&g.name) {
            out.push(check(
                Status::Warn,
                format!("a [[group]] table of the config: {why}; rolecall saves no change to the config until it is fixed"),
                Some(format!("edit {path}")),
            ));
        }
    }
    for r in &effective.reports {
        if let Some(e) = &r.error {
            out.push(check(
                Status::Warn,
                format!("catalogue '{}' is not used: {e}", r.name),
                Some(format!("rolecall catalog update {}", r.name)),
            ));
            continue;
        }
        let status = if r.unusable.is_empty() {
            Status::Ok
        } else {
            Status::Warn
        };
        out.push(check(
            status,
            format!(
                "catalogue '{}': {} of its {} listed, {} left out",
                r.name,
                r.shown,
                crate::words::count(r.roles, "role"),
                r.unusable.len()
            ),
            None,
        ));
        for (id, why) in r.unusable.iter().take(LEFT_OUT_SHOWN) {
            out.push(check(
                Status::Warn,
                format!("catalogue '{}': role '{id}' is left out: {why}", r.name),
                None,
            ));
        }
        if r.unusable.len() > LEFT_OUT_SHOWN {
            out.push(check(
                Status::Info,
                format!(
                    "catalogue '{}': {} more roles left out (`rolecall catalog list --json` lists them all)",
                    r.name,
                    r.unusable.len() - LEFT_OUT_SHOWN
                ),
                None,
            ));
        }
    }
    out
}

const LEFT_OUT_SHOWN: usize = 10;
