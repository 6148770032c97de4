//! The options page's edits of the config (protocol 7): `config.read` (what can be edited,
//! as it is now, and the choices), `role.update`, `gateway.update` and `settings.update`
//! (only the fields to change). Each field is checked by the rules the CLI applies
//! (store/config `edit`), and the change is saved as the CLI saves one: under the config's
//! update lock, from the file as it is then, atomically; a config that does not parse is
//! reported and never written. A refusal names its field (`data.field`) and changes nothing.
//!
//! What these methods can change is a fixed list of fields (`ROLE_FIELDS`, `GATEWAY_FIELDS`,
//! `SETTINGS_FIELDS`); anything else is refused by name: no keys, MFA device, command, gateway
//! region, source, catalogue subscription or browser executable (docs/SECURITY.md).

use super::App;
use crate::error::{Error, Result};
use crate::store::config::{
    self, check_role_text, color_choices, default_region_of, Config, FieldError, GatewayEdit, Link,
    MfaMode, Risk, Role, RoleEdit, SettingsEdit, GATEWAY_FIELDS, ICONS, MAX_GROUP_CHARS,
    MAX_LABEL_CHARS, MAX_LINKS, MAX_LINK_DESTINATION_CHARS, MAX_LINK_NAME_CHARS, MFA_SESSION_HOURS,
    REGION_CHOICES, RENEW_BEFORE_MINUTES, ROLE_FIELDS, SETTINGS_FIELDS,
};
use crate::sync::blocking;
use serde_json::{json, Map, Value};
use std::sync::Arc;

/// `config.read` answers the roles asked for, at most this many a call…
pub const MAX_READ_ROLES: usize = 20;
/// …and stops adding them at this many bytes (a role may carry 32 links of 2 KiB): the rest
/// are named in `more`, to be asked again.
const MAX_READ_BYTES: usize = 512 * 1024;

/// Fields of a role that decide which account and role a click assumes, and how.
const ROLE_FIXED: [&str; 9] = [
    "id",
    "account_id",
    "role_name",
    "gateway",
    "sso",
    "external_id",
    "session_name",
    "session_duration",
    "duration_seconds",
];
/// Fields of a gateway that hold or name its keys, its MFA device, where its signed calls go,
/// or a command it runs.
const GATEWAY_FIXED: [&str; 10] = [
    "name",
    "region",
    "mfa_serial",
    "session_name",
    "mfa_process",
    "mfa_process_timeout_seconds",
    "access_key_id",
    "secret_access_key",
    "keys",
    "credential_process",
];
/// Settings only the file changes.
const SETTINGS_FIXED: [&str; 3] = ["browser_exe", "issuer", "timeout_seconds"];

/// `config.read`'s parameters.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigRead {
    /// The roles whose editable fields to send (own roles, and catalogue roles marked
    /// read-only). None: no role.
    #[serde(default)]
    pub roles: Vec<String>,
}

/// `role.update`'s parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleUpdate {
    pub role: String,
    pub edit: RoleEdit,
}

/// `gateway.update`'s parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct GatewayUpdate {
    pub gateway: String,
    pub edit: GatewayEdit,
}

/// `settings.update`'s parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct SettingsUpdate {
    pub edit: SettingsEdit,
}

/// A refusal of one field of an edit, in the host's words.
fn invalid(field: &str, message: String) -> Error {
    Error::InvalidValue {
        field: shown(field).map(str::to_owned),
        index: None,
        message: format!("{message} Nothing was changed."),
    }
}

/// The id of what an edit changes: required, a string a config could hold.
fn target(method: &str, params: &mut Map<String, Value>, key: &str, what: &str) -> Result<String> {
    match params.remove(key) {
        None => Err(Error::InvalidParams(format!(
            "{method} needs the parameter '{key}'."
        ))),
        Some(Value::String(s)) if config::is_valid_name(&s) => Ok(s),
        Some(Value::String(s)) => Err(invalid(
            key,
            format!(
                "A {what} is named with 1 to 64 letters, digits or - _ . @ +; the name given ({} characters) is not.",
                s.chars().count()
            ),
        )),
        Some(_) => Err(invalid(key, format!("'{key}' must be a {what} name (a string)."))),
    }
}

/// A field's name as a message may repeat it (a short name of letters, digits and `._-`).
fn shown(name: &str) -> Option<&str> {
    let ok = (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    ok.then_some(name)
}

/// The fields an edit gives, each an editable one; any other is refused by name (a field
/// that is fixed says why and where it is changed).
fn fields(
    method: &str,
    params: Map<String, Value>,
    editable: &'static [&'static str],
    fixed: &[&str],
    why_fixed: &str,
) -> Result<Vec<(&'static str, Value)>> {
    let mut out = Vec::new();
    for (key, value) in params {
        match editable.iter().find(|f| **f == key) {
            Some(f) => out.push((*f, value)),
            None if fixed.contains(&key.as_str()) => {
                return Err(invalid(
                    &key,
                    format!("{method} cannot change '{key}': {why_fixed}."),
                ))
            }
            None => {
                let named = match shown(&key) {
                    Some(k) => format!("'{k}'"),
                    None => format!("named with {} characters", key.chars().count()),
                };
                return Err(invalid(
                    &key,
                    format!(
                        "{method} has no field {named}; it changes: {}.",
                        editable.join(", ")
                    ),
                ));
            }
        }
    }
    if out.is_empty() {
        return Err(Error::InvalidParams(format!(
            "{method} needs at least one field to change: {}.",
            editable.join(", ")
        )));
    }
    Ok(out)
}

/// A text field: a string, or null for its default.
fn text(field: &str, v: Value) -> Result<Option<String>> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        _ => Err(invalid(
            field,
            format!("'{field}' must be a string, or null for its default."),
        )),
    }
}

/// A whole number, or null for its default.
fn number(field: &str, v: Value) -> Result<Option<u32>> {
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => match n.as_u64() {
            // Larger than any range here: refused by the range with the largest number.
            Some(n) => Ok(Some(u32::try_from(n).unwrap_or(u32::MAX))),
            None => Err(invalid(
                field,
                format!("'{field}' must be a whole number of 0 or more."),
            )),
        },
        _ => Err(invalid(
            field,
            format!("'{field}' must be a whole number, or null for its default."),
        )),
    }
}

fn boolean(field: &str, v: Value) -> Result<bool> {
    v.as_bool()
        .ok_or_else(|| invalid(field, format!("'{field}' must be true or false.")))
}

/// `links`: a list of `{"name", "destination"}` (both strings, nothing else).
fn links(v: Value) -> Result<Vec<Link>> {
    let Value::Array(items) = v else {
        return Err(invalid(
            "links",
            "'links' must be a list of {\"name\", \"destination\"} (an empty list removes them all).".into(),
        ));
    };
    if items.len() > MAX_LINKS {
        return Err(invalid(
            "links",
            format!(
                "A role has at most {MAX_LINKS} links; {} were given.",
                items.len()
            ),
        ));
    }
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            let bad = || Error::InvalidValue {
                field: Some("links".into()),
                index: Some(i),
                message: format!(
                    "Link {} must be {{\"name\": string, \"destination\": string}} and nothing else. Nothing was changed.",
                    i + 1
                ),
            };
            let Value::Object(mut o) = item else {
                return Err(bad());
            };
            let (Some(Value::String(name)), Some(Value::String(destination))) =
                (o.remove("name"), o.remove("destination"))
            else {
                return Err(bad());
            };
            if !o.is_empty() {
                return Err(bad());
            }
            Ok(Link { name, destination })
        })
        .collect()
}

impl RoleUpdate {
    pub fn from_params(mut params: Map<String, Value>) -> Result<RoleUpdate> {
        const METHOD: &str = "role.update";
        let role = target(METHOD, &mut params, "role", "role")?;
        let why = "it decides which account and role a click assumes, or how; change it with `rolecall role add ID --replace …` in a terminal";
        let mut edit = RoleEdit::default();
        for (field, v) in fields(METHOD, params, &ROLE_FIELDS, &ROLE_FIXED, why)? {
            match field {
                "label" => edit.label = Some(text(field, v)?),
                "group" => edit.group = Some(text(field, v)?),
                "color" => edit.color = Some(text(field, v)?),
                "icon" => edit.icon = Some(text(field, v)?),
                "region" => edit.region = Some(text(field, v)?),
                "risk" => {
                    edit.risk = Some(match v {
                        Value::Null => None,
                        Value::String(s) if s == Risk::Production.id() => Some(Risk::Production),
                        _ => {
                            return Err(invalid(
                                field,
                                "'risk' must be \"production\", or null for none.".into(),
                            ))
                        }
                    })
                }
                _ => edit.links = Some(links(v)?),
            }
        }
        Ok(RoleUpdate { role, edit })
    }
}

impl GatewayUpdate {
    pub fn from_params(mut params: Map<String, Value>) -> Result<GatewayUpdate> {
        const METHOD: &str = "gateway.update";
        let gateway = target(METHOD, &mut params, "gateway", "gateway")?;
        let why = "it holds or names the gateway's keys, its MFA device, where its signed calls go or a command it runs; change it with `rolecall gateway set` or `rolecall gateway add` in a terminal";
        let mut edit = GatewayEdit::default();
        for (field, v) in fields(METHOD, params, &GATEWAY_FIELDS, &GATEWAY_FIXED, why)? {
            match field {
                "mfa_mode" => {
                    edit.mfa_mode = Some(match v.as_str() {
                        Some("per_role") => MfaMode::PerRole,
                        Some("daily") => MfaMode::Daily,
                        _ => {
                            return Err(invalid(
                                field,
                                "'mfa_mode' must be \"per_role\" or \"daily\".".into(),
                            ))
                        }
                    })
                }
                _ => edit.mfa_session_hours = Some(number(field, v)?),
            }
        }
        Ok(GatewayUpdate { gateway, edit })
    }
}

impl SettingsUpdate {
    pub fn from_params(params: Map<String, Value>) -> Result<SettingsUpdate> {
        const METHOD: &str = "settings.update";
        let why = "it names a program rolecall starts or how it talks to AWS; change it in the [settings] of config.toml";
        let mut edit = SettingsEdit::default();
        for (field, v) in fields(METHOD, params, &SETTINGS_FIELDS, &SETTINGS_FIXED, why)? {
            match field {
                "renew_before_minutes" => edit.renew_before_minutes = Some(number(field, v)?),
                "auto_renew" => edit.auto_renew = Some(boolean(field, v)?),
                _ => edit.notifications = Some(boolean(field, v)?),
            }
        }
        Ok(SettingsUpdate { edit })
    }
}

/// A field refused by the rules: the sentence the CLI says too.
fn refused(what: &str, e: FieldError) -> Error {
    Error::InvalidValue {
        field: Some(e.field.to_owned()),
        index: e.index,
        message: format!("{what} is refused: {e}. Nothing was changed."),
    }
}

fn settings_view(s: &config::Settings) -> Value {
    json!({
        "renew_before_minutes": s.renew_before_minutes(),
        "auto_renew": s.auto_renew(),
        "notifications": s.notifications(),
    })
}

fn gateway_view(config: &Config, g: &config::Gateway) -> Value {
    json!({
        "name": g.name,
        "mfa": g.mfa_serial.is_some(),
        "mfa_mode": g.mfa_mode().id(),
        "mfa_session_hours": g.mfa_session_hours(),
        "roles": config.roles_of_gateway(&g.name).count(),
    })
}

/// A role's editable fields as the config holds them (null: the default, named in
/// `defaults`), with what is fixed about it. A role whose text breaks its rules (hand-edited)
/// is sent without that text, saying why (`problem`): an edit can then replace it.
fn role_view(config: &Config, r: &Role, catalog: Option<&str>) -> Value {
    let problem = check_role_text(r).err();
    let clean = problem.is_none();
    let source = config.source_of(r);
    let group_risk = r
        .group
        .as_deref()
        .and_then(|g| config.groups.iter().find(|x| x.name == g))
        .and_then(|g| g.risk)
        .map(Risk::id);
    json!({
        "id": r.id,
        "editable": catalog.is_none(),
        "catalog": catalog,
        "account_id": r.account_id,
        "role_name": r.role_name,
        "source": source.map_or("gateway", |s| s.kind()),
        "source_name": r.source_name(),
        "partition": config.partition_of(r).id(),
        "label": r.label.as_ref().filter(|_| clean),
        "group": r.group.as_ref().filter(|_| clean),
        "color": r.color,
        "icon": r.icon,
        "risk": r.risk.map(Risk::id),
        "region": r.region,
        "links": if clean { r.links.clone() } else { Vec::new() },
        "group_risk": group_risk,
        "defaults": {
            "label": r.id,
            "color": config::default_color(&r.account_id),
            "icon": "briefcase",
            "region": default_region_of(config, r),
        },
        "problem": problem,
    })
}

/// What the options page offers for each field, and the bounds the host applies.
fn choices() -> Value {
    let regions: Map<String, Value> = REGION_CHOICES
        .iter()
        .map(|(p, list)| (p.id().to_owned(), json!(list)))
        .collect();
    json!({
        "colors": color_choices().collect::<Vec<_>>(),
        "icons": ICONS,
        "risks": [Risk::Production.id()],
        "regions": regions,
        "mfa_modes": [MfaMode::PerRole.id(), MfaMode::Daily.id()],
        "mfa_session_hours": [MFA_SESSION_HOURS.start(), MFA_SESSION_HOURS.end()],
        "renew_before_minutes": [RENEW_BEFORE_MINUTES.start(), RENEW_BEFORE_MINUTES.end()],
        "label": MAX_LABEL_CHARS,
        "group": MAX_GROUP_CHARS,
        "link_name": MAX_LINK_NAME_CHARS,
        "links": MAX_LINKS,
        "link_destination": MAX_LINK_DESTINATION_CHARS,
    })
}

impl App {
    /// `config.read`: the gateways with their MFA fields, the IAM Identity Center sources, the
    /// settings, the roles asked for (own roles editable, catalogue roles read-only), and the
    /// choices. Reads the config and the catalogue copies; no keyring, no network.
    pub fn config_view(&self, req: ConfigRead) -> Result<Value> {
        if req.roles.len() > MAX_READ_ROLES {
            return Err(Error::InvalidParams(format!(
                "config.read sends at most {MAX_READ_ROLES} roles at a time; {} were asked.",
                req.roles.len()
            )));
        }
        if let Some(bad) = req.roles.iter().find(|id| !config::is_valid_name(id)) {
            return Err(Error::InvalidParams(format!(
                "Role ids are 1 to 64 letters, digits or - _ . @ +; one asked ({} characters) is not.",
                bad.chars().count()
            )));
        }
        let own = self.config()?;
        let effective = self.effective_config()?;
        let (mut roles, mut more, mut unknown, mut bytes) = (Vec::new(), Vec::new(), Vec::new(), 0);
        for id in &req.roles {
            let view = match (own.role(id), effective.catalog_of(id)) {
                (Some(r), _) => role_view(&own, r, None),
                (None, Some(c)) => match effective.config.role(id) {
                    Some(r) => role_view(&effective.config, r, Some(c)),
                    None => {
                        unknown.push(id.clone());
                        continue;
                    }
                },
                (None, None) => {
                    unknown.push(id.clone());
                    continue;
                }
            };
            bytes += view.to_string().len();
            if bytes > MAX_READ_BYTES && !roles.is_empty() {
                more.push(id.clone());
            } else {
                roles.push(view);
            }
        }
        Ok(json!({
            "config_path": self.config_path().display().to_string(),
            "gateways": own.gateways.iter().map(|g| gateway_view(&own, g)).collect::<Vec<_>>(),
            "sso": own.sso.iter().map(|s| json!({
                "name": s.name,
                "start_url": s.start_url,
                "region": s.region,
                "roles": own.roles_of_sso(&s.name).count(),
            })).collect::<Vec<_>>(),
            "settings": settings_view(&own.settings),
            "roles": roles,
            "more": more,
            "unknown": unknown,
            "choices": choices(),
        }))
    }

    /// `role.update`: a role of the user's own config; a catalogue's is `read_only_role`.
    pub async fn update_role(self: &Arc<Self>, req: RoleUpdate) -> Result<Value> {
        let app = self.clone();
        let id = req.role.clone();
        let (config, changed) = self
            .edit_config(move |config| {
                if config.role(&req.role).is_none() {
                    return Err(match app.effective_config()?.catalog_of(&req.role) {
                        Some(c) => Error::ReadOnlyRole {
                            role: req.role.clone(),
                            catalog: c.to_owned(),
                        },
                        None => Error::UnknownRole(req.role.clone()),
                    });
                }
                req.edit
                    .apply(config, &req.role)
                    .map_err(|e| refused(&format!("Role '{}'", req.role), e))
            })
            .await?;
        let role = config
            .role(&id)
            .ok_or_else(|| Error::UnknownRole(id.clone()))?;
        Ok(json!({ "role": role_view(&config, role, None), "changed": changed }))
    }

    /// `gateway.update`: its MFA mode and MFA session length, nothing else.
    pub async fn update_gateway(self: &Arc<Self>, req: GatewayUpdate) -> Result<Value> {
        let name = req.gateway.clone();
        let (config, changed) = self
            .edit_config(move |config| {
                let gateway = config
                    .gateways
                    .iter_mut()
                    .find(|g| g.name == req.gateway)
                    .ok_or_else(|| Error::UnknownGateway(req.gateway.clone()))?;
                req.edit
                    .apply(gateway)
                    .map_err(|e| refused(&format!("Gateway '{}'", req.gateway), e))
            })
            .await?;
        let gateway = config
            .gateway(&name)
            .ok_or_else(|| Error::UnknownGateway(name.clone()))?;
        Ok(json!({ "gateway": gateway_view(&config, gateway), "changed": changed }))
    }

    /// `settings.update`: the extension's settings in `[settings]`.
    pub async fn update_settings(self: &Arc<Self>, req: SettingsUpdate) -> Result<Value> {
        let (config, changed) = self
            .edit_config(move |config| {
                req.edit
                    .apply(&mut config.settings)
                    .map_err(|e| refused("The setting", e))
            })
            .await?;
        Ok(json!({ "settings": settings_view(&config.settings), "changed": changed }))
    }

    /// One change of the config, as a CLI command makes it: the update lock (waiting as the
    /// CLI waits, then `config_busy`), the file as it is now (one that does not parse is
    /// `config_invalid` and is not written), the change, the whole config checked, an atomic
    /// save; none when nothing changed. Answers the config as saved, and whether it changed.
    async fn edit_config(
        self: &Arc<Self>,
        change: impl FnOnce(&mut Config) -> Result<()> + Send + 'static,
    ) -> Result<(Config, bool)> {
        let path = self.config_path().to_path_buf();
        blocking(move || {
            let _lock = config::UpdateLock::acquire(&path)?;
            let mut config = config::load(&path)?;
            let before = config.clone();
            change(&mut config)?;
            if config == before {
                return Ok((config, false));
            }
            config.validate().map_err(|e| Error::InvalidValue {
                field: None,
                index: None,
                message: format!("The change is refused: {e}. Nothing was changed."),
            })?;
            config::save(&path, &config)?;
            Ok((config, true))
        })
        .await
    }
}

#[cfg(test)]
mod tests;
