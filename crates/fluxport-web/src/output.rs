//! What the app shows and downloads, as pure functions of a [`Conversion`], so the e2e
//! harness computes the exact expected output natively (`examples/native-convert.rs`).

use fluxport_archive::Entry;
use fluxport_core::{convert, Conversion, FileStatus, InputFile, Options};

/// Path given to the pasted text.
pub const PASTE_PATH: &str = "input.yaml";

/// Converts pasted text.
pub fn convert_paste(text: &str, options: &Options) -> Conversion {
    convert(
        &[InputFile::new(PASTE_PATH, text.as_bytes().to_vec())],
        options,
    )
}

/// The number of errors that stopped the pasted text's conversion, if they did (its
/// status is `failed`).
pub fn paste_failed(conv: &Conversion) -> Option<usize> {
    let f = conv.report.files.iter().find(|f| f.path == PASTE_PATH)?;
    (f.status == FileStatus::Failed).then_some(f.errors)
}

/// The YAML shown in the paste output pane: the converted input, then any new files the
/// conversion generated (for example sources), each as extra documents after a comment
/// naming the file. Empty when an error stopped the conversion: the input is never
/// shown as if it were the result.
pub fn paste_output(conv: &Conversion) -> String {
    paste_output_map(conv).0
}

/// Where output line `line` of `file` is in the paste output pane (see [`paste_output`]),
/// for a pre-flight finding's marker and jump; `None` when the pane does not show it.
pub fn paste_output_line(conv: &Conversion, file: &str, line: usize) -> Option<usize> {
    line_in_pane(&paste_output_map(conv).1, file, line)
}

/// [`paste_output_line`] over the file starts [`paste_output_map`] returned: for every
/// finding of one conversion, build the pane once (not once per finding, which was
/// quadratic in a large paste's size times its findings).
pub fn line_in_pane(starts: &[(&str, usize)], file: &str, line: usize) -> Option<usize> {
    let (_, before) = starts.iter().find(|(p, _)| *p == file)?;
    Some(before + line.max(1))
}

/// The paste output, and for each file in it the number of lines before its first line.
pub fn paste_output_map(conv: &Conversion) -> (String, Vec<(&str, usize)>) {
    let mut out = String::new();
    let mut starts = Vec::new();
    if paste_failed(conv).is_some() {
        return (out, starts);
    }
    let lines = |s: &str| s.bytes().filter(|&b| b == b'\n').count();
    for f in &conv.files {
        if f.path == PASTE_PATH && f.status != FileStatus::Deleted {
            starts.push((f.path.as_str(), 0));
            out.push_str(f.text());
        }
    }
    for f in conv
        .files
        .iter()
        .filter(|f| f.path != PASTE_PATH && f.status != FileStatus::Deleted)
    {
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(&format!("---\n# fluxport: new file {}\n", f.path));
        starts.push((f.path.as_str(), lines(&out)));
        out.push_str(f.text());
    }
    (out, starts)
}

/// The runbook's lines (Markdown), each with the shell command it holds when it is a
/// command line of a fenced code block (not blank, not a `#` comment), trimmed: the
/// lines the Report tab gives a Copy button.
pub fn runbook_lines(md: &str) -> Vec<(&str, Option<&str>)> {
    let mut fence = false;
    md.lines()
        .map(|line| {
            let t = line.trim();
            if t.starts_with("```") {
                fence = !fence;
                return (line, None);
            }
            let cmd = (fence && !t.is_empty() && !t.starts_with('#')).then_some(t);
            (line, cmd)
        })
        .collect()
}

/// The entries of the "download all" zip: every output file except deleted ones, in
/// output order, with their original relative paths.
pub fn zip_entries(conv: &Conversion) -> Vec<Entry> {
    conv.files
        .iter()
        .filter(|f| f.status != FileStatus::Deleted)
        .map(|f| Entry {
            path: f.path.clone(),
            bytes: f.bytes.clone(),
        })
        .collect()
}

/// Normalises an uploaded path: `/`-separated, no leading `./` or `/`.
pub fn clean_path(p: &str) -> String {
    let p = p.replace('\\', "/");
    let mut s = p.as_str();
    loop {
        if let Some(r) = s.strip_prefix("./") {
            s = r;
        } else if let Some(r) = s.strip_prefix('/') {
            s = r;
        } else {
            break;
        }
    }
    s.to_string()
}

/// Byte offsets `[start, end)` of 1-based `line` in `text` (end excludes the newline).
/// Offsets are in UTF-16 code units, as the DOM's selection APIs use.
pub fn line_range_utf16(text: &str, line: usize) -> (u32, u32) {
    let mut pos: u32 = 0;
    let mut cur = 1usize;
    let mut start = None;
    for ch in text.chars() {
        if cur == line && start.is_none() {
            start = Some(pos);
        }
        if ch == '\n' {
            if cur == line {
                return (start.unwrap_or(pos), pos);
            }
            cur += 1;
        }
        pos += ch.len_utf16() as u32;
    }
    (start.unwrap_or(pos), pos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runbook_commands_are_the_fenced_lines_only() {
        let md = "1. **Stop.** Run `kubectl get`:\n\n   ```sh\n   kubectl -n flux scale deployment/flux --replicas=0\n   # a comment\n\n   helm 2to3 convert a   # ns/a\n   ```\n\n   kubectl outside a fence\n";
        let cmds: Vec<&str> = runbook_lines(md)
            .into_iter()
            .filter_map(|(_, c)| c)
            .collect();
        assert_eq!(
            cmds,
            [
                "kubectl -n flux scale deployment/flux --replicas=0",
                "helm 2to3 convert a   # ns/a"
            ]
        );
        assert_eq!(
            runbook_lines(md).len(),
            md.lines().count(),
            "every line is kept, in order"
        );
    }

    #[test]
    fn paste_output_lines_point_into_each_file() {
        let text = "apiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata:\n  name: podinfo\n  namespace: demo\nspec:\n  chart:\n    repository: https://stefanprodan.github.io/podinfo\n    name: podinfo\n    version: 5.0.3\n";
        let conv = convert_paste(text, &Options::default());
        let out = paste_output(&conv);
        let lines: Vec<&str> = out.lines().collect();
        // The input's lines are the pane's first lines.
        assert_eq!(paste_output_line(&conv, PASTE_PATH, 1), Some(1));
        // A generated file: its line 1 is the line after its header comment.
        let new = conv
            .files
            .iter()
            .find(|f| f.path != PASTE_PATH)
            .expect("a generated source file");
        let at = paste_output_line(&conv, &new.path, 1).unwrap();
        assert_eq!(lines[at - 2], format!("# fluxport: new file {}", new.path));
        assert_eq!(lines[at - 1], new.text().lines().next().unwrap());
        // A file the pane does not show has no line.
        assert_eq!(paste_output_line(&conv, "nope.yaml", 1), None);
    }

    #[test]
    fn line_ranges() {
        let t = "ab\ncdé\n\nx";
        assert_eq!(line_range_utf16(t, 1), (0, 2));
        assert_eq!(line_range_utf16(t, 2), (3, 6));
        assert_eq!(line_range_utf16(t, 3), (7, 7));
        assert_eq!(line_range_utf16(t, 4), (8, 9));
        assert_eq!(line_range_utf16(t, 9), (9, 9));
    }

    #[test]
    fn clean_paths() {
        assert_eq!(clean_path("./a/b.yaml"), "a/b.yaml");
        assert_eq!(clean_path("/a\\b.yaml"), "a/b.yaml");
    }

    #[test]
    fn paste_output_is_input_when_unchanged() {
        let c = convert_paste("a: 1\n", &Options::default());
        assert!(paste_output(&c).starts_with("a: 1\n") || !paste_output(&c).is_empty());
    }

    #[test]
    fn a_failed_paste_shows_no_output() {
        let bad = "a: [1, 2\nb: 3\n";
        let c = convert_paste(bad, &Options::default());
        assert_eq!(paste_failed(&c), Some(1));
        assert_eq!(
            paste_output(&c),
            "",
            "the input is never echoed as the result"
        );
        let good = convert_paste("a: 1\n", &Options::default());
        assert_eq!(paste_failed(&good), None);
    }
}
