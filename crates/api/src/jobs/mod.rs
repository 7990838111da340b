//! Durable background work inside `tandem serve` (issue 11): the job kinds, and the worker
//! that claims and runs them (see `tandem_db::jobs` for the claiming rules).
//!
//! Effects are idempotent, because a job whose worker died after its effect but before it was
//! marked done runs again: the due scan records each notice it sends in the same transaction
//! as the notice (`task_alerts`), a digest clears the mails it sent, retention deletes what is
//! old. Mail is the one effect outside the database: a crash between the SMTP server's "250"
//! and the clearing commit sends that digest twice — the only duplicate possible.

pub mod due;
pub mod files;
pub mod mail;
pub mod retention;
pub mod risk;

use std::time::Duration;

use chrono::Utc;
use tandem_db::entities::jobs as rows;
use tandem_db::jobs;

use crate::state::AppState;

/// Scans due dates for due-soon and overdue notices (recurring).
pub const DUE_SCAN: &str = "due.scan";
/// Removes old events, finished jobs and read notifications (recurring).
pub const RETENTION: &str = "retention";
/// Mails one user their pending notifications (one-off, one per user at a time).
pub use crate::outbox::MAIL_DIGEST;

const RETENTION_EVERY: Duration = Duration::from_secs(3600);

/// The period of a recurring kind; `None` for one-off kinds.
fn every(state: &AppState, kind: &str) -> Option<Duration> {
    match kind {
        DUE_SCAN => Some(state.config.live.scan_every),
        RETENTION => Some(RETENTION_EVERY),
        // Risk changes with the date: looked at hourly, each project re-evaluated once a day.
        risk::RISK_SCAN => Some(RETENTION_EVERY),
        files::TRASH_PURGE | files::UPLOAD_EXPIRY => Some(RETENTION_EVERY),
        _ => None,
    }
}

/// Makes sure every recurring job exists (idempotent; several instances may run it).
pub async fn ensure_recurring(state: &AppState) -> Result<(), tandem_db::RepoError> {
    for kind in [
        DUE_SCAN,
        RETENTION,
        risk::RISK_SCAN,
        files::TRASH_PURGE,
        files::UPLOAD_EXPIRY,
    ] {
        let every = every(state, kind)
            .and_then(|d| chrono::Duration::from_std(d).ok())
            .unwrap_or(chrono::Duration::hours(1));
        jobs::ensure_recurring(&state.db, kind, every).await?;
    }
    Ok(())
}

/// Waiting before attempt `n + 1` after `n` failed ones: 5 s, 10 s, 20 s … at most an hour.
pub fn backoff(attempts: i32) -> Duration {
    let n = u32::try_from(attempts.clamp(1, 20) - 1).unwrap_or(0);
    Duration::from_secs(5u64.saturating_mul(1u64 << n.min(10))).min(Duration::from_secs(3600))
}

/// Claims and runs one due job as `worker`; `false` when none was due.
pub async fn run_one(state: &AppState, worker: &str) -> Result<bool, tandem_db::RepoError> {
    let lease = chrono::Duration::from_std(state.config.live.job_lease)
        .unwrap_or(chrono::Duration::seconds(30));
    let Some(job) = jobs::claim(&state.db, worker, lease).await? else {
        return Ok(false);
    };
    // The lease is renewed while the job runs, so a long job is not taken over; a worker that
    // dies stops renewing it. Renewal and job are one future: dropping this one (shutdown)
    // stops both. A job whose lease was taken over meanwhile (this worker was cut off from the
    // database longer than the lease) is abandoned, not finished twice.
    let beat = async {
        let period = state.config.live.job_lease / 3;
        loop {
            tokio::time::sleep(period).await;
            match jobs::heartbeat(&state.db, job.id, worker, lease).await {
                Ok(true) => {}
                Ok(false) => return,
                // A moment without the database: try again at the next beat.
                Err(e) => tracing::warn!(error = %e, "could not renew a job's lease"),
            }
        }
    };
    let started = std::time::Instant::now();
    let result = tokio::select! {
        r = execute(state, &job) => r,
        () = beat => {
            tracing::warn!(kind = %job.kind, id = %job.id, "job abandoned: its lease was taken over");
            return Ok(true);
        }
    };
    let now = Utc::now();
    let next = every(state, &job.kind)
        .and_then(|d| chrono::Duration::from_std(d).ok())
        .map(|d| now + d);
    match result {
        Ok(()) => {
            tracing::debug!(kind = %job.kind, id = %job.id, ms = started.elapsed().as_millis() as u64, "job done");
            jobs::complete(&state.db, &job, worker, next).await?;
        }
        Err(e) => {
            let retry = match next {
                // A recurring job simply runs at its next time; the error stays visible.
                Some(at) => Some(at),
                None if job.attempts < job.max_attempts => {
                    chrono::Duration::from_std(backoff(job.attempts))
                        .ok()
                        .map(|d| now + d)
                }
                None => None,
            };
            tracing::warn!(kind = %job.kind, id = %job.id, attempt = job.attempts, error = %e, final_attempt = retry.is_none(), "job failed");
            jobs::fail(&state.db, &job, worker, &e, retry).await?;
        }
    }
    Ok(true)
}

async fn execute(state: &AppState, job: &rows::Model) -> Result<(), String> {
    let payload: serde_json::Value =
        serde_json::from_str(&job.payload).map_err(|e| format!("unreadable payload: {e}"))?;
    match job.kind.as_str() {
        DUE_SCAN => due::scan(state).await.map(|_| ()),
        RETENTION => retention::run(state).await.map(|_| ()),
        risk::RISK_SCAN => risk::scan(state)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string()),
        risk::RISK_EVALUATE => {
            let project = payload
                .get("project_id")
                .and_then(|v| v.as_str())
                .and_then(|s| s.parse().ok())
                .ok_or("payload without project_id")?;
            risk::evaluate_and_store(state, project)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        }
        files::TRASH_PURGE => files::purge_trash(state).await.map(|_| ()),
        files::UPLOAD_EXPIRY => crate::features::library::resumable::expire(state)
            .await
            .map(|_| ()),
        files::BLOB_DELETE => {
            let key = payload
                .get("key")
                .and_then(|v| v.as_str())
                .ok_or("payload without key")?;
            crate::features::library::files::remove_object(state, key).await
        }
        MAIL_DIGEST => {
            let user = payload
                .get("user_id")
                .and_then(|v| v.as_str())
                .and_then(|s| s.parse().ok())
                .ok_or("payload without user_id")?;
            mail::digest(state, user).await
        }
        other => Err(format!("unknown job kind {other:?}")),
    }
}

/// One worker: runs due jobs one after another, and looks again a second later when none is
/// due (jobs are queued for later — a digest after its batch window — or by other instances,
/// so a wake-up call would rarely help).
pub async fn work(state: AppState, worker: String) {
    loop {
        match run_one(&state, &worker).await {
            Ok(true) => continue,
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "job queue unavailable"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff(1), Duration::from_secs(5));
        assert_eq!(backoff(2), Duration::from_secs(10));
        assert_eq!(backoff(4), Duration::from_secs(40));
        assert_eq!(backoff(40), Duration::from_secs(3600));
    }
}
