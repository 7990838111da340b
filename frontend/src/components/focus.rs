//! Keyboard focus: where it goes after something opens or fails.

use wasm_bindgen::JsCast;

/// Moves keyboard focus to an element once it has been drawn (e.g. the first field of a form
/// that just opened in place of the button that opened it).
pub fn focus_later(id: String) {
    gloo_timers::callback::Timeout::new(0, move || {
        if let Some(el) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(&id))
            .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok())
        {
            let _ = el.focus();
        }
    })
    .forget();
}

/// Moves keyboard focus to the first field with an error, so keyboard and screen-reader users
/// land where the problem is.
pub fn focus_first_invalid() {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    // The errors render on the next tick; look for them then.
    gloo_timers::callback::Timeout::new(0, move || {
        if let Ok(Some(el)) = doc.query_selector("[aria-invalid=true]")
            && let Ok(el) = el.dyn_into::<web_sys::HtmlElement>()
        {
            let _ = el.focus();
        }
    })
    .forget();
}

/// Moves focus into a menu that just opened: its first link or button, once drawn.
pub fn focus_first_in(container_id: &'static str) {
    gloo_timers::callback::Timeout::new(0, move || {
        if let Some(el) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| {
                d.query_selector(&format!("#{container_id} a, #{container_id} button"))
                    .ok()
                    .flatten()
            })
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = el.focus();
        }
    })
    .forget();
}
