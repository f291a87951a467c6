//! `wss://`: a real gateway behind a TLS-terminating proxy (as behind nginx or Caddy), reached
//! by the real CLI. A certificate from a CA this computer trusts connects; one it does not
//! trust is refused with a reason, and the token is never sent.

// The binary under test is started directly, with exactly the environment each case sets.
#![allow(clippy::disallowed_methods)]
#![cfg(target_os = "linux")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::common;

use common::*;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::net::{TcpListener, TcpStream};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/tls")
        .join(name)
}

/// A TLS proxy in front of `backend`; returns its port and a count of finished TLS handshakes.
async fn tls_proxy(backend: u16) -> (u16, Arc<AtomicUsize>) {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(fixture("server.pem"))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let key = PrivateKeyDer::from_pem_file(fixture("server.key")).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let handshakes = Arc::new(AtomicUsize::new(0));
    let done = handshakes.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let done = done.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                done.fetch_add(1, Ordering::SeqCst);
                let mut up = TcpStream::connect(("127.0.0.1", backend)).await.unwrap();
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut up).await;
            });
        }
    });
    (port, handshakes)
}

fn health(url: &str, token: &str, ca: Option<PathBuf>) -> std::process::Output {
    let mut cmd = std::process::Command::new(BIN);
    cmd.args(["health", "--json", "--url", url, "--token", token])
        .env_remove("TIDEPOOL_GATEWAY_TOKEN")
        .env_remove("TIDEPOOL_GATEWAY_URL")
        .env_remove("SSL_CERT_DIR")
        .env_remove("SSL_CERT_FILE");
    if let Some(ca) = ca {
        cmd.env("SSL_CERT_FILE", ca);
    }
    cmd.output().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn wss_connects_through_a_trusted_certificate_and_refuses_an_untrusted_one() {
    let gw = gateway().start().await;
    let port: u16 = gw.url().rsplit(':').next().unwrap().parse().unwrap();
    let (proxy, handshakes) = tls_proxy(port).await;
    let token = gw.token();

    for host in ["localhost", "127.0.0.1"] {
        let url = format!("wss://{host}:{proxy}");
        let out = tokio::task::spawn_blocking({
            let token = token.clone();
            move || health(&url, &token, Some(fixture("ca.pem")))
        })
        .await
        .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{host}: {stderr}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["ok"], true, "{v}");
    }
    assert_eq!(handshakes.load(Ordering::SeqCst), 2);

    // The system's own CAs do not know the test CA: refused before any byte of the token.
    let url = format!("wss://localhost:{proxy}");
    let out = tokio::task::spawn_blocking({
        let token = token.clone();
        move || health(&url, &token, None)
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("cannot trust the gateway at wss://localhost"),
        "{stderr}"
    );
    assert!(
        stderr.contains("an authority this computer does not trust"),
        "{stderr}"
    );
    assert!(!stderr.contains(&token), "{stderr}");
    assert_eq!(
        handshakes.load(Ordering::SeqCst),
        2,
        "no TLS session was completed"
    );
}
