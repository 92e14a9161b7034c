//! Issue 12: the kustomize invariant, measured over whole repositories.
//!
//! For every directory with a kustomization file whose `kubectl kustomize
//! --load-restrictor LoadRestrictionsNone` build succeeds on the INPUT tree:
//!  a. the build succeeds on the OUTPUT tree (the conversion of the whole repository);
//!  b. the built output holds no Flux v1 object;
//!  c. commutation: converting the built v1 stream gives the same HelmReleases as
//!     building the converted tree (release name, storage and target namespace, chart,
//!     version, source URL and git ref, values, valuesFrom).
//!
//! Today's numbers are a ratchet in `tests/kustomize-invariant.baseline`: the test fails
//! when any repository gets worse, and also when something improves without the
//! baseline being updated (`FLUXPORT_BLESS=1` rewrites it). See
//! docs/kustomize-invariant.md.

mod common;

use common::{docs, read_dir_inputs, repo_root, shared};
use fluxport_core::{convert, Conversion, FileStatus, InputFile, Options};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

const KUSTOMIZATION_FILES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];
const V1_GROUPS: [&str; 3] = [
    "helm.fluxcd.io",
    "flux.weave.works",
    "helm.integrations.flux.weave.works",
];
const BUILD_TIMEOUT: Duration = Duration::from_secs(60);
/// An address nothing listens on: remote bases fail fast and the same everywhere,
/// online or not.
const DEAD_PROXY: &str = "http://127.0.0.1:9";
const BASELINE: &str = "tests/kustomize-invariant.baseline";

// ---------------------------------------------------------------------------------
// kubectl

struct Kubectl {
    path: PathBuf,
    kustomize_version: String,
}

/// `FLUXPORT_KUBECTL` (only that, when set), else `target/kubectl-venv/bin/kubectl`
/// (installed by scripts/setup), else `kubectl` on PATH; it must embed kustomize v5.
fn find_kubectl() -> Kubectl {
    let mut candidates = Vec::new();
    if let Some(p) = std::env::var_os("FLUXPORT_KUBECTL").filter(|p| !p.is_empty()) {
        candidates.push(PathBuf::from(p));
    } else {
        candidates.push(repo_root().join("target/kubectl-venv/bin/kubectl"));
        if let Some(path) = std::env::var_os("PATH") {
            candidates.extend(std::env::split_paths(&path).map(|d| d.join("kubectl")));
        }
    }
    let mut tried = Vec::new();
    for c in candidates {
        if !c.is_file() {
            continue;
        }
        match Command::new(&c)
            .args(["version", "--client"])
            .stdin(Stdio::null())
            .output()
        {
            Ok(o) => {
                let text = String::from_utf8_lossy(&o.stdout);
                match text
                    .lines()
                    .find_map(|l| l.trim().strip_prefix("Kustomize Version:"))
                {
                    Some(v) if v.trim().starts_with("v5") => {
                        return Kubectl {
                            path: c,
                            kustomize_version: v.trim().to_string(),
                        }
                    }
                    Some(v) => tried.push(format!("{}: kustomize {}", c.display(), v.trim())),
                    None => tried.push(format!("{}: no kustomize version", c.display())),
                }
            }
            Err(e) => tried.push(format!("{}: {e}", c.display())),
        }
    }
    panic!(
        "no kubectl with kustomize v5 found (tried: {}). Run scripts/setup (it installs \
         kubectl into target/kubectl-venv) or set FLUXPORT_KUBECTL.",
        if tried.is_empty() {
            "no file at $FLUXPORT_KUBECTL, target/kubectl-venv/bin/kubectl or on PATH".to_string()
        } else {
            tried.join("; ")
        }
    );
}

struct Build {
    ok: bool,
    stdout: String,
    /// First line of the error (empty when ok).
    error: String,
}

fn kustomize(kubectl: &Kubectl, dir: &Path) -> Build {
    let mut cmd = Command::new(&kubectl.path);
    cmd.args(["kustomize", "--load-restrictor", "LoadRestrictionsNone"])
        .arg(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("GIT_TERMINAL_PROMPT", "0")
        .env_remove("NO_PROXY")
        .env_remove("no_proxy");
    for v in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ] {
        cmd.env(v, DEAD_PROXY);
    }
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => panic!("cannot run {}: {e}", kubectl.path.display()),
    };
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let t_out = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = out.read_to_end(&mut b);
        b
    });
    let t_err = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = err.read_to_end(&mut b);
        b
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) if start.elapsed() > BUILD_TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(_) => break None,
        }
    };
    let stdout = String::from_utf8_lossy(&t_out.join().unwrap()).into_owned();
    let stderr = String::from_utf8_lossy(&t_err.join().unwrap()).into_owned();
    let ok = status.is_some_and(|s| s.success());
    let error = if ok {
        String::new()
    } else {
        match error_line(&stderr) {
            Some(l) => l,
            None => match status {
                None => format!("timed out after {}s", BUILD_TIMEOUT.as_secs()),
                Some(s) => format!("failed with {s} and no message"),
            },
        }
    };
    Build { ok, stdout, error }
}

/// The error of a failed build, from kubectl's stderr: deprecation warnings are
/// skipped, a klog header (`E1202 01:37:45.558861 32143 run.go:72] "command failed"
/// err="..."`, kubectl 1.3x) or an `error: ` prefix (older kubectl) is taken off.
fn error_line(stderr: &str) -> Option<String> {
    let klog =
        regex::Regex::new(r"^([IWEF])\d{4} \d\d:\d\d:\d\d\.\d+\s+\d+ [^\]]*\] (.*)$").unwrap();
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let is_error = |l: &&str| {
        klog.captures(l)
            .is_some_and(|c| &c[1] == "E" || &c[1] == "F")
            || l.starts_with("error:")
            || l.starts_with("Error:")
    };
    let is_warning = |l: &&str| {
        l.starts_with("# Warning")
            || l.starts_with("Warning:")
            || klog
                .captures(l)
                .is_some_and(|c| &c[1] == "W" || &c[1] == "I")
    };
    let line = lines
        .iter()
        .find(|l| is_error(l))
        .or_else(|| lines.iter().find(|l| !is_warning(l)))
        .or(lines.first())?;
    let mut msg = match klog.captures(line) {
        Some(c) => c[2].to_string(),
        None => line.to_string(),
    };
    if let Some(rest) = msg.strip_prefix("\"command failed\" err=\"") {
        msg = rest
            .strip_suffix('"')
            .unwrap_or(rest)
            .replace("\\\"", "\"")
            .replace("\\\\", "\\");
    }
    for p in ["error: ", "Error: "] {
        if let Some(rest) = msg.strip_prefix(p) {
            msg = rest.to_string();
        }
    }
    Some(msg)
}

// ---------------------------------------------------------------------------------
// repositories

struct Repo {
    name: String,
    src: PathBuf,
    out: PathBuf,
    /// Where the input-side wrappers of `.flux.yaml` patch files go.
    wrap: PathBuf,
    /// Directories whose `.flux.yaml` the conversion used (a FLUX_YAML finding): a
    /// fluxd of the input read it there.
    flux_yaml_dirs: BTreeSet<String>,
    kust_dirs: Vec<String>,
    /// Objects of the conversion's New files (generated sources).
    new_objs: Vec<Value>,
    /// Objects of the other YAML files of the converted tree (sources the converter
    /// chose to reuse).
    tree_objs: Vec<Value>,
}

fn has_kustomization(dir: &Path) -> bool {
    std::fs::read_dir(dir).unwrap().any(|e| {
        let p = e.unwrap().path();
        if p.is_dir() {
            has_kustomization(&p)
        } else {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| KUSTOMIZATION_FILES.contains(&n))
        }
    })
}

fn sorted_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    v
}

/// Every repository of ../shared/corpus/repos, then every golden case input with a
/// kustomization file, as (name, source dir).
fn repo_sources() -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    for p in sorted_dirs(&shared().join("corpus/repos")) {
        out.push((p.file_name().unwrap().to_string_lossy().into_owned(), p));
    }
    assert!(
        out.len() >= 4,
        "../shared/corpus/repos not found at {}",
        shared().display()
    );
    for case in sorted_dirs(&repo_root().join("tests/golden")) {
        let input = case.join("in");
        if input.is_dir() && has_kustomization(&input) {
            out.push((
                format!("golden/{}", case.file_name().unwrap().to_string_lossy()),
                input,
            ));
        }
    }
    out
}

/// Writes the converted tree: every output file but the Deleted ones.
fn write_tree(conv: &Conversion, dest: &Path) {
    if dest.exists() {
        std::fs::remove_dir_all(dest).unwrap();
    }
    std::fs::create_dir_all(dest).unwrap();
    for f in &conv.files {
        if f.status == FileStatus::Deleted {
            continue;
        }
        let rel = Path::new(&f.path);
        assert!(
            rel.components().all(|c| matches!(c, Component::Normal(_))),
            "output path escapes the tree: {}",
            f.path
        );
        let p = dest.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, &f.bytes).unwrap();
    }
}

fn prepare(name: &str, src: &Path, tmp: &Path) -> Repo {
    let inputs = read_dir_inputs(src);
    let conv = convert(&inputs, &Options::default());
    let out = tmp.join(name.replace('/', "__"));
    write_tree(&conv, &out);
    let wrap = tmp.join(format!("{}__wrap", name.replace('/', "__")));
    let flux_yaml_dirs = conv
        .report
        .findings
        .iter()
        .filter(|f| f.code == fluxport_core::Code::FLUX_YAML)
        .filter_map(|f| f.file.strip_suffix(".flux.yaml"))
        .map(|d| match d.trim_end_matches('/') {
            "" => ".".to_string(),
            d => d.to_string(),
        })
        .collect();
    let kust_dirs: BTreeSet<String> = inputs
        .iter()
        .filter(|f| {
            let file = f.path.rsplit('/').next().unwrap();
            KUSTOMIZATION_FILES.contains(&file)
        })
        .map(|f| match f.path.rsplit_once('/') {
            Some((d, _)) => d.to_string(),
            None => ".".to_string(),
        })
        .collect();
    let objs = |keep: fn(FileStatus) -> bool| -> Vec<Value> {
        conv.files
            .iter()
            .filter(|f| keep(f.status) && (f.path.ends_with(".yaml") || f.path.ends_with(".yml")))
            .flat_map(|f| docs(f.text()))
            .collect()
    };
    let new_objs = objs(|s| s == FileStatus::New);
    let tree_objs = objs(|s| {
        matches!(
            s,
            FileStatus::Converted | FileStatus::Unchanged | FileStatus::Failed
        )
    });
    Repo {
        name: name.to_string(),
        src: src.to_path_buf(),
        out,
        wrap,
        flux_yaml_dirs,
        kust_dirs: kust_dirs.into_iter().collect(),
        new_objs,
        tree_objs,
    }
}

// ---------------------------------------------------------------------------------
// checks

fn group(obj: &Value) -> &str {
    let api = obj["apiVersion"].as_str().unwrap_or_default();
    api.rsplit_once('/').map_or("", |(g, _)| g)
}

fn ns_of(obj: &Value) -> &str {
    obj["metadata"]["namespace"]
        .as_str()
        .filter(|s| !s.is_empty())
        .unwrap_or("default")
}

fn obj_key(obj: &Value) -> String {
    format!(
        "{}/{}/{}",
        obj["kind"].as_str().unwrap_or("?"),
        ns_of(obj),
        obj["metadata"]["name"].as_str().unwrap_or("?")
    )
}

/// HelmReleases (any apiVersion) by kind/namespace/name of the object itself, so a
/// namespace set or changed by the converter is accounted for. First one wins.
fn helm_releases(objs: &[Value]) -> BTreeMap<String, &Value> {
    let mut m = BTreeMap::new();
    for o in objs.iter().filter(|o| o["kind"] == "HelmRelease") {
        m.entry(obj_key(o)).or_insert(o);
    }
    m
}

/// The effective (v2 runtime) values of the compared fields of one HelmRelease, with
/// its chart source resolved through `side` (the objects of that side, searched layer
/// by layer).
fn hr_fields(hr: &Value, side: &[&[Value]]) -> BTreeMap<&'static str, Value> {
    let mut f = BTreeMap::new();
    let ns = ns_of(hr);
    let name = hr["metadata"]["name"].as_str().unwrap_or_default();
    let spec = &hr["spec"];
    let s = |v: &Value| v.as_str().filter(|s| !s.is_empty()).map(str::to_string);
    f.insert("apiVersion", hr["apiVersion"].clone());
    let target = s(&spec["targetNamespace"]);
    let release = s(&spec["releaseName"]).unwrap_or_else(|| match &target {
        Some(t) => format!("{t}-{name}"),
        None => name.to_string(),
    });
    f.insert("releaseName", Value::from(release));
    f.insert(
        "storageNamespace",
        Value::from(s(&spec["storageNamespace"]).unwrap_or_else(|| ns.to_string())),
    );
    f.insert(
        "targetNamespace",
        Value::from(target.unwrap_or_else(|| ns.to_string())),
    );
    let chart = &spec["chart"]["spec"];
    f.insert("chart", chart["chart"].clone());
    f.insert(
        "version",
        if chart["version"].is_null() {
            Value::from("*")
        } else {
            chart["version"].clone()
        },
    );
    let sref = if chart["sourceRef"].is_object() {
        &chart["sourceRef"]
    } else {
        &spec["chartRef"]
    };
    let (url, git_ref) = if sref.is_object() {
        let kind = sref["kind"].as_str().unwrap_or_default();
        let sname = sref["name"].as_str().unwrap_or_default();
        let sns = sref["namespace"]
            .as_str()
            .filter(|s| !s.is_empty())
            .unwrap_or(ns);
        match side
            .iter()
            .flat_map(|layer| layer.iter())
            .find(|o| o["kind"] == kind && o["metadata"]["name"] == sname && ns_of(o) == sns)
        {
            // source-controller normalises a HelmRepository URL to end with `/`.
            Some(src) => (
                match src["spec"]["url"].as_str() {
                    Some(u) if kind == "HelmRepository" => {
                        Value::from(format!("{}/", u.trim_end_matches('/')))
                    }
                    _ => src["spec"]["url"].clone(),
                },
                src["spec"]["ref"].clone(),
            ),
            None => (
                Value::from(format!("<unresolved {kind} {sns}/{sname}>")),
                Value::Null,
            ),
        }
    } else {
        (Value::from("<no sourceRef>"), Value::Null)
    };
    f.insert("sourceUrl", url);
    f.insert("gitRef", git_ref);
    f.insert(
        "values",
        if spec["values"].is_null() {
            Value::Object(Default::default())
        } else {
            spec["values"].clone()
        },
    );
    f.insert(
        "valuesFrom",
        if spec["valuesFrom"].is_null() {
            Value::Array(vec![])
        } else {
            spec["valuesFrom"].clone()
        },
    );
    f
}

fn short(v: &Value) -> String {
    let s = serde_json::to_string(v).unwrap();
    if s.chars().count() > 120 {
        format!("{}…", s.chars().take(120).collect::<String>())
    } else {
        s
    }
}

/// Path and both values of the first difference between two JSON values.
fn first_diff(a: &Value, b: &Value, path: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|k| {
                first_diff(
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                    &format!("{path}.{k}"),
                )
            })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (p, q))| first_diff(p, q, &format!("{path}[{i}]"))),
        _ if a == b => None,
        _ => Some(format!(
            "{}output build={} converted build={}",
            if path.is_empty() {
                String::new()
            } else {
                format!("at {path}: ")
            },
            short(a),
            short(b)
        )),
    }
}

struct Mismatch {
    hr: String,
    field: String,
    detail: String,
}

/// Compares the HelmReleases of the built output with those of the converted built
/// input. HelmReleases come from the first layer of each side (the built stream);
/// sources are resolved through all layers: the built stream, the New files of that
/// side's conversion, then the rest of the converted repository (sources it already
/// had and the converter reuses; the same layer on both sides).
fn compare(out_side: &[&[Value]], conv_side: &[&[Value]]) -> (usize, Vec<Mismatch>) {
    let a = helm_releases(out_side[0]);
    let b = helm_releases(conv_side[0]);
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    let mut mismatches = Vec::new();
    for key in &keys {
        match (a.get(*key), b.get(*key)) {
            (Some(x), Some(y)) => {
                let fx = hr_fields(x, out_side);
                let fy = hr_fields(y, conv_side);
                if fx["apiVersion"] != fy["apiVersion"] {
                    mismatches.push(Mismatch {
                        hr: key.to_string(),
                        field: "apiVersion".into(),
                        detail: first_diff(&fx["apiVersion"], &fy["apiVersion"], "").unwrap(),
                    });
                    continue;
                }
                for (field, vx) in &fx {
                    if let Some(d) = first_diff(vx, &fy[field], "") {
                        mismatches.push(Mismatch {
                            hr: key.to_string(),
                            field: field.to_string(),
                            detail: d,
                        });
                    }
                }
            }
            (x, _) => mismatches.push(Mismatch {
                hr: key.to_string(),
                field: "presence".into(),
                detail: if x.is_some() {
                    "only in the output build".into()
                } else {
                    "only in the converted build".into()
                },
            }),
        }
    }
    (keys.len(), mismatches)
}

#[derive(Default)]
struct DirResult {
    dir: String,
    built_in: bool,
    input_error: String,
    regression: Option<String>,
    leftovers: Vec<String>,
    compared: usize,
    mismatches: Vec<Mismatch>,
    builds: usize,
}

/// The `patchFile` of a `.flux.yaml` in `dir` whose `patchUpdated` generator is one
/// `kustomize build .` (after commands that only write files, as fluxport reads it),
/// when that file exists. fluxd applied it on top of the generator's output (flux
/// `pkg/manifests` `patchUpdated`: the patch file is merged into the generated
/// manifests), so the input side of the invariant must too: a wrapper kustomization
/// loads the directory and applies the file as a strategic-merge patch (for a custom
/// resource, lists replace, as in fluxd's JSON merge of unknown kinds).
fn flux_patch_file(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join(".flux.yaml")).ok()?;
    let doc = docs(&text).into_iter().next()?;
    let pu = doc.get("patchUpdated")?;
    let gens = pu.get("generators")?.as_array()?;
    let [g] = gens.as_slice() else { return None };
    let cmd = g.get("command")?.as_str()?;
    let last = cmd.rsplit("&&").next()?.trim();
    let words: Vec<&str> = last.split_whitespace().collect();
    if words.first() != Some(&"kustomize")
        || words.get(1) != Some(&"build")
        || words.last() != Some(&".")
    {
        return None;
    }
    let patch = pu.get("patchFile")?.as_str()?.to_string();
    dir.join(&patch).is_file().then_some(patch)
}

/// `to` relative to `from` (both absolute): kustomize refuses absolute roots.
fn relative(from: &Path, to: &Path) -> PathBuf {
    let (from, to) = (from.canonicalize().unwrap(), to.canonicalize().unwrap());
    let a: Vec<Component> = from.components().collect();
    let b: Vec<Component> = to.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut out = PathBuf::new();
    for _ in common..a.len() {
        out.push("..");
    }
    for c in &b[common..] {
        out.push(c);
    }
    out
}

fn check_dir(kubectl: &Kubectl, repo: &Repo, dir: &str) -> DirResult {
    let mut r = DirResult {
        dir: dir.to_string(),
        ..Default::default()
    };
    // What fluxd applied: the generator's build, with a `.flux.yaml` patch file on top.
    let used = repo.flux_yaml_dirs.contains(dir);
    let input = match flux_patch_file(&repo.src.join(dir)).filter(|_| used) {
        Some(patch) => {
            let w = repo.wrap.join(dir);
            std::fs::create_dir_all(&w).unwrap();
            let target = relative(&w, &repo.src.join(dir));
            std::fs::write(
                w.join("kustomization.yaml"),
                format!(
                    "resources:\n- {}\npatchesStrategicMerge:\n- {}\n",
                    target.display(),
                    target.join(patch).display()
                ),
            )
            .unwrap();
            kustomize(kubectl, &w)
        }
        None => kustomize(kubectl, &repo.src.join(dir)),
    };
    r.builds = 1;
    let rel = |e: String| {
        e.replace(&format!("{}/", repo.out.display()), "")
            .replace(&format!("{}/", repo.src.display()), "")
    };
    if !input.ok {
        r.input_error = rel(input.error);
        return r;
    }
    r.built_in = true;
    let output = kustomize(kubectl, &repo.out.join(dir));
    r.builds = 2;
    if !output.ok {
        r.regression = Some(rel(output.error));
        return r;
    }
    let out_objs = docs(&output.stdout);
    r.leftovers = out_objs
        .iter()
        .filter(|o| V1_GROUPS.contains(&group(o)))
        .map(obj_key)
        .collect();
    let conv = convert(
        &[InputFile::new("build.yaml", input.stdout.into_bytes())],
        &Options::default(),
    );
    let file_objs = |new: bool| -> Vec<Value> {
        conv.files
            .iter()
            .filter(|f| (f.status == FileStatus::New) == new && f.status != FileStatus::Deleted)
            .flat_map(|f| docs(f.text()))
            .collect()
    };
    let (conv_built, conv_new) = (file_objs(false), file_objs(true));
    let (compared, mismatches) = compare(
        &[&out_objs, &repo.new_objs, &repo.tree_objs],
        &[&conv_built, &conv_new, &repo.tree_objs],
    );
    r.compared = compared;
    r.mismatches = mismatches;
    r
}

// ---------------------------------------------------------------------------------
// baseline

#[derive(Default, PartialEq, Debug)]
struct Summary {
    kust_dirs: usize,
    built: usize,
    regressions: usize,
    leftovers: usize,
    compared: usize,
    mismatches: usize,
}

#[derive(Default, PartialEq, Debug)]
struct Baseline {
    repos: BTreeMap<String, Summary>,
    /// repo \t check \t dir [\t HR \t field]
    fails: BTreeSet<String>,
}

const HEADER: &str = "\
# Kustomize invariant baseline (issue 12), written by
#   FLUXPORT_BLESS=1 cargo test -p fluxport-core --test kustomize_invariant
# repo lines: repo, kustomization_dirs, dirs_built (on input), regressions (a),
#   leftovers (b: dirs), compared (HelmReleases), mismatches (c: HelmReleases)
# fail lines: repo, check (a = output build fails, b = Flux v1 object left in the
#   output build, c = HelmRelease field differs), dir, and for c: HelmRelease, field
# Lines starting with # are ignored.
";

fn render(b: &Baseline, kustomize_version: &str) -> String {
    let mut s = String::from(HEADER);
    s.push_str(&format!("# measured with kustomize {kustomize_version}\n"));
    for (name, x) in &b.repos {
        s.push_str(&format!(
            "repo\t{name}\t{}\t{}\t{}\t{}\t{}\t{}\n",
            x.kust_dirs, x.built, x.regressions, x.leftovers, x.compared, x.mismatches
        ));
    }
    for f in &b.fails {
        s.push_str(&format!("fail\t{f}\n"));
    }
    s
}

fn parse_baseline(text: &str) -> Baseline {
    let mut b = Baseline::default();
    for line in text.lines() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        match cols[0] {
            "repo" if cols.len() == 8 => {
                let n = |i: usize| -> usize {
                    cols[i]
                        .parse()
                        .unwrap_or_else(|_| panic!("baseline: bad number in {line:?}"))
                };
                b.repos.insert(
                    cols[1].to_string(),
                    Summary {
                        kust_dirs: n(2),
                        built: n(3),
                        regressions: n(4),
                        leftovers: n(5),
                        compared: n(6),
                        mismatches: n(7),
                    },
                );
            }
            "fail" if cols.len() >= 4 => {
                b.fails.insert(cols[1..].join("\t"));
            }
            _ => panic!("baseline: unreadable line {line:?}"),
        }
    }
    b
}

/// Ways the current measurement is worse than the baseline.
fn worse_than(now: &Baseline, base: &Baseline) -> Vec<String> {
    let mut w = Vec::new();
    for (name, b) in &base.repos {
        match now.repos.get(name) {
            None => w.push(format!("{name}: repository no longer measured")),
            Some(n) => {
                if n.built < b.built {
                    w.push(format!(
                        "{name}: {} dirs built on input, baseline {}",
                        n.built, b.built
                    ));
                }
                if n.compared < b.compared {
                    w.push(format!(
                        "{name}: {} HelmReleases compared, baseline {}",
                        n.compared, b.compared
                    ));
                }
            }
        }
    }
    for f in now.fails.difference(&base.fails) {
        w.push(format!("new failure: {}", f.replace('\t', " ")));
    }
    w
}

// ---------------------------------------------------------------------------------
// the test

fn run_parallel(kubectl: &Kubectl, repos: &[Repo]) -> Vec<Vec<DirResult>> {
    let jobs: Vec<(usize, &str)> = repos
        .iter()
        .enumerate()
        .flat_map(|(i, r)| r.kust_dirs.iter().map(move |d| (i, d.as_str())))
        .collect();
    let threads: usize = std::env::var("FLUXPORT_KUSTOMIZE_JOBS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(4)
        .max(1);
    let next = Mutex::new(0usize);
    let results: Mutex<Vec<(usize, DirResult)>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = {
                    let mut n = next.lock().unwrap();
                    let i = *n;
                    *n += 1;
                    i
                };
                let Some(&(repo, dir)) = jobs.get(i) else {
                    break;
                };
                let r = check_dir(kubectl, &repos[repo], dir);
                results.lock().unwrap().push((repo, r));
            });
        }
    });
    let mut per_repo: Vec<Vec<DirResult>> = repos.iter().map(|_| Vec::new()).collect();
    for (i, r) in results.into_inner().unwrap() {
        per_repo[i].push(r);
    }
    for v in &mut per_repo {
        v.sort_by(|a, b| a.dir.cmp(&b.dir));
    }
    per_repo
}

fn clip(s: &str) -> String {
    if s.chars().count() > 240 {
        format!("{}…", s.chars().take(240).collect::<String>())
    } else {
        s.to_string()
    }
}

#[test]
fn kustomize_invariant() {
    let t0 = Instant::now();
    let kubectl = find_kubectl();
    println!(
        "kubectl: {} (kustomize {})",
        kubectl.path.display(),
        kubectl.kustomize_version
    );
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR")).join("kustomize-invariant");
    let repos: Vec<Repo> = repo_sources()
        .iter()
        .map(|(name, src)| prepare(name, src, &tmp))
        .collect();
    let t_convert = t0.elapsed();
    let t1 = Instant::now();
    let results = run_parallel(&kubectl, &repos);
    let t_build = t1.elapsed();

    let mut now = Baseline::default();
    let mut report = String::new();
    let mut builds = 0;
    for (repo, dirs) in repos.iter().zip(&results) {
        let mut sum = Summary {
            kust_dirs: repo.kust_dirs.len(),
            ..Default::default()
        };
        let mut lines = Vec::new();
        for d in dirs {
            builds += d.builds;
            if !d.built_in {
                lines.push(format!(
                    "    -  {}: input build fails (not counted): {}",
                    d.dir,
                    clip(&d.input_error)
                ));
                continue;
            }
            sum.built += 1;
            if let Some(e) = &d.regression {
                sum.regressions += 1;
                now.fails.insert(format!("{}\ta\t{}", repo.name, d.dir));
                lines.push(format!("    a  {}: {}", d.dir, clip(e)));
            }
            if !d.leftovers.is_empty() {
                sum.leftovers += 1;
                now.fails.insert(format!("{}\tb\t{}", repo.name, d.dir));
                lines.push(format!(
                    "    b  {}: {} Flux v1 object(s): {}",
                    d.dir,
                    d.leftovers.len(),
                    clip(&d.leftovers.join(", "))
                ));
            }
            sum.compared += d.compared;
            let bad: BTreeSet<&str> = d.mismatches.iter().map(|m| m.hr.as_str()).collect();
            sum.mismatches += bad.len();
            for m in &d.mismatches {
                now.fails.insert(format!(
                    "{}\tc\t{}\t{}\t{}",
                    repo.name, d.dir, m.hr, m.field
                ));
                lines.push(format!(
                    "    c  {} {} {}: {}",
                    d.dir,
                    m.hr,
                    m.field,
                    clip(&m.detail)
                ));
            }
        }
        report.push_str(&format!("  {}\n", repo.name));
        for l in lines {
            report.push_str(&l);
            report.push('\n');
        }
        now.repos.insert(repo.name.clone(), sum);
    }

    // Table.
    let w = now.repos.keys().map(|k| k.len()).max().unwrap_or(4).max(5);
    println!(
        "\n{:w$}  {:>5} {:>5} {:>5} {:>5} {:>8} {:>10}",
        "repo", "kust", "built", "(a)", "(b)", "compared", "mismatches"
    );
    let mut total = Summary::default();
    for (name, s) in &now.repos {
        println!(
            "{name:w$}  {:>5} {:>5} {:>5} {:>5} {:>8} {:>10}",
            s.kust_dirs, s.built, s.regressions, s.leftovers, s.compared, s.mismatches
        );
        total.kust_dirs += s.kust_dirs;
        total.built += s.built;
        total.regressions += s.regressions;
        total.leftovers += s.leftovers;
        total.compared += s.compared;
        total.mismatches += s.mismatches;
    }
    println!(
        "{:w$}  {:>5} {:>5} {:>5} {:>5} {:>8} {:>10}",
        "TOTAL",
        total.kust_dirs,
        total.built,
        total.regressions,
        total.leftovers,
        total.compared,
        total.mismatches
    );
    println!("\nfailing directories:\n{report}");
    println!(
        "timings: conversions {:.2}s, {builds} kubectl builds {:.2}s, total {:.2}s",
        t_convert.as_secs_f64(),
        t_build.as_secs_f64(),
        t0.elapsed().as_secs_f64()
    );

    // Ratchet.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(BASELINE);
    let content = render(&now, &kubectl.kustomize_version);
    if std::env::var("FLUXPORT_BLESS").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &content).unwrap();
        println!("baseline written: {}", path.display());
        return;
    }
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}\nnew baseline content:\n{content}\n(FLUXPORT_BLESS=1 writes it)",
            path.display()
        )
    });
    let base = parse_baseline(&text);
    let worse = worse_than(&now, &base);
    if !worse.is_empty() {
        panic!(
            "worse than the baseline {}:\n  {}\n\nnew baseline content (only bless a \
             deliberate change, FLUXPORT_BLESS=1):\n{content}",
            path.display(),
            worse.join("\n  ")
        );
    }
    if now != base {
        let gone: Vec<String> = base
            .fails
            .difference(&now.fails)
            .map(|f| f.replace('\t', " "))
            .collect();
        panic!(
            "better than the baseline {} (update it: FLUXPORT_BLESS=1, or write the \
             content below):\n  fixed: {}\n\nnew baseline content:\n{content}",
            path.display(),
            if gone.is_empty() {
                "(counts changed)".to_string()
            } else {
                gone.join("\n  fixed: ")
            }
        );
    }
}
