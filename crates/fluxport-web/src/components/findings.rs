//! A list of findings (the paste view's, and a repo file's): each one a button that
//! jumps to its line in the editor (a pasted finding) or selects its file.

use super::MAX_FINDING_ROWS;
use crate::app::App;
use crate::output::PASTE_PATH;
use crate::state::{AppLink, Msg, Tab};
use fluxport_core::text::visible;
use fluxport_core::Finding;
use yew::html::Scope;
use yew::prelude::*;

/// `jump`: a pasted finding jumps to its line (else it selects its file); `pasted`:
/// there is a paste conversion (the empty list says "No findings." instead of a hint).
pub fn findings_list(
    link: &Scope<App>,
    findings: &[Finding],
    active: bool,
    jump: bool,
    pasted: bool,
) -> Html {
    if findings.is_empty() {
        return html! { <ul class="findings empty" data-testid={if active {"findings"} else {"findings-hidden"}}>
        <li class="muted">{ if pasted || !jump { "No findings." } else { "Findings appear here after a conversion." } }</li></ul> };
    }
    html! {
        <>
        <ul class="findings" data-testid={if active {"findings"} else {"findings-hidden"}}>
        { for findings.iter().take(MAX_FINDING_ROWS).map(|f| {
            let line = f.line;
            let file = f.file.clone();
            let onclick = if jump && f.file == PASTE_PATH {
                link.callback(move |_| Msg::Jump(line))
            } else {
                link.callback(move |_| Msg::Select(file.clone()))
            };
            // A repository-level finding has no file to show.
            let repo_level = f.is_repository_level();
            html! {
                <li data-code={f.code.as_str()} class={classes!("finding", f.severity.as_str())}>
                    <button class="finding-btn" {onclick} disabled={repo_level}
                        title={if repo_level {"About the repository as a whole"} else {"Show this line"}}>
                        <span class={classes!("sev", f.severity.as_str())}>{ f.severity.as_str() }</span>
                        <code class="code-id">{ f.code.as_str() }</code>
                        <span class="loc" data-line={f.line.to_string()}>{ visible(&f.location()).into_owned() }</span>
                        <span class="msg">{ visible(&f.message).into_owned() }</span>
                    </button>
                    <div class="fix">{"Fix: "}{ visible(&f.fix).into_owned() }</div>
                </li>
            }
        }) }
        </ul>
        if findings.len() > MAX_FINDING_ROWS {
            <p class="muted small">{ format!("Showing the first {MAX_FINDING_ROWS} of {} findings; the Report tab filters them and its downloads list them all.", findings.len()) }</p>
        }
        </>
    }
}

/// Where a click on a finding's location leads: the line of the pasted YAML, or its
/// file in the Repo tab; `None` leaves the location as text (a repository-level
/// finding, or a file the view cannot open).
pub fn location_action(
    app: &AppLink,
    f: &Finding,
    open_files: bool,
) -> Option<Callback<MouseEvent>> {
    if f.is_repository_level() {
        None
    } else if f.file == PASTE_PATH {
        let line = f.line;
        Some(app.callback(move |_: MouseEvent| Msg::Jump(line)))
    } else if open_files {
        let file = f.file.clone();
        Some(app.batch_callback(move |_: MouseEvent| {
            vec![Msg::Select(file.clone()), Msg::Tab(Tab::Repo)]
        }))
    } else {
        None
    }
}

/// One table of findings, the Report tab's and the pre-flight panel's: code (its
/// explain text one click away), severity, `file:line:column` (a button when
/// `action` gives it a target), message and fix. Messages quote the input: they reach
/// the DOM as text nodes only, with control characters escaped.
pub fn findings_table<'a>(
    testid: &'static str,
    findings: impl Iterator<Item = &'a Finding>,
    action: impl Fn(&Finding) -> Option<Callback<MouseEvent>>,
) -> Html {
    html! {
        <div class="table-wrap">
        <table class="ftable" data-testid={testid}>
            <thead><tr><th scope="col">{"Code"}</th><th scope="col">{"Severity"}</th><th scope="col">{"Location"}</th><th scope="col">{"Message"}</th><th scope="col">{"Fix"}</th></tr></thead>
            <tbody>
            { for findings.map(|f| {
                let loc = visible(&f.location()).into_owned();
                let location = match action(f) {
                    Some(onclick) => html! { <button class="link" {onclick} title="Show this line">{ loc }</button> },
                    None => html! { <code>{ loc }</code> },
                };
                html! {
                <tr data-code={f.code.as_str()} class={f.severity.as_str()}>
                    <td><details class="explain"><summary><code>{ f.code.as_str() }</code></summary>
                        <p class="explain-text">{ f.code.explain() }</p></details></td>
                    <td><span class={classes!("sev", f.severity.as_str())}>{ f.severity.as_str() }</span></td>
                    <td>{ location }</td>
                    <td>{ visible(&f.message).into_owned() }</td>
                    <td>{ visible(&f.fix).into_owned() }</td>
                </tr>
            }}) }
            </tbody>
        </table>
        </div>
    }
}
