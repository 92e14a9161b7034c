//! The embedded CRD schemas (`src/verify/crds.json`) against `../shared/crds`, the
//! CEL-coverage test, and fluxport's schema checker against the `jsonschema` crate over
//! all of fluxport's output on the shared corpus.
//!
//! `FLUXPORT_BLESS=1 cargo test -p fluxport-core --test crd_schema` rewrites crds.json.

mod common;

use common::{docs, shared};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

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
            _ => v.clone(),
        };
        out.insert(k.clone(), v);
    }
    Value::Object(out)
}

/// `{"group/version/Kind": compact schema}` of every served version of every Flux v2 CRD.
fn from_crds() -> BTreeMap<String, Value> {
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
    let map: Map<String, Value> = from_crds().into_iter().collect();
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
        rules(&schema, "", &mut found);
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
