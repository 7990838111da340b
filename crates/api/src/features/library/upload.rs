//! Receiving file contents, shared by the library and task attachments: the bytes stream into
//! the blob store while they are counted (413 past the limit, nothing kept) and hashed; the
//! type is sniffed from the content; the uploaded name is display text. Recording the content
//! ([`record`]) happens in the caller's writing transaction, with the quota check; whatever
//! goes wrong after the bytes were stored removes them again ([`discard`]).

use actix_web::HttpRequest;
use actix_web::http::header;
use futures_util::{StreamExt, TryStreamExt};
use tandem_db::files::{self as repo, NewVersion, Staged};
use tandem_files::{BlobWriter, StagedBlob, WriteError};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Content received and stored under a fresh key, not yet recorded.
#[derive(Debug, Clone)]
pub struct Received {
    pub name: String,
    pub blob: StagedBlob,
    pub content_type: String,
}

impl Received {
    pub fn version(&self, note: Option<String>, by: Uuid) -> NewVersion {
        NewVersion {
            name: self.name.clone(),
            size: i64::try_from(self.blob.size).unwrap_or(i64::MAX),
            sha256: self.blob.sha256.clone(),
            content_type: self.content_type.clone(),
            note,
            created_by: by,
        }
    }
}

fn store_error(e: WriteError) -> ApiError {
    match e {
        WriteError::TooLarge => ApiError::PayloadTooLarge,
        WriteError::Store(e) => ApiError::internal(e),
    }
}

pub fn bad_form(e: impl std::fmt::Display) -> ApiError {
    ApiError::BadRequest {
        code: "bad_multipart",
        detail: format!("the multipart form could not be read: {e}"),
    }
}

/// Streams a byte stream into a new blob named `name`.
pub async fn receive<S, E>(state: &AppState, name: String, mut stream: S) -> ApiResult<Received>
where
    S: futures_util::Stream<Item = Result<actix_web::web::Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let mut w = BlobWriter::start(&state.files, state.config.max_upload_bytes)
        .await
        .map_err(store_error)?;
    while let Some(chunk) = stream.next().await {
        let chunk = match chunk {
            Ok(c) => c,
            Err(e) => {
                w.abort().await;
                return Err(bad_form(e));
            }
        };
        if let Err(e) = w.write(chunk).await {
            w.abort().await;
            return Err(store_error(e));
        }
    }
    if w.size() == 0 {
        w.abort().await;
        return Err(ApiError::validation("file", "empty", "the file is empty"));
    }
    let blob = w.finish().await.map_err(store_error)?;
    let content_type = tandem_files::names::sniff(&blob.head);
    Ok(Received {
        name,
        blob,
        content_type,
    })
}

/// Streams one multipart file field into a new blob.
pub async fn receive_field(state: &AppState, field: actix_multipart::Field) -> ApiResult<Received> {
    let name = tandem_files::names::clean_name(
        field
            .content_disposition()
            .and_then(|cd| cd.get_filename())
            .unwrap_or("file"),
    );
    receive(state, name, field).await
}

/// A short text field of a multipart form.
pub async fn text_field(mut field: actix_multipart::Field, max: usize) -> ApiResult<String> {
    let mut buf = Vec::new();
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(bad_form)?;
        if buf.len() + chunk.len() > max {
            return Err(ApiError::validation(
                field.name().unwrap_or("field"),
                "length",
                "too long",
            ));
        }
        buf.extend_from_slice(&chunk);
    }
    let s = String::from_utf8(buf)
        .map_err(|_| ApiError::validation("form", "utf8", "text must be UTF-8"))?;
    if s.contains('\0') {
        return Err(ApiError::validation(
            field.name().unwrap_or("field"),
            "nul",
            "text must not contain NUL characters",
        ));
    }
    Ok(s)
}

/// A multipart form: `file` plus the text fields named in `fields` (at most `max` bytes
/// each). The file must come once; anything else is refused, and the stored bytes go again.
pub struct Form {
    pub file: Received,
    pub fields: Vec<(String, String)>,
}

impl Form {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

pub async fn read_form(
    state: &AppState,
    req: &HttpRequest,
    payload: actix_web::web::Payload,
    fields: &[(&str, usize)],
) -> ApiResult<Form> {
    let is_multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !is_multipart {
        return Err(ApiError::UnsupportedMediaType(
            "send the file as multipart/form-data".into(),
        ));
    }
    let mut form = actix_multipart::Multipart::new(req.headers(), payload);
    let mut file: Option<Received> = None;
    let mut texts = Vec::new();
    let result: ApiResult<()> = async {
        while let Some(field) = form.try_next().await.map_err(bad_form)? {
            let name = field.name().unwrap_or_default().to_owned();
            if name == "file" && file.is_none() {
                file = Some(receive_field(state, field).await?);
                continue;
            }
            match fields.iter().find(|(n, _)| *n == name) {
                Some((_, max)) if !texts.iter().any(|(n, _): &(String, String)| *n == name) => {
                    let v = text_field(field, *max).await?;
                    texts.push((name, v));
                }
                _ => {
                    return Err(ApiError::validation(
                        &name,
                        "unknown_field",
                        "not a field of this form",
                    ));
                }
            }
        }
        Ok(())
    }
    .await;
    match (result, file) {
        (Ok(()), Some(file)) => Ok(Form {
            file,
            fields: texts,
        }),
        (Ok(()), None) => Err(ApiError::validation(
            "file",
            "required",
            "a file field is required",
        )),
        (Err(e), file) => {
            if let Some(f) = file {
                discard(state, &f).await;
            }
            Err(e)
        }
    }
}

/// Records received content in the caller's writing transaction, after checking the project's
/// quota; returns whether it duplicated stored content (see [`settle`]).
pub async fn record(
    txn: &impl tandem_db::ConnectionTrait,
    project_id: Uuid,
    r: &Received,
) -> ApiResult<bool> {
    let size = i64::try_from(r.blob.size).unwrap_or(i64::MAX);
    check_quota(txn, project_id, size).await?;
    Ok(repo::settle_blob(
        txn,
        Staged {
            key: &r.blob.key,
            sha256: &r.blob.sha256,
            size,
        },
    )
    .await?)
}

/// 409 `quota_exceeded` when `size` more bytes would take the project over its quota; read
/// in the writing transaction (the project row locked on PostgreSQL).
pub async fn check_quota(
    txn: &impl tandem_db::ConnectionTrait,
    project_id: Uuid,
    size: i64,
) -> ApiResult<()> {
    let Some(quota) = repo::quota_for_update(txn, project_id).await? else {
        return Ok(());
    };
    let (used, _, _) = repo::usage(txn, project_id).await?;
    if used.saturating_add(size) > quota {
        return Err(ApiError::Conflict {
            code: "quota_exceeded",
            detail: "the project's storage quota does not leave room for this file".into(),
            context: Some(serde_json::json!({
                "used_bytes": used, "quota_bytes": quota, "size": size
            })),
        });
    }
    Ok(())
}

/// Settles received bytes once the write is done: a duplicate's own copy goes at once (a job
/// queued with the record removes it otherwise), and a failed or refused write's copy goes.
pub async fn settle<T>(
    state: &AppState,
    r: &Received,
    result: ApiResult<(T, bool)>,
) -> ApiResult<T> {
    match result {
        Ok((out, duplicate)) => {
            if duplicate {
                let _ = tandem_files::blob::remove(&state.files, &r.blob.key).await;
            }
            Ok(out)
        }
        Err(e) => {
            discard(state, r).await;
            Err(e)
        }
    }
}

/// The write failed or was refused: the received bytes must not stay behind.
pub async fn discard(state: &AppState, r: &Received) {
    if let Err(e) = tandem_files::blob::remove(&state.files, &r.blob.key).await {
        tracing::warn!(error = %e, "could not remove an unrecorded upload");
    }
}
