//! The findings of the kustomize stages, each produced by a small repository.

mod common;

use fluxport_core::{convert, Code, Conversion, FileStatus, InputFile, Options};

fn run(files: &[(&str, &str)]) -> Conversion {
    let inputs: Vec<InputFile> = files.iter().map(|(p, t)| InputFile::new(*p, *t)).collect();
    convert(&inputs, &Options::default())
}

fn has(c: &Conversion, code: Code, file: &str) -> bool {
    c.report
        .findings
        .iter()
        .any(|f| f.code == code && f.file == file)
}

const FLUXD: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: flux
  namespace: flux
spec:
  template:
    spec:
      containers:
        - name: flux
          image: docker.io/fluxcd/flux:1.21.0
          args:
            - --git-url=git@github.com:acme/fleet
            - --git-path=.
";

#[test]
fn an_entry_naming_a_removed_file_is_removed() {
    let c = run(&[
        ("flux/flux.yaml", FLUXD),
        (
            "flux/kustomization.yaml",
            "resources:\n  - flux.yaml # the daemon\n  - other.yaml\n",
        ),
        (
            "flux/other.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: flux\n",
        ),
    ]);
    assert_eq!(
        c.file("flux/flux.yaml").unwrap().status,
        FileStatus::Deleted
    );
    assert_eq!(
        c.file("flux/kustomization.yaml").unwrap().text(),
        "resources:\n  - other.yaml\n"
    );
    assert!(has(
        &c,
        Code::KUSTOMIZATION_ENTRY_REMOVED,
        "flux/kustomization.yaml"
    ));
}

#[test]
fn a_flow_style_entry_is_reported_not_edited() {
    let c = run(&[
        ("flux/flux.yaml", FLUXD),
        (
            "flux/kustomization.yaml",
            "resources: [flux.yaml, other.yaml]\n",
        ),
        (
            "flux/other.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: flux\n",
        ),
    ]);
    assert_eq!(
        c.file("flux/kustomization.yaml").unwrap().status,
        FileStatus::Unchanged
    );
    assert!(has(
        &c,
        Code::KUSTOMIZATION_ENTRY_NOT_REMOVED,
        "flux/kustomization.yaml"
    ));
}

const BASE_HR: &str = "apiVersion: helm.fluxcd.io/v1
kind: HelmRelease
metadata:
  name: podinfo
spec:
  chart:
    repository: https://stefanprodan.github.io/podinfo
    name: podinfo
    version: 6.5.4
";

#[test]
fn overlays_in_different_namespaces_get_their_release_identity() {
    let c = run(&[
        ("base/kustomization.yaml", "resources:\n  - podinfo.yaml\n"),
        ("base/podinfo.yaml", BASE_HR),
        (
            "a/kustomization.yaml",
            "namespace: team-a\nresources:\n  - ../base\n",
        ),
        (
            "b/kustomization.yaml",
            "namespace: team-b\nresources:\n  - ../base\n",
        ),
        (
            "c/kustomization.yaml",
            "namespace: team-c\nnameSuffix: -c\nresources:\n  - ../base\n",
        ),
    ]);
    for k in ["a", "b"] {
        assert!(
            has(
                &c,
                Code::OVERLAY_IDENTITY,
                &format!("{k}/kustomization.yaml")
            ),
            "{k}"
        );
        let patch = c
            .file(&format!("{k}/fluxport-podinfo-release.yaml"))
            .unwrap()
            .text()
            .to_string();
        assert!(
            patch.contains(&format!("releaseName: team-{k}-podinfo")),
            "{patch}"
        );
        let kust = c
            .file(&format!("{k}/kustomization.yaml"))
            .unwrap()
            .text()
            .to_string();
        assert!(
            kust.contains("patches:\n  - path: fluxport-podinfo-release.yaml\n    target:\n      group: helm.toolkit.fluxcd.io\n")
                && !kust.contains("  - fluxport-podinfo-release.yaml"),
            "{kust}"
        );
    }
    // Renamed in c: stays reported, for c only.
    let f = c
        .report
        .findings
        .iter()
        .find(|f| f.code == Code::OVERLAY_NAMESPACES_DIFFER)
        .expect("reported");
    assert_eq!(f.file, "base/podinfo.yaml");
    assert!(
        f.message
            .contains("not carried over for `team-c`: `c/kustomization.yaml` renames it"),
        "{}",
        f.message
    );
    assert!(!f.message.contains("for `team-a`"), "{}", f.message);
    // Each namespace a build puts it in has the source.
    let sources = c.file("fluxport-sources.yaml").unwrap().text().to_string();
    assert!(
        sources.contains("namespace: team-a") && sources.contains("namespace: team-b"),
        "{sources}"
    );
}

#[test]
fn automation_annotations_of_a_patch_are_reported() {
    let c = run(&[
        ("base/kustomization.yaml", "namespace: web\nresources:\n  - podinfo.yaml\n"),
        ("base/podinfo.yaml", BASE_HR),
        (
            "prod/kustomization.yaml",
            "resources:\n  - ../base\npatchesStrategicMerge:\n  - podinfo.yaml\n",
        ),
        (
            "prod/podinfo.yaml",
            "apiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata:\n  name: podinfo\n  namespace: web\n  annotations:\n    fluxcd.io/automated: \"true\"\n    filter.fluxcd.io/chart-image: glob:prod-*\nspec:\n  values:\n    replicaCount: 3\n",
        ),
    ]);
    assert!(has(&c, Code::PATCH_CONVERTED, "prod/podinfo.yaml"));
    let f = c
        .report
        .findings
        .iter()
        .find(|f| f.code == Code::PATCH_AUTOMATION_DROPPED)
        .expect("reported");
    assert!(f.message.contains("fluxcd.io/automated"), "{}", f.message);
    let out = c.file("prod/podinfo.yaml").unwrap().text();
    assert!(
        out.contains("apiVersion: helm.toolkit.fluxcd.io/v2"),
        "{out}"
    );
    assert!(out.contains("replicaCount: 3"), "{out}");
}

const GIT_HR: &str = "apiVersion: helm.fluxcd.io/v1
kind: HelmRelease
metadata:
  name: podinfo
  namespace: web
spec:
  releaseName: podinfo
  helmVersion: v3
  chart:
    git: https://github.com/stefanprodan/podinfo
    ref: master
    path: charts/podinfo
";

#[test]
fn an_overlay_that_switches_the_chart_source_gets_its_own_source() {
    let c = run(&[
        ("base/kustomization.yaml", "resources:\n  - podinfo.yaml\n"),
        ("base/podinfo.yaml", GIT_HR),
        (
            "dev/kustomization.yaml",
            "resources:\n  - ../base\npatches:\n  - path: podinfo.yaml\n",
        ),
        (
            "dev/podinfo.yaml",
            "apiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata:\n  name: podinfo\n  namespace: web\nspec:\n  chart:\n    ref: dev\n",
        ),
        (
            "mirror/kustomization.yaml",
            "namespace: web\nresources:\n  - ../base\npatches:\n  - path: podinfo.yaml\n",
        ),
        (
            "mirror/podinfo.yaml",
            "apiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata:\n  name: podinfo\n  namespace: web\nspec:\n  chart:\n    git: https://gitlab.example.com/platform/podinfo\n    path: deploy/podinfo\n",
        ),
    ]);
    let f = c
        .report
        .findings
        .iter()
        .find(|f| f.code == Code::OVERLAY_SOURCE && f.file == "dev/podinfo.yaml")
        .expect("reported");
    assert!(
        f.message.contains("github-com-stefanprodan-podinfo-dev")
            && f.message.contains("dev/fluxport-sources.yaml"),
        "{}",
        f.message
    );
    assert!(!c
        .report
        .findings
        .iter()
        .any(|f| f.code == Code::PATCH_NOT_CONVERTED));
    // The overlay's source: beside the HelmRelease when the overlay sets no namespace,
    // without one when it does (kustomize gives it the overlay's).
    let dev = c
        .file("dev/fluxport-sources.yaml")
        .unwrap()
        .text()
        .to_string();
    assert!(
        dev.contains("name: github-com-stefanprodan-podinfo-dev\n  namespace: web\n")
            && dev.contains("branch: dev"),
        "{dev}"
    );
    let mirror = c
        .file("mirror/fluxport-sources.yaml")
        .unwrap()
        .text()
        .to_string();
    assert!(
        mirror.contains("name: gitlab-example-com-platform-podinfo\nspec:")
            && mirror.contains("branch: master"),
        "{mirror}"
    );
    assert!(c
        .file("dev/kustomization.yaml")
        .unwrap()
        .text()
        .contains("  - ../base\n  - fluxport-sources.yaml\n"));
    let patch = c.file("mirror/podinfo.yaml").unwrap().text().to_string();
    assert!(
        patch.contains("chart: deploy/podinfo")
            && patch.contains("name: gitlab-example-com-platform-podinfo"),
        "{patch}"
    );
    // The shared base source stays, and every emitted source validates.
    let shared = c.file("fluxport-sources.yaml").unwrap().text().to_string();
    assert!(shared.contains("branch: master"), "{shared}");
    let schemas = common::Schemas::load();
    for path in ["dev/fluxport-sources.yaml", "mirror/fluxport-sources.yaml"] {
        for d in common::docs(c.file(path).unwrap().text()) {
            let errs = schemas.check(&d);
            assert!(errs.is_empty(), "{path}: {errs:?}");
        }
    }
    // Converting the output again changes nothing.
    let again: Vec<InputFile> = c
        .files
        .iter()
        .filter(|f| f.status != FileStatus::Deleted)
        .map(|f| InputFile::new(f.path.as_str(), f.text()))
        .collect();
    let c2 = convert(&again, &Options::default());
    for f in &c2.files {
        assert!(
            matches!(f.status, FileStatus::Unchanged),
            "{} changed on re-conversion",
            f.path
        );
    }
}

/// The overlay golden cases: every whole emitted object validates against the Flux v2 CRDs,
/// converting the output again changes nothing, and the input order does not matter.
#[test]
fn overlay_goldens_are_valid_idempotent_and_deterministic() {
    let schemas = common::Schemas::load();
    let opts = Options::default();
    for case in [
        "kust-overlay-chart-ref",
        "kust-overlay-chart-repository",
        "kust-overlay-namespaces",
        "kust-unconverted-patch-forms",
    ] {
        let dir = common::repo_root()
            .join("tests/golden")
            .join(case)
            .join("in");
        let inputs = common::read_dir_inputs(&dir);
        let c = convert(&inputs, &opts);
        // Whole objects (the sources, the base HelmReleases); a patch is partial.
        for f in c.files.iter().filter(|f| f.path.ends_with(".yaml")) {
            for d in common::docs(f.text()) {
                if d["kind"] == "HelmRelease" && d["spec"]["interval"].is_null() {
                    continue;
                }
                let errs = schemas.check(&d);
                assert!(errs.is_empty(), "{case}: {}: {errs:?}", f.path);
            }
        }
        let changed = common::changed_on_reconversion(&c, &opts);
        assert!(
            changed.is_empty(),
            "{case}: second conversion changed {changed:?}"
        );
        let mut reversed = inputs.clone();
        reversed.reverse();
        let c2 = convert(&reversed, &opts);
        let texts = |c: &Conversion| {
            let mut v: Vec<(String, String)> = c
                .files
                .iter()
                .map(|f| (f.path.clone(), f.text().to_string()))
                .collect();
            v.sort();
            v
        };
        assert_eq!(texts(&c), texts(&c2), "{case}: depends on input order");
    }
}

#[test]
fn an_overlay_in_its_own_namespace_with_its_own_source_gets_both() {
    let hr = GIT_HR.replace("  releaseName: podinfo\n", "");
    let c = run(&[
        ("base/kustomization.yaml", "resources:\n  - podinfo.yaml\n"),
        ("base/podinfo.yaml", hr.as_str()),
        (
            "dev/kustomization.yaml",
            "namespace: dev\nresources:\n  - ../base\npatches:\n  - path: podinfo.yaml\n",
        ),
        (
            "dev/podinfo.yaml",
            "apiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata:\n  name: podinfo\n  namespace: web\nspec:\n  chart:\n    ref: dev\n",
        ),
        (
            "prod/kustomization.yaml",
            "namespace: prod\nresources:\n  - ../base\n",
        ),
    ]);
    assert!(has(&c, Code::OVERLAY_SOURCE, "dev/podinfo.yaml"));
    assert!(has(&c, Code::OVERLAY_IDENTITY, "dev/kustomization.yaml"));
    assert!(has(&c, Code::OVERLAY_IDENTITY, "prod/kustomization.yaml"));
    assert!(
        !c.report
            .findings
            .iter()
            .any(|f| f.code == Code::OVERLAY_NAMESPACES_DIFFER),
        "{:?}",
        c.report.findings
    );
    let dev = c.file("dev/fluxport-podinfo-release.yaml").unwrap().text();
    assert!(
        dev.contains("releaseName: dev-podinfo") && !dev.contains("sourceRef"),
        "{dev}"
    );
    let src = c.file("dev/fluxport-sources.yaml").unwrap().text();
    assert!(!src.contains("namespace:"), "{src}");
}
