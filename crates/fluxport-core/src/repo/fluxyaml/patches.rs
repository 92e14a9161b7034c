//! [`move_patches`]: moves each `patchUpdated` patch file into the generator
//! directory's kustomization (`patches:` with an explicit target, `images:` with
//! `$imagepolicy` markers) and deletes the patch file.
//!
//! Reads: `files`, `flux_yaml`, `image_policies`. Writes: `edits`, `deleted`, `findings`.

use super::*;

// ---------------------------------------------------------------- patchUpdated

/// v1 policy annotation prefixes (§4.1).
const POLICY_PREFIXES: [&str; 3] = ["fluxcd.io/", "flux.weave.works/", "filter.fluxcd.io/"];

/// One image pin found in a patch document.
struct Pin {
    doc: usize,
    container: String,
    name: String,
    tag: String,
    policy: Option<String>,
}

/// Moves every `patchUpdated` patch file into its kustomization (after the image stage,
/// which recorded the policies of the patch documents in `ctx.image_policies`).
pub fn move_patches(ctx: &mut Context) {
    let mut jobs: BTreeMap<String, String> = BTreeMap::new();
    for p in &ctx.flux_yaml {
        if let Outcome::Kustomize {
            dir,
            patch_file: Some(pf),
        } = &p.outcome
        {
            jobs.entry(pf.clone()).or_insert_with(|| dir.clone());
        }
    }
    for (pf, dir) in jobs {
        move_one(ctx, &pf, &dir);
    }
}

fn move_one(ctx: &mut Context, pf_path: &str, dir: &str) {
    let Some(pf) = ctx.files.iter().position(|f| f.path == pf_path) else {
        return; // fluxd creates the patch file on the first update: nothing to move.
    };
    let not_moved = |ctx: &mut Context, why: String| {
        let lost: Vec<String> = ctx
            .flux_patch_markers
            .range((pf, 0)..(pf + 1, 0))
            .flat_map(|(_, v)| v.iter().map(|a| format!("`{}`", a.value)))
            .collect();
        let message = if lost.is_empty() {
            format!("{why}; the patch file stays where it is (its image lines got `$imagepolicy` markers like any workload), but v2 does not apply it: add its documents as `patches:` entries with a target to the kustomization by hand")
        } else {
            format!("{why}; the patch file stays where it is, but v2 does not apply it, and image automation is lost for this environment: its HelmRelease pins ({}) override the base's marked values and have no marker — add each document as a patch file (`patches:` entry with `path:` and a target) with a `$imagepolicy` marker on its image line by hand", lost.join(", "))
        };
        ctx.findings.push(Finding::new(
            Code::FLUX_PATCH_NOT_MOVED,
            pf_path,
            1,
            1,
            message,
        ));
    };
    if ctx.files[pf].untouchable || ctx.files[pf].text.is_none() {
        return not_moved(ctx, "the patch file could not be read".into());
    }
    let Some(ki) = KUSTOMIZATION_FILES
        .iter()
        .find_map(|n| ctx.files.iter().position(|f| f.path == format!("{dir}{n}")))
    else {
        return not_moved(
            ctx,
            format!(
                "no kustomization file in ./{} in the input",
                dir.trim_end_matches('/')
            ),
        );
    };
    if ctx.files[ki].untouchable || ctx.files[ki].text.is_none() || ctx.files[ki].docs.len() != 1 {
        return not_moved(ctx, format!("{} cannot be edited", ctx.files[ki].path));
    }
    let Some(kroot) = ctx.files[ki].docs[0]
        .root()
        .filter(|r| r.is_map() && !r.is_flow())
    else {
        return not_moved(
            ctx,
            format!("{} is not a block mapping", ctx.files[ki].path),
        );
    };
    for key in ["patches", "images"] {
        if let Some(n) = kroot.get(key) {
            if !n.is_seq() || n.is_flow() {
                return not_moved(
                    ctx,
                    format!("`{key}:` in {} is not a block sequence", ctx.files[ki].path),
                );
            }
        }
    }
    let kust_namespace = kroot.get("namespace").is_some();
    let mut existing_images: BTreeSet<String> = BTreeSet::new();
    existing_images.extend(
        kroot
            .get("images")
            .map(Node::items)
            .unwrap_or(&[])
            .iter()
            .filter_map(|i| i.get("name").and_then(Node::as_str).map(str::to_string)),
    );

    // Pass 1: every patch document and its image pins.
    let f = &ctx.files[pf];
    let mut docs: Vec<(usize, J)> = Vec::new();
    let mut pins: Vec<Pin> = Vec::new();
    for (di, d) in f.docs.iter().enumerate() {
        if d.kind == DocKind::Empty {
            continue;
        }
        let Some(root) = d.root().filter(|r| r.is_map()) else {
            return not_moved(ctx, format!("document {} is not a mapping", di + 1));
        };
        if d.parsed.as_ref().is_some_and(|p| !p.duplicates.is_empty()) {
            return not_moved(ctx, format!("document {} has duplicate keys", di + 1));
        }
        if let Some(wl) = workload::workload(root) {
            for (cname, image) in &wl.containers {
                let Some(text) = image.as_str() else { continue };
                if text.contains('@') {
                    continue;
                }
                let r = refs::parse(text);
                let Some(tag) = r.tag else { continue };
                pins.push(Pin {
                    doc: di,
                    container: cname.clone(),
                    name: r.name,
                    tag,
                    policy: ctx
                        .image_policies
                        .get(&(pf, di, cname.clone()))
                        .or_else(|| {
                            // Automation an overlay patch set (the patch file pins the
                            // built object; the pin moves to `images:`, which matches
                            // by image name, so the namespace does not count).
                            ctx.built_policies.get(&(
                                dir.trim_end_matches('/').to_string(),
                                wl.kind_short.to_string(),
                                wl.name.clone(),
                                cname.clone(),
                            ))
                        })
                        .cloned(),
                });
            }
        }
        docs.push((di, crate::yaml::to_json(root)));
    }
    // An image name pinned to different tags, or already in `images:`, stays in its patch.
    let mut tags: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for p in &pins {
        tags.entry(&p.name).or_default().insert(&p.tag);
    }
    let movable = |p: &Pin| tags[p.name.as_str()].len() == 1 && !existing_images.contains(&p.name);

    // Pass 2: prune and render.
    let file_text = f.text.clone().unwrap_or_default();
    let mut patch_entries: Vec<String> = Vec::new();
    let mut findings: Vec<Finding> = Vec::new();
    for (di, mut j) in docs {
        let d = &f.docs[di];
        let doc = DocRef {
            file: &f.path,
            text: &file_text[d.start..d.end],
            index: &d.index,
            line_offset: d.line_offset,
        };
        let root = d.root();
        let kind = j["kind"].as_str().unwrap_or("").to_string();
        let name = j["metadata"]["name"].as_str().unwrap_or("").to_string();
        let ns = j["metadata"]["namespace"].as_str().map(str::to_string);
        let mut dropped: Vec<String> = Vec::new();
        let mut moved: Vec<String> = Vec::new();
        strip_set_element_order(&mut j, "", &mut dropped);
        let mut automation = false;
        let mut unpinned: Vec<String> = Vec::new();
        if let Some(ann) = j["metadata"]
            .get_mut("annotations")
            .and_then(J::as_object_mut)
        {
            let keys: Vec<String> = ann.keys().cloned().collect();
            for k in keys {
                if !POLICY_PREFIXES.iter().any(|p| k.starts_with(p)) {
                    continue;
                }
                let v = ann.remove(&k).unwrap_or(J::Null);
                let vs = v.as_str().unwrap_or("").to_string();
                let short = k.split_once('/').map(|x| x.1).unwrap_or("");
                if short == "ignore" {
                    let (nk, nv) = match vs.as_str() {
                        "true" => ("kustomize.toolkit.fluxcd.io/reconcile", "disabled"),
                        "sync_only" => ("kustomize.toolkit.fluxcd.io/prune", "disabled"),
                        _ => {
                            dropped.push(format!("annotation `{k}: {vs}` (no effect in v1)"));
                            continue;
                        }
                    };
                    ann.insert(nk.into(), J::String(nv.into()));
                    moved.push(format!("`{k}: {vs}` → `{nk}: {nv}`"));
                } else {
                    if matches!(short, "automated") && vs == "true" {
                        automation = true;
                    }
                    if let Some(c) = short.strip_prefix("tag.") {
                        if !pins.iter().any(|p| p.doc == di && p.container == c) {
                            unpinned.push(format!("`{k}: {vs}`"));
                        }
                    }
                    dropped.push(format!("annotation `{k}: {vs}`"));
                }
            }
            if ann.is_empty() {
                if let Some(m) = j["metadata"].as_object_mut() {
                    m.remove("annotations");
                }
            }
        }
        if automation && !unpinned.is_empty() {
            findings.push(doc.finding(Code::FLUX_PATCH_AUTOMATION, root, format!("{kind} {name}: {} name containers whose image is not pinned in the patch (fluxd would have added the pin on the first update); no ImagePolicy was written for them — add one and a `$imagepolicy` marker (an `images:` entry) by hand", unpinned.join(", "))));
        }
        // Image pins → `images:`.
        let mut images_here = Vec::new();
        for p in pins.iter().filter(|p| p.doc == di && movable(p)) {
            remove_container_image(&mut j, &kind, &p.container);
            images_here.push(format!(
                "image `{}:{}` (container `{}`) → `images:` entry{}",
                p.name,
                p.tag,
                p.container,
                p.policy
                    .as_ref()
                    .map(|x| format!(" with marker for ImagePolicy {x}"))
                    .unwrap_or_default()
            ));
        }
        for p in pins.iter().filter(|p| p.doc == di && !movable(p)) {
            findings.push(doc.finding(Code::MARKER_NOT_WRITTEN, root, format!("container `{}`: image `{}` is pinned to several tags in the patch file, or already listed in `images:` (which kustomize applies after patches, so it wins over the pin); the pin stays inside the patch, where no `$imagepolicy` marker can work — reconcile the tags by hand", p.container, p.name)));
        }
        prune_empty(&mut j);
        let is_hr = kind == "HelmRelease";
        let pin_marks = ctx.flux_patch_markers.get(&(pf, di));
        if is_hr && automation && pin_marks.is_none() {
            findings.push(doc.finding(Code::FLUX_PATCH_AUTOMATION, root, format!("HelmRelease {}: automation annotations in a patch were dropped; no ImagePolicy was written for its values — add the policy and a `$imagepolicy` marker on the image line of the base HelmRelease by hand (§4.3)", name)));
        }
        if is_hr
            && j["apiVersion"].as_str().is_some_and(|a| {
                a.starts_with("helm.fluxcd.io/") || a.starts_with("flux.weave.works/")
            })
        {
            j["apiVersion"] = J::String("helm.toolkit.fluxcd.io/v2".into());
            if j["spec"]
                .as_object()
                .is_some_and(|s| s.keys().any(|k| k != "values"))
            {
                findings.push(doc.finding(Code::FLUX_PATCH_AUTOMATION, root, format!("HelmRelease {name}: the patch sets spec fields other than `values`; their v2 names differ (§2.1) — check the moved patch")));
            }
        }
        let meaningful = j.as_object().is_some_and(|m| {
            m.iter().any(|(k, v)| match k.as_str() {
                "apiVersion" | "kind" => false,
                "metadata" => v
                    .as_object()
                    .is_some_and(|mm| mm.keys().any(|k| k != "name" && k != "namespace")),
                _ => true,
            })
        });
        if meaningful {
            let mut e = format!(
                "  - target:\n      kind: {}\n      name: {}\n",
                emit::quote(&kind),
                emit::quote(&name)
            );
            // kustomize applies `patches` before its namespace transformer: with a
            // `namespace:` field the base objects have no namespace yet when the target
            // is matched, so the target names kind and name only.
            match (&ns, kust_namespace) {
                (Some(ns), false) => {
                    e.push_str(&format!("      namespace: {}\n", emit::quote(ns)));
                }
                (Some(_), true) => moved.push(format!(
                    "target without namespace ({} sets `namespace:`, applied after patches)",
                    ctx.files[ki].path
                )),
                _ => {}
            }
            let rendered = emit::render(&crate::yaml::emit::from_json(&j), "\n");
            // A marker inside an inline `patch: |-` is text of a string, not a YAML
            // comment: image-automation-controller's setters never see it. Pins of an
            // automated release keep a patch file of their own.
            match pin_marks.map(|m| mark_pins(&rendered, m, ctx.opts)) {
                Some(Ok(text)) => {
                    let stem = pf_path
                        .rsplit('/')
                        .next()
                        .unwrap_or("flux-patch.yaml")
                        .trim_end_matches(".yaml")
                        .trim_end_matches(".yml");
                    let file = crate::model::context::free_path(
                        ctx.files,
                        &ctx.new_files,
                        dir,
                        &format!(
                            "{}.yaml",
                            crate::model::naming::dns1123(&format!(
                                "{stem}-{}-{name}",
                                ns.as_deref().unwrap_or("")
                            ))
                        ),
                    );
                    let base = file.rsplit('/').next().unwrap_or(&file).to_string();
                    e = format!(
                        "  - path: {}\n    target:\n{}",
                        emit::quote(&base),
                        &e["  - target:\n".len()..]
                    );
                    ctx.new_files.insert(file.clone(), vec![text]);
                    ctx.unlisted_files.insert(file.clone());
                    moved.push(format!(
                        "its pinned image values keep their `$imagepolicy` marker{} in patch file {file} (ImagePolicy {})",
                        if pin_marks.map_or(0, Vec::len) == 1 { "" } else { "s" },
                        pin_marks
                            .into_iter()
                            .flatten()
                            .map(|a| a.comment.split('"').nth(3).unwrap_or("").to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                other => {
                    if let Some(Err(why)) = other {
                        findings.push(doc.finding(Code::MARKER_NOT_WRITTEN, root, format!("HelmRelease {name}: {why}; the pin stays in an inline patch, where no `$imagepolicy` marker works: image automation is lost for this environment — move the patch into a file with the marker on its image line by hand")));
                    }
                    e.push_str("    patch: |-\n");
                    for l in rendered.lines() {
                        e.push_str("      ");
                        e.push_str(l);
                        e.push('\n');
                    }
                }
            }
            patch_entries.push(e);
            moved.push(format!(
                "`patches:` entry with target {kind} {}{name}",
                ns.as_ref().map(|n| format!("{n}/")).unwrap_or_default()
            ));
        }
        moved.extend(images_here);
        if automation && pins.iter().any(|p| p.doc == di && p.policy.is_some()) {
            dropped.push(
                "(the automation annotations became ImagePolicies in the image automation file)"
                    .into(),
            );
        }
        findings.push(doc.finding(
            Code::FLUX_PATCH_MOVED,
            root,
            format!(
                "{kind} {}{name} → {}: {}{}",
                ns.as_ref().map(|n| format!("{n}/")).unwrap_or_default(),
                ctx.files[ki].path,
                if moved.is_empty() {
                    "nothing left to move".to_string()
                } else {
                    moved.join("; ")
                },
                if dropped.is_empty() {
                    String::new()
                } else {
                    format!("; dropped: {}", dropped.join(", "))
                }
            ),
        ));
    }
    // `images:` entries: one per image name; the marker names the first policy.
    let mut image_entries: BTreeMap<String, (String, BTreeSet<String>)> = BTreeMap::new();
    for p in pins.iter().filter(|p| movable(p)) {
        let e = image_entries
            .entry(p.name.clone())
            .or_insert_with(|| (p.tag.clone(), BTreeSet::new()));
        if let Some(pol) = &p.policy {
            e.1.insert(pol.clone());
        }
    }
    let ns = ctx.opts.automation_namespace.clone();
    let mut image_text: Vec<String> = Vec::new();
    for (name, (tag, pols)) in &image_entries {
        let marker = pols
            .iter()
            .next()
            .map(|p| format!(" # {{\"$imagepolicy\": \"{ns}:{p}:tag\"}}"))
            .unwrap_or_default();
        if pols.len() > 1 {
            findings.push(Finding::new(Code::FLUX_PATCH_MOVED, pf_path, 1, 1, format!("image {name} is pinned for several workloads: one `images:` entry, its marker names ImagePolicy {} (the others, {}, have no marker; make their filters equal or split the image names)", pols.iter().next().map(String::as_str).unwrap_or(""), pols.iter().skip(1).cloned().collect::<Vec<_>>().join(", "))));
        }
        image_text.push(format!(
            "  - name: {}\n    newTag: {}{marker}\n",
            emit::quote(name),
            emit::quote(tag)
        ));
    }
    let edits = crate::repo::discovery::append_to_lists(
        &ctx.files[ki],
        kroot,
        &[("patches", &patch_entries), ("images", &image_text)],
    );
    ctx.edits.entry(ki).or_default().extend(edits);
    ctx.edits.remove(&pf);
    ctx.deleted.insert(pf);
    ctx.findings.append(&mut findings);
}

/// The rendered patch document with each pinned value's marker comment at the end of
/// its line; `Err` when a value is not a one-line scalar of the rendered text.
fn mark_pins(
    text: &str,
    marks: &[crate::model::context::ValueAddition],
    opts: &crate::model::options::Options,
) -> Result<String, String> {
    let root = crate::yaml::parse_document(text, opts.limits.max_depth, opts.limits.max_aliases)
        .ok()
        .and_then(|d| d.root)
        .ok_or("the moved patch could not be read back")?;
    let mut ends: Vec<(usize, &str)> = Vec::new();
    for a in marks {
        let mut keys = vec!["spec", "values"];
        keys.extend(a.keys.iter().map(String::as_str));
        let node = root
            .path(&keys)
            .filter(|n| n.as_str() == Some(a.value.as_str()))
            .ok_or_else(|| format!("`{}` is not in the moved patch", a.keys.join(".")))?;
        let eol = text[node.start()..]
            .find('\n')
            .map_or(text.len(), |i| node.start() + i);
        if text[node.start()..node.end().min(text.len())]
            .trim_end()
            .contains('\n')
        {
            return Err(format!("`{}` is not a one-line value", a.keys.join(".")));
        }
        ends.push((eol, &a.comment));
    }
    ends.sort();
    let mut out = text.to_string();
    for (at, c) in ends.into_iter().rev() {
        out.insert_str(at, &format!(" # {c}"));
    }
    Ok(out)
}

fn strip_set_element_order(j: &mut J, at: &str, dropped: &mut Vec<String>) {
    match j {
        J::Object(m) => {
            let keys: Vec<String> = m.keys().cloned().collect();
            for k in keys {
                if k.starts_with("$setElementOrder/") {
                    m.remove(&k);
                    dropped.push(format!(
                        "`{at}{k}` (kubectl strategic-merge ordering metadata)"
                    ));
                } else if let Some(v) = m.get_mut(&k) {
                    strip_set_element_order(v, &format!("{at}{k}."), dropped);
                }
            }
        }
        J::Array(a) => {
            for v in a {
                strip_set_element_order(v, at, dropped);
            }
        }
        _ => {}
    }
}

fn remove_container_image(j: &mut J, kind: &str, container: &str) {
    let pod = if kind == "CronJob" {
        j.pointer_mut("/spec/jobTemplate/spec/template/spec")
    } else {
        j.pointer_mut("/spec/template/spec")
    };
    let Some(pod) = pod else { return };
    for key in ["containers", "initContainers"] {
        if let Some(list) = pod.get_mut(key).and_then(J::as_array_mut) {
            for c in list.iter_mut() {
                if c["name"].as_str() == Some(container) {
                    if let Some(m) = c.as_object_mut() {
                        m.remove("image");
                    }
                }
            }
            // A container entry left with only its name patches nothing.
            list.retain(|c| c.as_object().is_none_or(|m| m.keys().any(|k| k != "name")));
        }
    }
}

/// Removes empty maps and lists (below the top level), bottom-up.
fn prune_empty(j: &mut J) {
    fn empty(v: &J) -> bool {
        matches!(v, J::Object(m) if m.is_empty()) || matches!(v, J::Array(a) if a.is_empty())
    }
    match j {
        J::Object(m) => {
            for v in m.values_mut() {
                prune_empty(v);
            }
            m.retain(|_, v| !empty(v));
        }
        J::Array(a) => {
            for v in a.iter_mut() {
                prune_empty(v);
            }
        }
        _ => {}
    }
}
