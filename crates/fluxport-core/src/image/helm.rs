//! HelmRelease `spec.values` image detection (MAPPING.md §4.3, shapes A–H and the
//! `repository.fluxcd.io/` / `tag.fluxcd.io/` / `registry.fluxcd.io/` mappings).

use crate::model::image_ref as refs;
use crate::yaml::Node;
use std::collections::BTreeMap;

/// What to write for one container.
#[derive(Debug)]
pub enum Marker<'a> {
    /// Full `<ns>:<policy>` marker on a `name:tag` string.
    Full(&'a Node),
    /// `:tag` marker on the tag field.
    Tag(&'a Node),
    /// Registry + `name:tag`: no v2 setter (shapes D and H).
    Unsupported(&'a Node),
}

#[derive(Debug)]
pub struct Container<'a> {
    pub name: String,
    /// Image name as written, with the registry joined in front (`r/name`).
    pub image: String,
    pub tag: Option<String>,
    pub marker: Marker<'a>,
}

fn string(n: Option<&Node>) -> Option<&Node> {
    n.filter(|n| n.is_string())
}

/// A scalar usable as a tag (strings, or numbers that will be quoted).
fn scalar(n: Option<&Node>) -> Option<&Node> {
    n.filter(|n| n.as_str().is_some() && !n.is_null() && n.style().is_some())
}

fn join(reg: Option<&Node>, name: &str) -> String {
    match reg.and_then(Node::as_str) {
        Some(r) if !r.is_empty() => format!("{}/{name}", r.trim_end_matches('/')),
        _ => name.to_string(),
    }
}

/// Shape from (registry, repository-or-image, tag) nodes.
fn shape<'a>(
    name: &str,
    reg: Option<&'a Node>,
    repo: &'a Node,
    tag: Option<&'a Node>,
) -> Option<Container<'a>> {
    let repo_text = repo.as_str()?;
    let c = |image: String, tag: Option<String>, marker| Container {
        name: name.to_string(),
        image,
        tag,
        marker,
    };
    match (reg, tag) {
        (_, Some(t)) => Some(c(
            join(reg, repo_text),
            t.as_str().map(str::to_string),
            Marker::Tag(t),
        )),
        (Some(_), None) => {
            let r = refs::parse(repo_text);
            Some(c(join(reg, &r.name), r.tag, Marker::Unsupported(repo)))
        }
        (None, None) => {
            let r = refs::parse(repo_text);
            Some(c(r.name, r.tag, Marker::Full(repo)))
        }
    }
}

/// `interpretAsContainer` on a candidate map.
fn interpret<'a>(name: &str, m: &'a Node) -> Option<Container<'a>> {
    let image = m.get("image")?;
    if image.is_map() {
        let repo = string(image.get("repository"))?;
        return shape(
            name,
            string(image.get("registry")),
            repo,
            scalar(image.get("tag")),
        );
    }
    let image = string(Some(image))?;
    shape(name, string(m.get("registry")), image, scalar(m.get("tag")))
}

/// Dot path (gabs syntax) below `values`.
fn at<'a>(values: &'a Node, path: &str) -> Option<&'a Node> {
    path.split('.').try_fold(values, |n, k| n.get(k))
}

/// Every container of `spec.values`: auto-detected ones, overridden by mappings.
pub fn containers<'a>(
    values: &'a Node,
    mappings: &BTreeMap<String, BTreeMap<&'static str, String>>,
) -> Vec<Container<'a>> {
    let mut out: BTreeMap<String, Container<'a>> = BTreeMap::new();
    if let Some(c) = interpret("chart-image", values) {
        out.insert(c.name.clone(), c);
    }
    for e in values.entries() {
        let (Some(k), true) = (e.key.as_str(), e.value.is_map()) else {
            continue;
        };
        if let Some(c) = interpret(k, &e.value) {
            out.insert(c.name.clone(), c);
        }
    }
    for (alias, m) in mappings {
        let Some(repo) = m.get("repository").and_then(|p| string(at(values, p))) else {
            continue;
        };
        let reg = m.get("registry").and_then(|p| string(at(values, p)));
        let tag = m.get("tag").and_then(|p| scalar(at(values, p)));
        if let Some(c) = shape(alias, reg, repo, tag) {
            out.insert(alias.clone(), c);
        }
    }
    out.into_values().collect()
}

/// `repository.fluxcd.io/<alias>` etc. → alias → field → dot path.
pub fn mappings(annotations: Option<&Node>) -> BTreeMap<String, BTreeMap<&'static str, String>> {
    let mut out: BTreeMap<String, BTreeMap<&'static str, String>> = BTreeMap::new();
    for e in annotations.map(Node::entries).unwrap_or(&[]) {
        let (Some(k), Some(v)) = (e.key.as_str(), e.value.as_str()) else {
            continue;
        };
        for (prefix, field) in [
            ("repository.fluxcd.io/", "repository"),
            ("tag.fluxcd.io/", "tag"),
            ("registry.fluxcd.io/", "registry"),
        ] {
            if let Some(alias) = k.strip_prefix(prefix) {
                out.entry(alias.to_string())
                    .or_default()
                    .insert(field, v.to_string());
            }
        }
    }
    out
}
