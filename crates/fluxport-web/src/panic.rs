//! Panic hook: with `panic = "abort"` the wasm instance is dead after a panic, so the
//! hook itself builds a visible error box with plain DOM calls (outside the Yew tree,
//! no callbacks into wasm) holding a bug report and the user's input.

/// Installed through Yew: `Renderer::render` replaces a plain `std::panic::set_hook`
/// with its own default hook unless a custom one is registered this way.
pub fn install() {
    yew::set_custom_panic_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        show(&info.to_string());
    }));
}

/// Shows the bug report box (also used for a panic in the conversion worker).
pub fn show(message: &str) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Some(body) = doc.body() else { return };
    if doc.get_element_by_id("fatal-error").is_some() {
        return;
    }
    let input = doc
        .query_selector("[data-testid=input]")
        .ok()
        .flatten()
        .and_then(|e| crate::editor::text_in(&e))
        .unwrap_or_default();
    let report = format!(
        "fluxport {} crashed in the browser.\n\nPanic: {message}\n\nUser agent: {}\n\nInput ({} bytes):\n{input}",
        env!("CARGO_PKG_VERSION"),
        web_sys::window().and_then(|w| w.navigator().user_agent().ok()).unwrap_or_default(),
        input.len()
    );
    let build = || -> Option<()> {
        let boxed = doc.create_element("section").ok()?;
        boxed.set_id("fatal-error");
        boxed.set_attribute("role", "alert").ok()?;
        boxed.set_attribute("data-testid", "fatal-error").ok()?;
        let h = doc.create_element("h2").ok()?;
        h.set_text_content(Some("fluxport hit a bug and stopped"));
        let p = doc.create_element("p").ok()?;
        p.set_text_content(Some(
            "Your input is kept below (and in the editor). Reload the page to start again. \
             Please report this bug with the text below (remove anything confidential first).",
        ));
        let ta = doc.create_element("textarea").ok()?;
        ta.set_attribute("readonly", "").ok()?;
        ta.set_attribute("aria-label", "Bug report").ok()?;
        ta.set_attribute("rows", "12").ok()?;
        ta.set_text_content(Some(&report));
        boxed.append_child(&h).ok()?;
        boxed.append_child(&p).ok()?;
        boxed.append_child(&ta).ok()?;
        body.insert_before(&boxed, body.first_child().as_ref())
            .ok()?;
        Some(())
    };
    let _ = build();
}
