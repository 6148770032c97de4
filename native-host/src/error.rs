//! The one error type of the click path. Each variant maps to a stable `kind` (the
//! append-only table in docs/PROTOCOL.md), a JSON-RPC code, and a message a user can act on.
//! A base module: it imports nothing of ours, so every layer can raise these; the errors
//! of the browser launch and of TLS set-up live here for that reason.

use serde_json::{json, Value};
use std::fmt;

/// Which upstream service an upstream error came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Sts,
    SignIn,
    /// IAM Identity Center's OAuth endpoint (device authorization, tokens).
    SsoOidc,
    /// IAM Identity Center's access portal (accounts, roles, role credentials).
    SsoPortal,
}

impl Service {
    pub fn id(self) -> &'static str {
        match self {
            Service::Sts => "sts",
            Service::SignIn => "signin",
            Service::SsoOidc => "sso_oidc",
            Service::SsoPortal => "sso_portal",
        }
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Service::Sts => "AWS STS",
            Service::SignIn => "the AWS sign-in (federation) endpoint",
            Service::SsoOidc => "IAM Identity Center's sign-in (OIDC) endpoint",
            Service::SsoPortal => "the IAM Identity Center access portal",
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("No role '{0}' is configured. See `rolecall role list`, or add it with `rolecall role add`.")]
    UnknownRole(String),

    #[error("No gateway '{0}' is configured. Add it with `rolecall gateway add {0} --access-key-id <ID>`.")]
    UnknownGateway(String),

    #[error("Enter the MFA code for gateway '{gateway}' to open '{role}'.{}", process_failed(process_error.as_deref()))]
    MfaRequired {
        gateway: String,
        role: String,
        serial: String,
        /// Daily mode: how many hours the MFA session a code starts lasts (it covers every
        /// role of the gateway); `None` in per-role mode.
        daily_hours: Option<u32>,
        /// Why the gateway's `mfa_process` gave no code (escaped and bounded; never the
        /// code), when it was run.
        process_error: Option<String>,
    },

    #[error(
        "AWS rejected the MFA code for gateway '{gateway}'. Wait for the next code and try again."
    )]
    MfaInvalid { gateway: String, serial: String },

    #[error("AWS refused to let gateway '{gateway}' assume {role_arn}: {message} Check the role's trust policy and the gateway user's IAM policy.")]
    AccessDenied {
        gateway: String,
        role_arn: String,
        message: String,
    },

    #[error("Gateway '{0}' has no keys in the keyring. Store them with `rolecall gateway add {0} --access-key-id <ID>`.")]
    CredentialsMissing(String),

    #[error("AWS does not accept the keys of gateway '{gateway}' ({aws_code}{hint}). Store current keys with `rolecall gateway add {gateway} --access-key-id <ID>`.")]
    CredentialsInvalid {
        gateway: String,
        aws_code: String,
        hint: &'static str,
    },

    #[error("The OS keyring is not available ({0}). Unlock it or start a Secret Service (e.g. gnome-keyring); `rolecall doctor` checks it.")]
    KeyringUnavailable(String),

    #[error("Could not reach {service} ({reason}). Check your network or proxy and try again.")]
    UpstreamUnavailable { service: Service, reason: String },

    #[error("{service} answered with an error: {aws_code}: {message}")]
    UpstreamError {
        service: Service,
        aws_code: String,
        message: String,
    },

    #[error("The destination {destination} is not a console page of {expected}; rolecall only opens AWS console URLs.")]
    InvalidDestination {
        destination: String,
        expected: String,
    },

    #[error("The config file {path} is invalid: {reason}. It was left unchanged; fix it or use `rolecall role`/`rolecall gateway` commands.")]
    ConfigInvalid { path: String, reason: String },

    #[error("{0}")]
    InvalidParams(String),

    #[error("Internal error in the rolecall host: {0}. Please report it.")]
    Internal(String),

    #[error("No IAM Identity Center source '{0}' is configured. Add it with `rolecall sso add {0} --start-url URL --region REGION`.")]
    UnknownSso(String),

    #[error("Sign in to IAM Identity Center '{sso}' to open '{role}'.")]
    SsoLoginRequired { sso: String, role: String },

    #[error("The IAM Identity Center sign-in for '{0}' was not approved in time. Start it again.")]
    SsoLoginExpired(String),

    #[error("The IAM Identity Center sign-in for '{0}' was denied.")]
    SsoLoginDenied(String),

    #[error(
        "The role list changed since that page was sent; list the roles again from the start."
    )]
    StaleCursor,

    /// A forget dropped the keyring entries but could not write its marker into the state
    /// file, so running hosts would not hear of it.
    #[error("The cached sessions were dropped from the keyring, but the state file {path} could not be written ({reason}), so a running browser host may still hold them in memory. Fix that file or its folder (free space, permissions, or whatever stands in its place) and run `rolecall session forget` again, or restart the browser.")]
    StateUnwritable { path: String, reason: String },

    #[error("{0}. Install your system's CA certificates (Debian: ca-certificates) or point SSL_CERT_FILE at a PEM bundle; `rolecall doctor` checks it.")]
    TlsSetup(#[from] TlsSetupError),

    /// An endpoint override (`AWS_ENDPOINT_URL_STS`, `ROLECALL_SIGNIN_URL`, …) that would send
    /// secrets somewhere rolecall does not send them. The reason never repeats the value.
    #[error("The endpoint override {variable} is refused: {reason}. Fix or unset {variable}; `rolecall doctor` lists the overrides in force.")]
    EndpointRefused { variable: String, reason: String },

    /// StartDeviceAuthorization named a verification page (or user code) that is not AWS's.
    #[error("IAM Identity Center's answer to the sign-in for '{sso}' is refused: {reason}. Nothing was opened or shown; check the endpoint overrides and your network (`rolecall doctor`), then try again.")]
    VerificationRefused { sso: String, reason: String },

    /// An isolated window could not be opened (`browser_not_found`, `browser_launch_failed`).
    #[error(transparent)]
    Browser(#[from] LaunchError),

    /// An edit of the config (`role.update`, `gateway.update`, `settings.update`) refused
    /// for one field: the field's name (when it is one the host may repeat), the link at
    /// fault when it is one of `links`, and why, never the value given.
    #[error("{message}")]
    InvalidValue {
        field: Option<String>,
        index: Option<usize>,
        message: String,
    },

    /// Another rolecall process held the config's update lock for longer than a change waits.
    #[error("Another rolecall command has been changing the config {path} for over {seconds} s (lock {lock}); let it finish and try again. Nothing was changed.")]
    ConfigBusy {
        path: String,
        lock: String,
        seconds: u64,
    },

    /// An edit of a role that comes from a shared catalogue: read-only on this machine.
    #[error("Role '{role}' comes from catalogue '{catalog}' and is read-only here: change it in the catalogue, or hide it with a role of your own of the same id (`rolecall role add {role} …`).")]
    ReadOnlyRole { role: String, catalog: String },
}

/// JSON-RPC codes of our own kinds (outside the reserved -32768..-32000 range).
pub mod code {
    pub const PARSE_ERROR: i64 = -32700;
    pub const INVALID_REQUEST: i64 = -32600;
    pub const METHOD_NOT_FOUND: i64 = -32601;
    pub const INVALID_PARAMS: i64 = -32602;
    pub const UNKNOWN_ROLE: i64 = 1001;
    pub const MFA_REQUIRED: i64 = 1002;
    pub const MFA_INVALID: i64 = 1003;
    pub const ACCESS_DENIED: i64 = 1004;
    pub const CREDENTIALS_MISSING: i64 = 1005;
    pub const KEYRING_UNAVAILABLE: i64 = 1006;
    pub const UPSTREAM_UNAVAILABLE: i64 = 1007;
    pub const UPSTREAM_ERROR: i64 = 1008;
    pub const INVALID_DESTINATION: i64 = 1009;
    pub const CONFIG_INVALID: i64 = 1010;
    pub const CREDENTIALS_INVALID: i64 = 1011;
    pub const UNKNOWN_GATEWAY: i64 = 1012;
    pub const RESPONSE_TOO_LARGE: i64 = 1013;
    pub const INTERNAL: i64 = 1014;
    pub const BROWSER_NOT_FOUND: i64 = 1015;
    pub const BROWSER_LAUNCH_FAILED: i64 = 1016;
    pub const TLS_SETUP_FAILED: i64 = 1017;
    pub const UNKNOWN_SSO: i64 = 1018;
    pub const SSO_LOGIN_REQUIRED: i64 = 1019;
    pub const SSO_LOGIN_EXPIRED: i64 = 1020;
    pub const SSO_LOGIN_DENIED: i64 = 1021;
    pub const STALE_CURSOR: i64 = 1022;
    pub const STATE_UNWRITABLE: i64 = 1023;
    pub const ENDPOINT_REFUSED: i64 = 1024;
    pub const VERIFICATION_REFUSED: i64 = 1025;
    pub const INVALID_VALUE: i64 = 1026;
    pub const READ_ONLY_ROLE: i64 = 1027;
    pub const CONFIG_BUSY: i64 = 1028;
}

impl Error {
    /// The stable machine name (docs/PROTOCOL.md, append-only).
    pub fn kind(&self) -> &'static str {
        match self {
            Error::UnknownRole(_) => "unknown_role",
            Error::UnknownGateway(_) => "unknown_gateway",
            Error::MfaRequired { .. } => "mfa_required",
            Error::MfaInvalid { .. } => "mfa_invalid",
            Error::AccessDenied { .. } => "access_denied",
            Error::CredentialsMissing(_) => "credentials_missing",
            Error::CredentialsInvalid { .. } => "credentials_invalid",
            Error::KeyringUnavailable(_) => "keyring_unavailable",
            Error::UpstreamUnavailable { .. } => "upstream_unavailable",
            Error::UpstreamError { .. } => "upstream_error",
            Error::InvalidDestination { .. } => "invalid_destination",
            Error::ConfigInvalid { .. } => "config_invalid",
            Error::InvalidParams(_) => "invalid_params",
            Error::Internal(_) => "internal",
            Error::TlsSetup(_) => "tls_setup_failed",
            Error::UnknownSso(_) => "unknown_sso",
            Error::SsoLoginRequired { .. } => "sso_login_required",
            Error::SsoLoginExpired(_) => "sso_login_expired",
            Error::SsoLoginDenied(_) => "sso_login_denied",
            Error::StaleCursor => "stale_cursor",
            Error::StateUnwritable { .. } => "state_unwritable",
            Error::EndpointRefused { .. } => "endpoint_refused",
            Error::VerificationRefused { .. } => "verification_refused",
            Error::InvalidValue { .. } => "invalid_value",
            Error::ReadOnlyRole { .. } => "read_only_role",
            Error::ConfigBusy { .. } => "config_busy",
            Error::Browser(e) => e.kind(),
        }
    }

    pub fn code(&self) -> i64 {
        match self {
            Error::UnknownRole(_) => code::UNKNOWN_ROLE,
            Error::UnknownGateway(_) => code::UNKNOWN_GATEWAY,
            Error::MfaRequired { .. } => code::MFA_REQUIRED,
            Error::MfaInvalid { .. } => code::MFA_INVALID,
            Error::AccessDenied { .. } => code::ACCESS_DENIED,
            Error::CredentialsMissing(_) => code::CREDENTIALS_MISSING,
            Error::CredentialsInvalid { .. } => code::CREDENTIALS_INVALID,
            Error::KeyringUnavailable(_) => code::KEYRING_UNAVAILABLE,
            Error::UpstreamUnavailable { .. } => code::UPSTREAM_UNAVAILABLE,
            Error::UpstreamError { .. } => code::UPSTREAM_ERROR,
            Error::InvalidDestination { .. } => code::INVALID_DESTINATION,
            Error::ConfigInvalid { .. } => code::CONFIG_INVALID,
            Error::InvalidParams(_) => code::INVALID_PARAMS,
            Error::Internal(_) => code::INTERNAL,
            Error::TlsSetup(_) => code::TLS_SETUP_FAILED,
            Error::UnknownSso(_) => code::UNKNOWN_SSO,
            Error::SsoLoginRequired { .. } => code::SSO_LOGIN_REQUIRED,
            Error::SsoLoginExpired(_) => code::SSO_LOGIN_EXPIRED,
            Error::SsoLoginDenied(_) => code::SSO_LOGIN_DENIED,
            Error::StaleCursor => code::STALE_CURSOR,
            Error::StateUnwritable { .. } => code::STATE_UNWRITABLE,
            Error::EndpointRefused { .. } => code::ENDPOINT_REFUSED,
            Error::VerificationRefused { .. } => code::VERIFICATION_REFUSED,
            Error::InvalidValue { .. } => code::INVALID_VALUE,
            Error::ReadOnlyRole { .. } => code::READ_ONLY_ROLE,
            Error::ConfigBusy { .. } => code::CONFIG_BUSY,
            Error::Browser(e) => match e.kind() {
                "browser_not_found" => code::BROWSER_NOT_FOUND,
                _ => code::BROWSER_LAUNCH_FAILED,
            },
        }
    }

    /// `error.data`: the kind plus the fields a client may use to act (never a secret).
    pub fn data(&self) -> Value {
        let mut data = json!({ "kind": self.kind() });
        let extra = match self {
            Error::UnknownRole(role) => json!({ "role": role }),
            Error::UnknownGateway(gateway) | Error::CredentialsMissing(gateway) => {
                json!({ "gateway": gateway })
            }
            Error::MfaRequired {
                gateway,
                serial,
                daily_hours,
                process_error,
                ..
            } => {
                let mut d = json!({
                    "gateway": gateway,
                    "mfa_serial": serial,
                    "mfa_mode": if daily_hours.is_some() { "daily" } else { "per_role" },
                });
                if let Some(h) = daily_hours {
                    d["mfa_session_hours"] = json!(h);
                }
                if let Some(e) = process_error {
                    d["mfa_process_error"] = json!(e);
                }
                d
            }
            Error::MfaInvalid { gateway, serial } => {
                json!({ "gateway": gateway, "mfa_serial": serial })
            }
            Error::AccessDenied { role_arn, .. } => json!({ "role_arn": role_arn }),
            Error::CredentialsInvalid {
                gateway, aws_code, ..
            } => json!({ "gateway": gateway, "aws_code": aws_code }),
            Error::UpstreamUnavailable { service, .. } => json!({ "service": service.id() }),
            Error::UpstreamError {
                service, aws_code, ..
            } => json!({ "service": service.id(), "aws_code": aws_code }),
            Error::InvalidDestination { destination, .. } => {
                json!({ "destination": destination })
            }
            Error::ConfigInvalid { path, .. }
            | Error::StateUnwritable { path, .. }
            | Error::ConfigBusy { path, .. } => {
                json!({ "path": path })
            }
            Error::UnknownSso(sso)
            | Error::SsoLoginRequired { sso, .. }
            | Error::SsoLoginExpired(sso)
            | Error::SsoLoginDenied(sso)
            | Error::VerificationRefused { sso, .. } => json!({ "sso": sso }),
            Error::EndpointRefused { variable, .. } => json!({ "variable": variable }),
            Error::InvalidValue { field, index, .. } => match index {
                Some(i) => json!({ "field": field, "index": i }),
                None => json!({ "field": field }),
            },
            Error::ReadOnlyRole { role, catalog } => {
                json!({ "field": "role", "role": role, "catalog": catalog })
            }
            _ => Value::Null,
        };
        if let (Value::Object(d), Value::Object(e)) = (&mut data, extra) {
            d.extend(e);
        }
        data
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// `mfa_required`'s second sentence, when the gateway's MFA command ran and gave no code.
fn process_failed(why: Option<&str>) -> String {
    match why {
        None => String::new(),
        Some(w) if w.ends_with(['.', '!', '?']) => format!(" Its MFA command gave none: {w}"),
        Some(w) => format!(" Its MFA command gave none: {w}."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mfa_required_says_the_mode_and_why_the_command_gave_no_code() {
        let e = Error::MfaRequired {
            gateway: "corp".into(),
            role: "prod".into(),
            serial: "arn:aws:iam::123456789012:mfa/ana".into(),
            daily_hours: Some(10),
            process_error: Some("it exited with status 1: No YubiKey detected!".into()),
        };
        assert_eq!(
            e.to_string(),
            "Enter the MFA code for gateway 'corp' to open 'prod'. Its MFA command gave none: it exited with status 1: No YubiKey detected!"
        );
        assert_eq!(
            e.data(),
            json!({"kind": "mfa_required", "gateway": "corp", "mfa_serial": "arn:aws:iam::123456789012:mfa/ana", "mfa_mode": "daily", "mfa_session_hours": 10, "mfa_process_error": "it exited with status 1: No YubiKey detected!"})
        );
        let e = Error::MfaRequired {
            gateway: "corp".into(),
            role: "prod".into(),
            serial: String::new(),
            daily_hours: None,
            process_error: None,
        };
        assert_eq!(
            e.to_string(),
            "Enter the MFA code for gateway 'corp' to open 'prod'."
        );
        assert_eq!(
            e.data(),
            json!({"kind": "mfa_required", "gateway": "corp", "mfa_serial": "", "mfa_mode": "per_role"})
        );
    }
}

/// Why no HTTPS client could be built: the trusted roots cannot be read.
#[derive(Debug, Clone, thiserror::Error)]
#[error("cannot set up TLS: {0}")]
pub struct TlsSetupError(pub String);

/// Why a browser could not be launched. Each message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    #[error("No Chromium-based browser was found (tried {tried}). Install Chrome, Chromium, Edge or Brave, or name its executable in ROLECALL_BROWSER_EXE or `browser_exe` under [settings] in the rolecall config.")]
    NotFound { tried: String },

    #[error("The browser {exe} named by {source_name} does not exist or is not a file. Fix {source_name}, or unset it to let rolecall find the browser.")]
    BadOverride { exe: String, source_name: String },

    #[error("Could not start the browser {exe} ({reason}). Check that it runs from a terminal, or name another one in ROLECALL_BROWSER_EXE.")]
    SpawnFailed { exe: String, reason: String },

    #[error("Could not open the console with {opener} ({reason}). Run `rolecall login` without --open and paste the URL it prints into your browser.")]
    OpenerFailed { opener: String, reason: String },

    #[error("Role id '{role}' cannot name a browser data directory. Give the role another id (`rolecall role remove {role}`, then `rolecall role add` with letters or digits in the id).")]
    RoleId { role: String },

    #[error("Could not prepare {path} for the role's browser window ({reason}). Check that the folder is writable by you, or remove it with `rolecall profiles prune`.")]
    Files { path: String, reason: String },
}

impl LaunchError {
    pub fn kind(&self) -> &'static str {
        match self {
            LaunchError::NotFound { .. } | LaunchError::BadOverride { .. } => "browser_not_found",
            LaunchError::SpawnFailed { .. }
            | LaunchError::OpenerFailed { .. }
            | LaunchError::Files { .. }
            | LaunchError::RoleId { .. } => "browser_launch_failed",
        }
    }

    pub fn files(path: &std::path::Path, e: impl std::fmt::Display) -> LaunchError {
        LaunchError::Files {
            path: path.display().to_string(),
            reason: e.to_string(),
        }
    }
}

/// An error and its sources on one line ("connection failed: tls: invalid peer certificate"):
/// the SDK's and reqwest's own messages name only the outermost layer.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}
