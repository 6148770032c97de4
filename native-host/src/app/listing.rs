//! `roles.list` as the protocol sends it: pages under the frame limit cut from the roles
//! serialised once per listing, optionally compact (no null, false or empty fields), and named
//! by an etag so a client holding the same listing is told `unchanged` instead of getting
//! megabytes it already has.

use super::live::{Renewable, SessionView};
use super::{App, RoleView};
use crate::error::{Error, Result};
use crate::store::config::Link;
use serde::Serialize;
use std::hash::Hasher;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A `roles.list` page holds at most this much JSON: half the 1 MiB native-messaging cap,
/// leaving the envelope ample room, whatever the roles' labels weigh.
pub const MAX_PAGE_BYTES: usize = 512 * 1024;
/// …and at most this many roles (`limit` may ask fewer).
pub const MAX_PAGE_ROLES: usize = 5000;

/// `roles.list`'s parameters: without them, the first page.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListRequest {
    #[serde(default)]
    pub cursor: Option<String>,
    #[serde(default)]
    pub limit: Option<usize>,
    /// Leave out every field that is null, false or an empty list (protocol 6).
    #[serde(default)]
    pub compact: bool,
    /// The `etag` of the listing the client has: when the roles are still those, the
    /// answer is `unchanged` with no roles (protocol 6). First page only.
    #[serde(default)]
    pub if_none_match: Option<String>,
}

/// A listing's roles serialised once, which its later pages are cut from.
pub(super) struct Listing {
    fingerprint: String,
    compact: bool,
    made: Instant,
    etag: String,
    roles: Arc<Vec<String>>,
}

/// A listing's later pages are cut from it while it is this young (a client pages through
/// in milliseconds); the first page always makes a new one.
const LISTING_REUSE: Duration = Duration::from_secs(10);

impl App {
    /// A page of [`App::list_roles`]: from `cursor` (or the start), at most `limit` roles and
    /// [`MAX_PAGE_BYTES`] of JSON. A cursor names an offset and the config it was made
    /// for: after the config changed, it is `stale_cursor`.
    ///
    /// Answers the page as JSON text, `{"roles": […], "next_cursor": …, "etag": …}`, cut
    /// from the roles serialised once per listing: no JSON value tree of thousands of roles
    /// is built.
    pub fn roles_page(&self, req: &ListRequest) -> Result<String> {
        let fingerprint = self.config.fingerprint();
        let start = match req.cursor.as_deref() {
            None => 0,
            Some(c) => {
                if req.if_none_match.is_some() {
                    return Err(Error::InvalidParams(
                        "Invalid parameter 'if_none_match' for roles.list: it goes with the first page only (no cursor).".into(),
                    ));
                }
                let (offset, made_for) = c
                    .split_once('.')
                    .and_then(|(o, f)| Some((o.parse::<usize>().ok()?, f)))
                    .ok_or_else(|| {
                        Error::InvalidParams(
                            "Invalid parameter 'cursor' for roles.list: it must be a next_cursor this host sent.".into(),
                        )
                    })?;
                if made_for != fingerprint {
                    return Err(Error::StaleCursor);
                }
                offset
            }
        };
        let limit = req.limit.unwrap_or(MAX_PAGE_ROLES);
        if !(1..=MAX_PAGE_ROLES).contains(&limit) {
            return Err(Error::InvalidParams(format!(
                "Invalid parameter 'limit' for roles.list: it must be 1 to {MAX_PAGE_ROLES}."
            )));
        }
        let (roles, etag) = self.listing(&fingerprint, start == 0, req.compact)?;
        let etag_json = serde_json::to_string(&etag).map_err(|e| Error::Internal(e.to_string()))?;
        if req.if_none_match.as_deref() == Some(etag.as_str()) {
            return Ok(format!(
                "{{\"roles\":[],\"next_cursor\":null,\"unchanged\":true,\"etag\":{etag_json}}}"
            ));
        }
        let rest = roles.get(start..).ok_or(Error::StaleCursor)?;
        let mut json = String::from("{\"roles\":[");
        let mut count = 0;
        for role in rest.iter().take(limit) {
            if count > 0 && json.len() + role.len() + 1 > MAX_PAGE_BYTES {
                break;
            }
            if count > 0 {
                json.push(',');
            }
            json.push_str(role);
            count += 1;
        }
        let end = start + count;
        json.push_str("],\"next_cursor\":");
        match (end < roles.len()).then(|| format!("{end}.{fingerprint}")) {
            Some(c) => json
                .push_str(&serde_json::to_string(&c).map_err(|e| Error::Internal(e.to_string()))?),
            None => json.push_str("null"),
        }
        json.push_str(",\"etag\":");
        json.push_str(&etag_json);
        json.push('}');
        Ok(json)
    }

    /// Every role as JSON, and the listing's etag: made anew for a listing's first page,
    /// reused for its next ones (when asked in the same form).
    fn listing(
        &self,
        fingerprint: &str,
        first: bool,
        compact: bool,
    ) -> Result<(Arc<Vec<String>>, String)> {
        if !first {
            let cached = self.listing.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(l) = cached.as_ref().filter(|l| {
                l.fingerprint == fingerprint
                    && l.compact == compact
                    && l.made.elapsed() < LISTING_REUSE
            }) {
                return Ok((l.roles.clone(), l.etag.clone()));
            }
        }
        let roles = serialise(&self.list_roles()?, compact)?;
        let etag = etag_of(&roles, compact);
        let roles = Arc::new(roles);
        *self.listing.lock().unwrap_or_else(|p| p.into_inner()) = Some(Listing {
            fingerprint: fingerprint.to_owned(),
            compact,
            made: Instant::now(),
            etag: etag.clone(),
            roles: roles.clone(),
        });
        Ok((roles, etag))
    }
}

/// The most one role's JSON may weigh: a page less room for its envelope. The text rules
/// (store/config `text`) keep every role far below it; this is the listing's own guard.
const MAX_ROLE_BYTES: usize = MAX_PAGE_BYTES - 1024;

/// Every role as JSON, in order. A role heavier than [`MAX_ROLE_BYTES`] is left out and
/// reported in the log: no single role can make a page (and so the listing) fail.
fn serialise(roles: &[RoleView], compact: bool) -> Result<Vec<String>> {
    let mut out = Vec::with_capacity(roles.len());
    for r in roles {
        let json = if compact {
            serde_json::to_string(&CompactRole::from(r))
        } else {
            serde_json::to_string(r)
        }
        .map_err(|e| Error::Internal(e.to_string()))?;
        if json.len() > MAX_ROLE_BYTES {
            log::warn!(
                "role '{}' is left out of the listing: its description is {} bytes, more than a page holds ({MAX_ROLE_BYTES})",
                r.id,
                json.len()
            );
            continue;
        }
        out.push(json);
    }
    Ok(out)
}

/// Names a listing by its content: the same roles in the same form give the same etag (in
/// this host build), and any change to any role's JSON gives another. 64-bit SipHash of the
/// text; a client only compares it.
fn etag_of(roles: &[String], compact: bool) -> String {
    // `new()` has fixed keys: the same text hashes alike in every process of this build.
    let mut h = std::collections::hash_map::DefaultHasher::new();
    h.write_u8(u8::from(compact));
    for r in roles {
        h.write(r.as_bytes());
        h.write_u8(0xff); // not valid UTF-8: role texts cannot run into each other
    }
    format!("{:016x}.{}", h.finish(), roles.len())
}

/// A [`RoleView`] as a compact listing sends it: the same fields, less those that are null,
/// false or an empty list (a client reads a missing field as that). Built by destructuring
/// every field, so a field added to `RoleView` does not compile until it is placed here.
#[derive(Serialize)]
struct CompactRole<'a> {
    id: &'a str,
    label: &'a str,
    account_id: &'a str,
    role_name: &'a str,
    source: &'a str,
    source_name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    gateway: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sso: Option<&'a str>,
    region: &'a str,
    partition: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<&'a str>,
    color: &'a str,
    icon: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    risk: Option<&'a str>,
    #[serde(skip_serializing_if = "<[Link]>::is_empty")]
    links: &'a [Link],
    #[serde(skip_serializing_if = "is_false")]
    mfa: bool,
    mfa_mode: &'a str,
    #[serde(skip_serializing_if = "is_false")]
    mfa_process: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    session: Option<CompactSession>,
    #[serde(skip_serializing_if = "is_false")]
    needs_code: bool,
    #[serde(skip_serializing_if = "is_false")]
    needs_login: bool,
    #[serde(skip_serializing_if = "is_false")]
    window_open: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    catalog: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    shadows_catalog: Option<&'a str>,
}

#[derive(Serialize)]
struct CompactSession {
    #[serde(with = "time::serde::rfc3339")]
    console_expires_at: time::OffsetDateTime,
    #[serde(
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    credentials_expire_at: Option<time::OffsetDateTime>,
    renewable: Renewable,
    #[serde(
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    mfa_session_expires_at: Option<time::OffsetDateTime>,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
fn is_false(b: &bool) -> bool {
    !*b
}

impl<'a> From<&'a RoleView> for CompactRole<'a> {
    fn from(r: &'a RoleView) -> Self {
        let RoleView {
            id,
            label,
            account_id,
            role_name,
            source,
            source_name,
            gateway,
            sso,
            region,
            partition,
            group,
            color,
            icon,
            risk,
            links,
            mfa,
            mfa_mode,
            mfa_process,
            session,
            needs_code,
            needs_login,
            window_open,
            catalog,
            shadows_catalog,
        } = r;
        CompactRole {
            id,
            label,
            account_id,
            role_name,
            source,
            source_name,
            gateway: gateway.as_deref(),
            sso: sso.as_deref(),
            region,
            partition,
            group: group.as_deref(),
            color,
            icon,
            risk: *risk,
            links,
            mfa: *mfa,
            mfa_mode,
            mfa_process: *mfa_process,
            session: session.as_ref().map(|s| {
                let SessionView {
                    console_expires_at,
                    credentials_expire_at,
                    renewable,
                    mfa_session_expires_at,
                } = s;
                CompactSession {
                    console_expires_at: *console_expires_at,
                    credentials_expire_at: *credentials_expire_at,
                    renewable: *renewable,
                    mfa_session_expires_at: *mfa_session_expires_at,
                }
            }),
            needs_code: *needs_code,
            needs_login: *needs_login,
            window_open: *window_open,
            catalog: catalog.as_deref(),
            shadows_catalog: shadows_catalog.as_deref(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    /// What protocol 6's `compact` promises: null, false and [] fields left out, at any depth.
    fn without_empty(v: Value) -> Value {
        match v {
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .filter(|(_, f)| {
                        !matches!(f, Value::Null | Value::Bool(false)) && *f != json!([])
                    })
                    .map(|(k, f)| (k, without_empty(f)))
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.into_iter().map(without_empty).collect()),
            other => other,
        }
    }

    fn role(filled: bool) -> RoleView {
        let t = time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
        let some = |s: &str| filled.then(|| s.to_owned());
        RoleView {
            id: "prod".into(),
            label: "Prod".into(),
            account_id: "111111111111".into(),
            role_name: "Admin".into(),
            source: "gateway",
            source_name: "corp".into(),
            gateway: some("corp"),
            sso: some("ic"),
            region: "eu-west-1".into(),
            partition: "aws",
            group: some("Acme"),
            color: "red".into(),
            icon: "briefcase".into(),
            risk: filled.then_some("production"),
            links: if filled {
                vec![Link {
                    name: "S3".into(),
                    destination: "/s3".into(),
                }]
            } else {
                vec![]
            },
            mfa: filled,
            mfa_mode: "daily",
            mfa_process: filled,
            session: Some(SessionView {
                console_expires_at: t,
                credentials_expire_at: filled.then_some(t),
                renewable: Renewable::Mfa,
                mfa_session_expires_at: filled.then_some(t),
            }),
            needs_code: filled,
            needs_login: filled,
            window_open: filled,
            catalog: some("shared"),
            shadows_catalog: some("other"),
        }
    }

    #[test]
    fn a_compact_role_is_the_full_one_without_its_empty_fields() {
        for filled in [true, false] {
            let r = role(filled);
            let full = serde_json::to_value(&r).unwrap();
            let compact = serde_json::to_value(CompactRole::from(&r)).unwrap();
            assert_eq!(compact, without_empty(full.clone()), "filled: {filled}");
            if filled {
                assert_eq!(
                    compact, full,
                    "nothing left out when every field holds something"
                );
            }
        }
        let empty = serde_json::to_value(CompactRole::from(&role(false))).unwrap();
        assert_eq!(
            empty["session"],
            json!({"console_expires_at": "2024-10-04T00:00:00Z", "renewable": "mfa"})
        );
        assert!(
            empty.get("mfa").is_none()
                && empty.get("links").is_none()
                && empty.get("group").is_none()
        );
    }

    #[test]
    fn etag_changes_with_any_role_and_with_the_form() {
        let a = vec![r#"{"id":"a"}"#.to_owned(), r#"{"id":"b"}"#.to_owned()];
        let b = vec![r#"{"id":"a"}"#.to_owned(), r#"{"id":"c"}"#.to_owned()];
        let joined = vec![r#"{"id":"a"}{"id":"b"}"#.to_owned()];
        assert_eq!(etag_of(&a, true), etag_of(&a.clone(), true));
        assert_ne!(etag_of(&a, true), etag_of(&b, true));
        assert_ne!(etag_of(&a, true), etag_of(&a, false));
        assert_ne!(etag_of(&a, true), etag_of(&joined, true));
    }

    #[test]
    fn a_role_too_heavy_for_a_page_is_left_out_not_the_listing() {
        let mut heavy = role(true);
        heavy.id = "heavy".into();
        heavy.label = "x".repeat(3 << 20);
        let mut heavy_links = role(false);
        heavy_links.id = "links".into();
        heavy_links.links = (0..400)
            .map(|i| Link {
                name: format!("l{i}"),
                destination: format!("/s3/{}", "b".repeat(2000)),
            })
            .collect();
        for compact in [true, false] {
            let listed = serialise(
                &[role(true), heavy.clone(), heavy_links.clone(), role(false)],
                compact,
            )
            .unwrap();
            assert_eq!(listed.len(), 2, "compact: {compact}");
            assert!(listed
                .iter()
                .all(|r| r.len() <= MAX_ROLE_BYTES && r.contains("\"prod\"")));
        }
    }
}
