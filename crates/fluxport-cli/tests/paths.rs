//! Every input path is accounted for (issue 15, point 2): links, FIFOs, non-UTF-8 names,
//! `-o` inside or equal to the input, stdin with `-o`/`--in-place`, a closed stdout, no
//! argument on a terminal.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const HR: &str = "apiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata: {name: a, namespace: n}\nspec:\n  helmVersion: v3\n  chart: {repository: \"https://h.io/c\", name: c, version: 1.0.0}\n";
const BIN: &str = env!("CARGO_BIN_EXE_fluxport");

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("fluxport-paths-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run(args: &[&OsStr]) -> (i32, String, String) {
    let out = Command::new(BIN)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn os(s: &str) -> &OsStr {
    OsStr::new(s)
}

fn names(d: &Path) -> Vec<Vec<u8>> {
    let mut v = Vec::new();
    fn go(root: &Path, d: &Path, v: &mut Vec<Vec<u8>>) {
        for e in std::fs::read_dir(d).unwrap() {
            let e = e.unwrap();
            let rel = e
                .path()
                .strip_prefix(root)
                .unwrap()
                .as_os_str()
                .as_bytes()
                .to_vec();
            if e.file_type().unwrap().is_dir() {
                go(root, &e.path(), v);
            } else {
                v.push(rel);
            }
        }
    }
    go(d, d, &mut v);
    v.sort();
    v
}

/// Before: symlinks (in or out of the tree, loops) and FIFOs were skipped with no report
/// entry, and `-o` silently dropped them. After: PATH_NOT_READ for each, exit 2, never
/// followed (the outside file's content is nowhere in the output).
#[test]
fn links_and_fifos_are_reported_not_followed() {
    let d = dir("links");
    let src = d.join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("hr.yaml"), HR).unwrap();
    std::fs::write(
        d.join("outside.yaml"),
        HR.replace("name: a,", "name: secret,"),
    )
    .unwrap();
    std::os::unix::fs::symlink("hr.yaml", src.join("inside.yaml")).unwrap();
    std::os::unix::fs::symlink(d.join("outside.yaml"), src.join("outside.yaml")).unwrap();
    std::os::unix::fs::symlink("loop.yaml", src.join("loop.yaml")).unwrap();
    let fifo = src.join("pipe.yaml");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let out = d.join("out");
    let (code, stdout, err) = run(&[
        os("convert"),
        src.as_os_str(),
        os("-o"),
        out.as_os_str(),
        os("--format"),
        os("json"),
    ]);
    assert_eq!(code, 2, "{err}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let mut got: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "PATH_NOT_READ")
        .map(|f| {
            format!(
                "{} {}",
                f["file"].as_str().unwrap(),
                f["message"].as_str().unwrap()
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            "inside.yaml a symbolic link (not followed): not read, so it is not in the output",
            "loop.yaml a symbolic link (not followed): not read, so it is not in the output",
            "outside.yaml a symbolic link (not followed): not read, so it is not in the output",
            "pipe.yaml a FIFO: not read, so it is not in the output",
        ]
    );
    for f in std::fs::read_dir(&out).unwrap() {
        let text = std::fs::read_to_string(f.unwrap().path()).unwrap();
        assert!(!text.contains("secret"), "followed a link out of the tree");
    }
    // `fluxport verify` accounts for the same paths (before: skipped silently, exit 0).
    // (Exit 1: the v1 HelmRelease left in the tree is an error of its own.)
    let (code, stdout, err) = run(&[os("verify"), src.as_os_str(), os("--format"), os("json")]);
    assert_eq!(code, 1, "{err}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let mut got: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "PATH_NOT_READ")
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    got.sort();
    assert_eq!(
        got,
        ["inside.yaml", "loop.yaml", "outside.yaml", "pipe.yaml"]
    );
    assert_eq!(v["counts"]["by_code"]["PATH_NOT_READ"], 4, "{stdout}");
    let _ = std::fs::remove_dir_all(&d);
}

/// Before: `bad\xff.yaml` was written as `bad\xef\xbf\xbd.yaml` (renamed). After: the
/// output keeps the name's bytes, and the report shows it escaped.
#[test]
fn non_utf8_names_keep_their_bytes() {
    let d = dir("utf8");
    let src = d.join("src");
    let sub = src.join(OsStr::from_bytes(b"dir\xfe"));
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::write(sub.join(OsStr::from_bytes(b"bad\xff.yaml")), HR).unwrap();
    let out = d.join("out");
    let (code, stdout, err) = run(&[os("convert"), src.as_os_str(), os("-o"), out.as_os_str()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        names(&out),
        [
            b"dir\xfe/bad\xff.yaml".to_vec(),
            b"fluxport-sources.yaml".to_vec()
        ]
    );
    let (_, stdout2, _) = run(&[os("convert"), src.as_os_str(), os("--format"), os("json")]);
    let v: serde_json::Value = serde_json::from_str(&stdout2).unwrap();
    assert_eq!(v["files"][0]["path"], "dir\\xfe/bad\\xff.yaml", "{stdout}");
    let _ = std::fs::remove_dir_all(&d);
}

/// Before: `-o` inside the input converted the previous output again (`out/out/…`), and
/// `-o` equal to the input overwrote the originals. After: the first is not walked, the
/// second is refused with exit 3.
#[test]
fn out_inside_or_equal_to_the_input() {
    let d = dir("outin");
    std::fs::write(d.join("hr.yaml"), HR).unwrap();
    let out = d.join("out");
    for _ in 0..2 {
        let (code, _, err) = run(&[os("convert"), d.as_os_str(), os("-o"), out.as_os_str()]);
        assert_eq!(code, 0, "{err}");
    }
    assert_eq!(
        names(&out),
        [b"fluxport-sources.yaml".to_vec(), b"hr.yaml".to_vec()]
    );
    let (code, _, err) = run(&[os("convert"), d.as_os_str(), os("-o"), d.as_os_str()]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("use --in-place"), "{err}");
    assert_eq!(std::fs::read_to_string(d.join("hr.yaml")).unwrap(), HR);
    let _ = std::fs::remove_dir_all(&d);
}

/// Before: `convert - -o D` ignored `-o` and exited 0 without creating D. After: exit 3.
#[test]
fn stdin_with_out_or_in_place_is_a_usage_error() {
    let d = dir("stdin");
    let out = d.join("D");
    for args in [
        vec![os("convert"), os("-"), os("-o"), out.as_os_str()],
        vec![os("convert"), os("--in-place")],
    ] {
        let (code, _, err) = run(&args);
        assert_eq!(code, 3, "{args:?}: {err}");
        assert!(err.contains("need files or directories"), "{err}");
    }
    assert!(!out.exists());
    let _ = std::fs::remove_dir_all(&d);
}

/// Before: `fluxport convert - >&-` exited 0 and the output was lost. After: exit 3
/// (and `>/dev/null`, a deliberate discard, still works).
#[test]
fn closed_stdout_is_an_error() {
    let ok = Command::new("sh")
        .args(["-c", "printf 'a: 1\\n' | \"$0\" convert - >/dev/null", BIN])
        .output()
        .unwrap();
    assert_eq!(ok.status.code(), Some(0), "{ok:?}");
    let out = Command::new("sh")
        .args(["-c", "printf 'a: 1\\n' | \"$0\" convert - >&-", BIN])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("stdout is closed"));
}

/// Before: `fluxport convert` on a terminal waited for stdin with no hint. After: it
/// prints the usage and exits 3 at once (a 10 s timeout would say 124).
#[test]
fn no_argument_on_a_terminal_prints_help() {
    let out = Command::new("script")
        .args(["-qec", &format!("timeout 10 {BIN} convert"), "/dev/null"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{text}");
    assert!(
        text.contains("no input") && text.contains("Usage:"),
        "{text}"
    );
}
