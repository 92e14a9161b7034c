//! The cut-over runbook (MAPPING.md §2.10): a Markdown document with this input's
//! names, part of the report.

use crate::model::codes::Code;
use crate::model::finding::ReleaseEntry;
use crate::model::flux_v1::{Daemon, HelmOperator};
use crate::model::options::{Options, Target};
use crate::text::markdown::{self, shell_comment, shell_word};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

pub fn render(releases: &[ReleaseEntry], opts: &Options) -> String {
    render_full(releases, &[], &[], &[], None, &BTreeMap::new(), opts)
}

/// Findings that name a Secret the new objects need before they can reconcile.
const SECRET_CODES: [Code; 5] = [
    Code::SSH_SECRET_REQUIRED,
    Code::GIT_CREDENTIALS_IN_URL,
    Code::SOPS_KEY_SECRET,
    Code::REGISTRY_CREDS,
    Code::HELMREPO_AUTH_UNKNOWN,
];

/// The runbook with the detected daemon / helm-operator names and the generated sync
/// files (`daemon::emit`).
pub fn render_full(
    releases: &[ReleaseEntry],
    findings: &[crate::model::finding::Finding],
    components: &[crate::model::flux_v1::V1Component],
    daemons: &[Daemon],
    operator: Option<&HelmOperator>,
    new_files: &BTreeMap<String, Vec<String>>,
    opts: &Options,
) -> String {
    if opts.target == Target::Helm3OnFluxV1 {
        return render_helm3_on_v1(releases, operator);
    }
    let mut md = String::from("## Cut-over runbook\n\n");
    let helm2: Vec<&ReleaseEntry> = releases.iter().filter(|r| r.helm2).collect();
    let _ = writeln!(
        md,
        "Converted HelmReleases: {} ({} still on Helm 2).\n",
        releases.len(),
        helm2.len()
    );
    md.push_str("1. **Freeze and stop Flux v1.** Both controllers act on the same Helm releases if both run, and deleting a v1 HelmRelease while helm-operator runs uninstalls the release.\n\n");
    md.push_str("   ```sh\n");
    let mut scaled = BTreeSet::new();
    for d in daemons.iter().filter(|d| !d.file.is_empty()) {
        if scaled.insert((d.namespace.clone(), d.deployment.clone())) {
            let _ = writeln!(
                md,
                "   kubectl -n {} scale {} --replicas=0   # fluxd from {}",
                shell_word(&d.namespace),
                shell_word(&format!("deployment/{}", d.deployment)),
                shell_comment(&d.file)
            );
        }
    }
    if scaled.is_empty() {
        md.push_str("   kubectl -n flux scale deployment/flux --replicas=0\n");
    }
    match operator {
        Some(op) => {
            let _ = writeln!(
                md,
                "   kubectl -n {} scale {} --replicas=0   # from {}",
                shell_word(&op.namespace),
                shell_word(&format!("deployment/{}", op.deployment)),
                shell_comment(&op.file)
            );
        }
        None => md.push_str("   kubectl -n flux scale deployment/helm-operator --replicas=0\n"),
    }
    md.push_str("   ```\n\n");
    md.push_str("2. **Install Flux v2** (controllers only; the repository is wired up in step 4):\n\n   ```sh\n   flux install\n   ```\n\n");
    if helm2.is_empty() {
        md.push_str("3. **Helm 2 releases:** none.\n\n");
    } else {
        md.push_str("3. **Convert Helm 2 releases to Helm 3** (helm-controller cannot read Tiller storage). Dry-run first with `--dry-run`:\n\n   ```sh\n");
        for r in &helm2 {
            let _ = writeln!(
                md,
                "   helm 2to3 convert {}   # {}",
                shell_word(&r.release_name),
                shell_comment(&format!(
                    "{}/{} → stored in namespace {}",
                    r.namespace, r.name, r.storage_namespace
                ))
            );
        }
        md.push_str("   ```\n\n");
    }
    let mut secrets: BTreeSet<String> = BTreeSet::new();
    secrets.extend(
        findings
            .iter()
            .filter(|f| SECRET_CODES.contains(&f.code))
            .map(|f| {
                let at = if f.file.is_empty() {
                    String::new()
                } else if f.line == 0 {
                    format!(" ({})", markdown::cell(&f.file))
                } else {
                    format!(" ({}:{})", markdown::cell(&f.file), f.line)
                };
                format!("   - {}{at}", markdown::cell(&f.message))
            }),
    );
    if !secrets.is_empty() {
        md.push_str("   Then **create the Secrets** the new objects reference, before step 4 (`flux create secret git|helm ...`, `kubectl create secret generic ...`):\n\n");
        for s in &secrets {
            md.push_str(s);
            md.push('\n');
        }
        md.push('\n');
    }
    let verify: Vec<&crate::model::finding::Finding> = findings
        .iter()
        .filter(|f| f.code == Code::ORDERING_INFERRED)
        .collect();
    if !verify.is_empty() {
        md.push_str("   Then **verify each inferred image tag order** (ORDERING_INFERRED) before step 4: the policy is active and considers only tags of the shape below, so check that CI has built every tag in that shape since the current one:

");
        for f in verify {
            let _ = writeln!(
                md,
                "   - verify: {} ({}:{})",
                markdown::cell(&f.message),
                markdown::cell(&f.file),
                f.line
            );
        }
        md.push('\n');
    }
    md.push_str("4. **Commit and push the converted manifests**, then apply the generated GitRepository/Kustomization (or `flux bootstrap`) so that Flux v2 syncs the same paths:\n\n   ```sh\n   git add -A && git commit -m \"Migrate to Flux v2\" && git push\n");
    let sync: Vec<&String> = new_files
        .keys()
        .filter(|p| p.starts_with(crate::model::paths::SYNC_DIR) && p.contains("fluxport-sync"))
        .collect();
    for p in &sync {
        let _ = writeln!(md, "   kubectl apply -f {}", shell_word(p));
    }
    if sync.is_empty() {
        md.push_str("   # no Flux v1 daemon found: create a GitRepository + Kustomization for each synced path\n");
    }
    md.push_str("   ```\n\n");
    md.push_str("5. **Verify that every release is adopted by an upgrade, not a fresh install:**\n\n   ```sh\n   flux get all -A\n   flux get helmreleases -A\n   ```\n\n");
    if !releases.is_empty() {
        release_table(&mut md, releases, "Storage namespace");
        md.push('\n');
        md.push_str("   `helm history <release> -n <storage namespace>` must show a new revision made by helm-controller, not revision 1.\n\n");
    }
    md.push_str("6. **Remove Flux v1 last**, once every HelmRelease above is Ready:\n\n   ```sh\n");
    for c in components {
        let _ = writeln!(
            md,
            "   {}   # Flux v1 {}",
            crate::repo::daemon::uninstall_command(c),
            if c.deployment {
                "Deployment"
            } else {
                "chart release"
            }
        );
    }
    md.push_str("   kubectl delete crd helmreleases.helm.fluxcd.io   # the OLD v1 CRD\n   ```\n\n");
    md.push_str("   Do **not** delete `helmreleases.helm.toolkit.fluxcd.io`: that is Flux v2's CRD, and deleting it uninstalls every release.\n");
    md
}

/// Helm 2 → Helm 3 on Flux v1 (helm-operator's `helm.fluxcd.io/migrate` annotation).
/// The log lines quoted are helm-operator's (`pkg/release/release.go#Release.run`,
/// `#Release.determineSyncAction`; `pkg/helm/v3/converter.go#Converter.Convert`).
fn render_helm3_on_v1(releases: &[ReleaseEntry], operator: Option<&HelmOperator>) -> String {
    let mut md = String::from("## Runbook: Helm 2 → Helm 3 on Flux v1\n\n");
    let (ns_raw, dep_raw) = operator
        .map(|o| (o.namespace.as_str(), o.deployment.as_str()))
        .unwrap_or(("flux", "helm-operator"));
    let target = markdown::code(&format!("{ns_raw}/{dep_raw}"));
    let ns = shell_word(ns_raw);
    let dep = shell_word(&format!("deployment/{dep_raw}"));
    let _ = writeln!(md, "Releases to migrate: {}.\n", releases.len());
    let _ = writeln!(md, "1. **Upgrade helm-operator first** ({target}): version ≥ {}.{}.{} (the first with the `helm.fluxcd.io/migrate` annotation; this output bumps older tags to {}) with both Helm versions enabled (`--enabled-helm-versions=v2,v3`, env `HELM_VERSION`, or chart value `helm.versions`). Re-apply the HelmRelease CRD of that version with it. The conversion is built into the operator (helm-2to3 library, no plugin); it reads the Helm 2 release from Tiller's storage, so keep Tiller running until the end.\n", crate::helm::helm3_on_v1::MIN_MIGRATE_VERSION.0, crate::helm::helm3_on_v1::MIN_MIGRATE_VERSION.1, crate::helm::helm3_on_v1::MIN_MIGRATE_VERSION.2, crate::helm::helm3_on_v1::UPGRADE_TO);
    let _ = writeln!(
        md,
        "   ```sh\n   kubectl -n {ns} rollout status {dep}\n   ```\n"
    );
    md.push_str("2. **Dry run on one release**: set `helm.fluxcd.io/migrate: dry-run` (with `helmVersion: v3`) on one HelmRelease. The operator logs `running 2to3 migration` and then `running helm 2to3 conversion in dry-run mode`, changes nothing and skips the upgrade. A failure shows up as `failed to convert helm chart from v2 to v3: installation failed: <cause>` and the HelmRelease phase `Failed`.\n\n");
    let _ = writeln!(
        md,
        "   ```sh\n   kubectl -n {ns} logs {dep} | grep -E '2to3|convert'\n   ```\n"
    );
    md.push_str("3. **Roll out release by release** (or namespace by namespace): commit this output (`helmVersion: v3` + `helm.fluxcd.io/migrate: \"true\"`) in batches and push; fluxd applies it. On success the operator logs `running 2to3 migration`, then `running upgrade` and `upgrade succeeded`; the HelmRelease phase goes Migrating → Succeeded → Upgrading → Deployed. The Helm 2 release versions are deleted from Tiller's storage after the copy (there is no way back to Helm 2 through the operator).\n\n");
    md.push_str("   Conflicts: if a Helm 3 release of the same name already exists, the operator skips the migration and upgrades that Helm 3 release (the Helm 2 release stays in Tiller: delete it with Helm 2's `helm delete --purge` only after checking). A release managed by another HelmRelease is skipped with `release appears to be managed by '<other HelmRelease>'`. Without the annotation, a `helmVersion: v3` HelmRelease over an existing Helm 2 release tries a fresh install, which fails on the existing resources (\"unable to resolve conflicts\").\n\n");
    if !releases.is_empty() {
        release_table(&mut md, releases, "Release namespace");
        md.push('\n');
    }
    md.push_str("4. **Verify** with Helm 3 that every release above is listed (`helm list -A`) and `kubectl get helmreleases.helm.fluxcd.io -A` shows them `deployed`; `helm 2to3 cleanup` / removing Tiller comes only after every release is migrated. The annotation may stay (with a Helm 3 release present the migration is skipped).\n");
    md
}

/// The table of releases every runbook lists; `last` names the namespace column.
fn release_table(md: &mut String, releases: &[ReleaseEntry], last: &str) {
    let _ = writeln!(
        md,
        "   | Namespace | HelmRelease | Helm release name | {last} |\n   |---|---|---|---|"
    );
    for r in releases {
        let _ = writeln!(
            md,
            "   | {} | {} | {} | {} |",
            markdown::cell(&r.namespace),
            markdown::cell(&r.name),
            markdown::cell(&r.release_name),
            markdown::cell(&r.storage_namespace)
        );
    }
}
