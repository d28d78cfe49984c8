//! Command-line interface: clap definitions and dispatch, one module per subcommand.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::Settings;
use crate::share::TargetType;

pub mod audit;
pub mod check;
pub mod healthcheck;
pub mod migrate;
pub mod register;
pub mod run;
pub mod token;

#[derive(Debug, Parser)]
#[command(
    name = "dlc-share-bot",
    version,
    about = "Share Alibaba Cloud PAI-DLC jobs and TensorBoards from Discord with GetToken links"
)]
pub struct Cli {
    /// TOML configuration file (else DLCSHARE_CONFIG, else config/default.toml when present).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the bot (the default when no subcommand is given).
    Run,
    /// Obtain a share link from the shell (audited when DATABASE_URL is set).
    Token(TokenArgs),
    /// Apply database migrations (and prune audit rows past retention).
    Migrate,
    /// Register the slash commands (in one guild, or globally) without running the bot.
    RegisterCommands {
        /// Register in this guild only (instant); default: discord.guild_id, else global.
        #[arg(long, value_name = "ID")]
        guild: Option<u64>,
    },
    /// Export the audit log.
    Audit(AuditArgs),
    /// Verify the configuration, database, Discord token and Alibaba Cloud credentials.
    ///
    /// One ✓/✗ line per check; the exit status is non-zero if any check fails.
    Check,
    /// Exit 0 if the running bot's /healthz answers (for Docker HEALTHCHECK).
    ///
    /// Asks http://<http.listen>/healthz (loopback when listening on 0.0.0.0 or ::), 2 s timeout.
    Healthcheck,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TargetTypeArg {
    Job,
    Tensorboard,
}

impl From<TargetTypeArg> for TargetType {
    fn from(t: TargetTypeArg) -> Self {
        match t {
            TargetTypeArg::Job => TargetType::Job,
            TargetTypeArg::Tensorboard => TargetType::Tensorboard,
        }
    }
}

#[derive(Debug, Args)]
pub struct TokenArgs {
    /// What to share.
    #[arg(long = "type", value_enum, value_name = "TYPE")]
    pub target_type: TargetTypeArg,
    /// Job or TensorBoard id: 1–128 characters of [A-Za-z0-9_.-].
    #[arg(long, value_name = "ID")]
    pub id: String,
    /// Link lifetime: 90s, 30m, 12h, 7d, 1w, 1h30m or seconds; 60 s to share.max_expiry.
    /// Defaults to share.default_expiry.
    #[arg(long, value_name = "DURATION")]
    pub expire: Option<String>,
    /// Print one JSON object instead of the link.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuditFormat {
    Table,
    Json,
    Csv,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Only rows newer than this (e.g. 24h, 7d).
    #[arg(long, value_name = "DURATION")]
    pub since: Option<String>,
    /// Only this guild id.
    #[arg(long, value_name = "ID")]
    pub guild: Option<u64>,
    /// Only this user id (a Discord id, or the operator login for `token` rows).
    #[arg(long, value_name = "ID")]
    pub user: Option<String>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: AuditFormat,
}

/// The settings the command line names (before any runtime exists: they pick its flavour).
pub fn load_settings(cli: &Cli) -> Result<Settings, crate::config::ConfigError> {
    Settings::load(cli.config.as_deref())
}

/// Runs the parsed command line with its settings; errors become one line on stderr and exit
/// status 1.
pub async fn run(cli: Cli, settings: Settings) -> ExitCode {
    let command = cli.command.unwrap_or(Command::Run);
    let verbosity = match command {
        Command::Run => crate::telemetry::Verbosity::Service,
        _ => crate::telemetry::Verbosity::Quiet,
    };
    crate::telemetry::init(&settings.log, verbosity);
    let result = match command {
        Command::Run => run::run(&settings).await,
        Command::Token(args) => token::run(&settings, args).await,
        Command::Migrate => migrate::run(&settings).await,
        Command::RegisterCommands { guild } => register::run(&settings, guild).await,
        Command::Audit(args) => audit::run(&settings, args).await,
        Command::Check => check::run(&settings, cli.config.as_deref()).await,
        Command::Healthcheck => healthcheck::run(&settings).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

/// One line, the whole cause chain, no backtrace.
pub fn fail(e: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("error: {e:#}");
    ExitCode::FAILURE
}
