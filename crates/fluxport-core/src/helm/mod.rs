//! Object conversion of HelmReleases: read a v1 HelmRelease and render its v2 object
//! ([`helmrelease`]), name and render the sources it needs ([`sources`]), run the
//! conversion over the repository and place the sources ([`convert`]), convert the
//! HelmRelease patches of kustomize overlays ([`patches`]: strategic merge, inline text
//! and JSON 6902 operations ([`patch_ops`], [`json6902`]), each from the patch texts of
//! [`patch_src`], with their overlay sources) and carry each overlay's release identity
//! ([`identity`]), and the alternative target that stays on Flux v1 with Helm 3
//! ([`helm3_on_v1`]).
//!
//! Layer rule: `helm` imports `model`, `yaml`, `text` and `repo`; never `image`,
//! `report` or `pipeline`.

pub mod convert;
pub mod helm3_on_v1;
pub mod helmrelease;
pub mod identity;
pub mod json6902;
mod overlay_sources;
pub mod patch_ops;
pub mod patch_src;
pub mod patches;
pub mod smp;
pub mod sources;
