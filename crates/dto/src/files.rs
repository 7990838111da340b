//! F1–F6: the project file library — folders, files and their versions, permission tiers,
//! the trash and storage use.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Problem, ProjectRole};

wire_enum!(
    /// What a person may do with a folder or file (F3). Each level includes the ones below.
    FileLevel {
        /// See, download and preview.
        View => "view",
        /// Also upload versions, rename, move, copy, create folders, edit documents, delete
        /// to the trash and restore from it.
        Edit => "edit",
        /// Also decide who may do what (grants, restricted folders).
        Manage => "manage",
    }
);

impl FileLevel {
    /// The level's rank: view < edit < manage.
    pub fn rank(self) -> u8 {
        match self {
            FileLevel::View => 1,
            FileLevel::Edit => 2,
            FileLevel::Manage => 3,
        }
    }
}

wire_enum!(
    /// Who a grant is for.
    GrantSubjectKind {
        /// One person.
        User => "user",
        /// Everyone in a department and its sub-departments.
        Department => "department",
    }
);

wire_enum!(
    /// What a library entry is.
    FileKind {
        /// An uploaded file.
        File => "file",
        /// A Markdown document edited together in real time (F5).
        Doc => "doc",
    }
);

wire_enum!(
    /// Where a permission comes from.
    AccessSource {
        /// The caller's role in the project (`role`).
        ProjectRole => "project_role",
        /// A system administrator acting as one.
        SystemAdmin => "system_admin",
        /// A grant on a folder or file (`on_*`) to the caller or a department (`subject_*`).
        Grant => "grant",
        /// A task attachment: the task's rules (its viewers and editing permission).
        Attachment => "attachment",
    }
);

wire_enum!(
    /// A folder or a file.
    NodeKind {
        Folder => "folder",
        File => "file",
    }
);

/// The caller's permission on a folder or file, and why they have it — "editor of the
/// project", "granted on folder 设计稿 to 设计部".
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FileAccess {
    pub level: FileLevel,
    pub source: AccessSource,
    /// For `project_role`: the role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<ProjectRole>,
    /// For `grant`: what the grant is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_kind: Option<NodeKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_name: Option<String>,
    /// For `grant`: who it was granted to (the caller, or one of their departments).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_kind: Option<GrantSubjectKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_name: Option<String>,
}

/// A folder of a project's library.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FolderResponse {
    pub id: Uuid,
    pub project_id: Uuid,
    /// `null` at the top of the library.
    pub parent_id: Option<Uuid>,
    pub name: String,
    /// Only its grantees (and project administrators) see it and what is inside.
    pub restricted: bool,
    pub access: FileAccess,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When it went to the trash (only in the trash).
    pub deleted_at: Option<DateTime<Utc>>,
    /// Increases with every change (the `ETag` is this number in quotes).
    pub version: i64,
}

/// A file (or document) of a project's library, or a task attachment.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FileResponse {
    pub id: Uuid,
    pub project_id: Uuid,
    /// `null` at the top of the library (and for task attachments).
    pub folder_id: Option<Uuid>,
    pub name: String,
    pub kind: FileKind,
    /// The task it is attached to, for task attachments.
    pub task_id: Option<Uuid>,
    /// Tasks it is linked to (a library file can be linked to several).
    pub linked_task_ids: Vec<Uuid>,
    pub current_version: i32,
    /// Of the current version.
    pub size: i64,
    pub content_type: String,
    pub sha256: String,
    pub access: FileAccess,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    /// Who made the current version (the library's "modified by").
    pub updated_by: Uuid,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub version: i64,
}

/// One version of a file (F2).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FileVersionResponse {
    pub number: i32,
    /// The name it had when this version was made.
    pub name: String,
    pub size: i64,
    pub sha256: String,
    pub content_type: String,
    pub note: Option<String>,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
}

/// F1: a new folder.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "validate", derive(validator::Validate))]
#[serde(deny_unknown_fields)]
pub struct CreateFolderRequest {
    /// No `/`, `\` or control characters; not `.` or `..`; unique in its folder (ignoring
    /// case).
    #[cfg_attr(feature = "validate", validate(length(min = 1, max = 255)))]
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 255,
            pattern = r"^[^/\\\x00-\x1f\x7f-\x9f]*[^/\\\s.\x00-\x1f\x7f-\x9f][^/\\\x00-\x1f\x7f-\x9f]*$"
        )
    )]
    pub name: String,
    /// The folder to create it in; absent or `null`: the top of the library.
    #[serde(default)]
    pub parent_id: Option<Uuid>,
    /// I3: the caller's own name for the folder, unique among the project's folders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_key: Option<String>,
}

/// F1: rename or move a folder. Honors `If-Match`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "validate", derive(validator::Validate))]
#[serde(deny_unknown_fields)]
pub struct UpdateFolderRequest {
    #[serde(default)]
    #[cfg_attr(feature = "validate", validate(length(min = 1, max = 255)))]
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 255,
            pattern = r"^[^/\\\x00-\x1f\x7f-\x9f]*[^/\\\s.\x00-\x1f\x7f-\x9f][^/\\\x00-\x1f\x7f-\x9f]*$"
        )
    )]
    pub name: Option<String>,
    /// Move it into this folder; `null`: to the top of the library.
    #[serde(
        default,
        deserialize_with = "crate::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Uuid>))]
    pub parent_id: Option<Option<Uuid>>,
}

/// F1: rename or move a file. Honors `If-Match`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "validate", derive(validator::Validate))]
#[serde(deny_unknown_fields)]
pub struct UpdateFileRequest {
    #[serde(default)]
    #[cfg_attr(feature = "validate", validate(length(min = 1, max = 255)))]
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 255,
            pattern = r"^[^/\\\x00-\x1f\x7f-\x9f]*[^/\\\s.\x00-\x1f\x7f-\x9f][^/\\\x00-\x1f\x7f-\x9f]*$"
        )
    )]
    pub name: Option<String>,
    /// Move it into this folder; `null`: to the top of the library.
    #[serde(
        default,
        deserialize_with = "crate::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Uuid>))]
    pub folder_id: Option<Option<Uuid>>,
}

/// F1: copy a file (its current version) into a folder.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "validate", derive(validator::Validate))]
#[serde(deny_unknown_fields)]
pub struct CopyFileRequest {
    /// The folder to copy into; absent or `null`: the top of the library.
    #[serde(default)]
    pub folder_id: Option<Uuid>,
    /// The copy's name (default: the file's name, with " (2)" etc. when taken).
    #[serde(default)]
    #[cfg_attr(feature = "validate", validate(length(min = 1, max = 255)))]
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 255,
            pattern = r"^[^/\\\x00-\x1f\x7f-\x9f]*[^/\\\s.\x00-\x1f\x7f-\x9f][^/\\\x00-\x1f\x7f-\x9f]*$"
        )
    )]
    pub name: Option<String>,
}

/// One grant on a folder or file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct GrantInput {
    pub subject_kind: GrantSubjectKind,
    /// A member of the project (for `user`), or a department.
    pub subject_id: Uuid,
    pub level: FileLevel,
}

/// F3: the grants of a folder or file, replacing the ones it had.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "validate", derive(validator::Validate))]
#[serde(deny_unknown_fields)]
pub struct PutGrantsRequest {
    /// At most 200; one per person or department.
    #[cfg_attr(feature = "validate", validate(length(max = 200)))]
    #[cfg_attr(feature = "openapi", schema(max_items = 200))]
    pub grants: Vec<GrantInput>,
    /// Folders only: seen only by their grantees and project administrators (absent: unchanged).
    #[serde(default)]
    pub restricted: Option<bool>,
}

/// A grant as shown: who, what level, and where it is set.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GrantResponse {
    pub subject_kind: GrantSubjectKind,
    pub subject_id: Uuid,
    /// The person's or department's name.
    pub subject_name: String,
    pub level: FileLevel,
    /// Where it is set: this object, or a folder above it (inherited).
    pub on_kind: NodeKind,
    pub on_id: Uuid,
    pub on_name: String,
    /// Set on a folder above (and still in force here: not overridden, not cut off by a
    /// restricted folder in between).
    pub inherited: bool,
}

/// F3: who may do what with a folder or file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GrantsResponse {
    /// Its own grants first, then the inherited ones in force.
    pub grants: Vec<GrantResponse>,
    /// For folders: whether it is restricted.
    pub restricted: bool,
    /// A restricted folder at or above it cuts off project roles and grants from above.
    pub restricted_by: Option<Uuid>,
    pub access: FileAccess,
}

/// A top-level item of the trash.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrashItem {
    pub kind: NodeKind,
    pub id: Uuid,
    pub name: String,
    /// Where it was: its folder (`null`: the top of the library).
    pub folder_id: Option<Uuid>,
    /// Files: the current version's size; folders: what is inside, in total.
    pub size: i64,
    pub deleted_at: DateTime<Utc>,
    pub deleted_by: Option<Uuid>,
    /// When it is removed for good.
    pub purge_at: DateTime<Utc>,
}

/// F1/F6: how much a project's library stores.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StorageResponse {
    /// All versions of all files, the trash included.
    pub used_bytes: i64,
    /// `null`: no quota.
    pub quota_bytes: Option<i64>,
    pub files: i64,
    pub versions: i64,
}

/// F6: a project's quota (project administrators).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PutStorageRequest {
    /// Bytes; `null` removes the quota.
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub quota_bytes: Option<i64>,
}

/// A library file linked to a task.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LinkFileRequest {
    pub file_id: Uuid,
}

/// F5: a new co-edited Markdown document in the library.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "validate", derive(validator::Validate))]
#[serde(deny_unknown_fields)]
pub struct CreateDocRequest {
    /// Its file name, unique in its folder (ignoring case), e.g. "周报.md".
    #[cfg_attr(feature = "validate", validate(length(min = 1, max = 255)))]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 255))]
    pub name: String,
    /// The folder; absent or `null`: the top of the library.
    #[serde(default)]
    pub folder_id: Option<Uuid>,
    /// The Markdown it starts with (default: empty).
    #[serde(default)]
    #[cfg_attr(feature = "validate", validate(length(max = 1000000)))]
    #[cfg_attr(feature = "openapi", schema(max_length = 1000000))]
    pub content: Option<String>,
    /// I3: the caller's own name for the document (a key of kind `file`), unique among the
    /// project's files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 200, pattern = r"^\S(.*\S)?$")
    )]
    pub external_key: Option<String>,
}

/// F5: make the document's live text this (a script, an import, `tandem seed`): applied as
/// the smallest edits that turn the live text into it, so everyone in the document keeps
/// their place, then saved as a version.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "validate", derive(validator::Validate))]
#[serde(deny_unknown_fields)]
pub struct ReplaceDocTextRequest {
    /// The Markdown.
    #[cfg_attr(feature = "validate", validate(length(max = 1000000)))]
    #[cfg_attr(feature = "openapi", schema(max_length = 1000000))]
    pub text: String,
    /// The new version's note. At most 1000 characters.
    #[serde(default)]
    #[cfg_attr(feature = "validate", validate(length(max = 1000)))]
    #[cfg_attr(feature = "openapi", schema(max_length = 1000))]
    pub note: Option<String>,
}

/// F5: a co-edited document: its file, its live text, and what the caller may do with it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocResponse {
    pub file: FileResponse,
    /// The Markdown as it is now (the shared `Y.Text` named `content`).
    pub text: String,
    /// Whether the caller's edits are accepted (view-only callers' are refused).
    pub can_edit: bool,
    /// Connections in the document on this server now.
    pub editors: u32,
    /// The WebSocket to edit it over (Yjs sync protocol, as y-websocket speaks it).
    pub socket: String,
}

/// F5: a single-use ticket to open a document's WebSocket without a token header.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocTicketResponse {
    /// Pass it as `?ticket=`; it works once, within a minute.
    pub ticket: String,
    pub expires_at: DateTime<Utc>,
    /// The WebSocket path, ticket included.
    pub url: String,
}

/// F5: save the live text as a version.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "validate", derive(validator::Validate))]
#[serde(deny_unknown_fields)]
pub struct SaveDocVersionRequest {
    /// At most 1000 characters.
    #[serde(default)]
    #[cfg_attr(feature = "validate", validate(length(max = 1000)))]
    #[cfg_attr(feature = "openapi", schema(max_length = 1000))]
    pub note: Option<String>,
}

wire_enum!(
    /// Where a resumable upload is.
    UploadState {
        /// Bytes are still to come (`offset` < `length`).
        Receiving => "receiving",
        /// Every byte arrived and the file (or its new version) is stored: `file_id`.
        Done => "done",
        /// Every byte arrived but the file could not be stored: `problem` says why.
        Failed => "failed",
    }
);

/// A resumable upload (tus 1.0, `/uploads/{id}`): how far it got, and what it became.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UploadResponse {
    pub id: Uuid,
    pub project_id: Uuid,
    /// The folder a new file goes to (absent: the top).
    pub folder_id: Option<Uuid>,
    /// The file that gets a new version (absent: a new file).
    pub target_file_id: Option<Uuid>,
    pub name: String,
    pub length: i64,
    /// Bytes received so far; the next `PATCH` sends from here.
    pub offset: i64,
    pub state: UploadState,
    /// The file made (state `done`).
    pub file_id: Option<Uuid>,
    /// Why it failed (state `failed`).
    pub problem: Option<Problem>,
    pub expires_at: DateTime<Utc>,
}

wire_enum!(
    /// How a file version is previewed (F4).
    PreviewKind {
        /// A picture: fetch `/files/{id}/preview/thumbnail` (re-encoded on the server).
        Image => "image",
        /// A PDF: show `/files/{id}/preview/pdf` in a sandboxed frame.
        Pdf => "pdf",
        /// Text or source code, highlighted: `lines`.
        Text => "text",
        /// Markdown rendered and sanitized: `html`.
        Markdown => "markdown",
        /// A spreadsheet or CSV: `sheets`.
        Table => "table",
        /// A word-processor document as text with headings: `blocks`.
        Document => "document",
        /// No preview: show the metadata and offer the download (`unavailable` says why).
        None => "none",
    }
);

wire_enum!(
    /// Why a file version has no preview.
    PreviewUnavailable {
        /// The format is not one the library previews.
        Unsupported => "unsupported",
        /// The file is larger than previews read.
        TooLarge => "too_large",
        /// The bytes are not what the name or type says, or they are damaged.
        Unreadable => "unreadable",
        /// An archive that expands past the preview limits (a zip bomb, or just huge).
        TooComplex => "too_complex",
    }
);

/// One run of highlighted source text. `class` names the token kind (`keyword`, `string`,
/// `comment`, `number`, `function`, `type`, `constant`, `variable`, `operator`, `punctuation`,
/// `tag`, `attribute`, `heading`, `link`, `inserted`, `deleted`) or is absent for plain text.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TextSpan {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    pub text: String,
}

/// One sheet of a spreadsheet preview (the first CSV "sheet" is named after the file).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PreviewSheet {
    pub name: String,
    /// Rows of cell text, as displayed; at most 500 rows of 50 cells.
    pub rows: Vec<Vec<String>>,
    /// Whether rows or columns were left out.
    pub truncated: bool,
}

wire_enum!(
    /// What a document block is.
    BlockKind {
        /// A heading; `level` 1–6.
        Heading => "heading",
        /// A paragraph.
        Paragraph => "paragraph",
        /// An item of a bulleted or numbered list; `level` is its depth from 1.
        ListItem => "list_item",
        /// A table's row; `cells` holds its cells.
        TableRow => "table_row",
    }
);

/// One block of a document preview.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocumentBlock {
    pub kind: BlockKind,
    /// Heading level or list depth; 0 for paragraphs and table rows.
    pub level: u8,
    pub text: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cells: Vec<String>,
}

/// F4: how to show one version of a file. Only the field named by `kind` is filled.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FilePreview {
    pub file_id: Uuid,
    pub version: i32,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub kind: PreviewKind,
    /// Set when `kind` is `none`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unavailable: Option<PreviewUnavailable>,
    /// Whether the preview shows only the start of the file.
    pub truncated: bool,
    /// Pixel size of the picture, after EXIF orientation (`image`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// The language highlighted (`text`), e.g. "Rust", "JSON", "Plain Text".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// The text read as this encoding (`text`, `markdown`, CSV): "UTF-8", "UTF-16LE", "GB18030".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    /// Highlighted lines (`text`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<Vec<TextSpan>>,
    /// Sanitized HTML (`markdown`): safe to insert, no scripts, styles or event handlers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
    /// Sheets (`table`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sheets: Vec<PreviewSheet>,
    /// Blocks (`document`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blocks: Vec<DocumentBlock>,
}

wire_enum!(
    /// What a diff line is.
    DiffOp {
        /// In both versions.
        Equal => "equal",
        /// Only in the newer (`to`) version.
        Insert => "insert",
        /// Only in the older (`from`) version.
        Delete => "delete",
    }
);

/// One line of a diff.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DiffLine {
    pub op: DiffOp,
    /// Line number in `from` (absent for inserted lines), from 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_line: Option<u32>,
    /// Line number in `to` (absent for deleted lines), from 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_line: Option<u32>,
    /// The line, without its line break.
    pub text: String,
}

/// A run of changes with up to three lines of context around it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DiffHunk {
    pub lines: Vec<DiffLine>,
}

/// F2: what changed between two versions of a text file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FileDiff {
    pub file_id: Uuid,
    pub from: i32,
    pub to: i32,
    /// Lines added and removed.
    pub insertions: u32,
    pub deletions: u32,
    pub hunks: Vec<DiffHunk>,
    /// Whether the texts were cut to the first 1 MiB each, or the diff stopped early.
    pub truncated: bool,
}

/// Whether a name may name a file or folder: not blank, no path separators or control
/// characters, not `.` or `..`, at most 255 characters.
pub fn valid_file_name(name: &str) -> bool {
    let n = name.chars().count();
    (1..=255).contains(&n)
        && !name
            .chars()
            .any(|c| c == '/' || c == '\\' || c.is_control())
        && name.trim() != "."
        && name.trim() != ".."
        && !name.trim().is_empty()
        && name.chars().any(|c| !c.is_whitespace() && c != '.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_with_separators_or_dots_only_are_refused() {
        assert!(valid_file_name("设计稿 v2.pdf"));
        assert!(valid_file_name(".env"));
        assert!(!valid_file_name("a/b"));
        assert!(!valid_file_name("..\\x"));
        assert!(!valid_file_name(".."));
        assert!(!valid_file_name("  "));
        assert!(!valid_file_name("a\u{0}b"));
        assert!(!valid_file_name(&"长".repeat(256)));
        assert!(valid_file_name(&"长".repeat(255)));
    }
}
