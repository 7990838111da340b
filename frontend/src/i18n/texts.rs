//! An area's texts and styles, fetched with its first page (`tandem_web_logic::texts` says
//! why). The built `index.html` names each area's content-hashed files in
//! `<meta name="tandem-texts" content="boards=/assets/…json,…">` and `tandem-styles`.

use std::collections::HashMap;
use std::sync::Arc;

use leptos::prelude::*;
use tandem_web_logic::texts::AreaTexts;

use super::{I18n, Lang, use_i18n};
use crate::api::ApiError;
use crate::components::{ErrorBox, Loading};

thread_local! {
    /// Areas already fetched in this tab: a page opened again reads them from here.
    static LOADED: std::cell::RefCell<HashMap<&'static str, Arc<AreaTexts>>> =
        Default::default();
}

fn url_of(kind: &str, area: &str) -> Option<String> {
    let doc = web_sys::window()?.document()?;
    let meta = doc
        .query_selector(&format!("meta[name=tandem-{kind}]"))
        .ok()??;
    let content = meta.get_attribute("content")?;
    content
        .split(',')
        .find_map(|p| p.strip_prefix(area)?.strip_prefix('=').map(str::to_owned))
}

async fn load(area: &'static str) -> Result<Arc<AreaTexts>, ApiError> {
    if let Some(t) = LOADED.with(|l| l.borrow().get(area).cloned()) {
        return Ok(t);
    }
    let (texts, ()) = futures::join!(fetch_texts(area), style(area));
    let t = Arc::new(texts?);
    LOADED.with(|l| l.borrow_mut().insert(area, t.clone()));
    Ok(t)
}

/// Adds the area's style sheet to the page once, and waits until it applies (no flash of
/// unstyled content). A style sheet that fails to load leaves the page plain, not broken.
async fn style(area: &'static str) {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let selector = format!("link[data-area={area}]");
    if doc.query_selector(&selector).ok().flatten().is_some() {
        return;
    }
    let (Some(url), Some(head)) = (url_of("styles", area), doc.head()) else {
        return;
    };
    let Ok(link) = doc.create_element("link") else {
        return;
    };
    let _ = link.set_attribute("rel", "stylesheet");
    let _ = link.set_attribute("href", &url);
    let _ = link.set_attribute("data-area", area);
    let done = js_sys::Promise::new(&mut |resolve, _| {
        let on = Closure::once_into_js(move || {
            let _ = resolve.call0(&wasm_bindgen::JsValue::NULL);
        });
        if let Some(el) = link.dyn_ref::<web_sys::HtmlElement>() {
            el.set_onload(Some(on.unchecked_ref()));
            el.set_onerror(Some(on.unchecked_ref()));
        }
    });
    let _ = head.append_child(&link);
    let _ = wasm_bindgen_futures::JsFuture::from(done).await;
}

async fn fetch_texts(area: &'static str) -> Result<AreaTexts, ApiError> {
    let url =
        url_of("texts", area).ok_or_else(|| ApiError::Network(format!("no texts for {area}")))?;
    let resp = gloo_net::http::Request::get(&url)
        .send()
        .await
        .map_err(|e| ApiError::Network(e.to_string()))?;
    if !resp.ok() {
        return Err(ApiError::Network(format!("{url}: {}", resp.status())));
    }
    resp.json()
        .await
        .map_err(|e| ApiError::Network(e.to_string()))
}

/// An area's texts in the reader's language (switches with it).
#[derive(Clone, Copy)]
pub struct Texts {
    texts: StoredValue<Arc<AreaTexts>>,
    i18n: I18n,
}

impl Texts {
    /// The text of `key` (an area enum's variant, e.g. `Boards::swimlanes as usize`).
    pub fn get(&self, key: usize) -> String {
        let zh = self.i18n.lang.get() == Lang::Zh;
        self.texts.with_value(|t| t.get(zh, key).to_owned())
    }

    pub fn get_untracked(&self, key: usize) -> String {
        let zh = self.i18n.lang.get_untracked() == Lang::Zh;
        self.texts.with_value(|t| t.get(zh, key).to_owned())
    }
}

/// Draws `children` once the area's texts are here (a spinner until then, an error with a
/// retry if they cannot be fetched); they read them with [`use_texts`].
#[component]
pub fn WithTexts(area: &'static str, children: ChildrenFn) -> impl IntoView {
    let i18n = use_i18n();
    let res = LocalResource::new(move || load(area));
    view! {
        {move || match res.get() {
            None => view! { <Loading /> }.into_any(),
            Some(Err(e)) => view! { <ErrorBox error=e retry=Callback::new(move |()| res.refetch()) /> }.into_any(),
            Some(Ok(t)) => {
                provide_context(Texts { texts: StoredValue::new(t), i18n });
                children().into_any()
            }
        }}
    }
}

pub fn use_texts() -> Texts {
    expect_context()
}
