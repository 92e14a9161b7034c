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
//! [`plan`] is pure and `model::flux_yaml::{generator_dirs, patch_files}` expose its result for other
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
use crate::yaml::emit;
use crate::yaml::Node;
use serde_json::Value as J;
use std::collections::{BTreeMap, BTreeSet};

mod patches;
mod plan;
pub use patches::move_patches;
pub use plan::{apply_plan, plan};
