//! Endpoint overrides: the environment variables that send rolecall's calls somewhere other
//! than AWS (LocalStack, moto, the test stack). Each call they redirect carries secrets: the
//! gateway-signed AssumeRole / GetSessionToken with its MFA code (STS), the Identity Center
//! bearer token, refresh token and client secret (SSO, SSO OIDC), the temporary credentials
//! sent for a sign-in token (`ROLECALL_SIGNIN_URL`). So, unlike the AWS SDKs:
//!
//! - only the service-specific variables count; the generic `AWS_ENDPOINT_URL`, which
//!   LocalStack users keep in their shell profile (and so the browser and the host inherit),
//!   is never read for a call;
//! - `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true` (case-insensitive, as the SDKs read it) turns
//!   every override off, rolecall's own included;
//! - an override must be an http(s) URL without a user name or password, and plain `http`
//!   only to a loopback address (127.0.0.0/8, ::1, `localhost`); anything else is refused,
//!   before any connection, with an error that names the variable and never echoes its value.
//!
//! Parsing takes a lookup function, so unit tests never touch the process environment.

use crate::error::Error;
use url::{Host, Url};

pub const STS: &str = "AWS_ENDPOINT_URL_STS";
pub const SSO: &str = "AWS_ENDPOINT_URL_SSO";
pub const SSO_OIDC: &str = "AWS_ENDPOINT_URL_SSO_OIDC";
pub const ORGANIZATIONS: &str = "AWS_ENDPOINT_URL_ORGANIZATIONS";
/// rolecall's own: the federation endpoint (the sign-in call carries temporary credentials)
/// and the console base (where the sign-in URL lands).
pub const SIGNIN: &str = "ROLECALL_SIGNIN_URL";
pub const CONSOLE: &str = "ROLECALL_CONSOLE_URL";
/// Every override rolecall honours, in the order doctor and `host.info` list them.
pub const ALL: [&str; 6] = [STS, SSO_OIDC, SSO, ORGANIZATIONS, SIGNIN, CONSOLE];
/// The SDKs' catch-all, which rolecall does not honour.
pub const GENERIC: &str = "AWS_ENDPOINT_URL";
pub const IGNORE: &str = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS";

/// An override in force: the variable and the URL it sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    pub variable: &'static str,
    /// The value as set (checked: an http(s) URL, no credentials, no control characters):
    /// what the SDK is given and what doctor shows.
    pub value: String,
    pub url: Url,
}

impl Override {
    pub fn is_loopback(&self) -> bool {
        is_loopback(&self.url)
    }
}

/// The process environment, as the lookup the functions below take.
pub fn process_env(var: &str) -> Option<String> {
    std::env::var(var).ok()
}

/// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` says `true` (in any case, as botocore and the Rust
/// SDK's config loader read it).
pub fn ignored(lookup: &dyn Fn(&str) -> Option<String>) -> bool {
    lookup(IGNORE).is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

/// The override `variable` sets, from the process environment: `None` when it is unset,
/// empty or ignored; an `endpoint_refused` error when it is set to something refused.
pub fn get(variable: &'static str) -> Result<Option<Override>, Error> {
    read(variable, &process_env)
}

/// [`get`] with the lookup given.
pub fn read(
    variable: &'static str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Override>, Error> {
    if ignored(lookup) {
        return Ok(None);
    }
    let Some(value) = lookup(variable)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
    else {
        return Ok(None);
    };
    let url = check(&value).map_err(|reason| Error::EndpointRefused {
        variable: variable.to_owned(),
        reason,
    })?;
    Ok(Some(Override {
        variable,
        value,
        url,
    }))
}

/// Every override variable that is set (never the generic one), each in force or refused.
pub fn listed(
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Vec<(&'static str, Result<Override, Error>)> {
    ALL.iter()
        .filter_map(|v| read(v, lookup).transpose().map(|r| (*v, r)))
        .collect()
}

/// Why a value cannot be an endpoint, in words that never repeat it (it may carry a
/// password, or characters meant for a terminal).
pub fn check(value: &str) -> Result<Url, String> {
    if value.chars().any(char::is_control) {
        return Err("it holds control characters".into());
    }
    let url = Url::parse(value).map_err(|_| "it is not a URL".to_owned())?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err("it is not an http or https URL".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("it carries a user name or password (user:pass@)".into());
    }
    if url.host().is_none() {
        return Err("it names no host".into());
    }
    if url.scheme() == "http" && !is_loopback(&url) {
        return Err(
            "plain http is allowed only to this machine (127.0.0.0/8, ::1 or localhost); use https"
                .into(),
        );
    }
    Ok(url)
}

/// The URL's host is this machine: 127.0.0.0/8, ::1 or `localhost`.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |k| map.get(k).cloned()
    }

    fn refused(variable: &'static str, value: &str) -> String {
        let e = read(variable, &env(&[(variable, value)])).unwrap_err();
        assert_eq!(e.kind(), "endpoint_refused");
        assert_eq!(e.data()["variable"], variable);
        let message = e.to_string();
        assert!(message.contains(variable), "{message}");
        message
    }

    /// Issue 25, point 2: the generic variable never redirects a call.
    #[test]
    fn the_generic_aws_endpoint_url_is_never_honoured() {
        let lookup = env(&[(GENERIC, "http://127.0.0.1:4566")]);
        for v in ALL {
            assert_eq!(read(v, &lookup).unwrap(), None, "{v}");
        }
        assert!(listed(&lookup).is_empty());
        let lookup = env(&[
            (GENERIC, "https://evil.example"),
            (STS, "http://127.0.0.1:5000"),
        ]);
        let o = read(STS, &lookup).unwrap().unwrap();
        assert_eq!(
            (o.variable, o.value.as_str()),
            (STS, "http://127.0.0.1:5000")
        );
        assert_eq!(read(SSO, &lookup).unwrap(), None);
    }

    #[test]
    fn ignore_configured_endpoint_urls_turns_every_override_off() {
        let all: Vec<(&str, &str)> = ALL.iter().map(|v| (*v, "http://127.0.0.1:1")).collect();
        for yes in ["true", "TRUE", "True"] {
            let mut pairs = all.clone();
            pairs.push((IGNORE, yes));
            let lookup = env(&pairs);
            assert!(ignored(&lookup));
            for v in ALL {
                assert_eq!(read(v, &lookup).unwrap(), None, "{v} with {yes}");
            }
            // Even a refused value is not an error then: nothing reads it.
            let lookup = env(&[(STS, "http://evil.example"), (IGNORE, yes)]);
            assert_eq!(read(STS, &lookup).unwrap(), None);
        }
        for no in ["false", "1", "yes", " true", ""] {
            let mut pairs = all.clone();
            pairs.push((IGNORE, no));
            let lookup = env(&pairs);
            assert!(!ignored(&lookup), "{no:?}");
            assert_eq!(listed(&lookup).len(), ALL.len(), "{no:?}");
        }
    }

    #[test]
    fn http_is_refused_unless_its_host_is_loopback() {
        for ok in [
            "http://127.0.0.1:5000",
            "http://127.1.2.3/",
            "http://[::1]:4566/",
            "http://localhost:4566",
            "http://LOCALHOST",
            "https://sts.eu-west-1.amazonaws.com",
            "https://localstack.internal:4566/",
            "https://10.0.0.5/",
        ] {
            let o = read(STS, &env(&[(STS, ok)])).unwrap().unwrap();
            assert_eq!(o.value, ok);
        }
        for bad in [
            "http://evil.example",
            "http://10.0.0.5:4566",
            "http://128.0.0.1",
            "http://localhost.evil.example",
            "http://127.0.0.1.evil.example",
            "http://[::ffff:8.8.8.8]/",
            "http://[fe80::1]/",
            "http://0.0.0.0:4566",
        ] {
            let m = refused(STS, bad);
            assert!(m.contains("plain http"), "{bad}: {m}");
        }
    }

    #[test]
    fn credentials_in_an_override_are_refused_and_never_echoed() {
        for (bad, secret) in [
            (
                "https://ana:hunter2-secret@sts.example.com/",
                "hunter2-secret",
            ),
            (
                "http://ana:hunter2-secret@127.0.0.1:5000/",
                "hunter2-secret",
            ),
            (
                "https://only-a-user-name@sts.example.com/",
                "only-a-user-name",
            ),
        ] {
            let m = refused(SSO_OIDC, bad);
            assert!(m.contains("user name or password"), "{m}");
            assert!(!m.contains(secret), "{m}");
        }
    }

    #[test]
    fn anything_but_an_http_url_is_refused_without_echo() {
        for (bad, why) in [
            ("file:///etc/passwd", "not an http or https URL"),
            ("ftp://127.0.0.1/", "not an http or https URL"),
            ("javascript:alert(1)", "not an http or https URL"),
            ("localhost:4566", "not an http or https URL"),
            ("127.0.0.1:5000", "not a URL"),
            ("not a url at all", "not a URL"),
            (
                "http://127.0.0.1:5000/\u{1b}[31mPWNED",
                "control characters",
            ),
            ("http://127.0.0.1\n.evil.example/", "control characters"),
        ] {
            let m = refused(SIGNIN, bad);
            assert!(m.contains(why), "{bad:?}: {m}");
            assert!(
                !m.contains("PWNED") && !m.contains("passwd") && !m.contains("alert"),
                "{m}"
            );
        }
    }

    #[test]
    fn rolecalls_own_overrides_follow_the_same_rule() {
        for v in [SIGNIN, CONSOLE] {
            assert!(read(v, &env(&[(v, "http://127.0.0.1:9/federation")]))
                .unwrap()
                .is_some());
            refused(v, "http://signin.evil.example/federation");
        }
    }

    #[test]
    fn listed_names_each_override_in_force_and_each_refused() {
        let lookup = env(&[
            (STS, "http://127.0.0.1:5000"),
            (SSO, "http://evil.example"),
            (CONSOLE, ""),
            (GENERIC, "http://127.0.0.1:4566"),
        ]);
        let l = listed(&lookup);
        assert_eq!(l.len(), 2, "{l:?}");
        assert_eq!(l[0].0, STS);
        assert_eq!(l[0].1.as_ref().unwrap().value, "http://127.0.0.1:5000");
        assert_eq!(l[1].0, SSO);
        assert_eq!(l[1].1.as_ref().unwrap_err().kind(), "endpoint_refused");
    }
}
