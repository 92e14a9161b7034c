//! Conversion options: one struct shared by the CLI flags and the web settings.

use serde::{Deserialize, Serialize};

pub use super::served::FluxVersion;

/// Helm major version a v1 HelmRelease ran on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HelmVersion {
    V2,
    V3,
}

impl HelmVersion {
    pub fn parse(s: &str) -> Option<HelmVersion> {
        match s.trim() {
            "v2" | "2" => Some(HelmVersion::V2),
            "v3" | "3" => Some(HelmVersion::V3),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            HelmVersion::V2 => "v2",
            HelmVersion::V3 => "v3",
        }
    }
}

/// strict (default): reproduce v1 runtime behaviour, including fidelity-only fields.
/// idiomatic: drop the fields marked *(strict)* in MAPPING.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Strict,
    Idiomatic,
}

/// Where generated sources (HelmRepository, GitRepository) are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourcesPlacement {
    /// One new file `fluxport-sources.yaml` at each sync root (default).
    SyncRoot,
    /// Appended as extra documents to the first file (in path order) of each sync root
    /// that uses the source.
    Inline,
}

/// What the output targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Target {
    /// Flux v2 GA APIs (MAPPING.md §0).
    FluxV2,
    /// Stay on Flux v1 / helm-operator but move every Helm 2 release to Helm 3.
    Helm3OnFluxV1,
}

/// Hard limits for hostile input. Exceeding one gives a finding, never a crash.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Limits {
    /// Largest single file, in bytes.
    pub max_file_bytes: usize,
    /// Largest total input, in bytes.
    pub max_total_bytes: usize,
    /// Most documents in one file.
    pub max_documents_per_file: usize,
    /// Deepest nesting of collections in one document.
    pub max_depth: usize,
    /// Most alias references in one document (aliases are never expanded).
    pub max_aliases: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 64 << 20,
            max_total_bytes: 512 << 20,
            max_documents_per_file: 200_000,
            max_depth: 256,
            max_aliases: 10_000,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Options {
    /// helm-operator's default Helm version (first of `--enabled-helm-versions`).
    pub default_helm_version: HelmVersion,
    /// helm-operator `--charts-sync-interval` → HelmRelease `spec.interval`.
    pub chart_sync_interval: String,
    /// helm-operator `--git-poll-interval` → chart GitRepository `spec.interval`.
    pub git_poll_interval: String,
    /// helm-operator `--git-timeout` → chart GitRepository `spec.timeout`.
    pub git_timeout: String,
    /// helm-operator `--git-default-ref` → GitRepository ref when `chart.ref` is empty.
    pub git_default_ref: String,
    /// HelmRepository `spec.interval` (versions are pinned, so any value works).
    pub helm_repository_interval: String,
    pub mode: Mode,
    pub sources_placement: SourcesPlacement,
    pub target: Target,
    /// The Flux minor the output targets (`--flux-version`): which apiVersions the
    /// upgrade stage writes and the pre-flight accepts (`model::served`).
    pub flux_version: FluxVersion,
    /// fluxd `--git-path` values (sync roots). Empty: taken from a daemon manifest in the
    /// input, else the whole input is one root.
    pub sync_paths: Vec<String>,
    /// fluxd `--k8s-default-namespace` (fallback namespace for objects without one).
    pub default_namespace: String,
    /// Namespace for image automation objects.
    pub automation_namespace: String,
    /// fluxd `--git-url` / chart repo of `FluxHelmRelease` (v1alpha2), when the daemon
    /// is not in the input.
    pub git_url: Option<String>,
    /// fluxd `--git-branch`.
    pub git_branch: String,
    /// helm-operator `--git-charts-path` (v1alpha2 FluxHelmRelease charts).
    pub git_charts_path: String,
    pub limits: Limits,
    /// Names (CLI flag spelling, e.g. `chart-sync-interval`) of the options the user set
    /// explicitly. An option not listed here may be replaced by the setting detected on
    /// a helm-operator or fluxd in the input (`daemon::effective_options`); an explicit
    /// one always wins over detection.
    pub explicit: std::collections::BTreeSet<String>,
    /// Pre-flight: references to the objects `flux bootstrap` creates (GitRepository
    /// and Kustomization `flux-system/flux-system`) are accepted, and the runbook says
    /// that bootstrap must create them (CLI `--assume-bootstrap`).
    pub assume_bootstrap: bool,
    /// Per-file work (reading and parsing each file) on every core, when the core is
    /// built with the `parallel` feature (the native CLI; `model::exec`). The output is
    /// the same either way; the CLI's `--threads 1` turns it off.
    pub parallel: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            default_helm_version: HelmVersion::V2,
            chart_sync_interval: "3m".into(),
            git_poll_interval: "5m".into(),
            git_timeout: "20s".into(),
            git_default_ref: "master".into(),
            helm_repository_interval: "1h".into(),
            mode: Mode::Strict,
            sources_placement: SourcesPlacement::SyncRoot,
            target: Target::FluxV2,
            flux_version: FluxVersion::default(),
            sync_paths: Vec::new(),
            default_namespace: "default".into(),
            automation_namespace: "flux-system".into(),
            git_url: None,
            git_branch: "master".into(),
            git_charts_path: "charts".into(),
            limits: Limits::default(),
            explicit: Default::default(),
            assume_bootstrap: false,
            parallel: true,
        }
    }
}

impl Options {
    pub fn strict(&self) -> bool {
        self.mode == Mode::Strict
    }

    /// True when the user set option `name` (flag spelling) explicitly.
    pub fn is_explicit(&self, name: &str) -> bool {
        self.explicit.contains(name)
    }

    /// Records that the user set option `name` explicitly (CLI flag given, web setting
    /// changed).
    pub fn mark_explicit(&mut self, name: &str) {
        self.explicit.insert(name.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::{FluxVersion, Options};

    /// The web app stores and sends `Options` as JSON: the minor is its `--flux-version`
    /// spelling, and settings saved before the option existed get the default.
    #[test]
    fn options_json() {
        let o: Options = serde_json::from_str(r#"{"flux_version":"2.7"}"#).unwrap();
        assert_eq!(o.flux_version, FluxVersion::V2_7);
        let j = serde_json::to_value(&o).unwrap();
        assert_eq!(j["flux_version"], "2.7");
        let o: Options = serde_json::from_str(r#"{"mode":"idiomatic"}"#).unwrap();
        assert_eq!(o.flux_version, FluxVersion::V2_9);
        assert!(serde_json::from_str::<Options>(r#"{"flux_version":"2.6"}"#).is_err());
    }
}
