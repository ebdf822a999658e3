//! The plant link over TLS: a CA and server certificates generated here, a TLS-terminating
//! loopback proxy in front of the reference plant server, and a console on `https://`.

mod common;

use common::{wait_for, LIMIT};

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use console_core::{ConfigError, Console, ConsoleConfig, LinkConfig, LinkMode, PlantUrl};
use plant_server::{RunningServer, ServerConfig};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

/// A certificate authority made for one test.
struct TestCa {
    pem: String,
    issuer: Issuer<'static, KeyPair>,
}

impl TestCa {
    fn new(name: &str) -> TestCa {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let key = KeyPair::generate().unwrap();
        let certificate = params.self_signed(&key).unwrap();
        TestCa {
            pem: certificate.pem(),
            issuer: Issuer::new(params, key),
        }
    }

    /// A server certificate for `names` (DNS names or IP addresses) and its private key.
    fn server_certificate(
        &self,
        names: &[&str],
    ) -> (CertificateDer<'static>, PrivateKeyDer<'static>) {
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let mut params = CertificateParams::new(names.clone()).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, names[0].clone());
        params.use_authority_key_identifier_extension = true;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let key = KeyPair::generate().unwrap();
        let certificate = params.signed_by(&key, &self.issuer).unwrap();
        (
            certificate.der().clone(),
            PrivatePkcs8KeyDer::from(key.serialize_der()).into(),
        )
    }

    /// Writes the CA certificate as a PEM file, as a site would hand it out.
    fn write_pem(&self, dir: &Path) -> PathBuf {
        let path = dir.join("site-ca.pem");
        std::fs::write(&path, &self.pem).unwrap();
        path
    }
}

/// A TLS-terminating proxy on a loopback port that forwards the decrypted bytes to the
/// plant server, so the plant server itself needs no TLS support.
struct TlsProxy {
    address: SocketAddr,
    /// Handshakes that completed: a refused certificate must leave this at zero.
    handshakes: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl TlsProxy {
    async fn start(
        certificate: CertificateDer<'static>,
        key: PrivateKeyDer<'static>,
        upstream: SocketAddr,
    ) -> TlsProxy {
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![certificate], key)
        .unwrap();
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let handshakes = Arc::new(AtomicUsize::new(0));
        let counter = handshakes.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                let counter = counter.clone();
                tokio::spawn(async move {
                    // A client that refuses our certificate ends the handshake; that is
                    // the expected outcome of the refusal tests, not a failure here.
                    let Ok(mut client) = acceptor.accept(client).await else {
                        return;
                    };
                    counter.fetch_add(1, Ordering::SeqCst);
                    let Ok(mut server) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                });
            }
        });
        TlsProxy {
            address,
            handshakes,
            task,
        }
    }

    fn handshakes(&self) -> usize {
        self.handshakes.load(Ordering::SeqCst)
    }
}

impl Drop for TlsProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn start_plant() -> RunningServer {
    plant_server::start(
        TcpListener::bind("127.0.0.1:0").await.unwrap(),
        ServerConfig {
            sim_interval: None,
            ..ServerConfig::default()
        },
    )
    .await
    .unwrap()
}

/// The reference plant behind a TLS proxy that presents a certificate for `names`.
async fn start_tls_plant(ca: &TestCa, names: &[&str]) -> (RunningServer, TlsProxy) {
    let server = start_plant().await;
    let (certificate, key) = ca.server_certificate(names);
    let proxy = TlsProxy::start(certificate, key, server.local_addr()).await;
    (server, proxy)
}

async fn start_console(link: LinkConfig, dir: &Path) -> Console {
    let (console, mut batches) = Console::start(ConsoleConfig::new(link, dir.to_owned()))
        .await
        .unwrap();
    // Keeps the UI channel open and empty, as a window would.
    tokio::spawn(async move { while batches.recv().await.is_some() {} });
    console
}

/// Watches every published link state until the link reports Offline with a detail,
/// failing if it is ever Realtime on the way; returns that detail.
async fn wait_for_refusal(console: &Console) -> String {
    let mut states = console.link().state();
    let deadline = tokio::time::Instant::now() + LIMIT;
    loop {
        let state = states.borrow_and_update().clone();
        assert_ne!(
            state.mode,
            LinkMode::Realtime,
            "the link went live over an untrusted certificate"
        );
        if state.mode == LinkMode::Offline {
            if let Some(detail) = state.detail {
                return detail;
            }
        }
        match tokio::time::timeout_at(deadline, states.changed()).await {
            Ok(Ok(())) => {}
            Ok(Err(_)) => panic!("the link task stopped"),
            Err(_) => panic!("timed out waiting for the link to be refused; last: {state:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_connects_over_wss_when_the_site_ca_is_trusted() {
    let ca = TestCa::new("Plant Site CA");
    let (_server, proxy) = start_tls_plant(&ca, &["localhost", "127.0.0.1"]).await;
    let dir = tempfile::tempdir().unwrap();
    let link = LinkConfig::new(
        PlantUrl::parse(&format!("https://localhost:{}", proxy.address.port())).unwrap(),
    )
    .with_site_ca(ca.write_pem(dir.path()))
    .unwrap();
    let console = start_console(link, dir.path()).await;

    wait_for(&console, "a live link with the plant's devices", |s| {
        s.link.mode == LinkMode::Realtime && s.devices.len() == 12
    })
    .await;
    assert!(proxy.handshakes() >= 1);
    console.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_connects_by_ip_address_when_the_certificate_names_that_address() {
    let ca = TestCa::new("Plant Site CA");
    let (_server, proxy) = start_tls_plant(&ca, &["127.0.0.1"]).await;
    let dir = tempfile::tempdir().unwrap();
    let link = LinkConfig::new(PlantUrl::parse(&format!("wss://{}", proxy.address)).unwrap())
        .with_site_ca(ca.write_pem(dir.path()))
        .unwrap();
    let console = start_console(link, dir.path()).await;

    wait_for(&console, "a live link with the plant's devices", |s| {
        s.link.mode == LinkMode::Realtime && s.devices.len() == 12
    })
    .await;
    console.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_refuses_a_server_whose_certificate_no_trusted_ca_signed() {
    let ca = TestCa::new("Plant Site CA");
    let (_server, proxy) = start_tls_plant(&ca, &["localhost", "127.0.0.1"]).await;
    let dir = tempfile::tempdir().unwrap();
    // Only the system roots are trusted, and none of them signed the site's CA.
    let link = LinkConfig::new(
        PlantUrl::parse(&format!("https://localhost:{}", proxy.address.port())).unwrap(),
    );
    let console = start_console(link, dir.path()).await;

    let detail = wait_for_refusal(&console).await;
    assert!(detail.contains("invalid peer certificate"), "{detail}");
    assert!(detail.contains("UnknownIssuer"), "{detail}");
    assert_eq!(proxy.handshakes(), 0);
    console.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_refuses_a_server_signed_by_a_ca_other_than_the_site_ca() {
    let plant_ca = TestCa::new("Plant Site CA");
    let other_ca = TestCa::new("Some Other Site CA");
    let (_server, proxy) = start_tls_plant(&plant_ca, &["localhost", "127.0.0.1"]).await;
    let dir = tempfile::tempdir().unwrap();
    let link = LinkConfig::new(
        PlantUrl::parse(&format!("https://localhost:{}", proxy.address.port())).unwrap(),
    )
    .with_site_ca(other_ca.write_pem(dir.path()))
    .unwrap();
    let console = start_console(link, dir.path()).await;

    let detail = wait_for_refusal(&console).await;
    assert!(detail.contains("invalid peer certificate"), "{detail}");
    assert!(detail.contains("UnknownIssuer"), "{detail}");
    assert_eq!(proxy.handshakes(), 0);
    console.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostname_mismatch_is_refused() {
    let ca = TestCa::new("Plant Site CA");
    let (_server, proxy) = start_tls_plant(&ca, &["plant.example"]).await;
    let dir = tempfile::tempdir().unwrap();
    let link = LinkConfig::new(
        PlantUrl::parse(&format!("https://localhost:{}", proxy.address.port())).unwrap(),
    )
    .with_site_ca(ca.write_pem(dir.path()))
    .unwrap();
    let console = start_console(link, dir.path()).await;

    let detail = wait_for_refusal(&console).await;
    assert!(
        detail.contains(r#"certificate not valid for name "localhost""#),
        "{detail}"
    );
    assert_eq!(proxy.handshakes(), 0);
    console.shutdown().await.unwrap();
}

#[test]
fn a_site_ca_file_without_a_certificate_is_refused_when_the_link_is_configured() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("site-ca.pem");
    std::fs::write(&path, "not a certificate\n").unwrap();
    let url = PlantUrl::parse("https://localhost:5000").unwrap();

    let error = LinkConfig::new(url).with_site_ca(&path).unwrap_err();
    assert!(matches!(&error, ConfigError::SiteCa(_)), "{error:?}");
    assert!(error.to_string().contains("site-ca.pem"), "{error}");
    assert!(error.to_string().contains("no certificate"), "{error}");
}

#[test]
fn link_settings_print_the_site_ca_path_but_not_every_root_certificate() {
    let ca = TestCa::new("Plant Site CA");
    let dir = tempfile::tempdir().unwrap();
    let path = ca.write_pem(dir.path());
    let link = LinkConfig::new(PlantUrl::parse("https://localhost").unwrap())
        .with_site_ca(&path)
        .unwrap();

    let printed = format!("{link:?}");
    assert!(printed.contains("site-ca.pem"), "{printed}");
    assert!(printed.len() < 4096, "{printed}");
    let config = link.tls_config().unwrap();
    assert!(Arc::ptr_eq(&config, &link.tls_config().unwrap()));
}
