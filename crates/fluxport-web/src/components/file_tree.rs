//! The uploaded files, sorted by path under their directories, each with its status
//! and number of findings; a click selects one. A view function: it has no state.

use super::status_str;
use crate::app::App;
use crate::state::Msg;
use fluxport_core::Conversion;
use yew::html::Scope;
use yew::prelude::*;

pub fn file_tree(link: &Scope<App>, r: &Conversion, selected: Option<&str>) -> Html {
    let mut files: Vec<_> = r.files.iter().collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let counts: std::collections::HashMap<&str, usize> = r
        .report
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.findings))
        .collect();
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
        let n = counts.get(f.path.as_str()).copied().unwrap_or(0);
        let path = f.path.clone();
        let sel = selected == Some(f.path.as_str());
        rows.push(html! {
                <li class={classes!("file", (!dir.is_empty()).then_some("nested"))}>
                    <button class={classes!("file-btn", sel.then_some("selected"))} aria-current={sel.then_some("true")}
                        data-path={f.path.clone()} data-status={st}
                        onclick={link.callback(move |_| Msg::Select(path.clone()))}>
                        <span class={classes!("badge", st)}>{ st }</span>
                        <span class="fname" title={f.path.clone()}>{ name }</span>
                        if n > 0 { <span class="badge findings-badge" title="has findings">{ format!("{n} finding{}", if n == 1 {""} else {"s"}) }</span> }
                    </button>
                </li>
            });
    }
    html! { <ul class="tree" data-testid="file-tree">{ for rows }</ul> }
}
