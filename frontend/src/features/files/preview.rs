//! F4: a version shown by its kind — a picture (the server's re-encoded thumbnail), a PDF in
//! the browser's viewer, highlighted text with line numbers, rendered Markdown (sanitized by
//! the server), a table with its sheets, a document's blocks — or, when there is none, why
//! and the file's facts. Pictures and PDFs need the bearer token, so they are fetched and
//! shown from object URLs, revoked when no longer shown.

use std::sync::{Arc, Mutex};

use leptos::prelude::*;
use tandem_dto::{
    BlockKind, DocumentBlock, FilePreview, PreviewKind, PreviewSheet, PreviewUnavailable, TextSpan,
};
use tandem_web_logic::files::size;
use tandem_web_logic::texts::Files as F;
use uuid::Uuid;

use super::{use_lib, use_tx};
use crate::api::{self, ApiError};
use crate::components::{ErrorBox, Loading};
use crate::i18n::use_i18n;

#[component]
pub(super) fn Preview(file: Uuid, version: i32, name: String) -> impl IntoView {
    let data = LocalResource::new(move || api::files::preview(file, version));
    view! {
        {move || match data.get() {
            None => view! { <Loading /> }.into_any(),
            Some(Err(e)) => view! { <ErrorBox error=e retry=Callback::new(move |()| data.refetch()) /> }.into_any(),
            Some(Ok(p)) => shown(p, name.clone()),
        }}
    }
}

fn shown(p: FilePreview, name: String) -> AnyView {
    let tx = use_tx();
    let truncated = p.truncated;
    let about = [p.language.clone(), p.encoding.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
    let body = match p.kind {
        PreviewKind::Image => view! { <Blob file=p.file_id version=p.version pdf=false name=name size=(p.width, p.height) /> }.into_any(),
        PreviewKind::Pdf => view! { <Blob file=p.file_id version=p.version pdf=true name=name size=(None, None) /> }.into_any(),
        PreviewKind::Text => text(p.lines, name),
        PreviewKind::Markdown => {
            // Sanitized by the server (no scripts, styles or event handlers): safe to insert.
            let html = p.html.unwrap_or_default();
            view! { <div class="markdown md-doc" inner_html=html></div> }.into_any()
        }
        PreviewKind::Table => view! { <Sheets sheets=p.sheets /> }.into_any(),
        PreviewKind::Document => blocks(p.blocks),
        PreviewKind::None => none(&p),
    };
    view! {
        {(!about.is_empty()).then(|| view! { <p class="muted small preview-about">{about}</p> })}
        {body}
        {truncated.then(|| view! { <p class="muted small preview-truncated">{move || tx.get(F::truncated)}</p> })}
    }
    .into_any()
}

/// A picture (its 1024 px thumbnail) or a PDF, fetched with the token and shown from an
/// object URL, which is revoked when the view goes.
#[component]
fn Blob(
    file: Uuid,
    version: i32,
    pdf: bool,
    name: String,
    size: (Option<u32>, Option<u32>),
) -> impl IntoView {
    let tx = use_tx();
    let last = Arc::new(Mutex::new(None::<String>));
    let keep = last.clone();
    let url = LocalResource::new(move || {
        let keep = keep.clone();
        async move {
            let u = if pdf {
                api::files::pdf_url(file, version).await
            } else {
                api::files::thumbnail_url(file, version, 1024).await
            }?;
            if let Ok(mut l) = keep.lock()
                && let Some(old) = l.replace(u.clone())
            {
                let _ = web_sys::Url::revoke_object_url(&old);
            }
            Ok::<_, ApiError>(u)
        }
    });
    // A Content-Security-Policy without `frame-src blob:` makes the browser refuse the frame
    // (and draw a broken page in it): then the PDF is offered in a tab of its own instead.
    let blocked = RwSignal::new(false);
    let watch = pdf.then(|| {
        window_event_listener_untyped("securitypolicyviolation", move |ev| {
            let field = |k: &str| {
                js_sys::Reflect::get(&ev, &k.into())
                    .ok()
                    .and_then(|v| v.as_string())
                    .unwrap_or_default()
            };
            if field("effectiveDirective") == "frame-src" && field("blockedURI").starts_with("blob")
            {
                blocked.set(true);
            }
        })
    });
    on_cleanup(move || {
        if let Some(w) = watch {
            w.remove();
        }
        if let Ok(mut l) = last.lock()
            && let Some(u) = l.take()
        {
            let _ = web_sys::Url::revoke_object_url(&u);
        }
    });
    view! {
        {move || match url.get() {
            None => view! { <Loading /> }.into_any(),
            Some(Err(e)) => view! { <ErrorBox error=e retry=Callback::new(move |()| url.refetch()) /> }.into_any(),
            Some(Ok(u)) if pdf => view! {
                <Show when=move || blocked.get()>
                    <p class="banner pdf-blocked" role="status">{move || tx.get(F::pdf_blocked)}</p>
                </Show>
                <iframe class="pdf-frame" src=u.clone() title=format!("PDF · {name}") hidden=move || blocked.get()></iframe>
                // The browser's own viewer in a tab of its own: also where a policy that keeps
                // PDFs out of frames leaves the reader.
                <p class="small"><a class="btn small" href=u target="_blank" rel="noopener">{move || tx.get(F::open_new_tab)}</a></p>
            }.into_any(),
            Some(Ok(u)) => view! {
                <div class="image-view">
                    <img src=u alt=name.clone() width=size.0 height=size.1 />
                </div>
            }.into_any(),
        }}
    }
}

/// Only the token kinds the server names become classes (`tok-keyword` …).
fn token_class(c: &str) -> Option<String> {
    c.chars()
        .all(|ch| ch.is_ascii_lowercase() || ch == '_')
        .then(|| format!("tok-{c}"))
}

/// Highlighted lines with their numbers (drawn by CSS, so copying the code leaves them out).
fn text(lines: Vec<Vec<TextSpan>>, name: String) -> AnyView {
    // Focusable, so the keyboard can scroll long lines sideways.
    view! {
        <div class="code-view" tabindex="0" role="region" aria-label=name>
            <table class="code">
                <tbody>
                    {lines.into_iter().enumerate().map(|(n, spans)| view! {
                        <tr>
                            <td class="ln" data-n=n + 1 aria-hidden="true"></td>
                            <td class="lc">{spans.into_iter().map(|s| match s.class.as_deref().and_then(token_class) {
                                Some(c) => view! { <span class=c>{s.text}</span> }.into_any(),
                                None => s.text.into_any(),
                            }).collect_view()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

/// A spreadsheet or CSV: its sheets as tabs, each a table whose first row is the header.
#[component]
fn Sheets(sheets: Vec<PreviewSheet>) -> impl IntoView {
    let tx = use_tx();
    let current = RwSignal::new(0usize);
    let names: Vec<String> = sheets.iter().map(|s| s.name.clone()).collect();
    let count = names.len();
    let sheets = StoredValue::new(sheets);
    let tabs = (count > 1).then(|| {
        view! {
            <div class="sheet-tabs" role="tablist" aria-label=move || tx.get(F::sheets)>
                {names.into_iter().enumerate().map(|(n, name)| view! {
                    <button type="button" role="tab" class="sheet-tab" id=format!("sheet-tab-{n}")
                        aria-selected=move || if current.get() == n { "true" } else { "false" }
                        aria-controls="sheet-panel"
                        tabindex=move || if current.get() == n { "0" } else { "-1" }
                        on:click=move |_| current.set(n)
                        on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                            let next = match ev.key().as_str() {
                                "ArrowRight" => (n + 1) % count,
                                "ArrowLeft" => (n + count - 1) % count,
                                _ => return,
                            };
                            ev.prevent_default();
                            current.set(next);
                            super::focus_first(format!("#sheet-tab-{next}"));
                        }>
                        {name}
                    </button>
                }).collect_view()}
            </div>
        }
    });
    view! {
        {tabs}
        <div id="sheet-panel" role=(count > 1).then_some("tabpanel")>
            {move || sheets.with_value(|all| all.get(current.get()).cloned()).map(|s| {
                let mut rows = s.rows.into_iter();
                let head = rows.next().unwrap_or_default();
                view! {
                    <div class="table-wrap sheet-wrap" tabindex="0">
                        <table class="table sheet">
                            <thead><tr>
                                <th class="rn" aria-hidden="true"></th>
                                {head.into_iter().map(|c| view! { <th scope="col">{c}</th> }).collect_view()}
                            </tr></thead>
                            <tbody>
                                {rows.enumerate().map(|(n, r)| view! {
                                    <tr>
                                        <td class="rn" aria-hidden="true">{n + 2}</td>
                                        {r.into_iter().map(|c| view! { <td>{c}</td> }).collect_view()}
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                    {s.truncated.then(|| view! { <p class="muted small">{move || tx.get(F::table_truncated)}</p> })}
                }
            })}
        </div>
    }
}

/// A word-processor document as headings, paragraphs, list items and tables.
fn blocks(list: Vec<DocumentBlock>) -> AnyView {
    // Consecutive table rows make one table.
    let mut parts: Vec<AnyView> = Vec::new();
    let mut table: Vec<Vec<String>> = Vec::new();
    let flush = |table: &mut Vec<Vec<String>>, parts: &mut Vec<AnyView>| {
        if table.is_empty() {
            return;
        }
        let rows = std::mem::take(table);
        parts.push(
            view! {
                <div class="table-wrap"><table class="table"><tbody>
                    {rows.into_iter().map(|r| view! { <tr>{r.into_iter().map(|c| view! { <td>{c}</td> }).collect_view()}</tr> }).collect_view()}
                </tbody></table></div>
            }
            .into_any(),
        );
    };
    for b in list {
        if b.kind == BlockKind::TableRow {
            table.push(b.cells);
            continue;
        }
        flush(&mut table, &mut parts);
        let level = b.level;
        parts.push(match b.kind {
            BlockKind::Heading => match level {
                0 | 1 => view! { <h2>{b.text}</h2> }.into_any(),
                2 => view! { <h3>{b.text}</h3> }.into_any(),
                3 => view! { <h4>{b.text}</h4> }.into_any(),
                _ => view! { <h5>{b.text}</h5> }.into_any(),
            },
            BlockKind::ListItem => view! {
                <p class="doc-li" style=("--level", level.max(1).to_string())>{b.text}</p>
            }
            .into_any(),
            _ => view! { <p>{b.text}</p> }.into_any(),
        });
    }
    flush(&mut table, &mut parts);
    view! { <div class="doc-view">{parts}</div> }.into_any()
}

/// No preview: why, and what the file is.
fn none(p: &FilePreview) -> AnyView {
    let tx = use_tx();
    let i = use_i18n();
    let lib = use_lib();
    let why = match p.unavailable {
        Some(PreviewUnavailable::TooLarge) => F::why_too_large,
        Some(PreviewUnavailable::Unreadable) => F::why_unreadable,
        Some(PreviewUnavailable::TooComplex) => F::why_too_complex,
        _ => F::why_unsupported,
    };
    let (file, version, name) = (p.file_id, p.version, p.name.clone());
    let download = move |_| {
        let name = name.clone();
        leptos::task::spawn_local(async move {
            if let Err(e) = api::files::download(file, version, &name).await {
                lib.fail(&e);
            }
        });
    };
    view! {
        <div class="no-preview">
            <p class="empty-title">{move || tx.get(F::preview_none)}</p>
            <p class="muted">{move || tx.get(why)}</p>
            <dl class="facts">
                <dt>{move || tx.get(F::type_label)}</dt><dd>{p.content_type.clone()}</dd>
                <dt>{move || tx.get(F::size_label)}</dt><dd>{size(p.size)}</dd>
            </dl>
            <button type="button" class="btn primary" on:click=download>{move || i.t().download}</button>
        </div>
    }
    .into_any()
}
