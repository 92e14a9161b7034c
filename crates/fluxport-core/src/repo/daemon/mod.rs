//! The Flux v1 daemon (fluxd) and helm-operator settings (MAPPING.md §2.7, §3):
//! detection in the input, and the GitRepository/Kustomization they become.
//!
//! Forms detected:
//! * a Deployment (or a kustomize patch of one) whose container runs fluxd (image
//!   `*/flux:*`, or a container named `flux` with `--git-*` args), with `$(VAR)`
//!   interpolation from the container's `env:` values;
//! * a v1 HelmRelease of the `flux` chart (values `git.*`, `sync.*`, `registry.*`,
//!   `syncGarbageCollection.*`, `additionalArgs`, ...);
//! * the same two forms for helm-operator (image `*helm-operator*`, chart
//!   `helm-operator`, values `helm.versions`, `chartsSyncInterval`, `git.*`,
//!   `allowNamespace`);
//! * options (`git_url`, `git_branch`, `sync_paths`) when the daemon is not in the input.
//!
//! The generated GitRepository + Kustomizations go into `flux-system/fluxport-sync.yaml`
//! (one file per daemon: `flux-system/fluxport-sync-<path>.yaml` when there are several),
//! which lies outside the sync paths unless a daemon syncs the repository root: it is
//! applied once by hand (or replaced by `flux bootstrap`).
//!
//! Stage functions: [`detect`] (see `detect.rs`), [`retire_components`] (reads `roots`,
//! `v1_components`; writes `deleted`, `findings`), [`effective_options`] (reads `opts`,
//! `helm_operator`, `daemons`) and [`emit()`] (see `sync_objects.rs`).

use crate::model::codes::Code;
use crate::model::context::Context;
use crate::model::document::DocKind;
use crate::model::finding::Finding;
use crate::model::flux_v1::{Daemon, HelmOperator, V1Component};
use crate::model::naming;
use crate::model::options::Options;
use crate::model::paths::SYNC_DIR;
use crate::repo::kustomize::Model;
use crate::yaml::emit::Out;
use crate::yaml::Node;

/// The options the HelmRelease conversion uses: the user's options, where a value the
/// user did not set explicitly (`Options::explicit`) is replaced by the detected
/// helm-operator's (or fluxd's) setting. Explicit CLI/web options always win.
pub fn effective_options(ctx: &Context) -> Options {
    let mut o = ctx.opts.clone();
    if let Some(op) = &ctx.helm_operator {
        if !o.is_explicit("default-helm-version") {
            if let Some(v) = op.default_helm_version() {
                o.default_helm_version = v;
            }
        }
        let detected = [
            ("chart-sync-interval", &op.charts_sync_interval),
            ("git-poll-interval", &op.git_poll_interval),
            ("git-timeout", &op.git_timeout),
            ("git-default-ref", &op.git_default_ref),
        ];
        for (name, v) in detected {
            let Some(v) = v.as_ref().filter(|v| !v.is_empty()) else {
                continue;
            };
            if o.is_explicit(name) {
                continue;
            }
            let slot = match name {
                "chart-sync-interval" => &mut o.chart_sync_interval,
                "git-poll-interval" => &mut o.git_poll_interval,
                "git-timeout" => &mut o.git_timeout,
                _ => &mut o.git_default_ref,
            };
            *slot = v.clone();
        }
    }
    if o.git_url.is_none() {
        if let Some(url) = ctx.daemons.iter().find_map(|d| d.git_url.clone()) {
            o.git_url = Some(url);
        }
    }
    if !o.is_explicit("default-namespace") {
        if let Some(ns) = ctx
            .daemons
            .iter()
            .find_map(|d| d.k8s_default_namespace.clone())
        {
            o.default_namespace = ns;
        }
    }
    o
}

/// Flux v1's own manifests inside a sync root leave the tree (the whole file when it
/// holds nothing else); the runbook removes them from the cluster after the cut-over.
/// Run after the sync roots are known.
pub fn retire_components(ctx: &mut Context) {
    let mut findings = Vec::new();
    for c in &ctx.v1_components {
        let f = &ctx.files[c.file];
        let synced = ctx.roots.is_empty()
            || !crate::model::sync_root::roots_of(&ctx.roots, &f.path).is_empty();
        let only = f
            .docs
            .iter()
            .enumerate()
            .all(|(i, d)| i == c.doc || d.kind == DocKind::Empty);
        let what = if c.deployment {
            format!(
                "the {} Deployment `{}`",
                if c.chart == "flux" {
                    "fluxd"
                } else {
                    "helm-operator"
                },
                c.release
            )
        } else {
            format!("the HelmRelease of the `{}` chart", c.chart)
        };
        let action = match (synced, only) {
            (true, true) => "synced, so the file was removed from the repository (Flux v2 would re-apply it and restart the stopped daemon)",
            (true, false) => "synced: remove this document from the file before the cut-over (Flux v2 would re-apply it and restart the stopped daemon)",
            (false, _) => "not under a synced path, left as it is",
        };
        if c.deployment && !synced {
            continue; // installed out of band: only the runbook's removal step applies
        }
        if let Some(doc) = crate::model::context::doc_ref(ctx.files, c.file, c.doc) {
            findings.push(doc.finding(
                Code::FLUX_V1_COMPONENT,
                None,
                format!(
                    "{what} installs Flux v1 itself, not converted; {action}; after the cut-over run `{}`",
                    uninstall_command(c)
                ),
            ));
        }
        if synced && only {
            ctx.deleted.insert(c.file);
        }
    }
    ctx.findings.append(&mut findings);
}

/// The command that removes a Flux v1 component after the cut-over.
pub fn uninstall_command(c: &V1Component) -> String {
    use crate::text::markdown::shell_word as w;
    let (ns, release) = (w(&c.namespace), w(&c.release));
    if c.deployment {
        return format!(
            "kubectl -n {ns} delete {}",
            w(&format!("deployment/{}", c.release))
        );
    }
    match c.helm_version.as_deref() {
        Some("v3") => format!("helm uninstall {release} -n {ns}"),
        _ => format!(
            "helm delete --purge {release}   # Helm 2 (Tiller); with Helm 3: helm uninstall {release} -n {ns}"
        ),
    }
}

mod detect;
mod overlays;
mod sync_objects;
pub use detect::detect;
pub use sync_objects::{emit, kustomization_path};
