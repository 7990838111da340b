//! Two versions of a text compared, as the server's hunks (`GET /files/{id}/diff`): removed
//! lines red, added green, with both line numbers, a gap between hunks; and the version
//! pickers that ask for them (the library's file page and the document editor). Its styles are in the
//! style sheets of the areas that show it (files, docs).

use leptos::prelude::*;
use tandem_dto::{DiffHunk, DiffOp, FileDiff};

use super::{ErrorBox, Loading};

#[component]
pub fn DiffTable(hunks: Vec<DiffHunk>) -> impl IntoView {
    view! {
        <div class="code-view diff-view" tabindex="0">
            <table class="code diff">
                {hunks.into_iter().enumerate().map(|(k, h)| view! {
                    <tbody>
                        {(k > 0).then(|| view! { <tr class="hunk-gap"><td colspan="4">"⋯"</td></tr> })}
                        {h.lines.into_iter().map(|l| {
                            let (class, sign) = match l.op {
                                DiffOp::Insert => ("ins", "+"),
                                DiffOp::Delete => ("del", "−"),
                                DiffOp::Equal => ("eq", " "),
                            };
                            view! {
                                <tr class=class>
                                    <td class="ln" data-n=l.old_line.map(|n| n.to_string()).unwrap_or_default() aria-hidden="true"></td>
                                    <td class="ln" data-n=l.new_line.map(|n| n.to_string()).unwrap_or_default() aria-hidden="true"></td>
                                    <td class="sign">{sign}</td>
                                    <td class="lc">{l.text}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                }).collect_view()}
            </table>
        </div>
    }
}

/// What [`VersionCompare`] says, in the words of the area that shows it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum CompareText {
    From,
    To,
    Go,
    /// The two versions are the same.
    Same,
    /// "{0} lines added, {1} removed".
    Summary,
    /// Only part of the difference is shown.
    Truncated,
    /// The versions are not text.
    NotText,
}

/// Two versions of file `file` picked from `numbers` (newest first) and compared: the
/// server's hunks with a summary. It fetches the diff it draws, as an avatar fetches its
/// picture. `ids` prefixes the pickers' ids (`<ids>-from`, `<ids>-to`); `text` gives each
/// text (the summary's with its two counts) and is read in a tracked scope, so it follows the
/// language.
#[component]
pub fn VersionCompare(
    file: uuid::Uuid,
    numbers: Vec<i32>,
    ids: &'static str,
    text: Callback<(CompareText, String, String), String>,
) -> impl IntoView {
    let say = move |t: CompareText| text.run((t, String::new(), String::new()));
    let newest = numbers.first().copied().unwrap_or(1);
    let from = RwSignal::new(numbers.get(1).copied().unwrap_or(newest));
    let to = RwSignal::new(newest);
    let asked = RwSignal::new(None::<(i32, i32)>);
    let diff = LocalResource::new(move || async move {
        match asked.get() {
            Some((a, b)) => crate::api::files::diff(file, a, b).await.map(Some),
            None => Ok(None),
        }
    });
    let select = move |id: String, label: CompareText, value: RwSignal<i32>| {
        let numbers = numbers.clone();
        view! {
            <div class="field">
                <label for=id.clone()>{move || say(label)}</label>
                <select id=id on:change=move |ev| value.set(event_target_value(&ev).parse().unwrap_or(1))>
                    {numbers.into_iter().map(|n| view! {
                        <option value=n selected=move || value.get() == n>"v" {n}</option>
                    }).collect_view()}
                </select>
            </div>
        }
    };
    view! {
        <form class="compare-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let (a, b) = (from.get_untracked(), to.get_untracked());
            asked.set(Some((a.min(b), a.max(b))));
        }>
            {select(format!("{ids}-from"), CompareText::From, from)}
            {select(format!("{ids}-to"), CompareText::To, to)}
            <button type="submit" class="btn" disabled=move || from.get() == to.get()>{move || say(CompareText::Go)}</button>
        </form>
        {move || match diff.get() {
            None => view! { <Loading /> }.into_any(),
            Some(Ok(None)) => ().into_any(),
            Some(Err(e)) if e.code() == Some("not_text") => view! {
                <p class="muted" role="status">{move || say(CompareText::NotText)}</p>
            }.into_any(),
            Some(Err(e)) => view! { <ErrorBox error=e retry=Callback::new(move |()| diff.refetch()) /> }.into_any(),
            Some(Ok(Some(d))) => compared(d, text),
        }}
    }
}

fn compared(d: FileDiff, text: Callback<(CompareText, String, String), String>) -> AnyView {
    if d.hunks.is_empty() {
        return view! { <p class="muted" role="status">{move || text.run((CompareText::Same, String::new(), String::new()))}</p> }
            .into_any();
    }
    let (ins, del) = (d.insertions.to_string(), d.deletions.to_string());
    let title = format!("v{} → v{}", d.from, d.to);
    let summary = {
        let (ins, del) = (ins.clone(), del.clone());
        move || text.run((CompareText::Summary, ins.clone(), del.clone()))
    };
    view! {
        <p class="diff-summary" role="status">
            <strong>{title}</strong> " · "
            <span class="ins-text">"+" {ins}</span> " " <span class="del-text">"−" {del}</span>
            " · " {summary}
        </p>
        <DiffTable hunks=d.hunks />
        {d.truncated.then(|| view! { <p class="muted small">{move || text.run((CompareText::Truncated, String::new(), String::new()))}</p> })}
    }
    .into_any()
}
