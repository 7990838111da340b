//! Delay risk kept current (B3): a project is re-evaluated moments after a change to its tasks,
//! progress, dependencies, milestones or calendar (a `risk.evaluate` job, queued in the
//! change's transaction by the outbox), and once a day for the passage of time (`risk.scan`,
//! hourly, re-evaluates the projects not yet evaluated on their local today).
//!
//! An evaluation stores each flagged task's risk and the project's health, tells open boards
//! what changed (`risk.changed`), and notifies a task's assignee and the project's
//! administrators when the task *turns* at risk (kind `at_risk`) — once per transition: the
//! stored risk it compares against is read and written in one transaction that holds the
//! project's row, so two evaluations of a project (a change and the scan, or two instances)
//! run one after the other and the second sees the first's result.

use std::collections::BTreeSet;

use chrono::Utc;
use serde_json::json;
use tandem_db::projects as repo;
use tandem_db::risks::{self as store, FoundRisk};
use tandem_db::{RepoError, jobs};
use tandem_dto::{ProjectStatus, RiskChangedEvent, TaskRiskChange, TaskRiskSummary, WsEventKind};
use uuid::Uuid;

use crate::error::ApiError;
use crate::events::Audience;
use crate::features::projects::today_in;
use crate::features::risks::evaluate;
use crate::outbox::Outbox;
use crate::state::AppState;

/// Re-evaluates one project (one-off; one waiting per project).
pub const RISK_EVALUATE: &str = "risk.evaluate";
/// Queues an evaluation of every project not yet evaluated today (recurring, hourly).
pub const RISK_SCAN: &str = "risk.scan";
/// The notification kind of a task turning at risk (the name issue 12 gives it).
pub const AT_RISK: &str = "at_risk";

/// Queues an evaluation of each of `projects` in the caller's transaction (a change's).
pub async fn enqueue(
    txn: &impl tandem_db::ConnectionTrait,
    projects: &BTreeSet<Uuid>,
) -> Result<(), RepoError> {
    for p in projects {
        jobs::enqueue(
            txn,
            jobs::NewJob {
                kind: RISK_EVALUATE,
                payload: json!({ "project_id": p }),
                // A burst of changes (a board being rearranged) makes one evaluation.
                run_at: Utc::now() + chrono::Duration::seconds(1),
                unique_key: Some(format!("{RISK_EVALUATE}:{p}")),
                max_attempts: 5,
            },
        )
        .await?;
    }
    Ok(())
}

/// Evaluates `project_id` and stores the result; returns how many notices went out.
pub async fn evaluate_and_store(state: &AppState, project_id: Uuid) -> Result<usize, ApiError> {
    let txn = tandem_db::begin_write(&state.db).await?;
    let project = match repo::find_project_for_update(&txn, project_id).await {
        Ok(p) => p,
        // Deleted since the job was queued: nothing to evaluate.
        Err(RepoError::NotFound) => return Ok(0),
        Err(e) => return Err(e.into()),
    };
    if ProjectStatus::parse(&project.status) == Some(ProjectStatus::Archived) {
        return Ok(0);
    }
    let before = store::project_task_risks(&txn, project_id).await?;
    let e = evaluate(&txn, &project).await?;
    let mut found = Vec::new();
    let mut changes = Vec::new();
    let mut turned = Vec::new();
    for t in &e.tasks {
        let Some(r) = e.risks.get(&t.id).filter(|r| r.flagged()) else {
            if before.contains_key(&t.id) {
                changes.push(TaskRiskChange {
                    task_id: t.id,
                    risk: None,
                });
            }
            continue;
        };
        let reasons = serde_json::to_string(&r.reasons).unwrap_or_else(|_| "[]".into());
        let old = before.get(&t.id);
        if old.is_none_or(|o| o.reasons != reasons || o.projected_finish != r.projected_finish) {
            changes.push(TaskRiskChange {
                task_id: t.id,
                risk: Some(TaskRiskSummary::from_reasons(
                    r.reasons.clone(),
                    r.projected_finish,
                )),
            });
        }
        // Only open tasks are flagged at all.
        if r.at_risk && !old.is_some_and(|o| o.at_risk) {
            turned.push((t, r));
        }
        found.push(FoundRisk {
            task_id: t.id,
            overdue: r.overdue,
            at_risk: r.at_risk,
            blocked: r.blocked,
            projected_finish: r.projected_finish,
            reasons,
        });
    }
    let health = e.health.as_str();
    let health_changed = store::stored_health(&txn, project_id).await?.as_deref() != Some(health);
    store::save_evaluation(
        &txn,
        project_id,
        &before,
        &found,
        health,
        // Overviews read it (the dashboard): its own reasons and a few tasks, not thousands.
        &serde_json::to_string(&tandem_domain::risk::summary(&e.reasons, 3))
            .unwrap_or_else(|_| "[]".into()),
        e.today,
        Utc::now(),
    )
    .await?;
    let mut out = Outbox::new(state);
    let mut sent = 0;
    if !turned.is_empty() {
        let admins = store::admins_of(&txn, project_id).await?;
        for (t, r) in turned {
            let data = json!({ "task_id": t.id, "project_id": project_id, "task_title": t.title,
                               "due_date": t.due_date, "reasons": r.reasons });
            let title = crate::features::notify::english_title(AT_RISK, &data);
            // The body (English, for clients that know no kind): the reason that made it at
            // risk.
            let body = r
                .reasons
                .iter()
                .find(|x| {
                    matches!(
                        x,
                        tandem_dto::RiskReason::BehindPace { .. }
                            | tandem_dto::RiskReason::NoProgress { .. }
                    )
                })
                .or(r.reasons.first())
                .map(|x| {
                    tandem_dto::notification_text::risk_reason(
                        x,
                        tandem_dto::notification_text::Lang::En,
                    )
                })
                .unwrap_or_default();
            let to: BTreeSet<Uuid> = t
                .assignee_id
                .into_iter()
                .chain(admins.iter().copied())
                .collect();
            for user in to {
                if let Some(note) = tandem_db::accounts::notify(
                    &txn,
                    user,
                    AT_RISK,
                    &title,
                    &body,
                    data.clone(),
                    out.mail,
                )
                .await?
                {
                    out.notification(&note);
                    sent += 1;
                }
            }
        }
    }
    if !changes.is_empty() || health_changed {
        out.event(
            WsEventKind::RiskChanged,
            Some(project_id),
            Audience::Project,
            None,
            &RiskChangedEvent {
                project_id,
                health: e.health,
                tasks: changes,
            },
        );
    }
    out.commit(state, txn).await?;
    Ok(sent)
}

/// Queues an evaluation of every active project not evaluated on its local today.
pub async fn scan(state: &AppState) -> Result<usize, ApiError> {
    let mut after = None;
    let mut queued = BTreeSet::new();
    loop {
        let page = store::projects_to_scan(&state.db, after, 500).await?;
        for (id, tz, on) in &page {
            if on.is_none_or(|d| d < today_in(tz)) {
                queued.insert(*id);
            }
        }
        match page.last() {
            Some(last) if page.len() == 500 => after = Some(last.0),
            _ => break,
        }
    }
    let txn = tandem_db::begin_write(&state.db).await?;
    enqueue(&txn, &queued).await?;
    txn.commit().await?;
    Ok(queued.len())
}
