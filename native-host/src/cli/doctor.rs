//! `rolecall doctor`.

use super::{io_err, runtime, CliError, Out};
use crate::app::App;
use crate::browser::install::{self, Bases, Os};
use crate::logger::escape;
use crate::setup::doctor::{self, Status};
use clap::Args;

#[derive(Args, Debug)]
pub struct DoctorArgs {
    /// Also run each gateway's MFA command (`mfa_process`) and say whether it gives a code
    /// (never the code). Off by default: a YubiKey would wait for a touch.
    #[arg(long)]
    run_mfa_process: bool,
}

/// True when nothing is broken.
pub fn run(args: DoctorArgs, out: Out) -> Result<bool, CliError> {
    let app = App::from_env();
    let binary = install::current_binary()?;
    writeln!(
        out,
        "rolecall {} at {}",
        env!("CARGO_PKG_VERSION"),
        binary.display()
    )
    .map_err(io_err)?;
    let rt = runtime()?;
    let checks = rt.block_on(doctor::run(
        &app,
        Os::current(),
        &Bases::from_platform(),
        &binary,
        doctor::Options {
            run_mfa_process: args.run_mfa_process,
        },
    ));
    for c in &checks {
        // Checks quote the config, catalogues and AWS's answers.
        writeln!(out, "{:<5} {}", c.status.label(), escape(&c.message)).map_err(io_err)?;
        if let Some(fix) = &c.fix {
            writeln!(out, "      fix: {}", escape(fix)).map_err(io_err)?;
        }
    }
    let failed = checks.iter().filter(|c| c.status == Status::Fail).count();
    let warned = checks.iter().filter(|c| c.status == Status::Warn).count();
    if failed == 0 {
        writeln!(
            out,
            "\nEverything rolecall needs is in place{}.",
            if warned > 0 {
                format!(" ({warned} warnings)")
            } else {
                String::new()
            }
        )
        .map_err(io_err)?;
    } else {
        writeln!(
            out,
            "\n{failed} problem{} found; run the fix commands above, then `rolecall doctor` again.",
            if failed == 1 { "" } else { "s" }
        )
        .map_err(io_err)?;
    }
    Ok(doctor::healthy(&checks))
}
