//! All-or-nothing writes (issue 15, point 1): a target that cannot be written stops the
//! run before anything changes, and the message says so. (Real kills and injected
//! failures: `tests/crash.rs`.)

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const HR: &str = "apiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata: {name: NAME, namespace: n}\nspec:\n  helmVersion: v3\n  chart: {repository: \"https://h.io/c\", name: c, version: 1.0.0}\n";

fn hr(name: &str) -> String {
    HR.replace("NAME", name)
}

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("fluxport-writes-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn fluxport(pre: &[&str], args: &[&str]) -> (i32, String) {
    let bin = env!("CARGO_BIN_EXE_fluxport");
    let mut cmd = if pre.is_empty() {
        Command::new(bin)
    } else {
        let mut c = Command::new(pre[0]);
        c.args(&pre[1..]).arg(bin);
        c
    };
    let out = cmd
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn files(d: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v = Vec::new();
    fn go(root: &Path, d: &Path, v: &mut Vec<(String, Vec<u8>)>) {
        for e in std::fs::read_dir(d).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                go(root, &e.path(), v);
            } else {
                let rel = e.path().strip_prefix(root).unwrap().display().to_string();
                v.push((rel, std::fs::read(e.path()).unwrap()));
            }
        }
    }
    go(d, d, &mut v);
    v.sort();
    v
}

#[cfg(unix)]
fn chmod(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Before: the files before the read-only one were already rewritten, and the message
/// did not say so. After: nothing changes, the message names the file and says so.
#[test]
fn read_only_file_in_the_middle_changes_nothing() {
    let d = dir("ro-file");
    for n in ["a", "b", "c"] {
        std::fs::write(d.join(format!("{n}.yaml")), hr(n)).unwrap();
    }
    chmod(&d.join("b.yaml"), 0o444);
    let before = files(&d);
    let (code, err) = fluxport(&[], &["convert", "--in-place", d.to_str().unwrap()]);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("b.yaml: the file is read-only; nothing was changed"),
        "{err}"
    );
    assert_eq!(files(&d), before, "a.yaml must not have been converted");
    chmod(&d.join("b.yaml"), 0o644);
    let _ = std::fs::remove_dir_all(&d);
}

/// `-o` into a tree where one target is read-only: nothing is written at all.
#[test]
fn out_dir_is_all_or_nothing() {
    let d = dir("out");
    let (src, out) = (d.join("src"), d.join("out"));
    std::fs::create_dir_all(&src).unwrap();
    std::fs::create_dir_all(&out).unwrap();
    for n in ["a", "b"] {
        std::fs::write(src.join(format!("{n}.yaml")), hr(n)).unwrap();
    }
    std::fs::write(out.join("b.yaml"), "old\n").unwrap();
    chmod(&out.join("b.yaml"), 0o444);
    let (code, err) = fluxport(
        &[],
        &[
            "convert",
            src.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("nothing was changed"), "{err}");
    assert_eq!(files(&out), vec![("b.yaml".into(), b"old\n".to_vec())]);
    chmod(&out.join("b.yaml"), 0o644);
    let (code, err) = fluxport(
        &[],
        &[
            "convert",
            src.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    let names: Vec<String> = files(&out).into_iter().map(|f| f.0).collect();
    assert_eq!(names, ["a.yaml", "b.yaml", "fluxport-sources.yaml"]);
    let _ = std::fs::remove_dir_all(&d);
}

/// Before: every HelmRelease was rewritten to point at `fluxport-sources.yaml`, which could
/// not be created; a rerun exited 0. After: exit 3, nothing rewritten, the message says so.
/// Root ignores directory permissions, so as root the run drops to `nobody` (setpriv).
#[test]
fn read_only_directory_for_the_sources_file_changes_nothing() {
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    let pre: &[&str] = if is_root {
        &[
            "setpriv",
            "--reuid=nobody",
            "--regid=nogroup",
            "--clear-groups",
        ]
    } else {
        &[]
    };
    if is_root && Command::new("setpriv").arg("--version").output().is_err() {
        panic!("running as root without setpriv: cannot make a directory read-only for the test");
    }
    // Under /dev/shm or /tmp, where `nobody` can reach the directory.
    let d = dir("ro-dir");
    chmod(&d, 0o777);
    let root = d.join("repo");
    std::fs::create_dir_all(root.join("apps")).unwrap();
    std::fs::write(root.join("apps/hr.yaml"), hr("a")).unwrap();
    if is_root {
        Command::new("chown")
            .args(["-R", "nobody"])
            .arg(&root)
            .status()
            .unwrap();
    }
    chmod(&root, 0o555); // fluxport-sources.yaml (and the journal) go here
    let before = files(&root);
    let (code, err) = fluxport(pre, &["convert", "--in-place", root.to_str().unwrap()]);
    chmod(&root, 0o755);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("Permission denied"), "{err}");
    assert!(err.contains("nothing was changed"), "{err}");
    assert_eq!(files(&root), before);
    let _ = std::fs::remove_dir_all(&d);
}

/// Before: a leftover temp file was read as one more input (and converted). After: it is
/// never input; the run removes it and says so.
#[test]
fn stale_temp_files_are_not_input() {
    let d = dir("stale");
    std::fs::write(d.join("a.yaml"), hr("a")).unwrap();
    std::fs::write(d.join(".fluxport-tmp-999999-0"), hr("ghost")).unwrap();
    let (code, err) = fluxport(&[], &["convert", "--in-place", d.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("removed 1 temporary file(s)"), "{err}");
    let names: Vec<String> = files(&d).into_iter().map(|f| f.0).collect();
    assert_eq!(names, ["a.yaml", "fluxport-sources.yaml"]);
    let out = Command::new(env!("CARGO_BIN_EXE_fluxport"))
        .args(["convert", "--check", d.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "converged");
    let _ = std::fs::remove_dir_all(&d);
}

/// Two runs on one tree: the second would roll back the first one's journal while it
/// runs. After: the directory is locked (flock) and the second run stops, changing nothing.
#[test]
fn a_second_concurrent_run_is_refused() {
    let d = dir("lock");
    std::fs::write(d.join("a.yaml"), hr("a")).unwrap();
    let before = files(&d);
    let held = std::fs::File::open(&d).unwrap();
    // SAFETY: flock on an fd the test owns.
    let rc = unsafe {
        libc::flock(
            std::os::fd::AsRawFd::as_raw_fd(&held),
            libc::LOCK_EX | libc::LOCK_NB,
        )
    };
    assert_eq!(rc, 0);
    let (code, err) = fluxport(&[], &["convert", "--in-place", d.to_str().unwrap()]);
    drop(held);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("another fluxport is writing to"), "{err}");
    assert_eq!(files(&d), before);
    let _ = std::fs::remove_dir_all(&d);
}

/// After a kill in the middle of the renames: a report-only run warns that the tree is
/// mid-way (it does not touch it), and the next --in-place run says what it restored.
/// (Needs strace, like tests/crash.rs.)
#[test]
fn interrupted_run_is_reported_then_recovered() {
    let d = dir("interrupted");
    for n in ["a", "b", "c"] {
        std::fs::write(d.join(format!("{n}.yaml")), hr(n)).unwrap();
    }
    let before = files(&d);
    // Renames: the journal (prepare), the journal (commit), then a.yaml; killed at b.yaml.
    let (code, _) = fluxport(
        &[
            "strace",
            "-f",
            "-qq",
            "-o",
            "/dev/null",
            "-e",
            "trace=rename",
            "-e",
            "inject=rename:signal=KILL:when=4",
        ],
        &["convert", "--in-place", d.to_str().unwrap()],
    );
    assert_eq!(code, -1, "killed");
    let (_, err) = fluxport(&[], &["convert", d.to_str().unwrap()]);
    assert!(
        err.contains("holds the journal of an interrupted run"),
        "{err}"
    );
    let (code, err) = fluxport(&[], &["convert", "--in-place", d.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("recovered an interrupted run: restored 1 file(s) to their original bytes"),
        "{err}"
    );
    let after: Vec<String> = files(&d).into_iter().map(|f| f.0).collect();
    assert_eq!(
        after,
        ["a.yaml", "b.yaml", "c.yaml", "fluxport-sources.yaml"]
    );
    assert_ne!(files(&d), before);
    let _ = std::fs::remove_dir_all(&d);
}
