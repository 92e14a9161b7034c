//! `.flux.yaml` manifest generation (MAPPING.md §3.6, EXAMPLES.md E12).
//!
//! For every fluxd git path the nearest `.flux.yaml` (at the path or any parent up to
//! the repository root) decides how v1 produced the manifests. Commands ran with the
//! **git path** as working directory. What each form becomes:
//!
//! * `scanForFiles` → a plain Kustomization over the path;
//! * one `kustomize build <dir>` generator → `Kustomization.spec.path = join(gitPath, dir)`;
//! * only `sops -d …` generators → `spec.decryption` (sops);
//! * anything else → GENERATOR_UNSUPPORTED, no Kustomization for that path;
//! * `commandUpdated.updaters` → UPDATER_UNSUPPORTED;
//! * `patchUpdated.patchFile` → each document becomes a `patches:` entry (explicit
//!   `target`) of the generator directory's kustomization file, image pins become
//!   `images:` entries with `$imagepolicy` markers, v1 policy annotations are dropped
//!   (the image stage turned them into ImagePolicies), `$setElementOrder/*` directives
//!   are stripped; the patch file is deleted. See docs/adr/0003-flux-yaml.md.
//!
//! [`plan`] is pure and [`generator_dirs`] / [`patch_files`] expose its result for other
//! stages (manifest discovery must treat generator directories as kustomize roots and
//! patch files as non-manifests).

use crate::model::codes::Code;
use crate::model::context::{doc_ref, Context};
use crate::model::document::DocKind;
use crate::model::document::DocRef;
use crate::model::document::LoadedFile;
use crate::model::finding::Finding;
use crate::model::flux_v1::Daemon;
use crate::model::flux_yaml::{Outcome, PathPlan};
use crate::model::paths::{join_path as join, normalize_dir};
use crate::model::paths::{FLUX_YAML_FILE, KUSTOMIZATION_FILES};
use crate::model::{image_ref as refs, workload};
use crate::text::{indent_of, TextEdit};
use crate::yaml::emit::{self, Out};
use crate::yaml::Node;
use serde_json::Value as J;
use std::collections::{BTreeMap, BTreeSet};

/// The parsed `.flux.yaml` (`flux:pkg/manifests/configfile.go#ConfigFile`).
#[derive(Debug)]
enum Config<'a> {
    Command {
        generators: Vec<(String, &'a Node)>,
        updaters: Vec<&'a Node>,
    },
    Patch {
        generators: Vec<(String, &'a Node)>,
        patch_file: Option<String>,
    },
    Scan,
}

fn commands(list: Option<&Node>) -> Vec<(String, &Node)> {
    list.map(Node::items)
        .unwrap_or(&[])
        .iter()
        .filter_map(|g| {
            let c = g.get("command")?;
            Some((c.as_str()?.trim().to_string(), c))
        })
        .collect()
}

fn parse_config(root: &Node) -> Result<Config<'_>, String> {
    let version = root.get("version").and_then(Node::as_str);
    if version != Some("1") {
        return Err(format!(
            "`version` is {}, fluxd only accepts 1",
            version
                .map(|v| format!("`{v}`"))
                .unwrap_or_else(|| "missing".into())
        ));
    }
    let present: Vec<&str> = ["commandUpdated", "patchUpdated", "scanForFiles"]
        .into_iter()
        .filter(|k| root.get(k).is_some())
        .collect();
    if present.len() != 1 {
        return Err(format!(
            "needs exactly one of commandUpdated, patchUpdated, scanForFiles (found {})",
            if present.is_empty() {
                "none".to_string()
            } else {
                present.join(", ")
            }
        ));
    }
    Ok(match present[0] {
        "commandUpdated" => {
            let c = root.get("commandUpdated");
            Config::Command {
                generators: commands(c.and_then(|c| c.get("generators"))),
                updaters: c
                    .and_then(|c| c.get("updaters"))
                    .map(Node::items)
                    .unwrap_or(&[])
                    .iter()
                    .collect(),
            }
        }
        "patchUpdated" => {
            let c = root.get("patchUpdated");
            Config::Patch {
                generators: commands(c.and_then(|c| c.get("generators"))),
                patch_file: c
                    .and_then(|c| c.get("patchFile"))
                    .and_then(Node::as_str)
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty()),
            }
        }
        _ => Config::Scan,
    })
}

/// How a generator list maps to v2.
#[derive(Debug, PartialEq, Eq)]
enum Generators {
    /// `kustomize build <dir>` (dir relative to the git path) and notes on its flags.
    Kustomize {
        dir: String,
        notes: Vec<String>,
    },
    Sops,
    Unsupported(String),
}

/// Splits a command line into words (single/double quotes, no expansions).
fn words(cmd: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut any = false;
    for c in cmd.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => cur.push(c),
            None => match c {
                '\'' | '"' => {
                    quote = Some(c);
                    any = true;
                }
                c if c.is_whitespace() => {
                    if any || !cur.is_empty() {
                        out.push(std::mem::take(&mut cur));
                    }
                    any = false;
                }
                '|' | '&' | ';' | '>' | '<' | '`' | '$' | '(' | ')' | '*' | '\\' => return None,
                c => cur.push(c),
            },
        }
    }
    if quote.is_some() {
        return None;
    }
    if any || !cur.is_empty() {
        out.push(cur);
    }
    Some(out)
}

/// `kustomize build [flags] [dir]` / `kubectl kustomize [flags] [dir]`.
fn kustomize_build(w: &[String]) -> Option<Result<(String, Vec<String>), String>> {
    let rest = match w {
        [k, b, rest @ ..] if k == "kustomize" && b == "build" => rest,
        [k, b, rest @ ..] if k == "kubectl" && b == "kustomize" => rest,
        _ => return None,
    };
    let mut dir: Option<String> = None;
    let mut notes = Vec::new();
    let mut i = 0;
    while i < rest.len() {
        let a = &rest[i];
        i += 1;
        if let Some(flag) = a.strip_prefix("--") {
            let (name, inline) = match flag.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (flag.to_string(), None),
            };
            match name.replace('_', "-").as_str() {
                "load-restrictor" => {
                    let v = match inline {
                        Some(v) => v,
                        None => {
                            let Some(v) = rest.get(i) else {
                                return Some(Err("`--load-restrictor` without a value".into()));
                            };
                            i += 1;
                            v.clone()
                        }
                    };
                    if matches!(v.as_str(), "none" | "LoadRestrictionsNone") {
                        notes.push(format!("`--{name} {v}`: kustomize-controller always builds with LoadRestrictionsNone (fluxcd/pkg kustomize BuildKustomization), so the flag changes nothing"));
                    } else {
                        notes.push(format!("`--{name} {v}`: kustomize-controller builds with LoadRestrictionsNone, so files outside the kustomization root become loadable (a tree that built before builds the same)"));
                    }
                }
                "reorder" => {
                    notes.push(format!("`{a}`: kustomize-controller applies in its own order (CRDs and Namespaces first), the output order no longer matters"));
                    if inline.is_none()
                        && rest.get(i).is_some_and(|v| {
                            !v.starts_with('-') && matches!(v.as_str(), "legacy" | "none")
                        })
                    {
                        i += 1;
                    }
                }
                other => {
                    return Some(Err(format!("`--{other}` changes the build and kustomize-controller has no such option (plugins, exec functions and Helm inflation are disabled)")));
                }
            }
        } else if a.starts_with('-') {
            return Some(Err(format!(
                "flag `{a}` has no kustomize-controller equivalent"
            )));
        } else if dir.is_some() {
            return Some(Err("more than one directory".into()));
        } else if a.contains("://") || a.starts_with("github.com/") || a.starts_with("git@") {
            return Some(Err(format!("`{a}` is a remote target; point a Kustomization at a GitRepository of that repository instead")));
        } else {
            dir = Some(a.clone());
        }
    }
    Some(Ok((dir.unwrap_or_else(|| ".".into()), notes)))
}

fn is_sops_decrypt(w: &[String]) -> bool {
    w.first().is_some_and(|c| c == "sops")
        && w.iter().any(|a| a == "-d" || a == "--decrypt")
        && w.iter()
            .skip(1)
            .all(|a| a.starts_with('-') || !a.contains('='))
}

fn classify_generators(gens: &[(String, &Node)]) -> Generators {
    if gens.is_empty() {
        return Generators::Unsupported("no generators".into());
    }
    let parsed: Vec<Option<Vec<String>>> = gens.iter().map(|(c, _)| words(c)).collect();
    if parsed
        .iter()
        .all(|w| w.as_deref().is_some_and(is_sops_decrypt))
    {
        return Generators::Sops;
    }
    if gens.len() > 1 {
        return Generators::Unsupported(format!(
            "{} generators (their outputs were concatenated)",
            gens.len()
        ));
    }
    let Some(w) = &parsed[0] else {
        return Generators::Unsupported(format!(
            "`{}` is a shell pipeline or uses expansions",
            gens[0].0
        ));
    };
    match kustomize_build(w) {
        Some(Ok((dir, notes))) => Generators::Kustomize { dir, notes },
        Some(Err(why)) => Generators::Unsupported(format!("`{}`: {why}", gens[0].0)),
        None => Generators::Unsupported(format!("`{}` is not `kustomize build <dir>`", gens[0].0)),
    }
}

/// The nearest `.flux.yaml` for a git path (normalised, trailing `/`).
fn find_config(files: &[LoadedFile], git_path: &str) -> Option<usize> {
    let mut dir = git_path.to_string();
    loop {
        let want = format!("{dir}{FLUX_YAML_FILE}");
        if let Some(i) = files.iter().position(|f| f.path == want) {
            return Some(i);
        }
        if dir.is_empty() {
            return None;
        }
        let t = dir.trim_end_matches('/');
        dir = match t.rfind('/') {
            Some(i) => t[..=i].to_string(),
            None => String::new(),
        };
    }
}

fn first_root(f: &LoadedFile) -> Option<(usize, &Node)> {
    f.docs
        .iter()
        .enumerate()
        .find_map(|(i, d)| d.root().filter(|r| !r.is_null()).map(|r| (i, r)))
}

/// Decides every git path's `.flux.yaml` outcome, with findings. Pure.
pub fn plan(
    files: &[LoadedFile],
    daemons: &[Daemon],
    sync_paths: &[String],
) -> (Vec<PathPlan>, Vec<Finding>) {
    let mut findings = Vec::new();
    let mut plans = Vec::new();
    // (daemon index, git path, manifest generation: Some(on) or None = unknown)
    let mut targets: Vec<(usize, String, Option<bool>, String)> = Vec::new();
    for (i, d) in daemons.iter().enumerate() {
        for p in &d.git_paths {
            let gen = (!d.file.is_empty()).then_some(d.manifest_generation);
            let who = if d.file.is_empty() {
                "options".to_string()
            } else {
                format!("fluxd in {}", d.file)
            };
            targets.push((i, normalize_dir(p), gen, who));
        }
    }
    if daemons.is_empty() {
        let paths: Vec<String> = if sync_paths.is_empty() {
            vec![String::new()]
        } else {
            sync_paths
                .iter()
                .flat_map(|p| p.split(','))
                .map(normalize_dir)
                .collect()
        };
        for p in paths {
            targets.push((usize::MAX, p, None, "no fluxd in the input".into()));
        }
    }
    let mut reported: BTreeSet<(usize, &'static str)> = BTreeSet::new();
    let mut seen: BTreeSet<(usize, String)> = BTreeSet::new();
    for (di, git_path, gen, who) in targets {
        if !seen.insert((di, git_path.clone())) {
            continue;
        }
        let Some(ci) = find_config(files, &git_path) else {
            continue;
        };
        let f = &files[ci];
        let shown = if git_path.is_empty() {
            ".".to_string()
        } else {
            git_path.trim_end_matches('/').to_string()
        };
        let Some((doc_i, root)) = first_root(f) else {
            if gen != Some(false) && reported.insert((ci, "empty")) {
                findings.push(Finding::new(
                    Code::FLUX_YAML_INVALID,
                    &f.path,
                    1,
                    1,
                    format!("fluxd would reject this file: it is empty or not YAML; no Kustomization for git path `{shown}`"),
                ));
            }
            plans.push(PathPlan {
                daemon: di,
                git_path: git_path.clone(),
                config: f.path.clone(),
                outcome: if gen == Some(false) {
                    Outcome::Inactive
                } else {
                    Outcome::Unsupported
                },
            });
            continue;
        };
        let Some(doc) = doc_ref(files, ci, doc_i) else {
            continue;
        };
        let first_use = reported.insert((ci, "cfg"));
        let mut push = |outcome: Outcome| {
            plans.push(PathPlan {
                daemon: di,
                git_path: git_path.clone(),
                config: f.path.clone(),
                outcome,
            })
        };
        match gen {
            Some(false) => {
                if reported.insert((ci, "off")) {
                    findings.push(doc.finding(Code::MANIFEST_GENERATION_OFF, Some(root), format!("git path `{shown}` ({who}): fluxd runs without --manifest-generation=true, so v1 ignored this file and applied the plain YAML files; nothing converted from it (with manifest generation on it would have meant: {})", describe(root, &git_path))));
                }
                push(Outcome::Inactive);
                continue;
            }
            None => {
                if reported.insert((ci, "unknown")) {
                    findings.push(doc.finding(Code::MANIFEST_GENERATION_UNKNOWN, Some(root), format!("git path `{shown}` ({who}): converted as if fluxd ran with --manifest-generation=true; if it did not, v1 ignored this file and the Kustomization must cover the plain files instead")));
                }
            }
            Some(true) => {}
        }
        let config = match parse_config(root) {
            Ok(c) => c,
            Err(why) => {
                if reported.insert((ci, "invalid")) {
                    findings.push(doc.finding(Code::FLUX_YAML_INVALID, Some(root), format!("fluxd would reject this file: {why}; no Kustomization for git path `{shown}`")));
                }
                push(Outcome::Unsupported);
                continue;
            }
        };
        let (generators, patch_file) = match &config {
            Config::Scan => {
                findings.push(doc.finding(
                    Code::FLUX_YAML,
                    Some(root),
                    format!(
                        "git path `{shown}`: scanForFiles → plain Kustomization over ./{shown}. {}",
                        KEEP_NOTE
                    ),
                ));
                push(Outcome::Scan);
                continue;
            }
            Config::Command {
                generators,
                updaters,
            } => {
                for u in updaters {
                    let mut cmds = Vec::new();
                    for k in ["containerImage", "policy"] {
                        if let Some(c) = u.path(&[k, "command"]).and_then(Node::as_str) {
                            cmds.push(format!("{k}: `{}`", c.trim()));
                        }
                    }
                    if first_use {
                        findings.push(doc.finding(Code::UPDATER_UNSUPPORTED, Some(u), format!("updater {}: v2 runs no commands; image updates use `$imagepolicy` markers written by the image stage (§4)", if cmds.is_empty() { "(no commands)".to_string() } else { cmds.join(", ") })));
                    }
                }
                (generators, None)
            }
            Config::Patch {
                generators,
                patch_file,
            } => (generators, patch_file.clone()),
        };
        let g = classify_generators(generators);
        let at = generators.first().map(|(_, n)| *n).unwrap_or(root);
        match g {
            Generators::Kustomize { dir, notes } => {
                let Some(kdir) = join(&git_path, &dir) else {
                    findings.push(doc.finding(Code::GENERATOR_UNSUPPORTED, Some(at), format!("git path `{shown}`: `kustomize build {dir}` leaves the repository; no Kustomization written. Render in CI and commit the output, or publish an OCI artifact")));
                    push(Outcome::Unsupported);
                    continue;
                };
                let kdir = normalize_dir(&kdir);
                let patch = patch_file.as_deref().and_then(|p| join(&git_path, p));
                let mut msg = format!(
                    "git path `{shown}`: `{}` → Kustomization path ./{}",
                    generators[0].0,
                    kdir.trim_end_matches('/')
                );
                if let Some(p) = &patch {
                    msg.push_str(&format!(
                        "; patchFile {p} → `patches:`/`images:` of the kustomization in ./{}",
                        kdir.trim_end_matches('/')
                    ));
                }
                for n in &notes {
                    msg.push_str("; ");
                    msg.push_str(n);
                }
                msg.push_str(". ");
                msg.push_str(KEEP_NOTE);
                findings.push(doc.finding(Code::FLUX_YAML, Some(at), msg));
                push(Outcome::Kustomize {
                    dir: kdir,
                    patch_file: patch,
                });
            }
            Generators::Sops => {
                findings.push(doc.finding(Code::FLUX_YAML, Some(at), format!("git path `{shown}`: sops generators → Kustomization over ./{shown} with spec.decryption (provider sops); kustomize-controller decrypts per resource (§3.5). {KEEP_NOTE}")));
                if patch_file.is_some() {
                    findings.push(doc.finding(Code::GENERATOR_UNSUPPORTED, Some(at), format!("git path `{shown}`: a patchFile on top of sops output has no v2 equivalent; move the patches into a kustomization by hand")));
                }
                push(Outcome::Sops);
            }
            Generators::Unsupported(why) => {
                findings.push(doc.finding(Code::GENERATOR_UNSUPPORTED, Some(at), format!("git path `{shown}`: {why}. v2 runs no commands: no Kustomization written for this path. Render the manifests in CI and commit them (then point a Kustomization at that directory), or publish them as an OCI artifact (`flux push artifact`) and use an OCIRepository")));
                push(Outcome::Unsupported);
            }
        }
    }
    (plans, findings)
}

/// One line on what a `.flux.yaml` would become for a git path (for reports only).
fn describe(root: &Node, git_path: &str) -> String {
    let gens = match parse_config(root) {
        Err(why) => return format!("invalid: {why}"),
        Ok(Config::Scan) => return "scanForFiles, a plain Kustomization".into(),
        Ok(Config::Command { generators, .. }) => generators,
        Ok(Config::Patch { generators, .. }) => generators,
    };
    match classify_generators(&gens) {
        Generators::Kustomize { dir, .. } => match join(git_path, &dir) {
            Some(d) => format!("a Kustomization over ./{d}"),
            None => "a kustomize build outside the repository".into(),
        },
        Generators::Sops => "a Kustomization with SOPS decryption".into(),
        Generators::Unsupported(why) => format!("GENERATOR_UNSUPPORTED: {why}"),
    }
}

const KEEP_NOTE: &str = "The .flux.yaml stays: source-controller's default ignore list excludes **/.flux.yaml, which holds only while the GitRepository has no spec.ignore and the repository no .sourceignore (then list **/.flux.yaml explicitly); delete it after the cut-over";

/// Runs [`plan`] and stores the result in the context.
pub fn apply_plan(ctx: &mut Context) {
    let (plans, mut findings) = plan(&ctx.files, &ctx.daemons, &ctx.opts.sync_paths);
    ctx.flux_yaml = plans;
    ctx.findings.append(&mut findings);
}

// ---------------------------------------------------------------- patchUpdated

/// v1 policy annotation prefixes (§4.1).
const POLICY_PREFIXES: [&str; 3] = ["fluxcd.io/", "flux.weave.works/", "filter.fluxcd.io/"];

/// One image pin found in a patch document.
struct Pin {
    doc: usize,
    container: String,
    name: String,
    tag: String,
    policy: Option<String>,
}

/// Moves every `patchUpdated` patch file into its kustomization (after the image stage,
/// which recorded the policies of the patch documents in `ctx.image_policies`).
pub fn move_patches(ctx: &mut Context) {
    let mut jobs: BTreeMap<String, String> = BTreeMap::new();
    for p in &ctx.flux_yaml {
        if let Outcome::Kustomize {
            dir,
            patch_file: Some(pf),
        } = &p.outcome
        {
            jobs.entry(pf.clone()).or_insert_with(|| dir.clone());
        }
    }
    for (pf, dir) in jobs {
        move_one(ctx, &pf, &dir);
    }
}

fn move_one(ctx: &mut Context, pf_path: &str, dir: &str) {
    let Some(pf) = ctx.files.iter().position(|f| f.path == pf_path) else {
        return; // fluxd creates the patch file on the first update: nothing to move.
    };
    let not_moved = |ctx: &mut Context, why: String| {
        ctx.findings.push(Finding::new(
            Code::FLUX_PATCH_NOT_MOVED,
            pf_path,
            1,
            1,
            format!("{why}; the patch file stays where it is (its image lines got `$imagepolicy` markers like any workload), but v2 does not apply it: add its documents as `patches:` entries with a target to the kustomization by hand"),
        ));
    };
    if ctx.files[pf].untouchable || ctx.files[pf].text.is_none() {
        return not_moved(ctx, "the patch file could not be read".into());
    }
    let Some(ki) = KUSTOMIZATION_FILES
        .iter()
        .find_map(|n| ctx.files.iter().position(|f| f.path == format!("{dir}{n}")))
    else {
        return not_moved(
            ctx,
            format!(
                "no kustomization file in ./{} in the input",
                dir.trim_end_matches('/')
            ),
        );
    };
    if ctx.files[ki].untouchable || ctx.files[ki].text.is_none() || ctx.files[ki].docs.len() != 1 {
        return not_moved(ctx, format!("{} cannot be edited", ctx.files[ki].path));
    }
    let Some(kroot) = ctx.files[ki].docs[0]
        .root()
        .filter(|r| r.is_map() && !r.is_flow())
    else {
        return not_moved(
            ctx,
            format!("{} is not a block mapping", ctx.files[ki].path),
        );
    };
    for key in ["patches", "images"] {
        if let Some(n) = kroot.get(key) {
            if !n.is_seq() || n.is_flow() {
                return not_moved(
                    ctx,
                    format!("`{key}:` in {} is not a block sequence", ctx.files[ki].path),
                );
            }
        }
    }
    let kust_namespace = kroot.get("namespace").is_some();
    let mut existing_images: BTreeSet<String> = BTreeSet::new();
    existing_images.extend(
        kroot
            .get("images")
            .map(Node::items)
            .unwrap_or(&[])
            .iter()
            .filter_map(|i| i.get("name").and_then(Node::as_str).map(str::to_string)),
    );

    // Pass 1: every patch document and its image pins.
    let f = &ctx.files[pf];
    let mut docs: Vec<(usize, J)> = Vec::new();
    let mut pins: Vec<Pin> = Vec::new();
    for (di, d) in f.docs.iter().enumerate() {
        if d.kind == DocKind::Empty {
            continue;
        }
        let Some(root) = d.root().filter(|r| r.is_map()) else {
            return not_moved(ctx, format!("document {} is not a mapping", di + 1));
        };
        if d.parsed.as_ref().is_some_and(|p| !p.duplicates.is_empty()) {
            return not_moved(ctx, format!("document {} has duplicate keys", di + 1));
        }
        if let Some(wl) = workload::workload(root) {
            for (cname, image) in &wl.containers {
                let Some(text) = image.as_str() else { continue };
                if text.contains('@') {
                    continue;
                }
                let r = refs::parse(text);
                let Some(tag) = r.tag else { continue };
                pins.push(Pin {
                    doc: di,
                    container: cname.clone(),
                    name: r.name,
                    tag,
                    policy: ctx.image_policies.get(&(pf, di, cname.clone())).cloned(),
                });
            }
        }
        docs.push((di, crate::yaml::to_json(root)));
    }
    // An image name pinned to different tags, or already in `images:`, stays in its patch.
    let mut tags: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for p in &pins {
        tags.entry(&p.name).or_default().insert(&p.tag);
    }
    let movable = |p: &Pin| tags[p.name.as_str()].len() == 1 && !existing_images.contains(&p.name);

    // Pass 2: prune and render.
    let file_text = f.text.clone().unwrap_or_default();
    let mut patch_entries: Vec<String> = Vec::new();
    let mut findings: Vec<Finding> = Vec::new();
    for (di, mut j) in docs {
        let d = &f.docs[di];
        let doc = DocRef {
            file: &f.path,
            text: &file_text[d.start..d.end],
            index: &d.index,
            line_offset: d.line_offset,
        };
        let root = d.root();
        let kind = j["kind"].as_str().unwrap_or("").to_string();
        let name = j["metadata"]["name"].as_str().unwrap_or("").to_string();
        let ns = j["metadata"]["namespace"].as_str().map(str::to_string);
        let mut dropped: Vec<String> = Vec::new();
        let mut moved: Vec<String> = Vec::new();
        strip_set_element_order(&mut j, "", &mut dropped);
        let mut automation = false;
        let mut unpinned: Vec<String> = Vec::new();
        if let Some(ann) = j["metadata"]
            .get_mut("annotations")
            .and_then(J::as_object_mut)
        {
            let keys: Vec<String> = ann.keys().cloned().collect();
            for k in keys {
                if !POLICY_PREFIXES.iter().any(|p| k.starts_with(p)) {
                    continue;
                }
                let v = ann.remove(&k).unwrap_or(J::Null);
                let vs = v.as_str().unwrap_or("").to_string();
                let short = k.split_once('/').map(|x| x.1).unwrap_or("");
                if short == "ignore" {
                    let (nk, nv) = match vs.as_str() {
                        "true" => ("kustomize.toolkit.fluxcd.io/reconcile", "disabled"),
                        "sync_only" => ("kustomize.toolkit.fluxcd.io/prune", "disabled"),
                        _ => {
                            dropped.push(format!("annotation `{k}: {vs}` (no effect in v1)"));
                            continue;
                        }
                    };
                    ann.insert(nk.into(), J::String(nv.into()));
                    moved.push(format!("`{k}: {vs}` → `{nk}: {nv}`"));
                } else {
                    if matches!(short, "automated") && vs == "true" {
                        automation = true;
                    }
                    if let Some(c) = short.strip_prefix("tag.") {
                        if !pins.iter().any(|p| p.doc == di && p.container == c) {
                            unpinned.push(format!("`{k}: {vs}`"));
                        }
                    }
                    dropped.push(format!("annotation `{k}: {vs}`"));
                }
            }
            if ann.is_empty() {
                if let Some(m) = j["metadata"].as_object_mut() {
                    m.remove("annotations");
                }
            }
        }
        if automation && !unpinned.is_empty() {
            findings.push(doc.finding(Code::FLUX_PATCH_AUTOMATION, root, format!("{kind} {name}: {} name containers whose image is not pinned in the patch (fluxd would have added the pin on the first update); no ImagePolicy was written for them — add one and a `$imagepolicy` marker (an `images:` entry) by hand", unpinned.join(", "))));
        }
        // Image pins → `images:`.
        let mut images_here = Vec::new();
        for p in pins.iter().filter(|p| p.doc == di && movable(p)) {
            remove_container_image(&mut j, &kind, &p.container);
            images_here.push(format!(
                "image `{}:{}` (container `{}`) → `images:` entry{}",
                p.name,
                p.tag,
                p.container,
                p.policy
                    .as_ref()
                    .map(|x| format!(" with marker for ImagePolicy {x}"))
                    .unwrap_or_default()
            ));
        }
        for p in pins.iter().filter(|p| p.doc == di && !movable(p)) {
            findings.push(doc.finding(Code::MARKER_NOT_WRITTEN, root, format!("container `{}`: image `{}` is pinned to several tags in the patch file, or already listed in `images:` (which kustomize applies after patches, so it wins over the pin); the pin stays inside the patch, where no `$imagepolicy` marker can work — reconcile the tags by hand", p.container, p.name)));
        }
        prune_empty(&mut j);
        let is_hr = kind == "HelmRelease";
        if is_hr && automation {
            findings.push(doc.finding(Code::FLUX_PATCH_AUTOMATION, root, format!("HelmRelease {}: automation annotations in a patch were dropped; no ImagePolicy was written for its values — add the policy and a `$imagepolicy` marker on the image line of the base HelmRelease by hand (§4.3)", name)));
        }
        if is_hr
            && j["apiVersion"].as_str().is_some_and(|a| {
                a.starts_with("helm.fluxcd.io/") || a.starts_with("flux.weave.works/")
            })
        {
            j["apiVersion"] = J::String("helm.toolkit.fluxcd.io/v2".into());
            if j["spec"]
                .as_object()
                .is_some_and(|s| s.keys().any(|k| k != "values"))
            {
                findings.push(doc.finding(Code::FLUX_PATCH_AUTOMATION, root, format!("HelmRelease {name}: the patch sets spec fields other than `values`; their v2 names differ (§2.1) — check the moved patch")));
            }
        }
        let meaningful = j.as_object().is_some_and(|m| {
            m.iter().any(|(k, v)| match k.as_str() {
                "apiVersion" | "kind" => false,
                "metadata" => v
                    .as_object()
                    .is_some_and(|mm| mm.keys().any(|k| k != "name" && k != "namespace")),
                _ => true,
            })
        });
        if meaningful {
            let mut e = format!(
                "  - target:\n      kind: {}\n      name: {}\n",
                emit::quote(&kind),
                emit::quote(&name)
            );
            // kustomize applies `patches` before its namespace transformer: with a
            // `namespace:` field the base objects have no namespace yet when the target
            // is matched, so the target names kind and name only.
            match (&ns, kust_namespace) {
                (Some(ns), false) => {
                    e.push_str(&format!("      namespace: {}\n", emit::quote(ns)));
                }
                (Some(_), true) => moved.push(format!(
                    "target without namespace ({} sets `namespace:`, applied after patches)",
                    ctx.files[ki].path
                )),
                _ => {}
            }
            e.push_str("    patch: |-\n");
            for l in emit::render(&json_out(&j), "\n").lines() {
                e.push_str("      ");
                e.push_str(l);
                e.push('\n');
            }
            patch_entries.push(e);
            moved.push(format!(
                "`patches:` entry with target {kind} {}{name}",
                ns.as_ref().map(|n| format!("{n}/")).unwrap_or_default()
            ));
        }
        moved.extend(images_here);
        if automation && pins.iter().any(|p| p.doc == di && p.policy.is_some()) {
            dropped.push(
                "(the automation annotations became ImagePolicies in the image automation file)"
                    .into(),
            );
        }
        findings.push(doc.finding(
            Code::FLUX_PATCH_MOVED,
            root,
            format!(
                "{kind} {}{name} → {}: {}{}",
                ns.as_ref().map(|n| format!("{n}/")).unwrap_or_default(),
                ctx.files[ki].path,
                if moved.is_empty() {
                    "nothing left to move".to_string()
                } else {
                    moved.join("; ")
                },
                if dropped.is_empty() {
                    String::new()
                } else {
                    format!("; dropped: {}", dropped.join(", "))
                }
            ),
        ));
    }
    // `images:` entries: one per image name; the marker names the first policy.
    let mut image_entries: BTreeMap<String, (String, BTreeSet<String>)> = BTreeMap::new();
    for p in pins.iter().filter(|p| movable(p)) {
        let e = image_entries
            .entry(p.name.clone())
            .or_insert_with(|| (p.tag.clone(), BTreeSet::new()));
        if let Some(pol) = &p.policy {
            e.1.insert(pol.clone());
        }
    }
    let ns = ctx.opts.automation_namespace.clone();
    let mut image_text: Vec<String> = Vec::new();
    for (name, (tag, pols)) in &image_entries {
        let marker = pols
            .iter()
            .next()
            .map(|p| format!(" # {{\"$imagepolicy\": \"{ns}:{p}:tag\"}}"))
            .unwrap_or_default();
        if pols.len() > 1 {
            findings.push(Finding::new(Code::FLUX_PATCH_MOVED, pf_path, 1, 1, format!("image {name} is pinned for several workloads: one `images:` entry, its marker names ImagePolicy {} (the others, {}, have no marker; make their filters equal or split the image names)", pols.iter().next().map(String::as_str).unwrap_or(""), pols.iter().skip(1).cloned().collect::<Vec<_>>().join(", "))));
        }
        image_text.push(format!(
            "  - name: {}\n    newTag: {}{marker}\n",
            emit::quote(name),
            emit::quote(tag)
        ));
    }
    let kfile = &ctx.files[ki];
    let ktext = kfile.text.as_deref().unwrap_or("");
    let kd = &kfile.docs[0];
    let nl = kfile.nl;
    let mut edits = Vec::new();
    let mut at_end = String::new();
    for (key, entries) in [("patches", &patch_entries), ("images", &image_text)] {
        if entries.is_empty() {
            continue;
        }
        match kroot.get(key) {
            Some(seq) if !seq.items().is_empty() => {
                // Append after the last item, at the existing item indentation.
                let first = &seq.items()[0];
                let line = kd.index.line_of(first.start());
                let ls = kd.index.line_start(line);
                let dash = indent_of(&ktext[kd.start + ls..]);
                let end_line = kd
                    .index
                    .line_of(seq.end().saturating_sub(1).max(seq.start()));
                let mut at = kd.index.line_start(end_line + 1);
                if at == usize::MAX {
                    at = kd.end - kd.start;
                }
                let mut add = String::new();
                if at > 0 && !ktext[..kd.start + at].ends_with('\n') {
                    add.push_str(nl);
                }
                for e in entries.iter() {
                    add.push_str(&reindent(e, dash, nl));
                }
                edits.push(TextEdit::insert(kd.start + at, add));
            }
            _ => {
                if kroot.get(key).is_some() {
                    // `key: []` or `key:` with no items: replace the value.
                    let n = kroot.get(key).unwrap_or(kroot);
                    let mut add = String::from(nl);
                    for e in entries.iter() {
                        add.push_str(&reindent(e, 2, nl));
                    }
                    let add = add.trim_end_matches(['\n', '\r']).to_string();
                    edits.push(TextEdit::replace(
                        kd.start + n.start(),
                        kd.start + n.end().max(n.start()),
                        add,
                    ));
                } else {
                    at_end.push_str(&format!("{key}:{nl}"));
                    for e in entries.iter() {
                        at_end.push_str(&reindent(e, 2, nl));
                    }
                }
            }
        }
    }
    if !at_end.is_empty() {
        let mut add = String::new();
        if !ktext.is_empty() && !ktext.ends_with('\n') {
            add.push_str(nl);
        }
        add.push_str(&at_end);
        edits.push(TextEdit::insert(ktext.len(), add));
    }
    ctx.edits.entry(ki).or_default().extend(edits);
    ctx.edits.remove(&pf);
    ctx.deleted.insert(pf);
    ctx.findings.append(&mut findings);
}

/// Re-indents an entry written with a 2-space dash indent to `dash` spaces and `nl`.
fn reindent(entry: &str, dash: usize, nl: &str) -> String {
    let mut out = String::new();
    for l in entry.lines() {
        let cur = indent_of(l);
        let rest = &l[cur..];
        let new = (cur + dash).saturating_sub(2);
        out.push_str(&" ".repeat(new));
        out.push_str(rest);
        out.push_str(nl);
    }
    out
}

fn strip_set_element_order(j: &mut J, at: &str, dropped: &mut Vec<String>) {
    match j {
        J::Object(m) => {
            let keys: Vec<String> = m.keys().cloned().collect();
            for k in keys {
                if k.starts_with("$setElementOrder/") {
                    m.remove(&k);
                    dropped.push(format!(
                        "`{at}{k}` (kubectl strategic-merge ordering metadata)"
                    ));
                } else if let Some(v) = m.get_mut(&k) {
                    strip_set_element_order(v, &format!("{at}{k}."), dropped);
                }
            }
        }
        J::Array(a) => {
            for v in a {
                strip_set_element_order(v, at, dropped);
            }
        }
        _ => {}
    }
}

fn remove_container_image(j: &mut J, kind: &str, container: &str) {
    let pod = if kind == "CronJob" {
        j.pointer_mut("/spec/jobTemplate/spec/template/spec")
    } else {
        j.pointer_mut("/spec/template/spec")
    };
    let Some(pod) = pod else { return };
    for key in ["containers", "initContainers"] {
        if let Some(list) = pod.get_mut(key).and_then(J::as_array_mut) {
            for c in list.iter_mut() {
                if c["name"].as_str() == Some(container) {
                    if let Some(m) = c.as_object_mut() {
                        m.remove("image");
                    }
                }
            }
            // A container entry left with only its name patches nothing.
            list.retain(|c| c.as_object().is_none_or(|m| m.keys().any(|k| k != "name")));
        }
    }
}

/// Removes empty maps and lists (below the top level), bottom-up.
fn prune_empty(j: &mut J) {
    fn empty(v: &J) -> bool {
        matches!(v, J::Object(m) if m.is_empty()) || matches!(v, J::Array(a) if a.is_empty())
    }
    match j {
        J::Object(m) => {
            for v in m.values_mut() {
                prune_empty(v);
            }
            m.retain(|_, v| !empty(v));
        }
        J::Array(a) => {
            for v in a.iter_mut() {
                prune_empty(v);
            }
        }
        _ => {}
    }
}

fn json_out(j: &J) -> Out {
    match j {
        J::Object(m) => Out::Map(
            m.iter()
                .map(|(k, v)| (k.clone(), json_out(v)))
                .collect::<Vec<_>>(),
        ),
        J::Array(a) => Out::Seq(a.iter().map(json_out).collect()),
        J::String(s) => Out::Str(s.clone()),
        J::Bool(b) => Out::Bool(*b),
        J::Number(n) => match n.as_i64() {
            Some(i) => Out::Int(i),
            None => Out::Raw(crate::yaml::raw::RawText::Inline(vec![n.to_string()])),
        },
        J::Null => Out::Raw(crate::yaml::raw::RawText::Inline(vec!["null".into()])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(cmd: &str) -> Generators {
        let n = crate::yaml::parse_document("x", 8, 8)
            .unwrap()
            .root
            .unwrap();
        classify_generators(&[(cmd.to_string(), &n)])
    }

    #[test]
    fn generators() {
        assert_eq!(
            g("kustomize build ."),
            Generators::Kustomize {
                dir: ".".into(),
                notes: vec![]
            }
        );
        assert_eq!(
            g("kustomize build"),
            Generators::Kustomize {
                dir: ".".into(),
                notes: vec![]
            }
        );
        assert!(
            matches!(g("kustomize build --load_restrictor none ."), Generators::Kustomize { ref dir, ref notes } if dir == "." && notes.len() == 1)
        );
        assert!(
            matches!(g("kustomize build --load-restrictor=LoadRestrictionsNone ../base"), Generators::Kustomize { ref dir, .. } if dir == "../base")
        );
        assert!(matches!(
            g("kustomize build --enable_alpha_plugins ."),
            Generators::Unsupported(_)
        ));
        assert!(matches!(
            g("kustomize build . | kubeval"),
            Generators::Unsupported(_)
        ));
        assert!(matches!(g("helm template ."), Generators::Unsupported(_)));
        assert!(matches!(
            g("jsonnet main.jsonnet"),
            Generators::Unsupported(_)
        ));
        assert_eq!(g("sops -d secrets.enc.yaml"), Generators::Sops);
    }

    #[test]
    fn joins() {
        assert_eq!(join("staging/", ".").as_deref(), Some("staging"));
        assert_eq!(join("a/b/", "../base").as_deref(), Some("a/base"));
        assert_eq!(join("", ".."), None);
    }
}
