//! Keyset-paged lists and filters kept in the URL.

use leptos::prelude::*;

use crate::api::{self, ApiError};

/// A keyset-paged list loaded from the API: the rows so far, the next cursor, and the loading
/// and error states. Answers to an older request (a filter changed meanwhile) are dropped.
pub struct Paged<T: Send + Sync + 'static> {
    pub items: RwSignal<Vec<T>>,
    pub next: RwSignal<Option<String>>,
    pub loading: RwSignal<bool>,
    pub failed: RwSignal<Option<ApiError>>,
    generation: StoredValue<u64>,
}

impl<T: Send + Sync + 'static> Clone for Paged<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Paged<T> {}

impl<T: serde::de::DeserializeOwned + Send + Sync + 'static> Paged<T> {
    pub fn new(loading: bool) -> Self {
        Self {
            items: RwSignal::new(Vec::new()),
            next: RwSignal::new(None),
            loading: RwSignal::new(loading),
            failed: RwSignal::new(None),
            generation: StoredValue::new(0),
        }
    }

    /// Loads the first page of `url` (a path with its query), or with `more` the page after
    /// the rows shown.
    pub fn load(self, url: String, more: bool) {
        let g = self.generation.get_value() + 1;
        self.generation.set_value(g);
        let mut u = url;
        if more && let Some(c) = self.next.get_untracked() {
            let sep = if u.contains('?') { '&' } else { '?' };
            u.push_str(&format!("{sep}cursor={}", api::enc(&c)));
        }
        self.loading.set(true);
        self.failed.set(None);
        leptos::task::spawn_local(async move {
            let res = api::get::<tandem_dto::Page<T>>(&u).await;
            // Also false when the page is gone (the stored value was disposed).
            if self.generation.try_get_value() != Some(g) {
                return;
            }
            match res {
                Ok(p) => {
                    if more {
                        self.items.update(|v| v.extend(p.items));
                    } else {
                        self.items.set(p.items);
                    }
                    self.next.set(p.next_cursor);
                }
                Err(e) => self.failed.set(Some(e)),
            }
            self.loading.set(false);
        });
    }
}

/// A list's filters as a query string (`?a=1&b=2`, empty values left out), for URLs that
/// keep the filters so a reload or a shared link shows the same list.
pub fn filter_query<'a>(pairs: impl IntoIterator<Item = (&'a str, String)>) -> String {
    let parts: Vec<String> = pairs
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("{k}={}", api::enc(v.trim())))
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

/// The current page's address with the filter `key` set to `value` and the other `keys` as
/// `query` has them: where a changed filter navigates to (with [`replace`]).
pub fn with_filter(
    query: &leptos_router::params::ParamsMap,
    keys: &[&str],
    key: &str,
    value: &str,
) -> String {
    with_filters(query, keys, &[(key, value)])
}

/// [`with_filter`] for several filters changed at once.
pub fn with_filters(
    query: &leptos_router::params::ParamsMap,
    keys: &[&str],
    changes: &[(&str, &str)],
) -> String {
    let qs = filter_query(keys.iter().map(|k| {
        let v = match changes.iter().find(|(c, _)| c == k) {
            Some((_, value)) => (*value).to_owned(),
            None => query.get(k).unwrap_or_default(),
        };
        (*k, v)
    }));
    let path = web_sys::window()
        .and_then(|w| w.location().pathname().ok())
        .unwrap_or_default();
    format!("{path}{qs}")
}

/// Navigation that replaces the history entry: changing a filter is not a new page.
pub fn replace() -> leptos_router::NavigateOptions {
    leptos_router::NavigateOptions {
        replace: true,
        ..Default::default()
    }
}
