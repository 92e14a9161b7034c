//! Whole-repository stages: they read every file and decide what the repository as a
//! whole needs, before and after the objects are converted.
//!
//! * [`load`]: split files into documents, parse with spans, check limits.
//! * [`classify`]: what each document is.
//! * [`daemon`]: find fluxd and helm-operator; write the GitRepository/Kustomizations.
//! * [`fluxyaml`]: `.flux.yaml` manifest generation per git path.
//! * [`discovery`]: what v1 applied versus what v2 will apply (ignore patterns, stray
//!   kustomizations, SOPS) and linking generated files into kustomizations.
//! * [`identity`]: what one sync applies, and objects it would apply twice
//!   (DUPLICATE_ACROSS_PATHS, DUPLICATE_OBJECT; the units RELEASE_CLASH groups by).
//! * [`namespaces`]: the fallback namespace written into namespaced objects.
//! * [`charts`]: Helm 2 chart directories in the repository move to apiVersion v2.
//! * [`kustomize`]: the kustomization model (what each directory's build contains,
//!   effective namespaces and names, patch targets), built once per conversion.
//!
//! Layer rule: `repo` imports `model`, `yaml` and `text`; never `helm`, `image`,
//! `report` or `pipeline`.

pub mod charts;
pub mod classify;
pub mod daemon;
pub mod discovery;
pub mod fluxyaml;
pub mod identity;
pub mod kustomize;
pub mod load;
pub mod namespaces;
