//! The findings of the kustomize stages, each produced by a small repository.

mod common;

use fluxport_core::{convert, Code, Conversion, FileStatus, InputFile, Options};

fn run(files: &[(&str, &str)]) -> Conversion {
    let inputs: Vec<InputFile> = files.iter().map(|(p, t)| InputFile::new(*p, *t)).collect();
    convert(&inputs, &Options::default())
}

/// The first finding with `code` (the test fails with `what` when there is none).
fn finding<'c>(c: &'c Conversion, code: Code, what: &str) -> &'c fluxport_core::Finding {
    c.report
        .findings
        .iter()
        .find(|f| f.code == code)
        .unwrap_or_else(|| panic!("{what}: no {code:?} finding"))
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
        FileStatus::Failed
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
    let f = finding(&c, Code::OVERLAY_NAMESPACES_DIFFER, "reported");
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

const OPS_KUST: &str = "resources:\n  - ../base\npatchesJson6902:\n  - target:\n      group: helm.fluxcd.io\n      version: v1\n      kind: HelmRelease\n      name: podinfo\n    path: ops.yaml\n";

#[test]
fn a_json_op_with_no_single_v2_field_is_reported() {
    let c = run(&[
        ("base/kustomization.yaml", "namespace: web\nresources:\n  - podinfo.yaml\n"),
        ("base/podinfo.yaml", BASE_HR),
        ("prod/kustomization.yaml", OPS_KUST),
        (
            "prod/ops.yaml",
            "- op: replace\n  path: /spec/chart/version\n  value: 6.6.0\n- op: add\n  path: /spec/wait\n  value: true\n",
        ),
    ]);
    let f = finding(&c, Code::PATCH_OP_UNMAPPED, "reported");
    assert_eq!(f.file, "prod/ops.yaml");
    assert!(
        f.message.contains("operation 1 (`add` `/spec/wait`)"),
        "{}",
        f.message
    );
    // The list and its selector stay v1.
    assert_eq!(c.file("prod/ops.yaml").unwrap().status, FileStatus::Failed);
    assert_eq!(
        c.file("prod/kustomization.yaml").unwrap().status,
        FileStatus::Unchanged
    );
}

#[test]
fn a_json_op_changing_the_chart_source_is_reported() {
    let c = run(&[
        (
            "base/kustomization.yaml",
            "namespace: web\nresources:\n  - podinfo.yaml\n",
        ),
        ("base/podinfo.yaml", BASE_HR),
        ("prod/kustomization.yaml", OPS_KUST),
        (
            "prod/ops.yaml",
            "- op: replace\n  path: /spec/chart/repository\n  value: https://charts.example.com\n",
        ),
    ]);
    let f = finding(&c, Code::PATCH_OP_UNMAPPED, "reported");
    assert!(f.message.contains("chart source change"), "{}", f.message);
}

#[test]
fn json_ops_convert_and_values_change_with_the_field() {
    let c = run(&[
        ("base/kustomization.yaml", "namespace: web\nresources:\n  - podinfo.yaml\n"),
        ("base/podinfo.yaml", BASE_HR),
        ("prod/kustomization.yaml", OPS_KUST),
        (
            "prod/ops.yaml",
            "- op: add # longer\n  path: /spec/timeout\n  value: 600\n- op: test\n  path: \"/spec/chart/name\"\n  value: podinfo\n",
        ),
    ]);
    assert!(!c
        .report
        .findings
        .iter()
        .any(|f| f.code == Code::PATCH_OP_UNMAPPED));
    assert_eq!(
        c.file("prod/ops.yaml").unwrap().text(),
        "- op: add # longer\n  path: /spec/timeout\n  value: 600s\n- op: test\n  path: \"/spec/chart/spec/chart\"\n  value: podinfo\n"
    );
    assert!(c
        .file("prod/kustomization.yaml")
        .unwrap()
        .text()
        .contains("group: helm.toolkit.fluxcd.io\n      version: v2\n"));
}

#[test]
fn json_ops_that_also_patch_other_objects_are_reported() {
    let c = run(&[
        (
            "base/kustomization.yaml",
            "namespace: web\nresources:\n  - podinfo.yaml\n  - cm.yaml\n",
        ),
        ("base/podinfo.yaml", BASE_HR),
        (
            "base/cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: podinfo\n",
        ),
        (
            "prod/kustomization.yaml",
            "resources:\n  - ../base\npatches:\n  - target:\n      name: podinfo\n    patch: |-\n      - op: add\n        path: /metadata/labels\n        value: {tier: web}\n",
        ),
    ]);
    let f = finding(&c, Code::PATCH_OP_UNMAPPED, "reported");
    assert_eq!(f.file, "prod/kustomization.yaml");
    assert_eq!(
        c.file("prod/kustomization.yaml").unwrap().status,
        FileStatus::Failed
    );
}

#[test]
fn a_quoted_inline_patch_is_reported() {
    let c = run(&[
        ("base/kustomization.yaml", "namespace: web\nresources:\n  - podinfo.yaml\n"),
        ("base/podinfo.yaml", BASE_HR),
        (
            "prod/kustomization.yaml",
            "resources:\n  - ../base\npatches:\n  - target:\n      kind: HelmRelease\n    patch: '[{\"op\": \"add\", \"path\": \"/spec/maxHistory\", \"value\": 3}]'\n",
        ),
    ]);
    let f = finding(&c, Code::PATCH_NOT_CONVERTED, "reported");
    assert!(f.message.contains("literal block scalar"), "{}", f.message);
}

const IMAGE_BASE_HR: &str = "apiVersion: helm.fluxcd.io/v1
kind: HelmRelease
metadata:
  name: podinfo
  annotations:
    fluxcd.io/automated: \"true\"
    filter.fluxcd.io/chart-image: semver:~6.5
spec:
  chart:
    repository: https://stefanprodan.github.io/podinfo
    name: podinfo
    version: 6.5.4
  values:
    image:
      repository: ghcr.io/stefanprodan/podinfo
      tag: 6.5.4
";

fn overlay_with(patch: &str) -> Conversion {
    run(&[
        (
            "base/kustomization.yaml",
            "namespace: web\nresources:\n  - podinfo.yaml\n",
        ),
        ("base/podinfo.yaml", IMAGE_BASE_HR),
        (
            "prod/kustomization.yaml",
            "resources:\n  - ../base\npatchesStrategicMerge:\n  - podinfo.yaml\n",
        ),
        ("prod/podinfo.yaml", patch),
    ])
}

const PATCH_HEAD: &str = "apiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata:\n  name: podinfo\n  namespace: web\n  annotations:\n";

#[test]
fn an_overlay_filter_becomes_an_overlay_image_policy() {
    let c = overlay_with(&format!(
        "{PATCH_HEAD}    fluxcd.io/automated: \"true\"\n    filter.fluxcd.io/chart-image: glob:prod-*\nspec:\n  values:\n    image:\n      tag: prod-1\n"
    ));
    let f = finding(&c, Code::OVERLAY_IMAGE_POLICY, "reported");
    assert_eq!(f.file, "prod/podinfo.yaml");
    assert!(f.message.contains("glob:prod-*"), "{}", f.message);
    let out = c.file("prod/podinfo.yaml").unwrap().text();
    assert!(
        out.contains("apiVersion: helm.toolkit.fluxcd.io/v2"),
        "{out}"
    );
    assert!(
        out.contains(
            "tag: prod-1 # {\"$imagepolicy\": \"flux-system:web-podinfo-hr-chart-image-prod:tag\"}"
        ),
        "{out}"
    );
    let auto: String = c
        .files
        .iter()
        .filter(|f| f.path.ends_with("fluxport-image-automation.yaml"))
        .map(|f| f.text().to_string())
        .collect();
    assert!(
        auto.contains("name: web-podinfo-hr-chart-image-prod"),
        "{auto}"
    );
    // `glob:prod-*` with the current tag `prod-1`: the build number is the
    // order (issue 18, docs/image-tag-order.md).
    assert!(auto.contains("pattern: ^prod-(?P<build>[0-9]+)$"), "{auto}");
    // The base keeps its own policy and marker.
    assert!(auto.contains("range: ~6.5"), "{auto}");
    assert!(!c
        .report
        .findings
        .iter()
        .any(|f| f.code == Code::PATCH_AUTOMATION_DROPPED));
}

#[test]
fn an_overlay_filter_on_an_image_set_only_in_the_base_adds_the_field() {
    let c = overlay_with(&format!(
        "{PATCH_HEAD}    fluxcd.io/automated: \"true\"\n    filter.fluxcd.io/chart-image: glob:prod-*\nspec:\n  values:\n    replicaCount: 3 # prod\n"
    ));
    assert!(has(&c, Code::PATCH_CONVERTED, "prod/podinfo.yaml"));
    assert!(has(&c, Code::OVERLAY_IMAGE_POLICY, "prod/podinfo.yaml"));
    let out = c.file("prod/podinfo.yaml").unwrap().text();
    assert!(
        out.contains("  values:\n    replicaCount: 3 # prod\n    image:\n      tag: 6.5.4 # {\"$imagepolicy\": \"flux-system:web-podinfo-hr-chart-image-prod:tag\"}"),
        "{out}"
    );
    // No values at all: the patch gains them.
    let c = overlay_with(&format!(
        "{PATCH_HEAD}    fluxcd.io/automated: \"true\"\n    filter.fluxcd.io/chart-image: glob:prod-*\n"
    ));
    let out = c.file("prod/podinfo.yaml").unwrap().text();
    assert!(
        out.contains("spec:\n  values:\n    image:\n      tag: 6.5.4 # {\"$imagepolicy\""),
        "{out}"
    );
    // The patch has `image:` without the tag: reported, not guessed.
    let c = overlay_with(&format!(
        "{PATCH_HEAD}    fluxcd.io/automated: \"true\"\n    filter.fluxcd.io/chart-image: glob:prod-*\nspec:\n  values:\n    image:\n      pullPolicy: Always\n"
    ));
    let f = finding(&c, Code::PATCH_AUTOMATION_DROPPED, "reported");
    assert!(
        f.message.contains("glob:prod-*")
            && f.message.contains("semver:~6.5")
            && f.message.contains("`image.tag`"),
        "{}",
        f.message
    );
}

#[test]
fn overlay_annotations_equal_to_the_base_lose_nothing() {
    let c = overlay_with(&format!(
        "{PATCH_HEAD}    fluxcd.io/automated: \"true\"\n    filter.fluxcd.io/chart-image: semver:~6.5\nspec:\n  values:\n    replicaCount: 3\n"
    ));
    assert!(has(&c, Code::PATCH_CONVERTED, "prod/podinfo.yaml"));
    assert!(!c.report.findings.iter().any(|f| matches!(
        f.code,
        Code::PATCH_AUTOMATION_DROPPED | Code::OVERLAY_IMAGE_POLICY
    )));
}

#[test]
fn an_overlay_turning_automation_off_must_pin() {
    let c = overlay_with(&format!(
        "{PATCH_HEAD}    fluxcd.io/automated: \"false\"\nspec:\n  values:\n    replicaCount: 3\n"
    ));
    let f = finding(&c, Code::PATCH_AUTOMATION_DROPPED, "reported");
    assert!(f.message.contains("pin"), "{}", f.message);
    // Pinned in the patch: nothing is lost.
    let c = overlay_with(&format!(
        "{PATCH_HEAD}    fluxcd.io/automated: \"false\"\nspec:\n  values:\n    image:\n      tag: 6.5.3\n"
    ));
    assert!(!c
        .report
        .findings
        .iter()
        .any(|f| f.code == Code::PATCH_AUTOMATION_DROPPED));
}

const BASE_DEPLOY: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: api
          image: ghcr.io/acme/api:1.0.0
";

#[test]
fn a_workload_patch_automating_a_base_image_gets_an_images_entry() {
    let c = run(&[
        ("base/kustomization.yaml", "resources:\n  - api.yaml\n"),
        ("base/api.yaml", BASE_DEPLOY),
        (
            "dev/kustomization.yaml",
            "namespace: dev\nresources:\n  - ../base\npatchesStrategicMerge:\n  - api.yaml\n",
        ),
        (
            "dev/api.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  annotations:\n    fluxcd.io/automated: \"true\"\n    fluxcd.io/tag.api: semver:~1\n",
        ),
    ]);
    let k = c.file("dev/kustomization.yaml").unwrap().text();
    assert!(
        k.contains("images:\n  - name: ghcr.io/acme/api\n    newTag: 1.0.0 # {\"$imagepolicy\": \"flux-system:dev-api-deploy-api-dev:tag\"}\n"),
        "{k}"
    );
    assert!(has(&c, Code::OVERLAY_IMAGE_POLICY, "dev/api.yaml"));
    // The base is not automated: it gets no marker.
    assert!(!c
        .file("base/api.yaml")
        .unwrap()
        .text()
        .contains("$imagepolicy"));
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

#[test]
fn a_flux_yaml_no_git_path_reaches_is_reported_and_used_when_named() {
    let flux_yaml = "version: 1\npatchUpdated:\n  generators:\n    - command: kustomize build .\n  patchFile: flux-patch.yaml\n";
    let files = [
        ("clusters/dev/.flux.yaml", flux_yaml),
        (
            "clusters/dev/kustomization.yaml",
            "resources:\n  - app.yaml\n",
        ),
        (
            "clusters/dev/app.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  namespace: web\n",
        ),
    ];
    let c = run(&files);
    let f = finding(&c, Code::FLUX_YAML_UNUSED, "reported");
    assert_eq!(f.file, "clusters/dev/.flux.yaml");
    assert!(
        f.message.contains("patchFile `flux-patch.yaml`"),
        "{}",
        f.message
    );
    assert!(
        f.message.contains("--sync-path clusters/dev"),
        "{}",
        f.message
    );
    // Named as the git path: used, not reported.
    let inputs: Vec<InputFile> = files.iter().map(|(p, t)| InputFile::new(*p, *t)).collect();
    let opts = Options {
        sync_paths: vec!["clusters/dev".into()],
        ..Options::default()
    };
    let c = convert(&inputs, &opts);
    assert!(!has(&c, Code::FLUX_YAML_UNUSED, "clusters/dev/.flux.yaml"));
    assert!(has(&c, Code::FLUX_YAML, "clusters/dev/.flux.yaml"));
}

#[test]
fn remote_and_missing_entries_are_reported() {
    let c = run(&[
        (
            "app/kustomization.yaml",
            "resources:\n  - https://github.com/acme/base//deploy?ref=v1.2.0\n  - gone.yaml\n  - cm.yaml\n",
        ),
        ("app/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: web\n"),
    ]);
    let remote = finding(&c, Code::REMOTE_BASE, "remote reported");
    assert_eq!(
        (remote.file.as_str(), remote.line),
        ("app/kustomization.yaml", 2)
    );
    let missing = finding(&c, Code::KUSTOMIZATION_ENTRY_MISSING, "missing reported");
    assert_eq!(missing.line, 3);
    assert!(
        missing.message.contains("`gone.yaml`"),
        "{}",
        missing.message
    );
    // A clean twin: nothing said.
    let c = run(&[
        ("app/kustomization.yaml", "resources:\n  - cm.yaml\n"),
        (
            "app/cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: web\n",
        ),
    ]);
    assert!(!c.report.findings.iter().any(|f| matches!(
        f.code,
        Code::REMOTE_BASE | Code::KUSTOMIZATION_ENTRY_MISSING
    )));
}
