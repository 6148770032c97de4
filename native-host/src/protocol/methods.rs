//! Protocol methods: parameters in, result or error out. Names and shapes are documented
//! in docs/PROTOCOL.md.

use crate::app::{App, ForgetRequest, OpenIn, OpenRequest, PrepareRequest, SsoRequest};
use crate::error::{Error, Result};
use serde_json::{json, Map, Value};
use std::sync::Arc;

/// Grows when the protocol gains something an extension may want to gate on.
/// 2: `console.open` takes `open_in`; `roles.list` says `window_open`.
/// 3: `console.prepare`; `roles.list` says `mfa_mode` and `session`; `host.info` says
///    `settings` and `session_cookie_domains`; `console.open` says `prepared`.
/// 4: IAM Identity Center: `sso.login`, `sso.wait`, `session.forget {"sso"}`; `roles.list`
///    says `source`, `source_name`, `sso`, `needs_login`; kinds `sso_login_required`, …
pub const PROTOCOL_VERSION: u32 = 4;

pub const METHODS: [&str; 7] = [
    "host.info",
    "roles.list",
    "console.open",
    "console.prepare",
    "session.forget",
    "sso.login",
    "sso.wait",
];

/// `Err(None)`: no such method. `Err(Some(e))`: the method failed.
pub async fn call(
    app: &Arc<App>,
    method: &str,
    params: Map<String, Value>,
) -> std::result::Result<Value, Option<Error>> {
    let result = match method {
        "host.info" => {
            no_params(method, &params)?;
            Ok(host_info(app))
        }
        "roles.list" => {
            let req: ListRequest = parse(method, params)?;
            // This process's latest opens are in the list too.
            app.flush_state().await;
            app.list_roles().and_then(|roles| page(roles, req.offset))
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
        _ => return Err(None),
    };
    result.map_err(Some)
}

/// `roles.list`'s parameters: where to go on from (the `next` of the page before).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListRequest {
    #[serde(default)]
    pub offset: usize,
}

impl Params for ListRequest {
    const FIELDS: &'static [(&'static str, &'static str)] = &[(
        "offset",
        "the `next` of the previous roles.list reply (a whole number)",
    )];
    const REQUIRED: &'static [&'static str] = &[];
}

/// The roles of one `roles.list` reply take at most this many bytes, well under the 1 MiB
/// a browser accepts in a frame (a shared catalogue can hold thousands of roles).
pub const ROLES_PAGE_BYTES: usize = 768 * 1024;

/// The roles from `offset` that fit in [`ROLES_PAGE_BYTES`] (at least one), `next`: where
/// the following page starts (null on the last), and `total`.
fn page(roles: Vec<crate::app::RoleView>, offset: usize) -> Result<Value> {
    /// Counts what would be written, so a role is sized without building it twice.
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0 += b.len();
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let total = roles.len();
    let mut size = 0;
    let mut end = total;
    for (i, r) in roles.iter().enumerate().skip(offset) {
        let mut n = Count(1);
        serde_json::to_writer(&mut n, r).map_err(|e| Error::Internal(e.to_string()))?;
        if i > offset && size + n.0 > ROLES_PAGE_BYTES {
            end = i;
            break;
        }
        size += n.0;
    }
    let start = offset.min(total);
    let next = (end < total).then_some(end);
    Ok(json!({ "roles": &roles[start..end.max(start)], "next": next, "total": total }))
}

/// Cheap: reads the config for its settings (defaults when it cannot be read; the methods
/// that need the config say what is wrong with it), no keyring, no network.
pub fn host_info(app: &App) -> Value {
    let settings = app.load_config().map(|c| c.settings).unwrap_or_default();
    json!({
        "name": "rolecall",
        "version": env!("CARGO_PKG_VERSION"),
        "protocol": PROTOCOL_VERSION,
        "config_path": app.config_path().display().to_string(),
        "platform": std::env::consts::OS,
        "settings": {
            "renew_before_minutes": settings.renew_before_minutes(),
            "auto_renew": settings.auto_renew(),
        },
        "session_cookie_domains": app.session_cookie_domains(),
    })
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
