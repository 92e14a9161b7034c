//! CLI behaviour: exit codes, stdin/stdout, --check, explain, and the README's code table.

use std::io::Write;
use std::process::{Command, Stdio};

fn fluxport(args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fluxport"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).ok(); // the process may exit before reading stdin (usage errors)
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

const HR: &str = "apiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata: {name: a, namespace: n}\nspec:\n  helmVersion: v3\n  chart: {repository: \"https://h.io/c\", name: c, version: 1.0.0}\n";

#[test]
fn stdin_to_stdout_with_sources_appended() {
    let (code, out, err) = fluxport(&["convert", "-"], HR);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("apiVersion: helm.toolkit.fluxcd.io/v2\n"),
        "{out}"
    );
    assert!(
        out.contains("---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\n"),
        "{out}"
    );
    assert!(err.contains("1 converted"), "{err}");
}

#[test]
fn check_mode_and_exit_codes() {
    assert_eq!(fluxport(&["convert", "--check", "-"], HR).0, 1);
    assert_eq!(
        fluxport(
            &["convert", "--check", "-"],
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"
        )
        .0,
        0
    );
    let helm2 = HR.replace("  helmVersion: v3\n", "");
    assert_eq!(
        fluxport(&["convert", "-"], &helm2).0,
        2,
        "HELM2_RELEASE needs a human"
    );
    assert_eq!(
        fluxport(&["convert", "--default-helm-version", "v3", "-"], &helm2).0,
        0
    );
    assert_eq!(
        fluxport(&["convert", "--chart-sync-interval", "5 minutes", "-"], HR).0,
        3
    );
    assert_eq!(fluxport(&["convert", "/does/not/exist"], "").0, 3);
}

#[test]
fn json_report_shape() {
    let (_, _, err) = fluxport(
        &["convert", "--format", "json", "-"],
        &HR.replace("  helmVersion: v3\n", ""),
    );
    let v: serde_json::Value = serde_json::from_str(&err).unwrap();
    assert_eq!(v["schema_version"], 2);
    let f = &v["findings"][0];
    for k in [
        "code", "severity", "file", "line", "column", "message", "fix",
    ] {
        assert!(!f[k].is_null(), "{k}");
    }
    assert_eq!(f["code"], "HELM2_RELEASE");
    assert_eq!(v["counts"]["by_code"]["HELM2_RELEASE"], 1);
    assert_eq!(v["files"][0]["status"], "converted");
}

#[test]
fn explain_codes() {
    let (code, out, _) = fluxport(&["explain", "HELM2_RELEASE"], "");
    assert_eq!(code, 0);
    assert!(out.contains("helm 2to3 convert"), "{out}");
    assert_eq!(fluxport(&["explain", "NOPE"], "").0, 3);
}

#[test]
fn readme_documents_every_code() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    let missing: Vec<_> = fluxport_core::Code::ALL
        .iter()
        .map(|c| c.as_str())
        .filter(|c| !readme.contains(&format!("`{c}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "README.md lacks {missing:?} (regenerate the table from `fluxport explain --all`)"
    );
}

#[test]
fn verify_exit_codes_and_formats() {
    let dir = std::env::temp_dir().join(format!("fluxport-cli-verify-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let cm = |name: &str| {
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: apps\n")
    };
    std::fs::write(dir.join("cm.yaml"), cm("ok")).unwrap();
    let d = dir.to_string_lossy().to_string();
    let (code, out, err) = fluxport(&["verify", &d], "");
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.starts_with("pre-flight: 0 Kustomizations, 1 objects; 0 errors"),
        "{out}"
    );
    // A planted defect: exit 1, the finding keyed by file:line:col.
    std::fs::write(dir.join("cm.yaml"), cm("Not_Ok")).unwrap();
    let (code, out, _) = fluxport(&["verify", &d], "");
    assert_eq!(code, 1, "{out}");
    assert!(
        out.starts_with("cm.yaml:4:9: error[VERIFY_INVALID_NAME]"),
        "{out}"
    );
    let (code, out, _) = fluxport(&["verify", &d, "--format", "json"], "");
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["counts"]["by_code"]["VERIFY_INVALID_NAME"], 1);
    let (_, out, _) = fluxport(&["verify", &d, "--format", "markdown"], "");
    assert!(out.starts_with("# fluxport pre-flight"), "{out}");
    let (code, _, err) = fluxport(&["verify", &format!("{d}/nope")], "");
    assert_eq!(code, 3, "{err}");
    // --sync-path: two dirs applied by one cluster define one object twice (planted);
    // without it each dir is checked on its own (the twin).
    std::fs::remove_file(dir.join("cm.yaml")).unwrap();
    for sub in ["a", "b"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
        std::fs::write(dir.join(sub).join("cm.yaml"), cm("same")).unwrap();
    }
    let (code, out, _) = fluxport(&["verify", &d, "--sync-path", "a", "--sync-path", "b"], "");
    assert_eq!(code, 0, "{out}");
    let (code, out, _) = fluxport(&["verify", &d, "--sync-path", "a,b"], "");
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("VERIFY_DUPLICATE_OBJECT"), "{out}");
    let (code, out, _) = fluxport(&["explain", "VERIFY_BOOTSTRAP_REF"], "");
    assert_eq!(code, 0);
    assert!(out.contains("flux bootstrap"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A Flux v2 HelmRelease (kept as it is) whose chart source is `repo`, with that
/// HelmRepository in the input when `with_source`.
fn v2_release(with_source: bool) -> String {
    let hr = "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: a, namespace: n}\nspec:\n  interval: 5m\n  chart:\n    spec:\n      chart: c\n      version: 1.0.0\n      sourceRef: {kind: HelmRepository, name: repo}\n";
    let src = "---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata: {name: repo, namespace: n}\nspec: {interval: 1h, url: \"https://h.io/c\"}\n";
    if with_source {
        format!("{hr}{src}")
    } else {
        hr.to_string()
    }
}

#[test]
fn convert_reports_carry_the_preflight() {
    // Planted: the HelmRepository is missing (VERIFY_REF_MISSING at the sourceRef).
    let planted = v2_release(false);
    let clean = v2_release(true);
    let (_, _, err) = fluxport(&["convert", "-"], &planted);
    assert!(
        err.contains("pre-flight: 0 Kustomizations, 1 objects; 1 errors, 0 warnings, 0 info"),
        "text: one summary line\n{err}"
    );
    let (_, _, err) = fluxport(&["convert", "-q", "-"], &planted);
    assert!(
        err.contains("pre-flight: 0 Kustomizations, 1 objects; 1 errors"),
        "{err}"
    );
    let (_, _, err) = fluxport(&["convert", "-"], &clean);
    assert!(err.contains("; 0 errors, 0 warnings, 0 info"), "{err}");

    let json = |input: &str| -> serde_json::Value {
        let (_, _, err) = fluxport(&["convert", "--format", "json", "-"], input);
        serde_json::from_str(&err).unwrap()
    };
    let v = json(&planted);
    assert_eq!(
        v["schema_version"], 2,
        "the report's fields stay at the top"
    );
    let p = &v["preflight"];
    assert_eq!(p["schema_version"], 1);
    assert_eq!(p["counts"]["errors"], 1);
    assert_eq!(p["counts"]["by_code"]["VERIFY_REF_MISSING"], 1);
    let f = &p["findings"][0];
    assert_eq!(f["code"], "VERIFY_REF_MISSING");
    assert_eq!(f["file"], "stdin.yaml");
    assert_eq!(f["line"], 10, "keyed by the sourceRef's line");
    assert!(f["message"].as_str().unwrap().contains("repo"), "{f}");
    let v = json(&clean);
    assert_eq!(v["preflight"]["counts"]["errors"], 0);
    assert_eq!(v["preflight"]["findings"].as_array().map(Vec::len), Some(0));

    let (_, _, md) = fluxport(&["convert", "--format", "markdown", "-"], &planted);
    let pre = md
        .split("## Pre-flight\n")
        .nth(1)
        .expect("a Pre-flight section");
    assert!(
        pre.starts_with("\npre-flight: 0 Kustomizations, 1 objects; 1 errors"),
        "{pre}"
    );
    assert!(
        pre.contains("| error | `VERIFY_REF_MISSING` | `stdin.yaml:10:"),
        "every finding in the table\n{pre}"
    );
    assert!(
        md.find("## Pre-flight") < md.find("## Cut-over runbook"),
        "before the runbook\n{md}"
    );
    let (_, _, md) = fluxport(&["convert", "--format", "markdown", "-"], &clean);
    assert!(
        md.contains("## Pre-flight\n\npre-flight: 0 Kustomizations, 2 objects; 0 errors"),
        "{md}"
    );
    assert!(!md.contains("VERIFY_"), "{md}");

    // --report FILE: .json and .md get the same shapes.
    let dir = std::env::temp_dir().join(format!("fluxport-cli-report-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("hr.yaml"), &planted).unwrap();
    let j = dir.join("r.json").to_string_lossy().to_string();
    let m = dir.join("r.md").to_string_lossy().to_string();
    let d = dir.join("hr.yaml").to_string_lossy().to_string();
    let (_, out, _) = fluxport(&["convert", &d, "--report", &j], "");
    assert!(
        out.contains("pre-flight: 0 Kustomizations, 1 objects; 1 errors"),
        "{out}"
    );
    fluxport(&["convert", &d, "--report", &m], "");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&j).unwrap()).unwrap();
    assert_eq!(v["preflight"]["findings"][0]["code"], "VERIFY_REF_MISSING");
    assert_eq!(v["preflight"]["findings"][0]["file"], "hr.yaml");
    let md = std::fs::read_to_string(&m).unwrap();
    assert!(
        md.contains("| error | `VERIFY_REF_MISSING` | `hr.yaml:10:"),
        "{md}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A planted file an error stopped (a duplicate key) is `failed` in the summary line and
/// the JSON report; its clean twin is `converted`; `--in-place` leaves the failed one be.
#[test]
fn a_failed_file_is_counted_failed_and_its_clean_twin_converted() {
    let dir = std::env::temp_dir().join(format!("fluxport-cli-failed-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let bad = HR.replace(
        "{name: a, namespace: n}",
        "{name: a, namespace: n, name: b}",
    );
    std::fs::write(dir.join("bad.yaml"), &bad).unwrap();
    std::fs::write(dir.join("good.yaml"), HR).unwrap();
    let d = dir.to_str().unwrap();
    let (_, out, err) = fluxport(&["convert", "-q", d], "");
    assert!(
        out.contains("3 files: 1 converted, 1 new, 0 deleted, 0 unchanged, 1 failed;"),
        "{out}{err}"
    );
    let (_, out, _) = fluxport(&["convert", "--format", "json", d], "");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["counts"]["failed"], 1);
    assert_eq!(v["counts"]["unchanged"], 0);
    let status = |p: &str| {
        v["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == p)
            .map(|f| f["status"].clone())
    };
    assert_eq!(status("bad.yaml"), Some("failed".into()));
    assert_eq!(status("good.yaml"), Some("converted".into()));
    fluxport(&["convert", "--in-place", d], "");
    assert_eq!(std::fs::read_to_string(dir.join("bad.yaml")).unwrap(), bad);
    assert_ne!(std::fs::read_to_string(dir.join("good.yaml")).unwrap(), HR);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The `key = value` lines of one `[section]` of a TOML file (no nesting needed here).
fn toml_section(text: &str, section: &str) -> Vec<(String, String)> {
    let header = format!("[{section}]");
    text.lines()
        .skip_while(|l| l.trim() != header)
        .skip(1)
        .take_while(|l| !l.trim_start().starts_with('['))
        .filter_map(|l| {
            let l = l.split('#').next()?.trim();
            let (k, v) = l.split_once('=')?;
            Some((k.trim().to_string(), v.trim().trim_matches('"').to_string()))
        })
        .collect()
}

/// Issue 17: what `cargo build --release` / `cargo install` give users is the
/// speed-tuned CLI, and only the web build is tuned for size.
#[test]
fn shipped_cli_profile_is_the_fast_one() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let cargo = std::fs::read_to_string(format!("{root}/Cargo.toml")).unwrap();
    let release = toml_section(&cargo, "profile.release");
    let get = |k: &str| {
        release
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(
        get("opt-level"),
        Some("3"),
        "[profile.release] must be the fast native CLI: {release:?}"
    );
    assert_eq!(get("lto"), Some("true"), "{release:?}");
    assert_eq!(get("codegen-units"), Some("1"), "{release:?}");
    assert_ne!(
        get("panic"),
        Some("abort"),
        "the CLI reports a bug in one file instead of aborting: {release:?}"
    );
    assert!(get("inherits").is_none(), "{release:?}");
    // The web build keeps its size settings, as overrides of its own.
    let web = std::fs::read_to_string(format!("{root}/scripts/build-web")).unwrap();
    let exports = web
        .lines()
        .find(|l| l.trim_start().starts_with("export CARGO_PROFILE_RELEASE_"))
        .expect("scripts/build-web overrides the release profile for size");
    assert!(
        exports.contains("CARGO_PROFILE_RELEASE_OPT_LEVEL=z"),
        "{exports}"
    );
    assert!(
        exports.contains("CARGO_PROFILE_RELEASE_PANIC=abort"),
        "{exports}"
    );
    assert!(
        web.find(exports).unwrap()
            < web
                .find("wasm-pack --quiet build")
                .expect("the wasm-pack build line"),
        "set before wasm-pack runs"
    );
}

/// `--check` gates pre-GA objects (issue 14): a tree whose only object is a v2beta1
/// HelmRelease exits 1 (its upgrade would change the file), and the same tree on the
/// served versions exits 0. `--flux-version` chooses what the pre-flight accepts.
#[test]
fn check_gates_pre_ga_objects() {
    let dir = std::env::temp_dir().join(format!("fluxport-cli-prega-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("apps")).unwrap();
    let hr = |version: &str| {
        format!(
            "apiVersion: helm.toolkit.fluxcd.io/{version}
kind: HelmRelease
metadata:
  name: app
  namespace: apps
spec:
  interval: 5m
  maxHistory: 5
  chart:
    spec:
      chart: app
      version: 1.0.0
      sourceRef:
        kind: HelmRepository
        name: charts
"
        )
    };
    let file = dir.join("apps/hr.yaml");
    let d = dir.to_string_lossy().to_string();
    std::fs::write(&file, hr("v2beta1")).unwrap();
    let (code, out, err) = fluxport(&["convert", "--check", &d], "");
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("UPGRADE_API"), "{out}");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        hr("v2beta1"),
        "--check wrote"
    );
    // v2beta2 is still served by Flux 2.7 (deprecated), but it is still upgraded.
    std::fs::write(&file, hr("v2beta2")).unwrap();
    for flux in ["2.7", "2.9"] {
        let (code, out, err) = fluxport(&["convert", "--check", "--flux-version", flux, &d], "");
        assert_eq!(code, 1, "Flux {flux}: {out}{err}");
    }
    // The clean twin: already on the served version.
    std::fs::write(&file, hr("v2")).unwrap();
    let (code, out, err) = fluxport(&["convert", "--check", &d], "");
    assert_eq!(code, 0, "{out}{err}");
    // verify --flux-version: v2beta2 is served by 2.7 only.
    std::fs::write(&file, hr("v2beta2")).unwrap();
    let (_, out, _) = fluxport(&["verify", "--flux-version", "2.7", &d], "");
    assert!(!out.contains("VERIFY_API_NOT_SERVED"), "{out}");
    let (code, out, _) = fluxport(&["verify", "--flux-version", "2.8", &d], "");
    assert!(out.contains("VERIFY_API_NOT_SERVED"), "{out}");
    assert_eq!(code, 1, "{out}");
    // An unsupported minor is refused by the flag parser (clap's own exit code, 2).
    let (code, _, err) = fluxport(&["verify", "--flux-version", "2.6", &d], "");
    assert_ne!(code, 0);
    assert!(err.contains("2.7, 2.8, 2.9"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A usage error exits 3, as the README says (before: clap's 2, which is "findings").
#[test]
fn usage_errors_exit_3_and_help_exits_0() {
    let (code, _, err) = fluxport(&["convert", "--flux-version", "2.5", "-"], "");
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("2.5"), "{err}");
    let (code, _, err) = fluxport(&["convert", "--no-such-flag"], "");
    assert_eq!(code, 3, "{err}");
    let (code, out, _) = fluxport(&["--help"], "");
    assert_eq!(code, 0);
    assert!(out.contains("convert"), "{out}");
}
