//! Inferring a sortable tag order from the tag a workload runs today (issue 18;
//! docs/image-tag-order.md, the MAPPING.md §4.4 addendum; ADR 0010).
//!
//! v1 ordered glob/regex candidates by image build time; v2 orders the values a
//! `filterTags.pattern` + `extract` yields, `numerical` (every value must parse as a
//! float: `image-reflector-controller:internal/policy/numerical.go#Numerical.Latest`),
//! `alphabetical` (`internal/policy/alphabetical.go`) or `semver`. When the current tag
//! carries one component of a known fixed shape in a part the v1 filter leaves free,
//! the policy is narrowed to that shape with a named group and ordered by it; anything
//! ambiguous stays suspended with the reason.
//!
//! Pure: no I/O. The narrowed pattern is always a sub-language of the translated v1
//! filter (literal parts kept verbatim, only `*` spans are narrowed) and always matches
//! the current tag.

use super::filter::{go_glob, quote_meta, Filter};

/// How the extracted value is ordered (`spec.policy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    Numerical,
    Alphabetical,
    /// `semver.range` [`SEMVER_ANY`].
    Semver,
}

impl Order {
    pub fn as_str(self) -> &'static str {
        match self {
            Order::Numerical => "numerical",
            Order::Alphabetical => "alphabetical",
            Order::Semver => "semver",
        }
    }
}

/// The range of an inferred semver policy: every release version (the narrowed pattern
/// admits no pre-release, so nothing the pattern passes is excluded).
pub const SEMVER_ANY: &str = ">=0.0.0";

/// The sortable component found in the current tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// `yyyymmddHHMMSS` (UTC).
    Timestamp14,
    /// `yyyymmdd-HHMM` or `yyyymmdd-HHMMSS` (`seconds`).
    DateTime { seconds: bool },
    /// 10-digit Unix time.
    Unix10,
    /// A build number after the fixed prefix `prefix` (which ends in `-`, `.`, `_` or `-b`).
    BuildNumber { prefix: String },
    /// `[v]MAJOR.MINOR.PATCH` ending the tag.
    Semver,
}

impl Shape {
    pub fn describe(&self) -> String {
        match self {
            Shape::Timestamp14 => "14-digit UTC timestamp yyyymmddHHMMSS".into(),
            Shape::DateTime { seconds: true } => "date-time yyyymmdd-HHMMSS".into(),
            Shape::DateTime { seconds: false } => "date-time yyyymmdd-HHMM".into(),
            Shape::Unix10 => "10-digit Unix time".into(),
            Shape::BuildNumber { prefix } => format!("build number after `{prefix}`"),
            Shape::Semver => "semantic version".into(),
        }
    }
}

/// An inferred order: `filterTags.pattern`, `extract: $<group>`, `policy.<order>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inferred {
    pub tag: String,
    pub shape: Shape,
    pub pattern: String,
    pub group: &'static str,
    pub order: Order,
}

impl Inferred {
    pub fn extract(&self) -> String {
        format!("${}", self.group)
    }
}

/// Why no order was inferred (the policy stays suspended).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// The image reference has no tag (or only a digest).
    NoTag,
    /// The current tag does not match the v1 filter.
    NotMatching,
    /// A regex filter that is not a plain literal / `.*` sequence.
    RegexNotNarrowable,
    /// The free part is a bare commit SHA.
    BareSha,
    /// `latest` or a branch name: no digits in the free part.
    BranchName,
    /// Two numeric groups of the same shape.
    TwoGroups,
    /// A group that reads as two shapes (e.g. `2024010112`: Unix time or yyyymmddHH).
    TwoReadings,
    /// A build number whose prefix carries a SHA-like part (in this tag or in the
    /// named tag of the same image).
    ShaInPrefix(String),
    /// A trailing number with no fixed prefix in the filter.
    NoFixedPrefix,
    /// No component of a known shape.
    NoSortablePart,
}

impl Reason {
    /// Stable short key (measurements, tests).
    pub fn key(&self) -> &'static str {
        match self {
            Reason::NoTag => "no-tag",
            Reason::NotMatching => "tag-not-matching-filter",
            Reason::RegexNotNarrowable => "regex-not-narrowable",
            Reason::BareSha => "bare-sha",
            Reason::BranchName => "branch-name",
            Reason::TwoGroups => "two-numeric-groups",
            Reason::TwoReadings => "two-readings",
            Reason::ShaInPrefix(_) => "sha-in-prefix",
            Reason::NoFixedPrefix => "no-fixed-prefix",
            Reason::NoSortablePart => "no-sortable-part",
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Reason::NoTag => "the image has no tag".into(),
            Reason::NotMatching => "the current tag does not match the v1 filter".into(),
            Reason::RegexNotNarrowable => {
                "the regex is not a literal/`.*` sequence fluxport can narrow".into()
            }
            Reason::BareSha => "the tag's free part is a bare commit SHA".into(),
            Reason::BranchName => "the tag's free part is a name without a number".into(),
            Reason::TwoGroups => "the tag has two numeric groups of the same shape".into(),
            Reason::TwoReadings => "the tag's number reads two ways".into(),
            Reason::ShaInPrefix(t) => format!("the build number's prefix carries a SHA (`{t}`)"),
            Reason::NoFixedPrefix => "the trailing number has no fixed prefix in the filter".into(),
            Reason::NoSortablePart => "the tag has no part of a known sortable shape".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Inferred(Inferred),
    Suspended { reason: Reason, tag: Option<String> },
}

/// The example timestamp used in suggestions (fixed: output is deterministic).
const EXAMPLE_TS: &str = "20260102150405";

/// The tag shape that would make the policy sortable, built from the repo's own tag
/// (the current tag plus a timestamp, else the filter's fixed prefix plus a SHA and a
/// timestamp); each suggestion is checked: [`infer`] must order its example.
pub fn suggestion(filter: &Filter, tag: Option<&str>, reason: &Reason) -> String {
    let prefix = glob_of(filter)
        .map(|g| g.split('*').next().unwrap_or("").to_string())
        .unwrap_or_default();
    // (shape shown, example)
    let mut candidates: Vec<(String, String)> = Vec::new();
    if let Some(t) = tag.filter(|t| !t.is_empty() && *reason != Reason::NotMatching) {
        candidates.push((format!("{t}-<yyyymmddHHMMSS>"), format!("{t}-{EXAMPLE_TS}")));
    }
    if prefix.is_empty() || prefix.ends_with(['-', '.', '_']) {
        candidates.push((
            format!("{prefix}<sha>-<yyyymmddHHMMSS>"),
            format!("{prefix}1a2b3c4-{EXAMPLE_TS}"),
        ));
    }
    candidates.push((
        format!("{prefix}<major>.<minor>.<patch>"),
        format!("{prefix}1.2.3"),
    ));
    for (shape, example) in candidates {
        if matches!(infer(filter, Some(&example)), Outcome::Inferred(_)) {
            return format!("`{shape}` (e.g. `{example}`)");
        }
    }
    "`<branch>-<sha>-<yyyymmddHHMMSS>`, with a pattern written by hand,".into()
}

/// The filter as a go-glob pattern: a glob as is; a regex only when it is a sequence of
/// literal characters and `.*`, optionally anchored (unanchored RE2 `MatchString` is
/// `.*R.*`).
pub fn glob_of(filter: &Filter) -> Option<String> {
    match filter {
        Filter::Semver(_) => None,
        Filter::Glob(g) => Some(g.clone()),
        Filter::Regex(re) => regex_as_glob(re),
    }
}

fn regex_as_glob(re: &str) -> Option<String> {
    let (anch_start, body) = match re.strip_prefix('^') {
        Some(b) => (true, b),
        None => (false, re),
    };
    let (anch_end, body) = match body.strip_suffix('$') {
        Some(b) if !b.ends_with('\\') => (true, b),
        _ => (false, body),
    };
    let mut out = String::new();
    if !anch_start {
        out.push('*');
    }
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '.' if chars.peek() == Some(&'*') => {
                chars.next();
                out.push('*');
            }
            '\\' => match chars.next() {
                Some(e) if e.is_ascii_punctuation() && e != '*' => out.push(e),
                _ => return None,
            },
            c if c.is_ascii_alphanumeric() || "-_/:@".contains(c) => out.push(c),
            _ => return None,
        }
    }
    if !anch_end {
        out.push('*');
    }
    Some(out)
}

/// For each byte of `tag`: true when go-glob matches it with a literal part of `glob`
/// (same left-to-right first-occurrence scan as [`go_glob`]); `None` when no match.
fn literal_mask(glob: &str, tag: &str) -> Option<Vec<bool>> {
    if !go_glob(glob, tag) {
        return None;
    }
    let mut mask = vec![false; tag.len()];
    let parts: Vec<&str> = glob.split('*').collect();
    if parts.len() == 1 {
        return Some(vec![true; tag.len()]);
    }
    let end = parts.len() - 1;
    let mut at = 0;
    for part in parts.iter().take(end) {
        let idx = tag[at..].find(part)? + at;
        mask[idx..idx + part.len()]
            .iter_mut()
            .for_each(|m| *m = true);
        at = idx + part.len();
    }
    let last = parts[end];
    let s = tag.len() - last.len();
    mask[s..].iter_mut().for_each(|m| *m = true);
    Some(mask)
}

#[derive(Debug, Clone, Copy)]
struct Tok {
    start: usize,
    end: usize,
    alnum: bool,
}

fn tokenize(tag: &str) -> Vec<Tok> {
    let b = tag.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_alphanumeric() {
            let s = i;
            while i < b.len() && b[i].is_ascii_alphanumeric() {
                i += 1;
            }
            out.push(Tok {
                start: s,
                end: i,
                alnum: true,
            });
        } else {
            // one separator character (multi-byte chars stay one token)
            let s = i;
            i += 1;
            while i < b.len() && !tag.is_char_boundary(i) {
                i += 1;
            }
            out.push(Tok {
                start: s,
                end: i,
                alnum: false,
            });
        }
    }
    out
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit())
}

/// Hex, at least 7 long, with at least one letter: an abbreviated or full commit SHA.
pub fn sha_like(s: &str) -> bool {
    s.len() >= 7
        && s.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
        && s.bytes().any(|c| c.is_ascii_lowercase())
}

fn num(s: &str) -> u32 {
    s.parse().unwrap_or(u32::MAX)
}

fn valid_date(s: &str) -> bool {
    s.len() == 8
        && digits(s)
        && (1970..=2099).contains(&num(&s[..4]))
        && (1..=12).contains(&num(&s[4..6]))
        && (1..=31).contains(&num(&s[6..8]))
}

fn valid_time(s: &str) -> bool {
    digits(s)
        && (s.len() == 4 || s.len() == 6)
        && num(&s[..2]) < 24
        && num(&s[2..4]) < 60
        && (s.len() == 4 || num(&s[4..6]) < 60)
}

/// A 10-digit Unix time from 2001-09-09 to 2100-01-01.
fn unix10(s: &str) -> bool {
    s.len() == 10
        && digits(s)
        && s.parse::<u64>()
            .is_ok_and(|v| (1_000_000_000..4_102_444_800).contains(&v))
}

/// `yyyymmddHH`: the other reading of a 10-digit number.
fn date_hour(s: &str) -> bool {
    s.len() == 10 && valid_date(&s[..8]) && num(&s[8..]) < 24
}

struct Ctx<'a> {
    tag: &'a str,
    mask: Vec<bool>,
    toks: Vec<Tok>,
}

impl Ctx<'_> {
    fn free(&self, t: &Tok) -> bool {
        self.mask[t.start..t.end].iter().all(|m| !m)
    }
    fn any_free(&self, t: &Tok) -> bool {
        self.mask[t.start..t.end].iter().any(|m| !m)
    }
    fn text(&self, t: &Tok) -> &str {
        &self.tag[t.start..t.end]
    }
    /// Pattern text for tokens `[from, to)` outside the group: literal characters
    /// quoted, free runs narrowed to their character class.
    fn generalize(&self, from: usize, to: usize) -> String {
        let mut out = String::new();
        for t in &self.toks[from..to] {
            if !t.alnum || !self.any_free(t) {
                out.push_str(&quote_meta(self.text(t)));
                continue;
            }
            for (s, e, lit) in self.runs(t) {
                let run = &self.tag[s..e];
                if lit {
                    out.push_str(&quote_meta(run));
                } else if digits(run) {
                    out.push_str("[0-9]+");
                } else if run.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')) {
                    out.push_str("[0-9a-f]+");
                } else {
                    out.push_str("[0-9A-Za-z]+");
                }
            }
        }
        out
    }
    /// Runs of one token with the same literal/free status: (start, end, literal).
    fn runs(&self, t: &Tok) -> Vec<(usize, usize, bool)> {
        let mut out: Vec<(usize, usize, bool)> = Vec::new();
        for i in t.start..t.end {
            match out.last_mut() {
                Some(r) if r.2 == self.mask[i] => r.1 = i + 1,
                _ => out.push((i, i + 1, self.mask[i])),
            }
        }
        out
    }
    /// Group text for tokens `[from, to)`: literal characters quoted, free digit runs as
    /// `[0-9]{n}` (`fixed`) or `[0-9]+`, separators and letters kept.
    fn group(&self, from: usize, to: usize, fixed: bool) -> String {
        let mut out = String::new();
        for t in &self.toks[from..to] {
            for (s, e, lit) in self.runs(t) {
                let run = &self.tag[s..e];
                if lit {
                    out.push_str(&quote_meta(run));
                    continue;
                }
                // free: digit runs become a class, anything else is kept
                let b = run.as_bytes();
                let mut k = 0;
                while k < b.len() {
                    let d = b[k].is_ascii_digit();
                    let st = k;
                    while k < b.len() && b[k].is_ascii_digit() == d {
                        k += 1;
                    }
                    if !d {
                        out.push_str(&quote_meta(&run[st..k]));
                    } else if fixed {
                        out.push_str(&format!("[0-9]{{{}}}", k - st));
                    } else {
                        out.push_str("[0-9]+");
                    }
                }
            }
        }
        out
    }
    fn pattern(&self, from: usize, to: usize, name: &str, fixed: bool) -> String {
        format!(
            "^{}(?P<{name}>{}){}$",
            self.generalize(0, from),
            self.group(from, to, fixed),
            self.generalize(to, self.toks.len())
        )
    }
}

/// Infers the order for a glob/regex filter from the current tag.
pub fn infer(filter: &Filter, tag: Option<&str>) -> Outcome {
    let suspended = |reason| Outcome::Suspended {
        reason,
        tag: tag.map(str::to_string),
    };
    let Some(glob) = glob_of(filter) else {
        return suspended(Reason::RegexNotNarrowable);
    };
    let Some(tag) = tag.filter(|t| !t.is_empty()) else {
        return suspended(Reason::NoTag);
    };
    let Some(mask) = literal_mask(&glob, tag) else {
        return suspended(Reason::NotMatching);
    };
    let c = Ctx {
        tag,
        mask,
        toks: tokenize(tag),
    };
    let inferred = |shape, pattern, group, order| {
        Outcome::Inferred(Inferred {
            tag: tag.to_string(),
            shape,
            pattern,
            group,
            order,
        })
    };
    // 1. Time shapes, over whole free tokens.
    let mut found: Vec<(usize, usize, Shape)> = Vec::new();
    let n = c.toks.len();
    let mut i = 0;
    while i < n {
        let t = c.toks[i];
        let s = c.text(&t);
        if t.alnum && c.free(&t) && digits(s) {
            if s.len() == 14 && valid_date(&s[..8]) && valid_time(&s[8..]) {
                found.push((i, i + 1, Shape::Timestamp14));
            } else if s.len() == 10 && unix10(s) {
                if date_hour(s) {
                    return suspended(Reason::TwoReadings);
                }
                found.push((i, i + 1, Shape::Unix10));
            } else if valid_date(s)
                && i + 2 < n
                && c.text(&c.toks[i + 1]) == "-"
                && c.free(&c.toks[i + 1])
                && c.free(&c.toks[i + 2])
                && valid_time(c.text(&c.toks[i + 2]))
            {
                let seconds = c.toks[i + 2].end - c.toks[i + 2].start == 6;
                found.push((i, i + 3, Shape::DateTime { seconds }));
                i += 3;
                continue;
            }
        }
        i += 1;
    }
    if found.len() > 1 {
        return suspended(Reason::TwoGroups);
    }
    if let Some((from, to, shape)) = found.pop() {
        let order = match shape {
            Shape::DateTime { .. } => Order::Alphabetical,
            _ => Order::Numerical,
        };
        return inferred(shape, c.pattern(from, to, "ts", true), "ts", order);
    }
    // 2. A semver ending the tag: [v]D . D . D, not preceded by `.`.
    if n >= 5 {
        let (a, d1, b, d2, z) = (
            c.toks[n - 5],
            c.toks[n - 4],
            c.toks[n - 3],
            c.toks[n - 2],
            c.toks[n - 1],
        );
        let first = c.text(&a);
        let first_digits = first.strip_prefix('v').unwrap_or(first);
        let is_semver = a.alnum
            && digits(first_digits)
            && c.text(&d1) == "."
            && c.text(&d2) == "."
            && digits(c.text(&b))
            && digits(c.text(&z));
        let preceded_ok = n == 5 || c.text(&c.toks[n - 6]) != ".";
        if is_semver && preceded_ok && [a, b, z].iter().any(|t| c.any_free(t)) {
            return inferred(
                Shape::Semver,
                c.pattern(n - 5, n, "version", false),
                "version",
                Order::Semver,
            );
        }
    }
    // 3. A build number after a fixed prefix: `<prefix>-123`, `.123`, `_123`, `-b123`.
    let free_tokens: Vec<&Tok> = c.toks.iter().filter(|t| c.any_free(t)).collect();
    if let Some(last) = c.toks.last().filter(|t| t.alnum && n >= 2) {
        let s = c.text(last);
        let num_part = s.strip_prefix('b').unwrap_or(s);
        let sep = c.text(&c.toks[n - 2]);
        if digits(num_part) && ["-", ".", "_"].contains(&sep) {
            let digits_start = last.end - num_part.len();
            let sep_start = c.toks[n - 2].start;
            let prefix = &tag[..digits_start];
            let prefix_fixed = sep_start > 0 && c.mask[..sep_start].iter().all(|m| *m);
            let sha_in_prefix = c.toks[..n - 2]
                .iter()
                .any(|t| t.alnum && sha_like(c.text(t)));
            if sha_in_prefix {
                return suspended(Reason::ShaInPrefix(tag.to_string()));
            }
            if !prefix_fixed {
                return suspended(Reason::NoFixedPrefix);
            }
            if !c.mask[digits_start..].iter().all(|m| !m) {
                return suspended(Reason::NoSortablePart);
            }
            return inferred(
                Shape::BuildNumber {
                    prefix: prefix.to_string(),
                },
                format!("^{}(?P<build>[0-9]+)$", quote_meta(prefix)),
                "build",
                Order::Numerical,
            );
        }
    }
    // 4. Why not.
    let free_alnum: Vec<&str> = free_tokens
        .iter()
        .filter(|t| t.alnum)
        .map(|t| c.text(t))
        .collect();
    if free_alnum.len() == 1 && sha_like(free_alnum[0]) {
        return suspended(Reason::BareSha);
    }
    if free_alnum
        .iter()
        .all(|s| !s.bytes().any(|b| b.is_ascii_digit()))
    {
        return suspended(Reason::BranchName);
    }
    if free_alnum.iter().filter(|s| digits(s)).count() >= 2 {
        return suspended(Reason::TwoGroups);
    }
    suspended(Reason::NoSortablePart)
}

/// The tag image-reflector-controller would select from `tags` with the inferred
/// policy: filter by pattern, extract, order (`internal/policy/filter.go`,
/// `numerical.go`, `alphabetical.go`). `regex_match` returns the extracted group of a
/// matching tag (the caller brings the RE2-compatible engine; the core has none).
/// Semver orders by (major, minor, patch) of the extracted `[v]X.Y.Z`.
pub fn select<'t>(
    inf: &Inferred,
    tags: &'t [String],
    regex_match: impl Fn(&str) -> Option<String>,
) -> Option<&'t str> {
    let mut best: Option<(&str, String)> = None;
    for t in tags {
        let Some(v) = regex_match(t) else { continue };
        let better = match &best {
            None => true,
            Some((_, b)) => match inf.order {
                Order::Numerical => {
                    v.parse::<f64>().unwrap_or(f64::NAN) >= b.parse::<f64>().unwrap_or(f64::NAN)
                }
                Order::Alphabetical => v >= *b,
                Order::Semver => semver_key(&v) >= semver_key(b),
            },
        };
        if better {
            best = Some((t.as_str(), v));
        }
    }
    best.map(|(t, _)| t)
}

fn semver_key(v: &str) -> Vec<u64> {
    v.trim_start_matches('v')
        .split('.')
        .map(|p| p.parse().unwrap_or(0))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inf(f: &str, t: &str) -> Outcome {
        infer(&Filter::parse(f), Some(t))
    }
    fn pat(f: &str, t: &str) -> (String, Order) {
        match inf(f, t) {
            Outcome::Inferred(i) => (i.pattern, i.order),
            o => panic!("{f} {t}: {o:?}"),
        }
    }
    fn why(f: &str, t: &str) -> &'static str {
        match inf(f, t) {
            Outcome::Suspended { reason, .. } => reason.key(),
            o => panic!("{f} {t}: {o:?}"),
        }
    }

    #[test]
    fn shapes() {
        assert_eq!(
            pat("glob:prod-*", "prod-1a2b3c4d-20240131235959"),
            (
                r"^prod-[0-9a-f]+-(?P<ts>[0-9]{14})$".into(),
                Order::Numerical
            )
        );
        assert_eq!(
            pat("glob:*", "main-20240131-2359"),
            (
                r"^[0-9A-Za-z]+-(?P<ts>[0-9]{8}-[0-9]{4})$".into(),
                Order::Alphabetical
            )
        );
        assert_eq!(
            pat("glob:master-*", "master-1700000000"),
            (r"^master-(?P<ts>[0-9]{10})$".into(), Order::Numerical)
        );
        assert_eq!(
            pat("glob:Release-*", "Release-22"),
            (r"^Release-(?P<build>[0-9]+)$".into(), Order::Numerical)
        );
        assert_eq!(
            pat("glob:app*", "app-b7"),
            (r"^app-b(?P<build>[0-9]+)$".into(), Order::Numerical)
        );
        assert_eq!(
            pat("glob:2.*", "2.4.33"),
            (r"^(?P<version>2\.[0-9]+\.[0-9]+)$".into(), Order::Semver)
        );
        assert_eq!(
            pat("glob:*", "v1.0.0"),
            (
                r"^(?P<version>v[0-9]+\.[0-9]+\.[0-9]+)$".into(),
                Order::Semver
            )
        );
        assert_eq!(
            pat("regex:^prod-.*$", "prod-20240131235959"),
            (r"^prod-(?P<ts>[0-9]{14})$".into(), Order::Numerical)
        );
    }

    #[test]
    fn ambiguous() {
        assert_eq!(why("glob:prod-*", "prod-1a2b3c4d"), "bare-sha");
        assert_eq!(why("glob:*", "latest"), "branch-name");
        assert_eq!(why("glob:*", "main"), "branch-name");
        assert_eq!(
            why("glob:*", "20240131235959-20240201000000"),
            "two-numeric-groups"
        );
        assert_eq!(why("glob:*", "1700000000-1700000001"), "two-numeric-groups");
        assert_eq!(why("glob:*", "2024013112"), "two-readings");
        assert_eq!(
            why("glob:prod-*", "stg-20240131235959"),
            "tag-not-matching-filter"
        );
        assert_eq!(why("glob:prod-*", "prod-1a2b3c4.6"), "sha-in-prefix");
        assert_eq!(why("glob:*", "v0.1"), "no-fixed-prefix");
        assert_eq!(why("regex:^0.6.*", "0.6.1"), "regex-not-narrowable");
        assert_eq!(why("glob:*", "1.2.3.4"), "no-fixed-prefix");
        assert_eq!(why("glob:master-*", "master-abc"), "branch-name");
    }

    #[test]
    fn regex_globs() {
        assert_eq!(regex_as_glob("^prod-.*$").as_deref(), Some("prod-*"));
        assert_eq!(regex_as_glob(r"^v1\.2").as_deref(), Some("v1.2*"));
        assert_eq!(regex_as_glob("prod"), Some("*prod*".into()));
        assert_eq!(regex_as_glob("(?P<ts>[0-9]+)$"), None);
        assert_eq!(regex_as_glob("^0.6.*"), None);
    }
}
