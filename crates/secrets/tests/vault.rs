//! The vault backend on real files: round trips, passphrases, tampering, bad input, and that
//! no value is ever written in clear.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;
use tidepool_secrets::{Choice, Kind, SecretStore, SecretsError, Zeroizing};

fn all_bytes(dir: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        out.extend(std::fs::read(e.unwrap().path()).unwrap());
    }
    out
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn pw(s: &str) -> Option<Zeroizing<String>> {
    Some(Zeroizing::new(s.to_owned()))
}

#[test]
fn machine_key_vault_round_trips_and_keeps_values_out_of_every_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = SecretStore::open(dir.path(), Choice::Vault, None).unwrap();
    assert_eq!(s.backend_name(), "vault");
    assert!(s.list().is_empty());
    // Opening a store writes nothing.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    let a = s.set("ANTHROPIC", "sk-ant-SECRET-1", Kind::Secret).unwrap();
    s.set("OPENAI_KEY", "sk-OPENAI-SECRET-2", Kind::Secret)
        .unwrap();
    let again = s.set("ANTHROPIC", "sk-ant-SECRET-3", Kind::Secret).unwrap();
    assert_eq!(again.created_at_ms, a.created_at_ms);
    assert!(again.updated_at_ms >= a.updated_at_ms);
    let names: Vec<String> = s.list().into_iter().map(|m| m.name).collect();
    assert_eq!(names, ["ANTHROPIC", "OPENAI_KEY"]);

    let s = SecretStore::open(dir.path(), Choice::Auto, None).unwrap();
    assert_eq!(
        s.backend_name(),
        "vault",
        "an existing store keeps its backend"
    );
    assert_eq!(
        s.get("ANTHROPIC").unwrap().unwrap().as_str(),
        "sk-ant-SECRET-3"
    );
    assert!(s.get("MISSING").unwrap().is_none());
    assert_eq!(s.secret_values().unwrap().len(), 2);
    let bytes = all_bytes(dir.path());
    for v in [
        "sk-ant-SECRET-1",
        "sk-ant-SECRET-3",
        "sk-OPENAI-SECRET-2",
        "SECRET",
    ] {
        assert!(!contains(&bytes, v), "{v} is in a file");
    }
    #[cfg(unix)]
    for e in std::fs::read_dir(dir.path()).unwrap() {
        use std::os::unix::fs::PermissionsExt;
        let e = e.unwrap();
        let mode = e.metadata().unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", e.path().display());
    }
    let mut s = s;
    assert!(s.delete("ANTHROPIC").unwrap());
    assert!(!s.delete("ANTHROPIC").unwrap());
    let s = SecretStore::open(dir.path(), Choice::Vault, None).unwrap();
    assert!(s.get("ANTHROPIC").unwrap().is_none());
    assert_eq!(s.list().len(), 1);
}

#[test]
fn a_passphrase_vault_needs_the_right_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = SecretStore::open(dir.path(), Choice::Vault, pw("correct horse")).unwrap();
    s.set("GW", "token-VALUE", Kind::Secret).unwrap();
    assert!(
        !dir.path().join("secrets.key").exists(),
        "no machine key beside a passphrase vault"
    );
    match SecretStore::open(dir.path(), Choice::Auto, None) {
        Err(SecretsError::Locked) => {}
        other => panic!("{other:?}"),
    }
    match SecretStore::open(dir.path(), Choice::Auto, pw("wrong horse")) {
        Err(e @ SecretsError::WrongPassphrase(_)) => {
            assert!(e.to_string().contains("secrets.vault"), "{e}")
        }
        other => panic!("{other:?}"),
    }
    let s = SecretStore::open(dir.path(), Choice::Auto, pw("correct horse")).unwrap();
    assert_eq!(s.get("GW").unwrap().unwrap().as_str(), "token-VALUE");
}

#[test]
fn tampering_is_detected_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = SecretStore::open(dir.path(), Choice::Vault, None).unwrap();
    s.set("A", "value-a", Kind::Secret).unwrap();
    s.set("B", "value-b", Kind::Secret).unwrap();
    let path = dir.path().join("secrets.vault");
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    // A value moved to another name does not open: the name is bound to it.
    v["entries"]["B"] = v["entries"]["A"].clone();
    std::fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
    let s = SecretStore::open(dir.path(), Choice::Vault, None).unwrap();
    assert_eq!(s.get("A").unwrap().unwrap().as_str(), "value-a");
    let e = s.get("B").unwrap_err();
    assert!(
        e.to_string()
            .contains("the value of \"B\" does not decrypt"),
        "{e}"
    );
    // A damaged file says so (and what to do).
    std::fs::write(&path, b"{ not json").unwrap();
    let e = SecretStore::open(dir.path(), Choice::Vault, None).unwrap_err();
    assert!(e.to_string().contains("is damaged"), "{e}");
    std::fs::write(dir.path().join("secrets.json"), b"[]").unwrap();
    let e = SecretStore::open(dir.path(), Choice::Auto, None).unwrap_err();
    assert!(e.to_string().contains("secrets.json is damaged"), "{e}");
}

#[test]
fn bad_names_and_values_are_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = SecretStore::open(dir.path(), Choice::Vault, None).unwrap();
    let long = "X".repeat(129);
    let cases: [(&str, &str); 7] = [
        ("", "1 to 128"),
        (&long, "1 to 128"),
        ("_LEAD", "start with a capital letter"),
        ("lower", "start with a capital letter"),
        ("A B", "only capital letters, digits and '_'"),
        ("../ESCAPE", "start with a capital letter"),
        ("KEY/1", "only capital letters"),
    ];
    for (name, why) in cases {
        let e = s.set(name, "v", Kind::Secret).unwrap_err();
        assert!(e.to_string().contains(why), "{name:?}: {e}");
    }
    assert!(
        s.set("OK", "", Kind::Secret)
            .unwrap_err()
            .to_string()
            .contains("the value is empty")
    );
    let big = "v".repeat(64 * 1024 + 1);
    assert!(
        s.set("OK", &big, Kind::Secret)
            .unwrap_err()
            .to_string()
            .contains("more than the 65536 allowed")
    );
    assert!(s.list().is_empty(), "nothing half-written");
    // Asking a vault store for the keychain is refused, not silently switched.
    s.set("OK", "v", Kind::Secret).unwrap();
    match SecretStore::open(dir.path(), Choice::Keychain, None) {
        Err(e @ SecretsError::Mismatch { .. }) => {
            assert_eq!(
                e.to_string(),
                "these secrets are kept in the encrypted vault file, not the system keychain"
            )
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn env_entries_are_listed_by_kind_and_not_masked() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = SecretStore::open(dir.path(), Choice::Vault, None).unwrap();
    s.set("REGION", "eu-west-1", Kind::Env).unwrap();
    s.set("API_KEY", "k-123456", Kind::Secret).unwrap();
    let kinds: Vec<(String, Kind)> = s.list().into_iter().map(|m| (m.name, m.kind)).collect();
    assert_eq!(
        kinds,
        [
            ("API_KEY".into(), Kind::Secret),
            ("REGION".into(), Kind::Env)
        ]
    );
    let masked: Vec<String> = s
        .secret_values()
        .unwrap()
        .iter()
        .map(|v| v.to_string())
        .collect();
    assert_eq!(masked, ["k-123456"]);
    // Turning an env value into a secret keeps its creation time.
    let before = s.list()[1].created_at_ms;
    let m = s.set("REGION", "eu-west-1", Kind::Secret).unwrap();
    assert_eq!((m.kind, m.created_at_ms), (Kind::Secret, before));
}
