//! F4 previews and F2 version comparison. A preview is read from a separate path than
//! downloads, always with `nosniff` and a sandbox policy: pictures come back re-encoded by the
//! server, PDFs for the browser's viewer, every other format as data the web app lays out
//! itself (highlighted lines, tables, document blocks, sanitized Markdown) — an uploaded
//! page or SVG is never rendered.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use object_store::path::Path as StorePath;
use object_store::{GetOptions, GetRange, ObjectStoreExt, PutPayload};
use tandem_db::entities::file_versions;
use tandem_db::files as repo;
use tandem_dto::{FileDiff, FilePreview, PreviewKind, PreviewUnavailable};
use tandem_files::preview::{self, Plan, Rendered};
use tokio::sync::Semaphore;
use uuid::Uuid;

use super::files::{ContentQuery, Seen, not_modified, seen, stream_version};
use crate::error::{ApiError, ApiResult};
use crate::extract::AuthUser;
use crate::state::AppState;

/// Previews decode pictures and inflate archives: a few at a time, whatever the number of
/// requests, so a burst costs queueing rather than memory.
static RENDERS: Semaphore = Semaphore::const_new(3);

/// Bumped when previews of the same bytes come out differently, so browsers fetch again.
const PREVIEW_REVISION: u32 = 1;

const SANDBOX: &str = "sandbox; default-src 'none'";

/// The version `number` of the file (default: the current one).
pub(crate) async fn version_of(
    state: &AppState,
    s: &Seen,
    number: Option<i32>,
    field: &str,
) -> ApiResult<file_versions::Model> {
    let number = number.unwrap_or(s.file.current_version);
    if !(1..=100_000).contains(&number) {
        return Err(ApiError::validation(field, "range", "1 to 100000"));
    }
    Ok(repo::find_version(&state.db, s.file.id, number).await?)
}

/// The first `len` bytes of the stored version.
async fn read_start(state: &AppState, v: &file_versions::Model, len: u64) -> ApiResult<Vec<u8>> {
    if len == 0 {
        return Ok(Vec::new());
    }
    let blob = repo::blob(&state.db, &v.sha256).await?;
    let opts = GetOptions {
        range: Some(GetRange::Bounded(0..len)),
        ..Default::default()
    };
    let got = state
        .files
        .get_opts(&StorePath::from(blob.storage_key.as_str()), opts)
        .await
        .map_err(ApiError::internal)?;
    Ok(got.bytes().await.map_err(ApiError::internal)?.to_vec())
}

/// Runs CPU work on the blocking pool, a few at a time.
async fn off_thread<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> ApiResult<T> {
    let _permit = RENDERS.acquire().await.map_err(ApiError::internal)?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(ApiError::internal)
}

/// F4: how to show a version of a file — its kind and, by kind, highlighted lines, table rows,
/// document blocks or sanitized HTML. Pictures and PDFs are fetched from `/preview/thumbnail`
/// and `/preview/pdf`. A version's preview never changes: the ETag answers repeats with 304.
#[utoipa::path(get, path = "/api/v1/files/{id}/preview", tag = "files", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "File id"), ContentQuery,
        ("If-None-Match" = Option<String>, Header, description = "The ETag last received")),
    responses(
        (status = 200, description = "The preview", body = FilePreview,
            headers(("ETag" = String, description = "Names the version's content"))),
        (status = 304, description = "Not modified"),
    ))]
#[tracing::instrument(skip_all, err)]
pub async fn preview_file(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: AuthUser,
    path: web::Path<Uuid>,
    query: web::Query<ContentQuery>,
) -> ApiResult<HttpResponse> {
    let s = seen(&state, &auth, path.into_inner(), false).await?;
    let v = version_of(&state, &s, query.version, "version").await?;
    // A version's name and bytes never change, and the name picks the text format: the
    // version names the preview (with the format's revision, for server upgrades).
    let etag = format!("\"preview{PREVIEW_REVISION}-{}-{}\"", s.file.id, v.number);
    if not_modified(&req, &etag) {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .finish());
    }
    let size = u64::try_from(v.size).unwrap_or(0);
    let plan = Plan::of(&v.name, &v.content_type);
    let rendered = match plan.read_limit(size) {
        None => Rendered::unavailable(PreviewUnavailable::TooLarge),
        Some(len) => {
            let bytes = read_start(&state, &v, len).await?;
            let name = v.name.clone();
            off_thread(move || preview::render(plan, &name, size, &bytes)).await?
        }
    };
    let body = rendered.into_dto(FilePreview {
        file_id: s.file.id,
        version: v.number,
        name: v.name.clone(),
        content_type: v.content_type.clone(),
        size: v.size,
        kind: PreviewKind::None,
        unavailable: None,
        truncated: false,
        width: None,
        height: None,
        language: None,
        encoding: None,
        lines: Vec::new(),
        html: None,
        sheets: Vec::new(),
        blocks: Vec::new(),
    });
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header(("Content-Security-Policy", SANDBOX))
        .json(body))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ThumbnailQuery {
    /// A version number (default: the current one).
    #[param(minimum = 1, maximum = 100000)]
    pub version: Option<i32>,
    /// The longest side wanted, in pixels (default 1024): served as 256 up to 256, else 1024.
    #[param(minimum = 1, maximum = 4096)]
    pub size: Option<u32>,
}

fn unavailable(why: PreviewUnavailable) -> ApiError {
    ApiError::conflict(
        "preview_unavailable",
        format!("this version has no such preview ({})", why.as_str()),
    )
}

/// F4: a picture's thumbnail, re-encoded by the server (PNG with transparency, JPEG
/// otherwise), upright by its EXIF orientation; made once per content and size and kept.
/// 409 `preview_unavailable` when the version is not a picture that can be read.
#[utoipa::path(get, path = "/api/v1/files/{id}/preview/thumbnail", tag = "files", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "File id"), ThumbnailQuery,
        ("If-None-Match" = Option<String>, Header, description = "The ETag last received")),
    responses(
        (status = 200, description = "The thumbnail: image/jpeg, or image/png when it has transparency (declared as bytes for generated clients)", content_type = "application/octet-stream", body = Vec<u8>,
            headers(("ETag" = String, description = "Names the content and size"))),
        (status = 304, description = "Not modified"),
        (status = 409, description = "Not a readable picture", body = tandem_dto::Problem),
    ))]
#[tracing::instrument(skip_all, err)]
pub async fn preview_thumbnail(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: AuthUser,
    path: web::Path<Uuid>,
    query: web::Query<ThumbnailQuery>,
) -> ApiResult<HttpResponse> {
    let wanted = query.size.unwrap_or(1024);
    if !(1..=4096).contains(&wanted) {
        return Err(ApiError::validation("size", "range", "1 to 4096"));
    }
    // The sizes kept: the smallest that is at least what was asked for.
    let side = preview::image::SIZES
        .iter()
        .copied()
        .find(|s| *s >= wanted)
        .unwrap_or(1024);
    let s = seen(&state, &auth, path.into_inner(), false).await?;
    let v = version_of(&state, &s, query.version, "version").await?;
    if Plan::of(&v.name, &v.content_type) != Plan::Image {
        return Err(unavailable(PreviewUnavailable::Unsupported));
    }
    let etag = format!("\"thumb-{}-{side}\"", v.sha256);
    if not_modified(&req, &etag) {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .finish());
    }
    let size = u64::try_from(v.size).unwrap_or(0);
    if size > preview::IMAGE_BYTES {
        return Err(unavailable(PreviewUnavailable::TooLarge));
    }
    let blob = repo::blob(&state.db, &v.sha256).await?;
    let cached = StorePath::from(tandem_files::blob::preview_key(&blob.storage_key, side));
    let (bytes, content_type) = match state.files.get(&cached).await {
        Ok(got) => {
            let bytes = got.bytes().await.map_err(ApiError::internal)?.to_vec();
            // Thumbnails are only ever PNG or JPEG, ours; the signature tells which.
            let ct = if bytes.starts_with(b"\x89PNG") {
                "image/png"
            } else {
                "image/jpeg"
            };
            (bytes, ct)
        }
        Err(_) => {
            let original = read_start(&state, &v, size).await?;
            let (bytes, ct) = off_thread(move || preview::image::thumbnail(&original, side))
                .await?
                .map_err(unavailable)?;
            // Keeping it is an optimisation: a failed write is made again next time.
            if let Err(e) = state
                .files
                .put(&cached, PutPayload::from(bytes.clone()))
                .await
            {
                tracing::warn!(error = %e, "thumbnail not kept");
            }
            (bytes, ct)
        }
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "private, max-age=86400"))
        .insert_header((header::CONTENT_DISPOSITION, "inline"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header(("Content-Security-Policy", SANDBOX))
        .body(bytes))
}

/// F4: a PDF for the browser's own viewer (inline, sandboxed, `nosniff`), with `Range` so the
/// viewer can read pages as it needs them. 409 `preview_unavailable` for any other type.
#[utoipa::path(get, path = "/api/v1/files/{id}/preview/pdf", tag = "files", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "File id"), ContentQuery,
        ("Range" = Option<String>, Header, description = "One byte range, e.g. `bytes=0-1023`"),
        ("If-None-Match" = Option<String>, Header, description = "The ETag last downloaded")),
    responses(
        (status = 200, description = "The PDF, sent as application/pdf (declared as bytes for generated clients)", content_type = "application/octet-stream", body = Vec<u8>,
            headers(("ETag" = String, description = "The content's SHA-256, quoted"),
                ("Accept-Ranges" = String, description = "bytes"))),
        (status = 206, description = "The requested range", content_type = "application/octet-stream", body = Vec<u8>,
            headers(("Content-Range" = String, description = "bytes a-b/length"))),
        (status = 304, description = "Not modified"),
        (status = 409, description = "Not a PDF", body = tandem_dto::Problem),
        (status = 416, description = "The range is outside the file"),
    ))]
#[tracing::instrument(skip_all, err)]
pub async fn preview_pdf(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: AuthUser,
    path: web::Path<Uuid>,
    query: web::Query<ContentQuery>,
) -> ApiResult<HttpResponse> {
    let s = seen(&state, &auth, path.into_inner(), false).await?;
    let v = version_of(&state, &s, query.version, "version").await?;
    if Plan::of(&v.name, &v.content_type) != Plan::Pdf {
        return Err(unavailable(PreviewUnavailable::Unsupported));
    }
    stream_version(&state, &req, &v, "inline").await
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DiffQuery {
    /// The older version (default: the one before `to`).
    #[param(minimum = 1, maximum = 100000)]
    pub from: Option<i32>,
    /// The newer version (default: the current one).
    #[param(minimum = 1, maximum = 100000)]
    pub to: Option<i32>,
}

/// F2: what changed between two versions of a text file, as hunks of lines with context.
/// 409 `not_text` when either version is not text.
#[utoipa::path(get, path = "/api/v1/files/{id}/diff", tag = "files", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "File id"), DiffQuery),
    responses(
        (status = 200, description = "The differences", body = FileDiff),
        (status = 409, description = "A version is not text", body = tandem_dto::Problem),
    ))]
#[tracing::instrument(skip_all, err)]
pub async fn diff_versions(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
    query: web::Query<DiffQuery>,
) -> ApiResult<HttpResponse> {
    let s = seen(&state, &auth, path.into_inner(), false).await?;
    let to = version_of(&state, &s, query.to, "to").await?;
    let from_number = query.from.unwrap_or((to.number - 1).max(1));
    let from = version_of(&state, &s, Some(from_number), "from").await?;
    let limit = tandem_files::diff::DIFF_BYTES;
    let cut = [&from, &to]
        .iter()
        .any(|v| u64::try_from(v.size).unwrap_or(0) > limit);
    let (old, new) = if from.sha256 == to.sha256 {
        let same = read_start(&state, &to, to_len(&to, limit)).await?;
        (same.clone(), same)
    } else {
        (
            read_start(&state, &from, to_len(&from, limit)).await?,
            read_start(&state, &to, to_len(&to, limit)).await?,
        )
    };
    let compared = off_thread(move || tandem_files::diff::compare(&old, &new, cut))
        .await?
        .ok_or_else(|| ApiError::conflict("not_text", "only text versions can be compared"))?;
    Ok(HttpResponse::Ok().json(FileDiff {
        file_id: s.file.id,
        from: from.number,
        to: to.number,
        insertions: compared.insertions,
        deletions: compared.deletions,
        hunks: compared.hunks,
        truncated: compared.truncated,
    }))
}

fn to_len(v: &file_versions::Model, limit: u64) -> u64 {
    u64::try_from(v.size).unwrap_or(0).min(limit)
}
