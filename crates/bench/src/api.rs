//! A thin HTTP client for the REST API, and the setup both benchmarks share: a department,
//! active users (created by the administrator, `POST /api/v1/users`), projects and members.

use std::time::Duration;

use futures_util::{StreamExt, stream};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

pub type Error = Box<dyn std::error::Error + Send + Sync>;
pub type Res<T> = Result<T, Error>;

/// The password of every account the benchmarks create.
pub const PASSWORD: &str = "bench-user-password-1";

/// How many setup requests run at once (logins and account creation hash passwords; the
/// server hashes a few at a time and answers 503 when a hash waits too long).
const SETUP_CONCURRENCY: usize = 4;

#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    base: String,
}

pub struct Reply {
    pub status: u16,
    pub etag: Option<String>,
    pub body: Value,
}

impl Reply {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    pub fn id(&self) -> Res<Uuid> {
        let s = self.body["id"]
            .as_str()
            .ok_or_else(|| format!("no id in {}", self.body))?;
        Ok(s.parse()?)
    }
}

/// A user the benchmark created, logged in.
#[derive(Clone)]
pub struct User {
    pub id: Uuid,
    pub token: String,
}

impl Api {
    pub fn new(base: &str) -> Res<Self> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(60))
            .build()?;
        Ok(Api {
            http,
            base: base.trim_end_matches('/').to_owned(),
        })
    }

    /// One request; `path` is under `/api/v1`. Any status is a reply; only transport errors
    /// are errors.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
        if_match: Option<&str>,
    ) -> Res<Reply> {
        let mut r = self
            .http
            .request(method, format!("{}/api/v1{}", self.base, path));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        if let Some(b) = body {
            r = r.json(b);
        }
        if let Some(e) = if_match {
            r = r.header("If-Match", e);
        }
        let resp = r.send().await?;
        let status = resp.status().as_u16();
        let etag = resp
            .headers()
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = resp.bytes().await?;
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or(Value::Null)
        };
        Ok(Reply { status, etag, body })
    }

    /// Like [`Api::call`], retrying 429 and 503 (password hashing busy) for a while; any
    /// other non-2xx answer is an error.
    pub async fn must(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
        if_match: Option<&str>,
    ) -> Res<Reply> {
        let mut attempt = 0;
        loop {
            let r = self
                .call(method.clone(), path, token, body, if_match)
                .await?;
            if r.ok() {
                return Ok(r);
            }
            attempt += 1;
            if (r.status == 429 || r.status == 503) && attempt < 60 {
                tokio::time::sleep(Duration::from_millis(250 * attempt.min(8))).await;
                continue;
            }
            return Err(format!("{method} {path}: {} {}", r.status, r.body).into());
        }
    }

    pub async fn login(&self, login: &str, password: &str) -> Res<String> {
        let b = json!({ "login": login, "password": password });
        let r = self
            .must(Method::POST, "/auth/login", None, Some(&b), None)
            .await?;
        Ok(r.body["access_token"]
            .as_str()
            .ok_or("login: no access_token")?
            .to_owned())
    }

    pub async fn department(&self, admin: &str, name: &str) -> Res<Uuid> {
        let b = json!({ "name": name });
        self.must(Method::POST, "/departments", Some(admin), Some(&b), None)
            .await?
            .id()
    }

    /// `n` active users in `department`, created by the administrator and logged in.
    pub async fn users(
        &self,
        admin: &str,
        department: Uuid,
        run: &str,
        n: usize,
    ) -> Res<Vec<User>> {
        let made: Vec<Res<User>> = stream::iter(0..n)
            .map(|i| async move {
                let email = format!("bench-{run}-{i}@example.com");
                let b = json!({
                    "email": email, "name": format!("Bench {i}"), "position": "Tester",
                    "password": PASSWORD, "department_id": department,
                });
                let id = self
                    .must(Method::POST, "/users", Some(admin), Some(&b), None)
                    .await?
                    .id()?;
                let token = self.login(&email, PASSWORD).await?;
                Ok(User { id, token })
            })
            .buffered(SETUP_CONCURRENCY)
            .collect()
            .await;
        made.into_iter().collect()
    }

    pub async fn project(&self, admin: &str, department: Uuid, name: &str) -> Res<Uuid> {
        let b = json!({
            "name": name, "goal": "benchmark", "department_ids": [department],
            "start_date": "2026-01-01", "end_date": "2027-12-31",
        });
        self.must(Method::POST, "/projects", Some(admin), Some(&b), None)
            .await?
            .id()
    }

    pub async fn add_members(
        &self,
        admin: &str,
        project: Uuid,
        users: &[Uuid],
        role: &str,
    ) -> Res<()> {
        let done: Vec<Res<()>> = stream::iter(users.iter().copied())
            .map(|u| async move {
                let b = json!({ "user_id": u, "role": role });
                let path = format!("/projects/{project}/members");
                self.must(Method::POST, &path, Some(admin), Some(&b), None)
                    .await
                    .map(|_| ())
            })
            .buffer_unordered(SETUP_CONCURRENCY * 2)
            .collect()
            .await;
        done.into_iter().collect()
    }

    /// Creates a task; returns its id and ETag.
    pub async fn task(&self, token: &str, project: Uuid, body: &Value) -> Res<(Uuid, String)> {
        let path = format!("/projects/{project}/tasks");
        let r = self
            .must(Method::POST, &path, Some(token), Some(body), None)
            .await?;
        let id = r.id()?;
        let etag = match r.etag {
            Some(e) => e,
            None => self.etag(token, id).await?,
        };
        Ok((id, etag))
    }

    pub async fn etag(&self, token: &str, task: Uuid) -> Res<String> {
        let r = self
            .must(
                Method::GET,
                &format!("/tasks/{task}"),
                Some(token),
                None,
                None,
            )
            .await?;
        r.etag.ok_or_else(|| "GET /tasks/{id}: no ETag".into())
    }
}

/// The resident memory of a process, in KiB (`VmRSS` of `/proc/PID/status`).
pub fn rss_kib(pid: u32) -> Res<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .ok_or("no VmRSS line")?;
    let kib = line
        .split_whitespace()
        .nth(1)
        .ok_or("malformed VmRSS line")?
        .parse()?;
    Ok(kib)
}

/// This process's soft limit of open files (from `/proc/self/limits`).
pub fn open_files_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// Nearest-rank percentile of sorted values.
pub fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

pub fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(f64::total_cmp);
    v
}

/// Milliseconds rounded to 0.01, as JSON (null when there is no figure).
pub fn ms(v: f64) -> Value {
    if v.is_finite() {
        json!((v * 100.0).round() / 100.0)
    } else {
        Value::Null
    }
}

/// A short id for this run, so repeated runs on one server do not collide.
pub fn run_id() -> String {
    Uuid::now_v7().simple().to_string()[20..].to_owned()
}
