//! A catalogue's schema and its checks: `[[role]]` tables in the config's own schema and
//! nothing else (no gateways, SSO sources, settings, other catalogues or secrets), every role
//! checked with the config's rules, and what is wrong located by file, line and field.

use super::MAX_BYTES;
use crate::store::config::{self, Config, Gateway, Role, SsoSource};
use serde::Deserialize;
use std::collections::HashSet;

/// What is wrong with a catalogue, named so the user (or the catalogue's maintainer) can
/// find it: the file or URL, the line, and the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    #[error("Catalogue {origin}, line {line}{}: {message}", field.as_ref().map(|f| format!(", field `{f}`")).unwrap_or_default())]
    Invalid {
        origin: String,
        line: usize,
        field: Option<String>,
        message: String,
    },
    #[error("Catalogue {origin} is not UTF-8 text.")]
    NotText { origin: String },
    #[error("Catalogue {origin} is larger than {} MiB; rolecall reads catalogues up to that size.", MAX_BYTES >> 20)]
    TooLarge { origin: String },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    #[serde(default)]
    role: Vec<Role>,
}

/// Parses and checks a catalogue: `origin` names it in errors (its file or URL).
/// Roles are checked on their own (their sources are the catalogue's shared names), the
/// whole file for secrets and for tables a catalogue may not hold.
pub fn parse(origin: &str, bytes: &[u8]) -> Result<Vec<Role>, CatalogError> {
    if bytes.len() > MAX_BYTES {
        return Err(CatalogError::TooLarge {
            origin: origin.to_owned(),
        });
    }
    let text = std::str::from_utf8(bytes).map_err(|_| CatalogError::NotText {
        origin: origin.to_owned(),
    })?;
    let invalid = |offset: usize, field: Option<String>, message: String| CatalogError::Invalid {
        origin: origin.to_owned(),
        line: line_of(text, offset),
        field,
        message,
    };
    let roles = match toml::from_str::<CatalogFile>(text) {
        Ok(f) => f.role,
        Err(e) => return Err(diagnose(text, e, &invalid)),
    };
    if let Some(offset) = find_access_key(text) {
        let field = Spans::new(text).and_then(|s| s.field_at(offset));
        return Err(invalid(
            offset,
            field,
            "this looks like an AWS access key id; a catalogue holds no keys or other secrets (each user keeps theirs in the keyring)".into(),
        ));
    }
    let mut seen = HashSet::new();
    // Spans are worked out only when something is wrong.
    let mut spans: Option<Spans> = None;
    fn located<'a>(spans: &'a mut Option<Spans>, text: &str) -> &'a Spans {
        spans.get_or_insert_with(|| Spans::new(text).unwrap_or_default())
    }
    for (i, role) in roles.iter().enumerate() {
        if role.gateway.is_none() && role.sso.is_none() {
            return Err(invalid(
                located(&mut spans, text).role_start(i),
                None,
                format!(
                    "role '{}' names no source: give it `gateway = \"…\"` or `sso = \"…\"` (a name each user maps to their own)",
                    role.id
                ),
            ));
        }
        if let Err(message) = stub_config(role).validate() {
            let field = guilty_field(text, i);
            let s = located(&mut spans, text);
            let offset = field
                .as_deref()
                .and_then(|f| s.key_start(i, f))
                .unwrap_or_else(|| s.role_start(i));
            return Err(invalid(offset, field, message));
        }
        if !seen.insert(role.id.as_str()) {
            let s = located(&mut spans, text);
            return Err(invalid(
                s.key_start(i, "id").unwrap_or_else(|| s.role_start(i)),
                Some("id".into()),
                format!("role '{}' is defined twice", role.id),
            ));
        }
    }
    Ok(roles)
}

/// Parses an accepted copy at list time: its digest was checked by the caller and it was
/// fully checked when accepted, so this is the plain parse.
pub fn parse_accepted(origin: &str, bytes: &[u8]) -> Result<Vec<Role>, CatalogError> {
    let text = std::str::from_utf8(bytes).map_err(|_| CatalogError::NotText {
        origin: origin.to_owned(),
    })?;
    toml::from_str::<CatalogFile>(text)
        .map(|f| f.role)
        .map_err(|e| CatalogError::Invalid {
            origin: origin.to_owned(),
            line: e.span().map_or(1, |s| line_of(text, s.start)),
            field: None,
            message: e.message().to_owned(),
        })
}

/// A config holding the role and stand-ins for the source it names, to check the role
/// with the config's own rules.
fn stub_config(role: &Role) -> Config {
    let mut c = Config::default();
    if let Some(g) = &role.gateway {
        c.gateways.push(Gateway {
            name: g.clone(),
            ..Gateway::default()
        });
    }
    if let Some(s) = &role.sso {
        c.sso.push(SsoSource {
            name: s.clone(),
            start_url: "https://catalogue.invalid/start".into(),
            region: config::DEFAULT_REGION.into(),
        });
    }
    c.roles.push(role.clone());
    c
}

/// Values that stand in for a required field, so that each field can be checked alone.
fn placeholder(key: &str) -> Option<toml::Value> {
    let v = match key {
        "id" => "placeholder",
        "account_id" => "000000000000",
        "role_name" => "Placeholder",
        "gateway" | "sso" => "placeholder",
        _ => return None,
    };
    Some(toml::Value::String(v.into()))
}

/// The field a role's check fails on: the first key whose removal (or replacement, for a
/// required one) makes the role pass. Generic over the role's fields, so new ones are
/// located without a table of messages.
fn guilty_field(text: &str, index: usize) -> Option<String> {
    let doc: toml::Table = toml::from_str(text).ok()?;
    let table = doc.get("role")?.as_array()?.get(index)?.as_table()?.clone();
    let mut keys: Vec<&String> = table.keys().collect();
    // Report the first in file order when several would each fix it.
    if let Some(s) = Spans::new(text) {
        keys.sort_by_key(|k| s.key_start(index, k).unwrap_or(usize::MAX));
    }
    for key in keys {
        let mut t = table.clone();
        match placeholder(key) {
            Some(v) => {
                t.insert(key.clone(), v);
            }
            None => {
                t.remove(key);
            }
        }
        let Ok(r) = toml::Value::Table(t).try_into::<Role>() else {
            continue;
        };
        if stub_config(&r).validate().is_ok() {
            return Some(key.clone());
        }
    }
    None
}

/// A toml parse or schema error, with the field it is in and what a catalogue may hold.
fn diagnose(
    text: &str,
    e: toml::de::Error,
    invalid: &dyn Fn(usize, Option<String>, String) -> CatalogError,
) -> CatalogError {
    let offset = e.span().map_or(0, |s| s.start);
    let Some(spans) = Spans::new(text) else {
        // Not TOML at all: toml's own message names the place.
        return invalid(offset, None, e.message().trim().to_owned());
    };
    for (key, start) in spans.top_level_keys() {
        let why = match key.as_str() {
            "role" => continue,
            "gateway" | "sso" => "a catalogue holds no gateways or SSO sources: its roles name them (`gateway = \"…\"`, `sso = \"…\"`) and each user maps those names to their own",
            "settings" => "a catalogue holds no settings; those are each user's own",
            "catalog" => "a catalogue cannot subscribe to other catalogues",
            _ => "a catalogue holds only [[role]] tables",
        };
        return invalid(start, Some(key), why.into());
    }
    let field = spans.field_at(offset);
    invalid(offset, field, e.message().trim().to_owned())
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// An AWS access key id (`AKIA…`, `ASIA…`: four letters and 16 more of A-Z, 2-7) anywhere in
/// the text: its offset.
fn find_access_key(text: &str) -> Option<usize> {
    let b = text.as_bytes();
    (0..b.len().saturating_sub(19)).find(|&i| {
        (b[i..].starts_with(b"AKIA") || b[i..].starts_with(b"ASIA"))
            && (i == 0 || !b[i - 1].is_ascii_alphanumeric())
            && b[i + 4..i + 20]
                .iter()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            && b.get(i + 20).is_none_or(|c| !c.is_ascii_alphanumeric())
    })
}

/// Where the top-level keys, role tables and their keys sit in the text.
#[derive(Default)]
struct Spans {
    top: Vec<(String, usize)>,
    /// Per role: the table's start, and each key with its key's and value's spans.
    roles: Vec<RoleSpans>,
}

#[derive(Default)]
struct RoleSpans {
    start: usize,
    keys: Vec<(String, std::ops::Range<usize>, std::ops::Range<usize>)>,
}

impl Spans {
    fn new(text: &str) -> Option<Spans> {
        let doc = toml::de::DeTable::parse(text).ok()?;
        let doc = doc.get_ref();
        let mut top: Vec<(String, usize)> = doc
            .iter()
            .map(|(k, v)| (k.get_ref().to_string(), k.span().start.min(v.span().start)))
            .collect();
        top.sort_by_key(|(_, s)| *s);
        let mut roles = Vec::new();
        if let Some(arr) = doc.get("role").and_then(|v| v.get_ref().as_array()) {
            for t in arr.iter() {
                let mut rs = RoleSpans {
                    start: t.span().start,
                    keys: Vec::new(),
                };
                if let Some(table) = t.get_ref().as_table() {
                    for (k, v) in table.iter() {
                        rs.start = rs.start.min(k.span().start);
                        rs.keys.push((k.get_ref().to_string(), k.span(), v.span()));
                    }
                }
                roles.push(rs);
            }
        }
        Some(Spans { top, roles })
    }

    fn top_level_keys(&self) -> impl Iterator<Item = (String, usize)> + '_ {
        self.top.iter().cloned()
    }

    /// The `[[role]]` header of role `i` (the line before its first key).
    fn role_start(&self, i: usize) -> usize {
        self.roles.get(i).map_or(0, |r| r.start)
    }

    fn key_start(&self, i: usize, key: &str) -> Option<usize> {
        self.roles
            .get(i)?
            .keys
            .iter()
            .find(|(k, _, _)| k == key)
            .map(|(_, ks, _)| ks.start)
    }

    /// The role field whose key or value holds the offset.
    fn field_at(&self, offset: usize) -> Option<String> {
        self.roles
            .iter()
            .flat_map(|r| &r.keys)
            .find_map(|(k, ks, vs)| {
                (ks.contains(&offset) || vs.contains(&offset) || vs.end == offset)
                    .then(|| k.clone())
            })
    }
}

#[cfg(test)]
mod tests {
    use super::super::GOOD;
    use super::*;

    fn err(text: &str) -> (usize, Option<String>, String) {
        match parse("cat.toml", text.as_bytes()).unwrap_err() {
            CatalogError::Invalid {
                line,
                field,
                message,
                ..
            } => (line, field, message),
            other => panic!("{other}"),
        }
    }

    #[test]
    fn a_good_catalogue_parses() {
        let roles = parse("cat.toml", GOOD.as_bytes()).unwrap();
        assert_eq!(roles.len(), 2);
        assert_eq!(roles[0].gateway.as_deref(), Some("team"));
        assert_eq!(roles[1].sso.as_deref(), Some("company"));
    }

    #[test]
    fn errors_name_the_line_and_field() {
        let bad = GOOD.replace("\"222222222222\"", "\"2222\"");
        let (line, field, message) = err(&bad);
        assert_eq!((line, field.as_deref()), (12, Some("account_id")));
        assert!(message.contains("12 digits"), "{message}");

        let bad = GOOD.replace("label = \"Production\"", "colour = \"red\"");
        let (line, field, message) = err(&bad);
        assert_eq!((line, field.as_deref()), (7, Some("colour")), "{message}");
        assert!(message.contains("unknown field"), "{message}");

        let bad = GOOD.replace("group = \"Acme\"", "color = \"mauve\"");
        let (line, field, _) = err(&bad);
        assert_eq!((line, field.as_deref()), (8, Some("color")));

        let bad = GOOD.replace("role_name = \"ReadOnly\"", "role_name = 7");
        let (line, field, _) = err(&bad);
        assert_eq!((line, field.as_deref()), (13, Some("role_name")));

        let bad = format!("{GOOD}\n[[gateway]]\nname = \"team\"\n");
        let (line, field, message) = err(&bad);
        assert_eq!((line, field.as_deref()), (16, Some("gateway")));
        assert!(message.contains("no gateways"), "{message}");

        let (line, _, _) = err("[[role]]\nid = \n");
        assert_eq!(line, 2);

        let bad = GOOD.replace("id = \"shared-dev\"", "id = \"shared-prod\"");
        let (line, field, message) = err(&bad);
        assert_eq!((line, field.as_deref()), (11, Some("id")));
        assert!(message.contains("twice"));

        let bad = GOOD.replace("sso = \"company\"\n", "");
        let (line, field, message) = err(&bad);
        assert_eq!((line, field), (10, None));
        assert!(message.contains("names no source"), "{message}");
    }

    #[test]
    fn secrets_are_refused_wherever_they_are() {
        let bad = GOOD.replace("label = \"Production\"", "label = \"AKIAIOSFODNN7EXAMPLE\"");
        let (line, field, message) = err(&bad);
        assert_eq!((line, field.as_deref()), (7, Some("label")));
        assert!(message.contains("no keys or other secrets"));
        // An unknown field holding a secret: refused, and the secret is not repeated.
        let bad = GOOD.replace(
            "label = \"Production\"",
            "aws_secret_access_key = \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\"",
        );
        let e = parse("cat.toml", bad.as_bytes()).unwrap_err().to_string();
        assert!(e.contains("aws_secret_access_key"), "{e}");
        assert!(!e.contains("wJalrXUtnFEMI"), "{e}");
    }

    #[test]
    fn the_message_says_file_line_and_field() {
        let bad = GOOD.replace("\"222222222222\"", "\"2222\"");
        let e = parse("https://example.com/roles.toml", bad.as_bytes()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Catalogue https://example.com/roles.toml, line 12, field `account_id`: role 'shared-dev': account id '2222' is not 12 digits"
        );
        assert!(matches!(
            parse("x", b"\xff\xfe").unwrap_err(),
            CatalogError::NotText { .. }
        ));
    }

    #[test]
    fn access_keys_are_found_as_whole_words() {
        assert_eq!(find_access_key("x = \"AKIAIOSFODNN7EXAMPLE\""), Some(5));
        assert_eq!(find_access_key("AKIAIOSFODNN7EXAMPLEX"), None);
    }
}
