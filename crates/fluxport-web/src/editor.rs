//! The editor and diff views: thin bindings to `FluxportEditor` (web/editor.js,
//! CodeMirror 6, bundled into the page script). The Rust side owns when a view is made,
//! filled, marked and scrolled; CodeMirror owns the text, the DOM inside its host
//! element, highlighting, find (Ctrl/Cmd-F) and the lint markers.

use fluxport_core::Finding;
use js_sys::Function;
use wasm_bindgen::prelude::*;
use web_sys::Element;

#[wasm_bindgen]
extern "C" {
    /// A CodeMirror `EditorView`, or a diff handle (see web/editor.js).
    pub type View;

    #[wasm_bindgen(js_namespace = FluxportEditor, js_name = editor)]
    fn cm_editor(host: &Element, opts: &JsValue, on_change: Option<&Function>) -> View;
    #[wasm_bindgen(js_namespace = FluxportEditor, js_name = text)]
    fn cm_text(v: &JsValue) -> Option<String>;
    #[wasm_bindgen(js_namespace = FluxportEditor, js_name = setText)]
    fn cm_set_text(v: &View, text: &str);
    #[wasm_bindgen(js_namespace = FluxportEditor, js_name = setMarks)]
    fn cm_set_marks(v: &View, json: &str);
    #[wasm_bindgen(js_namespace = FluxportEditor, js_name = jump)]
    fn cm_jump(v: &View, line: u32, col: u32);
    #[wasm_bindgen(js_namespace = FluxportEditor, js_name = diff)]
    fn cm_diff(
        host: &Element,
        before: &str,
        after: &str,
        split: bool,
        marks_a: &str,
        marks_b: &str,
    ) -> View;
    #[wasm_bindgen(js_namespace = FluxportEditor, js_name = jumpDiff)]
    fn cm_jump_diff(v: &View, side: &str, line: u32, col: u32);
    #[wasm_bindgen(js_namespace = FluxportEditor, js_name = destroy)]
    fn cm_destroy(v: &View);
}

/// Which text a finding's line is in: the input (conversion findings) or the output
/// (pre-flight findings).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Side {
    Input,
    Output,
}

/// A YAML editor in `host` (read-only: a view with the same line numbers, highlighting,
/// find and markers). `testid` goes on the editable element; `on_change` is called after
/// each edit (no text: read it with [`text`] when needed).
pub fn editor(
    host: &Element,
    read_only: bool,
    label: &str,
    testid: &str,
    placeholder: &str,
    on_change: Option<Box<dyn Fn()>>,
) -> View {
    let opts = js_sys::Object::new();
    let set = |k: &str, v: JsValue| {
        let _ = js_sys::Reflect::set(&opts, &k.into(), &v);
    };
    set("readOnly", read_only.into());
    set("label", label.into());
    set("testid", testid.into());
    if !placeholder.is_empty() {
        set("placeholder", placeholder.into());
    }
    let cb = on_change.map(|f| {
        Closure::<dyn Fn()>::new(f)
            .into_js_value()
            .unchecked_into::<Function>()
    });
    cm_editor(host, &opts, cb.as_ref())
}

pub fn text(v: &View) -> String {
    cm_text(v).unwrap_or_default()
}

/// The text of the editor in (or at) DOM element `el`, if there is one.
pub fn text_in(el: &Element) -> Option<String> {
    cm_text(el)
}

pub fn set_text(v: &View, text: &str) {
    cm_set_text(v, text)
}

/// Shows `findings` as lint markers (line numbers of the view's text).
pub fn set_marks<'a>(v: &View, findings: impl IntoIterator<Item = (&'a Finding, usize)>) {
    cm_set_marks(v, &marks_json(findings))
}

pub fn jump(v: &View, line: usize, col: usize) {
    cm_jump(v, line as u32, col as u32)
}

/// A merge view of `before` → `after` in `host` (its old content replaced): side by
/// side, or unified (the output with the removed lines between). Markers: `a` on the
/// input's lines, `b` on the output's.
pub fn diff<'a>(
    host: &Element,
    before: &str,
    after: &str,
    split: bool,
    a: impl IntoIterator<Item = (&'a Finding, usize)>,
    b: impl IntoIterator<Item = (&'a Finding, usize)>,
) -> View {
    cm_diff(host, before, after, split, &marks_json(a), &marks_json(b))
}

pub fn jump_diff(v: &View, side: Side, line: usize, col: usize) {
    cm_jump_diff(
        v,
        if side == Side::Input { "a" } else { "b" },
        line as u32,
        col as u32,
    )
}

pub fn destroy(v: &View) {
    cm_destroy(v)
}

/// `[{line, col, sev, code, msg}]`: each finding at `line` (its own line, or where the
/// view shows it) and its column. The message is the text form the lists show.
fn marks_json<'a>(findings: impl IntoIterator<Item = (&'a Finding, usize)>) -> String {
    let v: Vec<serde_json::Value> = findings
        .into_iter()
        .map(|(f, line)| {
            serde_json::json!({
                "line": line,
                "col": f.column,
                "sev": f.severity.as_str(),
                "code": f.code.as_str(),
                "msg": format!("{}: {}", f.code.as_str(), fluxport_core::text::visible(&f.message)),
            })
        })
        .collect();
    serde_json::Value::Array(v).to_string()
}
