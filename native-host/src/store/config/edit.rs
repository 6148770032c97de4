//! Edits of the config that the CLI (`role set`, `gateway set`) and the extension's options
//! page (`role.update`, `gateway.update`, `settings.update`: app/edit.rs) both make, checked
//! field by field so that a refusal names its field, with the same rules either way. `save`
//! checks the whole config again (`validate`, `check_text`) before anything is written.
//!
//! These are all a request from the browser can change: a role's presentation, risk, region
//! and links; a gateway's MFA mode and MFA session length; the extension's settings. Nothing
//! that runs a command, names where a signed call goes or moves a secret (keys, MFA devices,
//! gateway regions, sources, catalogue subscriptions, `browser_exe`) has an edit here.
//!
//! Messages repeat a value only when it is short and plain (a colour, an icon or a region
//! name); text is described by its rule (text.rs), never repeated.

use super::schema::{
    Config, Gateway, Link, MfaMode, Risk, Role, Settings, COLORS, DEFAULT_REGION, EXTRA_COLORS,
    ICONS, MFA_SESSION_HOURS, PRODUCTION_COLOR,
};
use super::text::{check_group, check_label, check_link_name, check_text};
use super::text::{MAX_LINKS, MAX_LINK_DESTINATION_CHARS};
use crate::console::partition::{Partition, SUPPORTED_REGIONS};

/// Why one field of an edit is refused: the field (`label`, `links`, `mfa_session_hours`…),
/// the link at fault (0-based) for `links`, and the rule broken, as a fragment that follows
/// "Role 'x' is refused: ".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub index: Option<usize>,
    pub reason: String,
}

impl FieldError {
    pub fn new(field: &'static str, reason: impl Into<String>) -> FieldError {
        FieldError {
            field,
            index: None,
            reason: reason.into(),
        }
    }
}

impl std::fmt::Display for FieldError {
    /// The reason without a closing full stop: it is followed by ". Nothing was changed."
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.reason.trim_end_matches('.'))
    }
}

/// `None`: leave the field as it is; `Some(None)`: back to its default (the field is
/// removed from the file); `Some(Some(v))`: set it.
pub type Change<T> = Option<Option<T>>;

/// What an edit of a role may change.
pub const ROLE_FIELDS: [&str; 7] = ["label", "group", "color", "icon", "risk", "region", "links"];
/// What an edit of a gateway may change.
pub const GATEWAY_FIELDS: [&str; 2] = ["mfa_mode", "mfa_session_hours"];
/// What an edit of the settings may change (`[settings]`; the others, `browser_exe`,
/// `issuer` and `timeout_seconds`, only by hand).
pub const SETTINGS_FIELDS: [&str; 3] = ["renew_before_minutes", "auto_renew", "notifications"];

/// How long before a console ends the extension renews it, minutes.
pub const RENEW_BEFORE_MINUTES: std::ops::RangeInclusive<u32> = 1..=60;

/// The colours a role may name: Firefox's container colours (the first eight every version
/// accepts, then those of newer versions, which the extension maps for older ones).
pub fn color_choices() -> impl Iterator<Item = &'static str> {
    COLORS.into_iter().chain(EXTRA_COLORS)
}

/// The regions offered for a role of each partition (`console/partition.rs` accepts any name
/// of the partition's shape, so a region newer than this list is still taken when typed).
#[rustfmt::skip]
pub const REGION_CHOICES: [(Partition, &[&str]); 3] = [
    (Partition::Aws, &[
        "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "ca-west-1",
        "mx-central-1", "sa-east-1", "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1",
        "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2", "af-south-1", "il-central-1",
        "me-south-1", "me-central-1", "ap-south-1", "ap-south-2", "ap-east-1", "ap-east-2",
        "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5",
        "ap-southeast-7", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
    ]),
    (Partition::AwsUsGov, &["us-gov-west-1", "us-gov-east-1"]),
    (Partition::AwsCn, &["cn-north-1", "cn-northwest-1"]),
];

/// A value as a message may repeat it: a short name of letters, digits and `-_.`.
fn shown(value: &str) -> Option<&str> {
    let ok = (1..=32).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    ok.then_some(value)
}

/// `what 'value'`, or `the what given (n characters)` when the value is not plain.
fn named(what: &str, value: &str) -> String {
    match shown(value) {
        Some(v) => format!("{what} '{v}'"),
        None => format!("the {what} given ({} characters)", value.chars().count()),
    }
}

pub fn check_color(value: &str) -> Result<(), String> {
    if color_choices().any(|c| c == value) {
        return Ok(());
    }
    Err(format!(
        "{} is not a Firefox container colour ({})",
        named("colour", value),
        COLORS.join(", ")
    ))
}

pub fn check_icon(value: &str) -> Result<(), String> {
    if ICONS.contains(&value) {
        return Ok(());
    }
    Err(format!(
        "{} is not a Firefox container icon ({})",
        named("icon", value),
        ICONS.join(", ")
    ))
}

/// Red is production's colour: a role may be given red only while it is a production role
/// (its own risk or its group's). `role add`, `role set` and the options page alike.
pub fn check_red(color: &str, production: bool) -> Result<(), String> {
    if color != PRODUCTION_COLOR || production {
        return Ok(());
    }
    let others: Vec<&str> = COLORS
        .into_iter()
        .filter(|c| *c != PRODUCTION_COLOR)
        .collect();
    Err(format!(
        "red is kept for production roles, and this role is not one: mark it production first (`--risk production`, or the options page's Production box; a whole group with `rolecall group set GROUP --risk production`), or pick another colour ({})",
        others.join(", ")
    ))
}

/// A region named in an edit: one of a supported partition, and of the role's own partition
/// (`partition`): the partition is part of the role's ARN, so another one would be another
/// role (`role add --replace` makes that one).
pub fn check_role_region(value: &str, partition: Partition) -> Result<(), String> {
    let Some(p) = Partition::of_region(value) else {
        return Err(format!(
            "{} is not an AWS region rolecall supports ({SUPPORTED_REGIONS})",
            named("region", value)
        ));
    };
    if p != partition {
        return Err(format!(
            "{} is in partition {}, and the role is in {} (its ARN names the partition): choose a region of {}, or add the role again for the other partition (`rolecall role add ID --replace …`)",
            named("region", value),
            p.id(),
            partition.id(),
            partition.id()
        ));
    }
    Ok(())
}

/// An empty text is no value: the field goes back to its default (as `role set --label ''`).
fn given(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.is_empty())
}

/// Every edit of a role the CLI and the options page make.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RoleEdit {
    pub label: Change<String>,
    pub group: Change<String>,
    pub color: Change<String>,
    pub icon: Change<String>,
    pub risk: Change<Risk>,
    /// `Some(None)` or an empty name: the source's region.
    pub region: Change<String>,
    /// All the role's links (the list is replaced; `[]` removes them all).
    pub links: Option<Vec<Link>>,
}

impl RoleEdit {
    pub fn is_empty(&self) -> bool {
        self == &RoleEdit::default()
    }

    /// Applies the edit to role `id`, checking each field it changes; refused, the config is
    /// left as it was.
    pub fn apply(self, config: &mut Config, id: &str) -> Result<(), FieldError> {
        let Some(old) = config.role(id) else {
            return Err(FieldError::new(
                "role",
                "no such role is in your config".to_owned(),
            ));
        };
        let source_region = config
            .source_of(old)
            .and_then(|s| s.region())
            .map(str::to_owned);
        let mut role = old.clone();
        if let Some(v) = self.label {
            role.label = given(v);
            if let Some(l) = &role.label {
                check_label(l).map_err(|e| FieldError::new("label", e))?;
            }
        }
        if let Some(v) = self.group {
            role.group = given(v);
            if let Some(g) = &role.group {
                check_group(g).map_err(|e| FieldError::new("group", e))?;
            }
        }
        let color_given = matches!(&self.color, Some(Some(c)) if !c.is_empty());
        if let Some(v) = self.color {
            role.color = given(v);
            if let Some(c) = &role.color {
                check_color(c).map_err(|e| FieldError::new("color", e))?;
            }
        }
        if let Some(v) = self.icon {
            role.icon = given(v);
            if let Some(i) = &role.icon {
                check_icon(i).map_err(|e| FieldError::new("icon", e))?;
            }
        }
        if let Some(v) = self.risk {
            role.risk = v;
        }
        // Red given: the role must be a production role once the edit is made.
        if let Some(c) = role.color.as_deref().filter(|_| color_given) {
            check_red(c, role.risk_in(config) == Some(Risk::Production))
                .map_err(|e| FieldError::new("color", e))?;
        }
        let partition = old.partition(source_region.as_deref());
        if let Some(v) = self.region {
            role.region = given(v);
            let now = role.region(source_region.as_deref()).to_owned();
            check_role_region(&now, partition).map_err(|e| FieldError::new("region", e))?;
        }
        let region = role.region(source_region.as_deref()).to_owned();
        let links_given = self.links.is_some();
        if let Some(links) = self.links {
            role.links = links;
        }
        // The links are checked against the region the role ends with: a region edit alone
        // is refused when a link of the role would leave its console.
        let field = if links_given { "links" } else { "region" };
        check_links(&role.links, &region).map_err(|(index, e)| FieldError {
            field,
            index: links_given.then_some(index).flatten(),
            reason: e,
        })?;
        if let Some(slot) = config.roles.iter_mut().find(|r| r.id == id) {
            *slot = role;
        }
        Ok(())
    }
}

/// A role's links: how many, their names (each once) and destinations (text rules, then the
/// click path's check on the role's console). Refused: the link at fault (when one is) and why.
fn check_links(links: &[Link], region: &str) -> Result<(), (Option<usize>, String)> {
    if links.len() > MAX_LINKS {
        return Err((
            None,
            format!(
                "it has {} links; a role has at most {MAX_LINKS}",
                links.len()
            ),
        ));
    }
    let mut names = std::collections::HashSet::new();
    for (i, l) in links.iter().enumerate() {
        let fail = |e: String| (Some(i), e);
        let link = match check_link_name(&l.name) {
            Ok(()) => format!("link '{}'", l.name),
            Err(e) => return Err(fail(format!("link {}: {e}", i + 1))),
        };
        if !names.insert(&l.name) {
            return Err(fail(format!("{link} has the name of an earlier link")));
        }
        check_text("destination", &l.destination, MAX_LINK_DESTINATION_CHARS)
            .map_err(|e| fail(format!("{link}: {e}")))?;
        super::validate::check_link(&l.destination, region)
            .map_err(|e| fail(format!("{link}: {e}")))?;
    }
    Ok(())
}

/// Every edit of a gateway the options page makes (and `gateway set`'s MFA options).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GatewayEdit {
    pub mfa_mode: Option<MfaMode>,
    /// `Some(None)`: the default (12 h).
    pub mfa_session_hours: Change<u32>,
}

impl GatewayEdit {
    pub fn is_empty(&self) -> bool {
        self == &GatewayEdit::default()
    }

    pub fn apply(self, gateway: &mut Gateway) -> Result<(), FieldError> {
        if let Some(Some(h)) = self.mfa_session_hours {
            if !MFA_SESSION_HOURS.contains(&h) {
                return Err(FieldError::new(
                    "mfa_session_hours",
                    format!(
                        "mfa_session_hours {h} is outside {}..{} (hours an MFA session lasts)",
                        MFA_SESSION_HOURS.start(),
                        MFA_SESSION_HOURS.end()
                    ),
                ));
            }
        }
        if let Some(m) = self.mfa_mode {
            gateway.mfa_mode = Some(m);
        }
        if let Some(h) = self.mfa_session_hours {
            gateway.mfa_session_hours = h;
        }
        Ok(())
    }
}

/// Every edit of `[settings]` the options page makes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SettingsEdit {
    /// `Some(None)`: the default (10).
    pub renew_before_minutes: Change<u32>,
    pub auto_renew: Option<bool>,
    pub notifications: Option<bool>,
}

impl SettingsEdit {
    pub fn is_empty(&self) -> bool {
        self == &SettingsEdit::default()
    }

    pub fn apply(self, settings: &mut Settings) -> Result<(), FieldError> {
        if let Some(Some(m)) = self.renew_before_minutes {
            if !RENEW_BEFORE_MINUTES.contains(&m) {
                return Err(FieldError::new(
                    "renew_before_minutes",
                    format!(
                        "renew_before_minutes {m} is outside {}..{} (minutes before a console ends)",
                        RENEW_BEFORE_MINUTES.start(),
                        RENEW_BEFORE_MINUTES.end()
                    ),
                ));
            }
        }
        if let Some(m) = self.renew_before_minutes {
            settings.renew_before_minutes = m;
        }
        if let Some(a) = self.auto_renew {
            settings.auto_renew = Some(a);
        }
        if let Some(n) = self.notifications {
            settings.notifications = Some(n);
        }
        Ok(())
    }
}

/// The region a role's console opens in when it names none: its source's, else us-east-1.
pub fn default_region_of(config: &Config, role: &Role) -> String {
    config
        .source_of(role)
        .and_then(|s| s.region())
        .unwrap_or(DEFAULT_REGION)
        .to_owned()
}

#[cfg(test)]
mod tests;
