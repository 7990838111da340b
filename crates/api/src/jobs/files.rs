//! The file library's background work: removing stored objects no blob row names any more
//! (queued in the transaction that released them), and emptying the trash of what was deleted
//! more than 30 days ago (recurring).

use chrono::Utc;

use crate::features::library::TRASH_DAYS;
use crate::state::AppState;

/// Empties the trash of entries older than the retention (recurring, hourly).
pub const TRASH_PURGE: &str = "files.trash_purge";
pub use tandem_db::files::BLOB_DELETE_JOB as BLOB_DELETE;
/// Removes resumable uploads left unfinished past their expiry (recurring, hourly).
pub const UPLOAD_EXPIRY: &str = "files.upload_expiry";

/// At most this many folders and files per transaction: a large purge goes in steps.
const STEP: u64 = 200;

/// Removes what went to the trash before the retention; returns how many entries.
pub async fn purge_trash(state: &AppState) -> Result<u64, String> {
    let before = Utc::now() - chrono::Duration::days(TRASH_DAYS);
    let mut removed = 0u64;
    loop {
        let txn = tandem_db::begin_write(&state.db)
            .await
            .map_err(|e| e.to_string())?;
        let (folders, files) = tandem_db::files::trashed_before(&txn, before, STEP)
            .await
            .map_err(|e| e.to_string())?;
        if folders.is_empty() && files.is_empty() {
            return Ok(removed);
        }
        // A trashed folder goes with everything below it.
        let mut subtree: Vec<uuid::Uuid> = Vec::new();
        for f in &folders {
            let tree = tandem_db::files::tree(&txn, f.project_id)
                .await
                .map_err(|e| e.to_string())?;
            let mut frontier = vec![f.id];
            while let Some(id) = frontier.pop() {
                if subtree.contains(&id) {
                    continue;
                }
                subtree.push(id);
                frontier.extend(
                    tree.folders
                        .iter()
                        .filter(|c| c.parent_id == Some(id))
                        .map(|c| c.id),
                );
            }
        }
        let file_ids: Vec<uuid::Uuid> = files.iter().map(|f| f.id).collect();
        tandem_db::files::purge_files(&txn, &file_ids)
            .await
            .map_err(|e| e.to_string())?;
        tandem_db::files::purge_folders(&txn, &subtree)
            .await
            .map_err(|e| e.to_string())?;
        txn.commit().await.map_err(|e| e.to_string())?;
        removed += (folders.len() + files.len()) as u64;
    }
}
