//! The verification page of an Identity Center sign-in: StartDeviceAuthorization names it
//! (`verificationUriComplete`, else `verificationUri`), the popup opens it in a tab, the
//! terminal prints it or hands it to the browser. It comes from the network, so it is a page
//! of AWS's or nothing: https on `*.amazonaws.com`, `*.amazonaws.cn`,
//! `*.amazonaws-us-gov.com`, `*.awsapps.com`, `*.awsapps.cn` or the source's own start-URL
//! host, with no user name, no control or bidirectional-text characters. A loopback page
//! (http or https) only while the SSO OIDC endpoint itself is overridden to loopback, which
//! is how the tests' Identity Center fake serves its page. extension/src/lib/sso.js applies
//! the same list before it opens a tab.

use crate::console::endpoints::is_loopback;
use url::{Host, Url};

/// The domains whose subdomains serve Identity Center's pages.
pub const AWS_DOMAINS: [&str; 5] = [
    "amazonaws.com",
    "amazonaws.cn",
    "amazonaws-us-gov.com",
    "awsapps.com",
    "awsapps.cn",
];

/// Longer than any page AWS sends (a host and a user code).
const MAX_LEN: usize = 2048;

/// Bidirectional-text controls: not control characters to `char::is_control`, yet they
/// reorder what a terminal or a tab's address shows.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The page as it may be shown and opened (parsed, so ASCII), or why not, in words that
/// repeat at most its host (already ASCII once parsed).
pub fn check(raw: &str, start_url: &str, oidc_loopback: bool) -> Result<String, String> {
    if raw.is_empty() {
        return Err("it named no verification page".into());
    }
    if raw.len() > MAX_LEN {
        return Err(format!(
            "its verification page is {} characters long",
            raw.len()
        ));
    }
    if raw.chars().any(|c| c.is_control() || is_bidi_control(c)) {
        return Err("its verification page holds control characters".into());
    }
    let url = Url::parse(raw).map_err(|_| "its verification page is not a URL".to_owned())?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err("its verification page carries a user name or password".into());
    }
    let host = url.host_str().unwrap_or_default();
    let scheme = url.scheme();
    if oidc_loopback && is_loopback(&url) && matches!(scheme, "http" | "https") {
        return Ok(url.into());
    }
    let refused = || {
        let shown = if host.len() <= 253 && !host.is_empty() {
            format!("{scheme}://{host}")
        } else {
            format!("a {scheme} URL")
        };
        Err(format!(
            "its verification page ({shown}) is not an https page of AWS (*.{}) or of the start URL's host",
            AWS_DOMAINS.join(", *.")
        ))
    };
    if scheme != "https" {
        return refused();
    }
    let Some(Host::Domain(domain)) = url.host() else {
        return refused();
    };
    let of_aws = AWS_DOMAINS.iter().any(|d| {
        domain
            .strip_suffix(d)
            .is_some_and(|sub| sub.len() > 1 && sub.ends_with('.'))
    });
    let of_start = Url::parse(start_url).is_ok_and(|s| {
        s.scheme() == "https"
            && s.host_str().is_some_and(|h| h.eq_ignore_ascii_case(domain))
            && s.port_or_known_default() == url.port_or_known_default()
    });
    if (of_aws && url.port().is_none()) || of_start {
        Ok(url.into())
    } else {
        refused()
    }
}

/// The code the user compares on that page, shown beside it: AWS sends eight letters in two
/// groups (`ABCD-EFGH`); anything a terminal could take for a command is refused.
pub fn check_user_code(code: &str) -> Result<&str, String> {
    if !code.is_empty()
        && code.len() <= 64
        && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        Ok(code)
    } else {
        Err("its user code is not letters, digits and dashes".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const START: &str = "https://acme.example.org/start";

    /// Issue 25, point 5: only AWS's own sign-in pages (or the start URL's host) pass.
    #[test]
    fn the_verification_page_must_be_an_aws_page() {
        for ok in [
            "https://device.sso.eu-west-1.amazonaws.com/?user_code=ABCD-EFGH",
            "https://device.sso.cn-north-1.amazonaws.cn/?user_code=ABCD-EFGH",
            "https://device.sso.us-gov-west-1.amazonaws-us-gov.com/",
            "https://d-1234567890.awsapps.com/start/#/device?user_code=ABCD-EFGH",
            "https://d-1234567890.awsapps.cn/start/#/device",
            "https://acme.example.org/device?user_code=ABCD-EFGH",
            "https://ACME.example.org/device",
        ] {
            assert!(check(ok, START, false).is_ok(), "{ok}");
        }
        for bad in [
            "https://evil.example/device",
            "https://amazonaws.com.evil.example/",
            "https://evilamazonaws.com/",
            "https://amazonaws.com/",
            "https://device.sso.eu-west-1.amazonaws.com./",
            "https://device.sso.eu-west-1.amazonaws.com:8443/",
            "http://device.sso.eu-west-1.amazonaws.com/",
            "https://acme.example.org:8443/device",
            "http://acme.example.org/device",
            "https://other.example.org/device",
            "https://54.239.28.85/",
            "http://127.0.0.1:8080/device",
            "http://localhost/device",
            "javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "file:///etc/passwd",
        ] {
            let e = check(bad, START, false).unwrap_err();
            // At most the scheme and host: never the path, query or anything after.
            assert!(
                !e.contains("alert")
                    && !e.contains("passwd")
                    && !e.contains("org/device")
                    && !e.contains("example/device")
                    && !e.contains("0/device"),
                "{e}"
            );
        }
    }

    #[test]
    fn loopback_pages_pass_only_with_a_loopback_oidc_override() {
        for page in [
            "http://127.0.0.1:8080/device?user_code=X",
            "http://[::1]:1/",
            "http://localhost:9/d",
        ] {
            assert!(check(page, START, false).is_err(), "{page}");
            assert_eq!(check(page, START, true).unwrap(), page);
        }
        // The loopback override does not open the door to anything else.
        assert!(check("http://evil.example/device", START, true).is_err());
        assert!(check("http://10.0.0.1/device", START, true).is_err());
    }

    #[test]
    fn control_characters_and_credentials_are_refused_without_echo() {
        for (bad, why) in [
            (
                "https://device.sso.eu-west-1.amazonaws.com/\u{1b}[2J\u{7}PWNED",
                "control characters",
            ),
            (
                "https://device.sso.eu-west-1.amazonaws.com/\nPWNED",
                "control characters",
            ),
            (
                "https://device.sso.eu-west-1.amazonaws.com/\u{202E}DENWP",
                "control characters",
            ),
            (
                "https://ana:PWNED@device.sso.eu-west-1.amazonaws.com/",
                "user name or password",
            ),
            ("", "no verification page"),
            ("not a url PWNED", "not a URL"),
        ] {
            let e = check(bad, START, true).unwrap_err();
            assert!(e.contains(why), "{bad:?}: {e}");
            assert!(!e.contains("PWNED") && !e.contains("DENWP"), "{e}");
        }
        let long = format!(
            "https://device.sso.eu-west-1.amazonaws.com/?{}",
            "a".repeat(3000)
        );
        assert!(check(&long, START, false)
            .unwrap_err()
            .contains("characters long"));
    }

    #[test]
    fn the_user_code_is_letters_digits_and_dashes() {
        assert_eq!(check_user_code("ABCD-EFGH"), Ok("ABCD-EFGH"));
        for bad in [
            "",
            "AB\u{1b}[2J",
            "ABCD EFGH",
            "ABCD-\u{202E}",
            &"A".repeat(65),
        ] {
            assert!(check_user_code(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn what_is_shown_is_the_parsed_ascii_form() {
        let page = check(
            "https://device.sso.eu-west-1.amazonaws.com/?user_code=ÄB",
            START,
            false,
        )
        .unwrap();
        assert!(page.is_ascii(), "{page}");
        assert_eq!(
            page,
            "https://device.sso.eu-west-1.amazonaws.com/?user_code=%C3%84B"
        );
    }
}
