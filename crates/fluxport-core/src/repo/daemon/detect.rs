//! [`detect`]: finds fluxd and helm-operator in the input (Deployments with `$(VAR)`
//! interpolation, kustomize overlays of them, HelmReleases of the flux/helm-operator
//! charts) or takes them from the options.
//!
//! Reads: `files`, `opts`. Writes: `daemons`, `helm_operator`, `v1_components`, `findings`.

use super::*;

/// One argument: flag name (without `--`), value, and the node it came from.
pub(super) struct Arg<'a> {
    flag: String,
    value: Option<String>,
    node: &'a Node,
}

/// Replaces `$(VAR)` with the container's `env` value (Kubernetes semantics: an
/// unknown variable is left as written).
fn interpolate(s: &str, env: &[(String, String)]) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("$(") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        match after.find(')') {
            Some(j) => {
                let name = &after[..j];
                match env.iter().find(|(k, _)| k == name) {
                    Some((_, v)) => out.push_str(v),
                    None => out.push_str(&rest[i..i + 3 + j]),
                }
                rest = &after[j + 1..];
            }
            None => {
                out.push_str(&rest[i..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

pub(super) fn parse_args<'a>(items: &'a [Node], env: &[(String, String)]) -> Vec<Arg<'a>> {
    let mut out: Vec<Arg<'a>> = Vec::new();
    let mut i = 0;
    while i < items.len() {
        let node = &items[i];
        i += 1;
        let Some(raw) = node.as_str() else { continue };
        let raw = interpolate(raw.trim(), env);
        let Some(body) = raw.strip_prefix("--").or_else(|| raw.strip_prefix('-')) else {
            continue;
        };
        match body.split_once('=') {
            Some((k, v)) => out.push(Arg {
                flag: k.to_string(),
                value: Some(v.to_string()),
                node,
            }),
            None => {
                // `--flag value` as two items.
                let next = items.get(i).and_then(Node::as_str);
                let value = match next {
                    Some(n) if !n.starts_with('-') => {
                        i += 1;
                        Some(interpolate(n, env))
                    }
                    _ => None,
                };
                out.push(Arg {
                    flag: body.to_string(),
                    value,
                    node,
                });
            }
        }
    }
    out
}

fn truthy(v: &Option<String>) -> bool {
    match v.as_deref() {
        None => true,
        Some(s) => matches!(s.trim(), "" | "true" | "1" | "t" | "T" | "TRUE" | "True"),
    }
}

fn split_list(v: &str) -> Vec<String> {
    v.split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Applies fluxd flags to `d`; flags with no v2 equivalent give findings.
pub(super) fn apply_fluxd_args(
    d: &mut Daemon,
    args: &[Arg],
    ctx_file: &crate::model::document::DocRef,
    findings: &mut Vec<Finding>,
) {
    let mut paths_set = false;
    let mut exclude_set = false;
    for a in args {
        let v = a.value.clone().unwrap_or_default();
        let f = |code: Code, msg: String| ctx_file.finding(code, Some(a.node), msg);
        match a.flag.as_str() {
            "git-url" => {
                d.git_url = Some(v).filter(|s| !s.is_empty());
                d.git_url_at = ctx_file.position(Some(a.node));
            }
            "git-branch" => d.git_branch = v,
            "git-path" => {
                d.git_path_at = Some(format!(
                    "{}:{}:{}",
                    ctx_file.file,
                    a.node.line() + ctx_file.line_offset,
                    a.node.col()
                ));
                if !paths_set {
                    d.git_paths.clear();
                    paths_set = true;
                }
                let mut p = split_list(&v);
                if p.is_empty() {
                    p.push(String::new());
                }
                d.git_paths.extend(p);
            }
            "git-poll-interval" => d.git_poll_interval = v,
            "git-timeout" => d.git_timeout = v,
            "git-user" => d.git_user = v,
            "git-email" => d.git_email = v,
            "git-ci-skip" => d.git_ci_skip = truthy(&a.value),
            "git-ci-skip-message" => d.git_ci_skip_message = v,
            "git-readonly" => d.git_readonly = truthy(&a.value),
            "git-signing-key" => d.git_signing_key = Some(v).filter(|s| !s.is_empty()),
            "sync-interval" => d.sync_interval = v,
            "sync-timeout" => d.sync_timeout = v,
            "sync-garbage-collection" => d.sync_garbage_collection = truthy(&a.value),
            "k8s-default-namespace" => {
                d.k8s_default_namespace = Some(v).filter(|s| !s.is_empty())
            }
            "manifest-generation" => d.manifest_generation = truthy(&a.value),
            "automation-interval" => d.automation_interval = v,
            "registry-poll-interval" => d.registry_poll_interval = v,
            "registry-disable-scanning" => d.registry_disable_scanning = truthy(&a.value),
            "registry-insecure-host" => d.registry_insecure_hosts.extend(split_list(&v)),
            "registry-exclude-image" => {
                if !exclude_set {
                    d.registry_exclude_images.clear();
                    exclude_set = true;
                }
                d.registry_exclude_images.extend(split_list(&v));
            }
            "registry-include-image" => d.registry_include_images.extend(split_list(&v)),
            "sops" => d.sops = truthy(&a.value),
            "k8s-secret-name" => d.git_secret_name = v,
            "git-label" | "git-sync-tag" | "git-notes-ref" | "sync-state" => findings.push(f(
                Code::SYNC_TAG_GONE,
                format!("--{}: v2 keeps sync state in object status and writes no tag or notes; use notification-controller commit-status Providers", a.flag),
            )),
            "git-secret" => findings.push(f(
                Code::GIT_SECRET,
                "--git-secret (git-secret encrypted files) has no v2 equivalent; re-encrypt them with SOPS".into(),
            )),
            "connect" | "token" => findings.push(f(
                Code::NOTIFICATIONS,
                format!("--{}: Weave Cloud / fluxcloud connection has no v2 equivalent; use notification-controller Providers and Alerts", a.flag),
            )),
            "sync-garbage-collection-dry"
            | "git-verify-signatures"
            | "git-verify-signatures-mode"
            | "git-set-author"
            | "k8s-allow-namespace"
            | "k8s-namespace-whitelist"
            | "k8s-unsafe-exclude-resource"
            | "registry-use-labels" => findings.push(f(
                Code::FLAG_NO_EQUIVALENT,
                format!("--{}={} has no Flux v2 equivalent (MAPPING.md §3.1)", a.flag, v),
            )),
            _ => {}
        }
    }
}

fn env_of(container: &Node) -> Vec<(String, String)> {
    container
        .get("env")
        .map(|e| {
            e.items()
                .iter()
                .filter_map(|i| {
                    Some((
                        i.get("name")?.as_str()?.to_string(),
                        i.get("value").and_then(Node::as_str)?.to_string(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn is_fluxd_container(c: &Node) -> bool {
    let image = c.get("image").and_then(Node::as_str).unwrap_or("");
    let name = c.get("name").and_then(Node::as_str).unwrap_or("");
    let repo = image.split([':', '@']).next().unwrap_or("");
    let last = repo.rsplit('/').next().unwrap_or("");
    if !image.is_empty() {
        return last == "flux" || last == "fluxd";
    }
    let has_git_args = c
        .get("args")
        .map(|a| {
            a.items()
                .iter()
                .any(|i| i.as_str().is_some_and(|s| s.contains("--git-url")))
        })
        .unwrap_or(false);
    name == "flux" || has_git_args
}

fn is_operator_container(c: &Node) -> bool {
    let image = c.get("image").and_then(Node::as_str).unwrap_or("");
    let name = c.get("name").and_then(Node::as_str).unwrap_or("");
    image.contains("helm-operator") || (image.is_empty() && name.contains("helm-operator"))
}

fn s(n: Option<&Node>) -> Option<String> {
    n.and_then(Node::as_str).map(str::to_string)
}

/// Finds fluxd and helm-operator in the input and fills `ctx.daemons`,
/// `ctx.helm_operator` (and from them the sync roots).
pub fn detect(ctx: &mut Context, model: &Model) {
    let mut daemons: Vec<Daemon> = Vec::new();
    let mut operator: Option<HelmOperator> = None;
    let mut findings = Vec::new();
    let mut components: Vec<V1Component> = Vec::new();
    for (fi, f) in ctx.files.iter().enumerate() {
        if f.untouchable {
            continue;
        }
        for (di, d) in f.docs.iter().enumerate() {
            let Some(root) = d.root() else { continue };
            let Some(doc) = crate::model::context::doc_ref(ctx.files, fi, di) else {
                continue;
            };
            let ns = s(root.path(&["metadata", "namespace"]));
            let name = s(root.path(&["metadata", "name"])).unwrap_or_default();
            match &d.kind {
                DocKind::Object { kind, .. } if kind == "Deployment" => {
                    let Some(containers) = root.path(&["spec", "template", "spec", "containers"])
                    else {
                        continue;
                    };
                    for c in containers.items() {
                        let env = env_of(c);
                        let args = c.get("args").map(|a| parse_args(a.items(), &env));
                        if is_fluxd_container(c) {
                            let Some(args) = args else { continue };
                            let mut dm = Daemon {
                                file: f.path.clone(),
                                namespace: ns.clone().unwrap_or_else(|| "flux".into()),
                                namespace_set: ns.is_some(),
                                deployment: name.clone(),
                                ..Daemon::default()
                            };
                            apply_fluxd_args(&mut dm, &args, &doc, &mut findings);
                            components.push(V1Component {
                                file: fi,
                                doc: di,
                                deployment: true,
                                chart: "flux".into(),
                                release: name.clone(),
                                namespace: dm.namespace.clone(),
                                helm_version: None,
                            });
                            daemons.push(dm);
                        } else if is_operator_container(c) {
                            let mut op = HelmOperator {
                                file: f.path.clone(),
                                namespace: ns.clone().unwrap_or_else(|| "flux".into()),
                                deployment: name.clone(),
                                at: Some((fi, di)),
                                ..HelmOperator::default()
                            };
                            if let Some((_, v)) = env.iter().find(|(k, _)| k == "HELM_VERSION") {
                                op.helm_versions = Some(v.clone());
                            }
                            for a in args.unwrap_or_default() {
                                apply_operator_flag(
                                    &mut op,
                                    &a.flag,
                                    a.value,
                                    &doc,
                                    a.node,
                                    &mut findings,
                                );
                            }
                            components.push(V1Component {
                                file: fi,
                                doc: di,
                                deployment: true,
                                chart: "helm-operator".into(),
                                release: name.clone(),
                                namespace: op.namespace.clone(),
                                helm_version: None,
                            });
                            merge_operator(&mut operator, op);
                        }
                    }
                }
                DocKind::HelmReleaseV1(_) => {
                    let chart = root
                        .path(&["spec", "chart", "name"])
                        .and_then(Node::as_str)
                        .or_else(|| {
                            root.path(&["spec", "chart", "path"])
                                .and_then(Node::as_str)
                                .map(|p| p.trim_end_matches('/').rsplit('/').next().unwrap_or(""))
                        })
                        .unwrap_or("");
                    let values = root.path(&["spec", "values"]);
                    let target = s(root.path(&["spec", "targetNamespace"]))
                        .or(ns.clone())
                        .unwrap_or_else(|| "default".into());
                    let release = s(root.path(&["spec", "releaseName"])).unwrap_or_else(|| {
                        if ns.is_none() || ns.as_deref() == Some("default") {
                            name.clone()
                        } else {
                            format!("{target}-{name}")
                        }
                    });
                    let fullname = |chart: &str| {
                        if release.contains(chart) {
                            release.clone()
                        } else {
                            format!("{release}-{chart}")
                        }
                    };
                    if chart == "flux" || chart == "helm-operator" {
                        components.push(V1Component {
                            file: fi,
                            doc: di,
                            deployment: false,
                            chart: chart.to_string(),
                            release: release.clone(),
                            namespace: target.clone(),
                            helm_version: s(root.path(&["spec", "helmVersion"])),
                        });
                    }
                    if chart == "flux" {
                        let mut dm = Daemon {
                            file: f.path.clone(),
                            namespace: target.clone(),
                            deployment: fullname("flux"),
                            ..Daemon::default()
                        };
                        if let Some(v) = values {
                            flux_chart_values(&mut dm, v, &doc, &mut findings);
                        }
                        daemons.push(dm);
                    } else if chart == "helm-operator" {
                        let mut op = HelmOperator {
                            file: f.path.clone(),
                            namespace: target.clone(),
                            deployment: fullname("helm-operator"),
                            at: Some((fi, di)),
                            helm_versions: Some("v2,v3".into()),
                            ..HelmOperator::default()
                        };
                        if let Some(v) = values {
                            op.helm_versions =
                                s(v.path(&["helm", "versions"])).or(op.helm_versions);
                            op.charts_sync_interval = s(v.get("chartsSyncInterval"));
                            op.git_poll_interval = s(v.path(&["git", "pollInterval"]));
                            op.git_timeout = s(v.path(&["git", "timeout"]));
                            op.git_default_ref = s(v.path(&["git", "defaultRef"]));
                            if let Some(a) = v
                                .get("allowNamespace")
                                .filter(|n| n.as_str().is_some_and(|x| !x.is_empty()))
                            {
                                op.allow_namespace = s(Some(a));
                                findings.push(doc.finding(Code::ALLOW_NAMESPACE, Some(a), "allowNamespace has no direct v2 equivalent (helm-controller --watch-all-namespaces=false watches only its own namespace)"));
                            }
                        }
                        merge_operator(&mut operator, op);
                    }
                }
                _ => {}
            }
        }
    }
    // Options: the daemon lives elsewhere.
    if daemons.iter().all(|d| d.git_url.is_none()) {
        if let Some(url) = &ctx.opts.git_url {
            let paths: Vec<Vec<String>> = if ctx.opts.sync_paths.is_empty() {
                vec![vec![String::new()]]
            } else {
                ctx.opts.sync_paths.iter().map(|p| split_list(p)).collect()
            };
            for p in paths {
                daemons.push(Daemon {
                    git_url: Some(url.clone()),
                    git_branch: ctx.opts.git_branch.clone(),
                    git_paths: if p.is_empty() { vec![String::new()] } else { p },
                    k8s_default_namespace: Some(ctx.opts.default_namespace.clone())
                        .filter(|n| n != "default"),
                    ..Daemon::default()
                });
            }
        }
    }
    overlays::resolve_overlays(ctx.files, &mut daemons);
    overlays::json6902_overlays(ctx.files, model, &mut daemons, &mut findings);
    // A kustomize patch and its base describe the same Deployment: keep one per
    // (namespace, deployment, url, branch, paths).
    let mut seen = std::collections::BTreeSet::new();
    daemons.retain(|d| seen.insert((d.git_url.clone(), d.git_branch.clone(), d.git_paths.clone())));
    for d in &mut daemons {
        if d.git_paths.is_empty() {
            d.git_paths.push(String::new());
        }
    }
    if ctx.opts.target == crate::model::options::Target::FluxV2 {
        ctx.v1_components = components;
    }
    ctx.daemons = daemons;
    ctx.helm_operator = operator;
    ctx.findings.append(&mut findings);
}

/// kustomize overlays of the fluxd Deployment (multi-tenancy layout): a kustomization
/// that lists a daemon's file as a patch (`patchesStrategicMerge`, `patches[].path`) and,
/// among its `resources`/`bases`, the file or a directory holding a fluxd Deployment of
/// the same name, runs the patched daemon. The patch's args replace the base's (a list of
/// strings is replaced whole by a strategic-merge patch), the namespace comes from the
/// base when the patch sets none, and a base used through an overlay is not a daemon of
/// its own.
fn merge_operator(slot: &mut Option<HelmOperator>, op: HelmOperator) {
    match slot {
        None => *slot = Some(op),
        Some(cur) => {
            // A patch (later in path order) overrides what it sets.
            macro_rules! m {
                ($f:ident) => {
                    if op.$f.is_some() {
                        cur.$f = op.$f.clone();
                    }
                };
            }
            m!(helm_versions);
            m!(charts_sync_interval);
            m!(git_poll_interval);
            m!(git_timeout);
            m!(git_default_ref);
            m!(allow_namespace);
        }
    }
}

fn apply_operator_flag(
    op: &mut HelmOperator,
    flag: &str,
    value: Option<String>,
    doc: &crate::model::document::DocRef,
    node: &Node,
    findings: &mut Vec<Finding>,
) {
    match flag {
        "enabled-helm-versions" => op.helm_versions = value,
        "charts-sync-interval" => op.charts_sync_interval = value,
        "git-poll-interval" => op.git_poll_interval = value,
        "git-timeout" => op.git_timeout = value,
        "git-default-ref" => op.git_default_ref = value,
        "allow-namespace" => {
            findings.push(doc.finding(
                Code::ALLOW_NAMESPACE,
                Some(node),
                "--allow-namespace has no direct v2 equivalent (helm-controller --watch-all-namespaces=false watches only its own namespace)",
            ));
            op.allow_namespace = value;
        }
        "helm-repository-import" => findings.push(doc.finding(
            Code::HELMREPO_AUTH_UNKNOWN,
            Some(node),
            "--helm-repository-import: repository credentials must become HelmRepository secretRef/certSecretRef Secrets (§2.4.1)",
        )),
        _ => {}
    }
}

/// Reads the flux chart's values into `d` (chart `templates/deployment.yaml`).
fn flux_chart_values(
    d: &mut Daemon,
    v: &Node,
    doc: &crate::model::document::DocRef,
    findings: &mut Vec<Finding>,
) {
    let g = |p: &[&str]| {
        v.path(p).and_then(|n| {
            n.as_str()
                .map(str::to_string)
                .or_else(|| n.as_i64().map(|i| i.to_string()))
        })
    };
    let b = |p: &[&str]| v.path(p).and_then(Node::as_bool);
    if let Some(u) = g(&["git", "url"]) {
        d.git_url = Some(u).filter(|s| !s.is_empty());
        d.git_url_at = doc.position(v.path(&["git", "url"]));
    }
    if let Some(x) = g(&["git", "branch"]) {
        d.git_branch = x;
    }
    if let Some(x) = g(&["git", "path"]) {
        d.git_paths = split_list(&x);
    }
    if let Some(x) = g(&["git", "pollInterval"]) {
        d.git_poll_interval = x.clone();
        // The chart: --sync-interval={{ .Values.sync.interval | default .Values.git.pollInterval }}
        d.sync_interval = x;
    }
    if let Some(x) = g(&["git", "timeout"]) {
        d.git_timeout = x;
    }
    if let Some(x) = g(&["git", "user"]) {
        d.git_user = x;
    }
    if let Some(x) = g(&["git", "email"]) {
        d.git_email = x;
    }
    if let Some(x) = b(&["git", "ciSkip"]) {
        d.git_ci_skip = x;
    }
    if let Some(x) = b(&["git", "readonly"]) {
        d.git_readonly = x;
    }
    if let Some(x) = g(&["git", "secretName"]) {
        d.git_secret_name = x;
    }
    if let Some(x) = g(&["sync", "interval"]) {
        d.sync_interval = x;
    }
    if let Some(x) = g(&["sync", "timeout"]) {
        d.sync_timeout = x;
    }
    if let Some(x) = b(&["syncGarbageCollection", "enabled"]) {
        d.sync_garbage_collection = x;
    }
    if let Some(x) = b(&["manifestGeneration"]) {
        d.manifest_generation = x;
    }
    if let Some(x) = g(&["registry", "pollInterval"]) {
        d.registry_poll_interval = x.clone();
        d.automation_interval = x;
    }
    if let Some(x) = g(&["registry", "automationInterval"]) {
        d.automation_interval = x;
    }
    if let Some(x) = b(&["registry", "disableScanning"]) {
        d.registry_disable_scanning = x;
    }
    if let Some(x) = g(&["registry", "insecureHosts"]) {
        d.registry_insecure_hosts = split_list(&x);
    }
    if let Some(x) = g(&["registry", "excludeImage"]) {
        d.registry_exclude_images = split_list(&x);
    }
    if let Some(x) = g(&["registry", "includeImage"]) {
        d.registry_include_images = split_list(&x);
    }
    if let Some(n) = v.path(&["git", "label"]) {
        findings.push(doc.finding(
            Code::SYNC_TAG_GONE,
            Some(n),
            "git.label: v2 writes no sync tag",
        ));
    }
    if let Some(a) = v.get("additionalArgs") {
        let args = parse_args(a.items(), &[]);
        apply_fluxd_args(d, &args, doc, findings);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolation() {
        let env = vec![("U".to_string(), "bob".to_string())];
        assert_eq!(
            interpolate("https://$(U):$(P)@h/r", &env),
            "https://bob:$(P)@h/r"
        );
        assert_eq!(interpolate("$(", &env), "$(");
    }
}
