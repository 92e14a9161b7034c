//! The pre-flight (`fluxport_core::verify`, issue 13): each check with a planted defect
//! it must catch and a clean twin it must pass; the served-versions table against the
//! CRDs; and (ignored, run by hand) the counts by code over fluxport's output on the
//! shared corpus.

mod common;

use common::{read_dir_inputs, shared};
use fluxport_core::verify::served::{FluxVersion, APIS};
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
    // The CRDs are those of the release MAPPING.md §0 targets, the default minor.
    let mut table: Vec<(String, String, Vec<String>)> = APIS
        .iter()
        .map(|a| {
            (
                a.group.to_string(),
                a.kind.to_string(),
                a.served(FluxVersion::default())
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
            )
        })
        .collect();
    table.sort();
    assert_eq!(
        table, from_crds,
        "model/served.rs APIS (default minor) drifted from ../shared/crds"
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

/// The generator rule sees the source's artifact: source-controller's ignore rules
/// (`.sourceignore`, `spec.ignore`, and the defaults only while neither has a pattern).
#[test]
fn generated_builds_read_the_artifact() {
    let git_ignoring = |ignore: &str| {
        format!(
            "{GIT}  ignore: |\n{}",
            ignore
                .lines()
                .map(|l| format!("    {l}\n"))
                .collect::<String>()
        )
    };
    let base = |git: String, extra: Vec<(&'static str, String)>| {
        let mut v = vec![
            ("flux/git.yaml", git),
            ("flux/ks.yaml", ks("apps", "./apps", "")),
            ("apps/cm.yaml", cm("a", "apps")),
            (
                "apps/.flux.yaml",
                "version: 1\npatchUpdated:\n  generators: []\n".to_string(),
            ),
        ];
        v.extend(extra);
        v
    };
    let as_refs = |v: &[(&'static str, String)]| -> Vec<(&'static str, String)> { v.to_vec() };
    let runv = |v: &[(&'static str, String)]| {
        let f: Vec<(&str, &str)> = v.iter().map(|(p, t)| (*p, t.as_str())).collect();
        run(&f)
    };
    // Clean: the default list ignores `**/.flux.yaml`.
    let v = runv(&as_refs(&base(GIT.to_string(), vec![])));
    clean(&v);
    assert_eq!(v.counts.objects, 1);
    // Planted: any `.sourceignore` pattern drops the defaults, so the `.flux.yaml` is
    // in the artifact and the generated build cannot decode it.
    let planted = base(
        GIT.to_string(),
        vec![(".sourceignore", "*.md\n".to_string())],
    );
    let v = runv(&planted);
    assert_eq!(codes(&v), ["VERIFY_BUILD"], "{}", v.to_text());
    assert_eq!(v.findings[0].file, "apps/.flux.yaml");
    assert_eq!(v.findings[0].line, 1);
    // A comment-only `.sourceignore` has no pattern: the defaults hold.
    let v = runv(&base(
        GIT.to_string(),
        vec![(".sourceignore", "# nothing\n".to_string())],
    ));
    clean(&v);
    // The same through the GitRepository's spec.ignore, and its twin listing the file.
    let v = runv(&base(git_ignoring("/charts/"), vec![]));
    assert_eq!(codes(&v), ["VERIFY_BUILD"], "{}", v.to_text());
    let v = runv(&base(git_ignoring("/charts/\n**/.flux.yaml"), vec![]));
    clean(&v);
    // An ignored file's objects are not in the build: a duplicate disappears.
    let dup = vec![("apps/copy.yaml", cm("a", "apps"))];
    let v = runv(&base(GIT.to_string(), dup.clone()));
    assert_eq!(codes(&v), ["VERIFY_DUPLICATE_OBJECT"], "{}", v.to_text());
    let v = runv(&base(git_ignoring("**/.flux.yaml\n/apps/copy.yaml"), dup));
    clean(&v);
    // A dot file is not ignored as such: its object is built.
    let v = runv(&base(
        GIT.to_string(),
        vec![("apps/.extra.yaml", cm("b", "apps"))],
    ));
    clean(&v);
    assert_eq!(v.counts.objects, 2);
}

/// A `spec.patches` item without `target` targets its own identity (kustomize
/// `GetById`): apiVersion, kind, namespace and name must all find an object.
#[test]
fn target_less_spec_patches_name_an_object_of_the_build() {
    let with_patch = |patch: &str| {
        let extra = format!(
            "  patches:\n  - patch: |\n{}",
            patch
                .lines()
                .map(|l| format!("      {l}\n"))
                .collect::<String>()
        );
        vec![
            ("flux/git.yaml", GIT.to_string()),
            ("flux/ks.yaml", ks("apps", "./apps", &extra)),
            ("apps/cm.yaml", cm("a", "apps")),
            ("apps/hr.yaml", hr("web", "apps", "")),
            ("apps/repo.yaml", HELMREPO.to_string()),
        ]
    };
    let runv = |v: &[(&str, String)]| {
        let f: Vec<(&str, &str)> = v.iter().map(|(p, t)| (*p, t.as_str())).collect();
        run(&f)
    };
    let cm_patch = |name: &str, ns: &str| {
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: {ns}\ndata:\n  k: v\n")
    };
    // Clean twins: the patch names an object of the build.
    clean(&runv(&with_patch(&cm_patch("a", "apps"))));
    let hr_patch = "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: web\n  namespace: apps\nspec:\n  interval: 1m\n";
    clean(&runv(&with_patch(hr_patch)));
    // Planted: another name, another namespace, an old apiVersion, a JSON 6902 list.
    for (patch, what) in [
        (cm_patch("b", "apps"), "ConfigMap `apps/b`"),
        (cm_patch("a", "other"), "ConfigMap `other/a`"),
        (
            hr_patch.replace("/v2\n", "/v2beta1\n"),
            "helm.toolkit.fluxcd.io/v2beta1 HelmRelease `apps/web`",
        ),
        (
            "- op: add\n  path: /data/x\n  value: y\n".to_string(),
            "must specify a target",
        ),
    ] {
        let v = runv(&with_patch(&patch));
        assert_eq!(codes(&v), ["VERIFY_BUILD"], "{patch}: {}", v.to_text());
        assert!(
            v.findings[0].message.contains(what),
            "{}",
            v.findings[0].message
        );
        assert_eq!(v.findings[0].file, "flux/ks.yaml");
    }
}

/// `spec.components`: local, relative, existing (unless ignoreMissingComponents), and a
/// `kind: Component`; its objects join the build.
#[test]
fn spec_components() {
    const COMPONENT: &str =
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources:\n- extra.yaml\n";
    let tree = |components: &str, comp_kust: &str| {
        vec![
            ("flux/git.yaml", GIT.to_string()),
            ("flux/ks.yaml", ks("apps", "./apps", components)),
            ("apps/cm.yaml", cm("a", "apps")),
            ("comp/kustomization.yaml", comp_kust.to_string()),
            ("comp/extra.yaml", cm("extra", "apps")),
        ]
    };
    let runv = |v: &[(&str, String)]| {
        let f: Vec<(&str, &str)> = v.iter().map(|(p, t)| (*p, t.as_str())).collect();
        run(&f)
    };
    let v = runv(&tree("  components:\n  - ../comp\n", COMPONENT));
    clean(&v);
    assert_eq!(v.counts.objects, 2, "the component's ConfigMap is built");
    // A missing component is fine only with ignoreMissingComponents.
    let v = runv(&tree("  components:\n  - ../gone\n", COMPONENT));
    assert_eq!(codes(&v), ["VERIFY_BUILD"], "{}", v.to_text());
    assert_eq!(
        (v.findings[0].file.as_str(), v.findings[0].line),
        ("flux/ks.yaml", 14)
    );
    clean(&runv(&tree(
        "  ignoreMissingComponents: true\n  components:\n  - ../gone\n",
        COMPONENT,
    )));
    for (components, what) in [
        (
            "  components:\n  - https://github.com/x/y//c\n",
            "local, relative",
        ),
        ("  components:\n  - /abs/comp\n", "local, relative"),
        ("  components:\n  - ../../out\n", "leaves the source's root"),
    ] {
        let v = runv(&tree(components, COMPONENT));
        assert_eq!(codes(&v), ["VERIFY_BUILD"], "{}", v.to_text());
        assert!(
            v.findings[0].message.contains(what),
            "{}",
            v.findings[0].message
        );
    }
    // A Kustomization (not a Component) there.
    let v = runv(&tree(
        "  components:\n  - ../comp\n",
        "resources:\n- extra.yaml\n",
    ));
    assert!(codes(&v).contains(&"VERIFY_BUILD"), "{}", v.to_text());
    assert!(
        v.findings
            .iter()
            .any(|f| f.message.contains("not `kind: Component`")),
        "{}",
        v.to_text()
    );
}

/// With no Flux Kustomization, a source that no build holds but a cluster's
/// HelmRelease needs is applied by nothing: VERIFY_APPLIED_BY_HAND (the pre-flight
/// accepts the reference, and says so).
#[test]
fn references_to_objects_no_build_applies() {
    let tree = |resources: &str| {
        vec![
            (
                "prod/kustomization.yaml",
                format!("resources:\n- ../base\n{resources}"),
            ),
            (
                "base/kustomization.yaml",
                "resources:\n- hr.yaml\n".to_string(),
            ),
            ("base/hr.yaml", hr("web", "apps", "")),
            ("fluxport-sources.yaml", HELMREPO.to_string()),
        ]
    };
    let runv = |v: &[(&str, String)]| {
        let f: Vec<(&str, &str)> = v.iter().map(|(p, t)| (*p, t.as_str())).collect();
        run(&f)
    };
    let v = runv(&tree(""));
    assert_eq!(
        codes(&v),
        ["VERIFY_APPLIED_BY_HAND", "VERIFY_SYNC_ROOTS_GUESSED"],
        "{}",
        v.to_text()
    );
    assert_eq!(
        (v.findings[0].file.as_str(), v.findings[0].line),
        ("fluxport-sources.yaml", 4)
    );
    assert!(
        v.findings[0].message.contains("HelmRelease apps/web"),
        "{}",
        v.findings[0].message
    );
    // Clean twin: the cluster's kustomization lists the file.
    let v = runv(&tree("- ../fluxport-sources.yaml\n"));
    assert_eq!(codes(&v), ["VERIFY_SYNC_ROOTS_GUESSED"], "{}", v.to_text());
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

/// Issue 15: the name rules of `model::k8s_names` in the pre-flight: a Service name is
/// an RFC 1035 label, a HelmRelease's target and storage namespaces RFC 1123 labels.
#[test]
fn service_names_and_helm_namespaces() {
    let svc = |name: &str| {
        format!("apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  namespace: apps\n")
    };
    let v = run(&[("svc.yaml", &svc("1web"))]);
    assert_eq!(codes(&v), ["VERIFY_INVALID_NAME"], "{}", v.to_text());
    assert!(v.findings[0]
        .message
        .contains("must start with a lowercase letter"));
    clean(&run(&[("svc.yaml", &svc("web-1"))]));
    // `1web` is a valid name for most other kinds (an RFC 1123 subdomain).
    clean(&run(&[("cm.yaml", &cm("1web", "apps"))]));
    for field in ["targetNamespace", "storageNamespace"] {
        let bad = format!("  {field}: Bad_NS\n");
        let v = run(&[
            ("hr.yaml", &hr("app", "apps", &bad)),
            ("repo.yaml", HELMREPO),
        ]);
        assert_eq!(codes(&v), ["VERIFY_INVALID_NAME"], "{}", v.to_text());
        assert!(v.findings[0]
            .message
            .contains(&format!("spec.{field} `Bad_NS`")));
        let good = format!("  {field}: bad-ns\n");
        clean(&run(&[
            ("hr.yaml", &hr("app", "apps", &good)),
            ("repo.yaml", HELMREPO),
        ]));
    }
    // The release name a v1 HelmRelease computed from an invalid target namespace.
    let bad = "  releaseName: demo-Not_A_Namespace!-app\n";
    let v = run(&[
        ("hr.yaml", &hr("app", "apps", bad)),
        ("repo.yaml", HELMREPO),
    ]);
    assert_eq!(codes(&v), ["VERIFY_INVALID_NAME"], "{}", v.to_text());
    assert!(v.findings[0].message.contains("spec.releaseName"));
    clean(&run(&[
        (
            "hr.yaml",
            &hr("app", "apps", "  releaseName: demo-apps-app\n"),
        ),
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

fn kust(resources: &[&str], extra: &str) -> String {
    let mut s = String::from(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n",
    );
    for r in resources {
        s.push_str(&format!("- {r}\n"));
    }
    s.push_str(extra);
    s
}

#[test]
fn unknown_sync_roots_check_each_top_level_kustomization() {
    // Two per-cluster overlays share a base (the hmcts layout), no Flux Kustomization,
    // no daemon, no --sync-path: each overlay is its own cluster, so the shared
    // ConfigMap is no duplicate; one info says the roots were guessed.
    let base_cm = cm("shared", "apps");
    let files = [
        ("base/kustomization.yaml", kust(&["cm.yaml"], "")),
        ("base/cm.yaml", base_cm.clone()),
        ("envs/a/kustomization.yaml", kust(&["../../base"], "")),
        ("envs/b/kustomization.yaml", kust(&["../../base"], "")),
    ];
    let f: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
    let v = run(&f);
    assert_eq!(codes(&v), ["VERIFY_SYNC_ROOTS_GUESSED"], "{}", v.to_text());
    assert!(
        v.findings[0].message.contains("`envs/a`, `envs/b`"),
        "{}",
        v.to_text()
    );
    // Planted: one cluster applying both overlays (--sync-path a,b) gets the duplicate.
    let opts = Options {
        sync_paths: vec!["envs/a,envs/b".into()],
        ..Options::default()
    };
    let v = run_with(&f, &opts);
    assert_eq!(codes(&v), ["VERIFY_DUPLICATE_OBJECT"], "{}", v.to_text());
    // Planted: a duplicate inside one overlay is still caught in the guessed cluster.
    let mut g = f.clone();
    let own = kust(&["../../base", "cm.yaml"], "");
    g[2].1 = &own;
    g.push(("envs/a/cm.yaml", &base_cm));
    let v = run(&g);
    assert!(
        has(&v, "VERIFY_BUILD") || has(&v, "VERIFY_DUPLICATE_OBJECT"),
        "{}",
        v.to_text()
    );
    // Planted: a base object without namespace is reported once, naming both builds.
    let nons = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: nons\n";
    let mut h = f.clone();
    h[1].1 = nons;
    let v = run(&h);
    let no_ns: Vec<_> = v
        .findings
        .iter()
        .filter(|f| f.code.as_str() == "VERIFY_NO_NAMESPACE")
        .collect();
    assert_eq!(no_ns.len(), 1, "{}", v.to_text());
    assert!(
        no_ns[0].message.contains("(and 1 other builds)"),
        "{}",
        v.to_text()
    );
    // A tree without kustomization files stays one build of its root: no guess.
    clean(&run(&[("a/cm.yaml", base_cm.as_str())]));
}

#[test]
fn v1_patch_fragment_names_its_input_cause() {
    // A v1 HelmRelease without spec.chart (a patch whose base is not in the input) is
    // left unchanged by the conversion; the pre-flight says why, and reports no
    // missing namespace on top of the v1 object.
    let frag = "apiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata:\n  name: agent\nspec:\n  values:\n    a: 1\n";
    let conv = convert(&[InputFile::new("agent.yaml", frag)], &Options::default());
    let v = &conv.preflight;
    assert_eq!(
        v.findings
            .iter()
            .map(|f| f.code.as_str())
            .collect::<Vec<_>>(),
        ["VERIFY_V1_OBJECT"],
        "{}",
        v.to_text()
    );
    assert!(
        v.findings[0].message.contains("PARTIAL_HELMRELEASE"),
        "{}",
        v.to_text()
    );
    assert_eq!(v.findings[0].location(), "agent.yaml:1:13");
    // Twin: a complete v1 object in a v2 build has no such cause.
    let full = "apiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata:\n  name: old\n  namespace: apps\nspec:\n  chart:\n    repository: https://x\n    name: x\n    version: 1.0.0\n";
    let v = run(&[("old.yaml", full)]);
    assert_eq!(codes(&v), ["VERIFY_V1_OBJECT"], "{}", v.to_text());
    assert!(!v.findings[0].message.contains("PARTIAL_HELMRELEASE"));
}

fn fluxd(url: &str, path: Option<&str>) -> String {
    let path = path.map_or(String::new(), |p| format!("        - --git-path={p}\n"));
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: flux\n  namespace: flux\nspec:\n  template:\n    spec:\n      containers:\n      - name: flux\n        image: docker.io/fluxcd/flux:1.21.0\n        args:\n        - --git-url={url}\n{path}"
    )
}

const AUTOMATED: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\n  namespace: apps\n  annotations:\n    fluxcd.io/automated: \"true\"\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: ghcr.io/x/app:1.0.0\n";

#[test]
fn bootstrap_reference_names_its_input_cause() {
    // No daemon: the automation names bootstrap's GitRepository, and says why.
    let conv = convert(
        &[InputFile::new("deploy.yaml", AUTOMATED)],
        &Options::default(),
    );
    let f: Vec<_> = conv
        .preflight
        .findings
        .iter()
        .filter(|f| f.code.as_str() == "VERIFY_BOOTSTRAP_REF")
        .collect();
    assert_eq!(f.len(), 1, "{}", conv.preflight.to_text());
    assert!(
        f[0].message.contains("no fluxd manifest with a --git-url"),
        "{}",
        f[0].message
    );
    // Twin: a daemon with --git-url: the automation names its GitRepository.
    let d = fluxd("git@github.com:org/app-repo", None);
    let conv = convert(
        &[
            InputFile::new("deploy.yaml", AUTOMATED),
            InputFile::new("flux/flux.yaml", d.as_str()),
        ],
        &Options::default(),
    );
    assert!(!conv.preflight.has_errors(), "{}", conv.preflight.to_text());
}

#[test]
fn several_daemons_of_one_root_name_one_git_repository() {
    // Two daemons sync the repository root: the sync file is the first daemon's,
    // and the automation of that root names the same GitRepository. Before, the
    // automation named the first daemon's and the sync file was the last one's.
    let a = fluxd("git@github.com:org/first", None);
    let b = fluxd("git@github.com:org/second", None);
    let conv = convert(
        &[
            InputFile::new("a/flux.yaml", a.as_str()),
            InputFile::new("b/flux.yaml", b.as_str()),
            InputFile::new("deploy.yaml", AUTOMATED),
        ],
        &Options::default(),
    );
    assert!(
        !conv
            .preflight
            .findings
            .iter()
            .any(|f| f.code.as_str() == "VERIFY_REF_MISSING"),
        "{}",
        conv.preflight.to_text()
    );
    let sync = conv
        .files
        .iter()
        .find(|f| f.path.contains("fluxport-sync"))
        .expect("a sync file");
    assert!(String::from_utf8_lossy(&sync.bytes).contains("name: first"));
}

#[test]
fn missing_sync_path_names_the_daemon_flag() {
    // A daemon whose --git-path is not in the input (it syncs another repository):
    // the generated Kustomization's path is missing, and the finding names the flag.
    let d = fluxd("git@github.com:org/other", Some("cluster"));
    let conv = convert(
        &[
            InputFile::new("install/flux.yaml", d.as_str()),
            InputFile::new("apps/cm.yaml", cm("x", "apps").as_str()),
        ],
        &Options::default(),
    );
    let f: Vec<_> = conv
        .preflight
        .findings
        .iter()
        .filter(|f| f.code.as_str() == "VERIFY_PATH_MISSING")
        .collect();
    assert_eq!(f.len(), 1, "{}", conv.preflight.to_text());
    assert!(
        f[0].message.contains("install/flux.yaml:14:"),
        "{}",
        f[0].message
    );
    // Twin: the path exists.
    let d = fluxd("git@github.com:org/other", Some("apps"));
    let conv = convert(
        &[
            InputFile::new("install/flux.yaml", d.as_str()),
            InputFile::new("apps/cm.yaml", cm("x", "apps").as_str()),
        ],
        &Options::default(),
    );
    assert!(
        !conv
            .preflight
            .findings
            .iter()
            .any(|f| f.code.as_str() == "VERIFY_PATH_MISSING"),
        "{}",
        conv.preflight.to_text()
    );
}

#[test]
fn duplicate_across_one_daemons_paths_names_the_flag() {
    // One daemon applies two paths that define the same object: Flux v1 applied it
    // twice too, and the finding names the daemon's --git-path.
    let d = fluxd("git@github.com:org/repo", Some("a,b"));
    let same = cm("same", "apps");
    let conv = convert(
        &[
            InputFile::new("flux/flux.yaml", d.as_str()),
            InputFile::new("a/cm.yaml", same.as_str()),
            InputFile::new("b/cm.yaml", same.as_str()),
        ],
        &Options::default(),
    );
    let f: Vec<_> = conv
        .preflight
        .findings
        .iter()
        .filter(|f| f.code.as_str() == "VERIFY_DUPLICATE_OBJECT")
        .collect();
    assert_eq!(f.len(), 1, "{}", conv.preflight.to_text());
    assert!(
        f[0].message.contains("flux/flux.yaml:14:") && f[0].message.contains("twice as well"),
        "{}",
        f[0].message
    );
    // Twin: two objects, no duplicate.
    let other = cm("other", "apps");
    let conv = convert(
        &[
            InputFile::new("flux/flux.yaml", d.as_str()),
            InputFile::new("a/cm.yaml", same.as_str()),
            InputFile::new("b/cm.yaml", other.as_str()),
        ],
        &Options::default(),
    );
    assert!(
        !conv
            .preflight
            .findings
            .iter()
            .any(|f| f.code.as_str() == "VERIFY_DUPLICATE_OBJECT"),
        "{}",
        conv.preflight.to_text()
    );
}

#[test]
fn automation_moved_by_an_overlay_namespace_says_so() {
    // The image automation objects sit in an overlay whose kustomization sets
    // `namespace: demo` (golden fluxyaml-patch-updated): the build moves them, so the
    // marker's flux-system policy and the automation's GitRepository miss; the findings
    // say which kustomization moved what.
    let sync = format!("{GIT}---\n{}", ks("staging", "./staging", ""));
    let pol = policy("app");
    let auto = iua("repo", "./staging");
    let with_ns = kust(&["automation.yaml", "deploy.yaml"], "namespace: demo\n");
    let automation = format!("{IMG_REPO}---\n{pol}---\n{auto}");
    let files = [
        ("flux/sync.yaml", sync.as_str()),
        ("staging/kustomization.yaml", with_ns.as_str()),
        ("staging/automation.yaml", automation.as_str()),
        ("staging/deploy.yaml", DEPLOY),
    ];
    let v = run(&files);
    let moved: Vec<_> = v
        .findings
        .iter()
        .filter(|f| f.message.contains("moves it to demo"))
        .map(|f| f.code.as_str())
        .collect();
    assert!(
        moved.contains(&"VERIFY_MARKER_UNKNOWN_POLICY"),
        "{}",
        v.to_text()
    );
    assert!(moved.contains(&"VERIFY_REF_MISSING"), "{}", v.to_text());
    // Twin: the kustomization sets no namespace; nothing is moved or missing.
    let without = kust(&["automation.yaml", "deploy.yaml"], "");
    let mut twin = files;
    twin[1].1 = &without;
    let v = run(&twin);
    assert!(
        !v.findings.iter().any(|f| f.message.contains("moves it")
            || f.code.as_str() == "VERIFY_MARKER_UNKNOWN_POLICY"
            || f.code.as_str() == "VERIFY_REF_MISSING"),
        "{}",
        v.to_text()
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

fn owned(files: &[(&str, String)]) -> Vec<(&'static str, String)> {
    files
        .iter()
        .map(|(p, t)| (&*Box::leak(p.to_string().into_boxed_str()), t.clone()))
        .collect()
}

fn run_owned(files: &[(&str, String)]) -> Verification {
    let f: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
    run(&f)
}

#[test]
fn kustomization_name_prefix_and_suffix() {
    // Two Kustomizations build one directory into one namespace: the same objects
    // twice, unless their spec.namePrefix/nameSuffix tell them apart.
    let tree = |a: &str, b: &str| {
        owned(&[
            ("flux/git.yaml", GIT.to_string()),
            (
                "flux/ks.yaml",
                format!(
                    "{}---\n{}",
                    ks("one", "./app", &format!("  targetNamespace: apps\n{a}")),
                    ks("two", "./app", &format!("  targetNamespace: apps\n{b}"))
                ),
            ),
            ("app/cm.yaml", cm("settings", "x")),
        ])
    };
    let planted = run_owned(&tree("", ""));
    assert_eq!(
        codes(&planted),
        ["VERIFY_DUPLICATE_OBJECT"],
        "{}",
        planted.to_text()
    );
    clean(&run_owned(&tree(
        "  namePrefix: one-\n",
        "  namePrefix: two-\n",
    )));
    clean(&run_owned(&tree("  nameSuffix: -one\n", "")));
    // A suffix on both that makes the names equal again is a duplicate.
    let v = run_owned(&tree("  nameSuffix: -x\n", "  nameSuffix: -x\n"));
    assert_eq!(codes(&v), ["VERIFY_DUPLICATE_OBJECT"], "{}", v.to_text());
    // spec.namePrefix replaces the path's kustomization's own namePrefix.
    let with_file = |a: &str, b: &str| {
        let mut t = tree(a, b);
        t.push((
            "app/kustomization.yaml",
            "namePrefix: file-\nresources: [cm.yaml]\n".to_string(),
        ));
        t
    };
    let v = run_owned(&with_file("  namePrefix: file-\n", ""));
    assert_eq!(codes(&v), ["VERIFY_DUPLICATE_OBJECT"], "{}", v.to_text());
    clean(&run_owned(&with_file("  namePrefix: mine-\n", "")));
}

#[test]
fn kustomization_name_prefix_breaks_flux_references() {
    // kustomize does not rename a HelmRelease's sourceRef: a prefixed HelmRepository
    // is no longer the one the release names.
    let tree = |extra: &str| {
        owned(&[
            ("flux/git.yaml", GIT.to_string()),
            ("flux/ks.yaml", ks("apps", "./apps", extra)),
            ("apps/hr.yaml", hr("app", "apps", "")),
            ("apps/repo.yaml", HELMREPO.to_string()),
        ])
    };
    clean(&run_owned(&tree("")));
    let v = run_owned(&tree("  namePrefix: p-\n"));
    assert!(has(&v, "VERIFY_REF_MISSING"), "{}", v.to_text());
    // A Namespace keeps its name (kustomize's skip list).
    let ns = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: apps\n";
    let mut t = tree("  namePrefix: p-\n");
    t.retain(|(p, _)| *p != "apps/hr.yaml" && *p != "apps/repo.yaml");
    t.push(("apps/ns.yaml", ns.to_string()));
    t.push(("apps/cm.yaml", cm("c", "apps")));
    clean(&run_owned(&t));
}

#[test]
fn kustomization_spec_patches_targets() {
    let tree = |target: &str| {
        owned(&[
            ("flux/git.yaml", GIT.to_string()),
            (
                "flux/ks.yaml",
                ks(
                    "apps",
                    "./apps",
                    &format!(
                        "  patches:\n  - patch: |\n      - op: add\n        path: /metadata/labels/x\n        value: y\n    target:\n{target}"
                    ),
                ),
            ),
            ("apps/cm.yaml", cm("settings", "apps")),
        ])
    };
    clean(&run_owned(&tree(
        "      kind: ConfigMap\n      name: settings\n",
    )));
    clean(&run_owned(&tree(
        "      kind: ConfigMap\n      name: sett.*\n      namespace: apps\n",
    )));
    let v = run_owned(&tree("      kind: ConfigMap\n      name: other\n"));
    assert_eq!(codes(&v), ["VERIFY_PATCH_NO_TARGET"], "{}", v.to_text());
    assert_eq!(v.findings[0].file, "flux/ks.yaml");
    assert_eq!(v.findings[0].line, 19, "{}", v.to_text());
    let v = run_owned(&tree("      kind: Secret\n"));
    assert_eq!(codes(&v), ["VERIFY_PATCH_NO_TARGET"], "{}", v.to_text());
    // Targets match before the prefix is applied, by written or current name.
    let mut t = tree("      name: settings\n");
    t[1].1.push_str("  namePrefix: p-\n");
    clean(&run_owned(&t));
    // A label selector sees the written labels.
    let labelled = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: apps\n  labels:\n    team: a\n";
    let mut t = tree("      labelSelector: team=a\n");
    t[2].1 = labelled.to_string();
    clean(&run_owned(&t));
    let mut t = tree("      labelSelector: team=b\n");
    t[2].1 = labelled.to_string();
    assert_eq!(codes(&run_owned(&t)), ["VERIFY_PATCH_NO_TARGET"]);
    // A selector kustomize rejects.
    let v = run_owned(&tree("      labelSelector: 'a in b'\n"));
    assert_eq!(codes(&v), ["VERIFY_BUILD"], "{}", v.to_text());
}

/// Kustomization `apps` (with `post` in its spec) builds `apps/cm.yaml` (`obj`);
/// `other` builds a ConfigMap `apps/web-a`.
fn apps_and_other(post: &str, obj: &str) -> Vec<(&'static str, String)> {
    owned(&[
        ("flux/git.yaml", GIT.to_string()),
        (
            "flux/ks.yaml",
            format!(
                "{}---\n{}",
                ks("apps", "./apps", post),
                ks("other", "./other", "")
            ),
        ),
        ("apps/cm.yaml", obj.to_string()),
        ("other/cm.yaml", cm("web-a", "apps")),
    ])
}

#[test]
fn kustomization_post_build_substitution() {
    // Kustomization `apps` builds a templated ConfigMap; `other` a ConfigMap web-a.
    let tree = |post: &str, obj: &str| apps_and_other(post, obj);
    let templated =
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-${cluster}\n  namespace: apps\n";
    let sub = |v: &str| format!("  postBuild:\n    substitute:\n      cluster: {v}\n");
    // Substituted, the name is that of the other ConfigMap: a duplicate.
    let v = run_owned(&tree(&sub("a"), templated));
    assert_eq!(codes(&v), ["VERIFY_DUPLICATE_OBJECT"], "{}", v.to_text());
    clean(&run_owned(&tree(&sub("b"), templated)));
    // The substituted name is checked: `_` is no RFC 1123 character.
    let v = run_owned(&tree(&sub("b_c"), templated));
    assert_eq!(codes(&v), ["VERIFY_INVALID_NAME"], "{}", v.to_text());
    // Disabled by annotation: the name stays templated (not checked).
    let disabled = templated.replace(
        "  namespace: apps\n",
        "  namespace: apps\n  annotations:\n    kustomize.toolkit.fluxcd.io/substitute: disabled\n",
    );
    clean(&run_owned(&tree(&sub("a"), &disabled)));
    // `$${var}` is the literal `${var}`; a default applies when unset.
    let escaped = templated.replace("${cluster}", "$${cluster}");
    clean(&run_owned(&tree(&sub("a"), &escaped)));
    let defaulted = templated.replace("${cluster}", "${region:=a}");
    let v = run_owned(&tree(&sub("x"), &defaulted));
    assert_eq!(codes(&v), ["VERIFY_DUPLICATE_OBJECT"], "{}", v.to_text());
    // Set nowhere: undefined. Possibly set by a ConfigMap outside the repository:
    // unknown (info), and the name stays templated.
    let v = run_owned(&tree(
        "  postBuild:\n    substitute:\n      other: x\n",
        templated,
    ));
    assert_eq!(
        codes(&v),
        ["VERIFY_SUBSTITUTION_UNDEFINED"],
        "{}",
        v.to_text()
    );
    assert_eq!(v.findings[0].file, "apps/cm.yaml");
    assert_eq!(v.findings[0].line, 4);
    let from = "  postBuild:\n    substituteFrom:\n    - kind: ConfigMap\n      name: vars\n";
    let v = run_owned(&tree(from, templated));
    assert_eq!(
        codes(&v),
        ["VERIFY_SUBSTITUTION_UNKNOWN", "VERIFY_EXTERNAL_REF"],
        "{}",
        v.to_text()
    );
    // The ConfigMap in the repository (the Kustomization's namespace) sets it.
    let with_vars = |post: &str| {
        let mut t = tree(post, templated);
        t.push((
            "flux/vars.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: vars\n  namespace: flux-system\ndata:\n  cluster: a\n".to_string(),
        ));
        run_owned(&t)
    };
    let v = with_vars(from);
    assert_eq!(codes(&v), ["VERIFY_DUPLICATE_OBJECT"], "{}", v.to_text());
    // ... and postBuild.substitute overrides it.
    clean(&with_vars(&format!(
        "{from}    substitute:\n      cluster: b\n"
    )));
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

/// CRD `pattern`s, checked as the API server does (an unanchored search): planted
/// values that break the CRDs' real patterns, and clean twins.
#[test]
fn crd_schema_patterns() {
    let repo = |extra: &str| format!("{HELMREPO}{extra}");
    // HelmRelease `spec.interval`: `^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$`.
    let v = run(&[
        (
            "hr.yaml",
            &hr("app", "apps", "").replace("interval: 5m", "interval: 5 minutes"),
        ),
        ("repo.yaml", &repo("")),
    ]);
    assert_eq!(codes(&v), ["VERIFY_SCHEMA"], "{}", v.to_text());
    let text = v.to_text();
    assert_eq!(v.findings[0].line, 7, "{text}");
    assert!(
        text.contains("spec.interval: \"5 minutes\" does not match the pattern `^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$`"),
        "{text}"
    );
    clean(&run(&[
        (
            "hr.yaml",
            &hr("app", "apps", "").replace("interval: 5m", "interval: 1h30m"),
        ),
        ("repo.yaml", &repo("")),
    ]));
    // HelmRepository `spec.timeout` allows no hours (`(ms|s|m)`), `spec.interval` does.
    let v = run(&[
        ("hr.yaml", &hr("app", "apps", "")),
        ("repo.yaml", &repo("  timeout: 1h\n")),
    ]);
    assert_eq!(codes(&v), ["VERIFY_SCHEMA"], "{}", v.to_text());
    clean(&run(&[
        ("hr.yaml", &hr("app", "apps", "")),
        ("repo.yaml", &repo("  timeout: 90s\n")),
    ]));
    // GitRepository `spec.url`: `^(http|https|ssh)://.*$`; the scp-like form Flux v1's
    // --git-url allowed is rejected; the value is shown escaped.
    let git = |url: &str| GIT.replace("https://example.com/repo", url);
    let v = run(&[("git.yaml", &git("git@github.com:org/repo"))]);
    assert_eq!(codes(&v), ["VERIFY_SCHEMA"], "{}", v.to_text());
    assert!(v
        .to_text()
        .contains("spec.url: \"git@github.com:org/repo\""));
    let v = run(&[("git.yaml", &git("\"ssh:\\t//x\""))]);
    assert!(v.to_text().contains("\"ssh:\\t//x\""), "{}", v.to_text());
    clean(&run(&[("git.yaml", &git("ssh://git@github.com/org/repo"))]));
    // HelmRelease `valuesFrom[].valuesKey`: `^[\-._a-zA-Z0-9]+$` (a path inside a list).
    let from = |key: &str| {
        format!(
            "  valuesFrom:\n    - kind: ConfigMap\n      name: values\n      valuesKey: {key}\n"
        )
    };
    let v = run(&[
        ("hr.yaml", &hr("app", "apps", &from("my/values.yaml"))),
        ("repo.yaml", HELMREPO),
    ]);
    assert!(has(&v, "VERIFY_SCHEMA"), "{}", v.to_text());
    assert!(
        v.to_text().contains("spec.valuesFrom[0].valuesKey"),
        "{}",
        v.to_text()
    );
    let v = run(&[
        ("hr.yaml", &hr("app", "apps", &from("values.yaml"))),
        ("repo.yaml", HELMREPO),
    ]);
    assert!(!has(&v, "VERIFY_SCHEMA"), "{}", v.to_text());
    // Unanchored: Receiver `oidcProviders[].issuerURL` is `^https?://` (no `$`), so any
    // URL after the scheme matches; a full match would reject it.
    let receiver = |url: &str| {
        format!("apiVersion: notification.toolkit.fluxcd.io/v1\nkind: Receiver\nmetadata:\n  name: r\n  namespace: flux-system\nspec:\n  type: generic-oidc\n  resources:\n    - kind: GitRepository\n      name: repo\n  oidcProviders:\n    - issuerURL: {url}\n      validations:\n        - expression: \"true\"\n          message: any\n")
    };
    let ok = run(&[
        ("r.yaml", &receiver("https://issuer.example.com/realms/ci")),
        ("git.yaml", GIT),
    ]);
    assert!(!has(&ok, "VERIFY_SCHEMA"), "{}", ok.to_text());
    let v = run(&[
        ("r.yaml", &receiver("issuer.example.com")),
        ("git.yaml", GIT),
    ]);
    assert!(has(&v, "VERIFY_SCHEMA"), "{}", v.to_text());
    // A value postBuild substitution may still replace is not checked.
    clean(&run(&[
        (
            "hr.yaml",
            &hr("app", "apps", "").replace("interval: 5m", "interval: ${interval}"),
        ),
        ("repo.yaml", &repo("")),
    ]));
}

/// `x-kubernetes-list-type: map`: the API server rejects two items with the same key
/// (Receiver `oidcProviders`, keyed by `issuerURL`).
#[test]
fn crd_schema_list_map_keys() {
    let receiver = |a: &str, b: &str| {
        let provider = |url: &str| {
            format!("    - issuerURL: {url}\n      validations:\n        - expression: \"true\"\n          message: any\n")
        };
        format!(
            "apiVersion: notification.toolkit.fluxcd.io/v1\nkind: Receiver\nmetadata:\n  name: r\n  namespace: flux-system\nspec:\n  type: generic-oidc\n  resources:\n    - kind: GitRepository\n      name: repo\n  oidcProviders:\n{}{}",
            provider(a),
            provider(b)
        )
    };
    let v = run(&[
        (
            "r.yaml",
            &receiver("https://a.example.com", "https://a.example.com"),
        ),
        ("git.yaml", GIT),
    ]);
    assert_eq!(codes(&v), ["VERIFY_SCHEMA"], "{}", v.to_text());
    assert_eq!(v.findings[0].line, 16, "{}", v.to_text());
    assert!(
        v.to_text().contains("spec.oidcProviders[1]: duplicate"),
        "{}",
        v.to_text()
    );
    clean(&run(&[
        (
            "r.yaml",
            &receiver("https://a.example.com", "https://b.example.com"),
        ),
        ("git.yaml", GIT),
    ]));
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

/// Schemas and CEL rules hold for whole objects: a kustomize patch of a HelmRelease
/// (no `interval`, no `chart`) is a fragment and is not checked as an object; the same
/// fragment listed as a resource is.
#[test]
fn crd_schema_skips_patch_fragments() {
    let fragment = "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: app\n  namespace: apps\nspec:\n  values:\n    replicas: 2\n";
    let tree = |overlay_kust: &str| {
        owned(&[
            ("base/hr.yaml", hr("app", "apps", "")),
            ("base/repo.yaml", HELMREPO.to_string()),
            (
                "base/kustomization.yaml",
                "resources:\n  - hr.yaml\n  - repo.yaml\n".to_string(),
            ),
            ("overlay/patch.yaml", fragment.to_string()),
            ("overlay/kustomization.yaml", overlay_kust.to_string()),
        ])
    };
    let as_patch = run_owned(&tree(
        "resources:\n  - ../base\npatches:\n  - path: patch.yaml\n",
    ));
    assert!(
        !has(&as_patch, "VERIFY_SCHEMA") && !has(&as_patch, "VERIFY_CEL"),
        "{}",
        as_patch.to_text()
    );
    // The planted twin: the fragment as a resource of its own is an invalid object.
    let as_resource = run_owned(&tree("resources:\n  - patch.yaml\n"));
    assert!(
        has(&as_resource, "VERIFY_SCHEMA"),
        "{}",
        as_resource.to_text()
    );
    assert!(has(&as_resource, "VERIFY_CEL"), "{}", as_resource.to_text());
}

/// `--flux-version`: the pre-flight accepts what the chosen minor serves. A v1beta2
/// ImagePolicy is served by Flux 2.7 and 2.8 (image-reflector-controller v1.0/v1.1,
/// deprecated) and not by 2.9 (v1.2); a v1beta2 Kustomization only by 2.7.
#[test]
fn served_versions_follow_the_flux_version() {
    let policy = "apiVersion: image.toolkit.fluxcd.io/v1beta2
kind: ImagePolicy
metadata:
  name: app
  namespace: flux-system
spec:
  imageRepositoryRef:
    name: app
  policy:
    semver:
      range: 1.x
";
    let repo = "apiVersion: image.toolkit.fluxcd.io/v1
kind: ImageRepository
metadata:
  name: app
  namespace: flux-system
spec:
  image: ghcr.io/example/app
  interval: 5m
";
    let old_ks = ks("apps", "./apps", "").replace("/v1\n", "/v1beta2\n");
    let with = |flux| Options {
        flux_version: flux,
        ..Options::default()
    };
    let not_served = |v: &Verification| {
        v.findings
            .iter()
            .filter(|f| f.code.as_str() == "VERIFY_API_NOT_SERVED")
            .count()
    };
    let files = [("policy.yaml", policy), ("repo.yaml", repo)];
    for (flux, want) in [
        (FluxVersion::V2_7, 0),
        (FluxVersion::V2_8, 0),
        (FluxVersion::V2_9, 1),
    ] {
        let v = run_with(&files, &with(flux));
        assert_eq!(not_served(&v), want, "Flux {flux}: {}", v.to_text());
    }
    let v = run_with(&files, &Options::default());
    assert!(
        v.findings[0].message.contains("Flux 2.9"),
        "{}",
        v.to_text()
    );
    let files = [("git.yaml", GIT), ("ks.yaml", old_ks.as_str())];
    for (flux, want) in [
        (FluxVersion::V2_7, 0),
        (FluxVersion::V2_8, 1),
        (FluxVersion::V2_9, 1),
    ] {
        let v = run_with(&files, &with(flux));
        assert_eq!(not_served(&v), want, "Flux {flux}: {}", v.to_text());
    }
    // The twin on the target versions passes for every minor.
    let new_policy = policy.replace("v1beta2", "v1");
    for flux in FluxVersion::ALL {
        let v = run_with(
            &[("policy.yaml", &new_policy), ("repo.yaml", repo)],
            &with(flux),
        );
        assert_eq!(not_served(&v), 0, "Flux {flux}: {}", v.to_text());
    }
}

#[test]
fn post_build_substitution_in_references_and_releases() {
    // Kustomization `apps` builds a HelmRelease whose sourceRef and releaseName are
    // templated; `other` builds a HelmRelease of release `app-prod`.
    let tree = |post: &str, extra: &str| {
        let templated = hr("app", "apps", extra).replace("name: charts", "name: ${repo}");
        owned(&[
            ("flux/git.yaml", GIT.to_string()),
            (
                "flux/ks.yaml",
                format!(
                    "{}---\n{}",
                    ks("apps", "./apps", post),
                    ks("other", "./other", "")
                ),
            ),
            ("apps/hr.yaml", templated),
            (
                "other/hr.yaml",
                hr("prod", "apps", "  releaseName: app-prod\n"),
            ),
            ("other/repo.yaml", HELMREPO.to_string()),
        ])
    };
    let sub = |vars: &str| format!("  postBuild:\n    substitute:\n{vars}");
    // The substituted sourceRef names the HelmRepository.
    clean(&run_owned(&tree(&sub("      repo: charts\n"), "")));
    let v = run_owned(&tree(&sub("      repo: nope\n"), ""));
    assert_eq!(codes(&v), ["VERIFY_REF_MISSING"], "{}", v.to_text());
    assert!(v.findings[0].message.contains("HelmRepository apps/nope"));
    // No variables at all: nothing is substituted, the name is `${repo}`.
    let v = run_owned(&tree("", ""));
    assert_eq!(codes(&v), ["VERIFY_REF_MISSING"], "{}", v.to_text());
    // A variable from a ConfigMap outside the repository: unknown, not missing.
    let from = "  postBuild:\n    substituteFrom:\n    - kind: ConfigMap\n      name: vars\n";
    let v = run_owned(&tree(from, ""));
    assert_eq!(
        codes(&v),
        ["VERIFY_SUBSTITUTION_UNKNOWN", "VERIFY_EXTERNAL_REF"],
        "{}",
        v.to_text()
    );
    assert_eq!(
        (v.findings[0].file.as_str(), v.findings[0].line),
        ("apps/hr.yaml", 13)
    );
    // Set nowhere: undefined (it becomes empty), and no missing reference on top.
    let v = run_owned(&tree(&sub("      other: x\n"), ""));
    assert_eq!(
        codes(&v),
        ["VERIFY_SUBSTITUTION_UNDEFINED"],
        "{}",
        v.to_text()
    );
    // The release name after substitution: a clash with `other`'s release...
    let rel = "  releaseName: app-${env}\n";
    let v = run_owned(&tree(&sub("      repo: charts\n      env: prod\n"), rel));
    assert_eq!(codes(&v), ["VERIFY_RELEASE_CLASH"], "{}", v.to_text());
    clean(&run_owned(&tree(
        &sub("      repo: charts\n      env: dev\n"),
        rel,
    )));
    // ... too long for Helm ...
    let long = "x".repeat(60);
    let v = run_owned(&tree(
        &sub(&format!("      repo: charts\n      env: {long}\n")),
        rel,
    ));
    assert_eq!(
        codes(&v),
        ["VERIFY_RELEASE_NAME_TOO_LONG"],
        "{}",
        v.to_text()
    );
    // ... and the target namespace is a namespace name.
    let tns = "  targetNamespace: ${env}\n";
    clean(&run_owned(&tree(
        &sub("      repo: charts\n      env: dev\n"),
        tns,
    )));
    let v = run_owned(&tree(&sub("      repo: charts\n      env: Dev_1\n"), tns));
    assert_eq!(codes(&v), ["VERIFY_INVALID_NAME"], "{}", v.to_text());
    // Unknown: neither the release name nor its clash is checked.
    let v = run_owned(&tree(
        &format!("{from}    substitute:\n      repo: charts\n"),
        rel,
    ));
    assert_eq!(
        codes(&v),
        ["VERIFY_SUBSTITUTION_UNKNOWN", "VERIFY_EXTERNAL_REF"],
        "{}",
        v.to_text()
    );
    // An annotation disables substitution: the reference is `${repo}`.
    let disabled = "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: app\n  namespace: apps\n  annotations:\n    kustomize.toolkit.fluxcd.io/substitute: disabled\n";
    let mut t = tree(&sub("      repo: charts\n"), "");
    t[2].1 = t[2].1.replacen(
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: app\n  namespace: apps\n",
        disabled,
        1,
    );
    let v = run_owned(&t);
    assert_eq!(codes(&v), ["VERIFY_REF_MISSING"], "{}", v.to_text());
}

#[test]
fn post_build_substitution_in_image_automation_and_dependencies() {
    // An ImagePolicy's imageRepositoryRef, an ImageUpdateAutomation's sourceRef and
    // update.path, and a Kustomization's dependsOn, all templated.
    let pol = policy("${repo}");
    let auto = iua("${git}", "./${dir}");
    let tree = |vars: &str| {
        owned(&[
            ("flux/git.yaml", GIT.to_string()),
            (
                "flux/ks.yaml",
                format!(
                    "{}---\n{}",
                    ks(
                        "images",
                        "./images",
                        &format!("  dependsOn:\n  - name: ${{dep}}\n  postBuild:\n    substitute:\n{vars}")
                    ),
                    ks("apps", "./apps", "")
                ),
            ),
            ("images/repo.yaml", IMG_REPO.to_string()),
            ("images/policy.yaml", pol.clone()),
            ("images/iua.yaml", auto.clone()),
            ("apps/deploy.yaml", DEPLOY.to_string()),
        ])
    };
    let good = "      repo: app\n      git: repo\n      dir: apps\n";
    // dependsOn is the Kustomization's own field: substituted only by the one that
    // applies it (none here), so `${dep}` stays and names nothing.
    let v = run_owned(&tree(good));
    assert_eq!(codes(&v), ["VERIFY_REF_MISSING"], "{}", v.to_text());
    assert!(v.findings[0].message.contains("${dep}"), "{}", v.to_text());
    let files = |vars: &str| {
        let mut t = tree(vars);
        t[1].1 = t[1].1.replace("  dependsOn:\n  - name: ${dep}\n", "");
        t
    };
    clean(&run_owned(&files(good)));
    let v = run_owned(&files(
        "      repo: nope\n      git: repo\n      dir: apps\n",
    ));
    assert_eq!(codes(&v), ["VERIFY_REF_MISSING"], "{}", v.to_text());
    let v = run_owned(&files(
        "      repo: app\n      git: nope\n      dir: apps\n",
    ));
    assert_eq!(codes(&v), ["VERIFY_REF_MISSING"], "{}", v.to_text());
    let v = run_owned(&files(
        "      repo: app\n      git: repo\n      dir: other\n",
    ));
    assert_eq!(codes(&v), ["VERIFY_MARKER_NOT_COVERED"], "{}", v.to_text());
    // The policy's labels, as a policySelector sees them, are substituted too.
    let selecting = |vars: &str| {
        let mut t = files(vars);
        t[3].1 = t[3].1.replace(
            "  namespace: flux-system\n",
            "  namespace: flux-system\n  labels:\n    team: ${team}\n",
        );
        t[4].1 = t[4].1.replace(
            "  update:\n",
            "  policySelector:\n    matchLabels:\n      team: a\n  update:\n",
        );
        run_owned(&t)
    };
    clean(&selecting(&format!("{good}      team: a\n")));
    let v = selecting(&format!("{good}      team: b\n"));
    assert_eq!(codes(&v), ["VERIFY_MARKER_NOT_COVERED"], "{}", v.to_text());
}

#[test]
fn post_build_substitution_syntax() {
    // fluxcd/pkg envsubst: only `${...}` is substituted; a bare `$var` stays, `$$` is
    // one `$`; `${var-d}` does not parse and fails the build; an invalid variable
    // name fails it too.
    let tree = |post: &str, name: &str| apps_and_other(post, &cm(name, "apps"));
    let sub = "  postBuild:\n    substitute:\n      cluster: a\n";
    let v = run_owned(&tree(sub, "web-${cluster}"));
    assert_eq!(codes(&v), ["VERIFY_DUPLICATE_OBJECT"], "{}", v.to_text());
    // A bare `$cluster` is not substituted: the name keeps its `$`.
    let v = run_owned(&tree(sub, "web-$cluster"));
    assert_eq!(codes(&v), ["VERIFY_INVALID_NAME"], "{}", v.to_text());
    assert!(
        v.findings[0].message.contains("`web-$cluster`"),
        "{}",
        v.to_text()
    );
    // `$$` then `${cluster}`: `$` and the value.
    let v = run_owned(&tree(sub, "web-$$${cluster}"));
    assert!(
        v.findings[0].message.contains("`web-$a`"),
        "{}",
        v.to_text()
    );
    // Case functions are evaluated; `${cluster,,}` is `a`.
    let up = "  postBuild:\n    substitute:\n      cluster: A\n";
    let v = run_owned(&tree(up, "web-${cluster,,}"));
    assert_eq!(codes(&v), ["VERIFY_DUPLICATE_OBJECT"], "{}", v.to_text());
    // A function not evaluated: unknown.
    let v = run_owned(&tree(sub, "web-${cluster:0:1}"));
    assert_eq!(
        codes(&v),
        ["VERIFY_SUBSTITUTION_UNKNOWN"],
        "{}",
        v.to_text()
    );
    // `${var-d}` is no expression of the fork: the build fails.
    let v = run_owned(&tree(sub, "web-${region-a}"));
    assert_eq!(codes(&v), ["VERIFY_BUILD"], "{}", v.to_text());
    // `${var=d}` gives `d` when unset.
    let v = run_owned(&tree(sub, "web-${region=a}"));
    assert_eq!(codes(&v), ["VERIFY_DUPLICATE_OBJECT"], "{}", v.to_text());
    // An invalid variable name fails the build, at its key.
    let bad = "  postBuild:\n    substitute:\n      cluster-name: a\n";
    let v = run_owned(&tree(bad, "web-b"));
    assert_eq!(codes(&v), ["VERIFY_BUILD"], "{}", v.to_text());
    assert_eq!(
        (v.findings[0].file.as_str(), v.findings[0].line),
        ("flux/ks.yaml", 15)
    );
    clean(&run_owned(&tree(sub, "web-b")));
    // envsubst parses the whole object: `${var-d}` in a data value fails the build
    // too; `${var:-d}` does not; nor does anything without variables or disabled.
    let data = |value: &str, extra_meta: &str| {
        let mut t = tree(sub, "web-b");
        t[2].1 = format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-b\n  namespace: apps\n{extra_meta}data:\n  region: ${{{value}}}\n"
        );
        t
    };
    let v = run_owned(&data("region-eu", ""));
    assert_eq!(codes(&v), ["VERIFY_BUILD"], "{}", v.to_text());
    assert_eq!(
        (v.findings[0].file.as_str(), v.findings[0].line),
        ("apps/cm.yaml", 7)
    );
    clean(&run_owned(&data("region:-eu", "")));
    clean(&run_owned(&data(
        "region-eu",
        "  labels:\n    kustomize.toolkit.fluxcd.io/substitute: disabled\n",
    )));
    let mut t = data("region-eu", "");
    t[1].1 = t[1].1.replace(sub, "");
    clean(&run_owned(&t));
    // An invalid name in a substituteFrom ConfigMap of the repository: at its key.
    let from = "  postBuild:\n    substituteFrom:\n    - kind: ConfigMap\n      name: vars\n";
    let mut t = tree(from, "web-b");
    t.push((
        "flux/vars.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: vars\n  namespace: flux-system\ndata:\n  cluster.name: a\n".to_string(),
    ));
    let v = run_owned(&t);
    assert_eq!(codes(&v), ["VERIFY_BUILD"], "{}", v.to_text());
    assert_eq!(
        (v.findings[0].file.as_str(), v.findings[0].line),
        ("flux/vars.yaml", 7)
    );
    t[4].1 = t[4].1.replace("cluster.name", "cluster_name");
    clean(&run_owned(&t));
}

#[test]
fn kustomization_common_metadata() {
    let tree = |extra: &str, obj: &str| {
        owned(&[
            ("flux/git.yaml", GIT.to_string()),
            ("flux/ks.yaml", ks("apps", "./apps", extra)),
            ("apps/cm.yaml", obj.to_string()),
        ])
    };
    let meta = |labels: &str, annotations: &str| {
        format!("  commonMetadata:\n    labels:\n{labels}    annotations:\n{annotations}")
    };
    let plain = cm("settings", "apps");
    clean(&run_owned(&tree(
        &meta(
            "      team: a\n      app.kubernetes.io/part-of: shop\n      empty: ''\n",
            "      Example.com/Owner: me\n      note: any text at all\n",
        ),
        &plain,
    )));
    // Keys and values the API server refuses (the CRD accepts any string).
    let v = run_owned(&tree(
        &meta(
            "      a/b/c: x\n      team: x y\n      -bad: x\n",
            "      bad key: x\n",
        ),
        &plain,
    ));
    assert_eq!(
        codes(&v),
        [
            "VERIFY_COMMON_METADATA_INVALID",
            "VERIFY_COMMON_METADATA_INVALID",
            "VERIFY_COMMON_METADATA_INVALID",
            "VERIFY_COMMON_METADATA_INVALID"
        ],
        "{}",
        v.to_text()
    );
    assert_eq!(
        (v.findings[0].file.as_str(), v.findings[0].line),
        ("flux/ks.yaml", 15)
    );
    // Set after substitution: `substitute: disabled` there disables nothing; the
    // templated name is still substituted (and checked).
    let templated =
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web_${x}\n  namespace: apps\n";
    let post = "  postBuild:\n    substitute:\n      x: a\n";
    let v = run_owned(&tree(
        &format!(
            "{post}  commonMetadata:\n    annotations:\n      kustomize.toolkit.fluxcd.io/substitute: disabled\n"
        ),
        templated,
    ));
    let mut c = codes(&v);
    c.sort();
    assert_eq!(
        c,
        [
            "VERIFY_COMMON_METADATA_AFTER_SUBSTITUTION",
            "VERIFY_INVALID_NAME"
        ],
        "{}",
        v.to_text()
    );
    // On the object itself it does disable it.
    let own = templated.replace(
        "  namespace: apps\n",
        "  namespace: apps\n  labels:\n    kustomize.toolkit.fluxcd.io/substitute: disabled\n",
    );
    clean(&run_owned(&tree(post, &own)));
    // The apply's exclusion selector on every object: nothing is applied.
    let v = run_owned(&tree(
        "  commonMetadata:\n    labels:\n      kustomize.toolkit.fluxcd.io/reconcile: disabled\n",
        &plain,
    ));
    assert_eq!(
        codes(&v),
        ["VERIFY_COMMON_METADATA_SKIPS_APPLY"],
        "{}",
        v.to_text()
    );
    let v = run_owned(&tree(
        "  commonMetadata:\n    annotations:\n      kustomize.toolkit.fluxcd.io/ssa: ignore\n",
        &plain,
    ));
    assert_eq!(
        codes(&v),
        ["VERIFY_COMMON_METADATA_SKIPS_APPLY"],
        "{}",
        v.to_text()
    );
    clean(&run_owned(&tree(
        "  commonMetadata:\n    labels:\n      kustomize.toolkit.fluxcd.io/prune: disabled\n",
        &plain,
    )));
    // spec.patches run in the build: their label selectors do not see it.
    let v = run_owned(&tree(
        "  commonMetadata:\n    labels:\n      team: a\n  patches:\n  - patch: |\n      - op: add\n        path: /metadata/labels/x\n        value: y\n    target:\n      labelSelector: team=a\n",
        &plain,
    ));
    assert_eq!(codes(&v), ["VERIFY_PATCH_NO_TARGET"], "{}", v.to_text());
}

#[test]
fn common_metadata_labels_select_image_policies() {
    // An automation selects policies by label; the policy is labelled only by the
    // commonMetadata of the Kustomization that applies it.
    let auto = iua("repo", "./apps").replace(
        "  update:\n",
        "  policySelector:\n    matchLabels:\n      team: a\n  update:\n",
    );
    let tree = |meta: &str| {
        owned(&[
            ("flux/git.yaml", GIT.to_string()),
            (
                "flux/ks.yaml",
                format!(
                    "{}---\n{}",
                    ks("images", "./images", meta),
                    ks("apps", "./apps", "")
                ),
            ),
            ("images/repo.yaml", IMG_REPO.to_string()),
            ("images/policy.yaml", policy("app")),
            ("images/iua.yaml", auto.clone()),
            ("apps/deploy.yaml", DEPLOY.to_string()),
        ])
    };
    clean(&run_owned(&tree(
        "  commonMetadata:\n    labels:\n      team: a\n",
    )));
    let v = run_owned(&tree(""));
    assert_eq!(codes(&v), ["VERIFY_MARKER_NOT_COVERED"], "{}", v.to_text());
    let v = run_owned(&tree("  commonMetadata:\n    labels:\n      team: b\n"));
    assert_eq!(codes(&v), ["VERIFY_MARKER_NOT_COVERED"], "{}", v.to_text());
}

#[test]
fn images_entries_over_automated_lines() {
    // The automation updates the marked `image:` line of apps/deploy.yaml.
    let tree = |spec_images: &str, kustomization: Option<&str>| {
        let mut t = owned(&[
            ("flux/git.yaml", GIT.to_string()),
            ("flux/ks.yaml", ks("apps", "./apps", spec_images)),
            ("flux/repo.yaml", IMG_REPO.to_string()),
            ("flux/policy.yaml", policy("app")),
            ("flux/iua.yaml", iua("repo", "./apps")),
            ("apps/deploy.yaml", DEPLOY.to_string()),
        ]);
        if let Some(k) = kustomization {
            t.push(("apps/kustomization.yaml", k.to_string()));
        }
        t
    };
    let spec = |fields: &str| format!("  images:\n  - name: ghcr.io/x/app\n{fields}");
    clean(&run_owned(&tree("", None)));
    // spec.images sets the tag: the automation's commits never reach the cluster.
    let v = run_owned(&tree(&spec("    newTag: 2.0.0\n"), None));
    assert_eq!(codes(&v), ["VERIFY_IMAGE_OVERRIDDEN"], "{}", v.to_text());
    assert_eq!(
        (v.findings[0].file.as_str(), v.findings[0].line),
        ("apps/deploy.yaml", 11)
    );
    assert!(
        v.findings[0].message.contains("spec.images"),
        "{}",
        v.to_text()
    );
    let v = run_owned(&tree(&spec("    digest: sha256:abc\n"), None));
    assert_eq!(codes(&v), ["VERIFY_IMAGE_OVERRIDDEN"], "{}", v.to_text());
    // Only the name, or another image: the tag is still the automated one.
    clean(&run_owned(&tree(
        &spec("    newName: registry.example.com/app\n"),
        None,
    )));
    clean(&run_owned(&tree(
        "  images:\n  - name: ghcr.io/x/other\n    newTag: 2.0.0\n",
        None,
    )));
    // The path's own kustomization file, the same concept.
    let own = |tag_line: &str| {
        format!("resources: [deploy.yaml]\nimages:\n- name: ghcr.io/x/app\n  newTag: {tag_line}\n")
    };
    let v = run_owned(&tree("", Some(&own("2.0.0"))));
    assert_eq!(codes(&v), ["VERIFY_IMAGE_OVERRIDDEN"], "{}", v.to_text());
    assert!(v.findings[0].message.contains("apps/kustomization.yaml"));
    // ... unless the entry that wins carries a marker the automation updates.
    let marked = own("2.0.0 # {\"$imagepolicy\": \"flux-system:app:tag\"}");
    clean(&run_owned(&tree("", Some(&marked))));
    // spec.images over that marked entry: now the entry's line is overridden.
    let v = run_owned(&tree(&spec("    newTag: 3.0.0\n"), Some(&marked)));
    let mut at: Vec<(&str, usize)> = v
        .findings
        .iter()
        .map(|f| (f.file.as_str(), f.line))
        .collect();
    at.sort();
    assert_eq!(
        codes(&v),
        ["VERIFY_IMAGE_OVERRIDDEN", "VERIFY_IMAGE_OVERRIDDEN"],
        "{}",
        v.to_text()
    );
    assert_eq!(
        at,
        [("apps/deploy.yaml", 11), ("apps/kustomization.yaml", 4)]
    );
    // A marker no automation covers is VERIFY_MARKER_NOT_COVERED only.
    let mut t = tree(&spec("    newTag: 2.0.0\n"), None);
    t[4].1 = iua("repo", "./other");
    let v = run_owned(&t);
    assert_eq!(codes(&v), ["VERIFY_MARKER_NOT_COVERED"], "{}", v.to_text());
}
