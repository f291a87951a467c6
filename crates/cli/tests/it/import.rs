//! `tidepool import openclaw` and `tidepool providers check` through the real binary: an
//! OpenClaw setup is carried over and the imported assistant answers through a real gateway with
//! the key from the store; every failure has its exit code and message.
#![cfg(unix)]
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
use std::path::Path;
use tidepool_testkit::Script;

fn tidepool(args: &[&str], stdin: &str) -> (i32, String, String) {
    tidepool_vault(args, stdin, &[])
}

/// `tidepool import openclaw --from FROM --state-dir TO EXTRA...`.
fn import(from: &str, to: &str, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec!["import", "openclaw", "--from", from, "--state-dir", to];
    args.extend_from_slice(extra);
    tidepool(&args, "")
}

fn write(dir: &Path, name: &str, text: &str) {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// An OpenClaw setup in the older shape: `agents.list`, an include, a key in `.env`.
fn openclaw_dir(f: &tidepool_testkit::FakeProvider) -> tempfile::TempDir {
    let oc = tempfile::tempdir().unwrap();
    write(
        oc.path(),
        "openclaw.json",
        r#"// OpenClaw, the way people write it
{
  gateway: { port: 18789, auth: { token: "oc-token-abcdef-123456" } },
  agents: {
    defaults: { model: { primary: "fake/fake-model" }, heartbeat: { every: "1h" } },
    list: [{ id: "main", default: true, name: "Molty" }],
  },
  models: { $include: "./models.json5" },
  channels: { whatsapp: { allowFrom: ["+15555550123"] } },
}"#,
    );
    write(
        oc.path(),
        "models.json5",
        &format!(
            r#"{{ providers: {{ fake: {{
  baseUrl: "{}", api: "openai-completions", apiKey: "${{FAKE_PROVIDER_KEY}}",
  models: [{{ id: "fake-model", name: "Fake", contextWindow: 100000 }}],
}} }} }}"#,
            f.openai_base_url()
        ),
    );
    write(oc.path(), ".env", &format!("FAKE_PROVIDER_KEY={KEY}\n"));
    write(oc.path(), "workspace/SOUL.md", "You are Molty.\n");
    oc
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_imported_openclaw_setup_answers_through_the_gateway() {
    let f = fake().await;
    let oc = openclaw_dir(&f);
    let state = tempfile::tempdir().unwrap();
    let st = state.path().join("s");
    let (from, to) = (oc.path().to_str().unwrap(), st.to_str().unwrap());

    // The dry run shows the report and writes nothing.
    let (code, out, err) = import(from, to, &["--dry-run"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Would import"), "{out}");
    assert!(
        out.contains("✓ agents.defaults (model fake/fake-model)"),
        "{out}"
    );
    assert!(out.contains("✓ agents.entries.main\n"), "{out}");
    assert!(out.contains("workspace: 1 file, 15 B"), "{out}");
    assert!(
        out.contains("FAKE_PROVIDER_KEY from models.providers.fake.apiKey"),
        "{out}"
    );
    assert!(
        out.contains("✗ channels: not supported by Tidepool yet"),
        "{out}"
    );
    assert!(out.contains("✗ agents.defaults.heartbeat"), "{out}");
    assert!(out.contains("Nothing was changed"), "{out}");
    assert!(!st.exists());

    // The import, as the desktop runs it (JSON).
    let (code, out, err) = import(from, to, &["--json"]);
    assert_eq!(code, 0, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["dryRun"], false);
    assert_eq!(report["folders"][0]["files"], 1);
    let names: Vec<&str> = report["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["GATEWAY_AUTH_TOKEN", "FAKE_PROVIDER_KEY"]);
    let config = std::fs::read_to_string(st.join("tidepool.json")).unwrap();
    assert!(!config.contains(KEY) && !config.contains("oc-token-abcdef"));
    assert!(!out.contains(KEY), "the report never carries a value");
    assert!(st.join("workspace/SOUL.md").is_file());

    // The gateway runs on it: the key comes from the store, the provider sees it.
    let gw = gateway()
        .state_dir(&st)
        .env("TIDEPOOL_SECRETS_BACKEND", "vault")
        .start()
        .await;
    let mut c = Conn::open_with_token(&gw, "oc-token-abcdef-123456").await;
    f.push(Script::text(&["Hello from ", "Molty"]));
    let r = c.ok("chat.send", send_params("main", "hi")).await;
    let events = c.run_events(r["runId"].as_str().unwrap()).await;
    let last = events.last().unwrap();
    assert_eq!(last["payload"]["state"], "final", "{events:?}");
    let seen = f.requests();
    assert_eq!(
        seen.last()
            .unwrap()
            .headers
            .get("authorization")
            .map(String::as_str),
        Some(format!("Bearer {KEY}").as_str())
    );
    let agents = c.ok("agents.list", json!({})).await;
    assert_eq!(agents["agents"][0]["name"], "Molty", "{agents}");

    // The imported token is a store reference; the CLI finds it there without --token.
    assert!(
        config.contains("GATEWAY_AUTH_TOKEN") && !st.join("gateway.token").exists(),
        "{config}"
    );
    let (code, out, err) = tidepool_vault(&["sessions", "list", "--state-dir", to], "", &[]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.is_empty(), "{out}");
    // A wrong token names where this command found it, not a file that does not exist.
    let (code, _, err) = tidepool_vault(
        &["health", "--state-dir", to],
        "",
        &[("TIDEPOOL_GATEWAY_TOKEN", "not-the-token-at-all")],
    );
    assert_eq!(code, 77, "{err}");
    assert!(
        err.contains("this command used the token in TIDEPOOL_GATEWAY_TOKEN"),
        "{err}"
    );
    assert!(!err.contains("gateway.token"), "{err}");
    let (code, _, _) = tidepool_vault(
        &["secrets", "delete", "GATEWAY_AUTH_TOKEN", "--state-dir", to],
        "",
        &[],
    );
    assert_eq!(code, 0);
    let (code, _, err) = tidepool_vault(&["health", "--state-dir", to], "", &[]);
    assert_eq!(code, 77, "{err}");
    assert!(
        err.contains("in the secrets store as GATEWAY_AUTH_TOKEN")
            && err.contains("cannot be read"),
        "{err}"
    );

    // Importing again without --replace is refused and changes nothing.
    let (code, _, err) = import(from, to, &[]);
    assert_eq!(code, 73, "{err}");
    assert!(err.contains("--replace"), "{err}");
    assert_eq!(
        std::fs::read_to_string(st.join("tidepool.json")).unwrap(),
        config
    );
}

#[test]
fn import_failures_have_their_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let to = dir.path().join("s");
    let to = to.to_str().unwrap();
    let missing = dir.path().join("nothing-here");
    let (code, out, err) = import(missing.to_str().unwrap(), to, &["--json"]);
    assert_eq!(code, 66, "{err}");
    assert!(err.contains("no OpenClaw config at"), "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["error"]["kind"], "not_found");

    let oc = dir.path().join("oc");
    write(&oc, "openclaw.json", "{\n  gateway: { port: 18789 \n");
    let (code, _, err) = import(oc.to_str().unwrap(), to, &[]);
    assert_eq!(code, 65, "{err}");
    assert!(err.contains("openclaw.json:"), "the place is named: {err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn providers_check_tells_a_good_key_from_a_bad_one() {
    let f = fake().await;
    let base = f.openai_base_url();
    let check = |extra: &[&str], key: &str| {
        let mut args = vec!["providers", "check", "fake", "--base-url", &base, "--json"];
        args.extend_from_slice(extra);
        tidepool(&args, key)
    };
    let (code, out, err) = check(&["--key-stdin"], KEY);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let ids: Vec<&str> = v["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["fake-model", "fake-large"]);

    let (code, out, _) = check(&["--key-stdin"], "sk-wrong-key-000000");
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["error"]["kind"], "auth", "{v}");
    assert!(!out.contains("sk-wrong-key-000000"), "{out}");

    let (code, out, _) = check(&[], "");
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["error"]["kind"], "auth", "no key: {v}");

    // Anthropic's wire format against the same fake.
    let abase = f.anthropic_base_url();
    let (code, out, err) = tidepool(
        &[
            "providers",
            "check",
            "anthropic",
            "--base-url",
            &abase,
            "--key-stdin",
            "--json",
        ],
        KEY,
    );
    assert_eq!(code, 0, "{err} {out}");

    // Nothing listening.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/v1");
    let (code, out, _) = tidepool(
        &["providers", "check", "local", "--base-url", &url, "--json"],
        "",
    );
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["error"]["kind"], "unreachable", "{v}");
    assert!(
        v["error"]["message"].as_str().unwrap().contains(&url),
        "{v}"
    );

    let (code, _, err) = tidepool(&["providers", "check", "x", "--api", "smoke-signals"], "");
    assert_eq!(code, 64, "{err}");
}
