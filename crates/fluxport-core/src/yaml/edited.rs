//! The tree of a document after the line edits the image stage makes to a workload
//! (`image::policy::edits`, `image::place`), built from the document's parse instead of
//! parsing the edited text again: the pre-flight reads every automated workload, and
//! these edits are most of what a conversion changes in them.
//!
//! [`edited_tree`] takes only edits whose effect on the tree it can state exactly, and
//! returns `None` (the caller parses) for anything else:
//! - a deletion of whole lines that holds whole mapping entries (a removed annotation)
//!   and no part of another node;
//! - an insertion of a comment (` # …`) at the end of a plain scalar, with nothing but
//!   blanks or a comment after it on the line (a marker): spans after it move, the
//!   scalar's does not;
//! - an insertion of ` {}` right after the colon of an entry whose block mapping loses
//!   every entry (`annotations: {}`): the value becomes an empty flow mapping.
//!
//! Deleted lines move later nodes up (their columns stay); an insertion at a line's end
//! moves later bytes only. Block collections start at their first child and end at
//! their last child's end, as `parse` builds them; flow ones keep their brackets.
//! Anchors and aliases are refused (a deleted anchor would change what an alias means).
//! Debug builds check every tree taken against a parse (`repo::load`), and
//! `tests/edited_trees.rs` checks the edits of every workload in the corpus.

use super::node::{to_u32, Entry, Meta, Node, Style, Value};
use crate::text::TextEdit;

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// Whole lines removed; how many line breaks they held.
    Delete { lines: usize },
    /// A comment after a plain scalar.
    Comment,
    /// ` {}` after an entry's colon.
    EmptyMap,
}

#[derive(Clone, Copy)]
struct Edit {
    start: usize,
    end: usize,
    added: usize,
    kind: Kind,
    /// A node of the tree stood for this insertion (the scalar before a comment, the
    /// entry before `{}`).
    claimed: bool,
}

/// The tree that parsing `text` with `edits` applied (byte offsets into `text`) gives,
/// from `root`, the parse of `text`; `None` when the edits are not all of the kinds
/// above.
pub fn edited_tree(mut root: Node, text: &str, edits: &[TextEdit]) -> Option<Node> {
    let mut plan = plan(text, edits)?;
    let mut walk = Walk {
        text,
        edits: &mut plan,
    };
    walk.node(&mut root)?;
    plan.iter()
        .all(|e| matches!(e.kind, Kind::Delete { .. }) || e.claimed)
        .then_some(root)
}

fn plan(text: &str, edits: &[TextEdit]) -> Option<Vec<Edit>> {
    let mut sorted: Vec<&TextEdit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.start, e.end));
    let bytes = text.as_bytes();
    let line_start = |p: usize| p == 0 || bytes.get(p - 1) == Some(&b'\n');
    let mut out: Vec<Edit> = Vec::with_capacity(sorted.len());
    for e in sorted {
        if e.end > text.len() || e.start > e.end {
            return None;
        }
        if let Some(prev) = out.last() {
            // Overlapping, or two edits at one point (their order would matter).
            if e.start < prev.end
                || (e.start == prev.end && (e.start == e.end || prev.start == prev.end))
            {
                return None;
            }
        }
        let kind = if e.with.is_empty() {
            if e.start == e.end
                || !line_start(e.start)
                || !(e.end == text.len() || bytes[e.end - 1] == b'\n')
            {
                return None;
            }
            Kind::Delete {
                lines: text[e.start..e.end].bytes().filter(|b| *b == b'\n').count(),
            }
        } else {
            if e.start != e.end || e.with.contains(['\n', '\r']) || !text.is_char_boundary(e.start)
            {
                return None;
            }
            // Nothing but blanks or a comment after the point, on its line.
            let rest = &text[e.start..];
            let rest = &rest[..rest.find('\n').unwrap_or(rest.len())];
            let blank_or_comment = rest.trim().is_empty()
                || (rest.starts_with([' ', '\t']) && rest.trim_start().starts_with('#'));
            if !blank_or_comment {
                return None;
            }
            if e.with == " {}" {
                // saphyr ends a flow collection after the blanks that follow it: only
                // at a line's end is its span known here.
                if !rest.trim_end_matches('\r').is_empty() {
                    return None;
                }
                Kind::EmptyMap
            } else if e.with.starts_with([' ', '\t']) && e.with.trim_start().starts_with('#') {
                Kind::Comment
            } else {
                return None;
            }
        };
        out.push(Edit {
            start: e.start,
            end: e.end,
            added: e.with.len(),
            kind,
            claimed: false,
        });
    }
    Some(out)
}

struct Walk<'a> {
    text: &'a str,
    edits: &'a mut [Edit],
}

impl Walk<'_> {
    /// Where byte `p` of the text is after the edits, and how many lines were deleted
    /// before it; `None` inside a deletion. An insertion at `p` comes before a node that
    /// starts there and after one that ends there.
    fn at(&self, p: usize, is_end: bool) -> Option<(usize, usize)> {
        let mut pos = p as isize;
        let mut lines = 0;
        for e in self.edits.iter() {
            if e.start > p {
                break;
            }
            match e.kind {
                Kind::Delete { lines: l } => {
                    if e.end <= p {
                        pos -= (e.end - e.start) as isize;
                        lines += l;
                    } else if e.start < p || !is_end {
                        return None;
                    }
                }
                _ => {
                    if e.start < p || !is_end {
                        pos += e.added as isize;
                    }
                }
            }
        }
        Some((pos as usize, lines))
    }

    /// True if a deletion removes the whole entry `e` (its key and value).
    fn deletes(&self, e: &Entry) -> bool {
        let (start, end) = (e.key.start(), e.key.end().max(e.value.end()));
        self.edits
            .iter()
            .any(|d| matches!(d.kind, Kind::Delete { .. }) && d.start <= start && end <= d.end)
    }

    fn insertion(&mut self, at: usize, kind: Kind) -> Option<&mut Edit> {
        self.edits
            .iter_mut()
            .find(|e| e.kind == kind && e.start == at)
    }

    /// Moves `n` (and what is under it) to where the edits put it.
    fn node(&mut self, n: &mut Node) -> Option<()> {
        let meta = n.meta();
        if meta.anchored() || matches!(n.value, Value::Alias) {
            return None;
        }
        let old_start = n.start();
        // A block mapping starts at its first key (set below, from the first one
        // kept), which may be deleted.
        let from_first_key = matches!(&n.value, Value::Map { entries, .. }
            if !meta.flow() && entries.first().map(|e| e.key.start()) == Some(old_start));
        if !from_first_key {
            let (start, lines) = self.at(old_start, false)?;
            n.start = to_u32(start);
            n.line = to_u32(n.line().checked_sub(lines)?);
        }
        match &mut n.value {
            Value::Scalar { style, .. } | Value::ShortScalar { style, .. } => {
                let plain = *style == Style::Plain;
                let end = n.end as usize;
                if plain {
                    if let Some(e) = self.insertion(end, Kind::Comment) {
                        e.claimed = true;
                    }
                }
                n.end = to_u32(self.at(end, true)?.0);
                return Some(());
            }
            Value::Alias => return None,
            Value::Seq { items, .. } => {
                for i in items.iter_mut() {
                    self.node(i)?;
                }
            }
            Value::Map { entries, .. } => {
                // Deleted entries leave first (their spans are still the input's); a
                // mapping that loses none keeps its allocation.
                if entries.iter().any(|e| self.deletes(e)) {
                    if !from_first_key {
                        return None; // a flow mapping, or one that starts at a tag
                    }
                    let mut list = std::mem::take(entries).into_vec();
                    list.retain(|e| !self.deletes(e));
                    *entries = list.into_boxed_slice();
                }
                for e in entries.iter_mut() {
                    self.entry(e)?;
                }
                if from_first_key {
                    let first = &entries.first()?.key;
                    n.start = first.start;
                    n.line = first.line;
                    n.col = first.col;
                }
            }
        }
        if meta.flow() {
            n.end = to_u32(self.at(n.end(), true)?.0);
        } else {
            n.end = to_u32(last_child_end(n)?);
        }
        Some(())
    }

    fn entry(&mut self, e: &mut Entry) -> Option<()> {
        let key_end = e.key.end();
        let colon = self.text.get(key_end..)?.find(':')? + key_end + 1;
        let empties = e.value.is_map()
            && !e.value.meta().flow()
            && self.insertion(colon, Kind::EmptyMap).is_some()
            && e.value.entries().iter().all(|x| self.deletes(x));
        self.node(&mut e.key)?;
        if !empties {
            return self.node(&mut e.value);
        }
        if !self.text.get(key_end..colon - 1)?.trim().is_empty() || e.value.meta().tagged() {
            return None;
        }
        let (at, lines) = self.at(colon, true)?;
        let line_start = self.text[..colon].rfind('\n').map_or(0, |i| i + 1);
        let col = self.text[line_start..colon].chars().count() + 2;
        let line = self.text[..colon].bytes().filter(|b| *b == b'\n').count() + 1 - lines;
        self.insertion(colon, Kind::EmptyMap)?.claimed = true;
        e.value = Node {
            value: Value::Map {
                entries: Box::new([]),
                meta: Meta::new(true, None, false),
            },
            start: to_u32(at + 1),
            end: to_u32(at + 3),
            line: to_u32(line),
            col: to_u32(col),
        };
        Some(())
    }
}

/// A block collection's end: its last child's (children are already moved).
fn last_child_end(n: &Node) -> Option<usize> {
    match &n.value {
        Value::Map { entries, .. } => entries.iter().map(|e| e.key.end().max(e.value.end())).max(),
        Value::Seq { items, .. } => items.iter().map(Node::end).max(),
        _ => None,
    }
}
