//! Tracing subscriber: `pretty` for people, `json` for log pipelines. Logs go to stderr so
//! command output on stdout stays machine-readable.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::FmtSpan;

use crate::config::{LogFormat, LogSettings};

/// How chatty a command is by default when `RUST_LOG` is not set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verbosity {
    /// The long-running bot: `log.level`.
    Service,
    /// One-shot commands print their own one-line errors; logs only on request.
    Quiet,
}

pub fn init(settings: &LogSettings, verbosity: Verbosity) {
    let default = match verbosity {
        Verbosity::Service => settings.level.as_str(),
        Verbosity::Quiet => "off",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_span_events(FmtSpan::NONE);
    // A second init (tests in one process) keeps the first subscriber.
    let _ = match settings.format {
        LogFormat::Pretty => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .try_init(),
    };
}
