//! Per-overlay release identity (issue 12 §3, ADR 0006): OVERLAY_NAMESPACES_DIFFER
//! carried over where it can be.
//!
//! A base HelmRelease whose v1 identity came from its namespace (no `releaseName`, or no
//! `targetNamespace`) and that overlays build into different namespaces ran one release
//! per overlay under v1 (`<namespace>-<name>` in that namespace). The converted base
//! keeps the identity of its own namespace (what building the base alone gives). Each
//! kustomization that sets `namespace:` and builds it gets a generated v2 patch with the
//! identity v1 gave the object there: the diff between the converted object (with the
//! patches its build applies) in the base's namespace and in the kustomization's
//! namespace — `releaseName`, `targetNamespace`, `storageNamespace`, and
//! `chart.spec.sourceRef.name` when the source copy in that namespace got another name.
//! Sources are already generated in every namespace a build puts the HelmRelease in
//! (`convert.rs`), so `sourceRef` needs no namespace. The patch goes to
//! `fluxport-<name>-release.yaml` in the kustomization's directory, listed in its
//! `patches:` with a v2 target naming kind and name only (kustomize matches patches
//! before its namespace transformer).
//!
//! OVERLAY_NAMESPACES_DIFFER stays, with the reason, for the namespaces that could not be
//! carried over: a kustomization of that namespace patches the identity itself, renames
//! the object, or patches it in a form that is not converted; and namespaces no
//! kustomization sets (v1 took them from elsewhere). An overlay's own chart source
//! (OVERLAY_SOURCE) is named by that overlay's patch, not by this one.
//!
//! Reads: `files`, `placements`, the kustomization model, the converted releases and
//! their source names. Writes: `new_files`, `unlisted_files`, `edits`, `findings`.

use crate::helm::helmrelease::V1Release;
use crate::helm::patch_src::{convert_v1, Key, Sources};
use crate::helm::smp;
use crate::helm::sources::{ResolvedSource, SourceKey, SourceSpec};
use crate::model::codes::Code;
use crate::model::context::{free_path, Context};
use crate::model::document::DocKind;
use crate::model::finding::Finding;
use crate::model::options::Options;
use crate::model::paths::normalize_dir;
use crate::repo::kustomize::{Model, PatchFormat, Resolved};
use crate::yaml::emit::{self, from_json, Out};
use serde_json::Value as J;
use std::collections::BTreeMap;

/// Fields of the v1 spec that fix the identity themselves.
const IDENTITY_FIELDS: &[&str] = &["releaseName", "targetNamespace"];

/// Writes the per-overlay identity patches (see the module docs).
pub fn carry(
    ctx: &mut Context,
    model: &Model,
    releases: &[(usize, usize, V1Release)],
    names: &BTreeMap<SourceKey, ResolvedSource>,
    opts: &Options,
) {
    let files = ctx.files;
    let srcs = Sources::new(files, model, opts);
    let mut findings = Vec::new();
    // kustomization → patches entries to add (in order).
    let mut entries: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    // Per kustomization that sets a namespace: the first live object of its build from
    // each source document. One pass per build, not a scan of the build per release
    // (quadratic in a base of many releases with namespaced overlays).
    let object_of: Vec<BTreeMap<(usize, usize), usize>> = (0..model.kustomizations().len())
        .map(|k| {
            let mut by_source = BTreeMap::new();
            if let (Some(_), Some(build)) = (model.sets_namespace(k), model.build_of(k)) {
                for (i, o) in build.objects.iter().enumerate() {
                    if o.deleted_by.is_none() {
                        by_source.entry((o.source.file, o.source.doc)).or_insert(i);
                    }
                }
            }
            by_source
        })
        .collect();
    for (fi, di, r) in releases {
        let Some(p) = ctx.placements.get(&(*fi, *di)) else {
            continue;
        };
        if p.v1_namespaces.len() < 2 {
            continue;
        }
        let spec_has = |k: &str| {
            r.root
                .path(&["spec", k])
                .and_then(crate::yaml::Node::as_str)
                .is_some_and(|s| !s.is_empty())
        };
        if IDENTITY_FIELDS.iter().all(|k| spec_has(k)) {
            continue;
        }
        let default_ns = opts.default_namespace.as_str();
        let written = r
            .root
            .path(&["metadata", "namespace"])
            .and_then(crate::yaml::Node::as_str)
            .filter(|s| !s.is_empty())
            .unwrap_or(default_ns)
            .to_string();
        // v1 namespace → how it is carried (Ok: the patch path or "nothing to patch").
        let mut outcome: BTreeMap<String, Result<String, String>> = BTreeMap::new();
        outcome.insert(written.clone(), Ok(String::new()));
        for (k, kust) in model.kustomizations().iter().enumerate() {
            let Some(ns) = model.sets_namespace(k) else {
                continue;
            };
            let Some(build) = model.build_of(k) else {
                continue;
            };
            let Some(o) = object_of[k].get(&(*fi, *di)).map(|&i| &build.objects[i]) else {
                continue;
            };
            let result = (|| -> Result<Option<(String, J)>, String> {
                if o.name != o.original_name {
                    return Err(format!(
                        "`{}` renames it to `{}` (name prefix or suffix)",
                        kust.path, o.name
                    ));
                }
                let mut earlier = Vec::new();
                for hit in &o.patches {
                    let pk = model.kustomization(hit.kustomization);
                    let patch = pk.and_then(|x| x.patches.get(hit.patch));
                    let Some((pk, patch)) = pk.zip(patch) else {
                        continue;
                    };
                    let file = match patch.path.as_ref().map(|e| &e.resolved) {
                        Some(Resolved::File(f)) => Some(*f),
                        _ => None,
                    };
                    let doc = patch.docs.get(hit.doc).and_then(|d| d.doc);
                    let (Some(f), Some(d), PatchFormat::StrategicMerge) = (file, doc, patch.format)
                    else {
                        return Err(format!(
                            "`{}` patches it with a patch form that is not converted",
                            pk.path
                        ));
                    };
                    if !matches!(files[f].docs[d].kind, DocKind::HelmReleaseV1(_)) {
                        continue;
                    }
                    let sets_identity = files[f].docs[d].root().is_some_and(|root| {
                        IDENTITY_FIELDS
                            .iter()
                            .any(|k| root.path(&["spec", k]).is_some())
                    });
                    if sets_identity && hit.kustomization == k {
                        return Err(format!(
                            "its own patch `{}` sets the release name or target namespace",
                            files[f].path
                        ));
                    }
                    earlier.push(Key::File(f, d));
                }
                // The source in each namespace: a generated one, else (an overlay's own
                // source, which that patch already names) the same stand-in on both
                // sides, so the diff carries no source.
                let resolve = |spec: &SourceSpec| -> Result<ResolvedSource, String> {
                    Ok(names.get(&spec.key()).cloned().unwrap_or(ResolvedSource {
                        kind: spec.kind(),
                        name: String::new(),
                        namespace: spec.namespace().to_string(),
                        existing: false,
                        clashed: false,
                    }))
                };
                let mut before = srcs.before(r, &earlier)?;
                let mut after = before.clone();
                if let Some(meta) = after.get_mut("metadata").and_then(J::as_object_mut) {
                    meta.insert("namespace".into(), J::String(ns.to_string()));
                }
                let mut v2 = Vec::new();
                for v in [&mut before, &mut after] {
                    let mut c = convert_v1(r.doc.file, v, &resolve, opts)?;
                    if let Some(spec) = c.get_mut("spec").and_then(J::as_object_mut) {
                        spec.remove("values");
                    }
                    if let Some(meta) = c.get_mut("metadata").and_then(J::as_object_mut) {
                        meta.remove("namespace");
                    }
                    v2.push(c);
                }
                let diff = smp::diff(&v2[0], &v2[1])
                    .map_err(|at| format!("the v2 list at `{at}` differs"))?;
                let Some(diff) = diff.filter(|d| d.get("spec").is_some()) else {
                    return Ok(None);
                };
                let release = v2[1]
                    .pointer("/spec/releaseName")
                    .and_then(J::as_str)
                    .map(str::to_string)
                    .unwrap_or_else(|| r.name.clone());
                Ok(Some((release, diff)))
            })();
            match result {
                Ok(None) => {
                    outcome.entry(ns.to_string()).or_insert(Ok(String::new()));
                }
                Ok(Some((release, diff))) => {
                    let dir = normalize_dir(&kust.dir);
                    let path = free_path(
                        files,
                        &ctx.new_files,
                        &dir,
                        &format!("fluxport-{}-release.yaml", r.name),
                    );
                    let nl = files[kust.file].nl;
                    let text = render_patch(&r.name, &diff, nl);
                    ctx.new_files.insert(
                        path.clone(),
                        vec![
                            format!(
                                "# Generated by fluxport: in namespace `{ns}` HelmRelease `{}` keeps the release Flux v1 ran there (`{}`).",
                                r.name, release
                            ),
                            text,
                        ],
                    );
                    ctx.unlisted_files.insert(path.clone());
                    let base = &path[dir.len()..];
                    entries.entry(kust.file).or_default().push(format!(
                        "  - path: {}\n    target:\n      group: helm.toolkit.fluxcd.io\n      version: v2\n      kind: HelmRelease\n      name: {}\n",
                        emit::quote(base),
                        emit::quote(&r.name)
                    ));
                    let fields: Vec<String> = diff
                        .get("spec")
                        .and_then(J::as_object)
                        .map(|m| m.keys().map(|k| format!("`{k}`")).collect())
                        .unwrap_or_default();
                    let at = kust.namespace.as_ref().map(|s| s.node);
                    findings.push(Finding::new(
                        Code::OVERLAY_IDENTITY,
                        &files[kust.file].path,
                        at.map_or(0, |n| n.line() + files[kust.file].first_root_line_offset()),
                        at.map_or(0, |n| n.col()),
                        format!(
                            "builds HelmRelease `{}` (`{}`) into namespace `{ns}`, where v1 ran release `{release}`: the generated `{path}` (listed in its `patches:`) sets {}",
                            r.name,
                            files[*fi].path,
                            fields.join(", ")
                        ),
                    ));
                    outcome.insert(ns.to_string(), Ok(path));
                }
                Err(why) => {
                    outcome.insert(ns.to_string(), Err(why));
                }
            }
        }
        // What stays reported.
        let mut left: Vec<String> = Vec::new();
        for ns in &p.v1_namespaces {
            let ns = ns.as_deref().unwrap_or(default_ns);
            match outcome.get(ns) {
                Some(Ok(_)) => {}
                Some(Err(why)) => left.push(format!("`{ns}`: {why}")),
                None => left.push(format!(
                    "`{ns}`: no kustomization that builds it sets that namespace"
                )),
            }
        }
        let path = &files[*fi].path;
        let first = files[*fi].docs[*di].line_offset;
        let end = files[*fi]
            .docs
            .get(di + 1)
            .map_or(usize::MAX, |d| d.line_offset);
        let ours = |f: &Finding| {
            f.code == Code::OVERLAY_NAMESPACES_DIFFER
                && &f.file == path
                && first < f.line
                && f.line <= end
        };
        if left.is_empty() {
            ctx.findings.retain(|f| !ours(f));
        } else {
            for f in ctx.findings.iter_mut().filter(|f| ours(f)) {
                f.message = format!("{}; not carried over for {}", f.message, left.join("; "));
            }
        }
    }
    for (kf, list) in entries {
        let f = &files[kf];
        let root = f
            .first_root()
            .map(|(_, r)| r)
            .filter(|r| r.is_map() && !r.is_flow());
        match root.filter(|_| !f.untouchable) {
            Some(root) => {
                let edits =
                    crate::repo::discovery::append_to_lists(f, root, &[("patches", &list)]);
                ctx.edits.entry(kf).or_default().extend(edits);
            }
            None => findings.push(Finding::new(
                Code::STRAY_KUSTOMIZATION,
                &f.path,
                0,
                0,
                format!(
                    "fluxport could not add its generated release patches to the `patches:` of `{}`; add them by hand",
                    f.path
                ),
            )),
        }
    }
    ctx.findings.append(&mut findings);
}

/// The generated patch: apiVersion/kind, the name, and the diff.
fn render_patch(name: &str, diff: &J, nl: &str) -> String {
    let mut spec = Out::map();
    if let Some(J::Object(m)) = diff.get("spec") {
        for (k, v) in m {
            spec.push(k, from_json(v));
        }
    }
    let doc = Out::map()
        .s("apiVersion", "helm.toolkit.fluxcd.io/v2")
        .s("kind", "HelmRelease")
        .kv("metadata", Out::map().s("name", name).build())
        .kv("spec", spec.build())
        .build();
    emit::render(&doc, nl)
        .trim_end_matches(['\n', '\r'])
        .to_string()
}
