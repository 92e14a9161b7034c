//! A conversion crosses from the conversion worker to the page as JSON: the worker runs
//! the core and [`encode`]s the [`Conversion`]; the page [`decode`]s it back into the
//! very same value (files, statuses, and the full report), so everything the page shows
//! or downloads is computed as if the core had run on the page.
//! An unchanged file carries no content (it is byte-identical to the input, which the
//! page has); other files travel as text, or as bytes if they are not UTF-8.

use fluxport_core::report::{Counts, FileEntry, ReleaseEntry};
use fluxport_core::{Code, Conversion, FileStatus, Finding, OutputFile, Report};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Serialize)]
struct Out<'a> {
    files: Vec<FileOut<'a>>,
    report: &'a Report,
}

#[derive(Serialize)]
struct FileOut<'a> {
    path: &'a str,
    status: FileStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bytes: Option<&'a [u8]>,
}

/// The conversion as JSON (see [`decode`]).
pub fn encode(c: &Conversion) -> String {
    let out = Out {
        files: c
            .files
            .iter()
            .map(|f| {
                let text = std::str::from_utf8(&f.bytes).ok();
                let unchanged = f.status == FileStatus::Unchanged;
                FileOut {
                    path: &f.path,
                    status: f.status,
                    text: if unchanged { None } else { text },
                    bytes: if unchanged || text.is_some() {
                        None
                    } else {
                        Some(&f.bytes)
                    },
                }
            })
            .collect(),
        report: &c.report,
    };
    serde_json::to_string(&out).unwrap_or_default()
}

#[derive(Deserialize)]
struct In {
    files: Vec<FileIn>,
    report: ReportIn,
}

#[derive(Deserialize)]
struct FileIn {
    path: String,
    status: String,
    text: Option<String>,
    bytes: Option<Vec<u8>>,
}

#[derive(Deserialize)]
struct ReportIn {
    schema_version: u32,
    findings: Vec<FindingIn>,
    files: Vec<FileEntryIn>,
    releases: Vec<ReleaseIn>,
    counts: CountsIn,
    runbook: String,
}

#[derive(Deserialize)]
struct FindingIn {
    code: String,
    severity: String,
    file: String,
    line: usize,
    column: usize,
    message: String,
    fix: String,
}

#[derive(Deserialize)]
struct FileEntryIn {
    path: String,
    status: String,
    findings: usize,
}

#[derive(Deserialize)]
struct ReleaseIn {
    file: String,
    namespace: String,
    name: String,
    release_name: String,
    storage_namespace: String,
    helm2: bool,
}

#[derive(Deserialize)]
struct CountsIn {
    files: usize,
    unchanged: usize,
    converted: usize,
    new: usize,
    deleted: usize,
    errors: usize,
    warnings: usize,
    infos: usize,
    by_code: BTreeMap<String, usize>,
}

fn status(s: &str) -> Result<FileStatus, String> {
    Ok(match s {
        "unchanged" => FileStatus::Unchanged,
        "converted" => FileStatus::Converted,
        "new" => FileStatus::New,
        "deleted" => FileStatus::Deleted,
        _ => return Err(format!("unknown file status {s:?}")),
    })
}

fn code(s: &str) -> Result<Code, String> {
    Code::ALL
        .iter()
        .copied()
        .find(|c| c.as_str() == s)
        .ok_or_else(|| format!("unknown finding code {s:?}"))
}

/// Rebuilds the [`Conversion`] that [`encode`] wrote. `input(path)` gives the input
/// bytes of an unchanged file.
pub fn decode(json: &str, input: impl Fn(&str) -> Option<Vec<u8>>) -> Result<Conversion, String> {
    let w: In = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let r = w.report;
    let files = w
        .files
        .into_iter()
        .map(|f| {
            let status = status(&f.status)?;
            let bytes = match (f.text, f.bytes) {
                (Some(t), _) => t.into_bytes(),
                (None, Some(b)) => b,
                (None, None) if status == FileStatus::Unchanged => input(&f.path)
                    .ok_or_else(|| format!("unchanged file {} is not an input", f.path))?,
                (None, None) => Vec::new(),
            };
            Ok(OutputFile {
                status,
                path: f.path,
                bytes,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let findings = r
        .findings
        .into_iter()
        .map(|f| {
            let c = code(&f.code)?;
            if c.severity().as_str() != f.severity {
                return Err(format!("severity {:?} of {}", f.severity, f.code));
            }
            Ok(Finding {
                code: c,
                severity: c.severity(),
                file: f.file,
                line: f.line,
                column: f.column,
                message: f.message,
                fix: f.fix,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let report_files = r
        .files
        .into_iter()
        .map(|f| {
            Ok(FileEntry {
                status: status(&f.status)?,
                path: f.path,
                findings: f.findings,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let c = r.counts;
    let report = Report {
        schema_version: r.schema_version,
        findings,
        files: report_files,
        releases: r
            .releases
            .into_iter()
            .map(|x| ReleaseEntry {
                file: x.file,
                namespace: x.namespace,
                name: x.name,
                release_name: x.release_name,
                storage_namespace: x.storage_namespace,
                helm2: x.helm2,
            })
            .collect(),
        counts: Counts {
            files: c.files,
            unchanged: c.unchanged,
            converted: c.converted,
            new: c.new,
            deleted: c.deleted,
            errors: c.errors,
            warnings: c.warnings,
            infos: c.infos,
            by_code: c.by_code,
        },
        runbook: r.runbook,
    };
    Ok(Conversion { files, report })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::{convert_paste, paste_output};
    use fluxport_core::{convert, InputFile, Options};

    #[test]
    fn round_trip_is_exact() {
        let inputs = [
            include_str!("example.yaml"),
            "a: [1, 2\nb: 3\n",
            "",
            "apiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata:\n  name: x\nspec:\n  chart:\n    git: git@github.com:o/r\n    path: charts/x\n",
        ];
        for text in inputs {
            let c = convert_paste(text, &Options::default());
            let back = decode(&encode(&c), |p| {
                (p == crate::output::PASTE_PATH).then(|| text.as_bytes().to_vec())
            })
            .expect("decodes");
            assert_eq!(back.report.to_json(), c.report.to_json());
            assert_eq!(back.report.to_markdown(), c.report.to_markdown());
            assert_eq!(paste_output(&back), paste_output(&c));
            assert_eq!(back.files.len(), c.files.len());
            for (a, b) in back.files.iter().zip(&c.files) {
                assert_eq!((&a.path, a.status, &a.bytes), (&b.path, b.status, &b.bytes));
            }
        }
    }

    #[test]
    fn repo_round_trip_keeps_bytes() {
        let inputs = vec![
            InputFile::new("a/logo.png", vec![0x89, b'P', b'N', b'G', 0xff, 0x00]),
            InputFile::new(
                "a/hr.yaml",
                include_str!("example.yaml").as_bytes().to_vec(),
            ),
            InputFile::new(
                "b/cm.yaml",
                b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: unchanged-marker\n  namespace: apps\n".to_vec(),
            ),
        ];
        let c = convert(&inputs, &Options::default());
        let json = encode(&c);
        assert!(
            !json.contains("unchanged-marker"),
            "unchanged files carry no content"
        );
        let back = decode(&json, |p| {
            inputs.iter().find(|f| f.path == p).map(|f| f.bytes.clone())
        })
        .expect("decodes");
        assert_eq!(back.report.to_json(), c.report.to_json());
        for (a, b) in back.files.iter().zip(&c.files) {
            assert_eq!((&a.path, a.status, &a.bytes), (&b.path, b.status, &b.bytes));
        }
        // Lossless for a non-UTF-8 file that is not unchanged, too.
        let mut odd = c.clone();
        let png = odd
            .files
            .iter()
            .position(|f| f.path == "a/logo.png")
            .unwrap();
        odd.files[png].status = FileStatus::Converted;
        let back = decode(&encode(&odd), |p| {
            inputs.iter().find(|f| f.path == p).map(|f| f.bytes.clone())
        })
        .expect("decodes");
        assert_eq!(back.files[png].bytes, inputs[0].bytes);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(decode("{}", |_| None).is_err());
        assert!(decode("not json", |_| None).is_err());
    }
}
