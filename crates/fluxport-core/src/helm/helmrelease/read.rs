//! [`read`]: validates a v1 HelmRelease and computes everything v1 computed at runtime
//! (effective namespace, release name, Helm version, wait, chart source).

use super::*;
use crate::model::k8s_names;
use crate::yaml::Tag;

/// The tag as written (`!!binary`, `!foo`), for messages: a scalar's span starts at
/// its tag.
fn written_tag<'t>(text: &'t str, node: &Node) -> Option<&'t str> {
    let from = text.get(node.start()..)?;
    let tok = from.split([' ', '\t', '\n', '\r']).next()?;
    tok.starts_with('!').then_some(tok)
}

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
    /// A field fluxport reads carries an explicit YAML tag other than the core tag of
    /// the type it expects (`want`). Kubernetes decodes v1 objects with
    /// `sigs.k8s.io/yaml` (YAML → JSON through go-yaml): `!!str x` is the string `x`
    /// (read as such, `ok`), but `!!binary` is base64-decoded and a local tag (`!foo`)
    /// is dropped or refused depending on the go-yaml version, so fluxport cannot be
    /// certain what helm-operator read: INVALID_FIELD, not converted (issue 15).
    fn tag_ok(&mut self, node: &Node, path: &str, want: Tag) -> bool {
        let Some(tag) = node.meta().tag() else {
            return true;
        };
        if tag == want || (tag == Tag::Null && node.is_null()) {
            return true;
        }
        let shown = written_tag(self.doc.text, node).unwrap_or(tag.shown());
        self.ok = false;
        self.findings.push(self.doc.finding(
            Code::INVALID_FIELD,
            Some(node),
            format!(
                "`{path}` has the YAML tag `{shown}`; Kubernetes' YAML decoding of a tagged value is not certain (`!!binary` is base64-decoded, local tags depend on the decoder), so fluxport does not guess what helm-operator read: remove the tag (write the value itself)"
            ),
        ));
        false
    }
    fn bool(&mut self, parent: Option<&'a Node>, key: &str, path: &str) -> Option<bool> {
        let n = parent?.get(key)?;
        if !self.tag_ok(n, path, Tag::Bool) {
            return None;
        }
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
        if !self.tag_ok(n, path, Tag::Int) {
            return None;
        }
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
        if !self.tag_ok(n, path, Tag::Str) {
            return None;
        }
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
        if !self.tag_ok(n, path, Tag::Map) {
            return None;
        }
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
        if !self.tag_ok(n, path, Tag::Seq) {
            return None;
        }
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
    placement: Option<&Placement>,
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
    // The namespace the object has where it is applied: the one a kustomization sets
    // when every build agrees on it, else the one written, else the fallback (§3.3).
    let written_namespace = f.string(metadata, "namespace", "metadata.namespace");
    let built_namespace = placement.and_then(Placement::kustomization_namespace);
    let namespace = built_namespace
        .map(str::to_string)
        .or_else(|| written_namespace.clone())
        .unwrap_or_else(|| opts.default_namespace.clone());
    // What metadata.namespace says in the output: as written; nothing when a
    // kustomization sets it; else the fallback.
    let metadata_namespace = match (&written_namespace, placement) {
        (Some(ns), _) => Some(ns.clone()),
        (None, Some(p)) if p.namespace_from_kustomization => None,
        (None, _) => Some(namespace.clone()),
    };
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

    // Release name (§2.2), from the namespace the object had under Flux v1: the one a
    // `.flux.yaml` generator's kustomize build gave it, else as written (fluxd applied
    // the file as it is), else the fallback. It can differ from where the v2 object
    // lives (a kustomization fluxd never used sets another namespace).
    let v1_namespace = placement
        .and_then(Placement::v1_namespace)
        .map(str::to_string)
        .or_else(|| written_namespace.clone())
        .unwrap_or_else(|| opts.default_namespace.clone());
    let tns = target_ns
        .clone()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| v1_namespace.clone());
    let release_name = match release_name_v1 {
        Some(ref r) => r.clone(),
        None if v1_namespace != tns => format!("{v1_namespace}-{tns}-{name}"),
        None => format!("{tns}-{name}"),
    };
    // Overlays that put one base into different namespaces ran different releases
    // under v1 when the name or the target namespace came from the namespace.
    if let Some(p) = placement.filter(|p| p.v1_namespaces.len() > 1) {
        if release_name_v1.is_none() || target_ns.as_deref().is_none_or(str::is_empty) {
            let list: Vec<&str> = p
                .v1_namespaces
                .iter()
                .map(|n| n.as_deref().unwrap_or(opts.default_namespace.as_str()))
                .collect();
            f.findings.push(doc.finding(
                Code::OVERLAY_NAMESPACES_DIFFER,
                metadata.and_then(|m| m.get("name")),
                format!(
                    "kustomize builds put this HelmRelease into namespaces {}; under v1 each overlay's release took its name and storage namespace from its own namespace, but the converted base says release `{release_name}` in `{tns}`: give each overlay a patch with its `releaseName`, `targetNamespace` and `storageNamespace`",
                    list.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
                ),
            ));
        }
    }

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
    // Names (issue 15): what the API server and Helm would refuse is never written
    // into the v2 object (`model::k8s_names` has the rules and their sources).
    let bad_name = |f: &mut Fields<'a, '_>, node: Option<&Node>, what: String| {
        f.ok = false;
        f.findings
            .push(doc.finding(Code::INVALID_NAME, node.or(Some(root)), what));
    };
    let name_node = metadata.and_then(|m| m.get("name"));
    if let Some(e) = k8s_names::subdomain_error(&name) {
        bad_name(
            &mut f,
            name_node,
            format!("`metadata.name` `{name}` is not a valid object name (RFC 1123 subdomain): it {e}; the API server rejects the HelmRelease"),
        );
    }
    if let Some(ns) = written_namespace.as_deref().filter(|s| !s.is_empty()) {
        if let Some(e) = k8s_names::label_error(ns) {
            bad_name(
                &mut f,
                metadata.and_then(|m| m.get("namespace")),
                format!(
                    "`metadata.namespace` `{ns}` is not a valid namespace (RFC 1123 label): it {e}"
                ),
            );
        }
    }
    if let Some(t) = target_ns.as_deref().filter(|s| !s.is_empty()) {
        if let Some(e) = k8s_names::label_error(t) {
            bad_name(
                &mut f,
                spec.and_then(|s| s.get("targetNamespace")),
                format!("`spec.targetNamespace` `{t}` is not a valid namespace (RFC 1123 label): it {e}; v1 would compute release name `{release_name}`, which Helm refuses"),
            );
        }
    }
    if let Some(r) = release_name_v1.as_deref() {
        if let Some(e) = k8s_names::subdomain_error(r) {
            bad_name(
                &mut f,
                spec.and_then(|s| s.get("releaseName")),
                format!("`spec.releaseName` `{r}` is not a valid Helm release name (`chartutil.ValidateReleaseName`: an RFC 1123 subdomain): it {e}"),
            );
        }
    }
    // The parts are valid but the computed name is not (a namespace a kustomization or
    // the fallback option sets): named at metadata.name.
    if f.ok {
        if let Some(e) = k8s_names::subdomain_error(&release_name) {
            bad_name(
                &mut f,
                name_node,
                format!("the release name v1 computes, `{release_name}`, is not a valid Helm release name (RFC 1123 subdomain): it {e}; set a valid `spec.releaseName`, or fix the namespace it comes from"),
            );
        }
    }
    if !f.ok {
        return None;
    }

    if release_name.len() > k8s_names::MAX_RELEASE_NAME {
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
            format!("`{name}` has no spec.chart: a patch of a HelmRelease defined elsewhere (a kustomize patch whose base is not in the input, or the patchFile of a `.flux.yaml` no git path of the input reaches, FLUX_YAML_UNUSED); left unchanged"),
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

    // Written when v1 set it, and whenever the release's namespace is not the one the
    // v2 object lives in (v2 would default it to the object's namespace).
    let target_set = target_ns.as_deref().is_some_and(|s| !s.is_empty()) || tns != namespace;
    Some(V1Release {
        doc,
        root,
        spec,
        flavor,
        name,
        namespace,
        metadata_namespace,
        target_namespace_set: target_set,
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
