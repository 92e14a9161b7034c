//! [`Context`]: everything the stages share while one conversion runs, and the
//! document helpers every stage uses ([`doc_ref`], [`root_region`], [`docs_where`],
//! [`replace_doc_edit`], [`free_path`]). Stages only add edits, documents and findings;
//! the output stage applies them once at the end.

use super::discovery::Discovery;
use super::document::{DocKind, DocRef, LoadedFile};
use super::finding::{Finding, ReleaseEntry};
use super::flux_v1::{Daemon, HelmOperator, V1Component};
use super::flux_yaml::PathPlan;
use super::options::Options;
use super::placement::Placement;
use super::sync_root::SyncRoot;
use crate::text::TextEdit;
use std::collections::{BTreeMap, BTreeSet};

/// A field an overlay's image automation adds to a HelmRelease patch's values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueAddition {
    /// Keys below `spec.values`.
    pub keys: Vec<String>,
    /// The merged object's value (so the build does not change).
    pub value: String,
    /// The line comment: the `$imagepolicy` marker.
    pub comment: String,
}

/// Everything the stages share. Stages only add edits, documents and findings; the
/// emit stage applies them once at the end.
pub struct Context<'o> {
    pub opts: &'o Options,
    /// The loaded input, read-only for every stage (the pipeline owns it, so that the
    /// kustomization model can borrow its documents while stages write the context).
    pub files: &'o [LoadedFile],
    pub findings: Vec<Finding>,
    pub roots: Vec<SyncRoot>,
    /// Edits per file index, in absolute byte offsets of the file text.
    pub edits: BTreeMap<usize, Vec<TextEdit>>,
    /// Edits to `spec.values` of a v1 HelmRelease, per (file, doc), in offsets of the
    /// document chunk; applied while the values are copied (image markers).
    pub value_edits: BTreeMap<(usize, usize), Vec<TextEdit>>,
    /// Documents appended to an existing file.
    pub appended: BTreeMap<usize, Vec<String>>,
    /// New files: path → documents.
    pub new_files: BTreeMap<String, Vec<String>>,
    /// New files that belong to the kustomization of their own directory (an overlay's
    /// sources or patches): `link_new_files` lists each there.
    pub overlay_files: BTreeSet<String>,
    /// New patch files their stage lists in a kustomization's `patches:`: never listed
    /// as resources.
    pub unlisted_files: BTreeSet<String>,
    /// Input files the migration removes.
    pub deleted: BTreeSet<usize>,
    pub releases: Vec<ReleaseEntry>,
    /// Flux v1 daemons found in the input (or given as options).
    pub daemons: Vec<Daemon>,
    pub helm_operator: Option<HelmOperator>,
    /// What manifest discovery found (chart dirs, non-manifest YAML, generator dirs).
    pub discovery: Discovery,
    /// `.flux.yaml` decisions per daemon git path (`fluxyaml::plan`).
    pub flux_yaml: Vec<PathPlan>,
    /// Flux v1's own HelmReleases (`flux` / `helm-operator` charts): never converted.
    pub v1_components: Vec<V1Component>,
    /// The trees of the documents the stages generated, for the pre-flight (kept only
    /// when the pipeline turns it on: `pipeline::run_deferred`).
    pub generated: crate::yaml::emit::GeneratedTrees,
    /// ImagePolicy written for a workload container: (file, doc, container) → policy
    /// name (filled by `image::plan`; `fluxyaml` writes markers for moved image pins).
    pub image_policies: BTreeMap<(usize, usize, String), String>,
    /// ImagePolicy of an overlay, by the object as a kustomize build emits it: (build
    /// directory without `/`, workload kind short name, name, container) →
    /// policy name (filled by `image::plan` for automation set by kustomize patches;
    /// `fluxyaml` marks the pins it moves into that build's `images:` with it).
    pub built_policies: BTreeMap<(String, String, String, String), String>,
    /// Values a HelmRelease patch gains so an overlay's marker has a line: (patch
    /// file, doc) → (keys below `spec.values`, the merged object's value, marker
    /// comment). Filled by `image::plan`, written by `helm::patches`.
    pub value_additions: BTreeMap<(usize, usize), Vec<ValueAddition>>,
    /// Image fields of a `.flux.yaml` patch file's HelmRelease document (fluxd's pin of
    /// a release its base automates) that carry a marker: (patch file, doc) → (keys
    /// below `spec.values`, the pinned value, marker comment). Filled by `image::plan`;
    /// `repo::fluxyaml` then moves the document into a patch file of its own with the
    /// marker on that line (a marker inside an inline `patch: |-` is not seen).
    pub flux_patch_markers: BTreeMap<(usize, usize), Vec<ValueAddition>>,
    /// Namespaces each document has in the kustomize builds that contain it
    /// (`repo::kustomize::placements`).
    pub placements: BTreeMap<(usize, usize), Placement>,
    /// Documents an input identity check refused (DUPLICATE_OBJECT, the second
    /// definition): no stage converts them (`repo::identity`).
    pub refused: BTreeSet<(usize, usize)>,
}

/// A document's location, for findings and copies.
pub fn doc_ref(files: &[LoadedFile], file: usize, doc: usize) -> Option<DocRef<'_>> {
    let f = &files[file];
    let text = f.text.as_deref()?;
    let d = f.docs.get(doc)?;
    Some(DocRef {
        file: &f.path,
        text: d.text(text),
        index: &d.index,
        line_offset: d.line_offset,
    })
}

/// The absolute byte range of a document's root node, as whole lines (without the
/// final line break): what a converted document replaces.
pub fn root_region(files: &[LoadedFile], file: usize, doc: usize) -> Option<(usize, usize)> {
    let f = &files[file];
    let d = f.docs.get(doc)?;
    let root = d.root()?;
    let chunk = d.text(f.text.as_deref()?);
    // A leading BOM sits before the root on line 1; it belongs to the file, not the
    // document, so it is never part of what a conversion replaces.
    let start = d.index.line_start(root.line());
    if start > chunk.len() {
        return None; // a line the index does not know (load rejects lone CRs)
    }
    let start = start.max(usize::from(chunk.starts_with('\u{feff}')) * 3);
    let last_line = d.index.line_of(root.end().max(root.start() + 1) - 1);
    let next = d.index.line_start(last_line + 1);
    let mut end = if next == usize::MAX || next > chunk.len() {
        chunk.len()
    } else {
        next - 1
    };
    if end > start && chunk.as_bytes()[end - 1] == b'\r' {
        end -= 1;
    }
    Some((d.start + start, d.start + end))
}

/// All (file, doc) indexes whose document matches, in path order.
pub fn docs_where(files: &[LoadedFile], pred: impl Fn(&DocKind) -> bool) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (fi, f) in files.iter().enumerate() {
        if f.untouchable {
            continue;
        }
        for (di, d) in f.docs.iter().enumerate() {
            if pred(&d.kind) {
                out.push((fi, di));
            }
        }
    }
    out
}

/// A replacement of a document's root node by new text (no final line break).
pub fn replace_doc_edit(
    files: &[LoadedFile],
    file: usize,
    doc: usize,
    text: String,
) -> Option<TextEdit> {
    root_region(files, file, doc).map(|(s, e)| TextEdit::replace(s, e, text))
}

/// What the stages produced, without the context's borrows of the input: the output
/// stage consumes it together with the input files.
pub struct Produced {
    pub findings: Vec<Finding>,
    pub edits: BTreeMap<usize, Vec<TextEdit>>,
    pub appended: BTreeMap<usize, Vec<String>>,
    pub new_files: BTreeMap<String, Vec<String>>,
    pub deleted: BTreeSet<usize>,
    pub releases: Vec<ReleaseEntry>,
    pub daemons: Vec<Daemon>,
    pub helm_operator: Option<HelmOperator>,
    pub v1_components: Vec<V1Component>,
    pub generated: crate::yaml::emit::GeneratedTrees,
}

impl<'o> Context<'o> {
    /// Ends the stages: what the output stage needs, free of the input borrows.
    pub fn into_produced(self) -> Produced {
        Produced {
            findings: self.findings,
            edits: self.edits,
            appended: self.appended,
            new_files: self.new_files,
            deleted: self.deleted,
            releases: self.releases,
            daemons: self.daemons,
            helm_operator: self.helm_operator,
            v1_components: self.v1_components,
            generated: self.generated,
        }
    }

    /// A context over freshly loaded files; every stage output starts empty.
    pub fn new(opts: &'o Options, files: &'o [LoadedFile], findings: Vec<Finding>) -> Self {
        Context {
            opts,
            files,
            findings,
            roots: Vec::new(),
            edits: BTreeMap::new(),
            value_edits: BTreeMap::new(),
            appended: BTreeMap::new(),
            new_files: BTreeMap::new(),
            overlay_files: BTreeSet::new(),
            unlisted_files: BTreeSet::new(),
            deleted: BTreeSet::new(),
            releases: Vec::new(),
            daemons: Vec::new(),
            helm_operator: None,
            discovery: Default::default(),
            flux_yaml: Vec::new(),
            v1_components: Vec::new(),
            generated: crate::yaml::emit::GeneratedTrees::new(false),
            image_policies: BTreeMap::new(),
            built_policies: BTreeMap::new(),
            value_additions: BTreeMap::new(),
            flux_patch_markers: BTreeMap::new(),
            placements: BTreeMap::new(),
            refused: BTreeSet::new(),
        }
    }

    pub fn doc_ref(&self, file: usize, doc: usize) -> Option<DocRef<'_>> {
        doc_ref(self.files, file, doc)
    }

    /// Replaces a document's root node with new text (which has no final line break).
    pub fn replace_doc(&mut self, file: usize, doc: usize, text: String) {
        if let Some(e) = replace_doc_edit(self.files, file, doc, text) {
            self.edits.entry(file).or_default().push(e);
        }
    }

    pub fn docs_where(&self, pred: impl Fn(&DocKind) -> bool) -> Vec<(usize, usize)> {
        docs_where(self.files, pred)
    }
}

/// `dir/name`, or `dir/<stem>-2.yaml`... if the input already has a file there.
pub fn free_path(
    files: &[LoadedFile],
    new_files: &BTreeMap<String, Vec<String>>,
    dir: &str,
    name: &str,
) -> String {
    let exists = |p: &str| files.iter().any(|f| f.path == p) || new_files.contains_key(p);
    let first = format!("{dir}{name}");
    if !exists(&first) {
        return first;
    }
    let stem = name.trim_end_matches(".yaml");
    (2..)
        .map(|n| format!("{dir}{stem}-{n}.yaml"))
        .find(|p| !exists(p))
        .unwrap_or(first)
}
