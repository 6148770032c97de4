//! `rolecall role discover`: roles for the accounts of an AWS Organization.

use super::{io_err, runtime, CliError, Out};
use crate::app::App;
use crate::error::Error;
use crate::logger::escape;
use crate::setup::discover::{self, Change};
use crate::sources::MfaCode;
use crate::store::config;
use clap::{Args, ValueEnum};
use std::io::IsTerminal;

#[derive(Args, Debug)]
pub struct DiscoverArgs {
    /// The gateway the roles are assumed through (and whose keys list the accounts).
    #[arg(long)]
    gateway: String,
    /// The role to assume in each account, e.g. OrganizationAccountAccessRole.
    #[arg(long)]
    role_name: String,
    /// List the accounts through this role (in the management account) instead of with
    /// the gateway's own keys.
    #[arg(long, value_name = "ARN")]
    via_role: Option<String>,
    /// Group the roles by organisational unit (else by the account's name).
    #[arg(long, value_enum)]
    group_by: Option<GroupBy>,
    /// Show what would change; change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Remove roles of this gateway and role name whose account is no longer listed.
    #[arg(long)]
    prune: bool,
    /// The MFA code for --via-role, when the gateway has a device and there is no terminal
    /// (`-`: one line of standard input).
    #[arg(long, value_name = "CODE|-")]
    mfa_code: Option<String>,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    /// The account's organisational unit (its path below the root).
    Ou,
}

pub fn run(a: DiscoverArgs, out: Out) -> Result<(), CliError> {
    crate::store::secrets::prewarm();
    let app = App::from_env();
    let config = app.load_config()?;
    let gateway = config
        .gateway(&a.gateway)
        .ok_or_else(|| Error::UnknownGateway(a.gateway.clone()))?
        .clone();
    if let Some(arn) = &a.via_role {
        let ok = arn.starts_with("arn:aws") && arn.contains(":iam::") && arn.contains(":role/");
        if !ok {
            return Err(Error::InvalidParams(format!(
                "--via-role '{arn}' is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)."
            ))
            .into());
        }
    }
    // The role name must be one a role may have: check it on a role before asking AWS.
    let mut probe = config.clone();
    probe.roles.push(config::Role {
        id: "discover-probe".into(),
        account_id: "000000000000".into(),
        role_name: a.role_name.clone(),
        gateway: Some(a.gateway.clone()),
        ..config::Role::default()
    });
    probe.validate().map_err(Error::InvalidParams)?;

    let ous = a.group_by == Some(GroupBy::Ou);
    let timeout = config.settings.timeout();
    let rt = runtime()?;
    let list = |code: MfaCode<'_>| {
        rt.block_on(async {
            let http = app.sdk_http().await?;
            app.sources()
                .gateway
                .organization_accounts(&http, &gateway, a.via_role.as_deref(), code, ous, timeout)
                .await
                .map_err(CliError::from)
        })
    };
    let mfa_code = super::mfa::code_from_arg(a.mfa_code.clone())?;
    let accounts = match list(MfaCode::from_request(mfa_code.as_deref())) {
        Err(CliError::Organizations(
            crate::sources::gateway::organizations::OrganizationsError::Rolecall(
                Error::MfaRequired {
                    gateway,
                    serial,
                    process_error,
                    ..
                },
            ),
        )) if std::io::stdin().is_terminal() => {
            super::login::say_process_failed(&gateway, process_error.as_deref());
            let code = super::login::prompt_mfa(&gateway, &serial)?;
            list(MfaCode::Given(&code))
        }
        other => other,
    }?;

    let _lock = (!a.dry_run)
        .then(|| config::UpdateLock::acquire(app.config_path()))
        .transpose()?;
    let current = app.load_config()?;
    let plan = discover::plan(&discover::Inputs {
        config: &current,
        gateway: &a.gateway,
        role_name: &a.role_name,
        accounts: &accounts,
        group_by_ou: ous,
        prune: a.prune,
    });
    for c in &plan.changes {
        let line = match c {
            Change::Add {
                id,
                account_id,
                label,
                group,
                production,
            } => format!(
                "+ {id}\t{account_id}\t{}{}{}",
                escape(label),
                group
                    .as_deref()
                    .map(|g| format!("\t[{}]", escape(g)))
                    .unwrap_or_default(),
                if *production {
                    "\tproduction (the account's name says prod: a red container, a click confirms)"
                } else {
                    ""
                }
            ),
            Change::Update { id, changes } => {
                format!("~ {id}\t{}", escape(&changes.join(", ")))
            }
            Change::Refused { id, why } => format!("! {id}\t{}", escape(why)),
            Change::Keep { .. } => continue,
            Change::Inactive {
                account_id,
                name,
                state,
            } => format!(
                "  {account_id}\t{}\tskipped: {}",
                escape(name),
                escape(state)
            ),
            Change::Vanished { id, removed } => format!(
                "- {id}\t{}",
                if *removed {
                    "removed: its account is no longer listed as active"
                } else {
                    "its account is no longer listed as active; kept (--prune removes it)"
                }
            ),
        };
        writeln!(out, "{line}").map_err(io_err)?;
    }
    let added = plan.count(|c| matches!(c, Change::Add { .. }));
    let updated = plan.count(|c| matches!(c, Change::Update { .. }));
    let kept = plan.count(|c| matches!(c, Change::Keep { .. }));
    let inactive = plan.count(|c| matches!(c, Change::Inactive { .. }));
    let vanished = plan.count(|c| matches!(c, Change::Vanished { .. }));
    let summary = format!(
        "{} ({inactive} not active): {} {}, {updated} {}, {kept} unchanged, {vanished} no longer listed",
        crate::words::count(accounts.len(), "account"),
        crate::words::count(added, "role"),
        if a.dry_run { "to add" } else { "added" },
        if a.dry_run { "to update" } else { "updated" },
    );
    if a.dry_run {
        writeln!(out, "{summary}. Nothing was changed (--dry-run).").map_err(io_err)?;
        return Ok(());
    }
    if plan.config != current {
        plan.config.validate().map_err(Error::InvalidParams)?;
        config::save(app.config_path(), &plan.config)?;
    }
    writeln!(out, "{summary}.").map_err(io_err)?;
    Ok(())
}
