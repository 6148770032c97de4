//! Setting rolecall up: importing other tools' configuration, shared catalogues, and
//! `doctor`'s checks.

pub mod catalogs;
pub mod discover;
pub mod doctor;
pub mod endpoints;
pub mod import;
pub mod lookalike;
pub mod production;
pub mod sso_sync;
