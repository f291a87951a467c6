//! Guards the crate's layout (docs/architecture.md, "Gateway layout"): the files of
//! `src/` import each other without a circle that spans two domains (top-level modules).
//! A circle inside one domain (`chat/run.rs` and `chat/tool_call.rs`) is allowed; one through
//! the server, the state or another domain is what this test refuses.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Module path (`["chat", "run"]`) → file relative to `src/`.
fn modules(src: &Path) -> BTreeMap<Vec<String>, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("src is readable") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(src).expect("under src");
            let mut segs: Vec<String> = rel
                .with_extension("")
                .iter()
                .map(|s| s.to_string_lossy().into_owned())
                .collect();
            if segs.last().is_some_and(|s| s == "mod" || s == "lib") {
                segs.pop();
            }
            out.insert(segs, rel.to_string_lossy().into_owned());
        }
    }
    out
}

/// The code before the first `#[cfg(test)]` (test modules may reach anywhere).
fn production_code(text: &str) -> &str {
    text.find("#[cfg(test)]").map_or(text, |i| &text[..i])
}

fn ident_len(s: &str) -> usize {
    s.bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
        .count()
}

/// Every path written after `crate::` or `super::`, with `{a, b::c}` groups expanded
/// (nested groups are expanded one level, which is all the crate uses).
fn paths_after(text: &str, prefix: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(prefix) {
        let before_ok = i == 0 || !rest.as_bytes()[i - 1].is_ascii_alphanumeric();
        rest = &rest[i + prefix.len()..];
        if !before_ok {
            continue;
        }
        let mut base = Vec::new();
        let mut cur = rest;
        loop {
            if let Some(group) = cur.strip_prefix('{') {
                let end = group.find('}').unwrap_or(group.len());
                for part in group[..end].split(',') {
                    let mut path = base.clone();
                    for seg in part.trim().split("::") {
                        let n = ident_len(seg.trim_start_matches('{'));
                        if n == 0 {
                            break;
                        }
                        let seg = &seg.trim_start_matches('{')[..n];
                        if seg != "self" {
                            path.push(seg.to_owned());
                        }
                    }
                    out.push(path);
                }
                break;
            }
            let n = ident_len(cur);
            if n == 0 {
                out.push(base);
                break;
            }
            base.push(cur[..n].to_owned());
            cur = &cur[n..];
            match cur.strip_prefix("::") {
                Some(next) => cur = next,
                None => {
                    out.push(base);
                    break;
                }
            }
        }
    }
    out
}

/// The file a path names: the longest prefix that is a module.
fn resolve(mods: &BTreeMap<Vec<String>, String>, path: &[String]) -> Option<String> {
    (1..=path.len())
        .rev()
        .find_map(|n| mods.get(&path[..n]).cloned())
}

fn import_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mods = modules(src);
    let mut graph = BTreeMap::new();
    for (module, file) in &mods {
        let text = std::fs::read_to_string(src.join(file)).expect("source is readable");
        let code = production_code(&text);
        let mut deps = BTreeSet::new();
        for path in paths_after(code, "crate::") {
            deps.extend(resolve(&mods, &path));
        }
        // `super::` from `a/b.rs` and from `a/b/mod.rs` both mean module `a`.
        let parent = &module[..module.len().saturating_sub(1)];
        for rel in paths_after(code, "super::") {
            let mut path = parent.to_vec();
            path.extend(rel);
            deps.extend(resolve(&mods, &path));
        }
        deps.remove(file);
        graph.insert(file.clone(), deps);
    }
    graph
}

/// Strongly connected components (Tarjan), each sorted.
fn circles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct Walk<'a> {
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        out: Vec<Vec<String>>,
    }
    impl<'a> Walk<'a> {
        fn visit(&mut self, v: &'a str) {
            let i = self.index.len();
            self.index.insert(v, i);
            self.low.insert(v, i);
            self.stack.push(v);
            self.on_stack.insert(v);
            for w in self.graph.get(v).into_iter().flatten() {
                let w = w.as_str();
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let lw = self.low[w];
                    let lv = self.low.get_mut(v).expect("visited");
                    *lv = (*lv).min(lw);
                } else if self.on_stack.contains(w) {
                    let iw = self.index[w];
                    let lv = self.low.get_mut(v).expect("visited");
                    *lv = (*lv).min(iw);
                }
            }
            if self.low[v] == self.index[v] {
                let mut scc = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack.remove(w);
                    scc.push(w.to_owned());
                    if w == v {
                        break;
                    }
                }
                if scc.len() > 1 {
                    scc.sort();
                    self.out.push(scc);
                }
            }
        }
    }
    let mut walk = Walk {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in graph.keys() {
        if !walk.index.contains_key(v.as_str()) {
            walk.visit(v);
        }
    }
    walk.out
}

fn domain(file: &str) -> &str {
    let first = file.split('/').next().unwrap_or(file);
    first.strip_suffix(".rs").unwrap_or(first)
}

#[test]
fn no_import_circle_spans_two_domains() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = import_graph(&src);
    // The parser must see the real imports, or the check below proves nothing.
    assert!(
        graph["server/mod.rs"].contains("state.rs")
            && graph["chat/methods.rs"].contains("rpc/mod.rs"),
        "the import parser missed known imports: {:?}",
        graph["server/mod.rs"]
    );
    let spanning: Vec<Vec<String>> = circles(&graph)
        .into_iter()
        .filter(|c| c.iter().map(|f| domain(f)).collect::<BTreeSet<_>>().len() > 1)
        .collect();
    assert!(
        spanning.is_empty(),
        "import circles across domains (break them by moving the shared part down, into rpc/ or state.rs or the lower domain): {spanning:#?}"
    );
}

#[test]
fn the_circle_check_finds_a_circle() {
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a/x.rs", vec!["b/y.rs"]),
        ("b/y.rs", vec!["a/x.rs"]),
        ("c.rs", vec!["a/x.rs"]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.into_iter().map(str::to_owned).collect()))
    .collect();
    assert_eq!(
        circles(&graph),
        vec![vec!["a/x.rs".to_owned(), "b/y.rs".to_owned()]]
    );
}

#[test]
fn grouped_imports_are_expanded() {
    let paths = paths_after(
        "use crate::rpc::{CallCtx, registry::Refusal};\nlet x = crate::json::set_field(v);",
        "crate::",
    );
    assert_eq!(
        paths,
        vec![
            vec!["rpc".to_owned(), "CallCtx".to_owned()],
            vec![
                "rpc".to_owned(),
                "registry".to_owned(),
                "Refusal".to_owned()
            ],
            vec!["json".to_owned(), "set_field".to_owned()],
        ]
    );
}
