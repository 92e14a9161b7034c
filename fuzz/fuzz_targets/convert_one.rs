//! The whole core pipeline on arbitrary bytes as one YAML file. Besides "no panic, no
//! hang", checks the cheap invariants that hold for any input.
#![no_main]

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
    if f.status == FileStatus::Unchanged {
        assert_eq!(f.bytes, data, "Unchanged file differs from the input");
    }
    // Deterministic.
    let again = convert(&input, &opts);
    assert_eq!(conv.files.len(), again.files.len());
    for (a, b) in conv.files.iter().zip(&again.files) {
        assert_eq!(a.path, b.path);
        assert_eq!(a.bytes, b.bytes, "non-deterministic output for {}", a.path);
    }
});
