//! `rolecall role add|set|list|remove` and `rolecall group set`.

use super::{io_err, runtime, Out};
use crate::app::App;
use crate::error::{Error, Result};
use crate::logger::{escape, escape_json};
use crate::store::config::{self, Group, Link, Risk, Role};
use clap::{Args, Subcommand, ValueEnum};
use std::io::Write;

#[derive(Subcommand, Debug)]
pub enum RoleCommand {
    /// Add a role that a gateway can assume, or an IAM Identity Center role (`--sso`).
    Add(Box<AddArgs>),
    /// Change a role's presentation, risk and links (not its account, name or source).
    Set(Box<SetArgs>),
    /// List roles.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Remove a role (and forget its cached session).
    Remove { id: String },
    /// One role per active account of your AWS Organization (ListAccounts with the
    /// gateway's keys, or --via-role); running it again updates in place.
    Discover(super::discover::DiscoverArgs),
}

/// `production` marks a role (or group); `none` clears the mark.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RiskArg {
    Production,
    None,
}

impl RiskArg {
    fn risk(self) -> Option<Risk> {
        match self {
            RiskArg::Production => Some(Risk::Production),
            RiskArg::None => None,
        }
    }
}

/// `NAME=DESTINATION`: a named console page (a path like /s3/buckets, or a console URL).
fn parse_link(s: &str) -> std::result::Result<Link, String> {
    let (name, destination) = s
        .split_once('=')
        .ok_or_else(|| format!("'{}' is not NAME=DESTINATION", escape(s)))?;
    Ok(Link {
        name: name.trim().to_owned(),
        destination: destination.trim().to_owned(),
    })
}

#[derive(Args, Debug)]
pub struct AddArgs {
    /// The role's id: what the extension and `rolecall login` name it by.
    id: String,
    /// The 12-digit account id.
    #[arg(long = "account")]
    account_id: String,
    /// The IAM role's name (with its path), or an SSO role's permission set name.
    #[arg(long)]
    role_name: String,
    /// The gateway it is assumed through…
    #[arg(long, required_unless_present = "sso", conflicts_with = "sso")]
    gateway: Option<String>,
    /// …or the IAM Identity Center source it is reached through.
    #[arg(long)]
    sso: Option<String>,
    #[arg(long)]
    region: Option<String>,
    #[arg(long)]
    label: Option<String>,
    #[arg(long)]
    group: Option<String>,
    /// Firefox container colour (blue, turquoise, green, yellow, orange, pink, purple; red
    /// is production's: a production role is always red, and only it).
    #[arg(long)]
    color: Option<String>,
    /// Firefox container icon (briefcase, fingerprint, dollar, cart, circle, …).
    #[arg(long)]
    icon: Option<String>,
    #[arg(long)]
    external_id: Option<String>,
    #[arg(long)]
    session_name: Option<String>,
    /// Console session length in seconds (900–43200; default 43200).
    #[arg(long)]
    session_duration: Option<u32>,
    /// Credential lifetime asked of AssumeRole, seconds (default 43200, falling back to
    /// 3600 when the role allows less).
    #[arg(long)]
    duration_seconds: Option<u32>,
    /// `production`: marked in the popup, a red container, confirmed before it opens.
    #[arg(long, value_enum)]
    risk: Option<RiskArg>,
    /// A named console page, NAME=DESTINATION (repeatable), e.g. Buckets=/s3/buckets
    #[arg(long = "link", value_parser = parse_link)]
    links: Vec<Link>,
    /// Replace a role with the same id instead of refusing.
    #[arg(long)]
    replace: bool,
}

#[derive(Args, Debug)]
pub struct SetArgs {
    id: String,
    #[arg(long)]
    label: Option<String>,
    #[arg(long)]
    group: Option<String>,
    #[arg(long)]
    color: Option<String>,
    #[arg(long)]
    icon: Option<String>,
    #[arg(long)]
    region: Option<String>,
    #[arg(long, value_enum)]
    risk: Option<RiskArg>,
    /// Add or replace a named console page, NAME=DESTINATION (repeatable).
    #[arg(long = "link", value_parser = parse_link)]
    links: Vec<Link>,
    /// Remove a named console page (repeatable).
    #[arg(long = "remove-link")]
    remove_links: Vec<String>,
}

#[derive(Subcommand, Debug)]
pub enum GroupCommand {
    /// Mark a group of roles (`--group` on roles): `--risk production` or `none`.
    Set {
        name: String,
        #[arg(long, value_enum)]
        risk: RiskArg,
    },
}

pub fn run(cmd: RoleCommand, out: Out) -> Result<()> {
    let app = App::from_env();
    match cmd {
        RoleCommand::Add(a) => {
            let _lock = config::UpdateLock::acquire(app.config_path())?;
            let mut config = app.load_config()?;
            if config.role(&a.id).is_some() && !a.replace {
                return Err(Error::InvalidParams(format!(
                    "Role '{}' already exists; pass --replace to overwrite it.",
                    a.id
                )));
            }
            let role = Role {
                id: a.id.clone(),
                account_id: a.account_id,
                role_name: a.role_name,
                gateway: a.gateway,
                sso: a.sso,
                region: a.region,
                label: a.label,
                group: a.group,
                color: a.color.clone(),
                icon: a.icon,
                external_id: a.external_id,
                session_name: a.session_name,
                session_duration: a.session_duration,
                duration_seconds: a.duration_seconds,
                risk: a.risk.and_then(RiskArg::risk),
                links: a.links,
            };
            let text = config::check_role_text(&role);
            match config.roles.iter_mut().find(|r| r.id == role.id) {
                Some(existing) => *existing = role,
                None => config.roles.push(role),
            }
            config.validate().map_err(Error::InvalidParams)?;
            text.map_err(|e| refused(&a.id, &e))?;
            let note = colour_note(&config, &a.id, a.color.as_deref())?;
            config::save(app.config_path(), &config)?;
            writeln!(
                out,
                "Role '{}' saved in {}.{note}",
                a.id,
                app.config_path().display()
            )
            .map_err(io_err)?;
            if let Some(c) = app.load_effective()?.shadows.get(&a.id) {
                writeln!(
                    out,
                    "It hides catalogue '{c}'s role of the same id (yours wins)."
                )
                .map_err(io_err)?;
            }
            Ok(())
        }
        RoleCommand::Set(a) => {
            let a = *a;
            let _lock = config::UpdateLock::acquire(app.config_path())?;
            let mut config = app.load_config()?;
            let Some(role) = config.role(&a.id) else {
                return Err(match app.load_effective()?.catalog_of(&a.id) {
                    Some(c) => Error::ReadOnlyRole {
                        role: a.id,
                        catalog: c.to_owned(),
                    },
                    None => Error::UnknownRole(a.id),
                });
            };
            // `--link` adds or replaces by name, `--remove-link` removes: the edit holds the
            // list they make.
            let links = (!a.links.is_empty() || !a.remove_links.is_empty()).then(|| {
                let mut links = role.links.clone();
                links.retain(|l| !a.remove_links.contains(&l.name));
                for link in a.links {
                    links.retain(|l| l.name != link.name);
                    links.push(link);
                }
                links
            });
            // The options page's edit (app/edit.rs), field by field under the same rules.
            let edit = config::RoleEdit {
                label: a.label.map(Some),
                group: a.group.map(Some),
                color: a.color.clone().map(Some),
                icon: a.icon.map(Some),
                risk: a.risk.map(RiskArg::risk),
                region: a.region.map(Some),
                links,
            };
            edit.apply(&mut config, &a.id)
                .map_err(|e| refused(&a.id, &e.to_string()))?;
            config.validate().map_err(Error::InvalidParams)?;
            let note = colour_note(&config, &a.id, a.color.as_deref())?;
            config::save(app.config_path(), &config)?;
            writeln!(out, "Role '{}' updated.{note}", a.id).map_err(io_err)
        }
        RoleCommand::List { json } => {
            let roles = app.list_roles()?;
            // Roles of the user's own left out of the listing: said on stderr, apart from it.
            for (id, why) in &app.effective_config()?.left_out {
                let _ = writeln!(
                    std::io::stderr(),
                    "rolecall: role '{id}' is left out: {}; fix it with `rolecall role set {id}` or in {} (`rolecall doctor` lists every such role)",
                    escape(why),
                    app.config_path().display()
                );
            }
            if json {
                let text = serde_json::to_string_pretty(&roles)
                    .map_err(|e| Error::Internal(e.to_string()))?;
                writeln!(out, "{}", escape_json(&text)).map_err(io_err)
            } else {
                if roles.is_empty() {
                    writeln!(out, "No roles. Add one with `rolecall role add ID --account ACCOUNT --role-name NAME --gateway GATEWAY`.").map_err(io_err)?;
                }
                for r in roles {
                    let whose = match (&r.catalog, &r.shadows_catalog) {
                        (Some(c), _) => format!("\tcatalogue {c} (read-only)"),
                        (None, Some(c)) => {
                            format!("\tyours; hides catalogue {c}'s role of the same id")
                        }
                        (None, None) => String::new(),
                    };
                    writeln!(
                        out,
                        "{}	{}	{}	{}	via {} {}	{}{}{whose}",
                        r.id,
                        escape(&r.label),
                        r.account_id,
                        r.role_name,
                        r.source,
                        r.source_name,
                        r.region,
                        if r.risk.is_some() { "	PRODUCTION" } else { "" }
                    )
                    .map_err(io_err)?;
                }
                Ok(())
            }
        }
        RoleCommand::Discover(_) => Err(Error::Internal(
            "role discover is run by cli::discover".into(),
        )),
        RoleCommand::Remove { id } => {
            let _lock = config::UpdateLock::acquire(app.config_path())?;
            let mut config = app.load_config()?;
            if config.role(&id).is_none() {
                if let Some(c) = app.load_effective()?.catalog_of(&id) {
                    return Err(Error::InvalidParams(format!(
                        "Role '{id}' comes from catalogue '{c}' and is read-only here: change it in the catalogue, hide it with a role of your own of the same id (`rolecall role add {id} …`), or remove the catalogue (`rolecall catalog remove {c}`)."
                    )));
                }
                return Err(Error::UnknownRole(id));
            }
            config.roles.retain(|r| r.id != id);
            config::save(app.config_path(), &config)?;
            // A stale cached session must not outlive its role, in the keyring or a running
            // host's memory, nor its live state (a role added again under the id would be
            // shown as renewing without a code).
            let rt = runtime()?;
            if let Err(e) = rt.block_on(app.forget_removed(vec![id.clone()], vec![])) {
                log::warn!("could not forget the cached session of role {id}: {e}");
            }
            if let Err(e) = app.state_file().update(|s| {
                s.roles.remove(&id);
            }) {
                log::warn!("could not drop role {id} from the state file: {e}");
            }
            writeln!(out, "Role '{id}' removed.").map_err(io_err)
        }
    }
}

pub fn run_group(cmd: GroupCommand, out: Out) -> Result<()> {
    let app = App::from_env();
    let GroupCommand::Set { name, risk } = cmd;
    config::check_group(&name).map_err(|e| {
        Error::InvalidParams(format!(
            "The group name is refused: {e}. Nothing was changed."
        ))
    })?;
    let _lock = config::UpdateLock::acquire(app.config_path())?;
    let mut config = app.load_config()?;
    if !config
        .roles
        .iter()
        .any(|r| r.group.as_deref() == Some(name.as_str()))
    {
        return Err(Error::InvalidParams(format!(
            "No role is in group '{name}'; put roles in it with `rolecall role set ID --group '{name}'`."
        )));
    }
    config.groups.retain(|g| g.name != name);
    if let Some(risk) = risk.risk() {
        config.groups.push(Group {
            name: name.clone(),
            risk: Some(risk),
        });
    }
    config.validate().map_err(Error::InvalidParams)?;
    config::save(app.config_path(), &config)?;
    writeln!(out, "Group '{name}' updated.").map_err(io_err)
}

/// Red is production's colour alone (store/config `Role::color_with`): `--color red` on a
/// role that is not production (its own risk or its group's) is refused, and another colour
/// on a production role is kept but said to be unused while the role is production.
fn colour_note(config: &config::Config, id: &str, given: Option<&str>) -> Result<String> {
    let Some(role) = config.role(id) else {
        return Ok(String::new());
    };
    let production = role.risk_in(config) == Some(Risk::Production);
    // The rule is the options page's too (store/config `check_red`).
    if let Some(c) = given {
        config::check_red(c, production).map_err(|e| {
            let mut e = e.chars();
            let first = e.next().map(|c| c.to_ascii_uppercase());
            Error::InvalidParams(format!(
                "{}{} (role '{id}'). Nothing was changed.",
                first.unwrap_or_default(),
                e.as_str()
            ))
        })?;
    }
    match given {
        Some(c) if !c.is_empty() && c != config::PRODUCTION_COLOR && production => Ok(format!(
            " Its container stays red while it is a production role; {c} applies if it no longer is."
        )),
        _ => Ok(String::new()),
    }
}

/// A role's label, group or link refused: the field and the rule, never the text.
fn refused(id: &str, why: &str) -> Error {
    Error::InvalidParams(format!(
        "Role '{id}' is refused: {why}. Nothing was changed."
    ))
}
