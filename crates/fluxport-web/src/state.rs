//! The types of the state more than one view needs. The shell ([`crate::app::App`])
//! owns that state and hands it to the views (props of the components, arguments of
//! the view functions); they send [`Msg`] back to it through its `link` ([`AppLink`]
//! in props). What a single view needs lives in that view's component.

use crate::app::App;
use fluxport_core::Conversion;
use std::ops::Deref;
use std::rc::Rc;
use yew::html::Scope;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Paste,
    Repo,
    Report,
    Settings,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Src {
    Paste,
    Repo,
}

/// One answer of the conversion worker to request `id`: its JSON, or the message of
/// the panic it died of (neither: no worker, so the page converts); `ms` spent there.
pub struct WorkerAnswer {
    pub id: u32,
    pub json: Option<String>,
    pub panic: Option<String>,
    pub ms: f64,
}

/// Messages of the shell. The components' own messages (drag-over, the diff mode, the
/// report's filters) stay in their components.
pub enum Msg {
    Tab(Tab),
    Input,
    ConvertPaste,
    /// The worker's answer to a repo request (see [`crate::app::worker_done`]).
    RepoDone(WorkerAnswer),
    /// The worker's pre-flight of a repo request, sent after its conversion (see
    /// [`crate::app::worker_preflight_done`]).
    PreflightDone(WorkerAnswer),
    /// The worker's answer to a paste request (see [`crate::app::worker_done`]).
    PasteDone(WorkerAnswer),
    /// The worker's pre-flight of a paste request, sent after its conversion (see
    /// [`crate::app::worker_preflight_done`]).
    PastePreflightDone(WorkerAnswer),
    LoadExample,
    /// Show a finding's line: open its file (the paste editor or output, or the repo
    /// file), scroll the editor or diff to `line` and mark it.
    Open {
        src: Src,
        file: String,
        line: usize,
        column: usize,
        side: crate::editor::Side,
    },
    Files(Vec<web_sys::File>, bool),
    Loaded(
        Vec<fluxport_core::InputFile>,
        Vec<String>,
        Vec<UnsafeZip>,
        f64,
    ),
    /// "Load the N safe entries" of the `i`-th zip an unsafe entry kept out.
    LoadSafe(usize),
    Drop(Vec<web_sys::FileSystemEntry>, Vec<web_sys::File>),
    /// A drop outside the drop zone, anywhere on the page (see `browser::catch_page_drops`).
    PageDrop(Vec<web_sys::FileSystemEntry>, Vec<web_sys::File>),
    /// The text of a YAML file dropped on the Paste tab: it fills the editor.
    PasteFile(String),
    Select(String),
    ClearRepo,
    DownloadZip,
    /// The Paste output as one `.yaml` file.
    DownloadYaml,
    /// Copies this text to the clipboard (then `Copied`).
    Copy(String),
    Copied(Result<(), String>),
    ClearToast,
    Options(fluxport_core::Options),
    Remember(bool),
    ResetSettings,
}

/// A zip of the latest upload that an unsafe entry path kept out whole: its name, bytes
/// and number of safe entries, for the notice's "load the N safe entries".
pub struct UnsafeZip {
    pub name: String,
    pub bytes: Vec<u8>,
    pub safe: usize,
}

/// Where the Repo tab's file view is to scroll (a `Msg::Open` of a repo finding);
/// `seq` tells a new request from one already shown.
#[derive(Clone, PartialEq)]
pub struct Target {
    pub seq: u32,
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub side: crate::editor::Side,
}

#[derive(Clone)]
pub struct Paste {
    pub conv: Conversion,
    pub ms: f64,
}

/// A value the shell shares with components, compared by identity: the shell replaces
/// the `Rc` whenever the value changes, so equal pointers mean equal props (and a
/// 1 MB conversion is never compared field by field).
pub struct Shared<T>(pub Rc<T>);

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(self.0.clone())
    }
}

impl<T> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl<T> Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// The shell's scope, as a prop: the components send it [`Msg`]s (`app.callback(…)`,
/// `app.send_message(…)`). There is one shell, so any two are equal.
#[derive(Clone)]
pub struct AppLink(pub Scope<App>);

impl PartialEq for AppLink {
    fn eq(&self, _other: &Self) -> bool {
        true
    }
}

impl Deref for AppLink {
    type Target = Scope<App>;
    fn deref(&self) -> &Scope<App> {
        &self.0
    }
}
