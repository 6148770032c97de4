//! The one HTTPS client constructor of the host. STS, the sign-in endpoint and `rolecall
//! doctor` all go through [`client`], so they trust the same roots: the system's CA bundle,
//! or `SSL_CERT_FILE` (src/roots.rs) on Linux and the BSDs, the platform store elsewhere.
//! A second `reqwest::Client::builder()` elsewhere is how doctor once trusted nothing; the
//! test below keeps it from coming back.

pub use crate::error::TlsSetupError;
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
