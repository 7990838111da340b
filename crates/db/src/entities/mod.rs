//! sea-orm entities: one module per table. Enum-like columns are stored as text and
//! converted at the repository boundary.

pub mod audit_log;
pub mod blobs;
pub mod board_limits;
pub mod comments;
pub mod departments;
pub mod doc_tickets;
pub mod doc_updates;
pub mod events;
pub mod external_keys;
pub mod file_grants;
pub mod file_task_links;
pub mod file_versions;
pub mod files;
pub mod folders;
pub mod idempotency_keys;
pub mod jobs;
pub mod milestones;
pub mod notification_settings;
pub mod notifications;
pub mod personal_tokens;
pub mod project_calendar_days;
pub mod project_departments;
pub mod project_members;
pub mod project_risks;
pub mod projects;
pub mod quick_replies;
pub mod refresh_tokens;
pub mod task_activity;
pub mod task_alerts;
pub mod task_dependencies;
pub mod task_progress;
pub mod task_risks;
pub mod tasks;
pub mod uploads;
pub mod users;
