//! Issue 15 point 4: identity and name checks as conversion findings. Each check has a
//! planted defect it must catch (an error finding at the field, the file passed through
//! byte-identical with status `failed`) and a clean twin it must pass (converted, no
//! finding of that code).

use fluxport_core::{convert, Code, Conversion, FileStatus, InputFile, Options};

fn hr(name: &str, ns: &str, extra_spec: &str) -> String {
    format!(
        "apiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  helmVersion: v3\n{extra_spec}  chart:\n    repository: https://charts.example.com\n    name: app\n    version: 1.0.0\n"
    )
}

fn run(files: &[(&str, &str)]) -> Conversion {
    let inputs: Vec<InputFile> = files.iter().map(|(p, t)| InputFile::new(*p, *t)).collect();
    convert(&inputs, &Options::default())
}

fn with_code(conv: &Conversion, code: Code) -> Vec<String> {
    conv.report
        .findings
        .iter()
        .filter(|f| f.code == code)
        .map(|f| format!("{}:{}:{}: {}", f.file, f.line, f.column, f.message))
        .collect()
}

fn file<'c>(conv: &'c Conversion, path: &str) -> &'c fluxport_core::OutputFile {
    conv.files.iter().find(|f| f.path == path).unwrap()
}

/// The planted defect: one error of `code` at `at` (`line:column`), the file failed and
/// byte-identical.
fn assert_refused(input: &str, code: Code, at: &str, says: &str) {
    let conv = run(&[("hr.yaml", input)]);
    let got = with_code(&conv, code);
    assert_eq!(got.len(), 1, "{got:?}\n{:#?}", conv.report.findings);
    assert!(got[0].starts_with(&format!("hr.yaml:{at}: ")), "{got:?}");
    assert!(got[0].contains(says), "{got:?}");
    let out = file(&conv, "hr.yaml");
    assert_eq!(out.status, FileStatus::Failed);
    assert_eq!(out.bytes, input.as_bytes(), "passed through byte-identical");
    assert!(
        !conv
            .files
            .iter()
            .any(|f| f.text().contains("helm.toolkit.fluxcd.io")),
        "no v2 HelmRelease written"
    );
}

/// The clean twin: converted, no finding of `code`.
fn assert_converted(input: &str, code: Code) {
    let conv = run(&[("hr.yaml", input)]);
    assert_eq!(with_code(&conv, code), Vec::<String>::new());
    assert_eq!(file(&conv, "hr.yaml").status, FileStatus::Converted);
}

// ---- names (point 2) ----

#[test]
fn invalid_metadata_name() {
    assert_refused(
        &hr("MyApp", "demo", ""),
        Code::INVALID_NAME,
        "4:9",
        "`MyApp`",
    );
    assert_converted(&hr("my-app", "demo", ""), Code::INVALID_NAME);
}

#[test]
fn invalid_metadata_namespace() {
    assert_refused(
        &hr("app", "Bad_NS", ""),
        Code::INVALID_NAME,
        "5:14",
        "`Bad_NS`",
    );
    assert_converted(&hr("app", "bad-ns", ""), Code::INVALID_NAME);
}

#[test]
fn invalid_target_namespace_never_becomes_a_release_name() {
    let bad = hr("app", "demo", "  targetNamespace: Not_A_Namespace!\n");
    assert_refused(
        &bad,
        Code::INVALID_NAME,
        "8:20",
        "release name `demo-Not_A_Namespace!-app`",
    );
    let conv = run(&[("hr.yaml", &bad)]);
    assert!(!conv
        .files
        .iter()
        .any(|f| f.path != "hr.yaml" && f.text().contains("Not_A_Namespace")));
    assert_converted(
        &hr("app", "demo", "  targetNamespace: not-a-namespace\n"),
        Code::INVALID_NAME,
    );
}

#[test]
fn invalid_release_name() {
    assert_refused(
        &hr("app", "demo", "  releaseName: My_Release\n"),
        Code::INVALID_NAME,
        "8:16",
        "`My_Release`",
    );
    assert_converted(
        &hr("app", "demo", "  releaseName: my-release\n"),
        Code::INVALID_NAME,
    );
}

// ---- YAML tags on the fields fluxport reads (point 5) ----

#[test]
fn binary_tag_is_invalid_field() {
    // Kubernetes reads `redis` here; fluxport used to write `cmVkaXM=`.
    let bad = hr("redis", "demo", "").replace("name: redis", "name: !!binary cmVkaXM=");
    assert_refused(&bad, Code::INVALID_FIELD, "4:9", "`!!binary`");
}

#[test]
fn custom_tag_is_invalid_field() {
    let bad = hr("app", "demo", "  releaseName: !custom my-release\n");
    assert_refused(&bad, Code::INVALID_FIELD, "8:16", "`!custom`");
    let bad = hr("app", "demo", "").replace("version: 1.0.0", "version: !foo 1.0.0");
    assert_refused(&bad, Code::INVALID_FIELD, "11:14", "`!foo`");
}

#[test]
fn str_tag_is_read_as_kubernetes_reads_it() {
    let tagged = hr("app", "demo", "").replace("version: 1.0.0", "version: !!str 1.0.0");
    assert_converted(&tagged, Code::INVALID_FIELD);
    let conv = run(&[("hr.yaml", &tagged)]);
    assert!(
        file(&conv, "hr.yaml").text().contains("version: 1.0.0"),
        "{}",
        file(&conv, "hr.yaml").text()
    );
    // The clean twin of the binary case.
    assert_converted(&hr("redis", "demo", ""), Code::INVALID_FIELD);
}

#[test]
fn wrong_core_tag_is_invalid_field() {
    // `!!str` on a boolean field is a string to Kubernetes: helm-operator refused it.
    let bad = hr("app", "demo", "  wait: !!str true\n");
    assert_refused(&bad, Code::INVALID_FIELD, "8:9", "`!!str`");
    assert_converted(&hr("app", "demo", "  wait: true\n"), Code::INVALID_FIELD);
}

// ---- duplicate object identity (point 3) ----

fn dup_findings(conv: &Conversion) -> Vec<String> {
    with_code(conv, Code::DUPLICATE_OBJECT)
}

#[test]
fn duplicate_in_one_file() {
    let one = hr("app", "demo", "");
    let bad = format!("{one}---\n{one}");
    let conv = run(&[("hr.yaml", &bad)]);
    let got = dup_findings(&conv);
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(
        got[0].starts_with("hr.yaml:16:9: HelmRelease demo/app is defined twice in one file"),
        "{got:?}"
    );
    assert!(got[0].contains("first at hr.yaml:4"), "{got:?}");
    // The second definition stays v1, as written.
    let text = file(&conv, "hr.yaml").text();
    assert!(text.ends_with(&one), "{text}");
    // Clean twin: two names.
    let good = format!("{one}---\n{}", hr("app2", "demo", ""));
    let conv = run(&[("hr.yaml", &good)]);
    assert_eq!(dup_findings(&conv), Vec::<String>::new());
    assert!(!file(&conv, "hr.yaml").text().contains("helm.fluxcd.io/v1"));
}

#[test]
fn duplicate_in_two_files() {
    let one = hr("app", "demo", "");
    let conv = run(&[("a.yaml", &one), ("b.yaml", &one)]);
    let got = dup_findings(&conv);
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(got[0].starts_with("b.yaml:4:9: "), "{got:?}");
    assert!(got[0].contains("first at a.yaml:4"), "{got:?}");
    assert_eq!(file(&conv, "a.yaml").status, FileStatus::Converted);
    let b = file(&conv, "b.yaml");
    assert_eq!(b.status, FileStatus::Failed);
    assert_eq!(b.bytes, one.as_bytes());
    // The effective namespace counts: no namespace is the fallback `default`.
    let no_ns = one.replace("  namespace: demo\n", "");
    let in_default = hr("app", "default", "");
    let conv = run(&[("a.yaml", &no_ns), ("b.yaml", &in_default)]);
    assert_eq!(dup_findings(&conv).len(), 1);
    // Clean twin: another namespace.
    let conv = run(&[("a.yaml", &one), ("b.yaml", &hr("app", "other", ""))]);
    assert_eq!(dup_findings(&conv), Vec::<String>::new());
    assert_eq!(file(&conv, "b.yaml").status, FileStatus::Converted);
}

#[test]
fn base_built_by_two_overlays_is_not_a_duplicate() {
    let base = hr("app", "demo", "");
    let overlay = |ns: &str| {
        format!("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: {ns}\nresources:\n  - ../../base\n")
    };
    let patch = "apiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata:\n  name: app\n  namespace: demo\nspec:\n  values:\n    replicas: 2\n";
    let kbase = "resources:\n  - hr.yaml\n";
    let with_patch = format!("{}patches:\n  - path: patch.yaml\n", overlay("demo"));
    let files = [
        ("base/kustomization.yaml", kbase),
        ("base/hr.yaml", base.as_str()),
        ("clusters/a/kustomization.yaml", &with_patch),
        ("clusters/a/patch.yaml", patch),
        ("clusters/b/kustomization.yaml", &overlay("demo")),
    ];
    let conv = run(&files);
    assert_eq!(dup_findings(&conv), Vec::<String>::new());
    // Planted: one overlay also lists a copy of the base object.
    let copy = format!("{}  - copy.yaml\n", overlay("demo"));
    let files = [
        ("base/kustomization.yaml", kbase),
        ("base/hr.yaml", base.as_str()),
        ("clusters/a/kustomization.yaml", &with_patch),
        ("clusters/a/patch.yaml", patch),
        ("clusters/b/kustomization.yaml", &copy),
        ("clusters/b/copy.yaml", base.as_str()),
    ];
    let conv = run(&files);
    let got = dup_findings(&conv);
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(got[0].starts_with("clusters/b/copy.yaml:4:9: "), "{got:?}");
    assert!(
        got[0].contains("kustomize build of `clusters/b`"),
        "{got:?}"
    );
    assert!(got[0].contains("first at base/hr.yaml:4"), "{got:?}");
}

// ---- release clash (point 4) ----

#[test]
fn two_releases_one_helm_release() {
    let a = hr(
        "a",
        "demo",
        "  releaseName: shared\n  targetNamespace: apps\n",
    );
    let b = hr(
        "b",
        "other",
        "  releaseName: shared\n  targetNamespace: apps\n",
    );
    let conv = run(&[("a.yaml", &a), ("b.yaml", &b)]);
    let got = with_code(&conv, Code::RELEASE_CLASH);
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(got[0].starts_with("b.yaml:8:16: HelmRelease other/b maps to Helm release `shared` stored in namespace `apps`"), "{got:?}");
    assert!(
        got[0].contains("HelmRelease demo/a does (a.yaml:8)"),
        "{got:?}"
    );
    let out = file(&conv, "b.yaml");
    assert_eq!(out.status, FileStatus::Failed);
    assert_eq!(out.bytes, b.as_bytes());
    // The computed names clash too: `demo-app` from namespace demo, and from
    // `releaseName: demo-app` in the same storage namespace.
    let c = hr("app", "demo", "");
    let d = hr("other", "demo", "  releaseName: demo-app\n");
    let conv = run(&[("c.yaml", &c), ("d.yaml", &d)]);
    assert_eq!(with_code(&conv, Code::RELEASE_CLASH).len(), 1);
    // Clean twin: another storage (target) namespace is another release.
    let b2 = hr(
        "b",
        "other",
        "  releaseName: shared\n  targetNamespace: apps2\n",
    );
    let conv = run(&[("a.yaml", &a), ("b.yaml", &b2)]);
    assert_eq!(with_code(&conv, Code::RELEASE_CLASH), Vec::<String>::new());
    assert_eq!(file(&conv, "b.yaml").status, FileStatus::Converted);
}

#[test]
fn clusters_of_known_sync_roots_do_not_clash() {
    let a = hr("a", "demo", "  releaseName: shared\n");
    let b = hr("b", "demo", "  releaseName: shared\n");
    let opts = Options {
        sync_paths: vec!["clusters/one".into(), "clusters/two".into()],
        ..Options::default()
    };
    let inputs = [
        InputFile::new("clusters/one/a.yaml", a.as_str()),
        InputFile::new("clusters/two/b.yaml", b.as_str()),
    ];
    let conv = convert(&inputs, &opts);
    assert_eq!(with_code(&conv, Code::RELEASE_CLASH), Vec::<String>::new());
    // Planted: both in one cluster.
    let inputs = [
        InputFile::new("clusters/one/a.yaml", a.as_str()),
        InputFile::new("clusters/one/b.yaml", b.as_str()),
    ];
    let conv = convert(&inputs, &opts);
    assert_eq!(with_code(&conv, Code::RELEASE_CLASH).len(), 1);
}

#[test]
fn refused_release_gets_no_image_automation() {
    let auto = "  annotations:\n    fluxcd.io/automated: \"true\"\n    filter.fluxcd.io/chart-image: semver:~1.0\n";
    let values = "  values:\n    image:\n      repository: example/b\n      tag: 1.0.0\n";
    let a = hr("a", "demo", "  releaseName: shared\n");
    let b = hr("b", "demo", "  releaseName: shared\n")
        .replace("  namespace: demo\n", &format!("  namespace: demo\n{auto}"))
        + values;
    let policies = |conv: &Conversion| {
        conv.files
            .iter()
            .filter(|f| f.text().contains("kind: ImagePolicy"))
            .count()
    };
    let conv = run(&[("a.yaml", &a), ("b.yaml", &b)]);
    assert_eq!(with_code(&conv, Code::RELEASE_CLASH).len(), 1);
    assert_eq!(policies(&conv), 0, "no automation for a refused release");
    assert_eq!(file(&conv, "b.yaml").bytes, b.as_bytes());
    // Clean twin: its own release name, then it is automated.
    let b2 = b.replace("releaseName: shared", "releaseName: other");
    let conv = run(&[("a.yaml", &a), ("b.yaml", &b2)]);
    assert_eq!(with_code(&conv, Code::RELEASE_CLASH), Vec::<String>::new());
    assert_eq!(policies(&conv), 1);
}

#[test]
fn known_sync_roots_scope_duplicates() {
    let one = hr("app", "demo", "");
    let conv_with = |paths: &[&str], files: &[(&str, &str)]| {
        let opts = Options {
            sync_paths: paths.iter().map(|p| p.to_string()).collect(),
            ..Options::default()
        };
        let inputs: Vec<InputFile> = files.iter().map(|(p, t)| InputFile::new(*p, *t)).collect();
        convert(&inputs, &opts)
    };
    // One path, two files: fluxd applied both.
    let conv = conv_with(
        &["apps"],
        &[("apps/x/a.yaml", &one), ("apps/y/b.yaml", &one)],
    );
    let got = dup_findings(&conv);
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(
        got[0].contains("files one fluxd applies as written"),
        "{got:?}"
    );
    assert!(got[0].contains("first at apps/x/a.yaml:4"), "{got:?}");
    // Two paths of one daemon: DUPLICATE_ACROSS_PATHS, not also DUPLICATE_OBJECT.
    let conv = conv_with(
        &["apps/x,apps/y"],
        &[("apps/x/a.yaml", &one), ("apps/y/b.yaml", &one)],
    );
    assert_eq!(dup_findings(&conv), Vec::<String>::new());
    assert_eq!(with_code(&conv, Code::DUPLICATE_ACROSS_PATHS).len(), 1);
    // Clean twin: two clusters (two roots).
    let conv = conv_with(
        &["apps/x", "apps/y"],
        &[("apps/x/a.yaml", &one), ("apps/y/b.yaml", &one)],
    );
    assert_eq!(dup_findings(&conv), Vec::<String>::new());
    assert_eq!(
        with_code(&conv, Code::DUPLICATE_ACROSS_PATHS),
        Vec::<String>::new()
    );
}

#[test]
fn helmrelease_fragments_are_no_objects() {
    // Per-environment patch files no kustomization lists (no chart): not duplicates.
    let frag = "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: app\n  namespace: demo\nspec:\n  values:\n    replicas: 2\n";
    let conv = run(&[("app/demo.yaml", frag), ("app/ithc.yaml", frag)]);
    assert_eq!(dup_findings(&conv), Vec::<String>::new());
    // Planted: with a chart they are two objects.
    let full = frag.replace(
        "spec:\n",
        "spec:\n  chart:\n    spec:\n      chart: app\n      sourceRef:\n        kind: HelmRepository\n        name: r\n",
    );
    let conv = run(&[("app/demo.yaml", &full), ("app/ithc.yaml", &full)]);
    assert_eq!(dup_findings(&conv).len(), 1);
}

#[test]
fn refused_definition_keeps_its_bytes() {
    // The namespace stage would insert `namespace: default` into the second one.
    let in_default = hr("cm", "default", "").replace(
        "helm.fluxcd.io/v1\nkind: HelmRelease",
        "v1\nkind: ConfigMap",
    );
    let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: b\n";
    let conv = run(&[("a.yaml", &in_default), ("b.yaml", cm)]);
    assert_eq!(dup_findings(&conv).len(), 1, "{:?}", dup_findings(&conv));
    let b = file(&conv, "b.yaml");
    assert_eq!(b.bytes, cm.as_bytes(), "{}", b.text());
    assert_eq!(b.status, FileStatus::Failed);
    // Clean twin: alone, it gets the fallback namespace written in.
    let conv = run(&[("b.yaml", cm)]);
    assert!(file(&conv, "b.yaml").text().contains("namespace: default"));
}
