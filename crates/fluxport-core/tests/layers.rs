//! The architecture rule, checked: the top-level modules of `fluxport-core` form layers
//! and every `crate::` path points down (README "Design", `src/lib.rs`).
//!
//! It reads the `crate::` paths of every file under `src/` (in `use` lines and inline
//! paths alike, groups such as `use crate::{a::x, b::y}` included) and checks:
//! * the graph of top-level modules has no cycle, and each edge goes to a lower layer
//!   of [`LAYERS`] (or stays inside its own layer);
//! * no module but `lib.rs` imports `pipeline`;
//! * inside each top-level module, the graph of its direct submodules has no cycle;
//! * no `super::super::` path climbs out of a file (those edges could not be checked).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Bottom first. Modules of one row may import each other (still without a cycle).
const LAYERS: &[&[&str]] = &[
    &["text"],
    &["yaml"],
    &["model"],
    &["repo"],
    &["upgrade"],
    &["helm"],
    &["image"],
    &["report"],
    &["verify"],
    &["pipeline"],
];

type Graph = BTreeMap<String, BTreeSet<String>>;

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("read src dir")
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The module path of a source file: `src/a/b.rs` and `src/a/b/mod.rs` → `[a, b]`.
fn module_of(file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src_dir()).expect("under src");
    let mut parts: Vec<String> = rel
        .iter()
        .map(|s| s.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().expect("file name");
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" && stem != "lib" {
        parts.push(stem.to_string());
    }
    parts
}

/// Text without comments (line comments and doc comments), so that prose such as
/// "see `crate::x`" is not read as an edge.
fn strip_comments(text: &str) -> String {
    text.lines()
        .map(|l| match l.find("//") {
            // A `//` inside a string literal is rare in this crate's code lines; the
            // cost of a missed edge is lower than reading prose as code.
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn ident_at(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// Every `crate::` path in `code`, as its first two segments (`["repo", "daemon"]`,
/// or one segment for a root item). Groups are expanded one level deep.
fn crate_paths(code: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        // `fluxport_core::` or a longer identifier ending in `crate` is not `crate::`.
        let before = rest[..i].chars().last();
        rest = &rest[i + "crate::".len()..];
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        for path in expand(rest) {
            out.push(path);
        }
    }
    out
}

/// The paths that start at `s` (just after a `crate::` or a group's `{`), up to two
/// segments each.
fn expand(s: &str) -> Vec<Vec<String>> {
    if let Some(group) = s.strip_prefix('{') {
        let mut depth = 0usize;
        let mut items = Vec::new();
        let mut start = 0usize;
        for (i, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => {
                    items.push(&group[start..i]);
                    break;
                }
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    items.push(&group[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
        }
        return items
            .into_iter()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .flat_map(|t| expand(t).into_iter().take(1))
            .collect();
    }
    let first = ident_at(s);
    if first.is_empty() {
        return Vec::new();
    }
    let mut path = vec![first.to_string()];
    if let Some(after) = s[first.len()..].strip_prefix("::") {
        if after.starts_with('{') {
            return expand(after)
                .into_iter()
                .map(|mut p| {
                    p.truncate(1);
                    let mut q = path.clone();
                    q.extend(p);
                    q
                })
                .collect();
        }
        let second = ident_at(after);
        if !second.is_empty() {
            path.push(second.to_string());
        }
    }
    vec![path]
}

/// The first segment after each `super::` (not `super::super::`, not a glob).
fn super_paths(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("super::") {
        let before = rest[..i].chars().last();
        rest = &rest[i + "super::".len()..];
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        for p in expand(rest) {
            if p[0] != "super" {
                out.push(p[0].clone());
            }
        }
    }
    out
}

/// A cycle in `g` as a list of nodes (first = last), if there is one.
fn find_cycle(g: &Graph) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    fn visit(
        n: &str,
        g: &Graph,
        marks: &mut BTreeMap<String, Mark>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match marks.get(n) {
            Some(Mark::Done) => return None,
            Some(Mark::Open) => {
                let at = stack.iter().position(|s| s == n).unwrap_or(0);
                let mut cycle = stack[at..].to_vec();
                cycle.push(n.to_string());
                return Some(cycle);
            }
            None => {}
        }
        marks.insert(n.to_string(), Mark::Open);
        stack.push(n.to_string());
        for m in g.get(n).into_iter().flatten() {
            if let Some(c) = visit(m, g, marks, stack) {
                return Some(c);
            }
        }
        stack.pop();
        marks.insert(n.to_string(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    for n in g.keys() {
        if let Some(c) = visit(n, g, &mut marks, &mut Vec::new()) {
            return Some(c);
        }
    }
    None
}

struct Edges {
    /// Top-level module → top-level modules it names.
    top: Graph,
    /// (top-level module) → its submodule graph (`daemon` → `fluxyaml` inside `repo`).
    inner: BTreeMap<String, Graph>,
    /// Where each top-level edge comes from (file), for the failure message.
    origin: BTreeMap<(String, String), String>,
    climbs: Vec<String>,
}

fn read_edges() -> Edges {
    let mut files = Vec::new();
    rust_files(&src_dir(), &mut files);
    let modules: BTreeSet<String> = files
        .iter()
        .filter_map(|f| module_of(f).first().cloned())
        .collect();
    let mut e = Edges {
        top: Graph::new(),
        inner: BTreeMap::new(),
        origin: BTreeMap::new(),
        climbs: Vec::new(),
    };
    // Direct submodules of each top-level module (`repo` → `daemon`, `load`, …).
    let mut subs: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in &files {
        let m = module_of(f);
        if let (Some(top), Some(sub)) = (m.first(), m.get(1)) {
            subs.entry(top.clone()).or_default().insert(sub.clone());
        }
    }
    for f in &files {
        let m = module_of(f);
        let Some(top) = m.first().cloned() else {
            continue; // lib.rs: the crate root re-exports the public API
        };
        let text = std::fs::read_to_string(f).expect("read source");
        let code = strip_comments(&text);
        let rel = f.strip_prefix(src_dir()).unwrap().display().to_string();
        if code.contains("super::super::") {
            e.climbs.push(rel.clone());
        }
        e.top.entry(top.clone()).or_default();
        // `super::x` in a file of a direct submodule (`src/repo/daemon/mod.rs`,
        // `src/model/context.rs`) names its sibling `x`.
        if m.len() == 2 {
            for p in super_paths(&code) {
                if p != m[1] && subs.get(&top).is_some_and(|s| s.contains(&p)) {
                    e.inner
                        .entry(top.clone())
                        .or_default()
                        .entry(m[1].clone())
                        .or_default()
                        .insert(p);
                }
            }
        }
        for p in crate_paths(&code) {
            if !modules.contains(&p[0]) {
                continue; // a root item re-exported by lib.rs (`crate::Code`)
            }
            if p[0] != top {
                e.top.entry(top.clone()).or_default().insert(p[0].clone());
                e.origin
                    .entry((top.clone(), p[0].clone()))
                    .or_insert_with(|| rel.clone());
            } else if let (Some(from), Some(to)) = (m.get(1), p.get(1)) {
                if from != to && subs.get(&top).is_some_and(|s| s.contains(to)) {
                    e.inner
                        .entry(top.clone())
                        .or_default()
                        .entry(from.clone())
                        .or_default()
                        .insert(to.clone());
                }
            }
        }
    }
    e
}

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|row| row.contains(&module))
}

#[test]
fn top_level_modules_form_layers_without_cycles() {
    let e = read_edges();
    println!("top-level module graph:");
    for (from, tos) in &e.top {
        println!(
            "  {from} -> {}",
            tos.iter().cloned().collect::<Vec<_>>().join(", ")
        );
    }
    if let Some(c) = find_cycle(&e.top) {
        panic!("import cycle between top-level modules: {}", c.join(" -> "));
    }
    let mut upward = Vec::new();
    for (from, tos) in &e.top {
        let lf = layer_of(from)
            .unwrap_or_else(|| panic!("top-level module `{from}` is in no layer of LAYERS"));
        for to in tos {
            let lt = layer_of(to)
                .unwrap_or_else(|| panic!("top-level module `{to}` is in no layer of LAYERS"));
            if lt > lf {
                upward.push(format!(
                    "{from} -> {to} (first in src/{})",
                    e.origin[&(from.clone(), to.clone())]
                ));
            }
        }
    }
    assert!(
        upward.is_empty(),
        "imports that point up a layer: {upward:#?}"
    );
    let into_pipeline: Vec<&String> = e
        .top
        .iter()
        .filter(|(_, tos)| tos.contains("pipeline"))
        .map(|(from, _)| from)
        .collect();
    assert!(
        into_pipeline.is_empty(),
        "stages import pipeline: {into_pipeline:?}"
    );
}

#[test]
fn submodules_of_each_layer_have_no_cycles() {
    let e = read_edges();
    for (top, g) in &e.inner {
        println!("inside {top}:");
        for (from, tos) in g {
            println!(
                "  {from} -> {}",
                tos.iter().cloned().collect::<Vec<_>>().join(", ")
            );
        }
        if let Some(c) = find_cycle(g) {
            panic!("import cycle inside `{top}`: {}", c.join(" -> "));
        }
    }
    assert!(
        e.climbs.is_empty(),
        "super::super:: paths (use crate:: paths instead): {:?}",
        e.climbs
    );
}

// The checker itself: each rule must be able to fail.

#[test]
fn the_path_reader_sees_groups_inline_paths_and_skips_prose() {
    let code = strip_comments(
        "use crate::model::{codes::Code, paths};\nuse crate::{repo::load, Code};\n\
         let x = crate::helm::sources::render();\n// see crate::report::x\n\
         use fluxport_core::image;",
    );
    let got: BTreeSet<Vec<String>> = crate_paths(&code).into_iter().collect();
    let want: BTreeSet<Vec<String>> = [
        vec!["model", "codes"],
        vec!["model", "paths"],
        vec!["repo", "load"],
        vec!["Code"],
        vec!["helm", "sources"],
    ]
    .into_iter()
    .map(|v| v.into_iter().map(String::from).collect())
    .collect();
    assert_eq!(got, want);
}

#[test]
fn a_cycle_is_found() {
    let mut g = Graph::new();
    g.entry("a".into()).or_default().insert("b".into());
    g.entry("b".into()).or_default().insert("c".into());
    assert_eq!(find_cycle(&g), None);
    g.entry("c".into()).or_default().insert("a".into());
    let c = find_cycle(&g).expect("cycle");
    assert_eq!(c.first(), c.last());
    assert_eq!(c.len(), 4);
}
