//! The method registry: each method's required scope and handler. Native frames and JSON-RPC
//! requests are both served from here.

use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use tidepool_protocol::contract::Method as Descriptor;
use tidepool_protocol::error::detail_codes;
use tidepool_protocol::{ErrorCode, ErrorShape, Scope};

/// Sends an early response with the request's id before the final one (OpenClaw's `agent`
/// answers `accepted` at once and its result when the run ends).
#[derive(Clone)]
pub struct Interim(pub Arc<dyn Fn(Value) + Send + Sync>);

impl std::fmt::Debug for Interim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Interim")
    }
}

/// What a handler knows about its caller.
#[derive(Debug, Clone)]
pub struct CallCtx {
    /// Connection id.
    pub conn_id: String,
    /// Granted scopes.
    pub scopes: Vec<Scope>,
    /// Set for native frames (a JSON-RPC request gets exactly one response).
    pub interim: Option<Interim>,
}

impl CallCtx {
    /// Sends `v` as an early response; false when the caller's dialect has none.
    pub fn accept(&self, v: Value) -> bool {
        match &self.interim {
            Some(i) => {
                (i.0)(v);
                true
            }
            None => false,
        }
    }

    /// Whether the caller holds `scope`.
    pub fn has(&self, scope: Scope) -> bool {
        self.scopes.iter().any(|s| s.satisfies(scope))
    }
}

/// A boxed handler future.
pub type HandlerFuture = Pin<Box<dyn Future<Output = Result<Value, ErrorShape>> + Send>>;
type Handler<S> = Arc<dyn Fn(Arc<S>, CallCtx, Value) -> HandlerFuture + Send + Sync>;

struct Method<S> {
    scope: Scope,
    handler: Handler<S>,
}

/// Methods by name; each handler receives the state `S` the server was started with.
pub struct Registry<S> {
    methods: BTreeMap<&'static str, Method<S>>,
}

impl<S> Default for Registry<S> {
    fn default() -> Self {
        Registry {
            methods: BTreeMap::new(),
        }
    }
}

impl<S> std::fmt::Debug for Registry<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.methods.keys()).finish()
    }
}

/// How a dispatch failed before the handler ran.
#[derive(Debug)]
pub enum Refusal {
    /// No such method.
    Unknown,
    /// The caller lacks the scope.
    MissingScope(Scope),
}

impl<S: Send + Sync + 'static> Registry<S> {
    /// Adds a method that needs `scope` (every method comes in through its descriptor:
    /// [`Registry::method`] or [`Registry::method_raw`]).
    fn add<F, Fut>(&mut self, name: &'static str, scope: Scope, f: F)
    where
        F: Fn(Arc<S>, CallCtx, Value) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Value, ErrorShape>> + Send + 'static,
    {
        let handler: Handler<S> = Arc::new(move |s, c, p| Box::pin(f(s, c, p)));
        self.methods.insert(name, Method { scope, handler });
    }

    /// Adds the handler of method `M` (name and scope from its descriptor): params are parsed
    /// as `M::Params`, naming the bad field, and the answer is `M::Result`.
    pub fn method<M, F, Fut>(&mut self, f: F)
    where
        M: Descriptor,
        F: Fn(Arc<S>, CallCtx, M::Params) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<M::Result, ErrorShape>> + Send + 'static,
    {
        let f = Arc::new(f);
        self.add(M::NAME, M::SCOPE, move |s, c, p| {
            let f = f.clone();
            async move {
                let params = parse_params::<M::Params>(M::NAME, p)?;
                let result = f(s, c, params).await?;
                serde_json::to_value(result).map_err(|e| {
                    ErrorShape::new(
                        ErrorCode::Unavailable,
                        format!("cannot encode the {} result: {e}", M::NAME),
                    )
                })
            }
        });
    }

    /// Adds the handler of method `M` (name and scope from its descriptor) that reads its raw
    /// params and answers more than `M::Result` holds (OpenClaw's loose or richer forms; the
    /// contract tests check the answer still decodes as `M::Result`).
    pub fn method_raw<M, F, Fut>(&mut self, f: F)
    where
        M: Descriptor,
        F: Fn(Arc<S>, CallCtx, Value) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Value, ErrorShape>> + Send + 'static,
    {
        self.add(M::NAME, M::SCOPE, f);
    }

    /// Method names, sorted.
    pub fn names(&self) -> Vec<String> {
        self.methods.keys().map(|k| (*k).to_owned()).collect()
    }

    /// Looks up a method and checks the caller's scopes; returns the future to run.
    pub fn prepare(
        &self,
        shared: Arc<S>,
        name: &str,
        ctx: CallCtx,
        params: Value,
    ) -> Result<HandlerFuture, Refusal> {
        let method = self.methods.get(name).ok_or(Refusal::Unknown)?;
        if !ctx.scopes.iter().any(|s| s.satisfies(method.scope)) {
            return Err(Refusal::MissingScope(method.scope));
        }
        Ok((method.handler)(shared, ctx, params))
    }
}

impl Refusal {
    /// The error to send back.
    pub fn to_error(&self, method: &str) -> ErrorShape {
        match self {
            Refusal::Unknown => ErrorShape::new(
                ErrorCode::InvalidRequest,
                format!("unknown method: {method} (see hello-ok features.methods for what this gateway implements)"),
            )
            .with_detail_code(detail_codes::UNKNOWN_METHOD),
            Refusal::MissingScope(scope) => ErrorShape::new(
                ErrorCode::Forbidden,
                format!("missing scope: {scope} (reconnect requesting {scope} to call {method})"),
            )
            .with_details(serde_json::json!({
                "code": detail_codes::MISSING_SCOPE,
                "missingScope": scope.as_str(),
                "requiredScopes": [scope.as_str()],
            })),
        }
    }
}

/// Parses method params (absent or null means `{}`), naming the bad field in the error.
pub fn parse_params<T: DeserializeOwned>(method: &str, params: Value) -> Result<T, ErrorShape> {
    let params = match params {
        Value::Null => Value::Object(Default::default()),
        v @ Value::Object(_) => v,
        other => {
            let kind = match other {
                Value::Array(_) => "an array",
                Value::String(_) => "a string",
                Value::Number(_) => "a number",
                _ => "a boolean",
            };
            return Err(invalid_params(
                method,
                format!("params must be an object, got {kind}"),
            ));
        }
    };
    serde_path_to_error::deserialize(params).map_err(|e| {
        let path = e.path().to_string();
        let at = if path == "." {
            "params".to_owned()
        } else {
            format!("params.{path}")
        };
        ErrorShape::new(
            ErrorCode::InvalidRequest,
            format!("invalid {method} params: {at}: {}", e.inner()),
        )
        .with_detail_code(detail_codes::INVALID_PARAMS)
    })
}

/// An invalid-params error with a message.
pub fn invalid_params(method: &str, message: impl std::fmt::Display) -> ErrorShape {
    ErrorShape::new(
        ErrorCode::InvalidRequest,
        format!("invalid {method} params: {message}"),
    )
    .with_detail_code(detail_codes::INVALID_PARAMS)
}
