//! The command line: `revos serve | worker | migrate | admin`.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// RevOS: a self-hostable, multi-tenant LinkedIn growth engine.
///
/// Configuration comes from built-in defaults, then an optional revos.toml, then REVOS_*
/// environment variables, then flags; later sources win.
#[derive(Debug, Parser)]
#[command(
    name = "revos",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// Parses the command line (exiting on bad usage or `--help`), with `serve --help`
    /// listing the environment variables of the settings table.
    pub fn parse_with_environment_help() -> Self {
        use clap::{CommandFactory, FromArgMatches};
        let command = Self::command().mut_subcommand("serve", |serve| {
            serve.after_long_help(crate::config::environment_help())
        });
        Self::from_arg_matches(&command.get_matches()).unwrap_or_else(|e| e.exit())
    }
}

/// Settings every command shares.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Configuration file [env: REVOS_CONFIG] [default: ./revos.toml, if present]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Directory for the SQLite database and the generated master key
    /// [env: REVOS_DATA_DIR] [default: ./revos-data]
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Database: postgres://user@host/db, or sqlite://FILE
    /// [env: REVOS_DATABASE_URL] [default: SQLite file revos.db in the data directory]
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,
    /// Log format: text or json [env: REVOS_LOG_FORMAT] [default: text]
    #[arg(long, global = true, value_name = "FORMAT")]
    pub log_format: Option<String>,
    /// Log filter, e.g. info or revos=debug,sqlx=warn [env: REVOS_LOG] [default: info]
    #[arg(long, global = true, value_name = "FILTER")]
    pub log: Option<String>,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP API and the background workers in one process (the default way to run).
    ///
    /// The master key that encrypts provider credentials is read from REVOS_MASTER_KEY
    /// (or master_key in revos.toml); without one, the first run generates
    /// <data dir>/master.key (mode 0600) and says so once.
    Serve(ServeArgs),
    /// Run only the background workers (scale-out: many processes against one PostgreSQL).
    Worker,
    /// Apply pending database migrations, then exit.
    Migrate(JsonFlag),
    /// Administrative tasks.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Measure RevOS on this machine.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Run the whole loop in the sandbox on a simulated clock and print the funnel.
    ///
    /// Creates a demo workspace, cartridge, lead magnet and campaign in a fresh temporary
    /// database (your data is not touched), then runs the real workers through the simulated
    /// days: comments arrive, commenters become leads, are enriched, DMed within pacing,
    /// some reply, the rest are handed to the email sequence 48 h later. Nothing leaves the
    /// machine.
    Demo(DemoArgs),
    /// Import and export cartridges (client voices) as YAML or JSON files.
    ///
    /// Works on the configured database directly, in the workspace named by --workspace (its
    /// id, name or slug; optional when there is only one), as that workspace's first owner,
    /// who is recorded as the changer in the cartridge's history.
    #[command(subcommand)]
    Cartridge(CartridgeCommand),
    /// Serve RevOS's tools to an MCP client (Claude Desktop, an IDE, an agent) over stdio.
    ///
    /// Acts as the workspace and role of an API key (the same keys as the HTTP API). Standard
    /// output carries only the protocol; logs go to standard error. Example client
    /// configuration: {"command": "revos", "args": ["mcp"], "env": {"REVOS_API_KEY": "rk_..."}}
    Mcp(McpArgs),
}

/// `revos cartridge ...`
#[derive(Debug, Subcommand)]
pub enum CartridgeCommand {
    /// Create a cartridge from a YAML or JSON file (or replace one with --replace).
    ///
    /// The format comes from the file's extension (.yaml, .yml, .json), else from its text.
    /// Field names are the API's. Problems name the line (syntax) or the field (types and
    /// rules) and exit with code 2.
    Import(CartridgeImportArgs),
    /// Write a cartridge's fields as YAML (default) or JSON, to stdout or --output.
    Export(CartridgeExportArgs),
}

/// Flags of `cartridge import`.
#[derive(Debug, Args)]
pub struct CartridgeImportArgs {
    /// The YAML or JSON file.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The workspace: its id, name or slug (optional when there is only one).
    #[arg(long, value_name = "SLUG")]
    pub workspace: Option<String>,
    /// Replace this cartridge (a new version) instead of creating one.
    #[arg(long, value_name = "ID")]
    pub replace: Option<String>,
    /// Print the imported cartridge as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Flags of `cartridge export`.
#[derive(Debug, Args)]
pub struct CartridgeExportArgs {
    /// The cartridge's id.
    #[arg(value_name = "ID")]
    pub id: String,
    /// The workspace: its id, name or slug (optional when there is only one).
    #[arg(long, value_name = "SLUG")]
    pub workspace: Option<String>,
    /// yaml or json [default: from --output's extension, else yaml]
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Write to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Flags of `mcp`.
#[derive(Debug, Args)]
pub struct McpArgs {
    /// The API key to act as [env: REVOS_API_KEY]
    #[arg(
        long,
        env = "REVOS_API_KEY",
        hide_env = true,
        hide_env_values = true,
        value_name = "KEY"
    )]
    pub api_key: Option<String>,
    /// Start with this cartridge (client) selected, by name or id.
    #[arg(long, value_name = "CARTRIDGE")]
    pub cartridge: Option<String>,
}

/// Flags of `demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Simulated days to run (1 to 30).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=30))]
    pub days: u32,
    /// Seed of the sandbox world: the same seed replays the same people and comments.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Print the funnel as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// Write one JSON line per DM the sandbox received (account_id, lead_id, campaign_id,
    /// sent_at) to FILE.
    #[arg(long, value_name = "FILE")]
    pub send_log: Option<PathBuf>,
}

/// `revos bench ...`
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Measure the job queue: enqueue rate, processing rate and how late delayed jobs start.
    ///
    /// Uses a fresh temporary SQLite database, or the configured PostgreSQL database
    /// (REVOS_DATABASE_URL / --database-url), whose bench jobs it deletes afterwards.
    Queue(BenchQueueArgs),
    /// Measure the whole pipeline at agency scale: seed a workspace, run the real workers
    /// against a fake Unipile on loopback, and time the pages and API calls.
    ///
    /// Seeds one workspace of the given size through the store's own functions (leads at
    /// every stage, events, messages, accounts, watched posts) in a scratch database: a fresh
    /// temporary SQLite file, or a database `revos_bench_<sizes>` created beside the
    /// configured PostgreSQL database (REVOS_DATABASE_URL / --database-url, default
    /// postgres://postgres@127.0.0.1:5432/postgres) and dropped afterwards unless --keep.
    /// Then starts the in-process fake Unipile with the watched posts (new comments arrive
    /// during the run), the web server on a loopback port and the workers (in this process,
    /// or --workers N `revos worker` processes), runs for --duration seconds and reports poll
    /// lateness, jobs and DMs per second, CPU and memory, the latency of each page at each
    /// --clients level, the full CSV export, and the check of the fake's send log (no second
    /// DM to a person, no pacing rule broken).
    Pipeline(BenchPipelineArgs),
}

/// Flags of `bench pipeline`.
#[derive(Debug, Args)]
pub struct BenchPipelineArgs {
    /// Which database engine to measure: sqlite or postgres.
    #[arg(long, value_name = "BACKEND")]
    pub backend: String,
    /// Leads in the workspace (about 1.2 campaign memberships, 3 events and 0.65 messages
    /// each).
    #[arg(long, default_value_t = 1_000_000)]
    pub leads: u64,
    /// Campaigns, all active.
    #[arg(long, default_value_t = 200)]
    pub campaigns: u64,
    /// Watched LinkedIn posts, spread over the campaigns.
    #[arg(long, default_value_t = 20_000)]
    pub posts: u64,
    /// LinkedIn accounts (provider unipile, on the fake).
    #[arg(long, default_value_t = 2_000)]
    pub accounts: u64,
    /// `revos worker` processes to run against PostgreSQL (0: the workers run in this
    /// process).
    #[arg(long, default_value_t = 0)]
    pub workers: u32,
    /// Seconds the workers run before the pages are measured.
    #[arg(long, default_value_t = 120)]
    pub duration: u64,
    /// Concurrent clients of the page measurements, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,8")]
    pub clients: Vec<usize>,
    /// Requests per page and client level (each level stops early after 20 s).
    #[arg(long, default_value_t = 50)]
    pub requests: usize,
    /// Concurrent seeding tasks.
    #[arg(long, default_value_t = 4)]
    pub seeders: usize,
    /// Keep the seeded database (PostgreSQL database, or SQLite file in the data directory)
    /// and reuse it when a later run asks for the same sizes: seeding 1M leads takes minutes.
    #[arg(long)]
    pub keep: bool,
    /// Print the result as one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// Flags of `bench queue`.
#[derive(Debug, Args)]
pub struct BenchQueueArgs {
    /// Which database engine to measure: sqlite or postgres.
    #[arg(long, value_name = "BACKEND")]
    pub backend: String,
    /// Jobs in the enqueue and processing phases.
    #[arg(long, default_value_t = 20_000)]
    pub jobs: usize,
    /// Jobs running at once.
    #[arg(long, default_value_t = 50)]
    pub concurrency: usize,
    /// Delayed jobs (due 100 ms to 3 s ahead) for the lateness phase.
    #[arg(long, default_value_t = 2_000)]
    pub delayed: usize,
    /// Print the result as one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// Flags of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on [env: REVOS_LISTEN] [default: 127.0.0.1:8080]
    #[arg(long, value_name = "HOST:PORT")]
    pub listen: Option<String>,
}

/// `--json` for commands whose output scripts read.
#[derive(Debug, Args)]
pub struct JsonFlag {
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `revos admin ...`
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Re-encrypt every tenant's data key under a new master key.
    ///
    /// The new key is REVOS_NEW_MASTER_KEY when set, otherwise a fresh random key. When the
    /// current key lives in <data dir>/master.key, that file is replaced; when it comes from
    /// the environment or revos.toml, the new key is written to --new-key-file (or printed
    /// once) and you must update your configuration before the next start.
    RotateMasterKey(RotateArgs),
    /// List workspaces.
    Tenants(JsonFlag),
    /// Inspect and repair the job queue across all workspaces.
    #[command(subcommand)]
    Jobs(JobsCommand),
    /// Create workspaces, whatever the sign-up rule (REVOS_SIGNUP).
    #[command(subcommand)]
    Workspace(WorkspaceCommand),
    /// Write a consistent snapshot of the SQLite database to FILE, while RevOS keeps running.
    ///
    /// The snapshot holds every write committed before it began and nothing half-written; it
    /// is checked (SQLite integrity check, RevOS schema) before it takes FILE's name. It does
    /// NOT hold the master key, which seals the workspaces' stored provider credentials: keep
    /// that key (<data dir>/master.key or REVOS_MASTER_KEY) safe apart from the backups, or
    /// write a copy with --include-key. PostgreSQL is backed up with pg_dump (README.md,
    /// "Backups").
    Backup(BackupArgs),
    /// Bring a backup made by `admin backup` back into an empty data directory.
    ///
    /// Refuses a data directory that is not empty, a file that is not a whole RevOS database
    /// (integrity check, schema) and a master key that does not open the backup's stored
    /// credentials. Give the key that was in use when the backup was taken with --key (it is
    /// written to <data dir>/master.key) or REVOS_MASTER_KEY. Then start `revos serve`.
    Restore(RestoreArgs),
}

/// Flags of `admin backup`.
#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Where to write the backup (must not exist yet).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Also write the master key in use to FILE.key (mode 0600). Store it apart from the
    /// backup: whoever holds both can read every stored credential.
    #[arg(long)]
    pub include_key: bool,
    /// Print the result as JSON (and no progress bar).
    #[arg(long)]
    pub json: bool,
}

/// Flags of `admin restore`.
#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup file written by `revos admin backup`.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The master key file that was in use when the backup was taken (e.g. FILE.key from
    /// --include-key); copied to <data dir>/master.key.
    #[arg(long, value_name = "KEY_FILE")]
    pub key: Option<PathBuf>,
    /// Print the result as JSON (and no progress bar).
    #[arg(long)]
    pub json: bool,
}

/// `revos admin workspace ...`
#[derive(Debug, Subcommand)]
pub enum WorkspaceCommand {
    /// Create a workspace and its owner.
    ///
    /// A new owner account gets the password in --owner-password-file (its first line), or
    /// else a generated password, printed once: hand it over privately and let them change
    /// it. An email that already has an account becomes the owner with its own password.
    Create(WorkspaceCreateArgs),
}

/// Flags of `admin workspace create`.
#[derive(Debug, Args)]
pub struct WorkspaceCreateArgs {
    /// The workspace's name.
    #[arg(long, value_name = "NAME")]
    pub name: String,
    /// The owner's email (their login).
    #[arg(long, value_name = "EMAIL")]
    pub owner_email: String,
    /// A file whose first line is the new owner's password (at least 10 characters).
    #[arg(long, value_name = "FILE")]
    pub owner_password_file: Option<PathBuf>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `revos admin jobs ...`
#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// List jobs, oldest first.
    List(JobsListArgs),
    /// Counts by state and the age of the oldest due job.
    Stats(JsonFlag),
    /// Give a dead or cancelled job fresh attempts.
    Retry(JobIdArgs),
    /// Cancel a waiting or dead job.
    Cancel(JobIdArgs),
}

/// Flags of `admin jobs list`.
#[derive(Debug, Args)]
pub struct JobsListArgs {
    /// Only jobs in this state: scheduled, running, retrying, succeeded, dead, cancelled.
    #[arg(long)]
    pub state: Option<String>,
    /// Only jobs of this kind.
    #[arg(long)]
    pub kind: Option<String>,
    /// At most this many (1 to 200).
    #[arg(long, default_value_t = 50)]
    pub limit: u32,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// A job to act on.
#[derive(Debug, Args)]
pub struct JobIdArgs {
    /// The job's id.
    pub id: String,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Flags of `admin rotate-master-key`.
#[derive(Debug, Args)]
pub struct RotateArgs {
    /// Where to write the new key when the current one is not a key file (mode 0600).
    #[arg(long, value_name = "FILE")]
    pub new_key_file: Option<PathBuf>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}
