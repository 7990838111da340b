//! The OpenAPI document, generated from the handlers' annotations.

use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use crate::features::{
    admin, attachments, audit, auth, batch, board, collaboration, dashboard, departments, health,
    keys, library, live, me, projects, risks, schedule, tasks, tokens, users,
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tandem API",
        description = "Cross-department collaboration: accounts, projects, tasks, meetings, files, chat and tickets. \
Errors are RFC 9457 problem+json (a conflict may name what it conflicts with in `context`); lists use \
`?limit=` and `?cursor=`; versioned resources carry `version` and an `ETag`, and PATCH honors `If-Match` \
(412 when stale; required on tasks). POST honors an `Idempotency-Key` header (1–255 characters): a retry \
with the same key and body replays the first response (`Idempotency-Replayed: true`), another body is 422, \
a retry while the first runs is 409; keys are kept 24 h, per credentials and path. Text containing NUL \
characters is refused with 422.\n\n\
Authorization: a credential's power is its user's role intersected with its scopes. A session (access \
token from login) carries every right of its user; a personal access token only its scopes: `read` for \
reads, `write` for changes, `admin` (with `read` or `write`) for administration and for a system \
administrator's rights in projects they are not a member of. Objects of projects the caller may not see \
are 404. Logging out or changing the password ends those sessions' access tokens at once.\n\n\
Logins are throttled per account and per address, counted before the password is checked (429 with \
`Retry-After`); present the `device_token` of your last successful login to the same account to be \
counted on your own. When the server is busy checking passwords it answers 503 with `Retry-After`.",
        license(name = "Apache-2.0"),
    ),
    paths(
        health::get_health, health::get_ping,
        auth::register_user, auth::login, auth::refresh_session, auth::logout,
        me::get_me, me::update_me, me::change_password, me::put_avatar, me::get_avatar,
        me::list_quick_replies, me::create_quick_reply, me::update_quick_reply, me::delete_quick_reply,
        me::list_notifications, me::unread_notification_count, me::mark_notifications_read,
        me::get_notification_settings, me::put_notification_settings,
        tokens::list_tokens, tokens::create_token, tokens::revoke_token,
        admin::list_registrations, admin::approve_registration, admin::reject_registration,
        users::list_users, users::create_user, users::get_user, users::update_user,
        keys::list_external_keys, keys::bind_external_key,
        batch::batch_tasks, batch::list_project_dependencies, batch::list_project_comments,
        departments::list_departments, departments::create_department, departments::get_department,
        departments::update_department, departments::delete_department,
        audit::list_audit_log,
        projects::list_projects, projects::create_project, projects::get_project,
        projects::update_project, projects::archive_project,
        projects::list_members, projects::add_member, projects::update_member, projects::remove_member,
        projects::list_milestones, projects::create_milestone, projects::update_milestone,
        projects::delete_milestone, risks::get_project_risks, risks::get_project_calendar,
        risks::put_project_calendar, schedule::reschedule_project,
        schedule::get_gantt, board::get_board, board::get_my_board, board::move_task,
        board::put_board_limits, dashboard::get_dashboard,
        tasks::list_project_tasks, tasks::list_my_tasks, tasks::list_tasks_across, tasks::create_task, tasks::get_task,
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
        library::folders::list_folders, library::folders::create_folder,
        library::folders::get_folder, library::folders::update_folder,
        library::folders::delete_folder, library::folders::restore_folder,
        library::grants::get_folder_grants, library::grants::put_folder_grants,
        library::files::list_files, library::files::upload_file, library::files::list_trash,
        library::files::get_storage, library::files::put_storage,
        library::files::get_file, library::files::update_file, library::files::delete_file,
        library::files::restore_file, library::files::copy_file, library::files::download_file,
        library::files::list_file_versions, library::files::upload_file_version,
        library::files::restore_file_version,
        library::preview::preview_file, library::preview::preview_thumbnail,
        library::preview::preview_pdf, library::preview::diff_versions,
        library::resumable::create_upload, library::resumable::head_upload,
        library::resumable::get_upload, library::resumable::patch_upload,
        library::resumable::delete_upload, library::resumable::upload_options,
        library::docs::list_docs, library::docs::create_doc, library::docs::get_doc,
        library::docs::doc_ticket, library::docs::save_doc_version,
        library::docs::restore_doc_version, library::docs::replace_doc_text,
        library::docs::open_doc_socket,
        library::grants::get_file_grants, library::grants::put_file_grants,
        library::files::list_task_files, library::files::link_task_file,
        library::files::unlink_task_file,
    ),
    components(schemas(
        tandem_dto::Problem, tandem_dto::FieldError, admin::RegistrationStatus,
        projects::ProjectScope, tasks::TaskSortParam, tandem_dto::RiskFilter,
        tandem_dto::Swimlane,
        tandem_dto::WsHello, tandem_dto::WsServerFrame, tandem_dto::WsEventKind,
        tandem_dto::TaskDeletedEvent, tandem_dto::CommentDeletedEvent, tandem_dto::MilestoneDeletedEvent, tandem_dto::AttachmentCreatedEvent, tandem_dto::MemberEvent,
        tandem_dto::NotificationReadEvent, tandem_dto::RiskChangedEvent, tandem_dto::LibraryChangedEvent,
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
        (name = "files", description = "F1–F6: the project file library (文件库) — folders, files, versions, permission tiers, the trash, storage; task attachments are library files too"),
        (name = "integration", description = "I3: external keys — the names CI scripts and integrators give objects, kept on the server (`tandem seed` / `tandem export`)"),
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
    serde_json::to_string_pretty(&document()).unwrap_or_default()
}

/// The document as served and committed: what the annotations say, completed with what
/// generated clients need (see [`complete`]). Kept as JSON: utoipa's types cannot read every
/// schema they write back, so the completed document never goes through them again.
pub fn document() -> serde_json::Value {
    let mut v = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
    complete(&mut v);
    v
}

/// PATCH operations that do not take `If-Match` (their resource has no version; a tus upload
/// is guarded by `Upload-Offset` instead).
const WITHOUT_IF_MATCH: [&str; 2] = [
    "/api/v1/projects/{id}/members/{user_id}",
    "/api/v1/uploads/{id}",
];
/// Operations that refuse to run without `If-Match` (428): resources several people edit at
/// once (T10).
const IF_MATCH_REQUIRED: [&str; 1] = ["/api/v1/tasks/{id}"];
/// Binary downloads that carry the `ETag` of the resource they belong to.
const BINARY_WITH_ETAG: [&str; 1] = ["/api/v1/users/{id}/avatar"];
/// DELETE operations that honor `If-Match`.
const DELETE_WITH_IF_MATCH: [&str; 2] = ["/api/v1/departments/{id}", "/api/v1/projects/{id}"];

/// Completes the generated document so that generated clients can do everything the server
/// supports, from the same rules the server follows:
/// - every header the server reads or sends is declared: `If-Match` on the operations that
///   check it, `Idempotency-Key` on the POSTs the idempotency layer serves, `ETag` on
///   responses whose body is a versioned resource (a schema with `version`), `Location` on
///   201, `Retry-After` on 429 and 503, `WWW-Authenticate` on 401;
/// - list pages refer to their item schema (`Page_X.items` is `$ref X`) instead of an inline
///   copy, so a generated client has one class per resource;
/// - binary bodies (`Vec<u8>`, which the annotations describe as an array of integers) are
///   `string`/`binary`.
///
/// A sweep test checks the declarations against what the server really does.
pub fn complete(spec: &mut serde_json::Value) {
    use serde_json::{Value, json};
    let schemas = spec["components"]["schemas"].clone();
    let versioned = |content: &Value| -> bool {
        content["application/json"]["schema"]["$ref"]
            .as_str()
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
            .is_some_and(|name| schemas[name]["properties"].get("version").is_some())
    };
    if let Some(all) = spec["components"]["schemas"].as_object_mut() {
        let names: Vec<String> = all.keys().cloned().collect();
        for name in names {
            let Some(item) = name.strip_prefix("Page_") else {
                continue;
            };
            if all.contains_key(item) {
                all[&name]["properties"]["items"]["items"] =
                    json!({ "$ref": format!("#/components/schemas/{item}") });
            }
        }
    }
    let binary = |v: &mut Value| {
        if let Some(content) = v.as_object_mut() {
            for media in content.values_mut() {
                let s = &media["schema"];
                if s["type"] == "array" && s["items"]["type"] == "integer" {
                    media["schema"] = json!({ "type": "string", "format": "binary" });
                }
            }
        }
    };
    let header =
        |schema: Value, description: &str| json!({ "schema": schema, "description": description });
    let Some(paths) = spec["paths"].as_object_mut() else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(ops) = item.as_object_mut() else {
            continue;
        };
        for (method, op) in ops.iter_mut() {
            if let Some(body) = op.get_mut("requestBody") {
                binary(&mut body["content"]);
            }
            let json_body = op["requestBody"]["content"]
                .get("application/json")
                .is_some();
            let mut params: Vec<Value> = Vec::new();
            let if_match = match method.as_str() {
                "patch" => !WITHOUT_IF_MATCH.contains(&path.as_str()),
                "delete" => DELETE_WITH_IF_MATCH.contains(&path.as_str()),
                _ => false,
            };
            if if_match {
                let required = IF_MATCH_REQUIRED.contains(&path.as_str());
                params.push(json!({
                    "name": "If-Match",
                    "in": "header",
                    "required": required,
                    "description": if required {
                        "The `ETag` you last read; required (428 without it), 412 when the resource changed since."
                    } else {
                        "The `ETag` you last read (or `*`); 412 when the resource changed since."
                    },
                    "schema": { "type": "string" },
                }));
            }
            let idempotent =
                method == "post" && json_body && !crate::idempotency::SKIP.contains(&path.as_str());
            if idempotent {
                params.push(json!({
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": false,
                    "description": "Makes a retry safe: the same key with the same body replays the first response (with `Idempotency-Replayed: true`); another body is 422, a retry while the first runs 409. Kept 24 h per credentials and path.",
                    "schema": { "type": "string", "minLength": 1, "maxLength": 255 },
                }));
            }
            if !params.is_empty() {
                match op["parameters"].as_array_mut() {
                    Some(existing) => existing.extend(params),
                    None => op["parameters"] = Value::Array(params),
                }
            }
            let Some(responses) = op["responses"].as_object_mut() else {
                continue;
            };
            for (status, response) in responses.iter_mut() {
                if let Some(content) = response.get_mut("content") {
                    binary(content);
                }
                let mut headers = serde_json::Map::new();
                let success = status.starts_with('2');
                if success
                    && (versioned(&response["content"])
                        || (method == "get" && BINARY_WITH_ETAG.contains(&path.as_str())))
                {
                    headers.insert(
                        "ETag".into(),
                        header(
                            json!({ "type": "string" }),
                            "The resource's version; send it as `If-Match` with the next change.",
                        ),
                    );
                }
                if status == "201" {
                    headers.insert(
                        "Location".into(),
                        header(
                            json!({ "type": "string", "format": "uri-reference" }),
                            "Where the new resource is.",
                        ),
                    );
                }
                if success && idempotent {
                    headers.insert(
                        "Idempotency-Replayed".into(),
                        header(
                            json!({ "type": "string", "enum": ["true"] }),
                            "Present on a replay of an earlier response to the same `Idempotency-Key`.",
                        ),
                    );
                }
                if status == "429" || status == "503" {
                    headers.insert(
                        "Retry-After".into(),
                        header(
                            json!({ "type": "integer", "minimum": 0 }),
                            "Seconds to wait before trying again.",
                        ),
                    );
                }
                if status == "401" {
                    headers.insert(
                        "WWW-Authenticate".into(),
                        header(json!({ "type": "string" }), "`Bearer`"),
                    );
                }
                if !headers.is_empty() {
                    response["headers"] = Value::Object(headers);
                }
            }
            if if_match {
                add_problem(
                    responses,
                    "412",
                    "The resource changed since the `If-Match` version",
                );
                if IF_MATCH_REQUIRED.contains(&path.as_str()) {
                    add_problem(responses, "428", "`If-Match` missing");
                }
            }
            if idempotent {
                add_problem(
                    responses,
                    "409",
                    "Conflict (or the same `Idempotency-Key` still running)",
                );
            }
        }
    }
}

fn add_problem(
    responses: &mut serde_json::Map<String, serde_json::Value>,
    status: &str,
    description: &str,
) {
    responses.entry(status.to_owned()).or_insert_with(|| {
        serde_json::json!({
            "description": description,
            "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } },
        })
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_clients_get_headers_references_and_binary_bodies() {
        let d = document();
        let task = &d["paths"]["/api/v1/tasks/{id}"]["patch"];
        let if_match = task["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "If-Match")
            .unwrap();
        assert_eq!(if_match["required"], true);
        assert!(task["responses"]["200"]["headers"].get("ETag").is_some());
        let create = &d["paths"]["/api/v1/projects/{id}/tasks"]["post"];
        assert!(
            create["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["name"] == "Idempotency-Key")
        );
        assert!(
            create["responses"]["201"]["headers"]
                .get("Location")
                .is_some()
        );
        assert_eq!(
            d["components"]["schemas"]["Page_TaskResponse"]["properties"]["items"]["items"]["$ref"],
            "#/components/schemas/TaskResponse"
        );
        assert_eq!(
            d["paths"]["/api/v1/me/avatar"]["put"]["requestBody"]["content"]["image/png"]["schema"]
                ["format"],
            "binary"
        );
        // Secrets are never replayed, so those POSTs take no key.
        let login = &d["paths"]["/api/v1/auth/login"]["post"];
        assert!(login.get("parameters").is_none());
        assert!(
            login["responses"]["429"]["headers"]
                .get("Retry-After")
                .is_some()
        );
    }
}
