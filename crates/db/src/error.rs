use sea_orm::{DbErr, SqlErr};

/// What a repository can report. Infrastructure failures stay opaque (`Db`); the rest
/// are conditions the HTTP edge turns into 404/409.
#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    /// The row does not exist.
    #[error("not found")]
    NotFound,
    /// A unique constraint was violated; the string names the constraint's meaning.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// Anything else from the database.
    #[error(transparent)]
    Db(DbErr),
}

impl From<DbErr> for RepoError {
    fn from(e: DbErr) -> Self {
        match e.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => return RepoError::Conflict("unique"),
            // A row another request deleted or still refers to: a conflict with the current
            // state, never an internal error.
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => return RepoError::Conflict("in_use"),
            _ => {}
        }
        if matches!(e, DbErr::RecordNotUpdated) {
            // `ActiveModel::update` of a row deleted in the meantime.
            return RepoError::NotFound;
        }
        RepoError::Db(e)
    }
}

pub type RepoResult<T> = Result<T, RepoError>;

/// Why a conditional update (`… WHERE id = ? AND version = ?`) changed nothing: the row moved
/// on (412) or is gone (404).
pub(crate) fn stale_or_gone(exists: bool) -> RepoError {
    if exists {
        RepoError::Conflict("stale_version")
    } else {
        RepoError::NotFound
    }
}
