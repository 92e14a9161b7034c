//! Plain-text helpers shared by every stage: line tables, line endings, span edits.

pub mod markdown;

/// Whether a character must not reach a terminal or a Markdown viewer raw: C0 and C1
/// controls, DEL, and the bidirectional-text controls that reorder what is displayed.
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}')
}

/// Pushes the escaped form of `c`: `\x1b` below U+0080, `\u{202e}` above.
pub fn push_escaped(c: char, out: &mut String) {
    if (c as u32) < 0x80 {
        out.push_str(&format!("\\x{:02x}", c as u32));
    } else {
        out.push_str(&format!("\\u{{{:x}}}", c as u32));
    }
}

/// Input-derived text (a path, a name, a YAML snippet) made safe to print: every
/// [`is_unsafe_char`] (line breaks and tabs included) becomes `\x1b` / `\u{202e}`. The
/// one place where text, Markdown and the CLI's messages escape control characters.
pub fn escape_control(s: &str) -> String {
    escape_unsafe(s, |_| false).into_owned()
}

/// `s` with every [`is_unsafe_char`] for which `keep` is false escaped by
/// [`push_escaped`]; borrowed when nothing is escaped.
fn escape_unsafe(s: &str, keep: fn(char) -> bool) -> std::borrow::Cow<'_, str> {
    let hide = |c: char| is_unsafe_char(c) && !keep(c);
    if !s.chars().any(hide) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if hide(c) {
            push_escaped(c, &mut out);
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Like [`escape_control`], but a line feed stays a line break, followed by `indent`:
/// multi-line messages stay readable, and no line of them can start a fake report line.
pub fn escape_control_lines(s: &str, indent: &str) -> String {
    s.split('\n')
        .map(escape_control)
        .collect::<Vec<_>>()
        .join(&format!("\n{indent}"))
}

/// Byte offsets of line starts, for byte offset → 1-based line/column lookups in
/// O(log n).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        // `match_indices` of a char is a memchr search, not a loop over every byte.
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// 1-based line of a byte offset.
    pub fn line_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i,
        }
    }

    /// Byte offset where a 1-based line starts.
    pub fn line_start(&self, line: usize) -> usize {
        self.starts
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(usize::MAX)
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }
}

/// The line ending a file uses: CRLF if its first line break is CRLF.
pub fn line_ending(text: &str) -> &'static str {
    match text.find('\n') {
        Some(i) if i > 0 && text.as_bytes()[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

/// Indentation (count of leading spaces) of a line.
pub fn indent_of(line: &str) -> usize {
    line.bytes().take_while(|b| *b == b' ').count()
}

/// True if the line is empty or only whitespace.
pub fn is_blank(line: &str) -> bool {
    line.trim().is_empty()
}

/// True if the line's first non-space character starts a comment.
pub fn is_comment(line: &str) -> bool {
    line.trim_start().starts_with('#')
}

/// A text as a hash key that hashes only its length and its first and last 64 bytes,
/// and compares whole: a lookup of a document's text does not hash megabytes, and
/// equal texts still hash alike. For maps from document texts (the pre-flight's
/// donor documents, `yaml::emit::GeneratedTrees`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByEnds<'a>(pub &'a str);

impl std::hash::Hash for ByEnds<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        const ENDS: usize = 64;
        let b = self.0.as_bytes();
        b.len().hash(state);
        b[..b.len().min(ENDS)].hash(state);
        b[b.len().saturating_sub(ENDS)..].hash(state);
    }
}

/// A replacement of the bytes `start..end` of a text with `with`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextEdit {
    pub start: usize,
    pub end: usize,
    pub with: String,
}

impl TextEdit {
    pub fn insert(at: usize, with: impl Into<String>) -> Self {
        TextEdit {
            start: at,
            end: at,
            with: with.into(),
        }
    }
    pub fn replace(start: usize, end: usize, with: impl Into<String>) -> Self {
        TextEdit {
            start,
            end,
            with: with.into(),
        }
    }
}

/// Applies non-overlapping edits (any order). Overlapping or out-of-range edits are
/// dropped rather than corrupting the text; the caller's tests catch that.
pub fn apply_edits(text: &str, edits: &[TextEdit]) -> String {
    let mut sorted: Vec<&TextEdit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.start, e.end));
    // The edits that apply (in order, not overlapping an earlier one), then the exact
    // size of the result: the output is held until it is written, and an estimate that
    // ignored the replaced ranges reserved up to twice its size.
    let mut applied = Vec::with_capacity(sorted.len());
    let mut pos = 0;
    for e in sorted {
        if e.start < pos
            || e.end < e.start
            || e.end > text.len()
            || !text.is_char_boundary(e.start)
            || !text.is_char_boundary(e.end)
        {
            continue;
        }
        applied.push(e);
        pos = e.end;
    }
    let size = applied
        .iter()
        .fold(text.len(), |n, e| n - (e.end - e.start) + e.with.len());
    let mut out = String::with_capacity(size);
    let mut pos = 0;
    for e in applied {
        out.push_str(&text[pos..e.start]);
        out.push_str(&e.with);
        pos = e.end;
    }
    out.push_str(&text[pos..]);
    debug_assert_eq!(out.len(), size);
    out
}

/// Splits text into lines without their terminators (`\n` or `\r\n`).
pub fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l))
}

/// `s` as shown to a person in a multi-line view (the web app's lists): as
/// [`escape_control`], but line feeds and tabs stay. Borrowed when nothing is escaped.
pub fn visible(s: &str) -> std::borrow::Cow<'_, str> {
    escape_unsafe(s, |c| c == '\n' || c == '\t')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visible_escapes_control_characters() {
        assert_eq!(visible("a\u{1b}[31mb\rc\u{0}"), "a\\x1b[31mb\\x0dc\\x00");
        assert_eq!(
            visible("x\u{202e}y\u{2028}\u{85}"),
            "x\\u{202e}y\\u{2028}\\u{85}"
        );
        // The clean twin: ordinary text, line feeds and tabs stay, and are not copied.
        let plain = "name: café\n\tvalue <b>";
        assert!(matches!(visible(plain), std::borrow::Cow::Borrowed(p) if p == plain));
    }

    #[test]
    fn line_lookup() {
        let idx = LineIndex::new("a\nbc\n\nd");
        assert_eq!(idx.line_of(0), 1);
        assert_eq!(idx.line_of(2), 2);
        assert_eq!(idx.line_of(5), 3);
        assert_eq!(idx.line_of(6), 4);
        assert_eq!(idx.line_start(4), 6);
    }

    #[test]
    fn edits_apply_in_order_and_skip_overlaps() {
        let t = "hello world";
        let e = [
            TextEdit::replace(6, 11, "there"),
            TextEdit::insert(0, ">"),
            TextEdit::replace(7, 8, "x"),
        ];
        assert_eq!(apply_edits(t, &e), ">hello there");
    }

    #[test]
    fn crlf_detection() {
        assert_eq!(line_ending("a\r\nb"), "\r\n");
        assert_eq!(line_ending("a\nb"), "\n");
    }
}
