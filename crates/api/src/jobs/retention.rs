//! Retention: events past `TANDEM_EVENT_RETENTION` (clients resuming from before them get a
//! gap), finished jobs after a week, read notifications past `TANDEM_NOTIFICATION_RETENTION`,
//! expired idempotency keys.

use chrono::Utc;

use crate::state::AppState;

/// Finished jobs stay this long for `tandem jobs`.
const JOBS_KEPT: chrono::Duration = chrono::Duration::days(7);

/// Returns what was removed, for the log.
pub async fn run(state: &AppState) -> Result<String, String> {
    let live = &state.config.live;
    let now = Utc::now();
    let ago = |d: std::time::Duration| {
        now - chrono::Duration::from_std(d).unwrap_or(chrono::Duration::days(7))
    };
    let events = prune_events(state, ago(live.event_retention))
        .await
        .map_err(|e| e.to_string())?;
    let jobs = tandem_db::jobs::prune(&state.db, now - JOBS_KEPT)
        .await
        .map_err(|e| e.to_string())?;
    let notifications =
        tandem_db::accounts::prune_notifications(&state.db, ago(live.notification_retention))
            .await
            .map_err(|e| e.to_string())?;
    let keys = tandem_db::idempotency::purge_expired(&state.db)
        .await
        .map_err(|e| e.to_string())?;
    let done = format!(
        "removed {events} events, {jobs} jobs, {notifications} notifications, {keys} idempotency keys"
    );
    tracing::info!("retention: {done}");
    Ok(done)
}

/// Removes events written before `before`, from the table and from this instance's memory:
/// resuming from before them is then a gap here too.
pub async fn prune_events(
    state: &AppState,
    before: chrono::DateTime<Utc>,
) -> Result<u64, tandem_db::RepoError> {
    let n = tandem_db::events::prune(&state.db, before).await?;
    let horizon = tandem_db::events::horizon(&state.db).await?;
    state
        .events
        .forget_through(u64::try_from(horizon).unwrap_or(0));
    Ok(n)
}
