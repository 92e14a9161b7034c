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

use crate::model::codes::Code;
use crate::model::context::Context;
use crate::model::document::DocKind;
use crate::model::finding::Finding;
use crate::model::flux_v1::{Daemon, HelmOperator, V1Component};
use crate::model::naming;
use crate::model::options::Options;
use crate::model::paths::SYNC_DIR;
use crate::yaml::emit::{self, Out};
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

/// One argument: flag name (without `--`), value, and the node it came from.
struct Arg<'a> {
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

fn parse_args<'a>(items: &'a [Node], env: &[(String, String)]) -> Vec<Arg<'a>> {
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
fn apply_fluxd_args(
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
            "git-url" => d.git_url = Some(v).filter(|s| !s.is_empty()),
            "git-branch" => d.git_branch = v,
            "git-path" => {
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
pub fn detect(ctx: &mut Context) {
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
            let Some(doc) = crate::model::context::doc_ref(&ctx.files, fi, di) else {
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
    resolve_overlays(&ctx.files, &mut daemons);
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
        if let Some(doc) = crate::model::context::doc_ref(&ctx.files, c.file, c.doc) {
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

/// kustomize overlays of the fluxd Deployment (multi-tenancy layout): a kustomization
/// that lists a daemon's file as a patch (`patchesStrategicMerge`, `patches[].path`) and,
/// among its `resources`/`bases`, the file or a directory holding a fluxd Deployment of
/// the same name, runs the patched daemon. The patch's args replace the base's (a list of
/// strings is replaced whole by a strategic-merge patch), the namespace comes from the
/// base when the patch sets none, and a base used through an overlay is not a daemon of
/// its own.
fn resolve_overlays(files: &[crate::model::document::LoadedFile], daemons: &mut Vec<Daemon>) {
    let mut drop = std::collections::BTreeSet::new();
    for f in files {
        let (dir, name) = match f.path.rfind('/') {
            Some(i) => (&f.path[..=i], &f.path[i + 1..]),
            None => ("", f.path.as_str()),
        };
        if !crate::model::paths::KUSTOMIZATION_FILES.contains(&name) {
            continue;
        }
        let Some(root) = f.docs.first().and_then(|d| d.root()) else {
            continue;
        };
        let strings = |key: &str| -> Vec<String> {
            root.get(key)
                .map(Node::items)
                .unwrap_or(&[])
                .iter()
                .filter_map(|n| n.as_str().or_else(|| n.get("path").and_then(Node::as_str)))
                .filter_map(|p| crate::model::paths::join_path(dir, p))
                .collect()
        };
        let mut patches = strings("patchesStrategicMerge");
        patches.extend(strings("patches"));
        let mut resources = strings("resources");
        resources.extend(strings("bases"));
        for pi in 0..daemons.len() {
            if !patches.contains(&daemons[pi].file) {
                continue;
            }
            for bi in 0..daemons.len() {
                let (p, b) = (&daemons[pi], &daemons[bi]);
                if bi == pi || b.file == p.file || b.deployment != p.deployment {
                    continue;
                }
                let included = resources
                    .iter()
                    .any(|r| b.file == *r || b.file.starts_with(&format!("{r}/")));
                if !included {
                    continue;
                }
                drop.insert(bi);
                if !daemons[pi].namespace_set {
                    daemons[pi].namespace = daemons[bi].namespace.clone();
                }
            }
        }
    }
    let mut i = 0;
    daemons.retain(|_| {
        let keep = !drop.contains(&i);
        i += 1;
        keep
    });
}

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

/// `./path` for a Kustomization.
fn k_path(p: &str) -> String {
    let n = crate::model::paths::normalize_dir(p);
    format!("./{}", n.trim_end_matches('/'))
}

/// The GitRepository name for a daemon URL: `dns1123(last path segment minus .git)`.
pub fn repo_name(url: &str) -> String {
    let u = url.trim_end_matches('/');
    let last = u.rsplit(['/', ':']).next().unwrap_or(u);
    naming::dns1123(last.strip_suffix(".git").unwrap_or(last))
}

/// Emits the GitRepository + Kustomizations for each daemon.
pub fn emit(ctx: &mut Context) {
    let several = ctx.daemons.iter().filter(|d| d.git_url.is_some()).count() > 1;
    let mut findings = Vec::new();
    let mut files: Vec<(String, Vec<String>)> = Vec::new();
    for (di, d) in ctx.daemons.iter().enumerate() {
        let Some(raw) = &d.git_url else { continue };
        let at = |code: Code, msg: String| Finding::new(code, &d.file, 0, 0, msg);
        let Some(url) = naming::normalize_git_url(raw) else {
            findings.push(at(
                Code::INVALID_FIELD,
                format!("--git-url `{raw}` is not a URL Flux v2 accepts"),
            ));
            continue;
        };
        let name = repo_name(&url.url);
        let mut docs = Vec::new();
        let mut spec = Out::map()
            .s("interval", &d.git_poll_interval)
            .s("timeout", &d.git_timeout)
            .s("url", &url.url)
            .kv("ref", Out::map().s("branch", &d.git_branch).build());
        if url.ssh || url.had_credentials {
            spec = spec.kv(
                "secretRef",
                Out::map().s("name", format!("{name}-auth")).build(),
            );
        }
        // §3.2: what fluxd skipped or ignored under these paths (with the defaults).
        if let Some(lines) = ctx.discovery.ignore_lines(&d.git_paths) {
            let mut block = vec!["|".to_string()];
            block.extend(lines.iter().map(|l| format!("    {l}")));
            spec = spec.kv("ignore", Out::Raw(crate::yaml::raw::RawText::Inline(block)));
        }
        if url.ssh {
            findings.push(at(Code::SSH_SECRET_REQUIRED, format!(
                "Secret flux-system/{name}-auth needs `identity` (the deploy key from Secret {}/{}) plus `known_hosts`{}",
                d.namespace, d.git_secret_name,
                if d.git_readonly { "" } else { "; the key needs write access for image automation" }
            )));
        } else if url.had_credentials {
            findings.push(at(Code::GIT_CREDENTIALS_IN_URL, format!(
                "credentials removed from the URL: Secret flux-system/{name}-auth needs `username` and `password`"
            )));
        }
        if !d.git_readonly {
            findings.push(at(
                Code::SYNC_TAG_GONE,
                "the flux-sync tag is no longer written".into(),
            ));
        }
        docs.push(emit::render(
            &Out::map()
                .s("apiVersion", "source.toolkit.fluxcd.io/v1")
                .s("kind", "GitRepository")
                .kv(
                    "metadata",
                    Out::map()
                        .s("name", &name)
                        .s("namespace", "flux-system")
                        .build(),
                )
                .kv("spec", spec.build())
                .build(),
            "\n",
        ));
        for p in &d.git_paths {
            // `.flux.yaml` (§3.6): the generator decides the path, decryption, or that
            // no Kustomization can be written.
            let generated = ctx
                .flux_yaml
                .iter()
                .find(|x| x.daemon == di && x.git_path == crate::model::paths::normalize_dir(p))
                .map(|x| &x.outcome);
            let kpath = match generated {
                Some(crate::model::flux_yaml::Outcome::Unsupported) => continue,
                Some(crate::model::flux_yaml::Outcome::Kustomize { dir, .. }) => k_path(dir),
                _ => k_path(p),
            };
            let decrypt = d.sops || generated == Some(&crate::model::flux_yaml::Outcome::Sops);
            let kname = if d.git_paths.len() == 1 {
                name.clone()
            } else {
                let n = crate::model::paths::normalize_dir(p);
                naming::dns1123(&format!(
                    "{name}-{}",
                    if n.is_empty() {
                        "root"
                    } else {
                        n.trim_end_matches('/')
                    }
                ))
            };
            let mut spec = Out::map()
                .s("interval", &d.sync_interval)
                .s("timeout", &d.sync_timeout)
                .s("path", &kpath)
                .kv("prune", Out::Bool(d.sync_garbage_collection))
                .kv(
                    "sourceRef",
                    Out::map()
                        .s("kind", "GitRepository")
                        .s("name", &name)
                        .build(),
                );
            if decrypt {
                findings.push(at(Code::SOPS_KEY_SECRET, format!(
                    "Kustomization flux-system/{kname} decrypts with SOPS: create Secret flux-system/sops-gpg with the private key (`*.asc` PGP / `*.agekey` age) before applying it, or configure KMS workload identity"
                )));
                spec = spec.kv(
                    "decryption",
                    Out::map()
                        .s("provider", "sops")
                        .kv("secretRef", Out::map().s("name", "sops-gpg").build())
                        .build(),
                );
            }
            docs.push(emit::render(
                &Out::map()
                    .s("apiVersion", "kustomize.toolkit.fluxcd.io/v1")
                    .s("kind", "Kustomization")
                    .kv(
                        "metadata",
                        Out::map()
                            .s("name", kname)
                            .s("namespace", "flux-system")
                            .build(),
                    )
                    .kv("spec", spec.build())
                    .build(),
                "\n",
            ));
        }
        let path = if several {
            let first = crate::model::paths::normalize_dir(
                d.git_paths.first().map(String::as_str).unwrap_or(""),
            );
            format!(
                "{SYNC_DIR}fluxport-sync-{}.yaml",
                naming::dns1123(if first.is_empty() {
                    "root"
                } else {
                    first.trim_end_matches('/')
                })
            )
        } else {
            format!("{SYNC_DIR}fluxport-sync.yaml")
        };
        let from = if d.file.is_empty() {
            "options".to_string()
        } else {
            format!("{} (namespace {})", d.file, d.namespace)
        };
        let synced = d
            .git_paths
            .iter()
            .any(|p| path.starts_with(&crate::model::paths::normalize_dir(p)));
        let header = format!(
            "# Generated by fluxport from the Flux v1 daemon in {from}.\n# Apply once (kubectl apply -f {path}) after `flux install`; {}\n",
            if synced {
                "it lies in a synced path, so Flux v2 keeps managing it afterwards."
            } else {
                "it is outside the synced paths."
            }
        );
        let mut all = vec![header];
        all.extend(docs);
        files.push((path, all));
    }
    // Already generated by an earlier run (idempotence): a run over converted output
    // keeps the sync files it finds and writes none (the daemon manifests that produced
    // them may have left the tree, see `retire_components`).
    let prefix = format!("{SYNC_DIR}fluxport-sync");
    if ctx.files.iter().any(|f| f.path.starts_with(&prefix)) {
        ctx.findings.append(&mut findings);
        return;
    }
    for (path, docs) in files {
        if ctx.files.iter().any(|f| f.path == path) {
            continue;
        }
        ctx.new_files.insert(path, docs);
    }
    ctx.findings.append(&mut findings);
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

    #[test]
    fn repo_names() {
        assert_eq!(repo_name("ssh://git@github.com/acme/fleet"), "fleet");
        assert_eq!(repo_name("https://github.com/acme/Fleet.git/"), "fleet");
    }
}
