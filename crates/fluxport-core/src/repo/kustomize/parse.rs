//! Reading one kustomization file into a [`Kustomization`], resolving its entries
//! against the repository's file list.

use super::build::compile_selector;
use super::paths::{
    is_within, join, looks_remote, split_dir, split_stream, KUSTOMIZATION_FILE_NAMES,
};
use super::*;
use crate::yaml::{parse_document, Node};
use std::collections::BTreeMap;

/// What a file named like a kustomization holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KustFileKind {
    Kustomization,
    Component,
    /// Another object under that name (a Flux `kustomize.toolkit.fluxcd.io`
    /// Kustomization, some other kind, or not a mapping).
    NotKustomize,
}

/// Classifies a kustomization file's root. kustomize defaults a missing `kind` to
/// Kustomization and a missing `apiVersion` to `kustomize.config.k8s.io/...`
/// (`api/types/kustomization.go#FixKustomization`).
pub fn kustomize_kind_of(root: &Node) -> KustFileKind {
    if root.is_null() {
        return KustFileKind::Kustomization;
    }
    if !root.is_map() {
        return KustFileKind::NotKustomize;
    }
    let api = root.get("apiVersion").and_then(Node::as_str);
    if api.is_some_and(|a| !a.starts_with("kustomize.config.k8s.io/")) {
        return KustFileKind::NotKustomize;
    }
    match root.get("kind").and_then(Node::as_str) {
        None | Some("Kustomization") => KustFileKind::Kustomization,
        Some("Component") => KustFileKind::Component,
        Some(_) => KustFileKind::NotKustomize,
    }
}

/// Kinds kustomize knows to be cluster-scoped: the `false` entries of kyaml's
/// precomputed scope table (`kyaml/openapi/openapi.go#precomputedIsNamespaceScoped`),
/// keyed by exact apiVersion and kind. Anything else (all custom resources, and a
/// known kind under an unknown apiVersion) is treated as namespaced, as kustomize does.
pub fn is_cluster_scoped(api_version: &str, kind: &str) -> bool {
    const BY_GROUP: &[(&str, &[&str], &[&str])] = &[
        (
            "admissionregistration.k8s.io",
            &["v1", "v1beta1"],
            &[
                "MutatingWebhookConfiguration",
                "ValidatingWebhookConfiguration",
            ],
        ),
        (
            "admissionregistration.k8s.io",
            &["v1"],
            &[
                "ValidatingAdmissionPolicy",
                "ValidatingAdmissionPolicyBinding",
            ],
        ),
        (
            "apiextensions.k8s.io",
            &["v1", "v1beta1"],
            &["CustomResourceDefinition"],
        ),
        (
            "apiregistration.k8s.io",
            &["v1", "v1beta1"],
            &["APIService"],
        ),
        (
            "certificates.k8s.io",
            &["v1", "v1beta1"],
            &["CertificateSigningRequest"],
        ),
        (
            "flowcontrol.apiserver.k8s.io",
            &["v1beta1"],
            &["FlowSchema", "PriorityLevelConfiguration"],
        ),
        ("networking.k8s.io", &["v1", "v1beta1"], &["IngressClass"]),
        ("node.k8s.io", &["v1", "v1beta1"], &["RuntimeClass"]),
        ("policy", &["v1beta1"], &["PodSecurityPolicy"]),
        (
            "rbac.authorization.k8s.io",
            &["v1", "v1beta1"],
            &["ClusterRole", "ClusterRoleBinding"],
        ),
        ("scheduling.k8s.io", &["v1", "v1beta1"], &["PriorityClass"]),
        (
            "storage.k8s.io",
            &["v1", "v1beta1"],
            &["CSIDriver", "CSINode", "StorageClass", "VolumeAttachment"],
        ),
        (
            "",
            &["v1"],
            &[
                "ComponentStatus",
                "Namespace",
                "Node",
                "NodeProxyOptions",
                "PersistentVolume",
            ],
        ),
    ];
    let (group, version) = match api_version.split_once('/') {
        Some((g, v)) => (g, v),
        None => ("", api_version),
    };
    BY_GROUP
        .iter()
        .any(|(g, vs, ks)| *g == group && vs.contains(&version) && ks.contains(&kind))
}

/// File and directory lookups for entry resolution.
pub(crate) struct Index<'f> {
    files: HashMap<&'f str, usize>,
    dirs: HashSet<&'f str>,
    /// Directories with a kustomize kustomization file.
    kust_dirs: HashSet<String>,
    /// Directory -> files with a recognised kustomization name, in kustomize's order.
    pub kust_files: BTreeMap<String, Vec<usize>>,
}

impl<'f> Index<'f> {
    pub fn new(files: &[RepoFile<'f>]) -> Index<'f> {
        let mut idx = Index {
            files: HashMap::new(),
            dirs: HashSet::new(),
            kust_dirs: HashSet::new(),
            kust_files: BTreeMap::new(),
        };
        for (i, f) in files.iter().enumerate() {
            idx.files.entry(f.path).or_insert(i);
            let mut p = f.path;
            while let Some(j) = p.rfind('/') {
                p = &p[..j];
                if !idx.dirs.insert(p) {
                    break;
                }
            }
            idx.dirs.insert("");
            let (dir, name) = split_dir(f.path);
            if KUSTOMIZATION_FILE_NAMES.contains(&name) {
                idx.kust_files.entry(dir.to_string()).or_default().push(i);
            }
        }
        for (dir, list) in idx.kust_files.iter_mut() {
            list.sort_by_key(|&i| {
                KUSTOMIZATION_FILE_NAMES
                    .iter()
                    .position(|n| split_dir(files[i].path).1 == *n)
            });
            list.dedup();
            let usable = list.iter().any(|&i| {
                files[i]
                    .docs
                    .first()
                    .is_none_or(|r| kustomize_kind_of(r) != KustFileKind::NotKustomize)
            });
            if usable {
                idx.kust_dirs.insert(dir.clone());
            }
        }
        idx
    }

    /// Resolves an entry of the kustomization in `dir`. Files first, then
    /// directories, then remote specs (kustomize's order).
    fn resolve(&self, dir: &str, value: &str, files_only: bool) -> (Resolved, bool) {
        match join(dir, value) {
            Some(p) => {
                if let Some(&f) = self.files.get(p.as_str()) {
                    return (Resolved::File(f), !is_within(&p, dir));
                }
                if !files_only && self.kust_dirs.contains(&p) {
                    return (Resolved::Dir(p), false);
                }
                if looks_remote(value) {
                    return (Resolved::Remote, false);
                }
                if !files_only && self.dirs.contains(p.as_str()) {
                    return (Resolved::DirWithoutKustomization(p), false);
                }
                (Resolved::Missing(p), false)
            }
            None if looks_remote(value) => (Resolved::Remote, false),
            None => (Resolved::Missing(value.to_string()), false),
        }
    }
}

struct Ctx<'a, 'i> {
    file: usize,
    dir: String,
    index: &'i Index<'a>,
    files: &'i [RepoFile<'a>],
    problems: Vec<Problem>,
}

impl<'a> Ctx<'a, '_> {
    fn problem(&mut self, kind: ProblemKind, node: &Node, message: String) {
        self.problems.push(Problem {
            kind,
            file: self.file,
            line: node.line(),
            col: node.col(),
            message,
        });
    }

    fn entry(&mut self, field: Field, node: &'a Node, files_only: bool) -> Option<Entry<'a>> {
        let Some(value) = node.as_str().filter(|_| !node.is_null()) else {
            self.problem(
                ProblemKind::BadField,
                node,
                format!("{}: an entry that is not a path", field.key()),
            );
            return None;
        };
        let (resolved, outside_root) = self.index.resolve(&self.dir, value, files_only);
        match &resolved {
            Resolved::Missing(p) => self.problem(
                ProblemKind::Missing,
                node,
                format!("{}: {value} ({p}) does not exist", field.key()),
            ),
            Resolved::DirWithoutKustomization(p) => self.problem(
                ProblemKind::NoKustomization,
                node,
                format!("{}: {p} has no kustomization file", field.key()),
            ),
            Resolved::Remote => self.problem(
                ProblemKind::Remote,
                node,
                format!("{}: remote {value} is not fetched", field.key()),
            ),
            _ => {}
        }
        Some(Entry {
            field,
            value: value.to_string(),
            node,
            resolved,
            outside_root,
        })
    }

    fn list(&mut self, root: &'a Node, field: Field) -> Vec<Entry<'a>> {
        let Some(seq) = root.get(field.key()) else {
            return Vec::new();
        };
        if seq.is_null() {
            return Vec::new();
        }
        if !seq.is_seq() {
            self.problem(
                ProblemKind::BadField,
                seq,
                format!("{} is not a list", field.key()),
            );
            return Vec::new();
        }
        seq.items()
            .iter()
            .filter_map(|n| self.entry(field, n, false))
            .collect()
    }

    fn setting(&mut self, root: &'a Node, key: &str) -> Option<Setting<'a>> {
        let n = root.get(key)?;
        if n.is_null() {
            return None;
        }
        match n.as_str() {
            Some(v) if !v.is_empty() => Some(Setting {
                value: v.to_string(),
                node: n,
            }),
            Some(_) => None,
            None => {
                self.problem(ProblemKind::BadField, n, format!("{key} is not a string"));
                None
            }
        }
    }

    /// Patch documents and format from a patch file's parsed documents.
    fn file_docs(&self, file: usize) -> (PatchFormat, Vec<PatchDoc>, Option<String>) {
        let docs: Vec<(Option<usize>, &Node)> = self.files[file]
            .docs
            .iter()
            .enumerate()
            .map(|(i, n)| (Some(i), *n))
            .collect();
        docs_of(&docs)
    }

    fn patch(&mut self, field: Field, item: &'a Node) -> Option<Patch<'a>> {
        let mut p = Patch {
            field,
            node: item,
            path: None,
            inline: None,
            target: None,
            format: PatchFormat::Unknown,
            docs: Vec::new(),
            error: None,
        };
        let (path_node, inline_node) = if field == Field::PatchesStrategicMerge {
            let text = item.as_str()?;
            // kustomize first reads the item as YAML objects, then as a path.
            let inline = text.contains('\n') || parse_inline(text).0 == PatchFormat::StrategicMerge;
            if inline {
                (None, Some(item))
            } else {
                (Some(item), None)
            }
        } else {
            if !item.is_map() {
                self.problem(
                    ProblemKind::BadField,
                    item,
                    format!("{}: an item that is not a mapping", field.key()),
                );
                return None;
            }
            if let Some(t) = item.get("target").filter(|t| !t.is_null()) {
                p.target = Some(self.selector(t));
            }
            (
                item.get("path").filter(|n| !n.is_null()),
                item.get("patch").filter(|n| !n.is_null()),
            )
        };
        match (path_node, inline_node) {
            (Some(_), Some(_)) => {
                p.error = Some("patch and path can't be set at the same time".into())
            }
            (None, None) => p.error = Some("must specify one of patch and path".into()),
            _ => {}
        }
        if let Some(n) = path_node {
            let e = self.entry(field, n, true)?;
            if let Resolved::File(f) = e.resolved {
                let (format, docs, err) = self.file_docs(f);
                (p.format, p.docs) = (format, docs);
                p.error = p.error.or(err);
            }
            p.path = Some(e);
        } else if let Some(n) = inline_node {
            p.inline = Some(n);
            match n.as_str() {
                Some(text) => {
                    let (format, docs, err) = parse_inline(text);
                    (p.format, p.docs) = (format, docs);
                    p.error = p.error.or(err);
                }
                None => p.error = Some("inline patch is not a string".into()),
            }
        }
        match (field, &p.target, p.format) {
            (Field::PatchesJson6902, None, _) => {
                p.error = p.error.or(Some("must specify a target".into()))
            }
            (Field::PatchesJson6902, Some(t), _) if t.name.is_none() => {
                p.error = p.error.or(Some("must specify the target name".into()))
            }
            (Field::Patches, None, PatchFormat::Json6902) => {
                p.error = p
                    .error
                    .or(Some("must specify a target for JSON patch".into()))
            }
            (Field::Patches, Some(_), PatchFormat::StrategicMerge) if p.docs.len() > 1 => {
                p.error = p.error.or(Some(
                    "several strategic-merge patches in one entry with a target".into(),
                ))
            }
            _ => {}
        }
        if let Some(err) = &p.error {
            self.problem(
                ProblemKind::InvalidPatch,
                item,
                format!("{}: {err}", field.key()),
            );
        }
        Some(p)
    }

    fn selector(&mut self, t: &'a Node) -> Selector<'a> {
        selector(t)
    }
}

/// A patch target selector (`target:` of `patches`/`patchesJson6902`, and of a Flux
/// Kustomization's `spec.patches`, which kustomize-controller copies verbatim into
/// the kustomization it builds), compiled; `error` says why it cannot be used.
pub fn selector(t: &Node) -> Selector<'_> {
    let get = |k: &str| {
        t.get(k)
            .and_then(Node::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let mut s = Selector {
        group: get("group"),
        version: get("version"),
        kind: get("kind"),
        name: get("name"),
        namespace: get("namespace"),
        label_selector: get("labelSelector"),
        annotation_selector: get("annotationSelector"),
        node: Some(t),
        compiled: None,
        error: None,
    };
    if !t.is_map() {
        s.error = Some("target is not a mapping".into());
    }
    match compile_selector(&s) {
        Ok(c) => s.compiled = Some(c),
        Err(e) => s.error = s.error.or(Some(e)),
    }
    s
}

/// Patch documents of an inline patch text: its format, each document's identity, and
/// why it cannot be read.
pub fn parse_inline(text: &str) -> (PatchFormat, Vec<PatchDoc>, Option<String>) {
    let mut roots = Vec::new();
    for part in split_stream(text) {
        match parse_document(part, 64, 256) {
            Ok(parsed) => roots.extend(parsed.root),
            Err(e) => {
                return (
                    PatchFormat::Unknown,
                    Vec::new(),
                    Some(format!("inline patch: {}", e.message)),
                )
            }
        }
    }
    let docs: Vec<(Option<usize>, &Node)> = roots.iter().map(|n| (None, n)).collect();
    docs_of(&docs)
}

fn docs_of(docs: &[(Option<usize>, &Node)]) -> (PatchFormat, Vec<PatchDoc>, Option<String>) {
    let docs: Vec<&(Option<usize>, &Node)> = docs.iter().filter(|(_, n)| !n.is_null()).collect();
    if docs.is_empty() {
        return (
            PatchFormat::Unknown,
            Vec::new(),
            Some("patch is empty".into()),
        );
    }
    if docs.iter().all(|(_, n)| n.is_map()) {
        let out = docs.iter().map(|(i, n)| smp_doc(*i, n)).collect();
        return (PatchFormat::StrategicMerge, out, None);
    }
    if docs.len() == 1 && docs[0].1.is_seq() {
        return (
            PatchFormat::Json6902,
            vec![json_doc(docs[0].0, docs[0].1)],
            None,
        );
    }
    (
        PatchFormat::Unknown,
        Vec::new(),
        Some("unable to parse SM or JSON patch".into()),
    )
}

fn text(n: Option<&Node>) -> String {
    n.and_then(Node::as_str).unwrap_or("").to_string()
}

fn smp_doc(doc: Option<usize>, n: &Node) -> PatchDoc {
    PatchDoc {
        doc,
        api_version: text(n.get("apiVersion")),
        kind: text(n.get("kind")),
        name: text(n.path(&["metadata", "name"])),
        namespace: n
            .path(&["metadata", "namespace"])
            .and_then(Node::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        delete: n.get("$patch").and_then(Node::as_str) == Some("delete"),
        renames: Vec::new(),
    }
}

fn json_doc(doc: Option<usize>, n: &Node) -> PatchDoc {
    let mut renames = Vec::new();
    for op in n.items() {
        let kind = op.get("op").and_then(Node::as_str);
        let path = op.get("path").and_then(Node::as_str);
        let value = op.get("value").and_then(Node::as_str);
        if let (Some("add" | "replace"), Some(path), Some(v)) = (kind, path, value) {
            match path {
                "/metadata/name" => renames.push(Rename::Name(v.to_string())),
                "/metadata/namespace" => renames.push(Rename::Namespace(v.to_string())),
                _ => {}
            }
        }
    }
    PatchDoc {
        doc,
        api_version: String::new(),
        kind: String::new(),
        name: String::new(),
        namespace: None,
        delete: false,
        renames,
    }
}

const UNMODELLED: &[&str] = &[
    "configMapGenerator",
    "secretGenerator",
    "generatorOptions",
    "generators",
    "transformers",
    "validators",
    "replacements",
    "replicas",
    "helmCharts",
    "helmChartInflationGenerator",
    "helmGlobals",
    "vars",
    "configurations",
    "crds",
    "openapi",
    "sortOptions",
    "buildMetadata",
];

fn string_map(ctx: &mut Ctx<'_, '_>, n: &Node, what: &str, out: &mut Vec<(String, String)>) {
    if n.is_null() {
        return;
    }
    if !n.is_map() {
        ctx.problem(ProblemKind::BadField, n, format!("{what} is not a mapping"));
        return;
    }
    for e in n.entries() {
        out.push((text(Some(&e.key)), text(Some(&e.value))));
    }
}

/// Parses the kustomization in `file`; `None` if the file is not kustomize's.
pub(crate) fn parse_kustomization<'a>(
    file: usize,
    rf: &RepoFile<'a>,
    index: &Index<'a>,
    files: &[RepoFile<'a>],
) -> Option<Kustomization<'a>> {
    let root = rf.docs.first().copied();
    let kind = match root.map(kustomize_kind_of) {
        None | Some(KustFileKind::Kustomization) => KustKind::Kustomization,
        Some(KustFileKind::Component) => KustKind::Component,
        Some(KustFileKind::NotKustomize) => return None,
    };
    let dir = split_dir(rf.path).0.to_string();
    let mut ctx = Ctx {
        file,
        dir: dir.clone(),
        index,
        files,
        problems: Vec::new(),
    };
    let mut k = Kustomization {
        file,
        path: rf.path.to_string(),
        dir,
        kind,
        root,
        resources: Vec::new(),
        components: Vec::new(),
        patches: Vec::new(),
        namespace: None,
        name_prefix: None,
        name_suffix: None,
        images: Vec::new(),
        labels: Vec::new(),
        annotations: Vec::new(),
        unmodelled: Vec::new(),
        problems: Vec::new(),
    };
    if rf.docs.len() > 1 {
        if let Some(second) = rf.docs.get(1) {
            ctx.problem(
                ProblemKind::BadField,
                second,
                "more than one document in a kustomization file".into(),
            );
        }
    }
    let Some(root) = root.filter(|r| r.is_map()) else {
        let message = format!("{} is empty", rf.path);
        ctx.problems.push(Problem {
            kind: ProblemKind::Empty,
            file,
            line: 1,
            col: 1,
            message,
        });
        k.problems = ctx.problems;
        return Some(k);
    };
    k.resources = ctx.list(root, Field::Resources);
    k.resources.extend(ctx.list(root, Field::Bases));
    k.components = ctx.list(root, Field::Components);
    k.namespace = ctx.setting(root, "namespace");
    k.name_prefix = ctx.setting(root, "namePrefix");
    k.name_suffix = ctx.setting(root, "nameSuffix");
    for e in root.entries() {
        let field = match e.key.as_str() {
            Some("patchesStrategicMerge") => Field::PatchesStrategicMerge,
            Some("patches") => Field::Patches,
            Some("patchesJson6902") => Field::PatchesJson6902,
            Some("images" | "imageTags") => {
                for i in e.value.items() {
                    let g = |key: &str| i.get(key).and_then(Node::as_str).map(str::to_string);
                    k.images.push(Image {
                        node: i,
                        name: g("name"),
                        new_name: g("newName"),
                        new_tag: g("newTag"),
                        digest: g("digest"),
                    });
                }
                continue;
            }
            Some("commonLabels") => {
                string_map(&mut ctx, &e.value, "commonLabels", &mut k.labels);
                continue;
            }
            Some("labels") => {
                for l in e.value.items() {
                    if let Some(pairs) = l.get("pairs") {
                        string_map(&mut ctx, pairs, "labels.pairs", &mut k.labels);
                    }
                }
                continue;
            }
            Some("commonAnnotations") => {
                string_map(&mut ctx, &e.value, "commonAnnotations", &mut k.annotations);
                continue;
            }
            Some(other) if UNMODELLED.contains(&other) => {
                k.unmodelled.push(other.to_string());
                continue;
            }
            _ => continue,
        };
        if e.value.is_null() {
            continue;
        }
        if !e.value.is_seq() {
            ctx.problem(
                ProblemKind::BadField,
                &e.value,
                format!("{} is not a list", field.key()),
            );
            continue;
        }
        for item in e.value.items() {
            if let Some(p) = ctx.patch(field, item) {
                k.patches.push(p);
            }
        }
    }
    k.problems = ctx.problems;
    Some(k)
}
