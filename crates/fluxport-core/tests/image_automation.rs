//! Image update automation (MAPPING.md §4, EXAMPLES.md E8–E10, E13).

mod common;

use common::*;
use fluxport_core::{convert, Code, Conversion, FileStatus, InputFile, Options};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

fn conv(files: &[(&str, &str)]) -> Conversion {
    let inputs: Vec<InputFile> = files.iter().map(|(p, t)| InputFile::new(*p, *t)).collect();
    convert(&inputs, &Options::default())
}

fn file<'a>(c: &'a Conversion, path: &str) -> &'a str {
    c.files
        .iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("no {path}"))
        .text()
}

fn codes(c: &Conversion) -> Vec<Code> {
    c.report.findings.iter().map(|f| f.code).collect()
}

const E8: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: my-app
  namespace: default
  annotations:
    fluxcd.io/automated: \"true\"
    fluxcd.io/tag.app: semver:^5.0
spec:
  template:
    spec:
      containers:
      - name: app
        image: ghcr.io/stefanprodan/podinfo:5.0.0
      - name: sidecar
        image: nginx:1.19.0
";

#[test]
fn e8_deployment() {
    let c = conv(&[("apps/my-app.yaml", E8)]);
    let out = file(&c, "apps/my-app.yaml");
    assert_eq!(
        out,
        E8.replace("  annotations:\n    fluxcd.io/automated: \"true\"\n    fluxcd.io/tag.app: semver:^5.0\n", "  annotations: {}\n")
            .replace("podinfo:5.0.0\n", "podinfo:5.0.0 # {\"$imagepolicy\": \"flux-system:default-my-app-deploy-app\"}\n")
            .replace("nginx:1.19.0\n", "nginx:1.19.0 # {\"$imagepolicy\": \"flux-system:default-my-app-deploy-sidecar\"}\n")
    );
    let objs = docs(file(&c, "fluxport-image-automation.yaml"));
    let app = object(&objs, "ImagePolicy", "default-my-app-deploy-app");
    assert_eq!(app["spec"]["policy"]["semver"]["range"], "^5.0");
    assert_eq!(app["metadata"]["namespace"], "flux-system");
    assert!(app["spec"].get("suspend").is_none());
    // No filter (`glob:*`) and a full semver current tag: the order is inferred
    // (docs/image-tag-order.md), active, with ORDERING_INFERRED.
    let side = object(&objs, "ImagePolicy", "default-my-app-deploy-sidecar");
    assert!(side["spec"].get("suspend").is_none());
    assert_eq!(side["spec"]["policy"]["semver"]["range"], ">=0.0.0");
    assert_eq!(
        side["spec"]["filterTags"]["pattern"],
        r"^(?P<version>[0-9]+\.[0-9]+\.[0-9]+)$"
    );
    assert_eq!(side["spec"]["filterTags"]["extract"], "$version");
    assert!(codes(&c).contains(&Code::ORDERING_INFERRED));
    assert_eq!(
        object(&objs, "ImageRepository", "nginx")["spec"]["image"],
        "nginx"
    );
    let auto = object(&objs, "ImageUpdateAutomation", "flux-system");
    assert_eq!(auto["spec"]["sourceRef"]["name"], "flux-system");
    assert_eq!(auto["spec"]["git"]["checkout"]["ref"]["branch"], "master");
    assert_eq!(auto["spec"]["update"]["strategy"], "Setters");
    assert!(!codes(&c).contains(&Code::BUILD_TIME_ORDERING_LOST));
    assert!(
        Schemas::load().check_conversion(&c).is_empty(),
        "{:?}",
        Schemas::load().check_conversion(&c)
    );
}

#[test]
fn e8_variants() {
    // locked → suspended with the message in a comment; markers still written.
    let locked = E8.replace(
        "    fluxcd.io/tag.app",
        "    fluxcd.io/locked: \"true\"\n    fluxcd.io/locked_msg: \"bad build\"\n    fluxcd.io/tag.app",
    );
    let c = conv(&[("a.yaml", &locked)]);
    let gen = file(&c, "fluxport-image-automation.yaml");
    assert!(
        gen.contains("suspend: true # locked in v1: bad build"),
        "{gen}"
    );
    let objs = docs(gen);
    assert_eq!(
        object(&objs, "ImagePolicy", "default-my-app-deploy-app")["spec"]["suspend"],
        true
    );
    assert!(file(&c, "a.yaml").contains("$imagepolicy"));
    assert!(!file(&c, "a.yaml").contains("locked"));

    // tag only, no automated → no objects, annotation dropped.
    let c = conv(&[(
        "a.yaml",
        &E8.replace("    fluxcd.io/automated: \"true\"\n", ""),
    )]);
    assert!(c.files.iter().all(|f| !f.path.contains("image-automation")));
    assert!(!file(&c, "a.yaml").contains("fluxcd.io/tag.app"));
    assert!(!file(&c, "a.yaml").contains("$imagepolicy"));

    // legacy prefix and unquoted true → identical result.
    let legacy = E8
        .replace("fluxcd.io/", "flux.weave.works/")
        .replace("\"true\"", "true");
    let c2 = conv(&[("apps/my-app.yaml", &legacy)]);
    let c1 = conv(&[("apps/my-app.yaml", E8)]);
    assert_eq!(file(&c1, "apps/my-app.yaml"), file(&c2, "apps/my-app.yaml"));
    assert_eq!(
        file(&c1, "fluxport-image-automation.yaml"),
        file(&c2, "fluxport-image-automation.yaml")
    );

    // `True` is not "true" (Set.Has needs exactly "true").
    let c = conv(&[("a.yaml", &E8.replace("\"true\"", "True"))]);
    assert!(!file(&c, "a.yaml").contains("$imagepolicy"));

    // Conflict between prefixes: fluxcd.io/ wins.
    let conflict = E8.replace(
        "    fluxcd.io/tag.app: semver:^5.0\n",
        "    fluxcd.io/tag.app: semver:^5.0\n    filter.fluxcd.io/app: glob:*\n",
    );
    let c = conv(&[("a.yaml", &conflict)]);
    assert!(codes(&c).contains(&Code::POLICY_CONFLICT));
    let objs = docs(file(&c, "fluxport-image-automation.yaml"));
    assert_eq!(
        object(&objs, "ImagePolicy", "default-my-app-deploy-app")["spec"]["policy"]["semver"]
            ["range"],
        "^5.0"
    );
    assert!(!file(&c, "a.yaml").contains("filter.fluxcd.io"));
}

#[test]
fn e9_helmrelease_values() {
    let hr = include_str!("image_e9.yaml");
    let c = conv(&[("hr.yaml", hr)]);
    let out = file(&c, "hr.yaml");
    for (line, setter) in [
        ("tag: 4.0.3", "monitoring-mon-hr-chart-image:tag"),
        (
            "image: prom/prometheus:v2.3.1",
            "monitoring-mon-hr-prometheus",
        ),
        ("tag: v0.15.0", "monitoring-mon-hr-alertmanager:tag"),
        ("tag: 0.6.0", "monitoring-mon-hr-nats:tag"),
        ("tag: \"1.2.0\"", "monitoring-mon-hr-app:tag"),
        ("tag: \"1.10\"", "monitoring-mon-hr-floaty:tag"),
    ] {
        let want = format!("{line} # {{\"$imagepolicy\": \"flux-system:{setter}\"}}");
        assert!(out.contains(&want), "missing `{want}` in\n{out}");
    }
    assert!(out.contains("image: acme/ui:2.0.1\n"));
    assert!(!out.contains("fluxcd.io/automated"));
    let objs = docs(file(&c, "fluxport-image-automation.yaml"));
    let image = |n: &str| object(&objs, "ImageRepository", n)["spec"]["image"].clone();
    assert_eq!(image("bitnami-mongodb"), "bitnami/mongodb");
    assert_eq!(
        image("registry-example-com-team-app"),
        "registry.example.com/team/app"
    );
    assert_eq!(image("nats-streaming"), "nats-streaming");
    let pol = |n: &str| object(&objs, "ImagePolicy", n)["spec"].clone();
    assert_eq!(
        pol("monitoring-mon-hr-chart-image")["policy"]["semver"]["range"],
        "~4.0"
    );
    assert_eq!(
        pol("monitoring-mon-hr-app")["policy"]["semver"]["range"],
        ">=1.2.0"
    );
    assert_eq!(
        pol("monitoring-mon-hr-alertmanager")["filterTags"]["pattern"],
        r"^(?P<version>v0\.15\.[0-9]+)$"
    );
    assert_eq!(
        pol("monitoring-mon-hr-nats")["filterTags"]["pattern"],
        "^0.6.*"
    );
    assert_eq!(pol("monitoring-mon-hr-nats")["suspend"], true);
    assert!(!objs
        .iter()
        .any(|o| o["metadata"]["name"] == "monitoring-mon-hr-ui"));
    let cs = codes(&c);
    assert!(cs.contains(&Code::UNSUPPORTED_IMAGE_SPLIT));
    assert!(cs.contains(&Code::NONSTRING_TAG));
    assert!(
        Schemas::load().check_conversion(&c).is_empty(),
        "{:?}",
        Schemas::load().check_conversion(&c)
    );
}

#[test]
fn kinds_containers_lists_cronjobs() {
    let text = "apiVersion: v1
kind: List
items:
- apiVersion: apps/v1
  kind: DaemonSet
  metadata:
    name: agent
    annotations:
      fluxcd.io/automated: 'true'
      fluxcd.io/tag.init: semver:~1.2
  spec:
    template:
      spec:
        imagePullSecrets:
        - name: regcred
        initContainers:
        - name: init
          image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/init:1.2
        containers:
        - name: main
          image: eu.gcr.io/p/main:latest
---
apiVersion: batch/v1beta1
kind: CronJob
metadata:
  name: job
  namespace: ops
  annotations:
    fluxcd.io/automated: \"true\"
    fluxcd.io/tag.run: glob:latest
    keep.me/too: x
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - name: run
            image: busybox:latest
          - name: other
            image: acme.azurecr.io/tool:v1.0.0
---
apiVersion: batch/v1
kind: Job
metadata:
  name: j
  annotations:
    fluxcd.io/automated: \"true\"
spec:
  template:
    spec:
      containers:
      - name: x
        image: never:1
";
    let c = conv(&[("w.yaml", text)]);
    let out = file(&c, "w.yaml");
    assert!(
        out.contains("init:1.2 # {\"$imagepolicy\": \"flux-system:default-agent-ds-init\"}"),
        "{out}"
    );
    assert!(out.contains("main:latest # {\"$imagepolicy\": \"flux-system:default-agent-ds-main\"}"));
    assert!(out.contains("tool:v1.0.0 # {\"$imagepolicy\": \"flux-system:ops-job-cj-other\"}"));
    assert!(out.contains("image: busybox:latest\n"));
    assert!(
        out.contains("image: never:1\n"),
        "Jobs were never automated"
    );
    assert!(out.contains("  annotations:\n    keep.me/too: x\n"));
    let objs = docs(file(&c, "fluxport-image-automation.yaml"));
    let repo = |n: &str| object(&objs, "ImageRepository", n)["spec"].clone();
    assert_eq!(
        repo("123456789012-dkr-ecr-eu-west-1-amazonaws-com-init")["provider"],
        "aws"
    );
    assert_eq!(
        repo("123456789012-dkr-ecr-eu-west-1-amazonaws-com-init")["secretRef"]["name"],
        "regcred"
    );
    assert_eq!(repo("eu-gcr-io-p-main")["provider"], "gcp");
    assert_eq!(repo("acme-azurecr-io-tool")["provider"], "azure");
    let cs = codes(&c);
    for code in [
        Code::REGISTRY_CREDS,
        Code::LATEST_NOOP,
        Code::SEMVER_TWO_PART,
    ] {
        assert!(cs.contains(&code), "{code:?} missing: {cs:?}");
    }
    assert!(
        Schemas::load().check_conversion(&c).is_empty(),
        "{:?}",
        Schemas::load().check_conversion(&c)
    );
}

#[test]
fn e13_ignore_every_kind() {
    let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  annotations:\n    fluxcd.io/ignore: \"true\"\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: b\n  annotations:\n    flux.weave.works/ignore: 'true'\n    other: x\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: c\n  annotations:\n    fluxcd.io/ignore: sync_only\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: d\n  annotations:\n    fluxcd.io/ignore: \"false\"\n";
    let c = conv(&[("i.yaml", text)]);
    let out = file(&c, "i.yaml");
    // Each object also gets the fallback namespace written in (§3.3).
    let want = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: default\n  annotations:\n    kustomize.toolkit.fluxcd.io/reconcile: disabled\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: b\n  namespace: default\n  annotations:\n    kustomize.toolkit.fluxcd.io/reconcile: disabled\n    other: x\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: c\n  namespace: default\n  annotations:\n    kustomize.toolkit.fluxcd.io/prune: disabled\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: d\n  namespace: default\n  annotations: {}\n";
    assert_eq!(out, want);
}

#[test]
fn crlf_and_comments_kept() {
    let text = E8
        .replace("  name: my-app\n", "  name: my-app # keep\n")
        .replace('\n', "\r\n");
    let c = conv(&[("a.yaml", &text)]);
    let out = file(&c, "a.yaml");
    assert!(out.contains("name: my-app # keep\r\n"));
    assert!(out.contains(
        "podinfo:5.0.0 # {\"$imagepolicy\": \"flux-system:default-my-app-deploy-app\"}\r\n"
    ));
    assert!(!out.replace("\r\n", "").contains('\n'));
    // An image line that already has a comment gets no marker (and no policy).
    let c = conv(&[(
        "b.yaml",
        &E8.replace("nginx:1.19.0", "nginx:1.19.0 # pinned"),
    )]);
    assert!(file(&c, "b.yaml").contains("nginx:1.19.0 # pinned\n"));
    assert!(codes(&c).contains(&Code::MARKER_NOT_WRITTEN));
    assert!(!file(&c, "fluxport-image-automation.yaml").contains("default-my-app-deploy-sidecar"));
}

#[test]
fn sync_roots_get_own_file() {
    let opts = Options {
        sync_paths: vec!["clusters/a,base".into(), "clusters/b,base".into()],
        ..Options::default()
    };
    let c = convert(&[InputFile::new("base/app.yaml", E8)], &opts);
    for dir in ["clusters/a/", "clusters/b/"] {
        let objs = docs(file(&c, &format!("{dir}fluxport-image-automation.yaml")));
        object(&objs, "ImagePolicy", "default-my-app-deploy-app");
        object(&objs, "ImageUpdateAutomation", "flux-system");
    }
}

// ---------------------------------------------------------------- corpus

fn corpus() -> (Vec<InputFile>, Conversion) {
    let inputs = read_dir_inputs(&shared().join("corpus/v1"));
    let c = convert(&inputs, &Options::default());
    (inputs, c)
}

fn markers(text: &str) -> Vec<String> {
    text.match_indices("{\"$imagepolicy\": \"")
        .map(|(i, m)| {
            let rest = &text[i + m.len()..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect()
}

#[test]
fn corpus_consistency_schema_diff_idempotence() {
    let (inputs, c) = corpus();
    let schemas = Schemas::load();
    let errs = schemas.check_conversion(&c);
    assert!(errs.is_empty(), "{errs:#?}");

    // Every marker names an emitted policy (in the automation namespace) and every
    // emitted policy is referenced.
    let mut policies: BTreeSet<String> = BTreeSet::new();
    let mut repos: BTreeSet<String> = BTreeSet::new();
    let mut refs: BTreeSet<String> = BTreeSet::new();
    for f in &c.files {
        if f.path.ends_with("fluxport-image-automation.yaml") {
            for o in docs(f.text()) {
                let id = format!(
                    "{}:{}",
                    o["metadata"]["namespace"].as_str().unwrap(),
                    o["metadata"]["name"].as_str().unwrap()
                );
                match o["kind"].as_str().unwrap() {
                    "ImagePolicy" => {
                        policies.insert(id);
                        refs.insert(
                            o["spec"]["imageRepositoryRef"]["name"]
                                .as_str()
                                .unwrap()
                                .to_string(),
                        );
                    }
                    "ImageRepository" => {
                        repos.insert(o["metadata"]["name"].as_str().unwrap().to_string());
                    }
                    _ => {}
                }
            }
        }
    }
    let mut marked: BTreeSet<String> = BTreeSet::new();
    for f in &c.files {
        for m in markers(f.text()) {
            let p = m
                .trim_end_matches(":tag")
                .trim_end_matches(":name")
                .to_string();
            assert!(p.starts_with("flux-system:"), "{}: {m}", f.path);
            assert!(
                policies.contains(&p),
                "{}: marker {m} names no emitted policy",
                f.path
            );
            marked.insert(p);
        }
    }
    assert!(!policies.is_empty());
    assert_eq!(policies, marked, "policies without markers");
    assert!(refs.is_subset(&repos));
    eprintln!(
        "corpus: {} policies, {} repositories",
        policies.len(),
        repos.len()
    );

    // Minimal diffs on workload files: changed lines are removed annotation lines,
    // `annotations:` lines that became `annotations: {}`, or image lines with a marker.
    let by_path: BTreeMap<&str, &InputFile> = inputs.iter().map(|i| (i.path.as_str(), i)).collect();
    let mut checked = 0;
    for f in &c.files {
        let Some(inp) = by_path.get(f.path.as_str()) else {
            continue;
        };
        let before = String::from_utf8_lossy(&inp.bytes).to_string();
        if f.status != FileStatus::Converted
            || before.contains("kind: HelmRelease")
            || before.contains("kind: FluxHelmRelease")
        {
            continue;
        }
        checked += 1;
        let old: Vec<&str> = before.split('\n').collect();
        let new: Vec<&str> = f.text().split('\n').collect();
        let (mut i, mut j) = (0, 0);
        while i < old.len() || j < new.len() {
            let same_or_marked = i < old.len()
                && j < new.len()
                && (old[i] == new[j]
                    // image line that gained a marker, `annotations:` → `annotations: {}`
                    || new[j].starts_with(old[i].trim_end_matches('\r'))
                        && (new[j].contains("$imagepolicy")
                            || new[j].trim_end_matches('\r').ends_with(": {}"))
                    // ignore annotation mapped in place (§3.4)
                    || old[i].contains("/ignore:") && new[j].contains("kustomize.toolkit.fluxcd.io/"));
            if same_or_marked {
                i += 1;
                j += 1;
            } else if i < old.len()
                && (old[i].contains("fluxcd.io/") || old[i].contains("flux.weave.works/"))
            {
                i += 1; // removed annotation line
            } else if j < new.len() && new[j].trim_start().starts_with("namespace: ") {
                j += 1; // fallback namespace written in (§3.3)
            } else {
                panic!(
                    "{}: unexpected change at old line {} / new line {}:\n{:?}\n{:?}",
                    f.path,
                    i + 1,
                    j + 1,
                    old.get(i),
                    new.get(j)
                );
            }
        }
    }
    assert!(checked > 0);

    // Idempotence: converting the output again changes nothing.
    let changed = changed_on_reconversion(&c, &Options::default());
    assert!(changed.is_empty(), "changed on reconversion: {changed:?}");
}

#[test]
fn daemon_settings_drive_automation() {
    // Three fluxd daemons (clusters/a|b|c + base) on one repo: one automation per root,
    // pointing at the daemon's GitRepository, on its branch.
    let inputs = read_dir_inputs(&repo_root().join("tests/fixtures/repo-multi"));
    let c = convert(&inputs, &Options::default());
    assert!(Schemas::load().check_conversion(&c).is_empty());
    for dir in ["clusters/a/", "clusters/b/", "clusters/c/"] {
        let objs = docs(file(&c, &format!("{dir}fluxport-image-automation.yaml")));
        let a = object(&objs, "ImageUpdateAutomation", "fleet");
        assert_eq!(a["spec"]["sourceRef"]["name"], "fleet");
        assert_eq!(a["spec"]["git"]["checkout"]["ref"]["branch"], "main");
        // --k8s-default-namespace=apps names the policy.
        object(&objs, "ImagePolicy", "apps-podinfo-deploy-podinfo");
    }
    let gitrepos: Vec<Value> = c
        .files
        .iter()
        .filter(|f| f.status == FileStatus::New)
        .flat_map(|f| docs(f.text()))
        .filter(|o| o["kind"] == "GitRepository")
        .collect();
    assert!(gitrepos.iter().any(|g| g["metadata"]["name"] == "fleet"));
}

#[test]
fn readonly_daemon_writes_no_automation() {
    let fluxd = "apiVersion: apps/v1
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
        - --git-readonly
";
    let c = conv(&[("flux/fluxd.yaml", fluxd), ("apps/my-app.yaml", E8)]);
    assert!(c
        .files
        .iter()
        .all(|f| !f.path.ends_with("fluxport-image-automation.yaml")));
    let out = file(&c, "apps/my-app.yaml");
    assert!(
        !out.contains("$imagepolicy") && !out.contains("fluxcd.io/automated"),
        "{out}"
    );
    assert!(codes(&c).contains(&Code::AUTOMATION_DISABLED));
}

/// Issue 18: an inferred order is active, warned and gets a runbook "verify" line; its
/// twin with a bare-SHA tag stays suspended, with no verify line.
#[test]
fn inferred_order_is_active_and_in_the_runbook() {
    let doc = |tag: &str| {
        format!(
            "apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  namespace: apps
  annotations:
    fluxcd.io/automated: \"true\"
    fluxcd.io/tag.app: glob:prod-*
spec:
  template:
    spec:
      containers:
      - name: app
        image: example/app:{tag}
"
        )
    };
    let c = conv(&[("app.yaml", &doc("prod-1a2b3c4-20240131235959"))]);
    let objs = docs(file(&c, "fluxport-image-automation.yaml"));
    let p = object(&objs, "ImagePolicy", "apps-app-deploy-app");
    assert!(p["spec"].get("suspend").is_none());
    assert_eq!(
        p["spec"]["filterTags"]["pattern"],
        r"^prod-[0-9a-f]+-(?P<ts>[0-9]{14})$"
    );
    assert_eq!(p["spec"]["filterTags"]["extract"], "$ts");
    assert_eq!(p["spec"]["policy"]["numerical"]["order"], "asc");
    assert!(codes(&c).contains(&Code::ORDERING_INFERRED));
    assert!(!codes(&c).contains(&Code::BUILD_TIME_ORDERING_LOST));
    assert!(
        c.report
            .runbook
            .contains("- verify: container `app` (`glob:prod-*`)"),
        "{}",
        c.report.runbook
    );
    assert!(Schemas::load().check_conversion(&c).is_empty());

    let c = conv(&[("app.yaml", &doc("prod-1a2b3c4"))]);
    let objs = docs(file(&c, "fluxport-image-automation.yaml"));
    let p = object(&objs, "ImagePolicy", "apps-app-deploy-app");
    assert_eq!(p["spec"]["suspend"], true);
    assert_eq!(p["spec"]["filterTags"]["pattern"], "^prod-.*$");
    assert!(!codes(&c).contains(&Code::ORDERING_INFERRED));
    assert!(codes(&c).contains(&Code::BUILD_TIME_ORDERING_LOST));
    assert!(!c.report.runbook.contains("- verify:"));
}

/// The same workload (namespace, name, container) in two environments of one sync root
/// with different filters or images gets two policies, each marker naming its own.
/// Before: one policy name, the later policy replaced the earlier one, and the first
/// environment's marker followed the second's filter and image (hmcts: 91 policies, 40
/// written).
#[test]
fn same_workload_in_two_environments_keeps_two_policies() {
    let prod = E8
        .replace("semver:^5.0", "glob:prod-*")
        .replace("5.0.0", "prod-1");
    let stg = E8
        .replace("semver:^5.0", "glob:stg-*")
        .replace("5.0.0", "stg-1");
    let c = conv(&[("prod/app.yaml", &prod), ("stg/app.yaml", &stg)]);
    let auto = file(&c, "fluxport-image-automation.yaml");
    let names: Vec<&str> = auto
        .split("\n---\n")
        .filter(|d| d.contains("kind: ImagePolicy"))
        .filter_map(|d| d.lines().find_map(|l| l.strip_prefix("  name: ")))
        .filter(|n| n.starts_with("default-my-app-deploy-app"))
        .collect();
    assert_eq!(names.len(), 2, "{auto}");
    assert_eq!(names[0], "default-my-app-deploy-app");
    assert!(
        names[1].starts_with("default-my-app-deploy-app-"),
        "{names:?}"
    );
    for (path, name, pattern) in [
        ("prod/app.yaml", names[0], "^prod-"),
        ("stg/app.yaml", names[1], "^stg-"),
    ] {
        let marker = format!("{{\"$imagepolicy\": \"flux-system:{name}\"}}");
        assert!(
            file(&c, path).contains(&marker),
            "{path}: {}",
            file(&c, path)
        );
        let doc = auto
            .split("\n---\n")
            .find(|d| d.contains(&format!("  name: {name}\n")))
            .unwrap();
        assert!(doc.contains(pattern), "{doc}");
    }
    // The sidecar (same image, filter and tag in both) shares one policy.
    assert_eq!(
        auto.matches("name: default-my-app-deploy-sidecar").count(),
        1,
        "{auto}"
    );
    // Clean twin: the same filter, image and tag share one policy.
    let c = conv(&[("prod/app.yaml", &prod), ("stg/app.yaml", &prod)]);
    let auto = file(&c, "fluxport-image-automation.yaml");
    assert_eq!(auto.matches("kind: ImagePolicy").count(), 2, "{auto}");
}
