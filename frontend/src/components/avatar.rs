//! Avatars, downloaded once per profile version.

use std::cell::RefCell;
use std::collections::HashMap;

use leptos::prelude::*;
use uuid::Uuid;

use crate::api::{self};

thread_local! {
    // Object URLs of downloaded avatars by user, with the profile version they belong to, so the
    // top bar and lists don't fetch the same picture again. A newer version replaces (and frees)
    // the older URL.
    static AVATARS: RefCell<HashMap<Uuid, (String, String)>> = RefCell::new(HashMap::new());
}

fn cached_avatar(user: Uuid, version: &str) -> Option<String> {
    AVATARS.with(|m| {
        m.borrow()
            .get(&user)
            .filter(|(v, _)| v == version)
            .map(|(_, url)| url.clone())
    })
}

fn cache_avatar(user: Uuid, version: String, url: String) {
    let old = AVATARS.with(|m| m.borrow_mut().insert(user, (version, url)));
    if let Some((_, old)) = old {
        let _ = web_sys::Url::revoke_object_url(&old);
    }
}

/// Forgets a user's cached avatar (after uploading a new one).
pub fn forget_avatar(user: Uuid) {
    if let Some((_, url)) = AVATARS.with(|m| m.borrow_mut().remove(&user)) {
        let _ = web_sys::Url::revoke_object_url(&url);
    }
}

/// A user's picture, or their initial on a coloured circle when they have none.
#[component]
pub fn Avatar(
    user_id: Uuid,
    name: String,
    has_avatar: bool,
    #[prop(optional)] version: String,
    #[prop(optional)] large: bool,
) -> impl IntoView {
    let url = LocalResource::new(move || {
        let version = version.clone();
        async move {
            if !has_avatar {
                return None;
            }
            if let Some(u) = cached_avatar(user_id, &version) {
                return Some(u);
            }
            let u = api::blob_url(&format!("/users/{user_id}/avatar"))
                .await
                .ok()?;
            cache_avatar(user_id, version, u.clone());
            Some(u)
        }
    });
    let initial: String = name
        .chars()
        .next()
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_default();
    // A stable colour per user, from a small palette with enough contrast for white text.
    let palette = [
        "#3370ff", "#0f7b6c", "#b4531c", "#7b4ddb", "#c0365a", "#2f6f9f",
    ];
    let colour = palette[(user_id.as_u128() % palette.len() as u128) as usize];
    let class = if large { "avatar avatar-lg" } else { "avatar" };
    view! {
        {move || match url.get().flatten() {
            // The name is always shown next to the picture: an empty alt avoids reading it twice.
            Some(u) => view! { <img class=class src=u alt="" /> }.into_any(),
            None => view! {
                <span class=class style:background=colour aria-hidden="true">
                    {initial.clone()}
                </span>
            }
            .into_any(),
        }}
    }
}
