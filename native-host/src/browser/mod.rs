//! The browsers' side of rolecall: native-messaging manifests (install), and isolated windows
//! for the Chromium family: which browser to launch, the per-role data directories
//! (profiles), and the private file that hands a sign-in URL over (handoff).

pub mod handoff;
pub mod install;
pub mod launch;
pub mod profiles;
