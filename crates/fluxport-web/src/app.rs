//! The app shell: header, tab bar, the four panels, privacy note and toast. It owns the
//! state more than one view needs (see [`crate::state`]), runs the conversions (in the
//! worker or here) and hands each view its props; the views are in [`crate::components`].
//! All panels stay mounted (hidden when inactive) so the editor, scroll positions and
//! selections survive tab changes.

use crate::browser;
use crate::components::paste::paste_view;
use crate::components::repo::RepoView;
use crate::components::report::Report;
use crate::components::settings::settings;
use crate::components::tabs::tabs;
use crate::editor::{self, Side};
use crate::output::{self, PASTE_PATH};
use crate::state::{AppLink, Msg, Paste, Shared, Src, Tab, Target, UnsafeZip, WorkerAnswer};
use fluxport_archive::Limits as ZipLimits;
use fluxport_core::{convert, Conversion, FileStatus, InputFile, Options};
use gloo_timers::callback::Timeout;
use std::cell::Cell;
use std::rc::Rc;
use yew::prelude::*;

pub(crate) const EXAMPLE: &str = include_str!("example.yaml");
const DEBOUNCE_MS: u32 = 250;

pub struct App {
    tab: Tab,
    options: Options,
    remember: bool,
    /// Hosts of the paste editor and the paste output view, and the views in them
    /// (made once, on the first render).
    input_host: NodeRef,
    output_host: NodeRef,
    input: Option<editor::View>,
    output: Option<editor::View>,
    /// Set while the app itself replaces the editor's text (no `Msg::Input` then).
    quiet: Rc<Cell<bool>>,
    /// A paste line to show once the Paste tab is rendered: (output view?, line, column).
    paste_jump: Option<(bool, usize, usize)>,
    /// The repo file view's scroll target (`Msg::Open` of a repo finding).
    target: Option<Target>,
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
    /// The request whose conversion is shown (`repo_seq` once its answer arrived).
    repo_shown: u32,
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
    /// Zips of the latest upload an unsafe entry kept out (for "load the N safe entries").
    unsafe_zips: Vec<UnsafeZip>,
    /// Zip entries left out as unsafe when the user loaded a zip's safe entries, with
    /// why: each is a PATH_NOT_READ finding in the repo's report (core
    /// `Report::add_not_read`, as the CLI reports what it could not read).
    not_read: Vec<(String, String)>,
    selected: Option<String>,
    report_src: Src,
    toast: Option<String>,
}

impl Component for App {
    type Message = Msg;
    type Properties = ();

    fn create(ctx: &Context<Self>) -> Self {
        let link = ctx.link().clone();
        WORKER_SINK.with(|s| *s.borrow_mut() = Some(Callback::from(move |m| link.send_message(m))));
        let link = ctx.link().clone();
        browser::catch_page_drops(move |entries, files| {
            link.send_message(Msg::PageDrop(entries, files))
        });
        let saved = browser::load_settings();
        let options = saved
            .as_deref()
            .and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or_default();
        App {
            tab: Tab::Paste,
            options,
            remember: saved.is_some(),
            input_host: NodeRef::default(),
            output_host: NodeRef::default(),
            input: None,
            output: None,
            quiet: Rc::new(Cell::new(false)),
            paste_jump: None,
            target: None,
            debounce: None,
            paste: None,
            first_convert_done: false,
            paste_count: 0,
            paste_seq: 0,
            paste_text: String::new(),
            paste_shown_t0: None,
            renders: 0,
            repo_seq: 0,
            repo_shown: 0,
            repo_sent: None,
            repo_t0: 0.0,
            inputs: Vec::new(),
            originals: Default::default(),
            repo: None,
            repo_ms: 0.0,
            loading: false,
            notices: Vec::new(),
            unsafe_zips: Vec::new(),
            not_read: Vec::new(),
            selected: None,
            report_src: Src::Paste,
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
                // Sent to the worker: nothing on the page changes until the answer (a
                // render here would land among the next keystrokes of a large paste).
                self.convert_paste()
            }
            Msg::PasteDone(answer) => {
                let (id, json, panic, ms) = (answer.id, answer.json, answer.panic, answer.ms);
                if id != self.paste_seq {
                    return false; // a newer request is on its way
                }
                self.paste_shown_t0 = Some(browser::now());
                match (json, panic) {
                    (Some(json), _) => {
                        let t0 = browser::now();
                        let text = &self.paste_text;
                        let input = |p: &str| (p == PASTE_PATH).then(|| text.as_bytes().to_vec());
                        match crate::wire::decode(&json, input) {
                            Ok(conv) => {
                                browser::mark("paste-in", "worker");
                                if !conv.preflight.running {
                                    // Else kept until the pre-flight arrives: if the
                                    // worker dies first, the page converts the text itself.
                                    self.paste_text = String::new();
                                }
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
            Msg::RepoDone(answer) => {
                let (id, json, panic, ms) = (answer.id, answer.json, answer.panic, answer.ms);
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
                                let running = conv.preflight.running;
                                self.show_repo(conv);
                                if running {
                                    // Kept until the pre-flight arrives: if the worker
                                    // dies first, the page converts the request itself.
                                    self.repo_sent = Some(sent);
                                }
                            }
                            Err(e) => crate::panic::show(&format!("worker answer unreadable: {e}")),
                        }
                    }
                    (None, Some(msg)) => crate::panic::show(&msg),
                    (None, None) => self.convert_repo_here(&sent),
                }
                true
            }
            Msg::PreflightDone(answer) => {
                let (id, json, panic, ms) = (answer.id, answer.json, answer.panic, answer.ms);
                if id != self.repo_seq {
                    return false; // the pre-flight of an older request, or a cleared repo
                }
                let Some(conv) = self.repo.as_mut() else {
                    return false;
                };
                self.repo_sent = None;
                match (json, panic) {
                    (Some(json), _) => {
                        match crate::wire::decode_preflight(&json, Rc::make_mut(conv)) {
                            Ok(()) => {
                                browser::mark("preflight-ms", &format!("{ms:.1}"));
                                browser::mark("preflight", "done");
                            }
                            Err(e) => crate::panic::show(&format!("worker answer unreadable: {e}")),
                        }
                    }
                    (None, Some(msg)) => crate::panic::show(&msg),
                    (None, None) => {}
                }
                true
            }
            Msg::PastePreflightDone(answer) => {
                let (id, json, panic, ms) = (answer.id, answer.json, answer.panic, answer.ms);
                if id != self.paste_seq {
                    return false; // the pre-flight of an older paste: a newer one is on its way
                }
                let Some(shown) = self.paste.take() else {
                    return false;
                };
                self.paste_text = String::new();
                // A new `Rc` (the views compare it by identity).
                let mut p = Rc::try_unwrap(shown).unwrap_or_else(|rc| (*rc).clone());
                match (json, panic) {
                    (Some(json), _) => match crate::wire::decode_preflight(&json, &mut p.conv) {
                        Ok(()) => {
                            browser::mark("paste-preflight-ms", &format!("{ms:.1}"));
                            browser::mark("paste-preflight", "done");
                            self.mark_paste_output(&p.conv, &output::paste_output_map(&p.conv).1);
                        }
                        Err(e) => crate::panic::show(&format!("worker answer unreadable: {e}")),
                    },
                    (None, Some(msg)) => crate::panic::show(&msg),
                    (None, None) => {}
                }
                self.paste = Some(Rc::new(p));
                true
            }
            Msg::LoadExample => {
                self.fill_editor(EXAMPLE);
                true
            }
            Msg::PasteFile(text) => {
                self.fill_editor(&text);
                true
            }
            Msg::PageDrop(entries, files) => {
                // On Paste, one dropped YAML file fills the editor; anything else (several
                // files, a folder, a zip) is an upload, as on the Repo tab's drop zone.
                let yaml = |name: &str| {
                    let n = name.to_ascii_lowercase();
                    n.ends_with(".yaml") || n.ends_with(".yml")
                };
                let one_yaml = match (&entries[..], &files[..]) {
                    ([e], []) => e.is_file() && yaml(&e.name()),
                    ([], [f]) => yaml(&f.name()),
                    _ => false,
                };
                if self.tab == Tab::Paste && one_yaml {
                    let link = ctx.link().clone();
                    wasm_bindgen_futures::spawn_local(async move {
                        let file = match entries.into_iter().next() {
                            Some(e) => browser::entry_files(e)
                                .await
                                .ok()
                                .and_then(|v| v.into_iter().next())
                                .map(|(_, f)| f),
                            None => files.into_iter().next(),
                        };
                        if let Some(f) = file {
                            match browser::read_file(&f).await {
                                Ok(b) => link.send_message(Msg::PasteFile(
                                    String::from_utf8_lossy(&b).into_owned(),
                                )),
                                Err(e) => browser::console_log(&e),
                            }
                        }
                    });
                    false
                } else {
                    self.tab = Tab::Repo;
                    ctx.link().send_message(Msg::Drop(entries, files));
                    true
                }
            }
            Msg::Open {
                src,
                file,
                line,
                column,
                side,
            } => {
                match src {
                    Src::Paste => {
                        self.tab = Tab::Paste;
                        self.report_src = Src::Paste;
                        self.paste_jump = match side {
                            Side::Input => (file == PASTE_PATH).then_some((false, line, column)),
                            Side::Output => self
                                .paste
                                .as_ref()
                                .and_then(|p| output::paste_output_line(&p.conv, &file, line))
                                .map(|l| (true, l, column)),
                        };
                    }
                    Src::Repo => {
                        let seq = self.target.as_ref().map_or(1, |t| t.seq + 1);
                        self.selected = Some(file.clone());
                        self.tab = Tab::Repo;
                        self.report_src = Src::Repo;
                        self.target = Some(Target {
                            seq,
                            file,
                            line,
                            column,
                            side,
                        });
                    }
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
                    let (inputs, notes, zips) = read_all(named, folder || any_rel).await;
                    link.send_message(Msg::Loaded(inputs, notes, zips, t0));
                });
                true
            }
            Msg::Drop(entries, files) => {
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
                    let (inputs, mut more, zips) = read_all(named, any_dir).await;
                    notes.append(&mut more);
                    link.send_message(Msg::Loaded(inputs, notes, zips, t0));
                });
                true
            }
            Msg::LoadSafe(i) => {
                if i >= self.unsafe_zips.len() {
                    return false;
                }
                let z = self.unsafe_zips.remove(i);
                let (files, note, skipped) = safe_entries(&z);
                self.not_read.extend(skipped);
                // The upload's other notices stay; this zip's rejection gives way to
                // what was loaded and what was left out.
                let mine = format!("{}: ", z.name);
                let mut notes: Vec<String> = self
                    .notices
                    .iter()
                    .filter(|n| !n.starts_with(&mine))
                    .cloned()
                    .collect();
                notes.extend(note);
                let zips = std::mem::take(&mut self.unsafe_zips);
                ctx.link()
                    .send_message(Msg::Loaded(files, notes, zips, browser::now()));
                false
            }
            Msg::Loaded(files, notes, zips, t0) => {
                self.loading = false;
                self.notices = notes;
                self.unsafe_zips = zips;
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
            Msg::Select(p) => {
                self.selected = Some(p);
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
                self.unsafe_zips.clear();
                self.not_read.clear();
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
            Msg::DownloadYaml => {
                if let Some(p) = &self.paste {
                    if output::paste_failed(&p.conv).is_none() {
                        let text = output::paste_output(&p.conv);
                        browser::download("fluxport-v2.yaml", text.as_bytes(), "application/yaml");
                    }
                }
                false
            }
            Msg::Copy(text) => {
                let link = ctx.link().clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let r = browser::copy_text(&text).await;
                    link.send_message(Msg::Copied(r));
                });
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

    fn rendered(&mut self, ctx: &Context<Self>, first: bool) {
        if first {
            self.make_views(ctx);
        }
        if let Some((out, line, col)) = self.paste_jump.take() {
            if let Some(v) = if out { &self.output } else { &self.input } {
                editor::jump(v, line, col);
            }
        }
        self.renders += 1;
        browser::mark("renders", &self.renders.to_string());
        if let Some(t0) = self.paste_shown_t0.take() {
            browser::mark("paste-render-ms", &format!("{:.1}", browser::now() - t0));
        }
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let app = AppLink(link.clone());
        let paste = self.paste.clone().map(Shared);
        let repo = self.repo.clone().map(Shared);
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
                { tabs(link, self.tab, self.status_line()) }
                <main>
                    <section id="panel-paste" role="tabpanel" aria-labelledby="tab-paste" hidden={self.tab != Tab::Paste}>{ paste_view(link, self.tab == Tab::Paste, self.paste.as_deref(), &self.input_host, &self.output_host) }</section>
                    <section id="panel-repo" role="tabpanel" aria-labelledby="tab-repo" hidden={self.tab != Tab::Repo}><RepoView active={self.tab == Tab::Repo} repo={repo.clone()} selected={self.selected.clone()}
                        target={self.target.clone()} before={self.selected_before()} notices={self.notices.clone()}
                        offers={self.unsafe_zips.iter().map(|z| (z.name.clone(), z.safe)).collect::<Vec<_>>()} app={app.clone()} /></section>
                    <section id="panel-report" role="tabpanel" aria-labelledby="tab-report" hidden={self.tab != Tab::Report}><Report active={self.tab == Tab::Report} {paste} {repo} src={self.report_src} {app} /></section>
                    <section id="panel-settings" role="tabpanel" aria-labelledby="tab-settings" hidden={self.tab != Tab::Settings}>{ settings(link, &self.options, self.remember) }</section>
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
    let done = if repo { Msg::RepoDone } else { Msg::PasteDone };
    deliver(done(WorkerAnswer {
        id,
        json,
        panic,
        ms,
    }));
}

/// The worker's pre-flight of paste or repo request `id` (web/boot.js, after
/// [`worker_done`]).
pub fn worker_preflight_done(
    repo: bool,
    id: u32,
    json: Option<String>,
    panic: Option<String>,
    ms: f64,
) {
    let done = if repo {
        Msg::PreflightDone
    } else {
        Msg::PastePreflightDone
    };
    deliver(done(WorkerAnswer {
        id,
        json,
        panic,
        ms,
    }));
}

fn deliver(m: Msg) {
    let sink = WORKER_SINK.with(|s| s.borrow().clone());
    if let Some(cb) = sink {
        cb.emit(m);
    }
}

/// Reads named files; expands `.zip` archives; strips one top-level folder shared by
/// every file when `strip_top` (the uploaded folder is the repository root).
async fn read_all(
    named: Vec<(String, web_sys::File)>,
    strip_top: bool,
) -> (Vec<InputFile>, Vec<String>, Vec<UnsafeZip>) {
    let mut out = Vec::new();
    let mut notes = Vec::new();
    let mut zips = Vec::new();
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
                Ok(entries) if entries.is_empty() => {
                    notes.push(format!("{path}: This zip is empty: it holds no files."))
                }
                Ok(entries) => {
                    let mut files: Vec<InputFile> = entries
                        .into_iter()
                        .map(|e| InputFile::new(output::clean_path(&e.path), e.bytes))
                        .collect();
                    strip_common_top(&mut files);
                    out.extend(files);
                }
                Err(e) => {
                    notes.push(format!("{path}: {e}"));
                    if let fluxport_archive::Error::UnsafePath { safe, .. } = e {
                        zips.push(UnsafeZip {
                            name: path.clone(),
                            bytes,
                            safe,
                        });
                    }
                }
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
    (out, notes, zips)
}

/// The safe entries of a zip an unsafe entry kept out, and a notice naming each entry
/// left out and why ("load the N safe entries"), and each entry left out with why (for
/// the report: `App::not_read`).
fn safe_entries(z: &UnsafeZip) -> (Vec<InputFile>, Vec<String>, Vec<(String, String)>) {
    match fluxport_archive::read_zip_skipping_unsafe(&z.bytes, &ZipLimits::default()) {
        Ok((entries, skipped)) => {
            let mut files: Vec<InputFile> = entries
                .into_iter()
                .map(|e| InputFile::new(output::clean_path(&e.path), e.bytes))
                .collect();
            strip_common_top(&mut files);
            let left_out: Vec<String> = skipped
                .iter()
                .map(|(name, why)| format!("\"{name}\" ({why})"))
                .collect();
            let note = format!(
                "{}: loaded its {} safe {}; left out, unsafe: {}.",
                z.name,
                files.len(),
                if files.len() == 1 { "entry" } else { "entries" },
                left_out.join(", ")
            );
            let not_read = skipped
                .into_iter()
                .map(|(name, why)| {
                    (
                        name,
                        format!("entry of {}, left out as unsafe ({why})", z.name),
                    )
                })
                .collect();
            (files, vec![note], not_read)
        }
        Err(e) => (Vec::new(), vec![format!("{}: {e}", z.name)], Vec::new()),
    }
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
    /// True when the page has a new conversion to show (converted here).
    fn convert_paste(&mut self) -> bool {
        let Some(v) = &self.input else {
            return false;
        };
        let text = editor::text(v);
        let selftest =
            browser::window().location().hash().ok().as_deref() == Some("#selftest-panic");
        let options = serde_json::to_string(&self.options).unwrap_or_default();
        self.paste_seq += 1;
        if browser::worker_post(self.paste_seq, &text, &options, selftest) {
            self.paste_text = text;
            false
        } else {
            if selftest && text.contains("fluxport-selftest-panic") {
                panic!("self-test panic requested (#selftest-panic)");
            }
            self.convert_paste_here(&text);
            true
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
        let (out, starts) = output::paste_output_map(&conv);
        if !self.first_convert_done {
            self.first_convert_done = true;
            browser::mark("first-convert-at", &format!("{:.1}", browser::now()));
        }
        browser::mark("paste-ms", &format!("{ms:.1}"));
        browser::mark("paste-page-ms", &format!("{page_ms:.1}"));
        self.paste_count += 1;
        browser::mark("paste-count", &self.paste_count.to_string());
        // The findings as markers: conversion findings on the editor's lines, pre-flight
        // findings on the output's (mapped into the pane's concatenated files).
        if let Some(v) = &self.input {
            editor::set_marks(
                v,
                conv.report
                    .findings
                    .iter()
                    .filter(|f| f.file == PASTE_PATH)
                    .map(|f| (f, f.line)),
            );
        }
        if let Some(v) = &self.output {
            editor::set_text(v, &out);
        }
        self.mark_paste_output(&conv, &starts);
        drop(starts);
        browser::mark(
            "paste-preflight",
            if conv.preflight.running {
                "running"
            } else {
                "done"
            },
        );
        self.paste = Some(Rc::new(Paste { conv, ms }));
    }

    /// The pre-flight findings as markers on the paste output's lines (mapped into the
    /// pane's concatenated files); none while the pre-flight runs.
    /// `starts`: [`output::paste_output_map`]'s file starts.
    fn mark_paste_output(&self, conv: &Conversion, starts: &[(&str, usize)]) {
        if let Some(v) = &self.output {
            editor::set_marks(
                v,
                conv.preflight
                    .findings
                    .iter()
                    .filter_map(|f| output::line_in_pane(starts, &f.file, f.line).map(|l| (f, l))),
            );
        }
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

    fn show_repo(&mut self, mut conv: Conversion) {
        conv.report.add_not_read(&conv.files, &self.not_read);
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
        browser::mark(
            "preflight",
            if conv.preflight.running {
                "running"
            } else {
                "done"
            },
        );
        self.repo = Some(Rc::new(conv));
        self.repo_shown = self.repo_seq;
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

    /// The uploaded text of the selected file ("" for a new file or one not in UTF-8).
    fn selected_before(&self) -> Rc<str> {
        let before = self
            .selected
            .as_ref()
            .and_then(|p| self.originals.get(p))
            .map(|&i| &self.inputs[i].bytes[..])
            .unwrap_or(&[]);
        std::str::from_utf8(before).unwrap_or("").into()
    }

    /// Puts `text` in the editor and converts it (Load example, a YAML file dropped on Paste).
    fn fill_editor(&mut self, text: &str) {
        if let Some(v) = &self.input {
            self.quiet.set(true);
            editor::set_text(v, text);
            self.quiet.set(false);
        }
        self.debounce = None;
        self.tab = Tab::Paste;
        self.report_src = Src::Paste;
        self.convert_paste();
    }

    /// Makes the paste editor and output view in their hosts (first render).
    fn make_views(&mut self, ctx: &Context<Self>) {
        let (Some(ih), Some(oh)) = (
            self.input_host.cast::<web_sys::Element>(),
            self.output_host.cast::<web_sys::Element>(),
        ) else {
            return;
        };
        let link = ctx.link().clone();
        let quiet = self.quiet.clone();
        self.input = Some(editor::editor(
            &ih,
            false,
            "Flux v1 YAML",
            "input",
            "Paste Flux v1 manifests here (HelmRelease, Kustomization, annotated workloads…), or press “Load example”.",
            Some(Box::new(move || {
                if !quiet.get() {
                    link.send_message(Msg::Input)
                }
            })),
        ));
        self.output = Some(editor::editor(
            &oh,
            true,
            "Flux v2 YAML",
            "output-text",
            "",
            None,
        ));
    }

    fn status_line(&self) -> String {
        if self.loading {
            return "Reading files…".into();
        }
        // A request is out and its conversion is not shown yet (while only its
        // pre-flight runs, its counts are shown).
        let preflight_running = self.repo.as_ref().is_some_and(|r| r.preflight.running);
        if self.repo_sent.is_some() && self.tab == Tab::Repo && self.repo_shown != self.repo_seq {
            return format!("Converting {} files…", self.inputs.len());
        }
        match (self.tab, &self.paste, &self.repo) {
            (Tab::Repo, _, Some(r)) => {
                let c = &r.report.counts;
                format!(
                    "{} files: {} converted, {} unchanged, {} new, {} deleted, {} failed ({:.0} ms){}",
                    c.files,
                    c.converted,
                    c.unchanged,
                    c.new,
                    c.deleted,
                    c.failed,
                    self.repo_ms,
                    if preflight_running { "; pre-flight running…" } else { "" }
                )
            }
            (Tab::Paste, Some(p), _) => match output::paste_failed(&p.conv) {
                Some(errors) => format!(
                    "Not converted: {} ({:.0} ms)",
                    crate::components::plural(errors, "error"),
                    p.ms
                ),
                None => format!(
                    "Converted in {:.0} ms{}",
                    p.ms,
                    if p.conv.preflight.running {
                        "; pre-flight running…"
                    } else {
                        ""
                    }
                ),
            },
            _ => String::new(),
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
