//! rolecall: the native-messaging host and CLI that turn a click on a role into an AWS
//! console sign-in URL. The binary and the tests share this library.
//!
//! Layers, lowest first; a module imports only from its own layer or below (docs/DESIGN.md):
//! - `error`: the one error type, importing nothing of ours;
//! - `credentials`, `logger`, `sync`, `words`: key types, logging, keyed locks, counted nouns;
//! - `console`: from temporary credentials to a sign-in URL (partitions, TLS, federation);
//! - `store`: config, keyring, state file, private files;
//! - `sources`: where temporary credentials come from (gateway IAM users);
//! - `browser`: manifests, isolated-window launch, per-role profiles, the URL handoff;
//! - `app`: the click path and its live state;
//! - `protocol`, `setup`: the native-messaging host; import and doctor;
//! - `cli`: the command line.

pub mod app;
pub mod browser;
pub mod cli;
pub mod console;
pub mod credentials;
pub mod error;
pub mod logger;
pub mod protocol;
pub mod setup;
pub mod sources;
pub mod store;
pub mod sync;
pub mod words;

/// The Firefox add-on id; the only extension Firefox manifests allow.
pub const FIREFOX_ADDON_ID: &str = "rolecall@rolecall.dev";
/// The Chromium extension id, fixed by the `key` in the extension's Chromium manifest.
pub const CHROMIUM_EXTENSION_ID: &str = "oljmfdijhnpmpkckkddnkphelbdifbmp";
/// The native-messaging host name.
pub const HOST_NAME: &str = "dev.rolecall.host";
