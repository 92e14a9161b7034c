//! A list of findings (the paste view's, and a repo file's): each one a button that
//! opens its file, scrolls the editor or diff to its line and marks it (`Msg::Open`).

use super::MAX_FINDING_ROWS;
use crate::app::App;
use crate::editor::Side;
use crate::state::{AppLink, Msg, Src};
use fluxport_core::text::visible;
use fluxport_core::Finding;
use yew::html::Scope;
use yew::prelude::*;

/// `src`, `side`: whose findings they are, and whether their lines are the input's
/// (conversion findings) or the output's (pre-flight); `pasted`: there is a paste
/// conversion (the empty list says "No findings." instead of a hint).
pub fn findings_list(
    link: &Scope<App>,
    findings: &[Finding],
    active: bool,
    src: Src,
    side: Side,
    pasted: bool,
) -> Html {
    let jump = src == Src::Paste;
    if findings.is_empty() {
        return html! { <ul class="findings empty" data-testid={if active {"findings"} else {"findings-hidden"}}>
        <li class="muted">{ if pasted || !jump { "No findings." } else { "Findings appear here after a conversion." } }</li></ul> };
    }
    html! {
        <>
        <ul class="findings" data-testid={if active {"findings"} else {"findings-hidden"}}>
        { for findings.iter().take(MAX_FINDING_ROWS).map(|f| {
            let open = open_msg(f, src, side);
            let onclick = link.callback(move |_| open());
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

/// The message that shows finding `f` on its line (see `Msg::Open`).
fn open_msg(f: &Finding, src: Src, side: Side) -> impl Fn() -> Msg {
    let (file, line, column) = (f.file.clone(), f.line, f.column);
    move || Msg::Open {
        src,
        file: file.clone(),
        line,
        column,
        side,
    }
}

/// Where a click on a finding's location leads: its file (the pasted YAML's editor or
/// output, or the Repo tab's file), scrolled to its line; `None` leaves the location
/// as text (a repository-level finding has no line).
pub fn location_action(
    app: &AppLink,
    f: &Finding,
    src: Src,
    side: Side,
) -> Option<Callback<MouseEvent>> {
    if f.is_repository_level() {
        return None;
    }
    let open = open_msg(f, src, side);
    Some(app.callback(move |_: MouseEvent| open()))
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
