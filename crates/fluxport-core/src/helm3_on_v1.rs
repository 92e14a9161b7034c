//! Helm 2 → Helm 3 while staying on Flux v1 (`Target::Helm3OnFluxV1`): every Helm 2
//! HelmRelease keeps `helm.fluxcd.io/v1` and gains `helmVersion: v3` plus the
//! annotation `helm.fluxcd.io/migrate: "true"` (span edits only); helm-operator gets
//! `--enabled-helm-versions=v2,v3` when it only enables v2. No Flux v2 objects.

use crate::classify::{DocKind, V1Flavor};
use crate::pipeline::Context;
use crate::report::ReleaseEntry;
use crate::text::TextEdit;
use crate::yaml::Node;
use crate::{HelmVersion, Options};

fn line_after(d: &crate::load::Doc, node: &Node) -> usize {
    let line = d
        .index
        .line_of(node.end().saturating_sub(1).max(node.start()));
    let next = d.index.line_start(line + 1);
    if next == usize::MAX {
        d.end - d.start
    } else {
        next
    }
}

pub fn apply(ctx: &mut Context, opts: &Options) {
    let mut edits: Vec<(usize, TextEdit)> = Vec::new();
    let mut releases = Vec::new();
    for (fi, f) in ctx.files.iter().enumerate() {
        if f.untouchable {
            continue;
        }
        for d in &f.docs {
            if d.kind != DocKind::HelmReleaseV1(V1Flavor::HelmFluxcdV1) {
                continue;
            }
            let Some(root) = d.root() else { continue };
            let (Some(meta), Some(spec)) = (root.get("metadata"), root.get("spec")) else {
                continue;
            };
            if meta.is_flow() || spec.is_flow() {
                continue;
            }
            let hv = spec.get("helmVersion");
            let version = hv
                .and_then(Node::as_str)
                .and_then(HelmVersion::parse)
                .unwrap_or(opts.default_helm_version);
            if version != HelmVersion::V2 {
                continue;
            }
            let nl = f.nl;
            let indent = |n: &Node| " ".repeat(n.col().saturating_sub(1));
            match hv {
                Some(n) => edits.push((
                    fi,
                    TextEdit::replace(d.start + n.start(), d.start + n.end(), "v3"),
                )),
                None => {
                    let Some(first) = spec.entries().first() else {
                        continue;
                    };
                    let at = d.start + d.index.line_start(first.key.line().max(1));
                    edits.push((
                        fi,
                        TextEdit::insert(at, format!("{}helmVersion: v3{nl}", indent(&first.key))),
                    ));
                }
            }
            let Some(first_meta) = meta.entries().first() else {
                continue;
            };
            let mind = indent(&first_meta.key);
            match meta
                .get("annotations")
                .filter(|a| a.is_map() && !a.is_flow() && !a.entries().is_empty())
            {
                Some(a) => {
                    let k = &a.entries()[0].key;
                    let at = d.start + d.index.line_start(k.line());
                    edits.push((
                        fi,
                        TextEdit::insert(
                            at,
                            format!("{}helm.fluxcd.io/migrate: \"true\"{nl}", indent(k)),
                        ),
                    ));
                }
                None if meta.get("annotations").is_none() => {
                    let at = d.start + line_after(d, &first_meta.value);
                    edits.push((fi, TextEdit::insert(at, format!("{mind}annotations:{nl}{mind}  helm.fluxcd.io/migrate: \"true\"{nl}"))));
                }
                None => {}
            }
            let s = |p: &[&str]| {
                root.path(p)
                    .and_then(Node::as_str)
                    .unwrap_or("")
                    .to_string()
            };
            let ns = Some(s(&["metadata", "namespace"]))
                .filter(|x| !x.is_empty())
                .unwrap_or_else(|| "default".into());
            let name = s(&["metadata", "name"]);
            let target = Some(s(&["spec", "targetNamespace"]))
                .filter(|x| !x.is_empty())
                .unwrap_or_else(|| ns.clone());
            let rel = Some(s(&["spec", "releaseName"]))
                .filter(|x| !x.is_empty())
                .unwrap_or_else(|| {
                    if ns == "default" {
                        name.clone()
                    } else {
                        format!("{target}-{name}")
                    }
                });
            releases.push(ReleaseEntry {
                file: f.path.clone(),
                namespace: ns,
                name,
                release_name: rel,
                storage_namespace: target,
                helm2: true,
            });
        }
    }
    // helm-operator: enable v3 next to v2.
    if let Some(op) = ctx.helm_operator.clone() {
        if let (Some((fi, di)), Some(v)) = (op.at, op.helm_versions.as_deref()) {
            if !v.contains("v3") {
                let f = &ctx.files[fi];
                let d = &f.docs[di];
                if let Some(root) = d.root() {
                    if let Some(n) = find_versions_node(root, v) {
                        edits.push((fi, TextEdit::replace(d.start + n.0, d.start + n.1, n.2)));
                    }
                }
            }
        }
    }
    for (fi, e) in edits {
        ctx.edits.entry(fi).or_default().push(e);
    }
    ctx.releases.extend(releases);
}

/// The span of the helm-versions setting and its new text.
fn find_versions_node(root: &Node, current: &str) -> Option<(usize, usize, String)> {
    if let Some(n) = root.path(&["spec", "values", "helm", "versions"]) {
        return Some((n.start(), n.end(), "\"v2,v3\"".into()));
    }
    for c in root
        .path(&["spec", "template", "spec", "containers"])?
        .items()
    {
        for a in c.get("args").map(|a| a.items()).unwrap_or(&[]) {
            if let Some(s) = a.as_str() {
                if s.starts_with("--enabled-helm-versions") {
                    return Some((a.start(), a.end(), "--enabled-helm-versions=v2,v3".into()));
                }
            }
        }
        for e in c.get("env").map(|a| a.items()).unwrap_or(&[]) {
            if e.get("name").and_then(Node::as_str) == Some("HELM_VERSION") {
                let v = e.get("value")?;
                let _ = current;
                return Some((v.start(), v.end(), "\"v2,v3\"".into()));
            }
        }
    }
    None
}
