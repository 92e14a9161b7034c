//! The worked examples of `../shared/spec/EXAMPLES.md` (§2 cases) as semantic tests:
//! expected objects are compared as parsed JSON (key order is cosmetic), with the
//! errata of EXAMPLES.md applied. Plus passthrough and byte-identity rules.

mod common;

use common::{convert_text, docs, object, Schemas};
use fluxport_core::{convert, Code, FileStatus, HelmVersion, InputFile, Mode, Options};
use serde_json::{json, Value};

fn all_docs(conv: &fluxport_core::Conversion) -> Vec<Value> {
    conv.files
        .iter()
        .filter(|f| f.status != FileStatus::Deleted)
        .flat_map(|f| docs(f.text()))
        .collect()
}

fn codes(conv: &fluxport_core::Conversion) -> Vec<&'static str> {
    let mut v: Vec<_> = conv
        .report
        .findings
        .iter()
        .map(|f| f.code.as_str())
        .collect();
    v.sort();
    v.dedup();
    v
}

fn check_schema(conv: &fluxport_core::Conversion) {
    let errs = Schemas::load().check_conversion(conv);
    assert!(errs.is_empty(), "{}", errs.join("\n"));
}

#[test]
fn schema_check_can_fail() {
    let s = Schemas::load();
    let bad = json!({"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease", "metadata": {"name": "x"}, "spec": {"interval": "5 minutes", "chart": {"spec": {"chart": "x", "sourceRef": {"kind": "HelmRepository", "name": "r"}}}}});
    assert!(!s.check(&bad).is_empty());
    let beta = json!({"apiVersion": "helm.toolkit.fluxcd.io/v2beta1", "kind": "HelmRelease"});
    assert!(
        !s.check(&beta).is_empty(),
        "beta APIs are not served any more"
    );
}

const E1: &str = "apiVersion: helm.fluxcd.io/v1
kind: HelmRelease
metadata:
  name: podinfo
  namespace: apps
spec:
  helmVersion: v3
  chart:
    repository: https://stefanprodan.github.io/podinfo
    name: podinfo
    version: 5.0.3
  values:
    replicaCount: 2
";

#[test]
fn e1_smallest_release() {
    let conv = convert_text(E1, &Options::default());
    check_schema(&conv);
    let d = all_docs(&conv);
    assert_eq!(
        object(&d, "HelmRepository", "stefanprodan-github-io-podinfo"),
        &json!({"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "HelmRepository",
            "metadata": {"name": "stefanprodan-github-io-podinfo", "namespace": "apps"},
            "spec": {"interval": "1h", "url": "https://stefanprodan.github.io/podinfo"}})
    );
    assert_eq!(
        object(&d, "HelmRelease", "podinfo"),
        &json!({"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
            "metadata": {"name": "podinfo", "namespace": "apps"},
            "spec": {"interval": "3m", "releaseName": "apps-podinfo", "maxHistory": 10,
                "chart": {"spec": {"chart": "podinfo", "version": "5.0.3", "sourceRef": {"kind": "HelmRepository", "name": "stefanprodan-github-io-podinfo"}}},
                "install": {"disableWait": true, "strategy": {"name": "RemediateOnFailure"}, "remediation": {"retries": -1}},
                "upgrade": {"disableWait": true, "crds": "Skip"},
                "values": {"replicaCount": 2}}})
    );
    assert!(codes(&conv).is_empty(), "{:?}", codes(&conv));
}

#[test]
fn e2_target_namespace_timeouts_rollback_tests() {
    let input = "apiVersion: helm.fluxcd.io/v1
kind: HelmRelease
metadata:
  name: redis
  namespace: flux-apps
spec:
  helmVersion: v3
  targetNamespace: cache
  timeout: 600
  resetValues: false
  forceUpgrade: true
  skipCRDs: true
  chart:
    repository: https://kubernetes-charts.storage.googleapis.com/
    name: redis
    version: 10.5.7
  rollback:
    enable: true
    force: true
    disableHooks: true
  test:
    enable: true
    ignoreFailures: true
";
    let conv = convert_text(input, &Options::default());
    check_schema(&conv);
    let d = all_docs(&conv);
    assert_eq!(
        object(&d, "HelmRepository", "charts-helm-sh-stable")["spec"]["url"],
        "https://charts.helm.sh/stable"
    );
    assert_eq!(
        object(&d, "HelmRelease", "redis")["spec"],
        json!({"interval": "3m", "releaseName": "flux-apps-cache-redis", "targetNamespace": "cache", "storageNamespace": "cache",
            "timeout": "600s", "maxHistory": 10,
            "chart": {"spec": {"chart": "redis", "version": "10.5.7", "sourceRef": {"kind": "HelmRepository", "name": "charts-helm-sh-stable"}}},
            "install": {"crds": "Skip", "disableWaitForJobs": true, "strategy": {"name": "RemediateOnFailure"}, "remediation": {"retries": -1}},
            "upgrade": {"crds": "Skip", "force": true, "preserveValues": true, "disableWaitForJobs": true,
                "strategy": {"name": "RemediateOnFailure"}, "remediation": {"retries": 0, "remediateLastFailure": true}},
            "rollback": {"timeout": "300s", "disableWait": true, "force": true, "disableHooks": true},
            "test": {"enable": true, "ignoreFailures": true, "timeout": "300s"}})
    );
    assert_eq!(
        codes(&conv),
        vec!["DEPRECATED_STABLE_REPO", "NO_ROLLBACK_HISTORY"]
    );
}

fn hr_with_rollback(rollback: &str) -> String {
    format!(
        "apiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata:\n  name: a\n  namespace: n\nspec:\n  helmVersion: v3\n  chart:\n    repository: https://h.io\n    name: a\n    version: 1.0.0\n  rollback: {rollback}\n"
    )
}

#[test]
fn e3_rollback_retry_variants() {
    let cases = [
        ("{}", Value::Null, Value::Null),
        (
            "{enable: false, retry: true, maxRetries: 3}",
            Value::Null,
            Value::Null,
        ),
        (
            "{enable: true}",
            json!({"retries": 0, "remediateLastFailure": true}),
            json!({"disableWait": true}),
        ),
        (
            "{enable: true, retry: true}",
            json!({"retries": 5}),
            json!({"disableWait": true}),
        ),
        (
            "{enable: true, retry: true, maxRetries: 2}",
            json!({"retries": 2}),
            json!({"disableWait": true}),
        ),
        (
            "{enable: true, retry: true, maxRetries: 0}",
            json!({"retries": -1}),
            json!({"disableWait": true}),
        ),
        (
            "{enable: true, recreate: true}",
            json!({"retries": 0, "remediateLastFailure": true}),
            json!({"recreate": true, "disableWait": true}),
        ),
    ];
    for (rb, remediation, rollback) in cases {
        let conv = convert_text(&hr_with_rollback(rb), &Options::default());
        check_schema(&conv);
        let d = all_docs(&conv);
        let spec = &object(&d, "HelmRelease", "a")["spec"];
        assert_eq!(spec["upgrade"]["remediation"], remediation, "{rb}");
        assert_eq!(spec["rollback"], rollback, "{rb}");
        if remediation.is_null() {
            assert!(spec["upgrade"]["strategy"].is_null(), "{rb}");
            assert_eq!(spec["upgrade"]["disableWait"], true, "{rb}");
        } else {
            assert_eq!(
                spec["upgrade"]["strategy"]["name"], "RemediateOnFailure",
                "{rb}"
            );
            assert_eq!(
                spec["upgrade"]["disableWaitForJobs"], true,
                "{rb}: rollback.enable makes v1 wait"
            );
        }
        assert_eq!(
            codes(&conv).contains(&"RECREATE_NOOP"),
            rb.contains("recreate"),
            "{rb}"
        );
    }
}

#[test]
fn e5_https_git_chart_with_secret_in_other_namespace() {
    let input = "apiVersion: helm.fluxcd.io/v1
kind: HelmRelease
metadata: {name: api, namespace: team-b}
spec:
  helmVersion: v3
  chart:
    git: https://git.example.com/infra/charts.git
    path: api
    secretRef:
      name: git-creds
      namespace: infra
";
    let conv = convert_text(input, &Options::default());
    check_schema(&conv);
    let d = all_docs(&conv);
    assert_eq!(
        object(&d, "GitRepository", "git-example-com-infra-charts"),
        &json!({"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
            "metadata": {"name": "git-example-com-infra-charts", "namespace": "infra"},
            "spec": {"interval": "5m", "timeout": "20s", "url": "https://git.example.com/infra/charts.git", "ref": {"branch": "master"}, "secretRef": {"name": "git-creds"}}})
    );
    assert_eq!(
        object(&d, "HelmRelease", "api")["spec"]["chart"],
        json!({"spec": {"chart": "api", "reconcileStrategy": "Revision", "sourceRef": {"kind": "GitRepository", "name": "git-example-com-infra-charts", "namespace": "infra"}}})
    );
}

#[test]
fn e5_ref_variants() {
    let cases = [
        ("main", json!({"branch": "main"}), None),
        (
            "v1.2.0",
            json!({"branch": "v1.2.0"}),
            Some(Code::GIT_REF_AMBIGUOUS),
        ),
        (
            "refs/tags/v1.2.0",
            json!({"name": "refs/tags/v1.2.0"}),
            None,
        ),
        (
            "0123456789abcdef0123456789abcdef01234567",
            json!({"commit": "0123456789abcdef0123456789abcdef01234567"}),
            None,
        ),
        (
            "0123abc",
            json!({"branch": "0123abc"}),
            Some(Code::SHORT_SHA),
        ),
    ];
    for (r, want, code) in cases {
        let input = format!("apiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata: {{name: a, namespace: n}}\nspec:\n  helmVersion: v3\n  chart:\n    git: https://g.io/x\n    path: c\n    ref: \"{r}\"\n");
        let conv = convert_text(&input, &Options::default());
        check_schema(&conv);
        let d = all_docs(&conv);
        let repo = d.iter().find(|o| o["kind"] == "GitRepository").unwrap();
        assert_eq!(repo["spec"]["ref"], want, "{r}");
        for c in [Code::GIT_REF_AMBIGUOUS, Code::SHORT_SHA] {
            assert_eq!(
                conv.report.findings.iter().any(|f| f.code == c),
                code == Some(c),
                "{r} {c:?}"
            );
        }
    }
}

#[test]
fn e6_helm2_default() {
    let input = "apiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata: {name: legacy, namespace: default}\nspec:\n  chart:\n    repository: https://charts.helm.sh/stable\n    name: nginx-ingress\n    version: 1.41.3\n";
    let conv = convert_text(input, &Options::default());
    let f = conv
        .report
        .findings
        .iter()
        .find(|f| f.code == Code::HELM2_RELEASE)
        .expect("HELM2_RELEASE");
    assert!(
        f.fix.contains("helm 2to3 convert default-legacy"),
        "{}",
        f.fix
    );
    assert!(conv
        .report
        .runbook
        .contains("helm 2to3 convert default-legacy"));
    assert_eq!(
        object(&all_docs(&conv), "HelmRelease", "legacy")["spec"]["releaseName"],
        "default-legacy"
    );
    let v3 = convert_text(
        input,
        &Options {
            default_helm_version: HelmVersion::V3,
            ..Options::default()
        },
    );
    assert!(!v3
        .report
        .findings
        .iter()
        .any(|f| f.code == Code::HELM2_RELEASE));
}

#[test]
fn e7a_weave_v1beta1() {
    let input = "apiVersion: flux.weave.works/v1beta1
kind: HelmRelease
metadata: {name: web, namespace: prod}
spec:
  targetNamespace: web
  chart:
    git: git@github.com:acme/legacy
    path: charts/web
  rollback:
    enable: true
";
    let conv = convert_text(input, &Options::default());
    check_schema(&conv);
    let d = all_docs(&conv);
    let spec = &object(&d, "HelmRelease", "web")["spec"];
    assert_eq!(spec["releaseName"], "prod-web-web");
    assert_eq!(spec["storageNamespace"], "web");
    assert_eq!(spec["install"]["disableWait"], true);
    assert!(spec["upgrade"]["disableWait"].is_null());
    assert_eq!(spec["upgrade"]["disableWaitForJobs"], true);
    assert_eq!(
        spec["upgrade"]["remediation"],
        json!({"retries": 0, "remediateLastFailure": true})
    );
    assert_eq!(spec["rollback"]["disableWait"], true);
    assert_eq!(
        object(&d, "GitRepository", "github-com-acme-legacy")["spec"]["ref"],
        json!({"branch": "master"})
    );
    assert!(codes(&conv).contains(&"HELM2_RELEASE"));
}

#[test]
fn e7b_flux_helm_release() {
    let input = "apiVersion: helm.integrations.flux.weave.works/v1alpha2
kind: FluxHelmRelease
metadata: {name: mongodb, namespace: db}
spec:
  chartGitPath: mongodb
  valueFileSecrets: [{name: mongo-values}]
  values: {persistence: {enabled: true}}
";
    let without = convert_text(input, &Options::default());
    assert_eq!(codes(&without), vec!["INVALID_CHART_SOURCE"]);
    assert_eq!(without.files[0].status, FileStatus::Failed);
    let opts = Options {
        git_url: Some("git@github.com:acme/ops".into()),
        ..Options::default()
    };
    let conv = convert_text(input, &opts);
    check_schema(&conv);
    let d = all_docs(&conv);
    assert_eq!(
        object(&d, "HelmRelease", "mongodb")["spec"],
        json!({"interval": "3m", "releaseName": "db-mongodb", "maxHistory": 10,
            "chart": {"spec": {"chart": "charts/mongodb", "reconcileStrategy": "Revision", "sourceRef": {"kind": "GitRepository", "name": "github-com-acme-ops"}}},
            "valuesFrom": [{"kind": "Secret", "name": "mongo-values"}],
            "values": {"persistence": {"enabled": true}},
            "install": {"disableWait": true, "strategy": {"name": "RemediateOnFailure"}, "remediation": {"retries": -1}},
            "upgrade": {"disableWait": true, "crds": "Skip"}})
    );
}

#[test]
fn e16_rejections_keep_the_document() {
    let long = "apiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata: {name: some-release, namespace: a-very-long-namespace-name-here-x}\nspec:\n  targetNamespace: another-very-long-target-ns\n  chart: {repository: https://x.io, name: y, version: 1.0.0}\n";
    for (input, code) in [
        (long, Code::RELEASE_NAME_TOO_LONG),
        ("apiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata: {name: a}\nspec:\n  chart: {repository: https://x, name: y}\n", Code::INVALID_CHART_SOURCE),
        ("apiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata: {name: a}\nspec:\n  chart: {repository: s3://bucket/charts, name: y, version: 1.0.0}\n", Code::UNSUPPORTED_REPO_SCHEME),
    ] {
        let conv = convert_text(input, &Options::default());
        assert!(conv.report.findings.iter().any(|f| f.code == code), "{code:?}");
        assert_eq!(conv.files.len(), 1, "no sources for a rejected release");
        assert_eq!(conv.files[0].bytes, input.as_bytes());
    }
}

#[test]
fn passthrough_is_byte_identical_crlf_and_comments() {
    let other = "# a comment\r\napiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: x   # trailing\r\n  namespace: default\r\ndata: {a: b}\r\n---\r\n\r\n# only comments\r\n";
    let v2 = "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: x}\nspec: {interval: 1m}\n";
    let conv = convert(
        &[
            InputFile::new("a.yaml", other),
            InputFile::new("b.yaml", v2),
            InputFile::new("README.md", "# hi"),
        ],
        &Options::default(),
    );
    assert!(conv.files.iter().all(|f| f.status == FileStatus::Unchanged));
    assert_eq!(conv.file("a.yaml").unwrap().bytes, other.as_bytes());
}

#[test]
fn crlf_release_keeps_crlf_and_other_documents() {
    let input = format!(
        "# keep me\n---\n{}---\napiVersion: v1\nkind: Secret\nmetadata: {{name: s}}\n",
        E1
    )
    .replace('\n', "\r\n");
    let conv = convert_text(&input, &Options::default());
    let out = conv.file("in.yaml").unwrap().text().to_string();
    assert!(
        out.starts_with("# keep me\r\n---\r\napiVersion: helm.toolkit.fluxcd.io/v2\r\n"),
        "{out}"
    );
    assert!(
        out.ends_with("---\r\napiVersion: v1\r\nkind: Secret\r\nmetadata: {name: s}\r\n"),
        "{out}"
    );
    assert!(
        !out.replace("\r\n", "").contains('\n'),
        "mixed line endings"
    );
}

#[test]
fn values_comments_and_labels_survive() {
    let input = "apiVersion: helm.fluxcd.io/v1
kind: HelmRelease
metadata:
  name: app
  namespace: n
  labels:
    team: a # owner
  annotations:
    fluxcd.io/automated: \"false\"
    keep.me/please: \"yes\"
    fluxcd.io/ignore: sync_only
spec:
  helmVersion: v3
  chart: {repository: https://h.io, name: app, version: 1.0.0}
  values:
    # top comment
    image:
      tag: \"1.0\" # pinned
    list:
    - a
    - b
    script: |
      echo {{ not a template }}
      # not a comment
";
    let conv = convert_text(input, &Options::default());
    check_schema(&conv);
    let out = conv.file("in.yaml").unwrap().text().to_string();
    for needle in [
        "team: a # owner",
        "    # top comment\n",
        "      tag: \"1.0\" # pinned\n",
        "      echo {{ not a template }}\n      # not a comment\n",
        "keep.me/please: \"yes\"",
    ] {
        assert!(out.contains(needle), "missing {needle:?} in\n{out}");
    }
    let d = all_docs(&conv);
    let hr = object(&d, "HelmRelease", "app");
    assert_eq!(
        hr["metadata"]["annotations"],
        json!({"keep.me/please": "yes", "kustomize.toolkit.fluxcd.io/prune": "disabled"})
    );
    assert_eq!(hr["spec"]["values"]["list"], json!(["a", "b"]));
}

#[test]
fn sources_are_deduplicated_across_files_and_named_without_clashes() {
    let hr = |name: &str, ns: &str, url: &str| {
        format!("apiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata: {{name: {name}, namespace: {ns}}}\nspec:\n  helmVersion: v3\n  chart: {{repository: \"{url}\", name: c, version: 1.0.0}}\n")
    };
    let inputs = vec![
        InputFile::new(
            "a/one.yaml",
            hr("one", "apps", "https://charts.example.com/"),
        ),
        InputFile::new(
            "b/two.yaml",
            hr("two", "apps", "https://charts.example.com"),
        ),
        InputFile::new(
            "c/three.yaml",
            hr("three", "apps", "http://charts.example.com"),
        ),
        InputFile::new(
            "d/four.yaml",
            hr("four", "other", "https://charts.example.com"),
        ),
    ];
    let conv = convert(&inputs, &Options::default());
    check_schema(&conv);
    let sources = docs(conv.file("fluxport-sources.yaml").unwrap().text());
    let names: Vec<(String, String)> = sources
        .iter()
        .map(|s| {
            (
                s["metadata"]["namespace"].as_str().unwrap().into(),
                s["metadata"]["name"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(names.contains(&("apps".into(), "charts-example-com".into())));
    assert!(names.contains(&("apps".into(), "charts-example-com-2".into())));
    assert!(names.contains(&("other".into(), "charts-example-com".into())));
}

#[test]
fn sync_roots_place_one_sources_file_per_root() {
    let hr = |name: &str| {
        format!("apiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata: {{name: {name}, namespace: apps}}\nspec:\n  helmVersion: v3\n  chart: {{repository: https://h.io/c, name: c, version: 1.0.0}}\n")
    };
    let inputs = vec![
        InputFile::new("clusters/a/x.yaml", hr("x")),
        InputFile::new("clusters/b/y.yaml", hr("y")),
        InputFile::new("base/z.yaml", hr("z")),
    ];
    let opts = Options {
        sync_paths: vec!["clusters/a,base".into(), "clusters/b,base".into()],
        ..Options::default()
    };
    let conv = convert(&inputs, &opts);
    let new: Vec<&str> = conv
        .files
        .iter()
        .filter(|f| f.status == FileStatus::New)
        .map(|f| f.path.as_str())
        .collect();
    assert_eq!(
        new,
        vec![
            "clusters/a/fluxport-sources.yaml",
            "clusters/b/fluxport-sources.yaml"
        ]
    );
    for p in new {
        assert_eq!(
            docs(conv.file(p).unwrap().text()).len(),
            1,
            "{p}: exactly one HelmRepository"
        );
    }
}

#[test]
fn existing_v2_source_is_reused() {
    let existing = "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata: {name: podinfo, namespace: apps}\nspec: {interval: 10m, url: \"https://stefanprodan.github.io/podinfo/\"}\n";
    let conv = convert(
        &[
            InputFile::new("hr.yaml", E1),
            InputFile::new("repo.yaml", existing),
        ],
        &Options::default(),
    );
    assert!(conv.file("fluxport-sources.yaml").is_none());
    let d = all_docs(&conv);
    assert_eq!(
        object(&d, "HelmRelease", "podinfo")["spec"]["chart"]["spec"]["sourceRef"]["name"],
        "podinfo"
    );
    assert!(codes(&conv).contains(&"EXISTING_SOURCE_REUSED"));
}

#[test]
fn idiomatic_mode_drops_fidelity_fields() {
    let input = E1
        .replace(
            "  values:",
            "  disableOpenAPIValidation: true\n  chart2: x\n  values:",
        )
        .replace("  chart2: x\n", "");
    let conv = convert_text(
        &input,
        &Options {
            mode: Mode::Idiomatic,
            ..Options::default()
        },
    );
    check_schema(&conv);
    let spec = object(&all_docs(&conv), "HelmRelease", "podinfo")["spec"].clone();
    assert!(spec["install"]["strategy"].is_null());
    assert!(spec["upgrade"]["crds"].is_null());
    assert_eq!(spec["upgrade"]["disableOpenAPIValidation"], true);
    assert_eq!(spec["install"]["disableOpenAPIValidation"], true);
}

#[test]
fn invalid_types_are_findings_with_positions() {
    let input = "apiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata: {name: a}\nspec:\n  timeout: \"abc\"\n  chart: {repository: https://x, name: y, version: 1.0.0}\n  values: [1, 2]\n";
    let conv = convert_text(input, &Options::default());
    let f: Vec<_> = conv
        .report
        .findings
        .iter()
        .filter(|f| f.code == Code::INVALID_FIELD)
        .map(|f| (f.line, f.column))
        .collect();
    assert_eq!(f, vec![(5, 12), (7, 11)]);
    assert_eq!(conv.files[0].status, FileStatus::Failed);
}

#[test]
fn parse_errors_and_duplicates_are_located() {
    let conv = convert_text("a: 1\n---\nb: [1,\n---\nc: 1\nc: 2\n", &Options::default());
    let f: Vec<_> = conv
        .report
        .findings
        .iter()
        .map(|f| (f.code, f.line))
        .collect();
    assert!(
        f.contains(&(Code::YAML_PARSE_ERROR, 4))
            || f.iter()
                .any(|(c, l)| *c == Code::YAML_PARSE_ERROR && *l >= 3),
        "{f:?}"
    );
    assert!(f.contains(&(Code::DUPLICATE_KEY, 6)), "{f:?}");
    assert_eq!(conv.files[0].status, FileStatus::Failed);
}

/// E14: plain-manifest directory pitfalls (MAPPING.md §3.2, §3.3).
#[test]
fn e14_plain_manifest_directory_pitfalls() {
    let dep = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: nginx\n";
    let job =
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: job\n  namespace: tools\nspec: {}\n";
    let inputs = vec![
        InputFile::new("deploy/app.yaml", dep),
        InputFile::new(
            "deploy/charts/mychart/Chart.yaml",
            "apiVersion: v2\nname: mychart\nversion: 1.0.0\n",
        ),
        InputFile::new("deploy/charts/mychart/values.yaml", "replicas: 1\n"),
        InputFile::new(
            "deploy/charts/mychart/templates/dep.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n",
        ),
        InputFile::new("deploy/tools/kustomization.yaml", "resources: []\n"),
        InputFile::new("deploy/tools/job.yaml", job),
    ];
    let opts = Options {
        sync_paths: vec!["deploy".into()],
        git_url: Some("https://github.com/acme/app".into()),
        ..Options::default()
    };
    let conv = convert(&inputs, &opts);
    check_schema(&conv);
    assert_eq!(
        conv.file("deploy/app.yaml").unwrap().text(),
        dep.replace("  name: app\n", "  name: app\n  namespace: default\n")
    );
    let sync = conv.file("flux-system/fluxport-sync.yaml").unwrap().text();
    let repo = docs(sync)
        .into_iter()
        .find(|d| d["kind"] == "GitRepository")
        .unwrap();
    let ignore: Vec<String> = repo["spec"]["ignore"]
        .as_str()
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    for l in [
        "/deploy/charts/mychart/",
        "**/.flux.yaml",
        "**/.sops.yaml",
        ".github/",
        ".gitlab-ci.yml",
    ] {
        assert!(ignore.iter().any(|x| x == l), "{l} not in {ignore:?}");
    }
    let c = codes(&conv);
    assert!(c.contains(&"CHART_DIR_IN_PATH"), "{c:?}");
    let stray = conv
        .report
        .findings
        .iter()
        .find(|f| f.code.as_str() == "STRAY_KUSTOMIZATION")
        .unwrap();
    assert_eq!(stray.file, "deploy/tools/kustomization.yaml");
    assert!(
        stray.message.contains("`deploy/tools/job.yaml`"),
        "{}",
        stray.message
    );
    // The chart's template is neither reported nor rewritten.
    assert_eq!(
        conv.file("deploy/charts/mychart/templates/dep.yaml")
            .unwrap()
            .status,
        FileStatus::Unchanged
    );
}
