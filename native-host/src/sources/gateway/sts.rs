//! STS AssumeRole with a gateway's long-term keys, through the real AWS SDK client.
//! No default credential chain and no instance-metadata probing: the click path waits on
//! nothing but the one STS call. `AWS_ENDPOINT_URL_STS` overrides the endpoint, within the
//! limits of `console/endpoints.rs` (never the generic `AWS_ENDPOINT_URL`).

use crate::credentials::{LongTermKeys, TempCredentials};
use crate::error::{error_chain, Error, Result, Service};
use aws_sdk_sts::config::{Credentials, Region, SharedHttpClient};
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_types::retry::RetryConfig;
use std::time::Duration;

/// What to assume, and how.
#[derive(Debug, Clone)]
pub struct AssumeRequest<'a> {
    pub gateway: &'a str,
    pub region: &'a str,
    pub role_arn: &'a str,
    pub session_name: &'a str,
    pub external_id: Option<&'a str>,
    pub duration_seconds: u32,
    /// MFA device and code, passed straight to AssumeRole: this keeps the credentials
    /// "from long-term keys", the only kind a 12-hour console accepts.
    pub mfa: Option<(&'a str, &'a str)>,
}

/// The STS endpoint override in force (`AWS_ENDPOINT_URL_STS`), or why it is refused.
pub fn endpoint_override() -> Result<Option<String>> {
    Ok(crate::console::endpoints::get(crate::console::endpoints::STS)?.map(|o| o.value))
}

pub use crate::console::https::sdk_http_client as http_client_on;

/// The keys an STS call is signed with: a gateway's long-term keys, or (daily MFA mode) the
/// gateway's MFA session from GetSessionToken.
#[derive(Clone, Copy)]
pub enum Signer<'a> {
    LongTerm(&'a LongTermKeys),
    MfaSession(&'a TempCredentials),
    /// A role assumed through the gateway (`role discover --via-role`).
    Assumed(&'a TempCredentials),
}

impl Signer<'_> {
    pub fn credentials(self) -> Credentials {
        match self {
            Signer::LongTerm(k) => Credentials::new(
                k.access_key_id.clone(),
                k.secret_access_key.clone(),
                None,
                None,
                "rolecall-keyring",
            ),
            Signer::MfaSession(c) => Credentials::new(
                c.access_key_id.clone(),
                c.secret_access_key.clone(),
                Some(c.session_token.clone()),
                None,
                "rolecall-mfa-session",
            ),
            Signer::Assumed(c) => Credentials::new(
                c.access_key_id.clone(),
                c.secret_access_key.clone(),
                Some(c.session_token.clone()),
                None,
                "rolecall-assumed-role",
            ),
        }
    }
}

fn client(
    http: &SharedHttpClient,
    signer: Signer<'_>,
    region: &str,
    timeout: Duration,
    endpoint: Option<&str>,
) -> aws_sdk_sts::Client {
    let mut b = aws_sdk_sts::Config::builder()
        .region(Region::new(region.to_owned()))
        .credentials_provider(signer.credentials())
        .http_client(http.clone())
        .timeout_config(crate::console::https::sdk_timeouts(timeout))
        // One retry for a transient failure, all inside the operation timeout.
        .retry_config(RetryConfig::standard().with_max_attempts(2));
    if let Some(url) = endpoint {
        b = b.endpoint_url(url);
    }
    aws_sdk_sts::Client::from_conf(b.build())
}

pub async fn assume_role(
    http: &SharedHttpClient,
    signer: Signer<'_>,
    req: &AssumeRequest<'_>,
    timeout: Duration,
) -> Result<TempCredentials> {
    let endpoint = endpoint_override()?;
    let sts = client(http, signer, req.region, timeout, endpoint.as_deref());
    let mut call = sts
        .assume_role()
        .role_arn(req.role_arn)
        .role_session_name(req.session_name)
        .duration_seconds(req.duration_seconds as i32)
        .set_external_id(req.external_id.map(str::to_owned));
    if let Some((serial, code)) = req.mfa {
        call = call.serial_number(serial).token_code(code);
    }
    let out = bounded(call.send(), req, timeout).await?;
    temp_credentials(out.credentials(), "AssumeRole")
}

/// GetSessionToken with the gateway's long-term keys and an MFA code (daily MFA mode): an
/// MFA session the gateway's roles are then assumed with, without further codes.
pub async fn session_token(
    http: &SharedHttpClient,
    keys: &LongTermKeys,
    req: &AssumeRequest<'_>,
    timeout: Duration,
) -> Result<TempCredentials> {
    let endpoint = endpoint_override()?;
    let sts = client(
        http,
        Signer::LongTerm(keys),
        req.region,
        timeout,
        endpoint.as_deref(),
    );
    let mut call = sts
        .get_session_token()
        .duration_seconds(req.duration_seconds as i32);
    if let Some((serial, code)) = req.mfa {
        call = call.serial_number(serial).token_code(code);
    }
    let out = bounded(call.send(), req, timeout).await?;
    temp_credentials(out.credentials(), "GetSessionToken")
}

fn temp_credentials(
    c: Option<&aws_sdk_sts::types::Credentials>,
    action: &str,
) -> Result<TempCredentials> {
    let c = c.ok_or_else(|| Error::UpstreamError {
        service: Service::Sts,
        aws_code: "InvalidResponse".into(),
        message: format!("{action} returned no credentials"),
    })?;
    let expiration = time::OffsetDateTime::from_unix_timestamp(c.expiration().secs())
        .map_err(|e| Error::Internal(format!("credential expiry out of range: {e}")))?;
    Ok(TempCredentials {
        access_key_id: c.access_key_id().to_owned(),
        secret_access_key: c.secret_access_key().to_owned(),
        session_token: c.session_token().to_owned(),
        expiration,
    })
}

/// AWS refused the `DurationSeconds` asked: more than the role's `MaxSessionDuration`
/// ("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.").
pub fn is_duration_refusal(e: &Error) -> bool {
    matches!(e, Error::UpstreamError { service: Service::Sts, aws_code, message }
        if aws_code == "ValidationError"
            && (message.contains("DurationSeconds") || message.contains("MaxSessionDuration")))
}

/// The MFA session (daily mode) is no longer accepted: expired or revoked.
pub fn is_session_refusal(e: &Error) -> bool {
    match e {
        Error::CredentialsInvalid { .. } => true,
        Error::UpstreamError {
            service: Service::Sts,
            aws_code,
            ..
        } => aws_code == "ExpiredToken" || aws_code == "InvalidToken",
        _ => false,
    }
}

/// GetCallerIdentity with a gateway's keys, for `rolecall doctor`: a signed request that
/// needs no IAM permission, so it fails only when AWS refuses the keys or the signature
/// (a clock more than 5 minutes off). Returns the caller's ARN.
pub async fn caller_identity(
    http: &SharedHttpClient,
    keys: &LongTermKeys,
    gateway: &str,
    region: &str,
    timeout: Duration,
) -> Result<String> {
    let endpoint = endpoint_override()?;
    let sts = client(
        http,
        Signer::LongTerm(keys),
        region,
        timeout,
        endpoint.as_deref(),
    );
    let req = AssumeRequest {
        gateway,
        region,
        role_arn: "",
        session_name: "",
        external_id: None,
        duration_seconds: 0,
        mfa: None,
    };
    let out = bounded(sts.get_caller_identity().send(), &req, timeout).await?;
    Ok(out.arn().unwrap_or_default().to_owned())
}

/// An STS call's answer, its error as ours. The SDK's operation timeout bounds the call;
/// this one guards against a sleep that never fires (belt and braces: the popup must
/// always get an answer).
async fn bounded<T, E>(
    call: impl std::future::Future<Output = std::result::Result<T, SdkError<E, HttpResponse>>>,
    req: &AssumeRequest<'_>,
    timeout: Duration,
) -> Result<T>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match tokio::time::timeout(timeout + Duration::from_secs(1), call).await {
        Err(_) => Err(Error::UpstreamUnavailable {
            service: Service::Sts,
            reason: format!("no answer in {} s", timeout.as_secs()),
        }),
        Ok(Err(e)) => Err(map_sdk_error(e, req)),
        Ok(Ok(out)) => Ok(out),
    }
}

fn map_sdk_error<E>(e: SdkError<E, HttpResponse>, req: &AssumeRequest<'_>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match &e {
        SdkError::ServiceError(se) => {
            // Some STS-compatible servers (and proxies) wrap errors as
            // <Errors><Error>…; read the code from the body when the SDK could not.
            let body = se.raw().body().bytes().unwrap_or_default();
            let body = String::from_utf8_lossy(body);
            let code = se
                .err()
                .code()
                .map(str::to_owned)
                .or_else(|| xml_text(&body, "Code"))
                .unwrap_or_else(|| format!("HTTP {}", se.raw().status().as_u16()));
            let message = se
                .err()
                .message()
                .map(str::to_owned)
                .or_else(|| xml_text(&body, "Message"))
                .unwrap_or_default();
            classify(&code, message.trim(), req)
        }
        SdkError::TimeoutError(_) => Error::UpstreamUnavailable {
            service: Service::Sts,
            reason: "timed out".into(),
        },
        SdkError::DispatchFailure(d) => Error::UpstreamUnavailable {
            service: Service::Sts,
            reason: if d.is_timeout() {
                "timed out".into()
            } else {
                format!("connection failed: {}", error_chain(&e))
            },
        },
        SdkError::ResponseError(_) => Error::UpstreamError {
            service: Service::Sts,
            aws_code: "InvalidResponse".into(),
            message: error_chain(&e),
        },
        _ => Error::Internal(format!("STS request failed: {}", error_chain(&e))),
    }
}

/// AWS error codes to our kinds. The MFA case is an AccessDenied whose message names
/// MultiFactorAuthentication ("MultiFactorAuthentication failed with invalid MFA one time
/// pass code.").
pub fn classify(code: &str, message: &str, req: &AssumeRequest<'_>) -> Error {
    match code {
        "AccessDenied" if message.contains("MultiFactorAuthentication") && req.mfa.is_some() => {
            Error::MfaInvalid {
                gateway: req.gateway.to_owned(),
                serial: req.mfa.map(|m| m.0.to_owned()).unwrap_or_default(),
            }
        }
        "AccessDenied" => Error::AccessDenied {
            gateway: req.gateway.to_owned(),
            role_arn: req.role_arn.to_owned(),
            message: if message.is_empty() {
                "access denied.".into()
            } else {
                ensure_period(message)
            },
        },
        "InvalidClientTokenId" | "SignatureDoesNotMatch" | "UnrecognizedClientException" => {
            Error::CredentialsInvalid {
                gateway: req.gateway.to_owned(),
                aws_code: code.to_owned(),
                hint: if message.contains("expired") || message.contains("Signature not yet") {
                    "; check that this computer's clock is right"
                } else {
                    ""
                },
            }
        }
        _ => Error::UpstreamError {
            service: Service::Sts,
            aws_code: code.to_owned(),
            message: message.to_owned(),
        },
    }
}

/// The text of the first `<tag>…</tag>` in an XML error body.
fn xml_text(body: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let start = body.find(&open)? + open.len();
    let end = body[start..].find(&format!("</{tag}>"))? + start;
    Some(body[start..end].to_owned()).filter(|s| !s.is_empty())
}

fn ensure_period(s: &str) -> String {
    if s.ends_with('.') {
        s.to_owned()
    } else {
        format!("{s}.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(mfa: bool) -> AssumeRequest<'static> {
        AssumeRequest {
            gateway: "corp",
            region: "eu-west-1",
            role_arn: "arn:aws:iam::111111111111:role/Admin",
            session_name: "rolecall-ana",
            external_id: None,
            duration_seconds: 3600,
            mfa: mfa.then_some(("arn:aws:iam::999999999999:mfa/ana", "123456")),
        }
    }

    #[test]
    fn error_codes_are_read_from_wrapped_bodies() {
        let body = "<ErrorResponse><Errors><Error><Code>AccessDenied</Code><Message>User: x</Message></Error></Errors></ErrorResponse>";
        assert_eq!(xml_text(body, "Code").as_deref(), Some("AccessDenied"));
        assert_eq!(xml_text(body, "Message").as_deref(), Some("User: x"));
        assert_eq!(xml_text(body, "RequestId"), None);
    }

    #[test]
    fn aws_codes_map_to_kinds() {
        let mfa_msg = "MultiFactorAuthentication failed with invalid MFA one time pass code.";
        assert_eq!(
            classify("AccessDenied", mfa_msg, &req(true)).kind(),
            "mfa_invalid"
        );
        assert_eq!(
            classify("AccessDenied", "User: x is not authorized", &req(false)).kind(),
            "access_denied"
        );
        assert_eq!(
            classify("InvalidClientTokenId", "", &req(false)).kind(),
            "credentials_invalid"
        );
        let skew = classify(
            "SignatureDoesNotMatch",
            "Signature expired: 20260101T000000Z",
            &req(false),
        );
        assert!(skew.to_string().contains("clock"), "{skew}");
        let other = classify(
            "RegionDisabledException",
            "STS is not activated",
            &req(false),
        );
        assert_eq!(other.kind(), "upstream_error");
        assert_eq!(other.data()["aws_code"], "RegionDisabledException");
    }
}
