//! [`plan`] (pure): the `.flux.yaml` decision for each git path; [`apply_plan`] stores it.
//!
//! Reads: `files`, `daemons`, `opts.sync_paths`. Writes: `flux_yaml`, `findings`.

use super::*;
use crate::model::paths::dir_of;

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

/// `kustomize build A > file && … && kustomize build <dir>`: fluxd applied only the last
/// command's output (the earlier builds went to files), so it is one `kustomize build
/// <dir>`. Each earlier part must itself be a plain `kustomize build` redirected to a
/// file; the note names the files, which v2 does not write.
fn build_after_file_writes(cmd: &str) -> Option<(String, Vec<String>)> {
    let parts: Vec<&str> = cmd.split("&&").map(str::trim).collect();
    let (last, earlier) = parts.split_last()?;
    if earlier.is_empty() {
        return None;
    }
    let mut written = Vec::new();
    for part in earlier {
        let (command, file) = part.split_once('>')?;
        let file = words(file.trim())?;
        let [file] = file.as_slice() else { return None };
        kustomize_build(&words(command.trim())?)?.ok()?;
        written.push(format!("`{file}`"));
    }
    let (dir, mut notes) = kustomize_build(&words(last)?)?.ok()?;
    notes.push(format!(
        "`{cmd}`: fluxd applied the last build only; the earlier ones wrote {} in fluxd's checkout, which v2 does not do (commit or drop those files)",
        written.join(", ")
    ));
    Some((dir, notes))
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
    if parsed[0].is_none() {
        if let Some((dir, notes)) = build_after_file_writes(&gens[0].0) {
            return Generators::Kustomize { dir, notes };
        }
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
    let mut used: BTreeSet<usize> = BTreeSet::new();
    for (di, git_path, gen, who) in targets {
        if !seen.insert((di, git_path.clone())) {
            continue;
        }
        let Some(ci) = find_config(files, &git_path) else {
            continue;
        };
        used.insert(ci);
        let f = &files[ci];
        let shown = if git_path.is_empty() {
            ".".to_string()
        } else {
            git_path.trim_end_matches('/').to_string()
        };
        let Some((doc_i, root)) = f.first_root() else {
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
    // fluxd reads a `.flux.yaml` only in its git path or a parent of it
    // (flux `pkg/manifests`/`daemon`: the config file is looked up from the git path
    // upwards): one deeper than every git path was never used, as far as the input
    // says, and nothing was converted from it. Said, because a fluxd elsewhere (the
    // usual multi-cluster set-up keeps fluxd outside the repository) may have used it.
    for (ci, f) in files.iter().enumerate() {
        let name = f.path.rsplit('/').next().unwrap_or(&f.path);
        if name != FLUX_YAML_FILE || used.contains(&ci) {
            continue;
        }
        let dir = dir_of(&f.path).trim_end_matches('/');
        let dir = if dir.is_empty() { "." } else { dir };
        let patch = f
            .first_root()
            .and_then(|(_, r)| r.path(&["patchUpdated", "patchFile"]))
            .and_then(Node::as_str)
            .map(|p| format!(" Its patchFile `{p}` (the image pins and policy changes fluxd wrote) is then not applied by Flux v2 either."))
            .unwrap_or_default();
        findings.push(Finding::new(
            Code::FLUX_YAML_UNUSED,
            &f.path,
            1,
            1,
            format!(
                "no git path of a fluxd in the input (or --sync-path) is `{dir}` or below it, so fluxd never read this file and nothing was converted from it.{patch} If a fluxd outside this repository used it, convert again with --sync-path set to that fluxd's git path (for example `--sync-path {dir}`)"
            ),
        ));
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
    let (plans, mut findings) = plan(ctx.files, &ctx.daemons, &ctx.opts.sync_paths);
    ctx.flux_yaml = plans;
    ctx.findings.append(&mut findings);
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
    fn a_build_after_builds_written_to_files_is_one_build() {
        let Generators::Kustomize { dir, notes } =
            g("kustomize build . > build.yaml && kustomize build .")
        else {
            panic!("not a kustomize build");
        };
        assert_eq!(dir, ".");
        assert!(notes.iter().any(|n| n.contains("`build.yaml`")));
        assert!(matches!(
            g("rm -rf x > y && kustomize build ."),
            Generators::Unsupported(_)
        ));
        assert!(matches!(
            g("kustomize build . > a b && kustomize build ."),
            Generators::Unsupported(_)
        ));
        assert!(matches!(
            g("kustomize build . | tee x && kustomize build ."),
            Generators::Unsupported(_)
        ));
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
