//! Micro-benchmarks: one whole signed GetToken request (every header + Authorization) with
//! v1 and v3, and expiry parsing. Target: a signed request under 5 µs.

use std::collections::BTreeMap;
use std::hint::black_box;

use chrono::{TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use dlc_share_bot::aliyun::Credentials;
use dlc_share_bot::aliyun::signer::{self, RequestParts};
use dlc_share_bot::config::SignatureVersion;
use dlc_share_bot::share::{Expiry, parse_duration};

fn signing(c: &mut Criterion) {
    let creds = Credentials::new(
        "LTAI5tBenchKeyId",
        "bench/Secret+Key=".to_owned().into(),
        None,
        "bench",
    );
    let query: BTreeMap<String, String> = [
        ("ExpireTime", "3600"),
        ("TargetId", "dlc1a2b3c4d5e6f"),
        ("TargetType", "job"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let now = Utc.with_ymd_and_hms(2026, 11, 28, 1, 13, 57).unwrap();
    let parts = RequestParts {
        method: "GET",
        action: "GetToken",
        path: "/api/v1/tokens",
        host: "pai-dlc.cn-hangzhou.aliyuncs.com",
        query: &query,
        now,
        nonce: "4e80bd5a765bec968fa703af487a3083",
        user_agent: "dlc-share-bot/bench",
    };
    for (name, version) in [
        ("sign_request_v1", SignatureVersion::V1),
        ("sign_request_v3", SignatureVersion::V3),
    ] {
        c.bench_function(name, |b| {
            b.iter(|| {
                signer::signed_headers(black_box(version), black_box(&creds), black_box(&parts))
            })
        });
    }
}

fn expiry(c: &mut Criterion) {
    c.bench_function("parse_duration_1h30m", |b| {
        b.iter(|| parse_duration(black_box("1h30m")))
    });
    c.bench_function("parse_expiry_bounded_7d", |b| {
        b.iter(|| Expiry::parse(black_box("7d"), Expiry::HARD_MAX))
    });
    c.bench_function("parse_duration_plain_seconds", |b| {
        b.iter(|| parse_duration(black_box("3600")))
    });
}

criterion_group!(benches, signing, expiry);
criterion_main!(benches);
