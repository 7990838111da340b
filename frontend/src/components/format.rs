//! Dates, times and sizes as people read them.

/// Date and time in the browser's time zone, in the user's language.
pub fn fmt_time(t: &chrono::DateTime<chrono::Utc>, lang: crate::i18n::Lang) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(t.timestamp_millis() as f64));
    let opts = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&opts, &"dateStyle".into(), &"medium".into());
    let _ = js_sys::Reflect::set(&opts, &"timeStyle".into(), &"short".into());
    String::from(d.to_locale_string(lang.tag(), &opts))
}

pub use tandem_web_logic::format::{date_or_dash, human_size};
