//! `rolecall install [--browser B|all] [--uninstall] [--system | --user]`.

use super::{io_err, CliError, Out};
use crate::browser::install::{self, Bases, Browser, Installed, Os, Outcome, Target};
use clap::{Args, ValueEnum};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum BrowserArg {
    Firefox,
    Chrome,
    Chromium,
    Edge,
    Brave,
    /// Every browser set up for this user (its folder exists).
    All,
}

#[derive(Args, Debug)]
pub struct InstallArgs {
    /// The browser to register the host with. A named browser is registered even if it
    /// has not been started yet; `all` covers the browsers set up for this user.
    #[arg(long, value_enum, default_value = "all")]
    browser: BrowserArg,
    /// Remove rolecall's manifest (that file only) instead.
    #[arg(long)]
    uninstall: bool,
    /// Register for every user of this machine, in the browsers' system-wide folders (Linux;
    /// run as root). The Debian package installs these itself.
    #[arg(long, conflicts_with = "user")]
    system: bool,
    /// Write a per-user manifest even where a system-wide one (the Debian package's)
    /// already registers this binary.
    #[arg(long)]
    user: bool,
    /// Packaging: write the system-wide manifests under this folder instead of `/`.
    #[arg(long, hide = true, requires = "system")]
    root: Option<PathBuf>,
    /// Packaging: the absolute path the system-wide manifests name, instead of this binary.
    #[arg(long, hide = true, requires = "system")]
    binary: Option<String>,
}

fn target(b: BrowserArg) -> Target {
    match b {
        BrowserArg::Firefox => Target::One(Browser::Firefox),
        BrowserArg::Chrome => Target::One(Browser::Chrome),
        BrowserArg::Chromium => Target::One(Browser::Chromium),
        BrowserArg::Edge => Target::One(Browser::Edge),
        BrowserArg::Brave => Target::One(Browser::Brave),
        BrowserArg::All => Target::All,
    }
}

pub fn run(args: InstallArgs, out: Out) -> Result<(), CliError> {
    if args.system {
        return run_system(args, out);
    }
    let os = Os::current();
    let bases = Bases::from_platform();
    let target = target(args.browser);
    if args.uninstall {
        for step in install::uninstall(target, os, &bases)? {
            let l = &step.location;
            let what = match step.outcome {
                Outcome::Removed => "removed",
                _ => "not installed",
            };
            writeln!(out, "{}: {what} {}", l.browser, l.manifest.display()).map_err(io_err)?;
        }
        return Ok(());
    }
    let binary = install::current_binary()?;
    let steps = install::install(target, os, &bases, &binary, args.user)?;
    let mut skipped = Vec::new();
    let mut done = 0;
    let mut system_wide = 0;
    for step in &steps {
        let l = &step.location;
        let what = match &step.outcome {
            Outcome::Wrote => "wrote",
            Outcome::Unchanged => "already up to date:",
            Outcome::SystemWide(system) => {
                system_wide += 1;
                writeln!(
                    out,
                    "{}: registered for every user by {}, which starts this binary; no per-user manifest needed",
                    l.browser,
                    system.display()
                )
                .map_err(io_err)?;
                continue;
            }
            Outcome::SkippedAbsent => {
                skipped.push(format!(
                    "{} in {}",
                    l.browser,
                    l.detect
                        .iter()
                        .map(|d| d.display().to_string())
                        .collect::<Vec<_>>()
                        .join(" or ")
                ));
                continue;
            }
            Outcome::Removed | Outcome::NotInstalled => continue,
        };
        done += 1;
        writeln!(out, "{}: {what} {}", l.browser, l.manifest.display()).map_err(io_err)?;
        if let Some(key) = &l.registry_key {
            writeln!(out, "  registered at HKCU\\{key}").map_err(io_err)?;
        }
        if let Some((path, Installed::Present(m))) = install::inspect_system(l) {
            if Path::new(&m.path) != binary {
                writeln!(
                    out,
                    "  (read before the system-wide {}, which starts {})",
                    path.display(),
                    m.path
                )
                .map_err(io_err)?;
            }
        }
    }
    if done > 0 {
        writeln!(out, "The manifests start {}.", binary.display()).map_err(io_err)?;
    }
    if system_wide > 0 {
        writeln!(
            out,
            "To write a per-user manifest anyway: rolecall install --user --browser NAME"
        )
        .map_err(io_err)?;
    }
    if !skipped.is_empty() && done + system_wide == 0 {
        // Nothing to show but the search: say what was looked for, and where.
        writeln!(
            out,
            "No browser was found for this user, so nothing was installed. Looked for: {}.",
            skipped.join("; ")
        )
        .map_err(io_err)?;
        writeln!(
            out,
            "Start your browser once and run this again, or name it: rolecall install --browser firefox"
        )
        .map_err(io_err)?;
    } else if !skipped.is_empty() {
        writeln!(
            out,
            "Skipped, not set up for this user: {}.",
            skipped.join("; ")
        )
        .map_err(io_err)?;
        writeln!(
            out,
            "To register one anyway: rolecall install --browser NAME"
        )
        .map_err(io_err)?;
    }
    Ok(())
}

/// `--system`: every browser's system-wide folder, for every user of the machine.
fn run_system(args: InstallArgs, out: Out) -> Result<(), CliError> {
    let os = Os::current();
    let root = args
        .root
        .clone()
        .unwrap_or_else(install::system_root_from_env);
    let target = target(args.browser);
    if args.uninstall {
        for step in install::uninstall_system(target, os, &root)? {
            let what = match step.outcome {
                Outcome::Removed => "removed",
                _ => "not installed",
            };
            writeln!(out, "{}: {what} {}", step.browser, step.manifest.display())
                .map_err(io_err)?;
        }
        return Ok(());
    }
    let binary = match args.binary {
        Some(b) => b,
        None => {
            let b = install::current_binary()?;
            b.to_str()
                .ok_or_else(|| install::InstallError::NotUtf8(b.clone()))?
                .to_owned()
        }
    };
    // A manifest for every user must start a binary only root can change; a staging folder
    // (packaging, tests) names a path that does not exist here yet.
    if root == Path::new("/") {
        install::check_system_binary(Path::new(&binary))?;
    }
    for step in install::install_system(target, os, &root, &binary)? {
        let what = match step.outcome {
            Outcome::Wrote => "wrote",
            _ => "already up to date:",
        };
        writeln!(out, "{}: {what} {}", step.browser, step.manifest.display()).map_err(io_err)?;
    }
    writeln!(
        out,
        "The manifests start {binary}, for every user of this machine."
    )
    .map_err(io_err)?;
    Ok(())
}
