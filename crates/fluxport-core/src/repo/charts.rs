//! Helm 2 charts kept in the repository → Helm 3 layout (MAPPING.md §6, E15):
//! `Chart.yaml` apiVersion v1 → v2 (one-line edit), `requirements.yaml` dependencies
//! appended to `Chart.yaml` (requirements.yaml deleted), `requirements.lock` →
//! `Chart.lock` with the Helm 3 digest (`helm:internal/resolver/resolver.go#HashReq`).
//! The `generated` timestamp of the lock is kept as written (deterministic output).
//! Template findings: crd-install hooks, `.Release.Time`, `.Capabilities.TillerVersion`,
//! `heritage` in selectors.
//!
//! Reads: `files`. Writes: `edits`, `deleted`, `new_files`, `findings`.

use crate::model::codes::Code;
use crate::model::context::Context;
use crate::model::document::FileKind;
use crate::model::finding::Finding;
use crate::model::naming;
use crate::text::TextEdit;
use crate::yaml::{parse_document, Node};

/// One chart dependency, in Go struct field order (`helm:pkg/chart/v2/dependency.go`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dep {
    pub name: String,
    pub version: String,
    pub repository: String,
    pub condition: String,
    pub tags: Vec<String>,
    pub enabled: bool,
    pub import_values: Option<serde_json::Value>,
    pub alias: String,
}

/// Go `encoding/json` string encoding (HTML-safe: `<`, `>`, `&` escaped).
pub fn go_json_str(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn go_json_value(v: &serde_json::Value, out: &mut String) {
    match v {
        serde_json::Value::String(s) => go_json_str(s, out),
        serde_json::Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_json_value(x, out);
            }
            out.push(']');
        }
        serde_json::Value::Object(m) => {
            // Go sorts map keys.
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_json_str(k, out);
                out.push(':');
                go_json_value(&m[*k], out);
            }
            out.push('}');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// Compact Go JSON of one dependency (omitempty on all but name and repository).
pub fn dep_json(d: &Dep, out: &mut String) {
    out.push_str("{\"name\":");
    go_json_str(&d.name, out);
    if !d.version.is_empty() {
        out.push_str(",\"version\":");
        go_json_str(&d.version, out);
    }
    out.push_str(",\"repository\":");
    go_json_str(&d.repository, out);
    if !d.condition.is_empty() {
        out.push_str(",\"condition\":");
        go_json_str(&d.condition, out);
    }
    if !d.tags.is_empty() {
        out.push_str(",\"tags\":[");
        for (i, t) in d.tags.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            go_json_str(t, out);
        }
        out.push(']');
    }
    if d.enabled {
        out.push_str(",\"enabled\":true");
    }
    if let Some(iv) = d.import_values.as_ref().filter(|v| match v {
        serde_json::Value::Array(a) => !a.is_empty(),
        serde_json::Value::Null => false,
        _ => true,
    }) {
        out.push_str(",\"import-values\":");
        go_json_value(iv, out);
    }
    if !d.alias.is_empty() {
        out.push_str(",\"alias\":");
        go_json_str(&d.alias, out);
    }
    out.push('}');
}

/// `"sha256:" + hex(sha256(goJSON([2][]Dependency{req, lock})))`.
pub fn lock_digest(req: &[Dep], lock: &[Dep]) -> String {
    let mut s = String::from("[");
    for (li, list) in [req, lock].iter().enumerate() {
        if li > 0 {
            s.push(',');
        }
        if list.is_empty() {
            s.push_str("null");
            continue;
        }
        s.push('[');
        for (i, d) in list.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            dep_json(d, &mut s);
        }
        s.push(']');
    }
    s.push(']');
    format!("sha256:{}", naming::sha256_hex(s.as_bytes()))
}

/// The repository URL Helm 3 / source-controller accepts for `repo`.
pub fn fix_repo(repo: &str) -> String {
    if matches!(repo, "@stable" | "alias:stable") {
        return "https://charts.helm.sh/stable".into();
    }
    if matches!(repo, "@incubator" | "alias:incubator") {
        return "https://charts.helm.sh/incubator".into();
    }
    naming::rewrite_stable_repo(repo)
        .map(str::to_string)
        .unwrap_or_else(|| repo.to_string())
}

fn read_deps(root: &Node) -> Vec<(Dep, &Node)> {
    let Some(list) = root.get("dependencies") else {
        return Vec::new();
    };
    list.items()
        .iter()
        .map(|n| {
            let s = |k: &str| n.get(k).and_then(Node::as_str).unwrap_or("").to_string();
            (
                Dep {
                    name: s("name"),
                    version: s("version"),
                    repository: fix_repo(&s("repository")),
                    condition: s("condition"),
                    tags: n
                        .get("tags")
                        .map(|t| {
                            t.items()
                                .iter()
                                .filter_map(|x| x.as_str().map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default(),
                    enabled: n.get("enabled").and_then(Node::as_bool).unwrap_or(false),
                    import_values: n.get("import-values").map(crate::yaml::to_json),
                    alias: s("alias"),
                },
                n,
            )
        })
        .collect()
}

/// Rewrites repository values in `text` (a requirements/lock file) to the fixed URLs,
/// with findings; returns the new text.
fn rewrite_repos(path: &str, text: &str, root: &Node, findings: &mut Vec<Finding>) -> String {
    let mut edits = Vec::new();
    for (_, n) in read_deps(root) {
        let Some(r) = n.get("repository") else {
            continue;
        };
        let Some(raw) = r.as_str() else { continue };
        let fixed = fix_repo(raw);
        if raw.starts_with('@') || raw.starts_with("alias:") {
            findings.push(Finding::new(
                Code::DEP_REPO_ALIAS,
                path,
                r.line(),
                r.col(),
                format!("dependency repository `{raw}` is an alias"),
            ));
        }
        if fixed != raw {
            findings.push(Finding::new(
                Code::DEPRECATED_STABLE_REPO,
                path,
                r.line(),
                r.col(),
                format!("`{raw}` replaced by {fixed}"),
            ));
            edits.push(TextEdit::replace(r.start(), r.end(), fixed));
        }
    }
    crate::text::apply_edits(text, &edits)
}

/// Chart files are not parsed by load: read their bytes.
fn txt(f: &crate::model::document::LoadedFile) -> Option<String> {
    f.text
        .clone()
        .or_else(|| String::from_utf8(f.bytes.clone()).ok())
}

fn parse(text: &str) -> Option<Node> {
    parse_document(text, 256, 10_000).ok().and_then(|p| p.root)
}

/// Converts every Helm 2 chart directory of the input.
pub fn migrate(ctx: &mut Context) {
    let chart_files: Vec<usize> = ctx
        .files
        .iter()
        .enumerate()
        .filter(|(_, f)| f.path == "Chart.yaml" || f.path.ends_with("/Chart.yaml"))
        .map(|(i, _)| i)
        .collect();
    let mut findings = Vec::new();
    for ci in chart_files {
        let dir = ctx.files[ci]
            .path
            .trim_end_matches("Chart.yaml")
            .to_string();
        let Some(text) = txt(&ctx.files[ci]) else {
            continue;
        };
        let Some(root) = parse(&text) else { continue };
        let api = root
            .get("apiVersion")
            .and_then(Node::as_str)
            .unwrap_or("v1");
        if api != "v1" {
            continue;
        }
        let paths: Vec<String> = ctx.files.iter().map(|f| f.path.clone()).collect();
        let find = |name: &str| paths.iter().position(|p| *p == format!("{dir}{name}"));
        let mut edits = Vec::new();
        match root.get("apiVersion") {
            Some(n) => edits.push(TextEdit::replace(n.start(), n.end(), "v2")),
            None => edits.push(TextEdit::insert(
                0,
                format!("apiVersion: v2{}", ctx.files[ci].nl),
            )),
        }
        let mut req_deps = Vec::new();
        if let Some(ri) = find("requirements.yaml") {
            if let Some(rtext) = txt(&ctx.files[ri]) {
                if let Some(rroot) = parse(&rtext) {
                    if root.get("dependencies").is_none() {
                        req_deps = read_deps(&rroot).into_iter().map(|(d, _)| d).collect();
                        let fixed =
                            rewrite_repos(&ctx.files[ri].path, &rtext, &rroot, &mut findings);
                        // Append the `dependencies:` block as written (comments above
                        // it are dropped with the file).
                        let block = fixed
                            .find("dependencies:")
                            .map(|i| {
                                let ls = fixed[..i].rfind('\n').map(|x| x + 1).unwrap_or(0);
                                fixed[ls..].to_string()
                            })
                            .unwrap_or_default();
                        if !block.is_empty() {
                            let mut add = String::new();
                            if !text.ends_with('\n') && !text.is_empty() {
                                add.push_str(ctx.files[ci].nl);
                            }
                            add.push_str(&block);
                            if !add.ends_with('\n') {
                                add.push_str(ctx.files[ci].nl);
                            }
                            edits.push(TextEdit::insert(text.len(), add));
                            ctx.deleted.insert(ri);
                            let at = rroot.get("dependencies").map_or(1, Node::line);
                            findings.push(Finding::new(
                                Code::HELM2_CHART_FILE_MOVED,
                                &ctx.files[ri].path,
                                at,
                                1,
                                format!("dependencies moved into `{dir}Chart.yaml`; `requirements.yaml` is deleted"),
                            ));
                        }
                    }
                }
            }
        } else if root.get("dependencies").is_some() {
            req_deps = read_deps(&root).into_iter().map(|(d, _)| d).collect();
        }
        ctx.edits.entry(ci).or_default().extend(edits);
        if let Some(li) = find("requirements.lock") {
            if let Some(ltext) = txt(&ctx.files[li]) {
                if let Some(lroot) = parse(&ltext) {
                    let lock_deps: Vec<Dep> =
                        read_deps(&lroot).into_iter().map(|(d, _)| d).collect();
                    let mut fixed =
                        rewrite_repos(&ctx.files[li].path, &ltext, &lroot, &mut Vec::new());
                    let digest = lock_digest(&req_deps, &lock_deps);
                    if let Some(froot) = parse(&fixed) {
                        if let Some(dn) = froot.get("digest") {
                            fixed.replace_range(dn.start()..dn.end(), &digest);
                        }
                    }
                    let lock_path = format!("{dir}Chart.lock");
                    if !ctx.files.iter().any(|f| f.path == lock_path) {
                        ctx.deleted.insert(li);
                        findings.push(Finding::new(
                            Code::HELM2_CHART_FILE_MOVED,
                            &ctx.files[li].path,
                            1,
                            1,
                            format!("moved to `{lock_path}` (digest recomputed); `requirements.lock` is deleted"),
                        ));
                        ctx.new_files.insert(lock_path, vec![fixed]);
                    }
                }
            }
        }
    }
    // Template findings over every file of a chart directory.
    for f in ctx.files {
        if f.kind != FileKind::ChartFile || !f.path.contains("/templates/") {
            continue;
        }
        let Some(text) = txt(f) else { continue };
        let text = text.as_str();
        for (i, line) in text.lines().enumerate() {
            let hit = if line.contains("crd-install") {
                Some("`helm.sh/hook: crd-install`: Helm 3 skips this manifest; move the CRD into crds/")
            } else if line.contains(".Release.Time") {
                Some("`.Release.Time` does not exist in Helm 3")
            } else if line.contains(".Capabilities.TillerVersion") {
                Some("`.Capabilities.TillerVersion` does not exist in Helm 3")
            } else {
                None
            };
            if let Some(msg) = hit {
                findings.push(Finding::new(
                    Code::HELM2_CHART_TEMPLATE,
                    &f.path,
                    i + 1,
                    1,
                    msg,
                ));
            }
        }
        // heritage inside a selector block.
        let mut sel_indent: Option<usize> = None;
        for (i, line) in text.lines().enumerate() {
            let ind = line.len() - line.trim_start().len();
            if let Some(si) = sel_indent {
                if !line.trim().is_empty() && ind <= si {
                    sel_indent = None;
                } else if line.contains("heritage") {
                    findings.push(Finding::new(
                        Code::HELM2_SELECTOR_HERITAGE,
                        &f.path,
                        i + 1,
                        ind + 1,
                        "`heritage` in a selector changes from Tiller to Helm under Helm 3",
                    ));
                }
            }
            let t = line.trim_start();
            if t.starts_with("selector:") || t.starts_with("matchLabels:") {
                sel_indent.get_or_insert(ind);
            }
        }
    }
    ctx.findings.append(&mut findings);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// E15: the digest was computed independently with python3:
    /// `hashlib.sha256(b'[[{"name":"redis","version":"~10.5.0","repository":"https://charts.helm.sh/stable","condition":"redis.enabled"}],[{"name":"redis","version":"10.5.7","repository":"https://charts.helm.sh/stable"}]]').hexdigest()`
    #[test]
    fn e15_digest() {
        let req = [Dep {
            name: "redis".into(),
            version: "~10.5.0".into(),
            repository: fix_repo("@stable"),
            condition: "redis.enabled".into(),
            ..Dep::default()
        }];
        let lock = [Dep {
            name: "redis".into(),
            version: "10.5.7".into(),
            repository: fix_repo("https://kubernetes-charts.storage.googleapis.com/"),
            ..Dep::default()
        }];
        assert_eq!(
            lock_digest(&req, &lock),
            "sha256:1d5b6b3b583b0e5a4d7fedc216cf09e6fe9e7a2bdc9ed52f8027764f7202a95e"
        );
    }

    #[test]
    fn go_escaping() {
        let mut s = String::new();
        go_json_str("a<b>&\"\n", &mut s);
        assert_eq!(s, "\"a\\u003cb\\u003e\\u0026\\\"\\n\"");
    }
}
