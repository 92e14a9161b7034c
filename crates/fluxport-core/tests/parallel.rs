//! Issue 17: per-file work on every core gives the same conversion as one thread, byte
//! for byte (output files, statuses, the JSON report with its pre-flight), over every
//! tree of the shared corpus. Built with the core's `parallel` feature (its
//! dev-dependency on itself turns it on), or the comparison would be one thread
//! against itself: `parallel_path_is_compiled_in` fails then.
//!
//! Also: [`convert_deferred`] then its pending pre-flight gives what [`convert`] gives
//! (the web app's worker shows the output before the pre-flight is done).

mod common;

use common::{read_dir_inputs, shared};
use fluxport_core::model::exec;
use fluxport_core::{convert, convert_deferred, InputFile, Options, Target};
use std::path::PathBuf;

fn corpus_trees() -> Vec<(PathBuf, Vec<InputFile>)> {
    let corpus = shared().join("corpus");
    let mut dirs = vec![corpus.join("v1")];
    for group in ["pairs", "repos"] {
        let mut sub: Vec<PathBuf> = std::fs::read_dir(corpus.join(group))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir())
            .collect();
        sub.sort();
        dirs.extend(sub);
    }
    dirs.into_iter()
        .map(|d| {
            let inputs = read_dir_inputs(&d);
            (d, inputs)
        })
        .collect()
}

#[test]
fn parallel_path_is_compiled_in() {
    assert!(
        exec::available(),
        "fluxport-core's tests must build with the `parallel` feature"
    );
}

#[test]
fn parallel_and_one_thread_convert_the_same() {
    let trees = corpus_trees();
    assert!(
        trees.len() >= 4,
        "the shared corpus is there: {}",
        trees.len()
    );
    let mut files = 0;
    for (dir, inputs) in &trees {
        let one = Options {
            parallel: false,
            ..Options::default()
        };
        let all = Options {
            parallel: true,
            ..Options::default()
        };
        let a = convert(inputs, &one);
        let b = convert(inputs, &all);
        let shape = |c: &fluxport_core::Conversion| -> Vec<(String, String, Vec<u8>)> {
            c.files
                .iter()
                .map(|f| (f.path.clone(), format!("{:?}", f.status), f.bytes.clone()))
                .collect()
        };
        assert!(
            shape(&a) == shape(&b),
            "{}: output files differ",
            dir.display()
        );
        assert_eq!(
            a.report_json(),
            b.report_json(),
            "{}: reports differ",
            dir.display()
        );
        files += inputs.len();
    }
    eprintln!(
        "parallel == one thread over {} trees, {files} input files",
        trees.len()
    );
}

#[test]
fn deferred_preflight_gives_the_same_conversion() {
    let mut checked = 0;
    for (dir, inputs) in corpus_trees() {
        for target in [Target::FluxV2, Target::Helm3OnFluxV1] {
            let opts = Options {
                target,
                ..Options::default()
            };
            let whole = convert(&inputs, &opts);
            let (mut first, pending) = convert_deferred(&inputs, &opts);
            // Before the pre-flight runs: the same files, no pre-flight yet.
            assert!(
                first
                    .files
                    .iter()
                    .map(|f| (&f.path, &f.bytes))
                    .eq(whole.files.iter().map(|f| (&f.path, &f.bytes))),
                "{}: output files differ",
                dir.display()
            );
            assert!(first.preflight.findings.is_empty());
            assert_eq!(first.preflight.running, target == Target::FluxV2);
            assert_eq!(first.preflight.skipped, target != Target::FluxV2);
            pending.run(&mut first, &opts);
            assert_eq!(
                first.report_json(),
                whole.report_json(),
                "{} ({target:?}): reports differ",
                dir.display()
            );
            checked += 1;
        }
    }
    assert!(checked >= 8, "{checked} trees");
}

#[test]
fn reused_trees_give_the_preflight_a_fresh_parse_gives() {
    let (mut trees, mut reused) = (0, 0);
    for (dir, inputs) in corpus_trees() {
        let opts = Options::default();
        let (mut a, pa) = convert_deferred(&inputs, &opts);
        let (mut b, pb) = convert_deferred(&inputs, &opts);
        reused += pa.reused_files();
        pa.run(&mut a, &opts);
        pb.forget_parsed().run(&mut b, &opts);
        assert_eq!(
            a.report_json(),
            b.report_json(),
            "{}: the pre-flight differs when it reuses the conversion's trees",
            dir.display()
        );
        trees += 1;
    }
    eprintln!("{trees} trees, {reused} files' trees reused");
    assert!(
        reused > 100,
        "the corpus has passed-through YAML files: {reused}"
    );
}
