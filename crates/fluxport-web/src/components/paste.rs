//! The Paste tab: the editor (uncontrolled: the shell reads its text when the debounce
//! fires, so a keystroke renders nothing), the converted output and the findings. A
//! view function: the editor and the debounce belong to the shell, which converts.

use super::findings::findings_list;
use super::{plural, text_chunks};
use crate::app::App;
use crate::state::{Msg, Paste};
use fluxport_core::Finding;
use yew::html::Scope;
use yew::prelude::*;

pub fn paste_view(
    link: &Scope<App>,
    active: bool,
    paste: Option<&Paste>,
    input_ref: &NodeRef,
) -> Html {
    let (out, findings): (&str, &[Finding]) = match paste {
        Some(p) => (&p.output, &p.conv.report.findings),
        None => ("", &[]),
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
    html! {
        <>
        <div class="panes">
            <div class="pane">
                <label class="pane-title" for="editor">{"Flux v1 YAML"}</label>
                <textarea id="editor" ref={input_ref.clone()} data-testid="input" class="code editor"
                    spellcheck="false" autocomplete="off" wrap="off"
                    placeholder="Paste Flux v1 manifests here (HelmRelease, Kustomization, annotated workloads…), or press “Load example”."
                    oninput={link.callback(|_: InputEvent| Msg::Input)} />
            </div>
            <div class="pane">
                <div class="pane-head">
                    <span class="pane-title" id="out-title">{"Flux v2 YAML"}</span>
                    <button class="btn small" disabled={paste.is_none() || failed.is_some()} onclick={link.callback(|_| Msg::DownloadZip)}>{"Download .zip"}</button>
                </div>
                if let Some(msg) = failed {
                    <pre class="code output failed" aria-labelledby="out-title" tabindex="0" data-failed="true"
                        data-testid={if active {"output"} else {"paste-output"}}><span class="failed-msg">{ msg }</span></pre>
                } else {
                    <pre class="code output" aria-labelledby="out-title" tabindex="0"
                        data-testid={if active {"output"} else {"paste-output"}}>{ text_chunks(out) }</pre>
                }
            </div>
        </div>
        <h2 class="section-title">{ format!("Findings ({})", findings.len()) }</h2>
        { findings_list(link, findings, active, true, paste.is_some()) }
        </>
    }
}
