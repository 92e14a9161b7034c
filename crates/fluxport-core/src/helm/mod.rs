//! Object conversion of HelmReleases: read a v1 HelmRelease and render its v2 object
//! ([`helmrelease`]), name and render the sources it needs ([`sources`]), run the
//! conversion over the repository and place the sources ([`convert`]), and the
//! alternative target that stays on Flux v1 with Helm 3 ([`helm3_on_v1`]).
//!
//! Layer rule: `helm` imports `model`, `yaml`, `text` and `repo`; never `image`,
//! `report` or `pipeline`.

pub mod convert;
pub mod helm3_on_v1;
pub mod helmrelease;
pub mod identity;
pub mod patches;
pub mod smp;
pub mod sources;
