//! Every frame the gateway emits for an implemented method or event validates against OpenClaw's
//! `protocol.schema.json` (npm `@openclaw/gateway-protocol`, pinned in tests/conformance).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::common;

use common::schemas::*;
use common::*;
use serde_json::json;

#[tokio::test]
async fn gateway_frames_match_the_openclaw_schema() {
    let s = Schemas::new();
    let gw = gateway()
        .config("{ gateway: { tickIntervalMs: 200 } }")
        .start()
        .await;
    // Methods in the schema that this gateway claims to implement have a scope entry there.
    for m in [
        "health",
        "status",
        "logs.tail",
        "system-presence",
        "connect",
    ] {
        assert!(
            s.root["methods"][m]["scope"].is_string(),
            "{m} not in the schema's methods"
        );
    }

    let (mut ws, challenge) = gw.raw().await;
    s.frame(&challenge);
    assert!(challenge["payload"]["nonce"].is_string() && challenge["payload"]["ts"].is_u64());

    let connect_req = connect_frame(Some(&gw.token()), ALL_SCOPES);
    s.frame(&connect_req);
    s.check("/definitions/ConnectParams", &connect_req["params"]);
    let hello = connect(&mut ws, Some(&gw.token()), ALL_SCOPES).await;
    s.frame(&hello);
    s.check("/definitions/HelloOk", &hello["payload"]);

    for (id, method, params) in [
        ("1", "health", json!({})),
        ("2", "logs.tail", json!({"limit": 10})),
        ("3", "logs.tail", json!({"cursor": 0, "maxBytes": 300})),
        ("4", "system-presence", json!({})),
        ("5", "status", json!({})),
    ] {
        s.check(
            "/definitions/RequestFrame",
            &json!({"type":"req","id":id,"method":method,"params":params}),
        );
        if method == "logs.tail" {
            s.check("/definitions/LogsTailParams", &params);
        }
        let res = request(&mut ws, id, method, params).await;
        s.frame(&res);
        assert_eq!(res["ok"], true, "{res}");
        let payload = &res["payload"];
        match method {
            "health" => s.check("/definitions/Snapshot/properties/health", payload),
            "logs.tail" => s.check("/definitions/LogsTailResult", payload),
            "system-presence" => {
                for entry in payload.as_array().unwrap() {
                    s.check("/definitions/PresenceEntry", entry);
                }
            }
            // The schema has no result definition for status; the frame is checked above.
            _ => {}
        }
    }

    // The config schema methods.
    let r = request(&mut ws, "cs", "config.schema", json!({})).await;
    s.frame(&r);
    s.check("/definitions/ConfigSchemaResponse", &r["payload"]);
    let r = request(
        &mut ws,
        "cl",
        "config.schema.lookup",
        json!({"path": "gateway.auth"}),
    )
    .await;
    s.frame(&r);
    s.check("/definitions/ConfigSchemaLookupResult", &r["payload"]);
    s.check(
        "/definitions/ConfigSchemaLookupParams",
        &json!({"path": "gateway.auth"}),
    );

    // Errors: unknown method, bad params, missing scope.
    let res = request(&mut ws, "e1", "nope", json!({})).await;
    s.frame(&res);
    s.check("/definitions/ErrorShape", &res["error"]);
    let res = request(&mut ws, "e2", "logs.tail", json!({"limit": "x"})).await;
    s.frame(&res);
    let (mut limited, _) = gw.raw().await;
    connect(&mut limited, Some(&gw.token()), &[]).await;
    let res = request(&mut limited, "e3", "status", json!({})).await;
    s.frame(&res);
    s.check(
        "/definitions/MissingScopeErrorDetails",
        &res["error"]["details"],
    );

    // Events: tick, presence, shutdown.
    let (mut seen_tick, mut seen_presence) = (false, false);
    while !(seen_tick && seen_presence) {
        let v = next_json(&mut ws).await.unwrap();
        s.frame(&v);
        match v["event"].as_str() {
            Some("tick") => {
                s.check("/definitions/TickEvent", &v["payload"]);
                seen_tick = true;
            }
            Some("presence") => {
                for entry in v["payload"]["presence"].as_array().unwrap() {
                    s.check("/definitions/PresenceEntry", entry);
                }
                seen_presence = true;
            }
            _ => {}
        }
    }
    gw.signal(libc::SIGTERM);
    let mut saw_shutdown = false;
    while let Next::Json(v) = next(&mut ws).await {
        s.frame(&v);
        if v["event"] == "shutdown" {
            s.check("/definitions/ShutdownEvent", &v["payload"]);
            saw_shutdown = true;
        }
    }
    assert!(saw_shutdown);
}

/// The agent, workspace-file, identity, tool, command and model-auth methods: every request's
/// params and every result validate against their definitions, and each method needs the
/// scope the schema gives it.
#[tokio::test]
async fn agent_and_tool_methods_match_the_openclaw_schema() {
    let s = Schemas::new();
    let gw = gateway()
        .config(
            "{ agents: { defaults: { model: 'anthropic/claude-x' } }, tools: { exec: { mode: 'ask' } },
               models: { providers: { local: { baseUrl: 'http://127.0.0.1:9/v1', apiKey: 'sk-local-123456' } } } }",
        )
        .env("ANTHROPIC_API_KEY", "")
        .start()
        .await;
    let (mut ws, _) = gw.authed().await;
    // (method, params, params definition, result definition); in call order.
    let calls = [
        (
            "agents.create",
            json!({"name": "Schema Bot", "model": "local/m", "emoji": "🧪", "avatar": "https://example.com/a.png"}),
            "AgentsCreateParams",
            Some("AgentsCreateResult"),
        ),
        (
            "agents.update",
            json!({"agentId": "schema-bot", "name": "Schema", "model": null, "emoji": "🔬"}),
            "AgentsUpdateParams",
            Some("AgentsUpdateResult"),
        ),
        (
            "agents.files.set",
            json!({"agentId": "schema-bot", "name": "AGENTS.md", "content": "Be brief.\n"}),
            "AgentsFilesSetParams",
            Some("AgentsFilesSetResult"),
        ),
        (
            "agents.files.list",
            json!({"agentId": "schema-bot"}),
            "AgentsFilesListParams",
            Some("AgentsFilesListResult"),
        ),
        (
            "agents.files.get",
            json!({"agentId": "schema-bot", "name": "AGENTS.md"}),
            "AgentsFilesGetParams",
            Some("AgentsFilesGetResult"),
        ),
        (
            "agents.files.get",
            json!({"agentId": "schema-bot", "name": "MEMORY.md"}),
            "AgentsFilesGetParams",
            Some("AgentsFilesGetResult"),
        ),
        (
            "agent.identity.get",
            json!({"agentId": "schema-bot"}),
            "AgentIdentityParams",
            Some("AgentIdentityResult"),
        ),
        (
            "agent.identity.get",
            json!({"sessionKey": "agent:main:main"}),
            "AgentIdentityParams",
            Some("AgentIdentityResult"),
        ),
        (
            "tools.catalog",
            json!({"agentId": "schema-bot", "includePlugins": true}),
            "ToolsCatalogParams",
            Some("ToolsCatalogResult"),
        ),
        (
            "tools.effective",
            json!({"sessionKey": "agent:schema-bot:main", "agentId": "schema-bot"}),
            "ToolsEffectiveParams",
            Some("ToolsEffectiveResult"),
        ),
        (
            "commands.list",
            json!({"agentId": "main", "scope": "both", "includeArgs": true}),
            "CommandsListParams",
            Some("CommandsListResult"),
        ),
        // The schema has no result definition for models.authStatus; the frame is checked.
        (
            "models.authStatus",
            json!({"refresh": true, "agentId": "main"}),
            "ModelsAuthStatusParams",
            None,
        ),
        (
            "agents.delete",
            json!({"agentId": "schema-bot", "deleteFiles": true}),
            "AgentsDeleteParams",
            Some("AgentsDeleteResult"),
        ),
    ];
    for (i, (method, params, params_def, result_def)) in calls.iter().enumerate() {
        let id = format!("a{i}");
        let req = json!({"type": "req", "id": id, "method": method, "params": params});
        s.frame(&req);
        s.check(&format!("/definitions/{params_def}"), params);
        let res = request(&mut ws, &id, method, params.clone()).await;
        s.frame(&res);
        assert_eq!(res["ok"], true, "{method}: {res}");
        if let Some(def) = result_def {
            s.check(&format!("/definitions/{def}"), &res["payload"]);
        }
    }
    // models.authStatus as OpenClaw's runtime shapes it: {ts, providers[{provider, status, ...}]}.
    let r = request(&mut ws, "auth", "models.authStatus", json!({})).await;
    assert!(r["payload"]["ts"].is_u64(), "{r}");
    assert!(!r.to_string().contains("sk-local-123456"));

    // An unknown agent is OpenClaw's UNKNOWN_AGENT_ID.
    let res = request(
        &mut ws,
        "u",
        "agents.files.list",
        json!({"agentId": "ghost"}),
    )
    .await;
    s.frame(&res);
    s.check("/definitions/ErrorShape", &res["error"]);
    s.check(
        "/definitions/UnknownAgentIdErrorDetails",
        &res["error"]["details"],
    );

    // Each method has the schema's scope: a read-only client may call the read ones only.
    let (mut read, _) = gw.raw().await;
    connect(&mut read, Some(&gw.token()), &["operator.read"]).await;
    for (method, params, _, _) in &calls {
        let scope = s.root["methods"][*method]["scope"].as_str().unwrap();
        let res = request(&mut read, "s", method, params.clone()).await;
        s.frame(&res);
        if scope == "operator.read" {
            assert_ne!(res["error"]["code"], "FORBIDDEN", "{method}: {res}");
        } else {
            assert_eq!(scope, "operator.admin", "{method}");
            s.check(
                "/definitions/MissingScopeErrorDetails",
                &res["error"]["details"],
            );
            assert_eq!(
                res["error"]["details"]["missingScope"], scope,
                "{method}: {res}"
            );
        }
    }
}

#[test]
fn the_client_crate_sends_schema_valid_connect_params() {
    let s = Schemas::new();
    let opts = tidepool_client::ConnectOptions::new("ws://127.0.0.1:1", "cli", "0.1.0")
        .token(Some("t".repeat(32)));
    let params = serde_json::to_value(tidepool_client::connect_params(&opts)).unwrap();
    s.check("/definitions/ConnectParams", &params);
}

#[test]
fn the_checks_can_fail() {
    // Guards against a harness that accepts anything.
    let s = Schemas::new();
    assert!(
        !s.errors("/definitions/TickEvent", &json!({"ts": "soon"}))
            .is_empty()
    );
    assert!(
        !s.errors(
            "/definitions/HelloOk",
            &json!({"type": "hello-ok", "protocol": 4})
        )
        .is_empty()
    );
    assert!(
        !s.errors("", &json!({"type": "res", "id": "", "ok": true}))
            .is_empty()
    );
    assert!(
        !s.errors(
            "/definitions/LogsTailResult",
            &json!({"file": "f", "cursor": 0, "size": 0, "lines": [], "extra": 1})
        )
        .is_empty()
    );
}
