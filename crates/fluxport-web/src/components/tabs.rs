//! The tab bar (Paste / Repo / Report / Settings, WAI-ARIA tabs with arrow keys) and the
//! status line beside it. A view function: the current tab lives in the shell.

use crate::app::App;
use crate::browser;
use crate::state::{Msg, Tab};
use yew::html::Scope;
use yew::prelude::*;

/// `status`: "Converted in 12 ms", "Reading files…", …
pub fn tabs(link: &Scope<App>, tab: Tab, status: String) -> Html {
    let tab_btn = |t: Tab, label: &'static str, id: &'static str| {
        let sel = tab == t;
        html! {
            <button role="tab" id={format!("tab-{id}")} tabindex={if sel {"0"} else {"-1"}} aria-controls={format!("panel-{id}")}
                aria-selected={sel.to_string()} class={classes!("tab", sel.then_some("active"))}
                onclick={link.callback(move |_| Msg::Tab(t))}>{label}</button>
        }
    };
    html! {
        // The tablist holds only its tabs (WAI-ARIA); the status line is beside it, in
        // the navigation landmark.
        <nav class="tabs" aria-label="Sections">
            <div class="tablist" role="tablist" aria-label="Sections" onkeydown={tab_keys(link, tab)}>
                { tab_btn(Tab::Paste, "Paste", "paste") }
                { tab_btn(Tab::Repo, "Repo", "repo") }
                { tab_btn(Tab::Report, "Report", "report") }
                { tab_btn(Tab::Settings, "Settings", "settings") }
            </div>
            <span class="status" aria-live="polite" data-testid="status">{ status }</span>
        </nav>
    }
}

/// Arrow keys, Home and End move between tabs (WAI-ARIA tabs pattern).
fn tab_keys(link: &Scope<App>, tab: Tab) -> Callback<KeyboardEvent> {
    let order = [Tab::Paste, Tab::Repo, Tab::Report, Tab::Settings];
    let ids = ["tab-paste", "tab-repo", "tab-report", "tab-settings"];
    let cur = order.iter().position(|t| *t == tab).unwrap_or(0);
    link.batch_callback(move |e: KeyboardEvent| {
        let next = match e.key().as_str() {
            "ArrowRight" => (cur + 1) % 4,
            "ArrowLeft" => (cur + 3) % 4,
            "Home" => 0,
            "End" => 3,
            _ => return None,
        };
        e.prevent_default();
        if let Some(el) = browser::document().get_element_by_id(ids[next]) {
            if let Ok(el) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(el) {
                let _ = el.focus();
            }
        }
        Some(Msg::Tab(order[next]))
    })
}
