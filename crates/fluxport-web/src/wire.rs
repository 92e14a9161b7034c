//! A conversion crosses from the conversion worker to the page as JSON: the worker runs
//! the core and [`encode`]s the [`Conversion`]; the page [`decode`]s it back into the
//! very same value (files, statuses, and the full report), so everything the page shows
//! or downloads is computed as if the core had run on the page.
//! An unchanged file carries no content (it is byte-identical to the input, which the
//! page has); other files travel as text, or as bytes if they are not UTF-8.

use fluxport_core::report::preflight::VerifyCounts;
use fluxport_core::report::{Counts, FileEntry, ReleaseEntry};
use fluxport_core::{Code, Conversion, FileStatus, Finding, OutputFile, Report, Verification};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Serialize)]
struct Out<'a> {
    files: Vec<FileOut<'a>>,
    report: &'a Report,
    preflight: &'a Verification,
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
                let unchanged = f.status.passed_through();
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
        preflight: &c.preflight,
    };
    serde_json::to_string(&out).unwrap_or_default()
}

// The page reads the wire JSON as a `serde_json::Value` and takes fields out by hand:
// derived `Deserialize` for the seven wire structs cost ~20 KB of wasm (one
// serde_json visitor per struct), more than the whole of this reader.
type Obj = serde_json::Map<String, Value>;

fn obj(v: Value, what: &str) -> Result<Obj, String> {
    match v {
        Value::Object(o) => Ok(o),
        _ => Err(format!("{what}: expected an object")),
    }
}

fn take(o: &mut Obj, k: &str) -> Result<Value, String> {
    o.remove(k).ok_or_else(|| format!("missing field `{k}`"))
}

fn string(o: &mut Obj, k: &str) -> Result<String, String> {
    match take(o, k)? {
        Value::String(s) => Ok(s),
        _ => Err(format!("`{k}`: expected a string")),
    }
}

/// An optional field: absent or null is `None`.
fn opt(o: &mut Obj, k: &str) -> Option<Value> {
    o.remove(k).filter(|v| !v.is_null())
}

fn uint(v: &Value, k: &str) -> Result<usize, String> {
    v.as_u64()
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(|| format!("`{k}`: expected an unsigned integer"))
}

fn int(o: &mut Obj, k: &str) -> Result<usize, String> {
    uint(&take(o, k)?, k)
}

fn array(o: &mut Obj, k: &str) -> Result<Vec<Value>, String> {
    match take(o, k)? {
        Value::Array(a) => Ok(a),
        _ => Err(format!("`{k}`: expected an array")),
    }
}

/// Each element of array `k`, as an object, through `f`.
fn each<T>(
    o: &mut Obj,
    k: &str,
    mut f: impl FnMut(&mut Obj) -> Result<T, String>,
) -> Result<Vec<T>, String> {
    array(o, k)?
        .into_iter()
        .map(|v| f(&mut obj(v, k)?))
        .collect()
}

fn status(s: &str) -> Result<FileStatus, String> {
    [
        FileStatus::Unchanged,
        FileStatus::Converted,
        FileStatus::New,
        FileStatus::Deleted,
        FileStatus::Failed,
    ]
    .into_iter()
    .find(|x| x.as_str() == s)
    .ok_or_else(|| format!("unknown file status {s:?}"))
}

fn code(s: &str) -> Result<Code, String> {
    Code::ALL
        .iter()
        .copied()
        .find(|c| c.as_str() == s)
        .ok_or_else(|| format!("unknown finding code {s:?}"))
}

fn file(f: &mut Obj, input: &impl Fn(&str) -> Option<Vec<u8>>) -> Result<OutputFile, String> {
    let path = string(f, "path")?;
    let status = status(&string(f, "status")?)?;
    let text = match opt(f, "text") {
        Some(Value::String(t)) => Some(t),
        Some(_) => return Err("`text`: expected a string".to_string()),
        None => None,
    };
    let bytes = match (text, opt(f, "bytes")) {
        (Some(t), _) => t.into_bytes(),
        (None, Some(Value::Array(b))) => b
            .iter()
            .map(|x| {
                x.as_u64()
                    .and_then(|n| u8::try_from(n).ok())
                    .ok_or_else(|| "`bytes`: expected bytes".to_string())
            })
            .collect::<Result<Vec<u8>, String>>()?,
        (None, Some(_)) => return Err("`bytes`: expected an array".to_string()),
        (None, None) if status.passed_through() => {
            input(&path).ok_or_else(|| format!("unchanged file {path} is not an input"))?
        }
        (None, None) => Vec::new(),
    };
    Ok(OutputFile {
        path,
        bytes,
        status,
    })
}

fn finding(f: &mut Obj) -> Result<Finding, String> {
    let code_s = string(f, "code")?;
    let c = code(&code_s)?;
    let severity = string(f, "severity")?;
    if c.severity().as_str() != severity {
        return Err(format!("severity {severity:?} of {code_s}"));
    }
    Ok(Finding {
        code: c,
        severity: c.severity(),
        file: string(f, "file")?,
        line: int(f, "line")?,
        column: int(f, "column")?,
        message: string(f, "message")?,
        fix: string(f, "fix")?,
    })
}

fn counts(c: &mut Obj) -> Result<Counts, String> {
    let mut by_code = BTreeMap::new();
    for (k, v) in obj(take(c, "by_code")?, "by_code")? {
        by_code.insert(k, uint(&v, "by_code")?);
    }
    Ok(Counts {
        files: int(c, "files")?,
        unchanged: int(c, "unchanged")?,
        converted: int(c, "converted")?,
        new: int(c, "new")?,
        deleted: int(c, "deleted")?,
        failed: int(c, "failed")?,
        errors: int(c, "errors")?,
        warnings: int(c, "warnings")?,
        infos: int(c, "infos")?,
        by_code,
    })
}

/// Rebuilds the [`Conversion`] that [`encode`] wrote. `input(path)` gives the input
/// bytes of an unchanged file.
pub fn decode(json: &str, input: impl Fn(&str) -> Option<Vec<u8>>) -> Result<Conversion, String> {
    let v: Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let mut w = obj(v, "conversion")?;
    let files = each(&mut w, "files", |f| file(f, &input))?;
    let mut r = obj(take(&mut w, "report")?, "report")?;
    let schema_version = int(&mut r, "schema_version")?;
    let report = Report {
        schema_version: u32::try_from(schema_version).map_err(|e| e.to_string())?,
        findings: each(&mut r, "findings", finding)?,
        files: each(&mut r, "files", |f| {
            Ok(FileEntry {
                path: string(f, "path")?,
                status: status(&string(f, "status")?)?,
                findings: int(f, "findings")?,
                errors: int(f, "errors")?,
            })
        })?,
        releases: each(&mut r, "releases", |x| {
            Ok(ReleaseEntry {
                file: string(x, "file")?,
                namespace: string(x, "namespace")?,
                name: string(x, "name")?,
                release_name: string(x, "release_name")?,
                storage_namespace: string(x, "storage_namespace")?,
                helm2: match take(x, "helm2")? {
                    Value::Bool(b) => b,
                    _ => return Err("`helm2`: expected a boolean".to_string()),
                },
            })
        })?,
        counts: counts(&mut obj(take(&mut r, "counts")?, "counts")?)?,
        runbook: string(&mut r, "runbook")?,
    };
    let preflight = verification(obj(take(&mut w, "preflight")?, "preflight")?)?;
    Ok(Conversion {
        files,
        report,
        preflight,
    })
}

fn verification(mut p: Obj) -> Result<Verification, String> {
    let mut pc = obj(take(&mut p, "counts")?, "preflight counts")?;
    let mut by_code = BTreeMap::new();
    for (k, v) in obj(take(&mut pc, "by_code")?, "by_code")? {
        by_code.insert(k, uint(&v, "by_code")?);
    }
    Ok(Verification {
        schema_version: u32::try_from(int(&mut p, "schema_version")?).map_err(|e| e.to_string())?,
        findings: each(&mut p, "findings", finding)?,
        counts: VerifyCounts {
            files: int(&mut pc, "files")?,
            kustomizations: int(&mut pc, "kustomizations")?,
            objects: int(&mut pc, "objects")?,
            errors: int(&mut pc, "errors")?,
            warnings: int(&mut pc, "warnings")?,
            infos: int(&mut pc, "infos")?,
            by_code,
        },
        bootstrap_objects: array(&mut p, "bootstrap_objects")?
            .into_iter()
            .map(|v| match v {
                Value::String(s) => Ok(s),
                _ => Err("`bootstrap_objects`: expected strings".to_string()),
            })
            .collect::<Result<_, _>>()?,
        skipped: match take(&mut p, "skipped")? {
            Value::Bool(b) => b,
            _ => return Err("`skipped`: expected a boolean".to_string()),
        },
        running: match opt(&mut p, "running") {
            None => false,
            Some(Value::Bool(b)) => b,
            Some(_) => return Err("`running`: expected a boolean".to_string()),
        },
    })
}

#[derive(Serialize)]
struct PreflightOut<'a> {
    preflight: &'a Verification,
    runbook: &'a str,
}

/// The pre-flight of a conversion that was sent without it (`convert_deferred`), as
/// JSON: the [`Verification`] and the runbook it completed (see [`decode_preflight`]).
pub fn encode_preflight(c: &Conversion) -> String {
    serde_json::to_string(&PreflightOut {
        preflight: &c.preflight,
        runbook: &c.report.runbook,
    })
    .unwrap_or_default()
}

/// Reads what [`encode_preflight`] wrote into the conversion the page holds.
pub fn decode_preflight(json: &str, conv: &mut Conversion) -> Result<(), String> {
    let v: Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let mut w = obj(v, "pre-flight")?;
    conv.preflight = verification(obj(take(&mut w, "preflight")?, "preflight")?)?;
    conv.report.runbook = string(&mut w, "runbook")?;
    Ok(())
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
            assert_eq!(back.preflight.to_json(), c.preflight.to_json());
            assert_eq!(back.report.to_markdown(), c.report.to_markdown());
            assert_eq!(paste_output(&back), paste_output(&c));
            assert_eq!(back.files.len(), c.files.len());
            for (a, b) in back.files.iter().zip(&c.files) {
                assert_eq!((&a.path, a.status, &a.bytes), (&b.path, b.status, &b.bytes));
            }
        }
    }

    #[test]
    fn deferred_preflight_round_trip_is_the_whole_conversion() {
        // A repo whose pre-flight finds something and adds to the runbook.
        let inputs = vec![InputFile::new(
            "apps/hr.yaml",
            include_str!("example.yaml").as_bytes().to_vec(),
        )];
        let opts = Options {
            assume_bootstrap: true,
            ..Options::default()
        };
        let whole = convert(&inputs, &opts);
        let (mut conv, pending) = fluxport_core::convert_deferred(&inputs, &opts);
        let input = |p: &str| inputs.iter().find(|f| f.path == p).map(|f| f.bytes.clone());
        let mut page = decode(&encode(&conv), input).expect("decodes");
        assert!(
            page.preflight.running,
            "the page knows the pre-flight is still running"
        );
        assert_eq!(page.preflight.summary_line(), "pre-flight: running…");
        pending.run(&mut conv, &opts);
        decode_preflight(&encode_preflight(&conv), &mut page).expect("decodes");
        assert!(!page.preflight.running);
        assert_eq!(page.preflight.to_json(), whole.preflight.to_json());
        assert_eq!(page.report.to_json(), whole.report.to_json());
        assert!(
            !whole.preflight.findings.is_empty(),
            "the case has pre-flight findings"
        );
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
