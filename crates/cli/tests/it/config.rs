//! Config through the running gateway: config.get/apply/set/patch with baseHash, validation
//! before writing, last-good and rejected files, and hot reload of outside edits.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::common;

use common::chat::Conn;
use common::*;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

async fn get(ws: &mut Conn) -> Value {
    let r = ws.call("config.get", json!({})).await;
    assert_eq!(r["ok"], true, "{r}");
    r["payload"].clone()
}

/// `config.set` of one value by path; it must succeed.
async fn set_path(ws: &mut Conn, path: &str, value: Value) {
    let r = ws
        .call("config.set", json!({"path": path, "value": value}))
        .await;
    assert_eq!(r["ok"], true, "{r}");
}

/// `config.patch` with the current hash; it must succeed.
async fn patch(ws: &mut Conn, raw: &str) {
    let hash = get(ws).await["hash"].as_str().unwrap().to_owned();
    let r = ws
        .call("config.patch", json!({"raw": raw, "baseHash": hash}))
        .await;
    assert_eq!(r["ok"], true, "{r}");
}

async fn changed_event(ws: &mut Conn, within: Duration) -> Value {
    tokio::time::timeout(within, ws.event(|e| e["event"] == "config.changed"))
        .await
        .expect("no config.changed in time")["payload"]
        .clone()
}

const START: &str = "// my gateway\n{\n  gateway: { port: 0, tickIntervalMs: 30000 },\n  logging: { level: 'info' },\n}\n";

#[tokio::test]
async fn apply_checks_the_hash_validates_and_keeps_the_last_good_file() {
    let gw = gateway().config(START).start().await;
    let mut ws = Conn::open(&gw).await;
    let mut watcher = Conn::open(&gw).await;
    let cur = get(&mut ws).await;
    assert_eq!(cur["raw"], START);
    assert_eq!(cur["exists"], true);
    let hash = cur["hash"].as_str().unwrap().to_owned();

    // No baseHash, a stale one: refused, nothing written.
    let next = START.replace("'info'", "'debug'");
    let r = ws.call("config.apply", json!({"raw": next})).await;
    assert_eq!(r["error"]["details"]["code"], "BASE_HASH_REQUIRED", "{r}");
    let r = ws
        .call(
            "config.apply",
            json!({"raw": next, "baseHash": "0".repeat(64)}),
        )
        .await;
    assert_eq!(r["error"]["details"]["code"], "CONFIG_CONFLICT", "{r}");
    assert_eq!(r["error"]["details"]["currentHash"], hash);

    // Invalid text: refused with line and column, saved as .rejected, file untouched.
    let bad = START.replace("tickIntervalMs", "tickIntervalMz");
    let r = ws
        .call("config.apply", json!({"raw": bad, "baseHash": hash}))
        .await;
    assert_eq!(r["error"]["details"]["code"], "CONFIG_INVALID", "{r}");
    assert_eq!(r["error"]["details"]["line"], 3);
    let msg = r["error"]["message"].as_str().unwrap();
    assert!(msg.contains("did you mean `tickIntervalMs`?"), "{msg}");
    let saved = r["error"]["details"]["savedAs"].as_str().unwrap();
    assert!(saved.contains("tidepool.json.rejected."), "{saved}");
    assert_eq!(std::fs::read_to_string(saved).unwrap(), bad);
    assert_eq!(
        std::fs::read_to_string(gw.state().join("tidepool.json")).unwrap(),
        START
    );

    // The config the gateway started with is the way back until a newer one is loaded.
    assert_eq!(
        std::fs::read_to_string(gw.state().join("tidepool.json.last-good")).unwrap(),
        START
    );
    // Valid: written 0600, it becomes the last good config, the change is announced.
    let r = ws
        .call("config.apply", json!({"raw": next, "baseHash": hash}))
        .await;
    assert_eq!(r["ok"], true, "{r}");
    assert_eq!(r["payload"]["changed"], json!(["logging.level"]));
    assert_eq!(
        r["payload"]["restartRequired"],
        json!([]),
        "the log level applies at once"
    );
    let file = gw.state().join("tidepool.json");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), next);
    assert_eq!(
        std::fs::read_to_string(gw.state().join("tidepool.json.last-good")).unwrap(),
        next
    );
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let ev = changed_event(&mut watcher, Duration::from_secs(5)).await;
    assert_eq!(ev["source"], "rpc");
    assert_eq!(ev["hash"], r["payload"]["hash"]);
}

#[tokio::test]
async fn concurrent_writers_with_the_same_base_hash_one_wins() {
    let gw = gateway().config(START).start().await;
    let mut a = Conn::open(&gw).await;
    let mut b = Conn::open(&gw).await;
    let hash = get(&mut a).await["hash"].as_str().unwrap().to_owned();
    let ra = START.replace("'info'", "'debug'");
    let rb = START.replace("'info'", "'warn'");
    let (x, y) = tokio::join!(
        a.call("config.apply", json!({"raw": ra, "baseHash": hash})),
        b.call("config.apply", json!({"raw": rb, "baseHash": hash})),
    );
    let oks = [&x, &y].iter().filter(|r| r["ok"] == true).count();
    assert_eq!(oks, 1, "{x}\n{y}");
    let loser = if x["ok"] == true { &y } else { &x };
    assert_eq!(loser["error"]["details"]["code"], "CONFIG_CONFLICT");
}

#[tokio::test]
async fn set_by_path_patch_and_the_drop_guard() {
    let big = "{ gateway: { port: 0, tickIntervalMs: 30000, drainTimeoutMs: 5000, handshakeTimeoutMs: 10000, maxPayload: 1048576, maxBufferedBytes: 8388608 }, logging: { level: 'info', retentionDays: 7 } }";
    let gw = gateway().config(big).start().await;
    let mut ws = Conn::open(&gw).await;
    set_path(&mut ws, "logging.retentionDays", json!(14)).await;
    assert_eq!(get(&mut ws).await["config"]["logging"]["retentionDays"], 14);
    patch(
        &mut ws,
        "{ logging: { level: 'debug' }, gateway: { drainTimeoutMs: null } }",
    )
    .await;
    let cfg = get(&mut ws).await["config"].clone();
    assert_eq!(cfg["logging"]["level"], "debug");
    assert!(cfg["gateway"].get("drainTimeoutMs").is_none());
    // Replacing everything with almost nothing needs force.
    let hash = get(&mut ws).await["hash"].as_str().unwrap().to_owned();
    let r = ws
        .call("config.apply", json!({"raw": "{}", "baseHash": hash}))
        .await;
    assert_eq!(r["error"]["details"]["code"], "CONFIG_DROPS_MOST", "{r}");
    let r = ws
        .call(
            "config.apply",
            json!({"raw": "{}", "baseHash": hash, "force": true}),
        )
        .await;
    assert_eq!(r["ok"], true, "{r}");
    let r = ws
        .call("config.set", json!({"path": "logging..level", "value": 1}))
        .await;
    assert_eq!(r["error"]["details"]["code"], "INVALID_PARAMS");
}

/// A config as people write it: comments, bare keys, single quotes, a hex number.
const COMMENTED: &str = "// my gateway — notes stay\n{\n  gateway: {\n    port: 0, // any free port\n    /* keep ticks slow */\n    tickIntervalMs: 0x7530,\n  },\n\n  // quiet by default\n  logging: { level: 'info' },\n}\n";

#[tokio::test]
async fn writes_through_the_gateway_keep_comments_and_layout() {
    let gw = gateway().config(COMMENTED).start().await;
    let mut ws = Conn::open(&gw).await;
    let file = gw.state().join("tidepool.json");
    set_path(&mut ws, "logging.retentionDays", json!(14)).await;
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        text,
        COMMENTED.replace(
            "logging: { level: 'info' }",
            "logging: {\n    level: 'info',\n    retentionDays: 14\n  }"
        ),
        "only the object that gained a key changed"
    );
    patch(
        &mut ws,
        "{ logging: { level: 'debug', retentionDays: null } }",
    )
    .await;
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        text,
        COMMENTED.replace(
            "logging: { level: 'info' }",
            "logging: {\n    level: 'debug'\n  }"
        ),
        "the value changed and the removed key went; the comments stayed"
    );
    assert_eq!(get(&mut ws).await["config"]["logging"]["level"], "debug");
}

#[tokio::test]
async fn outside_edits_reload_and_garbage_is_ignored() {
    let gw = gateway().config(START).start().await;
    let mut ws = Conn::open(&gw).await;
    let file = gw.state().join("tidepool.json");
    let t = Instant::now();
    std::fs::write(&file, START.replace("'info'", "'warn'")).unwrap();
    let ev = changed_event(&mut ws, Duration::from_secs(5)).await;
    eprintln!("file edit -> config.changed: {:?}", t.elapsed());
    assert_eq!(ev["source"], "file");
    assert_eq!(ev["changed"], json!(["logging.level"]));
    let good = get(&mut ws).await["hash"].clone();
    std::fs::write(&file, "{ this is not json").unwrap();
    gw.wait_log("config edit ignored").await;
    assert_eq!(get(&mut ws).await["hash"], good, "the running config stays");
    assert_eq!(ws.call("health", json!({})).await["ok"], true);
}

#[tokio::test]
async fn edits_to_included_files_reload_too_and_new_includes_are_followed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("parts")).unwrap();
    std::fs::create_dir_all(dir.path().join("extra")).unwrap();
    let part = dir.path().join("parts/logging.json5");
    std::fs::write(&part, "{ logging: { level: 'info' } }").unwrap();
    let gw = gateway()
        .dir(dir)
        .config("{\n  $include: 'parts/logging.json5',\n  gateway: { port: 0 },\n}\n")
        .start()
        .await;
    let mut ws = Conn::open(&gw).await;

    let t = Instant::now();
    std::fs::write(&part, "{ logging: { level: 'warn' } }").unwrap();
    let ev = changed_event(&mut ws, Duration::from_secs(5)).await;
    eprintln!("included file edit -> config.changed: {:?}", t.elapsed());
    assert_eq!(ev["changed"], json!(["logging.level"]), "{ev}");
    let parsed = get(&mut ws).await["config"].clone();
    assert_eq!(parsed["logging"]["level"], "warn", "{parsed}");

    // A broken included file is ignored like a broken config; the gateway keeps running.
    std::fs::write(&part, "{ logging: ").unwrap();
    gw.wait_log("config edit ignored").await;
    assert_eq!(get(&mut ws).await["config"]["logging"]["level"], "warn");
    std::fs::write(&part, "{ logging: { level: 'warn' } }").unwrap();

    // A new include in another folder: followed from then on.
    let extra = gw.state().join("extra/more.json5");
    std::fs::write(&extra, "{ logging: { level: 'error' } }").unwrap();
    std::fs::write(
        gw.state().join("tidepool.json"),
        "{\n  $include: ['parts/logging.json5', 'extra/more.json5'],\n  gateway: { port: 0 },\n}\n",
    )
    .unwrap();
    let ev = changed_event(&mut ws, Duration::from_secs(5)).await;
    assert_eq!(ev["changed"], json!(["logging.level"]), "{ev}");
    std::fs::write(&extra, "{ logging: { level: 'debug' } }").unwrap();
    let ev = changed_event(&mut ws, Duration::from_secs(5)).await;
    assert_eq!(ev["changed"], json!(["logging.level"]), "{ev}");
    assert_eq!(get(&mut ws).await["config"]["logging"]["level"], "debug");
}

#[tokio::test]
async fn config_methods_need_admin() {
    let gw = gateway().start().await;
    let (mut ws, _) = gw.raw().await;
    connect(
        &mut ws,
        Some(&gw.token()),
        &["operator.read", "operator.write"],
    )
    .await;
    for m in ["config.apply", "config.set", "config.patch"] {
        let r = request(&mut ws, "x", m, json!({"raw": "{}"})).await;
        assert_eq!(
            r["error"]["details"]["missingScope"], "operator.admin",
            "{m}: {r}"
        );
    }
    // Without a file, a first write needs no baseHash.
    let mut admin = Conn::open(&gw).await;
    assert_eq!(get(&mut admin).await["exists"], false);
    let r = admin
        .call(
            "config.apply",
            json!({"raw": "{ logging: { level: 'debug' } }"}),
        )
        .await;
    assert_eq!(r["ok"], true, "{r}");
}

#[tokio::test]
async fn config_writes_are_rate_limited() {
    let gw = gateway().start().await;
    let mut ws = Conn::open(&gw).await;
    let mut limited = None;
    for i in 0..30 {
        let r = ws
            .call(
                "config.set",
                json!({"path": "logging.retentionDays", "value": i + 1}),
            )
            .await;
        if r["ok"] != true {
            limited = Some(r);
            break;
        }
    }
    let r = limited.expect("30 writes in a row were all accepted");
    assert_eq!(r["error"]["code"], "UNAVAILABLE");
    assert_eq!(r["error"]["details"]["code"], "RATE_LIMITED");
    assert_eq!(r["error"]["retryable"], true);
    assert!(r["error"]["retryAfterMs"].as_u64().unwrap() > 0);
    // Reads are not limited.
    assert_eq!(ws.call("config.get", json!({})).await["ok"], true);
}

#[tokio::test]
async fn a_write_racing_an_outside_edit_never_mixes_them() {
    let gw = gateway().config(START).start().await;
    let mut ws = Conn::open(&gw).await;
    let file = gw.state().join("tidepool.json");
    for round in 0..10 {
        let cur = get(&mut ws).await;
        let hash = cur["hash"].as_str().unwrap().to_owned();
        let ours = START.replace("30000", &format!("{}", 31000 + round));
        let theirs = START.replace("30000", &format!("{}", 41000 + round));
        // An editor saves while the app applies with the hash it read before.
        std::fs::write(&file, &theirs).unwrap();
        let r = ws
            .call("config.apply", json!({"raw": ours, "baseHash": hash}))
            .await;
        let on_disk = std::fs::read_to_string(&file).unwrap();
        // The edit on disk is newer than the hash the app sent: never overwritten.
        assert_eq!(
            r["error"]["details"]["code"], "CONFIG_CONFLICT",
            "round {round}: {r}"
        );
        assert_eq!(on_disk, theirs);
        // Whatever happened, the gateway ends up serving exactly what is on disk.
        let mut tries = 0;
        loop {
            let g = get(&mut ws).await;
            if g["raw"] == on_disk.as_str() {
                break;
            }
            tries += 1;
            assert!(tries < 100, "the gateway never caught up with the file");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

#[tokio::test]
async fn the_log_level_changes_without_a_restart() {
    let gw = gateway().config(START).start().await;
    // The bad frames go over a raw socket; the config through the client.
    let (mut ws, _) = gw.authed().await;
    let mut c = Conn::open(&gw).await;
    // At info, a bad frame's debug line is not written.
    send_text(&mut ws, "{\"type\":\"req\",\"id\":\"b1\",\"method\":7}").await;
    next_response(&mut ws).await.unwrap();
    let hash = get(&mut c).await["hash"].as_str().unwrap().to_owned();
    let r = c
        .call(
            "config.apply",
            json!({"raw": START.replace("'info'", "'debug'"), "baseHash": hash}),
        )
        .await;
    assert_eq!(r["ok"], true, "{r}");
    gw.wait_log("log levels changed").await;
    send_text(&mut ws, "{\"type\":\"req\",\"id\":\"b2\",\"method\":7}").await;
    next_response(&mut ws).await.unwrap();
    let log = gw.wait_log("bad frame").await;
    assert_eq!(
        log.matches("bad frame").count(),
        1,
        "only the frame after the change is logged at debug"
    );
}

#[tokio::test]
async fn a_broken_hand_edit_can_always_be_undone() {
    // Edited by hand (valid), then broken; the gateway refuses to start; the hand edit comes back.
    let mut gw = gateway().config(START).start().await;
    let mut ws = Conn::open(&gw).await;
    let file = gw.state().join("tidepool.json");
    let good = gw.state().join("tidepool.json.last-good");
    assert_eq!(
        std::fs::read_to_string(&good).unwrap(),
        START,
        "kept at start"
    );
    let edited = START.replace("'info'", "'warn'");
    std::fs::write(&file, &edited).unwrap();
    changed_event(&mut ws, Duration::from_secs(5)).await;
    assert_eq!(
        std::fs::read_to_string(&good).unwrap(),
        edited,
        "kept on reload"
    );
    std::fs::write(&file, "{ gateway: { port: 'eighty' } }").unwrap();
    gw.wait_log("config edit ignored").await;
    assert_eq!(
        std::fs::read_to_string(&good).unwrap(),
        edited,
        "never the broken text"
    );
    drop(ws);
    gw.signal(libc::SIGTERM);
    assert_eq!(gw.wait(Duration::from_secs(10)).await, Some(0));

    let dir = gw.state().to_path_buf();
    let (code, stderr, _d) = gateway().state_dir(&dir).run_to_exit().await;
    assert_eq!(code, Some(78), "{stderr}");
    assert!(stderr.contains("gateway.port"), "{stderr}");
    let o = gw.cli(&["config", "restore-last-good"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), edited);
    let back = gateway().state_dir(&dir).start().await;
    let mut ws = Conn::open_with_token(&back, &gw.token()).await;
    assert_eq!(get(&mut ws).await["config"]["logging"]["level"], "warn");
}

#[tokio::test]
async fn reload_mode_off_leaves_edits_for_the_next_start() {
    let text = "{ gateway: { port: 0, reload: { mode: 'off' } }, logging: { level: 'info' } }";
    let gw = gateway().config(text).start().await;
    let mut ws = Conn::open(&gw).await;
    let before = get(&mut ws).await["hash"].clone();
    std::fs::write(
        gw.state().join("tidepool.json"),
        text.replace("'info'", "'warn'"),
    )
    .unwrap();
    gw.wait_log("not applied because gateway.reload.mode is")
        .await;
    assert_eq!(
        get(&mut ws).await["hash"],
        before,
        "the running config stays"
    );
    let h = ws.call("health", json!({})).await;
    assert_eq!(
        h["payload"]["configReload"]["hotReloadStatus"], "disabled",
        "{h}"
    );
}

#[tokio::test]
async fn openclaw_settings_are_accepted_and_reported_once() {
    let gw = gateway()
        .config("{ gateway: { port: 0, nodes: { browser: { mode: 'auto' } } }, agents: { defaults: { blockStreamingBreak: 'text_end' } }, channels: {} }")
        .start()
        .await;
    let line = gw.wait_log("not supported by Tidepool yet").await;
    assert!(
        line.contains("gateway.nodes")
            && line.contains("agents.defaults.blockStreamingBreak")
            && line.contains("channels"),
        "{line}"
    );
    let o = gw.cli(&["health"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{out}");
    assert!(
        out.contains("3 OpenClaw setting(s) not supported by Tidepool yet"),
        "{out}"
    );
    let o = gw.cli(&["config", "validate"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("OpenClaw settings not supported by Tidepool yet, ignored: agents.defaults.blockStreamingBreak, channels, gateway.nodes"), "{out}");
    let log = std::fs::read_to_string(gw.log_file()).unwrap();
    assert_eq!(
        log.matches("not supported by Tidepool yet").count(),
        1,
        "said once: {log}"
    );
}

#[tokio::test]
async fn config_get_masks_credentials_for_read_only_callers() {
    // OpenClaw's CLI asks config.get with operator.read only, and OpenClaw answers it with the
    // credentials masked; admins (the desktop's editor) get the file as it is.
    let text = "{\n  // mine\n  gateway: { port: 0, auth: { token: 'tok-in-clear-0123456789abcdef' } },\n  models: { providers: { x: { baseUrl: 'http://127.0.0.1:9/v1', apiKey: 'sk-in-clear-xyz', models: [{ id: 'm', maxTokens: 100 }] }, y: { baseUrl: 'http://127.0.0.1:9/v1', apiKey: { source: 'env', id: 'Y_KEY' } } } },\n}\n";
    let gw = gateway().config(text).start().await;
    let (mut ws, _) = gw.raw().await;
    let token = "tok-in-clear-0123456789abcdef";
    connect(&mut ws, Some(token), &["operator.read"]).await;
    let r = request(&mut ws, "g", "config.get", json!({})).await;
    assert_eq!(r["ok"], true, "{r}");
    let p = &r["payload"];
    let raw = p["raw"].as_str().unwrap();
    assert!(
        !raw.contains("tok-in-clear") && !raw.contains("sk-in-clear"),
        "{raw}"
    );
    assert!(
        raw.contains("// mine") && raw.contains("__OPENCLAW_REDACTED__"),
        "{raw}"
    );
    assert!(
        raw.contains("Y_KEY") && raw.contains("maxTokens: 100"),
        "references and counts stay: {raw}"
    );
    assert_eq!(
        p["config"]["models"]["providers"]["x"]["apiKey"],
        "__OPENCLAW_REDACTED__"
    );
    assert_eq!(p["redacted"], true);
    let mut admin = Conn::open_with_token(&gw, token).await;
    let full = get(&mut admin).await;
    // (The gateway's own token is masked in every frame, whoever asks.)
    assert!(
        full["raw"].as_str().unwrap().contains("sk-in-clear-xyz"),
        "{full}"
    );
    assert_eq!(full["redacted"], false);
}
