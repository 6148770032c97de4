//! The AWS federation endpoint: trading temporary credentials for a sign-in token, and
//! building the `Action=login` URL with a checked console destination.
//! Protocol: IAM User Guide, "Enable custom identity broker access to the AWS console".

use crate::console::partition::Partition;
use crate::credentials::TempCredentials;
use crate::error::{Error, Result, Service};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use url::Url;

/// Everything but RFC 3986 unreserved characters is escaped in query values.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn enc(s: &str) -> String {
    utf8_percent_encode(s, QUERY_VALUE).to_string()
}

/// Console sessions AWS allows through `SessionDuration`: 15 minutes to 12 hours.
pub const SESSION_DURATION_RANGE: std::ops::RangeInclusive<u32> = 900..=43_200;

/// Where sign-in and console live for one open: the partition's, or the documented
/// overrides (`ROLECALL_SIGNIN_URL`, `ROLECALL_CONSOLE_URL`) for tests and unusual networks.
#[derive(Debug, Clone)]
pub struct SignInTarget {
    pub signin_url: Url,
    console: ConsoleScope,
}

#[derive(Debug, Clone)]
enum ConsoleScope {
    /// The partition's console domain and its subdomains, over https.
    Partition {
        partition: Partition,
        region: String,
    },
    /// An explicit console base: destinations must share its origin and path prefix.
    Override(Url),
}

impl SignInTarget {
    pub fn new(
        partition: Partition,
        region: &str,
        signin_override: Option<&Url>,
        console_override: Option<&Url>,
    ) -> SignInTarget {
        let signin_url = signin_override.cloned().unwrap_or_else(|| {
            Url::parse(partition.signin_url()).expect("partition sign-in URLs are valid")
        });
        let console = match console_override {
            Some(base) => ConsoleScope::Override(base.clone()),
            None => ConsoleScope::Partition {
                partition,
                region: region.to_owned(),
            },
        };
        SignInTarget {
            signin_url,
            console,
        }
    }

    fn console_base(&self) -> Url {
        match &self.console {
            ConsoleScope::Partition { partition, region } => {
                Url::parse(&partition.console_base(region)).expect("console bases are valid")
            }
            ConsoleScope::Override(base) => base.clone(),
        }
    }

    fn describe(&self) -> String {
        match &self.console {
            ConsoleScope::Partition { partition, .. } => {
                format!("https://*.{}", partition.console_domain())
            }
            ConsoleScope::Override(base) => base.to_string(),
        }
    }

    /// The default destination, a path joined to the regional console, or a full console
    /// URL, checked against the console scope. Anything else is `invalid_destination`: a
    /// sign-in URL that redirects off the console would be a phishing tool.
    pub fn destination(&self, region: &str, requested: Option<&str>) -> Result<Url> {
        // The refused destination is repeated only when it is plain printable ASCII of a
        // sane length: it came from the request, and may carry control characters.
        let refuse = |d: &str| Error::InvalidDestination {
            destination: if d.len() <= 2048 && d.bytes().all(|b| b.is_ascii_graphic()) {
                d.to_owned()
            } else {
                format!("given ({} characters, not repeated)", d.chars().count())
            },
            expected: self.describe(),
        };
        let base = self.console_base();
        let url = match requested {
            None | Some("") => {
                let mut u = base.join("console/home").expect("static path joins");
                u.query_pairs_mut().append_pair("region", region);
                u
            }
            Some(path) if path.starts_with('/') && !path.starts_with("//") => {
                base.join(&path[1..]).map_err(|_| refuse(path))?
            }
            Some(full) => Url::parse(full).map_err(|_| refuse(full))?,
        };
        if self.allows(&url) {
            Ok(url)
        } else {
            Err(refuse(requested.unwrap_or(url.as_str())))
        }
    }

    fn allows(&self, url: &Url) -> bool {
        if !url.username().is_empty() || url.password().is_some() {
            return false;
        }
        match &self.console {
            ConsoleScope::Partition { partition, .. } => {
                let domain = partition.console_domain();
                let host_ok = match url.host() {
                    // The domain itself, or a subdomain of non-empty labels: `a..console…`
                    // is no host name, whatever a browser would make of it.
                    Some(url::Host::Domain(h)) => {
                        h == domain
                            || h.strip_suffix(domain)
                                .and_then(|sub| sub.strip_suffix('.'))
                                .is_some_and(|sub| sub.split('.').all(|l| !l.is_empty()))
                    }
                    _ => false,
                };
                url.scheme() == "https" && url.port().is_none() && host_ok
            }
            ConsoleScope::Override(base) => {
                url.scheme() == base.scheme()
                    && url.host() == base.host()
                    && url.port_or_known_default() == base.port_or_known_default()
                    && under_path(url.path(), base.path())
            }
        }
    }

    /// The URL that signs the browser in: `Action=login` with the issuer, the encoded
    /// destination and the token.
    pub fn login_url(&self, issuer: &str, destination: &Url, token: &str) -> String {
        format!(
            "{}?Action=login&Issuer={}&Destination={}&SigninToken={}",
            self.base_signin(),
            enc(issuer),
            enc(destination.as_str()),
            enc(token)
        )
    }

    fn base_signin(&self) -> String {
        let mut u = self.signin_url.clone();
        u.set_query(None);
        u.set_fragment(None);
        u.to_string()
    }

    /// The `getSigninToken` request URL. It carries the temporary secret: never log it.
    pub fn token_request_url(
        &self,
        creds: &TempCredentials,
        session_duration: Option<u32>,
    ) -> String {
        let session = serde_json::json!({
            "sessionId": creds.access_key_id,
            "sessionKey": creds.secret_access_key,
            "sessionToken": creds.session_token,
        });
        let mut url = format!("{}?Action=getSigninToken", self.base_signin());
        if let Some(d) = session_duration {
            // Case matters: AWS ignores `sessionDuration` (Leapp #563).
            url.push_str(&format!("&SessionDuration={d}"));
        }
        url.push_str("&Session=");
        url.push_str(&enc(&session.to_string()));
        url
    }
}

/// Whether `path` is `base` or inside it, segment by segment: a base of `/console` holds
/// `/console/ec2` but not `/console-evil`.
fn under_path(path: &str, base: &str) -> bool {
    match path.strip_prefix(base) {
        Some(rest) => base.ends_with('/') || rest.is_empty() || rest.starts_with('/'),
        None => false,
    }
}

/// One round trip to the federation endpoint: temporary credentials in, sign-in token out.
pub async fn get_signin_token(
    http: &reqwest::Client,
    target: &SignInTarget,
    creds: &TempCredentials,
    session_duration: Option<u32>,
) -> Result<String> {
    let url = target.token_request_url(creds, session_duration);
    let resp = http.get(url).send().await.map_err(upstream_failure)?;
    let status = resp.status();
    let body = resp.bytes().await.map_err(upstream_failure)?;
    if !status.is_success() {
        // The endpoint's error bodies are HTML pages; the status is what helps.
        let message = if status.is_server_error() {
            "the sign-in endpoint failed; try again in a moment"
        } else {
            "the sign-in endpoint refused the temporary credentials (if this persists, `rolecall session forget` and try again)"
        };
        return Err(Error::UpstreamError {
            service: Service::SignIn,
            aws_code: format!("HTTP {}", status.as_u16()),
            message: message.into(),
        });
    }
    let invalid = |message: &str| Error::UpstreamError {
        service: Service::SignIn,
        aws_code: "InvalidResponse".into(),
        message: message.into(),
    };
    let reply: serde_json::Value = serde_json::from_slice(&body).map_err(|_| {
        invalid("the sign-in endpoint's answer is not JSON (a proxy or captive portal in the way?)")
    })?;
    match reply.get("SigninToken").and_then(|t| t.as_str()) {
        Some(token) if !token.is_empty() => Ok(token.to_owned()),
        _ => Err(invalid("the sign-in endpoint's answer has no SigninToken")),
    }
}

/// Network failures never carry the URL: its query holds the session secret.
fn upstream_failure(e: reqwest::Error) -> Error {
    let e = e.without_url();
    let reason = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection failed"
    } else {
        "request failed"
    };
    let mut detail = String::new();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        detail = format!(": {s}");
        source = s.source();
    }
    Error::UpstreamUnavailable {
        service: Service::SignIn,
        reason: format!("{reason}{detail}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aws(region: &str) -> SignInTarget {
        SignInTarget::new(Partition::for_region(region), region, None, None)
    }

    fn creds() -> TempCredentials {
        TempCredentials {
            access_key_id: "ASIAIOSFODNN7EXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
            session_token: "tok/en+==".into(),
            expiration: time::OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn default_destination_is_the_regional_console_home() {
        let d = aws("eu-west-1").destination("eu-west-1", None).unwrap();
        assert_eq!(
            d.as_str(),
            "https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1"
        );
        let d = aws("us-gov-west-1")
            .destination("us-gov-west-1", None)
            .unwrap();
        assert_eq!(
            d.as_str(),
            "https://console.amazonaws-us-gov.com/console/home?region=us-gov-west-1"
        );
        let d = aws("cn-north-1").destination("cn-north-1", None).unwrap();
        assert_eq!(d.host_str(), Some("console.amazonaws.cn"));
    }

    #[test]
    fn paths_join_the_regional_console() {
        let d = aws("us-east-2")
            .destination("us-east-2", Some("/ec2/home?region=us-east-2#Instances:"))
            .unwrap();
        assert_eq!(
            d.as_str(),
            "https://us-east-2.console.aws.amazon.com/ec2/home?region=us-east-2#Instances:"
        );
    }

    #[test]
    fn full_console_urls_are_accepted_on_the_partition_domain_only() {
        let t = aws("eu-west-1");
        for ok in [
            "https://console.aws.amazon.com/iam/home",
            "https://us-west-2.console.aws.amazon.com/s3/buckets",
            "https://123456789012-abcdefgh.eu-west-1.console.aws.amazon.com/",
        ] {
            t.destination("eu-west-1", Some(ok)).unwrap();
        }
        for bad in [
            "https://evil.example/console.aws.amazon.com",
            "https://console.aws.amazon.com.evil.example/",
            "https://evilconsole.aws.amazon.com/",
            // Empty labels (found by the destination fuzz target).
            "https://a..console.aws.amazon.com/",
            "https://..console.aws.amazon.com/",
            "https://.console.aws.amazon.com/",
            "http://console.aws.amazon.com/",
            "https://console.aws.amazon.com:8443/",
            "https://user@console.aws.amazon.com/",
            "https://console.amazonaws.cn/",
            "//evil.example/x",
            "javascript:alert(1)",
            "ec2/home",
        ] {
            let e = t.destination("eu-west-1", Some(bad)).unwrap_err();
            assert_eq!(e.kind(), "invalid_destination", "{bad}");
        }
        // A China console is refused for a commercial role, and vice versa.
        assert!(aws("cn-north-1")
            .destination("cn-north-1", Some("https://console.aws.amazon.com/"))
            .is_err());
    }

    #[test]
    fn override_console_scope_is_origin_and_path() {
        let base = Url::parse("http://127.0.0.1:8080/").unwrap();
        let t = SignInTarget::new(Partition::Aws, "us-east-1", None, Some(&base));
        assert_eq!(
            t.destination("us-east-1", None).unwrap().as_str(),
            "http://127.0.0.1:8080/console/home?region=us-east-1"
        );
        t.destination("us-east-1", Some("http://127.0.0.1:8080/ec2/home"))
            .unwrap();
        assert!(t
            .destination("us-east-1", Some("http://127.0.0.1:8081/"))
            .is_err());
        assert!(t
            .destination("us-east-1", Some("https://console.aws.amazon.com/"))
            .is_err());
        // A base without its final slash is still a folder: a sibling path sharing the
        // prefix was accepted (caught by the destination fuzz target's no-slash case).
        let base = Url::parse("http://127.0.0.1:8080/console").unwrap();
        let t = SignInTarget::new(Partition::Aws, "us-east-1", None, Some(&base));
        for ok in [
            "http://127.0.0.1:8080/console",
            "http://127.0.0.1:8080/console/ec2",
        ] {
            t.destination("us-east-1", Some(ok)).unwrap();
        }
        assert!(t
            .destination("us-east-1", Some("http://127.0.0.1:8080/console-evil/"))
            .is_err());
    }

    #[test]
    fn login_url_encodes_every_part() {
        let t = aws("eu-west-1");
        let dest = t
            .destination(
                "eu-west-1",
                Some("/ec2/home?region=eu-west-1#Instances:tag=a b"),
            )
            .unwrap();
        let url = t.login_url("rolecall", &dest, "tok+en/=");
        assert_eq!(
            url,
            "https://signin.aws.amazon.com/federation?Action=login&Issuer=rolecall\
             &Destination=https%3A%2F%2Feu-west-1.console.aws.amazon.com%2Fec2%2Fhome%3Fregion%3Deu-west-1%23Instances%3Atag%3Da%2520b\
             &SigninToken=tok%2Ben%2F%3D"
        );
        // Decoding the parameter gives the destination back exactly.
        let parsed = Url::parse(&url).unwrap();
        let got: Vec<(String, String)> = parsed.query_pairs().into_owned().collect();
        assert_eq!(got[2], ("Destination".into(), dest.to_string()));
        assert_eq!(got[3], ("SigninToken".into(), "tok+en/=".into()));
    }

    #[test]
    fn each_partition_signs_in_at_its_own_endpoint() {
        for (region, host) in [
            ("us-east-1", "signin.aws.amazon.com"),
            ("us-gov-east-1", "signin.amazonaws-us-gov.com"),
            ("cn-north-1", "signin.amazonaws.cn"),
        ] {
            let t = aws(region);
            let d = t.destination(region, None).unwrap();
            let url = Url::parse(&t.login_url("rolecall", &d, "t")).unwrap();
            assert_eq!(url.host_str(), Some(host));
        }
    }

    #[test]
    fn token_request_carries_exactly_the_documented_session_keys() {
        let t = aws("eu-west-1");
        let url = Url::parse(&t.token_request_url(&creds(), Some(43200))).unwrap();
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        assert_eq!(pairs[0], ("Action".into(), "getSigninToken".into()));
        assert_eq!(pairs[1], ("SessionDuration".into(), "43200".into()));
        let session: serde_json::Value = serde_json::from_str(&pairs[2].1).unwrap();
        assert_eq!(
            session,
            serde_json::json!({
                "sessionId": "ASIAIOSFODNN7EXAMPLE",
                "sessionKey": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                "sessionToken": "tok/en+=="
            })
        );
        let url = t.token_request_url(&creds(), None);
        assert!(!url.contains("SessionDuration"));
    }

    /// Property tests: whatever the issuer, token, destination or credentials, the URLs
    /// built here parse back to exactly those values.
    mod properties {
        use super::*;
        use proptest::prelude::*;

        const REGIONS: [&str; 5] = [
            "us-east-1",
            "eu-west-1",
            "ap-southeast-2",
            "us-gov-west-1",
            "cn-north-1",
        ];

        fn pairs(url: &str) -> Vec<(String, String)> {
            Url::parse(url)
                .unwrap()
                .query_pairs()
                .into_owned()
                .collect()
        }

        proptest! {
            #[test]
            fn login_url_parses_back_to_destination_issuer_and_token(
                region in prop::sample::select(&REGIONS[..]),
                path in "[ -~]{0,80}",
                issuer in any::<String>(),
                token in any::<String>(),
            ) {
                let t = aws(region);
                // A console path as the extension sends it; `//…` and the like are refused.
                let dest = t.destination(region, Some(&format!("/{path}")));
                prop_assume!(dest.is_ok());
                let dest = dest.unwrap();
                let url = t.login_url(&issuer, &dest, &token);
                let signin = Url::parse(Partition::for_region(region).signin_url()).unwrap();
                let parsed = Url::parse(&url).unwrap();
                prop_assert_eq!(parsed.host_str(), signin.host_str());
                let want = vec![
                    ("Action".to_owned(), "login".to_owned()),
                    ("Issuer".to_owned(), issuer),
                    ("Destination".to_owned(), dest.to_string()),
                    ("SigninToken".to_owned(), token),
                ];
                prop_assert_eq!(pairs(&url), want);
            }

            #[test]
            fn token_request_url_carries_the_session_exactly(
                access_key_id in any::<String>(),
                secret_access_key in any::<String>(),
                session_token in any::<String>(),
                duration in prop::option::of(SESSION_DURATION_RANGE),
            ) {
                let creds = TempCredentials {
                    access_key_id,
                    secret_access_key,
                    session_token,
                    expiration: time::OffsetDateTime::UNIX_EPOCH,
                };
                let got = pairs(&aws("eu-west-1").token_request_url(&creds, duration));
                let mut want = vec![("Action".to_owned(), "getSigninToken".to_owned())];
                if let Some(d) = duration {
                    want.push(("SessionDuration".to_owned(), d.to_string()));
                }
                let session = serde_json::json!({
                    "sessionId": creds.access_key_id,
                    "sessionKey": creds.secret_access_key,
                    "sessionToken": creds.session_token,
                });
                want.push(("Session".to_owned(), session.to_string()));
                prop_assert_eq!(got, want);
            }
        }
    }
}
