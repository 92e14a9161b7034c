//! The pre-flight of a conversion's output (`Conversion::preflight`, what `fluxport
//! verify` prints): the Report tab's "Pre-flight" panel, and the per-file and whole-tree
//! status of the file tree. View functions: they have no state.
//!
//! Finding messages quote the input (names, paths): they reach the DOM as text nodes
//! only, with control characters escaped (`fluxport_core::text::visible`).

use super::findings::location_action;
use super::MAX_FINDING_ROWS;
use crate::editor::Side;
use crate::state::{AppLink, Src};
use fluxport_core::{Finding, Severity, Verification};
use yew::prelude::*;

/// The Report tab's panel: counts, then every finding with its code (the explain text
/// one click away), severity, `file:line:column` and fix. A location opens its output
/// file at the line: the Repo tab's file (`src` = the uploaded repository), or the
/// paste output pane.
pub fn preflight_panel(app: &AppLink, v: &Verification, src: Src) -> Html {
    let c = &v.counts;
    let body = if v.skipped {
        html! { <p class="muted">{ v.summary_line() }</p> }
    } else if v.running {
        // The conversion is shown; its pre-flight arrives from the worker.
        html! { <p class="muted" role="status" data-testid="preflight-running">{ v.summary_line() }</p> }
    } else {
        html! {
            <>
            <div class="cards">
                <div class="card"><b>{c.kustomizations}</b><span>{"Kustomizations"}</span></div>
                <div class="card"><b>{c.objects}</b><span>{"objects"}</span></div>
                <div class="card err"><b>{c.errors}</b><span>{"errors"}</span></div>
                <div class="card warn"><b>{c.warnings}</b><span>{"warnings"}</span></div>
                <div class="card info"><b>{c.infos}</b><span>{"info"}</span></div>
            </div>
            <p class="muted" data-testid="preflight-summary">{ v.summary_line() }</p>
            if v.findings.is_empty() {
                <p class="pf-clean">{"No pre-flight findings: every build, name and reference checked."}</p>
            } else {
                { findings_table(app, &v.findings, src) }
            }
            </>
        }
    };
    html! {
        <section id="preflight" class="preflight" aria-labelledby="preflight-title" data-testid="preflight">
            <h2 id="preflight-title" class="section-title">{"Pre-flight"}</h2>
            <p class="muted small">{"What Flux v2 will do with the converted output, checked offline (as fluxport verify does): builds, served apiVersions, names, references, Helm release identity, image markers."}</p>
            { body }
        </section>
    }
}

fn findings_table(app: &AppLink, findings: &[Finding], src: Src) -> Html {
    html! {
        <>
        { super::findings::findings_table("preflight-findings", findings.iter().take(MAX_FINDING_ROWS), |f| {
            // Pre-flight lines are the output's.
            location_action(app, f, src, Side::Output)
        }) }
        if findings.len() > MAX_FINDING_ROWS {
            <p class="muted small">{ format!("Showing the first {MAX_FINDING_ROWS} of {} pre-flight findings; the downloads list them all.", findings.len()) }</p>
        }
        </>
    }
}

/// "N errors, M warnings" (and info) of some findings, or "" when there are none:
/// the text of a file's pre-flight badge after "pre-flight: ".
pub fn status_text<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> String {
    let (mut e, mut w, mut i) = (0, 0, 0);
    for f in findings {
        match f.severity {
            Severity::Error => e += 1,
            Severity::Warning => w += 1,
            Severity::Info => i += 1,
        }
    }
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut parts = Vec::new();
    if e > 0 {
        parts.push(plural(e, "error", "errors"));
    }
    if w > 0 {
        parts.push(plural(w, "warning", "warnings"));
    }
    if i > 0 {
        parts.push(plural(i, "info", "info"));
    }
    parts.join(", ")
}

/// The class of a status badge: its worst severity.
pub fn status_class<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> &'static str {
    findings
        .into_iter()
        .map(|f| f.severity)
        .max_by_key(|s| match s {
            Severity::Error => 2,
            Severity::Warning => 1,
            Severity::Info => 0,
        })
        .map_or("ok", Severity::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use fluxport_core::Code;

    fn f(code: Code) -> Finding {
        Finding::new(code, "a.yaml", 1, 1, "m")
    }

    #[test]
    fn status_texts() {
        let v = [
            f(Code::VERIFY_REF_MISSING),
            f(Code::VERIFY_REF_MISSING),
            f(Code::VERIFY_BOOTSTRAP_ASSUMED),
        ];
        assert_eq!(status_text(&v), "2 errors, 1 info");
        assert_eq!(status_class(&v), "error");
        assert_eq!(status_text(&v[2..]), "1 info");
        assert_eq!(status_class(&v[2..]), "info");
        assert_eq!(status_text(&[]), "");
        assert_eq!(status_class(&[]), "ok");
    }
}
