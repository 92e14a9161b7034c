//! What a Flux Kustomization's own spec adds to the build of its `spec.path`.
//!
//! kustomize-controller does not build the path as written: its generator
//! (fluxcd/pkg `kustomize/kustomize_generator.go`, `Generator.WriteFile` /
//! `GenerateManifest`) writes the spec into the path's kustomization file (generated
//! when the path has none) before `kustomize build`:
//! - `spec.namePrefix` / `spec.nameSuffix` *replace* that file's `namePrefix` /
//!   `nameSuffix` (`kus.NamePrefix = spec.NamePrefix` when set);
//! - `spec.patches` are appended to its `patches` (targets copied verbatim,
//!   `adaptSelector`), so they run in that kustomization's `patches` step, before its
//!   namespace and name transformers;
//! - `spec.targetNamespace` replaces its `namespace` (applied by `build_path`).
//!
//! Here, on the objects the path builds: a `spec.patches` target that selects none
//! of them is `VERIFY_PATCH_NO_TARGET` (kustomize applies nothing; the author meant
//! something), a target kustomize cannot compile is `VERIFY_BUILD`; then the names
//! change, with kustomize's skip list ([`keeps_name`]), so duplicate and reference
//! checks see the names the cluster gets. References inside the objects keep their
//! written names: kustomize's name-reference transformer does not know Flux kinds, so
//! a renamed HelmRepository leaves its HelmRelease's `sourceRef` dangling.
//!
//! A `spec.patches` item without `target` must name an object of the build by its own
//! identity ([`check_own_identity`]).
//!
//! `spec.components` must name local `Component` directories ([`add_components`]).
//!
//! `spec.commonMetadata` is set after the build and the substitution
//! ([`apply_common_metadata`]); `spec.images` is merged into the path's kustomization
//! (`verify/images.rs`, with the kustomization files' own `images:`).
//!
//! Not modelled: labels from the build's `commonLabels`/`labels` are not seen by
//! `spec.patches` label selectors (the written labels are).

use super::{str_at, Ctx, Instance};
use crate::model::codes::Code;
use crate::model::k8s_names as names;
use crate::repo::kustomize::{
    self, is_cluster_scoped, keeps_name, KustKind, Model, SelectedId, NO_NAMESPACE,
};
use crate::yaml::Node;
use std::collections::BTreeMap;
use std::rc::Rc;

/// Applies `owner`'s `spec.patches`, `spec.namePrefix` and `spec.nameSuffix` to
/// `out`, the objects of the build of `dir` (before `targetNamespace`).
pub(super) fn apply_spec<'a>(
    ctx: &mut Ctx<'a>,
    model: &Model,
    dir: &str,
    owner: &Instance,
    out: &mut [Instance<'a>],
) {
    check_patch_targets(ctx, owner, out);
    let file_kust = model
        .kustomization_in(dir)
        .and_then(|k| model.kustomization(k));
    let file_prefix = file_kust.and_then(|k| k.name_prefix.as_ref().map(|s| s.value.as_str()));
    let file_suffix = file_kust.and_then(|k| k.name_suffix.as_ref().map(|s| s.value.as_str()));
    // The CRD's `minLength: 1` rejects an empty one; the generator sets only a
    // non-empty one.
    let prefix = str_at(owner.root, &["spec", "namePrefix"]).filter(|s| !s.is_empty());
    let suffix = str_at(owner.root, &["spec", "nameSuffix"]).filter(|s| !s.is_empty());
    if prefix.is_none() && suffix.is_none() {
        return;
    }
    for o in out.iter_mut() {
        if keeps_name(&o.api_version, &o.kind) {
            continue;
        }
        let mut name = o.name.as_str();
        // The file's own prefix/suffix is the outermost one applied: replaced.
        if let (Some(_), Some(fp)) = (prefix, file_prefix) {
            name = name.strip_prefix(fp).unwrap_or(name);
        }
        if let (Some(_), Some(fs)) = (suffix, file_suffix) {
            name = name.strip_suffix(fs).unwrap_or(name);
        }
        o.name = format!(
            "{}{name}{}",
            prefix.or(file_prefix).unwrap_or(""),
            suffix.or(file_suffix).unwrap_or("")
        );
    }
}

fn check_patch_targets(ctx: &mut Ctx, owner: &Instance, out: &[Instance]) {
    let Some(patches) = owner.root.path(&["spec", "patches"]) else {
        return;
    };
    let who = format!("Kustomization {}/{}", owner.ns_or_default(), owner.name);
    for item in patches.items() {
        let Some(target) = item.get("target") else {
            check_own_identity(ctx, owner, &who, item, out);
            continue;
        };
        let sel = kustomize::selector(target);
        if let Some(e) = &sel.error {
            let m = format!("spec.patches of {who}: the target cannot be used: {e}");
            ctx.push(Code::VERIFY_BUILD, owner.file, owner.doc, Some(target), m);
            continue;
        }
        let hit = out.iter().any(|o| {
            sel.selects(&selected_id(
                o,
                &labels(o.root, "labels"),
                &labels(o.root, "annotations"),
            )) == Some(true)
        });
        if !hit {
            let m = format!(
                "spec.patches of {who}: the target selects no object of the build of `{}`",
                str_at(owner.root, &["spec", "path"]).unwrap_or("./")
            );
            ctx.push(
                Code::VERIFY_PATCH_NO_TARGET,
                owner.file,
                owner.doc,
                Some(target),
                m,
            );
        }
    }
}

/// `spec.components`: kustomize-controller's generator appends each to the path's
/// kustomization (`components`), after checking it is local and relative
/// (`IsLocalRelativePath`) and dropping a missing one when
/// `spec.ignoreMissingComponents` is set (fluxcd/pkg `kustomize_generator.go`).
/// kustomize then requires a directory whose kustomization file is a `Component`. Each
/// problem is `VERIFY_BUILD`; a component's own objects join the build (its patches
/// and transformers are not applied to the including build's objects here).
pub(super) fn add_components<'a>(
    ctx: &mut Ctx<'a>,
    model: &Model,
    dir: &str,
    owner: &Instance,
    out: &mut Vec<Instance<'a>>,
) {
    let Some(list) = owner.root.path(&["spec", "components"]) else {
        return;
    };
    let ignore_missing = owner
        .root
        .path(&["spec", "ignoreMissingComponents"])
        .and_then(Node::as_bool)
        == Some(true);
    let who = format!("Kustomization {}/{}", owner.ns_or_default(), owner.name);
    for item in list.items() {
        let Some(c) = item.as_str() else {
            continue; // a schema finding
        };
        let lower = c.to_ascii_lowercase();
        let remote = [
            "git::",
            "gh:",
            "ssh://",
            "https://",
            "http://",
            "git@",
            "github.com:",
            "github.com/",
        ]
        .iter()
        .any(|p| p.len() < lower.len() && lower.starts_with(p));
        let absolute = c.starts_with('/') || lower.trim_start_matches("file://").starts_with('/');
        let problem = if remote || absolute {
            Some(format!(
                "spec.components of {who}: `{c}` must be a local, relative path (kustomize-controller: `component path '{c}' must be local and relative`)"
            ))
        } else {
            let joined = if dir.is_empty() {
                c.to_string()
            } else {
                format!("{dir}/{c}")
            };
            match super::normalise(&joined) {
                None => Some(format!(
                    "spec.components of {who}: `{c}` leaves the source's root"
                )),
                Some(d) => {
                    let prefix = format!("{d}/");
                    let exists = ctx.files.iter().any(|f| f.path.starts_with(&prefix));
                    match model.kustomization_in(&d).and_then(|k| model.kustomization(k)) {
                        _ if !exists && ignore_missing => None,
                        _ if !exists => Some(format!(
                            "spec.components of {who}: `{c}` names no directory of the repository (set spec.ignoreMissingComponents if that is intended)"
                        )),
                        None => Some(format!(
                            "spec.components of {who}: `{d}` has no kustomization file; kustomize needs a `kind: Component` there"
                        )),
                        Some(k) if k.kind != KustKind::Component => Some(format!(
                            "spec.components of {who}: the kustomization file of `{d}` is not `kind: Component`; kustomize refuses it as a component"
                        )),
                        Some(_) => {
                            super::add_model_build(ctx, model, &d, out);
                            None
                        }
                    }
                }
            }
        };
        if let Some(m) = problem {
            ctx.push(Code::VERIFY_BUILD, owner.file, owner.doc, Some(item), m);
        }
    }
}

/// A `spec.patches` item without `target`: kustomize's `PatchTransformer` takes a
/// strategic-merge patch's own identity as its target (`GetById(patch.OrgId())`:
/// apiVersion and kind exactly, name and namespace equal to an object's current or
/// original ones) and fails the build when no object has it (`failed to find unique
/// target for patch`); a JSON 6902 patch needs a target (`must specify a target for
/// patch`). Both are `VERIFY_BUILD`: kustomize-controller's whole apply stops.
fn check_own_identity(ctx: &mut Ctx, owner: &Instance, who: &str, item: &Node, out: &[Instance]) {
    let Some(text) = item.get("patch").and_then(Node::as_str) else {
        return; // the CRD requires `patch`: a schema finding
    };
    let (format, docs, error) = kustomize::parse_inline(text);
    let at = item.get("patch");
    let problem = match (format, error) {
        (_, Some(e)) => Some(format!("spec.patches of {who}: the patch cannot be read ({e})")),
        (kustomize::PatchFormat::Json6902, _) => Some(format!(
            "spec.patches of {who}: a JSON 6902 patch without `target`; kustomize fails with `must specify a target for patch`"
        )),
        _ => docs.iter().find_map(|d| {
            let ns = if is_cluster_scoped(&d.api_version, &d.kind) {
                NO_NAMESPACE
            } else {
                d.namespace.as_deref().unwrap_or("default")
            };
            let hit = out.iter().any(|o| {
                let written = str_at(o.root, &["metadata", "name"]).unwrap_or("");
                let id = selected_id(o, &[], &[]);
                o.api_version == d.api_version
                    && o.kind == d.kind
                    && ((o.name == d.name && id.namespaces[1] == ns)
                        || (written == d.name && id.namespaces[0] == ns))
            });
            (!hit).then(|| {
                format!(
                    "spec.patches of {who}: the patch has no `target`, so its own identity is the target, and no object of the build of `{}` is {} {} `{}/{}`; kustomize fails with `failed to find unique target for patch`",
                    str_at(owner.root, &["spec", "path"]).unwrap_or("./"),
                    d.api_version,
                    d.kind,
                    ns,
                    d.name
                )
            })
        }),
    };
    if let Some(m) = problem {
        ctx.push(
            Code::VERIFY_BUILD,
            owner.file,
            owner.doc,
            at.or(Some(item)),
            m,
        );
    }
}

/// The object as a selector sees it in the kustomization's `patches` step: original
/// (written) and current name and namespace.
fn selected_id<'s>(
    o: &'s Instance,
    labels: &'s [(String, String)],
    annotations: &'s [(String, String)],
) -> SelectedId<'s> {
    let (org_ns, ns) = if o.cluster_scoped {
        (NO_NAMESPACE, NO_NAMESPACE)
    } else {
        (
            str_at(o.root, &["metadata", "namespace"])
                .filter(|n| !n.is_empty())
                .unwrap_or("default"),
            o.ns_or_default(),
        )
    };
    SelectedId {
        api_version: &o.api_version,
        kind: &o.kind,
        names: [str_at(o.root, &["metadata", "name"]).unwrap_or(""), &o.name],
        namespaces: [org_ns, ns],
        labels,
        annotations,
    }
}

/// `metadata.labels` / `metadata.annotations` as written.
fn labels(root: &Node, field: &str) -> Vec<(String, String)> {
    root.path(&["metadata", field])
        .map(|m| {
            m.entries()
                .iter()
                .filter_map(|e| Some((e.key.as_str()?.to_string(), e.value.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// `spec.commonMetadata`: kustomize-controller sets these labels and annotations on
/// every object when it applies (`KustomizationReconciler.apply` in
/// `internal/controller/kustomization_controller.go` calls fluxcd/pkg
/// `ssa/utils/meta.go` `SetCommonMetadata`, which overrides keys), after the build and
/// the postBuild substitution (`build`), not through the generator. So:
/// - kustomize selectors (`spec.patches` targets, the path's own patches) never see
///   them; selectors of the cluster do: the labels join each object's
///   ([`Instance::common_labels`]) for an ImageUpdateAutomation's `policySelector`;
/// - `kustomize.toolkit.fluxcd.io/substitute: disabled` there disables nothing
///   (`VERIFY_COMMON_METADATA_AFTER_SUBSTITUTION`);
/// - `kustomize.toolkit.fluxcd.io/reconcile: disabled` or
///   `kustomize.toolkit.fluxcd.io/ssa: ignore` there matches the apply's
///   `ExclusionSelector` on every object (`ssa/manager_apply.go` `shouldSkipApply`,
///   `utils.AnyInMetadata`: case-insensitive values), so nothing is applied
///   (`VERIFY_COMMON_METADATA_SKIPS_APPLY`);
/// - the CRD declares only `additionalProperties: string`: a key or value the API
///   server refuses (`ValidateLabels`, `ValidateAnnotations`) fails the whole apply
///   (`VERIFY_COMMON_METADATA_INVALID`).
pub(super) fn apply_common_metadata(ctx: &mut Ctx, owner: &Instance, out: &mut [Instance]) {
    let Some(meta) = owner.root.path(&["spec", "commonMetadata"]) else {
        return;
    };
    let who = format!("Kustomization {}/{}", owner.ns_or_default(), owner.name);
    let mut labels = BTreeMap::new();
    for field in ["labels", "annotations"] {
        let Some(map) = meta.get(field) else { continue };
        for e in map.entries() {
            let (Some(k), Some(v)) = (e.key.as_str(), e.value.as_str()) else {
                continue; // not a string: a schema finding
            };
            let invalid = if field == "labels" {
                names::qualified_name_error(k)
                    .map(|why| (&e.key, format!("label key `{k}` {why}")))
                    .or_else(|| {
                        names::label_value_error(v)
                            .map(|why| (&e.value, format!("label value `{v}` of `{k}` {why}")))
                    })
            } else {
                names::qualified_name_error(&k.to_ascii_lowercase())
                    .map(|why| (&e.key, format!("annotation key `{k}` {why}")))
            };
            if let Some((node, what)) = invalid {
                let m = format!(
                    "spec.commonMetadata.{field} of {who}: {what}; the API server rejects every object of the build with it, so the whole apply fails"
                );
                ctx.push(
                    Code::VERIFY_COMMON_METADATA_INVALID,
                    owner.file,
                    owner.doc,
                    Some(node),
                    m,
                );
            }
            if k == SUBSTITUTE_KEY
                && v == "disabled"
                && owner.root.path(&["spec", "postBuild"]).is_some()
            {
                let m = format!(
                    "spec.commonMetadata.{field} of {who} sets `{k}: disabled`, but common metadata is set when applying, after postBuild substitution: every object is substituted anyway"
                );
                ctx.push(
                    Code::VERIFY_COMMON_METADATA_AFTER_SUBSTITUTION,
                    owner.file,
                    owner.doc,
                    Some(&e.key),
                    m,
                );
            }
            if EXCLUSIONS
                .iter()
                .any(|(ek, ev)| k == *ek && v.eq_ignore_ascii_case(ev))
            {
                let m = format!(
                    "spec.commonMetadata.{field} of {who} sets `{k}: {v}` on every object, so the apply's exclusion selector skips them all: the Kustomization applies nothing of `{}`",
                    str_at(owner.root, &["spec", "path"]).unwrap_or("./")
                );
                ctx.push(
                    Code::VERIFY_COMMON_METADATA_SKIPS_APPLY,
                    owner.file,
                    owner.doc,
                    Some(&e.key),
                    m,
                );
            }
            if field == "labels" {
                labels.insert(k.to_string(), v.to_string());
            }
        }
    }
    if labels.is_empty() {
        return;
    }
    let labels = Rc::new(labels);
    for o in out.iter_mut() {
        o.common_labels = Some(Rc::clone(&labels));
    }
}

const SUBSTITUTE_KEY: &str = "kustomize.toolkit.fluxcd.io/substitute";

/// kustomize-controller's `applyOpts.ExclusionSelector` (`kustomization_controller.go`
/// `apply`: `{group}/reconcile: disabled`, `{group}/ssa: Ignore`).
const EXCLUSIONS: [(&str, &str); 2] = [
    ("kustomize.toolkit.fluxcd.io/reconcile", "disabled"),
    ("kustomize.toolkit.fluxcd.io/ssa", "Ignore"),
];
