//! Shell commands under exec approvals, end to end: the real gateway process, an agent (the
//! provider fake) asking to run commands, and a client deciding them — allow once, allow
//! always, deny, nobody answering, an abort while waiting, two at once — plus the process
//! limits (timeout kills the group, output cap, scrubbed environment, exit codes).

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
use common::schemas::Schemas;
use common::*;
use serde_json::{Value, json};
use std::time::Duration;
use tidepool_testkit::{FakeProvider, Script, ToolCall};

fn exec_config(f: &FakeProvider, exec: &str) -> String {
    let base = config(f, "openai-completions");
    // The fake's config with `tools.exec` added.
    format!(
        "{}, tools: {{ exec: {exec} }} }}",
        base.trim_end().trim_end_matches('}')
    )
}

/// A gateway whose agent uses `f`, with `tools.exec` set to `exec`.
async fn start(f: &FakeProvider, exec: &str) -> Gw {
    gateway().config(&exec_config(f, exec)).start().await
}

/// The agent asks to run `command`, then (after the result) says "done".
fn wants(f: &FakeProvider, id: &str, command: &str) {
    f.push(Script::ToolCalls {
        text: None,
        calls: vec![ToolCall::new(id, "exec", json!({ "command": command }))],
    });
    f.push(Script::text(&["done"]));
}

async fn send(c: &mut Conn, key: &str, msg: &str) -> String {
    c.ok("chat.send", send_params(key, msg)).await["runId"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn requested(c: &mut Conn) -> Value {
    c.event(|e| e["event"] == "exec.approval.requested").await["payload"].clone()
}

async fn tool_result(c: &mut Conn, call: &str) -> Value {
    c.event(|e| {
        e["event"] == "agent"
            && e["payload"]["data"]["phase"] == "result"
            && e["payload"]["data"]["toolCallId"] == call
    })
    .await["payload"]["data"]
        .clone()
}

#[tokio::test]
async fn allow_once_runs_the_command_and_deny_tells_the_agent() {
    let s = Schemas::new();
    let f = fake().await;
    let gw = start(&f, "{ mode: 'ask' }").await;
    std::fs::create_dir_all(gw.state().join("ws")).unwrap();
    std::fs::write(gw.state().join("ws/notes.txt"), "x").unwrap();
    let mut c = Conn::open(&gw).await;
    wants(&f, "c1", "ls");
    let run = send(&mut c, "main", "list my files").await;
    let req = requested(&mut c).await;
    let id = req["id"].as_str().unwrap().to_owned();
    assert_eq!(req["request"]["command"], "ls");
    assert_eq!(req["request"]["parts"][0]["program"], "ls");
    assert_eq!(req["request"]["reason"], "no rule allows it");
    assert_eq!(req["request"]["sessionKey"], "agent:main:main");
    assert_eq!(req["request"]["suggestedRules"], json!(["ls"]));
    assert!(req["request"]["cwd"].as_str().unwrap().ends_with("ws"));
    // It is pending, and listed.
    let list = c.ok("exec.approval.list", json!({})).await;
    assert_eq!(list[0]["id"], id);
    assert_eq!(
        list[0]["request"]["command"], list[0]["command"],
        "OpenClaw's form: {list}"
    );
    let snap = c.ok("approval.get", json!({ "id": id })).await;
    s.check("/definitions/ApprovalGetResult", &snap);
    let params = json!({ "id": id, "decision": "allow-once" });
    s.check("/definitions/ExecApprovalResolveParams", &params);
    let r = c.ok("exec.approval.resolve", params).await;
    assert_eq!(r["approval"]["status"], "allowed");
    let resolved = c.event(|e| e["event"] == "exec.approval.resolved").await;
    assert_eq!(resolved["payload"]["decision"], "allow-once");
    let result = tool_result(&mut c, "c1").await;
    assert_eq!(result["isError"], false, "{result}");
    assert!(
        result["result"].as_str().unwrap().contains("notes.txt"),
        "{result}"
    );
    assert_eq!(
        c.run_events(&run).await.last().unwrap()["payload"]["state"],
        "final"
    );
    // Deciding twice is refused.
    let again = c
        .call(
            "exec.approval.resolve",
            json!({ "id": id, "decision": "deny" }),
        )
        .await;
    assert_eq!(again["error"]["code"], "APPROVAL_NOT_FOUND", "{again}");

    // Deny: not run, and the agent is told.
    wants(&f, "c2", "rm notes.txt");
    let run = send(&mut c, "main", "delete it").await;
    let id = requested(&mut c).await["id"].as_str().unwrap().to_owned();
    c.ok(
        "exec.approval.resolve",
        json!({ "id": id, "decision": "deny" }),
    )
    .await;
    let result = tool_result(&mut c, "c2").await;
    assert_eq!(result["isError"], true);
    assert!(
        result["result"]
            .as_str()
            .unwrap()
            .contains("the user denied running `rm notes.txt`"),
        "{result}"
    );
    c.run_events(&run).await;
    assert!(gw.state().join("ws/notes.txt").exists());
    let reqs = f.wait_requests(4, Duration::from_secs(5)).await;
    assert!(
        reqs[3].body.to_string().contains("the user denied"),
        "the model is told"
    );
    // The audit trail, newest first, as OpenClaw snapshots too.
    let trail = c.ok("exec.approval.list", json!({ "status": "all" })).await;
    let statuses: Vec<&str> = trail["approvals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["denied", "allowed"]);
    assert!(
        trail["approvals"][0]["resolvedBy"]
            .as_str()
            .unwrap()
            .starts_with("client:")
    );
    let h = c.ok("approval.history", json!({ "limit": 10 })).await;
    s.check("/definitions/ApprovalHistoryResult", &h);
    assert_eq!(h["items"].as_array().unwrap().len(), 2);
    let p = c.ok("exec.approvals.get", json!({})).await;
    s.check("/definitions/ExecApprovalsSnapshot", &p);
    assert_eq!(p["file"]["defaults"]["security"], "allowlist");
}

#[tokio::test]
async fn allow_always_adds_a_rule_that_covers_the_same_intent_only() {
    let f = fake().await;
    let gw = start(&f, "{ mode: 'ask' /* ask me first */ }").await;
    let mut c = Conn::open(&gw).await;
    wants(&f, "c1", "echo hello");
    let run = send(&mut c, "main", "greet").await;
    let id = requested(&mut c).await["id"].as_str().unwrap().to_owned();
    // A rule that does not compile refuses the decision; the approval stays pending.
    let bad = c
        .call(
            "exec.approval.resolve",
            json!({ "id": id, "decision": "allow-always", "rules": ["echo; rm"] }),
        )
        .await;
    assert!(
        bad["error"]["message"]
            .as_str()
            .unwrap()
            .contains("must be one command"),
        "{bad}"
    );
    c.ok(
        "exec.approval.resolve",
        json!({ "id": id, "decision": "allow-always", "rules": ["echo **"], "scope": "agent" }),
    )
    .await;
    assert!(
        tool_result(&mut c, "c1").await["result"]
            .as_str()
            .unwrap()
            .contains("hello")
    );
    c.run_events(&run).await;
    let cfg = c.ok("config.get", json!({})).await;
    let rules = &cfg["config"]["tools"]["exec"]["rules"];
    assert_eq!(rules[0]["pattern"], "echo **", "{cfg}");
    assert_eq!(rules[0]["agentId"], "main");
    assert_eq!(rules[0]["source"], "allow-always");
    // The rule is added to the file as written: the user's comment is still there.
    assert!(
        cfg["raw"].as_str().unwrap().contains("/* ask me first */"),
        "{cfg}"
    );
    // The same intent runs without asking...
    wants(&f, "c2", "echo   'hi there'");
    let run = send(&mut c, "main", "again").await;
    assert!(
        tool_result(&mut c, "c2").await["result"]
            .as_str()
            .unwrap()
            .contains("hi there")
    );
    c.run_events(&run).await;
    // ...a more dangerous variant does not.
    wants(&f, "c3", "echo hi; touch pwned");
    let run = send(&mut c, "main", "and this").await;
    let req = requested(&mut c).await;
    assert_eq!(req["request"]["suggestedRules"], json!(["touch pwned"]));
    c.ok("chat.abort", json!({ "sessionKey": "main" })).await;
    c.run_events(&run).await;
    assert!(!gw.state().join("ws/pwned").exists());
}

#[tokio::test]
async fn nobody_answering_falls_back_and_an_abort_cancels_the_wait() {
    let f = fake().await;
    let gw = start(&f, "{ mode: 'ask', approvalTimeoutSeconds: 1 }").await;
    let mut c = Conn::open(&gw).await;
    wants(&f, "c1", "touch made");
    let run = send(&mut c, "main", "make it").await;
    requested(&mut c).await;
    let result = tool_result(&mut c, "c1").await;
    assert!(
        result["result"]
            .as_str()
            .unwrap()
            .contains("nobody approved `touch made` within 1 s"),
        "{result}"
    );
    let ev = c.event(|e| e["event"] == "exec.approval.resolved").await;
    assert_eq!(ev["payload"]["status"], "expired");
    c.run_events(&run).await;
    assert!(!gw.state().join("ws/made").exists());

    // Abort while waiting: the approval is cancelled, nothing runs.
    wants(&f, "c2", "touch made");
    let run = send(&mut c, "main", "again").await;
    let id = requested(&mut c).await["id"].as_str().unwrap().to_owned();
    c.ok("chat.abort", json!({ "sessionKey": "main" })).await;
    let ev = c
        .event(|e| e["event"] == "exec.approval.resolved" && e["payload"]["id"] == id)
        .await;
    assert_eq!(ev["payload"]["status"], "cancelled");
    assert_eq!(ev["payload"]["reason"], "run-aborted");
    c.run_events(&run).await;
    assert!(
        c.ok("exec.approval.list", json!({}))
            .await
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn two_pending_approvals_are_decided_independently() {
    let f = fake().await;
    let gw = start(&f, "{ mode: 'ask' }").await;
    let mut c = Conn::open(&gw).await;
    f.push(Script::ToolCalls {
        text: None,
        calls: vec![ToolCall::new(
            "a1",
            "exec",
            json!({ "command": "echo one" }),
        )],
    });
    f.push(Script::ToolCalls {
        text: None,
        calls: vec![ToolCall::new(
            "b1",
            "exec",
            json!({ "command": "echo two" }),
        )],
    });
    f.push(Script::text(&["done"]));
    f.push(Script::text(&["done"]));
    send(&mut c, "one", "first").await;
    let first = requested(&mut c).await;
    send(&mut c, "two", "second").await;
    let second = requested(&mut c).await;
    let pending = c.ok("exec.approval.list", json!({})).await;
    assert_eq!(pending.as_array().unwrap().len(), 2);
    // Decide the second first.
    c.ok(
        "exec.approval.resolve",
        json!({ "id": second["id"], "decision": "deny" }),
    )
    .await;
    c.ok(
        "exec.approval.resolve",
        json!({ "id": first["id"], "decision": "allow-once" }),
    )
    .await;
    let (a, b) = (
        tool_result(&mut c, "a1").await,
        tool_result(&mut c, "b1").await,
    );
    assert_eq!(first["request"]["command"], "echo one");
    assert!(a["result"].as_str().unwrap().contains("one"), "{a}");
    assert_eq!(b["isError"], true, "{b}");
}

#[tokio::test]
async fn rules_and_modes_decide_without_asking() {
    let f = fake().await;
    let gw = gateway()
        .config(&exec_config(&f, "{ mode: 'allowlist', rules: [{ pattern: 'echo **' }, { pattern: 'rm **', action: 'deny' }] }"))
        .env("TIDEPOOL_TEST_SECRET", "s3cr3t-value")
        .start()
        .await;
    let mut c = Conn::open(&gw).await;
    for (id, cmd, want, is_error) in [
        ("c1", "echo $TIDEPOOL_TEST_SECRET end", "exit code 0", false),
        (
            "c2",
            "ls && rm -rf ~",
            "not run: rm -rf ~: denied by the rule \"rm **\"",
            true,
        ),
        (
            "c3",
            "touch x",
            "no rule allows it (tools.exec.mode is \"allowlist\")",
            true,
        ),
    ] {
        wants(&f, id, cmd);
        let run = send(&mut c, "main", id).await;
        let r = tool_result(&mut c, id).await;
        let text = r["result"].as_str().unwrap();
        assert!(text.contains(want), "{cmd}: {text}");
        assert_eq!(r["isError"], is_error, "{cmd}: {text}");
        // The gateway's environment (API keys...) does not reach commands.
        assert!(!text.contains("s3cr3t"), "{text}");
        c.run_events(&run).await;
    }
    let trail = c.ok("exec.approval.list", json!({ "status": "all" })).await;
    let reasons: Vec<(&str, &str)> = trail["approvals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["status"].as_str().unwrap(), r["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(
        reasons,
        [
            ("denied", "policy"),
            ("denied", "policy"),
            ("allowed", "policy")
        ]
    );
    // "Would this be allowed?" without running it, under a draft policy.
    let v = c
        .ok(
            "exec.approval.check",
            json!({ "command": "git push", "policy": { "mode": "ask" } }),
        )
        .await;
    assert_eq!(v["verdict"]["decision"], "ask");
    let v = c
        .ok(
            "exec.approval.check",
            json!({ "command": "echo hi > /etc/x" }),
        )
        .await;
    assert_eq!(v["verdict"]["decision"], "deny");
}

#[tokio::test]
async fn a_runaway_command_is_stopped_with_its_children_and_output_is_capped() {
    let f = fake().await;
    let gw = start(
        &f,
        "{ mode: 'full', timeoutSeconds: 1, maxOutputChars: 2000 }",
    )
    .await;
    let mut c = Conn::open(&gw).await;
    let marker = format!("tp-exec-{}", std::process::id());
    wants(
        &f,
        "c1",
        &format!("sleep 30 & echo started; exec -a {marker} sleep 30"),
    );
    let run = send(&mut c, "main", "hang").await;
    let r = tool_result(&mut c, "c1").await;
    assert!(
        r["result"]
            .as_str()
            .unwrap()
            .contains("timed out after 1 s"),
        "{r}"
    );
    assert!(r["result"].as_str().unwrap().contains("started"), "{r}");
    c.run_events(&run).await;
    // No `sleep 30` from that group survives.
    let ps = std::process::Command::new("sh")
        .arg("-c")
        .arg("ps -eo args")
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&ps.stdout).contains(&marker));

    wants(&f, "c2", "yes line | head -n 5000; exit 3");
    let run = send(&mut c, "main", "flood").await;
    let r = tool_result(&mut c, "c2").await;
    let text = r["result"].as_str().unwrap();
    assert_eq!(r["isError"], true);
    assert!(text.starts_with("exit code 3"), "{}", &text[..80]);
    assert!(text.contains("characters cut"), "the middle is cut");
    assert!(text.len() < 3000, "{}", text.len());
    c.run_events(&run).await;
}

#[tokio::test]
async fn exec_approvals_set_writes_openclaws_file_into_the_policy() {
    let s = Schemas::new();
    let f = fake().await;
    let gw = start(
        &f,
        "{ mode: 'ask', rules: [{ pattern: 'rm **', action: 'deny' }] }",
    )
    .await;
    let mut c = Conn::open(&gw).await;
    let snap = c.ok("exec.approvals.get", json!({})).await;
    let file = json!({
        "version": 1,
        "defaults": { "security": "allowlist", "ask": "off", "askFallback": "deny" },
        "agents": { "*": { "allowlist": [{ "pattern": "/bin/ls" }] } },
    });
    let params = json!({ "file": file, "baseHash": snap["hash"] });
    s.check("/definitions/ExecApprovalsSetParams", &params);
    let after = c.ok("exec.approvals.set", params.clone()).await;
    s.check("/definitions/ExecApprovalsSnapshot", &after);
    assert_eq!(after["file"]["defaults"]["security"], "allowlist");
    assert_eq!(after["file"]["defaults"]["ask"], "off");
    assert_eq!(
        after["file"]["agents"]["*"]["allowlist"][0]["pattern"],
        "/bin/ls **"
    );
    assert_ne!(after["hash"], snap["hash"]);
    // The running policy follows: ls with any arguments runs, the kept deny rule still
    // refuses rm, and anything else is refused without asking (allowlist).
    let judged = |v: &Value| v["verdict"]["decision"].as_str().unwrap_or("").to_owned();
    let ls = c
        .ok("exec.approval.check", json!({ "command": "ls -la /tmp" }))
        .await;
    assert_eq!(judged(&ls), "allow", "{ls}");
    let rm = c
        .ok("exec.approval.check", json!({ "command": "rm -rf x" }))
        .await;
    assert_eq!(judged(&rm), "deny", "{rm}");
    let curl = c
        .ok("exec.approval.check", json!({ "command": "curl x" }))
        .await;
    assert_eq!(judged(&curl), "deny", "{curl}");
    let raw = std::fs::read_to_string(gw.state().join("tidepool.json")).unwrap();
    // Written in place, in the file's own style (bare keys, single quotes).
    assert!(raw.contains("mode: 'allowlist'"), "{raw}");
    assert!(raw.contains("models: { providers: { fake:"), "{raw}");

    // A stale hash is a conflict; nothing is written.
    let stale = c.call("exec.approvals.set", params).await;
    assert_eq!(
        stale["error"]["details"]["code"], "CONFIG_CONFLICT",
        "{stale}"
    );
    // What Tidepool cannot honour is refused by name.
    let per_agent = c
        .call(
            "exec.approvals.set",
            json!({ "file": { "version": 1, "agents": { "ops": { "security": "full" } } } }),
        )
        .await;
    assert_eq!(per_agent["error"]["code"], "INVALID_REQUEST", "{per_agent}");
    assert!(
        per_agent["error"]["message"]
            .as_str()
            .unwrap()
            .contains("file.agents.ops.security: Tidepool has one shell policy"),
        "{per_agent}"
    );
    // A pattern the policy cannot compile is the config's own validation error.
    let bad = c
        .call(
            "exec.approvals.set",
            json!({ "file": { "version": 1, "agents": { "*": { "allowlist": [{ "pattern": "git 'x" }] } } } }),
        )
        .await;
    assert_eq!(bad["error"]["details"]["code"], "CONFIG_INVALID", "{bad}");
    assert_eq!(
        std::fs::read_to_string(gw.state().join("tidepool.json")).unwrap(),
        raw,
        "refused writes leave the file alone"
    );
}
