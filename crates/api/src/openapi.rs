//! The OpenAPI document, generated from the handlers' annotations.

use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use crate::features::{
    admin, attachments, audit, auth, collaboration, departments, health, live, me, projects, tasks,
    tokens, users,
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tandem API",
        description = "Cross-department collaboration: accounts, projects, tasks, meetings, files, chat and tickets. \
Errors are RFC 9457 problem+json; lists use `?limit=` and `?cursor=`; PATCH honors `If-Match` \
(412 when stale). POST honors an `Idempotency-Key` header (1–255 characters): a retry with the same key \
and body replays the first response (`Idempotency-Replayed: true`), another body is 422, a retry while \
the first runs is 409; keys are kept 24 h, per credentials and path. Text containing NUL characters is \
refused with 422.",
        license(name = "Apache-2.0"),
    ),
    paths(
        health::get_health, health::get_ping,
        auth::register_user, auth::login, auth::refresh_session, auth::logout,
        me::get_me, me::update_me, me::change_password, me::put_avatar, me::get_avatar,
        me::list_quick_replies, me::create_quick_reply, me::update_quick_reply, me::delete_quick_reply,
        me::list_notifications, me::mark_notifications_read,
        tokens::list_tokens, tokens::create_token, tokens::revoke_token,
        admin::list_registrations, admin::approve_registration, admin::reject_registration,
        users::list_users, users::get_user, users::update_user,
        departments::list_departments, departments::create_department, departments::get_department,
        departments::update_department, departments::delete_department,
        audit::list_audit_log,
        projects::list_projects, projects::create_project, projects::get_project,
        projects::update_project, projects::archive_project,
        projects::list_members, projects::add_member, projects::update_member, projects::remove_member,
        projects::list_milestones, projects::create_milestone, projects::update_milestone,
        projects::delete_milestone,
        tasks::list_project_tasks, tasks::list_my_tasks, tasks::create_task, tasks::get_task,
        tasks::update_task, tasks::delete_task, tasks::list_progress, tasks::create_progress,
        tasks::list_activity,
        collaboration::list_dependencies, collaboration::create_dependency,
        collaboration::delete_dependency, collaboration::list_comments,
        collaboration::create_comment, collaboration::update_comment,
        collaboration::delete_comment, collaboration::render_markdown,
        attachments::list_attachments, attachments::upload_attachment,
        attachments::download_attachment, attachments::list_versions, attachments::upload_version,
        attachments::update_attachment, attachments::delete_attachment,
        live::open_socket,
    ),
    components(schemas(
        tandem_dto::Problem, tandem_dto::FieldError, admin::RegistrationStatus,
        projects::ProjectScope, tasks::TaskSortParam,
        tandem_dto::WsHello, tandem_dto::WsServerFrame, tandem_dto::WsEventKind,
        tandem_dto::TaskDeletedEvent, tandem_dto::AttachmentCreatedEvent, tandem_dto::MemberEvent,
    )),
    modifiers(&SecurityAndErrors),
    tags(
        (name = "health", description = "Liveness"),
        (name = "auth", description = "A1/A3: registration, login, token refresh"),
        (name = "me", description = "A4/A7: personal center, quick replies, access tokens, notifications"),
        (name = "users", description = "A5/A6: people directory"),
        (name = "departments", description = "A5: departments"),
        (name = "admin", description = "A2/I5: approvals and the audit log"),
        (name = "projects", description = "P1–P5: projects, members, milestones (项目中心)"),
        (name = "tasks", description = "T1–T10: tasks, progress, activity (任务中心)"),
        (name = "events", description = "Live events over a WebSocket: first frame `WsHello`, then `WsServerFrame`s (`ready`, `event`, `gap`); kinds in `WsEventKind`. Frames over 64 KiB close with 1009, a bad token with 4401, a 33rd socket of one account with 1013; the server pings every 30 s."),
    )
)]
pub struct ApiDoc;

/// Adds the bearer scheme and documents the problem responses every operation can give,
/// so the spec tells clients (and schemathesis) the whole truth.
struct SecurityAndErrors;

impl Modify for SecurityAndErrors {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT access token or tdm_ personal access token")
                    .description(Some("`Authorization: Bearer <token>`"))
                    .build(),
            ),
        );
        for (path, item) in api.paths.paths.iter_mut() {
            if path == "/api/health" {
                continue;
            }
            for op in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                add_problems(op);
            }
        }
    }
}

fn add_problems(op: &mut Operation) {
    let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
    let mut codes: Vec<(&str, &str)> = vec![
        ("400", "Malformed request"),
        ("404", "Not found, or not visible to the caller"),
        ("413", "Body too large"),
        ("415", "Unsupported content type"),
        ("422", "Validation failed; see `errors`"),
    ];
    if secured {
        codes.push(("401", "Missing, invalid or expired token"));
        codes.push(("403", "Not allowed"));
    }
    for (code, description) in codes {
        if op.responses.responses.contains_key(code) {
            continue;
        }
        let response = ResponseBuilder::new()
            .description(description)
            .content(
                "application/problem+json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
            .build();
        op.responses
            .responses
            .insert(code.to_owned(), response.into());
    }
}

/// The document as pretty JSON, as committed under `api-spec/`.
pub fn spec_json() -> String {
    ApiDoc::openapi().to_pretty_json().unwrap_or_default()
}
