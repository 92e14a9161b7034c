//! JSON 6902 op lists on v1 HelmReleases, for `helm::patches`: mapped and checked per
//! target ([`json6902::map_ops`]), then written back with the fewest edits: only the
//! `path`, `from` and `value` scalars that change are replaced, so the file keeps its
//! format (JSON stays JSON, YAML keeps its comments and layout). An inline list is
//! edited the same way and written back into its block scalar.

use crate::helm::helmrelease::V1Release;
use crate::helm::json6902::{self, Unmapped};
use crate::helm::patch_src::{convert_v1, normalised, Application, Key, Sources};
use crate::helm::sources::{ResolvedSource, SourceKey, SourceSpec};
use crate::model::options::Options;
use crate::text::{apply_edits, TextEdit};
use crate::yaml::emit;
use crate::yaml::{to_json, Node, Style};
use serde_json::Value as J;
use std::collections::{BTreeMap, BTreeSet};

/// The edits (file index, edits, number of operations) that make one op list a v2 list,
/// `Ok(None)` when there is nothing to write, or the operation that does not map.
pub fn convert(
    srcs: &Sources,
    key: Key,
    apps: &BTreeSet<Application>,
    base_of: &BTreeMap<(usize, usize), &V1Release>,
    names: &BTreeMap<SourceKey, ResolvedSource>,
    opts: &Options,
) -> Result<Option<(usize, Vec<TextEdit>, usize)>, Unmapped> {
    let whole = |why: String| Unmapped {
        index: None,
        op: String::new(),
        path: String::new(),
        why,
    };
    let Some(root) = srcs.root(key) else {
        return Ok(None);
    };
    let J::Array(ops) = to_json(root) else {
        return Ok(None);
    };
    let mut mapped: Option<Vec<J>> = None;
    for (target, earlier, _) in apps {
        let base = base_of.get(&(target.file, target.doc)).ok_or_else(|| {
            whole(format!(
                "it patches `{}`, which is not converted (see the findings there)",
                srcs.files[target.file].path
            ))
        })?;
        let before = srcs.before(base, earlier).map_err(whole)?;
        let own = names
            .get(&base.source.key())
            .ok_or_else(|| whole("the base's source has no name".into()))?;
        let skey = base.source.key();
        let resolve = |spec: &SourceSpec| {
            if spec.key() == skey {
                Ok(own.clone())
            } else {
                Err("it changes the chart source (chart.git / chart.ref / chart.repository), which a JSON patch cannot carry to an overlay source".to_string())
            }
        };
        let conv = |v: &J| convert_v1(base.doc.file, v, &resolve, opts);
        let m = json6902::map_ops(&ops, &before, &conv, normalised)?;
        match &mapped {
            Some(prev) if *prev != m => return Err(whole(
                "its v2 operations differ between the HelmReleases it patches; split it per target"
                    .into(),
            )),
            _ => mapped = Some(m),
        }
    }
    let Some(mapped) = mapped else {
        return Ok(None);
    };
    let Some((pfile, pd)) = srcs.doc(key) else {
        return Ok(None);
    };
    let doc = &pfile.docs[pd];
    let json = pfile.path.to_ascii_lowercase().ends_with(".json");
    let mut edits = Vec::new();
    for (node, (v1, v2)) in root.items().iter().zip(ops.iter().zip(&mapped)) {
        for k in ["path", "from", "value"] {
            let (Some(n), Some(new)) = (node.get(k), v2.get(k)) else {
                continue;
            };
            if v1.get(k) == Some(new) {
                continue;
            }
            // A plain scalar's span can reach into the line break after it.
            let chunk = doc.text(pfile.text.as_deref().unwrap_or(""));
            let end = n.start() + chunk.get(n.start()..n.end()).unwrap_or("").trim_end().len();
            edits.push(TextEdit::replace(
                doc.start + n.start(),
                doc.start + end,
                render(n, new, json, pfile.nl),
            ));
        }
    }
    // The written text must read back as the mapped operations.
    let text = pfile.text.as_deref().unwrap_or("");
    let chunk_edits: Vec<TextEdit> = edits
        .iter()
        .map(|e| TextEdit::replace(e.start - doc.start, e.end - doc.start, e.with.clone()))
        .collect();
    let written = apply_edits(doc.text(text), &chunk_edits);
    let read_back =
        crate::yaml::parse_document(&written, opts.limits.max_depth, opts.limits.max_aliases)
            .ok()
            .and_then(|p| p.root.as_ref().map(to_json));
    if read_back.as_ref() != Some(&J::Array(mapped.clone())) {
        return Err(whole(
            "internal: the rewritten operations do not read back as the mapped ones; convert them by hand".into(),
        ));
    }
    let n = ops.len();
    match key {
        Key::File(f, _) => Ok(Some((f, edits, n))),
        Key::Inline(..) => {
            let text = pfile.text.as_deref().unwrap_or("");
            let new = apply_edits(text, &edits);
            let new = new.trim_end_matches(['\n', '\r']);
            Ok(srcs.inline_edit(key, new).map(|(f, e)| (f, vec![e], n)))
        }
    }
}

/// A new scalar or value in the style of the one it replaces: JSON in a JSON file or a
/// double-quoted YAML string, single quotes kept, a plain scalar quoted only when it
/// must be; a collection in block layout where a block one was, else as one-line JSON
/// (valid YAML).
fn render(old: &Node, new: &J, json: bool, nl: &str) -> String {
    match new {
        J::String(s) if !json => match old.style() {
            Some(Style::DoubleQuoted) => J::String(s.clone()).to_string(),
            Some(Style::SingleQuoted) => format!("'{}'", s.replace('\'', "''")),
            _ => emit::quote(s),
        },
        J::Object(_) | J::Array(_) if !json && (old.is_map() || old.is_seq()) && !old.is_flow() => {
            // A block collection: the same block layout at the node's column.
            // Rendered under a key (the emitter writes documents that are maps), then
            // the key line dropped and the rest dedented.
            let doc = emit::Out::map().kv("v", emit::from_json(new)).build();
            let text = emit::render(&doc, "\n");
            let body: Vec<&str> = crate::text::lines(text.trim_end()).skip(1).collect();
            let cut = body
                .iter()
                .filter(|l| !l.trim().is_empty())
                .map(|l| crate::text::indent_of(l))
                .min()
                .unwrap_or(0);
            let pad = " ".repeat(old.col().saturating_sub(1));
            body.iter()
                .map(|l| l.get(cut..).unwrap_or(""))
                .enumerate()
                .map(|(i, l)| {
                    if i == 0 || l.is_empty() {
                        l.to_string()
                    } else {
                        format!("{pad}{l}")
                    }
                })
                .collect::<Vec<_>>()
                .join(nl)
        }
        v => v.to_string(),
    }
}
