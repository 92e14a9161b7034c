//! Repo-wide planning: sync roots, source dedup and naming.
