//! What agents can use, as OpenClaw's clients ask for it: `tools.catalog`, `tools.effective`
//! (after `tools.allow|deny` and the exec mode), `commands.list`, `models.authStatus`.
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

fn ids(group: &Value) -> Vec<&str> {
    group["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect()
}

fn effective_ids(r: &Value) -> Vec<&str> {
    r["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(ids)
        .collect()
}

fn notice<'a>(r: &'a Value, id: &str) -> Option<&'a str> {
    r["notices"]
        .as_array()?
        .iter()
        .find(|n| n["id"] == id)
        .and_then(|n| n["message"].as_str())
}

#[tokio::test]
async fn the_catalog_lists_every_tool_and_effective_applies_the_policy() {
    let gw = gateway()
        .config(
            "{ tools: { deny: ['write'], exec: { mode: 'ask' } },
               agents: { entries: { main: {}, reader: { tools: { allow: ['group:fs'] } } } } }",
        )
        .start()
        .await;
    let mut c = Conn::open(&gw).await;

    let cat = c.ok("tools.catalog", json!({})).await;
    assert_eq!(cat["agentId"], "main");
    assert_eq!(cat["profiles"], json!([]));
    let groups: Vec<(&str, Vec<&str>)> = cat["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["id"].as_str().unwrap(), ids(g)))
        .collect();
    assert_eq!(
        groups,
        [
            ("fs", vec!["read", "write", "edit", "list"]),
            ("runtime", vec!["exec"]),
            ("web", vec!["web_fetch"]),
        ]
    );
    assert_eq!(cat["groups"][1]["tools"][0]["risk"], "high");
    assert_eq!(
        cat["groups"][0]["tools"][0]["description"],
        "Read a text file in the workspace."
    );
    let cat = c
        .ok(
            "tools.catalog",
            json!({"agentId": "reader", "includePlugins": true}),
        )
        .await;
    assert_eq!(cat["agentId"], "reader");

    // main: everything but the denied write; exec asks first.
    let r = c.ok("tools.effective", json!({"sessionKey": "main"})).await;
    assert_eq!(r["agentId"], "main");
    assert_eq!(r["profile"], "full");
    assert_eq!(r["groups"][0]["id"], "core");
    assert_eq!(
        effective_ids(&r),
        ["read", "edit", "list", "web_fetch", "exec"]
    );
    assert!(
        notice(&r, "tool-off:write").unwrap().contains("tools.deny"),
        "{r}"
    );
    assert!(notice(&r, "exec-mode").unwrap().contains("approval"), "{r}");
    let exec = &r["groups"][0]["tools"][4];
    assert!(
        exec["rawDescription"]
            .as_str()
            .unwrap()
            .contains("approval"),
        "{exec}"
    );
    // reader: its own allow list, and the global deny still applies.
    let r = c
        .ok(
            "tools.effective",
            json!({"sessionKey": "agent:reader:main", "agentId": "reader"}),
        )
        .await;
    assert_eq!(r["agentId"], "reader");
    assert_eq!(effective_ids(&r), ["read", "edit", "list"]);
    assert!(
        notice(&r, "tool-off:exec")
            .unwrap()
            .contains("agents.entries.reader.tools.allow"),
        "{r}"
    );

    // Failures: the session's agent must match, the agent must exist, the key is required.
    let r = c
        .call(
            "tools.effective",
            json!({"sessionKey": "agent:reader:main", "agentId": "main"}),
        )
        .await;
    assert_eq!(err_code(&r), ("INVALID_REQUEST", "INVALID_PARAMS"), "{r}");
    let r = c
        .call("tools.effective", json!({"sessionKey": "agent:ghost:main"}))
        .await;
    assert_eq!(err_code(&r), ("INVALID_REQUEST", "UNKNOWN_AGENT_ID"), "{r}");
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("main, reader"),
        "{r}"
    );
    for p in [
        json!({}),
        json!({"sessionKey": ""}),
        json!({"sessionKey": "main", "x": 1}),
    ] {
        let r = c.call("tools.effective", p.clone()).await;
        assert_eq!(
            err_code(&r),
            ("INVALID_REQUEST", "INVALID_PARAMS"),
            "{p}: {r}"
        );
    }
    let r = c.call("tools.catalog", json!({"agentId": "ghost"})).await;
    assert_eq!(err_code(&r), ("INVALID_REQUEST", "UNKNOWN_AGENT_ID"), "{r}");
    let r = c.call("tools.catalog", json!({"agentId": 1})).await;
    assert_eq!(err_code(&r), ("INVALID_REQUEST", "INVALID_PARAMS"), "{r}");
}

#[tokio::test]
async fn by_default_exec_is_off_and_the_notice_says_how_to_turn_it_on() {
    let gw = gateway()
        .config("{ tools: { web: { fetch: { enabled: false } } } }")
        .start()
        .await;
    let mut c = Conn::open(&gw).await;
    let r = c.ok("tools.effective", json!({"sessionKey": "main"})).await;
    assert_eq!(effective_ids(&r), ["read", "write", "edit", "list"]);
    assert!(
        notice(&r, "tool-off:exec")
            .unwrap()
            .contains("tools.exec.mode is deny"),
        "{r}"
    );
    assert!(
        notice(&r, "tool-off:web_fetch")
            .unwrap()
            .contains("tools.web.fetch.enabled"),
        "{r}"
    );
    assert!(notice(&r, "exec-mode").is_none());
}

#[tokio::test]
async fn commands_list_is_empty_because_chat_has_no_slash_commands() {
    let gw = gateway().start().await;
    let mut c = Conn::open(&gw).await;
    assert_eq!(
        c.ok("commands.list", json!({})).await,
        json!({"commands": []})
    );
    assert_eq!(
        c.ok(
            "commands.list",
            json!({"sessionKey": "agent:main:main", "scope": "both", "includeArgs": true})
        )
        .await,
        json!({"commands": []})
    );
    let r = c.call("commands.list", json!({"scope": "all"})).await;
    assert_eq!(err_code(&r), ("INVALID_REQUEST", "INVALID_PARAMS"), "{r}");
    let r = c.call("commands.list", json!({"agentId": "ghost"})).await;
    assert_eq!(err_code(&r), ("INVALID_REQUEST", "UNKNOWN_AGENT_ID"), "{r}");
    let r = c.call("commands.list", json!({"nope": true})).await;
    assert_eq!(err_code(&r), ("INVALID_REQUEST", "INVALID_PARAMS"), "{r}");
}

#[tokio::test]
async fn auth_status_says_which_keys_resolve_and_never_shows_them() {
    let key = "sk-plain-secret-9876";
    let gw = gateway()
        .config(&format!(
            "{{ agents: {{ defaults: {{ model: 'anthropic/claude-x', }} }},
                models: {{ providers: {{
                  plain: {{ baseUrl: 'http://127.0.0.1:9/v1', apiKey: '{key}' }},
                  fromenv: {{ baseUrl: 'http://127.0.0.1:9/v1', apiKey: {{ source: 'env', id: 'TP_AUTH_TEST_UNSET_KEY' }} }},
                  stored: {{ baseUrl: 'http://127.0.0.1:9/v1', apiKey: {{ source: 'env', id: 'TP_AUTH_TEST_SET_KEY' }} }},
                  local: {{ baseUrl: 'http://127.0.0.1:9/v1' }},
                }} }} }}"
        ))
        .env("ANTHROPIC_API_KEY", "")
        .env("OPENAI_API_KEY", "")
        .env("TP_AUTH_TEST_SET_KEY", "sk-from-env-123456")
        .start()
        .await;
    let mut c = Conn::open(&gw).await;
    let r = c.ok("models.authStatus", json!({})).await;
    let text = r.to_string();
    assert!(
        !text.contains(key) && !text.contains("sk-from-env-123456"),
        "{text}"
    );
    assert!(r["ts"].as_u64().unwrap() > 0);
    let by: std::collections::HashMap<&str, &Value> = r["providers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["provider"].as_str().unwrap(), p))
        .collect();
    let order: Vec<&str> = r["providers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["provider"].as_str().unwrap())
        .collect();
    // Configured ones, then the built-in the default model names.
    assert_eq!(order, ["fromenv", "local", "plain", "stored", "anthropic"]);
    assert_eq!(by["plain"]["status"], "static");
    assert_eq!(by["plain"]["apiKey"], json!({"source": "config"}));
    assert_eq!(by["stored"]["status"], "static");
    assert_eq!(
        by["stored"]["apiKey"],
        json!({"source": "env", "envVar": "TP_AUTH_TEST_SET_KEY"})
    );
    assert_eq!(by["fromenv"]["status"], "missing");
    assert!(
        by["fromenv"]["reason"]
            .as_str()
            .unwrap()
            .contains("TP_AUTH_TEST_UNSET_KEY"),
        "{r}"
    );
    assert_eq!(by["local"]["status"], "missing");
    assert_eq!(by["local"]["keyRequired"], false);
    assert!(by["local"].get("apiKey").is_none());
    assert_eq!(by["anthropic"]["status"], "missing");
    assert_eq!(by["anthropic"]["keyRequired"], true);
    assert_eq!(by["anthropic"]["displayName"], "Anthropic");
    assert!(
        by["anthropic"]["reason"]
            .as_str()
            .unwrap()
            .contains("tidepool secrets set ANTHROPIC_API_KEY"),
        "{r}"
    );
    assert_eq!(by["anthropic"]["profiles"], json!([]));

    let r = c
        .ok(
            "models.authStatus",
            json!({"refresh": true, "agentId": "main"}),
        )
        .await;
    assert_eq!(r["providers"].as_array().unwrap().len(), 5);
    let r = c
        .call("models.authStatus", json!({"agentId": "ghost"}))
        .await;
    assert_eq!(err_code(&r), ("INVALID_REQUEST", "UNKNOWN_AGENT_ID"), "{r}");
    let r = c.call("models.authStatus", json!({"refresh": "yes"})).await;
    assert_eq!(err_code(&r), ("INVALID_REQUEST", "INVALID_PARAMS"), "{r}");
}

#[tokio::test]
async fn the_catalogue_methods_need_read() {
    let gw = gateway().start().await;
    let (mut ws, _) = gw.raw().await;
    connect(&mut ws, Some(&gw.token()), &[]).await;
    for (m, p) in [
        ("tools.catalog", json!({})),
        ("tools.effective", json!({"sessionKey": "main"})),
        ("commands.list", json!({})),
        ("models.authStatus", json!({})),
    ] {
        let r = request(&mut ws, "x", m, p).await;
        assert_eq!(r["error"]["code"], "FORBIDDEN", "{m}: {r}");
        assert_eq!(
            r["error"]["details"]["missingScope"], "operator.read",
            "{m}: {r}"
        );
    }
    let (mut read, _) = gw.raw().await;
    connect(&mut read, Some(&gw.token()), &["operator.read"]).await;
    let r = request(&mut read, "y", "tools.catalog", json!({})).await;
    assert_eq!(r["ok"], true, "{r}");
}
