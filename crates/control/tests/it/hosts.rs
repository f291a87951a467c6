//! Hosts over SSH against real `sshd`s: strict host keys (an unknown host is refused until its
//! fingerprint is trusted; a changed key is refused in words), one pooled master per host that
//! comes back after it is killed, arguments quoted for the remote shell, the probe, and each
//! way a login can fail named.
#![cfg(unix)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
// `ssh -O check` is run directly to find the master's pid, as a user would.
#![allow(clippy::disallowed_methods)]

use crate::support::sshd::Sshd;
use tidepool_control::hosts::{
    Auth, HostError, HostPool, HostSpec, KnownHostsError, KnownHostsFile, PoolConfig,
    ServiceManager, Trust, probe,
};

pub(crate) struct World {
    pub(crate) _dir: tempfile::TempDir,
    pub(crate) known: KnownHostsFile,
    pub(crate) pool: HostPool,
}

pub(crate) fn world(sshd: &Sshd) -> World {
    let dir = tempfile::Builder::new().prefix("tp-h").tempdir().unwrap();
    let known = KnownHostsFile::new(dir.path().join("known_hosts"));
    let mut cfg = PoolConfig::new(known.path().to_path_buf(), dir.path().join("ctl"));
    cfg.ssh_config = Some(sshd.client_config());
    cfg.per_host = 2;
    World {
        pool: HostPool::new(cfg),
        known,
        _dir: dir,
    }
}

pub(crate) fn auth(sshd: &Sshd) -> Auth {
    Auth {
        key_file: Some(sshd.client_key()),
    }
}

pub(crate) async fn trust(w: &World, spec: &HostSpec, sshd: &Sshd) {
    let keys = KnownHostsFile::scan(spec).await.unwrap();
    let Trust::Unknown { offered } = w.known.check(spec, &keys).unwrap() else {
        panic!("expected an unknown host")
    };
    assert_eq!(
        offered.fingerprint,
        sshd.fingerprint(),
        "the fingerprint ssh-keygen shows"
    );
    assert_eq!(offered.algorithm, "ssh-ed25519");
    w.known.trust(spec, &offered).unwrap();
}

#[tokio::test]
async fn an_unknown_host_is_refused_until_trusted_then_commands_run_with_their_arguments_quoted() {
    let sshd = Sshd::start();
    let w = world(&sshd);
    let spec = HostSpec::parse(&sshd.address()).unwrap();

    // Strict from the start: no key recorded, no connection (and nothing recorded by trying).
    let e = w.pool.lease(&spec, &auth(&sshd)).await.unwrap_err();
    assert!(matches!(e, HostError::UnknownHostKey { .. }), "{e:?}");
    assert!(e.to_string().contains("fingerprint"), "{e}");
    assert!(w.known.recorded(&spec).unwrap().is_empty());

    trust(&w, &spec, &sshd).await;
    let out = w
        .pool
        .run(&spec, &auth(&sshd), "echo", &["hello"], None)
        .await
        .unwrap();
    assert_eq!((out.code, out.stdout.as_str()), (Some(0), "hello\n"));

    // What would be shell syntax arrives as one literal argument.
    let marker = format!("/tmp/tidepool-quoting-{}", std::process::id());
    let nasty = format!("a b;$(id) `id` $HOME 'q' \"d\" | & > {marker}; touch {marker}");
    let out = w
        .pool
        .run(&spec, &auth(&sshd), "printf", &["%s", &nasty], None)
        .await
        .unwrap();
    assert_eq!(out.stdout, nasty);
    assert!(
        !std::path::Path::new(&marker).exists(),
        "the remote shell ran part of an argument"
    );
    // Exit codes and stdin come through.
    let out = w
        .pool
        .run(&spec, &auth(&sshd), "sh", &["-c", "exit 3"], None)
        .await
        .unwrap();
    assert_eq!(out.code, Some(3));
    let out = w
        .pool
        .run(
            &spec,
            &auth(&sshd),
            "cat",
            &[],
            Some(b"from stdin, never argv\n"),
        )
        .await
        .unwrap();
    assert_eq!(out.stdout, "from stdin, never argv\n");

    let facts = probe(&w.pool, &spec, &auth(&sshd)).await.unwrap();
    assert_eq!(facts.os, "Linux");
    assert_eq!(facts.arch, std::env::consts::ARCH);
    assert!(facts.libc.starts_with("glibc "), "{facts:?}");
    assert_eq!(facts.target.as_deref(), Some(tidepool_target()));
    assert!(facts.disk_free_bytes.unwrap() > 0);
    assert!(facts.home.starts_with('/'));
    // systemd is not PID 1 on these machines.
    assert_eq!(facts.service_manager, ServiceManager::None);
    w.pool.close_all().await;
}

fn tidepool_target() -> &'static str {
    if cfg!(target_arch = "aarch64") {
        "aarch64-unknown-linux-gnu"
    } else {
        "x86_64-unknown-linux-gnu"
    }
}

/// The pid of the master behind a control socket (`ssh -O check`).
pub(crate) fn master_pid(socket: &std::path::Path) -> u32 {
    let o = std::process::Command::new("ssh")
        .arg("-S")
        .arg(socket)
        .args(["-O", "check", "unused"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stderr);
    text.split("pid=")
        .nth(1)
        .and_then(|s| s.split(')').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no master: {text}"))
}

#[tokio::test]
async fn one_master_serves_every_operation_and_a_killed_one_is_replaced() {
    let sshd = Sshd::start();
    let w = world(&sshd);
    let spec = HostSpec::parse(&sshd.address()).unwrap();
    trust(&w, &spec, &sshd).await;

    let socket = {
        let a = w.pool.lease(&spec, &auth(&sshd)).await.unwrap();
        let b = w.pool.lease(&spec, &auth(&sshd)).await.unwrap();
        assert!(
            std::sync::Arc::ptr_eq(&a.session, &b.session),
            "one master per host"
        );
        a.session.control_socket().to_path_buf()
    };
    let pid = master_pid(&socket);
    for _ in 0..5 {
        w.pool
            .run(&spec, &auth(&sshd), "true", &[], None)
            .await
            .unwrap();
    }
    assert_eq!(master_pid(&socket), pid, "the same master throughout");

    // The master dies (a laptop's network drops, someone kills ssh): the next call reconnects.
    assert!(tidepool_process::kill(pid));
    let out = w
        .pool
        .run(&spec, &auth(&sshd), "echo", &["back"], None)
        .await
        .unwrap();
    assert_eq!(out.stdout, "back\n");
    let lease = w.pool.lease(&spec, &auth(&sshd)).await.unwrap();
    assert_ne!(lease.session.control_socket(), socket.as_path());
    drop(lease);

    // An idle master is closed (here: idle at once, since nothing holds a slot).
    let mut cfg = PoolConfig::new(w.known.path().to_path_buf(), w._dir.path().join("ctl2"));
    cfg.ssh_config = Some(sshd.client_config());
    cfg.idle = std::time::Duration::ZERO;
    let pool = HostPool::new(cfg);
    pool.run(&spec, &auth(&sshd), "true", &[], None)
        .await
        .unwrap();
    assert_eq!(pool.close_idle().await, 1);
    assert_eq!(pool.close_idle().await, 0);
    pool.run(&spec, &auth(&sshd), "true", &[], None)
        .await
        .unwrap();
    w.pool.close_all().await;
    pool.close_all().await;
}

#[tokio::test]
async fn a_changed_host_key_is_refused_and_cannot_be_trusted_over() {
    let mut sshd = Sshd::start();
    let w = world(&sshd);
    let spec = HostSpec::parse(&sshd.address()).unwrap();
    trust(&w, &spec, &sshd).await;
    w.pool
        .run(&spec, &auth(&sshd), "true", &[], None)
        .await
        .unwrap();
    w.pool.close_all().await;

    sshd.restart_with_a_new_host_key();
    let w = World {
        pool: HostPool::new({
            let mut cfg = PoolConfig::new(w.known.path().to_path_buf(), w._dir.path().join("ctl3"));
            cfg.ssh_config = Some(sshd.client_config());
            cfg
        }),
        known: w.known,
        _dir: w._dir,
    };
    let e = w.pool.lease(&spec, &auth(&sshd)).await.unwrap_err();
    assert!(matches!(e, HostError::HostKeyChanged { .. }), "{e:?}");
    assert!(e.to_string().contains("intercepting"), "{e}");
    let keys = KnownHostsFile::scan(&spec).await.unwrap();
    let Trust::Changed { offered, recorded } = w.known.check(&spec, &keys).unwrap() else {
        panic!("expected a changed key")
    };
    assert_eq!(offered.fingerprint, sshd.fingerprint());
    assert_eq!(recorded.len(), 1);
    assert_ne!(recorded[0], offered.fingerprint);
    assert!(matches!(
        w.known.trust(&spec, &offered),
        Err(KnownHostsError::WouldReplace { .. })
    ));
    // Still refused: trusting over it did nothing.
    let e = w.pool.lease(&spec, &auth(&sshd)).await.unwrap_err();
    assert!(matches!(e, HostError::HostKeyChanged { .. }), "{e:?}");
}

#[tokio::test]
async fn a_refused_key_a_closed_port_and_a_wrong_user_are_each_named() {
    let mut sshd = Sshd::start();
    let w = world(&sshd);
    let spec = HostSpec::parse(&sshd.address()).unwrap();
    trust(&w, &spec, &sshd).await;

    let stranger = Auth {
        key_file: Some(sshd.stranger_key()),
    };
    let e = w.pool.lease(&spec, &stranger).await.unwrap_err();
    let HostError::AuthRefused { user, detail, .. } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(user, &crate::support::sshd::me());
    assert!(detail.contains("publickey"), "{detail}");

    let nobody = HostSpec::parse(&format!("no-such-user@127.0.0.1:{}", sshd.port)).unwrap();
    let e = w.pool.lease(&nobody, &auth(&sshd)).await.unwrap_err();
    assert!(
        matches!(&e, HostError::AuthRefused { user, .. } if user == "no-such-user"),
        "{e:?}"
    );

    sshd.stop();
    let e = w.pool.lease(&spec, &auth(&sshd)).await.unwrap_err();
    assert!(
        matches!(&e, HostError::Unreachable { detail, .. } if detail.contains("refused")),
        "{e:?}"
    );
    let e = KnownHostsFile::scan(&spec).await.unwrap_err();
    assert!(matches!(e, KnownHostsError::NoKey { .. }), "{e:?}");

    // Option-like hosts never reach ssh.
    let sneaky = HostSpec {
        host: "-oProxyCommand=touch /tmp/tidepool-pwned".into(),
        user: None,
        port: None,
    };
    assert!(matches!(
        w.pool.lease(&sneaky, &auth(&sshd)).await.unwrap_err(),
        HostError::Address(_)
    ));
    assert!(KnownHostsFile::scan(&sneaky).await.is_err());
    assert!(!std::path::Path::new("/tmp/tidepool-pwned").exists());
}

#[tokio::test]
async fn a_host_is_added_only_with_the_fingerprint_the_user_saw_and_a_working_login() {
    use tidepool_control::hosts::{Hosts, HostsError, StoreError};
    let sshd = Sshd::start();
    let w = world(&sshd);
    let data = tempfile::tempdir().unwrap();
    let hosts = Hosts::with_pool(data.path(), w.pool.clone());
    let address = sshd.address();
    let key = Some(sshd.client_key().display().to_string());

    let check = hosts.check(&address).await.unwrap();
    let Trust::Unknown { offered } = &check.trust else {
        panic!("{check:?}")
    };
    assert_eq!(offered.fingerprint, sshd.fingerprint());

    // Not the key the user saw: refused, nothing kept.
    let e = hosts
        .add(&address, None, key.clone(), "SHA256:not-what-it-offers")
        .await
        .unwrap_err();
    assert!(matches!(e, HostsError::KeyMoved { .. }), "{e:?}");
    // A login that fails: refused, and the key it trusted on the way is forgotten again.
    let stranger = Some(sshd.stranger_key().display().to_string());
    let e = hosts
        .add(&address, None, stranger, &offered.fingerprint)
        .await
        .unwrap_err();
    assert!(
        matches!(e, HostsError::Host(HostError::AuthRefused { .. })),
        "{e:?}"
    );
    let e = hosts
        .add(
            &address,
            None,
            Some("/nonexistent/key".into()),
            &offered.fingerprint,
        )
        .await
        .unwrap_err();
    assert!(matches!(e, HostsError::NoKeyFile(_)), "{e:?}");
    assert!(hosts.list().unwrap().is_empty());
    assert!(matches!(
        hosts.check(&address).await.unwrap().trust,
        Trust::Unknown { .. }
    ));

    let h = hosts
        .add(
            &address,
            Some("  Test box ".into()),
            key.clone(),
            &offered.fingerprint,
        )
        .await
        .unwrap();
    assert_eq!(h.name, "Test box");
    assert_eq!(h.facts.as_ref().map(|f| f.os.as_str()), Some("Linux"));
    assert_eq!(hosts.list().unwrap(), vec![h.clone()]);
    assert!(matches!(
        hosts.check(&address).await.unwrap().trust,
        Trust::Trusted
    ));
    let e = hosts
        .add(&address, None, key, &offered.fingerprint)
        .await
        .unwrap_err();
    assert!(
        matches!(e, HostsError::Store(StoreError::Duplicate(_))),
        "{e:?}"
    );

    let again = hosts.probe(&h.id).await.unwrap();
    assert!(again.probed_at_ms >= h.probed_at_ms);

    hosts.remove(&h.id).await.unwrap();
    assert!(hosts.list().unwrap().is_empty());
    assert!(
        matches!(
            hosts.check(&address).await.unwrap().trust,
            Trust::Unknown { .. }
        ),
        "its key is forgotten too"
    );
    w.pool.close_all().await;
}
