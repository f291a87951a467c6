//! Using a host's gateway from this computer: the supervisor connects through an SSH local
//! forward (the token read over SSH), a chat there is answered by the provider fake, the tunnel
//! keeps its master open while idle connections close, and when the master is killed the
//! forward is opened again and the app reconnects by itself.
#![cfg(unix)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![allow(clippy::disallowed_methods)]

use crate::hosts::{master_pid, world};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tidepool_control::hosts::{HostPool, Hosts, PoolConfig};
use tidepool_control::jobs::{JobState, Jobs};
use tidepool_control::remote::{HostRef, RemoteSource};
use tidepool_control::{GatewayState, SidecarConfig, Supervisor, chat};
use tidepool_testkit::sshd::Sshd;
use tidepool_testkit::{FakeOptions, FakeProvider, Script};

/// Waits (on the status channel, no polling) until `f` holds.
async fn until(sup: &Supervisor, what: &str, f: impl Fn(&tidepool_control::Status) -> bool) {
    let mut rx = sup.watch();
    tokio::time::timeout(Duration::from_secs(30), async {
        while !f(&rx.borrow_and_update()) {
            rx.changed().await.unwrap();
        }
    })
    .await
    .unwrap_or_else(|_| panic!("not {what} within 30 s: {:?}", sup.status()));
}

async fn reply(c: &tidepool_client::Client, key: &str) -> String {
    let mut rx = c.events();
    tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let h = chat::history(c, key, 10).await.unwrap();
            if let Some(m) = h
                .iter()
                .find(|m| m.role == "assistant" && m.status.is_none())
            {
                return m.text.clone();
            }
            let _ = rx.recv().await;
        }
    })
    .await
    .expect("no answer within 20 s")
}

#[tokio::test]
async fn a_hosts_gateway_is_used_through_a_tunnel_that_comes_back_after_the_master_dies() {
    let fake = FakeProvider::start(FakeOptions::default()).await.unwrap();
    fake.push(Script::text(&["Hello from ", "the host"]));
    fake.push(Script::text(&["Still here"]));
    let sshd = Sshd::start();
    let w = world(&sshd);
    // Idle masters close at once, so the test sees what the tunnel's pin keeps open.
    let mut cfg = PoolConfig::new(
        w.pool.known_hosts().to_path_buf(),
        w._dir.path().join("ctl2"),
    );
    cfg.ssh_config = Some(sshd.client_config());
    cfg.idle = Duration::ZERO;
    let pool = HostPool::new(cfg);
    let data = tempfile::tempdir().unwrap();
    let hosts = Hosts::with_pool(data.path(), pool.clone());
    let address = sshd.address();
    let check = hosts.check(&address).await.unwrap();
    let h = hosts
        .add(
            &address,
            Some("Tunnel box".into()),
            Some(sshd.client_key().display().to_string()),
            &check.key.fingerprint,
        )
        .await
        .unwrap();
    assert!(
        hosts.gateway_source(&h.id, None, None).is_err(),
        "no Tidepool there yet"
    );

    let server = tempfile::tempdir().unwrap();
    let (bin_dir, state) = (server.path().join("bin"), server.path().join("state"));
    tidepool_platform::create_private_dir(&state).unwrap();
    std::fs::write(
        state.join("tidepool.json"),
        format!(
            "{{ agents: {{ defaults: {{ model: 'fake/fake-model' }} }}, models: {{ providers: {{ fake: {{ baseUrl: '{}', apiKey: 'k', api: 'openai-completions' }} }} }} }}",
            fake.openai_base_url()
        ),
    )
    .unwrap();
    let _stop = crate::hosts_install::StopRemote(state.clone());
    let jobs = Jobs::new();
    let id = hosts
        .install(
            &jobs,
            &h.id,
            crate::support::tidepool_bin(),
            Some(state.display().to_string()),
            Some(bin_dir.display().to_string()),
            Some(0),
        )
        .unwrap();
    let job = jobs.wait(&id).await.unwrap();
    assert!(matches!(job.state, JobState::Succeeded { .. }), "{job:#?}");
    let token = std::fs::read_to_string(state.join("gateway.token"))
        .unwrap()
        .trim()
        .to_owned();

    let heard: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = {
        let heard = heard.clone();
        Arc::new(move |t: &str| heard.lock().unwrap().push(t.to_owned()))
    };
    let source = Arc::new(hosts.gateway_source(&h.id, None, Some(sink)).unwrap());
    assert_eq!(
        source.host(),
        HostRef {
            id: h.id.clone(),
            name: "Tunnel box".into()
        }
    );
    let nowhere = tempfile::tempdir().unwrap();
    let mut cfg = SidecarConfig::new(
        nowhere.path().join("no-tidepool-here"),
        nowhere.path().to_path_buf(),
    );
    cfg.via = Some(source.clone());
    cfg.backoff_initial = Duration::from_millis(100);
    cfg.health_interval = Duration::from_millis(300);
    let sup = Arc::new(Supervisor::new(cfg));
    sup.start().await.unwrap();
    // The host's log, read through the connection in use (whichever it is at each poll).
    let (log_tx, mut log_rx) = tokio::sync::mpsc::unbounded_channel();
    let client_of: tidepool_control::remote_logs::ClientSource = {
        let sup = sup.clone();
        Arc::new(move || sup.client())
    };
    let follower =
        tidepool_control::remote_logs::RemoteLogFollower::start(client_of, 5000, 0, log_tx);
    let st = sup.status();
    assert!(
        matches!(st.state, GatewayState::Running { pid: None, .. }),
        "{st:?}"
    );
    assert_eq!(
        st.host.as_ref().map(|h| h.name.as_str()),
        Some("Tunnel box")
    );
    assert_eq!(st.remote, None, "the host is named, not the tunnel's URL");
    let local_port = source.local_port().await.unwrap();
    assert_eq!(
        st.url.as_deref(),
        Some(format!("ws://127.0.0.1:{local_port}").as_str())
    );
    assert_eq!(
        *heard.lock().unwrap(),
        vec![token.clone()],
        "the token, read over SSH, went to the keychain once"
    );

    // A chat on the host's gateway, answered by the provider fake.
    let c = sup.client().unwrap();
    let ack = chat::send(&c, "main", "hello host").await.unwrap();
    assert_eq!(reply(&c, &ack.session_key).await, "Hello from the host");
    assert!(
        fake.requests()
            .iter()
            .any(|r| r.body.to_string().contains("hello host")),
        "the host's gateway asked the provider"
    );

    // Idle connections close; the tunnel's master stays.
    assert_eq!(pool.close_idle().await, 0, "the tunnel keeps its master");
    let socket = pool
        .lease(
            &h.spec,
            &tidepool_control::hosts::Auth {
                key_file: Some(sshd.client_key()),
            },
        )
        .await
        .unwrap()
        .session
        .control_socket()
        .to_path_buf();

    // The master dies: the link drops, the forward is opened again (same local port) through a
    // new master, and the app is connected again by itself.
    assert!(tidepool_process::kill(master_pid(&socket)));
    until(&sup, "reconnecting", |s| {
        !matches!(s.state, GatewayState::Running { .. })
    })
    .await;
    until(&sup, "running again", |s| {
        matches!(s.state, GatewayState::Running { .. })
    })
    .await;
    assert_eq!(source.local_port().await, Some(local_port));
    assert_eq!(
        heard.lock().unwrap().len(),
        1,
        "the same token: not written again"
    );
    let c = sup.client().unwrap();
    let again = chat::send(&c, "main", "still there?").await.unwrap();
    assert_eq!(
        reply_after(&c, &again.session_key, "Still here").await,
        "Still here"
    );

    // The log came through both connections: every line of the host's file once, in order
    // (the cursor carried over the reconnect: nothing twice, nothing skipped).
    let file = tidepool_control::logs::newest_log_file(&state.join("logs")).unwrap();
    let on_disk: Vec<(String, String)> = std::fs::read_to_string(&file)
        .unwrap()
        .lines()
        .map(|l| {
            let p = tidepool_control::LogLine::parse(0, l);
            (p.time, p.message)
        })
        .collect();
    assert!(on_disk.len() > 3, "{on_disk:?}");
    let mut seen: Vec<(String, String)> = Vec::new();
    tokio::time::timeout(Duration::from_secs(15), async {
        while seen.len() < on_disk.len() {
            for l in log_rx.recv().await.unwrap() {
                seen.push((l.time, l.message));
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{} of {} lines came", seen.len(), on_disk.len()));
    assert_eq!(seen[..on_disk.len()], on_disk[..]);
    drop(follower);

    // Switching away closes the tunnel: its master is idle again and closes.
    sup.shutdown().await;
    drop(sup);
    drop(c);
    drop(source);
    tokio::time::timeout(Duration::from_secs(10), async {
        while pool.close_idle().await == 0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the master was not released after the tunnel closed");
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", local_port)).is_err(),
        "nothing listens on the tunnel's port any more"
    );
    pool.close_all().await;
}

/// The newest assistant answer once it is `want` (an earlier answer is in the same session).
async fn reply_after(c: &tidepool_client::Client, key: &str, want: &str) -> String {
    let mut rx = c.events();
    tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let h = chat::history(c, key, 20).await.unwrap();
            if let Some(m) = h
                .iter()
                .rev()
                .find(|m| m.role == "assistant" && m.status.is_none())
                && m.text == want
            {
                return m.text.clone();
            }
            let _ = rx.recv().await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no answer {want:?} within 20 s"))
}

#[tokio::test]
async fn a_host_whose_gateway_is_stopped_or_whose_key_changed_is_not_used() {
    let mut sshd = Sshd::start();
    let w = world(&sshd);
    let data = tempfile::tempdir().unwrap();
    let hosts = Hosts::with_pool(data.path(), w.pool.clone());
    let address = sshd.address();
    let check = hosts.check(&address).await.unwrap();
    let h = hosts
        .add(
            &address,
            Some("Quiet box".into()),
            Some(sshd.client_key().display().to_string()),
            &check.key.fingerprint,
        )
        .await
        .unwrap();
    let server = tempfile::tempdir().unwrap();
    let (bin_dir, state) = (server.path().join("bin"), server.path().join("state"));
    let _stop = crate::hosts_install::StopRemote(state.clone());
    let jobs = Jobs::new();
    let id = hosts
        .install(
            &jobs,
            &h.id,
            crate::support::tidepool_bin(),
            Some(state.display().to_string()),
            Some(bin_dir.display().to_string()),
            Some(0),
        )
        .unwrap();
    assert!(matches!(
        jobs.wait(&id).await.unwrap().state,
        JobState::Succeeded { .. }
    ));
    hosts
        .gateway(&h.id, tidepool_control::hosts::GatewayAction::Stop)
        .await
        .unwrap();

    // Stopped there: worth retrying (it may be started), and said in words.
    let source = hosts.gateway_source(&h.id, None, None).unwrap();
    let e = source.resolve().await.unwrap_err();
    assert!(!e.fatal, "{e:?}");
    assert!(
        e.message.starts_with("Quiet box: ") && e.message.contains("not running"),
        "{e:?}"
    );

    // A changed host key: refused, and retrying cannot help.
    w.pool.close_all().await;
    sshd.restart_with_a_new_host_key();
    let e = source.resolve().await.unwrap_err();
    assert!(e.fatal, "{e:?}");
    assert!(e.message.contains("different host key"), "{e:?}");
}
