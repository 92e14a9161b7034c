//! Writes generated YAML: an ordered tree of keys and values, plus verbatim blocks
//! copied from the input (values with comments). Block style, two-space indents,
//! sequences indented under their key, strings quoted only when YAML would misread
//! them. Deterministic: the same tree always gives the same bytes.

use crate::yaml::plain_type;
use crate::yaml::raw::RawText;
use crate::yaml::PlainType;

#[derive(Debug, Clone, PartialEq)]
pub enum Out {
    Map(Vec<(String, Out)>),
    Seq(Vec<Out>),
    Str(String),
    Int(i64),
    Bool(bool),
    /// Text copied from the input (already relative to the key's indentation + 2).
    Raw(RawText),
    /// A value followed by a line comment on the same line (scalars only) or a comment
    /// line above the key (collections).
    Commented(Box<Out>, String),
}

impl Out {
    pub fn str(s: impl Into<String>) -> Out {
        Out::Str(s.into())
    }
    pub fn map() -> MapBuilder {
        MapBuilder(Vec::new())
    }
    pub fn is_empty_map(&self) -> bool {
        matches!(self, Out::Map(m) if m.is_empty())
    }
}

/// Builds an ordered mapping; `opt` skips `None`.
#[derive(Debug, Default)]
pub struct MapBuilder(pub Vec<(String, Out)>);

impl MapBuilder {
    pub fn kv(mut self, k: &str, v: Out) -> Self {
        self.0.push((k.to_string(), v));
        self
    }
    pub fn s(self, k: &str, v: impl Into<String>) -> Self {
        self.kv(k, Out::Str(v.into()))
    }
    pub fn opt(self, k: &str, v: Option<Out>) -> Self {
        match v {
            Some(v) => self.kv(k, v),
            None => self,
        }
    }
    /// Adds the entry only if it is a non-empty map.
    pub fn nonempty(self, k: &str, v: Out) -> Self {
        if v.is_empty_map() {
            self
        } else {
            self.kv(k, v)
        }
    }
    pub fn push(&mut self, k: &str, v: Out) {
        self.0.push((k.to_string(), v));
    }
    pub fn build(self) -> Out {
        Out::Map(self.0)
    }
}

/// Renders a document (without `---`). Lines end with `nl`.
pub fn render(doc: &Out, nl: &str) -> String {
    let mut w = Writer {
        out: String::new(),
        nl,
    };
    match doc {
        Out::Map(entries) => w.map_entries(entries, 0),
        other => {
            w.out.push_str(&scalar_text(other));
            w.out.push_str(nl);
        }
    }
    w.out
}

struct Writer<'a> {
    out: String,
    nl: &'a str,
}

impl Writer<'_> {
    fn pad(&mut self, n: usize) {
        for _ in 0..n {
            self.out.push(' ');
        }
    }

    fn map_entries(&mut self, entries: &[(String, Out)], indent: usize) {
        for (i, (k, v)) in entries.iter().enumerate() {
            if i > 0 {
                self.pad(indent);
            }
            self.key_value(k, v, indent);
        }
    }

    /// Writes `key: value` starting at the current position (indentation already
    /// written), ending with a newline.
    fn key_value(&mut self, k: &str, v: &Out, indent: usize) {
        let (v, comment) = match v {
            Out::Commented(inner, c) => (inner.as_ref(), Some(c.as_str())),
            other => (other, None),
        };
        let key = quote_key(k);
        match v {
            Out::Map(m) if !m.is_empty() => {
                self.out.push_str(&key);
                self.out.push(':');
                self.comment(comment);
                self.out.push_str(self.nl);
                self.pad(indent + 2);
                self.map_entries(m, indent + 2);
            }
            Out::Seq(s) if !s.is_empty() => {
                self.out.push_str(&key);
                self.out.push(':');
                self.comment(comment);
                self.out.push_str(self.nl);
                self.seq_items(s, indent + 2);
            }
            Out::Raw(RawText::Block(lines)) => {
                self.out.push_str(&key);
                self.out.push(':');
                self.comment(comment);
                self.out.push_str(self.nl);
                for l in lines {
                    self.out.push_str(l);
                    self.out.push_str(self.nl);
                }
            }
            Out::Raw(RawText::Inline(lines)) => {
                self.out.push_str(&key);
                self.out.push_str(": ");
                for (i, l) in lines.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(self.nl);
                    }
                    self.out.push_str(l);
                }
                self.comment(comment);
                self.out.push_str(self.nl);
            }
            scalar => {
                self.out.push_str(&key);
                self.out.push_str(": ");
                self.out.push_str(&scalar_text(scalar));
                self.comment(comment);
                self.out.push_str(self.nl);
            }
        }
    }

    fn comment(&mut self, c: Option<&str>) {
        if let Some(c) = c {
            self.out.push_str(" # ");
            self.out.push_str(c);
        }
    }

    fn seq_items(&mut self, items: &[Out], indent: usize) {
        for item in items {
            self.pad(indent);
            self.out.push_str("- ");
            match item {
                Out::Map(m) if !m.is_empty() => self.map_entries(m, indent + 2),
                Out::Seq(s) if !s.is_empty() => {
                    self.out.push_str(self.nl);
                    self.seq_items(s, indent + 2);
                }
                other => {
                    self.out.push_str(&scalar_text(other));
                    self.out.push_str(self.nl);
                }
            }
        }
    }
}

fn scalar_text(v: &Out) -> String {
    match v {
        Out::Str(s) => quote(s),
        Out::Int(i) => i.to_string(),
        Out::Bool(b) => b.to_string(),
        Out::Map(_) => "{}".into(),
        Out::Seq(_) => "[]".into(),
        Out::Raw(RawText::Inline(l)) | Out::Raw(RawText::Block(l)) => l.join(" "),
        Out::Commented(inner, _) => scalar_text(inner),
    }
}

fn quote_key(k: &str) -> String {
    quote(k)
}

/// Quotes a string only when a YAML 1.1 or 1.2 reader could take it for something
/// else (bool, null, number, indicator, comment), using double quotes.
pub fn quote(s: &str) -> String {
    if needs_quotes(s) {
        let mut q = String::with_capacity(s.len() + 2);
        q.push('"');
        for c in s.chars() {
            match c {
                '"' => q.push_str("\\\""),
                '\\' => q.push_str("\\\\"),
                '\n' => q.push_str("\\n"),
                '\t' => q.push_str("\\t"),
                '\r' => q.push_str("\\r"),
                c if (c as u32) < 0x20 || c == '\u{7f}' => {
                    q.push_str(&format!("\\x{:02x}", c as u32))
                }
                // YAML 1.1 readers (go-yaml, so Kubernetes) fold U+0085, U+2028 and
                // U+2029 as line breaks even inside quotes; a raw BOM or C1 control is
                // not printable. Escape them all.
                c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}') => {
                    q.push_str(&format!("\\u{:04x}", c as u32))
                }
                c => q.push(c),
            }
        }
        q.push('"');
        q
    } else {
        s.to_string()
    }
}

fn needs_quotes(s: &str) -> bool {
    if s.is_empty() || s.trim() != s {
        return true;
    }
    if plain_type(s) != PlainType::Str {
        return true;
    }
    // YAML 1.2 core-schema numbers that YAML 1.1 reads differently (e.g. "0o17", "1_000").
    if s.parse::<f64>().is_ok() {
        return true;
    }
    let first = s.chars().next().unwrap_or(' ');
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) {
        // "-foo" is fine as plain in block context only if not followed by a space, but
        // quoting is always safe.
        return true;
    }
    if s.contains(": ") || s.contains(" #") || s.ends_with(':') || s.contains('\t') {
        return true;
    }
    s.chars()
        .any(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}'))
}

/// JSON as generated YAML: objects keep their key order, numbers that are not `i64` are
/// written as JSON writes them, `null` as `null`.
pub fn from_json(j: &serde_json::Value) -> Out {
    use serde_json::Value as J;
    match j {
        J::Object(m) => Out::Map(
            m.iter()
                .map(|(k, v)| (k.clone(), from_json(v)))
                .collect::<Vec<_>>(),
        ),
        J::Array(a) => Out::Seq(a.iter().map(from_json).collect()),
        J::String(s) => Out::Str(s.clone()),
        J::Bool(b) => Out::Bool(*b),
        J::Number(n) => match n.as_i64() {
            Some(i) => Out::Int(i),
            None => Out::Raw(crate::yaml::raw::RawText::Inline(vec![n.to_string()])),
        },
        J::Null => Out::Raw(crate::yaml::raw::RawText::Inline(vec!["null".into()])),
    }
}

/// The JSON value of an output tree, as parsing its rendered text would give it,
/// without rendering the whole tree: only text copied from the input (`Out::Raw`) is
/// parsed, alone. `None` when such text does not parse within the limits.
pub fn to_json(out: &Out, max_depth: usize, max_aliases: usize) -> Option<serde_json::Value> {
    use serde_json::Value as J;
    Some(match out {
        Out::Map(m) => J::Object(
            m.iter()
                .map(|(k, v)| Some((k.clone(), to_json(v, max_depth, max_aliases)?)))
                .collect::<Option<serde_json::Map<_, _>>>()?,
        ),
        Out::Seq(items) => J::Array(
            items
                .iter()
                .map(|v| to_json(v, max_depth, max_aliases))
                .collect::<Option<Vec<_>>>()?,
        ),
        Out::Str(s) => J::String(s.clone()),
        Out::Int(i) => J::from(*i),
        Out::Bool(b) => J::Bool(*b),
        Out::Commented(v, _) => to_json(v, max_depth, max_aliases)?,
        Out::Raw(_) => {
            let text = render(&Out::Map(vec![("v".into(), out.clone())]), "\n");
            let doc = crate::yaml::parse_document(&text, max_depth, max_aliases).ok()?;
            crate::yaml::to_json(doc.root.as_ref()?.get("v")?)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn to_json_matches_parsing_the_rendered_text() {
        let doc = Out::map()
            .s("a", "true")
            .kv("n", Out::Int(3))
            .kv("b", Out::Bool(false))
            .kv(
                "raw",
                Out::Raw(crate::yaml::raw::RawText::Block(vec![
                    "  x: 1".into(),
                    "  y: [a, b]".into(),
                ])),
            )
            .kv("c", Out::Commented(Box::new(Out::str("5m")), "why".into()))
            .kv("s", Out::Seq(vec![Out::str("1"), Out::Int(1)]))
            .build();
        let text = render(&doc, "\n");
        let parsed = crate::yaml::parse_document(&text, 64, 64).unwrap();
        assert_eq!(
            to_json(&doc, 64, 64).unwrap(),
            crate::yaml::to_json(parsed.root.as_ref().unwrap()),
            "{text}"
        );
    }

    #[test]
    fn renders_nested() {
        let doc = Out::map()
            .s("apiVersion", "v1")
            .kv(
                "spec",
                Out::map()
                    .kv(
                        "list",
                        Out::Seq(vec![
                            Out::map().s("a", "1.0").kv("b", Out::Int(2)).build(),
                            Out::str("x"),
                        ]),
                    )
                    .kv("on", Out::Bool(true))
                    .build(),
            )
            .build();
        assert_eq!(render(&doc, "\n"), "apiVersion: v1\nspec:\n  list:\n    - a: \"1.0\"\n      b: 2\n    - x\n  \"on\": true\n");
    }

    #[test]
    fn quoting() {
        for s in [
            "", "yes", "1.10", "300", "null", "- x", "a: b", "#c", " x", "0x1F", "1e3",
        ] {
            assert!(quote(s).starts_with('"'), "{s}");
        }
        for s in [
            "5.0.3",
            "charts/web",
            "https://x.io/a",
            "3m",
            "v1.2.0",
            "flux-system:a-b",
        ] {
            assert_eq!(quote(s), s);
        }
    }
}
