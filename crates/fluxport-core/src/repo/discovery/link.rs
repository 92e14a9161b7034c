//! [`unlink_removed_files`]: entries naming a removed file leave their kustomization.
//! [`link_new_files`]: each generated file placed in a directory with a kustomization
//! gets one `resources:` line there (a root's generated files in the kustomizations down
//! from its sync path; an overlay's own files, `ctx.overlay_files`, in the kustomization
//! of their directory). Runs last, once every generated file exists.
//!
//! Reads: `files`, `new_files`, `deleted`. Writes: `edits`, `findings`.

use super::*;
use crate::text::indent_of;

/// Adds generated files to the `resources:` of the kustomizations that would otherwise
/// not apply them (one inserted line per file; idempotent), or reports the ones it
/// cannot edit. Run after every stage that creates files.
pub fn link_new_files(ctx: &mut Context) {
    let mut by_path: BTreeMap<&str, usize> = BTreeMap::new();
    by_path.extend(
        ctx.files
            .iter()
            .enumerate()
            .map(|(i, f)| (f.path.as_str(), i)),
    );
    let kustomization_in = |dir: &str| {
        KUSTOMIZATION_FILES
            .iter()
            .find_map(|n| by_path.get(format!("{dir}{n}").as_str()).copied())
    };
    // Generated directory → the sync paths of the roots whose files go there (each
    // generated file serves the roots it was placed for, not every root covering it).
    let mut owners: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
    for (ri, r) in ctx.roots.iter().enumerate() {
        owners
            .entry(crate::model::sync_root::sources_dir(&ctx.roots, ri))
            .or_default()
            .extend(r.paths.iter().map(String::as_str));
    }
    // kustomization file → names to add (in order).
    let mut add: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    let mut findings = Vec::new();
    for new in ctx.new_files.keys() {
        if !new.ends_with(".yaml")
            || new.starts_with(crate::model::paths::SYNC_DIR)
            || ctx.unlisted_files.contains(new)
        {
            continue;
        }
        let new_dir = dir_of(new);
        let mut reported = BTreeSet::new();
        let Some(paths) = owners.get(new_dir) else {
            continue;
        };
        for p in paths.iter().filter(|p| new.starts_with(**p)) {
            // Each kustomization from the sync path down to the file's directory must
            // name the next step towards the file.
            let mut chain = vec![p.to_string()];
            let mut acc = p.to_string();
            for seg in new_dir[p.len()..].split('/').filter(|s| !s.is_empty()) {
                acc.push_str(seg);
                acc.push('/');
                chain.push(acc.clone());
            }
            for (i, dir) in chain.iter().enumerate() {
                let Some(ki) = kustomization_in(dir) else {
                    continue;
                };
                let next = chain
                    .get(i + 1)
                    .map(|d| d.trim_end_matches('/'))
                    .unwrap_or(new.as_str());
                let kf = &ctx.files[ki];
                let refs = kf
                    .first_root()
                    .filter(|(_, r)| r.is_map())
                    .map(|(_, r)| kustomization_refs(r, dir, Refs::All));
                if refs.as_ref().is_some_and(|r| r.contains(next)) {
                    continue;
                }
                if i + 1 == chain.len() && refs.is_some() {
                    let list = add.entry(ki).or_default();
                    let name = base_of(new).to_string();
                    if !list.contains(&name) {
                        list.push(name);
                    }
                } else if reported.insert(kf.path.clone()) {
                    findings.push(Finding::new(
                        Code::STRAY_KUSTOMIZATION,
                        &kf.path,
                        0,
                        0,
                        format!(
                            "the generated `{new}` is not applied: `{}` does not list `{}`; add it to its resources",
                            kf.path,
                            &next[dir.len().min(next.len())..]
                        ),
                    ));
                }
            }
        }
    }
    // Files generated for one overlay: listed in the kustomization of their directory.
    for new in &ctx.overlay_files {
        let Some(ki) = kustomization_in(dir_of(new)) else {
            continue;
        };
        let kf = &ctx.files[ki];
        let listed = kf
            .first_root()
            .filter(|(_, r)| r.is_map())
            .map(|(_, r)| kustomization_refs(r, dir_of(new), Refs::All));
        if listed.as_ref().is_some_and(|r| r.contains(new.as_str())) {
            continue;
        }
        let list = add.entry(ki).or_default();
        let name = base_of(new).to_string();
        if !list.contains(&name) {
            list.push(name);
        }
    }
    for (ki, names) in add {
        match resources_edit(&ctx.files[ki], &names) {
            Some(e) => {
                // The new item belongs right after the list's last item: ahead of
                // anything an earlier stage appended at the same offset (fluxyaml
                // appends `patches:`/`images:` at the end of the file).
                let edits = ctx.edits.entry(ki).or_default();
                let at = edits
                    .iter()
                    .position(|x| x.start == e.start && x.end == e.start)
                    .unwrap_or(edits.len());
                edits.insert(at, e);
            }
            None => {
                let kf = &ctx.files[ki];
                findings.push(Finding::new(
                    Code::STRAY_KUSTOMIZATION,
                    &kf.path,
                    0,
                    0,
                    format!(
                        "fluxport could not add {} to the resources of `{}` (unusual layout); add them by hand or kustomize-controller will not apply them",
                        list_paths(&names.iter().map(String::as_str).collect::<Vec<_>>()),
                        kf.path
                    ),
                ));
            }
        }
    }
    ctx.findings.append(&mut findings);
}

/// One edit adding `names` to the kustomization's `resources:` list with the list's
/// own style (block item lines or flow entries); `None` when the layout is unusual.
pub fn resources_edit(f: &LoadedFile, names: &[String]) -> Option<TextEdit> {
    if f.untouchable || names.is_empty() {
        return None;
    }
    let text = f.text.as_deref()?;
    let (di, root) = f.first_root()?;
    if !root.is_map() || root.is_flow() {
        return None;
    }
    let d = &f.docs[di];
    let chunk = d.text(text);
    let nl = f.nl;
    let quoted: Vec<String> = names.iter().map(|n| crate::yaml::emit::quote(n)).collect();
    match root.get("resources") {
        Some(seq) if seq.is_flow() => {
            let close = seq.end().checked_sub(1)?;
            if chunk.as_bytes().get(close) != Some(&b']') {
                return None;
            }
            let before = chunk.get(seq.start() + 1..close)?.trim_end();
            let sep = if seq.items().is_empty() {
                ""
            } else if before.ends_with(',') {
                " "
            } else {
                ", "
            };
            Some(TextEdit::insert(
                d.start + close,
                format!("{sep}{}", quoted.join(", ")),
            ))
        }
        Some(seq) if matches!(seq.value, Value::Seq { .. }) && !seq.items().is_empty() => {
            let last = seq.items().last()?;
            let line_start = d.index.line_start(d.index.line_of(last.start()));
            let prefix = chunk.get(line_start..last.start())?;
            if prefix.trim() != "-" {
                return None;
            }
            let end_line = d.index.line_of(last.end().max(last.start() + 1) - 1);
            let next = d.index.line_start(end_line + 1);
            let (at, lead) = if next == usize::MAX || next > chunk.len() {
                (chunk.len(), if chunk.ends_with('\n') { "" } else { nl })
            } else {
                (next, "")
            };
            let mut ins = lead.to_string();
            for q in &quoted {
                ins.push_str(prefix);
                ins.push_str(q);
                ins.push_str(nl);
            }
            Some(TextEdit::insert(d.start + at, ins))
        }
        Some(_) => None,
        None => {
            let (_, end) = crate::model::context::root_region(std::slice::from_ref(f), 0, di)?;
            let indent = " ".repeat(root.col().saturating_sub(1));
            let mut ins = format!("{nl}{indent}resources:");
            for q in &quoted {
                ins.push_str(&format!("{nl}{indent}- {q}"));
            }
            Some(TextEdit::insert(end, ins))
        }
    }
}

/// Edits appending entries (each written with a 2-space dash indent, one `\n` per line)
/// to lists of a kustomization (`root`, its first document): after a list's last item
/// at its own indentation, in place of an empty value, or as new keys at the end of the
/// file (in the order given).
pub fn append_to_lists(f: &LoadedFile, kroot: &Node, lists: &[(&str, &[String])]) -> Vec<TextEdit> {
    let kfile = f;
    let ktext = kfile.text.as_deref().unwrap_or("");
    let kd = &kfile.docs[0];
    let nl = kfile.nl;
    let mut edits = Vec::new();
    let mut at_end = String::new();
    for &(key, entries) in lists {
        if entries.is_empty() {
            continue;
        }
        match kroot.get(key) {
            Some(seq) if !seq.items().is_empty() => {
                // Append after the last item, at the existing item indentation.
                let first = &seq.items()[0];
                let line = kd.index.line_of(first.start());
                let ls = kd.index.line_start(line);
                let dash = indent_of(&ktext[kd.start + ls..]);
                let end_line = kd
                    .index
                    .line_of(seq.end().saturating_sub(1).max(seq.start()));
                let mut at = kd.index.line_start(end_line + 1);
                if at == usize::MAX {
                    at = kd.end - kd.start;
                }
                let mut add = String::new();
                if at > 0 && !ktext[..kd.start + at].ends_with('\n') {
                    add.push_str(nl);
                }
                for e in entries.iter() {
                    add.push_str(&reindent(e, dash, nl));
                }
                edits.push(TextEdit::insert(kd.start + at, add));
            }
            _ => {
                if kroot.get(key).is_some() {
                    // `key: []` or `key:` with no items: replace the value.
                    let n = kroot.get(key).unwrap_or(kroot);
                    let mut add = String::from(nl);
                    for e in entries.iter() {
                        add.push_str(&reindent(e, 2, nl));
                    }
                    let add = add.trim_end_matches(['\n', '\r']).to_string();
                    edits.push(TextEdit::replace(
                        kd.start + n.start(),
                        kd.start + n.end().max(n.start()),
                        add,
                    ));
                } else {
                    at_end.push_str(&format!("{key}:{nl}"));
                    for e in entries.iter() {
                        at_end.push_str(&reindent(e, 2, nl));
                    }
                }
            }
        }
    }
    if !at_end.is_empty() {
        let mut add = String::new();
        if !ktext.is_empty() && !ktext.ends_with('\n') {
            add.push_str(nl);
        }
        add.push_str(&at_end);
        edits.push(TextEdit::insert(ktext.len(), add));
    }
    edits
}

/// Re-indents an entry written with a 2-space dash indent to `dash` spaces and `nl`.
fn reindent(entry: &str, dash: usize, nl: &str) -> String {
    let mut out = String::new();
    for l in entry.lines() {
        let cur = indent_of(l);
        let rest = &l[cur..];
        let new = (cur + dash).saturating_sub(2);
        out.push_str(&" ".repeat(new));
        out.push_str(rest);
        out.push_str(nl);
    }
    out
}

/// Removes, one line (or one `patches` item) each, the kustomization entries that name
/// a file the migration removes, so every directory that built before still builds.
/// Run last, once every stage has decided what it removes.
///
/// Reads: `files`, `deleted`, the kustomization model. Writes: `edits`, `findings`.
pub fn unlink_removed_files(ctx: &mut Context, model: &crate::repo::kustomize::Model) {
    use crate::repo::kustomize::Field;
    let mut findings = Vec::new();
    for &fi in &ctx.deleted {
        let removed = &ctx.files[fi].path;
        for (k, entry) in model.entries_naming(removed) {
            let Some(kust) = model.kustomization(k) else {
                continue;
            };
            let kf = &ctx.files[kust.file];
            // The whole `patches` item when the entry is its `path:`.
            let item = match entry.field {
                Field::Patches => kust
                    .patches
                    .iter()
                    .find(|p| {
                        p.path
                            .as_ref()
                            .is_some_and(|e| std::ptr::eq(e.node, entry.node))
                    })
                    .map(|p| p.node),
                _ => Some(entry.node),
            };
            let edit = item.and_then(|n| item_removal(kf, n));
            let line = entry.node.line() + kf.first_root_line_offset();
            if ctx.deleted.contains(&kust.file) {
                continue; // the kustomization goes too
            }
            let (code, outcome) = match edit {
                Some(e) => {
                    ctx.edits.entry(kust.file).or_default().push(e);
                    (Code::KUSTOMIZATION_ENTRY_REMOVED, "the entry was removed")
                }
                None => (
                    Code::KUSTOMIZATION_ENTRY_NOT_REMOVED,
                    "remove this entry by hand",
                ),
            };
            findings.push(Finding::new(
                code,
                &kf.path,
                line,
                entry.node.col(),
                format!(
                    "`{}` lists `{}`, which the migration removes: {outcome}",
                    entry.field.key(),
                    entry.value
                ),
            ));
        }
    }
    ctx.findings.append(&mut findings);
}

/// An edit deleting the lines of one block-sequence item (`- x`, or `- path: x` with
/// the lines of its mapping), with nothing else on its first line; `None` otherwise.
fn item_removal(f: &LoadedFile, node: &Node) -> Option<TextEdit> {
    if f.untouchable || node.is_flow() {
        return None;
    }
    let text = f.text.as_deref()?;
    let (di, root) = f.first_root()?;
    if root.is_flow() {
        return None;
    }
    let d = &f.docs[di];
    let chunk = d.text(text);
    let first = d.index.line_of(node.start());
    let line_start = d.index.line_start(first);
    let prefix = chunk.get(line_start..node.start())?;
    if prefix.trim() != "-" {
        return None;
    }
    let last = d.index.line_of(node.end().max(node.start() + 1) - 1);
    let next = d.index.line_start(last + 1);
    let end = if next == usize::MAX || next > chunk.len() {
        chunk.len()
    } else {
        next
    };
    // Only a trailing comment may follow the item on its last line.
    let rest = chunk.get(node.end()..end)?.trim();
    if !(rest.is_empty() || rest.starts_with('#')) {
        return None;
    }
    Some(TextEdit::replace(
        d.start + line_start,
        d.start + end,
        String::new(),
    ))
}
