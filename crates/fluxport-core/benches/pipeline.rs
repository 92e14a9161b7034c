//! Native pipeline benchmark: a plain `harness = false` binary that prints markdown.
//!
//! `cargo bench -p fluxport-core [-- --rows] [-- --quick]`
//!
//! For each input (the real corpus in `../shared/corpus/v1`, the synthetic repo of
//! `fluxport-bench-gen` at scale 1, 2, 4, 8, and a 1 MB single-file paste) it measures:
//! - `convert`: the full pipeline (`fluxport_core::convert`, on every core: the bench
//!   builds the core with `parallel`), median process CPU time (every thread: the
//!   load's parse runs on rayon's workers) and wall time, run alternately with the floor;
//! - `floor`: the same bytes through saphyr-parser alone — every event of every
//!   document — re-serialised by the minimal flow-style emitter below (a lower bound for
//!   any YAML round trip with this parser);
//! - the ratio convert / floor (budget ≤ 2.5×, issue 17) and, on the synthetic repo,
//!   ms/MB at the largest scale against scale 1 (flat within 5 %);
//! - peak heap during `convert` above what was live before it (a counting global
//!   allocator), against the input size (budget ≤ 5×);
//! - on the synthetic repo at scale 1 and the largest scale: wall time on every core
//!   against one thread (`Options::parallel` off; budget ≤ 0.6×), and the peak RSS of
//!   a child process that converts it (`VmHWM` after resetting it through
//!   `/proc/self/clear_refs`, Linux only; budget ≤ 5× the input).
//!
//! - `verify`: on the synthetic repo at scale 1, the pre-flight over the conversion's
//!   output against the rest of the conversion (budget ≤ 30 %, issue 13).
//!
//! `--rows` prints only the rows of the combined table used by `bench/run`.
//! `FLUXPORT_BENCH_ONLY=wide|paste|verify|scale=N|repo=<name>` measures one family alone (linearity checks,
//! profiling with `perf`: the bench profile keeps symbols).

use fluxport_core::{convert, InputFile, Options};
use saphyr_parser::{Event, Parser, ScalarStyle};
use std::alloc::{GlobalAlloc, Layout, System};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            let now = LIVE.fetch_add(l.size(), Relaxed) + l.size();
            PEAK.fetch_max(now, Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) };
        LIVE.fetch_sub(l.size(), Relaxed);
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        let q = unsafe { System.realloc(p, l, new) };
        if !q.is_null() {
            if new >= l.size() {
                let now = LIVE.fetch_add(new - l.size(), Relaxed) + (new - l.size());
                PEAK.fetch_max(now, Relaxed);
            } else {
                LIVE.fetch_sub(l.size() - new, Relaxed);
            }
        }
        q
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The floor: saphyr-parser events of every document, written back out as flow YAML.
fn floor_round_trip(text: &str, out: &mut String) {
    out.clear();
    let mut parser = Parser::new_from_str(text);
    // Per open collection: (is_map, items so far).
    let mut stack: Vec<(bool, usize)> = Vec::new();
    let sep = |stack: &mut Vec<(bool, usize)>, out: &mut String| {
        if let Some((is_map, n)) = stack.last_mut() {
            if *n > 0 {
                out.push_str(if *is_map && *n % 2 == 1 { ": " } else { ", " });
            }
            *n += 1;
        }
    };
    while let Some(Ok((ev, _span))) = parser.next_event() {
        match ev {
            Event::StreamEnd => break,
            Event::DocumentStart(_) => out.push_str("---\n"),
            Event::DocumentEnd => out.push('\n'),
            Event::Scalar(v, style, _, _) => {
                sep(&mut stack, out);
                if style == ScalarStyle::Plain && !v.contains([',', ':', '{', '}', '[', ']']) {
                    out.push_str(&v);
                } else {
                    out.push('"');
                    for c in v.chars() {
                        match c {
                            '"' => out.push_str("\\\""),
                            '\\' => out.push_str("\\\\"),
                            '\n' => out.push_str("\\n"),
                            c => out.push(c),
                        }
                    }
                    out.push('"');
                }
            }
            Event::Alias(id) => {
                sep(&mut stack, out);
                let _ = write!(out, "*a{id}");
            }
            Event::MappingStart(..) => {
                sep(&mut stack, out);
                out.push('{');
                stack.push((true, 0));
            }
            Event::SequenceStart(..) => {
                sep(&mut stack, out);
                out.push('[');
                stack.push((false, 0));
            }
            Event::MappingEnd => {
                stack.pop();
                out.push('}');
            }
            Event::SequenceEnd => {
                stack.pop();
                out.push(']');
            }
            Event::StreamStart | Event::Nothing => {}
        }
    }
}

/// Which build the numbers come from (printed under the table; `bench/run` repeats it).
const PROFILE_NOTE: &str = "Profile: Cargo's bench profile = the shipped native CLI's [profile.release] (opt-level 3, LTO, 1 codegen unit); the web build overrides it for size (scripts/build-web: opt-level z). Times are median process CPU time (all threads) (wall time is also shown: the 2-core machine is shared), convert and floor alternating, in the same binary on the same bytes. Peak heap counts bytes requested from the allocator above what was live before `convert` (inputs excluded, outputs included).";

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// CPU time of this process, every thread (the load's parse runs on rayon's workers,
/// which a thread clock would not count): the machine is shared (other jobs load its 2
/// cores), and wall time then measures the neighbours as much as the code.
#[cfg(unix)]
fn cpu_now() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec we own.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}
#[cfg(not(unix))]
fn cpu_now() -> Duration {
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    START.get_or_init(Instant::now).elapsed()
}

struct Timing {
    /// Median process CPU time of `f` and of `g`.
    f: Duration,
    g: Duration,
    /// Median wall time of `f`.
    f_wall: Duration,
}

/// Runs `f` and `g` alternately (so a change in machine load hits both) at least
/// `min_runs` times each and for at least `min_time`; medians.
fn time_pair(
    min_runs: usize,
    min_time: Duration,
    mut f: impl FnMut(),
    mut g: impl FnMut(),
) -> Timing {
    let (mut fv, mut gv, mut wv) = (Vec::new(), Vec::new(), Vec::new());
    let start = Instant::now();
    while fv.len() < min_runs || (start.elapsed() < min_time && fv.len() < 50) {
        let (w, c) = (Instant::now(), cpu_now());
        f();
        fv.push(cpu_now() - c);
        wv.push(w.elapsed());
        let c = cpu_now();
        g();
        gv.push(cpu_now() - c);
    }
    Timing {
        f: median(fv),
        g: median(gv),
        f_wall: median(wv),
    }
}

struct Row {
    name: String,
    bytes: usize,
    files: usize,
    /// Median process CPU time of `convert` and of the floor.
    convert: Duration,
    floor: Duration,
    /// Median wall time of `convert`.
    wall: Duration,
    peak: usize,
    /// Heap held by the loaded files (text, line tables, parsed trees) of all inputs.
    loaded: usize,
}

/// Heap held by `load::load_file` of every input at once: what the pipeline keeps
/// alive from load to emit. Peak heap minus this is the conversion's working set.
fn loaded_heap(inputs: &[InputFile], opts: &Options) -> usize {
    let before = LIVE.load(Relaxed);
    let charts = fluxport_core::repo::load::chart_dirs(inputs);
    let mut findings = Vec::new();
    let loaded: Vec<_> = inputs
        .iter()
        .map(|f| fluxport_core::repo::load::load_file(f, &charts, &opts.limits, &mut findings))
        .collect();
    let held = LIVE.load(Relaxed) - before;
    drop(loaded);
    held
}

fn measure(name: &str, inputs: &[InputFile], quick: bool) -> Row {
    let opts = Options::default();
    let bytes: usize = inputs.iter().map(|f| f.bytes.len()).sum();
    let (runs, min) = if quick {
        (1, Duration::ZERO)
    } else {
        (3, Duration::from_secs(2))
    };
    // Warm up, and check that the conversion keeps every file.
    let c = convert(inputs, &opts);
    assert!(c.files.len() >= inputs.len());
    drop(c);
    let texts: Vec<&str> = inputs
        .iter()
        .filter_map(|f| std::str::from_utf8(&f.bytes).ok())
        .collect();
    let mut buf = String::new();
    let t = time_pair(
        runs,
        min,
        || {
            std::hint::black_box(convert(std::hint::black_box(inputs), &opts));
        },
        || {
            for t in &texts {
                floor_round_trip(t, &mut buf);
                std::hint::black_box(&buf);
            }
        },
    );
    let before = LIVE.load(Relaxed);
    PEAK.store(before, Relaxed);
    let c = convert(inputs, &opts);
    let peak = PEAK.load(Relaxed) - before;
    drop(c);
    let loaded = loaded_heap(inputs, &opts);
    Row {
        name: name.to_string(),
        bytes,
        files: inputs.len(),
        convert: t.f,
        floor: t.g,
        wall: t.f_wall,
        peak,
        loaded,
    }
}

/// The pre-flight's share of a conversion (issue 13: at most 30 % of the conversion
/// time on the synthetic 5 MB repo). `convert` runs the pre-flight last, on its own
/// output; this times `convert` and, alternating with it, `verify` over that output.
struct VerifyRow {
    name: String,
    bytes: usize,
    /// Median process CPU time of `verify` over the conversion's output (alternating
    /// with `convert`).
    verify: Duration,
    /// Objects the pre-flight built.
    objects: usize,
    /// Median process CPU time of `convert_deferred` (steps 1–12: no pre-flight, and
    /// no trees kept for one), alternating with `convert`: `convert` minus this is all
    /// the pre-flight costs inside a conversion, the trees the stages keep for it
    /// included.
    deferred: Duration,
    /// The whole `convert` (pre-flight included), in the same alternation as
    /// `deferred`.
    convert: Duration,
}

impl VerifyRow {
    /// `verify` ÷ `convert_deferred`: the pre-flight from scratch against the
    /// conversion without it.
    fn ratio(&self) -> f64 {
        self.verify.as_secs_f64() / self.deferred.as_secs_f64().max(f64::MIN_POSITIVE)
    }
}

fn measure_verify(name: &str, inputs: &[InputFile], quick: bool) -> VerifyRow {
    let opts = Options::default();
    let outputs = convert(inputs, &opts).output_inputs();
    let objects = fluxport_core::verify(&outputs, &opts).counts.objects;
    let (runs, min) = if quick {
        (1, Duration::ZERO)
    } else {
        (3, Duration::from_secs(2))
    };
    let t = time_pair(
        runs,
        min,
        || {
            std::hint::black_box(convert(std::hint::black_box(inputs), &opts));
        },
        || {
            std::hint::black_box(fluxport_core::verify(std::hint::black_box(&outputs), &opts));
        },
    );
    let d = time_pair(
        runs,
        min,
        || {
            std::hint::black_box(convert(std::hint::black_box(inputs), &opts));
        },
        || {
            std::hint::black_box(fluxport_core::convert_deferred(
                std::hint::black_box(inputs),
                &opts,
            ));
        },
    );
    VerifyRow {
        name: name.to_string(),
        bytes: inputs.iter().map(|f| f.bytes.len()).sum(),
        verify: t.g,
        objects,
        deferred: d.g,
        convert: d.f,
    }
}

fn verify_line(r: &VerifyRow) -> String {
    let ok = |b: bool| if b { "yes" } else { "**NO**" };
    let rest = r.deferred.as_secs_f64().max(f64::MIN_POSITIVE);
    let inside = r.convert.saturating_sub(r.deferred).as_secs_f64() / rest;
    format!(
        "| native verify | {} ({:.2} MB; {} objects built) | conversion without its pre-flight {:.1} ms CPU; its pre-flight inside `convert` {:.1} ms ({:.0} %); `verify` of the output from scratch {:.1} ms ({:.0} % of the conversion without it) | ≤ 30 % | {} |",
        r.name,
        mb(r.bytes),
        r.objects,
        ms(r.deferred),
        ms(r.convert.saturating_sub(r.deferred)),
        inside * 100.0,
        ms(r.verify),
        r.ratio() * 100.0,
        ok(inside <= 0.30 && r.ratio() <= 0.30)
    )
}

/// Every core against one thread (issue 17: wall time ≤ 0.6× of one thread), on the
/// same bytes, alternating, with the output checked equal once.
struct ThreadsRow {
    name: String,
    bytes: usize,
    /// Median wall time with `Options::parallel` on and off.
    all: Duration,
    one: Duration,
}

fn measure_threads(name: &str, inputs: &[InputFile], quick: bool) -> ThreadsRow {
    let all = Options::default();
    let one = Options {
        parallel: false,
        ..Options::default()
    };
    let (a, b) = (convert(inputs, &all), convert(inputs, &one));
    assert!(
        a.files.len() == b.files.len()
            && a.files
                .iter()
                .zip(&b.files)
                .all(|(x, y)| x.bytes == y.bytes),
        "{name}: parallel and one-thread outputs differ"
    );
    drop((a, b));
    let (runs, min) = if quick {
        (1, Duration::ZERO)
    } else {
        (3, Duration::from_secs(2))
    };
    let (mut av, mut ov) = (Vec::new(), Vec::new());
    let start = Instant::now();
    while av.len() < runs || (start.elapsed() < min && av.len() < 20) {
        let w = Instant::now();
        std::hint::black_box(convert(std::hint::black_box(inputs), &all));
        av.push(w.elapsed());
        let w = Instant::now();
        std::hint::black_box(convert(std::hint::black_box(inputs), &one));
        ov.push(w.elapsed());
    }
    ThreadsRow {
        name: name.to_string(),
        bytes: inputs.iter().map(|f| f.bytes.len()).sum(),
        all: median(av),
        one: median(ov),
    }
}

/// `VmRSS`/`VmHWM` of this process, in bytes (Linux `/proc/self/status`).
fn proc_status_kb(field: &str) -> Option<usize> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with(field))?;
    let kb: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// The child of [`measure_rss`]: generates the synthetic repo at `scale`, resets the
/// peak RSS to what is resident now (the inputs, the binary), converts it on every
/// core, and prints `rss <peak> <before> <input bytes>`.
fn rss_child(scale: usize) {
    let inputs = synthetic(scale);
    let bytes: usize = inputs.iter().map(|f| f.bytes.len()).sum();
    // Writing 5 to clear_refs resets VmHWM to the current RSS (Linux ≥ 4.0).
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let before = proc_status_kb("VmRSS:").unwrap_or(0);
    let c = convert(&inputs, &Options::default());
    std::hint::black_box(&c);
    let peak = proc_status_kb("VmHWM:").unwrap_or(0);
    if reset {
        println!("rss {peak} {before} {bytes}");
    }
}

struct RssRow {
    name: String,
    bytes: usize,
    /// Peak RSS of the converting process, and what was resident before `convert`.
    peak: usize,
    before: usize,
}

/// Peak RSS of a fresh process (this bench, re-run as a child) converting the synthetic
/// repo at `scale`; `None` where `/proc/self/clear_refs` is not available.
fn measure_rss(scale: usize) -> Option<RssRow> {
    let exe = std::env::current_exe().ok()?;
    let out = std::process::Command::new(exe)
        .env("FLUXPORT_BENCH_RSS_CHILD", scale.to_string())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find(|l| l.starts_with("rss "))?;
    let n: Vec<usize> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    let [peak, before, bytes] = n[..] else {
        return None;
    };
    Some(RssRow {
        name: format!("synthetic repo, scale {scale}"),
        bytes,
        peak,
        before,
    })
}

fn corpus() -> Option<Vec<InputFile>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/v1");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    files.sort();
    Some(
        files
            .iter()
            .filter_map(|p| {
                let bytes = std::fs::read(p).ok()?;
                let name = p.file_name()?.to_string_lossy().into_owned();
                Some(InputFile::new(name, bytes))
            })
            .collect(),
    )
}

/// Every whole repository of `../shared/corpus/repos` (the kustomize overlays of issue
/// 12), each as the CLI reads a directory: every file, by relative path.
fn repos() -> Vec<(String, Vec<InputFile>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/repos");
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(&dir) else {
        return out;
    };
    let mut roots: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    roots.sort();
    for root in roots {
        let mut files = Vec::new();
        let mut stack = vec![root.clone()];
        while let Some(d) = stack.pop() {
            let Ok(rd) = std::fs::read_dir(&d) else {
                continue;
            };
            for e in rd.flatten() {
                let p = e.path();
                let Ok(ft) = e.file_type() else { continue };
                if ft.is_dir() {
                    if p.file_name().is_some_and(|n| n != ".git") {
                        stack.push(p);
                    }
                } else if ft.is_file() {
                    if let (Ok(rel), Ok(bytes)) = (p.strip_prefix(&root), std::fs::read(&p)) {
                        files.push(InputFile::new(
                            rel.to_string_lossy().replace('\\', "/"),
                            bytes,
                        ));
                    }
                }
            }
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let name = root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        out.push((name, files));
    }
    out
}

fn synthetic(scale: usize) -> Vec<InputFile> {
    fluxport_bench_gen::generate(scale, fluxport_bench_gen::DEFAULT_SEED)
        .into_iter()
        .map(|(p, t)| InputFile::new(p, t))
        .collect()
}

/// About `bytes` of v1 HelmReleases in one file, each with its own chart repository.
fn release_paste(bytes: usize) -> String {
    let mut t = String::new();
    let mut i = 0;
    while t.len() < bytes {
        let _ = write!(
            t,
            "---\napiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata:\n  name: grafana-{i}\n  namespace: monitoring\n  annotations:\n    fluxcd.io/automated: \"false\"\nspec:\n  releaseName: grafana-{i}\n  chart:\n    repository: https://grafana-{i}.github.io/helm-charts\n    name: grafana-{i}\n    version: 6.1.17\n  rollback:\n    enable: true\n  values:\n    # persistence for dashboards\n    persistence:\n      enabled: true\n      size: 10Gi\n    adminUser: admin\n"
        );
        i += 1;
    }
    t
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn mb(b: usize) -> f64 {
    b as f64 / 1_000_000.0
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let rows_only = args.iter().any(|a| a == "--rows");
    let quick = args.iter().any(|a| a == "--quick");
    let max_scale: usize = std::env::var("FLUXPORT_BENCH_MAX_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(8);

    if let Some(n) = std::env::var("FLUXPORT_BENCH_RSS_CHILD")
        .ok()
        .and_then(|n| n.parse().ok())
    {
        rss_child(n);
        return;
    }
    let only = std::env::var("FLUXPORT_BENCH_ONLY").unwrap_or_default();
    if only == "paste" {
        // One file, many documents: per-document work must not scan the whole file.
        let files = fluxport_bench_gen::generate(1, fluxport_bench_gen::DEFAULT_SEED);
        for size in [250_000usize, 500_000, 1_000_000, 2_000_000, 4_000_000] {
            let paste = fluxport_bench_gen::concatenated(&files, size);
            let r = measure("paste", &[InputFile::new("-", paste)], quick);
            println!(
                "paste {:.2} MB: {:.1} ms ({:.1} ms/MB), floor {:.1} ms, {:.2}x",
                mb(r.bytes),
                ms(r.convert),
                ms(r.convert) / mb(r.bytes),
                ms(r.floor),
                r.convert.as_secs_f64() / r.floor.as_secs_f64()
            );
        }
        return;
    }
    if let Some(n) = only.strip_prefix("scale=").and_then(|n| n.parse().ok()) {
        // One synthetic scale alone (for a profiler).
        let r = measure("synthetic", &synthetic(n), quick);
        println!(
            "scale {n}: {:.1} ms CPU ({:.1} ms/MB; wall {:.1} ms), floor {:.1} ms, {:.2}x, peak {:.1}x",
            ms(r.convert),
            ms(r.convert) / mb(r.bytes),
            ms(r.wall),
            ms(r.floor),
            r.convert.as_secs_f64() / r.floor.as_secs_f64(),
            r.peak as f64 / r.bytes as f64
        );
        let t = measure_threads("synthetic", &synthetic(n), quick);
        println!(
            "scale {n}: wall all cores {:.1} ms, one thread {:.1} ms, {:.2}x",
            ms(t.all),
            ms(t.one),
            t.all.as_secs_f64() / t.one.as_secs_f64()
        );
        if let Some(r) = measure_rss(n) {
            println!(
                "scale {n}: peak RSS {:.1} MB ({:.1}x input; {:.1} MB before convert)",
                mb(r.peak),
                r.peak as f64 / r.bytes as f64,
                mb(r.before)
            );
        }
        return;
    }
    if let Some(want) = only.strip_prefix("repo=") {
        // One corpus repository alone (for a profiler).
        for (name, files) in repos().into_iter().filter(|(n, _)| n == want) {
            let r = measure(&name, &files, quick);
            println!(
                "{name}: {:.1} ms CPU, floor {:.1} ms, {:.2}x",
                ms(r.convert),
                ms(r.floor),
                r.convert.as_secs_f64() / r.floor.as_secs_f64()
            );
        }
        return;
    }
    if only == "verify" {
        // The pre-flight's share alone (for a profiler).
        println!(
            "{}",
            verify_line(&measure_verify(
                "synthetic repo, scale 1",
                &synthetic(1),
                quick
            ))
        );
        return;
    }
    let only_wide = only == "wide";
    let mut rows = Vec::new();
    // One ConfigMap with many keys: per-key work inside one mapping must be linear too.
    let mut wide = Vec::new();
    for keys in [10_000usize, 20_000, 40_000] {
        let mut t =
            String::from("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: wide\ndata:\n");
        for i in 0..keys {
            let _ = writeln!(t, "  key-{i:06}: value {i}");
        }
        wide.push(measure(
            &format!("wide mapping, {keys} keys"),
            &[InputFile::new("wide.yaml", t)],
            quick,
        ));
    }
    if only_wide {
        for r in &wide {
            println!(
                "{}: {:.1} ms, floor {:.1} ms, {:.2}x",
                r.name,
                ms(r.convert),
                ms(r.floor),
                r.convert.as_secs_f64() / r.floor.as_secs_f64()
            );
        }
        return;
    }
    match corpus() {
        Some(c) if !c.is_empty() => rows.push(measure("real corpus (shared/corpus/v1)", &c, quick)),
        _ => eprintln!("corpus not found: skipped"),
    }
    for (name, files) in repos() {
        rows.push(measure(
            &format!("whole repo {name} (shared/corpus/repos)"),
            &files,
            quick,
        ));
    }
    let mut scale = 1;
    while scale <= max_scale {
        rows.push(measure(
            &format!("synthetic repo, scale {scale}"),
            &synthetic(scale),
            quick,
        ));
        scale *= 2;
    }
    let files = fluxport_bench_gen::generate(1, fluxport_bench_gen::DEFAULT_SEED);
    let paste = fluxport_bench_gen::concatenated(&files, 1_000_000);
    rows.push(measure(
        "1 MB paste (one file)",
        &[InputFile::new("-", paste)],
        quick,
    ));
    // The browser e2e's large paste: one file of HelmReleases, each with its own chart
    // repository (thousands of releases and sources). Two sizes: their ms/MB must match
    // (per-source and per-release lookups scanned every release: 5 MB took 5.9 s).
    for size in [1_000_000usize, 4_000_000] {
        rows.push(measure(
            &format!(
                "{} MB paste of HelmReleases, a repository each",
                size / 1_000_000
            ),
            &[InputFile::new("-", release_paste(size))],
            quick,
        ));
    }

    rows.extend(wide);
    let verify_row = measure_verify("synthetic repo, scale 1", &synthetic(1), quick);
    // Every core against one thread, and the peak RSS, at the smallest and largest scale.
    let mut top = 1;
    while top * 2 <= max_scale {
        top *= 2;
    }
    let ends: Vec<usize> = if top > 1 { vec![1, top] } else { vec![1] };
    let threads: Vec<ThreadsRow> = ends
        .iter()
        .map(|&n| measure_threads(&format!("synthetic repo, scale {n}"), &synthetic(n), quick))
        .collect();
    let rss: Vec<RssRow> = ends.iter().filter_map(|&n| measure_rss(n)).collect();
    let ok = |b: bool| if b { "yes" } else { "**NO**" };
    let mut t = String::new();
    if !rows_only {
        t.push_str("| Measure | Input | Result | Budget | Within |\n|---|---|---|---|---|\n");
    }
    for r in &rows {
        let ratio = r.convert.as_secs_f64() / r.floor.as_secs_f64();
        let mem = r.peak as f64 / r.bytes as f64;
        let _ = writeln!(
            t,
            "| native convert | {} ({} files, {:.2} MB) | {:.1} ms CPU, all threads ({:.1} ms/MB; wall {:.1} ms); YAML floor {:.1} ms CPU; ratio {:.2}× | ≤ 2.5× floor | {} |",
            r.name, r.files, mb(r.bytes), ms(r.convert), ms(r.convert) / mb(r.bytes), ms(r.wall), ms(r.floor), ratio, ok(ratio <= 2.5)
        );
        let _ = writeln!(
            t,
            "| native peak heap | {} | {:.1} MB ({:.1}× input; loaded files and trees {:.1}×) | ≤ 5× input | {} |",
            r.name,
            mb(r.peak),
            mem,
            r.loaded as f64 / r.bytes as f64,
            ok(mem <= 5.0)
        );
    }
    let _ = writeln!(t, "{}", verify_line(&verify_row));
    // ms/MB flat from the smallest to the largest synthetic scale (issue 17: within 5 %).
    let syn_rows: Vec<&Row> = rows
        .iter()
        .filter(|r| r.name.starts_with("synthetic"))
        .collect();
    if let (Some(a), Some(b)) = (syn_rows.first(), syn_rows.last()) {
        if syn_rows.len() > 1 {
            let per = |r: &Row| ms(r.convert) / mb(r.bytes);
            let growth = per(b) / per(a);
            let _ = writeln!(
                t,
                "| native linearity | synthetic repo, {:.2} MB → {:.2} MB | {:.1} → {:.1} ms/MB CPU (×{:.3}) | within 5 % | {} |",
                mb(a.bytes),
                mb(b.bytes),
                per(a),
                per(b),
                growth,
                ok((growth - 1.0).abs() <= 0.05)
            );
        }
    }
    for r in &threads {
        let x = r.all.as_secs_f64() / r.one.as_secs_f64();
        let _ = writeln!(
            t,
            "| native cores | {} ({:.2} MB; {} threads) | wall {:.1} ms on every core, {:.1} ms on one thread; {:.2}× | ≤ 0.6× one thread | {} |",
            r.name,
            mb(r.bytes),
            std::thread::available_parallelism().map_or(1, |n| n.get()),
            ms(r.all),
            ms(r.one),
            x,
            ok(x <= 0.6)
        );
    }
    for r in &rss {
        let x = r.peak as f64 / r.bytes as f64;
        let _ = writeln!(
            t,
            "| native peak RSS | {} ({:.2} MB; a child process, inputs resident) | {:.1} MB ({:.1}× input; {:.1} MB resident before convert) | ≤ 5× input | {} |",
            r.name,
            mb(r.bytes),
            mb(r.peak),
            x,
            mb(r.before),
            ok(x <= 5.0)
        );
    }
    print!("{t}");

    // The scaling curve: cost per MB must stay flat.
    let syn: Vec<&Row> = rows
        .iter()
        .filter(|r| r.name.starts_with("synthetic"))
        .collect();
    if let Some(base) = syn.first() {
        println!();
        println!("Scaling (synthetic repo; linear ⇒ ms/MB and time/N flat):\n");
        println!("| N | MB | convert ms (CPU) | ms/MB | time ÷ (N × time at N=1) | floor ms | ratio | peak MB | peak ÷ input |\n|---|---|---|---|---|---|---|---|---|");
        for (i, r) in syn.iter().enumerate() {
            let n = 1usize << i;
            println!(
                "| {n} | {:.2} | {:.1} | {:.1} | {:.2} | {:.1} | {:.2}× | {:.1} | {:.1}× |",
                mb(r.bytes),
                ms(r.convert),
                ms(r.convert) / mb(r.bytes),
                r.convert.as_secs_f64() / (n as f64 * base.convert.as_secs_f64()),
                ms(r.floor),
                r.convert.as_secs_f64() / r.floor.as_secs_f64(),
                mb(r.peak),
                r.peak as f64 / r.bytes as f64
            );
        }
    }
    if !rows_only {
        println!("\nFloor: saphyr-parser 0.3.3 events over every document, re-serialised by a minimal flow-style emitter (benches/pipeline.rs).");
        println!("{PROFILE_NOTE}");
    }
}
