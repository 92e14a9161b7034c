//! The uploaded files as a WAI-ARIA tree (APG "Tree View"), under the whole tree's
//! pre-flight summary, a search box, status and severity filters, "N of M files" and
//! "previous / next file with findings" (shortcuts `[` / `]`). Each file shows its status,
//! number of findings and pre-flight status; Enter, Space or a click opens it.
//!
//! One Tab stop (roving tabindex: only the focused row has `tabindex=0`); the keys and
//! the filtering are the pure [`crate::tree`]. A component: the open folders, the focus,
//! the search and the filters are its own state (no other view needs them).

use super::preflight::{status_class, status_text};
use super::{status_label, status_str};
use crate::browser;
use crate::state::{AppLink, Msg, Shared};
use crate::tree::{Action, Filter, Kind, Tree, TreeFile};
use fluxport_core::{Conversion, FileStatus, Finding, Severity};
use std::collections::{HashMap, HashSet};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// Type-ahead: keys closer than this (ms) add to the text typed so far.
const TYPE_AHEAD_MS: f64 = 700.0;

const STATUSES: [FileStatus; 5] = [
    FileStatus::Converted,
    FileStatus::Unchanged,
    FileStatus::New,
    FileStatus::Deleted,
    FileStatus::Failed,
];
const SEVERITIES: [(Severity, &str); 3] = [
    (Severity::Error, "error"),
    (Severity::Warning, "warning"),
    (Severity::Info, "info"),
];

#[derive(Properties, PartialEq)]
pub struct FileTreeProps {
    pub repo: Shared<Conversion>,
    pub selected: Option<String>,
    /// The Repo tab is showing (the `[` / `]` shortcuts work only then).
    pub active: bool,
    pub app: AppLink,
}

pub enum TreeMsg {
    Key(KeyboardEvent),
    /// A row got the focus (click, or a key); its node key.
    Focused(String),
    Toggle(usize),
    Open(usize),
    Query(String),
    Status(Option<FileStatus>),
    Severity(Option<Severity>),
    /// Previous (`false`) or next file with findings; `true` when from a shortcut.
    Jump(bool, bool),
}

pub struct FileTree {
    /// Built from `repo` (rebuilt when it changes).
    tree: Tree,
    collapsed: HashSet<String>,
    /// The focused row's node key (the tab stop).
    focus: Option<String>,
    filter: Filter,
    typed: String,
    typed_at: f64,
    /// Move the DOM focus to the tab stop after the next render.
    want_focus: bool,
    tree_ref: NodeRef,
    /// The document's `[` / `]` listener (removed when the tree goes).
    shortcuts: Option<Closure<dyn Fn(KeyboardEvent)>>,
}

fn build(r: &Conversion) -> Tree {
    let mut sev: HashMap<&str, Vec<Severity>> = HashMap::new();
    let mut n: HashMap<&str, usize> = HashMap::new();
    for f in r.report.findings.iter().chain(&r.preflight.findings) {
        sev.entry(f.file.as_str()).or_default().push(f.severity);
        *n.entry(f.file.as_str()).or_default() += 1;
    }
    Tree::new(
        r.files
            .iter()
            .map(|f| TreeFile {
                path: f.path.clone(),
                status: f.status,
                findings: n.get(f.path.as_str()).copied().unwrap_or(0),
                severities: sev.remove(f.path.as_str()).unwrap_or_default(),
            })
            .collect(),
    )
}

impl Component for FileTree {
    type Message = TreeMsg;
    type Properties = FileTreeProps;

    fn create(ctx: &Context<Self>) -> Self {
        let cb = ctx.link().batch_callback(|e: KeyboardEvent| {
            let forward = match e.key().as_str() {
                "]" => true,
                "[" => false,
                _ => return None,
            };
            if e.ctrl_key() || e.meta_key() || e.alt_key() || typing_in(&e) {
                return None;
            }
            e.prevent_default();
            Some(TreeMsg::Jump(forward, true))
        });
        let listener = Closure::<dyn Fn(KeyboardEvent)>::new(move |e| cb.emit(e));
        let _ = browser::document()
            .add_event_listener_with_callback("keydown", listener.as_ref().unchecked_ref());
        let mut me = FileTree {
            tree: build(&ctx.props().repo),
            collapsed: HashSet::new(),
            focus: None,
            filter: Filter::default(),
            typed: String::new(),
            typed_at: 0.0,
            want_focus: false,
            tree_ref: NodeRef::default(),
            shortcuts: Some(listener),
        };
        me.reveal(ctx.props().selected.as_deref());
        me
    }

    fn changed(&mut self, ctx: &Context<Self>, old: &FileTreeProps) -> bool {
        let p = ctx.props();
        if p.repo != old.repo {
            self.tree = build(&p.repo);
        }
        if p.selected != old.selected {
            self.reveal(p.selected.as_deref());
        }
        true
    }

    fn destroy(&mut self, _ctx: &Context<Self>) {
        if let Some(l) = self.shortcuts.take() {
            let _ = browser::document()
                .remove_event_listener_with_callback("keydown", l.as_ref().unchecked_ref());
        }
    }

    fn update(&mut self, ctx: &Context<Self>, msg: TreeMsg) -> bool {
        match msg {
            TreeMsg::Key(e) => self.key(ctx, e),
            TreeMsg::Focused(key) => {
                let changed = self.focus.as_deref() != Some(key.as_str());
                self.focus = Some(key);
                changed
            }
            TreeMsg::Toggle(id) => {
                let key = self.tree.nodes[id].key.clone();
                if !self.collapsed.remove(&key) {
                    self.collapsed.insert(key.clone());
                }
                self.focus = Some(key);
                self.want_focus = true;
                true
            }
            TreeMsg::Open(id) => {
                self.open(ctx, id);
                true
            }
            TreeMsg::Query(q) => {
                // A search shows every match: folders open.
                self.collapsed.clear();
                self.filter.query = q;
                true
            }
            TreeMsg::Status(s) => {
                self.filter.status = s;
                true
            }
            TreeMsg::Severity(s) => {
                self.filter.severity = s;
                true
            }
            TreeMsg::Jump(forward, shortcut) => {
                if shortcut && !ctx.props().active {
                    return false;
                }
                let from = ctx
                    .props()
                    .selected
                    .as_deref()
                    .and_then(|s| self.tree.find(s));
                let Some(id) = self.tree.with_findings(&self.filter, from, forward) else {
                    return false;
                };
                // From a shortcut with the focus in the tree, the focus follows.
                self.want_focus = shortcut && self.focus_in_tree();
                self.open(ctx, id);
                true
            }
        }
    }

    fn rendered(&mut self, _ctx: &Context<Self>, _first: bool) {
        if std::mem::take(&mut self.want_focus) {
            if let Some(el) = self
                .tree_ref
                .cast::<HtmlElement>()
                .and_then(|t| {
                    t.query_selector("[role=treeitem][tabindex='0']")
                        .ok()
                        .flatten()
                })
                .and_then(|e| e.dyn_into::<HtmlElement>().ok())
            {
                let _ = el.focus();
            }
        }
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let r = &ctx.props().repo;
        let t = &self.tree;
        let shown = t.shown(&self.filter);
        let visible = t.visible(&shown, &self.collapsed);
        let stop = self.tab_stop(&visible, ctx.props().selected.as_deref());
        let matching = t.files.iter().filter(|f| self.filter.matches(f)).count();
        let any_findings = t.with_findings(&self.filter, None, true).is_some();

        let counts: HashMap<&str, (usize, usize)> = r
            .report
            .files
            .iter()
            .map(|f| (f.path.as_str(), (f.findings, f.errors)))
            .collect();
        let mut preflight: HashMap<&str, Vec<&Finding>> = HashMap::new();
        for f in &r.preflight.findings {
            preflight.entry(f.file.as_str()).or_default().push(f);
        }
        let selected = ctx.props().selected.as_deref();
        // The rows are flat siblings, the hierarchy declared (WAI-ARIA: aria-level,
        // aria-setsize, aria-posinset; aria-expanded on folders), as APG allows for a tree
        // without groups: a folder's accessible name is then its own row's text only
        // (nested groups would put every file's name into it). Only shown rows render.
        let siblings = |id: usize| -> (usize, usize) {
            let sibs = match t.nodes[id].parent {
                Some(p) => &t.nodes[p].children,
                None => &t.roots,
            };
            let sibs: Vec<usize> = sibs.iter().copied().filter(|&c| shown[c]).collect();
            let pos = sibs.iter().position(|&c| c == id).unwrap_or(0);
            (pos + 1, sibs.len())
        };
        let row = |id: usize| -> Html {
            let n = &t.nodes[id];
            let tabindex = if Some(id) == stop { "0" } else { "-1" };
            let level = n.level.to_string();
            let (pos, size) = siblings(id);
            let (pos, size) = (pos.to_string(), size.to_string());
            match n.kind {
                Kind::Dir => {
                    let open = !self.collapsed.contains(&n.key);
                    html! {
                        <li role="treeitem" class="tree-dir" aria-level={level} aria-setsize={size} aria-posinset={pos}
                            aria-expanded={open.to_string()} tabindex={tabindex} data-key={n.key.clone()}
                            onclick={link.callback(move |_| TreeMsg::Toggle(id))}>
                            <span class="twisty" aria-hidden="true">{ if open { "▾" } else { "▸" } }</span>
                            <span class="dir">{ n.name.clone() }</span>
                        </li>
                    }
                }
                Kind::File(i) => {
                    let f = &t.files[i];
                    let st = status_str(f.status);
                    let sel = selected == Some(f.path.as_str());
                    let (findings, errors) = counts.get(f.path.as_str()).copied().unwrap_or((0, 0));
                    let pf = preflight.get(f.path.as_str()).map(|v| {
                        (
                            status_class(v.iter().copied()),
                            format!("pre-flight: {}", status_text(v.iter().copied())),
                        )
                    });
                    html! {
                        <li role="treeitem" class={classes!("file-btn", sel.then_some("selected"))} aria-level={level}
                            aria-setsize={size} aria-posinset={pos}
                            aria-selected={sel.to_string()} aria-current={sel.then_some("true")} tabindex={tabindex}
                            data-key={n.key.clone()} data-path={f.path.clone()} data-status={st}
                            onclick={link.callback(move |_| TreeMsg::Open(id))}>
                            <span class={classes!("badge", st)} data-testid="status-badge">{ status_label(f.status, errors) }</span>
                            <span class="fname" title={f.path.clone()}>{ n.name.clone() }</span>
                            if findings > 0 { <span class="badge findings-badge" title="has findings">{ super::plural(findings, "finding") }</span> }
                            if let Some((class, text)) = pf { <span class={classes!("badge", "pf-badge", class)} data-testid="preflight-badge">{ text }</span> }
                        </li>
                    }
                }
            }
        };
        let on_query = link.callback(|e: InputEvent| {
            TreeMsg::Query(e.target_unchecked_into::<HtmlInputElement>().value())
        });
        let on_status = link.callback(|e: Event| {
            let v = e.target_unchecked_into::<HtmlSelectElement>().value();
            TreeMsg::Status(STATUSES.into_iter().find(|s| s.as_str() == v))
        });
        let on_severity = link.callback(|e: Event| {
            let v = e.target_unchecked_into::<HtmlSelectElement>().value();
            TreeMsg::Severity(SEVERITIES.into_iter().find(|s| s.1 == v).map(|s| s.0))
        });
        let status_n = |s: FileStatus| t.files.iter().filter(|f| f.status == s).count();
        let sev_n = |s: Severity| t.files.iter().filter(|f| f.severities.contains(&s)).count();
        let onfocusin = link.batch_callback(|e: FocusEvent| {
            let el: web_sys::Element = e.target_dyn_into()?;
            let item = el.closest("[role=treeitem]").ok().flatten()?;
            item.get_attribute("data-key").map(TreeMsg::Focused)
        });
        let v = &r.preflight;
        html! {
            <>
            <p class={classes!("pf-tree", if v.running { "running" } else { status_class(&v.findings) })} data-testid="preflight-status">{ v.summary_line() }</p>
            <div class="tree-tools">
                <input type="search" class="tree-search" placeholder="Search paths" aria-label="Search file paths"
                    data-testid="tree-search" value={self.filter.query.clone()} oninput={on_query} />
                <select aria-label="Filter by status" data-testid="tree-status" onchange={on_status}>
                    <option value="" selected={self.filter.status.is_none()}>{"All statuses"}</option>
                    { for STATUSES.iter().map(|&s| html! {
                        <option value={s.as_str()} selected={self.filter.status == Some(s)}>{ format!("{} ({})", s.as_str(), status_n(s)) }</option>
                    }) }
                </select>
                <select aria-label="Filter by finding severity" data-testid="tree-severity" onchange={on_severity}>
                    <option value="" selected={self.filter.severity.is_none()}>{"Any findings"}</option>
                    { for SEVERITIES.iter().map(|&(s, name)| html! {
                        <option value={name} selected={self.filter.severity == Some(s)}>{ format!("with {name} ({})", sev_n(s)) }</option>
                    }) }
                </select>
                <span class="tree-count" role="status" data-testid="tree-count">{ format!("{matching} of {} files", t.files.len()) }</span>
                <div class="tree-jumps">
                <button class="btn small tree-jump" data-testid="prev-finding" aria-keyshortcuts="[" title="Previous file with findings ([)"
                    disabled={!any_findings} onclick={link.callback(|_| TreeMsg::Jump(false, false))}>{"↑ Previous finding"}</button>
                <button class="btn small tree-jump" data-testid="next-finding" aria-keyshortcuts="]" title="Next file with findings (])"
                    disabled={!any_findings} onclick={link.callback(|_| TreeMsg::Jump(true, false))}>{"↓ Next finding"}</button>
                </div>
            </div>
            // A tree holds treeitems (WAI-ARIA): with none, a sentence instead.
            if visible.is_empty() {
                <p class="muted small" data-testid="tree-empty">{"No file matches the search and filters."}</p>
            } else {
                <ul class="tree" role="tree" aria-label="Files" data-testid="file-tree" ref={self.tree_ref.clone()}
                    onkeydown={link.callback(TreeMsg::Key)} {onfocusin}>
                    { for visible.iter().map(|&id| row(id)) }
                </ul>
            }
            </>
        }
    }
}

impl FileTree {
    /// Opens the folders above `selected` and puts the focus on it.
    fn reveal(&mut self, selected: Option<&str>) {
        if let Some(id) = selected.and_then(|s| self.tree.find(s)) {
            for a in self.tree.ancestors(id) {
                self.collapsed.remove(&self.tree.nodes[a].key);
            }
            self.focus = Some(self.tree.nodes[id].key.clone());
        }
    }

    /// Selects file node `id` (the file view shows it) and focuses its row.
    fn open(&mut self, ctx: &Context<Self>, id: usize) {
        let path = self.tree.nodes[id].key.clone();
        self.reveal(Some(&path));
        ctx.props().app.send_message(Msg::Select(path));
    }

    /// The row with `tabindex=0`: the focused one if it shows, else the selected file,
    /// else the first row.
    fn tab_stop(&self, visible: &[usize], selected: Option<&str>) -> Option<usize> {
        let find = |k: Option<&str>| {
            let id = self.tree.find(k?)?;
            visible.contains(&id).then_some(id)
        };
        find(self.focus.as_deref())
            .or_else(|| find(selected))
            .or(visible.first().copied())
    }

    fn focus_in_tree(&self) -> bool {
        let active = browser::document().active_element();
        match (self.tree_ref.cast::<web_sys::Node>(), active) {
            (Some(t), Some(a)) => t.contains(Some(&a)),
            _ => false,
        }
    }

    fn key(&mut self, ctx: &Context<Self>, e: KeyboardEvent) -> bool {
        if e.ctrl_key() || e.meta_key() || e.alt_key() {
            return false;
        }
        let shown = self.tree.shown(&self.filter);
        let visible = self.tree.visible(&shown, &self.collapsed);
        let Some(focus) = self.tab_stop(&visible, ctx.props().selected.as_deref()) else {
            return false;
        };
        let key = e.key();
        // Type-ahead: a printable character (not the `[` / `]` shortcuts, not a
        // Space that continues nothing).
        let printable = key.chars().count() == 1 && key != "[" && key != "]";
        let now = browser::now();
        if printable
            && (key != " " || (!self.typed.is_empty() && now - self.typed_at < TYPE_AHEAD_MS))
        {
            if now - self.typed_at > TYPE_AHEAD_MS {
                self.typed.clear();
            }
            self.typed.push_str(&key);
            self.typed_at = now;
        } else {
            self.typed.clear();
        }
        let typed = if printable {
            self.typed.clone()
        } else {
            String::new()
        };
        let action = if typed.is_empty() {
            self.tree.key(&visible, focus, &key, &self.collapsed, "")
        } else {
            self.tree.key(&visible, focus, "", &self.collapsed, &typed)
        };
        let Some(action) = action else {
            return false;
        };
        e.prevent_default();
        match action {
            Action::Focus(id) => self.focus = Some(self.tree.nodes[id].key.clone()),
            Action::Expand(id, open) => {
                let k = self.tree.nodes[id].key.clone();
                if open {
                    self.collapsed.remove(&k);
                } else {
                    self.collapsed.insert(k.clone());
                }
                self.focus = Some(k);
            }
            Action::Select(id) => self.open(ctx, id),
        }
        self.want_focus = true;
        true
    }
}

/// The key goes to a text field or an editor (never a shortcut there).
fn typing_in(e: &KeyboardEvent) -> bool {
    let Some(el) = e
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
    else {
        return false;
    };
    let tag = el.tag_name().to_ascii_lowercase();
    matches!(tag.as_str(), "input" | "textarea" | "select")
        || el
            .closest("[contenteditable]:not([contenteditable=false])")
            .ok()
            .flatten()
            .is_some()
}
