//! The kustomization model: every kustomization file of a repository, what each one
//! loads and changes, and what each directory's build contains.
//!
//! Built once per conversion from plain data ([`RepoFile`]: a path and its parsed
//! YAML roots) with [`Model::new`]; the other stages then ask it:
//!
//! 1. which objects a directory's build contains ([`Model::build`] → [`Build::live`]),
//!    transitively through resources, legacy `bases` and `components`, one
//!    [`BuiltObject`] per inclusion (a base used by two overlays appears in both);
//! 2. each object's effective namespace and name in that build
//!    ([`BuiltObject::namespace`], [`BuiltObject::name`]) after the namespace,
//!    namePrefix and nameSuffix transformers of every kustomization on the way up;
//! 3. which objects each patch targets ([`Model::patch_targets`]) and, the other way
//!    round, which patches apply to an object in a build ([`Build::patches_for`]).
//!
//! Plus helpers: [`Model::roots`], [`Model::is_patch_file`], [`Model::is_patch_doc`],
//! [`Model::missing_entries`], [`Model::entries_naming`], [`Model::sets_namespace`].
//!
//! The kustomize rules followed (and what is not modelled) are in
//! `docs/kustomize-model.md`. Pure: the model imports only [`crate::yaml`]; `adapter.rs`
//! builds it over the loaded files.
//! Bounded on hostile input: include chains deeper than [`MAX_DEPTH`] and cycles are
//! cut and reported, each directory is built once (memoised), and no build holds more
//! than [`MAX_OBJECTS`] objects.

mod adapter;
mod build;
mod graph;
mod output;
mod parse;
pub mod paths;
pub mod regex;
pub mod selector;
#[cfg(test)]
mod tests;
mod uses;

use crate::yaml::Node;
use std::collections::{BTreeSet, HashMap, HashSet};

pub use adapter::{entry_findings, mark_v1_builds, model_of, null_node, placements};
pub use build::keeps_name;
pub(crate) use build::SelectedId;
pub(crate) use output::NO_NAMESPACE;
pub use output::{Application, Build, BuiltObject, Outcome, PatchHit};
pub use parse::{is_cluster_scoped, kustomize_kind_of, parse_inline, selector, KustFileKind};
pub use uses::PatchUse;

/// Longest chain of kustomizations including each other before the model stops.
pub const MAX_DEPTH: usize = 64;
/// Most objects one build may hold (a diamond of prefixed bases can grow
/// exponentially with depth; kustomize itself would build them all).
pub const MAX_OBJECTS: usize = 20_000;
/// Most objects all builds of one model may hold together.
pub const MAX_TOTAL_OBJECTS: usize = 200_000;

/// One repository file as the caller loaded it.
#[derive(Debug, Clone)]
pub struct RepoFile<'a> {
    /// Repository-relative, `/`-separated, no leading `./`.
    pub path: &'a str,
    /// Parsed YAML roots in document order (a document that failed to parse may be
    /// left out only if later indices shift accordingly; pass an empty vector for a
    /// non-YAML file).
    pub docs: Vec<&'a Node>,
}

/// One document of one input file: `file` indexes the slice given to [`Model::new`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectRef {
    pub file: usize,
    pub doc: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KustKind {
    Kustomization,
    Component,
}

/// The kustomization field an entry was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Resources,
    Bases,
    Components,
    PatchesStrategicMerge,
    Patches,
    PatchesJson6902,
}

impl Field {
    pub fn key(self) -> &'static str {
        match self {
            Field::Resources => "resources",
            Field::Bases => "bases",
            Field::Components => "components",
            Field::PatchesStrategicMerge => "patchesStrategicMerge",
            Field::Patches => "patches",
            Field::PatchesJson6902 => "patchesJson6902",
        }
    }
}

/// What an entry's path names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// An input file (index into the caller's slice).
    File(usize),
    /// A directory holding a kustomization (see [`Model::kustomization_in`]).
    Dir(String),
    /// A directory with files but no kustomize kustomization file: kustomize fails.
    DirWithoutKustomization(String),
    /// A URL or git repository spec; recorded, never fetched.
    Remote,
    /// Nothing in the repository: the normalised path, or the raw text when it is
    /// absolute, empty, or leaves the repository.
    Missing(String),
}

/// One path entry of a kustomization (a resource, base, component or patch file).
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub field: Field,
    /// The text as written.
    pub value: String,
    /// The scalar node holding the path (line/column, and its span to delete the line).
    pub node: &'a Node,
    pub resolved: Resolved,
    /// A file outside the kustomization's directory: kustomize's default load
    /// restrictor (`LoadRestrictionsRootOnly`) rejects it; `--load-restrictor
    /// LoadRestrictionsNone` (Flux v2 kustomize-controller, fluxd's `.flux.yaml`
    /// generators with `--load_restrictor none`) accepts it.
    pub outside_root: bool,
}

/// A scalar setting (`namespace`, `namePrefix`, `nameSuffix`) with its node.
#[derive(Debug, Clone)]
pub struct Setting<'a> {
    pub value: String,
    pub node: &'a Node,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchFormat {
    StrategicMerge,
    Json6902,
    /// Empty, unreadable or missing content.
    Unknown,
}

/// An identity field a JSON 6902 patch rewrites (`/metadata/name`, `/metadata/namespace`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rename {
    Name(String),
    Namespace(String),
}

/// One patch document: an SMP document's identity, or a JSON 6902 op list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchDoc {
    /// Document index inside the patch file; `None` for inline text.
    pub doc: Option<usize>,
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
    /// `$patch: delete` at the root: the target is removed from the build.
    pub delete: bool,
    /// JSON 6902 ops that change the target's identity.
    pub renames: Vec<Rename>,
}

/// A patch target selector (`target:` of `patches` / `patchesJson6902`).
#[derive(Debug, Clone, Default)]
pub struct Selector<'a> {
    pub group: Option<String>,
    pub version: Option<String>,
    pub kind: Option<String>,
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub label_selector: Option<String>,
    pub annotation_selector: Option<String>,
    pub node: Option<&'a Node>,
    pub(crate) compiled: Option<build::CompiledSelector>,
    /// Why the selector cannot be used (bad regex or label selector).
    pub error: Option<String>,
}

/// One patch: an item of `patchesStrategicMerge`, `patches` or `patchesJson6902`.
#[derive(Debug, Clone)]
pub struct Patch<'a> {
    pub field: Field,
    /// The list item.
    pub node: &'a Node,
    /// The patch file, when given by path.
    pub path: Option<Entry<'a>>,
    /// The inline patch text node (`patch:`, or an inline `patchesStrategicMerge` item).
    pub inline: Option<&'a Node>,
    pub target: Option<Selector<'a>>,
    pub format: PatchFormat,
    pub docs: Vec<PatchDoc>,
    /// Why kustomize would reject this patch, if it would.
    pub error: Option<String>,
}

/// An `images:` entry (recorded, not applied to containers).
#[derive(Debug, Clone)]
pub struct Image<'a> {
    pub node: &'a Node,
    pub name: Option<String>,
    pub new_name: Option<String>,
    pub new_tag: Option<String>,
    pub digest: Option<String>,
}

/// One parsed kustomization file.
#[derive(Debug, Clone)]
pub struct Kustomization<'a> {
    /// Index of the file in the caller's slice.
    pub file: usize,
    pub path: String,
    pub dir: String,
    pub kind: KustKind,
    /// The first document's root; `None` for an empty file.
    pub root: Option<&'a Node>,
    /// `resources` then `bases` (kustomize appends bases to resources).
    pub resources: Vec<Entry<'a>>,
    pub components: Vec<Entry<'a>>,
    /// Every patch in file order; [`Patch::field`] says which list.
    pub patches: Vec<Patch<'a>>,
    pub namespace: Option<Setting<'a>>,
    pub name_prefix: Option<Setting<'a>>,
    pub name_suffix: Option<Setting<'a>>,
    pub images: Vec<Image<'a>>,
    /// `commonLabels` and every `labels[].pairs`, in that order.
    pub labels: Vec<(String, String)>,
    pub annotations: Vec<(String, String)>,
    /// Fields present that the model does not apply (generators, replacements,
    /// transformers, helmCharts, configurations, crds, vars, ...).
    pub unmodelled: Vec<String>,
    pub problems: Vec<Problem>,
}

impl<'a> Kustomization<'a> {
    /// Every path entry: resources, bases, components, then patch files.
    pub fn entries(&self) -> impl Iterator<Item = &Entry<'a>> {
        self.resources
            .iter()
            .chain(self.components.iter())
            .chain(self.patches.iter().filter_map(|p| p.path.as_ref()))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ProblemKind {
    /// A kustomization includes itself through a chain of resources/components.
    Cycle,
    /// Include chain deeper than [`MAX_DEPTH`].
    TooDeep,
    /// Build cut at [`MAX_OBJECTS`] objects.
    TooLarge,
    /// An entry names nothing in the repository.
    Missing,
    /// An entry names a directory without a kustomization.
    NoKustomization,
    /// A remote entry: the build is incomplete offline.
    Remote,
    /// More than one recognised kustomization file in one directory.
    MultipleKustomizationFiles,
    /// A component is listed under resources, or a kustomization under components.
    KindMismatch,
    /// Two objects with the same id in one build (kustomize refuses).
    DuplicateId,
    /// A strategic-merge patch without target matched no object (kustomize fails).
    PatchNoMatch,
    /// A strategic-merge patch without target matched several objects (kustomize fails).
    PatchAmbiguous,
    /// A patch kustomize would reject (bad selector, no content, JSON without target).
    InvalidPatch,
    /// A field with an unexpected shape.
    BadField,
    /// An empty kustomization file (`kustomization.yaml is empty`: kustomize fails).
    Empty,
}

/// Something kustomize would complain about, or that limits the model.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Problem {
    pub kind: ProblemKind,
    /// The kustomization file (input index) the problem is in.
    pub file: usize,
    pub line: usize,
    pub col: usize,
    pub message: String,
}

/// Counts for logs and tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub kustomizations: usize,
    pub components: usize,
    pub roots: usize,
    /// Live objects summed over the root builds.
    pub root_objects: usize,
    /// Distinct source documents in any build.
    pub distinct_objects: usize,
    pub patch_docs: usize,
    pub patch_docs_matched: usize,
    pub patch_docs_unmatched: usize,
    /// Unmatched in an incomplete build (the target may be remote).
    pub patch_docs_unknown: usize,
    pub remote_entries: usize,
    pub missing_entries: usize,
    pub cycles: usize,
    pub duplicate_ids: usize,
}

/// The model of one repository. Borrows the caller's nodes.
#[derive(Debug)]
pub struct Model<'a> {
    paths: Vec<&'a str>,
    kusts: Vec<Kustomization<'a>>,
    by_dir: HashMap<String, usize>,
    by_file: HashMap<usize, usize>,
    builds: Vec<Build>,
    roots: Vec<usize>,
    patch_docs: HashSet<ObjectRef>,
    patch_files: BTreeSet<usize>,
    resource_files: BTreeSet<usize>,
    ignored: Vec<usize>,
    problems: Vec<Problem>,
}

impl<'a> Model<'a> {
    /// Parses every kustomization among `files` and builds every kustomization
    /// directory (each once). Never panics.
    pub fn new(files: &[RepoFile<'a>]) -> Model<'a> {
        let index = parse::Index::new(files);
        let mut kusts = Vec::new();
        let mut by_dir = HashMap::new();
        let mut by_file = HashMap::new();
        let mut ignored = Vec::new();
        let mut problems = Vec::new();
        for (dir, candidates) in &index.kust_files {
            let mut chosen: Option<usize> = None;
            for &f in candidates {
                let root = files[f].docs.first().copied();
                if root.is_some_and(|r| kustomize_kind_of(r) == KustFileKind::NotKustomize) {
                    ignored.push(f);
                    continue;
                }
                if let Some(first) = chosen {
                    problems.push(Problem {
                        kind: ProblemKind::MultipleKustomizationFiles,
                        file: f,
                        line: 1,
                        col: 1,
                        message: format!(
                            "{dir}: more than one kustomization file; kustomize refuses, {} is used here",
                            files[first].path
                        ),
                    });
                    continue;
                }
                chosen = Some(f);
            }
            let Some(f) = chosen else { continue };
            if let Some(k) = parse::parse_kustomization(f, &files[f], &index, files) {
                by_dir.insert(dir.clone(), kusts.len());
                by_file.insert(f, kusts.len());
                kusts.push(k);
            }
        }
        // Deterministic order: by path.
        let mut order: Vec<usize> = (0..kusts.len()).collect();
        order.sort_by(|a, b| kusts[*a].path.cmp(&kusts[*b].path));
        let mut sorted: Vec<Kustomization<'a>> = Vec::with_capacity(kusts.len());
        let mut slots: Vec<Option<Kustomization<'a>>> = kusts.into_iter().map(Some).collect();
        for i in &order {
            if let Some(k) = slots[*i].take() {
                sorted.push(k);
            }
        }
        let kusts = sorted;
        by_dir.clear();
        by_file.clear();
        for (i, k) in kusts.iter().enumerate() {
            by_dir.insert(k.dir.clone(), i);
            by_file.insert(k.file, i);
        }

        let mut patch_docs = HashSet::new();
        let mut patch_files = BTreeSet::new();
        let mut resource_files = BTreeSet::new();
        let mut included = vec![false; kusts.len()];
        for (i, k) in kusts.iter().enumerate() {
            problems.extend(k.problems.iter().cloned());
            for e in k.resources.iter().chain(k.components.iter()) {
                match &e.resolved {
                    Resolved::File(f) => {
                        resource_files.insert(*f);
                    }
                    Resolved::Dir(d) => {
                        if let Some(&j) = by_dir.get(d) {
                            if j != i {
                                included[j] = true;
                            }
                        }
                    }
                    _ => {}
                }
            }
            for p in &k.patches {
                if let Some(Resolved::File(f)) = p.path.as_ref().map(|e| &e.resolved) {
                    patch_files.insert(*f);
                    for d in &p.docs {
                        if let Some(doc) = d.doc {
                            patch_docs.insert(ObjectRef { file: *f, doc });
                        }
                    }
                }
            }
        }
        let roots = (0..kusts.len()).filter(|i| !included[*i]).collect();
        let builds = build::build_all(&kusts, &by_dir, files);
        let mut seen: HashSet<Problem> = problems.iter().cloned().collect();
        for b in &builds {
            for p in &b.problems {
                if seen.insert(p.clone()) {
                    problems.push(p.clone());
                }
            }
        }
        Model {
            paths: files.iter().map(|f| f.path).collect(),
            kusts,
            by_dir,
            by_file,
            builds,
            roots,
            patch_docs,
            patch_files,
            resource_files,
            ignored,
            problems,
        }
    }

    /// Every kustomization, sorted by path; the index is the kustomization id.
    pub fn kustomizations(&self) -> &[Kustomization<'a>] {
        &self.kusts
    }
    pub fn kustomization(&self, id: usize) -> Option<&Kustomization<'a>> {
        self.kusts.get(id)
    }
    /// The kustomization id of the directory `dir` ("" for the repository root).
    pub fn kustomization_in(&self, dir: &str) -> Option<usize> {
        self.by_dir.get(dir.trim_matches('/')).copied()
    }
    /// The kustomization id of an input file.
    pub fn kustomization_of_file(&self, file: usize) -> Option<usize> {
        self.by_file.get(&file).copied()
    }
    /// Files named like a kustomization that are not kustomize's (for example a Flux
    /// `kustomize.toolkit.fluxcd.io` Kustomization saved as `kustomization.yaml`).
    pub fn ignored_kustomization_files(&self) -> &[usize] {
        &self.ignored
    }
    pub fn file_path(&self, file: usize) -> &str {
        self.paths.get(file).copied().unwrap_or("")
    }

    /// Kustomization ids of the directories built directly: not included as a
    /// resource, base or component by any other kustomization.
    pub fn roots(&self) -> &[usize] {
        &self.roots
    }
    pub fn root_dirs(&self) -> Vec<&str> {
        self.roots
            .iter()
            .map(|&k| self.kusts[k].dir.as_str())
            .collect()
    }

    /// The sync roots that apply input file `file` (at `path`): those whose paths
    /// cover it, and those with a path whose kustomize build includes it (an overlay
    /// that reaches `../common` with `--load-restrictor none`). Sorted.
    pub fn roots_applying(
        &self,
        roots: &[crate::model::sync_root::SyncRoot],
        file: usize,
        path: &str,
    ) -> Vec<usize> {
        let mut out = crate::model::sync_root::roots_of(roots, path);
        for (i, r) in roots.iter().enumerate() {
            if !out.contains(&i)
                && r.paths.iter().any(|p| {
                    self.build(p)
                        .is_some_and(|b| b.live().any(|o| o.source.file == file))
                })
            {
                out.push(i);
            }
        }
        out.sort_unstable();
        out
    }

    /// The build of the kustomization directory `dir` (as `kustomize build dir`).
    pub fn build(&self, dir: &str) -> Option<&Build> {
        self.kustomization_in(dir).and_then(|k| self.builds.get(k))
    }
    pub fn build_of(&self, kustomization: usize) -> Option<&Build> {
        self.builds.get(kustomization)
    }

    /// The source documents a patch targets. For a kustomization: in its own build
    /// (the resources it loads, after their own transformers). For a component:
    /// the union over every build that includes it.
    pub fn patch_targets(&self, kustomization: usize, patch: usize) -> Vec<ObjectRef> {
        let mut out = BTreeSet::new();
        let Some(k) = self.kusts.get(kustomization) else {
            return Vec::new();
        };
        let builds: Vec<&Build> = if k.kind == KustKind::Component {
            self.builds.iter().collect()
        } else {
            self.builds.get(kustomization).into_iter().collect()
        };
        for b in builds {
            for a in &b.applications {
                if a.hit.kustomization == kustomization && a.hit.patch == patch {
                    out.extend(
                        a.targets
                            .iter()
                            .filter_map(|&t| b.objects.get(t))
                            .map(|o| o.source),
                    );
                }
            }
        }
        out.into_iter().collect()
    }

    /// True if some kustomization uses the file as a patch.
    pub fn is_patch_file(&self, file: usize) -> bool {
        self.patch_files.contains(&file)
    }
    /// True if the document is (part of) a patch, not a whole object.
    pub fn is_patch_doc(&self, doc: ObjectRef) -> bool {
        self.patch_docs.contains(&doc)
    }
    pub fn patch_files(&self) -> &BTreeSet<usize> {
        &self.patch_files
    }
    /// Files listed (directly) as resources or bases of some kustomization.
    pub fn resource_files(&self) -> &BTreeSet<usize> {
        &self.resource_files
    }

    /// The `namespace:` a kustomization sets, if any.
    pub fn sets_namespace(&self, kustomization: usize) -> Option<&str> {
        self.kusts
            .get(kustomization)?
            .namespace
            .as_ref()
            .map(|s| s.value.as_str())
    }

    /// Entries naming nothing usable: missing paths and directories without a
    /// kustomization. (kustomization id, entry)
    pub fn missing_entries(&self) -> Vec<(usize, &Entry<'a>)> {
        self.all_entries()
            .filter(|(_, e)| {
                matches!(
                    e.resolved,
                    Resolved::Missing(_) | Resolved::DirWithoutKustomization(_)
                )
            })
            .collect()
    }
    /// Remote entries (URLs, git specs).
    pub fn remote_entries(&self) -> Vec<(usize, &Entry<'a>)> {
        self.all_entries()
            .filter(|(_, e)| e.resolved == Resolved::Remote)
            .collect()
    }
    /// Every entry that names `path` (a file, or a kustomization directory): the
    /// lines to remove when that file or directory goes away.
    pub fn entries_naming(&self, path: &str) -> Vec<(usize, &Entry<'a>)> {
        let path = path.trim_matches('/');
        self.all_entries()
            .filter(|(_, e)| match &e.resolved {
                Resolved::File(f) => self.file_path(*f) == path,
                Resolved::Dir(d) | Resolved::DirWithoutKustomization(d) | Resolved::Missing(d) => {
                    d == path
                }
                Resolved::Remote => false,
            })
            .collect()
    }
    fn all_entries(&self) -> impl Iterator<Item = (usize, &Entry<'a>)> {
        self.kusts
            .iter()
            .enumerate()
            .flat_map(|(i, k)| k.entries().map(move |e| (i, e)))
    }

    /// Parse problems plus every build's problems, deduplicated.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    pub fn summary(&self) -> Summary {
        let mut s = Summary {
            kustomizations: self.kusts.len(),
            components: self
                .kusts
                .iter()
                .filter(|k| k.kind == KustKind::Component)
                .count(),
            roots: self.roots.len(),
            ..Summary::default()
        };
        let mut distinct = HashSet::new();
        for &r in &self.roots {
            s.root_objects += self.builds[r].live().count();
        }
        for b in &self.builds {
            distinct.extend(b.live().map(|o| o.source));
        }
        s.distinct_objects = distinct.len();
        for (i, k) in self.kusts.iter().enumerate() {
            for (pi, p) in k.patches.iter().enumerate() {
                s.patch_docs += p.docs.len().max(1);
                let mut matched: BTreeSet<usize> = BTreeSet::new();
                let mut unknown: BTreeSet<usize> = BTreeSet::new();
                let builds: Vec<&Build> = if k.kind == KustKind::Component {
                    self.builds.iter().collect()
                } else {
                    vec![&self.builds[i]]
                };
                for b in builds {
                    for a in &b.applications {
                        if a.hit.kustomization == i && a.hit.patch == pi {
                            if !a.targets.is_empty() {
                                matched.insert(a.hit.doc);
                            } else if a.outcome == Outcome::Unknown {
                                unknown.insert(a.hit.doc);
                            }
                        }
                    }
                }
                let total = p.docs.len().max(1);
                let unknown = unknown.difference(&matched).count();
                s.patch_docs_matched += matched.len();
                s.patch_docs_unknown += unknown;
                s.patch_docs_unmatched += total.saturating_sub(matched.len() + unknown);
            }
        }
        s.remote_entries = self.remote_entries().len();
        s.missing_entries = self.missing_entries().len();
        s.cycles = self
            .problems
            .iter()
            .filter(|p| p.kind == ProblemKind::Cycle)
            .count();
        s.duplicate_ids = self
            .problems
            .iter()
            .filter(|p| p.kind == ProblemKind::DuplicateId)
            .count();
        s
    }
}
