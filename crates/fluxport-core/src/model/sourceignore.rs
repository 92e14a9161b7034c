//! Which files of a repository reach a Flux source's artifact: source-controller's
//! ignore rules, as one matcher used by the conversion's discovery and the pre-flight.
//!
//! Sources (read, not copied):
//! - `fluxcd/pkg:sourceignore/sourceignore.go`: `ExcludeVCS` (always), `ExcludeExt`,
//!   `ExcludeCI`, `ExcludeExtra` (the defaults, [`DEFAULT_IGNORE`]); `ReadPatterns`
//!   (lines starting with `#` and blank lines are skipped); `LoadIgnorePatterns` (every
//!   `.sourceignore` of the tree, the root's first, then each sub-directory's in name
//!   order, each pattern relative to its own directory).
//! - `source-controller:internal/controller/gitrepository_controller.go`
//!   (`reconcileArtifact`): the `.sourceignore` patterns, then `spec.ignore`'s.
//! - `fluxcd/pkg:artifact/storage/archive.go#SourceIgnoreFilter`: with no pattern at
//!   all, VCS + defaults; **with any pattern, VCS + the patterns only** (the defaults are
//!   dropped). `Archive` tests every file by its path (an ignored directory is not
//!   pruned: a later `!` pattern can bring a file under it back).
//! - `fluxcd/pkg:sourceignore/gitignore/{pattern,matcher}.go` (go-git's gitignore):
//!   the last pattern that matches decides; `!` re-includes; a trailing `/` matches
//!   directories only; a pattern without `/` matches any path component; one with `/`
//!   is anchored to its directory, `**` spans directories; each component is matched
//!   with Go's `path/filepath.Match` ([`go_match`]); a malformed pattern matches nothing.

/// `ExcludeVCS`: ignored whatever else is set.
pub const VCS_IGNORE: &[&str] = &[".git/", ".gitignore", ".gitmodules", ".gitattributes"];

/// source-controller's default ignore patterns other than the VCS ones, in its order:
/// `ExcludeExt`, `ExcludeCI`, `ExcludeExtra`. They stop applying as soon as any
/// `.sourceignore` pattern or `spec.ignore` exists, so a written `spec.ignore` lists
/// them again (MAPPING §3.2 rule 3).
pub const DEFAULT_IGNORE: &[&str] = &[
    // ExcludeExt
    "*.jpg",
    "*.jpeg",
    "*.gif",
    "*.png",
    "*.wmv",
    "*.flv",
    "*.tar.gz",
    "*.zip",
    // ExcludeCI
    ".github/",
    ".circleci/",
    ".travis.yml",
    ".gitlab-ci.yml",
    "appveyor.yml",
    ".drone.yml",
    "cloudbuild.yaml",
    "codeship-services.yml",
    "codeship-steps.yml",
    // ExcludeExtra
    "**/.goreleaser.yml",
    "**/.sops.yaml",
    "**/.flux.yaml",
];

/// The name of the per-directory ignore file.
pub const IGNORE_FILE: &str = ".sourceignore";

/// The tree's `.sourceignore` files, as (path, text) for [`Matcher::for_source`].
pub fn ignore_files(files: &[super::document::LoadedFile]) -> Vec<(&str, &str)> {
    files
        .iter()
        .filter(|f| f.path.rsplit('/').next() == Some(IGNORE_FILE))
        .filter_map(|f| Some((f.path.as_str(), std::str::from_utf8(f.raw()).ok()?)))
        .collect()
}

/// One gitignore pattern (`gitignore.ParsePattern`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    domain: Vec<String>,
    parts: Vec<String>,
    /// Each part as [`go_match`]'s tokens, read once here (not once per path tested:
    /// every file of a tree is tested against every pattern); `Err` is a malformed part.
    globs: Vec<Result<Vec<Tok>, ()>>,
    inclusion: bool,
    dir_only: bool,
    anchored: bool,
}

impl Pattern {
    /// Parses one pattern line, relative to `domain` (the directory of its
    /// `.sourceignore`, as path components; empty for the repository root).
    pub fn parse(line: &str, domain: &[String]) -> Pattern {
        let mut p = line;
        let inclusion = p.starts_with('!');
        if inclusion {
            p = &p[1..];
        }
        if !p.ends_with("\\ ") {
            p = p.trim_end_matches(' ');
        }
        let dir_only = p.ends_with('/');
        if dir_only {
            p = &p[..p.len() - 1];
        }
        let parts: Vec<String> = p.split('/').map(str::to_string).collect();
        Pattern {
            domain: domain.to_vec(),
            anchored: p.contains('/'),
            globs: parts.iter().map(|part| tokens(part)).collect(),
            parts,
            inclusion,
            dir_only,
        }
    }

    /// `Some(true)`: the path is excluded by this pattern, `Some(false)`: re-included,
    /// `None`: the pattern says nothing about it.
    fn decides(&self, path: &[&str], is_dir: bool) -> Option<bool> {
        if path.len() <= self.domain.len() || self.domain.iter().zip(path).any(|(d, p)| d != p) {
            return None;
        }
        let path = &path[self.domain.len()..];
        let hit = if self.anchored {
            self.glob_match(path, is_dir)
        } else {
            self.name_match(path, is_dir)
        };
        hit.then_some(!self.inclusion)
    }

    fn name_match(&self, path: &[&str], is_dir: bool) -> bool {
        for (i, name) in path.iter().enumerate() {
            match self.part_match(0, name) {
                Err(()) => return false,
                Ok(false) => continue,
                Ok(true) => return !(self.dir_only && !is_dir && i == path.len() - 1),
            }
        }
        false
    }

    /// [`go_match`] of part `i` of the pattern on `name`, with the part's tokens.
    fn part_match(&self, i: usize, name: &str) -> Result<bool, ()> {
        let toks = self.globs[i].as_deref().map_err(|&()| ())?;
        Ok(match_from(toks, name))
    }

    fn glob_match(&self, mut path: &[&str], is_dir: bool) -> bool {
        let mut matched = false;
        let mut traverse = false;
        for (i, part) in self.parts.iter().enumerate() {
            if part.is_empty() {
                traverse = false;
                continue;
            }
            if part == "**" {
                if i == self.parts.len() - 1 {
                    break;
                }
                traverse = true;
                continue;
            }
            if part.contains("**") || path.is_empty() {
                return false;
            }
            if traverse {
                traverse = false;
                while let Some((first, rest)) = path.split_first() {
                    path = rest;
                    match self.part_match(i, first) {
                        Err(()) => return false,
                        Ok(true) => {
                            matched = true;
                            break;
                        }
                        Ok(false) if path.is_empty() => matched = false,
                        Ok(false) => {}
                    }
                }
            } else {
                if self.part_match(i, path[0]) != Ok(true) {
                    return false;
                }
                matched = true;
                path = &path[1..];
            }
        }
        matched && !(self.dir_only && !is_dir && path.is_empty())
    }
}

/// Patterns of one ignore text (`ReadPatterns`): `#` lines and blank lines skipped.
pub fn read_patterns(text: &str, domain: &[String]) -> Vec<Pattern> {
    text.lines()
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| Pattern::parse(l, domain))
        .collect()
}

/// What a source's artifact keeps ([`Matcher::is_ignored`]).
#[derive(Debug, Clone)]
pub struct Matcher {
    patterns: Vec<Pattern>,
}

/// The patterns of a tree's `.sourceignore` files, read once (`LoadIgnorePatterns`);
/// each source of the tree then adds its own `spec.ignore` ([`TreeIgnore::matcher`]).
#[derive(Debug, Clone, Default)]
pub struct TreeIgnore {
    patterns: Vec<Pattern>,
}

impl TreeIgnore {
    /// `ignore_files`: the tree's `.sourceignore` files as (repository path, text).
    pub fn read(ignore_files: &[(&str, &str)]) -> TreeIgnore {
        let mut files: Vec<(Vec<String>, &str)> = ignore_files
            .iter()
            .filter_map(|(path, text)| {
                let dir = path.strip_suffix(IGNORE_FILE)?;
                (dir.is_empty() || dir.ends_with('/')).then(|| {
                    let domain = dir.split('/').filter(|c| !c.is_empty()).map(str::to_string);
                    (domain.collect(), *text)
                })
            })
            .collect();
        // `LoadIgnorePatterns`: a directory's own file, then its sub-directories'
        // (depth first, in name order): sorting by the component list gives that order.
        files.sort();
        let mut patterns = Vec::new();
        for (domain, text) in &files {
            patterns.extend(read_patterns(text, domain));
        }
        TreeIgnore { patterns }
    }

    /// The filter of the artifact of a source with `spec_ignore` (its `spec.ignore`).
    pub fn matcher(&self, spec_ignore: Option<&str>) -> Matcher {
        let mut own = self.patterns.clone();
        if let Some(s) = spec_ignore {
            own.extend(read_patterns(s, &[]));
        }
        let mut patterns: Vec<Pattern> =
            VCS_IGNORE.iter().map(|p| Pattern::parse(p, &[])).collect();
        if own.is_empty() {
            patterns.extend(DEFAULT_IGNORE.iter().map(|p| Pattern::parse(p, &[])));
        }
        patterns.extend(own);
        Matcher { patterns }
    }
}

impl Matcher {
    /// The filter of a source's artifact: `ignore_files` are the tree's `.sourceignore`
    /// files as (repository path, text), `spec_ignore` the GitRepository's `spec.ignore`.
    pub fn for_source(ignore_files: &[(&str, &str)], spec_ignore: Option<&str>) -> Matcher {
        TreeIgnore::read(ignore_files).matcher(spec_ignore)
    }

    /// The filter with no `.sourceignore` and no `spec.ignore`: VCS + defaults.
    pub fn defaults() -> Matcher {
        Matcher::for_source(&[], None)
    }

    /// True if the artifact leaves out the file (or directory) at `path`, a repository
    /// path with `/` separators.
    pub fn is_ignored(&self, path: &str, is_dir: bool) -> bool {
        let parts: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
        self.patterns
            .iter()
            .rev()
            .find_map(|p| p.decides(&parts, is_dir))
            .unwrap_or(false)
    }
}

/// Go's `path/filepath.Match` on one path component: `*` (any run), `?` (one
/// character), `[...]` classes with `^` negation and `a-z` ranges, `\` escapes.
/// `Err(())` is `ErrBadPattern` (a malformed pattern), checked over the whole pattern.
#[allow(clippy::result_unit_err)] // Go's one error value: nothing more to say
pub fn go_match(pattern: &str, name: &str) -> Result<bool, ()> {
    // Fast paths, the same answers as the general one (`tests::fast_paths_agree`):
    // every file of a tree meets every pattern of its source's filter, and most
    // patterns are a literal name or `*` and a literal suffix (the pre-flight's cost,
    // issue 13). Neither can be malformed; `*` matches no `/`.
    const META: [char; 4] = ['*', '?', '[', '\\'];
    if !pattern.contains(META) {
        return Ok(pattern == name);
    }
    if let Some(suffix) = pattern.strip_prefix('*') {
        if !suffix.contains(META) && !name.contains('/') {
            return Ok(name.ends_with(suffix));
        }
    }
    general_match(pattern, name)
}

fn general_match(pattern: &str, name: &str) -> Result<bool, ()> {
    let toks = tokens(pattern)?;
    Ok(match_from(&toks, name))
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Star,
    Any,
    Lit(char),
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

fn tokens(pattern: &str) -> Result<Vec<Tok>, ()> {
    let cs: Vec<char> = pattern.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < cs.len() {
        match cs[i] {
            '*' => {
                if !matches!(out.last(), Some(Tok::Star)) {
                    out.push(Tok::Star);
                }
                i += 1;
            }
            '?' => {
                out.push(Tok::Any);
                i += 1;
            }
            '\\' => {
                let c = *cs.get(i + 1).ok_or(())?;
                out.push(Tok::Lit(c));
                i += 2;
            }
            '[' => {
                i += 1;
                let negated = cs.get(i) == Some(&'^');
                if negated {
                    i += 1;
                }
                let mut ranges = Vec::new();
                loop {
                    let c = *cs.get(i).ok_or(())?;
                    if c == ']' && !ranges.is_empty() {
                        i += 1;
                        break;
                    }
                    let lo = class_char(&cs, &mut i)?;
                    let hi = if cs.get(i) == Some(&'-') {
                        i += 1;
                        class_char(&cs, &mut i)?
                    } else {
                        lo
                    };
                    if hi < lo {
                        return Err(());
                    }
                    ranges.push((lo, hi));
                }
                out.push(Tok::Class { negated, ranges });
            }
            c => {
                out.push(Tok::Lit(c));
                i += 1;
            }
        }
    }
    Ok(out)
}

/// One character of a class (`getEsc`): `-` and `]` need an escape, `\` escapes.
fn class_char(cs: &[char], i: &mut usize) -> Result<char, ()> {
    let mut c = *cs.get(*i).ok_or(())?;
    if c == '-' || c == ']' {
        return Err(());
    }
    if c == '\\' {
        *i += 1;
        c = *cs.get(*i).ok_or(())?;
    }
    *i += 1;
    Ok(c)
}

fn match_from(toks: &[Tok], name: &str) -> bool {
    // Iterative wildcard matching with one backtrack point per star; `n` and the star's
    // position are byte offsets of characters of `name` (no per-call char vector).
    let (mut t, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while let Some(c) = name[n..].chars().next() {
        let step = match toks.get(t) {
            Some(Tok::Star) => {
                star = Some((t, n));
                t += 1;
                continue;
            }
            Some(Tok::Any) => c != '/',
            Some(Tok::Lit(l)) => *l == c,
            Some(Tok::Class { negated, ranges }) => {
                c != '/' && ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *negated
            }
            None => false,
        };
        if step {
            t += 1;
            n += c.len_utf8();
        } else if let Some((st, sn)) = star {
            // `sn <= n < name.len()`: the star's next character exists.
            let sc = name[sn..].chars().next().unwrap_or('/');
            if sc == '/' {
                return false;
            }
            t = st + 1;
            n = sn + sc.len_utf8();
            star = Some((st, n));
        } else {
            return false;
        }
    }
    toks[t..].iter().all(|t| matches!(t, Tok::Star))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ignored(files: &[(&str, &str)], spec: Option<&str>, path: &str) -> bool {
        Matcher::for_source(files, spec).is_ignored(path, false)
    }

    #[test]
    fn fast_paths_agree() {
        let patterns = ["a.yaml", "*.tgz", "*", "", "*.", "x/y", "*a", "a*"];
        let names = [
            "a.yaml", "b.tgz", ".tgz", "tgz", "", "x/y", "a/b.tgz", "ba", "a", "é.tgz",
        ];
        for p in patterns {
            for n in names {
                assert_eq!(go_match(p, n), general_match(p, n), "{p:?} {n:?}");
            }
        }
    }

    #[test]
    fn go_match_follows_filepath_match() {
        assert_eq!(go_match("*.yaml", "a.yaml"), Ok(true));
        assert_eq!(go_match("*.yaml", "a.yml"), Ok(false));
        assert_eq!(go_match("a?c", "abc"), Ok(true));
        assert_eq!(go_match("[a-c]x", "bx"), Ok(true));
        assert_eq!(go_match("[^a-c]x", "bx"), Ok(false));
        assert_eq!(go_match("[^a-c]x", "dx"), Ok(true));
        assert_eq!(go_match("\\*", "*"), Ok(true));
        assert_eq!(go_match("\\*", "a"), Ok(false));
        assert_eq!(go_match("a*b*c", "aXbYbc"), Ok(true));
        assert_eq!(go_match("a*b*c", "aXbYb"), Ok(false));
        // Characters, not bytes: `?` and classes take one multi-byte character, and a
        // star backtracks by whole characters.
        assert_eq!(go_match("?x", "éx"), Ok(true));
        assert_eq!(go_match("??x", "éx"), Ok(false));
        assert_eq!(go_match("[é-ê]*z", "êéz"), Ok(true));
        assert_eq!(go_match("*é?", "aéébé!"), Ok(true));
        assert_eq!(go_match("*é?", "abé"), Ok(false));
        // Malformed: ErrBadPattern, whatever the name.
        assert_eq!(go_match("[a-", "a"), Err(()));
        assert_eq!(go_match("a\\", "a"), Err(()));
        assert_eq!(go_match("[]", "a"), Err(()));
    }

    #[test]
    fn defaults_hold_without_any_pattern() {
        let m = Matcher::defaults();
        assert!(m.is_ignored("deep/.flux.yaml", false));
        assert!(m.is_ignored(".github/workflows/ci.yaml", false));
        assert!(m.is_ignored("x/.gitlab-ci.yml", false));
        assert!(m.is_ignored("cloudbuild.yaml", false));
        assert!(m.is_ignored(".git/config", false));
        assert!(!m.is_ignored("apps/values.yaml", false));
        // Dot files are not ignored as such.
        assert!(!m.is_ignored("apps/.extra.yaml", false));
    }

    #[test]
    fn any_pattern_drops_the_defaults_but_not_vcs() {
        let files = [(".sourceignore", "# only a comment\n")];
        // A comment-only file has no pattern: the defaults stay.
        assert!(ignored(&files, None, "a/.flux.yaml"));
        let files = [("apps/.sourceignore", "*.md\n")];
        assert!(!ignored(&files, None, "a/.flux.yaml"));
        assert!(ignored(&files, None, ".gitignore"));
        assert!(!ignored(&[], Some("/charts/\n"), "x/.sops.yaml"));
        // An empty spec.ignore is no pattern.
        assert!(ignored(&[], Some(""), "x/.sops.yaml"));
    }

    #[test]
    fn patterns_are_relative_to_their_file_and_the_last_one_decides() {
        let files = [
            ("apps/.sourceignore", "/secret.yaml\n"),
            (".sourceignore", "*.txt\n"),
        ];
        assert!(ignored(&files, None, "apps/secret.yaml"));
        assert!(!ignored(&files, None, "secret.yaml"));
        assert!(!ignored(&files, None, "other/apps/secret.yaml"));
        assert!(ignored(&files, None, "deep/x.txt"));
        let spec = "/apps/\n!/apps/keep.yaml\n";
        assert!(ignored(&[], Some(spec), "apps/a.yaml"));
        assert!(!ignored(&[], Some(spec), "apps/keep.yaml"));
        // Order matters: a later exclusion wins over an earlier `!`.
        assert!(ignored(
            &[],
            Some("!/apps/keep.yaml\n/apps/\n"),
            "apps/keep.yaml"
        ));
    }

    #[test]
    fn dir_only_and_double_star() {
        let spec = "build/\n**/gen/*.yaml\n/a/**/z.yaml\n";
        assert!(ignored(&[], Some(spec), "x/build/y.yaml"));
        assert!(!ignored(&[], Some(spec), "x/build"));
        assert!(ignored(&[], Some(spec), "p/q/gen/out.yaml"));
        assert!(ignored(&[], Some(spec), "gen/out.yaml"));
        assert!(ignored(&[], Some(spec), "a/z.yaml"));
        assert!(ignored(&[], Some(spec), "a/b/c/z.yaml"));
        assert!(!ignored(&[], Some(spec), "b/z.yaml"));
        // Escaped characters and a trailing escaped space (`ignore_pattern`'s output).
        assert!(ignored(&[], Some("/we\\[ird\\]\\ \n"), "we[ird] "));
    }
}
