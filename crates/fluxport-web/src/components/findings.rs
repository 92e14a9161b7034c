//! A list of findings (the paste view's, and a repo file's): each one a button that
//! jumps to its line in the editor (a pasted finding) or selects its file.

use super::MAX_FINDING_ROWS;
use crate::app::App;
use crate::output::PASTE_PATH;
use crate::state::Msg;
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
