//! A Flux Kustomization's `spec.postBuild` variable substitution, on the identity
//! (`metadata.name`, `metadata.namespace`) of the objects it builds.
//!
//! kustomize-controller substitutes after the kustomize build, per object
//! (fluxcd/pkg `kustomize/kustomize_varsub.go`, `SubstituteVariables`):
//! - an object labelled or annotated `kustomize.toolkit.fluxcd.io/substitute: disabled`
//!   is left alone;
//! - the variables are the `data` of each `substituteFrom` ConfigMap/Secret, in order
//!   (later ones win), read from the Kustomization's own namespace, then
//!   `substitute`, which overrides them; newlines are removed from values;
//! - nothing is substituted when there are no variables at all;
//! - `github.com/drone/envsubst` evaluates: `${var}`, `${var:=default}` /
//!   `${var:-default}` (the default when unset or empty), `${var=default}` /
//!   `${var-default}` (when unset), and `$${var}` is the literal `${var}`; an unset
//!   variable without a default becomes the empty string (kustomize-controller's
//!   strict mode fails the build instead).
//!
//! Sources are looked up in the repository (a Secret's `stringData`; its base64 `data`
//! is taken as unknown). A variable that is set nowhere in the repository but may come
//! from a source that is not in it (`optional` or not) leaves the name unknown:
//! `VERIFY_SUBSTITUTION_UNKNOWN` (info), and the name stays templated (no duplicate or
//! name check). Set nowhere and no such source: `VERIFY_SUBSTITUTION_UNDEFINED`.
//! Not yet: substitution in the rest of the object (references, release names) and
//! the bare `$var` form.

use super::{str_at, Ctx, Instance};
use crate::model::codes::Code;
use crate::model::document::DocKind;
use std::collections::BTreeMap;

const DISABLE_KEY: &str = "kustomize.toolkit.fluxcd.io/substitute";

/// The variables of one Kustomization, as far as the repository tells.
struct Vars {
    known: BTreeMap<String, String>,
    /// `Kind name` of each `substituteFrom` source not (fully) in the repository.
    unknown_sources: Vec<String>,
}

/// Substitutes `owner`'s `spec.postBuild` variables into the names and namespaces
/// of `out`.
pub(super) fn apply(ctx: &mut Ctx, owner: &Instance, out: &mut [Instance]) {
    let Some(vars) = vars(ctx, owner) else {
        return;
    };
    for o in out.iter_mut() {
        let disabled = ["labels", "annotations"]
            .iter()
            .any(|f| str_at(o.root, &["metadata", f, DISABLE_KEY]) == Some("disabled"));
        if disabled {
            continue;
        }
        let name = eval(&o.name, &vars);
        let ns = o.ns.as_deref().map(|n| eval(n, &vars));
        for (r, field) in [(Some(&name), "name"), (ns.as_ref(), "namespace")] {
            let Some(Err(var)) = r else { continue };
            let (code, why) = if vars.unknown_sources.is_empty() {
                (
                    Code::VERIFY_SUBSTITUTION_UNDEFINED,
                    "is set by neither `postBuild.substitute` nor a `substituteFrom` source: it becomes empty (strict substitution fails the build)".to_string(),
                )
            } else {
                (
                    Code::VERIFY_SUBSTITUTION_UNKNOWN,
                    format!(
                        "is not set in the repository and may come from {}, which is not in it: the {field} is unknown offline",
                        vars.unknown_sources.join(", ")
                    ),
                )
            };
            let m = format!(
                "{} {}: variable `{var}` in metadata.{field} {why} (postBuild of Kustomization {}/{})",
                o.kind,
                o.name,
                owner.ns_or_default(),
                owner.name
            );
            let node = o.root.path(&["metadata", field]);
            ctx.push(code, o.file, o.doc, node, m);
        }
        if let Ok(n) = name {
            o.name = n;
        }
        if let Some(Ok(n)) = ns {
            o.ns = Some(n);
        }
    }
}

fn vars(ctx: &Ctx, owner: &Instance) -> Option<Vars> {
    let post = owner.root.path(&["spec", "postBuild"])?;
    let mut v = Vars {
        known: BTreeMap::new(),
        unknown_sources: Vec::new(),
    };
    let ns = owner.ns_or_default();
    if let Some(from) = post.get("substituteFrom") {
        for s in from.items() {
            let (Some(kind), Some(name)) = (
                s.get("kind").and_then(|n| n.as_str()),
                s.get("name").and_then(|n| n.as_str()),
            ) else {
                continue;
            };
            match source_data(ctx, kind, name, ns) {
                Some((pairs, complete)) => {
                    v.known.extend(pairs);
                    if !complete {
                        v.unknown_sources
                            .push(format!("{kind} {ns}/{name} (base64 `data`)"));
                    }
                }
                None => v.unknown_sources.push(format!("{kind} {ns}/{name}")),
            }
        }
    }
    if let Some(sub) = post.get("substitute") {
        for e in sub.entries() {
            if let (Some(k), Some(val)) = (e.key.as_str(), e.value.as_str()) {
                v.known.insert(k.to_string(), val.replace('\n', ""));
            }
        }
    }
    if v.known.is_empty() && v.unknown_sources.is_empty() {
        return None; // no variables: kustomize-controller substitutes nothing
    }
    Some(v)
}

/// The string data of the ConfigMap or Secret `ns/name` in the repository, and
/// whether it is all of it (a Secret's base64 `data` is not read).
fn source_data(
    ctx: &Ctx,
    kind: &str,
    name: &str,
    ns: &str,
) -> Option<(Vec<(String, String)>, bool)> {
    let field = if kind == "Secret" {
        "stringData"
    } else {
        "data"
    };
    for f in ctx.files {
        for d in &f.docs {
            let DocKind::Object {
                api_version,
                kind: k,
            } = &d.kind
            else {
                continue;
            };
            let Some(root) = d.root() else { continue };
            if api_version != "v1"
                || k != kind
                || str_at(root, &["metadata", "name"]) != Some(name)
                || str_at(root, &["metadata", "namespace"]).unwrap_or("default") != ns
            {
                continue;
            }
            let pairs = root
                .get(field)
                .map(|m| {
                    m.entries()
                        .iter()
                        .filter_map(|e| {
                            Some((
                                e.key.as_str()?.to_string(),
                                e.value.as_str()?.replace('\n', ""),
                            ))
                        })
                        .collect()
                })
                .unwrap_or_default();
            let complete = kind != "Secret" || root.get("data").is_none();
            return Some((pairs, complete));
        }
    }
    None
}

/// drone/envsubst on `s`: `Err(var)` for the first variable whose value is unknown
/// (unset, no default).
fn eval(s: &str, vars: &Vars) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        if let Some(t) = tail.strip_prefix("$${") {
            out.push_str("${");
            rest = t;
            continue;
        }
        let Some(body) = tail.strip_prefix("${") else {
            out.push('$');
            rest = &tail[1..];
            continue;
        };
        let Some(end) = body.find('}') else {
            out.push_str(tail);
            rest = "";
            break;
        };
        let expr = &body[..end];
        rest = &body[end + 1..];
        let name_end = expr
            .find(|c: char| !(c == '_' || c.is_ascii_alphanumeric()))
            .unwrap_or(expr.len());
        let (var, op) = expr.split_at(name_end);
        let value = vars.known.get(var);
        let default = [":=", ":-", "=", "-"]
            .iter()
            .find_map(|p| op.strip_prefix(p).map(|d| (p.starts_with(':'), d)));
        match (value, default) {
            (Some(v), Some((true, d))) if v.is_empty() => out.push_str(d),
            (Some(v), _) => out.push_str(v),
            (None, Some((_, d))) => out.push_str(d),
            (None, None) => return Err(var.to_string()),
        }
    }
    out.push_str(rest);
    Ok(out)
}
