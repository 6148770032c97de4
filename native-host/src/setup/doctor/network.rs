//! Doctor's network checks: STS answers in each region the gateways are used in, the clock
//! agrees with it, AWS accepts each gateway's keys, and the sign-in endpoints answer.

use super::{check, Check, Status};
use crate::app::App;
use crate::console::endpoints as overrides;
use crate::setup::endpoints;
use crate::sources::gateway::sts;
use crate::store::config::{Config, DEFAULT_REGION};
use std::collections::BTreeMap;
use std::time::Instant;

/// AWS refuses SigV4 signatures more than 5 minutes off; warn well before that.
const SKEW_FAIL: i64 = 300;
const SKEW_WARN: i64 = 60;

/// The STS region each gateway is used in, as `App::open_console` picks it: the gateway's
/// own region, unless its role lives in another partition.
fn sts_regions(config: &Config) -> BTreeMap<String, Vec<String>> {
    let mut by_gateway: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in &config.roles {
        let Some(name) = &r.gateway else {
            continue; // an SSO role: no STS call
        };
        let g = config.gateway(name);
        let sts = crate::store::config::sts_region(g, config.partition_of(r));
        let list = by_gateway.entry(name.clone()).or_default();
        if !list.iter().any(|x| x == sts) {
            list.push(sts.to_owned());
        }
    }
    for g in &config.gateways {
        by_gateway
            .entry(g.name.clone())
            .or_insert_with(|| vec![g.region.clone().unwrap_or_else(|| DEFAULT_REGION.into())]);
    }
    by_gateway
}

/// HTTP dates are RFC 7231 IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`.
pub fn parse_http_date(s: &str) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc2822).ok()
}

/// How far the local clock is ahead of `server` (negative: behind), in seconds.
fn skew_seconds(server: time::OffsetDateTime, local: time::OffsetDateTime) -> i64 {
    (local - server).whole_seconds()
}

fn describe_skew(skew: i64) -> Check {
    let way = if skew > 0 { "ahead of" } else { "behind" };
    let status = match skew.abs() {
        s if s > SKEW_FAIL => Status::Fail,
        s if s > SKEW_WARN => Status::Warn,
        _ => Status::Ok,
    };
    let message = if status == Status::Ok {
        format!("clock agrees with STS (off by {} s)", skew.abs())
    } else {
        format!(
            "clock is {} s {way} STS; AWS refuses signed requests more than 300 s off",
            skew.abs()
        )
    };
    let fix = (status != Status::Ok).then(|| {
        if cfg!(target_os = "linux") {
            "turn on network time: timedatectl set-ntp true".to_owned()
        } else {
            "turn on automatic date and time in the system settings".to_owned()
        }
    });
    check(status, message, fix)
}

pub(super) fn reqwest_reason(e: &reqwest::Error) -> String {
    let mut out = if e.is_timeout() {
        "no answer in time".to_owned()
    } else if e.is_connect() {
        "cannot connect".to_owned()
    } else {
        "request failed".to_owned()
    };
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        out = format!("{out}: {s}");
        source = s.source();
    }
    out
}

/// STS and sign-in reachable, the clock right, and each gateway's keys accepted.
pub async fn network(app: &App, config: &Config, keyring_ok: bool) -> Vec<Check> {
    let mut out = Vec::new();
    let timeout = config.settings.timeout();
    // The click path's own client: the same roots, so doctor sees what a click would.
    let client = match crate::console::https::client() {
        Ok(c) => c,
        Err(e) => {
            return vec![check(
                Status::Fail,
                format!("{e}; no HTTPS endpoint can be checked"),
                Some(
                    "install your system's CA certificates (Debian: apt-get install ca-certificates), or set SSL_CERT_FILE to a PEM bundle"
                        .into(),
                ),
            )]
        }
    };
    if sts::endpoint_override().is_err() {
        out.push(endpoints::not_checked(
            "STS and the gateways' keys",
            overrides::STS,
        ));
        out.extend(signin_checks(&client, config, timeout).await);
        return out;
    }
    let regions = sts_regions(config);
    let mut sts_urls: Vec<String> = regions
        .values()
        .flatten()
        .map(|r| endpoints::sts_url(r))
        .collect();
    if sts_urls.is_empty() {
        sts_urls.push(endpoints::sts_url(DEFAULT_REGION));
    }
    sts_urls.sort();
    sts_urls.dedup();
    let net_fix = "check your network and proxy; AWS_ENDPOINT_URL_STS overrides the STS endpoint";
    for url in &sts_urls {
        // An unsigned call: any HTTP answer (AWS says 403 MissingAuthenticationToken)
        // proves the endpoint resolves and answers, and its Date header shows the skew.
        let started = Instant::now();
        let sent = client
            .post(url)
            .timeout(timeout)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("Action=GetCallerIdentity&Version=2011-06-15")
            .send()
            .await;
        match sent {
            Ok(resp) => {
                out.push(check(
                    Status::Ok,
                    format!(
                        "STS endpoint {url} answers (HTTP {} in {} ms)",
                        resp.status().as_u16(),
                        started.elapsed().as_millis()
                    ),
                    None,
                ));
                let date = resp
                    .headers()
                    .get("date")
                    .and_then(|d| d.to_str().ok())
                    .and_then(parse_http_date);
                out.push(match date {
                    Some(server) => {
                        describe_skew(skew_seconds(server, time::OffsetDateTime::now_utc()))
                    }
                    None => check(
                        Status::Warn,
                        format!("cannot tell the clock's skew: {url} sent no Date header"),
                        None,
                    ),
                });
            }
            Err(e) => out.push(check(
                Status::Fail,
                format!("STS endpoint {url}: {}", reqwest_reason(&e)),
                Some(net_fix.into()),
            )),
        }
    }

    // A signed request with each gateway's keys: AWS accepts them, and the signature's time.
    if keyring_ok {
        let http = sts::http_client_on(client.clone());
        for g in &config.gateways {
            let Ok(keys) = app.secrets().gateway_keys(&g.name) else {
                continue; // reported with the keyring checks
            };
            let region = regions
                .get(&g.name)
                .and_then(|r| r.first().cloned())
                .unwrap_or_else(|| DEFAULT_REGION.into());
            match sts::caller_identity(&http, &keys, &g.name, &region, timeout).await {
                Ok(arn) => out.push(check(
                    Status::Ok,
                    format!("gateway '{}': AWS accepts its keys ({arn})", g.name),
                    None,
                )),
                Err(e) => {
                    let fix = match e.kind() {
                        "credentials_invalid" => Some(format!(
                            "rolecall gateway add {} --access-key-id <ID>   (with the user's current keys)",
                            g.name
                        )),
                        "upstream_unavailable" => Some(net_fix.into()),
                        _ => None,
                    };
                    let message = e.to_string();
                    let message = if message.contains(&format!("'{}'", g.name)) {
                        message
                    } else {
                        format!("gateway '{}': {message}", g.name)
                    };
                    out.push(check(Status::Fail, message, fix));
                }
            }
        }
    }

    out.extend(signin_checks(&client, config, timeout).await);
    out
}

/// The sign-in endpoint of each region the roles open in answers.
async fn signin_checks(
    client: &reqwest::Client,
    config: &Config,
    timeout: std::time::Duration,
) -> Vec<Check> {
    let mut out = Vec::new();
    let mut signin: Vec<Option<String>> = if config.roles.is_empty() {
        vec![endpoints::signin_url(DEFAULT_REGION)]
    } else {
        config
            .roles
            .iter()
            .map(|r| endpoints::signin_url(config.region_of(r)))
            .collect()
    };
    signin.sort();
    signin.dedup();
    for url in signin {
        let Some(url) = url else {
            out.push(endpoints::not_checked(
                "sign-in endpoint",
                overrides::SIGNIN,
            ));
            continue;
        };
        // No parameters: the endpoint answers an error page, which is all this needs.
        let started = Instant::now();
        match client.get(&url).timeout(timeout).send().await {
            Ok(resp) => out.push(check(
                Status::Ok,
                format!(
                    "sign-in endpoint {url} answers (HTTP {} in {} ms)",
                    resp.status().as_u16(),
                    started.elapsed().as_millis()
                ),
                None,
            )),
            Err(e) => out.push(check(
                Status::Fail,
                format!("sign-in endpoint {url}: {}", reqwest_reason(&e)),
                Some(
                    "check your network and proxy; ROLECALL_SIGNIN_URL overrides the endpoint"
                        .into(),
                ),
            )),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates_parse() {
        let d = parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(d.unix_timestamp(), 784_111_777);
        assert!(parse_http_date("yesterday").is_none());
    }

    #[test]
    fn skew_thresholds() {
        let server = time::OffsetDateTime::UNIX_EPOCH;
        let at = |s: i64| describe_skew(skew_seconds(server, server + time::Duration::seconds(s)));
        assert_eq!(at(3).status, Status::Ok);
        assert_eq!(at(-90).status, Status::Warn);
        let late = at(-400);
        assert_eq!(late.status, Status::Fail);
        assert!(late.message.contains("400 s behind"), "{}", late.message);
        assert!(late.fix.is_some());
        assert!(at(400).message.contains("ahead of"));
    }

    #[test]
    fn sts_regions_follow_the_click_path() {
        let config: Config = toml::from_str(
            r#"
[[gateway]]
name = "corp"
region = "eu-west-1"
[[gateway]]
name = "idle"
[[role]]
id = "a"
account_id = "111111111111"
role_name = "A"
gateway = "corp"
region = "us-east-2"
[[role]]
id = "gov"
account_id = "111111111111"
role_name = "A"
gateway = "corp"
region = "us-gov-west-1"
"#,
        )
        .unwrap();
        let r = sts_regions(&config);
        assert_eq!(r["corp"], ["eu-west-1", "us-gov-west-1"]);
        assert_eq!(r["idle"], [DEFAULT_REGION]);
    }
}
