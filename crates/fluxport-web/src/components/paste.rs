//! The Paste tab: the editor (CodeMirror, uncontrolled: the shell reads its text when
//! the debounce fires, so a keystroke renders nothing), the converted output (a
//! read-only CodeMirror view) and the findings. A view function: the two views live in
//! host elements the shell fills (`crate::editor`), and the debounce is the shell's.

use super::findings::findings_list;
use super::plural;
use crate::app::App;
use crate::editor::Side;
use crate::state::{Msg, Paste, Src};
use fluxport_core::Finding;
use yew::html::Scope;
use yew::prelude::*;

pub fn paste_view(
    link: &Scope<App>,
    active: bool,
    paste: Option<&Paste>,
    input_host: &NodeRef,
    output_host: &NodeRef,
) -> Html {
    let findings: &[Finding] = match paste {
        Some(p) => &p.conv.report.findings,
        None => &[],
    };
    // An error stopped the conversion: the pane says so, with the errors (the core's
    // text form, control characters escaped), and shows no YAML.
    let failed = paste.and_then(|p| {
        let errors = crate::output::paste_failed(&p.conv)?;
        let errs: Vec<Finding> = findings
            .iter()
            .filter(|f| f.severity == fluxport_core::Severity::Error)
            .cloned()
            .collect();
        Some(format!(
            "Not converted: {}. Nothing was converted; fix the input and it converts again.\n\n{}",
            plural(errors, "error"),
            fluxport_core::report::findings_text(&errs)
        ))
    });
    // The output as shown (for "Copy"), and each file in it, to copy one by one.
    let out = match (paste, &failed) {
        (Some(p), None) => crate::output::paste_output(&p.conv),
        _ => String::new(),
    };
    let docs: Vec<(String, String)> = match (paste, &failed) {
        (Some(p), None) => p
            .conv
            .files
            .iter()
            .filter(|f| f.status != fluxport_core::FileStatus::Deleted)
            .map(|f| (f.path.clone(), f.text().to_string()))
            .collect(),
        _ => Vec::new(),
    };
    html! {
        <>
        <div class="panes">
            <div class="pane">
                <span class="pane-title" id="editor-title">{"Flux v1 YAML"}</span>
                // CodeMirror's editor (its editable element carries data-testid="input").
                <div class="cm-host editor" ref={input_host.clone()} />
            </div>
            <div class="pane">
                <div class="pane-head">
                    <span class="pane-title" id="out-title">{"Flux v2 YAML"}</span>
                    <button class="btn small" data-testid="copy-output" aria-label="Copy the Flux v2 output" disabled={paste.is_none() || failed.is_some()}
                        onclick={{ let text = out.clone(); link.callback(move |_| Msg::Copy(text.clone())) }}>{"Copy"}</button>
                    <button class="btn small" data-testid="download-yaml" disabled={paste.is_none() || failed.is_some()} onclick={link.callback(|_| Msg::DownloadYaml)}>{"Download .yaml"}</button>
                    <button class="btn small" disabled={paste.is_none() || failed.is_some()} onclick={link.callback(|_| Msg::DownloadZip)}>{"Download .zip"}</button>
                </div>
                if let Some(msg) = &failed {
                    <pre class="code output failed" aria-labelledby="out-title" tabindex="0" data-failed="true"
                        data-testid={if active {"output"} else {"paste-output"}}><span class="failed-msg">{ msg.clone() }</span></pre>
                }
                // The read-only output view (hidden, not emptied, while an error shows).
                <div class="cm-host output" ref={output_host.clone()} hidden={failed.is_some()}
                    data-testid={if failed.is_some() {"paste-output-stale"} else if active {"output"} else {"paste-output"}} />
                if docs.len() > 1 {
                    <ul class="doc-copies" aria-label="Copy one file of the output">
                    { for docs.into_iter().map(|(path, text)| {
                        let label = format!("Copy {path}");
                        html! { <li><button class="btn small" data-testid="copy-doc" data-path={path.clone()} aria-label={label}
                            onclick={link.callback(move |_| Msg::Copy(text.clone()))}>{ format!("Copy {path}") }</button></li> }
                    }) }
                    </ul>
                }
            </div>
        </div>
        <h2 class="section-title">{ format!("Findings ({})", findings.len()) }</h2>
        { findings_list(link, findings, active, Src::Paste, Side::Input, paste.is_some()) }
        </>
    }
}
