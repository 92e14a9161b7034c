//! The pre-flight's result ([`Verification`]): findings keyed by file:line:column and
//! counts, rendered as text, JSON or Markdown. Filled by the `verify` stage; carried
//! by [`Conversion`](super::Conversion) as its `preflight`.

use crate::model::codes::Severity;
use crate::model::finding::Finding;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, Serialize)]
pub struct VerifyCounts {
    /// Files read.
    pub files: usize,
    /// Flux Kustomizations whose builds were checked (1 implicit build of the
    /// repository root when the tree has none).
    pub kustomizations: usize,
    /// Objects in those builds (one per inclusion).
    pub objects: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    pub by_code: BTreeMap<String, usize>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Verification {
    /// Version of the JSON shape; bumped on incompatible changes.
    pub schema_version: u32,
    pub findings: Vec<Finding>,
    pub counts: VerifyCounts,
    /// Objects `flux bootstrap` must create (`Kind namespace/name`), referenced in the
    /// tree and accepted because bootstrap was assumed.
    pub bootstrap_objects: Vec<String>,
    /// Not run (a conversion that stays on Flux v1).
    pub skipped: bool,
    /// Not run yet: the conversion came from [`crate::convert_deferred`] and its
    /// [`crate::PendingPreflight`] has not run. Never true in a finished conversion, and
    /// not written to the JSON report unless true.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub running: bool,
}

impl Verification {
    /// Sorts and deduplicates findings and fills the severity counts.
    pub fn finish(&mut self) {
        self.schema_version = 1;
        self.findings
            .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        self.findings.dedup();
        self.bootstrap_objects.sort();
        self.bootstrap_objects.dedup();
        let c = &mut self.counts;
        c.errors = 0;
        c.warnings = 0;
        c.infos = 0;
        c.by_code.clear();
        for f in &self.findings {
            match f.severity {
                Severity::Error => c.errors += 1,
                Severity::Warning => c.warnings += 1,
                Severity::Info => c.infos += 1,
            }
            *c.by_code.entry(f.code.as_str().to_string()).or_default() += 1;
        }
    }

    pub fn has_errors(&self) -> bool {
        self.counts.errors > 0
    }

    pub fn needs_human(&self) -> bool {
        self.counts.errors + self.counts.warnings > 0
    }

    pub fn summary_line(&self) -> String {
        if self.skipped {
            return "pre-flight: skipped (the output stays on Flux v1)".into();
        }
        if self.running {
            return "pre-flight: running…".into();
        }
        let c = &self.counts;
        format!(
            "pre-flight: {} Kustomizations, {} objects; {} errors, {} warnings, {} info",
            c.kustomizations, c.objects, c.errors, c.warnings, c.infos
        )
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".into())
    }

    pub fn to_text(&self) -> String {
        let mut out = super::findings_text(&self.findings);
        out.push_str(&self.summary_line());
        out.push('\n');
        out
    }

    pub fn to_markdown(&self) -> String {
        let mut out = String::from("# fluxport pre-flight\n\n");
        out.push_str(&self.markdown_findings());
        if let Some(s) = self.runbook_section() {
            out.push('\n');
            out.push_str(&s);
        }
        out
    }

    /// The summary line and the findings table, under whatever heading the caller
    /// gives them (`fluxport verify`'s page, or the pre-flight section of a conversion
    /// report, whose runbook already has the bootstrap section).
    pub fn markdown_findings(&self) -> String {
        let mut out = format!("{}\n\n", self.summary_line());
        if self.findings.is_empty() {
            out.push_str("No findings.\n");
        } else {
            out.push_str("| Severity | Code | Location | Message | Fix |\n|---|---|---|---|---|\n");
            for f in &self.findings {
                out.push_str(&format!(
                    "| {} | `{}` | {} | {} | {} |\n",
                    f.severity.as_str(),
                    f.code.as_str(),
                    crate::text::markdown::code(&f.location()),
                    crate::text::markdown::cell(&f.message),
                    crate::text::markdown::cell(&f.fix)
                ));
            }
        }
        out
    }

    /// The runbook paragraph for the objects bootstrap must create, if any.
    pub fn runbook_section(&self) -> Option<String> {
        if self.bootstrap_objects.is_empty() {
            return None;
        }
        let mut s = String::from(
            "## Objects `flux bootstrap` must create\n\nThe pre-flight assumed (--assume-bootstrap) that `flux bootstrap` creates these objects, which the repository references but does not contain. Run bootstrap before applying the rest:\n\n",
        );
        for o in &self.bootstrap_objects {
            s.push_str(&format!("- {}\n", crate::text::markdown::code(o)));
        }
        Some(s)
    }
}
