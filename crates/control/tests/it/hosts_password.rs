//! A user with only a password: the app creates a key, installs it with the password typed
//! once (handed to `ssh` through the askpass socket, never on a command line or in a file), and
//! logs in with the key from then on. A wrong password leaves nothing behind.
#![cfg(unix)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::hosts::world;
use tidepool_control::hosts::{HostError, Hosts, HostsError};
use tidepool_testkit::sshd::Sshd;

#[tokio::test]
async fn a_password_is_used_once_to_install_a_key_the_app_then_logs_in_with() {
    let sshd = Sshd::start_with_password_user();
    let user = sshd.password_user.clone().unwrap();
    let w = world(&sshd);
    let data = tempfile::tempdir().unwrap();
    let hosts = Hosts::with_pool(data.path(), w.pool.clone());
    let address = sshd.password_address();
    let helper = crate::support::tidepool_bin();
    let check = hosts.check(&address).await.unwrap();

    // A wrong password: refused in words; no key trusted, no key file, no entry.
    let e = hosts
        .add_with_password(
            &address,
            Some("Password box".into()),
            "not-the-password".into(),
            &check.key.fingerprint,
            helper.clone(),
        )
        .await
        .unwrap_err();
    let HostsError::Host(HostError::AuthRefused { detail, .. }) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(detail, "the password was not accepted");
    assert!(hosts.list().unwrap().is_empty());
    assert!(
        std::fs::read_dir(data.path().join("keys"))
            .map(|d| d.count())
            .unwrap_or(0)
            == 0,
        "a key of a failed sign-in stayed"
    );
    assert!(!user.home.join(".ssh/authorized_keys").exists());

    // The right one: a key of the app's own is installed, and the host is used with it.
    let h = hosts
        .add_with_password(
            &address,
            Some("Password box".into()),
            user.password.clone(),
            &check.key.fingerprint,
            helper,
        )
        .await
        .unwrap();
    let key = std::path::PathBuf::from(h.key_file.clone().unwrap());
    assert_eq!(key.parent(), Some(data.path().join("keys").as_path()));
    let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    let authorized = std::fs::read_to_string(user.home.join(".ssh/authorized_keys")).unwrap();
    assert!(authorized.contains(public.trim()), "{authorized}");
    assert_eq!(
        h.facts.as_ref().unwrap().home,
        user.home.display().to_string()
    );
    // The password is nowhere the app keeps things.
    for f in walk(data.path()) {
        let bytes = std::fs::read(&f).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(&user.password),
            "the password is in {}",
            f.display()
        );
    }
    // From now on the key alone: probing again needs no password.
    let again = hosts.probe(&h.id).await.unwrap();
    assert!(again.facts.is_some());

    // Removing the host removes the key the app made for it.
    hosts.remove(&h.id).await.unwrap();
    assert!(!key.exists() && !key.with_extension("pub").exists());
    w.pool.close_all().await;
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![];
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
