//! One module per feature area; handler names are `verb_noun`.

pub mod access;
pub mod admin;
pub mod attachments;
pub mod audit;
pub mod auth;
pub mod batch;
pub mod board;
pub mod collaboration;
pub mod dashboard;
pub mod departments;
pub mod health;
pub mod keys;
pub mod library;
pub mod live;
pub mod me;
pub mod notify;
pub mod projects;
pub mod risks;
pub mod schedule;
pub mod tasks;
pub mod tokens;
pub mod users;

use actix_web::HttpResponse;
use actix_web::http::header;
use serde::Serialize;

/// 200 with an ETag for a versioned resource.
pub(crate) fn ok_with_etag<T: Serialize>(body: &T, version: i64) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, crate::extract::etag(version)))
        .json(body)
}

/// 201 with `Location` (and an ETag when the resource is versioned).
pub(crate) fn created<T: Serialize>(
    location: String,
    body: &T,
    version: Option<i64>,
) -> HttpResponse {
    let mut res = HttpResponse::Created();
    res.insert_header((header::LOCATION, location));
    if let Some(v) = version {
        res.insert_header((header::ETAG, crate::extract::etag(v)));
    }
    res.json(body)
}
