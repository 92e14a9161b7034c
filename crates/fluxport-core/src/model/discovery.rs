//! What manifest discovery found ([`Discovery`]), for the stages that write the
//! fix-ups, and the ignore patterns it writes ([`ignore_pattern`]; the rules themselves
//! are [`super::sourceignore`]).

use super::paths::normalize_dir;
use std::collections::BTreeSet;

pub use super::sourceignore::DEFAULT_IGNORE;

/// What discovery found, for the stages that write the fix-ups.
#[derive(Debug, Default, Clone)]
pub struct Discovery {
    /// Hook for the `.flux.yaml` stage: directories (normalised `dir/`, `""` for the
    /// root) whose kustomization a generator (`kustomize build <dir>`) used, so v1
    /// already applied only what it lists. Must be filled before `repo::discovery::scan` runs.
    pub generator_dirs: BTreeSet<String>,
    /// Outermost Helm chart directories under a sync path (`dir/`).
    pub chart_dirs: BTreeSet<String>,
    /// YAML files under a sync path that hold no Kubernetes object.
    pub non_manifest: BTreeSet<String>,
    /// Files fluxd did not apply as written (`repo::discovery::not_applied_as_is`), computed once after
    /// the `.flux.yaml` plan.
    pub not_applied: BTreeSet<String>,
}

impl Discovery {
    /// The `spec.ignore` lines for a GitRepository that syncs `paths`, or `None` when
    /// nothing under them needs ignoring (then the defaults stay active by themselves).
    pub fn ignore_lines(&self, paths: &[String]) -> Option<Vec<String>> {
        let dirs: Vec<String> = paths.iter().map(|p| normalize_dir(p)).collect();
        let under = |p: &String| dirs.iter().any(|d| p.starts_with(d.as_str()));
        let charts: Vec<&String> = self.chart_dirs.iter().filter(|p| under(p)).collect();
        let files: Vec<&String> = self.non_manifest.iter().filter(|p| under(p)).collect();
        if charts.is_empty() && files.is_empty() {
            return None;
        }
        let mut out =
            vec!["# source-controller defaults (setting spec.ignore replaces them)".to_string()];
        out.extend(DEFAULT_IGNORE.iter().map(|s| s.to_string()));
        if !charts.is_empty() {
            out.push("# Helm chart directories (fluxd skipped them)".into());
            out.extend(charts.iter().filter_map(|d| ignore_pattern(d)));
        }
        if !files.is_empty() {
            out.push("# YAML files that are not Kubernetes manifests".into());
            out.extend(files.iter().filter_map(|f| ignore_pattern(f)));
        }
        Some(out)
    }
}

/// An anchored gitignore pattern for a repository path (`dir/` or a file), with the
/// gitignore special characters escaped; `None` for a path no pattern can name.
pub fn ignore_pattern(path: &str) -> Option<String> {
    if path.is_empty() || path.contains(['\n', '\r']) {
        return None;
    }
    let mut out = String::with_capacity(path.len() + 2);
    out.push('/');
    for c in path.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\' | '!' | '#') {
            out.push('\\');
        }
        out.push(c);
    }
    // Trailing spaces are trimmed by gitignore unless escaped.
    if out.ends_with(' ') {
        out.pop();
        out.push_str("\\ ");
    }
    Some(out)
}
