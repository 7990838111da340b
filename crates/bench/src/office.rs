//! `tandem-bench office`: a mixed office load on one server. Every simulated user waits 2–5 s
//! (random), then makes one request: nine in ten are reads (in turn: a project's task list, one
//! task, the unread-notification count, my tasks), one in ten a write (in turn: a comment, a
//! progress update on a task of theirs, a status change of a task of theirs).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use futures_util::{StreamExt, future, stream};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::api::{Api, Res, User, ms, pct, run_id, sorted};

pub struct Args {
    pub url: String,
    pub admin_email: String,
    pub admin_password: String,
    pub users: usize,
    pub seconds: u64,
    pub projects: usize,
    pub tasks: usize,
}

const READS: [&str; 4] = [
    "GET project tasks",
    "GET task",
    "GET unread-count",
    "GET me/tasks",
];
const WRITES: [&str; 3] = ["POST comment", "POST progress", "PATCH status"];

/// One simulated person: their token, their project's tasks, the tasks assigned to them.
struct Person {
    user: User,
    project: Uuid,
    project_tasks: Vec<Uuid>,
    mine: Vec<Uuid>,
}

struct Sample {
    kind: &'static str,
    ms: f64,
    ok: bool,
}

#[allow(clippy::too_many_arguments)]
async fn timed(
    api: &Api,
    kind: &'static str,
    method: Method,
    path: &str,
    token: &str,
    body: Option<&Value>,
    if_match: Option<&str>,
    out: &mut Vec<Sample>,
) -> Option<crate::api::Reply> {
    let t = Instant::now();
    let r = api.call(method, path, Some(token), body, if_match).await;
    let ms = t.elapsed().as_secs_f64() * 1e3;
    let ok = matches!(&r, Ok(r) if r.ok());
    out.push(Sample { kind, ms, ok });
    r.ok()
}

async fn person(api: Api, p: Person, seed: u64, until: Instant) -> Vec<Sample> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut out = Vec::new();
    let (mut reads, mut writes) = (rng.gen_range(0..4usize), rng.gen_range(0..3usize));
    // Spread the first requests over the first wait.
    let mut wait = Duration::from_millis(rng.gen_range(0..5000));
    let token = p.user.token.as_str();
    loop {
        // The last wait ends at the deadline, so the run lasts what was asked.
        tokio::time::sleep(wait.min(until.saturating_duration_since(Instant::now()))).await;
        if Instant::now() >= until {
            break;
        }
        let any = p.project_tasks[rng.gen_range(0..p.project_tasks.len())];
        let own = p.mine[rng.gen_range(0..p.mine.len())];
        if rng.gen_range(0..10) != 0 {
            let kind = READS[reads % READS.len()];
            reads += 1;
            let path = match kind {
                "GET project tasks" => format!("/projects/{}/tasks?limit=50", p.project),
                "GET task" => format!("/tasks/{any}"),
                "GET unread-count" => "/me/notifications/unread-count".to_owned(),
                _ => "/me/tasks?limit=50".to_owned(),
            };
            timed(&api, kind, Method::GET, &path, token, None, None, &mut out).await;
        } else {
            let kind = WRITES[writes % WRITES.len()];
            writes += 1;
            match kind {
                "POST comment" | "POST progress" => {
                    let (path, b) = if kind == "POST comment" {
                        let text = format!("Benchmark comment {}", rng.r#gen::<u32>());
                        (format!("/tasks/{any}/comments"), json!({ "body": text }))
                    } else {
                        let percent = rng.gen_range(0..=90);
                        let b = json!({ "percent": percent, "note": "benchmark progress" });
                        (format!("/tasks/{own}/progress"), b)
                    };
                    timed(
                        &api,
                        kind,
                        Method::POST,
                        &path,
                        token,
                        Some(&b),
                        None,
                        &mut out,
                    )
                    .await;
                }
                _ => {
                    // Read the task for its status and ETag (counted as a read), then move it.
                    let path = format!("/tasks/{own}");
                    let current = timed(
                        &api,
                        "GET task",
                        Method::GET,
                        &path,
                        token,
                        None,
                        None,
                        &mut out,
                    )
                    .await;
                    if let Some(r) = current.filter(|r| r.ok()) {
                        // todo ⇄ in_progress; anything else back to in_progress.
                        let next = match r.body["status"].as_str() {
                            Some("todo") => "in_progress",
                            Some("in_progress") => "todo",
                            _ => "in_progress",
                        };
                        let b = json!({ "status": next });
                        let etag = r.etag.unwrap_or_default();
                        timed(
                            &api,
                            kind,
                            Method::PATCH,
                            &path,
                            token,
                            Some(&b),
                            Some(&etag),
                            &mut out,
                        )
                        .await;
                    }
                }
            }
        }
        wait = Duration::from_millis(rng.gen_range(2000..=5000));
    }
    out
}

pub async fn run(a: Args) -> Res<Value> {
    if a.users == 0 || a.projects == 0 || a.tasks == 0 || a.users < a.projects {
        return Err(
            "need at least one project, one task per project and one user per project".into(),
        );
    }
    let api = Api::new(&a.url)?;
    let run = run_id();
    let t = Instant::now();
    let admin = api.login(&a.admin_email, &a.admin_password).await?;
    let dept = api
        .department(&admin, &format!("bench-office-{run}"))
        .await?;
    let users = api
        .users(&admin, dept, &format!("office-{run}"), a.users)
        .await?;
    println!(
        "setup: {} users in {:.1} s",
        users.len(),
        t.elapsed().as_secs_f64()
    );
    // User i works in project i % P, as an editor; the project's tasks are assigned round
    // robin to its members.
    let mut people = Vec::new();
    for pi in 0..a.projects {
        let project = api
            .project(&admin, dept, &format!("bench-office-{run}-{pi}"))
            .await?;
        let members: Vec<&User> = users.iter().skip(pi).step_by(a.projects).collect();
        let ids: Vec<Uuid> = members.iter().map(|u| u.id).collect();
        api.add_members(&admin, project, &ids, "editor").await?;
        let made: Vec<Res<(Uuid, String)>> = stream::iter(0..a.tasks)
            .map(|ti| {
                let (api, admin) = (&api, admin.as_str());
                let assignee = ids[ti % ids.len()];
                let priority = ["high", "medium", "low"][ti % 3];
                async move {
                    let b = json!({
                        "title": format!("Office task {pi}-{ti}"),
                        "assignee_id": assignee,
                        "priority": priority,
                    });
                    api.task(admin, project, &b).await
                }
            })
            .buffered(8)
            .collect()
            .await;
        let tasks: Vec<Uuid> = made
            .into_iter()
            .map(|r| r.map(|(id, _)| id))
            .collect::<Res<_>>()?;
        for (mi, u) in members.iter().enumerate() {
            let mine: Vec<Uuid> = tasks
                .iter()
                .enumerate()
                .filter(|(ti, _)| ti % ids.len() == mi)
                .map(|(_, id)| *id)
                .collect();
            // A member without a task of their own (more members than tasks) posts progress
            // on the project's first task as well; it answers 403, counted as an error.
            let mine = if mine.is_empty() {
                vec![tasks[0]]
            } else {
                mine
            };
            people.push(Person {
                user: (*u).clone(),
                project,
                project_tasks: tasks.clone(),
                mine,
            });
        }
    }
    println!(
        "setup done in {:.1} s: {} projects × {} tasks, {} users; running {} s",
        t.elapsed().as_secs_f64(),
        a.projects,
        a.tasks,
        people.len(),
        a.seconds
    );

    let start = Instant::now();
    let until = start + Duration::from_secs(a.seconds);
    let seed = Uuid::now_v7().as_u128() as u64;
    let handles: Vec<_> = people
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            tokio::spawn(person(
                api.clone(),
                p,
                seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
                until,
            ))
        })
        .collect();
    let mut samples = Vec::new();
    for h in future::join_all(handles).await {
        samples.extend(h.map_err(|e| format!("a simulated user failed: {e}"))?);
    }
    let elapsed = start.elapsed().as_secs_f64();

    let mut by_kind: BTreeMap<&str, (Vec<f64>, usize)> = BTreeMap::new();
    for s in &samples {
        let e = by_kind.entry(s.kind).or_default();
        e.0.push(s.ms);
        if !s.ok {
            e.1 += 1;
        }
    }
    let mut kinds = serde_json::Map::new();
    println!(
        "{:<20} {:>7} {:>9} {:>9} {:>7}",
        "request", "count", "p50 ms", "p99 ms", "errors"
    );
    for kind in READS.iter().chain(WRITES.iter()) {
        let (v, errors) = by_kind.remove(kind).unwrap_or_default();
        let v = sorted(v);
        println!(
            "{kind:<20} {:>7} {:>9.2} {:>9.2} {errors:>7}",
            v.len(),
            pct(&v, 50.0),
            pct(&v, 99.0)
        );
        kinds.insert(
            (*kind).to_owned(),
            json!({ "count": v.len(), "p50_ms": ms(pct(&v, 50.0)), "p99_ms": ms(pct(&v, 99.0)), "errors": errors }),
        );
    }
    let reads = sorted(
        samples
            .iter()
            .filter(|s| READS.contains(&s.kind))
            .map(|s| s.ms)
            .collect(),
    );
    let writes = sorted(
        samples
            .iter()
            .filter(|s| WRITES.contains(&s.kind))
            .map(|s| s.ms)
            .collect(),
    );
    let errors = samples.iter().filter(|s| !s.ok).count();
    let rps = samples.len() as f64 / elapsed;
    println!(
        "{} requests in {elapsed:.1} s ({rps:.0}/s), {errors} errors; reads p50 {:.2} / p99 {:.2} ms, writes p50 {:.2} / p99 {:.2} ms",
        samples.len(),
        pct(&reads, 50.0),
        pct(&reads, 99.0),
        pct(&writes, 50.0),
        pct(&writes, 99.0)
    );
    // The server exposes no read-cache statistics (no metrics or stats endpoint).
    // The hit rate is the server's to tell: it prints it when it stops (bench.sh reads it).
    Ok(json!({
        "bench": "office",
        "users": a.users,
        "projects": a.projects,
        "tasks_per_project": a.tasks,
        "seconds": ms(elapsed),
        "requests": samples.len(),
        "requests_per_s": ms(rps),
        "errors": errors,
        "reads": reads.len(),
        "reads_p50_ms": ms(pct(&reads, 50.0)),
        "reads_p99_ms": ms(pct(&reads, 99.0)),
        "writes": writes.len(),
        "writes_p50_ms": ms(pct(&writes, 50.0)),
        "writes_p99_ms": ms(pct(&writes, 99.0)),
        "kinds": kinds,
    }))
}
