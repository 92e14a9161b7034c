//! Whole-repo migration: daemon detection, sync objects, namespace fallback, charts,
//! runbook (MAPPING.md §3, §6, §2.10).
mod common;

use common::*;
use fluxport_core::{convert, FileStatus, InputFile, Options, Target};
use std::collections::BTreeSet;

fn fixture() -> Vec<InputFile> {
    read_dir_inputs(&repo_root().join("tests/fixtures/repo-multi"))
}

fn out<'a>(c: &'a fluxport_core::Conversion, path: &str) -> &'a fluxport_core::OutputFile {
    c.files.iter().find(|f| f.path == path).unwrap_or_else(|| {
        panic!(
            "no {path}: {:?}",
            c.files.iter().map(|f| &f.path).collect::<Vec<_>>()
        )
    })
}

#[test]
fn repo_multi_whole_conversion() {
    let conv = convert(&fixture(), &Options::default());
    let errs = Schemas::load().check_conversion(&conv);
    assert!(errs.is_empty(), "{errs:#?}");

    // One sync file per daemon, outside every sync path.
    for c in ["a", "b", "c"] {
        let f = out(
            &conv,
            &format!("flux-system/fluxport-sync-clusters-{c}.yaml"),
        );
        assert_eq!(f.status, FileStatus::New);
        let objs = docs(f.text());
        let repo = object(&objs, "GitRepository", "fleet");
        assert_eq!(repo["spec"]["url"], "ssh://git@github.com/acme/fleet.git");
        assert_eq!(
            repo["spec"]["ref"]["branch"], "main",
            "$(BRANCH) interpolated"
        );
        assert_eq!(repo["spec"]["interval"], "1m");
        assert_eq!(repo["spec"]["secretRef"]["name"], "fleet-auth");
        let k = object(&objs, "Kustomization", &format!("fleet-clusters-{c}"));
        assert_eq!(k["spec"]["path"], format!("./clusters/{c}"));
        assert_eq!(k["spec"]["prune"], true);
        let kb = object(&objs, "Kustomization", "fleet-base");
        assert_eq!(kb["spec"]["path"], "./base");
    }
    let codes: BTreeSet<&str> = conv
        .report
        .findings
        .iter()
        .map(|f| f.code.as_str())
        .collect();
    for code in [
        "SSH_SECRET_REQUIRED",
        "SYNC_TAG_GONE",
        "NOTIFICATIONS",
        "HELM2_CHART_TEMPLATE",
        "DEP_REPO_ALIAS",
    ] {
        assert!(codes.contains(code), "missing {code}: {codes:?}");
    }

    // Every HelmRelease sourceRef resolves inside its sync root; no duplicates per root.
    for c in ["a", "b", "c"] {
        let root = [format!("clusters/{c}/"), "base/".to_string()];
        let mut objs = Vec::new();
        for f in &conv.files {
            if root.iter().any(|r| f.path.starts_with(r.as_str()))
                && f.status != FileStatus::Deleted
                && f.path.ends_with(".yaml")
            {
                objs.extend(docs(f.text()));
            }
        }
        let mut seen = BTreeSet::new();
        for o in &objs {
            let key = (
                o["kind"].to_string(),
                o["metadata"]["namespace"].to_string(),
                o["metadata"]["name"].to_string(),
            );
            assert!(seen.insert(key.clone()), "duplicate {key:?} in root {c}");
        }
        for hr in objs.iter().filter(|o| o["kind"] == "HelmRelease") {
            let src = &hr["spec"]["chart"]["spec"]["sourceRef"];
            let ns = src["namespace"]
                .as_str()
                .or(hr["metadata"]["namespace"].as_str())
                .unwrap();
            assert!(
                objs.iter().any(|o| o["kind"] == src["kind"]
                    && o["metadata"]["name"] == src["name"]
                    && o["metadata"]["namespace"] == ns),
                "sourceRef {src} of {} not in root {c}",
                hr["metadata"]["name"]
            );
            assert_eq!(
                hr["spec"]["interval"], "10m",
                "--charts-sync-interval from helm-operator"
            );
        }
    }

    // Namespace fallback: one inserted line.
    let cfg = out(&conv, "clusters/a/config.yaml");
    assert_eq!(cfg.text(), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cluster-info\n  namespace: apps\ndata:\n  cluster: a\n");
    let pod = out(&conv, "base/podinfo.yaml").text().to_string();
    assert!(
        pod.contains("  name: podinfo\n  namespace: apps\n"),
        "{pod}"
    );
    assert!(
        !pod.contains("name: apps\n  namespace"),
        "Namespace is cluster-scoped"
    );

    // Chart migration (E15).
    assert_eq!(out(&conv, "charts/web/Chart.yaml").text(), "apiVersion: v2\nname: web\nversion: 0.3.0\ndependencies:\n  - name: redis\n    version: ~10.5.0\n    repository: https://charts.helm.sh/stable\n    condition: redis.enabled\n");
    assert_eq!(
        out(&conv, "charts/web/requirements.yaml").status,
        FileStatus::Deleted
    );
    assert_eq!(
        out(&conv, "charts/web/requirements.lock").status,
        FileStatus::Deleted
    );
    // Digest: independently computed with python3 hashlib over the Go JSON given in E15.
    assert!(out(&conv, "charts/web/Chart.lock").text().contains(
        "digest: sha256:1d5b6b3b583b0e5a4d7fedc216cf09e6fe9e7a2bdc9ed52f8027764f7202a95e\n"
    ));

    // Runbook: detected names, every release.
    let rb = &conv.report.runbook;
    for c in ["a", "b", "c"] {
        assert!(
            rb.contains(&format!(
                "kubectl -n flux-{c} scale deployment/flux --replicas=0"
            )),
            "{rb}"
        );
        assert!(
            rb.contains(&format!(
                "kubectl apply -f flux-system/fluxport-sync-clusters-{c}.yaml"
            )),
            "{rb}"
        );
        assert!(rb.contains(&format!("| redis-{c} |")), "{rb}");
    }
    assert!(
        rb.contains("kubectl -n flux-ops scale deployment/helm-operator --replicas=0"),
        "{rb}"
    );
    assert!(rb.contains("| web |"), "{rb}");

    // Idempotent: converting the output again changes nothing.
    let changed = changed_on_reconversion(&conv, &Options::default());
    assert!(changed.is_empty(), "changed on the second run: {changed:?}");
}

#[test]
fn helm3_on_flux_v1() {
    let text = "apiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata:\n  name: podinfo\n  namespace: apps\nspec:\n  chart:\n    repository: https://stefanprodan.github.io/podinfo\n    name: podinfo\n    version: 6.0.0\n";
    let opts = Options {
        target: Target::Helm3OnFluxV1,
        ..Options::default()
    };
    let conv = convert(&[InputFile::new("hr.yaml", text)], &opts);
    assert_eq!(
        conv.files[0].text(),
        "apiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata:\n  name: podinfo\n  annotations:\n    helm.fluxcd.io/migrate: \"true\"\n  namespace: apps\nspec:\n  helmVersion: v3\n  chart:\n    repository: https://stefanprodan.github.io/podinfo\n    name: podinfo\n    version: 6.0.0\n"
    );
    assert_eq!(conv.files.len(), 1, "no Flux v2 objects");
    assert!(conv.report.runbook.contains("apps-podinfo"));
}

/// The fluxcd example repos in the corpus, rebuilt as trees (`__` = `/`).
fn corpus_repo(prefix: &str) -> Vec<InputFile> {
    let dir = shared().join("corpus/v1");
    let mut out = Vec::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().to_string();
        let Some(rest) = name.strip_prefix(prefix) else {
            continue;
        };
        if rest.starts_with('@') {
            continue;
        }
        out.push(InputFile::new(
            rest.replace("__", "/"),
            std::fs::read(dir.join(&name)).unwrap(),
        ));
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

#[test]
fn corpus_example_repos() {
    let schemas = Schemas::load();
    for (prefix, url) in [
        (
            "fluxcd__flux-get-started__",
            "git@github.com:fluxcd/flux-get-started",
        ),
        (
            "fluxcd__helm-operator-get-started__",
            "git@github.com:fluxcd/helm-operator-get-started",
        ),
        ("fluxcd__multi-tenancy__", ""),
    ] {
        let inputs = corpus_repo(prefix);
        assert!(!inputs.is_empty(), "{prefix}");
        let opts = Options {
            git_url: Some(url.to_string()).filter(|u| !u.is_empty()),
            ..Options::default()
        };
        let conv = convert(&inputs, &opts);
        let errs = schemas.check_conversion(&conv);
        assert!(errs.is_empty(), "{prefix}: {errs:#?}");
        for r in &conv.report.releases {
            assert!(
                conv.report.runbook.contains(&format!("| {} |", r.name)),
                "{prefix}: {}",
                r.name
            );
        }
        if prefix.contains("flux-get-started") {
            assert!(conv
                .files
                .iter()
                .any(|f| f.path == "flux-system/fluxport-sync.yaml"));
            std::fs::write(
                std::env::temp_dir().join("flux-get-started-runbook.md"),
                &conv.report.runbook,
            )
            .unwrap();
        }
        if prefix.contains("multi-tenancy") {
            assert!(
                conv.files
                    .iter()
                    .any(|f| f.path.starts_with("flux-system/fluxport-sync")),
                "daemon from the Deployment"
            );
        }
    }
}

fn discovery_fixture() -> Vec<InputFile> {
    read_dir_inputs(&repo_root().join("tests/fixtures/repo-discovery"))
}

fn findings_of<'a>(
    conv: &'a fluxport_core::Conversion,
    code: &str,
) -> Vec<&'a fluxport_core::Finding> {
    conv.report
        .findings
        .iter()
        .filter(|f| f.code.as_str() == code)
        .collect()
}

/// MAPPING.md §3.1, §3.2, §3.5: chart dirs and non-manifest YAML ignored (with the
/// source-controller defaults kept), stray kustomizations, generated files listed in
/// the kustomization, SOPS-encrypted documents, duplicates across sync paths.
#[test]
fn repo_discovery_fixups() {
    let inputs = discovery_fixture();
    let conv = convert(&inputs, &Options::default());
    let errs = Schemas::load().check_conversion(&conv);
    assert!(errs.is_empty(), "{errs:#?}");

    // spec.ignore: every default, then the chart dir and the values file.
    let sync = out(&conv, "flux-system/fluxport-sync.yaml");
    let objs = docs(sync.text());
    let repo = object(&objs, "GitRepository", "shop");
    let ignore: Vec<&str> = repo["spec"]["ignore"].as_str().unwrap().lines().collect();
    for d in [
        "*.jpg",
        "*.tar.gz",
        "*.zip",
        ".github/",
        ".circleci/",
        ".travis.yml",
        ".gitlab-ci.yml",
        "cloudbuild.yaml",
        "**/.goreleaser.yml",
        "**/.sops.yaml",
        "**/.flux.yaml",
    ] {
        assert!(ignore.contains(&d), "default {d} missing: {ignore:?}");
    }
    assert!(ignore.contains(&"/apps/charts/shop/"), "{ignore:?}");
    assert!(
        ignore.contains(&"/apps/values/prod-values.yaml"),
        "{ignore:?}"
    );
    assert!(!ignore
        .iter()
        .any(|l| l.contains("gitlab-ci") && l.starts_with('/')));

    let chart = findings_of(&conv, "CHART_DIR_IN_PATH");
    assert_eq!(chart.len(), 1, "{chart:?}");
    assert_eq!(chart[0].file, "apps/charts/shop/Chart.yaml");

    // Only the values file is non-manifest (CI file: default-ignored; chart: ignored;
    // infra/sub/values.yaml: below a kustomization, never scanned, maybe referenced).
    let nm: Vec<&str> = findings_of(&conv, "NON_MANIFEST_YAML")
        .iter()
        .map(|f| f.file.as_str())
        .collect();
    assert_eq!(nm, vec!["apps/values/prod-values.yaml"]);
    assert!(!ignore.iter().any(|l| l.contains("infra/")), "{ignore:?}");

    // Stray kustomizations: the objects that would stop being applied are named.
    let stray = findings_of(&conv, "STRAY_KUSTOMIZATION");
    assert_eq!(stray.len(), 2, "{stray:?}");
    let infra = stray
        .iter()
        .find(|f| f.file == "infra/kustomization.yaml")
        .unwrap();
    assert!(
        infra.message.contains(
            "2 file(s) would stop being applied: `infra/backend.yaml`, `infra/db-secret.yaml`"
        ),
        "{}",
        infra.message
    );
    let sub = stray
        .iter()
        .find(|f| f.file == "infra/sub/kustomization.yaml")
        .unwrap();
    assert!(sub.message.contains("transformers"), "{}", sub.message);

    // Generated files added to the kustomization of their directory: one line each,
    // in the list's own style, comments kept.
    assert!(conv.file("infra/fluxport-sources.yaml").is_some());
    assert!(conv.file("infra/fluxport-image-automation.yaml").is_some());
    assert_eq!(
        out(&conv, "infra/kustomization.yaml").text(),
        "# Left over from an experiment; fluxd never used it (no .flux.yaml).\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - redis.yaml # the cache\n  - namespace.yaml\n  - sub\n  - fluxport-image-automation.yaml\n  - fluxport-sources.yaml\n"
    );

    // SOPS: an error at the encrypted kind, the file untouched.
    let sops = findings_of(&conv, "SOPS_FULLY_ENCRYPTED");
    assert_eq!(sops.len(), 1);
    assert_eq!(
        (sops[0].file.as_str(), sops[0].line),
        ("infra/db-secret.yaml", 2)
    );
    assert_eq!(
        out(&conv, "infra/db-secret.yaml").status,
        FileStatus::Unchanged
    );

    // The Namespace in both git paths of the daemon.
    let dup = findings_of(&conv, "DUPLICATE_ACROSS_PATHS");
    assert_eq!(dup.len(), 1, "{dup:?}");
    assert!(
        dup[0].message.contains("apps/namespace.yaml")
            && dup[0].message.contains("infra/namespace.yaml"),
        "{}",
        dup[0].message
    );

    let changed = changed_on_reconversion(&conv, &Options::default());
    assert!(changed.is_empty(), "changed on the second run: {changed:?}");
}

/// Without a daemon no GitRepository is written: the ignore lines are in the fix.
#[test]
fn repo_discovery_without_daemon_reports_ignore_lines() {
    let inputs: Vec<InputFile> = discovery_fixture()
        .into_iter()
        .filter(|f| !f.path.starts_with("flux/"))
        .collect();
    let conv = convert(&inputs, &Options::default());
    assert!(!conv
        .files
        .iter()
        .any(|f| f.path.starts_with("flux-system/")));
    let chart = findings_of(&conv, "CHART_DIR_IN_PATH");
    assert_eq!(chart.len(), 1);
    assert!(
        chart[0].fix.contains("`/apps/charts/shop/`"),
        "{}",
        chart[0].fix
    );
    assert!(chart[0].fix.contains("`**/.flux.yaml`"), "{}", chart[0].fix);
    // One root (the whole input): nothing is duplicated across paths.
    assert!(findings_of(&conv, "DUPLICATE_ACROSS_PATHS").is_empty());
}
