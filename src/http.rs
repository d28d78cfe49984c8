//! The operations HTTP server on `http.listen`: `/healthz` (the process is alive),
//! `/readyz` (the gateway is connected — in HTTP mode, the interactions listener serves — and
//! the database answers) and `/metrics` (Prometheus
//! text). It is separate from Discord traffic so that orchestrators and scrapers can reach it
//! on a private address.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use metrics_exporter_prometheus::PrometheusHandle;
use tokio::net::TcpListener;

pub use crate::telemetry::metric::*;

pub(crate) mod connections;
mod metrics_recorder;
pub mod record;

pub use metrics_recorder::install_metrics_recorder;

/// A connection that has not sent a complete request head within this long is closed, and so
/// is a keep-alive connection that sends no new request: half-open and slowloris clients
/// cannot hold descriptors. Long enough for any real probe or scraper on a slow network.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// A request's whole body must arrive within this long of its head, on every listener: a client
/// that trickles its body (or sends none after announcing one) cannot hold a connection.
pub const BODY_DEADLINE: Duration = Duration::from_secs(5);

/// Larger bodies get `413`: an announced `Content-Length` before any of it is read, a chunked
/// one as soon as it passes the limit. Real interactions are a few KiB.
pub const MAX_BODY: usize = 1 << 20;

/// The most connections the operations server holds. Well below the usual 1024-descriptor
/// limit, so a flood cannot starve the rest of the process (gateway, database, GetToken), and
/// far above what probes and scrapers need.
pub const MAX_CONNECTIONS: usize = 256;

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
    /// Whether Discord can deliver interactions to this process: in gateway mode, every shard
    /// is connected; in HTTP mode, the interactions listener is bound and serving.
    fn gateway_connected(&self) -> bool;
    /// What `/readyz` says when [`gateway_connected`](Self::gateway_connected) is false.
    fn discord_down_reason(&self) -> &'static str {
        "gateway: disconnected"
    }
    /// One round trip to the database. The error must not contain the connection URL.
    fn database(&self) -> impl Future<Output = Result<(), String>> + Send;
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
/// [`HEADER_READ_TIMEOUT`], [`BODY_DEADLINE`], [`MAX_BODY`] and [`MAX_CONNECTIONS`]; at the cap,
/// the oldest connection that is not being answered is closed to make room, so `/healthz`
/// keeps answering.
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
    connections::serve(
        listener,
        connections::Listener::Operations,
        router(state),
        shutdown,
    )
    .await;
    upkeep.abort();
    Ok(())
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn readyz<R: Readiness>(State(state): State<Arc<OpsState<R>>>) -> impl IntoResponse {
    let mut reasons = Vec::new();
    if !state.readiness.gateway_connected() {
        reasons.push(state.readiness.discord_down_reason().to_owned());
    }
    // Probed even when the gateway is down, so the body lists every reason at once.
    if let Err(e) = state.readiness.database().await {
        reasons.push(format!("database: {e}"));
    }
    metrics::gauge!(READY).set(if reasons.is_empty() { 1.0 } else { 0.0 });
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
    fn installing_twice_returns_a_working_handle() {
        let a = install_metrics_recorder();
        let b = install_metrics_recorder();
        metrics::counter!(AUDIT_WRITE_FAILURES_TOTAL).increment(1);
        assert!(a.render().contains(AUDIT_WRITE_FAILURES_TOTAL));
        assert!(b.render().contains(AUDIT_WRITE_FAILURES_TOTAL));
    }
}
