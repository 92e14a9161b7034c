//! Flux v1's own components as the repository stages found them: the fluxd
//! [`Daemon`] settings, the [`HelmOperator`] settings, and each [`V1Component`]
//! manifest that installs Flux v1 itself. Detected by `repo::daemon`.

use super::options::HelmVersion;

/// fluxd settings, with fluxd's defaults (flux `cmd/fluxd/main.go`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Daemon {
    /// File and namespace the daemon manifest was found in (empty when from options).
    pub file: String,
    pub namespace: String,
    pub git_url: Option<String>,
    /// Line and column of the git URL in `file` (a `--git-url` argument or the chart's
    /// `git.url`): where the findings about the daemon's GitRepository are reported.
    /// (0, 0) when from options.
    pub git_url_at: (usize, usize),
    pub git_branch: String,
    pub git_paths: Vec<String>,
    pub git_poll_interval: String,
    pub git_timeout: String,
    pub git_user: String,
    pub git_email: String,
    pub git_ci_skip: bool,
    pub git_ci_skip_message: String,
    pub git_readonly: bool,
    pub git_signing_key: Option<String>,
    pub sync_interval: String,
    pub sync_timeout: String,
    pub sync_garbage_collection: bool,
    pub k8s_default_namespace: Option<String>,
    pub manifest_generation: bool,
    pub automation_interval: String,
    pub registry_poll_interval: String,
    pub registry_disable_scanning: bool,
    pub registry_insecure_hosts: Vec<String>,
    pub registry_exclude_images: Vec<String>,
    pub registry_include_images: Vec<String>,
    /// Name of the Deployment (for the runbook's scale-down command).
    pub deployment: String,
    /// `--sops`: decrypt SOPS files (→ `Kustomization.spec.decryption`).
    pub sops: bool,
    /// `--k8s-secret-name` (SSH deploy key Secret).
    pub git_secret_name: String,
    /// True when the manifest set `metadata.namespace` (a kustomize patch usually does
    /// not: it takes the namespace of the Deployment it patches).
    pub namespace_set: bool,
    /// `file:line:column` of the `--git-path` flag (for findings on what it names).
    pub git_path_at: Option<String>,
}

impl Default for Daemon {
    fn default() -> Self {
        Daemon {
            file: String::new(),
            namespace: "flux".into(),
            git_url: None,
            git_url_at: (0, 0),
            git_branch: "master".into(),
            git_paths: Vec::new(),
            git_poll_interval: "5m".into(),
            git_timeout: "20s".into(),
            git_user: "Weave Flux".into(),
            git_email: "support@weave.works".into(),
            git_ci_skip: false,
            git_ci_skip_message: "\n\n[ci skip]".into(),
            git_readonly: false,
            git_signing_key: None,
            sync_interval: "5m".into(),
            sync_timeout: "1m".into(),
            sync_garbage_collection: false,
            k8s_default_namespace: None,
            manifest_generation: false,
            automation_interval: "5m".into(),
            registry_poll_interval: "5m".into(),
            registry_disable_scanning: false,
            registry_insecure_hosts: Vec::new(),
            registry_exclude_images: vec!["k8s.gcr.io/*".into()],
            registry_include_images: Vec::new(),
            deployment: "flux".into(),
            sops: false,
            git_secret_name: "flux-git-deploy".into(),
            namespace_set: false,
            git_path_at: None,
        }
    }
}

/// A manifest that installs Flux v1 itself: a HelmRelease of the `flux` or
/// `helm-operator` chart, or the fluxd / helm-operator Deployment. Never converted; when
/// a sync root covers it, Flux v2 would apply it and bring the stopped daemon back, so it
/// leaves the tree (`repo::daemon::retire_components`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V1Component {
    pub file: usize,
    pub doc: usize,
    /// True for a Deployment manifest, false for a HelmRelease of the chart.
    pub deployment: bool,
    /// `flux` or `helm-operator`.
    pub chart: String,
    pub release: String,
    pub namespace: String,
    /// `spec.helmVersion` as written (`v2` releases need `helm delete --purge`).
    pub helm_version: Option<String>,
}

/// helm-operator settings found in the input.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HelmOperator {
    pub file: String,
    pub namespace: String,
    /// Deployment name (runbook).
    pub deployment: String,
    /// `--enabled-helm-versions` / `HELM_VERSION` / chart `helm.versions`, as written.
    pub helm_versions: Option<String>,
    pub charts_sync_interval: Option<String>,
    pub git_poll_interval: Option<String>,
    pub git_timeout: Option<String>,
    pub git_default_ref: Option<String>,
    pub allow_namespace: Option<String>,
    /// Location of the container / values node (file index, doc index), for edits.
    pub at: Option<(usize, usize)>,
}

impl HelmOperator {
    /// The default Helm version: the first of the enabled versions (§2.7).
    pub fn default_helm_version(&self) -> Option<HelmVersion> {
        self.helm_versions
            .as_deref()
            .and_then(|v| v.split(',').next())
            .and_then(HelmVersion::parse)
    }
}
