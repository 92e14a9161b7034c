//! Reading v1 policy annotations (MAPPING.md §4.1, §3.4) and the span edits that
//! remove the converted ones.
//!
//! Boolean policies count only when the value's text is exactly `true`. An unquoted
//! `true` is read as true too: fluxd unmarshalled annotations with yaml.v2 into
//! `map[string]string`, which stores the plain scalar's text ("true"), so v1 honoured it
//! in git (`flux:pkg/cluster/kubernetes/resource/resource.go#baseObject`). `True`, `yes`
//! and `"TRUE"` were not `"true"` and did not count.

use crate::model::codes::Code;
use crate::model::document::DocRef;
use crate::model::finding::Finding;
use crate::text::TextEdit;
use crate::yaml::{Entry, Node};
use std::collections::BTreeMap;

const PREFIXES: [&str; 3] = ["fluxcd.io/", "flux.weave.works/", "filter.fluxcd.io/"];

/// The policies of one object.
#[derive(Debug, Default)]
pub struct Policies {
    pub automated: bool,
    pub locked: bool,
    pub locked_msg: Option<String>,
    pub locked_user: Option<String>,
    /// Value of the winning `ignore` annotation.
    pub ignore: Option<String>,
    /// container → filter text.
    pub tags: BTreeMap<String, String>,
    /// Annotation entries (indexes into the map) that are converted and removed.
    pub converted: Vec<usize>,
    /// The entry of the winning `ignore`, if any.
    pub ignore_entry: Option<usize>,
    /// Every `ignore` entry (all prefixes).
    pub ignore_entries: Vec<usize>,
}

impl Policies {
    /// v1 automated the object (`getAllowedAutomatedResources`).
    pub fn is_automated(&self) -> bool {
        self.automated && !self.locked_or_ignored_for_automation()
    }
    fn locked_or_ignored_for_automation(&self) -> bool {
        self.ignore.as_deref() == Some("true")
    }
}

fn policy_name(key: &str) -> Option<(usize, String)> {
    for (rank, p) in PREFIXES.iter().enumerate() {
        if let Some(rest) = key.strip_prefix(p) {
            return Some((
                rank,
                if rank == 2 {
                    format!("tag.{rest}")
                } else {
                    rest.to_string()
                },
            ));
        }
    }
    None
}

fn is_converted(policy: &str) -> bool {
    matches!(
        policy,
        "automated" | "locked" | "locked_msg" | "locked_user" | "ignore"
    ) || policy.starts_with("tag.")
}

fn value_text<'a>(doc: &DocRef<'a>, v: &Node) -> String {
    v.as_str()
        .map(str::to_string)
        .unwrap_or_else(|| doc.text[v.start()..v.end()].to_string())
}

/// Reads the policies of an `annotations` map. Conflicts between prefixes →
/// POLICY_CONFLICT (fluxcd.io/ > flux.weave.works/ > filter.fluxcd.io/).
pub fn read(doc: &DocRef, annotations: Option<&Node>, findings: &mut Vec<Finding>) -> Policies {
    let Some(ann) = annotations else {
        return Policies::default();
    };
    let entries = ann
        .entries()
        .iter()
        .enumerate()
        .filter_map(|(i, e)| Some((i, e.key.as_str()?, value_text(doc, &e.value))));
    let (out, conflicts) = collect(entries);
    for (p, win_idx, win, count) in conflicts {
        let e = &ann.entries()[win_idx];
        findings.push(doc.finding(
            Code::POLICY_CONFLICT,
            Some(&e.key),
            format!(
                "policy `{p}` is set {count} times with different values; using `{}: {win}`",
                e.key.as_str().unwrap_or("")
            ),
        ));
    }
    out
}

/// The policies of annotations given as (key, value) pairs, such as those of an
/// object merged from a base and its kustomize patches. Conflicts resolve as in
/// [`read`], without findings (they are reported on the documents themselves).
pub fn from_pairs<'k>(pairs: impl Iterator<Item = (&'k str, String)>) -> Policies {
    collect(pairs.enumerate().map(|(i, (k, v))| (i, k, v))).0
}

/// The policies, and each conflict as (policy, winning entry, winning value, count).
fn collect<'k>(
    entries: impl Iterator<Item = (usize, &'k str, String)>,
) -> (Policies, Vec<(String, usize, String, usize)>) {
    let mut out = Policies::default();
    let mut conflicts = Vec::new();
    let mut by_policy: BTreeMap<String, Vec<(usize, usize, String)>> = BTreeMap::new();
    for (i, key, value) in entries {
        let Some((rank, p)) = policy_name(key) else {
            continue;
        };
        if !is_converted(&p) {
            continue;
        }
        out.converted.push(i);
        by_policy.entry(p).or_default().push((rank, i, value));
    }
    for (p, mut vals) in by_policy {
        vals.sort();
        let (_, win_idx, win) = vals[0].clone();
        if vals.iter().any(|(_, _, v)| *v != win) {
            conflicts.push((p.clone(), win_idx, win.clone(), vals.len()));
        }
        match p.as_str() {
            "automated" => out.automated = win == "true",
            "locked" => out.locked = win == "true",
            "locked_msg" => out.locked_msg = Some(win),
            "locked_user" => out.locked_user = Some(win),
            "ignore" => {
                out.ignore_entries = vals.iter().map(|v| v.1).collect();
                out.ignore_entries.sort();
                out.ignore = Some(win);
                out.ignore_entry = Some(win_idx);
            }
            _ => {
                out.tags
                    .insert(p.trim_start_matches("tag.").to_string(), win);
            }
        }
    }
    (out, conflicts)
}

/// Span edits (chunk offsets) that remove the converted annotations and map `ignore`
/// (§3.4). If every entry goes, the key becomes `annotations: {}` (comment lines inside
/// the map are kept). Flow-style maps are left alone.
pub fn edits(doc: &DocRef, ann_entry: &Entry, p: &Policies) -> Vec<TextEdit> {
    let ann = &ann_entry.value;
    if p.converted.is_empty() || ann.is_flow() || !ann.is_map() {
        return Vec::new();
    }
    let text = doc.text;
    let entries = ann.entries();
    let has_key = |k: &str| entries.iter().any(|e| e.key.as_str() == Some(k));
    let replacement = match p.ignore.as_deref() {
        Some("true") if !has_key("kustomize.toolkit.fluxcd.io/reconcile") => {
            Some("kustomize.toolkit.fluxcd.io/reconcile: disabled")
        }
        Some("sync_only") if !has_key("kustomize.toolkit.fluxcd.io/prune") => {
            Some("kustomize.toolkit.fluxcd.io/prune: disabled")
        }
        _ => None,
    };
    let mut out = Vec::new();
    let mut removed = 0;
    for &i in &p.converted {
        let e = &entries[i];
        if replacement.is_some() && p.ignore_entry == Some(i) {
            let end = super::scalar_end(doc.text, &e.value).unwrap_or(e.value.end());
            out.push(TextEdit::replace(
                e.key.start(),
                end.max(e.key.end()),
                replacement.unwrap_or_default(),
            ));
            continue;
        }
        let line = doc.index.line_of(e.key.start());
        let start = doc.index.line_start(line);
        if !text[start..e.key.start()].trim().is_empty() {
            // Not alone on its line (first entry after `- ` or similar): keep it.
            continue;
        }
        let last = doc.index.line_of(
            e.value
                .end()
                .max(e.key.end())
                .saturating_sub(1)
                .max(e.key.start()),
        );
        let next = doc.index.line_start(last + 1);
        let end = if next == usize::MAX || next > text.len() {
            text.len()
        } else {
            next
        };
        out.push(TextEdit::replace(start, end, ""));
        removed += 1;
    }
    if removed == entries.len() {
        // `annotations:` → `annotations: {}`
        let after_key = &text[ann_entry.key.end()..];
        if let Some(colon) = after_key.find(':') {
            let at = ann_entry.key.end() + colon + 1;
            out.push(TextEdit::insert(at, " {}"));
        }
    }
    out
}
