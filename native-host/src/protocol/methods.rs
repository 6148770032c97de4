//! Protocol methods: parameters in, result or error out. Names and shapes are documented
//! in docs/PROTOCOL.md.

use crate::app::edit::{ConfigRead, GatewayUpdate, RoleUpdate, SettingsUpdate};
use crate::app::{
    App, ForgetRequest, ListRequest, OpenIn, OpenRequest, PrepareRequest, SsoRequest,
};
use crate::error::{Error, Result};
use serde_json::{json, Map, Value};
use std::sync::Arc;

/// Grows when the protocol gains something an extension may want to gate on.
/// 2: `console.open` takes `open_in`; `roles.list` says `window_open`.
/// 3: `console.prepare`; `roles.list` says `mfa_mode` and `session`; `host.info` says
///    `settings` and `session_cookie_domains`; `console.open` says `prepared`.
/// 4: IAM Identity Center: `sso.login`, `sso.wait`, `session.forget {"sso"}`; `roles.list`
///    says `source`, `source_name`, `sso`, `needs_login`; kinds `sso_login_required`, …
/// 5: `roles.list` pages (`cursor`, `limit` → `next_cursor`) and says `risk`, `links`.
/// 6: `roles.list` takes `compact` and `if_none_match`, says `etag` (and `unchanged`).
/// 7: the options page's edits: `config.read`, `role.update`, `gateway.update`,
///    `settings.update` (kinds `invalid_value`, `read_only_role`, `config_busy`);
///    `host.info`'s settings say `notifications`; one MFA code a day and MFA commands:
///    `mfa_required` says `mfa_mode`, `mfa_session_hours`, `mfa_process_error`, `roles.list`
///    says `mfa_process` and `session.mfa_session_expires_at`.
pub const PROTOCOL_VERSION: u32 = 7;

pub const METHODS: [&str; 11] = [
    "host.info",
    "roles.list",
    "console.open",
    "console.prepare",
    "session.forget",
    "sso.login",
    "sso.wait",
    "config.read",
    "role.update",
    "gateway.update",
    "settings.update",
];

/// `Err(None)`: no such method. `Err(Some(e))`: the method failed.
/// A method's result: a JSON value, or JSON text made without one (large lists).
#[derive(Debug)]
pub enum Answer {
    Value(Value),
    Json(String),
}

impl Answer {
    /// The result as JSON text.
    pub fn into_json(self) -> String {
        match self {
            Answer::Value(v) => v.to_string(),
            Answer::Json(s) => s,
        }
    }
}

pub async fn call(
    app: &Arc<App>,
    method: &str,
    params: Map<String, Value>,
) -> std::result::Result<Answer, Option<Error>> {
    if method == "roles.list" {
        let req: ListRequest = parse(method, params)?;
        // This process's latest opens are in the list too.
        app.flush_state().await;
        return app.roles_page(&req).map(Answer::Json).map_err(Some);
    }
    let result = match method {
        "host.info" => {
            no_params(method, &params)?;
            Ok(host_info(app))
        }
        "console.prepare" => {
            let req: PrepareRequest = parse(method, params)?;
            app.prepare(req).await.map(|ids| json!({ "prepared": ids }))
        }
        "console.open" => {
            let req: OpenRequest = parse(method, params)?;
            match req.open_in {
                OpenIn::Tab => app.open_console(req).await.map(|o| json!(o)),
                OpenIn::IsolatedWindow => app.launch_console(req).await.map(|o| json!(o)),
            }
        }
        "session.forget" => {
            let req: ForgetRequest = parse(method, params)?;
            app.forget(req).await.map(|n| json!({ "forgotten": n }))
        }
        "sso.login" => {
            let req: SsoRequest = parse(method, params)?;
            app.sso_login(req).await.map(|login| json!(login))
        }
        "sso.wait" => {
            let req: SsoRequest = parse(method, params)?;
            app.sso_wait(req).await.and_then(|expires_at| {
                let at = expires_at
                    .format(&time::format_description::well_known::Rfc3339)
                    .map_err(|e| Error::Internal(e.to_string()))?;
                Ok(json!({ "authorized": true, "expires_at": at }))
            })
        }
        "config.read" => {
            let req: ConfigRead = parse(method, params)?;
            app.config_view(req)
        }
        "role.update" => match RoleUpdate::from_params(params) {
            Ok(req) => app.update_role(req).await,
            Err(e) => Err(e),
        },
        "gateway.update" => match GatewayUpdate::from_params(params) {
            Ok(req) => app.update_gateway(req).await,
            Err(e) => Err(e),
        },
        "settings.update" => match SettingsUpdate::from_params(params) {
            Ok(req) => app.update_settings(req).await,
            Err(e) => Err(e),
        },
        _ => return Err(None),
    };
    result.map(Answer::Value).map_err(Some)
}

/// Cheap: reads the config for its settings (defaults when it cannot be read; the methods
/// that need the config say what is wrong with it), no keyring, no network.
pub fn host_info(app: &App) -> Value {
    // The parsed config shared with roles.list: at 10,000 roles a fresh parse is ~55 ms.
    let settings = app.config().map(|c| c.settings.clone()).unwrap_or_default();
    json!({
        "name": "rolecall",
        "version": env!("CARGO_PKG_VERSION"),
        "protocol": PROTOCOL_VERSION,
        "config_path": app.config_path().display().to_string(),
        "platform": std::env::consts::OS,
        "settings": {
            "renew_before_minutes": settings.renew_before_minutes(),
            "auto_renew": settings.auto_renew(),
            "notifications": settings.notifications(),
        },
        "session_cookie_domains": app.session_cookie_domains(),
        "endpoint_overrides": endpoint_overrides(&crate::console::endpoints::process_env),
    })
}

/// The endpoint overrides set in the host's environment: `{variable, url}` for each in
/// force, `{variable, refused}` (why, never the value) for each refused.
fn endpoint_overrides(lookup: &dyn Fn(&str) -> Option<String>) -> Value {
    crate::console::endpoints::listed(lookup)
        .into_iter()
        .map(|(variable, state)| match state {
            Ok(o) => json!({ "variable": variable, "url": o.value }),
            Err(e) => json!({ "variable": variable, "refused": e.to_string() }),
        })
        .collect()
}

/// A method's parameters: their names and, in words, what each must be. Errors name the
/// parameter in these words and never echo what was sent (it may be 1 MiB of text or carry
/// control characters meant for a terminal).
pub trait Params: serde::de::DeserializeOwned {
    /// `(name, what it must be)` for every parameter.
    const FIELDS: &'static [(&'static str, &'static str)];
    const REQUIRED: &'static [&'static str];
}

impl Params for OpenRequest {
    const FIELDS: &'static [(&'static str, &'static str)] = &[
        ("role", "a role id (a string)"),
        ("region", "an AWS region name such as eu-west-1 (a string)"),
        ("destination", "a console URL or path (a string)"),
        ("mfa_code", "the 6 digits your MFA device shows (a string)"),
        ("open_in", "\"tab\" or \"isolated_window\""),
    ];
    const REQUIRED: &'static [&'static str] = &["role"];
}

impl Params for ListRequest {
    const FIELDS: &'static [(&'static str, &'static str)] = &[
        ("cursor", "the next_cursor of the page before (a string)"),
        (
            "limit",
            "the most roles a page may hold, 1 to 5000 (a number)",
        ),
        (
            "compact",
            "true to leave out null, false and empty fields (a boolean)",
        ),
        (
            "if_none_match",
            "the etag of the listing you have (a string)",
        ),
    ];
    const REQUIRED: &'static [&'static str] = &[];
}

impl Params for SsoRequest {
    const FIELDS: &'static [(&'static str, &'static str)] =
        &[("sso", "an IAM Identity Center source name (a string)")];
    const REQUIRED: &'static [&'static str] = &["sso"];
}

impl Params for PrepareRequest {
    const FIELDS: &'static [(&'static str, &'static str)] =
        &[("roles", "a list of at most 10 role ids (strings)")];
    const REQUIRED: &'static [&'static str] = &["roles"];
}

impl Params for ConfigRead {
    const FIELDS: &'static [(&'static str, &'static str)] = &[(
        "roles",
        "a list of at most 20 role ids (strings) whose editable fields to send",
    )];
    const REQUIRED: &'static [&'static str] = &[];
}

impl Params for ForgetRequest {
    const FIELDS: &'static [(&'static str, &'static str)] = &[
        ("role", "a role id (a string)"),
        ("gateway", "a gateway name (a string)"),
        ("sso", "an IAM Identity Center source name (a string)"),
    ];
    const REQUIRED: &'static [&'static str] = &[];
}

pub fn parse<T: Params>(method: &str, params: Map<String, Value>) -> Result<T> {
    let names = || {
        T::FIELDS
            .iter()
            .map(|(n, _)| *n)
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(unknown) = params
        .keys()
        .find(|k| !T::FIELDS.iter().any(|(n, _)| n == k))
    {
        return Err(Error::InvalidParams(format!(
            "{method} has no parameter {}; it takes: {}.",
            described_name(unknown),
            names()
        )));
    }
    if let Some(missing) = T::REQUIRED.iter().find(|r| !params.contains_key(**r)) {
        return Err(Error::InvalidParams(format!(
            "{method} needs the parameter '{missing}'."
        )));
    }
    serde_path_to_error::deserialize(Value::Object(params)).map_err(|e| {
        let field = e.path().to_string();
        match T::FIELDS.iter().find(|(n, _)| *n == field) {
            Some((name, what)) => Error::InvalidParams(format!(
                "Invalid parameter '{name}' for {method}: it must be {what}."
            )),
            None => Error::InvalidParams(format!("Invalid parameters for {method}.")),
        }
    })
}

/// A method or parameter name as the host may repeat it: only when it is a short name of
/// letters, digits and `._-`, else `None`.
pub fn shown_name(name: &str) -> Option<&str> {
    let ok = (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    ok.then_some(name)
}

/// `'name'`, or how long the unnamed thing was.
pub fn described_name(name: &str) -> String {
    match shown_name(name) {
        Some(n) => format!("'{n}'"),
        None => format!(
            "named with {} characters (not repeated)",
            name.chars().count()
        ),
    }
}

fn no_params(method: &str, params: &Map<String, Value>) -> Result<()> {
    if params.is_empty() {
        Ok(())
    } else {
        Err(Error::InvalidParams(format!(
            "{method} takes no parameters."
        )))
    }
}
