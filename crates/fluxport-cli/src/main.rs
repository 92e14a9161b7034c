//! `fluxport`: the command-line shell over `fluxport_core::convert` and
//! `fluxport_core::verify`.
//!
//! Exit codes: 0 clean; 1 `--check` found files that would change, or `verify` found
//! errors (Flux v2 would fail); 2 the conversion (or `verify`) has findings that need
//! a human (warning or error; for `verify`, warnings only); 3 usage or I/O error.
//! `convert`'s exit code does not depend on its pre-flight, whose summary it prints.

use clap::{Args, Parser, Subcommand, ValueEnum};
use fluxport_core::{
    convert, verify, Code, Conversion, FileStatus, HelmVersion, InputFile, Mode, Options,
    SourcesPlacement, Target, Verification,
};
use std::io::{IsTerminal, Read, Write};
use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;

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
    paths: Vec<String>,
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
    let cli = Cli::parse();
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
            eprintln!("fluxport: unknown finding code `{raw}` (see `fluxport explain --all`)");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn run_verify(args: VerifyArgs) -> Result<u8, String> {
    let meta = std::fs::metadata(&args.dir).map_err(|e| format!("{}: {e}", args.dir.display()))?;
    if !meta.is_dir() {
        return Err(format!("{}: not a directory", args.dir.display()));
    }
    let mut found = Vec::new();
    walk(&args.dir, &args.dir, &mut found)?;
    found.sort();
    let mut inputs = Vec::with_capacity(found.len());
    for f in found {
        let rel = rel_path(f.strip_prefix(&args.dir).unwrap_or(&f));
        let bytes = std::fs::read(&f).map_err(|e| format!("{}: {e}", f.display()))?;
        inputs.push(InputFile::new(rel, bytes));
    }
    let options = Options {
        assume_bootstrap: args.assume_bootstrap,
        ..Options::default()
    };
    let v: Verification = std::panic::catch_unwind(|| verify(&inputs, &options)).map_err(|_| {
        "internal error in the pre-flight (please report it with the input)".to_string()
    })?;
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
    rel: String,
    /// Absolute-or-relative path on disk (for --in-place); None for stdin.
    disk: Option<PathBuf>,
    /// Root directory the relative path is relative to (for new files with --in-place).
    base: Option<PathBuf>,
}

fn run_convert(args: ConvertArgs) -> Result<u8, String> {
    let options = args.opts.to_options()?;
    let stdin_mode = args.paths.is_empty() || args.paths.iter().all(|p| p == "-");
    if stdin_mode {
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
            std::io::stdout()
                .write_all(&out)
                .map_err(|e| e.to_string())?;
        }
        print_report(&conv, &args, true)?;
        return Ok(exit_code(&conv, args.check));
    }
    if args.paths.iter().any(|p| p == "-") {
        return Err("`-` (stdin) cannot be mixed with paths".into());
    }

    let mut inputs = Vec::new();
    let mut sources = Vec::new();
    for p in &args.paths {
        let path = Path::new(p);
        let meta = std::fs::metadata(path).map_err(|e| format!("{p}: {e}"))?;
        if meta.is_dir() {
            let mut found = Vec::new();
            walk(path, path, &mut found)?;
            found.sort();
            for f in found {
                let rel = rel_path(f.strip_prefix(path).unwrap_or(&f));
                let bytes = std::fs::read(&f).map_err(|e| format!("{}: {e}", f.display()))?;
                inputs.push(InputFile::new(rel.clone(), bytes));
                sources.push(Source {
                    rel,
                    disk: Some(f),
                    base: Some(path.to_path_buf()),
                });
            }
        } else {
            let rel = rel_path(Path::new(path.file_name().unwrap_or_default()));
            let bytes = std::fs::read(path).map_err(|e| format!("{p}: {e}"))?;
            inputs.push(InputFile::new(rel.clone(), bytes));
            sources.push(Source {
                rel,
                disk: Some(path.to_path_buf()),
                base: path.parent().map(Path::to_path_buf),
            });
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for s in &sources {
        if !seen.insert(&s.rel) {
            return Err(format!(
                "two inputs map to the same relative path `{}`; convert them separately",
                s.rel
            ));
        }
    }

    let bar = progress_bar(inputs.len());
    let conv = convert_guarded(&inputs, &options)?;
    if let Some(b) = &bar {
        b.set_position(inputs.len() as u64);
    }

    if !args.check {
        if let Some(out) = &args.out {
            let written = write_tree(out, &conv, bar.as_ref())?;
            if let Some(b) = &bar {
                b.finish_and_clear();
            }
            if !args.quiet {
                eprintln!("wrote {written} files to {}", out.display());
            }
        } else if args.in_place {
            let default_base = sources
                .first()
                .and_then(|s| s.base.clone())
                .unwrap_or_else(|| PathBuf::from("."));
            for f in &conv.files {
                let src = sources.iter().find(|s| s.rel == f.path);
                match f.status {
                    FileStatus::Unchanged | FileStatus::Failed => {}
                    FileStatus::Converted => {
                        if let Some(d) = src.and_then(|s| s.disk.as_ref()) {
                            std::fs::write(d, &f.bytes)
                                .map_err(|e| format!("{}: {e}", d.display()))?;
                        }
                    }
                    FileStatus::Deleted => {
                        if let Some(d) = src.and_then(|s| s.disk.as_ref()) {
                            std::fs::remove_file(d).map_err(|e| format!("{}: {e}", d.display()))?;
                        }
                    }
                    FileStatus::New => {
                        let target = default_base.join(safe_rel(&f.path)?);
                        if let Some(parent) = target.parent() {
                            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
                        }
                        std::fs::write(&target, &f.bytes)
                            .map_err(|e| format!("{}: {e}", target.display()))?;
                    }
                }
            }
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
        std::fs::write(path, render(fmt)).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    let text = if args.quiet && args.format == Format::Text {
        conv.report.summary_line() + "\n" + &preflight_line()
    } else {
        render(args.format)
    };
    if stdout_has_yaml {
        eprint!("{text}");
    } else {
        print!("{text}");
    }
    Ok(())
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for e in entries {
        let e = e.map_err(|e| e.to_string())?;
        let p = e.path();
        let ft = e.file_type().map_err(|e| e.to_string())?;
        if ft.is_dir() {
            if e.file_name() == ".git" {
                continue;
            }
            walk(root, &p, out)?;
        } else if ft.is_file() {
            out.push(p);
        }
    }
    let _ = root;
    Ok(())
}

fn rel_path(p: &Path) -> String {
    p.components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
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
            "refusing to write outside the output directory: `{p}`"
        ));
    }
    Ok(path.to_path_buf())
}

fn write_tree(
    out: &Path,
    conv: &Conversion,
    bar: Option<&indicatif::ProgressBar>,
) -> Result<usize, String> {
    let mut n = 0;
    for f in &conv.files {
        if f.status == FileStatus::Deleted {
            continue;
        }
        let target = out.join(safe_rel(&f.path)?);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(&target, &f.bytes).map_err(|e| format!("{}: {e}", target.display()))?;
        n += 1;
        if let Some(b) = bar {
            b.inc(0);
        }
    }
    Ok(n)
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
    fn unsafe_paths_refused() {
        assert!(safe_rel("../x").is_err());
        assert!(safe_rel("/etc/x").is_err());
        assert!(safe_rel("a/b.yaml").is_ok());
    }
}
