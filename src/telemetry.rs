//! Tracing subscriber: `pretty` for people, `json` for log pipelines. Logs go to stderr so
//! command output on stdout stays machine-readable.

use tracing::Subscriber;
use tracing::level_filters::LevelFilter;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry};

use crate::config::{LogFormat, LogSettings};

/// Target families whose verbose levels print secrets, and the most they may log. serenity's
/// INFO-level spans record each HTTP request's route (with the interaction token) and body
/// (with the share link), and each gateway event (interaction tokens again); every event
/// inside such a span repeats those fields. tungstenite dumps raw frames (IDENTIFY carries the
/// bot token), through the `log` bridge. Our own handler logs what matters from these layers.
///
/// Left uncapped after checking: reqwest logs only connection destinations (scheme, host,
/// port) unless `connection_verbose` is set, which neither we nor serenity do; hyper 1 and
/// hyper-util emit nothing without their tracing features, and h2 is not in the build.
const SECRET_BEARING_CAPS: [(&str, LevelFilter); 3] = [
    ("serenity", LevelFilter::WARN),
    ("tungstenite", LevelFilter::INFO),
    ("tokio_tungstenite", LevelFilter::INFO),
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
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    // A second init (tests in one process) keeps the first subscriber. This also installs
    // the `log` bridge, so `log` records (tungstenite, reqwest) pass the same filters.
    let _ = subscriber(settings.format, filter, std::io::stderr).try_init();
}

/// The caps as a filter of their own. A target matches by prefix (`serenity` covers
/// `serenity::http` and `serenity::gateway::shard`), and nothing in `RUST_LOG` reaches it.
fn secret_caps() -> Targets {
    Targets::new()
        .with_default(LevelFilter::TRACE)
        .with_targets(SECRET_BEARING_CAPS)
}

/// The bot's subscriber writing to `writer`. Every event and span must pass both `filter`
/// (from `RUST_LOG` or `log.level`) and the secret caps. The caps are a second filter rather
/// than directives added to `filter`, because there a more specific user directive such as
/// `serenity::http=trace` would win over `serenity=warn`.
pub fn subscriber<W>(
    format: LogFormat,
    filter: EnvFilter,
    writer: W,
) -> impl Subscriber + for<'a> LookupSpan<'a> + Send + Sync + 'static
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(writer)
        .with_span_events(FmtSpan::NONE);
    let fmt = match format {
        LogFormat::Pretty => fmt.boxed(),
        LogFormat::Json => fmt
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .boxed(),
    };
    // Both as global filters, each of which every event and span must pass. As one per-layer
    // filter (`filter.and(caps).with_filter(..)`), events inside spans the caps disable
    // (serenity's instrumented dispatch, which calls our handler) were dropped now and then
    // under `info,dlc_share_bot=debug`: per-layer filter state is kept per thread.
    Registry::default()
        .with(filter)
        .with(secret_caps())
        .with(fmt)
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
    /// `/share` requests turned away at once because the process was at
    /// `share.max_in_flight` (audited `rate_limited` / `overloaded`).
    pub const SHED_TOTAL: &str = "dlcshare_shed_total";
    /// 1 when the last `/readyz` check passed, 0 otherwise (probes call it every few seconds).
    pub const READY: &str = "dlcshare_ready";
    /// Gateway sessions resumed, or identified again, after losing their connection.
    pub const GATEWAY_RECONNECTS_TOTAL: &str = "dlcshare_gateway_reconnects_total";
    /// Keys the rate limiters track (users + guilds), after each eviction pass.
    pub const RATELIMIT_TRACKED_KEYS: &str = "dlcshare_ratelimit_tracked_keys";
    /// Connections a listener closed itself, labelled `listener` (`ops`, `interactions`) and
    /// `reason` (`header_timeout`, `body_timeout`, `evicted` to make room at the cap, `refused`
    /// at the cap).
    pub const OPS_CONNECTIONS_CLOSED_TOTAL: &str = "dlcshare_ops_connections_closed_total";
    /// Target look-ups (GetJob / GetTensorboard) that failed for another reason than "not
    /// found", labelled `operation` (`GetJob`, `GetTensorboard`) and `code` (upstream's `Code`
    /// or a local one).
    pub const LOOKUP_FAILURES_TOTAL: &str = "dlcshare_lookup_failures_total";
    /// Suggestion cache refreshes (ListJobs / ListTensorboards) that failed, labelled
    /// `operation` and `code` (upstream's `Code` or a local one). The autocomplete answer
    /// still comes, from what the cache held.
    pub const SUGGEST_REFRESH_FAILURES_TOTAL: &str = "dlcshare_suggest_refresh_failures_total";
    /// Posts to guilds' audit channels, labelled `result` (`ok`, `failed`).
    pub const AUDIT_CHANNEL_POSTS_TOTAL: &str = "dlcshare_audit_channel_posts_total";
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::sync::{Arc, Mutex};

    use super::*;

    const SECRET: &str = "SECRET-interaction-token-aW50ZXJhY3Rpb24";

    /// Log lines written by the subscriber under test.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Captured {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    /// A secret-bearing `log` record, as tungstenite writes them.
    fn log_record(target: &str, level: log::Level) {
        log::logger().log(
            &log::Record::builder()
                .target(target)
                .level(level)
                .args(format_args!("received frame {SECRET}"))
                .build(),
        );
    }

    /// Emits, under `rust_log`, secret-bearing events and spans at every level from the
    /// capped families (tracing and `log` records) around our own events; returns the output.
    fn logs_under(rust_log: &str, format: LogFormat) -> String {
        let captured = Captured::default();
        let writer = captured.clone();
        let filter = EnvFilter::try_new(rust_log).unwrap();
        // The `log` bridge dispatches to the thread's default subscriber; installing it twice
        // (another test got there first) is harmless.
        let _ = tracing_log::LogTracer::init();
        tracing::subscriber::with_default(
            subscriber(format, filter, move || writer.clone()),
            || {
                // Secrets sit where these crates put them: more verbose than the cap.
                macro_rules! secret_at {
                ($target:literal: $($level:ident),+) => {
                    $(tracing::$level!(target: $target, body = SECRET, "frame");)+
                };
            }
                secret_at!("serenity": info, debug, trace);
                secret_at!("serenity::http": info, debug, trace);
                secret_at!("serenity::http::client": info, debug, trace);
                secret_at!("serenity::gateway": info, debug, trace);
                secret_at!("serenity::gateway::shard": info, debug, trace);
                secret_at!("tungstenite::protocol": debug, trace);
                secret_at!("tokio_tungstenite": debug, trace);
                // tungstenite logs through the `log` crate.
                log_record("tungstenite::protocol", log::Level::Debug);
                log_record("tungstenite::protocol::frame", log::Level::Trace);
                log_record("tokio_tungstenite", log::Level::Debug);
                log_record("serenity::gateway::shard", log::Level::Info);
                log::debug!(target: "reqwest::connect", "a bridged record");
                // A serenity span's fields would be repeated on every event inside it.
                let route = tracing::info_span!(target: "serenity::http::client", "request", route = SECRET);
                route.in_scope(|| {
                tracing::warn!(target: "dlc_share_bot::discord::handler", "ours inside serenity's span");
            });
                tracing::warn!(target: "dlc_share_bot::discord::handler", "ours at warn");
                tracing::warn!(target: "serenity::gateway", "serenity's own warning");
            },
        );
        captured.text()
    }

    #[test]
    fn caps_hold_whatever_rust_log_says() {
        for rust_log in [
            "debug,serenity::http=info",
            "info,tungstenite::protocol=trace",
            "trace",
            "serenity::http=trace",
            "serenity::gateway=trace",
            "warn,serenity::http=trace,serenity::gateway=trace,tungstenite::protocol=trace,tokio_tungstenite=trace",
        ] {
            for format in [LogFormat::Pretty, LogFormat::Json] {
                let logs = logs_under(rust_log, format);
                assert!(
                    !logs.contains(SECRET),
                    "RUST_LOG={rust_log} ({format:?}) leaked:\n{logs}"
                );
                let ours_shown = rust_log.starts_with(['d', 'i', 't', 'w']);
                assert_eq!(
                    logs.contains("ours at warn") && logs.contains("ours inside serenity's span"),
                    ours_shown,
                    "RUST_LOG={rust_log} ({format:?}):\n{logs}"
                );
            }
        }
    }

    #[test]
    fn capped_targets_still_report_what_their_cap_allows() {
        let logs = logs_under("trace", LogFormat::Json);
        assert!(logs.contains("serenity's own warning"), "{logs}");
        let lines: Vec<serde_json::Value> = logs
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert!(lines.iter().any(|l| l["message"] == "ours at warn"));
        assert!(
            lines
                .iter()
                .any(|l| l["message"] == "a bridged record" && l["target"] == "reqwest::connect"),
            "`log` records reach the subscriber: {logs}"
        );
    }
}
