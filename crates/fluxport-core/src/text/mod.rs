//! Plain-text helpers shared by every stage: line tables, line endings, span edits.

pub mod markdown;

/// Byte offsets of line starts, for byte offset → 1-based line/column lookups in
/// O(log n).
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
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
    let mut out =
        String::with_capacity(text.len() + edits.iter().map(|e| e.with.len()).sum::<usize>());
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
        out.push_str(&text[pos..e.start]);
        out.push_str(&e.with);
        pos = e.end;
    }
    out.push_str(&text[pos..]);
    out
}

/// Splits text into lines without their terminators (`\n` or `\r\n`).
pub fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l))
}

/// `s` as shown to a person (the web app's lists, a terminal): every control
/// character but line feed and tab, and every character that reorders or breaks lines
/// (bidi controls, U+2028/U+2029), written as a `\u` escape (`\u001b`), so input text
/// quoted in a message never reaches the screen raw. Borrowed when nothing is escaped.
pub fn visible(s: &str) -> std::borrow::Cow<'_, str> {
    let hidden = |c: char| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !s.chars().any(hidden) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if hidden(c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visible_escapes_control_characters() {
        assert_eq!(
            visible("a\u{1b}[31mb\rc\u{0}"),
            "a\\u001b[31mb\\u000dc\\u0000"
        );
        assert_eq!(
            visible("x\u{202e}y\u{2028}\u{85}"),
            "x\\u202ey\\u2028\\u0085"
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
