//! The pre-flight (`fluxport_core::verify`, issue 13): each check with a planted defect
//! it must catch and a clean twin it must pass; the served-versions table against the
//! CRDs; and (ignored, run by hand) the counts by code over fluxport's output on the
//! shared corpus.

mod common;

use common::{read_dir_inputs, shared};
use fluxport_core::verify::served::SERVED;
use fluxport_core::{convert, verify, InputFile, Options, Verification};
use std::collections::BTreeMap;

fn run_with(files: &[(&str, &str)], opts: &Options) -> Verification {
    let inputs: Vec<InputFile> = files
        .iter()
        .map(|(p, t)| InputFile::new(*p, t.as_bytes().to_vec()))
        .collect();
    verify(&inputs, opts)
}

fn run(files: &[(&str, &str)]) -> Verification {
    run_with(files, &Options::default())
}

fn codes(v: &Verification) -> Vec<&'static str> {
    v.findings.iter().map(|f| f.code.as_str()).collect()
}

fn has(v: &Verification, code: &str) -> bool {
    codes(v).contains(&code)
}

#[track_caller]
fn clean(v: &Verification) {
    assert!(v.findings.is_empty(), "{}", v.to_text());
}

const GIT: &str = "apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: repo
  namespace: flux-system
spec:
  interval: 1m
  url: https://example.com/repo
";

fn ks(name: &str, path: &str, extra: &str) -> String {
    format!(
        "apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: {name}
  namespace: flux-system
spec:
  interval: 10m
  path: {path}
  prune: true
  sourceRef:
    kind: GitRepository
    name: repo
{extra}"
    )
}

fn cm(name: &str, ns: &str) -> String {
    format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: {ns}\n")
}

const HELMREPO: &str = "apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata:
  name: charts
  namespace: apps
spec:
  interval: 1h
  url: https://charts.example.com
";

fn hr(name: &str, ns: &str, extra: &str) -> String {
    format!(
        "apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: {name}
  namespace: {ns}
spec:
  interval: 5m
  chart:
    spec:
      chart: app
      sourceRef:
        kind: HelmRepository
        name: charts
{extra}"
    )
}

#[test]
fn served_table_matches_the_crds() {
    let dir = shared().join("crds");
    let mut from_crds: Vec<(String, String, Vec<String>)> = Vec::new();
    for e in std::fs::read_dir(&dir).expect("../shared/crds") {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        if !name.contains(".toolkit.fluxcd.io_") || !name.ends_with(".yaml") {
            continue;
        }
        let text = std::fs::read_to_string(&p).unwrap();
        let val = |key: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(key).map(|v| v.trim().to_string()))
                .unwrap_or_else(|| panic!("{name}: no `{key}`"))
        };
        let group = val("  group: ");
        let kind = val("    kind: ");
        // `spec.versions[]`: items at 2 spaces under `versions:`, their `name:` and
        // `served:` at 4.
        let mut served = Vec::new();
        let mut current = None;
        let mut in_versions = false;
        for l in text.lines() {
            if l == "  versions:" {
                in_versions = true;
                continue;
            }
            if !in_versions {
                continue;
            }
            if l.starts_with("  - ") {
                current = None;
            }
            if let Some(v) = l
                .strip_prefix("  - name: ")
                .or_else(|| l.strip_prefix("    name: "))
            {
                current = Some(v.trim().to_string());
            } else if let Some(s) = l.strip_prefix("    served: ") {
                if s.trim() == "true" {
                    served.push(current.clone().unwrap());
                }
            }
        }
        assert!(!served.is_empty(), "{name}: no served version read");
        from_crds.push((group, kind, served));
    }
    from_crds.sort();
    let mut table: Vec<(String, String, Vec<String>)> = SERVED
        .iter()
        .map(|(g, k, v)| {
            (
                g.to_string(),
                k.to_string(),
                v.iter().map(|s| s.to_string()).collect(),
            )
        })
        .collect();
    table.sort();
    assert_eq!(
        table, from_crds,
        "verify/served.rs SERVED drifted from ../shared/crds"
    );
}

#[test]
fn not_served_api_version() {
    let bad = hr("app", "apps", "").replace(
        "helm.toolkit.fluxcd.io/v2",
        "helm.toolkit.fluxcd.io/v2beta1",
    );
    let v = run(&[("apps/hr.yaml", &bad), ("apps/repo.yaml", HELMREPO)]);
    assert_eq!(codes(&v), ["VERIFY_API_NOT_SERVED"], "{}", v.to_text());
    assert_eq!(v.findings[0].line, 1);
    let old_git = GIT.replace("/v1\n", "/v1beta1\n");
    let v = run(&[("git.yaml", &old_git)]);
    assert!(has(&v, "VERIFY_API_NOT_SERVED"));
    clean(&run(&[
        ("apps/hr.yaml", &hr("app", "apps", "")),
        ("apps/repo.yaml", HELMREPO),
    ]));
}

#[test]
fn kustomization_builds() {
    // A path with a kustomization file whose entry is missing.
    let files = [
        ("flux/git.yaml", GIT.to_string()),
        ("flux/ks.yaml", ks("apps", "./apps", "")),
        (
            "apps/kustomization.yaml",
            "resources:\n- cm.yaml\n- gone.yaml\n".to_string(),
        ),
        ("apps/cm.yaml", cm("a", "apps")),
    ];
    let f: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
    let v = run(&f);
    assert_eq!(codes(&v), ["VERIFY_BUILD"], "{}", v.to_text());
    assert_eq!(v.findings[0].file, "apps/kustomization.yaml");
    assert_eq!(v.findings[0].line, 3);
    let mut twin = f.clone();
    twin[2].1 = "resources:\n- cm.yaml\n";
    let v = run(&twin);
    clean(&v);
    assert_eq!(v.counts.kustomizations, 1);
    // flux/ (generator) holds git + ks; apps holds one ConfigMap.
    assert_eq!(v.counts.objects, 1);

    // A spec.path naming nothing.
    let files = [
        ("flux/git.yaml", GIT.to_string()),
        ("flux/ks.yaml", ks("apps", "./nowhere", "")),
    ];
    let f: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
    let v = run(&f);
    assert_eq!(codes(&v), ["VERIFY_PATH_MISSING"], "{}", v.to_text());
    assert_eq!(
        (v.findings[0].file.as_str(), v.findings[0].line),
        ("flux/ks.yaml", 8)
    );

    // A patch whose selector selects nothing; a remote base.
    let files = [
        ("flux/git.yaml", GIT.to_string()),
        ("flux/ks.yaml", ks("apps", "./apps", "")),
        (
            "apps/kustomization.yaml",
            "resources:\n- cm.yaml\n- https://github.com/x/y//base?ref=v1\npatches:\n- target:\n    kind: Secret\n  patch: |\n    - op: add\n      path: /data\n      value: {}\n".to_string(),
        ),
        ("apps/cm.yaml", cm("a", "apps")),
    ];
    let f: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
    let v = run(&f);
    assert!(has(&v, "VERIFY_REMOTE_BASE"), "{}", v.to_text());
    assert!(!v.has_errors(), "{}", v.to_text());
}

#[test]
fn patch_without_target_in_a_complete_build() {
    let files = [
        ("flux/git.yaml", GIT.to_string()),
        ("flux/ks.yaml", ks("apps", "./apps", "")),
        (
            "apps/kustomization.yaml",
            "resources:\n- cm.yaml\npatches:\n- target:\n    kind: Secret\n  patch: |\n    - op: add\n      path: /data\n      value: {}\n".to_string(),
        ),
        ("apps/cm.yaml", cm("a", "apps")),
    ];
    let f: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
    let v = run(&f);
    assert_eq!(codes(&v), ["VERIFY_PATCH_NO_TARGET"], "{}", v.to_text());
    let fixed = files[2].1.replace("kind: Secret", "kind: ConfigMap");
    let mut twin = f.clone();
    twin[2].1 = &fixed;
    clean(&run(&twin));
}

#[test]
fn duplicates_v1_objects_and_namespaces() {
    // Two Kustomizations of one cluster (applied together, from one file) apply the
    // same ConfigMap.
    let sync = format!(
        "{GIT}---\n{}---\n{}",
        ks("a", "./a", ""),
        ks("b", "./b", "")
    );
    let files = [
        ("flux/sync.yaml", sync.clone()),
        ("a/cm.yaml", cm("same", "apps")),
        ("b/cm.yaml", cm("same", "apps")),
    ];
    let f: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
    let v = run(&f);
    assert_eq!(codes(&v), ["VERIFY_DUPLICATE_OBJECT"], "{}", v.to_text());
    let other = cm("other", "apps");
    let mut twin = f.clone();
    twin[2].1 = &other;
    clean(&run(&twin));
    // Two files applied by hand are two clusters (one per environment): no duplicate,
    // and each Kustomization's GitRepository is the one of its file.
    let one = format!("{GIT}---\n{}", ks("a", "./a", ""));
    let two = format!("{GIT}---\n{}", ks("a", "./b", ""));
    clean(&run(&[
        ("flux/one.yaml", one.as_str()),
        ("flux/two.yaml", two.as_str()),
        ("a/cm.yaml", &cm("same", "apps")),
        ("b/cm.yaml", &cm("same", "apps")),
    ]));

    // A v1 object in a build, and a namespaced object without namespace.
    let v1 = "apiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata:\n  name: old\n  namespace: apps\nspec:\n  chart:\n    repository: https://x\n    name: x\n    version: 1.0.0\n";
    let nons = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: nons\n";
    let files = [
        ("flux/git.yaml", GIT.to_string()),
        ("flux/a.yaml", ks("a", "./a", "")),
        ("a/old.yaml", v1.to_string()),
        ("a/nons.yaml", nons.to_string()),
    ];
    let f: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
    let v = run(&f);
    let mut c = codes(&v);
    c.sort();
    assert_eq!(
        c,
        ["VERIFY_NO_NAMESPACE", "VERIFY_V1_OBJECT"],
        "{}",
        v.to_text()
    );
    // Cluster-scoped custom kinds: by CRD in the tree, or named `Cluster*`.
    let crd = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\nspec:\n  group: example.com\n  scope: Cluster\n  names:\n    kind: Widget\n";
    let widget = "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n";
    let issuer = "apiVersion: cert-manager.io/v1\nkind: ClusterIssuer\nmetadata:\n  name: le\n";
    clean(&run(&[
        ("crd.yaml", crd),
        ("w.yaml", widget),
        ("i.yaml", issuer),
    ]));
    assert_eq!(codes(&run(&[("w.yaml", widget)])), ["VERIFY_NO_NAMESPACE"]);
    // Twin: a targetNamespace gives the namespace; the v1 object is gone.
    let ks_t = ks("a", "./a", "  targetNamespace: apps\n");
    let twin = [
        ("flux/git.yaml", GIT),
        ("flux/a.yaml", ks_t.as_str()),
        ("a/nons.yaml", nons),
    ];
    clean(&run(&twin));
}

#[test]
fn names_and_release_names() {
    let bad = cm("api-STAGING_SANDBOX_ID", "apps");
    let v = run(&[("cm.yaml", &bad)]);
    assert_eq!(codes(&v), ["VERIFY_INVALID_NAME"], "{}", v.to_text());
    assert_eq!(v.findings[0].line, 4);
    let bad_ns = cm("ok", "Apps_1");
    assert!(has(&run(&[("cm.yaml", &bad_ns)]), "VERIFY_INVALID_NAME"));
    clean(&run(&[("cm.yaml", &cm("api-staging-sandbox-id", "apps"))]));

    let long = format!("  releaseName: {}\n", "r".repeat(54));
    let v = run(&[
        ("hr.yaml", &hr("app", "apps", &long)),
        ("repo.yaml", HELMREPO),
    ]);
    assert_eq!(
        codes(&v),
        ["VERIFY_RELEASE_NAME_TOO_LONG"],
        "{}",
        v.to_text()
    );
    let derived = format!("  targetNamespace: {}\n", "t".repeat(50));
    let v = run(&[
        ("hr.yaml", &hr("app", "apps", &derived)),
        ("repo.yaml", HELMREPO),
    ]);
    assert_eq!(
        codes(&v),
        ["VERIFY_RELEASE_NAME_TOO_LONG"],
        "{}",
        v.to_text()
    );
    let ok = format!("  releaseName: {}\n", "r".repeat(53));
    clean(&run(&[
        ("hr.yaml", &hr("app", "apps", &ok)),
        ("repo.yaml", HELMREPO),
    ]));
}

#[test]
fn release_identity() {
    let a = hr("a", "apps", "  releaseName: shared\n");
    let b = hr("b", "apps", "  releaseName: shared\n");
    let v = run(&[("a.yaml", &a), ("b.yaml", &b), ("repo.yaml", HELMREPO)]);
    assert_eq!(codes(&v), ["VERIFY_RELEASE_CLASH"], "{}", v.to_text());
    assert_eq!(v.findings[0].file, "b.yaml");
    let b2 = hr(
        "b",
        "apps",
        "  releaseName: shared\n  storageNamespace: other\n",
    );
    clean(&run(&[
        ("a.yaml", &a),
        ("b.yaml", &b2),
        ("repo.yaml", HELMREPO),
    ]));
}

#[test]
fn references() {
    // chart sourceRef defaults to the HelmRelease's namespace.
    let other_ns = HELMREPO.replace("namespace: apps", "namespace: flux-system");
    let v = run(&[
        ("hr.yaml", &hr("app", "apps", "")),
        ("repo.yaml", &other_ns),
    ]);
    assert_eq!(codes(&v), ["VERIFY_REF_MISSING"], "{}", v.to_text());
    assert_eq!(v.findings[0].line, 13);
    // dependsOn another HelmRelease.
    let dep = hr("app", "apps", "  dependsOn:\n  - name: db\n");
    let v = run(&[("hr.yaml", &dep), ("repo.yaml", HELMREPO)]);
    assert_eq!(codes(&v), ["VERIFY_REF_MISSING"], "{}", v.to_text());
    let db = hr("db", "apps", "");
    clean(&run(&[
        ("hr.yaml", &dep),
        ("db.yaml", &db),
        ("repo.yaml", HELMREPO),
    ]));
    // chartRef.
    let cr = "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: c\n  namespace: apps\nspec:\n  interval: 5m\n  chartRef:\n    kind: OCIRepository\n    name: chart\n";
    assert_eq!(codes(&run(&[("hr.yaml", cr)])), ["VERIFY_REF_MISSING"]);
    let oci = "apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: chart\n  namespace: apps\nspec:\n  interval: 5m\n  url: oci://x/y\n";
    clean(&run(&[("hr.yaml", cr), ("oci.yaml", oci)]));
    // valuesFrom / secretRef outside the repo: info only.
    let vf = hr(
        "app",
        "apps",
        "  valuesFrom:\n  - kind: Secret\n    name: creds\n",
    );
    let v = run(&[("hr.yaml", &vf), ("repo.yaml", HELMREPO)]);
    assert_eq!(codes(&v), ["VERIFY_EXTERNAL_REF"], "{}", v.to_text());
    assert!(!v.needs_human());
    // Kustomization sourceRef / dependsOn.
    let k = ks("a", "./a", "  dependsOn:\n  - name: infra\n");
    let files = [
        ("flux/ks.yaml", k.as_str()),
        ("a/cm.yaml", &cm("x", "apps")),
    ];
    let mut c = codes(&run(&files));
    c.sort();
    assert_eq!(c, ["VERIFY_REF_MISSING", "VERIFY_REF_MISSING"]);
    let both = format!("{k}---\n{}", ks("infra", "./i", ""));
    clean(&run(&[
        ("flux/ks.yaml", both.as_str()),
        ("flux/git.yaml", GIT),
        ("a/cm.yaml", &cm("x", "apps")),
        ("i/cm.yaml", &cm("y", "apps")),
    ]));
}

const IMG_REPO: &str = "apiVersion: image.toolkit.fluxcd.io/v1
kind: ImageRepository
metadata:
  name: app
  namespace: flux-system
spec:
  image: ghcr.io/x/app
  interval: 5m
";

fn policy(repo: &str) -> String {
    format!(
        "apiVersion: image.toolkit.fluxcd.io/v1
kind: ImagePolicy
metadata:
  name: app
  namespace: flux-system
spec:
  imageRepositoryRef:
    name: {repo}
  policy:
    semver:
      range: 1.x
"
    )
}

fn iua(source: &str, path: &str) -> String {
    format!(
        "apiVersion: image.toolkit.fluxcd.io/v1
kind: ImageUpdateAutomation
metadata:
  name: auto
  namespace: flux-system
spec:
  interval: 5m
  sourceRef:
    kind: GitRepository
    name: {source}
  git:
    commit:
      author:
        name: bot
        email: bot@example.com
  update:
    path: {path}
    strategy: Setters
"
    )
}

const DEPLOY: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  namespace: apps
spec:
  template:
    spec:
      containers:
      - name: app
        image: ghcr.io/x/app:1.0.0 # {\"$imagepolicy\": \"flux-system:app\"}
";

#[test]
fn image_automation_references_and_markers() {
    let git = GIT;
    let pol = policy("app");
    let good = iua("repo", "./apps");
    clean(&run(&[
        ("flux/git.yaml", git),
        ("flux/repo.yaml", IMG_REPO),
        ("flux/policy.yaml", &pol),
        ("flux/iua.yaml", &good),
        ("apps/deploy.yaml", DEPLOY),
    ]));
    // imageRepositoryRef to nothing.
    let bad_pol = policy("nope");
    let v = run(&[
        ("flux/git.yaml", git),
        ("flux/repo.yaml", IMG_REPO),
        ("flux/policy.yaml", &bad_pol),
        ("flux/iua.yaml", &good),
        ("apps/deploy.yaml", DEPLOY),
    ]);
    assert_eq!(codes(&v), ["VERIFY_REF_MISSING"], "{}", v.to_text());
    // update.path not covering the marker.
    let narrow = iua("repo", "./other");
    let v = run(&[
        ("flux/git.yaml", git),
        ("flux/repo.yaml", IMG_REPO),
        ("flux/policy.yaml", &pol),
        ("flux/iua.yaml", &narrow),
        ("apps/deploy.yaml", DEPLOY),
    ]);
    assert_eq!(codes(&v), ["VERIFY_MARKER_NOT_COVERED"], "{}", v.to_text());
    assert_eq!(
        (v.findings[0].file.as_str(), v.findings[0].line),
        ("apps/deploy.yaml", 11)
    );
    // A marker naming no policy.
    let v = run(&[("apps/deploy.yaml", DEPLOY)]);
    assert_eq!(
        codes(&v),
        ["VERIFY_MARKER_UNKNOWN_POLICY"],
        "{}",
        v.to_text()
    );
    // The bootstrap GitRepository: an error, unless assumed.
    let boot = iua("flux-system", "./apps");
    let files = [
        ("flux/repo.yaml", IMG_REPO),
        ("flux/policy.yaml", pol.as_str()),
        ("flux/iua.yaml", boot.as_str()),
        ("apps/deploy.yaml", DEPLOY),
    ];
    let v = run(&files);
    assert_eq!(codes(&v), ["VERIFY_BOOTSTRAP_REF"], "{}", v.to_text());
    let opts = Options {
        assume_bootstrap: true,
        ..Options::default()
    };
    let v = run_with(&files, &opts);
    assert_eq!(codes(&v), ["VERIFY_BOOTSTRAP_ASSUMED"], "{}", v.to_text());
    assert_eq!(
        v.bootstrap_objects,
        ["GitRepository flux-system/flux-system"]
    );
    assert!(v.to_markdown().contains("flux bootstrap"));
}

#[test]
fn deterministic_and_order_independent() {
    let a = hr("a", "apps", "  releaseName: shared\n");
    let b = hr("b", "apps", "  releaseName: shared\n");
    let one = run(&[("a.yaml", &a), ("b.yaml", &b), ("x.yaml", DEPLOY)]);
    let two = run(&[("x.yaml", DEPLOY), ("b.yaml", &b), ("a.yaml", &a)]);
    assert_eq!(one.to_json(), two.to_json());
}

#[test]
fn conversion_carries_its_preflight() {
    let v1 = "apiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata:\n  name: app\n  namespace: apps\nspec:\n  releaseName: apps-app\n  chart:\n    repository: https://charts.example.com/\n    name: app\n    version: 1.0.0\n";
    let conv = convert(&[InputFile::new("hr.yaml", v1)], &Options::default());
    assert_eq!(conv.preflight.counts.files, conv.files.len());
    assert!(
        !conv
            .preflight
            .findings
            .iter()
            .any(|f| f.code.as_str() == "VERIFY_V1_OBJECT"),
        "{}",
        conv.preflight.to_text()
    );
}

#[test]
fn assumed_bootstrap_objects_go_to_the_runbook() {
    // An automated workload: fluxport's ImageUpdateAutomation names the bootstrap
    // GitRepository flux-system/flux-system when no daemon is in the input.
    let deploy = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\n  namespace: apps\n  annotations:\n    fluxcd.io/automated: \"true\"\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: ghcr.io/x/app:1.0.0\n";
    let inputs = [InputFile::new("deploy.yaml", deploy)];
    let conv = convert(&inputs, &Options::default());
    let boot = |c: &fluxport_core::Conversion| {
        c.preflight
            .findings
            .iter()
            .map(|f| f.code.as_str())
            .filter(|c| c.starts_with("VERIFY_BOOTSTRAP"))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        boot(&conv),
        ["VERIFY_BOOTSTRAP_REF"],
        "{}",
        conv.preflight.to_text()
    );
    assert!(!conv.report.runbook.contains("must create"));
    let opts = Options {
        assume_bootstrap: true,
        ..Options::default()
    };
    let conv = convert(&inputs, &opts);
    assert_eq!(boot(&conv), ["VERIFY_BOOTSTRAP_ASSUMED"]);
    assert!(
        conv.report
            .runbook
            .contains("`GitRepository flux-system/flux-system`"),
        "{}",
        conv.report.runbook
    );
}

/// `cargo test -p fluxport-core --test verify -- --ignored --nocapture corpus_counts`:
/// the pre-flight over fluxport's own output on the shared corpus, counts by code.
#[test]
#[ignore]
fn corpus_counts() {
    let root = shared().join("corpus");
    let mut sets: Vec<(String, Vec<InputFile>)> =
        vec![("v1 (one repo)".into(), read_dir_inputs(&root.join("v1")))];
    let mut pairs: Vec<_> = std::fs::read_dir(root.join("pairs"))
        .unwrap()
        .map(|e| e.unwrap().path().join("before"))
        .filter(|p| p.is_dir())
        .collect();
    pairs.sort();
    for p in pairs {
        sets.push((
            format!(
                "pair {}",
                p.parent().unwrap().file_name().unwrap().to_string_lossy()
            ),
            read_dir_inputs(&p),
        ));
    }
    let mut repos: Vec<_> = std::fs::read_dir(root.join("repos"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && !p.to_string_lossy().ends_with(".after"))
        .collect();
    repos.sort();
    for r in repos {
        sets.push((
            format!("repo {}", r.file_name().unwrap().to_string_lossy()),
            read_dir_inputs(&r),
        ));
    }
    let mut total: BTreeMap<String, usize> = BTreeMap::new();
    let mut pairs_total: BTreeMap<String, usize> = BTreeMap::new();
    for (name, inputs) in &sets {
        let t0 = std::time::Instant::now();
        let conv = convert(inputs, &Options::default());
        let t_convert = t0.elapsed();
        let outputs: Vec<InputFile> = conv
            .files
            .iter()
            .filter(|f| f.status != fluxport_core::FileStatus::Deleted)
            .map(|f| InputFile::new(f.path.clone(), f.bytes.clone()))
            .collect();
        let t1 = std::time::Instant::now();
        let again = verify(&outputs, &Options::default());
        let t_verify = t1.elapsed();
        let counts = &conv.preflight.counts.by_code;
        if !name.starts_with("pair ") {
            println!(
                "{name}: {} [convert incl. pre-flight {:?}, verify alone {:?}, {} findings standalone]",
                conv.preflight.summary_line(),
                t_convert,
                t_verify,
                again.findings.len()
            );
            for (c, n) in counts {
                println!("    {c}: {n}");
            }
        }
        for (c, n) in counts {
            *total.entry(c.clone()).or_default() += n;
            if name.starts_with("pair ") {
                *pairs_total.entry(c.clone()).or_default() += n;
            }
        }
    }
    println!(
        "pairs ({}):",
        sets.iter().filter(|s| s.0.starts_with("pair ")).count()
    );
    for (c, n) in &pairs_total {
        println!("    {c}: {n}");
    }
    println!("total:");
    for (c, n) in &total {
        println!("    {c}: {n}");
    }
}

#[test]
fn crd_schema_types_enums_required_unknown_fields() {
    let repo = |extra: &str| format!("{HELMREPO}{extra}");
    clean(&run(&[
        ("hr.yaml", &hr("app", "apps", "")),
        ("repo.yaml", &repo("")),
    ]));
    // A plain `600` where the schema wants a string (interval).
    let v = run(&[
        ("hr.yaml", &hr("app", "apps", "")),
        ("repo.yaml", &repo("  timeout: 600\n")),
    ]);
    assert_eq!(codes(&v), ["VERIFY_SCHEMA"], "{}", v.to_text());
    assert_eq!(v.findings[0].line, 9);
    // An enum value the CRD does not allow.
    let v = run(&[
        ("hr.yaml", &hr("app", "apps", "")),
        ("repo.yaml", &repo("  type: git\n")),
    ]);
    assert_eq!(codes(&v), ["VERIFY_SCHEMA"], "{}", v.to_text());
    // A required field missing (spec.url of a HelmRepository is required? interval is not:
    // the chart's sourceRef.name is).
    let no_name = hr("app", "apps", "").replace("        name: charts\n", "");
    let v = run(&[("hr.yaml", &no_name), ("repo.yaml", HELMREPO)]);
    assert!(has(&v, "VERIFY_SCHEMA"), "{}", v.to_text());
    // A field the served version does not have: pruned, a warning.
    let v = run(&[
        ("hr.yaml", &hr("app", "apps", "  wait: true\n")),
        ("repo.yaml", HELMREPO),
    ]);
    assert_eq!(codes(&v), ["VERIFY_UNKNOWN_FIELD"], "{}", v.to_text());
    assert_eq!(v.findings[0].line, 14);
}

#[test]
fn crd_cel_rules() {
    // chart and chartRef both set breaks "either chart or chartRef must be set".
    let both = "  chartRef:\n    kind: OCIRepository\n    name: x\n";
    let v = run(&[
        ("hr.yaml", &hr("app", "apps", both)),
        ("repo.yaml", HELMREPO),
    ]);
    assert!(has(&v, "VERIFY_CEL"), "{}", v.to_text());
    assert!(v.to_text().contains("either chart or chartRef must be set"));
    // retryInterval with RemediateOnFailure; the clean twin uses RetryOnFailure.
    let strat = |name: &str| {
        format!("  upgrade:\n    strategy:\n      name: {name}\n      retryInterval: 5m\n")
    };
    let v = run(&[
        ("hr.yaml", &hr("app", "apps", &strat("RemediateOnFailure"))),
        ("repo.yaml", HELMREPO),
    ]);
    assert_eq!(codes(&v), ["VERIFY_CEL"], "{}", v.to_text());
    clean(&run(&[
        ("hr.yaml", &hr("app", "apps", &strat("RetryOnFailure"))),
        ("repo.yaml", HELMREPO),
    ]));
    // Bucket: the default provider is `generic`, so serviceAccountName breaks a rule.
    let bucket = |extra: &str| {
        format!("apiVersion: source.toolkit.fluxcd.io/v1\nkind: Bucket\nmetadata:\n  name: b\n  namespace: flux-system\nspec:\n  interval: 5m\n  bucketName: b\n  endpoint: s3.example.com\n{extra}")
    };
    let v = run(&[("b.yaml", &bucket("  serviceAccountName: sa\n"))]);
    assert_eq!(codes(&v), ["VERIFY_CEL"], "{}", v.to_text());
    clean(&run(&[(
        "b.yaml",
        &bucket("  provider: aws\n  serviceAccountName: sa\n"),
    )]));
}
