//! The Markdown editor: a textarea with a small formatting toolbar (and Ctrl/⌘+B, Ctrl/⌘+I),
//! and a Write/Preview switch. The preview is rendered by whoever hands in `render` (the
//! server renders Markdown exactly as it will be shown; components never know endpoints).

use std::future::Future;

use leptos::prelude::*;
use leptos::task::spawn_local;
use tandem_web_logic::markdown_edit::{self, Format};

use crate::api::ApiError;
use crate::components::{ErrorBox, Loading};
use crate::i18n::{Tr, use_i18n};

#[derive(Clone)]
enum Preview {
    Off,
    Loading,
    Ready(String),
    Failed(ApiError),
}

/// A labelled Markdown textarea (`id` is the textarea's). `value` is the text shown;
/// every change (typing or a toolbar button) goes to `on_change`.
#[component]
pub fn MarkdownEditor<R, Fut>(
    id: &'static str,
    label: fn(&'static Tr) -> &'static str,
    #[prop(into)] value: Signal<String>,
    on_change: Callback<String>,
    /// Markdown to HTML for the preview; the HTML must come sanitised (it is shown as is).
    render: R,
    #[prop(default = 6)] rows: u32,
) -> impl IntoView
where
    R: Fn(String) -> Fut + 'static,
    Fut: Future<Output = Result<String, ApiError>> + 'static,
{
    let i = use_i18n();
    let render = StoredValue::new_local(render);
    let preview = RwSignal::new(Preview::Off);
    let area: NodeRef<leptos::html::Textarea> = NodeRef::new();

    let format = move |f: Format| {
        let Some(el) = area.get_untracked() else {
            return;
        };
        let start = el.selection_start().ok().flatten().unwrap_or(0);
        let end = el.selection_end().ok().flatten().unwrap_or(start);
        let edit = markdown_edit::apply(f, &el.value(), start, end);
        el.set_value(&edit.text);
        on_change.run(edit.text);
        // Back to the text with the formatted words still selected, to go on typing.
        let _ = el.focus();
        let _ = el.set_selection_range(edit.start, edit.end);
    };
    let show = move || {
        preview.set(Preview::Loading);
        let job = render.with_value(|r| r(value.get_untracked()));
        spawn_local(async move {
            preview.try_set(match job.await {
                Ok(html) => Preview::Ready(html),
                Err(e) => Preview::Failed(e),
            });
        });
    };
    let shortcut = move |ev: leptos::ev::KeyboardEvent| {
        if !(ev.ctrl_key() || ev.meta_key()) || ev.alt_key() || ev.shift_key() {
            return;
        }
        let f = match ev.key().to_lowercase().as_str() {
            "b" => Format::Bold,
            "i" => Format::Italic,
            _ => return,
        };
        ev.prevent_default();
        format(f);
    };
    let writing = move || matches!(preview.get(), Preview::Off);
    let tool = move |f: Format, name: fn(&'static Tr) -> &'static str, face: AnyView| {
        view! {
            <button type="button" class="md-tool" on:click=move |_| format(f)
                aria-label=move || name(i.t()) title=move || name(i.t())>{face}</button>
        }
    };
    view! {
        <div class="md-editor">
            <div class="label-row">
                <label for=id>{move || label(i.t())}</label>
                <div class="md-tabs">
                    <button type="button" class="btn small" aria-pressed=move || writing().to_string()
                        on:click=move |_| preview.set(Preview::Off)>{move || i.t().md_write}</button>
                    <button type="button" class="btn small" aria-pressed=move || (!writing()).to_string()
                        on:click=move |_| show()>{move || i.t().preview}</button>
                </div>
            </div>
            {move || match preview.get() {
                Preview::Off => view! {
                    <div role="toolbar" class="md-toolbar" aria-label=move || i.t().md_toolbar aria-controls=id>
                        {tool(Format::Bold, |t| t.md_bold, view! { <b>"B"</b> }.into_any())}
                        {tool(Format::Italic, |t| t.md_italic, view! { <i>"I"</i> }.into_any())}
                        {tool(Format::Bullets, |t| t.md_bullets, "•".into_any())}
                        {tool(Format::Numbers, |t| t.md_numbers, "1.".into_any())}
                        // A word, not an emoji: phones and headless browsers without an emoji font draw a box.
                        {tool(Format::Link, |t| t.md_link, view! { <span>{move || i.t().md_link}</span> }.into_any())}
                        {tool(Format::Code, |t| t.md_code, view! { <code>"</>"</code> }.into_any())}
                    </div>
                    <textarea id=id rows=rows node_ref=area prop:value=move || value.get()
                        on:input=move |ev| on_change.run(event_target_value(&ev))
                        on:keydown=shortcut></textarea>
                }.into_any(),
                Preview::Loading => view! { <Loading /> }.into_any(),
                Preview::Ready(html) => view! { <div class="markdown preview" inner_html=html></div> }.into_any(),
                Preview::Failed(e) => view! {
                    <ErrorBox error=e retry=Callback::new(move |()| show()) />
                }.into_any(),
            }}
        </div>
    }
}
