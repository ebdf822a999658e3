//! TLS client settings for `https://` and `wss://` plant links: the system's root
//! certificates plus, optionally, a site's own CA read from a PEM file.
//!
//! Hostname verification is always on. There is deliberately no way to skip certificate
//! checks: a site with a private CA trusts that CA instead.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use rustls::{ClientConfig, RootCertStore};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;
use thiserror::Error;

/// Why the TLS settings could not be built.
#[derive(Debug, Error)]
pub enum TlsError {
    #[error("cannot read the site CA file {path}: {source}")]
    Unreadable {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("the site CA file {path} is not valid PEM: {reason}")]
    BadPem { path: PathBuf, reason: String },
    #[error(
        "the site CA file {path} contains no certificate (expected a \"BEGIN CERTIFICATE\" block)"
    )]
    NoCertificate { path: PathBuf },
    #[error(
        "certificate #{number} in the site CA file {path} is not a usable CA certificate: {source}"
    )]
    BadCertificate {
        path: PathBuf,
        /// The certificate's position in the file, counting from 1.
        number: usize,
        #[source]
        source: rustls::Error,
    },
    #[error("no trusted root certificate: none could be loaded from the system ({reason}) and no site CA file was given")]
    NoRoots { reason: String },
    #[error("TLS setup failed: {0}")]
    Setup(#[from] rustls::Error),
}

/// Builds the client settings: the system roots plus every certificate of `site_ca`.
///
/// A machine without readable system roots still works when a site CA is given, because
/// a plant network often has no public trust chain at all.
pub fn client_config(site_ca: Option<&Path>) -> Result<Arc<ClientConfig>, TlsError> {
    let mut roots = RootCertStore::empty();
    let system = rustls_native_certs::load_native_certs();
    // Single unreadable system certificates are skipped: one broken file in
    // /etc/ssl/certs must not take the plant link down.
    let (added, ignored) = roots.add_parsable_certificates(system.certs);
    tracing::debug!(
        added,
        ignored,
        errors = system.errors.len(),
        "system root certificates loaded"
    );
    match site_ca {
        Some(path) => {
            for (index, certificate) in read_certificates(path)?.into_iter().enumerate() {
                roots
                    .add(certificate)
                    .map_err(|source| TlsError::BadCertificate {
                        path: path.to_owned(),
                        number: index + 1,
                        source,
                    })?;
            }
        }
        None if roots.is_empty() => {
            let reason = match system.errors.first() {
                Some(error) => error.to_string(),
                None => "the system store is empty".to_owned(),
            };
            return Err(TlsError::NoRoots { reason });
        }
        None => {}
    }
    // The provider is named explicitly so that no process-wide default has to be
    // installed and no other provider (aws-lc-rs) is ever linked in.
    let config =
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
    Ok(Arc::new(config))
}

/// The settings with the system roots only, built once per process: loading the system
/// store reads hundreds of files, which a reconnect loop should not repeat.
pub(crate) fn system_client_config() -> Result<Arc<ClientConfig>, TlsError> {
    static SYSTEM: OnceLock<Arc<ClientConfig>> = OnceLock::new();
    if let Some(config) = SYSTEM.get() {
        return Ok(config.clone());
    }
    // A failure is not cached, so roots installed while the console runs are picked up
    // on the next attempt.
    let config = client_config(None)?;
    Ok(SYSTEM.get_or_init(|| config).clone())
}

/// Every certificate in a PEM file, in file order; other PEM sections (keys) are skipped.
fn read_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let pem = std::fs::read(path).map_err(|source| TlsError::Unreadable {
        path: path.to_owned(),
        source,
    })?;
    let certificates = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| TlsError::BadPem {
            path: path.to_owned(),
            reason: error.to_string(),
        })?;
    if certificates.is_empty() {
        return Err(TlsError::NoCertificate {
            path: path.to_owned(),
        });
    }
    Ok(certificates)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pem_file_without_a_certificate_is_refused_with_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("site-ca.pem");
        // A key alone is valid PEM but trusts nobody; it is a common mix-up with the CA.
        std::fs::write(
            &path,
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        )
        .unwrap();
        let error = client_config(Some(&path)).unwrap_err();
        assert!(
            matches!(&error, TlsError::NoCertificate { path: p } if *p == path),
            "{error:?}"
        );
        assert!(error.to_string().contains("no certificate"), "{error}");
        assert!(error.to_string().contains("site-ca.pem"), "{error}");
    }

    #[test]
    fn an_empty_file_is_refused_as_having_no_certificate() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("empty.pem");
        std::fs::write(&path, "").unwrap();
        assert!(matches!(
            client_config(Some(&path)),
            Err(TlsError::NoCertificate { .. })
        ));
    }

    #[test]
    fn an_unreadable_file_is_refused_with_its_path_and_the_os_reason() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing.pem");
        let error = client_config(Some(&path)).unwrap_err();
        assert!(
            matches!(&error, TlsError::Unreadable { source, .. } if source.kind() == io::ErrorKind::NotFound),
            "{error:?}"
        );
        assert!(error.to_string().contains("missing.pem"), "{error}");
        // A directory opens on Linux but cannot be read; it must be refused the same way.
        assert!(matches!(
            client_config(Some(dir.path())),
            Err(TlsError::Unreadable { .. })
        ));
    }

    #[test]
    fn broken_base64_is_refused_as_bad_pem() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("broken.pem");
        std::fs::write(
            &path,
            "-----BEGIN CERTIFICATE-----\n!!!not base64!!!\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        assert!(matches!(
            client_config(Some(&path)),
            Err(TlsError::BadPem { .. })
        ));
    }

    #[test]
    fn a_certificate_block_that_is_not_a_certificate_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("garbage.pem");
        // Valid base64, but the bytes are no X.509 certificate.
        std::fs::write(
            &path,
            "-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQ=\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        let error = client_config(Some(&path)).unwrap_err();
        assert!(
            matches!(error, TlsError::BadCertificate { number: 1, .. }),
            "{error:?}"
        );
    }
}
