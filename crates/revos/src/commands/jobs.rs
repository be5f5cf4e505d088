//! `revos admin jobs ...`: the queue across all workspaces.

use crate::cli::JobsCommand;
use crate::config::{ConfigError, Settings};
use revos_app::jobs::{JobAccess, JobView};
use revos_domain::PageRequest;
use uuid::Uuid;

/// Runs one `admin jobs` subcommand.
pub async fn run(settings: Settings, cmd: JobsCommand) -> anyhow::Result<()> {
    let app = super::open_app(&settings).await?;
    let result = match cmd {
        JobsCommand::List(a) => {
            if !(1..=PageRequest::MAX_LIMIT).contains(&a.limit) {
                return Err(ConfigError {
                    key: "--limit".into(),
                    message: "must be from 1 to 200".into(),
                }
                .into());
            }
            let page = PageRequest {
                limit: a.limit,
                after: None,
            };
            let jobs = app
                .list_jobs(
                    JobAccess::Operator,
                    a.state.as_deref(),
                    a.kind.as_deref(),
                    page,
                )
                .await?;
            if a.json {
                println!("{}", serde_json::to_string(&jobs.items)?);
            } else if jobs.items.is_empty() {
                println!("no jobs");
            } else {
                for j in &jobs.items {
                    println!("{}", line(j));
                }
            }
            Ok(())
        }
        JobsCommand::Stats(f) => {
            let stats = app.job_stats(JobAccess::Operator).await?;
            if f.json {
                println!("{}", serde_json::to_string(&stats)?);
            } else {
                for (state, n) in &stats.counts {
                    println!("{state:>10}  {n}");
                }
                match stats.oldest_due_age_seconds {
                    Some(s) => println!("oldest due job waiting {s} s"),
                    None => println!("nothing waiting"),
                }
            }
            Ok(())
        }
        JobsCommand::Retry(a) => {
            let job = app.retry_job(JobAccess::Operator, parse_id(&a.id)?).await?;
            print_job(&job, a.json)
        }
        JobsCommand::Cancel(a) => {
            let job = app
                .cancel_job(JobAccess::Operator, parse_id(&a.id)?)
                .await?;
            print_job(&job, a.json)
        }
    };
    app.close().await;
    result
}

fn parse_id(raw: &str) -> anyhow::Result<Uuid> {
    Uuid::parse_str(raw.trim()).map_err(|_| {
        ConfigError {
            key: "ID".into(),
            message: format!("{raw:?} is not a job id (a UUID)"),
        }
        .into()
    })
}

fn line(j: &JobView) -> String {
    let error = j
        .last_error
        .as_deref()
        .map(|e| format!("  {e}"))
        .unwrap_or_default();
    format!(
        "{}  {:<9}  {:<28}  attempt {}/{}  due {}{error}",
        j.id,
        j.state,
        j.kind,
        j.attempts,
        j.max_attempts,
        j.run_at.format("%Y-%m-%d %H:%M:%S")
    )
}

fn print_job(job: &JobView, json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string(job)?);
    } else {
        println!("{}", line(job));
    }
    Ok(())
}
