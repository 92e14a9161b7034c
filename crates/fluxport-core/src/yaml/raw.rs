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
        return RawText::Inline(out);
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
        Some(h) if !h.is_empty() => RawText::Inline(std::iter::once(h).chain(out).collect()),
        _ => RawText::Block(out),
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
