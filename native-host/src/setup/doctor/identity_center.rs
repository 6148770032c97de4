//! Doctor's IAM Identity Center checks: each SSO source's token in the keyring, and its
//! portal answering.

use super::keyring::keyring_fix;
use super::network::reqwest_reason;
use super::{check, Check, Status};
use crate::app::App;
use crate::console::endpoints as overrides;
use crate::setup::endpoints;
use crate::store::config::Config;
use std::time::Instant;

/// Each IAM Identity Center source: a token in the keyring and its expiry, and the portal
/// answering.
pub async fn identity_center(app: &App, config: &Config, keyring_ok: bool) -> Vec<Check> {
    let mut out = Vec::new();
    if config.sso.is_empty() {
        return out;
    }
    // Without a client the network checks have said why.
    let client = crate::console::https::client().ok();
    let now = time::OffsetDateTime::now_utc();
    for s in &config.sso {
        let login = Some(format!("rolecall sso login {}", s.name));
        if keyring_ok {
            match app.secrets().sso_token(&s.name) {
                Ok(Some(t)) if t.start_url != s.start_url => out.push(check(
                    Status::Warn,
                    format!(
                        "SSO source '{}': its token is for another start URL ({})",
                        s.name, t.start_url
                    ),
                    login.clone(),
                )),
                Ok(Some(t)) if t.expires_at > now => out.push(check(
                    Status::Ok,
                    format!(
                        "SSO source '{}': signed in, token valid for {} more minutes{}",
                        s.name,
                        (t.expires_at - now).whole_minutes(),
                        if t.refresh_token.is_some() {
                            " (refreshable)"
                        } else {
                            ""
                        }
                    ),
                    None,
                )),
                Ok(Some(t)) if t.refresh_token.is_some() => out.push(check(
                    Status::Ok,
                    format!(
                        "SSO source '{}': token expired; the next click refreshes it",
                        s.name
                    ),
                    None,
                )),
                Ok(_) => out.push(check(
                    Status::Warn,
                    format!(
                        "SSO source '{}': not signed in (its roles ask for a sign-in when clicked)",
                        s.name
                    ),
                    login.clone(),
                )),
                Err(e) => out.push(check(
                    Status::Fail,
                    format!("SSO source '{}' token: {e}", s.name),
                    Some(keyring_fix().into()),
                )),
            }
        }
        let Some(client) = &client else { continue };
        let Some(portal) = endpoints::portal_url(&s.region) else {
            out.push(endpoints::not_checked(
                &format!("SSO source '{}': portal", s.name),
                overrides::SSO,
            ));
            continue;
        };
        // An unauthenticated call: the portal answers 401, which proves it is reachable.
        let url = format!("{portal}/assignment/accounts");
        let started = Instant::now();
        match client
            .get(&url)
            .timeout(config.settings.timeout())
            .send()
            .await
        {
            Ok(resp) => out.push(check(
                Status::Ok,
                format!(
                    "SSO source '{}': portal {} answers (HTTP {} in {} ms)",
                    s.name,
                    portal,
                    resp.status().as_u16(),
                    started.elapsed().as_millis()
                ),
                None,
            )),
            Err(e) => out.push(check(
                Status::Fail,
                format!("SSO source '{}': portal {portal}: {}", s.name, reqwest_reason(&e)),
                Some("check your network and proxy; AWS_ENDPOINT_URL_SSO overrides the portal endpoint".into()),
            )),
        }
    }
    out
}
