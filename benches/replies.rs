//! Micro-benchmarks: the member's answer rendered from the catalogue (Fluent lookups, the
//! embed, the fit to Discord's limits) and serialised as it goes on the wire, in English and
//! in Simplified Chinese.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use dlc_share_bot::discord::i18n::Lang;
use dlc_share_bot::discord::replies;
use dlc_share_bot::share::{Denial, IssuedShare, ShareOutcome, TargetId, TargetType};

fn render(c: &mut Criterion) {
    let issued = ShareOutcome::Issued(IssuedShare {
        target_type: TargetType::Job,
        target_id: TargetId::parse("dlc1a2b3c4d5e6f").unwrap(),
        link: "https://pai.example/share?token=eyJhbGciOi.bench.token"
            .to_owned()
            .into(),
        token: Some("eyJhbGciOi.bench.token".to_owned().into()),
        expiry: "1h30m".parse().unwrap(),
        expires_at: chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
        lifetime: Duration::from_secs(5_400),
        request_id: "4E80BD5A-765B-EC96-8FA7-03AF487A3083".into(),
        details: None,
    });
    let refused = ShareOutcome::Denied(Denial::MissingRole);
    for (name, lang, outcome) in [
        ("reply_issued_en", Lang::En, &issued),
        ("reply_issued_zh_cn", Lang::ZhCn, &issued),
        ("reply_missing_role_ja", Lang::Ja, &refused),
    ] {
        c.bench_function(name, |b| {
            b.iter(|| {
                let reply = replies::share(black_box(lang), black_box(outcome));
                serde_json::to_vec(&reply).unwrap()
            })
        });
    }
}

criterion_group!(benches, render);
criterion_main!(benches);
