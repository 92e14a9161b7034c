//! Control characters never reach a terminal or Markdown raw (issue 15, point 3): file
//! names, `metadata.name`/`releaseName`/`targetNamespace`, parse-error snippets and the
//! runbook's shell lines are escaped (`\x1b`), and a newline in a file name cannot fake
//! a report line. (JSON escapes them itself.)

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("fluxport-term-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn report(d: &PathBuf, format: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_fluxport"))
        .arg("convert")
        .arg(d)
        .args(["--format", format])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let mut s = String::from_utf8(out.stdout).unwrap();
    s.push_str(&String::from_utf8(out.stderr).unwrap());
    s
}

/// Every character a terminal or a Markdown viewer acts on, but the line feed.
fn raw_controls(s: &str) -> Vec<char> {
    s.chars()
        .filter(|&c| {
            (c.is_control() && c != '\n')
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .collect()
}

const HOSTILE_NAME: &[u8] = b"ok.yaml:1:1: info[FAKE] looks fine\nbad\x1b[31m\x07\x08\r.yaml";

/// Before: ESC, BEL, BS and CR from the file name reached the terminal raw, and its
/// newline printed `ok.yaml:1:1: info[FAKE] looks fine` as a report line of its own.
#[test]
fn hostile_file_name_is_escaped_in_text_and_markdown() {
    let d = dir("name");
    // A file with a finding, so its name is printed.
    std::fs::write(d.join(OsStr::from_bytes(HOSTILE_NAME)), "a: [1\n").unwrap();
    for format in ["text", "markdown"] {
        let out = report(&d, format);
        assert_eq!(raw_controls(&out), Vec::<char>::new(), "{format}: {out}");
        assert!(
            !out.lines()
                .any(|l| l == "ok.yaml:1:1: info[FAKE] looks fine"),
            "{format}: a fake report line: {out}"
        );
        assert!(
            out.contains("\\x0abad\\x1b[31m\\x07\\x08\\x0d.yaml"),
            "{format}: {out}"
        );
    }
    let _ = std::fs::remove_dir_all(&d);
}

/// Before: ESC in `metadata.name`, `releaseName` and `targetNamespace` (YAML `"\e"`) went
/// raw into the text report and into the runbook's shell lines and comments. After:
/// escaped everywhere; the shell word keeps its bytes with ANSI-C quoting (`$'\x1b'`).
#[test]
fn hostile_names_are_escaped_in_the_report_and_runbook() {
    let d = dir("names");
    std::fs::write(
        d.join("hr.yaml"),
        "apiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata: {name: \"a\\e[2J\", namespace: \"n\\a\"}\n\
         spec:\n  releaseName: \"r\\e]0;pwned\\a\"\n  targetNamespace: \"t\\b\\r\"\n\
         \x20 chart: {repository: \"https://h.io/c\", name: c, version: 1.0.0}\n",
    )
    .unwrap();
    for format in ["text", "markdown"] {
        let out = report(&d, format);
        assert_eq!(raw_controls(&out), Vec::<char>::new(), "{format}: {out}");
    }
    let md = report(&d, "markdown");
    assert!(md.contains("\\x1b]0;pwned\\x07"), "{md}");
    let _ = std::fs::remove_dir_all(&d);
}

/// Before: a parse-error snippet quoted the line raw (here a bidi override, which YAML
/// allows, so the parser reaches the error). After: it is shown as `\u{202e}`, and the
/// caret still points at the column of the error (the second `:`).
#[test]
fn parse_error_snippets_are_escaped() {
    let d = dir("snippet");
    std::fs::write(d.join("x.yaml"), "a: b\n\u{202e}c: d: e\n").unwrap();
    for format in ["text", "markdown"] {
        let out = report(&d, format);
        assert_eq!(raw_controls(&out), Vec::<char>::new(), "{format}: {out}");
        assert!(out.contains("\\u{202e}c: d: e"), "{format}: {out}");
    }
    let out = report(&d, "text");
    let lines: Vec<&str> = out.lines().collect();
    let i = lines.iter().position(|l| l.contains("c: d: e")).unwrap();
    assert_eq!(
        lines[i + 1].find('^'),
        lines[i].rfind(':'),
        "caret under the error:\n{}\n{}",
        lines[i],
        lines[i + 1]
    );
    let _ = std::fs::remove_dir_all(&d);
}
