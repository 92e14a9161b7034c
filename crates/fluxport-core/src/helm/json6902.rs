//! JSON 6902 operations on a v1 HelmRelease, mapped to the v2 operations with the same
//! effect (issue 12, ADR 0005), right by construction.
//!
//! Each operation's `path` (and `from`) is mapped with a fixed table of v1 → v2 fields
//! that are the same field in both APIs up to their place ([`map_path`], from
//! MAPPING.md §2.1, §2.4.1, §2.5): `spec.chart.version` → `spec.chart.spec.version`,
//! `spec.chart.name`/`path` → `spec.chart.spec.chart`, `spec.forceUpgrade` →
//! `spec.upgrade.force`, `spec.valuesFrom[i].configMapKeyRef.key` →
//! `spec.valuesFrom[i].valuesKey`, and `metadata`, `spec.values`, `releaseName`,
//! `targetNamespace`, `timeout`, `maxHistory`, `valuesFrom`, `rollback.timeout`/`force`,
//! `test.timeout`/`ignoreFailures` in place. A value is never mapped by hand: the v2
//! value of an `add`/`replace` is read at the mapped path from the *conversion* of the
//! v1 object with the operations up to it applied (a `test` from the one before it), so
//! `timeout: 600` becomes `"600s"` and a chart alias loses its prefix exactly as the
//! HelmRelease rules convert them.
//!
//! Then the check: the v1 operations applied to the v1 object and converted must equal
//! the mapped operations applied to the converted object (up to the action-timeout
//! defaults, `patches::normalised`), values included. Fields with no single v2 field
//! (`wait`, `skipCRDs`, `resetValues`, `rollback.enable`, `test.enable`,
//! `helmVersion`, `valueFileSecrets`) and chart-source changes are not in the table:
//! [`Unmapped`] says which operation and why.

use serde_json::Value as J;

/// Why an operation list does not map: the operation (index, op, path), or `index ==
/// None` when the list as a whole fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmapped {
    pub index: Option<usize>,
    pub op: String,
    pub path: String,
    pub why: String,
}

impl Unmapped {
    fn whole(why: impl Into<String>) -> Unmapped {
        Unmapped {
            index: None,
            op: String::new(),
            path: String::new(),
            why: why.into(),
        }
    }
    /// The message of a finding.
    pub fn message(&self) -> String {
        match self.index {
            Some(i) => format!(
                "operation {i} (`{}` `{}`): {}",
                self.op, self.path, self.why
            ),
            None => self.why.clone(),
        }
    }
}

/// The pointer's reference tokens, still escaped (`~0`, `~1`): the table compares
/// whole tokens, and a mapped pointer is joined again as written.
fn tokens(p: &str) -> Option<Vec<&str>> {
    if p.is_empty() {
        return Some(Vec::new());
    }
    p.strip_prefix('/').map(|r| r.split('/').collect())
}

fn join(t: &[&str]) -> String {
    t.iter().map(|s| format!("/{s}")).collect()
}

fn is_index(t: &str) -> bool {
    t == "-" || (!t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
}

/// The v2 pointer of a v1 pointer, or why there is none. `before` is the v1 object the
/// operation applies to (list indexes into `valuesFrom` shift when v1
/// `valueFileSecrets` are prepended).
pub fn map_path(p: &str, before: &J) -> Result<String, String> {
    let t = tokens(p).ok_or("not a JSON pointer (it must start with `/`)")?;
    let same = || Ok(p.to_string());
    match t.as_slice() {
        [] => Err("it replaces the whole object".into()),
        ["apiVersion" | "kind", ..] => Err("it changes the object's type".into()),
        ["metadata", ..] => same(),
        ["status", ..] => Err("`status` is dropped by the conversion".into()),
        ["spec"] => Err("it replaces the whole spec; write it as a strategic-merge patch".into()),
        ["spec", "chart"] | ["spec", "chart", "git" | "ref" | "repository" | "chartPullSecret" | "secretRef" | "skipDepUpdate", ..] => Err(
            "a chart source change in a JSON patch is not mapped (an overlay-specific source is written by hand)".into(),
        ),
        ["spec", "chart", "version"] => Ok("/spec/chart/spec/version".into()),
        ["spec", "chart", "name" | "path"] => Ok("/spec/chart/spec/chart".into()),
        ["spec", "values", ..]
        | ["spec", "releaseName" | "targetNamespace" | "timeout" | "maxHistory"]
        | ["spec", "rollback", "timeout" | "force"]
        | ["spec", "test", "timeout" | "ignoreFailures"] => same(),
        ["spec", "forceUpgrade"] => Ok("/spec/upgrade/force".into()),
        ["spec", "valuesFrom", rest @ ..] => {
            let shifted = before
                .pointer("/spec/valueFileSecrets")
                .and_then(J::as_array)
                .is_some_and(|a| !a.is_empty());
            let moved = before
                .pointer("/spec/valuesFrom")
                .and_then(J::as_array)
                .is_some_and(|a| {
                    a.iter()
                        .any(|i| i.get("chartFileRef").is_some() || i.get("externalSourceRef").is_some())
                });
            if !rest.is_empty() && (shifted || moved) {
                return Err("the v2 `valuesFrom` list has other indexes (v1 `valueFileSecrets` go first, `chartFileRef`/`externalSourceRef` items leave it)".into());
            }
            match rest {
                [] => same(),
                [i] if is_index(i) => same(),
                [i, "configMapKeyRef" | "secretKeyRef"] if is_index(i) => Err(
                    "a whole v1 key reference has no v2 field (its fields become the item's); replace the item instead".into(),
                ),
                [i, "configMapKeyRef" | "secretKeyRef", f] if is_index(i) => {
                    let f = match *f {
                        "name" => "name",
                        "key" => "valuesKey",
                        "optional" => "optional",
                        "namespace" => return Err("v2 has no namespace for values references".into()),
                        _ => return Err(format!("v1 has no `{f}` in a key reference")),
                    };
                    Ok(join(&["spec", "valuesFrom", i, f]))
                }
                _ => Err("no v2 field has this item's shape".into()),
            }
        }
        ["spec", f @ ("wait" | "skipCRDs" | "resetValues" | "disableOpenAPIValidation" | "helmVersion" | "valueFileSecrets" | "rollback" | "test"), ..] => Err(format!(
            "v1 `spec.{f}` has no single v2 field (MAPPING.md §2.1, §2.6); write it as a strategic-merge patch, which fluxport converts"
        )),
        _ => Err("no v2 field for this path".into()),
    }
}

/// The value at a pointer whose last token may be `-` (the last list item).
fn lookup<'j>(v: &'j J, p: &str) -> Option<&'j J> {
    match p.strip_suffix("/-") {
        Some(parent) => v.pointer(parent)?.as_array()?.last(),
        None => v.pointer(p),
    }
}

fn field<'j>(op: &'j J, k: &str) -> Option<&'j str> {
    op.get(k).and_then(J::as_str)
}

/// Applies RFC 6902 operations (the `json-patch` crate); `Err` says why not.
pub fn apply(doc: &mut J, ops: &[J]) -> Result<(), String> {
    let ops: Vec<json_patch::PatchOperation> = ops
        .iter()
        .map(|o| serde_json::from_value(o.clone()).map_err(|e| e.to_string()))
        .collect::<Result<_, _>>()?;
    json_patch::patch(doc, &ops).map_err(|e| e.to_string())
}

/// The v2 operations for one target: `before` is the v1 object the list applies to,
/// `conv` the HelmRelease conversion, `norm` the comparison normalisation.
pub fn map_ops(
    ops: &[J],
    before: &J,
    conv: &dyn Fn(&J) -> Result<J, String>,
    norm: fn(&J) -> J,
) -> Result<Vec<J>, Unmapped> {
    let at = |i: usize, op: &J, why: String| Unmapped {
        index: Some(i),
        op: field(op, "op").unwrap_or("?").to_string(),
        path: field(op, "path").unwrap_or("?").to_string(),
        why,
    };
    let v2_before = conv(before).map_err(|w| {
        Unmapped::whole(format!(
            "the HelmRelease it patches, with the patches applied before it, does not convert as its base: {w}"
        ))
    })?;
    let mut state = before.clone();
    let mut out = Vec::with_capacity(ops.len());
    for (i, op) in ops.iter().enumerate() {
        let kind = field(op, "op").ok_or_else(|| at(i, op, "no `op`".into()))?;
        let path = field(op, "path").ok_or_else(|| at(i, op, "no `path`".into()))?;
        let v2_path = map_path(path, &state).map_err(|w| at(i, op, w))?;
        let mut m = op.clone();
        m["path"] = J::String(v2_path.clone());
        if let Some(from) = field(op, "from") {
            let f = map_path(from, &state).map_err(|w| at(i, op, format!("`from`: {w}")))?;
            m["from"] = J::String(f);
        }
        let mut next = state.clone();
        apply(&mut next, std::slice::from_ref(op)).map_err(|e| {
            at(i, op, format!("it does not apply to the v1 HelmRelease under RFC 6902 ({e}); kustomize is laxer (a `replace` of a missing key adds it): write `add` for a new field"))
        })?;
        let source = match kind {
            "add" | "replace" => Some(&next),
            "test" => Some(&state),
            _ => None,
        };
        if let Some(s) = source {
            let conv_s = conv(s).map_err(|w| at(i, op, w))?;
            let v = lookup(&conv_s, &v2_path).ok_or_else(|| {
                at(
                    i,
                    op,
                    format!("the converted HelmRelease has no `{v2_path}`"),
                )
            })?;
            m["value"] = v.clone();
        }
        out.push(m);
        state = next;
    }
    let expected = conv(&state).map_err(Unmapped::whole)?;
    let mut got = v2_before;
    if let Err(e) = apply(&mut got, &out) {
        return Err(Unmapped::whole(format!(
            "the mapped operations do not apply to the converted HelmRelease ({e})"
        )));
    }
    if norm(&got) != norm(&expected) {
        let first = (0..out.len()).find(|&n| {
            let mut g = conv(before).unwrap_or(J::Null);
            let mut s = before.clone();
            apply(&mut g, &out[..=n]).is_err()
                || apply(&mut s, &ops[..=n]).is_err()
                || conv(&s).map(|e| norm(&e) != norm(&g)).unwrap_or(true)
        });
        return Err(match first {
            Some(n) => at(
                n,
                &ops[n],
                "the converted HelmRelease differs from the mapped operation's result (the v1 field sets other v2 fields too); write it as a strategic-merge patch".into(),
            ),
            None => Unmapped::whole("the mapped operations do not give the converted HelmRelease"),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_map_by_the_table() {
        let b = json!({"spec": {}});
        assert_eq!(
            map_path("/spec/chart/version", &b).unwrap(),
            "/spec/chart/spec/version"
        );
        assert_eq!(
            map_path("/spec/chart/name", &b).unwrap(),
            "/spec/chart/spec/chart"
        );
        assert_eq!(
            map_path("/spec/values/a~1b/0", &b).unwrap(),
            "/spec/values/a~1b/0"
        );
        assert_eq!(
            map_path("/spec/valuesFrom/1/secretKeyRef/key", &b).unwrap(),
            "/spec/valuesFrom/1/valuesKey"
        );
        assert!(map_path("/spec/chart/repository", &b)
            .unwrap_err()
            .contains("source"));
        assert!(map_path("/spec/wait", &b)
            .unwrap_err()
            .contains("no single v2 field"));
        let shifted = json!({"spec": {"valueFileSecrets": [{"name": "s"}]}});
        assert!(map_path("/spec/valuesFrom/0", &shifted).is_err());
        assert!(map_path("spec", &b).is_err());
    }

    #[test]
    fn lookup_reads_the_last_item_for_dash() {
        let v = json!({"a": [1, 2]});
        assert_eq!(lookup(&v, "/a/-"), Some(&json!(2)));
        assert_eq!(lookup(&v, "/a/0"), Some(&json!(1)));
    }

    #[test]
    fn apply_uses_rfc6902() {
        let mut v = json!({"a": {"b": 1}});
        apply(
            &mut v,
            &[
                json!({"op": "test", "path": "/a/b", "value": 1}),
                json!({"op": "move", "from": "/a/b", "path": "/c"}),
            ],
        )
        .unwrap();
        assert_eq!(v, json!({"a": {}, "c": 1}));
        assert!(apply(&mut v, &[json!({"op": "test", "path": "/c", "value": 2})]).is_err());
    }
}
