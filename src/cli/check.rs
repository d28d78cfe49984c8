//! `dlc-share-bot check`: everything the bot needs, verified from the shell before it is
//! deployed. One ✓/✗ line per check on stdout; any ✗ makes the exit status non-zero.
//! Secrets are only ever used, never printed.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::bail;
use secrecy::ExposeSecret;
use serenity::http::HttpBuilder;

use crate::aliyun::{
    AliyunError, GetTokenRequest, ListJobs, ListTensorboards, PaiDlcClient, credentials,
};
use crate::config::{DEFAULT_CONFIG_PATH, Settings, SignatureVersion, secret_from_env};
use crate::share::{GuildScope, TargetId, TargetType};
use crate::store::{self, DATABASE_URL_VAR, StoreError};

/// The Discord token's variable (or `DISCORD_TOKEN_FILE`).
const DISCORD_TOKEN_VAR: &str = "DISCORD_TOKEN";
/// A target id that cannot exist, so a correctly signed call is harmless.
pub const PROBE_TARGET_ID: &str = "dlc-share-bot-check";
const PROBE_EXPIRE_SECONDS: u32 = 60;
/// Upper bound for the database and Discord checks, so `check` never hangs on a black hole.
const CHECK_TIMEOUT: Duration = Duration::from_secs(15);

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckResult {
    pub name: &'static str,
    pub ok: bool,
    pub detail: String,
}

impl CheckResult {
    fn pass(name: &'static str, detail: impl Into<String>) -> Self {
        CheckResult {
            name,
            ok: true,
            detail: detail.into(),
        }
    }

    fn fail(name: &'static str, detail: impl Into<String>) -> Self {
        CheckResult {
            name,
            ok: false,
            detail: detail.into(),
        }
    }
}

impl std::fmt::Display for CheckResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mark = if self.ok { '✓' } else { '✗' };
        write!(f, "{mark} {}: {}", self.name, self.detail)
    }
}

/// Runs every check (the slow ones concurrently), prints them in a fixed order, and fails
/// when any failed. `config_path` is the `--config` argument, to say where settings came from.
pub async fn run(settings: &Settings, config_path: Option<&Path>) -> anyhow::Result<()> {
    let configuration = check_configuration(settings, config_path);
    let (database, discord, alibaba, lookup, suggestions) = tokio::join!(
        check_database(settings),
        check_discord(settings),
        check_alibaba(settings),
        check_lookup(settings),
        check_suggestions(settings)
    );
    let results = [
        configuration,
        database,
        discord,
        alibaba,
        lookup,
        suggestions,
    ];
    for r in &results {
        println!("{r}");
    }
    let failed = results.iter().filter(|r| !r.ok).count();
    if failed > 0 {
        bail!("{failed} of {} checks failed", results.len());
    }
    Ok(())
}

/// Settings were loaded and validated by the caller; this says where they came from.
fn check_configuration(settings: &Settings, config_path: Option<&Path>) -> CheckResult {
    let file = config_path
        .map(Path::to_path_buf)
        .or_else(|| std::env::var_os("DLCSHARE_CONFIG").map(PathBuf::from))
        .or_else(|| Some(PathBuf::from(DEFAULT_CONFIG_PATH)).filter(|p| p.is_file()));
    let mut overrides: Vec<String> = std::env::vars_os()
        .filter_map(|(k, _)| k.into_string().ok())
        .filter(|k| k.starts_with("DLCSHARE_") && k != "DLCSHARE_CONFIG")
        .collect();
    overrides.sort();
    let mut sources = vec!["built-in defaults".to_owned()];
    if let Some(file) = file {
        sources.push(file.display().to_string());
    }
    match overrides.len() {
        0 => {}
        1 => sources.push(overrides.remove(0)),
        n => sources.push(format!("{n} DLCSHARE_* variables")),
    }
    // `run` refuses to start without a guild scope, so `check` fails on it too.
    let served = match settings.guild_scope() {
        Ok(GuildScope::Every) => "every server (discord.guilds = [\"*\"])".to_owned(),
        Ok(GuildScope::Listed(ids)) => format!("{} server(s)", ids.len()),
        Err(e) => return CheckResult::fail("configuration", e.to_string()),
    };
    let signature = match settings.aliyun.signature_version {
        SignatureVersion::V1 => "v1",
        SignatureVersion::V3 => "v3",
    };
    CheckResult::pass(
        "configuration",
        format!(
            "{} (serving {served}, GetToken endpoint {}, signature {signature}, http.listen {})",
            sources.join(" + "),
            crate::aliyun::client::endpoint_for(&settings.aliyun),
            settings.http.listen
        ),
    )
}

async fn check_database(settings: &Settings) -> CheckResult {
    const NAME: &str = "database";
    let url = match secret_from_env(DATABASE_URL_VAR) {
        Ok(Some(url)) => url,
        Ok(None) => return CheckResult::fail(NAME, StoreError::NotConfigured.to_string()),
        Err(e) => return CheckResult::fail(NAME, e.to_string()),
    };
    let target = match store::parse_database_url(&url) {
        Ok(options) => {
            let db = options.get_database().unwrap_or("(default database)");
            match options.get_socket() {
                Some(socket) => format!("{}/{db}", socket.display()),
                None => format!("{}:{}/{db}", options.get_host(), options.get_port()),
            }
        }
        Err(e) => return CheckResult::fail(NAME, e.to_string()),
    };
    let probe = async {
        let store = store::connect(&url, &settings.database).await?;
        let pending = store.pending_migrations().await;
        store.close().await;
        pending
    };
    let known = store::latest_known_version();
    match tokio::time::timeout(CHECK_TIMEOUT, probe).await {
        Err(_) => CheckResult::fail(
            NAME,
            format!(
                "PostgreSQL at {target} did not answer within {}s",
                CHECK_TIMEOUT.as_secs()
            ),
        ),
        Ok(Err(e @ StoreError::DatabaseNewer { .. })) => {
            CheckResult::fail(NAME, format!("database newer than binary: {}", chain(&e)))
        }
        // StoreError names the target, never the URL (it carries the password).
        Ok(Err(e)) => CheckResult::fail(NAME, chain(&e)),
        Ok(Ok(pending)) if pending.is_empty() => CheckResult::pass(
            NAME,
            format!("PostgreSQL at {target}, schema current (migration {known})"),
        ),
        Ok(Ok(pending)) => CheckResult::pass(
            NAME,
            format!(
                "PostgreSQL at {target}, {} pending migration(s) up to {known}; the bot applies \
                 them at start-up, or run `dlc-share-bot migrate`",
                pending.len()
            ),
        ),
    }
}

async fn check_discord(settings: &Settings) -> CheckResult {
    const NAME: &str = "Discord token";
    let token = match secret_from_env(DISCORD_TOKEN_VAR) {
        Ok(Some(token)) => token,
        Ok(None) => {
            return CheckResult::fail(
                NAME,
                "DISCORD_TOKEN is not set (nor DISCORD_TOKEN_FILE): set it to the bot token \
                 (Developer Portal → your application → Bot → Reset Token)",
            );
        }
        Err(e) => return CheckResult::fail(NAME, e.to_string()),
    };
    let base = settings.discord.api_base.trim_end_matches('/');
    // serenity sends requests to `proxy` only with its own rate limiter off; one request
    // needs no rate limiting anyway.
    let http = HttpBuilder::new(token.expose_secret())
        .proxy(base)
        .ratelimiter_disabled(true)
        .build();
    match tokio::time::timeout(CHECK_TIMEOUT, http.get_current_user()).await {
        Err(_) => CheckResult::fail(
            NAME,
            format!("{base} did not answer within {}s", CHECK_TIMEOUT.as_secs()),
        ),
        Ok(Ok(user)) if !user.bot => CheckResult::fail(
            NAME,
            format!(
                "DISCORD_TOKEN belongs to {} ({}), which is not a bot account",
                user.name, user.id
            ),
        ),
        Ok(Ok(user)) => CheckResult::pass(
            NAME,
            format!("authenticated as {} (id {}) via {base}", user.name, user.id),
        ),
        Ok(Err(e)) => CheckResult::fail(NAME, describe_discord_error(&e, base)),
    }
}

/// Plain words for the usual failures; serenity's own messages carry URLs, never the token.
fn describe_discord_error(e: &serenity::Error, base: &str) -> String {
    use serenity::http::HttpError;
    match e {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(resp)) => {
            let status = resp.status_code;
            if status.as_u16() == 401 {
                format!(
                    "{base} rejected DISCORD_TOKEN (HTTP 401 Unauthorized): copy the bot token \
                     again, or reset it in the Developer Portal"
                )
            } else {
                format!(
                    "{base} answered GET /users/@me with HTTP {status}: {}",
                    resp.error.message
                )
            }
        }
        serenity::Error::Http(HttpError::Request(err)) => {
            format!("cannot reach {base}: {}", chain(err))
        }
        other => format!("GET /users/@me via {base} failed: {other}"),
    }
}

async fn check_alibaba(settings: &Settings) -> CheckResult {
    const NAME: &str = "Alibaba Cloud credentials";
    let creds = match credentials::load() {
        Ok(c) => c,
        Err(e) => return CheckResult::fail(NAME, e.to_string()),
    };
    let who = format!("AccessKey {} from {}", creds.masked_key_id(), creds.source);
    let client = match PaiDlcClient::new(&settings.aliyun, creds) {
        Ok(c) => c,
        Err(e) => return CheckResult::fail(NAME, e.to_string()),
    };
    let endpoint = client.endpoint().trim_end_matches('/').to_owned();
    let probe = GetTokenRequest {
        target_type: TargetType::Job,
        target_id: PROBE_TARGET_ID.into(),
        expire_seconds: PROBE_EXPIRE_SECONDS,
    };
    // The client bounds this itself (aliyun.deadline), retries included.
    match client.get_token(&probe).await {
        Ok(resp) => CheckResult::pass(
            NAME,
            format!(
                "{who} accepted by {endpoint} (GetToken succeeded, RequestId {})",
                resp.request_id
            ),
        ),
        Err(e) => judge_probe_error(&e, &who, &endpoint),
    }
}

/// With `aliyun.lookup` on, every `/share` first calls GetJob (or GetTensorboard): GetJob for
/// an id that cannot exist proves the RAM policy allows it. Not found passes; `Forbidden.RAM`
/// names the action to grant.
async fn check_lookup(settings: &Settings) -> CheckResult {
    const NAME: &str = "PAI-DLC look-up";
    if !settings.aliyun.lookup {
        return CheckResult::pass(NAME, "off (aliyun.lookup = false); GetJob is not needed");
    }
    let client = match credentials::load()
        .map_err(|e| e.to_string())
        .and_then(|creds| PaiDlcClient::new(&settings.aliyun, creds).map_err(|e| e.to_string()))
    {
        Ok(c) => c,
        Err(e) => return CheckResult::fail(NAME, e),
    };
    let probe = TargetId::parse(PROBE_TARGET_ID).expect("the probe id is a valid id");
    match client.get_job(&probe).await {
        Ok(_) => CheckResult::pass(
            NAME,
            format!("GetJob allowed (it found a job named `{PROBE_TARGET_ID}`)"),
        ),
        Err(e) if e.is_not_found() => CheckResult::pass(
            NAME,
            format!("GetJob allowed (not found for the probe id `{PROBE_TARGET_ID}`, as expected)"),
        ),
        Err(e) => match e.missing_ram_action() {
            Some(action) => CheckResult::fail(
                NAME,
                format!(
                    "GetJob refused with {} (RequestId {}): the RAM policy must allow {action} \
                     while aliyun.lookup is on",
                    e.code(),
                    e.request_id().unwrap_or("none")
                ),
            ),
            None => CheckResult::fail(NAME, format!("GetJob could not be checked: {e}")),
        },
    }
}

/// With `aliyun.suggest` on, autocompleting `id` lists recent jobs (ListJobs) and TensorBoards
/// (ListTensorboards): asking each for one entry proves the RAM policy allows them. A refusal
/// names the action to grant.
async fn check_suggestions(settings: &Settings) -> CheckResult {
    const NAME: &str = "PAI-DLC suggestions";
    if !settings.aliyun.suggest {
        return CheckResult::pass(
            NAME,
            "off (aliyun.suggest = false); ListJobs and ListTensorboards are not needed",
        );
    }
    let client = match credentials::load()
        .map_err(|e| e.to_string())
        .and_then(|creds| PaiDlcClient::new(&settings.aliyun, creds).map_err(|e| e.to_string()))
    {
        Ok(c) => c,
        Err(e) => return CheckResult::fail(NAME, e),
    };
    let jobs = ListJobs {
        workspace_id: None,
        display_name: None,
        page_size: 1,
        page_number: 1,
    };
    let tensorboards = ListTensorboards {
        workspace_id: None,
        page_size: 1,
        page_number: 1,
    };
    let (jobs, tensorboards) = tokio::join!(
        client.list_jobs(&jobs),
        client.list_tensorboards(&tensorboards)
    );
    let failures: Vec<String> = [
        ("ListJobs", jobs.err()),
        ("ListTensorboards", tensorboards.err()),
    ]
    .into_iter()
    .filter_map(|(operation, e)| {
        let e = e?;
        Some(match e.missing_ram_action() {
            Some(action) => format!(
                "{operation} refused with {} (RequestId {}): the RAM policy must allow {action} \
                 while aliyun.suggest is on",
                e.code(),
                e.request_id().unwrap_or("none")
            ),
            None => format!("{operation} could not be checked: {e}"),
        })
    })
    .collect();
    if failures.is_empty() {
        CheckResult::pass(NAME, "ListJobs and ListTensorboards allowed")
    } else {
        CheckResult::fail(NAME, failures.join("; "))
    }
}

/// Signature and credential errors fail; not-found and invalid-parameter answers
/// mean the request was authenticated and only the (made-up) target was refused, so they pass.
/// Anything else (network, throttling, 5xx, other refusals) could not prove the credentials.
fn judge_probe_error(e: &AliyunError, who: &str, endpoint: &str) -> CheckResult {
    const NAME: &str = "Alibaba Cloud credentials";
    let code = e.code();
    let request_id = e.request_id().unwrap_or("none");
    let is_api_answer = matches!(
        e.last(),
        AliyunError::Api { .. } | AliyunError::NotFound { .. }
    );
    if e.is_credential_error() || code.starts_with("InvalidSecurityToken") {
        return CheckResult::fail(
            NAME,
            format!(
                "{who} rejected by {endpoint}: {code} (RequestId {request_id}); check the \
                 AccessKey pair, the STS token and the clock, and that the RAM policy allows \
                 paidlc:GetToken"
            ),
        );
    }
    if is_api_answer && is_harmless_refusal(code) {
        return CheckResult::pass(
            NAME,
            format!(
                "{who} accepted by {endpoint} (GetToken answered {code} for the probe id \
                 `{PROBE_TARGET_ID}`, as expected; RequestId {request_id})"
            ),
        );
    }
    CheckResult::fail(
        NAME,
        format!("could not verify {who} against {endpoint}: {e}"),
    )
}

/// Refusals of the target, not of the caller.
fn is_harmless_refusal(code: &str) -> bool {
    let lower = code.to_ascii_lowercase();
    lower.starts_with("invalidparameter")
        || lower.contains("notfound")
        || lower.contains("notexist")
        || lower.contains("nosuch")
}

/// `outer: inner: innermost`.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let s = c.to_string();
        if !out.ends_with(&s) {
            out.push_str(": ");
            out.push_str(&s);
        }
        cause = c.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, code: &str) -> AliyunError {
        AliyunError::Api {
            action: crate::aliyun::Action::GetToken,
            status,
            code: code.into(),
            message: "m".into(),
            request_id: Some("REQ-1".into()),
            retry_after: None,
        }
    }

    #[test]
    fn probe_answers_are_judged_as_the_spec_says() {
        for failing in [
            "SignatureDoesNotMatch",
            "InvalidAccessKeyId.NotFound",
            "InvalidAccessKeyId.Inactive",
            "IncompleteSignature",
            "InvalidTimeStamp.Expired",
            "Forbidden.RAM",
            "InvalidSecurityToken.Expired",
            "Throttling.User",
            "InternalError",
        ] {
            let r = judge_probe_error(&api(400, failing), "k", "e");
            assert!(!r.ok, "{failing} must fail: {r}");
            assert!(r.detail.contains(failing), "{r}");
        }
        for passing in [
            "InvalidParameter",
            "InvalidParameter.TargetId",
            "JobNotFound",
            "EntityNotExist.Job",
        ] {
            let r = judge_probe_error(&api(404, passing), "k", "e");
            assert!(r.ok, "{passing} must pass: {r}");
        }
        let refused = AliyunError::Network {
            action: crate::aliyun::Action::GetToken,
            reason: "refused".into(),
        };
        let r = judge_probe_error(&refused, "k", "e");
        assert!(!r.ok && r.detail.contains("refused"), "{r}");
    }

    #[test]
    fn lines_carry_a_mark() {
        assert_eq!(CheckResult::pass("a", "b").to_string(), "✓ a: b");
        assert_eq!(CheckResult::fail("a", "b").to_string(), "✗ a: b");
    }
}
