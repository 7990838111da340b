//! A select that saves on its own, without one request per arrow key (the rule is
//! `tandem_web_logic::settle`).

use leptos::prelude::*;
use tandem_web_logic::settle::Settle;

/// Handlers to attach to such a select: `on:keydown`, `on:pointerdown`, `on:change` and
/// `on:blur`, all calling `save` at most once per settled choice.
#[derive(Clone, Copy)]
pub struct SettledSelect {
    state: StoredValue<Settle>,
    save: Callback<String>,
}

impl SettledSelect {
    pub fn new(save: impl Fn(String) + Send + Sync + 'static) -> Self {
        Self {
            state: StoredValue::new(Settle::default()),
            save: Callback::new(save),
        }
    }

    fn run(&self, v: Option<String>) {
        if let Some(v) = v {
            self.save.run(v);
        }
    }

    pub fn keydown(&self, ev: &leptos::ev::KeyboardEvent) {
        let key = ev.key();
        let v = self.state.try_update_value(|s| s.key(&key)).flatten();
        self.run(v);
    }

    pub fn pointerdown(&self) {
        self.state.update_value(Settle::pointer);
    }

    pub fn change(&self, ev: &leptos::ev::Event) {
        let value = event_target_value(ev);
        let v = self.state.try_update_value(|s| s.change(value)).flatten();
        self.run(v);
    }

    pub fn blur(&self) {
        let v = self.state.try_update_value(Settle::blur).flatten();
        self.run(v);
    }
}
