//! The Flux v1 daemon (fluxd) and helm-operator settings (MAPPING.md §2.7, §3):
//! detection in the input, and the GitRepository/Kustomization they become.

use crate::pipeline::Context;

/// fluxd settings, with fluxd's defaults (flux `cmd/fluxd/main.go`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Daemon {
    /// File and namespace the daemon manifest was found in (empty when from options).
    pub file: String,
    pub namespace: String,
    pub git_url: Option<String>,
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
}

impl Default for Daemon {
    fn default() -> Self {
        Daemon {
            file: String::new(),
            namespace: "flux".into(),
            git_url: None,
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
        }
    }
}

/// helm-operator settings found in the input.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HelmOperator {
    pub file: String,
    pub namespace: String,
}

/// Finds fluxd and helm-operator in the input and fills `ctx.daemons`,
/// `ctx.helm_operator` (and from them the sync roots). No-op until implemented.
pub fn detect(ctx: &mut Context) {
    let _ = ctx;
}

/// Emits the GitRepository + Kustomizations for each daemon. No-op until implemented.
pub fn emit(ctx: &mut Context) {
    let _ = ctx;
}
