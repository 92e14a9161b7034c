//! Safe interpolation of input-derived text (names, paths, YAML snippets quoted in
//! messages) into the Markdown report and runbook. A report is often rendered by a
//! viewer that allows inline HTML, and its shell blocks are copied into terminals, so
//! nothing from the input may become markup or shell syntax, and no control character
//! (ESC, BEL, CR, BS, bidi overrides) reaches the viewer or the terminal raw: they are
//! written as `\x1b` (`super::escape_control`).

/// Text for a Markdown table cell or list item. Single-backtick code spans are kept
/// (CommonMark shows their content literally); outside them `<`, `>` and `&` become
/// entities, `|` is escaped for tables and line breaks become `<br>`.
pub fn cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut rest = s;
    while let Some(open) = rest.find('`') {
        escape_text(&rest[..open], &mut out);
        let after = &rest[open + 1..];
        match after.find('`') {
            // A span's content may hold anything but a line break (a table row ends).
            Some(close) if !after[..close].contains('\n') => {
                out.push('`');
                out.push_str(&super::escape_control(&after[..close]).replace('|', "\\|"));
                out.push('`');
                rest = &after[close + 1..];
            }
            _ => {
                out.push_str("\\`");
                rest = after;
            }
        }
    }
    escape_text(rest, &mut out);
    out
}

fn escape_text(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '|' => out.push_str("\\|"),
            '\n' => out.push_str("<br>"),
            c if super::is_unsafe_char(c) => super::push_escaped(c, out),
            c => out.push(c),
        }
    }
}

/// A code span holding `s` literally, whatever backticks it contains (CommonMark: the
/// fence is one backtick longer than the longest run inside, padded with spaces).
pub fn code(s: &str) -> String {
    let s = super::escape_control(s).replace('|', "\\|");
    let mut longest = 0;
    let mut run = 0;
    for c in s.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    if longest > 0 {
        format!("{fence} {s} {fence}")
    } else {
        format!("{fence}{s}{fence}")
    }
}

/// One shell word: as it is when it has only characters no shell treats specially,
/// otherwise single-quoted (a `'` inside becomes `'\''`).
pub fn shell_word(s: &str) -> String {
    let plain = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:=@%+,".contains(&b));
    if plain {
        s.to_string()
    } else if s.chars().any(super::is_unsafe_char) {
        // ANSI-C quoting (bash, zsh, ksh): the word keeps its bytes, the terminal sees
        // only `\x1b` escapes.
        let mut out = String::from("$'");
        for c in s.chars() {
            match c {
                '\'' => out.push_str("\\'"),
                '\\' => out.push_str("\\\\"),
                c if super::is_unsafe_char(c) && (c as u32) < 0x80 => {
                    super::push_escaped(c, &mut out)
                }
                c if super::is_unsafe_char(c) => {
                    for b in c.to_string().bytes() {
                        out.push_str(&format!("\\x{b:02x}"));
                    }
                }
                c => out.push(c),
            }
        }
        out.push('\'');
        out
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// Text after a `#` comment in a shell block: one line, no way out of the comment.
pub fn shell_comment(s: &str) -> String {
    super::escape_control(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_escapes_markup_outside_code_spans() {
        assert_eq!(
            cell("release `<x>` named <img src=x onerror=alert(1)> & a|b"),
            "release `<x>` named &lt;img src=x onerror=alert(1)&gt; &amp; a\\|b"
        );
        // An unmatched backtick is literal: what follows is still escaped.
        assert_eq!(cell("a ` <b>"), "a \\` &lt;b&gt;");
        assert_eq!(cell("two\nlines"), "two<br>lines");
    }

    #[test]
    fn code_spans_survive_backticks() {
        assert_eq!(code("a.yaml"), "`a.yaml`");
        assert_eq!(code("a`<img>`.yaml"), "`` a`<img>`.yaml ``");
    }

    #[test]
    fn shell_words_are_quoted_when_needed() {
        assert_eq!(shell_word("podinfo-dev"), "podinfo-dev");
        assert_eq!(shell_word("x; rm -rf ~"), "'x; rm -rf ~'");
        assert_eq!(shell_word("$(id)"), "'$(id)'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(shell_word(""), "''");
    }

    #[test]
    fn control_characters_are_escaped_everywhere() {
        // Before (issue 15): ESC, BEL, BS reached the Markdown (and a terminal) raw.
        assert_eq!(cell("a\x1b[31m\x07b"), "a\\x1b[31m\\x07b");
        assert_eq!(cell("`x\x1by`"), "`x\\x1by`");
        assert_eq!(code("f\x08.yaml"), "`f\\x08.yaml`");
        assert_eq!(shell_comment("a\nb\x1b]0;t\x07"), "a\\x0ab\\x1b]0;t\\x07");
        assert_eq!(shell_word("r\x1b[2J"), "$'r\\x1b[2J'");
        assert_eq!(shell_word("it's\x07"), "$'it\\'s\\x07'");
        assert_eq!(cell("\u{202e}evil"), "\\u{202e}evil");
    }
}
