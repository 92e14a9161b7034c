//! fluxport's CRD schema checker (`verify::schema`) against an independent validator,
//! the `jsonschema` crate, on the same `openAPIV3Schema` (the served version of each
//! CRD in `../shared/crds`): both must call the same documents valid and invalid.
//!
//! Documents: every Flux v2 object fluxport emits for the shared corpus (`v1/` as one
//! repository, each `pairs/*/before` and `pairs/*/after`, each `repos/*`; the `after`
//! trees are pre-GA Flux v2, which fluxport upgrades), and systematic mutants of all of
//! them: a required field dropped, a wrong type, a value outside an enum, a
//! string that breaks a pattern, too long or too short, an integer out of bounds, too
//! many or too few items, a bad map value (all invalid); an unknown field, another value
//! of an enum, an optional field dropped (all valid unless the document was not). Up to
//! [`PER_KEY`] mutants are kept per (kind, field path, mutation) over the corpus;
//! `ALL_MUTANTS=1 cargo test -p fluxport-core --test schema_agreement -- --nocapture`
//! runs every one (21,486 on the corpus of 2026-12-03: ~45 s of CPU in debug).
//!
//! Known, legitimate differences, handled explicitly:
//! - `x-kubernetes-validations` (CEL): jsonschema has no CEL, so VERIFY_CEL is not part
//!   of fluxport's verdict here (tests/crd_schema.rs plants every rule instead).
//! - `x-kubernetes-int-or-string`: jsonschema does not know it. The Flux v2 CRDs have
//!   none; the test fails if one appears, so that it gets handled.
//! - `x-kubernetes-preserve-unknown-fields` (HelmRelease `spec.values`) and unknown
//!   fields: the API server prunes undeclared fields without rejecting the object, so
//!   fluxport only warns (VERIFY_UNKNOWN_FIELD) and an unknown field is valid for both;
//!   jsonschema agrees because no CRD has `additionalProperties: false` (structural
//!   schemas cannot), which the test asserts.
//! - `null`s: the API server prunes nulls of non-nullable fields before it validates
//!   (apiextensions-apiserver `pkg/apiserver/schema/defaulting/prunenulls.go`; the CRDs
//!   have no `nullable`), as fluxport does; jsonschema gets the object without them.
//! - `format`: neither checks it (`int64` is implied by `type: integer`, `date-time` is
//!   only under `status`); jsonschema's default draft 2020-12 treats it as annotation.
//! - `metadata` is ObjectMeta to the API server, not the CRD's `type: object`: fluxport
//!   checks names in `verify::names`, so mutants leave metadata alone.
//! - HelmRelease `spec.releaseName` over 53 characters is fluxport's
//!   VERIFY_RELEASE_NAME_TOO_LONG (one rule, one finding), counted as invalid here.
//!
//! - `x-kubernetes-list-type: map`/`set` uniqueness (Receiver `oidcProviders` by
//!   `issuerURL`): the API server rejects duplicates and fluxport does too; jsonschema
//!   does not know the keyword, so those findings are not part of the verdict here
//!   (tests/verify.rs `crd_schema_list_map_keys` plants one).

mod common;

use common::{read_dir_inputs, shared, Schemas};
use fluxport_core::repo::load::split_documents;
use fluxport_core::verify::schema;
use fluxport_core::yaml::{parse_document, to_json};
use fluxport_core::{convert, FileStatus, InputFile, Options};
use serde_json::{json, Value};
use std::path::Path;

/// One document to judge: where it comes from and its text.
struct Doc {
    origin: String,
    text: String,
}

/// Our verdict on one document: `Ok(())` valid, `Err(reasons)` invalid. `None` when it is
/// not a Flux object with a served schema.
fn ours(text: &str) -> Option<Result<(), Vec<String>>> {
    let root = parse_document(text, 1000, 100_000).ok()?.root?;
    let api = root.get("apiVersion")?.as_str()?.to_string();
    let kind = root.get("kind")?.as_str()?.to_string();
    let s = schema::schema_for(&api, &kind)?;
    let mut why: Vec<String> = schema::check(&kind, &root, s)
        .into_iter()
        .filter(|p| p.code.as_str() == "VERIFY_SCHEMA" && !p.msg.contains("x-kubernetes-list-type"))
        .map(|p| p.msg)
        .collect();
    let release = root
        .get("spec")
        .and_then(|s| s.get("releaseName"))
        .and_then(|n| n.as_str());
    if kind == "HelmRelease" && release.is_some_and(|r| r.chars().count() > 53) {
        why.push("spec.releaseName: VERIFY_RELEASE_NAME_TOO_LONG".into());
    }
    Some(if why.is_empty() { Ok(()) } else { Err(why) })
}

/// The object without its nulls, as the API server validates it.
fn prune_nulls(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(_, c)| !c.is_null())
                .map(|(k, c)| (k.clone(), prune_nulls(c)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(prune_nulls).collect()),
        _ => v.clone(),
    }
}

/// jsonschema's verdict on one object.
fn theirs(schemas: &Schemas, obj: &Value) -> Result<(), Vec<String>> {
    let errs = schemas.check(&prune_nulls(obj));
    if errs.is_empty() {
        Ok(())
    } else {
        Err(errs)
    }
}

/// Every Flux v2 document (a served Flux apiVersion/kind) of a YAML text, as JSON.
fn flux_docs(text: &str) -> Vec<(String, Value)> {
    split_documents(text)
        .into_iter()
        .filter_map(|(s, e)| {
            let t = &text[s..e];
            let root = parse_document(t, 1000, 100_000).ok()?.root?;
            let j = to_json(&root);
            let api = j["apiVersion"].as_str()?;
            let kind = j["kind"].as_str()?;
            schema::schema_for(api, kind)?;
            Some((t.to_string(), j))
        })
        .collect()
}

fn sorted_dirs(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    out.sort();
    out
}

/// Every Flux v2 object fluxport emits for each corpus input set: `v1/` as one
/// repository, each `pairs/*/before` and `pairs/*/after` (pre-GA Flux v2, upgraded),
/// each `repos/*` (with the `.after` trees, pre-GA Flux v2 too).
fn corpus_docs() -> Vec<Doc> {
    let root = shared().join("corpus");
    let mut inputs: Vec<(String, Vec<InputFile>)> =
        vec![("v1".into(), read_dir_inputs(&root.join("v1")))];
    for p in sorted_dirs(&root.join("pairs")) {
        for side in ["before", "after"] {
            if p.join(side).is_dir() {
                inputs.push((
                    format!("pairs/{}/{side}", p.file_name().unwrap().to_string_lossy()),
                    read_dir_inputs(&p.join(side)),
                ));
            }
        }
    }
    for r in sorted_dirs(&root.join("repos")) {
        inputs.push((
            format!("repos/{}", r.file_name().unwrap().to_string_lossy()),
            read_dir_inputs(&r),
        ));
    }
    let mut emitted = Vec::new();
    for (name, files) in &inputs {
        let conv = convert(files, &Options::default());
        for f in &conv.files {
            if !matches!(f.status, FileStatus::Converted | FileStatus::New)
                || !f.path.ends_with(".yaml") && !f.path.ends_with(".yml")
            {
                continue;
            }
            for (i, (text, _)) in flux_docs(f.text()).into_iter().enumerate() {
                emitted.push(Doc {
                    origin: format!("{name} → {} #{i}", f.path),
                    text,
                });
            }
        }
    }
    emitted
}

#[derive(Clone)]
enum Seg {
    Key(String),
    Index(usize),
}

fn pointer(path: &[Seg]) -> String {
    path.iter()
        .map(|s| match s {
            Seg::Key(k) => format!("/{}", k.replace('~', "~0").replace('/', "~1")),
            Seg::Index(i) => format!("/{i}"),
        })
        .collect()
}

/// `spec.a[0].b`, or `spec.a[].b` without indexes (the dedup key).
fn shown(path: &[Seg], indexes: bool) -> String {
    let mut out = String::new();
    for s in path {
        match s {
            Seg::Key(k) if out.is_empty() => out.push_str(k),
            Seg::Key(k) => {
                out.push('.');
                out.push_str(k);
            }
            Seg::Index(i) if indexes => out.push_str(&format!("[{i}]")),
            Seg::Index(_) => out.push_str("[]"),
        }
    }
    out
}

struct Mutant {
    /// What was done where: `bad enum at spec.type`.
    what: String,
    /// `Kind schema-path mutation`, kept once.
    key: String,
    doc: Value,
}

/// A copy of `doc` with `f` applied at `path`.
fn with(doc: &Value, path: &[Seg], f: impl FnOnce(&mut Value)) -> Value {
    let mut out = doc.clone();
    f(out.pointer_mut(&pointer(path)).expect("path exists"));
    out
}

/// A value of another type than `ty`.
fn wrong_type(ty: &str) -> Value {
    match ty {
        "string" => json!(12345),
        "integer" => json!("12x"),
        _ => json!("not-a-value"),
    }
}

/// Every mutant of `doc` at or below `path` (`v` the value there, `s` its schema).
fn mutants(
    kind: &str,
    doc: &Value,
    v: &Value,
    s: &Value,
    path: &mut Vec<Seg>,
    out: &mut Vec<Mutant>,
) {
    let mut add = |what: &str, m: Value, path: &[Seg]| {
        out.push(Mutant {
            what: format!("{what} at {}", shown(path, true)),
            key: format!("{kind} {} {what}", shown(path, false)),
            doc: m,
        })
    };
    if let Some(ty) = s["type"].as_str() {
        add("wrong type", with(doc, path, |x| *x = wrong_type(ty)), path);
    }
    if let Some(values) = s["enum"].as_array() {
        add(
            "bad enum",
            with(doc, path, |x| *x = json!("fluxport-not-in-enum")),
            path,
        );
        for e in values.iter().filter(|e| *e != v) {
            add(
                "other enum value",
                with(doc, path, |x| *x = e.clone()),
                path,
            );
        }
    }
    if let Some(text) = v.as_str() {
        if s["pattern"].is_string() {
            add(
                "bad pattern",
                with(doc, path, |x| *x = json!("%fluxport bad%")),
                path,
            );
        }
        if let Some(max) = s["maxLength"].as_u64() {
            let long = "a".repeat(max as usize + 1);
            add("too long", with(doc, path, |x| *x = json!(long)), path);
        }
        if s["minLength"].as_u64().is_some_and(|m| m > 0) && !text.is_empty() {
            add("too short", with(doc, path, |x| *x = json!("")), path);
        }
    }
    if v.is_i64() {
        if let Some(min) = s["minimum"].as_i64() {
            add(
                "below minimum",
                with(doc, path, |x| *x = json!(min - 1)),
                path,
            );
        }
        if let Some(max) = s["maximum"].as_i64() {
            add(
                "above maximum",
                with(doc, path, |x| *x = json!(max + 1)),
                path,
            );
        }
    }
    if let Some(items) = v.as_array() {
        if s["minItems"].as_u64().is_some_and(|m| m > 0) {
            add("too few items", with(doc, path, |x| *x = json!([])), path);
        }
        if let (Some(max), Some(first)) = (s["maxItems"].as_u64(), items.first()) {
            let many = vec![first.clone(); max as usize + 1];
            add(
                "too many items",
                with(doc, path, |x| *x = json!(many)),
                path,
            );
        }
        for (i, item) in items.iter().enumerate() {
            path.push(Seg::Index(i));
            mutants(kind, doc, item, &s["items"], path, out);
            path.pop();
        }
    }
    if let Some(m) = v.as_object() {
        for r in s["required"].as_array().into_iter().flatten() {
            let r = r.as_str().unwrap_or_default();
            if m.contains_key(r) {
                let dropped = with(doc, path, |x| {
                    x.as_object_mut().unwrap().remove(r);
                });
                out.push(Mutant {
                    what: format!("drop required `{r}` at {}", shown(path, true)),
                    key: format!("{kind} {} drop {r}", shown(path, false)),
                    doc: dropped,
                });
            }
        }
        let required: Vec<&str> = s["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        for k in m.keys().filter(|k| !required.contains(&k.as_str())) {
            let dropped = with(doc, path, |x| {
                x.as_object_mut().unwrap().remove(k);
            });
            out.push(Mutant {
                what: format!("drop optional `{k}` at {}", shown(path, true)),
                key: format!("{kind} {} drop {k}", shown(path, false)),
                doc: dropped,
            });
        }
        let props = s["properties"].as_object();
        let extra = &s["additionalProperties"];
        if props.is_some() && extra.is_null() {
            let unknown = with(doc, path, |x| {
                x.as_object_mut()
                    .unwrap()
                    .insert("fluxportUnknownField".into(), json!("x"));
            });
            out.push(Mutant {
                what: format!("unknown field at {}", shown(path, true)),
                key: format!("{kind} {} unknown field", shown(path, false)),
                doc: unknown,
            });
        }
        if let Some(ty) = extra["type"].as_str() {
            let bad = with(doc, path, |x| {
                x.as_object_mut()
                    .unwrap()
                    .insert("fluxport-key".into(), wrong_type(ty));
            });
            out.push(Mutant {
                what: format!("bad map value at {}", shown(path, true)),
                key: format!("{kind} {} bad map value", shown(path, false)),
                doc: bad,
            });
        }
        for (k, child) in m {
            let cs = match props.and_then(|p| p.get(k)) {
                Some(cs) => cs,
                None if extra.is_object() => extra,
                None => continue,
            };
            path.push(Seg::Key(k.clone()));
            mutants(kind, doc, child, cs, path, out);
            path.pop();
        }
    }
}

/// Keywords of a schema tree the agreement treats as absent (see the module docs):
/// where each sits. A property *named* like one (under `properties`) is not one.
fn unhandled_keywords(v: &Value, at: &str, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, c) in m {
                let bad = match k.as_str() {
                    "x-kubernetes-int-or-string"
                    | "nullable"
                    | "anyOf"
                    | "oneOf"
                    | "allOf"
                    | "not" => true,
                    "additionalProperties" => c == &Value::Bool(false),
                    _ => false,
                };
                if bad && !at.ends_with(".properties") {
                    out.push(format!("{at}.{k}"));
                }
                unhandled_keywords(c, &format!("{at}.{k}"), out);
            }
        }
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, c)| unhandled_keywords(c, &format!("{at}[{i}]"), out)),
        _ => {}
    }
}

#[test]
fn crds_have_no_keyword_the_agreement_does_not_handle() {
    // Planted: an int-or-string field and `additionalProperties: false` are found; a
    // property named `nullable` is not.
    let planted = json!({"properties": {
        "port": {"x-kubernetes-int-or-string": true},
        "nullable": {"type": "string"},
        "closed": {"type": "object", "additionalProperties": false},
        "open": {"type": "object", "additionalProperties": {"type": "string"}},
    }});
    let mut found = Vec::new();
    unhandled_keywords(&planted, "planted", &mut found);
    assert_eq!(
        found,
        [
            "planted.properties.closed.additionalProperties",
            "planted.properties.port.x-kubernetes-int-or-string"
        ]
    );
    let mut found = Vec::new();
    for e in std::fs::read_dir(shared().join("crds")).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        if !name.contains(".toolkit.fluxcd.io_") {
            continue;
        }
        for crd in common::docs(&std::fs::read_to_string(&p).unwrap()) {
            unhandled_keywords(&crd["spec"]["versions"], &name, &mut found);
        }
    }
    assert!(
        found.is_empty(),
        "keywords the agreement test treats as absent:\n{}",
        found.join("\n")
    );
}

/// Mutants kept per (kind, field path, mutation), from different documents;
/// `ALL_MUTANTS=1` keeps all.
const PER_KEY: usize = 3;

/// The verdicts agree on every corpus document and every mutant.
#[test]
fn schema_checker_agrees_with_jsonschema() {
    let schemas = Schemas::load();
    let docs = corpus_docs();
    let mut disagree = Vec::new();
    let mut seen: std::collections::BTreeMap<String, usize> = Default::default();
    let all = std::env::var_os("ALL_MUTANTS").is_some();
    let (mut n_mutants, mut n_generated, mut n_invalid_docs) = (0, 0, 0);
    let mut by_what: std::collections::BTreeMap<String, (usize, usize)> = Default::default();
    for d in &docs {
        let ours_doc = ours(&d.text).expect("a Flux object with a served schema");
        let root = parse_document(&d.text, 1000, 100_000)
            .unwrap()
            .root
            .unwrap();
        let obj = to_json(&root);
        let theirs_doc = theirs(&schemas, &obj);
        if let Err(why) = &ours_doc {
            n_invalid_docs += 1;
            if std::env::var_os("SHOW_INVALID").is_some() {
                println!("invalid: {}: {why:?}", d.origin);
            }
        }
        if ours_doc.is_ok() != theirs_doc.is_ok() {
            disagree.push(format!(
                "{}: fluxport {:?}, jsonschema {:?}",
                d.origin, ours_doc, theirs_doc
            ));
        }
        let kind = obj["kind"].as_str().unwrap().to_string();
        let api = obj["apiVersion"].as_str().unwrap().to_string();
        let raw = schemas.raw(&api, &kind).expect("raw schema");
        let mut ms = Vec::new();
        if obj["spec"].is_object() {
            mutants(
                &kind,
                &obj,
                &obj["spec"],
                &raw["properties"]["spec"],
                &mut vec![Seg::Key("spec".into())],
                &mut ms,
            );
        }
        n_generated += ms.len();
        for m in ms {
            let n = seen.entry(m.key.clone()).or_insert(0usize);
            *n += 1;
            if *n > PER_KEY && !all {
                continue;
            }
            n_mutants += 1;
            // Through fluxport's own YAML reader: JSON is YAML.
            let text = serde_json::to_string(&m.doc).unwrap();
            let o = ours(&text).expect("mutant parses");
            let t = theirs(&schemas, &m.doc);
            let what = m.what.split(" at ").next().unwrap();
            let what = what.split(" `").next().unwrap().to_string();
            let e = by_what.entry(what).or_default();
            e.0 += 1;
            e.1 += usize::from(o.is_err());
            if o.is_ok() != t.is_ok() {
                disagree.push(format!(
                    "{} ({}): fluxport {:?}, jsonschema {:?}",
                    m.what, d.origin, o, t
                ));
            }
        }
    }
    println!(
        "{} documents emitted by fluxport for the corpus ({} invalid), {} mutants ({} generated, at most {PER_KEY} per kind, path and mutation)",
        docs.len(),
        n_invalid_docs,
        n_mutants,
        n_generated
    );
    for (what, (n, invalid)) in &by_what {
        println!("    {what}: {n} mutants, {invalid} invalid");
    }
    assert!(docs.len() > 100, "only {} emitted documents", docs.len());
    assert!(n_mutants > 500, "only {n_mutants} mutants");
    assert!(
        disagree.is_empty(),
        "{} disagreements:\n{}",
        disagree.len(),
        disagree.join("\n")
    );
}
