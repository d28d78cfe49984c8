//! The real `dlc-share-bot run` binary wired to the local Discord server, the local GetToken
//! endpoint and a fresh PostgreSQL database.
//!
//! Every constructor takes the path of the binary to run: a test passes Cargo's
//! `CARGO_BIN_EXE_dlc-share-bot`, the demo the build it was pointed at.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;
use sqlx::PgPool;

use crate::discord::{CommandScope, DiscordServer, GUILD_ID, Reply};
use crate::pai_dlc::{AK_ID, AK_SECRET, PaiDlcServer};
use crate::postgres::TestDatabase;
use crate::proxy::FreezableProxy;

pub const DISCORD_TOKEN: &str = "MTE4MDAwMDAwMDAwMDAwMDAwMg.test.discord-token-secret";
pub const ALLOWED_ROLE: u64 = 1_180_000_000_000_000_500;
pub const OTHER_ROLE: u64 = 1_180_000_000_000_000_501;
/// Generous enough for a loaded 2-core CI machine.
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(15);

pub struct BotHarness {
    pub discord: DiscordServer,
    pub pai_dlc: PaiDlcServer,
    pub db: TestDatabase,
    pub pool: PgPool,
    pub http_addr: String,
    pub log_path: PathBuf,
    /// The proxy the bot's `DATABASE_URL` goes through, with [`BotHarness::start_via_proxy`]:
    /// `freeze()` it for "PostgreSQL reachable but silent". `pool` bypasses it.
    pub db_proxy: Option<FreezableProxy>,
    /// HTTP mode ([`BotHarness::start_http`]): the bot's `http://…/interactions`.
    pub interactions_url: Option<String>,
    /// Further processes on the same database ([`BotHarness::add_replica`]).
    replicas: Vec<Replica>,
    /// The executable started, for replicas too.
    binary: PathBuf,
    child: Option<Child>,
    _dir: tempfile::TempDir,
}

/// Extra environment for one test, e.g. tighter rate limits.
pub type Env<'a> = &'a [(&'a str, &'a str)];

/// How the bot process is started, beyond its environment.
#[derive(Debug, Default, Clone)]
struct Launch {
    /// RLIMIT_NOFILE for the bot.
    nofile: Option<u64>,
    /// Reach PostgreSQL through a [`FreezableProxy`].
    db_proxy: bool,
    /// `discord.mode = "http"`: interactions are POSTed to the bot, no gateway.
    http: bool,
}

/// Another bot process of the same harness (same Discord, GetToken and database).
struct Replica {
    child: Child,
}

impl BotHarness {
    /// Starts `binary` (the bot, or another executable given the same environment, such as
    /// `examples/stack_floor.rs`) in gateway mode and waits until it serves.
    pub async fn start(binary: &Path, name: &str, env: Env<'_>) -> BotHarness {
        Self::launch(binary, name, env, Launch::default()).await
    }

    /// Like [`BotHarness::start`], with the bot's RLIMIT_NOFILE (soft and hard) set to `nofile`.
    pub async fn start_limited(binary: &Path, name: &str, env: Env<'_>, nofile: u64) -> BotHarness {
        let launch = Launch {
            nofile: Some(nofile),
            ..Launch::default()
        };
        Self::launch(binary, name, env, launch).await
    }

    /// Like [`start`](Self::start), but the bot reaches PostgreSQL through a [`FreezableProxy`]
    /// (in `db_proxy`), so a test can make the database go silent under it. The assertion pool
    /// `pool` connects directly and keeps working while the proxy is frozen. A `DATABASE_URL`
    /// in `env` is overridden.
    pub async fn start_via_proxy(binary: &Path, name: &str, env: Env<'_>) -> BotHarness {
        let launch = Launch {
            db_proxy: true,
            ..Launch::default()
        };
        Self::launch(binary, name, env, launch).await
    }

    /// Like [`start`](Self::start) in HTTP interactions mode: no gateway; interactions are
    /// delivered with [`deliver`](Self::deliver) / [`ask_http`](Self::ask_http). Ready once
    /// the commands are registered and `/readyz` answers 200.
    pub async fn start_http(binary: &Path, name: &str, env: Env<'_>) -> BotHarness {
        let launch = Launch {
            http: true,
            ..Launch::default()
        };
        Self::launch(binary, name, env, launch).await
    }

    /// Starts one more HTTP-mode process on the same database, Discord and GetToken, with the
    /// harness's base environment plus `env`; returns its interactions URL once it is ready.
    pub async fn add_replica(&mut self, env: Env<'_>) -> String {
        let http_addr = free_local_addr();
        let listen = free_local_addr();
        let mut extra: Vec<(&str, &str)> = vec![
            ("DLCSHARE_DISCORD__MODE", "http"),
            ("DLCSHARE_DISCORD__INTERACTIONS_LISTEN", listen.as_str()),
        ];
        extra.extend_from_slice(env);
        let log_path = self
            ._dir
            .path()
            .join(format!("replica-{}.log", self.replicas.len() + 1));
        let child = spawn_bot(
            &self.discord,
            &self.pai_dlc,
            &self.db,
            &http_addr,
            &self._dir,
            &log_path,
            &extra,
            None,
            &self.binary,
        );
        self.replicas.push(Replica { child });
        if !wait_ready(&http_addr).await {
            panic!(
                "the replica did not come up; log:\n{}",
                std::fs::read_to_string(&log_path).unwrap_or_default()
            );
        }
        format!("http://{listen}/interactions")
    }

    /// Process ids of the replicas added with [`add_replica`](Self::add_replica).
    pub fn replica_pids(&self) -> Vec<u32> {
        self.replicas.iter().map(|r| r.child.id()).collect()
    }

    /// The interactions URL of this harness's first process (HTTP mode).
    pub fn endpoint(&self) -> &str {
        self.interactions_url
            .as_deref()
            .expect("started with BotHarness::start_http")
    }

    /// Delivers an interaction over HTTP to the first process: the HTTP status and body.
    pub async fn deliver(&self, interaction: Value) -> (u16, Value) {
        self.discord.deliver(self.endpoint(), interaction).await
    }

    /// Like [`ask`](Self::ask) over HTTP: delivers, expects 200, waits for the final answer
    /// and checks its shape. Returns the interaction id, the HTTP response body and the reply.
    pub async fn ask_http(&self, interaction: Value) -> (String, Value, Reply) {
        let id = interaction["id"].as_str().expect("id").to_owned();
        let (status, body) = self.deliver(interaction).await;
        assert_eq!(status, 200, "HTTP response {body}; log:\n{}", self.logs());
        match self.discord.wait_for_reply(&id, REPLY_TIMEOUT).await {
            Some(r) => {
                assert_well_formed(&r);
                (id, body, r)
            }
            None => panic!(
                "no answer to interaction {id}: {:?}\nlog:\n{}",
                self.discord.replies(&id),
                self.logs()
            ),
        }
    }

    async fn launch(binary: &Path, name: &str, env: Env<'_>, launch: Launch) -> BotHarness {
        let discord = DiscordServer::start(DISCORD_TOKEN).await;
        let pai_dlc = PaiDlcServer::start(false).await;
        let db = TestDatabase::create(name).await;
        let proxy = match launch.db_proxy {
            true => Some(FreezableProxy::start(db.server_addr()).await),
            false => None,
        };
        let proxied_url = proxy.as_ref().map(|p| db.url_via(p));
        // Extra variables are applied last, so a proxied URL replaces the direct one.
        let interactions_listen = launch.http.then(free_local_addr);
        let mode: Vec<(&str, &str)> = match &interactions_listen {
            Some(listen) => vec![
                ("DLCSHARE_DISCORD__MODE", "http"),
                ("DLCSHARE_DISCORD__INTERACTIONS_LISTEN", listen.as_str()),
            ],
            None => Vec::new(),
        };
        let env: Vec<(&str, &str)> = match &proxied_url {
            Some(url) => mode
                .into_iter()
                .chain(env.iter().copied())
                .filter(|(k, _)| *k != "DATABASE_URL")
                .chain([("DATABASE_URL", url.as_str())])
                .collect(),
            None => mode.into_iter().chain(env.iter().copied()).collect(),
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let log_path = dir.path().join("bot.log");
        let http_addr = free_local_addr();
        let child = spawn_bot(
            &discord,
            &pai_dlc,
            &db,
            &http_addr,
            &dir,
            &log_path,
            &env,
            launch.nofile,
            binary,
        );
        let pool = db.pool().await;
        let mut h = BotHarness {
            discord,
            pai_dlc,
            db,
            pool,
            http_addr,
            log_path,
            db_proxy: proxy,
            interactions_url: interactions_listen.map(|l| format!("http://{l}/interactions")),
            replicas: Vec::new(),
            binary: binary.to_owned(),
            child: Some(child),
            _dir: dir,
        };
        h.wait_until_serving().await;
        h
    }

    /// The database proxy of a harness from [`start_via_proxy`](Self::start_via_proxy).
    ///
    /// # Panics
    /// If the harness was started without one.
    pub fn db_proxy(&self) -> &FreezableProxy {
        self.db_proxy
            .as_ref()
            .expect("started with BotHarness::start_via_proxy")
    }

    async fn wait_until_serving(&mut self) {
        let ready = match self.interactions_url {
            // No gateway in HTTP mode: the commands are registered over REST, then the
            // listener serves.
            Some(_) => {
                self.discord
                    .wait_for_commands(CommandScope::Guild(GUILD_ID), REPLY_TIMEOUT)
                    .await
                    .is_some()
                    && wait_ready(&self.http_addr).await
            }
            None => self.discord.wait_until_ready(REPLY_TIMEOUT).await,
        };
        let commands = self
            .discord
            .wait_for_commands(CommandScope::Guild(GUILD_ID), REPLY_TIMEOUT)
            .await;
        if !ready || commands.is_none() {
            let status = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten());
            panic!(
                "the bot did not come up (ready={ready}, commands={}, exit={status:?}); log:\n{}",
                commands.is_some(),
                self.logs()
            );
        }
    }

    /// Everything the bot wrote to stdout and stderr so far.
    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    /// Sends a command interaction, waits for its final answer, and checks the answer has the
    /// shape every reply must have (see [`assert_well_formed`]).
    pub async fn ask(&self, interaction: Value) -> (String, Reply) {
        let id = self.discord.send_interaction(interaction).await;
        let reply = self.discord.wait_for_reply(&id, REPLY_TIMEOUT).await;
        match reply {
            Some(r) => {
                assert_well_formed(&r);
                (id, r)
            }
            None => panic!(
                "no answer to interaction {id}: {:?}\nlog:\n{}",
                self.discord.replies(&id),
                self.logs()
            ),
        }
    }

    /// `GET` on the bot's operations endpoint (`/healthz`, `/readyz`, `/metrics`).
    pub async fn ops_get(&self, path: &str) -> (u16, String) {
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(10))
            .build()
            .expect("HTTP client");
        let resp = client
            .get(format!("http://{}{path}", self.http_addr))
            .send()
            .await
            .expect("the operations endpoint answers");
        (
            resp.status().as_u16(),
            resp.text().await.unwrap_or_default(),
        )
    }

    /// Allows `ALLOWED_ROLE` in the test guild through the admin command, as an admin would.
    pub async fn allow_role(&self, role: u64) {
        use crate::discord::{CommandInteraction, MANAGE_GUILD};
        let add = CommandInteraction::admin(Some("roles"), "add")
            .option_role("role", role)
            .permissions(MANAGE_GUILD)
            .user(1_180_000_000_000_000_900, "admin")
            .build();
        let reply = match self.interactions_url {
            Some(_) => self.ask_http(add).await.2,
            None => self.ask(add).await.1,
        };
        assert!(
            reply.final_content().contains("may now share"),
            "{}",
            reply.final_content()
        );
    }

    /// Audit rows as `(interaction_id, outcome)`, oldest first.
    pub async fn audit_outcomes(&self) -> Vec<(String, String)> {
        sqlx::query_as("SELECT interaction_id, outcome::text FROM audit_log ORDER BY created_at, interaction_id")
            .fetch_all(&self.pool)
            .await
            .expect("read audit_log")
    }

    /// Waits for the audit row of an interaction that gets no final answer to wait on, and
    /// returns its `(outcome, error_code)`.
    pub async fn wait_for_audit(&self, interaction_id: &str) -> (String, Option<String>) {
        let deadline = std::time::Instant::now() + REPLY_TIMEOUT;
        loop {
            let row: Option<(String, Option<String>)> = sqlx::query_as(
                "SELECT outcome::text, error_code FROM audit_log WHERE interaction_id = $1",
            )
            .bind(interaction_id)
            .fetch_optional(&self.pool)
            .await
            .expect("read audit_log");
            match row {
                Some(row) => return row,
                None if std::time::Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(50)).await
                }
                None => panic!("no audit row for {interaction_id}; log:\n{}", self.logs()),
            }
        }
    }

    /// The bot's PostgreSQL sessions once its process has exited. Its sockets are closed
    /// then, but a backend leaves `pg_stat_activity` only a moment after it reads the EOF,
    /// so this waits up to 5 s for the count to reach 0.
    pub async fn sessions_left_after_exit(&self) -> i64 {
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        loop {
            let (sessions,): (i64,) = sqlx::query_as(
                "SELECT count(*) FROM pg_stat_activity \
                 WHERE application_name = 'dlc-share-bot' AND datname = current_database()",
            )
            .fetch_one(&self.pool)
            .await
            .expect("read pg_stat_activity");
            if sessions == 0 || std::time::Instant::now() > deadline {
                return sessions;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn audit_row(&self, interaction_id: &str) -> Value {
        let row: (Value,) =
            sqlx::query_as("SELECT to_jsonb(a) FROM audit_log a WHERE interaction_id = $1")
                .bind(interaction_id)
                .fetch_one(&self.pool)
                .await
                .unwrap_or_else(|e| panic!("audit row for {interaction_id}: {e}"));
        row.0
    }

    /// Sends SIGTERM and waits for the exit status.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        self.send_sigterm();
        self.terminate_wait()
    }

    /// Sends SIGTERM and returns once the bot has taken it in (its "shutdown requested" log
    /// line), not after a guessed moment; the process is still draining then.
    pub async fn sigterm_acknowledged(&self) {
        self.send_sigterm();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while !self.logs().contains("shutdown requested") {
            assert!(
                tokio::time::Instant::now() < deadline,
                "SIGTERM not handled"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    fn send_sigterm(&self) {
        let pid = self.pid().to_string();
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill -TERM");
    }

    /// Sends SIGTERM and waits up to `bound` for the exit status; `None` if it is still running
    /// then (it is killed when the harness is dropped).
    pub async fn terminate_within(&mut self, bound: Duration) -> Option<std::process::ExitStatus> {
        self.send_sigterm();
        let deadline = tokio::time::Instant::now() + bound;
        let child = self.child.as_mut().expect("running");
        while tokio::time::Instant::now() < deadline {
            if let Some(status) = child.try_wait().expect("try_wait") {
                self.child = None;
                return Some(status);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        None
    }

    /// Waits for the process to exit (after a signal was sent).
    pub fn terminate_wait(&mut self) -> std::process::ExitStatus {
        self.child
            .take()
            .expect("running")
            .wait()
            .expect("wait for the bot")
    }
}

impl Drop for BotHarness {
    fn drop(&mut self) {
        for replica in &mut self.replicas {
            let _ = replica.child.kill();
            let _ = replica.child.wait();
        }
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Polls `done` until it holds or [`REPLY_TIMEOUT`] passes; whether it held.
pub async fn wait_until(mut done: impl FnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + REPLY_TIMEOUT;
    while !done() {
        if std::time::Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    true
}

/// Checks the shape every answer must have: deferred ephemerally before any work, answered by
/// one edit that Discord accepted, mentioning nobody.
#[track_caller]
pub fn assert_well_formed(reply: &Reply) {
    assert!(
        reply.deferred_ephemeral(),
        "deferred ephemerally: {:?}",
        reply.callbacks
    );
    assert_eq!(
        reply.callbacks.len(),
        1,
        "one acknowledgement: {:?}",
        reply.callbacks
    );
    assert_eq!(reply.edits.len(), 1, "one edit: {:?}", reply.edits);
    assert!(
        reply.rejected.is_empty(),
        "Discord refused: {:?}",
        reply.rejected
    );
    let mentions = &reply.edits[0]["allowed_mentions"];
    assert_eq!(mentions["parse"], serde_json::json!([]), "{mentions}");
    for list in ["users", "roles"] {
        assert!(
            mentions[list].as_array().is_none_or(|a| a.is_empty()),
            "{list} mentioned: {mentions}"
        );
    }
}

/// The reply a member would see contains `needle`; on failure, shows the whole reply.
#[track_caller]
pub fn assert_says(reply: &Reply, needle: &str) {
    let text = reply.final_content();
    assert!(
        text.contains(needle),
        "expected {needle:?} in the reply:\n{text}"
    );
}

/// Polls `/readyz` on `ops_addr` until it answers 200, for up to [`REPLY_TIMEOUT`].
async fn wait_ready(ops_addr: &str) -> bool {
    let client = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(3))
        .build()
        .expect("HTTP client");
    let deadline = std::time::Instant::now() + REPLY_TIMEOUT;
    while std::time::Instant::now() < deadline {
        let answer = client.get(format!("http://{ops_addr}/readyz")).send().await;
        if answer.is_ok_and(|r| r.status() == 200) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

fn free_local_addr() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").to_string()
}

#[allow(clippy::too_many_arguments)]
fn spawn_bot(
    discord: &DiscordServer,
    pai_dlc: &PaiDlcServer,
    db: &TestDatabase,
    http_addr: &str,
    dir: &tempfile::TempDir,
    log_path: &PathBuf,
    extra: Env<'_>,
    nofile: Option<u64>,
    binary: &Path,
) -> Child {
    let log = std::fs::File::create(log_path).expect("log file");
    let mut cmd = Command::new(binary);
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", dir.path())
        .current_dir(dir.path())
        .env("RUST_LOG", "info,dlc_share_bot=debug")
        .env("DISCORD_TOKEN", DISCORD_TOKEN)
        .env("DATABASE_URL", &db.url)
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", AK_ID)
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", AK_SECRET)
        .env("DLCSHARE_ALIYUN__ENDPOINT", pai_dlc.url())
        .env("DLCSHARE_ALIYUN__REQUEST_TIMEOUT", "1s")
        .env("DLCSHARE_ALIYUN__DEADLINE", "3s")
        // Most tests share ids of their own naming (`dlc-slow`, `dlc-through-the-pile`) that
        // the stand-in's catalogue does not hold; they are about other things than the
        // look-up, so it is off unless a test turns it on (`DLCSHARE_ALIYUN__LOOKUP=true`, with
        // ids from `pai_dlc`'s catalogue). The stand-in never pretends an unknown id exists.
        .env("DLCSHARE_ALIYUN__LOOKUP", "false")
        .env("DLCSHARE_DISCORD__API_BASE", discord.base_url())
        .env("DLCSHARE_DISCORD__GUILD_ID", GUILD_ID.to_string())
        .env("DLCSHARE_HTTP__LISTEN", http_addr)
        .arg("run")
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log fd"))
        .stderr(log);
    for (k, v) in extra {
        cmd.env(k, v);
    }
    if let Some(nofile) = nofile {
        limit_nofile(&mut cmd, nofile);
    }
    cmd.spawn().expect("spawn the bot")
}

/// Sets RLIMIT_NOFILE in the child, between fork and exec.
fn limit_nofile(cmd: &mut Command, nofile: u64) {
    use std::os::unix::process::CommandExt;
    let limit = libc::rlimit {
        rlim_cur: nofile as libc::rlim_t,
        rlim_max: nofile as libc::rlim_t,
    };
    // SAFETY: the closure runs in the forked child before exec; it only calls setrlimit, which
    // is async-signal-safe, and neither allocates nor takes a lock.
    unsafe {
        cmd.pre_exec(move || {
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
}
