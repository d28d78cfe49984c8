//! The process-wide Prometheus recorder behind `/metrics`, and the descriptions of the bot's
//! metrics.

use std::sync::OnceLock;

use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use crate::telemetry::metric::*;

/// Histogram bucket upper bounds, in seconds. GetToken is bounded by `aliyun.deadline`
/// (12 s by default), so the top buckets still separate "slow" from "gave up".
const LATENCY_BUCKETS: [f64; 12] = [
    0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0, 30.0,
];

/// Installs the process-wide Prometheus recorder (the `metrics` macros report to it) and
/// describes the bot's metrics. Later calls return the same handle, so tests in one process
/// and a bot that calls it twice do not panic. Should another recorder already be installed,
/// the returned handle renders an empty page and a warning is logged.
pub fn install_metrics_recorder() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets(&LATENCY_BUCKETS)
                .expect("LATENCY_BUCKETS is not empty");
            match builder.install_recorder() {
                Ok(handle) => {
                    describe_metrics();
                    handle
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot install the Prometheus recorder; /metrics will be empty");
                    PrometheusBuilder::new().build_recorder().handle()
                }
            }
        })
        .clone()
}

/// `# HELP` lines; they must follow the recorder installation to reach it.
fn describe_metrics() {
    describe_counter!(
        INTERACTIONS_TOTAL,
        "Discord interactions handled, by command and outcome."
    );
    describe_histogram!(
        GETTOKEN_SECONDS,
        Unit::Seconds,
        "PAI-DLC GetToken call latency, retries included."
    );
    describe_counter!(
        GETTOKEN_ERRORS_TOTAL,
        "Failed GetToken calls, by upstream error code."
    );
    describe_counter!(
        LOOKUP_FAILURES_TOTAL,
        "Failed target look-ups (GetJob, GetTensorboard) other than not found, by operation and code."
    );
    describe_counter!(
        SUGGEST_REFRESH_FAILURES_TOTAL,
        "Failed refreshes of the id suggestions (ListJobs, ListTensorboards), by operation and code."
    );
    describe_counter!(
        RATE_LIMITED_TOTAL,
        "Share requests refused by a rate limit, by scope (user or guild)."
    );
    describe_counter!(
        AUDIT_WRITE_FAILURES_TOTAL,
        "Audit rows that could not be written or completed."
    );
    describe_counter!(
        GATEWAY_RECONNECTS_TOTAL,
        "Discord gateway sessions resumed or re-identified after losing their connection."
    );
    describe_counter!(
        OPS_CONNECTIONS_CLOSED_TOTAL,
        "Operations-server connections closed by the server, by reason (header_timeout, \
         evicted to make room at the connection cap, refused at the cap)."
    );
    describe_counter!(
        AUDIT_CHANNEL_POSTS_TOTAL,
        "Posts to guilds' audit channels, by result (ok, failed: missing permission, deleted channel, Discord down)."
    );
    describe_counter!(
        SHED_TOTAL,
        "Share requests turned away at once because the process was at share.max_in_flight."
    );
    describe_gauge!(
        READY,
        "1 when the last /readyz check passed (database reachable, gateway or listener up), else 0."
    );
    describe_gauge!(
        RATELIMIT_TRACKED_KEYS,
        "Users and guilds the rate limiters track after the last idle-key eviction."
    );
}
