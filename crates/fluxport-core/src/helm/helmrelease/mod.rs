//! v1 HelmRelease (`helm.fluxcd.io/v1`, `flux.weave.works/v1beta1`,
//! `FluxHelmRelease`) → `helm.toolkit.fluxcd.io/v2` HelmRelease (MAPPING.md §2).
//!
//! Two steps: [`read`] validates the v1 object and computes everything v1 would have
//! computed at runtime (effective namespace, release name, helm version, wait, chart
//! source); [`render`] writes the v2 object once the planner has named its source.

use crate::helm::sources::{GitRef, ResolvedSource, SourceSpec};
use crate::model::codes::Code;
use crate::model::document::DocRef;
use crate::model::document::V1Flavor;
use crate::model::finding::Finding;
use crate::model::naming::{normalize_git_url, rewrite_stable_repo, split_url};
use crate::model::options::{HelmVersion, Options};
use crate::model::placement::Placement;
use crate::text::TextEdit;
use crate::yaml::emit::{GeneratedTrees, Out};
use crate::yaml::raw::copy_node_with_tree;
use crate::yaml::Node;

/// The v1 chart source, as helm-operator chose it (`prepareChart`).
#[derive(Debug, Clone)]
pub enum Chart {
    Helm {
        url: String,
        chart: String,
        version: String,
    },
    Git {
        path: String,
    },
}

/// A v1 HelmRelease with its runtime defaults resolved.
pub struct V1Release<'a> {
    pub doc: DocRef<'a>,
    pub root: &'a Node,
    pub spec: Option<&'a Node>,
    pub flavor: V1Flavor,
    pub name: String,
    /// The namespace the release lives in: where kustomize puts the object when every
    /// build agrees, else as written, else the fallback.
    pub namespace: String,
    /// What the output writes as `metadata.namespace` (`None`: a kustomization sets it).
    pub metadata_namespace: Option<String>,
    pub target_namespace: String,
    pub target_namespace_set: bool,
    pub release_name: String,
    pub helm_version: HelmVersion,
    pub chart: Chart,
    pub source: SourceSpec,
}

const V1_SPEC_FIELDS: &[&str] = &[
    "helmVersion",
    "chart",
    "releaseName",
    "targetNamespace",
    "maxHistory",
    "timeout",
    "resetValues",
    "skipCRDs",
    "wait",
    "forceUpgrade",
    "disableOpenAPIValidation",
    "values",
    "valueFileSecrets",
    "valuesFrom",
    "rollback",
    "test",
];
const V1BETA1_SPEC_FIELDS: &[&str] = &[
    "chart",
    "releaseName",
    "targetNamespace",
    "timeout",
    "resetValues",
    "forceUpgrade",
    "values",
    "valueFileSecrets",
    "valuesFrom",
    "rollback",
];
const V1ALPHA2_SPEC_FIELDS: &[&str] =
    &["chartGitPath", "releaseName", "valueFileSecrets", "values"];
const CHART_FIELDS: &[&str] = &[
    "repository",
    "name",
    "version",
    "chartPullSecret",
    "git",
    "ref",
    "path",
    "secretRef",
    "skipDepUpdate",
];
const ROLLBACK_FIELDS: &[&str] = &[
    "enable",
    "retry",
    "maxRetries",
    "timeout",
    "force",
    "recreate",
    "disableHooks",
    "wait",
];
const ROLLBACK_FIELDS_V1BETA1: &[&str] = &[
    "enable",
    "timeout",
    "force",
    "recreate",
    "disableHooks",
    "wait",
];
const TEST_FIELDS: &[&str] = &["enable", "ignoreFailures", "timeout", "cleanup"];
/// Metadata written by the API server; dropping them loses nothing.
const SERVER_METADATA: &[&str] = &[
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "selfLink",
    "managedFields",
    "finalizers",
];

/// Annotation prefixes that belong to Flux v1 (dropped from converted objects).
pub const V1_ANNOTATION_PREFIXES: &[&str] = &[
    "fluxcd.io/",
    "flux.weave.works/",
    "filter.fluxcd.io/",
    "repository.fluxcd.io/",
    "registry.fluxcd.io/",
    "tag.fluxcd.io/",
    "helm.fluxcd.io/",
];

/// Ends an SSH_SECRET_REQUIRED message until the source has its final name (the
/// pipeline names the Secret once `sources::assign_names` has run).
pub const SECRET_NAME_PENDING: &str = " (name: see the GitRepository's secretRef)";

mod read;
mod render;
pub use read::read;
pub use render::{render, render_tree, Rendered};
