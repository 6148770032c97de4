//! Protocol methods: parameters in, result or error out. Names and shapes are documented
//! in docs/PROTOCOL.md.

use crate::app::{App, ForgetRequest, OpenIn, OpenRequest};
use crate::error::{Error, Result};
use serde_json::{json, Map, Value};
use std::sync::Arc;

/// Grows when the protocol gains something an extension may want to gate on.
/// 2: `console.open` takes `open_in`; `roles.list` says `window_open`.
pub const PROTOCOL_VERSION: u32 = 2;

pub const METHODS: [&str; 4] = ["host.info", "roles.list", "console.open", "session.forget"];

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
            no_params(method, &params)?;
            app.list_roles().map(|roles| json!({ "roles": roles }))
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
        _ => return Err(None),
    };
    result.map_err(Some)
}

pub fn host_info(app: &App) -> Value {
    json!({
        "name": "rolecall",
        "version": env!("CARGO_PKG_VERSION"),
        "protocol": PROTOCOL_VERSION,
        "config_path": app.config_path().display().to_string(),
        "platform": std::env::consts::OS,
    })
}

fn parse<T: serde::de::DeserializeOwned>(method: &str, params: Map<String, Value>) -> Result<T> {
    serde_json::from_value(Value::Object(params))
        .map_err(|e| Error::InvalidParams(format!("Invalid parameters for {method}: {e}.")))
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
