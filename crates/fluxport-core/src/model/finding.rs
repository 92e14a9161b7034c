//! What the stages tell the user: a [`Finding`] (code, file:line:column, message, fix)
//! and a [`ReleaseEntry`] (a converted HelmRelease for the runbook's table).

use super::codes::{Code, Severity};
use serde::Serialize;

/// One finding. `line` and `column` are 1-based; 0 means "whole file". A finding with
/// no `file` is about the repository as a whole (for example a fluxd given in the
/// options rather than found in a file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub code: Code,
    pub severity: Severity,
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub fix: String,
}

/// The location of a repository-level finding, as [`Finding::location`] writes it.
pub const REPOSITORY: &str = "repository";

impl Finding {
    /// Where the finding is, for people: `file:line:col`; `file (whole file)` for a
    /// finding about a whole file (line 0); `repository` for one about the repository
    /// as a whole (no file). Never `:0:0`.
    pub fn location(&self) -> String {
        if self.is_repository_level() {
            REPOSITORY.to_string()
        } else if self.line == 0 {
            format!("{} (whole file)", self.file)
        } else {
            format!("{}:{}:{}", self.file, self.line, self.column)
        }
    }

    /// True for a finding about the repository as a whole: it has no file.
    pub fn is_repository_level(&self) -> bool {
        self.file.is_empty()
    }

    pub fn new(
        code: Code,
        file: &str,
        line: usize,
        column: usize,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            code,
            severity: code.severity(),
            file: file.to_string(),
            line,
            column,
            message: message.into(),
            fix: code.fix().to_string(),
        }
    }

    pub fn with_fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = fix.into();
        self
    }

    pub(crate) fn sort_key(&self) -> (&str, usize, usize, Code, &str) {
        (&self.file, self.line, self.column, self.code, &self.message)
    }
}

/// A v1 HelmRelease the runbook must list.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct ReleaseEntry {
    pub file: String,
    pub namespace: String,
    pub name: String,
    pub release_name: String,
    pub storage_namespace: String,
    pub helm2: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_never_read_0_0() {
        let at =
            |file: &str, line, column| Finding::new(Code::SYNC_TAG_GONE, file, line, column, "m");
        assert_eq!(at("a.yaml", 3, 5).location(), "a.yaml:3:5");
        assert_eq!(at("a.yaml", 0, 0).location(), "a.yaml (whole file)");
        assert_eq!(at("", 0, 0).location(), "repository");
        assert!(at("", 0, 0).is_repository_level());
        assert!(!at("a.yaml", 0, 0).is_repository_level());
    }
}
