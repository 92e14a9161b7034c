//! Repository paths: joining a kustomization's entry onto its directory, the
//! recognised kustomization file names, and the remote-URL test.

/// The file names kustomize recognises as a kustomization, in its order of
/// preference (`api/konfig/general.go#RecognizedKustomizationFileNames`).
pub const KUSTOMIZATION_FILE_NAMES: [&str; 3] =
    ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// `a/b/c.yaml` -> (`a/b`, `c.yaml`); a top-level file has the directory "".
pub fn split_dir(path: &str) -> (&str, &str) {
    match path.rfind('/') {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => ("", path),
    }
}

/// True if the path's file name is one of [`KUSTOMIZATION_FILE_NAMES`].
pub fn is_kustomization_name(path: &str) -> bool {
    KUSTOMIZATION_FILE_NAMES.contains(&split_dir(path).1)
}

/// Joins `rel` onto the directory `dir` (both repo-relative) and normalises `.`,
/// `..` and repeated slashes. `None` when the result leaves the repository or `rel`
/// is absolute or empty.
pub fn join(dir: &str, rel: &str) -> Option<String> {
    let rel = rel.trim();
    if rel.is_empty() || rel.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = dir
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    for p in rel.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// True if `path` is `dir` or below it ("" is the repository root).
pub fn is_within(path: &str, dir: &str) -> bool {
    dir.is_empty()
        || path == dir
        || (path.starts_with(dir) && path.as_bytes().get(dir.len()) == Some(&b'/'))
}

/// The entry looks like something kustomize would fetch: an http(s) URL or a git
/// repository spec (`github.com/org/repo//path?ref=x`, `git@host:org/repo`,
/// `ssh://`, `git::`). Only asked once the entry is not a local file or directory,
/// which is also kustomize's order (file first, then a loader for the rest).
pub fn looks_remote(entry: &str) -> bool {
    let e = entry.trim();
    e.contains("://")
        || e.starts_with("git@")
        || e.starts_with("git::")
        || e.starts_with("gh:")
        || ["github.com/", "gitlab.com/", "bitbucket.org/"]
            .iter()
            .any(|h| e.starts_with(h))
}

/// Splits a YAML stream into document texts at `---` / `...` marker lines (used for
/// inline patch strings; the caller splits files).
pub fn split_stream(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut pos = 0;
    while pos < text.len() {
        let end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
        let line = text[pos..end].trim_end_matches('\r');
        let marker = |m: &str| {
            line.starts_with(m)
                && line[3..]
                    .chars()
                    .next()
                    .is_none_or(|c| c == ' ' || c == '\t')
        };
        if marker("---") || marker("...") {
            out.push(&text[start..pos]);
            start = (end + 1).min(text.len());
        }
        pos = end + 1;
    }
    out.push(&text[start.min(text.len())..]);
    out.retain(|d| {
        d.lines()
            .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_normalises() {
        assert_eq!(join("a/b", "../c/./d.yaml").as_deref(), Some("a/c/d.yaml"));
        assert_eq!(join("", "x//y/").as_deref(), Some("x/y"));
        assert_eq!(join("a", "../.."), None);
        assert_eq!(join("a", "/etc/passwd"), None);
        assert_eq!(join("a", "  "), None);
        assert_eq!(join("a/b", "..").as_deref(), Some("a"));
    }

    #[test]
    fn within_and_names() {
        assert!(is_within("a/b/c", "a/b"));
        assert!(!is_within("a/bc", "a/b"));
        assert!(is_within("x", ""));
        assert!(is_kustomization_name("a/Kustomization"));
        assert!(!is_kustomization_name("a/kustomization.json"));
        assert!(looks_remote("https://github.com/x/y//z?ref=v1"));
        assert!(looks_remote("github.com/x/y/z"));
        assert!(!looks_remote("../base"));
    }

    #[test]
    fn stream_split() {
        let docs = split_stream("a: 1\n---\nb: 2\n--- \n# only\n");
        assert_eq!(docs, vec!["a: 1\n", "b: 2\n"]);
        assert_eq!(split_stream("---\nx: 1"), vec!["x: 1"]);
    }
}
