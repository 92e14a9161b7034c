//! `yaml::raw::copy_node_with_tree` over the whole corpus: every block collection of
//! every real document, copied as a HelmRelease's `values` are (with and without an
//! image-policy marker after its first scalar, into LF and CRLF output), gives either
//! no tree or exactly the tree a parse of the written copy gives. The pre-flight takes
//! these trees instead of parsing (`convert`), so a wrong one would be a wrong finding.

mod common;

use common::{read_dir_inputs, shared};
use fluxport_core::repo::load::split_documents;
use fluxport_core::text::{indent_of, LineIndex, TextEdit};
use fluxport_core::yaml::emit::{render_tree, Out};
use fluxport_core::yaml::raw::copy_node_with_tree;
use fluxport_core::yaml::{parse_document, Node};

/// Every block mapping or sequence below `node` that is a mapping value.
fn block_values<'a>(node: &'a Node, out: &mut Vec<(&'a Node, &'a Node)>) {
    for e in node.entries() {
        if (e.value.is_map() || e.value.is_seq()) && !e.value.is_flow() {
            out.push((&e.key, &e.value));
        }
        block_values(&e.value, out);
    }
    for i in node.items() {
        block_values(i, out);
    }
}

/// The first plain scalar in block context below `node` that ends its line: where
/// fluxport puts an image-policy marker (after an image or tag value).
fn first_marker_place<'a>(node: &'a Node, doc: &str) -> Option<&'a Node> {
    if node.is_flow() {
        return None;
    }
    if node.is_map() || node.is_seq() {
        return node
            .entries()
            .iter()
            .find_map(|e| first_marker_place(&e.value, doc))
            .or_else(|| node.items().iter().find_map(|i| first_marker_place(i, doc)));
    }
    let rest = doc[node.end()..].split('\n').next().unwrap_or("");
    let plain = node.style() == Some(fluxport_core::yaml::Style::Plain);
    (plain && node.as_str().is_some_and(|s| !s.is_empty()) && rest.trim().is_empty())
        .then_some(node)
}

#[test]
fn copied_trees_are_the_parse_of_the_copy_over_the_corpus() {
    let mut inputs = read_dir_inputs(&shared().join("corpus/v1"));
    inputs.extend(read_dir_inputs(&shared().join("corpus/repos")));
    let (mut checked, mut refused) = (0usize, 0usize);
    for f in &inputs {
        let Ok(text) = std::str::from_utf8(&f.bytes) else {
            continue;
        };
        if !(f.path.ends_with(".yaml") || f.path.ends_with(".yml")) {
            continue;
        }
        for (s, e) in split_documents(text) {
            let doc = &text[s..e];
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
                    let copied = copy_node_with_tree(doc, &idx, value, parent, 4, &edits);
                    if copied.1.is_none() {
                        refused += 1;
                        continue;
                    }
                    for nl in ["\n", "\r\n"] {
                        let out = Out::map()
                            .s("kind", "HelmRelease")
                            .kv(
                                "spec",
                                Out::map()
                                    .s("a", "b")
                                    .kv("values", Out::copied(copied.clone()))
                                    .build(),
                            )
                            .build();
                        let (written, tree) = render_tree(&out, nl);
                        let fresh = parse_document(&written, 64, 1000).unwrap_or_else(|e| {
                            panic!("{}: the copy does not parse: {e:?}\n{written}", f.path)
                        });
                        assert!(
                            tree.as_ref() == fresh.root.as_ref(),
                            "{}: a copied tree is not the parse of the copy:\n{written}\n{tree:?}\n{:?}",
                            f.path,
                            fresh.root
                        );
                        checked += 1;
                    }
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
