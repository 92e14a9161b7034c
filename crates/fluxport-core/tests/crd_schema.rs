//! The embedded CRD schemas (`src/verify/crds.json`) against `../shared/crds`; the
//! CEL-coverage tests (a Rust check for every rule, a planted violation and a clean twin
//! for every rule); the CRD `pattern`s under regex-lite. The CRDs are read once per
//! test binary ([`from_crds`]).
//!
//! `FLUXPORT_BLESS=1 cargo test -p fluxport-core --test crd_schema` rewrites crds.json.

mod common;

use common::{docs, shared};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// Keywords the checker reads; everything else (descriptions, defaults of no use to a
/// check, `x-kubernetes-list-type`, ...) is dropped to keep the wasm small.
const KEEP: &[&str] = &[
    "type",
    "properties",
    "items",
    "required",
    "enum",
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "minItems",
    "maxItems",
    "additionalProperties",
    "default",
    "x-kubernetes-int-or-string",
    "x-kubernetes-preserve-unknown-fields",
    "x-kubernetes-validations",
    // Only `map` and `set` (uniqueness); `atomic` says nothing to validation.
    "x-kubernetes-list-type",
    "x-kubernetes-list-map-keys",
];

fn compact(s: &Value) -> Value {
    let Some(m) = s.as_object() else {
        return s.clone();
    };
    let mut out = Map::new();
    for (k, v) in m {
        if !KEEP.contains(&k.as_str()) {
            continue;
        }
        let v = match k.as_str() {
            "properties" => Value::Object(
                v.as_object()
                    .unwrap()
                    .iter()
                    .map(|(p, s)| (p.clone(), compact(s)))
                    .collect(),
            ),
            "items" | "additionalProperties" => compact(v),
            "x-kubernetes-validations" => Value::Array(
                v.as_array()
                    .unwrap()
                    .iter()
                    .map(|r| {
                        let mut o = Map::new();
                        o.insert("rule".into(), r["rule"].clone());
                        o.insert("message".into(), r["message"].clone());
                        Value::Object(o)
                    })
                    .collect(),
            ),
            // A default only matters where a CEL rule reads the field (a scalar).
            "default" if v.is_object() || v.is_array() => continue,
            "x-kubernetes-list-type" if v == "atomic" => continue,
            _ => v.clone(),
        };
        out.insert(k.clone(), v);
    }
    Value::Object(out)
}

/// `{"group/version/Kind": compact schema}` of every served version of every Flux v2 CRD,
/// read and parsed once per test binary.
fn from_crds() -> &'static BTreeMap<String, Value> {
    static CRDS: OnceLock<BTreeMap<String, Value>> = OnceLock::new();
    CRDS.get_or_init(read_crds)
}

fn read_crds() -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(shared().join("crds")).expect("../shared/crds") {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        if !name.contains(".toolkit.fluxcd.io_") || !name.ends_with(".yaml") {
            continue;
        }
        for crd in docs(&std::fs::read_to_string(&p).unwrap()) {
            let group = crd["spec"]["group"].as_str().unwrap().to_string();
            let kind = crd["spec"]["names"]["kind"].as_str().unwrap().to_string();
            for v in crd["spec"]["versions"].as_array().unwrap() {
                if v["served"] == Value::Bool(true) {
                    let key = format!("{group}/{}/{kind}", v["name"].as_str().unwrap());
                    out.insert(key, compact(&v["schema"]["openAPIV3Schema"]));
                }
            }
        }
    }
    assert!(out.len() >= 10, "CRD schemas not found");
    out
}

#[test]
fn embedded_schemas_match_the_crds() {
    let map: Map<String, Value> = from_crds().clone().into_iter().collect();
    let text = serde_json::to_string(&Value::Object(map)).unwrap() + "\n";
    let path = common::repo_root().join("crates/fluxport-core/src/verify/crds.json");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if std::env::var_os("FLUXPORT_BLESS").is_some() {
        std::fs::write(&path, &text).unwrap();
        return;
    }
    assert!(
        committed == text,
        "src/verify/crds.json is stale against ../shared/crds: rerun with FLUXPORT_BLESS=1"
    );
}

fn rules(s: &Value, path: &str, out: &mut Vec<(String, String)>) {
    for r in s["x-kubernetes-validations"]
        .as_array()
        .into_iter()
        .flatten()
    {
        out.push((path.to_string(), r["rule"].as_str().unwrap().to_string()));
    }
    for (k, v) in s["properties"].as_object().into_iter().flatten() {
        rules(v, &format!("{path}.{k}"), out);
    }
    if s["items"].is_object() {
        rules(&s["items"], &format!("{path}[]"), out);
    }
    if s["additionalProperties"].is_object() {
        rules(&s["additionalProperties"], &format!("{path}{{}}"), out);
    }
}

/// Every `x-kubernetes-validations` rule of the CRDs has a Rust check in
/// `verify::cel::CHECKS`, keyed by its exact text and where it sits.
#[test]
fn every_cel_rule_has_a_check() {
    let mut missing = Vec::new();
    let mut n = 0;
    for (key, schema) in from_crds() {
        let kind = key.rsplit('/').next().unwrap().to_string();
        let mut found = Vec::new();
        rules(schema, "", &mut found);
        for (path, rule) in found {
            n += 1;
            let path = path.trim_start_matches('.');
            if !fluxport_core::verify::cel::has_check(&kind, path, &rule) {
                missing.push(format!("{kind} {path}: {rule}"));
            }
        }
    }
    assert!(n >= 20, "only {n} rules found");
    assert!(
        missing.is_empty(),
        "CEL rules without a check in verify/cel.rs:\n{}",
        missing.join("\n")
    );
}

/// Every distinct `pattern` of every CRD in `../shared/crds` (all versions, served or
/// not), with where it first appears.
fn crd_patterns() -> BTreeMap<String, String> {
    fn walk(s: &Value, at: &str, out: &mut BTreeMap<String, String>) {
        match s {
            Value::Object(m) => {
                if let Some(p) = m.get("pattern").and_then(Value::as_str) {
                    out.entry(p.to_string()).or_insert_with(|| at.to_string());
                }
                for (k, v) in m {
                    walk(v, &format!("{at}.{k}"), out);
                }
            }
            Value::Array(a) => {
                for (i, v) in a.iter().enumerate() {
                    walk(v, &format!("{at}[{i}]"), out);
                }
            }
            _ => {}
        }
    }
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(shared().join("crds")).expect("../shared/crds") {
        let p = e.unwrap().path();
        if p.extension().and_then(|x| x.to_str()) != Some("yaml") {
            continue;
        }
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        for crd in docs(&std::fs::read_to_string(&p).unwrap()) {
            walk(&crd["spec"]["versions"], &name, &mut out);
        }
    }
    out
}

/// The CRDs' patterns are Go RE2; the pre-flight runs them with regex-lite. Fails naming
/// each pattern regex-lite cannot compile (it would go unchecked).
#[test]
fn every_crd_pattern_compiles_with_regex_lite() {
    let all = crd_patterns();
    println!("{} distinct patterns in ../shared/crds", all.len());
    assert!(all.len() >= 10, "only {} patterns found", all.len());
    let bad: Vec<String> = all
        .iter()
        .filter(|(p, _)| fluxport_core::verify::schema::pattern_holds(p, "").is_none())
        .map(|(p, at)| {
            format!(
                "{p}  (first at {at}): {}",
                regex_lite::Regex::new(p).unwrap_err()
            )
        })
        .collect();
    assert!(
        bad.is_empty(),
        "CRD patterns regex-lite does not compile:\n{}",
        bad.join("\n")
    );
}

/// `pattern` is an unanchored search (kube-openapi `validate.Pattern`: Go
/// `regexp.MatchString`), not a full match; an invalid pattern is not checked.
#[test]
fn pattern_is_an_unanchored_search() {
    use fluxport_core::verify::schema::pattern_holds;
    assert_eq!(
        pattern_holds("^https?://", "https://a.example/realm"),
        Some(true)
    );
    assert_eq!(pattern_holds("^https?://", "a.example"), Some(false));
    assert_eq!(pattern_holds("b", "abc"), Some(true));
    assert_eq!(pattern_holds("^b$", "abc"), Some(false));
    // `$` is the end of the text, not of a line (no multi-line mode, as in RE2).
    assert_eq!(pattern_holds("^a$", "a\nb"), Some(false));
    assert_eq!(pattern_holds("(", "x"), None);
    // A pattern outside the embedded schemas is compiled on the spot.
    assert_eq!(pattern_holds("^[0-9]{2}$", "42"), Some(true));
}

/// One CEL rule's planted violations and clean twin. `rule` is a piece of the rule's
/// text that names exactly one rule at (`kind`, `path`); each object is `spec` (YAML,
/// unindented) of an otherwise valid object of `kind`'s served version.
struct CelCase {
    kind: &'static str,
    path: &'static str,
    rule: &'static str,
    planted: &'static [&'static str],
    clean: &'static str,
}

const HR_CHART: &str = "interval: 5m\nchart:\n  spec:\n    chart: app\n    sourceRef:\n      kind: HelmRepository\n      name: charts\n";
const KS: &str = "interval: 10m\nprune: true\nsourceRef:\n  kind: GitRepository\n  name: repo\n";
const POLICY: &str = "imageRepositoryRef:\n  name: app\npolicy:\n  semver:\n    range: '>=1.0.0'\n";
const RECV: &str = "resources:\n  - kind: GitRepository\n    name: repo\n";
const OIDC: &str = "oidcProviders:\n  - issuerURL: https://issuer.example.com\n    validations:\n      - expression: 'true'\n        message: any\n";
const BUCKET: &str = "interval: 5m\nbucketName: b\nendpoint: s3.example.com\n";
const STS_AWS: &str = "sts:\n  provider: aws\n  endpoint: https://sts.amazonaws.com\n";
const STS_LDAP: &str = "sts:\n  provider: ldap\n  endpoint: https://ldap.example.com\n";
const GIT: &str = "interval: 1m\nurl: https://example.com/repo\n";
const CHART: &str = "interval: 1h\nchart: app\n";

/// Every CEL rule of the CRDs, planted (each object breaks that rule and no other) and
/// clean. `cel_rules_have_planted_cases` fails when a rule has no case here.
#[rustfmt::skip]
const CEL_CASES: &[CelCase] = &[
    // "either chart or chartRef must be set": both, and neither.
    CelCase { kind: "HelmRelease", path: "spec", rule: "has(self.chart) && !has(self.chartRef)",
        planted: &["{HR_CHART}chartRef:\n  kind: OCIRepository\n  name: app\n", "interval: 5m\n"],
        clean: "interval: 5m\nchartRef:\n  kind: OCIRepository\n  name: app\n" },
    CelCase { kind: "HelmRelease", path: "spec.install.strategy", rule: "self.name != 'RemediateOnFailure'",
        planted: &["{HR_CHART}install:\n  strategy:\n    name: RemediateOnFailure\n    retryInterval: 5m\n"],
        clean: "{HR_CHART}install:\n  strategy:\n    name: RetryOnFailure\n    retryInterval: 5m\n" },
    CelCase { kind: "HelmRelease", path: "spec.upgrade.strategy", rule: "self.name == 'RetryOnFailure'",
        planted: &["{HR_CHART}upgrade:\n  strategy:\n    name: RemediateOnFailure\n    retryInterval: 5m\n"],
        clean: "{HR_CHART}upgrade:\n  strategy:\n    name: RetryOnFailure\n    retryInterval: 5m\n" },
    CelCase { kind: "HelmRelease", path: "spec.kubeConfig", rule: "has(self.configMapRef) || has(self.secretRef)",
        planted: &["{HR_CHART}kubeConfig: {}\n"],
        clean: "{HR_CHART}kubeConfig:\n  secretRef:\n    name: kubeconfig\n" },
    CelCase { kind: "HelmRelease", path: "spec.kubeConfig", rule: "!has(self.configMapRef) || !has(self.secretRef)",
        planted: &["{HR_CHART}kubeConfig:\n  secretRef:\n    name: kubeconfig\n  configMapRef:\n    name: kubeconfig\n"],
        clean: "{HR_CHART}kubeConfig:\n  configMapRef:\n    name: kubeconfig\n" },
    CelCase { kind: "Kustomization", path: "spec.kubeConfig", rule: "has(self.configMapRef) || has(self.secretRef)",
        planted: &["{KS}kubeConfig: {}\n"],
        clean: "{KS}kubeConfig:\n  secretRef:\n    name: kubeconfig\n" },
    CelCase { kind: "Kustomization", path: "spec.kubeConfig", rule: "!has(self.configMapRef) || !has(self.secretRef)",
        planted: &["{KS}kubeConfig:\n  secretRef:\n    name: kubeconfig\n  configMapRef:\n    name: kubeconfig\n"],
        clean: "{KS}kubeConfig:\n  configMapRef:\n    name: kubeconfig\n" },
    // digestReflectionPolicy defaults to Never.
    CelCase { kind: "ImagePolicy", path: "spec", rule: "!has(self.interval) ||",
        planted: &["{POLICY}interval: 5m\n", "{POLICY}interval: 5m\ndigestReflectionPolicy: IfNotPresent\n"],
        clean: "{POLICY}interval: 5m\ndigestReflectionPolicy: Always\n" },
    CelCase { kind: "ImagePolicy", path: "spec", rule: "has(self.interval) || !has",
        planted: &["{POLICY}digestReflectionPolicy: Always\n"],
        clean: "{POLICY}digestReflectionPolicy: IfNotPresent\n" },
    CelCase { kind: "Provider", path: "spec", rule: "!has(self.commitStatusExpr)",
        planted: &["type: slack\ncommitStatusExpr: event.metadata.id\n"],
        clean: "type: gitea\ncommitStatusExpr: event.metadata.id\n" },
    CelCase { kind: "Receiver", path: "spec", rule: "size(self.oidcProviders) > 0",
        planted: &["type: generic-oidc\n{RECV}", "type: generic-oidc\n{RECV}oidcProviders: []\n"],
        clean: "type: generic-oidc\n{RECV}{OIDC}" },
    CelCase { kind: "Receiver", path: "spec", rule: "size(self.oidcProviders) == 0",
        planted: &["type: github\n{RECV}secretRef:\n  name: token\n{OIDC}"],
        clean: "type: github\n{RECV}secretRef:\n  name: token\noidcProviders: []\n" },
    CelCase { kind: "Receiver", path: "spec", rule: "self.type != 'generic-oidc' || !has(self.secretRef)",
        planted: &["type: generic-oidc\n{RECV}{OIDC}secretRef:\n  name: token\n"],
        clean: "type: generic-oidc\n{RECV}{OIDC}" },
    CelCase { kind: "Receiver", path: "spec", rule: "self.type == 'generic-oidc' || has(self.secretRef)",
        planted: &["type: github\n{RECV}"],
        clean: "type: github\n{RECV}secretRef:\n  name: token\n" },
    // Bucket provider defaults to generic.
    CelCase { kind: "Bucket", path: "spec", rule: "self.provider == 'generic' || !has(self.sts)",
        planted: &["{BUCKET}provider: gcp\n{STS_AWS}", "{BUCKET}provider: azure\n{STS_LDAP}"],
        clean: "{BUCKET}provider: aws\n{STS_AWS}" },
    CelCase { kind: "Bucket", path: "spec", rule: "self.sts.provider == 'aws'",
        planted: &["{BUCKET}provider: aws\n{STS_LDAP}"],
        clean: "{BUCKET}provider: aws\n{STS_AWS}" },
    CelCase { kind: "Bucket", path: "spec", rule: "self.sts.provider == 'ldap'",
        planted: &["{BUCKET}{STS_AWS}", "{BUCKET}provider: generic\n{STS_AWS}"],
        clean: "{BUCKET}{STS_LDAP}" },
    CelCase { kind: "Bucket", path: "spec", rule: "!has(self.sts.secretRef)",
        planted: &["{BUCKET}provider: aws\n{STS_AWS}  secretRef:\n    name: creds\n"],
        clean: "{BUCKET}{STS_LDAP}  secretRef:\n    name: creds\n" },
    CelCase { kind: "Bucket", path: "spec", rule: "!has(self.sts.certSecretRef)",
        planted: &["{BUCKET}provider: aws\n{STS_AWS}  certSecretRef:\n    name: ca\n"],
        clean: "{BUCKET}{STS_LDAP}  certSecretRef:\n    name: ca\n" },
    CelCase { kind: "Bucket", path: "spec", rule: "self.provider != 'generic' || !has(self.serviceAccountName)",
        planted: &["{BUCKET}serviceAccountName: sa\n", "{BUCKET}provider: generic\nserviceAccountName: sa\n"],
        clean: "{BUCKET}provider: gcp\nserviceAccountName: sa\n" },
    CelCase { kind: "Bucket", path: "spec", rule: "!has(self.secretRef) || !has(self.serviceAccountName)",
        planted: &["{BUCKET}provider: aws\nsecretRef:\n  name: creds\nserviceAccountName: sa\n"],
        clean: "{BUCKET}provider: aws\nsecretRef:\n  name: creds\n" },
    CelCase { kind: "GitRepository", path: "spec", rule: "!has(self.serviceAccountName)",
        planted: &["{GIT}serviceAccountName: sa\n", "{GIT}provider: generic\nserviceAccountName: sa\n", "{GIT}provider: github\nserviceAccountName: sa\n"],
        clean: "{GIT}provider: azure\nserviceAccountName: sa\n" },
    CelCase { kind: "HelmChart", path: "spec", rule: "!has(self.verify)",
        planted: &["{CHART}sourceRef:\n  kind: GitRepository\n  name: repo\nverify:\n  provider: cosign\n"],
        clean: "{CHART}sourceRef:\n  kind: HelmRepository\n  name: charts\nverify:\n  provider: cosign\n" },
];

/// `{NAME}` in a case's spec → the constant's text.
fn expand(spec: &str) -> String {
    let parts = [
        ("{HR_CHART}", HR_CHART),
        ("{KS}", KS),
        ("{POLICY}", POLICY),
        ("{RECV}", RECV),
        ("{OIDC}", OIDC),
        ("{BUCKET}", BUCKET),
        ("{STS_AWS}", STS_AWS),
        ("{STS_LDAP}", STS_LDAP),
        ("{GIT}", GIT),
        ("{CHART}", CHART),
    ];
    let mut out = spec.to_string();
    for (k, v) in parts {
        out = out.replace(k, v);
    }
    assert!(
        !out.contains('{') || out.contains("{}"),
        "unknown part in {out}"
    );
    out
}

/// The served `group/version` of `kind` (one per Flux kind in the embedded schemas).
fn served_api(kind: &str) -> String {
    let keys: Vec<String> = from_crds()
        .keys()
        .filter(|k| k.rsplit('/').next() == Some(kind))
        .cloned()
        .collect();
    assert_eq!(keys.len(), 1, "{kind}: served versions {keys:?}");
    keys[0].rsplit_once('/').unwrap().0.to_string()
}

/// The CRD rules of `kind` at `path` whose text contains `part`: (rule, message).
fn rules_matching(kind: &str, path: &str, part: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (key, schema) in from_crds() {
        if key.rsplit('/').next() != Some(kind) {
            continue;
        }
        let mut found = Vec::new();
        rules_with_messages(schema, "", &mut found);
        for (p, rule, msg) in found {
            if p.trim_start_matches('.') == path && rule.contains(part) {
                out.push((rule, msg));
            }
        }
    }
    out
}

fn rules_with_messages(s: &Value, path: &str, out: &mut Vec<(String, String, String)>) {
    for r in s["x-kubernetes-validations"]
        .as_array()
        .into_iter()
        .flatten()
    {
        out.push((
            path.to_string(),
            r["rule"].as_str().unwrap().to_string(),
            r["message"].as_str().unwrap_or_default().to_string(),
        ));
    }
    for (k, v) in s["properties"].as_object().into_iter().flatten() {
        rules_with_messages(v, &format!("{path}.{k}"), out);
    }
    if s["items"].is_object() {
        rules_with_messages(&s["items"], &format!("{path}[]"), out);
    }
    if s["additionalProperties"].is_object() {
        rules_with_messages(&s["additionalProperties"], &format!("{path}{{}}"), out);
    }
}

/// `kind` object text with `spec` (unindented YAML).
fn object_text(kind: &str, spec: &str) -> String {
    let body: String = expand(spec).lines().map(|l| format!("  {l}\n")).collect();
    format!(
        "apiVersion: {}\nkind: {kind}\nmetadata:\n  name: x\n  namespace: flux-system\nspec:\n{body}",
        served_api(kind)
    )
}

/// The schema checker's findings on one object: `CODE message` each.
fn schema_findings(kind: &str, text: &str) -> Vec<String> {
    let parsed = fluxport_core::yaml::parse_document(text, 100, 1000).expect("parses");
    let root = parsed.root.expect("a document");
    let api = root
        .get("apiVersion")
        .and_then(|n| n.as_str())
        .unwrap()
        .to_string();
    let schema = fluxport_core::verify::schema::schema_for(&api, kind).expect("served schema");
    fluxport_core::verify::schema::check(kind, &root, schema)
        .into_iter()
        .map(|p| format!("{} {}", p.code.as_str(), p.msg))
        .collect()
}

/// Whether `rule` holds on `text`'s node at `path` (`cel::holds` on that one rule).
fn rule_holds(kind: &str, path: &str, rule: &str, text: &str) -> Option<bool> {
    let parsed = fluxport_core::yaml::parse_document(text, 100, 1000).expect("parses");
    let root = parsed.root.expect("a document");
    let api = root
        .get("apiVersion")
        .and_then(|n| n.as_str())
        .unwrap()
        .to_string();
    let mut schema = fluxport_core::verify::schema::schema_for(&api, kind).expect("served schema");
    let mut node = &root;
    for key in path.split('.') {
        node = node.get(key)?;
        schema = &schema["properties"][key];
    }
    fluxport_core::verify::cel::holds(kind, path, rule, node, schema)
}

/// Each case's planted objects give exactly one finding, VERIFY_CEL with its rule's
/// message at its path (so they break that rule and no other, and no schema rule), and
/// its clean twin none.
#[test]
fn every_cel_rule_planted_and_clean() {
    let mut failures = Vec::new();
    let mut planted = 0;
    for c in CEL_CASES {
        let found = rules_matching(c.kind, c.path, c.rule);
        let [(rule, msg)] = &found[..] else {
            failures.push(format!(
                "{} {} `{}`: names {} rules, not one",
                c.kind,
                c.path,
                c.rule,
                found.len()
            ));
            continue;
        };
        let want = format!("VERIFY_CEL {}: {msg}", c.path);
        for spec in c.planted {
            planted += 1;
            let text = object_text(c.kind, spec);
            let got = schema_findings(c.kind, &text);
            // The message may be shared (kubeConfig's two rules): the rule itself fails.
            if got != [want.clone()] || rule_holds(c.kind, c.path, rule, &text) != Some(false) {
                failures.push(format!(
                    "{} {} `{rule}` planted:\n{text}gave {got:?}, want [{want:?}]",
                    c.kind, c.path
                ));
            }
        }
        let text = object_text(c.kind, c.clean);
        let got = schema_findings(c.kind, &text);
        if !got.is_empty() || rule_holds(c.kind, c.path, rule, &text) != Some(true) {
            failures.push(format!(
                "{} {} `{rule}` clean twin:\n{text}gave {got:?}",
                c.kind, c.path
            ));
        }
    }
    println!(
        "{} CEL cases, {planted} planted objects, {} clean twins",
        CEL_CASES.len(),
        CEL_CASES.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Every CEL rule of the CRDs has a planted case in [`CEL_CASES`]: a new rule in updated
/// CRDs fails here until it gets one.
#[test]
fn cel_rules_have_planted_cases() {
    let mut missing = Vec::new();
    let mut n = 0;
    for (key, schema) in from_crds() {
        let kind = key.rsplit('/').next().unwrap().to_string();
        let mut found = Vec::new();
        rules_with_messages(schema, "", &mut found);
        for (path, rule, _) in found {
            n += 1;
            let path = path.trim_start_matches('.');
            let cases = CEL_CASES
                .iter()
                .filter(|c| c.kind == kind && c.path == path && rule.contains(c.rule))
                .count();
            if cases != 1 {
                missing.push(format!("{kind} {path}: {rule} ({cases} cases)"));
            }
        }
    }
    println!("{n} CEL rules in ../shared/crds, each with one planted case");
    assert!(n >= 20, "only {n} rules found");
    assert!(
        missing.is_empty(),
        "CEL rules without exactly one planted case in CEL_CASES:\n{}",
        missing.join("\n")
    );
}
