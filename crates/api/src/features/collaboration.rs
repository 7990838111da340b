//! T4 comments (Markdown, @mentions that notify), T8 dependencies across projects, and the
//! Markdown preview the web app's editors use.

use actix_web::{HttpResponse, web};
use serde_json::json;
use tandem_db::entities::comments;
use tandem_db::tasks::DependencyRefused;
use tandem_db::{accounts, comments as repo, projects as project_repo, tasks as task_repo};
use tandem_domain::markdown;
use tandem_domain::projects::{ProjectAction, may_see_project};
use tandem_dto::WsEventKind;
use tandem_dto::{
    CommentRequest, CommentResponse, CreateDependencyRequest, DependencyResponse, MarkdownRequest,
    MarkdownResponse, Page, Problem, TaskRef, TaskStatus, UpdateCommentRequest,
};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult, validate};
use crate::events::Audience;
use crate::extract::{Allowed, AuthUser, Json, PageQuery, check_if_match, perm};
use crate::features::{access, created, ok_with_etag};
use crate::outbox::Outbox;
use crate::state::AppState;

// ------------------------------------------------------------------- dependencies

fn dependency_dto(
    d: &tandem_db::entities::task_dependencies::Model,
    t: Option<&tandem_db::entities::tasks::Model>,
    visible: bool,
) -> DependencyResponse {
    let status = t.and_then(|t| TaskStatus::parse(&t.status));
    DependencyResponse {
        task_id: d.task_id,
        depends_on_id: d.depends_on_id,
        depends_on: t.filter(|_| visible).map(|t| TaskRef {
            id: t.id,
            project_id: t.project_id,
            title: t.title.clone(),
            status: status.unwrap_or(TaskStatus::Todo),
        }),
        blocking: !matches!(status, Some(TaskStatus::Done | TaskStatus::Archived)),
        created_at: d.created_at,
    }
}

/// T8: the tasks this one waits for. Predecessors in projects the caller cannot see are listed
/// without details (they still block).
#[utoipa::path(get, path = "/api/v1/tasks/{id}/dependencies", tag = "tasks", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Task id")),
    responses((status = 200, description = "Dependencies", body = Page<DependencyResponse>)))]
#[tracing::instrument(skip_all, err)]
pub async fn list_dependencies(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let (t, _) = access::task(&state, &auth, path.into_inner(), |_| ProjectAction::View).await?;
    let rows = task_repo::list_dependencies(&state.db, t.id).await?;
    // Which of the other projects the caller belongs to: one query for all of them.
    let others: Vec<Uuid> = rows
        .iter()
        .filter_map(|(_, o)| o.as_ref().map(|o| o.project_id))
        .filter(|p| *p != t.project_id)
        .collect();
    let roles = project_repo::roles_of(&state.db, auth.user.id, &others).await?;
    let items: Vec<DependencyResponse> = rows
        .iter()
        .map(|(d, other)| {
            let visible = other.as_ref().is_some_and(|o| {
                o.project_id == t.project_id
                    || may_see_project(&auth.actor, roles.get(&o.project_id).copied())
            });
            dependency_dto(d, other.as_ref(), visible)
        })
        .collect();
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: None,
    }))
}

/// T8: make this task wait for another (finish-to-start), in any project the caller can see.
/// Cycles are refused with 409 `dependency_cycle`.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/dependencies", tag = "tasks", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Task id")),
    request_body = CreateDependencyRequest,
    responses(
        (status = 201, description = "Added", body = DependencyResponse),
        (status = 409, description = "Cycle or duplicate", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, err)]
pub async fn create_dependency(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
    body: Json<CreateDependencyRequest>,
) -> ApiResult<HttpResponse> {
    let (t, here) = access::task(&state, &auth, path.into_inner(), |_| {
        ProjectAction::EditTasks
    })
    .await?;
    let body = body.into_inner()?;
    // The predecessor must be visible to the caller; otherwise it does not exist for them.
    let other = match access::task(&state, &auth, body.depends_on, |_| ProjectAction::View).await {
        Ok((o, _)) => o,
        Err(ApiError::NotFound) => {
            return Err(ApiError::validation(
                "depends_on",
                "not_found",
                "no such task",
            ));
        }
        Err(e) => return Err(e),
    };
    let txn = tandem_db::begin_write(&state.db).await?;
    match task_repo::add_dependency(&txn, t.id, other.id, auth.user.id).await? {
        Ok(d) => {
            // Blocked or not is part of the task.
            let mut out = Outbox::by(&state, auth.user.id);
            out.task(
                WsEventKind::TaskUpdated,
                &crate::features::tasks::fresh_dto(&txn, t.id, &here.project).await?,
            );
            out.commit(&state, txn).await?;
            Ok(created(
                format!("/api/v1/tasks/{}/dependencies/{}", t.id, other.id),
                &dependency_dto(&d, Some(&other), true),
                None,
            ))
        }
        Err(DependencyRefused::Cycle) => Err(ApiError::conflict(
            "dependency_cycle",
            "the tasks would wait for each other forever",
        )),
        Err(DependencyRefused::Exists) => Err(ApiError::conflict(
            "dependency_exists",
            "this dependency exists already",
        )),
        Err(DependencyRefused::TooDeep) => Err(ApiError::conflict(
            "dependency_chain_too_long",
            "the chain of predecessors is too long",
        )),
    }
}

/// T8: remove a dependency (`dep_id` is the predecessor's task id).
#[utoipa::path(delete, path = "/api/v1/tasks/{id}/dependencies/{dep_id}", tag = "tasks", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Task id"), ("dep_id" = Uuid, Path, description = "The predecessor's task id")),
    responses((status = 204, description = "Removed")))]
#[tracing::instrument(skip_all, err)]
pub async fn delete_dependency(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(Uuid, Uuid)>,
) -> ApiResult<HttpResponse> {
    let (task_id, dep_id) = path.into_inner();
    let (t, a) = access::task(&state, &auth, task_id, |_| ProjectAction::EditTasks).await?;
    let txn = tandem_db::begin_write(&state.db).await?;
    task_repo::remove_dependency(&txn, t.id, dep_id, auth.user.id).await?;
    let mut out = Outbox::by(&state, auth.user.id);
    out.task(
        WsEventKind::TaskUpdated,
        &crate::features::tasks::fresh_dto(&txn, t.id, &a.project).await?,
    );
    out.commit(&state, txn).await?;
    Ok(HttpResponse::NoContent().finish())
}

// ------------------------------------------------------------------------ comments

/// The task was deleted between the check and the write: the comment has nowhere to go.
fn task_gone(e: tandem_db::RepoError) -> ApiError {
    match e {
        tandem_db::RepoError::Conflict("in_use") => ApiError::NotFound,
        other => other.into(),
    }
}

pub(crate) fn comment_dto_with(
    c: &comments::Model,
    members: &[(
        tandem_db::entities::project_members::Model,
        tandem_db::entities::users::Model,
    )],
) -> CommentResponse {
    CommentResponse {
        id: c.id,
        task_id: c.task_id,
        author_id: c.author_id,
        body: c.body.clone(),
        body_html: c.body_html.clone(),
        mentions: markdown::mentions(
            &c.body,
            members.iter().map(|(_, u)| (u.id, u.name.as_str())),
        ),
        edited: c.version > 1,
        created_at: c.created_at,
        updated_at: c.updated_at,
        version: c.version,
    }
}

fn check_body(body: &CommentRequest) -> ApiResult<()> {
    validate(body)?;
    check_text(&body.body)?;
    let mut errors = Vec::new();
    super::keys::check_key(body.external_key.as_deref(), "external_key", &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    Ok(())
}

/// A comment's text: 1–10 000 characters, not blank.
fn check_text(body: &str) -> ApiResult<()> {
    if body.chars().count() > 10000 {
        return Err(ApiError::validation(
            "body",
            "length",
            "at most 10000 characters",
        ));
    }
    if body.trim().is_empty() {
        return Err(ApiError::validation(
            "body",
            "required",
            "must not be blank",
        ));
    }
    Ok(())
}

/// Records a notification for each member a comment mentions (`c.mentions`), except its
/// author and those `already` mentioned before an edit, through `txn` (the comment's own
/// transaction: a comment never exists without its mentions' notifications, nor the other way
/// round), into `out`.
async fn notify_mentions(
    txn: &impl tandem_db::ConnectionTrait,
    task: &tandem_db::entities::tasks::Model,
    c: &CommentResponse,
    author: &tandem_db::entities::users::Model,
    already: &[Uuid],
    out: &mut Outbox,
) -> ApiResult<()> {
    let excerpt: String = c.body.chars().take(140).collect();
    let data = json!({ "task_id": task.id, "project_id": task.project_id, "comment_id": c.id,
                       "author_id": author.id, "author_name": author.name, "task_title": task.title });
    let title = super::notify::english_title("comment.mention", &data);
    for user in c
        .mentions
        .iter()
        .copied()
        .filter(|u| *u != author.id && !already.contains(u))
    {
        let Some(n) = accounts::notify(
            txn,
            user,
            "comment.mention",
            &title,
            &excerpt,
            data.clone(),
            out.mail,
        )
        .await?
        else {
            continue;
        };
        out.notification(&n);
    }
    Ok(())
}

/// T4: a task's comments, oldest first.
#[utoipa::path(get, path = "/api/v1/tasks/{id}/comments", tag = "tasks", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Task id"), PageQuery),
    responses((status = 200, description = "Comments", body = Page<CommentResponse>)))]
#[tracing::instrument(skip_all, err)]
pub async fn list_comments(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let (t, _) = access::task(&state, &auth, path.into_inner(), |_| ProjectAction::View).await?;
    let (rows, next) = repo::list(&state.db, t.id, page.cursor()?, page.limit()?).await?;
    let members = project_repo::list_members(&state.db, t.project_id).await?;
    Ok(HttpResponse::Ok().json(Page {
        items: rows
            .iter()
            .map(|c| comment_dto_with(c, &members))
            .collect::<Vec<_>>(),
        next_cursor: next,
    }))
}

/// T4: comment (editors and administrators). Markdown is rendered and sanitized on the
/// server; `@name` mentions of project members notify them.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/comments", tag = "tasks", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Task id")),
    request_body = CommentRequest,
    responses((status = 201, description = "Posted", body = CommentResponse)))]
#[tracing::instrument(skip_all, err)]
pub async fn create_comment(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
    body: Json<CommentRequest>,
) -> ApiResult<HttpResponse> {
    let (t, _) = access::task(&state, &auth, path.into_inner(), |_| {
        ProjectAction::EditTasks
    })
    .await?;
    let body = body.into_inner()?;
    check_body(&body)?;
    let html = markdown::render(&body.body);
    let txn = tandem_db::begin_write(&state.db).await?;
    let c = repo::create(&txn, t.id, auth.user.id, body.body, html)
        .await
        .map_err(task_gone)?;
    super::keys::bind_new(
        &txn,
        tandem_dto::ExternalKeyKind::Comment,
        t.project_id,
        body.external_key,
        c.id,
        auth.user.id,
    )
    .await?;
    let members = project_repo::list_members(&txn, t.project_id).await?;
    let dto = comment_dto_with(&c, &members);
    let mut out = Outbox::by(&state, auth.user.id);
    out.event(
        WsEventKind::CommentCreated,
        Some(t.project_id),
        Audience::Project,
        None,
        &dto,
    );
    notify_mentions(&txn, &t, &dto, &auth.user, &[], &mut out).await?;
    super::notify::commented(&txn, &t, &auth.user, &dto.mentions, &mut out).await?;
    out.commit(&state, txn).await?;
    Ok(created(
        format!("/api/v1/comments/{}", c.id),
        &dto,
        Some(c.version),
    ))
}

/// T4: edit one's own comment. Honors `If-Match`. Newly mentioned members are notified.
#[utoipa::path(patch, path = "/api/v1/comments/{id}", tag = "tasks", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Comment id")),
    request_body = UpdateCommentRequest,
    responses(
        (status = 200, description = "Edited", body = CommentResponse),
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, err)]
pub async fn update_comment(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    auth: AuthUser,
    path: web::Path<Uuid>,
    body: Json<UpdateCommentRequest>,
) -> ApiResult<HttpResponse> {
    let c = repo::find(&state.db, path.into_inner()).await?;
    let me = auth.user.id;
    let is_author = c.author_id == me;
    let (t, _) = access::task(&state, &auth, c.task_id, |_| ProjectAction::EditComment {
        is_author,
    })
    .await?;
    let body = body.into_inner()?;
    check_text(&body.body)?;
    check_if_match(&req, c.version)?;
    let txn = tandem_db::begin_write(&state.db).await?;
    let members = project_repo::list_members(&txn, t.project_id).await?;
    let before = comment_dto_with(&c, &members).mentions;
    let html = markdown::render(&body.body);
    let c = repo::update(&txn, c, body.body, html).await?;
    let dto = comment_dto_with(&c, &members);
    let mut out = Outbox::by(&state, auth.user.id);
    out.event(
        WsEventKind::CommentUpdated,
        Some(t.project_id),
        Audience::Project,
        None,
        &dto,
    );
    notify_mentions(&txn, &t, &dto, &auth.user, &before, &mut out).await?;
    out.commit(&state, txn).await?;
    Ok(ok_with_etag(&dto, c.version))
}

/// T4: delete one's own comment (project administrators may delete any).
#[utoipa::path(delete, path = "/api/v1/comments/{id}", tag = "tasks", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Comment id")),
    responses((status = 204, description = "Deleted")))]
#[tracing::instrument(skip_all, err)]
pub async fn delete_comment(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let c = repo::find(&state.db, path.into_inner()).await?;
    let is_author = c.author_id == auth.user.id;
    let (t, _) = access::task(&state, &auth, c.task_id, |_| ProjectAction::DeleteComment {
        is_author,
    })
    .await?;
    // The comment, its key and the event go together.
    let txn = tandem_db::begin_write(&state.db).await?;
    repo::delete(&txn, c.id).await?;
    let mut out = Outbox::by(&state, auth.user.id);
    out.event(
        WsEventKind::CommentDeleted,
        Some(t.project_id),
        Audience::Project,
        None,
        &tandem_dto::CommentDeletedEvent {
            id: c.id,
            task_id: c.task_id,
        },
    );
    out.commit(&state, txn).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Renders Markdown exactly as descriptions and comments are stored (sanitized HTML), for the
/// editors' preview.
#[utoipa::path(post, path = "/api/v1/markdown", tag = "tasks", security(("bearer" = [])),
    request_body = MarkdownRequest,
    responses((status = 200, description = "Rendered", body = MarkdownResponse)))]
#[tracing::instrument(skip_all, err)]
pub async fn render_markdown(
    _auth: Allowed<perm::ReadSelf>,
    body: Json<MarkdownRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner()?;
    validate(&body)?;
    Ok(HttpResponse::Ok().json(MarkdownResponse {
        html: markdown::render(&body.text),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mention_titles_fit_whatever_the_task_title() {
        let mention_title = |author: &str, task: &str| {
            super::super::notify::english_title(
                "comment.mention",
                &json!({ "author_name": author, "task_title": task }),
            )
        };
        let long = "需".repeat(300);
        let t = mention_title(&"李".repeat(300), &long);
        assert!(t.chars().count() <= accounts::NOTIFICATION_TITLE_MAX);
        let short = mention_title("李雷", "原型设计");
        assert_eq!(short, "李雷 mentioned you in “原型设计”");
        assert!(mention_title("李雷", &long).contains('…'));
    }
}
