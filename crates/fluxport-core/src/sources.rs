//! Generated sources (HelmRepository, GitRepository).
