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
//!    Kustomization is one implicit build of its root (what a bootstrap there applies).
//!    `targetNamespace` is applied to namespaced objects.
//! 2. **Clusters.** A Kustomization placed in another's build belongs to that one's
//!    cluster; top-level ones defined in one file (`kubectl apply -f FILE`) are one
//!    cluster, with that file's other documents (docs/adr/0008-preflight.md). Duplicates and release identity are
//!    checked per cluster, references against the objects of the referrer's cluster.
//! 3. **Per document:** served apiVersions, names, the CRD schema and its CEL rules
//!    (`served`, `names`, `schema`, `cel`).
//! 4. **References and markers** (`refs`).
//!
//! Not yet: CRD `pattern`s, `.sourceignore`/`spec.ignore`, Kustomization
//! `namePrefix`/`nameSuffix`/`patches`, postBuild substitution.

pub mod cel;
mod names;
mod refs;
mod schema;
pub mod served;

use crate::model::codes::Code;
use crate::model::document::{DocKind, FileKind, LoadedFile};
use crate::model::files::InputFile;
use crate::model::finding::Finding;
use crate::model::options::Options;
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
    run_in(
        inputs,
        options,
        &sync_root::sync_roots(&options.sync_paths, &[]),
    )
}

/// [`run`] with the sync roots known (the conversion's, for its output): used when
/// the tree has no Flux Kustomization, each root one implicit build per path.
pub fn run_in(inputs: &[InputFile], options: &Options, roots: &[SyncRoot]) -> Verification {
    let (files, _load_findings) = load::load_repository(inputs, options);
    let null = kustomize::null_node();
    let model = kustomize::model_of(&files, &null);
    let mut ctx = Ctx {
        files: &files,
        options,
        findings: Vec::new(),
        bootstrap: BTreeSet::new(),
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
    // 1. The Flux Kustomizations and their builds.
    let flux_ks: Vec<&Instance> = written
        .iter()
        .filter(|i| i.group == "kustomize.toolkit.fluxcd.io" && i.kind == "Kustomization")
        .collect();
    v.counts.kustomizations = flux_ks.len();
    let mut builds: Vec<Vec<Instance>> = Vec::new();
    // Implicit builds: (sync root index) per build.
    let mut implicit: Vec<usize> = Vec::new();
    if flux_ks.is_empty() {
        for (ri, r) in roots.iter().enumerate() {
            for p in &r.paths {
                builds.push(build_path(&mut ctx, &model, p, None, None));
                implicit.push(ri);
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
    // Per build: Flux v1 objects, namespaces.
    for (i, b) in builds.iter().enumerate() {
        let tns = flux_ks
            .get(i)
            .and_then(|k| str_at(k.root, &["spec", "targetNamespace"]))
            .filter(|s| !s.is_empty());
        let who = flux_ks.get(i).map_or_else(
            || "the sync root's build (no Flux Kustomization in the tree)".to_string(),
            |k| format!("Kustomization {}/{}", k.ns_or_default(), k.name),
        );
        for o in b {
            if V1_GROUPS.contains(&o.group.as_str()) {
                let m = format!(
                    "{} {} ({}) is a Flux v1 object in the build of {who}; once the v1 CRDs are deleted the whole apply fails with `no matches for kind`",
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
            if !o.cluster_scoped
                && o.ns.as_deref().is_none_or(str::is_empty)
                && tns.is_none()
                && !maybe_cluster(o)
            {
                let m = format!(
                    "{} {} has no namespace in the build of {who}, which sets no targetNamespace",
                    o.kind, o.name
                );
                let node = o.root.path(&["metadata", "name"]);
                ctx.push(Code::VERIFY_NO_NAMESPACE, o.file, o.doc, node, m);
            }
        }
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
                            || "a path of the sync root".to_string(),
                            |k| format!("Kustomization {}/{}", k.ns_or_default(), k.name),
                        )
                    };
                    let (first, this) = (label(j), label(i));
                    let m = format!(
                        "{} {} is applied by {this} and by {first} ({}, document {}) in one cluster",
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
        if let Some(served) = served::not_served(&w.api_version, &w.kind) {
            let m = format!(
                "{} {} uses {}, which the Flux CRDs no longer serve (served: {})",
                w.kind,
                w.name,
                w.api_version,
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
    for w in &written {
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
    refs::check(&mut ctx, &all);
    v.findings = std::mem::take(&mut ctx.findings);
    v.bootstrap_objects = ctx.bootstrap.into_iter().collect();
    v.finish();
    v
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
    let Some(dir) = dir else {
        if let Some(k) = owner {
            let m = format!("spec.path `{path}` leaves the source's root");
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
                let m = format!("spec.path `{path}` names no directory of the repository");
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
        // The generator rule: every YAML file, a kustomization directory as one resource.
        let mut sub_builds: BTreeSet<String> = BTreeSet::new();
        let mut seen: BTreeMap<Key, (usize, usize)> = BTreeMap::new();
        for fi in under {
            let f = &files[fi];
            let rel = &f.path[prefix.len()..];
            if rel.split('/').any(|c| c.starts_with('.')) || !load::is_yaml_path(&f.path) {
                continue; // source-controller's default ignores (dot files), non-YAML
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
    }
    if let Some(t) = target_ns {
        for o in out.iter_mut().filter(|o| !o.cluster_scoped) {
            o.ns = Some(t.to_string());
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
        });
    }
}

fn check_names(ctx: &mut Ctx, o: &Instance) {
    let templated = |s: &str| s.contains("${");
    if !o.name.is_empty() && !templated(&o.name) {
        let err = if o.kind == "Namespace" {
            names::label_error(&o.name)
        } else {
            names::subdomain_error(&o.name)
        };
        if let Some(e) = err {
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
}
