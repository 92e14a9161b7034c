//! The no-data-lost invariants as properties over generated input: v1 HelmReleases
//! (random §2 fields, namespaces, targetNamespace, releaseName, chart sources, values
//! with comments), workloads with Flux v1 annotation sets, and plain documents.

mod common;

use common::{docs, Schemas};
use fluxport_core::repo::load::split_documents;
use fluxport_core::{convert, Code, Conversion, FileStatus, InputFile, Options};
use proptest::prelude::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::OnceLock;

fn schemas() -> &'static Schemas {
    static S: OnceLock<Schemas> = OnceLock::new();
    S.get_or_init(Schemas::load)
}

#[derive(Debug, Clone)]
struct Hr {
    name: String,
    namespace: Option<String>,
    target_namespace: Option<String>,
    release_name: Option<String>,
    chart: String,
    fields: Vec<String>,
    values: Vec<String>,
    annotations: Vec<String>,
}

impl Hr {
    fn yaml(&self) -> String {
        let mut s = String::from("apiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata:\n");
        s += &format!("  name: {}\n", self.name);
        if let Some(ns) = &self.namespace {
            s += &format!("  namespace: {ns}\n");
        }
        if !self.annotations.is_empty() {
            s += "  annotations:\n";
            for a in &self.annotations {
                s += &format!("    {a}\n");
            }
        }
        s += "spec:\n";
        if let Some(t) = &self.target_namespace {
            s += &format!("  targetNamespace: {t}\n");
        }
        if let Some(r) = &self.release_name {
            s += &format!("  releaseName: {r}\n");
        }
        s += &self.chart;
        for f in &self.fields {
            s += &format!("  {f}\n");
        }
        if !self.values.is_empty() {
            s += "  values:\n";
            for v in &self.values {
                s += &format!("    {v}\n");
            }
        }
        s
    }

    /// MAPPING.md §2.2, computed independently of the converter.
    fn v1_release_name(&self, default_ns: &str) -> String {
        let ns = self.namespace.as_deref().unwrap_or(default_ns);
        let tns = self.target_namespace.as_deref().unwrap_or(ns);
        match &self.release_name {
            Some(r) => r.clone(),
            None if ns != tns => format!("{ns}-{tns}-{}", self.name),
            None => format!("{tns}-{}", self.name),
        }
    }
}

fn dns_name(max: usize) -> impl Strategy<Value = String> {
    // Plain scalars only: skip names YAML 1.1 reads as something else (`y`, `on`, `no`).
    proptest::string::string_regex(&format!("[a-z]([a-z0-9-]{{0,{max}}}[a-z0-9])?"))
        .unwrap()
        .prop_filter("YAML 1.1 non-string", |s| {
            fluxport_core::yaml::plain_type(s) == fluxport_core::yaml::PlainType::Str
        })
}

fn chart() -> impl Strategy<Value = String> {
    let repo = (
        prop::sample::select(vec![
            "https://stefanprodan.github.io/podinfo",
            "https://charts.bitnami.com/bitnami",
            "https://kubernetes-charts.storage.googleapis.com",
            "https://charts.example.com/sub/path/",
        ]),
        dns_name(10),
        prop::sample::select(vec!["1.0.0", "5.0.3", "0.1.2-rc.1", "\"2.0\""]),
    )
        .prop_map(|(r, n, v)| {
            format!("  chart:\n    repository: {r}\n    name: {n}\n    version: {v}\n")
        });
    let git = (
        prop::sample::select(vec![
            "git@github.com:org/repo",
            "ssh://git@github.com/org/repo.git",
            "https://github.com/org/charts",
        ]),
        prop::option::of(prop::sample::select(vec!["master", "v1.2.3", "main"])),
        prop::sample::select(vec!["charts/app", "app", "./deploy/chart"]),
    )
        .prop_map(|(g, r, p)| {
            let mut s = format!("  chart:\n    git: {g}\n    path: {p}\n");
            if let Some(r) = r {
                s += &format!("    ref: {r}\n");
            }
            s
        });
    prop_oneof![repo, git]
}

fn fields() -> impl Strategy<Value = Vec<String>> {
    let field = prop_oneof![
        prop::sample::select(vec!["helmVersion: v2", "helmVersion: v3"]).prop_map(String::from),
        (1..3600i64).prop_map(|t| format!("timeout: {t}")),
        any::<bool>().prop_map(|b| format!("resetValues: {b}")),
        any::<bool>().prop_map(|b| format!("forceUpgrade: {b}")),
        any::<bool>().prop_map(|b| format!("wait: {b}")),
        any::<bool>().prop_map(|b| format!("skipCRDs: {b}")),
        any::<bool>().prop_map(|b| format!("disableOpenAPIValidation: {b}")),
        (0..20i64).prop_map(|m| format!("maxHistory: {m}")),
        (any::<bool>(), 0..5i64).prop_map(|(e, r)| format!(
            "rollback:\n    enable: {e}\n    retry: true\n    maxRetries: {r}"
        )),
        any::<bool>().prop_map(|e| format!("test:\n    enable: {e}")),
        dns_name(8).prop_map(|n| format!(
            "valuesFrom:\n  - configMapKeyRef:\n      name: {n}\n      key: values.yaml\n      optional: true"
        )),
    ];
    // Each key at most once (the v1 API has no duplicates).
    prop::collection::vec(field, 0..6).prop_map(|fs| {
        let mut seen = BTreeSet::new();
        fs.into_iter()
            .filter(|f| seen.insert(f.split(':').next().unwrap().to_string()))
            .collect()
    })
}

fn values() -> impl Strategy<Value = Vec<String>> {
    let v = prop_oneof![
        (dns_name(6), 0..1000i64).prop_map(|(k, n)| format!("k{k}: {n}")),
        (dns_name(6), "[a-z ]{0,10}").prop_map(|(k, s)| format!("s{k}: \"{s}\"")),
        (dns_name(6), "[a-z]{1,8}").prop_map(|(k, c)| format!("c{k}: x # {c}")),
        "[a-z]{1,8}".prop_map(|c| format!("# comment {c}")),
        dns_name(6).prop_map(|k| format!("m{k}:\n      nested: [1, 2]  # flow\n      other: |\n        line one\n        line two")),
        dns_name(6).prop_map(|k| format!("image{k}:\n      repository: ghcr.io/org/{k}\n      tag: 1.2.3")),
    ];
    prop::collection::vec(v, 0..5).prop_map(|vs| {
        let mut seen = BTreeSet::new();
        vs.into_iter()
            .filter(|v| v.starts_with('#') || seen.insert(v.split(':').next().unwrap().to_string()))
            .collect()
    })
}

fn annotations() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(
        prop::sample::select(vec![
            "fluxcd.io/automated: \"true\"",
            "fluxcd.io/tag.app: semver:~1.0",
            "fluxcd.io/ignore: \"false\"",
            "flux.weave.works/automated: \"false\"",
            "example.com/keep: \"yes\"",
            "filter.fluxcd.io/chart-image: glob:1.*",
        ]),
        0..3,
    )
    .prop_map(|mut a| {
        a.sort();
        a.dedup_by(|x, y| x.split(':').next() == y.split(':').next());
        a.into_iter().map(String::from).collect()
    })
}

fn hr() -> impl Strategy<Value = Hr> {
    (
        dns_name(20),
        prop::option::of(dns_name(10)),
        prop::option::of(prop_oneof![dns_name(10), Just("same".to_string())]),
        prop::option::of(dns_name(30)),
        chart(),
        fields(),
        values(),
        annotations(),
    )
        .prop_map(
            |(name, namespace, tns, release_name, chart, fields, values, annotations)| {
                // "same": targetNamespace set explicitly to the HR's own namespace.
                let target_namespace = tns.map(|t| {
                    if t == "same" {
                        namespace.clone().unwrap_or_else(|| "default".into())
                    } else {
                        t
                    }
                });
                Hr {
                    name,
                    namespace,
                    target_namespace,
                    release_name,
                    chart,
                    fields,
                    values,
                    annotations,
                }
            },
        )
}

fn workload() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec!["Deployment", "StatefulSet", "DaemonSet"]),
        dns_name(10),
        annotations(),
        prop::sample::select(vec!["nginx:1.19", "ghcr.io/org/app:v1.2.3", "redis"]),
    )
        .prop_map(|(kind, name, ann, image)| {
            let mut s = format!("apiVersion: apps/v1\nkind: {kind}\nmetadata:\n  name: {name}\n");
            if !ann.is_empty() {
                s += "  annotations:\n";
                for a in ann {
                    s += &format!("    {a}\n");
                }
            }
            s += &format!("spec:\n  template:\n    spec:\n      containers:\n      - name: main\n        image: {image} # keep me\n");
            s
        })
}

/// A repository: a few files, each of one or more documents.
fn repo() -> impl Strategy<Value = (Vec<InputFile>, Vec<Hr>)> {
    let doc = prop_oneof![
        3 => hr().prop_map(|h| (h.yaml(), Some(h))),
        1 => workload().prop_map(|w| (w, None)),
        1 => Just(("# just a comment\n".to_string(), None)),
        1 => Just(("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata: {a: '1'}\n".to_string(), None)),
    ];
    let file = prop::collection::vec(doc, 1..4);
    prop::collection::vec(
        (
            prop::sample::select(vec!["", "apps/", "apps/team/", "releases/"]),
            file,
        ),
        1..4,
    )
    .prop_map(|files| {
        let mut inputs = Vec::new();
        let mut hrs = Vec::new();
        for (i, (dir, docs)) in files.into_iter().enumerate() {
            let mut text = String::new();
            for (j, (d, h)) in docs.into_iter().enumerate() {
                if j > 0 {
                    text += "---\n";
                }
                text += &d;
                hrs.extend(h);
            }
            inputs.push(InputFile::new(format!("{dir}f{i}.yaml"), text));
        }
        (inputs, hrs)
    })
}

fn outputs_as_inputs(c: &Conversion) -> Vec<InputFile> {
    c.files
        .iter()
        .filter(|f| f.status != FileStatus::Deleted)
        .map(|f| InputFile::new(f.path.clone(), f.bytes.clone()))
        .collect()
}

fn all_objects(c: &Conversion) -> Vec<Value> {
    c.files
        .iter()
        .filter(|f| f.status != FileStatus::Deleted)
        .flat_map(|f| docs(f.text()))
        .collect()
}

fn check_accounted(inputs: &[InputFile], c: &Conversion) -> Result<(), TestCaseError> {
    let objs = all_objects(c);
    for input in inputs {
        let text = std::str::from_utf8(&input.bytes).unwrap();
        let out = c.file(&input.path);
        prop_assert!(out.is_some(), "{} missing from the output", input.path);
        let out = out.unwrap();
        let mut line = 1;
        for (s, e) in split_documents(text) {
            let chunk = &text[s..e];
            let lines = chunk.matches('\n').count();
            let body = chunk.strip_prefix("---\n").unwrap_or(chunk);
            let kept = out.text().contains(body);
            let named = c.report.findings.iter().any(|f| {
                f.file == input.path
                    && (f.line == 0 || (f.line >= line && f.line < line + lines.max(1)))
            });
            let converted = docs(chunk).first().is_some_and(|d| {
                d["kind"] == "HelmRelease"
                    && objs.iter().any(|o| {
                        o["apiVersion"] == "helm.toolkit.fluxcd.io/v2"
                            && o["metadata"]["name"] == d["metadata"]["name"]
                    })
            });
            // Edited in place (annotations removed, markers added): the same object is
            // still in the output.
            let edited = docs(chunk).first().is_some_and(|d| {
                objs.iter().any(|o| {
                    o["apiVersion"] == d["apiVersion"]
                        && o["kind"] == d["kind"]
                        && o["metadata"]["name"] == d["metadata"]["name"]
                        && o["spec"] == d["spec"]
                })
            });
            prop_assert!(
                kept || named || converted || edited,
                "document at {}:{line} lost:\n{chunk}\n--- output:\n{}",
                input.path,
                out.text()
            );
            line += lines;
        }
    }
    Ok(())
}

fn check_release_names(hrs: &[Hr], c: &Conversion, opts: &Options) -> Result<(), TestCaseError> {
    let objs = all_objects(c);
    for h in hrs {
        let want = h.v1_release_name(&opts.default_namespace);
        let ns = h.namespace.as_deref().unwrap_or(&opts.default_namespace);
        let found: Vec<&Value> = objs
            .iter()
            .filter(|o| {
                o["apiVersion"] == "helm.toolkit.fluxcd.io/v2"
                    && o["metadata"]["name"] == h.name.as_str()
                    && o["metadata"]["namespace"] == ns
            })
            .collect();
        if want.len() > 53 {
            prop_assert!(c
                .report
                .findings
                .iter()
                .any(|f| f.code == Code::RELEASE_NAME_TOO_LONG));
            prop_assert!(found
                .iter()
                .all(|o| o["spec"]["releaseName"] != want.as_str()));
            continue;
        }
        // Two generated HRs may share name and namespace, or map to one Helm release.
        // In one unit (one file, one directory or one build) the first definition
        // converts and a later one is refused, named by DUPLICATE_OBJECT or
        // RELEASE_CLASH (issue 15); in two directories both convert (they may be synced
        // to two clusters), and any one must match.
        let refused = c.report.findings.iter().any(|f| {
            (f.code == Code::DUPLICATE_OBJECT
                && f.message
                    .starts_with(&format!("HelmRelease {ns}/{} is defined twice", h.name)))
                || (f.code == Code::RELEASE_CLASH
                    && f.message.starts_with(&format!(
                        "HelmRelease {ns}/{} maps to Helm release `{want}`",
                        h.name
                    )))
        });
        prop_assert!(
            refused
                || found
                    .iter()
                    .any(|o| o["spec"]["releaseName"] == want.as_str()),
            "release {want} not found for {}/{}: {:?}",
            ns,
            h.name,
            found
                .iter()
                .map(|o| &o["spec"]["releaseName"])
                .collect::<Vec<_>>()
        );
    }
    Ok(())
}

/// Every `{"$imagepolicy": "ns:name"}` marker names an ImagePolicy in the output.
/// Passes vacuously while image automation emits no markers.
fn check_markers(c: &Conversion) -> Result<(), TestCaseError> {
    let objs = all_objects(c);
    let policies: BTreeSet<String> = objs
        .iter()
        .filter(|o| o["kind"] == "ImagePolicy")
        .map(|o| {
            format!(
                "{}:{}",
                o["metadata"]["namespace"].as_str().unwrap_or(""),
                o["metadata"]["name"].as_str().unwrap_or("")
            )
        })
        .collect();
    for f in &c.files {
        for l in f.text().lines() {
            if let Some(i) = l.find("{\"$imagepolicy\": \"") {
                let rest = &l[i + 17..];
                let reference = rest.split('"').next().unwrap_or("");
                let policy = reference
                    .splitn(3, ':')
                    .take(2)
                    .collect::<Vec<_>>()
                    .join(":");
                prop_assert!(
                    policies.contains(&policy),
                    "{}: marker for missing policy {policy}",
                    f.path
                );
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn invariants_hold(
        (inputs, hrs) in repo(),
        idiomatic in any::<bool>(),
        inline in any::<bool>(),
        rotate in 0..4usize,
    ) {
        let mut opts = Options::default();
        if idiomatic {
            opts.mode = fluxport_core::Mode::Idiomatic;
        }
        if inline {
            opts.sources_placement = fluxport_core::SourcesPlacement::Inline;
        }
        let c = convert(&inputs, &opts);

        let errs = schemas().check_conversion(&c);
        prop_assert!(errs.is_empty(), "schema errors: {errs:#?}");

        check_accounted(&inputs, &c)?;
        check_release_names(&hrs, &c, &opts)?;
        check_markers(&c)?;

        // Converting the output again is the identity.
        let again = convert(&outputs_as_inputs(&c), &opts);
        for f in &again.files {
            prop_assert!(f.status.passed_through(), "second run changed {}:\n{}", &f.path, f.text());
        }

        // Independent of input order.
        let mut rev = inputs.clone();
        rev.reverse();
        let n = rev.len();
        rev.rotate_left(rotate % n);
        let r = convert(&rev, &opts);
        let key = |c: &Conversion| {
            let mut v: Vec<(String, Vec<u8>, FileStatus)> =
                c.files.iter().map(|f| (f.path.clone(), f.bytes.clone(), f.status)).collect();
            v.sort_by(|a, b| a.0.cmp(&b.0));
            v
        };
        prop_assert_eq!(key(&c), key(&r));
        prop_assert_eq!(&c.report.findings, &r.report.findings);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    /// Any string the emitter writes reads back as the same string (never as a number,
    /// bool, null, or a different text).
    #[test]
    fn quote_round_trips(s in tricky_string()) {
        let text = format!("k: {}\n", fluxport_core::yaml::emit::quote(&s));
        let p = fluxport_core::yaml::parse_document(&text, 8, 8);
        prop_assert!(p.is_ok(), "{text:?}: {:?}", p.err());
        let root = p.unwrap().root.unwrap();
        let v = root.get("k").unwrap();
        prop_assert!(v.is_string(), "{text:?} is not a string");
        prop_assert_eq!(v.as_str(), Some(s.as_str()), "{:?}", text);
        // YAML 1.1 readers (go-yaml, Kubernetes) also treat U+0085, U+2028 and U+2029
        // as line breaks: they must never be written raw.
        prop_assert!(!text.contains(['\u{85}', '\u{2028}', '\u{2029}', '\u{feff}']), "{:?}", text);
    }
}

fn tricky_string() -> impl Strategy<Value = String> {
    let special = prop::sample::select(vec![
        '\u{85}', '\u{2028}', '\u{2029}', '\u{feff}', '\u{0}', '\u{7f}', '\u{a0}', '\t', '\n',
        '\r', ' ', '#', ':', '-', '?', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`', '{', '}',
        '[', ']', ',', '.', '0', '1', 'x', 'e', 'y', 'n', '~', '_', '+', '\\',
    ]);
    let c = prop_oneof![3 => special, 1 => any::<char>()];
    prop_oneof![
        prop::collection::vec(c, 0..10).prop_map(|v| v.into_iter().collect::<String>()),
        prop::sample::select(vec![
            "yes",
            "No",
            "on",
            "OFF",
            "~",
            "null",
            "0x1F",
            "0o17",
            "1_000",
            "1e3",
            ".inf",
            "-.INF",
            ".NaN",
            "+1",
            "0b101",
            "1:20",
            "2001-12-14",
            "<<",
            "=",
            "- a",
            "--- x",
        ])
        .prop_map(String::from),
    ]
}

/// A pre-GA Kustomization or HelmRelease with random optional fields and comments
/// (docs/preGA-upgrades.md), and the lines the upgrade may change.
fn pre_ga() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        prop_oneof![Just("v1beta1"), Just("v1beta2")],
        prop_oneof![Just("v2beta1"), Just("v2beta2")],
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        dns_name(20),
    )
        .prop_map(|(is_ks, kv, hv, opt_a, opt_b, comment, name)| {
            let c = if comment { " # kept" } else { "" };
            if is_ks {
                format!(
                    "apiVersion: kustomize.toolkit.fluxcd.io/{kv}\nkind: Kustomization\nmetadata:\n  name: {name}\n  namespace: flux-system\nspec:\n  interval: 10m{c}\n{}{}  path: ./\n  sourceRef:\n    kind: GitRepository\n    name: {name}\n",
                    if opt_a { "  validation: client\n" } else { "" },
                    if opt_b { "  prune: true\n" } else { "" },
                )
            } else {
                format!(
                    "apiVersion: helm.toolkit.fluxcd.io/{hv}\nkind: HelmRelease\nmetadata:\n  name: {name}\n  namespace: apps\nspec:\n  interval: 5m{c}\n  chart:\n    spec:\n      chart: {name}\n{}      sourceRef:\n        kind: HelmRepository\n        name: {name}\n{}",
                    if opt_a { format!("      valuesFile: values.yaml{c}\n") } else { String::new() },
                    if opt_b { "  values:\n    a: 1\n" } else { "" },
                )
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// The upgrade stage: the output validates against the served CRDs, every line it
    /// has no rule for survives as it was, and converting the output again changes
    /// nothing (nothing pre-GA is left, so it is byte-identical).
    #[test]
    fn pre_ga_upgrade_is_valid_minimal_and_idempotent(text in pre_ga()) {
        let inputs = vec![InputFile::new("flux.yaml", text.clone())];
        let opts = Options::default();
        let c = convert(&inputs, &opts);
        let errs = schemas().check_conversion(&c);
        prop_assert!(errs.is_empty(), "schema errors: {errs:#?}");
        let out = c.files[0].text();
        for line in text.lines() {
            let ruled = ["apiVersion:", "validation:", "valuesFile:"]
                .iter()
                .any(|k| line.trim_start().starts_with(k));
            prop_assert!(ruled || out.lines().any(|l| l == line), "lost {line:?}:\n{out}");
        }
        let again = convert(&outputs_as_inputs(&c), &opts);
        prop_assert_eq!(again.files[0].text(), out);
        prop_assert!(!again.report.findings.iter().any(|f| f.code.as_str().starts_with("UPGRADE_")));
    }
}
