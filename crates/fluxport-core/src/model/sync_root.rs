//! Repo-wide planning: sync roots (which files each cluster applies) and where
//! generated sources go, so that each generated object is applied exactly once per
//! sync root and every HelmRelease's source lives inside its root.

use super::paths::normalize_dir;

/// One sync root: what one fluxd daemon applied (its `--git-path` values). Paths are
/// normalised to `dir/` (or `""` for the repository root).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SyncRoot {
    pub paths: Vec<String>,
}

impl SyncRoot {
    pub fn new(paths: impl IntoIterator<Item = impl AsRef<str>>) -> Self {
        let mut paths: Vec<String> = paths
            .into_iter()
            .map(|p| normalize_dir(p.as_ref()))
            .collect();
        if paths.is_empty() {
            paths.push(String::new());
        }
        let mut seen = std::collections::BTreeSet::new();
        paths.retain(|p| seen.insert(p.clone()));
        SyncRoot { paths }
    }

    /// The whole input as one root.
    pub fn whole() -> Self {
        SyncRoot {
            paths: vec![String::new()],
        }
    }

    pub fn covers(&self, file: &str) -> bool {
        self.paths.iter().any(|p| file.starts_with(p.as_str()))
    }

    /// Display form for findings and the runbook.
    pub fn label(&self) -> String {
        self.paths
            .iter()
            .map(|p| {
                if p.is_empty() {
                    "."
                } else {
                    p.trim_end_matches('/')
                }
            })
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// Builds the sync roots: from `--sync-path` options (each entry one daemon; commas
/// separate that daemon's paths), else from daemons found in the input, else one root
/// for the whole input.
pub fn sync_roots(option_paths: &[String], detected: &[Vec<String>]) -> Vec<SyncRoot> {
    let mut roots: Vec<SyncRoot> = if !option_paths.is_empty() {
        option_paths
            .iter()
            .map(|p| SyncRoot::new(p.split(',').filter(|s| !s.trim().is_empty())))
            .collect()
    } else if !detected.is_empty() {
        detected.iter().map(SyncRoot::new).collect()
    } else {
        vec![SyncRoot::whole()]
    };
    roots.sort();
    roots.dedup();
    roots
}

/// The roots that apply a file; a file outside every root is put in a fallback root
/// (the repository root) so it still converts consistently.
pub fn roots_of(roots: &[SyncRoot], file: &str) -> Vec<usize> {
    roots
        .iter()
        .enumerate()
        .filter(|(_, r)| r.covers(file))
        .map(|(i, _)| i)
        .collect()
}

/// The directory where a root's generated sources file goes: the first of its paths
/// that no other root applies (so two clusters never share one generated file), else
/// its first path.
pub fn sources_dir(roots: &[SyncRoot], root: usize) -> String {
    let r = &roots[root];
    r.paths
        .iter()
        .find(|p| {
            !roots
                .iter()
                .enumerate()
                .any(|(j, o)| j != root && o.paths.iter().any(|q| p.starts_with(q.as_str())))
        })
        .unwrap_or(&r.paths[0])
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_from_options() {
        let roots = sync_roots(&["clusters/a,base".into(), "clusters/b,base".into()], &[]);
        assert_eq!(roots.len(), 2);
        assert!(roots[0].covers("base/x.yaml"));
        assert_eq!(sources_dir(&roots, 0), "clusters/a/");
        assert_eq!(sources_dir(&roots, 1), "clusters/b/");
        assert_eq!(roots_of(&roots, "base/hr.yaml"), vec![0, 1]);
    }

    #[test]
    fn default_is_whole_input() {
        let roots = sync_roots(&[], &[]);
        assert_eq!(roots, vec![SyncRoot::whole()]);
        assert!(roots[0].covers("anything.yaml"));
    }
}
