//! The Helm release a Flux v2 HelmRelease manages: its release name and storage
//! namespace (`helm-controller` `api/v2/helmrelease_types.go`:
//! `HelmRelease.GetReleaseName` is `spec.releaseName`, else
//! `spec.targetNamespace + "-" + name` when a target namespace is set, else `name`;
//! `GetStorageNamespace` is `spec.storageNamespace`, else `spec.targetNamespace`,
//! else the object's namespace). The v1 rules (MAPPING.md §2.2) are
//! `helm::helmrelease::read`'s; a converted object writes `releaseName` (and the
//! storage namespace when it differs), so both give one identity for one release.
//!
//! Used by the pre-flight (VERIFY_RELEASE_CLASH, VERIFY_RELEASE_NAME_TOO_LONG) and the
//! conversion's RELEASE_CLASH (existing v2 HelmReleases of the input).

use crate::yaml::Node;

/// A v2 HelmRelease's Helm release identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V2Release<'a> {
    pub release: String,
    pub storage: String,
    /// `spec.releaseName` when set (not empty).
    pub explicit: Option<&'a str>,
}

fn s<'n>(n: &'n Node, key: &str) -> Option<&'n str> {
    n.get(key).and_then(Node::as_str).filter(|v| !v.is_empty())
}

/// The release identity of a v2 HelmRelease named `name` in namespace `ns` with
/// `spec` (its `spec` node).
pub fn v2_release<'a>(spec: &'a Node, name: &str, ns: &str) -> V2Release<'a> {
    release_identity(
        s(spec, "releaseName"),
        s(spec, "targetNamespace"),
        s(spec, "storageNamespace"),
        name,
        ns,
    )
}

/// [`v2_release`] from the values of `spec.releaseName`, `spec.targetNamespace` and
/// `spec.storageNamespace` (`None` when unset or empty), as the pre-flight reads them
/// after postBuild substitution.
pub fn release_identity<'a>(
    explicit: Option<&'a str>,
    tns: Option<&str>,
    storage: Option<&str>,
    name: &str,
    ns: &str,
) -> V2Release<'a> {
    let release = match (explicit, tns) {
        (Some(r), _) => r.to_string(),
        (None, Some(t)) => format!("{t}-{name}"),
        (None, None) => name.to_string(),
    };
    let storage = storage.or(tns).unwrap_or(ns).to_string();
    V2Release {
        release,
        storage,
        explicit,
    }
}
