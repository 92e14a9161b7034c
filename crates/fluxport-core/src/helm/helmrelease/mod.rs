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
use crate::text::TextEdit;
use crate::yaml::emit::{render as render_yaml, Out};
use crate::yaml::raw::copy_node;
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
    pub namespace: String,
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

/// A typed read of a scalar field that records INVALID_FIELD on a wrong type.
struct Fields<'a, 'b> {
    doc: DocRef<'a>,
    findings: &'b mut Vec<Finding>,
    ok: bool,
}

impl<'a> Fields<'a, '_> {
    fn invalid(&mut self, node: &Node, path: &str, want: &str) {
        self.ok = false;
        self.findings.push(self.doc.finding(
            Code::INVALID_FIELD,
            Some(node),
            format!("`{path}` must be {want}, found {}", node.kind_name()),
        ));
    }
    fn bool(&mut self, parent: Option<&'a Node>, key: &str, path: &str) -> Option<bool> {
        let n = parent?.get(key)?;
        if n.is_null() {
            return None;
        }
        match n.as_bool() {
            Some(b) => Some(b),
            None => {
                self.invalid(n, path, "a boolean");
                None
            }
        }
    }
    fn int(&mut self, parent: Option<&'a Node>, key: &str, path: &str) -> Option<i64> {
        let n = parent?.get(key)?;
        if n.is_null() {
            return None;
        }
        match n.as_i64() {
            Some(i) => Some(i),
            None => {
                self.invalid(n, path, "an integer");
                None
            }
        }
    }
    fn string(&mut self, parent: Option<&'a Node>, key: &str, path: &str) -> Option<String> {
        let n = parent?.get(key)?;
        if n.is_null() {
            return None;
        }
        match n.as_str() {
            // Typed decoding (sigs.k8s.io/yaml) reads any scalar into a string field.
            Some(s) => Some(s.to_string()),
            _ => {
                self.invalid(n, path, "a string");
                None
            }
        }
    }
    fn map(&mut self, parent: Option<&'a Node>, key: &str, path: &str) -> Option<&'a Node> {
        let n = parent?.get(key)?;
        if n.is_null() {
            return None;
        }
        if n.is_map() {
            Some(n)
        } else {
            self.invalid(n, path, "a mapping");
            None
        }
    }
    fn seq(&mut self, parent: Option<&'a Node>, key: &str, path: &str) -> Option<&'a Node> {
        let n = parent?.get(key)?;
        if n.is_null() {
            return None;
        }
        if n.is_seq() {
            Some(n)
        } else {
            self.invalid(n, path, "a list");
            None
        }
    }
    fn unknown(&mut self, node: Option<&'a Node>, known: &[&str], path: &str) {
        let Some(node) = node else { return };
        for e in node.entries() {
            let k = e.key.as_str().unwrap_or("");
            if !known.contains(&k) {
                self.findings.push(self.doc.finding(
                    Code::UNKNOWN_FIELD,
                    Some(&e.key),
                    format!("`{path}.{k}` is not a field of this v1 API; v1 ignored it and it was dropped"),
                ));
            }
        }
    }
}

/// Reads and validates a v1 HelmRelease. `None` means "do not convert" (findings say
/// why); the document then passes through unchanged.
pub fn read<'a>(
    doc: DocRef<'a>,
    root: &'a Node,
    flavor: V1Flavor,
    opts: &Options,
    findings: &mut Vec<Finding>,
) -> Option<V1Release<'a>> {
    let mut f = Fields {
        doc,
        findings,
        ok: true,
    };
    let metadata = f.map(Some(root), "metadata", "metadata");
    let Some(name) = f.string(metadata, "name", "metadata.name") else {
        if f.ok {
            f.findings.push(doc.finding(
                Code::INVALID_FIELD,
                Some(root),
                "`metadata.name` is missing",
            ));
        }
        return None;
    };
    if name.contains("{{") {
        f.findings.push(doc.finding(
            Code::TEMPLATED_FILE,
            metadata.and_then(|m| m.get("name")),
            "the name is a template expression; render the template first",
        ));
        return None;
    }
    let namespace = f
        .string(metadata, "namespace", "metadata.namespace")
        .unwrap_or_else(|| opts.default_namespace.clone());
    let spec = f.map(Some(root), "spec", "spec");
    if spec.is_none() && f.ok {
        f.findings
            .push(doc.finding(Code::INVALID_FIELD, Some(root), "`spec` is missing"));
        return None;
    }
    let known = match flavor {
        V1Flavor::HelmFluxcdV1 => V1_SPEC_FIELDS,
        V1Flavor::WeaveV1beta1 => V1BETA1_SPEC_FIELDS,
        V1Flavor::FluxHelmRelease => V1ALPHA2_SPEC_FIELDS,
    };
    f.unknown(spec, known, "spec");
    // Annotation values must be strings; a collection here would be copied into the
    // v2 object as invalid YAML.
    let annotations = f.map(metadata, "annotations", "metadata.annotations");
    for e in annotations.map(Node::entries).unwrap_or(&[]) {
        let k = e.key.as_str().unwrap_or("").to_string();
        f.string(annotations, &k, &format!("metadata.annotations.{k}"));
    }
    if let Some(m) = metadata {
        for e in m.entries() {
            let k = e.key.as_str().unwrap_or("");
            if !matches!(k, "name" | "namespace" | "labels" | "annotations")
                && !SERVER_METADATA.contains(&k)
            {
                f.findings.push(doc.finding(
                    Code::UNKNOWN_FIELD,
                    Some(&e.key),
                    format!("`metadata.{k}` was dropped"),
                ));
            }
        }
    }

    // Type checks of every field the conversion reads.
    let target_ns = if flavor == V1Flavor::FluxHelmRelease {
        None
    } else {
        f.string(spec, "targetNamespace", "spec.targetNamespace")
    };
    let release_name_v1 = f
        .string(spec, "releaseName", "spec.releaseName")
        .filter(|s| !s.is_empty());
    let values = spec.and_then(|s| s.get("values"));
    if let Some(v) = values {
        if !v.is_map() && !v.is_null() {
            f.invalid(v, "spec.values", "a mapping");
        }
    }
    for k in ["timeout", "maxHistory"] {
        f.int(spec, k, &format!("spec.{k}"));
    }
    for k in [
        "resetValues",
        "skipCRDs",
        "wait",
        "forceUpgrade",
        "disableOpenAPIValidation",
    ] {
        f.bool(spec, k, &format!("spec.{k}"));
    }
    let rollback = f.map(spec, "rollback", "spec.rollback");
    f.unknown(
        rollback,
        if flavor == V1Flavor::WeaveV1beta1 {
            ROLLBACK_FIELDS_V1BETA1
        } else {
            ROLLBACK_FIELDS
        },
        "spec.rollback",
    );
    for k in [
        "enable",
        "retry",
        "force",
        "recreate",
        "disableHooks",
        "wait",
    ] {
        f.bool(rollback, k, &format!("spec.rollback.{k}"));
    }
    f.int(rollback, "maxRetries", "spec.rollback.maxRetries");
    f.int(rollback, "timeout", "spec.rollback.timeout");
    let test = f.map(spec, "test", "spec.test");
    f.unknown(test, TEST_FIELDS, "spec.test");
    for k in ["enable", "ignoreFailures", "cleanup"] {
        f.bool(test, k, &format!("spec.test.{k}"));
    }
    f.int(test, "timeout", "spec.test.timeout");
    f.seq(spec, "valueFileSecrets", "spec.valueFileSecrets");
    f.seq(spec, "valuesFrom", "spec.valuesFrom");
    let helm_version_field = if flavor == V1Flavor::HelmFluxcdV1 {
        f.string(spec, "helmVersion", "spec.helmVersion")
    } else {
        None
    };

    // Effective helm version (§2.3).
    let helm_version = match flavor {
        V1Flavor::HelmFluxcdV1 => match helm_version_field.as_deref() {
            None | Some("") => opts.default_helm_version,
            Some(v) => match HelmVersion::parse(v) {
                Some(h) => h,
                None => {
                    let n = spec.and_then(|s| s.get("helmVersion"));
                    f.findings.push(doc.finding(
                        Code::INVALID_FIELD,
                        n,
                        format!("`spec.helmVersion` must be v2 or v3, found `{v}`"),
                    ));
                    f.ok = false;
                    opts.default_helm_version
                }
            },
        },
        _ => HelmVersion::V2,
    };

    // Release name (§2.2).
    let tns = target_ns
        .clone()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| namespace.clone());
    let release_name = match release_name_v1 {
        Some(r) => r,
        None if namespace != tns => format!("{namespace}-{tns}-{name}"),
        None => format!("{tns}-{name}"),
    };

    // Chart source (§2.4).
    let chart_node = if flavor == V1Flavor::FluxHelmRelease {
        None
    } else {
        f.map(spec, "chart", "spec.chart")
    };
    f.unknown(chart_node, CHART_FIELDS, "spec.chart");
    let chart_str = |f: &mut Fields<'a, '_>, k: &str| {
        f.string(chart_node, k, &format!("spec.chart.{k}"))
            .filter(|s| !s.is_empty())
    };
    let git = chart_str(&mut f, "git");
    let path = chart_str(&mut f, "path");
    let repository = chart_str(&mut f, "repository");
    let chart_name = chart_str(&mut f, "name");
    let version = chart_str(&mut f, "version");
    let git_ref = chart_str(&mut f, "ref");
    let secret_ref = f.map(chart_node, "secretRef", "spec.chart.secretRef");
    let secret_name = f.string(secret_ref, "name", "spec.chart.secretRef.name");
    let secret_ns = f.string(secret_ref, "namespace", "spec.chart.secretRef.namespace");
    f.bool(chart_node, "skipDepUpdate", "spec.chart.skipDepUpdate");
    let chart_git_path = if flavor == V1Flavor::FluxHelmRelease {
        f.string(spec, "chartGitPath", "spec.chartGitPath")
    } else {
        None
    };
    if !f.ok {
        return None;
    }

    if release_name.len() > 53 {
        findings.push(doc.finding(
            Code::RELEASE_NAME_TOO_LONG,
            metadata.and_then(|m| m.get("name")),
            format!("release name `{release_name}` is {} characters (max 53); no v2 HelmRelease was emitted", release_name.len()),
        ));
        return None;
    }

    let (chart, source) = if flavor == V1Flavor::FluxHelmRelease {
        let Some(url) = opts.git_url.clone() else {
            findings.push(doc.finding(
                Code::INVALID_CHART_SOURCE,
                spec.and_then(|s| s.get("chartGitPath")).or(spec),
                "a FluxHelmRelease takes its chart from the operator's git repo; pass it with --git-url (and --git-branch, --git-charts-path)",
            ));
            return None;
        };
        let Some(cgp) = chart_git_path.filter(|s| !s.is_empty()) else {
            findings.push(doc.finding(
                Code::INVALID_CHART_SOURCE,
                spec,
                "`spec.chartGitPath` is missing",
            ));
            return None;
        };
        let path = format!(
            "{}/{}",
            opts.git_charts_path.trim_end_matches('/'),
            cgp.trim_start_matches("./")
        );
        let src = git_source(
            doc,
            chart_node,
            &url,
            Some(&opts.git_branch),
            &opts.git_branch,
            None,
            &namespace,
            findings,
        )?;
        (Chart::Git { path }, src)
    } else if let (Some(git), Some(path)) = (git.clone(), path.clone()) {
        let node = chart_node.and_then(|c| c.get("git"));
        let default_ref = if flavor == V1Flavor::WeaveV1beta1 {
            "master"
        } else {
            opts.git_default_ref.as_str()
        };
        let secret = if flavor == V1Flavor::HelmFluxcdV1 {
            secret_name.map(|n| (n, secret_ns.unwrap_or_else(|| namespace.clone())))
        } else {
            None
        };
        let src = git_source(
            doc,
            node,
            &git,
            git_ref.as_deref(),
            default_ref,
            secret,
            &namespace,
            findings,
        )?;
        if let Some(r) = git_ref.as_deref() {
            let rnode = chart_node.and_then(|c| c.get("ref"));
            if looks_like_short_sha(r) {
                findings.push(doc.finding(Code::SHORT_SHA, rnode, format!("ref `{r}` looks like a short commit SHA; v2 needs the full 40-character SHA in ref.commit")));
            } else if looks_like_version(r) {
                findings.push(doc.finding(
                    Code::GIT_REF_AMBIGUOUS,
                    rnode,
                    format!("ref `{r}` looks like a tag but was written as `branch: {r}`"),
                ));
            }
        }
        if opts.strict() {
            findings.push(doc.finding(
                Code::GIT_CHART_REVISION_SEMANTICS,
                chart_node.and_then(|c| c.get("path")),
                format!("v1 upgraded on changes under `{path}`; v2 `reconcileStrategy: Revision` upgrades on every commit to the repository"),
            ));
        }
        (Chart::Git { path }, src)
    } else if let (Some(repo), Some(chart_name), Some(version)) =
        (repository.clone(), chart_name.clone(), version.clone())
    {
        let repo_node = chart_node.and_then(|c| c.get("repository"));
        let mut url = repo.trim().to_string();
        if let Some(new) = rewrite_stable_repo(&url) {
            findings.push(doc.finding(
                Code::DEPRECATED_STABLE_REPO,
                repo_node,
                format!("`{url}` is gone; rewritten to `{new}`"),
            ));
            url = new.to_string();
        }
        let scheme = split_url(&url).map(|p| p.scheme).unwrap_or_default();
        let oci = match scheme.as_str() {
            "http" | "https" => false,
            "oci" => true,
            _ => {
                findings.push(doc.finding(
                    Code::UNSUPPORTED_REPO_SCHEME,
                    repo_node,
                    format!("chart repository `{url}` uses a scheme v2 does not support; the HelmRelease was not converted"),
                ));
                return None;
            }
        };
        let mut bare = chart_name.clone();
        if let Some((_, last)) = chart_name.rsplit_once('/') {
            findings.push(doc.finding(
                Code::CHART_NAME_ALIAS,
                chart_node.and_then(|c| c.get("name")),
                format!("chart `{chart_name}` → `{last}`"),
            ));
            bare = last.to_string();
        }
        if chart_node.and_then(|c| c.get("chartPullSecret")).is_some() {
            findings.push(doc.finding(
                Code::HELMREPO_AUTH_UNKNOWN,
                chart_node.and_then(|c| c.get("chartPullSecret")),
                "`chartPullSecret` was never implemented by helm-operator; if the repository needs credentials, add `secretRef` to the generated HelmRepository",
            ));
        }
        (
            Chart::Helm {
                url: url.clone(),
                chart: bare,
                version,
            },
            SourceSpec::Helm {
                namespace: namespace.clone(),
                url,
                oci,
            },
        )
    } else if chart_node.is_none() {
        findings.push(doc.finding(
            Code::PARTIAL_HELMRELEASE,
            metadata.and_then(|m| m.get("name")),
            format!("`{name}` has no spec.chart; treated as a patch of a HelmRelease defined elsewhere and left unchanged"),
        ));
        return None;
    } else {
        let mut missing = Vec::new();
        if git.is_some() || path.is_some() {
            if git.is_none() {
                missing.push("git");
            }
            if path.is_none() {
                missing.push("path");
            }
        } else {
            for (k, v) in [
                ("repository", &repository),
                ("name", &chart_name),
                ("version", &version),
            ] {
                if v.is_none() {
                    missing.push(k);
                }
            }
        }
        findings.push(doc.finding(
            Code::INVALID_CHART_SOURCE,
            chart_node.or(spec),
            format!("could not find a valid chart source (missing: {}); helm-operator never synced this release", missing.join(", ")),
        ));
        return None;
    };

    Some(V1Release {
        doc,
        root,
        spec,
        flavor,
        name,
        namespace,
        target_namespace_set: target_ns.as_deref().is_some_and(|s| !s.is_empty()),
        target_namespace: tns,
        release_name,
        helm_version,
        chart,
        source,
    })
}

#[allow(clippy::too_many_arguments)]
fn git_source(
    doc: DocRef,
    node: Option<&Node>,
    raw_url: &str,
    git_ref: Option<&str>,
    default_ref: &str,
    secret: Option<(String, String)>,
    hr_namespace: &str,
    findings: &mut Vec<Finding>,
) -> Option<SourceSpec> {
    let Some(url) = normalize_git_url(raw_url) else {
        findings.push(doc.finding(
            Code::INVALID_CHART_SOURCE,
            node,
            format!("git URL `{raw_url}` is neither http(s), ssh nor scp-style"),
        ));
        return None;
    };
    let r = git_ref.unwrap_or(default_ref);
    let reference = if r.len() == 40 && r.bytes().all(|b| b.is_ascii_hexdigit()) {
        GitRef::Commit(r.to_string())
    } else if r.starts_with("refs/") {
        GitRef::Name(r.to_string())
    } else {
        GitRef::Branch(r.to_string())
    };
    let ref_suffix = match git_ref {
        Some(r) if r != default_ref => crate::model::naming::dns1123(r),
        _ => String::new(),
    };
    // An https secretRef decides the namespace (§1); on SSH it was ignored by v1.
    let (namespace, secret_name) = match secret {
        Some((name, ns)) if !url.ssh => (ns, Some(name)),
        _ => (hr_namespace.to_string(), None),
    };
    if url.ssh {
        findings.push(doc.finding(
            Code::SSH_SECRET_REQUIRED,
            node,
            format!("`{}` needs a Secret with `identity` and `known_hosts` in namespace `{namespace}`{SECRET_NAME_PENDING}", url.url),
        ));
    }
    if url.had_credentials {
        findings.push(doc.finding(Code::GIT_CREDENTIALS_IN_URL, node, "credentials were removed from the git URL; put them into the Secret named in the GitRepository's secretRef"));
    }
    let needs_auth_placeholder = secret_name.is_none() && (url.ssh || url.had_credentials);
    Some(SourceSpec::Git {
        namespace,
        url: url.url,
        reference,
        secret: secret_name,
        needs_auth_placeholder,
        ref_suffix,
    })
}

/// Ends an SSH_SECRET_REQUIRED message until the source has its final name (the
/// pipeline names the Secret once `sources::assign_names` has run).
pub const SECRET_NAME_PENDING: &str = " (name: see the GitRepository's secretRef)";

fn looks_like_short_sha(r: &str) -> bool {
    (7..40).contains(&r.len())
        && r.bytes().all(|b| b.is_ascii_hexdigit())
        && r.bytes().any(|b| b.is_ascii_digit())
}

fn looks_like_version(r: &str) -> bool {
    let s = r.strip_prefix('v').unwrap_or(r);
    let mut parts = s.splitn(3, '.');
    let a = parts.next().unwrap_or("");
    let b = parts.next().unwrap_or("");
    !a.is_empty()
        && a.bytes().all(|c| c.is_ascii_digit())
        && !b.is_empty()
        && b.bytes().take_while(|c| c.is_ascii_digit()).count() > 0
}

/// Output of [`render`]: the v2 document text (no trailing newline) and its runbook
/// entry.
pub struct Rendered {
    pub text: String,
}

fn secs(n: i64) -> Out {
    Out::Str(format!("{n}s"))
}

/// Writes the v2 HelmRelease. `value_edits` (byte offsets into the document text) are
/// applied to `spec.values` as it is copied, for image-policy markers.
pub fn render(
    r: &V1Release,
    source: &ResolvedSource,
    opts: &Options,
    value_edits: &[TextEdit],
    nl: &str,
    findings: &mut Vec<Finding>,
) -> Rendered {
    let doc = r.doc;
    let spec = r.spec;
    let strict = opts.strict();
    let get = |k: &str| spec.and_then(|s| s.get(k));
    let b = |n: Option<&Node>, k: &str| n.and_then(|n| n.get(k)).and_then(Node::as_bool);
    let i = |n: Option<&Node>, k: &str| n.and_then(|n| n.get(k)).and_then(Node::as_i64);
    let rollback = get("rollback");
    let test = get("test");
    let is_v1 = r.flavor == V1Flavor::HelmFluxcdV1;
    let rollback_enabled =
        b(rollback, "enable") == Some(true) && r.flavor != V1Flavor::FluxHelmRelease;
    let test_enabled = is_v1 && b(test, "enable") == Some(true);
    let timeout = i(spec, "timeout");

    // metadata
    let metadata_node = r.root.get("metadata");
    let mut metadata = Out::map().s("name", &r.name).s("namespace", &r.namespace);
    if let Some(labels) = metadata_node.and_then(|m| m.entry("labels")) {
        if !labels.value.is_null() {
            let parent = crate::text::indent_of(line_of(doc, labels.key.line()));
            metadata.push(
                "labels",
                Out::Raw(copy_node(
                    doc.text,
                    doc.index,
                    &labels.value,
                    parent,
                    4,
                    &[],
                )),
            );
        }
    }
    let mut annotations = Out::map();
    for e in metadata_node
        .and_then(|m| m.get("annotations"))
        .map(Node::entries)
        .unwrap_or(&[])
    {
        let k = e.key.as_str().unwrap_or("");
        let v = e.value.as_str().unwrap_or("");
        if k == "fluxcd.io/ignore" || k == "flux.weave.works/ignore" {
            match v {
                "true" => annotations.push(
                    "kustomize.toolkit.fluxcd.io/reconcile",
                    Out::str("disabled"),
                ),
                "sync_only" => {
                    annotations.push("kustomize.toolkit.fluxcd.io/prune", Out::str("disabled"))
                }
                _ => {}
            }
            continue;
        }
        if V1_ANNOTATION_PREFIXES.iter().any(|p| k.starts_with(p)) {
            continue;
        }
        annotations.push(
            k,
            e.value
                .as_str()
                .map(Out::str)
                .unwrap_or(Out::Raw(crate::yaml::raw::RawText::Inline(vec![doc.text
                    [e.value.start()..e.value.end()]
                    .to_string()]))),
        );
    }
    let metadata = metadata.nonempty("annotations", annotations.build());

    // chart
    let mut chart_spec = Out::map();
    let mut values_files: Vec<String> = Vec::new();
    let mut ignore_missing = false;
    match &r.chart {
        Chart::Helm { chart, version, .. } => {
            chart_spec.push("chart", Out::str(chart));
            chart_spec.push("version", Out::str(version));
        }
        Chart::Git { path } => {
            chart_spec.push("chart", Out::str(path));
            if strict {
                chart_spec.push("reconcileStrategy", Out::str("Revision"));
            }
        }
    }
    let mut source_ref = Out::map().s("kind", source.kind).s("name", &source.name);
    if source.namespace != r.namespace {
        source_ref = source_ref.s("namespace", &source.namespace);
    }
    chart_spec.push("sourceRef", source_ref.build());

    // valuesFrom (§2.5)
    let mut values_from: Vec<Out> = Vec::new();
    let mut position = 0usize;
    let mut narrowed = false;
    for s in get("valueFileSecrets").map(Node::items).unwrap_or(&[]) {
        if let Some(name) = s.get("name").and_then(Node::as_str) {
            values_from.push(Out::map().s("kind", "Secret").s("name", name).build());
            position += 1;
        } else {
            findings.push(doc.finding(
                Code::INVALID_FIELD,
                Some(s),
                "valueFileSecrets entry without `name` was dropped",
            ));
        }
    }
    for entry in get("valuesFrom").map(Node::items).unwrap_or(&[]) {
        let refs = [("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")];
        if let Some((key, kind, n)) = refs
            .iter()
            .find_map(|(k, kind)| entry.get(k).map(|n| (*k, *kind, n)))
        {
            let Some(name) = n.get("name").and_then(Node::as_str) else {
                findings.push(doc.finding(
                    Code::INVALID_FIELD,
                    Some(n),
                    format!("`{key}` without `name` was dropped"),
                ));
                continue;
            };
            let mut m = Out::map().s("kind", kind).s("name", name);
            if let Some(k) = n
                .get("key")
                .and_then(Node::as_str)
                .filter(|k| !k.is_empty())
            {
                m = m.s("valuesKey", k);
            }
            if n.get("optional").and_then(Node::as_bool) == Some(true) {
                m = m.kv("optional", Out::Bool(true));
                narrowed = true;
            }
            if let Some(ns) = n
                .get("namespace")
                .and_then(Node::as_str)
                .filter(|ns| !ns.is_empty() && *ns != r.namespace)
            {
                findings.push(doc.finding(
                    Code::VALUES_CROSS_NAMESPACE,
                    n.get("namespace"),
                    format!("{kind} `{ns}/{name}` must be copied into namespace `{}`; the reference now points there", r.namespace),
                ));
            }
            values_from.push(m.build());
            position += 1;
        } else if let Some(n) = entry.get("externalSourceRef") {
            let url = n.get("url").and_then(Node::as_str).unwrap_or("");
            findings.push(doc.finding(
                Code::EXTERNAL_VALUES_URL,
                Some(n),
                format!("values from `{url}` were dropped"),
            ));
            position += 1;
        } else if let Some(n) = entry.get("chartFileRef") {
            let p = n
                .get("path")
                .and_then(Node::as_str)
                .unwrap_or("")
                .trim_start_matches("./")
                .to_string();
            let optional = n.get("optional").and_then(Node::as_bool) == Some(true);
            if position > 0 {
                findings.push(doc.finding(
                    Code::CHARTFILE_ORDER,
                    Some(n),
                    format!("`{p}` ranked above earlier values sources in v1; in v2 chart files rank below every valuesFrom entry"),
                ));
            }
            position += 1;
            match &r.chart {
                Chart::Git { path } => {
                    let base = path.trim_start_matches("./").trim_end_matches('/');
                    if values_files.is_empty() {
                        values_files.push(format!("{base}/values.yaml"));
                    }
                    values_files.push(format!("{base}/{p}"));
                    ignore_missing |= optional;
                }
                Chart::Helm { .. } => {
                    if optional {
                        findings.push(doc.finding(Code::CHARTFILE_ON_REPO_CHART, Some(n), format!("optional chartFileRef `{p}` never worked on a repository chart; dropped")));
                    } else {
                        findings.push(doc.finding(
                            Code::CHARTFILE_ON_REPO_CHART,
                            Some(n),
                            format!("chartFileRef `{p}` never worked on a repository chart (the v1 release was failing); emitted as valuesFiles"),
                        ));
                        if values_files.is_empty() {
                            values_files.push("values.yaml".into());
                        }
                        values_files.push(p);
                    }
                }
            }
        } else {
            findings.push(doc.finding(
                Code::UNKNOWN_FIELD,
                Some(entry),
                "valuesFrom entry of unknown kind was dropped",
            ));
        }
    }
    if narrowed {
        findings.push(doc.finding(
            Code::VALUES_OPTIONAL_NARROWED,
            get("valuesFrom"),
            "`optional: true` no longer skips values that fail to parse",
        ));
    }
    if !values_files.is_empty() {
        chart_spec.push(
            "valuesFiles",
            Out::Seq(values_files.into_iter().map(Out::Str).collect()),
        );
        if ignore_missing {
            chart_spec.push("ignoreMissingValuesFiles", Out::Bool(true));
        }
    }

    // Wait (§2.1): v1 waited iff wait || rollback.enable || test.enable; v1beta1 never
    // waited on install and waited on upgrade iff rollback.enable; v1alpha2 never waited.
    let (install_wait, upgrade_wait) = match r.flavor {
        V1Flavor::HelmFluxcdV1 => {
            let w = b(spec, "wait").unwrap_or(rollback_enabled || test_enabled);
            (w, w)
        }
        V1Flavor::WeaveV1beta1 => (false, rollback_enabled),
        V1Flavor::FluxHelmRelease => (false, false),
    };

    // install
    let skip_crds = is_v1 && b(spec, "skipCRDs") == Some(true);
    let mut install = Out::map();
    if skip_crds {
        install.push("crds", Out::str("Skip"));
    }
    if !install_wait {
        install.push("disableWait", Out::Bool(true));
    } else if strict {
        install.push("disableWaitForJobs", Out::Bool(true));
    }
    if is_v1 && b(spec, "disableOpenAPIValidation") == Some(true) {
        install.push("disableOpenAPIValidation", Out::Bool(true));
    }
    if strict {
        install.push(
            "strategy",
            Out::map().s("name", "RemediateOnFailure").build(),
        );
    }
    install.push(
        "remediation",
        Out::map().kv("retries", Out::Int(-1)).build(),
    );

    // upgrade
    let mut upgrade = Out::map();
    if skip_crds || strict {
        upgrade.push("crds", Out::str("Skip"));
    }
    if b(spec, "forceUpgrade") == Some(true) {
        upgrade.push("force", Out::Bool(true));
    }
    if is_v1 && b(spec, "resetValues") == Some(false) {
        upgrade.push("preserveValues", Out::Bool(true));
    }
    if !upgrade_wait {
        upgrade.push("disableWait", Out::Bool(true));
    } else if strict {
        upgrade.push("disableWaitForJobs", Out::Bool(true));
    }
    if is_v1 && !strict && b(spec, "disableOpenAPIValidation") == Some(true) {
        upgrade.push("disableOpenAPIValidation", Out::Bool(true));
        findings.push(doc.finding(
            Code::OPENAPI_VALIDATION_UPGRADE,
            get("disableOpenAPIValidation"),
            "upgrades now also skip OpenAPI validation",
        ));
    }
    if r.flavor == V1Flavor::WeaveV1beta1 && b(spec, "resetValues") != Some(true) {
        let no_values = get("values").is_none_or(|v| v.is_null() || v.entries().is_empty())
            && get("valuesFrom").is_none()
            && get("valueFileSecrets").is_none();
        if no_values {
            findings.push(doc.finding(
                Code::V1BETA1_RESETVALUES,
                Some(r.root),
                "Tiller reused the previous values on upgrade; v2 resets them",
            ));
        }
    }
    let mut rollback_out = Out::map();
    if rollback_enabled {
        let retry = is_v1 && b(rollback, "retry") == Some(true);
        let remediation = if !retry {
            Out::map()
                .kv("retries", Out::Int(0))
                .kv("remediateLastFailure", Out::Bool(true))
                .build()
        } else {
            let max = i(rollback, "maxRetries").unwrap_or(5);
            Out::map()
                .kv("retries", Out::Int(if max == 0 { -1 } else { max }))
                .build()
        };
        if strict {
            upgrade.push(
                "strategy",
                Out::map().s("name", "RemediateOnFailure").build(),
            );
        }
        upgrade.push("remediation", remediation);
        findings.push(doc.finding(Code::NO_ROLLBACK_HISTORY, rollback.and_then(|r| r.get("enable")), "the first reconcile adopts the release with an empty history; a rollback right after the cut-over fails"));

        match i(rollback, "timeout") {
            Some(t) => rollback_out.push("timeout", secs(t)),
            None if timeout.is_some() => rollback_out.push("timeout", secs(300)),
            None => {}
        }
        if b(rollback, "wait") != Some(true) {
            rollback_out.push("disableWait", Out::Bool(true));
        } else if strict {
            rollback_out.push("disableWaitForJobs", Out::Bool(true));
        }
        for k in ["force", "recreate", "disableHooks"] {
            if let Some(v) = b(rollback, k) {
                rollback_out.push(k, Out::Bool(v));
            }
        }
        if b(rollback, "recreate") == Some(true) {
            findings.push(doc.finding(
                Code::RECREATE_NOOP,
                rollback.and_then(|r| r.get("recreate")),
                "`rollback.recreate` is deprecated and does nothing in v2",
            ));
        }
    }
    let mut test_out = Out::map();
    if test_enabled {
        test_out.push("enable", Out::Bool(true));
        if let Some(v) = b(test, "ignoreFailures") {
            test_out.push("ignoreFailures", Out::Bool(v));
        }
        match i(test, "timeout") {
            Some(t) => test_out.push("timeout", secs(t)),
            None if timeout.is_some() => test_out.push("timeout", secs(300)),
            None => {}
        }
    }
    if is_v1 && b(test, "cleanup") == Some(false) {
        findings.push(doc.finding(
            Code::TEST_CLEANUP_DROPPED,
            test.and_then(|t| t.get("cleanup")),
            "`test.cleanup: false` has no v2 counterpart",
        ));
    }

    // HELM2_RELEASE (§2.3)
    if r.helm_version == HelmVersion::V2 {
        let why = match r.flavor {
            V1Flavor::HelmFluxcdV1 if get("helmVersion").is_some() => {
                "spec.helmVersion is v2".to_string()
            }
            V1Flavor::HelmFluxcdV1 => format!(
                "no spec.helmVersion; the operator default is {}",
                opts.default_helm_version.as_str()
            ),
            V1Flavor::WeaveV1beta1 => {
                "flux.weave.works/v1beta1 releases always ran on Helm 2".to_string()
            }
            V1Flavor::FluxHelmRelease => {
                "FluxHelmRelease releases always ran on Helm 2".to_string()
            }
        };
        findings.push(
            doc.finding(
                Code::HELM2_RELEASE,
                get("helmVersion").or(metadata_node.and_then(|m| m.get("name"))),
                format!("release `{}` runs on Helm 2 ({why}); it is stored in namespace `{}` after conversion", r.release_name, r.target_namespace),
            )
            .with_fix(format!(
                "Before applying: `helm 2to3 convert {}` (or, still on helm-operator: spec.helmVersion: v3 + annotation helm.fluxcd.io/migrate: \"true\").",
                crate::text::markdown::shell_word(&r.release_name)
            )),
        );
    }

    // values, copied verbatim with their comments
    let values = get("values")
        .filter(|v| !v.is_null())
        .and_then(|_| spec.and_then(|s| s.entry("values")))
        .map(|e| {
            let parent = crate::text::indent_of(line_of(doc, e.key.line()));
            Out::Raw(copy_node(
                doc.text,
                doc.index,
                &e.value,
                parent,
                4,
                value_edits,
            ))
        });

    let mut spec_out = Out::map()
        .s("interval", &opts.chart_sync_interval)
        .s("releaseName", &r.release_name);
    if r.target_namespace_set {
        spec_out = spec_out.s("targetNamespace", &r.target_namespace);
    }
    if r.target_namespace != r.namespace {
        spec_out = spec_out.s("storageNamespace", &r.target_namespace);
    }
    if let Some(t) = timeout {
        spec_out = spec_out.kv("timeout", secs(t));
    }
    let max_history = if is_v1 {
        i(spec, "maxHistory").unwrap_or(10)
    } else {
        10
    };
    let spec_out = spec_out
        .kv("maxHistory", Out::Int(max_history))
        .kv("chart", Out::map().kv("spec", chart_spec.build()).build())
        .nonempty("install", install.build())
        .nonempty("upgrade", upgrade.build())
        .nonempty("rollback", rollback_out.build())
        .nonempty("test", test_out.build())
        .opt(
            "valuesFrom",
            (!values_from.is_empty()).then_some(Out::Seq(values_from)),
        )
        .opt("values", values);

    let out = Out::map()
        .s("apiVersion", "helm.toolkit.fluxcd.io/v2")
        .s("kind", "HelmRelease")
        .kv("metadata", metadata.build())
        .kv("spec", spec_out.build())
        .build();
    let mut text = render_yaml(&out, nl);
    while text.ends_with('\n') || text.ends_with('\r') {
        text.pop();
    }
    report_dropped_comments(r, findings);
    Rendered { text }
}

fn line_of<'a>(doc: DocRef<'a>, line: usize) -> &'a str {
    let s = doc.index.line_start(line).min(doc.text.len());
    let e = doc.text[s..]
        .find('\n')
        .map(|i| s + i)
        .unwrap_or(doc.text.len());
    &doc.text[s..e]
}

/// Full-line comments inside the converted object but outside `values` and `labels`
/// cannot be placed in the restructured output: say so once per document.
fn report_dropped_comments(r: &V1Release, findings: &mut Vec<Finding>) {
    let doc = r.doc;
    let first = r.root.line();
    let last = doc
        .index
        .line_of(r.root.end().saturating_sub(1).max(r.root.start()));
    // A kept block runs from its key to the line before the next sibling key.
    let mut kept: Vec<(usize, usize)> = Vec::new();
    let mut keep = |parent: Option<&Node>, key: &str| {
        let entries = parent.map(Node::entries).unwrap_or(&[]);
        if let Some(pos) = entries.iter().position(|e| e.key.as_str() == Some(key)) {
            let end = entries
                .get(pos + 1)
                .map(|n| n.key.line() - 1)
                .unwrap_or(usize::MAX);
            kept.push((entries[pos].key.line(), end));
        }
    };
    keep(r.spec, "values");
    keep(r.root.get("metadata"), "labels");
    let mut count = 0;
    let mut first_line = 0;
    for ln in first..=last {
        let l = line_of(doc, ln);
        if crate::text::is_comment(l) && !kept.iter().any(|(a, b)| ln >= *a && ln <= *b) {
            count += 1;
            if first_line == 0 {
                first_line = ln;
            }
        }
    }
    if count > 0 {
        findings.push(Finding::new(
            Code::COMMENTS_DROPPED,
            doc.file,
            first_line + doc.line_offset,
            1,
            format!("{count} comment line(s) outside spec.values and metadata.labels were not carried over"),
        ));
    }
}
