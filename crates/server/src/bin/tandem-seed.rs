//! Seeds a database for `just bench`: an administrator, a department, a project with members and
//! N tasks, written through the db layer in batches (over HTTP it would take minutes). Prints the
//! ids the benchmark needs as JSON.

use std::process::ExitCode;

use clap::Parser;
use tandem_db::{accounts, projects, tasks};
use tandem_dto::Priority;

#[derive(Parser)]
#[command(about = "Seed a database with a project of many tasks (for benchmarks)")]
struct Args {
    /// Database URL (`sqlite://…?mode=rwc` or `postgres://…`).
    #[arg(long)]
    database_url: String,
    /// How many tasks.
    #[arg(long, default_value_t = 100_000)]
    tasks: usize,
    #[arg(long, default_value = "bench@example.com")]
    email: String,
    #[arg(long, default_value = "bench-password-1")]
    password: String,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("tandem-seed: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(seed(args)) {
        Ok(out) => {
            println!("{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("tandem-seed: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn seed(args: Args) -> Result<serde_json::Value, String> {
    let db = tandem_db::connect(&args.database_url)
        .await
        .map_err(|e| e.to_string())?;
    tandem_db::migrate(&db).await.map_err(|e| e.to_string())?;
    let admin =
        tandem_api::bootstrap::create_admin(&db, &args.email, "Bench", None, args.password).await?;
    let dept = accounts::insert_department(&db, "研发部".into(), None, None)
        .await
        .map_err(|e| e.to_string())?;
    let start = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).ok_or("date")?;
    let project = projects::create_project(
        &db,
        projects::NewProject {
            name: "压测项目".into(),
            goal: String::new(),
            department_ids: vec![dept.id],
            start_date: start,
            end_date: start + chrono::Duration::days(365),
            time_zone: "Asia/Shanghai".into(),
            created_by: admin.id,
            milestones: Vec::new(),
            external_key: None,
        },
    )
    .await
    .map_err(|e| e.to_string())?;
    let priorities = [Priority::High, Priority::Medium, Priority::Low];
    let batch: Vec<tasks::NewTask> = (0..args.tasks)
        .map(|n| tasks::NewTask {
            project_id: project.id,
            title: format!("任务 {n} 需求调研与原型设计"),
            description: format!("第 {n} 个任务的说明"),
            description_html: format!("<p>第 {n} 个任务的说明</p>"),
            assignee_id: Some(admin.id),
            priority: priorities[n % 3],
            start_date: None,
            due_date: Some(start + chrono::Duration::days((n % 365) as i64)),
            milestone_id: None,
            parent_id: None,
            estimate_hours: None,
            created_by: admin.id,
        })
        .collect();
    tasks::insert_bulk(&db, batch)
        .await
        .map_err(|e| e.to_string())?;
    let (page, _) = tasks::list_tasks(
        &db,
        tasks::TaskFilter {
            project_id: Some(project.id),
            limit: 1,
            ..Default::default()
        },
    )
    .await
    .map_err(|e| e.to_string())?;
    let task = page.first().ok_or("no task")?;
    Ok(serde_json::json!({ "project_id": project.id, "task_id": task.id }))
}
