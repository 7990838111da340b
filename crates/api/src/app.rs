//! The one app builder, shared by `tandem serve`, the tests and the OpenAPI exporter.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
use actix_web::{App, HttpRequest, HttpResponse, ResponseError, web};
use utoipa_swagger_ui::SwaggerUi;

use crate::error::{ApiError, PROBLEM_JSON};
use crate::extract::{json_config, path_config, query_config};

/// A task batch: 1000 tasks, each with up to 20 000 characters of description (3 bytes each in
/// Chinese) would be 60 MiB; 32 MiB is what a batch of long descriptions realistically takes.
const BATCH_JSON_LIMIT: usize = 32 * 1024 * 1024;
use crate::features::{
    admin, attachments, audit, auth, batch, board, collaboration, dashboard, departments, health,
    keys, me, projects, risks, schedule, tasks, tokens, users,
};
use crate::state::AppState;

pub fn build_app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let web_dir = state.config.web_dir.clone();
    let spec = crate::openapi::document();
    let allow = web::Data::new(AllowedMethods::from_spec(&spec));
    let mut app = App::new()
        .wrap(ErrorHandlers::new().default_handler(problem_for_bare_errors))
        .wrap(actix_web::middleware::Compress::default())
        // Method, path, status, size, seconds; never headers, so no token reaches the log.
        .wrap(actix_web::middleware::Logger::new("%a \"%r\" %s %b %T"))
        .wrap(
            actix_web::middleware::DefaultHeaders::new()
                .add(("X-Content-Type-Options", "nosniff"))
                .add(("Referrer-Policy", "same-origin")),
        )
        .app_data(web::Data::new(state))
        .app_data(allow)
        .app_data(json_config())
        .app_data(query_config())
        .app_data(path_config())
        .service(web::resource("/api/health").route(web::get().to(health::get_health)))
        .service(web::resource("/api/ping").route(web::get().to(health::get_ping)))
        .service(
            SwaggerUi::new("/api/docs/{_:.*}").external_url_unchecked("/api/openapi.json", spec),
        )
        .service(web::redirect("/api/docs", "/api/docs/"))
        .service(
            web::scope("/api/v1")
                .wrap(actix_web::middleware::from_fn(
                    crate::idempotency::middleware,
                ))
                .wrap(actix_web::middleware::from_fn(invalidate_after_writes))
                .configure(api_v1),
        )
        .service(web::scope("/api").default_service(web::to(not_found)));
    app = match web_dir {
        Some(dir) if dir.join("index.html").is_file() => app
            // Content-hashed names (scripts/build-web.sh): a changed file gets a new name, so
            // browsers may keep these for a year without asking.
            .service(
                web::scope("/assets")
                    .wrap(
                        actix_web::middleware::DefaultHeaders::new()
                            .add((header::CACHE_CONTROL, "public, max-age=31536000, immutable")),
                    )
                    .service(actix_files::Files::new("", dir.join("assets"))),
            )
            // index.html names the current assets: always revalidated. The app runs under a
            // strict policy: its own scripts only (no inline script; instantiating the wasm
            // needs 'wasm-unsafe-eval'), its own styles, avatars as blob: URLs, the API and the
            // live socket on the same origin, and never inside another site's frame.
            .service(
                web::scope("")
                    .wrap(
                        actix_web::middleware::DefaultHeaders::new()
                            .add((header::CACHE_CONTROL, "no-cache"))
                            .add((header::CONTENT_SECURITY_POLICY, APP_CSP))
                            .add((header::X_FRAME_OPTIONS, "DENY")),
                    )
                    .service(
                        actix_files::Files::new("", dir.clone())
                            .index_file("index.html")
                            .default_handler(web::to(move |req: HttpRequest| {
                                let index = dir.join("index.html");
                                async move {
                                    // Client-side routes (deep links) get the app itself.
                                    actix_files::NamedFile::open(index)
                                        .map(|f| f.into_response(&req))
                                        .map_err(actix_web::Error::from)
                                }
                            })),
                    ),
            ),
        _ => app.default_service(web::to(placeholder_page)),
    };
    app
}

/// Every request that may have written ends the read cache's current generation (see
/// `crate::cache`) once its handler finished, before the client hears back. A writing request
/// runs to completion in its own task even when the client hangs up: dropped half-way, its
/// last statement could still commit on SQLite's worker thread after the invalidation, and a
/// read in between would keep the old row cached. The guard also invalidates after a panic.
async fn invalidate_after_writes(
    req: ServiceRequest,
    next: actix_web::middleware::Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    struct InvalidateOnDrop(web::Data<AppState>);
    impl Drop for InvalidateOnDrop {
        fn drop(&mut self) {
            self.0.cache.invalidate();
        }
    }
    use actix_web::http::Method;
    let writes = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let state = req.app_data::<web::Data<AppState>>().cloned();
    match state.filter(|_| writes) {
        None => next.call(req).await,
        Some(state) => actix_web::rt::spawn(async move {
            let _guard = InvalidateOnDrop(state);
            next.call(req).await
        })
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "a writing request's task failed");
            actix_web::error::ErrorInternalServerError("internal error")
        })?,
    }
}

/// F1–F6: the file library.
fn library_routes(cfg: &mut web::ServiceConfig) {
    use crate::features::library::{docs, files, folders, grants, preview, resumable};
    cfg.service(
        web::resource("/projects/{id}/folders")
            .route(web::get().to(folders::list_folders))
            .route(web::post().to(folders::create_folder)),
    )
    .service(
        web::resource("/folders/{id}")
            .route(web::get().to(folders::get_folder))
            .route(web::patch().to(folders::update_folder))
            .route(web::delete().to(folders::delete_folder)),
    )
    .service(web::resource("/folders/{id}/restore").route(web::post().to(folders::restore_folder)))
    .service(
        web::resource("/folders/{id}/grants")
            .route(web::get().to(grants::get_folder_grants))
            .route(web::put().to(grants::put_folder_grants)),
    )
    .service(
        web::resource("/projects/{id}/files")
            .route(web::get().to(files::list_files))
            .route(web::post().to(files::upload_file)),
    )
    .service(web::resource("/projects/{id}/trash").route(web::get().to(files::list_trash)))
    .service(
        web::resource("/projects/{id}/storage")
            .route(web::get().to(files::get_storage))
            .route(web::put().to(files::put_storage)),
    )
    .service(
        web::resource("/files/{id}")
            .route(web::get().to(files::get_file))
            .route(web::patch().to(files::update_file))
            .route(web::delete().to(files::delete_file)),
    )
    .service(web::resource("/files/{id}/restore").route(web::post().to(files::restore_file)))
    .service(web::resource("/files/{id}/copy").route(web::post().to(files::copy_file)))
    .service(web::resource("/files/{id}/content").route(web::get().to(files::download_file)))
    .service(web::resource("/files/{id}/preview").route(web::get().to(preview::preview_file)))
    .service(
        web::resource("/files/{id}/preview/thumbnail")
            .route(web::get().to(preview::preview_thumbnail)),
    )
    .service(web::resource("/files/{id}/preview/pdf").route(web::get().to(preview::preview_pdf)))
    .service(web::resource("/files/{id}/diff").route(web::get().to(preview::diff_versions)))
    .service(
        web::resource("/projects/{id}/docs")
            // A document may start with a million characters of Chinese text.
            .app_data(crate::extract::json_config_up_to(4 * 1024 * 1024))
            .route(web::get().to(docs::list_docs))
            .route(web::post().to(docs::create_doc)),
    )
    .service(web::resource("/docs/{id}").route(web::get().to(docs::get_doc)))
    .service(web::resource("/docs/{id}/ticket").route(web::post().to(docs::doc_ticket)))
    .service(
        web::resource("/docs/{id}/text")
            .app_data(crate::extract::json_config_up_to(4 * 1024 * 1024))
            .route(web::put().to(docs::replace_doc_text)),
    )
    .service(web::resource("/docs/{id}/versions").route(web::post().to(docs::save_doc_version)))
    .service(
        web::resource("/docs/{id}/versions/{n}/restore")
            .route(web::post().to(docs::restore_doc_version)),
    )
    .service(web::resource("/ws/docs/{id}").route(web::get().to(docs::open_doc_socket)))
    .service(
        web::resource("/uploads")
            .route(web::post().to(resumable::create_upload))
            .route(web::method(actix_web::http::Method::OPTIONS).to(resumable::upload_options)),
    )
    .service(
        web::resource("/uploads/{id}")
            .route(web::head().to(resumable::head_upload))
            .route(web::get().to(resumable::get_upload))
            .route(web::patch().to(resumable::patch_upload))
            .route(web::delete().to(resumable::delete_upload)),
    )
    .service(
        web::resource("/files/{id}/versions")
            .route(web::get().to(files::list_file_versions))
            .route(web::post().to(files::upload_file_version)),
    )
    .service(
        web::resource("/files/{id}/versions/{n}/restore")
            .route(web::post().to(files::restore_file_version)),
    )
    .service(
        web::resource("/files/{id}/grants")
            .route(web::get().to(grants::get_file_grants))
            .route(web::put().to(grants::put_file_grants)),
    )
    .service(
        web::resource("/tasks/{id}/files")
            .route(web::get().to(files::list_task_files))
            .route(web::post().to(files::link_task_file)),
    )
    .service(
        web::resource("/tasks/{id}/files/{file_id}")
            .route(web::delete().to(files::unlink_task_file)),
    );
}

fn api_v1(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/ws").route(web::get().to(crate::features::live::open_socket)))
        .service(web::resource("/auth/register").route(web::post().to(auth::register_user)))
        .service(web::resource("/auth/login").route(web::post().to(auth::login)))
        .service(web::resource("/auth/refresh").route(web::post().to(auth::refresh_session)))
        .service(web::resource("/auth/logout").route(web::post().to(auth::logout)))
        .service(
            web::resource("/me")
                .route(web::get().to(me::get_me))
                .route(web::patch().to(me::update_me)),
        )
        .service(
            web::resource("/me/avatar")
                // One byte over the limit so the handler, not the extractor, says 413.
                .app_data(web::PayloadConfig::new(me::AVATAR_MAX_BYTES + 1))
                .route(web::put().to(me::put_avatar)),
        )
        .service(
            web::resource("/me/quick-replies")
                .route(web::get().to(me::list_quick_replies))
                .route(web::post().to(me::create_quick_reply)),
        )
        .service(
            web::resource("/me/quick-replies/{id}")
                .route(web::patch().to(me::update_quick_reply))
                .route(web::delete().to(me::delete_quick_reply)),
        )
        .service(web::resource("/me/password").route(web::post().to(me::change_password)))
        .service(web::resource("/me/notifications").route(web::get().to(me::list_notifications)))
        .service(
            web::resource("/me/notification-settings")
                .route(web::get().to(me::get_notification_settings))
                .route(web::put().to(me::put_notification_settings)),
        )
        .service(
            web::resource("/me/notifications/unread-count")
                .route(web::get().to(me::unread_notification_count)),
        )
        .service(
            web::resource("/me/notifications/read")
                .route(web::post().to(me::mark_notifications_read)),
        )
        .service(
            web::resource("/me/tokens")
                .route(web::get().to(tokens::list_tokens))
                .route(web::post().to(tokens::create_token)),
        )
        .service(web::resource("/me/tokens/{id}").route(web::delete().to(tokens::revoke_token)))
        .service(
            web::resource("/admin/registrations").route(web::get().to(admin::list_registrations)),
        )
        .service(
            web::resource("/admin/registrations/{user_id}/approve")
                .route(web::post().to(admin::approve_registration)),
        )
        .service(
            web::resource("/admin/registrations/{user_id}/reject")
                .route(web::post().to(admin::reject_registration)),
        )
        .service(web::resource("/admin/audit-log").route(web::get().to(audit::list_audit_log)))
        .service(
            web::resource("/users")
                .route(web::get().to(users::list_users))
                .route(web::post().to(users::create_user)),
        )
        .service(
            web::resource("/external-keys")
                .route(web::get().to(keys::list_external_keys))
                .route(web::post().to(keys::bind_external_key)),
        )
        .service(
            web::resource("/users/{id}")
                .route(web::get().to(users::get_user))
                .route(web::patch().to(users::update_user)),
        )
        .service(web::resource("/users/{id}/avatar").route(web::get().to(me::get_avatar)))
        .service(
            web::resource("/departments")
                .route(web::get().to(departments::list_departments))
                .route(web::post().to(departments::create_department)),
        )
        .service(
            web::resource("/departments/{id}")
                .route(web::get().to(departments::get_department))
                .route(web::patch().to(departments::update_department))
                .route(web::delete().to(departments::delete_department)),
        )
        .service(
            web::resource("/projects")
                .route(web::get().to(projects::list_projects))
                .route(web::post().to(projects::create_project)),
        )
        .service(
            web::resource("/projects/{id}")
                .route(web::get().to(projects::get_project))
                .route(web::patch().to(projects::update_project))
                .route(web::delete().to(projects::archive_project)),
        )
        .service(
            web::resource("/projects/{id}/members")
                .route(web::get().to(projects::list_members))
                .route(web::post().to(projects::add_member)),
        )
        .service(
            web::resource("/projects/{id}/members/{user_id}")
                .route(web::patch().to(projects::update_member))
                .route(web::delete().to(projects::remove_member)),
        )
        .service(
            web::resource("/projects/{id}/risks").route(web::get().to(risks::get_project_risks)),
        )
        .service(web::resource("/projects/{id}/gantt").route(web::get().to(schedule::get_gantt)))
        .service(web::resource("/projects/{id}/board").route(web::get().to(board::get_board)))
        .service(
            web::resource("/projects/{id}/board/limits")
                .route(web::put().to(board::put_board_limits)),
        )
        .service(web::resource("/me/board").route(web::get().to(board::get_my_board)))
        .service(web::resource("/dashboard").route(web::get().to(dashboard::get_dashboard)))
        .service(web::resource("/tasks/{id}/move").route(web::post().to(board::move_task)))
        .service(
            web::resource("/projects/{id}/reschedule")
                .route(web::post().to(schedule::reschedule_project)),
        )
        .service(
            web::resource("/projects/{id}/calendar")
                .route(web::get().to(risks::get_project_calendar))
                .route(web::put().to(risks::put_project_calendar)),
        )
        .service(
            web::resource("/projects/{id}/milestones")
                .route(web::get().to(projects::list_milestones))
                .route(web::post().to(projects::create_milestone)),
        )
        .service(
            web::resource("/milestones/{id}")
                .route(web::patch().to(projects::update_milestone))
                .route(web::delete().to(projects::delete_milestone)),
        )
        .service(
            web::resource("/projects/{id}/tasks")
                .route(web::get().to(tasks::list_project_tasks))
                .route(web::post().to(tasks::create_task)),
        )
        .service(
            web::resource("/projects/{id}/tasks/batch")
                // 1000 tasks with long descriptions.
                .app_data(crate::extract::json_config_up_to(BATCH_JSON_LIMIT))
                .route(web::post().to(batch::batch_tasks)),
        )
        .service(
            web::resource("/projects/{id}/dependencies")
                .route(web::get().to(batch::list_project_dependencies)),
        )
        .service(
            web::resource("/projects/{id}/comments")
                .route(web::get().to(batch::list_project_comments)),
        )
        .service(web::resource("/me/tasks").route(web::get().to(tasks::list_my_tasks)))
        .service(web::resource("/tasks").route(web::get().to(tasks::list_tasks_across)))
        .service(
            web::resource("/tasks/{id}")
                .route(web::get().to(tasks::get_task))
                .route(web::patch().to(tasks::update_task))
                .route(web::delete().to(tasks::delete_task)),
        )
        .service(
            web::resource("/tasks/{id}/progress")
                .route(web::get().to(tasks::list_progress))
                .route(web::post().to(tasks::create_progress)),
        )
        .service(web::resource("/tasks/{id}/activity").route(web::get().to(tasks::list_activity)))
        .service(
            web::resource("/tasks/{id}/dependencies")
                .route(web::get().to(collaboration::list_dependencies))
                .route(web::post().to(collaboration::create_dependency)),
        )
        .service(
            web::resource("/tasks/{id}/dependencies/{dep_id}")
                .route(web::delete().to(collaboration::delete_dependency)),
        )
        .service(
            web::resource("/tasks/{id}/comments")
                .route(web::get().to(collaboration::list_comments))
                .route(web::post().to(collaboration::create_comment)),
        )
        .service(
            web::resource("/comments/{id}")
                .route(web::patch().to(collaboration::update_comment))
                .route(web::delete().to(collaboration::delete_comment)),
        )
        .service(web::resource("/markdown").route(web::post().to(collaboration::render_markdown)))
        .configure(library_routes)
        .service(
            web::resource("/tasks/{id}/attachments")
                .route(web::get().to(attachments::list_attachments))
                .route(web::post().to(attachments::upload_attachment)),
        )
        .service(
            web::resource("/attachments/{id}")
                .route(web::get().to(attachments::download_attachment))
                .route(web::patch().to(attachments::update_attachment))
                .route(web::delete().to(attachments::delete_attachment)),
        )
        .service(
            web::resource("/attachments/{id}/versions")
                .route(web::get().to(attachments::list_versions))
                .route(web::post().to(attachments::upload_version)),
        )
        .default_service(web::to(not_found));
}

async fn not_found() -> HttpResponse {
    ApiError::NotFound.error_response()
}

/// The web app's Content-Security-Policy (see `build_app`).
/// `frame-src blob:`: the library shows a PDF preview in a frame from a blob URL the app made
/// from `/preview/pdf` (the token cannot go with a frame's own request); nothing else frames.
pub const APP_CSP: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; \
style-src 'self'; img-src 'self' blob:; connect-src 'self'; frame-src blob:; object-src 'none'; \
base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Shown at `/` until the web app is built (`just build-web`).
async fn placeholder_page() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        // A static page with one inline style block and nothing else.
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        ))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .body(include_str!("placeholder.html"))
}

/// actix answers some errors itself (405 for a known path with another method, 413 from
/// the payload limit…) with an empty body; give them the same problem+json shape as ours.
fn problem_for_bare_errors<B>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(PROBLEM_JSON));
    if is_problem {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let err = match status.as_u16() {
        404 => ApiError::NotFound,
        405 => ApiError::MethodNotAllowed,
        413 => ApiError::PayloadTooLarge,
        415 => ApiError::UnsupportedMediaType("unsupported content type".into()),
        s if s >= 500 => ApiError::Internal(format!("status {s} from the framework")),
        _ => ApiError::BadRequest {
            code: "bad_request",
            detail: status
                .canonical_reason()
                .unwrap_or("bad request")
                .to_owned(),
        },
    };
    let (req, _) = res.into_parts();
    let mut response: HttpResponse<BoxBody> = err.error_response();
    if status == actix_web::http::StatusCode::METHOD_NOT_ALLOWED
        && let Some(allow) = req.app_data::<web::Data<AllowedMethods>>()
        && let Some(methods) = req.match_pattern().and_then(|p| allow.0.get(&p).cloned())
        && let Ok(v) = header::HeaderValue::from_str(&methods)
    {
        response.headers_mut().insert(header::ALLOW, v);
    }
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, response).map_into_right_body(),
    ))
}

/// Methods each path pattern answers, from the OpenAPI document: the `Allow` header of a 405
/// then never disagrees with the spec.
struct AllowedMethods(std::collections::HashMap<String, String>);

impl AllowedMethods {
    fn from_spec(spec: &serde_json::Value) -> Self {
        let map = spec["paths"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(path, item)| {
                let has = |m: &str| item.get(m).is_some();
                let methods: Vec<&str> = [
                    ("GET", has("get")),
                    ("HEAD", has("get")),
                    ("POST", has("post")),
                    ("PUT", has("put")),
                    ("PATCH", has("patch")),
                    ("DELETE", has("delete")),
                ]
                .into_iter()
                .filter_map(|(m, on)| on.then_some(m))
                .collect();
                (path.clone(), methods.join(", "))
            })
            .collect();
        Self(map)
    }
}
