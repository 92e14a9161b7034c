//! Which versions of each Flux API are served, as the CRDs of the Flux release that
//! MAPPING.md §0 targets say (`../shared/crds/*.yaml`, `spec.versions[].served`; the
//! commits are in MAPPING.md's sources table and `crds/SOURCES.txt`). The core cannot
//! read those files at run time; `tests/verify.rs` reads them and fails when this
//! table drifts from the CRDs' `served` flags.

/// (API group, kind, served versions).
pub const SERVED: &[(&str, &str, &[&str])] = &[
    ("helm.toolkit.fluxcd.io", "HelmRelease", &["v2"]),
    ("image.toolkit.fluxcd.io", "ImagePolicy", &["v1"]),
    ("image.toolkit.fluxcd.io", "ImageRepository", &["v1"]),
    ("image.toolkit.fluxcd.io", "ImageUpdateAutomation", &["v1"]),
    ("kustomize.toolkit.fluxcd.io", "Kustomization", &["v1"]),
    ("notification.toolkit.fluxcd.io", "Alert", &["v1beta3"]),
    ("notification.toolkit.fluxcd.io", "Provider", &["v1beta3"]),
    ("notification.toolkit.fluxcd.io", "Receiver", &["v1"]),
    ("source.toolkit.fluxcd.io", "Bucket", &["v1"]),
    ("source.toolkit.fluxcd.io", "ExternalArtifact", &["v1"]),
    ("source.toolkit.fluxcd.io", "GitRepository", &["v1"]),
    ("source.toolkit.fluxcd.io", "HelmChart", &["v1"]),
    ("source.toolkit.fluxcd.io", "HelmRepository", &["v1"]),
    ("source.toolkit.fluxcd.io", "OCIRepository", &["v1"]),
];

/// `Some(served versions)` when `apiVersion`'s version of `kind` is not served;
/// `None` when it is, or the kind is not a Flux kind of the table.
pub fn not_served(api_version: &str, kind: &str) -> Option<&'static [&'static str]> {
    let (group, version) = api_version.split_once('/')?;
    let (_, _, served) = SERVED.iter().find(|(g, k, _)| *g == group && *k == kind)?;
    (!served.contains(&version)).then_some(*served)
}

#[cfg(test)]
mod tests {
    use super::not_served;

    #[test]
    fn old_versions_are_not_served() {
        assert_eq!(
            not_served("helm.toolkit.fluxcd.io/v2beta1", "HelmRelease"),
            Some(&["v2"][..])
        );
        assert!(not_served("source.toolkit.fluxcd.io/v1beta1", "GitRepository").is_some());
        assert_eq!(not_served("helm.toolkit.fluxcd.io/v2", "HelmRelease"), None);
        assert_eq!(not_served("apps/v1", "Deployment"), None);
    }
}
