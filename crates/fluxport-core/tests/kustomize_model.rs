//! The kustomization model on whole real repositories (`../shared/corpus/repos`),
//! cross-checked against `kubectl kustomize` where kubectl is on PATH.

use fluxport_core::repo::kustomize::{Build, Model, ObjectRef, Outcome, RepoFile};
use fluxport_core::repo::load::split_documents;
use fluxport_core::yaml::{parse_document, Node};
use std::path::{Path, PathBuf};

const CORPUS: &str = "../../../shared/corpus/repos";

struct Loaded {
    paths: Vec<String>,
    docs: Vec<Vec<Node>>,
}

impl Loaded {
    fn files(&self) -> Vec<RepoFile<'_>> {
        self.paths
            .iter()
            .zip(&self.docs)
            .map(|(p, d)| RepoFile {
                path: p,
                docs: d.iter().collect(),
            })
            .collect()
    }
    fn index(&self, path: &str) -> usize {
        self.paths
            .iter()
            .position(|p| p == path)
            .unwrap_or_else(|| panic!("no {path}"))
    }
}

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(CORPUS)
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let p = e.path();
        if p.file_name().is_some_and(|n| n == ".git") {
            continue;
        }
        if p.is_dir() {
            walk(root, &p, out);
        } else if let Ok(rel) = p.strip_prefix(root) {
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
}

/// Every file of the repo; YAML files (and `Kustomization`) parsed per document.
fn load(repo: &Path) -> Loaded {
    let mut paths = Vec::new();
    walk(repo, repo, &mut paths);
    let mut docs = Vec::new();
    for p in &paths {
        let yaml = p.ends_with(".yaml")
            || p.ends_with(".yml")
            || p.ends_with("/Kustomization")
            || p == "Kustomization";
        let mut roots = Vec::new();
        if yaml {
            let text = std::fs::read_to_string(repo.join(p)).unwrap_or_default();
            for (s, e) in split_documents(&text) {
                if let Ok(parsed) = parse_document(&text[s..e], 64, 1000) {
                    roots.extend(parsed.root);
                }
            }
        }
        docs.push(roots);
    }
    Loaded { paths, docs }
}

/// (kind, namespace, name) of every object `kubectl kustomize` emits for `dir`, or
/// `None` without kubectl or when the build fails.
fn kubectl_ids(repo: &Path, dir: &str) -> Option<Vec<(String, String, String)>> {
    let out = std::process::Command::new("kubectl")
        .args(["kustomize", "--load-restrictor", "LoadRestrictionsNone"])
        .arg(repo.join(dir))
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    let mut ids = Vec::new();
    for (s, e) in split_documents(&text) {
        let Ok(parsed) = parse_document(&text[s..e], 64, 1000) else {
            continue;
        };
        let Some(root) = parsed.root else { continue };
        let g = |k: &[&str]| {
            root.path(k)
                .and_then(Node::as_str)
                .unwrap_or("")
                .to_string()
        };
        ids.push((
            g(&["kind"]),
            g(&["metadata", "namespace"]),
            g(&["metadata", "name"]),
        ));
    }
    ids.sort();
    Some(ids)
}

fn model_ids(b: &Build) -> Vec<(String, String, String)> {
    let mut ids: Vec<_> = b
        .live()
        .map(|o| {
            (
                o.kind.clone(),
                o.namespace.clone().unwrap_or_default(),
                o.name.clone(),
            )
        })
        .collect();
    ids.sort();
    ids
}

#[test]
fn summaries_of_every_corpus_repo() {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(corpus())
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    assert!(
        !dirs.is_empty(),
        "corpus not found at {}",
        corpus().display()
    );
    for d in dirs {
        let loaded = load(&d);
        let files = loaded.files();
        let t = std::time::Instant::now();
        let m = Model::new(&files);
        let s = m.summary();
        println!(
            "{}: files={} kustomizations={} components={} roots={} root_objects={} distinct_objects={} patch_docs={} matched={} unmatched={} unknown={} remote={} missing={} cycles={} duplicate_ids={} ({:?})",
            d.file_name().unwrap_or_default().to_string_lossy(),
            files.len(),
            s.kustomizations,
            s.components,
            s.roots,
            s.root_objects,
            s.distinct_objects,
            s.patch_docs,
            s.patch_docs_matched,
            s.patch_docs_unmatched,
            s.patch_docs_unknown,
            s.remote_entries,
            s.missing_entries,
            s.cycles,
            s.duplicate_ids,
            t.elapsed()
        );
        assert_eq!(
            s.patch_docs,
            s.patch_docs_matched + s.patch_docs_unmatched + s.patch_docs_unknown
        );
        for (i, k) in m.kustomizations().iter().enumerate() {
            for (pi, p) in k.patches.iter().enumerate() {
                if m.patch_targets(i, pi).is_empty() {
                    let what = p.path.as_ref().map_or("<inline>", |e| e.value.as_str());
                    println!(
                        "  unmatched: {}:{} {} {what} {:?}",
                        k.path,
                        p.node.line(),
                        p.field.key(),
                        p.error
                    );
                }
            }
        }
    }
}

#[test]
fn hmcts_dev_common_overlay() {
    let repo = corpus().join("hmcts__sds-flux-config@8364830");
    let loaded = load(&repo);
    let files = loaded.files();
    let m = Model::new(&files);
    let dir = "k8s/environments/dev/common-overlay";
    let b = m.build(dir).expect("dev common overlay");
    assert!(b.complete, "{:?}", b.problems);

    // The HelmReleases it builds and their effective namespaces.
    let mut hrs: Vec<(String, String)> = b
        .of_kind("HelmRelease")
        .map(|o| (o.namespace.clone().unwrap_or_default(), o.name.clone()))
        .collect();
    hrs.sort();
    assert_eq!(hrs.len(), 18);
    assert!(hrs.contains(&("jd".into(), "jd-bureau".into())));
    assert!(hrs.contains(&("vh".into(), "vh-devops-agent-dev".into())));
    assert!(hrs.contains(&("pip".into(), "pip-frontend".into())));
    let ns_of = |name: &str| {
        hrs.iter()
            .filter(|(_, n)| n == name)
            .map(|(ns, _)| ns.as_str())
            .collect::<Vec<_>>()
    };
    assert_eq!(ns_of("hmi-case-hq-emulator"), vec!["hmi"]);
    assert_eq!(ns_of("toffee-frontend"), vec!["toffee"]);

    // `patches: - path: ../dev-helmrelease.yaml, target: {kind: HelmRelease}` hits
    // every base HelmRelease of the build.
    let k = m.kustomization_in(dir).unwrap();
    let kust = m.kustomization(k).unwrap();
    let pi = kust
        .patches
        .iter()
        .position(|p| {
            p.path
                .as_ref()
                .is_some_and(|e| e.value == "../dev-helmrelease.yaml")
        })
        .unwrap();
    let targets = m.patch_targets(k, pi);
    assert_eq!(targets.len(), 18);
    let mut hr_sources: Vec<ObjectRef> = b.of_kind("HelmRelease").map(|o| o.source).collect();
    hr_sources.sort();
    assert_eq!(targets, hr_sources);
    let from_env = targets
        .iter()
        .filter(|t| !m.file_path(t.file).starts_with("k8s/namespaces/"))
        .count();
    assert_eq!(
        from_env, 1,
        "vh-devops-agent.yaml lives in the env overlay itself"
    );
    let patch_file = loaded.index("k8s/environments/dev/dev-helmrelease.yaml");
    assert!(m.is_patch_file(patch_file));
    assert!(m.is_patch_doc(ObjectRef {
        file: patch_file,
        doc: 0
    }));
    // Reverse: a base HR knows the patch applied to it in this build.
    let vh_api = b
        .of_kind("HelmRelease")
        .find(|o| o.name == "vh-bookings-api")
        .unwrap();
    assert!(vh_api
        .patches
        .iter()
        .any(|h| h.kustomization == k && h.patch == pi));
    assert!(m
        .file_path(vh_api.source.file)
        .starts_with("k8s/namespaces/vh/"));

    // The JSON 6902 RoleBinding patch of common-overlay/vh matches by name and namespace.
    let vh = m
        .kustomization_in("k8s/environments/dev/common-overlay/vh")
        .unwrap();
    let vb = m.build_of(vh).unwrap();
    let rb: Vec<_> = vb
        .applications
        .iter()
        .filter(|a| a.hit.kustomization == vh)
        .map(|a| {
            (
                a.outcome,
                a.targets
                    .iter()
                    .map(|&t| vb.objects[t].kind.as_str())
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    assert_eq!(rb, vec![(Outcome::Matched, vec!["RoleBinding"])]);
    assert_eq!(m.sets_namespace(vh), Some("vh"));

    // Roots: the env overlays are roots, the namespace bases they include are not.
    let roots = m.root_dirs();
    assert!(roots.contains(&"k8s/environments/dev/cluster-00-overlay"));
    assert!(!roots.contains(&"k8s/namespaces/vh"));
    assert!(
        roots.contains(&dir),
        "built directly (by a .flux.yaml generator)"
    );
    assert!(!roots.contains(&"k8s/environments/dev/common-overlay/vh"));

    // cluster-00-overlay loads a remote aad-pod-identity base: incomplete, recorded.
    let c0 = m.build("k8s/environments/dev/cluster-00-overlay").unwrap();
    assert!(!c0.complete);
    assert!(!c0.remote.is_empty());

    // Cross-check with kubectl where available.
    for d in [
        dir,
        "k8s/environments/dev/common-overlay/vh",
        "k8s/environments/dev/common-overlay/mi",
        "k8s/namespaces/pip",
    ] {
        if let Some(want) = kubectl_ids(&repo, d) {
            assert_eq!(model_ids(m.build(d).unwrap()), want, "{d}");
        }
    }
}

/// Every kustomization directory of every corpus repo against `kubectl kustomize`
/// (slow: one kubectl run per directory; `cargo test -- --ignored`). Prints the
/// counts recorded in docs/kustomize-model.md.
#[test]
#[ignore]
fn every_directory_against_kubectl() {
    let mut repos: Vec<PathBuf> = std::fs::read_dir(corpus())
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    repos.sort();
    for repo in repos {
        let loaded = load(&repo);
        let files = loaded.files();
        let m = Model::new(&files);
        let (mut same, mut differ, mut failed) = (0, 0, 0);
        let (mut failed_unexplained, mut ok_but_fatal) = (0, 0);
        // What makes `kustomize build` fail, as the model sees it.
        let fatal = |b: &Build| {
            !b.complete
                || b.problems.iter().any(|p| {
                    use fluxport_core::repo::kustomize::ProblemKind as P;
                    matches!(
                        p.kind,
                        P::PatchNoMatch
                            | P::PatchAmbiguous
                            | P::DuplicateId
                            | P::Missing
                            | P::NoKustomization
                            | P::InvalidPatch
                            | P::KindMismatch
                            | P::Empty
                    )
                })
        };
        for k in m.kustomizations() {
            let b = m.build(&k.dir).unwrap();
            let Some(want) = kubectl_ids(&repo, &k.dir) else {
                failed += 1;
                if !fatal(b) {
                    failed_unexplained += 1;
                    println!("  UNEXPLAINED kubectl failure: {}", k.dir);
                }
                continue;
            };
            if fatal(b) {
                ok_but_fatal += 1;
                println!(
                    "  MODEL FATAL but kubectl builds: {} {:?}",
                    k.dir,
                    b.problems.first()
                );
            }
            let got = model_ids(m.build(&k.dir).unwrap());
            if got == want {
                same += 1;
            } else {
                differ += 1;
                let extra: Vec<_> = got.iter().filter(|g| !want.contains(g)).collect();
                let lacking: Vec<_> = want.iter().filter(|w| !got.contains(w)).collect();
                println!(
                    "  DIFF {}: model-only {:?} kubectl-only {:?}",
                    k.dir, extra, lacking
                );
            }
        }
        println!(
            "{}: kubectl builds {} dirs: {same} identical, {differ} differ ({ok_but_fatal} of them with a fatal model problem); {failed} fail in kubectl ({failed_unexplained} without a model problem)",
            repo.file_name().unwrap_or_default().to_string_lossy(),
            same + differ
        );
    }
}
