//! `yaml::edited::edited_tree` over the whole corpus: for every block mapping of every
//! real document, the edits the image stage makes to a workload's annotations and
//! images (whole entry lines deleted, `annotations: {}`, a marker comment after a
//! plain scalar), in LF and CRLF, give either no tree or exactly the tree a parse of
//! the edited text gives. The pre-flight takes these trees instead of parsing
//! (`convert`), so a wrong one would be a wrong finding.

mod common;

use common::{block_values, corpus_yaml_documents, first_marker_place};
use fluxport_core::text::{apply_edits, LineIndex, TextEdit};
use fluxport_core::yaml::edited::edited_tree;
use fluxport_core::yaml::{parse_document, Node};

const MARKER: &str = " # {\"$imagepolicy\": \"ns:p\"}";

/// The edit that deletes `entry`'s lines, as `image::policy::edits` makes it; `None`
/// when the entry is not alone on its first line.
fn delete_entry(doc: &str, idx: &LineIndex, key: &Node, value: &Node) -> Option<TextEdit> {
    let line = idx.line_of(key.start());
    let start = idx.line_start(line);
    if !doc[start..key.start()].trim().is_empty() {
        return None;
    }
    let last = idx.line_of(
        value
            .end()
            .max(key.end())
            .saturating_sub(1)
            .max(key.start()),
    );
    let next = idx.line_start(last + 1);
    let end = if next == usize::MAX || next > doc.len() {
        doc.len()
    } else {
        next
    };
    Some(TextEdit::replace(start, end, ""))
}

/// The edit sets tried on the block mapping `value` (the value of `key`) of `doc`.
fn edit_sets(
    doc: &str,
    idx: &LineIndex,
    root: &Node,
    key: &Node,
    value: &Node,
) -> Vec<Vec<TextEdit>> {
    let entries = value.entries();
    let dels: Vec<Option<TextEdit>> = entries
        .iter()
        .map(|e| delete_entry(doc, idx, &e.key, &e.value))
        .collect();
    let marker = first_marker_place(root, doc).map(|n| TextEdit::insert(n.end(), MARKER));
    let mut sets = Vec::new();
    if let Some(Some(first)) = dels.first() {
        sets.push(vec![first.clone()]);
    }
    if dels.len() > 1 {
        if let Some(Some(last)) = dels.last() {
            sets.push(vec![last.clone()]);
        }
    }
    if dels.iter().all(Option::is_some) {
        let mut all: Vec<TextEdit> = dels.iter().flatten().cloned().collect();
        if let Some(colon) = doc[key.end()..].find(':') {
            all.push(TextEdit::insert(key.end() + colon + 1, " {}"));
            sets.push(all);
        }
    }
    let with_marker: Vec<Vec<TextEdit>> = sets
        .iter()
        .filter_map(|s| {
            let m = marker.clone()?;
            // A marker inside a deleted entry is not made.
            s.iter()
                .all(|e| m.start < e.start || m.start >= e.end)
                .then(|| s.iter().cloned().chain([m]).collect())
        })
        .collect();
    sets.extend(with_marker);
    if let Some(m) = marker {
        sets.push(vec![m]);
    }
    sets
}

#[test]
fn edited_trees_are_the_parse_of_the_edited_text_over_the_corpus_lf() {
    corpus("\n");
}

/// The same with CRLF line ends (a separate test: the two run in parallel).
#[test]
fn edited_trees_are_the_parse_of_the_edited_text_over_the_corpus_crlf() {
    corpus("\r\n");
}

fn corpus(nl: &str) {
    let (mut checked, mut refused) = (0usize, 0usize);
    for (path, doc) in corpus_yaml_documents() {
        // Line ends are the test's: a document with a CR of its own is left out.
        if doc.contains('\r') {
            continue;
        }
        let doc = doc.replace('\n', nl);
        let Ok(parsed) = parse_document(&doc, 64, 1000) else {
            continue;
        };
        let Some(root) = parsed.root else { continue };
        if !parsed.duplicates.is_empty() {
            continue;
        }
        let idx = LineIndex::new(&doc);
        let mut maps = Vec::new();
        block_values(&root, &mut maps);
        maps.retain(|(_, v)| v.is_map());
        // Each try clones and parses the whole document: at most 8 mappings of a
        // document, spread over it, keep this linear in the corpus.
        let step = maps.len().div_ceil(8).max(1);
        for (key, value) in maps.into_iter().step_by(step) {
            for edits in edit_sets(&doc, &idx, &root, key, value) {
                let Some(tree) = edited_tree(root.clone(), &doc, &edits) else {
                    refused += 1;
                    continue;
                };
                let written = apply_edits(&doc, &edits);
                let fresh = parse_document(&written, 64, 1000).unwrap_or_else(|e| {
                    panic!(
                        "{}: a tree for text that does not parse: {e:?}\n{written}",
                        path
                    )
                });
                if Some(&tree) != fresh.root.as_ref() {
                    let (a, b) = (
                        format!("{tree:?}"),
                        format!("{:?}", fresh.root.as_ref().unwrap()),
                    );
                    let at = a
                        .bytes()
                        .zip(b.bytes())
                        .position(|(x, y)| x != y)
                        .unwrap_or(0);
                    let from = at.saturating_sub(300);
                    panic!(
                                "{}: an edited tree is not the parse of the edited text:\n{written:?}\nedits {edits:?}\nedited …{}\nparsed …{}",
                                path,
                                &a[from..(at + 200).min(a.len())],
                                &b[from..(at + 200).min(b.len())]
                            );
                }
                checked += 1;
            }
        }
    }
    eprintln!("edited trees ({nl:?}): {checked} checked, {refused} refused");
    // Not vacuous: most edits hand over a tree.
    assert!(
        checked > 5_000 && checked > refused * 4,
        "{checked} checked, {refused} refused"
    );
}

/// Hand-written cases: the workload shapes the image stage edits, in LF and CRLF.
#[test]
fn edited_tree_is_the_parse_of_the_edited_text() {
    let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  annotations:\n    fluxcd.io/automated: \"true\"\n    # kept\n    filter.fluxcd.io/web: glob:v*\n    other: |\n      text\n  labels: {a: b}\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.0\n      - name: side\n        image: \"busybox:1\"\n";
    let line = |doc: &str, starts: &str| {
        let s = doc.find(starts).unwrap();
        let s = doc[..s].rfind('\n').map_or(0, |i| i + 1);
        let e = doc[s..].find('\n').map_or(doc.len(), |i| s + i + 1);
        TextEdit::replace(s, e, "")
    };
    let after = |doc: &str, what: &str, with: &str| {
        let at = doc.find(what).unwrap() + what.len();
        TextEdit::insert(at, with)
    };
    type Edits = Box<dyn Fn(&str) -> Vec<TextEdit>>;
    let taken: Vec<Edits> = vec![
        // Some annotations go (the first one: the mapping starts at the next key).
        Box::new(move |d| {
            vec![
                line(d, "fluxcd.io/automated"),
                after(d, "nginx:1.0", MARKER),
            ]
        }),
        Box::new(move |d| {
            vec![
                line(d, "fluxcd.io/automated"),
                line(d, "filter.fluxcd.io/web"),
            ]
        }),
        // All of them: `annotations: {}`, the comment and the block scalar's lines.
        Box::new(move |d| {
            let s = d.find("    fluxcd.io/automated").unwrap();
            let e = d.find("  labels:").unwrap();
            vec![
                TextEdit::replace(s, e, ""),
                after(d, "  annotations:", " {}"),
                after(d, "nginx:1.0", MARKER),
            ]
        }),
        // A marker alone, and one before an old comment.
        Box::new(move |d| vec![after(d, "nginx:1.0", MARKER)]),
        Box::new(move |d| vec![after(d, "glob:v*", MARKER)]),
    ];
    for nl in ["\n", "\r\n"] {
        let doc = deployment.replace('\n', nl);
        let root = parse_document(&doc, 64, 100).unwrap().root.unwrap();
        for edits in &taken {
            let edits = edits(&doc);
            let written = apply_edits(&doc, &edits);
            let tree = edited_tree(root.clone(), &doc, &edits)
                .unwrap_or_else(|| panic!("refused:\n{written}\n{edits:?}"));
            let fresh = parse_document(&written, 64, 100).unwrap();
            assert_eq!(Some(&tree), fresh.root.as_ref(), "{written}");
        }
    }
    // None: an anchor, a flow mapping's entry, an insertion before text on its line
    // or inside a scalar, after a quoted scalar, a deletion of part of a line or of
    // part of an entry, overlapping edits, a removed mapping without `{}`.
    let refused: Vec<(&str, Edits)> = vec![
        ("a: &x 1\nb: 2\n", Box::new(move |d| vec![line(d, "b: 2")])),
        (
            "a:\n  b: 1\n  c: 2\n",
            Box::new(move |d| vec![after(d, "b", MARKER)]),
        ),
        (
            "a:\n  b: 12\n",
            Box::new(move |d| vec![after(d, "b: 1", MARKER)]),
        ),
        (
            "a:\n  b: \"1\"\n",
            Box::new(move |d| vec![after(d, "b: \"1\"", MARKER)]),
        ),
        (
            "a:\n  b: 1\n  c: 2\n",
            Box::new(|d: &str| vec![TextEdit::replace(d.find("c").unwrap(), d.len(), "")]),
        ),
        (
            "a:\n  b: |\n    x\n    y\n  c: 2\n",
            Box::new(|d: &str| {
                let s = d.find("    y").unwrap();
                vec![TextEdit::replace(s, s + 6, "")]
            }),
        ),
        (
            "a:\n  b: 1\n  c: 2\n",
            Box::new(move |d| {
                vec![
                    line(d, "b: 1"),
                    TextEdit::replace(d.find("b: 1").unwrap(), d.find("c").unwrap(), ""),
                ]
            }),
        ),
        (
            "a:\n  b: 1\nz: 2\n",
            Box::new(move |d| vec![line(d, "b: 1")]),
        ),
        (
            "a: !!map\n  b: 1\n  c: 2\n",
            Box::new(move |d| vec![line(d, "b: 1")]),
        ),
        (
            "a: {b: 1,\n  c: 2}\n",
            Box::new(move |d| vec![line(d, "c: 2")]),
        ),
    ];
    for (doc, edits) in &refused {
        let root = parse_document(doc, 64, 100).unwrap().root.unwrap();
        let edits = edits(doc);
        assert!(
            edited_tree(root, doc, &edits).is_none(),
            "taken:\n{}",
            apply_edits(doc, &edits)
        );
    }
}
