//! JavaScript entry points. On the page: `start` mounts the app (web/boot.js calls it),
//! `worker_done` takes a conversion back from the worker. In the conversion worker
//! (web/boot.js builds it from the same glue and module): `worker_convert`.
//! `convert_yaml` is a plain binding (used by the wasm tests, handy from DevTools).

use crate::output::{convert_paste, paste_output};
use fluxport_core::Options;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub fn start() {
    crate::panic::install();
    let doc = crate::browser::document();
    if let Some(root) = doc.get_element_by_id("app") {
        root.set_inner_html("");
        yew::Renderer::<crate::app::App>::with_root(root).render();
    }
}

/// Converts pasted YAML with options given as JSON (empty string: defaults). Returns
/// JSON `{"output": <paste output text>, "report": <report>}`, the report in the shape of
/// `fluxport convert --format json` (with its `preflight`).
#[wasm_bindgen]
pub fn convert_yaml(text: &str, options_json: &str) -> Result<String, JsError> {
    let options: Options = if options_json.trim().is_empty() {
        Options::default()
    } else {
        serde_json::from_str(options_json).map_err(|e| JsError::new(&format!("options: {e}")))?
    };
    let c = convert_paste(text, &options);
    // Written directly, not through `json!` (a serde_json::Value of the report would bring
    // the Value serializer for every report type into the wasm). Fields in struct order.
    let output = serde_json::to_string(&paste_output(&c)).unwrap_or_default();
    let report = c.report_json();
    Ok(format!("{{\"output\":{output},\"report\":{report}}}"))
}

/// Version of the app (the workspace version).
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// In the worker: a panic aborts the instance; its message is left in
/// `self.FLUXPORT_PANIC` for web/boot.js to send to the page (which shows the bug report).
fn worker_panic_hook() {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let _ = js_sys::Reflect::set(
                &js_sys::global(),
                &"FLUXPORT_PANIC".into(),
                &info.to_string().into(),
            );
        }))
    });
}

/// In the worker: converts pasted text (options as JSON, as the page serialises them)
/// and returns the conversion as [`crate::wire`] JSON. `selftest_panic` is the page's
/// `#selftest-panic` switch (panics on the marker, to test that path).
#[wasm_bindgen]
pub fn worker_convert(text: &str, options_json: &str, selftest_panic: bool) -> String {
    worker_panic_hook();
    if selftest_panic && text.contains("fluxport-selftest-panic") {
        panic!("self-test panic requested (#selftest-panic)");
    }
    let options: Options = serde_json::from_str(options_json).unwrap_or_default();
    // As for a repository: the conversion goes to the page now, its pre-flight follows
    // (`worker_preflight`), so a large paste's output is shown while it runs.
    let input = [fluxport_core::InputFile::new(
        crate::output::PASTE_PATH,
        text.as_bytes().to_vec(),
    )];
    let (conv, pending) = fluxport_core::convert_deferred(&input, &options);
    drop(input);
    let json = crate::wire::encode(&conv);
    DEFERRED.with(|d| *d.borrow_mut() = Some((conv, pending, options)));
    json
}

/// In the worker: converts a repository given as `paths` (joined by NUL) and the files'
/// bytes, concatenated, `lens[i]` bytes each; returns [`crate::wire`] JSON.
#[wasm_bindgen]
pub fn worker_convert_repo(paths: &str, bytes: &[u8], lens: &[u32], options_json: &str) -> String {
    worker_panic_hook();
    let options: Options = serde_json::from_str(options_json).unwrap_or_default();
    let mut inputs = Vec::with_capacity(lens.len());
    let mut rest = bytes;
    for (path, &n) in paths.split('\0').zip(lens) {
        let (head, tail) = rest.split_at((n as usize).min(rest.len()));
        inputs.push(fluxport_core::InputFile::new(path, head.to_vec()));
        rest = tail;
    }
    // The conversion goes to the page now; its pre-flight runs in the next call
    // (`worker_preflight`), so a large repository's output is shown while it runs.
    let (conv, pending) = fluxport_core::convert_deferred(&inputs, &options);
    drop(inputs);
    let json = crate::wire::encode(&conv);
    DEFERRED.with(|d| *d.borrow_mut() = Some((conv, pending, options)));
    json
}

thread_local! {
    /// In the worker: the paste or repository conversion whose pre-flight is still to run.
    static DEFERRED: std::cell::RefCell<Option<(fluxport_core::Conversion, fluxport_core::PendingPreflight, Options)>> =
        const { std::cell::RefCell::new(None) };
}

/// In the worker, right after `worker_convert` or `worker_convert_repo`: runs that conversion's pre-flight
/// and returns it as [`crate::wire::encode_preflight`] JSON (`None`: nothing pending).
#[wasm_bindgen]
pub fn worker_preflight() -> Option<String> {
    worker_panic_hook();
    let (mut conv, pending, options) = DEFERRED.with(|d| d.borrow_mut().take())?;
    pending.run(&mut conv, &options);
    Some(crate::wire::encode_preflight(&conv))
}

/// In the worker, once at start: converts the built-in example so the code a
/// conversion runs is compiled before the user's first one arrives.
#[wasm_bindgen]
pub fn worker_warm() {
    let _ = convert_paste(crate::app::EXAMPLE, &Options::default());
}

/// On the page: the worker finished request `id` of `kind` ("paste" or "repo"). `json`:
/// the conversion; `panic`: the worker crashed with this message; neither: no worker
/// (convert on the page instead).
#[wasm_bindgen]
pub fn worker_done(kind: &str, id: u32, json: Option<String>, panic: Option<String>, ms: f64) {
    crate::app::worker_done(kind == "repo", id, json, panic, ms);
}

/// On the page: the worker finished the pre-flight of request `id` of `kind` ("paste"
/// or "repo"; `json`: [`crate::wire::encode_preflight`]; `panic`: it crashed with this
/// message).
#[wasm_bindgen]
pub fn worker_preflight_done(
    kind: &str,
    id: u32,
    json: Option<String>,
    panic: Option<String>,
    ms: f64,
) {
    crate::app::worker_preflight_done(kind == "repo", id, json, panic, ms);
}
