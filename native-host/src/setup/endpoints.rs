//! `rolecall doctor`'s view of the endpoints: the overrides (console/endpoints.rs), each one
//! in force with its URL, each refused one (a failure, naming the variable), the variables
//! that are set but ignored; and the URL each network check calls.

use crate::console::endpoints::{self, GENERIC, IGNORE};
use crate::console::partition::Partition;
use crate::setup::doctor::{Check, Status};

const FIX: &str = "unset it, or point it at an https URL (plain http only on 127.0.0.1, ::1 or localhost) without a user name or password";

pub fn checks(lookup: &dyn Fn(&str) -> Option<String>) -> Vec<Check> {
    let info = |message: String| Check {
        status: Status::Info,
        message,
        fix: None,
    };
    let mut out = Vec::new();
    let set = |v: &str| lookup(v).is_some_and(|x| !x.trim().is_empty());
    if endpoints::ignored(lookup) {
        let off: Vec<&str> = endpoints::ALL.into_iter().filter(|v| set(v)).collect();
        out.push(info(format!(
            "{IGNORE}=true: no endpoint override is in force, every call goes to AWS{}",
            if off.is_empty() {
                String::new()
            } else {
                format!(" (ignored: {})", off.join(", "))
            }
        )));
    }
    for (variable, state) in endpoints::listed(lookup) {
        out.push(match state {
            Ok(o) => info(format!("endpoint override {variable}={}", o.value)),
            Err(e) => Check {
                status: Status::Fail,
                message: e.to_string(),
                fix: Some(format!("{variable}: {FIX}")),
            },
        });
    }
    if set(GENERIC) {
        out.push(info(format!(
            "{GENERIC} is set and ignored: rolecall honours only the service-specific overrides ({})",
            endpoints::ALL[..4].join(", ")
        )));
    }
    out
}

/// The STS endpoint the SDK would call for `region` (a refused override is not called).
pub fn sts_url(region: &str) -> String {
    if let Ok(Some(url)) = crate::sources::gateway::sts::endpoint_override() {
        return url;
    }
    match Partition::for_region(region) {
        Partition::AwsCn => format!("https://sts.{region}.amazonaws.com.cn"),
        _ => format!("https://sts.{region}.amazonaws.com"),
    }
}

/// The sign-in endpoint for `region`; `None` when its override is refused.
pub fn signin_url(region: &str) -> Option<String> {
    match endpoints::get(endpoints::SIGNIN) {
        Ok(Some(o)) => Some(o.url.to_string()),
        Ok(None) => Some(Partition::for_region(region).signin_url().to_owned()),
        Err(_) => None,
    }
}

pub fn not_checked(what: &str, variable: &str) -> Check {
    Check {
        status: Status::Info,
        message: format!("{what} not checked: {variable} is refused (see above)"),
        fix: None,
    }
}

/// The portal endpoint an SSO source's calls go to (after the override); `None` when the
/// override is refused.
pub fn portal_url(region: &str) -> Option<String> {
    match endpoints::get(endpoints::SSO) {
        Ok(Some(o)) => Some(o.value),
        Ok(None) => Some(match Partition::for_region(region) {
            Partition::AwsCn => format!("https://portal.sso.{region}.amazonaws.com.cn"),
            _ => format!("https://portal.sso.{region}.amazonaws.com"),
        }),
        Err(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn run(pairs: &[(&str, &str)]) -> Vec<Check> {
        let map: HashMap<&str, &str> = pairs.iter().copied().collect();
        checks(&move |k: &str| map.get(k).map(|v| (*v).to_owned()))
    }

    #[test]
    fn doctor_lists_every_override_in_force_and_fails_on_a_refused_one() {
        assert!(run(&[]).is_empty());
        let c = run(&[
            (endpoints::STS, "http://127.0.0.1:5000"),
            (endpoints::SIGNIN, "https://signin.example/federation"),
            (endpoints::SSO, "http://portal.evil.example"),
            (GENERIC, "http://127.0.0.1:4566"),
        ]);
        let lines: Vec<_> = c.iter().map(|c| (c.status, c.message.as_str())).collect();
        assert_eq!(
            lines[0],
            (
                Status::Info,
                "endpoint override AWS_ENDPOINT_URL_STS=http://127.0.0.1:5000"
            )
        );
        assert_eq!(lines[1].0, Status::Fail);
        assert!(
            lines[1].1.contains("AWS_ENDPOINT_URL_SSO is refused"),
            "{lines:?}"
        );
        assert!(!lines[1].1.contains("evil"), "{lines:?}");
        assert_eq!(
            lines[2],
            (
                Status::Info,
                "endpoint override ROLECALL_SIGNIN_URL=https://signin.example/federation"
            )
        );
        assert!(
            lines[3]
                .1
                .starts_with("AWS_ENDPOINT_URL is set and ignored"),
            "{lines:?}"
        );
        assert_eq!(c.len(), 4);
    }

    #[test]
    fn doctor_says_when_every_override_is_ignored() {
        let c = run(&[(endpoints::STS, "http://evil.example"), (IGNORE, "True")]);
        assert_eq!(
            c.len(),
            1,
            "{:?}",
            c.iter().map(|c| &c.message).collect::<Vec<_>>()
        );
        assert_eq!(c[0].status, Status::Info);
        assert!(
            c[0].message.contains("(ignored: AWS_ENDPOINT_URL_STS)"),
            "{}",
            c[0].message
        );
    }
}
