//! The pre-GA upgrade stage: every Flux v2 object on an apiVersion the targeted Flux no
//! longer serves (`model::served`) is moved to the served version, field by field, with
//! minimal span edits (docs/preGA-upgrades.md, "MAPPING §0a", has each rule and its
//! source). Flux v1 objects and objects already on a served version are not touched.
//!
//! Reads: `ctx.files` (documents of kind `DocKind::FluxV2`, and kustomization files
//! for their patches of those objects, rule 0a.4).
//! Writes: `ctx.edits` (span edits of those documents) and `ctx.findings`
//! (`UPGRADE_API` per object, `UPGRADE_FIELD_DROPPED`, `UPGRADE_FIELD_DEFAULTED`,
//! `UPGRADE_FIELD_RENAMED`, `UPGRADE_FIELD_CHANGED`, `UPGRADE_DEFAULT_CHANGED`,
//! `UPGRADE_FIELD_UNCONVERTED` per field).
//!
//! Runs before the helm stage, so a HelmRepository it upgrades is one the helm
//! stage's source deduplication can find on its served version.

use crate::model::codes::Code;
use crate::model::context::Context;
use crate::model::document::{DocKind, DocRef};
use crate::model::finding::Finding;
use crate::model::served::{dropped_after, not_served, upgrade_to, FluxVersion};
use crate::repo::kustomize::{Model, ObjectRef};
use crate::text::TextEdit;
use crate::yaml::{Entry, Node};

/// What the upgrade does with one field of the old version (docs/preGA-upgrades.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    /// Removed from the served version, with nothing that replaces it: the lines go
    /// and a finding keeps what they said.
    Drop,
    /// `chart.spec.valuesFile: x` → `valuesFiles: [x]`.
    ValuesFileToList,
}

/// (kind, path below `spec`, rule). A `[]` segment is every item of a sequence.
const FIELD_RULES: &[(&str, &[&str], Rule)] = &[
    // §0a.1 HelmRelease v2beta1/v2beta2 → v2.
    (
        "HelmRelease",
        &["chart", "spec", "valuesFile"],
        Rule::ValuesFileToList,
    ),
    // §0a.2 Kustomization v1beta1/v1beta2 → v1.
    ("Kustomization", &["validation"], Rule::Drop),
    // §0a.3 GitRepository v1beta1/v1beta2 → v1.
    ("GitRepository", &["gitImplementation"], Rule::Drop),
    ("GitRepository", &["accessFrom"], Rule::Drop),
    // §0a.6 HelmChart/Bucket v1beta1/v1beta2 → v1.
    ("HelmChart", &["valuesFile"], Rule::ValuesFileToList),
    ("HelmChart", &["accessFrom"], Rule::Drop),
    ("Bucket", &["accessFrom"], Rule::Drop),
];

/// Pre-GA apiVersion prefixes the stage leaves as they are, because their field rules
/// are not written yet: an apiVersion rewrite alone would change what they mean.
/// `fluxport verify` still reports them (`VERIFY_API_NOT_SERVED`). Empty since the image
/// v1alpha1 (§0a.7) and notification (§0a.8) rules exist.
const NOT_YET: &[&str] = &[];

/// The version the stage upgrades this apiVersion of a kind to, for Flux `flux`: the
/// version that minor stores, when the object is on another one (`served::upgrade_to`),
/// and its rules are written (`NOT_YET`).
fn upgrade_target(api_version: &str, kind: &str, flux: FluxVersion) -> Option<&'static str> {
    upgrade_to(api_version, kind, flux)
        .filter(|_| !NOT_YET.iter().any(|p| api_version.starts_with(p)))
}

/// The stage: upgrades every pre-GA Flux v2 document of the input. `model` says which
/// documents are kustomize patches (partial objects: an old default written into one
/// would override the value of the object it patches).
pub fn apply(ctx: &mut Context, model: &Model<'_>) {
    let flux = ctx.opts.flux_version;
    let targets = ctx.docs_where(|k| match k {
        DocKind::FluxV2 { api_version, kind } => upgrade_target(api_version, kind, flux).is_some(),
        _ => false,
    });
    let (patches, objects): (Vec<_>, Vec<_>) = targets
        .into_iter()
        .partition(|&(file, doc)| model.is_patch_doc(ObjectRef { file, doc }));
    each_doc(ctx, &objects, |d, r| upgrade_doc(d, r, false, flux));
    each_doc(ctx, &patches, |d, r| upgrade_doc(d, r, true, flux));
    // kustomize patches of pre-GA objects: a patch selects its target by
    // group/version/kind, so it must name the version its (upgraded) target now has,
    // or `kustomize build` fails with "no matches for Id".
    let kustomizations = ctx.docs_where(|k| match k {
        DocKind::Object { api_version, kind } => {
            kind == "Kustomization" && api_version.starts_with("kustomize.config.k8s.io/")
        }
        DocKind::NotManifest => true,
        _ => false,
    });
    each_doc(ctx, &kustomizations, |d, r| {
        upgrade_kustomize_patches(d, r, flux, KUSTOMIZE_PATCH_KEYS)
    });
    // The same for the `spec.patches` of Flux Kustomizations (any version, upgraded or
    // not): kustomize-controller hands them to kustomize, which matches targets by
    // group/version/kind as above. `patchesStrategicMerge`/`patchesJson6902` of a
    // pre-GA Kustomization are moved by rule 0a.5 and keep their text.
    let flux_kustomizations = ctx.docs_where(|k| match k {
        DocKind::FluxV2 { api_version, kind } => {
            kind == "Kustomization" && api_version.starts_with("kustomize.toolkit.fluxcd.io/")
        }
        _ => false,
    });
    each_doc(ctx, &flux_kustomizations, |d, r| match r.get("spec") {
        Some(spec) if spec.is_map() => upgrade_kustomize_patches(d, spec, flux, &["patches"]),
        _ => (Vec::new(), Vec::new()),
    });
}

/// The patch fields of a kustomization file (`kustomize.config.k8s.io`).
const KUSTOMIZE_PATCH_KEYS: &[&str] = &["patchesStrategicMerge", "patches", "patchesJson6902"];

/// Runs `upgrade` (one document's edits, in offsets of its chunk, and findings) on
/// each document and keeps its edits and findings.
fn each_doc(
    ctx: &mut Context,
    docs: &[(usize, usize)],
    upgrade: impl Fn(DocRef<'_>, &Node) -> (Vec<TextEdit>, Vec<Finding>),
) {
    for &(fi, di) in docs {
        let Some(d) = ctx.doc_ref(fi, di) else {
            continue;
        };
        let Some(root) = ctx.files[fi].docs[di].root() else {
            continue;
        };
        let start = ctx.files[fi].docs[di].start;
        let (edits, findings) = upgrade(d, root);
        push_edits(ctx, fi, start, edits, findings);
    }
}

/// Adds one document's edits (offsets of its chunk, moved by `start`) and findings.
fn push_edits(
    ctx: &mut Context,
    fi: usize,
    start: usize,
    edits: Vec<TextEdit>,
    findings: Vec<Finding>,
) {
    ctx.findings.extend(findings);
    if edits.is_empty() {
        return;
    }
    let file_edits = ctx.edits.entry(fi).or_default();
    file_edits.extend(edits.into_iter().map(|mut e| {
        e.start += start;
        e.end += start;
        e
    }));
}

/// The edits of a kustomization file's patches of pre-GA Flux objects: the
/// `apiVersion` inside inline patch text (`patchesStrategicMerge` items, `patches[].patch`)
/// and the `target.version` of `patches`/`patchesJson6902` entries, of the fields
/// `keys` names (below `root`: a kustomization file, or a Flux Kustomization's `spec`).
/// Patch *files* are documents of their own and are upgraded as objects.
fn upgrade_kustomize_patches(
    d: DocRef<'_>,
    root: &Node,
    flux: FluxVersion,
    keys: &[&str],
) -> (Vec<TextEdit>, Vec<Finding>) {
    let mut edits = Vec::new();
    let mut findings = Vec::new();
    if !root.is_map() {
        return (edits, findings);
    }
    let mut inline: Vec<&Node> = Vec::new();
    let mut targets: Vec<&Node> = Vec::new();
    if let Some(items) = root
        .get("patchesStrategicMerge")
        .filter(|n| n.is_seq() && keys.contains(&"patchesStrategicMerge"))
    {
        inline.extend(items.items().iter().filter(|i| i.is_string()));
    }
    for key in ["patches", "patchesJson6902"]
        .into_iter()
        .filter(|k| keys.contains(k))
    {
        let Some(items) = root.get(key).filter(|n| n.is_seq()) else {
            continue;
        };
        for item in items.items().iter().filter(|i| i.is_map()) {
            if let Some(p) = item.get("patch").filter(|p| p.is_string()) {
                inline.push(p);
            }
            if let Some(t) = item.get("target").filter(|t| t.is_map()) {
                targets.push(t);
            }
        }
    }
    for node in inline {
        inline_patch_versions(d, node, flux, &mut edits, &mut findings);
    }
    for t in targets {
        let (Some(group), Some(version), Some(kind)) = (
            t.get("group").and_then(Node::as_str),
            t.get("version"),
            t.get("kind").and_then(Node::as_str),
        ) else {
            continue;
        };
        let Some(old) = version.as_str() else {
            continue;
        };
        let api = format!("{group}/{old}");
        let Some(new) = upgrade_target(&api, kind, flux) else {
            continue;
        };
        let span = &d.text[version.start()..version.end()];
        let Some(at) = span.find(old) else {
            continue;
        };
        let vstart = version.start() + at;
        edits.push(TextEdit::replace(vstart, vstart + old.len(), new));
        findings.push(Finding::new(
            Code::UPGRADE_API,
            d.file,
            version.line() + d.line_offset,
            version.col(),
            format!("patch target {kind} {api} → {group}/{new}, the version its target is upgraded to (docs/preGA-upgrades.md)"),
        ));
    }
    (edits, findings)
}

/// Rewrites `apiVersion: <pre-GA>` lines inside one inline patch's raw text (each
/// `---`-separated part with its own `kind:`), quoting kept.
fn inline_patch_versions(
    d: DocRef<'_>,
    node: &Node,
    flux: FluxVersion,
    edits: &mut Vec<TextEdit>,
    findings: &mut Vec<Finding>,
) {
    let raw = &d.text[node.start()..node.end()];
    // (offset in raw, line text) of every line.
    let mut lines = Vec::new();
    let mut off = 0;
    for l in raw.split_inclusive('\n') {
        lines.push((off, l));
        off += l.len();
    }
    let value_of = |l: &str, key: &str| -> Option<(usize, String)> {
        let t = l.trim_start();
        let rest = t.strip_prefix(key)?.strip_prefix(':')?;
        // The plain or quoted value, without a trailing comment.
        let v = rest
            .split_whitespace()
            .next()?
            .trim_matches(|c| c == '"' || c == '\'');
        let lead = l.len() - t.len() + key.len() + 1;
        let at = l[lead..].find(v)? + lead;
        Some((at, v.to_string()))
    };
    for part in lines.split(|(_, l)| l.trim() == "---") {
        let kind = part
            .iter()
            .find_map(|(_, l)| value_of(l, "kind").map(|(_, v)| v));
        let Some(kind) = kind else {
            continue;
        };
        for (o, l) in part {
            let Some((at, api)) = value_of(l, "apiVersion") else {
                continue;
            };
            let Some(new) = upgrade_target(&api, &kind, flux) else {
                continue;
            };
            let Some((group, old)) = api.split_once('/') else {
                continue;
            };
            let vstart = node.start() + o + at + group.len() + 1;
            edits.push(TextEdit::replace(vstart, vstart + old.len(), new));
            let line_in = raw[..*o].matches('\n').count();
            findings.push(Finding::new(
                Code::UPGRADE_API,
                d.file,
                node.line() + d.line_offset + line_in,
                at + 1,
                format!("inline patch of {kind}: {api} → {group}/{new}, the version its target is upgraded to (docs/preGA-upgrades.md)"),
            ));
        }
    }
}

/// The edits (in offsets of the document chunk) and findings that upgrade one object.
/// `patch`: the document is a kustomize patch (a partial object), so no default is
/// written into it and no unset field is reported.
fn upgrade_doc(
    d: DocRef<'_>,
    root: &Node,
    patch: bool,
    flux: FluxVersion,
) -> (Vec<TextEdit>, Vec<Finding>) {
    let mut edits = Vec::new();
    let mut findings = Vec::new();
    let (Some(api), Some(kind)) = (
        root.get("apiVersion").and_then(Node::as_str),
        root.get("kind").and_then(Node::as_str),
    ) else {
        return (edits, findings);
    };
    let Some(new) = upgrade_target(api, kind, flux) else {
        return (edits, findings);
    };
    let Some((group, old)) = api.split_once('/') else {
        return (edits, findings);
    };
    let Some(api_node) = root.get("apiVersion") else {
        return (edits, findings);
    };
    let line = |n: &Node| n.line() + d.line_offset;
    // The version inside the scalar's own text, so its quoting survives.
    let span = &d.text[api_node.start()..api_node.end()];
    let Some(at) = span.rfind(old) else {
        return (edits, findings);
    };
    let vstart = api_node.start() + at;
    edits.push(TextEdit::replace(vstart, vstart + old.len(), new));
    findings.push(Finding::new(
        Code::UPGRADE_API,
        d.file,
        line(api_node),
        api_node.col(),
        format!(
            "{kind} {api} → {group}/{new}{} (docs/preGA-upgrades.md)",
            match (not_served(api, kind, flux), dropped_after(api, kind, flux)) {
                (None, Some(gone)) =>
                    format!("; Flux {flux} still serves {old} (deprecated), {gone} does not"),
                (None, None) => format!("; Flux {flux} still serves {old} (deprecated)"),
                _ => String::new(),
            }
        ),
    ));
    let Some(spec) = root.get("spec").filter(|s| s.is_map()) else {
        return (edits, findings);
    };
    if kind == "Kustomization" && !patch {
        prune_default(d, spec, &mut edits, &mut findings);
        patches_rewrite(d, spec, "the Kustomization", &mut edits, &mut findings);
    }
    if kind == "HelmRelease" && old == "v2beta1" {
        helmrelease_v2beta1(d, spec, patch, &mut findings);
    }
    if kind == "HelmRepository" {
        helmrepository_timeout(d, spec, &mut findings);
    }
    if kind == "Alert" {
        alert_summary(d, spec, &mut edits, &mut findings);
    }
    if kind == "ImageUpdateAutomation" {
        if old == "v1alpha1" {
            automation_v1alpha1(d, spec, &mut edits, &mut findings);
        }
        updated_template(d, spec, &mut findings);
    }
    if kind == "HelmRelease" {
        for r in spec.get("postRenderers").map_or(&[][..], Node::items) {
            if let Some(k) = r.get("kustomize").filter(|k| k.is_map()) {
                patches_rewrite(d, k, "a postRenderers kustomize", &mut edits, &mut findings);
            }
        }
    }
    for (k, path, rule) in FIELD_RULES {
        if *k != kind {
            continue;
        }
        let mut found = Vec::new();
        entries_at(spec, path, &mut found);
        for (parent, key) in found {
            let Some(entry) = parent.entry(key) else {
                continue;
            };
            field_rule(d, parent, entry, *rule, &mut edits, &mut findings);
        }
    }
    (edits, findings)
}

/// Every (map, key) where `path` names an existing entry below `node`.
fn entries_at<'a>(node: &'a Node, path: &[&'a str], out: &mut Vec<(&'a Node, &'a str)>) {
    match path {
        [] => {}
        ["[]", rest @ ..] => {
            for item in node.items() {
                entries_at(item, rest, out);
            }
        }
        [key] => {
            if node.is_map() && node.entry(key).is_some() {
                out.push((node, key));
            }
        }
        [key, rest @ ..] => {
            if let Some(child) = node.get(key) {
                entries_at(child, rest, out);
            }
        }
    }
}

fn field_rule(
    d: DocRef<'_>,
    parent: &Node,
    entry: &Entry,
    rule: Rule,
    edits: &mut Vec<TextEdit>,
    findings: &mut Vec<Finding>,
) {
    let key = entry.key.as_str().unwrap_or("?");
    let line = entry.key.line() + d.line_offset;
    let col = entry.key.col();
    let shown = d.text[entry.key.start()..entry.value.end().max(entry.key.end())].trim_end();
    match rule {
        Rule::Drop if !parent.is_flow() => {
            let (s, e) = whole_lines(d, entry.key.start(), entry.value.end().max(entry.key.end()));
            edits.push(TextEdit::replace(s, e, ""));
            findings.push(Finding::new(
                Code::UPGRADE_FIELD_DROPPED,
                d.file,
                line,
                col,
                format!("`{key}` is not in the served version and was removed; it said: {shown}"),
            ));
        }
        Rule::ValuesFileToList
            if !parent.is_flow()
                && parent.get("valuesFiles").is_none()
                && entry.value.as_str().is_some()
                && entry.value.line() == entry.key.line() =>
        {
            let v = &d.text[entry.value.start()..entry.value.end()];
            edits.push(TextEdit::replace(
                entry.key.start(),
                entry.key.end(),
                "valuesFiles",
            ));
            edits.push(TextEdit::replace(
                entry.value.start(),
                entry.value.end(),
                format!("[{v}]"),
            ));
            findings.push(Finding::new(
                Code::UPGRADE_FIELD_RENAMED,
                d.file,
                line,
                col,
                format!("`valuesFile: {v}` → `valuesFiles: [{v}]`"),
            ));
        }
        // A shape the rule does not rewrite: left in place with a finding.
        _ => findings.push(Finding::new(
            Code::UPGRADE_FIELD_UNCONVERTED,
            d.file,
            line,
            col,
            format!("`{key}` has another shape in the served version; fluxport left it as it was"),
        )),
    }
}

/// §0a.1 HelmRelease v2beta1 → v2: `driftDetection` was provisional in v2beta1 and not
/// used by it (`fluxcd/helm-controller:api/v2beta1/helmrelease_types.go`), in v2 it
/// takes effect; `maxHistory` defaulted to 10 in v2beta1 and defaults to 5 since
/// v2beta2 (`CHANGELOG.md`, v0.37.0).
fn helmrelease_v2beta1(d: DocRef<'_>, spec: &Node, patch: bool, findings: &mut Vec<Finding>) {
    if let Some(e) = spec.entry("driftDetection") {
        let shown = d.text[e.key.start()..e.value.end().max(e.key.end())].trim_end();
        findings.push(Finding::new(
            Code::UPGRADE_FIELD_CHANGED,
            d.file,
            e.key.line() + d.line_offset,
            e.key.col(),
            format!("`driftDetection` was provisional in v2beta1 and not used by v2beta1 HelmReleases; in v2 it takes effect: {shown}"),
        ));
    }
    if !patch && spec.get("maxHistory").is_none() {
        let (line, col) = spec
            .entries()
            .first()
            .map_or((0, 1), |e| (e.key.line(), e.key.col()));
        findings.push(Finding::new(
            Code::UPGRADE_DEFAULT_CHANGED,
            d.file,
            line + d.line_offset,
            col,
            "`maxHistory` is unset: v2beta1 kept 10 Helm release revisions, v2 keeps 5 (set `maxHistory: 10` to keep the old number)",
        ));
    }
}

/// §0a.6 HelmRepository: `timeout` had no pattern in v1beta1; v1 accepts only
/// `ms`, `s` and `m` units (`api/v1/helmrepository_types.go`).
fn helmrepository_timeout(d: DocRef<'_>, spec: &Node, findings: &mut Vec<Finding>) {
    let Some(e) = spec.entry("timeout") else {
        return;
    };
    let Some(v) = e.value.as_str() else {
        return;
    };
    let ok = !v.is_empty() && {
        // ^([0-9]+(\.[0-9]+)?(ms|s|m))+$
        let b = v.as_bytes();
        let mut i = 0;
        let mut good = true;
        while i < b.len() && good {
            let s = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i == s {
                good = false;
                break;
            }
            if i < b.len() && b[i] == b'.' {
                i += 1;
                let f = i;
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                good = i > f;
            }
            if b[i..].starts_with(b"ms") {
                i += 2;
            } else if i < b.len() && (b[i] == b's' || b[i] == b'm') {
                i += 1;
            } else {
                good = false;
            }
        }
        good
    };
    if !ok {
        findings.push(Finding::new(
            Code::UPGRADE_FIELD_UNCONVERTED,
            d.file,
            e.key.line() + d.line_offset,
            e.key.col(),
            format!("`timeout: {v}` is not accepted by source.toolkit.fluxcd.io/v1 (units ms, s, m only); fluxport left it as it was: write it in minutes"),
        ));
    }
}

/// Kustomization v1 requires `spec.prune`; v1beta1/v1beta2 defaulted it to `false`:
/// the old default is written out, so the object means what it meant.
fn prune_default(
    d: DocRef<'_>,
    spec: &Node,
    edits: &mut Vec<TextEdit>,
    findings: &mut Vec<Finding>,
) {
    if spec.get("prune").is_some() || spec.is_flow() {
        return;
    }
    let Some(first) = spec.entries().first() else {
        return;
    };
    let at = d.index.line_start(first.key.line());
    if at > d.text.len() || d.text[at..first.key.start()].trim() != "" {
        return;
    }
    let indent = &d.text[at..first.key.start()];
    let nl = if d.text.contains("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    edits.push(TextEdit::insert(at, format!("{indent}prune: false{nl}")));
    findings.push(Finding::new(
        Code::UPGRADE_FIELD_DEFAULTED,
        d.file,
        first.key.line() + d.line_offset,
        first.key.col(),
        "`prune` is required in kustomize.toolkit.fluxcd.io/v1; the old default `prune: false` is written out",
    ));
}

/// The byte range of the whole lines holding `start..end`, line break included.
fn whole_lines(d: DocRef<'_>, start: usize, end: usize) -> (usize, usize) {
    let s = d.index.line_start(d.index.line_of(start));
    let last = d.index.line_of(end.max(start + 1) - 1);
    let next = d.index.line_start(last + 1);
    let e = if next == usize::MAX || next > d.text.len() {
        d.text.len()
    } else {
        next
    };
    (s.min(start), e)
}

/// True when a node or anything below it has an anchor, a tag or an alias: its text
/// cannot be moved into a block scalar as it is (an alias would lose its anchor).
fn has_anchor_tag_alias(n: &Node) -> bool {
    if matches!(n.value, crate::yaml::Value::Alias) || n.meta().anchored() || n.meta().tagged() {
        return true;
    }
    n.items().iter().any(has_anchor_tag_alias)
        || n.entries()
            .iter()
            .any(|e| has_anchor_tag_alias(&e.key) || has_anchor_tag_alias(&e.value))
}

/// The text of a node's lines, dedented to its own column: the first line from the
/// node's start, the others without the node's indentation (comment lines with less
/// indentation lose all of theirs). A trailing comment on the last line is kept when
/// nothing else follows the node there. Lines come without their line breaks.
fn node_lines(d: DocRef<'_>, n: &Node) -> Vec<String> {
    span_lines(d, n.start(), n.end())
}

/// The lines of `start..end` (to the end of the last line when only a comment follows),
/// dedented by the column of `start`; see [`node_lines`].
fn span_lines(d: DocRef<'_>, start: usize, end: usize) -> Vec<String> {
    let text = d.text;
    let ls = d.index.line_start(d.index.line_of(start)).min(start);
    let base = start - ls;
    let eol = text[end..].find('\n').map_or(text.len(), |i| end + i);
    let rest = text[end..eol].trim();
    let end = if rest.is_empty() || rest.starts_with('#') {
        eol
    } else {
        end
    };
    text[start..end]
        .split('\n')
        .enumerate()
        .map(|(i, l)| {
            let l = l.strip_suffix('\r').unwrap_or(l);
            if i == 0 {
                return l.trim_end().to_string();
            }
            let lead = l.len() - l.trim_start_matches(' ').len();
            l[lead.min(base)..].trim_end().to_string()
        })
        .collect()
}

/// An entry's lines (key to the end of its value), dedented to the key's column.
fn entry_lines(d: DocRef<'_>, e: &Entry) -> Vec<String> {
    span_lines(d, e.key.start(), e.value.end().max(e.key.end()))
}

/// §0a.7 ImageUpdateAutomation v1alpha1 → v1, as the v1alpha2 spec's "Migrating from
/// v1alpha1" table says (`fluxcd/image-automation-controller:
/// docs/spec/v1alpha2/imageupdateautomations.md`): `checkout.gitRepositoryRef` →
/// `sourceRef` (kind GitRepository), `checkout.branch` → `git.checkout.ref.branch`,
/// `commit` → `git.commit` with `authorName`/`authorEmail` → `author.name`/`author.email`,
/// `push` → `git.push`. `update` (`strategy: Setters`, `path`) is unchanged.
fn automation_v1alpha1(
    d: DocRef<'_>,
    spec: &Node,
    edits: &mut Vec<TextEdit>,
    findings: &mut Vec<Finding>,
) {
    let known = |n: Option<&Node>, keys: &[&str]| {
        n.is_none_or(|n| {
            n.is_map()
                && !n.is_flow()
                && !has_anchor_tag_alias(n)
                && n.entries()
                    .iter()
                    .all(|e| e.key.as_str().is_some_and(|k| keys.contains(&k)))
        })
    };
    let checkout = spec.entry("checkout");
    let commit = spec.entry("commit");
    let push = spec.entry("push");
    let reference = checkout.and_then(|c| c.value.get("gitRepositoryRef"));
    let ok = !spec.is_flow()
        && spec.get("git").is_none()
        && spec.get("sourceRef").is_none()
        && checkout.is_some()
        && known(checkout.map(|e| &e.value), &["gitRepositoryRef", "branch"])
        && known(reference, &["name"])
        && reference.and_then(|r| r.get("name")).is_some()
        && known(
            commit.map(|e| &e.value),
            &["authorName", "authorEmail", "messageTemplate", "signingKey"],
        )
        && known(push.map(|e| &e.value), &["branch"]);
    let moved: Vec<&Entry> = [checkout, commit, push].into_iter().flatten().collect();
    if !ok {
        for e in moved {
            findings.push(Finding::new(
                Code::UPGRADE_FIELD_UNCONVERTED,
                d.file,
                e.key.line() + d.line_offset,
                e.key.col(),
                format!(
                    "`{}` of a v1alpha1 ImageUpdateAutomation moves below `git` in v1 (and `checkout.gitRepositoryRef` to `sourceRef`), but it has a shape fluxport does not rewrite; it was left as it was",
                    e.key.as_str().unwrap_or("?")
                ),
            ));
        }
        return;
    }
    let checkout = checkout.unwrap();
    let nl = crate::text::line_ending(d.text);
    let k = checkout.key.start()
        - d.index
            .line_start(checkout.key.line())
            .min(checkout.key.start());
    let i0 = " ".repeat(k);
    let (i1, i2, i3) = (" ".repeat(k + 2), " ".repeat(k + 4), " ".repeat(k + 6));
    let mut out = vec![
        format!("{i0}sourceRef:"),
        format!("{i1}kind: GitRepository"),
    ];
    for e in reference.unwrap().entries() {
        for l in entry_lines(d, e) {
            out.push(format!("{i1}{l}"));
        }
    }
    out.push(format!("{i0}git:"));
    if let Some(b) = checkout.value.entry("branch") {
        out.push(format!("{i1}checkout:"));
        out.push(format!("{i2}ref:"));
        for l in entry_lines(d, b) {
            out.push(format!("{i3}{l}"));
        }
    }
    if let Some(c) = commit {
        out.push(format!("{i1}commit:"));
        let (name, email) = (c.value.entry("authorName"), c.value.entry("authorEmail"));
        if name.is_some() || email.is_some() {
            out.push(format!("{i2}author:"));
            for (e, new) in [(name, "name"), (email, "email")] {
                let Some(e) = e else { continue };
                let mut ls = entry_lines(d, e);
                let old = e.key.as_str().unwrap_or("");
                ls[0] = format!("{new}{}", &ls[0][old.len()..]);
                for l in ls {
                    out.push(format!("{i3}{l}"));
                }
            }
        }
        for e in c.value.entries() {
            if matches!(e.key.as_str(), Some("authorName" | "authorEmail")) {
                continue;
            }
            block_lines(&entry_lines(d, e), &i2, &mut out);
        }
    }
    if let Some(p) = push {
        out.push(format!("{i1}push:"));
        for e in p.value.entries() {
            for l in entry_lines(d, e) {
                out.push(format!("{i2}{l}"));
            }
        }
    }
    let mut new_text = out.join(nl);
    new_text.push_str(nl);
    let mut first = true;
    for e in &moved {
        let (s, end) = whole_lines(d, e.key.start(), e.value.end().max(e.key.end()));
        edits.push(TextEdit::replace(
            s,
            end,
            if first {
                new_text.clone()
            } else {
                String::new()
            },
        ));
        first = false;
        findings.push(Finding::new(
            Code::UPGRADE_FIELD_RENAMED,
            d.file,
            e.key.line() + d.line_offset,
            e.key.col(),
            format!(
                "`{}` of a v1alpha1 ImageUpdateAutomation → {}",
                e.key.as_str().unwrap_or("?"),
                match e.key.as_str() {
                    Some("checkout") =>
                        "`sourceRef` (kind GitRepository) and `git.checkout.ref.branch`",
                    Some("commit") =>
                        "`git.commit` (authorName/authorEmail → author.name/author.email)",
                    _ => "`git.push`",
                }
            ),
        ));
    }
}

/// §0a.8 Alert v1beta1/v1beta2 → v1beta3: `summary` is deprecated for
/// `eventMetadata.summary` (`fluxcd/notification-controller:docs/spec/v1beta3/alerts.md`,
/// "Summary"; `api/v1beta3/alert_types.go`). Without `eventMetadata` the entry becomes
/// `eventMetadata: {summary: …}`; with one, `summary` goes below it, unless it has a
/// `summary` key already, which took precedence ("Event metadata" order): then the old
/// field is dropped.
fn alert_summary(
    d: DocRef<'_>,
    spec: &Node,
    edits: &mut Vec<TextEdit>,
    findings: &mut Vec<Finding>,
) {
    let Some(e) = spec.entry("summary") else {
        return;
    };
    let meta = spec.entry("eventMetadata");
    let line = e.key.line() + d.line_offset;
    let shown = d.text[e.key.start()..e.value.end().max(e.key.end())]
        .trim_end()
        .to_string();
    let simple = !spec.is_flow() && !has_anchor_tag_alias(&e.value) && e.value.as_str().is_some();
    let meta_block = meta
        .is_none_or(|m| m.value.is_map() && !m.value.is_flow() && !m.value.entries().is_empty());
    if !simple || !meta_block {
        findings.push(Finding::new(
            Code::UPGRADE_FIELD_UNCONVERTED,
            d.file,
            line,
            e.key.col(),
            "`summary` is deprecated in notification.toolkit.fluxcd.io/v1beta3 for `eventMetadata.summary`; fluxport left it as it was (a shape it does not rewrite)",
        ));
        return;
    }
    let nl = crate::text::line_ending(d.text);
    let (s, end) = whole_lines(d, e.key.start(), e.value.end().max(e.key.end()));
    let k = e.key.start() - d.index.line_start(e.key.line()).min(e.key.start());
    match meta {
        None => {
            let mut out = vec![format!("{}eventMetadata:", " ".repeat(k))];
            block_lines(&entry_lines(d, e), &" ".repeat(k + 2), &mut out);
            let mut t = out.join(nl);
            t.push_str(nl);
            edits.push(TextEdit::replace(s, end, t));
            findings.push(Finding::new(
                Code::UPGRADE_FIELD_RENAMED,
                d.file,
                line,
                e.key.col(),
                format!("`{shown}` → `eventMetadata.summary` (summary is deprecated in v1beta3)"),
            ));
        }
        Some(m) if m.value.get("summary").is_some() => {
            edits.push(TextEdit::replace(s, end, ""));
            findings.push(Finding::new(
                Code::UPGRADE_FIELD_DROPPED,
                d.file,
                line,
                e.key.col(),
                format!("`summary` was overridden by `eventMetadata.summary` and was removed; it said: {shown}"),
            ));
        }
        Some(m) => {
            let first = &m.value.entries()[0];
            let fk =
                first.key.start() - d.index.line_start(first.key.line()).min(first.key.start());
            let at = d.index.line_start(first.key.line());
            let mut out = Vec::new();
            block_lines(&entry_lines(d, e), &" ".repeat(fk), &mut out);
            let mut t = out.join(nl);
            t.push_str(nl);
            edits.push(TextEdit::insert(at, t));
            edits.push(TextEdit::replace(s, end, ""));
            findings.push(Finding::new(
                Code::UPGRADE_FIELD_RENAMED,
                d.file,
                line,
                e.key.col(),
                format!("`{shown}` → `eventMetadata.summary` (summary is deprecated in v1beta3)"),
            ));
        }
    }
}

/// ImageUpdateAutomation v1 removed the `Updated` template data
/// (`docs/spec/v1/imageupdateautomations.md`, "Removal Note": a template using it is an
/// error and the object is Stalled); `Changed` replaces it with another shape.
fn updated_template(d: DocRef<'_>, spec: &Node, findings: &mut Vec<Finding>) {
    for path in [&["git", "commit"][..], &["commit"]] {
        let Some(t) = spec.path(path).and_then(|c| c.entry("messageTemplate")) else {
            continue;
        };
        if t.value.as_str().is_some_and(|s| s.contains(".Updated")) {
            findings.push(Finding::new(
                Code::UPGRADE_FIELD_UNCONVERTED,
                d.file,
                t.key.line() + d.line_offset,
                t.key.col(),
                "`messageTemplate` uses `.Updated`, which image.toolkit.fluxcd.io/v1 removed (the automation stalls with an error); fluxport left it as it was: rewrite it with `.Changed` (for example `{{ range .Changed.Changes }}{{ .OldValue }} -> {{ .NewValue }}{{ end }}`)",
            ));
        }
    }
}

/// `lines` as the content of a literal block scalar indented by `indent`.
fn block_lines(lines: &[String], indent: &str, out: &mut Vec<String>) {
    for l in lines {
        if l.trim().is_empty() {
            out.push(String::new());
        } else {
            out.push(format!("{indent}{l}"));
        }
    }
}

/// §0a.5: `patchesStrategicMerge` / `patchesJson6902` → `patches` entries in `map` (a
/// Kustomization's `spec` or a HelmRelease's `postRenderers[].kustomize`). As kustomize's
/// own `kustomize edit fix` does (`kubernetes-sigs/kustomize:api/types/kustomization.go`,
/// `FixKustomization`): JSON 6902 patches become `{target, patch: <ops as YAML text>}`,
/// each strategic-merge patch `{patch: <its YAML text>}` without a target (kustomize
/// then patches the object the patch names by apiVersion, kind, name and namespace,
/// as it did for `patchesStrategicMerge`), appended after any existing `patches`.
fn patches_rewrite(
    d: DocRef<'_>,
    map: &Node,
    what: &str,
    edits: &mut Vec<TextEdit>,
    findings: &mut Vec<Finding>,
) {
    let sm = map.entry("patchesStrategicMerge");
    let js = map.entry("patchesJson6902");
    if sm.is_none() && js.is_none() {
        return;
    }
    let unconverted = |e: &Entry, why: &str, findings: &mut Vec<Finding>| {
        findings.push(Finding::new(
            Code::UPGRADE_FIELD_UNCONVERTED,
            d.file,
            e.key.line() + d.line_offset,
            e.key.col(),
            format!(
                "`{}` of {what} is not in the served version and fluxport left it as it was ({why}); rewrite it as `patches:` entries",
                e.key.as_str().unwrap_or("?")
            ),
        ));
    };
    let existing = map.entry("patches");
    let blocked = if map.is_flow() {
        Some("a flow mapping")
    } else if existing.is_some_and(|p| {
        !(p.value.is_null() && p.value.start() == p.value.end()
            || p.value.is_seq() && !p.value.is_flow() && !p.value.items().is_empty())
    }) {
        Some("`patches` is not a block sequence")
    } else {
        None
    };
    // Convertible entries, in kustomize's order: JSON 6902 first, then strategic merge.
    let mut todo: Vec<(&Entry, bool)> = Vec::new();
    for (e, json) in [(js, true), (sm, false)] {
        let Some(e) = e else { continue };
        if let Some(why) = blocked {
            unconverted(e, why, findings);
            continue;
        }
        let v = &e.value;
        let ok = (v.is_seq() || v.is_null())
            && !has_anchor_tag_alias(v)
            && v.items().iter().all(|i| {
                i.is_map()
                    && (!json
                        || i.get("patch").is_some_and(|p| p.is_seq())
                            && i.get("target").is_some_and(|t| t.is_map())
                            && i.entries().len() == 2)
            });
        if ok {
            todo.push((e, json));
        } else {
            let why = if has_anchor_tag_alias(v) {
                "it has an anchor, alias or tag"
            } else {
                "an item has a shape fluxport does not rewrite"
            };
            unconverted(e, why, findings);
        }
    }
    if todo.is_empty() {
        return;
    }
    let nl = crate::text::line_ending(d.text);
    let key_of = |e: &Entry| e.key.start() - d.index.line_start(e.key.line()).min(e.key.start());
    // Where the new items go and how they are indented.
    let (dash, head) = match existing.filter(|p| p.value.is_seq()) {
        Some(p) => {
            let first = &p.value.items()[0];
            let ls = d.index.line_start(first.line()).min(first.start());
            let dash = d.text[ls..first.start()].find('-').unwrap_or(0);
            (dash, None)
        }
        None => {
            let first = todo
                .iter()
                .map(|(e, _)| e)
                .min_by_key(|e| e.key.start())
                .unwrap();
            (key_of(first) + 2, Some(key_of(first)))
        }
    };
    let ind = " ".repeat(dash);
    let mut out: Vec<String> = Vec::new();
    if let Some(k) = head {
        if existing.is_none() {
            out.push(format!("{}patches:", " ".repeat(k)));
        }
    }
    let count: usize = todo.iter().map(|(e, _)| e.value.items().len()).sum();
    if count == 0 {
        out.clear();
    }
    for (e, json) in &todo {
        let mut from = e.key.end();
        for item in e.value.items() {
            // Comment lines above the item stay above its new entry.
            let ls = d.index.line_start(item.line()).min(item.start());
            if from < ls {
                for l in d.text[from..ls].lines() {
                    let t = l.trim();
                    if t.starts_with('#') {
                        out.push(format!("{ind}{t}"));
                    }
                }
            }
            from = whole_lines(d, item.start(), item.end()).1;
            if *json {
                let target = item.get("target").unwrap();
                let patch = item.get("patch").unwrap();
                let t = node_lines(d, target);
                if target.is_flow() {
                    out.push(format!("{ind}- target: {}", t[0]));
                } else {
                    out.push(format!("{ind}- target:"));
                    block_lines(&t, &format!("{ind}    "), &mut out);
                }
                out.push(format!("{ind}  patch: |"));
                block_lines(&node_lines(d, patch), &format!("{ind}    "), &mut out);
            } else {
                out.push(format!("{ind}- patch: |"));
                block_lines(&node_lines(d, item), &format!("{ind}    "), &mut out);
            }
        }
    }
    let mut new_text = out.join(nl);
    if !out.is_empty() {
        new_text.push_str(nl);
    }
    // Remove the old entries; the new items go after the existing `patches` or where
    // the first old entry was.
    let mut at = None;
    for (e, json) in &todo {
        let (s, end) = whole_lines(d, e.key.start(), e.value.end().max(e.key.end()));
        if head.is_some() && at.is_none_or(|a| s < a) {
            at = Some(s);
        }
        edits.push(TextEdit::replace(s, end, ""));
        let n = e.value.items().len();
        // kustomize ran patchesJson6902 after its namespace, prefix/suffix, label and
        // annotation transformers, `patches` before them
        // (`api/internal/target/kusttarget.go`, `configureBuiltinTransformers`).
        let transformed = [
            "targetNamespace",
            "commonMetadata",
            "namePrefix",
            "nameSuffix",
        ]
        .into_iter()
        .filter(|k| map.get(k).is_some())
        .collect::<Vec<_>>();
        if *json && n > 0 && !transformed.is_empty() {
            findings.push(Finding::new(
                Code::UPGRADE_FIELD_CHANGED,
                d.file,
                e.key.line() + d.line_offset,
                e.key.col(),
                format!(
                    "kustomize applied `patchesJson6902` after the transformers of {}, and applies `patches` before them: a target selecting by the transformed namespace, name or labels, or an op on those fields, now sees the values from before the transform",
                    transformed.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
                ),
            ));
        }
        findings.push(Finding::new(
            Code::UPGRADE_FIELD_RENAMED,
            d.file,
            e.key.line() + d.line_offset,
            e.key.col(),
            format!(
                "`{}` of {what} → {n} `patches` entr{} with the same patch text{}",
                e.key.as_str().unwrap_or("?"),
                if n == 1 { "y" } else { "ies" },
                if existing.is_some() {
                    "; they come after the existing `patches`, so where two patches set the same field the order of application changed (kustomize ran patchesStrategicMerge before patches)"
                } else {
                    ""
                }
            ),
        ));
    }
    let at = match (existing.filter(|p| p.value.is_seq()), at) {
        (Some(p), _) => {
            let last = p.value.items().last().unwrap();
            whole_lines(d, last.start(), last.end()).1
        }
        (None, Some(a)) => a,
        (None, None) => return,
    };
    if let Some(p) = existing.filter(|p| p.value.is_null()) {
        // `patches:` with nothing: the items go right below it.
        let eol = whole_lines(d, p.key.start(), p.key.end()).1;
        edits.push(TextEdit::insert(eol, new_text));
        return;
    }
    if at >= d.text.len() && !d.text.ends_with('\n') {
        new_text.insert_str(0, nl);
    }
    edits.push(TextEdit::insert(at, new_text));
}
