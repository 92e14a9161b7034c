//! v1 tag filters → v2 ImagePolicy selection (MAPPING.md §4.4, EXAMPLES.md E10).

/// A v1 tag filter (`fluxcd.io/tag.<c>` / `filter.fluxcd.io/<c>` value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    Semver(String),
    /// `glob:` or no prefix; the missing filter is `Glob("*")` (`policy.PatternAll`).
    Glob(String),
    /// `regex:` / `regexp:`, verbatim.
    Regex(String),
}

impl Filter {
    pub fn parse(v: &str) -> Filter {
        if let Some(r) = v.strip_prefix("semver:") {
            Filter::Semver(r.to_string())
        } else if let Some(g) = v.strip_prefix("glob:") {
            Filter::Glob(g.to_string())
        } else if let Some(r) = v
            .strip_prefix("regexp:")
            .or_else(|| v.strip_prefix("regex:"))
        {
            Filter::Regex(r.to_string())
        } else {
            Filter::Glob(v.to_string())
        }
    }
}

/// Go `regexp.QuoteMeta`: escapes exactly `\.+*?()|[]{}^$`.
pub fn quote_meta(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    for c in s.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The anchored RE2 pattern accepting exactly what go-glob v1.0.0 accepts.
pub fn glob_to_regex(glob: &str) -> String {
    let parts: Vec<String> = glob.split('*').map(quote_meta).collect();
    format!("^{}$", parts.join(".*"))
}

/// `github.com/ryanuber/go-glob` v1.0.0 `Glob` (left-to-right first-occurrence scan).
pub fn go_glob(pattern: &str, subj: &str) -> bool {
    if pattern.is_empty() {
        return subj.is_empty();
    }
    if pattern == "*" {
        return true;
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return subj == pattern;
    }
    let leading = pattern.starts_with('*');
    let trailing = pattern.ends_with('*');
    let end = parts.len() - 1;
    let mut rest = subj;
    for (i, part) in parts.iter().enumerate().take(end) {
        let idx = rest.find(part);
        match (i, idx) {
            (0, Some(0)) => {}
            (0, _) if !leading => return false,
            (_, None) => return false,
            _ => {}
        }
        let idx = idx.unwrap_or(0);
        rest = &rest[idx + part.len()..];
    }
    trailing || rest.ends_with(parts[end])
}

/// Conservative check whether a user regex (RE2, unanchored) can match the tag `latest`:
/// false only when it is anchored with `^` and then requires a character that cannot
/// start `latest`.
pub fn regex_may_match_latest(re: &str) -> bool {
    let Some(rest) = re.strip_prefix('^') else {
        return true;
    };
    let mut chars = rest.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphanumeric() => {
            c.eq_ignore_ascii_case(&'l') || chars.as_str().starts_with(['?', '*', '{'])
        }
        Some('\\') => !matches!(chars.next(), Some('d' | '.' | '-' | '_')),
        Some('[') => !(rest.starts_with("[0-9]") || rest.starts_with("[[:digit:]]")),
        _ => true,
    }
}

/// Number of parts `fluxcd/pkg` `ParseVersion` sees (`SplitN(v, ".", 3)`).
pub fn semver_parts(tag: &str) -> usize {
    tag.splitn(3, '.').count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e10_table() {
        assert_eq!(glob_to_regex("master-*"), "^master-.*$");
        assert_eq!(glob_to_regex("v0.15.*"), r"^v0\.15\..*$");
        assert_eq!(glob_to_regex("*-rc*"), "^.*-rc.*$");
        assert_eq!(glob_to_regex("1.2.3"), r"^1\.2\.3$");
        assert_eq!(glob_to_regex("build-[0-9]*"), r"^build-\[0-9\].*$");
        assert_eq!(glob_to_regex(""), "^$");
        assert_eq!(
            Filter::parse("regex:^0.6.*"),
            Filter::Regex("^0.6.*".into())
        );
        assert_eq!(Filter::parse("master-*"), Filter::Glob("master-*".into()));
        assert_eq!(quote_meta("a-b_c/d#e"), "a-b_c/d#e");
    }

    #[test]
    fn latest_heuristic() {
        assert!(!regex_may_match_latest("^0.6.*"));
        assert!(regex_may_match_latest("(?P<ts>[0-9]+)$"));
        assert!(regex_may_match_latest("^l"));
        assert!(!regex_may_match_latest("^v1"));
        assert!(regex_may_match_latest("^v?"));
        assert!(!regex_may_match_latest("^[0-9]+"));
    }
}
