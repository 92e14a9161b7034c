//! The Flux APIs per targeted Flux minor (`--flux-version`, [`FluxVersion`]): for each
//! kind, the apiVersion the converter writes and the versions that minor serves. One
//! table, read by the upgrade stage (what to move, and to which version) and by the
//! pre-flight (`VERIFY_API_NOT_SERVED`).
//!
//! Sources (docs/preGA-upgrades.md, "Flux minors"):
//! * target: `fluxcd/flux2:cmd/flux/migrate.go#latestAPIVersions`, which maps 2.7, 2.8
//!   and 2.9 all to `flux27LatestAPIVersions` (flux2 @ da2d22d, v2.9.4);
//! * served: `spec.versions[].served` of each controller's
//!   `config/crd/bases/*.yaml` at the release its Flux minor ships
//!   (`flux2:manifests/bases/*/kustomization.yaml` at v2.7.0, v2.8.0, v2.9.0).
//!
//! The core cannot read CRD files at run time; `tests/verify.rs` fails when the 2.9
//! column drifts from `../shared/crds` (the CRDs of the release MAPPING.md §0 targets).

use serde::{Deserialize, Serialize};

/// A Flux minor release the output targets. Default: 2.9, the release of MAPPING.md §0
/// (flux2 v2.9.4).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub enum FluxVersion {
    #[serde(rename = "2.7")]
    V2_7,
    #[serde(rename = "2.8")]
    V2_8,
    #[default]
    #[serde(rename = "2.9")]
    V2_9,
}

impl FluxVersion {
    /// Every supported minor, oldest first (the columns of [`APIS`]).
    pub const ALL: [FluxVersion; 3] = [FluxVersion::V2_7, FluxVersion::V2_8, FluxVersion::V2_9];

    /// `2.7`, `v2.7`, `2.7.3` (a patch release targets its minor).
    pub fn parse(s: &str) -> Option<FluxVersion> {
        let s = s.trim();
        let s = s.strip_prefix('v').unwrap_or(s);
        let mut parts = s.split('.');
        let (Some("2"), Some(minor)) = (parts.next(), parts.next()) else {
            return None;
        };
        if parts
            .next()
            .is_some_and(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
            || parts.next().is_some()
        {
            return None;
        }
        Self::ALL.into_iter().find(|v| v.as_str()[2..] == *minor)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FluxVersion::V2_7 => "2.7",
            FluxVersion::V2_8 => "2.8",
            FluxVersion::V2_9 => "2.9",
        }
    }

    fn column(self) -> usize {
        self as usize
    }
}

impl std::fmt::Display for FluxVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One Flux kind: the version written and the served versions, per [`FluxVersion`]
/// (columns 2.7, 2.8, 2.9).
#[derive(Debug)]
pub struct Api {
    pub group: &'static str,
    pub kind: &'static str,
    /// `flux migrate`'s latest (storage) version per minor.
    pub target: [&'static str; 3],
    /// Versions with `served: true` per minor.
    pub served: [&'static [&'static str]; 3],
}

impl Api {
    pub fn target(&self, flux: FluxVersion) -> &'static str {
        self.target[flux.column()]
    }
    pub fn served(&self, flux: FluxVersion) -> &'static [&'static str] {
        self.served[flux.column()]
    }
}

const fn api(
    group: &'static str,
    kind: &'static str,
    target: &'static str,
    served: [&'static [&'static str]; 3],
) -> Api {
    Api {
        group,
        kind,
        target: [target; 3],
        served,
    }
}

/// Served in 2.7 only: source v1beta2, kustomize v1beta2 and helm v2beta2 (deprecated in
/// source-controller v1.7.0, kustomize-controller v1.7.0, helm-controller v1.4.0; gone in
/// v1.8.0, v1.8.0, v1.5.0). Served in 2.7 and 2.8: image v1beta2 (image-reflector v1.0.1,
/// v1.1.0; image-automation v1.0.1, v1.1.0; gone in v1.2.x) and notification v1beta2
/// (notification-controller v1.7.1, v1.8.0; gone in v1.9.1).
const BETA2_IN_2_7: [&[&str]; 3] = [&["v1", "v1beta2"], &["v1"], &["v1"]];
const BETA2_TO_2_8: [&[&str]; 3] = [&["v1", "v1beta2"], &["v1", "v1beta2"], &["v1"]];

pub const APIS: &[Api] = &[
    api(
        "helm.toolkit.fluxcd.io",
        "HelmRelease",
        "v2",
        [&["v2", "v2beta2"], &["v2"], &["v2"]],
    ),
    api("image.toolkit.fluxcd.io", "ImagePolicy", "v1", BETA2_TO_2_8),
    api(
        "image.toolkit.fluxcd.io",
        "ImageRepository",
        "v1",
        BETA2_TO_2_8,
    ),
    api(
        "image.toolkit.fluxcd.io",
        "ImageUpdateAutomation",
        "v1",
        BETA2_TO_2_8,
    ),
    api(
        "kustomize.toolkit.fluxcd.io",
        "Kustomization",
        "v1",
        BETA2_IN_2_7,
    ),
    api(
        "notification.toolkit.fluxcd.io",
        "Alert",
        "v1beta3",
        [
            &["v1beta3", "v1beta2"],
            &["v1beta3", "v1beta2"],
            &["v1beta3"],
        ],
    ),
    api(
        "notification.toolkit.fluxcd.io",
        "Provider",
        "v1beta3",
        [
            &["v1beta3", "v1beta2"],
            &["v1beta3", "v1beta2"],
            &["v1beta3"],
        ],
    ),
    api(
        "notification.toolkit.fluxcd.io",
        "Receiver",
        "v1",
        BETA2_TO_2_8,
    ),
    api("source.toolkit.fluxcd.io", "Bucket", "v1", BETA2_IN_2_7),
    api(
        "source.toolkit.fluxcd.io",
        "ExternalArtifact",
        "v1",
        [&["v1"]; 3],
    ),
    api(
        "source.toolkit.fluxcd.io",
        "GitRepository",
        "v1",
        BETA2_IN_2_7,
    ),
    api("source.toolkit.fluxcd.io", "HelmChart", "v1", BETA2_IN_2_7),
    api(
        "source.toolkit.fluxcd.io",
        "HelmRepository",
        "v1",
        BETA2_IN_2_7,
    ),
    api(
        "source.toolkit.fluxcd.io",
        "OCIRepository",
        "v1",
        BETA2_IN_2_7,
    ),
];

/// The row of `kind` in `apiVersion`'s group, if it is a Flux kind of the table.
pub fn lookup(api_version: &str, kind: &str) -> Option<(&'static Api, String)> {
    let (group, version) = api_version.split_once('/')?;
    let row = APIS.iter().find(|a| a.group == group && a.kind == kind)?;
    Some((row, version.to_string()))
}

/// `Some(served versions)` when `apiVersion`'s version of `kind` is not served by Flux
/// `flux`; `None` when it is, or the kind is not a Flux kind of the table.
pub fn not_served(
    api_version: &str,
    kind: &str,
    flux: FluxVersion,
) -> Option<&'static [&'static str]> {
    let (row, version) = lookup(api_version, kind)?;
    let served = row.served(flux);
    (!served.contains(&version.as_str())).then_some(served)
}

/// `Some(target version)` when an object of `kind` on `apiVersion` is not on the version
/// Flux `flux` stores (its latest), so the upgrade stage moves it there, as
/// `flux migrate -f --version` does (it also moves versions still served, deprecated).
pub fn upgrade_to(api_version: &str, kind: &str, flux: FluxVersion) -> Option<&'static str> {
    let (row, version) = lookup(api_version, kind)?;
    let target = row.target(flux);
    (version != target).then_some(target)
}

/// The first minor after `flux` that no longer serves `apiVersion`'s version of `kind`
/// (None when every later supported minor serves it, or the kind is not in the table).
pub fn dropped_after(api_version: &str, kind: &str, flux: FluxVersion) -> Option<FluxVersion> {
    FluxVersion::ALL
        .into_iter()
        .filter(|v| *v > flux)
        .find(|v| not_served(api_version, kind, *v).is_some())
}

#[cfg(test)]
mod tests {
    use super::{dropped_after, not_served, upgrade_to, FluxVersion, APIS};

    #[test]
    fn old_versions_are_not_served() {
        let v = FluxVersion::V2_9;
        assert_eq!(
            not_served("helm.toolkit.fluxcd.io/v2beta1", "HelmRelease", v),
            Some(&["v2"][..])
        );
        assert!(not_served("source.toolkit.fluxcd.io/v1beta1", "GitRepository", v).is_some());
        assert_eq!(
            not_served("helm.toolkit.fluxcd.io/v2", "HelmRelease", v),
            None
        );
        assert_eq!(not_served("apps/v1", "Deployment", v), None);
    }

    #[test]
    fn minors_differ_in_what_they_serve() {
        use FluxVersion::*;
        let kz = "kustomize.toolkit.fluxcd.io/v1beta2";
        assert!(not_served(kz, "Kustomization", V2_7).is_none());
        assert!(not_served(kz, "Kustomization", V2_8).is_some());
        let ip = "image.toolkit.fluxcd.io/v1beta2";
        assert!(not_served(ip, "ImagePolicy", V2_8).is_none());
        assert!(not_served(ip, "ImagePolicy", V2_9).is_some());
        // v1beta1 sources were gone before 2.7.
        assert!(not_served("source.toolkit.fluxcd.io/v1beta1", "HelmRepository", V2_7).is_some());
        assert_eq!(dropped_after(kz, "Kustomization", V2_7), Some(V2_8));
        assert_eq!(dropped_after(ip, "ImagePolicy", V2_7), Some(V2_9));
        assert_eq!(dropped_after(ip, "ImagePolicy", V2_9), None);
        // Served or not, every non-target version is upgraded.
        for v in FluxVersion::ALL {
            assert_eq!(upgrade_to(kz, "Kustomization", v), Some("v1"));
            assert_eq!(
                upgrade_to("kustomize.toolkit.fluxcd.io/v1", "Kustomization", v),
                None
            );
        }
    }

    #[test]
    fn every_target_is_served_and_newest_minor_serves_only_it() {
        for a in APIS {
            for v in FluxVersion::ALL {
                assert!(a.served(v).contains(&a.target(v)), "{} {v}", a.kind);
            }
            // A later minor serves no version an earlier one did not.
            for w in FluxVersion::ALL.windows(2) {
                assert!(
                    a.served(w[1]).iter().all(|s| a.served(w[0]).contains(s)),
                    "{}",
                    a.kind
                );
            }
        }
    }

    #[test]
    fn parse() {
        assert_eq!(FluxVersion::parse("2.7"), Some(FluxVersion::V2_7));
        assert_eq!(FluxVersion::parse("v2.8.3"), Some(FluxVersion::V2_8));
        assert_eq!(FluxVersion::parse("2.9"), Some(FluxVersion::V2_9));
        for bad in ["2.6", "3.0", "2", "2.9.x", "2.10", "", "2.9.1.1"] {
            assert_eq!(FluxVersion::parse(bad), None, "{bad}");
        }
        assert_eq!(FluxVersion::default(), FluxVersion::V2_9);
    }
}
