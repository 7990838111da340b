//! Schema migrations, shared by SQLite and PostgreSQL. No entity imports: each migration
//! describes the schema as it was on its day.

pub use sea_orm_migration::prelude::*;

mod m20261126_000001_create_accounts;
mod m20261126_000002_create_idempotency_keys;
mod m20261126_000003_create_projects;
mod m20261126_000004_create_task_collaboration;
mod m20261126_000005_task_due_key;
mod m20261130_000001_refresh_tokens_revoked_at;
mod m20261130_000002_external_keys;
mod m20261130_000003_notification_settings;
mod m20261130_000004_live_platform;
mod m20261130_000005_event_actor;
mod m20261130_000006_risk_calendar;
mod m20261130_000007_board;
mod m20261130_000008_task_risk_flags;
mod m20261201_000001_file_library;
mod m20261201_000002_resumable_uploads;
mod m20261201_000003_documents;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_create_accounts::Migration),
            Box::new(m20261126_000002_create_idempotency_keys::Migration),
            Box::new(m20261126_000003_create_projects::Migration),
            Box::new(m20261126_000004_create_task_collaboration::Migration),
            Box::new(m20261126_000005_task_due_key::Migration),
            Box::new(m20261130_000001_refresh_tokens_revoked_at::Migration),
            Box::new(m20261130_000002_external_keys::Migration),
            Box::new(m20261130_000003_notification_settings::Migration),
            Box::new(m20261130_000004_live_platform::Migration),
            Box::new(m20261130_000005_event_actor::Migration),
            Box::new(m20261130_000006_risk_calendar::Migration),
            Box::new(m20261130_000007_board::Migration),
            Box::new(m20261130_000008_task_risk_flags::Migration),
            Box::new(m20261201_000001_file_library::Migration),
            Box::new(m20261201_000002_resumable_uploads::Migration),
            Box::new(m20261201_000003_documents::Migration),
        ]
    }
}
