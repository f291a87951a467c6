//! Answers in the caller's dialect: a native response frame or a JSON-RPC 2.0 response.

use super::out::Outbound;
use serde_json::Value;
use tidepool_protocol::ErrorShape;
use tidepool_protocol::error::detail_codes;
use tidepool_protocol::frames::{Frame, ResponseFrame, encode};
use tidepool_protocol::jsonrpc::{JsonRpcError, JsonRpcResponse, codes};

/// How to answer: native response frame or JSON-RPC response.
pub(super) enum Reply {
    Native(String),
    JsonRpc(Option<Value>),
}

pub(super) fn send_reply(
    out: &Outbound,
    redactor: &crate::redact::Redactor,
    reply: &Reply,
    result: Result<Value, ErrorShape>,
) {
    let text = match reply {
        Reply::Native(id) => encode(&Frame::Res(match result {
            Ok(v) => ResponseFrame::ok(id.clone(), v),
            Err(e) => ResponseFrame::err(id.clone(), e),
        })),
        // A notification gets no answer.
        Reply::JsonRpc(None) => return,
        Reply::JsonRpc(Some(id)) => {
            let resp = match result {
                Ok(v) => JsonRpcResponse::result(id.clone(), v),
                Err(e) => JsonRpcResponse::error(id.clone(), json_rpc_error(e)),
            };
            serde_json::to_string(&resp).unwrap_or_default()
        }
    };
    out.send_text(redactor.redact_owned(text));
}

fn json_rpc_error(e: ErrorShape) -> JsonRpcError {
    let code = match (e.code.as_str(), e.detail_code()) {
        (_, Some(detail_codes::UNKNOWN_METHOD)) => codes::METHOD_NOT_FOUND,
        (_, Some(detail_codes::INVALID_PARAMS)) => codes::INVALID_PARAMS,
        (_, Some(detail_codes::INVALID_JSON)) => codes::PARSE_ERROR,
        (_, Some(detail_codes::INVALID_FRAME)) => codes::INVALID_REQUEST,
        (_, Some(c)) if c.starts_with("AUTH_") || c == detail_codes::MISSING_SCOPE => {
            codes::UNAUTHORIZED
        }
        ("UNAVAILABLE", _) => codes::UNAVAILABLE,
        ("FORBIDDEN", _) => codes::UNAUTHORIZED,
        _ => codes::INVALID_REQUEST,
    };
    JsonRpcError {
        code,
        message: e.message.clone(),
        data: serde_json::to_value(&e).ok(),
    }
}
