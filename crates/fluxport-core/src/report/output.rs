//! The output stage, last in the pipeline: applies every stage's edits and appended
//! documents to the input files, writes the new files, and finishes the report with
//! the runbook.
//!
//! Reads (and consumes): what the stages [`Produced`] and the input files. Writes: the
//! [`Conversion`].

use super::{runbook, Conversion, Report};
use crate::model::context::Produced;
use crate::model::document::{Doc, FileKind, LoadedFile};
use crate::model::files::{FileStatus, OutputFile};
use crate::model::options::Options;
use crate::text::{apply_edits, LineIndex, TextEdit};
use crate::yaml::emit::GeneratedTrees;
use crate::yaml::{Node, Parsed};

/// Adds to `donor` (a pre-flight donor: text and documents) each document of the output
/// text `out` whose tree a stage kept when it generated it (`GeneratedTrees`): its
/// chunk is the generated text exactly, after whole lines that hold no node (its `---`
/// line, a header comment, blank lines). The load takes a donor's document only for a
/// chunk with the same text (`load::load_file_reusing`). `donor_lines`: as for
/// [`add_donor_doc`].
fn add_generated(
    out: &str,
    trees: &mut GeneratedTrees,
    donor: &mut LoadedFile,
    donor_lines: &mut usize,
) {
    if trees.is_empty() {
        return;
    }
    for (start, end) in crate::repo::load::split_documents(out) {
        let chunk = &out[start..end];
        let mut prefix = 0;
        let tree = loop {
            if let Some(t) = trees.take(&chunk[prefix..]) {
                break Some(t);
            }
            let line_end = chunk[prefix..].find('\n').map(|i| prefix + i + 1);
            match line_end {
                Some(e)
                    if {
                        let l = chunk[prefix..e].trim();
                        l.is_empty() || l == "---" || l.starts_with('#')
                    } =>
                {
                    prefix = e
                }
                _ => break None,
            }
        };
        let Some(root) = tree else { continue };
        add_donor_doc(donor, chunk, root, prefix, donor_lines);
    }
}

/// Adds `chunk` to `donor` as a document whose tree is `root`, a tree of
/// `chunk[skip..]` (the whole lines before it hold no node). `donor_lines` counts the
/// lines of the donor's text (a donor taken whole keeps its documents' line offsets).
fn add_donor_doc(
    donor: &mut LoadedFile,
    chunk: &str,
    mut root: Node,
    skip: usize,
    donor_lines: &mut usize,
) {
    let index = LineIndex::new(chunk);
    let line_offset = *donor_lines;
    *donor_lines += index.line_count() - 1;
    root.move_down(skip, index.line_of(skip) - 1);
    let text = donor.text.get_or_insert_with(String::new);
    let doc_start = text.len();
    text.push_str(chunk);
    donor.docs.push(Doc {
        start: doc_start,
        end: text.len(),
        line_offset,
        kind: crate::repo::classify::classify(Some(&root)),
        parsed: Some(Parsed {
            root: Some(root),
            duplicates: Vec::new(),
        }),
        index,
    });
}

/// The edited text of document `d` of `text` and its tree, when every edit touching it
/// lies inside it and `yaml::edited` can move its tree (else it is parsed again).
fn edited_doc(text: &str, d: Doc, edits: &[&TextEdit]) -> Option<(String, Node)> {
    let Parsed { root, duplicates } = d.parsed?;
    if !duplicates.is_empty() {
        return None;
    }
    let root = root?;
    let local: Vec<TextEdit> = edits
        .iter()
        .map(|e| {
            (e.start >= d.start && e.end <= d.end).then(|| TextEdit {
                start: e.start - d.start,
                end: e.end - d.start,
                with: e.with.clone(),
            })
        })
        .collect::<Option<_>>()?;
    let chunk = text.get(d.start..d.end)?;
    let tree = crate::yaml::edited::edited_tree(root, chunk, &local)?;
    Some((apply_edits(chunk, &local), tree))
}

fn count_lines(t: &str) -> usize {
    t.bytes().filter(|b| *b == b'\n').count()
}

fn donor_for(path: &str, nl: &'static str) -> LoadedFile {
    LoadedFile {
        path: path.to_string(),
        bytes: Vec::new(),
        text: None,
        kind: FileKind::Yaml,
        docs: Vec::new(),
        nl,
        untouchable: false,
    }
}

/// Assembles the output files and the report from what the stages produced.
/// The conversion's output, and (with `keep_parsed`) for the pre-flight the loaded YAML
/// files it passes through byte for byte, trees and all, and of each edited YAML file
/// the documents no edit touches: the pre-flight reads those instead of parsing them
/// again (`load::load_repository_reusing`).
pub fn assemble(
    mut ctx: Produced,
    files: Vec<LoadedFile>,
    opts: &Options,
    keep_parsed: bool,
) -> (Conversion, Vec<LoadedFile>) {
    let mut kept = Vec::new();
    let mut outputs = Vec::with_capacity(files.len() + ctx.new_files.len());
    // A file passed through with an error on it was not converted: `Failed`.
    let errored: std::collections::BTreeSet<String> = ctx
        .findings
        .iter()
        .filter(|f| f.severity == crate::model::codes::Severity::Error)
        .map(|f| f.file.clone())
        .collect();
    let passed_through = |path: &str| {
        if errored.contains(path) {
            FileStatus::Failed
        } else {
            FileStatus::Unchanged
        }
    };
    // Each file (its text and parsed documents) is dropped, and its edits freed, as
    // soon as its output exists: the input trees and the output never peak together.
    for (fi, f) in files.into_iter().enumerate() {
        let deleted = ctx.deleted.contains(&fi);
        let yaml = f.kind == FileKind::Yaml;
        let untouched = !deleted && !ctx.edits.contains_key(&fi) && !ctx.appended.contains_key(&fi);
        if keep_parsed && untouched && yaml {
            outputs.push(OutputFile {
                path: f.path.clone(),
                bytes: f.raw().to_vec(),
                status: passed_through(&f.path),
            });
            kept.push(f);
            continue;
        }
        let LoadedFile {
            path,
            bytes,
            text,
            nl,
            docs,
            ..
        } = f;
        // An edited YAML file lends the pre-flight the documents no edit touches
        // (`load_file_reusing` takes one only if its text is unchanged); the others'
        // trees go now.
        // A document the edits touch lends its tree moved by them, where
        // `yaml::edited` can build it, with its edited text.
        let (lend, edited): (Vec<Doc>, Vec<(String, Node)>) = match (ctx.edits.get(&fi), &text) {
            (Some(edits), Some(text)) if keep_parsed && yaml && !deleted => {
                let mut lend = Vec::new();
                let mut edited = Vec::new();
                for d in docs {
                    if d.parsed.is_none() {
                        continue;
                    }
                    let touching: Vec<&TextEdit> = edits
                        .iter()
                        .filter(|e| e.start <= d.end && e.end >= d.start)
                        .collect();
                    if touching.is_empty() {
                        lend.push(d);
                    } else if let Some(e) = edited_doc(text, d, &touching) {
                        edited.push(e);
                    }
                }
                (lend, edited)
            }
            _ => {
                drop(docs);
                (Vec::new(), Vec::new())
            }
        };
        if deleted {
            outputs.push(OutputFile {
                path,
                bytes: Vec::new(),
                status: FileStatus::Deleted,
            });
            continue;
        }
        let edits = ctx.edits.remove(&fi);
        let appended = ctx.appended.get(&fi);
        // A file kept as bytes (a chart file is not parsed) is edited as its UTF-8 text.
        let (text, bytes) = match text {
            None if edits.is_some() => match String::from_utf8(bytes) {
                Ok(t) => (Some(t), Vec::new()),
                Err(e) => (None, e.into_bytes()),
            },
            text => (text, bytes),
        };
        let text = match (text, edits.is_some() || appended.is_some()) {
            (Some(text), true) => text,
            // Unchanged: the input bytes move to the output.
            (text, _) => {
                let status = passed_through(&path);
                outputs.push(OutputFile {
                    path,
                    bytes: text.map(String::into_bytes).unwrap_or(bytes),
                    status,
                });
                continue;
            }
        };
        let mut out = apply_edits(&text, edits.as_deref().unwrap_or(&[]));
        drop(edits);
        if let Some(docs) = appended {
            for d in docs {
                if !out.is_empty() && !out.ends_with('\n') {
                    out.push_str(nl);
                }
                out.push_str("---");
                out.push_str(nl);
                out.push_str(d);
            }
        }
        let status = if out == text {
            passed_through(&path)
        } else {
            FileStatus::Converted
        };
        // Only for a changed file: the pre-flight takes a file with its input's bytes
        // whole, and this one lends only some documents (and those it generated).
        if keep_parsed && yaml && status == FileStatus::Converted {
            let mut donor = donor_for(&path, nl);
            if !lend.is_empty() {
                donor.text = Some(text);
                donor.docs = lend;
            }
            // Lines of the donor's text so far, counted once and then per added chunk.
            let mut donor_lines = donor.text.as_deref().map_or(0, count_lines);
            for (chunk, root) in edited {
                add_donor_doc(&mut donor, &chunk, root, 0, &mut donor_lines);
            }
            add_generated(&out, &mut ctx.generated, &mut donor, &mut donor_lines);
            if !donor.docs.is_empty() {
                kept.push(donor);
            }
        }
        outputs.push(OutputFile {
            path,
            bytes: out.into_bytes(),
            status,
        });
    }
    for (path, docs) in &ctx.new_files {
        let mut text = String::new();
        for (i, d) in docs.iter().enumerate() {
            // A leading comment header shares the first object's document.
            let after_header = i == 1 && docs[0].starts_with('#');
            if i > 0 && !after_header {
                text.push_str("---\n");
            }
            text.push_str(d);
            if !d.ends_with('\n') {
                text.push('\n');
            }
        }
        if keep_parsed {
            let mut donor = donor_for(path, "\n");
            add_generated(&text, &mut ctx.generated, &mut donor, &mut 0);
            if !donor.docs.is_empty() {
                kept.push(donor);
            }
        }
        outputs.push(OutputFile {
            path: path.clone(),
            bytes: text.into_bytes(),
            status: FileStatus::New,
        });
    }
    let mut report = Report {
        findings: ctx.findings,
        releases: ctx.releases,
        ..Report::default()
    };
    report.runbook = runbook::render_full(
        &report.releases,
        &report.findings,
        &ctx.v1_components,
        &ctx.daemons,
        ctx.helm_operator.as_ref(),
        &ctx.new_files,
        opts,
    );
    report.finish(&outputs);
    let conv = Conversion {
        files: outputs,
        report,
        preflight: Default::default(),
    };
    (conv, kept)
}
