//! The cut-over runbook (MAPPING.md §2.10): a Markdown document with this input's
//! names, part of the report.

use crate::daemon::{Daemon, HelmOperator};
use crate::report::ReleaseEntry;
use crate::{Options, Target};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

pub fn render(releases: &[ReleaseEntry], opts: &Options) -> String {
    render_full(releases, &[], None, &BTreeMap::new(), opts)
}

/// The runbook with the detected daemon / helm-operator names and the generated sync
/// files (`daemon::emit`).
pub fn render_full(
    releases: &[ReleaseEntry],
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
                "   kubectl -n {} scale deployment/{} --replicas=0   # fluxd from {}",
                d.namespace, d.deployment, d.file
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
                "   kubectl -n {} scale deployment/{} --replicas=0   # from {}",
                op.namespace, op.deployment, op.file
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
                "   helm 2to3 convert {}   # {}/{} → stored in namespace {}",
                r.release_name, r.namespace, r.name, r.storage_namespace
            );
        }
        md.push_str("   ```\n\n");
    }
    md.push_str("4. **Commit and push the converted manifests**, then apply the generated GitRepository/Kustomization (or `flux bootstrap`) so that Flux v2 syncs the same paths:\n\n   ```sh\n   git add -A && git commit -m \"Migrate to Flux v2\" && git push\n");
    let sync: Vec<&String> = new_files
        .keys()
        .filter(|p| p.starts_with(crate::daemon::SYNC_DIR) && p.contains("fluxport-sync"))
        .collect();
    for p in &sync {
        let _ = writeln!(md, "   kubectl apply -f {p}");
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
    md.push_str("6. **Remove Flux v1 last**, once every HelmRelease above is Ready:\n\n   ```sh\n   kubectl delete crd helmreleases.helm.fluxcd.io   # the OLD v1 CRD\n   ```\n\n");
    md.push_str("   Do **not** delete `helmreleases.helm.toolkit.fluxcd.io`: that is Flux v2's CRD, and deleting it uninstalls every release.\n");
    md
}

/// Helm 2 → Helm 3 on Flux v1 (helm-operator's `helm.fluxcd.io/migrate` annotation).
fn render_helm3_on_v1(releases: &[ReleaseEntry], operator: Option<&HelmOperator>) -> String {
    let mut md = String::from("## Runbook: Helm 2 → Helm 3 on Flux v1\n\n");
    let (ns, dep) = operator
        .map(|o| (o.namespace.as_str(), o.deployment.as_str()))
        .unwrap_or(("flux", "helm-operator"));
    let _ = writeln!(md, "Releases to migrate: {}.\n", releases.len());
    let _ = writeln!(md, "1. **Upgrade helm-operator** (`{ns}/{dep}`) to ≥ 1.0.0-rc5 with both Helm versions enabled (`--enabled-helm-versions=v2,v3`), and install the `helm-2to3` plugin support it uses. Keep Tiller running until the end.\n");
    md.push_str("2. **Dry run first**: set `helm.fluxcd.io/migrate: dry-run` on one release and check the operator log for the planned conversion; then commit `\"true\"` (this output) and push.\n\n");
    md.push_str("3. **Roll out release by release** (or namespace by namespace): on success the operator logs that the release was migrated from Helm 2 to Helm 3 and continues with a Helm 3 upgrade; on a resource conflict (a Helm 3 release of that name already exists) it logs an error and leaves the Helm 2 release untouched — remove the conflicting Helm 3 release or rename before retrying.\n\n");
    if !releases.is_empty() {
        release_table(&mut md, releases, "Namespace");
        md.push('\n');
    }
    md.push_str("4. **Verify** with `helm list -A` (Helm 3) that every release above is listed, then `kubectl get helmreleases.helm.fluxcd.io -A` shows them deployed; only then clean up Tiller (`helm 2to3 cleanup`).\n");
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
            r.namespace, r.name, r.release_name, r.storage_namespace
        );
    }
}
