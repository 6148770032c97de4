//! From temporary credentials to a console sign-in URL: partitions and their endpoints, the
//! environment's endpoint overrides and what they may be, the trusted roots and the one
//! HTTPS client, and the federation endpoint (sign-in tokens, login URLs, destination
//! checks). Knows nothing of where credentials come from.

pub mod endpoints;
pub mod federation;
pub mod https;
pub mod partition;
#[cfg(not(any(target_os = "macos", target_os = "windows")))]
pub mod roots;
