//! The node tree: [`Node`] with its byte span, [`Value`], [`Entry`] and the lookups
//! every stage uses.

use super::*;

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

/// What an explicit tag is: one of the YAML core schema's (`!!str`, ...: the
/// `tag:yaml.org,2002:` handle), or any other (`!!binary`, `!foo`, a verbatim tag).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tag {
    Str,
    Int,
    Bool,
    Float,
    Null,
    Map,
    Seq,
    Other,
}

impl Tag {
    const ALL: [Tag; 8] = [
        Tag::Other,
        Tag::Str,
        Tag::Int,
        Tag::Bool,
        Tag::Float,
        Tag::Null,
        Tag::Map,
        Tag::Seq,
    ];
    /// A tag of the core schema by its suffix (`str` of `!!str`), else [`Tag::Other`].
    pub(super) fn core(suffix: &str) -> Tag {
        match suffix {
            "str" => Tag::Str,
            "int" => Tag::Int,
            "bool" => Tag::Bool,
            "float" => Tag::Float,
            "null" => Tag::Null,
            "map" => Tag::Map,
            "seq" => Tag::Seq,
            _ => Tag::Other,
        }
    }
    /// As written, for messages (`!!str`); `Other` has no single spelling.
    pub fn shown(self) -> &'static str {
        match self {
            Tag::Str => "!!str",
            Tag::Int => "!!int",
            Tag::Bool => "!!bool",
            Tag::Float => "!!float",
            Tag::Null => "!!null",
            Tag::Map => "!!map",
            Tag::Seq => "!!seq",
            Tag::Other => "a non-core tag",
        }
    }
}

impl Meta {
    const FLOW: u8 = 1;
    const TAGGED: u8 = 2;
    const ANCHORED: u8 = 4;
    /// Bits 3..6: the [`Tag`] (its index in `Tag::ALL`) when `TAGGED`.
    const TAG_SHIFT: u8 = 3;
    pub(super) fn new(flow: bool, tag: Option<Tag>, anchored: bool) -> Meta {
        let tag_bits = tag.map_or(0, |t| {
            let i = Tag::ALL.iter().position(|x| *x == t).unwrap_or(0) as u8;
            Self::TAGGED | (i << Self::TAG_SHIFT)
        });
        Meta((u8::from(flow) * Self::FLOW) | tag_bits | (u8::from(anchored) * Self::ANCHORED))
    }
    /// The explicit tag, if the node has one.
    pub fn tag(self) -> Option<Tag> {
        self.tagged()
            .then(|| Tag::ALL[usize::from((self.0 >> Self::TAG_SHIFT) & 7)])
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
/// `PartialEq` compares trees whole (values, styles, spans, lines and columns): a tree
/// handed over instead of parsed must equal the parse (`emit::render_tree`).
#[derive(Debug, Clone, PartialEq)]
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

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: Node,
    pub value: Node,
}

/// A node with its byte span in the document text. Positions are stored as `u32`
/// (documents are far below 4 GiB: `Limits::max_file_bytes`) and read through
/// [`Node::start`], [`Node::end`], [`Node::line`] and [`Node::col`] (1-based).
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub(super) start: u32,
    pub(super) end: u32,
    pub(super) line: u32,
    pub(super) col: u32,
}

/// The longest scalar stored inline in a [`Value`] (which stays 24 bytes).
pub const SHORT_SCALAR: usize = 20;

impl Value {
    pub(super) fn scalar(text: &str, style: Style, meta: Meta) -> Value {
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

/// Whether every key of `entries` is a scalar and no two are equal: a mapping a
/// parser reads without a duplicate key (`emit::render_tree`, `raw::copy_node_with_tree`
/// vouch for a tree only then).
pub(super) fn distinct_scalar_keys(entries: &[Entry]) -> bool {
    let mut keys = Vec::with_capacity(entries.len());
    for e in entries {
        match e.key.scalar_bytes() {
            Some(k) => keys.push(k),
            None => return false,
        }
    }
    keys.sort_unstable();
    keys.windows(2).all(|w| w[0] != w[1])
}

pub(super) fn to_u32(v: usize) -> u32 {
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
        self.move_down(by, 0);
    }

    /// Moves the node and everything under it `bytes` later and `lines` lines down in
    /// the text (whole lines put before it: its columns stay).
    pub fn move_down(&mut self, bytes: usize, lines: usize) {
        self.for_each_mut(&mut |n| {
            n.start = to_u32(n.start() + bytes);
            n.end = to_u32(n.end() + bytes);
            n.line = to_u32(n.line() + lines);
        });
    }

    /// Calls `f` on this node and every node below it (keys included), parents first.
    pub fn for_each_mut(&mut self, f: &mut impl FnMut(&mut Node)) {
        let mut work: Vec<&mut Node> = vec![self];
        while let Some(n) = work.pop() {
            f(n);
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
            Value::Map { entries, .. } => {
                entries.iter().find(|e| e.key.is_key(key)).map(|e| &e.value)
            }
            _ => None,
        }
    }

    pub fn entry(&self, key: &str) -> Option<&Entry> {
        match &self.value {
            Value::Map { entries, .. } => entries.iter().find(|e| e.key.is_key(key)),
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
    pub(super) fn scalar(&self) -> Option<(&str, Style, Meta)> {
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
    /// True if the node is the scalar `key`. Compares bytes: reading a short scalar as
    /// `&str` validates its UTF-8 again, and key lookups are the pre-flight's commonest
    /// operation (a million per 5 MB repository).
    fn is_key(&self, key: &str) -> bool {
        self.scalar_bytes() == Some(key.as_bytes())
    }

    pub(super) fn scalar_bytes(&self) -> Option<&[u8]> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text.as_bytes()),
            Value::ShortScalar { len, bytes, .. } => bytes.get(..usize::from(*len)),
            _ => None,
        }
    }

    /// The text of a plain scalar without a tag (the ones YAML 1.1 resolves by content).
    pub(super) fn plain_text(&self) -> Option<&str> {
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
