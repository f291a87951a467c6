//! Commands through Tauri's IPC on the mock runtime: what the webview receives, including the
//! `{kind, message}` errors.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde_json::{Value, json};
use std::sync::Mutex;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{
    INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder, mock_context, noop_assets,
};
use tauri::webview::InvokeRequest;
use tidepool_control::{LogBuffer, LogLine, SidecarConfig, Supervisor};
use tidepool_desktop::keychain::TokenHome;
use tidepool_desktop::settings::Settings;
use tidepool_desktop::state::{AppPaths, AppState};

fn app(dir: &tempfile::TempDir) -> (tauri::App<MockRuntime>, tauri::WebviewWindow<MockRuntime>) {
    let paths = AppPaths {
        state_dir: dir.path().join("state"),
        log_dir: dir.path().join("state/logs"),
        sidecar: dir.path().join("no-such-tidepool"),
    };
    let supervisor = tauri::async_runtime::block_on(async {
        Supervisor::new(SidecarConfig::new(
            paths.sidecar.clone(),
            paths.state_dir.clone(),
        ))
    });
    let mut logs = LogBuffer::new(10);
    logs.extend(
        (1..=3).map(|i| LogLine::parse(i, &format!(r#"{{"level":"info","message":"line {i}"}}"#))),
    );
    // The app's own registry: every command and event, exactly as the app mounts them.
    let builder = tidepool_desktop::specta_builder_for!(MockRuntime);
    let app = tidepool_desktop::plugins(mock_builder())
        .invoke_handler(builder.invoke_handler())
        .manage(tidepool_desktop::approvals::ApprovalWatch::default())
        .manage(tidepool_desktop::approvals::TrayHandle::<MockRuntime>(None))
        .manage(AppState {
            supervisor,
            logs: Mutex::new(logs),
            metrics: Mutex::new(Default::default()),
            settings: Mutex::new(Settings::default()),
            paths,
            token_home: TokenHome::StateFile,
            token_problem: Some("the system keychain is not available (test)".into()),
            follower: Mutex::new(None),
            hosts: tidepool_control::hosts::Hosts::new(
                &dir.path().join("hosts"),
                dir.path().join("ssh"),
            ),
            jobs: tidepool_control::jobs::Jobs::new(),
        })
        .build(mock_context(noop_assets()))
        .unwrap();
    builder.mount_events(&app);
    let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    (app, webview)
}

fn call(w: &tauri::WebviewWindow<MockRuntime>, cmd: &str, body: Value) -> Result<Value, Value> {
    get_ipc_response(
        w,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(body),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|b| b.deserialize::<Value>().unwrap())
}

#[test]
fn status_logs_metrics_and_info_reach_the_webview() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, w) = app(&dir);
    let status = call(&w, "gateway_status", json!({})).unwrap();
    assert_eq!(status["state"]["kind"], "stopped");
    assert_eq!(status["restarts"], 0);
    let lines = call(&w, "logs_recent", json!({"limit": 2})).unwrap();
    assert_eq!(lines.as_array().unwrap().len(), 2);
    assert_eq!(lines[1]["message"], "line 3");
    assert_eq!(call(&w, "gateway_metrics", json!({})).unwrap(), json!([]));
    let info = call(&w, "app_info", json!({})).unwrap();
    assert_eq!(info["tokenHome"], "stateFile");
    assert!(info["tokenProblem"].as_str().unwrap().contains("keychain"));
    let settings = call(&w, "settings_get", json!({})).unwrap();
    assert_eq!(settings["port"], 18789);
    assert_eq!(settings["theme"], "system");
}

#[test]
fn errors_arrive_as_kind_and_message() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, w) = app(&dir);
    let err = call(&w, "gateway_start", json!({})).unwrap_err();
    assert_eq!(err["kind"], "gateway");
    // No gateway running: the window is told to start one, by kind.
    let msg = err["message"].as_str().unwrap();
    assert!(
        msg.contains("cannot start") && msg.contains("no-such-tidepool"),
        "{msg}"
    );

    // No gateway running: the window is told to start one, by kind.
    let down = call(&w, "chat_new", json!({})).unwrap_err();
    assert_eq!(down["kind"], "notConnected", "{down}");
    assert!(
        down["message"]
            .as_str()
            .unwrap()
            .contains("start it from the Dashboard"),
        "{down}"
    );

    let bad = json!({"settings": {"theme": "dark", "startOnLaunch": true, "closeToTray": true, "port": 80}});
    let err = call(&w, "settings_set", bad).unwrap_err();
    assert_eq!(err["kind"], "invalidInput");
    assert!(err["message"].as_str().unwrap().contains("1024-65535"));
    // Nothing changed.
    assert_eq!(
        call(&w, "settings_get", json!({})).unwrap()["theme"],
        "system"
    );

    let err = call(&w, "logs_recent", json!({"limit": "ten"})).unwrap_err();
    assert!(err.as_str().unwrap_or_default().contains("limit"), "{err}");
}

#[test]
fn hosts_and_jobs_answer_and_bad_addresses_are_refused_by_kind() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, w) = app(&dir);
    assert_eq!(call(&w, "hosts_list", json!({})).unwrap(), json!([]));
    assert_eq!(call(&w, "jobs_list", json!({})).unwrap(), json!([]));
    for address in ["-oProxyCommand=id", "a b", "root@$(id)", ""] {
        let err = call(&w, "hosts_check", json!({"address": address})).unwrap_err();
        assert_eq!(err["kind"], "invalidInput", "{address}: {err}");
    }
    let err = call(
        &w,
        "hosts_add",
        json!({"address": "me@box", "name": null, "keyFile": "/nonexistent/key", "fingerprint": "SHA256:x"}),
    )
    .unwrap_err();
    assert_eq!(err["kind"], "invalidInput", "{err}");
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("/nonexistent/key")
    );
    let err = call(&w, "hosts_install", json!({"id": "nope"})).unwrap_err();
    assert_eq!(err["kind"], "notFound", "{err}");
    let err = call(&w, "jobs_cancel", json!({"id": "nope"})).unwrap_err();
    assert_eq!(err["kind"], "notFound", "{err}");
    assert!(
        !dir.path().join("hosts").join("hosts.json").exists(),
        "nothing written"
    );
}

#[test]
fn the_last_good_config_reaches_the_webview_beside_the_current_file() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, w) = app(&dir);
    // Nothing there yet: no error, no copy.
    let none = call(&w, "config_last_good", json!({})).unwrap();
    assert_eq!(none["lastGood"], Value::Null);
    assert_eq!(none["current"], "");
    let state = dir.path().join("state");
    std::fs::create_dir_all(&state).unwrap();
    std::fs::write(state.join("tidepool.json"), "{ gateway: { port: 'x' } }").unwrap();
    std::fs::write(
        state.join("tidepool.json.last-good"),
        "{ gateway: { port: 18789 } }",
    )
    .unwrap();
    let v = call(&w, "config_last_good", json!({})).unwrap();
    assert_eq!(v["current"], "{ gateway: { port: 'x' } }");
    assert_eq!(v["lastGood"], "{ gateway: { port: 18789 } }");
    assert!(
        v["lastGoodPath"]
            .as_str()
            .unwrap()
            .ends_with("tidepool.json.last-good")
    );
    // An unreadable copy is an `io` error with the file's name, not a crash.
    std::fs::remove_file(state.join("tidepool.json.last-good")).unwrap();
    std::fs::create_dir(state.join("tidepool.json.last-good")).unwrap();
    let err = call(&w, "config_last_good", json!({})).unwrap_err();
    assert_eq!(err["kind"], "io");
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("tidepool.json.last-good"),
        "{err}"
    );
}

/// Not called here: they open a native dialog, the file manager or end the process, or (called
/// without arguments) would write the app's settings store in this user's data folder.
const NOT_HERE: &[&str] = &[
    "app_quit",
    "app_reveal_data_folder",
    "logs_export",
    "pick_folder",
    "sessions_export",
    "onboarding_info",
    "onboarding_start_gateway",
    "remote_forget",
];

/// Every command the window can call (from the generated bindings) is registered in the app's
/// builder and answers, with a value or a `{kind, message}` error, never "not found" or a
/// missing state.
#[test]
fn every_command_in_the_bindings_is_registered_and_answers() {
    let bindings = std::fs::read_to_string(tidepool_desktop::BINDINGS).unwrap();
    let names: Vec<&str> = bindings
        .split("TAURI_INVOKE(\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect();
    assert!(
        names.len() >= 40,
        "the bindings list {} commands",
        names.len()
    );
    let dir = tempfile::tempdir().unwrap();
    let (_app, w) = app(&dir);
    let mut not_connected = Vec::new();
    for name in names.iter().filter(|n| !NOT_HERE.contains(n)) {
        let answer = call(&w, name, json!({}));
        let text = format!("{answer:?}");
        assert!(
            !text.contains("not found") && !text.contains("state not managed"),
            "{name}: {text}"
        );
        if let Err(e) = &answer
            && let Some(kind) = e.get("kind")
        {
            assert!(e["message"].is_string(), "{name}: {e}");
            if kind == "notConnected" {
                not_connected.push(*name);
            }
        }
    }
    // Those that need the gateway and take no arguments refuse by kind, so the window can
    // offer to start it.
    for name in [
        "chat_new",
        "chat_models",
        "approvals_pending",
        "approvals_policy",
    ] {
        assert!(
            not_connected.contains(&name),
            "{name} is not refused as notConnected: {not_connected:?}"
        );
    }
}

/// Only web pages and mail leave the window: a file, `javascript:` or a custom scheme in a
/// reply is refused with the reason, and nothing is opened.
#[test]
fn links_other_than_web_pages_and_mail_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, w) = app(&dir);
    for (url, says) in [
        ("file:///etc/passwd", "file: addresses are not opened"),
        (
            "javascript:alert(1)",
            "javascript: addresses are not opened",
        ),
        ("not a link", "is not a web address"),
    ] {
        let err = call(&w, "app_open_link", json!({ "url": url })).unwrap_err();
        assert_eq!(err["kind"], "invalidInput", "{url}: {err}");
        assert!(
            err["message"].as_str().unwrap().contains(says),
            "{url}: {err}"
        );
    }
    // Whether the app opens at login is read from the system, not assumed.
    let on = call(&w, "app_autostart_get", json!({})).unwrap();
    assert!(on.is_boolean(), "{on}");
}
