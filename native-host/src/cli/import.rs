//! `rolecall import aws-config [--file PATH] [--credentials PATH] [--dry-run] [--move-keys]`.

use super::{io_err, CliError, Out};
use crate::app::App;
use crate::setup::import::plan::{self, Action, FileKind, Keys};
use crate::setup::import::{self, ImportError};
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// Roles and gateways from the AWS CLI's files: profiles with role_arn + source_profile
    /// become roles, their source profiles gateways. Importing again updates in place.
    AwsConfig(AwsConfigArgs),
}

#[derive(Args, Debug)]
pub struct AwsConfigArgs {
    /// The AWS config file (default: $AWS_CONFIG_FILE, else ~/.aws/config).
    #[arg(long)]
    file: Option<PathBuf>,
    /// The AWS credentials file (default: $AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials).
    #[arg(long)]
    credentials: Option<PathBuf>,
    /// Print what would change and change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Move the gateways' keys from the credentials file into the OS keyring: store them,
    /// then remove them from the file, keeping a private backup of it.
    #[arg(long)]
    move_keys: bool,
    /// Point the imported gateway role profiles at `rolecall credential-process ROLE`
    /// (their role_arn line becomes credential_process, their source_profile line goes),
    /// so the AWS CLI keeps working from the keyring. With --dry-run, shows the diff.
    #[arg(long)]
    write_credential_process: bool,
    /// How new gateways with an MFA device spend codes: daily (the default: one code a
    /// day opens every role of the gateway, consoles renewed silently) or per-role (a code
    /// for each role's 12-hour console). Gateways already configured keep their mode
    /// (`rolecall gateway set NAME --mfa-mode …` changes it).
    #[arg(long, value_enum, value_name = "MODE")]
    mfa_mode: Option<super::gateway::MfaModeArg>,
}

pub fn run(cmd: ImportCommand, out: Out) -> Result<(), CliError> {
    match cmd {
        ImportCommand::AwsConfig(a) => aws_config(a, out),
    }
}

fn aws_config(a: AwsConfigArgs, out: Out) -> Result<(), CliError> {
    let app = App::from_env();
    let (default_config, default_credentials) = match (&a.file, &a.credentials) {
        (Some(f), Some(c)) => (f.clone(), c.clone()),
        _ => import::default_paths()?,
    };
    let config_path = a.file.clone().unwrap_or(default_config);
    let credentials_path = a.credentials.clone().unwrap_or(default_credentials);
    let config_file = import::read(&config_path)?;
    let credentials_file = import::read(&credentials_path)?;
    if config_file.is_none() && credentials_file.is_none() {
        return Err(ImportError::NoFiles {
            config: config_path,
            credentials: credentials_path,
        }
        .into());
    }
    // Held from reading the config the plan builds on until the plan is written.
    let _lock = if a.dry_run {
        None
    } else {
        Some(crate::store::config::UpdateLock::acquire(
            app.config_path(),
        )?)
    };
    let existing = app.load_config()?;
    let (in_keyring, keyring_problem) =
        import::keyring_gateways(&app, config_file.as_ref(), credentials_file.as_ref());
    let credentials_display = credentials_path.display().to_string();
    let plan = plan::plan(&plan::Inputs {
        config: config_file.as_ref().map(|f| &f.ini),
        credentials: credentials_file.as_ref().map(|f| &f.ini),
        credentials_path: &credentials_display,
        existing: &existing,
        keyring_gateways: &in_keyring,
        new_gateway_mfa_mode: a
            .mfa_mode
            .map_or(crate::store::config::MfaMode::Daily, |m| m.mode()),
    })
    .map_err(ImportError::Invalid)?;

    let dry = a.dry_run;
    // Moving keys with no keyring would list every key as moved and then fail: say so
    // first, before anything is shown as done.
    if let (Some(problem), true, false) = (&keyring_problem, a.move_keys, dry) {
        if !plan.key_moves.is_empty() {
            return Err(ImportError::KeyringForMove {
                reason: problem.clone(),
            }
            .into());
        }
    }
    let cp_profiles = if a.write_credential_process {
        let exe = std::env::current_exe()
            .and_then(std::fs::canonicalize)
            .map_err(|e| {
                crate::error::Error::Internal(format!("cannot find this binary's path: {e}"))
            })?;
        import::credential_process_profiles(&plan, &exe.display().to_string())
    } else {
        Vec::new()
    };
    // Lines quote the ~/.aws files and the config: escaped, as every text from outside.
    let w = |s: &str, out: Out| writeln!(out, "{}", crate::logger::escape(s)).map_err(io_err);
    w(
        &format!(
            "{} {} and {}{}",
            if dry {
                "Would import from"
            } else {
                "Importing from"
            },
            shown(&config_path, config_file.is_some()),
            shown(&credentials_path, credentials_file.is_some()),
            if dry {
                " (dry run: nothing is changed)"
            } else {
                ""
            }
        ),
        out,
    )?;
    for (file, f) in [
        (&config_path, &config_file),
        (&credentials_path, &credentials_file),
    ] {
        if let Some(f) = f {
            for warning in &f.ini.warnings {
                w(&format!("  warning: {}, {warning}", file.display()), out)?;
            }
        }
    }

    let file_name = |k: FileKind| match k {
        FileKind::Config => config_path.display().to_string(),
        FileKind::Credentials => credentials_path.display().to_string(),
    };
    if !plan.gateways.is_empty() {
        w("Gateways:", out)?;
    }
    for g in &plan.gateways {
        let keys = match &g.keys {
            Keys::InKeyring => "keys in the keyring".to_owned(),
            Keys::InFile {
                file,
                access_key_id,
                also_in_keyring,
            } => {
                if a.move_keys {
                    format!(
                        "keys {access_key_id} {} from {} into the keyring{}",
                        if dry { "would move" } else { "moved" },
                        file_name(*file),
                        if *also_in_keyring {
                            " (replacing those stored there if they differ)"
                        } else {
                            ""
                        }
                    )
                } else if *also_in_keyring {
                    format!(
                        "keys in the keyring; {access_key_id} is also in plain text in {} (--move-keys removes it)",
                        file_name(*file)
                    )
                } else {
                    format!(
                        "keys {access_key_id} are in {}; NOT in the keyring yet: run again with --move-keys",
                        file_name(*file)
                    )
                }
            }
        };
        let mfa = match (plan.config.gateway(&g.name), g.mfa_mode) {
            (Some(gw), Some(_)) => format!("; MFA {}", super::gateway::mode_words(gw)),
            _ => String::new(),
        };
        w(
            &format!("  {}  — {keys}{mfa}", line(&g.name, &g.action, dry)),
            out,
        )?;
    }
    if !plan.sso.is_empty() {
        w("IAM Identity Center sources:", out)?;
    }
    for s in &plan.sso {
        w(
            &format!(
                "  {}  {} (sign in with `rolecall sso login {}`)",
                line(&s.name, &s.action, dry),
                s.start_url,
                s.name
            ),
            out,
        )?;
    }
    if !plan.roles.is_empty() {
        w("Roles:", out)?;
    }
    for r in &plan.roles {
        let group = plan
            .config
            .role(&r.id)
            .and_then(|x| x.group.as_deref())
            .map(|g| format!(", group {g}"))
            .unwrap_or_default();
        w(
            &format!(
                "  {}  {} via {}{group}{}",
                line(&r.id, &r.action, dry),
                r.arn,
                r.via,
                if r.production {
                    ", production (its name says prod: a red container, a click confirms; `rolecall role set ID --risk none` undoes it)"
                } else {
                    ""
                }
            ),
            out,
        )?;
    }
    if !plan.skipped.is_empty() {
        w("Not imported:", out)?;
    }
    for s in &plan.skipped {
        w(&format!("  - {}: {}", s.profile, one_line(&s.reason)), out)?;
    }
    for n in &plan.notes {
        w(&format!("Note: {}", one_line(n)), out)?;
    }
    if let Some(problem) = &keyring_problem {
        w(
            &format!("Note: the keyring could not be read ({problem}); gateways were treated as having no keys there."),
            out,
        )?;
    }

    let count = |pred: fn(&Action) -> bool| plan.roles.iter().filter(|r| pred(&r.action)).count();
    let added = count(|a| *a == Action::Add);
    let updated = count(|a| matches!(a, Action::Update(_)));
    let unchanged = count(|a| *a == Action::Unchanged);
    let summary = format!(
        "{} {}, {updated} {}, {unchanged} unchanged; {} not imported.",
        crate::words::count(added, "role"),
        if dry { "to add" } else { "added" },
        if dry { "to update" } else { "updated" },
        crate::words::count(plan.skipped.len(), "profile")
    );
    if a.write_credential_process {
        w(
            &format!(
                "{} {} at `rolecall credential-process`.",
                crate::words::count(cp_profiles.len(), "profile"),
                if dry { "would point" } else { "point" }
            ),
            out,
        )?;
    }
    if dry {
        for (kind, file) in [
            (FileKind::Config, &config_file),
            (FileKind::Credentials, &credentials_file),
        ] {
            let Some(file) = file else { continue };
            if !a.write_credential_process {
                continue;
            }
            let edits = import::file_edits(&plan, kind, file, a.move_keys, &cp_profiles);
            let diff = import::credential_process::diff(
                &file.ini,
                &edits,
                &file.path.display().to_string(),
            );
            // The file's own lines: escaped, but a tab indenting a sub-property stays one.
            for line in diff.lines() {
                let parts: Vec<_> = line.split('\t').map(crate::logger::escape).collect();
                writeln!(out, "{}", parts.join("\t")).map_err(io_err)?;
            }
        }
        w(&summary, out)?;
        if !a.move_keys && plan.key_moves.iter().any(|_| true) {
            w(
                "Add --move-keys to move the gateways' keys into the keyring.",
                out,
            )?;
        }
        if a.move_keys && !a.write_credential_process && !plan.key_moves.is_empty() {
            w(MOVE_KEYS_HINT, out)?;
        }
        return Ok(());
    }

    let applied = import::apply(
        &app,
        &plan,
        config_file.as_ref(),
        credentials_file.as_ref(),
        a.move_keys,
        &cp_profiles,
    )?;
    w(&summary, out)?;
    if plan.changes_anything() {
        w(&format!("Saved {}.", app.config_path().display()), out)?;
    }
    for (gateway, replaced) in &applied.stored {
        w(
            &format!(
                "Stored the keys of gateway '{gateway}' in the keyring (service '{}'){}.",
                app.secrets().service(),
                if *replaced {
                    ", replacing different keys stored there before"
                } else {
                    ""
                }
            ),
            out,
        )?;
        if *replaced {
            // As `gateway add` with new keys: what the old keys made goes (keyring, state
            // file, a running host's memory), so the gateway asks for a code again.
            let n = super::runtime()?.block_on(app.forget_gateway(gateway))?;
            w(
                &format!(
                    "Forgot {} of gateway '{gateway}'s old keys.",
                    crate::words::count(n, "cached session")
                ),
                out,
            )?;
        }
    }
    for (file, backup) in &applied.rewritten {
        w(
            &format!(
                "Rewrote {}. A copy of the file as it was is in {} (readable by you only): delete it once rolecall works.{}",
                file.display(),
                backup.display(),
                if a.move_keys && !a.write_credential_process {
                    " The AWS CLI can no longer use the moved keys from the file."
                } else {
                    ""
                }
            ),
            out,
        )?;
    }
    if a.move_keys && !a.write_credential_process && !applied.stored.is_empty() {
        w(MOVE_KEYS_HINT, out)?;
    }
    Ok(())
}

/// After `--move-keys` alone the AWS CLI's role profiles have no keys to assume their roles
/// with: `--write-credential-process` points them at rolecall, which has the keys.
const MOVE_KEYS_HINT: &str = "The AWS CLI reads keys from ~/.aws/credentials: once they move, its profiles of these roles need `credential_process`. Run `rolecall import aws-config --write-credential-process` (add --dry-run to see the diff first) to point them at `rolecall credential-process`, which uses the keyring.";

/// A reason may quote a value continued over lines: keep each profile to one line.
fn one_line(s: &str) -> String {
    s.replace('\n', "\\n")
}

fn shown(p: &std::path::Path, exists: bool) -> String {
    if exists {
        p.display().to_string()
    } else {
        format!("{} (not found)", p.display())
    }
}

fn line(name: &str, action: &Action, dry: bool) -> String {
    match action {
        Action::Add => format!("+ {name} ({})", if dry { "new" } else { "added" }),
        Action::Unchanged => format!("= {name} (unchanged)"),
        Action::Update(changes) => format!(
            "~ {name} ({}: {})",
            if dry { "would update" } else { "updated" },
            changes.join(", ")
        ),
    }
}
