//! CRD schema checks: each Flux object against the `openAPIV3Schema` of the served
//! version of its CRD, as the API server validates it (issue 13, point 3).
//!
//! Reads: one document's [`Node`] tree and `crds.json`, a compact copy of the served
//! versions' schemas of `../shared/crds` (descriptions and unused keywords dropped;
//! generated and kept fresh by `tests/crd_schema.rs`, `FLUXPORT_BLESS=1` rewrites it).
//! Writes: [`Problem`]s, turned into findings by `verify::run_in`.
//!
//! Rules, as k8s.io/apiextensions-apiserver applies them
//! (`pkg/apiserver/schema/{pruning,defaulting}`, `pkg/apiserver/validation`):
//! - scalars are typed by the YAML 1.1 rules of Kubernetes' YAML reader
//!   (sigs.k8s.io/yaml over go-yaml v2: `yes`/`on` are booleans, a plain `600` an
//!   integer, `"600"` a string), via [`Node::is_string`]/[`Node::as_i64`]/[`Node::as_bool`];
//! - a `null` value is dropped before validation (defaulting prunes nulls of
//!   non-nullable fields), so it is never a type error here;
//! - a field the schema does not declare (no `additionalProperties`, no
//!   `x-kubernetes-preserve-unknown-fields`) is pruned silently by the API server: data
//!   loss, a warning ([`Code::VERIFY_UNKNOWN_FIELD`]), not a rejection;
//! - `metadata` is validated by the API server as ObjectMeta, not by the CRD schema
//!   (the names are `verify::names`');
//! - `format`: the CRDs use `int64` (implied by `type: integer`) and `date-time` (only
//!   under `status`, which fluxport never writes): not checked;
//! - `pattern` (strings only): the API server's check is kube-openapi's
//!   `validate.Pattern` (`pkg/validation/validate/values.go`), Go `regexp`
//!   `MatchString`: an unanchored search, so a pattern holds when it matches anywhere
//!   in the value (the CRDs anchor theirs with `^…$` themselves). Here with
//!   `regex_lite::Regex::is_match`, which has the same semantics and covers the RE2
//!   syntax the CRDs use (`tests/crd_schema.rs` compiles every pattern of
//!   `../shared/crds`); each distinct pattern is compiled once ([`pattern_holds`]).
//!   A value holding `${` is not checked: kustomize-controller's `postBuild`
//!   substitution may replace it before the object reaches the API server.
//! - `x-kubernetes-list-type` `set`/`map`: items unique (by their map keys), see
//!   [`duplicates`];
//! - `x-kubernetes-validations`: `verify::cel`.

use super::cel;
use crate::model::codes::Code;
use crate::yaml::{to_json, Node, Value};
use regex_lite::Regex;
use serde_json::{Map, Value as J};
use std::collections::HashMap;
use std::sync::OnceLock;

/// One schema violation at `node`.
pub struct Problem<'n> {
    pub code: Code,
    pub node: &'n Node,
    pub msg: String,
}

static SCHEMAS: OnceLock<Map<String, J>> = OnceLock::new();

/// The schema of `apiVersion` `kind` when it is a served Flux version.
pub fn schema_for(api_version: &str, kind: &str) -> Option<&'static J> {
    schemas().get(&format!("{api_version}/{kind}"))
}

fn schemas() -> &'static Map<String, J> {
    SCHEMAS.get_or_init(|| match serde_json::from_str(include_str!("crds.json")) {
        Ok(J::Object(m)) => m,
        _ => Map::new(),
    })
}

/// Every `pattern` of the embedded schemas, compiled once (a pattern regex-lite cannot
/// compile is left out: not checked).
static PATTERNS: OnceLock<HashMap<&'static str, Regex>> = OnceLock::new();

fn collect_patterns(s: &'static J, out: &mut HashMap<&'static str, Regex>) {
    match s {
        J::Object(m) => {
            if let Some(p) = m.get("pattern").and_then(J::as_str) {
                if !out.contains_key(p) {
                    if let Ok(re) = Regex::new(p) {
                        out.insert(p, re);
                    }
                }
            }
            m.values().for_each(|v| collect_patterns(v, out));
        }
        J::Array(a) => a.iter().for_each(|v| collect_patterns(v, out)),
        _ => {}
    }
}

/// Whether `value` matches the CRD `pattern` as the API server tests it (unanchored
/// search); `None` when the pattern does not compile. Patterns of the embedded schemas
/// come from a cache built once; another schema's are compiled on each call.
pub fn pattern_holds(pattern: &str, value: &str) -> Option<bool> {
    let cache = PATTERNS.get_or_init(|| {
        let mut out = HashMap::new();
        for s in schemas().values() {
            collect_patterns(s, &mut out);
        }
        out
    });
    match cache.get(pattern) {
        Some(re) => Some(re.is_match(value)),
        None => Regex::new(pattern).ok().map(|re| re.is_match(value)),
    }
}

/// A value as a message shows it: JSON-escaped, at most 100 characters.
fn escaped(v: &str) -> String {
    const MAX: usize = 100;
    if v.chars().count() <= MAX {
        return J::String(v.to_string()).to_string();
    }
    let head: String = v.chars().take(MAX).collect();
    format!("{}…", J::String(head))
}

/// Every violation of `root` (a whole document) against `schema`.
pub fn check<'n>(kind: &str, root: &'n Node, schema: &J) -> Vec<Problem<'n>> {
    let mut out = Vec::new();
    let mut path = String::new();
    // The embedded schemas are compiled once; another one (a test's) for this call.
    match compiled().get(&(schema as *const J as usize)) {
        Some(c) => walk(kind, root, c, &mut path, &mut out),
        None => walk(kind, root, &Compiled::new(schema), &mut path, &mut out),
    }
    out
}

fn shown(path: &str) -> &str {
    if path.is_empty() {
        "the object"
    } else {
        path
    }
}

fn type_ok(node: &Node, ty: &str, int_or_string: bool) -> bool {
    if int_or_string {
        return node.as_i64().is_some() || node.is_string();
    }
    match ty {
        "object" => node.is_map(),
        "array" => node.is_seq(),
        "string" => node.is_string(),
        "integer" => node.as_i64().is_some(),
        "number" => {
            node.as_i64().is_some()
                || (!node.is_map() && !node.is_seq() && node.kind_name() == "number")
        }
        "boolean" => node.as_bool().is_some(),
        _ => true,
    }
}

/// The embedded schemas, compiled, by the address of their JSON (`schema_for`'s).
static COMPILED: OnceLock<HashMap<usize, Compiled<'static>>> = OnceLock::new();

fn compiled() -> &'static HashMap<usize, Compiled<'static>> {
    COMPILED.get_or_init(|| {
        schemas()
            .values()
            .map(|s| (s as *const J as usize, Compiled::new(s)))
            .collect()
    })
}

/// A schema node with the keywords the walk reads taken out of its JSON once: the walk
/// looked each one up in the JSON map at every node of every object, and those lookups
/// were most of the schema checks' cost.
struct Compiled<'s> {
    raw: &'s J,
    ty: Option<&'s str>,
    int_or_string: bool,
    enumerated: Option<&'s Vec<J>>,
    min_length: Option<u64>,
    max_length: Option<u64>,
    pattern: Option<&'s str>,
    minimum: Option<i64>,
    maximum: Option<i64>,
    min_items: Option<u64>,
    max_items: Option<u64>,
    /// `x-kubernetes-list-type` is `set` or `map` ([`duplicates`]).
    unique_items: bool,
    items: Option<Box<Compiled<'s>>>,
    required: Vec<&'s str>,
    /// `properties`, sorted by name; `None` when the schema has none.
    properties: Option<Vec<(&'s str, Compiled<'s>)>>,
    additional: Option<Box<Compiled<'s>>>,
    keep_unknown: bool,
    /// `x-kubernetes-validations`: (rule, message or the rule).
    validations: Vec<(&'s str, &'s str)>,
}

impl<'s> Compiled<'s> {
    fn new(s: &'s J) -> Self {
        let boxed = |v: &'s J| v.is_object().then(|| Box::new(Compiled::new(v)));
        let extra = &s["additionalProperties"];
        Compiled {
            raw: s,
            ty: s["type"].as_str(),
            int_or_string: s["x-kubernetes-int-or-string"] == J::Bool(true),
            enumerated: s["enum"].as_array(),
            min_length: s["minLength"].as_u64(),
            max_length: s["maxLength"].as_u64(),
            pattern: s["pattern"].as_str(),
            minimum: s["minimum"].as_i64(),
            maximum: s["maximum"].as_i64(),
            min_items: s["minItems"].as_u64(),
            max_items: s["maxItems"].as_u64(),
            unique_items: matches!(s["x-kubernetes-list-type"].as_str(), Some("set" | "map")),
            items: boxed(&s["items"]),
            required: s["required"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|r| r.as_str().unwrap_or(""))
                .collect(),
            properties: s["properties"].as_object().map(|m| {
                let mut props: Vec<(&str, Compiled)> = m
                    .iter()
                    .map(|(k, v)| (k.as_str(), Compiled::new(v)))
                    .collect();
                // Sorted for the binary search (whatever order the map keeps).
                props.sort_by(|a, b| a.0.cmp(b.0));
                props
            }),
            additional: boxed(extra),
            keep_unknown: s["x-kubernetes-preserve-unknown-fields"] == J::Bool(true)
                || *extra == J::Bool(true),
            validations: s["x-kubernetes-validations"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|r| {
                    let rule = r["rule"].as_str().unwrap_or("");
                    (rule, r["message"].as_str().unwrap_or(rule))
                })
                .collect(),
        }
    }

    fn property(&self, key: &str) -> Option<&Compiled<'s>> {
        let props = self.properties.as_ref()?;
        let i = props.binary_search_by(|(k, _)| (*k).cmp(key)).ok()?;
        Some(&props[i].1)
    }
}

/// `path` is the node's place (`spec.a[2].b`; empty at the root), a buffer each level
/// extends and restores.
fn walk<'n>(
    kind: &str,
    node: &'n Node,
    s: &Compiled,
    path: &mut String,
    out: &mut Vec<Problem<'n>>,
) {
    if matches!(node.value, Value::Alias) || node.is_null() {
        return;
    }
    let bad = |out: &mut Vec<Problem<'n>>, msg: String| {
        out.push(Problem {
            code: Code::VERIFY_SCHEMA,
            node,
            msg,
        })
    };
    let ios = s.int_or_string;
    if let Some(ty) = s.ty {
        if !type_ok(node, ty, ios) {
            let want = if ios { "integer or string" } else { ty };
            bad(
                out,
                format!("{}: must be {want}, not {}", shown(path), node.kind_name()),
            );
            return;
        }
    }
    if let Some(allowed) = s.enumerated {
        let v = to_json(node);
        if !allowed.contains(&v) {
            let list: Vec<String> = allowed.iter().map(|a| a.to_string()).collect();
            bad(
                out,
                format!("{}: {v} is not one of {}", shown(path), list.join(", ")),
            );
        }
    }
    if node.is_string() {
        let text = node.as_str().unwrap_or("");
        let n = text.chars().count() as u64;
        if let Some(min) = s.min_length.filter(|&m| n < m) {
            bad(
                out,
                format!("{}: at least {min} characters, not {n}", shown(path)),
            );
        }
        // HelmRelease `spec.releaseName` ≤ 53 is VERIFY_RELEASE_NAME_TOO_LONG's
        // (one rule, one finding: `model::k8s_names::MAX_RELEASE_NAME`).
        let owned = kind == "HelmRelease" && path == "spec.releaseName";
        if let Some(max) = s.max_length.filter(|&m| n > m && !owned) {
            bad(
                out,
                format!("{}: at most {max} characters, not {n}", shown(path)),
            );
        }
        if let Some(p) = s.pattern {
            if !text.contains("${") && pattern_holds(p, text) == Some(false) {
                bad(
                    out,
                    format!(
                        "{}: {} does not match the pattern `{p}`",
                        shown(path),
                        escaped(text)
                    ),
                );
            }
        }
    } else if let Some(v) = node.as_i64() {
        if let Some(min) = s.minimum.filter(|&m| v < m) {
            bad(out, format!("{}: at least {min}, not {v}", shown(path)));
        }
        if let Some(max) = s.maximum.filter(|&m| v > m) {
            bad(out, format!("{}: at most {max}, not {v}", shown(path)));
        }
    }
    if node.is_seq() {
        let n = node.items().len() as u64;
        if let Some(min) = s.min_items.filter(|&m| n < m) {
            bad(
                out,
                format!("{}: at least {min} items, not {n}", shown(path)),
            );
        }
        if let Some(max) = s.max_items.filter(|&m| n > m) {
            bad(
                out,
                format!("{}: at most {max} items, not {n}", shown(path)),
            );
        }
        if s.unique_items {
            duplicates(node, s.raw, path, out);
        }
        if let Some(items) = &s.items {
            let len = path.len();
            for (i, item) in node.items().iter().enumerate() {
                use std::fmt::Write as _;
                let _ = write!(path, "[{i}]");
                walk(kind, item, items, path, out);
                path.truncate(len);
            }
        }
    }
    if node.is_map() {
        for r in &s.required {
            if node.get(r).is_none_or(Node::is_null) {
                bad(out, format!("{}: `{r}` is required", shown(path)));
            }
        }
        let at_root = path.is_empty();
        let len = path.len();
        for e in node.entries() {
            let key = e.key.as_str().unwrap_or("");
            if at_root && key == "metadata" {
                continue;
            }
            if !at_root {
                path.push('.');
            }
            path.push_str(key);
            if let Some(ps) = s.property(key) {
                walk(kind, &e.value, ps, path, out);
            } else if let Some(extra) = &s.additional {
                walk(kind, &e.value, extra, path, out);
            } else if !s.keep_unknown && s.properties.is_some() {
                out.push(Problem {
                    code: Code::VERIFY_UNKNOWN_FIELD,
                    node: &e.key,
                    msg: format!(
                        "{path}: {kind} has no such field; the API server drops it without a word"
                    ),
                });
            }
            path.truncate(len);
        }
    }
    if !s.validations.is_empty() {
        let cel_path = strip_indexes(path);
        for (rule, message) in &s.validations {
            if cel::holds(kind, &cel_path, rule, node, s.raw) == Some(false) {
                out.push(Problem {
                    code: Code::VERIFY_CEL,
                    node,
                    msg: format!("{}: {message}", shown(path)),
                });
            }
        }
    }
}

/// `x-kubernetes-list-type: set` (items unique) and `map` (items unique by their
/// `x-kubernetes-list-map-keys`), as apiextensions-apiserver
/// `pkg/apiserver/schema/listtype/validation.go` checks them: one error for the first
/// repeat of each value, at that item; an item without a key field counts as the
/// unspecified key.
fn duplicates<'n>(node: &'n Node, s: &J, path: &str, out: &mut Vec<Problem<'n>>) {
    let list_type = s["x-kubernetes-list-type"].as_str().unwrap_or("");
    if !matches!(list_type, "set" | "map") || node.items().len() < 2 {
        return;
    }
    let keys: Vec<&str> = s["x-kubernetes-list-map-keys"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(J::as_str)
        .collect();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, item) in node.items().iter().enumerate() {
        let value = if list_type == "set" {
            to_json(item)
        } else {
            J::Object(
                keys.iter()
                    .filter_map(|k| item.get(k).map(|v| (k.to_string(), to_json(v))))
                    .collect(),
            )
        };
        let text = value.to_string();
        let times = seen.entry(text.clone()).or_insert(0);
        *times += 1;
        if *times == 2 {
            let what = if list_type == "set" {
                "a set".to_string()
            } else {
                format!("a map keyed by {}", keys.join(", "))
            };
            out.push(Problem {
                code: Code::VERIFY_SCHEMA,
                node: item,
                msg: format!(
                    "{path}[{i}]: duplicate {text} in {what} (x-kubernetes-list-type: {list_type}): the API server rejects it"
                ),
            });
        }
    }
}

/// `spec.a[2].b` → `spec.a[].b` (how `cel::CHECKS` keys a rule's place).
fn strip_indexes(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut skip = false;
    for c in path.chars() {
        match c {
            '[' => {
                skip = true;
                out.push('[');
            }
            ']' => {
                skip = false;
                out.push(']');
            }
            _ if skip => {}
            _ => out.push(c),
        }
    }
    out
}
