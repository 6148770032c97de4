//! The JSON-RPC request parser, fed an arbitrary frame body.
//!
//! Invariants: a body is accepted only if it is a JSON object with "jsonrpc": "2.0" and a
//! string method, and the request carries exactly its id, method and params; anything else
//! is one of the three envelope errors, with the kind that matches its code, the right
//! class of problem (a parse error only for bodies that really are not UTF-8 JSON), an id
//! that JSON-RPC allows, and a reply that serialises and reads back with that id and code.
//! Parameters that `console.open` accepts carry exactly the strings that were sent; those it
//! refuses are named without repeating a control character.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rolecall::app::OpenRequest;
use rolecall::protocol::methods;
use rolecall::protocol::rpc::{parse_request, success_reply};
use serde_json::{json, Value};

/// Characters a message must not carry back: controls (terminal escapes, bells) and the
/// bidirectional overrides that reorder what a log or popup shows.
fn unsafe_to_show(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Serialise a reply as the host would, read it back, check the envelope.
fn reply_round_trip(reply: &Value, id: &Value) -> Value {
    let bytes = serde_json::to_vec(reply).expect("replies serialise");
    let back: Value = serde_json::from_slice(&bytes).expect("replies are JSON");
    assert_eq!(back["jsonrpc"], "2.0");
    assert_eq!(&back["id"], id, "the reply lost the request id");
    back
}

fuzz_target!(|body: &[u8]| {
    // An independent reading of the body, to judge the parser by.
    let json: Option<Value> = std::str::from_utf8(body)
        .ok()
        .and_then(|t| serde_json::from_str(t).ok());
    match parse_request(body) {
        Ok(req) => {
            let Some(Value::Object(obj)) = &json else {
                panic!("accepted a body that is not a JSON object");
            };
            assert_eq!(obj.get("jsonrpc"), Some(&json!("2.0")));
            assert_eq!(obj.get("method"), Some(&Value::String(req.method.clone())));
            assert_eq!(obj.get("id"), req.id.as_ref(), "id changed or invented");
            match obj.get("params") {
                None | Some(Value::Null) => assert!(req.params.is_empty()),
                Some(Value::Object(p)) => assert_eq!(p, &req.params),
                Some(other) => panic!("accepted positional params {other}"),
            }
            // console.open's parameters, read as methods.rs reads them: whatever is
            // accepted holds exactly the strings that were sent, and a refusal names the
            // problem in the host's words, never repeating a control character.
            let parsed = methods::parse::<OpenRequest>("console.open", req.params.clone());
            if let Err(e) = &parsed {
                assert_eq!(e.kind(), "invalid_params");
                let m = e.to_string();
                assert!(!m.chars().any(unsafe_to_show), "echoed: {m:?}");
            }
            if let Ok(open) = parsed {
                let field = |k: &str| req.params.get(k).filter(|v| !v.is_null());
                assert_eq!(
                    field("role").and_then(Value::as_str),
                    Some(open.role.as_str())
                );
                assert_eq!(
                    field("region").and_then(Value::as_str),
                    open.region.as_deref()
                );
                assert_eq!(
                    field("destination").and_then(Value::as_str),
                    open.destination.as_deref()
                );
                assert_eq!(
                    field("mfa_code").and_then(Value::as_str),
                    open.mfa_code.as_deref()
                );
            }
            if let Some(id) = &req.id {
                assert!(matches!(
                    id,
                    Value::Number(_) | Value::String(_) | Value::Null
                ));
                reply_round_trip(&success_reply(id.clone(), json!({"ok": true})), id);
            }
        }
        Err(e) => {
            let expected_kind = match e.code {
                -32700 => {
                    assert!(json.is_none(), "parse error for valid JSON");
                    "parse_error"
                }
                -32600 => {
                    assert!(
                        json.is_some(),
                        "invalid_request for a body that is not JSON"
                    );
                    "invalid_request"
                }
                -32602 => {
                    let params = json.as_ref().and_then(|j| j.get("params"));
                    assert!(
                        matches!(params, Some(p) if !p.is_object() && !p.is_null()),
                        "invalid_params without positional params"
                    );
                    "invalid_params"
                }
                other => panic!("envelope error with code {other}"),
            };
            assert_eq!(e.kind, expected_kind);
            assert!(matches!(
                e.id,
                Value::Number(_) | Value::String(_) | Value::Null
            ));
            assert!(!e.message.is_empty());
            let back = reply_round_trip(&e.to_reply(), &e.id);
            assert_eq!(back["error"]["code"], e.code);
            assert_eq!(back["error"]["data"]["kind"], expected_kind);
            assert_eq!(back["error"]["message"], e.message.as_str());
        }
    }
});
