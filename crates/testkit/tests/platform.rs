//! The live platform (issue 11): events written with their change and resumable across
//! restarts and instances, retention, durable jobs (claimed once, retried with backoff, kept
//! after failure, run again after a crash), the due scan (once per task and transition), and
//! notification mail through a real SMTP sink. Runs on SQLite and (TANDEM_TEST_PG) PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use tandem_db::entities::{events, jobs as job_rows};
use tandem_db::jobs;
use tandem_testkit::ws::{Socket, hello, json_of, next};
use tandem_testkit::{TestApp, spawn_app, spawn_app_with};
use tokio_tungstenite::tungstenite::Message;
use uuid::Uuid;

struct World {
    app: TestApp,
    owner: String,
    owner_id: Uuid,
    editor: String,
    editor_id: Uuid,
    project: Uuid,
}

async fn world_in(app: TestApp) -> World {
    let dept = app.department("研发部").await;
    let (owner_id, owner) = app.member("owner@example.com", dept).await;
    let (editor_id, editor) = app.member("editor@example.com", dept).await;
    let b = json!({
        "name": "新产品上市", "goal": "", "department_ids": [dept],
        "start_date": "2026-11-01", "end_date": "2027-03-31", "time_zone": "Asia/Shanghai",
    });
    let project = json_of(app.post("/projects", Some(&owner), b).await).await["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let r = app
        .post(
            &format!("/projects/{project}/members"),
            Some(&owner),
            json!({ "user_id": editor_id, "role": "editor" }),
        )
        .await;
    assert_eq!(r.status(), 201);
    World {
        app,
        owner,
        owner_id,
        editor,
        editor_id,
        project,
    }
}

impl World {
    async fn task(&self, body: Value) -> Value {
        json_of(
            self.app
                .post(
                    &format!("/projects/{}/tasks", self.project),
                    Some(&self.owner),
                    body,
                )
                .await,
        )
        .await
    }
}

/// The next event frame (skipping `notification.*` ones, which some steps also cause).
async fn next_event(ws: &mut Socket) -> Value {
    loop {
        let e = next(ws).await;
        if !e["kind"]
            .as_str()
            .unwrap_or("")
            .starts_with("notification.")
        {
            return e;
        }
    }
}

/// Today in Shanghai, as the projects here count it.
fn today() -> chrono::NaiveDate {
    chrono::Utc::now()
        .with_timezone(&chrono_tz_shanghai())
        .date_naive()
}

fn chrono_tz_shanghai() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(8 * 3600).unwrap()
}

async fn notifications(app: &TestApp, token: &str, kind: &str) -> Vec<Value> {
    let v = json_of(
        app.get(&format!("/me/notifications?kind={kind}"), token)
            .await,
    )
    .await;
    v["items"].as_array().unwrap().clone()
}

/// Polls `f` until it returns `Some`, for at most `secs` seconds.
async fn eventually<T, F, Fut>(secs: u64, what: &str, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let until = std::time::Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(
            std::time::Instant::now() < until,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_change_and_its_event_are_written_together_or_not_at_all() {
    let w = world_in(spawn_app().await).await;
    let count = || async { events::Entity::find().count(&w.app.db).await.unwrap() };
    let before = count().await;
    let t = w.task(json!({ "title": "原型设计" })).await;
    assert_eq!(count().await, before + 1);
    let row = events::Entity::find()
        .filter(events::Column::Kind.eq("task.created"))
        .one(&w.app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.project_id, Some(w.project));
    assert!(row.data.contains(t["id"].as_str().unwrap()));
    // A refused change (stale If-Match) writes nothing, and announces nothing.
    let r = w
        .app
        .req(
            reqwest::Method::PATCH,
            &format!("/tasks/{}", t["id"].as_str().unwrap()),
            Some(&w.owner),
        )
        .header("If-Match", "\"999\"")
        .json(&json!({ "title": "改名" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 412);
    assert_eq!(count().await, before + 1);
}

#[tokio::test]
async fn a_client_resuming_after_a_restart_gets_what_it_missed_in_order() {
    let w = world_in(spawn_app().await).await;
    let (ws, last) = hello(&w.app, &w.editor, None).await;
    drop(ws);
    w.task(json!({ "title": "一" })).await;
    w.task(json!({ "title": "二" })).await;
    // A new process on the same database: nothing of the old one's memory.
    let again = w.app.restarted().await;
    drop(w.app);
    let (mut ws, now) = hello(&again, &w.editor, Some(last)).await;
    assert!(now >= last + 2);
    let a = next_event(&mut ws).await;
    let b = next_event(&mut ws).await;
    assert_eq!(
        (a["data"]["title"].as_str(), b["data"]["title"].as_str()),
        (Some("一"), Some("二"))
    );
    assert!(a["id"].as_u64() < b["id"].as_u64());
    // Live events follow on the new process.
    let r = again
        .post(
            &format!("/projects/{}/tasks", w.project),
            Some(&w.owner),
            json!({ "title": "三" }),
        )
        .await;
    assert_eq!(r.status(), 201);
    assert_eq!(next_event(&mut ws).await["data"]["title"], "三");
}

#[tokio::test]
async fn resume_points_removed_by_retention_or_never_issued_are_gaps() {
    let w = world_in(spawn_app().await).await;
    let (ws, first) = hello(&w.app, &w.editor, None).await;
    drop(ws);
    w.task(json!({ "title": "旧的" })).await;
    let (ws, newest) = hello(&w.app, &w.editor, None).await;
    drop(ws);
    // Retention removes everything written so far.
    tandem_api::jobs::retention::prune_events(
        &w.app.state,
        chrono::Utc::now() + chrono::Duration::seconds(1),
    )
    .await
    .unwrap();
    let (mut ws, _) = hello(&w.app, &w.editor, Some(first)).await;
    assert_eq!(next(&mut ws).await["type"], "gap");
    // Up to date: no gap, live events as usual.
    let (mut ws, _) = hello(&w.app, &w.editor, Some(newest)).await;
    w.task(json!({ "title": "新的" })).await;
    assert_eq!(next_event(&mut ws).await["data"]["title"], "新的");
    // A resume point ahead of everything this database issued.
    let (mut ws, _) = hello(&w.app, &w.editor, Some(newest + 1_000_000)).await;
    assert_eq!(next(&mut ws).await["type"], "gap");
}

/// Two `tandem serve` processes on one database (on PostgreSQL they hear each other through
/// LISTEN/NOTIFY): a client of one sees the changes made through the other, including who may
/// see what.
#[tokio::test]
async fn two_instances_deliver_each_others_events() {
    let w = world_in(spawn_app().await).await;
    let b = w.app.restarted_with(|_| {}).await;
    let (mut on_b, _) = hello(&b, &w.editor, None).await;
    let (mut on_a, _) = hello(&w.app, &w.editor, None).await;
    let t = w.task(json!({ "title": "经由实例A" })).await;
    let e = next_event(&mut on_b).await;
    assert_eq!(
        (e["kind"].as_str(), e["data"]["id"].as_str()),
        (Some("task.created"), t["id"].as_str())
    );
    // And the other way round.
    let r = b
        .post(
            &format!("/projects/{}/tasks", w.project),
            Some(&w.owner),
            json!({ "title": "经由实例B" }),
        )
        .await;
    assert_eq!(r.status(), 201);
    assert_eq!(next_event(&mut on_a).await["data"]["title"], "经由实例A");
    assert_eq!(next_event(&mut on_a).await["data"]["title"], "经由实例B");
    assert_eq!(next_event(&mut on_b).await["data"]["title"], "经由实例B");
    // Removed on A: B's socket stops hearing of the project at once.
    let member = format!("/projects/{}/members/{}", w.project, w.editor_id);
    assert_eq!(w.app.delete(&member, &w.owner).await.status(), 204);
    assert_eq!(next_event(&mut on_b).await["kind"], "member.removed");
    w.task(json!({ "title": "移除之后" })).await;
    // Something the editor does hear, through B: proof that nothing came before it.
    let dept = w.app.department("市场部").await;
    let (_, other) = w.app.member("other@example.com", dept).await;
    let p = json_of(
        w.app
            .post(
                "/projects",
                Some(&other),
                json!({ "name": "别的项目", "goal": "", "department_ids": [dept],
                        "start_date": "2026-11-01", "end_date": "2027-01-31" }),
            )
            .await,
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = w
        .app
        .post(
            &format!("/projects/{p}/members"),
            Some(&other),
            json!({ "user_id": w.editor_id, "role": "viewer" }),
        )
        .await;
    assert_eq!(r.status(), 201);
    let e = next_event(&mut on_b).await;
    assert_eq!(e["kind"], "member.added", "heard after removal: {e}");
    // A session ended through A refuses its access token on B too.
    let pair = w
        .app
        .login_ok("editor@example.com", tandem_testkit::PASSWORD)
        .await;
    let r = w
        .app
        .post(
            "/auth/logout",
            None,
            json!({ "refresh_token": pair.refresh_token }),
        )
        .await;
    assert_eq!(r.status(), 204);
    eventually(5, "the logout to reach instance B", || async {
        (b.get("/me", &pair.access_token).await.status() == 401).then_some(())
    })
    .await;
}

/// A slow client is disconnected once its bounded queue is full, resumes from the table with
/// the last id it saw, and gets only what it may still see.
#[tokio::test]
async fn a_slow_client_is_disconnected_and_resumes_without_loss() {
    // A small queue, so a few hundred large events overflow it whatever the TCP buffers hold.
    let w = world_in(spawn_app_with(|c| c.live.socket_queue = 32).await).await;
    let (mut ws, _) = hello(&w.app, &w.editor, None).await;
    let t = w.task(json!({ "title": "大量评论" })).await;
    assert_eq!(next_event(&mut ws).await["kind"], "task.created");
    // 560 comment events of 27 KB (the text and its HTML): more than loopback's socket buffers
    // hold (about 10 MB), less than what a resume may read back (16 MiB).
    let body = "长".repeat(4_500);
    let comments = format!("/tasks/{}/comments", t["id"].as_str().unwrap());
    for _ in 0..560 {
        let r = w
            .app
            .post(&comments, Some(&w.owner), json!({ "body": body }))
            .await;
        assert_eq!(r.status(), 201);
    }
    w.task(json!({ "title": "最后一个" })).await;
    // Read: comments, then the close (1013, try again later).
    let mut last = 0;
    let mut seen = 0;
    use futures_util::StreamExt;
    loop {
        match tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .unwrap()
        {
            Some(Ok(Message::Text(t))) => {
                let e: Value = serde_json::from_str(&t).unwrap();
                last = e["id"].as_u64().unwrap_or(last);
                seen += 1;
            }
            Some(Ok(Message::Close(Some(f)))) => {
                assert_eq!(u16::from(f.code), 1013);
                break;
            }
            Some(Ok(_)) => {}
            other => panic!("expected a close, got {other:?}"),
        }
    }
    assert!(seen < 562, "the slow socket was never disconnected");
    // Resuming from the last id seen delivers the rest, in order, ending with the last task.
    let (mut ws, _) = hello(&w.app, &w.editor, Some(last)).await;
    let mut previous = last;
    loop {
        let e = next(&mut ws).await;
        assert_ne!(e["type"], "gap");
        let id = e["id"].as_u64().unwrap();
        assert!(id > previous);
        previous = id;
        if e["data"]["title"] == "最后一个" {
            break;
        }
    }
}

// ------------------------------------------------------------------------------- jobs

async fn job(app: &TestApp, kind: &str) -> job_rows::Model {
    job_rows::Entity::find()
        .filter(job_rows::Column::Kind.eq(kind))
        .one(&app.db)
        .await
        .unwrap()
        .expect("the job exists")
}

async fn make_due_now(app: &TestApp, id: Uuid) {
    job_rows::Entity::update_many()
        .col_expr(
            job_rows::Column::RunAt,
            sea_orm::sea_query::Expr::value(chrono::Utc::now() - chrono::Duration::seconds(1)),
        )
        .filter(job_rows::Column::Id.eq(id))
        .exec(&app.db)
        .await
        .unwrap();
}

#[tokio::test]
async fn failing_jobs_are_retried_with_backoff_and_kept_with_their_error() {
    let app = spawn_app().await;
    jobs::enqueue(
        &app.db,
        jobs::NewJob {
            kind: "no.such.kind",
            payload: json!({}),
            run_at: chrono::Utc::now(),
            unique_key: None,
            max_attempts: 2,
        },
    )
    .await
    .unwrap();
    assert!(tandem_api::jobs::run_one(&app.state, "w1").await.unwrap());
    let j = job(&app, "no.such.kind").await;
    assert_eq!((j.status.as_str(), j.attempts), ("queued", 1));
    assert!(
        j.last_error
            .as_deref()
            .unwrap()
            .contains("unknown job kind")
    );
    let wait = j.run_at - chrono::Utc::now();
    assert!(
        wait > chrono::Duration::seconds(2) && wait <= chrono::Duration::seconds(5),
        "{wait}"
    );
    // Not due yet: nothing runs.
    assert!(!tandem_api::jobs::run_one(&app.state, "w1").await.unwrap());
    make_due_now(&app, j.id).await;
    assert!(tandem_api::jobs::run_one(&app.state, "w1").await.unwrap());
    let j = job(&app, "no.such.kind").await;
    assert_eq!((j.status.as_str(), j.attempts), ("failed", 2));
    assert!(j.finished_at.is_some() && j.last_error.is_some());
    // An operator's retry queues it again.
    assert!(jobs::retry(&app.db, j.id).await.unwrap());
    assert_eq!(job(&app, "no.such.kind").await.status, "queued");
}

/// Many workers (on PostgreSQL: FOR UPDATE SKIP LOCKED) — each job is claimed exactly once.
#[tokio::test]
async fn concurrent_workers_claim_each_job_once() {
    let app = spawn_app().await;
    for _ in 0..40 {
        jobs::enqueue(
            &app.db,
            jobs::NewJob {
                kind: tandem_api::jobs::MAIL_DIGEST,
                payload: json!({ "user_id": Uuid::now_v7() }),
                run_at: chrono::Utc::now(),
                unique_key: None,
                max_attempts: 3,
            },
        )
        .await
        .unwrap();
    }
    let mut workers = Vec::new();
    for n in 0..4 {
        let state = app.state.clone();
        workers.push(tokio::spawn(async move {
            let mut ran = 0;
            while tandem_api::jobs::run_one(&state, &format!("w{n}"))
                .await
                .unwrap()
            {
                ran += 1;
            }
            ran
        }));
    }
    let mut total = 0;
    for w in workers {
        total += w.await.unwrap();
    }
    assert_eq!(total, 40);
    let done = job_rows::Entity::find()
        .filter(job_rows::Column::Kind.eq(tandem_api::jobs::MAIL_DIGEST))
        .all(&app.db)
        .await
        .unwrap();
    assert!(
        done.iter().all(|j| j.status == "done" && j.attempts == 1),
        "{done:?}"
    );
}

async fn due_world(adjust: impl FnOnce(&mut tandem_api::ApiConfig)) -> (World, Value) {
    let w = world_in(spawn_app_with(adjust).await).await;
    // Due at the end of today (Shanghai): due soon now, with the default 24 h lead.
    let t = w
        .task(json!({ "title": "提交报价单", "assignee_id": w.editor_id, "due_date": today() }))
        .await;
    (w, t)
}

#[tokio::test]
async fn a_due_soon_notice_arrives_once_across_scans_restarts_and_crashes() {
    let (w, t) = due_world(|c| {
        c.live.workers = true;
        c.live.scan_every = Duration::from_millis(300);
        c.live.job_lease = Duration::from_secs(3);
    })
    .await;
    let (mut ws, _) = hello(&w.app, &w.editor, None).await;
    let first = eventually(15, "the due-soon notice", || async {
        notifications(&w.app, &w.editor, "task.due_soon")
            .await
            .into_iter()
            .next()
    })
    .await;
    assert_eq!(first["data"]["task_id"], t["id"]);
    assert_eq!(first["data"]["due_date"], today().to_string());
    // Pushed live too.
    loop {
        let e = next(&mut ws).await;
        if e["kind"] == "notification.created" {
            assert_eq!(e["data"]["kind"], "task.due_soon");
            // The server's own work names no actor.
            assert_eq!(e["actor_id"], serde_json::Value::Null);
            break;
        }
    }
    // The creator is not told of "due soon" (the assignee is).
    assert!(
        notifications(&w.app, &w.owner, "task.due_soon")
            .await
            .is_empty()
    );
    // A crash mid-scan: a worker claims the scan and dies without finishing.
    let scan = job(&w.app, tandem_api::jobs::DUE_SCAN).await;
    make_due_now(&w.app, scan.id).await;
    drop(w.app.restarted_with(|c| c.live.workers = false).await); // (keeps the db alive)
    // Its lease, like the instances' here, is 3 s: then it counts as dead.
    let lease = chrono::Duration::seconds(3);
    let claimed = loop {
        if let Some(j) = jobs::claim(&w.app.db, "dead-worker", lease).await.unwrap()
            && j.kind == tandem_api::jobs::DUE_SCAN
        {
            break j;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(claimed.status, "running");
    let crashed_at = chrono::Utc::now();
    // The restart: on SQLite the new process takes back what was running; on PostgreSQL
    // another instance takes it over when the lease runs out (3 s here).
    let again = w
        .app
        .restarted_with(|c| c.live.job_lease = Duration::from_secs(3))
        .await;
    drop(w.app);
    eventually(20, "the interrupted scan to run again", || async {
        let j = job(&again, tandem_api::jobs::DUE_SCAN).await;
        // Finished after the crash: it ran again, on a live worker.
        (j.finished_at.is_some_and(|f| f > crashed_at) && j.status == "queued").then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        notifications(&again, &w.editor, "task.due_soon")
            .await
            .len(),
        1
    );
    // Moving the due date makes a new notice possible (a new transition).
    let id = t["id"].as_str().unwrap();
    let cur = json_of(again.get(&format!("/tasks/{id}"), &w.owner).await).await;
    let tomorrow = today().succ_opt().unwrap();
    let r = again
        .req(
            reqwest::Method::PATCH,
            &format!("/tasks/{id}"),
            Some(&w.owner),
        )
        .header("If-Match", format!("\"{}\"", cur["version"]))
        .json(&json!({ "due_date": tomorrow }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Tomorrow's end is within 24 h only late in the day; run the check directly instead of
    // waiting: what is owed follows `due::owed`'s unit tests. Here: no second notice for the
    // same due date, ever.
    let _ = tandem_api::jobs::due::scan(&again.state).await.unwrap();
    let n = notifications(&again, &w.editor, "task.due_soon").await;
    assert!(n.len() <= 2);
    assert_eq!(
        n.iter()
            .filter(|n| n["data"]["due_date"] == today().to_string())
            .count(),
        1
    );
}

#[tokio::test]
async fn overdue_tasks_notify_assignee_and_creator_once() {
    let (w, _) = due_world(|_| {}).await;
    let yesterday = today().pred_opt().unwrap();
    let t = w
        .task(json!({ "title": "逾期的任务", "assignee_id": w.editor_id, "due_date": yesterday }))
        .await;
    let mut done = w
        .task(json!({ "title": "已完成的任务", "assignee_id": w.editor_id, "due_date": yesterday }))
        .await;
    for status in ["in_progress", "done"] {
        let r = w
            .app
            .req(
                reqwest::Method::PATCH,
                &format!("/tasks/{}", done["id"].as_str().unwrap()),
                Some(&w.owner),
            )
            .header("If-Match", format!("\"{}\"", done["version"]))
            .json(&json!({ "status": status }))
            .send()
            .await
            .unwrap();
        done = json_of(r).await;
    }
    for _ in 0..3 {
        tandem_api::jobs::due::scan(&w.app.state).await.unwrap();
    }
    for token in [&w.editor, &w.owner] {
        let n = notifications(&w.app, token, "task.overdue").await;
        assert_eq!(n.len(), 1, "{n:?}");
        assert_eq!(n[0]["data"]["task_id"], t["id"]);
        assert_ne!(n[0]["data"]["task_id"], done["id"]);
    }
    let _ = w.owner_id;
}

// ------------------------------------------------------------------------------- mail

/// The SMTP sink started by scripts/test.sh (Python aiosmtpd writing a Maildir).
fn sink() -> Option<(String, std::path::PathBuf)> {
    let url = std::env::var("TANDEM_TEST_SMTP")
        .ok()
        .filter(|s| !s.is_empty())?;
    let dir = std::env::var("TANDEM_TEST_MAILDIR").ok()?;
    Some((url, dir.into()))
}

struct Mail {
    to: String,
    subject: String,
    text: String,
    html: String,
}

fn mails_to(dir: &std::path::Path, address: &str) -> Vec<Mail> {
    let mut out = Vec::new();
    for sub in ["new", "cur"] {
        let Ok(entries) = std::fs::read_dir(dir.join(sub)) else {
            continue;
        };
        for e in entries.flatten() {
            let raw = std::fs::read(e.path()).unwrap();
            let m = mailparse::parse_mail(&raw).unwrap();
            use mailparse::MailHeaderMap;
            let to = m.headers.get_first_value("To").unwrap_or_default();
            if !to.contains(address) {
                continue;
            }
            let part = |mime: &str| {
                m.subparts
                    .iter()
                    .find(|p| p.ctype.mimetype == mime)
                    .map(|p| p.get_body().unwrap())
                    .unwrap_or_default()
            };
            out.push(Mail {
                to,
                subject: m.headers.get_first_value("Subject").unwrap_or_default(),
                text: part("text/plain"),
                html: part("text/html"),
            });
        }
    }
    out
}

#[tokio::test]
async fn mentions_are_mailed_in_the_readers_language_batched_into_one_mail() {
    let Some((smtp, maildir)) = sink() else {
        // scripts/test.sh always starts the sink; a bare `cargo test` has none.
        eprintln!(
            "TANDEM_TEST_SMTP is not set: run through scripts/test.sh (the mail test needs its SMTP sink)"
        );
        assert!(
            std::env::var("TANDEM_TEST_REQUIRE_SMTP").is_err(),
            "the SMTP sink is missing"
        );
        return;
    };
    let app = spawn_app_with(|c| {
        c.live.workers = true;
        c.live.smtp_url = Some(smtp.clone());
        // Long enough for the whole setup below to land in one batch on a busy machine.
        c.live.mail_batch = Duration::from_secs(10);
        c.live.public_url = "https://tandem.example.com".into();
    })
    .await;
    // Addresses unique to this test: the sink is shared by the whole run.
    let tag = Uuid::now_v7().simple().to_string();
    let dept = app.department("研发部").await;
    let (_, owner) = app.member(&format!("owner-{tag}@example.com"), dept).await;
    let zh_mail = format!("lilei-{tag}@example.com");
    let en_mail = format!("amy-{tag}@example.com");
    let (zh_id, zh) = app.member(&zh_mail, dept).await;
    let (en_id, en) = app.member(&en_mail, dept).await;
    // Amy reads English; she also turned mentions off in the app but on by e-mail.
    let r = app
        .patch("/me", &en, json!({ "name": "Amy", "locale": "en" }))
        .await;
    assert_eq!(json_of(r).await["locale"], "en");
    let r = app.patch("/me", &zh, json!({ "name": "李雷" })).await;
    assert_eq!(json_of(r).await["locale"], "zh-CN");
    let r = app
        .req(reqwest::Method::PUT, "/me/notification-settings", Some(&en))
        .json(&json!({ "items": [{ "kind": "comment.mention", "in_app": false, "email": true }] }))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let p = json_of(
        app.post(
            "/projects",
            Some(&owner),
            json!({ "name": "新产品上市", "goal": "", "department_ids": [dept],
                    "start_date": "2026-11-01", "end_date": "2027-01-31" }),
        )
        .await,
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for (id, role) in [(zh_id, "editor"), (en_id, "editor")] {
        let r = app
            .post(
                &format!("/projects/{p}/members"),
                Some(&owner),
                json!({ "user_id": id, "role": role }),
            )
            .await;
        assert_eq!(r.status(), 201);
    }
    let t = json_of(
        app.post(
            &format!("/projects/{p}/tasks"),
            Some(&owner),
            json!({ "title": "原型设计 <评审>" }),
        )
        .await,
    )
    .await;
    let task_id = t["id"].as_str().unwrap();
    // Two mentions within the batch window: one mail each.
    for text in ["请看一下", "再看一下"] {
        let body = format!("@李雷 @Amy {text}");
        let r = app
            .post(
                &format!("/tasks/{task_id}/comments"),
                Some(&owner),
                json!({ "body": body }),
            )
            .await;
        assert_eq!(r.status(), 201);
    }
    // Not in Amy's bell (turned off there)…
    assert!(notifications(&app, &en, "comment.mention").await.is_empty());
    assert_eq!(notifications(&app, &zh, "comment.mention").await.len(), 2);
    // …but both reach the mailboxes, one mail each.
    let zh_mails = eventually(40, "Li Lei's mail", || async {
        let m = mails_to(&maildir, &zh_mail);
        (!m.is_empty()).then_some(m)
    })
    .await;
    let en_mails = eventually(40, "Amy's mail", || async {
        let m = mails_to(&maildir, &en_mail);
        (!m.is_empty()).then_some(m)
    })
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        mails_to(&maildir, &zh_mail).len(),
        1,
        "batched into one mail"
    );
    assert_eq!(mails_to(&maildir, &en_mail).len(), 1);
    let (zm, em) = (&zh_mails[0], &en_mails[0]);
    assert!(zm.to.contains(&zh_mail));
    // Everything since the account was approved: the approval, joining the project, the two
    // mentions — in one mail.
    assert_eq!(zm.subject, "Tandem：你有 4 条新通知", "{}", zm.text);
    assert_eq!(
        zm.text
            .matches("Tester 在「原型设计 <评审>」中提到了你")
            .count(),
        2,
        "{}",
        zm.text
    );
    assert!(zm.text.contains("注册已通过") && zm.text.contains("把你加入了项目「新产品上市」"));
    let link = format!("https://tandem.example.com/tasks/{task_id}");
    assert!(zm.text.contains(&link) && zm.html.contains(&link));
    // HTML is escaped.
    assert!(zm.html.contains("原型设计 &lt;评审&gt;") && !zm.html.contains("<评审>"));
    assert_eq!(em.subject, "Tandem: 4 new notifications");
    assert_eq!(
        em.text
            .matches("Tester mentioned you in “原型设计 <评审>”")
            .count(),
        2,
        "{}",
        em.text
    );
    assert!(em.text.starts_with("Hello Amy,"));
    // Nothing left waiting.
    let pending = tandem_db::accounts::mail_pending(&app.db, zh_id, 10)
        .await
        .unwrap();
    assert!(pending.is_empty());
    let _ = app.db.get_database_backend();
}
