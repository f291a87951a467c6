//! Using a host's gateway from this computer: an SSH local forward through the host's pooled
//! master (a loopback port here to the gateway's loopback port there: the gateway never listens
//! beyond loopback) and the gateway's token, read over SSH. The app then connects to
//! `ws://127.0.0.1:<port>` as to any gateway.

use super::{Auth, HostError, HostPool, HostSpec};
use openssh::ForwardType;
use std::net::Ipv4Addr;
use tidepool_protocol::service::ServiceStatus;

/// An open forward to a host's gateway.
pub struct Tunnel {
    /// `ws://127.0.0.1:<local port>`.
    pub url: String,
    /// The local port.
    pub local_port: u16,
    /// The gateway's port on the host.
    pub remote_port: u16,
    /// The gateway's token (for the keychain; never logged).
    pub token: String,
    /// The gateway's version there.
    pub version: Option<String>,
}

impl std::fmt::Debug for Tunnel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tunnel")
            .field("url", &self.url)
            .field("remote_port", &self.remote_port)
            .field("token", &"<redacted>")
            .finish()
    }
}

/// Opens a forward to the gateway `tidepool` (a path on the host, or on its `PATH`) runs there
/// for `state_dir` (its default when `None`), and reads its token.
pub async fn open_tunnel(
    pool: &HostPool,
    spec: &HostSpec,
    auth: &Auth,
    tidepool: &str,
    state_dir: Option<&str>,
) -> Result<Tunnel, HostError> {
    let mut args = vec!["gateway", "status", "--json"];
    if let Some(s) = state_dir {
        args.extend(["--state-dir", s]);
    }
    let out = pool.run(spec, auth, tidepool, &args, None).await?;
    let status: ServiceStatus = serde_json::from_str(out.stdout.trim()).map_err(|_| {
        HostError::Remote(if out.code == Some(127) {
            format!("Tidepool is not installed on {spec} (or not at {tidepool})")
        } else {
            format!(
                "`tidepool gateway status` on {spec} did not answer in JSON: {}",
                out.stderr.lines().last().unwrap_or("nothing")
            )
        })
    })?;
    if !status.rpc.ok {
        return Err(HostError::Remote(format!(
            "the gateway on {spec} is not running{}: start it first",
            status
                .last_error
                .as_ref()
                .map(|e| format!(" ({e})"))
                .unwrap_or_default()
        )));
    }
    let token_file = format!("{}/gateway.token", status.state_dir.trim_end_matches('/'));
    let t = pool
        .run(spec, auth, "cat", &["--", &token_file], None)
        .await?;
    let token = t.stdout.trim().to_owned();
    if t.code != Some(0) || token.is_empty() {
        return Err(HostError::Remote(format!(
            "cannot read the gateway's token on {spec} ({token_file})"
        )));
    }
    let remote_port = status.gateway.port;
    let local_port = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| HostError::Local(format!("no free local port: {e}")))?;
    let lease = pool.lease(spec, auth).await?;
    lease
        .session
        .request_port_forward(
            ForwardType::Local,
            (Ipv4Addr::LOCALHOST, local_port),
            (Ipv4Addr::LOCALHOST, remote_port),
        )
        .await
        .map_err(|e| HostError::Remote(format!("cannot open the tunnel to {spec}: {e}")))?;
    Ok(Tunnel {
        url: format!("ws://127.0.0.1:{local_port}"),
        local_port,
        remote_port,
        token,
        version: status.rpc.server.map(|s| s.version),
    })
}
