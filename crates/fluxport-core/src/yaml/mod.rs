//! A YAML node tree with exact byte spans, built from `saphyr-parser` events.
//!
//! Why this and not a serde deserializer: fluxport must copy parts of documents
//! verbatim (values with their comments), edit single lines (markers, annotations) and
//! leave everything else byte-identical. That needs the byte span of every key and
//! value, which this tree keeps. Aliases are recorded, never expanded (no alias bombs),
//! and the builder is iterative with a depth limit (no stack overflow).

pub mod edited;
pub mod emit;
pub mod raw;

mod node;
mod parse;
mod scalar;
pub use node::*;
pub use parse::*;
pub use scalar::*;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_keys_in_wide_mappings() {
        let mut t = String::new();
        for i in 0..100 {
            t.push_str(&format!("k{i}: {i}\n"));
        }
        t.push_str("k3: again\nk99: again\nnew: 1\n");
        let p = parse_document(&t, 64, 10).unwrap();
        let dups: Vec<(&str, usize)> = p
            .duplicates
            .iter()
            .map(|d| (d.key.as_str(), d.line))
            .collect();
        assert_eq!(dups, vec![("k3", 101), ("k99", 102)]);
        assert_eq!(p.root.unwrap().entries().len(), 103);
    }

    #[test]
    fn spans_are_bytes() {
        let t = "a: é\nb:\n  c: [1, 2]\n  d: |\n    x\n";
        let p = parse_document(t, 64, 10).unwrap();
        let root = p.root.unwrap();
        let a = root.get("a").unwrap();
        assert_eq!(&t[a.start()..a.end()], "é");
        let b = root.get("b").unwrap();
        assert_eq!(b.line(), 3);
        let c = b.get("c").unwrap();
        assert_eq!(&t[c.start()..c.end()], "[1, 2]");
        let d = b.get("d").unwrap();
        assert_eq!(&t[d.start()..d.end()], "x");
        assert_eq!(&t[b.start()..b.end()], "c: [1, 2]\n  d: |\n    x");
    }

    #[test]
    fn duplicates_and_aliases() {
        let p = parse_document("a: &x 1\nb: *x\na: 2\n", 64, 10).unwrap();
        assert_eq!(
            p.duplicates,
            vec![DuplicateKey {
                key: "a".into(),
                line: 3,
                col: 1
            }]
        );
        let e = parse_document("a: &x 1\nb: [*x, *x, *x]\n", 64, 2).unwrap_err();
        assert_eq!(e.kind, ParseErrorKind::TooManyAliases);
    }

    /// Every document's tree is alive at once; peak heap (budget ≤ 10× the input)
    /// follows the size of a node directly.
    #[test]
    fn nodes_stay_compact() {
        assert!(std::mem::size_of::<Node>() <= 40);
        assert!(std::mem::size_of::<Entry>() <= 80);
    }

    #[test]
    fn short_and_long_scalars_read_the_same() {
        let short = "a".repeat(SHORT_SCALAR);
        let long = "b".repeat(SHORT_SCALAR + 1);
        let t = format!("{short}: {long}\nk: \"é€😀\"\nn: 0x1F\nu: _1\ns: !!str 3\n");
        let root = parse_document(&t, 64, 10).unwrap().root.unwrap();
        assert_eq!(root.get(&short).and_then(Node::as_str), Some(long.as_str()));
        assert!(matches!(
            root.entries()[0].key.value,
            Value::ShortScalar { .. }
        ));
        assert!(matches!(
            root.entries()[0].value.value,
            Value::Scalar { .. }
        ));
        let k = root.get("k").unwrap();
        assert_eq!(
            (k.as_str(), k.style()),
            (Some("é€😀"), Some(Style::DoubleQuoted))
        );
        assert_eq!(root.get("n").unwrap().as_i64(), Some(31));
        assert!(root.get("u").unwrap().is_string());
        let s = root.get("s").unwrap();
        assert!(!s.is_string() && s.meta().tagged());
        assert_eq!(to_json(s), serde_json::json!("3"));
    }

    #[test]
    fn wide_collections_keep_order_and_context() {
        let mut t = String::from("a: 1\nwide:\n");
        for i in 0..3000 {
            t.push_str(&format!("  k{i}: {i}\n"));
        }
        t.push_str("list:\n");
        for i in 0..3000 {
            t.push_str(&format!("- {i}\n"));
        }
        t.push_str("z: end\n");
        let root = parse_document(&t, 64, 10).unwrap().root.unwrap();
        let keys: Vec<&str> = root
            .entries()
            .iter()
            .filter_map(|e| e.key.as_str())
            .collect();
        assert_eq!(keys, ["a", "wide", "list", "z"]);
        let wide = root.get("wide").unwrap().entries();
        assert_eq!(wide.len(), 3000);
        assert_eq!(wide[2999].key.as_str(), Some("k2999"));
        let list = root.get("list").unwrap().items();
        assert_eq!((list.len(), list[1234].as_i64()), (3000, Some(1234)));
    }

    #[test]
    fn shift_moves_every_span() {
        let t = "a: [1, {b: 2}]\n";
        let mut root = parse_document(t, 64, 10).unwrap().root.unwrap();
        root.shift(3);
        let inner = &root.get("a").unwrap().items()[1];
        assert_eq!(inner.get("b").unwrap().start(), 11 + 3);
        assert_eq!(root.start(), 3);
        assert!(inner.is_flow() && root.get("a").unwrap().is_flow() && !root.is_flow());
    }

    #[test]
    fn depth_limit() {
        let deep = "[".repeat(100) + &"]".repeat(100);
        assert_eq!(
            parse_document(&deep, 50, 10).unwrap_err().kind,
            ParseErrorKind::TooDeep
        );
    }

    #[test]
    fn yaml11_types() {
        assert_eq!(plain_type("yes"), PlainType::Bool(true));
        assert_eq!(plain_type("1.10"), PlainType::Float);
        assert_eq!(plain_type("5.0.3"), PlainType::Str);
        assert_eq!(plain_type("300"), PlainType::Int);
        assert_eq!(plain_type("1e3"), PlainType::Float);
        assert_eq!(plain_type("v1"), PlainType::Str);
    }
}
