//! CPU per whole GetToken call, in process: `PaiDlcClient::get_token` (signing, the HTTP
//! exchange over a kept-alive loopback connection, parsing) against a minimal responder, with
//! v1 and v3 signatures, on a multi-thread and on a current-thread tokio runtime; and the
//! floors under it: the same exchange as a plain reqwest GET (`floor_reqwest_*`), and as one
//! write and the reads of its answer on a tokio socket (`floor_socket_*`); and the look-up a
//! share makes before it with `aliyun.lookup` on (`lookup_*`: GetJob through the core's
//! `TargetLookup`, answer decoded into the details shown beside the link).
//!
//!     cargo bench --bench gettoken
//!
//! What is reported as "time" is CPU time, not wall time: each sample is the process's CPU
//! clock (`CLOCK_PROCESS_CPUTIME_ID`, every thread, user + system) over the sample, minus the
//! CPU the responder's threads spent (each keeps its own thread CPU clock). So it is what the
//! bot's side of one call costs, independent of how busy the shared cores are. The calls run in
//! a task spawned on the runtime, as the bot's interactions do, not on `block_on`'s thread.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use dlc_share_bot::aliyun::{Credentials, GetTokenRequest, PaiDlcClient};
use dlc_share_bot::config::{Settings, SignatureVersion};
use dlc_share_bot::share::{TargetId, TargetLookup, TargetType};

/// CPU nanoseconds the responder's threads have used, over all of them.
static RESPONDER_CPU_NS: AtomicU64 = AtomicU64::new(0);

fn clock_ns(clock: libc::clockid_t) -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; both clocks exist on Linux.
    let rc = unsafe { libc::clock_gettime(clock, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime");
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// One answer for every operation: GetToken reads `Token`, GetJob the job's fields.
const BODY: &str = r#"{"RequestId":"6A1B2C3D-0000-4000-8000-BENCH0000001","Token":"tok-bench-000000","JobId":"dlc1a2b3c4d5e6f","DisplayName":"resnet50 baseline","Status":"Running","WorkspaceId":"1001","WorkspaceName":"vision","UserId":"2000","JobType":"PyTorchJob","GmtCreateTime":"2026-12-01T08:00:00Z"}"#;

fn response() -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json;charset=utf-8\r\ncontent-length: {}\r\n\r\n{BODY}",
        BODY.len()
    )
    .into_bytes()
}

/// Answers every request on a connection with the same 200, keeping the connection alive.
fn serve(mut conn: TcpStream) {
    conn.set_nodelay(true).expect("nodelay");
    let response = response();
    let mut last = clock_ns(libc::CLOCK_THREAD_CPUTIME_ID);
    let mut buf = vec![0u8; 16 * 1024];
    let mut filled = 0;
    loop {
        match conn.read(&mut buf[filled..]) {
            Ok(0) | Err(_) => return,
            Ok(n) => filled += n,
        }
        // GET requests carry no body: a request ends at its blank line.
        while let Some(end) = buf[..filled].windows(4).position(|w| w == b"\r\n\r\n") {
            if conn.write_all(&response).is_err() {
                return;
            }
            buf.copy_within(end + 4..filled, 0);
            filled -= end + 4;
        }
        let now = clock_ns(libc::CLOCK_THREAD_CPUTIME_ID);
        RESPONDER_CPU_NS.fetch_add(now - last, Ordering::Relaxed);
        last = now;
    }
}

fn start_responder() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            std::thread::spawn(move || serve(conn));
        }
    });
    format!("http://{addr}")
}

fn client(endpoint: &str, version: SignatureVersion) -> PaiDlcClient {
    let mut settings = Settings::default().aliyun;
    settings.endpoint = Some(endpoint.to_owned());
    settings.signature_version = version;
    settings.max_retries = 0;
    let creds = Credentials::new(
        "LTAI5tBenchKeyId",
        "bench/Secret+Key=".to_owned().into(),
        None,
        "bench",
    );
    PaiDlcClient::new(&settings, creds).expect("client")
}

fn gettoken(c: &mut Criterion) {
    let endpoint = start_responder();
    let request = GetTokenRequest {
        target_type: TargetType::Job,
        target_id: "dlc1a2b3c4d5e6f".into(),
        expire_seconds: 3600,
    };
    let runtimes = [
        (
            "multi_thread",
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime"),
        ),
        (
            "current_thread",
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime"),
        ),
    ];
    let mut group = c.benchmark_group("gettoken_cpu");
    group.measurement_time(Duration::from_secs(4));
    for (rt_name, rt) in &runtimes {
        for (v_name, version) in [("v1", SignatureVersion::V1), ("v3", SignatureVersion::V3)] {
            let client = {
                let _enter = rt.enter();
                client(&endpoint, version)
            };
            // One connection, opened before measuring (the bot keeps its connection too).
            rt.block_on(client.get_token(&request))
                .expect("warm-up call");
            group.bench_function(format!("{v_name}_{rt_name}"), |b| {
                b.iter_custom(|iters| {
                    let client = client.clone();
                    let request = request.clone();
                    measured(rt, async move {
                        for _ in 0..iters {
                            client.get_token(&request).await.expect("GetToken");
                        }
                    })
                })
            });
        }
    }
    // The look-up before a share: one more signed exchange, and the job's answer decoded.
    let job = TargetId::parse("dlc1a2b3c4d5e6f").expect("a job id");
    for (rt_name, rt) in &runtimes {
        let client = {
            let _enter = rt.enter();
            client(&endpoint, SignatureVersion::V1)
        };
        rt.block_on(client.look_up(TargetType::Job, &job))
            .expect("warm-up look-up");
        group.bench_function(format!("lookup_v1_{rt_name}"), |b| {
            b.iter_custom(|iters| {
                let (client, job) = (client.clone(), job.clone());
                measured(rt, async move {
                    for _ in 0..iters {
                        client.look_up(TargetType::Job, &job).await.expect("GetJob");
                    }
                })
            })
        });
    }
    // The floor under the client: the same exchange with no signing, parsing or retries, as
    // plain reqwest (the HTTP client the product pins) and as bare tokio socket calls.
    let url = format!("{endpoint}/api/v1/tokens?TargetType=job&TargetId=dlc1a2b3c4d5e6f");
    for (rt_name, rt) in &runtimes {
        let http = {
            let _enter = rt.enter();
            reqwest::Client::builder()
                .retry(reqwest::retry::never().max_retries_per_request(0))
                .build()
                .expect("client")
        };
        rt.block_on(http.get(&url).send()).expect("warm-up");
        group.bench_function(format!("floor_reqwest_{rt_name}"), |b| {
            b.iter_custom(|iters| {
                let (http, url) = (http.clone(), url.clone());
                measured(rt, async move {
                    for _ in 0..iters {
                        let resp = http.get(&url).send().await.expect("GET");
                        resp.bytes().await.expect("body");
                    }
                })
            })
        });
        let addr = endpoint.trim_start_matches("http://").to_owned();
        let stream = rt
            .block_on(tokio::net::TcpStream::connect(&addr))
            .expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        let stream = std::sync::Arc::new(tokio::sync::Mutex::new(stream));
        let request = format!("GET /api/v1/tokens HTTP/1.1\r\nhost: {addr}\r\n\r\n");
        let expected = response().len();
        group.bench_function(format!("floor_socket_{rt_name}"), |b| {
            b.iter_custom(|iters| {
                let (stream, request) = (stream.clone(), request.clone());
                measured(rt, async move {
                    use tokio::io::{AsyncReadExt, AsyncWriteExt};
                    let mut stream = stream.lock().await;
                    let mut buf = vec![0u8; 4096];
                    for _ in 0..iters {
                        stream.write_all(request.as_bytes()).await.expect("write");
                        let mut got = 0;
                        while got < expected {
                            got += stream.read(&mut buf).await.expect("read");
                        }
                    }
                })
            })
        });
    }
    group.finish();
}

/// The CPU the bot's side of `calls` used: run in a task spawned on `rt`, responder excluded.
fn measured(
    rt: &tokio::runtime::Runtime,
    calls: impl std::future::Future<Output = ()> + Send + 'static,
) -> Duration {
    let responder_before = RESPONDER_CPU_NS.load(Ordering::Relaxed);
    let before = clock_ns(libc::CLOCK_PROCESS_CPUTIME_ID);
    rt.block_on(async move { tokio::spawn(calls).await.expect("calls") });
    let spent = clock_ns(libc::CLOCK_PROCESS_CPUTIME_ID) - before;
    let responder = RESPONDER_CPU_NS.load(Ordering::Relaxed) - responder_before;
    Duration::from_nanos(spent.saturating_sub(responder))
}

criterion_group!(benches, gettoken);
criterion_main!(benches);
