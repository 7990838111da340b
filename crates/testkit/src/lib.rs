#![allow(clippy::unwrap_used, clippy::expect_used)] // test support: failing loudly is the point
//! `spawn_app()`: the real server on a random port over a fresh database (a SQLite file,
//! or a new PostgreSQL database when `TANDEM_TEST_PG` names a server), with real migrations.

pub mod ws;
pub mod yjs;

use std::net::TcpListener;

use reqwest::{Client, Method, RequestBuilder, Response};
use serde_json::{Value, json};
use tandem_api::{ApiConfig, AppState};
use tandem_client::TandemClient;
use tandem_dto::{CreateDepartmentRequest, RegisterRequest, TokenPairResponse};
use uuid::Uuid;

pub use tandem_api;

pub const ADMIN_EMAIL: &str = "admin@example.com";
pub const ADMIN_PASSWORD: &str = "admin-password-1";
pub const PASSWORD: &str = "user-password-1";
pub const JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123";

/// A running server and what tests need to talk to it.
pub struct TestApp {
    pub base: String,
    pub http: Client,
    pub db: tandem_db::DatabaseConnection,
    /// The database's URL (another instance connects its own pool to it).
    pub db_url: String,
    pub admin_id: Uuid,
    /// Typed client without a token; `.with_token(t)` for an authenticated one.
    pub client: TandemClient,
    config: ApiConfig,
    /// The server's state, for tests that drive its background work step by step.
    pub state: AppState,
    handle: actix_web::dev::ServerHandle,
    /// Event delivery and job workers; stopped when the app is dropped.
    _background: tandem_api::background::Background,
    /// The test's files (SQLite database, uploads), removed when the last server on them is
    /// dropped. Declared last: fields drop in order, the connections first.
    _scratch: std::sync::Arc<Scratch>,
}

/// A directory of its own under the system temp dir, removed with everything in it when
/// dropped — also when the test panics — so test runs leave nothing behind.
pub struct Scratch(std::path::PathBuf);

impl Scratch {
    pub fn new(what: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("tandem-{what}-{}", Uuid::now_v7()));
        std::fs::create_dir_all(&dir).expect("create a scratch directory");
        Scratch(dir)
    }

    pub fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop the workers; the database (file or PG database) is throwaway.
        let h = self.handle.clone();
        drop(h.stop(false));
    }
}

/// A new, empty database for one test: a SQLite file in `scratch`, or a database of its own on
/// the test PostgreSQL server (`TANDEM_TEST_PG`).
pub async fn fresh_database_url(scratch: &Scratch) -> String {
    match std::env::var("TANDEM_TEST_PG")
        .ok()
        .filter(|s| !s.is_empty())
    {
        Some(base) => {
            let name = format!("tandem_test_{}", Uuid::now_v7().simple());
            // A loaded CI machine can keep the cluster from answering within the pool's 10 s
            // (two tests once failed so, together); a test is not about that, so it waits
            // longer before it gives up, and says what it last saw.
            use sea_orm::ConnectionTrait;
            let mut last = String::new();
            for attempt in 0..6 {
                if attempt > 0 {
                    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
                }
                let admin = match tandem_db::connect(&format!("{base}/postgres")).await {
                    Ok(admin) => admin,
                    Err(e) => {
                        last = e.to_string();
                        continue;
                    }
                };
                let created = admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await;
                admin.close().await.ok();
                match created {
                    Ok(_) => return format!("{base}/{name}"),
                    // A CREATE that reached the server may have succeeded before the error.
                    Err(e) if e.to_string().contains("already exists") => {
                        return format!("{base}/{name}");
                    }
                    Err(e) => last = e.to_string(),
                }
            }
            panic!("create a database on the test PostgreSQL server: {last}")
        }
        None => {
            format!(
                "sqlite://{}?mode=rwc",
                scratch.path().join("tandem.db").display()
            )
        }
    }
}

/// Starts the server with default test settings.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the server after letting the test adjust the configuration.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut ApiConfig)) -> TestApp {
    let scratch = std::sync::Arc::new(Scratch::new("test"));
    let url = fresh_database_url(&scratch).await;
    let db = tandem_db::connect(&url).await.expect("connect");
    tandem_db::migrate(&db).await.expect("migrate");
    let admin = tandem_api::bootstrap::create_admin(
        &db,
        ADMIN_EMAIL,
        "Admin",
        Some("A0001".into()),
        ADMIN_PASSWORD.into(),
    )
    .await
    .expect("admin");
    let mut config = ApiConfig::with_secret(JWT_SECRET.as_bytes().to_vec());
    config.files_dir = scratch.path().join("files");
    // Fixtures register many people from one address; tests of the registration throttle
    // set their own limit.
    config.registration_limits.max_failures = 100_000;
    // Background jobs (the due scan above all) would add notifications to tests that count
    // them; the tests of jobs turn the workers on.
    config.live.workers = false;
    adjust(&mut config);
    serve(db, url, admin.id, config, scratch).await
}

/// A server over `db` (already migrated, with its administrator).
async fn serve(
    db: tandem_db::DatabaseConnection,
    db_url: String,
    admin_id: Uuid,
    config: ApiConfig,
    scratch: std::sync::Arc<Scratch>,
) -> TestApp {
    let state = AppState::new(db.clone(), config.clone())
        .await
        .expect("state");
    let background = tandem_api::background::Background::start(&state)
        .await
        .expect("background");
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let app_state = state.clone();
    let server = actix_web::HttpServer::new(move || tandem_api::build_app(app_state.clone()))
        .workers(1)
        .disable_signals()
        .listen(listener)
        .expect("listen")
        .run();
    let handle = server.handle();
    tokio::spawn(server);
    let base = format!("http://127.0.0.1:{port}");
    TestApp {
        client: TandemClient::new(base.clone()),
        base,
        http: Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            // Below the server's keep-alive (5 s): a connection idle longer is not reused,
            // so a test that pauses (building a large fixture) never sends on a socket the
            // server is closing at that moment.
            .pool_idle_timeout(std::time::Duration::from_secs(3))
            .build()
            .expect("client"),
        db,
        db_url,
        admin_id,
        config,
        state,
        handle,
        _background: background,
        _scratch: scratch,
    }
}

impl TestApp {
    /// Another server process on the same database, as after a restart (or a second
    /// instance): nothing of this one's memory, the same data.
    pub async fn restarted(&self) -> TestApp {
        self.restarted_with(|_| {}).await
    }

    /// Like [`TestApp::restarted`], with its own connection pool and adjusted settings: a
    /// second `tandem serve` process on the same database.
    pub async fn restarted_with(&self, adjust: impl FnOnce(&mut ApiConfig)) -> TestApp {
        let db = tandem_db::connect(&self.db_url).await.expect("connect");
        let mut config = self.config.clone();
        adjust(&mut config);
        serve(
            db,
            self.db_url.clone(),
            self.admin_id,
            config,
            self._scratch.clone(),
        )
        .await
    }

    /// Runs every job that is due now, one after another (tests run without workers).
    pub async fn run_due_jobs(&self) -> usize {
        let mut n = 0;
        while tandem_api::jobs::run_one(&self.state, "test")
            .await
            .expect("job queue")
        {
            n += 1;
        }
        n
    }

    pub fn url(&self, path: &str) -> String {
        if path.starts_with("/api") {
            format!("{}{}", self.base, path)
        } else {
            format!("{}/api/v1{}", self.base, path)
        }
    }

    pub fn req(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let r = self.http.request(method, self.url(path));
        match token {
            Some(t) => r.bearer_auth(t),
            None => r,
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.req(Method::GET, path, Some(token))
            .send()
            .await
            .expect("send")
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Response {
        self.req(Method::POST, path, token)
            .json(&body)
            .send()
            .await
            .expect("send")
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Response {
        self.req(Method::PATCH, path, Some(token))
            .json(&body)
            .send()
            .await
            .expect("send")
    }

    pub async fn delete(&self, path: &str, token: &str) -> Response {
        self.req(Method::DELETE, path, Some(token))
            .send()
            .await
            .expect("send")
    }

    pub async fn login(&self, login: &str, password: &str) -> Response {
        self.post(
            "/auth/login",
            None,
            json!({ "login": login, "password": password }),
        )
        .await
    }

    /// Logs in and returns the token pair; panics on failure.
    pub async fn login_ok(&self, login: &str, password: &str) -> TokenPairResponse {
        self.client.login(login, password).await.expect("login")
    }

    pub async fn admin_token(&self) -> String {
        self.login_ok(ADMIN_EMAIL, ADMIN_PASSWORD)
            .await
            .access_token
    }

    /// Creates a department as the administrator and returns its id.
    pub async fn department(&self, name: &str) -> Uuid {
        let admin = self.client.with_token(self.admin_token().await);
        let req = CreateDepartmentRequest {
            name: name.into(),
            head_id: None,
            parent_id: None,
            external_key: None,
        };
        admin.create_department(&req).await.expect("department").id
    }

    /// Registers a user (pending) and returns its id.
    pub async fn register(&self, email: &str, department_id: Uuid) -> Uuid {
        let req = RegisterRequest {
            email: Some(email.into()),
            employee_id: None,
            name: "Tester".into(),
            department_id,
            position: "Engineer".into(),
            password: PASSWORD.into(),
        };
        self.client.register(&req).await.expect("register").id
    }

    /// Registers and approves a member; returns (id, access token).
    pub async fn member(&self, email: &str, department_id: Uuid) -> (Uuid, String) {
        let id = self.register(email, department_id).await;
        let t = self.admin_token().await;
        let r = self
            .post(
                &format!("/admin/registrations/{id}/approve"),
                Some(&t),
                json!({}),
            )
            .await;
        assert_eq!(r.status(), 200);
        (id, self.login_ok(email, PASSWORD).await.access_token)
    }
}

/// Reads a problem+json response, checking the content type.
pub async fn problem(r: Response) -> Value {
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        ct.starts_with("application/problem+json"),
        "content type was {ct}"
    );
    r.json().await.expect("problem json")
}
