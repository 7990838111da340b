//! What runs beside the HTTP server in `tandem serve`: event delivery (a poll once a second,
//! and on PostgreSQL `LISTEN tandem_events` so another instance's commit is delivered here at
//! once; `LISTEN tandem_docs` likewise for co-edited documents' updates) and the job workers. Dropping [`Background`] stops it all (tests start and stop many
//! servers in one process).

use std::time::Duration;

use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::state::AppState;

/// Job workers per instance: a slow mail never holds up the due scan.
const WORKERS: usize = 2;
/// The safety net under `LISTEN` (a notification lost while reconnecting), and SQLite's only
/// way to hear of commits made by another process (`tandem seed` writes over HTTP, so in
/// practice there are none).
const POLL: Duration = Duration::from_secs(1);

pub struct Background {
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for Background {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

impl Background {
    /// Starts delivery and, unless turned off, the job workers.
    pub async fn start(state: &AppState) -> Result<Self, String> {
        let mut tasks = Vec::new();
        let poll = state.clone();
        tasks.push(tokio::spawn(async move {
            loop {
                tokio::time::sleep(POLL).await;
                poll.deliver().await;
            }
        }));
        if !tandem_db::is_sqlite(&state.db) {
            let listen = state.clone();
            tasks.push(tokio::spawn(async move { listen_loop(listen).await }));
        }
        if state.config.live.workers {
            if tandem_db::is_sqlite(&state.db) {
                // One instance per SQLite file: what a previous run left running died with it.
                let n = tandem_db::jobs::release_all(&state.db)
                    .await
                    .map_err(|e| format!("cannot read the job queue: {e}"))?;
                if n > 0 {
                    tracing::info!(jobs = n, "jobs interrupted by the last shutdown run again");
                }
            }
            crate::jobs::ensure_recurring(state)
                .await
                .map_err(|e| format!("cannot schedule recurring jobs: {e}"))?;
            // Unique per process, readable in `tandem jobs`.
            let instance = format!(
                "{}-{}",
                std::process::id(),
                &Uuid::now_v7().simple().to_string()[24..]
            );
            for n in 0..WORKERS {
                let worker = state.clone();
                let name = format!("{instance}/{n}");
                tasks.push(tokio::spawn(crate::jobs::work(worker, name)));
            }
        }
        Ok(Self { tasks })
    }
}

/// Hears other instances' commits (PostgreSQL), reconnecting when the connection drops.
async fn listen_loop(state: AppState) {
    use tandem_db::sea_orm_sqlx::postgres::PgListener;
    loop {
        let pool = state.db.get_postgres_connection_pool().clone();
        match PgListener::connect_with(&pool).await {
            Ok(mut listener) => {
                if let Err(e) = listener
                    .listen_all([tandem_db::events::CHANNEL, tandem_db::docs::CHANNEL])
                    .await
                {
                    tracing::warn!(error = %e, "cannot LISTEN for events");
                } else {
                    // Whatever was committed while not listening.
                    state.deliver().await;
                    state.rooms.poke_all();
                    loop {
                        match listener.recv().await {
                            Ok(n) if n.channel() == tandem_db::docs::CHANNEL => {
                                // A room's own writes come back too; it has them already.
                                if let Some((doc, origin)) =
                                    tandem_db::docs::parse_notification(n.payload())
                                    && origin != state.rooms.instance
                                {
                                    state.rooms.poke(doc);
                                }
                            }
                            Ok(_) => state.deliver().await,
                            Err(e) => {
                                tracing::warn!(error = %e, "event listener lost its connection");
                                break;
                            }
                        }
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot connect the event listener"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
