//! Agent management through the gateway: `agents.create|update|delete` write the config file
//! (comments kept, `config.changed` sent), `agents.files.*` read and write the workspace's
//! bootstrap files by name only, `agent.identity.get` says how an agent presents itself.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::common;

use common::chat::Conn;
use common::*;
use serde_json::json;
use std::path::Path;

fn config_text(gw: &Gw) -> String {
    std::fs::read_to_string(gw.state().join("tidepool.json")).unwrap()
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn agents_are_created_updated_and_deleted_in_the_config_file() {
    let gw = gateway()
        .config("// my agents live here\n{\n  agents: { defaults: { timeoutSeconds: 300 } }, // keep me\n}\n")
        .start()
        .await;
    let mut c = Conn::open(&gw).await;

    let r = c
        .ok(
            "agents.create",
            json!({"name": "  Research   Bot ", "model": "fake/m1", "emoji": "🔬"}),
        )
        .await;
    let ws = gw.state().join("workspace-research-bot");
    assert_eq!(
        r,
        json!({"ok": true, "agentId": "research-bot", "name": "Research Bot", "workspace": ws.display().to_string(), "model": "fake/m1"})
    );
    assert!(ws.is_dir());
    #[cfg(unix)]
    assert_eq!(mode(&ws), 0o700);
    let identity = std::fs::read_to_string(ws.join("IDENTITY.md")).unwrap();
    assert!(
        identity.contains("- Name: Research Bot") && identity.contains("- Emoji: 🔬"),
        "{identity}"
    );
    let changed = c.event(|e| e["event"] == "config.changed").await;
    assert!(
        changed["payload"]["changed"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p
                .as_str()
                .unwrap()
                .starts_with("agents.entries.research-bot")),
        "{changed}"
    );
    let text = config_text(&gw);
    assert!(
        text.contains("// my agents live here") && text.contains("// keep me"),
        "{text}"
    );
    let list = c.ok("agents.list", json!({})).await;
    let ids: Vec<&str> = list["agents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    // The implicit `main` stays, and stays the default.
    assert_eq!(ids, ["main", "research-bot"], "{list}");
    assert_eq!(list["defaultId"], "main");

    // Duplicates, by id or by name, are refused with what to do.
    for name in ["research bot", "RESEARCH-BOT", "Main"] {
        let r = c.call("agents.create", json!({ "name": name })).await;
        assert_eq!(err_code(&r), ("INVALID_REQUEST", "AGENT_EXISTS"), "{r}");
        assert!(
            r["error"]["message"]
                .as_str()
                .unwrap()
                .contains("already exists"),
            "{r}"
        );
    }
    // Bad params name the field.
    for (params, needle) in [
        (json!({"name": ""}), "name"),
        (json!({"name": "!!!"}), "no letter"),
        (json!({"name": "X", "model": "no-slash"}), "model"),
        (json!({"name": "X", "color": "red"}), "color"),
        (json!({}), "name"),
        (json!({"name": 5}), "params.name"),
    ] {
        let r = c.call("agents.create", params.clone()).await;
        assert_eq!(
            err_code(&r),
            ("INVALID_REQUEST", "INVALID_PARAMS"),
            "{params}: {r}"
        );
        assert!(
            r["error"]["message"].as_str().unwrap().contains(needle),
            "{params}: {r}"
        );
    }

    // Update: rename, clear the model (null) and the emoji (""), set an avatar.
    c.ok(
        "agents.update",
        json!({"agentId": "research-bot", "name": "Researcher", "model": null, "emoji": "", "avatar": "https://example.com/r.png"}),
    )
    .await;
    let cfg = c.ok("config.get", json!({})).await;
    let entry = &cfg["config"]["agents"]["entries"]["research-bot"];
    assert_eq!(entry["name"], "Researcher");
    assert!(entry.get("model").is_none(), "{entry}");
    assert_eq!(
        entry["identity"],
        json!({"name": "Researcher", "avatar": "https://example.com/r.png"})
    );
    let identity = std::fs::read_to_string(ws.join("IDENTITY.md")).unwrap();
    assert!(
        identity.contains("- Name: Researcher") && !identity.contains("Emoji"),
        "{identity}"
    );
    // A new workspace gets the identity too.
    let moved = gw.state().join("ws-moved");
    c.ok(
        "agents.update",
        json!({"agentId": "Research-Bot", "workspace": moved.display().to_string()}),
    )
    .await;
    let identity = std::fs::read_to_string(moved.join("IDENTITY.md")).unwrap();
    assert!(
        identity.contains("- Name: Researcher")
            && identity.contains("- Avatar: https://example.com/r.png"),
        "{identity}"
    );
    c.ok(
        "agents.update",
        json!({"agentId": "research-bot", "workspace": ws.display().to_string()}),
    )
    .await;
    let id = c
        .ok("agent.identity.get", json!({"agentId": "research-bot"}))
        .await;
    assert_eq!(id["name"], "Researcher");
    assert_eq!(id["nameSource"], "agent");
    assert_eq!(id["avatar"], "https://example.com/r.png");
    assert_eq!(id["avatarStatus"], "remote");

    // Unknown agents: OpenClaw's UNKNOWN_AGENT_ID, and the ids that exist.
    for (m, p) in [
        ("agents.update", json!({"agentId": "ghost", "name": "G"})),
        ("agents.delete", json!({"agentId": "ghost"})),
    ] {
        let r = c.call(m, p).await;
        assert_eq!(err_code(&r), ("INVALID_REQUEST", "UNKNOWN_AGENT_ID"), "{r}");
        assert_eq!(r["error"]["details"]["agentId"], "ghost");
        assert!(
            r["error"]["message"]
                .as_str()
                .unwrap()
                .contains("main, research-bot"),
            "{r}"
        );
    }

    // The default agent stays.
    let r = c.call("agents.delete", json!({"agentId": "main"})).await;
    assert_eq!(err_code(&r), ("INVALID_REQUEST", "AGENT_REQUIRED"), "{r}");
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("default agent"),
        "{r}"
    );

    // A workspace outside the state dir is left where it is, and said so.
    let outside = tempfile::tempdir().unwrap();
    let out_ws = outside.path().join("mine");
    c.ok(
        "agents.create",
        json!({"name": "Outside", "workspace": out_ws.display().to_string()}),
    )
    .await;
    assert!(out_ws.is_dir());
    let r = c
        .ok(
            "agents.delete",
            json!({"agentId": "outside", "deleteFiles": true}),
        )
        .await;
    assert_eq!(r["removed"], json!([]), "{r}");
    assert_eq!(r["failed"][0]["path"], out_ws.display().to_string());
    assert!(
        r["failed"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("outside the state dir"),
        "{r}"
    );
    assert!(out_ws.is_dir());

    // One inside it goes to <state>/trash.
    let r = c
        .ok(
            "agents.delete",
            json!({"agentId": "research-bot", "deleteFiles": true}),
        )
        .await;
    assert_eq!(
        r,
        json!({"ok": true, "agentId": "research-bot", "removedBindings": 0,
               "removed": [{"path": ws.display().to_string(), "method": "trash"}], "failed": []})
    );
    assert!(!ws.exists());
    let trashed: Vec<String> = std::fs::read_dir(gw.state().join("trash"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        trashed
            .iter()
            .any(|n| n.starts_with("workspace-research-bot-research-bot-")),
        "{trashed:?}"
    );
    let list = c.ok("agents.list", json!({})).await;
    assert_eq!(list["agents"].as_array().unwrap().len(), 1, "{list}");
    assert!(config_text(&gw).contains("// keep me"));

    // The last agent stays too.
    let r = c.call("agents.delete", json!({"agentId": "main"})).await;
    assert_eq!(err_code(&r), ("INVALID_REQUEST", "AGENT_REQUIRED"), "{r}");
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("only agent"),
        "{r}"
    );
}

#[tokio::test]
async fn delete_keeps_files_unless_asked_and_never_a_shared_workspace() {
    let gw = gateway()
        .config(
            "{ agents: { entries: { main: {}, temp: { workspace: 'ws-temp' },
               a: { workspace: 'shared' }, b: { workspace: 'shared' } } } }",
        )
        .start()
        .await;
    let mut c = Conn::open(&gw).await;
    for d in ["ws-temp", "shared"] {
        std::fs::create_dir_all(gw.state().join(d)).unwrap();
    }
    c.ok("sessions.create", json!({"key": "agent:temp:notes"}))
        .await;
    let r = c.ok("agents.delete", json!({"agentId": "temp"})).await;
    assert_eq!(r["removed"], json!([]));
    assert!(gw.state().join("ws-temp").is_dir());
    let cfg = c.ok("config.get", json!({})).await;
    assert!(
        cfg["config"]["agents"]["entries"].get("temp").is_none(),
        "{cfg}"
    );
    // Without deleteFiles its sessions stay too.
    let list = c.ok("sessions.list", json!({"agentId": "temp"})).await;
    assert_eq!(list["total"], 1, "{list}");

    // With it, a workspace another agent uses stays, and the agent's sessions go.
    c.ok("sessions.create", json!({"key": "agent:a:notes"}))
        .await;
    let r = c
        .ok(
            "agents.delete",
            json!({"agentId": "a", "deleteFiles": true}),
        )
        .await;
    assert_eq!(r["removed"], json!([]), "{r}");
    assert!(
        r["failed"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("agent \"b\" uses it too"),
        "{r}"
    );
    assert!(gw.state().join("shared").is_dir());
    let list = c.ok("sessions.list", json!({"agentId": "a"})).await;
    assert_eq!(list["total"], 0, "{list}");
    let gone = c
        .event(|e| e["event"] == "sessions.changed" && e["payload"]["reason"] == "delete")
        .await;
    assert_eq!(gone["payload"]["key"], "agent:a:notes");
}

#[tokio::test]
async fn agent_management_needs_admin_and_reading_files_does_not() {
    let gw = gateway().start().await;
    let mut ws = scoped(&gw, &["operator.read", "operator.write"]).await;
    for (m, p) in [
        ("agents.create", json!({"name": "X"})),
        ("agents.update", json!({"agentId": "main", "name": "X"})),
        ("agents.delete", json!({"agentId": "main"})),
        (
            "agents.files.set",
            json!({"agentId": "main", "name": "AGENTS.md", "content": "x"}),
        ),
    ] {
        let r = request(&mut ws, "x", m, p).await;
        assert_eq!(r["error"]["code"], "FORBIDDEN", "{m}: {r}");
        assert_eq!(
            r["error"]["details"]["missingScope"], "operator.admin",
            "{m}: {r}"
        );
    }
    for (m, p) in [
        ("agents.files.list", json!({"agentId": "main"})),
        (
            "agents.files.get",
            json!({"agentId": "main", "name": "SOUL.md"}),
        ),
        ("agent.identity.get", json!({})),
    ] {
        let r = request(&mut ws, "y", m, p).await;
        assert_eq!(r["ok"], true, "{m}: {r}");
    }
    let (mut none, _) = gw.raw().await;
    connect(&mut none, Some(&gw.token()), &[]).await;
    let r = request(
        &mut none,
        "z",
        "agents.files.list",
        json!({"agentId": "main"}),
    )
    .await;
    assert_eq!(
        r["error"]["details"]["missingScope"], "operator.read",
        "{r}"
    );
}

#[tokio::test]
async fn workspace_files_are_read_and_written_by_name_only() {
    let gw = gateway()
        .config("{ agents: { entries: { main: { workspace: 'ws' } } } }")
        .start()
        .await;
    let mut c = Conn::open(&gw).await;
    let ws = gw.state().join("ws");

    let r = c.ok("agents.files.list", json!({"agentId": "main"})).await;
    assert_eq!(r["workspace"], ws.display().to_string());
    let names: Vec<&str> = r["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["AGENTS.md", "SOUL.md", "USER.md", "TOOLS.md", "MEMORY.md"]
    );
    assert!(
        r["files"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["missing"] == true),
        "{r}"
    );
    let r = c
        .ok(
            "agents.files.get",
            json!({"agentId": "main", "name": "SOUL.md"}),
        )
        .await;
    assert_eq!(r["file"]["missing"], true);
    assert!(r["file"].get("content").is_none());

    let r = c
        .ok(
            "agents.files.set",
            json!({"agentId": "main", "name": "AGENTS.md", "content": "Be kind.\n"}),
        )
        .await;
    assert_eq!(r["ok"], true);
    assert_eq!(r["file"]["size"], 9);
    assert_eq!(r["file"]["content"], "Be kind.\n");
    let path = ws.join("AGENTS.md");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "Be kind.\n");
    #[cfg(unix)]
    {
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&ws), 0o700);
    }
    let r = c
        .ok(
            "agents.files.get",
            json!({"agentId": "main", "name": "AGENTS.md"}),
        )
        .await;
    assert_eq!(r["file"]["content"], "Be kind.\n");
    assert_eq!(r["file"]["path"], path.display().to_string());
    let r = c.ok("agents.files.list", json!({"agentId": "main"})).await;
    let agents_md = &r["files"][0];
    assert_eq!(agents_md["missing"], false);
    assert!(agents_md["updatedAtMs"].as_u64().unwrap() > 0);

    // Only the bootstrap names: no paths, no other files.
    for name in [
        "../tidepool.json",
        "notes.md",
        "ws/AGENTS.md",
        "/etc/passwd",
        "agents.md",
    ] {
        for (m, p) in [
            ("agents.files.get", json!({"agentId": "main", "name": name})),
            (
                "agents.files.set",
                json!({"agentId": "main", "name": name, "content": "x"}),
            ),
        ] {
            let r = c.call(m, p).await;
            assert_eq!(
                err_code(&r),
                ("INVALID_REQUEST", "AGENT_FILE_NOT_ALLOWED"),
                "{m} {name}: {r}"
            );
            assert!(
                r["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains("AGENTS.md, SOUL.md, IDENTITY.md"),
                "{r}"
            );
        }
    }
    assert!(!gw.state().join("notes.md").exists() && !ws.join("notes.md").exists());

    // OpenClaw's expectedHash: a stale one is refused with the current hash.
    let r = c
        .call(
            "agents.files.set",
            json!({"agentId": "main", "name": "AGENTS.md", "content": "new", "expectedHash": "00"}),
        )
        .await;
    assert_eq!(
        err_code(&r),
        ("INVALID_REQUEST", "AGENT_FILE_CONFLICT"),
        "{r}"
    );
    assert_eq!(
        r["error"]["details"]["currentHash"].as_str().unwrap().len(),
        64
    );

    // Links are not followed.
    #[cfg(unix)]
    {
        let secret = gw.state().join("gateway.token");
        std::os::unix::fs::symlink(&secret, ws.join("SOUL.md")).unwrap();
        let r = c
            .call(
                "agents.files.get",
                json!({"agentId": "main", "name": "SOUL.md"}),
            )
            .await;
        assert_eq!(
            err_code(&r),
            ("INVALID_REQUEST", "AGENT_FILE_UNSAFE"),
            "{r}"
        );
        assert!(!r.to_string().contains(&gw.token()));
    }

    // Unknown agents and bad params.
    let r = c
        .call("agents.files.list", json!({"agentId": "ghost"}))
        .await;
    assert_eq!(err_code(&r), ("INVALID_REQUEST", "UNKNOWN_AGENT_ID"), "{r}");
    for (m, p) in [
        ("agents.files.list", json!({})),
        ("agents.files.get", json!({"agentId": "main"})),
        (
            "agents.files.set",
            json!({"agentId": "main", "name": "AGENTS.md"}),
        ),
        (
            "agents.files.set",
            json!({"agentId": "main", "name": "AGENTS.md", "content": 1}),
        ),
    ] {
        let r = c.call(m, p.clone()).await;
        assert_eq!(
            err_code(&r),
            ("INVALID_REQUEST", "INVALID_PARAMS"),
            "{m} {p}: {r}"
        );
    }
}

#[tokio::test]
async fn the_identity_comes_from_the_config_or_identity_md() {
    let gw = gateway()
        .config("{ agents: { entries: { main: { workspace: 'ws' }, named: { name: 'Named One', identity: { emoji: '🦀', avatar: 'pics/me.png' } } } } }")
        .start()
        .await;
    let mut c = Conn::open(&gw).await;

    // Nothing configured: the id.
    let r = c.ok("agent.identity.get", json!({})).await;
    assert_eq!(
        r,
        json!({"agentId": "main", "name": "main", "nameSource": "default"})
    );
    // IDENTITY.md's lines, once written (template placeholders are not values).
    c.ok(
        "agents.files.set",
        json!({"agentId": "main", "name": "IDENTITY.md",
               "content": "# IDENTITY.md\n\n- **Name:** Clawd\n- **Emoji:** 🦞\n- **Vibe:**\n  _(how do you come across? sharp? warm? chaotic? calm?)_\n"}),
    )
    .await;
    let r = c
        .ok("agent.identity.get", json!({"sessionKey": "agent:main:x"}))
        .await;
    assert_eq!(r["agentId"], "main");
    assert_eq!(r["name"], "Clawd");
    assert_eq!(r["nameSource"], "workspace");
    assert_eq!(r["emoji"], "🦞");
    assert_eq!(r["avatar"], "🦞");

    // The config's name; an avatar path that is not there is reported, not passed on.
    let r = c
        .ok("agent.identity.get", json!({"agentId": "named"}))
        .await;
    assert_eq!(r["name"], "Named One");
    assert_eq!(r["nameSource"], "config");
    assert_eq!(r["emoji"], "🦀");
    assert_eq!(r["avatarSource"], "pics/me.png");
    assert_eq!(r["avatarStatus"], "none");
    assert_eq!(r["avatarReason"], "missing");
    let named_ws = gw.state().join("workspace-named/pics");
    std::fs::create_dir_all(&named_ws).unwrap();
    std::fs::write(named_ws.join("me.png"), b"png").unwrap();
    let r = c
        .ok(
            "agent.identity.get",
            json!({"sessionKey": "agent:named:main"}),
        )
        .await;
    assert_eq!(r["avatarStatus"], "local");
    assert_eq!(r["avatar"], "pics/me.png");

    let r = c
        .call("agent.identity.get", json!({"agentId": "ghost"}))
        .await;
    assert_eq!(err_code(&r), ("INVALID_REQUEST", "UNKNOWN_AGENT_ID"), "{r}");
    let r = c
        .call(
            "agent.identity.get",
            json!({"sessionKey": "agent:ghost:main"}),
        )
        .await;
    assert_eq!(err_code(&r), ("INVALID_REQUEST", "UNKNOWN_AGENT_ID"), "{r}");
    let r = c
        .call(
            "agent.identity.get",
            json!({"agentId": "named", "sessionKey": "agent:main:x"}),
        )
        .await;
    assert_eq!(err_code(&r), ("INVALID_REQUEST", "INVALID_PARAMS"), "{r}");
    let r = c.call("agent.identity.get", json!({"agentId": 3})).await;
    assert_eq!(err_code(&r), ("INVALID_REQUEST", "INVALID_PARAMS"), "{r}");
}

#[tokio::test]
async fn gateway_identity_is_not_offered_without_a_device_key() {
    // OpenClaw answers with a device public key that it signs relay requests with; Tidepool
    // has none, so it does not pretend (clients see the method missing from hello-ok).
    let gw = gateway().start().await;
    let (mut ws, hello) = gw.authed().await;
    let methods = hello["payload"]["features"]["methods"].as_array().unwrap();
    assert!(!methods.contains(&json!("gateway.identity.get")));
    assert!(methods.contains(&json!("agents.create")));
    let r = request(&mut ws, "1", "gateway.identity.get", json!({})).await;
    assert_eq!(r["error"]["details"]["code"], "UNKNOWN_METHOD", "{r}");
}
