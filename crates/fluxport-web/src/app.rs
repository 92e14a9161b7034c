//! The Yew app: tabs Paste / Repo / Report / Settings. All panels stay mounted (hidden
//! when inactive) so the editor, scroll positions and selections survive tab changes.

use crate::browser;
use crate::diff::{self, Block, Kind};
use crate::output::{self, PASTE_PATH};
use fluxport_archive::Limits as ZipLimits;
use fluxport_core::{
    convert, Conversion, FileStatus, Finding, HelmVersion, InputFile, Mode, Options,
    SourcesPlacement, Target,
};
use gloo_timers::callback::Timeout;
use std::collections::BTreeSet;
use std::rc::Rc;
use web_sys::{DragEvent, HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

pub(crate) const EXAMPLE: &str = include_str!("example.yaml");
const DEBOUNCE_MS: u32 = 250;
/// Most diff lines rendered at once (the rest is summarised) to keep the DOM small.
const MAX_DIFF_ROWS: usize = 4000;
/// Most findings rendered in a list or table (the downloads always have all of them).
const MAX_FINDING_ROWS: usize = 500;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Paste,
    Repo,
    Report,
    Settings,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum View {
    Unified,
    Split,
    Output,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Src {
    Paste,
    Repo,
}

pub enum Msg {
    Tab(Tab),
    Input,
    ConvertPaste,
    /// The worker's answer to repo request `id` (see [`worker_done`]).
    RepoDone {
        id: u32,
        json: Option<String>,
        panic: Option<String>,
        ms: f64,
    },
    /// The worker's answer to paste request `id` (see [`worker_done`]).
    PasteDone {
        id: u32,
        json: Option<String>,
        panic: Option<String>,
        ms: f64,
    },
    LoadExample,
    Jump(usize),
    Files(Vec<web_sys::File>, bool),
    Loaded(Vec<InputFile>, Vec<String>, f64),
    Drop(Vec<web_sys::FileSystemEntry>, Vec<web_sys::File>),
    DragOver(bool),
    Select(String),
    View(View),
    ClearRepo,
    DownloadZip,
    DownloadFile,
    CopyFile,
    Copied(Result<(), String>),
    ClearToast,
    DownloadReport(bool),
    Severity(String),
    Code(String),
    Options(Options),
    Remember(bool),
    ResetSettings,
}

pub struct Paste {
    conv: Conversion,
    output: String,
    ms: f64,
}

pub struct App {
    tab: Tab,
    options: Options,
    remember: bool,
    input_ref: NodeRef,
    debounce: Option<Timeout>,
    paste: Option<Rc<Paste>>,
    first_convert_done: bool,
    paste_count: u32,
    /// Id of the latest paste conversion asked of the worker; older answers are stale.
    paste_seq: u32,
    /// The text sent with request `paste_seq`.
    paste_text: String,
    /// When the latest paste answer reached the page, until it is rendered (for
    /// `data-paste-render-ms`: the main-thread time an answer costs).
    paste_shown_t0: Option<f64>,
    /// Renders so far (`data-renders`: lets tests check a keystroke renders nothing).
    renders: u32,
    /// Id of the latest repo conversion asked of the worker; older answers are stale.
    repo_seq: u32,
    /// The sorted inputs sent with request `repo_seq`, while it runs.
    repo_sent: Option<Vec<InputFile>>,
    /// When reading the files of the current upload started (for `data-repo-ms`).
    repo_t0: f64,
    inputs: Vec<InputFile>,
    originals: std::collections::HashMap<String, usize>,
    repo: Option<Rc<Conversion>>,
    repo_ms: f64,
    loading: bool,
    notices: Vec<String>,
    selected: Option<String>,
    view: View,
    report_src: Src,
    sev: String,
    code: String,
    drag: bool,
    toast: Option<String>,
}

impl Component for App {
    type Message = Msg;
    type Properties = ();

    fn create(ctx: &Context<Self>) -> Self {
        let link = ctx.link().clone();
        WORKER_SINK.with(|s| *s.borrow_mut() = Some(Callback::from(move |m| link.send_message(m))));
        let saved = browser::load_settings();
        let options = saved
            .as_deref()
            .and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or_default();
        App {
            tab: Tab::Paste,
            options,
            remember: saved.is_some(),
            input_ref: NodeRef::default(),
            debounce: None,
            paste: None,
            first_convert_done: false,
            paste_count: 0,
            paste_seq: 0,
            paste_text: String::new(),
            paste_shown_t0: None,
            renders: 0,
            repo_seq: 0,
            repo_sent: None,
            repo_t0: 0.0,
            inputs: Vec::new(),
            originals: Default::default(),
            repo: None,
            repo_ms: 0.0,
            loading: false,
            notices: Vec::new(),
            selected: None,
            view: View::Unified,
            report_src: Src::Paste,
            sev: String::new(),
            code: String::new(),
            drag: false,
            toast: None,
        }
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
        match msg {
            Msg::Tab(t) => {
                self.tab = t;
                match t {
                    Tab::Paste => self.report_src = Src::Paste,
                    Tab::Repo => self.report_src = Src::Repo,
                    _ => {}
                }
                true
            }
            Msg::Input => {
                let link = ctx.link().clone();
                self.debounce = Some(Timeout::new(DEBOUNCE_MS, move || {
                    link.send_message(Msg::ConvertPaste)
                }));
                false
            }
            Msg::ConvertPaste => {
                self.debounce = None;
                self.convert_paste();
                true
            }
            Msg::PasteDone {
                id,
                json,
                panic,
                ms,
            } => {
                if id != self.paste_seq {
                    return false; // a newer request is on its way
                }
                self.paste_shown_t0 = Some(browser::now());
                match (json, panic) {
                    (Some(json), _) => {
                        let t0 = browser::now();
                        let text = std::mem::take(&mut self.paste_text);
                        let input = |p: &str| (p == PASTE_PATH).then(|| text.as_bytes().to_vec());
                        match crate::wire::decode(&json, input) {
                            Ok(conv) => {
                                browser::mark("paste-in", "worker");
                                self.show_paste(conv, ms, browser::now() - t0)
                            }
                            Err(e) => crate::panic::show(&format!("worker answer unreadable: {e}")),
                        }
                    }
                    (None, Some(msg)) => crate::panic::show(&msg),
                    (None, None) => {
                        let text = std::mem::take(&mut self.paste_text);
                        self.convert_paste_here(&text);
                    }
                }
                true
            }
            Msg::RepoDone {
                id,
                json,
                panic,
                ms,
            } => {
                if id != self.repo_seq {
                    return false; // a newer request is on its way, or the repo was cleared
                }
                let Some(sent) = self.repo_sent.take() else {
                    return false;
                };
                match (json, panic) {
                    (Some(json), _) => {
                        let input =
                            |p: &str| self.originals.get(p).map(|&i| self.inputs[i].bytes.clone());
                        match crate::wire::decode(&json, input) {
                            Ok(conv) => {
                                browser::mark("repo-in", "worker");
                                browser::mark("repo-convert-ms", &format!("{ms:.1}"));
                                self.show_repo(conv);
                            }
                            Err(e) => crate::panic::show(&format!("worker answer unreadable: {e}")),
                        }
                    }
                    (None, Some(msg)) => crate::panic::show(&msg),
                    (None, None) => self.convert_repo_here(&sent),
                }
                true
            }
            Msg::LoadExample => {
                if let Some(t) = self.input_ref.cast::<HtmlTextAreaElement>() {
                    t.set_value(EXAMPLE);
                }
                self.tab = Tab::Paste;
                self.report_src = Src::Paste;
                self.convert_paste();
                true
            }
            Msg::Jump(line) => {
                self.tab = Tab::Paste;
                if let Some(t) = self.input_ref.cast::<HtmlTextAreaElement>() {
                    let text = t.value();
                    let (s, e) = output::line_range_utf16(&text, line.max(1));
                    let total = text.lines().count().max(1) as f64;
                    let _ = t.focus();
                    let _ = t.set_selection_range(s, e.max(s));
                    let per_line = t.scroll_height() as f64 / total;
                    let target =
                        per_line * (line.saturating_sub(1)) as f64 - t.client_height() as f64 / 3.0;
                    t.set_scroll_top(target.max(0.0) as i32);
                }
                true
            }
            Msg::Files(files, folder) => {
                self.loading = true;
                let link = ctx.link().clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let t0 = browser::now();
                    // A folder picker (webkitdirectory) gives each file its path
                    // relative to the picked folder; a plain multi-file pick gives ""
                    // and the base name is all there is.
                    let named: Vec<(String, web_sys::File)> = files
                        .into_iter()
                        .map(|f| {
                            let rel = js_sys::Reflect::get(&f, &"webkitRelativePath".into())
                                .ok()
                                .and_then(|v| v.as_string())
                                .unwrap_or_default();
                            (if rel.is_empty() { f.name() } else { rel }, f)
                        })
                        .collect();
                    let any_rel = named.iter().any(|(p, _)| p.contains('/'));
                    let (inputs, notes) = read_all(named, folder || any_rel).await;
                    link.send_message(Msg::Loaded(inputs, notes, t0));
                });
                true
            }
            Msg::Drop(entries, files) => {
                self.drag = false;
                self.loading = true;
                let link = ctx.link().clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let t0 = browser::now();
                    let mut named = Vec::new();
                    let mut notes = Vec::new();
                    let any_dir = entries.iter().any(|e| e.is_directory());
                    if entries.is_empty() {
                        named.extend(files.into_iter().map(|f| (f.name(), f)));
                    }
                    for e in entries {
                        match browser::entry_files(e).await {
                            Ok(v) => named.extend(v),
                            Err(err) => notes.push(err),
                        }
                    }
                    let (inputs, mut more) = read_all(named, any_dir).await;
                    notes.append(&mut more);
                    link.send_message(Msg::Loaded(inputs, notes, t0));
                });
                true
            }
            Msg::Loaded(files, notes, t0) => {
                self.loading = false;
                self.notices = notes;
                for f in files {
                    if let Some(&i) = self.originals.get(&f.path) {
                        self.inputs[i] = f;
                    } else {
                        self.originals.insert(f.path.clone(), self.inputs.len());
                        self.inputs.push(f);
                    }
                }
                self.repo_t0 = t0;
                self.convert_repo();
                self.tab = Tab::Repo;
                self.report_src = Src::Repo;
                true
            }
            Msg::DragOver(on) => {
                let changed = self.drag != on;
                self.drag = on;
                changed
            }
            Msg::Select(p) => {
                self.selected = Some(p);
                true
            }
            Msg::View(v) => {
                self.view = v;
                true
            }
            Msg::ClearRepo => {
                self.repo_seq += 1; // an answer still on its way is stale
                self.repo_sent = None;
                self.inputs.clear();
                self.originals.clear();
                self.repo = None;
                self.selected = None;
                self.notices.clear();
                true
            }
            Msg::DownloadZip => {
                let entries = match (self.tab, &self.repo, &self.paste) {
                    (Tab::Paste, _, Some(p)) => output::zip_entries(&p.conv),
                    (_, Some(r), _) => output::zip_entries(r),
                    (_, None, Some(p)) => output::zip_entries(&p.conv),
                    _ => Vec::new(),
                };
                match fluxport_archive::write_zip(&entries) {
                    Ok(z) => browser::download("fluxport-v2.zip", &z, "application/zip"),
                    Err(e) => self.notices = vec![e.to_string()],
                }
                true
            }
            Msg::DownloadFile => {
                if let Some(f) = self.selected_file() {
                    let name = f.path.rsplit('/').next().unwrap_or("file.yaml").to_string();
                    browser::download(&name, &f.bytes, "application/yaml");
                }
                false
            }
            Msg::CopyFile => {
                if let Some(f) = self.selected_file() {
                    let text = f.text().to_string();
                    let link = ctx.link().clone();
                    wasm_bindgen_futures::spawn_local(async move {
                        let r = browser::copy_text(&text).await;
                        link.send_message(Msg::Copied(r));
                    });
                }
                false
            }
            Msg::Copied(r) => {
                self.toast = Some(match r {
                    Ok(()) => "Copied to the clipboard.".into(),
                    Err(_) => "The browser refused clipboard access; use Download instead.".into(),
                });
                let link = ctx.link().clone();
                Timeout::new(2500, move || link.send_message(Msg::ClearToast)).forget();
                true
            }
            Msg::ClearToast => {
                self.toast = None;
                true
            }
            Msg::DownloadReport(md) => {
                if let Some(c) = self.report_conv() {
                    if md {
                        browser::download(
                            "fluxport-report.md",
                            c.report.to_markdown().as_bytes(),
                            "text/markdown",
                        );
                    } else {
                        browser::download(
                            "fluxport-report.json",
                            c.report.to_json().as_bytes(),
                            "application/json",
                        );
                    }
                }
                false
            }
            Msg::Severity(s) => {
                self.sev = s;
                true
            }
            Msg::Code(c) => {
                self.code = c;
                true
            }
            Msg::Options(o) => {
                self.options = o;
                self.persist();
                self.reconvert_all();
                true
            }
            Msg::Remember(on) => {
                self.remember = on;
                self.persist();
                true
            }
            Msg::ResetSettings => {
                self.options = Options::default();
                self.persist();
                self.reconvert_all();
                true
            }
        }
    }

    fn rendered(&mut self, _ctx: &Context<Self>, _first: bool) {
        self.renders += 1;
        browser::mark("renders", &self.renders.to_string());
        if let Some(t0) = self.paste_shown_t0.take() {
            browser::mark("paste-render-ms", &format!("{:.1}", browser::now() - t0));
        }
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let tab_btn = |t: Tab, label: &'static str, id: &'static str| {
            let sel = self.tab == t;
            html! {
                <button role="tab" id={format!("tab-{id}")} tabindex={if sel {"0"} else {"-1"}} aria-controls={format!("panel-{id}")}
                    aria-selected={sel.to_string()} class={classes!("tab", sel.then_some("active"))}
                    onclick={link.callback(move |_| Msg::Tab(t))}>{label}</button>
            }
        };
        html! {
            <div class="shell">
                <header class="top">
                    <div class="brand">
                        <h1>{"fluxport"}</h1>
                        <p class="tagline">{"Convert Flux v1 manifests (fluxd + helm-operator) to Flux v2 — in your browser."}</p>
                    </div>
                    <div class="top-actions">
                        <a class="privacy-pill" href="#privacy">{"Nothing leaves your browser"}</a>
                        <button class="btn primary" data-testid="load-example" onclick={link.callback(|_| Msg::LoadExample)}>{"Load example"}</button>
                    </div>
                </header>
                <nav class="tabs" role="tablist" aria-label="Sections" onkeydown={self.tab_keys(ctx)}>
                    { tab_btn(Tab::Paste, "Paste", "paste") }
                    { tab_btn(Tab::Repo, "Repo", "repo") }
                    { tab_btn(Tab::Report, "Report", "report") }
                    { tab_btn(Tab::Settings, "Settings", "settings") }
                    <span class="status" aria-live="polite" data-testid="status">{ self.status_line() }</span>
                </nav>
                <main>
                    <section id="panel-paste" role="tabpanel" aria-labelledby="tab-paste" hidden={self.tab != Tab::Paste}>{ self.view_paste(ctx) }</section>
                    <section id="panel-repo" role="tabpanel" aria-labelledby="tab-repo" hidden={self.tab != Tab::Repo}>{ self.view_repo(ctx) }</section>
                    <section id="panel-report" role="tabpanel" aria-labelledby="tab-report" hidden={self.tab != Tab::Report}>{ self.view_report(ctx) }</section>
                    <section id="panel-settings" role="tabpanel" aria-labelledby="tab-settings" hidden={self.tab != Tab::Settings}>{ self.view_settings(ctx) }</section>
                </main>
                { self.view_privacy() }
                if let Some(t) = &self.toast { <div class="toast" role="status">{ t.clone() }</div> }
            </div>
        }
    }
}

thread_local! {
    /// Where [`worker_done`] delivers the worker's answers: the app's message queue.
    static WORKER_SINK: std::cell::RefCell<Option<Callback<Msg>>> = const { std::cell::RefCell::new(None) };
}

/// The conversion worker answered request `id` (called from web/boot.js).
pub fn worker_done(repo: bool, id: u32, json: Option<String>, panic: Option<String>, ms: f64) {
    let sink = WORKER_SINK.with(|s| s.borrow().clone());
    if let Some(cb) = sink {
        cb.emit(if repo {
            Msg::RepoDone {
                id,
                json,
                panic,
                ms,
            }
        } else {
            Msg::PasteDone {
                id,
                json,
                panic,
                ms,
            }
        });
    }
}

/// Reads named files; expands `.zip` archives; strips one top-level folder shared by
/// every file when `strip_top` (the uploaded folder is the repository root).
async fn read_all(
    named: Vec<(String, web_sys::File)>,
    strip_top: bool,
) -> (Vec<InputFile>, Vec<String>) {
    let mut out = Vec::new();
    let mut notes = Vec::new();
    for (path, f) in named {
        let bytes = match browser::read_file(&f).await {
            Ok(b) => b,
            Err(e) => {
                notes.push(format!("Could not read {path}: {e}"));
                continue;
            }
        };
        if path.to_ascii_lowercase().ends_with(".zip") {
            match fluxport_archive::read_zip(&bytes, &ZipLimits::default()) {
                Ok(entries) => {
                    let mut files: Vec<InputFile> = entries
                        .into_iter()
                        .map(|e| InputFile::new(output::clean_path(&e.path), e.bytes))
                        .collect();
                    strip_common_top(&mut files);
                    out.extend(files);
                }
                Err(e) => notes.push(format!("{path}: {e}")),
            }
        } else {
            out.push(InputFile::new(output::clean_path(&path), bytes));
        }
    }
    if strip_top {
        strip_common_top(&mut out);
    }
    // Two files with one path (a multi-file pick from several folders gives base names
    // only): keep the first, name the others, never drop one silently.
    let mut seen = std::collections::HashSet::new();
    let mut dups = Vec::new();
    out.retain(|f| {
        let fresh = seen.insert(f.path.clone());
        if !fresh {
            dups.push(f.path.clone());
        }
        fresh
    });
    if !dups.is_empty() {
        let shown: Vec<&str> = dups.iter().take(10).map(|s| s.as_str()).collect();
        notes.push(format!(
            "{} file(s) had the same path as another file in this upload and were left out: {}{}. \
             Upload the folder (Choose folder, or drop it) or a .zip to keep each file's directory.",
            dups.len(),
            shown.join(", "),
            if dups.len() > shown.len() { ", …" } else { "" }
        ));
    }
    (out, notes)
}

fn strip_common_top(files: &mut [InputFile]) {
    let Some(first) = files.first() else { return };
    let Some((top, _)) = first.path.split_once('/') else {
        return;
    };
    let prefix = format!("{top}/");
    if files.iter().all(|f| f.path.starts_with(&prefix)) {
        for f in files.iter_mut() {
            f.path = f.path[prefix.len()..].to_string();
        }
    }
}

impl App {
    /// Converts the editor's text: in the conversion worker when there is one (the
    /// page stays responsive; the answer comes back as `Msg::PasteDone`), else here.
    fn convert_paste(&mut self) {
        let Some(t) = self.input_ref.cast::<HtmlTextAreaElement>() else {
            return;
        };
        let text = t.value();
        let selftest =
            browser::window().location().hash().ok().as_deref() == Some("#selftest-panic");
        let options = serde_json::to_string(&self.options).unwrap_or_default();
        self.paste_seq += 1;
        if browser::worker_post(self.paste_seq, &text, &options, selftest) {
            self.paste_text = text;
        } else {
            if selftest && text.contains("fluxport-selftest-panic") {
                panic!("self-test panic requested (#selftest-panic)");
            }
            self.convert_paste_here(&text);
        }
    }

    /// Converts on the page (no worker).
    fn convert_paste_here(&mut self, text: &str) {
        let t0 = browser::now();
        let conv = output::convert_paste(text, &self.options);
        let ms = browser::now() - t0;
        browser::mark("paste-in", "page");
        self.show_paste(conv, ms, ms);
    }

    /// Shows a paste conversion. `ms`: conversion time; `page_ms`: main-thread time it
    /// cost the page before rendering (decoding the worker's answer, or converting here).
    fn show_paste(&mut self, conv: Conversion, ms: f64, page_ms: f64) {
        let out = output::paste_output(&conv);
        if !self.first_convert_done {
            self.first_convert_done = true;
            browser::mark("first-convert-at", &format!("{:.1}", browser::now()));
        }
        browser::mark("paste-ms", &format!("{ms:.1}"));
        browser::mark("paste-page-ms", &format!("{page_ms:.1}"));
        self.paste_count += 1;
        browser::mark("paste-count", &self.paste_count.to_string());
        self.paste = Some(Rc::new(Paste {
            conv,
            output: out,
            ms,
        }));
    }

    /// Converts the uploaded files: in the conversion worker when there is one (the
    /// answer comes back as `Msg::RepoDone`), else here.
    fn convert_repo(&mut self) {
        if self.inputs.is_empty() {
            self.repo = None;
            return;
        }
        let mut sorted = self.inputs.clone();
        sorted.sort_by(|a, b| a.path.cmp(&b.path));
        let options = serde_json::to_string(&self.options).unwrap_or_default();
        self.repo_seq += 1;
        if browser::worker_post_repo(self.repo_seq, &sorted, &options) {
            self.repo_sent = Some(sorted);
        } else {
            self.convert_repo_here(&sorted);
        }
    }

    /// Converts the (sorted) uploaded files on the page (no worker).
    fn convert_repo_here(&mut self, sorted: &[InputFile]) {
        let t0 = browser::now();
        let conv = convert(sorted, &self.options);
        browser::mark("repo-in", "page");
        browser::mark("repo-convert-ms", &format!("{:.1}", browser::now() - t0));
        self.show_repo(conv);
    }

    fn show_repo(&mut self, conv: Conversion) {
        if self
            .selected
            .as_ref()
            .is_none_or(|s| conv.file(s).is_none())
        {
            self.selected = conv
                .files
                .iter()
                .find(|f| f.status != FileStatus::Unchanged)
                .or(conv.files.first())
                .map(|f| f.path.clone());
        }
        self.repo = Some(Rc::new(conv));
        self.repo_ms = browser::now() - self.repo_t0;
        browser::mark("repo-ms", &format!("{:.1}", self.repo_ms));
        browser::mark("repo-files", &self.inputs.len().to_string());
    }

    fn reconvert_all(&mut self) {
        if self.paste.is_some() {
            self.convert_paste();
        }
        if !self.inputs.is_empty() {
            self.convert_repo();
        }
    }

    fn persist(&self) {
        if self.remember {
            browser::save_settings(serde_json::to_string(&self.options).ok().as_deref());
        } else {
            browser::save_settings(None);
        }
    }

    fn selected_file(&self) -> Option<&fluxport_core::OutputFile> {
        let r = self.repo.as_ref()?;
        r.file(self.selected.as_deref()?)
    }

    fn report_conv(&self) -> Option<&Conversion> {
        match self.report_src {
            Src::Repo => self
                .repo
                .as_deref()
                .or(self.paste.as_ref().map(|p| &p.conv)),
            Src::Paste => self
                .paste
                .as_ref()
                .map(|p| &p.conv)
                .or(self.repo.as_deref()),
        }
    }

    /// Arrow keys, Home and End move between tabs (WAI-ARIA tabs pattern).
    fn tab_keys(&self, ctx: &Context<Self>) -> Callback<KeyboardEvent> {
        let order = [Tab::Paste, Tab::Repo, Tab::Report, Tab::Settings];
        let ids = ["tab-paste", "tab-repo", "tab-report", "tab-settings"];
        let cur = order.iter().position(|t| *t == self.tab).unwrap_or(0);
        ctx.link().batch_callback(move |e: KeyboardEvent| {
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

    fn status_line(&self) -> String {
        if self.loading {
            return "Reading files…".into();
        }
        if self.repo_sent.is_some() && self.tab == Tab::Repo {
            return format!("Converting {} files…", self.inputs.len());
        }
        match (self.tab, &self.paste, &self.repo) {
            (Tab::Repo, _, Some(r)) => format!(
                "{} files converted in {:.0} ms",
                r.files.len(),
                self.repo_ms
            ),
            (Tab::Paste, Some(p), _) => format!("Converted in {:.0} ms", p.ms),
            _ => String::new(),
        }
    }

    // ---------------------------------------------------------------- Paste

    fn view_paste(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let active = self.tab == Tab::Paste;
        let (out, findings): (&str, &[Finding]) = match &self.paste {
            Some(p) => (&p.output, &p.conv.report.findings),
            None => ("", &[]),
        };
        html! {
            <>
            <div class="panes">
                <div class="pane">
                    <label class="pane-title" for="editor">{"Flux v1 YAML"}</label>
                    <textarea id="editor" ref={self.input_ref.clone()} data-testid="input" class="code editor"
                        spellcheck="false" autocomplete="off" wrap="off"
                        placeholder="Paste Flux v1 manifests here (HelmRelease, Kustomization, annotated workloads…), or press “Load example”."
                        oninput={link.callback(|_: InputEvent| Msg::Input)} />
                </div>
                <div class="pane">
                    <div class="pane-head">
                        <span class="pane-title" id="out-title">{"Flux v2 YAML"}</span>
                        <button class="btn small" disabled={self.paste.is_none()} onclick={link.callback(|_| Msg::DownloadZip)}>{"Download .zip"}</button>
                    </div>
                    <pre class="code output" aria-labelledby="out-title" tabindex="0"
                        data-testid={if active {"output"} else {"paste-output"}}>{ text_chunks(out) }</pre>
                </div>
            </div>
            <h2 class="section-title">{ format!("Findings ({})", findings.len()) }</h2>
            { self.findings_list(ctx, findings, active, true) }
            </>
        }
    }

    fn findings_list(
        &self,
        ctx: &Context<Self>,
        findings: &[Finding],
        active: bool,
        jump: bool,
    ) -> Html {
        if findings.is_empty() {
            return html! { <ul class="findings empty" data-testid={if active {"findings"} else {"findings-hidden"}}>
            <li class="muted">{ if self.paste.is_some() || !jump { "No findings." } else { "Findings appear here after a conversion." } }</li></ul> };
        }
        html! {
            <>
            <ul class="findings" data-testid={if active {"findings"} else {"findings-hidden"}}>
            { for findings.iter().take(MAX_FINDING_ROWS).map(|f| {
                let line = f.line;
                let file = f.file.clone();
                let onclick = if jump && f.file == PASTE_PATH {
                    ctx.link().callback(move |_| Msg::Jump(line))
                } else {
                    ctx.link().callback(move |_| Msg::Select(file.clone()))
                };
                html! {
                    <li data-code={f.code.as_str()} class={classes!("finding", f.severity.as_str())}>
                        <button class="finding-btn" {onclick} title="Show this line">
                            <span class={classes!("sev", f.severity.as_str())}>{ f.severity.as_str() }</span>
                            <code class="code-id">{ f.code.as_str() }</code>
                            <span class="loc" data-line={f.line.to_string()}>{ format!("{}:{}:{}", f.file, f.line, f.column) }</span>
                            <span class="msg">{ &f.message }</span>
                        </button>
                        <div class="fix">{"Fix: "}{ &f.fix }</div>
                    </li>
                }
            }) }
            </ul>
            if findings.len() > MAX_FINDING_ROWS {
                <p class="muted small">{ format!("Showing the first {MAX_FINDING_ROWS} of {} findings; the Report tab filters them and its downloads list them all.", findings.len()) }</p>
            }
            </>
        }
    }

    // ---------------------------------------------------------------- Repo

    fn view_repo(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let on_files = link.callback(|e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let files = file_list(&input);
            input.set_value("");
            Msg::Files(files, false)
        });
        let on_folder = link.callback(|e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let files = file_list(&input);
            input.set_value("");
            Msg::Files(files, true)
        });
        let ondragover = link.callback(|e: DragEvent| {
            e.prevent_default();
            Msg::DragOver(true)
        });
        let ondragleave = link.callback(|_: DragEvent| Msg::DragOver(false));
        let ondrop = link.callback(|e: DragEvent| {
            e.prevent_default();
            let mut entries = Vec::new();
            let mut files = Vec::new();
            if let Some(dt) = e.data_transfer() {
                let items = dt.items();
                for i in 0..items.length() {
                    if let Some(item) = items.get(i) {
                        if item.kind() == "file" {
                            if let Ok(Some(entry)) = item.webkit_get_as_entry() {
                                entries.push(entry);
                            }
                        }
                    }
                }
                if entries.is_empty() {
                    if let Some(fl) = dt.files() {
                        files = (0..fl.length()).filter_map(|i| fl.get(i)).collect();
                    }
                }
            }
            Msg::Drop(entries, files)
        });
        html! {
            <div class="repo">
                <aside class="repo-side">
                    <div class={classes!("drop", self.drag.then_some("over"))} {ondragover} {ondragleave} {ondrop}>
                        <p class="drop-title">{"Drop files, a folder or a .zip here"}</p>
                        <div class="pickers">
                            <label class="btn">{"Choose files or .zip"}
                                <input type="file" multiple=true class="visually-hidden" data-testid="file-input" onchange={on_files} />
                            </label>
                            <label class="btn">{"Choose folder"}
                                <input type="file" webkitdirectory=true multiple=true class="visually-hidden" data-testid="folder-input" onchange={on_folder} />
                            </label>
                        </div>
                        <p class="muted small">{"Files are read locally. Zips are checked for unsafe paths and zip bombs."}</p>
                    </div>
                    { for self.notices.iter().map(|n| html!{ <p class="notice" role="alert">{ n }</p> }) }
                    if let Some(r) = &self.repo {
                        <div class="tree-head">
                            <span>{ format!("{} files", r.files.len()) }</span>
                            <span class="grow"></span>
                            <button class="btn small primary" data-testid="download-zip" onclick={link.callback(|_| Msg::DownloadZip)}>{"Download all (.zip)"}</button>
                            <button class="btn small" onclick={link.callback(|_| Msg::ClearRepo)}>{"Clear"}</button>
                        </div>
                        { self.file_tree(ctx, r) }
                    } else {
                        <button class="btn small primary" data-testid="download-zip" disabled=true>{"Download all (.zip)"}</button>
                    }
                </aside>
                <div class="repo-main">{ self.file_view(ctx) }</div>
            </div>
        }
    }

    fn file_tree(&self, ctx: &Context<Self>, r: &Conversion) -> Html {
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
                    rows.push(
                        html! { <li class="dir" aria-hidden="true">{ format!("{dir}/") }</li> },
                    );
                }
                last_dir = dir.clone();
            }
            let st = status_str(f.status);
            let n = counts.get(f.path.as_str()).copied().unwrap_or(0);
            let path = f.path.clone();
            let sel = self.selected.as_deref() == Some(f.path.as_str());
            rows.push(html! {
                <li class={classes!("file", (!dir.is_empty()).then_some("nested"))}>
                    <button class={classes!("file-btn", sel.then_some("selected"))} aria-current={sel.then_some("true")}
                        data-path={f.path.clone()} data-status={st}
                        onclick={ctx.link().callback(move |_| Msg::Select(path.clone()))}>
                        <span class={classes!("badge", st)}>{ st }</span>
                        <span class="fname" title={f.path.clone()}>{ name }</span>
                        if n > 0 { <span class="badge findings-badge" title="has findings">{ format!("{n} finding{}", if n == 1 {""} else {"s"}) }</span> }
                    </button>
                </li>
            });
        }
        html! { <ul class="tree" data-testid="file-tree">{ for rows }</ul> }
    }

    fn file_view(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let active = self.tab == Tab::Repo;
        let Some(f) = self.selected_file() else {
            return html! { <div class="placeholder"><h2>{"Convert a whole GitOps repository"}</h2>
            <p>{"Upload the manifests of a Flux v1 repository: individual files, a folder, or a .zip. Every file is converted together (sources are shared, sync roots honoured), and you can review each change before downloading the result."}</p></div> };
        };
        let r = self.repo.as_ref().unwrap();
        let before = self
            .originals
            .get(&f.path)
            .map(|&i| &self.inputs[i].bytes[..])
            .unwrap_or(&[]);
        let before = std::str::from_utf8(before).unwrap_or("");
        let after = f.text();
        let findings: Vec<Finding> = r
            .report
            .findings
            .iter()
            .filter(|x| x.file == f.path)
            .cloned()
            .collect();
        let vbtn = |v: View, label: &'static str| {
            html! { <button class={classes!("seg", (self.view == v).then_some("active"))} aria-pressed={(self.view == v).to_string()}
            onclick={link.callback(move |_| Msg::View(v))}>{label}</button> }
        };
        let body = match (self.view, f.status) {
            (View::Output, _) | (_, FileStatus::Unchanged) => html! {
                <>
                if f.status == FileStatus::Unchanged && self.view != View::Output { <p class="muted">{"No changes: this file is passed through byte for byte."}</p> }
                <pre class="code output file-output" tabindex="0" data-testid={if active {"output"} else {"repo-output"}}>{ text_chunks(after) }</pre>
                </>
            },
            (_, FileStatus::Deleted) => {
                html! { <p class="muted">{"This file is removed by the migration and left out of the download."}</p> }
            }
            (v, _) => diff_view(before, after, v == View::Split),
        };
        html! {
            <>
            <div class="file-head">
                <span class={classes!("badge", status_str(f.status))}>{ status_str(f.status) }</span>
                <code class="path">{ &f.path }</code>
                <span class="grow"></span>
                <div class="segmented" role="group" aria-label="View">
                    { vbtn(View::Unified, "Unified") }{ vbtn(View::Split, "Side by side") }{ vbtn(View::Output, "Output") }
                </div>
                <button class="btn small" disabled={f.status == FileStatus::Deleted} onclick={link.callback(|_| Msg::CopyFile)}>{"Copy"}</button>
                <button class="btn small" disabled={f.status == FileStatus::Deleted} onclick={link.callback(|_| Msg::DownloadFile)}>{"Download"}</button>
            </div>
            <div class="diff-wrap">{ body }</div>
            if !findings.is_empty() {
                <h2 class="section-title">{ format!("Findings in this file ({})", findings.len()) }</h2>
                { self.findings_list(ctx, &findings, false, false) }
            }
            </>
        }
    }

    // ---------------------------------------------------------------- Report

    fn view_report(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let active = self.tab == Tab::Report;
        if !active {
            // Hidden: not built at all (a large report is hundreds of rows; it is made
            // when the tab opens, not on every conversion).
            return html! {};
        }
        let Some(c) = self.report_conv() else {
            return html! { <div class="placeholder"><h2>{"No report yet"}</h2><p>{"Paste YAML or upload a repository first."}</p></div> };
        };
        let rep = &c.report;
        let codes: BTreeSet<&str> = rep.findings.iter().map(|f| f.code.as_str()).collect();
        let shown: Vec<&Finding> = rep
            .findings
            .iter()
            .filter(|f| self.sev.is_empty() || f.severity.as_str() == self.sev)
            .filter(|f| self.code.is_empty() || f.code.as_str() == self.code)
            .collect();
        let src = if std::ptr::eq(
            c,
            self.repo
                .as_deref()
                .map_or(std::ptr::null(), |r| r as *const _),
        ) {
            "uploaded repository"
        } else {
            "pasted YAML"
        };
        let on_sev = link.callback(|e: Event| {
            Msg::Severity(
                e.target_unchecked_into::<web_sys::HtmlSelectElement>()
                    .value(),
            )
        });
        let on_code = link.callback(|e: Event| {
            Msg::Code(
                e.target_unchecked_into::<web_sys::HtmlSelectElement>()
                    .value(),
            )
        });
        let cnt = &rep.counts;
        html! {
            <div class="report">
                <div class="report-head">
                    <div>
                        <h2>{ format!("Migration report — {src}") }</h2>
                        <p class="muted">{ rep.summary_line() }</p>
                    </div>
                    <span class="grow"></span>
                    <button class="btn" onclick={link.callback(|_| Msg::DownloadReport(true))}>{"Download Markdown"}</button>
                    <button class="btn" onclick={link.callback(|_| Msg::DownloadReport(false))}>{"Download JSON"}</button>
                </div>
                <div class="cards">
                    <div class="card err"><b>{cnt.errors}</b><span>{"errors"}</span></div>
                    <div class="card warn"><b>{cnt.warnings}</b><span>{"warnings"}</span></div>
                    <div class="card info"><b>{cnt.infos}</b><span>{"info"}</span></div>
                    <div class="card"><b>{cnt.converted}</b><span>{"converted"}</span></div>
                    <div class="card"><b>{cnt.new}</b><span>{"new"}</span></div>
                    <div class="card"><b>{cnt.unchanged}</b><span>{"unchanged"}</span></div>
                </div>
                <div class="filters">
                    <label>{"Severity "}
                        <select onchange={on_sev}>
                            <option value="" selected={self.sev.is_empty()}>{"All"}</option>
                            { for ["error", "warning", "info"].iter().map(|s| html!{ <option value={*s} selected={self.sev == *s}>{*s}</option> }) }
                        </select>
                    </label>
                    <label>{"Code "}
                        <select onchange={on_code}>
                            <option value="" selected={self.code.is_empty()}>{"All"}</option>
                            { for codes.iter().map(|s| html!{ <option value={*s} selected={self.code == *s}>{*s}</option> }) }
                        </select>
                    </label>
                    <span class="muted">{ format!("{} of {} findings", shown.len(), rep.findings.len()) }</span>
                </div>
                <div class="table-wrap">
                <table class="ftable" data-testid={if active {"findings"} else {"report-findings"}}>
                    <thead><tr><th scope="col">{"Code"}</th><th scope="col">{"Severity"}</th><th scope="col">{"Location"}</th><th scope="col">{"Message"}</th><th scope="col">{"Fix"}</th></tr></thead>
                    <tbody>
                    { for shown.iter().take(MAX_FINDING_ROWS * 2).map(|f| {
                        let file = f.file.clone();
                        let line = f.line;
                        let onclick = if f.file == PASTE_PATH {
                            link.callback(move |_: MouseEvent| Msg::Jump(line))
                        } else {
                            link.batch_callback(move |_: MouseEvent| vec![Msg::Select(file.clone()), Msg::Tab(Tab::Repo)])
                        };
                        html! {
                        <tr data-code={f.code.as_str()} class={f.severity.as_str()}>
                            <td><code>{ f.code.as_str() }</code></td>
                            <td><span class={classes!("sev", f.severity.as_str())}>{ f.severity.as_str() }</span></td>
                            <td><button class="link" {onclick}>{ format!("{}:{}:{}", f.file, f.line, f.column) }</button></td>
                            <td>{ &f.message }</td>
                            <td>{ &f.fix }</td>
                        </tr>
                    }}) }
                    </tbody>
                </table>
                </div>
                if shown.len() > MAX_FINDING_ROWS * 2 {
                    <p class="muted small">{ format!("Showing the first {} of {} findings; narrow the filters or download the report for all of them.", MAX_FINDING_ROWS * 2, shown.len()) }</p>
                }
                <h2 class="section-title">{"Cut-over runbook"}</h2>
                <pre class="runbook" tabindex="0">{ if rep.runbook.is_empty() { "The runbook appears here once the converter produces one.".to_string() } else { rep.runbook.clone() } }</pre>
            </div>
        }
    }

    // ---------------------------------------------------------------- Settings

    fn view_settings(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let o = self.options.clone();
        let set = |f: fn(&mut Options, String)| {
            let o = o.clone();
            link.callback(move |e: Event| {
                let v = match e.target_dyn_into::<HtmlInputElement>() {
                    Some(i) => i.value(),
                    None => e
                        .target_unchecked_into::<web_sys::HtmlSelectElement>()
                        .value(),
                };
                let mut o = o.clone();
                f(&mut o, v);
                Msg::Options(o)
            })
        };
        let on_remember = link.callback(|e: Event| {
            Msg::Remember(e.target_unchecked_into::<HtmlInputElement>().checked())
        });
        html! {
            <form class="settings" onsubmit={Callback::from(|e: SubmitEvent| e.prevent_default())}>
                <h2>{"Conversion settings"}</h2>
                <p class="muted">{"These mirror the flags of your Flux v1 daemons (fluxd and helm-operator). Changing one converts again."}</p>
                <div class="grid">
                    <label for="s-helm">{"Default Helm version"}</label>
                    <select id="s-helm" onchange={set(|o, v| { o.default_helm_version = HelmVersion::parse(&v).unwrap_or(HelmVersion::V2); o.mark_explicit("default-helm-version") })}>
                        <option value="v2" selected={o.default_helm_version == HelmVersion::V2}>{"v2"}</option>
                        <option value="v3" selected={o.default_helm_version == HelmVersion::V3}>{"v3"}</option>
                    </select>
                    <p class="help">{"helm-operator's first --enabled-helm-versions: used for HelmReleases without spec.helmVersion."}</p>

                    <label for="s-chart">{"Chart sync interval"}</label>
                    <input id="s-chart" type="text" value={o.chart_sync_interval.clone()} onchange={set(|o, v| { o.chart_sync_interval = v.trim().to_string(); o.mark_explicit("chart-sync-interval") })} />
                    <p class="help">{"helm-operator --charts-sync-interval; becomes HelmRelease spec.interval."}</p>

                    <label for="s-git">{"Git poll interval"}</label>
                    <input id="s-git" type="text" value={o.git_poll_interval.clone()} onchange={set(|o, v| { o.git_poll_interval = v.trim().to_string(); o.mark_explicit("git-poll-interval") })} />
                    <p class="help">{"helm-operator --git-poll-interval; becomes the chart GitRepository spec.interval."}</p>

                    <label for="s-mode">{"Mode"}</label>
                    <select id="s-mode" onchange={set(|o, v| o.mode = if v == "idiomatic" { Mode::Idiomatic } else { Mode::Strict })}>
                        <option value="strict" selected={o.mode == Mode::Strict}>{"Strict — reproduce v1 behaviour exactly"}</option>
                        <option value="idiomatic" selected={o.mode == Mode::Idiomatic}>{"Idiomatic — drop fidelity-only fields"}</option>
                    </select>
                    <p class="help">{"Strict keeps every field needed to behave like v1; idiomatic gives shorter, typical Flux v2 manifests."}</p>

                    <label for="s-place">{"Sources placement"}</label>
                    <select id="s-place" onchange={set(|o, v| o.sources_placement = if v == "inline" { SourcesPlacement::Inline } else { SourcesPlacement::SyncRoot })}>
                        <option value="sync-root" selected={o.sources_placement == SourcesPlacement::SyncRoot}>{"New fluxport-sources.yaml at each sync root"}</option>
                        <option value="inline" selected={o.sources_placement == SourcesPlacement::Inline}>{"Inline, appended to the first file that uses them"}</option>
                    </select>
                    <p class="help">{"Where generated HelmRepository and GitRepository objects are written."}</p>

                    <label for="s-target">{"Target"}</label>
                    <select id="s-target" onchange={set(|o, v| o.target = if v == "helm3-on-flux-v1" { Target::Helm3OnFluxV1 } else { Target::FluxV2 })}>
                        <option value="flux-v2" selected={o.target == Target::FluxV2}>{"Flux v2"}</option>
                        <option value="helm3-on-flux-v1" selected={o.target == Target::Helm3OnFluxV1}>{"Helm 3 on Flux v1"}</option>
                    </select>
                    <p class="help">{"Flux v2 converts everything; “Helm 3 on Flux v1” stays on helm-operator and only moves Helm 2 releases to Helm 3."}</p>

                    <label for="s-paths">{"Sync paths"}</label>
                    <input id="s-paths" type="text" placeholder="e.g. clusters/prod, apps" value={o.sync_paths.join(", ")}
                        onchange={set(|o, v| o.sync_paths = v.split([',', '\n']).map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect())} />
                    <p class="help">{"fluxd --git-path values, comma separated. Empty: read from a fluxd Deployment in the input, else the whole input is one root."}</p>

                    <label for="s-ns">{"Default namespace"}</label>
                    <input id="s-ns" type="text" value={o.default_namespace.clone()} onchange={set(|o, v| { o.default_namespace = v.trim().to_string(); o.mark_explicit("default-namespace") })} />
                    <p class="help">{"fluxd --k8s-default-namespace: used for objects without a namespace."}</p>
                </div>
                <div class="settings-foot">
                    <label class="check"><input type="checkbox" checked={self.remember} onchange={on_remember} />
                        {" Remember settings in this browser (localStorage; nothing else is stored)"}</label>
                    <span class="grow"></span>
                    <button type="button" class="btn" onclick={link.callback(|_| Msg::ResetSettings)}>{"Reset to defaults"}</button>
                </div>
            </form>
        }
    }

    fn view_privacy(&self) -> Html {
        html! {
            <footer id="privacy" class="privacy">
                <h2>{"Privacy: nothing leaves your browser"}</h2>
                <p>{"fluxport runs entirely in this page as WebAssembly. Your manifests are never uploaded: there is no server, no analytics, no fonts or scripts from other sites. Settings are stored only if you tick “Remember settings”."}</p>
                <p>{"How to verify: open DevTools → Network, then paste or upload files — no request is made. The page's Content-Security-Policy (see the <meta> tag in the page source) sets connect-src 'none', so the browser itself blocks any attempt to send data, and default-src 'none' blocks loading anything else. You can also save the single-file build (fluxport.html) and use it offline."}</p>
            </footer>
        }
    }
}

fn file_list(input: &HtmlInputElement) -> Vec<web_sys::File> {
    input
        .files()
        .map(|fl| (0..fl.length()).filter_map(|i| fl.get(i)).collect())
        .unwrap_or_default()
}

/// Lines per block of a long output (see [`text_chunks`]).
const CHUNK_LINES: usize = 400;

/// `text` as consecutive blocks of [`CHUNK_LINES`] lines (their text content, joined, is
/// exactly `text`). An edit re-sets only the blocks whose text changed: a 1 MB output
/// costs little to show again. In a repo file's output the stylesheet also gives each
/// block `content-visibility: auto` (only blocks on screen are laid out); not in the
/// paste output, where that slowed typing in the editor beside it (web/app.css).
fn text_chunks(text: &str) -> Html {
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

fn status_str(s: FileStatus) -> &'static str {
    match s {
        FileStatus::Unchanged => "unchanged",
        FileStatus::Converted => "converted",
        FileStatus::New => "new",
        FileStatus::Deleted => "deleted",
    }
}

fn diff_view(before: &str, after: &str, split: bool) -> Html {
    let lines = diff::diff(before, after);
    let (add, del) = diff::stats(&lines);
    let blocks = diff::hunks(&lines, 3);
    let mut rows = Vec::new();
    let mut budget = MAX_DIFF_ROWS;
    let num = |n: Option<usize>| n.map(|n| n.to_string()).unwrap_or_default();
    'outer: for b in &blocks {
        match b {
            Block::Skipped(n) => rows.push(html! {
                <tr class="skip"><td colspan="4">{ format!("⋯ {n} unchanged line{}", if *n == 1 {""} else {"s"}) }</td></tr>
            }),
            Block::Lines(ls) if !split => {
                for l in ls {
                    if budget == 0 { break 'outer; }
                    budget -= 1;
                    let (cls, sign) = match l.kind { Kind::Same => ("same", " "), Kind::Del => ("del", "-"), Kind::Add => ("add", "+") };
                    rows.push(html! { <tr class={cls}><td class="ln">{num(l.old)}</td><td class="ln">{num(l.new)}</td><td class="sign">{sign}</td><td class="txt">{ l.text }</td></tr> });
                }
            }
            Block::Lines(ls) => {
                let mut i = 0;
                while i < ls.len() {
                    if budget == 0 { break 'outer; }
                    if ls[i].kind == Kind::Same {
                        let l = &ls[i];
                        budget -= 1;
                        rows.push(html! { <tr class="same"><td class="ln">{num(l.old)}</td><td class="txt">{l.text}</td><td class="ln">{num(l.new)}</td><td class="txt">{l.text}</td></tr> });
                        i += 1;
                        continue;
                    }
                    let dels: Vec<_> = ls[i..].iter().take_while(|l| l.kind == Kind::Del).collect();
                    i += dels.len();
                    let adds: Vec<_> = ls[i..].iter().take_while(|l| l.kind == Kind::Add).collect();
                    i += adds.len();
                    for k in 0..dels.len().max(adds.len()) {
                        budget = budget.saturating_sub(1);
                        let d = dels.get(k);
                        let a = adds.get(k);
                        rows.push(html! { <tr>
                            <td class={classes!("ln", d.map(|_| "del"))}>{ num(d.and_then(|l| l.old)) }</td>
                            <td class={classes!("txt", d.map(|_| "del"))}>{ d.map(|l| l.text).unwrap_or("") }</td>
                            <td class={classes!("ln", a.map(|_| "add"))}>{ num(a.and_then(|l| l.new)) }</td>
                            <td class={classes!("txt", a.map(|_| "add"))}>{ a.map(|l| l.text).unwrap_or("") }</td>
                        </tr> });
                    }
                }
            }
        }
    }
    let truncated = budget == 0;
    html! {
        <>
        <p class="diff-stats"><span class="plus">{ format!("+{add}") }</span>{" "}<span class="minus">{ format!("−{del}") }</span>
            if truncated { <span class="muted">{ format!(" — showing the first {MAX_DIFF_ROWS} lines; use Output or Download for the rest") }</span> }</p>
        <div class="table-wrap diff-scroll">
            <table class={classes!("diff", split.then_some("split"))} aria-label="Changes">{ for rows }</table>
        </div>
        </>
    }
}
