//! A YAML node tree with exact byte spans, built from `saphyr-parser` events.
//!
//! Why this and not a serde deserializer: fluxport must copy parts of documents
//! verbatim (values with their comments), edit single lines (markers, annotations) and
//! leave everything else byte-identical. That needs the byte span of every key and
//! value, which this tree keeps. Aliases are recorded, never expanded (no alias bombs),
//! and the builder is iterative with a depth limit (no stack overflow).

pub mod emit;
pub mod raw;

use saphyr_parser::{Event, Parser, ScalarStyle, Span};
use std::hash::BuildHasher;

/// Scalar quoting style as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

/// Flags kept next to a node's value (one byte, so a [`Node`] stays 40 bytes: the
/// tree of a 5 MB repository is built for every document at once).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Meta(u8);

impl Meta {
    const FLOW: u8 = 1;
    const TAGGED: u8 = 2;
    const ANCHORED: u8 = 4;
    fn new(flow: bool, tagged: bool, anchored: bool) -> Meta {
        Meta(
            (u8::from(flow) * Self::FLOW)
                | (u8::from(tagged) * Self::TAGGED)
                | (u8::from(anchored) * Self::ANCHORED),
        )
    }
    pub fn flow(self) -> bool {
        self.0 & Self::FLOW != 0
    }
    /// The node has an explicit tag (`!!str`, `!foo`); its text is not resolved.
    pub fn tagged(self) -> bool {
        self.0 & Self::TAGGED != 0
    }
    pub fn anchored(self) -> bool {
        self.0 & Self::ANCHORED != 0
    }
}

/// A node's content. Boxed slices, not `Vec`s: a finished tree never grows, and growth
/// slack was a third of the tree's memory.
#[derive(Debug, Clone)]
pub enum Value {
    Scalar {
        text: Box<str>,
        style: Style,
        meta: Meta,
    },
    /// A scalar of at most [`SHORT_SCALAR`] bytes, stored in the node itself: most keys
    /// and values are short, and a heap string for each cost time to allocate and free.
    /// Read scalars with [`Node::as_str`].
    ShortScalar {
        len: u8,
        bytes: [u8; SHORT_SCALAR],
        style: Style,
        meta: Meta,
    },
    Map {
        entries: Box<[Entry]>,
        meta: Meta,
    },
    Seq {
        items: Box<[Node]>,
        meta: Meta,
    },
    Alias,
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub key: Node,
    pub value: Node,
}

/// A node with its byte span in the document text. Positions are stored as `u32`
/// (documents are far below 4 GiB: `Limits::max_file_bytes`) and read through
/// [`Node::start`], [`Node::end`], [`Node::line`] and [`Node::col`] (1-based).
#[derive(Debug, Clone)]
pub struct Node {
    pub value: Value,
    start: u32,
    end: u32,
    line: u32,
    col: u32,
}

/// The longest scalar stored inline in a [`Value`] (which stays 24 bytes).
pub const SHORT_SCALAR: usize = 20;

impl Value {
    fn scalar(text: &str, style: Style, meta: Meta) -> Value {
        if text.len() <= SHORT_SCALAR {
            let mut bytes = [0u8; SHORT_SCALAR];
            bytes[..text.len()].copy_from_slice(text.as_bytes());
            Value::ShortScalar {
                len: text.len() as u8,
                bytes,
                style,
                meta,
            }
        } else {
            Value::Scalar {
                text: Box::from(text),
                style,
                meta,
            }
        }
    }
}

fn to_u32(v: usize) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

impl Node {
    /// Byte offset where the node starts in the document text.
    pub fn start(&self) -> usize {
        self.start as usize
    }
    /// Byte offset just past the node's last byte.
    pub fn end(&self) -> usize {
        self.end as usize
    }
    /// 1-based line of the node's first character.
    pub fn line(&self) -> usize {
        self.line as usize
    }
    /// 1-based column (in characters) of the node's first character.
    pub fn col(&self) -> usize {
        self.col as usize
    }

    pub fn meta(&self) -> Meta {
        match &self.value {
            Value::Scalar { meta, .. }
            | Value::ShortScalar { meta, .. }
            | Value::Map { meta, .. }
            | Value::Seq { meta, .. } => *meta,
            Value::Alias => Meta::default(),
        }
    }

    /// Moves the node and everything under it `by` bytes later in the text.
    pub fn shift(&mut self, by: usize) {
        let mut work: Vec<&mut Node> = vec![self];
        while let Some(n) = work.pop() {
            n.start = to_u32(n.start() + by);
            n.end = to_u32(n.end() + by);
            match &mut n.value {
                Value::Map { entries, .. } => {
                    for e in entries.iter_mut() {
                        work.push(&mut e.key);
                        work.push(&mut e.value);
                    }
                }
                Value::Seq { items, .. } => work.extend(items.iter_mut()),
                _ => {}
            }
        }
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map { entries, .. } => entries
                .iter()
                .find(|e| e.key.as_str() == Some(key))
                .map(|e| &e.value),
            _ => None,
        }
    }

    pub fn entry(&self, key: &str) -> Option<&Entry> {
        match &self.value {
            Value::Map { entries, .. } => entries.iter().find(|e| e.key.as_str() == Some(key)),
            _ => None,
        }
    }

    /// Follows a path of mapping keys.
    pub fn path(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |n, k| n.get(k))
    }

    pub fn entries(&self) -> &[Entry] {
        match &self.value {
            Value::Map { entries, .. } => entries,
            _ => &[],
        }
    }

    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq { items, .. } => items,
            _ => &[],
        }
    }

    pub fn is_map(&self) -> bool {
        matches!(self.value, Value::Map { .. })
    }
    pub fn is_seq(&self) -> bool {
        matches!(self.value, Value::Seq { .. })
    }
    pub fn is_flow(&self) -> bool {
        matches!(self.value, Value::Map { .. } | Value::Seq { .. }) && self.meta().flow()
    }

    /// A scalar's text, style and flags (whichever way the text is stored).
    fn scalar(&self) -> Option<(&str, Style, Meta)> {
        match &self.value {
            Value::Scalar { text, style, meta } => Some((text, *style, *meta)),
            Value::ShortScalar {
                len,
                bytes,
                style,
                meta,
            } => Some((
                std::str::from_utf8(&bytes[..usize::from(*len)]).unwrap_or(""),
                *style,
                *meta,
            )),
            _ => None,
        }
    }

    /// A scalar's bytes without the UTF-8 check of [`Node::as_str`] (key comparisons).
    fn scalar_bytes(&self) -> Option<&[u8]> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text.as_bytes()),
            Value::ShortScalar { len, bytes, .. } => bytes.get(..usize::from(*len)),
            _ => None,
        }
    }

    /// The text of a plain scalar without a tag (the ones YAML 1.1 resolves by content).
    fn plain_text(&self) -> Option<&str> {
        match self.scalar() {
            Some((text, Style::Plain, meta)) if !meta.tagged() => Some(text),
            _ => None,
        }
    }

    /// The scalar's text, whatever its YAML type (a plain `3` gives "3").
    pub fn as_str(&self) -> Option<&str> {
        self.scalar().map(|(text, _, _)| text)
    }

    pub fn is_null(&self) -> bool {
        match self.scalar() {
            Some((text, Style::Plain, _)) => matches!(text, "" | "~" | "null" | "Null" | "NULL"),
            _ => false,
        }
    }

    /// True if the scalar resolves to a YAML string (quoted, block, or a plain scalar
    /// that is not a bool, null or number under YAML 1.1 rules, as Kubernetes reads it).
    pub fn is_string(&self) -> bool {
        match self.scalar() {
            Some((text, Style::Plain, meta)) => {
                plain_type(text) == PlainType::Str && !meta.tagged()
            }
            Some(_) => true,
            None => false,
        }
    }

    /// Boolean under YAML 1.1 rules (what Kubernetes' YAML reader accepts).
    pub fn as_bool(&self) -> Option<bool> {
        match self.scalar() {
            Some((text, Style::Plain, _)) => match plain_type(text) {
                PlainType::Bool(b) => Some(b),
                _ => None,
            },
            _ => None,
        }
    }

    /// Integer (plain scalar only).
    pub fn as_i64(&self) -> Option<i64> {
        match self.scalar() {
            Some((text, Style::Plain, _)) => parse_int(text),
            _ => None,
        }
    }

    pub fn style(&self) -> Option<Style> {
        self.scalar().map(|(_, style, _)| style)
    }

    pub fn kind_name(&self) -> &'static str {
        match &self.value {
            Value::Scalar { .. } | Value::ShortScalar { .. } => {
                if self.is_null() {
                    "null"
                } else if self.as_bool().is_some() {
                    "boolean"
                } else if self.as_i64().is_some() {
                    "integer"
                } else if self.is_string() {
                    "string"
                } else {
                    "number"
                }
            }
            Value::Map { .. } => "mapping",
            Value::Seq { .. } => "sequence",
            Value::Alias => "alias",
        }
    }
}

/// The JSON value Kubernetes would read (YAML 1.1 scalar rules; aliases become null,
/// since they are never expanded; non-string keys become their text). Iterative, so
/// a deep tree cannot overflow the stack (wasm's is 1 MiB).
pub fn to_json(node: &Node) -> serde_json::Value {
    use serde_json::Value as J;
    enum Work<'a> {
        Visit(&'a Node),
        Map(&'a [Entry]),
        Seq(usize),
    }
    let mut work = vec![Work::Visit(node)];
    let mut done: Vec<J> = Vec::new();
    while let Some(w) = work.pop() {
        match w {
            Work::Visit(n) => match &n.value {
                Value::Map { entries, .. } => {
                    work.push(Work::Map(entries));
                    work.extend(entries.iter().rev().map(|e| Work::Visit(&e.value)));
                }
                Value::Seq { items, .. } => {
                    work.push(Work::Seq(items.len()));
                    work.extend(items.iter().rev().map(Work::Visit));
                }
                _ => done.push(scalar_json(n)),
            },
            Work::Map(entries) => {
                let values = done.split_off(done.len() - entries.len());
                done.push(J::Object(
                    entries
                        .iter()
                        .zip(values)
                        .map(|(e, v)| (e.key.as_str().unwrap_or("").to_string(), v))
                        .collect(),
                ));
            }
            Work::Seq(len) => {
                let values = done.split_off(done.len() - len);
                done.push(J::Array(values));
            }
        }
    }
    done.pop().unwrap_or(J::Null)
}

fn scalar_json(node: &Node) -> serde_json::Value {
    use serde_json::Value as J;
    let Some(text) = node.as_str() else {
        return J::Null;
    };
    let Some(plain) = node.plain_text() else {
        return J::String(text.to_string());
    };
    match plain_type(plain) {
        PlainType::Null => J::Null,
        PlainType::Bool(b) => J::Bool(b),
        PlainType::Int => parse_int(plain)
            .map(J::from)
            .unwrap_or_else(|| J::String(plain.to_string())),
        PlainType::Float => plain
            .replace('_', "")
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(J::Number)
            .unwrap_or_else(|| J::String(plain.to_string())),
        PlainType::Str => J::String(plain.to_string()),
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PlainType {
    Null,
    Bool(bool),
    Int,
    Float,
    Str,
}

/// Resolves a plain scalar the way Kubernetes' YAML reader (go-yaml, YAML 1.1 rules)
/// does, which is the most conservative choice for deciding when to quote.
pub fn plain_type(s: &str) -> PlainType {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return PlainType::Null,
        "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "y" | "Y" => {
            return PlainType::Bool(true)
        }
        "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "n" | "N" => {
            return PlainType::Bool(false)
        }
        _ => {}
    }
    if parse_int(s).is_some() {
        return PlainType::Int;
    }
    if is_float(s) {
        return PlainType::Float;
    }
    PlainType::Str
}

fn parse_int(s: &str) -> Option<i64> {
    if !s.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '+') {
        return None;
    }
    let t = if s.contains('_') {
        std::borrow::Cow::Owned(s.replace('_', ""))
    } else {
        std::borrow::Cow::Borrowed(s)
    };
    let (neg, body) = match t.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, t.strip_prefix('+').unwrap_or(&t)),
    };
    if body.is_empty() {
        return None;
    }
    let v = if let Some(h) = body.strip_prefix("0x") {
        i64::from_str_radix(h, 16).ok()?
    } else if let Some(o) = body.strip_prefix("0o") {
        i64::from_str_radix(o, 8).ok()?
    } else if let Some(b) = body.strip_prefix("0b") {
        i64::from_str_radix(b, 2).ok()?
    } else if body.bytes().all(|c| c.is_ascii_digit()) {
        body.parse().ok()?
    } else {
        return None;
    };
    Some(if neg { -v } else { v })
}

fn is_float(s: &str) -> bool {
    if [".inf", "+.inf", "-.inf", ".nan"]
        .iter()
        .any(|x| s.eq_ignore_ascii_case(x))
    {
        return true;
    }
    let b = s.strip_prefix(['-', '+']).unwrap_or(s);
    let mut digits = 0;
    let mut dot = 0;
    let mut exp = false;
    let mut prev_e = false;
    for c in b.chars() {
        match c {
            '0'..='9' | '_' => {
                digits += 1;
                prev_e = false;
            }
            '.' if !exp => dot += 1,
            'e' | 'E' if !exp && digits > 0 => {
                exp = true;
                prev_e = true;
            }
            '+' | '-' if prev_e => prev_e = false,
            _ => return false,
        }
    }
    digits > 0 && dot <= 1 && !prev_e && (dot == 1 || exp)
}

/// A parse error with a 1-based position in the document text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub col: usize,
    pub message: String,
    pub kind: ParseErrorKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseErrorKind {
    Syntax,
    TooDeep,
    TooManyAliases,
}

/// A duplicate mapping key (1-based position of the second occurrence).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateKey {
    pub key: String,
    pub line: usize,
    pub col: usize,
}

#[derive(Debug, Default)]
pub struct Parsed {
    /// The document's root node; `None` for a document with only comments.
    pub root: Option<Node>,
    pub duplicates: Vec<DuplicateKey>,
}

/// saphyr reports tab errors at the position *after* the tab(s). Point at the tab
/// itself: the first tab of the run that ends at `at` on the same line (1-based column,
/// counted in characters like saphyr's).
fn tab_column(text: &str, at: usize) -> Option<usize> {
    let at = at.min(text.len());
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let before = &text[line_start..at];
    let trimmed = before.trim_end_matches([' ', '\t']);
    let run = &before[trimmed.len()..];
    let tab = run.find('\t')?;
    Some(trimmed.chars().count() + run[..tab].chars().count() + 1)
}

/// Converts saphyr's character-based markers to byte offsets. Markers arrive nearly in
/// order, so a moving cursor keeps this linear.
struct ByteCursor<'a> {
    text: &'a str,
    ascii: bool,
    char_pos: usize,
    byte_pos: usize,
}

impl<'a> ByteCursor<'a> {
    fn new(text: &'a str) -> Self {
        ByteCursor {
            text,
            ascii: text.is_ascii(),
            char_pos: 0,
            byte_pos: 0,
        }
    }
    fn byte(&mut self, char_index: usize) -> usize {
        if self.ascii {
            return char_index.min(self.text.len());
        }
        while self.char_pos < char_index && self.byte_pos < self.text.len() {
            let c = self.text[self.byte_pos..]
                .chars()
                .next()
                .map(char::len_utf8)
                .unwrap_or(1);
            self.byte_pos += c;
            self.char_pos += 1;
        }
        while self.char_pos > char_index && self.byte_pos > 0 {
            self.byte_pos -= 1;
            while self.byte_pos > 0 && !self.text.is_char_boundary(self.byte_pos) {
                self.byte_pos -= 1;
            }
            self.char_pos -= 1;
        }
        self.byte_pos
    }
}

/// A collection being built: its position so far and its children.
struct Open {
    start: usize,
    end: usize,
    line: usize,
    col: usize,
    meta: Meta,
}

/// Children of the open collections live in two shared stacks (`first` is where a
/// collection's children start), so each finished collection is one exact-size
/// allocation: no `Vec` growth, no shrinking copy.
enum Frame {
    Map {
        open: Open,
        first: usize,
        pending_key: Option<Node>,
        /// Keys seen so far, built once the mapping is large (duplicate detection
        /// must not be quadratic: 20,000 keys took 30 s with a linear scan).
        seen: Option<(
            std::collections::hash_map::RandomState,
            std::collections::HashMap<u64, usize>,
        )>,
    },
    Seq {
        open: Open,
        first: usize,
    },
}

/// Moves `stack[first..]` (a finished collection's children) out as an exact-size
/// slice. Usually a copy; when the collection is most of a large stack (a mapping with
/// 40,000 keys), the stack's own buffer is shrunk into the slice instead, so the
/// children never exist twice (peak heap).
fn take_children<T>(stack: &mut Vec<T>, first: usize) -> Box<[T]> {
    let first = first.min(stack.len());
    let len = stack.len() - first;
    if len >= 1024 && first <= len {
        let mut all = std::mem::take(stack);
        stack.extend(all.drain(..first));
        all.into_boxed_slice()
    } else {
        stack.drain(first..).collect()
    }
}

/// The deepest tree [`parse_document`] ever builds, whatever `max_depth` the caller
/// passes. Recursive code over the tree (`to_json`, the derived `Drop` of `Node`,
/// serde_json's own `Drop`, `shift_tree`) then stays well inside a 1 MiB wasm stack.
pub const HARD_MAX_DEPTH: usize = 512;

/// Parses one YAML document (the caller splits streams into documents first). Never
/// panics; a stream with several documents keeps only the first root. Nesting deeper
/// than `max_depth` (capped at [`HARD_MAX_DEPTH`]) is an error raised before the node
/// is built, so no tree is ever deeper than the cap.
pub fn parse_document(
    text: &str,
    max_depth: usize,
    max_aliases: usize,
) -> Result<Parsed, ParseError> {
    let max_depth = max_depth.min(HARD_MAX_DEPTH);
    let mut parser = Parser::new_from_str(text);
    let mut cursor = ByteCursor::new(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut entry_stack: Vec<Entry> = Vec::new();
    let mut item_stack: Vec<Node> = Vec::new();
    let mut parsed = Parsed::default();
    let mut aliases = 0usize;
    let mut done = false;

    let err_at = |span: &Span, message: String, kind| ParseError {
        line: span.start.line(),
        col: span.start.col() + 1,
        message,
        kind,
    };

    loop {
        let (event, span) = match parser.next_event() {
            None => break,
            Some(Ok(e)) => e,
            Some(Err(e)) => {
                let m = e.marker();
                let message = e.info().to_string();
                let mut col = m.col() + 1;
                if message.contains("tab") {
                    let at = cursor.byte(m.index());
                    col = tab_column(text, at).unwrap_or(col);
                }
                return Err(ParseError {
                    line: m.line(),
                    col,
                    message,
                    kind: ParseErrorKind::Syntax,
                });
            }
        };
        let start = cursor.byte(span.start.index());
        let (line, col) = (span.start.line(), span.start.col() + 1);
        let node = |value, end: usize| Node {
            value,
            start: to_u32(start),
            end: to_u32(end.max(start)),
            line: to_u32(line),
            col: to_u32(col),
        };
        let is_map = matches!(event, Event::MappingStart(..));
        let completed: Option<Node> = match event {
            Event::StreamEnd => break,
            Event::DocumentStart(_) | Event::StreamStart | Event::Nothing => None,
            Event::DocumentEnd => {
                if parsed.root.is_some() {
                    done = true;
                }
                None
            }
            Event::Alias(_) => {
                aliases += 1;
                if aliases > max_aliases {
                    return Err(err_at(
                        &span,
                        format!("more than {max_aliases} aliases in one document"),
                        ParseErrorKind::TooManyAliases,
                    ));
                }
                Some(node(Value::Alias, cursor.byte(span.end.index())))
            }
            Event::Scalar(value, style, anchor, tag) => {
                let style = match style {
                    ScalarStyle::Plain => Style::Plain,
                    ScalarStyle::SingleQuoted => Style::SingleQuoted,
                    ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
                    ScalarStyle::Literal => Style::Literal,
                    ScalarStyle::Folded => Style::Folded,
                };
                let mut end = cursor.byte(span.end.index());
                if matches!(style, Style::Literal | Style::Folded) {
                    // saphyr ends block scalars at the next token; back up over trailing
                    // whitespace so the span ends on the scalar's last content line.
                    let bytes = text.as_bytes();
                    while end > start && bytes[end - 1].is_ascii_whitespace() {
                        end -= 1;
                    }
                }
                Some(node(
                    Value::scalar(&value, style, Meta::new(false, tag.is_some(), anchor > 0)),
                    end,
                ))
            }
            Event::MappingStart(..) | Event::SequenceStart(..) if stack.len() >= max_depth => {
                return Err(err_at(
                    &span,
                    format!("nesting deeper than {max_depth} levels"),
                    ParseErrorKind::TooDeep,
                ));
            }
            Event::MappingStart(anchor, tag) | Event::SequenceStart(anchor, tag) => {
                let open = Open {
                    start,
                    end: start,
                    line,
                    col,
                    meta: Meta::new(
                        text[start..].starts_with(['{', '[']),
                        tag.is_some(),
                        anchor > 0,
                    ),
                };
                stack.push(if is_map {
                    Frame::Map {
                        open,
                        first: entry_stack.len(),
                        pending_key: None,
                        seen: None,
                    }
                } else {
                    Frame::Seq {
                        open,
                        first: item_stack.len(),
                    }
                });
                None
            }
            Event::MappingEnd | Event::SequenceEnd => {
                let end = cursor.byte(span.end.index());
                let finish = |open: Open, value: Value| {
                    // Block collections end at their last child; flow ones at `}`/`]`.
                    let end = if open.meta.flow() {
                        end.max(open.end)
                    } else {
                        open.end
                    };
                    Node {
                        value,
                        start: to_u32(open.start),
                        end: to_u32(end),
                        line: to_u32(open.line),
                        col: to_u32(open.col),
                    }
                };
                match stack.pop() {
                    Some(Frame::Map { open, first, .. }) => {
                        let meta = open.meta;
                        Some(finish(
                            open,
                            Value::Map {
                                entries: take_children(&mut entry_stack, first),
                                meta,
                            },
                        ))
                    }
                    Some(Frame::Seq { open, first }) => {
                        let meta = open.meta;
                        Some(finish(
                            open,
                            Value::Seq {
                                items: take_children(&mut item_stack, first),
                                meta,
                            },
                        ))
                    }
                    None => None,
                }
            }
        };
        if let Some(node) = completed {
            match stack.last_mut() {
                None => {
                    if parsed.root.is_none() {
                        parsed.root = Some(node);
                    }
                }
                Some(Frame::Seq { open, .. }) => {
                    open.end = open.end.max(node.end());
                    item_stack.push(node);
                }
                Some(Frame::Map {
                    open,
                    first,
                    pending_key,
                    seen,
                }) => match pending_key.take() {
                    None => *pending_key = Some(node),
                    Some(key) => {
                        open.end = open.end.max(node.end());
                        let entries = &entry_stack[*first..];
                        if let Some(k) = key.as_str() {
                            const SMALL: usize = 16;
                            let same = |e: &Entry| e.key.scalar_bytes() == Some(k.as_bytes());
                            let duplicate = if entries.len() < SMALL {
                                entries.iter().any(same)
                            } else {
                                // Key hash → index of the first entry with that hash. A
                                // hit is confirmed by comparing keys (a scan only on a
                                // real 64-bit collision, which a random key rules out).
                                let (state, index) = seen.get_or_insert_with(|| {
                                    let state = std::collections::hash_map::RandomState::new();
                                    let mut index = std::collections::HashMap::new();
                                    for (i, e) in entries.iter().enumerate() {
                                        if let Some(k) = e.key.as_str() {
                                            index.entry(state.hash_one(k)).or_insert(i);
                                        }
                                    }
                                    (state, index)
                                });
                                match index.entry(state.hash_one(k)) {
                                    std::collections::hash_map::Entry::Vacant(v) => {
                                        v.insert(entries.len());
                                        false
                                    }
                                    std::collections::hash_map::Entry::Occupied(o) => {
                                        same(&entries[*o.get()]) || entries.iter().any(same)
                                    }
                                }
                            };
                            if duplicate {
                                parsed.duplicates.push(DuplicateKey {
                                    key: k.to_string(),
                                    line: key.line(),
                                    col: key.col(),
                                });
                            }
                        }
                        entry_stack.push(Entry { key, value: node });
                    }
                },
            }
        }
        if done {
            break;
        }
    }
    Ok(parsed)
}

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
