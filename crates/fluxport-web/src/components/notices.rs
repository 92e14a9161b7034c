//! The notices of the latest upload (files that could not be read, bad zips, files left
//! out) and errors of a download, as alerts. A view function: it has no state.

use yew::prelude::*;

pub fn notices(notices: &[String]) -> Html {
    html! {
        { for notices.iter().map(|n| html!{ <p class="notice" role="alert">{ n }</p> }) }
    }
}
