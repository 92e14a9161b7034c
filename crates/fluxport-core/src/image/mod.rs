//! Image update automation (MAPPING.md §4): v1 policy annotations → ImageRepository,
//! ImagePolicy, ImageUpdateAutomation and `$imagepolicy` markers.

use crate::pipeline::Context;

/// Reads annotations on workloads and v1 HelmReleases, writes marker edits
/// (`ctx.edits` for workloads, `ctx.value_edits` for HelmRelease values) and the new
/// objects. Runs before the HelmRelease conversion. No-op until implemented.
pub fn plan(ctx: &mut Context) {
    let _ = ctx;
}
