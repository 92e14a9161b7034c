//! Strategic merge of a HelmRelease patch onto its base, as kustomize does it for a
//! custom resource, and the inverse: the smallest patch that turns one object into
//! another. Used to convert a v1 HelmRelease patch into the v2 patch with the same
//! effect (`helm::patches`).
//!
//! kustomize has no OpenAPI schema for a CRD, so its merge (kyaml `merge2`, used by
//! `patchesStrategicMerge` and `patches`) merges maps key by key, deletes a key patched
//! to `null`, replaces scalars whole, and replaces lists whole *unless* every element of
//! both lists is a map with a `name` key: kyaml then merges the lists by `name`
//! (`kyaml/yaml/rnode.go` `AssociativeSequenceKeys = ["name"]`, used when no schema
//! names a merge key). That matters for v2 `valuesFrom` and `dependsOn` items, which
//! carry `name`, while v1 `valuesFrom` items do not. `spec.values` is never diffed: it
//! is the same field in v1 and v2 and is copied from the patch as written. Directives
//! (`$patch`, `$retainKeys`, `$setElementOrder/…`, `$deleteFromPrimitiveList/…`) are
//! not modelled: [`directives`] finds them so the caller can report instead.

use serde_json::{Map, Value as J};

/// Merges `patch` into `base` (maps recursively, `null` deletes, lists of named maps
/// by `name`, the rest replaces).
pub fn merge(base: &mut J, patch: &J) {
    match (base, patch) {
        (J::Object(b), J::Object(p)) => {
            for (k, pv) in p {
                if pv.is_null() {
                    b.remove(k);
                    continue;
                }
                match b.get_mut(k) {
                    Some(bv) if (bv.is_object() && pv.is_object()) || associative(bv, pv) => {
                        merge(bv, pv)
                    }
                    _ => {
                        b.insert(k.clone(), without_nulls(pv));
                    }
                }
            }
        }
        (J::Array(b), J::Array(p)) if named_maps(b) && named_maps(p) => {
            for pe in p {
                let name = &pe["name"];
                match b.iter_mut().find(|be| &be["name"] == name) {
                    Some(be) => merge(be, pe),
                    None => b.push(without_nulls(pe)),
                }
            }
        }
        (b, p) => *b = without_nulls(p),
    }
}

/// True when every element is a map with a `name` (kyaml's inferred merge key).
fn named_maps(items: &[J]) -> bool {
    !items.is_empty()
        && items
            .iter()
            .all(|e| e.get("name").is_some_and(|n| !n.is_null()))
}

/// Two lists kyaml merges by `name` rather than replacing.
fn associative(a: &J, b: &J) -> bool {
    matches!((a, b), (J::Array(x), J::Array(y)) if named_maps(x) && named_maps(y))
}

/// A value as it lands in the merged object: `null` map entries inside a newly added
/// map are dropped (kustomize does the same).
fn without_nulls(v: &J) -> J {
    match v {
        J::Object(m) => J::Object(
            m.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), without_nulls(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The patch `p` with `merge(from, p) == to`: `Ok(None)` when the two are equal, `Err`
/// with the JSON path of a change no merge patch can express (a list kyaml would merge
/// by `name` that must lose or reorder elements). Maps recurse; keys only in `from`
/// become `null`; anything else is written whole.
pub fn diff(from: &J, to: &J) -> Result<Option<J>, String> {
    diff_at(from, to, "")
}

fn diff_at(from: &J, to: &J, at: &str) -> Result<Option<J>, String> {
    if from == to {
        return Ok(None);
    }
    match (from, to) {
        (J::Object(f), J::Object(t)) => {
            let mut out = Map::new();
            for (k, tv) in t {
                match f.get(k) {
                    Some(fv) => {
                        if let Some(d) = diff_at(fv, tv, &format!("{at}/{k}"))? {
                            out.insert(k.clone(), d);
                        }
                    }
                    None => {
                        out.insert(k.clone(), tv.clone());
                    }
                }
            }
            for k in f.keys() {
                if !t.contains_key(k) {
                    out.insert(k.clone(), J::Null);
                }
            }
            Ok(Some(J::Object(out)))
        }
        _ if associative(from, to) => {
            // The whole target list, merged by name onto the old one, must give it back.
            let mut merged = from.clone();
            merge(&mut merged, to);
            if &merged == to {
                Ok(Some(to.clone()))
            } else {
                Err(at.to_string())
            }
        }
        _ => Ok(Some(to.clone())),
    }
}

/// One patch that does what both `a` and `b` do where they agree: maps recurse, equal
/// values stay, `Err` with the JSON path of the first conflict.
pub fn union(a: &J, b: &J) -> Result<J, String> {
    union_at(a, b, "")
}

fn union_at(a: &J, b: &J, at: &str) -> Result<J, String> {
    match (a, b) {
        (J::Object(x), J::Object(y)) => {
            let mut out = x.clone();
            for (k, yv) in y {
                let v = match x.get(k) {
                    Some(xv) => union_at(xv, yv, &format!("{at}/{k}"))?,
                    None => yv.clone(),
                };
                out.insert(k.clone(), v);
            }
            Ok(J::Object(out))
        }
        _ if a == b => Ok(a.clone()),
        _ => Err(at.to_string()),
    }
}

/// The JSON paths (`/spec/x`) of strategic-merge directives in a patch.
pub fn directives(patch: &J) -> Vec<String> {
    fn walk(v: &J, at: &str, out: &mut Vec<String>) {
        match v {
            J::Object(m) => {
                for (k, v) in m {
                    let here = format!("{at}/{k}");
                    if k.starts_with('$') {
                        out.push(here);
                    } else {
                        walk(v, &here, out);
                    }
                }
            }
            J::Array(a) => {
                for (i, v) in a.iter().enumerate() {
                    walk(v, &format!("{at}/{i}"), out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(patch, "", &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn maps_merge_lists_replace_null_deletes() {
        let mut base = json!({"spec": {"a": 1, "b": {"c": 2, "d": 3}, "l": [1, 2], "x": 9}});
        merge(
            &mut base,
            &json!({"spec": {"b": {"c": 5, "n": {"k": null, "v": 1}}, "l": [3], "x": null}}),
        );
        assert_eq!(
            base,
            json!({"spec": {"a": 1, "b": {"c": 5, "d": 3, "n": {"v": 1}}, "l": [3]}})
        );
    }

    #[test]
    fn diff_is_the_inverse_of_merge() {
        let from = json!({"spec": {"a": 1, "b": {"c": 2, "d": 3}, "l": [1, 2], "gone": true}});
        let to = json!({"spec": {"a": 1, "b": {"c": 5, "d": 3}, "l": [1], "new": {"k": "v"}}});
        let d = diff(&from, &to).unwrap().expect("differs");
        assert_eq!(
            d,
            json!({"spec": {"b": {"c": 5}, "l": [1], "new": {"k": "v"}, "gone": null}})
        );
        let mut merged = from.clone();
        merge(&mut merged, &d);
        assert_eq!(merged, to);
        assert_eq!(diff(&to, &to), Ok(None));
    }

    #[test]
    fn lists_of_named_maps_merge_by_name() {
        let mut base = json!({"valuesFrom": [{"kind": "ConfigMap", "name": "a"}, {"kind": "Secret", "name": "b"}]});
        merge(
            &mut base,
            &json!({"valuesFrom": [{"kind": "Secret", "name": "b", "optional": true}, {"kind": "ConfigMap", "name": "c"}]}),
        );
        assert_eq!(
            base,
            json!({"valuesFrom": [{"kind": "ConfigMap", "name": "a"}, {"kind": "Secret", "name": "b", "optional": true}, {"kind": "ConfigMap", "name": "c"}]})
        );
        // v1 items have no `name` at the top: replaced whole.
        let mut v1 = json!({"valuesFrom": [{"configMapKeyRef": {"name": "a"}}]});
        merge(
            &mut v1,
            &json!({"valuesFrom": [{"secretKeyRef": {"name": "b"}}]}),
        );
        assert_eq!(v1, json!({"valuesFrom": [{"secretKeyRef": {"name": "b"}}]}));
    }

    #[test]
    fn a_named_list_that_must_shrink_cannot_be_patched() {
        let from = json!({"spec": {"dependsOn": [{"name": "a"}, {"name": "b"}]}});
        let to = json!({"spec": {"dependsOn": [{"name": "b"}]}});
        assert_eq!(diff(&from, &to), Err("/spec/dependsOn".to_string()));
        let grow = json!({"spec": {"dependsOn": [{"name": "a"}, {"name": "b"}, {"name": "c"}]}});
        assert_eq!(
            diff(&from, &grow).unwrap(),
            Some(json!({"spec": {"dependsOn": [{"name": "a"}, {"name": "b"}, {"name": "c"}]}}))
        );
    }

    #[test]
    fn union_keeps_what_both_do_and_refuses_conflicts() {
        let a = json!({"spec": {"x": 1, "m": {"p": null}}});
        let b = json!({"spec": {"y": 2, "m": {"q": true}}});
        assert_eq!(
            union(&a, &b),
            Ok(json!({"spec": {"x": 1, "y": 2, "m": {"p": null, "q": true}}}))
        );
        assert_eq!(
            union(&a, &json!({"spec": {"x": 3}})),
            Err("/spec/x".to_string())
        );
    }

    #[test]
    fn directives_are_found() {
        let p = json!({"spec": {"$patch": "replace", "values": {"$setElementOrder/env": []}}});
        assert_eq!(
            directives(&p),
            vec!["/spec/$patch", "/spec/values/$setElementOrder/env"]
        );
    }
}
