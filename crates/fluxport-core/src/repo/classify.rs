//! What each document is.

use crate::model::document::{DocKind, V1Flavor};
use crate::yaml::Node;

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
    if root.is_map() && [api, kind, name].iter().any(|s| is_sops_value(s)) {
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

/// True for a SOPS-encrypted scalar (`ENC[AES256_GCM,data:...]`).
pub fn is_sops_value(s: &str) -> bool {
    s.trim_start().starts_with("ENC[")
}
