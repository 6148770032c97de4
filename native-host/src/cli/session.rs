//! `rolecall session forget`.

use super::{io_err, runtime, Out};
use crate::app::{App, ForgetRequest};
use crate::error::Result;
use clap::Subcommand;
use std::sync::Arc;

#[derive(Subcommand, Debug)]
pub enum SessionCommand {
    /// Drop cached role credentials (all, or of one role or gateway). A running browser
    /// host keeps its in-memory copy until it restarts; the extension's "forget" clears both.
    Forget {
        #[arg(long, conflicts_with = "gateway")]
        role: Option<String>,
        #[arg(long)]
        gateway: Option<String>,
    },
}

pub fn run(cmd: SessionCommand, out: Out) -> Result<()> {
    let SessionCommand::Forget { role, gateway } = cmd;
    let app = Arc::new(App::from_env());
    let n = runtime()?.block_on(app.forget(ForgetRequest { role, gateway }))?;
    writeln!(out, "Forgot {n} cached session(s).").map_err(io_err)
}
