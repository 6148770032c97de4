//! The one HTTPS client constructor of the host. STS, the sign-in endpoint and `rolecall
//! doctor` all go through [`client`], so they trust the same roots: the system's CA bundle,
//! or `SSL_CERT_FILE` (src/roots.rs) on Linux and the BSDs, the platform store elsewhere.
//! A second `reqwest::Client::builder()` elsewhere is how doctor once trusted nothing; the
//! test below keeps it from coming back. The AWS SDK clients (STS, SSO) run on the same
//! client through [`sdk_http_client`].

pub use crate::error::TlsSetupError;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use std::time::Duration;

/// Build one per process and share it: reading and parsing the roots costs milliseconds,
/// and a warm host keeps its connections. No redirects (the sign-in endpoint's answers are
/// read, never followed). Each caller bounds its own requests; this bounds connecting.
pub fn client() -> Result<reqwest::Client, TlsSetupError> {
    let builder = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("rolecall/", env!("CARGO_PKG_VERSION")));
    #[cfg(not(any(target_os = "macos", target_os = "windows")))]
    let builder = crate::console::roots::system_roots()
        .map_err(TlsSetupError)?
        .into_iter()
        .fold(builder, |b, cert| b.add_root_certificate(cert));
    builder
        .build()
        .map_err(|e| TlsSetupError(format!("cannot build the HTTPS client ({e})")))
}

/// Timeouts for an AWS SDK client: connecting within 5 s (or the whole bound, when smaller),
/// each operation within `timeout`, retries included.
pub fn sdk_timeouts(timeout: Duration) -> aws_smithy_types::timeout::TimeoutConfig {
    aws_smithy_types::timeout::TimeoutConfig::builder()
        .connect_timeout(timeout.min(Duration::from_secs(5)))
        .operation_timeout(timeout)
        .build()
}

/// The SDK's HTTP client on the host's shared reqwest client ([`crate::console::https::client`]),
/// rather than the SDK's own hyper client, which would read and parse the roots a second time.
pub fn sdk_http_client(client: reqwest::Client) -> SharedHttpClient {
    SharedHttpClient::new(ReqwestHttp(client))
}

#[derive(Debug, Clone)]
struct ReqwestHttp(reqwest::Client);

impl HttpClient for ReqwestHttp {
    fn http_connector(
        &self,
        _settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        // Timeouts: connect on the reqwest client, the whole call in each SDK client's
        // operation timeout.
        SharedHttpConnector::new(self.clone())
    }
}

impl HttpConnector for ReqwestHttp {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let client = self.0.clone();
        HttpConnectorFuture::new(async move { send(&client, request).await })
    }
}

async fn send(
    client: &reqwest::Client,
    request: HttpRequest,
) -> std::result::Result<HttpResponse, ConnectorError> {
    let method = reqwest::Method::from_bytes(request.method().as_bytes())
        .map_err(|e| ConnectorError::user(e.into()))?;
    // STS requests are small form posts: the SDK hands them over in memory.
    let body = request
        .body()
        .bytes()
        .ok_or_else(|| ConnectorError::user("a streaming request body".into()))?
        .to_vec();
    let mut req = client.request(method, request.uri()).body(body);
    for (name, value) in request.headers() {
        req = req.header(name, value);
    }
    let resp = req.send().await.map_err(connector_error)?;
    let status = StatusCode::try_from(resp.status().as_u16())
        .map_err(|e| ConnectorError::other(e.into(), None))?;
    let headers = resp.headers().clone();
    let bytes = resp.bytes().await.map_err(connector_error)?;
    let mut out = HttpResponse::new(status, SdkBody::from(bytes));
    for (name, value) in &headers {
        if let Ok(value) = value.to_str() {
            out.headers_mut()
                .append(name.as_str().to_owned(), value.to_owned());
        }
    }
    Ok(out)
}

/// Timeouts and connection failures keep their kind: the SDK retries them, and
/// `map_sdk_error` reports them as `upstream_unavailable`.
fn connector_error(e: reqwest::Error) -> ConnectorError {
    if e.is_timeout() {
        ConnectorError::timeout(e.into())
    } else {
        ConnectorError::io(e.into())
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// Issue 17: doctor built a client of its own with no roots. One constructor, here.
    #[test]
    fn no_other_module_builds_an_http_client() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        assert!(files.len() > 10, "found only {files:?}");
        let needle = ["Client", "::builder("].concat();
        let offenders: Vec<_> = files
            .iter()
            .filter(|f| !f.ends_with("https.rs"))
            .filter(|f| {
                let text = std::fs::read_to_string(f).unwrap();
                text.contains(&needle) || text.contains("ClientBuilder::new(")
            })
            .collect();
        assert!(
            offenders.is_empty(),
            "build HTTPS clients with https::client() only: {offenders:?}"
        );
    }

    #[cfg(not(any(target_os = "macos", target_os = "windows")))]
    #[test]
    fn an_unreadable_bundle_is_an_error_that_says_why() {
        // SSL_CERT_FILE is read by every client() call in this process: test the roots
        // function's error through the same path without touching the environment.
        let err = crate::console::roots::roots_from(Path::new("/nonexistent/ca.pem")).unwrap_err();
        assert!(err.contains("/nonexistent/ca.pem"), "{err}");
    }
}
