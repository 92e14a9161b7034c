//! Mixed repos are one conversion (issue 14, "Mixed repos"): Flux v1 HelmReleases next
//! to hand-migrated pre-GA Flux v2 objects. The input is the golden case
//! `tests/golden/upgrade-mixed-repo/in`: a v1beta1 HelmRepository `apps/bitnami`, a
//! v2beta1 HelmRelease using it, a v1 HelmRelease on the same chart repository URL
//! (written without the trailing `/`), and a v1beta2 HelmRepository holding the name
//! fluxport would give another v1 HelmRelease's repository.
//!
//! The pipeline upgrades pre-GA objects before the helm stage
//! (`pipeline.rs`, step 6), whose source deduplication matches existing sources by
//! (kind, namespace, URL as helm-operator normalised it), whatever their apiVersion
//! (`helm::convert::existing_sources`, `helm::sources::assign_names`).

mod common;

use common::{changed_on_reconversion, docs, read_dir_inputs, repo_root, Schemas};
use fluxport_core::{convert, Code, Conversion, FileStatus, InputFile, Options};
use serde_json::Value;
use std::collections::BTreeMap;

fn input() -> Vec<InputFile> {
    read_dir_inputs(&repo_root().join("tests/golden/upgrade-mixed-repo/in"))
}

/// Every object of the output tree, with the file it is in.
fn objects(c: &Conversion) -> Vec<(String, Value)> {
    c.files
        .iter()
        .filter(|f| f.status != FileStatus::Deleted)
        .flat_map(|f| docs(f.text()).into_iter().map(|d| (f.path.clone(), d)))
        .collect()
}

fn id(o: &Value) -> (String, String, String) {
    let s = |v: &Value| v.as_str().unwrap_or("").to_string();
    (
        s(&o["kind"]),
        s(&o["metadata"]["namespace"]),
        s(&o["metadata"]["name"]),
    )
}

/// HelmRepositories of the output by (namespace, URL without a trailing `/`).
fn helm_repositories(c: &Conversion) -> BTreeMap<(String, String), Vec<String>> {
    let mut out: BTreeMap<_, Vec<_>> = BTreeMap::new();
    for (_, o) in objects(c) {
        if o["kind"] == "HelmRepository" {
            let url = o["spec"]["url"].as_str().unwrap().trim_end_matches('/');
            let (_, ns, name) = id(&o);
            out.entry((ns, url.to_string())).or_default().push(name);
        }
    }
    out
}

fn source_of<'a>(objs: &'a [(String, Value)], release: &str) -> &'a str {
    let (_, hr) = objs
        .iter()
        .find(|(_, o)| o["kind"] == "HelmRelease" && o["metadata"]["name"] == release)
        .unwrap_or_else(|| panic!("no HelmRelease {release}"));
    hr["spec"]["chart"]["spec"]["sourceRef"]["name"]
        .as_str()
        .unwrap()
}

#[test]
fn v1_and_pre_ga_releases_share_one_upgraded_source() {
    let c = convert(&input(), &Options::default());
    let objs = objects(&c);
    // One HelmRepository per (namespace, URL): the existing one, upgraded.
    let repos = helm_repositories(&c);
    for (key, names) in &repos {
        assert_eq!(names.len(), 1, "{key:?} duplicated: {names:?}");
    }
    let bitnami = (
        "apps".to_string(),
        "https://charts.bitnami.com/bitnami".to_string(),
    );
    assert_eq!(repos[&bitnami], ["bitnami"]);
    assert_eq!(source_of(&objs, "postgres"), "bitnami");
    assert_eq!(source_of(&objs, "redis"), "bitnami");
    assert!(c
        .report
        .findings
        .iter()
        .any(|f| f.code == Code::EXISTING_SOURCE_REUSED && f.file == "apps/postgres.yaml"));
    // Every Flux object is on a served version and valid against the served CRDs.
    for (file, o) in &objs {
        let api = o["apiVersion"].as_str().unwrap();
        assert!(
            !api.contains("beta") || api.starts_with("notification."),
            "{file}: {api}"
        );
    }
    let schemas = Schemas::load();
    assert_eq!(schemas.check_conversion(&c), Vec::<String>::new());
    // Generated names never take an existing object's name: the podinfo repository
    // moved off `stefanprodan-github-io-podinfo`, which the mirror holds.
    let mut seen = BTreeMap::new();
    for (file, o) in &objs {
        if let Some(first) = seen.insert(id(o), file.clone()) {
            panic!("{:?} in {first} and {file}", id(o));
        }
    }
    let podinfo = source_of(&objs, "podinfo");
    assert_ne!(podinfo, "stefanprodan-github-io-podinfo");
    let key = (
        "apps".to_string(),
        "https://stefanprodan.github.io/podinfo".to_string(),
    );
    assert_eq!(repos[&key], [podinfo]);
    assert!(c
        .report
        .findings
        .iter()
        .any(|f| f.code == Code::SOURCE_NAME_CLASH));
    // The pre-flight of the output is clean, and a second run changes nothing.
    assert!(!c.preflight.has_errors(), "{}", c.preflight.to_text());
    assert_eq!(
        changed_on_reconversion(&c, &Options::default()),
        Vec::<String>::new()
    );
}

/// The same repository whatever the order or names of its files.
#[test]
fn file_order_does_not_matter() {
    let c = convert(&input(), &Options::default());
    let renamed: Vec<InputFile> = input()
        .into_iter()
        .map(|f| {
            let p = f
                .path
                .replace("apps/", "apps/z-")
                .replace("z-postgres", "a-postgres");
            InputFile::new(p, f.bytes)
        })
        .collect();
    let c2 = convert(&renamed, &Options::default());
    assert_eq!(helm_repositories(&c), helm_repositories(&c2));
    let by_id = |c: &Conversion| {
        let mut v: Vec<_> = objects(c).into_iter().map(|(_, o)| o).collect();
        v.sort_by_key(id);
        v
    };
    assert_eq!(by_id(&c), by_id(&c2));
}

/// Planted twin: the v1 release on another chart repository gets its own generated
/// source (so the single-source check above can fail), and a repository in another
/// namespace is not reused (the dedupe key includes the namespace, MAPPING §1).
#[test]
fn other_url_or_namespace_is_a_new_source() {
    let mut inputs = input();
    let postgres = inputs
        .iter_mut()
        .find(|f| f.path == "apps/postgres.yaml")
        .unwrap();
    let text = String::from_utf8(postgres.bytes.clone()).unwrap();
    postgres.bytes = text
        .replace("charts.bitnami.com/bitnami", "charts.example.com/stable")
        .into_bytes();
    let c = convert(&inputs, &Options::default());
    let objs = objects(&c);
    assert_eq!(source_of(&objs, "postgres"), "charts-example-com-stable");
    assert_eq!(helm_repositories(&c).len(), 4);

    let mut inputs = input();
    let sources = inputs
        .iter_mut()
        .find(|f| f.path == "apps/sources.yaml")
        .unwrap();
    let text = String::from_utf8(sources.bytes.clone()).unwrap();
    sources.bytes = text
        .replacen("namespace: apps", "namespace: flux-system", 1)
        .into_bytes();
    let c = convert(&inputs, &Options::default());
    let repos = helm_repositories(&c);
    let url = "https://charts.bitnami.com/bitnami".to_string();
    assert_eq!(
        repos[&("flux-system".to_string(), url.clone())],
        ["bitnami"]
    );
    assert_eq!(
        repos[&("apps".to_string(), url)],
        ["charts-bitnami-com-bitnami"]
    );
}

/// A v1 HelmRelease left next to its hand-migrated twin (same namespace and name) is
/// the same Helm release managed twice; its name is its release identity, so it is not
/// renamed: the pre-flight reports the duplicate object.
#[test]
fn a_release_defined_twice_is_reported() {
    let mut inputs = input();
    inputs.push(InputFile::new(
        "apps/redis-v1.yaml",
        "apiVersion: helm.fluxcd.io/v1
kind: HelmRelease
metadata:
  name: redis
  namespace: apps
spec:
  helmVersion: v3
  chart:
    repository: https://charts.bitnami.com/bitnami
    name: redis
    version: 17.0.0
",
    ));
    let c = convert(&inputs, &Options::default());
    assert!(
        c.preflight
            .findings
            .iter()
            .any(|f| f.code == Code::VERIFY_DUPLICATE_OBJECT),
        "{}",
        c.preflight.to_text()
    );
    // Its clean twin (the golden input) has no such finding.
    let c = convert(&input(), &Options::default());
    assert!(!c
        .preflight
        .findings
        .iter()
        .any(|f| f.code == Code::VERIFY_DUPLICATE_OBJECT));
}
