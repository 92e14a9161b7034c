//! The pre-GA upgrade stage (docs/preGA-upgrades.md): planted pre-GA objects and their
//! served twins, idempotence, and every document of the shared `after` trees.

mod common;

use common::{docs, read_dir_inputs, shared, Schemas};
use fluxport_core::verify::served::{not_served, FluxVersion};
use fluxport_core::{Code, FileStatus, InputFile, Options};
use std::collections::BTreeMap;

const HR_V2BETA1: &str = "\
# kept comment
apiVersion: helm.toolkit.fluxcd.io/v2beta1
kind: HelmRelease
metadata:
  name: podinfo
  namespace: apps
spec:
  interval: 5m
  chart:
    spec:
      chart: podinfo
      valuesFile: prod.yaml # prod
      sourceRef:
        kind: HelmRepository
        name: podinfo
";

const KS_V1BETA2: &str = "\
apiVersion: kustomize.toolkit.fluxcd.io/v1beta2
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: 10m
  validation: client
  sourceRef:
    kind: GitRepository
    name: apps
";

fn convert(text: &str) -> fluxport_core::Conversion {
    fluxport_core::convert(&[InputFile::new("in.yaml", text)], &Options::default())
}

fn codes(c: &fluxport_core::Conversion) -> Vec<Code> {
    c.report.findings.iter().map(|f| f.code).collect()
}

fn upgrade_codes(c: &fluxport_core::Conversion) -> Vec<Code> {
    codes(c)
        .into_iter()
        .filter(|c| c.as_str().starts_with("UPGRADE_"))
        .collect()
}

#[test]
fn helmrelease_v2beta1_upgrades_with_minimal_edits() {
    let c = convert(HR_V2BETA1);
    let out = c.files[0].text();
    let want = HR_V2BETA1
        .replace(
            "helm.toolkit.fluxcd.io/v2beta1",
            "helm.toolkit.fluxcd.io/v2",
        )
        .replace(
            "valuesFile: prod.yaml # prod",
            "valuesFiles: [prod.yaml] # prod",
        );
    assert_eq!(out, want);
    assert_eq!(
        upgrade_codes(&c),
        vec![
            Code::UPGRADE_API,
            Code::UPGRADE_DEFAULT_CHANGED,
            Code::UPGRADE_FIELD_RENAMED
        ]
    );
    let f = &c
        .report
        .findings
        .iter()
        .find(|f| f.code == Code::UPGRADE_FIELD_RENAMED)
        .unwrap();
    assert_eq!((f.file.as_str(), f.line), ("in.yaml", 12));
    assert!(Schemas::load().check_conversion(&c).is_empty());
}

#[test]
fn kustomization_v1beta2_gets_prune_and_loses_validation() {
    let c = convert(KS_V1BETA2);
    let out = c.files[0].text();
    assert!(out.contains("kustomize.toolkit.fluxcd.io/v1\n"), "{out}");
    assert!(
        out.contains("spec:\n  prune: false\n  interval: 10m\n"),
        "{out}"
    );
    assert!(!out.contains("validation"), "{out}");
    let dropped = c
        .report
        .findings
        .iter()
        .find(|f| f.code == Code::UPGRADE_FIELD_DROPPED)
        .expect("a finding for validation");
    assert!(dropped.message.contains("validation: client"));
    assert_eq!(dropped.line, 8);
    assert!(Schemas::load().check_conversion(&c).is_empty());
}

#[test]
fn served_twins_are_byte_identical() {
    for pre in [HR_V2BETA1, KS_V1BETA2] {
        let served = pre
            .replace("v2beta1", "v2")
            .replace("v1beta2", "v1")
            .replace("valuesFile:", "valuesFiles:")
            .replace("prod.yaml #", "[prod.yaml] #")
            .replace("  validation: client\n", "  prune: false\n");
        let c = convert(&served);
        assert_eq!(c.files[0].status, FileStatus::Unchanged, "{served}");
        assert!(upgrade_codes(&c).is_empty());
    }
}

#[test]
fn unconverted_fields_stay_with_a_finding() {
    let text = KS_V1BETA2.replace(
        "  validation: client\n",
        "  prune: true\n  patchesStrategicMerge:\n    - !!map\n      kind: Deployment\n",
    );
    let c = convert(&text);
    assert!(c.files[0]
        .text()
        .contains("patchesStrategicMerge:\n    - !!map\n      kind: Deployment\n"));
    assert!(upgrade_codes(&c).contains(&Code::UPGRADE_FIELD_UNCONVERTED));
    assert!(!upgrade_codes(&c).contains(&Code::UPGRADE_FIELD_DEFAULTED));
}

#[test]
fn alert_summary_moves_to_event_metadata() {
    let text = "apiVersion: notification.toolkit.fluxcd.io/v1beta1\nkind: Alert\nmetadata:\n  name: a\n  namespace: flux-system\nspec:\n  providerRef:\n    name: slack\n  summary: \"prod cluster\" # shown in Slack\n  eventSources:\n    - kind: Kustomization\n      name: '*'\n  exclusionList:\n    - \"waiting.*socket\"\n";
    let c = convert(text);
    let want = text
        .replace("v1beta1", "v1beta3")
        .replace("  summary: \"prod", "  eventMetadata:\n    summary: \"prod");
    assert_eq!(c.files[0].text(), want);
    assert_eq!(
        upgrade_codes(&c),
        vec![Code::UPGRADE_API, Code::UPGRADE_FIELD_RENAMED]
    );
    assert!(Schemas::load().check_conversion(&c).is_empty());
    assert!(common::changed_on_reconversion(&c, &Options::default()).is_empty());
    assert_eq!(convert(&want).files[0].status, FileStatus::Unchanged);
    // v1beta2 with eventMetadata: summary goes below it, or is dropped when
    // eventMetadata.summary (which took precedence) is set.
    let v2 = text.replace("v1beta1", "v1beta2").replace(
        "  providerRef:",
        "  eventMetadata:\n    env: prod\n  providerRef:",
    );
    let c = convert(&v2);
    assert!(c.files[0]
        .text()
        .contains("  eventMetadata:\n    summary: \"prod cluster\" # shown in Slack\n    env: prod\n  providerRef:\n    name: slack\n  eventSources:"), "{}", c.files[0].text());
    let c = convert(&v2.replace("env: prod", "summary: other"));
    assert!(!c.files[0].text().contains("prod cluster"));
    assert!(codes(&c).contains(&Code::UPGRADE_FIELD_DROPPED));
    // Provider and Receiver: the version only (every v1beta1 field and Provider type
    // is in the served schema).
    let p = "apiVersion: notification.toolkit.fluxcd.io/v1beta1\nkind: Provider\nmetadata:\n  name: slack\n  namespace: flux-system\nspec:\n  type: slack\n  channel: general\n  secretRef:\n    name: slack-url\n";
    let c = convert(p);
    assert_eq!(c.files[0].text(), p.replace("v1beta1", "v1beta3"));
    assert!(Schemas::load().check_conversion(&c).is_empty());
    let r = "apiVersion: notification.toolkit.fluxcd.io/v1beta2\nkind: Receiver\nmetadata:\n  name: gh\n  namespace: flux-system\nspec:\n  type: github\n  events: [ping, push]\n  secretRef:\n    name: token\n  resources:\n    - kind: GitRepository\n      name: apps\n";
    let c = convert(r);
    assert_eq!(c.files[0].text(), r.replace("v1beta2", "v1"));
    assert!(Schemas::load().check_conversion(&c).is_empty());
}

#[test]
fn upgrade_is_idempotent() {
    for pre in [HR_V2BETA1, KS_V1BETA2] {
        let c = convert(pre);
        assert!(common::changed_on_reconversion(&c, &Options::default()).is_empty());
    }
}

/// Every document of every human `after` tree: counts per (kind, from-version), every
/// Flux object ends on a served version, findings by code. Schema errors are counted and
/// printed by class (patch fragments, valuesFrom items, ...), not asserted.
#[test]
fn shared_after_trees_end_on_served_versions() {
    let mut trees = Vec::new();
    for e in std::fs::read_dir(shared().join("corpus/pairs")).unwrap() {
        let p = e.unwrap().path().join("after");
        if p.is_dir() {
            trees.push(p);
        }
    }
    for e in std::fs::read_dir(shared().join("corpus/repos")).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() && p.to_string_lossy().ends_with(".after") {
            trees.push(p);
        }
    }
    trees.sort();
    assert!(trees.len() > 10, "after trees not found");
    let schemas = Schemas::load();
    let mut before: BTreeMap<String, usize> = BTreeMap::new();
    let mut by_code: BTreeMap<&str, usize> = BTreeMap::new();
    let mut schema_errors = 0;
    let mut unreadable = 0;
    let mut classes: BTreeMap<String, usize> = BTreeMap::new();
    let mut unknown: BTreeMap<String, usize> = BTreeMap::new();
    // Where `flux migrate -f` (its line rule, `migrate_f_lines`) and fluxport's
    // UPGRADE_API findings rewrite an apiVersion, by (file, line).
    let mut versus: BTreeMap<&str, usize> = BTreeMap::new();
    let mut versus_examples: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut objects_with_field_rules = 0;
    for t in &trees {
        let inputs = read_dir_inputs(t);
        let mut migrate: std::collections::BTreeSet<(String, usize)> = Default::default();
        for i in &inputs {
            if !(i.path.ends_with(".yaml") || i.path.ends_with(".yml")) {
                continue;
            }
            if let Ok(text) = std::str::from_utf8(&i.bytes) {
                for l in migrate_f_lines(text) {
                    migrate.insert((i.path.clone(), l));
                }
            }
        }
        for i in &inputs {
            let Ok(text) = std::str::from_utf8(&i.bytes) else {
                continue;
            };
            for d in docs(text) {
                let (Some(a), Some(k)) = (d["apiVersion"].as_str(), d["kind"].as_str()) else {
                    continue;
                };
                if not_served(a, k, FluxVersion::V2_9).is_some() {
                    *before.entry(format!("{k} {a}")).or_default() += 1;
                }
            }
        }
        let c = fluxport_core::convert(&inputs, &Options::default());
        for f in &c.report.findings {
            *by_code.entry(f.code.as_str()).or_default() += 1;
        }
        let ours: std::collections::BTreeSet<(String, usize)> = c
            .report
            .findings
            .iter()
            .filter(|f| f.code == Code::UPGRADE_API && !f.message.starts_with("patch target"))
            .map(|f| (f.file.clone(), f.line))
            .collect();
        let mut fields: std::collections::BTreeSet<(String, usize)> = Default::default();
        for f in &c.report.findings {
            if f.code.as_str().starts_with("UPGRADE_FIELD")
                || f.code == Code::UPGRADE_DEFAULT_CHANGED
            {
                // The object's apiVersion line is the nearest UPGRADE_API above.
                if let Some(at) = ours.range(..=(f.file.clone(), f.line)).next_back() {
                    if at.0 == f.file {
                        fields.insert(at.clone());
                    }
                }
            }
        }
        objects_with_field_rules += fields.len();
        let mut note = |class: &'static str, at: &(String, usize)| {
            *versus.entry(class).or_default() += 1;
            let ex = versus_examples.entry(class).or_default();
            if ex.len() < 3 {
                ex.push(format!(
                    "{}/{}:{}",
                    t.file_name().unwrap().to_string_lossy(),
                    at.0,
                    at.1
                ));
            }
        };
        for at in ours.union(&migrate) {
            match (ours.contains(at), migrate.contains(at)) {
                (true, true) => note("both rewrite the apiVersion", at),
                (true, false) => note("fluxport only", at),
                (false, true) => note("flux migrate -f only", at),
                _ => {}
            }
        }
        for f in &c.files {
            // A file the loader rejects (a parse error, a duplicate key) is reported
            // and passes through: nothing can upgrade what nothing can read.
            let rejected = c.report.findings.iter().any(|x| {
                x.file == f.path && matches!(x.code, Code::YAML_PARSE_ERROR | Code::DUPLICATE_KEY)
            });
            if f.status == FileStatus::Deleted || rejected {
                unreadable += 1;
                continue;
            }
            for d in docs(f.text()) {
                let (Some(a), Some(k)) = (d["apiVersion"].as_str(), d["kind"].as_str()) else {
                    continue;
                };
                assert!(
                    not_served(a, k, FluxVersion::V2_9).is_none(),
                    "{}: {} {k} {a} is still not served",
                    t.display(),
                    f.path
                );
            }
        }
        for f in &c.files {
            if !matches!(f.status, FileStatus::Converted | FileStatus::New) {
                continue;
            }
            for d in docs(f.text()) {
                for u in schemas.unknown_fields(&d) {
                    let path: Vec<&str> = u
                        .split('/')
                        .filter(|s| s.parse::<usize>().is_err())
                        .collect();
                    *unknown
                        .entry(format!(
                            "{} {}",
                            d["kind"].as_str().unwrap_or(""),
                            path.join("/")
                        ))
                        .or_default() += 1;
                }
            }
        }
        let errs = schemas.check_conversion(&c);
        schema_errors += errs.len();
        for e in &errs {
            *classes.entry(schema_class(e)).or_default() += 1;
            if std::env::var_os("FLUXPORT_SCHEMA_DUMP").is_some() {
                println!("schema: {}: {e}", t.display());
            }
        }
    }
    println!("pre-GA objects in the after trees: {before:#?}");
    println!("findings by code: {by_code:#?}");
    println!("schema errors left: {schema_errors}; rejected or deleted files: {unreadable}");
    println!("schema errors by class: {classes:#?}");
    println!("fields the served schemas do not define (pruned by the API server): {unknown:#?}");
    println!("apiVersion rewrites, fluxport vs flux migrate -f: {versus:#?} {versus_examples:#?}");
    println!("objects fluxport upgraded with field rules (flux migrate -f changes only the version): {objects_with_field_rules}");
    assert!(!before.is_empty(), "the after trees hold pre-GA objects");
    assert!(
        versus
            .get("both rewrite the apiVersion")
            .copied()
            .unwrap_or(0)
            > 0
    );
    assert!(by_code.get("UPGRADE_API").copied().unwrap_or(0) >= before.values().sum::<usize>() / 2);
}

/// The 1-based lines whose apiVersion `flux migrate -f --version 2.9` rewrites, by the
/// rule of `fluxcd/flux2:cmd/flux/migrate.go#FileSystemMigrator.detectFileUpgrades`
/// (read there, written here from its description): a line containing `apiVersion: `,
/// its value up to the first space, the next line containing `kind: `, its value up to
/// the first space; the (group, kind) has a latest version other than the one written.
/// Its map is the same as fluxport's for every kind fluxport knows (docs/preGA-upgrades.md).
fn migrate_f_lines(text: &str) -> Vec<usize> {
    let lines: Vec<&str> = text.split('\n').collect();
    let value = |l: &str, key: &str| -> Option<String> {
        let at = l.find(key)?;
        let v = l[at + key.len()..].trim();
        Some(v.split(' ').next().unwrap_or("").to_string())
    };
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let Some(api) = value(l, "apiVersion: ") else {
            continue;
        };
        let Some(kind) = lines.get(i + 1).and_then(|k| value(k, "kind: ")) else {
            continue;
        };
        if fluxport_core::verify::served::upgrade_to(&api, &kind, FluxVersion::V2_9).is_some() {
            out.push(i + 1);
        }
    }
    out
}

#[test]
fn migrate_f_rule_twins() {
    // Rewritten: kind on the next line, a trailing comment, quoting aside.
    let text = "apiVersion: helm.toolkit.fluxcd.io/v2beta1 # old\nkind: HelmRelease\n---\nkind: HelmRelease\napiVersion: helm.toolkit.fluxcd.io/v2beta1\nmetadata: {}\n---\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\n";
    assert_eq!(migrate_f_lines(text), [1]);
}

/// What kind of schema error one message is, for the counts of the after-tree test.
fn schema_class(e: &str) -> String {
    let kind = e
        .split(' ')
        .skip_while(|w| !w.contains(".toolkit.fluxcd.io/"))
        .take(2)
        .collect::<Vec<_>>()
        .join(" ");
    let at = e.rsplit(" at ").next().unwrap_or("");
    if e.contains("no served CRD version") {
        format!("{kind}: not upgraded (left pre-GA)")
    } else if e.contains("is a required property") && (at == "/spec" || at.is_empty() || at == "/")
    {
        format!("{kind}: required field missing at {at:?} (a patch fragment)")
    } else if at.contains("/valuesFrom/") {
        format!("{kind}: valuesFrom item")
    } else if let Some(extra) = e.split("Additional properties are not allowed (").nth(1) {
        format!(
            "{kind}: unknown field {} at {at}",
            extra.split(' ').next().unwrap_or("")
        )
    } else {
        let msg = e.rsplit(": ").next().unwrap_or(e);
        format!("{kind}: {msg}")
    }
}

/// A kustomize patch selects its target by group/version/kind: patches of an upgraded
/// object must name its new version, or the overlay's build fails ("no matches for
/// Id HelmRelease.v2beta1..."; seen on hmcts's own migration, apps/mi/prod/01).
#[test]
fn kustomize_patches_of_upgraded_objects_name_the_new_version() {
    let kust = "\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - hr.yaml
patchesStrategicMerge:
  - |-
    apiVersion: helm.toolkit.fluxcd.io/v2beta1 # inline
    kind: HelmRelease
    metadata:
      name: podinfo
    $patch: delete
patches:
  - target:
      group: helm.toolkit.fluxcd.io
      version: v2beta1
      kind: HelmRelease
      name: podinfo
    patch: |-
      - op: replace
        path: /spec/interval
        value: 1m
";
    let run = |k: &str| {
        fluxport_core::convert(
            &[
                InputFile::new("app/hr.yaml", HR_V2BETA1),
                InputFile::new("app/kustomization.yaml", k),
            ],
            &Options::default(),
        )
    };
    let c = run(kust);
    let out = std::str::from_utf8(&c.file("app/kustomization.yaml").unwrap().bytes)
        .unwrap()
        .to_string();
    assert_eq!(
        out,
        kust.replace("v2beta1 # inline", "v2 # inline")
            .replace("version: v2beta1", "version: v2"),
        "only the two versions change"
    );
    let at: Vec<(String, usize)> = c
        .report
        .findings
        .iter()
        .filter(|f| f.code == Code::UPGRADE_API && f.file == "app/kustomization.yaml")
        .map(|f| (f.file.clone(), f.line))
        .collect();
    assert_eq!(
        at,
        vec![
            ("app/kustomization.yaml".to_string(), 7),
            ("app/kustomization.yaml".to_string(), 15)
        ]
    );
    // The clean twin: patches already on the served version stay byte-identical, and
    // converting the output again changes nothing.
    let served = kust.replace("v2beta1", "v2");
    let c2 = run(&served);
    let f = c2.file("app/kustomization.yaml").unwrap();
    assert_eq!(f.status, FileStatus::Unchanged);
    assert_eq!(f.bytes, served.as_bytes());
    let again = fluxport_core::convert(&c.output_inputs(), &Options::default());
    assert_eq!(
        again.file("app/kustomization.yaml").unwrap().bytes,
        out.as_bytes()
    );
}

const KS_PATCHES: &str = "\
apiVersion: kustomize.toolkit.fluxcd.io/v1beta1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: 10m
  prune: true
  sourceRef:
    kind: GitRepository
    name: apps
  patchesStrategicMerge:
    # scale down
    - apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: web # the web app
      spec:
        replicas: 1
  patchesJson6902:
    - target:
        group: apps
        version: v1
        kind: Deployment
        name: web
      patch:
        - op: add
          path: /metadata/labels/tier
          value: web
";

const KS_PATCHES_V1: &str = "\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: 10m
  prune: true
  sourceRef:
    kind: GitRepository
    name: apps
  patches:
    - target:
        group: apps
        version: v1
        kind: Deployment
        name: web
      patch: |
        - op: add
          path: /metadata/labels/tier
          value: web
    - patch: |
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web # the web app
        spec:
          replicas: 1
";

#[test]
fn kustomization_patches_become_patches_entries() {
    let c = convert(KS_PATCHES);
    let out = c.files[0].text();
    // The comment above a patch stays above its new entry.
    let want = KS_PATCHES_V1.replace("    - patch: |\n", "    # scale down\n    - patch: |\n");
    assert_eq!(out, want, "{out}");
    let renamed: Vec<usize> = c
        .report
        .findings
        .iter()
        .filter(|f| f.code == Code::UPGRADE_FIELD_RENAMED)
        .map(|f| f.line)
        .collect();
    assert_eq!(
        renamed,
        vec![12, 20],
        "one finding per old key, at its line"
    );
    assert!(Schemas::load().check_conversion(&c).is_empty());
    assert!(common::changed_on_reconversion(&c, &Options::default()).is_empty());
    // The served twin is byte-identical.
    let c2 = convert(KS_PATCHES_V1);
    assert_eq!(c2.files[0].status, FileStatus::Unchanged);
    assert!(!codes(&c).contains(&Code::UPGRADE_FIELD_CHANGED));
    // With a targetNamespace, JSON 6902 patches now run before the namespace
    // transformer: said at the old key.
    let c =
        convert(&KS_PATCHES.replace("  prune: true\n", "  prune: true\n  targetNamespace: web\n"));
    let changed: Vec<usize> = c
        .report
        .findings
        .iter()
        .filter(|f| f.code == Code::UPGRADE_FIELD_CHANGED)
        .map(|f| f.line)
        .collect();
    assert_eq!(changed, vec![21]);
}

#[test]
fn helmrelease_post_renderer_patches_append_to_existing_patches() {
    let text = format!(
        "{HR_V2BETA1}  postRenderers:\n    - kustomize:\n        patches:\n          - patch: |\n              - op: remove\n                path: /metadata/labels/a\n            target:\n              kind: Service\n        patchesStrategicMerge:\n          - kind: Deployment\n            apiVersion: apps/v1\n            metadata: {{name: web}}\n            spec: {{replicas: 2}}\n        patchesJson6902:\n          - target: {{kind: Service, name: web}}\n            patch: [{{op: add, path: /spec/type, value: NodePort}}]\n"
    );
    let c = convert(&text);
    let out = c.files[0].text();
    let tail = "        patches:\n          - patch: |\n              - op: remove\n                path: /metadata/labels/a\n            target:\n              kind: Service\n          - target: {kind: Service, name: web}\n            patch: |\n              [{op: add, path: /spec/type, value: NodePort}]\n          - patch: |\n              kind: Deployment\n              apiVersion: apps/v1\n              metadata: {name: web}\n              spec: {replicas: 2}\n";
    assert!(out.ends_with(tail), "{out}");
    let renamed = c
        .report
        .findings
        .iter()
        .filter(|f| {
            f.code == Code::UPGRADE_FIELD_RENAMED && f.message.contains("order of application")
        })
        .count();
    assert_eq!(renamed, 2);
    assert!(
        Schemas::load().check_conversion(&c).is_empty(),
        "{:?}",
        Schemas::load().check_conversion(&c)
    );
    assert!(common::changed_on_reconversion(&c, &Options::default()).is_empty());
}

#[test]
fn anchored_patches_stay_unconverted() {
    let text = KS_PATCHES.replace(
        "    - apiVersion: apps/v1\n",
        "    - &p\n      apiVersion: apps/v1\n",
    );
    let c = convert(&text);
    let out = c.files[0].text();
    assert!(
        out.contains("  patchesStrategicMerge:\n    # scale down\n    - &p\n"),
        "{out}"
    );
    assert!(out.contains("  patches:\n    - target:\n"), "{out}");
    let u: Vec<_> = c
        .report
        .findings
        .iter()
        .filter(|f| f.code == Code::UPGRADE_FIELD_UNCONVERTED)
        .map(|f| f.line)
        .collect();
    assert_eq!(u, vec![12]);
}

#[test]
fn helmrelease_v2beta1_drift_detection_and_max_history_are_reported() {
    let text = HR_V2BETA1.replace(
        "  interval: 5m\n",
        "  interval: 5m\n  driftDetection:\n    mode: enabled\n",
    );
    let c = convert(&text);
    let f: Vec<(Code, usize)> = c
        .report
        .findings
        .iter()
        .filter(|f| {
            matches!(
                f.code,
                Code::UPGRADE_FIELD_CHANGED | Code::UPGRADE_DEFAULT_CHANGED
            )
        })
        .map(|f| (f.code, f.line))
        .collect();
    assert_eq!(
        f,
        vec![
            (Code::UPGRADE_DEFAULT_CHANGED, 8),
            (Code::UPGRADE_FIELD_CHANGED, 9)
        ]
    );
    assert!(c.files[0]
        .text()
        .contains("  driftDetection:\n    mode: enabled\n"));
    // v2beta2 had driftDetection in effect and maxHistory 5 already: nothing to say.
    let c = convert(&text.replace("v2beta1", "v2beta2"));
    assert!(!codes(&c).iter().any(|c| matches!(
        c,
        Code::UPGRADE_FIELD_CHANGED | Code::UPGRADE_DEFAULT_CHANGED
    )));
    // With maxHistory set, no default note.
    let c = convert(&HR_V2BETA1.replace("  interval: 5m\n", "  interval: 5m\n  maxHistory: 3\n"));
    assert!(!codes(&c).contains(&Code::UPGRADE_DEFAULT_CHANGED));
}

#[test]
fn source_fields_removed_or_renamed_in_v1() {
    let chart = "apiVersion: source.toolkit.fluxcd.io/v1beta2\nkind: HelmChart\nmetadata:\n  name: c\n  namespace: default\nspec:\n  chart: podinfo\n  valuesFile: values-prod.yaml\n  accessFrom:\n    namespaceSelectors:\n      - matchLabels: {a: b}\n  sourceRef:\n    kind: HelmRepository\n    name: podinfo\n  interval: 5m\n";
    let c = convert(chart);
    let out = c.files[0].text();
    assert_eq!(
        out,
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmChart\nmetadata:\n  name: c\n  namespace: default\nspec:\n  chart: podinfo\n  valuesFiles: [values-prod.yaml]\n  sourceRef:\n    kind: HelmRepository\n    name: podinfo\n  interval: 5m\n"
    );
    assert!(codes(&c).contains(&Code::UPGRADE_FIELD_DROPPED));
    assert!(Schemas::load().check_conversion(&c).is_empty());
    let bucket = "apiVersion: source.toolkit.fluxcd.io/v1beta1\nkind: Bucket\nmetadata:\n  name: b\n  namespace: default\nspec:\n  bucketName: b\n  endpoint: minio:9000\n  interval: 5m\n  accessFrom:\n    namespaceSelectors: []\n";
    let c = convert(bucket);
    assert!(!c.files[0].text().contains("accessFrom"));
    assert!(
        Schemas::load().check_conversion(&c).is_empty(),
        "{:?}",
        Schemas::load().check_conversion(&c)
    );
    // HelmRepository: every v1beta1/v1beta2 field is in v1 (accessFrom and
    // passCredentials stay); a timeout in hours is not accepted by v1's pattern.
    let repo = "apiVersion: source.toolkit.fluxcd.io/v1beta1\nkind: HelmRepository\nmetadata:\n  name: r\n  namespace: default\nspec:\n  url: https://charts.example.com\n  interval: 1h\n  timeout: 1h\n  passCredentials: true\n  accessFrom:\n    namespaceSelectors: []\n";
    let c = convert(repo);
    assert!(c.files[0]
        .text()
        .contains("  timeout: 1h\n  passCredentials: true\n  accessFrom:\n"));
    let u: Vec<usize> = c
        .report
        .findings
        .iter()
        .filter(|f| f.code == Code::UPGRADE_FIELD_UNCONVERTED)
        .map(|f| f.line)
        .collect();
    assert_eq!(u, vec![9]);
    assert_eq!(
        Schemas::load().check_conversion(&c).len(),
        1,
        "the timeout, as reported"
    );
    let c = convert(&repo.replace("timeout: 1h", "timeout: 90s"));
    assert!(!codes(&c).contains(&Code::UPGRADE_FIELD_UNCONVERTED));
    assert!(Schemas::load().check_conversion(&c).is_empty());
}

const IUA_V1ALPHA1: &str = "\
apiVersion: image.toolkit.fluxcd.io/v1alpha1
kind: ImageUpdateAutomation
metadata:
  name: auto
  namespace: flux-system
spec:
  checkout:
    gitRepositoryRef:
      name: auto-repo # the repo
    branch: main
  interval: 5m
  update:
    strategy: Setters
    path: ./app
  commit:
    authorName: fluxbot
    authorEmail: fluxbot@example.com
    messageTemplate: |
      An automated update from FluxBot

      [ci skip]
    signingKey:
      secretRef:
        name: git-pgp
  push:
    branch: auto
";

#[test]
fn image_update_automation_v1alpha1_moves_below_git() {
    let c = convert(IUA_V1ALPHA1);
    let out = c.files[0].text();
    let want = "\
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImageUpdateAutomation
metadata:
  name: auto
  namespace: flux-system
spec:
  sourceRef:
    kind: GitRepository
    name: auto-repo # the repo
  git:
    checkout:
      ref:
        branch: main
    commit:
      author:
        name: fluxbot
        email: fluxbot@example.com
      messageTemplate: |
        An automated update from FluxBot

        [ci skip]
      signingKey:
        secretRef:
          name: git-pgp
    push:
      branch: auto
  interval: 5m
  update:
    strategy: Setters
    path: ./app
";
    assert_eq!(out, want, "{out}");
    let renamed: Vec<usize> = c
        .report
        .findings
        .iter()
        .filter(|f| f.code == Code::UPGRADE_FIELD_RENAMED)
        .map(|f| f.line)
        .collect();
    assert_eq!(renamed, vec![7, 15, 25]);
    assert!(
        Schemas::load().check_conversion(&c).is_empty(),
        "{:?}",
        Schemas::load().check_conversion(&c)
    );
    assert!(common::changed_on_reconversion(&c, &Options::default()).is_empty());
    // The served twin is byte-identical.
    assert_eq!(convert(want).files[0].status, FileStatus::Unchanged);
    // A shape it does not know (an extra key) is left, with a finding per field.
    let odd = IUA_V1ALPHA1.replace("    branch: main\n", "    branch: main\n    depth: 1\n");
    let c = convert(&odd);
    assert!(c.files[0]
        .text()
        .contains("  checkout:\n    gitRepositoryRef:\n"));
    assert_eq!(
        codes(&c)
            .iter()
            .filter(|c| **c == Code::UPGRADE_FIELD_UNCONVERTED)
            .count(),
        3
    );
}

#[test]
fn updated_template_data_is_reported() {
    let text = IUA_V1ALPHA1.replace(
        "An automated update from FluxBot",
        "{{range .Updated.Images}}{{println .}}{{end}}",
    );
    let c = convert(&text);
    let f: Vec<usize> = c
        .report
        .findings
        .iter()
        .filter(|f| f.code == Code::UPGRADE_FIELD_UNCONVERTED)
        .map(|f| f.line)
        .collect();
    assert_eq!(f, vec![18]);
    assert!(!codes(&convert(IUA_V1ALPHA1)).contains(&Code::UPGRADE_FIELD_UNCONVERTED));
}

#[test]
fn image_policy_v1alpha1_gets_the_version_only() {
    let text = "apiVersion: image.toolkit.fluxcd.io/v1alpha1\nkind: ImagePolicy\nmetadata:\n  name: p\n  namespace: flux-system\nspec:\n  imageRepositoryRef:\n    name: r\n  filterTags:\n    pattern: '^main-[a-f0-9]+-(?P<ts>[0-9]+)'\n    extract: '$ts'\n  policy:\n    numerical:\n      order: asc\n";
    let c = convert(text);
    assert_eq!(c.files[0].text(), text.replace("v1alpha1", "v1"));
    assert_eq!(upgrade_codes(&c), vec![Code::UPGRADE_API]);
    assert!(Schemas::load().check_conversion(&c).is_empty());
}

/// The golden cases of the upgrade stage: every Flux object of their output trees is on
/// a served version and valid against `../shared/crds`.
#[test]
fn upgrade_goldens_validate_against_the_served_crds() {
    let schemas = Schemas::load();
    let mut checked = 0;
    for case in ["upgrade-preGA", "upgrade-preGA-fields"] {
        let out = common::repo_root()
            .join("tests/golden")
            .join(case)
            .join("out.golden");
        for i in read_dir_inputs(&out) {
            let text = std::str::from_utf8(&i.bytes).unwrap();
            for d in docs(text) {
                let (Some(a), Some(k)) = (d["apiVersion"].as_str(), d["kind"].as_str()) else {
                    continue;
                };
                assert!(
                    not_served(a, k, FluxVersion::V2_9).is_none(),
                    "{case}/{}: {k} {a}",
                    i.path
                );
                let errs = schemas.check(&d);
                assert!(errs.is_empty(), "{case}/{}: {errs:?}", i.path);
                let unknown = schemas.unknown_fields(&d);
                assert!(unknown.is_empty(), "{case}/{}: {unknown:?}", i.path);
                checked += 1;
            }
        }
    }
    assert!(checked >= 15, "{checked} objects");
    // The planted twin: an input (pre-GA) object with its apiVersion forced to the
    // served one keeps its old fields, and they show.
    let text = std::fs::read_to_string(
        common::repo_root().join("tests/golden/upgrade-preGA-fields/in/image-automation.yaml"),
    )
    .unwrap()
    .replace("v1alpha1", "v1");
    let iua = &docs(&text)[0];
    assert_eq!(
        schemas.unknown_fields(iua),
        vec!["/spec/checkout", "/spec/commit", "/spec/push"]
    );
}

/// `--flux-version`: flux2's `cmd/flux/migrate.go#latestAPIVersions` gives 2.7, 2.8 and
/// 2.9 the same targets (`flux27LatestAPIVersions`), so each minor writes the same
/// apiVersions; what differs is which old versions the minor still serves, which the
/// UPGRADE_API message says (the pre-flight side is `tests/verify.rs`).
#[test]
fn each_flux_version_writes_its_target_versions() {
    let policy = "\
apiVersion: image.toolkit.fluxcd.io/v1beta2
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
    let input = format!("{KS_V1BETA2}---\n{policy}---\n{HR_V2BETA1}");
    let mut outputs = Vec::new();
    for flux in FluxVersion::ALL {
        let opts = Options {
            flux_version: flux,
            ..Options::default()
        };
        let c = fluxport_core::convert(&[InputFile::new("in.yaml", input.as_str())], &opts);
        let out = c.file("in.yaml").unwrap().text().to_string();
        let versions: Vec<String> = docs(&out)
            .iter()
            .map(|d| {
                format!(
                    "{} {}",
                    d["kind"].as_str().unwrap(),
                    d["apiVersion"].as_str().unwrap()
                )
            })
            .collect();
        assert_eq!(
            versions,
            [
                "Kustomization kustomize.toolkit.fluxcd.io/v1",
                "ImagePolicy image.toolkit.fluxcd.io/v1",
                "HelmRelease helm.toolkit.fluxcd.io/v2",
            ],
            "Flux {flux}"
        );
        // Which upgraded versions this minor still served (deprecated).
        let still: Vec<&str> = c
            .report
            .findings
            .iter()
            .filter(|f| f.code == Code::UPGRADE_API && f.message.contains("still serves"))
            .map(|f| f.message.split(' ').next().unwrap())
            .collect();
        let want: &[&str] = match flux {
            FluxVersion::V2_7 => &["Kustomization", "ImagePolicy"],
            FluxVersion::V2_8 => &["ImagePolicy"],
            FluxVersion::V2_9 => &[],
        };
        assert_eq!(still, want, "Flux {flux}");
        outputs.push(out);
    }
    assert!(outputs.windows(2).all(|w| w[0] == w[1]));
    // v2beta1 was served by none of them (helm-controller v1.4 removed it).
    for flux in FluxVersion::ALL {
        assert!(not_served("helm.toolkit.fluxcd.io/v2beta1", "HelmRelease", flux).is_some());
    }
}

/// A Flux Kustomization's `spec.patches` name their targets by group/version/kind too
/// (kustomize-controller hands them to kustomize): a patch of a v2beta1 HelmRelease
/// names `v2` once its target is upgraded, whether the Kustomization itself is pre-GA
/// or already on v1 (seen in the hmcts after tree, `apps/base/kustomize.yaml`, which
/// `flux migrate -f` rewrites by its line rule). A patch of a kind not upgraded, or
/// already naming the target version, stays byte-identical.
#[test]
fn flux_kustomization_patches_name_the_new_version() {
    let ks = "\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: 10m
  path: ./apps
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
  patches:
    - patch: |-
        apiVersion: helm.toolkit.fluxcd.io/v2beta1
        kind: HelmRelease
        metadata:
          name: podinfo
        spec:
          interval: 1m
    - target:
        group: helm.toolkit.fluxcd.io
        version: v2beta2
        kind: HelmRelease
      patch: |-
        - op: replace
          path: /spec/interval
          value: 2m
    - patch: |-
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
";
    for (kind_version, want_ks) in [("v1", "v1"), ("v1beta2", "v1")] {
        let input = ks.replace(
            "kustomize.toolkit.fluxcd.io/v1\n",
            &format!("kustomize.toolkit.fluxcd.io/{kind_version}\n"),
        );
        let c = convert(&input);
        let out = c.file("in.yaml").unwrap().text().to_string();
        assert_eq!(
            out,
            ks.replace(
                "kustomize.toolkit.fluxcd.io/v1\n",
                &format!("kustomize.toolkit.fluxcd.io/{want_ks}\n")
            )
            .replace(
                "helm.toolkit.fluxcd.io/v2beta1",
                "helm.toolkit.fluxcd.io/v2"
            )
            .replace("version: v2beta2", "version: v2"),
            "from {kind_version}"
        );
        let lines: Vec<usize> = c
            .report
            .findings
            .iter()
            .filter(|f| f.code == Code::UPGRADE_API && f.line > 1)
            .map(|f| f.line)
            .collect();
        assert_eq!(lines, [15, 23], "from {kind_version}");
    }
    // The clean twin: patches on the served versions are left byte-identical.
    let served = ks
        .replace(
            "helm.toolkit.fluxcd.io/v2beta1",
            "helm.toolkit.fluxcd.io/v2",
        )
        .replace("version: v2beta2", "version: v2");
    let c = convert(&served);
    assert_eq!(c.file("in.yaml").unwrap().text(), served);
    assert!(upgrade_codes(&c).is_empty());
}
