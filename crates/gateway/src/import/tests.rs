//! Imports of OpenClaw configs written from its documented schema, in several shapes.

use super::*;
use crate::providers::types::Block;
use tidepool_secrets::Choice;

struct Fixture {
    _tmp: tempfile::TempDir,
    oc: PathBuf,
    state: PathBuf,
}

fn fixture(files: &[(&str, &str)]) -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let oc = tmp.path().join("openclaw");
    let state = tmp.path().join("tidepool");
    for (name, text) in files {
        let p = oc.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text.replace("@OC@", &oc.display().to_string())).unwrap();
    }
    Fixture {
        _tmp: tmp,
        oc,
        state,
    }
}

fn opts(f: &Fixture, dry_run: bool) -> ImportOptions {
    ImportOptions {
        from: f.oc.clone(),
        to: StatePaths::new(f.state.clone(), None),
        dry_run,
        replace: false,
    }
}

fn vault(f: &Fixture) -> SecretStore {
    SecretStore::open(&f.state, Choice::Vault, None).unwrap()
}

struct Lookup(SecretStore);

impl crate::config::secret::StoreLookup for Lookup {
    fn lookup(&self, id: &str) -> Result<String, crate::config::secret::SecretError> {
        match self.0.get(id) {
            Ok(Some(v)) => Ok(v.as_str().to_owned()),
            _ => Err(crate::config::secret::SecretError::Store(format!(
                "{id} is not stored"
            ))),
        }
    }
}

fn note<'a>(items: &'a [Item], path: &str) -> Option<&'a str> {
    items
        .iter()
        .find(|i| i.path == path)
        .map(|i| i.note.as_str())
}

/// A current OpenClaw setup: entries, providers with a plain key and a `${VAR}` from the
/// config's own env block, sections Tidepool lacks, a workspace and skills.
const MODERN: &str = r#"// my OpenClaw
{
  $schema: "https://openclaw.ai/config.schema.json",
  gateway: {
    port: 18790,
    bind: "loopback",
    auth: { mode: "token", token: "oc-gateway-token-0123456789" },
    controlUi: { enabled: true },
  },
  agents: {
    defaults: {
      model: { primary: "anthropic/claude-sonnet-4-5", fallbacks: ["local/my-model"] },
      workspace: "@OC@/workspace",
      heartbeat: { every: "30m" },
      sandbox: { mode: "non-main" },
    },
    entries: {
      main: { default: true, name: "Molty" },
      work: { model: "local/my-model", workspace: "@OC@/../projects/work" },
    },
  },
  models: {
    providers: {
      anthropic: { apiKey: "${OC_IMPORT_TEST_ANTHROPIC}" },
      local: {
        baseUrl: "http://127.0.0.1:8000/v1",
        apiKey: "sk-local-plaintext-abcdef",
        api: "openai-completions",
        models: [{ id: "my-model", name: "My Model", contextWindow: 120000, maxTokens: 8192 }],
      },
    },
  },
  tools: { exec: { mode: "ask", askFallback: "deny" }, elevated: { enabled: false } },
  channels: { telegram: { botToken: "123456:telegram-secret" } },
  env: { vars: { OC_IMPORT_TEST_ANTHROPIC: "sk-ant-from-env-block-999" } },
}
"#;

#[test]
fn modern_config_is_carried_with_secrets_in_the_store() {
    let f = fixture(&[
        ("openclaw.json", MODERN),
        ("workspace/AGENTS.md", "# Be kind\n"),
        ("workspace/memory/2026-11-01.md", "notes\n"),
        ("skills/weather/SKILL.md", "---\nname: weather\n---\n"),
    ]);
    let mut store = vault(&f);
    let r = import_openclaw(&opts(&f, false), Some(&mut store)).unwrap();

    // Secrets: moved, named after their variable or their place.
    let names: Vec<&str> = r.secrets.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "GATEWAY_AUTH_TOKEN",
            "OC_IMPORT_TEST_ANTHROPIC",
            "LOCAL_API_KEY"
        ]
    );
    assert!(r.secrets.iter().all(|s| s.stored));
    assert_eq!(
        store.get("LOCAL_API_KEY").unwrap().unwrap().as_str(),
        "sk-local-plaintext-abcdef"
    );
    assert_eq!(
        store
            .get("OC_IMPORT_TEST_ANTHROPIC")
            .unwrap()
            .unwrap()
            .as_str(),
        "sk-ant-from-env-block-999"
    );
    let written = std::fs::read_to_string(f.state.join("tidepool.json")).unwrap();
    assert_eq!(written, r.config);
    for value in [
        "oc-gateway-token-0123456789",
        "sk-local-plaintext-abcdef",
        "sk-ant-from-env-block-999",
        "telegram-secret",
    ] {
        assert!(!written.contains(value), "{value} in {written}");
    }

    // The written file is a valid Tidepool config whose references resolve from the store.
    let loaded = crate::config::load(&f.state.join("tidepool.json")).unwrap();
    assert!(loaded.unsupported.is_empty(), "{:?}", loaded.unsupported);
    let c = &loaded.config;
    assert_eq!(c.gateway.port, 18790);
    let key = c.models.providers["local"].api_key.as_ref().unwrap();
    let lookup = Lookup(store);
    assert_eq!(
        key.resolve(&f.state, &lookup).unwrap(),
        "sk-local-plaintext-abcdef"
    );
    assert_eq!(
        c.models.providers["local"].models[0].context_window,
        Some(120000)
    );
    assert_eq!(c.agents.entries["main"].name.as_deref(), Some("Molty"));
    // The workspace outside ~/.openclaw stays where it is.
    let work_ws = c.agents.entries["work"].workspace.as_deref().unwrap();
    assert!(work_ws.ends_with("projects/work"), "{work_ws}");
    // The default workspace moved to Tidepool's default place, so no path is written.
    assert!(c.agents.defaults.workspace.is_none());
    assert!(c.agents.entries["main"].workspace.is_none());

    // Left out, with why.
    for (path, why) in [
        ("channels", "not supported by Tidepool yet"),
        ("agents.defaults.heartbeat", "not supported by Tidepool yet"),
        ("agents.defaults.sandbox", "not supported by Tidepool yet"),
        ("gateway.controlUi", "not supported by Tidepool yet"),
        ("tools.elevated", "not supported by Tidepool yet"),
    ] {
        assert_eq!(note(&r.not_carried, path), Some(why), "{path}: {r:#?}");
    }
    assert!(note(&r.not_carried, "env").unwrap().contains("${VAR}"));
    assert!(
        note(&r.not_carried, "agents.entries.work.workspace")
            .unwrap()
            .contains("kept in place")
    );
    assert_eq!(note(&r.carried, "models.providers.local"), Some("1 model"));
    assert!(note(&r.carried, "tools.exec").is_some());

    // Folders: copied, and a second import keeps what is there.
    assert_eq!(
        std::fs::read_to_string(f.state.join("workspace/memory/2026-11-01.md")).unwrap(),
        "notes\n"
    );
    assert!(f.state.join("skills/weather/SKILL.md").is_file());
    let ws = r
        .folders
        .iter()
        .find(|c| c.to.ends_with("workspace"))
        .unwrap();
    assert_eq!((ws.files, ws.kept_existing), (2, 0));
    std::fs::write(f.state.join("workspace/AGENTS.md"), "# mine now\n").unwrap();
    let mut o = opts(&f, false);
    o.replace = true;
    let again = import_openclaw(&o, Some(&mut vault(&f))).unwrap();
    let ws = again
        .folders
        .iter()
        .find(|c| c.to.ends_with("workspace"))
        .unwrap();
    assert_eq!((ws.files, ws.kept_existing), (0, 2));
    assert_eq!(
        std::fs::read_to_string(f.state.join("workspace/AGENTS.md")).unwrap(),
        "# mine now\n"
    );
    assert_eq!(
        std::fs::read_to_string(again.backup.as_deref().unwrap()).unwrap(),
        written
    );
    assert!(
        again
            .secrets
            .iter()
            .all(|s| s.note == "already in the store")
    );
}

#[test]
fn legacy_list_with_includes_and_env_references() {
    let f = fixture(&[
        (
            "openclaw.json",
            r#"{
              agents: { $include: "./agents.json5" },
              models: { providers: { openai: { apiKey: { source: "env", id: "OC_IMPORT_TEST_OPENAI" } } } },
              logging: { level: "debug" },
            }"#,
        ),
        (
            "agents.json5",
            r#"{
              defaults: { model: "openai/gpt-4.1" },
              list: [
                { id: "main", default: true },
                { id: "research", name: "Research", model: "openai/o3", tools: { deny: ["exec"] } },
                { name: "no id" },
              ],
            }"#,
        ),
        (".env", "OC_IMPORT_TEST_OPENAI=sk-openai-from-dotenv-1\n"),
        ("workspace-research/notes.md", "n\n"),
    ]);
    let dry = import_openclaw(&opts(&f, true), None).unwrap();
    assert!(!f.state.exists(), "a dry run writes nothing");
    assert_eq!(dry.secrets.len(), 1);
    assert_eq!(dry.secrets[0].name, "OC_IMPORT_TEST_OPENAI");
    assert!(dry.secrets[0].stored);
    assert_eq!(dry.folders.len(), 1);
    assert_eq!(dry.folders[0].files, 1);

    let mut store = vault(&f);
    let r = import_openclaw(&opts(&f, false), Some(&mut store)).unwrap();
    assert_eq!(r.config, dry.config, "the dry run shows what is written");
    let loaded = crate::config::load(&f.state.join("tidepool.json")).unwrap();
    let a = &loaded.config.agents;
    assert!(a.list.is_empty());
    assert_eq!(a.entries["research"].name.as_deref(), Some("Research"));
    assert_eq!(a.entries["research"].tools.as_ref().unwrap().deny, ["exec"]);
    assert!(a.entries["main"].default);
    assert_eq!(loaded.config.logging.level, "debug");
    assert_eq!(note(&r.not_carried, "agents.list[2]"), Some("has no id"));
    assert!(f.state.join("workspace-research/notes.md").is_file());
    assert_eq!(
        store
            .get("OC_IMPORT_TEST_OPENAI")
            .unwrap()
            .unwrap()
            .as_str(),
        "sk-openai-from-dotenv-1"
    );
}

#[test]
fn secrets_that_cannot_move_are_named_with_the_fix() {
    let f = fixture(&[
        (
            "openclaw.json",
            r#"{
              gateway: { auth: { mode: "password", password: { source: "file", id: "gw.pass" } } },
              models: { providers: {
                a: { baseUrl: "http://h/v1", apiKey: "${OC_IMPORT_TEST_UNSET_VAR}" },
                b: { baseUrl: "http://h/v1", apiKey: { source: "exec", provider: "op", id: "x" } },
                c: { baseUrl: "http://h/v1", apiKey: { source: "store", id: "C_KEY" } },
                d: { baseUrl: "${OC_IMPORT_TEST_UNSET_URL}/v1" },
                e: { baseUrl: "http://h/v1", headers: { "x-note": "$${LITERAL}" } },
              } },
            }"#,
        ),
        ("gw.pass", "hunter2-password\n"),
    ]);
    let mut store = vault(&f);
    let r = import_openclaw(&opts(&f, false), Some(&mut store)).unwrap();
    let by = |n: &str| r.secrets.iter().find(|s| s.name == n).unwrap();
    assert_eq!(
        store
            .get("GATEWAY_AUTH_PASSWORD")
            .unwrap()
            .unwrap()
            .as_str(),
        "hunter2-password"
    );
    let a = by("OC_IMPORT_TEST_UNSET_VAR");
    assert!(!a.stored);
    assert!(a.note.contains("not set here"), "{}", a.note);
    let b = by("B_API_KEY");
    assert!(!b.stored && b.note.contains("\"exec\""), "{}", b.note);
    let c = by("C_KEY");
    assert!(c.note.contains("tidepool secrets set C_KEY"), "{}", c.note);
    assert!(
        note(&r.not_carried, "models.providers.d.baseUrl")
            .unwrap()
            .contains("OC_IMPORT_TEST_UNSET_URL")
    );

    let loaded = crate::config::load(&f.state.join("tidepool.json")).unwrap();
    let p = &loaded.config.models.providers;
    assert!(p["b"].api_key.is_none());
    assert_eq!(
        p["e"].headers["x-note"], "${LITERAL}",
        "the literal survives"
    );
    assert!(r.config.contains(r#""source": "env""#));
}

#[test]
fn refuses_to_overwrite_and_reports_missing_or_broken_sources() {
    let f = fixture(&[("openclaw.json", "{ gateway: { port: 1 } }")]);
    std::fs::create_dir_all(&f.state).unwrap();
    std::fs::write(f.state.join("tidepool.json"), "{ gateway: { port: 2 } }").unwrap();
    let e = import_openclaw(&opts(&f, false), None).unwrap_err();
    assert!(matches!(e, ImportError::ConfigExists(_)), "{e}");
    assert!(e.to_string().contains("--replace"));
    assert_eq!(
        std::fs::read_to_string(f.state.join("tidepool.json")).unwrap(),
        "{ gateway: { port: 2 } }"
    );

    let mut o = opts(&f, false);
    o.from = f.oc.join("nope");
    let e = import_openclaw(&o, None).unwrap_err();
    assert!(matches!(e, ImportError::NotFound(_)), "{e}");

    let g = fixture(&[("openclaw.json", "{\n  gateway: { port: 18789,, }\n}")]);
    let e = import_openclaw(&opts(&g, true), None).unwrap_err();
    assert!(e.to_string().contains("openclaw.json:2:"), "{e}");

    let h = fixture(&[(
        "openclaw.json",
        r#"{ models: { providers: { x: { apiKey: "k-123456789" } } } }"#,
    )]);
    let e = import_openclaw(&opts(&h, false), None).unwrap_err();
    assert!(matches!(e, ImportError::NoStore), "{e}");
    assert!(!h.state.join("tidepool.json").exists());
}

#[test]
fn remove_follows_dotted_paths_with_indexes() {
    let mut v = serde_json::json!({"a": {"b": [{"c": 1, "d": 2}]}});
    assert!(map::remove(&mut v, "a.b[0].c"));
    assert_eq!(v, serde_json::json!({"a": {"b": [{"d": 2}]}}));
    assert!(!map::remove(&mut v, "a.b[3]"));
    assert!(!map::remove(&mut v, "a.x.y"));
    assert!(map::remove(&mut v, "a.b[0]"));
    assert!(!map::remove(&mut v, ""));
}

/// The state dir the real OpenClaw 2026.9.6 wrote (tests/fixtures/openclaw/state-2026.9.6),
/// unpacked into a temp dir.
fn real_openclaw_state() -> Fixture {
    use std::io::Read;
    let f = fixture(&[]);
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/openclaw/state-2026.9.6");
    std::fs::create_dir_all(&f.oc).unwrap();
    std::fs::copy(src.join("openclaw.json"), f.oc.join("openclaw.json")).unwrap();
    for gz in [
        "agents/main/agent/openclaw-agent.sqlite.gz",
        "state/openclaw.sqlite.gz",
    ] {
        let mut bytes = Vec::new();
        flate2::read::GzDecoder::new(std::fs::File::open(src.join(gz)).unwrap())
            .read_to_end(&mut bytes)
            .unwrap();
        let out = f.oc.join(gz.trim_end_matches(".gz"));
        std::fs::create_dir_all(out.parent().unwrap()).unwrap();
        std::fs::write(out, bytes).unwrap();
    }
    f
}

#[test]
fn conversations_come_over_in_order_and_the_rest_is_named() {
    let f = real_openclaw_state();
    let before = std::fs::read(f.oc.join("agents/main/agent/openclaw-agent.sqlite")).unwrap();
    let dry = import_openclaw(&opts(&f, true), None).unwrap();
    assert_eq!(dry.conversations.len(), 1, "{:?}", dry.conversations);
    let c = &dry.conversations[0];
    assert_eq!(
        (c.key.as_str(), c.agent_id.as_str()),
        ("agent:main:main", "main")
    );
    assert_eq!(c.messages, 20, "{c:?}");
    assert!(c.skipped > 0 && c.note == "would be carried over", "{c:?}");
    assert!(
        !f.state.join("sessions.sqlite").exists(),
        "a dry run writes nothing"
    );

    let mut store = vault(&f);
    let r = import_openclaw(&opts(&f, false), Some(&mut store)).unwrap();
    assert_eq!(r.conversations[0].note, "carried over");
    // What stays behind is named with counts: the approval history OpenClaw kept.
    assert!(
        r.left_behind
            .iter()
            .any(|i| i.path.starts_with("exec approval records (")),
        "{:?}",
        r.left_behind
    );
    assert_eq!(
        std::fs::read(f.oc.join("agents/main/agent/openclaw-agent.sqlite")).unwrap(),
        before,
        "OpenClaw's files are only read"
    );

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (row, entries) = rt.block_on(async {
        let s = crate::sessions::SessionStore::open(&f.state.join("sessions.sqlite"))
            .await
            .unwrap();
        let row = s.get("agent:main:main").await.unwrap().unwrap();
        let entries = s.history("agent:main:main", 1000).await.unwrap();
        (row, entries)
    });
    assert_eq!(row.message_count, 20);
    assert_eq!(row.model.as_deref(), Some("fake/fake-model"));
    assert_eq!(row.title.as_deref(), Some("hi"));
    let roles: Vec<&str> = entries.iter().filter_map(|e| e.role.as_deref()).collect();
    assert_eq!(&roles[..4], ["user", "assistant", "user", "assistant"]);
    let text = |i: usize| crate::providers::types::text_of(&entries[i].content);
    assert_eq!(text(0), "hi");
    assert_eq!(text(2), "second message");
    // A tool call and its result, paired by id.
    let (call, result) = entries
        .iter()
        .zip(entries.iter().skip(1))
        .find_map(|(a, b)| match (&a.content[..], &b.content[..]) {
            ([Block::ToolUse { id, name, .. }], [Block::ToolResult { tool_use_id, .. }]) => {
                Some(((id.clone(), name.clone()), tool_use_id.clone()))
            }
            _ => None,
        })
        .expect("a tool call followed by its result");
    assert_eq!(call.1, "exec");
    assert_eq!(call.0, result);
    // Times are OpenClaw's, in order.
    assert!(
        entries
            .windows(2)
            .all(|w| w[0].created_at <= w[1].created_at)
    );
    assert!(entries[0].created_at < row.updated_at || entries[0].created_at == row.created_at);

    // Again: nothing is added twice.
    let o = ImportOptions {
        replace: true,
        ..opts(&f, false)
    };
    let again = import_openclaw(&o, Some(&mut vault(&f))).unwrap();
    assert!(
        again.conversations[0].note.contains("already has"),
        "{:?}",
        again.conversations
    );
}

#[test]
fn an_unreadable_agent_database_is_reported_not_fatal() {
    let f = fixture(&[
        ("openclaw.json", "{ gateway: { port: 18789 } }"),
        (
            "agents/main/agent/openclaw-agent.sqlite",
            "this is not a database",
        ),
    ]);
    let r = import_openclaw(&opts(&f, true), None).unwrap();
    assert!(r.conversations.is_empty());
    let problem = r
        .left_behind
        .iter()
        .find(|i| i.path.ends_with("openclaw-agent.sqlite"))
        .expect("named");
    assert!(problem.note.contains("could not be read"), "{problem:?}");
}

#[test]
fn legacy_jsonl_transcripts_come_over_too() {
    let f = fixture(&[
        ("openclaw.json", "{ gateway: { port: 18789 } }"),
        (
            "agents/work/sessions/sessions.json",
            r#"{ "agent:work:main": { "sessionId": "s1", "updatedAt": 1 } }"#,
        ),
        (
            "agents/work/sessions/s1.jsonl",
            concat!(
                r#"{"type":"session","version":3,"id":"s1","timestamp":"2026-01-02T03:04:05.000Z"}"#,
                "\n",
                r#"{"type":"message","timestamp":"2026-01-02T03:04:06.000Z","message":{"role":"user","content":[{"type":"text","text":"old question"}]}}"#,
                "\n",
                "not json\n",
                r#"{"type":"message","timestamp":"2026-01-02T03:04:07.000Z","message":{"role":"assistant","content":[{"type":"text","text":"old answer"}]}}"#,
                "\n",
            ),
        ),
    ]);
    let r = import_openclaw(&opts(&f, false), None).unwrap();
    let c = &r.conversations[0];
    assert_eq!(
        (c.key.as_str(), c.messages, c.skipped),
        ("agent:work:main", 2, 1),
        "{c:?}"
    );
}
