//! Namespace fallback (MAPPING.md §3.3, EXAMPLES.md E14): fluxd put namespaced objects
//! without `metadata.namespace` into `--k8s-default-namespace` (else `default`); v2
//! applies with server-side apply and fails the whole Kustomization on such an object
//! ("namespace not specified", `fluxcd/pkg:ssa/errors/errors.go#DryRunErr.Error`), so
//! the fallback is written into the files (one inserted line after `metadata.name`),
//! `default` included. Only for files in a sync root that fluxd applied as they are
//! (not generator inputs or kustomize patches: `discovery::not_applied_as_is`).
//!
//! Reads: `files`, `roots`, `deleted`, `discovery.not_applied`, `placements`, effective
//! options.
//! Writes: `edits`, `findings`.

use crate::model::codes::Code;
use crate::model::context::Context;
use crate::model::document::DocKind;
use crate::model::document::LoadedFile;
use crate::model::finding::Finding;
use crate::model::options::Options;
use crate::text::TextEdit;
use std::collections::BTreeSet;

/// Built-in cluster-scoped kinds.
pub const CLUSTER_SCOPED: &[&str] = &[
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "PersistentVolume",
    "StorageClass",
    "PriorityClass",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "APIService",
    "Node",
    "IngressClass",
    "RuntimeClass",
    "CSIDriver",
    "CSINode",
    "VolumeAttachment",
    "PodSecurityPolicy",
    "ClusterIssuer",
    "CertificateSigningRequest",
    "FlowSchema",
    "PriorityLevelConfiguration",
    "ComponentStatus",
    "ClusterRoleList",
];

/// Built-in (and common Flux) namespaced kinds.
pub const NAMESPACED: &[&str] = &[
    "Pod",
    "Service",
    "ServiceAccount",
    "ConfigMap",
    "Secret",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "Job",
    "CronJob",
    "Ingress",
    "NetworkPolicy",
    "Role",
    "RoleBinding",
    "PersistentVolumeClaim",
    "HorizontalPodAutoscaler",
    "PodDisruptionBudget",
    "LimitRange",
    "ResourceQuota",
    "Endpoints",
    "EndpointSlice",
    "Event",
    "Lease",
    "ReplicationController",
    "PodTemplate",
    "ControllerRevision",
    "HelmRelease",
    "HelmRepository",
    "GitRepository",
    "Kustomization",
    "Bucket",
    "HelmChart",
    "OCIRepository",
    "ImageRepository",
    "ImagePolicy",
    "ImageUpdateAutomation",
    "Alert",
    "Provider",
    "Receiver",
    "Certificate",
    "Issuer",
    "ServiceMonitor",
    "PodMonitor",
    "PrometheusRule",
    "SealedSecret",
    "FluxHelmRelease",
];

/// The kinds defined by CustomResourceDefinitions in the input: (cluster-scoped,
/// namespaced), from `spec.scope` (absent = namespaced, the CRD default).
pub fn crd_scopes(files: &[LoadedFile]) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut crd_cluster = BTreeSet::new();
    let mut crd_ns = BTreeSet::new();
    for f in files {
        for d in &f.docs {
            let Some(root) = d.root() else { continue };
            if !matches!(&d.kind, DocKind::Object { kind, .. } if kind == "CustomResourceDefinition")
            {
                continue;
            }
            let kind = root
                .path(&["spec", "names", "kind"])
                .and_then(|n| n.as_str())
                .unwrap_or("");
            match root.path(&["spec", "scope"]).and_then(|n| n.as_str()) {
                Some("Cluster") => crd_cluster.insert(kind.to_string()),
                _ => crd_ns.insert(kind.to_string()),
            };
        }
    }
    (crd_cluster, crd_ns)
}

pub fn apply(ctx: &mut Context, opts: &Options) {
    let fallback = opts.default_namespace.clone();
    if fallback.is_empty() {
        return;
    }
    let (crd_cluster, crd_ns) = crd_scopes(ctx.files);
    let skip = &ctx.discovery.not_applied;
    let mut findings = Vec::new();
    for (fi, f) in ctx.files.iter().enumerate() {
        if f.untouchable || !ctx.roots.iter().any(|r| r.covers(&f.path)) || skip.contains(&f.path) {
            continue;
        }
        for (di, d) in f.docs.iter().enumerate() {
            // A kustomization sets the namespace in the builds that apply it: nothing to
            // write (and nothing may be written: it would not be the namespace kustomize
            // gives the object anyway).
            if ctx
                .placements
                .get(&(fi, di))
                .is_some_and(|p| p.namespace_from_kustomization)
            {
                continue;
            }
            let kind = match &d.kind {
                DocKind::Object { kind, .. } | DocKind::FluxV2 { kind, .. } => kind.clone(),
                _ => continue,
            };
            let Some(root) = d.root() else { continue };
            let Some(meta) = root.get("metadata") else {
                continue;
            };
            if meta.get("namespace").is_some() || meta.is_flow() {
                continue;
            }
            let Some(name) = meta.entry("name") else {
                continue;
            };
            if CLUSTER_SCOPED.contains(&kind.as_str()) || crd_cluster.contains(&kind) {
                continue;
            }
            if !NAMESPACED.contains(&kind.as_str()) && !crd_ns.contains(&kind) {
                findings.push(Finding::new(
                    Code::UNKNOWN_SCOPE,
                    &f.path,
                    name.key.line() + d.line_offset,
                    name.key.col(),
                    format!("kind {kind} has no namespace and fluxport does not know its scope; add `namespace: {fallback}` if it is namespaced"),
                ));
                continue;
            }
            // Insert after the name line, at the name key's indentation.
            let chunk_start = d.start;
            let line = d
                .index
                .line_of(name.value.end().saturating_sub(1).max(name.key.start()));
            let next = d.index.line_start(line + 1);
            let text = f.text.as_deref().unwrap_or("");
            let at = if next == usize::MAX || chunk_start + next > d.end {
                d.end
            } else {
                chunk_start + next
            };
            let mut ins = String::new();
            if at == text.len() && !text.ends_with('\n') {
                ins.push_str(f.nl);
            }
            ins.push_str(&" ".repeat(name.key.col().saturating_sub(1)));
            ins.push_str("namespace: ");
            ins.push_str(&crate::yaml::emit::quote(&fallback));
            ins.push_str(f.nl);
            ctx.edits
                .entry(fi)
                .or_default()
                .push(TextEdit::insert(at, ins));
        }
    }
    ctx.findings.append(&mut findings);
}
