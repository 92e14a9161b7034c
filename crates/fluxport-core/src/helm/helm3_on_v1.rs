//! Helm 2 → Helm 3 while staying on Flux v1 (`Target::Helm3OnFluxV1`): every Helm 2
//! HelmRelease keeps `helm.fluxcd.io/v1` and gains `helmVersion: v3` plus the
//! annotation `helm.fluxcd.io/migrate: "true"` (span edits only); helm-operator gets
//! `--enabled-helm-versions=v2,v3` when it only enables v2. No Flux v2 objects.
//!
//! Reads: `files`, `helm_operator`, `v1_components`, effective options. Writes: `edits`,
//! `releases`, `findings`.

use crate::model::codes::Code;
use crate::model::context::Context;
use crate::model::document::{DocKind, V1Flavor};
use crate::model::finding::ReleaseEntry;
use crate::model::options::{HelmVersion, Options};
use crate::text::TextEdit;
use crate::yaml::Node;

fn line_after(d: &crate::model::document::Doc, node: &Node) -> usize {
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
    let mut findings = Vec::new();
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
    // helm-operator: both Helm versions enabled, and a version that migrates.
    if let Some(op) = ctx.helm_operator.clone() {
        if let Some((fi, di)) = op.at {
            let f = &ctx.files[fi];
            let d = &f.docs[di];
            if let Some(root) = d.root() {
                let doc = crate::model::context::doc_ref(ctx.files, fi, di);
                let current = op.helm_versions.as_deref().unwrap_or("v2,v3");
                if let Some(n) = find_versions_node(root, current) {
                    edits.push((fi, TextEdit::replace(d.start + n.0, d.start + n.1, n.2)));
                }
                if let (Some((start, end, text, msg, node)), Some(doc)) = (
                    operator_version_edit(root, d.text(f.text.as_deref().unwrap_or(""))),
                    doc,
                ) {
                    edits.push((fi, TextEdit::replace(d.start + start, d.start + end, text)));
                    findings.push(doc.finding(Code::HELM_OPERATOR_UPGRADED, Some(node), msg));
                }
            }
        }
    }
    for (fi, e) in edits {
        ctx.edits.entry(fi).or_default().push(e);
    }
    ctx.releases.extend(releases);
    ctx.findings.append(&mut findings);
}

/// `--enabled-helm-versions` with both v2 and v3, keeping the current first entry (the
/// default Helm version of HelmReleases without `spec.helmVersion`, §2.3).
pub fn both_versions(current: &str) -> Option<String> {
    let list: Vec<&str> = current
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let has = |v: &str| {
        list.iter()
            .any(|x| HelmVersion::parse(x) == HelmVersion::parse(v))
    };
    if has("v2") && has("v3") {
        return None;
    }
    let first = list.first().copied().and_then(HelmVersion::parse);
    Some(match first {
        Some(HelmVersion::V3) => "v3,v2".into(),
        _ => "v2,v3".into(),
    })
}

/// The span of the helm-versions setting and its new text (None: already both).
fn find_versions_node(root: &Node, current: &str) -> Option<(usize, usize, String)> {
    let want = both_versions(current)?;
    if let Some(n) = root.path(&["spec", "values", "helm", "versions"]) {
        return Some((n.start(), n.end(), format!("\"{want}\"")));
    }
    for c in root
        .path(&["spec", "template", "spec", "containers"])?
        .items()
    {
        for a in c.get("args").map(|a| a.items()).unwrap_or(&[]) {
            if let Some(s) = a.as_str() {
                if s.starts_with("--enabled-helm-versions") {
                    return Some((
                        a.start(),
                        a.end(),
                        format!("--enabled-helm-versions={want}"),
                    ));
                }
            }
        }
        for e in c.get("env").map(|a| a.items()).unwrap_or(&[]) {
            if e.get("name").and_then(Node::as_str) == Some("HELM_VERSION") {
                let v = e.get("value")?;
                return Some((v.start(), v.end(), format!("\"{want}\"")));
            }
        }
    }
    None
}

/// helm-operator added the `helm.fluxcd.io/migrate` annotation (Helm 2to3 release
/// conversion) in 1.2.0 (helm-operator CHANGELOG.md "1.2.0": "adds support for ... v2
/// to v3 release conversions"; `pkg/release/release.go#MigrateAnnotation`). Older
/// versions are bumped to the last release.
pub const MIN_MIGRATE_VERSION: (u64, u64, u64) = (1, 2, 0);
pub const UPGRADE_TO: &str = "1.4.4";

/// `(major, minor, patch, is_prerelease)` of `v?X.Y.Z[-pre]`.
fn version(s: &str) -> Option<(u64, u64, u64, bool)> {
    let s = s.trim().trim_start_matches('v');
    let (core, pre) = match s.split_once('-') {
        Some((c, _)) => (c, true),
        None => (s, false),
    };
    let mut it = core.split('.').map(|x| x.parse::<u64>().ok());
    Some((
        it.next()??,
        it.next().flatten().unwrap_or(0),
        it.next().flatten().unwrap_or(0),
        pre,
    ))
}

fn too_old(tag: &str) -> bool {
    match version(tag) {
        Some((a, b, c, pre)) => {
            let (x, y, z) = MIN_MIGRATE_VERSION;
            (a, b, c) < (x, y, z) || ((a, b, c) == (x, y, z) && pre)
        }
        None => false,
    }
}

/// The edit that bumps the helm-operator version (container image tag, chart values
/// `image.tag`, or the chart version when the values set no tag), and its message.
fn operator_version_edit<'a>(
    root: &'a Node,
    text: &str,
) -> Option<(usize, usize, String, String, &'a Node)> {
    if let Some(tag) = root.path(&["spec", "values", "image", "tag"]) {
        let t = tag.as_str()?;
        return too_old(t).then(|| {
            (tag.start(), tag.end(), UPGRADE_TO.to_string(), format!("helm-operator chart values image.tag {t} → {UPGRADE_TO}: the migrate annotation needs helm-operator ≥ 1.2.0; re-apply the HelmRelease CRD of that version"), tag)
        });
    }
    if root.path(&["spec", "chart", "name"]).is_some() {
        let v = root.path(&["spec", "chart", "version"])?;
        let t = v.as_str()?;
        return too_old(t).then(|| {
            (v.start(), v.end(), UPGRADE_TO.to_string(), format!("helm-operator chart version {t} → {UPGRADE_TO} (the chart version is the operator version): the migrate annotation needs helm-operator ≥ 1.2.0; re-apply the HelmRelease CRD of that version"), v)
        });
    }
    for c in root
        .path(&["spec", "template", "spec", "containers"])?
        .items()
    {
        let Some(img) = c
            .get("image")
            .filter(|i| i.as_str().is_some_and(|s| s.contains("helm-operator")))
        else {
            continue;
        };
        let full = img.as_str()?;
        let r = crate::model::image_ref::parse(full);
        let tag = r.tag?;
        if !too_old(&tag) {
            return None;
        }
        let raw = text.get(img.start()..img.end())?;
        let at = raw.rfind(&format!(":{tag}"))?;
        let start = img.start() + at + 1;
        return Some((start, start + tag.len(), UPGRADE_TO.to_string(), format!("helm-operator image {full} → tag {UPGRADE_TO}: the migrate annotation needs helm-operator ≥ 1.2.0; re-apply the HelmRelease CRD of that version"), img));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(both_versions("v2").as_deref(), Some("v2,v3"));
        assert_eq!(both_versions("v3").as_deref(), Some("v3,v2"));
        assert_eq!(both_versions("v2,v3"), None);
        assert_eq!(both_versions("v3,v2"), None);
        assert!(too_old("1.0.0-rc5"));
        assert!(too_old("1.1.0"));
        assert!(too_old("1.2.0-rc1"));
        assert!(!too_old("1.2.0"));
        assert!(!too_old("1.4.4"));
        assert!(!too_old("latest"));
    }
}
