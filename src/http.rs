//! The operations HTTP server (SPEC §8) on `http.listen`: `/healthz` (the process is alive),
//! `/readyz` (the gateway is connected and the database answers) and `/metrics` (Prometheus
//! text). It is separate from Discord traffic so that orchestrators and scrapers can reach it
//! on a private address.

use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tokio::net::TcpListener;

use crate::store::{PgStore, StoreError};
pub use crate::telemetry::metric::*;

mod connections;
pub mod record;

/// A connection that has not sent a complete request head within this long is closed, and so
/// is a keep-alive connection that sends no new request: half-open and slowloris clients
/// cannot hold descriptors. Long enough for any real probe or scraper on a slow network.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// The most connections the operations server holds. Well below the usual 1024-descriptor
/// limit, so a flood cannot starve the rest of the process (gateway, database, GetToken), and
/// far above what probes and scrapers need.
pub const MAX_CONNECTIONS: usize = 256;

/// Histogram bucket upper bounds, in seconds. GetToken is bounded by `aliyun.deadline`
/// (12 s by default), so the top buckets still separate "slow" from "gave up".
const LATENCY_BUCKETS: [f64; 12] = [
    0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0, 30.0,
];

/// How long `/readyz` waits for the database; below the usual probe timeouts, so a hung
/// database shows up as a reason rather than as a probe timeout.
pub const DEFAULT_DATABASE_PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// Histograms are only drained when rendered; without a scraper they would grow, so upkeep
/// runs on this period while the server is up.
const METRICS_UPKEEP_PERIOD: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error(
        "http.listen {addr}: the address is already in use (another dlc-share-bot?); \
         set http.listen or DLCSHARE_HTTP__LISTEN to a free address"
    )]
    AddrInUse {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("http.listen {addr}: cannot listen there")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("the operations HTTP server failed")]
    Serve(#[source] std::io::Error),
}

/// What `/readyz` asks. A trait so the endpoints can be tested without Discord; the bot uses
/// [`BotReadiness`].
pub trait Readiness: Send + Sync + 'static {
    /// Whether the Discord gateway is connected (every shard of this process).
    fn gateway_connected(&self) -> bool;
    /// One round trip to the database. The error must not contain the connection URL.
    fn database(&self) -> impl Future<Output = Result<(), String>> + Send;
}

/// Per-shard gateway connection state, shared between the bot's event handler (which reports
/// transitions) and `/readyz`. Cheap to clone.
///
/// Connected means: at least one shard has connected, and every shard seen so far is
/// connected now.
#[derive(Debug, Clone, Default)]
pub struct GatewayStatus {
    shards: Arc<Mutex<BTreeMap<u32, bool>>>,
    /// Set once shutdown begins: a RESUMED arriving during the drain must not make the
    /// process look ready again.
    stopping: Arc<std::sync::atomic::AtomicBool>,
}

impl GatewayStatus {
    pub fn new() -> Self {
        Self::default()
    }

    /// Call on READY / RESUMED (or a shard stage update to `Connected`).
    pub fn shard_connected(&self, shard_id: u32) {
        let stopping = self.stopping.load(std::sync::atomic::Ordering::Acquire);
        self.lock().insert(shard_id, !stopping);
    }

    /// Call when a shard loses its connection, and for every shard when shutting down.
    pub fn shard_disconnected(&self, shard_id: u32) {
        self.lock().insert(shard_id, false);
    }

    /// Marks every known shard disconnected, for good: readiness fails as soon as shutdown
    /// begins and stays failed.
    pub fn all_disconnected(&self) {
        self.stopping
            .store(true, std::sync::atomic::Ordering::Release);
        for connected in self.lock().values_mut() {
            *connected = false;
        }
    }

    pub fn is_connected(&self) -> bool {
        let shards = self.lock();
        !shards.is_empty() && shards.values().all(|c| *c)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<u32, bool>> {
        // The map stays consistent even if a holder panicked: every update is one insert.
        self.shards.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The bot's readiness: its gateway shards and its PostgreSQL pool.
#[derive(Debug, Clone)]
pub struct BotReadiness {
    gateway: GatewayStatus,
    store: PgStore,
    database_timeout: Duration,
}

impl BotReadiness {
    pub fn new(gateway: GatewayStatus, store: PgStore) -> Self {
        BotReadiness {
            gateway,
            store,
            database_timeout: DEFAULT_DATABASE_PROBE_TIMEOUT,
        }
    }

    pub fn with_database_timeout(mut self, timeout: Duration) -> Self {
        self.database_timeout = timeout;
        self
    }
}

impl Readiness for BotReadiness {
    fn gateway_connected(&self) -> bool {
        self.gateway.is_connected()
    }

    async fn database(&self) -> Result<(), String> {
        match tokio::time::timeout(self.database_timeout, self.store.ping()).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(StoreError::Query(sqlx::Error::PoolTimedOut))) => Err(
                "no connection available (PostgreSQL unreachable, or every pooled connection busy)"
                    .into(),
            ),
            // StoreError messages never carry the URL; `{:#}` adds the sqlx cause.
            Ok(Err(e)) => Err(format!("{:#}", anyhow::Error::new(e))),
            Err(_) => Err(format!(
                "no answer within {} ms",
                self.database_timeout.as_millis()
            )),
        }
    }
}

/// Everything the handlers need.
pub struct OpsState<R> {
    readiness: R,
    metrics: PrometheusHandle,
}

impl<R: Readiness> OpsState<R> {
    pub fn new(readiness: R, metrics: PrometheusHandle) -> Self {
        OpsState { readiness, metrics }
    }
}

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
    describe_gauge!(
        RATELIMIT_TRACKED_KEYS,
        "Users and guilds the rate limiters track after the last idle-key eviction."
    );
}

/// Binds `http.listen`; an address in use is reported as such, naming the setting.
pub async fn bind(addr: SocketAddr) -> Result<TcpListener, HttpError> {
    TcpListener::bind(addr).await.map_err(|source| {
        if source.kind() == std::io::ErrorKind::AddrInUse {
            HttpError::AddrInUse { addr, source }
        } else {
            HttpError::Bind { addr, source }
        }
    })
}

/// The routes, for callers that embed them.
pub fn router<R: Readiness>(state: OpsState<R>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz::<R>))
        .route("/metrics", get(metrics_page::<R>))
        .with_state(Arc::new(state))
}

/// Serves until `shutdown` resolves, then lets in-flight requests finish (bounded). Also runs
/// the metrics upkeep for as long as it serves. Connections are limited by
/// [`HEADER_READ_TIMEOUT`] and [`MAX_CONNECTIONS`]; at the cap, the oldest idle connection is
/// closed to make room, so `/healthz` keeps answering.
pub async fn serve<R: Readiness>(
    listener: TcpListener,
    state: OpsState<R>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), HttpError> {
    let handle = state.metrics.clone();
    let upkeep = tokio::spawn(async move {
        let mut tick = tokio::time::interval(METRICS_UPKEEP_PERIOD);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            handle.run_upkeep();
        }
    });
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, "operations HTTP server listening (/healthz, /readyz, /metrics)");
    }
    connections::serve(listener, router(state), shutdown).await;
    upkeep.abort();
    Ok(())
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn readyz<R: Readiness>(State(state): State<Arc<OpsState<R>>>) -> impl IntoResponse {
    let mut reasons = Vec::new();
    if !state.readiness.gateway_connected() {
        reasons.push("gateway: disconnected".to_owned());
    }
    // Probed even when the gateway is down, so the body lists every reason at once.
    if let Err(e) = state.readiness.database().await {
        reasons.push(format!("database: {e}"));
    }
    if reasons.is_empty() {
        (StatusCode::OK, "ready\n".to_owned())
    } else {
        let mut body = reasons.join("\n");
        body.push('\n');
        (StatusCode::SERVICE_UNAVAILABLE, body)
    }
}

async fn metrics_page<R: Readiness>(State(state): State<Arc<OpsState<R>>>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn once_stopping_a_late_resume_does_not_make_it_ready() {
        let g = GatewayStatus::new();
        g.shard_connected(0);
        assert!(g.is_connected());
        g.all_disconnected();
        g.shard_connected(0);
        assert!(!g.is_connected());
    }

    #[test]
    fn gateway_is_ready_only_when_every_known_shard_is_connected() {
        let g = GatewayStatus::new();
        assert!(!g.is_connected(), "no shard has connected yet");
        g.shard_connected(0);
        g.shard_connected(1);
        assert!(g.is_connected());
        g.shard_disconnected(1);
        assert!(!g.is_connected());
        g.shard_connected(1);
        assert!(g.is_connected());
        g.all_disconnected();
        assert!(!g.is_connected());
    }

    #[test]
    fn installing_twice_returns_a_working_handle() {
        let a = install_metrics_recorder();
        let b = install_metrics_recorder();
        metrics::counter!(AUDIT_WRITE_FAILURES_TOTAL).increment(1);
        assert!(a.render().contains(AUDIT_WRITE_FAILURES_TOTAL));
        assert!(b.render().contains(AUDIT_WRITE_FAILURES_TOTAL));
    }
}
