//! The config's schema: what `config.toml` holds (settings, gateways, SSO sources, groups,
//! roles, catalogue subscriptions), the defaults each field falls back to, and the lookups
//! the click path and listings use. Validation is in `validate.rs`.

use crate::console::partition::Partition;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
pub(super) const EXTRA_COLORS: [&str; 4] = ["toolbar", "cyan", "gray", "violet"];

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
    /// Shared role catalogues the user subscribed to (store/catalog).
    #[serde(default, rename = "catalog", skip_serializing_if = "Vec::is_empty")]
    pub catalogs: Vec<CatalogRef>,
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
    /// Whether the extension tells the user (a desktop notification) when a console in use
    /// is about to end and needs them. Default on; off, the toolbar badge still says so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notifications: Option<bool>,
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

    pub fn notifications(&self) -> bool {
        self.notifications.unwrap_or(true)
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
    /// A command that prints the device's current code (`ykman oath accounts code -s NAME`,
    /// a password manager's OTP command), as its program and arguments: run without a
    /// shell when an open needs a code and none was given. Set only by the CLI or by hand,
    /// never through the protocol (sources/gateway/mfa_process.rs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa_process: Option<Vec<String>>,
    /// How long `mfa_process` may take, seconds (1..=40, default 30).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa_process_timeout_seconds: Option<u32>,
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

    /// The command that gives a code, when the gateway has an MFA device to use it for.
    pub fn mfa_process(&self) -> Option<&[String]> {
        self.mfa_process
            .as_deref()
            .filter(|_| self.mfa_serial.is_some())
    }

    pub fn mfa_process_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(u64::from(
            self.mfa_process_timeout_seconds
                .unwrap_or(DEFAULT_MFA_PROCESS_TIMEOUT_SECONDS),
        ))
    }
}

/// How long an `mfa_process` may take by default: a YubiKey with touch required waits some
/// seconds for the user to find and touch it, and a password manager may ask to be unlocked
/// first; 30 s covers both without leaving a broken command hanging for long.
pub const DEFAULT_MFA_PROCESS_TIMEOUT_SECONDS: u32 = 30;
/// At most 40 s: with STS and the sign-in call after it (10 s each at most) an open still
/// answers within the minute the extension waits for `console.open`.
pub const MFA_PROCESS_TIMEOUT_SECONDS: std::ops::RangeInclusive<u32> = 1..=40;
/// At most this many words in an `mfa_process`, each at most this long.
pub const MFA_PROCESS_MAX_ARGS: usize = 64;
pub const MFA_PROCESS_MAX_ARG_LEN: usize = 1024;

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
    /// account shares a colour on every machine. Not yet the container's: see
    /// [`Role::color_with`].
    pub fn color(&self) -> &str {
        self.color
            .as_deref()
            .unwrap_or_else(|| default_color(&self.account_id))
    }

    /// The container's colour, which the risk decides first: red means production, so a
    /// production role is red whatever colour it names, and any other role is never red
    /// (one that names red, from an older config, a hand edit or a catalogue, gets its
    /// account's colour; the CLI refuses red without production risk).
    pub fn color_with(&self, risk: Option<Risk>) -> &str {
        match (self.color.as_deref(), risk) {
            (_, Some(Risk::Production)) => PRODUCTION_COLOR,
            (Some(PRODUCTION_COLOR) | None, None) => default_color(&self.account_id),
            (Some(c), None) => c,
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

/// The colour of production roles' containers, and of no other.
pub const PRODUCTION_COLOR: &str = "red";

/// FNV-1a over the account id, onto the eight colours every Firefox accepts, but never
/// red (production's): an account the hash puts on red gets one of the seven others from
/// the hash's higher bits, so every other account keeps the colour it always had.
pub fn default_color(account_id: &str) -> &'static str {
    let mut h: u32 = 0x811c_9dc5;
    for b in account_id.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    let c = COLORS[(h % COLORS.len() as u32) as usize];
    if c != PRODUCTION_COLOR {
        return c;
    }
    let others: Vec<&'static str> = COLORS
        .iter()
        .copied()
        .filter(|c| *c != PRODUCTION_COLOR)
        .collect();
    others[((h / COLORS.len() as u32) % others.len() as u32) as usize]
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
}

/// A catalogue the user subscribed to: `[[catalog]]` in the config.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogRef {
    pub name: String,
    /// Where `catalog update` reads it: an https URL…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// …or a file (an absolute path). Exactly one of the two.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The SHA-256 (hex) of the copy the user accepted: another one is refused until the
    /// user accepts it (`catalog update NAME --sha256 NEW` or `--accept`).
    pub sha256: String,
    /// The catalogue's names for gateways and SSO sources → the user's own. A name not
    /// mapped stands for the local source of the same name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub map: BTreeMap<String, String>,
}

impl CatalogRef {
    /// The URL or file it is read from, as the user gave it.
    pub fn source(&self) -> &str {
        self.url.as_deref().or(self.file.as_deref()).unwrap_or("")
    }

    /// The user's own name for a source the catalogue names `shared`.
    pub fn local_name<'a>(&'a self, shared: &'a str) -> &'a str {
        self.map.get(shared).map_or(shared, String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::super::sample;
    use super::*;

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
        assert!(!spread.contains("red"), "red is production's only");
        // Accounts FNV-1a put on red (computed independently) get another colour; the
        // others keep theirs.
        assert_eq!(default_color("222222222222"), "orange");
        assert_eq!(default_color(""), "orange");
        assert_eq!(default_color("111111111111"), "turquoise");
        assert_eq!(default_color("123456789012"), "purple");
    }

    #[test]
    fn production_is_red_and_nothing_else_is() {
        let role = |color: Option<&str>| Role {
            id: "r".into(),
            account_id: "222222222222".into(),
            color: color.map(str::to_owned),
            ..Role::default()
        };
        let prod = Some(Risk::Production);
        assert_eq!(role(None).color_with(prod), "red");
        assert_eq!(role(Some("blue")).color_with(prod), "red");
        assert_eq!(role(Some("red")).color_with(prod), "red");
        assert_eq!(role(Some("blue")).color_with(None), "blue");
        // Red without production risk (an older config, a catalogue): the account's colour.
        assert_eq!(role(Some("red")).color_with(None), "orange");
        assert_eq!(role(None).color_with(None), "orange");
    }
}
