//! The whole core pipeline on a few named files: nested paths, `Chart.yaml`, non-YAML
//! files and odd paths, split from the fuzzer's bytes with `arbitrary`.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use fluxport_core::{convert, FileStatus, InputFile, Limits, Options};
use libfuzzer_sys::fuzz_target;

const DIRS: &[&str] = &[
    "",
    "apps/",
    "apps/podinfo/",
    "charts/mychart/",
    "charts/mychart/templates/",
    "clusters/prod/",
    "releases/",
    "a/b/c/d/",
    "./",
    "../",
    "/abs/",
];
const NAMES: &[&str] = &[
    "release.yaml",
    "hr.yml",
    "Chart.yaml",
    "values.yaml",
    "requirements.yaml",
    "kustomization.yaml",
    "flux.yaml",
    "deployment.yaml",
    "fluxport-sources.yaml",
    "README.md",
    "x.YAML",
    "",
];

#[derive(Debug)]
struct Input {
    files: Vec<InputFile>,
    sync_paths: Vec<String>,
    strict: bool,
}

impl<'a> Arbitrary<'a> for Input {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let n = u.int_in_range(1..=5)?;
        let mut files = Vec::new();
        for _ in 0..n {
            let dir = *u.choose(DIRS)?;
            let name = if u.ratio(1, 8)? {
                String::arbitrary(u)?
            } else {
                u.choose(NAMES)?.to_string()
            };
            let len = u.int_in_range(0..=4096usize)?;
            let len = len.min(u.len());
            let bytes = u.bytes(len)?.to_vec();
            files.push(InputFile::new(format!("{dir}{name}"), bytes));
        }
        let sync_paths = if u.ratio(1, 4)? {
            vec![u.choose(DIRS)?.trim_end_matches('/').to_string()]
        } else {
            Vec::new()
        };
        Ok(Input {
            files,
            sync_paths,
            strict: u.arbitrary()?,
        })
    }
}

fuzz_target!(|input: Input| {
    let mut opts = Options {
        limits: Limits {
            max_file_bytes: 1 << 20,
            max_documents_per_file: 2_000,
            max_depth: 64,
            max_aliases: 1_000,
            ..Limits::default()
        },
        sync_paths: input.sync_paths.clone(),
        ..Options::default()
    };
    if !input.strict {
        opts.mode = fluxport_core::Mode::Idiomatic;
    }
    let conv = convert(&input.files, &opts);
    for f in &input.files {
        // Duplicate paths: the last one may win; only check unique ones.
        if input.files.iter().filter(|g| g.path == f.path).count() != 1 {
            continue;
        }
        if let Some(o) = conv.file(&f.path) {
            if o.status.passed_through() {
                assert_eq!(o.bytes, f.bytes, "passed-through file {} differs", f.path);
            }
        }
    }
});
