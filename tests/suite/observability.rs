//! The Grafana dashboard (`deploy/grafana/dlc-share-bot.json`), the Prometheus alert rules
//! (`deploy/prometheus/alerts.yml`) and the operations guide (`docs/operations.md`) name only
//! metrics that the running bot exports. The real bot is driven through every path that
//! creates a series (a link, an upstream error, a rate-limit refusal, a shed share, an audit
//! channel post, a gateway reconnect, a readiness check, an audit write failure, a connection
//! the operations server closes), then `/metrics` is scraped and every `dlcshare_…` name those
//! files use is looked up in it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use crate::support;
use serde_json::Value;
use support::bot::{ALLOWED_ROLE, BotHarness, REPLY_TIMEOUT, assert_says};
use support::discord::{CommandInteraction, MANAGE_GUILD};
use support::pai_dlc::Behavior;

const ADMIN: u64 = 1_180_000_000_000_000_900;
/// Where the bot posts one line per attempt.
const AUDIT_ROOM: u64 = 1_180_000_000_000_007_003;

fn repo_file(path: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every `dlcshare_…` identifier in `text` (PromQL, YAML or Markdown).
fn metric_names(text: &str) -> BTreeSet<String> {
    const PREFIX: &str = "dlcshare_";
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut names = BTreeSet::new();
    for (at, _) in text.match_indices(PREFIX) {
        if text[..at].chars().next_back().is_some_and(is_ident) {
            continue; // inside a longer identifier
        }
        let name: String = text[at..].chars().take_while(|&c| is_ident(c)).collect();
        names.insert(name);
    }
    names
}

/// Every PromQL expression in a Grafana dashboard: the panels' targets (rows' nested panels
/// included) and the template variables' queries.
fn dashboard_queries(dashboard: &Value) -> Vec<String> {
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                for (key, value) in map {
                    match (key.as_str(), value) {
                        ("expr" | "definition", Value::String(q)) => out.push(q.clone()),
                        ("query", Value::String(q)) => out.push(q.clone()),
                        _ => walk(value, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(dashboard, &mut out);
    out
}

/// What a Prometheus text page exports: sample names (`x`, `x_bucket`, `x_count`, …) and the
/// `# TYPE` of each family.
struct Exported {
    samples: BTreeSet<String>,
    types: BTreeMap<String, String>,
}

impl Exported {
    fn parse(page: &str) -> Exported {
        let mut samples = BTreeSet::new();
        let mut types = BTreeMap::new();
        for line in page.lines() {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                let mut parts = rest.split_whitespace();
                if let (Some(name), Some(kind)) = (parts.next(), parts.next()) {
                    types.insert(name.to_owned(), kind.to_owned());
                }
            } else if !line.starts_with('#') && !line.trim().is_empty() {
                let name = line.split(['{', ' ']).next().unwrap_or_default();
                samples.insert(name.to_owned());
            }
        }
        Exported { samples, types }
    }

    /// A sample name on the page, or a histogram's family name (as prose names it) whose
    /// buckets are on the page.
    fn has(&self, name: &str) -> bool {
        self.samples.contains(name)
            || (self.types.get(name).map(String::as_str) == Some("histogram")
                && self.samples.contains(&format!("{name}_bucket")))
    }
}

/// Which of `names` the page lacks.
fn missing<'a>(exported: &Exported, names: &'a BTreeSet<String>) -> Vec<&'a str> {
    names
        .iter()
        .map(String::as_str)
        .filter(|n| !exported.has(n))
        .collect()
}

#[test]
fn metric_names_are_found_in_promql_yaml_and_prose() {
    let names = metric_names(
        "sum by (le) (rate(dlcshare_gettoken_seconds_bucket{job=~\"x\"}[5m])) / \
         dlcshare_ready==0, `dlcshare_shed_total` and not_dlcshare_other",
    );
    let names: Vec<_> = names.iter().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "dlcshare_gettoken_seconds_bucket",
            "dlcshare_ready",
            "dlcshare_shed_total"
        ]
    );
    let page = "# TYPE dlcshare_gettoken_seconds histogram\n\
                dlcshare_gettoken_seconds_bucket{le=\"0.01\"} 1\n\
                dlcshare_gettoken_seconds_count 1\n\
                dlcshare_ready 1\n";
    let exported = Exported::parse(page);
    for present in [
        "dlcshare_gettoken_seconds",
        "dlcshare_gettoken_seconds_bucket",
        "dlcshare_gettoken_seconds_count",
        "dlcshare_ready",
    ] {
        assert!(exported.has(present), "{present}");
    }
    for absent in [
        "dlcshare_gettoken_seconds_sum",
        "dlcshare_ready_total",
        "dlcshare_shed_total",
    ] {
        assert!(!exported.has(absent), "{absent}");
    }
}

#[test]
fn the_dashboard_takes_its_datasource_from_a_variable() {
    let dashboard: Value =
        serde_json::from_str(&repo_file("deploy/grafana/dlc-share-bot.json")).expect("JSON");
    let variables = dashboard["templating"]["list"]
        .as_array()
        .expect("variables");
    assert!(
        variables.iter().any(|v| v["name"] == "datasource"
            && v["type"] == "datasource"
            && v["query"] == "prometheus"),
        "a Prometheus datasource variable: {variables:?}"
    );
    fn uids(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                if let Some(Value::String(uid)) = map.get("datasource").and_then(|d| d.get("uid")) {
                    out.push(uid.clone());
                }
                map.values().for_each(|x| uids(x, out));
            }
            Value::Array(items) => items.iter().for_each(|x| uids(x, out)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    uids(&dashboard, &mut found);
    assert!(found.len() > 10, "{found:?}");
    for uid in found {
        assert!(
            uid == "${datasource}" || uid == "-- Grafana --",
            "a hard-coded datasource uid: {uid}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_alerts_and_docs_name_only_exported_metrics() {
    let dashboard: Value =
        serde_json::from_str(&repo_file("deploy/grafana/dlc-share-bot.json")).expect("JSON");
    let queries = dashboard_queries(&dashboard);
    let in_dashboard = metric_names(&queries.join("\n"));
    let in_alerts = metric_names(&repo_file("deploy/prometheus/alerts.yml"));
    let in_docs = metric_names(&repo_file("docs/operations.md"));
    for (what, names) in [
        ("dashboard", &in_dashboard),
        ("alerts", &in_alerts),
        ("docs", &in_docs),
    ] {
        assert!(names.len() >= 5, "{what} names too few metrics: {names:?}");
    }

    let h = BotHarness::start_via_proxy(
        "obs_dashboard",
        &[
            ("DLCSHARE_SHARE__MAX_IN_FLIGHT", "2"),
            ("DLCSHARE_DATABASE__STATEMENT_TIMEOUT", "2s"),
            // A slow GetToken below holds its slot for all of its 3 s, not one attempt's.
            ("DLCSHARE_ALIYUN__REQUEST_TIMEOUT", "10s"),
            ("DLCSHARE_ALIYUN__DEADLINE", "12s"),
            ("DLCSHARE_ALIYUN__LOOKUP", "true"),
        ],
    )
    .await;
    // Every look-up fails (`Forbidden.RAM`, no workspace rule): each share goes on without the
    // target's details and counts a look-up failure, so the ids below need not exist.
    h.pai_dlc.deny(support::pai_dlc::Operation::GetJob);
    // Sends no request head: the operations server closes it after 10 s (`header_timeout`).
    let idle = tokio::net::TcpStream::connect(&h.http_addr)
        .await
        .expect("the operations port accepts");
    let (status, body) = h.ops_get("/readyz").await;
    assert_eq!(status, 200, "{body}");
    h.allow_role(ALLOWED_ROLE).await;
    let mut next_user = 1_180_000_000_000_010_000;
    let mut share = |id: &str| {
        next_user += 1;
        CommandInteraction::share("job")
            .option_str("id", id)
            .roles([ALLOWED_ROLE])
            .user(next_user, "member")
    };

    // A failed refresh of the id suggestions: ListJobs refused, the member answered anyway.
    h.pai_dlc.deny(support::pai_dlc::Operation::ListJobs);
    let typing = CommandInteraction::share("job")
        .option_str("id", "dlc")
        .roles([ALLOWED_ROLE])
        .autocomplete("id")
        .build();
    let typed = h.discord.send_interaction(typing).await;
    let answered = h.discord.wait_for_reply(&typed, REPLY_TIMEOUT).await;
    assert!(answered.is_some_and(|r| r.choices().is_empty()));

    // A link (and the GetToken histogram).
    let (_, reply) = h.ask(share("dlc-issued").build()).await;
    assert_says(&reply, "Here is your share link");

    // An upstream error, by code.
    h.pai_dlc.script([Behavior::Error {
        status: 403,
        code: "Forbidden.RAM",
    }]);
    let (id, _) = h.ask(share("dlc-forbidden").build()).await;
    assert_eq!(h.audit_row(&id).await["outcome"], "upstream_error");

    // A rate-limit refusal: one member past the per-user burst (3).
    let eager = share("dlc-eager");
    let mut last = String::new();
    for _ in 0..4 {
        last = h.ask(eager.clone().build()).await.0;
    }
    assert_eq!(h.audit_row(&last).await["outcome"], "rate_limited");

    // Shed: two slow shares hold both slots (share.max_in_flight = 2), a third is busy. Slow
    // enough that the third is handled while they wait, on a loaded machine too.
    let before = h.pai_dlc.arrivals();
    h.pai_dlc.script([
        Behavior::Slow(Duration::from_secs(3)),
        Behavior::Slow(Duration::from_secs(3)),
    ]);
    let slow = [
        h.discord
            .send_interaction(share("dlc-slow-1").build())
            .await,
        h.discord
            .send_interaction(share("dlc-slow-2").build())
            .await,
    ];
    assert!(
        support::bot::wait_until(|| h.pai_dlc.arrivals() >= before + 2).await,
        "both slow shares reach GetToken"
    );
    let busy = h.discord.send_interaction(share("dlc-busy").build()).await;
    let reply = h
        .discord
        .wait_for_reply(&busy, REPLY_TIMEOUT)
        .await
        .expect("answered");
    assert_says(&reply, "busy right now");
    for id in &slow {
        let reply = h.discord.wait_for_reply(id, REPLY_TIMEOUT).await;
        assert!(reply.is_some(), "no answer to {id}");
    }
    assert_eq!(
        h.wait_for_audit(&busy).await,
        ("rate_limited".to_owned(), Some("overloaded".to_owned()))
    );

    // An audit channel post.
    let set = CommandInteraction::admin(Some("policy"), "set")
        .permissions(MANAGE_GUILD)
        .user(ADMIN, "admin")
        .option_channel("audit_channel", AUDIT_ROOM);
    h.ask(set.build()).await;
    h.ask(share("dlc-posted").build()).await;
    let posts = h
        .discord
        .wait_for_channel_messages(AUDIT_ROOM, 1, REPLY_TIMEOUT)
        .await;
    assert_eq!(posts.len(), 1, "{posts:?}");

    // A gateway reconnect.
    h.discord.drop_connections().await;
    assert!(
        support::bot::wait_until(|| h.discord.resume_count() + h.discord.identify_count() >= 2)
            .await,
        "no reconnect; log:\n{}",
        h.logs()
    );
    assert!(h.discord.wait_until_ready(REPLY_TIMEOUT).await);

    // An audit write failure: the database goes silent while GetToken runs, so the row
    // cannot be completed and the link is withheld.
    let before = h.pai_dlc.arrivals();
    h.pai_dlc
        .script([Behavior::Slow(Duration::from_millis(700))]);
    let id = h
        .discord
        .send_interaction(share("dlc-unrecorded").build())
        .await;
    assert!(
        support::bot::wait_until(|| h.pai_dlc.arrivals() > before).await,
        "GetToken called"
    );
    h.db_proxy().freeze();
    let reply = h
        .discord
        .wait_for_reply(&id, REPLY_TIMEOUT)
        .await
        .unwrap_or_else(|| panic!("no answer; log:\n{}", h.logs()));
    assert_says(&reply, "Cannot record requests right now");
    h.db_proxy().thaw();

    // The idle connection is closed by now, or soon.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    let page = loop {
        let (status, page) = h.ops_get("/metrics").await;
        assert_eq!(status, 200);
        if page.contains("dlcshare_ops_connections_closed_total")
            || tokio::time::Instant::now() > deadline
        {
            break page;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    drop(idle);

    let exported = Exported::parse(&page);
    for (what, names) in [
        ("the dashboard", &in_dashboard),
        ("deploy/prometheus/alerts.yml", &in_alerts),
        ("docs/operations.md", &in_docs),
    ] {
        let gone = missing(&exported, names);
        assert!(
            gone.is_empty(),
            "{what} names metrics the bot does not export: {gone:?}\n/metrics:\n{page}"
        );
    }
}
