//! What each document is.

use crate::yaml::Node;

/// The flavour of a v1 HelmRelease (MAPPING.md §2, §2.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum V1Flavor {
    /// `helm.fluxcd.io/v1` HelmRelease.
    HelmFluxcdV1,
    /// `flux.weave.works/v1beta1` HelmRelease (helm-operator ≤ 0.10, Helm 2 only).
    WeaveV1beta1,
    /// `helm.integrations.flux.weave.works/v1alpha2` FluxHelmRelease.
    FluxHelmRelease,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocKind {
    /// Only comments or nothing.
    Empty,
    /// Parsed, but not a Kubernetes object (no apiVersion/kind, or not a mapping).
    NotManifest,
    HelmReleaseV1(V1Flavor),
    /// A SOPS file whose `apiVersion`, `kind` or `metadata.name` were encrypted too
    /// (`ENC[...]`): nothing can read it before decryption (MAPPING.md §3.5).
    SopsEncrypted,
    /// Any `*.toolkit.fluxcd.io` object: already Flux v2, passes through.
    FluxV2 {
        api_version: String,
        kind: String,
    },
    /// Any other Kubernetes object.
    Object {
        api_version: String,
        kind: String,
    },
}

pub fn classify(root: Option<&Node>) -> DocKind {
    let Some(root) = root else {
        return DocKind::Empty;
    };
    if root.is_null() {
        return DocKind::Empty;
    }
    let api = root.get("apiVersion").and_then(Node::as_str).unwrap_or("");
    let kind = root.get("kind").and_then(Node::as_str).unwrap_or("");
    let name = root
        .path(&["metadata", "name"])
        .and_then(Node::as_str)
        .unwrap_or("");
    if root.is_map()
        && [api, kind, name]
            .iter()
            .any(|s| crate::discovery::is_sops_value(s))
    {
        return DocKind::SopsEncrypted;
    }
    if !root.is_map() || api.is_empty() || kind.is_empty() {
        return DocKind::NotManifest;
    }
    match (api, kind) {
        ("helm.fluxcd.io/v1", "HelmRelease") => DocKind::HelmReleaseV1(V1Flavor::HelmFluxcdV1),
        ("flux.weave.works/v1beta1", "HelmRelease") => {
            DocKind::HelmReleaseV1(V1Flavor::WeaveV1beta1)
        }
        ("helm.integrations.flux.weave.works/v1alpha2", "FluxHelmRelease") => {
            DocKind::HelmReleaseV1(V1Flavor::FluxHelmRelease)
        }
        // kustomize's own configuration (kustomization.yaml, Component) is never
        // applied to a cluster.
        _ if api.starts_with("kustomize.config.k8s.io/") => DocKind::NotManifest,
        _ if api.contains(".toolkit.fluxcd.io/") => DocKind::FluxV2 {
            api_version: api.into(),
            kind: kind.into(),
        },
        _ => DocKind::Object {
            api_version: api.into(),
            kind: kind.into(),
        },
    }
}
