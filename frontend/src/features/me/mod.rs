//! 个人中心: profile and avatar, quick-reply templates, personal access tokens.

mod profile;
mod quick_replies;
mod security;
mod tokens;

use leptos::prelude::*;
use tandem_web_logic::texts::Me as M;

use crate::i18n::texts::{Texts, WithTexts, use_texts};

/// The personal center's own texts (`frontend/areas/me.json`), fetched with its first page so
/// the first screen does not carry them.
#[derive(Clone, Copy)]
pub(crate) struct Mt(Texts);

impl Mt {
    pub fn get(self, k: M) -> String {
        self.0.get(k as usize)
    }

    pub fn untracked(self, k: M) -> String {
        self.0.get_untracked(k as usize)
    }
}

pub(crate) fn use_mt() -> Mt {
    Mt(use_texts())
}

#[component]
pub fn ProfilePage() -> impl IntoView {
    view! { <WithTexts area="me"><profile::Profile /></WithTexts> }
}

#[component]
pub fn QuickRepliesPage() -> impl IntoView {
    view! { <WithTexts area="me"><quick_replies::QuickReplies /></WithTexts> }
}

#[component]
pub fn SecurityPage() -> impl IntoView {
    view! { <WithTexts area="me"><security::Security /></WithTexts> }
}

#[component]
pub fn TokensPage() -> impl IntoView {
    view! { <WithTexts area="me"><tokens::Tokens /></WithTexts> }
}
