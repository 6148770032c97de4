//! `rolecall login ROLE`: the same click path as the browser, from a terminal.

use super::{io_err, runtime, Out};
use crate::app::{App, OpenRequest};
use crate::error::{Error, Result};
use clap::Args;
use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;

#[derive(Args, Debug)]
pub struct LoginArgs {
    /// The role id.
    role: String,
    #[arg(long)]
    region: Option<String>,
    /// A console URL or path, e.g. /ec2/home
    #[arg(long)]
    destination: Option<String>,
    /// The MFA code, when the gateway needs one: `-` reads it from standard input (a
    /// code on the command line is visible to other local users). Without it, rolecall asks
    /// on the terminal.
    #[arg(long, value_name = "CODE|-")]
    mfa_code: Option<String>,
    /// Open the URL in the default browser instead of printing it.
    #[arg(long)]
    open: bool,
}

pub fn run(a: LoginArgs, out: Out) -> Result<()> {
    crate::store::secrets::prewarm();
    let mfa_code = super::mfa::code_from_arg(a.mfa_code)?;
    let app = Arc::new(App::from_env());
    let rt = runtime()?;
    let mut req = OpenRequest {
        role: a.role,
        region: a.region,
        destination: a.destination,
        mfa_code,
        ..OpenRequest::default()
    };
    let opened = match rt.block_on(app.open_console(req.clone())) {
        Err(Error::MfaRequired {
            gateway,
            serial,
            process_error,
            ..
        }) if std::io::stdin().is_terminal() => {
            say_process_failed(&gateway, process_error.as_deref());
            req.mfa_code = Some(prompt_mfa(&gateway, &serial)?);
            rt.block_on(app.open_console(req))?
        }
        Err(Error::MfaRequired {
            gateway,
            role,
            process_error,
            ..
        }) => {
            return Err(Error::InvalidParams(format!(
                "Gateway '{gateway}' needs an MFA code to open '{role}', and there is no terminal to ask on{}. Pipe it in: `… | rolecall login {role} --mfa-code -`.",
                process_error.map(|e| format!(" (its MFA command gave none: {e})")).unwrap_or_default()
            )))
        }
        other => other?,
    };
    // New credentials are written to the keyring in the background: let that land before
    // the process exits, so the next login finds them.
    rt.block_on(app.settle());
    if a.open {
        crate::browser::handoff::open_in_default_browser(&opened.url, &opened.container.name)?;
        writeln!(
            out,
            "Opened the console of '{}' ({}) in your browser.",
            opened.role, opened.account_id
        )
        .map_err(io_err)
    } else {
        writeln!(out, "{}", opened.url).map_err(io_err)
    }
}

/// Says on stderr why the gateway's MFA command gave no code, before the code is asked for.
pub(super) fn say_process_failed(gateway: &str, process_error: Option<&str>) {
    if let Some(e) = process_error {
        let _ = writeln!(
            std::io::stderr(),
            "rolecall: the MFA command of gateway '{gateway}' gave no code: {}.",
            crate::logger::escape(e)
        );
    }
}

/// Asks for a gateway's MFA code on the terminal (the prompt on stderr).
pub(super) fn prompt_mfa(gateway: &str, serial: &str) -> Result<String> {
    let mut err = std::io::stderr();
    let _ = write!(
        err,
        "MFA code for gateway '{gateway}' ({}): ",
        crate::logger::escape(serial)
    );
    let _ = err.flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Error::InvalidParams(format!("cannot read the MFA code: {e}")))?;
    Ok(line.trim().to_owned())
}
