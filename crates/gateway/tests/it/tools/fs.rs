//! File tools: escapes from the workspace are refused, and the tools work inside it.

use super::{call, ctx};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// A temporary folder holding `ws/` (the workspace) and its sibling `outside/`.
struct Layout {
    _tmp: TempDir,
    /// The temporary folder, canonical.
    root: PathBuf,
    ws: PathBuf,
    outside: PathBuf,
}

fn layout() -> Layout {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().canonicalize().unwrap();
    let ws = root.join("ws");
    let outside = root.join("outside");
    std::fs::create_dir_all(ws.join("a")).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("secret.txt"), "top secret\n").unwrap();
    std::fs::write(ws.join("a/inside.txt"), "inside\n").unwrap();
    Layout {
        _tmp: tmp,
        root,
        ws,
        outside,
    }
}

/// Every path under `dir` (symlinks not followed) with the content of its files.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            let meta = path.symlink_metadata().unwrap();
            let content = if meta.is_file() {
                Some(std::fs::read(&path).unwrap())
            } else {
                None
            };
            if meta.is_dir() {
                stack.push(path.clone());
            }
            out.insert(path, content);
        }
    }
    out
}

#[tokio::test]
async fn escapes_from_the_workspace_are_refused() {
    let l = layout();
    let abs_secret = l.outside.join("secret.txt").display().to_string();
    let abs_new = l.outside.join("new.txt").display().to_string();
    let abs_outside = l.outside.display().to_string();
    let mut cases: Vec<(&str, Value)> = vec![
        ("read", json!({ "path": "../outside/secret.txt" })),
        ("write", json!({ "path": "../x", "content": "pwned" })),
        ("write", json!({ "path": "a/../../x", "content": "pwned" })),
        (
            "write",
            json!({ "path": "a/../../outside/secret.txt", "content": "pwned" }),
        ),
        (
            "edit",
            json!({ "path": "../outside/secret.txt", "oldText": "top", "newText": "pwned" }),
        ),
        ("read", json!({ "path": "/etc/passwd" })),
        ("read", json!({ "path": abs_secret })),
        ("write", json!({ "path": abs_new, "content": "pwned" })),
        ("list", json!({ "path": ".." })),
        ("list", json!({ "path": "a/../.." })),
        ("list", json!({ "path": abs_outside })),
        ("list", json!({ "path": "/" })),
    ];
    #[cfg(unix)]
    {
        use std::os::unix::fs::symlink;
        symlink(l.outside.join("secret.txt"), l.ws.join("link_file")).unwrap();
        symlink(&l.outside, l.ws.join("link_dir")).unwrap();
        symlink("..", l.ws.join("up")).unwrap();
        symlink(l.root.join("nowhere/ghost.txt"), l.ws.join("dangling")).unwrap();
        symlink(l.root.join("made-by-link"), l.ws.join("a/dangling_dir")).unwrap();
        cases.extend([
            ("read", json!({ "path": "link_file" })),
            ("write", json!({ "path": "link_file", "content": "pwned" })),
            (
                "edit",
                json!({ "path": "link_file", "oldText": "top", "newText": "pwned" }),
            ),
            ("read", json!({ "path": "link_dir/secret.txt" })),
            (
                "write",
                json!({ "path": "link_dir/new.txt", "content": "pwned" }),
            ),
            (
                "write",
                json!({ "path": "link_dir/sub/new.txt", "content": "pwned" }),
            ),
            (
                "write",
                json!({ "path": "a/../link_dir/sub/deeper/x.txt", "content": "pwned" }),
            ),
            ("list", json!({ "path": "link_dir" })),
            ("list", json!({ "path": "link_dir", "recursive": true })),
            ("read", json!({ "path": "up/outside/secret.txt" })),
            ("write", json!({ "path": "up/x", "content": "pwned" })),
            ("list", json!({ "path": "up" })),
            ("read", json!({ "path": "dangling" })),
            ("write", json!({ "path": "dangling", "content": "pwned" })),
            (
                "write",
                json!({ "path": "dangling/sub/x.txt", "content": "pwned" }),
            ),
            (
                "write",
                json!({ "path": "a/dangling_dir/x.txt", "content": "pwned" }),
            ),
            (
                "edit",
                json!({ "path": "dangling", "oldText": "a", "newText": "pwned" }),
            ),
        ]);
    }
    let before = snapshot(&l.root);
    let c = ctx(&l.ws);
    let mut failures = Vec::new();
    for (tool, args) in &cases {
        match call(&c, tool, args.clone()).await {
            Err(e) if e.0.contains("outside the workspace") => {}
            other => failures.push(format!("{tool} {args}: {other:?}")),
        }
    }
    assert!(failures.is_empty(), "not refused:\n{}", failures.join("\n"));
    assert_eq!(snapshot(&l.root), before, "something changed on disk");
    assert!(!l.root.join("x").exists());
    assert!(!l.root.join("made-by-link").exists());
    assert!(!l.root.join("nowhere").exists());
    assert_eq!(
        std::fs::read_to_string(l.outside.join("secret.txt")).unwrap(),
        "top secret\n"
    );
    // A recursive listing of the workspace shows the links but does not descend into them.
    let listing = call(&c, "list", json!({ "recursive": true }))
        .await
        .unwrap();
    assert!(!listing.contains("secret.txt"), "{listing}");
}

#[tokio::test]
async fn write_creates_folders_and_read_returns_the_content() {
    let l = layout();
    let c = ctx(&l.ws);
    let out = call(
        &c,
        "write",
        json!({ "path": "deep/er/notes.md", "content": "# Notes\nünïcode ✓\n" }),
    )
    .await
    .unwrap();
    assert!(out.contains("deep/er/notes.md"), "{out}");
    assert!(l.ws.join("deep/er").is_dir());
    let read = call(&c, "read", json!({ "path": "deep/er/notes.md" })).await;
    assert_eq!(read.unwrap(), "# Notes\nünïcode ✓\n");
    // Overwrite, `./` prefixes, and an absolute path inside the workspace.
    let abs = l.ws.join("deep/er/notes.md").display().to_string();
    call(
        &c,
        "write",
        json!({ "path": "./deep/er/notes.md", "content": "v2" }),
    )
    .await
    .unwrap();
    assert_eq!(
        call(&c, "read", json!({ "path": abs })).await.unwrap(),
        "v2"
    );
    // A folder cannot be overwritten.
    let e = call(&c, "write", json!({ "path": "deep", "content": "x" })).await;
    assert!(e.unwrap_err().0.contains("is a folder"));
}

#[tokio::test]
async fn read_takes_offset_and_limit_in_lines() {
    let l = layout();
    std::fs::write(l.ws.join("lines.txt"), "l1\nl2\nl3\nl4\nl5\n").unwrap();
    let c = ctx(&l.ws);
    let read = |offset: Option<u64>, limit: Option<u64>| {
        let mut args = json!({ "path": "lines.txt" });
        if let Some(o) = offset {
            args["offset"] = json!(o);
        }
        if let Some(n) = limit {
            args["limit"] = json!(n);
        }
        call(&c, "read", args)
    };
    assert_eq!(read(Some(2), Some(2)).await.unwrap(), "l2\nl3");
    assert_eq!(read(Some(4), None).await.unwrap(), "l4\nl5");
    assert_eq!(read(None, Some(1)).await.unwrap(), "l1");
    assert_eq!(read(Some(9), Some(3)).await.unwrap(), "");
    assert_eq!(read(None, None).await.unwrap(), "l1\nl2\nl3\nl4\nl5\n");
    let e = call(&c, "read", json!({ "path": "lines.txt", "offset": "two" })).await;
    assert!(e.unwrap_err().0.contains("invalid arguments for read"));
}

#[tokio::test]
async fn edit_replaces_one_unique_occurrence() {
    let l = layout();
    let file = l.ws.join("code.rs");
    std::fs::write(&file, "fn a() {}\nfn b() {}\nlet x = 1;\nlet x = 1;\n").unwrap();
    let c = ctx(&l.ws);
    let edit = |old: &str, new: &str| {
        call(
            &c,
            "edit",
            json!({ "path": "code.rs", "oldText": old, "newText": new }),
        )
    };
    assert_eq!(
        edit("fn b() {}", "fn b() { todo() }").await.unwrap(),
        "edited code.rs"
    );
    let after_ok = "fn a() {}\nfn b() { todo() }\nlet x = 1;\nlet x = 1;\n";
    assert_eq!(std::fs::read_to_string(&file).unwrap(), after_ok);

    let missing = edit("fn c() {}", "x").await.unwrap_err().0;
    assert!(
        missing.contains("oldText was not found in code.rs"),
        "{missing}"
    );
    let ambiguous = edit("let x = 1;", "let x = 2;").await.unwrap_err().0;
    assert!(
        ambiguous.contains("occurs 2 times in code.rs"),
        "{ambiguous}"
    );
    assert!(ambiguous.contains("unique"), "{ambiguous}");
    let empty = edit("", "x").await.unwrap_err().0;
    assert!(empty.contains("oldText is empty"), "{empty}");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        after_ok,
        "failed edits wrote"
    );

    let e = call(
        &c,
        "edit",
        json!({ "path": "nope.rs", "oldText": "a", "newText": "b" }),
    )
    .await;
    assert!(e.unwrap_err().0.contains("nope.rs does not exist"));
}

#[tokio::test]
async fn list_shows_folders_with_a_slash() {
    let l = layout();
    std::fs::write(l.ws.join("top.txt"), "t").unwrap();
    std::fs::create_dir_all(l.ws.join("a/b/c")).unwrap();
    std::fs::write(l.ws.join("a/b/c/deep.txt"), "d").unwrap();
    std::fs::create_dir(l.ws.join("empty")).unwrap();
    let c = ctx(&l.ws);
    let flat = call(&c, "list", json!({})).await.unwrap();
    assert_eq!(flat, "a/\nempty/\ntop.txt");
    let all = call(&c, "list", json!({ "recursive": true }))
        .await
        .unwrap();
    assert_eq!(
        all,
        "a/\na/b/\na/b/c/\na/b/c/deep.txt\na/inside.txt\nempty/\ntop.txt"
    );
    let sub = call(&c, "list", json!({ "path": "a/b", "recursive": true })).await;
    assert_eq!(sub.unwrap(), "c/\nc/deep.txt");
    assert_eq!(
        call(&c, "list", json!({ "path": "empty" })).await.unwrap(),
        "(empty folder)"
    );
    let e = call(&c, "list", json!({ "path": "nope" }))
        .await
        .unwrap_err();
    assert!(e.0.contains("nope does not exist"), "{e}");
}

#[tokio::test]
async fn binary_files_folders_and_big_files_are_not_read() {
    let l = layout();
    std::fs::write(l.ws.join("image.png"), b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap();
    std::fs::write(l.ws.join("big.log"), "x".repeat(300 * 1024)).unwrap();
    let c = ctx(&l.ws);
    let bin = call(&c, "read", json!({ "path": "image.png" }))
        .await
        .unwrap_err();
    assert!(bin.0.contains("image.png is a binary file"), "{bin}");
    let dir = call(&c, "read", json!({ "path": "a" })).await.unwrap_err();
    assert!(dir.0.contains("a is a folder; use list"), "{dir}");
    let missing = call(&c, "read", json!({ "path": "nope.txt" }))
        .await
        .unwrap_err();
    assert!(missing.0.contains("nope.txt does not exist"), "{missing}");
    let big = call(&c, "read", json!({ "path": "big.log" }))
        .await
        .unwrap_err();
    assert!(big.0.contains("offset and limit"), "{big}");
    let part = call(&c, "read", json!({ "path": "big.log", "limit": 1 })).await;
    assert_eq!(part.unwrap().len(), 256 * 1024, "cut at the read limit");
}

#[tokio::test]
async fn a_long_multibyte_line_is_cut_at_a_character_boundary() {
    let l = layout();
    // One line of 1 + 2 * 200_000 bytes: byte 262_144 is inside an "é".
    std::fs::write(
        l.ws.join("accents.txt"),
        format!("a{}", "é".repeat(200_000)),
    )
    .unwrap();
    let c = ctx(&l.ws);
    let out = call(
        &c,
        "read",
        json!({ "path": "accents.txt", "offset": 1, "limit": 1 }),
    )
    .await
    .unwrap();
    assert!(
        out.len() <= 256 * 1024 && out.len() > 256 * 1024 - 4,
        "{}",
        out.len()
    );
    assert!(out.starts_with("aé"));
}

#[tokio::test]
async fn unknown_tools_and_bad_arguments_are_explained() {
    let l = layout();
    let c = ctx(&l.ws);
    let e = call(&c, "rm", json!({})).await.unwrap_err().0;
    assert!(
        e.contains("there is no tool \"rm\"") && e.contains("read"),
        "{e}"
    );
    let e = call(&c, "write", json!({ "path": "x" }))
        .await
        .unwrap_err()
        .0;
    assert!(
        e.contains("invalid arguments for write") && e.contains("content"),
        "{e}"
    );
    let e = call(&c, "read", json!({ "path": "x", "extra": 1 }))
        .await
        .unwrap_err()
        .0;
    assert!(e.contains("invalid arguments for read"), "{e}");
    let gone = ctx(&l.root.join("no-such-workspace"));
    let e = call(&gone, "list", json!({})).await.unwrap_err().0;
    assert!(e.contains("no-such-workspace is not available"), "{e}");
}
