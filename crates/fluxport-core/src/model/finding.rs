//! What the stages tell the user: a [`Finding`] (code, file:line:column, message, fix)
//! and a [`ReleaseEntry`] (a converted HelmRelease for the runbook's table).

use super::codes::{Code, Severity};
use serde::Serialize;

/// One finding. `line` and `column` are 1-based; 0 means "whole file".
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

impl Finding {
    /// `file:line:col` for people; a finding about the options (a daemon given on the
    /// command line or in the web settings) has no file and reads `(options)`.
    pub fn location(&self) -> String {
        if self.file.is_empty() {
            "(options)".to_string()
        } else {
            format!("{}:{}:{}", self.file, self.line, self.column)
        }
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
