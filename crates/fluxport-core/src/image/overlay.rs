//! Image automation set by kustomize patches (issue 12 §3, MAPPING.md §4, ADR 0007).
//!
//! In v1 a patch that carries policy annotations (`fluxcd.io/automated`,
//! `fluxcd.io/tag.<container>`, `filter.fluxcd.io/…`) changes the automation of the
//! object it patches *in that overlay only*: prod follows `glob:prod-*`, dev
//! `glob:dev-*`, one base. The annotations mean nothing to Flux v2, so they are
//! dropped from the patch; what they did is carried over here, per application of the
//! patch document (base, then the earlier patches, then this one; see
//! [`Model::file_patch_uses`]):
//!
//! * The merged object's policies equal the base's (the same automation, or none
//!   either way): nothing is lost. Most real overlays repeat the base's annotations.
//! * The overlay's automation is on: every container whose image line is in the
//!   patch (a HelmRelease's values field, a workload's `image:`) gets an ImagePolicy
//!   of this overlay, with the overlay's filter, and the marker on that line of the
//!   patch (OVERLAY_IMAGE_POLICY). The base keeps its own policy and marker; in this
//!   overlay the patch's line wins, as in the build.
//! * A container whose image line is only in the base: a HelmRelease patch gains the
//!   field (the merged object's value, so the build does not change; written by
//!   `helm::patches` from `ctx.value_additions`), a workload overlay an `images:`
//!   entry in the kustomization that lists the patch.
//! * What cannot be carried over is reported (PATCH_AUTOMATION_DROPPED), with what to
//!   change: no line can be added (the patch's values already have the field's parent
//!   key; another container of the build has the same image), or an overlay
//!   that turns off the base's automation without pinning the image (the base's
//!   marker would update this overlay too).
//!
//! Containers of a merged workload are the base's; a container the patch names (by
//! `name`, kustomize's merge key for pod containers) takes the patch's `image`.

use super::{container_filter, marker, marker_at, new_found, Env, Found};
use crate::helm::smp;
use crate::model::codes::Code;
use crate::model::context::{doc_ref, ValueAddition};
use crate::model::document::{DocKind, LoadedFile};
use crate::model::finding::Finding;
use crate::model::naming::dns1123;
use crate::model::paths::dir_of;
use crate::model::sync_root::roots_of;
use crate::model::{image_ref as refs, workload};
use crate::repo::kustomize::{Model, ObjectRef};
use crate::text::TextEdit;
use crate::yaml::{to_json, Node};
use serde_json::Value as J;
use std::collections::BTreeMap;

use super::{helm, policy};

/// Where the plan collects what it writes (the image stage's buffers).
pub(super) struct Sink<'s> {
    pub found: &'s mut Vec<Found>,
    pub findings: &'s mut Vec<Finding>,
    pub edits: &'s mut Vec<(usize, TextEdit)>,
    pub value_edits: &'s mut Vec<((usize, usize), TextEdit)>,
    pub policies: &'s mut Vec<((usize, usize, String), String)>,
    pub built: &'s mut BTreeMap<(String, String, String, String), String>,
    pub additions: &'s mut BTreeMap<(usize, usize), Vec<ValueAddition>>,
}

/// Records an overlay policy under every build that emits `target` with patch
/// document `patch` applied (see `Context::built_policies`).
fn record_built(
    model: &Model,
    sink: &mut Sink,
    patch: ObjectRef,
    target: ObjectRef,
    container: &str,
    policy: &str,
) {
    for k in 0..model.kustomizations().len() {
        let Some(b) = model.build_of(k) else { continue };
        for o in b.find(target) {
            let applied = o.patches.iter().any(|h| {
                model
                    .kustomization(h.kustomization)
                    .and_then(|kust| kust.patches.get(h.patch))
                    .is_some_and(|p| {
                        matches!(p.path.as_ref().map(|e| &e.resolved), Some(crate::repo::kustomize::Resolved::File(f)) if *f == patch.file)
                            && p.docs.get(h.doc).and_then(|d| d.doc) == Some(patch.doc)
                    })
            });
            let Some(short) = workload::kind_short(&o.kind).filter(|_| applied) else {
                continue;
            };
            sink.built.insert(
                (
                    b.dir.trim_end_matches('/').to_string(),
                    short.to_string(),
                    o.name.clone(),
                    container.to_string(),
                ),
                policy.to_string(),
            );
        }
    }
}

/// True for documents the overlay plan owns: kustomize patch documents of v1
/// HelmReleases and of workloads. The per-document plan leaves their policies to
/// [`plan`] (a patch alone says nothing about the object it patches).
pub(super) fn is_patch(model: &Model, file: usize, doc: usize) -> bool {
    model.is_patch_doc(ObjectRef { file, doc })
}

/// The automation-relevant part of a set of policies: off, or on with the lock and
/// the per-container filters.
fn effect(p: &policy::Policies) -> Option<(bool, &BTreeMap<String, String>)> {
    p.is_automated().then_some((p.locked, &p.tags))
}

fn policies_of(obj: &J) -> policy::Policies {
    let ann = obj
        .get("metadata")
        .and_then(|m| m.get("annotations"))
        .and_then(J::as_object);
    policy::from_pairs(ann.into_iter().flatten().map(|(k, v)| {
        let v = match v {
            J::String(s) => s.clone(),
            J::Null => String::new(),
            other => other.to_string(),
        };
        (k.as_str(), v)
    }))
}

/// The filter text of a container under a set of policies (v1's default `glob:*`).
fn filter_of<'p>(p: &'p policy::Policies, container: &str) -> &'p str {
    p.tags
        .get(container)
        .map(String::as_str)
        .unwrap_or("glob:*")
}

/// A merged object as a parsed tree, for the readers that work on nodes.
fn tree(v: &J, opts: &crate::model::options::Options) -> Option<Node> {
    let text = crate::yaml::emit::render(&crate::yaml::emit::from_json(v), "\n");
    crate::yaml::parse_document(&text, opts.limits.max_depth, opts.limits.max_aliases)
        .ok()
        .and_then(|d| d.root)
}

/// The keys leading from `root` to `target` (the same node, by address).
fn path_to<'n>(root: &'n Node, target: &Node) -> Option<Vec<&'n str>> {
    if std::ptr::eq(root, target) {
        return Some(Vec::new());
    }
    for e in root.entries() {
        let Some(k) = e.key.as_str() else { continue };
        if let Some(mut rest) = path_to(&e.value, target) {
            rest.insert(0, k);
            return Some(rest);
        }
    }
    None
}

/// (container name, image) of a workload given as JSON: containers, then init
/// containers.
fn json_containers(obj: &J) -> Vec<(String, String)> {
    let pod = if obj.get("kind").and_then(J::as_str) == Some("CronJob") {
        obj.pointer("/spec/jobTemplate/spec/template/spec")
    } else {
        obj.pointer("/spec/template/spec")
    };
    let mut out = Vec::new();
    for key in ["containers", "initContainers"] {
        for c in pod
            .and_then(|p| p.get(key))
            .and_then(J::as_array)
            .into_iter()
            .flatten()
        {
            if let (Some(n), Some(i)) = (
                c.get("name").and_then(J::as_str),
                c.get("image").and_then(J::as_str),
            ) {
                out.push((n.to_string(), i.to_string()));
            }
        }
    }
    out
}

/// One container the merged object runs, and the line of the patch that sets its
/// image, if the patch has one.
struct Line<'a> {
    container: String,
    image: String,
    tag: Option<String>,
    /// The patch's node and the marker's suffix (`""` or `":tag"`).
    node: Option<(&'a Node, &'static str)>,
    /// For a HelmRelease: the keys below `spec.values` of the image field, its value in
    /// the merged object and the marker's suffix (to add the field to the patch).
    field: Option<(Vec<String>, String, &'static str)>,
}

fn workload_lines<'a>(patch: &'a Node, after: &J) -> Vec<Line<'a>> {
    let own = workload::workload(patch);
    json_containers(after)
        .into_iter()
        .map(|(container, image)| {
            let r = refs::parse(&image);
            let node = own
                .as_ref()
                .and_then(|w| w.containers.iter().find(|(n, _)| *n == container))
                .map(|(_, n)| (*n, ""));
            Line {
                container,
                image: r.name,
                tag: r.tag,
                node,
                field: None,
            }
        })
        .collect()
}

fn release_lines<'a>(
    patch: &'a Node,
    after: &J,
    opts: &crate::model::options::Options,
) -> Vec<Line<'a>> {
    let Some(t) = tree(after, opts) else {
        return Vec::new();
    };
    let Some(values) = t.path(&["spec", "values"]).filter(|v| v.is_map()) else {
        return Vec::new();
    };
    let maps = helm::mappings(t.path(&["metadata", "annotations"]));
    let own = patch.path(&["spec", "values"]);
    helm::containers(values, &maps)
        .into_iter()
        .filter_map(|c| {
            let (at, suffix) = match c.marker {
                helm::Marker::Full(n) => (n, ""),
                helm::Marker::Tag(n) => (n, ":tag"),
                // Reported on the base's own conversion (no v2 setter writes it).
                helm::Marker::Unsupported(_) => return None,
            };
            let keys = path_to(values, at);
            let node = keys
                .as_ref()
                .and_then(|keys| own.and_then(|v| v.path(keys)))
                .filter(|n| n.as_str().is_some())
                .map(|n| (n, suffix));
            let field = keys.zip(at.as_str()).map(|(k, v)| {
                (
                    k.into_iter().map(str::to_string).collect(),
                    v.to_string(),
                    suffix,
                )
            });
            Some(Line {
                container: c.name,
                image: c.image,
                tag: c.tag,
                node,
                field,
            })
        })
        .collect()
}

/// Plans the automation of every patch document (see the module docs).
pub(super) fn plan(
    files: &[LoadedFile],
    model: &Model,
    env: &Env,
    opts: &crate::model::options::Options,
    sink: &mut Sink,
) {
    // New `images:` entries, per (kustomization file, offset): the head and the items.
    let mut new_entries: BTreeMap<(usize, usize), (String, Vec<String>)> = BTreeMap::new();
    for (p, uses) in model.file_patch_uses() {
        let f = &files[p.file];
        if f.untouchable {
            continue;
        }
        let d = &f.docs[p.doc];
        let (Some(root), Some(doc)) = (d.root(), doc_ref(files, p.file, p.doc)) else {
            continue;
        };
        let is_release = matches!(d.kind, DocKind::HelmReleaseV1(_));
        let kind = root.get("kind").and_then(Node::as_str).unwrap_or("");
        let short = if is_release {
            "hr"
        } else if let (DocKind::Object { .. }, Some(s)) = (&d.kind, workload::kind_short(kind)) {
            s
        } else {
            continue;
        };
        let ann = root.get("metadata").and_then(|m| m.entry("annotations"));
        let mut scratch = Vec::new();
        if policy::read(&doc, ann.map(|e| &e.value), &mut scratch)
            .converted
            .is_empty()
        {
            // No policy annotation: the overlay automates as its base does.
            continue;
        }
        let patch_json = to_json(root);
        let roots = {
            let mut r = roots_of(env.ctx_roots, &f.path);
            if r.is_empty() {
                r.push(usize::MAX);
            }
            r
        };
        let overlay = dir_of(&f.path).trim_end_matches('/').replace('/', "-");
        let mut planned: Vec<String> = Vec::new();
        for u in &uses {
            let Some(base) = files
                .get(u.target.file)
                .and_then(|bf| bf.docs.get(u.target.doc))
                .and_then(|bd| bd.root())
            else {
                continue;
            };
            let mut before = to_json(base);
            for e in &u.earlier {
                if let Some(r) = files[e.file].docs[e.doc].root() {
                    smp::merge(&mut before, &to_json(r));
                }
            }
            let mut after = before.clone();
            if is_release {
                smp::merge(&mut after, &patch_json);
            } else {
                // Only the annotations merge here; containers come from the base with
                // the patch's images (see the module docs).
                if let Some(a) = patch_json.pointer("/metadata/annotations") {
                    let meta = after
                        .as_object_mut()
                        .map(|o| o.entry("metadata").or_insert(J::Object(Default::default())));
                    if let Some(J::Object(m)) = meta {
                        let e = m
                            .entry("annotations")
                            .or_insert(J::Object(Default::default()));
                        smp::merge(e, a);
                    }
                }
            }
            let (pb, pa) = (policies_of(&before), policies_of(&after));
            if effect(&pb) == effect(&pa) {
                continue;
            }
            let mut lines = if is_release {
                release_lines(root, &after, opts)
            } else {
                let mut merged = before.clone();
                for (name, image) in workload_lines_patch_images(&patch_json) {
                    set_image(&mut merged, &name, &image);
                }
                workload_lines(root, &merged)
            };
            lines.sort_by(|a, b| a.container.cmp(&b.container));
            let name = after
                .pointer("/metadata/name")
                .and_then(J::as_str)
                .unwrap_or("");
            // The namespace the object has in the build that lists the patch.
            let ns = model
                .build_of(u.kustomization)
                .and_then(|b| b.find(u.target).next())
                .and_then(|o| o.namespace.clone())
                .or_else(|| {
                    after
                        .pointer("/metadata/namespace")
                        .and_then(J::as_str)
                        .map(str::to_string)
                })
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| env.default_ns.clone());
            if !pa.is_automated() {
                // The overlay stops or locks automation the base has: only a pinned
                // image keeps the base's marker from updating this overlay.
                let unpinned: Vec<&str> = lines
                    .iter()
                    .filter(|l| l.node.is_none())
                    .map(|l| l.container.as_str())
                    .collect();
                if !unpinned.is_empty() {
                    sink.findings.push(doc.finding(
                        Code::PATCH_AUTOMATION_DROPPED,
                        ann.map(|e| &e.key),
                        format!(
                            "this overlay turns off the automation its base has, but the base's marker will update it in v2 too (container{} `{}`); pin the image{} in this patch",
                            if unpinned.len() == 1 { "" } else { "s" },
                            unpinned.join("`, `"),
                            if is_release { " fields of the values" } else { "" }
                        ),
                    ));
                }
                continue;
            }
            for l in &lines {
                let overlay_filter = filter_of(&pa, &l.container);
                let base_filter = pb.is_automated().then(|| filter_of(&pb, &l.container));
                let base_says = match base_filter {
                    Some(b) => format!("`{b}`"),
                    None => "not automated".into(),
                };
                // Where the marker goes: the patch's own line, or one added for it.
                let mark = match l.node {
                    Some((node, suffix)) => Ok(MarkAt::Line(node, suffix)),
                    None if base_filter == Some(overlay_filter) => continue,
                    None if is_release => addable(root, l).map(|(k, v, s)| MarkAt::Field(k, v, s)),
                    None => {
                        image_entry(files, model, u.kustomization, u.target, l).map(MarkAt::Images)
                    }
                };
                let mark = match mark {
                    Ok(m) => m,
                    Err(why) => {
                        sink.findings.push(doc.finding(
                            Code::PATCH_AUTOMATION_DROPPED,
                            ann.map(|e| &e.key),
                            format!(
                                "container `{}`: this overlay automates it with `{overlay_filter}` (the base: {base_says}), but {why}",
                                l.container
                            ),
                        ));
                        continue;
                    }
                };
                let Some(at) = (match &mark {
                    MarkAt::Line(node, _) => Some(*node),
                    _ => ann.map(|e| &e.key),
                }) else {
                    continue;
                };
                let Some(filter) =
                    container_filter(env, &doc, at, &l.container, &pa, &l.image, sink.findings)
                else {
                    continue;
                };
                let pname = dns1123(&format!("{ns}-{name}-{short}-{}-{overlay}", l.container));
                if planned.contains(&pname) {
                    continue;
                }
                let tail = match &mark {
                    MarkAt::Line(node, suffix) => {
                        let Ok(end) = marker_at(doc.text, node) else {
                            sink.findings.push(doc.finding(
                                Code::MARKER_NOT_WRITTEN,
                                Some(node),
                                format!(
                                    "container `{}`: no marker could be added to this line",
                                    l.container
                                ),
                            ));
                            continue;
                        };
                        let m = marker(&env.ns, &pname, suffix);
                        if !is_release {
                            sink.edits
                                .push((p.file, TextEdit::insert(d.start + end, m)));
                        } else if *suffix == ":tag" && !node.is_string() {
                            let t = node.as_str().unwrap_or("");
                            sink.findings.push(doc.finding(
                                Code::NONSTRING_TAG,
                                Some(node),
                                format!(
                                    "container `{}`: tag `{t}` is not a YAML string; quoted as \"{t}\"",
                                    l.container
                                ),
                            ));
                            sink.value_edits.push((
                                (p.file, p.doc),
                                TextEdit::replace(node.start(), end, format!("\"{t}\"{m}")),
                            ));
                        } else {
                            sink.value_edits
                                .push(((p.file, p.doc), TextEdit::insert(end, m)));
                        }
                        ", with its marker on this line".to_string()
                    }
                    MarkAt::Field(keys, value, suffix) => {
                        let m = marker(&env.ns, &pname, suffix);
                        sink.additions
                            .entry((p.file, p.doc))
                            .or_default()
                            .push(ValueAddition {
                                keys: keys.clone(),
                                value: value.clone(),
                                comment: m
                                    .trim_start()
                                    .trim_start_matches('#')
                                    .trim_start()
                                    .to_string(),
                            });
                        format!(
                            "; its image is set only in the base, so the patch's values gained `{}: {value}` (the value it has in this overlay) with the marker",
                            keys.join(".")
                        )
                    }
                    MarkAt::Images(entry) => {
                        let m = marker(&env.ns, &pname, ":tag");
                        if entry.added {
                            new_entries
                                .entry((entry.file, entry.at))
                                .or_insert_with(|| (entry.head.clone(), Vec::new()))
                                .1
                                .push(format!("{}{m}\n", entry.item));
                        } else {
                            sink.edits.push((entry.file, TextEdit::insert(entry.at, m)));
                        }
                        format!(
                            "; its image is set only in the base, so the marker is on {} `images:` entry for `{}` in {}, the overlay's kustomization",
                            if entry.added { "a new" } else { "the" },
                            l.image,
                            files[entry.file].path
                        )
                    }
                };
                planned.push(pname.clone());
                record_built(model, sink, p, u.target, &l.container, &pname);
                sink.policies
                    .push(((p.file, p.doc, l.container.clone()), pname.clone()));
                sink.findings.push(doc.finding(
                    Code::OVERLAY_IMAGE_POLICY,
                    Some(at),
                    format!(
                        "container `{}`: this overlay's automation (`{overlay_filter}`; the base: {base_says}) became ImagePolicy `{pname}`{tail}",
                        l.container
                    ),
                ));
                let tag = match &mark {
                    MarkAt::Images(entry) => Some(entry.tag.as_str()),
                    _ => l.tag.as_deref(),
                };
                sink.found.push(new_found(
                    env,
                    &roots,
                    &l.image,
                    None,
                    pname,
                    filter,
                    &pa,
                    &doc,
                    at,
                    tag,
                    &l.container,
                    sink.findings,
                ));
            }
        }
    }
    for ((file, at), (head, items)) in new_entries {
        sink.edits.push((
            file,
            TextEdit::insert(at, format!("{head}{}", items.concat())),
        ));
    }
}

/// The field to add to a HelmRelease patch's values for a container whose image is set
/// only in the base: possible when the patch has no `spec.values`, or a block mapping
/// that does not have the field's first key (the new key goes at its end).
fn addable(patch: &Node, l: &Line) -> Result<(Vec<String>, String, &'static str), String> {
    let (keys, value, suffix) = l
        .field
        .clone()
        .ok_or("its image is set only in the base, in a form no line of this overlay can carry a marker for")?;
    let Some(values) = patch.path(&["spec", "values"]) else {
        return Ok((keys, value, suffix));
    };
    if !values.is_map() || values.is_flow() {
        return Err("its image is set only in the base, and this patch's values are not a block mapping the field can be added to; add the image fields to the values and convert again".into());
    }
    if keys.first().is_some_and(|k| values.get(k).is_some()) {
        return Err(format!(
            "its image is set only in the base, and this patch's values already have `{}` without the image field; add `{}` to this patch and convert again",
            keys[0],
            keys.join(".")
        ));
    }
    Ok((keys, value, suffix))
}

/// (container name, image) pairs a workload patch sets.
fn workload_lines_patch_images(patch: &J) -> Vec<(String, String)> {
    json_containers(patch)
}

/// Sets the image of the named container of a workload given as JSON.
fn set_image(obj: &mut J, container: &str, image: &str) {
    let cron = obj.get("kind").and_then(J::as_str) == Some("CronJob");
    let pod = if cron {
        obj.pointer_mut("/spec/jobTemplate/spec/template/spec")
    } else {
        obj.pointer_mut("/spec/template/spec")
    };
    let Some(pod) = pod else { return };
    for key in ["containers", "initContainers"] {
        for c in pod
            .get_mut(key)
            .and_then(J::as_array_mut)
            .into_iter()
            .flatten()
        {
            if c.get("name").and_then(J::as_str) == Some(container) {
                if let Some(m) = c.as_object_mut() {
                    m.insert("image".into(), J::String(image.to_string()));
                }
            }
        }
    }
}

/// Where an overlay policy's marker goes.
enum MarkAt<'n> {
    /// The patch's own image line, with the marker's suffix.
    Line(&'n Node, &'static str),
    /// A field added to a HelmRelease patch's values: keys, value, suffix.
    Field(Vec<String>, String, &'static str),
    /// An `images:` entry of the kustomization that lists a workload patch.
    Images(ImageEntry),
}

/// An `images:` entry of a kustomization that carries a workload's marker: the
/// existing entry for the image, or one to add.
struct ImageEntry {
    file: usize,
    /// Where the marker goes (after the entry's `newTag` value), or where new entries
    /// are inserted.
    at: usize,
    /// For new entries: what comes before them (`images:` when the key is new).
    head: String,
    /// For a new entry: its text up to the `newTag` value.
    item: String,
    tag: String,
    added: bool,
}

/// The `images:` entry of the kustomization listing a workload patch that can carry
/// the marker of a container whose image is set only in the base (kustomize's images
/// transformer runs after the patches, so the entry sets the tag in that build);
/// `Err` says why not.
fn image_entry(
    files: &[LoadedFile],
    model: &Model,
    kustomization: usize,
    target: ObjectRef,
    l: &Line,
) -> Result<ImageEntry, String> {
    let kust = model
        .kustomization(kustomization)
        .ok_or("the kustomization listing this patch is unknown")?;
    let kf = &files[kust.file];
    let no_line = "its image is set only in the base";
    let (Some(text), Some((di, kroot))) = (kf.text.as_deref(), kf.first_root()) else {
        return Err(format!("{no_line}, and {} cannot be edited", kf.path));
    };
    if kf.untouchable || !kroot.is_map() || kroot.is_flow() {
        return Err(format!(
            "{no_line}, and {} is not a block mapping that can be edited",
            kf.path
        ));
    }
    // Every other container of that build with the same image would be retagged too.
    if let Some(build) = model.build_of(kustomization) {
        for o in build.live() {
            let Some(root) = files[o.source.file].docs[o.source.doc].root() else {
                continue;
            };
            let Some(w) = workload::workload(root) else {
                continue;
            };
            for (c, img) in &w.containers {
                let same = img.as_str().map(|i| refs::parse(i).name) == Some(l.image.clone());
                if same && (o.source != target || *c != l.container) {
                    return Err(format!(
                        "{no_line}, and an `images:` entry for `{}` in {} would retag container `{c}` of {} `{}` too; add the container's `image:` to this patch and convert again",
                        l.image, kf.path, o.kind, o.name
                    ));
                }
            }
        }
    }
    let d = &kf.docs[di];
    let start = d.start;
    if let Some(i) = kust
        .images
        .iter()
        .find(|i| i.name.as_deref() == Some(l.image.as_str()))
    {
        if i.digest.is_some() {
            return Err(format!(
                "{no_line}, and the `images:` entry for `{}` in {} pins a digest",
                l.image, kf.path
            ));
        }
        let tag = i
            .node
            .get("newTag")
            .ok_or_else(|| format!("{no_line}, and the `images:` entry for `{}` in {} has no `newTag` to carry the marker", l.image, kf.path))?;
        let at = marker_at(&text[start..], tag).map_err(|_| {
            format!(
                "{no_line}, and the `newTag` line of `{}` in {} cannot carry a marker",
                l.image, kf.path
            )
        })?;
        return Ok(ImageEntry {
            file: kust.file,
            at: start + at,
            head: String::new(),
            item: String::new(),
            tag: i.new_tag.clone().unwrap_or_default(),
            added: false,
        });
    }
    if l.tag.is_none() && l.image.contains('@') {
        return Err(format!("{no_line}, and it is pinned by digest"));
    }
    let tag = l.tag.clone().unwrap_or_else(|| "latest".into());
    let item = |indent: &str| {
        format!(
            "{indent}- name: {}\n{indent}  newTag: {}",
            crate::yaml::emit::quote(&l.image),
            crate::yaml::emit::quote(&tag)
        )
    };
    let doc_text = &text[start..start + d.text(text).len()];
    match kroot.get("images") {
        Some(seq) if seq.is_seq() && !seq.is_flow() && !seq.items().is_empty() => {
            let first = &seq.items()[0];
            let line = d.index.line_of(first.start());
            let ls = d.index.line_start(line);
            let dash = doc_text[ls..].find('-').map(|x| ls + x).unwrap_or(ls);
            let indent = " ".repeat(dash - ls);
            let last = seq.items().last().map(|n| n.end()).unwrap_or(seq.end());
            let end_line = d.index.line_of(last.saturating_sub(1).max(first.start()));
            let next = d.index.line_start(end_line + 1).min(doc_text.len());
            let (pre, at) = if next == usize::MAX || next >= doc_text.len() {
                (
                    if doc_text.ends_with('\n') { "" } else { "\n" },
                    doc_text.len(),
                )
            } else {
                ("", next)
            };
            Ok(ImageEntry {
                file: kust.file,
                at: start + at,
                head: pre.into(),
                item: item(&indent),
                tag,
                added: true,
            })
        }
        Some(_) => Err(format!(
            "{no_line}, and `images:` in {} is not a block list",
            kf.path
        )),
        None => {
            let pre = if doc_text.ends_with('\n') || doc_text.is_empty() {
                ""
            } else {
                "\n"
            };
            Ok(ImageEntry {
                file: kust.file,
                at: start + doc_text.len(),
                head: format!("{pre}images:\n"),
                item: item("  "),
                tag,
                added: true,
            })
        }
    }
}

/// The HelmRelease documents of `.flux.yaml` `patchUpdated` patch files (ADR 0003):
/// fluxd wrote each image update of an automated release into the patch file, so in
/// that environment the patch's pin overrides the base's value and the base's marker
/// never reaches it. For each pinned image field of a release the merged object
/// (the base as the generator directory's build has it, then the patch) automates,
/// the policy of *this* environment is planned here, with the pin's tag as its
/// current tag (so the tag order is inferred from the tag that runs), and the field is
/// recorded in `pins` for `repo::fluxyaml`, which moves the document into a patch
/// file of its own and writes the marker on that line.
#[allow(clippy::too_many_arguments)]
pub(super) fn flux_patch_pins(
    files: &[LoadedFile],
    model: &Model,
    env: &Env,
    opts: &crate::model::options::Options,
    patch_files: &BTreeMap<String, String>,
    namer: &mut super::PolicyNamer,
    sink: &mut Sink,
    pins: &mut BTreeMap<(usize, usize), Vec<ValueAddition>>,
) {
    use crate::repo::kustomize::{PatchFormat, Resolved};
    for (pf_path, dir) in patch_files {
        let Some(pfi) = files.iter().position(|f| f.path == *pf_path) else {
            continue;
        };
        let f = &files[pfi];
        let Some(build) = model.kustomization_in(dir).and_then(|k| model.build_of(k)) else {
            continue;
        };
        if f.untouchable || env.disabled.is_some() {
            continue;
        }
        let mut roots = roots_of(env.ctx_roots, &f.path);
        if roots.is_empty() {
            roots.push(usize::MAX);
        }
        for (di, d) in f.docs.iter().enumerate() {
            if !matches!(d.kind, DocKind::HelmReleaseV1(_)) {
                continue;
            }
            let (Some(root), Some(doc)) = (d.root(), doc_ref(files, pfi, di)) else {
                continue;
            };
            let s = |keys: &[&str]| root.path(keys).and_then(Node::as_str).unwrap_or("");
            let (name, ns) = (s(&["metadata", "name"]), s(&["metadata", "namespace"]));
            // fluxd wrote the patch for the object it applied: kustomize's output ID.
            let Some(o) = build
                .of_kind("HelmRelease")
                .find(|o| o.name == name && o.namespace.as_deref().unwrap_or("") == ns)
            else {
                continue;
            };
            let Some(base) = files[o.source.file].docs[o.source.doc].root() else {
                continue;
            };
            // The object as the build emits it: the base and the build's own
            // strategic-merge patch files, in order.
            let mut after = to_json(base);
            for h in &o.patches {
                let Some(p) = model
                    .kustomization(h.kustomization)
                    .and_then(|k| k.patches.get(h.patch))
                    .filter(|p| p.format == PatchFormat::StrategicMerge)
                else {
                    continue;
                };
                let (Some(Resolved::File(pfile)), Some(pd)) = (
                    p.path.as_ref().map(|e| &e.resolved),
                    p.docs.get(h.doc).and_then(|d| d.doc),
                ) else {
                    continue;
                };
                if let Some(r) = files[*pfile].docs.get(pd).and_then(|d| d.root()) {
                    smp::merge(&mut after, &to_json(r));
                }
            }
            smp::merge(&mut after, &to_json(root));
            let pa = policies_of(&after);
            if !pa.is_automated() {
                continue;
            }
            let ns = o
                .namespace
                .clone()
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| env.default_ns.clone());
            let mut lines = release_lines(root, &after, opts);
            lines.sort_by(|a, b| a.container.cmp(&b.container));
            for l in &lines {
                let (Some((node, suffix)), Some((keys, _, _))) = (l.node, l.field.as_ref()) else {
                    continue; // not pinned here: the base's marker updates it
                };
                let Some(filter) =
                    container_filter(env, &doc, node, &l.container, &pa, &l.image, sink.findings)
                else {
                    continue;
                };
                let pname = namer.name(
                    dns1123(&format!("{ns}-{name}-hr-{}", l.container)),
                    &roots,
                    (l.image.clone(), filter.clone(), l.tag.clone()),
                    &f.path,
                );
                let m = marker(&env.ns, &pname, suffix);
                pins.entry((pfi, di)).or_default().push(ValueAddition {
                    keys: keys.clone(),
                    value: node.as_str().unwrap_or("").to_string(),
                    comment: m
                        .trim_start()
                        .trim_start_matches('#')
                        .trim_start()
                        .to_string(),
                });
                sink.policies
                    .push(((pfi, di, l.container.clone()), pname.clone()));
                sink.found.push(new_found(
                    env,
                    &roots,
                    &l.image,
                    None,
                    pname,
                    filter,
                    &pa,
                    &doc,
                    node,
                    l.tag.as_deref(),
                    &l.container,
                    sink.findings,
                ));
            }
        }
    }
}
