//! A gateway that already runs elsewhere (another machine, a container, the far end of an SSH
//! tunnel): its address, how safe the way there is, and the handshake that proves the address
//! and token are right before the app relies on them.

use serde::Serialize;
use std::net::IpAddr;
use std::time::Duration;
use tidepool_client::{Client, ClientError, ConnectOptions};
use tidepool_protocol::Scope;
use tidepool_protocol::error::detail_codes;

/// Where a remote gateway is and the token it wants.
#[derive(Clone, PartialEq, Eq)]
pub struct RemoteGateway {
    /// `ws://` or `wss://` URL, normalized by [`parse_url`].
    pub url: String,
    /// Gateway token.
    pub token: Option<String>,
}

impl std::fmt::Debug for RemoteGateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteGateway")
            .field("url", &self.url)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// How well the way to the gateway protects the token and the chats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum Transport {
    /// `wss://`: TLS, checked against the system's trusted certificates.
    Encrypted,
    /// `ws://` to this machine (a local gateway or an SSH tunnel): never leaves the machine.
    Loopback,
    /// `ws://` to another machine: readable on the way unless a VPN (e.g. Tailscale) carries it.
    Plain,
}

/// A checked URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    /// The normalized URL (`ws://host:port[/path]`).
    pub url: String,
    /// The host as typed.
    pub host: String,
    /// The port (the scheme's default when none is given).
    pub port: u16,
    /// How it travels.
    pub transport: Transport,
}

/// Why a URL cannot be used, in words a user can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BadUrl(pub String);

/// Checks and normalizes what a user typed: `ws://` and `wss://` URLs; `http(s)://` are taken
/// as their WebSocket twins; a bare `host:port` is `ws://host:port`.
pub fn parse_url(input: &str) -> Result<Address, BadUrl> {
    let text = input.trim();
    if text.is_empty() {
        return Err(BadUrl(
            "enter the gateway's address, e.g. ws://127.0.0.1:18789".into(),
        ));
    }
    let with_scheme = if text.contains("://") {
        text.to_owned()
    } else {
        format!("ws://{text}")
    };
    let mut url = url::Url::parse(&with_scheme)
        .map_err(|e| BadUrl(format!("\"{text}\" is not a valid address ({e})")))?;
    let scheme = match url.scheme() {
        "ws" | "http" => "ws",
        "wss" | "https" => "wss",
        other => {
            return Err(BadUrl(format!(
                "\"{other}://\" is not a gateway address; use ws:// or wss://"
            )));
        }
    };
    if url.scheme() != scheme {
        // `set_scheme` refuses special↔non-special switches, so rebuild the string.
        let rest = with_scheme
            .split_once("://")
            .map(|(_, r)| r)
            .unwrap_or_default();
        url = url::Url::parse(&format!("{scheme}://{rest}"))
            .map_err(|e| BadUrl(format!("\"{text}\" is not a valid address ({e})")))?;
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(BadUrl(
            "put the token in the token field, not in the address".into(),
        ));
    }
    let host = match url.host() {
        Some(url::Host::Domain(d)) => d.to_owned(),
        Some(url::Host::Ipv4(a)) => a.to_string(),
        Some(url::Host::Ipv6(a)) => a.to_string(),
        None => return Err(BadUrl(format!("\"{text}\" has no host name"))),
    };
    let port = url
        .port_or_known_default()
        .ok_or_else(|| BadUrl(format!("\"{text}\" has no port")))?;
    let transport = if scheme == "wss" {
        Transport::Encrypted
    } else if is_loopback(&host) {
        Transport::Loopback
    } else {
        Transport::Plain
    };
    let mut normalized = url.to_string();
    if url.path() == "/" && url.query().is_none() {
        normalized.pop();
    }
    Ok(Address {
        url: normalized,
        host,
        port,
        transport,
    })
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// What the handshake found.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum RemoteCheck {
    /// The gateway answered and accepted the token.
    #[serde(rename_all = "camelCase")]
    Ok {
        /// The normalized URL to save.
        url: String,
        /// The gateway's version.
        version: String,
        /// Protocol version agreed.
        protocol: u32,
        /// Scopes granted.
        scopes: Vec<String>,
        /// How the connection travels.
        transport: Transport,
    },
    /// It did not; `kind` says which part failed.
    #[serde(rename_all = "camelCase")]
    Failed {
        /// `url`, `plain` (not encrypted and not agreed to: nothing sent), `unreachable`,
        /// `certificate`, `token`, `protocol` or `timeout`.
        reason: String,
        /// What happened and what to do.
        message: String,
    },
}

/// Connect options for the desktop app to `url`.
pub fn connect_options(url: &str, token: Option<String>, version: &str) -> ConnectOptions {
    let mut opts = ConnectOptions::new(url, desktop_client_id(), version)
        .token(token)
        .scopes(Scope::ALL.to_vec());
    opts.client.mode = "ui".into();
    opts.client.display_name = Some("Tidepool desktop".into());
    opts.connect_timeout = Duration::from_secs(5);
    opts.request_timeout = Duration::from_secs(5);
    opts
}

/// The OpenClaw client id of a desktop app on this OS (ids come from the protocol schema).
pub fn desktop_client_id() -> &'static str {
    match std::env::consts::OS {
        "macos" => "openclaw-macos",
        "linux" => "openclaw-linux",
        _ => "gateway-client",
    }
}

/// Connects to `url` with `token` (a real `connect` / `hello-ok` handshake), reports what it
/// found and disconnects.
///
/// A plain `ws://` address on another machine is refused before any byte is sent (reason
/// `plain`): the handshake carries the token, which would cross the network readable. The
/// user agrees first, then [`check_allowing_plain`] connects.
pub async fn check(url: &str, token: Option<&str>, timeout: Duration) -> RemoteCheck {
    check_with(url, token, timeout, false).await
}

/// [`check`] for a plain `ws://` address the user agreed to use (a VPN, their own LAN).
pub async fn check_allowing_plain(
    url: &str,
    token: Option<&str>,
    timeout: Duration,
) -> RemoteCheck {
    check_with(url, token, timeout, true).await
}

async fn check_with(
    url: &str,
    token: Option<&str>,
    timeout: Duration,
    plain_ok: bool,
) -> RemoteCheck {
    let address = match parse_url(url) {
        Ok(a) => a,
        Err(e) => return failed("url", e.0),
    };
    if address.transport == Transport::Plain && !plain_ok {
        return failed(
            "plain",
            format!(
                "{} is not encrypted: the token and your conversations could be read on the network between here and there. Nothing was sent yet",
                address.url
            ),
        );
    }
    let token = token.map(str::trim).filter(|t| !t.is_empty());
    let mut opts = connect_options(
        &address.url,
        token.map(str::to_owned),
        env!("CARGO_PKG_VERSION"),
    );
    opts.connect_timeout = timeout;
    let client = match Client::connect(opts).await {
        Ok(c) => c,
        Err(e) => return describe_failure(&address, token.is_some(), &e),
    };
    let hello = client.hello();
    client.close();
    match hello {
        Some(h) => RemoteCheck::Ok {
            url: address.url,
            version: h.server.version,
            protocol: h.protocol,
            scopes: h.auth.scopes,
            transport: address.transport,
        },
        None => failed(
            "protocol",
            format!("{} connected but sent no greeting", address.url),
        ),
    }
}

/// A connection failure in the words the wizard and the dashboard show.
pub fn describe_failure(address: &Address, had_token: bool, e: &ClientError) -> RemoteCheck {
    match e {
        ClientError::InvalidUrl { reason, .. } => failed("url", reason.clone()),
        ClientError::Tls { .. } => failed("certificate", e.to_string()),
        ClientError::Unreachable { reason, .. } => failed(
            "unreachable",
            format!(
                "nothing answered at {}:{} ({reason}). Check that the gateway runs there, that \
                 the address and port are right, and that a firewall lets you through.",
                address.host, address.port
            ),
        ),
        ClientError::Rejected(shape)
            if shape.detail_code().is_some_and(|c| {
                c.starts_with("AUTH_") && c != detail_codes::AUTH_RATE_LIMITED
            }) =>
        {
            failed(
                "token",
                if had_token {
                    format!(
                        "the gateway at {} refused the token ({}). Copy it again from that \
                     machine's gateway.token file or its config.",
                        address.url, shape.message
                    )
                } else {
                    format!(
                        "the gateway at {} needs a token ({})",
                        address.url, shape.message
                    )
                },
            )
        }
        ClientError::Rejected(shape) => failed(
            "protocol",
            format!(
                "the gateway at {} refused the connection: {}",
                address.url, shape.message
            ),
        ),
        ClientError::Timeout { after, .. } => failed(
            "timeout",
            format!(
                "{} did not complete the handshake within {} s; is it a Tidepool or OpenClaw \
                 gateway?",
                address.url,
                after.as_secs().max(1)
            ),
        ),
        other => failed(
            "protocol",
            format!(
                "{} did not speak the gateway protocol: {other}",
                address.url
            ),
        ),
    }
}

fn failed(reason: &str, message: String) -> RemoteCheck {
    RemoteCheck::Failed {
        reason: reason.into(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Normalized URL, port and transport, or a part of the refusal.
    type Want = Result<(&'static str, u16, Transport), &'static str>;

    #[test]
    fn addresses_are_normalized_or_refused_with_a_reason() {
        let cases: &[(&str, Want)] = &[
            (
                "ws://127.0.0.1:18789",
                Ok(("ws://127.0.0.1:18789", 18789, Transport::Loopback)),
            ),
            (
                " localhost:9000 ",
                Ok(("ws://localhost:9000", 9000, Transport::Loopback)),
            ),
            (
                "wss://gw.example.com",
                Ok(("wss://gw.example.com", 443, Transport::Encrypted)),
            ),
            (
                "https://gw.example.com/gateway",
                Ok(("wss://gw.example.com/gateway", 443, Transport::Encrypted)),
            ),
            (
                "http://100.64.0.7:18789",
                Ok(("ws://100.64.0.7:18789", 18789, Transport::Plain)),
            ),
            (
                "ws://[::1]:18789",
                Ok(("ws://[::1]:18789", 18789, Transport::Loopback)),
            ),
            ("", Err("enter the gateway's address")),
            ("ftp://host", Err("\"ftp://\" is not a gateway address")),
            ("ws://user:pw@host:1", Err("token field")),
            ("ws://host:99999", Err("not a valid address")),
            ("ws://", Err("not a valid address")),
        ];
        for (input, want) in cases {
            let got = parse_url(input);
            match (want, got) {
                (Ok((url, port, transport)), Ok(a)) => {
                    assert_eq!(
                        (a.url.as_str(), a.port, a.transport),
                        (*url, *port, *transport),
                        "{input}"
                    );
                }
                (Err(msg), Err(e)) => assert!(e.0.contains(msg), "{input}: {e}"),
                (want, got) => panic!("{input}: wanted {want:?}, got {got:?}"),
            }
        }
    }
}

/// Why a [`RemoteSource`] could not say where its gateway is now.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SourceError {
    /// What happened, in words.
    pub message: String,
    /// Trying again cannot help (a refused key, a changed host key): the supervisor gives up
    /// with this reason instead of retrying.
    pub fatal: bool,
}

/// A gateway found anew before each connection attempt: the far end of an SSH tunnel that is
/// opened (again, after the connection dropped) on demand. The supervisor asks it where to
/// connect each time it (re)connects.
pub trait RemoteSource: Send + Sync + 'static {
    /// The host whose gateway this is, for the app to show.
    fn host(&self) -> HostRef;
    /// Where the gateway is reachable now, and its token.
    fn resolve(
        &self,
    ) -> std::pin::Pin<Box<dyn Future<Output = Result<RemoteGateway, SourceError>> + Send + '_>>;
}

/// A server the app reaches over SSH, as the status names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct HostRef {
    /// The host's id in the Hosts page.
    pub id: String,
    /// Its name.
    pub name: String,
}
