//! OpenAI Chat Completions: `POST /v1/chat/completions`, `GET /v1/models`.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use serde_json::Value;

use crate::conversation::{split, tokens};
use crate::json::{J, obj};
use crate::stream::{self, Step};
use crate::{Api, Plan, Shared, ToolCall, now_secs, respond};

const FINGERPRINT: &str = "fp_fake0001";
const SSE: &str = "text/event-stream; charset=utf-8";
const JSON: &str = "application/json";

/// An error in OpenAI's shape: `{"error":{"message","type","param","code"}}`.
pub(crate) fn error(
    shared: &Shared,
    status: u16,
    message: &str,
    kind: &str,
    code: Option<&str>,
    retry_after: Option<u64>,
) -> Response {
    let body = obj! {"error" => obj! {
        "message" => message, "type" => kind, "param" => J::Null, "code" => code,
    }};
    let mut headers = vec![
        ("content-type", JSON.to_owned()),
        ("x-request-id", format!("req_fake{}", shared.next_seq())),
    ];
    if let Some(secs) = retry_after {
        headers.push(("retry-after", secs.to_string()));
    }
    respond(status, &headers, Body::from(body.render()))
}

/// The `type` and `code` OpenAI uses for an error status.
fn kind_of(status: u16) -> (&'static str, Option<&'static str>) {
    match status {
        401 => ("invalid_request_error", Some("invalid_api_key")),
        404 => ("invalid_request_error", Some("model_not_found")),
        429 => ("requests", Some("rate_limit_exceeded")),
        500..=599 => ("server_error", None),
        _ => ("invalid_request_error", None),
    }
}

/// The 401 for a missing or wrong key, `None` if the key is fine.
fn auth(shared: &Shared, headers: &HeaderMap) -> Option<Response> {
    let given = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    match shared.check_key(given) {
        Ok(()) => None,
        Err(false) => Some(error(
            shared,
            401,
            "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
            "invalid_request_error",
            None,
            None,
        )),
        Err(true) => Some(error(
            shared,
            401,
            "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.",
            "invalid_request_error",
            Some("invalid_api_key"),
            None,
        )),
    }
}

/// `GET /v1/models`.
pub(crate) fn models(shared: &Shared, headers: &HeaderMap) -> Response {
    if let Some(refused) = auth(shared, headers) {
        return refused;
    }
    let data = shared
        .opts
        .models
        .iter()
        .map(|id| obj! {"id" => id, "object" => "model", "created" => 1_700_000_000u64, "owned_by" => "tidepool-fake"})
        .collect::<Vec<_>>();
    let body = obj! {"object" => "list", "data" => data};
    respond(
        200,
        &[("content-type", JSON.to_owned())],
        Body::from(body.render()),
    )
}

/// Fields of one reply shared by all its chunks.
struct Ctx {
    id: String,
    created: u64,
    model: String,
    include_usage: bool,
    prompt_tokens: u64,
    completion_tokens: u64,
}

impl Ctx {
    fn usage(&self) -> J {
        obj! {
            "prompt_tokens" => self.prompt_tokens,
            "completion_tokens" => self.completion_tokens,
            "total_tokens" => self.prompt_tokens + self.completion_tokens,
            "prompt_tokens_details" => obj! {"cached_tokens" => 0u64},
            "completion_tokens_details" => obj! {"reasoning_tokens" => 0u64},
        }
    }

    /// A `data: {chat.completion.chunk}` line with one choice.
    fn chunk(&self, delta: J, finish: Option<&str>) -> Step {
        let choice = obj! {"index" => 0u64, "delta" => delta, "logprobs" => J::Null, "finish_reason" => finish};
        self.frame(vec![choice], J::Null)
    }

    fn frame(&self, choices: Vec<J>, usage: J) -> Step {
        let mut fields = vec![
            ("id", J::from(&self.id)),
            ("object", J::from("chat.completion.chunk")),
            ("created", J::from(self.created)),
            ("model", J::from(&self.model)),
            ("system_fingerprint", J::from(FINGERPRINT)),
            ("choices", J::Arr(choices)),
        ];
        if self.include_usage {
            fields.push(("usage", usage));
        }
        Step::Send(format!("data: {}\n\n", J::Obj(fields).render()))
    }
}

/// `POST /v1/chat/completions`.
pub(crate) async fn chat(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let json = shared.record(&method, &uri, &headers, &body);
    if let Some(refused) = auth(&shared, &headers) {
        return refused;
    }
    if !json.is_object() {
        let message = "We could not parse the JSON body of your request. The OpenAI API expects a JSON payload.";
        return error(&shared, 400, message, "invalid_request_error", None, None);
    }
    let Some(model) = json.get("model").and_then(Value::as_str) else {
        return error(
            &shared,
            400,
            "you must provide a model parameter",
            "invalid_request_error",
            None,
            None,
        );
    };
    if json.get("messages").and_then(Value::as_array).is_none() {
        let message = "Missing required parameter: 'messages'.";
        return error(
            &shared,
            400,
            message,
            "invalid_request_error",
            Some("missing_required_parameter"),
            None,
        );
    }
    if !shared.opts.models.iter().any(|m| m == model) {
        let message =
            format!("The model `{model}` does not exist or you do not have access to it.");
        return error(
            &shared,
            404,
            &message,
            "invalid_request_error",
            Some("model_not_found"),
            None,
        );
    }
    let streaming = json.get("stream").and_then(Value::as_bool).unwrap_or(false);
    let plan = shared.plan(Api::OpenAi, &json);
    let (text, calls) = match &plan {
        Plan::Status {
            status,
            retry_after,
            message,
        } => {
            let (kind, code) = kind_of(*status);
            // Like proxies that echo what they were sent: `{authorization}` is the request's
            // Authorization header.
            let auth = headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            let message = message.replace("{authorization}", auth);
            return error(&shared, *status, &message, kind, code, *retry_after);
        }
        Plan::Reply { text, calls, .. } => (text.concat(), calls.as_slice()),
        Plan::Cut { text } => (text.concat(), &[][..]),
        Plan::Malformed => (String::new(), &[][..]),
    };
    let args: String = calls.iter().map(|c| c.arguments.to_string()).collect();
    let ctx = Ctx {
        id: format!("chatcmpl-fake{}", shared.next_seq()),
        created: now_secs(),
        model: model.to_owned(),
        include_usage: streaming
            && json
                .pointer("/stream_options/include_usage")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        prompt_tokens: tokens(
            &json
                .get("messages")
                .map(Value::to_string)
                .unwrap_or_default(),
        ),
        completion_tokens: tokens(&format!("{text}{args}")),
    };
    let (steps, content_type) = if streaming {
        (stream_steps(&ctx, plan), SSE)
    } else {
        (full_steps(&ctx, plan), JSON)
    };
    let headers = [
        ("content-type", content_type.to_owned()),
        ("cache-control", "no-cache".to_owned()),
        ("x-request-id", format!("req_fake{}", shared.next_seq())),
    ];
    respond(
        200,
        &headers,
        stream::body(steps, Arc::clone(&shared.holds)),
    )
}

/// The SSE frames of a reply.
fn stream_steps(ctx: &Ctx, plan: Plan) -> Vec<Step> {
    let mut steps = Vec::new();
    let role = || obj! {"role" => "assistant", "content" => "", "refusal" => J::Null};
    let content = |c: &String| obj! {"content" => c};
    match plan {
        Plan::Status { .. } => {}
        Plan::Malformed => {
            steps.push(ctx.chunk(role(), None));
            let broken = format!(
                "{{\"id\":\"{}\",\"object\":\"chat.completion.chunk\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":",
                ctx.id
            );
            steps.push(Step::Send(format!("data: {broken}\n\n")));
            steps.push(Step::Send("data: [DONE]\n\n".to_owned()));
        }
        Plan::Cut { text } => {
            steps.push(ctx.chunk(role(), None));
            steps.extend(text.iter().map(|c| ctx.chunk(content(c), None)));
            steps.push(Step::Cut);
        }
        Plan::Reply { text, calls, hold } => {
            let with_text = !text.is_empty() || calls.is_empty();
            if with_text {
                steps.push(ctx.chunk(role(), None));
            }
            steps.extend(text.iter().map(|c| ctx.chunk(content(c), None)));
            if hold {
                steps.push(Step::Hold);
            }
            for (index, call) in calls.iter().enumerate() {
                let index = index as u64;
                let start = obj! {
                    "index" => index, "id" => &call.id, "type" => "function",
                    "function" => obj! {"name" => &call.name, "arguments" => ""},
                };
                let first = if index == 0 && !with_text {
                    obj! {"role" => "assistant", "content" => J::Null, "tool_calls" => vec![start]}
                } else {
                    obj! {"tool_calls" => vec![start]}
                };
                steps.push(ctx.chunk(first, None));
                for fragment in split(&call.arguments.to_string(), 3) {
                    let part =
                        obj! {"index" => index, "function" => obj! {"arguments" => fragment}};
                    steps.push(ctx.chunk(obj! {"tool_calls" => vec![part]}, None));
                }
            }
            let finish = if calls.is_empty() {
                "stop"
            } else {
                "tool_calls"
            };
            steps.push(ctx.chunk(J::Obj(Vec::new()), Some(finish)));
            if ctx.include_usage {
                steps.push(ctx.frame(Vec::new(), ctx.usage()));
            }
            steps.push(Step::Send("data: [DONE]\n\n".to_owned()));
        }
    }
    steps
}

/// The one JSON body of a non-streaming reply.
fn full_steps(ctx: &Ctx, plan: Plan) -> Vec<Step> {
    match plan {
        Plan::Status { .. } => Vec::new(),
        Plan::Malformed => {
            vec![Step::Send(format!(
                "{{\"id\":\"{}\",\"object\":\"chat.completion\",\"choices\":[{{",
                ctx.id
            ))]
        }
        Plan::Cut { text } => {
            let full = completion(ctx, &text.concat(), &[]);
            let half: String = full.chars().take(full.chars().count() / 2).collect();
            vec![Step::Send(half), Step::Cut]
        }
        Plan::Reply { text, calls, hold } => {
            let mut steps = Vec::new();
            if hold {
                steps.push(Step::Hold);
            }
            steps.push(Step::Send(completion(ctx, &text.concat(), &calls)));
            steps
        }
    }
}

/// A `chat.completion` object.
fn completion(ctx: &Ctx, text: &str, calls: &[ToolCall]) -> String {
    let content = if text.is_empty() && !calls.is_empty() {
        J::Null
    } else {
        J::from(text)
    };
    let mut message = vec![
        ("role", J::from("assistant")),
        ("content", content),
        ("refusal", J::Null),
    ];
    if !calls.is_empty() {
        let calls = calls
            .iter()
            .map(|c| {
                obj! {"id" => &c.id, "type" => "function", "function" => obj! {
                    "name" => &c.name, "arguments" => c.arguments.to_string(),
                }}
            })
            .collect::<Vec<_>>();
        message.push(("tool_calls", J::Arr(calls)));
    }
    message.push(("annotations", J::Arr(Vec::new())));
    let finish = if calls.is_empty() {
        "stop"
    } else {
        "tool_calls"
    };
    let body = obj! {
        "id" => &ctx.id,
        "object" => "chat.completion",
        "created" => ctx.created,
        "model" => &ctx.model,
        "choices" => vec![obj! {
            "index" => 0u64, "message" => J::Obj(message), "logprobs" => J::Null, "finish_reason" => finish,
        }],
        "usage" => ctx.usage(),
        "service_tier" => "default",
        "system_fingerprint" => FINGERPRINT,
    };
    body.render()
}
