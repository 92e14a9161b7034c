//! The pre-flight (`fluxport verify`, issue 13): what Flux v2 will do with a tree of
//! Flux v2 manifests, checked offline. Runs on any tree (`fluxport_core::verify`) and,
//! last, on every conversion's output (`Conversion::preflight`).
//!
//! Reads: the loaded files ([`load::load_repository`]) and the kustomization model
//! ([`kustomize::model_of`]). Writes: a [`Verification`].
//!
//! 1. **Builds.** Each Flux Kustomization's `spec.path` is built as kustomize-controller
//!    builds it: through the model when the path has a kustomization file, else by the
//!    generator rule (MAPPING.md §3.2: every YAML file under the path, a subdirectory
//!    with its own kustomization file as one resource). A tree without a Flux
//!    Kustomization is one implicit build per sync root path (what a bootstrap there
//!    applies); with the sync roots unknown, one per top-level kustomization
//!    ([`guessed_roots`]). Then, in kustomize-controller's order, the Kustomization's
//!    own `spec.components`, `spec.patches` targets and `namePrefix`/`nameSuffix`
//!    (`build`), `targetNamespace`, `postBuild` substitution (`substitute`: into names
//!    and namespaces here; the fields the checks read go through
//!    `substitute::resolved`), then `spec.commonMetadata` (`build`).
//! 2. **Clusters.** A Kustomization placed in another's build belongs to that one's
//!    cluster; top-level ones defined in one file (`kubectl apply -f FILE`) are one
//!    cluster, with that file's other documents (docs/adr/0008-preflight.md). Duplicates and release identity are
//!    checked per cluster, references against the objects of the referrer's cluster.
//! 3. **Per document:** served apiVersions, names, the CRD schema and its CEL rules
//!    (`served`, names by `model::k8s_names`, `schema`, `cel`).
//! 4. **References and markers** (`refs`).
//! 5. **Image overrides** (`images`): `images:` entries and `spec.images` over a line
//!    an ImageUpdateAutomation updates.
//!
//! On a conversion's output, [`Causes`] name the input behind findings the output
//! cannot avoid (issue 13 point 7).
//!
//! Not modelled: spec fields changed by kustomize patches (references are read from
//! the source document, with the effective namespace and name), postBuild
//! substitution outside names, namespaces and the checked fields.

mod build;
pub mod cel;
mod images;
mod refs;
pub mod schema;
pub use crate::model::served;
mod substitute;

use crate::model::codes::Code;
use crate::model::document::{DocKind, FileKind, LoadedFile};
use crate::model::files::InputFile;
use crate::model::finding::Finding;
use crate::model::k8s_names as names;
use crate::model::options::Options;
use crate::model::sourceignore;
use crate::model::sync_root::{self, SyncRoot};
use crate::repo::kustomize::{self, is_cluster_scoped, KustKind, Model, Outcome, ProblemKind};
use crate::repo::load;
use crate::report::preflight::Verification;
use crate::yaml::Node;
use std::collections::{BTreeMap, BTreeSet};

/// API groups of Flux v1 objects.
const V1_GROUPS: &[&str] = &[
    "helm.fluxcd.io",
    "flux.weave.works",
    "helm.integrations.flux.weave.works",
];

/// One object as a build emits it (or a document no build holds, as written).
#[derive(Debug, Clone)]
pub(crate) struct Instance<'a> {
    pub file: usize,
    pub doc: usize,
    pub group: String,
    pub api_version: String,
    pub kind: String,
    pub name: String,
    /// Effective namespace; `None` when unset or cluster-scoped.
    pub ns: Option<String>,
    pub cluster_scoped: bool,
    pub root: &'a Node,
    /// Cluster id; `None` for a document no build holds.
    pub cluster: Option<usize>,
    /// A document no build holds, next to the files of top-level Kustomizations
    /// (applied with them by hand), or in a tree without Flux Kustomizations.
    pub beside_top: bool,
    /// The postBuild variables of the Kustomization whose build substitutes this
    /// object (`substitute::apply`); read its fields through `substitute::resolved`.
    pub vars: Option<std::rc::Rc<substitute::Vars>>,
    /// The labels the owning Kustomization's `spec.commonMetadata` sets on this
    /// object when applying (`build::apply_common_metadata`): cluster selectors see
    /// them over the written ones.
    pub common_labels: Option<std::rc::Rc<BTreeMap<String, String>>>,
    /// The model's kustomizations the object passed in its build, innermost first
    /// (`BuiltObject::via`); empty for a generated build's own files.
    pub via: Vec<usize>,
    /// (file, document) of the Flux Kustomization whose build holds the object.
    pub owner: Option<(usize, usize)>,
}

impl Instance<'_> {
    /// The namespace references default to.
    pub fn ns_or_default(&self) -> &str {
        self.ns
            .as_deref()
            .filter(|n| !n.is_empty())
            .unwrap_or("default")
    }
    /// `namespace/name`, or `name` when cluster-scoped (for messages).
    pub fn id(&self) -> String {
        if self.cluster_scoped {
            self.name.clone()
        } else {
            format!("{}/{}", self.ns_or_default(), self.name)
        }
    }
    pub fn key(&self) -> Key {
        (
            self.group.clone(),
            self.kind.clone(),
            if self.cluster_scoped {
                String::new()
            } else {
                self.ns_or_default().to_string()
            },
            self.name.clone(),
        )
    }
}

/// (API group, kind, namespace ("" when cluster-scoped), name).
pub(crate) type Key = (String, String, String, String);

pub(crate) struct Ctx<'a> {
    pub files: &'a [LoadedFile],
    pub options: &'a Options,
    pub findings: Vec<Finding>,
    pub bootstrap: BTreeSet<String>,
    pub causes: &'a Causes,
    /// The tree's `.sourceignore` patterns, read once.
    pub tree_ignore: sourceignore::TreeIgnore,
    /// `spec.ignore` of each source in the tree, by (kind, namespace, name).
    pub source_ignore: BTreeMap<(String, String, String), Option<&'a str>>,
    /// Whether each file is left out of the artifact, by the `spec.ignore` that
    /// decides it (`None` for no `spec.ignore`), indexed like `files`: the filter is a
    /// function of the tree and that one string, and many Kustomizations share a
    /// source, so each file is matched once per distinct `spec.ignore` rather than
    /// once per build (the pre-flight's cost, issue 13).
    pub ignored: BTreeMap<Option<&'a str>, Vec<Option<bool>>>,
}

impl<'a> Ctx<'a> {
    /// What the artifact of the Kustomization `owner`'s source leaves out
    /// ([`sourceignore::TreeIgnore::matcher`]). A source that is not in the tree
    /// (bootstrap's, or a build without a Kustomization) is taken to have no
    /// `spec.ignore`; the tree's `.sourceignore` files count either way.
    fn spec_ignore_of(&self, owner: Option<&Instance>) -> Option<&'a str> {
        owner.and_then(|k| {
            let kind = str_at(k.root, &["spec", "sourceRef", "kind"]).unwrap_or("GitRepository");
            let name = str_at(k.root, &["spec", "sourceRef", "name"])?;
            let ns = str_at(k.root, &["spec", "sourceRef", "namespace"])
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| k.ns_or_default());
            *self
                .source_ignore
                .get(&(kind.to_string(), ns.to_string(), name.to_string()))?
        })
    }
}

/// Whether file `fi` is left out of the artifact of a source with `spec_ignore`
/// ([`sourceignore::TreeIgnore::matcher`]), memoised in `memo` (one slot per file).
fn is_ignored_memo(
    files: &[LoadedFile],
    tree: &sourceignore::TreeIgnore,
    spec_ignore: Option<&str>,
    matcher: &mut Option<sourceignore::Matcher>,
    memo: &mut [Option<bool>],
    fi: usize,
) -> bool {
    *memo[fi].get_or_insert_with(|| {
        matcher
            .get_or_insert_with(|| tree.matcher(spec_ignore))
            .is_ignored(&files[fi].path, false)
    })
}

/// What in the conversion's input causes findings on its output, so that a finding
/// the output cannot avoid names the input line (issue 13 point 7). Empty for a tree
/// that is not a conversion's output.
#[derive(Debug, Clone, Default)]
pub struct Causes {
    /// Why the tree names bootstrap's objects (its input had no fluxd manifest with a
    /// `--git-url`): said in `VERIFY_BOOTSTRAP_REF`.
    pub bootstrap: Option<String>,
    /// Generated Kustomization `spec.path` → where the input sets it (a daemon's
    /// `--git-path` at `file:line:column`): said in `VERIFY_PATH_MISSING`.
    pub paths: BTreeMap<String, String>,
}

impl Ctx<'_> {
    /// A finding at `node` of document `doc` of file `file` (the document's first line
    /// without a node).
    pub fn at(
        &self,
        code: Code,
        file: usize,
        doc: usize,
        node: Option<&Node>,
        msg: String,
    ) -> Finding {
        let f = &self.files[file];
        let off = f.docs.get(doc).map_or(0, |d| d.line_offset);
        let (line, col) = node.map_or((off + 1, 1), |n| (n.line() + off, n.col()));
        Finding::new(code, &f.path, line, col, msg)
    }
    pub fn push(&mut self, code: Code, file: usize, doc: usize, node: Option<&Node>, msg: String) {
        let f = self.at(code, file, doc, node, msg);
        self.findings.push(f);
    }
}

fn group_of(api_version: &str) -> &str {
    api_version.split_once('/').map_or("", |(g, _)| g)
}

fn str_at<'n>(root: &'n Node, path: &[&str]) -> Option<&'n str> {
    root.path(path).and_then(Node::as_str)
}

/// Runs the pre-flight over a tree of files. Without Flux Kustomizations, the sync
/// roots come from `options.sync_paths` (one cluster per entry), else the whole tree
/// is one root.
pub fn run(inputs: &[InputFile], options: &Options) -> Verification {
    let roots = sync_root::sync_roots(&options.sync_paths, &[]);
    let known = !options.sync_paths.is_empty();
    run_in(
        inputs,
        options,
        known.then_some(roots.as_slice()),
        &Causes::default(),
    )
}

/// [`run`] with the sync roots of the conversion (for its output): used when the tree
/// has no Flux Kustomization, each root one implicit build per path. `None`: the sync
/// roots are unknown (no fluxd manifest, no `--sync-path`); then each top-level
/// kustomization of the tree is built as its own cluster ([`guessed_roots`]).
/// `causes`: what in the conversion's input causes findings ([`Causes`]).
pub fn run_in(
    inputs: &[InputFile],
    options: &Options,
    roots: Option<&[SyncRoot]>,
    causes: &Causes,
) -> Verification {
    run_in_reusing(inputs, options, roots, causes, Vec::new())
}

/// [`run_in`], reading the files of `parsed` (loaded earlier from the same bytes, as
/// the conversion loads its input) instead of parsing them again where
/// [`load::load_repository_reusing`] can.
pub fn run_in_reusing(
    inputs: &[InputFile],
    options: &Options,
    roots: Option<&[SyncRoot]>,
    causes: &Causes,
    parsed: Vec<LoadedFile>,
) -> Verification {
    let (files, _load_findings) = load::load_repository_reusing(inputs, options, parsed);
    let null = kustomize::null_node();
    let model = kustomize::model_of(&files, &null);
    let mut ctx = Ctx {
        files: &files,
        options,
        findings: Vec::new(),
        bootstrap: BTreeSet::new(),
        causes,
        tree_ignore: sourceignore::TreeIgnore::read(&sourceignore::ignore_files(&files)),
        source_ignore: BTreeMap::new(),
        ignored: BTreeMap::new(),
    };
    let mut v = Verification::default();
    v.counts.files = files.len();

    // Every object document of the tree, as written.
    let mut written: Vec<Instance> = Vec::new();
    for (fi, f) in files.iter().enumerate() {
        for (di, d) in f.docs.iter().enumerate() {
            if let Some(i) = written_instance(f, fi, di, d.root(), &d.kind) {
                written.push(i);
            }
        }
    }
    for i in &written {
        if i.group == "source.toolkit.fluxcd.io"
            && matches!(
                i.kind.as_str(),
                "GitRepository" | "OCIRepository" | "Bucket"
            )
        {
            let ignore = str_at(i.root, &["spec", "ignore"]);
            ctx.source_ignore.insert(
                (
                    i.kind.clone(),
                    i.ns_or_default().to_string(),
                    i.name.clone(),
                ),
                ignore,
            );
        }
    }
    // 1. The Flux Kustomizations and their builds.
    let flux_ks: Vec<&Instance> = written
        .iter()
        .filter(|i| i.group == "kustomize.toolkit.fluxcd.io" && i.kind == "Kustomization")
        .collect();
    v.counts.kustomizations = flux_ks.len();
    let mut builds: Vec<Vec<Instance>> = Vec::new();
    // Implicit builds: (sync root index) per build.
    let mut implicit: Vec<usize> = Vec::new();
    // What each implicit build is, for messages.
    let mut implicit_label: Vec<String> = Vec::new();
    let guessed = if flux_ks.is_empty() && roots.is_none() {
        guessed_roots(&mut ctx, &model)
    } else {
        Vec::new()
    };
    if !guessed.is_empty() {
        for (ri, d) in guessed.iter().enumerate() {
            builds.push(build_path(&mut ctx, &model, d, None, None));
            implicit.push(ri);
            implicit_label.push(format!("the top-level kustomization `{d}`"));
        }
    } else if flux_ks.is_empty() {
        let whole = [SyncRoot::whole()];
        for (ri, r) in roots.unwrap_or(&whole).iter().enumerate() {
            for p in &r.paths {
                builds.push(build_path(&mut ctx, &model, p, None, None));
                implicit.push(ri);
                implicit_label.push("a path of the sync root".to_string());
            }
        }
    } else {
        for k in &flux_ks {
            let path = str_at(k.root, &["spec", "path"]).unwrap_or("");
            let tns = str_at(k.root, &["spec", "targetNamespace"]).filter(|s| !s.is_empty());
            builds.push(build_path(&mut ctx, &model, path, tns, Some(k)));
        }
    }
    // 2. Clusters: a Kustomization's parent is the first other one whose build holds it.
    let n = builds.len();
    let mut parent: Vec<Option<usize>> = vec![None; n];
    for (i, k) in flux_ks.iter().enumerate() {
        parent[i] = (0..n)
            .find(|&j| j != i && builds[j].iter().any(|o| o.file == k.file && o.doc == k.doc));
    }
    // Top-level Kustomizations (no build holds them: applied by bootstrap or by hand,
    // `kubectl apply -f FILE`) defined in one file are one cluster.
    let file_of = |i: usize| flux_ks.get(i).map(|k| k.file);
    let cluster_of = |mut i: usize| {
        let mut seen = BTreeSet::new();
        while let Some(p) = parent[i] {
            if !seen.insert(i) {
                break;
            }
            i = p;
        }
        (0..n)
            .find(|&j| parent[j].is_none() && file_of(j) == file_of(i))
            .unwrap_or(i)
    };
    for (i, b) in builds.iter_mut().enumerate() {
        let c = implicit.get(i).copied().unwrap_or_else(|| cluster_of(i));
        for o in b.iter_mut() {
            o.cluster = Some(c);
        }
    }
    v.counts.objects = builds.iter().map(Vec::len).sum();

    // Custom kinds known to be cluster-scoped: a CRD in the tree says `scope: Cluster`.
    let cluster_crds: BTreeSet<(String, String)> = written
        .iter()
        .filter(|w| w.kind == "CustomResourceDefinition")
        .filter(|w| str_at(w.root, &["spec", "scope"]) == Some("Cluster"))
        .filter_map(|w| {
            Some((
                str_at(w.root, &["spec", "group"])?.to_string(),
                str_at(w.root, &["spec", "names", "kind"])?.to_string(),
            ))
        })
        .collect();
    // kustomize treats every custom resource as namespaced; the API server knows
    // better. A custom kind without a CRD in the tree named `Cluster*` (ClusterIssuer,
    // ClusterSecretStore, ...) is taken as cluster-scoped.
    let maybe_cluster = |o: &Instance| {
        cluster_crds.contains(&(o.group.clone(), o.kind.clone()))
            || (o.group.contains('.')
                && !o.group.ends_with(".k8s.io")
                && o.kind.starts_with("Cluster"))
    };
    // Per build: Flux v1 objects, namespaces. A document without a namespace in
    // several builds (a base two overlays share) is reported once, naming them all.
    let mut no_ns: BTreeMap<(usize, usize), (&Instance, Vec<String>)> = BTreeMap::new();
    for (i, b) in builds.iter().enumerate() {
        let tns = flux_ks
            .get(i)
            .and_then(|k| str_at(k.root, &["spec", "targetNamespace"]))
            .filter(|s| !s.is_empty());
        let who = flux_ks.get(i).map_or_else(
            || match implicit_label.get(i) {
                Some(l) if !guessed.is_empty() => l.clone(),
                _ => "the sync root's build (no Flux Kustomization in the tree)".to_string(),
            },
            |k| format!("Kustomization {}/{}", k.ns_or_default(), k.name),
        );
        for o in b {
            let v1 = V1_GROUPS.contains(&o.group.as_str());
            if v1 {
                // A HelmRelease without spec.chart is a patch fragment whose base is
                // not in the input: the conversion left it as it was (PARTIAL_HELMRELEASE),
                // so this line is the input's.
                let cause = if o.kind == "HelmRelease" && o.root.path(&["spec", "chart"]).is_none()
                {
                    "; it has no spec.chart, a patch of a HelmRelease whose base is not in the input, so the conversion left it unchanged (PARTIAL_HELMRELEASE): convert the base and port the patch, or keep it out of the build"
                } else {
                    ""
                };
                let m = format!(
                    "{} {} ({}) is a Flux v1 object in the build of {who}; once the v1 CRDs are deleted the whole apply fails with `no matches for kind`{cause}",
                    o.kind, o.name, o.api_version
                );
                ctx.push(
                    Code::VERIFY_V1_OBJECT,
                    o.file,
                    o.doc,
                    o.root.get("apiVersion"),
                    m,
                );
            }
            // (A v1 object fails the apply already: one error for it is enough.)
            if !v1
                && !o.cluster_scoped
                && o.ns.as_deref().is_none_or(str::is_empty)
                && tns.is_none()
                && !maybe_cluster(o)
            {
                no_ns
                    .entry((o.file, o.doc))
                    .or_insert((o, Vec::new()))
                    .1
                    .push(who.clone());
            }
        }
    }
    for (o, whos) in no_ns.into_values() {
        let more = match whos.len() {
            1 => String::new(),
            n => format!(" (and {} other builds)", n - 1),
        };
        let m = format!(
            "{} {} has no namespace in the build of {}{more}, which sets no targetNamespace",
            o.kind, o.name, whos[0]
        );
        let node = o.root.path(&["metadata", "name"]);
        ctx.push(Code::VERIFY_NO_NAMESPACE, o.file, o.doc, node, m);
    }
    // Per cluster: one definition of each object.
    let mut defined: BTreeMap<(usize, Key), (usize, usize, usize)> = BTreeMap::new();
    for (i, b) in builds.iter().enumerate() {
        for o in b {
            let c = o.cluster.unwrap_or(0);
            match defined.get(&(c, o.key())) {
                Some(&(j, f, d)) if j != i => {
                    let label = |x: usize| {
                        flux_ks.get(x).map_or_else(
                            || implicit_label.get(x).cloned().unwrap_or_default(),
                            |k| format!("Kustomization {}/{}", k.ns_or_default(), k.name),
                        )
                    };
                    let (first, this) = (label(j), label(i));
                    // Both paths set by the input (one daemon's --git-path): fluxd
                    // applied the object twice too; the finding names that line.
                    let cause_of = |x: usize| {
                        let k = flux_ks.get(x)?;
                        ctx.causes.paths.get(str_at(k.root, &["spec", "path"])?)
                    };
                    let cause = match (cause_of(i), cause_of(j)) {
                        (Some(a), Some(b)) if a == b => {
                            format!("; both paths come from the input, {a}, so Flux v1 applied it twice as well")
                        }
                        (Some(a), Some(b)) => {
                            format!("; the paths come from the input, {a} and {b}")
                        }
                        _ => String::new(),
                    };
                    let m = format!(
                        "{} {} is applied by {this} and by {first} ({}, document {}) in one cluster{cause}",
                        o.kind,
                        o.id(),
                        files[f].path,
                        d + 1
                    );
                    let node = o.root.path(&["metadata", "name"]);
                    ctx.push(Code::VERIFY_DUPLICATE_OBJECT, o.file, o.doc, node, m);
                }
                Some(_) => {}
                None => {
                    defined.insert((c, o.key()), (i, o.file, o.doc));
                }
            }
        }
    }
    // Documents no build holds keep their written identity (tree scope).
    let placed: BTreeSet<(usize, usize)> =
        builds.iter().flatten().map(|o| (o.file, o.doc)).collect();
    // ... except those in the file of a top-level Kustomization (its GitRepository),
    // which are applied with it.
    let top_file: BTreeMap<usize, usize> = (0..flux_ks.len())
        .filter(|&i| parent[i].is_none())
        .rev()
        .map(|i| (flux_ks[i].file, cluster_of(i)))
        .collect();
    // Other documents of those files' directories (`kubectl apply -f DIR`) may serve
    // any cluster; the rest of the unbuilt documents serve none.
    let dir = |f: usize| {
        files[f]
            .path
            .rfind('/')
            .map_or("", |at| &files[f].path[..at])
    };
    let top_dirs: BTreeSet<&str> = top_file.keys().map(|&f| dir(f)).collect();
    let mut all: Vec<Instance> = builds.into_iter().flatten().collect();
    let mut unbuilt = Vec::new();
    for w in written
        .iter()
        .filter(|w| !placed.contains(&(w.file, w.doc)))
    {
        let mut w = w.clone();
        w.cluster = top_file.get(&w.file).copied();
        w.beside_top = flux_ks.is_empty() || top_dirs.contains(dir(w.file));
        unbuilt.push(w);
    }
    all.extend(unbuilt);
    // 3. Served versions (as written) and names (as applied).
    for w in &written {
        if let Some(served) = served::not_served(&w.api_version, &w.kind, ctx.options.flux_version)
        {
            let m = format!(
                "{} {} uses {}, which Flux {} no longer serves (served: {})",
                w.kind,
                w.name,
                w.api_version,
                ctx.options.flux_version,
                served
                    .iter()
                    .map(|s| format!("{}/{s}", w.group))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            ctx.push(
                Code::VERIFY_API_NOT_SERVED,
                w.file,
                w.doc,
                w.root.get("apiVersion"),
                m,
            );
        }
    }
    // Schemas and CEL rules hold for whole objects: a patch (a file or document some
    // kustomization uses as a patch) is a fragment, merged into its target first.
    for w in &written {
        let is_patch = model.is_patch_file(w.file)
            || model.is_patch_doc(kustomize::ObjectRef {
                file: w.file,
                doc: w.doc,
            });
        if is_patch {
            continue;
        }
        if let Some(s) = schema::schema_for(&w.api_version, &w.kind) {
            for p in schema::check(&w.kind, w.root, s) {
                ctx.push(p.code, w.file, w.doc, Some(p.node), p.msg);
            }
        }
    }
    for o in &all {
        check_names(&mut ctx, o);
    }
    // 4. References, release identity, markers.
    let automated = refs::check(&mut ctx, &all, flux_ks.is_empty());
    images::check(&mut ctx, &model, &all, &automated);
    v.findings = std::mem::take(&mut ctx.findings);
    v.bootstrap_objects = ctx.bootstrap.into_iter().collect();
    v.finish();
    v
}

/// The sync roots are unknown (no Flux Kustomization, no fluxd manifest, no
/// `--sync-path`): the directories of the top-level kustomizations (no other
/// kustomization includes them), each built as its own cluster, as Flux v2 syncs a
/// repository of per-cluster overlays (one Kustomization per overlay). Checking the
/// whole tree as one build would report every object that two overlays share as a
/// duplicate. Documents outside those builds are not built; they may serve any
/// cluster (a `fluxport-sources.yaml` at the root). Empty when the tree has no
/// kustomization file: then the whole tree is one build, as before. One info finding
/// says so and suggests `--sync-path`.
fn guessed_roots(ctx: &mut Ctx, model: &Model) -> Vec<String> {
    let mut dirs: Vec<String> = model.root_dirs().into_iter().map(str::to_string).collect();
    dirs.sort();
    dirs.dedup();
    let Some(first) = dirs
        .first()
        .and_then(|d| model.kustomization_in(d))
        .and_then(|k| model.kustomization(k))
    else {
        return dirs;
    };
    let shown: Vec<String> = dirs
        .iter()
        .take(5)
        .map(|d| format!("`{}`", if d.is_empty() { "." } else { d }))
        .collect();
    let which = match dirs.len() {
        1 => format!(
            "the top-level kustomization {} was checked as a cluster",
            shown[0]
        ),
        n => format!(
            "each of the {n} top-level kustomizations ({}{}) was checked as its own cluster",
            shown.join(", "),
            if n > shown.len() {
                format!(" and {} more", n - shown.len())
            } else {
                String::new()
            }
        ),
    };
    let m = format!(
        "the sync roots are unknown (no Flux Kustomization, no fluxd manifest in the input, no --sync-path): {which}, and files outside them were not built; give --sync-path per cluster (commas join the paths one daemon applied) to check what each cluster applies"
    );
    ctx.findings.push(Finding::new(
        Code::VERIFY_SYNC_ROOTS_GUESSED,
        &first.path,
        1,
        1,
        m,
    ));
    dirs
}

fn written_instance<'a>(
    f: &LoadedFile,
    fi: usize,
    di: usize,
    root: Option<&'a Node>,
    kind: &DocKind,
) -> Option<Instance<'a>> {
    let (api_version, k) = match kind {
        DocKind::FluxV2 { api_version, kind } | DocKind::Object { api_version, kind } => {
            (api_version.clone(), kind.clone())
        }
        DocKind::HelmReleaseV1(_) => {
            let r = root?;
            (
                str_at(r, &["apiVersion"])?.to_string(),
                str_at(r, &["kind"])?.to_string(),
            )
        }
        _ => return None,
    };
    let _ = f;
    let root = root?;
    let cluster_scoped = is_cluster_scoped(&api_version, &k);
    Some(Instance {
        file: fi,
        doc: di,
        group: group_of(&api_version).to_string(),
        name: str_at(root, &["metadata", "name"])
            .unwrap_or("")
            .to_string(),
        ns: if cluster_scoped {
            None
        } else {
            str_at(root, &["metadata", "namespace"]).map(str::to_string)
        },
        api_version,
        kind: k,
        cluster_scoped,
        root,
        cluster: None,
        beside_top: false,
        vars: None,
        common_labels: None,
        via: Vec::new(),
        owner: None,
    })
}

/// The objects kustomize-controller builds from `path` (MAPPING.md §3.2), with
/// `target_ns` applied; build problems become findings.
fn build_path<'a>(
    ctx: &mut Ctx<'a>,
    model: &Model,
    path: &str,
    target_ns: Option<&str>,
    owner: Option<&Instance>,
) -> Vec<Instance<'a>> {
    let dir = normalise(path);
    let files = ctx.files;
    let mut out: Vec<Instance<'a>> = Vec::new();
    let cause = ctx
        .causes
        .paths
        .get(path)
        .map(|at| format!("; the input sets it at {at}"))
        .unwrap_or_default();
    let Some(dir) = dir else {
        if let Some(k) = owner {
            let m = format!("spec.path `{path}` leaves the source's root{cause}");
            ctx.push(
                Code::VERIFY_PATH_MISSING,
                k.file,
                k.doc,
                k.root.path(&["spec", "path"]),
                m,
            );
        }
        return out;
    };
    if model.kustomization_in(&dir).is_some() {
        add_model_build(ctx, model, &dir, &mut out);
    } else {
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        let under: Vec<usize> = (0..files.len())
            .filter(|&i| files[i].path.starts_with(&prefix))
            .collect();
        if under.is_empty() && !dir.is_empty() {
            if let Some(k) = owner {
                let m = format!("spec.path `{path}` names no directory of the repository{cause}");
                ctx.push(
                    Code::VERIFY_PATH_MISSING,
                    k.file,
                    k.doc,
                    k.root.path(&["spec", "path"]),
                    m,
                );
            }
            return out;
        }
        // The generator rule: every YAML file of the artifact, a kustomization
        // directory as one resource.
        let spec_ignore = ctx.spec_ignore_of(owner);
        let mut memo = ctx.ignored.remove(&spec_ignore).unwrap_or_default();
        memo.resize(files.len(), None);
        let mut matcher = None;
        let mut sub_builds: BTreeSet<String> = BTreeSet::new();
        let mut seen: BTreeMap<Key, (usize, usize)> = BTreeMap::new();
        for fi in under {
            let f = &files[fi];
            let rel = &f.path[prefix.len()..];
            // `scanManifests`: `filepath.Ext` is `.yaml` or `.yml` (case-sensitive).
            let yaml_ext = f.path.ends_with(".yaml") || f.path.ends_with(".yml");
            if is_ignored_memo(
                files,
                &ctx.tree_ignore,
                spec_ignore,
                &mut matcher,
                &mut memo,
                fi,
            ) || !yaml_ext
            {
                continue; // not in the source's artifact (`.sourceignore`, spec.ignore), non-YAML
            }
            if f.kind != FileKind::Yaml {
                continue; // chart files: fluxport writes an ignore pattern for them
            }
            let parts: Vec<&str> = rel.split('/').collect();
            let mut sub = None;
            for n in 1..parts.len() {
                let d = format!("{prefix}{}", parts[..n].join("/"));
                if model.kustomization_in(&d).is_some() {
                    sub = Some(d);
                    break;
                }
            }
            if let Some(d) = sub {
                // A component is no resource. Without a Flux Kustomization (a guessed
                // sync root), a base another kustomization includes is built there
                // only, not on its own.
                let k = model.kustomization_in(&d);
                let component = k
                    .and_then(|k| model.kustomization(k))
                    .is_some_and(|k| k.kind == KustKind::Component);
                let base = owner.is_none() && k.is_some_and(|k| !model.roots().contains(&k));
                if component || base {
                    continue;
                }
                if sub_builds.insert(d.clone()) {
                    add_model_build(ctx, model, &d, &mut out);
                }
                continue;
            }
            // `scanManifests` decodes every file it lists (`SliceFromBytes`): a
            // document with no apiVersion/kind fails the whole build.
            if let Some((di, d)) = f
                .docs
                .iter()
                .enumerate()
                .find(|(_, d)| d.kind == DocKind::NotManifest)
            {
                let why = match &d.parsed {
                    None => "is not valid YAML",
                    Some(p) if !p.duplicates.is_empty() => "has a duplicate key",
                    Some(_) => "is not a Kubernetes object (no apiVersion/kind)",
                };
                let m = format!(
                    "`{}` is in the source's artifact under `./{dir}`, which has no kustomization file, so kustomize-controller's generator lists it; document {} {why} and cannot be decoded: the whole build fails",
                    f.path,
                    di + 1
                );
                ctx.push(Code::VERIFY_BUILD, fi, di, d.root(), m);
                continue;
            }
            for (di, d) in f.docs.iter().enumerate() {
                if let Some(i) = written_instance(f, fi, di, d.root(), &d.kind) {
                    let key = i.key();
                    if let Some(&(pf, pd)) = seen.get(&key) {
                        let hint = if owner.is_none() {
                            "; the tree has no Flux Kustomization, so it was built as one sync root (give --sync-path per cluster if it holds several)"
                        } else {
                            ""
                        };
                        let m = format!(
                            "{} {} is defined twice in the generated build of `./{dir}` (first in {}, document {}){hint}",
                            i.kind,
                            i.id(),
                            files[pf].path,
                            pd + 1
                        );
                        ctx.push(
                            Code::VERIFY_DUPLICATE_OBJECT,
                            fi,
                            di,
                            i.root.path(&["metadata", "name"]),
                            m,
                        );
                    } else {
                        seen.insert(key, (fi, di));
                    }
                    out.push(i);
                }
            }
        }
        ctx.ignored.insert(spec_ignore, memo);
    }
    if let Some(k) = owner {
        build::add_components(ctx, model, &dir, k, &mut out);
        build::apply_spec(ctx, model, &dir, k, &mut out);
    }
    if let Some(t) = target_ns {
        for o in out.iter_mut().filter(|o| !o.cluster_scoped) {
            o.ns = Some(t.to_string());
        }
    }
    if let Some(k) = owner {
        substitute::apply(ctx, k, &mut out);
        build::apply_common_metadata(ctx, k, &mut out);
        for o in out.iter_mut() {
            o.owner = Some((k.file, k.doc));
        }
    }
    out
}

/// `./apps/x/` → `apps/x`; `None` when the path climbs out of the root.
fn normalise(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            c => parts.push(c),
        }
    }
    Some(parts.join("/"))
}

fn add_model_build<'a>(ctx: &mut Ctx<'a>, model: &Model, dir: &str, out: &mut Vec<Instance<'a>>) {
    let files = ctx.files;
    let Some(build) = model.build(dir) else {
        return;
    };
    for p in &build.problems {
        let code = match p.kind {
            ProblemKind::Remote => Code::VERIFY_REMOTE_BASE,
            _ => Code::VERIFY_BUILD,
        };
        let path = model.file_path(p.file);
        let off = files
            .get(p.file)
            .map_or(0, LoadedFile::first_root_line_offset);
        ctx.findings.push(Finding::new(
            code,
            path,
            p.line + off,
            p.col,
            format!("kustomize build `{dir}`: {}", p.message),
        ));
    }
    for a in &build.applications {
        if a.outcome != Outcome::NothingSelected {
            continue;
        }
        let Some(k) = model.kustomization(a.hit.kustomization) else {
            continue;
        };
        let Some(p) = k.patches.get(a.hit.patch) else {
            continue;
        };
        let node = p.target.as_ref().and_then(|t| t.node).unwrap_or(p.node);
        let off = files
            .get(k.file)
            .map_or(0, LoadedFile::first_root_line_offset);
        ctx.findings.push(Finding::new(
            Code::VERIFY_PATCH_NO_TARGET,
            &k.path,
            node.line() + off,
            node.col(),
            format!("kustomize build `{dir}`: the patch's target selects no object"),
        ));
    }
    for o in build.live() {
        let (fi, di) = (o.source.file, o.source.doc);
        let Some(root) = files
            .get(fi)
            .and_then(|f| f.docs.get(di))
            .and_then(|d| d.root())
        else {
            continue;
        };
        out.push(Instance {
            file: fi,
            doc: di,
            group: group_of(&o.api_version).to_string(),
            api_version: o.api_version.clone(),
            kind: o.kind.clone(),
            name: o.name.clone(),
            ns: if o.cluster_scoped {
                None
            } else {
                o.namespace.clone()
            },
            cluster_scoped: o.cluster_scoped,
            root,
            cluster: None,
            beside_top: false,
            vars: None,
            common_labels: None,
            via: o.via.clone(),
            owner: None,
        });
    }
}

fn check_names(ctx: &mut Ctx, o: &Instance) {
    let templated = |s: &str| s.contains("${");
    if !o.name.is_empty() && !templated(&o.name) {
        if let Some(e) = names::object_name_error(&o.kind, &o.name) {
            let m = format!("{} name `{}` {e}", o.kind, o.name);
            ctx.push(
                Code::VERIFY_INVALID_NAME,
                o.file,
                o.doc,
                o.root.path(&["metadata", "name"]),
                m,
            );
        }
    }
    if let Some(ns) = o.ns.as_deref().filter(|n| !n.is_empty() && !templated(n)) {
        if let Some(e) = names::label_error(ns) {
            let m = format!("{} {}: namespace `{ns}` {e}", o.kind, o.name);
            let node = o
                .root
                .path(&["metadata", "namespace"])
                .or_else(|| o.root.path(&["metadata", "name"]));
            ctx.push(Code::VERIFY_INVALID_NAME, o.file, o.doc, node, m);
        }
    }
    // A HelmRelease's target and storage namespaces name namespaces: RFC 1123 labels
    // (the CRD says only `maxLength: 63`; the namespace Helm installs into must exist),
    // and its release name is a Helm release name (`chartutil.ValidateReleaseName`).
    if o.group == "helm.toolkit.fluxcd.io" && o.kind == "HelmRelease" {
        for field in ["targetNamespace", "storageNamespace"] {
            let Some((n, raw)) = o
                .root
                .path(&["spec", field])
                .and_then(|n| Some((n, n.as_str()?)))
            else {
                continue;
            };
            let Some(v) = substitute::resolved(ctx, o, n, &format!("spec.{field}"), raw)
                .filter(|v| !v.is_empty() && !templated(v))
            else {
                continue;
            };
            if let Some(e) = names::label_error(&v) {
                let m = format!("HelmRelease {}: spec.{field} `{v}` {e}", o.name);
                ctx.push(Code::VERIFY_INVALID_NAME, o.file, o.doc, Some(n), m);
            }
        }
        // Helm's release-name pattern (its length is VERIFY_RELEASE_NAME_TOO_LONG's).
        if let Some(n) = o.root.path(&["spec", "releaseName"]) {
            let raw = n.as_str().unwrap_or("");
            let v = substitute::resolved(ctx, o, n, "spec.releaseName", raw).unwrap_or_default();
            if !v.is_empty() && !templated(&v) && v.len() <= names::MAX_RELEASE_NAME {
                if let Some(e) = names::release_name_error(&v) {
                    let m = format!("HelmRelease {}: spec.releaseName `{v}` {e}", o.name);
                    ctx.push(Code::VERIFY_INVALID_NAME, o.file, o.doc, Some(n), m);
                }
            }
        }
    }
}
