//! JavaScript entry points: `start` mounts the app; `convert_yaml` is a plain binding
//! (used by the wasm tests and handy from the DevTools console).

use crate::output::{convert_paste, paste_output};
use fluxport_core::Options;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(start)]
pub fn start() {
    crate::panic::install();
    let doc = crate::browser::document();
    if let Some(root) = doc.get_element_by_id("app") {
        root.set_inner_html("");
        yew::Renderer::<crate::app::App>::with_root(root).render();
    }
}

/// Converts pasted YAML with options given as JSON (empty string: defaults). Returns
/// JSON `{"output": <paste output text>, "report": <report>}`.
#[wasm_bindgen]
pub fn convert_yaml(text: &str, options_json: &str) -> Result<String, JsError> {
    let options: Options = if options_json.trim().is_empty() {
        Options::default()
    } else {
        serde_json::from_str(options_json).map_err(|e| JsError::new(&format!("options: {e}")))?
    };
    let c = convert_paste(text, &options);
    let v = serde_json::json!({ "output": paste_output(&c), "report": c.report });
    Ok(v.to_string())
}

/// Version of the app (the workspace version).
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
