//! `rolecall doctor`: every link from the browser to the AWS console, checked in the order a
//! click uses them, each with the command that fixes it. Reads only: it writes no file and
//! no keyring entry. Network checks are bounded by the config's timeout.
//!
//! This module holds the report types ([`Check`], [`Status`]) and the runner ([`run`]); each
//! group of checks lives in its own file: `manifests` (browser registration), `keyring`
//! (the config, the keyring and the gateways' keys), `mfa` (the gateways' MFA commands),
//! `catalogs` (roles left out of listings), `windows` (isolated windows), `network` (STS, the clock, the keys, sign-in)
//! and `identity_center` (SSO tokens and portals). The endpoint overrides' lines are
//! `setup/endpoints.rs`.

mod catalogs;
mod identity_center;
mod keyring;
mod manifests;
mod mfa;
mod network;
mod windows;

use crate::app::App;
use crate::browser::install::{Bases, Os};
use crate::console::endpoints as overrides;
use crate::setup::endpoints;
use std::path::Path;

pub use catalogs::roles_left_out;
pub use identity_center::identity_center;
pub use keyring::config_and_keyring;
pub use manifests::manifests;
pub use mfa::mfa_processes;
pub use network::{network, parse_http_date};
pub use windows::isolated_windows;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    /// Optional, or not checkable: worth knowing, not broken.
    Warn,
    Fail,
    /// Context (e.g. browsers not set up here).
    Info,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::Warn => "WARN",
            Status::Fail => "FAIL",
            Status::Info => "--",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Check {
    pub status: Status,
    pub message: String,
    /// The command (or step) that fixes it.
    pub fix: Option<String>,
}

fn check(status: Status, message: impl Into<String>, fix: Option<String>) -> Check {
    Check {
        status,
        message: message.into(),
        fix,
    }
}

/// What a doctor run may do beyond reading.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Run the gateways' MFA commands (they may wait for a key's touch).
    pub run_mfa_process: bool,
}

/// Every check, in order.
pub async fn run(app: &App, os: Os, bases: &Bases, binary: &Path, options: Options) -> Vec<Check> {
    let mut all = manifests(os, bases, binary);
    let (checks, config, keyring_ok) = config_and_keyring(app);
    all.extend(checks);
    let config = config.unwrap_or_default();
    let run_mfa = options.run_mfa_process;
    all.extend(
        crate::sync::blocking({
            let config = config.clone();
            move || Ok(mfa_processes(&config, run_mfa))
        })
        .await
        .unwrap_or_default(),
    );
    all.extend(roles_left_out(app));
    all.extend(isolated_windows(&config));
    all.extend(endpoints::checks(&overrides::process_env));
    all.extend(network(app, &config, keyring_ok).await);
    all.extend(identity_center(app, &config, keyring_ok).await);
    all
}

/// Broken when any check failed.
pub fn healthy(checks: &[Check]) -> bool {
    checks.iter().all(|c| c.status != Status::Fail)
}
