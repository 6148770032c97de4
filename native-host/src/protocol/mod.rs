//! The native-messaging protocol (docs/PROTOCOL.md): frames, JSON-RPC envelopes, the method
//! table, and the serving loop.

pub mod framing;
pub mod methods;
pub mod rpc;
pub mod serve;
