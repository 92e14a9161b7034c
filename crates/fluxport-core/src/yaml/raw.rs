//! Verbatim copies of YAML nodes: the text of a value (with its comments, quoting and
//! key order) moved to a new indentation. Used for `values` and `labels`, so comments
//! in values survive conversion.

use super::Node;
use crate::text::{apply_edits, indent_of, is_blank, is_comment, lines, LineIndex, TextEdit};

/// A node's source text, ready to be placed under a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawText {
    /// Goes on the key's line: `key: <text>` (scalars and flow collections; more lines
    /// follow re-indented when a flow value spans several lines).
    Inline(Vec<String>),
    /// Goes on the lines below the key, already indented.
    Block(Vec<String>),
}

/// Copies `node` out of `doc`. `parent_indent` is the indentation of the line holding
/// the node's key; `new_indent` is where block content should start in the output.
/// `edits` (byte offsets into `doc`, must not add line breaks) are applied first, for
/// example image-policy markers.
pub fn copy_node(
    doc: &str,
    idx: &LineIndex,
    node: &Node,
    parent_indent: usize,
    new_indent: usize,
    edits: &[TextEdit],
) -> RawText {
    copy_node_with_tree(doc, idx, node, parent_indent, new_indent, edits, false).0
}

/// [`copy_node`], and (with `want_tree`) for a block collection copied as
/// [`RawText::Block`] the tree a parse of the copied lines gives the node: `node` moved
/// to where the copy puts it, in coordinates relative to the copied lines (line 0 is
/// the first copied line; byte offsets count from its start with the lines joined by
/// `\n`; columns are the lines' own). `None` for the tree wherever a copy could read
/// differently from the input, so the caller parses instead: an anchor or alias (its
/// other end may not be copied), a duplicate or non-scalar key, a whitespace-only line
/// (the copy empties it, which changes a block scalar), an edit inside a node or its
/// indentation, or a point of the tree outside the copied lines. Debug builds check
/// every such tree against a parse of the written text (`repo::load`).
#[allow(clippy::too_many_arguments)]
pub fn copy_node_with_tree(
    doc: &str,
    idx: &LineIndex,
    node: &Node,
    parent_indent: usize,
    new_indent: usize,
    edits: &[TextEdit],
    want_tree: bool,
) -> (RawText, Option<Node>) {
    let first_line = idx.line_of(node.start());
    let first_start = idx.line_start(first_line);
    let inline = node.is_flow()
        || node.as_str().is_some()
            && !matches!(
                node.style(),
                Some(super::Style::Literal | super::Style::Folded)
            )
        || matches!(node.value, super::Value::Alias);
    let block_scalar = matches!(
        node.style(),
        Some(super::Style::Literal | super::Style::Folded)
    );
    let last_line = idx.line_of(node.end().max(node.start()));

    if inline || block_scalar {
        // From the node start (including tag/anchor text before it on the line, if any)
        // to the end of its last line.
        let prefix_start = if block_scalar {
            // The indicator (`|`, `>-`...) sits on the key's line, before the content.
            find_block_indicator(doc, first_start)
        } else {
            node_prefix_start(doc, first_start, node.start())
        };
        let end = line_end(doc, idx, last_line);
        let local: Vec<TextEdit> = shift_edits(edits, prefix_start, end);
        let text = apply_edits(&doc[prefix_start..end], &local);
        let mut out: Vec<String> = lines(&text).map(str::to_string).collect();
        if block_scalar || out.len() > 1 {
            let base = lines(
                &doc[idx
                    .line_start(first_line + if block_scalar { 0 } else { 1 })
                    .min(doc.len())..end],
            )
            .filter(|l| !is_blank(l))
            .map(indent_of)
            .min()
            .unwrap_or(0);
            for l in out.iter_mut().skip(1) {
                *l = reindent(l, base, new_indent);
            }
        }
        let first = out
            .first()
            .map(|s| s.trim_end().to_string())
            .unwrap_or_default();
        if let Some(f) = out.first_mut() {
            *f = first;
        }
        return (RawText::Inline(out), None);
    }

    // Block collection: whole lines, extended over trailing comments that still belong
    // to the value (indented deeper than its key).
    //
    // An anchor or tag before a block collection (`values: &v` / `values: !!map`) is
    // where saphyr starts the node, on the key's line. Keep that text on the key's line
    // and copy the content from its first entry's line.
    let first_child = match &node.value {
        super::Value::Map { entries, .. } => entries.first().map(|e| &e.key),
        super::Value::Seq { items, .. } => items.first(),
        _ => None,
    };
    let (first_line, header, base_col) = match first_child {
        Some(c) if idx.line_of(c.start()) > first_line => {
            let header = doc[node.start().min(doc.len())..line_end(doc, idx, first_line)]
                .trim()
                .to_string();
            (idx.line_of(c.start()), Some(header), c.col())
        }
        _ => (first_line, None, node.col()),
    };
    let mut end_line = last_line;
    let total = idx.line_count();
    let mut probe = end_line + 1;
    while probe <= total {
        let l = line_text(doc, idx, probe);
        if is_blank(l) {
            probe += 1;
            continue;
        }
        if is_comment(l) && indent_of(l) > parent_indent {
            end_line = probe;
            probe += 1;
            continue;
        }
        break;
    }
    // Comments between the key and the first entry belong to the value too.
    let mut first_line = first_line;
    let mut back = first_line;
    while back > 1 {
        let l = line_text(doc, idx, back - 1);
        if is_blank(l) {
            back -= 1;
            continue;
        }
        if is_comment(l) && indent_of(l) > parent_indent {
            back -= 1;
            first_line = back;
            continue;
        }
        break;
    }
    let start = idx.line_start(first_line);
    let end = line_end(doc, idx, end_line);
    let local = shift_edits(edits, start, end);
    let text = apply_edits(&doc[start..end], &local);
    let base = if node.is_map() {
        base_col.saturating_sub(1)
    } else {
        indent_of(line_text(doc, idx, first_child_line(idx, node)))
    };
    let out = lines(&text)
        .map(|l| reindent(l, base, new_indent))
        .collect::<Vec<_>>();
    match header {
        Some(h) if !h.is_empty() => (
            RawText::Inline(std::iter::once(h).chain(out).collect()),
            None,
        ),
        _ => {
            let tree = want_tree
                .then(|| {
                    let copied = Copied {
                        doc,
                        idx,
                        first_line,
                        end_line,
                        base,
                        new_indent,
                    };
                    copied.tree(node, edits, &out)
                })
                .flatten();
            (RawText::Block(out), tree)
        }
    }
}

/// `tree` (relative to copied `lines`: see [`copy_node_with_tree`]) where the lines
/// were written with line ends `nl`, from byte `base` and 1-based line `base_line` on.
pub fn place(mut tree: Node, lines: &[String], nl: &str, base: usize, base_line: usize) -> Node {
    let extra = nl.len().saturating_sub(1);
    // How many line breaks precede an end (only needed when they are wider than `\n`).
    let starts = if extra > 0 {
        joined_starts(lines)
    } else {
        Vec::new()
    };
    let breaks = |offset: usize| starts.partition_point(|s| *s <= offset).saturating_sub(1);
    tree.for_each_mut(&mut |n| {
        let line = n.line();
        n.start = super::to_u32(base + n.start() + line * extra);
        n.end = super::to_u32(base + n.end() + breaks(n.end()) * extra);
        n.line = super::to_u32(base_line + line);
    });
    tree
}

/// Where each of `lines` starts in the lines joined by `\n` (the coordinates of a
/// copied tree).
fn joined_starts(lines: &[String]) -> Vec<usize> {
    let mut at = 0;
    lines
        .iter()
        .map(|l| {
            let start = at;
            at += l.len() + 1;
            start
        })
        .collect()
}

/// The input lines `first_line..=end_line` of a block copy, each re-indented by
/// [`reindent`] from `base` to `new_indent`: where a point of the input lands.
struct Copied<'a> {
    doc: &'a str,
    idx: &'a LineIndex,
    first_line: usize,
    end_line: usize,
    base: usize,
    new_indent: usize,
}

impl Copied<'_> {
    /// `node` moved into the copy written as `out` (see [`copy_node_with_tree`]).
    fn tree(&self, node: &Node, edits: &[TextEdit], out: &[String]) -> Option<Node> {
        let region =
            self.idx.line_start(self.first_line)..=line_end(self.doc, self.idx, self.end_line);
        // Edits inside the copy, by start; each on one line and apart from the others.
        let mut edits: Vec<&TextEdit> = edits
            .iter()
            .filter(|e| e.start >= *region.start() && e.end <= *region.end())
            .collect();
        edits.sort_by_key(|e| (e.start, e.end));
        for (i, e) in edits.iter().enumerate() {
            let next_start = edits.get(i + 1).map_or(usize::MAX, |n| n.start);
            if e.end < e.start
                || e.with.contains(['\n', '\r'])
                || self.doc[e.start..e.end].contains('\n')
                || e.end > next_start
            {
                return None;
            }
        }
        for line in self.first_line..=self.end_line {
            let t = line_text(self.doc, self.idx, line);
            if !t.is_empty() && is_blank(t) {
                return None;
            }
        }
        let starts = joined_starts(out);
        // A sequence written at its key's indentation starts at its first item, one
        // indented under its key at its first `-`: the copy indents it.
        if !node.is_flow()
            && node
                .items()
                .first()
                .is_some_and(|i| i.start() == node.start())
        {
            return None;
        }
        let mut tree = node.clone();
        let mut ok = true;
        tree.for_each_mut(&mut |n| {
            if !ok {
                return;
            }
            let leaf = !matches!(n.value, super::Value::Map { .. } | super::Value::Seq { .. });
            // An edit in or at a scalar changes its value, except a comment added right
            // after a plain one. A quoted scalar's span runs to the end of its line over
            // a comment after it, so an edit there moves its end; text after a block
            // scalar's last line is its content.
            let (s, e) = (n.start(), n.end());
            let edited = leaf && {
                let style = n.style();
                let quoted = matches!(
                    style,
                    Some(super::Style::SingleQuoted | super::Style::DoubleQuoted)
                );
                let plain = matches!(style, Some(super::Style::Plain));
                let reach = if quoted {
                    line_end(self.doc, self.idx, self.idx.line_of(e)).max(e)
                } else {
                    e
                };
                edits.iter().any(|x| {
                    let comment_after = plain
                        && x.start == e
                        && x.end == e
                        && x.with.trim_start_matches([' ', '\t']).starts_with('#')
                        && x.with.starts_with([' ', '\t']);
                    x.start <= reach && x.end >= s && !comment_after
                })
            };
            let start = self.point(n.start(), true, &edits, &starts);
            let end = self.point(n.end(), false, &edits, &starts);
            match (start, end) {
                (Some((start, line, dcol)), Some((end, _, _))) if !edited && Self::plain(n) => {
                    n.start = super::to_u32(start);
                    n.end = super::to_u32(end);
                    n.line = super::to_u32(line);
                    n.col = super::to_u32(n.col().saturating_add_signed(dcol).max(1));
                }
                _ => ok = false,
            }
        });
        ok.then_some(tree)
    }

    /// A node a copy keeps as it is: no anchor or alias, and a mapping's keys are
    /// distinct scalars.
    fn plain(n: &Node) -> bool {
        if matches!(n.value, super::Value::Alias) || n.meta().anchored() {
            return false;
        }
        super::distinct_scalar_keys(n.entries())
    }

    /// Where the input byte offset `p` (a node's start, or its end) lands in the copy:
    /// its offset, its 0-based line, and how far its column moves. `None` off the
    /// copied lines, inside an edit, or in indentation the copy removes. Text inserted
    /// exactly at `p` comes before a start and after an end.
    fn point(
        &self,
        p: usize,
        is_start: bool,
        edits: &[&TextEdit],
        starts: &[usize],
    ) -> Option<(usize, usize, isize)> {
        let line = self.idx.line_of(p);
        if line < self.first_line || line > self.end_line {
            return None;
        }
        let j = line - self.first_line;
        let ls = self.idx.line_start(line);
        let t = line_text(self.doc, self.idx, line);
        let out_start = *starts.get(j)?;
        let ind = indent_of(t);
        if !is_start && p == ls && (t.is_empty() || ind > 0) {
            // An end at the start of a line (a node never starts in indentation).
            return Some((out_start, j, 0));
        }
        // In the indentation only where the copy keeps the point's column (a block
        // scalar with an indentation indicator starts there).
        let target = self.new_indent + ind.saturating_sub(self.base);
        if p < ls + (ind - target.min(ind)) || p > ls + t.len() {
            return None;
        }
        let (mut bytes, mut chars) = (0isize, 0isize);
        let first = edits.partition_point(|e| e.start < ls);
        for e in &edits[first..] {
            if e.start > ls + t.len() {
                break;
            }
            if e.start < ls + ind {
                return None;
            }
            let shifts = if is_start { e.end <= p } else { e.end < p };
            if shifts {
                bytes += e.with.len() as isize - (e.end - e.start) as isize;
                chars += e.with.chars().count() as isize
                    - self.doc[e.start..e.end].chars().count() as isize;
            } else if e.start < p || (is_start && e.start == p) {
                return None;
            } else {
                break;
            }
        }
        let at = out_start as isize + target as isize + (p - ls) as isize - ind as isize + bytes;
        Some((at as usize, j, target as isize - ind as isize + chars))
    }
}

/// The line of a sequence's first item (where its `- ` indicators are), else its start.
fn first_child_line(idx: &LineIndex, node: &Node) -> usize {
    match node.items().first() {
        Some(i) => idx.line_of(i.start()),
        None => idx.line_of(node.start()),
    }
}

fn reindent(line: &str, base: usize, new_indent: usize) -> String {
    if is_blank(line) {
        return String::new();
    }
    let ind = indent_of(line);
    let target = new_indent + ind.saturating_sub(base);
    format!(
        "{}{}",
        " ".repeat(target),
        line[ind..].trim_end_matches('\r')
    )
}

fn line_text<'a>(doc: &'a str, idx: &LineIndex, line: usize) -> &'a str {
    let s = idx.line_start(line).min(doc.len());
    let e = line_end(doc, idx, line);
    doc[s..e].strip_suffix('\r').unwrap_or(&doc[s..e])
}

/// Byte offset of the end of a line (before its `\n`).
fn line_end(doc: &str, idx: &LineIndex, line: usize) -> usize {
    let next = idx.line_start(line + 1);
    if next == usize::MAX || next > doc.len() {
        doc.len()
    } else {
        next - 1
    }
}

fn shift_edits(edits: &[TextEdit], start: usize, end: usize) -> Vec<TextEdit> {
    edits
        .iter()
        .filter(|e| e.start >= start && e.end <= end)
        .map(|e| TextEdit {
            start: e.start - start,
            end: e.end - start,
            with: e.with.clone(),
        })
        .collect()
}

/// Includes an anchor or tag written before the node on its line (`&a {..}`, `!!str x`).
fn node_prefix_start(doc: &str, line_start: usize, node_start: usize) -> usize {
    let before = &doc[line_start..node_start];
    // Walk back over `&anchor`/`!tag` tokens directly before the node.
    let trimmed = before.trim_end();
    if let Some(tok_start) = trimmed.rfind([' ', '\t']).map(|i| i + 1).or(Some(0)) {
        let tok = &trimmed[tok_start..];
        if tok.starts_with('&') || tok.starts_with('!') {
            return line_start + tok_start;
        }
    }
    node_start
}

/// For block scalars, saphyr's span starts at the content; the header (`|`, `>-`, `|2`)
/// is on an earlier line. Find it by scanning back from the content line.
fn find_block_indicator(doc: &str, content_line_start: usize) -> usize {
    let head = &doc[..content_line_start.min(doc.len())];
    let mut search_end = head.len();
    // Skip blank lines between the indicator and the content.
    loop {
        let prev_line_start = head[..search_end.saturating_sub(1)]
            .rfind('\n')
            .map(|i| i + 1)
            .unwrap_or(0);
        let l = &head[prev_line_start..search_end.saturating_sub(1).max(prev_line_start)];
        if let Some(p) = l.rfind(['|', '>']) {
            return prev_line_start + p;
        }
        if prev_line_start == 0 {
            return content_line_start;
        }
        search_end = prev_line_start;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_document;

    fn copy(doc: &str, key: &str, new_indent: usize) -> RawText {
        let p = parse_document(doc, 64, 100).unwrap();
        let root = p.root.unwrap();
        let spec = root.get("spec").unwrap();
        let idx = LineIndex::new(doc);
        copy_node(doc, &idx, spec.get(key).unwrap(), 2, new_indent, &[])
    }

    #[test]
    fn block_with_comments_reindented() {
        let doc = "spec:\n  values:\n    # top\n    a: 1 # one\n    b:\n      - x\n\n    # trailing\nother: 1\n";
        assert_eq!(
            copy(doc, "values", 6),
            RawText::Block(vec![
                "      # top".into(),
                "      a: 1 # one".into(),
                "      b:".into(),
                "        - x".into(),
                "".into(),
                "      # trailing".into()
            ])
        );
    }

    #[test]
    fn flow_and_block_scalars() {
        assert_eq!(
            copy("spec:\n  values: {a: 1}\n", "values", 4),
            RawText::Inline(vec!["{a: 1}".into()])
        );
        assert_eq!(
            copy("spec:\n  v: |-\n    x\n    y\n", "v", 4),
            RawText::Inline(vec!["|-".into(), "    x".into(), "    y".into()])
        );
    }
}
