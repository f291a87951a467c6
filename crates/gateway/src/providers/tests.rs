use super::*;
use crate::config::parse;

fn provider(id: &str, text: &str) -> Result<Provider, ProviderError> {
    let cfg = parse(text, "t.json").unwrap().config;
    resolve(
        &cfg,
        Path::new("."),
        &crate::config::secret::NoStore,
        id,
        &http_client().unwrap(),
    )
}

#[test]
fn model_refs_need_a_provider() {
    assert_eq!(
        split_model_ref("local/org/model").unwrap(),
        ("local", "org/model")
    );
    for bad in ["gpt-4o", "/x", "x/", ""] {
        let e = split_model_ref(bad).unwrap_err().to_string();
        assert!(e.contains("provider/model-id"), "{bad}: {e}");
    }
}

#[test]
fn providers_resolve_from_config_and_built_ins() {
    let p = provider(
        "local",
        "{ models: { providers: { local: { baseUrl: 'http://127.0.0.1:9/v1/', apiKey: 'sk-local', api: 'openai-completions' } } } }",
    )
    .unwrap();
    assert_eq!(p.base_url, "http://127.0.0.1:9/v1");
    assert!(!format!("{p:?}").contains("sk-local"), "{p:?}");
    let o = provider("ollama", "{}").unwrap();
    assert_eq!(o.base_url, "http://127.0.0.1:11434/v1");
    let e = provider("nope", "{}").unwrap_err().to_string();
    assert!(
        e.contains("unknown provider \"nope\"") && e.contains("models.providers.nope"),
        "{e}"
    );
    let e = provider(
        "x",
        "{ models: { providers: { x: { api: 'openai-completions' } } } }",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("models.providers.x.baseUrl is missing"), "{e}");
    let e = provider(
        "x",
        "{ models: { providers: { x: { baseUrl: 'http://h', api: 'openai-responses' } } } }",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("not supported by Tidepool yet"), "{e}");
    let e = provider(
        "x",
        "{ models: { providers: { x: { baseUrl: 'http://h', apiKey: { source: 'env', id: 'TIDEPOOL_TEST_UNSET_KEY' } } } } }",
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("models.providers.x.apiKey") && e.contains("TIDEPOOL_TEST_UNSET_KEY"),
        "{e}"
    );
}

#[test]
fn error_statuses_map_to_actionable_errors_without_the_key() {
    let p = provider(
        "local",
        "{ models: { providers: { local: { baseUrl: 'http://h/v1', apiKey: 'sk-secret-123' } } } }",
    )
    .unwrap();
    let cases: &[(u16, &str, &str)] = &[
        (
            401,
            r#"{"error":{"message":"Incorrect API key provided: sk-secret-123","type":"invalid_request_error","code":"invalid_api_key"}}"#,
            "refused the API key",
        ),
        (
            404,
            r#"{"type":"error","error":{"type":"not_found_error","message":"model: x"}}"#,
            "has no model",
        ),
        (429, r#"{"error":{"message":"slow down"}}"#, "rate limiting"),
        (500, "", "HTTP 500"),
        (400, "plain words", "plain words"),
    ];
    for (status, body, want) in cases {
        let e = p.status_error(*status, Some(Duration::from_secs(3)), body);
        let s = e.to_string();
        assert!(s.contains(want), "{status}: {s}");
        assert!(!s.contains("sk-secret-123"), "{status}: key leaked: {s}");
    }
    assert!(p.status_error(429, None, "").is_retryable());
    assert!(p.status_error(503, None, "").is_retryable());
    assert!(!p.status_error(401, None, "").is_retryable());
    assert!(!p.status_error(404, None, "").is_retryable());
}
