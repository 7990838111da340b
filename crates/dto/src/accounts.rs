use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Lifecycle of an account.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    /// Registered, waiting for an administrator.
    Pending,
    /// May log in.
    Active,
    /// Registration rejected by an administrator.
    Rejected,
    /// Deactivated by an administrator; history is kept.
    Deactivated,
}

impl UserStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Active => "active",
            Self::Rejected => "rejected",
            Self::Deactivated => "deactivated",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => Self::Pending,
            "active" => Self::Active,
            "rejected" => Self::Rejected,
            "deactivated" => Self::Deactivated,
            _ => return None,
        })
    }
}

/// System-wide role.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SystemRole {
    /// Manages users, departments and every project.
    Admin,
    /// A regular user.
    Member,
}

impl SystemRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Member => "member",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "admin" => Self::Admin,
            "member" => Self::Member,
            _ => return None,
        })
    }
}

/// What a personal access token may do.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TokenScope {
    /// Safe methods (GET) only.
    Read,
    /// Create, change and delete the owner's data.
    Write,
    /// Administrative endpoints (only effective for administrators).
    Admin,
}

impl TokenScope {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "write",
            Self::Admin => "admin",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "read" => Self::Read,
            "write" => Self::Write,
            "admin" => Self::Admin,
            _ => return None,
        })
    }
}

/// A1: self-registration. Either `email` or `employee_id` (or both) is required.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "validate", derive(validator::Validate))]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// Company e-mail, unique (case-insensitive).
    #[cfg_attr(feature = "validate", validate(email, length(max = 254)))]
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 254, format = Email))]
    pub email: Option<String>,
    /// Employee ID, unique.
    #[cfg_attr(feature = "validate", validate(length(min = 1, max = 64)))]
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 64, pattern = r"^[^@]*[^@\s][^@]*$")
    )]
    pub employee_id: Option<String>,
    /// Display name.
    #[cfg_attr(feature = "validate", validate(length(min = 1, max = 100)))]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 100, pattern = r"\S")
    )]
    pub name: String,
    /// An existing department.
    pub department_id: Uuid,
    /// Position or job title.
    #[cfg_attr(feature = "validate", validate(length(min = 1, max = 100)))]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 100, pattern = r"\S")
    )]
    pub position: String,
    /// At least 10 characters.
    #[cfg_attr(feature = "validate", validate(length(min = 10, max = 256)))]
    #[cfg_attr(feature = "openapi", schema(min_length = 10, max_length = 256))]
    pub password: String,
}

/// A3: log in with e-mail or employee ID.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "validate", derive(validator::Validate))]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// E-mail or employee ID.
    #[cfg_attr(feature = "validate", validate(length(min = 1, max = 254)))]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 254, pattern = r"\S")
    )]
    pub login: String,
    /// The password.
    #[cfg_attr(feature = "validate", validate(length(min = 1, max = 256)))]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 256))]
    pub password: String,
    /// The `device_token` of an earlier successful login to this account from this device or
    /// script. A known device is not locked out by failed logins from elsewhere (someone
    /// guessing the password, or many failures from the same company proxy); it has a failure
    /// count of its own.
    #[cfg_attr(feature = "validate", validate(length(max = 200)))]
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_token: Option<String>,
}

/// Exchange a refresh token for a new pair.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "validate", derive(validator::Validate))]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The refresh token from login or the last refresh.
    #[cfg_attr(feature = "validate", validate(length(min = 1, max = 512)))]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 512))]
    pub refresh_token: String,
}

/// A4: change one's own password.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "validate", derive(validator::Validate))]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    /// The password in use now.
    #[cfg_attr(feature = "validate", validate(length(min = 1, max = 256)))]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 256))]
    pub current_password: String,
    /// At least 10 characters.
    #[cfg_attr(feature = "validate", validate(length(min = 10, max = 256)))]
    #[cfg_attr(feature = "openapi", schema(min_length = 10, max_length = 256))]
    pub new_password: String,
}

/// Tokens issued by login and refresh.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenPairResponse {
    /// JWT access token for `Authorization: Bearer`.
    pub access_token: String,
    /// Opaque single-use refresh token.
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// The logged-in user.
    pub user: UserResponse,
    /// From a login: keep it and send it as `device_token` at the next login to this account
    /// (see `LoginRequest`). Absent from refreshes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_token: Option<String>,
}

/// A user as others see it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserResponse {
    pub id: Uuid,
    pub email: Option<String>,
    pub employee_id: Option<String>,
    pub name: String,
    pub department_id: Option<Uuid>,
    pub position: String,
    pub phone: Option<String>,
    /// Free-form other contact info (WeChat, extension …).
    pub contact: Option<String>,
    pub role: SystemRole,
    pub status: UserStatus,
    /// Why the registration was rejected, when it was.
    pub rejection_reason: Option<String>,
    /// Whether `GET /users/{id}/avatar` has an image.
    pub has_avatar: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Increases with every change (the `ETag` is this number in quotes).
    pub version: i64,
    /// The language of the user's notification mail (the web app's language switch sets it).
    pub locale: Locale,
}

/// A language the product speaks.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Locale {
    /// Simplified Chinese (the default).
    #[default]
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "en")]
    En,
}

impl Locale {
    pub fn as_str(self) -> &'static str {
        match self {
            Locale::ZhCn => "zh-CN",
            Locale::En => "en",
        }
    }

    /// Unknown tags read as the default.
    pub fn parse(s: &str) -> Self {
        if s == "en" { Locale::En } else { Locale::ZhCn }
    }
}

/// A4: change one's own profile. Absent fields are left alone; `null` clears optional ones.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "validate", derive(validator::Validate))]
#[serde(deny_unknown_fields)]
pub struct UpdateMeRequest {
    #[cfg_attr(feature = "validate", validate(length(min = 1, max = 100)))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 100, pattern = r"\S")
    )]
    pub name: Option<String>,
    #[cfg_attr(feature = "validate", validate(length(min = 1, max = 100)))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 100, pattern = r"\S")
    )]
    pub position: Option<String>,
    #[serde(
        default,
        deserialize_with = "crate::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, max_length = 64, pattern = r"^[0-9 +()-]*$"))]
    pub phone: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "crate::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, max_length = 500))]
    pub contact: Option<Option<String>>,
    /// The language of one's notification mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<Locale>,
}

/// A5/A6: what an administrator may change on a user.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "validate", derive(validator::Validate))]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<SystemRole>,
    /// Only `active` and `deactivated` may be set here; approvals go through the queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<UserStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department_id: Option<Uuid>,
    #[cfg_attr(feature = "validate", validate(length(min = 1, max = 100)))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 100, pattern = r"\S")
    )]
    pub position: Option<String>,
    #[cfg_attr(feature = "validate", validate(length(min = 1, max = 100)))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 100, pattern = r"\S")
    )]
    pub name: Option<String>,
    /// Unique (case-insensitive); `null` clears it when the account keeps an employee ID.
    #[serde(
        default,
        deserialize_with = "crate::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, max_length = 254, format = Email))]
    pub email: Option<Option<String>>,
    /// Unique; `null` clears it when the account keeps an e-mail.
    #[serde(
        default,
        deserialize_with = "crate::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, min_length = 1, max_length = 64, pattern = r"^[^@]*[^@\s][^@]*$"))]
    pub employee_id: Option<Option<String>>,
}

/// A2: rejection needs a reason the user will read.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "validate", derive(validator::Validate))]
#[serde(deny_unknown_fields)]
pub struct RejectRequest {
    #[cfg_attr(feature = "validate", validate(length(min = 1, max = 500)))]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 500, pattern = r"\S")
    )]
    pub reason: String,
}

/// A4: a reusable reply snippet.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuickReplyResponse {
    pub id: Uuid,
    pub title: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Increases with every change (the `ETag` is this number in quotes).
    pub version: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "validate", derive(validator::Validate))]
#[serde(deny_unknown_fields)]
pub struct CreateQuickReplyRequest {
    #[cfg_attr(feature = "validate", validate(length(min = 1, max = 100)))]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 100, pattern = r"\S")
    )]
    pub title: String,
    #[cfg_attr(feature = "validate", validate(length(min = 1, max = 2000)))]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 2000, pattern = r"\S")
    )]
    pub body: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "validate", derive(validator::Validate))]
#[serde(deny_unknown_fields)]
pub struct UpdateQuickReplyRequest {
    #[cfg_attr(feature = "validate", validate(length(min = 1, max = 100)))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 100, pattern = r"\S")
    )]
    pub title: Option<String>,
    #[cfg_attr(feature = "validate", validate(length(min = 1, max = 2000)))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 2000, pattern = r"\S")
    )]
    pub body: Option<String>,
}

/// A7: a personal access token, listed without its secret.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccessTokenResponse {
    pub id: Uuid,
    pub name: String,
    pub scopes: Vec<TokenScope>,
    /// The first characters of the token, to recognise it.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "validate", derive(validator::Validate))]
#[serde(deny_unknown_fields)]
pub struct CreateAccessTokenRequest {
    #[cfg_attr(feature = "validate", validate(length(min = 1, max = 100)))]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 100, pattern = r"\S")
    )]
    pub name: String,
    /// At least one scope.
    #[cfg_attr(feature = "validate", validate(length(min = 1, max = 3)))]
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 3))]
    pub scopes: Vec<TokenScope>,
    /// Optional expiry, in the future.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

/// The created token: `token` is shown this once and never again.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedAccessTokenResponse {
    /// The secret, prefixed `tdm_`.
    pub token: String,
    pub info: AccessTokenResponse,
}

/// A5: a department.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DepartmentResponse {
    pub id: Uuid,
    pub name: String,
    pub head_id: Option<Uuid>,
    pub parent_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Increases with every change (the `ETag` is this number in quotes).
    pub version: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "validate", derive(validator::Validate))]
#[serde(deny_unknown_fields)]
pub struct CreateDepartmentRequest {
    #[cfg_attr(feature = "validate", validate(length(min = 1, max = 100)))]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 100, pattern = r"\S")
    )]
    pub name: String,
    #[serde(default)]
    pub head_id: Option<Uuid>,
    #[serde(default)]
    pub parent_id: Option<Uuid>,
    /// The caller's name for the object (see `/external-keys`); unique among its kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 200, pattern = r"^\S(.*\S)?$")
    )]
    pub external_key: Option<String>,
}

/// Absent fields are left alone; `null` clears head or parent.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "validate", derive(validator::Validate))]
#[serde(deny_unknown_fields)]
pub struct UpdateDepartmentRequest {
    #[cfg_attr(feature = "validate", validate(length(min = 1, max = 100)))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 100, pattern = r"\S")
    )]
    pub name: Option<String>,
    #[serde(
        default,
        deserialize_with = "crate::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Uuid>))]
    pub head_id: Option<Option<Uuid>>,
    #[serde(
        default,
        deserialize_with = "crate::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Uuid>))]
    pub parent_id: Option<Option<Uuid>>,
}

/// I5: one audited event.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntryResponse {
    pub id: Uuid,
    /// Who did it; `null` for anonymous attempts (failed logins).
    pub actor_id: Option<Uuid>,
    /// Dotted action, e.g. `auth.login_failed`, `user.approved`.
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    /// Action-specific details (never secrets).
    pub detail: serde_json::Value,
    /// Client address.
    pub ip: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A notification for one user.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotificationResponse {
    pub id: Uuid,
    /// What happened: `comment.mention` (data: `task_id`, `project_id`, `comment_id`,
    /// `author_id`, `author_name`, `task_title`); `task.assigned`, `task.status_changed`
    /// (also `from`, `to`), `task.commented` (data: `task_id`, `project_id`, `task_title`,
    /// `actor_id`, `actor_name`); `project.member_added` (data: `project_id`, `project_name`,
    /// `role`, `actor_id`, `actor_name`); `account.approved`, `account.rejected` (data:
    /// `reason`); more kinds come with later modules. Clients render the text in their
    /// reader's language from `kind` and `data`.
    pub kind: String,
    /// A plain English summary, for clients that do not know the kind.
    pub title: String,
    /// The content the notification quotes (a comment's excerpt, a rejection's reason).
    pub body: String,
    pub data: serde_json::Value,
    pub read_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// Mark notifications read: the listed ids, or all when `ids` is absent.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "validate", derive(validator::Validate))]
#[serde(deny_unknown_fields)]
pub struct MarkNotificationsReadRequest {
    #[cfg_attr(feature = "validate", validate(length(max = 200)))]
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 200))]
    pub ids: Option<Vec<Uuid>>,
}

/// C7: how many of the caller's notifications are unread.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnreadCountResponse {
    pub count: u64,
}

/// `notification.read`, to the reader's other tabs: these were marked read (`ids`), or all of
/// them (`ids` null).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotificationReadEvent {
    pub ids: Option<Vec<Uuid>>,
}

/// The kinds of notification there are today (C7); later modules add theirs.
pub const NOTIFICATION_KINDS: &[&str] = &[
    "comment.mention",
    "task.assigned",
    "task.status_changed",
    "task.commented",
    "task.due_soon",
    "task.overdue",
    "at_risk",
    "project.member_added",
    "account.approved",
    "account.rejected",
];

/// C7: whether one kind of notification is shown in the app and sent by e-mail.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NotificationSetting {
    /// One of the kinds `GET /me/notification-settings` lists.
    #[cfg_attr(feature = "openapi", schema(max_length = 64))]
    pub kind: String,
    pub in_app: bool,
    /// Sent by e-mail (when the server has an SMTP relay configured).
    pub email: bool,
}

/// Every kind with the caller's choice (both on unless changed).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotificationSettingsResponse {
    pub items: Vec<NotificationSetting>,
}

/// Change some kinds' settings; kinds left out keep theirs.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateNotificationSettingsRequest {
    #[cfg_attr(feature = "openapi", schema(max_items = 100))]
    pub items: Vec<NotificationSetting>,
}
