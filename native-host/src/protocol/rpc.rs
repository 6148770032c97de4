//! JSON-RPC 2.0 envelopes: turning a frame body into a request, and replies into bytes.

use crate::error::{code, Error};
use serde_json::{json, Map, Value};

/// A well-formed request. `id` is `None` for a notification (no reply is sent).
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub id: Option<Value>,
    pub method: String,
    pub params: Map<String, Value>,
}

/// An error reply that does not come from a method (envelope or framing problems).
#[derive(Debug, Clone, PartialEq)]
pub struct EnvelopeError {
    pub id: Value,
    pub code: i64,
    pub kind: &'static str,
    pub message: String,
}

impl EnvelopeError {
    fn new(id: Value, code: i64, kind: &'static str, message: impl Into<String>) -> Self {
        EnvelopeError {
            id,
            code,
            kind,
            message: message.into(),
        }
    }

    pub fn to_reply(&self) -> Value {
        error_reply(
            self.id.clone(),
            self.code,
            &self.message,
            json!({"kind": self.kind}),
        )
    }
}

/// Parses a frame body into a request, or says exactly what is wrong with it.
pub fn parse_request(body: &[u8]) -> Result<Request, EnvelopeError> {
    let text = std::str::from_utf8(body).map_err(|e| {
        EnvelopeError::new(
            Value::Null,
            code::PARSE_ERROR,
            "parse_error",
            format!("The message is not valid UTF-8 (byte {}).", e.valid_up_to()),
        )
    })?;
    let value: Value = serde_json::from_str(text).map_err(|e| {
        EnvelopeError::new(
            Value::Null,
            code::PARSE_ERROR,
            "parse_error",
            format!("The message is not valid JSON: {e}."),
        )
    })?;
    let Value::Object(mut obj) = value else {
        let what = if value.is_array() {
            "Batch requests are not supported; send one request per message."
        } else {
            "A request must be a JSON object."
        };
        return Err(EnvelopeError::new(
            Value::Null,
            code::INVALID_REQUEST,
            "invalid_request",
            what,
        ));
    };
    // Echo a usable id back even when the rest is wrong, so the client can match the error.
    let id = match obj.remove("id") {
        None => None,
        Some(id @ (Value::Number(_) | Value::String(_) | Value::Null)) => Some(id),
        Some(_) => {
            return Err(EnvelopeError::new(
                Value::Null,
                code::INVALID_REQUEST,
                "invalid_request",
                "The request id must be a number or a string.",
            ))
        }
    };
    let reply_id = id.clone().unwrap_or(Value::Null);
    if obj.get("jsonrpc") != Some(&Value::String("2.0".into())) {
        return Err(EnvelopeError::new(
            reply_id,
            code::INVALID_REQUEST,
            "invalid_request",
            r#"The request must have "jsonrpc": "2.0"."#,
        ));
    }
    let method = match obj.remove("method") {
        Some(Value::String(m)) => m,
        _ => {
            return Err(EnvelopeError::new(
                reply_id,
                code::INVALID_REQUEST,
                "invalid_request",
                "The request must name its method as a string.",
            ))
        }
    };
    let params = match obj.remove("params") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(p)) => p,
        Some(_) => {
            return Err(EnvelopeError::new(
                reply_id,
                code::INVALID_PARAMS,
                "invalid_params",
                "Parameters must be given by name, as a JSON object.",
            ))
        }
    };
    Ok(Request { id, method, params })
}

pub fn success_reply(id: Value, result: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "result": result})
}

pub fn error_reply(id: Value, code: i64, message: &str, data: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message, "data": data}})
}

pub fn method_error_reply(id: Value, err: &Error) -> Value {
    error_reply(id, err.code(), &err.to_string(), err.data())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(body: &[u8]) -> EnvelopeError {
        parse_request(body).unwrap_err()
    }

    #[test]
    fn a_good_request_parses() {
        let r = parse_request(br#"{"jsonrpc":"2.0","id":7,"method":"roles.list"}"#).unwrap();
        assert_eq!(r.id, Some(json!(7)));
        assert_eq!(r.method, "roles.list");
        assert!(r.params.is_empty());
        let r = parse_request(br#"{"jsonrpc":"2.0","id":"a","method":"x","params":{"role":"p"}}"#)
            .unwrap();
        assert_eq!(r.params["role"], "p");
    }

    #[test]
    fn notification_has_no_id() {
        let r = parse_request(br#"{"jsonrpc":"2.0","method":"host.info"}"#).unwrap();
        assert_eq!(r.id, None);
    }

    #[test]
    fn invalid_utf8_and_json_are_parse_errors() {
        let e = err(&[0x7b, 0xff]);
        assert_eq!(
            (e.code, e.kind, e.id.clone()),
            (-32700, "parse_error", Value::Null)
        );
        assert!(e.message.contains("UTF-8"));
        let e = err(b"{\"jsonrpc\":");
        assert_eq!((e.code, e.kind), (-32700, "parse_error"));
    }

    #[test]
    fn envelope_problems_are_invalid_requests_that_keep_the_id() {
        let e = err(br#"{"id":3,"method":"host.info"}"#);
        assert_eq!(
            (e.code, e.kind, e.id.clone()),
            (-32600, "invalid_request", json!(3))
        );
        let e = err(br#"{"jsonrpc":"2.0","id":4,"method":5}"#);
        assert_eq!((e.code, e.id.clone()), (-32600, json!(4)));
        let e = err(br#"[{"jsonrpc":"2.0","id":1,"method":"host.info"}]"#);
        assert!(e.message.contains("Batch"));
        let e = err(br#"{"jsonrpc":"2.0","id":{"x":1},"method":"a"}"#);
        assert_eq!((e.code, e.id.clone()), (-32600, Value::Null));
        let e = err(b"42");
        assert_eq!(e.code, -32600);
    }

    #[test]
    fn positional_params_are_invalid_params() {
        let e = err(br#"{"jsonrpc":"2.0","id":1,"method":"console.open","params":["a"]}"#);
        assert_eq!(
            (e.code, e.kind, e.id.clone()),
            (-32602, "invalid_params", json!(1))
        );
    }

    #[test]
    fn error_reply_shape() {
        let e = Error::UnknownRole("nope".into());
        let r = method_error_reply(json!(9), &e);
        assert_eq!(r["jsonrpc"], "2.0");
        assert_eq!(r["id"], 9);
        assert_eq!(r["error"]["code"], 1001);
        assert_eq!(r["error"]["data"]["kind"], "unknown_role");
        assert_eq!(r["error"]["data"]["role"], "nope");
        assert!(r["error"]["message"].as_str().unwrap().contains("nope"));
    }

    #[test]
    fn a_fractional_id_comes_back_as_the_same_number() {
        // Found by the rpc_request fuzz target: serde_json's default float parsing can be
        // one unit off, so the id read back from the reply differed from the one sent.
        let r =
            parse_request(br#"{"jsonrpc":"2.0","id":8888888888888888.884,"method":"x"}"#).unwrap();
        let id = r.id.unwrap();
        let reply = serde_json::to_string(&success_reply(id.clone(), Value::Null)).unwrap();
        let back: Value = serde_json::from_str(&reply).unwrap();
        assert_eq!(back["id"], id);
        assert_eq!(id.as_f64(), "8888888888888888.884".parse().ok());
    }
}
