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
        // Done means: every v1 HelmRelease left in the tree is named by a finding (Flux
        // v1's own, or not convertible), the runbook asks for every Secret the findings
        // name, and a second run changes nothing.
        for f in conv
            .files
            .iter()
            .filter(|f| f.status != FileStatus::Deleted)
        {
            for d in docs(f.text()) {
                if d["apiVersion"]
                    .as_str()
                    .is_some_and(|a| a.starts_with("helm.fluxcd.io/"))
                {
                    assert!(
                        conv.report.findings.iter().any(|x| x.file == f.path),
                        "{prefix}: v1 HelmRelease left in {} without a finding",
                        f.path
                    );
                }
            }
        }
        if conv
            .report
            .findings
            .iter()
            .any(|f| f.code.as_str() == "SSH_SECRET_REQUIRED")
        {
            assert!(
                conv.report.runbook.contains("create the Secrets"),
                "{prefix}"
            );
        }
        let changed = changed_on_reconversion(&conv, &opts);
        assert!(
            changed.is_empty(),
            "{prefix}: changed on the second run: {changed:?}"
        );
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

// ---------------------------------------------------------------- issue 7 part B

fn corpus_file(name: &str) -> Vec<u8> {
    std::fs::read(shared().join("corpus/v1").join(name))
        .unwrap_or_else(|e| panic!("corpus file {name}: {e}"))
}

fn codes_of(c: &fluxport_core::Conversion) -> Vec<(String, String)> {
    c.report
        .findings
        .iter()
        .map(|f| (f.code.as_str().to_string(), f.message.clone()))
        .collect()
}

fn has_code(c: &fluxport_core::Conversion, code: &str) -> bool {
    c.report.findings.iter().any(|f| f.code.as_str() == code)
}

/// A fluxd Deployment with `--manifest-generation=true` syncing `paths`.
fn fluxd(paths: &str) -> InputFile {
    InputFile::new(
        "flux/fluxd.yaml",
        format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: flux\n  namespace: flux\nspec:\n  template:\n    spec:\n      containers:\n      - name: flux\n        image: docker.io/fluxcd/flux:1.21.0\n        args:\n        - --git-url=git@github.com:acme/deploy\n        - --git-path={paths}\n        - --manifest-generation=true\n"),
    )
}

fn check_valid_and_stable(conv: &fluxport_core::Conversion, what: &str) {
    let errs = Schemas::load().check_conversion(conv);
    assert!(errs.is_empty(), "{what}: {errs:#?}");
    let changed = changed_on_reconversion(conv, &Options::default());
    assert!(
        changed.is_empty(),
        "{what}: changed on the second run: {changed:?}"
    );
}

/// The chart golden's Chart.lock digest, recomputed here independently of
/// `charts::lock_digest`: the Go `encoding/json` text is written by hand from MAPPING.md §6
/// (field order name, version, repository, condition, tags, enabled, import-values, alias;
/// omitempty except name/repository; `<`, `>`, `&` as \u003c, \u003e, \u0026) and hashed
/// with sha2. Cross-checked once with python3 `hashlib.sha256(s.encode()).hexdigest()`.
#[test]
fn chart_golden_lock_digest_independent() {
    use sha2::{Digest, Sha256};
    let go_json = concat!(
        r#"[[{"name":"mariadb","version":"6.x.x","repository":"https://charts.helm.sh/stable","condition":"mariadb.enabled","tags":["ghost-database","db\u003cmain\u003e\u0026more"]},"#,
        r#"{"name":"common","version":"0.1.0","repository":"https://charts.helm.sh/stable","alias":"shared"}],"#,
        r#"[{"name":"mariadb","version":"6.5.4","repository":"https://charts.helm.sh/stable"},"#,
        r#"{"name":"common","version":"0.1.0","repository":"https://charts.helm.sh/stable"}]]"#
    );
    let hex: String = Sha256::digest(go_json.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let lock = std::fs::read_to_string(
        repo_root().join("tests/golden/chart-helm2-to-helm3/out.golden/charts/ghost/Chart.lock"),
    )
    .unwrap();
    assert!(
        lock.contains(&format!("digest: sha256:{hex}\n")),
        "expected sha256:{hex} in\n{lock}"
    );
}

/// flux-kustomize-example: E12 with the real fluxd-written patch files.
#[test]
fn corpus_patch_updated_kustomize_example() {
    let inputs = vec![
        InputFile::new(
            ".flux.yaml",
            corpus_file("fluxcd__flux-kustomize-example__.flux.yaml"),
        ),
        InputFile::new(
            "base/podinfo-dep.yaml",
            corpus_file("fluxcd__flux-kustomize-example__base__podinfo-dep.yaml"),
        ),
        InputFile::new(
            "base/kustomization.yaml",
            "resources:\n  - podinfo-dep.yaml\n",
        ),
        InputFile::new(
            "staging/kustomization.yaml",
            "namespace: demo\nresources:\n  - ../base\n",
        ),
        InputFile::new(
            "staging/flux-patch.yaml",
            corpus_file("fluxcd__flux-kustomize-example__staging__flux-patch.yaml"),
        ),
        InputFile::new(
            "production/kustomization.yaml",
            "namespace: demo\nresources:\n  - ../base\n",
        ),
        InputFile::new(
            "production/flux-patch.yaml",
            corpus_file("fluxcd__flux-kustomize-example__production__flux-patch.yaml"),
        ),
        fluxd("staging,production"),
    ];
    let conv = convert(&inputs, &Options::default());
    check_valid_and_stable(&conv, "kustomize-example");
    for p in ["staging/flux-patch.yaml", "production/flux-patch.yaml"] {
        assert_eq!(out(&conv, p).status, FileStatus::Deleted, "{p}");
    }
    // The patch only carried the image pin and policy annotations: nothing but `images:`,
    // plus the generated image automation file listed in `resources:` (discovery).
    assert_eq!(
        out(&conv, "staging/kustomization.yaml").text(),
        "namespace: demo\nresources:\n  - ../base\n  - fluxport-image-automation.yaml\nimages:\n  - name: stefanprodan/podinfo\n    newTag: 1.4.4 # {\"$imagepolicy\": \"flux-system:demo-podinfo-deploy-podinfod:tag\"}\n"
    );
    // Production only had lock annotations: the kustomization stays byte-identical.
    assert_eq!(
        out(&conv, "production/kustomization.yaml").status,
        FileStatus::Unchanged
    );
    let auto = docs(out(&conv, "staging/fluxport-image-automation.yaml").text());
    let pol = object(&auto, "ImagePolicy", "demo-podinfo-deploy-podinfod");
    assert_eq!(pol["spec"]["policy"]["semver"]["range"], "~1.4");
    // Every dropped line is named: $setElementOrder, each annotation.
    let moved: Vec<String> = codes_of(&conv)
        .into_iter()
        .filter(|(c, _)| c == "FLUX_PATCH_MOVED")
        .map(|(_, m)| m)
        .collect();
    let all = moved.join("\n");
    for needle in [
        "$setElementOrder/containers",
        "flux.weave.works/automated",
        "flux.weave.works/tag.podinfod",
        "flux.weave.works/tag.init",
        "flux.weave.works/locked_user",
        "flux.weave.works/locked_msg",
    ] {
        assert!(all.contains(needle), "{needle} not accounted for:\n{all}");
    }
    // `tag.init` names a container the patch does not pin: reported, not guessed.
    assert!(has_code(&conv, "FLUX_PATCH_AUTOMATION"));
    for f in &conv.files {
        assert!(!f.text().contains("$setElementOrder"), "{}", f.path);
    }
    let sync = docs(out(&conv, "flux-system/fluxport-sync.yaml").text());
    assert_eq!(
        object(&sync, "Kustomization", "deploy-staging")["spec"]["path"],
        "./staging"
    );
}

/// multi-tenancy-team1: two workloads pin the same image and tag.
#[test]
fn corpus_patch_updated_team1_shared_image() {
    let inputs = vec![
        InputFile::new(".flux.yaml", corpus_file("fluxcd__multi-tenancy-team1__.flux.yaml")),
        InputFile::new("flux-patch.yaml", corpus_file("fluxcd__multi-tenancy-team1__flux-patch.yaml")),
        InputFile::new("kustomization.yaml", "resources:\n  - frontend.yaml\n  - backend.yaml\n"),
        InputFile::new("frontend.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: frontend\n  namespace: team1\nspec:\n  template:\n    spec:\n      containers:\n      - name: podinfod\n        image: quay.io/stefanprodan/podinfo:1.6.0\n"),
        InputFile::new("backend.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: backend\n  namespace: team1\nspec:\n  template:\n    spec:\n      containers:\n      - name: podinfod\n        image: quay.io/stefanprodan/podinfo:1.6.0\n"),
    ];
    let opts = Options {
        git_url: Some("git@github.com:org/dev-team1".into()),
        ..Options::default()
    };
    let conv = convert(&inputs, &opts);
    check_valid_and_stable(&conv, "team1");
    assert_eq!(out(&conv, "flux-patch.yaml").status, FileStatus::Deleted);
    let k = out(&conv, "kustomization.yaml").text();
    assert!(
        k.ends_with("images:\n  - name: quay.io/stefanprodan/podinfo\n    newTag: 1.7.0 # {\"$imagepolicy\": \"flux-system:team1-backend-deploy-podinfod:tag\"}\n"),
        "{k}"
    );
    // No daemon manifest: converted as if manifest generation was on, and said so.
    assert!(has_code(&conv, "MANIFEST_GENERATION_UNKNOWN"));
    assert!(codes_of(&conv)
        .iter()
        .any(|(c, m)| c == "FLUX_PATCH_MOVED" && m.contains("team1-frontend-deploy-podinfod")));
}

/// hmcts: `kustomize build --load_restrictor none .` with a HelmRelease patch file.
#[test]
fn corpus_load_restrictor_and_helmrelease_patch() {
    let dir = "k8s/environments/dev/common-overlay";
    let inputs = vec![
        InputFile::new(format!("{dir}/.flux.yaml"), corpus_file("hmcts__sds-flux-config__k8s__environments__dev__common-overlay__.flux.yaml")),
        InputFile::new(format!("{dir}/kustomization.yaml"), "resources:\n  - ../../../namespaces/vh\n"),
        InputFile::new(format!("{dir}/flux-patch.yaml"), corpus_file("hmcts__sds-flux-config__k8s__environments__demo__common-overlay__vh__flux-patch.yaml")),
        fluxd(dir),
    ];
    let conv = convert(&inputs, &Options::default());
    check_valid_and_stable(&conv, "hmcts");
    assert!(codes_of(&conv)
        .iter()
        .any(|(c, m)| c == "FLUX_YAML" && m.contains("LoadRestrictionsNone")));
    let sync = docs(out(&conv, "flux-system/fluxport-sync.yaml").text());
    assert_eq!(
        object(&sync, "Kustomization", "deploy")["spec"]["path"],
        format!("./{dir}")
    );
    let k = out(&conv, &format!("{dir}/kustomization.yaml"))
        .text()
        .to_string();
    assert!(
        k.contains("      apiVersion: helm.toolkit.fluxcd.io/v2\n"),
        "{k}"
    );
    assert!(
        k.contains("      kind: HelmRelease\n      name: vh-user-api\n      namespace: vh\n"),
        "{k}"
    );
    // Automation on a HelmRelease patch cannot get a marker: reported.
    assert!(has_code(&conv, "FLUX_PATCH_AUTOMATION"));
    assert!(
        !has_code(&conv, "PARTIAL_HELMRELEASE"),
        "a moved patch is not a partial HelmRelease"
    );
}

/// multi-tenancy: commandUpdated `kustomize build .` governs `--git-path=cluster` of the
/// overlay daemon (base Deployment + kustomize patch of its args).
#[test]
fn corpus_command_updated_and_overlay_daemon() {
    let inputs = vec![
        InputFile::new(
            ".flux.yaml",
            corpus_file("fluxcd__multi-tenancy__.flux.yaml"),
        ),
        InputFile::new(
            "base/flux/deployment.yaml",
            corpus_file("fluxcd__multi-tenancy__base__flux__deployment.yaml"),
        ),
        InputFile::new(
            "base/flux/kustomization.yaml",
            "resources:\n  - deployment.yaml\n",
        ),
        InputFile::new(
            "install/flux-patch.yaml",
            corpus_file("fluxcd__multi-tenancy__install__flux-patch.yaml"),
        ),
        InputFile::new(
            "install/kustomization.yaml",
            "resources:\n  - ../base/flux\npatchesStrategicMerge:\n  - flux-patch.yaml\n",
        ),
        InputFile::new("cluster/kustomization.yaml", "resources: []\n"),
    ];
    let conv = convert(&inputs, &Options::default());
    check_valid_and_stable(&conv, "multi-tenancy");
    let syncs: Vec<&fluxport_core::OutputFile> = conv
        .files
        .iter()
        .filter(|f| f.path.starts_with("flux-system/fluxport-sync"))
        .collect();
    assert_eq!(
        syncs.len(),
        1,
        "the base is only used through the overlay: {syncs:?}"
    );
    let sync = docs(syncs[0].text());
    let k = object(&sync, "Kustomization", "dev-cluster");
    assert_eq!(k["spec"]["path"], "./cluster");
    assert!(codes_of(&conv)
        .iter()
        .any(|(c, m)| c == "FLUX_YAML" && m.contains("./cluster")));
    let base_ns = docs(
        std::str::from_utf8(&corpus_file(
            "fluxcd__multi-tenancy__base__flux__deployment.yaml",
        ))
        .unwrap(),
    )
    .into_iter()
    .find(|d| d["kind"] == "Deployment")
    .and_then(|d| d["metadata"]["namespace"].as_str().map(str::to_string))
    .unwrap_or_else(|| "flux".into());
    assert!(
        conv.report.runbook.contains(&format!(
            "kubectl -n {base_ns} scale deployment/flux --replicas=0"
        )),
        "{}",
        conv.report.runbook
    );
}

/// Daemon forms from the corpus: the canonical fluxd Deployment, helm-operator's
/// Deployment, and the `flux` chart installed by a HelmRelease.
#[test]
fn corpus_daemon_forms() {
    let conv = convert(
        &[
            InputFile::new(
                "flux/flux-deployment.yaml",
                corpus_file("fluxcd__flux__deploy__flux-deployment.yaml"),
            ),
            InputFile::new(
                "flux/helm-operator.yaml",
                corpus_file("fluxcd__helm-operator__deploy__deployment.yaml"),
            ),
            InputFile::new(
                "apps/hr.yaml",
                corpus_file(
                    "fluxcd__helm-operator__test__e2e__fixtures__releases__convert-2to3-v2.yaml",
                ),
            ),
        ],
        &Options::default(),
    );
    check_valid_and_stable(&conv, "daemon forms");
    let sync = docs(out(&conv, "flux-system/fluxport-sync.yaml").text());
    assert_eq!(
        object(&sync, "GitRepository", "flux-get-started")["spec"]["url"],
        "ssh://git@github.com/fluxcd/flux-get-started"
    );
    assert!(conv
        .report
        .runbook
        .contains("kubectl -n flux scale deployment/flux --replicas=0"));
    assert!(
        conv.report
            .runbook
            .contains("deployment/flux-helm-operator")
            || conv.report.runbook.contains("deployment/helm-operator")
    );
    // The operator's built-in default list v2,v3 ⇒ HelmReleases without helmVersion are Helm 2.
    assert!(has_code(&conv, "HELM2_RELEASE"));

    // The flux chart installed by a HelmRelease: Flux v1 itself, not converted.
    let conv = convert(
        &[InputFile::new(
            "flux/flux.yaml",
            corpus_file("billimek__k8s-gitops__flux__flux__flux.yaml"),
        )],
        &Options::default(),
    );
    assert!(has_code(&conv, "FLUX_V1_COMPONENT"));
    assert_eq!(out(&conv, "flux/flux.yaml").status, FileStatus::Deleted);
    assert!(
        conv.report.runbook.contains("helm uninstall flux -n flux"),
        "{}",
        conv.report.runbook
    );
}

/// Options left unset are overridden by the detected helm-operator; explicit ones win.
#[test]
fn explicit_options_win_over_detection() {
    let op = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: helm-operator\n  namespace: flux\nspec:\n  template:\n    spec:\n      containers:\n      - name: helm-operator\n        image: docker.io/fluxcd/helm-operator:1.4.4\n        args:\n        - --charts-sync-interval=10m\n        - --enabled-helm-versions=v3\n";
    let hr = "apiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata:\n  name: web\n  namespace: apps\nspec:\n  chart:\n    repository: https://charts.example.com\n    name: web\n    version: 1.0.0\n";
    let inputs = [InputFile::new("op.yaml", op), InputFile::new("hr.yaml", hr)];
    let interval = |c: &fluxport_core::Conversion| {
        docs(out(c, "hr.yaml").text())[0]["spec"]["interval"].clone()
    };

    let detected = convert(&inputs, &Options::default());
    assert_eq!(interval(&detected), "10m");
    assert!(
        !has_code(&detected, "HELM2_RELEASE"),
        "v3 first in --enabled-helm-versions"
    );

    // Explicitly set to the built-in default value: still wins.
    let mut opts = Options::default();
    opts.mark_explicit("chart-sync-interval");
    opts.mark_explicit("default-helm-version");
    let explicit = convert(&inputs, &opts);
    assert_eq!(interval(&explicit), "3m");
    assert!(has_code(&explicit, "HELM2_RELEASE"));
}

/// Helm 3 on Flux v1 with the corpus migration fixture and an old operator.
#[test]
fn helm3_on_flux_v1_operator_bump() {
    let op = String::from_utf8(corpus_file(
        "fluxcd__helm-operator__deploy__deployment.yaml",
    ))
    .unwrap()
    .replace("helm-operator:1.4.4", "helm-operator:1.1.0");
    let opts = Options {
        target: Target::Helm3OnFluxV1,
        ..Options::default()
    };
    let conv = convert(
        &[
            InputFile::new("flux/helm-operator.yaml", op.clone()),
            InputFile::new(
                "apps/hr.yaml",
                corpus_file(
                    "fluxcd__helm-operator__test__e2e__fixtures__releases__convert-2to3-v2.yaml",
                ),
            ),
        ],
        &opts,
    );
    let new_op = out(&conv, "flux/helm-operator.yaml").text();
    assert_eq!(
        new_op,
        op.replace("helm-operator:1.1.0", "helm-operator:1.4.4"),
        "one token changed"
    );
    assert!(has_code(&conv, "HELM_OPERATOR_UPGRADED"));
    let hr = out(&conv, "apps/hr.yaml").text();
    assert!(
        hr.contains("helm.fluxcd.io/migrate: \"true\"") && hr.contains("helmVersion: v3"),
        "{hr}"
    );
    let rb = &conv.report.runbook;
    for line in [
        "running 2to3 migration",
        "running helm 2to3 conversion in dry-run mode",
        "upgrade succeeded",
        "helm.fluxcd.io/migrate: dry-run",
    ] {
        assert!(rb.contains(line), "runbook lacks `{line}`:\n{rb}");
    }
    assert!(
        conv.files
            .iter()
            .all(|f| !f.path.starts_with("flux-system/")),
        "no Flux v2 objects"
    );
}

/// Odd `.flux.yaml` / patch / kustomization shapes: findings, never a panic, and the
/// reconversion is stable.
#[test]
fn flux_yaml_odd_shapes() {
    let patch = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\n  namespace: n\nspec:\n  replicas: 2\n";
    let cases: Vec<(&str, &str, Option<&str>, &str)> = vec![
        ("", "resources: []\n", None, "FLUX_YAML_INVALID"),
        ("version: 2\nscanForFiles: {}\n", "resources: []\n", None, "FLUX_YAML_INVALID"),
        ("version: 1\nscanForFiles: {}\ncommandUpdated: {}\n", "resources: []\n", None, "FLUX_YAML_INVALID"),
        ("version: 1\nscanForFiles: {}\n", "resources: []\n", None, "FLUX_YAML"),
        ("version: 1\ncommandUpdated:\n  generators: {command: 3}\n", "resources: []\n", None, "GENERATOR_UNSUPPORTED"),
        ("version: 1\ncommandUpdated:\n  generators:\n  - command: kustomize build ../../..\n", "resources: []\n", None, "GENERATOR_UNSUPPORTED"),
        ("version: 1\ncommandUpdated:\n  generators:\n  - command: helm template chart\n", "resources: []\n", None, "GENERATOR_UNSUPPORTED"),
        ("version: 1\ncommandUpdated:\n  generators:\n  - command: kustomize build .\n  - command: kustomize build ../other\n", "resources: []\n", None, "GENERATOR_UNSUPPORTED"),
        ("version: 1\npatchUpdated:\n  generators:\n  - command: kustomize build .\n  patchFile: p.yaml\n", "patches: []\n", Some(patch), "FLUX_PATCH_NOT_MOVED"),
        ("version: 1\npatchUpdated:\n  generators:\n  - command: kustomize build .\n  patchFile: p.yaml\n", "", Some(patch), "FLUX_PATCH_NOT_MOVED"),
        ("version: 1\npatchUpdated:\n  generators:\n  - command: kustomize build .\n  patchFile: p.yaml\n", "resources: []\n", Some("- just\n- a list\n"), "FLUX_PATCH_NOT_MOVED"),
        ("version: 1\npatchUpdated:\n  generators:\n  - command: kustomize build .\n  patchFile: p.yaml\n", "resources:\r\n- a.yaml\r\npatches:\r\n- path: x.yaml\r\n", Some(patch), "FLUX_PATCH_MOVED"),
    ];
    for (i, (cfg, kust, p, code)) in cases.into_iter().enumerate() {
        let mut inputs = vec![
            InputFile::new("app/.flux.yaml", cfg),
            InputFile::new("app/kustomization.yaml", kust),
            fluxd("app"),
        ];
        if let Some(p) = p {
            inputs.push(InputFile::new("app/p.yaml", p));
        }
        let conv = convert(&inputs, &Options::default());
        assert!(
            has_code(&conv, code),
            "case {i}: no {code}: {:#?}",
            codes_of(&conv)
        );
        check_valid_and_stable(&conv, &format!("case {i}"));
        if code == "GENERATOR_UNSUPPORTED" || code == "FLUX_YAML_INVALID" {
            let sync = out(&conv, "flux-system/fluxport-sync.yaml").text();
            assert!(
                !sync.contains("kind: Kustomization"),
                "case {i}: no Kustomization for the path\n{sync}"
            );
        }
        if code == "FLUX_PATCH_MOVED" {
            let k = out(&conv, "app/kustomization.yaml").text();
            assert!(k.starts_with("resources:\r\n- a.yaml\r\npatches:\r\n- path: x.yaml\r\n- target:\r\n    kind: Deployment\r\n"), "case {i}: {k:?}");
            assert!(!k.replace("\r\n", "").contains('\n'), "CRLF kept: {k:?}");
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
        FileStatus::Failed
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

/// §3.6: without `--manifest-generation=true` fluxd ignored `.flux.yaml` and applied the
/// plain files, so the file is reported (MANIFEST_GENERATION_OFF) and the Kustomization
/// keeps the git path itself.
#[test]
fn flux_yaml_without_manifest_generation_is_inactive() {
    let mut daemon = fluxd("cluster");
    let text = String::from_utf8(daemon.bytes.clone()).unwrap();
    daemon.bytes = text
        .replace("        - --manifest-generation=true\n", "")
        .into_bytes();
    let inputs = vec![
        InputFile::new(
            ".flux.yaml",
            "version: 1\ncommandUpdated:\n  generators:\n    - command: kustomize build ./overlay\n",
        ),
        InputFile::new(
            "cluster/cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: apps\n",
        ),
        daemon,
    ];
    let conv = convert(&inputs, &Options::default());
    check_valid_and_stable(&conv, "manifest generation off");
    let off = findings_of(&conv, "MANIFEST_GENERATION_OFF");
    assert_eq!(off.len(), 1, "{:?}", conv.report.findings);
    assert_eq!(off[0].file, ".flux.yaml");
    assert!(findings_of(&conv, "FLUX_YAML").is_empty());
    let sync = out(&conv, "flux-system/fluxport-sync.yaml");
    assert!(sync.text().contains("path: ./cluster\n"), "{}", sync.text());
}

/// A `.flux.yaml` HelmRelease pin of an automated base release: when the patch file can
/// be moved, the pin gets its own patch file with a marker; when it cannot (the
/// kustomization's `patches:` is flow style), the finding says that image automation
/// is lost for that environment — never silently (ADR 0003).
#[test]
fn flux_patch_helmrelease_pin_marker_or_lost_automation_is_said() {
    let golden = repo_root().join("tests/golden/fluxyaml-patch-helmrelease-pin/in");
    let moved = convert(&read_dir_inputs(&golden), &Options::default());
    let pin = out(&moved, "staging/flux-patch-shop-frontend.yaml").text();
    assert!(
        pin.contains(":prod-270662e-20211119163356 # {\"$imagepolicy\": \"flux-system:shop-frontend-hr-nodejs\"}"),
        "{pin}"
    );
    assert!(!has_code(&moved, "FLUX_PATCH_NOT_MOVED"));

    // The same tree with a flow-style `patches: []`: the patch file cannot move.
    let inputs: Vec<InputFile> = read_dir_inputs(&golden)
        .into_iter()
        .map(|f| {
            if f.path == "staging/kustomization.yaml" {
                InputFile::new(f.path, "resources:\n  - ../base\npatches: []\n")
            } else {
                f
            }
        })
        .collect();
    let stuck = convert(&inputs, &Options::default());
    let f = stuck
        .report
        .findings
        .iter()
        .find(|f| f.code.as_str() == "FLUX_PATCH_NOT_MOVED")
        .expect("FLUX_PATCH_NOT_MOVED");
    assert_eq!(f.file, "staging/flux-patch.yaml");
    assert!(
        f.message
            .contains("image automation is lost for this environment"),
        "{}",
        f.message
    );
    assert!(stuck
        .files
        .iter()
        .all(|f| f.path != "staging/flux-patch-shop-frontend.yaml"));
}
