//! `rolecall doctor`: every link from the browser to the AWS console, checked in the order a
//! click uses them, each with the command that fixes it. Reads only: it writes no file and
//! no keyring entry. Network checks are bounded by the config's timeout.

use crate::app::App;
use crate::browser::install::{self, Bases, Installed, Os};
use crate::console::endpoints as overrides;
use crate::setup::endpoints;
use crate::sources::gateway::sts;
use crate::store::config::{Config, DEFAULT_REGION};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

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

/// AWS refuses SigV4 signatures more than 5 minutes off; warn well before that.
const SKEW_FAIL: i64 = 300;
const SKEW_WARN: i64 = 60;

/// Which browsers have a correct manifest naming `binary`.
pub fn manifests(os: Os, bases: &Bases, binary: &Path) -> Vec<Check> {
    let mut out = Vec::new();
    let mut absent = Vec::new();
    let mut installed = 0;
    for browser in install::Browser::ALL {
        let fix = Some(format!("rolecall install --browser {}", browser.id()));
        let loc = match install::location(browser, os, bases) {
            Ok(l) => l,
            Err(e) => {
                out.push(check(
                    Status::Fail,
                    format!("{browser} manifest: {e}"),
                    None,
                ));
                continue;
            }
        };
        let path = loc.manifest.display();
        match install::inspect(&loc) {
            Installed::Present(m) => {
                installed += 1;
                let problems = m.problems(browser, binary);
                if problems.is_empty() {
                    out.push(check(Status::Ok, format!("{browser} manifest {path}"), None));
                } else {
                    out.push(check(
                        Status::Fail,
                        format!("{browser} manifest {path}: {}", problems.join("; ")),
                        fix,
                    ));
                }
            }
            Installed::Unreadable(e) => {
                installed += 1;
                out.push(check(
                    Status::Fail,
                    format!("{browser} manifest {path} cannot be read: {e}"),
                    fix,
                ));
            }
            // The browser reads a system-wide manifest (Linux) only when the user has none.
            Installed::Missing => match install::inspect_system(&loc) {
                Some((system, Installed::Present(m))) => {
                    installed += 1;
                    let problems = m.problems(browser, binary);
                    if problems.is_empty() {
                        out.push(check(
                            Status::Ok,
                            format!("{browser} manifest {} (system-wide)", system.display()),
                            None,
                        ));
                    } else {
                        out.push(check(
                            Status::Fail,
                            format!(
                                "{browser} system-wide manifest {}: {}",
                                system.display(),
                                problems.join("; ")
                            ),
                            Some(system_fix(browser)),
                        ));
                    }
                }
                Some((system, Installed::Unreadable(reason))) => {
                    installed += 1;
                    out.push(check(
                        Status::Fail,
                        format!(
                            "{browser} system-wide manifest {} cannot be read: {reason}",
                            system.display()
                        ),
                        Some(system_fix(browser)),
                    ));
                }
                _ if loc.browser_present() => out.push(check(
                    Status::Fail,
                    format!(
                        "{browser} is set up for this user ({}) but has no rolecall manifest, so the extension cannot start the host",
                        loc.present_folder().display()
                    ),
                    fix,
                )),
                _ => absent.push(browser.display_name()),
            },
        }
    }
    if installed == 0 && out.iter().all(|c| c.status != Status::Fail) {
        out.push(check(
            Status::Fail,
            "no browser has a rolecall manifest, so no extension can start the host",
            Some("rolecall install --browser firefox   (or chrome, chromium, edge, brave)".into()),
        ));
    }
    if !absent.is_empty() {
        out.push(check(
            Status::Info,
            format!("not set up for this user, skipped: {}", absent.join(", ")),
            None,
        ));
    }
    out
}

/// A system-wide manifest that is wrong for this binary: a per-user one is read first.
fn system_fix(browser: install::Browser) -> String {
    format!(
        "rolecall install --user --browser {}   (read before the system-wide one; or reinstall the package that placed it)",
        browser.id()
    )
}

/// The config, and the keyring's state for it.
pub fn config_and_keyring(app: &App) -> (Vec<Check>, Option<Config>, bool) {
    let mut out = Vec::new();
    let path = app.config_path();
    let config = match app.load_config() {
        Ok(c) if !path.exists() => {
            out.push(check(
                Status::Warn,
                format!("no config yet at {}", path.display()),
                Some("rolecall import aws-config --dry-run, or rolecall gateway add NAME --access-key-id ID".into()),
            ));
            Some(c)
        }
        Ok(c) => {
            out.push(check(
                Status::Ok,
                format!(
                    "config {} ({} gateways, {} roles)",
                    path.display(),
                    c.gateways.len(),
                    c.roles.len()
                ),
                None,
            ));
            Some(c)
        }
        Err(e) => {
            out.push(check(
                Status::Fail,
                e.to_string(),
                Some(format!("edit {} (it is TOML)", path.display())),
            ));
            None
        }
    };

    let keyring_ok = match app.secrets().probe() {
        Ok(()) => {
            out.push(check(
                Status::Ok,
                format!(
                    "OS keyring reachable (service '{}')",
                    app.secrets().service()
                ),
                None,
            ));
            true
        }
        Err(e) => {
            let reason = match e {
                crate::error::Error::KeyringUnavailable(r) => r,
                other => other.to_string(),
            };
            out.push(check(
                Status::Fail,
                format!("the OS keyring cannot be reached ({reason})"),
                Some(keyring_fix().into()),
            ));
            false
        }
    };

    if let Some(c) = &config {
        if c.gateways.is_empty() {
            out.push(check(
                Status::Warn,
                "no gateways configured",
                Some("rolecall gateway add NAME --access-key-id ID   (or rolecall import aws-config)".into()),
            ));
        } else if c.roles.is_empty() {
            out.push(check(
                Status::Warn,
                "no roles configured",
                Some(
                    "rolecall role add ID --account ACCOUNT --role-name NAME --gateway GATEWAY"
                        .into(),
                ),
            ));
        }
        for g in &c.gateways {
            let fix = Some(format!(
                "rolecall gateway add {} --access-key-id <ID>   (or rolecall import aws-config --move-keys)",
                g.name
            ));
            if !keyring_ok {
                out.push(check(
                    Status::Warn,
                    format!(
                        "gateway '{}' keys: not checked, the keyring is unreachable",
                        g.name
                    ),
                    None,
                ));
                continue;
            }
            match app.secrets().has_gateway_keys(&g.name) {
                Ok(true) => out.push(check(
                    Status::Ok,
                    format!("gateway '{}' has keys in the keyring", g.name),
                    None,
                )),
                Ok(false) => out.push(check(
                    Status::Fail,
                    format!("gateway '{}' has no keys in the keyring", g.name),
                    fix,
                )),
                Err(e) => out.push(check(
                    Status::Fail,
                    format!("gateway '{}' keys: {e}", g.name),
                    Some(keyring_fix().into()),
                )),
            }
        }
    }
    (out, config, keyring_ok)
}

/// Roles left out of listings: the user's own whose label, group or links break the text
/// rules, and each catalogue's (those rules, a source not mapped), with the catalogues that
/// cannot be used at all. At most [`LEFT_OUT_SHOWN`] roles a catalogue.
pub fn roles_left_out(app: &App) -> Vec<Check> {
    let Ok(effective) = app.load_effective() else {
        return Vec::new(); // the config check has said why
    };
    let mut out = Vec::new();
    let path = app.config_path().display().to_string();
    for (id, why) in &effective.left_out {
        out.push(check(
            Status::Warn,
            format!("role '{id}' is left out of listings: {why}"),
            Some(format!("rolecall role set {id} …   (or edit {path})")),
        ));
    }
    for g in &effective.config.groups {
        if let Err(why) = crate::store::config::check_group(&g.name) {
            out.push(check(
                Status::Warn,
                format!("a [[group]] table of the config: {why}; rolecall saves no change to the config until it is fixed"),
                Some(format!("edit {path}")),
            ));
        }
    }
    for r in &effective.reports {
        if let Some(e) = &r.error {
            out.push(check(
                Status::Warn,
                format!("catalogue '{}' is not used: {e}", r.name),
                Some(format!("rolecall catalog update {}", r.name)),
            ));
            continue;
        }
        let status = if r.unusable.is_empty() {
            Status::Ok
        } else {
            Status::Warn
        };
        out.push(check(
            status,
            format!(
                "catalogue '{}': {} of its {} roles listed, {} left out",
                r.name,
                r.shown,
                r.roles,
                r.unusable.len()
            ),
            None,
        ));
        for (id, why) in r.unusable.iter().take(LEFT_OUT_SHOWN) {
            out.push(check(
                Status::Warn,
                format!("catalogue '{}': role '{id}' is left out: {why}", r.name),
                None,
            ));
        }
        if r.unusable.len() > LEFT_OUT_SHOWN {
            out.push(check(
                Status::Info,
                format!(
                    "catalogue '{}': {} more roles left out (`rolecall catalog list --json` lists them all)",
                    r.name,
                    r.unusable.len() - LEFT_OUT_SHOWN
                ),
                None,
            ));
        }
    }
    out
}

const LEFT_OUT_SHOWN: usize = 10;

fn keyring_fix() -> &'static str {
    if cfg!(target_os = "linux") {
        "unlock your login keyring, or start a Secret Service (gnome-keyring-daemon, KeePassXC) in this session; without a desktop (SSH, a server): README, \"No desktop? A Secret Service on a headless or SSH machine\""
    } else {
        "unlock your keychain / Credential Manager"
    }
}

/// The STS region each gateway is used in, as `App::open_console` picks it: the gateway's
/// own region, unless its role lives in another partition.
fn sts_regions(config: &Config) -> BTreeMap<String, Vec<String>> {
    let mut by_gateway: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in &config.roles {
        let Some(name) = &r.gateway else {
            continue; // an SSO role: no STS call
        };
        let g = config.gateway(name);
        let sts = crate::store::config::sts_region(g, config.partition_of(r));
        let list = by_gateway.entry(name.clone()).or_default();
        if !list.iter().any(|x| x == sts) {
            list.push(sts.to_owned());
        }
    }
    for g in &config.gateways {
        by_gateway
            .entry(g.name.clone())
            .or_insert_with(|| vec![g.region.clone().unwrap_or_else(|| DEFAULT_REGION.into())]);
    }
    by_gateway
}

/// HTTP dates are RFC 7231 IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`.
pub fn parse_http_date(s: &str) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc2822).ok()
}

/// How far the local clock is ahead of `server` (negative: behind), in seconds.
fn skew_seconds(server: time::OffsetDateTime, local: time::OffsetDateTime) -> i64 {
    (local - server).whole_seconds()
}

fn describe_skew(skew: i64) -> Check {
    let way = if skew > 0 { "ahead of" } else { "behind" };
    let status = match skew.abs() {
        s if s > SKEW_FAIL => Status::Fail,
        s if s > SKEW_WARN => Status::Warn,
        _ => Status::Ok,
    };
    let message = if status == Status::Ok {
        format!("clock agrees with STS (off by {} s)", skew.abs())
    } else {
        format!(
            "clock is {} s {way} STS; AWS refuses signed requests more than 300 s off",
            skew.abs()
        )
    };
    let fix = (status != Status::Ok).then(|| {
        if cfg!(target_os = "linux") {
            "turn on network time: timedatectl set-ntp true".to_owned()
        } else {
            "turn on automatic date and time in the system settings".to_owned()
        }
    });
    check(status, message, fix)
}

fn reqwest_reason(e: &reqwest::Error) -> String {
    let mut out = if e.is_timeout() {
        "no answer in time".to_owned()
    } else if e.is_connect() {
        "cannot connect".to_owned()
    } else {
        "request failed".to_owned()
    };
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        out = format!("{out}: {s}");
        source = s.source();
    }
    out
}

/// STS and sign-in reachable, the clock right, and each gateway's keys accepted.
pub async fn network(app: &App, config: &Config, keyring_ok: bool) -> Vec<Check> {
    let mut out = Vec::new();
    let timeout = config.settings.timeout();
    // The click path's own client: the same roots, so doctor sees what a click would.
    let client = match crate::console::https::client() {
        Ok(c) => c,
        Err(e) => {
            return vec![check(
                Status::Fail,
                format!("{e}; no HTTPS endpoint can be checked"),
                Some(
                    "install your system's CA certificates (Debian: apt-get install ca-certificates), or set SSL_CERT_FILE to a PEM bundle"
                        .into(),
                ),
            )]
        }
    };
    if sts::endpoint_override().is_err() {
        out.push(endpoints::not_checked(
            "STS and the gateways' keys",
            overrides::STS,
        ));
        out.extend(signin_checks(&client, config, timeout).await);
        return out;
    }
    let regions = sts_regions(config);
    let mut sts_urls: Vec<String> = regions
        .values()
        .flatten()
        .map(|r| endpoints::sts_url(r))
        .collect();
    if sts_urls.is_empty() {
        sts_urls.push(endpoints::sts_url(DEFAULT_REGION));
    }
    sts_urls.sort();
    sts_urls.dedup();
    let net_fix = "check your network and proxy; AWS_ENDPOINT_URL_STS overrides the STS endpoint";
    for url in &sts_urls {
        // An unsigned call: any HTTP answer (AWS says 403 MissingAuthenticationToken)
        // proves the endpoint resolves and answers, and its Date header shows the skew.
        let started = Instant::now();
        let sent = client
            .post(url)
            .timeout(timeout)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("Action=GetCallerIdentity&Version=2011-06-15")
            .send()
            .await;
        match sent {
            Ok(resp) => {
                out.push(check(
                    Status::Ok,
                    format!(
                        "STS endpoint {url} answers (HTTP {} in {} ms)",
                        resp.status().as_u16(),
                        started.elapsed().as_millis()
                    ),
                    None,
                ));
                let date = resp
                    .headers()
                    .get("date")
                    .and_then(|d| d.to_str().ok())
                    .and_then(parse_http_date);
                out.push(match date {
                    Some(server) => {
                        describe_skew(skew_seconds(server, time::OffsetDateTime::now_utc()))
                    }
                    None => check(
                        Status::Warn,
                        format!("cannot tell the clock's skew: {url} sent no Date header"),
                        None,
                    ),
                });
            }
            Err(e) => out.push(check(
                Status::Fail,
                format!("STS endpoint {url}: {}", reqwest_reason(&e)),
                Some(net_fix.into()),
            )),
        }
    }

    // A signed request with each gateway's keys: AWS accepts them, and the signature's time.
    if keyring_ok {
        let http = sts::http_client_on(client.clone());
        for g in &config.gateways {
            let Ok(keys) = app.secrets().gateway_keys(&g.name) else {
                continue; // reported with the keyring checks
            };
            let region = regions
                .get(&g.name)
                .and_then(|r| r.first().cloned())
                .unwrap_or_else(|| DEFAULT_REGION.into());
            match sts::caller_identity(&http, &keys, &g.name, &region, timeout).await {
                Ok(arn) => out.push(check(
                    Status::Ok,
                    format!("gateway '{}': AWS accepts its keys ({arn})", g.name),
                    None,
                )),
                Err(e) => {
                    let fix = match e.kind() {
                        "credentials_invalid" => Some(format!(
                            "rolecall gateway add {} --access-key-id <ID>   (with the user's current keys)",
                            g.name
                        )),
                        "upstream_unavailable" => Some(net_fix.into()),
                        _ => None,
                    };
                    let message = e.to_string();
                    let message = if message.contains(&format!("'{}'", g.name)) {
                        message
                    } else {
                        format!("gateway '{}': {message}", g.name)
                    };
                    out.push(check(Status::Fail, message, fix));
                }
            }
        }
    }

    out.extend(signin_checks(&client, config, timeout).await);
    out
}

/// The sign-in endpoint of each region the roles open in answers.
async fn signin_checks(
    client: &reqwest::Client,
    config: &Config,
    timeout: std::time::Duration,
) -> Vec<Check> {
    let mut out = Vec::new();
    let mut signin: Vec<Option<String>> = if config.roles.is_empty() {
        vec![endpoints::signin_url(DEFAULT_REGION)]
    } else {
        config
            .roles
            .iter()
            .map(|r| endpoints::signin_url(config.region_of(r)))
            .collect()
    };
    signin.sort();
    signin.dedup();
    for url in signin {
        let Some(url) = url else {
            out.push(endpoints::not_checked(
                "sign-in endpoint",
                overrides::SIGNIN,
            ));
            continue;
        };
        // No parameters: the endpoint answers an error page, which is all this needs.
        let started = Instant::now();
        match client.get(&url).timeout(timeout).send().await {
            Ok(resp) => out.push(check(
                Status::Ok,
                format!(
                    "sign-in endpoint {url} answers (HTTP {} in {} ms)",
                    resp.status().as_u16(),
                    started.elapsed().as_millis()
                ),
                None,
            )),
            Err(e) => out.push(check(
                Status::Fail,
                format!("sign-in endpoint {url}: {}", reqwest_reason(&e)),
                Some(
                    "check your network and proxy; ROLECALL_SIGNIN_URL overrides the endpoint"
                        .into(),
                ),
            )),
        }
    }
    out
}

/// Isolated windows (Chromium family): which browser a launch would start, and the role data
/// directories. Run from a terminal, the parent process is a shell, so this shows the
/// overrides or the table's pick; a browser-started host prefers the browser itself.
pub fn isolated_windows(config: &Config) -> Vec<Check> {
    use crate::browser::launch::{self as bl, LaunchError};
    let mut out = Vec::new();
    match bl::find_browser(
        std::env::var_os("ROLECALL_BROWSER_EXE"),
        config.settings.browser_exe.as_deref(),
        bl::parent_executable(),
    ) {
        Ok((exe, found)) => {
            let how = match found {
                bl::Found::Override(source) => source,
                bl::Found::Parent => "the parent process",
                bl::Found::Table => "the known browsers",
            };
            out.push(check(
                Status::Ok,
                format!("isolated windows: browser {} (from {how})", exe.display()),
                None,
            ));
        }
        Err(e @ LaunchError::BadOverride { .. }) => out.push(check(
            Status::Fail,
            e.to_string(),
            Some("set ROLECALL_BROWSER_EXE or settings.browser_exe to a browser executable".into()),
        )),
        Err(e) => out.push(check(
            Status::Info,
            format!("isolated windows (Chromium-based browsers only): {e}"),
            None,
        )),
    }
    let base = crate::browser::profiles::profiles_dir();
    if let Ok(list) = crate::browser::profiles::list(&base, &[]) {
        if !list.is_empty() {
            let running = list.iter().filter(|p| p.running).count();
            out.push(check(
                Status::Info,
                format!(
                    "{} role browser data directories in {} ({running} with a running browser); `rolecall profiles list`",
                    list.len(),
                    base.display()
                ),
                None,
            ));
        }
    }
    out
}

/// Every check, in order.
pub async fn run(app: &App, os: Os, bases: &Bases, binary: &Path) -> Vec<Check> {
    let mut all = manifests(os, bases, binary);
    let (checks, config, keyring_ok) = config_and_keyring(app);
    all.extend(checks);
    all.extend(roles_left_out(app));
    let config = config.unwrap_or_default();
    all.extend(isolated_windows(&config));
    all.extend(endpoints::checks(&overrides::process_env));
    all.extend(network(app, &config, keyring_ok).await);
    all.extend(identity_center(app, &config, keyring_ok).await);
    all
}

/// Each IAM Identity Center source: a token in the keyring and its expiry, and the portal
/// answering.
pub async fn identity_center(app: &App, config: &Config, keyring_ok: bool) -> Vec<Check> {
    let mut out = Vec::new();
    if config.sso.is_empty() {
        return out;
    }
    // Without a client the network checks have said why.
    let client = crate::console::https::client().ok();
    let now = time::OffsetDateTime::now_utc();
    for s in &config.sso {
        let login = Some(format!("rolecall sso login {}", s.name));
        if keyring_ok {
            match app.secrets().sso_token(&s.name) {
                Ok(Some(t)) if t.start_url != s.start_url => out.push(check(
                    Status::Warn,
                    format!(
                        "SSO source '{}': its token is for another start URL ({})",
                        s.name, t.start_url
                    ),
                    login.clone(),
                )),
                Ok(Some(t)) if t.expires_at > now => out.push(check(
                    Status::Ok,
                    format!(
                        "SSO source '{}': signed in, token valid for {} more minutes{}",
                        s.name,
                        (t.expires_at - now).whole_minutes(),
                        if t.refresh_token.is_some() {
                            " (refreshable)"
                        } else {
                            ""
                        }
                    ),
                    None,
                )),
                Ok(Some(t)) if t.refresh_token.is_some() => out.push(check(
                    Status::Ok,
                    format!(
                        "SSO source '{}': token expired; the next click refreshes it",
                        s.name
                    ),
                    None,
                )),
                Ok(_) => out.push(check(
                    Status::Warn,
                    format!(
                        "SSO source '{}': not signed in (its roles ask for a sign-in when clicked)",
                        s.name
                    ),
                    login.clone(),
                )),
                Err(e) => out.push(check(
                    Status::Fail,
                    format!("SSO source '{}' token: {e}", s.name),
                    Some(keyring_fix().into()),
                )),
            }
        }
        let Some(client) = &client else { continue };
        let Some(portal) = endpoints::portal_url(&s.region) else {
            out.push(endpoints::not_checked(
                &format!("SSO source '{}': portal", s.name),
                overrides::SSO,
            ));
            continue;
        };
        // An unauthenticated call: the portal answers 401, which proves it is reachable.
        let url = format!("{portal}/assignment/accounts");
        let started = Instant::now();
        match client
            .get(&url)
            .timeout(config.settings.timeout())
            .send()
            .await
        {
            Ok(resp) => out.push(check(
                Status::Ok,
                format!(
                    "SSO source '{}': portal {} answers (HTTP {} in {} ms)",
                    s.name,
                    portal,
                    resp.status().as_u16(),
                    started.elapsed().as_millis()
                ),
                None,
            )),
            Err(e) => out.push(check(
                Status::Fail,
                format!("SSO source '{}': portal {portal}: {}", s.name, reqwest_reason(&e)),
                Some("check your network and proxy; AWS_ENDPOINT_URL_SSO overrides the portal endpoint".into()),
            )),
        }
    }
    out
}

/// Broken when any check failed.
pub fn healthy(checks: &[Check]) -> bool {
    checks.iter().all(|c| c.status != Status::Fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates_parse() {
        let d = parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(d.unix_timestamp(), 784_111_777);
        assert!(parse_http_date("yesterday").is_none());
    }

    #[test]
    fn skew_thresholds() {
        let server = time::OffsetDateTime::UNIX_EPOCH;
        let at = |s: i64| describe_skew(skew_seconds(server, server + time::Duration::seconds(s)));
        assert_eq!(at(3).status, Status::Ok);
        assert_eq!(at(-90).status, Status::Warn);
        let late = at(-400);
        assert_eq!(late.status, Status::Fail);
        assert!(late.message.contains("400 s behind"), "{}", late.message);
        assert!(late.fix.is_some());
        assert!(at(400).message.contains("ahead of"));
    }

    #[test]
    fn manifests_of_either_kind_are_reported() {
        use crate::browser::install::{install_system, Browser, Target};
        let home = tempfile::tempdir().unwrap();
        let root = tempfile::tempdir().unwrap();
        let bases = Bases {
            home: Some(home.path().to_path_buf()),
            app_data: None,
            local_app_data: None,
            system_root: root.path().to_path_buf(),
        };
        let binary = std::fs::canonicalize(std::env::current_exe().unwrap()).unwrap();
        let only_fail = |checks: &[Check]| {
            checks
                .iter()
                .filter(|c| c.status == Status::Fail)
                .map(|c| c.message.clone())
                .collect::<Vec<_>>()
        };
        // Nothing anywhere: one failure saying so.
        let none = manifests(Os::Linux, &bases, &binary);
        assert_eq!(only_fail(&none).len(), 1);
        assert!(only_fail(&none)[0].contains("no browser has a rolecall manifest"));

        let target = Target::One(Browser::Firefox);
        install_system(target, Os::Linux, root.path(), binary.to_str().unwrap()).unwrap();
        let checks = manifests(Os::Linux, &bases, &binary);
        assert!(only_fail(&checks).is_empty(), "{checks:?}");
        let ok = checks
            .iter()
            .find(|c| c.status == Status::Ok)
            .expect("the system-wide manifest counts");
        assert!(
            ok.message.starts_with("Firefox manifest "),
            "{}",
            ok.message
        );
        assert!(ok.message.ends_with("dev.rolecall.host.json (system-wide)"));
        assert!(ok
            .message
            .contains("usr/lib/mozilla/native-messaging-hosts"));

        // One for another binary fails, and the fix is a per-user manifest (read first).
        install_system(target, Os::Linux, root.path(), "/opt/old/rolecall").unwrap();
        let checks = manifests(Os::Linux, &bases, &binary);
        let fail = checks.iter().find(|c| c.status == Status::Fail).unwrap();
        assert!(
            fail.message.contains("Firefox system-wide manifest"),
            "{}",
            fail.message
        );
        assert!(
            fail.message.contains("/opt/old/rolecall"),
            "{}",
            fail.message
        );
        assert!(fail
            .fix
            .as_deref()
            .unwrap()
            .starts_with("rolecall install --user --browser firefox"));
    }

    #[test]
    fn sts_regions_follow_the_click_path() {
        let config: Config = toml::from_str(
            r#"
[[gateway]]
name = "corp"
region = "eu-west-1"
[[gateway]]
name = "idle"
[[role]]
id = "a"
account_id = "111111111111"
role_name = "A"
gateway = "corp"
region = "us-east-2"
[[role]]
id = "gov"
account_id = "111111111111"
role_name = "A"
gateway = "corp"
region = "us-gov-west-1"
"#,
        )
        .unwrap();
        let r = sts_regions(&config);
        assert_eq!(r["corp"], ["eu-west-1", "us-gov-west-1"]);
        assert_eq!(r["idle"], [DEFAULT_REGION]);
    }
}
