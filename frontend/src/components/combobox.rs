//! A searchable single choice for lists too long to scroll through in a `<select>` (people):
//! the WAI-ARIA combobox pattern with a list box. Typing filters; Up/Down move through the
//! choices, Enter picks, Escape closes and keeps the previous choice, the mouse works too.
//!
//! Focus stays on the text box the whole time (the highlighted option is announced through
//! `aria-activedescendant`), so leaving the field never picks anything by accident.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::i18n::use_i18n;

/// The text box and its list box; the caller draws the `<label for=id>` (and any hint, whose
/// id goes in `described_by`), like for a `<select>`. `options` are (value, label) pairs; an
/// option with an empty value ("Unassigned") is an ordinary choice.
#[component]
pub fn Combobox(
    /// The text box's id (the list box is `{id}-listbox`, its options `{id}-opt-{n}`).
    #[prop(into)]
    id: String,
    #[prop(into)] options: Signal<Vec<(String, String)>>,
    /// The chosen value ("" when nothing is chosen).
    #[prop(into)]
    value: Signal<String>,
    on_pick: Callback<String>,
    #[prop(optional, into)] disabled: Signal<bool>,
    #[prop(optional, into)] described_by: Signal<Option<String>>,
    /// Shown in the empty text box when nothing is chosen.
    #[prop(optional)]
    placeholder: Option<fn(&'static crate::i18n::Tr) -> &'static str>,
) -> impl IntoView {
    let i = use_i18n();
    let listbox_id = format!("{id}-listbox");
    let opt_prefix = StoredValue::new(format!("{id}-opt-"));
    let open = RwSignal::new(false);
    // What the text box shows: the chosen option's label while closed, what was typed while
    // filtering.
    let text = RwSignal::new(String::new());
    // Whether the user has typed since opening: only then is the list filtered (opening a
    // field that already holds "Li Lei" shows everyone, not just Li Lei).
    let filtering = RwSignal::new(false);
    let active = RwSignal::new(None::<usize>);

    let label_of = move |v: &str| {
        options.with(|o| {
            o.iter()
                .find(|(val, _)| val == v)
                .map(|(_, l)| l.clone())
                .unwrap_or_default()
        })
    };
    // Closed: the box shows the current choice (also when it changes elsewhere, or its options
    // arrive after it).
    Effect::new(move || {
        if !open.get() {
            let v = value.get();
            text.set(label_of(&v));
            filtering.set(false);
        }
    });
    let shown = Memo::new(move |_| {
        let all = options.get();
        if !filtering.get() {
            return all;
        }
        let q = text.get().trim().to_lowercase();
        all.into_iter()
            .filter(|(_, l)| q.is_empty() || l.to_lowercase().contains(&q))
            .collect::<Vec<_>>()
    });

    let option_id = move |n: usize| format!("{}{n}", opt_prefix.get_value());
    let reveal = move |n: usize| {
        if let Some(el) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(&option_id(n)))
        {
            // Keyboard movement in a scrolled list: keep the highlighted option visible.
            el.scroll_into_view_with_bool(false);
        }
    };
    let open_list = move || {
        if open.get_untracked() {
            return;
        }
        let v = value.get_untracked();
        filtering.set(false);
        open.set(true);
        active.set(shown.with_untracked(|s| s.iter().position(|(val, _)| *val == v)));
    };
    let close = move || {
        open.set(false);
        active.set(None);
    };
    let pick = move |n: usize| {
        if let Some((v, _)) = shown.with_untracked(|s| s.get(n).cloned()) {
            close();
            // Closing puts the chosen label back in the box (the effect above).
            if v != value.get_untracked() {
                on_pick.run(v);
            }
        }
    };
    let keydown = move |ev: leptos::ev::KeyboardEvent| {
        let len = shown.with_untracked(Vec::len);
        match ev.key().as_str() {
            "ArrowDown" | "ArrowUp" if len > 0 => {
                ev.prevent_default();
                if !open.get_untracked() {
                    open_list();
                    return;
                }
                let down = ev.key() == "ArrowDown";
                let next = match active.get_untracked() {
                    None if down => 0,
                    None => len - 1,
                    Some(n) if down => (n + 1).min(len - 1),
                    Some(n) => n.saturating_sub(1),
                };
                active.set(Some(next));
                reveal(next);
            }
            "Enter" if open.get_untracked() => {
                // Picking must not also submit the form around it.
                ev.prevent_default();
                match active.get_untracked() {
                    Some(n) => pick(n),
                    None => close(),
                }
            }
            "Escape" if open.get_untracked() => {
                // Must not also close a dialog the field sits in.
                ev.prevent_default();
                ev.stop_propagation();
                close();
            }
            _ => {}
        }
    };
    let input = move |ev: leptos::ev::Event| {
        text.set(event_target_value(&ev));
        filtering.set(true);
        open.set(true);
        active.set((shown.with_untracked(Vec::len) > 0).then_some(0));
    };
    // Focus leaving the field (Tab, a click elsewhere) closes it without picking. Clicks on
    // options don't blur: their mousedown is cancelled.
    let blur = move |ev: leptos::ev::FocusEvent| {
        let inside = ev
            .related_target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|e| e.closest(".combobox").ok().flatten().is_some());
        if !inside {
            close();
        }
    };

    view! {
        <div class="combobox" class:open=move || open.get()>
            <input
                id=id
                type="text"
                role="combobox"
                autocomplete="off"
                aria-autocomplete="list"
                aria-expanded=move || if open.get() { "true" } else { "false" }
                aria-controls=listbox_id.clone()
                aria-activedescendant=move || active.get().filter(|_| open.get()).map(option_id)
                aria-describedby=move || described_by.get()
                placeholder=move || placeholder.map(|p| p(i.t()))
                disabled=move || disabled.get()
                prop:value=move || text.get()
                on:input=input
                on:keydown=keydown
                on:focus=move |ev| select_all(&ev)
                on:click=move |ev| {
                    if open.get_untracked() {
                        close()
                    } else {
                        // Typing then replaces the current choice's label instead of being
                        // appended to it ("未分配Ad" matches nobody).
                        select_all(&ev);
                        open_list()
                    }
                }
                on:blur=blur
            />
            <ul
                id=listbox_id
                role="listbox"
                class="combobox-list"
                hidden=move || !open.get()
                on:mousedown=|ev| ev.prevent_default()
            >
                {move || {
                    let current = value.get();
                    let list = shown.get();
                    if list.is_empty() {
                        return view! {
                            <li class="combobox-empty muted">{move || i.t().no_matches}</li>
                        }
                            .into_any();
                    }
                    list.into_iter()
                        .enumerate()
                        .map(|(n, (v, l))| {
                            let chosen = v == current;
                            view! {
                                <li
                                    id=option_id(n)
                                    role="option"
                                    class:chosen=chosen
                                    // As in the WAI-ARIA pattern: "selected" is the highlighted
                                    // option, the one Enter would pick.
                                    aria-selected=move || if active.get() == Some(n) { "true" } else { "false" }
                                    on:click=move |_| pick(n)
                                    on:mousemove=move |_| {
                                        if active.get_untracked() != Some(n) {
                                            active.set(Some(n));
                                        }
                                    }
                                >
                                    {l}
                                </li>
                            }
                        })
                        .collect_view()
                        .into_any()
                }}
            </ul>
        </div>
    }
}

/// Selects the text of the input an event came from.
fn select_all(ev: &impl AsRef<web_sys::Event>) {
    use wasm_bindgen::JsCast;
    if let Some(el) = ev
        .as_ref()
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
    {
        el.select();
    }
}
