//! DUPLICATE_ACROSS_PATHS: one object applied from two git paths of one daemon.

use super::*;

/// (API group, kind, namespace, name) of an object.
type Identity = (String, String, String, String);

/// §3.1: the same object applied by two Kustomizations of one daemon (two of its git
/// paths, or one file under two overlapping paths). One pass with a hash map.
pub(super) fn duplicates_across_paths(ctx: &Context, opts: &Options, findings: &mut Vec<Finding>) {
    let cluster_crds = crate::repo::namespaces::crd_scopes(ctx.files).0;
    let cluster_scoped = |kind: &str| {
        crate::repo::namespaces::CLUSTER_SCOPED.contains(&kind) || cluster_crds.contains(kind)
    };
    // (root, identity) → (path, file, line) of the first definition.
    let mut first: HashMap<(usize, Identity), (&str, &str, usize)> = HashMap::new();
    // Generator inputs and kustomize patches are not applied as written.
    for f in ctx.files {
        if f.untouchable || ctx.discovery.not_applied.contains(&f.path) {
            continue;
        }
        let covering: Vec<(usize, &str)> = ctx
            .roots
            .iter()
            .enumerate()
            .flat_map(|(ri, r)| {
                r.paths
                    .iter()
                    .filter(|p| f.path.starts_with(p.as_str()))
                    .map(move |p| (ri, p.as_str()))
            })
            .collect();
        if covering.is_empty() {
            continue;
        }
        for d in &f.docs {
            if !matches!(
                d.kind,
                DocKind::Object { .. } | DocKind::FluxV2 { .. } | DocKind::HelmReleaseV1(_)
            ) {
                continue;
            }
            let Some(root) = d.root() else { continue };
            let kind = root.get("kind").and_then(Node::as_str).unwrap_or("");
            let objs: Vec<&Node> = if kind.ends_with("List") && root.get("items").is_some() {
                root.get("items")
                    .map(|i| i.items().iter().collect())
                    .unwrap_or_default()
            } else {
                vec![root]
            };
            for o in objs {
                let Some(id) = identity(o, &opts.default_namespace, &cluster_scoped) else {
                    continue;
                };
                let line = o
                    .path(&["metadata", "name"])
                    .map(|n| n.line())
                    .unwrap_or(o.line())
                    + d.line_offset;
                for &(ri, p) in &covering {
                    let key = (ri, id.clone());
                    match first.get(&key) {
                        None => {
                            first.insert(key, (p, f.path.as_str(), line));
                        }
                        Some(&(p0, f0, l0)) if p0 != p => {
                            let (_, kind, ns, name) = &id;
                            let obj = if ns.is_empty() {
                                format!("{kind} {name}")
                            } else {
                                format!("{kind} {ns}/{name}")
                            };
                            let shown = |p: &str| {
                                if p.is_empty() {
                                    ".".to_string()
                                } else {
                                    p.trim_end_matches('/').to_string()
                                }
                            };
                            findings.push(Finding::new(
                                Code::DUPLICATE_ACROSS_PATHS,
                                &f.path,
                                line,
                                1,
                                format!(
                                    "{obj} is applied from two sync paths of one daemon: `{}` (path `{}`, line {l0}) and `{}` (path `{}`); their Kustomizations would fight over it (fluxd rejected the duplicate)",
                                    f0,
                                    shown(p0),
                                    f.path,
                                    shown(p)
                                ),
                            ));
                        }
                        Some(_) => {}
                    }
                }
            }
        }
    }
}

fn identity(
    o: &Node,
    fallback_ns: &str,
    cluster_scoped: &dyn Fn(&str) -> bool,
) -> Option<Identity> {
    let api = o.get("apiVersion").and_then(Node::as_str)?;
    let kind = o.get("kind").and_then(Node::as_str)?;
    let name = o.path(&["metadata", "name"]).and_then(Node::as_str)?;
    let group = api.rsplit_once('/').map(|(g, _)| g).unwrap_or("");
    let ns = match o.path(&["metadata", "namespace"]).and_then(Node::as_str) {
        Some(ns) if !ns.is_empty() => ns.to_string(),
        _ if cluster_scoped(kind) => String::new(),
        _ => fallback_ns.to_string(),
    };
    Some((group.into(), kind.into(), ns, name.into()))
}
