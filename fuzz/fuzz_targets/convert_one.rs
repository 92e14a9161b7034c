//! The whole core pipeline on arbitrary bytes as one YAML file. Besides "no panic, no
//! hang", checks the cheap invariants that hold for any input.
#![no_main]

use fluxport_core::repo::load::split_documents;
use fluxport_core::yaml::parse_document;
use fluxport_core::{convert, FileStatus, InputFile, Limits, Options};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let opts = Options {
        limits: Limits {
            // Small limits keep each run fast; the limit paths get exercised too.
            max_file_bytes: 1 << 20,
            max_documents_per_file: 2_000,
            max_depth: 64,
            max_aliases: 1_000,
            ..Limits::default()
        },
        ..Options::default()
    };
    let input = [InputFile::new("in.yaml", data)];
    let conv = convert(&input, &opts);
    // The input file is always in the output, and unchanged means byte-identical.
    let f = conv
        .file("in.yaml")
        .expect("input file missing from output");
    if f.status.passed_through() {
        assert_eq!(f.bytes, data, "passed-through file differs from the input");
    }
    // What fluxport writes is valid YAML, and converting it again changes nothing.
    if f.status == FileStatus::Converted {
        for (s, e) in split_documents(f.text()) {
            let chunk = &f.text()[s..e];
            let chunk = chunk.strip_prefix('\u{feff}').unwrap_or(chunk);
            // Documents passed through as written may be broken already.
            let input = std::str::from_utf8(data).unwrap_or("");
            if input.contains(chunk.strip_prefix("---").unwrap_or(chunk)) {
                continue;
            }
            assert!(
                parse_document(chunk, 1_000, 100_000).is_ok(),
                "fluxport wrote invalid YAML:\n{chunk}"
            );
        }
        let outputs = conv.output_inputs();
        let second = convert(&outputs, &opts);
        // A document that was broken in the input is still broken (and its file
        // `failed`), but nothing changes: every file is passed through.
        for g in &second.files {
            assert!(
                g.status.passed_through(),
                "second run changed {} ({:?})",
                g.path,
                g.status
            );
        }
    }
    // Deterministic.
    let again = convert(&input, &opts);
    assert_eq!(conv.files.len(), again.files.len());
    for (a, b) in conv.files.iter().zip(&again.files) {
        assert_eq!(a.path, b.path);
        assert_eq!(a.bytes, b.bytes, "non-deterministic output for {}", a.path);
    }
});
