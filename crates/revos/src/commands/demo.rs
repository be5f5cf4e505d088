//! `revos demo`: the whole loop in the sandbox, on a simulated clock, in seconds. It creates
//! a demo workspace (cartridge, sandbox LinkedIn account, lead magnet, campaign watching a
//! sandbox post) in a fresh temporary SQLite database, runs the real workers and cron
//! schedules for the simulated days, and reports the funnel. Nothing leaves the machine.

use crate::cli::DemoArgs;
use crate::config::Settings;
use anyhow::Context;
use chrono::{DateTime, Duration, Utc};
use revos_app::campaigns::Transition;
use revos_app::providers::ProviderSettings;
use revos_app::{App, MasterKey, SimulatedClock, Store};
use revos_domain::TenantId;
use revos_domain::campaign::CampaignSpec;
use serde_json::json;
use std::io::Write;
use std::sync::Arc;
use uuid::Uuid;

/// The demo's figures (`--json` prints them as one object).
#[derive(serde::Serialize)]
struct Report {
    days: u32,
    seed: u64,
    simulated_from: DateTime<Utc>,
    simulated_to: DateTime<Utc>,
    sandbox: bool,
    leads_scraped: u64,
    leads_enriched: u64,
    awaiting_connection: u64,
    dms_sent: u64,
    dms_replied: u64,
    opted_out: u64,
    emails_sequenced: u64,
    cost_usd: f64,
    cost_per_lead_usd: Option<f64>,
}

/// Runs the demo.
pub async fn run(_settings: Settings, args: DemoArgs) -> anyhow::Result<()> {
    let dir = tempfile::tempdir().context("creating the demo's temporary directory")?;
    let store = Store::connect(&revos_store::sqlite_url_in(dir.path())).await?;
    store.migrate().await?;
    // The sending window opens at 08:00 UTC: start there so day one is a whole working day.
    let start = Utc::now()
        .date_naive()
        .and_hms_opt(8, 0, 0)
        .context("08:00 exists")?
        .and_utc();
    let clock = Arc::new(SimulatedClock::new(start));
    let providers = ProviderSettings {
        sandbox_seed: args.seed,
        ..Default::default()
    };
    let app = App::new(
        store,
        MasterKey::generate(),
        clock.clone(),
        Default::default(),
    )
    .with_providers(providers);
    let (tenant, campaign, who) = set_up(&app).await?;

    let runner = revos_workers::runner(&app, revos_jobs::RunnerConfig::default());
    let end = start + Duration::days(i64::from(args.days));
    let bar = (!args.json).then(|| progress_bar(u64::from(args.days) * 24));
    for day in 1..=i64::from(args.days) {
        if let Some(bar) = &bar {
            bar.set_message(format!("day {day} of {}", args.days));
        }
        // Hour by hour, so the bar moves while a day is simulated.
        for hour in 1..=24 {
            let until = start + Duration::days(day - 1) + Duration::hours(hour);
            runner.run_simulated_until(&clock, until.min(end)).await?;
            if let Some(bar) = &bar {
                bar.inc(1);
            }
        }
        // Off a terminal the bar is hidden: one line per simulated day instead.
        if bar.as_ref().is_some_and(indicatif::ProgressBar::is_hidden) {
            let f = app.campaign_funnel(&who, campaign).await?;
            eprintln!(
                "simulated day {day} of {}: {} leads, {} DMs sent, {} replies",
                args.days, f.counts.scraped, f.counts.dm_sent, f.counts.replied
            );
        }
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }

    let funnel = app.campaign_funnel(&who, campaign).await?;
    let report = Report {
        days: args.days,
        seed: args.seed,
        simulated_from: start,
        simulated_to: end,
        sandbox: funnel.sandbox,
        leads_scraped: funnel.counts.scraped,
        leads_enriched: funnel.counts.enriched,
        awaiting_connection: funnel.counts.awaiting_connection,
        dms_sent: funnel.counts.dm_sent,
        dms_replied: funnel.counts.replied,
        opted_out: funnel.counts.opted_out,
        emails_sequenced: funnel.counts.email_sequenced,
        cost_usd: funnel.cost_usd,
        cost_per_lead_usd: funnel.cost_per_lead_usd,
    };
    if let Some(path) = &args.send_log {
        write_send_log(&app, tenant, campaign, path).await?;
    }
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        print_funnel(&report);
    }
    Ok(())
}

/// The demo workspace: its owner, a cartridge, a sandbox account and an active campaign.
async fn set_up(app: &App) -> anyhow::Result<(TenantId, Uuid, revos_app::Principal)> {
    let password = Uuid::new_v4().simple().to_string();
    let session = app
        .signup("demo@revos.invalid", &password, "RevOS demo (sandbox)")
        .await?;
    let who = app.authenticate(&session.token).await?;
    let cartridge = app
        .create_cartridge(
            &who,
            serde_json::from_value(json!({
                "name": "Demo client",
                "persona": {"role": "B2B growth consultant", "expertise": ["outbound", "LinkedIn"],
                            "target_audience": "founders of B2B SaaS companies"},
                "writing_style": {"tone": "casual", "vocabulary_level": 6, "sentence_structure": "short"},
                "industry_knowledge": {"niche": "B2B SaaS growth", "key_topics": ["cold outreach"]}
            }))?,
        )
        .await?;
    let account = app
        .create_sandbox_account(&who, "Demo account (sandbox)")
        .await?;
    let spec: CampaignSpec = serde_json::from_value(json!({
        "name": "Cold Outreach Playbook",
        "cartridge_id": cartridge.id,
        "linkedin_account_id": account.id,
        "lead_magnet": {"title": "The Cold Outreach Playbook", "url": "https://acme.io/cold-outreach-playbook",
                        "description": "Twelve templates that book meetings"},
        "trigger_words": ["GUIDE"],
        "watched_posts": ["sandbox-demo-post"],
        "dm_template": "Hi {{ first_name }}, thanks for your comment! Here is {{ lead_magnet_title }}: {{ lead_magnet_url }}",
        "connect_reply_template": "Thanks {{ first_name }}! Connect with me and I'll send you the guide.",
        "email_fallback": {"provider": "sandbox", "campaign_id": "demo-sequence", "delay_hours": 48}
    }))?;
    let campaign = app.create_campaign(&who, spec).await?;
    app.transition_campaign(&who, campaign.id, Transition::Activate)
        .await?;
    Ok((who.tenant, campaign.id, who))
}

/// A bar over the simulated `hours`, its message naming the day.
fn progress_bar(hours: u64) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(hours);
    bar.set_style(
        indicatif::ProgressStyle::with_template("simulating {bar:30} {msg} ({elapsed})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

fn print_funnel(r: &Report) {
    println!(
        "RevOS demo: {} simulated day(s) in the sandbox (seed {}); nothing reached LinkedIn.",
        r.days, r.seed
    );
    let rows = [
        ("Leads scraped", r.leads_scraped),
        ("Leads enriched", r.leads_enriched),
        ("Awaiting connection", r.awaiting_connection),
        ("DMs sent", r.dms_sent),
        ("DMs replied", r.dms_replied),
        ("Opted out", r.opted_out),
        ("Emails sequenced", r.emails_sequenced),
    ];
    for (label, n) in rows {
        println!("  {label:<20} {n:>6}");
    }
    match r.cost_per_lead_usd {
        Some(per) => println!(
            "  Cost                 ${:.2} (${per:.3} per lead)",
            r.cost_usd
        ),
        None => println!("  Cost                 ${:.2}", r.cost_usd),
    }
}

/// Writes one JSON line per DM the sandbox received.
async fn write_send_log(
    app: &App,
    tenant: TenantId,
    campaign: Uuid,
    path: &std::path::Path,
) -> anyhow::Result<()> {
    let sent = app.sandbox_sent_dms(tenant).await?;
    let mut out = std::io::BufWriter::new(
        std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
    );
    for dm in sent {
        let line = json!({
            "account_id": dm.account_id, "lead_id": dm.lead_id, "campaign_id": campaign,
            "sent_at": dm.sent_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        });
        writeln!(out, "{line}")?;
    }
    out.flush()?;
    Ok(())
}
