//! Shared test support: paths to ../shared, CRD schema validation of every emitted
//! Flux v2 object, YAML → JSON for semantic comparisons.
#![allow(dead_code)]

use fluxport_core::repo::load::split_documents;
use fluxport_core::yaml::{parse_document, to_json};
use fluxport_core::{Conversion, FileStatus, InputFile, Options};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn shared() -> PathBuf {
    repo_root().join("../shared")
}

/// Every document of a YAML text as JSON (documents that fail to parse are skipped).
pub fn docs(text: &str) -> Vec<Value> {
    split_documents(text)
        .into_iter()
        .filter_map(|(s, e)| {
            parse_document(&text[s..e], 1000, 100_000)
                .ok()?
                .root
                .map(|r| to_json(&r))
        })
        .filter(|v| !v.is_null())
        .collect()
}

/// Loads all files under a directory as inputs with relative paths.
pub fn read_dir_inputs(dir: &Path) -> Vec<InputFile> {
    fn walk(base: &Path, d: &Path, out: &mut Vec<InputFile>) {
        let mut entries: Vec<_> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p
                    .strip_prefix(base)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push(InputFile::new(rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out
}

/// The openAPIV3Schema of every served version of every CRD in ../shared/crds, keyed by
/// (apiVersion, kind).
pub struct Schemas {
    validators: BTreeMap<(String, String), jsonschema::Validator>,
    /// The raw schemas, for [`Schemas::unknown_fields`].
    raw: BTreeMap<(String, String), Value>,
}

impl Schemas {
    pub fn load() -> Schemas {
        let mut validators = BTreeMap::new();
        let mut raw = BTreeMap::new();
        for e in std::fs::read_dir(shared().join("crds")).expect("../shared/crds") {
            let p = e.unwrap().path();
            if p.extension().and_then(|x| x.to_str()) != Some("yaml") {
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap();
            for crd in docs(&text) {
                let group = crd["spec"]["group"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                let kind = crd["spec"]["names"]["kind"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                for v in crd["spec"]["versions"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                {
                    if v["served"] != Value::Bool(true) {
                        continue;
                    }
                    let schema = v["schema"]["openAPIV3Schema"].clone();
                    let validator = jsonschema::validator_for(&schema)
                        .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
                    raw.insert(
                        (
                            format!("{group}/{}", v["name"].as_str().unwrap()),
                            kind.clone(),
                        ),
                        schema.clone(),
                    );
                    validators.insert(
                        (
                            format!("{group}/{}", v["name"].as_str().unwrap()),
                            kind.clone(),
                        ),
                        validator,
                    );
                }
            }
        }
        assert!(validators.len() >= 10, "CRD schemas not found");
        Schemas { validators, raw }
    }

    /// The served openAPIV3Schema of (apiVersion, kind), as in the CRD.
    pub fn raw(&self, api_version: &str, kind: &str) -> Option<&Value> {
        self.raw.get(&(api_version.to_string(), kind.to_string()))
    }

    /// Errors for one object; objects outside the Flux v2 groups are not checked.
    pub fn check(&self, obj: &Value) -> Vec<String> {
        let api = obj["apiVersion"].as_str().unwrap_or_default();
        let kind = obj["kind"].as_str().unwrap_or_default();
        if !api.contains(".toolkit.fluxcd.io/") {
            return vec![];
        }
        match self.validators.get(&(api.to_string(), kind.to_string())) {
            None => vec![format!(
                "{api} {kind}: no served CRD version (not a GA API?)"
            )],
            Some(v) => v
                .iter_errors(obj)
                .map(|e| {
                    format!(
                        "{api} {kind} {}: {} at {}",
                        obj["metadata"]["name"],
                        e,
                        e.instance_path()
                    )
                })
                .collect(),
        }
    }

    /// Fields of a Flux v2 object (below `spec`) that its served schema does not define:
    /// the API server prunes them silently (or rejects them under strict field
    /// validation), so a field the upgrade forgot shows here, not in [`Schemas::check`].
    pub fn unknown_fields(&self, obj: &Value) -> Vec<String> {
        fn walk(v: &Value, s: &Value, at: String, out: &mut Vec<String>) {
            if s["x-kubernetes-preserve-unknown-fields"] == Value::Bool(true) {
                return;
            }
            match v {
                Value::Object(m) => {
                    let props = s["properties"].as_object();
                    for (k, child) in m {
                        match props.and_then(|p| p.get(k)) {
                            Some(cs) => walk(child, cs, format!("{at}/{k}"), out),
                            None if props.is_some() || s["additionalProperties"].is_object() => {
                                if let Some(ap) = s["additionalProperties"].as_object() {
                                    walk(
                                        child,
                                        &Value::Object(ap.clone()),
                                        format!("{at}/{k}"),
                                        out,
                                    );
                                } else {
                                    out.push(format!("{at}/{k}"));
                                }
                            }
                            None => {}
                        }
                    }
                }
                Value::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        walk(item, &s["items"], format!("{at}/{i}"), out);
                    }
                }
                _ => {}
            }
        }
        let api = obj["apiVersion"].as_str().unwrap_or_default();
        let kind = obj["kind"].as_str().unwrap_or_default();
        let Some(schema) = self.raw.get(&(api.to_string(), kind.to_string())) else {
            return vec![];
        };
        let mut out = Vec::new();
        walk(
            &obj["spec"],
            &schema["properties"]["spec"],
            "/spec".into(),
            &mut out,
        );
        out
    }

    /// Validates every Flux v2 object in the converted and new files of a conversion.
    pub fn check_conversion(&self, conv: &Conversion) -> Vec<String> {
        let mut errs = Vec::new();
        for f in &conv.files {
            if !matches!(f.status, FileStatus::Converted | FileStatus::New)
                || !f.path.ends_with(".yaml") && !f.path.ends_with(".yml")
            {
                continue;
            }
            for d in docs(f.text()) {
                for e in self.check(&d) {
                    errs.push(format!("{}: {e}", f.path));
                }
            }
        }
        errs
    }
}

/// Converts one YAML text with default options.
pub fn convert_text(text: &str, opts: &Options) -> Conversion {
    fluxport_core::convert(&[InputFile::new("in.yaml", text)], opts)
}

/// The JSON objects of one output file, by kind and name.
pub fn object<'a>(objs: &'a [Value], kind: &str, name: &str) -> &'a Value {
    objs.iter()
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        .unwrap_or_else(|| {
            panic!(
                "no {kind} {name} in {}",
                serde_json::to_string_pretty(objs).unwrap()
            )
        })
}

/// Files changed when the output of a conversion is converted again (empty when the
/// conversion is idempotent). Deleted files are not fed back.
pub fn changed_on_reconversion(conv: &Conversion, opts: &Options) -> Vec<String> {
    let again = conv.output_inputs();
    fluxport_core::convert(&again, opts)
        .files
        .into_iter()
        .filter(|f| !f.status.passed_through())
        .map(|f| f.path)
        .collect()
}

/// Every block mapping or sequence below `node` that is a mapping value, with its key
/// (`tests/copied_trees.rs`, `tests/edited_trees.rs`).
pub fn block_values<'a>(
    node: &'a fluxport_core::yaml::Node,
    out: &mut Vec<(&'a fluxport_core::yaml::Node, &'a fluxport_core::yaml::Node)>,
) {
    for e in node.entries() {
        if (e.value.is_map() || e.value.is_seq()) && !e.value.is_flow() {
            out.push((&e.key, &e.value));
        }
        block_values(&e.value, out);
    }
    for i in node.items() {
        block_values(i, out);
    }
}

/// The first plain scalar in block context below `node` that ends its line: where
/// fluxport puts an image-policy marker (after an image or tag value).
pub fn first_marker_place<'a>(
    node: &'a fluxport_core::yaml::Node,
    doc: &str,
) -> Option<&'a fluxport_core::yaml::Node> {
    if node.is_flow() {
        return None;
    }
    if node.is_map() || node.is_seq() {
        return node
            .entries()
            .iter()
            .find_map(|e| first_marker_place(&e.value, doc))
            .or_else(|| node.items().iter().find_map(|i| first_marker_place(i, doc)));
    }
    let rest = doc[node.end()..].split('\n').next().unwrap_or("");
    let plain = node.style() == Some(fluxport_core::yaml::Style::Plain);
    (plain && node.as_str().is_some_and(|s| !s.is_empty()) && rest.trim().is_empty())
        .then_some(node)
}

/// Every YAML document of the real files in ../shared/corpus/v1 and corpus/repos, as
/// (file path, document text), for the corpus-wide tree tests.
pub fn corpus_yaml_documents() -> Vec<(String, String)> {
    let mut inputs = read_dir_inputs(&shared().join("corpus/v1"));
    inputs.extend(read_dir_inputs(&shared().join("corpus/repos")));
    let mut out = Vec::new();
    for f in &inputs {
        let Ok(text) = std::str::from_utf8(&f.bytes) else {
            continue;
        };
        if !(f.path.ends_with(".yaml") || f.path.ends_with(".yml")) {
            continue;
        }
        for (s, e) in split_documents(text) {
            out.push((f.path.clone(), text[s..e].to_string()));
        }
    }
    out
}
