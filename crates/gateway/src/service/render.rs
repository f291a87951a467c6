//! The files a service install writes: a systemd unit, a launchd plist, a Task Scheduler XML
//! and the environment file. Pure functions of a [`Spec`], so they are checked by tests (and by
//! `systemd-analyze verify` where it exists) on any host.

use super::{EXIT_CONFIG, LAUNCHD_LABEL, Scope, Spec, TASK_NAME};

/// The systemd unit. The token is not in it: `EnvironmentFile=` points at the 0600 env file.
pub fn systemd_unit(spec: &Spec) -> String {
    let mut exec = systemd_quote(&spec.binary.display().to_string());
    for a in spec.run_args() {
        exec.push(' ');
        exec.push_str(&systemd_quote(&a));
    }
    let wanted_by = match spec.scope {
        Scope::User => "default.target",
        Scope::System => "multi-user.target",
    };
    format!(
        "# Written by `tidepool gateway install` ({version}). Rewrite with `tidepool gateway install --force`;\n\
         # remove with `tidepool gateway uninstall`. The token is in EnvironmentFile (0600), not here.\n\
         [Unit]\n\
         Description=Tidepool gateway (personal AI assistant)\n\
         After=network-online.target\n\
         Wants=network-online.target\n\
         \n\
         [Service]\n\
         Type=simple\n\
         ExecStart={exec}\n\
         EnvironmentFile={env}\n\
         WorkingDirectory={dir}\n\
         Restart=always\n\
         RestartSec=2\n\
         # A bad config stays bad on restart: exit {EXIT_CONFIG} is not retried.\n\
         RestartPreventExitStatus={EXIT_CONFIG}\n\
         # SIGTERM starts the gateway's bounded drain; after this the rest is killed.\n\
         KillMode=mixed\n\
         TimeoutStopSec=30\n\
         StandardOutput=append:{log}\n\
         StandardError=append:{log}\n\
         UMask=0077\n\
         NoNewPrivileges=yes\n\
         \n\
         [Install]\n\
         WantedBy={wanted_by}\n",
        version = crate::version(),
        env = systemd_path(&spec.env_file().display().to_string()),
        dir = systemd_path(&spec.state_dir.display().to_string()),
        log = systemd_path(&spec.stderr_log().display().to_string()),
    )
}

/// One ExecStart word: double-quoted, with `\` and `"` escaped and systemd's specifiers (`%`)
/// and variable expansion (`$`) neutralised.
fn systemd_quote(arg: &str) -> String {
    let mut out = String::with_capacity(arg.len() + 2);
    out.push('"');
    for c in arg.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '%' => out.push_str("%%"),
            '$' => out.push_str("$$"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A path in a setting that takes one path (no quoting, but specifiers are still expanded).
fn systemd_path(p: &str) -> String {
    p.replace('%', "%%")
}

/// The environment file: `KEY='value'` lines (systemd's EnvironmentFile syntax, which dotenv
/// parsers read the same way).
pub fn env_file(spec: &Spec, token: Option<&str>) -> String {
    let mut out = String::from(
        "# Written by `tidepool gateway install`; read by the service. Keep it 0600: it holds the gateway token.\n",
    );
    out.push_str(&format!(
        "TIDEPOOL_STATE_DIR={}\n",
        env_value(&spec.state_dir.display().to_string())
    ));
    if let Some(t) = token {
        out.push_str(&format!("{}={}\n", crate::auth::TOKEN_ENV, env_value(t)));
    }
    out
}

fn env_value(v: &str) -> String {
    if !v.contains('\'') && !v.contains('\n') {
        return format!("'{v}'");
    }
    let mut out = String::from("\"");
    for c in v.chars() {
        match c {
            '"' | '\\' | '$' | '`' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The launchd job (XML plist, written by the `plist` crate). No token in it: the gateway
/// reads the state dir's `gateway.token`.
pub fn launchd_plist(spec: &Spec) -> Vec<u8> {
    use plist::{Dictionary, Value};
    let mut args = vec![Value::String(spec.binary.display().to_string())];
    args.extend(spec.run_args().into_iter().map(Value::String));
    let mut env = Dictionary::new();
    env.insert(
        "TIDEPOOL_STATE_DIR".into(),
        Value::String(spec.state_dir.display().to_string()),
    );
    let mut d = Dictionary::new();
    d.insert("Label".into(), Value::String(LAUNCHD_LABEL.into()));
    d.insert("ProgramArguments".into(), Value::Array(args));
    d.insert("EnvironmentVariables".into(), Value::Dictionary(env));
    d.insert(
        "WorkingDirectory".into(),
        Value::String(spec.state_dir.display().to_string()),
    );
    d.insert("RunAtLoad".into(), Value::Boolean(true));
    d.insert("KeepAlive".into(), Value::Boolean(true));
    // launchd cannot skip one exit code; a config error is retried no faster than this.
    d.insert("ThrottleInterval".into(), Value::Integer(10.into()));
    d.insert("Umask".into(), Value::Integer(0o077.into()));
    let log = Value::String(spec.stderr_log().display().to_string());
    d.insert("StandardOutPath".into(), log.clone());
    d.insert("StandardErrorPath".into(), log);
    let mut out = Vec::new();
    // Writing a dictionary of strings to memory cannot fail.
    let _ = Value::Dictionary(d).to_writer_xml(&mut out);
    out
}

/// The Task Scheduler definition, UTF-16LE with a BOM as `schtasks /Create /XML` expects.
pub fn task_xml(spec: &Spec) -> Vec<u8> {
    let xml = task_xml_text(spec);
    let mut out = vec![0xFF, 0xFE];
    for unit in xml.encode_utf16() {
        out.extend_from_slice(&unit.to_le_bytes());
    }
    out
}

/// [`task_xml`] before encoding.
pub fn task_xml_text(spec: &Spec) -> String {
    use quick_xml::escape::escape;
    let args = spec
        .run_args()
        .iter()
        .map(|a| windows_quote(a))
        .collect::<Vec<_>>()
        .join(" ");
    let (trigger, principal) = match spec.scope {
        Scope::User => (
            "<LogonTrigger><Enabled>true</Enabled></LogonTrigger>",
            "<LogonType>InteractiveToken</LogonType><RunLevel>LeastPrivilege</RunLevel>",
        ),
        Scope::System => (
            "<BootTrigger><Enabled>true</Enabled></BootTrigger>",
            "<UserId>S-1-5-18</UserId><RunLevel>LeastPrivilege</RunLevel>",
        ),
    };
    format!(
        r#"<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo>
    <Description>Tidepool gateway (personal AI assistant). Written by `tidepool gateway install` ({version}).</Description>
    <URI>\{name}</URI>
  </RegistrationInfo>
  <Triggers>{trigger}</Triggers>
  <Principals><Principal id="Author">{principal}</Principal></Principals>
  <Settings>
    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>
    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>
    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>
    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>
    <RestartOnFailure><Interval>PT1M</Interval><Count>999</Count></RestartOnFailure>
    <Enabled>true</Enabled>
  </Settings>
  <Actions Context="Author">
    <Exec>
      <Command>{command}</Command>
      <Arguments>{args}</Arguments>
      <WorkingDirectory>{dir}</WorkingDirectory>
    </Exec>
  </Actions>
</Task>
"#,
        version = crate::version(),
        name = escape(TASK_NAME),
        command = escape(spec.binary.display().to_string()),
        args = escape(&args),
        dir = escape(spec.state_dir.display().to_string()),
    )
}

/// One argument as Windows' `CommandLineToArgvW` reads it back: quoted when it has spaces,
/// tabs or quotes, with backslashes doubled only where they precede a quote.
fn windows_quote(arg: &str) -> String {
    if !arg.is_empty() && !arg.contains([' ', '\t', '"']) {
        return arg.to_owned();
    }
    let mut out = String::from("\"");
    let mut backslashes = 0usize;
    for c in arg.chars() {
        match c {
            '\\' => backslashes += 1,
            '"' => {
                out.push_str(&"\\".repeat(backslashes * 2 + 1));
                out.push('"');
                backslashes = 0;
            }
            c => {
                out.push_str(&"\\".repeat(backslashes));
                out.push(c);
                backslashes = 0;
            }
        }
    }
    out.push_str(&"\\".repeat(backslashes * 2));
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn spec(dir: &str, scope: Scope) -> Spec {
        Spec {
            binary: PathBuf::from("/opt/tide pool/bin/tidepool"),
            state_dir: PathBuf::from(dir),
            port: Some(18790),
            scope,
        }
    }

    #[test]
    fn systemd_words_survive_spaces_quotes_and_specifiers() {
        let table = [
            ("/a/b", "\"/a/b\""),
            ("/with space", "\"/with space\""),
            ("50%", "\"50%%\""),
            ("$HOME", "\"$$HOME\""),
            ("say \"hi\"", "\"say \\\"hi\\\"\""),
            ("back\\slash", "\"back\\\\slash\""),
        ];
        for (arg, want) in table {
            assert_eq!(systemd_quote(arg), want, "{arg}");
        }
    }

    #[test]
    fn windows_arguments_round_trip_through_argv_rules() {
        let table = [
            ("plain", "plain"),
            (
                "C:\\Users\\Ann Lee\\.tidepool",
                "\"C:\\Users\\Ann Lee\\.tidepool\"",
            ),
            ("ends\\ with\\", "\"ends\\ with\\\\\""),
            ("quote\"d", "\"quote\\\"d\""),
            ("", "\"\""),
        ];
        for (arg, want) in table {
            assert_eq!(windows_quote(arg), want, "{arg}");
        }
    }

    #[test]
    fn the_unit_has_no_token_and_restarts_except_on_a_config_error() {
        let s = spec("/home/ann/.tidepool", Scope::User);
        let unit = systemd_unit(&s);
        assert!(unit.contains("Restart=always"));
        assert!(unit.contains("RestartPreventExitStatus=78"));
        assert!(unit.contains("EnvironmentFile=/home/ann/.tidepool/service.env"));
        assert!(unit.contains(
            "ExecStart=\"/opt/tide pool/bin/tidepool\" \"gateway\" \"run\" \"--state-dir\" \"/home/ann/.tidepool\" \"--no-stdin-watch\" \"--port\" \"18790\""
        ));
        assert!(unit.contains("WantedBy=default.target"));
        assert!(!unit.to_lowercase().contains("token="));
        let system = systemd_unit(&spec("/var/lib/tidepool", Scope::System));
        assert!(system.contains("WantedBy=multi-user.target"));

        let env = env_file(&s, Some("0123456789abcdef0123"));
        assert!(env.contains("TIDEPOOL_GATEWAY_TOKEN='0123456789abcdef0123'"));
        assert!(env.contains("TIDEPOOL_STATE_DIR='/home/ann/.tidepool'"));
        assert_eq!(env_value("it's"), "\"it's\"");
        assert_eq!(env_value("a\"$b"), "'a\"$b'");
    }

    /// `systemd-analyze verify` reads the unit as systemd would (it needs no running systemd
    /// for a system unit); it says nothing on a clean unit.
    #[test]
    #[allow(clippy::disallowed_methods)] // A check tool run once, synchronously, by a test.
    fn systemd_analyze_verifies_the_unit() {
        if std::process::Command::new("systemd-analyze")
            .arg("--version")
            .output()
            .is_err()
        {
            assert!(
                std::env::var_os("CI").is_none(),
                "systemd-analyze is missing (scripts/test installs systemd)"
            );
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state dir");
        std::fs::create_dir_all(state.join("logs")).unwrap();
        // ExecStart must name an executable that exists for verify to pass.
        let bin = dir.path().join("tidepool");
        std::fs::write(&bin, "#!/bin/sh\n").unwrap();
        #[cfg(unix)]
        std::fs::set_permissions(&bin, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        let s = Spec {
            binary: bin,
            state_dir: state.clone(),
            port: None,
            scope: Scope::System,
        };
        std::fs::write(s.env_file(), env_file(&s, Some("0123456789abcdef0123"))).unwrap();
        let unit = dir.path().join(super::super::SYSTEMD_UNIT);
        std::fs::write(&unit, systemd_unit(&s)).unwrap();
        let out = std::process::Command::new("systemd-analyze")
            .arg("verify")
            .arg(&unit)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        assert!(
            !stderr.contains(super::super::SYSTEMD_UNIT),
            "systemd-analyze found fault with the unit: {stderr}"
        );

        // And the check can fail: a misspelt setting is reported.
        std::fs::write(
            &unit,
            systemd_unit(&s).replace("Restart=always", "Restart=sometimes"),
        )
        .unwrap();
        let out = std::process::Command::new("systemd-analyze")
            .arg("verify")
            .arg(&unit)
            .output()
            .unwrap();
        assert!(String::from_utf8_lossy(&out.stderr).contains("sometimes"));
    }

    #[test]
    fn the_plist_parses_and_runs_the_gateway_for_this_state_dir() {
        let s = spec("/Users/ann/.tidepool", Scope::User);
        let bytes = launchd_plist(&s);
        let v = plist::Value::from_reader_xml(bytes.as_slice()).unwrap();
        let d = v.as_dictionary().unwrap();
        assert_eq!(d["Label"].as_string(), Some(LAUNCHD_LABEL));
        let args: Vec<_> = d["ProgramArguments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_string().unwrap().to_owned())
            .collect();
        assert_eq!(args[0], "/opt/tide pool/bin/tidepool");
        assert_eq!(&args[1..], s.run_args().as_slice());
        assert_eq!(d["KeepAlive"].as_boolean(), Some(true));
        assert_eq!(d["RunAtLoad"].as_boolean(), Some(true));
        let text = String::from_utf8(bytes).unwrap();
        assert!(!text.to_lowercase().contains("token"));
    }

    #[test]
    fn the_task_xml_is_utf16_and_names_the_command_and_its_arguments() {
        let s = Spec {
            binary: PathBuf::from("C:\\Program Files\\Tidepool\\tidepool.exe"),
            state_dir: PathBuf::from("C:\\Users\\Ann & Bo\\.tidepool"),
            port: None,
            scope: Scope::User,
        };
        let bytes = task_xml(&s);
        assert_eq!(&bytes[..2], &[0xFF, 0xFE], "UTF-16LE BOM");
        let units: Vec<u16> = bytes[2..]
            .chunks(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        let text = String::from_utf16(&units).unwrap();
        // roxmltree does not take the UTF-16 declaration of an already-decoded string.
        let text = text.replacen("UTF-16", "UTF-8", 1);
        let doc = roxmltree::Document::parse(&text).unwrap();
        let ns = "http://schemas.microsoft.com/windows/2004/02/mit/task";
        let find = |name: &str| {
            doc.descendants()
                .find(|n| n.has_tag_name((ns, name)))
                .and_then(|n| n.text())
                .unwrap_or_default()
                .to_owned()
        };
        assert_eq!(find("Command"), "C:\\Program Files\\Tidepool\\tidepool.exe");
        assert_eq!(
            find("Arguments"),
            "gateway run --state-dir \"C:\\Users\\Ann & Bo\\.tidepool\" --no-stdin-watch"
        );
        assert_eq!(find("URI"), format!("\\{TASK_NAME}"));
        assert!(
            doc.descendants()
                .any(|n| n.has_tag_name((ns, "LogonTrigger")))
        );
        let system = task_xml_text(&Spec {
            scope: Scope::System,
            ..s
        });
        assert!(system.contains("<BootTrigger>") && system.contains("S-1-5-18"));
    }
}
