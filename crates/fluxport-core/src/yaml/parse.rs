//! [`parse_document`]: builds the node tree from `saphyr-parser` events, iteratively,
//! with depth and alias limits, reporting duplicate keys and errors with positions.

use super::*;
use saphyr_parser::{Event, Parser, ScalarStyle, Span};
use std::hash::BuildHasher;

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
                    Value::scalar(
                        &value,
                        style,
                        Meta::new(false, tag_of(tag.as_deref()), anchor > 0),
                    ),
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
                        tag_of(tag.as_deref()),
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

/// The kind of an explicit tag: a core-schema one (`!!str`, or `!<tag:yaml.org,2002:str>`)
/// by its suffix, any other as [`Tag::Other`].
fn tag_of(tag: Option<&saphyr_parser::Tag>) -> Option<Tag> {
    let t = tag?;
    Some(if t.is_yaml_core_schema() {
        Tag::core(&t.suffix)
    } else if t.handle.is_empty() {
        // A verbatim tag: the whole URI is in the suffix.
        t.suffix
            .strip_prefix("tag:yaml.org,2002:")
            .map_or(Tag::Other, Tag::core)
    } else {
        Tag::Other
    })
}
