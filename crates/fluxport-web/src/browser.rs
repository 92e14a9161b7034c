//! Thin wrappers over browser APIs (files, drag and drop, downloads, clipboard, storage).

use js_sys::{Array, Function, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, BlobPropertyBag, File, FileSystemDirectoryEntry, FileSystemDirectoryReader,
    FileSystemEntry, FileSystemFileEntry, HtmlAnchorElement, Url,
};

/// What a drop carries: its entries (`webkitGetAsEntry`: a folder keeps its paths), or
/// when there are none, its plain files.
pub fn dropped(e: &web_sys::DragEvent) -> (Vec<FileSystemEntry>, Vec<File>) {
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
    (entries, files)
}

/// True when a drag carries files (not text dragged within the page).
fn drags_files(e: &web_sys::DragEvent) -> bool {
    e.data_transfer().is_some_and(|dt| {
        dt.types()
            .iter()
            .any(|t| t.as_string().as_deref() == Some("Files"))
    })
}

/// Page-wide drop handling, installed once: a file drag anywhere is accepted (the
/// default of `dragover` and `drop` cancelled, so the browser never opens a dropped
/// file in place of the app), and a drop no drop zone handled goes to `on_drop`.
pub fn catch_page_drops(on_drop: impl Fn(Vec<FileSystemEntry>, Vec<File>) + 'static) {
    let w = window();
    let over = Closure::<dyn Fn(web_sys::DragEvent)>::new(|e: web_sys::DragEvent| {
        if drags_files(&e) {
            e.prevent_default();
        }
    });
    let drop = Closure::<dyn Fn(web_sys::DragEvent)>::new(move |e: web_sys::DragEvent| {
        // A drop zone that took the drop cancelled its default already. The paste
        // editor cancels it too (so CodeMirror does not insert the file), but marks it
        // as the page's (web/editor.js).
        let for_page =
            js_sys::Reflect::get(&e, &"fluxportPageDrop".into()).is_ok_and(|v| v.is_truthy());
        if (e.default_prevented() && !for_page) || !drags_files(&e) {
            return;
        }
        e.prevent_default();
        let (entries, files) = dropped(&e);
        on_drop(entries, files);
    });
    let _ = w.add_event_listener_with_callback("dragover", over.as_ref().unchecked_ref());
    let _ = w.add_event_listener_with_callback("drop", drop.as_ref().unchecked_ref());
    // The page lives as long as these listeners.
    over.forget();
    drop.forget();
}

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
