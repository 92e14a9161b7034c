//! The whole real-world corpus (`../shared/corpus`, see INDEX.tsv): no panic, every
//! document accounted for, schema-valid output, idempotent, deterministic, order
//! independent, and release names equal to the v1 rule.

mod common;

use common::{docs, read_dir_inputs, shared, Schemas};
use fluxport_core::repo::load::split_documents;
use fluxport_core::{convert, Conversion, FileStatus, InputFile, Options};
use serde_json::Value;
use std::collections::BTreeMap;

fn corpus_v1() -> Vec<InputFile> {
    let inputs = read_dir_inputs(&shared().join("corpus/v1"));
    assert!(
        inputs.len() >= 100,
        "corpus not found at {}",
        shared().display()
    );
    inputs
}

fn pairs_before() -> Vec<Vec<InputFile>> {
    let dir = shared().join("corpus/pairs");
    let mut out = Vec::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path().join("before");
        if p.is_dir() {
            out.push(read_dir_inputs(&p));
        }
    }
    assert!(out.len() >= 20);
    out
}

fn as_map(c: &Conversion) -> BTreeMap<String, (FileStatus, Vec<u8>)> {
    c.files
        .iter()
        .map(|f| (f.path.clone(), (f.status, f.bytes.clone())))
        .collect()
}

/// v1 release name (MAPPING.md §2.2), computed independently of the converter.
fn v1_release_name(hr: &Value, default_ns: &str) -> String {
    let name = hr["metadata"]["name"].as_str().unwrap();
    let ns = hr["metadata"]["namespace"].as_str().unwrap_or(default_ns);
    if let Some(r) = hr["spec"]["releaseName"].as_str().filter(|s| !s.is_empty()) {
        return r.to_string();
    }
    let tns = hr["spec"]["targetNamespace"]
        .as_str()
        .filter(|s| !s.is_empty())
        .unwrap_or(ns);
    if ns != tns {
        format!("{ns}-{tns}-{name}")
    } else {
        format!("{tns}-{name}")
    }
}

fn check_invariants(inputs: &[InputFile], conv: &Conversion, schemas: &Schemas) {
    let opts = Options::default();
    // Schema validity of every emitted Flux v2 object.
    let errs = schemas.check_conversion(conv);
    assert!(errs.is_empty(), "schema errors:\n{}", errs.join("\n"));

    // Every input file is in the output; every input document is either byte-identical
    // in the output, converted (a v2 object with the same name), or named by a finding.
    let out = as_map(conv);
    for input in inputs {
        let (status, bytes) = out
            .get(&input.path)
            .unwrap_or_else(|| panic!("{} missing from output", input.path));
        if status.passed_through() {
            assert_eq!(
                bytes, &input.bytes,
                "{} marked unchanged/failed but differs",
                input.path
            );
            continue;
        }
        if *status == FileStatus::Deleted {
            assert!(
                conv.report.findings.iter().any(|f| f.file == input.path)
                    || conv.report.files.iter().any(|f| f.path == input.path)
            );
            continue;
        }
        let Ok(in_text) = std::str::from_utf8(&input.bytes) else {
            continue;
        };
        let out_text = std::str::from_utf8(bytes).unwrap();
        for (s, e) in split_documents(in_text) {
            let chunk = &in_text[s..e];
            if out_text.contains(chunk.trim()) {
                continue;
            }
            let in_docs = docs(chunk);
            let Some(d) = in_docs.first() else { continue };
            let name = &d["metadata"]["name"];
            let found = docs(out_text)
                .iter()
                .any(|o| &o["metadata"]["name"] == name && o["kind"] == d["kind"]);
            let line = in_text[..s].matches('\n').count() + 1;
            let reported = conv
                .report
                .findings
                .iter()
                .any(|f| f.file == input.path && f.line >= line);
            assert!(
                found || reported,
                "{}:{line}: document {} neither kept, converted nor reported",
                input.path,
                name
            );
        }
    }

    // Release names follow the v1 rule.
    for input in inputs {
        let Ok(in_text) = std::str::from_utf8(&input.bytes) else {
            continue;
        };
        let Some((_, bytes)) = out.get(&input.path) else {
            continue;
        };
        let outs = docs(std::str::from_utf8(bytes).unwrap());
        for d in docs(in_text) {
            if d["kind"] != "HelmRelease" || d["apiVersion"] == "helm.toolkit.fluxcd.io/v2" {
                continue;
            }
            if let Some(v2) = outs.iter().find(|o| {
                o["apiVersion"] == "helm.toolkit.fluxcd.io/v2"
                    && o["metadata"]["name"] == d["metadata"]["name"]
            }) {
                assert_eq!(
                    v2["spec"]["releaseName"].as_str().unwrap(),
                    v1_release_name(&d, &opts.default_namespace),
                    "{}",
                    input.path
                );
                if let (Some(t), Some(ns)) = (
                    v2["spec"]["targetNamespace"].as_str(),
                    v2["metadata"]["namespace"].as_str(),
                ) {
                    if t != ns {
                        assert_eq!(
                            v2["spec"]["storageNamespace"].as_str(),
                            Some(t),
                            "{}: storageNamespace",
                            input.path
                        );
                    }
                }
            }
        }
    }

    // Idempotent: converting the output again changes nothing.
    let changed = common::changed_on_reconversion(conv, &opts);
    assert!(changed.is_empty(), "second conversion changed {changed:?}");
}

#[test]
fn corpus_as_one_repo() {
    let schemas = Schemas::load();
    let inputs = corpus_v1();
    let conv = convert(&inputs, &Options::default());
    check_invariants(&inputs, &conv, &schemas);
    // Deterministic and independent of input order.
    let mut reversed = inputs.clone();
    reversed.reverse();
    let conv2 = convert(&reversed, &Options::default());
    assert_eq!(as_map(&conv), as_map(&conv2));
    assert_eq!(conv.report.to_json(), conv2.report.to_json());
    let converted = conv.report.releases.len();
    assert!(converted >= 50, "only {converted} releases converted");
    eprintln!("corpus: {}", conv.report.summary_line());
}

#[test]
fn corpus_file_by_file() {
    let schemas = Schemas::load();
    for input in corpus_v1() {
        let one = [input];
        let conv = convert(&one, &Options::default());
        check_invariants(&one, &conv, &schemas);
    }
}

#[test]
fn corpus_pairs_before_sides() {
    let schemas = Schemas::load();
    for inputs in pairs_before() {
        let conv = convert(&inputs, &Options::default());
        check_invariants(&inputs, &conv, &schemas);
    }
}

#[test]
fn corpus_idiomatic_and_inline_modes_are_schema_valid() {
    let schemas = Schemas::load();
    let inputs = corpus_v1();
    let opts = Options {
        mode: fluxport_core::Mode::Idiomatic,
        sources_placement: fluxport_core::SourcesPlacement::Inline,
        ..Options::default()
    };
    let conv = convert(&inputs, &opts);
    let errs = schemas.check_conversion(&conv);
    assert!(errs.is_empty(), "{}", errs.join("\n"));
    assert!(
        !conv
            .files
            .iter()
            .any(|f| f.status == FileStatus::New && f.path.contains("fluxport-sources")),
        "inline placement must not create sources files"
    );
}

/// Findings sit on real lines: no location reads `:0:0`; the daemon's GitRepository
/// findings point at its git URL; every deleted file says why with a finding (the
/// corpus as one repository, and the Helm 2 chart golden with `requirements.yaml`).
#[test]
fn findings_are_on_real_lines_and_every_deleted_file_says_why() {
    let golden = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/golden/chart-helm2-to-helm3/in");
    for inputs in [corpus_v1(), read_dir_inputs(&golden)] {
        let conv = convert(&inputs, &Options::default());
        for f in &conv.report.findings {
            assert!(!f.location().contains(":0:0"), "{}", f.location());
            if f.code == fluxport_core::Code::SSH_SECRET_REQUIRED
                && f.message.starts_with("Secret flux-system/")
            {
                let input = inputs.iter().find(|i| i.path == f.file).unwrap();
                let text = String::from_utf8_lossy(&input.bytes);
                let line = text.lines().nth(f.line - 1).unwrap_or("");
                assert!(
                    line.contains("git-url") || line.contains("url:"),
                    "{}: {line}",
                    f.location()
                );
            }
        }
        let deleted: Vec<_> = conv
            .files
            .iter()
            .filter(|f| f.status == FileStatus::Deleted)
            .collect();
        assert!(!deleted.is_empty());
        for d in deleted {
            assert!(
                conv.report.findings.iter().any(|f| f.file == d.path),
                "{} is deleted without a finding saying why",
                d.path
            );
        }
    }
    let conv = convert(&read_dir_inputs(&golden), &Options::default());
    for p in [
        "charts/ghost/requirements.yaml",
        "charts/ghost/requirements.lock",
    ] {
        assert!(
            conv.report.findings.iter().any(|f| f.file == p
                && f.code == fluxport_core::Code::HELM2_CHART_FILE_MOVED
                && f.line > 0),
            "{p}"
        );
    }
}
