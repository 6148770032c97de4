//! `rolecall session list|forget`.

use super::{io_err, runtime, Out};
use crate::app::live::Renewable;
use crate::app::{App, ForgetRequest};
use crate::error::Result;
use clap::Subcommand;
use std::sync::Arc;

#[derive(Subcommand, Debug)]
pub enum SessionCommand {
    /// The consoles rolecall made that are live (or ended in the last day), when each ends,
    /// and whether the next one needs an MFA code.
    List,
    /// Drop cached role credentials, daily MFA sessions, Identity Center tokens and live
    /// state (all, or of one role, gateway or SSO source). A running browser host drops its
    /// in-memory copies at its next click; the consoles already open stay signed in until
    /// the extension's "Sign out" (which also clears their cookies).
    Forget {
        #[arg(long, conflicts_with_all = ["gateway", "sso"])]
        role: Option<String>,
        #[arg(long, conflicts_with = "sso")]
        gateway: Option<String>,
        /// An IAM Identity Center source: its token and its roles' sessions.
        #[arg(long)]
        sso: Option<String>,
    },
}

pub fn run(cmd: SessionCommand, out: Out) -> Result<()> {
    let app = Arc::new(App::from_env());
    match cmd {
        SessionCommand::List => {
            let now = time::OffsetDateTime::now_utc();
            let live: Vec<_> = app
                .list_roles()?
                .into_iter()
                .filter_map(|r| r.session.clone().map(|s| (r, s)))
                .collect();
            if live.is_empty() {
                return writeln!(out, "No consoles made by rolecall are live.").map_err(io_err);
            }
            for (r, s) in live {
                let left = s.console_expires_at - now;
                let when = if left.is_positive() {
                    format!("{} left", time_left(left))
                } else {
                    "expired".to_owned()
                };
                let next = match s.renewable {
                    Renewable::Silent => "renews without a code",
                    Renewable::Mfa => "next console needs a code",
                    Renewable::SsoLogin => "next console needs an Identity Center sign-in",
                };
                writeln!(
                    out,
                    "{}\t{}\t{when}\t{next}",
                    r.id,
                    crate::logger::escape(&r.label)
                )
                .map_err(io_err)?;
            }
            Ok(())
        }
        SessionCommand::Forget { role, gateway, sso } => {
            let n = runtime()?.block_on(app.forget(ForgetRequest { role, gateway, sso }))?;
            writeln!(out, "Forgot {}.", crate::words::count(n, "cached session")).map_err(io_err)
        }
    }
}

/// `11h 20m`, `9m`: as the popup says it.
fn time_left(d: time::Duration) -> String {
    let minutes = d.whole_minutes().max(0);
    if minutes >= 60 {
        format!("{}h {}m", minutes / 60, minutes % 60)
    } else {
        format!("{minutes}m")
    }
}
