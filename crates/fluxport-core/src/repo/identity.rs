//! Object identity in the input (issue 15): what one sync applies, and the objects it
//! would apply twice.
//!
//! [`applied`] lists every object as one sync applies it: its [`Unit`] (what is
//! applied together) and its identity (API group, kind, effective namespace, name).
//! The duplicate check below and the helm stage's release clash check
//! (`helm::convert`, RELEASE_CLASH) both group by it, so "applied together" is decided
//! in one place:
//! * **Known sync roots** (a fluxd manifest in the input, or `--sync-path`): fluxd
//!   applied every YAML file under its git paths as written (MAPPING.md §3.1), one
//!   unit per root (per daemon). Files it did not apply as written (kustomize patches,
//!   the inputs of `.flux.yaml` generators, `discovery::not_applied_as_is`) are not
//!   objects there; a generator directory's kustomize build is its own unit.
//! * **Unknown sync roots**: each top-level kustomization (one no other includes) is
//!   built as its own unit, as the pre-flight guesses (`verify::guessed_roots`,
//!   docs/adr/0008-preflight.md): a base built by two overlays is two objects of two
//!   units, never a duplicate. Documents of no kustomize build: one unit per
//!   directory. That much is certain: a fluxd `--git-path` is a directory applied
//!   recursively, so whichever path applies one file of a directory applies all of
//!   them; two directories may belong to two clusters (`clusters/a/`, `clusters/b/`).
//!
//! Objects of a kustomize build come from the kustomization model
//! (`repo::kustomize`: names after prefixes and suffixes, namespaces after the
//! kustomization's `namespace:`, patch documents and `$patch: delete` excluded).
//! A namespaced object without a namespace gets the fallback namespace, as the
//! namespace stage writes it (§3.3). A HelmRelease without a chart is a patch
//! fragment, no object ([`is_fragment`]).
//!
//! Findings (docs/adr/0011-identity-checks.md):
//! * DUPLICATE_ACROSS_PATHS (§3.1): one object applied from two git paths of one
//!   daemon (two paths, or one file under two overlapping paths).
//! * DUPLICATE_OBJECT: two documents with one identity in one unit (one file or
//!   two): fluxd refused the sync (`duplicate definition`), kustomize refuses the
//!   build (`may not add resource with an already registered id`). The second (by
//!   path and line) names the first's `file:line` and is refused: recorded in
//!   `ctx.refused`, so no stage converts it.
//!
//! Reads: `files`, `roots`, `daemons`, `discovery.not_applied`,
//! `discovery.generator_dirs`, the kustomization model. Writes: `findings`, `refused`.

use crate::model::codes::Code;
use crate::model::context::Context;
use crate::model::document::DocKind;
use crate::model::finding::Finding;
use crate::repo::kustomize::Model;
use crate::yaml::Node;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// (API group, kind, namespace ("" when cluster-scoped), name) of an object.
pub type Identity = (String, String, String, String);

/// What one sync applies together.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Unit {
    /// The files fluxd applied as written under the paths of sync root `n`.
    Root(usize),
    /// The kustomize build of a kustomization (by id): a `.flux.yaml` generator's, or
    /// a top-level one when the sync roots are unknown.
    Build(usize),
    /// The documents of no kustomize build in one directory (`dir/`, `""` for the
    /// root), when the sync roots are unknown.
    Dir(String),
}

/// One object as one unit applies it.
#[derive(Debug, Clone)]
pub struct Applied {
    pub unit: Unit,
    /// The git path of the root that covers it (`Unit::Root` only), for
    /// DUPLICATE_ACROSS_PATHS.
    pub path: Option<String>,
    pub id: Identity,
    pub file: usize,
    pub doc: usize,
    /// Line (in the file) and column of its `metadata.name` (of the object's node).
    pub line: usize,
    pub col: usize,
}

/// True when the sync roots are known: a fluxd manifest in the input, or `--sync-path`.
pub fn roots_known(ctx: &Context) -> bool {
    !ctx.daemons.is_empty() || !ctx.opts.sync_paths.is_empty()
}

/// Every object as one sync applies it (see the module docs), in file and document
/// order.
pub fn applied(ctx: &Context, model: &Model) -> Vec<Applied> {
    let files = ctx.files;
    let default_ns = ctx.opts.default_namespace.as_str();
    let cluster_crds = crate::repo::namespaces::crd_scopes(files).0;
    let cluster_scoped = |kind: &str| {
        crate::repo::namespaces::CLUSTER_SCOPED.contains(&kind) || cluster_crds.contains(kind)
    };
    let known = roots_known(ctx);
    let mut out = Vec::new();
    // Kustomize builds applied as such: generator directories (known roots), or the
    // top-level kustomizations (unknown roots).
    let build_dirs: Vec<usize> = if known {
        ctx.discovery
            .generator_dirs
            .iter()
            .filter_map(|d| model.kustomization_in(d.trim_end_matches('/')))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    } else {
        model.roots().to_vec()
    };
    let mut in_build: BTreeSet<(usize, usize)> = BTreeSet::new();
    for k in build_dirs {
        let Some(build) = model.build_of(k) else {
            continue;
        };
        for o in build.live() {
            let (fi, di) = (o.source.file, o.source.doc);
            in_build.insert((fi, di));
            if ctx.deleted.contains(&fi)
                || ctx
                    .v1_components
                    .iter()
                    .any(|c| c.file == fi && c.doc == di)
            {
                continue;
            }
            let Some(d) = files.get(fi).and_then(|f| f.docs.get(di)) else {
                continue;
            };
            let Some(root) = d.root() else { continue };
            if is_fragment(root) {
                continue;
            }
            let group = v2_group(
                o.api_version.rsplit_once('/').map_or("", |(g, _)| g),
                &o.kind,
            );
            let ns = if o.cluster_scoped || cluster_scoped(&o.kind) {
                String::new()
            } else {
                o.namespace
                    .clone()
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| default_ns.to_string())
            };
            let at = root.path(&["metadata", "name"]).unwrap_or(root);
            out.push(Applied {
                unit: Unit::Build(k),
                path: None,
                id: (group.into(), o.kind.clone(), ns, o.name.clone()),
                file: fi,
                doc: di,
                line: at.line() + d.line_offset,
                col: at.col(),
            });
        }
    }
    // Documents applied as written.
    for (fi, f) in files.iter().enumerate() {
        // Files the migration removes (Flux v1's own manifests) are no objects of the
        // converted tree.
        if f.untouchable || ctx.discovery.not_applied.contains(&f.path) || ctx.deleted.contains(&fi)
        {
            continue;
        }
        let covering: Vec<(Unit, Option<String>)> = if known {
            ctx.roots
                .iter()
                .enumerate()
                .flat_map(|(ri, r)| {
                    r.paths
                        .iter()
                        .filter(|p| f.path.starts_with(p.as_str()))
                        .map(move |p| (Unit::Root(ri), Some(p.clone())))
                })
                .collect()
        } else {
            let dir = f.path.rfind('/').map_or("", |i| &f.path[..=i]);
            vec![(Unit::Dir(dir.to_string()), None)]
        };
        if covering.is_empty() {
            continue;
        }
        for (di, d) in f.docs.iter().enumerate() {
            if !matches!(
                d.kind,
                DocKind::Object { .. } | DocKind::FluxV2 { .. } | DocKind::HelmReleaseV1(_)
            ) {
                continue;
            }
            if !known && in_build.contains(&(fi, di)) {
                continue;
            }
            if ctx
                .v1_components
                .iter()
                .any(|c| c.file == fi && c.doc == di)
            {
                continue;
            }
            if model.is_patch_doc(crate::repo::kustomize::ObjectRef { file: fi, doc: di }) {
                continue;
            }
            let Some(root) = d.root() else { continue };
            if is_fragment(root) {
                continue;
            }
            let kind = root.get("kind").and_then(Node::as_str).unwrap_or("");
            let objs: Vec<&Node> = if kind.ends_with("List") && root.get("items").is_some() {
                root.get("items")
                    .map(|i| i.items().iter().collect())
                    .unwrap_or_default()
            } else {
                vec![root]
            };
            for o in objs {
                let Some(id) = identity(o, default_ns, &cluster_scoped) else {
                    continue;
                };
                let at = o.path(&["metadata", "name"]).unwrap_or(o);
                for (unit, path) in &covering {
                    out.push(Applied {
                        unit: unit.clone(),
                        path: path.clone(),
                        id: id.clone(),
                        file: fi,
                        doc: di,
                        line: at.line() + d.line_offset,
                        col: at.col(),
                    });
                }
            }
        }
    }
    // First definitions first: by file, then document (stable for one document's units).
    out.sort_by_key(|a| (a.file, a.doc));
    out
}

/// Drops every edit inside a refused document (its bytes stay as written), so that a
/// stage that edited it before the check's verdict changes nothing there.
pub fn keep_refused(ctx: &mut Context) {
    for &(fi, di) in &ctx.refused {
        let Some((s, e)) = crate::model::context::root_region(ctx.files, fi, di) else {
            continue;
        };
        if let Some(list) = ctx.edits.get_mut(&fi) {
            list.retain(|t| t.end <= s || t.start > e);
        }
    }
}

/// The identity checks (see the module docs): DUPLICATE_ACROSS_PATHS and
/// DUPLICATE_OBJECT findings; the refused documents go to `ctx.refused`.
pub fn check(ctx: &mut Context, model: &Model) {
    let files = ctx.files;
    let all = applied(ctx, model);
    let mut findings = Vec::new();
    // (unit, identity) → the first definition.
    let mut first: HashMap<(&Unit, &Identity), &Applied> = HashMap::new();
    for a in &all {
        let Some(&a0) = first.get(&(&a.unit, &a.id)) else {
            first.insert((&a.unit, &a.id), a);
            continue;
        };
        let (_, kind, ns, name) = &a.id;
        let obj = if ns.is_empty() {
            format!("{kind} {name}")
        } else {
            format!("{kind} {ns}/{name}")
        };
        let shown = |p: &str| {
            if p.is_empty() {
                ".".to_string()
            } else {
                p.trim_end_matches('/').to_string()
            }
        };
        let (f0, l0) = (&files[a0.file].path, a0.line);
        match (&a0.path, &a.path) {
            (Some(p0), Some(p)) if p0 != p => {
                findings.push(Finding::new(
                    Code::DUPLICATE_ACROSS_PATHS,
                    &files[a.file].path,
                    a.line,
                    1,
                    format!(
                        "{obj} is applied from two sync paths of one daemon: `{f0}` (path `{}`, line {l0}) and `{}` (path `{}`); their Kustomizations would fight over it (fluxd rejected the duplicate)",
                        shown(p0),
                        files[a.file].path,
                        shown(p)
                    ),
                ));
            }
            _ if (a0.file, a0.doc) == (a.file, a.doc) => {}
            _ => {
                let what = match &a.unit {
                    Unit::Root(_) | Unit::Dir(_) if a0.file == a.file => {
                        "in one file; fluxd refused the sync (`duplicate definition`)".to_string()
                    }
                    Unit::Root(_) => {
                        "in the files one fluxd applies as written; fluxd refused the sync (`duplicate definition`)".to_string()
                    }
                    Unit::Build(k) => format!(
                        "in the kustomize build of `{}`; kustomize refuses the build (`may not add resource with an already registered id`)",
                        model.kustomization(*k).map_or_else(|| ".".to_string(), |k| shown(&k.dir))
                    ),
                    Unit::Dir(_) => "in one directory (whichever fluxd git path applies one of the files applies the other); fluxd refused the sync (`duplicate definition`)".to_string(),
                };
                findings.push(Finding::new(
                    Code::DUPLICATE_OBJECT,
                    &files[a.file].path,
                    a.line,
                    a.col,
                    format!(
                        "{obj} is defined twice {what}: first at {f0}:{l0}; this definition was not converted"
                    ),
                ));
                ctx.refused.insert((a.file, a.doc));
            }
        }
    }
    let mut seen = BTreeSet::new();
    findings.retain(|f| seen.insert((f.file.clone(), f.line, f.column, f.code, f.message.clone())));
    ctx.findings.append(&mut findings);
}

/// The units that apply each document, by (file, doc) (for the release clash check):
/// one pass over `all`, not one per document, which was quadratic in a paste of
/// thousands of HelmReleases.
pub fn units_by_doc(all: &[Applied]) -> BTreeMap<(usize, usize), BTreeSet<Unit>> {
    let mut by_doc: BTreeMap<(usize, usize), BTreeSet<Unit>> = BTreeMap::new();
    for a in all {
        by_doc
            .entry((a.file, a.doc))
            .or_default()
            .insert(a.unit.clone());
    }
    by_doc
}

fn identity(
    o: &Node,
    fallback_ns: &str,
    cluster_scoped: &dyn Fn(&str) -> bool,
) -> Option<Identity> {
    let api = o.get("apiVersion").and_then(Node::as_str)?;
    let kind = match o.get("kind").and_then(Node::as_str)? {
        "FluxHelmRelease" => "HelmRelease",
        k => k,
    };
    let name = o.path(&["metadata", "name"]).and_then(Node::as_str)?;
    let group = v2_group(api.rsplit_once('/').map(|(g, _)| g).unwrap_or(""), kind);
    let ns = match o.path(&["metadata", "namespace"]).and_then(Node::as_str) {
        Some(ns) if !ns.is_empty() => ns.to_string(),
        _ if cluster_scoped(kind) => String::new(),
        _ => fallback_ns.to_string(),
    };
    Some((group.into(), kind.into(), ns, name.into()))
}

/// The API group an object has once converted: a v1 HelmRelease (`helm.fluxcd.io`,
/// `flux.weave.works`) is the v2 HelmRelease it becomes, so a v1 and a v2 definition
/// of one HelmRelease are one object, and a refused definition stays refused when the
/// output is converted again (idempotence).
fn v2_group<'g>(group: &'g str, kind: &str) -> &'g str {
    match (group, kind) {
        ("helm.fluxcd.io" | "flux.weave.works", "HelmRelease" | "FluxHelmRelease") => {
            "helm.toolkit.fluxcd.io"
        }
        _ => group,
    }
}

/// A HelmRelease without a chart (`spec.chart`, or a v2 `spec.chartRef`) is a patch
/// fragment of one defined elsewhere, not an object (PARTIAL_HELMRELEASE for a v1 one;
/// the pre-flight reads it so too): per-environment patch files that no
/// kustomization lists any more sit next to each other with one identity.
fn is_fragment(root: &Node) -> bool {
    root.get("kind").and_then(Node::as_str) == Some("HelmRelease")
        && root.path(&["spec", "chart"]).is_none()
        && root.path(&["spec", "chartRef"]).is_none()
}
