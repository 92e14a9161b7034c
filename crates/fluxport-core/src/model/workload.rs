//! Objects whose containers v1 automated (MAPPING.md §4.2): Deployment, DaemonSet,
//! StatefulSet, CronJob and the items of any `*List`.

use crate::yaml::{Entry, Node};

/// One automatable object (the document root or a List item).
pub struct Workload<'a> {
    pub node: &'a Node,
    pub kind_short: &'static str,
    pub name: String,
    pub namespace: Option<String>,
    pub annotations: Option<&'a Entry>,
    /// (container name, `image` value node) of containers then initContainers.
    pub containers: Vec<(String, &'a Node)>,
    /// `imagePullSecrets[*].name` of the pod spec.
    pub pull_secrets: Vec<String>,
}

pub fn kind_short(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "Deployment" => "deploy",
        "DaemonSet" => "ds",
        "StatefulSet" => "sts",
        "CronJob" => "cj",
        _ => return None,
    })
}

/// Any object (root or item): its `metadata.annotations` entry.
pub fn annotations_entry(obj: &Node) -> Option<&Entry> {
    obj.get("metadata")?.entry("annotations")
}

/// Every object of a document: the root, and for `*List` kinds its items (recursively).
pub fn objects(root: &Node) -> Vec<&Node> {
    let mut out = Vec::new();
    let mut stack = vec![(root, 0usize)];
    while let Some((n, depth)) = stack.pop() {
        if !n.is_map() {
            continue;
        }
        out.push(n);
        let kind = n.get("kind").and_then(Node::as_str).unwrap_or("");
        if kind.ends_with("List") && depth < 8 {
            if let Some(items) = n.get("items") {
                for it in items.items().iter().rev() {
                    stack.push((it, depth + 1));
                }
            }
        }
    }
    out
}

/// The workload view of an object, if v1 automated its kind.
pub fn workload(obj: &Node) -> Option<Workload<'_>> {
    let kind = obj.get("kind").and_then(Node::as_str)?;
    let short = kind_short(kind)?;
    let pod = if short == "cj" {
        obj.path(&["spec", "jobTemplate", "spec", "template", "spec"])
    } else {
        obj.path(&["spec", "template", "spec"])
    };
    let meta = obj.get("metadata");
    let mut containers = Vec::new();
    let mut pull_secrets = Vec::new();
    if let Some(pod) = pod {
        for key in ["containers", "initContainers"] {
            for c in pod.get(key).map(Node::items).unwrap_or(&[]) {
                let (Some(name), Some(image)) =
                    (c.get("name").and_then(Node::as_str), c.get("image"))
                else {
                    continue;
                };
                if image.as_str().is_some() {
                    containers.push((name.to_string(), image));
                }
            }
        }
        for s in pod.get("imagePullSecrets").map(Node::items).unwrap_or(&[]) {
            if let Some(n) = s.get("name").and_then(Node::as_str) {
                pull_secrets.push(n.to_string());
            }
        }
    }
    Some(Workload {
        node: obj,
        kind_short: short,
        name: meta
            .and_then(|m| m.get("name"))
            .and_then(Node::as_str)
            .unwrap_or("")
            .to_string(),
        namespace: meta
            .and_then(|m| m.get("namespace"))
            .and_then(Node::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        annotations: annotations_entry(obj),
        containers,
        pull_secrets,
    })
}
