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
//! selectors naming `helm.fluxcd.io`/`v1` are rewritten to the v2 group and version (for
//! JSON operations and inline text only when they were converted).
//!
//! Inline patch text (`patches[].patch`, an inline `patchesStrategicMerge` item) is
//! parsed once ([`patch_src`](crate::helm::patch_src)) and converted the same way; the
//! result is written back into the literal block scalar it came from. JSON 6902
//! operation lists on v1 HelmReleases (files, `.json` or YAML, and inline lists) are
//! mapped operation by operation and checked by applying both sides
//! ([`json6902`](crate::helm::json6902), [`patch_ops`](crate::helm::patch_ops), ADR
//! 0005); an operation that does not map is PATCH_OP_UNMAPPED. The `before` object of
//! every application has the earlier patches of its build applied, of every form.
//!
//! Reported instead (PATCH_NOT_CONVERTED, ADR 0004): a patch whose v2 form differs
//! between the objects it patches, one that changes the chart source (an
//! overlay-specific source is not written yet), strategic-merge directives, inline text
//! that is not a literal block scalar (or holds several documents).
//!
//! Reads: `files`, `placements`, the kustomization model, the converted base releases
//! and their source names. Writes: `edits`, `deleted`, `findings`.

use crate::helm::helmrelease::{self, V1Release};
use crate::helm::overlay_sources::{
    dir_label, overlay_files, overlay_for, overlay_path, plan_overlay_sources, source_summary,
};
use crate::helm::patch_ops as ops;
use crate::helm::patch_src::{convert_v1, normalised, Application, Key, Resolve, Sources};
use crate::helm::smp;
use crate::helm::sources::{ExistingSource, ResolvedSource, SourceKey, SourceSpec};
use crate::model::codes::Code;
use crate::model::context::{doc_ref, Context, ValueAddition};
use crate::model::document::{DocKind, LoadedFile};
use crate::model::finding::Finding;
use crate::model::options::Options;
use crate::repo::kustomize::{Field, Model, ObjectRef, PatchFormat, Resolved};
use crate::text::TextEdit;
use crate::yaml::emit::{self, Out};
use crate::yaml::raw::{copy_node, RawText};
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
    let srcs = Sources::new(files, model, opts);

    // Every patch document → the objects it applies to, over all builds: strategic-merge
    // HelmRelease patches (`uses`) and JSON 6902 op lists on v1 HelmReleases (`op_uses`).
    let mut uses: BTreeMap<Key, BTreeSet<Application>> = BTreeMap::new();
    let mut op_uses: BTreeMap<Key, BTreeSet<Application>> = BTreeMap::new();
    let mut owners: BTreeMap<Key, BTreeSet<(usize, usize)>> = BTreeMap::new();
    // Patches that also apply to objects other than v1 HelmReleases.
    let mut others: BTreeSet<Key> = BTreeSet::new();
    // (kustomization, object) → the object's namespace in that kustomization's build.
    let mut home_ns: BTreeMap<(usize, ObjectRef), Option<String>> = BTreeMap::new();
    for k in 0..model.kustomizations().len() {
        let Some(build) = model.build_of(k) else {
            continue;
        };
        for o in &build.objects {
            let hr_v1 = o.kind == "HelmRelease" && o.api_version.starts_with(V1_GROUP);
            let mut earlier: Vec<Key> = Vec::new();
            for hit in &o.patches {
                let Some(kust) = model.kustomization(hit.kustomization) else {
                    continue;
                };
                let Some(p) = kust.patches.get(hit.patch) else {
                    continue;
                };
                let key = match (p.path.as_ref().map(|e| &e.resolved), p.inline) {
                    (Some(Resolved::File(f)), _) => p
                        .docs
                        .get(hit.doc)
                        .and_then(|d| d.doc)
                        .map(|d| Key::File(*f, d)),
                    (None, Some(_)) => Some(Key::Inline(hit.kustomization, hit.patch, hit.doc)),
                    _ => None,
                };
                let Some(key) = key else { continue };
                owners
                    .entry(key)
                    .or_default()
                    .insert((hit.kustomization, hit.patch));
                let hr_doc = match key {
                    Key::File(f, d) => matches!(
                        files[f].docs.get(d).map(|x| &x.kind),
                        Some(DocKind::HelmReleaseV1(_))
                    ),
                    Key::Inline(..) => hr_v1,
                };
                let app = (o.source, earlier.clone(), hit.kustomization);
                match p.format {
                    PatchFormat::StrategicMerge if hr_doc => {
                        uses.entry(key).or_default().insert(app);
                        if k == hit.kustomization {
                            home_ns.insert((hit.kustomization, o.source), o.namespace.clone());
                        }
                    }
                    PatchFormat::Json6902 if hr_v1 => {
                        op_uses.entry(key).or_default().insert(app);
                    }
                    _ if !hr_v1 => {
                        others.insert(key);
                    }
                    _ => {}
                }
                earlier.push(key);
            }
        }
    }
    // Inline text that cannot be rewritten in place, and JSON operations or inline text
    // that also patch other objects (their v2 form would not fit those).
    let mut blocked: BTreeSet<Key> = BTreeSet::new();
    for &key in uses.keys().chain(op_uses.keys()) {
        let shared = matches!(key, Key::Inline(..)) || op_uses.contains_key(&key);
        let why = match srcs.writable(key) {
            Err(why) => Some((Code::PATCH_NOT_CONVERTED, why)),
            Ok(()) if shared && others.contains(&key) => Some((
                if op_uses.contains_key(&key) {
                    Code::PATCH_OP_UNMAPPED
                } else {
                    Code::PATCH_NOT_CONVERTED
                },
                "it also patches objects that are not v1 HelmReleases; give the HelmReleases a patch of their own".to_string(),
            )),
            Ok(()) => None,
        };
        if let Some((code, why)) = why {
            if let Some(f) = srcs.finding(key, code, why) {
                findings.push(f);
            }
            blocked.insert(key);
        }
    }
    uses.retain(|k, _| !blocked.contains(k));
    op_uses.retain(|k, _| !blocked.contains(k));
    let mut converted: BTreeSet<(usize, usize)> = BTreeSet::new();

    let overlay = plan_overlay_sources(
        &srcs, model, &uses, &home_ns, &base_of, names, existing, opts,
    );
    // (kustomization, source key) of the overlay sources a converted patch names.
    let mut used: BTreeSet<(usize, SourceKey)> = BTreeSet::new();

    let mut empty_docs: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
    // The converted `before` of each (base, earlier patches): one base is patched by
    // every overlay, so it is converted once, not once per patch.
    let mut befores: Befores = BTreeMap::new();
    for (&key, apps) in &uses {
        let Some((pfile, pd)) = srcs.doc(key) else {
            continue;
        };
        let Some(patch_root) = pfile.docs[pd].root() else {
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
            let at = (target.file, target.doc);
            let diffed = patch_diff(
                &srcs,
                (at, base),
                (earlier, *kust),
                &patch_json,
                &resolve,
                opts,
                &mut befores,
            );
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
        if let Some(why) = failure {
            findings.extend(srcs.doc_finding(
                key,
                Code::PATCH_NOT_CONVERTED,
                Some(patch_root),
                why,
            ));
            continue;
        }
        let Some(diff) = result else { continue };
        // The image stage's markers for this patch's values (overlay automation).
        let marks = match key {
            Key::File(pf, pd) => ctx.value_edits.get(&(pf, pd)).map(Vec::as_slice),
            Key::Inline(..) => None,
        };
        let adds = match key {
            Key::File(pf, pd) => ctx.value_additions.get(&(pf, pd)).map(Vec::as_slice),
            Key::Inline(..) => None,
        };
        let Some(text) = render_patch(
            pfile,
            pd,
            patch_root,
            &diff,
            marks.unwrap_or(&[]),
            adds.unwrap_or(&[]),
        ) else {
            continue;
        };
        for at in &needs {
            let o = &overlay[at];
            let Some(kust) = model.kustomization(at.0) else {
                continue;
            };
            findings.extend(srcs.doc_finding(
                key,
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
        used.extend(needs);
        let spec_empty = diff.get("spec").is_none()
            && patch_root.path(&["spec", "values"]).is_none()
            && adds.is_none_or(|a| a.is_empty());
        if let (true, Key::File(pf, pd)) = (spec_empty && diff.get("metadata").is_none(), key) {
            empty_docs.entry(pf).or_default().insert(pd);
        }
        match key {
            Key::File(pf, pd) => ctx.replace_doc(pf, pd, text),
            Key::Inline(..) => {
                let Some((file, edit)) = srcs.inline_edit(key, &text) else {
                    continue;
                };
                ctx.edits.entry(file).or_default().push(edit);
            }
        }
        converted.extend(owners.get(&key).into_iter().flatten().copied());
        findings.extend(srcs.doc_finding(
            key,
            Code::PATCH_CONVERTED,
            Some(patch_root),
            format!(
                "patches {} HelmRelease{} (base in `{}`); now a helm.toolkit.fluxcd.io/v2 patch",
                applied(apps),
                if applied(apps) == 1 { "" } else { "s" },
                bases(files, apps)
            ),
        ));
    }
    for (&key, apps) in &op_uses {
        match ops::convert(&srcs, key, apps, &base_of, names, opts) {
            Ok(Some((file, edits, n))) => {
                if !files[file].untouchable {
                    ctx.edits.entry(file).or_default().extend(edits);
                    converted.extend(owners.get(&key).into_iter().flatten().copied());
                    findings.extend(srcs.finding(
                        key,
                        Code::PATCH_CONVERTED,
                        format!(
                            "{n} JSON 6902 operation{} on {} HelmRelease{} (base in `{}`) now address{} helm.toolkit.fluxcd.io/v2 fields",
                            if n == 1 { "" } else { "s" },
                            applied(apps),
                            if applied(apps) == 1 { "" } else { "s" },
                            bases(files, apps),
                            if n == 1 { "es" } else { "" },
                        ),
                    ));
                }
            }
            Ok(None) => {}
            Err(u) => findings.extend(srcs.finding(key, Code::PATCH_OP_UNMAPPED, u.message())),
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
                && !uses.contains_key(&Key::File(pf, pd))
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
    retarget_selectors(ctx, model, &converted, &mut findings);
    ctx.findings.append(&mut findings);
    // Each overlay's own sources: one new file in its directory, which
    // `link_new_files` lists in its kustomization.
    for (k, docs) in overlay_files(files, model, &overlay, &used, opts) {
        let path = overlay_path(ctx, model, k);
        ctx.overlay_files.insert(path.clone());
        ctx.new_files.insert(path, docs);
    }
}

/// The base files of the patched objects, for a message.
/// How many (object, earlier patches) a patch applies to, whichever kustomizations list it.
fn applied(apps: &BTreeSet<Application>) -> usize {
    apps.iter()
        .map(|(t, e, _)| (t, e))
        .collect::<BTreeSet<_>>()
        .len()
}

fn bases(files: &[LoadedFile], apps: &BTreeSet<Application>) -> String {
    apps.iter()
        .map(|(t, _, _)| files[t.file].path.as_str())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect::<Vec<_>>()
        .join("`, `")
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

/// The v2 patch (as JSON, without `spec.values`) that one application needs, with the
/// converted object before and after it.
fn patch_diff(
    srcs: &Sources,
    (base_at, base): ((usize, usize), &V1Release),
    (earlier, kust): (&[Key], usize),
    patch: &J,
    resolve: &Resolve,
    opts: &Options,
    befores: &mut Befores,
) -> Result<(J, J, J), String> {
    let mut p = patch.clone();
    if let Some(meta) = p.get_mut("metadata").and_then(J::as_object_mut) {
        meta.remove("name");
        meta.remove("namespace");
    }
    p.as_object_mut().map(|m| m.remove("apiVersion"));
    // The kustomization counts: an earlier patch may have switched to its own source.
    let memo = (base_at, earlier.to_vec(), kust);
    let states = || -> Result<(J, J), String> {
        let (mut before, mut after) = srcs.states(base, earlier, patch)?;
        without_values(&mut before);
        without_values(&mut after);
        Ok((before, after))
    };
    let (before, after) = states()?;
    if !befores.contains_key(&memo) {
        befores.insert(
            memo.clone(),
            convert_v1(base.doc.file, &before, resolve, opts),
        );
    }
    let mut v2_before = befores[&memo].clone()?;
    if only_values(&p) || same_for_v2(&before, &after) {
        // Nothing but values (copied as written) and v1 annotations (which v2 drops), or
        // fields set to what the object already has: the v2 patch is empty, and the
        // merged object converts as the base does.
        if let Some(spec) = v2_before.get_mut("spec").and_then(J::as_object_mut) {
            spec.remove("values");
        }
        return Ok((J::Object(Default::default()), v2_before.clone(), v2_before));
    }
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

/// Converted `before` objects by (base document, earlier patches, kustomization).
type Befores = BTreeMap<((usize, usize), Vec<Key>, usize), Result<J, String>>;

/// `spec.values` is copied from the patch as written, never diffed, and no other v2
/// field depends on its content: the conversions in [`patch_diff`] see a one-key
/// stand-in (still a non-empty mapping, as the readers check), so the values are not
/// rendered and read again for every patch.
fn without_values(v: &mut J) {
    if let Some(values) = v
        .get_mut("spec")
        .and_then(|s| s.get_mut("values"))
        .filter(|x| x.as_object().is_some_and(|m| !m.is_empty()))
    {
        *values = serde_json::json!({ "fluxport": true });
    }
}

/// True when two v1 objects differ at most in `spec.values` (copied as written, never
/// diffed) and v1 annotations other than `ignore` (v2 drops them): their v2 forms are
/// the same but for the values.
fn same_for_v2(before: &J, after: &J) -> bool {
    fn strip(v: &J) -> J {
        let mut v = v.clone();
        if let Some(spec) = v.get_mut("spec").and_then(J::as_object_mut) {
            spec.remove("values");
        }
        if let Some(a) = v
            .get_mut("metadata")
            .and_then(|m| m.get_mut("annotations"))
            .and_then(J::as_object_mut)
        {
            a.retain(|k, _| {
                k.ends_with("/ignore")
                    || !helmrelease::V1_ANNOTATION_PREFIXES
                        .iter()
                        .any(|p| k.starts_with(p))
            });
        }
        v
    }
    strip(before) == strip(after)
}

/// True for a patch (without its identity) that sets only `spec.values` to a mapping
/// and v1 annotations other than `ignore` (the only one that becomes a v2 annotation).
fn only_values(patch: &J) -> bool {
    let Some(m) = patch.as_object() else {
        return false;
    };
    m.iter().all(|(k, v)| match k.as_str() {
        "kind" => true,
        "metadata" => v.as_object().is_some_and(|meta| {
            meta.iter().all(|(mk, mv)| {
                mk == "annotations"
                    && mv.as_object().is_some_and(|a| {
                        a.keys().all(|ak| {
                            !ak.ends_with("/ignore")
                                && helmrelease::V1_ANNOTATION_PREFIXES
                                    .iter()
                                    .any(|p| ak.starts_with(p))
                        })
                    })
            })
        }),
        "spec" => v.as_object().is_some_and(|spec| {
            spec.iter()
                .all(|(sk, sv)| sk == "values" && sv.as_object().is_some_and(|x| !x.is_empty()))
        }),
        _ => false,
    })
}

/// The values an overlay's image automation adds to a patch (`ctx.value_additions`),
/// as one mapping: each field with its marker as the line comment.
fn additions_tree(additions: &[ValueAddition]) -> Option<Out> {
    fn insert(m: &mut Vec<(String, Out)>, keys: &[String], leaf: Out) {
        let Some((k, rest)) = keys.split_first() else {
            return;
        };
        if rest.is_empty() {
            m.push((k.clone(), leaf));
            return;
        }
        if let Some((_, Out::Map(inner))) = m.iter_mut().find(|(x, _)| x == k) {
            insert(inner, rest, leaf);
            return;
        }
        let mut inner = Vec::new();
        insert(&mut inner, rest, leaf);
        m.push((k.clone(), Out::Map(inner)));
    }
    if additions.is_empty() {
        return None;
    }
    let mut m = Vec::new();
    for a in additions {
        let leaf = Out::Commented(Box::new(Out::str(&a.value)), a.comment.clone());
        insert(&mut m, &a.keys, leaf);
    }
    Some(Out::Map(m))
}

/// The patch document's v2 text: apiVersion/kind, its own name and namespace, the diff,
/// and `spec.values` copied as written, with the image stage's markers (`marks`, byte
/// offsets into the document) applied.
fn render_patch(
    f: &LoadedFile,
    di: usize,
    root: &Node,
    diff: &J,
    marks: &[TextEdit],
    additions: &[ValueAddition],
) -> Option<String> {
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
    let added = additions_tree(additions);
    if let Some(e) = root.get("spec").and_then(|s| s.entry("values")) {
        let line = d.index.line_of(e.key.start());
        let ls = d.index.line_start(line);
        let parent = crate::text::indent_of(text.get(ls..e.key.start()).unwrap_or(""));
        let mut raw = copy_node(text, &d.index, &e.value, parent, 4, marks);
        if let (Some(extra), RawText::Block(lines)) = (&added, &mut raw) {
            // New keys at the end of the block mapping, at its indentation.
            let indent = lines
                .iter()
                .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
                .map(|l| crate::text::indent_of(l))
                .unwrap_or(4);
            let pad = " ".repeat(indent);
            for l in emit::render(extra, "\n").lines() {
                lines.push(format!("{pad}{l}"));
            }
        }
        spec.push("values", Out::Raw(raw));
    } else if let Some(extra) = added {
        spec.push("values", extra);
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
fn retarget_selectors(
    ctx: &mut Context,
    model: &Model,
    converted: &BTreeSet<(usize, usize)>,
    findings: &mut Vec<Finding>,
) {
    let files = ctx.files;
    for (ki, kust) in model.kustomizations().iter().enumerate() {
        let kf = &files[kust.file];
        let Some(text) = kf.text.as_deref() else {
            continue;
        };
        let Some((di, _)) = kf.first_root() else {
            continue;
        };
        let d = &kf.docs[di];
        for (pi, p) in kust.patches.iter().enumerate() {
            // JSON 6902 operations and inline text are retargeted only when converted:
            // a selector naming v2 would apply v1 paths or fields to v2 objects.
            let needs_conversion = p.format == PatchFormat::Json6902 || p.inline.is_some();
            if p.field == Field::PatchesStrategicMerge
                || (needs_conversion && !converted.contains(&(ki, pi)))
                || p.format == PatchFormat::Unknown
            {
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
