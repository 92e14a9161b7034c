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
    assert_eq!(v["schema_version"], 1);
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
