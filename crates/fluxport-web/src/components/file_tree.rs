//! The uploaded files, sorted by path under their directories, each with its status,
//! number of findings and pre-flight status, under the whole tree's pre-flight summary;
//! a click selects one. A view function: it has no state.

use super::preflight::{status_class, status_text};
use super::{status_label, status_str};
use crate::app::App;
use crate::state::Msg;
use fluxport_core::Conversion;
use yew::html::Scope;
use yew::prelude::*;

pub fn file_tree(link: &Scope<App>, r: &Conversion, selected: Option<&str>) -> Html {
    let mut files: Vec<_> = r.files.iter().collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let counts: std::collections::HashMap<&str, (usize, usize)> = r
        .report
        .files
        .iter()
        .map(|f| (f.path.as_str(), (f.findings, f.errors)))
        .collect();
    let mut preflight: std::collections::HashMap<&str, Vec<&fluxport_core::Finding>> =
        Default::default();
    for f in &r.preflight.findings {
        preflight.entry(f.file.as_str()).or_default().push(f);
    }
    let mut last_dir = String::new();
    let mut rows = Vec::new();
    for f in files {
        let (dir, name) = match f.path.rsplit_once('/') {
            Some((d, n)) => (d.to_string(), n.to_string()),
            None => (String::new(), f.path.clone()),
        };
        if dir != last_dir {
            if !dir.is_empty() {
                rows.push(html! { <li class="dir" aria-hidden="true">{ format!("{dir}/") }</li> });
            }
            last_dir = dir.clone();
        }
        let st = status_str(f.status);
        let (n, errors) = counts.get(f.path.as_str()).copied().unwrap_or((0, 0));
        let path = f.path.clone();
        let sel = selected == Some(f.path.as_str());
        let pf = preflight.get(f.path.as_str()).map(|v| {
            (
                status_class(v.iter().copied()),
                format!("pre-flight: {}", status_text(v.iter().copied())),
            )
        });
        rows.push(html! {
                <li class={classes!("file", (!dir.is_empty()).then_some("nested"))}>
                    <button class={classes!("file-btn", sel.then_some("selected"))} aria-current={sel.then_some("true")}
                        data-path={f.path.clone()} data-status={st}
                        onclick={link.callback(move |_| Msg::Select(path.clone()))}>
                        <span class={classes!("badge", st)} data-testid="status-badge">{ status_label(f.status, errors) }</span>
                        <span class="fname" title={f.path.clone()}>{ name }</span>
                        if n > 0 { <span class="badge findings-badge" title="has findings">{ format!("{n} finding{}", if n == 1 {""} else {"s"}) }</span> }
                        if let Some((class, text)) = pf { <span class={classes!("badge", "pf-badge", class)} data-testid="preflight-badge">{ text }</span> }
                    </button>
                </li>
            });
    }
    let v = &r.preflight;
    html! {
        <>
        <p class={classes!("pf-tree", status_class(&v.findings))} data-testid="preflight-status">{ v.summary_line() }</p>
        <ul class="tree" data-testid="file-tree">{ for rows }</ul>
        </>
    }
}
