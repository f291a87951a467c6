//! Config loading: table-driven bad input, positions, includes, variables.

use super::*;

#[test]
fn defaults_when_empty() {
    let c = parse("", "t.json").map(|l| l.config).unwrap();
    assert_eq!(c.gateway.port, 18789);
    assert_eq!(c.gateway.bind, Bind::Loopback);
    assert_eq!(c.gateway.auth.mode, AuthMode::Token);
}

#[test]
fn json5_with_comments_and_trailing_commas() {
    let text = "// mine\n{ gateway: { port: 19000, bind: 'lan', auth: { mode: 'password', password: 'x', }, }, }";
    let c = parse(text, "t.json").unwrap().config;
    assert_eq!(c.gateway.port, 19000);
    assert_eq!(c.gateway.bind, Bind::Lan);
    assert_eq!(c.gateway.auth.mode, AuthMode::Password);
}

#[test]
fn table_of_bad_configs() {
    let cases = [
        (
            "{ gateway: { prot: 1 } }",
            "at `gateway.prot`: unknown setting `prot`: neither Tidepool nor OpenClaw has it (did you mean `port`?)",
        ),
        (
            "{ gateway: { port: 'x' } }",
            "at `gateway.port`: invalid type",
        ),
        ("{ gateway: { port: 70000 } }", "at `gateway.port`"),
        ("{ gateway: { bind: 'everywhere' } }", "not a bind mode"),
        (
            "{ gateway: { auth: { mode: 'tokn' } } }",
            "at `gateway.auth.mode`: unknown variant `tokn`",
        ),
        ("{ nonsense: true }", "unknown setting `nonsense`"),
        (
            "{ gateway: { bind: 'tailnet' } }",
            "not supported by Tidepool yet",
        ),
        (
            "{ gateway: { bind: 'custom' } }",
            "gateway.customBindHost is not set",
        ),
        (
            "{ gateway: { reload: { mode: 'sometimes' } } }",
            "at `gateway.reload.mode`: unknown variant",
        ),
        ("{ gateway: { port: 1 ", "t.json:1:"),
        ("[1]", "must be an object"),
    ];
    for (text, expected) in cases {
        let err = parse(text, "t.json")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains(expected), "{text}: {err:?} lacks {expected:?}");
        assert!(!err.contains('\n'), "error must be one line: {err:?}");
    }
}

#[test]
fn openclaw_sections_are_reported_not_rejected() {
    let l = parse(
        "{ channels: {}, agents: { defaults: { heartbeat: {} }, list: [{ id: 'a', sandbox: {} }] }, tools: { exec: { safeBins: [] }, web: { search: {} } } }",
        "t.json",
    )
    .unwrap();
    assert_eq!(
        l.unsupported,
        vec![
            "agents.defaults.heartbeat",
            "agents.list[0].sandbox",
            "channels",
            "tools.exec.safeBins",
            "tools.web.search"
        ]
    );
    assert_eq!(l.config.agents.list[0].id, "a");
    // A key OpenClaw does not have is still an error, with a suggestion.
    let e = parse("{ agents: { defaults: { workspce: 'w' } } }", "t.json").unwrap_err();
    assert!(e.to_string().contains("did you mean `workspace`?"), "{e}");
}

#[test]
fn openclaw_bind_modes_and_reload_mode() {
    let c = |t: &str| parse(t, "t.json").unwrap().config.gateway;
    assert_eq!(c("{ gateway: { bind: 'auto' } }").bind, Bind::Loopback);
    assert_eq!(
        c("{ gateway: { bind: 'custom', customBindHost: '10.0.0.5' } }").bind,
        Bind::Addr("10.0.0.5".parse().unwrap())
    );
    assert_eq!(c("{}").reload.mode, ReloadMode::Hybrid);
    assert_eq!(
        c("{ gateway: { reload: { mode: 'off' } } }").reload.mode,
        ReloadMode::Off
    );
    // Reported where it is, with its line.
    let e = parse("{\n  gateway: { bind: 'tailnet' },\n}", "t.json").unwrap_err();
    assert_eq!(e.position().map(|p| p.0), Some(2), "{e}");
}

#[test]
fn errors_point_at_line_and_column_and_suggest_near_misses() {
    let text = "{\n  gateway: {\n    prot: 1,\n  },\n}\n";
    let e = parse(text, "t.json").unwrap_err();
    assert_eq!(e.position(), Some((3, 5)), "{e}");
    let msg = e.to_string();
    assert!(
        msg.starts_with("config t.json:3:5: at `gateway.prot`"),
        "{msg}"
    );
    assert!(msg.contains("did you mean `port`?"), "{msg}");
    let e = parse("{ gateway: { auth: { mode: 'tokne' } } }", "t.json").unwrap_err();
    assert!(e.to_string().contains("did you mean `token`?"), "{e}");
    let e = parse("{ gatway: {} }", "t.json").unwrap_err();
    assert!(e.to_string().contains("did you mean `gateway`?"), "{e}");
    // Far-off names get no suggestion.
    let e = parse("{ gateway: { zzzzzz: 1 } }", "t.json").unwrap_err();
    assert!(!e.to_string().contains("did you mean"), "{e}");
}

fn write(dir: &std::path::Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn includes_replace_merge_and_siblings_override() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "gw.json5",
        "{ port: 19001, bind: 'lan', auth: { mode: 'password', password: 'pw-from-include' } }",
    );
    write(
        dir.path(),
        "a.json5",
        "{ logging: { level: 'debug' }, gateway: { port: 1 } }",
    );
    write(dir.path(), "b.json5", "{ gateway: { port: 2 } }");
    let main = write(
        dir.path(),
        "tidepool.json",
        "{ gateway: { $include: 'gw.json5', port: 19002 }, x: { $include: ['a.json5', 'b.json5'] } }",
    );
    let l = load(&main).unwrap_err();
    // `x` is not a config section: the error names the key, the file and the line.
    assert!(l.to_string().contains("at `x`"), "{l}");
    let main = write(
        dir.path(),
        "tidepool.json",
        "{ $include: ['a.json5', 'b.json5'], gateway: { $include: 'gw.json5', port: 19002 } }",
    );
    let c = load(&main).unwrap().config;
    assert_eq!(c.gateway.port, 19002, "a sibling key overrides the include");
    assert_eq!(c.gateway.bind, Bind::Lan);
    assert_eq!(
        c.gateway.auth.password,
        Some(secret::Secret::Plain("pw-from-include".into()))
    );
    assert_eq!(c.logging.level, "debug");
}

#[test]
fn include_errors_are_specific() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "loop-a.json5", "{ $include: 'loop-b.json5' }");
    write(dir.path(), "loop-b.json5", "{ $include: 'loop-a.json5' }");
    write(dir.path(), "bad.json5", "{\n  port: 'x',\n}");
    let outside = tempfile::tempdir().unwrap();
    write(outside.path(), "evil.json5", "{}");
    let evil = outside.path().join("evil.json5");
    let mut deep = String::from("{}");
    for i in (0..12).rev() {
        write(dir.path(), &format!("d{i}.json5"), &deep);
        deep = format!("{{ $include: 'd{i}.json5' }}");
    }
    let cases: Vec<(String, &str)> = vec![
        (
            "{ gateway: { $include: 'loop-a.json5' } }".into(),
            "include loop",
        ),
        (
            format!("{{ gateway: {{ $include: '{}' }} }}", evil.display()),
            "outside the config directory",
        ),
        (
            "{ gateway: { $include: '../x.json5' } }".into(),
            "outside the config directory",
        ),
        (
            "{ gateway: { $include: 'missing.json5' } }".into(),
            "cannot read \"missing.json5\"",
        ),
        ("{ gateway: { $include: 5 } }".into(), "must be a file name"),
        (format!("{{ gateway: {deep} }}"), "nest more than 10 deep"),
        (
            "{ gateway: { $include: 'bad.json5' } }".into(),
            "bad.json5:2:",
        ),
    ];
    for (text, want) in cases {
        let main = write(dir.path(), "tidepool.json", &text);
        let e = load(&main).unwrap_err().to_string();
        assert!(e.contains(want), "{text}: {e}");
        assert!(!e.contains('\n'), "{e}");
    }
}

#[test]
fn variables_and_huge_files() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".env", "TP_CFG_TEST_PW=from-dotenv-file\n");
    let main = write(
        dir.path(),
        "tidepool.json",
        "{ gateway: { auth: { mode: 'password', password: '${TP_CFG_TEST_PW}' } } }",
    );
    let c = load(&main).unwrap().config;
    assert_eq!(
        c.gateway.auth.password,
        Some(secret::Secret::Plain("from-dotenv-file".into()))
    );
    let main = write(
        dir.path(),
        "tidepool.json",
        "{\n gateway: { auth: { password: '${TP_CFG_UNSET_VAR}' } } }",
    );
    let e = load(&main).unwrap_err();
    assert!(
        e.to_string()
            .contains("environment variable TP_CFG_UNSET_VAR is not set"),
        "{e}"
    );
    assert_eq!(e.position().map(|p| p.0), Some(2));
    let big = write(dir.path(), "tidepool.json", &" ".repeat(3 * 1024 * 1024));
    let e = load(&big).unwrap_err().to_string();
    assert!(e.contains("the limit is 2 MiB"), "{e}");
}
