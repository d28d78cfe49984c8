//! Tracing subscriber: `pretty` for people, `json` for log pipelines. Logs go to stderr so
//! command output on stdout stays machine-readable.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::FmtSpan;

use crate::config::{LogFormat, LogSettings};

/// Targets whose verbose levels print secrets, capped whatever `RUST_LOG` asks. serenity's
/// INFO-level spans record each HTTP request's route (with the interaction token) and body
/// (with the share link), and each gateway event (interaction tokens again); every event
/// inside such a span repeats those fields. tungstenite dumps raw frames (IDENTIFY carries the
/// bot token). Our own handler logs what matters from these layers.
const SECRET_BEARING_TARGETS: [&str; 3] = [
    "serenity=warn",
    "tungstenite=info",
    "tokio_tungstenite=info",
];

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
    let mut filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    for directive in SECRET_BEARING_TARGETS {
        filter = filter.add_directive(directive.parse().expect("static directive"));
    }
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

/// Metric names, in one place for the code that records them and the exporter that describes
/// them (`http.rs`).
pub mod metric {
    /// Interactions handled, labelled `command` (`share job`, `share-admin roles add`, …) and
    /// `outcome` (the audit outcome, or `ok`/`error` for admin commands).
    pub const INTERACTIONS_TOTAL: &str = "dlcshare_interactions_total";
    /// Wall time of one GetToken call, retries included (histogram, seconds).
    pub const GETTOKEN_SECONDS: &str = "dlcshare_gettoken_seconds";
    /// Failed GetToken calls, labelled `code` (the upstream `Code` or a local stand-in).
    pub const GETTOKEN_ERRORS_TOTAL: &str = "dlcshare_gettoken_errors_total";
    /// Requests refused by a rate limit, labelled `scope` (`user` or `guild`).
    pub const RATE_LIMITED_TOTAL: &str = "dlcshare_rate_limited_total";
    /// Audit rows that could not be written or completed (each one failed a request closed).
    pub const AUDIT_WRITE_FAILURES_TOTAL: &str = "dlcshare_audit_write_failures_total";
    /// Gateway sessions resumed, or identified again, after losing their connection.
    pub const GATEWAY_RECONNECTS_TOTAL: &str = "dlcshare_gateway_reconnects_total";
    /// Keys the rate limiters track (users + guilds), after each eviction pass.
    pub const RATELIMIT_TRACKED_KEYS: &str = "dlcshare_ratelimit_tracked_keys";
    /// Operations-server connections the server closed itself, labelled `reason`
    /// (`header_timeout`, `evicted` to make room at the cap, `refused` at the cap).
    pub const OPS_CONNECTIONS_CLOSED_TOTAL: &str = "dlcshare_ops_connections_closed_total";
}
