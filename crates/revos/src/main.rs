//! The `revos` binary: parses the command line and configuration, then hands over to a
//! command. Exit codes: 0 success, 1 failure, 2 bad usage or configuration.

mod cli;
mod commands;
mod config;
mod master_key;
mod telemetry;

use cli::{AdminCommand, BenchCommand, Cli, Command};
use config::ConfigError;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse_with_environment_help();
    let listen = match &cli.command {
        Command::Serve(args) => args.listen.as_deref(),
        _ => None,
    };
    let mut settings = match config::resolve(&cli.global, listen, &config::revos_env()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    // The demo prints its funnel and the pipeline bench its figures; their workers' and web
    // server's progress is noise unless a filter is asked for.
    if matches!(
        cli.command,
        Command::Demo(_) | Command::Bench(BenchCommand::Pipeline(_))
    ) && cli.global.log.is_none()
        && std::env::var_os("REVOS_LOG").is_none()
    {
        settings.log_filter = "warn".into();
    }
    telemetry::init(&settings);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve(_) => commands::serve::run(settings).await,
            Command::Worker => commands::worker::run(settings).await,
            Command::Migrate(f) => commands::migrate::run(settings, f.json).await,
            Command::Admin(AdminCommand::RotateMasterKey(args)) => {
                commands::admin::rotate_master_key(settings, args).await
            }
            Command::Admin(AdminCommand::Tenants(f)) => {
                commands::admin::tenants(settings, f.json).await
            }
            Command::Admin(AdminCommand::Jobs(cmd)) => commands::jobs::run(settings, cmd).await,
            Command::Admin(AdminCommand::Workspace(cmd)) => {
                commands::workspace::run(settings, cmd).await
            }
            Command::Admin(AdminCommand::Backup(args)) => {
                commands::backup::run(settings, args).await
            }
            Command::Admin(AdminCommand::Restore(args)) => {
                commands::restore::run(settings, args).await
            }
            Command::Bench(BenchCommand::Queue(args)) => {
                commands::bench::queue(settings, args).await
            }
            Command::Bench(BenchCommand::Pipeline(args)) => {
                commands::bench_pipeline::run(settings, args).await
            }
            Command::Demo(args) => commands::demo::run(settings, args).await,
            Command::Cartridge(cmd) => commands::cartridge::run(settings, cmd).await,
            Command::Mcp(args) => commands::mcp::run(settings, args).await,
        }
    });
    // Tasks cut off at the end of a grace period may still be unwinding, and a blocking
    // task (a password hash) cannot be interrupted: give them a moment, not forever.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e)
            if e.downcast_ref::<ConfigError>().is_some()
                || e.downcast_ref::<commands::cartridge::UsageError>()
                    .is_some() =>
        {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("error: {}", format!("{e:#}").replace('\n', " "));
            ExitCode::FAILURE
        }
    }
}
