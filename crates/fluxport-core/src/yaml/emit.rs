//! Writes generated YAML: an ordered tree of keys and values, plus verbatim blocks
//! copied from the input (values with comments). Block style, two-space indents,
//! sequences indented under their key, strings quoted only when YAML would misread
//! them. Deterministic: the same tree always gives the same bytes.

use crate::yaml::plain_type;
use crate::yaml::raw::RawText;
use crate::yaml::PlainType;
use crate::yaml::{to_u32, Entry, Meta, Node, Style, Value};

#[derive(Debug, Clone, PartialEq)]
pub enum Out {
    Map(Vec<(String, Out)>),
    Seq(Vec<Out>),
    Str(String),
    Int(i64),
    Bool(bool),
    /// Text copied from the input (already relative to the key's indentation + 2).
    Raw(RawText),
    /// A block collection copied from the input, written as `Raw(RawText::Block)` is,
    /// with its node's tree relative to the copied lines
    /// (`raw::copy_node_with_tree`): the tree mode places it instead of giving up.
    Copied(Vec<String>, Box<Node>),
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
    /// A copy of input text ([`crate::yaml::raw::copy_node_with_tree`]'s answer): with
    /// its tree when it has one.
    pub fn copied((text, tree): (RawText, Option<Node>)) -> Out {
        match (text, tree) {
            (RawText::Block(lines), Some(tree)) => Out::Copied(lines, Box::new(tree)),
            (text, _) => Out::Raw(text),
        }
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
    Writer::new(nl, false).document(doc).0
}

/// [`render`], and the tree that parsing the rendered text gives (what
/// `parse_document` would return as its root, spans and all), built while writing
/// instead of parsed back: the pre-flight reads the documents a conversion generates
/// through it. `None` for the tree when the document holds text copied from the input
/// (`Out::Raw`), whose tree is not known here, or when the writer cannot vouch for the
/// tree (an empty document, a key written twice): those documents are parsed.
/// In debug builds the pre-flight's load checks every tree handed to it against a
/// parse of the same text (`repo::load`).
pub fn render_tree(doc: &Out, nl: &str) -> (String, Option<Node>) {
    Writer::new(nl, true).document(doc)
}

/// The trees of the documents a conversion generated, by their text (rendered with
/// [`render_tree`]): its pre-flight takes a generated document's tree from here instead
/// of parsing the output again (`report::output`, `repo::load`). Off (nothing kept,
/// [`GeneratedTrees::render`] is [`render`]) when no pre-flight will read them.
#[derive(Debug, Default)]
pub struct GeneratedTrees {
    on: bool,
    /// The kept trees by [`GeneratedTrees::key`] of their text (`text::ByEnds`: its
    /// length and ends, so a lookup does not hash megabytes); the text itself decides.
    by_key: std::collections::HashMap<u64, Vec<Kept>>,
    state: std::collections::hash_map::RandomState,
}

/// A kept tree: its document's text, and how many documents were rendered with that
/// text (each [`GeneratedTrees::take`] hands out one).
#[derive(Debug)]
struct Kept {
    text: String,
    tree: Node,
    count: usize,
}

impl GeneratedTrees {
    pub fn new(on: bool) -> Self {
        GeneratedTrees {
            on,
            ..Default::default()
        }
    }

    fn key(&self, text: &str) -> u64 {
        std::hash::BuildHasher::hash_one(&self.state, crate::text::ByEnds(text))
    }

    /// [`render`], keeping the tree when on. Takes the document: the trees it carries
    /// (`Out::Copied`) move into the kept tree instead of being copied.
    pub fn render(&mut self, mut doc: Out, nl: &str) -> String {
        if !self.on {
            return render(&doc, nl);
        }
        let mut copied = Vec::new();
        take_copied(&mut doc, &mut copied);
        let mut writer = Writer::new(nl, true);
        writer.copied = Some(copied.into_iter());
        let (text, tree) = writer.document(&doc);
        if let Some(tree) = tree {
            let kept = self.by_key.entry(self.key(&text)).or_default();
            match kept.iter_mut().find(|k| k.text == text) {
                Some(k) => k.count += 1,
                None => kept.push(Kept {
                    text: text.clone(),
                    tree,
                    count: 1,
                }),
            }
        }
        text
    }

    /// The tree of a document rendered as exactly `text`, if one was kept.
    pub fn take(&mut self, text: &str) -> Option<Node> {
        let key = self.key(text);
        let kept = self.by_key.get_mut(&key)?;
        let i = kept.iter().position(|k| k.text == text)?;
        if kept[i].count > 1 {
            kept[i].count -= 1;
            return Some(kept[i].tree.clone());
        }
        let k = kept.swap_remove(i);
        if kept.is_empty() {
            self.by_key.remove(&key);
        }
        Some(k.tree)
    }

    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }

    /// Whether trees are kept.
    pub fn is_on(&self) -> bool {
        self.on
    }
}

/// Writes the text, and in tree mode the nodes a parser would build from it: each
/// method returns the node (or entries) it wrote, `None` outside tree mode or once
/// something was written whose node is not known (`exact` then turns false).
struct Writer<'a> {
    out: String,
    nl: &'a str,
    /// Whether to build the tree at all.
    tree: bool,
    /// Still true when every node written so far is known.
    exact: bool,
    /// 1-based line being written, and the byte offset where it starts.
    line: usize,
    line_start: usize,
    /// The trees of the document's `Out::Copied` values, taken out of it in writing
    /// order ([`take_copied`]); `None`: each is cloned from the document.
    copied: Option<std::vec::IntoIter<Node>>,
}

/// Moves the trees of `doc`'s `Out::Copied` values into `into`, in the order the
/// writer meets them (what is left in `doc` is a placeholder).
fn take_copied(doc: &mut Out, into: &mut Vec<Node>) {
    match doc {
        Out::Map(entries) => entries.iter_mut().for_each(|(_, v)| take_copied(v, into)),
        Out::Seq(items) => items.iter_mut().for_each(|v| take_copied(v, into)),
        Out::Commented(inner, _) => take_copied(inner, into),
        Out::Copied(_, tree) => {
            let placeholder = Node {
                value: Value::Alias,
                start: 0,
                end: 0,
                line: 0,
                col: 0,
            };
            into.push(std::mem::replace(&mut **tree, placeholder));
        }
        Out::Str(_) | Out::Int(_) | Out::Bool(_) | Out::Raw(_) => {}
    }
}

impl<'a> Writer<'a> {
    fn new(nl: &'a str, tree: bool) -> Self {
        Writer {
            out: String::new(),
            nl,
            tree,
            exact: true,
            line: 1,
            line_start: 0,
            copied: None,
        }
    }

    fn document(mut self, doc: &Out) -> (String, Option<Node>) {
        let root = match doc {
            Out::Map(entries) if !entries.is_empty() => {
                let entries = self.map_entries(entries, 0);
                self.block_map(entries)
            }
            Out::Map(_) => {
                self.exact = false; // nothing written: the document has no root
                None
            }
            other => {
                let node = self.scalar(other);
                self.newline();
                node
            }
        };
        let root = if self.tree && self.exact { root } else { None };
        (self.out, root)
    }

    fn newline(&mut self) {
        self.out.push_str(self.nl);
        self.line += 1;
        self.line_start = self.out.len();
    }

    fn pad(&mut self, n: usize) {
        for _ in 0..n {
            self.out.push(' ');
        }
    }

    /// A node starting at the current position and ending at `end`.
    fn node_here(&self, start: usize, end: usize, value: Value) -> Node {
        let col = self.out[self.line_start..start].chars().count() + 1;
        Node {
            value,
            start: to_u32(start),
            end: to_u32(end),
            line: to_u32(self.line),
            col: to_u32(col),
        }
    }

    /// Writes a mapping key at the current position.
    fn key(&mut self, k: &str) -> Option<Node> {
        let start = self.out.len();
        let text = quote(k);
        self.out.push_str(&text);
        self.tree
            .then(|| self.node_here(start, self.out.len(), str_value(k, &text)))
    }

    /// Writes a scalar (or `{}`/`[]`) at the current position.
    fn scalar(&mut self, v: &Out) -> Option<Node> {
        let start = self.out.len();
        let text = scalar_text(v);
        self.out.push_str(&text);
        if !self.tree {
            return None;
        }
        match scalar_value(v, &text) {
            Some(value) => Some(self.node_here(start, self.out.len(), value)),
            None => {
                self.exact = false;
                None
            }
        }
    }

    /// The block mapping of `entries`: it starts at its first key and ends at its last
    /// value. A key written twice is a duplicate to a parser: not vouched for.
    fn block_map(&mut self, entries: Option<Vec<Entry>>) -> Option<Node> {
        let entries = entries?;
        let first = entries.first()?;
        let last = entries.last()?;
        if !crate::yaml::distinct_scalar_keys(&entries) {
            self.exact = false;
            return None;
        }
        let (start, line, col, end) = (
            first.key.start,
            first.key.line,
            first.key.col,
            last.value.end,
        );
        Some(Node {
            value: Value::Map {
                entries: entries.into_boxed_slice(),
                meta: Meta::default(),
            },
            start,
            end,
            line,
            col,
        })
    }

    /// The block sequence of `items`, starting at its first `-` (`first_dash`: offset,
    /// line and column) and ending at its last item.
    fn block_seq(items: Option<Vec<Node>>, first_dash: (usize, usize, usize)) -> Option<Node> {
        let items = items?;
        let end = items.last()?.end;
        let (start, line, col) = first_dash;
        Some(Node {
            value: Value::Seq {
                items: items.into_boxed_slice(),
                meta: Meta::default(),
            },
            start: to_u32(start),
            end,
            line: to_u32(line),
            col: to_u32(col),
        })
    }

    fn map_entries(&mut self, entries: &[(String, Out)], indent: usize) -> Option<Vec<Entry>> {
        let mut written = self.tree.then(|| Vec::with_capacity(entries.len()));
        for (i, (k, v)) in entries.iter().enumerate() {
            if i > 0 {
                self.pad(indent);
            }
            let entry = self.key_value(k, v, indent);
            match (&mut written, entry) {
                (Some(w), Some(e)) => w.push(e),
                _ => written = None,
            }
        }
        written
    }

    /// Writes `key: value` starting at the current position (indentation already
    /// written), ending with a newline.
    fn key_value(&mut self, k: &str, v: &Out, indent: usize) -> Option<Entry> {
        let (v, comment) = match v {
            Out::Commented(inner, c) => (inner.as_ref(), Some(c.as_str())),
            other => (other, None),
        };
        let key = self.key(k);
        let value = match v {
            Out::Map(m) if !m.is_empty() => {
                self.out.push(':');
                self.comment(comment);
                self.newline();
                self.pad(indent + 2);
                let entries = self.map_entries(m, indent + 2);
                self.block_map(entries)
            }
            Out::Seq(s) if !s.is_empty() => {
                self.out.push(':');
                self.comment(comment);
                self.newline();
                self.seq_items(s, indent + 2)
            }
            Out::Raw(RawText::Block(lines)) => {
                self.exact = false;
                self.block_lines(lines, comment);
                None
            }
            Out::Copied(lines, tree) => {
                let (base, base_line) = self.block_lines(lines, comment);
                if !self.tree {
                    return None;
                }
                let tree = match self.copied.as_mut() {
                    Some(taken) => taken.next()?,
                    None => (**tree).clone(),
                };
                Some(crate::yaml::raw::place(
                    tree, lines, self.nl, base, base_line,
                ))
            }
            Out::Raw(RawText::Inline(lines)) => {
                self.exact = false;
                self.out.push_str(": ");
                for (i, l) in lines.iter().enumerate() {
                    if i > 0 {
                        self.newline();
                    }
                    self.out.push_str(l);
                }
                self.comment(comment);
                self.newline();
                None
            }
            scalar => {
                self.out.push_str(": ");
                let node = self.scalar(scalar);
                self.comment(comment);
                self.newline();
                node
            }
        };
        Some(Entry {
            key: key?,
            value: value?,
        })
    }

    /// Writes `:` (and `comment`) ending the key's line, then copied `lines` below it;
    /// returns where the first of them starts (byte offset and line).
    fn block_lines(&mut self, lines: &[String], comment: Option<&str>) -> (usize, usize) {
        self.out.push(':');
        self.comment(comment);
        self.newline();
        let first = (self.out.len(), self.line);
        for l in lines {
            self.out.push_str(l);
            self.newline();
        }
        first
    }

    fn comment(&mut self, c: Option<&str>) {
        if let Some(c) = c {
            self.out.push_str(" # ");
            self.out.push_str(c);
        }
    }

    fn seq_items(&mut self, items: &[Out], indent: usize) -> Option<Node> {
        let mut written = self.tree.then(|| Vec::with_capacity(items.len()));
        let mut first_dash = (0, 0, 0);
        for (i, item) in items.iter().enumerate() {
            self.pad(indent);
            if i == 0 && self.tree {
                let at = self.out.len();
                first_dash = (
                    at,
                    self.line,
                    self.out[self.line_start..at].chars().count() + 1,
                );
            }
            self.out.push_str("- ");
            let node = match item {
                Out::Map(m) if !m.is_empty() => {
                    let entries = self.map_entries(m, indent + 2);
                    self.block_map(entries)
                }
                Out::Seq(s) if !s.is_empty() => {
                    self.newline();
                    self.seq_items(s, indent + 2)
                }
                other => {
                    let node = self.scalar(other);
                    self.newline();
                    node
                }
            };
            match (&mut written, node) {
                (Some(w), Some(n)) => w.push(n),
                _ => written = None,
            }
        }
        Self::block_seq(written, first_dash)
    }
}

/// The node value of the string `s` written as `text` (by [`quote`]: as it is, or
/// double-quoted).
fn str_value(s: &str, text: &str) -> Value {
    let style = if text == s {
        Style::Plain
    } else {
        Style::DoubleQuoted
    };
    Value::scalar(s, style, Meta::default())
}

/// The node value of a scalar written as `text` (`None` for copied input text).
fn scalar_value(v: &Out, text: &str) -> Option<Value> {
    Some(match v {
        // Only the value's own text is the node: a comment follows it.
        Out::Commented(inner, _) => return scalar_value(inner, text),
        Out::Str(s) => str_value(s, text),
        Out::Int(_) | Out::Bool(_) => Value::scalar(text, Style::Plain, Meta::default()),
        Out::Map(_) => Value::Map {
            entries: Box::new([]),
            meta: Meta::new(true, None, false),
        },
        Out::Seq(_) => Value::Seq {
            items: Box::new([]),
            meta: Meta::new(true, None, false),
        },
        Out::Raw(_) | Out::Copied(..) => return None,
    })
}

fn scalar_text(v: &Out) -> String {
    match v {
        Out::Str(s) => quote(s),
        Out::Int(i) => i.to_string(),
        Out::Bool(b) => b.to_string(),
        Out::Map(_) => "{}".into(),
        Out::Seq(_) => "[]".into(),
        Out::Raw(RawText::Inline(l)) | Out::Raw(RawText::Block(l)) | Out::Copied(l, _) => {
            l.join(" ")
        }
        Out::Commented(inner, _) => scalar_text(inner),
    }
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
        Out::Copied(_, tree) => crate::yaml::to_json(tree),
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

    /// The tree `render_tree` builds is the tree a parse of its text gives, spans,
    /// lines, columns and styles included; and it refuses what it cannot vouch for.
    #[test]
    fn render_tree_is_the_parse_of_its_text() {
        let docs = vec![
            Out::map()
                .s("apiVersion", "image.toolkit.fluxcd.io/v1")
                .s("kind", "ImagePolicy")
                .kv(
                    "metadata",
                    Out::map().s("name", "a").s("namespace", "ns").build(),
                )
                .kv(
                    "spec",
                    Out::map()
                        .kv("imageRepositoryRef", Out::map().s("name", "x").build())
                        .kv(
                            "filterTags",
                            Out::map()
                                .s("pattern", "^v(?P<ts>.*)$")
                                .s("extract", "$ts")
                                .build(),
                        )
                        .kv(
                            "policy",
                            Out::map()
                                .kv("semver", Out::map().s("range", ">=1.0.0 <2").build())
                                .build(),
                        )
                        .build(),
                )
                .build(),
            Out::map()
                .s("empty", "")
                .s("yes", "yes")
                .s("num", "1.10")
                .s("ünï", "çödé: x")
                .s("quote", "say \"hi\"\n\tnext")
                .kv("i", Out::Int(-3))
                .kv("b", Out::Bool(true))
                .kv("m", Out::Map(vec![]))
                .kv("s", Out::Seq(vec![]))
                .kv("c", Out::Commented(Box::new(Out::str("5m")), "why".into()))
                .kv(
                    "cm",
                    Out::Commented(Box::new(Out::map().s("k", "v").build()), "above".into()),
                )
                .kv(
                    "list",
                    Out::Seq(vec![
                        Out::map().s("a", "1.0").kv("b", Out::Int(2)).build(),
                        Out::str("x"),
                        Out::Seq(vec![Out::str("deep"), Out::Map(vec![])]),
                        Out::Commented(Box::new(Out::str("y")), "c".into()),
                        Out::Seq(vec![]),
                    ]),
                )
                .build(),
            Out::str("a scalar root"),
        ];
        for nl in ["\n", "\r\n"] {
            for doc in &docs {
                let (text, tree) = render_tree(doc, nl);
                assert_eq!(text, render(doc, nl));
                let parsed = crate::yaml::parse_document(&text, 64, 64).unwrap();
                assert_eq!(tree.as_ref(), parsed.root.as_ref(), "{text}");
                assert!(tree.is_some(), "{text}");
            }
        }
        // Not vouched for: copied input text, a key written twice, an empty document.
        let raw = Out::map()
            .kv(
                "v",
                Out::Raw(crate::yaml::raw::RawText::Block(vec!["  x: 1".into()])),
            )
            .build();
        let twice = Out::map().s("a", "1").s("a", "2").build();
        for doc in [raw, twice, Out::Map(vec![])] {
            assert_eq!(render_tree(&doc, "\n"), (render(&doc, "\n"), None));
        }
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
