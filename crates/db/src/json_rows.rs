//! Reading a long result as one row: the engine folds the rows of a query into a JSON array
//! (`json_group_array` on SQLite, `json_agg` on PostgreSQL) and it is parsed here in one go.
//!
//! Why: on SQLite each row of a result is handed from sqlx's worker thread to the request's
//! thread, a wake-up through the kernel and a copy of every value. For the Gantt chart of a
//! 5 000-task project that was 35 ms of the 45 the request took, while SQLite itself read the
//! rows in 7; the dashboard's groupings (a couple of thousand rows) paid the same. Short
//! results (a page of a list) do not need this.

use sea_orm::sea_query::SelectStatement;
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};
use serde::de::DeserializeOwned;

use crate::error::RepoResult;

/// How a column of the inner query travels in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Col {
    /// A UUID: a 16-byte blob on SQLite, which JSON cannot hold, so it goes as hex (parsed back
    /// by `Uuid`'s own deserializer); NULL stays null.
    Id,
    /// Anything JSON holds as it is: text, numbers, dates and timestamps (ISO text on both
    /// engines).
    Value,
}

/// The rows of `inner`, whose columns are named (aliased) as in `columns`, each deserialized
/// as a `T` from a JSON array of the columns in that order (a tuple, usually).
pub(crate) async fn read<T: DeserializeOwned>(
    db: &impl ConnectionTrait,
    inner: &SelectStatement,
    columns: &[(&str, Col)],
) -> RepoResult<Vec<T>> {
    let backend = db.get_database_backend();
    let mut statement: Statement = backend.build(inner);
    statement.sql = fold(backend, &statement.sql, columns);
    let row = db
        .query_one(statement)
        .await?
        .ok_or_else(|| DbErr::Custom("a folded query answered no row".into()))?;
    // `json_group_array` over no rows is '[]' and `json_agg` NULL (made '[]' by COALESCE).
    let text: String = row.try_get_by_index(0)?;
    Ok(serde_json::from_str(&text)
        .map_err(|e| DbErr::Custom(format!("a folded query's rows: {e}")))?)
}

/// `SELECT <the rows as one JSON array> FROM (<inner>) AS j`.
fn fold(backend: DbBackend, inner: &str, columns: &[(&str, Col)]) -> String {
    let items: Vec<String> = columns
        .iter()
        .map(|(name, col)| match (backend, col) {
            (DbBackend::Sqlite, Col::Id) => format!("nullif(hex(j.\"{name}\"), '')"),
            _ => format!("j.\"{name}\""),
        })
        .collect();
    let items = items.join(", ");
    match backend {
        DbBackend::Sqlite => {
            format!("SELECT json_group_array(json_array({items})) FROM ({inner}) AS j")
        }
        _ => format!(
            "SELECT COALESCE(json_agg(json_build_array({items})), '[]')::text FROM ({inner}) AS j"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_per_engine() {
        let cols = [("id", Col::Id), ("title", Col::Value)];
        assert_eq!(
            fold(DbBackend::Sqlite, "SELECT 1", &cols),
            "SELECT json_group_array(json_array(nullif(hex(j.\"id\"), ''), j.\"title\")) \
             FROM (SELECT 1) AS j"
        );
        assert_eq!(
            fold(DbBackend::Postgres, "SELECT 1", &cols),
            "SELECT COALESCE(json_agg(json_build_array(j.\"id\", j.\"title\")), '[]')::text \
             FROM (SELECT 1) AS j"
        );
    }
}
