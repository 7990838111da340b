//! `tandem-bench`: load tools for a running `tandem serve`, over HTTP and the WebSocket only
//! (issue 11; run by `scripts/bench.sh`).
//!
//! - `ws`: live-event fan-out latency to N sockets (optionally through a second instance on
//!   the same PostgreSQL database, `--relay-url`) and the server's memory per idle socket;
//! - `office`: a mixed load of reads and writes by simulated people, latency per kind;
//! - `docs`: remote update latency among co-editors of one document, memory per open document;
//! - `files`: upload and download of a large file against `cp`, and the server's memory.
//!
//! Prints readable lines, then one line `RESULT {json}` with every figure.

mod api;
mod library;
mod office;
mod ws;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "tandem-bench",
    about = "Load tools for a running tandem server"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args)]
struct Server {
    /// The server's base URL (writes and setup go here).
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// An administrator's e-mail (creates the benchmark's users and projects).
    #[arg(long, env = "TANDEM_ADMIN_EMAIL")]
    admin_email: String,
    #[arg(long, env = "TANDEM_ADMIN_PASSWORD", hide_env_values = true)]
    admin_password: String,
}

#[derive(Subcommand)]
enum Command {
    /// Fan-out latency of `task.updated` to N WebSocket clients, and memory per socket.
    Ws {
        #[command(flatten)]
        server: Server,
        /// WebSocket clients (members of one project; 30 per user).
        #[arg(long, default_value_t = 2000)]
        clients: usize,
        /// Clients connect here instead (a second instance on the same database): the
        /// events reach them through the database.
        #[arg(long)]
        relay_url: Option<String>,
        /// How many times the task is changed.
        #[arg(long, default_value_t = 20)]
        updates: usize,
        /// Sockets opened at once.
        #[arg(long, default_value_t = 200)]
        batch: usize,
        /// How long to wait for every client to receive one change, in seconds.
        #[arg(long, default_value_t = 10)]
        timeout_secs: u64,
        /// The server's process id, for its resident memory per socket.
        #[arg(long)]
        server_pid: Option<u32>,
        /// The relay instance's process id (it holds the sockets with --relay-url).
        #[arg(long)]
        relay_pid: Option<u32>,
    },
    /// A mixed office load: each user makes a request every 2–5 s, 9 in 10 reads.
    Office {
        #[command(flatten)]
        server: Server,
        #[arg(long, default_value_t = 500)]
        users: usize,
        #[arg(long, default_value_t = 60)]
        seconds: u64,
        #[arg(long, default_value_t = 5)]
        projects: usize,
        /// Tasks per project.
        #[arg(long, default_value_t = 200)]
        tasks: usize,
    },
    /// Editors typing into one co-edited document: time for an edit to reach the others.
    Docs {
        #[command(flatten)]
        server: Server,
        #[arg(long, default_value_t = 20)]
        editors: usize,
        /// Edits per editor.
        #[arg(long, default_value_t = 50)]
        edits: usize,
        /// Between one editor's edits, in milliseconds.
        #[arg(long, default_value_t = 200)]
        interval_ms: u64,
        /// Documents then opened (one editor each) to measure memory per open document.
        #[arg(long, default_value_t = 100)]
        open_docs: usize,
        #[arg(long)]
        server_pid: Option<u32>,
    },
    /// Upload and download of a large file, against `cp` on the same disk.
    Files {
        #[command(flatten)]
        server: Server,
        #[arg(long, default_value_t = 200)]
        mib: usize,
        /// Where the test file is written (the server's disk).
        #[arg(long)]
        dir: std::path::PathBuf,
        #[arg(long)]
        server_pid: Option<u32>,
    },
}

#[tokio::main]
async fn main() -> Result<(), api::Error> {
    let result = match Cli::parse().command {
        Command::Ws {
            server,
            clients,
            relay_url,
            updates,
            batch,
            timeout_secs,
            server_pid,
            relay_pid,
        } => {
            ws::run(ws::Args {
                url: server.url,
                relay_url,
                admin_email: server.admin_email,
                admin_password: server.admin_password,
                clients,
                updates,
                batch: batch.max(1),
                timeout: std::time::Duration::from_secs(timeout_secs.max(1)),
                server_pid,
                relay_pid,
            })
            .await?
        }
        Command::Office {
            server,
            users,
            seconds,
            projects,
            tasks,
        } => {
            office::run(office::Args {
                url: server.url,
                admin_email: server.admin_email,
                admin_password: server.admin_password,
                users,
                seconds,
                projects,
                tasks,
            })
            .await?
        }
        Command::Docs {
            server,
            editors,
            edits,
            interval_ms,
            open_docs,
            server_pid,
        } => {
            library::docs(library::DocsArgs {
                url: server.url,
                admin_email: server.admin_email,
                admin_password: server.admin_password,
                editors: editors.max(2),
                edits: edits.max(1),
                interval: std::time::Duration::from_millis(interval_ms),
                open_docs,
                server_pid,
            })
            .await?
        }
        Command::Files {
            server,
            mib,
            dir,
            server_pid,
        } => {
            library::files(library::FilesArgs {
                url: server.url,
                admin_email: server.admin_email,
                admin_password: server.admin_password,
                mib: mib.max(1),
                dir,
                server_pid,
            })
            .await?
        }
    };
    println!("RESULT {result}");
    Ok(())
}
