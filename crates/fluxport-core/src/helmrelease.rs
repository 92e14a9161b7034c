//! v1 HelmRelease → v2 HelmRelease (MAPPING.md §2).
