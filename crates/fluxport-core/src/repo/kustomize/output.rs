//! What a build produces: its objects (with their effective ids and the patches
//! applied to them) and the patch applications.

use super::{ObjectRef, Problem};

/// kyaml's namespace for cluster-scoped ids (`resid.TotallyNotANamespace`).
pub(crate) const NO_NAMESPACE: &str = "_non_namespaceable_";

/// A patch document of one kustomization: `kustomization` id, index into its
/// [`Kustomization::patches`], and index into that patch's [`Patch::docs`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PatchHit {
    pub kustomization: usize,
    pub patch: usize,
    pub doc: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Matched,
    /// A strategic-merge patch without target matched nothing: `kustomize build` fails.
    NoTarget,
    /// The selector matched nothing: kustomize silently applies nothing.
    NothingSelected,
    /// A strategic-merge patch without target matched several objects: kustomize fails.
    Ambiguous,
    /// Nothing matched, but the build is incomplete (remote, missing or cut entries):
    /// the target may be among what was not loaded.
    Unknown,
    /// The patch or its selector is unusable (see [`Patch::error`]).
    Invalid,
}

/// One patch document applied in a build.
#[derive(Debug, Clone)]
pub struct Application {
    pub hit: PatchHit,
    /// Indices into [`Build::objects`].
    pub targets: Vec<usize>,
    pub outcome: Outcome,
}

/// One object of a build: a resource document as the build emits it.
#[derive(Debug, Clone)]
pub struct BuiltObject {
    pub source: ObjectRef,
    pub api_version: String,
    pub kind: String,
    /// Effective name after prefixes, suffixes and identity patches.
    pub name: String,
    /// Effective `metadata.namespace`; `None` when unset (the applier's default
    /// namespace) or cluster-scoped.
    pub namespace: Option<String>,
    pub original_name: String,
    pub original_namespace: Option<String>,
    pub cluster_scoped: bool,
    /// Labels and annotations after commonLabels/labels/commonAnnotations.
    pub labels: Vec<(String, String)>,
    pub annotations: Vec<(String, String)>,
    /// Kustomizations that included the object, innermost (the one listing the
    /// file) first, ending with the built one.
    pub via: Vec<usize>,
    /// (kustomization id, index into its `resources`) of the entry that loaded the file.
    pub entry: (usize, usize),
    /// Patch documents applied to the object, in application order.
    pub patches: Vec<PatchHit>,
    /// `$patch: delete` removed the object from the build.
    pub deleted_by: Option<PatchHit>,
    /// Previous (effective namespace, name) ids, oldest first (kustomize's
    /// `config.kubernetes.io/previousNames`/`previousNamespaces`).
    pub(crate) prev: Vec<(String, String)>,
}

impl BuiltObject {
    pub(crate) fn eff_ns(&self) -> String {
        eff_ns(self.cluster_scoped, self.namespace.as_deref())
    }
    /// The effective namespace without allocating.
    pub(crate) fn ns_key(&self) -> &str {
        match self.namespace.as_deref() {
            _ if self.cluster_scoped => NO_NAMESPACE,
            None | Some("") => "default",
            Some(n) => n,
        }
    }
    pub(crate) fn org(&self) -> (String, String) {
        self.prev
            .first()
            .cloned()
            .unwrap_or_else(|| (self.eff_ns(), self.name.clone()))
    }
    pub(crate) fn store_prev(&mut self) {
        let id = (self.eff_ns(), self.name.clone());
        self.prev.push(id);
    }
}

pub(crate) fn eff_ns(cluster_scoped: bool, ns: Option<&str>) -> String {
    match ns {
        _ if cluster_scoped => NO_NAMESPACE.to_string(),
        None | Some("") => "default".to_string(),
        Some(n) => n.to_string(),
    }
}

/// The result of building one kustomization directory.
#[derive(Debug, Clone, Default)]
pub struct Build {
    pub dir: String,
    pub kustomization: usize,
    /// Every object, including ones deleted by `$patch: delete` (see [`Build::live`]).
    pub objects: Vec<BuiltObject>,
    /// Every patch document applied, at every level of the build.
    pub applications: Vec<Application>,
    /// (kustomization id, resources/components entry) of remote entries: what a
    /// real build would add is unknown.
    pub remote: Vec<(usize, usize)>,
    pub problems: Vec<Problem>,
    /// False when something was cut (cycle, depth, size, remote entry).
    pub complete: bool,
}

impl Build {
    /// The objects the build emits.
    pub fn live(&self) -> impl Iterator<Item = &BuiltObject> {
        self.objects.iter().filter(|o| o.deleted_by.is_none())
    }
    /// Every inclusion of a source document in the build.
    pub fn find(&self, source: ObjectRef) -> impl Iterator<Item = &BuiltObject> {
        self.live().filter(move |o| o.source == source)
    }
    /// The patches applied to a source document in this build.
    pub fn patches_for(&self, source: ObjectRef) -> Vec<PatchHit> {
        let mut v: Vec<PatchHit> = self
            .objects
            .iter()
            .filter(|o| o.source == source)
            .flat_map(|o| o.patches.iter().copied())
            .collect();
        v.dedup();
        v
    }
    /// Live objects of a kind, e.g. `"HelmRelease"`.
    pub fn of_kind<'b>(&'b self, kind: &'b str) -> impl Iterator<Item = &'b BuiltObject> + 'b {
        self.live().filter(move |o| o.kind == kind)
    }
}
