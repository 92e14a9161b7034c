//! Synthetic repositories for the kustomization model.

use super::paths::split_stream;
use super::*;
use crate::yaml::parse_document;

struct Repo {
    paths: Vec<String>,
    docs: Vec<Vec<Node>>,
}

fn repo(files: &[(&str, &str)]) -> Repo {
    let mut r = Repo {
        paths: Vec::new(),
        docs: Vec::new(),
    };
    for (p, text) in files {
        r.paths.push(p.to_string());
        let docs = split_stream(text)
            .into_iter()
            .filter_map(|d| parse_document(d, 64, 64).ok().and_then(|p| p.root))
            .collect();
        r.docs.push(docs);
    }
    r
}

impl Repo {
    fn files(&self) -> Vec<RepoFile<'_>> {
        self.paths
            .iter()
            .zip(&self.docs)
            .map(|(p, d)| RepoFile {
                path: p,
                docs: d.iter().collect(),
            })
            .collect()
    }
    fn file(&self, path: &str) -> usize {
        self.paths.iter().position(|p| p == path).unwrap()
    }
}

const HR: &str = "apiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata:\n  name: app\n  labels:\n    tier: web\nspec:\n  x: 1\n";
const NS: &str = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: base-ns\n";
const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  namespace: other\n";

/// (namespace, name) of the live objects of `kind` in the build of `dir`.
fn ids(m: &Model<'_>, dir: &str, kind: &str) -> Vec<(Option<String>, String)> {
    let mut v: Vec<_> = m
        .build(dir)
        .unwrap()
        .of_kind(kind)
        .map(|o| (o.namespace.clone(), o.name.clone()))
        .collect();
    v.sort();
    v
}

fn ns(n: &str, name: &str) -> (Option<String>, String) {
    (Some(n.to_string()), name.to_string())
}

#[test]
fn base_and_two_overlays() {
    let r = repo(&[
        ("base/kustomization.yaml", "resources:\n- hr.yaml\n- ns.yaml\n- cm.yaml\n"),
        ("base/hr.yaml", HR),
        ("base/ns.yaml", NS),
        ("base/cm.yaml", CM),
        ("dev/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: dev\nnamePrefix: dev-\nresources: [../base]\n"),
        ("prod/kustomization.yml", "namespace: prod\nnameSuffix: -p\nbases:\n- ../base/\n"),
    ]);
    let files = r.files();
    let m = Model::new(&files);
    assert_eq!(m.root_dirs(), vec!["dev", "prod"]);
    assert_eq!(ids(&m, "dev", "HelmRelease"), vec![ns("dev", "dev-app")]);
    assert_eq!(ids(&m, "prod", "HelmRelease"), vec![ns("prod", "app-p")]);
    // `namespace:` overrides what the object says.
    assert_eq!(ids(&m, "prod", "ConfigMap"), vec![ns("prod", "cm-p")]);
    // Namespace objects: renamed to the namespace, no prefix/suffix, no metadata.namespace.
    assert_eq!(ids(&m, "dev", "Namespace"), vec![(None, "dev".to_string())]);
    assert_eq!(
        ids(&m, "base", "HelmRelease"),
        vec![(None, "app".to_string())]
    );
    // The base's HR is in both overlay builds (and the base's own).
    let hr = ObjectRef {
        file: r.file("base/hr.yaml"),
        doc: 0,
    };
    let dev = m.kustomization_in("dev").unwrap();
    let base = m.kustomization_in("base").unwrap();
    let o = m.build("dev").unwrap().find(hr).next().unwrap();
    assert_eq!(o.via, vec![base, dev]);
    assert_eq!(o.original_name, "app");
    assert!(m.build("prod").unwrap().find(hr).next().is_some());
    assert_eq!(m.sets_namespace(dev), Some("dev"));
    assert_eq!(m.sets_namespace(base), None);
    assert!(m.problems().is_empty(), "{:?}", m.problems());
    let s = m.summary();
    assert_eq!(
        (
            s.kustomizations,
            s.roots,
            s.root_objects,
            s.distinct_objects
        ),
        (3, 2, 6, 3)
    );
}

#[test]
fn inner_transformers_apply_first_and_cluster_scoped_kinds_keep_no_namespace() {
    let r = repo(&[
        ("a/kustomization.yaml", "namespace: inner\nnamePrefix: a-\nresources: [r.yaml]\n"),
        ("a/r.yaml", "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: cr}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: x.example.com}\n"),
        ("b/kustomization.yaml", "namespace: outer\nnamePrefix: b-\nnameSuffix: -z\nresources: [../a]\n"),
    ]);
    let files = r.files();
    let m = Model::new(&files);
    assert_eq!(ids(&m, "b", "Deployment"), vec![ns("outer", "b-a-d-z")]);
    assert_eq!(
        ids(&m, "b", "ClusterRole"),
        vec![(None, "b-a-cr-z".to_string())]
    );
    assert_eq!(
        ids(&m, "b", "CustomResourceDefinition"),
        vec![(None, "x.example.com".to_string())]
    );
    assert!(m
        .build("b")
        .unwrap()
        .live()
        .all(|o| o.cluster_scoped == (o.kind != "Deployment")));
}

#[test]
fn strategic_merge_patches_file_and_inline_match_original_or_inner_names() {
    let r = repo(&[
        ("base/kustomization.yaml", "namespace: mi\nnamePrefix: b-\nresources: [hr.yaml, cm.yaml]\n"),
        ("base/hr.yaml", HR),
        ("base/cm.yaml", CM),
        (
            "ov/kustomization.yaml",
            "namespace: prod\nresources: [../base]\npatchesStrategicMerge:\n- p1.yaml\n- |-\n  apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: cm\n    namespace: other\n  data: {a: b}\n- p2.yaml\n- p3.yaml\n",
        ),
        // By the original name (no namespace = default, the HR's original id).
        ("ov/p1.yaml", "apiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata:\n  name: app\nspec:\n  y: 2\n"),
        // By the name after the base's prefix and namespace.
        ("ov/p2.yaml", "apiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata:\n  name: b-app\n  namespace: mi\n---\napiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata:\n  name: app\n  namespace: prod\n"),
        // A different apiVersion is a different id: no match.
        ("ov/p3.yaml", "apiVersion: flux.weave.works/v1beta1\nkind: HelmRelease\nmetadata:\n  name: app\n"),
    ]);
    let files = r.files();
    let m = Model::new(&files);
    let ov = m.kustomization_in("ov").unwrap();
    let hr = ObjectRef {
        file: r.file("base/hr.yaml"),
        doc: 0,
    };
    let cm = ObjectRef {
        file: r.file("base/cm.yaml"),
        doc: 0,
    };
    assert_eq!(m.kustomization(ov).unwrap().patches.len(), 4);
    assert_eq!(m.patch_targets(ov, 0), vec![hr]);
    assert_eq!(m.patch_targets(ov, 1), vec![cm]);
    assert_eq!(m.patch_targets(ov, 2), vec![hr]);
    assert!(m.patch_targets(ov, 3).is_empty());
    let b = m.build("ov").unwrap();
    let apps: Vec<Outcome> = b
        .applications
        .iter()
        .filter(|a| a.hit.patch == 2)
        .map(|a| a.outcome)
        .collect();
    // p2 doc 1 names namespace prod, which the HR only gets after the patches ran.
    assert_eq!(apps, vec![Outcome::Matched, Outcome::NoTarget]);
    assert_eq!(b.patches_for(hr).len(), 2);
    assert!(m.is_patch_file(r.file("ov/p1.yaml")));
    assert!(m.is_patch_doc(ObjectRef {
        file: r.file("ov/p2.yaml"),
        doc: 1
    }));
    assert!(!m.is_patch_doc(hr));
    assert!(m
        .problems()
        .iter()
        .any(|p| p.kind == ProblemKind::PatchNoMatch));
    assert_eq!(ids(&m, "ov", "HelmRelease"), vec![ns("prod", "b-app")]);
}

#[test]
fn patches_with_target_selectors_and_anchored_regex() {
    let r = repo(&[
        ("base/kustomization.yaml", "namePrefix: b-\nresources: [hr.yaml, cm.yaml]\ncommonLabels: {team: x}\n"),
        ("base/hr.yaml", "apiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata:\n  name: app\n  annotations: {a: '1'}\n---\napiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata:\n  name: app2\n  namespace: n2\n"),
        ("base/cm.yaml", CM),
        (
            "ov/kustomization.yaml",
            concat!(
                "resources: [../base]\n",
                "patches:\n",
                "- path: all-hr.yaml\n  target: {kind: HelmRelease}\n",
                "- patch: '[{\"op\": \"add\", \"path\": \"/spec/z\", \"value\": 3}]'\n  target: {group: helm.fluxcd.io, version: v1, kind: HelmRelease, name: b-app}\n",
                "- patch: '[{\"op\": \"add\", \"path\": \"/data\", \"value\": {}}]'\n  target: {kind: ConfigMap, name: 'c.', namespace: 'oth.*'}\n",
                "- patch: '[]'\n  target: {kind: ConfigMap, name: b-c}\n",
                "- patch: '[]'\n  target: {kind: 'Helm.*', namespace: n2}\n",
                "- patch: '[]'\n  target: {labelSelector: 'team=x', annotationSelector: 'a in (1)'}\n",
                "- patch: '[]'\n  target: {name: '(unclosed'}\n",
                "- patch: |\n    apiVersion: helm.fluxcd.io/v1\n    kind: HelmRelease\n    metadata: {name: app2, namespace: n2}\n",
            )
        ),
        ("ov/all-hr.yaml", "apiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata:\n  name: any\nspec:\n  values: {}\n"),
    ]);
    let files = r.files();
    let m = Model::new(&files);
    let ov = m.kustomization_in("ov").unwrap();
    let hr0 = ObjectRef {
        file: r.file("base/hr.yaml"),
        doc: 0,
    };
    let hr1 = ObjectRef {
        file: r.file("base/hr.yaml"),
        doc: 1,
    };
    let cm = ObjectRef {
        file: r.file("base/cm.yaml"),
        doc: 0,
    };
    assert_eq!(m.patch_targets(ov, 0), vec![hr0, hr1], "kind-only selector");
    assert_eq!(
        m.patch_targets(ov, 1),
        vec![hr0],
        "current name b-app, anchored: not b-app2"
    );
    assert_eq!(
        m.patch_targets(ov, 2),
        vec![cm],
        "original name cm and namespace other"
    );
    assert!(m.patch_targets(ov, 3).is_empty(), "b-c does not match b-cm");
    assert_eq!(m.patch_targets(ov, 4), vec![hr1]);
    assert_eq!(m.patch_targets(ov, 5), vec![hr0]);
    let k = m.kustomization(ov).unwrap();
    assert!(k.patches[6].target.as_ref().unwrap().error.is_some());
    assert_eq!(k.patches[1].format, PatchFormat::Json6902);
    assert_eq!(
        m.patch_targets(ov, 7),
        vec![hr1],
        "SMP in patches without target matches by id"
    );
    let b = m.build("ov").unwrap();
    assert_eq!(
        b.applications
            .iter()
            .find(|a| a.hit.patch == 3)
            .unwrap()
            .outcome,
        Outcome::NothingSelected
    );
    assert_eq!(
        b.applications
            .iter()
            .find(|a| a.hit.patch == 6)
            .unwrap()
            .outcome,
        Outcome::Invalid
    );
    assert!(m.is_patch_doc(ObjectRef {
        file: r.file("ov/all-hr.yaml"),
        doc: 0
    }));
}

#[test]
fn json6902_after_prefix_and_renames() {
    let r = repo(&[
        (
            "k/kustomization.yaml",
            concat!(
                "namePrefix: p-\nresources: [hr.yaml]\n",
                "patchesJson6902:\n",
                "- target: {group: helm.fluxcd.io, version: v1, kind: HelmRelease, name: p-app}\n  path: rename.yaml\n",
                "- target: {version: v1, kind: HelmRelease, name: renamed}\n  patch: '[{\"op\": \"add\", \"path\": \"/spec/q\", \"value\": 1}]'\n",
                "- target: {kind: HelmRelease}\n  patch: '[]'\n",
            )
        ),
        ("k/hr.yaml", HR),
        ("k/rename.yaml", "- op: replace\n  path: /metadata/name\n  value: renamed\n- op: add\n  path: /metadata/namespace\n  value: elsewhere\n"),
        ("top/kustomization.yaml", "resources: [../k]\npatches:\n- target: {name: app}\n  patch: '[]'\n"),
    ]);
    let files = r.files();
    let m = Model::new(&files);
    let k = m.kustomization_in("k").unwrap();
    let hr = ObjectRef {
        file: r.file("k/hr.yaml"),
        doc: 0,
    };
    assert_eq!(m.patch_targets(k, 0), vec![hr]);
    assert_eq!(
        m.patch_targets(k, 1),
        vec![hr],
        "second patch sees the renamed object"
    );
    assert!(
        m.kustomization(k).unwrap().patches[2].error.is_some(),
        "patchesJson6902 needs target.name"
    );
    assert_eq!(
        ids(&m, "k", "HelmRelease"),
        vec![ns("elsewhere", "renamed")]
    );
    // The original name still selects after renames (orgId).
    let top = m.kustomization_in("top").unwrap();
    assert_eq!(m.patch_targets(top, 0), vec![hr]);
    assert!(m.is_patch_file(r.file("k/rename.yaml")));
}

#[test]
fn components_act_on_the_including_kustomization() {
    let r = repo(&[
        ("base/kustomization.yaml", "resources: [hr.yaml]\n"),
        ("base/hr.yaml", HR),
        ("comp/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: [extra.yaml]\nnamePrefix: c-\npatches:\n- target: {kind: HelmRelease}\n  patch: '[]'\n"),
        ("comp/extra.yaml", "apiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata: {name: extra}\n"),
        ("ov1/kustomization.yaml", "namespace: one\nresources: [../base]\ncomponents: [../comp]\n"),
        ("ov2/kustomization.yaml", "namespace: two\nresources: [../base]\n"),
    ]);
    let files = r.files();
    let m = Model::new(&files);
    assert_eq!(
        ids(&m, "ov1", "HelmRelease"),
        vec![ns("one", "c-app"), ns("one", "c-extra")]
    );
    assert_eq!(ids(&m, "ov2", "HelmRelease"), vec![ns("two", "app")]);
    let comp = m.kustomization_in("comp").unwrap();
    assert_eq!(m.kustomization(comp).unwrap().kind, KustKind::Component);
    let hr = ObjectRef {
        file: r.file("base/hr.yaml"),
        doc: 0,
    };
    let extra = ObjectRef {
        file: r.file("comp/extra.yaml"),
        doc: 0,
    };
    assert_eq!(m.patch_targets(comp, 0), vec![hr, extra]);
    assert!(m.build("ov2").unwrap().patches_for(hr).is_empty());
    assert_eq!(m.build("ov1").unwrap().patches_for(hr).len(), 1);
    assert!(!m.root_dirs().contains(&"comp"));
}

#[test]
fn remote_missing_and_entry_nodes() {
    let r = repo(&[
        (
            "k/kustomization.yaml",
            "resources:\n- https://raw.githubusercontent.com/x/y/v1/deploy.yaml\n- github.com/org/repo//base?ref=v1\n- gone.yaml\n- ../nodir\n- plain\n- hr.yaml\npatchesStrategicMerge:\n- missing-patch.yaml\n",
        ),
        ("k/hr.yaml", HR),
        ("k/plain/x.yaml", CM),
    ]);
    let files = r.files();
    let m = Model::new(&files);
    let k = m.kustomization(m.kustomization_in("k").unwrap()).unwrap();
    assert_eq!(k.resources[0].resolved, Resolved::Remote);
    assert_eq!(k.resources[1].resolved, Resolved::Remote);
    assert_eq!(
        k.resources[2].resolved,
        Resolved::Missing("k/gone.yaml".into())
    );
    assert_eq!(k.resources[3].resolved, Resolved::Missing("nodir".into()));
    assert_eq!(
        k.resources[4].resolved,
        Resolved::DirWithoutKustomization("k/plain".into())
    );
    assert_eq!(k.resources[2].node.line(), 4);
    let missing: Vec<&str> = m
        .missing_entries()
        .iter()
        .map(|(_, e)| e.value.as_str())
        .collect();
    assert_eq!(
        missing,
        vec!["gone.yaml", "../nodir", "plain", "missing-patch.yaml"]
    );
    assert_eq!(m.remote_entries().len(), 2);
    let b = m.build("k").unwrap();
    assert!(!b.complete);
    assert_eq!(b.remote.len(), 2);
    assert_eq!(b.live().count(), 1);
    let naming = m.entries_naming("k/hr.yaml");
    assert_eq!(naming.len(), 1);
    assert_eq!((naming[0].1.node.line(), naming[0].1.node.col()), (7, 3));
    assert_eq!(m.entries_naming("k/gone.yaml").len(), 1);
    let s = m.summary();
    assert_eq!((s.remote_entries, s.missing_entries), (2, 4));
}

#[test]
fn outside_root_files_are_flagged() {
    let r = repo(&[
        ("a/kustomization.yaml", "resources: [../shared/hr.yaml]\npatches:\n- path: ../shared/p.yaml\n  target: {kind: HelmRelease}\n"),
        ("shared/hr.yaml", HR),
        ("shared/p.yaml", "apiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata: {name: x}\n"),
    ]);
    let files = r.files();
    let m = Model::new(&files);
    let k = m.kustomization(0).unwrap();
    assert!(k.resources[0].outside_root);
    assert!(k.patches[0].path.as_ref().unwrap().outside_root);
    assert_eq!(m.build("a").unwrap().live().count(), 1);
}

#[test]
fn cycles_self_references_and_depth_are_cut() {
    let mut files = vec![
        (
            "a/kustomization.yaml".to_string(),
            "resources: [../b, r.yaml]\n".to_string(),
        ),
        ("a/r.yaml".to_string(), CM.to_string()),
        (
            "b/kustomization.yaml".to_string(),
            "resources: [../a]\n".to_string(),
        ),
        (
            "s/kustomization.yaml".to_string(),
            "resources: [., ./]\ncomponents: [.]\n".to_string(),
        ),
    ];
    for i in 0..200 {
        files.push((
            format!("d{i}/kustomization.yaml"),
            format!("resources: [../d{}]\n", i + 1),
        ));
    }
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let r = repo(&refs);
    let files = r.files();
    let m = Model::new(&files);
    assert!(m
        .problems()
        .iter()
        .any(|p| p.kind == ProblemKind::Cycle && p.message.contains("a -> b -> a")));
    assert!(m
        .problems()
        .iter()
        .any(|p| p.kind == ProblemKind::Cycle && p.message.contains("s includes itself")));
    assert!(m.problems().iter().any(|p| p.kind == ProblemKind::TooDeep));
    assert!(!m.build("a").unwrap().complete);
    assert_eq!(m.build("a").unwrap().live().count(), 1);
    // d200 is missing (not a kustomization): the chain ends there.
    assert!(m.summary().cycles >= 2);
}

#[test]
fn diamonds_are_memoised_and_growth_is_capped() {
    // Level i includes level i+1 twice (under two prefixes): 2^30 objects if unbounded.
    let mut files = Vec::new();
    for i in 0..30 {
        files.push((
            format!("l{i}/kustomization.yaml"),
            "resources: [left, right]\n".to_string(),
        ));
        files.push((
            format!("l{i}/left/kustomization.yaml"),
            format!("namePrefix: l-\nresources: [../../l{}]\n", i + 1),
        ));
        files.push((
            format!("l{i}/right/kustomization.yaml"),
            format!("namePrefix: r-\nresources: [../../l{}]\n", i + 1),
        ));
    }
    files.push((
        "l30/kustomization.yaml".into(),
        "resources: [cm.yaml]\n".into(),
    ));
    files.push(("l30/cm.yaml".into(), CM.into()));
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let r = repo(&refs);
    let files = r.files();
    // Bounded by the object cap, not by a clock: 2^30 objects are never built (the
    // counts below), so no time limit is asserted (speed is a bench row).
    let m = Model::new(&files);
    assert_eq!(m.build("l20").unwrap().live().count(), 1024);
    let top = m.build("l0").unwrap();
    assert!(top.objects.len() <= MAX_OBJECTS);
    assert!(
        top.problems.iter().any(|p| p.kind == ProblemKind::TooLarge),
        "{} {:?}",
        top.objects.len(),
        top.problems
    );
    assert_eq!(m.root_dirs(), vec!["l0"]);
}

#[test]
fn delete_patches_duplicates_and_flux_kustomizations() {
    let r = repo(&[
        ("k/kustomization.yaml", "resources: [a.yaml, b.yaml]\npatchesStrategicMerge:\n- del.yaml\n"),
        ("k/a.yaml", HR),
        ("k/b.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm, namespace: default}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n"),
        ("k/del.yaml", "$patch: delete\napiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata: {name: app}\n"),
        ("flux/kustomization.yaml", "apiVersion: kustomize.toolkit.fluxcd.io/v1beta1\nkind: Kustomization\nmetadata: {name: x}\nspec: {path: ./k}\n"),
        ("top/kustomization.yaml", "resources: [../flux]\n"),
    ]);
    let files = r.files();
    let m = Model::new(&files);
    let b = m.build("k").unwrap();
    assert_eq!(b.of_kind("HelmRelease").count(), 0);
    assert!(b.objects.iter().any(|o| o.deleted_by.is_some()));
    assert!(
        m.problems()
            .iter()
            .any(|p| p.kind == ProblemKind::DuplicateId),
        "cm in default twice"
    );
    assert!(m.kustomization_in("flux").is_none());
    assert_eq!(
        m.ignored_kustomization_files(),
        &[r.file("flux/kustomization.yaml")]
    );
    let top = m.kustomization(m.kustomization_in("top").unwrap()).unwrap();
    assert_eq!(
        top.resources[0].resolved,
        Resolved::DirWithoutKustomization("flux".into())
    );
}

#[test]
fn hostile_shapes_do_not_panic() {
    let r = repo(&[
        ("a/kustomization.yaml", "resources: not-a-list\npatches: [1, [2], {target: 3}, {path: x, patch: y}]\npatchesStrategicMerge: {a: 1}\nnamespace: [x]\ncommonLabels: [1]\nimages: 5\npatchesJson6902: [{target: {name: '['}, patch: '- a'}]\nconfigMapGenerator: []\n"),
        ("b/kustomization.yaml", "- just\n- a list\n"),
        ("c/Kustomization", ""),
        ("d/kustomization.yaml", "resources: [~, '', '/abs', '../../..', ':::']\ncomponents: [../a]\n"),
        ("e/kustomization.yaml", "resources: [../d]\n"),
        ("e/kustomization.yml", "resources: []\n"),
    ]);
    let files = r.files();
    let m = Model::new(&files);
    assert!(m.kustomization_in("a").is_some());
    assert!(m.kustomization_in("b").is_none());
    assert!(m.kustomization_in("c").is_some());
    let a = m.kustomization(m.kustomization_in("a").unwrap()).unwrap();
    assert_eq!(a.unmodelled, vec!["configMapGenerator"]);
    assert!(m
        .problems()
        .iter()
        .any(|p| p.kind == ProblemKind::KindMismatch));
    assert!(m
        .problems()
        .iter()
        .any(|p| p.kind == ProblemKind::MultipleKustomizationFiles));
    assert!(m.problems().iter().any(|p| p.kind == ProblemKind::BadField));
    let _ = m.summary();
}
