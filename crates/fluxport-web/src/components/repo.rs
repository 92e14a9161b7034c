//! The Repo tab: the drop zone and pickers, notices, the file tree, and the selected
//! file's diff (a CodeMirror merge view: side by side or unified) or output (a
//! read-only CodeMirror view) with its findings and pre-flight findings as markers,
//! scrolled to a finding's line when one is opened (`Msg::Open`).

use super::file_tree::FileTree;
use super::findings::findings_list;
use super::notices::notices;
use super::{plural, status_label, status_str};
use crate::browser;
use crate::editor::{self, Side};
use crate::state::{AppLink, Msg, Shared, Src, Target};
use fluxport_core::{Conversion, FileStatus, Finding};
use std::rc::Rc;
use web_sys::{DragEvent, Element, HtmlInputElement};
use yew::prelude::*;

/// How the selected file is shown.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum View {
    Unified,
    Split,
    Output,
}

#[derive(Properties, PartialEq)]
pub struct RepoProps {
    pub active: bool,
    pub repo: Option<Shared<Conversion>>,
    pub selected: Option<String>,
    /// Where to scroll the file view (a finding opened from a list or the report).
    pub target: Option<Target>,
    /// The uploaded text of the selected file ("" when there is none or it is not UTF-8).
    pub before: Rc<str>,
    pub notices: Vec<String>,
    /// (zip name, safe entries) of each zip of the upload an unsafe entry kept out.
    pub offers: Vec<(String, usize)>,
    pub app: AppLink,
}

pub enum RepoMsg {
    DragOver(bool),
    Drop(Vec<web_sys::FileSystemEntry>, Vec<web_sys::File>),
    View(View),
    DownloadFile,
    CopyFile,
}

/// Narrower windows (CSS px) start in the unified view: side by side would leave each
/// column too narrow (CodeMirror never wraps YAML; the view scrolls sideways).
const SPLIT_MIN_WIDTH: f64 = 900.0;

pub struct RepoView {
    drag: bool,
    view: View,
    /// The diff mode a jump to an input line switches to from Output.
    diff_mode: View,
    host: NodeRef,
    /// The CodeMirror view in `host`, and what it shows (file, mode, conversion, host).
    cm: Option<(editor::View, (String, View, usize, Element))>,
    /// The `Target::seq` last scrolled to.
    shown_seq: u32,
}

impl Component for RepoView {
    type Message = RepoMsg;
    type Properties = RepoProps;

    fn create(_ctx: &Context<Self>) -> Self {
        let wide = browser::window()
            .inner_width()
            .ok()
            .and_then(|w| w.as_f64())
            .is_some_and(|w| w >= SPLIT_MIN_WIDTH);
        let mode = if wide { View::Split } else { View::Unified };
        RepoView {
            drag: false,
            view: mode,
            diff_mode: mode,
            host: NodeRef::default(),
            cm: None,
            shown_seq: 0,
        }
    }

    fn changed(&mut self, ctx: &Context<Self>, _old: &RepoProps) -> bool {
        // An input line is not in the Output view of a converted file: show the diff.
        if let Some(t) = &ctx.props().target {
            if t.seq != self.shown_seq && t.side == Side::Input && self.view == View::Output {
                self.view = self.diff_mode;
            }
        }
        true
    }

    fn rendered(&mut self, ctx: &Context<Self>, _first: bool) {
        self.sync_view(ctx);
    }

    fn destroy(&mut self, _ctx: &Context<Self>) {
        if let Some((v, _)) = self.cm.take() {
            editor::destroy(&v);
        }
    }

    fn update(&mut self, ctx: &Context<Self>, msg: RepoMsg) -> bool {
        match msg {
            RepoMsg::DragOver(on) => {
                let changed = self.drag != on;
                self.drag = on;
                changed
            }
            RepoMsg::Drop(entries, files) => {
                self.drag = false;
                ctx.props().app.send_message(Msg::Drop(entries, files));
                true
            }
            RepoMsg::View(v) => {
                self.view = v;
                if v != View::Output {
                    self.diff_mode = v;
                }
                true
            }
            RepoMsg::DownloadFile => {
                if let Some(f) = selected_file(ctx.props()) {
                    let name = f.path.rsplit('/').next().unwrap_or("file.yaml").to_string();
                    browser::download(&name, &f.bytes, "application/yaml");
                }
                false
            }
            RepoMsg::CopyFile => {
                if let Some(f) = selected_file(ctx.props()) {
                    let text = f.text().to_string();
                    let app = ctx.props().app.clone();
                    wasm_bindgen_futures::spawn_local(async move {
                        let r = browser::copy_text(&text).await;
                        app.send_message(Msg::Copied(r));
                    });
                }
                false
            }
        }
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let RepoProps {
            active,
            repo,
            selected,
            notices: notes,
            offers,
            app,
            ..
        } = ctx.props();
        let on_files = app.callback(|e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let files = file_list(&input);
            input.set_value("");
            Msg::Files(files, false)
        });
        let on_folder = app.callback(|e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let files = file_list(&input);
            input.set_value("");
            Msg::Files(files, true)
        });
        let ondragover = link.callback(|e: DragEvent| {
            e.prevent_default();
            RepoMsg::DragOver(true)
        });
        let ondragleave = link.callback(|_: DragEvent| RepoMsg::DragOver(false));
        let ondrop = link.callback(|e: DragEvent| {
            e.prevent_default();
            let (entries, files) = browser::dropped(&e);
            RepoMsg::Drop(entries, files)
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
                    { notices(app, notes, offers) }
                    if let Some(r) = repo {
                        <div class="tree-head">
                            <span>{ format!("{} files", r.files.len()) }</span>
                            <span class="grow"></span>
                            <button class="btn small primary" data-testid="download-zip" onclick={app.callback(|_| Msg::DownloadZip)}>{"Download all (.zip)"}</button>
                            <button class="btn small" onclick={app.callback(|_| Msg::ClearRepo)}>{"Clear"}</button>
                        </div>
                        <FileTree repo={r.clone()} selected={selected.clone()} active={*active} app={app.clone()} />
                    } else {
                        <button class="btn small primary" data-testid="download-zip" disabled=true>{"Download all (.zip)"}</button>
                    }
                </aside>
                <div class="repo-main">{ self.file_view(ctx) }</div>
            </div>
        }
    }
}

impl RepoView {
    fn file_view(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let RepoProps {
            active, repo, app, ..
        } = ctx.props();
        let active = *active;
        let Some(f) = selected_file(ctx.props()) else {
            return html! { <div class="placeholder"><h2>{"Convert a whole GitOps repository"}</h2>
            <p>{"Upload the manifests of a Flux v1 repository: individual files, a folder, or a .zip. Every file is converted together (sources are shared, sync roots honoured), and you can review each change before downloading the result."}</p></div> };
        };
        let r = repo.as_ref().unwrap();
        let findings: Vec<Finding> = r
            .report
            .findings
            .iter()
            .filter(|x| x.file == f.path)
            .cloned()
            .collect();
        let preflight: Vec<Finding> = r
            .preflight
            .findings
            .iter()
            .filter(|x| x.file == f.path)
            .cloned()
            .collect();
        let vbtn = |v: View, label: &'static str| {
            html! { <button class={classes!("seg", (self.view == v).then_some("active"))} aria-pressed={(self.view == v).to_string()}
            onclick={link.callback(move |_| RepoMsg::View(v))}>{label}</button> }
        };
        let errors = findings
            .iter()
            .filter(|x| x.severity == fluxport_core::Severity::Error)
            .count();
        let body = match (self.view, f.status) {
            (View::Output, _) | (_, FileStatus::Unchanged | FileStatus::Failed) => html! {
                <>
                if f.status == FileStatus::Failed { <p class="notice" role="status" data-testid="failed-notice">{ format!("Not converted: {}. The file is passed through byte for byte; fix the finding below and convert again.", plural(errors, "error")) }</p> }
                if f.status == FileStatus::Unchanged && self.view != View::Output { <p class="muted">{"No changes: this file is passed through byte for byte."}</p> }
                <div class="cm-host output file-output" ref={self.host.clone()} data-testid={if active {"output"} else {"repo-output"}} />
                </>
            },
            // Why it goes: each finding on the file, with its code.
            (_, FileStatus::Deleted) => html! {
                <div class="deleted-why" data-testid="deleted-why">
                    <p class="muted">{"This file is removed by the migration and left out of the download."}</p>
                    <ul>{ for findings.iter().map(|x| html! {
                        <li data-code={x.code.as_str()}><code>{ x.code.as_str() }</code>{": "}{ fluxport_core::text::visible(&x.message).into_owned() }</li>
                    }) }</ul>
                </div>
            },
            // The merge view (its +/− line counts above it, written by web/editor.js).
            (v, _) => {
                html! { <div class="cm-host diff" ref={self.host.clone()} data-testid="diff" data-mode={if v == View::Split {"split"} else {"unified"}} /> }
            }
        };
        html! {
            <>
            <div class="file-head">
                <span class={classes!("badge", status_str(f.status))}>{ status_label(f.status, errors) }</span>
                <code class="path">{ &f.path }</code>
                <span class="grow"></span>
                <div class="segmented" role="group" aria-label="View">
                    { vbtn(View::Unified, "Unified") }{ vbtn(View::Split, "Side by side") }{ vbtn(View::Output, "Output") }
                </div>
                <button class="btn small" disabled={f.status == FileStatus::Deleted} onclick={link.callback(|_| RepoMsg::CopyFile)}>{"Copy"}</button>
                <button class="btn small" disabled={f.status == FileStatus::Deleted} onclick={link.callback(|_| RepoMsg::DownloadFile)}>{"Download"}</button>
            </div>
            <div class="diff-wrap">{ body }</div>
            if !findings.is_empty() {
                <h2 class="section-title">{ format!("Findings in this file ({})", findings.len()) }</h2>
                { findings_list(app, &findings, false, Src::Repo, Side::Input, false) }
            }
            if !preflight.is_empty() {
                <h2 class="section-title">{ format!("Pre-flight findings in this file ({})", preflight.len()) }</h2>
                { findings_list(app, &preflight, false, Src::Repo, Side::Output, false) }
            }
            </>
        }
    }
}

impl RepoView {
    /// Keeps the CodeMirror view in the host in step with the selected file and mode
    /// (made again only when one of them, the conversion or the host changed), then
    /// scrolls to a new target.
    fn sync_view(&mut self, ctx: &Context<Self>) {
        let p = ctx.props();
        let host = self.host.cast::<Element>();
        let file = selected_file(p).filter(|f| f.status != FileStatus::Deleted);
        let (Some(host), Some(f), Some(r)) = (host, file, p.repo.as_ref()) else {
            if let Some((v, _)) = self.cm.take() {
                editor::destroy(&v);
            }
            return;
        };
        let mode = match f.status {
            FileStatus::Unchanged | FileStatus::Failed => View::Output,
            _ => self.view,
        };
        let key = (
            f.path.clone(),
            mode,
            Rc::as_ptr(&r.0) as usize,
            host.clone(),
        );
        if self.cm.as_ref().map(|(_, k)| k) != Some(&key) {
            if let Some((v, _)) = self.cm.take() {
                editor::destroy(&v);
            }
            let on_input = r.report.findings.iter().filter(|x| x.file == f.path);
            let on_output = r.preflight.findings.iter().filter(|x| x.file == f.path);
            let v = if mode == View::Output {
                let v = editor::editor(
                    &host,
                    true,
                    &format!("Output: {}", f.path),
                    "file-text",
                    "",
                    None,
                );
                editor::set_text(&v, f.text());
                // A file passed through: its input lines are its output lines.
                let same = f.status != FileStatus::Converted && f.status != FileStatus::New;
                let marks: Vec<_> = on_output
                    .chain(on_input.filter(|_| same))
                    .map(|x| (x, x.line))
                    .collect();
                editor::set_marks(&v, marks);
                v
            } else {
                editor::diff(
                    &host,
                    &p.before,
                    f.text(),
                    mode == View::Split,
                    on_input.map(|x| (x, x.line)),
                    on_output.map(|x| (x, x.line)),
                )
            };
            self.cm = Some((v, key));
        }
        if let (Some(t), Some((v, (_, mode, _, _)))) = (&p.target, &self.cm) {
            if t.seq != self.shown_seq && t.file == f.path {
                self.shown_seq = t.seq;
                if *mode == View::Output {
                    editor::jump(v, t.line, t.column);
                } else {
                    editor::jump_diff(v, t.side, t.line, t.column);
                }
            }
        }
    }
}

fn selected_file(p: &RepoProps) -> Option<&fluxport_core::OutputFile> {
    let r = p.repo.as_ref()?;
    r.file(p.selected.as_deref()?)
}

fn file_list(input: &HtmlInputElement) -> Vec<web_sys::File> {
    input
        .files()
        .map(|fl| (0..fl.length()).filter_map(|i| fl.get(i)).collect())
        .unwrap_or_default()
}
