//! Thin wrappers over browser APIs (files, drag and drop, downloads, clipboard, storage).

use js_sys::{Array, Function, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, BlobPropertyBag, File, FileSystemDirectoryEntry, FileSystemDirectoryReader,
    FileSystemEntry, FileSystemFileEntry, HtmlAnchorElement, Url,
};

pub fn window() -> web_sys::Window {
    web_sys::window().expect("window")
}

pub fn document() -> web_sys::Document {
    window().document().expect("document")
}

/// Milliseconds since navigation start.
pub fn now() -> f64 {
    window().performance().map(|p| p.now()).unwrap_or(0.0)
}

pub async fn read_file(file: &File) -> Result<Vec<u8>, String> {
    let buf = JsFuture::from(file.array_buffer())
        .await
        .map_err(|e| format!("{}: {:?}", file.name(), e))?;
    Ok(Uint8Array::new(&buf).to_vec())
}

/// Reads all files under a dropped entry (file or directory), with paths relative to
/// the drop (a dropped folder's own name is the first component).
pub async fn entry_files(root: FileSystemEntry) -> Result<Vec<(String, File)>, String> {
    let mut out = Vec::new();
    let mut stack = vec![(root, String::new())];
    while let Some((entry, prefix)) = stack.pop() {
        let path = format!("{prefix}{}", entry.name());
        if entry.is_directory() {
            let dir: FileSystemDirectoryEntry = entry.unchecked_into();
            let reader = dir.create_reader();
            loop {
                let batch = read_entries(&reader).await?;
                if batch.length() == 0 {
                    break;
                }
                for e in batch.iter() {
                    stack.push((e.unchecked_into(), format!("{path}/")));
                }
            }
        } else if entry.is_file() {
            let fe: FileSystemFileEntry = entry.unchecked_into();
            let p = Promise::new(&mut |resolve, reject| {
                fe.file_with_callback_and_callback(&resolve, &reject);
            });
            let f: File = JsFuture::from(p)
                .await
                .map_err(|e| format!("{path}: {e:?}"))?
                .unchecked_into();
            out.push((path, f));
        }
    }
    Ok(out)
}

async fn read_entries(reader: &FileSystemDirectoryReader) -> Result<Array, String> {
    let p = Promise::new(&mut |resolve: Function, reject: Function| {
        let _ = reader.read_entries_with_callback_and_callback(&resolve, &reject);
    });
    JsFuture::from(p)
        .await
        .map(|v| v.unchecked_into())
        .map_err(|e| format!("reading folder: {e:?}"))
}

/// Offers bytes as a file download (a blob: URL and a temporary link; nothing is sent).
pub fn download(name: &str, bytes: &[u8], mime: &str) {
    let arr = Array::new();
    arr.push(&Uint8Array::from(bytes).buffer());
    let bag = BlobPropertyBag::new();
    bag.set_type(mime);
    let Ok(blob) = Blob::new_with_buffer_source_sequence_and_options(&arr, &bag) else {
        return;
    };
    let Ok(url) = Url::create_object_url_with_blob(&blob) else {
        return;
    };
    let doc = document();
    if let Ok(a) = doc.create_element("a") {
        let a: HtmlAnchorElement = a.unchecked_into();
        a.set_href(&url);
        a.set_download(name);
        a.set_class_name("hidden");
        if let Some(body) = doc.body() {
            let _ = body.append_child(&a);
            a.click();
            let _ = body.remove_child(&a);
        }
    }
    let url2 = url.clone();
    gloo_timers::callback::Timeout::new(60_000, move || {
        let _ = Url::revoke_object_url(&url2);
    })
    .forget();
}

pub async fn copy_text(text: &str) -> Result<(), String> {
    let clip = window().navigator().clipboard();
    JsFuture::from(clip.write_text(text))
        .await
        .map(|_| ())
        .map_err(|e| format!("{e:?}"))
}

const SETTINGS_KEY: &str = "fluxport.settings.v1";

fn storage() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}

pub fn load_settings() -> Option<String> {
    storage()?.get_item(SETTINGS_KEY).ok().flatten()
}

pub fn save_settings(json: Option<&str>) {
    if let Some(s) = storage() {
        let _ = match json {
            Some(j) => s.set_item(SETTINGS_KEY, j),
            None => s.remove_item(SETTINGS_KEY),
        };
    }
}

/// Sets `data-<name>` on the root element (read by the e2e suite for timings).
pub fn mark(name: &str, value: &str) {
    if let Some(el) = document().document_element() {
        let _ = el.set_attribute(&format!("data-{name}"), value);
    }
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console, js_name = log)]
    pub fn console_log(s: &str);

    /// Defined by web/boot.js: hands a conversion to the worker; false when there is
    /// no worker. Paste: `text`; repo: `text` = paths joined by NUL, `bytes`/`lens`.
    #[wasm_bindgen(catch, js_name = fluxportWorkerPost)]
    fn fluxport_worker_post(
        kind: &str,
        id: u32,
        text: &str,
        bytes: &[u8],
        lens: &[u32],
        options: &str,
        selftest: bool,
    ) -> Result<bool, JsValue>;
}

/// Asks the conversion worker to convert pasted `text`; the answer arrives through
/// `bindings::worker_done`. False when there is no worker (convert on the page).
pub fn worker_post(id: u32, text: &str, options: &str, selftest: bool) -> bool {
    fluxport_worker_post("paste", id, text, &[], &[], options, selftest).unwrap_or(false)
}

/// Asks the conversion worker to convert a repository (see [`worker_post`]).
pub fn worker_post_repo(id: u32, files: &[fluxport_core::InputFile], options: &str) -> bool {
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    let lens: Vec<u32> = files.iter().map(|f| f.bytes.len() as u32).collect();
    let bytes = files
        .iter()
        .flat_map(|f| f.bytes.iter().copied())
        .collect::<Vec<u8>>();
    fluxport_worker_post("repo", id, &paths.join("\0"), &bytes, &lens, options, false)
        .unwrap_or(false)
}
