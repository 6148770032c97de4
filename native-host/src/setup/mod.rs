//! Setting rolecall up: importing other tools' configuration, and `doctor`'s checks.

pub mod doctor;
pub mod import;
pub mod sso_sync;
