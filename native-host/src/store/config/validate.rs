//! The rules a config keeps, checked on load and before every save: names, account ids,
//! regions, colours, links, durations, the sources roles name, and the catalogue
//! subscriptions. Catalogue roles are checked with the same rules (store/catalog).

use super::schema::{
    CatalogRef, Config, Source, MFA_PROCESS_MAX_ARGS, MFA_PROCESS_MAX_ARG_LEN,
    MFA_PROCESS_TIMEOUT_SECONDS, MFA_SESSION_HOURS,
};
use crate::console::federation::SESSION_DURATION_RANGE;
use crate::console::partition::Partition;
use std::collections::HashSet;
use std::path::Path;

impl Config {
    /// Every rule a config must keep, checked on load and before every save.
    pub fn validate(&self) -> std::result::Result<(), String> {
        validate_refs(&self.catalogs)?;
        let mut seen = std::collections::HashSet::new();
        for g in &self.gateways {
            check_name("gateway name", &g.name)?;
            if !seen.insert(&g.name) {
                return Err(format!("gateway '{}' is defined twice", g.name));
            }
            if let Some(r) = &g.region {
                check_region(r).map_err(|e| format!("gateway '{}': {e}", g.name))?;
            }
            if let Some(s) = &g.mfa_serial {
                check_mfa_serial(s).map_err(|e| format!("gateway '{}': {e}", g.name))?;
            }
            if let Some(s) = &g.session_name {
                check_session_name(s).map_err(|e| format!("gateway '{}': {e}", g.name))?;
            }
            if let Some(h) = g.mfa_session_hours {
                if !MFA_SESSION_HOURS.contains(&h) {
                    return Err(format!(
                        "gateway '{}': mfa_session_hours {h} is outside 1..36",
                        g.name
                    ));
                }
            }
            if let Some(p) = &g.mfa_process {
                check_mfa_process(p).map_err(|e| format!("gateway '{}': {e}", g.name))?;
            }
            if let Some(t) = g.mfa_process_timeout_seconds {
                if !MFA_PROCESS_TIMEOUT_SECONDS.contains(&t) {
                    return Err(format!(
                        "gateway '{}': mfa_process_timeout_seconds {t} is outside 1..40",
                        g.name
                    ));
                }
            }
        }
        let mut seen_sso = std::collections::HashSet::new();
        for sso in &self.sso {
            check_name("SSO source name", &sso.name)?;
            if !seen_sso.insert(&sso.name) {
                return Err(format!("SSO source '{}' is defined twice", sso.name));
            }
            let at = |e: String| format!("SSO source '{}': {e}", sso.name);
            check_start_url(&sso.start_url).map_err(at)?;
            check_region(&sso.region).map_err(at)?;
        }
        let mut seen_groups = std::collections::HashSet::new();
        for g in &self.groups {
            if g.name.trim().is_empty() || g.name.len() > 128 {
                return Err(format!(
                    "group name '{}' must be 1 to 128 characters",
                    g.name
                ));
            }
            if !seen_groups.insert(&g.name) {
                return Err(format!("group '{}' is defined twice", g.name));
            }
        }
        if let Some(m) = self.settings.renew_before_minutes {
            if !super::edit::RENEW_BEFORE_MINUTES.contains(&m) {
                return Err(format!(
                    "settings: renew_before_minutes {m} is outside 1..60"
                ));
            }
        }
        let mut seen = std::collections::HashSet::new();
        for r in &self.roles {
            check_name("role id", &r.id)?;
            if !seen.insert(&r.id) {
                return Err(format!("role '{}' is defined twice", r.id));
            }
            let at = |e: String| format!("role '{}': {e}", r.id);
            let source = match (&r.gateway, &r.sso) {
                (Some(g), None) => self
                    .gateway(g)
                    .map(Source::Gateway)
                    .ok_or_else(|| at(format!("gateway '{g}' is not defined")))?,
                (None, Some(s)) => self
                    .sso_source(s)
                    .map(Source::Sso)
                    .ok_or_else(|| at(format!("SSO source '{s}' is not defined")))?,
                (Some(_), Some(_)) => {
                    return Err(at(
                        "it names both a gateway and an SSO source; keep one".into()
                    ))
                }
                (None, None) => return Err(at(
                    "it names no gateway and no SSO source (`gateway = \"…\"` or `sso = \"…\"`)"
                        .into(),
                )),
            };
            if r.account_id.len() != 12 || !r.account_id.bytes().all(|b| b.is_ascii_digit()) {
                return Err(at(format!(
                    "account id '{}' is not 12 digits",
                    r.account_id
                )));
            }
            check_role_name(&r.role_name).map_err(at)?;
            check_region(r.region(source.region())).map_err(at)?;
            if let Some(c) = &r.color {
                super::edit::check_color(c).map_err(at)?;
            }
            if let Some(i) = &r.icon {
                super::edit::check_icon(i).map_err(at)?;
            }
            if let Some(s) = &r.session_name {
                check_session_name(s).map_err(at)?;
            }
            // Names and their length are text rules (text.rs): a link is named here only
            // when its name keeps them.
            let mut seen_links = std::collections::HashSet::new();
            for (i, l) in r.links.iter().enumerate() {
                let link = match super::text::check_link_name(&l.name) {
                    Ok(()) => format!("link '{}'", l.name),
                    Err(_) => format!("link {}", i + 1),
                };
                if !seen_links.insert(&l.name) {
                    return Err(at(format!("{link} has the name of an earlier link")));
                }
                check_link(&l.destination, r.region(source.region()))
                    .map_err(|e| at(format!("{link}: {e}")))?;
            }
            if let Some(x) = &r.external_id {
                if x.len() < 2 || x.len() > 1224 {
                    return Err(at("external id must be 2 to 1224 characters".into()));
                }
            }
            for (what, v) in [
                ("session_duration", r.session_duration),
                ("duration_seconds", r.duration_seconds),
            ] {
                if let Some(v) = v {
                    if !SESSION_DURATION_RANGE.contains(&v) {
                        return Err(at(format!("{what} {v} is outside 900..43200 seconds")));
                    }
                }
            }
        }
        Ok(())
    }
}

/// An `mfa_process`: a program and its arguments, run without a shell. Words are bounded and
/// hold no control character (a NUL cannot reach an exec, and the others have no place in
/// a command a person reads in `gateway list`).
pub fn check_mfa_process(argv: &[String]) -> std::result::Result<(), String> {
    let Some(program) = argv.first() else {
        return Err("mfa_process is empty; give the program and its arguments, e.g. [\"ykman\", \"oath\", \"accounts\", \"code\", \"-s\", \"NAME\"]".into());
    };
    if program.trim().is_empty() {
        return Err("mfa_process names no program (its first word is empty)".into());
    }
    if argv.len() > MFA_PROCESS_MAX_ARGS {
        return Err(format!(
            "mfa_process has {} words; at most {MFA_PROCESS_MAX_ARGS}",
            argv.len()
        ));
    }
    for (i, a) in argv.iter().enumerate() {
        if a.len() > MFA_PROCESS_MAX_ARG_LEN {
            return Err(format!(
                "mfa_process word {} is {} bytes long; at most {MFA_PROCESS_MAX_ARG_LEN}",
                i + 1,
                a.len()
            ));
        }
        if a.chars().any(char::is_control) {
            return Err(format!(
                "mfa_process word {} holds a control character",
                i + 1
            ));
        }
    }
    Ok(())
}

/// A link's destination must pass the click path's check: a console path, or a console URL
/// of the role's partition (checked as if no console override were set).
pub(super) fn check_link(destination: &str, region: &str) -> std::result::Result<(), String> {
    let target = crate::console::federation::SignInTarget::new(
        Partition::for_region(region),
        region,
        None,
        None,
    );
    target
        .destination(region, Some(destination))
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// A region from the user's own config (or a file being imported): named as written, so
/// they can find it.
fn check_region(r: &str) -> std::result::Result<(), String> {
    match Partition::of_region(r) {
        Some(_) => Ok(()),
        None => Err(format!(
            "'{r}' is not an AWS region rolecall supports ({})",
            crate::console::partition::SUPPORTED_REGIONS
        )),
    }
}

/// An access portal start URL: an https URL (http only for a loopback test portal).
pub fn check_start_url(u: &str) -> std::result::Result<(), String> {
    let ok = url::Url::parse(u).is_ok_and(|p| {
        p.scheme() == "https"
            || (p.scheme() == "http"
                && matches!(p.host_str(), Some("127.0.0.1" | "localhost" | "[::1]")))
    });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "start URL '{u}' is not an https URL (like https://my-company.awsapps.com/start)"
        ))
    }
}

/// Role ids and gateway names: what the config accepts, so also all a request may name.
pub fn is_valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.@+".contains(&b))
}

fn check_name(what: &str, s: &str) -> std::result::Result<(), String> {
    if is_valid_name(s) {
        Ok(())
    } else {
        Err(format!(
            "{what} '{s}' must be 1 to 64 letters, digits or - _ . @ +"
        ))
    }
}

fn check_role_name(s: &str) -> std::result::Result<(), String> {
    // IAM role names may carry a path: `path/to/Name`.
    let ok = !s.is_empty()
        && s.len() <= 512
        && !s.starts_with('/')
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-/".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(format!("'{s}' is not an IAM role name"))
    }
}

fn check_session_name(s: &str) -> std::result::Result<(), String> {
    let ok = (2..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "session name '{s}' must be 2 to 64 letters, digits or + = , . @ _ -"
        ))
    }
}

pub fn check_mfa_serial(s: &str) -> std::result::Result<(), String> {
    // An ARN (virtual or hardware device), or a hardware token's serial number.
    let arn = s.starts_with("arn:aws") && s.contains(":iam::") && s.contains(":mfa/");
    let serial = (9..=256).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric());
    if arn || serial {
        Ok(())
    } else {
        Err(format!(
            "'{s}' is not an MFA device ARN (arn:aws:iam::<account>:mfa/<name>)"
        ))
    }
}

impl CatalogRef {
    pub fn validate(&self) -> Result<(), String> {
        let at = |e: String| format!("catalog '{}': {e}", self.name);
        if !is_valid_name(&self.name) {
            return Err(format!(
                "catalog name '{}' must be 1 to 64 letters, digits or - _ . @ +",
                self.name
            ));
        }
        match (&self.url, &self.file) {
            (Some(u), None) => check_url(u).map_err(at)?,
            (None, Some(f)) => {
                if !Path::new(f).is_absolute() {
                    return Err(at(format!("file '{f}' is not an absolute path")));
                }
            }
            _ => return Err(at("it needs exactly one of `url` and `file`".into())),
        }
        if !is_sha256_hex(&self.sha256) {
            return Err(at(format!(
                "sha256 '{}' is not 64 hexadecimal digits",
                self.sha256
            )));
        }
        for (shared, local) in &self.map {
            for n in [shared, local] {
                if !is_valid_name(n) {
                    return Err(at(format!(
                        "map: '{n}' is not a gateway or SSO source name (1 to 64 letters, digits or - _ . @ +)"
                    )));
                }
            }
        }
        Ok(())
    }
}

/// Every `[[catalog]]` of a config: valid, and each name once.
pub fn validate_refs(refs: &[CatalogRef]) -> Result<(), String> {
    let mut seen = HashSet::new();
    for c in refs {
        c.validate()?;
        if !seen.insert(&c.name) {
            return Err(format!("catalog '{}' is defined twice", c.name));
        }
    }
    Ok(())
}

/// Catalogues come over https only: the digest pins the content, TLS who served it. The URL
/// carries no credentials (`https://TOKEN@host/…`): rolecall keeps it in the config and names
/// it in messages. So no message here repeats it, a refused one may hold a token.
pub fn check_url(u: &str) -> Result<(), String> {
    // The authority as written, before the URL parser drops an empty `@`.
    let authority = u.split_once("://").map_or("", |(_, rest)| {
        rest.split(['/', '\\', '?', '#']).next().unwrap_or("")
    });
    let parsed = url::Url::parse(u).ok();
    if authority.contains('@')
        || parsed
            .as_ref()
            .is_some_and(|p| !p.username().is_empty() || p.password().is_some())
    {
        return Err("the URL holds a user name or password before its host (`user@host`); a catalogue URL carries no credentials: publish the catalogue where it can be read without them, or subscribe to a file (`--file`)".into());
    }
    match parsed {
        Some(p) if p.scheme() == "https" && p.host_str().is_some() => Ok(()),
        _ => Err("the URL is not an https URL (https://host/path)".into()),
    }
}

pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::super::sample;
    use super::*;

    #[test]
    fn validation_names_the_problem() {
        let mut c = sample();
        c.roles[0].account_id = "12345".into();
        assert!(c.validate().unwrap_err().contains("12 digits"));
        let mut c = sample();
        c.roles[1].gateway = Some("nope".into());
        assert!(c
            .validate()
            .unwrap_err()
            .contains("gateway 'nope' is not defined"));
        let mut c = sample();
        c.roles[0].color = Some("mauve".into());
        assert!(c.validate().unwrap_err().contains("colour 'mauve'"));
        let mut c = sample();
        c.roles.push(c.roles[0].clone());
        assert!(c.validate().unwrap_err().contains("defined twice"));
        let mut c = sample();
        c.roles[0].session_duration = Some(50_000);
        assert!(c.validate().unwrap_err().contains("session_duration"));
    }

    #[test]
    fn catalogue_subscriptions_are_validated() {
        let mut c = CatalogRef {
            name: "platform".into(),
            file: Some("/tmp/platform.toml".into()),
            sha256: "0".repeat(64),
            ..CatalogRef::default()
        };
        c.validate().unwrap();
        c.url = Some("http://example.com/x.toml".into());
        assert!(c.validate().unwrap_err().contains("exactly one"));
        c.file = None;
        assert!(c.validate().unwrap_err().contains("https"));
        c.url = Some("https://example.com/x.toml".into());
        c.sha256 = "abc".into();
        assert!(c.validate().unwrap_err().contains("64 hexadecimal"));
    }

    #[test]
    fn a_catalogue_url_with_a_user_part_is_refused_and_never_repeated() {
        for u in [
            "https://ghp_TOKEN1234@example.com/roles.toml",
            "https://ghp_TOKEN1234:x-oauth@example.com/roles.toml",
            "https://:ghp_TOKEN1234@example.com/roles.toml",
            "https://ghp_TOKEN1234@/roles.toml",
            "https://@example.com/roles.toml",
            "http://ghp_TOKEN1234@example.com/roles.toml",
        ] {
            let e = check_url(u).unwrap_err();
            assert!(e.contains("user name or password"), "{u}: {e}");
            assert!(!e.contains("TOKEN1234"), "{e}");
        }
        let e = check_url("ftp://example.com/ghp_TOKEN1234").unwrap_err();
        assert!(
            e.contains("not an https URL") && !e.contains("TOKEN1234"),
            "{e}"
        );
        check_url("https://example.com/team/roles.toml?ref=main").unwrap();
        // A subscription holding one in a hand-edited config: refused, not repeated.
        let c = CatalogRef {
            name: "platform".into(),
            url: Some("https://ghp_TOKEN1234@example.com/roles.toml".into()),
            sha256: "0".repeat(64),
            ..CatalogRef::default()
        };
        let e = c.validate().unwrap_err();
        assert!(
            e.starts_with("catalog 'platform': the URL holds") && !e.contains("TOKEN1234"),
            "{e}"
        );
    }
}
