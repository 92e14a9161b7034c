//! The migration report: findings keyed by file:line:column, per-file status, counts,
//! and the cut-over runbook. Rendered as text, JSON (stable shape) or Markdown.

use crate::model::codes::Severity;
use crate::model::files::{FileStatus, OutputFile};
pub use crate::model::finding::{Finding, ReleaseEntry};

pub mod output;
pub mod preflight;
pub mod runbook;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, Serialize)]
pub struct Counts {
    pub files: usize,
    pub unchanged: usize,
    pub converted: usize,
    pub new: usize,
    pub deleted: usize,
    /// Files not converted because of an error-severity finding (passed through).
    pub failed: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    /// Findings per code.
    pub by_code: BTreeMap<String, usize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileEntry {
    pub path: String,
    pub status: FileStatus,
    pub findings: usize,
    /// Error-severity findings on the file (a `failed` file has at least one).
    pub errors: usize,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// Version of the JSON shape; bumped on incompatible changes.
    pub schema_version: u32,
    pub findings: Vec<Finding>,
    pub files: Vec<FileEntry>,
    pub releases: Vec<ReleaseEntry>,
    pub counts: Counts,
    /// Markdown cut-over runbook (MAPPING.md §2.10) with this input's names.
    pub runbook: String,
}

/// One finding per entry, `file:line:col: severity[CODE] message` and its fix: the text
/// form of the conversion report and of the pre-flight (control characters of the
/// input escaped: it goes to a terminal).
pub fn findings_text(findings: &[crate::model::finding::Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        // Paths, names and snippets come from the input: no control character reaches
        // the terminal, and no line of a message can pass for a finding of its own.
        out.push_str(&format!(
            "{}: {}[{}] {}\n    fix: {}\n",
            crate::text::escape_control(&f.location()),
            f.severity.as_str(),
            f.code.as_str(),
            crate::text::escape_control_lines(&f.message, "    "),
            crate::text::escape_control_lines(&f.fix, "         ")
        ));
    }
    out
}

impl Report {
    /// Sorts findings and fills the per-file list and counts. Called once by the pipeline.
    pub fn finish(&mut self, files: &[OutputFile]) {
        // 2: file status `failed`, `counts.failed` and `files[].errors` (a file an error
        // stopped was `unchanged` in 1).
        self.schema_version = 2;
        self.findings
            .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        self.findings.dedup();
        self.releases.sort();
        let mut per_file: BTreeMap<&str, usize> = BTreeMap::new();
        let mut errors_per_file: BTreeMap<&str, usize> = BTreeMap::new();
        for f in &self.findings {
            *per_file.entry(f.file.as_str()).or_default() += 1;
            if f.severity == Severity::Error {
                *errors_per_file.entry(f.file.as_str()).or_default() += 1;
            }
        }
        let mut counts = Counts {
            files: files.len(),
            ..Counts::default()
        };
        self.files = files
            .iter()
            .map(|f| {
                match f.status {
                    FileStatus::Unchanged => counts.unchanged += 1,
                    FileStatus::Converted => counts.converted += 1,
                    FileStatus::New => counts.new += 1,
                    FileStatus::Deleted => counts.deleted += 1,
                    FileStatus::Failed => counts.failed += 1,
                }
                FileEntry {
                    path: f.path.clone(),
                    status: f.status,
                    findings: per_file.get(f.path.as_str()).copied().unwrap_or(0),
                    errors: errors_per_file.get(f.path.as_str()).copied().unwrap_or(0),
                }
            })
            .collect();
        for f in &self.findings {
            match f.severity {
                Severity::Error => counts.errors += 1,
                Severity::Warning => counts.warnings += 1,
                Severity::Info => counts.infos += 1,
            }
            *counts
                .by_code
                .entry(f.code.as_str().to_string())
                .or_default() += 1;
        }
        self.counts = counts;
    }

    /// Inputs that were named but not read (a link, FIFO or device in the CLI's input
    /// directory; an unsafe entry of a zip the web app loaded only the safe entries of):
    /// one `PATH_NOT_READ` warning each, `what` saying what it is and why it was left out,
    /// then [`Report::finish`] again. The one place both the CLI and the web app report
    /// them, so the text, JSON and Markdown reports name every input left out.
    pub fn add_not_read<W: AsRef<str>>(&mut self, files: &[OutputFile], not_read: &[(String, W)]) {
        if not_read.is_empty() {
            return;
        }
        for (path, what) in not_read {
            self.findings.push(Finding::new(
                crate::model::codes::Code::PATH_NOT_READ,
                path,
                0,
                0,
                format!("{}: not read, so it is not in the output", what.as_ref()),
            ));
        }
        self.finish(files);
    }

    pub fn has_errors(&self) -> bool {
        self.counts.errors > 0
    }

    pub fn needs_human(&self) -> bool {
        self.counts.errors + self.counts.warnings > 0
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".into())
    }

    /// One line per finding, `file:line:col: severity[CODE] message`, then a summary.
    pub fn to_text(&self) -> String {
        let mut out = findings_text(&self.findings);
        out.push_str(&self.summary_line());
        out.push('\n');
        out
    }

    pub fn summary_line(&self) -> String {
        let c = &self.counts;
        format!(
            "{} files: {} converted, {} new, {} deleted, {} unchanged, {} failed; findings: {} errors, {} warnings, {} info",
            c.files, c.converted, c.new, c.deleted, c.unchanged, c.failed, c.errors, c.warnings, c.infos
        )
    }

    pub fn to_markdown(&self) -> String {
        let mut out = self.markdown_without_runbook();
        out.push_str(&self.runbook);
        out
    }

    /// The Markdown report up to the runbook: title, summary, findings, files.
    fn markdown_without_runbook(&self) -> String {
        let mut out = String::from("# fluxport migration report\n\n");
        out.push_str(&format!("{}\n\n", self.summary_line()));
        out.push_str("## Findings\n\n");
        if self.findings.is_empty() {
            out.push_str("None.\n\n");
        } else {
            out.push_str("| Severity | Code | Location | Message | Fix |\n|---|---|---|---|---|\n");
            for f in &self.findings {
                out.push_str(&format!(
                    "| {} | `{}` | {} | {} | {} |\n",
                    f.severity.as_str(),
                    f.code.as_str(),
                    crate::text::markdown::code(&f.location()),
                    crate::text::markdown::cell(&f.message),
                    crate::text::markdown::cell(&f.fix)
                ));
            }
            out.push('\n');
        }
        out.push_str("## Files\n\n| File | Status | Findings |\n|---|---|---|\n");
        for f in &self.files {
            out.push_str(&format!(
                "| {} | {} | {} |\n",
                crate::text::markdown::code(&f.path),
                f.status.as_str(),
                f.findings
            ));
        }
        out.push('\n');
        out
    }
}

/// The JSON shape of a conversion's report (`fluxport convert --format json`, the web
/// app's download): the [`Report`]'s fields, plus `preflight` (the [`Verification`]'s
/// shape, as `fluxport verify --format json` prints it).
///
/// [`Verification`]: preflight::Verification
#[derive(Serialize)]
struct ReportWithPreflight<'a> {
    #[serde(flatten)]
    report: &'a Report,
    preflight: &'a preflight::Verification,
}

/// The result of a conversion: every input file (converted or untouched), every new
/// file, and the report.
#[derive(Debug, Clone, Serialize)]
pub struct Conversion {
    pub files: Vec<OutputFile>,
    pub report: Report,
    /// The pre-flight of the output files (`verify` run on them, last).
    pub preflight: preflight::Verification,
}

impl Conversion {
    /// The output as input files (every file but the deleted ones): what converting or
    /// checking the converted tree again reads.
    pub fn output_inputs(&self) -> Vec<crate::model::files::InputFile> {
        self.files
            .iter()
            .filter(|f| f.status != FileStatus::Deleted)
            .map(|f| crate::model::files::InputFile::new(f.path.clone(), f.bytes.clone()))
            .collect()
    }

    pub fn file(&self, path: &str) -> Option<&OutputFile> {
        self.files.iter().find(|f| f.path == path)
    }

    /// The report as JSON with its pre-flight (see [`ReportWithPreflight`]).
    pub fn report_json(&self) -> String {
        serde_json::to_string_pretty(&ReportWithPreflight {
            report: &self.report,
            preflight: &self.preflight,
        })
        .unwrap_or_else(|_| "{}".into())
    }

    /// The report as Markdown with a "Pre-flight" section (summary and every finding)
    /// before the runbook.
    pub fn report_markdown(&self) -> String {
        let mut out = self.report.markdown_without_runbook();
        out.push_str("## Pre-flight\n\n");
        out.push_str(&self.preflight.markdown_findings());
        out.push('\n');
        out.push_str(&self.report.runbook);
        out
    }

    /// True when any file would change (used by `fluxport convert --check`).
    pub fn changes_anything(&self) -> bool {
        self.files.iter().any(|f| !f.status.passed_through())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::codes::Code;

    fn file(path: &str) -> OutputFile {
        OutputFile {
            path: path.into(),
            bytes: b"a: 1\n".to_vec(),
            status: FileStatus::Unchanged,
        }
    }

    #[test]
    fn every_input_not_read_is_a_finding_and_counted() {
        let files = [file("ok.yaml")];
        let mut r = Report::default();
        r.finish(&files);
        let left_out = [
            (
                "../../etc/evil.yaml".to_string(),
                "entry of a.zip, left out as unsafe (climbs out)",
            ),
            (
                "/abs.yaml".to_string(),
                "entry of a.zip, left out as unsafe (absolute)",
            ),
        ];
        r.add_not_read(&files, &left_out);
        let got: Vec<(&str, Code, &str)> = r
            .findings
            .iter()
            .map(|f| (f.file.as_str(), f.code, f.message.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("../../etc/evil.yaml", Code::PATH_NOT_READ, "entry of a.zip, left out as unsafe (climbs out): not read, so it is not in the output"),
                ("/abs.yaml", Code::PATH_NOT_READ, "entry of a.zip, left out as unsafe (absolute): not read, so it is not in the output"),
            ]
        );
        assert_eq!(r.counts.by_code["PATH_NOT_READ"], 2);
        assert_eq!(r.counts.warnings, 2);
        assert_eq!(
            r.counts.files, 1,
            "an input not read is not a file of the output"
        );
        assert!(r.to_json().contains("../../etc/evil.yaml"));
    }

    #[test]
    fn nothing_not_read_leaves_the_report_as_it_was() {
        let files = [file("ok.yaml")];
        let mut r = Report::default();
        r.finish(&files);
        let before = r.to_json();
        r.add_not_read::<&str>(&files, &[]);
        assert_eq!(r.to_json(), before);
        assert!(r.findings.is_empty());
    }
}
