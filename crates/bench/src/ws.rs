//! `tandem-bench ws`: fan-out latency of live events. N WebSocket clients (members of one
//! project) wait while one task is renamed over and over; per rename, the time from sending
//! the PATCH until the last client has the matching `task.updated`, and every delivery.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt, future};
use reqwest::Method;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use uuid::Uuid;

use crate::api::{Api, Res, User, ms, open_files_limit, pct, rss_kib, run_id, sorted};

/// One user may keep 32 sockets open (`SOCKETS_PER_USER`); stay below it.
const SOCKETS_PER_USER: usize = 30;

pub struct Args {
    pub url: String,
    pub relay_url: Option<String>,
    pub admin_email: String,
    pub admin_password: String,
    pub clients: usize,
    pub updates: usize,
    pub batch: usize,
    pub timeout: Duration,
    pub server_pid: Option<u32>,
    pub relay_pid: Option<u32>,
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Connects, says hello and waits for `ready`.
async fn open(url: &str, token: &str) -> Res<Socket> {
    let (mut ws, _) = tokio::time::timeout(
        Duration::from_secs(30),
        tokio_tungstenite::connect_async(url),
    )
    .await
    .map_err(|_| "WebSocket connect timed out")??;
    let hello = json!({ "type": "hello", "token": token, "resume_from": null });
    ws.send(Message::text(hello.to_string())).await?;
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(30), ws.next())
            .await
            .map_err(|_| "no ready within 30 s")?
            .ok_or("closed before ready")??;
        match msg {
            Message::Text(t) => {
                let v: Value = serde_json::from_str(&t)?;
                return match v["type"].as_str() {
                    Some("ready") => Ok(ws),
                    _ => Err(format!("expected ready, got {v}").into()),
                };
            }
            Message::Close(f) => return Err(format!("closed before ready: {f:?}").into()),
            _ => continue,
        }
    }
}

/// Reads a socket until it closes; reports every `task.updated` of `task` whose title is
/// `{prefix}{k}` as (k, arrival time).
async fn listen(
    mut ws: Socket,
    task: String,
    prefix: Arc<String>,
    tx: mpsc::UnboundedSender<(usize, Instant)>,
    closed: Arc<AtomicUsize>,
) {
    while let Some(msg) = ws.next().await {
        match msg {
            Ok(Message::Text(t)) => {
                let at = Instant::now();
                if !t.contains("task.updated") {
                    continue;
                }
                let Ok(v) = serde_json::from_str::<Value>(&t) else {
                    continue;
                };
                if v["kind"] != "task.updated" || v["data"]["id"].as_str() != Some(task.as_str()) {
                    continue;
                }
                let k = v["data"]["title"]
                    .as_str()
                    .and_then(|s| s.strip_prefix(prefix.as_str()))
                    .and_then(|s| s.parse().ok());
                if let Some(k) = k {
                    let _ = tx.send((k, at));
                }
            }
            Ok(Message::Close(_)) | Err(_) => break,
            Ok(_) => {}
        }
    }
    closed.fetch_add(1, Ordering::Relaxed);
}

pub async fn run(a: Args) -> Res<Value> {
    let n = a.clients;
    if n == 0 || a.updates == 0 {
        return Err("--clients and --updates must be at least 1".into());
    }
    if let Some(limit) = open_files_limit()
        && limit < n as u64 + 64
    {
        return Err(format!(
            "open files limit {limit} is too low for {n} sockets: run `ulimit -n 65536` first"
        )
        .into());
    }
    let api = Api::new(&a.url)?;
    let ws_base = a.relay_url.as_deref().unwrap_or(&a.url);
    let ws_url = format!(
        "{}/api/v1/ws",
        ws_base.trim_end_matches('/').replacen("http", "ws", 1)
    );
    // The process holding the sockets is the one whose memory per connection counts.
    let socket_pid = if a.relay_url.is_some() {
        a.relay_pid
    } else {
        a.server_pid
    };

    // Setup: a department, ⌈N/30⌉ users, one project they are viewers of, one task.
    let run = run_id();
    let t = Instant::now();
    let admin = api.login(&a.admin_email, &a.admin_password).await?;
    let dept = api.department(&admin, &format!("bench-ws-{run}")).await?;
    let n_users = n.div_ceil(SOCKETS_PER_USER);
    let users: Vec<User> = api
        .users(&admin, dept, &format!("ws-{run}"), n_users)
        .await?;
    let project = api
        .project(&admin, dept, &format!("bench-ws-{run}"))
        .await?;
    let ids: Vec<Uuid> = users.iter().map(|u| u.id).collect();
    api.add_members(&admin, project, &ids, "viewer").await?;
    let (task, mut etag) = api
        .task(&admin, project, &json!({ "title": "bench-update-start" }))
        .await?;
    println!(
        "setup: {n_users} users, project {project}, task {task} in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    // Sockets, in batches.
    let rss_before = socket_pid.map(rss_kib).transpose()?;
    let prefix = Arc::new(format!("bench-update-{run}-"));
    let (tx, mut rx) = mpsc::unbounded_channel();
    let closed = Arc::new(AtomicUsize::new(0));
    let t = Instant::now();
    let mut opened = 0;
    while opened < n {
        let batch = a.batch.min(n - opened);
        let sockets = future::join_all((opened..opened + batch).map(|i| {
            let token = users[i / SOCKETS_PER_USER].token.clone();
            let url = ws_url.clone();
            async move { open(&url, &token).await }
        }))
        .await;
        for s in sockets {
            let ws = s.map_err(|e| format!("socket {opened}: {e}"))?;
            tokio::spawn(listen(
                ws,
                task.to_string(),
                prefix.clone(),
                tx.clone(),
                closed.clone(),
            ));
            opened += 1;
        }
    }
    drop(tx);
    let connect_s = t.elapsed().as_secs_f64();
    println!("{n} sockets ready in {connect_s:.1} s (via {ws_url})");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_after = socket_pid.map(rss_kib).transpose()?;
    let per_conn = match (rss_before, rss_after) {
        (Some(b), Some(a)) => Some((a as f64 - b as f64) / n as f64),
        _ => None,
    };
    if let (Some(b), Some(a), Some(p)) = (rss_before, rss_after, per_conn) {
        println!(
            "server RSS: {b} KiB before, {a} KiB with {n} idle sockets: {p:.1} KiB per connection"
        );
    }
    let writer_rss = match (a.relay_url.is_some(), a.server_pid) {
        (true, Some(pid)) => Some(rss_kib(pid)?),
        _ => None,
    };

    // Updates.
    let mut last_ms = Vec::new();
    let mut all_ms = Vec::new();
    let mut patch_ms = Vec::new();
    let mut missing = 0usize;
    let mut aborted = false;
    // The first change warms up what the first of anything pays (connection pools, caches,
    // the sockets' first wake-ups); it is shown but not counted.
    const WARM_UP: usize = 1;
    for k in 0..a.updates + WARM_UP {
        let body = json!({ "title": format!("{prefix}{k}") });
        let path = format!("/tasks/{task}");
        let t0 = Instant::now();
        let r = api
            .call(Method::PATCH, &path, Some(&admin), Some(&body), Some(&etag))
            .await?;
        let patch = t0.elapsed().as_secs_f64() * 1e3;
        if !r.ok() {
            return Err(format!("PATCH {path}: {} {}", r.status, r.body).into());
        }
        etag = match r.etag {
            Some(e) => e,
            None => api.etag(&admin, task).await?,
        };
        let expect = n - closed.load(Ordering::Relaxed);
        let deadline = tokio::time::Instant::from_std(t0 + a.timeout);
        let mut got = Vec::with_capacity(n);
        while got.len() < expect {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some((kk, at))) if kk == k => got.push((at - t0).as_secs_f64() * 1e3),
                Ok(Some(_)) => {} // a late delivery of an earlier update
                Ok(None) | Err(_) => break,
            }
        }
        let last = got.iter().copied().fold(f64::NAN, f64::max);
        println!(
            "update {k}{}: {} of {n} clients, last after {last:.1} ms (PATCH {patch:.1} ms)",
            if k < WARM_UP { " (warm-up)" } else { "" },
            got.len(),
        );
        let none = got.is_empty();
        if k >= WARM_UP {
            missing += n - got.len();
            patch_ms.push(patch);
            last_ms.push(last);
            all_ms.extend(got);
        }
        if none {
            // Nothing arrives at all: waiting out every remaining update would say no more.
            missing += n * (a.updates + WARM_UP - k - 1);
            aborted = true;
            println!("no client received update {k}: stopping");
            break;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let last_ms = sorted(last_ms.into_iter().filter(|v| v.is_finite()).collect());
    let all_ms = sorted(all_ms);
    let patch_ms = sorted(patch_ms);
    let closed = closed.load(Ordering::Relaxed);
    println!(
        "last client per update: p50 {:.1} ms, p99 {:.1} ms; every delivery ({}): p50 {:.1} ms, p99 {:.1} ms; missing {missing}; sockets closed by the server {closed}",
        pct(&last_ms, 50.0),
        pct(&last_ms, 99.0),
        all_ms.len(),
        pct(&all_ms, 50.0),
        pct(&all_ms, 99.0),
    );
    Ok(json!({
        "bench": "ws",
        "relay": a.relay_url.is_some(),
        "clients": n,
        "users": n_users,
        "updates": a.updates,
        "connect_s": ms(connect_s),
        "last_p50_ms": ms(pct(&last_ms, 50.0)),
        "last_p99_ms": ms(pct(&last_ms, 99.0)),
        "last_max_ms": ms(last_ms.last().copied().unwrap_or(f64::NAN)),
        "delivery_p50_ms": ms(pct(&all_ms, 50.0)),
        "delivery_p99_ms": ms(pct(&all_ms, 99.0)),
        "deliveries": all_ms.len(),
        "missing": missing,
        "aborted": aborted,
        "closed_by_server": closed,
        "patch_p50_ms": ms(pct(&patch_ms, 50.0)),
        "patch_p99_ms": ms(pct(&patch_ms, 99.0)),
        "rss_before_kib": rss_before,
        "rss_after_kib": rss_after,
        "kib_per_connection": per_conn.map(ms),
        "writer_rss_kib": writer_rss,
    }))
}
