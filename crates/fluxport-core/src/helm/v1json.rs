//! One v1 HelmRelease as JSON, converted with the HelmRelease rules: the object a patch
//! application sees before and after the patch ([`states`]), read ([`with_v1`]) and
//! rendered to v2 JSON with its source named by the caller ([`convert_v1`]). Shared by
//! the patch conversion, the overlay sources and the per-overlay identity.

use crate::helm::helmrelease::{self, V1Release};
use crate::helm::smp;
use crate::helm::sources::{ResolvedSource, SourceSpec};
use crate::model::context::doc_ref;
use crate::model::document::{DocKind, LoadedFile};
use crate::model::files::InputFile;
use crate::model::finding::Finding;
use crate::model::options::Options;
use crate::repo::kustomize::ObjectRef;
use crate::yaml::emit::{self, from_json as json_out};
use crate::yaml::to_json;
use serde_json::Value as J;

/// One application of a patch document to an object: the object's source document,
/// the patch documents applied to it before this one (file, doc), and the
/// kustomization whose patch list applies it.
pub(crate) type Application = (ObjectRef, Vec<(usize, usize)>, usize);

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

/// Reads one v1 HelmRelease given as JSON and hands it to `f`; `Err` when it is not
/// convertible.
pub(crate) fn with_v1<T>(
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
