//! Golden tests, the way `flux migrate` tests itself: each case under `tests/golden/`
//! is an input dir `in/`, the expected output tree `out.golden/`, the CLI's printed
//! report `cli.golden` (with the exit code on its last line), and optional CLI flags
//! in `args` (one per line), and `verify.golden`: `fluxport verify` on the written output
//! tree (its pre-flight, with the exit code; `--assume-bootstrap` and `--flux-version=X`
//! when `args` has them).
//! A `verify-*` case also has `verify-in.golden`: `fluxport verify` on its input.
//! `UPDATE_GOLDEN=1 cargo test -p fluxport-cli --test golden`
//! rewrites the expectations; review the diff before committing.

use std::path::{Path, PathBuf};
use std::process::Command;

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(base: &Path, d: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        let Ok(rd) = std::fs::read_dir(d) else { return };
        let mut entries: Vec<_> = rd.map(|e| e.unwrap().path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                out.push((
                    p.strip_prefix(base)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/"),
                    std::fs::read(&p).unwrap(),
                ));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out
}

fn copy_tree(from: &Path, to: &Path) {
    for (rel, bytes) in files(from) {
        let t = to.join(rel);
        std::fs::create_dir_all(t.parent().unwrap()).unwrap();
        std::fs::write(t, bytes).unwrap();
    }
}

fn run_verify(tree: &Path, args: &[String]) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_fluxport"));
    cmd.arg("verify").arg(".").current_dir(tree);
    if args.iter().any(|a| a == "--assume-bootstrap") {
        cmd.arg("--assume-bootstrap");
    }
    // The minor the case targets is the one its pre-flight checks (`--flux-version=X`).
    cmd.args(args.iter().filter(|a| a.starts_with("--flux-version=")));
    let out = cmd.output().unwrap();
    format!(
        "{}{}exit: {}\n",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        out.status.code().unwrap_or(-1)
    )
}

fn run(case: &Path, args: &[String], extra: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_fluxport"))
        .arg("convert")
        .arg(".")
        .args(extra)
        .args(args)
        .current_dir(case.join("in"))
        .output()
        .unwrap();
    format!(
        "{}{}exit: {}\n",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        out.status.code().unwrap_or(-1)
    )
}

#[test]
fn golden_cases() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/golden");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("in").is_dir())
        .collect();
    cases.sort();
    assert!(
        !cases.is_empty(),
        "no golden cases under {}",
        root.display()
    );
    let mut failures = Vec::new();
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        let tmp =
            std::env::temp_dir().join(format!("fluxport-golden-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        let args: Vec<String> = std::fs::read_to_string(case.join("args"))
            .unwrap_or_default()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(String::from)
            .collect();
        // The printed report (dry run), then the write run.
        let printed = run(case, &args, &[]);
        let tmp_s = tmp.to_string_lossy().to_string();
        run(case, &args, &["-o", &tmp_s, "-q"]);
        let mut verified = run_verify(&tmp, &args);
        if name.starts_with("verify-") {
            verified = format!(
                "{verified}--- verify on the input (in/)\n{}",
                run_verify(&case.join("in"), &args)
            );
        }
        if update {
            std::fs::write(case.join("verify.golden"), &verified).unwrap();
            let g = case.join("out.golden");
            let _ = std::fs::remove_dir_all(&g);
            copy_tree(&tmp, &g);
            std::fs::write(case.join("cli.golden"), &printed).unwrap();
        } else {
            let expected_cli = std::fs::read_to_string(case.join("cli.golden")).unwrap_or_default();
            if expected_cli != printed {
                failures.push(format!(
                    "{name}: CLI output differs\n--- expected\n{expected_cli}\n--- got\n{printed}"
                ));
            }
            let expected_v =
                std::fs::read_to_string(case.join("verify.golden")).unwrap_or_default();
            if expected_v != verified {
                failures.push(format!(
                    "{name}: verify output differs\n--- expected\n{expected_v}\n--- got\n{verified}"
                ));
            }
            let want = files(&case.join("out.golden"));
            let got = files(&tmp);
            if want != got {
                let want_names: Vec<_> = want.iter().map(|w| &w.0).collect();
                let got_names: Vec<_> = got.iter().map(|w| &w.0).collect();
                let mut detail = format!("{name}: output tree differs (expected files {want_names:?}, got {got_names:?})");
                for (p, b) in &got {
                    if let Some((_, wb)) = want.iter().find(|(wp, _)| wp == p) {
                        if wb != b {
                            detail.push_str(&format!(
                                "\n--- {p} expected\n{}\n--- {p} got\n{}",
                                String::from_utf8_lossy(wb),
                                String::from_utf8_lossy(b)
                            ));
                        }
                    }
                }
                failures.push(detail);
            }
        }
        let _ = std::fs::remove_dir_all(&tmp);
    }
    assert!(
        failures.is_empty(),
        "{} of {} golden cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}
