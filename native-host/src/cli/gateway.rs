//! `rolecall gateway add|list|remove`.

use super::{io_err, runtime, Out};
use crate::app::App;
use crate::credentials::LongTermKeys;
use crate::error::{Error, Result};
use crate::store::config::{self, Gateway, MfaMode};
use clap::Subcommand;
use std::io::{IsTerminal, Read};

#[derive(Subcommand, Debug)]
pub enum GatewayCommand {
    /// Add a gateway, or replace its keys (new keys forget the old ones' cached sessions and
    /// daily MFA session). The secret access key is read from stdin
    /// (a hidden prompt on a terminal), never from an argument.
    Add {
        name: String,
        #[arg(long)]
        access_key_id: String,
        /// The gateway user's MFA device ARN; opens then ask for a code.
        #[arg(long)]
        mfa_serial: Option<String>,
        /// STS region, and the default region of its roles.
        #[arg(long)]
        region: Option<String>,
        /// RoleSessionName for its roles (how you show up in CloudTrail).
        #[arg(long)]
        session_name: Option<String>,
        #[command(flatten)]
        mfa: MfaArgs,
        #[command(flatten)]
        process: MfaProcessArgs,
    },
    /// List gateways and whether their keys are in the keyring.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Change a gateway's settings without touching its keys.
    Set {
        name: String,
        #[arg(long, conflicts_with = "no_mfa")]
        mfa_serial: Option<String>,
        /// Remove the MFA device: opens no longer ask for a code.
        #[arg(long)]
        no_mfa: bool,
        #[arg(long)]
        region: Option<String>,
        #[arg(long)]
        session_name: Option<String>,
        #[command(flatten)]
        mfa: MfaArgs,
        #[command(flatten)]
        process: MfaProcessArgs,
    },
    /// Remove a gateway, its keys and its cached sessions (its roles must be removed first).
    Remove { name: String },
}

/// How an MFA gateway spends codes (docs/CONFIGURATION.md, "MFA: one code a day or a code per role").
#[derive(clap::Args, Debug, Default)]
pub struct MfaArgs {
    /// daily: one code opens every role of the gateway for --mfa-session-hours, consoles
    /// capped at 1 h by AWS and renewed silently by the extension (what `gateway add` gives
    /// a new gateway with --mfa-serial). per-role: a code for each role's AssumeRole,
    /// consoles up to 12 h (what a gateway with no mode written in the config does).
    #[arg(long, value_enum)]
    mfa_mode: Option<MfaModeArg>,
    /// Daily mode: how long one code lasts, 1 to 36 hours (default 12).
    #[arg(long, value_name = "H")]
    mfa_session_hours: Option<u32>,
}

/// A command that prints the MFA device's current code, so opens need no typing. It is
/// taken word by word after `--` and run without a shell (no quoting, globbing or
/// variables): `rolecall gateway set corp --mfa-process -- ykman oath accounts code -s NAME`.
#[derive(clap::Args, Debug, Default)]
pub struct MfaProcessArgs {
    /// Run the command after `--` for a code whenever an open needs one and none was
    /// typed (the browser's popup then asks only when it fails). Stdout must be the 6
    /// digits; it gets no stdin and --mfa-process-timeout seconds.
    #[arg(long, conflicts_with = "no_mfa_process")]
    mfa_process: bool,
    /// Stop running the gateway's MFA command: opens ask for the code again.
    #[arg(long)]
    no_mfa_process: bool,
    /// How long the MFA command may take, 1 to 40 seconds (default 30: a YubiKey waits
    /// for a touch, a password manager may ask to be unlocked).
    #[arg(long, value_name = "SECONDS")]
    mfa_process_timeout: Option<u32>,
    /// The MFA command and its arguments, after `--` (with --mfa-process).
    #[arg(last = true, value_name = "COMMAND")]
    command: Vec<String>,
}

impl MfaProcessArgs {
    fn apply(self, gateway: &mut Gateway) -> Result<()> {
        match (self.mfa_process, self.command.is_empty()) {
            (true, true) => {
                return Err(Error::InvalidParams(
                    "--mfa-process takes the command after `--`: `rolecall gateway set NAME --mfa-process -- ykman oath accounts code -s ACCOUNT`.".into(),
                ))
            }
            (false, false) => {
                return Err(Error::InvalidParams(
                    "A command after `--` is an MFA command: say so with --mfa-process (`… --mfa-process -- PROGRAM ARGS…`).".into(),
                ))
            }
            (true, false) => {
                config::check_mfa_process(&self.command).map_err(Error::InvalidParams)?;
                gateway.mfa_process = Some(self.command);
            }
            (false, true) => {}
        }
        if self.no_mfa_process {
            gateway.mfa_process = None;
        }
        if self.mfa_process_timeout.is_some() {
            gateway.mfa_process_timeout_seconds = self.mfa_process_timeout;
        }
        Ok(())
    }
}

/// A gateway's MFA command as a person reads it (each word escaped; words with spaces
/// quoted, though no shell ever sees them).
pub(super) fn shown_command(argv: &[String]) -> String {
    argv.iter()
        .map(|w| {
            let w = crate::logger::escape(w).to_string();
            if w.is_empty() || w.contains([' ', '\'', '"']) {
                format!("'{}'", w.replace('\'', "'\\''"))
            } else {
                w
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// What `gateway add|set` says of the gateway's MFA command.
fn process_note(g: &Gateway) -> String {
    match (&g.mfa_process, &g.mfa_serial) {
        (Some(p), Some(_)) => format!(
            " An open that needs a code runs `{}` (no shell, {} s at most) for one.",
            shown_command(p),
            g.mfa_process_timeout().as_secs()
        ),
        (Some(_), None) => " It has an MFA command but no MFA device (--mfa-serial): the command is not run until it has one.".into(),
        _ => String::new(),
    }
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub(super) enum MfaModeArg {
    PerRole,
    Daily,
}

impl MfaModeArg {
    pub(super) fn mode(self) -> MfaMode {
        match self {
            MfaModeArg::PerRole => MfaMode::PerRole,
            MfaModeArg::Daily => MfaMode::Daily,
        }
    }
}

/// How a gateway spends MFA codes, in a sentence's words.
pub(super) fn mode_words(g: &Gateway) -> String {
    match g.mfa_mode() {
        MfaMode::Daily => format!(
            "daily: one code opens every role of the gateway for {} h",
            g.mfa_session_hours()
        ),
        MfaMode::PerRole => "per role: a code for each role's console, 12-hour consoles".into(),
    }
}

impl MfaArgs {
    /// Through the options page's edit (store/config `GatewayEdit`): the same checks.
    fn apply(self, gateway: &mut Gateway) -> Result<()> {
        let edit = config::GatewayEdit {
            mfa_mode: self.mfa_mode.map(MfaModeArg::mode),
            mfa_session_hours: self.mfa_session_hours.map(Some),
        };
        edit.apply(gateway).map_err(|e| {
            Error::InvalidParams(format!(
                "Gateway '{}' is refused: {e}. Nothing was changed.",
                gateway.name
            ))
        })
    }
}

pub fn run(cmd: GatewayCommand, out: Out) -> Result<()> {
    let app = App::from_env();
    match cmd {
        GatewayCommand::Add {
            name,
            access_key_id,
            mfa_serial,
            region,
            session_name,
            mfa,
            process,
        } => {
            check_access_key_id(&access_key_id)?;
            // The secret is read before the config is locked: a person typing it must not
            // hold up other commands.
            let secret = read_secret(&name)?;
            let _lock = config::UpdateLock::acquire(app.config_path())?;
            let mut config = app.load_config()?;
            // New keys for the name (or a name new to this config): what was cached for it
            // came from other keys and goes. The same keys again keep their sessions.
            let new_keys = config.gateway(&name).is_none()
                || match app.secrets().gateway_keys(&name) {
                    Ok(old) => old.access_key_id != access_key_id,
                    Err(Error::CredentialsMissing(_)) => true,
                    Err(e) => return Err(e),
                };
            let is_new = config.gateway(&name).is_none();
            let mut gateway = config.gateway(&name).cloned().unwrap_or(Gateway {
                name: name.clone(),
                ..Gateway::default()
            });
            gateway.region = region.or(gateway.region);
            gateway.mfa_serial = mfa_serial.or(gateway.mfa_serial);
            gateway.session_name = session_name.or(gateway.session_name);
            // A new gateway with a device spends one code a day unless told otherwise, and
            // says so in the file; an existing one keeps its mode (an absent one is per role).
            if is_new && gateway.mfa_serial.is_some() && mfa.mfa_mode.is_none() {
                gateway.mfa_mode = Some(MfaMode::Daily);
            }
            mfa.apply(&mut gateway)?;
            process.apply(&mut gateway)?;
            config.gateways.retain(|g| g.name != name);
            config.gateways.push(gateway);
            // Check the whole config before touching the keyring, then store keys first:
            // a config that names a gateway always has somewhere to look for its keys.
            config.validate().map_err(Error::InvalidParams)?;
            app.secrets().set_gateway_keys(
                &name,
                &LongTermKeys {
                    access_key_id: access_key_id.clone(),
                    secret_access_key: secret,
                },
            )?;
            config::save(app.config_path(), &config)?;
            let forgotten = if new_keys {
                forget_cached(&app, &name)?
            } else {
                0
            };
            let saved = config.gateway(&name).cloned().unwrap_or_default();
            writeln!(
                out,
                "Gateway '{name}' saved; its keys ({access_key_id}) are in the OS keyring (service '{}'){}.{}{}",
                app.secrets().service(),
                forgotten_note(forgotten),
                match (&saved.mfa_serial, saved.mfa_mode()) {
                    (None, _) => String::new(),
                    (Some(_), MfaMode::Daily) => format!(
                        " MFA {} (`--mfa-mode per-role` for a code per role and 12-hour consoles).",
                        mode_words(&saved)
                    ),
                    (Some(_), MfaMode::PerRole) => format!(" MFA {}.", mode_words(&saved)),
                },
                process_note(&saved)
            )
            .map_err(io_err)
        }
        GatewayCommand::List { json } => {
            let config = app.load_config()?;
            let mut rows = Vec::new();
            for g in &config.gateways {
                let keys = match app.secrets().has_gateway_keys(&g.name) {
                    Ok(true) => "in keyring",
                    Ok(false) => "MISSING",
                    Err(_) => "keyring unavailable",
                };
                rows.push((g, keys));
            }
            if json {
                let v: Vec<_> = rows
                    .iter()
                    .map(|(g, k)| serde_json::json!({"name": g.name, "region": g.region, "mfa_serial": g.mfa_serial, "mfa_mode": g.mfa_mode().id(), "mfa_session_hours": g.mfa_session_hours(), "mfa_process": g.mfa_process, "mfa_process_timeout_seconds": g.mfa_process_timeout().as_secs(), "session_name": g.session_name, "keys": k}))
                    .collect();
                let text = serde_json::Value::Array(v).to_string();
                writeln!(out, "{}", crate::logger::escape_json(&text)).map_err(io_err)
            } else {
                if rows.is_empty() {
                    writeln!(
                        out,
                        "No gateways. Add one with `rolecall gateway add NAME --access-key-id ID`."
                    )
                    .map_err(io_err)?;
                }
                for (g, k) in rows {
                    writeln!(
                        out,
                        "{}\tregion={}\tmfa={}{}{}\tkeys: {k}",
                        g.name,
                        g.region.as_deref().unwrap_or("-"),
                        crate::logger::escape(g.mfa_serial.as_deref().unwrap_or("-")),
                        if g.uses_daily_mfa() {
                            format!(" (daily, {} h)", g.mfa_session_hours())
                        } else if g.mfa_serial.is_some() {
                            " (per role)".into()
                        } else {
                            String::new()
                        },
                        g.mfa_process
                            .as_deref()
                            .map(|p| format!("\tmfa_process: {}", shown_command(p)))
                            .unwrap_or_default(),
                    )
                    .map_err(io_err)?;
                }
                Ok(())
            }
        }
        GatewayCommand::Set {
            name,
            mfa_serial,
            no_mfa,
            region,
            session_name,
            mfa,
            process,
        } => {
            let _lock = config::UpdateLock::acquire(app.config_path())?;
            let mut config = app.load_config()?;
            let gateway = config
                .gateways
                .iter_mut()
                .find(|g| g.name == name)
                .ok_or_else(|| Error::UnknownGateway(name.clone()))?;
            if no_mfa {
                gateway.mfa_serial = None;
            }
            gateway.mfa_serial = mfa_serial.or(gateway.mfa_serial.take());
            gateway.region = region.or(gateway.region.take());
            gateway.session_name = session_name.or(gateway.session_name.take());
            mfa.apply(gateway)?;
            process.apply(gateway)?;
            let note = process_note(gateway);
            config.validate().map_err(Error::InvalidParams)?;
            config::save(app.config_path(), &config)?;
            writeln!(
                out,
                "Gateway '{name}' updated; its keys were not touched.{note}"
            )
            .map_err(io_err)
        }
        GatewayCommand::Remove { name } => {
            let _lock = config::UpdateLock::acquire(app.config_path())?;
            let mut config = app.load_config()?;
            if config.gateway(&name).is_none() {
                return Err(Error::UnknownGateway(name));
            }
            let users: Vec<&str> = config
                .roles_of_gateway(&name)
                .map(|r| r.id.as_str())
                .collect();
            if !users.is_empty() {
                return Err(Error::InvalidParams(format!(
                    "Gateway '{name}' is used by roles {}; remove them first (`rolecall role remove ID`).",
                    users.join(", ")
                )));
            }
            config.gateways.retain(|g| g.name != name);
            config::save(app.config_path(), &config)?;
            let had_keys = app.secrets().delete_gateway_keys(&name)?;
            let forgotten = forget_cached(&app, &name)?;
            writeln!(
                out,
                "Gateway '{name}' removed{}{}.",
                if had_keys {
                    " and its keys deleted from the keyring"
                } else {
                    ""
                },
                forgotten_note(forgotten)
            )
            .map_err(io_err)
        }
    }
}

/// The gateway's daily MFA session and its roles' cached sessions (keyring, state file, and
/// through the state file's forget marker a running host's memory), after its keys changed
/// or it was removed: a gateway added again asks for a code.
fn forget_cached(app: &App, name: &str) -> Result<usize> {
    runtime()?
        .block_on(app.forget_gateway(name))
        .map_err(|e| match e {
            // The config and keys are changed; only the forget is left to do.
            Error::KeyringUnavailable(why) => Error::KeyringUnavailable(format!(
                "{why}; gateway '{name}' was changed but its cached sessions were not dropped: \
                 run `rolecall session forget` once the keyring is back"
            )),
            e => e,
        })
}

fn forgotten_note(n: usize) -> String {
    match n {
        0 => String::new(),
        n => format!("; {} forgotten", crate::words::count(n, "cached session")),
    }
}

fn check_access_key_id(id: &str) -> Result<()> {
    if id.starts_with("ASIA") {
        return Err(Error::InvalidParams(
            "That is a temporary access key (ASIA…); a gateway needs an IAM user's long-term key (AKIA…).".into(),
        ));
    }
    if !(16..=128).contains(&id.len()) || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(Error::InvalidParams(format!(
            "'{id}' does not look like an AWS access key id (AKIA followed by 16 letters and digits)."
        )));
    }
    Ok(())
}

fn read_secret(gateway: &str) -> Result<String> {
    let secret = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(format!("Secret access key for gateway '{gateway}': "))
            .map_err(|e| Error::InvalidParams(format!("cannot read the secret: {e}")))?
    } else {
        let mut s = String::new();
        std::io::stdin()
            .take(4096)
            .read_to_string(&mut s)
            .map_err(|e| Error::InvalidParams(format!("cannot read the secret from stdin: {e}")))?;
        s
    };
    let secret = secret.trim().to_owned();
    if secret.len() < 16 || secret.chars().any(char::is_whitespace) {
        return Err(Error::InvalidParams(
            "The secret access key is missing or malformed; pipe it on stdin or type it at the prompt.".into(),
        ));
    }
    Ok(secret)
}
