//! v1 HelmReleases used as kustomize patches convert *as patches* (issue 12 §3).
//!
//! A patch document is never converted as a whole object: its v2 form is computed
//! from the objects it patches. For every object a patch document applies to (in
//! every build of the kustomization model), with the patches applied before it:
//!
//! * `before` = the v1 base with the earlier patches merged ([`smp::merge`]), in the
//!   namespace the base conversion used;
//! * `after` = `before` with this patch merged;
//! * both are converted with the HelmRelease rules (`helmrelease::read` + `render`),
//!   and the v2 patch is [`smp::diff`] of the two: exactly the v2 fields the patch
//!   changes, so no default the base already sets is written again, and a changed
//!   `targetNamespace` changes the release name as v1 would have.
//!
//! `spec.values` is the same field in v1 and v2: it is copied from the patch as written
//! (comments kept), not diffed. The patch keeps its `metadata.name`/`namespace` (what
//! kustomize matches on) and gets `helm.toolkit.fluxcd.io/v2`. `patches[].target`
//! selectors naming `helm.fluxcd.io`/`v1` (of strategic-merge patches) are rewritten to
//! the v2 group and version.
//!
//! A patch that switches the chart source (`chart.repository`, `chart.git`, `chart.ref`,
//! with or without `chart.path`/`version`) gets an overlay-specific source (ADR 0006,
//! OVERLAY_SOURCE): one per (kustomization applying the patch, source key), rendered by
//! `sources::render_source_in` and named by `sources::pick_name`, clear of every other
//! generated or existing source name of its kind; the v2 patch's
//! `chart.spec.sourceRef` comes out of the same diff. It is written to
//! `fluxport-sources.yaml` in the overlay's directory (`ctx.overlay_files`:
//! `link_new_files` lists it there), without `metadata.namespace` when that
//! kustomization sets `namespace:`, else in the HelmRelease's namespace in the overlay's
//! build, so `sourceRef` needs no namespace (MAPPING §1). The base's source stays.
//!
//! Reported instead (PATCH_NOT_CONVERTED, ADR 0004): a patch whose v2 form differs
//! between the objects it patches (also when overlays sharing it would name different
//! sources), an overlay source that must live in another namespace than the overlay
//! sets (`chart.secretRef.namespace`), strategic-merge directives, inline patch text,
//! JSON 6902 operations on a HelmRelease.
//!
//! Reads: `files`, `placements`, the kustomization model, the converted base releases
//! and their source names. Writes: `edits`, `deleted`, `new_files`, `overlay_files`,
//! `findings`.

use crate::helm::helmrelease::{self, V1Release};
use crate::helm::smp;
use crate::helm::sources::{
    pick_name, render_source_in, ExistingSource, ResolvedSource, SourceKey, SourceSettings,
    SourceSpec,
};
use crate::model::codes::Code;
use crate::model::context::{doc_ref, free_path, Context};
use crate::model::document::{DocKind, LoadedFile};
use crate::model::files::InputFile;
use crate::model::finding::Finding;
use crate::model::options::Options;
use crate::model::paths::{normalize_dir, SOURCES_FILE};
use crate::repo::kustomize::{Field, Model, ObjectRef, PatchFormat, Resolved};
use crate::text::TextEdit;
use crate::yaml::emit::{self, Out};
use crate::yaml::raw::copy_node;
use crate::yaml::{to_json, Node};
use serde_json::Value as J;
use std::collections::{BTreeMap, BTreeSet};

/// The v1 API group and the v2 group/version a HelmRelease selector must name.
const V1_GROUP: &str = "helm.fluxcd.io";
const V2_GROUP: &str = "helm.toolkit.fluxcd.io";
const V2_VERSION: &str = "v2";

/// True for documents of HelmRelease patches: the HelmRelease stage leaves them to
/// [`convert`].
pub fn is_patch(model: &Model, file: usize, doc: usize) -> bool {
    model.is_patch_doc(ObjectRef { file, doc })
}

/// One application of a patch document to an object: the object's source document,
/// the patch documents applied to it before this one (file, doc), and the
/// kustomization whose patch list applies it.
type Application = (ObjectRef, Vec<(usize, usize)>, usize);

/// A chart source an overlay's patch switches to (OVERLAY_SOURCE): written into a file
/// of that overlay's directory and listed in its `resources:`.
struct OverlaySource {
    spec: SourceSpec,
    resolved: ResolvedSource,
    /// The `metadata.namespace` to write (`None`: the overlay sets `namespace:`).
    namespace: Option<String>,
    /// Why it cannot be written (the patch is reported instead).
    blocked: Option<String>,
}

/// Converts every v1 HelmRelease patch document (see the module docs).
pub fn convert(
    ctx: &mut Context,
    model: &Model,
    releases: &[(usize, usize, V1Release)],
    names: &BTreeMap<SourceKey, ResolvedSource>,
    existing: &[ExistingSource],
    opts: &Options,
) {
    let files = ctx.files;
    let base_of: BTreeMap<(usize, usize), &V1Release> =
        releases.iter().map(|(f, d, r)| ((*f, *d), r)).collect();
    let mut findings = Vec::new();

    // Every (patch file, doc) → the objects it applies to, over all builds.
    let mut uses: BTreeMap<(usize, usize), BTreeSet<Application>> = BTreeMap::new();
    // (kustomization, object) → the object's namespace in that kustomization's build.
    let mut home_ns: BTreeMap<(usize, ObjectRef), Option<String>> = BTreeMap::new();
    for k in 0..model.kustomizations().len() {
        let Some(build) = model.build_of(k) else {
            continue;
        };
        for o in &build.objects {
            let mut earlier: Vec<(usize, usize)> = Vec::new();
            for hit in &o.patches {
                let Some(kust) = model.kustomization(hit.kustomization) else {
                    continue;
                };
                let Some(p) = kust.patches.get(hit.patch) else {
                    continue;
                };
                let file = match p.path.as_ref().map(|e| &e.resolved) {
                    Some(Resolved::File(f)) => Some(*f),
                    _ => None,
                };
                let doc = p.docs.get(hit.doc).and_then(|d| d.doc);
                match (file, doc, p.format) {
                    (Some(f), Some(d), PatchFormat::StrategicMerge)
                        if matches!(
                            files[f].docs.get(d).map(|x| &x.kind),
                            Some(DocKind::HelmReleaseV1(_))
                        ) =>
                    {
                        uses.entry((f, d)).or_default().insert((
                            o.source,
                            earlier.clone(),
                            hit.kustomization,
                        ));
                        if k == hit.kustomization {
                            home_ns.insert((hit.kustomization, o.source), o.namespace.clone());
                        }
                        earlier.push((f, d));
                    }
                    (Some(f), Some(d), PatchFormat::StrategicMerge) => earlier.push((f, d)),
                    _ => {
                        if o.kind == "HelmRelease" && o.api_version.starts_with(V1_GROUP) {
                            let at = p.inline.unwrap_or(p.node);
                            let why = if p.format == PatchFormat::Json6902 {
                                "JSON 6902 operations on a HelmRelease are not mapped yet"
                            } else {
                                "inline patch text on a HelmRelease is not converted yet; move it into a file"
                            };
                            findings.push(Finding::new(
                                Code::PATCH_NOT_CONVERTED,
                                &files[kust.file].path,
                                at.line() + files[kust.file].first_root_line_offset(),
                                at.col(),
                                format!(
                                    "`{}` patches HelmRelease `{}`: {why}",
                                    p.field.key(),
                                    o.name
                                ),
                            ));
                        }
                    }
                }
            }
        }
    }
    findings.sort_by(|a, b| (&a.file, a.line, &a.message).cmp(&(&b.file, b.line, &b.message)));
    findings.dedup();

    let overlay = plan_overlay_sources(
        files, model, &uses, &home_ns, &base_of, names, existing, opts,
    );
    // (kustomization, source key) of the overlay sources a converted patch names.
    let mut used: BTreeSet<(usize, SourceKey)> = BTreeSet::new();

    let mut empty_docs: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
    for (&(pf, pd), apps) in &uses {
        let Some(patch_root) = files[pf].docs[pd].root() else {
            continue;
        };
        let patch_json = to_json(patch_root);
        let mut checks: BTreeMap<String, Vec<(J, J)>> = BTreeMap::new();
        let mut result: Option<J> = None;
        let mut failure: Option<String> = None;
        if let Some(dirs) = non_empty(smp::directives(&patch_json)) {
            failure = Some(format!(
                "it uses strategic-merge directives ({dirs}), which fluxport does not map"
            ));
        }
        let mut needs: BTreeSet<(usize, SourceKey)> = BTreeSet::new();
        for (target, earlier, kust) in apps {
            if failure.is_some() {
                break;
            }
            let Some(base) = base_of.get(&(target.file, target.doc)) else {
                failure = Some(format!(
                    "it patches `{}`, which is not converted (see the findings there)",
                    files[target.file].path
                ));
                break;
            };
            let needs_here = std::cell::RefCell::new(BTreeSet::new());
            let resolve = |spec: &SourceSpec| -> Result<ResolvedSource, String> {
                let key = spec.key();
                if key == base.source.key() {
                    return names
                        .get(&key)
                        .cloned()
                        .ok_or_else(|| "the base's source has no name".to_string());
                }
                let (at, o) = overlay_for(&overlay, *kust, &key).ok_or_else(|| {
                    "it changes the chart source, and no overlay source could be planned for it"
                        .to_string()
                })?;
                if let Some(why) = &o.blocked {
                    return Err(why.clone());
                }
                needs_here.borrow_mut().insert(at);
                Ok(o.resolved.clone())
            };
            let diffed = patch_diff(files, base, earlier, &patch_json, &resolve, opts);
            needs.extend(needs_here.into_inner());
            match diffed {
                Ok((d, before, after)) => {
                    checks
                        .entry(d.to_string())
                        .or_default()
                        .push((before, after));
                    result = Some(d);
                }
                Err(e) => failure = Some(e),
            }
        }
        if failure.is_none() && checks.len() > 1 {
            // One patch for every target: the union of what each needs, accepted when it
            // gives each target its converted form (up to v2's documented defaults).
            match unify(&checks) {
                Ok(u) => result = Some(u),
                Err(e) => failure = Some(e),
            }
        }
        let doc = doc_ref(files, pf, pd);
        if let Some(why) = failure {
            if let Some(d) = doc {
                findings.push(d.finding(Code::PATCH_NOT_CONVERTED, Some(patch_root), why));
            }
            continue;
        }
        let Some(diff) = result else { continue };
        let Some(text) = render_patch(&files[pf], pd, patch_root, &diff) else {
            continue;
        };
        if let Some(d) = doc {
            for at in &needs {
                let o = &overlay[at];
                let Some(kust) = model.kustomization(at.0) else {
                    continue;
                };
                findings.push(d.finding(
                    Code::OVERLAY_SOURCE,
                    patch_root.path(&["spec", "chart"]),
                    format!(
                        "overlay `{}` switches this HelmRelease to its own chart source ({}): {} `{}` is written to `{}` (listed in `{}`) and the patch's `chart.spec.sourceRef` names it; the base keeps its source",
                        dir_label(&kust.dir),
                        source_summary(&o.spec),
                        o.resolved.kind,
                        o.resolved.name,
                        overlay_path(ctx, model, at.0),
                        kust.path,
                    ),
                ));
            }
        }
        used.extend(needs);
        let spec_empty =
            diff.get("spec").is_none() && patch_root.path(&["spec", "values"]).is_none();
        if spec_empty && diff.get("metadata").is_none() {
            empty_docs.entry(pf).or_default().insert(pd);
        }
        let dropped: Vec<&str> = patch_root
            .path(&["metadata", "annotations"])
            .map(Node::entries)
            .unwrap_or(&[])
            .iter()
            .filter_map(|e| e.key.as_str())
            .filter(|k| {
                helmrelease::V1_ANNOTATION_PREFIXES
                    .iter()
                    .any(|p| k.starts_with(p))
            })
            .collect();
        if let (false, Some(d)) = (dropped.is_empty(), doc) {
            findings.push(d.finding(
                Code::PATCH_AUTOMATION_DROPPED,
                patch_root.path(&["metadata", "annotations"]),
                format!("dropped v1 annotations: {}", dropped.join(", ")),
            ));
        }
        ctx.replace_doc(pf, pd, text);
        let applied = apps
            .iter()
            .map(|(t, e, _)| (t, e))
            .collect::<BTreeSet<_>>()
            .len();
        if let Some(d) = doc {
            findings.push(d.finding(
                Code::PATCH_CONVERTED,
                Some(patch_root),
                format!(
                    "patches {} HelmRelease{} (base in `{}`); now a helm.toolkit.fluxcd.io/v2 patch",
                    applied,
                    if applied == 1 { "" } else { "s" },
                    apps.iter()
                        .map(|(t, _, _)| files[t.file].path.as_str())
                        .collect::<BTreeSet<_>>()
                        .into_iter()
                        .collect::<Vec<_>>()
                        .join("`, `")
                ),
            ));
        }
    }
    // A patch file whose every document became a no-op goes, with its entries.
    for (pf, docs) in &empty_docs {
        let objects = files[*pf]
            .docs
            .iter()
            .filter(|d| d.root().is_some_and(|r| !r.is_null()))
            .count();
        if docs.len() == objects && !files[*pf].untouchable {
            ctx.edits.remove(pf);
            ctx.deleted.insert(*pf);
        }
    }
    // A HelmRelease patch whose target is not in the input (its base lives elsewhere).
    for &pf in model.patch_files() {
        for (pd, d) in files[pf].docs.iter().enumerate() {
            if matches!(d.kind, DocKind::HelmReleaseV1(_))
                && is_patch(model, pf, pd)
                && !uses.contains_key(&(pf, pd))
            {
                if let Some(dr) = doc_ref(files, pf, pd) {
                    findings.push(dr.finding(
                        Code::PARTIAL_HELMRELEASE,
                        d.root(),
                        "this kustomize patch targets a HelmRelease that is not in the input (its base lives in another repository, or a remote base): it was left as it is; convert it together with its base",
                    ));
                }
            }
        }
    }
    retarget_selectors(ctx, model, &mut findings);
    ctx.findings.append(&mut findings);
    // Each overlay's own sources: one new file in its directory, which
    // `link_new_files` lists in its kustomization.
    for (k, docs) in overlay_files(files, model, &overlay, &used, opts) {
        let path = overlay_path(ctx, model, k);
        ctx.overlay_files.insert(path.clone());
        ctx.new_files.insert(path, docs);
    }
}

/// The new file of kustomization `k`'s own sources.
fn overlay_path(ctx: &Context, model: &Model, k: usize) -> String {
    let dir = model
        .kustomization(k)
        .map(|x| normalize_dir(&x.dir))
        .unwrap_or_default();
    free_path(ctx.files, &ctx.new_files, &dir, SOURCES_FILE)
}

/// The overlay source a patch of kustomization `kust` names for `key`: the overlay's
/// own, else (an earlier patch of another kustomization switched it) the first planned.
fn overlay_for<'m>(
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
fn plan_overlay_sources(
    files: &[LoadedFile],
    model: &Model,
    uses: &BTreeMap<(usize, usize), BTreeSet<Application>>,
    home_ns: &BTreeMap<(usize, ObjectRef), Option<String>>,
    base_of: &BTreeMap<(usize, usize), &V1Release>,
    names: &BTreeMap<SourceKey, ResolvedSource>,
    existing: &[ExistingSource],
    opts: &Options,
) -> BTreeMap<(usize, SourceKey), OverlaySource> {
    // (kustomization, key) → (spec, object namespace in the overlay's build, base).
    let mut wanted: BTreeMap<(usize, SourceKey), (SourceSpec, Option<String>, String)> =
        BTreeMap::new();
    for (&(pf, pd), apps) in uses {
        let Some(patch_root) = files[pf].docs[pd].root() else {
            continue;
        };
        let patch_json = to_json(patch_root);
        for (target, earlier, kust) in apps {
            let Some(base) = base_of.get(&(target.file, target.doc)) else {
                continue;
            };
            let (_, after) = states(files, base, earlier, &patch_json);
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
fn overlay_files(
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

/// A directory for messages: `overlays/dev`, or `.` for the repository root.
fn dir_label(dir: &str) -> &str {
    let d = dir.trim_end_matches('/');
    if d.is_empty() {
        "."
    } else {
        d
    }
}

/// What a source points at, for messages.
fn source_summary(spec: &SourceSpec) -> String {
    match spec {
        SourceSpec::Helm { url, .. } => format!("chart repository `{url}`"),
        SourceSpec::Git { url, reference, .. } => {
            format!("git `{url}` at `{}`", reference.value())
        }
    }
}

fn non_empty(v: Vec<String>) -> Option<String> {
    (!v.is_empty()).then(|| v.join(", "))
}

/// The union of the per-target patches, if it gives every target (before → after) its
/// converted form; else why not.
fn unify(checks: &BTreeMap<String, Vec<(J, J)>>) -> Result<J, String> {
    let mut u = J::Object(Default::default());
    for d in checks.keys() {
        let d: J = serde_json::from_str(d).map_err(|e| e.to_string())?;
        u = smp::union(&u, &d).map_err(|at| {
            format!("its v2 form differs between the HelmReleases it patches (at `{at}`); split it per target")
        })?;
    }
    for (before, after) in checks.values().flatten() {
        let mut got = before.clone();
        smp::merge(&mut got, &u);
        if normalised(&got) != normalised(after) {
            return Err(format!(
                "its v2 form differs between the HelmReleases it patches ({} variants); split it per target",
                checks.len()
            ));
        }
    }
    Ok(u)
}

/// A v2 HelmRelease with the action timeouts made explicit, as helm-controller reads
/// them: every action's `timeout` defaults to `spec.timeout`, which defaults to `5m`
/// (`helm-controller:api/v2 HelmReleaseSpec.Timeout`, `Install/Upgrade/Test/Rollback/
/// Uninstall.GetTimeout`); durations compare in seconds.
fn normalised(v: &J) -> J {
    let mut v = v.clone();
    let Some(spec) = v.get_mut("spec").and_then(J::as_object_mut) else {
        return v;
    };
    let default = spec
        .get("timeout")
        .and_then(J::as_str)
        .and_then(seconds)
        .unwrap_or(300);
    spec.insert("timeout".into(), J::from(default));
    for action in ["install", "upgrade", "test", "rollback", "uninstall"] {
        let entry = spec
            .entry(action)
            .or_insert_with(|| J::Object(Default::default()));
        if let Some(m) = entry.as_object_mut() {
            let t = m
                .get("timeout")
                .and_then(J::as_str)
                .and_then(seconds)
                .unwrap_or(default);
            m.insert("timeout".into(), J::from(t));
        }
    }
    v
}

/// Seconds of a Go duration made of `h`, `m` and `s` parts (`1h30m`, `300s`).
fn seconds(d: &str) -> Option<u64> {
    let mut total = 0u64;
    let mut num = String::new();
    for c in d.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let n: u64 = num.parse().ok()?;
        num.clear();
        total += n * match c {
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => return None,
        };
    }
    num.is_empty().then_some(total)
}

/// The v1 object one application sees (as JSON): before the patch (the base with the
/// earlier patches, in the namespace the base conversion used) and after it.
pub(crate) fn states(
    files: &[LoadedFile],
    base: &V1Release,
    earlier: &[(usize, usize)],
    patch: &J,
) -> (J, J) {
    let mut before = to_json(base.root);
    for &(f, d) in earlier {
        if let Some(r) = files[f].docs[d].root() {
            smp::merge(&mut before, &to_json(r));
        }
    }
    // The namespace the base conversion used; a patch never moves the object.
    if let Some(meta) = before.get_mut("metadata").and_then(J::as_object_mut) {
        meta.insert("namespace".into(), J::String(base.namespace.clone()));
    }
    let mut after = before.clone();
    let mut p = patch.clone();
    if let Some(meta) = p.get_mut("metadata").and_then(J::as_object_mut) {
        meta.remove("name");
        meta.remove("namespace");
    }
    p.as_object_mut().map(|m| m.remove("apiVersion"));
    smp::merge(&mut after, &p);
    (before, after)
}

/// Names the source of a converted object: the base's, or an overlay's (or `Err` why
/// not).
pub(crate) type Resolve<'r> = dyn Fn(&SourceSpec) -> Result<ResolvedSource, String> + 'r;

/// The v2 patch (as JSON, without `spec.values`) that one application needs, with the
/// converted object before and after it.
fn patch_diff(
    files: &[LoadedFile],
    base: &V1Release,
    earlier: &[(usize, usize)],
    patch: &J,
    resolve: &Resolve,
    opts: &Options,
) -> Result<(J, J, J), String> {
    let (before, after) = states(files, base, earlier, patch);
    let mut v2_before = convert_v1(base.doc.file, &before, resolve, opts)?;
    let mut v2_after = convert_v1(base.doc.file, &after, resolve, opts)?;
    for v in [&mut v2_before, &mut v2_after] {
        if let Some(spec) = v.get_mut("spec").and_then(J::as_object_mut) {
            spec.remove("values");
        }
    }
    let d = smp::diff(&v2_before, &v2_after)
        .map_err(|at| format!("the v2 list at `{at}` would have to lose or reorder items, which a kustomize merge by `name` cannot do"))?;
    let mut d = d.unwrap_or(J::Object(Default::default()));
    if let Some(meta) = d.get_mut("metadata").and_then(J::as_object_mut) {
        meta.remove("name");
        meta.remove("namespace");
        if meta.is_empty() {
            d.as_object_mut().map(|m| m.remove("metadata"));
        }
    }
    Ok((d, v2_before, v2_after))
}

/// Reads one v1 HelmRelease given as JSON and hands it to `f`; `Err` when it is not
/// convertible.
fn with_v1<T>(
    path: &str,
    v1: &J,
    opts: &Options,
    f: impl FnOnce(&V1Release, &mut Vec<Finding>) -> Result<T, String>,
) -> Result<T, String> {
    let text = emit::render(&json_out(v1), "\n");
    let input = InputFile::new(path, text);
    let mut scratch = Vec::new();
    let loaded = crate::repo::load::load_file(&input, &[], &opts.limits, &mut scratch);
    let Some(DocKind::HelmReleaseV1(flavor)) = loaded.docs.first().map(|d| d.kind.clone()) else {
        return Err("the patched object is not a v1 HelmRelease".into());
    };
    let files = std::slice::from_ref(&loaded);
    let (Some(doc), Some(root)) = (doc_ref(files, 0, 0), loaded.docs[0].root()) else {
        return Err("the patched object does not parse".into());
    };
    let r = helmrelease::read(doc, root, flavor, opts, None, &mut scratch).ok_or_else(|| {
        let why = scratch
            .iter()
            .find(|f| f.severity == crate::model::codes::Severity::Error)
            .map(|f| format!("{}: {}", f.code.as_str(), f.message))
            .unwrap_or_else(|| "it is not convertible".into());
        format!("the patched HelmRelease would not convert ({why})")
    })?;
    f(&r, &mut scratch)
}

/// Converts one v1 HelmRelease given as JSON, its source named by `resolve`.
pub(crate) fn convert_v1(
    path: &str,
    v1: &J,
    resolve: &Resolve,
    opts: &Options,
) -> Result<J, String> {
    let text = with_v1(path, v1, opts, |r, scratch| {
        let own = resolve(&r.source)?;
        Ok(helmrelease::render(r, &own, opts, &[], "\n", scratch).text)
    })?;
    let parsed = crate::yaml::parse_document(&text, opts.limits.max_depth, opts.limits.max_aliases)
        .map_err(|e| {
            format!(
                "internal: the converted patch target does not parse ({})",
                e.message
            )
        })?;
    parsed
        .root
        .as_ref()
        .map(to_json)
        .ok_or_else(|| "internal: empty conversion".into())
}

/// The patch document's v2 text: apiVersion/kind, its own name and namespace, the diff,
/// and `spec.values` copied as written.
fn render_patch(f: &LoadedFile, di: usize, root: &Node, diff: &J) -> Option<String> {
    let d = f.docs.get(di)?;
    let text = d.text(f.text.as_deref()?);
    let meta = root.get("metadata");
    let mut metadata = Out::map();
    for k in ["name", "namespace"] {
        if let Some(v) = meta.and_then(|m| m.get(k)).and_then(Node::as_str) {
            metadata.push(k, Out::str(v));
        }
    }
    if let Some(J::Object(m)) = diff.get("metadata") {
        for (k, v) in m {
            metadata.push(k, json_out(v));
        }
    }
    let mut spec = Out::map();
    if let Some(J::Object(m)) = diff.get("spec") {
        for (k, v) in m {
            spec.push(k, json_out(v));
        }
    }
    if let Some(e) = root.get("spec").and_then(|s| s.entry("values")) {
        let line = d.index.line_of(e.key.start());
        let ls = d.index.line_start(line);
        let parent = crate::text::indent_of(text.get(ls..e.key.start()).unwrap_or(""));
        spec.push(
            "values",
            Out::Raw(copy_node(text, &d.index, &e.value, parent, 4, &[])),
        );
    }
    let spec = spec.build();
    let doc = Out::map()
        .s("apiVersion", format!("{V2_GROUP}/{V2_VERSION}"))
        .s("kind", "HelmRelease")
        .kv("metadata", metadata.build())
        .nonempty("spec", spec)
        .build();
    let out = emit::render(&doc, f.nl);
    Some(out.trim_end_matches(['\n', '\r']).to_string())
}

use emit::from_json as json_out;

/// `patches[].target` (and `patchesJson6902[].target`) selecting HelmReleases by the
/// v1 group or version: rewritten to the v2 ones (one scalar each).
fn retarget_selectors(ctx: &mut Context, model: &Model, findings: &mut Vec<Finding>) {
    let files = ctx.files;
    for kust in model.kustomizations() {
        let kf = &files[kust.file];
        let Some(text) = kf.text.as_deref() else {
            continue;
        };
        let Some((di, _)) = kf.first_root() else {
            continue;
        };
        let d = &kf.docs[di];
        for p in &kust.patches {
            // JSON 6902 operations keep their v1 paths (not mapped yet, reported above):
            // retargeting them would apply v1 paths to v2 objects.
            if p.field == Field::PatchesStrategicMerge || p.format != PatchFormat::StrategicMerge {
                continue;
            }
            let Some(sel) = p.target.as_ref() else {
                continue;
            };
            let Some(node) = sel.node else { continue };
            let names_hr = sel.kind.as_deref().is_none_or(|k| k == "HelmRelease");
            if !names_hr || sel.group.as_deref() != Some(V1_GROUP) {
                continue;
            }
            let mut edits = Vec::new();
            for (key, new) in [("group", V2_GROUP), ("version", V2_VERSION)] {
                if let Some(v) = node
                    .get(key)
                    .filter(|v| v.as_str().is_some() && !v.is_flow())
                {
                    let old = text
                        .get(d.start + v.start()..d.start + v.end())
                        .unwrap_or("");
                    if old.contains('\n') {
                        continue;
                    }
                    edits.push(TextEdit::replace(
                        d.start + v.start(),
                        d.start + v.end(),
                        new,
                    ));
                }
            }
            if !edits.is_empty() && !kf.untouchable {
                ctx.edits.entry(kust.file).or_default().extend(edits);
                findings.push(Finding::new(
                    Code::PATCH_CONVERTED,
                    &kf.path,
                    node.line() + d.line_offset,
                    node.col(),
                    format!("the `{}` target selects HelmReleases by the v1 API; it now names {V2_GROUP}/{V2_VERSION}", p.field.key()),
                ));
            }
        }
    }
}
