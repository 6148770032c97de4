//! The user's gateways and roles: `config.toml` in `ROLECALL_CONFIG_DIR`, else the platform's
//! config folder. The host owns it; the extension only ever names a role id.
//! Writes are atomic (temp file + rename) and private (0600); a config that does not parse
//! is reported and never overwritten. Commands that change it hold [`UpdateLock`] from
//! load to save, so two `rolecall` processes never lose each other's change.

use crate::console::federation::SESSION_DURATION_RANGE;
use crate::console::partition::Partition;
use crate::error::{Error, Result};
use crate::store::files::{atomic_write, create_private_dir, stamp, FileStamp};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub const FILE_NAME: &str = "config.toml";
pub const DEFAULT_REGION: &str = "us-east-1";

/// Firefox container colours and icons (contextualIdentities), the names every Firefox
/// version accepts.
pub const COLORS: [&str; 8] = [
    "blue",
    "turquoise",
    "green",
    "yellow",
    "orange",
    "red",
    "pink",
    "purple",
];
pub const ICONS: [&str; 13] = [
    "fingerprint",
    "briefcase",
    "dollar",
    "cart",
    "circle",
    "gift",
    "vacation",
    "food",
    "fruit",
    "pet",
    "tree",
    "chill",
    "fence",
];
const EXTRA_COLORS: [&str; 4] = ["toolbar", "cyan", "gray", "violet"];

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default, skip_serializing_if = "Settings::is_default")]
    pub settings: Settings,
    #[serde(default, rename = "gateway", skip_serializing_if = "Vec::is_empty")]
    pub gateways: Vec<Gateway>,
    #[serde(default, rename = "sso", skip_serializing_if = "Vec::is_empty")]
    pub sso: Vec<SsoSource>,
    /// Settings of role groups (`group = "…"` on roles): their risk.
    #[serde(default, rename = "group", skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<Group>,
    #[serde(default, rename = "role", skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<Role>,
    /// Shared role catalogues the user subscribed to (store/catalog.rs).
    #[serde(default, rename = "catalog", skip_serializing_if = "Vec::is_empty")]
    pub catalogs: Vec<crate::store::catalog::CatalogRef>,
}

/// How careful a click on a role must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Risk {
    /// A production account: marked in the popup, a red container by default, and a click
    /// asks for confirmation.
    Production,
}

impl Risk {
    pub fn id(self) -> &'static str {
        match self {
            Risk::Production => "production",
        }
    }
}

/// A group of roles, by the name roles give in `group`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk: Option<Risk>,
}

/// A named console page of a role (`[[role.link]]`), checked like any destination.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Link {
    pub name: String,
    /// A console path (`/s3/buckets`) or a console URL of the role's partition.
    pub destination: String,
}

/// An IAM Identity Center (SSO) instance: its access portal's start URL and the region it
/// lives in. Its tokens are in the keyring.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SsoSource {
    pub name: String,
    /// The access portal, e.g. `https://my-company.awsapps.com/start`.
    pub start_url: String,
    /// The Identity Center region (OIDC and portal endpoints; the default console region of
    /// its roles).
    pub region: String,
}

/// Where a role's credentials come from.
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    Gateway(&'a Gateway),
    Sso(&'a SsoSource),
}

impl<'a> Source<'a> {
    pub fn name(&self) -> &'a str {
        match *self {
            Source::Gateway(g) => &g.name,
            Source::Sso(s) => &s.name,
        }
    }

    /// `gateway` or `sso`, as `roles.list` says it.
    pub fn kind(&self) -> &'static str {
        match self {
            Source::Gateway(_) => "gateway",
            Source::Sso(_) => "sso",
        }
    }

    /// The region the source gives its roles by default.
    pub fn region(&self) -> Option<&'a str> {
        match *self {
            Source::Gateway(g) => g.region.as_deref(),
            Source::Sso(s) => Some(&s.region),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Bound on each upstream call (STS, federation), seconds. Default 10.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u64>,
    /// `Issuer` in the login URL (where an expired console sends the user). Default "rolecall".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// The browser isolated windows are launched with (`ROLECALL_BROWSER_EXE` wins). Default:
    /// the browser that started the host, else the first Chromium-family browser found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub browser_exe: Option<String>,
    /// How long before a console ends the extension renews it (or asks for a code), in
    /// minutes, 1..=60. Default 10.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renew_before_minutes: Option<u32>,
    /// Whether the extension renews consoles that can be renewed without input. Default on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_renew: Option<bool>,
}

impl Settings {
    fn is_default(&self) -> bool {
        self == &Settings::default()
    }

    pub fn timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.timeout_seconds.unwrap_or(10))
    }

    pub fn issuer(&self) -> &str {
        self.issuer.as_deref().unwrap_or("rolecall")
    }

    pub fn renew_before_minutes(&self) -> u32 {
        self.renew_before_minutes.unwrap_or(10)
    }

    pub fn auto_renew(&self) -> bool {
        self.auto_renew.unwrap_or(true)
    }
}

/// How a gateway with an MFA device spends its codes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MfaMode {
    /// Each role's AssumeRole gets a code, with the long-term keys: consoles up to 12 h.
    #[default]
    PerRole,
    /// One code a day: GetSessionToken with it, then AssumeRole with that MFA session for
    /// every role of the gateway. AWS caps consoles made that way at one hour (renewed
    /// silently by the extension).
    Daily,
}

impl MfaMode {
    pub fn id(self) -> &'static str {
        match self {
            MfaMode::PerRole => "per_role",
            MfaMode::Daily => "daily",
        }
    }
}

/// GetSessionToken lifetimes AWS allows an IAM user, in hours.
pub const MFA_SESSION_HOURS: std::ops::RangeInclusive<u32> = 1..=36;
pub const DEFAULT_MFA_SESSION_HOURS: u32 = 12;

/// An IAM user whose long-term keys are in the keyring.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gateway {
    pub name: String,
    /// Region for STS calls and the default for its roles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The gateway user's MFA device: opens then pass a code straight to AssumeRole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa_serial: Option<String>,
    /// RoleSessionName for its roles (who you are in CloudTrail). Default `rolecall-<user>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_name: Option<String>,
    /// `per_role` (default) or `daily`; only matters with an `mfa_serial`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa_mode: Option<MfaMode>,
    /// Daily mode: how long the MFA session lasts, hours (1..=36, default 12).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa_session_hours: Option<u32>,
}

impl Gateway {
    pub fn mfa_mode(&self) -> MfaMode {
        self.mfa_mode.unwrap_or_default()
    }

    /// Daily MFA sessions are used only with an MFA device; without one the mode is moot.
    pub fn uses_daily_mfa(&self) -> bool {
        self.mfa_serial.is_some() && self.mfa_mode() == MfaMode::Daily
    }

    pub fn mfa_session_hours(&self) -> u32 {
        self.mfa_session_hours.unwrap_or(DEFAULT_MFA_SESSION_HOURS)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Role {
    pub id: String,
    pub account_id: String,
    /// The IAM role's name (with its path); for an SSO role, the permission set's.
    pub role_name: String,
    /// The gateway it is assumed through, or…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway: Option<String>,
    /// …the IAM Identity Center source it is reached through. Exactly one of the two.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sso: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_name: Option<String>,
    /// Console session length (federation `SessionDuration`), seconds. Default 43200 (12 h).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_duration: Option<u32>,
    /// Credential lifetime asked of AssumeRole (`DurationSeconds`). Unset: 43200, falling
    /// back to 3600 (which every role allows) when the role's maximum is lower; the limit
    /// is then remembered in the state file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_seconds: Option<u32>,
    /// `production`: marked, red by default, confirmed before it opens (or its group's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk: Option<Risk>,
    /// Named console pages of the role.
    #[serde(default, rename = "link", skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
}

pub const DEFAULT_SESSION_DURATION: u32 = 43_200;
/// What AssumeRole is asked for when a role sets no `duration_seconds`: 12 h, the most AWS
/// allows, so a console's credentials last as long as the console.
pub const LONG_DURATION_SECONDS: u32 = 43_200;
/// What every role allows (the default `MaxSessionDuration`), the fallback.
pub const SAFE_DURATION_SECONDS: u32 = 3_600;

impl Role {
    pub fn label(&self) -> &str {
        self.label.as_deref().unwrap_or(&self.id)
    }

    /// The role's console region: its own, else its source's (`source_region`), else
    /// us-east-1.
    pub fn region<'a>(&'a self, source_region: Option<&'a str>) -> &'a str {
        self.region
            .as_deref()
            .or(source_region)
            .unwrap_or(DEFAULT_REGION)
    }

    pub fn partition(&self, source_region: Option<&str>) -> Partition {
        Partition::for_region(self.region(source_region))
    }

    pub fn arn(&self, source_region: Option<&str>) -> String {
        format!(
            "arn:{}:iam::{}:role/{}",
            self.partition(source_region).id(),
            self.account_id,
            self.role_name
        )
    }

    /// The role's risk: its own, else its group's.
    pub fn risk_in(&self, config: &Config) -> Option<Risk> {
        self.risk.or_else(|| {
            let g = self.group.as_deref()?;
            config.groups.iter().find(|x| x.name == g)?.risk
        })
    }

    /// The name of the role's source, whichever kind it is.
    pub fn source_name(&self) -> &str {
        self.gateway
            .as_deref()
            .or(self.sso.as_deref())
            .unwrap_or_default()
    }

    /// The configured colour, else one derived from the account id, so every role of an
    /// account shares a colour on every machine.
    pub fn color(&self) -> &str {
        self.color
            .as_deref()
            .unwrap_or_else(|| default_color(&self.account_id))
    }

    /// The colour with its risk: a production role is red unless it names a colour.
    pub fn color_with(&self, risk: Option<Risk>) -> &str {
        match (&self.color, risk) {
            (None, Some(Risk::Production)) => "red",
            _ => self.color(),
        }
    }

    pub fn icon(&self) -> &str {
        self.icon.as_deref().unwrap_or("briefcase")
    }

    pub fn session_duration(&self) -> u32 {
        self.session_duration.unwrap_or(DEFAULT_SESSION_DURATION)
    }

    pub fn session_name(&self, gateway: &Gateway) -> String {
        if let Some(n) = self.session_name.as_ref().or(gateway.session_name.as_ref()) {
            return n.clone();
        }
        let who = std::env::var("USER")
            .or_else(|_| std::env::var("USERNAME"))
            .unwrap_or_else(|_| gateway.name.clone());
        let mut name: String = format!("rolecall-{who}")
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || "+=,.@-_".contains(*c))
            .collect();
        name.truncate(64);
        name
    }
}

/// The STS region for an AssumeRole in `partition`: the gateway's own region when it is in
/// that partition (its credentials work everywhere in the partition, and the user chose that
/// endpoint on purpose), else the partition's default. Never the console's region: that can
/// come from a request, and a request must not pick where the gateway's signed call goes.
pub fn sts_region(gateway: Option<&Gateway>, partition: Partition) -> &str {
    gateway
        .and_then(|g| g.region.as_deref())
        .filter(|gr| Partition::for_region(gr) == partition)
        .unwrap_or(partition.default_sts_region())
}

/// FNV-1a over the account id, onto the eight colours every Firefox accepts.
pub fn default_color(account_id: &str) -> &'static str {
    let mut h: u32 = 0x811c_9dc5;
    for b in account_id.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    COLORS[(h % COLORS.len() as u32) as usize]
}

impl Config {
    pub fn gateway(&self, name: &str) -> Option<&Gateway> {
        self.gateways.iter().find(|g| g.name == name)
    }

    pub fn sso_source(&self, name: &str) -> Option<&SsoSource> {
        self.sso.iter().find(|s| s.name == name)
    }

    /// The role's source, if the config defines it (validation guarantees it does).
    pub fn source_of(&self, role: &Role) -> Option<Source<'_>> {
        match (&role.gateway, &role.sso) {
            (Some(g), None) => self.gateway(g).map(Source::Gateway),
            (None, Some(s)) => self.sso_source(s).map(Source::Sso),
            _ => None,
        }
    }

    /// The role's console region, after its source's default.
    pub fn region_of<'a>(&'a self, role: &'a Role) -> &'a str {
        role.region(self.source_of(role).and_then(|s| s.region()))
    }

    pub fn partition_of(&self, role: &Role) -> Partition {
        Partition::for_region(self.region_of(role))
    }

    /// The gateway roles of a gateway.
    pub fn roles_of_gateway<'a>(&'a self, gateway: &'a str) -> impl Iterator<Item = &'a Role> {
        self.roles
            .iter()
            .filter(move |r| r.gateway.as_deref() == Some(gateway))
    }

    /// The roles of an SSO source.
    pub fn roles_of_sso<'a>(&'a self, sso: &'a str) -> impl Iterator<Item = &'a Role> {
        self.roles
            .iter()
            .filter(move |r| r.sso.as_deref() == Some(sso))
    }

    pub fn role(&self, id: &str) -> Option<&Role> {
        self.roles.iter().find(|r| r.id == id)
    }

    /// Every rule a config must keep, checked on load and before every save.
    pub fn validate(&self) -> std::result::Result<(), String> {
        crate::store::catalog::validate_refs(&self.catalogs)?;
        let mut seen = std::collections::HashSet::new();
        for g in &self.gateways {
            check_name("gateway name", &g.name)?;
            if !seen.insert(&g.name) {
                return Err(format!("gateway '{}' is defined twice", g.name));
            }
            if let Some(r) = &g.region {
                check_region(r).map_err(|e| format!("gateway '{}': {e}", g.name))?;
            }
            if let Some(s) = &g.mfa_serial {
                check_mfa_serial(s).map_err(|e| format!("gateway '{}': {e}", g.name))?;
            }
            if let Some(s) = &g.session_name {
                check_session_name(s).map_err(|e| format!("gateway '{}': {e}", g.name))?;
            }
            if let Some(h) = g.mfa_session_hours {
                if !MFA_SESSION_HOURS.contains(&h) {
                    return Err(format!(
                        "gateway '{}': mfa_session_hours {h} is outside 1..36",
                        g.name
                    ));
                }
            }
        }
        let mut seen_sso = std::collections::HashSet::new();
        for sso in &self.sso {
            check_name("SSO source name", &sso.name)?;
            if !seen_sso.insert(&sso.name) {
                return Err(format!("SSO source '{}' is defined twice", sso.name));
            }
            let at = |e: String| format!("SSO source '{}': {e}", sso.name);
            check_start_url(&sso.start_url).map_err(at)?;
            check_region(&sso.region).map_err(at)?;
        }
        let mut seen_groups = std::collections::HashSet::new();
        for g in &self.groups {
            if g.name.trim().is_empty() || g.name.len() > 128 {
                return Err(format!(
                    "group name '{}' must be 1 to 128 characters",
                    g.name
                ));
            }
            if !seen_groups.insert(&g.name) {
                return Err(format!("group '{}' is defined twice", g.name));
            }
        }
        if let Some(m) = self.settings.renew_before_minutes {
            if !(1..=60).contains(&m) {
                return Err(format!(
                    "settings: renew_before_minutes {m} is outside 1..60"
                ));
            }
        }
        let mut seen = std::collections::HashSet::new();
        for r in &self.roles {
            check_name("role id", &r.id)?;
            if !seen.insert(&r.id) {
                return Err(format!("role '{}' is defined twice", r.id));
            }
            let at = |e: String| format!("role '{}': {e}", r.id);
            let source = match (&r.gateway, &r.sso) {
                (Some(g), None) => self
                    .gateway(g)
                    .map(Source::Gateway)
                    .ok_or_else(|| at(format!("gateway '{g}' is not defined")))?,
                (None, Some(s)) => self
                    .sso_source(s)
                    .map(Source::Sso)
                    .ok_or_else(|| at(format!("SSO source '{s}' is not defined")))?,
                (Some(_), Some(_)) => {
                    return Err(at(
                        "it names both a gateway and an SSO source; keep one".into()
                    ))
                }
                (None, None) => return Err(at(
                    "it names no gateway and no SSO source (`gateway = \"…\"` or `sso = \"…\"`)"
                        .into(),
                )),
            };
            if r.account_id.len() != 12 || !r.account_id.bytes().all(|b| b.is_ascii_digit()) {
                return Err(at(format!(
                    "account id '{}' is not 12 digits",
                    r.account_id
                )));
            }
            check_role_name(&r.role_name).map_err(at)?;
            check_region(r.region(source.region())).map_err(at)?;
            if let Some(c) = &r.color {
                if !COLORS.contains(&c.as_str()) && !EXTRA_COLORS.contains(&c.as_str()) {
                    return Err(at(format!(
                        "colour '{c}' is not a Firefox container colour ({})",
                        COLORS.join(", ")
                    )));
                }
            }
            if let Some(i) = &r.icon {
                if !ICONS.contains(&i.as_str()) {
                    return Err(at(format!(
                        "icon '{i}' is not a Firefox container icon ({})",
                        ICONS.join(", ")
                    )));
                }
            }
            if let Some(s) = &r.session_name {
                check_session_name(s).map_err(at)?;
            }
            let mut seen_links = std::collections::HashSet::new();
            for l in &r.links {
                if l.name.trim().is_empty() || l.name.len() > 64 {
                    return Err(at(format!(
                        "link name '{}' must be 1 to 64 characters",
                        l.name
                    )));
                }
                if !seen_links.insert(&l.name) {
                    return Err(at(format!("link '{}' is defined twice", l.name)));
                }
                check_link(&l.destination, r.region(source.region()))
                    .map_err(|e| at(format!("link '{}': {e}", l.name)))?;
            }
            if let Some(x) = &r.external_id {
                if x.len() < 2 || x.len() > 1224 {
                    return Err(at("external id must be 2 to 1224 characters".into()));
                }
            }
            for (what, v) in [
                ("session_duration", r.session_duration),
                ("duration_seconds", r.duration_seconds),
            ] {
                if let Some(v) = v {
                    if !SESSION_DURATION_RANGE.contains(&v) {
                        return Err(at(format!("{what} {v} is outside 900..43200 seconds")));
                    }
                }
            }
        }
        Ok(())
    }
}

/// A link's destination must pass the click path's check: a console path, or a console URL
/// of the role's partition (checked as if no console override were set).
fn check_link(destination: &str, region: &str) -> std::result::Result<(), String> {
    let target = crate::console::federation::SignInTarget::new(
        Partition::for_region(region),
        region,
        None,
        None,
    );
    target
        .destination(region, Some(destination))
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// A region from the user's own config (or a file being imported): named as written, so
/// they can find it.
fn check_region(r: &str) -> std::result::Result<(), String> {
    match Partition::of_region(r) {
        Some(_) => Ok(()),
        None => Err(format!(
            "'{r}' is not an AWS region rolecall supports ({})",
            crate::console::partition::SUPPORTED_REGIONS
        )),
    }
}

/// An access portal start URL: an https URL (http only for a loopback test portal).
pub fn check_start_url(u: &str) -> std::result::Result<(), String> {
    let ok = url::Url::parse(u).is_ok_and(|p| {
        p.scheme() == "https"
            || (p.scheme() == "http"
                && matches!(p.host_str(), Some("127.0.0.1" | "localhost" | "[::1]")))
    });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "start URL '{u}' is not an https URL (like https://my-company.awsapps.com/start)"
        ))
    }
}

/// Role ids and gateway names: what the config accepts, so also all a request may name.
pub fn is_valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.@+".contains(&b))
}

fn check_name(what: &str, s: &str) -> std::result::Result<(), String> {
    if is_valid_name(s) {
        Ok(())
    } else {
        Err(format!(
            "{what} '{s}' must be 1 to 64 letters, digits or - _ . @ +"
        ))
    }
}

fn check_role_name(s: &str) -> std::result::Result<(), String> {
    // IAM role names may carry a path: `path/to/Name`.
    let ok = !s.is_empty()
        && s.len() <= 512
        && !s.starts_with('/')
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-/".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(format!("'{s}' is not an IAM role name"))
    }
}

fn check_session_name(s: &str) -> std::result::Result<(), String> {
    let ok = (2..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "session name '{s}' must be 2 to 64 letters, digits or + = , . @ _ -"
        ))
    }
}

pub fn check_mfa_serial(s: &str) -> std::result::Result<(), String> {
    // An ARN (virtual or hardware device), or a hardware token's serial number.
    let arn = s.starts_with("arn:aws") && s.contains(":iam::") && s.contains(":mfa/");
    let serial = (9..=256).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric());
    if arn || serial {
        Ok(())
    } else {
        Err(format!(
            "'{s}' is not an MFA device ARN (arn:aws:iam::<account>:mfa/<name>)"
        ))
    }
}

/// Where the config lives: `ROLECALL_CONFIG_DIR`, else `<platform config dir>/rolecall`.
pub fn config_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("ROLECALL_CONFIG_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(d);
    }
    dirs::config_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("rolecall")
}

pub fn config_path() -> PathBuf {
    config_dir().join(FILE_NAME)
}

/// Loads and validates the config. A missing file is an empty config.
pub fn load(path: &Path) -> Result<Config> {
    let invalid = |reason: String| Error::ConfigInvalid {
        path: path.display().to_string(),
        reason,
    };
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
        Err(e) => return Err(invalid(format!("cannot read it ({e})"))),
    };
    let config: Config = toml::from_str(&text).map_err(|e| invalid(e.message().to_owned()))?;
    config.validate().map_err(invalid)?;
    Ok(config)
}

/// The config, parsed once and again only when the file changes (its size, modification
/// time or inode: saves replace the file, so a new inode): a click and a list of ten
/// thousand roles do not re-parse a large config each time.
#[derive(Debug)]
pub struct ConfigCache {
    path: PathBuf,
    cached: std::sync::Mutex<Option<(FileStamp, std::sync::Arc<Config>)>>,
}

impl ConfigCache {
    pub fn new(path: PathBuf) -> ConfigCache {
        ConfigCache {
            path,
            cached: std::sync::Mutex::new(None),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The config as the file is now. An invalid file is an error each time (never cached).
    pub fn get(&self) -> Result<std::sync::Arc<Config>> {
        let now = stamp(&self.path);
        if let Some(now) = &now {
            let cached = self.cached.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((_, config)) = cached.as_ref().filter(|(at, _)| at == now) {
                return Ok(config.clone());
            }
        }
        let config = std::sync::Arc::new(load(&self.path)?);
        // Stamp after reading: a change during the read shows as a new stamp next time.
        if let Some(now) = now.filter(|n| stamp(&self.path).as_ref() == Some(n)) {
            *self.cached.lock().unwrap_or_else(|p| p.into_inner()) = Some((now, config.clone()));
        }
        Ok(config)
    }

    /// A short fingerprint of the file as it is now (for list cursors).
    pub fn fingerprint(&self) -> String {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        stamp(&self.path).hash(&mut h);
        format!("{:016x}", h.finish())
    }
}

/// Validates and writes the config atomically, readable by the user only.
pub fn save(path: &Path, config: &Config) -> Result<()> {
    let invalid = |reason: String| Error::ConfigInvalid {
        path: path.display().to_string(),
        reason,
    };
    config.validate().map_err(invalid)?;
    let text = toml::to_string(config).map_err(|e| Error::Internal(e.to_string()))?;
    let text = format!(
        "# rolecall configuration: gateways (IAM users whose keys are in the OS keyring)\n\
         # and the roles they can assume. Edit by hand or with `rolecall gateway|role ...`.\n\n{text}"
    );
    atomic_write(path, text.as_bytes(), 0o600)
        .map_err(|e| invalid(format!("cannot write it ({e})")))
}

/// How long a command waits for another one to finish changing the config.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// An exclusive advisory lock on the config, held by a command from the moment it loads
/// the config it is going to change until it has saved it. The lock is a separate file
/// (`.config.toml.lock`), since the config itself is replaced by rename on every save.
/// The OS drops it when the process dies, so a killed command never leaves it stuck.
#[derive(Debug)]
pub struct UpdateLock {
    _file: std::fs::File,
}

impl UpdateLock {
    pub fn acquire(path: &Path) -> Result<UpdateLock> {
        let dir = path.parent().unwrap_or(Path::new("."));
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let lock_path = dir.join(format!(".{name}.lock"));
        let failed = |e: std::io::Error| Error::ConfigInvalid {
            path: path.display().to_string(),
            reason: format!("cannot lock it for a change ({}: {e})", lock_path.display()),
        };
        create_private_dir(dir).map_err(failed)?;
        let mut opts = std::fs::OpenOptions::new();
        opts.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let file = opts.open(&lock_path).map_err(failed)?;
        let deadline = std::time::Instant::now() + LOCK_WAIT;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(UpdateLock { _file: file }),
                Err(std::fs::TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(Error::ConfigInvalid {
                        path: path.display().to_string(),
                        reason: format!(
                            "another rolecall command has been changing it for over {} s \
                             (lock {}); let it finish and try again",
                            LOCK_WAIT.as_secs(),
                            lock_path.display()
                        ),
                    })
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(failed(e)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Config {
        toml::from_str(
            r#"
[[gateway]]
name = "corp"
region = "eu-west-1"
mfa_serial = "arn:aws:iam::999999999999:mfa/ana"

[[role]]
id = "prod-admin"
account_id = "111111111111"
role_name = "Admin"
gateway = "corp"
label = "Production admin"
color = "red"

[[role]]
id = "gov"
account_id = "222222222222"
role_name = "path/ReadOnly"
gateway = "corp"
region = "us-gov-west-1"
"#,
        )
        .unwrap()
    }

    #[test]
    fn effective_values_and_arns() {
        let c = sample();
        c.validate().unwrap();
        let g = c.gateway("corp").and_then(|g| g.region.as_deref());
        let prod = c.role("prod-admin").unwrap();
        assert_eq!(prod.region(g), "eu-west-1");
        assert_eq!(c.region_of(prod), "eu-west-1");
        assert_eq!(prod.arn(g), "arn:aws:iam::111111111111:role/Admin");
        assert_eq!(prod.label(), "Production admin");
        let gov = c.role("gov").unwrap();
        assert_eq!(
            gov.arn(g),
            "arn:aws-us-gov:iam::222222222222:role/path/ReadOnly"
        );
        assert_eq!(gov.label(), "gov");
        assert_eq!(gov.color(), default_color("222222222222"));
        assert_eq!(gov.icon(), "briefcase");
    }

    #[test]
    fn default_colour_is_stable_and_valid() {
        assert_eq!(default_color("111111111111"), default_color("111111111111"));
        let spread: std::collections::HashSet<_> = (0..50)
            .map(|i| default_color(&format!("{:012}", i * 7919)))
            .collect();
        assert!(
            spread.len() >= 5,
            "colours should spread over accounts: {spread:?}"
        );
        assert!(spread.iter().all(|c| COLORS.contains(c)));
    }

    #[test]
    fn validation_names_the_problem() {
        let mut c = sample();
        c.roles[0].account_id = "12345".into();
        assert!(c.validate().unwrap_err().contains("12 digits"));
        let mut c = sample();
        c.roles[1].gateway = Some("nope".into());
        assert!(c
            .validate()
            .unwrap_err()
            .contains("gateway 'nope' is not defined"));
        let mut c = sample();
        c.roles[0].color = Some("mauve".into());
        assert!(c.validate().unwrap_err().contains("colour 'mauve'"));
        let mut c = sample();
        c.roles.push(c.roles[0].clone());
        assert!(c.validate().unwrap_err().contains("defined twice"));
        let mut c = sample();
        c.roles[0].session_duration = Some(50_000);
        assert!(c.validate().unwrap_err().contains("session_duration"));
    }

    #[test]
    fn save_then_load_round_trips_privately_and_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join(FILE_NAME);
        assert_eq!(load(&path).unwrap(), Config::default());
        save(&path, &sample()).unwrap();
        assert_eq!(load(&path).unwrap(), sample());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // No temp file is left behind.
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from(FILE_NAME)]);
    }

    #[test]
    fn the_update_lock_is_exclusive_and_released_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join(FILE_NAME);
        let held = UpdateLock::acquire(&path).unwrap();
        // A second handle on the same lock file sees it held (flock is per open file).
        let other = std::fs::File::open(dir.path().join("sub").join(".config.toml.lock")).unwrap();
        assert!(matches!(
            other.try_lock(),
            Err(std::fs::TryLockError::WouldBlock)
        ));
        drop(held);
        assert!(other.try_lock().is_ok());
    }

    #[test]
    fn a_corrupt_config_is_reported_with_its_path_and_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, "[[role]]\nid = ").unwrap();
        let err = load(&path).unwrap_err();
        assert_eq!(err.kind(), "config_invalid");
        assert!(err.to_string().contains(&path.display().to_string()));
        // An invalid config is refused by save too, and the file keeps its bytes.
        let mut bad = sample();
        bad.roles[0].gateway = Some("missing".into());
        assert!(save(&path, &bad).is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "[[role]]\nid = ");
    }
}
