//! The `tandem` binary: serve, migrate, admin create, openapi.

mod config;

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tandem_api::{ApiConfig, AppState};
use tandem_db::accounts;
use tandem_dto::{SystemRole, UserStatus};

use crate::config::{Config, redact_url};

#[derive(Parser)]
#[command(
    name = "tandem",
    version,
    about = "Tandem cross-department collaboration server"
)]
struct Cli {
    /// Configuration file (default: ./tandem.toml when present).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Administrative tasks.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// List recent background jobs (newest change first), or retry a failed one. Reads the
    /// database directly, so it works while the server is down.
    Jobs {
        /// Only jobs in this state: queued, running, done or failed.
        #[arg(long)]
        status: Option<String>,
        /// How many.
        #[arg(long, default_value_t = 30)]
        limit: u64,
        /// Put this failed job back in the queue.
        #[arg(long)]
        retry: Option<uuid::Uuid>,
    },
    /// Write the OpenAPI document without starting a server.
    Openapi {
        /// Output file (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Make an instance hold what a seed file (YAML or JSON) describes, through its REST API:
    /// idempotent, objects found by their `key`. Exit code 0 on success, 1 on a bad file or a
    /// refused change (nothing is half-applied for one object), 2 on bad arguments.
    Seed {
        /// The seed file (`api-spec/seed.schema.json` describes it).
        file: PathBuf,
        #[command(flatten)]
        remote: Remote,
        /// Print the plan (created / updated / unchanged per kind) without writing.
        #[arg(long)]
        dry_run: bool,
        /// Inside the file's projects: delete keyed tasks, milestones and comments the file no
        /// longer lists, and remove members it does not list.
        #[arg(long)]
        prune: bool,
        /// Across the instance too (implies --prune): archive keyed projects, deactivate keyed
        /// accounts and delete keyed departments that the file's sections no longer list. Only
        /// for a file that describes the whole instance.
        #[arg(long)]
        prune_instance: bool,
        /// Requests in flight at once.
        #[arg(long, default_value_t = 4)]
        parallel: usize,
        /// List every object with what happened to it, unchanged ones included (a dry run
        /// lists those it would create, change or delete).
        #[arg(long, short)]
        verbose: bool,
    },
    /// Write what the token may see in the seed format (YAML; JSON for a `.json` file).
    Export {
        /// Output file (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write the library's file contents into this directory (named in the export by
        /// `path`) instead of into the export; needed for files over 8 MiB.
        #[arg(long)]
        files: Option<PathBuf>,
        #[command(flatten)]
        remote: Remote,
    },
    /// Write the JSON Schema of the seed format.
    SeedSchema {
        /// Output file (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// Which instance a client command talks to.
#[derive(clap::Args)]
struct Remote {
    /// The instance's root URL.
    #[arg(long, env = "TANDEM_URL", default_value = "http://127.0.0.1:8080")]
    url: String,
    /// A personal access token (`tdm_…`) or an access token.
    #[arg(long, env = "TANDEM_TOKEN", hide_env_values = true)]
    token: String,
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an administrator; the password is read from standard input.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        employee_id: Option<String>,
    },
}

/// mimalloc (MIT) instead of glibc's allocator: reading thousands of rows allocates and frees
/// every column of every row, and glibc's `malloc_consolidate` took a tenth of the server's time
/// serving a 5 000-task Gantt chart.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Seed { .. } | Command::Export { .. } | Command::SeedSchema { .. }) =
        cli.command
    {
        return client_command(cli.command);
    }
    if let Some(Command::Openapi { out }) = &cli.command {
        let spec = tandem_api::openapi::spec_json();
        return match out {
            Some(path) => match std::fs::write(path, spec + "\n") {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(format!("cannot write {}: {e}", path.display())),
            },
            None => {
                println!("{spec}");
                ExitCode::SUCCESS
            }
        };
    }
    let cfg = match Config::load(cli.config.as_deref(), |k| std::env::var(k).ok()) {
        Ok(c) => c,
        Err(e) => return fail(format!("configuration error: {e}")),
    };
    // One-shot commands stay quiet unless asked; the server logs at the configured level.
    let serving = matches!(cli.command, None | Some(Command::Serve));
    init_tracing(if serving || std::env::var("TANDEM_LOG").is_ok() {
        &cfg.log
    } else {
        "warn"
    });
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return fail(format!("cannot start the runtime: {e}")),
    };
    let result = runtime.block_on(async move {
        match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => serve(cfg).await,
            Command::Migrate => {
                let db = open_db(&cfg).await?;
                tandem_db::migrate(&db)
                    .await
                    .map_err(|e| format!("migration failed: {e}"))?;
                eprintln!("migrations applied");
                Ok(())
            }
            Command::Admin {
                command:
                    AdminCommand::Create {
                        email,
                        name,
                        employee_id,
                    },
            } => {
                let mut password = String::new();
                std::io::stdin()
                    .read_to_string(&mut password)
                    .map_err(|e| format!("cannot read the password from stdin: {e}"))?;
                let password = password.trim_end_matches(['\n', '\r']).to_owned();
                let db = open_db(&cfg).await?;
                tandem_db::migrate(&db)
                    .await
                    .map_err(|e| format!("migration failed: {e}"))?;
                let id =
                    tandem_api::bootstrap::create_admin(&db, &email, &name, employee_id, password)
                        .await?
                        .id;
                eprintln!("administrator {email} created ({id})");
                Ok(())
            }
            Command::Jobs {
                status,
                limit,
                retry,
            } => jobs_command(&cfg, status, limit, retry).await,
            Command::Openapi { .. }
            | Command::Seed { .. }
            | Command::Export { .. }
            | Command::SeedSchema { .. } => Ok(()),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}

fn fail(msg: String) -> ExitCode {
    eprintln!("tandem: {msg}");
    ExitCode::FAILURE
}

fn init_tracing(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .try_init();
}

/// `tandem jobs`: a table of recent jobs for operators.
async fn jobs_command(
    cfg: &Config,
    status: Option<String>,
    limit: u64,
    retry: Option<uuid::Uuid>,
) -> Result<(), String> {
    use tandem_db::jobs;
    if let Some(s) = status.as_deref()
        && ![jobs::QUEUED, jobs::RUNNING, jobs::DONE, jobs::FAILED].contains(&s)
    {
        return Err(format!(
            "--status must be queued, running, done or failed (got {s:?})"
        ));
    }
    let db = open_db(cfg).await?;
    tandem_db::migrate(&db)
        .await
        .map_err(|e| format!("migration failed: {e}"))?;
    if let Some(id) = retry {
        return match jobs::retry(&db, id).await.map_err(|e| e.to_string())? {
            true => {
                eprintln!("job {id} queued again");
                Ok(())
            }
            false => Err(format!("no failed job {id}")),
        };
    }
    let rows = jobs::recent(&db, status.as_deref(), limit.clamp(1, 10_000))
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "{:<36}  {:<12}  {:<8}  {:>8}  {:<20}  {:<20}  error",
        "id", "kind", "status", "attempts", "run at (UTC)", "updated (UTC)"
    );
    for j in rows {
        let error: String = j
            .last_error
            .as_deref()
            .unwrap_or("")
            .chars()
            .take(80)
            .collect();
        let attempts = format!("{}/{}", j.attempts, j.max_attempts);
        println!(
            "{:<36}  {:<12}  {:<8}  {:>8}  {:<20}  {:<20}  {}",
            j.id,
            j.kind,
            j.status,
            attempts,
            j.run_at.format("%Y-%m-%d %H:%M:%S"),
            j.updated_at.format("%Y-%m-%d %H:%M:%S"),
            error.replace('\n', " ")
        );
    }
    Ok(())
}

async fn open_db(cfg: &Config) -> Result<tandem_db::DatabaseConnection, String> {
    std::fs::create_dir_all(&cfg.data_dir)
        .map_err(|e| format!("cannot create data dir {}: {e}", cfg.data_dir.display()))?;
    let url = cfg.database_url();
    tandem_db::connect(&url)
        .await
        .map_err(|e| format!("cannot open database {}: {e}", redact_url(&url)))
}

/// The JWT secret: configured, or generated once and kept in the data dir (0600).
fn jwt_secret(cfg: &Config) -> Result<Vec<u8>, String> {
    if let Some(s) = &cfg.jwt_secret {
        return Ok(s.as_bytes().to_vec());
    }
    let path = cfg.data_dir.join("jwt_secret");
    if let Ok(s) = std::fs::read_to_string(&path) {
        let s = s.trim();
        if s.len() >= 32 {
            return Ok(s.as_bytes().to_vec());
        }
    }
    let secret = tandem_api::security::random_token(48);
    write_private(&path, &secret).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(secret.into_bytes())
}

fn write_private(path: &std::path::Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(content.as_bytes())?;
    f.sync_all()
}

async fn serve(cfg: Config) -> Result<(), String> {
    let db = open_db(&cfg).await?;
    tandem_db::migrate(&db)
        .await
        .map_err(|e| format!("migration failed: {e}"))?;
    let secret = jwt_secret(&cfg)?;
    match tandem_db::idempotency::purge_expired(&db).await {
        Ok(n) if n > 0 => tracing::info!(purged = n, "expired idempotency keys removed"),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "could not purge idempotency keys"),
    }
    ensure_admin(&db, &cfg).await?;
    let mut api = ApiConfig::with_secret(secret);
    api.web_dir = Some(cfg.web_dir.clone());
    api.files_dir = cfg.data_dir.join("files");
    api.storage_url = cfg.storage_url.clone();
    api.max_upload_bytes = cfg.max_upload_mb * 1024 * 1024;
    api.read_cache = cfg.read_cache;
    api.trusted_proxies = cfg.trusted_proxies.clone();
    api.proxy_header = cfg.proxy_header;
    api.live = cfg.live.clone();
    let state = AppState::new(db, api).await?;
    // Event delivery and the job workers, stopped when the server stops.
    let _background = tandem_api::background::Background::start(&state).await?;
    let cache = state.cache.clone();
    let listener = std::net::TcpListener::bind(&cfg.bind)
        .map_err(|e| format!("cannot listen on {}: {e}", cfg.bind))?;
    tracing::info!(bind = %cfg.bind, database = %redact_url(&cfg.database_url()), "tandem is listening");
    eprintln!(
        "Tandem is running at http://{}/  (API docs: http://{}/api/docs/)",
        cfg.bind, cfg.bind
    );
    // actix stops accepting on SIGINT/SIGTERM and lets in-flight requests finish.
    actix_web::HttpServer::new(move || tandem_api::build_app(state.clone()))
        .listen(listener)
        .map_err(|e| e.to_string())?
        .shutdown_timeout(30)
        .run()
        .await
        .map_err(|e| e.to_string())?;
    // One line for operators (and the office-load benchmark): how often reads were served
    // from memory.
    if let Some((hits, misses)) = cache.stats() {
        let rate = 100.0 * hits as f64 / (hits + misses).max(1) as f64;
        eprintln!("read cache: {hits} hits, {misses} misses ({rate:.1} % hit rate)");
    }
    Ok(())
}

/// A8: when no active administrator exists, create one from the environment, or print a
/// one-time password for a generated one. There is never a default password.
async fn ensure_admin(db: &tandem_db::DatabaseConnection, cfg: &Config) -> Result<(), String> {
    if accounts::count_active_admins(db)
        .await
        .map_err(|e| e.to_string())?
        > 0
    {
        return Ok(());
    }
    match (&cfg.admin_email, &cfg.admin_password) {
        (Some(email), Some(password)) => {
            let email_norm = tandem_domain::normalize_email(email);
            // By e-mail only: an employee ID can never name the account to promote.
            if let Some(existing) = accounts::find_user_by_email(db, &email_norm)
                .await
                .map_err(|e| e.to_string())?
            {
                // The account exists but is not an active admin: promote and reactivate it
                // with the configured password rather than failing to start.
                if !tandem_domain::password_acceptable(password) {
                    return Err("TANDEM_ADMIN_PASSWORD must be at least 10 characters".into());
                }
                let hash = tandem_api::security::hash_password(password.clone()).await?;
                accounts::update_user(
                    db,
                    existing,
                    accounts::UserChanges {
                        role: Some(SystemRole::Admin),
                        status: Some(UserStatus::Active),
                        password_hash: Some(hash),
                        ..Default::default()
                    },
                )
                .await
                .map_err(|e| e.to_string())?;
                eprintln!("administrator {email_norm} re-activated from TANDEM_ADMIN_EMAIL");
            } else {
                tandem_api::bootstrap::create_admin(
                    db,
                    email,
                    "Administrator",
                    None,
                    password.clone(),
                )
                .await?;
                eprintln!("administrator {email_norm} created from TANDEM_ADMIN_EMAIL");
            }
        }
        _ => {
            let email = "admin@tandem.local";
            let password = tandem_api::security::random_token(12);
            tandem_api::bootstrap::create_admin(db, email, "Administrator", None, password.clone())
                .await?;
            eprintln!(
                "\n  First start: an administrator was created.\n    login:    {email}\n    password: {password}\n  This password is shown once. Change it after logging in, or set\n  TANDEM_ADMIN_EMAIL and TANDEM_ADMIN_PASSWORD before the first start.\n"
            );
        }
    }
    Ok(())
}

/// The commands that talk to an instance over HTTP (no server configuration needed).
fn client_command(command: Option<Command>) -> ExitCode {
    let write = |out: &Option<PathBuf>, text: String| match out {
        Some(path) => match std::fs::write(path, text) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => fail(format!("cannot write {}: {e}", path.display())),
        },
        None => {
            print!("{text}");
            ExitCode::SUCCESS
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return fail(format!("cannot start the runtime: {e}")),
    };
    match command {
        Some(Command::SeedSchema { out }) => write(&out, tandem_cli::schema_json() + "\n"),
        Some(Command::Export { out, files, remote }) => {
            let client = tandem_client::TandemClient::new(remote.url).with_token(remote.token);
            let json = out
                .as_ref()
                .is_some_and(|p| p.extension().is_some_and(|e| e == "json"));
            // Paths in the export are relative to where it is written, as `seed` reads them.
            let files = files.map(|dir| tandem_cli::export::FilesDir {
                dir,
                base: out
                    .as_ref()
                    .and_then(|o| o.parent())
                    .map(PathBuf::from)
                    .unwrap_or_else(|| PathBuf::from(".")),
            });
            match runtime.block_on(tandem_cli::export::export(&client, files.as_ref())) {
                Ok(file) => match tandem_cli::export::render(&file, json) {
                    Ok(text) => write(&out, text),
                    Err(e) => fail(format!("cannot write the export: {e}")),
                },
                Err(e) => fail(format!("export failed: {e}")),
            }
        }
        Some(Command::Seed {
            file,
            remote,
            dry_run,
            prune,
            prune_instance,
            parallel,
            verbose,
        }) => {
            // The whole run is timed, reading and checking the file included.
            let started = std::time::Instant::now();
            let name = file.display().to_string();
            let text = match std::fs::read_to_string(&file) {
                Ok(t) => t,
                Err(e) => return fail(format!("cannot read {name}: {e}")),
            };
            let loaded = match tandem_cli::read(&name, &text) {
                Ok(l) => l,
                Err(problems) => {
                    for p in &problems {
                        eprintln!("{p}");
                    }
                    eprintln!("{} problem(s); nothing was sent", problems.len());
                    return ExitCode::FAILURE;
                }
            };
            let tasks: u64 = loaded
                .file
                .projects
                .iter()
                .map(|p| p.tasks.len() as u64)
                .sum();
            let opts = tandem_cli::Options {
                dry_run,
                prune: prune || prune_instance,
                prune_instance,
                print_passwords: true,
                parallel,
                user_password: std::env::var("TANDEM_USER_PASSWORD")
                    .ok()
                    .filter(|p| !p.is_empty()),
                file_name: name,
            };
            let client = tandem_client::TandemClient::new(remote.url).with_token(remote.token);
            let mut progress = tandem_cli::progress::Progress::new(tasks, "tasks", false);
            match runtime.block_on(tandem_cli::seed(&client, &loaded, &opts, &mut progress)) {
                Ok(summary) => {
                    for w in &summary.warnings {
                        eprintln!("warning: {w}");
                    }
                    if dry_run || verbose {
                        let changes = summary.plan.iter().filter(|l| {
                            verbose || l.action != tandem_cli::seed::PlanAction::Unchanged
                        });
                        for line in changes {
                            println!("{line}");
                        }
                    }
                    print!("{}", tandem_cli::render_summary(&summary, dry_run));
                    println!(
                        "{} in {:.1} s{}",
                        if dry_run { "planned" } else { "seeded" },
                        started.elapsed().as_secs_f64(),
                        if dry_run {
                            " (dry run: nothing written)"
                        } else {
                            ""
                        }
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    progress.finish();
                    fail(e.to_string())
                }
            }
        }
        _ => ExitCode::SUCCESS,
    }
}
