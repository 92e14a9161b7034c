//! Load: split each input file into YAML documents and parse them with spans.
//! Problems become findings; a file that cannot be read is passed through unchanged.
//!
//! Reads: the input files, `opts.limits`. Writes: the loaded files and load findings,
//! from which the pipeline makes the `Context`.

use crate::model::codes::Code;
use crate::model::document::DocKind;
use crate::model::document::{Doc, FileKind, LoadedFile};
use crate::model::exec;
use crate::model::files::InputFile;
use crate::model::finding::Finding;
use crate::model::options::Limits;
use crate::model::options::Options;
use crate::repo::classify::classify;
use crate::text::{ByEnds, LineIndex};
use crate::yaml::{parse_document, ParseErrorKind, Parsed};

pub fn is_yaml_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower.ends_with(".yaml")
        || lower.ends_with(".yml")
        || path == "-"
        || path.is_empty()
        // kustomize's extension-less kustomization file name.
        || path == "Kustomization"
        || path.ends_with("/Kustomization")
}

/// A `.json` file: kustomize reads it as YAML (a JSON 6902 op list, or a resource).
pub fn is_json_path(path: &str) -> bool {
    path.to_ascii_lowercase().ends_with(".json")
}

/// A JSON file, parsed as one YAML document so that the kustomization model sees JSON
/// 6902 op lists (`patchesJson6902[].path: ops.json`) and a patch stage can edit them.
/// It stays [`FileKind::Other`] and its document [`DocKind::NotManifest`]: no other
/// stage reads or reports it, and a file that does not parse (or is over the limits,
/// or not UTF-8) is passed through as bytes without a finding.
fn load_json(mut file: LoadedFile, limits: &Limits) -> LoadedFile {
    if file.bytes.len() > limits.max_file_bytes.min(u32::MAX as usize) {
        return file;
    }
    let Ok(text) = std::str::from_utf8(&file.bytes) else {
        return file;
    };
    let bare_cr = text
        .bytes()
        .enumerate()
        .any(|(i, b)| b == b'\r' && text.as_bytes().get(i + 1) != Some(&b'\n'));
    if text.starts_with('\u{feff}') || bare_cr {
        return file;
    }
    let Ok(parsed) = parse_document(text, limits.max_depth, limits.max_aliases) else {
        return file;
    };
    if !parsed.duplicates.is_empty() || parsed.root.as_ref().is_none_or(|r| r.is_null()) {
        return file;
    }
    let text = String::from_utf8(std::mem::take(&mut file.bytes)).unwrap_or_default();
    file.nl = crate::text::line_ending(&text);
    file.docs.push(Doc {
        start: 0,
        end: text.len(),
        line_offset: 0,
        parsed: Some(parsed),
        kind: DocKind::NotManifest,
        index: LineIndex::new(&text),
    });
    file.text = Some(text);
    file
}

/// Directories (with trailing `/`, `""` for the root) that hold a `Chart.yaml`.
pub fn chart_dirs(inputs: &[InputFile]) -> Vec<String> {
    let mut dirs: Vec<String> = inputs
        .iter()
        .filter_map(|f| {
            let (dir, name) = match f.path.rfind('/') {
                Some(i) => (&f.path[..=i], &f.path[i + 1..]),
                None => ("", f.path.as_str()),
            };
            (name == "Chart.yaml").then(|| dir.to_string())
        })
        .collect();
    dirs.sort();
    dirs.dedup();
    dirs
}

/// Whether `path` lies in one of `chart_dirs` ([`chart_dirs`]; the root never counts):
/// such a YAML file is a chart file, not parsed.
fn in_chart_dir(path: &str, chart_dirs: &[String]) -> bool {
    chart_dirs
        .iter()
        .any(|d| !d.is_empty() && path.starts_with(d.as_str()))
}

pub fn load_file(
    input: &InputFile,
    chart_dirs: &[String],
    limits: &Limits,
    findings: &mut Vec<Finding>,
) -> LoadedFile {
    load_file_reusing(input, chart_dirs, limits, findings, None)
}

/// [`load_file`], taking each document whose text (its whole chunk) is also a document
/// of `donor` (an earlier load of this file, before a conversion edited other
/// documents of it) from `donor` instead of parsing it again. A document's tree and
/// line index are relative to its chunk, so only its place in the file changes.
/// The load findings of a taken document are not repeated.
pub fn load_file_reusing(
    input: &InputFile,
    chart_dirs: &[String],
    limits: &Limits,
    findings: &mut Vec<Finding>,
    donor: Option<LoadedFile>,
) -> LoadedFile {
    let path = input.path.clone();
    let mut file = LoadedFile {
        path: path.clone(),
        bytes: input.bytes.clone(),
        text: None,
        kind: FileKind::Other,
        docs: Vec::new(),
        nl: "\n",
        untouchable: false,
    };
    if !is_yaml_path(&path) && !is_json_path(&path) {
        return file;
    }
    if in_chart_dir(&path, chart_dirs) {
        file.kind = FileKind::ChartFile;
        return file;
    }
    if is_json_path(&path) {
        return load_json(file, limits);
    }
    file.kind = FileKind::Yaml;
    // Node spans are `u32` (crate::yaml::Node): whatever the configured limit, a file
    // over 4 GiB is not parsed.
    let max_file_bytes = limits.max_file_bytes.min(u32::MAX as usize);
    if input.bytes.len() > max_file_bytes {
        findings.push(Finding::new(
            Code::LIMIT_EXCEEDED,
            &path,
            0,
            0,
            format!(
                "file is {} bytes, over the limit of {} bytes",
                input.bytes.len(),
                max_file_bytes
            ),
        ));
        file.untouchable = true;
        return file;
    }
    let text = match String::from_utf8(std::mem::take(&mut file.bytes)) {
        Ok(t) => t,
        Err(e) => {
            let e = {
                let utf8 = e.utf8_error();
                file.bytes = e.into_bytes();
                utf8
            };
            let upto = &input.bytes[..e.valid_up_to()];
            let line = upto.iter().filter(|b| **b == b'\n').count() + 1;
            let col = upto.iter().rev().take_while(|b| **b != b'\n').count() + 1;
            findings.push(Finding::new(
                Code::NOT_UTF8,
                &path,
                line,
                col,
                format!("invalid UTF-8 at byte {}", e.valid_up_to()),
            ));
            file.untouchable = true;
            return file;
        }
    };
    file.nl = crate::text::line_ending(&text);
    // YAML reads a lone CR as a line break; fluxport's line index, edits and every
    // editor's view of the file do not, so positions would disagree. Such a file is
    // reported and passed through untouched.
    // `match_indices` of a char is a memchr search: most files have no CR at all.
    if let Some((at, _)) = text
        .match_indices('\r')
        .find(|(i, _)| text.as_bytes().get(i + 1) != Some(&b'\n'))
    {
        let before = &text[..at];
        let line = before.bytes().filter(|b| *b == b'\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        findings.push(Finding::new(
            Code::BARE_CR,
            &path,
            line,
            col,
            "carriage return (CR) without a line feed: YAML reads it as a line break, but fluxport's positions and edits would not match it",
        ));
        file.untouchable = true;
        file.text = Some(text);
        return file;
    }
    // YAML 1.2 (§5.1) allows only printable characters in a stream: tab, LF, CR, and
    // no other C0 control, DEL, C1 control but NEL, U+FFFE or U+FFFF, in scalars and
    // comments alike. saphyr-parser accepts some of them in plain scalars; fluxport
    // reports the first one (docs/limits.md) and passes the file through unchanged.
    if let Some((at, c)) = first_unprintable(&text) {
        let before = &text[..at];
        let line = before.bytes().filter(|b| *b == b'\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        findings.push(Finding::new(
            Code::YAML_PARSE_ERROR,
            &path,
            line,
            col,
            format!(
                "non-printable character U+{:04X}: YAML 1.2 allows only tab, line feed, carriage return and printable characters in a stream",
                c as u32
            ),
        ));
        file.untouchable = true;
        file.text = Some(text);
        return file;
    }
    let chunks = split_documents(&text);
    if chunks.len() > limits.max_documents_per_file {
        findings.push(Finding::new(
            Code::LIMIT_EXCEEDED,
            &path,
            0,
            0,
            format!(
                "file has {} documents, over the limit of {}",
                chunks.len(),
                limits.max_documents_per_file
            ),
        ));
        file.untouchable = true;
        file.text = Some(text);
        return file;
    }
    let templated = text.contains("{{") || text.contains("{%");
    // The donor's documents by their chunk text (the first of equal ones).
    let (donor_text, mut donor_docs) = match donor {
        Some(LoadedFile {
            text: Some(t),
            docs,
            ..
        }) => (t, docs.into_iter().map(Some).collect::<Vec<_>>()),
        _ => (String::new(), Vec::new()),
    };
    let mut donor_by_text: std::collections::HashMap<ByEnds, usize> =
        std::collections::HashMap::new();
    for (i, d) in donor_docs.iter().enumerate() {
        if let Some(d) = d {
            if let Some(t) = donor_text.get(d.start..d.end) {
                donor_by_text.entry(ByEnds(t)).or_insert(i);
            }
        }
    }
    let mut line_offset = 0;
    for (start, end) in chunks {
        let chunk = &text[start..end];
        if let Some(d) = donor_by_text
            .get(&ByEnds(chunk))
            .and_then(|&i| donor_docs[i].take())
        {
            #[cfg(debug_assertions)]
            assert_reused_is_parsed(&path, chunk, &d, limits);
            // The chunk's line feeds: its line index has one line more.
            let lines_in_chunk = d.index.line_count() - 1;
            file.docs.push(Doc {
                start,
                end,
                line_offset,
                ..d
            });
            line_offset += lines_in_chunk;
            continue;
        }
        let index = LineIndex::new(chunk);
        let lines_in_chunk = index.line_count() - 1;
        // A BOM only appears at the very start; saphyr does not skip it.
        let (parse_text, bom) = match chunk.strip_prefix('\u{feff}') {
            Some(rest) => (rest, true),
            None => (chunk, false),
        };
        let (parsed, kind) = match parse_document(parse_text, limits.max_depth, limits.max_aliases)
        {
            Ok(mut p) => {
                if bom {
                    shift_tree(&mut p, 3);
                }
                if !p.duplicates.is_empty() {
                    for d in &p.duplicates {
                        findings.push(Finding::new(
                            Code::DUPLICATE_KEY,
                            &path,
                            d.line + line_offset,
                            d.col,
                            format!("duplicate key `{}`; the document was not converted", d.key),
                        ));
                    }
                }
                let kind = classify(p.root.as_ref());
                let kind = if !p.duplicates.is_empty() {
                    DocKind::NotManifest
                } else {
                    kind
                };
                (Some(p), kind)
            }
            Err(e) => {
                let (code, msg) = match e.kind {
                    ParseErrorKind::Syntax if templated => (
                        Code::TEMPLATED_FILE,
                        format!("template syntax makes this invalid YAML ({})", e.message),
                    ),
                    ParseErrorKind::Syntax => (Code::YAML_PARSE_ERROR, e.message.clone()),
                    _ => (Code::LIMIT_EXCEEDED, e.message.clone()),
                };
                let line = crate::text::lines(chunk)
                    .nth(e.line.saturating_sub(1))
                    .unwrap_or("")
                    .trim_end();
                let (snippet, caret) = snippet_window(line, e.col.saturating_sub(1));
                let msg = if snippet.is_empty() {
                    msg
                } else {
                    format!("{msg}\n    {snippet}\n    {}^", " ".repeat(caret))
                };
                findings.push(Finding::new(code, &path, e.line + line_offset, e.col, msg));
                (None, DocKind::NotManifest)
            }
        };
        file.docs.push(Doc {
            start,
            end,
            line_offset,
            parsed,
            kind,
            index,
        });
        line_offset += lines_in_chunk;
    }
    file.text = Some(text);
    file
}

/// At most `SNIPPET_CHARS` characters of a line around a 0-based character column, and
/// the caret position within them: a parse error on a 50 MB line must not copy the line
/// (and 50 MB of spaces for the caret) into the report.
fn snippet_window(line: &str, col: usize) -> (String, usize) {
    const SNIPPET_CHARS: usize = 100;
    let len = line.chars().count();
    if len <= SNIPPET_CHARS {
        return escape_snippet(line, col);
    }
    let from = col
        .saturating_sub(SNIPPET_CHARS / 2)
        .min(len - SNIPPET_CHARS);
    let mut s: String = line.chars().skip(from).take(SNIPPET_CHARS).collect();
    let mut caret = col - from.min(col);
    if from > 0 {
        s.insert_str(0, "...");
        caret += 3;
    }
    if from + SNIPPET_CHARS < len {
        s.push_str("...");
    }
    escape_snippet(&s, caret)
}

/// The snippet with its control characters escaped (`crate::text::escape_control`), and
/// the caret column moved to match the escaped text.
fn escape_snippet(s: &str, caret: usize) -> (String, usize) {
    let before: String = s.chars().take(caret).collect();
    (
        crate::text::escape_control(s),
        crate::text::escape_control(&before).chars().count()
            + caret.saturating_sub(before.chars().count()),
    )
}

/// Debug builds (every test) check that a document taken from a donor, instead of
/// parsed, is what parsing its chunk gives: the same tree (spans, lines, columns,
/// styles) and kind. Donors are the conversion's input trees and the trees of the
/// documents it generated (`yaml::emit::render_tree`).
#[cfg(debug_assertions)]
fn assert_reused_is_parsed(path: &str, chunk: &str, d: &Doc, limits: &Limits) {
    assert!(
        d.index == LineIndex::new(chunk),
        "{path}: a reused line index is not its text's"
    );
    if d.parsed.is_none() {
        return; // nothing reused: the document did not parse
    }
    let (text, bom) = match chunk.strip_prefix('\u{feff}') {
        Some(rest) => (rest, true),
        None => (chunk, false),
    };
    let mut fresh = parse_document(text, limits.max_depth, limits.max_aliases)
        .unwrap_or_else(|e| panic!("{path}: a reused document does not parse: {e:?}"));
    if bom {
        shift_tree(&mut fresh, 3);
    }
    let reused = d.parsed.as_ref().and_then(|p| p.root.as_ref());
    assert!(
        reused == fresh.root.as_ref(),
        "{path}: a reused tree is not the parse of its text:\n{chunk}\nreused: {reused:?}\nparsed: {:?}",
        fresh.root
    );
    assert!(fresh.duplicates.is_empty() || d.kind == DocKind::NotManifest);
    if fresh.duplicates.is_empty() {
        assert_eq!(d.kind, classify(fresh.root.as_ref()), "{path}");
    }
}

fn shift_tree(p: &mut Parsed, by: usize) {
    if let Some(r) = &mut p.root {
        r.shift(by);
    }
}

/// Splits a YAML stream into document chunks (byte ranges). A chunk starts at a `---`
/// line (or the file start); a `...` line ends one. Document markers at column 0 end
/// block scalars in YAML too, so a line split is exact.
pub fn split_documents(text: &str) -> Vec<(usize, usize)> {
    let mut chunks = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    // Only lines that start with `---` or `...` matter: found by two substring
    // searches instead of looking at every line.
    let mut marks: Vec<usize> = Vec::new();
    if text.starts_with("---") || text.starts_with("...") {
        marks.push(0);
    }
    for needle in ["\n---", "\n..."] {
        marks.extend(text.match_indices(needle).map(|(i, _)| i + 1));
    }
    marks.sort_unstable();
    // Each mark is a line start, and a chunk only ever ends at one: every mark is at or
    // after `start`.
    for pos in marks {
        let line_end = memchr_nl(text, pos);
        let line = &text[pos..line_end];
        let is_marker = |m: &str| {
            line.starts_with(m)
                && line[3..]
                    .chars()
                    .next()
                    .is_none_or(|c| c == ' ' || c == '\t' || c == '\r')
        };
        let next = (line_end + 1).min(bytes.len());
        if is_marker("---") && pos > start {
            chunks.push((start, pos));
            start = pos;
        } else if is_marker("...") {
            chunks.push((start, next));
            start = next;
        }
    }
    if start < bytes.len() || chunks.is_empty() {
        chunks.push((start, bytes.len()));
    }
    chunks
}

/// The next line feed at or after `from` (a line start), or the text's end: `str::find`
/// of a char is a memchr search, several times faster than a byte loop.
fn memchr_nl(text: &str, from: usize) -> usize {
    text.get(from..)
        .and_then(|t| t.find('\n'))
        .map_or(text.len(), |i| from + i)
}

/// Loads every input file, in path order (a path given twice is read once), within
/// the total-size limit; the findings are the load problems.
pub fn load_repository(inputs: &[InputFile], options: &Options) -> (Vec<LoadedFile>, Vec<Finding>) {
    load_repository_reusing(inputs, options, Vec::new())
}

/// [`load_repository`], taking a file from `parsed` instead of loading it again when
/// loading it would give that very file: a YAML file ([`FileKind::Yaml`]) with the same
/// path and bytes, read within the total-size limit, outside any chart directory of
/// `inputs` (then [`load_file`] depends on nothing else). Its load findings are not
/// repeated: the pre-flight, the one caller, does not read them.
pub fn load_repository_reusing(
    inputs: &[InputFile],
    options: &Options,
    parsed: Vec<LoadedFile>,
) -> (Vec<LoadedFile>, Vec<Finding>) {
    let charts = chart_dirs(inputs);
    // Sorted by path so that every later stage is independent of input order.
    let mut order: Vec<&InputFile> = inputs.iter().collect();
    order.sort_by(|a, b| a.path.cmp(&b.path));
    order.dedup_by(|b, a| a.path == b.path);
    // Which files fit the total-size limit is decided in path order, before any is read.
    let mut total = 0usize;
    let planned: Vec<(&InputFile, bool)> = order
        .into_iter()
        .map(|input| {
            total += input.bytes.len();
            (input, total <= options.limits.max_total_bytes)
        })
        .collect();
    let mut parsed: std::collections::BTreeMap<String, LoadedFile> =
        parsed.into_iter().map(|f| (f.path.clone(), f)).collect();
    // A file with the same bytes is taken whole; a file whose bytes changed lends the
    // documents it still has (`load_file_reusing`).
    let mut reused: Vec<Option<LoadedFile>> = Vec::with_capacity(planned.len());
    let mut to_load: Vec<(&InputFile, bool, std::sync::Mutex<Option<LoadedFile>>)> = Vec::new();
    for &(input, within) in &planned {
        let donor = parsed.remove(&input.path).filter(|f| {
            within
                && f.kind == FileKind::Yaml
                && is_yaml_path(&input.path)
                && !in_chart_dir(&input.path, &charts)
        });
        match donor {
            Some(f) if f.raw() == input.bytes.as_slice() => {
                #[cfg(debug_assertions)]
                for d in &f.docs {
                    let text = f.text.as_deref().unwrap_or_default();
                    assert_reused_is_parsed(&f.path, &text[d.start..d.end], d, &options.limits);
                }
                reused.push(Some(f))
            }
            donor => {
                reused.push(None);
                to_load.push((input, within, std::sync::Mutex::new(donor)));
            }
        }
    }
    // Each file is parsed on its own (on every core natively): its findings stay with it,
    // and both come back in path order.
    let loaded = exec::map_ordered(&to_load, options.parallel, |(input, within, donor)| {
        let (input, within) = (*input, *within);
        let donor = donor.lock().ok().and_then(|mut d| d.take());
        let mut findings = Vec::new();
        let file = if within {
            load_file_reusing(input, &charts, &options.limits, &mut findings, donor)
        } else {
            findings.push(Finding::new(
                Code::LIMIT_EXCEEDED,
                &input.path,
                0,
                0,
                format!(
                    "total input is over the limit of {} bytes; this file was not read",
                    options.limits.max_total_bytes
                ),
            ));
            LoadedFile {
                path: input.path.clone(),
                bytes: input.bytes.clone(),
                text: None,
                kind: FileKind::Other,
                docs: Vec::new(),
                nl: "\n",
                untouchable: true,
            }
        };
        (file, findings)
    });
    let mut files = Vec::with_capacity(planned.len());
    let mut findings = Vec::new();
    let mut loaded = loaded.into_iter();
    for r in &mut reused {
        match r.take() {
            Some(f) => files.push(f),
            None => {
                let Some((file, mut fs)) = loaded.next() else {
                    break;
                };
                files.push(file);
                findings.append(&mut fs);
            }
        }
    }
    (files, findings)
}

/// The first character YAML 1.2 does not allow in a stream, and its byte offset. Scans
/// bytes and decodes only where a byte is not printable ASCII (most files are ASCII).
fn first_unprintable(text: &str) -> Option<(usize, char)> {
    let bytes = text.as_bytes();
    let mut from = 0;
    loop {
        let at = from
            + bytes[from..].iter().position(|&b| {
                !(b == b'\t' || b == b'\n' || b == b'\r' || (0x20..0x7F).contains(&b))
            })?;
        let c = text[at..].chars().next()?;
        if !yaml_printable(c) {
            return Some((at, c));
        }
        from = at + c.len_utf8();
    }
}

/// YAML 1.2 `c-printable`: x9 | xA | xD | [x20-x7E] | x85 | [xA0-xD7FF] | [xE000-xFFFD]
/// | [x10000-x10FFFF] (the BOM U+FEFF is in it).
fn yaml_printable(c: char) -> bool {
    matches!(c as u32,
        0x09 | 0x0A | 0x0D | 0x20..=0x7E | 0x85 | 0xA0..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The byte scan finds what a scan of every character finds.
    #[test]
    fn first_unprintable_is_the_first_char_yaml_disallows() {
        for text in [
            "a: b\n\tc: \"d\"\r\n",
            "ünï: çödé 日本 🦀\n",
            "a: \u{7f}",
            "é\u{85}\u{a0}\u{9f}x",
            "ok \u{fffe}",
            "\u{feff}a: 1\u{1}",
            "\u{ffff}",
            "",
        ] {
            let slow = text.char_indices().find(|&(_, c)| !yaml_printable(c));
            assert_eq!(first_unprintable(text), slow, "{text:?}");
        }
        assert_eq!(
            first_unprintable("é\u{85}\u{a0}\u{9f}x"),
            Some((6, '\u{9f}'))
        );
    }

    /// A document: its range, line offset, kind, tree as JSON, and where `b`'s value is.
    type DocShape = (usize, usize, usize, String, String, Option<(usize, usize)>);

    /// What a loaded file's documents are, positions included.
    fn shape(f: &LoadedFile) -> Vec<DocShape> {
        f.docs
            .iter()
            .map(|d| {
                let root = d.root();
                (
                    d.start,
                    d.end,
                    d.line_offset,
                    format!("{:?}", d.kind),
                    root.map(crate::yaml::to_json)
                        .unwrap_or_default()
                        .to_string(),
                    root.and_then(|r| r.get("b"))
                        .map(|n| (n.line() + d.line_offset, n.col())),
                )
            })
            .collect()
    }

    #[test]
    fn a_lent_document_is_taken_only_when_its_text_is_unchanged() {
        let limits = Limits::default();
        let before = "a: 1\n---\nb: {c: 2}\n---\nd: 3\n";
        // The first document grows by two lines; the second is moved but unchanged;
        // the third changes.
        let after = "a: 1\nx: 2\ny: 3\n---\nb: {c: 2}\n---\nd: 4\n";
        let load = |t: &str, donor| {
            let input = InputFile::new("f.yaml", t.as_bytes().to_vec());
            load_file_reusing(&input, &[], &limits, &mut Vec::new(), donor)
        };
        let donor = load(before, None);
        let fresh = load(after, None);
        let reused = load(after, Some(donor));
        assert_eq!(shape(&reused), shape(&fresh));
        assert_eq!(
            shape(&fresh)[1].5,
            Some((5, 4)),
            "the moved document is at its line in the new file"
        );
        // A donor of another text lends nothing wrong either.
        let other = load("b: {c: 9}\n", None);
        assert_eq!(shape(&load(after, Some(other))), shape(&fresh));
    }

    /// The line-by-line reading `split_documents` replaced (it looked at every line).
    fn split_by_lines(text: &str) -> Vec<(usize, usize)> {
        let (mut chunks, mut start, mut pos) = (Vec::new(), 0, 0);
        while pos < text.len() {
            let line_end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
            let line = &text[pos..line_end];
            let is_marker = |m: &str| {
                line.starts_with(m)
                    && line[3..]
                        .chars()
                        .next()
                        .is_none_or(|c| c == ' ' || c == '\t' || c == '\r')
            };
            let next = (line_end + 1).min(text.len());
            if is_marker("---") && pos > start {
                chunks.push((start, pos));
                start = pos;
            } else if is_marker("...") {
                chunks.push((start, next));
                start = next;
            }
            pos = line_end + 1;
        }
        if start < text.len() || chunks.is_empty() {
            chunks.push((start, text.len()));
        }
        chunks
    }

    #[test]
    fn splits_documents_as_reading_every_line_does() {
        let lines = [
            "---", "--- x", "---x", "...", "....", "... #", "a: 1", "", "---\r", "  ---", "-",
            "..", "\r", "...\t", "ü---",
        ];
        let mut cases = 0;
        for n in 0..=4u32 {
            for mut k in 0..lines.len().pow(n) {
                let mut parts = Vec::new();
                for _ in 0..n {
                    parts.push(lines[k % lines.len()]);
                    k /= lines.len();
                }
                for end in ["", "\n"] {
                    let t = format!("{}{end}", parts.join("\n"));
                    assert_eq!(split_documents(&t), split_by_lines(&t), "{t:?}");
                    cases += 1;
                }
            }
        }
        assert!(cases > 100_000, "{cases}");
    }

    #[test]
    fn splits_documents() {
        let t = "a: 1\n---\nb: 2\n--- # c\nc: 3\n...\nd: 4\n";
        let c: Vec<&str> = split_documents(t)
            .into_iter()
            .map(|(s, e)| &t[s..e])
            .collect();
        assert_eq!(
            c,
            vec!["a: 1\n", "---\nb: 2\n", "--- # c\nc: 3\n...\n", "d: 4\n"]
        );
        assert_eq!(split_documents(""), vec![(0, 0)]);
        assert_eq!(split_documents("---\n").len(), 1);
    }
}
