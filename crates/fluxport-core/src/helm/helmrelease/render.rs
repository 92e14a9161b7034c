//! [`render`]: writes the v2 HelmRelease once the planner has named its source.

use super::*;

/// Output of [`render`]: the v2 document text (no trailing newline) and its runbook
/// entry.
pub struct Rendered {
    pub text: String,
}

fn secs(n: i64) -> Out {
    Out::Str(format!("{n}s"))
}

/// Writes the v2 HelmRelease. `value_edits` (byte offsets into the document text) are
/// applied to `spec.values` as it is copied, for image-policy markers. Its tree is kept
/// in `trees` (when on) for the pre-flight.
pub fn render(
    r: &V1Release,
    source: &ResolvedSource,
    opts: &Options,
    value_edits: &[TextEdit],
    nl: &str,
    trees: &mut GeneratedTrees,
    findings: &mut Vec<Finding>,
) -> Rendered {
    let out = render_tree(r, source, opts, value_edits, trees.is_on(), findings);
    let mut text = trees.render(out, nl);
    while text.ends_with('\n') || text.ends_with('\r') {
        text.pop();
    }
    Rendered { text }
}

/// The v2 HelmRelease as an output tree (what [`render`] writes). With `copied_trees`,
/// the text it copies from the input (labels, values) carries its node's tree where one
/// can be vouched for (`Out::Copied`).
pub fn render_tree(
    r: &V1Release,
    source: &ResolvedSource,
    opts: &Options,
    value_edits: &[TextEdit],
    copied_trees: bool,
    findings: &mut Vec<Finding>,
) -> Out {
    let copy = |node: &Node, parent: usize, edits: &[TextEdit]| {
        let doc = r.doc;
        Out::copied(copy_node_with_tree(
            doc.text,
            doc.index,
            node,
            parent,
            4,
            edits,
            copied_trees,
        ))
    };
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
    let mut metadata = Out::map()
        .s("name", &r.name)
        .opt("namespace", r.metadata_namespace.as_deref().map(Out::str));
    if let Some(labels) = metadata_node.and_then(|m| m.entry("labels")) {
        if !labels.value.is_null() {
            let parent = crate::text::indent_of(line_of(doc, labels.key.line()));
            metadata.push("labels", copy(&labels.value, parent, &[]));
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
            copy(&e.value, parent, value_edits)
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
    report_dropped_comments(r, findings);
    out
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
