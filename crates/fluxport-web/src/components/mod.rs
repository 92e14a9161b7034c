//! The views, one per file (see the crate README, "Layout"). Each gets what it shows
//! from the shell ([`crate::app::App`]) and sends [`crate::state::Msg`] back to it.
//! The views with state of their own are Yew components ([`repo::RepoView`]: drag-over,
//! diff mode; [`report::Report`]: filters; [`file_tree::FileTree`]: open folders,
//! focus, search, filters); the others are view functions of the
//! shell's state (every component type costs ~3–5 KB of wasm, see the README).
//! Also the small view helpers several of them use.

pub mod diff_view;
pub mod file_tree;
pub mod findings;
pub mod notices;
pub mod paste;
pub mod preflight;
pub mod repo;
pub mod report;
pub mod settings;
pub mod tabs;

use fluxport_core::FileStatus;
use yew::prelude::*;

/// Most findings rendered in a list or table (the downloads always have all of them).
pub const MAX_FINDING_ROWS: usize = 500;

/// Lines per block of a long output (see [`text_chunks`]).
const CHUNK_LINES: usize = 400;

/// `text` as consecutive blocks of [`CHUNK_LINES`] lines (their text content, joined, is
/// exactly `text`). An edit re-sets only the blocks whose text changed: a 1 MB output
/// costs little to show again. In a repo file's output the stylesheet also gives each
/// block `content-visibility: auto` (only blocks on screen are laid out); not in the
/// paste output, where that slowed typing in the editor beside it (web/app.css).
pub fn text_chunks(text: &str) -> Html {
    let mut chunks = Vec::new();
    let mut start = 0;
    let mut lines = 0;
    for (i, b) in text.bytes().enumerate() {
        if b == b'\n' {
            lines += 1;
            if lines == CHUNK_LINES {
                chunks.push(&text[start..=i]);
                start = i + 1;
                lines = 0;
            }
        }
    }
    if start < text.len() {
        chunks.push(&text[start..]);
    }
    if chunks.len() <= 1 {
        return html! { { text.to_string() } };
    }
    chunks
        .into_iter()
        .map(|c| html! { <span class="chunk">{ c.to_string() }</span> })
        .collect::<Html>()
}

/// A file status's name (the core's, as in the JSON report): badge class and `data-status`.
pub fn status_str(s: FileStatus) -> &'static str {
    s.as_str()
}

/// What a file's status badge says: its status, and for a file an error stopped
/// "not converted: N error(s)".
pub fn status_label(s: FileStatus, errors: usize) -> String {
    match s {
        FileStatus::Failed => format!("not converted: {}", plural(errors, "error")),
        s => s.as_str().to_string(),
    }
}

/// `1 error`, `2 errors`.
pub fn plural(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}
