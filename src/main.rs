//! The `dlc-share-bot` binary: parse the command line and hand over to `cli`.

use std::process::ExitCode;

use clap::Parser;
use dlc_share_bot::cli::{self, Cli};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return cli::fail(&format!("cannot start the async runtime: {e}")),
    };
    runtime.block_on(cli::run(cli))
}
