//! References between objects (sourceRef, chartRef, dependsOn, imageRepositoryRef,
//! valuesFrom/secretRef), Helm release identity, and `$imagepolicy` markers.
//!
//! A reference from an object of a cluster must name an object of that cluster; one
//! from a document no build holds may name any object of the tree.
//!
//! Every field is read as kustomize-controller applies it, after the postBuild
//! substitution of the Kustomization that builds the object ([`field`],
//! `substitute::resolved`): a value unknown offline skips its check (the substitution
//! finding says why) rather than report a reference to a templated name.

use super::{substitute, Ctx, Instance, Key};
use crate::model::codes::Code;
use crate::model::k8s_names::MAX_RELEASE_NAME;
use crate::yaml::Node;
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

const SOURCE: &str = "source.toolkit.fluxcd.io";
const HELM: &str = "helm.toolkit.fluxcd.io";
const KUSTOMIZE: &str = "kustomize.toolkit.fluxcd.io";
const IMAGE: &str = "image.toolkit.fluxcd.io";

/// What the references of the objects may resolve to.
struct Scope {
    by_cluster: BTreeMap<usize, BTreeSet<Key>>,
    /// Documents of no build and no cluster, beside the top-level Kustomizations (may
    /// be applied by hand to any cluster).
    unassigned: BTreeMap<Key, (usize, usize)>,
    /// Unassigned objects a cluster's reference needed, with the first referrer: in a
    /// tree without Flux Kustomizations only hand-applying them gives a cluster them.
    by_hand: RefCell<BTreeMap<Key, String>>,
    tree: BTreeSet<Key>,
    /// Objects a build moved to another namespace (a kustomization's `namespace:`):
    /// key as written → (namespace in the build, file).
    moved: BTreeMap<Key, (String, usize)>,
}

impl Scope {
    /// Why a reference to `key` misses, when the object is there but a build moved it.
    fn moved_hint(&self, ctx: &Ctx, key: &Key) -> String {
        self.moved.get(key).map_or_else(String::new, |(ns, f)| {
            format!(
                "; {} {} is written with namespace {} in {}, but a kustomization's `namespace:` moves it to {ns} in its build",
                key.1, key.3, key.2, ctx.files[*f].path
            )
        })
    }
}

impl Scope {
    fn has(&self, cluster: Option<usize>, key: &Key) -> bool {
        match cluster {
            Some(c) => {
                self.by_cluster.get(&c).is_some_and(|s| s.contains(key))
                    || self.unassigned.contains_key(key)
            }
            None => self.tree.contains(key),
        }
    }
}

fn s<'n>(n: &'n Node, key: &str) -> Option<&'n str> {
    n.get(key).and_then(Node::as_str).filter(|v| !v.is_empty())
}

/// A string map of `o` at `path` (labels, matchLabels) as applied: its values after
/// `o`'s postBuild substitution.
fn applied_map(
    ctx: &mut Ctx,
    o: &Instance,
    map: &Node,
    path: &str,
) -> Result<Vec<(String, String)>, Unknown> {
    let mut out = Vec::new();
    for e in map.entries() {
        let (Some(k), Some(v)) = (e.key.as_str(), e.value.as_str()) else {
            continue;
        };
        let v = substitute::resolved(ctx, o, &e.value, &format!("{path}.{k}"), v).ok_or(Unknown)?;
        out.push((k.to_string(), v.into_owned()));
    }
    Ok(out)
}

/// A value of a field the cluster gets is not known offline (a finding says why).
struct Unknown;

/// The string `key` of `r` (a node of `o` at `path`) as applied: after `o`'s postBuild
/// substitution; `None` when unset or empty.
fn field<'n>(
    ctx: &mut Ctx,
    o: &Instance,
    r: &'n Node,
    key: &str,
    path: &str,
) -> Result<Option<Cow<'n, str>>, Unknown> {
    let Some((n, raw)) = r.get(key).and_then(|n| Some((n, n.as_str()?))) else {
        return Ok(None);
    };
    match substitute::resolved(ctx, o, n, &format!("{path}.{key}"), raw) {
        Some(v) if v.is_empty() => Ok(None),
        Some(v) => Ok(Some(v)),
        None => Err(Unknown),
    }
}

/// `VERIFY_APPLIED_BY_HAND`: in a tree without Flux Kustomizations, an object no build
/// holds that a cluster's object references. The pre-flight accepts the reference (the
/// file may be applied by hand, `kubectl apply -f`), but no sync applies it.
fn applied_by_hand(ctx: &mut Ctx, scope: &Scope) {
    for (key, referrer) in scope.by_hand.borrow().iter() {
        let Some(&(file, doc)) = scope.unassigned.get(key) else {
            continue;
        };
        let node = ctx.files[file].docs[doc]
            .root()
            .and_then(|r| r.path(&["metadata", "name"]));
        let m = format!(
            "{} {}/{} is in no build of a sync root, yet {referrer} needs it: nothing applies `{}` unless it is applied by hand to every cluster that needs it; list it in that cluster's kustomization, or give --sync-path per cluster when converting",
            key.1, key.2, key.3, ctx.files[file].path
        );
        ctx.push(Code::VERIFY_APPLIED_BY_HAND, file, doc, node, m);
    }
}

/// Checks references, release identity and markers; gives the markers an
/// ImageUpdateAutomation updates ([`Automated`]).
pub(super) fn check(ctx: &mut Ctx, all: &[Instance], no_flux_kustomization: bool) -> Automated {
    let mut scope = Scope {
        by_cluster: BTreeMap::new(),
        unassigned: BTreeMap::new(),
        by_hand: RefCell::new(BTreeMap::new()),
        tree: BTreeSet::new(),
        moved: BTreeMap::new(),
    };
    for o in all {
        let key = o.key();
        if let Some(w) = o
            .root
            .path(&["metadata", "namespace"])
            .and_then(Node::as_str)
            .filter(|w| !o.cluster_scoped && Some(*w) != o.ns.as_deref())
        {
            let mut k = key.clone();
            k.2 = w.to_string();
            scope
                .moved
                .entry(k)
                .or_insert((o.ns_or_default().to_string(), o.file));
        }
        match o.cluster {
            Some(c) => {
                scope.by_cluster.entry(c).or_default().insert(key.clone());
            }
            None if o.beside_top => {
                scope
                    .unassigned
                    .entry(key.clone())
                    .or_insert((o.file, o.doc));
            }
            None => {}
        }
        scope.tree.insert(key);
    }
    for o in all {
        let Some(spec) = o.root.get("spec") else {
            continue;
        };
        match (o.group.as_str(), o.kind.as_str()) {
            (HELM, "HelmRelease") => {
                if let Some(r) = spec.path(&["chart", "spec", "sourceRef"]) {
                    reference(ctx, &scope, o, r, SOURCE, None, "chart.spec.sourceRef");
                }
                if let Some(r) = spec.get("chartRef") {
                    reference(ctx, &scope, o, r, SOURCE, None, "chartRef");
                }
                depends_on(ctx, &scope, o, spec, HELM, "HelmRelease");
                if let Some(items) = spec.get("valuesFrom") {
                    for v in items.items() {
                        external(
                            ctx,
                            &scope,
                            o,
                            v,
                            s(v, "kind").unwrap_or("ConfigMap"),
                            "valuesFrom",
                        );
                    }
                }
            }
            (KUSTOMIZE, "Kustomization") => {
                if let Some(r) = spec.get("sourceRef") {
                    reference(ctx, &scope, o, r, SOURCE, None, "sourceRef");
                }
                depends_on(ctx, &scope, o, spec, KUSTOMIZE, "Kustomization");
                if let Some(r) = spec.path(&["decryption", "secretRef"]) {
                    external(ctx, &scope, o, r, "Secret", "decryption.secretRef");
                }
                if let Some(items) = spec.path(&["postBuild", "substituteFrom"]) {
                    for v in items.items() {
                        if v.get("optional").and_then(Node::as_bool) != Some(true) {
                            external(
                                ctx,
                                &scope,
                                o,
                                v,
                                s(v, "kind").unwrap_or("ConfigMap"),
                                "postBuild.substituteFrom",
                            );
                        }
                    }
                }
            }
            (IMAGE, "ImagePolicy") => {
                if let Some(r) = spec.get("imageRepositoryRef") {
                    reference(
                        ctx,
                        &scope,
                        o,
                        r,
                        IMAGE,
                        Some("ImageRepository"),
                        "imageRepositoryRef",
                    );
                }
            }
            (IMAGE, "ImageUpdateAutomation") => {
                if let Some(r) = spec.get("sourceRef") {
                    reference(
                        ctx,
                        &scope,
                        o,
                        r,
                        SOURCE,
                        Some("GitRepository"),
                        "sourceRef",
                    );
                }
            }
            (SOURCE, _) | (IMAGE, "ImageRepository") => {
                if let Some(r) = spec.get("secretRef") {
                    external(ctx, &scope, o, r, "Secret", "secretRef");
                }
            }
            _ => {}
        }
    }
    releases(ctx, all);
    let automated = markers(ctx, all, &scope);
    if no_flux_kustomization {
        applied_by_hand(ctx, &scope);
    }
    automated
}

/// The lines holding a `$imagepolicy` marker that an ImageUpdateAutomation covers
/// (namespace and `update.path`, policy selector): (file index, line) → ImagePolicy
/// `namespace/name`.
pub(crate) type Automated = BTreeMap<(usize, usize), String>;

/// A reference `{kind, name, namespace}` (kind defaulting to `default_kind`).
fn reference(
    ctx: &mut Ctx,
    scope: &Scope,
    o: &Instance,
    r: &Node,
    group: &str,
    default_kind: Option<&str>,
    field: &str,
) {
    let path = format!("spec.{field}");
    let (Ok(Some(name)), Ok(kind), Ok(ref_ns)) = (
        self::field(ctx, o, r, "name", &path),
        self::field(ctx, o, r, "kind", &path),
        self::field(ctx, o, r, "namespace", &path),
    ) else {
        return;
    };
    let Some(kind) = kind.or(default_kind.map(Cow::Borrowed)) else {
        return;
    };
    let (name, kind) = (name.as_ref(), kind.as_ref());
    let ns = ref_ns.as_deref().unwrap_or(o.ns_or_default());
    let key = (
        group.to_string(),
        kind.to_string(),
        ns.to_string(),
        name.to_string(),
    );
    let what = || format!("{} {}/{} {field}", o.kind, o.ns_or_default(), o.name);
    if scope.has(o.cluster, &key) {
        let own = o
            .cluster
            .is_some_and(|c| scope.by_cluster.get(&c).is_some_and(|s| s.contains(&key)));
        if o.cluster.is_some() && !own {
            scope.by_hand.borrow_mut().entry(key).or_insert_with(what);
        }
        return;
    }
    let what = what();
    let node = r.get("name");
    if ns == "flux-system"
        && name == "flux-system"
        && matches!(kind, "GitRepository" | "Kustomization")
    {
        if ctx.options.assume_bootstrap {
            ctx.bootstrap
                .insert(format!("{kind} flux-system/flux-system"));
            let m = format!("{what} names {kind} flux-system/flux-system, assumed to be created by `flux bootstrap`");
            ctx.push(Code::VERIFY_BOOTSTRAP_ASSUMED, o.file, o.doc, node, m);
        } else {
            let cause = ctx
                .causes
                .bootstrap
                .as_ref()
                .map(|c| format!("; fluxport named it because {c}"))
                .unwrap_or_default();
            let m = format!("{what} names {kind} flux-system/flux-system, which is not in the repository: only `flux bootstrap` creates it (verify with --assume-bootstrap if bootstrap runs){cause}");
            ctx.push(Code::VERIFY_BOOTSTRAP_REF, o.file, o.doc, node, m);
        }
        return;
    }
    let where_ = if o.cluster.is_some() {
        "in this cluster"
    } else {
        "in the repository"
    };
    let mut hint = scope.moved_hint(ctx, &key);
    // The referrer moved and its reference has no namespace: it follows the move.
    let written = o
        .root
        .path(&["metadata", "namespace"])
        .and_then(Node::as_str);
    if let Some(w) = written.filter(|w| ref_ns.is_none() && *w != ns) {
        hint.push_str(&format!(
            "; {} {} is written with namespace {w} in {}, but a kustomization's `namespace:` moves it to {ns} in its build, and the reference sets no namespace",
            o.kind, o.name, ctx.files[o.file].path
        ));
    }
    let m = format!("{what} names {kind} {ns}/{name}, which is not {where_}{hint}");
    ctx.push(Code::VERIFY_REF_MISSING, o.file, o.doc, node, m);
}

fn depends_on(ctx: &mut Ctx, scope: &Scope, o: &Instance, spec: &Node, group: &str, kind: &str) {
    let Some(items) = spec.get("dependsOn") else {
        return;
    };
    for d in items.items() {
        reference(ctx, scope, o, d, group, Some(kind), "dependsOn");
    }
}

/// A Secret/ConfigMap reference: info when it is not in the repository.
fn external(ctx: &mut Ctx, scope: &Scope, o: &Instance, r: &Node, kind: &str, field: &str) {
    let Ok(Some(name)) = self::field(ctx, o, r, "name", &format!("spec.{field}")) else {
        return;
    };
    let ns = o.ns_or_default();
    let key = (
        String::new(),
        kind.to_string(),
        ns.to_string(),
        name.to_string(),
    );
    if scope.has(o.cluster, &key) || scope.tree.contains(&key) {
        return;
    }
    let m = format!(
        "{} {ns}/{} {field} names {kind} {ns}/{name}, which is not in the repository; it must exist in the cluster",
        o.kind, o.name
    );
    ctx.push(Code::VERIFY_EXTERNAL_REF, o.file, o.doc, r.get("name"), m);
}

/// Helm release names: length, and one HelmRelease per (storage namespace, release
/// name) in a cluster.
fn releases(ctx: &mut Ctx, all: &[Instance]) {
    let mut seen: BTreeMap<(Option<usize>, String, String), (String, String)> = BTreeMap::new();
    for o in all
        .iter()
        .filter(|o| o.group == HELM && o.kind == "HelmRelease")
    {
        let Some(spec) = o.root.get("spec") else {
            continue;
        };
        let (Ok(explicit), Ok(tns), Ok(storage)) = (
            field(ctx, o, spec, "releaseName", "spec"),
            field(ctx, o, spec, "targetNamespace", "spec"),
            field(ctx, o, spec, "storageNamespace", "spec"),
        ) else {
            continue; // the identity is unknown offline
        };
        let id = crate::model::release::release_identity(
            explicit.as_deref(),
            tns.as_deref(),
            storage.as_deref(),
            &o.name,
            o.ns_or_default(),
        );
        let (explicit, release) = (id.explicit, id.release);
        if release.len() > MAX_RELEASE_NAME && !release.contains("${") {
            let m = if explicit.is_some() {
                format!("spec.releaseName `{release}` is {} characters long; the HelmRelease CRD and Helm allow {MAX_RELEASE_NAME}", release.len())
            } else {
                format!("the release name `{release}` ([targetNamespace-]name) is {} characters long; helm-controller shortens it to a hashed name, a new release", release.len())
            };
            let node = spec
                .get("releaseName")
                .or_else(|| o.root.path(&["metadata", "name"]));
            ctx.push(Code::VERIFY_RELEASE_NAME_TOO_LONG, o.file, o.doc, node, m);
        }
        if o.cluster.is_none() {
            continue;
        }
        let storage = id.storage;
        let me = (o.ns_or_default().to_string(), o.name.clone());
        match seen.get(&(o.cluster, storage.clone(), release.clone())) {
            Some(first) if *first != me => {
                let m = format!(
                    "HelmRelease {}/{} and HelmRelease {}/{} both manage Helm release `{release}` in namespace {storage}",
                    me.0, me.1, first.0, first.1
                );
                let node = spec
                    .get("releaseName")
                    .or_else(|| o.root.path(&["metadata", "name"]));
                ctx.push(Code::VERIFY_RELEASE_CLASH, o.file, o.doc, node, m);
            }
            Some(_) => {}
            None => {
                seen.insert((o.cluster, storage, release), me);
            }
        }
    }
}

/// One `$imagepolicy` marker: (line, column, namespace, name).
pub(crate) fn find_markers(text: &str) -> Vec<(usize, usize, String, String)> {
    const NEEDLE: &str = "\"$imagepolicy\"";
    let mut out = Vec::new();
    // One search over the whole text (not one per line): the first hit of each line,
    // as `text.lines()` would give it, with its line number counted as we go.
    let (mut line_no, mut counted_to, mut last_start) = (1usize, 0usize, usize::MAX);
    for (hit, _) in text.match_indices(NEEDLE) {
        line_no += text.as_bytes()[counted_to..hit]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        counted_to = hit;
        let start = text[..hit].rfind('\n').map_or(0, |i| i + 1);
        if start == last_start {
            continue; // a second marker on one line
        }
        last_start = start;
        let line = match text[hit..].find('\n') {
            Some(n) => {
                let l = &text[start..hit + n];
                l.strip_suffix('\r').unwrap_or(l)
            }
            None => &text[start..],
        };
        let (i, at) = (line_no - 1, hit - start);
        let rest = &line[at + NEEDLE.len()..];
        let Some(rest) = rest.trim_start().strip_prefix(':') else {
            continue;
        };
        let Some(rest) = rest.trim_start().strip_prefix('"') else {
            continue;
        };
        let Some(end) = rest.find('"') else { continue };
        let mut parts = rest[..end].split(':');
        let (Some(ns), Some(name)) = (parts.next(), parts.next()) else {
            continue;
        };
        let col = line[..at].chars().count() + 1;
        out.push((i + 1, col, ns.to_string(), name.to_string()));
    }
    out
}

fn markers(ctx: &mut Ctx, all: &[Instance], scope: &Scope) -> Automated {
    let mut automated = Automated::new();
    // ImageUpdateAutomations by namespace: (update.path, policySelector matchLabels).
    type Iua = (String, Option<String>, Option<Vec<(String, String)>>);
    let mut iuas: BTreeMap<String, Vec<Iua>> = BTreeMap::new();
    let mut seen = BTreeSet::new();
    for o in all
        .iter()
        .filter(|o| o.group == IMAGE && o.kind == "ImageUpdateAutomation")
    {
        // One per document (two clusters may each have an automation of one name).
        if !seen.insert((o.file, o.doc, o.ns_or_default().to_string())) {
            continue;
        }
        let Some(update) = o.root.path(&["spec", "update"]) else {
            continue;
        };
        // Unknown offline: it may cover any file.
        let path = match field(ctx, o, update, "path", "spec.update") {
            Ok(p) => Some(super::normalise(p.as_deref().unwrap_or("./")).unwrap_or_default()),
            Err(Unknown) => None,
        };
        // Unknown offline: taken to select every policy (as no selector does).
        let selector = o
            .root
            .path(&["spec", "policySelector", "matchLabels"])
            .and_then(|m| applied_map(ctx, o, m, "spec.policySelector.matchLabels").ok());
        iuas.entry(o.ns_or_default().to_string())
            .or_default()
            .push((o.name.clone(), path, selector));
    }
    // Policy labels, for policySelector, as the cluster has them: spec.commonMetadata's
    // override the written ones. `None`: unknown offline, taken to match any selector.
    type Labels = Option<Vec<(String, String)>>;
    let mut labels: BTreeMap<(String, String), Labels> = BTreeMap::new();
    for o in all
        .iter()
        .filter(|o| o.group == IMAGE && o.kind == "ImagePolicy")
    {
        let written = match o.root.path(&["metadata", "labels"]) {
            Some(m) => applied_map(ctx, o, m, "metadata.labels").ok(),
            None => Some(Vec::new()),
        };
        let l = written.map(|mut l| {
            if let Some(c) = &o.common_labels {
                l.retain(|(k, _)| !c.contains_key(k));
                l.extend(c.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
            l
        });
        labels.insert((o.ns_or_default().to_string(), o.name.clone()), l);
    }
    for (fi, f) in ctx.files.iter().enumerate() {
        let Some(text) = f.text.as_deref() else {
            continue;
        };
        if !text.contains("$imagepolicy") {
            continue;
        }
        for (line, col, ns, name) in find_markers(text) {
            let key = (
                IMAGE.to_string(),
                "ImagePolicy".to_string(),
                ns.clone(),
                name.clone(),
            );
            if !scope.tree.contains(&key) {
                let hint = scope.moved_hint(ctx, &key);
                ctx.findings.push(crate::model::finding::Finding::new(
                    Code::VERIFY_MARKER_UNKNOWN_POLICY,
                    &f.path,
                    line,
                    col,
                    format!(
                        "the marker names ImagePolicy {ns}/{name}, which is not in the repository{hint}"
                    ),
                ));
                continue;
            }
            let pl = labels
                .get(&(ns.clone(), name.clone()))
                .map_or(Some(&[][..]), |l| l.as_deref());
            let covered = iuas.get(&ns).into_iter().flatten().any(|(_, path, sel)| {
                let selected = match (sel, pl) {
                    (Some(want), Some(pl)) => want.iter().all(|kv| pl.contains(kv)),
                    _ => true,
                };
                // `f.path` starts with `{path}/`.
                let under = path.as_ref().is_none_or(|path| {
                    path.is_empty()
                        || f.path
                            .strip_prefix(path.as_str())
                            .is_some_and(|r| r.starts_with('/'))
                });
                selected && under
            });
            if covered {
                automated.insert((fi, line), format!("{ns}/{name}"));
            } else {
                let names: Vec<String> = iuas
                    .get(&ns)
                    .into_iter()
                    .flatten()
                    .map(|(n, p, _)| {
                        format!("{ns}/{n} (update.path `./{}`)", p.as_deref().unwrap_or(""))
                    })
                    .collect();
                let m = if names.is_empty() {
                    format!("the marker for ImagePolicy {ns}/{name} is updated by no ImageUpdateAutomation: none is in namespace {ns}")
                } else {
                    format!(
                        "the marker for ImagePolicy {ns}/{name} is outside the update.path of every ImageUpdateAutomation of namespace {ns}: {}",
                        names.join(", ")
                    )
                };
                ctx.findings.push(crate::model::finding::Finding::new(
                    Code::VERIFY_MARKER_NOT_COVERED,
                    &f.path,
                    line,
                    col,
                    m,
                ));
            }
        }
    }
    automated
}

#[cfg(test)]
mod tests {
    use super::find_markers;

    /// The whole-text search gives what a per-line search gives: the first marker of
    /// each line, its 1-based line and character column, across `\n` and `\r\n`.
    #[test]
    fn find_markers_first_per_line_with_lines_and_columns() {
        let text = "a: 1\r\n  image: x # {\"$imagepolicy\": \"ns:one\"}\r\n\nb: é {\"$imagepolicy\": \"ns2:two:tag\"} {\"$imagepolicy\": \"ns:skip\"}\nc: {\"$imagepolicy\": \"nocolon\"}\nd: {\"$imagepolicy\":\"last:x\"}";
        let got = find_markers(text);
        let want = vec![
            (2, 15, "ns".to_string(), "one".to_string()),
            (4, 7, "ns2".to_string(), "two".to_string()),
            (6, 5, "last".to_string(), "x".to_string()),
        ];
        assert_eq!(got, want);
        assert!(find_markers("no marker here\n").is_empty());
        // The per-line definition, as the oracle.
        let per_line = |text: &str| {
            let mut out = Vec::new();
            for (i, line) in text.lines().enumerate() {
                let Some(at) = line.find("\"$imagepolicy\"") else {
                    continue;
                };
                let rest = line[at + 14..].trim_start().strip_prefix(':');
                let Some(rest) = rest.and_then(|r| r.trim_start().strip_prefix('"')) else {
                    continue;
                };
                let Some(end) = rest.find('"') else { continue };
                let mut parts = rest[..end].split(':');
                let (Some(ns), Some(name)) = (parts.next(), parts.next()) else {
                    continue;
                };
                let col = line[..at].chars().count() + 1;
                out.push((i + 1, col, ns.to_string(), name.to_string()));
            }
            out
        };
        for t in [
            text,
            "\"$imagepolicy\"\"$imagepolicy\": \"a:b\"\n",
            "x\n\"$imagepolicy\"\r\n: \"a:b\"\n\"$imagepolicy\":\"c:d\"\r",
        ] {
            assert_eq!(find_markers(t), per_line(t), "{t:?}");
        }
    }
}
