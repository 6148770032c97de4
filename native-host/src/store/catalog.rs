//! Shared role catalogues: TOML files of `[[role]]` tables in the config's own schema, with
//! no gateways, SSO sources, settings or secrets. A catalogue names its roles' sources by
//! shared names that each user maps to their own (`map`), and is read from its source only
//! by `rolecall catalog add|update` (setup/catalogs.rs), which keeps the accepted copy in
//! `<config folder>/catalogs/<name>.toml` and its SHA-256 in the config. Listing and clicks
//! read that copy, never the network, and refuse it when its digest is not the accepted one.
//!
//! A bad catalogue never breaks the local config: at `catalog update` it is refused with the
//! file, line and field at fault; at list time a copy that no longer loads is skipped and
//! reported, and the local roles are served as before. A local role wins over a catalogue's
//! role of the same id (and the first catalogue over a later one).

use crate::store::config::{self, Config, Gateway, Role, SsoSource};
use serde::{Deserialize, Serialize};
use sha2::Digest;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

/// The folder beside `config.toml` that holds the accepted copies.
pub const DIR: &str = "catalogs";
/// The largest catalogue accepted (a catalogue of 5,000 roles is about 700 KB).
pub const MAX_BYTES: usize = 16 << 20;

/// A catalogue the user subscribed to: `[[catalog]]` in the config.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogRef {
    pub name: String,
    /// Where `catalog update` reads it: an https URL…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// …or a file (an absolute path). Exactly one of the two.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The SHA-256 (hex) of the copy the user accepted: another one is refused until the
    /// user accepts it (`catalog update NAME --sha256 NEW` or `--accept`).
    pub sha256: String,
    /// The catalogue's names for gateways and SSO sources → the user's own. A name not
    /// mapped stands for the local source of the same name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub map: BTreeMap<String, String>,
}

impl CatalogRef {
    /// The URL or file it is read from, as the user gave it.
    pub fn source(&self) -> &str {
        self.url.as_deref().or(self.file.as_deref()).unwrap_or("")
    }

    /// The user's own name for a source the catalogue names `shared`.
    pub fn local_name<'a>(&'a self, shared: &'a str) -> &'a str {
        self.map.get(shared).map_or(shared, String::as_str)
    }

    pub fn validate(&self) -> Result<(), String> {
        let at = |e: String| format!("catalog '{}': {e}", self.name);
        if !config::is_valid_name(&self.name) {
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
                if !config::is_valid_name(n) {
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

/// Catalogues come over https only: the digest pins the content, TLS who served it.
pub fn check_url(u: &str) -> Result<(), String> {
    match url::Url::parse(u) {
        Ok(p) if p.scheme() == "https" && p.host_str().is_some() && p.password().is_none() => {
            Ok(())
        }
        _ => Err(format!("URL '{u}' is not an https URL")),
    }
}

pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Where the accepted copy of a catalogue is kept: named after its digest, so accepting a
/// new copy is one config save (the old copy stays valid until then, and is removed after).
pub fn cache_path(config_dir: &Path, name: &str, sha256: &str) -> PathBuf {
    config_dir
        .join(DIR)
        .join(format!("{name}.{}.toml", sha256.to_ascii_lowercase()))
}

/// Copies of catalogue `name` other than the one with digest `keep`.
pub fn stale_copies(config_dir: &Path, name: &str, keep: Option<&str>) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(config_dir.join(DIR)) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok())
        .filter(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            n.strip_prefix(name)
                .and_then(|r| r.strip_prefix('.'))
                .and_then(|r| r.strip_suffix(".toml"))
                .is_some_and(|d| is_sha256_hex(d) && Some(d) != keep)
        })
        .map(|e| e.path())
        .collect()
}

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

/// What became of one subscribed catalogue when the roles were put together.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub name: String,
    /// Why its accepted copy could not be used (missing, changed, unreadable), if so.
    pub error: Option<String>,
    /// How many roles it has.
    pub roles: usize,
    /// Its roles that are listed.
    pub shown: usize,
    /// Its roles hidden by a role of the same id: (id, by whom: "local" or a catalogue).
    pub shadowed: Vec<(String, String)>,
    /// Its roles left out: (id, why), e.g. a source no local one is mapped to.
    pub unusable: Vec<(String, String)>,
}

/// The config with every catalogue's roles added after the local ones.
#[derive(Debug, Clone, Default)]
pub struct Effective {
    /// Local roles first, then each catalogue's, mapped to the user's sources.
    pub config: Config,
    /// Role id → the catalogue it comes from (local roles are absent).
    pub origin: HashMap<String, String>,
    /// Local role id → the catalogue whose role of the same id it hides.
    pub shadows: HashMap<String, String>,
    pub reports: Vec<Report>,
}

impl Effective {
    pub fn catalog_of(&self, role: &str) -> Option<&str> {
        self.origin.get(role).map(String::as_str)
    }
}

/// The catalogue's role with its source names mapped to the user's; `Err` says why it
/// cannot be used here.
pub fn map_role(catalog: &CatalogRef, role: &Role, config: &Config) -> Result<Role, String> {
    let mut r = role.clone();
    match (&role.gateway, &role.sso) {
        (Some(g), None) => {
            let local = catalog.local_name(g);
            if config.gateway(local).is_none() {
                return Err(format!(
                    "its gateway '{g}' is not one of yours: map it with `rolecall catalog update {} --map {g}=YOUR-GATEWAY`",
                    catalog.name
                ));
            }
            r.gateway = Some(local.to_owned());
        }
        (None, Some(s)) => {
            let local = catalog.local_name(s);
            if config.sso_source(local).is_none() {
                return Err(format!(
                    "its SSO source '{s}' is not one of yours: map it with `rolecall catalog update {} --map {s}=YOUR-SSO-SOURCE`",
                    catalog.name
                ));
            }
            r.sso = Some(local.to_owned());
        }
        _ => return Err("it names no single source".into()),
    }
    Ok(r)
}

/// Reads the accepted copy of a catalogue, refusing one whose digest is not the accepted.
pub fn read_accepted(config_dir: &Path, catalog: &CatalogRef) -> Result<Vec<Role>, String> {
    let path = cache_path(config_dir, &catalog.name, &catalog.sha256);
    let bytes = std::fs::read(&path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            format!(
                "its copy {} is missing; run `rolecall catalog update {}`",
                path.display(),
                catalog.name
            )
        } else {
            format!("cannot read its copy {} ({e})", path.display())
        }
    })?;
    if sha256_hex(&bytes) != catalog.sha256.to_ascii_lowercase() {
        return Err(format!(
            "its copy {} is not the one accepted (its SHA-256 differs); run `rolecall catalog update {}`",
            path.display(),
            catalog.name
        ));
    }
    parse_accepted(&path.display().to_string(), &bytes).map_err(|e| e.to_string())
}

/// Puts the local roles and every catalogue's together. `load` gives a catalogue's roles
/// (normally [`read_accepted`]); a catalogue that fails is reported and left out.
pub fn effective(
    config: &Config,
    mut load: impl FnMut(&CatalogRef) -> Result<Vec<Role>, String>,
) -> Effective {
    let mut out = Effective {
        config: config.clone(),
        ..Effective::default()
    };
    if config.catalogs.is_empty() {
        return out;
    }
    let local: HashSet<&str> = config.roles.iter().map(|r| r.id.as_str()).collect();
    let mut taken: HashMap<String, String> = HashMap::new();
    for catalog in &config.catalogs {
        let mut report = Report {
            name: catalog.name.clone(),
            ..Report::default()
        };
        let roles = match load(catalog) {
            Ok(r) => r,
            Err(e) => {
                log::warn!("catalogue {} left out: {e}", catalog.name);
                report.error = Some(e);
                out.reports.push(report);
                continue;
            }
        };
        report.roles = roles.len();
        let mut added = Vec::new();
        for role in &roles {
            if local.contains(role.id.as_str()) {
                out.shadows
                    .entry(role.id.clone())
                    .or_insert_with(|| catalog.name.clone());
                report.shadowed.push((role.id.clone(), "local".into()));
                continue;
            }
            if let Some(by) = taken.get(&role.id) {
                report
                    .shadowed
                    .push((role.id.clone(), format!("catalogue {by}")));
                continue;
            }
            match map_role(catalog, role, config) {
                Ok(r) => added.push(r),
                Err(why) => report.unusable.push((role.id.clone(), why)),
            }
        }
        // The usual case: every role passes the config's rules together. Else each is
        // checked against the local config alone, and the ones that fail are left out.
        let before = out.config.roles.len();
        out.config.roles.extend(added);
        if out.config.validate().is_err() {
            let candidates = out.config.roles.split_off(before);
            let mut alone = config.clone();
            for r in candidates {
                alone.roles.push(r);
                match alone.validate() {
                    Ok(()) => out.config.roles.push(alone.roles.pop().unwrap_or_default()),
                    Err(e) => {
                        let r = alone.roles.pop().unwrap_or_default();
                        report.unusable.push((r.id, e));
                    }
                }
            }
        }
        for r in &out.config.roles[before..] {
            taken.insert(r.id.clone(), catalog.name.clone());
            out.origin.insert(r.id.clone(), catalog.name.clone());
        }
        report.shown = out.config.roles.len() - before;
        out.reports.push(report);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[[role]]
id = "shared-prod"
account_id = "111111111111"
role_name = "Admin"
gateway = "team"
label = "Production"
group = "Acme"

[[role]]
id = "shared-dev"
account_id = "222222222222"
role_name = "ReadOnly"
sso = "company"
"#;

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

    fn local() -> Config {
        toml::from_str(
            r#"
[[gateway]]
name = "corp"
region = "eu-west-1"

[[sso]]
name = "acme"
start_url = "https://acme.awsapps.com/start"
region = "eu-west-1"

[[role]]
id = "shared-prod"
account_id = "999999999999"
role_name = "Mine"
gateway = "corp"

[[catalog]]
name = "platform"
file = "/tmp/platform.toml"
sha256 = "0000000000000000000000000000000000000000000000000000000000000000"
map = { team = "corp", company = "acme" }
"#,
        )
        .unwrap()
    }

    #[test]
    fn catalogue_roles_are_mapped_and_local_ones_win() {
        let config = local();
        config.validate().unwrap();
        let e = effective(&config, |_| {
            parse("cat.toml", GOOD.as_bytes()).map_err(|e| e.to_string())
        });
        let ids: Vec<&str> = e.config.roles.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["shared-prod", "shared-dev"]);
        // The local shared-prod wins; shared-dev comes from the catalogue, mapped.
        assert_eq!(e.config.roles[0].account_id, "999999999999");
        assert_eq!(e.catalog_of("shared-dev"), Some("platform"));
        assert_eq!(e.catalog_of("shared-prod"), None);
        assert_eq!(
            e.shadows.get("shared-prod").map(String::as_str),
            Some("platform")
        );
        assert_eq!(e.config.roles[1].sso.as_deref(), Some("acme"));
        assert_eq!(e.config.region_of(&e.config.roles[1]), "eu-west-1");
        e.config.validate().unwrap();
        let r = &e.reports[0];
        assert_eq!((r.roles, r.shown), (2, 1));
        assert_eq!(r.shadowed, [("shared-prod".to_owned(), "local".to_owned())]);
    }

    #[test]
    fn unmapped_sources_and_broken_copies_leave_the_local_roles_alone() {
        let mut config = local();
        config.catalogs[0].map.clear();
        let e = effective(&config, |_| {
            parse("cat.toml", GOOD.as_bytes()).map_err(|e| e.to_string())
        });
        assert_eq!(e.config.roles.len(), 1);
        assert_eq!(e.reports[0].unusable.len(), 1);
        assert!(e.reports[0].unusable[0].1.contains("--map company="));
        let e = effective(&config, |_| Err("its copy is missing".into()));
        assert_eq!(e.config.roles, config.roles);
        assert_eq!(e.reports[0].error.as_deref(), Some("its copy is missing"));
    }

    #[test]
    fn a_role_the_local_config_refuses_is_left_out_alone() {
        let config = local();
        // A region of another partition than its gateway's default is fine; an unknown
        // one is not, and only that role is dropped.
        let text = GOOD.replace("group = \"Acme\"", "region = \"mars-north-1\"");
        let e = effective(&config, |_| {
            parse_accepted("c", text.as_bytes()).map_err(|e| e.to_string())
        });
        assert_eq!(e.config.roles.len(), 2);
        assert_eq!(e.reports[0].unusable.len(), 0);
        assert_eq!(e.reports[0].shadowed.len(), 1);
        let text = GOOD
            .replace("id = \"shared-prod\"", "id = \"p2\"")
            .replace("group = \"Acme\"", "region = \"mars-north-1\"");
        let e = effective(&config, |_| {
            parse_accepted("c", text.as_bytes()).map_err(|e| e.to_string())
        });
        let ids: Vec<&str> = e.config.roles.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["shared-prod", "shared-dev"]);
        assert!(e.reports[0].unusable[0].1.contains("mars-north-1"));
    }

    #[test]
    fn refs_are_validated() {
        let mut c = local().catalogs[0].clone();
        c.validate().unwrap();
        c.url = Some("http://example.com/x.toml".into());
        assert!(c.validate().unwrap_err().contains("exactly one"));
        c.file = None;
        assert!(c.validate().unwrap_err().contains("https"));
        c.url = Some("https://example.com/x.toml".into());
        c.sha256 = "abc".into();
        assert!(c.validate().unwrap_err().contains("64 hexadecimal"));
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(find_access_key("x = \"AKIAIOSFODNN7EXAMPLE\""), Some(5));
        assert_eq!(find_access_key("AKIAIOSFODNN7EXAMPLEX"), None);
    }
}
