//! The Report tab: counts, findings filtered by severity and code (a click jumps to
//! the line or opens the file), the pre-flight panel, the runbook, and the Markdown /
//! JSON downloads (both with the pre-flight). Built only while the tab is open.

use super::findings::{findings_table, location_action};
use super::preflight::preflight_panel;
use super::MAX_FINDING_ROWS;
use crate::browser;
use crate::editor::Side;
use crate::state::{AppLink, Paste, Shared, Src};
use fluxport_core::{Conversion, Finding};
use std::collections::BTreeSet;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ReportProps {
    pub active: bool,
    pub paste: Option<Shared<Paste>>,
    pub repo: Option<Shared<Conversion>>,
    /// Which conversion the report shows when there are both (the last tab of the two).
    pub src: Src,
    pub app: AppLink,
}

pub enum ReportMsg {
    DownloadReport(bool),
    Severity(String),
    Code(String),
}

/// The filters stay set while the tab is closed.
pub struct Report {
    sev: String,
    code: String,
}

impl Component for Report {
    type Message = ReportMsg;
    type Properties = ReportProps;

    fn create(_ctx: &Context<Self>) -> Self {
        Report {
            sev: String::new(),
            code: String::new(),
        }
    }

    fn update(&mut self, ctx: &Context<Self>, msg: ReportMsg) -> bool {
        match msg {
            ReportMsg::DownloadReport(md) => {
                if let Some(c) = report_conv(ctx.props()) {
                    if md {
                        browser::download(
                            "fluxport-report.md",
                            c.report_markdown().as_bytes(),
                            "text/markdown",
                        );
                    } else {
                        browser::download(
                            "fluxport-report.json",
                            c.report_json().as_bytes(),
                            "application/json",
                        );
                    }
                }
                false
            }
            ReportMsg::Severity(s) => {
                self.sev = s;
                true
            }
            ReportMsg::Code(c) => {
                self.code = c;
                true
            }
        }
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let ReportProps {
            active, repo, app, ..
        } = ctx.props();
        let active = *active;
        if !active {
            // Hidden: not built at all (a large report is hundreds of rows; it is made
            // when the tab opens, not on every conversion).
            return html! {};
        }
        let Some(c) = report_conv(ctx.props()) else {
            return html! { <div class="placeholder"><h2>{"No report yet"}</h2><p>{"Paste YAML or upload a repository first."}</p></div> };
        };
        let rep = &c.report;
        let codes: BTreeSet<&str> = rep.findings.iter().map(|f| f.code.as_str()).collect();
        let shown: Vec<&Finding> = rep
            .findings
            .iter()
            .filter(|f| self.sev.is_empty() || f.severity.as_str() == self.sev)
            .filter(|f| self.code.is_empty() || f.code.as_str() == self.code)
            .collect();
        let is_repo = std::ptr::eq(
            c,
            repo.as_deref().map_or(std::ptr::null(), |r| r as *const _),
        );
        let from = if is_repo { Src::Repo } else { Src::Paste };
        let src = if is_repo {
            "uploaded repository"
        } else {
            "pasted YAML"
        };
        let on_sev = link.callback(|e: Event| {
            ReportMsg::Severity(
                e.target_unchecked_into::<web_sys::HtmlSelectElement>()
                    .value(),
            )
        });
        let on_code = link.callback(|e: Event| {
            ReportMsg::Code(
                e.target_unchecked_into::<web_sys::HtmlSelectElement>()
                    .value(),
            )
        });
        let cnt = &rep.counts;
        html! {
            <div class="report">
                <div class="report-head">
                    <div>
                        <h2>{ format!("Migration report — {src}") }</h2>
                        <p class="muted">{ rep.summary_line() }</p>
                        <p class="small"><a href="#preflight" data-testid="preflight-link">{ c.preflight.summary_line() }</a></p>
                    </div>
                    <span class="grow"></span>
                    <button class="btn" onclick={link.callback(|_| ReportMsg::DownloadReport(true))}>{"Download Markdown"}</button>
                    <button class="btn" onclick={link.callback(|_| ReportMsg::DownloadReport(false))}>{"Download JSON"}</button>
                </div>
                <div class="cards">
                    <div class="card err"><b>{cnt.errors}</b><span>{"errors"}</span></div>
                    <div class="card warn"><b>{cnt.warnings}</b><span>{"warnings"}</span></div>
                    <div class="card info"><b>{cnt.infos}</b><span>{"info"}</span></div>
                    // One card per file status: they add up to the number of files.
                    <div class="card" data-status="converted"><b>{cnt.converted}</b><span>{"converted"}</span></div>
                    <div class="card" data-status="unchanged"><b>{cnt.unchanged}</b><span>{"unchanged"}</span></div>
                    <div class="card" data-status="new"><b>{cnt.new}</b><span>{"new"}</span></div>
                    <div class="card" data-status="deleted"><b>{cnt.deleted}</b><span>{"deleted"}</span></div>
                    <div class={classes!("card", (cnt.failed > 0).then_some("err"))} data-status="failed"><b>{cnt.failed}</b><span>{"failed"}</span></div>
                </div>
                <div class="filters">
                    <label>{"Severity "}
                        <select onchange={on_sev}>
                            <option value="" selected={self.sev.is_empty()}>{"All"}</option>
                            { for ["error", "warning", "info"].iter().map(|s| html!{ <option value={*s} selected={self.sev == *s}>{*s}</option> }) }
                        </select>
                    </label>
                    <label>{"Code "}
                        <select onchange={on_code}>
                            <option value="" selected={self.code.is_empty()}>{"All"}</option>
                            { for codes.iter().map(|s| html!{ <option value={*s} selected={self.code == *s}>{*s}</option> }) }
                        </select>
                    </label>
                    <span class="muted">{ format!("{} of {} findings", shown.len(), rep.findings.len()) }</span>
                </div>
                { findings_table(if active {"findings"} else {"report-findings"}, shown.iter().copied().take(MAX_FINDING_ROWS * 2), |f| location_action(app, f, from, Side::Input)) }
                if shown.len() > MAX_FINDING_ROWS * 2 {
                    <p class="muted small">{ format!("Showing the first {} of {} findings; narrow the filters or download the report for all of them.", MAX_FINDING_ROWS * 2, shown.len()) }</p>
                }
                { preflight_panel(app, &c.preflight, from) }
                <h2 class="section-title">{"Cut-over runbook"}</h2>
                if rep.runbook.is_empty() {
                    <pre class="runbook" tabindex="0">{"The runbook appears here once the converter produces one."}</pre>
                } else {
                    // Each shell command gets its own Copy button (the text as shown).
                    <pre class="runbook" tabindex="0" data-testid="runbook">
                    { for crate::output::runbook_lines(&rep.runbook).into_iter().map(|(line, cmd)| match cmd {
                        Some(cmd) => {
                            let text = cmd.to_string();
                            html! { <>{ line }<button class="btn small copy-cmd" data-testid="copy-command" aria-label={format!("Copy command: {cmd}")}
                                onclick={app.callback(move |_| crate::state::Msg::Copy(text.clone()))}>{"Copy"}</button>{"\n"}</> }
                        }
                        None => html! { <>{ line }{"\n"}</> },
                    }) }
                    </pre>
                }
            </div>
        }
    }
}

fn report_conv(p: &ReportProps) -> Option<&Conversion> {
    match p.src {
        Src::Repo => p.repo.as_deref().or(p.paste.as_ref().map(|p| &p.conv)),
        Src::Paste => p.paste.as_ref().map(|p| &p.conv).or(p.repo.as_deref()),
    }
}
