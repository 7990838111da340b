//! The upload control: a file picker and drop zone, progress while sending, Cancel, and the
//! failure with a retry. What is sent where is the feature's business: it hands in `send`.

use std::future::Future;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{Abort, ApiError};
use crate::i18n::{Tr, use_i18n};

/// What `send` gets besides the file: where to report progress and the handle Cancel uses.
#[derive(Clone)]
pub struct Sending {
    pub abort: Abort,
    progress: RwSignal<Option<f64>>,
}

impl Sending {
    /// Share of the file sent so far, 0.0 to 1.0.
    pub fn progress(&self, share: f64) {
        self.progress.try_set(Some(share.clamp(0.0, 1.0)));
    }
}

#[derive(Clone)]
enum Failure {
    Api(ApiError),
    TooLarge,
}

/// A file picker (`id` is its input's id) whose label is also a drop zone. The input stays
/// in the page, visually hidden, so the keyboard reaches it and opens the picker; its focus
/// ring is drawn on the label. `compact` draws a small button (a row's "new version") instead
/// of the wide zone.
#[component]
pub fn Upload<F, Fut>(
    id: String,
    label: fn(&'static Tr) -> &'static str,
    /// Sends the file; resolves once the server answered. Success messages are its to show.
    send: F,
    #[prop(optional)] accept: Option<&'static str>,
    /// Refused before sending when larger (bytes); the server checks again.
    #[prop(optional)]
    max_bytes: Option<f64>,
    #[prop(optional)] compact: bool,
) -> impl IntoView
where
    F: Fn(web_sys::File, Sending) -> Fut + 'static,
    Fut: Future<Output = Result<(), ApiError>> + 'static,
{
    let i = use_i18n();
    let send = StoredValue::new_local(send);
    let progress = RwSignal::new(None::<f64>);
    let failure = RwSignal::new(None::<Failure>);
    let cancelled = RwSignal::new(false);
    let over = RwSignal::new(false);
    let abort = StoredValue::new_local(None::<Abort>);
    // Kept for Retry.
    let last = StoredValue::new_local(None::<web_sys::File>);
    let input: NodeRef<leptos::html::Input> = NodeRef::new();

    let start = move |file: web_sys::File| {
        if progress.get_untracked().is_some() {
            return;
        }
        failure.set(None);
        cancelled.set(false);
        last.set_value(Some(file.clone()));
        if max_bytes.is_some_and(|max| file.size() > max) {
            failure.set(Some(Failure::TooLarge));
            return;
        }
        let handle = Abort::default();
        abort.set_value(Some(handle.clone()));
        progress.set(Some(0.0));
        let job = send.with_value(|f| {
            f(
                file,
                Sending {
                    abort: handle.clone(),
                    progress,
                },
            )
        });
        spawn_local(async move {
            let res = job.await;
            abort.try_set_value(None);
            progress.try_set(None);
            match res {
                Ok(()) => {
                    last.try_set_value(None);
                }
                // Cancelled on purpose: say so quietly, not as an error.
                Err(_) if handle.is_cancelled() => {
                    cancelled.try_set(true);
                }
                Err(e) => {
                    failure.try_set(Some(Failure::Api(e)));
                }
            }
        });
    };
    let pick = move |_| {
        let Some(el) = input.get() else {
            return;
        };
        if let Some(file) = el.files().and_then(|f| f.get(0)) {
            start(file);
        }
        // Choosing the same file again must fire `change` again.
        el.set_value("");
    };
    let drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        over.set(false);
        if let Some(file) = ev
            .data_transfer()
            .and_then(|d| d.files())
            .and_then(|f| f.get(0))
        {
            start(file);
        }
    };
    let cancel = move |_| {
        abort.with_value(|a| {
            if let Some(a) = a {
                a.abort();
            }
        });
    };
    let retry = move |_| {
        if let Some(file) = last.get_value() {
            start(file);
        }
    };
    let for_id = id.clone();
    view! {
        <div class="upload" class:compact=compact>
            <input id=id class="sr-only-file" type="file" accept=accept node_ref=input on:change=pick
                disabled=move || progress.get().is_some() />
            <label for=for_id class:upload-zone=!compact class:btn=compact class:small=compact
                class:over=move || over.get()
                on:dragover=move |ev: leptos::ev::DragEvent| { ev.prevent_default(); over.set(true); }
                on:dragleave=move |_| over.set(false)
                on:drop=drop>
                {if compact {
                    view! { <span>{move || label(i.t())}</span> }.into_any()
                } else {
                    view! {
                        <span class="btn">{move || label(i.t())}</span>
                        <span class="muted small">{move || i.t().drop_file}</span>
                    }.into_any()
                }}
            </label>
            {move || progress.get().map(|p| {
                let pct = (p * 100.0).round() as i32;
                view! {
                    <div class="upload-progress">
                        <div class="progress-bar grow" role="progressbar" aria-label=move || i.t().uploading
                            aria-valuemin="0" aria-valuemax="100" aria-valuenow=pct>
                            <span style:width=format!("{pct}%")></span>
                        </div>
                        <span class="small nowrap" aria-hidden="true">{pct} "%"</span>
                        <button type="button" class="btn small" on:click=cancel>{move || i.t().cancel}</button>
                    </div>
                }
            })}
            {move || cancelled.get().then(|| view! {
                <p class="muted small" role="status">{move || i.t().upload_cancelled}</p>
            })}
            {move || failure.get().map(|f| view! {
                <div class="upload-error" role="alert">
                    <p class="field-error">{move || match &f {
                        Failure::TooLarge => i.t().err_too_large.to_owned(),
                        Failure::Api(e) => i.api_error(e),
                    }}</p>
                    <button type="button" class="btn small" on:click=retry>{move || i.t().retry}</button>
                </div>
            })}
        </div>
    }
}
