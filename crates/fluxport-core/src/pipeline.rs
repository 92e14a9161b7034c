//! The order of the stages: the only module that knows it. Each stage is a function
//! over the shared [`Context`](crate::model::context::Context) (or pure functions over parts of it) and lists at its
//! top what it reads and writes. The reasons for the order are written here, next to
//! each step.

use crate::helm::convert::{convert_helm_releases, refuse_release_clashes};
use crate::helm::helm3_on_v1;
use crate::image;
use crate::model::context::Context;
use crate::model::files::InputFile;
use crate::model::flux_yaml;
use crate::model::options::Options;
use crate::model::options::Target;
use crate::model::sync_root;
use crate::repo::{charts, daemon, discovery, fluxyaml, identity, kustomize, load, namespaces};
use crate::report::{output, Conversion};
use crate::upgrade;
use crate::verify;

pub fn run(inputs: &[InputFile], options: &Options) -> Conversion {
    let (mut conv, preflight) = stages(inputs, options, true);
    preflight.run(&mut conv, options);
    conv
}

/// The pre-flight of a conversion, not yet run: what [`run_deferred`] knows that the
/// pre-flight needs besides the output (the sync roots it may trust, and what in the
/// input causes findings). The web app's worker sends the conversion first and the
/// pre-flight after it, so a large repository's output is shown while it runs.
#[derive(Debug)]
pub struct PendingPreflight {
    /// `None` for a target that is not checked (a v1 tree kept for helm-operator).
    roots: Option<Option<Vec<crate::model::sync_root::SyncRoot>>>,
    causes: verify::Causes,
    /// The conversion's loaded YAML files that its output passes through byte for
    /// byte: the pre-flight reuses their trees instead of parsing them again.
    parsed: Vec<crate::model::document::LoadedFile>,
}

impl PendingPreflight {
    /// Drops the conversion's parsed files: the pre-flight then parses the whole output
    /// again. Less memory is held until it runs; the result is the same (tested).
    pub fn forget_parsed(mut self) -> Self {
        self.parsed = Vec::new();
        self
    }

    /// How many of the output's files the pre-flight will not parse again.
    pub fn reused_files(&self) -> usize {
        self.parsed.len()
    }

    /// Step 13: the pre-flight, on the output as written (a v1 tree kept for
    /// helm-operator is not checked). Bootstrap objects it assumed go to the runbook.
    /// `options` must be the ones the conversion ran with.
    pub fn run(self, conv: &mut Conversion, options: &Options) {
        let Some(roots) = self.roots else {
            return; // marked skipped by `run_deferred`
        };
        // The output's bytes are lent to the pre-flight (moved out and back), not copied.
        let written: Vec<usize> = (0..conv.files.len())
            .filter(|&i| conv.files[i].status != crate::model::files::FileStatus::Deleted)
            .collect();
        let outputs: Vec<InputFile> = written
            .iter()
            .map(|&i| {
                let f = &mut conv.files[i];
                InputFile::new(f.path.clone(), std::mem::take(&mut f.bytes))
            })
            .collect();
        conv.preflight = verify::run_in_reusing(
            &outputs,
            options,
            roots.as_deref(),
            &self.causes,
            self.parsed,
        );
        for (i, lent) in written.into_iter().zip(outputs) {
            conv.files[i].bytes = lent.bytes;
        }
        if let Some(s) = conv.preflight.runbook_section() {
            conv.report.runbook.push('\n');
            conv.report.runbook.push_str(&s);
        }
    }
}

/// Steps 1–12: the conversion without its pre-flight, and what the pre-flight needs.
/// [`run`] is this and [`PendingPreflight::run`], one after the other, except that
/// [`run`] has the stages keep the trees of the documents they write for its
/// pre-flight (`yaml::emit::GeneratedTrees`): building them costs the conversion about
/// what parsing them costs the pre-flight, and a deferred pre-flight runs after the
/// output is shown (the web app), so that cost must not come before it. The result is
/// the same either way (tests/parallel.rs).
pub fn run_deferred(inputs: &[InputFile], options: &Options) -> (Conversion, PendingPreflight) {
    stages(inputs, options, false)
}

fn stages(
    inputs: &[InputFile],
    options: &Options,
    keep_generated_trees: bool,
) -> (Conversion, PendingPreflight) {
    // 1. Load: every later stage reads the parsed documents. Files are sorted by path,
    //    so nothing below depends on input order.
    let (files, findings) = load::load_repository(inputs, options);
    let mut ctx = Context::new(options, &files, findings);
    // Only a checked target has a pre-flight to hand the trees to.
    ctx.generated = crate::yaml::emit::GeneratedTrees::new(
        keep_generated_trees && options.target == Target::FluxV2,
    );
    // The kustomization model, once: what each directory's build contains and where it
    // puts each document. Every stage below sees objects where kustomize puts them.
    let null = kustomize::null_node();
    let model = kustomize::model_of(&files, &null);
    ctx.placements = kustomize::placements(&model);
    ctx.findings
        .extend(kustomize::entry_findings(&model, &files));
    // 2. Find fluxd and helm-operator first: their git paths define the sync roots and
    //    their flags override options the user did not set.
    daemon::detect(&mut ctx, &model);
    let detected: Vec<Vec<String>> = ctx
        .daemons
        .iter()
        .filter(|d| !d.git_paths.is_empty())
        .map(|d| d.git_paths.clone())
        .collect();
    ctx.roots = sync_root::sync_roots(&options.sync_paths, &detected);
    // 3. Flux v1's own manifests leave the tree (needs the roots) before any stage
    //    converts or lists them.
    daemon::retire_components(&mut ctx);
    // 4. The `.flux.yaml` decision per git path (needs daemons and roots); discovery
    //    treats generator directories as kustomize roots, and the files fluxd did not
    //    apply as written are computed once, for the namespace stage and the duplicate
    //    check below.
    fluxyaml::apply_plan(&mut ctx);
    ctx.discovery.generator_dirs = flux_yaml::generator_dirs(&ctx.flux_yaml);
    // Where the running v1 releases' objects live: in the builds of `.flux.yaml`
    // generators when fluxd is known (a daemon in the input or --sync-path; it applied
    // every other file as written); with nothing known about fluxd, in the kustomize
    // builds of the repository's root kustomizations.
    let v1_builds = if ctx.daemons.is_empty() && options.sync_paths.is_empty() {
        model
            .root_dirs()
            .into_iter()
            .map(|d| format!("{d}/"))
            .collect()
    } else {
        ctx.discovery.generator_dirs.clone()
    };
    kustomize::mark_v1_builds(&model, &v1_builds, &mut ctx.placements);
    ctx.discovery.not_applied = discovery::not_applied_as_is(&ctx);
    // Objects defined twice in what one sync applies (needs roots, daemons, the
    // generator directories and `not_applied`), before any stage converts: the
    // refused second definitions are left as written by every stage below.
    if options.target == Target::FluxV2 {
        identity::check(&mut ctx, &model);
        // Two HelmReleases on one Helm release: read with the options the helm stage
        // uses (the detected helm-operator settings, known since step 2).
        let read_opts = daemon::effective_options(&ctx);
        refuse_release_clashes(&mut ctx, &read_opts, &model);
    }
    // 5. Image automation plans policies and markers (needs roots and daemons) before
    //    `.flux.yaml` patch files move, because a moved image pin carries the marker of
    //    the policy planned here (`ctx.image_policies`).
    image::plan(&mut ctx, &model);
    fluxyaml::move_patches(&mut ctx);
    // 6. From here on the detected helm-operator settings apply (explicit options win).
    let effective = daemon::effective_options(&ctx);
    // Pre-GA Flux v2 objects move to the served versions before the helm stage, whose
    // source deduplication then finds an upgraded HelmRepository rather than a
    // duplicate. Only for a Flux v2 target: a tree kept on Flux v1 is left as it is.
    if options.target == Target::FluxV2 {
        upgrade::apply(&mut ctx, &model);
    }
    namespaces::apply(&mut ctx, &effective);
    charts::migrate(&mut ctx);
    if options.target == Target::Helm3OnFluxV1 {
        // Staying on Flux v1: HelmReleases keep helm.fluxcd.io/v1, nothing is generated.
        helm3_on_v1::apply(&mut ctx, &effective);
    } else {
        // 7. Discovery fills the ignore patterns the daemon's GitRepository needs.
        discovery::scan(&mut ctx);
        // 8. HelmReleases convert and their sources are placed.
        convert_helm_releases(&mut ctx, &effective, &model);
        // 9. The GitRepository/Kustomizations (reads the ignore patterns of step 7).
        daemon::emit(&mut ctx);
        // 10. Last: every generated file exists now, so each is linked into the
        //     kustomization of its directory.
        discovery::link_new_files(&mut ctx);
    }
    // 11. Every file a stage removed leaves the kustomizations that list it, so each
    //     directory that built before still builds.
    discovery::unlink_removed_files(&mut ctx, &model);
    identity::keep_refused(&mut ctx);
    // 12. Apply the edits and write the report.
    let roots = ctx.roots.clone();
    // Sync roots the pre-flight may trust: from a daemon manifest or --sync-path (the
    // whole-tree fallback root is a guess; the pre-flight guesses its own way).
    let roots_known = !ctx.daemons.is_empty() || !options.sync_paths.is_empty();
    // Without a daemon's --git-url, the generated ImageUpdateAutomation names the
    // GitRepository `flux bootstrap` creates: the pre-flight says so at its reference.
    // A generated Kustomization's path comes from a daemon's --git-path.
    let causes = verify::Causes {
        bootstrap: ctx.daemons.iter().all(|d| d.git_url.is_none()).then(|| {
            "the input has no fluxd manifest with a --git-url (and no --git-url was given): pass --assume-bootstrap if `flux bootstrap` creates flux-system/flux-system, else give --git-url".to_string()
        }),
        paths: ctx
            .daemons
            .iter()
            .filter_map(|d| Some((d, d.git_path_at.clone()?)))
            .flat_map(|(d, at)| {
                d.git_paths
                    .iter()
                    .map(move |p| (daemon::kustomization_path(p), format!("the --git-path of fluxd ({at})")))
            })
            .collect(),
    };
    let produced = ctx.into_produced();
    drop(model);
    let checked = options.target == Target::FluxV2;
    let (mut conv, parsed) = output::assemble(produced, files, options, checked);
    if checked {
        conv.preflight.running = true;
    } else {
        conv.preflight.skipped = true;
    }
    let preflight = PendingPreflight {
        roots: checked.then(|| roots_known.then_some(roots)),
        causes,
        parsed,
    };
    (conv, preflight)
}
