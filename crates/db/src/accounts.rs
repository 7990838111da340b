//! Users, departments, sessions (refresh tokens), personal access tokens, quick replies
//! and notifications.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use tandem_dto::{
    AccessTokenResponse, DepartmentResponse, NotificationResponse, QuickReplyResponse, SystemRole,
    TokenScope, UserResponse, UserStatus,
};
use uuid::Uuid;

use crate::entities::{
    departments, notifications, personal_tokens, quick_replies, refresh_tokens, users,
};
use crate::error::{RepoError, RepoResult, stale_or_gone};
use crate::pagination::finish_page;

// ---------------------------------------------------------------- users

/// Converts a stored user to its wire form.
pub fn user_dto(u: &users::Model) -> UserResponse {
    UserResponse {
        id: u.id,
        email: u.email.clone(),
        employee_id: u.employee_id.clone(),
        name: u.name.clone(),
        department_id: u.department_id,
        position: u.position.clone(),
        phone: u.phone.clone(),
        contact: u.contact.clone(),
        role: SystemRole::parse(&u.role).unwrap_or(SystemRole::Member),
        status: UserStatus::parse(&u.status).unwrap_or(UserStatus::Deactivated),
        rejection_reason: u.rejection_reason.clone(),
        has_avatar: u.avatar.is_some(),
        created_at: u.created_at,
        updated_at: u.updated_at,
        version: u.version,
        locale: tandem_dto::Locale::parse(&u.locale),
    }
}

/// Fields of a new account.
pub struct NewUser {
    pub email: Option<String>,
    pub employee_id: Option<String>,
    pub name: String,
    pub department_id: Option<Uuid>,
    pub position: String,
    pub password_hash: String,
    pub role: SystemRole,
    pub status: UserStatus,
}

/// Inserts a user; e-mail is expected lower-cased already.
pub async fn insert_user(db: &impl ConnectionTrait, new: NewUser) -> RepoResult<users::Model> {
    let now = Utc::now();
    let model = users::ActiveModel {
        id: Set(Uuid::now_v7()),
        email: Set(new.email),
        employee_id: Set(new.employee_id),
        name: Set(new.name),
        department_id: Set(new.department_id),
        position: Set(new.position),
        phone: Set(None),
        contact: Set(None),
        password_hash: Set(new.password_hash),
        role: Set(new.role.as_str().to_owned()),
        status: Set(new.status.as_str().to_owned()),
        rejection_reason: Set(None),
        avatar: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        // Most of our users read Chinese; the web app's language switch changes it.
        locale: Set("zh-CN".to_owned()),
    };
    Ok(model.insert(db).await?)
}

pub async fn find_user(db: &impl ConnectionTrait, id: Uuid) -> RepoResult<users::Model> {
    users::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)
}

/// A user read to be changed in the caller's transaction: on PostgreSQL the row stays locked
/// until the transaction ends, so a concurrent change waits and then sees this one (SQLite's
/// write transaction already holds the only writer lock).
pub async fn find_user_for_update(db: &impl ConnectionTrait, id: Uuid) -> RepoResult<users::Model> {
    crate::for_update(db, users::Entity::find_by_id(id))
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)
}

/// Users without their avatar images: `avatar` holds only the first byte (enough for "has an
/// avatar"), so reading people for a request doesn't read up to a few hundred KB each. Updates
/// from these models are safe: only the columns a change sets are written.
pub fn users_without_avatars() -> sea_orm::Select<users::Entity> {
    use sea_orm::Iterable;
    users::Entity::find()
        .select_only()
        .columns(users::Column::iter().filter(|c| !matches!(c, users::Column::Avatar)))
        .column_as(Expr::cust(r#"substr("avatar", 1, 1)"#), "avatar")
}

/// The user behind a request's token (see [`users_without_avatars`]).
pub async fn find_user_for_auth(db: &impl ConnectionTrait, id: Uuid) -> RepoResult<users::Model> {
    users_without_avatars()
        .filter(users::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)
}

/// Finds a user by e-mail (case-insensitive) or employee ID. A login with an `@` is an e-mail
/// address and anything else an employee ID — employee IDs cannot contain `@` (see
/// `tandem_dto::rules::employee_id_ok`) — so at most one account can match. Employee IDs with
/// an `@` stored before that rule still log in, but an e-mail address always wins over them.
pub async fn find_user_by_login(
    db: &impl ConnectionTrait,
    login: &str,
) -> RepoResult<Option<users::Model>> {
    let login = login.trim();
    if login.contains('@')
        && let Some(u) = find_user_by_email(db, login).await?
    {
        return Ok(Some(u));
    }
    Ok(users::Entity::find()
        .filter(users::Column::EmployeeId.eq(login))
        .order_by_asc(users::Column::Id)
        .one(db)
        .await?)
}

/// Finds a user by e-mail (case-insensitive) only.
pub async fn find_user_by_email(
    db: &impl ConnectionTrait,
    email: &str,
) -> RepoResult<Option<users::Model>> {
    Ok(users::Entity::find()
        .filter(users::Column::Email.eq(email.trim().to_lowercase()))
        .one(db)
        .await?)
}

/// Which of the identifiers is taken already: `email`, `employee_id` or none.
pub async fn identifier_taken(
    db: &impl ConnectionTrait,
    email: Option<&str>,
    employee_id: Option<&str>,
) -> RepoResult<Option<&'static str>> {
    if let Some(e) = email {
        let n = users::Entity::find()
            .filter(users::Column::Email.eq(e))
            .count(db)
            .await?;
        if n > 0 {
            return Ok(Some("email"));
        }
    }
    if let Some(e) = employee_id {
        let n = users::Entity::find()
            .filter(users::Column::EmployeeId.eq(e))
            .count(db)
            .await?;
        if n > 0 {
            return Ok(Some("employee_id"));
        }
    }
    Ok(None)
}

pub async fn count_active_admins(db: &impl ConnectionTrait) -> RepoResult<u64> {
    Ok(users::Entity::find()
        .filter(users::Column::Role.eq(SystemRole::Admin.as_str()))
        .filter(users::Column::Status.eq(UserStatus::Active.as_str()))
        .count(db)
        .await?)
}

/// Filters of the people directory and the approval queue.
#[derive(Default)]
pub struct UserFilter {
    pub department_id: Option<Uuid>,
    pub status: Option<UserStatus>,
    pub q: Option<String>,
    pub after: Option<Uuid>,
    pub limit: u64,
}

pub async fn list_users(
    db: &impl ConnectionTrait,
    f: UserFilter,
) -> RepoResult<(Vec<users::Model>, Option<String>)> {
    let mut q = users_without_avatars();
    if let Some(d) = f.department_id {
        q = q.filter(users::Column::DepartmentId.eq(d));
    }
    if let Some(s) = f.status {
        q = q.filter(users::Column::Status.eq(s.as_str()));
    }
    if let Some(text) = f.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let pattern = format!("%{}%", escape_like(&text.to_lowercase()));
        q = q.filter(
            Condition::any()
                .add(Expr::expr(Func::lower(Expr::col(users::Column::Name))).like(pattern.clone()))
                .add(users::Column::Email.like(pattern.clone()))
                .add(
                    Expr::expr(Func::lower(Expr::col(users::Column::EmployeeId)))
                        .like(pattern.clone()),
                )
                .add(Expr::expr(Func::lower(Expr::col(users::Column::Position))).like(pattern)),
        );
    }
    if let Some(after) = f.after {
        q = q.filter(users::Column::Id.gt(after));
    }
    let rows = q
        .order_by_asc(users::Column::Id)
        .limit(f.limit + 1)
        .all(db)
        .await?;
    Ok(finish_page(rows, f.limit, |u| u.id))
}

/// Escapes LIKE wildcards so user text matches literally.
pub(crate) fn escape_like(s: &str) -> String {
    // Neither engine has a default escape character we can rely on for both, so wildcards in
    // the search text are dropped rather than escaped: searching for "%" is not a use case.
    s.replace(['%', '_', '\\'], "")
}

/// A partial change to a user; `None` leaves a field alone.
#[derive(Debug, Default)]
pub struct UserChanges {
    pub name: Option<String>,
    /// Lower-cased already.
    pub email: Option<Option<String>>,
    pub employee_id: Option<Option<String>>,
    pub position: Option<String>,
    pub phone: Option<Option<String>>,
    pub contact: Option<Option<String>>,
    pub department_id: Option<Uuid>,
    pub role: Option<SystemRole>,
    pub status: Option<UserStatus>,
    pub rejection_reason: Option<Option<String>>,
    pub avatar: Option<Vec<u8>>,
    pub password_hash: Option<String>,
    pub locale: Option<String>,
}

/// Applies changes, bumping the version (the ETag). The update is conditional on the
/// version read, so a concurrent writer is detected instead of silently overwritten.
pub async fn update_user(
    db: &impl ConnectionTrait,
    user: users::Model,
    c: UserChanges,
) -> RepoResult<users::Model> {
    let version = user.version;
    let id = user.id;
    let mut am: users::ActiveModel = user.into();
    if let Some(v) = c.name {
        am.name = Set(v);
    }
    if let Some(v) = c.email {
        am.email = Set(v);
    }
    if let Some(v) = c.employee_id {
        am.employee_id = Set(v);
    }
    if let Some(v) = c.position {
        am.position = Set(v);
    }
    if let Some(v) = c.phone {
        am.phone = Set(v);
    }
    if let Some(v) = c.contact {
        am.contact = Set(v);
    }
    if let Some(v) = c.department_id {
        am.department_id = Set(Some(v));
    }
    if let Some(v) = c.role {
        am.role = Set(v.as_str().to_owned());
    }
    if let Some(v) = c.status {
        am.status = Set(v.as_str().to_owned());
    }
    if let Some(v) = c.rejection_reason {
        am.rejection_reason = Set(v);
    }
    if let Some(v) = c.avatar {
        am.avatar = Set(Some(v));
    }
    if let Some(v) = c.locale {
        am.locale = Set(v);
    }
    if let Some(v) = c.password_hash {
        am.password_hash = Set(v);
    }
    am.updated_at = Set(Utc::now());
    am.version = Set(version + 1);
    let res = users::Entity::update_many()
        .set(am)
        .filter(users::Column::Id.eq(id))
        .filter(users::Column::Version.eq(version))
        .exec(db)
        .await?;
    if res.rows_affected == 0 {
        return Err(stale_or_gone(
            users::Entity::find_by_id(id).one(db).await?.is_some(),
        ));
    }
    find_user(db, id).await
}

// ---------------------------------------------------------------- departments

pub fn department_dto(d: &departments::Model) -> DepartmentResponse {
    DepartmentResponse {
        id: d.id,
        name: d.name.clone(),
        head_id: d.head_id,
        parent_id: d.parent_id,
        created_at: d.created_at,
        updated_at: d.updated_at,
        version: d.version,
    }
}

/// Everyone in a department (for "tasks of people in department X").
pub async fn user_ids_in_department(
    db: &impl ConnectionTrait,
    department_id: Uuid,
) -> RepoResult<Vec<Uuid>> {
    Ok(users::Entity::find()
        .select_only()
        .column(users::Column::Id)
        .filter(users::Column::DepartmentId.eq(department_id))
        .into_tuple::<Uuid>()
        .all(db)
        .await?)
}

/// Which of these department ids exist.
pub async fn departments_by_ids(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> RepoResult<std::collections::HashSet<Uuid>> {
    Ok(departments::Entity::find()
        .filter(departments::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|d| d.id)
        .collect())
}

pub async fn find_department(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> RepoResult<departments::Model> {
    departments::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)
}

pub async fn list_departments(
    db: &impl ConnectionTrait,
    after: Option<Uuid>,
    limit: u64,
) -> RepoResult<(Vec<departments::Model>, Option<String>)> {
    let mut q = departments::Entity::find();
    if let Some(a) = after {
        q = q.filter(departments::Column::Id.gt(a));
    }
    let rows = q
        .order_by_asc(departments::Column::Id)
        .limit(limit + 1)
        .all(db)
        .await?;
    Ok(finish_page(rows, limit, |d| d.id))
}

pub async fn insert_department(
    db: &impl ConnectionTrait,
    name: String,
    head_id: Option<Uuid>,
    parent_id: Option<Uuid>,
) -> RepoResult<departments::Model> {
    let now = Utc::now();
    let am = departments::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name),
        head_id: Set(head_id),
        parent_id: Set(parent_id),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    };
    am.insert(db).await.map_err(|e| match RepoError::from(e) {
        RepoError::Conflict(_) => RepoError::Conflict("department_name_taken"),
        other => other,
    })
}

/// Renames or re-parents a department, or changes its head; `None` leaves a field alone.
/// Conditional on the version read (412 when someone changed it meanwhile, 404 when deleted).
pub async fn update_department(
    db: &impl ConnectionTrait,
    d: departments::Model,
    name: Option<String>,
    head_id: Option<Option<Uuid>>,
    parent_id: Option<Option<Uuid>>,
) -> RepoResult<departments::Model> {
    let (id, version) = (d.id, d.version);
    let mut am: departments::ActiveModel = d.into();
    if let Some(v) = name {
        am.name = Set(v);
    }
    if let Some(v) = head_id {
        am.head_id = Set(v);
    }
    if let Some(v) = parent_id {
        am.parent_id = Set(v);
    }
    am.updated_at = Set(Utc::now());
    am.version = Set(version + 1);
    let res = departments::Entity::update_many()
        .set(am)
        .filter(departments::Column::Id.eq(id))
        .filter(departments::Column::Version.eq(version))
        .exec(db)
        .await
        .map_err(|e| match RepoError::from(e) {
            RepoError::Conflict("unique") => RepoError::Conflict("department_name_taken"),
            other => other,
        })?;
    if res.rows_affected == 0 {
        return Err(stale_or_gone(
            departments::Entity::find_by_id(id).one(db).await?.is_some(),
        ));
    }
    find_department(db, id).await
}

/// Whether `candidate` is `dept` itself or one of its descendants (walks up from candidate).
pub async fn is_descendant_or_self(
    db: &impl ConnectionTrait,
    dept: Uuid,
    candidate: Uuid,
) -> RepoResult<bool> {
    let mut cur = Some(candidate);
    // Bounded walk: a corrupt cycle in old data must not hang the request.
    for _ in 0..1000 {
        match cur {
            None => return Ok(false),
            Some(id) if id == dept => return Ok(true),
            Some(id) => cur = find_department(db, id).await?.parent_id,
        }
    }
    Ok(true)
}

/// What still refers to a department, so it cannot be deleted.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DepartmentUse {
    pub members: u64,
    pub children: u64,
    /// Projects it collaborates in (ids, at most 20).
    pub projects: Vec<Uuid>,
    pub projects_total: u64,
}

impl DepartmentUse {
    pub fn is_empty(&self) -> bool {
        self.members == 0 && self.children == 0 && self.projects_total == 0
    }
}

/// Everything that refers to a department.
pub async fn department_use(db: &impl ConnectionTrait, id: Uuid) -> RepoResult<DepartmentUse> {
    use crate::entities::project_departments;
    let members = users::Entity::find()
        .filter(users::Column::DepartmentId.eq(id))
        .count(db)
        .await?;
    let children = departments::Entity::find()
        .filter(departments::Column::ParentId.eq(id))
        .count(db)
        .await?;
    let in_projects = project_departments::Entity::find()
        .filter(project_departments::Column::DepartmentId.eq(id));
    let projects_total = in_projects.clone().count(db).await?;
    let projects = in_projects
        .select_only()
        .column(project_departments::Column::ProjectId)
        .order_by_asc(project_departments::Column::ProjectId)
        .limit(20)
        .into_tuple::<Uuid>()
        .all(db)
        .await?;
    Ok(DepartmentUse {
        members,
        children,
        projects,
        projects_total,
    })
}

/// Deletes a department; the caller has checked [`department_use`] in the same transaction.
pub async fn delete_department(db: &impl ConnectionTrait, id: Uuid) -> RepoResult<()> {
    let res = departments::Entity::delete_by_id(id).exec(db).await?;
    if res.rows_affected == 0 {
        return Err(RepoError::NotFound);
    }
    crate::external_keys::unbind(db, tandem_dto::ExternalKeyKind::Department, id).await?;
    Ok(())
}

// ---------------------------------------------------------------- refresh tokens

pub async fn insert_refresh_token(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    family_id: Uuid,
    token_hash: String,
    expires_at: DateTime<Utc>,
) -> RepoResult<()> {
    refresh_tokens::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        family_id: Set(family_id),
        token_hash: Set(token_hash),
        expires_at: Set(expires_at),
        used_at: Set(None),
        revoked_at: Set(None),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await?;
    Ok(())
}

pub async fn find_refresh_token(
    db: &impl ConnectionTrait,
    token_hash: &str,
) -> RepoResult<Option<refresh_tokens::Model>> {
    Ok(refresh_tokens::Entity::find()
        .filter(refresh_tokens::Column::TokenHash.eq(token_hash))
        .one(db)
        .await?)
}

/// Marks a refresh token spent. Returns false when another request spent it first, so two
/// concurrent refreshes cannot both succeed.
pub async fn spend_refresh_token(db: &impl ConnectionTrait, id: Uuid) -> RepoResult<bool> {
    let res = refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::UsedAt, Expr::value(Utc::now()))
        .filter(refresh_tokens::Column::Id.eq(id))
        .filter(refresh_tokens::Column::UsedAt.is_null())
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Whether a login session (refresh-token family) can still be refreshed: one of its tokens
/// is not revoked.
pub async fn session_alive(db: &impl ConnectionTrait, family_id: Uuid) -> RepoResult<bool> {
    Ok(refresh_tokens::Entity::find()
        .filter(refresh_tokens::Column::FamilyId.eq(family_id))
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .count(db)
        .await?
        > 0)
}

pub async fn revoke_refresh_family(db: &impl ConnectionTrait, family_id: Uuid) -> RepoResult<()> {
    refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(refresh_tokens::Column::FamilyId.eq(family_id))
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Ends every signed-in session of a user (password change): their refresh tokens stop working.
/// Returns the sessions (refresh-token families) that were live, so their access tokens can be
/// refused too.
pub async fn revoke_sessions_of(db: &impl ConnectionTrait, user_id: Uuid) -> RepoResult<Vec<Uuid>> {
    let live: Vec<Uuid> = refresh_tokens::Entity::find()
        .select_only()
        .column(refresh_tokens::Column::FamilyId)
        .distinct()
        .filter(refresh_tokens::Column::UserId.eq(user_id))
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .into_tuple::<Uuid>()
        .all(db)
        .await?;
    refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(refresh_tokens::Column::UserId.eq(user_id))
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(live)
}

/// Sessions (user, refresh-token family) revoked since `since`: their access tokens may still
/// be unexpired, so a server starting up must refuse them like the one that revoked them.
pub async fn sessions_revoked_since(
    db: &impl ConnectionTrait,
    since: DateTime<Utc>,
) -> RepoResult<Vec<(Uuid, Uuid)>> {
    Ok(refresh_tokens::Entity::find()
        .select_only()
        .column(refresh_tokens::Column::UserId)
        .column(refresh_tokens::Column::FamilyId)
        .distinct()
        .filter(refresh_tokens::Column::RevokedAt.gt(since))
        .into_tuple::<(Uuid, Uuid)>()
        .all(db)
        .await?)
}

/// Revokes every refresh and personal access token of a user (deactivation); returns the
/// sessions that were live.
pub async fn revoke_all_tokens_of(
    db: &impl ConnectionTrait,
    user_id: Uuid,
) -> RepoResult<Vec<Uuid>> {
    let now = Utc::now();
    let ended = revoke_sessions_of(db, user_id).await?;
    personal_tokens::Entity::update_many()
        .col_expr(personal_tokens::Column::RevokedAt, Expr::value(now))
        .filter(personal_tokens::Column::UserId.eq(user_id))
        .filter(personal_tokens::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(ended)
}

// ---------------------------------------------------------------- personal access tokens

pub fn scopes_to_string(scopes: &[TokenScope]) -> String {
    let mut s: Vec<TokenScope> = scopes.to_vec();
    s.sort();
    s.dedup();
    s.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(",")
}

pub fn scopes_from_string(s: &str) -> Vec<TokenScope> {
    s.split(',').filter_map(TokenScope::parse).collect()
}

pub fn access_token_dto(t: &personal_tokens::Model) -> AccessTokenResponse {
    AccessTokenResponse {
        id: t.id,
        name: t.name.clone(),
        scopes: scopes_from_string(&t.scopes),
        prefix: t.prefix.clone(),
        created_at: t.created_at,
        expires_at: t.expires_at,
        last_used_at: t.last_used_at,
    }
}

pub struct NewAccessToken {
    pub user_id: Uuid,
    pub name: String,
    pub token_hash: String,
    pub prefix: String,
    pub scopes: Vec<TokenScope>,
    pub expires_at: Option<DateTime<Utc>>,
}

pub async fn insert_access_token(
    db: &impl ConnectionTrait,
    t: NewAccessToken,
) -> RepoResult<personal_tokens::Model> {
    Ok(personal_tokens::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(t.user_id),
        name: Set(t.name),
        token_hash: Set(t.token_hash),
        prefix: Set(t.prefix),
        scopes: Set(scopes_to_string(&t.scopes)),
        expires_at: Set(t.expires_at),
        last_used_at: Set(None),
        revoked_at: Set(None),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await?)
}

/// Finds a live (not revoked, not expired) token by hash.
pub async fn find_live_access_token(
    db: &impl ConnectionTrait,
    token_hash: &str,
) -> RepoResult<Option<personal_tokens::Model>> {
    let now = Utc::now();
    Ok(personal_tokens::Entity::find()
        .filter(personal_tokens::Column::TokenHash.eq(token_hash))
        .filter(personal_tokens::Column::RevokedAt.is_null())
        .filter(
            Condition::any()
                .add(personal_tokens::Column::ExpiresAt.is_null())
                .add(personal_tokens::Column::ExpiresAt.gt(now)),
        )
        .one(db)
        .await?)
}

/// Whether a personal access token is still live (not revoked, not expired).
pub async fn access_token_alive(db: &impl ConnectionTrait, id: Uuid) -> RepoResult<bool> {
    let now = Utc::now();
    Ok(personal_tokens::Entity::find_by_id(id)
        .filter(personal_tokens::Column::RevokedAt.is_null())
        .filter(
            Condition::any()
                .add(personal_tokens::Column::ExpiresAt.is_null())
                .add(personal_tokens::Column::ExpiresAt.gt(now)),
        )
        .count(db)
        .await?
        > 0)
}

pub async fn touch_access_token(db: &impl ConnectionTrait, id: Uuid) -> RepoResult<()> {
    personal_tokens::Entity::update_many()
        .col_expr(personal_tokens::Column::LastUsedAt, Expr::value(Utc::now()))
        .filter(personal_tokens::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn list_access_tokens(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    after: Option<Uuid>,
    limit: u64,
) -> RepoResult<(Vec<personal_tokens::Model>, Option<String>)> {
    let mut q = personal_tokens::Entity::find()
        .filter(personal_tokens::Column::UserId.eq(user_id))
        .filter(personal_tokens::Column::RevokedAt.is_null());
    if let Some(a) = after {
        q = q.filter(personal_tokens::Column::Id.gt(a));
    }
    let rows = q
        .order_by_asc(personal_tokens::Column::Id)
        .limit(limit + 1)
        .all(db)
        .await?;
    Ok(finish_page(rows, limit, |t| t.id))
}

/// Revokes one of the user's own tokens; NotFound when it is not theirs or already revoked.
pub async fn revoke_access_token(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    id: Uuid,
) -> RepoResult<()> {
    let res = personal_tokens::Entity::update_many()
        .col_expr(personal_tokens::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(personal_tokens::Column::Id.eq(id))
        .filter(personal_tokens::Column::UserId.eq(user_id))
        .filter(personal_tokens::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    if res.rows_affected == 0 {
        return Err(RepoError::NotFound);
    }
    Ok(())
}

// ---------------------------------------------------------------- quick replies

pub fn quick_reply_dto(q: &quick_replies::Model) -> QuickReplyResponse {
    QuickReplyResponse {
        id: q.id,
        title: q.title.clone(),
        body: q.body.clone(),
        created_at: q.created_at,
        updated_at: q.updated_at,
        version: q.version,
    }
}

pub async fn list_quick_replies(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    after: Option<Uuid>,
    limit: u64,
) -> RepoResult<(Vec<quick_replies::Model>, Option<String>)> {
    let mut q = quick_replies::Entity::find().filter(quick_replies::Column::UserId.eq(user_id));
    if let Some(a) = after {
        q = q.filter(quick_replies::Column::Id.gt(a));
    }
    let rows = q
        .order_by_asc(quick_replies::Column::Id)
        .limit(limit + 1)
        .all(db)
        .await?;
    Ok(finish_page(rows, limit, |t| t.id))
}

pub async fn insert_quick_reply(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    title: String,
    body: String,
) -> RepoResult<quick_replies::Model> {
    let now = Utc::now();
    Ok(quick_replies::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        title: Set(title),
        body: Set(body),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(db)
    .await?)
}

/// A quick reply of this user; other users' replies are NotFound.
pub async fn find_quick_reply(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    id: Uuid,
) -> RepoResult<quick_replies::Model> {
    quick_replies::Entity::find_by_id(id)
        .filter(quick_replies::Column::UserId.eq(user_id))
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)
}

pub async fn update_quick_reply(
    db: &impl ConnectionTrait,
    q: quick_replies::Model,
    title: Option<String>,
    body: Option<String>,
) -> RepoResult<quick_replies::Model> {
    let version = q.version;
    let mut am: quick_replies::ActiveModel = q.clone().into();
    if let Some(v) = title {
        am.title = Set(v);
    }
    if let Some(v) = body {
        am.body = Set(v);
    }
    am.updated_at = Set(Utc::now());
    am.version = Set(version + 1);
    let id = q.id;
    // Conditional on the version read: a concurrent edit is a 412, not a lost update.
    let res = quick_replies::Entity::update_many()
        .set(am)
        .filter(quick_replies::Column::Id.eq(id))
        .filter(quick_replies::Column::Version.eq(version))
        .exec(db)
        .await?;
    if res.rows_affected == 0 {
        return Err(stale_or_gone(
            quick_replies::Entity::find_by_id(id)
                .one(db)
                .await?
                .is_some(),
        ));
    }
    quick_replies::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)
}

pub async fn delete_quick_reply(db: &impl ConnectionTrait, id: Uuid) -> RepoResult<()> {
    quick_replies::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

// ---------------------------------------------------------------- notifications

/// Characters a notification's title may have (the column's length on PostgreSQL).
pub const NOTIFICATION_TITLE_MAX: usize = 200;

pub fn notification_dto(n: &notifications::Model) -> NotificationResponse {
    NotificationResponse {
        id: n.id,
        kind: n.kind.clone(),
        title: n.title.clone(),
        body: n.body.clone(),
        data: serde_json::from_str(&n.data).unwrap_or(serde_json::Value::Null),
        read_at: n.read_at,
        created_at: n.created_at,
    }
}

pub async fn insert_notification(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    kind: &str,
    title: &str,
    body: &str,
    data: serde_json::Value,
    mail: bool,
) -> RepoResult<notifications::Model> {
    insert_notification_as(db, user_id, kind, title, body, data, mail, true).await
}

#[allow(clippy::too_many_arguments)]
async fn insert_notification_as(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    kind: &str,
    title: &str,
    body: &str,
    data: serde_json::Value,
    mail: bool,
    shown: bool,
) -> RepoResult<notifications::Model> {
    let now = Utc::now();
    Ok(notifications::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        kind: Set(kind.to_owned()),
        // Titles are made from user data (names, task titles): never let one overflow the
        // column, which PostgreSQL would refuse after the change that caused it was made.
        title: Set(title.chars().take(NOTIFICATION_TITLE_MAX).collect()),
        body: Set(body.to_owned()),
        data: Set(data.to_string()),
        // One that is only mailed never counts as unread.
        read_at: Set((!shown).then_some(now)),
        mail_pending: Set(mail),
        shown: Set(shown),
        created_at: Set(now),
    }
    .insert(db)
    .await?)
}

/// Newest first.
pub async fn list_notifications(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    unread_only: bool,
    kind: Option<&str>,
    before: Option<Uuid>,
    limit: u64,
) -> RepoResult<(Vec<notifications::Model>, Option<String>)> {
    let mut q = notifications::Entity::find()
        .filter(notifications::Column::UserId.eq(user_id))
        .filter(notifications::Column::Shown.eq(true));
    if unread_only {
        q = q.filter(notifications::Column::ReadAt.is_null());
    }
    if let Some(k) = kind {
        q = q.filter(notifications::Column::Kind.eq(k));
    }
    if let Some(b) = before {
        q = q.filter(notifications::Column::Id.lt(b));
    }
    let rows = q
        .order_by_desc(notifications::Column::Id)
        .limit(limit + 1)
        .all(db)
        .await?;
    Ok(finish_page(rows, limit, |n| n.id))
}

pub async fn mark_notifications_read(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    ids: Option<Vec<Uuid>>,
) -> RepoResult<u64> {
    let mut q = notifications::Entity::update_many()
        .col_expr(notifications::Column::ReadAt, Expr::value(Utc::now()))
        .filter(notifications::Column::UserId.eq(user_id))
        .filter(notifications::Column::ReadAt.is_null());
    if let Some(ids) = ids {
        q = q.filter(notifications::Column::Id.is_in(ids));
    }
    Ok(q.exec(db).await?.rows_affected)
}

/// The status of each of `ids` that exists (`(id, status)`).
pub async fn users_by_ids(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> RepoResult<Vec<(Uuid, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(users::Entity::find()
        .select_only()
        .column(users::Column::Id)
        .column(users::Column::Status)
        .filter(users::Column::Id.is_in(ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await?)
}

/// How many of a user's notifications are unread.
pub async fn count_unread_notifications(
    db: &impl ConnectionTrait,
    user_id: Uuid,
) -> RepoResult<u64> {
    Ok(notifications::Entity::find()
        .filter(notifications::Column::UserId.eq(user_id))
        .filter(notifications::Column::ReadAt.is_null())
        .filter(notifications::Column::Shown.eq(true))
        .count(db)
        .await?)
}

/// A user's notification settings that differ from the defaults, by kind.
pub async fn notification_settings(
    db: &impl ConnectionTrait,
    user_id: Uuid,
) -> RepoResult<std::collections::HashMap<String, (bool, bool)>> {
    use crate::entities::notification_settings as ns;
    Ok(ns::Entity::find()
        .filter(ns::Column::UserId.eq(user_id))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.kind, (s.in_app, s.email)))
        .collect())
}

/// Stores a user's choice for one kind (in the caller's transaction).
pub async fn set_notification_setting(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    kind: &str,
    in_app: bool,
    email: bool,
) -> RepoResult<()> {
    use crate::entities::notification_settings as ns;
    use sea_orm::sea_query::OnConflict;
    ns::Entity::insert(ns::ActiveModel {
        user_id: Set(user_id),
        kind: Set(kind.to_owned()),
        in_app: Set(in_app),
        email: Set(email),
    })
    .on_conflict(
        OnConflict::columns([ns::Column::UserId, ns::Column::Kind])
            .update_columns([ns::Column::InApp, ns::Column::Email])
            .to_owned(),
    )
    .exec(db)
    .await?;
    Ok(())
}

/// A notification for `user_id`, in the caller's transaction like [`insert_notification`]:
/// shown in the app unless they turned this kind off there, and waiting for their next e-mail
/// digest when `mail` (mail is sent at all), the kind is on by e-mail and they have an
/// address. `None` when it goes nowhere. A notification only mailed is stored hidden (and
/// read), so the digest can find it.
pub async fn notify(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    kind: &str,
    title: &str,
    body: &str,
    data: serde_json::Value,
    mail: bool,
) -> RepoResult<Option<notifications::Model>> {
    use crate::entities::notification_settings as ns;
    let setting = ns::Entity::find_by_id((user_id, kind.to_owned()))
        .one(db)
        .await?;
    let shown = setting.as_ref().is_none_or(|s| s.in_app);
    let mail = mail
        && setting.is_none_or(|s| s.email)
        && users::Entity::find_by_id(user_id)
            .one(db)
            .await?
            .is_some_and(|u| u.email.is_some());
    if !shown && !mail {
        return Ok(None);
    }
    insert_notification_as(db, user_id, kind, title, body, data, mail, shown)
        .await
        .map(Some)
}

/// Removes read notifications created before `before` (retention); returns how many.
pub async fn prune_notifications(
    db: &impl ConnectionTrait,
    before: chrono::DateTime<Utc>,
) -> RepoResult<u64> {
    Ok(notifications::Entity::delete_many()
        .filter(notifications::Column::ReadAt.is_not_null())
        .filter(notifications::Column::MailPending.eq(false))
        .filter(notifications::Column::CreatedAt.lt(before))
        .exec(db)
        .await?
        .rows_affected)
}

/// Up to `limit` of a user's notifications waiting for mail, oldest first.
pub async fn mail_pending(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    limit: u64,
) -> RepoResult<Vec<notifications::Model>> {
    Ok(notifications::Entity::find()
        .filter(notifications::Column::MailPending.eq(true))
        .filter(notifications::Column::UserId.eq(user_id))
        .order_by_asc(notifications::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// Marks notifications mailed (or no longer to be mailed).
pub async fn clear_mail_pending(db: &impl ConnectionTrait, ids: &[Uuid]) -> RepoResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    notifications::Entity::update_many()
        .col_expr(notifications::Column::MailPending, Expr::value(false))
        .filter(notifications::Column::Id.is_in(ids.iter().copied()))
        .exec(db)
        .await?;
    Ok(())
}

/// Sets the language a user's mail is written in.
pub async fn set_locale(db: &impl ConnectionTrait, user_id: Uuid, locale: &str) -> RepoResult<()> {
    users::Entity::update_many()
        .col_expr(users::Column::Locale, Expr::value(locale))
        .filter(users::Column::Id.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}
