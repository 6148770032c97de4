//! Host mode: serve JSON-RPC requests from native-messaging frames on stdin, replies on
//! stdout. Requests run concurrently; one writer task owns stdout, so frames never interleave.

use crate::app::App;
use crate::error::code;
use crate::protocol::framing::{self, FrameError, MAX_FRAME_LEN};
use crate::protocol::methods;
use crate::protocol::rpc::{self, EnvelopeError};
use serde_json::{json, Value};
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

/// How the serving ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Ending {
    /// The browser closed stdin between frames.
    Eof,
    /// The stream broke (truncated frame, oversized frame, i/o error); logged.
    Broken,
}

/// Serves until EOF or a broken stream. Every request that was read gets its reply before
/// this returns.
pub async fn serve<R, W>(app: Arc<App>, mut input: R, output: W) -> Ending
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let (tx, rx) = mpsc::unbounded_channel::<Outgoing>();
    let writer = tokio::spawn(write_replies(output, rx));
    let mut running = JoinSet::new();

    let ending = loop {
        let body = match framing::read_frame(&mut input).await {
            Ok(Some(body)) => body,
            Ok(None) => break Ending::Eof,
            Err(FrameError::TooLarge(len)) => {
                log::error!("refusing a {len}-byte frame (limit {MAX_FRAME_LEN}); closing");
                let _ = tx.send(Outgoing::value(rpc::error_reply(
                    Value::Null,
                    code::PARSE_ERROR,
                    &format!("The message is {len} bytes; the limit is {MAX_FRAME_LEN}."),
                    json!({"kind": "frame_too_large", "limit": MAX_FRAME_LEN}),
                )));
                break Ending::Broken;
            }
            Err(e) => {
                log::error!("{e}; closing");
                break Ending::Broken;
            }
        };
        let request = match rpc::parse_request(&body) {
            Ok(r) => r,
            Err(e) => {
                log::warn!("bad request: {}", e.message);
                let _ = tx.send(Outgoing::value(e.to_reply()));
                continue;
            }
        };
        // A notification (no id): JSON-RPC lets the host skip it, and PROTOCOL.md promises
        // it runs nothing. Every method here has an effect or a cost (an AssumeRole, a
        // browser launch) that nobody would hear about.
        let Some(id) = request.id else {
            log::debug!("ignored a notification (a request without id)");
            continue;
        };
        let app = app.clone();
        let tx = tx.clone();
        running.spawn(async move {
            let method = request.method;
            log::debug!("request {}", methods::described_name(&method));
            let outcome = methods::call(&app, &method, request.params).await;
            let reply = match outcome {
                Ok(result) => Outgoing::success(id, result),
                Err(Some(err)) => {
                    log::info!("{method} failed: {} ({})", err.kind(), err);
                    Outgoing::value(rpc::method_error_reply(id, &err))
                }
                Err(None) => EnvelopeError {
                    id,
                    code: code::METHOD_NOT_FOUND,
                    kind: "unknown_method",
                    message: format!(
                        "Unknown method {}. This host ({}) knows: {}.",
                        methods::described_name(&method),
                        env!("CARGO_PKG_VERSION"),
                        methods::METHODS.join(", ")
                    ),
                }
                .to_reply_with(json!({"method": methods::shown_name(&method)}))
                .into(),
            };
            let _ = tx.send(reply);
        });
        // Reap finished tasks so a long connection does not accumulate them.
        while running.try_join_next().is_some() {}
    };
    while running.join_next().await.is_some() {}
    app.settle().await;
    drop(tx);
    let _ = writer.await;
    ending
}

/// A reply on its way to the writer: its JSON text, and its id for the error that replaces
/// it when it is too large.
struct Outgoing {
    id: Value,
    json: String,
}

impl Outgoing {
    fn value(reply: Value) -> Outgoing {
        Outgoing {
            id: reply.get("id").cloned().unwrap_or(Value::Null),
            json: reply.to_string(),
        }
    }

    /// A success reply around a result that may already be JSON text (`roles.list`):
    /// written as is, not parsed and serialised again.
    fn success(id: Value, result: methods::Answer) -> Outgoing {
        let json = format!(
            "{{\"jsonrpc\":\"2.0\",\"id\":{},\"result\":{}}}",
            id,
            result.into_json()
        );
        Outgoing { id, json }
    }
}

impl From<Value> for Outgoing {
    fn from(reply: Value) -> Outgoing {
        Outgoing::value(reply)
    }
}

async fn write_replies<W: AsyncWrite + Unpin>(
    mut output: W,
    mut rx: mpsc::UnboundedReceiver<Outgoing>,
) {
    while let Some(reply) = rx.recv().await {
        let mut body = reply.json.into_bytes();
        if body.len() > MAX_FRAME_LEN {
            // Browsers drop the whole port for an oversized message: send an error instead.
            body = rpc::error_reply(
                reply.id,
                code::RESPONSE_TOO_LARGE,
                "The reply is larger than the 1 MiB native-messaging limit.",
                json!({"kind": "response_too_large"}),
            )
            .to_string()
            .into_bytes();
        }
        if let Err(e) = framing::write_frame(&mut output, &body).await {
            log::error!("cannot write to the browser: {e}");
            return;
        }
    }
}

impl EnvelopeError {
    fn to_reply_with(&self, extra: Value) -> Value {
        let mut data = json!({"kind": self.kind});
        if let (Value::Object(d), Value::Object(e)) = (&mut data, extra) {
            d.extend(e);
        }
        rpc::error_reply(self.id.clone(), self.code, &self.message, data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The last guard: whatever a method answers, no frame over 1 MiB leaves the host (a
    /// browser drops the whole port for one). `roles.list` itself leaves out any role too
    /// heavy for a page (app/listing.rs), so this guard is not reached through it.
    #[tokio::test]
    async fn a_reply_over_one_mebibyte_becomes_an_error_and_the_next_goes_out() {
        let (tx, rx) = mpsc::unbounded_channel();
        let huge = json!({"jsonrpc": "2.0", "id": 7, "result": "x".repeat(MAX_FRAME_LEN)});
        tx.send(Outgoing::value(huge)).unwrap();
        tx.send(Outgoing::value(
            json!({"jsonrpc": "2.0", "id": 8, "result": "ok"}),
        ))
        .unwrap();
        drop(tx);
        let mut written = Vec::new();
        write_replies(&mut written, rx).await;
        let mut input = written.as_slice();
        let first: Value =
            serde_json::from_slice(&framing::read_frame(&mut input).await.unwrap().unwrap())
                .unwrap();
        assert_eq!(first["id"], 7);
        assert_eq!(
            first["error"]["data"],
            json!({"kind": "response_too_large"})
        );
        let second: Value =
            serde_json::from_slice(&framing::read_frame(&mut input).await.unwrap().unwrap())
                .unwrap();
        assert_eq!(
            (second["id"].clone(), second["result"].clone()),
            (json!(8), json!("ok"))
        );
    }
}
