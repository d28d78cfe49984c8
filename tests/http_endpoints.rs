//! The operations endpoints (`/healthz`, `/readyz`, `/metrics`) served for real on a loopback
//! port, with a real PostgreSQL (`DATABASE_URL`; run under `scripts/with-postgres.sh`) and
//! one that is down.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use dlc_share_bot::config::DatabaseSettings;
use dlc_share_bot::http::{
    self, AUDIT_WRITE_FAILURES_TOTAL, BotReadiness, GATEWAY_RECONNECTS_TOTAL,
    GETTOKEN_ERRORS_TOTAL, GETTOKEN_SECONDS, GatewayStatus, HttpError, INTERACTIONS_TOTAL,
    OpsState, RATE_LIMITED_TOTAL, Readiness,
};
use dlc_share_bot::store::{self, PgStore};
use secrecy::SecretString;
use sqlx::postgres::PgPoolOptions;
use tokio::sync::oneshot;

/// A running server; dropping it does not stop it, `stop` does (gracefully).
struct Running {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Result<(), HttpError>>,
}

impl Running {
    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    async fn stop(self) {
        let _ = self.stop.send(());
        tokio::time::timeout(Duration::from_secs(5), self.task)
            .await
            .expect("the server stops after the shutdown signal")
            .expect("the server task did not panic")
            .expect("the server ended without error");
    }
}

async fn start<R: Readiness>(readiness: R) -> Running {
    let listener = http::bind("127.0.0.1:0".parse().unwrap())
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().unwrap();
    let state = OpsState::new(readiness, http::install_metrics_recorder());
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(http::serve(listener, state, async {
        let _ = stopped.await;
    }));
    Running { addr, stop, task }
}

async fn real_store() -> PgStore {
    store::connect_from_env(&DatabaseSettings {
        max_connections: 2,
        acquire_timeout: Duration::from_secs(3),
        statement_timeout: Duration::from_secs(5),
    })
    .await
    .expect("connect to DATABASE_URL")
    .expect("DATABASE_URL must be set: run under scripts/with-postgres.sh")
}

/// A port nothing listens on (bound, then released).
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

const DOWN_PASSWORD: &str = "hunter2-never-shown";

/// A pool whose server is down: connecting is deferred to the first use, like a database that
/// went away after start-up.
fn down_store() -> PgStore {
    let url: SecretString = format!(
        "postgres://dlcshare:{DOWN_PASSWORD}@127.0.0.1:{}/dlcshare",
        closed_port()
    )
    .into();
    let options = store::parse_database_url(&url).unwrap();
    PgStore::from_pool(
        PgPoolOptions::new()
            .acquire_timeout(Duration::from_secs(1))
            .connect_lazy_with(options),
    )
}

async fn get(url: &str) -> (u16, String) {
    let resp = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
        .get(url)
        .send()
        .await
        .expect("the server answers");
    let status = resp.status().as_u16();
    (status, resp.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn healthz_answers_whatever_the_dependencies() {
    let server = start(BotReadiness::new(GatewayStatus::new(), down_store())).await;
    let (status, body) = get(&server.url("/healthz")).await;
    assert_eq!(status, 200);
    assert_eq!(body.trim(), "ok");
    let (status, _) = get(&server.url("/nope")).await;
    assert_eq!(status, 404);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn readyz_follows_the_gateway_with_a_live_database() {
    let gateway = GatewayStatus::new();
    let server = start(BotReadiness::new(gateway.clone(), real_store().await)).await;

    let (status, body) = get(&server.url("/readyz")).await;
    assert_eq!(status, 503, "no shard connected yet: {body}");
    assert_eq!(body.trim(), "gateway: disconnected");

    gateway.shard_connected(0);
    let (status, body) = get(&server.url("/readyz")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body.trim(), "ready");

    gateway.shard_disconnected(0);
    let (status, body) = get(&server.url("/readyz")).await;
    assert_eq!(status, 503);
    assert_eq!(body.trim(), "gateway: disconnected");

    gateway.shard_connected(0);
    assert_eq!(get(&server.url("/readyz")).await.0, 200);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn readyz_reports_a_database_that_is_down_without_its_url() {
    let gateway = GatewayStatus::new();
    gateway.shard_connected(0);
    let server = start(
        BotReadiness::new(gateway.clone(), down_store())
            .with_database_timeout(Duration::from_millis(1500)),
    )
    .await;

    let started = Instant::now();
    let (status, body) = get(&server.url("/readyz")).await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the probe is bounded: {:?}",
        started.elapsed()
    );
    assert_eq!(status, 503, "{body}");
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(lines.len(), 1, "{body}");
    assert!(lines[0].starts_with("database: "), "{body}");
    assert!(
        !body.contains(DOWN_PASSWORD),
        "the body leaks DATABASE_URL: {body}"
    );
    assert!(!body.contains("postgres://"), "{body}");

    // Both reasons at once.
    gateway.all_disconnected();
    let (status, body) = get(&server.url("/readyz")).await;
    assert_eq!(status, 503);
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(lines.len(), 2, "{body}");
    assert_eq!(lines[0], "gateway: disconnected");
    assert!(lines[1].starts_with("database: "), "{body}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_render_the_described_metrics_and_a_histogram() {
    let gateway = GatewayStatus::new();
    let server = start(BotReadiness::new(gateway.clone(), down_store())).await;

    metrics::counter!(INTERACTIONS_TOTAL, "command" => "share job", "outcome" => "issued")
        .increment(2);
    metrics::histogram!(GETTOKEN_SECONDS).record(0.2);
    metrics::histogram!(GETTOKEN_SECONDS).record(3.0);
    metrics::counter!(GETTOKEN_ERRORS_TOTAL, "code" => "Throttling.User").increment(1);
    metrics::counter!(RATE_LIMITED_TOTAL, "scope" => "user").increment(1);
    metrics::counter!(AUDIT_WRITE_FAILURES_TOTAL).increment(1);
    metrics::counter!(GATEWAY_RECONNECTS_TOTAL).increment(1);

    let resp = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let content_type = resp.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    let body = resp.text().await.unwrap();

    for name in [
        INTERACTIONS_TOTAL,
        GETTOKEN_ERRORS_TOTAL,
        RATE_LIMITED_TOTAL,
        AUDIT_WRITE_FAILURES_TOTAL,
        GATEWAY_RECONNECTS_TOTAL,
    ] {
        assert!(
            body.contains(&format!("# TYPE {name} counter")),
            "{name}:\n{body}"
        );
        assert!(
            body.contains(&format!("# HELP {name} ")),
            "{name} is described:\n{body}"
        );
    }
    assert!(
        body.contains(r#"dlcshare_interactions_total{command="share job",outcome="issued"}"#),
        "{body}"
    );
    assert!(
        body.contains(r#"dlcshare_gettoken_errors_total{code="Throttling.User"}"#),
        "{body}"
    );
    assert!(
        body.contains(r#"dlcshare_rate_limited_total{scope="user"}"#),
        "{body}"
    );
    let reconnects = body
        .lines()
        .find(|l| l.starts_with("dlcshare_gateway_reconnects_total "))
        .expect("a reconnect sample");
    let reconnects: f64 = reconnects.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(reconnects >= 1.0, "{reconnects}");

    // A real histogram (buckets), not a summary (quantiles).
    assert!(
        body.contains(&format!("# TYPE {GETTOKEN_SECONDS} histogram")),
        "{body}"
    );
    assert!(
        body.contains(&format!("{GETTOKEN_SECONDS}_bucket{{le=\"0.25\"}}")),
        "{body}"
    );
    assert!(
        body.contains(&format!("{GETTOKEN_SECONDS}_bucket{{le=\"+Inf\"}}")),
        "{body}"
    );
    assert!(
        body.contains(&format!("{GETTOKEN_SECONDS}_count")),
        "{body}"
    );
    assert!(!body.contains("quantile="), "{body}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bind_names_http_listen_when_the_address_is_taken() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let err = http::bind(addr).await.expect_err("the port is taken");
    assert!(matches!(err, HttpError::AddrInUse { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("http.listen") && msg.contains(&addr.to_string()),
        "{msg}"
    );
    assert!(msg.contains("DLCSHARE_HTTP__LISTEN"), "{msg}");
}

#[tokio::test(flavor = "multi_thread")]
async fn shutdown_lets_the_server_finish() {
    let server = start(BotReadiness::new(GatewayStatus::new(), down_store())).await;
    let addr = server.addr;
    assert_eq!(get(&server.url("/healthz")).await.0, 200);
    server.stop().await;
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "nothing listens after shutdown"
    );
}
