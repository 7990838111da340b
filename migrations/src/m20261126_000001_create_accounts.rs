use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Departments {
    Table,
    Id,
    Name,
    HeadId,
    ParentId,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Email,
    EmployeeId,
    Name,
    DepartmentId,
    Position,
    Phone,
    Contact,
    PasswordHash,
    Role,
    Status,
    RejectionReason,
    Avatar,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    Id,
    UserId,
    FamilyId,
    TokenHash,
    ExpiresAt,
    UsedAt,
    RevokedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PersonalTokens {
    Table,
    Id,
    UserId,
    Name,
    TokenHash,
    Prefix,
    Scopes,
    ExpiresAt,
    LastUsedAt,
    RevokedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum QuickReplies {
    Table,
    Id,
    UserId,
    Title,
    Body,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    ActorId,
    Action,
    TargetType,
    TargetId,
    Detail,
    Ip,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Notifications {
    Table,
    Id,
    UserId,
    Kind,
    Title,
    Body,
    Data,
    ReadAt,
    CreatedAt,
}

fn ts(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn ts_null(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

fn uuid_pk(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .uuid()
        .not_null()
        .primary_key()
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Departments::Table)
                .col(uuid_pk(Departments::Id))
                .col(ColumnDef::new(Departments::Name).string_len(100).not_null())
                // No foreign key to users: departments are created before users exist and
                // SQLite cannot add the constraint later. The repository checks it.
                .col(ColumnDef::new(Departments::HeadId).uuid().null())
                .col(ColumnDef::new(Departments::ParentId).uuid().null())
                .col(ts(Departments::CreatedAt))
                .col(ts(Departments::UpdatedAt))
                .col(
                    ColumnDef::new(Departments::Version)
                        .big_integer()
                        .not_null()
                        .default(1),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Departments::Table, Departments::ParentId)
                        .to(Departments::Table, Departments::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_departments_name")
                .table(Departments::Table)
                .col(Departments::Name)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Users::Table)
                .col(uuid_pk(Users::Id))
                // Stored lower-cased so the unique index is case-insensitive on both engines.
                .col(ColumnDef::new(Users::Email).string_len(254).null())
                .col(ColumnDef::new(Users::EmployeeId).string_len(64).null())
                .col(ColumnDef::new(Users::Name).string_len(100).not_null())
                .col(ColumnDef::new(Users::DepartmentId).uuid().null())
                .col(ColumnDef::new(Users::Position).string_len(100).not_null())
                .col(ColumnDef::new(Users::Phone).string_len(64).null())
                .col(ColumnDef::new(Users::Contact).string_len(500).null())
                .col(
                    ColumnDef::new(Users::PasswordHash)
                        .string_len(255)
                        .not_null(),
                )
                .col(ColumnDef::new(Users::Role).string_len(16).not_null())
                .col(ColumnDef::new(Users::Status).string_len(16).not_null())
                .col(
                    ColumnDef::new(Users::RejectionReason)
                        .string_len(500)
                        .null(),
                )
                .col(ColumnDef::new(Users::Avatar).binary().null())
                .col(ts(Users::CreatedAt))
                .col(ts(Users::UpdatedAt))
                .col(
                    ColumnDef::new(Users::Version)
                        .big_integer()
                        .not_null()
                        .default(1),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Users::Table, Users::DepartmentId)
                        .to(Departments::Table, Departments::Id),
                )
                .to_owned(),
        )
        .await?;
        for (name, col, unique) in [
            ("ux_users_email", Users::Email, true),
            ("ux_users_employee_id", Users::EmployeeId, true),
            ("ix_users_department_id", Users::DepartmentId, false),
            ("ix_users_status", Users::Status, false),
        ] {
            let mut idx = Index::create();
            idx.name(name).table(Users::Table).col(col);
            if unique {
                idx.unique();
            }
            m.create_index(idx.to_owned()).await?;
        }

        m.create_table(
            Table::create()
                .table(RefreshTokens::Table)
                .col(uuid_pk(RefreshTokens::Id))
                .col(ColumnDef::new(RefreshTokens::UserId).uuid().not_null())
                .col(ColumnDef::new(RefreshTokens::FamilyId).uuid().not_null())
                .col(
                    ColumnDef::new(RefreshTokens::TokenHash)
                        .string_len(64)
                        .not_null(),
                )
                .col(ts(RefreshTokens::ExpiresAt))
                .col(ts_null(RefreshTokens::UsedAt))
                .col(ts_null(RefreshTokens::RevokedAt))
                .col(ts(RefreshTokens::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(RefreshTokens::Table, RefreshTokens::UserId)
                        .to(Users::Table, Users::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_refresh_tokens_hash")
                .table(RefreshTokens::Table)
                .col(RefreshTokens::TokenHash)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_refresh_tokens_family")
                .table(RefreshTokens::Table)
                .col(RefreshTokens::FamilyId)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_refresh_tokens_user")
                .table(RefreshTokens::Table)
                .col(RefreshTokens::UserId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(PersonalTokens::Table)
                .col(uuid_pk(PersonalTokens::Id))
                .col(ColumnDef::new(PersonalTokens::UserId).uuid().not_null())
                .col(
                    ColumnDef::new(PersonalTokens::Name)
                        .string_len(100)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(PersonalTokens::TokenHash)
                        .string_len(64)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(PersonalTokens::Prefix)
                        .string_len(16)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(PersonalTokens::Scopes)
                        .string_len(64)
                        .not_null(),
                )
                .col(ts_null(PersonalTokens::ExpiresAt))
                .col(ts_null(PersonalTokens::LastUsedAt))
                .col(ts_null(PersonalTokens::RevokedAt))
                .col(ts(PersonalTokens::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(PersonalTokens::Table, PersonalTokens::UserId)
                        .to(Users::Table, Users::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_personal_tokens_hash")
                .table(PersonalTokens::Table)
                .col(PersonalTokens::TokenHash)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_personal_tokens_user")
                .table(PersonalTokens::Table)
                .col(PersonalTokens::UserId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(QuickReplies::Table)
                .col(uuid_pk(QuickReplies::Id))
                .col(ColumnDef::new(QuickReplies::UserId).uuid().not_null())
                .col(
                    ColumnDef::new(QuickReplies::Title)
                        .string_len(100)
                        .not_null(),
                )
                .col(ColumnDef::new(QuickReplies::Body).text().not_null())
                .col(ts(QuickReplies::CreatedAt))
                .col(ts(QuickReplies::UpdatedAt))
                .col(
                    ColumnDef::new(QuickReplies::Version)
                        .big_integer()
                        .not_null()
                        .default(1),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(QuickReplies::Table, QuickReplies::UserId)
                        .to(Users::Table, Users::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_quick_replies_user")
                .table(QuickReplies::Table)
                .col(QuickReplies::UserId)
                .col(QuickReplies::Id)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(AuditLog::Table)
                .col(uuid_pk(AuditLog::Id))
                .col(ColumnDef::new(AuditLog::ActorId).uuid().null())
                .col(ColumnDef::new(AuditLog::Action).string_len(64).not_null())
                .col(ColumnDef::new(AuditLog::TargetType).string_len(32).null())
                .col(ColumnDef::new(AuditLog::TargetId).string_len(64).null())
                .col(ColumnDef::new(AuditLog::Detail).text().not_null())
                .col(ColumnDef::new(AuditLog::Ip).string_len(64).null())
                .col(ts(AuditLog::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_audit_log_action")
                .table(AuditLog::Table)
                .col(AuditLog::Action)
                .col(AuditLog::Id)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_audit_log_actor")
                .table(AuditLog::Table)
                .col(AuditLog::ActorId)
                .col(AuditLog::Id)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Notifications::Table)
                .col(uuid_pk(Notifications::Id))
                .col(ColumnDef::new(Notifications::UserId).uuid().not_null())
                .col(
                    ColumnDef::new(Notifications::Kind)
                        .string_len(64)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(Notifications::Title)
                        .string_len(200)
                        .not_null(),
                )
                .col(ColumnDef::new(Notifications::Body).text().not_null())
                .col(ColumnDef::new(Notifications::Data).text().not_null())
                .col(ts_null(Notifications::ReadAt))
                .col(ts(Notifications::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Notifications::Table, Notifications::UserId)
                        .to(Users::Table, Users::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_notifications_user")
                .table(Notifications::Table)
                .col(Notifications::UserId)
                .col(Notifications::Id)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            Notifications::Table.into_iden(),
            AuditLog::Table.into_iden(),
            QuickReplies::Table.into_iden(),
            PersonalTokens::Table.into_iden(),
            RefreshTokens::Table.into_iden(),
            Users::Table.into_iden(),
            Departments::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
