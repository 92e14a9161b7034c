//! The cut-over runbook (MAPPING.md §2.10): a Markdown document with this input's
//! names, part of the report.

use crate::report::ReleaseEntry;
use crate::Options;
use std::fmt::Write;

pub fn render(releases: &[ReleaseEntry], opts: &Options) -> String {
    let mut md = String::from("## Cut-over runbook\n\n");
    let helm2: Vec<&ReleaseEntry> = releases.iter().filter(|r| r.helm2).collect();
    let _ = writeln!(
        md,
        "Converted HelmReleases: {} ({} still on Helm 2).\n",
        releases.len(),
        helm2.len()
    );
    md.push_str("1. **Freeze and stop Flux v1.** Both controllers act on the same Helm releases if both run, and deleting a v1 HelmRelease while helm-operator runs uninstalls the release.\n\n");
    md.push_str("   ```sh\n   kubectl -n flux scale deployment/flux --replicas=0\n   kubectl -n flux scale deployment/helm-operator --replicas=0\n   ```\n\n");
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
    md.push_str("4. **Commit and push the converted manifests**, then apply the generated GitRepository/Kustomization (or `flux bootstrap`) so that Flux v2 syncs the same paths.\n\n");
    md.push_str("5. **Verify that every release is adopted by an upgrade, not a fresh install:**\n\n   ```sh\n   flux get all -A\n   flux get helmreleases -A\n   ```\n\n");
    if !releases.is_empty() {
        md.push_str("   | Namespace | HelmRelease | Helm release name | Storage namespace |\n   |---|---|---|---|\n");
        for r in releases {
            let _ = writeln!(
                md,
                "   | {} | {} | {} | {} |",
                r.namespace, r.name, r.release_name, r.storage_namespace
            );
        }
        md.push('\n');
        md.push_str("   `helm history <release> -n <storage namespace>` must show a new revision made by helm-controller, not revision 1.\n\n");
    }
    md.push_str("6. **Remove Flux v1 last**, once every HelmRelease above is Ready:\n\n   ```sh\n   kubectl delete crd helmreleases.helm.fluxcd.io   # the OLD v1 CRD\n   ```\n\n");
    md.push_str("   Do **not** delete `helmreleases.helm.toolkit.fluxcd.io`: that is Flux v2's CRD, and deleting it uninstalls every release.\n");
    let _ = opts;
    md
}
