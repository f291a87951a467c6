//! The remote side of the supervisor: connect to a gateway that runs elsewhere and notice when
//! the link drops (a local gateway's end is noticed through its process instead).

use super::child::{LaunchError, Running};
use super::{Actor, Cmd, GatewayState, SupervisorError, now_ms};
use crate::remote::{self, HostRef, RemoteCheck, RemoteGateway, RemoteSource};
use tidepool_client::{Client, ConnState};
use tokio::sync::{oneshot, watch};
use tracing::info;

impl Actor {
    /// Asks `via` where its gateway is now (opening its tunnel); a stop or shutdown meanwhile
    /// interrupts it.
    pub(super) async fn resolve(
        &mut self,
        via: &dyn RemoteSource,
    ) -> Result<RemoteGateway, LaunchError> {
        let resolve = via.resolve();
        tokio::pin!(resolve);
        loop {
            tokio::select! {
                r = &mut resolve => return r.map_err(|e| if e.fatal {
                    LaunchError::Fatal(e.message, None)
                } else {
                    LaunchError::Transient(e.message, None)
                }),
                cmd = self.rx.recv() => match cmd {
                    Some(Cmd::Start(r)) => { let _ = r.send(Err(SupervisorError::Cancelled)); }
                    Some(other) => return Err(LaunchError::Interrupted(other)),
                    None => return Err(LaunchError::Interrupted(Cmd::Shutdown(oneshot::channel().0))),
                },
            }
        }
    }

    /// Connects to `remote` (`host`'s gateway, through its tunnel, when given); a stop or
    /// shutdown while connecting interrupts it.
    pub(super) async fn connect_remote(
        &mut self,
        remote: RemoteGateway,
        host: Option<HostRef>,
    ) -> Result<Running, LaunchError> {
        let address = remote::parse_url(&remote.url).map_err(|e| LaunchError::Fatal(e.0, None))?;
        let opts = remote::connect_options(
            &address.url,
            remote.token.clone(),
            env!("CARGO_PKG_VERSION"),
        );
        let had_token = remote.token.is_some();
        let connect = Client::connect(opts);
        tokio::pin!(connect);
        let client = loop {
            tokio::select! {
                r = &mut connect => match r {
                    Ok(c) => break c,
                    Err(e) => {
                        let fatal = e.is_fatal();
                        let reason = match remote::describe_failure(&address, had_token, &e) {
                            RemoteCheck::Failed { message, .. } => message,
                            RemoteCheck::Ok { .. } => e.to_string(),
                        };
                        return Err(if fatal {
                            LaunchError::Fatal(reason, None)
                        } else {
                            LaunchError::Transient(reason, None)
                        });
                    }
                },
                cmd = self.rx.recv() => match cmd {
                    Some(Cmd::Start(r)) => { let _ = r.send(Err(SupervisorError::Cancelled)); }
                    Some(other) => return Err(LaunchError::Interrupted(other)),
                    None => return Err(LaunchError::Interrupted(Cmd::Shutdown(oneshot::channel().0))),
                },
            }
        };
        let version = client
            .hello()
            .map(|h| h.server.version)
            .unwrap_or_else(|| "unknown".into());
        if let Ok(mut c) = self.client.lock() {
            *c = Some(client.clone());
        }
        info!(url = %address.url, %version, "connected to the remote gateway");
        self.set(|s| {
            s.state = GatewayState::Running {
                pid: None,
                port: address.port,
                version,
            };
            s.url = Some(address.url.clone());
            s.remote = host.is_none().then(|| address.url.clone());
            s.host = host;
            s.started_at_ms = Some(now_ms());
        });
        Ok(Running {
            local: None,
            client,
            service: false,
        })
    }
}

/// Resolves with the reason when a remote link drops; never for a local gateway (its process
/// exit says more) or while the link is up.
pub(super) async fn lost(state: &mut watch::Receiver<ConnState>, remote: bool) -> String {
    if !remote {
        return std::future::pending().await;
    }
    loop {
        match &*state.borrow_and_update() {
            ConnState::Disconnected(why) | ConnState::Closed(why) => return why.clone(),
            ConnState::Connecting | ConnState::Connected(_) => {}
        }
        if state.changed().await.is_err() {
            return "the connection ended".into();
        }
    }
}
