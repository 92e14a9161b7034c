//! Object conversion of HelmReleases: read a v1 HelmRelease and render its v2 object
//! ([`helmrelease`]), name and render the sources it needs ([`sources`]), run the
//! conversion over the repository and place the sources ([`convert`]), convert the
//! HelmRelease patches of kustomize overlays ([`patches`], with their overlay sources)
//! and carry each overlay's release identity ([`identity`]), and the
//! alternative target that stays on Flux v1 with Helm 3 ([`helm3_on_v1`]).
//!
//! Layer rule: `helm` imports `model`, `yaml`, `text` and `repo`; never `image`,
//! `report` or `pipeline`.

pub mod convert;
pub mod helm3_on_v1;
pub mod helmrelease;
pub mod identity;
mod overlay_sources;
pub mod patches;
pub mod smp;
pub mod sources;
mod v1json;
