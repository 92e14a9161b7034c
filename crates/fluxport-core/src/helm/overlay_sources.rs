//! Overlay-specific chart sources (ADR 0006, OVERLAY_SOURCE), for [`super::patches`]:
//! planned before the patch diffs (one per kustomization applying a patch and source
//! key the patched object switches to), named by `sources::pick_name` clear of every
//! other source name of its kind, rendered by `sources::render_source_in` into
//! `fluxport-sources.yaml` of the overlay's directory.

use super::patch_src::{with_v1, Application, Key, Sources};
use crate::helm::helmrelease::V1Release;
use crate::helm::sources::{
    pick_name, render_source_in, ExistingSource, ResolvedSource, SourceKey, SourceSettings,
    SourceSpec,
};
use crate::model::context::{free_path, Context};
use crate::model::document::LoadedFile;
use crate::model::options::Options;
use crate::model::paths::{normalize_dir, SOURCES_FILE};
use crate::repo::kustomize::{Model, ObjectRef};
use crate::yaml::to_json;
use std::collections::{BTreeMap, BTreeSet};

/// A chart source an overlay's patch switches to (OVERLAY_SOURCE): written into a file
/// of that overlay's directory and listed in its `resources:`.
pub(super) struct OverlaySource {
    pub spec: SourceSpec,
    pub resolved: ResolvedSource,
    /// The `metadata.namespace` to write (`None`: the overlay sets `namespace:`).
    pub namespace: Option<String>,
    /// Why it cannot be written (the patch is reported instead).
    pub blocked: Option<String>,
}

/// The new file of kustomization `k`'s own sources.
pub(super) fn overlay_path(ctx: &Context, model: &Model, k: usize) -> String {
    let dir = model
        .kustomization(k)
        .map(|x| normalize_dir(&x.dir))
        .unwrap_or_default();
    free_path(ctx.files, &ctx.new_files, &dir, SOURCES_FILE)
}

/// The overlay source a patch of kustomization `kust` names for `key`: the overlay's
/// own, else (an earlier patch of another kustomization switched it) the first planned.
pub(super) fn overlay_for<'m>(
    overlay: &'m BTreeMap<(usize, SourceKey), OverlaySource>,
    kust: usize,
    key: &SourceKey,
) -> Option<((usize, SourceKey), &'m OverlaySource)> {
    let own = (kust, key.clone());
    if let Some(o) = overlay.get(&own) {
        return Some((own, o));
    }
    overlay
        .iter()
        .find(|((_, k), _)| k == key)
        .map(|(at, o)| (at.clone(), o))
}

/// Plans a source for every chart source an overlay's patches switch a HelmRelease to
/// (the v1 object after the patch has another source key than its base): per
/// (kustomization that applies the patch, source key), named by the MAPPING §1 rules,
/// clear of every generated, existing and other overlay source name of its kind.
#[allow(clippy::too_many_arguments)]
pub(super) fn plan_overlay_sources(
    srcs: &Sources,
    model: &Model,
    uses: &BTreeMap<Key, BTreeSet<Application>>,
    home_ns: &BTreeMap<(usize, ObjectRef), Option<String>>,
    base_of: &BTreeMap<(usize, usize), &V1Release>,
    names: &BTreeMap<SourceKey, ResolvedSource>,
    existing: &[ExistingSource],
    opts: &Options,
) -> BTreeMap<(usize, SourceKey), OverlaySource> {
    // (kustomization, key) → (spec, object namespace in the overlay's build, base).
    let mut wanted: BTreeMap<(usize, SourceKey), (SourceSpec, Option<String>, String)> =
        BTreeMap::new();
    for (&key, apps) in uses {
        let Some(patch_root) = srcs.root(key) else {
            continue;
        };
        let patch_json = to_json(patch_root);
        let touches_chart = may_switch_source(patch_root);
        for (target, earlier, kust) in apps {
            if !touches_chart
                && earlier
                    .iter()
                    .all(|k| srcs.root(*k).is_some_and(|r| !may_switch_source(r)))
            {
                continue;
            }
            let Some(base) = base_of.get(&(target.file, target.doc)) else {
                continue;
            };
            let Ok((_, after)) = srcs.states(base, earlier, &patch_json) else {
                continue;
            };
            let Ok(spec) = with_v1(base.doc.file, &after, opts, |r, _| Ok(r.source.clone())) else {
                continue;
            };
            if spec.key() == base.source.key() {
                continue;
            }
            let ns = home_ns.get(&(*kust, *target)).cloned().flatten();
            wanted
                .entry((*kust, spec.key()))
                .or_insert((spec, ns, base.namespace.clone()));
        }
    }
    let mut taken: BTreeSet<(&'static str, String)> = BTreeSet::new();
    taken.extend(names.values().map(|r| (r.kind, r.name.clone())));
    for e in existing {
        for kind in ["HelmRepository", "GitRepository"] {
            if e.kind == kind {
                taken.insert((kind, e.name.clone()));
            }
        }
    }
    // Deterministic: by overlay directory, then key.
    let mut order: Vec<&(usize, SourceKey)> = wanted.keys().collect();
    order.sort_by_key(|(k, key)| (model.kustomization(*k).map(|x| x.dir.clone()), key.clone()));
    let mut out = BTreeMap::new();
    for at in order {
        let (spec, build_ns, base_ns) = &wanted[at];
        let (name, clashed) = pick_name(spec, |c| taken.contains(&(spec.kind(), c.to_string())));
        taken.insert((spec.kind(), name.clone()));
        let overlay_sets = model.sets_namespace(at.0).is_some();
        let own_namespace = spec.namespace() != base_ns;
        let blocked = (overlay_sets && own_namespace).then(|| {
            format!(
                "its chart source must live in namespace `{}` (chart.secretRef.namespace), but the overlay's kustomization sets `namespace:`, which would move it",
                spec.namespace()
            )
        });
        // Where the HelmRelease's sourceRef reaches it: beside the HelmRelease (its
        // namespace in the overlay's build), or the namespace the source must have.
        let namespace = if overlay_sets {
            None
        } else if own_namespace {
            Some(spec.namespace().to_string())
        } else {
            Some(build_ns.clone().unwrap_or_else(|| base_ns.clone()))
        };
        out.insert(
            at.clone(),
            OverlaySource {
                spec: spec.clone(),
                resolved: ResolvedSource {
                    kind: spec.kind(),
                    name,
                    namespace: spec.namespace().to_string(),
                    existing: false,
                    clashed,
                },
                namespace,
                blocked,
            },
        );
    }
    out
}

/// The new files of the overlay sources a converted patch names: one per overlay
/// directory (`fluxport-sources.yaml`, placed by the caller), keyed by kustomization id.
pub(super) fn overlay_files(
    files: &[LoadedFile],
    model: &Model,
    overlay: &BTreeMap<(usize, SourceKey), OverlaySource>,
    used: &BTreeSet<(usize, SourceKey)>,
    opts: &Options,
) -> BTreeMap<usize, Vec<String>> {
    let settings = SourceSettings {
        helm_interval: &opts.helm_repository_interval,
        git_interval: &opts.git_poll_interval,
        git_timeout: &opts.git_timeout,
    };
    let mut by_kust: BTreeMap<usize, Vec<&OverlaySource>> = BTreeMap::new();
    for at in used {
        if let Some(o) = overlay.get(at) {
            by_kust.entry(at.0).or_default().push(o);
        }
    }
    let mut out = BTreeMap::new();
    for (k, mut list) in by_kust {
        let Some(kust) = model.kustomization(k) else {
            continue;
        };
        list.sort_by(|a, b| {
            (a.resolved.kind, &a.resolved.name).cmp(&(b.resolved.kind, &b.resolved.name))
        });
        let nl = files[kust.file].nl;
        let mut docs = vec![format!(
            "# Generated by fluxport: the chart sources the HelmRelease patches of `{}` switch to.{nl}# Listed in its kustomization; the base's sources are in the shared sources file.",
            dir_label(&kust.dir)
        )];
        for o in list {
            docs.push(render_source_in(
                &o.spec,
                &o.resolved,
                o.namespace.as_deref(),
                &settings,
                nl,
            ));
        }
        out.insert(k, docs);
    }
    out
}

/// False when a patch certainly keeps the chart source: a `helm.fluxcd.io` strategic
/// merge patch without the `spec.chart` fields the source comes from (read.rs: URL, git
/// ref, secretRef; the namespace is the object's, which a patch does not move).
fn may_switch_source(patch: &crate::yaml::Node) -> bool {
    let helm_v1 = patch
        .get("apiVersion")
        .and_then(crate::yaml::Node::as_str)
        .is_some_and(|a| a.starts_with("helm.fluxcd.io/"));
    if !helm_v1 || !patch.is_map() {
        return true;
    }
    match patch.path(&["spec", "chart"]) {
        None => false,
        Some(c) if c.is_map() => ["repository", "git", "ref", "secretRef"]
            .iter()
            .any(|k| c.get(k).is_some()),
        Some(_) => true,
    }
}

/// A directory for messages: `overlays/dev`, or `.` for the repository root.
pub(super) fn dir_label(dir: &str) -> &str {
    let d = dir.trim_end_matches('/');
    if d.is_empty() {
        "."
    } else {
        d
    }
}

/// What a source points at, for messages.
pub(super) fn source_summary(spec: &SourceSpec) -> String {
    match spec {
        SourceSpec::Helm { url, .. } => format!("chart repository `{url}`"),
        SourceSpec::Git { url, reference, .. } => {
            format!("git `{url}` at `{}`", reference.value())
        }
    }
}
