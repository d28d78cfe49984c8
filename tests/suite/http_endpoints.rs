//! The operations endpoints (`/healthz`, `/readyz`, `/metrics`) served for real on a loopback
//! port, with a real PostgreSQL (`DATABASE_URL`; run under `scripts/with-postgres.sh`) and
//! one that is down.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use dlc_share_bot::app::BotReadiness;
use dlc_share_bot::config::DatabaseSettings;
use dlc_share_bot::discord::GatewayStatus;
use dlc_share_bot::http::{
    self, AUDIT_WRITE_FAILURES_TOTAL, GATEWAY_RECONNECTS_TOTAL, GETTOKEN_ERRORS_TOTAL,
    GETTOKEN_SECONDS, HttpError, INTERACTIONS_TOTAL, OpsState, RATE_LIMITED_TOTAL, Readiness,
};
use dlc_share_bot::store::{self, PgStore};
use secrecy::SecretString;
use sqlx::postgres::PgPoolOptions;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;

use crate::support;

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

/// A request head without its final empty line: the server waits for the rest.
const PARTIAL_HEAD: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: x\r\n";

/// Comfortably above `http::HEADER_READ_TIMEOUT` on a loaded machine.
const CLOSE_BOUND: Duration = Duration::from_secs(20);

async fn half_open(addr: SocketAddr) -> TcpStream {
    let mut stream = tokio::time::timeout(Duration::from_secs(5), TcpStream::connect(addr))
        .await
        .expect("connect within 5 s")
        .expect("connect");
    stream.write_all(PARTIAL_HEAD).await.expect("send");
    stream
}

/// Reads (and discards) until the server closes the connection; false if it is still open
/// after `bound`.
async fn closed_within(stream: &mut TcpStream, bound: Duration) -> bool {
    let mut buf = [0u8; 1024];
    tokio::time::timeout(bound, async {
        while let Ok(n) = stream.read(&mut buf).await {
            if n == 0 {
                break;
            }
        }
    })
    .await
    .is_ok()
}

/// Whether the server has closed the connection already (EOF or reset), without waiting.
fn closed_now(stream: &TcpStream) -> bool {
    let mut buf = [0u8; 64];
    match stream.try_read(&mut buf) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => e.kind() != std::io::ErrorKind::WouldBlock,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connection_that_never_finishes_its_request_head_is_closed() {
    let server = start(BotReadiness::new(GatewayStatus::new(), down_store())).await;
    let mut stream = half_open(server.addr).await;
    assert!(
        !closed_within(&mut stream, Duration::from_secs(2)).await,
        "closed before the client had a fair chance to finish"
    );
    assert!(
        closed_within(&mut stream, CLOSE_BOUND).await,
        "a half-sent request head holds its connection for more than {CLOSE_BOUND:?}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_idle_keep_alive_connection_is_closed_too() {
    let server = start(BotReadiness::new(GatewayStatus::new(), down_store())).await;
    let mut stream = TcpStream::connect(server.addr).await.expect("connect");
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("send");
    let mut answer = Vec::new();
    let mut buf = [0u8; 1024];
    let read = tokio::time::timeout(Duration::from_secs(5), async {
        while !answer.ends_with(b"\r\n\r\nok\n") {
            let n = stream.read(&mut buf).await.expect("read the answer");
            assert!(n > 0, "closed before answering: {answer:?}");
            answer.extend_from_slice(&buf[..n]);
        }
    })
    .await;
    assert!(read.is_ok(), "no complete answer: {answer:?}");
    assert!(answer.starts_with(b"HTTP/1.1 200"), "{answer:?}");
    assert!(
        closed_within(&mut stream, CLOSE_BOUND).await,
        "an idle keep-alive connection is held for more than {CLOSE_BOUND:?}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn healthz_answers_while_half_open_connections_pile_up() {
    const PILED: usize = http::MAX_CONNECTIONS + 64;
    // Both ends of every piled connection live in this process.
    support::rlimit::raise_own_nofile(2 * PILED as u64 + 256);
    let server = start(BotReadiness::new(GatewayStatus::new(), down_store())).await;
    let mut piled = Vec::with_capacity(PILED);
    for _ in 0..PILED {
        piled.push(half_open(server.addr).await);
    }

    let answered = tokio::time::timeout(Duration::from_secs(5), get(&server.url("/healthz"))).await;
    assert_eq!(answered.expect("/healthz within 5 s").0, 200);

    // The server holds at most MAX_CONNECTIONS: the oldest half-open ones made room.
    let must_close = PILED - http::MAX_CONNECTIONS;
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut closed = 0;
    while Instant::now() < deadline {
        closed = piled.iter().filter(|s| closed_now(s)).count();
        if closed >= must_close {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        closed >= must_close,
        "the server holds {} of {PILED} half-open connections",
        PILED - closed
    );
    assert!(
        !closed_now(piled.last().expect("piled")),
        "the newest connection is kept, the oldest go first"
    );

    let (_, metrics) = get(&server.url("/metrics")).await;
    assert!(
        metrics
            .contains(r#"dlcshare_ops_connections_closed_total{listener="ops",reason="evicted"}"#),
        "{metrics}"
    );
    drop(piled);
    server.stop().await;
}

/// A complete request head announcing a 100-byte body, and the body's first byte: the server
/// waits for the other 99.
pub(crate) async fn trickling_body(addr: SocketAddr, path: &str) -> TcpStream {
    let mut stream = tokio::time::timeout(Duration::from_secs(5), TcpStream::connect(addr))
        .await
        .expect("connect within 5 s")
        .expect("connect");
    let head = format!("POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nx");
    stream.write_all(head.as_bytes()).await.expect("send");
    stream
}

/// Everything the server sends until it closes the connection (or `bound` passes).
pub(crate) async fn read_to_close(stream: &mut TcpStream, bound: Duration) -> String {
    let mut answer = Vec::new();
    let mut buf = [0u8; 1024];
    let _ = tokio::time::timeout(bound, async {
        while let Ok(n) = stream.read(&mut buf).await {
            if n == 0 {
                break;
            }
            answer.extend_from_slice(&buf[..n]);
        }
    })
    .await;
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_trickled_a_byte_at_a_time_is_cut_off_at_its_deadline() {
    let server = start(BotReadiness::new(GatewayStatus::new(), down_store())).await;
    let mut stream = trickling_body(server.addr, "/healthz").await;
    let started = Instant::now();
    // One more byte every second: never idle, never complete.
    let (mut reader, mut writer) = stream.split();
    let trickle = async {
        for _ in 0..30 {
            tokio::time::sleep(Duration::from_secs(1)).await;
            if writer.write_all(b"y").await.is_err() {
                break;
            }
        }
    };
    let mut answer = Vec::new();
    let read = async {
        let mut buf = [0u8; 256];
        while let Ok(n) = reader.read(&mut buf).await {
            if n == 0 {
                break;
            }
            answer.extend_from_slice(&buf[..n]);
        }
    };
    tokio::select! {
        () = read => {}
        () = trickle => panic!("still open after 30 s of trickling"),
    }
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        started.elapsed() >= http::BODY_DEADLINE - Duration::from_millis(500),
        "closed after {:?}, before the deadline",
        started.elapsed()
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_announced_body_over_1_mib_is_refused_before_it_is_sent() {
    let server = start(BotReadiness::new(GatewayStatus::new(), down_store())).await;
    let mut stream = TcpStream::connect(server.addr).await.expect("connect");
    stream
        .write_all(b"POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000000\r\n\r\n")
        .await
        .expect("send the head alone");
    let answer = read_to_close(&mut stream, Duration::from_secs(3)).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer:?}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn healthz_answers_while_connections_stuck_on_their_body_pile_up() {
    const PILED: usize = http::MAX_CONNECTIONS + 44;
    support::rlimit::raise_own_nofile(2 * PILED as u64 + 256);
    let server = start(BotReadiness::new(GatewayStatus::new(), down_store())).await;
    let mut piled = Vec::with_capacity(PILED);
    for _ in 0..PILED {
        piled.push(trickling_body(server.addr, "/healthz").await);
    }
    // Within the body deadline: only eviction can make room now.
    let answered = tokio::time::timeout(Duration::from_secs(3), get(&server.url("/healthz"))).await;
    assert_eq!(answered.expect("/healthz within 3 s").0, 200);
    let (_, metrics) = get(&server.url("/metrics")).await;
    let evicted = metrics
        .lines()
        .find(|l| {
            l.starts_with(
                r#"dlcshare_ops_connections_closed_total{listener="ops",reason="evicted"}"#,
            )
        })
        .and_then(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .unwrap_or(0.0);
    assert!(
        evicted >= (PILED - http::MAX_CONNECTIONS) as f64,
        "evicted {evicted}: {metrics}"
    );
    drop(piled);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn shutdown_is_bounded_with_a_half_open_connection_held() {
    let server = start(BotReadiness::new(GatewayStatus::new(), down_store())).await;
    let mut stream = half_open(server.addr).await;
    // `stop` allows 5 s, well under the header-read timeout.
    server.stop().await;
    assert!(
        closed_within(&mut stream, Duration::from_secs(5)).await,
        "the half-open connection outlives the server"
    );
}

/// Ready, after a database probe that takes a second; says when a probe begins.
struct SlowDatabase(tokio::sync::mpsc::UnboundedSender<()>);

impl Readiness for SlowDatabase {
    fn gateway_connected(&self) -> bool {
        true
    }

    async fn database(&self) -> Result<(), String> {
        let _ = self.0.send(());
        tokio::time::sleep(Duration::from_secs(1)).await;
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn shutdown_lets_a_request_in_flight_finish() {
    let (entered, mut probes) = tokio::sync::mpsc::unbounded_channel();
    let server = start(SlowDatabase(entered)).await;
    let url = server.url("/readyz");
    let request = tokio::spawn(async move { get(&url).await });
    tokio::time::timeout(Duration::from_secs(5), probes.recv())
        .await
        .expect("the request reaches the handler");
    server.stop().await;
    let (status, body) = request.await.expect("the request task did not panic");
    assert_eq!((status, body.trim()), (200, "ready"));
}
