//! F5: co-edited Markdown documents. A document is a library file of kind `doc`: its tiers,
//! trash and history are the library's; its live text is a Yjs document edited over
//! `WS /api/v1/ws/docs/{id}` (see `crate::rooms`), and its versions are snapshots of that
//! text — saved on request, ten minutes after unsaved changes, and when the last editor
//! leaves. Restoring a version edits the live text, so everyone in it sees the change.

use std::time::Duration;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::{AggregatedMessage, CloseCode, CloseReason, ProtocolError, Session};
use chrono::Utc;
use futures_util::StreamExt;
use object_store::ObjectStoreExt;
use tandem_db::files as repo;
use tandem_dto::{
    CreateDocRequest, DocResponse, DocTicketResponse, FileKind, FileLevel, FileResponse,
    LibraryChange, NodeKind, Page, ReplaceDocTextRequest, SaveDocVersionRequest,
};
use uuid::Uuid;

use super::files::{Seen, commit, in_txn, one, seen};
use super::upload::{self, Received};
use super::{Library, check_name, name_taken};
use crate::error::{ApiError, ApiResult, validate};
use crate::extract::{AuthUser, Credential, Json};
use crate::features::created;
use crate::rooms::Out;
use crate::state::AppState;

/// How long a ticket works.
const TICKET_TTL: Duration = Duration::from_secs(60);
/// How often a document socket checks that its rights still stand.
const RECHECK: Duration = Duration::from_secs(30);
const MARKDOWN: &str = "text/markdown; charset=utf-8";

fn socket_path(id: Uuid) -> String {
    format!("/api/v1/ws/docs/{id}")
}

/// A document the caller sees (404 for other files: they are not documents).
async fn doc_seen(state: &AppState, auth: &AuthUser, id: Uuid) -> ApiResult<Seen> {
    let s = seen(state, auth, id, false).await?;
    if s.file.kind != FileKind::Doc.as_str() {
        return Err(ApiError::NotFound);
    }
    Ok(s)
}

/// Whether the caller's edits are accepted: edit level on the file, a credential that may
/// write, the project not archived.
fn can_edit(auth: &AuthUser, s: &Seen) -> bool {
    tandem_domain::files::may_write(&auth.actor).is_ok()
        && s.lib.check(auth, Some(&s.access), FileLevel::Edit).is_ok()
}

async fn doc_response(state: &AppState, auth: &AuthUser, s: &Seen) -> ApiResult<DocResponse> {
    let (text, editors) = state
        .rooms
        .text(state, s.file.id)
        .await
        .map_err(ApiError::internal)?;
    Ok(DocResponse {
        file: one(&state.db, &s.file, &s.access).await?,
        text,
        can_edit: can_edit(auth, s),
        editors: u32::try_from(editors).unwrap_or(u32::MAX),
        socket: socket_path(s.file.id),
    })
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListDocsQuery {
    #[param(pattern = "^[A-Za-z0-9_-]{22}$")]
    pub cursor: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

/// F5: the project's documents the caller may see, wherever they are in the library, by
/// name.
#[utoipa::path(get, path = "/api/v1/projects/{id}/docs", tag = "files", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Project id"), ListDocsQuery),
    responses((status = 200, description = "Documents", body = Page<FileResponse>)))]
#[tracing::instrument(skip_all, err)]
pub async fn list_docs(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
    query: web::Query<ListDocsQuery>,
) -> ApiResult<HttpResponse> {
    let lib = Library::load(&state, &auth, path.into_inner()).await?;
    let q = query.into_inner();
    super::files::page(
        &state,
        &auth,
        &lib,
        super::files::Listing::Docs,
        q.cursor.as_deref(),
        q.limit,
    )
    .await
}

/// F5: a new document (Markdown, co-edited) in a folder, starting with `content`.
#[utoipa::path(post, path = "/api/v1/projects/{id}/docs", tag = "files", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Project id")),
    request_body = CreateDocRequest,
    responses(
        (status = 201, description = "Created", body = DocResponse,
            headers(("Location" = String, description = "The document"))),
        (status = 409, description = "The name is taken, or the quota is used up", body = tandem_dto::Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, err)]
pub async fn create_doc(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
    body: Json<CreateDocRequest>,
) -> ApiResult<HttpResponse> {
    let lib = Library::load(&state, &auth, path.into_inner()).await?;
    tandem_domain::files::may_write(&auth.actor)?;
    let body = body.into_inner()?;
    validate(&body)?;
    check_name("name", &body.name)?;
    let mut errors = Vec::new();
    crate::features::keys::check_key(body.external_key.as_deref(), "external_key", &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let name = body.name.trim().to_owned();
    let content = body.content.unwrap_or_default();
    let (_, first_update) =
        tandem_files::collab::DocState::create(&content).map_err(ApiError::internal)?;
    let received = stage(&state, name.clone(), content).await?;
    let result = async {
        let txn = tandem_db::begin_write(&state.db).await?;
        let lib = lib.reload(&txn, &auth).await?;
        lib.writable_place(&auth, body.folder_id)?;
        let place = body.folder_id.unwrap_or(lib.project_id());
        if let Some(existing) = repo::file_named(&txn, lib.project_id(), place, &name).await? {
            return Err(name_taken(NodeKind::File, existing.id));
        }
        let duplicate = upload::record(&txn, lib.project_id(), &received).await?;
        let f = repo::create_file(
            &txn,
            repo::NewFile {
                project_id: lib.project_id(),
                folder_id: body.folder_id,
                task_id: None,
                kind: FileKind::Doc.as_str().to_owned(),
                permission: "project".into(),
                viewers: None,
            },
            received.version(None, auth.user.id),
        )
        .await?;
        crate::features::keys::bind_new(
            &txn,
            tandem_dto::ExternalKeyKind::File,
            lib.project_id(),
            body.external_key.clone(),
            f.id,
            auth.user.id,
        )
        .await?;
        // The live text starts as the first version: written with it, so there is never a
        // document without its Yjs state.
        tandem_db::docs::append(&txn, f.id, state.rooms.instance, &[first_update]).await?;
        commit(&state, &auth, &lib, txn, &f, LibraryChange::Created).await?;
        Ok((f.id, duplicate))
    }
    .await;
    let id = upload::settle(&state, &received, result).await?;
    let s = doc_seen(&state, &auth, id).await?;
    let out = doc_response(&state, &auth, &s).await?;
    Ok(created(format!("/api/v1/docs/{id}"), &out, None))
}

/// A document's text stored as a blob under a fresh key, not yet recorded.
async fn stage(state: &AppState, name: String, text: String) -> ApiResult<Received> {
    let blob = tandem_files::blob::put_bytes(&state.files, text.into_bytes())
        .await
        .map_err(ApiError::internal)?;
    Ok(Received {
        name,
        blob,
        content_type: MARKDOWN.into(),
    })
}

/// F5: a document: its file, live text, whether the caller may edit it, and its socket.
#[utoipa::path(get, path = "/api/v1/docs/{id}", tag = "files", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Document id (its file id)")),
    responses((status = 200, description = "The document", body = DocResponse)))]
#[tracing::instrument(skip_all, err)]
pub async fn get_doc(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let s = doc_seen(&state, &auth, path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(doc_response(&state, &auth, &s).await?))
}

/// F5: a single-use ticket (one minute) for clients that cannot send a token when they
/// open a WebSocket — a stock `y-websocket` provider passes it as `params: { ticket }`. The
/// socket then has the rights of the credential that asked for the ticket.
#[utoipa::path(post, path = "/api/v1/docs/{id}/ticket", tag = "files", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Document id")),
    responses((status = 200, description = "The ticket", body = DocTicketResponse)))]
#[tracing::instrument(skip_all, err)]
pub async fn doc_ticket(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let s = doc_seen(&state, &auth, path.into_inner()).await?;
    let ticket = crate::security::random_token(32);
    let expires_at = Utc::now()
        + chrono::Duration::from_std(TICKET_TTL).unwrap_or(chrono::Duration::seconds(60));
    let (session_id, pat_id, credential_expires_at) = match &auth.credential {
        Credential::Session {
            session,
            expires_at,
        } => (
            *session,
            None,
            chrono::DateTime::from_timestamp(*expires_at, 0),
        ),
        Credential::Token { id, expires_at } => (None, Some(*id), *expires_at),
    };
    tandem_db::docs::issue_ticket(
        &state.db,
        tandem_db::docs::NewTicket {
            token_hash: crate::security::token_hash(&ticket),
            doc_id: s.file.id,
            user_id: auth.user.id,
            scopes: auth
                .actor
                .scopes
                .as_deref()
                .map(tandem_db::accounts::scopes_to_string),
            session_id,
            pat_id,
            credential_expires_at,
            expires_at,
        },
    )
    .await?;
    let url = format!("{}?ticket={ticket}", socket_path(s.file.id));
    Ok(HttpResponse::Ok().json(DocTicketResponse {
        ticket,
        expires_at,
        url,
    }))
}

/// Saves `text` as the newest version of the document (unless it is the current version's
/// text already); the file as the caller then sees it, or `None` when nothing was saved.
async fn save_text(
    state: &AppState,
    auth: &AuthUser,
    s: &Seen,
    text: String,
    note: Option<String>,
) -> ApiResult<Option<FileResponse>> {
    let current = repo::find_version(&state.db, s.file.id, s.file.current_version).await?;
    let sha = tandem_files::blob::sha256_hex(text.as_bytes());
    if sha == current.sha256 {
        return Ok(None);
    }
    let received = stage(state, s.file.name.clone(), text).await?;
    let result = async {
        let txn = tandem_db::begin_write(&state.db).await?;
        let (lib, current, _) = in_txn(&txn, auth, s, false, FileLevel::Edit).await?;
        let duplicate = upload::record(&txn, lib.project_id(), &received).await?;
        let saved =
            repo::add_version(&txn, current, received.version(note, auth.user.id), false).await?;
        let out = commit(state, auth, &lib, txn, &saved, LibraryChange::Updated).await?;
        Ok((out, duplicate))
    }
    .await;
    Ok(Some(upload::settle(state, &received, result).await?))
}

/// The room's automatic version: the text as `user` (its last writer) left it.
pub async fn save_version(state: &AppState, doc: Uuid, text: String, user: Uuid) -> ApiResult<()> {
    let auth = crate::extract::acting_as(state, user).await?;
    let s = doc_seen(state, &auth, doc).await?;
    save_text(state, &auth, &s, text, None).await.map(|_| ())
}

/// F5: save the live text as a version (with a note). When it equals the current version,
/// nothing is added and the answer is 200 with the file as it is.
#[utoipa::path(post, path = "/api/v1/docs/{id}/versions", tag = "files", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Document id")),
    request_body = SaveDocVersionRequest,
    responses(
        (status = 201, description = "Saved as a new version", body = FileResponse,
            headers(("Location" = String, description = "The file"), ("ETag" = String, description = "Its version"))),
        (status = 200, description = "Unchanged since the current version", body = FileResponse,
            headers(("ETag" = String, description = "Its version"))),
    ))]
#[tracing::instrument(skip_all, err)]
pub async fn save_doc_version(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
    body: Json<SaveDocVersionRequest>,
) -> ApiResult<HttpResponse> {
    let s = doc_seen(&state, &auth, path.into_inner()).await?;
    tandem_domain::files::may_write(&auth.actor)?;
    s.lib.check(&auth, Some(&s.access), FileLevel::Edit)?;
    let body = body.into_inner()?;
    validate(&body)?;
    let note = super::files::clean_note(body.note.as_deref())?;
    let (text, _) = state
        .rooms
        .text(&state, s.file.id)
        .await
        .map_err(ApiError::internal)?;
    match save_text(&state, &auth, &s, text, note).await? {
        Some(out) => Ok(created(
            format!("/api/v1/files/{}", out.id),
            &out,
            Some(out.version),
        )),
        None => Ok(crate::features::ok_with_etag(
            &one(&state.db, &s.file, &s.access).await?,
            s.file.version,
        )),
    }
}

/// F5: make an older version the live text again — as edits, so everyone in the document
/// sees it at once and what they type meanwhile is kept — and save it as a new version.
#[utoipa::path(post, path = "/api/v1/docs/{id}/versions/{n}/restore", tag = "files", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Document id"),
        ("n" = i32, Path, description = "Version number", minimum = 1)),
    responses((status = 200, description = "Restored", body = DocResponse)))]
#[tracing::instrument(skip_all, err)]
pub async fn restore_doc_version(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(Uuid, i32)>,
) -> ApiResult<HttpResponse> {
    let (id, n) = path.into_inner();
    let s = doc_seen(&state, &auth, id).await?;
    tandem_domain::files::may_write(&auth.actor)?;
    s.lib.check(&auth, Some(&s.access), FileLevel::Edit)?;
    if !(1..=100_000).contains(&n) {
        return Err(ApiError::validation("n", "range", "1 to 100000"));
    }
    let v = repo::find_version(&state.db, s.file.id, n).await?;
    let text = version_text(&state, &v).await?;
    state
        .rooms
        .replace(&state, s.file.id, text.clone(), auth.user.id)
        .await
        .map_err(ApiError::internal)?;
    save_text(
        &state,
        &auth,
        &s,
        text,
        Some(format!("restored from version {n}")),
    )
    .await?;
    let s = doc_seen(&state, &auth, id).await?;
    Ok(HttpResponse::Ok().json(doc_response(&state, &auth, &s).await?))
}

/// F5: make the live text the given Markdown — as edits, so everyone in the document sees it
/// at once and keeps their place — and save it as a version (none when nothing changed).
#[utoipa::path(put, path = "/api/v1/docs/{id}/text", tag = "files", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Document id")),
    request_body = ReplaceDocTextRequest,
    responses((status = 200, description = "The document with its new text", body = DocResponse)))]
#[tracing::instrument(skip_all, err)]
pub async fn replace_doc_text(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
    body: Json<ReplaceDocTextRequest>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let s = doc_seen(&state, &auth, id).await?;
    tandem_domain::files::may_write(&auth.actor)?;
    s.lib.check(&auth, Some(&s.access), FileLevel::Edit)?;
    let body = body.into_inner()?;
    validate(&body)?;
    if body.text.contains('\0') {
        return Err(ApiError::validation(
            "text",
            "nul",
            "text must not contain NUL characters",
        ));
    }
    let note = super::files::clean_note(body.note.as_deref())?;
    state
        .rooms
        .replace(&state, s.file.id, body.text.clone(), auth.user.id)
        .await
        .map_err(ApiError::internal)?;
    save_text(&state, &auth, &s, body.text, note).await?;
    let s = doc_seen(&state, &auth, id).await?;
    Ok(HttpResponse::Ok().json(doc_response(&state, &auth, &s).await?))
}

/// A version's text (documents' versions are Markdown; other bytes are refused).
pub(crate) async fn version_text(
    state: &AppState,
    v: &tandem_db::entities::file_versions::Model,
) -> ApiResult<String> {
    if v.size == 0 {
        return Ok(String::new());
    }
    let blob = repo::blob(&state.db, &v.sha256).await?;
    let bytes = state
        .files
        .get(&object_store::path::Path::from(blob.storage_key.as_str()))
        .await
        .map_err(ApiError::internal)?
        .bytes()
        .await
        .map_err(ApiError::internal)?;
    tandem_files::preview::text::decode(&bytes, false)
        .map(|d| d.text)
        .ok_or_else(|| ApiError::conflict("not_text", "this version is not text"))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SocketQuery {
    /// A ticket from `POST /docs/{id}/ticket`, for clients that cannot send
    /// `Sec-WebSocket-Protocol: bearer.<token>`.
    pub ticket: Option<String>,
}

/// The caller of a document socket: the token in `Sec-WebSocket-Protocol: bearer.<token>`
/// (echoed back, as the protocol requires), or a ticket.
async fn socket_caller(
    state: &AppState,
    req: &HttpRequest,
    doc: Uuid,
    ticket: Option<&str>,
) -> ApiResult<(AuthUser, Option<String>)> {
    let invalid = ApiError::Unauthorized {
        code: "invalid_token",
    };
    let offered = req
        .headers()
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| {
            h.split(',')
                .map(str::trim)
                .find(|p| p.starts_with("bearer."))
                .map(str::to_owned)
        });
    if let Some(p) = offered {
        let token = p.trim_start_matches("bearer.");
        let auth = crate::extract::authenticate(state, token, false).await?;
        return Ok((auth, Some(p)));
    }
    let ticket = ticket.ok_or(ApiError::Unauthorized {
        code: "token_required",
    })?;
    let t = tandem_db::docs::take_ticket(&state.db, &crate::security::token_hash(ticket), doc)
        .await?
        .ok_or(invalid)?;
    let mut auth = crate::extract::acting_as(state, t.user_id)
        .await
        .map_err(|_| ApiError::Unauthorized {
            code: "invalid_token",
        })?;
    auth.actor.scopes = t
        .scopes
        .as_deref()
        .map(tandem_db::accounts::scopes_from_string);
    auth.credential = match t.pat_id {
        Some(id) => Credential::Token {
            id,
            expires_at: t.credential_expires_at,
        },
        None => Credential::Session {
            session: t.session_id,
            expires_at: t.credential_expires_at.map(|t| t.timestamp()).unwrap_or(0),
        },
    };
    let credential = auth.credential.clone();
    crate::features::live::recheck_credential(state, &mut auth.actor, &credential)
        .await
        .map_err(|_| ApiError::Unauthorized {
            code: "invalid_token",
        })?;
    Ok((auth, None))
}

/// F5: edit a document live. The Yjs sync and awareness protocol in binary frames, exactly as
/// the stock `y-websocket` provider speaks it. Authentication before the upgrade:
/// `Sec-WebSocket-Protocol: bearer.<token>` (a WebSocket handshake header, so not a parameter
/// here: HTTP clients generated from this document cannot open the socket anyway), or
/// `?ticket=` (`POST /docs/{id}/ticket`); the access token is never in the URL. A viewer's edits are dropped; the socket closes with
/// 4401 when the credential ends and 4404 when the document is gone or no longer visible.
#[utoipa::path(get, path = "/api/v1/ws/docs/{id}", tag = "files",
    params(("id" = Uuid, Path, description = "Document id"), SocketQuery),
    responses(
        (status = 101, description = "Switching to the WebSocket protocol (Yjs sync and awareness messages)"),
        (status = 401, description = "No valid token or ticket", body = tandem_dto::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such document", body = tandem_dto::Problem, content_type = "application/problem+json"),
    ))]
pub async fn open_doc_socket(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Uuid>,
    query: web::Query<SocketQuery>,
    body: web::Payload,
) -> Result<HttpResponse, actix_web::Error> {
    let doc = path.into_inner();
    let (auth, protocol) = socket_caller(&state, &req, doc, query.ticket.as_deref()).await?;
    let s = doc_seen(&state, &auth, doc).await?;
    let write = can_edit(&auth, &s);
    let (mut response, session, stream) = actix_ws::handle(&req, body)?;
    if let Some(p) = protocol
        && let Ok(v) = header::HeaderValue::from_str(&p)
    {
        response
            .headers_mut()
            .insert(header::SEC_WEBSOCKET_PROTOCOL, v);
    }
    let max = tandem_files::collab::MAX_FRAME;
    let stream = stream
        .max_frame_size(max)
        .aggregate_continuations()
        .max_continuation_size(max);
    actix_web::rt::spawn(run_socket(state, auth, doc, write, session, stream));
    Ok(response)
}

async fn close(session: Session, code: u16, why: &str) {
    let _ = session
        .close(Some(CloseReason {
            code: CloseCode::Other(code),
            description: Some(why.to_owned()),
        }))
        .await;
}

async fn run_socket(
    state: web::Data<AppState>,
    mut auth: AuthUser,
    doc: Uuid,
    mut write: bool,
    mut session: Session,
    mut stream: actix_ws::AggregatedMessageStream,
) {
    let mut conn = match state.rooms.join(&state, doc, auth.user.id, write).await {
        Ok(c) => c,
        Err(_) => return close(session, 1011, "the document could not be opened").await,
    };
    // Rights are read again every 30 s (not at the access token's expiry: a long editing
    // session outlives it, and a stock client cannot re-authenticate; the session or token
    // behind it must stay alive, and the document visible).
    let mut recheck = tokio::time::interval(RECHECK);
    recheck.tick().await;
    loop {
        tokio::select! {
            msg = stream.next() => match msg {
                Some(Ok(AggregatedMessage::Binary(bytes))) => {
                    if !conn.send(bytes.to_vec()) {
                        return close(session, 1012, "the document closed").await;
                    }
                }
                Some(Ok(AggregatedMessage::Ping(p))) => {
                    if session.pong(&p).await.is_err() {
                        return;
                    }
                }
                Some(Ok(AggregatedMessage::Text(_) | AggregatedMessage::Pong(_))) => {}
                Some(Ok(AggregatedMessage::Close(_))) | None => return,
                Some(Err(ProtocolError::Overflow)) => {
                    return close(session, 1009, "frame too large").await;
                }
                Some(Err(_)) => return,
            },
            out = conn.out.recv() => match out {
                Some(Out::Frame(f)) => {
                    if session.binary(f.as_ref().clone()).await.is_err() {
                        return;
                    }
                }
                Some(Out::Close(code, why)) => return close(session, code, why).await,
                None => return close(session, 1012, "the document closed").await,
            },
            _ = recheck.tick() => {
                let credential = auth.credential.clone();
                if crate::features::live::recheck_credential(&state, &mut auth.actor, &credential)
                    .await
                    .is_err()
                {
                    return close(session, 4401, "credential no longer valid").await;
                }
                match doc_seen(&state, &auth, doc).await {
                    Ok(s) => {
                        let now = can_edit(&auth, &s);
                        if now != write {
                            write = now;
                            conn.set_write(now);
                        }
                    }
                    Err(ApiError::NotFound) => {
                        return close(session, 4404, "the document is gone").await;
                    }
                    // A moment without the database: the next check decides.
                    Err(_) => {}
                }
            }
        }
    }
}
