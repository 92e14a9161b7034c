//! Manifest discovery (MAPPING.md §3.1, §3.2, §3.5): what fluxd applied from each git
//! path versus what kustomize-controller will apply, and the per-path fix-ups.
//!
//! * Helm chart directories (fluxd's `looksLikeChart`: `Chart.yaml` and `values.yaml`)
//!   under a sync path: fluxd skipped them, v2 would apply their templates → an ignore
//!   pattern in the daemon GitRepository's `spec.ignore` (CHART_DIR_IN_PATH).
//! * YAML files that are not Kubernetes objects: v2 fails on them → an ignore pattern
//!   (NON_MANIFEST_YAML; not for a one-file input such as a paste).
//! * Neither is needed below a directory with a kustomization: kustomize-controller
//!   does not scan it (`fluxcd/pkg:kustomize/kustomize_generator.go#generateKustomization`
//!   adds such a directory as one resource), and the kustomization may read those files.
//! * Whenever `spec.ignore` is written it repeats source-controller's default list,
//!   which setting `spec.ignore` drops ([`DEFAULT_IGNORE`]).
//! * `kustomization.yaml` files no `.flux.yaml` generator used: v2 applies only what they
//!   list (STRAY_KUSTOMIZATION).
//! * Fully SOPS-encrypted documents (SOPS_FULLY_ENCRYPTED). (Objects applied twice,
//!   DUPLICATE_ACROSS_PATHS and DUPLICATE_OBJECT, are `repo::identity`'s.)
//! * Generated files placed in a directory with a kustomization are added to its
//!   `resources:` list ([`link_new_files`]).
//!
//! Stage functions: [`not_applied_as_is`] (reads `files`, `flux_yaml`, `discovery`),
//! [`scan`] (reads `files`, `roots`, `daemons`, `discovery`; writes `discovery`,
//! `findings`) and [`link_new_files`] (see `link.rs`).

use crate::model::codes::Code;
use crate::model::context::Context;
use crate::model::discovery::{ignore_pattern, DEFAULT_IGNORE};
use crate::model::document::DocKind;
use crate::model::document::LoadedFile;
use crate::model::finding::Finding;
use crate::model::paths::normalize_dir;
use crate::model::paths::{base_of, dir_of, is_kustomization_file, KUSTOMIZATION_FILES};
use crate::model::sourceignore::{self, Matcher};
use crate::text::TextEdit;
use crate::yaml::{Node, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Outermost directories holding both `Chart.yaml` and `values.yaml` (fluxd's
/// `looksLikeChart`; it does not descend into them).
pub fn chart_dirs(files: &[LoadedFile]) -> Vec<String> {
    let mut paths: BTreeSet<&str> = BTreeSet::new();
    for f in files {
        paths.insert(f.path.as_str());
    }
    let mut dirs: Vec<String> = files
        .iter()
        .filter(|f| base_of(&f.path) == "Chart.yaml")
        .map(|f| dir_of(&f.path).to_string())
        .filter(|d| !d.is_empty() && paths.contains(format!("{d}values.yaml").as_str()))
        .collect();
    dirs.sort();
    dirs.dedup();
    let mut out: Vec<String> = Vec::new();
    for d in dirs {
        if out.last().is_some_and(|p| d.starts_with(p.as_str())) {
            continue;
        }
        out.push(d);
    }
    out
}

/// Normalises a relative path against a directory (`dir/`): resolves `.` and `..`;
/// `None` for remote references or a path leaving the repository.
fn resolve(dir: &str, rel: &str) -> Option<String> {
    let rel = rel.trim();
    if rel.is_empty() || rel.contains("://") || rel.starts_with("github.com/") {
        return None;
    }
    crate::model::paths::join_path(dir, rel)
}

/// Which paths of a kustomization to collect.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Refs {
    /// Everything it names (resources, bases, components, crds and patch files).
    All,
    /// Only patch files (their content is a patch, not an object to apply).
    Patches,
}

/// The paths a kustomization names, resolved against its directory.
fn kustomization_refs(root: &Node, dir: &str, which: Refs) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut add = |n: &Node| {
        if let Some(r) = n.as_str().and_then(|s| resolve(dir, s)) {
            out.insert(r);
        }
    };
    let lists: &[&str] = match which {
        Refs::All => &[
            "resources",
            "bases",
            "components",
            "crds",
            "patchesStrategicMerge",
        ],
        Refs::Patches => &["patchesStrategicMerge"],
    };
    for key in lists {
        if let Some(seq) = root.get(key) {
            seq.items().iter().for_each(&mut add);
        }
    }
    for key in ["patches", "patchesJson6902"] {
        if let Some(seq) = root.get(key) {
            for item in seq.items() {
                if let Some(p) = item.get("path") {
                    add(p);
                }
            }
        }
    }
    out
}

/// Files fluxd never applied as they are, so no per-object fix-up (such as the §3.3
/// fallback namespace) may be written into them: files under a sync path that a
/// `.flux.yaml` at that path or above governs (its generators produced what was applied,
/// §3.6; only when manifest generation was on, or no daemon is known), and files a
/// kustomization names as patches (a namespace would retarget the patch).
pub fn not_applied_as_is(ctx: &Context) -> BTreeSet<String> {
    use crate::model::flux_yaml::Outcome;
    let mut out = BTreeSet::new();
    // Git paths whose manifests a `.flux.yaml` generator produced (`fluxyaml::plan`):
    // `scanForFiles` and inactive files leave the path applied as it is.
    let governed: Vec<&str> = ctx
        .flux_yaml
        .iter()
        .filter(|p| !matches!(p.outcome, Outcome::Scan | Outcome::Inactive))
        .map(|p| p.git_path.as_str())
        .collect();
    for f in ctx.files {
        if governed.iter().any(|p| f.path.starts_with(p)) {
            out.insert(f.path.clone());
        }
        if is_kustomization_file(&f.path) {
            if let Some((_, r)) = f.first_root().filter(|(_, r)| r.is_map()) {
                out.extend(kustomization_refs(r, dir_of(&f.path), Refs::Patches));
            }
        }
    }
    out.extend(crate::model::flux_yaml::patch_files(&ctx.flux_yaml));
    out
}

/// True if `path` is a named reference or lies under one.
fn covered(refs: &BTreeSet<String>, path: &str) -> bool {
    if refs.contains(path) {
        return true;
    }
    let mut p = path;
    while let Some(i) = p.rfind('/') {
        p = &p[..i];
        if refs.contains(p) {
            return true;
        }
    }
    false
}

/// True when a document holds (or is) a Kubernetes object.
fn is_object(kind: &DocKind) -> bool {
    matches!(
        kind,
        DocKind::Object { .. }
            | DocKind::FluxV2 { .. }
            | DocKind::HelmReleaseV1(_)
            | DocKind::SopsEncrypted
    )
}

const MAX_LISTED: usize = 20;

fn list_paths(paths: &[&str]) -> String {
    let mut s = paths
        .iter()
        .take(MAX_LISTED)
        .map(|p| format!("`{p}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if paths.len() > MAX_LISTED {
        s.push_str(&format!(" and {} more", paths.len() - MAX_LISTED));
    }
    s
}

/// The fix text when no GitRepository is generated for the path: the lines to write.
fn manual_ignore_fix(pattern: &str) -> String {
    format!(
        "No GitRepository was generated for this path (no fluxd in the input and no --git-url): add `{pattern}` to the spec.ignore of the GitRepository that syncs it. Setting spec.ignore drops source-controller's defaults, so list them too: {}",
        DEFAULT_IGNORE
            .iter()
            .map(|p| format!("`{p}`"))
            .collect::<Vec<_>>()
            .join(" ")
    )
}

/// Finds chart directories, non-manifest YAML, stray kustomizations, SOPS-encrypted
/// documents and objects duplicated across sync paths; records what the daemon
/// GitRepository must ignore in `ctx.discovery`. `opts` are the effective options (for
/// the fallback namespace). Read-only on the files.
pub fn scan(ctx: &mut Context) {
    let mut findings = Vec::new();
    let paths: BTreeSet<&str> = ctx
        .roots
        .iter()
        .flat_map(|r| r.paths.iter().map(String::as_str))
        .collect();
    let in_sync_path = |file: &str| paths.iter().any(|p| file.starts_with(p));
    // A path whose GitRepository fluxport writes (a daemon with a URL applies it).
    let repo_paths: Vec<String> = ctx
        .daemons
        .iter()
        .filter(|d| {
            d.git_url
                .as_deref()
                .and_then(crate::model::naming::normalize_git_url)
                .is_some()
        })
        .flat_map(|d| d.git_paths.iter().map(|p| normalize_dir(p)))
        .collect();
    let has_repo = |file: &str| repo_paths.iter().any(|p| file.starts_with(p.as_str()));

    // A one-file input (paste, stdin) is a snippet, not a repository: a values file
    // pasted alone is not reported as a file to ignore.
    let repo_mode = ctx.files.len() > 1;
    // §3.2 rule 1: chart directories.
    let charts = chart_dirs(ctx.files);
    let in_chart = |file: &str| {
        let i = charts.partition_point(|c| c.as_str() <= file);
        i > 0 && file.starts_with(charts[i - 1].as_str())
    };
    // Directories (at or below a sync path) with a kustomization: kustomize-controller
    // reads what is below them only when the kustomization names it, so nothing there
    // needs ignoring, and ignoring could break a reference (helmCharts values, patches).
    let kustomization_dirs: BTreeSet<&str> = ctx
        .files
        .iter()
        .filter(|f| is_kustomization_file(&f.path))
        .map(|f| dir_of(&f.path))
        .filter(|d| in_sync_path(d))
        .collect();
    let kustomized = |path: &str| {
        let mut p = path.trim_end_matches('/');
        while !p.is_empty() {
            let d = dir_of(p);
            if kustomization_dirs.contains(d) {
                return true;
            }
            p = d.trim_end_matches('/');
        }
        false
    };
    for c in &charts {
        let Some(p) = paths.iter().find(|p| c.starts_with(**p)) else {
            continue;
        };
        if kustomized(c) {
            continue;
        }
        let pattern = ignore_pattern(c).unwrap_or_default();
        let chart_file = format!("{c}Chart.yaml");
        let mut f = Finding::new(
            Code::CHART_DIR_IN_PATH,
            &chart_file,
            0,
            0,
            format!(
                "Helm chart directory `{c}` is under the sync path `{}`: fluxd skipped it, kustomize-controller would apply its files as manifests",
                if p.is_empty() { "." } else { p.trim_end_matches('/') }
            ),
        );
        if has_repo(c) {
            f = f.with_fix(format!(
                "Nothing to do: `{pattern}` was written into the GitRepository's spec.ignore (with source-controller's defaults)."
            ));
        } else {
            f = f.with_fix(manual_ignore_fix(&pattern));
        }
        findings.push(f);
        ctx.discovery.chart_dirs.insert(c.clone());
    }

    // What the artifact leaves out before any spec.ignore is written: the defaults, or
    // only the tree's own `.sourceignore` patterns when it has any (§3.2 rule 3).
    let artifact = Matcher::for_source(&sourceignore::ignore_files(ctx.files), None);
    for (fi, f) in ctx.files.iter().enumerate() {
        // §3.5: fully encrypted documents, wherever they are.
        for (di, d) in f.docs.iter().enumerate() {
            if d.kind != DocKind::SopsEncrypted {
                continue;
            }
            let (Some(root), Some(doc)) =
                (d.root(), crate::model::context::doc_ref(ctx.files, fi, di))
            else {
                continue;
            };
            let node = ["kind", "apiVersion"]
                .iter()
                .filter_map(|k| root.get(k))
                .chain(root.path(&["metadata", "name"]))
                .find(|n| n.as_str().is_some_and(crate::repo::classify::is_sops_value));
            findings.push(doc.finding(
                Code::SOPS_FULLY_ENCRYPTED,
                node,
                "the document's kind/apiVersion/metadata are SOPS-encrypted: kustomize-controller decrypts per resource after parsing and cannot read it; passed through unchanged",
            ));
        }
        if f.untouchable || f.text.is_none() || !in_sync_path(&f.path) || in_chart(&f.path) {
            continue;
        }
        // §3.2 rule 3: YAML that is not a manifest.
        if repo_mode
            && !kustomized(&f.path)
            && f.kind == crate::model::document::FileKind::Yaml
            // The generator scans `.yaml`/`.yml` (case-sensitive `filepath.Ext`).
            && (f.path.ends_with(".yaml") || f.path.ends_with(".yml"))
            && !is_kustomization_file(&f.path)
            && !artifact.is_ignored(&f.path, false)
        {
            let clean = f.docs.iter().all(|d| {
                d.parsed.as_ref().is_some_and(|p| p.duplicates.is_empty())
                    && matches!(d.kind, DocKind::Empty | DocKind::NotManifest)
            });
            let first = f.docs.iter().find(|d| d.kind == DocKind::NotManifest);
            if let (true, Some(d)) = (clean, first) {
                let line = d.root().map(|r| r.line()).unwrap_or(1) + d.line_offset;
                let mut finding = Finding::new(
                    Code::NON_MANIFEST_YAML,
                    &f.path,
                    line,
                    1,
                    "YAML file without apiVersion/kind (values, CI or tool configuration): fluxd ignored it, kustomize-controller fails on it",
                );
                let pattern = ignore_pattern(&f.path).unwrap_or_default();
                finding = if has_repo(&f.path) {
                    finding.with_fix(format!(
                        "Nothing to do: `{pattern}` was written into the GitRepository's spec.ignore; move the file out of the synced path if you prefer."
                    ))
                } else {
                    finding.with_fix(manual_ignore_fix(&pattern))
                };
                findings.push(finding);
                ctx.discovery.non_manifest.insert(f.path.clone());
            }
        }
        // §3.2 rule 2: stray kustomizations. A generator's `kustomize build <dir>` used
        // every kustomization it reaches below `dir` too.
        if is_kustomization_file(&f.path)
            && !ctx
                .discovery
                .generator_dirs
                .iter()
                .any(|g| f.path.starts_with(g.as_str()))
        {
            findings.push(stray_finding(ctx.files, fi, &in_chart));
        }
    }

    let mut seen = BTreeSet::new();
    findings.retain(|f| seen.insert((f.file.clone(), f.line, f.column, f.code, f.message.clone())));
    ctx.findings.append(&mut findings);
}

fn stray_finding(files: &[LoadedFile], fi: usize, in_chart: &dyn Fn(&str) -> bool) -> Finding {
    let f = &files[fi];
    let dir = dir_of(&f.path);
    let parsed = f.first_root().filter(|(_, r)| r.is_map());
    let (line, refs) = match parsed {
        Some((di, r)) => (
            r.line() + f.docs[di].line_offset,
            kustomization_refs(r, dir, Refs::All),
        ),
        None => (0, BTreeSet::new()),
    };
    // The files under the directory (contiguous in path order) holding objects.
    let from = files.partition_point(|x| x.path.as_str() < dir);
    let lost: Vec<&str> = files[from..]
        .iter()
        .take_while(|x| x.path.starts_with(dir))
        .filter(|x| {
            x.docs.iter().any(|d| is_object(&d.kind))
                && !in_chart(&x.path)
                && !covered(&refs, &x.path)
        })
        .map(|x| x.path.as_str())
        .collect();
    let message = if parsed.is_none() {
        format!(
            "`{}` is not a valid kustomization; kustomize-controller will fail to build `{}`",
            f.path,
            if dir.is_empty() { "." } else { dir }
        )
    } else if lost.is_empty() {
        format!(
            "`{}` was not used by fluxd (no .flux.yaml generator builds it) but kustomize-controller will build it: it lists every manifest of its directory, but its transformers (namespace, name prefixes, labels, patches) now apply too",
            f.path
        )
    } else {
        format!(
            "`{}` was not used by fluxd (no .flux.yaml generator builds it) but kustomize-controller will build it and apply only what it lists; {} file(s) would stop being applied: {}",
            f.path,
            lost.len(),
            list_paths(&lost)
        )
    };
    Finding::new(
        Code::STRAY_KUSTOMIZATION,
        &f.path,
        line,
        if line > 0 { 1 } else { 0 },
        message,
    )
}

mod link;
pub use link::{append_to_lists, link_new_files, resources_edit, unlink_removed_files};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::discovery::Discovery;
    use crate::{InputFile, Limits};

    fn load(path: &str, text: &str) -> LoadedFile {
        let mut findings = Vec::new();
        crate::repo::load::load_file(
            &InputFile::new(path, text),
            &[],
            &Limits::default(),
            &mut findings,
        )
    }

    fn add(text: &str, names: &[&str]) -> Option<String> {
        let f = load("k/kustomization.yaml", text);
        let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        resources_edit(&f, &names).map(|e| crate::text::apply_edits(text, &[e]))
    }

    #[test]
    fn resources_block_list_keeps_style_and_comments() {
        let t = "# top\nresources:\n  - a.yaml # first\n  - b.yaml\n# tail\nnamespace: x\n";
        assert_eq!(
            add(t, &["fluxport-sources.yaml"]).unwrap(),
            "# top\nresources:\n  - a.yaml # first\n  - b.yaml\n  - fluxport-sources.yaml\n# tail\nnamespace: x\n"
        );
        let t = "resources:\n- a.yaml";
        assert_eq!(
            add(t, &["x.yaml", "y.yaml"]).unwrap(),
            "resources:\n- a.yaml\n- x.yaml\n- y.yaml\n"
        );
        let t = "resources:\r\n- a.yaml\r\n";
        assert_eq!(
            add(t, &["x.yaml"]).unwrap(),
            "resources:\r\n- a.yaml\r\n- x.yaml\r\n"
        );
    }

    #[test]
    fn resources_flow_and_missing() {
        assert_eq!(
            add("resources: [a.yaml, b.yaml]\n", &["x.yaml"]).unwrap(),
            "resources: [a.yaml, b.yaml, x.yaml]\n"
        );
        assert_eq!(
            add("resources: []\n", &["x.yaml"]).unwrap(),
            "resources: [x.yaml]\n"
        );
        assert_eq!(
            add("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n", &["x.yaml"]).unwrap(),
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- x.yaml\n"
        );
        assert_eq!(add("resources:\n", &["x.yaml"]), None);
        assert_eq!(add("- a\n", &["x.yaml"]), None);
    }

    #[test]
    fn patterns_and_defaults() {
        assert_eq!(ignore_pattern("charts/web/").unwrap(), "/charts/web/");
        assert_eq!(ignore_pattern("a/[x]*.yaml").unwrap(), "/a/\\[x\\]\\*.yaml");
        assert_eq!(ignore_pattern("a\nb"), None);
        // Each written pattern makes source-controller leave out exactly its path.
        for path in ["charts/web/", "a/[x]*.yaml", "we ird/#x!.yaml", "t/trail "] {
            let p = ignore_pattern(path).unwrap();
            let m = Matcher::for_source(&[], Some(&p));
            let dir = path.ends_with('/');
            assert!(
                m.is_ignored(path.trim_end_matches('/'), dir),
                "{p} misses {path}"
            );
            assert!(
                !m.is_ignored(&format!("other/{path}"), dir),
                "{p} is not anchored"
            );
        }
        assert_eq!(resolve("a/b/", "../c/./d.yaml").unwrap(), "a/c/d.yaml");
        assert_eq!(resolve("", "../x"), None);
        assert_eq!(resolve("a/", "https://x/y"), None);
    }

    #[test]
    fn ignore_lines_keep_defaults_first() {
        let mut d = Discovery::default();
        assert_eq!(d.ignore_lines(&["apps".into()]), None);
        d.chart_dirs.insert("apps/chart/".into());
        d.chart_dirs.insert("other/chart/".into());
        d.non_manifest.insert("apps/values.yaml".into());
        let l = d.ignore_lines(&["apps".into()]).unwrap();
        assert_eq!(
            l[1..1 + DEFAULT_IGNORE.len()],
            DEFAULT_IGNORE
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()[..]
        );
        assert!(l.contains(&"/apps/chart/".to_string()));
        assert!(l.contains(&"/apps/values.yaml".to_string()));
        assert!(!l.contains(&"/other/chart/".to_string()));
    }

    fn run(files: &[(&str, &str)], sync_paths: &[&str]) -> crate::Conversion {
        let inputs: Vec<InputFile> = files.iter().map(|(p, t)| InputFile::new(*p, *t)).collect();
        let opts = crate::Options {
            sync_paths: sync_paths.iter().map(|s| s.to_string()).collect(),
            ..crate::Options::default()
        };
        crate::convert(&inputs, &opts)
    }

    fn codes(c: &crate::Conversion, code: Code) -> Vec<(String, usize)> {
        c.report
            .findings
            .iter()
            .filter(|f| f.code == code)
            .map(|f| (f.file.clone(), f.line))
            .collect()
    }

    const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  namespace: a\n";
    const HR: &str = "apiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata:\n  name: r\n  namespace: a\nspec:\n  helmVersion: v3\n  chart:\n    repository: https://charts.example.com\n    name: r\n    version: 1.0.0\n";

    #[test]
    fn duplicates_only_within_one_daemon() {
        // Two daemons (clusters) with the same object: fine.
        let c = run(&[("a/cm.yaml", CM), ("b/cm.yaml", CM)], &["a", "b"]);
        assert!(codes(&c, Code::DUPLICATE_ACROSS_PATHS).is_empty());
        // One daemon, two paths: an error at the second file.
        let c = run(&[("a/cm.yaml", CM), ("b/cm.yaml", CM)], &["a,b"]);
        assert_eq!(
            codes(&c, Code::DUPLICATE_ACROSS_PATHS),
            vec![("b/cm.yaml".to_string(), 4)]
        );
        // Overlapping paths: one file applied by two Kustomizations.
        let c = run(&[("a/sub/cm.yaml", CM)], &["a,a/sub"]);
        assert_eq!(codes(&c, Code::DUPLICATE_ACROSS_PATHS).len(), 1);
        // Same name, other namespace or kind: different objects.
        let other = CM.replace("namespace: a", "namespace: b");
        let c = run(&[("a/cm.yaml", CM), ("b/cm.yaml", &other)], &["a,b"]);
        assert!(codes(&c, Code::DUPLICATE_ACROSS_PATHS).is_empty());
    }

    #[test]
    fn sops_document_is_untouched_and_reported() {
        let t = "apiVersion: ENC[AES256_GCM,data:x]\nkind: ENC[AES256_GCM,data:y]\nmetadata:\n    name: ENC[AES256_GCM,data:z]\n";
        let inputs = vec![InputFile::new("s.yaml", t), InputFile::new("cm.yaml", CM)];
        let opts = crate::Options {
            default_namespace: "apps".into(),
            ..crate::Options::default()
        };
        let c = crate::convert(&inputs, &opts);
        assert_eq!(
            codes(&c, Code::SOPS_FULLY_ENCRYPTED),
            vec![("s.yaml".to_string(), 2)]
        );
        assert!(codes(&c, Code::UNKNOWN_SCOPE).is_empty());
        assert_eq!(
            c.file("s.yaml").unwrap().status,
            crate::FileStatus::Failed,
            "passed through, stopped by an error"
        );
    }

    #[test]
    fn non_manifest_needs_a_repository() {
        let values = "replicas: 2\n";
        let c = run(&[("values.yaml", values)], &[]);
        assert!(
            codes(&c, Code::NON_MANIFEST_YAML).is_empty(),
            "a paste is a snippet"
        );
        let c = run(&[("values.yaml", values), ("cm.yaml", CM)], &[]);
        assert_eq!(
            codes(&c, Code::NON_MANIFEST_YAML),
            vec![("values.yaml".to_string(), 1)]
        );
        // Outside every sync path, or below a kustomization: not scanned by v2.
        let c = run(&[("x/values.yaml", values), ("a/cm.yaml", CM)], &["a"]);
        assert!(codes(&c, Code::NON_MANIFEST_YAML).is_empty());
        let k = "resources: [cm.yaml]\n";
        let c = run(
            &[
                ("a/k/values.yaml", values),
                ("a/k/kustomization.yaml", k),
                ("a/k/cm.yaml", CM),
            ],
            &["a"],
        );
        assert!(codes(&c, Code::NON_MANIFEST_YAML).is_empty());
    }

    #[test]
    fn generated_file_listed_only_for_its_own_root() {
        // Root "." has a kustomization that does not list apps/; root "apps" owns
        // apps/fluxport-sources.yaml and has no kustomization: nothing reported about
        // it. Root "." gets its own sources file, listed in its kustomization.
        let k = "resources:\n- other.yaml\n";
        let c = run(
            &[
                ("kustomization.yaml", k),
                ("other.yaml", CM),
                ("apps/hr.yaml", HR),
            ],
            &[".", "apps"],
        );
        assert!(c.file("apps/fluxport-sources.yaml").is_some());
        assert!(c.file("fluxport-sources.yaml").is_some());
        assert_eq!(
            c.file("kustomization.yaml").unwrap().text(),
            "resources:\n- other.yaml\n- fluxport-sources.yaml\n"
        );
        assert!(!c
            .report
            .findings
            .iter()
            .any(|f| f.message.contains("generated")));
        // Flow style list at the owning path: one entry added.
        let c = run(
            &[
                ("apps/kustomization.yaml", "resources: [hr.yaml]\n"),
                ("apps/hr.yaml", HR),
            ],
            &["apps"],
        );
        assert_eq!(
            c.file("apps/kustomization.yaml").unwrap().text(),
            "resources: [hr.yaml, fluxport-sources.yaml]\n"
        );
    }

    #[test]
    fn unusual_kustomization_is_reported_not_edited() {
        let k = "resources:\n";
        let c = run(
            &[("apps/kustomization.yaml", k), ("apps/hr.yaml", HR)],
            &["apps"],
        );
        assert_eq!(c.file("apps/kustomization.yaml").unwrap().text(), k);
        assert!(c
            .report
            .findings
            .iter()
            .any(|f| f.code == Code::STRAY_KUSTOMIZATION
                && f.message.contains("could not add `fluxport-sources.yaml`")));
    }

    #[test]
    fn fallback_namespace_only_where_fluxd_applied_files_as_they_are() {
        let no_ns = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n";
        let with_ns =
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  namespace: default\n";
        // A kustomize patch keeps its target; the resource gets the namespace.
        let k = "resources:\n- cm.yaml\npatchesStrategicMerge:\n- patch.yaml\n";
        let c = run(
            &[
                ("k/kustomization.yaml", k),
                ("k/cm.yaml", no_ns),
                ("k/patch.yaml", no_ns),
            ],
            &[],
        );
        assert_eq!(c.file("k/cm.yaml").unwrap().text(), with_ns);
        assert_eq!(c.file("k/patch.yaml").unwrap().text(), no_ns);
        // A .flux.yaml at the sync path (or above) generated what fluxd applied.
        let flux = "version: 1\ncommandUpdated:\n  generators:\n  - command: kustomize build .\n";
        let c = run(&[(".flux.yaml", flux), ("apps/cm.yaml", no_ns)], &["apps"]);
        assert_eq!(c.file("apps/cm.yaml").unwrap().text(), no_ns);
        // ... but not one below the sync path (fluxd looks at the path and its parents).
        let c = run(
            &[("apps/x/.flux.yaml", flux), ("apps/cm.yaml", no_ns)],
            &["apps"],
        );
        assert_eq!(c.file("apps/cm.yaml").unwrap().text(), with_ns);
    }

    #[test]
    fn chart_dirs_outermost_with_values() {
        let f = |p: &str| load(p, "a: 1\n");
        let files = vec![
            f("a/Chart.yaml"),
            f("a/values.yaml"),
            f("a/charts/b/Chart.yaml"),
            f("a/charts/b/values.yaml"),
            f("c/Chart.yaml"),
        ];
        assert_eq!(chart_dirs(&files), vec!["a/".to_string()]);
    }
}
