//! The `.flux.yaml` decision for each fluxd git path ([`PathPlan`], [`Outcome`]), made by
//! `repo::fluxyaml::plan` and read by discovery, the daemon emitter and the namespace
//! stage.

use std::collections::BTreeSet;

/// What a git path's `.flux.yaml` becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// `scanForFiles`: a plain Kustomization over the git path.
    Scan,
    /// One `kustomize build <dir>`: the Kustomization builds `dir` (repo-relative, with
    /// a trailing `/`, `""` for the root). `patch_file`: repo-relative path of the
    /// `patchUpdated.patchFile`.
    Kustomize {
        dir: String,
        patch_file: Option<String>,
    },
    /// Only `sops -d` generators: the git path, decrypted by kustomize-controller.
    Sops,
    /// No v2 equivalent: no Kustomization is emitted for the path.
    Unsupported,
    /// fluxd ran without `--manifest-generation`: v1 ignored the file.
    Inactive,
}

/// The `.flux.yaml` decision for one git path of one daemon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathPlan {
    /// Index into `Context::daemons` (`usize::MAX`: no daemon, options or whole input).
    pub daemon: usize,
    /// The git path as normalised by `plan::normalize_dir`.
    pub git_path: String,
    /// Repo-relative path of the `.flux.yaml` that applies.
    pub config: String,
    pub outcome: Outcome,
}

/// Directories a `kustomize build` generator builds (repo-relative, trailing `/`):
/// kustomize roots for manifest discovery (§3.2 rule 2 does not apply to them).
pub fn generator_dirs(plans: &[PathPlan]) -> BTreeSet<String> {
    // extend, not collect: collect into a BTreeSet brings a stable sort per item type.
    let mut out = BTreeSet::new();
    out.extend(plans.iter().filter_map(|p| match &p.outcome {
        Outcome::Kustomize { dir, .. } => Some(dir.clone()),
        _ => None,
    }));
    out
}

/// `patchUpdated` patch files (repo-relative): not manifests; fluxyaml moves them.
pub fn patch_files(plans: &[PathPlan]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    out.extend(plans.iter().filter_map(|p| match &p.outcome {
        Outcome::Kustomize {
            patch_file: Some(f),
            ..
        } => Some(f.clone()),
        _ => None,
    }));
    out
}
