//! Runs the stages in order over a shared [`Context`]:
//! load → classify → plan (roots, sources) → discovery (what each path applies) →
//! convert (HelmReleases) → emit → report.

use crate::classify::DocKind;
use crate::helmrelease::{self, DocRef, V1Release};
use crate::load::{self, LoadedFile};
use crate::plan::{self, SyncRoot};
use crate::report::{Finding, ReleaseEntry};
use crate::sources::{self, ExistingSource, SourceKey, SourceSettings, SourceSpec};
use crate::text::{apply_edits, TextEdit};
use crate::yaml::Node;
use crate::{Code, Conversion, FileStatus, InputFile, Options, OutputFile, Report};
use std::collections::{BTreeMap, BTreeSet};

/// Name of the generated sources file placed at each sync root.
pub const SOURCES_FILE: &str = "fluxport-sources.yaml";

/// Everything the stages share. Stages only add edits, documents and findings; the
/// emit stage applies them once at the end.
pub struct Context<'o> {
    pub opts: &'o Options,
    pub files: Vec<LoadedFile>,
    pub findings: Vec<Finding>,
    pub roots: Vec<SyncRoot>,
    /// Edits per file index, in absolute byte offsets of the file text.
    pub edits: BTreeMap<usize, Vec<TextEdit>>,
    /// Edits to `spec.values` of a v1 HelmRelease, per (file, doc), in offsets of the
    /// document chunk; applied while the values are copied (image markers).
    pub value_edits: BTreeMap<(usize, usize), Vec<TextEdit>>,
    /// Documents appended to an existing file.
    pub appended: BTreeMap<usize, Vec<String>>,
    /// New files: path → documents.
    pub new_files: BTreeMap<String, Vec<String>>,
    /// Input files the migration removes.
    pub deleted: BTreeSet<usize>,
    pub releases: Vec<ReleaseEntry>,
    /// Flux v1 daemons found in the input (or given as options).
    pub daemons: Vec<crate::daemon::Daemon>,
    pub helm_operator: Option<crate::daemon::HelmOperator>,
    /// What manifest discovery found (chart dirs, non-manifest YAML, generator dirs).
    pub discovery: crate::discovery::Discovery,
    /// `.flux.yaml` decisions per daemon git path (`fluxyaml::plan`).
    pub flux_yaml: Vec<crate::fluxyaml::PathPlan>,
    /// Flux v1's own HelmReleases (`flux` / `helm-operator` charts): never converted.
    pub v1_components: Vec<crate::daemon::V1Component>,
    /// ImagePolicy written for a workload container: (file, doc, container) → policy
    /// name (filled by `image::plan`; `fluxyaml` writes markers for moved image pins).
    pub image_policies: BTreeMap<(usize, usize, String), String>,
}

/// A document's location, for findings and copies.
pub fn doc_ref(files: &[LoadedFile], file: usize, doc: usize) -> Option<DocRef<'_>> {
    let f = &files[file];
    let text = f.text.as_deref()?;
    let d = f.docs.get(doc)?;
    Some(DocRef {
        file: &f.path,
        text: d.text(text),
        index: &d.index,
        line_offset: d.line_offset,
    })
}

/// The absolute byte range of a document's root node, as whole lines (without the
/// final line break): what a converted document replaces.
pub fn root_region(files: &[LoadedFile], file: usize, doc: usize) -> Option<(usize, usize)> {
    let f = &files[file];
    let d = f.docs.get(doc)?;
    let root = d.root()?;
    let chunk = d.text(f.text.as_deref()?);
    // A leading BOM sits before the root on line 1; it belongs to the file, not the
    // document, so it is never part of what a conversion replaces.
    let start = d.index.line_start(root.line());
    if start > chunk.len() {
        return None; // a line the index does not know (load rejects lone CRs)
    }
    let start = start.max(usize::from(chunk.starts_with('\u{feff}')) * 3);
    let last_line = d.index.line_of(root.end().max(root.start() + 1) - 1);
    let next = d.index.line_start(last_line + 1);
    let mut end = if next == usize::MAX || next > chunk.len() {
        chunk.len()
    } else {
        next - 1
    };
    if end > start && chunk.as_bytes()[end - 1] == b'\r' {
        end -= 1;
    }
    Some((d.start + start, d.start + end))
}

/// All (file, doc) indexes whose document matches, in path order.
pub fn docs_where(files: &[LoadedFile], pred: impl Fn(&DocKind) -> bool) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (fi, f) in files.iter().enumerate() {
        if f.untouchable {
            continue;
        }
        for (di, d) in f.docs.iter().enumerate() {
            if pred(&d.kind) {
                out.push((fi, di));
            }
        }
    }
    out
}

/// A replacement of a document's root node by new text (no final line break).
pub fn replace_doc_edit(
    files: &[LoadedFile],
    file: usize,
    doc: usize,
    text: String,
) -> Option<TextEdit> {
    root_region(files, file, doc).map(|(s, e)| TextEdit::replace(s, e, text))
}

impl<'o> Context<'o> {
    pub fn doc_ref(&self, file: usize, doc: usize) -> Option<DocRef<'_>> {
        doc_ref(&self.files, file, doc)
    }

    /// Replaces a document's root node with new text (which has no final line break).
    pub fn replace_doc(&mut self, file: usize, doc: usize, text: String) {
        if let Some(e) = replace_doc_edit(&self.files, file, doc, text) {
            self.edits.entry(file).or_default().push(e);
        }
    }

    pub fn docs_where(&self, pred: impl Fn(&DocKind) -> bool) -> Vec<(usize, usize)> {
        docs_where(&self.files, pred)
    }
}

pub fn run(inputs: &[InputFile], options: &Options) -> Conversion {
    let mut ctx = load_all(inputs, options);
    crate::daemon::detect(&mut ctx);
    let detected: Vec<Vec<String>> = ctx
        .daemons
        .iter()
        .filter(|d| !d.git_paths.is_empty())
        .map(|d| d.git_paths.clone())
        .collect();
    ctx.roots = plan::sync_roots(&options.sync_paths, &detected);
    crate::daemon::retire_components(&mut ctx);
    crate::fluxyaml::apply_plan(&mut ctx);
    ctx.discovery.generator_dirs = crate::fluxyaml::generator_dirs(&ctx.flux_yaml);
    ctx.discovery.not_applied = crate::discovery::not_applied_as_is(&ctx);
    crate::image::plan(&mut ctx);
    crate::fluxyaml::move_patches(&mut ctx);
    // daemon stage wiring: the HelmRelease conversion uses the detected helm-operator
    // settings (daemon::effective_options); Helm3OnFluxV1 keeps helm.fluxcd.io/v1.
    let effective = crate::daemon::effective_options(&ctx);
    crate::namespaces::apply(&mut ctx, &effective);
    crate::charts::migrate(&mut ctx);
    if options.target == crate::Target::Helm3OnFluxV1 {
        crate::helm3_on_v1::apply(&mut ctx, &effective);
    } else {
        crate::discovery::scan(&mut ctx, &effective);
        convert_helm_releases(&mut ctx, &effective);
        crate::daemon::emit(&mut ctx);
        // Last: every generated file exists now.
        crate::discovery::link_new_files(&mut ctx);
    }
    emit(ctx)
}

fn load_all<'o>(inputs: &[InputFile], options: &'o Options) -> Context<'o> {
    let mut findings = Vec::new();
    let charts = load::chart_dirs(inputs);
    let mut total = 0usize;
    let mut files = Vec::with_capacity(inputs.len());
    // Sorted by path so that every later stage is independent of input order.
    let mut order: Vec<&InputFile> = inputs.iter().collect();
    order.sort_by(|a, b| a.path.cmp(&b.path));
    let mut seen = BTreeSet::new();
    for input in order {
        if !seen.insert(input.path.clone()) {
            continue;
        }
        total += input.bytes.len();
        if total > options.limits.max_total_bytes {
            findings.push(Finding::new(
                Code::LIMIT_EXCEEDED,
                &input.path,
                0,
                0,
                format!(
                    "total input is over the limit of {} bytes; this file was not read",
                    options.limits.max_total_bytes
                ),
            ));
            files.push(LoadedFile {
                path: input.path.clone(),
                bytes: input.bytes.clone(),
                text: None,
                kind: load::FileKind::Other,
                docs: Vec::new(),
                nl: "\n",
                untouchable: true,
            });
            continue;
        }
        files.push(load::load_file(
            input,
            &charts,
            &options.limits,
            &mut findings,
        ));
    }
    Context {
        opts: options,
        files,
        findings,
        roots: Vec::new(),
        edits: BTreeMap::new(),
        value_edits: BTreeMap::new(),
        appended: BTreeMap::new(),
        new_files: BTreeMap::new(),
        deleted: BTreeSet::new(),
        releases: Vec::new(),
        daemons: Vec::new(),
        helm_operator: None,
        discovery: Default::default(),
        flux_yaml: Vec::new(),
        v1_components: Vec::new(),
        image_policies: BTreeMap::new(),
    }
}

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

fn convert_helm_releases(ctx: &mut Context, opts: &Options) {
    // The files are borrowed by every V1Release while the context collects output.
    let files = std::mem::take(&mut ctx.files);
    convert_helm_releases_in(ctx, &files, opts);
    ctx.files = files;
}

fn convert_helm_releases_in(ctx: &mut Context, files: &[LoadedFile], opts: &Options) {
    // Documents of a file the migration removes (a moved `.flux.yaml` patch file) are
    // not converted on their own.
    let hr_docs: Vec<(usize, usize)> =
        docs_where(files, |k| matches!(k, DocKind::HelmReleaseV1(_)))
            .into_iter()
            .filter(|(fi, di)| {
                !ctx.deleted.contains(fi)
                    && !ctx
                        .v1_components
                        .iter()
                        .any(|c| c.file == *fi && c.doc == *di)
            })
            .collect();
    let mut findings = Vec::new();
    // Read every v1 HelmRelease first: the planner needs all of their sources.
    let mut releases: Vec<(usize, usize, V1Release)> = Vec::new();
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
        if let Some(r) = helmrelease::read(doc, root, flavor, opts, &mut findings) {
            releases.push((fi, di, r));
        }
    }
    let existing = existing_sources(files, opts);
    let mut specs: BTreeSet<SourceSpec> = BTreeSet::new();
    for (_, _, r) in &releases {
        specs.insert(r.source.clone());
    }
    let names = sources::assign_names(&specs, &existing);
    name_pending_secrets(files, &releases, &names, &mut findings);
    for spec in &specs {
        let key = spec.key();
        if let Some(res) = names.get(&key) {
            if res.existing {
                if let Some((fi, di, _)) = releases.iter().find(|(_, _, r)| r.source.key() == key) {
                    if let Some(d) = doc_ref(files, *fi, *di) {
                        findings.push(d.finding(
                            Code::EXISTING_SOURCE_REUSED,
                            None,
                            format!(
                                "uses the existing {} `{}/{}`",
                                res.kind, res.namespace, res.name
                            ),
                        ));
                    }
                }
            } else if res.clashed {
                findings.push(Finding::new(
                    Code::SOURCE_NAME_CLASH,
                    &files[releases
                        .iter()
                        .find(|(_, _, r)| r.source.key() == key)
                        .map(|x| x.0)
                        .unwrap_or(0)]
                    .path,
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
    let mut rendered: Vec<(usize, usize, String)> = Vec::new();
    for (fi, di, r) in &releases {
        let key = r.source.key();
        let Some(res) = names.get(&key) else { continue };
        let value_edits = ctx
            .value_edits
            .get(&(*fi, *di))
            .cloned()
            .unwrap_or_default();
        let out = helmrelease::render(r, res, opts, &value_edits, files[*fi].nl, &mut findings);
        rendered.push((*fi, *di, out.text));
        ctx.releases.push(ReleaseEntry {
            file: files[*fi].path.clone(),
            namespace: r.namespace.clone(),
            name: r.name.clone(),
            release_name: r.release_name.clone(),
            storage_namespace: r.target_namespace.clone(),
            helm2: r.helm_version == crate::HelmVersion::V2,
        });
        if !res.existing {
            let mut roots = plan::roots_of(&ctx.roots, &files[*fi].path);
            if roots.is_empty() {
                roots.push(usize::MAX);
            }
            for root in roots {
                root_needs.entry(root).or_default().insert(key.clone());
            }
        }
    }
    ctx.findings.append(&mut findings);
    for (fi, di, text) in rendered {
        if let Some(e) = replace_doc_edit(files, fi, di, text) {
            ctx.edits.entry(fi).or_default().push(e);
        }
    }

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
    let render_key = |key: &SourceKey, nl: &str| -> Option<String> {
        let spec = by_key.get(key)?;
        let res = names.get(key)?;
        Some(sources::render_source(spec, res, &settings, nl))
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
        crate::SourcesPlacement::SyncRoot => {
            let mut by_dir: BTreeMap<String, BTreeSet<SourceKey>> = BTreeMap::new();
            for (root, keys) in &root_needs {
                let dir = if *root == usize::MAX {
                    String::new()
                } else {
                    plan::sources_dir(&ctx.roots, *root)
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
                    if let Some(t) = render_key(&k, nl) {
                        docs.push(t);
                    }
                }
                ctx.new_files.insert(path, docs);
            }
        }
        crate::SourcesPlacement::Inline => {
            // Each source goes into the first file (by path) of the root that uses it.
            for (root, keys) in &root_needs {
                for key in ordered(keys) {
                    let host = releases
                        .iter()
                        .filter(|(fi, _, r)| {
                            r.source.key() == key
                                && (*root == usize::MAX
                                    || ctx.roots[*root].covers(&files[*fi].path))
                        })
                        .map(|(fi, _, _)| *fi)
                        .min();
                    if let Some(fi) = host {
                        let nl = files[fi].nl;
                        if let Some(t) = render_key(&key, nl) {
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

/// `dir/name`, or `dir/<stem>-2.yaml`... if the input already has a file there.
pub fn free_path(
    files: &[LoadedFile],
    new_files: &BTreeMap<String, Vec<String>>,
    dir: &str,
    name: &str,
) -> String {
    let exists = |p: &str| files.iter().any(|f| f.path == p) || new_files.contains_key(p);
    let first = format!("{dir}{name}");
    if !exists(&first) {
        return first;
    }
    let stem = name.trim_end_matches(".yaml");
    (2..)
        .map(|n| format!("{dir}{stem}-{n}.yaml"))
        .find(|p| !exists(p))
        .unwrap_or(first)
}

fn emit(mut ctx: Context) -> Conversion {
    let mut outputs = Vec::with_capacity(ctx.files.len() + ctx.new_files.len());
    // Each file (its text and parsed documents) is dropped, and its edits freed, as
    // soon as its output exists: the input trees and the output never peak together.
    let files = std::mem::take(&mut ctx.files);
    for (fi, f) in files.into_iter().enumerate() {
        let LoadedFile {
            path,
            bytes,
            text,
            nl,
            docs,
            ..
        } = f;
        drop(docs);
        if ctx.deleted.contains(&fi) {
            outputs.push(OutputFile {
                path,
                bytes: Vec::new(),
                status: FileStatus::Deleted,
            });
            continue;
        }
        let edits = ctx.edits.remove(&fi);
        let appended = ctx.appended.get(&fi);
        let text = match (text, edits.is_some() || appended.is_some()) {
            (Some(text), true) => text,
            // Unchanged: the input bytes move to the output.
            (text, _) => {
                outputs.push(OutputFile {
                    path,
                    bytes: text.map(String::into_bytes).unwrap_or(bytes),
                    status: FileStatus::Unchanged,
                });
                continue;
            }
        };
        let mut out = apply_edits(&text, edits.as_deref().unwrap_or(&[]));
        drop(edits);
        if let Some(docs) = appended {
            for d in docs {
                if !out.is_empty() && !out.ends_with('\n') {
                    out.push_str(nl);
                }
                out.push_str("---");
                out.push_str(nl);
                out.push_str(d);
            }
        }
        let status = if out == text {
            FileStatus::Unchanged
        } else {
            FileStatus::Converted
        };
        outputs.push(OutputFile {
            path,
            bytes: out.into_bytes(),
            status,
        });
    }
    for (path, docs) in &ctx.new_files {
        let mut text = String::new();
        for (i, d) in docs.iter().enumerate() {
            // A leading comment header shares the first object's document.
            let after_header = i == 1 && docs[0].starts_with('#');
            if i > 0 && !after_header {
                text.push_str("---\n");
            }
            text.push_str(d);
            if !d.ends_with('\n') {
                text.push('\n');
            }
        }
        outputs.push(OutputFile {
            path: path.clone(),
            bytes: text.into_bytes(),
            status: FileStatus::New,
        });
    }
    let mut report = Report {
        findings: ctx.findings,
        releases: ctx.releases,
        ..Report::default()
    };
    report.runbook = crate::runbook::render_full(
        &report.releases,
        &report.findings,
        &ctx.v1_components,
        &ctx.daemons,
        ctx.helm_operator.as_ref(),
        &ctx.new_files,
        ctx.opts,
    );
    report.finish(&outputs);
    Conversion {
        files: outputs,
        report,
    }
}

/// Names the placeholder Secret in each SSH_SECRET_REQUIRED finding of a release whose
/// new git source got its final name (reused sources keep their own secretRef).
fn name_pending_secrets(
    files: &[LoadedFile],
    releases: &[(usize, usize, V1Release)],
    names: &BTreeMap<sources::SourceKey, sources::ResolvedSource>,
    findings: &mut [Finding],
) {
    use crate::helmrelease::SECRET_NAME_PENDING;
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
        for f in findings.iter_mut().filter(|f| {
            f.code == Code::SSH_SECRET_REQUIRED
                && f.file == files[*fi].path
                && first < f.line
                && f.line <= end
        }) {
            if let Some(head) = f.message.strip_suffix(SECRET_NAME_PENDING) {
                f.message = format!("{head}{secret}");
            }
        }
    }
}
