//! `rolecall install [--browser B|all] [--uninstall]`.

use super::{io_err, CliError, Out};
use crate::browser::install::{self, Bases, Browser, Os, Outcome, Target};
use clap::{Args, ValueEnum};

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
    let steps = install::install(target, os, &bases, &binary)?;
    let mut skipped = Vec::new();
    let mut done = 0;
    for step in &steps {
        let l = &step.location;
        let what = match step.outcome {
            Outcome::Wrote => "wrote",
            Outcome::Unchanged => "already up to date:",
            Outcome::SkippedAbsent => {
                skipped.push(format!(
                    "{} ({})",
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
    }
    if done > 0 {
        writeln!(out, "The manifests start {}.", binary.display()).map_err(io_err)?;
    }
    if !skipped.is_empty() {
        writeln!(
            out,
            "Skipped, not set up for this user: {}.",
            skipped.join(", ")
        )
        .map_err(io_err)?;
        if done == 0 {
            writeln!(
                out,
                "No browser was found, so nothing was installed. Start your browser once and run this again, or name it: rolecall install --browser firefox"
            )
            .map_err(io_err)?;
        } else {
            writeln!(
                out,
                "To register one anyway: rolecall install --browser NAME"
            )
            .map_err(io_err)?;
        }
    }
    Ok(())
}
