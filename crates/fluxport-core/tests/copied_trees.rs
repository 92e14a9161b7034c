//! `yaml::raw::copy_node_with_tree` over the whole corpus: every block collection of
//! every real document, copied as a HelmRelease's `values` are (with and without an
//! image-policy marker after its first scalar, into LF and CRLF output), gives either
//! no tree or exactly the tree a parse of the written copy gives. The pre-flight takes
//! these trees instead of parsing (`convert`), so a wrong one would be a wrong finding.

mod common;

use common::{block_values, corpus_yaml_documents, first_marker_place};
use fluxport_core::text::{indent_of, LineIndex, TextEdit};
use fluxport_core::yaml::emit::{render, render_tree, GeneratedTrees, Out};
use fluxport_core::yaml::raw::copy_node_with_tree;
use fluxport_core::yaml::raw::{copy_node, RawText};
use fluxport_core::yaml::{parse_document, Node};

/// A copy placed as a HelmRelease's `spec.values` (at indentation 4).
fn as_values(copied: &(RawText, Option<Node>)) -> Out {
    Out::map()
        .s("kind", "HelmRelease")
        .kv(
            "spec",
            Out::map()
                .s("a", "b")
                .kv("values", Out::copied(copied.clone()))
                .build(),
        )
        .build()
}

#[test]
fn copied_trees_are_the_parse_of_the_copy_over_the_corpus() {
    let (mut checked, mut refused) = (0usize, 0usize);
    for (path, doc) in corpus_yaml_documents() {
        let doc = doc.as_str();
        let Ok(parsed) = parse_document(doc, 64, 1000) else {
            continue;
        };
        let Some(root) = parsed.root else { continue };
        let idx = LineIndex::new(doc);
        let mut values = Vec::new();
        block_values(&root, &mut values);
        for (key, value) in values {
            let key_line = idx.line_start(idx.line_of(key.start()));
            let parent = indent_of(&doc[key_line..]);
            let marker = first_marker_place(value, doc)
                .map(|n| {
                    vec![TextEdit::replace(
                        n.end(),
                        n.end(),
                        " # {\"$imagepolicy\": \"ns:p\"}",
                    )]
                })
                .unwrap_or_default();
            for edits in [Vec::new(), marker] {
                let copied = copy_node_with_tree(doc, &idx, value, parent, 4, &edits, true);
                if copied.1.is_none() {
                    refused += 1;
                    continue;
                }
                for nl in ["\n", "\r\n"] {
                    let out = as_values(&copied);
                    let (written, tree) = render_tree(&out, nl);
                    let fresh = parse_document(&written, 64, 1000).unwrap_or_else(|e| {
                        panic!("{}: the copy does not parse: {e:?}\n{written}", path)
                    });
                    assert!(
                            tree.as_ref() == fresh.root.as_ref(),
                            "{}: a copied tree is not the parse of the copy:\n{written}\n{tree:?}\n{:?}",
                            path,
                            fresh.root
                        );
                    checked += 1;
                }
            }
        }
    }
    eprintln!("copied trees: {checked} checked, {refused} refused");
    // Not vacuous: most copies hand over a tree.
    assert!(
        checked > 5_000 && checked > refused * 4,
        "{checked} checked, {refused} refused"
    );
}

/// The tree `copy_node_with_tree` hands over is the tree a parse of the written
/// copy gives (spans, lines, columns, values), for LF and CRLF input and output and
/// with marker edits; and it hands over none where the copy could read otherwise.
#[test]
fn copied_tree_is_the_parse_of_the_copy() {
    /// The edits a case makes to its document.
    type EditsOf = Box<dyn Fn(&str) -> Vec<TextEdit>>;
    let marker = |doc: &str, after: &str| {
        let at = doc.find(after).unwrap() + after.len();
        vec![TextEdit::replace(at, at, " # {\"$imagepolicy\": \"ns:p\"}")]
    };
    let cases: Vec<(&str, EditsOf)> = vec![
        (
            "spec:\n  values:\n    # top\n    image:\n      repository: nginx # pinned\n      tag: \"1.0\"\n    list:\n    - a\n    -   b: 1\n        c: [x, {y: z}]\n    flow: {a: 1,\n      b: 2}\n    ünï: çödé\n    text: |\n      one\n\n        two\n    folded: >-\n      a\n      b\n    ind: |2\n        x\n    quoted: \"a\n      b\"\n    plain: a\n      b\n    tab: \"a\tb\"\n    empty:\n    nested:\n      - - deep\n        - 1\n\n    # trailing\nnext: 1\n",
            Box::new(|_| Vec::new()),
        ),
        (
            "spec:\n  values:\n    image:\n      repository: nginx\n      tag: \"1.0\" # old\n    z: 1\n",
            Box::new(move |d| marker(d, "repository: nginx")),
        ),
        (
            "spec:\n  values:\n    image:\n      repository: nginx\n      tag: 1.0 # old\n    z: 1\n",
            Box::new(|d: &str| {
                let at = d.find("# old").unwrap();
                vec![TextEdit::replace(at, at + 5, "# {\"$imagepolicy\": \"ns:p:tag\"}")]
            }),
        ),
        (
            "spec:\n  values:\n    - a: 1\n      # note\n    - b\n    -\n      - c\n",
            Box::new(|_| Vec::new()),
        ),
    ];
    for (input, edits) in &cases {
        for in_nl in ["\n", "\r\n"] {
            let doc = input.replace('\n', in_nl);
            let edits = edits(&doc);
            let p = parse_document(&doc, 64, 100).unwrap();
            let root = p.root.unwrap();
            let values = root.get("spec").unwrap().get("values").unwrap();
            let idx = LineIndex::new(&doc);
            let copied = copy_node_with_tree(&doc, &idx, values, 2, 4, &edits, true);
            assert_eq!(copied.0, copy_node(&doc, &idx, values, 2, 4, &edits));
            assert!(copied.1.is_some(), "{doc}");
            for out_nl in ["\n", "\r\n"] {
                let out = as_values(&copied);
                let (text, tree) = render_tree(&out, out_nl);
                assert_eq!(text, render(&out, out_nl));
                let parsed = parse_document(&text, 64, 100).unwrap();
                assert_eq!(tree.as_ref(), parsed.root.as_ref(), "{text}");
                // Kept by the conversion: the tree moves out of the document.
                let mut kept = GeneratedTrees::new(true);
                assert_eq!(kept.render(out.clone(), out_nl), text);
                assert_eq!(kept.render(out, out_nl), text);
                assert_eq!(kept.take(&text).as_ref(), parsed.root.as_ref());
                assert_eq!(kept.take(&text).as_ref(), parsed.root.as_ref());
                assert!(kept.take(&text).is_none() && kept.is_empty());
            }
        }
    }
    // None: an anchor, an alias, a duplicate key, a sequence at its key's
    // indentation (the copy indents it), a whitespace-only line, an edit inside a
    // scalar (a quoted scalar's span runs over a comment after it).
    let refused: Vec<(&str, EditsOf)> = vec![
        (
            "spec:\n  values:\n    a: &x 1\n    b: *x\n",
            Box::new(|_| Vec::new()),
        ),
        (
            "spec:\n  values:\n    a: 1\n    a: 2\n",
            Box::new(|_| Vec::new()),
        ),
        (
            "spec:\n  values:\n    tag: '1.0'\n",
            Box::new(move |d: &str| marker(d, "'1.0'")),
        ),
        (
            "spec:\n  values:\n  - a: 1\n  - b\n",
            Box::new(|_| Vec::new()),
        ),
        (
            "spec:\n  values:\n    t: |\n      a\n        \n      b\n",
            Box::new(|_| Vec::new()),
        ),
        (
            "spec:\n  values:\n    tag: \"1.0\" # old\n",
            Box::new(|d: &str| {
                let at = d.find("# old").unwrap();
                vec![TextEdit::replace(
                    at,
                    at + 5,
                    "# {\"$imagepolicy\": \"ns:p:tag\"}",
                )]
            }),
        ),
        (
            "spec:\n  values:\n    image: nginx:1.0-alpine\n",
            Box::new(|d: &str| {
                let at = d.find("1.0").unwrap();
                vec![TextEdit::replace(at, at + 3, "1.1")]
            }),
        ),
        (
            "spec:\n  values:\n    image: nginx:1.0\n",
            Box::new(|d: &str| {
                let at = d.find("1.0").unwrap();
                vec![TextEdit::replace(at, at + 3, "1.1")]
            }),
        ),
    ];
    for (doc, edits) in &refused {
        let edits = edits(doc);
        let p = parse_document(doc, 64, 100).unwrap();
        let root = p.root.unwrap();
        let values = root.get("spec").unwrap().get("values").unwrap();
        let idx = LineIndex::new(doc);
        let (text, tree) = copy_node_with_tree(doc, &idx, values, 2, 4, &edits, true);
        assert_eq!(text, copy_node(doc, &idx, values, 2, 4, &edits));
        assert!(tree.is_none(), "{doc}");
    }
}
