//! Two versions of a text compared, as the server's hunks (`GET /files/{id}/diff`): removed
//! lines red, added green, with both line numbers, a gap between hunks. Its styles are in the
//! style sheets of the areas that show it (files, docs).

use leptos::prelude::*;
use tandem_dto::{DiffHunk, DiffOp};

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
