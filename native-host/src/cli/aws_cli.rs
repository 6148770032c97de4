//! The AWS CLI, SDKs and shells from the same keyring: `rolecall credential-process ROLE`
//! (the AWS CLI's `credential_process` JSON), `rolecall export ROLE` (shell `export` lines)
//! and `rolecall exec ROLE -- command…`. Each takes the role's credentials through the same
//! per-role cache as the console ([`App::role_credentials`]), so a console click and a CLI
//! call share one AssumeRole and one MFA code. The output of the first two is secret: it
//! goes to stdout only, for the AWS CLI or the shell, and never to a log.

use super::{io_err, runtime, Out};
use crate::app::{App, RoleCredentials};
use crate::error::{Error, Result};
use clap::Args;
use std::ffi::OsString;
use std::io::{BufRead, Write};
use std::sync::Arc;
use time::format_description::well_known::Rfc3339;

/// An SDK refreshes credentials 15 minutes before they expire (botocore's advisory
/// refresh; 10 minutes is mandatory): cached credentials are handed out only with more
/// left, so the SDK does not call again at once.
pub const MIN_LEFT: time::Duration = time::Duration::minutes(20);

/// The variables `export` and `exec` set.
pub const CREDENTIAL_VARS: [&str; 6] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
];

/// Variables `exec` removes from the command's environment: they would make the AWS CLI
/// and SDKs use other credentials than the role's (a profile, a legacy token name).
pub const CLEARED_VARS: [&str; 3] = ["AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SECURITY_TOKEN"];

#[derive(Args, Debug)]
pub struct RoleArgs {
    /// The role id.
    role: String,
    /// The MFA code, when the role's gateway needs one and there is no terminal to ask on:
    /// `-` reads it from one line of standard input (a code on the command line is visible
    /// to other local users).
    #[arg(long, value_name = "CODE|-")]
    mfa_code: Option<String>,
}

#[derive(Args, Debug)]
pub struct ExecArgs {
    #[command(flatten)]
    role: RoleArgs,
    /// The command and its arguments (after `--`).
    #[arg(last = true, required = true, value_name = "COMMAND")]
    command: Vec<OsString>,
}

/// The role's credentials, asking for an MFA code on the terminal when the gateway needs
/// one. The terminal is `/dev/tty`, not stdin or stdout: the AWS CLI reads this process's
/// stdout and captures its stderr.
fn credentials(a: &RoleArgs) -> Result<RoleCredentials> {
    crate::store::secrets::prewarm();
    let mfa_code = super::mfa::code_from_arg(a.mfa_code.clone())?;
    let app = Arc::new(App::from_env());
    let rt = runtime()?;
    let got = rt.block_on(app.role_credentials(&a.role, mfa_code.as_deref(), MIN_LEFT));
    let got = match got {
        Err(Error::MfaRequired {
            gateway,
            role,
            serial,
            process_error,
            ..
        }) => {
            let failed = process_error
                .map(|e| format!("the MFA command of gateway '{gateway}' gave no code: {e}. "))
                .unwrap_or_default();
            match ask_on_terminal(&format!(
                "rolecall: {}MFA code for gateway '{gateway}' ({}) to use '{role}': ",
                crate::logger::escape(&failed),
                crate::logger::escape(&serial)
            )) {
                Some(code) => rt.block_on(app.role_credentials(&a.role, Some(&code), MIN_LEFT)),
                None => Err(Error::InvalidParams(format!(
                    "{failed}Gateway '{gateway}' needs an MFA code for '{role}', and there is no terminal to ask on. Pipe it in once with `--mfa-code -` (or open the role's console, or `rolecall login {role}`): the credentials are then cached for the next calls."
                ))),
            }
        }
        other => other,
    };
    // New credentials are written to the keyring in the background: let that land before
    // the process exits, so the next call (or the console) finds them.
    rt.block_on(app.settle());
    got
}

/// Reads a line from the controlling terminal after `prompt`; `None` without a terminal.
#[cfg(unix)]
fn ask_on_terminal(prompt: &str) -> Option<String> {
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .ok()?;
    let mut w = tty.try_clone().ok()?;
    w.write_all(prompt.as_bytes()).ok()?;
    w.flush().ok()?;
    let mut line = String::new();
    std::io::BufReader::new(tty).read_line(&mut line).ok()?;
    Some(line.trim().to_owned())
}

#[cfg(not(unix))]
fn ask_on_terminal(prompt: &str) -> Option<String> {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() {
        return None;
    }
    let mut err = std::io::stderr();
    let _ = write!(err, "{prompt}");
    let _ = err.flush();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).ok()?;
    Some(line.trim().to_owned())
}

fn expiration(c: &RoleCredentials) -> Result<String> {
    c.credentials
        .expiration
        .format(&Rfc3339)
        .map_err(|e| Error::Internal(format!("cannot format the expiry: {e}")))
}

/// `credential_process` output: the AWS CLI's and SDKs' documented JSON, version 1.
pub fn credential_process(a: RoleArgs, out: Out) -> Result<()> {
    let c = credentials(&a)?;
    let json = serde_json::json!({
        "Version": 1,
        "AccessKeyId": c.credentials.access_key_id,
        "SecretAccessKey": c.credentials.secret_access_key,
        "SessionToken": c.credentials.session_token,
        "Expiration": expiration(&c)?,
    });
    writeln!(out, "{json}").map_err(io_err)
}

/// The pairs `export` prints and `exec` sets.
fn variables(c: &RoleCredentials) -> Result<Vec<(&'static str, String)>> {
    let values = [
        c.credentials.access_key_id.clone(),
        c.credentials.secret_access_key.clone(),
        c.credentials.session_token.clone(),
        expiration(c)?,
        c.region.clone(),
        c.region.clone(),
    ];
    Ok(CREDENTIAL_VARS.into_iter().zip(values).collect())
}

/// A value in POSIX single quotes.
fn sh_quote(v: &str) -> String {
    format!("'{}'", v.replace('\'', "'\\''"))
}

/// `export` lines for `eval "$(rolecall export ROLE)"`.
pub fn export(a: RoleArgs, out: Out) -> Result<()> {
    use std::io::IsTerminal;
    let c = credentials(&a)?;
    if std::io::stdout().is_terminal() {
        let _ = writeln!(
            std::io::stderr(),
            "rolecall: these are secrets; `eval \"$(rolecall export {})\"` puts them in this shell without showing them.",
            c.role
        );
    }
    for name in CLEARED_VARS {
        writeln!(out, "unset {name}").map_err(io_err)?;
    }
    for (name, value) in variables(&c)? {
        writeln!(out, "export {name}={}", sh_quote(&value)).map_err(io_err)?;
    }
    Ok(())
}

/// Runs the command with the role's credentials in its environment, and nothing else of
/// rolecall's: no other variable, no open file (every descriptor rolecall opens is
/// close-on-exec). On Unix rolecall becomes the command (exec), so signals and the exit
/// status are the command's own.
pub fn exec(a: ExecArgs) -> Result<std::process::ExitCode> {
    let c = credentials(&a.role)?;
    let mut argv = a.command.into_iter();
    let program = argv
        .next()
        .ok_or_else(|| Error::InvalidParams("exec needs a command after `--`.".into()))?;
    let mut cmd = std::process::Command::new(&program);
    cmd.args(argv);
    for name in CLEARED_VARS {
        cmd.env_remove(name);
    }
    for (name, value) in variables(&c)? {
        cmd.env(name, value);
    }
    drop(c);
    let failed = |e: std::io::Error| {
        Error::InvalidParams(format!(
            "Cannot run {}: {e}.",
            std::path::Path::new(&program).display()
        ))
    };
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        Err(failed(cmd.exec()))
    }
    #[cfg(not(unix))]
    {
        let status = cmd.status().map_err(failed)?;
        Ok(std::process::ExitCode::from(
            status.code().unwrap_or(1).clamp(0, 255) as u8,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_quoted_for_posix_shells() {
        assert_eq!(sh_quote("abc"), "'abc'");
        assert_eq!(sh_quote("a'b"), "'a'\\''b'");
        assert_eq!(sh_quote("a b$c`d"), "'a b$c`d'");
    }
}
