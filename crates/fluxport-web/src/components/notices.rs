//! The notices of the latest upload (files that could not be read, bad zips, files left
//! out) and errors of a download, as alerts; for a zip an unsafe entry kept out, a
//! "load the N safe entries" button. A view function: it has no state.

use crate::state::{AppLink, Msg};
use yew::prelude::*;

/// `offers`: (zip name, safe entries) of each zip an unsafe entry kept out.
pub fn notices(app: &AppLink, notices: &[String], offers: &[(String, usize)]) -> Html {
    html! {
        <>
        { for notices.iter().map(|n| html!{ <p class="notice" role="alert">{ n }</p> }) }
        { for offers.iter().enumerate().filter(|(_, (_, safe))| *safe > 0).map(|(i, (name, safe))| html! {
            <div class="notice-offer">
                <button class="btn small" data-testid="load-safe" onclick={app.callback(move |_| Msg::LoadSafe(i))}>
                    { format!("Load the {safe} safe {} of {name}", if *safe == 1 { "entry" } else { "entries" }) }
                </button>
            </div>
        }) }
        </>
    }
}
