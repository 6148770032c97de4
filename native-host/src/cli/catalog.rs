//! `rolecall catalog add|list|update|remove`: shared role catalogues.

use super::{io_err, runtime, CliError, Out};
use crate::app::App;
use crate::logger::{escape, escape_json};
use crate::setup::catalogs::{self, Acceptance, CatalogSetupError};
use crate::store::catalog::{self, CatalogRef, Report};
use crate::store::config;
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum CatalogCommand {
    /// Subscribe to a shared catalogue of roles: a file, or an https URL with the SHA-256
    /// you expect. Its roles are listed (read-only) beside yours.
    Add(AddArgs),
    /// List the catalogues, their digests and what became of their roles.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Read the catalogues again (all, or one). A changed one is refused until you accept
    /// it (--sha256 NEW, or --accept); --map changes how its source names map to yours.
    Update(UpdateArgs),
    /// Unsubscribe: its roles and its copy go (and their cached sessions).
    Remove { name: String },
}

#[derive(Args, Debug)]
pub struct AddArgs {
    /// A name for it (1 to 64 letters, digits or - _ . @ +).
    name: String,
    /// A catalogue file (e.g. in a shared repository).
    #[arg(long, conflicts_with = "url", required_unless_present = "url")]
    file: Option<PathBuf>,
    /// An https URL (fetched with rolecall's TLS set-up: the system's CA bundle, or
    /// SSL_CERT_FILE). Needs --sha256.
    #[arg(long)]
    url: Option<String>,
    /// The SHA-256 (hex) the catalogue must have.
    #[arg(long, value_name = "HEX")]
    sha256: Option<String>,
    /// The catalogue's name for a gateway or SSO source = yours (repeatable).
    #[arg(long = "map", value_name = "SHARED=LOCAL")]
    maps: Vec<String>,
}

#[derive(Args, Debug)]
pub struct UpdateArgs {
    /// The catalogue (default: every one).
    name: Option<String>,
    /// Accept a new copy with this SHA-256.
    #[arg(long, value_name = "HEX", conflicts_with = "accept")]
    sha256: Option<String>,
    /// Accept the copy as it is now, whatever its digest.
    #[arg(long)]
    accept: bool,
    /// The catalogue's name for a gateway or SSO source = yours (repeatable; adds to or
    /// replaces the mappings it has).
    #[arg(long = "map", value_name = "SHARED=LOCAL")]
    maps: Vec<String>,
}

pub fn run(cmd: CatalogCommand, out: Out) -> Result<(), CliError> {
    let app = App::from_env();
    match cmd {
        CatalogCommand::Add(a) => add(&app, a, out),
        CatalogCommand::List { json } => list(&app, json, out),
        CatalogCommand::Update(a) => update(&app, a, out),
        CatalogCommand::Remove { name } => remove(&app, &name, out),
    }
}

/// One line of output. Text from a catalogue, the config or the network in it goes through
/// [`escape`] first.
fn w(out: Out, s: &str) -> Result<(), CliError> {
    writeln!(out, "{s}").map_err(io_err)?;
    Ok(())
}

/// Says which of a catalogue's roles carry the label of one of the user's own.
fn flag_lookalikes(
    config: &config::Config,
    roles: &[config::Role],
    out: Out,
) -> Result<(), CliError> {
    for (theirs, mine, disguised) in catalogs::lookalikes(config, roles) {
        let how = if disguised {
            " in characters that look alike (another script's letters, a zero for an o, an invisible space)"
        } else {
            ""
        };
        w(
            out,
            &format!(
                "  ? {theirs}: labelled like your own role '{mine}'{how}; a lookalike can lead a click to the wrong account, so check the account before opening either"
            ),
        )?;
    }
    Ok(())
}

fn add(app: &App, a: AddArgs, out: Out) -> Result<(), CliError> {
    if !config::is_valid_name(&a.name) {
        return Err(crate::error::Error::InvalidParams(format!(
            "Catalogue name '{}' must be 1 to 64 letters, digits or - _ . @ +.",
            a.name
        ))
        .into());
    }
    let map = catalogs::parse_maps(&a.maps)?;
    let file = match &a.file {
        Some(f) => Some(
            std::path::absolute(f)
                .map_err(|source| CatalogSetupError::File {
                    path: f.clone(),
                    source,
                })?
                .display()
                .to_string(),
        ),
        None => None,
    };
    if let Some(u) = &a.url {
        config::check_url(u).map_err(|e| {
            crate::error::Error::InvalidParams(format!(
                "Catalogue '{}' is refused: {e}. Nothing was changed.",
                a.name
            ))
        })?;
        if a.sha256.is_none() {
            return Err(CatalogSetupError::DigestNeeded(u.clone()).into());
        }
    }
    if let Some(d) = &a.sha256 {
        if !config::is_sha256_hex(d) {
            return Err(crate::error::Error::InvalidParams(format!(
                "--sha256 '{d}' is not 64 hexadecimal digits."
            ))
            .into());
        }
    }
    let draft = CatalogRef {
        name: a.name.clone(),
        url: a.url.clone(),
        file,
        sha256: "0".repeat(64),
        map,
    };
    if app.load_config()?.catalogs.iter().any(|c| c.name == a.name) {
        return Err(CatalogSetupError::Exists(a.name).into());
    }
    let timeout = app.load_config()?.settings.timeout();
    let bytes = runtime()?.block_on(catalogs::fetch(&draft, timeout))?;
    let acceptance = match &a.sha256 {
        Some(d) => Acceptance::Digest(d),
        None => Acceptance::Any,
    };
    let (accepted, roles) = catalogs::accept(&draft, &bytes, acceptance, true, None)?;
    let _lock = config::UpdateLock::acquire(app.config_path())?;
    let mut config = app.load_config()?;
    if config.catalogs.iter().any(|c| c.name == a.name) {
        return Err(CatalogSetupError::Exists(a.name).into());
    }
    config.catalogs.push(accepted.clone());
    catalogs::store(app, &config, &accepted, &bytes)?;
    w(
        out,
        &format!(
            "Catalogue '{}' added from {} (SHA-256 {}).",
            accepted.name,
            escape(accepted.source()),
            accepted.sha256
        ),
    )?;
    report(app, &accepted.name, out)?;
    flag_lookalikes(&config, &roles, out)
}

fn update(app: &App, a: UpdateArgs, out: Out) -> Result<(), CliError> {
    if a.name.is_none() && (a.sha256.is_some() || a.accept || !a.maps.is_empty()) {
        return Err(CatalogSetupError::AcceptNeedsName.into());
    }
    if let Some(d) = &a.sha256 {
        if !config::is_sha256_hex(d) {
            return Err(crate::error::Error::InvalidParams(format!(
                "--sha256 '{d}' is not 64 hexadecimal digits."
            ))
            .into());
        }
    }
    let maps = catalogs::parse_maps(&a.maps)?;
    let config = app.load_config()?;
    let names: Vec<String> = match &a.name {
        Some(n) => {
            if !config.catalogs.iter().any(|c| &c.name == n) {
                return Err(CatalogSetupError::Unknown(n.clone()).into());
            }
            vec![n.clone()]
        }
        None => config.catalogs.iter().map(|c| c.name.clone()).collect(),
    };
    if names.is_empty() {
        return w(
            out,
            "No catalogues. Add one with `rolecall catalog add NAME --file PATH` or `--url URL --sha256 HEX`.",
        );
    }
    let timeout = config.settings.timeout();
    let rt = runtime()?;
    let several = names.len() > 1;
    let mut failed = Vec::new();
    for name in names {
        let result = (|| -> Result<(), CliError> {
            let current = app
                .load_config()?
                .catalogs
                .into_iter()
                .find(|c| c.name == name)
                .ok_or_else(|| CatalogSetupError::Unknown(name.clone()))?;
            let bytes = rt.block_on(catalogs::fetch(&current, timeout))?;
            let previous = catalog::read_accepted(&app.config_dir(), &current).ok();
            let acceptance = match (&a.sha256, a.accept) {
                (Some(d), _) => Acceptance::Digest(d),
                (None, true) => Acceptance::Any,
                (None, false) => Acceptance::Recorded,
            };
            let (mut accepted, new_roles) =
                catalogs::accept(&current, &bytes, acceptance, false, previous.as_deref())?;
            accepted.map.extend(maps.clone());
            let changed = accepted.sha256 != current.sha256;
            let _lock = config::UpdateLock::acquire(app.config_path())?;
            let mut config = app.load_config()?;
            let Some(slot) = config.catalogs.iter_mut().find(|c| c.name == name) else {
                return Err(CatalogSetupError::Unknown(name.clone()).into());
            };
            if *slot != current {
                return Err(crate::error::Error::InvalidParams(format!(
                    "Catalogue '{name}' was changed by another command while this one read it; run the update again."
                ))
                .into());
            }
            *slot = accepted.clone();
            catalogs::store(app, &config, &accepted, &bytes)?;
            if let Some(old) = &previous {
                let listed = app.load_effective()?;
                let left = old
                    .iter()
                    .filter(|r| listed.config.role(&r.id).is_none())
                    .map(|r| r.id.clone())
                    .collect();
                forget_left(app, left);
            }
            let what = match (changed, &previous) {
                (false, _) => "unchanged".to_owned(),
                (true, Some(old)) => format!(
                    "accepted the new copy (SHA-256 {}): it {}",
                    accepted.sha256,
                    catalogs::changes(old, &new_roles)
                ),
                (true, None) => format!("accepted the copy with SHA-256 {}", accepted.sha256),
            };
            w(out, &format!("Catalogue '{name}': {what}."))?;
            report(app, &name, out)?;
            flag_lookalikes(&config, &new_roles, out)
        })();
        if let Err(e) = result {
            // One catalogue's trouble does not stop the others.
            if several {
                writeln!(
                    out,
                    "Catalogue '{name}' was not updated: {}",
                    escape(&e.to_string())
                )
                .map_err(io_err)?;
            }
            failed.push(e);
        }
    }
    match failed.len() {
        0 => Ok(()),
        1 if !several => Err(failed.remove(0)),
        n => Err(CatalogSetupError::SomeFailed(n).into()),
    }
}

fn remove(app: &App, name: &str, out: Out) -> Result<(), CliError> {
    let roles: Vec<String> = {
        let effective = app.load_effective()?;
        effective
            .origin
            .iter()
            .filter(|(_, c)| c.as_str() == name)
            .map(|(id, _)| id.clone())
            .collect()
    };
    {
        let _lock = config::UpdateLock::acquire(app.config_path())?;
        let mut config = app.load_config()?;
        if !config.catalogs.iter().any(|c| c.name == name) {
            return Err(CatalogSetupError::Unknown(name.to_owned()).into());
        }
        config.catalogs.retain(|c| c.name != name);
        config::save(app.config_path(), &config)?;
    }
    catalogs::remove_copies(&app.config_dir(), name);
    let listed = roles.len();
    forget_left(app, roles);
    w(
        out,
        &format!("Catalogue '{name}' removed ({listed} of its roles were listed)."),
    )
}

/// Roles a catalogue no longer lists (removed, or left out of its new copy): their cached
/// sessions must not outlive them, in the keyring or, through the forget marker, in a
/// running host's memory, so a role listed again under the id is assumed afresh. The
/// catalogue change itself has landed: a failure here is a warning.
fn forget_left(app: &App, roles: Vec<String>) {
    if roles.is_empty() {
        return;
    }
    let forgot = runtime().and_then(|rt| rt.block_on(app.forget_removed(roles, vec![])));
    if let Err(e) = forgot {
        log::warn!(
            "could not forget the cached sessions of the roles the catalogue no longer lists: {e}"
        );
    }
}

fn report(app: &App, name: &str, out: Out) -> Result<(), CliError> {
    let effective = app.load_effective()?;
    let Some(r) = effective.reports.iter().find(|r| r.name == name) else {
        return Ok(());
    };
    w(out, &format!("  {}", escape(&summary(r))))?;
    for (id, by) in &r.shadowed {
        w(
            out,
            &format!(
                "  = {id}: hidden by {} role of the same id",
                if by == "local" {
                    "your own".to_owned()
                } else {
                    format!("the {by}")
                }
            ),
        )?;
    }
    for (id, why) in &r.unusable {
        w(
            out,
            &format!("  ! {}: left out: {}", escape(id), escape(why)),
        )?;
    }
    Ok(())
}

fn summary(r: &Report) -> String {
    match &r.error {
        Some(e) => format!("not used: {e}"),
        None => format!(
            "{}: {} listed, {} hidden by roles of the same id, {} left out",
            crate::words::count(r.roles, "role"),
            r.shown,
            r.shadowed.len(),
            r.unusable.len()
        ),
    }
}

fn list(app: &App, json: bool, out: Out) -> Result<(), CliError> {
    let effective = app.load_effective()?;
    let config = app.load_config()?;
    if json {
        let v: Vec<_> = config
            .catalogs
            .iter()
            .map(|c| {
                let r = effective.reports.iter().find(|r| r.name == c.name);
                serde_json::json!({
                    "name": c.name,
                    "url": c.url,
                    "file": c.file,
                    "sha256": c.sha256,
                    "map": c.map,
                    "error": r.and_then(|r| r.error.clone()),
                    "roles": r.map_or(0, |r| r.roles),
                    "listed": r.map_or(0, |r| r.shown),
                    "hidden": r.map(|r| r.shadowed.iter().map(|(id, by)| serde_json::json!({"id": id, "by": by})).collect::<Vec<_>>()),
                    "left_out": r.map(|r| r.unusable.iter().map(|(id, why)| serde_json::json!({"id": id, "why": why})).collect::<Vec<_>>()),
                })
            })
            .collect();
        return w(out, &escape_json(&serde_json::Value::Array(v).to_string()));
    }
    if config.catalogs.is_empty() {
        return w(
            out,
            "No catalogues. Add one with `rolecall catalog add NAME --file PATH` or `--url URL --sha256 HEX`.",
        );
    }
    for c in &config.catalogs {
        let maps: Vec<String> = c.map.iter().map(|(s, l)| format!("{s}={l}")).collect();
        w(
            out,
            &format!(
                "{}\t{}\tsha256 {}…{}",
                c.name,
                escape(c.source()),
                &c.sha256[..12],
                if maps.is_empty() {
                    String::new()
                } else {
                    format!("\tmap {}", maps.join(","))
                }
            ),
        )?;
        if let Some(r) = effective.reports.iter().find(|r| r.name == c.name) {
            w(out, &format!("  {}", escape(&summary(r))))?;
        }
    }
    Ok(())
}
