//! `fluxport`: the command-line shell over `fluxport_core::convert` and
//! `fluxport_core::verify`.
//!
//! Exit codes: 0 clean; 1 `--check` found files that would change, or `verify` found
//! errors (Flux v2 would fail); 2 the conversion (or `verify`) has findings that need
//! a human (warning or error; for `verify`, warnings only); 3 usage or I/O error.
//! `convert`'s exit code does not depend on its pre-flight, whose summary it prints.

use clap::{Args, Parser, Subcommand, ValueEnum};
use fluxport_core::{
    convert, verify, Code, Conversion, FileStatus, Finding, FluxVersion, HelmVersion, InputFile,
    Mode, Options, SourcesPlacement, Target, Verification,
};
use std::collections::HashMap;
use std::io::{IsTerminal, Read, Write};
use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;

mod write;

const EXIT_CLEAN: u8 = 0;
const EXIT_CHECK_CHANGES: u8 = 1;
const EXIT_FINDINGS: u8 = 2;
const EXIT_ERROR: u8 = 3;

#[derive(Parser)]
#[command(
    name = "fluxport",
    version,
    about = "Convert Flux v1 (fluxd + helm-operator) manifests to Flux v2"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Threads for per-file work (reading, parsing): 0 = every core (the default), 1 =
    /// one thread. The output is the same for any value.
    #[arg(long, global = true, default_value_t = 0)]
    threads: usize,
}

/// `--threads 1`: per-file work in one thread (`Options::parallel` off).
static ONE_THREAD: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn parallel() -> bool {
    !ONE_THREAD.load(std::sync::atomic::Ordering::Relaxed)
}

#[derive(Subcommand)]
enum Command {
    /// Convert files or directories (`-` or nothing: stdin to stdout).
    Convert(Box<ConvertArgs>),
    /// Pre-flight a Flux v2 repository offline: builds, served apiVersions, names,
    /// references, release identity, image markers.
    Verify(VerifyArgs),
    /// Explain a finding code (or list all codes with `fluxport explain --all`).
    Explain {
        code: Option<String>,
        #[arg(long)]
        all: bool,
    },
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Format {
    Text,
    Json,
    Markdown,
}

#[derive(Args)]
struct ConvertArgs {
    /// Files or directories to convert; `-` (or none) reads stdin.
    paths: Vec<PathBuf>,
    /// Write the converted tree here (relative paths kept, new files added).
    #[arg(short = 'o', long = "out", conflicts_with = "in_place")]
    out: Option<PathBuf>,
    /// Rewrite the input files in place.
    #[arg(long)]
    in_place: bool,
    /// Change nothing; exit 1 if anything would change.
    #[arg(long)]
    check: bool,
    /// Also write the report to this file.
    #[arg(long)]
    report: Option<PathBuf>,
    /// Report format (printed to stdout, or stderr when stdout carries YAML).
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Print only the summary line, not each finding.
    #[arg(short, long)]
    quiet: bool,
    #[command(flatten)]
    opts: OptionArgs,
}

#[derive(Args)]
struct VerifyArgs {
    /// The repository directory.
    dir: PathBuf,
    /// Report format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Accept references to the objects `flux bootstrap` creates (GitRepository and
    /// Kustomization flux-system/flux-system).
    #[arg(long)]
    assume_bootstrap: bool,
    /// The paths one cluster applies, when the tree has no Flux Kustomization (repeat
    /// per cluster; commas separate one cluster's paths). Without it, each top-level
    /// kustomization is checked as its own cluster.
    #[arg(long = "sync-path")]
    sync_paths: Vec<String>,
    /// The Flux minor the cluster runs: which apiVersions are served.
    #[arg(long, value_parser = FLUX_VERSIONS, default_value = DEFAULT_FLUX)]
    flux_version: String,
}

/// `--flux-version` values: the minors of `fluxport_core::FluxVersion`.
const FLUX_VERSIONS: [&str; 3] = ["2.7", "2.8", "2.9"];
const DEFAULT_FLUX: &str = "2.9";

fn flux_version(s: &str) -> FluxVersion {
    FluxVersion::parse(s).unwrap_or_default()
}

#[derive(Args)]
struct OptionArgs {
    /// Pre-flight: accept references to the objects `flux bootstrap` creates
    /// (GitRepository and Kustomization flux-system/flux-system).
    #[arg(long)]
    assume_bootstrap: bool,
    /// helm-operator's default Helm version (first of --enabled-helm-versions).
    /// (default v2; a detected helm-operator/fluxd setting wins unless this flag is given)
    #[arg(long)]
    default_helm_version: Option<String>,
    /// helm-operator --charts-sync-interval → HelmRelease spec.interval.
    /// (default 3m; a detected helm-operator/fluxd setting wins unless this flag is given)
    #[arg(long)]
    chart_sync_interval: Option<String>,
    /// helm-operator --git-poll-interval → chart GitRepository interval.
    /// (default 5m; a detected helm-operator/fluxd setting wins unless this flag is given)
    #[arg(long)]
    git_poll_interval: Option<String>,
    /// helm-operator --git-timeout → chart GitRepository timeout.
    /// (default 20s; a detected helm-operator/fluxd setting wins unless this flag is given)
    #[arg(long)]
    git_timeout: Option<String>,
    /// helm-operator --git-default-ref → ref when chart.ref is empty.
    /// (default master; a detected helm-operator/fluxd setting wins unless this flag is given)
    #[arg(long)]
    git_default_ref: Option<String>,
    /// HelmRepository spec.interval.
    #[arg(long, default_value = "1h")]
    helm_repository_interval: String,
    /// strict reproduces v1 behaviour; idiomatic drops fidelity-only fields.
    #[arg(long, value_parser = ["strict", "idiomatic"], default_value = "strict")]
    mode: String,
    /// Where generated sources go: one file per sync root, or inline next to the first
    /// HelmRelease that uses them.
    #[arg(long, value_parser = ["sync-root", "inline"], default_value = "sync-root")]
    sources_placement: String,
    /// Output target.
    #[arg(long, value_parser = ["flux-v2", "helm3-on-flux-v1"], default_value = "flux-v2")]
    target: String,
    /// The Flux minor to target: the apiVersions written (pre-GA objects are upgraded to
    /// them) and accepted by the pre-flight, as `flux migrate -f --version` does.
    #[arg(long, value_parser = FLUX_VERSIONS, default_value = DEFAULT_FLUX)]
    flux_version: String,
    /// A fluxd's --git-path values (repeat per daemon/cluster; commas separate the
    /// paths of one daemon).
    #[arg(long = "sync-path")]
    sync_paths: Vec<String>,
    /// fluxd --k8s-default-namespace.
    /// (default default; a detected helm-operator/fluxd setting wins unless this flag is given)
    #[arg(long)]
    default_namespace: Option<String>,
    /// Namespace of image automation objects.
    #[arg(long, default_value = "flux-system")]
    automation_namespace: String,
    /// fluxd --git-url (when the daemon manifest is not in the input).
    #[arg(long)]
    git_url: Option<String>,
    /// fluxd --git-branch.
    #[arg(long, default_value = "master")]
    git_branch: String,
    /// helm-operator --git-charts-path (FluxHelmRelease charts).
    #[arg(long, default_value = "charts")]
    git_charts_path: String,
    #[arg(long)]
    max_file_bytes: Option<usize>,
    #[arg(long)]
    max_documents: Option<usize>,
    #[arg(long)]
    max_depth: Option<usize>,
    #[arg(long)]
    max_aliases: Option<usize>,
}

impl OptionArgs {
    fn to_options(&self) -> Result<Options, String> {
        let d = Options::default();
        let mut o = Options {
            parallel: parallel(),
            default_helm_version: match &self.default_helm_version {
                Some(v) => {
                    HelmVersion::parse(v).ok_or("--default-helm-version must be v2 or v3")?
                }
                None => d.default_helm_version,
            },
            chart_sync_interval: self
                .chart_sync_interval
                .clone()
                .unwrap_or(d.chart_sync_interval),
            git_poll_interval: self
                .git_poll_interval
                .clone()
                .unwrap_or(d.git_poll_interval),
            git_timeout: self.git_timeout.clone().unwrap_or(d.git_timeout),
            git_default_ref: self.git_default_ref.clone().unwrap_or(d.git_default_ref),
            helm_repository_interval: self.helm_repository_interval.clone(),
            mode: if self.mode == "idiomatic" {
                Mode::Idiomatic
            } else {
                Mode::Strict
            },
            sources_placement: if self.sources_placement == "inline" {
                SourcesPlacement::Inline
            } else {
                SourcesPlacement::SyncRoot
            },
            target: if self.target == "helm3-on-flux-v1" {
                Target::Helm3OnFluxV1
            } else {
                Target::FluxV2
            },
            flux_version: flux_version(&self.flux_version),
            sync_paths: self.sync_paths.clone(),
            default_namespace: self
                .default_namespace
                .clone()
                .unwrap_or(d.default_namespace),
            automation_namespace: self.automation_namespace.clone(),
            git_url: self.git_url.clone(),
            git_branch: self.git_branch.clone(),
            git_charts_path: self.git_charts_path.clone(),
            ..Options::default()
        };
        for (name, given) in [
            ("default-helm-version", self.default_helm_version.is_some()),
            ("chart-sync-interval", self.chart_sync_interval.is_some()),
            ("git-poll-interval", self.git_poll_interval.is_some()),
            ("git-timeout", self.git_timeout.is_some()),
            ("git-default-ref", self.git_default_ref.is_some()),
            ("default-namespace", self.default_namespace.is_some()),
        ] {
            if given {
                o.mark_explicit(name);
            }
        }
        for d in [
            &o.chart_sync_interval,
            &o.git_poll_interval,
            &o.git_timeout,
            &o.helm_repository_interval,
        ] {
            if !is_duration(d) {
                return Err(format!("`{d}` is not a duration like 5m or 1h30m"));
            }
        }
        if let Some(v) = self.max_file_bytes {
            o.limits.max_file_bytes = v;
        }
        if let Some(v) = self.max_documents {
            o.limits.max_documents_per_file = v;
        }
        if let Some(v) = self.max_depth {
            o.limits.max_depth = v;
        }
        if let Some(v) = self.max_aliases {
            o.limits.max_aliases = v;
        }
        o.assume_bootstrap = self.assume_bootstrap;
        Ok(o)
    }
}

/// The v2 CRD duration pattern `^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$`.
fn is_duration(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if b.is_empty() {
        return false;
    }
    while i < b.len() {
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return false;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            let f = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i == f {
                return false;
            }
        }
        if s[i..].starts_with("ms") {
            i += 2;
        } else if i < b.len() && matches!(b[i], b's' | b'm' | b'h') {
            i += 1;
        } else {
            return false;
        }
    }
    true
}

fn main() -> ExitCode {
    // A usage error (unknown flag, bad value) exits 3 like every other usage error, not
    // with clap's default 2, which here means "findings that need a human".
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                EXIT_ERROR
            } else {
                EXIT_CLEAN
            });
        }
    };
    match cli.threads {
        0 => {}
        1 => ONE_THREAD.store(true, std::sync::atomic::Ordering::Relaxed),
        n => {
            // Before any parallel work, so the pool is built once with n threads.
            if let Err(e) = rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build_global()
            {
                eprintln!("fluxport: error: --threads {n}: {e}");
                return ExitCode::from(EXIT_ERROR);
            }
        }
    }
    match cli.command {
        Command::Explain { code, all } => explain(code.as_deref(), all),
        Command::Convert(args) => match run_convert(*args) {
            Ok(code) => ExitCode::from(code),
            Err(e) => {
                eprintln!("fluxport: error: {e}");
                ExitCode::from(EXIT_ERROR)
            }
        },
        Command::Verify(args) => match run_verify(args) {
            Ok(code) => ExitCode::from(code),
            Err(e) => {
                eprintln!("fluxport: error: {e}");
                ExitCode::from(EXIT_ERROR)
            }
        },
    }
}

fn explain(code: Option<&str>, all: bool) -> ExitCode {
    if all || code.is_none() {
        for c in Code::ALL {
            println!(
                "{:<30} {:<8} {}",
                c.as_str(),
                c.severity().as_str(),
                c.section()
            );
        }
        return ExitCode::from(EXIT_CLEAN);
    }
    let raw = code.unwrap_or_default();
    match Code::parse(raw) {
        Some(c) => {
            print!("{}", c.explain());
            ExitCode::from(EXIT_CLEAN)
        }
        None => {
            eprintln!(
                "fluxport: unknown finding code `{}` (see `fluxport explain --all`)",
                fluxport_core::text::escape_control(raw)
            );
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn run_verify(args: VerifyArgs) -> Result<u8, String> {
    let meta =
        std::fs::metadata(&args.dir).map_err(|e| format!("{}: {e}", escape_path(&args.dir)))?;
    if !meta.is_dir() {
        return Err(format!("{}: not a directory", escape_path(&args.dir)));
    }
    let mut found = Vec::new();
    let mut not_read = Vec::new();
    walk(&args.dir, None, &mut found, &mut not_read)?;
    found.sort();
    not_read.sort();
    let mut inputs = Vec::with_capacity(found.len());
    for f in found {
        let rel = rel_path(f.strip_prefix(&args.dir).unwrap_or(&f));
        let bytes = std::fs::read(&f).map_err(|e| format!("{}: {e}", escape_path(&f)))?;
        inputs.push(InputFile::new(rel, bytes));
    }
    let options = Options {
        assume_bootstrap: args.assume_bootstrap,
        sync_paths: args.sync_paths.clone(),
        flux_version: flux_version(&args.flux_version),
        parallel: parallel(),
        ..Options::default()
    };
    let mut v: Verification =
        std::panic::catch_unwind(|| verify(&inputs, &options)).map_err(|_| {
            "internal error in the pre-flight (please report it with the input)".to_string()
        })?;
    // Every path is accounted for: source-controller's artifact leaves out what is not a
    // regular file or directory (fluxcd/pkg `artifact/storage/archive.go#Archive`:
    // "Ignore anything that is not a file or directories e.g. symlinks"), so Flux v2
    // never sees these either.
    if !not_read.is_empty() {
        for (p, what) in &not_read {
            let rel = rel_path(p.strip_prefix(&args.dir).unwrap_or(p));
            v.findings.push(Finding::new(
                Code::PATH_NOT_READ,
                &rel,
                0,
                0,
                format!("{what}: not read, and not in the artifact source-controller makes (it keeps only regular files and directories)"),
            ));
        }
        v.finish();
    }
    print!(
        "{}",
        match args.format {
            Format::Text => v.to_text(),
            Format::Json => v.to_json() + "\n",
            Format::Markdown => v.to_markdown(),
        }
    );
    Ok(if v.has_errors() {
        EXIT_CHECK_CHANGES
    } else if v.needs_human() {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    })
}

/// Where an input file came from and where its output goes.
struct Source {
    /// The path the core sees (UTF-8; bytes that are not are escaped as `\xff`).
    rel: String,
    /// The same relative path with its original bytes.
    raw: PathBuf,
    /// Absolute-or-relative path on disk (for --in-place); None for stdin.
    disk: Option<PathBuf>,
}

fn run_convert(args: ConvertArgs) -> Result<u8, String> {
    let options = args.opts.to_options()?;
    let dash = Path::new("-");
    let stdin_mode = args.paths.is_empty() || args.paths.iter().all(|p| p == dash);
    if !stdout_is_open() {
        return Err("stdout is closed; the output and the report would be lost".into());
    }
    if stdin_mode {
        if args.out.is_some() || args.in_place {
            return Err("stdin (`-` or no path) is converted to stdout; `-o` and \
                        `--in-place` need files or directories"
                .into());
        }
        if args.paths.is_empty() && std::io::stdin().is_terminal() {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let help = cmd
                .find_subcommand_mut("convert")
                .map(|c| c.render_help().to_string())
                .unwrap_or_default();
            return Err(format!(
                "no input: give files or directories, or pipe YAML in (`-`)\n\n{help}"
            ));
        }
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| format!("reading stdin: {e}"))?;
        let options = Options {
            sources_placement: SourcesPlacement::Inline,
            ..options
        };
        let conv = convert_guarded(&[InputFile::new("stdin.yaml", buf)], &options)?;
        let out = conv
            .file("stdin.yaml")
            .map(|f| f.bytes.clone())
            .unwrap_or_default();
        if !args.check {
            let mut o = std::io::stdout();
            o.write_all(&out)
                .and_then(|_| o.flush())
                .map_err(|e| format!("writing the converted YAML to stdout: {e}"))?;
        }
        print_report(&conv, &args, true)?;
        return Ok(exit_code(&conv, args.check));
    }
    if args.paths.iter().any(|p| p == dash) {
        return Err("`-` (stdin) cannot be mixed with paths".into());
    }
    // `-o` must not be an input directory (that is --in-place), and an `-o` inside an
    // input directory is not walked (it would convert the previous output again).
    let out_id = args.out.as_deref().and_then(dir_id);
    if let Some(id) = out_id {
        if args.paths.iter().any(|p| dir_id(p) == Some(id)) {
            return Err(format!(
                "-o {} is an input directory; use --in-place to rewrite the input",
                escape_path(args.out.as_deref().unwrap_or(dash))
            ));
        }
    }

    // Where the journal of an all-or-nothing write lives: the output directory, or for
    // --in-place the first input directory (a file's directory). An interrupted earlier
    // run is recovered before anything is read, so its temps are never input.
    let journal_root = match &args.out {
        Some(out) => out.clone(),
        None => {
            let first = args.paths[0].as_path();
            if first.is_dir() {
                first.to_path_buf()
            } else {
                match first.parent() {
                    Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                    _ => PathBuf::from("."),
                }
            }
        }
    };
    let writing = !args.check && (args.out.is_some() || args.in_place);
    let mut lock = None;
    if !writing && write::has_journal(&journal_root) {
        eprintln!(
            "fluxport: warning: {} holds the journal of an interrupted run, so some files may \
             still be converted and others not; run the same command with --in-place (or -o) \
             to restore the originals first",
            escape_path(&journal_root)
        );
    }
    if writing {
        lock = write::lock(&journal_root)?;
        if let Some(msg) = write::recover(&journal_root)? {
            eprintln!("fluxport: {msg}");
        }
        let mut stale = 0;
        if args.out.is_some() {
            stale += write::clean_stale(&journal_root);
        } else {
            for p in &args.paths {
                if p.is_dir() {
                    stale += write::clean_stale(p);
                }
            }
        }
        if stale > 0 {
            eprintln!("fluxport: removed {stale} temporary file(s) left by an interrupted run");
        }
    }

    let mut inputs = Vec::new();
    let mut sources = Vec::new();
    let mut not_read = Vec::new();
    for path in &args.paths {
        let p = escape_path(path);
        let meta = std::fs::metadata(path).map_err(|e| format!("{p}: {e}"))?;
        if meta.is_dir() {
            let mut found = Vec::new();
            let mut skipped = Vec::new();
            walk(path, out_id, &mut found, &mut skipped)?;
            found.sort();
            for f in found {
                let raw = f.strip_prefix(path).unwrap_or(&f).to_path_buf();
                let rel = rel_path(&raw);
                let bytes = std::fs::read(&f).map_err(|e| format!("{}: {e}", escape_path(&f)))?;
                inputs.push(InputFile::new(rel.clone(), bytes));
                sources.push(Source {
                    rel,
                    raw,
                    disk: Some(f),
                });
            }
            for (f, what) in skipped {
                not_read.push((rel_path(f.strip_prefix(path).unwrap_or(&f)), what));
            }
        } else if meta.is_file() {
            let raw = PathBuf::from(path.file_name().unwrap_or_default());
            let rel = rel_path(&raw);
            let bytes = std::fs::read(path).map_err(|e| format!("{p}: {e}"))?;
            inputs.push(InputFile::new(rel.clone(), bytes));
            sources.push(Source {
                rel,
                raw,
                disk: Some(path.to_path_buf()),
            });
        } else {
            return Err(format!("{p}: not a regular file or directory"));
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for s in &sources {
        if !seen.insert(&s.rel) {
            return Err(format!(
                "two inputs map to the same relative path `{}`; convert them separately",
                fluxport_core::text::escape_control(&s.rel)
            ));
        }
    }

    let bar = progress_bar(inputs.len());
    let mut conv = convert_guarded(&inputs, &options)?;
    conv.report.add_not_read(&conv.files, &not_read);
    if let Some(b) = &bar {
        b.set_position(inputs.len() as u64);
    }

    if !args.check {
        let targets = Targets::new(&sources);
        if let Some(out) = &args.out {
            let mut ops = Vec::new();
            for f in &conv.files {
                if f.status != FileStatus::Deleted {
                    ops.push(write::Op::Write {
                        target: out.join(targets.raw_target(&f.path)?),
                        bytes: f.bytes.clone(),
                    });
                }
            }
            write::commit(out, &ops, &mut lock)?;
            if let Some(b) = &bar {
                b.finish_and_clear();
            }
            if !args.quiet {
                eprintln!("wrote {} files to {}", ops.len(), escape_path(out));
            }
        } else if args.in_place {
            let mut ops = Vec::new();
            for f in &conv.files {
                let src = targets.source(&f.path);
                let disk = src.and_then(|s| s.disk.clone());
                match (f.status, disk) {
                    (FileStatus::Unchanged | FileStatus::Failed, _) => {}
                    (FileStatus::Converted, Some(d)) => ops.push(write::Op::Write {
                        target: d,
                        bytes: f.bytes.clone(),
                    }),
                    (FileStatus::Deleted, Some(d)) => ops.push(write::Op::Delete { target: d }),
                    (FileStatus::New, _) => ops.push(write::Op::Write {
                        target: journal_root.join(targets.raw_target(&f.path)?),
                        bytes: f.bytes.clone(),
                    }),
                    (_, None) => {}
                }
            }
            write::commit(&journal_root, &ops, &mut lock)?;
        }
    }
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    print_report(&conv, &args, false)?;
    Ok(exit_code(&conv, args.check))
}

fn exit_code(conv: &Conversion, check: bool) -> u8 {
    if check && conv.changes_anything() {
        EXIT_CHECK_CHANGES
    } else if conv.report.needs_human() {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}

/// Runs the core; a bug in the core becomes an error message, not an abort.
fn convert_guarded(inputs: &[InputFile], options: &Options) -> Result<Conversion, String> {
    std::panic::catch_unwind(|| convert(inputs, options)).map_err(|p| {
        let msg = p
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        format!("internal error (please report it with the input): {msg}")
    })
}

fn progress_bar(n: usize) -> Option<indicatif::ProgressBar> {
    if n < 50 || !std::io::stderr().is_terminal() {
        return None;
    }
    let b = indicatif::ProgressBar::new(n as u64);
    b.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {pos}/{len} files {wide_bar}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    Some(b)
}

fn print_report(
    conv: &Conversion,
    args: &ConvertArgs,
    stdout_has_yaml: bool,
) -> Result<(), String> {
    // Text carries the pre-flight's summary line; JSON and Markdown all its findings.
    let preflight_line = || {
        let mut s = conv.preflight.summary_line();
        if !conv.preflight.skipped {
            s.push_str(" (details: fluxport verify on the output)");
        }
        s + "\n"
    };
    let render = |f: Format| match f {
        Format::Text => conv.report.to_text() + &preflight_line(),
        Format::Json => conv.report_json() + "\n",
        Format::Markdown => conv.report_markdown(),
    };
    if let Some(path) = &args.report {
        let fmt = match path.extension().and_then(|e| e.to_str()) {
            Some("json") => Format::Json,
            Some("md") => Format::Markdown,
            _ => args.format,
        };
        // Temp + fsync + rename: a report file is never half-written either.
        write::replace_file(path, render(fmt).as_bytes())
            .map_err(|e| format!("{}: {e}", escape_path(path)))?;
    }
    let text = if args.quiet && args.format == Format::Text {
        conv.report.summary_line() + "\n" + &preflight_line()
    } else {
        render(args.format)
    };
    // A failed write (a closed pipe, a full disk) is an error (exit 3), not a panic.
    let res = if stdout_has_yaml {
        std::io::stderr().write_all(text.as_bytes())
    } else {
        let mut o = std::io::stdout();
        o.write_all(text.as_bytes()).and_then(|_| o.flush())
    };
    res.map_err(|e| format!("writing the report: {e}"))
}

/// A directory's identity (device, inode), to recognise `-o` inside or equal to an input.
fn dir_id(p: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(p)
        .ok()
        .filter(|m| m.is_dir())
        .map(|m| (m.dev(), m.ino()))
}

/// Whether stdout was open when fluxport started. Rust's runtime reopens a closed fd 1 on
/// `/dev/null` with `O_RDWR` before `main` (and std drops writes to a closed fd anyway),
/// so a closed stdout shows up as fd 1 = `/dev/null` opened read-write; a shell's
/// `>/dev/null` opens it write-only and is not refused.
fn stdout_is_open() -> bool {
    // SAFETY: fcntl(F_GETFL) and fstat on fd 1 only read the descriptor table; `st` is a
    // plain C struct that fstat fills.
    unsafe {
        let flags = libc::fcntl(1, libc::F_GETFL);
        if flags == -1 {
            return false;
        }
        let mut st: libc::stat = std::mem::zeroed();
        if libc::fstat(1, &mut st) != 0 {
            return false;
        }
        let dev_null = (st.st_mode & libc::S_IFMT) == libc::S_IFCHR
            && libc::major(st.st_rdev) == 1
            && libc::minor(st.st_rdev) == 3;
        !(dev_null && (flags & libc::O_ACCMODE) == libc::O_RDWR)
    }
}

/// Regular files under `dir` (`.git/`, fluxport's own temps and the directory `skip` are
/// left out). Everything else (symlinks, never followed; FIFOs, sockets, devices) goes to
/// `not_read` with what it is, so it can be reported rather than silently dropped.
fn walk(
    dir: &Path,
    skip: Option<(u64, u64)>,
    out: &mut Vec<PathBuf>,
    not_read: &mut Vec<(PathBuf, &'static str)>,
) -> Result<(), String> {
    use std::os::unix::fs::FileTypeExt;
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", escape_path(dir)))?;
    for e in entries {
        let e = e.map_err(|e| format!("{}: {e}", escape_path(dir)))?;
        let p = e.path();
        let ft = e
            .file_type()
            .map_err(|e| format!("{}: {e}", escape_path(&p)))?;
        if ft.is_dir() {
            if e.file_name() == ".git" || (skip.is_some() && dir_id(&p) == skip) {
                continue;
            }
            walk(&p, skip, out, not_read)?;
        } else if ft.is_file() {
            if write::is_internal(&e.file_name()) {
                continue; // fluxport's own temp/backup/journal, never input
            }
            out.push(p);
        } else {
            let what = if ft.is_symlink() {
                "a symbolic link (not followed)"
            } else if ft.is_fifo() {
                "a FIFO"
            } else if ft.is_socket() {
                "a socket"
            } else if ft.is_block_device() || ft.is_char_device() {
                "a device"
            } else {
                "not a regular file"
            };
            not_read.push((p, what));
        }
    }
    Ok(())
}

/// Where the files of one conversion go: the inputs by their core path, and every
/// directory prefix of an input by (component count, core path), each indexed once.
/// Looking them up per file scanned every input (and built every input's prefixes)
/// for each output file: quadratic in a repository with thousands of generated files.
struct Targets<'s> {
    by_rel: HashMap<&'s str, &'s Source>,
    dirs: HashMap<(usize, String), PathBuf>,
}

impl<'s> Targets<'s> {
    fn new(sources: &'s [Source]) -> Self {
        let mut by_rel = HashMap::new();
        let mut dirs = HashMap::new();
        for s in sources {
            by_rel.entry(s.rel.as_str()).or_insert(s);
            let raw: Vec<_> = s.raw.components().collect();
            for k in 1..raw.len() {
                let dir: PathBuf = raw[..k].iter().collect();
                dirs.entry((k, rel_path(&dir))).or_insert(dir);
            }
        }
        Targets { by_rel, dirs }
    }

    /// The input with this core path (the first, in input order).
    fn source(&self, core_path: &str) -> Option<&'s Source> {
        self.by_rel.get(core_path).copied()
    }

    /// Where a file of the conversion goes, relative to the output (or input)
    /// directory: an input's own path with its original bytes, or for a generated file
    /// its path with the original bytes of the longest directory it shares with an
    /// input (the first such input).
    fn raw_target(&self, core_path: &str) -> Result<PathBuf, String> {
        if let Some(s) = self.source(core_path) {
            return Ok(s.raw.clone());
        }
        let safe = safe_rel(core_path)?;
        let comps: Vec<&str> = core_path.split('/').collect();
        for k in (1..comps.len()).rev() {
            if let Some(dir) = self.dirs.get(&(k, comps[..k].join("/"))) {
                let mut p = dir.clone();
                p.extend(&comps[k..]);
                return Ok(p);
            }
        }
        Ok(safe)
    }
}

/// A path for a message: control characters (`fluxport_core::text::escape_control`, the
/// one escaping rule) and bytes that are not UTF-8 are escaped (`\x1b`, `\xff`), so a
/// file name cannot write to the terminal or fake a report line.
pub(crate) fn escape_path(p: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let mut out = String::new();
    for chunk in p.as_os_str().as_bytes().utf8_chunks() {
        out.push_str(&fluxport_core::text::escape_control(chunk.valid()));
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

/// The `/`-joined relative path the core sees; bytes that are not UTF-8 are escaped
/// (`\xff`) rather than replaced, so two names never merge and the report shows them.
fn rel_path(p: &Path) -> String {
    p.components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(match s.to_str() {
                Some(s) => s.to_string(),
                None => {
                    use std::os::unix::ffi::OsStrExt;
                    let mut out = String::new();
                    for chunk in s.as_bytes().utf8_chunks() {
                        out.push_str(chunk.valid());
                        for b in chunk.invalid() {
                            out.push_str(&format!("\\x{b:02x}"));
                        }
                    }
                    out
                }
            }),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Refuses output paths that would escape the output directory.
fn safe_rel(p: &str) -> Result<PathBuf, String> {
    let path = Path::new(p);
    if path.is_absolute()
        || path
            .components()
            .any(|c| !matches!(c, Component::Normal(_)))
    {
        return Err(format!(
            "refusing to write outside the output directory: `{}`",
            fluxport_core::text::escape_control(p)
        ));
    }
    Ok(path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        for ok in ["5m", "1h30m", "20s", "1.5h", "100ms", "5m0s"] {
            assert!(is_duration(ok), "{ok}");
        }
        for bad in ["", "5", "m", "1d", "5m ", "1.h"] {
            assert!(!is_duration(bad), "{bad}");
        }
    }

    #[test]
    fn generated_files_keep_the_bytes_of_their_input_directories() {
        use std::os::unix::ffi::OsStrExt;
        let raw = PathBuf::from(std::ffi::OsStr::from_bytes(b"dir\xfe/a.yaml"));
        let src = Source {
            rel: rel_path(&raw),
            raw: raw.clone(),
            disk: None,
        };
        assert_eq!(src.rel, "dir\\xfe/a.yaml");
        let sources = [src];
        let targets = Targets::new(&sources);
        assert_eq!(targets.raw_target("dir\\xfe/a.yaml").unwrap(), raw);
        assert_eq!(
            targets
                .raw_target("dir\\xfe/fluxport-sources.yaml")
                .unwrap()
                .as_os_str()
                .as_bytes(),
            b"dir\xfe/fluxport-sources.yaml"
        );
        assert_eq!(
            targets.raw_target("other/x.yaml").unwrap(),
            PathBuf::from("other/x.yaml")
        );
        assert!(targets.raw_target("../x.yaml").is_err());
    }

    /// The index answers what a scan of every input answers (the lookup before the
    /// index): the input's own path, else the longest shared directory of the first
    /// input that has it, else the path as written.
    #[test]
    fn targets_index_agrees_with_a_scan_of_the_inputs() {
        use std::os::unix::ffi::OsStrExt;
        fn scan(core_path: &str, sources: &[Source]) -> Result<PathBuf, String> {
            if let Some(s) = sources.iter().find(|s| s.rel == core_path) {
                return Ok(s.raw.clone());
            }
            let safe = safe_rel(core_path)?;
            let comps: Vec<&str> = core_path.split('/').collect();
            for k in (1..comps.len()).rev() {
                let prefix = comps[..k].join("/");
                for s in sources {
                    let raw: Vec<_> = s.raw.components().collect();
                    if raw.len() > k {
                        let dir: PathBuf = raw[..k].iter().collect();
                        if rel_path(&dir) == prefix {
                            let mut p = dir;
                            p.extend(&comps[k..]);
                            return Ok(p);
                        }
                    }
                }
            }
            Ok(safe)
        }
        let raws: [&[u8]; 7] = [
            b"apps/a.yaml",
            b"apps/x\xfe/b.yaml",
            b"apps/x\xff/c.yaml",
            b"./clusters/prod/k.yaml",
            b"clusters/prod/deep/d.yaml",
            b"top.yaml",
            b"apps/a.yaml",
        ];
        let sources: Vec<Source> = raws
            .iter()
            .map(|b| {
                let raw = PathBuf::from(std::ffi::OsStr::from_bytes(b));
                Source {
                    rel: rel_path(&raw),
                    raw,
                    disk: None,
                }
            })
            .collect();
        let targets = Targets::new(&sources);
        let mut asked = 0;
        for s in &sources {
            let rel = s.rel.clone();
            let dir = rel.rsplit_once('/').map_or("", |(d, _)| d).to_string();
            for p in [
                rel.clone(),
                format!("{dir}/fluxport-sources.yaml"),
                format!("{dir}/new/sub/x.yaml"),
                "elsewhere/x.yaml".to_string(),
                "../escape.yaml".to_string(),
                "fluxport-sources.yaml".to_string(),
            ] {
                assert_eq!(targets.raw_target(&p), scan(&p, &sources), "{p}");
                asked += 1;
            }
        }
        assert_eq!(asked, 42);
    }

    /// The flag's values are exactly the core's minors, in order.
    #[test]
    fn flux_versions_are_the_cores() {
        let parsed: Vec<_> = FLUX_VERSIONS
            .iter()
            .map(|v| FluxVersion::parse(v))
            .collect();
        let all: Vec<_> = FluxVersion::ALL.into_iter().map(Some).collect();
        assert_eq!(parsed, all);
        assert_eq!(DEFAULT_FLUX, FluxVersion::default().as_str());
    }

    #[test]
    fn unsafe_paths_refused() {
        assert!(safe_rel("../x").is_err());
        assert!(safe_rel("/etc/x").is_err());
        assert!(safe_rel("a/b.yaml").is_ok());
    }
}
