//! Test harness: starts the real `tidepool` binary in a temp state dir, waits for its ready
//! line, and speaks the protocol over real sockets.

// The binary under test is started directly, with exactly the environment each case sets.
#![allow(clippy::disallowed_methods)]
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

pub mod chat;
pub mod schemas;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

pub const BIN: &str = env!("CARGO_BIN_EXE_tidepool");

/// A running gateway process.
pub struct Gw {
    pub child: Child,
    pub dir: tempfile::TempDir,
    pub port: u16,
    pub pid: u32,
    pub ready: Value,
    pub started: Instant,
    pub ready_after: Duration,
}

/// Builder for a gateway process.
pub struct GwBuilder {
    config: Option<String>,
    args: Vec<String>,
    env: Vec<(String, String)>,
    dir: Option<tempfile::TempDir>,
    state: Option<PathBuf>,
    port_from_config: bool,
}

pub fn gateway() -> GwBuilder {
    GwBuilder {
        config: None,
        args: vec![],
        env: vec![],
        dir: None,
        state: None,
        port_from_config: false,
    }
}

impl GwBuilder {
    pub fn config(mut self, text: &str) -> Self {
        self.config = Some(text.into());
        self
    }
    pub fn arg(mut self, a: &str) -> Self {
        self.args.push(a.into());
        self
    }
    pub fn env(mut self, k: &str, v: &str) -> Self {
        self.env.push((k.into(), v.into()));
        self
    }
    /// Uses another gateway's state dir (stderr still goes to a fresh temp dir).
    pub fn state_dir(mut self, path: &Path) -> Self {
        self.state = Some(path.to_path_buf());
        self
    }
    pub fn dir(mut self, dir: tempfile::TempDir) -> Self {
        self.dir = Some(dir);
        self
    }
    /// Passes no `--port 0`, so the port comes from the config (or the default).
    pub fn port_from_config(mut self) -> Self {
        self.port_from_config = true;
        self
    }

    /// The command, not started; stdout piped, stdin piped, stderr to `<dir>/stderr.log`.
    pub fn command(&mut self) -> (Command, tempfile::TempDir) {
        let dir = self
            .dir
            .take()
            .unwrap_or_else(|| tempfile::tempdir().unwrap());
        if let Some(c) = &self.config {
            std::fs::write(dir.path().join("tidepool.json"), c).unwrap();
        }
        let stderr = std::fs::File::create(dir.path().join("stderr.log")).unwrap();
        let mut cmd = Command::new(BIN);
        cmd.args(["gateway", "run", "--state-dir"])
            .arg(
                self.state
                    .clone()
                    .unwrap_or_else(|| dir.path().to_path_buf()),
            )
            .args(
                if self.port_from_config || self.args.iter().any(|a| a == "--port") {
                    vec![]
                } else {
                    vec!["--port".to_string(), "0".to_string()]
                },
            )
            .args(&self.args)
            .env_remove("TIDEPOOL_GATEWAY_TOKEN")
            .env_remove("OPENCLAW_GATEWAY_TOKEN")
            .env_remove("TIDEPOOL_LOG")
            .env_remove("TIDEPOOL_STATE_DIR")
            .env_remove("TIDEPOOL_CONFIG_PATH")
            // Never the developer's keyring (a test's own `.env` below may choose another).
            .env("TIDEPOOL_SECRETS_BACKEND", "vault")
            .env_remove("TIDEPOOL_VAULT_PASSPHRASE")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(stderr))
            .kill_on_drop(true);
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        (cmd, dir)
    }

    /// Starts and waits for the ready line.
    pub async fn start(mut self) -> Gw {
        let (mut cmd, dir) = self.command();
        let started = Instant::now();
        let mut child = cmd.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "no ready line in 20 s; stderr: {}",
                    std::fs::read_to_string(dir.path().join("stderr.log")).unwrap_or_default()
                )
            })
            .unwrap()
            .unwrap_or_else(|| {
                panic!(
                    "gateway exited before ready; stderr: {}",
                    std::fs::read_to_string(dir.path().join("stderr.log")).unwrap_or_default()
                )
            });
        let ready_after = started.elapsed();
        let ready: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(ready["event"], "ready", "{line}");
        // Keep draining stdout so the gateway never blocks on it.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Gw {
            port: ready["port"].as_u64().unwrap() as u16,
            pid: ready["pid"].as_u64().unwrap() as u32,
            child,
            dir,
            ready,
            started,
            ready_after,
        }
    }

    /// Runs to completion (for start failures): exit code and stderr.
    pub async fn run_to_exit(mut self) -> (Option<i32>, String, tempfile::TempDir) {
        let (mut cmd, dir) = self.command();
        let status = tokio::time::timeout(Duration::from_secs(20), cmd.status())
            .await
            .expect("gateway did not exit")
            .unwrap();
        let stderr = std::fs::read_to_string(dir.path().join("stderr.log")).unwrap();
        (status.code(), stderr, dir)
    }
}

impl Gw {
    pub fn url(&self) -> String {
        format!("ws://127.0.0.1:{}", self.port)
    }
    pub fn state(&self) -> &Path {
        self.dir.path()
    }
    pub fn token(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("gateway.token"))
            .unwrap()
            .trim()
            .to_owned()
    }
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("stderr.log")).unwrap_or_default()
    }
    pub fn log_file(&self) -> PathBuf {
        let logs = self.dir.path().join("logs");
        let mut files: Vec<PathBuf> = std::fs::read_dir(&logs)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        files.pop().expect("no log file")
    }

    /// Waits until the log file contains `needle` (lines are written by a background thread),
    /// and returns the whole log.
    pub async fn wait_log(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let log = std::fs::read_to_string(self.log_file()).unwrap_or_default();
            if log.contains(needle) {
                return log;
            }
            assert!(
                Instant::now() < deadline,
                "log never contained {needle:?}:\n{log}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    pub fn signal(&self, sig: i32) {
        #[allow(unsafe_code)]
        // SAFETY: sending a signal to our own child.
        unsafe {
            libc::kill(self.pid as i32, sig);
        }
    }

    /// Waits for exit, returning the code.
    pub async fn wait(&mut self, within: Duration) -> Option<i32> {
        tokio::time::timeout(within, self.child.wait())
            .await
            .expect("gateway did not exit in time")
            .unwrap()
            .code()
    }

    /// Resident memory of the gateway process (Linux).
    pub fn rss_kb(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid)).unwrap();
        status
            .lines()
            .find(|l| l.starts_with("VmRSS:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap()
    }

    /// A raw socket that has received the challenge, not yet connected.
    pub async fn raw(&self) -> (Ws, Value) {
        raw(&self.url()).await
    }

    /// A raw socket after a successful `connect` with all scopes.
    pub async fn authed(&self) -> (Ws, Value) {
        let (mut ws, _) = self.raw().await;
        let hello = connect(&mut ws, Some(&self.token()), ALL_SCOPES).await;
        assert_eq!(hello["ok"], true, "{hello}");
        (ws, hello)
    }

    /// A protocol client from the client crate.
    pub async fn client(&self) -> tidepool_client::Client {
        tidepool_client::Client::connect(
            tidepool_client::ConnectOptions::new(self.url(), "test", "0.0.0")
                .token(Some(self.token()))
                .scopes(tidepool_protocol::Scope::ALL.to_vec()),
        )
        .await
        .unwrap()
    }

    /// Runs a CLI subcommand against this gateway.
    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        std::process::Command::new(BIN)
            .args(args)
            .arg("--state-dir")
            .arg(self.state())
            .env_remove("TIDEPOOL_GATEWAY_TOKEN")
            .env_remove("TIDEPOOL_GATEWAY_URL")
            .env("TIDEPOOL_SECRETS_BACKEND", "vault")
            .output()
            .unwrap()
    }
}

pub const ALL_SCOPES: &[&str] = &[
    "operator.read",
    "operator.write",
    "operator.admin",
    "operator.approvals",
    "operator.pairing",
];

pub async fn raw(url: &str) -> (Ws, Value) {
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    let challenge = next_json(&mut ws).await.expect("no challenge");
    assert_eq!(challenge["event"], "connect.challenge", "{challenge}");
    (ws, challenge)
}

pub fn connect_frame(token: Option<&str>, scopes: &[&str]) -> Value {
    json!({
        "type": "req", "id": "c1", "method": "connect",
        "params": {
            "minProtocol": 3, "maxProtocol": 4,
            "client": {"id": "test", "version": "0.0.0", "platform": "linux", "mode": "test"},
            "role": "operator", "scopes": scopes,
            "auth": {"token": token},
        }
    })
}

/// Sends `connect` and returns the response frame.
pub async fn connect(ws: &mut Ws, token: Option<&str>, scopes: &[&str]) -> Value {
    send(ws, &connect_frame(token, scopes)).await;
    next_response(ws).await.expect("no connect response")
}

pub async fn send(ws: &mut Ws, v: &Value) {
    ws.send(Message::text(v.to_string())).await.unwrap();
}

pub async fn send_text(ws: &mut Ws, t: &str) {
    ws.send(Message::text(t.to_owned())).await.unwrap();
}

/// What the socket delivered next.
#[derive(Debug)]
pub enum Next {
    Json(Value),
    Closed(Option<(u16, String)>),
}

pub async fn next(ws: &mut Ws) -> Next {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("nothing received in 10 s");
        match msg {
            None | Some(Err(_)) => return Next::Closed(None),
            Some(Ok(Message::Text(t))) => {
                return Next::Json(serde_json::from_str(t.as_str()).unwrap());
            }
            Some(Ok(Message::Close(f))) => {
                return Next::Closed(f.map(|f| (u16::from(f.code), f.reason.to_string())));
            }
            Some(Ok(_)) => {}
        }
    }
}

pub async fn next_json(ws: &mut Ws) -> Option<Value> {
    match next(ws).await {
        Next::Json(v) => Some(v),
        Next::Closed(_) => None,
    }
}

/// The next response frame, skipping events (tick, presence).
pub async fn next_response(ws: &mut Ws) -> Option<Value> {
    loop {
        let v = next_json(ws).await?;
        if v.get("type") != Some(&json!("event")) {
            return Some(v);
        }
    }
}

/// Reads until the socket closes; returns the close code and reason.
pub async fn expect_close(ws: &mut Ws) -> Option<(u16, String)> {
    loop {
        match next(ws).await {
            Next::Json(_) => {}
            Next::Closed(c) => return c,
        }
    }
}

pub async fn request(ws: &mut Ws, id: &str, method: &str, params: Value) -> Value {
    send(
        ws,
        &json!({"type": "req", "id": id, "method": method, "params": params}),
    )
    .await;
    loop {
        let v = next_response(ws)
            .await
            .expect("closed while waiting for a response");
        if v["id"] == id {
            return v;
        }
    }
}

/// `tidepool ARGS` with `stdin`, on the vault backend (no keychain), no state dir or OpenClaw dir
/// from the environment, plus `env`: (exit code, stdout, stderr).
#[allow(dead_code)]
pub fn tidepool_vault(args: &[&str], stdin: &str, env: &[(&str, &str)]) -> (i32, String, String) {
    use std::io::Write;
    let mut cmd = std::process::Command::new(BIN);
    cmd.args(args)
        .env("TIDEPOOL_SECRETS_BACKEND", "vault")
        .env_remove("TIDEPOOL_VAULT_PASSPHRASE")
        .env_remove("TIDEPOOL_STATE_DIR")
        .env_remove("OPENCLAW_STATE_DIR")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Asserts an `INVALID_REQUEST` whose message contains `want`.
pub fn refused(r: &Value, want: &str) {
    assert_eq!(r["ok"], false, "{r}");
    assert_eq!(r["error"]["code"], "INVALID_REQUEST", "{r}");
    let msg = r["error"]["message"].as_str().unwrap();
    assert!(msg.contains(want), "{msg:?} lacks {want:?}");
}

/// A connection granted only `scopes`.
pub async fn scoped(gw: &Gw, scopes: &[&str]) -> Ws {
    let (mut ws, _) = gw.raw().await;
    let hello = connect(&mut ws, Some(&gw.token()), scopes).await;
    assert_eq!(hello["ok"], true, "{hello}");
    ws
}

/// Asserts a `FORBIDDEN` missing-scope error naming `scope`.
pub fn missing_scope(r: &Value, scope: &str) {
    assert_eq!(r["ok"], false, "{r}");
    assert_eq!(r["error"]["code"], "FORBIDDEN", "{r}");
    assert_eq!(r["error"]["details"]["code"], "MISSING_SCOPE");
    assert_eq!(r["error"]["details"]["requiredScopes"], json!([scope]));
}

/// The error code and `details.code` of a refused request.
pub fn err_code(r: &Value) -> (&str, &str) {
    assert_eq!(r["ok"], false, "expected an error: {r}");
    (
        r["error"]["code"].as_str().unwrap_or_default(),
        r["error"]["details"]["code"].as_str().unwrap_or_default(),
    )
}

/// Kills a detached gateway (a plain service the test started: not its child) when dropped,
/// so a failed test leaves nothing running for the state dir it names.
pub struct Reaper(pub PathBuf);

impl Drop for Reaper {
    fn drop(&mut self) {
        if let Some(pid) = tidepool_gateway::lock::StateLock::holder(&self.0.join("gateway.lock"))
            .filter(|p| *p != 0)
        {
            tidepool_process::kill(pid);
        }
    }
}

/// Runs `BINARY ARGS --state-dir DIR --json` with no gateway in the environment and the vault
/// as the secrets store: (exit code, the JSON document on stdout, stderr).
pub fn cli_json(binary: &Path, dir: &Path, args: &[&str]) -> (i32, Value, String) {
    #[allow(clippy::disallowed_methods)] // the binary under test, with exactly this environment
    let o = std::process::Command::new(binary)
        .args(args)
        .arg("--state-dir")
        .arg(dir)
        .arg("--json")
        .env_remove("TIDEPOOL_GATEWAY_TOKEN")
        .env_remove("TIDEPOOL_GATEWAY_URL")
        .env("TIDEPOOL_SECRETS_BACKEND", "vault")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    let v = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}) from {args:?}: {stdout}\n{stderr}"));
    (o.status.code().unwrap_or(-1), v, stderr)
}
