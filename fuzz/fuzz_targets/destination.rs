//! The console destination check and the login URL built around it.
//!
//! Input: a first line naming the scenario (a region, or `override` / `override-no-slash`
//! for the ROLECALL_CONSOLE_URL / ROLECALL_SIGNIN_URL case; anything else is us-east-1), then the
//! requested destination, as the extension would send it.
//!
//! Invariants: an accepted destination, read again from its text, is https on the default
//! port, without userinfo, on the scenario's partition console domain or a subdomain made of
//! non-empty labels (or, with an override, on its origin under its path); the domains are
//! written out here, not taken from the library. The login URL built with it parses back to
//! exactly Action, Issuer, Destination and SigninToken, on the partition's sign-in host.
//! A refusal is always `invalid_destination`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rolecall::console::federation::SignInTarget;
use rolecall::console::partition::Partition;
use url::Url;

const CONSOLE_OVERRIDE: &str = "http://127.0.0.1:8080/console-root/";
/// An override base written without the final slash: still the folder `/console-root`.
const CONSOLE_OVERRIDE_NO_SLASH: &str = "http://127.0.0.1:8080/console-root";
const SIGNIN_OVERRIDE: &str = "http://127.0.0.1:9090/federation?stale=query#frag";

/// (scenario, region, console domain, sign-in host)
const SCENARIOS: [(&str, &str, &str, &str); 6] = [
    (
        "us-east-1",
        "us-east-1",
        "console.aws.amazon.com",
        "signin.aws.amazon.com",
    ),
    (
        "eu-west-1",
        "eu-west-1",
        "console.aws.amazon.com",
        "signin.aws.amazon.com",
    ),
    (
        "us-gov-west-1",
        "us-gov-west-1",
        "console.amazonaws-us-gov.com",
        "signin.amazonaws-us-gov.com",
    ),
    (
        "cn-north-1",
        "cn-north-1",
        "console.amazonaws.cn",
        "signin.amazonaws.cn",
    ),
    ("override", "eu-west-1", "", "127.0.0.1"),
    ("override-no-slash", "eu-west-1", "", "127.0.0.1"),
];

/// The authority of a serialised URL, cut from the text by hand.
fn authority<'a>(text: &'a str, scheme: &str) -> &'a str {
    let rest = text
        .strip_prefix(scheme)
        .and_then(|r| r.strip_prefix("://"))
        .unwrap_or_else(|| panic!("{text} is not {scheme}://"));
    rest.split(['/', '?', '#']).next().unwrap()
}

fn check_accepted(url: &Url, domain: &str) {
    let text = url.as_str();
    let again = Url::parse(text).expect("an accepted destination parses again");
    assert_eq!(&again, url, "an accepted destination is not stable");
    if domain.is_empty() {
        // The override scope: its origin, under its path.
        assert_eq!(authority(text, "http"), "127.0.0.1:8080", "{text}");
        let path = again.path();
        assert!(
            path == "/console-root" || path.starts_with("/console-root/"),
            "{text}"
        );
        return;
    }
    let host = authority(text, "https");
    assert!(!host.contains(['@', ':']), "userinfo or port in {text}");
    assert_eq!(again.host_str(), Some(host));
    let labels_ok = host == domain
        || host
            .strip_suffix(domain)
            .and_then(|s| s.strip_suffix('.'))
            .is_some_and(|sub| sub.split('.').all(|l| !l.is_empty()));
    assert!(labels_ok, "{text} is not on *.{domain}");
}

fn check_login_url(target: &SignInTarget, dest: &Url, token: &str, signin_host: &str) {
    let login = target.login_url("rolecall", dest, token);
    let parsed = Url::parse(&login).expect("the login URL parses");
    assert_eq!(parsed.host_str(), Some(signin_host));
    assert_eq!(parsed.fragment(), None);
    let pairs: Vec<(String, String)> = parsed.query_pairs().into_owned().collect();
    let want = [
        ("Action", "login"),
        ("Issuer", "rolecall"),
        ("Destination", dest.as_str()),
        ("SigninToken", token),
    ];
    assert_eq!(pairs.len(), want.len(), "{login}");
    for ((k, v), (wk, wv)) in pairs.iter().zip(want) {
        assert_eq!((k.as_str(), v.as_str()), (wk, wv), "{login}");
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (head, requested) = text.split_once('\n').unwrap_or(("", &text));
    let &(name, region, domain, signin_host) = SCENARIOS
        .iter()
        .find(|s| s.0 == head)
        .unwrap_or(&SCENARIOS[0]);
    let (console, signin) = match name {
        "override" => (Some(CONSOLE_OVERRIDE), Some(SIGNIN_OVERRIDE)),
        "override-no-slash" => (Some(CONSOLE_OVERRIDE_NO_SLASH), Some(SIGNIN_OVERRIDE)),
        _ => (None, None),
    };
    let console = console.map(|u| Url::parse(u).unwrap());
    let signin = signin.map(|u| Url::parse(u).unwrap());
    let target = SignInTarget::new(
        Partition::for_region(region),
        region,
        signin.as_ref(),
        console.as_ref(),
    );
    match target.destination(region, Some(requested)) {
        Ok(url) => {
            check_accepted(&url, domain);
            // Any string can be a token as far as encoding goes: use the input.
            check_login_url(&target, &url, requested, signin_host);
        }
        Err(e) => {
            assert_eq!(e.kind(), "invalid_destination", "{e}");
            // The refusal may repeat the destination only when it is plain printable ASCII.
            let m = e.to_string();
            assert!(!m.chars().any(|c| c.is_control()), "echoed: {m:?}");
        }
    }
});
