//! `images:` entries that set a container's image over a line an
//! ImageUpdateAutomation updates.
//!
//! kustomize's image transformer sets the image of every container whose image name
//! (without tag or digest) is an entry's `name`, in each kustomization of the build,
//! innermost first (the model records them, `Kustomization::images`, and which
//! kustomizations an object passed, `BuiltObject::via`). kustomize-controller's
//! generator merges a Flux Kustomization's `spec.images` into the path's
//! kustomization file (fluxcd/pkg `kustomize/kustomize_generator.go`
//! `Generator.GenerateManifest`: an entry of the same `name` gets the fields
//! `spec.images` sets, `newTag` and `digest` together; another is appended), so they
//! act last. One concept, [`Setter`], covers both.
//!
//! The image the cluster gets is the one of the last entry that sets `newTag` or
//! `digest`. A `$imagepolicy` marker an automation covers (`refs::Automated`) on the
//! container's `image:` line, or on an earlier entry, is updated in git but never
//! reaches the cluster when that last entry's own lines carry no covered marker:
//! `VERIFY_IMAGE_OVERRIDDEN` (warning), at the updated line. Names are followed
//! through `newName` (an outer entry matches the new name); `spec.images` matches the
//! name before the path's own kustomization renames it (the merge is by `name`).

use super::refs::Automated;
use super::{Ctx, Instance};
use crate::model::codes::Code;
use crate::model::finding::Finding;
use crate::model::image_ref;
use crate::model::workload;
use crate::repo::kustomize::Model;
use crate::yaml::Node;

/// One `images:` entry: a kustomization file's own, or an item of a Flux
/// Kustomization's `spec.images`.
struct Setter<'a> {
    name: &'a str,
    new_name: Option<&'a str>,
    /// Sets `newTag` or `digest`: the version the cluster gets.
    sets_version: bool,
    /// (file, line) of its `newName`, `newTag` and `digest` values.
    lines: Vec<(usize, usize)>,
    /// Where it is, for messages.
    origin: String,
    /// From `spec.images`: merged into the path's kustomization by name.
    spec: bool,
}

impl<'a> Setter<'a> {
    fn of(
        node: &'a Node,
        file: usize,
        offset: usize,
        origin: impl FnOnce(&str) -> String,
        spec: bool,
    ) -> Option<Self> {
        let str_of = |k: &str| node.get(k).and_then(Node::as_str).filter(|v| !v.is_empty());
        let name = str_of("name")?;
        let lines = ["newName", "newTag", "digest"]
            .iter()
            .filter_map(|k| node.get(k))
            .map(|n| (file, n.line() + offset))
            .collect();
        Some(Setter {
            name,
            new_name: str_of("newName"),
            sets_version: str_of("newTag").is_some() || str_of("digest").is_some(),
            lines,
            origin: origin(name),
            spec,
        })
    }
}

/// The setters that act on `o`, in the order kustomize applies them.
fn setters_of<'a>(ctx: &Ctx<'a>, model: &Model<'a>, o: &Instance<'a>) -> Vec<Setter<'a>> {
    let mut out = Vec::new();
    for &k in &o.via {
        let Some(k) = model.kustomization(k) else {
            continue;
        };
        let offset = ctx
            .files
            .get(k.file)
            .map_or(0, |f| f.first_root_line_offset());
        for i in &k.images {
            let origin = |n: &str| format!("the `images:` entry `{n}` of {}", k.path);
            out.extend(Setter::of(i.node, k.file, offset, origin, false));
        }
    }
    let Some((kf, kd)) = o.owner else {
        return out;
    };
    let Some((root, offset)) = ctx
        .files
        .get(kf)
        .and_then(|f| f.docs.get(kd))
        .and_then(|d| Some((d.root()?, d.line_offset)))
    else {
        return out;
    };
    let who = format!(
        "Kustomization {}/{}",
        super::str_at(root, &["metadata", "namespace"]).unwrap_or("default"),
        super::str_at(root, &["metadata", "name"]).unwrap_or("")
    );
    for i in root
        .path(&["spec", "images"])
        .map(Node::items)
        .unwrap_or(&[])
    {
        let origin = |n: &str| format!("`spec.images` entry `{n}` of {who}");
        out.extend(Setter::of(i, kf, offset, origin, true));
    }
    out
}

/// `VERIFY_IMAGE_OVERRIDDEN` for each built object's containers.
pub(super) fn check(ctx: &mut Ctx, model: &Model, all: &[Instance], automated: &Automated) {
    if automated.is_empty() {
        return;
    }
    let mut found = Vec::new();
    for o in all.iter().filter(|o| o.cluster.is_some()) {
        let setters = setters_of(ctx, model, o);
        if setters.is_empty() {
            continue;
        }
        let Some(w) = workload::workload(o.root) else {
            continue;
        };
        let offset = ctx.files[o.file]
            .docs
            .get(o.doc)
            .map_or(0, |d| d.line_offset);
        for (container, image) in &w.containers {
            let Some(written) = image.as_str() else {
                continue;
            };
            // The entries that act on this container, in order: the name follows
            // `newName`; `spec.images` merges by the name before the path's own
            // kustomization renames it.
            let mut name = image_ref::parse(written).name;
            let mut names_seen = vec![name.clone()];
            let mut acting: Vec<&Setter> = Vec::new();
            for s in &setters {
                let hit = if s.spec {
                    names_seen.iter().any(|n| n == s.name)
                } else {
                    s.name == name
                };
                if !hit {
                    continue;
                }
                acting.push(s);
                if let Some(n) = s.new_name {
                    name = n.to_string();
                    names_seen.push(name.clone());
                }
            }
            let Some(last) = acting.iter().rposition(|s| s.sets_version) else {
                continue;
            };
            let winner = acting[last];
            if winner.lines.iter().any(|l| automated.contains_key(l)) {
                continue;
            }
            // Updated lines the winner overrides: the container's, earlier entries'.
            let line = (o.file, image.line() + offset);
            let mut updated: Vec<((usize, usize), usize)> = Vec::new();
            if automated.contains_key(&line) {
                updated.push((line, image.col()));
            }
            for s in &acting[..last] {
                for l in s.lines.iter().filter(|l| automated.contains_key(l)) {
                    updated.push((*l, 1));
                }
            }
            for ((file, line), col) in updated {
                let policy = &automated[&(file, line)];
                let m = format!(
                    "ImagePolicy {policy}'s automation updates this line, but {} sets the image of container `{container}` of {} {} (`{written}` as written) in the build: the automation's commits never reach the cluster; put the marker on that entry's `newTag`, or remove the entry",
                    winner.origin,
                    o.kind,
                    o.id()
                );
                found.push(Finding::new(
                    Code::VERIFY_IMAGE_OVERRIDDEN,
                    &ctx.files[file].path,
                    line,
                    col,
                    m,
                ));
            }
        }
    }
    ctx.findings.extend(found);
}
