//! rolecall: the native-messaging host and CLI that turn a click on a role into an AWS
//! console sign-in URL. The binary and the tests share this library.

pub mod app;
pub mod browser_launch;
pub mod cli;
pub mod config;
pub mod credentials;
pub mod doctor;
pub mod error;
pub mod federation;
pub mod framing;
pub mod handoff;
pub mod host;
pub mod https;
pub mod import;
pub mod install;
pub mod live;
pub mod logger;
pub mod methods;
pub mod partition;
pub mod prepared;
pub mod profiles;
#[cfg(not(any(target_os = "macos", target_os = "windows")))]
pub mod roots;
pub mod rpc;
pub mod secrets;
pub mod state;
pub mod sts;

/// The Firefox add-on id; the only extension Firefox manifests allow.
pub const FIREFOX_ADDON_ID: &str = "rolecall@rolecall.dev";
/// The Chromium extension id, fixed by the `key` in the extension's Chromium manifest.
pub const CHROMIUM_EXTENSION_ID: &str = "oljmfdijhnpmpkckkddnkphelbdifbmp";
/// The native-messaging host name.
pub const HOST_NAME: &str = "dev.rolecall.host";
