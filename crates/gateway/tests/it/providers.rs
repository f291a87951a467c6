#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! The providers against the testkit's HTTP fake of the OpenAI and Anthropic APIs, over real
//! HTTP. Every case runs for both wire formats (`openai::*` and `anthropic::*`).

use serde_json::{Value, json};
use std::path::Path;
use std::time::{Duration, Instant};
use tidepool_gateway::config;
use tidepool_gateway::providers::{
    self, Block, Completion, CompletionRequest, Message, Provider, ProviderError, Role, StopReason,
    ToolSpec,
};
use tidepool_testkit::{FakeOptions, FakeProvider, Recorded, Script, ToolCall};
use tokio_util::sync::CancellationToken;

const KEY: &str = "sk-fake-secret-4242";
const WAIT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq)]
enum Api {
    OpenAi,
    Anthropic,
}

impl Api {
    fn wire(self) -> &'static str {
        match self {
            Api::OpenAi => "openai-completions",
            Api::Anthropic => "anthropic-messages",
        }
    }

    fn base_url(self, fake: &FakeProvider) -> String {
        match self {
            Api::OpenAi => fake.openai_base_url(),
            Api::Anthropic => fake.anthropic_base_url(),
        }
    }
}

/// The provider `fake` configured through the config parser, as a user would write it.
fn provider_at(api: Api, base_url: &str, key: &str) -> Provider {
    let text = format!(
        "{{ models: {{ providers: {{ fake: {{ baseUrl: '{base_url}', apiKey: '{key}', api: '{}', \
         models: [{{ id: 'fake-large', contextWindow: 200000 }}] }} }} }} }}",
        api.wire()
    );
    let cfg = config::parse(&text, "t.json").unwrap().config;
    let http = providers::http_client().unwrap();
    providers::resolve(
        &cfg,
        Path::new("."),
        &tidepool_gateway::config::secret::NoStore,
        "fake",
        &http,
    )
    .unwrap()
}

async fn start(api: Api) -> (FakeProvider, Provider) {
    let fake = FakeProvider::start(FakeOptions {
        api_key: Some(KEY.to_owned()),
        ..FakeOptions::default()
    })
    .await
    .unwrap();
    let p = provider_at(api, &api.base_url(&fake), KEY);
    (fake, p)
}

fn request(messages: Vec<Message>) -> CompletionRequest {
    CompletionRequest {
        model: "fake-model".to_owned(),
        system: "You are a test.".to_owned(),
        messages,
        tools: Vec::new(),
        max_tokens: 321,
    }
}

fn hello() -> CompletionRequest {
    request(vec![Message::user_text("hello")])
}

/// Runs one call, collecting the text deltas.
async fn run(
    p: &Provider,
    req: &CompletionRequest,
) -> (Result<Completion, ProviderError>, Vec<String>) {
    let mut deltas = Vec::new();
    let cancel = CancellationToken::new();
    let r = p
        .stream(req, &cancel, &mut |t: &str| deltas.push(t.to_owned()))
        .await;
    (r, deltas)
}

/// The testkit's token estimate (4 characters a token, at least 1).
fn tokens(text: &str) -> u64 {
    (text.chars().count() as u64).div_ceil(4).max(1)
}

fn completion_requests(fake: &FakeProvider) -> Vec<Recorded> {
    fake.requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .collect()
}

fn read_spec() -> ToolSpec {
    ToolSpec {
        name: "read".to_owned(),
        description: "Read a file.".to_owned(),
        input_schema: json!({
            "type": "object",
            "properties": { "path": { "type": "string" } },
            "required": ["path"]
        }),
    }
}

async fn streams_text_deltas_in_order_with_usage(api: Api) {
    let (fake, p) = start(api).await;
    fake.push(Script::text(&["Hel", "lo, ", "wor", "ld!"]));
    let (r, deltas) = run(&p, &hello()).await;
    let c = r.unwrap();
    assert_eq!(deltas, ["Hel", "lo, ", "wor", "ld!"]);
    assert_eq!(
        c.content,
        [Block::Text {
            text: "Hello, world!".to_owned()
        }]
    );
    assert_eq!(c.stop, StopReason::EndTurn);
    let recorded = completion_requests(&fake);
    assert_eq!(recorded.len(), 1);
    let body = &recorded[0].body;
    let prompt = match api {
        Api::OpenAi => body["messages"].to_string(),
        Api::Anthropic => format!("{}{}", body["system"], body["messages"]),
    };
    assert_eq!(c.usage.input, tokens(&prompt), "{:?}", c.usage);
    assert_eq!(c.usage.output, tokens("Hello, world!"), "{:?}", c.usage);
}

async fn tool_calls_come_back_as_tool_use_blocks(api: Api) {
    let (fake, p) = start(api).await;
    let a = json!({ "path": "notes/a.txt", "offset": 2, "limit": 10 });
    let b = json!({ "path": "b.txt", "content": "quote \" brace } ünïcode\nline" });
    fake.push(Script::ToolCalls {
        text: Some("Let me look.".to_owned()),
        calls: vec![
            ToolCall::new("call_a", "read", a.clone()),
            ToolCall::new("call_b", "write", b.clone()),
        ],
    });
    fake.push(Script::ToolCalls {
        text: None,
        calls: vec![ToolCall::new("call_c", "list", json!({}))],
    });
    let (r, deltas) = run(&p, &hello()).await;
    let c = r.unwrap();
    assert_eq!(deltas, ["Let me look."]);
    assert_eq!(
        c.content,
        [
            Block::Text {
                text: "Let me look.".to_owned()
            },
            Block::ToolUse {
                id: "call_a".to_owned(),
                name: "read".to_owned(),
                input: a
            },
            Block::ToolUse {
                id: "call_b".to_owned(),
                name: "write".to_owned(),
                input: b
            },
        ]
    );
    assert_eq!(c.stop, StopReason::ToolUse);
    assert!(c.usage.output > 0);

    let (r, deltas) = run(&p, &hello()).await;
    let c = r.unwrap();
    assert!(deltas.is_empty(), "{deltas:?}");
    assert_eq!(
        c.content,
        [Block::ToolUse {
            id: "call_c".to_owned(),
            name: "list".to_owned(),
            input: json!({})
        }]
    );
    assert_eq!(c.stop, StopReason::ToolUse);
}

/// A conversation with text, two tool calls and their results (one failed).
fn multi_turn() -> CompletionRequest {
    let mut req = request(vec![
        Message::user_text("read a.txt and b.txt"),
        Message {
            role: Role::Assistant,
            content: vec![
                Block::Text {
                    text: "Reading both.".to_owned(),
                },
                Block::ToolUse {
                    id: "call_1".to_owned(),
                    name: "read".to_owned(),
                    input: json!({ "path": "a.txt" }),
                },
                Block::ToolUse {
                    id: "call_2".to_owned(),
                    name: "read".to_owned(),
                    input: json!({ "path": "b.txt" }),
                },
            ],
        },
        Message {
            role: Role::User,
            content: vec![
                Block::ToolResult {
                    tool_use_id: "call_1".to_owned(),
                    content: "contents of a".to_owned(),
                    is_error: false,
                },
                Block::ToolResult {
                    tool_use_id: "call_2".to_owned(),
                    content: "b.txt does not exist".to_owned(),
                    is_error: true,
                },
            ],
        },
    ]);
    req.tools = vec![read_spec()];
    req.max_tokens = 1000;
    req
}

/// The `arguments` strings of OpenAI tool calls parsed, so key order does not matter.
fn parse_arguments(mut messages: Value) -> Value {
    for m in messages.as_array_mut().unwrap() {
        if let Some(calls) = m.get_mut("tool_calls").and_then(Value::as_array_mut) {
            for c in calls {
                let args = c["function"]["arguments"].as_str().unwrap().to_owned();
                c["function"]["arguments"] = serde_json::from_str(&args).unwrap();
            }
        }
    }
    messages
}

async fn request_carries_auth_system_tools_and_conversation(api: Api) {
    let (fake, p) = start(api).await;
    fake.push(Script::text(&["ok"]));
    let (r, _) = run(&p, &multi_turn()).await;
    r.unwrap();
    let recorded = fake.wait_requests(1, WAIT).await;
    assert_eq!(recorded.len(), 1);
    let rec = &recorded[0];
    let body = &rec.body;
    assert_eq!(rec.method, "POST");
    assert_eq!(body["model"], "fake-model");
    assert_eq!(body["stream"], true);
    match api {
        Api::OpenAi => {
            assert_eq!(rec.path, "/v1/chat/completions");
            assert_eq!(rec.header("authorization"), Some(&*format!("Bearer {KEY}")));
            assert_eq!(rec.header("x-api-key"), None);
            assert_eq!(body["stream_options"]["include_usage"], true);
            assert_eq!(
                body["tools"],
                json!([{ "type": "function", "function": {
                    "name": "read", "description": "Read a file.",
                    "parameters": read_spec().input_schema,
                } }])
            );
            let want = json!([
                { "role": "system", "content": "You are a test." },
                { "role": "user", "content": "read a.txt and b.txt" },
                { "role": "assistant", "content": "Reading both.", "tool_calls": [
                    { "id": "call_1", "type": "function",
                      "function": { "name": "read", "arguments": { "path": "a.txt" } } },
                    { "id": "call_2", "type": "function",
                      "function": { "name": "read", "arguments": { "path": "b.txt" } } },
                ] },
                { "role": "tool", "tool_call_id": "call_1", "content": "contents of a" },
                { "role": "tool", "tool_call_id": "call_2", "content": "Error: b.txt does not exist" },
            ]);
            assert_eq!(parse_arguments(body["messages"].clone()), want);
        }
        Api::Anthropic => {
            assert_eq!(rec.path, "/v1/messages");
            assert_eq!(rec.header("x-api-key"), Some(KEY));
            assert_eq!(rec.header("anthropic-version"), Some("2023-06-01"));
            assert_eq!(rec.header("authorization"), None);
            assert_eq!(body["system"], "You are a test.");
            assert_eq!(body["max_tokens"], 1000);
            assert_eq!(
                body["tools"],
                json!([{ "name": "read", "description": "Read a file.",
                         "input_schema": read_spec().input_schema }])
            );
            let want = json!([
                { "role": "user", "content": [{ "type": "text", "text": "read a.txt and b.txt" }] },
                { "role": "assistant", "content": [
                    { "type": "text", "text": "Reading both." },
                    { "type": "tool_use", "id": "call_1", "name": "read", "input": { "path": "a.txt" } },
                    { "type": "tool_use", "id": "call_2", "name": "read", "input": { "path": "b.txt" } },
                ] },
                { "role": "user", "content": [
                    { "type": "tool_result", "tool_use_id": "call_1",
                      "content": "contents of a", "is_error": false },
                    { "type": "tool_result", "tool_use_id": "call_2",
                      "content": "b.txt does not exist", "is_error": true },
                ] },
            ]);
            assert_eq!(body["messages"], want);
        }
    }
}

async fn max_tokens_zero_means_provider_default(api: Api) {
    let (fake, p) = start(api).await;
    let mut req = hello();
    req.max_tokens = 0;
    let (r, _) = run(&p, &req).await;
    assert!(r.is_ok(), "{r:?}");
    let body = &completion_requests(&fake)[0].body;
    match api {
        // Anthropic requires max_tokens; OpenAI-compatible servers pick their own.
        Api::Anthropic => assert!(body["max_tokens"].as_u64().unwrap() > 0, "{body}"),
        Api::OpenAi => assert!(body.get("max_tokens").is_none(), "{body}"),
    }
}

async fn list_models_returns_the_fakes_models(api: Api) {
    let (fake, p) = start(api).await;
    let models = p.list_models().await.unwrap();
    let ids: Vec<&str> = models.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["fake-model", "fake-large"]);
    assert!(models.iter().all(|m| m.provider == "fake"), "{models:?}");
    let names: Vec<&str> = models.iter().map(|m| m.name.as_str()).collect();
    match api {
        Api::OpenAi => assert_eq!(names, ["fake-model", "fake-large"]),
        Api::Anthropic => assert_eq!(names, ["Fake Model", "Fake Large"]),
    }
    // The context window comes from the config's model entry.
    assert_eq!(models[0].context_window, None);
    assert_eq!(models[1].context_window, Some(200_000));
    let rec = &fake.requests()[0];
    assert_eq!(
        (rec.method.as_str(), rec.path.as_str()),
        ("GET", "/v1/models")
    );
    match api {
        Api::OpenAi => assert_eq!(rec.header("authorization"), Some(&*format!("Bearer {KEY}"))),
        Api::Anthropic => {
            assert_eq!(rec.header("x-api-key"), Some(KEY));
            assert!(rec.header("anthropic-version").is_some());
        }
    }
}

#[tokio::test]
async fn anthropic_base_url_may_end_in_v1() {
    let fake = FakeProvider::start(FakeOptions::default()).await.unwrap();
    let base = format!("{}/v1/", fake.anthropic_base_url());
    let p = provider_at(Api::Anthropic, &base, KEY);
    fake.push(Script::text(&["fine"]));
    let (r, _) = run(&p, &hello()).await;
    assert_eq!(
        r.unwrap().content[0],
        Block::Text {
            text: "fine".to_owned()
        }
    );
    assert_eq!(p.list_models().await.unwrap().len(), 2);
    let paths: Vec<String> = fake.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/v1/messages", "/v1/models"]);
}

#[tokio::test]
async fn openai_itself_gets_max_completion_tokens_compatible_servers_max_tokens() {
    let fake = FakeProvider::start(FakeOptions::default()).await.unwrap();
    let base = fake.openai_base_url();
    let cfg = config::parse(
        &format!("{{ models: {{ providers: {{ openai: {{ baseUrl: '{base}', apiKey: 'k' }}, local: {{ baseUrl: '{base}', api: 'openai-completions' }} }} }} }}"),
        "t.json",
    )
    .unwrap()
    .config;
    let http = providers::http_client().unwrap();
    let mut req = hello();
    req.max_tokens = 700;
    for id in ["openai", "local"] {
        fake.push(Script::text(&["ok"]));
        let p = providers::resolve(
            &cfg,
            Path::new("."),
            &tidepool_gateway::config::secret::NoStore,
            id,
            &http,
        )
        .unwrap();
        assert!(run(&p, &req).await.0.is_ok());
    }
    let bodies: Vec<Value> = completion_requests(&fake)
        .into_iter()
        .map(|r| r.body)
        .collect();
    assert_eq!(bodies[0]["max_completion_tokens"], 700, "{}", bodies[0]);
    assert!(bodies[0].get("max_tokens").is_none());
    assert_eq!(bodies[1]["max_tokens"], 700, "{}", bodies[1]);
    assert!(bodies[1].get("max_completion_tokens").is_none());
}

/// Generates `openai::NAME` and `anthropic::NAME` tests calling `NAME(api)`.
macro_rules! both_apis {
    ($($name:ident),* $(,)?) => {
        mod openai {
            $(#[tokio::test]
            async fn $name() {
                super::$name(super::Api::OpenAi).await;
            })*
        }
        mod anthropic {
            $(#[tokio::test]
            async fn $name() {
                super::$name(super::Api::Anthropic).await;
            })*
        }
    };
}

mod errors;

both_apis!(
    streams_text_deltas_in_order_with_usage,
    tool_calls_come_back_as_tool_use_blocks,
    request_carries_auth_system_tools_and_conversation,
    max_tokens_zero_means_provider_default,
    list_models_returns_the_fakes_models,
);
