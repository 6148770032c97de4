//! The system's trusted root certificates for rustls on Linux and the BSDs: the one CA
//! bundle file the distribution maintains.
//!
//! Why not rustls-native-certs there: it reads the bundle *and* every file of the hashed
//! certificate folder (`/etc/ssl/certs`, ~300 files holding the same certificates again),
//! which doubled the parsing and cost a fresh process ~2 ms on its first open. macOS and
//! Windows keep the platform store through rustls-native-certs.

use std::path::{Path, PathBuf};

/// Where distributions keep their bundle (the list openssl-probe searches), most common first.
const BUNDLES: [&str; 8] = [
    "/etc/ssl/certs/ca-certificates.crt", // Debian, Ubuntu, Arch, Gentoo
    "/etc/pki/tls/certs/ca-bundle.crt",   // Fedora, RHEL
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", // RHEL 7, CentOS
    "/etc/ssl/ca-bundle.pem",             // openSUSE
    "/etc/ssl/cert.pem",                  // Alpine, OpenBSD, FreeBSD
    "/usr/local/share/certs/ca-root-nss.crt", // FreeBSD ports
    "/usr/local/etc/ssl/cert.pem",        // FreeBSD, NetBSD
    "/etc/pki/tls/cacert.pem",            // OpenELEC
];

/// The bundle to trust: `SSL_CERT_FILE` if set (as OpenSSL and the AWS CLI honour it), else
/// the first of the known locations that exists.
pub fn bundle_path(ssl_cert_file: Option<&str>, exists: impl Fn(&Path) -> bool) -> Option<PathBuf> {
    if let Some(f) = ssl_cert_file.filter(|f| !f.is_empty()) {
        return Some(PathBuf::from(f));
    }
    BUNDLES.iter().map(PathBuf::from).find(|p| exists(p))
}

/// The certificates of the system's bundle, or a sentence saying what to do.
pub fn system_roots() -> Result<Vec<reqwest::Certificate>, String> {
    let env = std::env::var("SSL_CERT_FILE").ok();
    let path = bundle_path(env.as_deref(), Path::exists).ok_or_else(|| {
        format!(
            "no CA certificate bundle found (looked for {}); set SSL_CERT_FILE to your system's bundle",
            BUNDLES.join(", ")
        )
    })?;
    let from_env = env.as_deref().is_some_and(|f| !f.is_empty());
    roots_from(&path).map_err(|e| {
        if from_env {
            format!("{e}; it is named by SSL_CERT_FILE")
        } else {
            e
        }
    })
}

/// The certificates of one PEM bundle, or why they cannot be used.
pub fn roots_from(path: &Path) -> Result<Vec<reqwest::Certificate>, String> {
    let pem = std::fs::read(path)
        .map_err(|e| format!("cannot read the CA bundle {} ({e})", path.display()))?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem)
        .map_err(|e| format!("the CA bundle {} does not parse ({e})", path.display()))?;
    if certs.is_empty() {
        return Err(format!(
            "the CA bundle {} holds no certificate",
            path.display()
        ));
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssl_cert_file_wins_then_the_first_existing_bundle() {
        assert_eq!(
            bundle_path(Some("/opt/corp-ca.pem"), |_| true),
            Some(PathBuf::from("/opt/corp-ca.pem"))
        );
        let fedora = |p: &Path| p == Path::new("/etc/pki/tls/certs/ca-bundle.crt");
        assert_eq!(
            bundle_path(Some(""), fedora),
            Some(PathBuf::from("/etc/pki/tls/certs/ca-bundle.crt"))
        );
        assert_eq!(bundle_path(None, |_| false), None);
    }

    #[test]
    fn this_machine_has_a_bundle_with_certificates() {
        // CI and dev machines run Debian with ca-certificates: the bundle must be found.
        let roots = system_roots().unwrap();
        assert!(roots.len() > 50, "{} roots", roots.len());
    }
}
