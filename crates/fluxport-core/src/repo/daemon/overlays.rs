//! kustomize overlays of the fluxd Deployment: a strategic-merge patch of its args
//! ([`resolve_overlays`]) or a JSON 6902 op that replaces them ([`json6902_overlays`]).

use super::detect::{apply_fluxd_args, parse_args};
use super::*;

/// kustomize overlays that replace the fluxd container's args with a JSON 6902 op
/// (`op: replace|add`, `path: /spec/template/spec/containers/<n>/args`, inline or in a
/// file) run a daemon of their own: the base's settings with those args, in the
/// namespace the overlay sets. The base used through such an overlay is not a daemon of
/// its own.
pub(super) fn json6902_overlays(
    files: &[crate::model::document::LoadedFile],
    model: &Model,
    daemons: &mut Vec<Daemon>,
    findings: &mut Vec<Finding>,
) {
    use crate::repo::kustomize::{PatchFormat, Resolved};
    let mut add = Vec::new();
    let mut drop = std::collections::BTreeSet::new();
    for (k, kust) in model.kustomizations().iter().enumerate() {
        let Some(build) = model.build_of(k) else {
            continue;
        };
        for p in &kust.patches {
            let Some(sel) = p.target.as_ref() else {
                continue;
            };
            if p.format != PatchFormat::Json6902 || sel.kind.as_deref() != Some("Deployment") {
                continue;
            }
            // The ops: inline text (parsed here) or a patch file's first document.
            let inline = p.inline.and_then(Node::as_str).and_then(|t| {
                crate::yaml::parse_document(t, 64, 0)
                    .ok()
                    .and_then(|x| x.root)
                    .map(|r| (t, r))
            });
            let from_file = match p.path.as_ref().map(|e| &e.resolved) {
                Some(Resolved::File(f)) => files[*f].docs.first().and_then(|d| {
                    let text = d.text(files[*f].text.as_deref()?);
                    Some((text, d.root()?.clone()))
                }),
                _ => None,
            };
            let Some((text, ops)) = inline.or(from_file) else {
                continue;
            };
            let index = crate::text::LineIndex::new(text);
            let at = p.inline.unwrap_or(p.node);
            let doc = crate::model::document::DocRef {
                file: &kust.path,
                text,
                index: &index,
                line_offset: at.line() + files[kust.file].first_root_line_offset(),
            };
            for (bi, b) in daemons.iter().enumerate() {
                if sel.name.as_deref() != Some(b.deployment.as_str())
                    || !build.live().any(|o| files[o.source.file].path == b.file)
                {
                    continue;
                }
                let Some(args) = ops.items().iter().find_map(|op| {
                    let verb = op.get("op").and_then(Node::as_str)?;
                    let path = op.get("path").and_then(Node::as_str)?;
                    let rest = path.strip_prefix("/spec/template/spec/containers/")?;
                    let ok = matches!(verb, "replace" | "add")
                        && rest
                            .split_once('/')
                            .is_some_and(|(n, t)| t == "args" && n.parse::<usize>().is_ok());
                    ok.then(|| op.get("value")).flatten().filter(|v| v.is_seq())
                }) else {
                    continue;
                };
                let namespace = model.sets_namespace(k).map(str::to_string);
                let mut dm = Daemon {
                    file: kust.path.clone(),
                    namespace: namespace.clone().unwrap_or_else(|| b.namespace.clone()),
                    namespace_set: namespace.is_some() || b.namespace_set,
                    deployment: b.deployment.clone(),
                    ..Daemon::default()
                };
                let parsed = parse_args(args.items(), &[]);
                apply_fluxd_args(&mut dm, &parsed, &doc, findings);
                add.push(dm);
                drop.insert(bi);
            }
        }
    }
    let mut i = 0;
    daemons.retain(|_| {
        let keep = !drop.contains(&i);
        i += 1;
        keep
    });
    daemons.extend(add);
}

pub(super) fn resolve_overlays(
    files: &[crate::model::document::LoadedFile],
    daemons: &mut Vec<Daemon>,
) {
    let mut drop = std::collections::BTreeSet::new();
    for f in files {
        let (dir, name) = match f.path.rfind('/') {
            Some(i) => (&f.path[..=i], &f.path[i + 1..]),
            None => ("", f.path.as_str()),
        };
        if !crate::model::paths::KUSTOMIZATION_FILES.contains(&name) {
            continue;
        }
        let Some(root) = f.docs.first().and_then(|d| d.root()) else {
            continue;
        };
        let strings = |key: &str| -> Vec<String> {
            root.get(key)
                .map(Node::items)
                .unwrap_or(&[])
                .iter()
                .filter_map(|n| n.as_str().or_else(|| n.get("path").and_then(Node::as_str)))
                .filter_map(|p| crate::model::paths::join_path(dir, p))
                .collect()
        };
        let mut patches = strings("patchesStrategicMerge");
        patches.extend(strings("patches"));
        let mut resources = strings("resources");
        resources.extend(strings("bases"));
        for pi in 0..daemons.len() {
            if !patches.contains(&daemons[pi].file) {
                continue;
            }
            for bi in 0..daemons.len() {
                let (p, b) = (&daemons[pi], &daemons[bi]);
                if bi == pi || b.file == p.file || b.deployment != p.deployment {
                    continue;
                }
                let included = resources
                    .iter()
                    .any(|r| b.file == *r || b.file.starts_with(&format!("{r}/")));
                if !included {
                    continue;
                }
                drop.insert(bi);
                if !daemons[pi].namespace_set {
                    daemons[pi].namespace = daemons[bi].namespace.clone();
                }
            }
        }
    }
    let mut i = 0;
    daemons.retain(|_| {
        let keep = !drop.contains(&i);
        i += 1;
        keep
    });
}
