//! The secrets store through the real `tidepool` binary: the CLI (values from stdin, never
//! argv), the gateway's `secrets.*` methods, `{ source: "store" }` API keys, and masking: a
//! provider error that echoes the key leaves no trace of it in frames, logs or the state dir.

// The binary under test is started directly, with exactly the environment each case sets.
#![allow(clippy::disallowed_methods)]
#![cfg(unix)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::common;

use common::chat::*;
use common::schemas::Schemas;
use common::*;
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;
use std::time::Duration;
use tidepool_testkit::Script;

/// `tidepool secrets ARGS --state-dir DIR` with `stdin`, on the vault backend (no keychain).
fn secrets(dir: &Path, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> (i32, String, String) {
    let dir = dir.display().to_string();
    let mut all = vec!["secrets"];
    all.extend_from_slice(args);
    all.extend(["--state-dir", dir.as_str()]);
    tidepool_vault(&all, stdin, env)
}

/// Every file under `dir`, as bytes.
fn all_files(dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.clone(), std::fs::read(&p).unwrap_or_default()));
            }
        }
    }
    out
}

fn holds(bytes: &[u8], needle: &str) -> bool {
    bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// A gateway (vault backend) whose provider key is `{ source: "store", id: "FAKE_KEY" }`.
async fn start_with_store(f: &tidepool_testkit::FakeProvider) -> Gw {
    let cfg = config(f, "openai-completions").replace(
        &format!("apiKey: '{KEY}'"),
        "apiKey: { source: 'store', id: 'FAKE_KEY' }",
    );
    assert!(!cfg.contains(KEY));
    gateway()
        .config(&cfg)
        .env("TIDEPOOL_SECRETS_BACKEND", "vault")
        .start()
        .await
}

#[test]
fn the_cli_reads_values_from_stdin_and_lists_names_only() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (code, _, err) = secrets(
        d,
        &["set", "ANTHROPIC_API_KEY"],
        "sk-ant-CLI-VALUE-1\n",
        &[],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(r#"{ source: "store", id: "ANTHROPIC_API_KEY" }"#),
        "{err}"
    );
    let (code, _, _) = secrets(d, &["set", "REGION", "--env"], "eu-west-1", &[]);
    assert_eq!(code, 0);
    let (code, out, _) = secrets(d, &["list", "--json"], "", &[]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["backend"], "vault");
    let names: Vec<(&str, &str)> = v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["name"].as_str().unwrap(), e["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(names, [("ANTHROPIC_API_KEY", "secret"), ("REGION", "env")]);
    assert!(!out.contains("sk-ant-CLI-VALUE-1"));
    let (_, human, _) = secrets(d, &["list"], "", &[]);
    assert_eq!(human, "ANTHROPIC_API_KEY\nREGION (env)\n");
    for (path, bytes) in all_files(d) {
        assert!(
            !holds(&bytes, "sk-ant-CLI-VALUE-1"),
            "the value is in {}",
            path.display()
        );
    }

    // Bad input, with the reason and no change.
    let (code, _, err) = secrets(d, &["set", "lower_case"], "v", &[]);
    assert_eq!(code, 64);
    assert!(err.contains("start with a capital letter"), "{err}");
    let (code, _, err) = secrets(d, &["set", "EMPTY"], "", &[]);
    assert_eq!(code, 64);
    assert!(err.contains("no value for EMPTY"), "{err}");
    // A value on the command line is refused (argv is visible to other users).
    let (code, _, _) = secrets(d, &["set", "ARGV", "sk-in-argv"], "", &[]);
    assert_eq!(code, 2);
    let (code, _, err) = secrets(d, &["delete", "NOPE"], "", &[]);
    assert_eq!(code, 1);
    assert!(err.contains("there is no secret named NOPE"), "{err}");
    let (code, _, _) = secrets(d, &["delete", "REGION"], "", &[]);
    assert_eq!(code, 0);
    let (_, human, _) = secrets(d, &["list"], "", &[]);
    assert_eq!(human, "ANTHROPIC_API_KEY\n");
}

#[test]
fn a_passphrase_vault_stays_locked_without_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let pw = [("TIDEPOOL_VAULT_PASSPHRASE", "correct horse battery")];
    let (code, _, err) = secrets(d, &["set", "TOKEN"], "t-123456", &pw);
    assert_eq!(code, 0, "{err}");
    assert!(!d.join("secrets.key").exists());
    let (code, _, err) = secrets(d, &["list"], "", &[]);
    assert_eq!(code, 69);
    assert!(err.contains("the secrets vault is locked"), "{err}");
    let wrong = [("TIDEPOOL_VAULT_PASSPHRASE", "wrong")];
    let (code, _, err) = secrets(d, &["list"], "", &wrong);
    assert_eq!(code, 69);
    assert!(err.contains("the passphrase does not open"), "{err}");
    let (code, out, _) = secrets(d, &["list"], "", &pw);
    assert_eq!((code, out.as_str()), (0, "TOKEN\n"));
}

#[tokio::test]
async fn a_stored_api_key_is_used_and_never_leaks() {
    let s = Schemas::new();
    let f = fake().await;
    let gw = start_with_store(&f).await;
    let mut c = Conn::open(&gw).await;
    let mut seen = String::new();

    // Not stored yet: the turn fails and says what to do.
    let r = c.ok("chat.send", send_params("main", "hello")).await;
    let events = c.run_events(r["runId"].as_str().unwrap()).await;
    let last = events.last().unwrap();
    assert_eq!(last["payload"]["state"], "error");
    assert!(
        last["payload"]["errorMessage"]
            .as_str()
            .unwrap()
            .contains("tidepool secrets set FAKE_KEY"),
        "{last}"
    );

    let params = json!({ "name": "FAKE_KEY", "value": KEY, "kind": "secret" });
    s.check("/definitions/SecretsStoreSetParams", &params);
    let set = c.ok("secrets.store.set", params).await;
    s.check("/definitions/SecretsStoreMutationResult", &set);
    let list = c.ok("secrets.store.list", json!({})).await;
    s.check("/definitions/SecretsStoreListResult", &list);
    assert_eq!(list["entries"][0]["name"], "FAKE_KEY");
    assert_eq!(list["entries"][0].get("value"), None);
    seen.push_str(&list.to_string());
    let bad = c
        .call(
            "secrets.store.set",
            json!({ "name": "x", "value": "v", "kind": "secret" }),
        )
        .await;
    assert_eq!(bad["error"]["code"], "INVALID_REQUEST");
    assert!(
        bad["error"]["message"]
            .as_str()
            .unwrap()
            .contains("start with a capital letter")
    );
    let hosts = c
        .call(
            "secrets.store.set",
            json!({ "name": "X", "value": "v", "kind": "secret", "allowedHosts": ["a.example"] }),
        )
        .await;
    assert!(
        hosts["error"]["message"]
            .as_str()
            .unwrap()
            .contains("allowedHosts is not supported")
    );

    // Stored: the provider gets the key.
    f.push(Script::text(&["Hi ", "there"]));
    let r = c.ok("chat.send", send_params("main", "hello again")).await;
    let events = c.run_events(r["runId"].as_str().unwrap()).await;
    assert_eq!(events.last().unwrap()["payload"]["state"], "final");
    let reqs = f.wait_requests(1, Duration::from_secs(5)).await;
    assert_eq!(
        reqs.last()
            .unwrap()
            .headers
            .get("authorization")
            .map(String::as_str),
        Some(format!("Bearer {KEY}").as_str())
    );
    for e in &events {
        seen.push_str(&e.to_string());
    }

    // A provider error that echoes the key: clients, logs and the transcript see a mask.
    f.push(Script::status(400, "bad request; you sent {authorization}"));
    let r = c.ok("chat.send", send_params("main", "once more")).await;
    let events = c.run_events(r["runId"].as_str().unwrap()).await;
    let last = events.last().unwrap();
    assert_eq!(last["payload"]["state"], "error");
    let msg = last["payload"]["errorMessage"].as_str().unwrap();
    assert!(msg.contains("you sent Bearer [redacted]"), "{msg}");
    for e in &events {
        seen.push_str(&e.to_string());
    }
    // A model that repeats the key (told it by a prompt injection, say): masked in the
    // stream, the final message and the stored transcript.
    let said = format!("your key is {KEY}, keep it safe");
    f.push(Script::text(&[said.as_str()]));
    let r = c
        .ok("chat.send", send_params("main", "what is my key?"))
        .await;
    let events = c.run_events(r["runId"].as_str().unwrap()).await;
    let fin = events.last().unwrap().to_string();
    assert!(
        fin.contains("your key is [redacted], keep it safe"),
        "{fin}"
    );
    for e in &events {
        seen.push_str(&e.to_string());
    }
    let history = c
        .ok(
            "chat.history",
            json!({ "sessionKey": "agent:main:main", "limit": 50 }),
        )
        .await;
    assert!(history.to_string().contains("[redacted]"), "{history}");
    seen.push_str(&history.to_string());
    seen.push_str(&c.ok("sessions.list", json!({})).await.to_string());
    gw.wait_log("\"level\":\"warn\"").await;
    assert!(!seen.contains(KEY), "the key reached a client");
    for (path, bytes) in all_files(gw.state()) {
        assert!(!holds(&bytes, KEY), "the key is in {}", path.display());
    }
    assert!(!gw.stderr().contains(KEY), "the key is in the console log");

    // Deleted: gone from the list; the next turn says it is missing.
    c.ok("secrets.store.delete", json!({ "name": "FAKE_KEY" }))
        .await;
    let gone = c
        .call("secrets.store.delete", json!({ "name": "FAKE_KEY" }))
        .await;
    assert!(
        gone["error"]["message"]
            .as_str()
            .unwrap()
            .contains("has no \"FAKE_KEY\"")
    );
    let list = c.ok("secrets.store.list", json!({})).await;
    assert_eq!(list["entries"], json!([]));
}

#[tokio::test]
async fn the_cli_tells_a_running_gateway_to_reload() {
    let f = fake().await;
    let gw = start_with_store(&f).await;
    let (code, _, err) = secrets(gw.state(), &["set", "FAKE_KEY"], KEY, &[]);
    assert_eq!(code, 0, "{err}");
    let mut c = Conn::open(&gw).await;
    let list = c.ok("secrets.store.list", json!({})).await;
    assert_eq!(
        list["entries"][0]["name"], "FAKE_KEY",
        "the gateway reloaded: {list}"
    );
    f.push(Script::text(&["ok"]));
    let r = c.ok("chat.send", send_params("main", "hi")).await;
    let events = c.run_events(r["runId"].as_str().unwrap()).await;
    assert_eq!(
        events.last().unwrap()["payload"]["state"],
        "final",
        "{events:?}"
    );
}

/// The keychain backend against a real Secret Service: gnome-keyring in a private D-Bus
/// session (as on a Linux desktop).
#[test]
fn the_keychain_backend_keeps_values_in_the_secret_service() {
    let dir = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let state = dir.path().display().to_string();
    let script = format!(
        "echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null && \
         printf 'sk-KEYCHAIN-VALUE-77' | {BIN} secrets set KC_KEY --state-dir '{state}' && \
         {BIN} secrets list --json --state-dir '{state}' && \
         {BIN} secrets delete KC_KEY --state-dir '{state}' && \
         {BIN} secrets list --json --state-dir '{state}'"
    );
    let out = Command::new("dbus-run-session")
        .args(["--", "sh", "-c", &script])
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env_remove("TIDEPOOL_SECRETS_BACKEND")
        .env("HOME", home.path())
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("XDG_RUNTIME_DIR", home.path())
        .output()
        .expect("dbus-run-session (package dbus) is needed for this test");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let lists: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lists[0]["backend"], "keychain", "{stderr}");
    assert_eq!(lists[0]["entries"][0]["name"], "KC_KEY");
    assert_eq!(lists[1]["entries"], json!([]));
    // The value went to the keyring, not the state dir.
    for (path, bytes) in all_files(dir.path()) {
        assert!(!holds(&bytes, "sk-KEYCHAIN-VALUE-77"), "{}", path.display());
    }
    assert!(!dir.path().join("secrets.vault").exists());
}
