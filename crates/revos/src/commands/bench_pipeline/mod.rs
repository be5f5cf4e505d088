//! `revos bench pipeline`: RevOS at agency scale, measured end to end. Seeds a workspace of
//! the configured size through the store's own functions, starts the in-process fake Unipile
//! with the watched posts, the web server on a loopback port and the real workers (in this
//! process or as `revos worker` processes), lets them run for `--duration` while new comments
//! arrive, and reports poll lateness, jobs and DMs per second, CPU and memory, page and API
//! latencies at each client level, the full CSV export, and the send log check.

mod database;
mod load;
mod report;
mod scale_out;
mod seed;
mod seed_leads;
mod watch;
mod world;

use crate::cli::BenchPipelineArgs;
use crate::config::{ConfigError, Settings};
use anyhow::Context;
use chrono::Utc;
use report::{Report, Resources, Seeded};
use revos_app::providers::ProviderSettings;
use revos_app::{App, MasterKey, Store, SystemClock};
use revos_domain::job_state::JobState;
use revos_store::jobs::JobScope;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// The size of the seeded workspace.
#[derive(Clone, Copy, Debug)]
pub struct Sizes {
    /// Leads.
    pub leads: u64,
    /// Campaigns.
    pub campaigns: u64,
    /// Watched posts.
    pub posts: u64,
    /// LinkedIn accounts.
    pub accounts: u64,
}

/// The fake Unipile's API key.
const UNIPILE_KEY: &str = "bench-unipile-key";

/// How often the monitor polls each post (the cron's period).
const POLL_PERIOD_S: f64 = 30.0;

/// The master key of bench databases: fixed, so that a kept database opens again (its
/// workspace's data key is encrypted under it). Bench data only, never a real workspace.
const BENCH_MASTER_KEY: &str = "cmV2b3MtYmVuY2gtcGlwZWxpbmUtc2NyYXRjaC1rZXk=";

fn bad(key: &str, message: &str) -> anyhow::Error {
    ConfigError {
        key: key.into(),
        message: message.into(),
    }
    .into()
}

fn check(args: &BenchPipelineArgs) -> anyhow::Result<Sizes> {
    if !matches!(args.backend.as_str(), "sqlite" | "postgres") {
        return Err(bad("--backend", "must be sqlite or postgres"));
    }
    if args.leads == 0 || args.campaigns == 0 || args.accounts == 0 {
        return Err(bad("--leads/--campaigns/--accounts", "must be at least 1"));
    }
    if args.posts < args.campaigns {
        return Err(bad(
            "--posts",
            "must be at least --campaigns (a post per campaign)",
        ));
    }
    if args.workers > 0 && args.backend != "postgres" {
        return Err(bad("--workers", "worker processes need --backend postgres"));
    }
    if args.workers > 64 {
        return Err(bad("--workers", "must be at most 64"));
    }
    if args.duration == 0 || args.duration > 3600 {
        return Err(bad("--duration", "must be 1 to 3600 seconds"));
    }
    if args.clients.is_empty() || args.clients.iter().any(|c| *c == 0 || *c > 256) {
        return Err(bad("--clients", "must be numbers from 1 to 256, e.g. 1,8"));
    }
    if args.requests == 0 || args.seeders == 0 || args.seeders > 64 {
        return Err(bad(
            "--requests/--seeders",
            "must be at least 1 (seeders at most 64)",
        ));
    }
    Ok(Sizes {
        leads: args.leads,
        campaigns: args.campaigns,
        posts: args.posts,
        accounts: args.accounts,
    })
}

/// Runs the bench and prints its figures.
pub async fn run(settings: Settings, args: BenchPipelineArgs) -> anyhow::Result<()> {
    let sizes = check(&args)?;
    let scratch = database::open(&settings, &args.backend, &sizes, args.keep).await?;
    let result = measure(&settings, &args, sizes, &scratch).await;
    let finished = scratch.finish().await;
    let report = result?;
    finished?;
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        report.print();
    }
    Ok(())
}

async fn measure(
    settings: &Settings,
    args: &BenchPipelineArgs,
    sizes: Sizes,
    scratch: &database::Scratch,
) -> anyhow::Result<Report> {
    let store = Store::connect(&scratch.url).await?;
    store.migrate().await?;
    let fake = world::start(&sizes).await;
    let key = MasterKey::parse(BENCH_MASTER_KEY).map_err(|_| anyhow::anyhow!("bench key"))?;
    let providers = ProviderSettings {
        unipile_url: Some(fake.base_url.clone()),
        unipile_key: Some(UNIPILE_KEY.to_owned().into()),
        ..Default::default()
    };
    let app = App::new(
        store.clone(),
        key,
        Arc::new(SystemClock),
        Default::default(),
    )
    .with_providers(providers);

    let seed = seed_all(&app, &store, &sizes, args, scratch).await?;
    if !seed.reused {
        scratch
            .analyze()
            .await
            .context("analyzing the seeded database")?;
    }

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let (web_stop, web_stopped) = tokio::sync::oneshot::channel::<()>();
    let state = revos_web::AppState::for_agents(revos_agents::Agents::new(app.clone()));
    let web = tokio::spawn(revos_web::serve(listener, state, async move {
        let _ = web_stopped.await;
    }));
    let client = load::Client::login(&base).await?;

    // The workers: in this process, or worker processes against the same database.
    let (runner_stop, runner_stopped) = tokio::sync::oneshot::channel::<()>();
    let data_dir = tempfile::tempdir()?;
    let (runner, children) = if args.workers == 0 {
        let runner = revos_workers::runner(&app, settings.runner_config());
        let handle = tokio::spawn(runner.run(async move {
            let _ = runner_stopped.await;
        }));
        (Some(handle), None)
    } else {
        let env = scale_out::WorkerEnv {
            database_url: &scratch.url,
            unipile_url: &fake.base_url,
            unipile_key: UNIPILE_KEY,
            master_key: BENCH_MASTER_KEY,
            data_dir: data_dir.path(),
        };
        (None, Some(scale_out::Workers::start(args.workers, &env)?))
    };
    let per_second = (sizes.campaigns / 10).max(1);
    let stream = world::comments(Arc::clone(&fake.state), sizes, per_second);

    // The measured window.
    let from = Utc::now();
    let cpu0 = scale_out::cpu_seconds("self").unwrap_or(0.0);
    let child_cpu0 = children.as_ref().map_or(0.0, |c| c.cpu_seconds());
    let jobs0 = finished_jobs(&store).await?;
    if !args.json {
        eprintln!("running the workers for {} s", args.duration);
    }
    tokio::time::sleep(Duration::from_secs(args.duration)).await;
    let to = Utc::now();
    let jobs1 = finished_jobs(&store).await?;
    let cpu = scale_out::cpu_seconds("self").unwrap_or(0.0) - cpu0;
    let child_cpu = children.as_ref().map_or(0.0, |c| c.cpu_seconds()) - child_cpu0;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let window_s = (to - from).num_milliseconds() as f64 / 1000.0;
    let resources = Resources {
        cpu_seconds: load::round1(cpu),
        cpu_percent_of_machine: load::round1(100.0 * cpu / window_s / cores as f64),
        peak_rss_mib: load::round1(scale_out::status_mib("self", "VmHWM:").unwrap_or(0.0)),
        workers_cpu_seconds: load::round1(child_cpu),
        workers_peak_rss_mib: load::round1(children.as_ref().map_or(0.0, |c| c.peak_rss_mib())),
        cores,
    };
    let arrivals = fake.state.arrivals();
    let polls = watch::polls(&arrivals, from, to, POLL_PERIOD_S, sizes.posts);

    // Pages and API calls while the workers keep running.
    if !args.json {
        eprintln!("measuring pages at {:?} clients", args.clients);
    }
    let latency = load::measure(&client, &args.clients, args.requests).await?;

    let comments_added = stream.stop().await;
    if let Some(handle) = runner {
        let _ = runner_stop.send(());
        handle.await??;
    }
    if let Some(children) = children {
        children.stop().await?;
    }
    let sends = watch::sends(
        &fake.state,
        &fake.state.arrivals(),
        from,
        to,
        world::Pacing::BENCH,
    );
    if !args.json {
        eprintln!("reading the full CSV export");
    }
    let export = load::full_export(&client).await?;
    let _ = web_stop.send(());
    web.await??;
    store.close().await;

    let jobs_finished = jobs1 - jobs0;
    Ok(Report {
        backend: args.backend.clone(),
        workers: args.workers,
        duration_s: args.duration,
        leads: sizes.leads,
        campaigns: sizes.campaigns,
        posts: sizes.posts,
        accounts: sizes.accounts,
        seed,
        comments_added,
        polls,
        jobs_finished,
        jobs_per_second: load::round1(jobs_finished as f64 / window_s),
        sends,
        resources,
        latency,
        export,
    })
}

/// Seeds the workspace (or signs in to a kept one), with a progress bar over the leads.
async fn seed_all(
    app: &App,
    store: &Store,
    sizes: &Sizes,
    args: &BenchPipelineArgs,
    scratch: &database::Scratch,
) -> anyhow::Result<Seeded> {
    let reuse = scratch.existed;
    let who = seed::owner(app, !reuse).await?;
    let counts = Arc::new(seed_leads::Counts::default());
    let (mut workspace_seconds, mut seconds) = (0.0, 0.0);
    if !reuse {
        let started = Instant::now();
        if !args.json {
            eprintln!(
                "seeding {} accounts and {} campaigns watching {} posts",
                sizes.accounts, sizes.campaigns, sizes.posts
            );
        }
        let campaigns = seed::workspace(app, store, &who, sizes, args.seeders).await?;
        workspace_seconds = started.elapsed().as_secs_f64();
        let started = Instant::now();
        let bar = indicatif::ProgressBar::new(sizes.leads);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "seeding leads {bar:30} {pos}/{len} ({per_sec}, {eta} left)",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        let ticker = tokio::spawn({
            let (bar, counts) = (bar.clone(), Arc::clone(&counts));
            async move {
                loop {
                    bar.set_position(counts.leads.load(Ordering::Relaxed));
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        });
        let seeded = seed_leads::seed(
            store,
            who.tenant,
            Arc::new(campaigns),
            sizes.leads,
            args.seeders,
            Arc::clone(&counts),
        )
        .await
        .context("seeding the leads");
        ticker.abort();
        bar.finish_and_clear();
        seeded?;
        scratch
            .analyze()
            .await
            .context("analyzing the bulk-loaded tables")?;
        seed_leads::rebuild(store, who.tenant)
            .await
            .context("rebuilding the rollups")?;
        seconds = started.elapsed().as_secs_f64();
    }
    let leads = counts.leads.load(Ordering::Relaxed);
    Ok(Seeded {
        reused: reuse,
        leads,
        campaign_leads: counts.campaign_leads.load(Ordering::Relaxed),
        events: counts.events.load(Ordering::Relaxed),
        messages: counts.messages.load(Ordering::Relaxed),
        workspace_seconds: load::round1(workspace_seconds),
        seconds: load::round1(seconds),
        leads_per_second: load::round1(leads as f64 / seconds.max(0.001)),
    })
}

/// Jobs that finished (succeeded or dead) so far, across the instance.
async fn finished_jobs(store: &Store) -> anyhow::Result<i64> {
    let mut tx = store.begin_system().await?;
    let counts = revos_store::jobs::counts(&mut tx, JobScope::All).await?;
    tx.commit().await?;
    let done = [JobState::Succeeded.as_str(), JobState::Dead.as_str()];
    Ok(counts
        .iter()
        .filter(|(state, _)| done.contains(&state.as_str()))
        .map(|(_, n)| n)
        .sum())
}
