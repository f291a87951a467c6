//! Failures: HTTP error statuses, retries, broken streams, cancellation, no server.

use super::*;

async fn wrong_key_is_auth_error_without_the_key(api: Api) {
    let (fake, _) = start(api).await;
    let wrong = "sk-wrong-key-9999";
    let p = provider_at(api, &api.base_url(&fake), wrong);
    let (r, deltas) = run(&p, &hello()).await;
    let e = r.unwrap_err();
    assert!(matches!(e, ProviderError::Auth { .. }), "{e:?}");
    assert_eq!(e.kind(), "auth");
    for shown in [e.to_string(), format!("{e:?}")] {
        assert!(!shown.contains(wrong) && !shown.contains(KEY), "{shown}");
    }
    assert!(deltas.is_empty());
    assert_eq!(fake.requests().len(), 1, "an auth error is not retried");
    let listed = p.list_models().await.unwrap_err();
    assert!(matches!(listed, ProviderError::Auth { .. }), "{listed:?}");
}

async fn unknown_model_is_model_not_found(api: Api) {
    let (fake, p) = start(api).await;
    let mut req = hello();
    req.model = "no-such-model".to_owned();
    let e = run(&p, &req).await.0.unwrap_err();
    match &e {
        ProviderError::ModelNotFound { model, .. } => assert_eq!(model, "no-such-model"),
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains("\"no-such-model\""), "{e}");
    assert_eq!(fake.requests().len(), 1);
}

async fn rate_limit_with_retry_after_is_waited_out(api: Api) {
    let (fake, p) = start(api).await;
    fake.push(Script::Status {
        status: 429,
        retry_after: Some(1),
        message: "slow down".to_owned(),
    });
    fake.push(Script::text(&["after ", "the wait"]));
    let t0 = Instant::now();
    let (r, deltas) = run(&p, &hello()).await;
    let waited = t0.elapsed();
    assert_eq!(
        r.unwrap().content[0],
        Block::Text {
            text: "after the wait".to_owned()
        }
    );
    assert_eq!(deltas, ["after ", "the wait"]);
    assert_eq!(completion_requests(&fake).len(), 2);
    assert!(
        waited >= Duration::from_millis(990),
        "retried after {waited:?}"
    );
    assert!(waited < Duration::from_secs(4), "retried after {waited:?}");
}

async fn rate_limit_longer_than_max_wait_fails_at_once(api: Api) {
    let (fake, mut p) = start(api).await;
    p.max_retry_wait = Duration::from_secs(2);
    fake.push(Script::Status {
        status: 429,
        retry_after: Some(30),
        message: "slow down".to_owned(),
    });
    fake.push(Script::text(&["never"]));
    let t0 = Instant::now();
    let e = run(&p, &hello()).await.0.unwrap_err();
    assert!(t0.elapsed() < Duration::from_secs(1), "{:?}", t0.elapsed());
    match &e {
        ProviderError::RateLimited {
            retry_after,
            message,
            ..
        } => {
            assert_eq!(*retry_after, Some(Duration::from_secs(30)));
            assert!(message.contains("slow down"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains("try again in 30 s"), "{e}");
    assert_eq!(completion_requests(&fake).len(), 1);
}

async fn server_errors_are_retried_until_success(api: Api) {
    let (fake, mut p) = start(api).await;
    p.max_retries = 2;
    fake.push(Script::status(500, "boom"));
    fake.push(Script::status(503, "busy"));
    fake.push(Script::text(&["third ", "time"]));
    let (r, deltas) = run(&p, &hello()).await;
    assert_eq!(
        r.unwrap().content[0],
        Block::Text {
            text: "third time".to_owned()
        }
    );
    assert_eq!(deltas, ["third ", "time"]);
    assert_eq!(completion_requests(&fake).len(), 3);
}

async fn server_errors_beyond_max_retries_fail(api: Api) {
    let (fake, mut p) = start(api).await;
    p.max_retries = 1;
    fake.push(Script::status(500, "boom one"));
    fake.push(Script::status(502, "boom two"));
    // Would succeed if a third attempt were made.
    fake.push(Script::text(&["too late"]));
    let e = run(&p, &hello()).await.0.unwrap_err();
    match &e {
        ProviderError::Server {
            status, message, ..
        } => {
            assert_eq!(*status, 502);
            assert!(message.contains("boom two"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(e.kind(), "provider_error");
    assert_eq!(completion_requests(&fake).len(), 2);
}

async fn cut_stream_is_protocol_error_and_not_retried(api: Api) {
    let (fake, p) = start(api).await;
    fake.push(Script::CutAfter {
        chunks: vec!["part".to_owned(), "ial".to_owned()],
    });
    fake.push(Script::text(&["retried"]));
    let (r, deltas) = run(&p, &hello()).await;
    let e = r.unwrap_err();
    assert!(matches!(e, ProviderError::Protocol { .. }), "{e:?}");
    assert_eq!(deltas, ["part", "ial"]);
    assert_eq!(completion_requests(&fake).len(), 1);
}

async fn malformed_stream_is_protocol_error(api: Api) {
    let (fake, p) = start(api).await;
    fake.push(Script::Malformed);
    let e = run(&p, &hello()).await.0.unwrap_err();
    assert!(matches!(e, ProviderError::Protocol { .. }), "{e:?}");
    assert!(e.to_string().contains("not JSON"), "{e}");
    assert_eq!(completion_requests(&fake).len(), 1);
}

async fn cancelling_a_held_stream_is_prompt(api: Api) {
    let (fake, p) = start(api).await;
    fake.push(Script::Hold {
        chunks: vec!["wait".to_owned(), "ing".to_owned()],
    });
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let cancel = CancellationToken::new();
    let task = {
        let cancel = cancel.clone();
        let req = hello();
        tokio::spawn(async move {
            let mut on_text = move |t: &str| {
                let _ = tx.send(t.to_owned());
            };
            p.stream(&req, &cancel, &mut on_text).await
        })
    };
    // Ready signal: both deltas arrived, so the stream sits at its hold.
    let mut seen = String::new();
    while seen != "waiting" {
        let d = tokio::time::timeout(WAIT, rx.recv())
            .await
            .unwrap()
            .unwrap();
        seen.push_str(&d);
    }
    let t0 = Instant::now();
    cancel.cancel();
    let r = tokio::time::timeout(WAIT, task).await.unwrap().unwrap();
    assert!(t0.elapsed() < Duration::from_secs(1), "{:?}", t0.elapsed());
    assert!(matches!(r, Err(ProviderError::Cancelled)), "{r:?}");
    assert_eq!(fake.requests().len(), 1);
}

async fn unreachable_base_url_fails_after_retries(api: Api) {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let base = match api {
        Api::OpenAi => format!("http://127.0.0.1:{port}/v1"),
        Api::Anthropic => format!("http://127.0.0.1:{port}"),
    };
    let mut p = provider_at(api, &base, KEY);
    p.max_retries = 1;
    let t0 = Instant::now();
    let e = run(&p, &hello()).await.0.unwrap_err();
    match &e {
        ProviderError::Unreachable { url, .. } => assert_eq!(url, &base),
        other => panic!("{other:?}"),
    }
    assert!(e.is_retryable());
    // One backoff (at least 500 ms) between the two attempts.
    assert!(
        t0.elapsed() >= Duration::from_millis(450),
        "{:?}",
        t0.elapsed()
    );
    assert!(!e.to_string().contains(KEY), "{e}");
}

async fn cancelling_during_a_retry_wait_is_prompt(api: Api) {
    let (fake, p) = start(api).await;
    fake.push(Script::Status {
        status: 429,
        retry_after: Some(30),
        message: "slow down".to_owned(),
    });
    let cancel = CancellationToken::new();
    let task = {
        let cancel = cancel.clone();
        let p = p.clone();
        tokio::spawn(async move { p.stream(&hello(), &cancel, &mut |_: &str| {}).await })
    };
    // Ready signal: the 429 was served, so the call is waiting out the 30 s.
    assert_eq!(fake.wait_requests(1, WAIT).await.len(), 1);
    let t0 = Instant::now();
    cancel.cancel();
    let r = tokio::time::timeout(WAIT, task).await.unwrap().unwrap();
    assert!(t0.elapsed() < Duration::from_secs(1), "{:?}", t0.elapsed());
    assert!(matches!(r, Err(ProviderError::Cancelled)), "{r:?}");
    assert_eq!(fake.requests().len(), 1);
}

both_apis!(
    wrong_key_is_auth_error_without_the_key,
    unknown_model_is_model_not_found,
    rate_limit_with_retry_after_is_waited_out,
    rate_limit_longer_than_max_wait_fails_at_once,
    server_errors_are_retried_until_success,
    server_errors_beyond_max_retries_fail,
    cut_stream_is_protocol_error_and_not_retried,
    malformed_stream_is_protocol_error,
    cancelling_a_held_stream_is_prompt,
    cancelling_during_a_retry_wait_is_prompt,
    unreachable_base_url_fails_after_retries,
);
