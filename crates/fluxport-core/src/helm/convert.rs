//! The HelmRelease stage: reads every v1 HelmRelease, names the sources they need
//! (reusing Flux v2 sources already in the input), renders each v2 HelmRelease in place
//! and places the new sources (MAPPING.md §1, §2).
//!
//! Reads: `files`, `deleted`, `v1_components`, `value_edits` (image markers in values),
//! `roots`, `new_files` (free paths). Writes: `edits`, `appended`, `new_files`,
//! `releases`, `findings`.

use crate::helm::helmrelease::{self, V1Release};
use crate::helm::patches;
use crate::helm::sources::{self, ExistingSource, SourceKey, SourceSettings, SourceSpec};
use crate::model::codes::Code;
use crate::model::context::{doc_ref, docs_where, free_path, replace_doc_edit, Context};
use crate::model::document::{DocKind, LoadedFile};
use crate::model::finding::{Finding, ReleaseEntry};
use crate::model::options::{HelmVersion, Options, SourcesPlacement};
use crate::model::paths::SOURCES_FILE;
use crate::model::sync_root;
use crate::repo::kustomize::Model;
use crate::yaml::emit::GeneratedTrees;
use crate::yaml::Node;
use std::collections::{BTreeMap, BTreeSet};

/// Flux v2 sources already in the input (reused instead of duplicated).
fn existing_sources(files: &[LoadedFile], opts: &Options) -> Vec<ExistingSource> {
    let mut out = Vec::new();
    for (fi, di) in docs_where(
        files,
        |k| matches!(k, DocKind::FluxV2 { kind, .. } if kind == "HelmRepository" || kind == "GitRepository"),
    ) {
        let f = &files[fi];
        let Some(root) = f.docs[di].root() else {
            continue;
        };
        let s = |p: &[&str]| {
            root.path(p)
                .and_then(Node::as_str)
                .unwrap_or("")
                .to_string()
        };
        let reference = root
            .path(&["spec", "ref"])
            .and_then(|r| r.entries().first())
            .map(|e| {
                format!(
                    "{}={}",
                    e.key.as_str().unwrap_or(""),
                    e.value.as_str().unwrap_or("")
                )
            })
            .unwrap_or_else(|| "branch=master".into());
        out.push(ExistingSource {
            kind: s(&["kind"]),
            namespace: {
                let ns = s(&["metadata", "namespace"]);
                if ns.is_empty() {
                    opts.default_namespace.clone()
                } else {
                    ns
                }
            },
            name: s(&["metadata", "name"]),
            url: s(&["spec", "url"]),
            reference,
            file: f.path.clone(),
        });
    }
    out
}

/// The v1 HelmReleases the stage converts, read. Documents of a file the migration
/// removes (a moved `.flux.yaml` patch file), patches (converted with their base),
/// Flux v1's own releases and refused documents (`ctx.refused`) are not read.
fn read_releases<'f>(
    ctx: &Context,
    files: &'f [LoadedFile],
    opts: &Options,
    model: &Model,
    findings: &mut Vec<Finding>,
) -> Vec<(usize, usize, V1Release<'f>)> {
    let hr_docs: Vec<(usize, usize)> =
        docs_where(files, |k| matches!(k, DocKind::HelmReleaseV1(_)))
            .into_iter()
            .filter(|(fi, di)| {
                !ctx.deleted.contains(fi)
                    && !ctx.refused.contains(&(*fi, *di))
                    && !patches::is_patch(model, *fi, *di)
                    && !ctx
                        .v1_components
                        .iter()
                        .any(|c| c.file == *fi && c.doc == *di)
            })
            .collect();
    let mut releases = Vec::new();
    for &(fi, di) in &hr_docs {
        let DocKind::HelmReleaseV1(flavor) = files[fi].docs[di].kind.clone() else {
            continue;
        };
        let Some(doc) = doc_ref(files, fi, di) else {
            continue;
        };
        let Some(root) = files[fi].docs[di].root() else {
            continue;
        };
        if let Some(r) = helmrelease::read(
            doc,
            root,
            flavor,
            opts,
            ctx.placements.get(&(fi, di)),
            findings,
        ) {
            releases.push((fi, di, r));
        }
    }
    releases
}

/// RELEASE_CLASH, before any stage converts (the pipeline runs it next to the
/// duplicate check, `repo::identity`): the later HelmRelease of a clash is refused
/// (`ctx.refused`), so the image stage plans nothing for it and this stage leaves it
/// as written. `opts`: the effective options (detected helm-operator settings), as
/// for the conversion. Findings of the read itself are the conversion's (dropped
/// here).
pub fn refuse_release_clashes(ctx: &mut Context, opts: &Options, model: &Model) {
    let files = ctx.files;
    let mut scratch = Vec::new();
    let releases = read_releases(ctx, files, opts, model, &mut scratch);
    let mut findings = Vec::new();
    let clashed = release_clashes(ctx, model, &releases, &mut findings);
    ctx.refused.extend(clashed);
    ctx.findings.append(&mut findings);
}

pub fn convert_helm_releases(ctx: &mut Context, opts: &Options, model: &Model) {
    let files = ctx.files;
    convert_helm_releases_in(ctx, files, opts, model);
}

fn convert_helm_releases_in(
    ctx: &mut Context,
    files: &[LoadedFile],
    opts: &Options,
    model: &Model,
) {
    let mut findings = Vec::new();
    // Read every v1 HelmRelease first: the planner needs all of their sources.
    let releases = read_releases(ctx, files, opts, model, &mut findings);
    let existing = existing_sources(files, opts);
    let mut specs: BTreeSet<SourceSpec> = BTreeSet::new();
    for (_, _, r) in &releases {
        specs.insert(r.source.clone());
    }
    // A HelmRelease that kustomize builds put into several namespaces (a base used by
    // overlays with different `namespace:`, or built on its own) needs its source in
    // each of them: `sourceRef` has no namespace, so it resolves in the object's own.
    let mut also_in: Vec<(usize, SourceSpec)> = Vec::new();
    for (ri, (fi, di, r)) in releases.iter().enumerate() {
        let Some(p) = ctx.placements.get(&(*fi, *di)) else {
            continue;
        };
        for ns in &p.all_namespaces {
            let ns = ns.as_deref().unwrap_or(&opts.default_namespace);
            if ns != r.source.namespace() && ns != r.namespace {
                also_in.push((ri, r.source.in_namespace(ns)));
            }
        }
    }
    specs.extend(also_in.iter().map(|(_, s)| s.clone()));
    let names = sources::assign_names(&specs, &existing);
    name_pending_secrets(files, &releases, &names, &mut findings);
    // Each release's source key, computed once, and the releases of each key in input
    // order: the loops below ask "which releases use this source" per source, which
    // scanned every release per source (quadratic in a paste of thousands of
    // HelmReleases with their own repositories).
    let release_keys: Vec<SourceKey> = releases.iter().map(|(_, _, r)| r.source.key()).collect();
    let mut releases_of: BTreeMap<&SourceKey, Vec<usize>> = BTreeMap::new();
    for (ri, key) in release_keys.iter().enumerate() {
        releases_of.entry(key).or_default().push(ri);
    }
    for spec in &specs {
        let key = spec.key();
        let Some(&first) = releases_of.get(&key).and_then(|v| v.first()) else {
            continue; // only a copy for another namespace of a build (below)
        };
        let (first_fi, first_di, _) = &releases[first];
        if let Some(res) = names.get(&key) {
            if res.existing {
                if let Some(d) = doc_ref(files, *first_fi, *first_di) {
                    findings.push(d.finding(
                        Code::EXISTING_SOURCE_REUSED,
                        None,
                        format!(
                            "uses the existing {} `{}/{}`",
                            res.kind, res.namespace, res.name
                        ),
                    ));
                }
            } else if res.clashed {
                findings.push(Finding::new(
                    Code::SOURCE_NAME_CLASH,
                    &files[*first_fi].path,
                    0,
                    0,
                    format!(
                        "{} for `{}` was named `{}` to avoid a clash",
                        res.kind, key.identity, res.name
                    ),
                ));
            }
        }
    }

    // Which sources each root needs: root index → keys (new objects only).
    let mut root_needs: BTreeMap<usize, BTreeSet<SourceKey>> = BTreeMap::new();
    let need = |needs: &mut BTreeMap<usize, BTreeSet<SourceKey>>, fi: usize, key: &SourceKey| {
        let mut roots = model.roots_applying(&ctx.roots, fi, &files[fi].path);
        if roots.is_empty() {
            roots.push(usize::MAX);
        }
        for root in roots {
            needs.entry(root).or_default().insert(key.clone());
        }
    };
    let mut rendered: Vec<(usize, usize, String)> = Vec::new();
    for ((fi, di, r), key) in releases.iter().zip(&release_keys) {
        let Some(res) = names.get(key) else { continue };
        let value_edits = ctx
            .value_edits
            .get(&(*fi, *di))
            .cloned()
            .unwrap_or_default();
        let out = helmrelease::render(
            r,
            res,
            opts,
            &value_edits,
            files[*fi].nl,
            &mut ctx.generated,
            &mut findings,
        );
        rendered.push((*fi, *di, out.text));
        ctx.releases.push(ReleaseEntry {
            file: files[*fi].path.clone(),
            namespace: r.namespace.clone(),
            name: r.name.clone(),
            release_name: r.release_name.clone(),
            storage_namespace: r.target_namespace.clone(),
            helm2: r.helm_version == HelmVersion::V2,
        });
        if !res.existing {
            need(&mut root_needs, *fi, key);
        }
    }
    for (ri, spec) in &also_in {
        let (fi, di, _) = &releases[*ri];
        let key = spec.key();
        let (Some(res), Some(own)) = (names.get(&key), names.get(&release_keys[*ri])) else {
            continue;
        };
        if res.name != own.name {
            if let Some(d) = doc_ref(files, *fi, *di) {
                findings.push(d.finding(
                    Code::SOURCE_NAME_CLASH,
                    None,
                    format!(
                        "in namespace `{}` (where a kustomize build puts this HelmRelease) its {} is `{}`, not `{}`: set `sourceRef.name` there with a patch",
                        res.namespace, res.kind, res.name, own.name
                    ),
                ));
            }
        }
        if !res.existing {
            need(&mut root_needs, *fi, &key);
        }
    }
    ctx.findings.append(&mut findings);
    for (fi, di, text) in rendered {
        if let Some(e) = replace_doc_edit(files, fi, di, text) {
            ctx.edits.entry(fi).or_default().push(e);
        }
    }
    // Patches of these HelmReleases convert against them.
    patches::convert(ctx, model, &releases, &names, &existing, opts);
    // Overlays in other namespaces get the release identity v1 gave them there.
    crate::helm::identity::carry(ctx, model, &releases, &names, opts);

    // Place the new sources.
    let mut by_key: BTreeMap<SourceKey, &SourceSpec> = BTreeMap::new();
    for s in &specs {
        by_key.insert(s.key(), s);
    }
    let settings = SourceSettings {
        helm_interval: &opts.helm_repository_interval,
        git_interval: &opts.git_poll_interval,
        git_timeout: &opts.git_timeout,
    };
    let render_key = |key: &SourceKey, nl: &str, trees: &mut GeneratedTrees| -> Option<String> {
        let spec = by_key.get(key)?;
        let res = names.get(key)?;
        let doc = sources::source_doc(spec, res, Some(&res.namespace), &settings);
        Some(trees.render(doc, nl))
    };
    let ordered = |keys: &BTreeSet<SourceKey>| -> Vec<SourceKey> {
        let mut v: Vec<SourceKey> = keys.iter().cloned().collect();
        v.sort_by_key(|k| {
            (
                k.kind,
                names
                    .get(k)
                    .map(|r| (r.namespace.clone(), r.name.clone()))
                    .unwrap_or_default(),
            )
        });
        v
    };
    match opts.sources_placement {
        SourcesPlacement::SyncRoot => {
            let mut by_dir: BTreeMap<String, BTreeSet<SourceKey>> = BTreeMap::new();
            for (root, keys) in &root_needs {
                let dir = if *root == usize::MAX {
                    String::new()
                } else {
                    sync_root::sources_dir(&ctx.roots, *root)
                };
                by_dir.entry(dir).or_default().extend(keys.iter().cloned());
            }
            for (dir, keys) in by_dir {
                let path = free_path(files, &ctx.new_files, &dir, SOURCES_FILE);
                let nl = "\n";
                let mut docs = vec![format!(
                    "# Generated by fluxport: Flux v2 sources for the HelmReleases synced from `{}`.{nl}# Each object is applied once by the Kustomization of this path.",
                    if dir.is_empty() { "." } else { dir.trim_end_matches('/') }
                )];
                for k in ordered(&keys) {
                    if let Some(t) = render_key(&k, nl, &mut ctx.generated) {
                        docs.push(t);
                    }
                }
                ctx.new_files.insert(path, docs);
            }
        }
        SourcesPlacement::Inline => {
            // Each source goes into the first file (by path) of the root that uses it.
            for (root, keys) in &root_needs {
                for key in ordered(keys) {
                    let host = releases_of
                        .get(&key)
                        .into_iter()
                        .flatten()
                        .map(|&ri| releases[ri].0)
                        .filter(|fi| {
                            *root == usize::MAX
                                || model
                                    .roots_applying(&ctx.roots, *fi, &files[*fi].path)
                                    .contains(root)
                        })
                        .min();
                    if let Some(fi) = host {
                        let nl = files[fi].nl;
                        if let Some(t) = render_key(&key, nl, &mut ctx.generated) {
                            let list = ctx.appended.entry(fi).or_default();
                            if !list.contains(&t) {
                                list.push(t);
                            }
                        }
                    }
                }
            }
        }
    }
}

/// RELEASE_CLASH (issue 15): two HelmReleases that one sync applies (a unit of
/// `repo::identity::applied`, the same grouping as DUPLICATE_OBJECT) map to one Helm
/// release: the release name and storage namespace. For a v1 HelmRelease both as
/// `helmrelease::read` computes them under the v1 rules (MAPPING.md §2.2: Helm 3
/// stores in the target namespace, and so do releases `helm 2to3` converted); for a
/// Flux v2 HelmRelease already in the input by `model::release`. The v2 ones come
/// first (they are not converted), then the v1 ones in file and document order; a
/// later one names the first and is refused: converted, helm-controller would
/// have both upgrade one release, as helm-operator did. Converting the output again
/// finds the converted first one as a v2 HelmRelease, so the verdict stays.
/// The first HelmRelease of a Helm release: (file, doc, line, `namespace/name`).
type Owner = (usize, usize, usize, String);

fn release_clashes(
    ctx: &Context,
    model: &Model,
    releases: &[(usize, usize, V1Release)],
    findings: &mut Vec<Finding>,
) -> BTreeSet<(usize, usize)> {
    use crate::repo::identity::{self, Unit};
    let files = ctx.files;
    let all = identity::applied(ctx, model);
    let mut owner: BTreeMap<(Unit, String, String), Owner> = BTreeMap::new();
    for a in &all {
        let (fi, di) = (a.file, a.doc);
        let DocKind::FluxV2 { kind, .. } = &files[fi].docs[di].kind else {
            continue;
        };
        let Some(spec) = files[fi].docs[di].root().and_then(|r| r.get("spec")) else {
            continue;
        };
        if kind != "HelmRelease" || a.id.0 != "helm.toolkit.fluxcd.io" {
            continue;
        }
        let (ns, name) = (&a.id.2, &a.id.3);
        let id = crate::model::release::v2_release(spec, name, ns);
        owner
            .entry((a.unit.clone(), id.release, id.storage))
            .or_insert((fi, di, a.line, format!("{ns}/{name}")));
    }
    let mut clashed: BTreeSet<(usize, usize)> = BTreeSet::new();
    let units = identity::units_by_doc(&all);
    for (fi, di, r) in releases {
        for u in units.get(&(*fi, *di)).into_iter().flatten().cloned() {
            let key = (u, r.release_name.clone(), r.target_namespace.clone());
            let (l, _) = r.doc.position(name_node(r));
            let Some((f0, d0, l0, who)) = owner.get(&key).cloned() else {
                owner.insert(key, (*fi, *di, l, format!("{}/{}", r.namespace, r.name)));
                continue;
            };
            if (f0, d0) == (*fi, *di) {
                continue;
            }
            let Some(d) = doc_ref(files, *fi, *di) else {
                continue;
            };
            findings.push(d.finding(
                Code::RELEASE_CLASH,
                name_node(r),
                format!(
                    "HelmRelease {}/{} maps to Helm release `{}` stored in namespace `{}`, as HelmRelease {who} does ({}:{l0}): both would upgrade one release; this one was not converted",
                    r.namespace, r.name, r.release_name, r.target_namespace, files[f0].path
                ),
            ));
            clashed.insert((*fi, *di));
            break;
        }
    }
    clashed
}

/// Where a release's identity is written: `spec.releaseName`, else `metadata.name`.
fn name_node<'a>(r: &V1Release<'a>) -> Option<&'a Node> {
    r.spec
        .and_then(|s| s.get("releaseName"))
        .or_else(|| r.root.path(&["metadata", "name"]))
}

/// Names the placeholder Secret in each SSH_SECRET_REQUIRED finding of a release whose
/// new git source got its final name (reused sources keep their own secretRef).
fn name_pending_secrets(
    files: &[LoadedFile],
    releases: &[(usize, usize, V1Release)],
    names: &BTreeMap<sources::SourceKey, sources::ResolvedSource>,
    findings: &mut [Finding],
) {
    use crate::helm::helmrelease::SECRET_NAME_PENDING;
    // The findings still waiting for a name, by (file, line): each release looks up its
    // own lines (scanning every finding per release was quadratic in a paste of
    // thousands of git-chart HelmReleases).
    let mut pending: BTreeMap<(&str, usize), Vec<usize>> = BTreeMap::new();
    for (i, f) in findings.iter().enumerate() {
        if f.code == Code::SSH_SECRET_REQUIRED && f.message.ends_with(SECRET_NAME_PENDING) {
            pending
                .entry((f.file.as_str(), f.line))
                .or_default()
                .push(i);
        }
    }
    let mut named: Vec<(usize, String)> = Vec::new();
    for (fi, di, r) in releases {
        let SourceSpec::Git {
            needs_auth_placeholder: true,
            ..
        } = &r.source
        else {
            continue;
        };
        let Some(res) = names.get(&r.source.key()).filter(|res| !res.existing) else {
            continue;
        };
        let secret = format!(" named `{}`", sources::auth_secret_name(&res.name));
        // The finding lies within this release's document.
        let docs = &files[*fi].docs;
        let first = docs[*di].line_offset;
        let end = docs.get(di + 1).map_or(usize::MAX, |d| d.line_offset);
        let path = files[*fi].path.as_str();
        if first >= end {
            continue;
        }
        for (_, at) in pending.range((path, first + 1)..=(path, end)) {
            named.extend(at.iter().map(|&i| (i, secret.clone())));
        }
    }
    // In release order: a finding named once keeps that name (as before).
    for (i, secret) in named {
        let f = &mut findings[i];
        if let Some(head) = f.message.strip_suffix(SECRET_NAME_PENDING) {
            f.message = format!("{head}{secret}");
        }
    }
}
