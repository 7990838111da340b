//! Tandem's browser app (Leptos, client-side rendering).

mod api;
mod app;
mod components;
mod features;
mod i18n;
mod shell;
mod state;

fn main() {
    // index.html shows a spinner until the app is ready to draw.
    if let Some(boot) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("boot"))
    {
        boot.remove();
    }
    leptos::mount::mount_to_body(app::App);
}
