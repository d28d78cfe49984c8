//! The `dlc-share-bot` binary: parse the command line and hand over to `cli`.

use std::process::ExitCode;

use clap::Parser;
use dlc_share_bot::cli::{self, Cli};

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Settings first: they name the runtime's flavour (`runtime.flavor`).
    let settings = match cli::load_settings(&cli) {
        Ok(s) => s,
        Err(e) => return cli::fail(&e),
    };
    let runtime = match settings.runtime.build() {
        Ok(rt) => rt,
        Err(e) => return cli::fail(&format!("cannot start the async runtime: {e}")),
    };
    runtime.block_on(cli::run(cli, settings))
}
