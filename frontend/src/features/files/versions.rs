//! F2: a file's versions — who made each, when, its size and note — each previewable,
//! downloadable and restorable (as a new version: history is never rewritten), and two of
//! them compared line by line.

use leptos::prelude::*;
use leptos::task::spawn_local;
use tandem_dto::{FileResponse, FileVersionResponse};
use tandem_web_logic::files::size;
use tandem_web_logic::texts::Files as F;

use super::{use_lib, use_tx};
use crate::api;
use crate::components::{CompareText, VersionCompare, fmt_time};
use crate::i18n::use_i18n;

#[component]
pub(super) fn Versions(
    file: FileResponse,
    versions: Vec<FileVersionResponse>,
    viewing: RwSignal<Option<i32>>,
    can_edit: bool,
) -> impl IntoView {
    let lib = use_lib();
    let tx = use_tx();
    let i = use_i18n();
    let id = file.id;
    let current = file.current_version;
    let restore = move |n: i32| {
        spawn_local(async move {
            match api::files::restore_version(id, n).await {
                Ok(f) => {
                    lib.toaster.success(lib.tx.fill(
                        F::version_restored,
                        &[&n.to_string(), &f.current_version.to_string()],
                    ));
                    lib.touch();
                }
                Err(e) => lib.fail(&e),
            }
        });
    };
    let numbers: Vec<i32> = versions.iter().map(|v| v.number).collect();
    view! {
        <section class="card file-versions" aria-labelledby="versions-title">
            <h2 id="versions-title">{move || i.t().versions} " " <span class="muted">{versions.len()}</span></h2>
            <ol class="fv-list" reversed>
                {versions.into_iter().map(|v| {
                    let n = v.number;
                    let at = v.created_at;
                    let by_id = v.created_by;
                    let name = v.name.clone();
                    let is_current = n == current;
                    let download = move |_| {
                        let name = name.clone();
                        spawn_local(async move {
                            if let Err(e) = api::files::download(id, n, &name).await {
                                lib.fail(&e);
                            }
                        });
                    };
                    let ns = n.to_string();
                    let (ns1, ns2, ns3) = (ns.clone(), ns.clone(), ns.clone());
                    view! {
                        <li class="fv" class:viewing=move || viewing.get().unwrap_or(current) == n data-version=n>
                            <div class="fv-head">
                                <span class="badge" class:badge-accent=is_current>"v" {n}</span>
                                {is_current.then(|| view! { <span class="muted small">{move || tx.get(F::current)}</span> })}
                                <span class="fv-name">{v.name.clone()}</span>
                            </div>
                            {v.note.clone().map(|note| view! { <p class="fv-note pre">{note}</p> })}
                            <p class="muted small">{size(v.size)} " · " {move || lib.name_of(by_id)} " · " {move || fmt_time(&at, i.lang.get())}</p>
                            <div class="actions">
                                <button type="button" class="btn small"
                                    aria-pressed=move || if viewing.get().unwrap_or(current) == n { "true" } else { "false" }
                                    aria-label=move || tx.fill_tracked(F::preview_version, &[&ns1])
                                    on:click=move |_| viewing.set((!is_current).then_some(n))>
                                    {move || i.t().preview}
                                </button>
                                <button type="button" class="btn small" on:click=download
                                    aria-label=move || tx.fill_tracked(F::download_version, &[&ns2])>
                                    {move || i.t().download}
                                </button>
                                {(can_edit && !is_current).then(|| view! {
                                    <button type="button" class="btn small" on:click=move |_| restore(n)
                                        aria-label=move || format!("{} v{}", tx.get(F::restore_version), ns3)>
                                        {move || tx.get(F::restore_version)}
                                    </button>
                                })}
                            </div>
                        </li>
                    }
                }).collect_view()}
            </ol>
        </section>
        {(numbers.len() > 1).then(|| view! { <Compare file=id numbers=numbers /> })}
    }
}

/// Two versions side by side in one list: removed lines red, added green, with both line
/// numbers.
#[component]
fn Compare(file: uuid::Uuid, numbers: Vec<i32>) -> impl IntoView {
    let tx = use_tx();
    let text = Callback::new(
        move |(t, ins, del): (CompareText, String, String)| match t {
            CompareText::From => tx.get(F::compare_from),
            CompareText::To => tx.get(F::compare_to),
            CompareText::Go => tx.get(F::compare_go),
            CompareText::Same => tx.get(F::diff_same),
            CompareText::Summary => tx.fill_tracked(F::diff_summary, &[&ins, &del]),
            CompareText::Truncated => tx.get(F::diff_truncated),
            CompareText::NotText => tx.get(F::err_not_text),
        },
    );
    view! {
        <section class="card file-compare" aria-labelledby="compare-title">
            <h2 id="compare-title">{move || tx.get(F::compare)}</h2>
            <VersionCompare file=file numbers=numbers ids="compare" text=text />
        </section>
    }
}
