//! Image update automation (MAPPING.md §4): v1 policy annotations → ImageRepository,
//! ImagePolicy, ImageUpdateAutomation and `$imagepolicy` markers.
//!
//! Modules: [`policy`] (annotations), [`crate::model::workload`] (pod-template kinds), [`helm`]
//! (HelmRelease values shapes), [`filter`] (tag filters), [`crate::model::image_ref`] (image names,
//! providers), [`render`] (the generated objects).
//!
//! Stage function: [`plan`]. Reads: `files`, `roots`, `daemons`, `deleted`, `refused`,
//! `v1_components`, `opts`. Writes: `edits`, `value_edits`, `new_files`,
//! `image_policies`, `findings`.

pub mod filter;
pub mod helm;
mod overlay;
pub mod policy;
pub mod render;
pub mod tag_order;

use crate::model::codes::Code;
use crate::model::context::{doc_ref, Context};
use crate::model::document::DocKind;
use crate::model::document::DocRef;
use crate::model::document::LoadedFile;
use crate::model::finding::Finding;
use crate::model::flux_v1::Daemon;
use crate::model::naming::{dns1123, sha256_hex};
use crate::model::sync_root::{roots_of, sources_dir, SyncRoot};
use crate::model::{image_ref as refs, workload};
use crate::repo::kustomize::Model;
use crate::text::TextEdit;
use crate::yaml::Node;
use filter::{go_glob, regex_may_match_latest, semver_parts, Filter};
use render::{Automation, Policy, Repo};
use std::collections::BTreeMap;

/// One automated container, ready to render.
struct Found {
    roots: Vec<usize>,
    repo: Repo,
    policy: Policy,
    /// The current tag, and the index in the stage's findings of its ordering finding
    /// (ORDERING_INFERRED / BUILD_TIME_ORDERING_LOST), for [`demote_build_numbers`].
    tag: Option<String>,
    /// (finding index, container, filter as shown).
    order_finding: Option<(usize, String, String)>,
}

/// Reads annotations on workloads and v1 HelmReleases, writes marker edits
/// (`ctx.edits` for workloads, `ctx.value_edits` for HelmRelease values) and the new
/// objects. Runs before the HelmRelease conversion.
pub fn plan(ctx: &mut Context, model: &Model) {
    let files = ctx.files;
    plan_in(ctx, files, model);
}

/// The daemon settings for a root (the daemon whose git paths make that root, else
/// the first daemon), or fluxd's defaults.
/// The daemon of a sync root: the first one of that root with a `--git-url` (its
/// GitRepository is the one `daemon::emit` writes for the root, so the automation
/// pushes to the repository that root syncs), else the first of that root, else the
/// first daemon.
fn daemon_for<'a>(daemons: &'a [Daemon], root: Option<&SyncRoot>) -> Option<&'a Daemon> {
    let of_root = |d: &&Daemon| {
        root.is_some_and(|r| !d.git_paths.is_empty() && SyncRoot::new(&d.git_paths) == *r)
    };
    daemons
        .iter()
        .filter(of_root)
        .find(|d| d.git_url.is_some())
        .or_else(|| daemons.iter().find(of_root))
        .or(daemons.first())
}

fn marker(ns: &str, policy: &str, suffix: &str) -> String {
    format!(" # {{\"$imagepolicy\": \"{ns}:{policy}{suffix}\"}}")
}

/// Where a marker goes after `node` on its line; `Err` when the line cannot carry one.
fn marker_at(text: &str, node: &Node) -> Result<usize, ()> {
    if matches!(
        node.style(),
        Some(crate::yaml::Style::Literal | crate::yaml::Style::Folded)
    ) || node.end() > text.len()
    {
        return Err(());
    }
    let end = scalar_end(text, node).ok_or(())?;
    let rest = &text[end..];
    let line_rest = rest.split('\n').next().unwrap_or("");
    if line_rest.trim().is_empty() {
        Ok(end)
    } else {
        Err(())
    }
}

/// The byte after a scalar's last character (the parser's span of a quoted scalar can
/// run past the closing quote), found from the scalar's start.
pub(crate) fn scalar_end(text: &str, node: &Node) -> Option<usize> {
    let b = text.as_bytes();
    let start = node.start().min(b.len());
    match node.style()? {
        crate::yaml::Style::DoubleQuoted | crate::yaml::Style::SingleQuoted => {
            let q = *b.get(start)?;
            if q != b'"' && q != b'\'' {
                return None;
            }
            let mut i = start + 1;
            while i < b.len() {
                match b[i] {
                    b'\\' if q == b'"' => i += 2,
                    c if c == q => {
                        if q == b'\'' && b.get(i + 1) == Some(&b'\'') {
                            i += 2;
                        } else {
                            return Some(i + 1);
                        }
                    }
                    _ => i += 1,
                }
            }
            None
        }
        crate::yaml::Style::Plain => {
            let end = node.end().min(b.len());
            Some(start + text[start..end].trim_end().len())
        }
        _ => None,
    }
}

struct Env<'c> {
    ns: String,
    disabled: Option<&'static str>,
    exclude: Vec<String>,
    include: Vec<String>,
    interval: String,
    insecure: Vec<String>,
    default_ns: String,
    ctx_roots: &'c [SyncRoot],
}

fn plan_in(ctx: &mut Context, files: &[LoadedFile], model: &Model) {
    let ctx_refused = ctx.refused.clone();
    let first = ctx.daemons.first();
    let defaults = Daemon::default();
    let d = first.unwrap_or(&defaults);
    let env = Env {
        ns: ctx.opts.automation_namespace.clone(),
        disabled: if ctx.daemons.iter().any(|d| d.git_readonly) {
            Some("--git-readonly")
        } else if ctx.daemons.iter().any(|d| d.registry_disable_scanning) {
            Some("--registry-disable-scanning")
        } else {
            None
        },
        exclude: d.registry_exclude_images.clone(),
        include: d.registry_include_images.clone(),
        interval: d.registry_poll_interval.clone(),
        insecure: d.registry_insecure_hosts.clone(),
        default_ns: first
            .and_then(|d| d.k8s_default_namespace.clone())
            .unwrap_or_else(|| ctx.opts.default_namespace.clone()),
        ctx_roots: &ctx.roots,
    };
    let mut found: Vec<Found> = Vec::new();
    let mut findings: Vec<Finding> = Vec::new();
    let mut edits: Vec<(usize, TextEdit)> = Vec::new();
    let mut value_edits: Vec<((usize, usize), TextEdit)> = Vec::new();
    let mut disabled_reported = false;
    let mut policies: Vec<((usize, usize, String), String)> = Vec::new();
    let mut namer = PolicyNamer::default();
    let mut built = BTreeMap::new();
    let mut additions = BTreeMap::new();
    let mut pins = BTreeMap::new();
    // `.flux.yaml` patch files → their generator directory (`overlay::flux_patch_pins`).
    let mut patch_files: BTreeMap<String, String> = BTreeMap::new();
    for p in &ctx.flux_yaml {
        if let crate::model::flux_yaml::Outcome::Kustomize {
            dir,
            patch_file: Some(pf),
        } = &p.outcome
        {
            patch_files.entry(pf.clone()).or_insert_with(|| dir.clone());
        }
    }

    for (fi, f) in files.iter().enumerate() {
        if f.untouchable {
            continue;
        }
        for (di, d) in f.docs.iter().enumerate() {
            let (Some(root), Some(doc)) = (d.root(), doc_ref(files, fi, di)) else {
                continue;
            };
            // A refused second definition (DUPLICATE_OBJECT) gets no automation.
            if ctx_refused.contains(&(fi, di)) {
                continue;
            }
            let mut roots = roots_of(env.ctx_roots, &f.path);
            if roots.is_empty() {
                roots.push(usize::MAX);
            }
            match &d.kind {
                DocKind::Object { .. } => {
                    for obj in workload::objects(root) {
                        let Some(ann) = workload::annotations_entry(obj) else {
                            continue;
                        };
                        let mut p = policy::read(&doc, Some(&ann.value), &mut findings);
                        let wl = workload::workload(obj);
                        if wl.is_none() {
                            p.converted = p.ignore_entries.clone();
                        }
                        for e in policy::edits(&doc, ann, &p) {
                            edits.push((fi, shift(e, d.start)));
                        }
                        let Some(wl) = wl else { continue };
                        if overlay::is_patch(model, fi, di) {
                            // A patch's automation is planned with its base (overlay.rs).
                            continue;
                        }
                        if !p.is_automated() {
                            continue;
                        }
                        if let Some(flag) = env.disabled {
                            report_disabled(
                                &doc,
                                &ann.key,
                                flag,
                                &mut findings,
                                &mut disabled_reported,
                            );
                            continue;
                        }
                        let ns = wl
                            .namespace
                            .clone()
                            .unwrap_or_else(|| env.default_ns.clone());
                        for (cname, image) in &wl.containers {
                            let Some(text) = image.as_str() else { continue };
                            let r = refs::parse(text);
                            let Some(filter) = container_filter(
                                &env,
                                &doc,
                                image,
                                cname,
                                &p,
                                &r.name,
                                &mut findings,
                            ) else {
                                continue;
                            };
                            let Ok(at) = marker_at(doc.text, image) else {
                                findings.push(doc.finding(Code::MARKER_NOT_WRITTEN, Some(image), format!("container `{cname}`: no marker could be added to this `image:` line")));
                                continue;
                            };
                            let pname = namer.name(
                                dns1123(&format!("{ns}-{}-{}-{cname}", wl.name, wl.kind_short)),
                                &roots,
                                (r.name.clone(), filter.clone(), r.tag.clone()),
                                &f.path,
                            );
                            edits.push((
                                fi,
                                TextEdit::insert(d.start + at, marker(&env.ns, &pname, "")),
                            ));
                            policies.push(((fi, di, cname.clone()), pname.clone()));
                            if let Some(s) = wl.pull_secrets.first() {
                                findings.push(doc.finding(Code::REGISTRY_CREDS, Some(image), format!("container `{cname}` pulls with imagePullSecrets `{}`; copy the Secret `{s}` into namespace `{}` for ImageRepository `{}`", wl.pull_secrets.join(", "), env.ns, r.name)));
                            }
                            found.push(new_found(
                                &env,
                                &roots,
                                &r.name,
                                wl.pull_secrets.first().cloned(),
                                pname,
                                filter,
                                &p,
                                &doc,
                                image,
                                r.tag.as_deref(),
                                cname,
                                &mut findings,
                            ));
                        }
                    }
                }
                DocKind::HelmReleaseV1(_)
                    if overlay::is_patch(model, fi, di) || patch_files.contains_key(&f.path) => {}
                DocKind::HelmReleaseV1(flavor) => {
                    // Only releases the HelmRelease stage converts get markers (a
                    // release it rejects is left as it is, so no policy may name it).
                    let mut scratch = Vec::new();
                    if crate::helm::helmrelease::read(
                        doc,
                        root,
                        *flavor,
                        ctx.opts,
                        ctx.placements.get(&(fi, di)),
                        &mut scratch,
                    )
                    .is_none()
                    {
                        continue;
                    }
                    let meta = root.get("metadata");
                    let ann = meta.and_then(|m| m.entry("annotations"));
                    let p = policy::read(&doc, ann.map(|e| &e.value), &mut findings);
                    if !p.is_automated() {
                        continue;
                    }
                    if let Some(flag) = env.disabled {
                        if let Some(a) = ann {
                            report_disabled(
                                &doc,
                                &a.key,
                                flag,
                                &mut findings,
                                &mut disabled_reported,
                            );
                        }
                        continue;
                    }
                    let Some(values) = root.path(&["spec", "values"]).filter(|v| v.is_map()) else {
                        continue;
                    };
                    let name = meta
                        .and_then(|m| m.get("name"))
                        .and_then(Node::as_str)
                        .unwrap_or("");
                    let ns = meta
                        .and_then(|m| m.get("namespace"))
                        .and_then(Node::as_str)
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .unwrap_or_else(|| env.default_ns.clone());
                    let maps = helm::mappings(ann.map(|e| &e.value));
                    for c in helm::containers(values, &maps) {
                        let (node, suffix) = match c.marker {
                            helm::Marker::Unsupported(n) => {
                                findings.push(doc.finding(Code::UNSUPPORTED_IMAGE_SPLIT, Some(n), format!("container `{}`: registry + `name:tag` (`{}`); no v2 setter writes this shape, no marker or policy written", c.name, n.as_str().unwrap_or(""))));
                                continue;
                            }
                            helm::Marker::Full(n) => (n, ""),
                            helm::Marker::Tag(n) => (n, ":tag"),
                        };
                        let Some(filter) = container_filter(
                            &env,
                            &doc,
                            node,
                            &c.name,
                            &p,
                            &c.image,
                            &mut findings,
                        ) else {
                            continue;
                        };
                        let Ok(at) = marker_at(doc.text, node) else {
                            findings.push(doc.finding(
                                Code::MARKER_NOT_WRITTEN,
                                Some(node),
                                format!(
                                    "container `{}`: no marker could be added to this values line",
                                    c.name
                                ),
                            ));
                            continue;
                        };
                        let pname = namer.name(
                            dns1123(&format!("{ns}-{name}-hr-{}", c.name)),
                            &roots,
                            (c.image.clone(), filter.clone(), c.tag.clone()),
                            &f.path,
                        );
                        let m = marker(&env.ns, &pname, suffix);
                        if suffix == ":tag" && !node.is_string() {
                            let t = node.as_str().unwrap_or("");
                            findings.push(doc.finding(Code::NONSTRING_TAG, Some(node), format!("container `{}`: tag `{t}` is not a YAML string; quoted as \"{t}\"", c.name)));
                            value_edits.push((
                                (fi, di),
                                TextEdit::replace(node.start(), at, format!("\"{t}\"{m}")),
                            ));
                        } else {
                            value_edits.push(((fi, di), TextEdit::insert(at, m)));
                        }
                        found.push(new_found(
                            &env,
                            &roots,
                            &c.image,
                            None,
                            pname,
                            filter,
                            &p,
                            &doc,
                            node,
                            c.tag.as_deref(),
                            &c.name,
                            &mut findings,
                        ));
                    }
                }
                _ => {}
            }
        }
    }
    let mut sink = overlay::Sink {
        found: &mut found,
        findings: &mut findings,
        edits: &mut edits,
        value_edits: &mut value_edits,
        policies: &mut policies,
        built: &mut built,
        additions: &mut additions,
    };
    overlay::plan(files, model, &env, ctx.opts, &mut sink);
    overlay::flux_patch_pins(
        files,
        model,
        &env,
        ctx.opts,
        &patch_files,
        &mut namer,
        &mut sink,
        &mut pins,
    );
    demote_build_numbers(&mut found, &mut findings);
    ctx.built_policies.append(&mut built);
    ctx.value_additions.append(&mut additions);
    ctx.flux_patch_markers.append(&mut pins);
    ctx.findings.append(&mut findings);
    for (fi, e) in edits {
        ctx.edits.entry(fi).or_default().push(e);
    }
    for (k, e) in value_edits {
        ctx.value_edits.entry(k).or_default().push(e);
    }
    ctx.image_policies.extend(policies);
    place(ctx, files, found);
}

/// What a policy selects: image, v1 filter and the current tag (the tag decides an
/// inferred order). Two containers with the same of all three share one policy.
type PolicySig = (String, Filter, Option<String>);

/// Policy names, unique per sync root among policies that select differently. The
/// same workload in two environments of one root (`prod-*` here, `staging-*` there)
/// used to get one name, and the later policy silently replaced the earlier one, so
/// one environment's marker followed the other's filter. The first (in path order)
/// keeps the plain name; a different policy gets a suffix from its file's path.
#[derive(Default)]
struct PolicyNamer {
    used: BTreeMap<(usize, String), PolicySig>,
}

impl PolicyNamer {
    fn name(&mut self, base: String, roots: &[usize], sig: PolicySig, file: &str) -> String {
        let free = |used: &BTreeMap<(usize, String), PolicySig>, n: &str| {
            roots
                .iter()
                .all(|&r| used.get(&(r, n.to_string())).is_none_or(|s| *s == sig))
        };
        let mut name = base.clone();
        let mut n = 1;
        while !free(&self.used, &name) {
            let salt = if n == 1 {
                file.to_string()
            } else {
                format!("{file}#{n}")
            };
            name = dns1123(&format!("{base}-{}", &sha256_hex(salt.as_bytes())[..8]));
            n += 1;
        }
        for &r in roots {
            self.used
                .entry((r, name.clone()))
                .or_insert_with(|| sig.clone());
        }
        name
    }
}

fn shift(mut e: TextEdit, by: usize) -> TextEdit {
    e.start += by;
    e.end += by;
    e
}

fn report_disabled(
    doc: &DocRef,
    at: &Node,
    flag: &str,
    findings: &mut Vec<Finding>,
    done: &mut bool,
) {
    if !*done {
        *done = true;
        findings.push(doc.finding(Code::AUTOMATION_DISABLED, Some(at), format!("fluxd runs with {flag}: automation annotations removed, no image automation objects written")));
    }
}

/// The container's filter, or `None` (with findings) when no policy is written.
#[allow(clippy::too_many_arguments)]
fn container_filter(
    env: &Env,
    doc: &DocRef,
    node: &Node,
    cname: &str,
    p: &policy::Policies,
    image: &str,
    findings: &mut Vec<Finding>,
) -> Option<Filter> {
    if env.exclude.iter().any(|g| go_glob(g, image))
        || !env.include.is_empty() && !env.include.iter().any(|g| go_glob(g, image))
    {
        return None;
    }
    let filter = Filter::parse(p.tags.get(cname).map(String::as_str).unwrap_or("glob:*"));
    if filter == Filter::Glob("latest".into()) {
        findings.push(doc.finding(
            Code::LATEST_NOOP,
            Some(node),
            format!("container `{cname}`: filter `latest` never moved in v1; no policy written"),
        ));
        return None;
    }
    Some(filter)
}

#[allow(clippy::too_many_arguments)]
fn new_found(
    env: &Env,
    roots: &[usize],
    image: &str,
    secret: Option<String>,
    pname: String,
    filter: Filter,
    p: &policy::Policies,
    doc: &DocRef,
    node: &Node,
    tag: Option<&str>,
    cname: &str,
    findings: &mut Vec<Finding>,
) -> Found {
    let mut order = None;
    let mut order_finding = None;
    match &filter {
        Filter::Semver(_) => {
            if let Some(t) = tag.filter(|t| semver_parts(t) < 3) {
                findings.push(doc.finding(Code::SEMVER_TWO_PART, Some(node), format!("container `{cname}`: current tag `{t}` has fewer than three parts; v2 semver ignores such tags")));
            }
        }
        Filter::Glob(_) | Filter::Regex(_) if render::needs_ordering(&filter) => {
            let shown = match &filter {
                Filter::Regex(re) => format!("regex:{re}"),
                Filter::Glob(g) => format!("glob:{g}"),
                Filter::Semver(_) => String::new(),
            };
            let outcome = tag_order::infer(&filter, tag);
            order_finding = Some((findings.len(), cname.to_string(), shown.clone()));
            match &outcome {
                tag_order::Outcome::Inferred(i) => {
                    findings.push(doc.finding(
                        Code::ORDERING_INFERRED,
                        Some(node),
                        ordering_inferred_message(cname, &shown, &pname, i),
                    ));
                }
                tag_order::Outcome::Suspended { reason, tag: t } => {
                    findings.push(doc.finding(
                        Code::BUILD_TIME_ORDERING_LOST,
                        Some(node),
                        ordering_lost_message(cname, &shown, &pname, &filter, t.as_deref(), reason),
                    ));
                    let may_match = match &filter {
                        Filter::Glob(g) => go_glob(g, "latest"),
                        Filter::Regex(re) => regex_may_match_latest(re),
                        Filter::Semver(_) => false,
                    };
                    if may_match {
                        let what = match &filter {
                            Filter::Glob(g) => format!("the pattern for `glob:{g}` matches"),
                            Filter::Regex(re) => format!("`{re}` may match"),
                            Filter::Semver(_) => String::new(),
                        };
                        findings.push(doc.finding(
                            Code::LATEST_MAY_MATCH,
                            Some(node),
                            format!(
                                "container `{cname}`: {what} `latest`, which v1 always excluded"
                            ),
                        ));
                    }
                }
            }
            order = Some(outcome);
        }
        _ => {}
    }
    let host = refs::host(image);
    let note = p.locked.then(|| {
        let mut s = "locked in v1".to_string();
        if let Some(u) = &p.locked_user {
            s.push_str(&format!(" by {u}"));
        }
        if let Some(m) = &p.locked_msg {
            s.push_str(&format!(": {m}"));
        }
        s
    });
    Found {
        roots: roots.to_vec(),
        repo: Repo {
            name: String::new(),
            image: image.to_string(),
            interval: env.interval.clone(),
            secret,
            provider: refs::provider(image),
            insecure: env.insecure.iter().any(|h| h == host),
        },
        policy: Policy {
            name: pname,
            repo: String::new(),
            filter,
            locked: p.locked,
            locked_note: note,
            order,
        },
        tag: tag.map(str::to_string),
        order_finding,
    }
}

fn ordering_inferred_message(
    cname: &str,
    shown: &str,
    pname: &str,
    i: &tag_order::Inferred,
) -> String {
    let order = match i.order {
        tag_order::Order::Semver => format!("semver range `{}`", tag_order::SEMVER_ANY),
        o => format!("{} asc", o.as_str()),
    };
    format!("container `{cname}` (`{shown}`): v1 picked the newest-built tag; policy `{pname}` is active, ordered by the {} in the current tag `{}`: pattern `{}`, extract `{}`, {order}. Check that CI has built every tag in this shape since `{}`; an older image in another shape is no longer considered", i.shape.describe(), i.tag, i.pattern, i.extract(), i.tag)
}

fn ordering_lost_message(
    cname: &str,
    shown: &str,
    pname: &str,
    filter: &Filter,
    tag: Option<&str>,
    reason: &tag_order::Reason,
) -> String {
    format!("container `{cname}` (`{shown}`): v1 picked the newest-built tag; policy `{pname}` emitted suspended with alphabetical order: no order inferred ({}). Tags shaped {} would make it sortable: set filterTags.extract + numerical order, then remove suspend", reason.describe(), tag_order::suggestion(filter, tag, reason))
}

/// A build-number order holds only when the same prefix never carries a SHA-like part:
/// if another current tag of the same image starts with the prefix and carries one, the
/// policy stays suspended (its finding becomes BUILD_TIME_ORDERING_LOST).
fn demote_build_numbers(found: &mut [Found], findings: &mut [Finding]) {
    let mut tags: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for f in found.iter() {
        if let Some(t) = &f.tag {
            tags.entry(f.repo.image.as_str())
                .or_default()
                .push(t.clone());
        }
    }
    let mut demote = Vec::new();
    for (k, f) in found.iter().enumerate() {
        let Some(tag_order::Outcome::Inferred(i)) = &f.policy.order else {
            continue;
        };
        let tag_order::Shape::BuildNumber { prefix } = &i.shape else {
            continue;
        };
        let other = tags.get(f.repo.image.as_str()).and_then(|ts| {
            ts.iter().find(|t| {
                t.strip_prefix(prefix.as_str()).is_some_and(|rest| {
                    rest.split(|c: char| !c.is_ascii_alphanumeric())
                        .any(tag_order::sha_like)
                })
            })
        });
        if let Some(o) = other {
            demote.push((k, o.clone()));
        }
    }
    for (k, other) in demote {
        let f = &mut found[k];
        let reason = tag_order::Reason::ShaInPrefix(other);
        if let Some((fi, container, shown)) = &f.order_finding {
            let old = &mut findings[*fi];
            *old = Finding::new(
                Code::BUILD_TIME_ORDERING_LOST,
                &old.file,
                old.line,
                old.column,
                ordering_lost_message(
                    container,
                    shown,
                    &f.policy.name,
                    &f.policy.filter,
                    f.tag.as_deref(),
                    &reason,
                ),
            );
        }
        f.policy.order = Some(tag_order::Outcome::Suspended {
            reason,
            tag: f.tag.clone(),
        });
    }
}

/// `./` + the common parent directory of a root's paths.
fn common_parent(root: Option<&SyncRoot>) -> String {
    let Some(r) = root else { return "./".into() };
    let mut parts: Option<Vec<&str>> = None;
    for p in &r.paths {
        let segs: Vec<&str> = p.split('/').filter(|s| !s.is_empty()).collect();
        parts = Some(match parts {
            None => segs,
            Some(prev) => prev
                .iter()
                .zip(&segs)
                .take_while(|(a, b)| a == b)
                .map(|(a, _)| *a)
                .collect(),
        });
    }
    format!("./{}", parts.unwrap_or_default().join("/"))
}

fn place(ctx: &mut Context, files: &[LoadedFile], found: Vec<Found>) {
    if found.is_empty() {
        return;
    }
    // Repository names: dns1123 of the name as written; distinct names that collide get a hash.
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    let mut taken: BTreeMap<String, String> = BTreeMap::new();
    let mut images: Vec<&str> = found.iter().map(|f| f.repo.image.as_str()).collect();
    images.sort();
    images.dedup();
    for img in images {
        let mut n = dns1123(img);
        if taken.get(&n).is_some_and(|o| o != img) {
            n = dns1123(&format!("{n}-{}", &sha256_hex(img.as_bytes())[..8]));
        }
        taken.insert(n.clone(), img.to_string());
        names.insert(img.to_string(), n);
    }
    type Bucket = (
        BTreeMap<String, Repo>,
        BTreeMap<String, Policy>,
        BTreeMap<String, Automation>,
    );
    let mut by_dir: BTreeMap<String, Bucket> = BTreeMap::new();
    let ns = ctx.opts.automation_namespace.clone();
    // Per root, once: its directory and automation (each scans every root or daemon,
    // so computing them per image was quadratic in the size of the repository).
    let mut per_root: BTreeMap<usize, (String, Automation)> = BTreeMap::new();
    for f in found {
        let rname = names.get(&f.repo.image).cloned().unwrap_or_default();
        for &root in &f.roots {
            let (dir, a) = per_root
                .entry(root)
                .or_insert_with(|| {
                    let sroot = ctx.roots.get(root);
                    let dir = if sroot.is_some() {
                        sources_dir(&ctx.roots, root)
                    } else {
                        String::new()
                    };
                    (dir, automation(ctx, sroot))
                })
                .clone();
            let b = by_dir.entry(dir).or_default();
            let mut repo = f.repo.clone();
            repo.name = rname.clone();
            // Several workloads with one image: the first pull secret (by path) wins.
            b.0.entry(rname.clone()).or_insert(repo);
            let mut pol = f.policy.clone();
            pol.repo = rname.clone();
            b.1.insert(pol.name.clone(), pol);
            b.2.entry(a.name.clone()).or_insert(a);
        }
    }
    for (dir, (repos, pols, autos)) in by_dir {
        let path = crate::model::context::free_path(
            files,
            &ctx.new_files,
            &dir,
            crate::model::paths::AUTOMATION_FILE,
        );
        let mut docs = vec![format!(
            "# Generated by fluxport: Flux v2 image automation for the workloads synced from `{}`.\n# Markers `# {{\"$imagepolicy\": ...}}` in the manifests name the ImagePolicies below.",
            if dir.is_empty() { "." } else { dir.trim_end_matches('/') }
        )];
        let trees = &mut ctx.generated;
        docs.extend(
            repos
                .values()
                .map(|r| trees.render(render::repository(r, &ns), "\n")),
        );
        docs.extend(
            pols.values()
                .map(|p| trees.render(render::policy(p, &ns), "\n")),
        );
        docs.extend(
            autos
                .values()
                .map(|a| trees.render(render::automation(a, &ns), "\n")),
        );
        ctx.new_files.insert(path, docs);
    }
}

fn automation(ctx: &Context, root: Option<&SyncRoot>) -> Automation {
    let defaults = Daemon::default();
    let d = daemon_for(&ctx.daemons, root);
    let src = d
        .and_then(|d| d.git_url.as_deref())
        .and_then(crate::model::naming::normalize_git_url)
        .map(|u| crate::model::naming::repo_name(&u.url))
        .unwrap_or_else(|| "flux-system".into());
    let dd = d.unwrap_or(&defaults);
    let mut message =
        "Auto-release{{ range .Changed.Changes }} {{ .NewValue }}{{ end }}".to_string();
    if dd.git_ci_skip {
        message.push_str(&dd.git_ci_skip_message);
    }
    Automation {
        name: src.clone(),
        source: src,
        interval: dd.automation_interval.clone(),
        branch: d
            .map(|d| d.git_branch.clone())
            .unwrap_or_else(|| ctx.opts.git_branch.clone()),
        author: dd.git_user.clone(),
        email: dd.git_email.clone(),
        message,
        signing_key: dd.git_signing_key.clone(),
        path: common_parent(root),
    }
}
