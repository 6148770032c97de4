//! `rolecall sso add|list|remove|login|sync`: IAM Identity Center sources.

use super::{io_err, runtime, Out};
use crate::app::{App, SsoRequest};
use crate::error::{Error, Result};
use crate::logger::{escape, escape_json};
use crate::setup::sso_sync::{self, Change};
use crate::store::config::{self, SsoSource};
use clap::Subcommand;
use std::sync::Arc;

#[derive(Subcommand, Debug)]
pub enum SsoCommand {
    /// Add (or change) an IAM Identity Center source: its access portal and region.
    Add {
        name: String,
        /// The access portal's start URL, e.g. https://my-company.awsapps.com/start
        #[arg(long)]
        start_url: String,
        /// The Identity Center region (the default console region of its roles).
        #[arg(long)]
        region: String,
    },
    /// List SSO sources and whether rolecall holds a token for each.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Remove an SSO source and its token (its roles must be removed first).
    Remove { name: String },
    /// Sign in (OAuth device authorization): prints the page and the code to approve.
    Login {
        name: String,
        /// Open the verification page in the default browser (through a private file, never
        /// on a command line).
        #[arg(long)]
        open: bool,
    },
    /// Turn the accounts and permission sets the portal lists into roles.
    Sync {
        name: String,
        /// Show what would change; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Remove this source's roles the portal no longer lists.
        #[arg(long)]
        prune: bool,
    },
}

pub fn run(cmd: SsoCommand, out: Out) -> Result<()> {
    crate::store::secrets::prewarm();
    let app = Arc::new(App::from_env());
    match cmd {
        SsoCommand::Add {
            name,
            start_url,
            region,
        } => {
            let _lock = config::UpdateLock::acquire(app.config_path())?;
            let mut config = app.load_config()?;
            let source = SsoSource {
                name: name.clone(),
                start_url,
                region,
            };
            match config.sso.iter_mut().find(|s| s.name == name) {
                Some(existing) => *existing = source,
                None => config.sso.push(source),
            }
            config.validate().map_err(Error::InvalidParams)?;
            config::save(app.config_path(), &config)?;
            writeln!(
                out,
                "SSO source '{name}' saved. Sign in with `rolecall sso login {name}`, then `rolecall sso sync {name}` adds its roles."
            )
            .map_err(io_err)
        }
        SsoCommand::List { json } => {
            let config = app.load_config()?;
            let state = app.state_file().load();
            let now = time::OffsetDateTime::now_utc();
            let rows: Vec<_> = config
                .sso
                .iter()
                .map(|s| {
                    let st = state.sso.get(&s.name);
                    let token = match st {
                        Some(t) if t.token_expires_at.is_some_and(|e| e > now) => "signed in",
                        Some(t) if t.refreshable => "signed in (refreshes)",
                        _ => "not signed in",
                    };
                    (s, token, config.roles_of_sso(&s.name).count())
                })
                .collect();
            if json {
                let v: Vec<_> = rows
                    .iter()
                    .map(|(s, t, n)| serde_json::json!({"name": s.name, "start_url": s.start_url, "region": s.region, "token": t, "roles": n}))
                    .collect();
                let text = serde_json::Value::Array(v).to_string();
                return writeln!(out, "{}", escape_json(&text)).map_err(io_err);
            }
            if rows.is_empty() {
                writeln!(out, "No SSO sources. Add one with `rolecall sso add NAME --start-url URL --region REGION`.").map_err(io_err)?;
            }
            for (s, t, n) in rows {
                writeln!(
                    out,
                    "{}\t{}\t{}\t{t}\t{}",
                    s.name,
                    escape(&s.start_url),
                    s.region,
                    crate::words::count(n, "role")
                )
                .map_err(io_err)?;
            }
            Ok(())
        }
        SsoCommand::Remove { name } => {
            let _lock = config::UpdateLock::acquire(app.config_path())?;
            let mut config = app.load_config()?;
            if config.sso_source(&name).is_none() {
                return Err(Error::UnknownSso(name));
            }
            let users: Vec<&str> = config.roles_of_sso(&name).map(|r| r.id.as_str()).collect();
            if !users.is_empty() {
                return Err(Error::InvalidParams(format!(
                    "SSO source '{name}' is used by roles {}; remove them first (`rolecall role remove ID`).",
                    users.join(", ")
                )));
            }
            config.sso.retain(|s| s.name != name);
            config::save(app.config_path(), &config)?;
            let rt = runtime()?;
            rt.block_on(app.forget_removed(vec![], vec![name.clone()]))?;
            let secrets = app.secrets().clone();
            let _ = secrets.forget_sso_client(&name);
            rt.block_on(app.settle());
            writeln!(out, "SSO source '{name}' removed, and its token.").map_err(io_err)
        }
        SsoCommand::Login { name, open } => {
            let rt = runtime()?;
            let login = rt.block_on(app.sso_login(SsoRequest { sso: name.clone() }))?;
            if open {
                crate::browser::handoff::open_in_default_browser(
                    &login.verification_uri_complete,
                    &format!("Sign in: {name}"),
                )?;
                writeln!(
                    out,
                    "Opened the IAM Identity Center sign-in page in your browser."
                )
                .map_err(io_err)?;
            } else {
                writeln!(
                    out,
                    "Open {} and approve the code {} (it expires in {}).",
                    escape(&login.verification_uri_complete),
                    escape(&login.user_code),
                    crate::words::count(
                        (login.expires_at - time::OffsetDateTime::now_utc())
                            .whole_minutes()
                            .max(0) as usize,
                        "minute"
                    )
                )
                .map_err(io_err)?;
            }
            writeln!(out, "Waiting for the approval…").map_err(io_err)?;
            let _ = out.flush();
            let expires_at = rt.block_on(app.sso_wait(SsoRequest { sso: name.clone() }));
            rt.block_on(app.settle());
            let expires_at = expires_at?;
            writeln!(
                out,
                "Signed in to '{name}'; the token lasts until {} (UTC).",
                expires_at
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default()
            )
            .map_err(io_err)
        }
        SsoCommand::Sync {
            name,
            dry_run,
            prune,
        } => {
            let rt = runtime()?;
            let config = app.load_config()?;
            let sso = config
                .sso_source(&name)
                .ok_or_else(|| Error::UnknownSso(name.clone()))?
                .clone();
            let timeout = config.settings.timeout();
            let assignments = rt.block_on(async {
                let http = app.sdk_http().await?;
                let token = app
                    .sources()
                    .sso
                    .usable_token(&http, &sso, timeout)
                    .await?
                    .ok_or_else(|| Error::InvalidParams(format!(
                        "Not signed in to SSO source '{name}': run `rolecall sso login {name}` first."
                    )))?;
                app.sources().sso.assignments(&http, &sso, &token, timeout).await
            });
            rt.block_on(app.settle());
            let assignments = assignments?;
            let _lock = (!dry_run)
                .then(|| config::UpdateLock::acquire(app.config_path()))
                .transpose()?;
            // Plan against the config as it is now (another command may have changed it).
            let current = app.load_config()?;
            let plan = sso_sync::plan(&current, &name, &assignments, prune);
            let (mut added, mut updated, mut kept, mut vanished) = (0, 0, 0, 0);
            for c in &plan.changes {
                match c {
                    Change::Add {
                        id,
                        label,
                        production,
                    } => {
                        added += 1;
                        writeln!(
                            out,
                            "+ {id}\t{}{}",
                            escape(label),
                            if *production {
                                "\tproduction (the account's name says prod: a red container, a click confirms)"
                            } else {
                                ""
                            }
                        )
                        .map_err(io_err)?;
                    }
                    Change::Update { id, changes } => {
                        updated += 1;
                        writeln!(out, "~ {id}\t{}", escape(&changes.join(", "))).map_err(io_err)?;
                    }
                    Change::Keep { .. } => kept += 1,
                    Change::Refused { id, why } => {
                        writeln!(out, "! {id}\t{}", escape(why)).map_err(io_err)?;
                    }
                    Change::Vanished { id, removed } => {
                        vanished += 1;
                        let what = if *removed {
                            "removed"
                        } else {
                            "no longer listed; kept (--prune removes it)"
                        };
                        writeln!(out, "- {id}\t{what}").map_err(io_err)?;
                    }
                }
            }
            let accounts = crate::words::count(assignments.len(), "account");
            let added = crate::words::count(added, "role");
            if dry_run {
                return writeln!(out, "{accounts}: {added} to add, {updated} to update, {kept} unchanged, {vanished} no longer listed. Nothing was changed (--dry-run).").map_err(io_err);
            }
            if plan.config != current {
                plan.config.validate().map_err(Error::InvalidParams)?;
                config::save(app.config_path(), &plan.config)?;
            }
            writeln!(
                out,
                "{accounts}: {added} added, {updated} updated, {kept} unchanged, {vanished} no longer listed."
            )
            .map_err(io_err)
        }
    }
}
