//! Hostile and broken input: every case must finish, never panic, keep the file
//! byte-identical when it is not converted, and name the problem with the exact finding
//! (code, line, column).
//!
//! No test here is timed against a speed target (those are `bench/run` rows). Two
//! guards instead: [`guarded`] fails a case that does not finish within
//! [`HANG_LIMIT`] (a hang, e.g. an alias bomb expanded), and [`assert_linear`] fails
//! a case whose thread CPU time grows faster than linearly with its size (the quadratic
//! scans these cases once had), as a ratio measured in the same process.

mod common;

use common::{docs, Schemas};
use fluxport_core::yaml::{parse_document, to_json, ParseErrorKind};
use fluxport_core::{convert, Code, Conversion, FileStatus, InputFile, Limits, Options};
use std::sync::mpsc;
use std::time::{Duration, Instant};

fn run_bytes(bytes: &[u8], opts: &Options) -> Conversion {
    convert(&[InputFile::new("in.yaml", bytes)], opts)
}

fn run(text: &str) -> Conversion {
    run_bytes(text.as_bytes(), &Options::default())
}

/// (code, line, column) of every finding for `in.yaml`.
fn findings(c: &Conversion) -> Vec<(&'static str, usize, usize)> {
    c.report
        .findings
        .iter()
        .filter(|f| f.file == "in.yaml")
        .map(|f| (f.code.as_str(), f.line, f.column))
        .collect()
}

fn has(c: &Conversion, code: Code, line: usize, col: usize) -> bool {
    c.report
        .findings
        .iter()
        .any(|f| f.code == code && f.line == line && f.column == col)
}

/// Asserts the input file is passed through byte-identical as `unchanged` (nothing to
/// convert, no error).
fn unchanged(c: &Conversion, input: &[u8]) {
    passed_through(c, input, FileStatus::Unchanged);
}

/// Asserts the input file is passed through byte-identical as `failed` (an error
/// finding stopped its conversion).
fn failed(c: &Conversion, input: &[u8]) {
    passed_through(c, input, FileStatus::Failed);
}

fn passed_through(c: &Conversion, input: &[u8], status: FileStatus) {
    let f = c.file("in.yaml").expect("input file in output");
    assert_eq!(f.status, status, "{:?}", findings(c));
    assert_eq!(f.bytes, input);
}

/// A case that has not finished after this long hangs (no case needs a tenth of it,
/// even in a debug build on a loaded machine).
const HANG_LIMIT: Duration = Duration::from_secs(120);

/// Runs `f` on its own thread with `stack` bytes of stack, and fails if it has not
/// finished within [`HANG_LIMIT`].
fn on_thread<T: Send + 'static>(stack: usize, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    let handle = std::thread::Builder::new()
        .stack_size(stack)
        .spawn(move || {
            let _ = tx.send(f());
        })
        .unwrap();
    match rx.recv_timeout(HANG_LIMIT) {
        Ok(v) => {
            handle.join().unwrap();
            v
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            // The thread ended without a result: it panicked (or overflowed its stack).
            std::panic::resume_unwind(handle.join().expect_err("no result, no panic"))
        }
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("did not finish within {HANG_LIMIT:?}: hangs")
        }
    }
}

/// Runs `f` on a thread with a small stack (wasm's default stack is 1 MiB; debug frames
/// are larger than release ones, so passing here leaves a margin), with the hang guard.
fn small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    on_thread(1 << 20, f)
}

/// Runs `f` with the hang guard (and the default 8 MiB stack of a test thread).
fn guarded<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    on_thread(8 << 20, f)
}

/// CPU time of the calling thread (not wall time: other processes on a shared machine
/// do not count).
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid out-pointer; CLOCK_THREAD_CPUTIME_ID exists on Linux.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0);
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// One thread: the thread CPU clock then sees all the work.
fn one_thread() -> Options {
    Options {
        parallel: false,
        ..Options::default()
    }
}

/// Asserts that `cost(size)` (a thread-CPU time) grows at most about linearly: the best
/// of three at `4 * n` must be under 8× the best at `n` (linear work gives 4×,
/// quadratic 16×).
fn assert_grows_linearly(n: usize, cost: impl Fn(usize) -> Duration) {
    let best = |size: usize| (0..3).map(|_| cost(size)).min().unwrap();
    let (small, large) = (best(n), best(4 * n));
    // Below a millisecond the clock's granularity decides the ratio.
    let ratio = large.as_secs_f64() / small.max(Duration::from_millis(1)).as_secs_f64();
    eprintln!("n = {n}: {small:?}; 4n: {large:?}; ratio {ratio:.2} (linear 4, quadratic 16)");
    assert!(
        ratio < 8.0,
        "CPU time grew {ratio:.1}× for 4× the input ({small:?} → {large:?}): worse than linear"
    );
}

/// [`assert_grows_linearly`] for converting `make(size)` in one thread, with the hang
/// guard. `check` asserts the result at both sizes, so the work measured is the work
/// that must happen.
fn assert_linear(
    n: usize,
    make: impl Fn(usize) -> String + Send + Sync + 'static,
    check: impl Fn(&Conversion, &str) + Send + Sync + 'static,
) {
    guarded(move || {
        assert_grows_linearly(n, |size| {
            let text = make(size);
            let t = thread_cpu();
            let c = run_bytes(text.as_bytes(), &one_thread());
            let spent = thread_cpu() - t;
            check(&c, &text);
            spent
        })
    })
}

/// The guard itself: linear work passes, quadratic work fails.
#[test]
fn the_linearity_guard_tells_linear_from_quadratic() {
    fn spin(steps: u64) -> Duration {
        let t = thread_cpu();
        let mut x = 0u64;
        for i in 0..steps {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(i));
        }
        std::hint::black_box(x);
        thread_cpu() - t
    }
    assert_grows_linearly(20_000_000, |n| spin(n as u64));
    let quadratic =
        std::panic::catch_unwind(|| assert_grows_linearly(3_000, |n| spin((n * n) as u64)));
    assert!(quadratic.is_err(), "a quadratic cost passed the guard");
}

const HR: &str = "apiVersion: helm.fluxcd.io/v1
kind: HelmRelease
metadata:
  name: podinfo
  namespace: apps
spec:
  chart:
    repository: https://stefanprodan.github.io/podinfo
    name: podinfo
    version: 5.0.3
  values:
    replicaCount: 2 # two for HA
";

fn converted_hr(c: &Conversion) -> String {
    let f = c.file("in.yaml").unwrap();
    assert_eq!(f.status, FileStatus::Converted, "{:?}", findings(c));
    f.text().to_string()
}

// ---------------------------------------------------------------- alias bombs

fn billion_laughs(levels: usize) -> String {
    let mut s = String::from(
        "a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for i in 1..levels {
        let refs = vec![format!("*a{}", i - 1); 9].join(",");
        s.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    s
}

#[test]
fn billion_laughs_is_never_expanded() {
    let text = billion_laughs(10); // 9^10 ≈ 3.5e9 strings if expanded
    guarded(move || {
        let p = parse_document(&text, 256, 10_000).unwrap();
        let root = p.root.unwrap();
        let json = to_json(&root);
        // Aliases become null in JSON: the output stays as small as the input.
        assert_eq!(json["a9"].as_array().unwrap().len(), 9);
        assert!(json["a9"][0].is_null());
        assert!(serde_json::to_string(&json).unwrap().len() < 2 * text.len());
        let c = run(&text);
        unchanged(&c, text.as_bytes());
    });
}

#[test]
fn alias_limit_gives_finding_at_the_first_alias_over() {
    // 3 aliases per line, limit 4: the 5th alias (line 3, column 5) is over.
    let text = "a: &x 1\nb: [*x, *x, *x]\nc: [*x, *x, *x]\n";
    let opts = Options {
        limits: Limits {
            max_aliases: 4,
            ..Limits::default()
        },
        ..Options::default()
    };
    let c = run_bytes(text.as_bytes(), &opts);
    assert_eq!(findings(&c), vec![("LIMIT_EXCEEDED", 3, 9)]);
    failed(&c, text.as_bytes());
    let e = parse_document(text, 256, 4).unwrap_err();
    assert_eq!(
        (e.kind, e.line, e.col),
        (ParseErrorKind::TooManyAliases, 3, 9)
    );
}

#[test]
fn default_alias_limit_stops_a_flat_bomb() {
    let text = format!("a: &x 1\nb: [{}]\n", vec!["*x"; 20_000].join(","));
    guarded(move || {
        let c = run(&text);
        // Alias number 10,001 sits at column 5 + 3 * 10,000 on line 2.
        assert_eq!(findings(&c), vec![("LIMIT_EXCEEDED", 2, 30_005)]);
        failed(&c, text.as_bytes());
    });
}

// ---------------------------------------------------------------- deep nesting

#[test]
fn flow_nesting_100k_deep() {
    let text = "[".repeat(100_000) + &"]".repeat(100_000);
    let bytes = text.clone().into_bytes();
    let c = small_stack(move || run(&text));
    // saphyr-parser's own flow-depth guard fires first, at the 256th `[`.
    assert_eq!(findings(&c), vec![("YAML_PARSE_ERROR", 1, 256)]);
    failed(&c, &bytes);
    // The message quotes a window of the line, not the whole 200 KB line.
    let m = &c.report.findings[0].message;
    assert!(m.len() < 500, "message is {} bytes", m.len());
    assert!(m.contains("recursion limit exceeded"));
}

#[test]
fn parse_error_on_a_huge_line_keeps_the_message_small() {
    // A parse error at column 2,000,001 of a 4 MB line.
    let mut text = long_line(2_000_000);
    text.insert_str(text.len() - 1, ": : x ]");
    let c = run(&text);
    let f = findings(&c);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].0, "YAML_PARSE_ERROR");
    let m = &c.report.findings[0].message;
    assert!(m.len() < 500, "message is {} bytes", m.len());
    // The caret still points at the reported column inside the window.
    let lines: Vec<&str> = m.lines().collect();
    let caret = lines[2].find('^').unwrap();
    let window_start = f[0].2 - 1 - (caret - 4 - 3);
    assert_eq!(&text[window_start..f[0].2 - 1].len(), &(caret - 7));
}

#[test]
fn block_nesting_100k_deep() {
    let text = "- ".repeat(100_000) + "x\n";
    let bytes = text.clone().into_bytes();
    let c = small_stack(move || run(&text));
    // The 257th sequence start (column 2*256+1) is over the default depth of 256.
    assert_eq!(findings(&c), vec![("LIMIT_EXCEEDED", 1, 513)]);
    failed(&c, &bytes);
}

#[test]
fn depth_limit_is_capped_even_when_raised() {
    // A caller may raise max_depth; the tree still never gets deep enough for the
    // recursive helpers (to_json, Drop, serde_json) to overflow a wasm-sized stack.
    let text = "- ".repeat(100_000) + "x\n";
    let e = small_stack(move || parse_document(&text, usize::MAX, 10).unwrap_err());
    assert_eq!(e.kind, ParseErrorKind::TooDeep);
    assert_eq!(
        (e.line, e.col),
        (1, 2 * fluxport_core::yaml::HARD_MAX_DEPTH + 1)
    );
}

#[test]
fn deepest_allowed_tree_is_safe_on_a_small_stack() {
    let depth = fluxport_core::yaml::HARD_MAX_DEPTH;
    let text = "- ".repeat(depth) + "x\n";
    let n = small_stack(move || {
        let p = parse_document(&text, usize::MAX, 10).unwrap();
        let root = p.root.unwrap();
        let j = to_json(&root);
        let s = serde_json::to_string(&j).unwrap();
        drop(root);
        drop(j);
        s.len()
    });
    assert_eq!(n, 2 * depth + 3);
    // And through the pipeline with max_depth raised: a HelmRelease whose values
    // reach the cap (root, spec, values + 509 sequences) converts.
    let text = format!("{HR}    deep:\n      {}x\n", "- ".repeat(depth - 3));
    let opts = Options {
        limits: Limits {
            max_depth: usize::MAX,
            ..Limits::default()
        },
        ..Options::default()
    };
    let c = small_stack(move || run_bytes(text.as_bytes(), &opts));
    let out = converted_hr(&c);
    assert!(
        out.contains("- - - - x"),
        "{}",
        &out[out.len().saturating_sub(300)..]
    );
}

// ---------------------------------------------------------------- size

fn long_line(n: usize) -> String {
    let mut s = String::with_capacity(n + 16);
    s.push_str("a: ");
    s.extend(std::iter::repeat_n('x', n));
    s.push('\n');
    s
}

#[test]
fn long_single_line_stays_linear() {
    // 512 KiB and 2 MiB on one line.
    assert_linear(512 << 10, long_line, |c, text| {
        unchanged(c, text.as_bytes());
        assert!(findings(c).is_empty());
    });
}

/// 26 s in a debug build (saphyr unoptimised), so release only:
/// `cargo test -p fluxport-core --release --test hostile -- --ignored`
#[test]
#[ignore]
fn long_single_line_50mb() {
    let text = long_line(50 << 20);
    let t = Instant::now();
    let c = run(&text);
    unchanged(&c, text.as_bytes());
    assert!(findings(&c).is_empty());
    eprintln!(
        "50 MB line: {:?} (a number to read, not a limit)",
        t.elapsed()
    );
}

fn tiny_docs(n: usize) -> String {
    "---\na: 1\n".repeat(n)
}

#[test]
fn many_tiny_documents_stay_linear() {
    // 25,000 and 100,000 documents in one file.
    assert_linear(25_000, tiny_docs, |c, text| unchanged(c, text.as_bytes()));
}

/// `n` v1 HelmReleases in one file, each with its own chart repository (the web e2e's
/// 5 MB paste): thousands of releases and thousands of sources.
fn many_releases(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "---\napiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata:\n  name: app-{i}\n  namespace: apps\nspec:\n  releaseName: app-{i}\n  chart:\n    repository: https://charts-{i}.example.com/\n    name: app-{i}\n    version: 1.0.{i}\n  values:\n    # kept\n    replicas: 1\n"
            )
        })
        .collect()
}

#[test]
fn many_helmreleases_with_their_own_sources_stay_linear() {
    // 400 and 1,600 releases. Each source's releases were found by scanning every
    // release, and each release's kustomize units by scanning every applied object:
    // both quadratic (a 20 MB paste of such releases took 28 s natively, 5.8 s now).
    assert_linear(400, many_releases, |c, text| {
        let n = text.matches("kind: HelmRelease").count();
        let out: String = c.files.iter().map(|f| f.text().to_string()).collect();
        let top = |kind: &str| {
            out.lines()
                .filter(|l| *l == format!("kind: {kind}"))
                .count()
        };
        assert_eq!(top("HelmRelease"), n, "every release converted");
        assert_eq!(top("HelmRepository"), n, "one source each");
    });
}

#[test]
fn size_limits_give_whole_file_findings() {
    let text = tiny_docs(11);
    let opts = Options {
        limits: Limits {
            max_documents_per_file: 10,
            ..Limits::default()
        },
        ..Options::default()
    };
    let c = run_bytes(text.as_bytes(), &opts);
    assert_eq!(findings(&c), vec![("LIMIT_EXCEEDED", 0, 0)]);
    failed(&c, text.as_bytes());

    let opts = Options {
        limits: Limits {
            max_file_bytes: 100,
            ..Limits::default()
        },
        ..Options::default()
    };
    let big = long_line(100);
    let c = run_bytes(big.as_bytes(), &opts);
    assert_eq!(findings(&c), vec![("LIMIT_EXCEEDED", 0, 0)]);
    failed(&c, big.as_bytes());

    // Total size: files are read in path order; the one that crosses the limit and
    // every later one are passed through.
    let opts = Options {
        limits: Limits {
            max_total_bytes: HR.len() + 10,
            ..Limits::default()
        },
        ..Options::default()
    };
    let inputs = [InputFile::new("b.yaml", HR), InputFile::new("a.yaml", HR)];
    let c = convert(&inputs, &opts);
    assert_eq!(c.file("a.yaml").unwrap().status, FileStatus::Converted);
    assert_eq!(c.file("b.yaml").unwrap().status, FileStatus::Failed);
    assert!(c
        .report
        .findings
        .iter()
        .any(|f| f.code == Code::LIMIT_EXCEEDED && f.file == "b.yaml"));
}

// ---------------------------------------------------------------- encodings

#[test]
fn invalid_utf8_is_named_at_its_position() {
    let mut bytes = b"a: 1\nb: caf".to_vec();
    bytes.push(0xE9); // Latin-1 é
    bytes.extend_from_slice(b"\n");
    let c = run_bytes(&bytes, &Options::default());
    assert_eq!(findings(&c), vec![("NOT_UTF8", 2, 7)]);
    failed(&c, &bytes);
}

#[test]
fn utf8_bom_is_kept_and_the_release_converted() {
    let text = format!("\u{feff}{HR}");
    let c = run(&text);
    let out = converted_hr(&c);
    // The BOM belongs to the file: it stays in front of the converted document.
    assert!(
        out.starts_with("\u{feff}apiVersion: helm.toolkit.fluxcd.io/v2"),
        "{out}"
    );
    let objs = docs(out.trim_start_matches('\u{feff}'));
    assert_eq!(objs[0]["spec"]["releaseName"], "apps-podinfo");
    assert!(Schemas::load().check_conversion(&c).is_empty());
}

#[test]
fn nul_bytes() {
    let bytes = b"a: 1\nb: x\0y\n".to_vec();
    let c = run_bytes(&bytes, &Options::default());
    failed(&c, &bytes);
    let f = findings(&c);
    assert_eq!(f, vec![("YAML_PARSE_ERROR", 2, 5)]);
    // In a quoted string a NUL is just as invalid YAML (it is not printable).
    let bytes = b"a: \"x\0\"\n".to_vec();
    let c = run_bytes(&bytes, &Options::default());
    failed(&c, &bytes);
}

/// docs/limits.md: non-printable characters give YAML_PARSE_ERROR at their line:column
/// and the file is unchanged. Before: raw 0x01 / 0x1b / DEL in a plain scalar (and in a
/// HelmRelease name) were accepted and converted (issue 15).
#[test]
fn non_printable_characters_in_plain_scalars() {
    for (bytes, at) in [
        (b"a: 1\nb: x\x01y\n".to_vec(), (2, 5)),
        (b"a: x\x1b[31my\n".to_vec(), (1, 5)),
        (b"# c\x7f\na: 1\n".to_vec(), (1, 4)),
        (
            HR.replace("name: podinfo", "name: pod\x1binfo")
                .into_bytes(),
            (0, 0),
        ),
    ] {
        let c = run_bytes(&bytes, &Options::default());
        failed(&c, &bytes);
        let f = findings(&c);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].0, "YAML_PARSE_ERROR");
        if at != (0, 0) {
            assert_eq!((f[0].1, f[0].2), at);
        }
    }
    // Tab, CR LF, NEL, the BOM and non-ASCII text stay fine.
    let ok = "\u{feff}a: \"x\ty\"\r\nb: caf\u{e9} \u{85}\r\n"
        .as_bytes()
        .to_vec();
    let c = run_bytes(&ok, &Options::default());
    assert!(findings(&c).is_empty(), "{:?}", findings(&c));
}

#[test]
fn crlf_release_converts_with_crlf() {
    let text = HR.replace('\n', "\r\n");
    let c = run(&text);
    let out = converted_hr(&c);
    assert!(
        !out.replace("\r\n", "").contains('\n'),
        "LF in CRLF output:\n{out:?}"
    );
    assert_eq!(docs(&out)[0]["spec"]["releaseName"], "apps-podinfo");
    assert!(Schemas::load().check_conversion(&c).is_empty());
}

#[test]
fn mixed_line_endings() {
    // Every other line CRLF.
    let text: String = HR
        .lines()
        .enumerate()
        .map(|(i, l)| format!("{l}{}", if i % 2 == 0 { "\r\n" } else { "\n" }))
        .collect();
    let c = run(&text);
    let out = converted_hr(&c);
    let objs = docs(&out);
    assert_eq!(objs[0]["spec"]["values"]["replicaCount"], 2);
    assert!(Schemas::load().check_conversion(&c).is_empty());
    // A second conversion changes nothing.
    let again = run(&out);
    assert!(!again.changes_anything(), "{:?}", findings(&again));
}

#[test]
fn tab_indentation_is_a_parse_error() {
    let text = "a:\n\tb: 1\n";
    let c = run(text);
    // The finding points at the tab itself (saphyr reports the column after it).
    assert_eq!(findings(&c), vec![("YAML_PARSE_ERROR", 2, 1)]);
    failed(&c, text.as_bytes());
    // A tab after spaces, in a later document of the stream.
    let text = "a: 1\n---\nb:\n  c:\n  \t\td: 1\n";
    let c = run(text);
    assert_eq!(findings(&c), vec![("YAML_PARSE_ERROR", 5, 3)]);
    failed(&c, text.as_bytes());
    // Tabs inside values are fine.
    let text = HR.replace("# two for HA", "#\ttwo\tfor HA");
    let c = run(&text);
    assert!(converted_hr(&c).contains("#\ttwo\tfor HA"));
}

// ---------------------------------------------------------------- keys, anchors

#[test]
fn duplicate_keys_block_conversion() {
    let text = HR.replace("  namespace: apps\n", "  namespace: apps\n  name: other\n");
    let c = run(&text);
    assert_eq!(findings(&c), vec![("DUPLICATE_KEY", 6, 3)]);
    failed(&c, text.as_bytes());
}

/// A file an error stopped is `failed` in the statuses, the counts, the JSON and the
/// summary line; its clean twin is `converted`; neither is counted `unchanged`.
#[test]
fn a_file_an_error_stopped_is_failed_and_its_clean_twin_converted() {
    let bad = HR.replace("  namespace: apps\n", "  namespace: apps\n  name: other\n");
    let good = HR.replace("podinfo\n  namespace", "twin\n  namespace");
    let inputs = [
        InputFile::new("bad.yaml", bad.as_bytes()),
        InputFile::new("good.yaml", good.as_bytes()),
    ];
    let c = convert(&inputs, &Options::default());
    let bad_out = c.file("bad.yaml").unwrap();
    assert_eq!(bad_out.status, FileStatus::Failed);
    assert_eq!(
        bad_out.bytes,
        bad.as_bytes(),
        "passed through byte for byte"
    );
    assert_eq!(c.file("good.yaml").unwrap().status, FileStatus::Converted);
    let counts = &c.report.counts;
    assert_eq!(
        (counts.failed, counts.converted, counts.unchanged),
        (1, 1, 0)
    );
    assert_eq!(
        counts.files,
        counts.failed + counts.converted + counts.unchanged + counts.new + counts.deleted
    );
    let json: serde_json::Value = serde_json::from_str(&c.report_json()).unwrap();
    assert_eq!(json["schema_version"], 2);
    assert_eq!(json["counts"]["failed"], 1);
    let status_of = |p: &str| {
        json["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == p)
            .map(|f| f["status"].clone())
    };
    assert_eq!(status_of("bad.yaml"), Some("failed".into()));
    assert_eq!(status_of("good.yaml"), Some("converted".into()));
    assert!(
        c.report.summary_line().contains(", 0 unchanged, 1 failed;"),
        "{}",
        c.report.summary_line()
    );
    // Nothing converted in bad.yaml: `--check` still sees good.yaml's change only.
    assert!(c.changes_anything());
    let only_bad = convert(&inputs[..1], &Options::default());
    assert!(!only_bad.changes_anything(), "a failed file is no change");
}

#[test]
fn non_string_keys_are_kept() {
    let text = format!(
        "{HR}    1: one\n    ? [a, b]\n    : seq-key\n    {{x: 1}}: map-key\n    null: n\n"
    );
    let c = run(&text);
    let out = converted_hr(&c);
    assert!(
        out.contains("    ? [a, b]\n    : seq-key\n    {x: 1}: map-key\n"),
        "{out}"
    );
    let again = run(&out);
    assert!(!again.changes_anything());
}

#[test]
fn anchors_and_merge_keys_in_values_are_copied_as_written() {
    let text = format!(
        "{HR}    base: &base\n      cpu: 1\n    web:\n      <<: *base\n      mem: 2\n    list: [*base, &y 3, *y]\n"
    );
    let c = run(&text);
    let out = converted_hr(&c);
    assert!(
        out.contains("    base: &base\n      cpu: 1\n    web:\n      <<: *base\n      mem: 2\n    list: [*base, &y 3, *y]\n"),
        "{out}"
    );
}

// ---------------------------------------------------------------- templates, empties

#[test]
fn helm_template_file() {
    let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n  labels:\n    {{- include \"x.labels\" . | nindent 4 }}\n";
    let c = run(text);
    unchanged(&c, text.as_bytes());
    let f = findings(&c);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].0, "TEMPLATED_FILE");
}

#[test]
fn jinja_template_file() {
    let text =
        "{% for n in names %}\n---\nkind: Namespace\nmetadata:\n  name: {{ n }}\n{% endfor %}\n";
    let c = run(text);
    unchanged(&c, text.as_bytes());
    assert!(findings(&c).iter().all(|f| f.0 == "TEMPLATED_FILE"));
    assert!(!findings(&c).is_empty());
}

#[test]
fn comment_only_and_empty_files() {
    for text in [
        "",
        "\n",
        "# only a comment\n# and another\n",
        "---\n---\n...\n",
        "\u{feff}",
        "   \n\t\n",
    ] {
        let c = run(text);
        unchanged(&c, text.as_bytes());
        assert!(findings(&c).is_empty(), "{text:?}: {:?}", findings(&c));
    }
}

// ---------------------------------------------------------------- wrong field types

#[test]
fn timeout_not_an_integer() {
    let text = HR.replace("spec:\n", "spec:\n  timeout: \"abc\"\n");
    let c = run(&text);
    assert!(has(&c, Code::INVALID_FIELD, 7, 12), "{:?}", findings(&c));
    failed(&c, text.as_bytes());
}

#[test]
fn values_as_a_list() {
    let text = HR.replace(
        "  values:\n    replicaCount: 2 # two for HA\n",
        "  values:\n    - a\n    - b\n",
    );
    let c = run(&text);
    assert!(has(&c, Code::INVALID_FIELD, 12, 5), "{:?}", findings(&c));
    failed(&c, text.as_bytes());
}

#[test]
fn chart_as_a_string_and_spec_as_a_list() {
    let text = HR.replace(
        "  chart:\n    repository: https://stefanprodan.github.io/podinfo\n    name: podinfo\n    version: 5.0.3\n",
        "  chart: podinfo\n",
    );
    let c = run(&text);
    assert!(has(&c, Code::INVALID_FIELD, 7, 10), "{:?}", findings(&c));
    failed(&c, text.as_bytes());
    let text =
        "apiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata:\n  name: x\nspec: [1]\n";
    let c = run(text);
    failed(&c, text.as_bytes());
    assert!(!findings(&c).is_empty());
}

// ---------------------------------------------------------------- long names

#[test]
fn release_name_over_53_characters() {
    // "apps-" + 49 characters = 54.
    let name = "n".repeat(49);
    let text = HR.replace(
        "name: podinfo\n  namespace",
        &format!("name: {name}\n  namespace"),
    );
    let c = run(&text);
    assert_eq!(findings(&c), vec![("RELEASE_NAME_TOO_LONG", 4, 9)]);
    failed(&c, text.as_bytes());
    // 53 exactly is fine.
    let name = "n".repeat(48);
    let text = HR.replace(
        "name: podinfo\n  namespace",
        &format!("name: {name}\n  namespace"),
    );
    let c = run(&text);
    let out = converted_hr(&c);
    assert_eq!(
        docs(&out)[0]["spec"]["releaseName"].as_str().unwrap().len(),
        53
    );
}

#[test]
fn generated_source_names_fit_63_characters() {
    let url = format!("https://{}.example.com/{}", "h".repeat(80), "p".repeat(80));
    let text = HR.replace("https://stefanprodan.github.io/podinfo", &url);
    let c = run(&text);
    converted_hr(&c);
    for f in &c.files {
        for d in docs(f.text()) {
            if let Some(n) = d["metadata"]["name"].as_str() {
                assert!(n.len() <= 63, "{n}");
            }
        }
    }
    assert!(Schemas::load().check_conversion(&c).is_empty());
}

// ---------------------------------------------------------------- odd paths

#[test]
fn odd_paths_do_not_panic() {
    let inputs = [
        InputFile::new("/abs/hr.yaml", HR),
        InputFile::new("../up/hr.yaml", HR),
        InputFile::new("a//b/./hr.yaml", HR),
        InputFile::new("", HR),
        InputFile::new("Chart.yaml", "name: x\n"),
        InputFile::new("é/ü.yaml", HR),
    ];
    let c = convert(&inputs, &Options::default());
    for i in &inputs {
        assert!(c.file(&i.path).is_some(), "{} missing", i.path);
    }
}

#[test]
fn yaml11_line_breaks_are_escaped_when_emitted() {
    // Found by the quote_round_trips property: go-yaml folds these as line breaks.
    use fluxport_core::yaml::emit::quote;
    assert_eq!(quote("a\u{85}b"), "\"a\\u0085b\"");
    assert_eq!(quote("a\u{2028}b"), "\"a\\u2028b\"");
    assert_eq!(quote("\u{2029}"), "\"\\u2029\"");
    assert_eq!(quote("\u{feff}x"), "\"\\ufeffx\"");
}

#[test]
fn odd_value_layouts_convert_and_round_trip() {
    let base = HR.replace("  values:\n    replicaCount: 2 # two for HA\n", "");
    let cases = [
        "  values: |\n",
        "  values: {}\n",
        "  values: {a: 1,\n    b: [2,\n      3]}\n",
        "  values: &v\n    a: 1\n",
        "  values: !!map\n    a: 1\n",
        "  values:\n\n    # lead comment\n\n    a: |\n\n      text\n\n    b: >-\n      folded\n    # trailing\n",
        "  values:\n    a: |\n",
        "  values:\n    a: \"multi\n      line\"\n    b: 'x\n\n      y'\n",
        "  values:\n    ? complex\n    : key\n    ? [x]\n    : y\n",
        "  values:\n    a: 1\n...\n",
        "  values:\n    a: 1\r\n    b: 2\n",
        "  values:\n    é: ü # ñ\n    \u{1F600}: x\n",
        "  values:\n    a:\n    - 1\n    - - 2\n      - 3\n",
        "  values: ~\n",
        "  values:\n",
    ];
    for (i, v) in cases.iter().enumerate() {
        let text = format!("{base}{v}");
        let c = run(&text);
        let out = c.file("in.yaml").unwrap();
        if out.status.passed_through() {
            assert_eq!(out.bytes, text.as_bytes());
            assert!(
                !findings(&c).is_empty(),
                "case {i}: unchanged without a finding"
            );
            continue;
        }
        let errs = Schemas::load().check_conversion(&c);
        assert!(errs.is_empty(), "case {i}: {errs:?}\n{}", out.text());
        // The values read the same before and after.
        let before = docs(&text)[0]["spec"]["values"].clone();
        let after = docs(out.text())
            .into_iter()
            .find(|d| d["apiVersion"] == "helm.toolkit.fluxcd.io/v2")
            .unwrap_or_else(|| panic!("case {i}: no v2 HelmRelease\n{}", out.text()));
        let after = after["spec"]["values"].clone();
        let norm = |v: serde_json::Value| {
            if v.is_null() {
                serde_json::json!({})
            } else {
                v
            }
        };
        assert_eq!(norm(before), norm(after), "case {i}:\n{}", out.text());
        let again = run(out.text());
        assert!(
            !again.changes_anything(),
            "case {i}: second run changes\n{}",
            out.text()
        );
    }
}

#[test]
fn long_non_ascii_content_stays_linear() {
    // Byte offsets come from saphyr's character offsets through a moving cursor; a
    // long non-ASCII value, many non-ASCII keys and a converted release after them.
    fn make(n: usize) -> String {
        let mut text = format!("a: {}\n", "é".repeat(n * 50));
        for i in 0..n {
            text.push_str(&format!("ü{i}: ñ\n"));
        }
        text.push_str("---\n");
        text.push_str(&HR.replace("# two for HA", "# zwei für HA ✓"));
        text
    }
    assert_linear(5_000, make, |c, text| {
        let out = converted_hr(c);
        assert!(out.contains("replicaCount: 2 # zwei für HA ✓"));
        assert!(out.starts_with(&text[..text.find("---").unwrap()]));
    });
}

#[test]
fn many_keys_in_one_mapping_stay_linear() {
    // Duplicate-key detection was a linear scan per key: 20,000 keys took 30 s (debug).
    fn make(n: usize) -> String {
        let mut text: String = (0..n).map(|i| format!("k{i}: v\n")).collect();
        text.push_str(&format!("k{}: again\n", n - 1));
        text
    }
    assert_linear(12_500, make, |c, text| {
        let lines = text.lines().count();
        assert_eq!(findings(c), vec![("DUPLICATE_KEY", lines, 1)]);
        failed(c, text.as_bytes());
    });
    // And below the small-map threshold, too.
    let c = run("a: 1\nb: 2\na: 3\n");
    assert_eq!(findings(&c), vec![("DUPLICATE_KEY", 3, 1)]);
}

/// Found by fuzzing (convert_one): a non-string annotation value in block style was
/// copied inline, so the v2 HelmRelease was invalid YAML. Annotations must be strings
/// (the API server rejects anything else): INVALID_FIELD and no conversion.
#[test]
fn block_annotation_value_is_rejected_not_copied_inline() {
    let text = HR.replace(
        "  namespace: apps\n",
        "  namespace: apps\n  annotations:\n    x:\n      a: 1\n",
    );
    let c = run(&text);
    let out = c.file("in.yaml").unwrap();
    for (s, e) in fluxport_core::repo::load::split_documents(out.text()) {
        assert!(
            parse_document(&out.text()[s..e], 64, 100).is_ok(),
            "invalid YAML written:\n{}",
            out.text()
        );
    }
    assert!(has(&c, Code::INVALID_FIELD, 8, 7), "{:?}", findings(&c));
}

// ---------------------------------------------------------------- report output

/// Input-derived names never become markup in the Markdown report (viewers that allow
/// inline HTML would run it) nor shell syntax in the runbook's commands.
#[test]
fn hostile_names_stay_text_in_markdown_and_shell() {
    let evil = "$(id)<img src=x onerror=alert(1)>";
    let text = HR.replace("spec:\n", &format!("spec:\n  releaseName: \"{evil}\"\n"));
    let c = convert(
        &[InputFile::new(
            "a`<svg onload=alert(2)>`.yaml",
            text.as_bytes(),
        )],
        &Options::default(),
    );
    let md = c.report.to_markdown();
    assert!(md.contains("$(id)"), "the release is in the report:\n{md}");
    // Outside code spans (and fenced blocks) no tag may remain.
    let mut in_fence = false;
    for line in md.lines() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            // Shell blocks: the name is one single-quoted word.
            if line.contains("2to3 convert") {
                assert!(
                    line.contains("convert '$(id)<img src=x onerror=alert(1)>'"),
                    "{line}"
                );
            }
            continue;
        }
        let mut outside = String::new();
        let mut rest = line;
        while let Some(open) = rest.find('`') {
            let run = rest[open..].len() - rest[open..].trim_start_matches('`').len();
            outside.push_str(&rest[..open]);
            let fence = &rest[open..open + run];
            let after = &rest[open + run..];
            match after.find(fence) {
                Some(close) => rest = &after[close + run..],
                None => {
                    rest = after;
                }
            }
        }
        outside.push_str(rest);
        assert!(
            !outside.contains("<img") && !outside.contains("<svg"),
            "markup outside code spans: {line}"
        );
    }
}

/// Fuzz finding (convert_multi, final code of 2026-11-22): a kustomization with lone CRs
/// made saphyr's line numbers run ahead of fluxport's line index, and adding a generated
/// file to its `resources:` overflowed. A lone CR is now reported and the file kept.
#[test]
fn bare_carriage_returns_are_reported_not_converted() {
    let text = "resources:\r\r\r  - a.yaml\napiVersion: v1\n";
    let c = run(text);
    assert_eq!(findings(&c), vec![("BARE_CR", 1, 11)]);
    failed(&c, text.as_bytes());
    // CRLF stays fine.
    let crlf = HR.replace('\n', "\r\n");
    assert!(converted_hr(&run(&crlf)).contains("\r\n"));
    // The fuzz input's shape: a generated sources file next to a kustomization whose
    // first document has lone CRs inside a block scalar.
    let kust = "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: x\n  namespace: flux-system\nspec:\n  ignore: |\n    \r\r\r\r# exclude all\n    /*\n---\nresources:\n  - x.yaml\n";
    let c = convert(
        &[
            InputFile::new("kustomization.yaml", kust.as_bytes()),
            InputFile::new("apps/hr.yaml", HR.as_bytes()),
        ],
        &Options::default(),
    );
    assert!(has(&c, Code::BARE_CR, 8, 5), "{:?}", c.report.findings);
    assert_eq!(c.file("kustomization.yaml").unwrap().bytes, kust.as_bytes());
}
