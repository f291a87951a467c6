//! Using a host's gateway from this computer: an SSH local forward through the host's pooled
//! master (a loopback port here to the gateway's loopback port there: the gateway never listens
//! beyond loopback) and the gateway's token, read over SSH. The app then connects to
//! `ws://127.0.0.1:<port>` as to any gateway. [`HostGateway`] does this anew before each
//! connection attempt, so a master that died (a network drop, a laptop asleep) is opened
//! again and the forward with it.

use super::{Auth, HostError, HostPool, HostSpec, Pin};
use crate::remote::{HostRef, RemoteGateway, RemoteSource, SourceError};
use openssh::ForwardType;
use std::net::Ipv4Addr;
use std::sync::Arc;
use std::time::Duration;
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
    /// Keeps the master (where the forward lives) from closing as idle.
    _pin: Pin,
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

/// Where the gateway on a host answers, from `tidepool gateway status --json` there.
async fn remote_status(
    pool: &HostPool,
    spec: &HostSpec,
    auth: &Auth,
    tidepool: &str,
    state_dir: Option<&str>,
) -> Result<ServiceStatus, HostError> {
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
            "the gateway on {spec} is not running{}: start it from the Hosts page",
            status
                .last_error
                .as_ref()
                .map(|e| format!(" ({e})"))
                .unwrap_or_default()
        )));
    }
    Ok(status)
}

async fn read_token(
    pool: &HostPool,
    spec: &HostSpec,
    auth: &Auth,
    status: &ServiceStatus,
) -> Result<String, HostError> {
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
    Ok(token)
}

fn free_port(prefer: Option<u16>) -> Result<u16, HostError> {
    let bind = |p: u16| {
        std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, p))
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
    };
    prefer
        .and_then(|p| bind(p).ok())
        .map_or_else(|| bind(0), Ok)
        .map_err(|e| HostError::Local(format!("no free local port: {e}")))
}

async fn forward(
    pool: &HostPool,
    spec: &HostSpec,
    auth: &Auth,
    local_port: u16,
    remote_port: u16,
) -> Result<(), HostError> {
    let lease = pool.lease(spec, auth).await?;
    lease
        .session
        .request_port_forward(
            ForwardType::Local,
            (Ipv4Addr::LOCALHOST, local_port),
            (Ipv4Addr::LOCALHOST, remote_port),
        )
        .await
        .map_err(|e| HostError::Remote(format!("cannot open the tunnel to {spec}: {e}")))
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
    let status = remote_status(pool, spec, auth, tidepool, state_dir).await?;
    let token = read_token(pool, spec, auth, &status).await?;
    open_forward(pool, spec, auth, &status, token, None).await
}

async fn open_forward(
    pool: &HostPool,
    spec: &HostSpec,
    auth: &Auth,
    status: &ServiceStatus,
    token: String,
    prefer_port: Option<u16>,
) -> Result<Tunnel, HostError> {
    let remote_port = status.gateway.port;
    let local_port = free_port(prefer_port)?;
    let pin = pool.pin(spec, auth);
    forward(pool, spec, auth, local_port, remote_port).await?;
    Ok(Tunnel {
        url: format!("ws://127.0.0.1:{local_port}"),
        local_port,
        remote_port,
        token,
        version: status.rpc.server.as_ref().map(|s| s.version.clone()),
        _pin: pin,
    })
}

/// Whether something listens on the local end of a forward.
async fn listening(port: u16) -> bool {
    matches!(
        tokio::time::timeout(
            Duration::from_secs(1),
            tokio::net::TcpStream::connect((Ipv4Addr::LOCALHOST, port)),
        )
        .await,
        Ok(Ok(_))
    )
}

/// Called with the token when it is first read over SSH, and when it changed (the app keeps it
/// in the keychain).
pub type TokenSink = Arc<dyn Fn(&str) + Send + Sync>;

/// A host's gateway as the supervisor's [`RemoteSource`]: before each connection attempt it
/// asks the host where its gateway answers, keeps the forward that still works, or opens one
/// again (on the same local port when it is free), through a master the pool re-opens.
pub struct HostGateway {
    pool: HostPool,
    spec: HostSpec,
    auth: Auth,
    tidepool: String,
    state_dir: Option<String>,
    host: HostRef,
    saved_token: std::sync::Mutex<Option<String>>,
    on_token: Option<TokenSink>,
    current: tokio::sync::Mutex<Option<Tunnel>>,
}

impl std::fmt::Debug for HostGateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostGateway")
            .field("host", &self.host)
            .field("spec", &self.spec)
            .finish_non_exhaustive()
    }
}

impl HostGateway {
    /// The gateway `tidepool` runs on `spec` (for `state_dir`); `saved_token` is used when the
    /// token file cannot be read this time; `on_token` hears each token read.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        pool: HostPool,
        spec: HostSpec,
        auth: Auth,
        tidepool: String,
        state_dir: Option<String>,
        host: HostRef,
        saved_token: Option<String>,
        on_token: Option<TokenSink>,
    ) -> HostGateway {
        HostGateway {
            pool,
            spec,
            auth,
            tidepool,
            state_dir,
            host,
            saved_token: std::sync::Mutex::new(saved_token),
            on_token,
            current: tokio::sync::Mutex::new(None),
        }
    }

    /// The local port of the forward in use, if one is open.
    pub async fn local_port(&self) -> Option<u16> {
        self.current.lock().await.as_ref().map(|t| t.local_port)
    }

    async fn open(&self) -> Result<RemoteGateway, HostError> {
        let status = remote_status(
            &self.pool,
            &self.spec,
            &self.auth,
            &self.tidepool,
            self.state_dir.as_deref(),
        )
        .await?;
        let token = match read_token(&self.pool, &self.spec, &self.auth, &status).await {
            Ok(t) => {
                let changed = self
                    .saved_token
                    .lock()
                    .map(|mut s| s.replace(t.clone()).as_deref() != Some(t.as_str()))
                    .unwrap_or(true);
                if changed && let Some(sink) = &self.on_token {
                    sink(&t);
                }
                t
            }
            Err(e) => self
                .saved_token
                .lock()
                .ok()
                .and_then(|s| s.clone())
                .ok_or(e)?,
        };
        let mut current = self.current.lock().await;
        if let Some(t) = current.as_ref()
            && t.remote_port == status.gateway.port
            && listening(t.local_port).await
        {
            return Ok(RemoteGateway {
                url: t.url.clone(),
                token: Some(token),
            });
        }
        let prefer = current.take().map(|t| t.local_port);
        let tunnel =
            open_forward(&self.pool, &self.spec, &self.auth, &status, token, prefer).await?;
        let remote = RemoteGateway {
            url: tunnel.url.clone(),
            token: Some(tunnel.token.clone()),
        };
        tracing::info!(host = %self.spec, local = tunnel.local_port, remote = tunnel.remote_port, "tunnel to the host's gateway open");
        *current = Some(tunnel);
        Ok(remote)
    }
}

impl RemoteSource for HostGateway {
    fn host(&self) -> HostRef {
        self.host.clone()
    }

    fn resolve(
        &self,
    ) -> std::pin::Pin<Box<dyn Future<Output = Result<RemoteGateway, SourceError>> + Send + '_>>
    {
        Box::pin(async move {
            self.open().await.map_err(|e| SourceError {
                fatal: matches!(
                    e,
                    HostError::HostKeyChanged { .. }
                        | HostError::UnknownHostKey { .. }
                        | HostError::AuthRefused { .. }
                        | HostError::Address(_)
                        | HostError::Local(_)
                ),
                message: format!("{}: {e}", self.host.name),
            })
        })
    }
}

impl Drop for HostGateway {
    fn drop(&mut self) {
        // Close the forward now rather than when the master next closes.
        let Some(t) = self.current.get_mut().take() else {
            return;
        };
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let (pool, spec, auth) = (self.pool.clone(), self.spec.clone(), self.auth.clone());
        rt.spawn(async move {
            if let Some(session) = pool.open_session(&spec, &auth).await {
                let _ = session
                    .close_port_forward(
                        ForwardType::Local,
                        (Ipv4Addr::LOCALHOST, t.local_port),
                        (Ipv4Addr::LOCALHOST, t.remote_port),
                    )
                    .await;
            }
            drop(t);
        });
    }
}
