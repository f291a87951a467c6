//! TLS for `wss://` gateways: rustls with the ring provider (no process-wide default is
//! installed) and the platform's certificate verifier, so a gateway behind a reverse proxy
//! with a normal certificate just works and anything else is refused with the reason.

use crate::error::ClientError;
use rustls::ClientConfig;
use rustls_platform_verifier::BuilderVerifierExt;
use std::sync::Arc;
use tokio_tungstenite::Connector;
use tokio_tungstenite::tungstenite;

/// The connector for `wss://` URLs.
pub(crate) fn connector(url: &str) -> Result<Connector, ClientError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_platform_verifier())
        .map_err(|e| ClientError::Tls {
            url: url.to_owned(),
            reason: format!("TLS could not be set up on this computer: {e}"),
        })?
        .with_no_client_auth();
    Ok(Connector::Rustls(Arc::new(config)))
}

/// A certificate the gateway presented that this computer does not trust, if that is why the
/// connection failed.
pub(crate) fn untrusted(e: &tungstenite::Error) -> Option<String> {
    let tungstenite::Error::Io(io) = e else {
        return None;
    };
    let inner = io.get_ref()?.downcast_ref::<rustls::Error>()?;
    use rustls::CertificateError as C;
    Some(match inner {
        rustls::Error::InvalidCertificate(why) => match why {
            C::UnknownIssuer => {
                "its certificate was issued by an authority this computer does not trust".into()
            }
            C::NotValidForName | C::NotValidForNameContext { .. } => {
                "its certificate is for another host name".into()
            }
            C::Expired | C::ExpiredContext { .. } => "its certificate has expired".into(),
            C::Revoked => "its certificate was revoked".into(),
            other => format!("its certificate is not valid ({other:?})"),
        },
        other => format!("the TLS handshake failed ({other})"),
    })
}
