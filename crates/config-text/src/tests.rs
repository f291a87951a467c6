use super::*;
use serde_json::json;

const DOC: &str = r#"// Tidepool config — my notes stay here.
{
  gateway: {
    port: 18789, // the usual one
    /* loopback only */
    bind: 'loopback',
    auth: { mode: "token" },
  },

  // Providers I use.
  models: {
    providers: {
      openai: { apiKey: { source: 'store', id: 'OPENAI_API_KEY' } },
    },
  },
  tools: {
    exec: {
      rules: [
        { pattern: "ls", action: "allow" }, // listing is fine
        { pattern: "rm", action: "deny" }, // never
        { pattern: "git", action: "allow" },
      ],
    },
  },
  session: { maxTurns: 0x40, temperature: 1.0 },
}
"#;

fn edit(path: &[&str], v: Option<Value>) -> String {
    let out = set(DOC, path, v.as_ref()).expect("edit");
    let mut want = parse(DOC).unwrap();
    let (last, parents) = path.split_last().unwrap();
    let mut cur = &mut want;
    for k in parents {
        cur = cur
            .as_object_mut()
            .unwrap()
            .entry(k.to_string())
            .or_insert(json!({}));
    }
    match v {
        Some(v) => drop(cur.as_object_mut().unwrap().insert(last.to_string(), v)),
        None => drop(cur.as_object_mut().unwrap().remove(*last)),
    }
    assert!(same(&parse(&out).unwrap(), &want), "wrong value:\n{out}");
    out
}

/// Lines of `a` that are not in `b`, and the other way round.
fn changed_lines(a: &str, b: &str) -> (Vec<String>, Vec<String>) {
    let la: Vec<&str> = a.lines().collect();
    let lb: Vec<&str> = b.lines().collect();
    let gone = la
        .iter()
        .filter(|l| !lb.contains(l))
        .map(|l| l.to_string())
        .collect();
    let added = lb
        .iter()
        .filter(|l| !la.contains(l))
        .map(|l| l.to_string())
        .collect();
    (gone, added)
}

#[test]
fn changing_a_value_changes_only_that_value() {
    let out = edit(&["gateway", "port"], Some(json!(19000)));
    let (gone, added) = changed_lines(DOC, &out);
    assert_eq!(gone, ["    port: 18789, // the usual one"]);
    assert_eq!(added, ["    port: 19000, // the usual one"]);
}

#[test]
fn a_new_key_is_added_and_every_comment_stays() {
    let out = edit(&["gateway", "reload"], Some(json!({"mode": "hot"})));
    for comment in [
        "// Tidepool config",
        "// the usual one",
        "/* loopback only */",
        "// Providers I use.",
        "// never",
    ] {
        assert!(out.contains(comment), "lost {comment}:\n{out}");
    }
    let (gone, _) = changed_lines(DOC, &out);
    // Only the line before the insertion may change (a trailing comma, at most).
    assert!(gone.len() <= 1, "{gone:?}\n{out}");
}

#[test]
fn new_objects_are_created_on_the_way() {
    let out = edit(&["memory", "backend", "kind"], Some(json!("sqlite")));
    assert!(out.contains("// Providers I use."));
    assert_eq!(parse(&out).unwrap()["memory"]["backend"]["kind"], "sqlite");
}

#[test]
fn removing_a_key_keeps_the_rest_as_written() {
    let out = edit(&["gateway", "bind"], None);
    let (gone, added) = changed_lines(DOC, &out);
    assert!(
        gone.iter().any(|l| l.contains("bind: 'loopback'")),
        "{gone:?}"
    );
    assert!(added.is_empty(), "{added:?}\n{out}");
    assert!(out.contains("// the usual one"));
}

#[test]
fn removing_something_absent_leaves_the_text_alone() {
    assert_eq!(set(DOC, &["nope", "deeper"], None).unwrap(), DOC);
    assert_eq!(set(DOC, &["gateway", "nope"], None).unwrap(), DOC);
}

#[test]
fn untouched_numbers_keep_their_spelling() {
    let out = edit(&["gateway", "port"], Some(json!(1)));
    assert!(out.contains("maxTurns: 0x40"), "{out}");
    assert!(out.contains("temperature: 1.0"), "{out}");
}

#[test]
fn removing_the_middle_array_element_removes_that_element() {
    let mut v = parse(DOC).unwrap();
    v["tools"]["exec"]["rules"]
        .as_array_mut()
        .unwrap()
        .remove(1);
    let out = rewrite(DOC, &v).unwrap();
    assert!(same(&parse(&out).unwrap(), &v));
    assert!(
        out.contains(r#"{ pattern: "ls", action: "allow" }, // listing is fine"#),
        "{out}"
    );
    assert!(!out.contains("// never"), "{out}");
    assert!(
        out.contains(r#"{ pattern: "git", action: "allow" }"#),
        "{out}"
    );
}

#[test]
fn appending_to_an_array_keeps_its_comments() {
    let mut v = parse(DOC).unwrap();
    v["tools"]["exec"]["rules"]
        .as_array_mut()
        .unwrap()
        .push(json!({"pattern": "cargo test", "action": "allow"}));
    let out = rewrite(DOC, &v).unwrap();
    assert!(same(&parse(&out).unwrap(), &v));
    assert!(
        out.contains("// listing is fine") && out.contains("// never"),
        "{out}"
    );
    assert!(out.contains("cargo test"));
}

#[test]
fn strings_that_need_escapes_round_trip() {
    for s in [
        "it's \"quoted\"",
        "line\nbreak\ttab",
        "back\\slash",
        "ünïcödé ✓",
        "\u{1}",
        "${HOME}/x",
    ] {
        let out = edit(&["gateway", "bind"], Some(json!(s)));
        assert_eq!(parse(&out).unwrap()["gateway"]["bind"], s, "{out}");
        assert!(out.contains("// the usual one"));
    }
}

#[test]
fn a_key_with_dots_is_one_segment() {
    let out = edit(
        &["models", "providers", "my.local"],
        Some(json!({"baseUrl": "http://127.0.0.1:1234"})),
    );
    let v = parse(&out).unwrap();
    assert_eq!(
        v["models"]["providers"]["my.local"]["baseUrl"],
        "http://127.0.0.1:1234"
    );
    assert!(v["models"]["providers"]["openai"].is_object());
}

#[test]
fn empty_and_comment_only_texts_take_a_value() {
    let out = set("", &["gateway", "port"], Some(&json!(1))).unwrap();
    assert_eq!(parse(&out).unwrap(), json!({"gateway": {"port": 1}}));
    let out = set("// just a note\n", &["gateway", "port"], Some(&json!(1))).unwrap();
    assert!(out.contains("// just a note"), "{out}");
    assert_eq!(parse(&out).unwrap(), json!({"gateway": {"port": 1}}));
}

#[test]
fn a_repeated_key_ends_up_once_with_the_new_value() {
    let text = "{ a: 1, a: 2, b: 3 }";
    let out = set(text, &["a"], Some(&json!(5))).unwrap();
    assert_eq!(parse(&out).unwrap(), json!({"a": 5, "b": 3}));
    assert_eq!(
        out.matches("a:").count() + out.matches("\"a\"").count(),
        1,
        "{out}"
    );
}

#[test]
fn bad_input_is_refused_with_where_and_why() {
    let e = set("{\n  gateway: {port: }\n}", &["a"], Some(&json!(1))).unwrap_err();
    match e {
        EditError::Syntax { line, column, .. } => assert_eq!((line, column), (2, 19)),
        other => panic!("{other:?}"),
    }
    let e = set(DOC, &["gateway", "port", "x"], Some(&json!(1))).unwrap_err();
    assert_eq!(
        e.to_string(),
        "`gateway.port.x` cannot be set: `x` is inside a value that is not an object"
    );
    assert!(matches!(
        set(DOC, &["a", ""], None),
        Err(EditError::EmptySegment(_))
    ));
    let none: [&str; 0] = [];
    assert!(matches!(
        set(DOC, &none, None),
        Err(EditError::EmptySegment(_))
    ));
}

#[test]
fn a_top_level_that_is_not_an_object_is_replaced() {
    let out = rewrite("[1, 2] // odd", &json!({"a": 1})).unwrap();
    assert_eq!(parse(&out).unwrap(), json!({"a": 1}));
}

mod props {
    use super::*;
    use proptest::prelude::*;

    fn leaf() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i32>().prop_map(|n| json!(n)),
            "[a-z \"'\\\\\n]{0,8}".prop_map(Value::String),
        ]
    }

    fn value() -> impl Strategy<Value = Value> {
        leaf().prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map("[a-e]{1,2}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    fn object() -> impl Strategy<Value = Value> {
        prop::collection::btree_map("[a-e]{1,2}", value(), 0..5)
            .prop_map(|m| Value::Object(m.into_iter().collect()))
    }

    /// The value written as JSON5 with comments everywhere a person might put one.
    fn commented(v: &Value) -> String {
        let mut s = String::from("// head\n");
        s.push_str(&plain(v).replace(",\n", ", // note\n"));
        s
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        /// Any edit is made in place (no fallback), gives exactly the new value, and keeps
        /// the comment at the top.
        #[test]
        fn edits_in_place_give_the_new_value(old in object(), new in object()) {
            let text = commented(&old);
            let out = in_place(&text, &new).unwrap();
            let out = out.unwrap_or_else(|| panic!("fell back for\n{text}\n→ {new}"));
            prop_assert!(same(&parse(&out).unwrap(), &new), "{out}");
            prop_assert!(out.starts_with("// head\n"), "{out}");
        }

        /// Setting a new key (the generated keys are a-e, the new one f-h) adds it with its
        /// value and leaves every commented line of the document as it was.
        #[test]
        fn a_set_changes_only_its_own_lines(old in object(), key in "[f-h]{1,2}", v in leaf()) {
            let text = commented(&old);
            let out = set(&text, &[key.as_str()], Some(&v)).unwrap();
            let mut want = old.clone();
            want.as_object_mut().unwrap().insert(key.clone(), v.clone());
            prop_assert!(same(&parse(&out).unwrap(), &want), "{key} = {v} not set:\n{out}");
            for line in text.lines().filter(|l| l.contains("// note")) {
                let kept = out.lines().filter(|o| o == &line).count();
                let before = text.lines().filter(|o| o == &line).count();
                prop_assert!(kept >= before, "lost {line:?}:\n{out}");
            }
        }
    }
}

#[test]
fn what_is_added_is_written_in_the_file_s_own_style() {
    // As the desktop's setup writes it: bare keys, single quotes.
    let json5 = "{\n  gateway: {\n    bind: 'loopback',\n  },\n}\n";
    let v = json!({"mode": "hot", "note": "it's \"here\""});
    let out = in_place(
        json5,
        &json!({"gateway": {"bind": "loopback", "reload": v}}),
    )
    .unwrap()
    .unwrap();
    assert!(
        out.contains("    reload: {\n      mode: 'hot',\n      note: 'it\\'s \"here\"',\n    },"),
        "{out}"
    );
    // Plain JSON stays plain JSON.
    let plain_json = "{\n  \"gateway\": {\n    \"bind\": \"loopback\"\n  }\n}\n";
    let out = set(plain_json, &["gateway", "port"], Some(&json!(1))).unwrap();
    assert!(out.contains("\"port\": 1"), "{out}");
    // Keys that need quotes keep them.
    let out = set(
        json5,
        &["models", "providers", "my-local"],
        Some(&json!({})),
    )
    .unwrap();
    assert!(
        out.contains("'my-local'") || out.contains("\"my-local\""),
        "{out}"
    );
    assert!(out.contains("models: {"), "{out}");
}
