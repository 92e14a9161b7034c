//! The views, one per file (see the crate README, "Layout"). Each gets what it shows
//! from the shell ([`crate::app::App`]) and sends [`crate::state::Msg`] back to it.
//! The views with state of their own are Yew components ([`repo::RepoView`]: drag-over,
//! diff mode; [`report::Report`]: filters; [`file_tree::FileTree`]: open folders,
//! focus, search, filters); the others are view functions of the
//! shell's state (every component type costs ~3–5 KB of wasm, see the README).
//! Also the small view helpers several of them use.

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

/// Most findings rendered in a list or table (the downloads always have all of them).
pub const MAX_FINDING_ROWS: usize = 500;

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
