//! A Flux Kustomization's `spec.postBuild` variable substitution, on what the
//! pre-flight reads of the objects it builds: their identity (`metadata.name`,
//! `metadata.namespace`, applied here) and the fields the reference and release checks
//! read ([`resolved`]: references, HelmRelease release name and namespaces, an
//! automation's `update.path` and `policySelector`, an ImagePolicy's labels).
//!
//! kustomize-controller substitutes after the kustomize build, per object
//! (fluxcd/pkg `kustomize/kustomize_varsub.go`, `SubstituteVariables`, called by
//! kustomize-controller `internal/controller/kustomization_controller.go`
//! `KustomizationReconciler.build` on each built resource):
//! - an object labelled or annotated `kustomize.toolkit.fluxcd.io/substitute: disabled`
//!   *by the build* is left alone (`spec.commonMetadata` is set later, in `apply`, so
//!   it cannot disable it: `verify/build.rs#check_common_metadata`);
//! - the variables are the `data` of each `substituteFrom` ConfigMap/Secret, in order
//!   (later ones win), read from the Kustomization's own namespace, then
//!   `substitute`, which overrides them; newlines are removed from values;
//! - nothing is substituted when there are no variables at all;
//! - every variable name must match `^[_[:alpha:]][_[:alpha:][:digit:]]*$`
//!   (`varsubRegex`, checked in `varSubstitution`), else the build fails;
//! - fluxcd/pkg `envsubst` (a fork of drone/envsubst) evaluates the object's text
//!   ([`eval`], after `envsubst/parse/parse.go` and `envsubst/template.go`):
//!   only `${…}` is an expression: a bare `$var` stays as written (`parseAny` knows
//!   no other token; `eval_test.go` expects `$var01` to stay), and `$$` is one literal
//!   `$` (`scanner.scanEscaped`), so `$${var}` is the text `${var}`;
//!   `${var=d}`, `${var:=d}`, `${var:-d}`, `${var:?d}`, `${var:+d}` all give `d` when
//!   the value is empty or unset (`toDefault`; `d` may hold `${…}`);
//!   `${var,}`, `${var,,}`, `${var^}`, `${var^^}` change case; the other functions
//!   (length, substring, pattern removal and replacement) are not evaluated here (the
//!   value is unknown offline); `${var-d}` and any other unparsable expression, in
//!   any string of the object, fail the parse (`parseFunc`: `missing closing brace`,
//!   …), and so the whole build ([`check_parses`]);
//!   an unset variable without a default becomes the empty string (kustomize-controller's
//!   strict mode fails the build instead).
//!
//! Sources are looked up in the repository (a Secret's `stringData`; its base64 `data`
//! is taken as unknown). A variable that is set nowhere in the repository but may come
//! from a source that is not in it (`optional` or not; with a default too, which the
//! source may override) leaves the value unknown: `VERIFY_SUBSTITUTION_UNKNOWN` (info);
//! a name stays templated (no duplicate or name check), a reference or release is not
//! checked. Set nowhere and no such source: `VERIFY_SUBSTITUTION_UNDEFINED`.
//! Not modelled: substitution in the rest of the object (values, images, other labels),
//! `spec.postBuild.substituteStrategy` (newer than the CRDs in `../shared/crds`), and
//! and the fields of a Flux Kustomization its own build reads (`spec.path`,
//! `targetNamespace`, `namePrefix`, …) as the Kustomization that applies it
//! substitutes them (the builds are made before it is known which one applies which).

use super::{str_at, Ctx, Instance};
use crate::model::codes::Code;
use crate::model::document::DocKind;
use crate::yaml::Node;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::rc::Rc;

const DISABLE_KEY: &str = "kustomize.toolkit.fluxcd.io/substitute";

/// The variables of one Kustomization, as far as the repository tells.
#[derive(Debug)]
pub(crate) struct Vars {
    known: BTreeMap<String, String>,
    /// `Kind name` of each `substituteFrom` source not (fully) in the repository.
    unknown_sources: Vec<String>,
    /// `Kustomization namespace/name`, for messages.
    owner: String,
}

/// Why a string's substituted value is not known offline.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Unresolved {
    /// The variable is set nowhere in the repository (and has no default, or a
    /// source outside the repository may set it).
    Var(String),
    /// An expression the pre-flight does not evaluate (`${#var}`, `${var:1}`, …).
    Function(String),
    /// An expression envsubst cannot parse: the substitution, and so the build, fails.
    Invalid(&'static str),
}

/// Substitutes `owner`'s `spec.postBuild` variables into the names and namespaces
/// of `out`, and gives each object it substitutes the variables, for [`resolved`].
pub(super) fn apply(ctx: &mut Ctx, owner: &Instance, out: &mut [Instance]) {
    let Some(vars) = vars(ctx, owner) else {
        return;
    };
    let vars = Rc::new(vars);
    for o in out.iter_mut() {
        let disabled = ["labels", "annotations"]
            .iter()
            .any(|f| str_at(o.root, &["metadata", f, DISABLE_KEY]) == Some("disabled"));
        if disabled {
            continue;
        }
        o.vars = Some(Rc::clone(&vars));
        check_parses(ctx, o, &vars);
        let name = o.name.clone();
        if let Some(n) = resolved_at(
            ctx,
            o,
            o.root.path(&["metadata", "name"]),
            "metadata.name",
            &name,
        ) {
            o.name = n.into_owned();
        }
        if let Some(ns) = o.ns.clone() {
            let node = o.root.path(&["metadata", "namespace"]);
            if let Some(n) = resolved_at(ctx, o, node, "metadata.namespace", &ns) {
                o.ns = Some(n.into_owned());
            }
        }
    }
}

/// `raw`, the string at `node` (`field` its path, for messages) of object `o`, as
/// kustomize-controller applies it: after the postBuild substitution of the
/// Kustomization that builds `o` (none for an object no Kustomization substitutes).
/// `None` when the value is unknown offline or the substitution fails; a finding
/// says which (`VERIFY_SUBSTITUTION_UNKNOWN`, `VERIFY_SUBSTITUTION_UNDEFINED`,
/// `VERIFY_BUILD`), and the caller skips its check.
pub(super) fn resolved<'s>(
    ctx: &mut Ctx,
    o: &Instance,
    node: &Node,
    field: &str,
    raw: &'s str,
) -> Option<Cow<'s, str>> {
    resolved_at(ctx, o, Some(node), field, raw)
}

fn resolved_at<'s>(
    ctx: &mut Ctx,
    o: &Instance,
    node: Option<&Node>,
    field: &str,
    raw: &'s str,
) -> Option<Cow<'s, str>> {
    let Some(vars) = o.vars.as_deref() else {
        return Some(Cow::Borrowed(raw));
    };
    if !raw.contains('$') {
        return Some(Cow::Borrowed(raw));
    }
    let why = match eval(raw, vars) {
        Ok(v) => return Some(Cow::Owned(v)),
        Err(e) => e,
    };
    let (code, why) = match why {
        Unresolved::Var(var) if vars.unknown_sources.is_empty() => (
            Code::VERIFY_SUBSTITUTION_UNDEFINED,
            format!("variable `{var}` is set by neither `postBuild.substitute` nor a `substituteFrom` source: it becomes empty (strict substitution fails the build)"),
        ),
        Unresolved::Var(var) => (
            Code::VERIFY_SUBSTITUTION_UNKNOWN,
            format!(
                "variable `{var}` is not set in the repository and may come from {}, which is not in it: the value is unknown offline and not checked",
                vars.unknown_sources.join(", ")
            ),
        ),
        Unresolved::Function(expr) => (
            Code::VERIFY_SUBSTITUTION_UNKNOWN,
            format!("`{expr}` is an envsubst function the pre-flight does not evaluate: the value is unknown offline and not checked"),
        ),
        // Reported once per object, by `check_parses`.
        Unresolved::Invalid(_) => return None,
    };
    let m = format!(
        "{} {}: {field}: {why} (postBuild of {})",
        o.kind, o.name, vars.owner
    );
    ctx.push(code, o.file, o.doc, node, m);
    None
}

/// `SubstituteVariables` parses the whole object (`envsubst.Eval` on its YAML): an
/// expression that does not parse in any string of it, key or value, fails its post
/// build and so the whole build (`VERIFY_BUILD`, at the first one). Each string is
/// parsed on its own: the serialised YAML puts nothing but YAML between two strings,
/// so an expression cannot span them (except a default that runs on to a `}` in a
/// later line, which this reads as unterminated).
fn check_parses(ctx: &mut Ctx, o: &Instance, vars: &Vars) {
    fn first_invalid<'n>(n: &'n Node, vars: &Vars) -> Option<(&'n Node, &'n str, &'static str)> {
        if let Some(s) = n.as_str().filter(|s| s.contains("${")) {
            if let Err(Unresolved::Invalid(e)) = eval(s, vars) {
                return Some((n, s, e));
            }
        }
        n.entries()
            .iter()
            .find_map(|e| first_invalid(&e.key, vars).or_else(|| first_invalid(&e.value, vars)))
            .or_else(|| n.items().iter().find_map(|i| first_invalid(i, vars)))
    }
    if let Some((node, raw, e)) = first_invalid(o.root, vars) {
        let m = format!(
            "{} {}: `{raw}` cannot be parsed by envsubst ({e}; fluxcd/pkg `envsubst/parse`): its post build, and so the whole build, fails (postBuild of {})",
            o.kind, o.name, vars.owner
        );
        ctx.push(Code::VERIFY_BUILD, o.file, o.doc, Some(node), m);
    }
}

fn vars(ctx: &mut Ctx, owner: &Instance) -> Option<Vars> {
    let post = owner.root.path(&["spec", "postBuild"])?;
    let ns = owner.ns_or_default();
    let mut v = Vars {
        known: BTreeMap::new(),
        unknown_sources: Vec::new(),
        owner: format!("Kustomization {ns}/{}", owner.name),
    };
    // Each variable's key node and where it is written, for the name check.
    let mut keys: Vec<(&Node, usize, usize)> = Vec::new();
    if let Some(from) = post.get("substituteFrom") {
        for s in from.items() {
            let (Some(kind), Some(name)) = (
                s.get("kind").and_then(|n| n.as_str()),
                s.get("name").and_then(|n| n.as_str()),
            ) else {
                continue;
            };
            match source_data(ctx, kind, name, ns) {
                Some(src) => {
                    for (k, val) in src.pairs {
                        keys.push((k, src.file, src.doc));
                        if let Some(k) = k.as_str() {
                            v.known.insert(k.to_string(), val);
                        }
                    }
                    if !src.complete {
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
                keys.push((&e.key, owner.file, owner.doc));
                v.known.insert(k.to_string(), val.replace('\n', ""));
            }
        }
    }
    if v.known.is_empty() && v.unknown_sources.is_empty() {
        return None; // no variables: kustomize-controller substitutes nothing
    }
    // `varSubstitution`: one invalid name fails the substitution of every object.
    for (k, file, doc) in keys {
        let Some(name) = k.as_str().filter(|n| !is_var_name(n)) else {
            continue;
        };
        let m = format!(
            "postBuild of {}: variable name `{name}` is invalid (kustomize-controller requires `^[_[:alpha:]][_[:alpha:][:digit:]]*$`): the post build of every object, and so the whole build, fails",
            v.owner
        );
        ctx.push(Code::VERIFY_BUILD, file, doc, Some(k), m);
    }
    Some(v)
}

/// `varsubRegex` (`^[_[:alpha:]][_[:alpha:][:digit:]]*$`, POSIX classes: ASCII).
fn is_var_name(s: &str) -> bool {
    let mut b = s.bytes();
    b.next()
        .is_some_and(|c| c == b'_' || c.is_ascii_alphabetic())
        && b.all(|c| c == b'_' || c.is_ascii_alphanumeric())
}

/// A `substituteFrom` ConfigMap or Secret found in the repository.
struct Source<'f> {
    /// Its string data: each key's node and value.
    pairs: Vec<(&'f Node, String)>,
    /// Whether that is all of it (a Secret's base64 `data` is not read).
    complete: bool,
    file: usize,
    doc: usize,
}

/// The ConfigMap or Secret `ns/name` in the repository.
fn source_data<'f>(ctx: &Ctx<'f>, kind: &str, name: &str, ns: &str) -> Option<Source<'f>> {
    let field = if kind == "Secret" {
        "stringData"
    } else {
        "data"
    };
    for (file, f) in ctx.files.iter().enumerate() {
        for (doc, d) in f.docs.iter().enumerate() {
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
                        .filter_map(|e| Some((&e.key, e.value.as_str()?.replace('\n', ""))))
                        .collect()
                })
                .unwrap_or_default();
            let complete = kind != "Secret" || root.get("data").is_none();
            return Some(Source {
                pairs,
                complete,
                file,
                doc,
            });
        }
    }
    None
}

/// fluxcd/pkg `envsubst.Eval` on `s` with non-strict lookup (`varSubstitution`: an
/// unset variable is the empty string), as far as the repository knows the
/// variables: `Err` when a value is not known offline, or `s` does not parse (which
/// wins, as `Eval` parses the whole text before it evaluates any of it).
///
/// The text (`parse.go` `parseAny` with `scanIdent | scanLbrack | scanEscape` and the
/// dollar escape): `${` opens an expression; `$$` is one `$` and the character after
/// it is text (so `$${x}` is `${x}` and `$$x` is `$x`); any other `$` is text, so a
/// bare `$var` is never substituted.
pub(crate) fn eval(s: &str, vars: &Vars) -> Result<String, Unresolved> {
    let mut out = String::with_capacity(s.len());
    let mut first_unknown = None;
    let mut rest = s;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        if let Some(body) = tail.strip_prefix("${") {
            let (value, after) = expression(body, vars).map_err(Unresolved::Invalid)?;
            match value {
                Ok(v) => out.push_str(&v),
                Err(e) => {
                    first_unknown.get_or_insert(e);
                }
            }
            rest = after;
        } else if let Some(t) = tail.strip_prefix("$$") {
            out.push('$');
            rest = t;
        } else {
            out.push('$');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    match first_unknown {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// A parsed expression: its value (or why it is unknown) and the text after its `}`;
/// `Err` when envsubst cannot parse it (its error message).
type Parsed<'s> = Result<(Result<String, Unresolved>, &'s str), &'static str>;

/// One expression after its `${` (`parse.go` `parseFunc`).
fn expression<'s>(body: &'s str, vars: &Vars) -> Parsed<'s> {
    // A function not evaluated here: it ends at the next `}`.
    let unmodelled = || match body.find('}') {
        Some(end) => Ok((
            Err(Unresolved::Function(format!("${{{}", &body[..=end]))),
            &body[end + 1..],
        )),
        None => Err("missing closing brace"),
    };
    if body.starts_with('#') {
        return unmodelled(); // `${#var}`: the length
    }
    // `acceptIdent`: `unicode.IsLetter`, `unicode.IsDigit`, `_`.
    let name_end = body
        .find(|c: char| !(c == '_' || c.is_alphabetic() || c.is_numeric()))
        .unwrap_or(body.len());
    let (var, after) = body.split_at(name_end);
    if var.is_empty() {
        return Err("unable to parse variable name");
    }
    let value = vars.known.get(var).map(String::as_str);
    let missing = || Unresolved::Var(var.to_string());
    let mut chars = after.chars();
    match chars.next() {
        Some('}') => Ok((value.map(str::to_string).ok_or_else(missing), &after[1..])),
        // `parseDefaultOrSubstr` / `parseDefaultFunc`.
        Some(':') if matches!(chars.next(), Some('=' | '-' | '?' | '+')) => {
            default_expr(var, value, &after[2..], vars)
        }
        Some('=') => default_expr(var, value, &after[1..], vars),
        // `parseCasingFunc`: up to two of `,` and `^`, then `}`.
        Some(',' | '^') => {
            let ops = after.len() - after.trim_start_matches([',', '^']).len();
            let ops = &after[..ops.min(2)];
            let Some(after) = after[ops.len()..].strip_prefix('}') else {
                return Err("bad substitution");
            };
            let case = |v: &str| match ops {
                ",," => v.to_lowercase(),
                "^^" => v.to_uppercase(),
                "," => map_first(v, char::to_lowercase),
                "^" => map_first(v, char::to_uppercase),
                _ => v.to_string(), // `lookupFunc`'s fallback, `toDefault`
            };
            Ok((value.map(case).ok_or_else(missing), after))
        }
        Some(':' | '/' | '#' | '%') => unmodelled(),
        _ => Err("missing closing brace"),
    }
}

/// `v` with its first character mapped (`toLowerFirst`, `toUpperFirst`).
fn map_first<I: Iterator<Item = char>>(v: &str, f: fn(char) -> I) -> String {
    let mut c = v.chars();
    match c.next() {
        Some(h) => f(h).chain(c).collect(),
        None => String::new(),
    }
}

/// `${var=d}`, `${var:=d}`, `${var:-d}`, `${var:?d}`, `${var:+d}` after the operator:
/// `toDefault` (the value unless empty, else the arguments joined). An argument is
/// text up to `}` or `${`, or a nested expression (`parseParam`, no escapes).
fn default_expr<'s>(var: &str, value: Option<&str>, mut rest: &'s str, vars: &Vars) -> Parsed<'s> {
    let mut default = Ok(String::new());
    loop {
        if let Some(after) = rest.strip_prefix('}') {
            rest = after;
            break;
        }
        if rest.is_empty() {
            return Err("unable to parse substitution within function");
        }
        if let Some(body) = rest.strip_prefix("${") {
            let (v, after) = expression(body, vars)?;
            default = match (default, v) {
                (Ok(d), Ok(v)) => Ok(d + &v),
                (Err(e), _) | (_, Err(e)) => Err(e),
            };
            rest = after;
            continue;
        }
        let end = match (rest.find('}'), rest.find("${")) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => a.or(b).unwrap_or(rest.len()),
        };
        if let Ok(d) = &mut default {
            d.push_str(&rest[..end]);
        }
        rest = &rest[end..];
    }
    let value = match value {
        Some(v) if !v.is_empty() => Ok(v.to_string()),
        // Unset here, it may still be set by a source outside the repository.
        None if !vars.unknown_sources.is_empty() => Err(Unresolved::Var(var.to_string())),
        _ => default,
    };
    Ok((value, rest))
}

#[cfg(test)]
mod tests {
    use super::{eval, Unresolved, Vars};

    fn vars(pairs: &[(&str, &str)], unknown_source: bool) -> Vars {
        Vars {
            known: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            unknown_sources: if unknown_source {
                vec!["ConfigMap flux-system/vars".to_string()]
            } else {
                Vec::new()
            },
            owner: "Kustomization flux-system/apps".to_string(),
        }
    }

    /// The cases of fluxcd/pkg `envsubst/eval_test.go` and `parse/parse_test.go` that
    /// the pre-flight evaluates, and what it does with the rest.
    #[test]
    fn evaluates_as_fluxcd_envsubst() {
        let v = vars(
            &[
                ("var01", "abcdEFGH28ij"),
                ("default_var", "foo"),
                ("empty", ""),
            ],
            false,
        );
        let ok = |s: &str| eval(s, &v).unwrap_or_else(|e| panic!("{s}: {e:?}"));
        assert_eq!(ok("abcdEFGH28ij"), "abcdEFGH28ij");
        assert_eq!(ok("${var01^}"), "AbcdEFGH28ij");
        assert_eq!(ok("${var01^^}"), "ABCDEFGH28IJ");
        assert_eq!(ok("${var01,}"), "abcdEFGH28ij");
        assert_eq!(ok("${var01,,}"), "abcdefgh28ij");
        assert_eq!(ok("${var=${var01^^}}"), "ABCDEFGH28IJ");
        assert_eq!(ok("$${var01}"), "${var01}");
        assert_eq!(
            ok("some text ${var01}$${var$${var01}$var01${var01}"),
            "some text abcdEFGH28ij${var${var01}$var01abcdEFGH28ij"
        );
        assert_eq!(
            ok("something $${var=${default_var}}"),
            "something ${var=foo}"
        );
        assert_eq!(ok("$$string"), "$string");
        assert_eq!(ok("$$$${var01}"), "$${var01}");
        assert_eq!(ok("$$${var01}"), "$abcdEFGH28ij");
        assert_eq!(ok("a$"), "a$");
        // Every default form: the default when the value is empty or unset.
        for op in ["=", ":=", ":-", ":?", ":+"] {
            assert_eq!(ok(&format!("${{nope{op}x}}")), "x", "{op}");
            assert_eq!(ok(&format!("${{empty{op}x}}")), "x", "{op}");
            assert_eq!(ok(&format!("${{var01{op}x}}")), "abcdEFGH28ij", "{op}");
        }
        assert_eq!(
            ok("${nope=prefix-${default_var}-suffix}"),
            "prefix-foo-suffix"
        );
        assert_eq!(ok("${nope:=}"), "");
        // Unset without a default; a function not evaluated; parse errors.
        assert_eq!(eval("${nope}", &v), Err(Unresolved::Var("nope".into())));
        assert_eq!(eval("${nope,,}", &v), Err(Unresolved::Var("nope".into())));
        assert_eq!(
            eval("${var01:0:2}-${#var01}", &v),
            Err(Unresolved::Function("${var01:0:2}".into()))
        );
        for bad in [
            "${var01-x}",
            "${var01",
            "${}",
            "${a.b}",
            "${nope=x",
            "${var01^x}",
        ] {
            assert!(
                matches!(eval(bad, &v), Err(Unresolved::Invalid(_))),
                "{bad}"
            );
        }
        // A parse error anywhere wins over an unknown value.
        assert!(matches!(
            eval("${nope} ${x-y}", &v),
            Err(Unresolved::Invalid(_))
        ));
        // With a source outside the repository, an unset variable is unknown even
        // with a default (the source may set it); a known one is not.
        let u = vars(&[("var01", "a")], true);
        assert_eq!(eval("${nope:=x}", &u), Err(Unresolved::Var("nope".into())));
        assert_eq!(eval("${var01:=x}", &u), Ok("a".into()));
        assert_eq!(eval("${var01=${nope}}", &u), Ok("a".into()));
        // Odd input never panics.
        for s in [
            "$", "${", "$$", "${é", "${é}", "${a:", "${a:=${", "${a,,,}", "}${a=}}",
        ] {
            let _ = eval(s, &u);
        }
    }
}
