//! The demo: the real `dlc-share-bot` against the project's Discord and PAI-DLC stand-ins and
//! a fresh PostgreSQL database, playing a short scripted session. Prints the session as a
//! transcript and writes a page showing the replies as Discord would; exits non-zero if any
//! scene did not see what it expects. `scripts/demo.sh` builds everything and runs it.
//!
//!     demo --bot target/debug/dlc-share-bot [--out target/demo]
//!
//! Needs `DATABASE_URL` (a server it may create a database on); `scripts/demo.sh` starts a
//! throwaway one.

mod cast;
mod markup;
mod page;
mod record;
mod session;
mod transcript;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use chrono::Utc;
use clap::Parser;
use tokio::signal::unix::{SignalKind, signal};

use dlc_share_stand_ins::bot::BotHarness;

use crate::session::{SESSION_LIMIT, Session};

#[derive(Parser)]
#[command(about = "Runs dlc-share-bot against local stand-ins and shows a scripted session")]
struct Args {
    /// The bot binary to run.
    #[arg(long)]
    bot: PathBuf,
    /// Where to write index.html.
    #[arg(long, default_value = "target/demo")]
    out: PathBuf,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let mut interrupt = signal(SignalKind::interrupt()).expect("SIGINT handler");
    let mut terminate = signal(SignalKind::terminate()).expect("SIGTERM handler");
    // On a signal the demo future is dropped, and with it the bot process (killed) and its
    // temporary directory.
    let outcome = tokio::select! {
        outcome = run(&args) => outcome,
        _ = interrupt.recv() => return interrupted("SIGINT", 130),
        _ = terminate.recv() => return interrupted("SIGTERM", 143),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("demo: FAILED: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn interrupted(signal: &str, code: u8) -> ExitCode {
    eprintln!("demo: {signal}, stopped");
    ExitCode::from(code)
}

async fn run(args: &Args) -> Result<()> {
    let bot = std::fs::canonicalize(&args.bot)
        .with_context(|| format!("the bot binary {}", args.bot.display()))?;
    eprintln!("demo: starting {} against the stand-ins", bot.display());
    let harness = BotHarness::start(&bot, "demo", &[("DLCSHARE_ALIYUN__LOOKUP", "true")]).await;
    let mut session = Session::new(&harness);
    let played = tokio::time::timeout(SESSION_LIMIT, session.play())
        .await
        .unwrap_or_else(|_| Err(anyhow::anyhow!("the session took over {SESSION_LIMIT:?}")));
    let now = Utc::now();
    print!("{}", transcript::render(&session.scenes, now));
    if let Err(e) = played {
        let logs = harness.logs();
        let tail: Vec<&str> = logs.lines().rev().take(30).collect();
        eprintln!("demo: the bot's last log lines:");
        for line in tail.iter().rev() {
            eprintln!("  {line}");
        }
        return Err(e);
    }
    std::fs::create_dir_all(&args.out).with_context(|| format!("create {}", args.out.display()))?;
    let path = args.out.join("index.html");
    std::fs::write(&path, page::render(&session.scenes, now))
        .with_context(|| format!("write {}", path.display()))?;
    println!(
        "\ndemo: every scene saw what it expects; the page is {}",
        path.display()
    );
    Ok(())
}
