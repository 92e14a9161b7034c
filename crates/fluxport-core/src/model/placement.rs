//! Where the kustomize builds of the repository put a document ([`Placement`]):
//! the namespaces it has in the builds that apply it. Computed once from the
//! kustomization model (`repo::kustomize::placements`).

use std::collections::BTreeSet;

/// One document's namespaces in the root builds (kustomization directories no other
/// kustomization includes) that contain it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Placement {
    /// Effective `metadata.namespace` in each such build (`None`: left unset).
    pub namespaces: BTreeSet<Option<String>>,
    /// Effective `metadata.namespace` in every kustomization directory's build that
    /// contains it (bases built on their own included).
    pub all_namespaces: BTreeSet<Option<String>>,
    /// Effective `metadata.namespace` in the builds fluxd applied (the directories of
    /// `.flux.yaml` `kustomize build` generators): where the running v1 release's
    /// object lived. Empty when fluxd applied the file as written.
    pub v1_namespaces: BTreeSet<Option<String>>,
    /// True when a kustomization that includes it sets `namespace:` (so the namespace
    /// written in the file, if any, is overridden in that build).
    pub namespace_from_kustomization: bool,
}

impl Placement {
    /// The namespace every build gives the document, when a kustomization sets it and
    /// all builds agree.
    pub fn kustomization_namespace(&self) -> Option<&str> {
        if !self.namespace_from_kustomization || self.namespaces.len() != 1 {
            return None;
        }
        self.namespaces.iter().next()?.as_deref()
    }

    /// The namespace fluxd gave the object through a generator's build, when there is
    /// exactly one such build namespace and it is set.
    pub fn v1_namespace(&self) -> Option<&str> {
        if self.v1_namespaces.len() != 1 {
            return None;
        }
        self.v1_namespaces.iter().next()?.as_deref()
    }

    /// True when builds disagree on the namespace (one base, overlays with different
    /// namespaces).
    pub fn namespaces_differ(&self) -> bool {
        self.namespaces.len() > 1
    }
}
