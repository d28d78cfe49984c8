//! The running bot, assembled once: [`Application::build`] turns settings into connected
//! parts (configuration → metrics → listener → store → issuer → core services → Discord), and
//! [`Application::run_until_stopped`] serves until told to stop, then drains. `run` and the
//! tests share it (zero2prod's `Application::build` / `run_until_stopped`).

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context, anyhow};
use metrics_exporter_prometheus::PrometheusHandle;
use serenity::all::Client;
use serenity::interactions_endpoint::Verifier;
use tokio::net::TcpListener;

use crate::aliyun::{Credentials, PaiDlcClient, credentials};
use crate::clock::SystemClock;
use crate::config::{DiscordMode, RateLimitBackend, Settings, secret_from_env};
use crate::discord::approvals::ApprovalPoster;
use crate::discord::audit_channel::AuditChannel;
use crate::discord::responder::Responder;
use crate::discord::{self, Bot, GatewayStatus};
use crate::http::{self, OpsState, Readiness};
use crate::share::{
    AdminService, GuildId, GuildScope, LayeredLimits, Operator, RateLimits, RoleId, ShareService,
};
use crate::store::{self, PgRateLimits, PgStore, StoreError};
use crate::suggestions::SuggestionCache;
use crate::telemetry::metric;
use secrecy::SecretString;

mod background;

use background::Background;

/// The core's `/share` service as this process wires it: PostgreSQL behind the audit and
/// settings ports, Alibaba Cloud's GetToken as the issuer, governor in front of the limits that
/// replicas share. Only this module names the concrete adapters.
pub type Share =
    ShareService<PgStore, PgStore, PaiDlcClient, LayeredLimits<PgRateLimits>, PaiDlcClient>;
/// The core's `/share-admin` service, wired likewise.
pub type Admin = AdminService<PgStore, LayeredLimits<PgRateLimits>, PaiDlcClient>;

/// How long in-flight interactions may take to finish after SIGTERM/SIGINT.
pub const DRAIN_BOUND: Duration = Duration::from_secs(20);
/// How long closing the database pool may take at shutdown: connections abandoned to a
/// silent database never come back to the pool.
const POOL_CLOSE_BOUND: Duration = Duration::from_secs(3);
/// How long closing the gateway may take at shutdown (serenity waits up to 1 s per shard).
const GATEWAY_CLOSE_BOUND: Duration = Duration::from_secs(5);
const RETENTION_EVERY: Duration = Duration::from_secs(3_600);
/// How long the background jobs may take to stop at shutdown.
const JOBS_STOP_BOUND: Duration = Duration::from_secs(2);
const EVICT_IDLE_EVERY: Duration = Duration::from_secs(60);

/// How long `/readyz` waits for the database; below the usual probe timeouts, so a hung
/// database shows up as a reason rather than as a probe timeout.
pub const DEFAULT_DATABASE_PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// The bot's readiness: how Discord reaches it (gateway shards, or the interactions
/// listener) and its PostgreSQL pool.
#[derive(Debug, Clone)]
pub struct BotReadiness {
    discord: DiscordReach,
    store: PgStore,
    database_timeout: Duration,
}

#[derive(Debug, Clone)]
enum DiscordReach {
    Gateway(GatewayStatus),
    /// Set while `POST /interactions` is served.
    Listener(Arc<AtomicBool>),
}

impl BotReadiness {
    pub fn new(gateway: GatewayStatus, store: PgStore) -> Self {
        Self::with(DiscordReach::Gateway(gateway), store)
    }

    /// HTTP mode: ready while `serving` is set (the interactions listener is up).
    pub fn http(serving: Arc<AtomicBool>, store: PgStore) -> Self {
        Self::with(DiscordReach::Listener(serving), store)
    }

    fn with(discord: DiscordReach, store: PgStore) -> Self {
        BotReadiness {
            discord,
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
        match &self.discord {
            DiscordReach::Gateway(gateway) => gateway.is_connected(),
            DiscordReach::Listener(serving) => serving.load(Ordering::Acquire),
        }
    }

    fn discord_down_reason(&self) -> &'static str {
        match &self.discord {
            DiscordReach::Gateway(_) => "gateway: disconnected",
            DiscordReach::Listener(_) => "interactions listener: not serving",
        }
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

/// Everything `run` needs, connected and checked, not yet serving.
pub struct Application {
    settings: Settings,
    listener: TcpListener,
    metrics: PrometheusHandle,
    store: PgStore,
    limits: Arc<RateLimits>,
    bot: Arc<Bot>,
    delivery: Delivery,
}

/// How interactions reach this process (`discord.mode`).
enum Delivery {
    /// A gateway client, not yet started.
    Gateway(Client),
    /// `POST /interactions` on a bound listener, verified with the application's key.
    Http {
        listener: TcpListener,
        verifier: Verifier,
    },
}

impl Application {
    /// Connects and checks everything, in the order that fails fastest on a configuration
    /// mistake; nothing is served yet.
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        // Before anything else: a bot that would serve whichever server adds it hands the
        // operator's account to strangers. The operator names the servers, or says "*". Every
        // such gap is named at once.
        let Essentials {
            served,
            token,
            database_url,
            credentials,
        } = essentials(&settings)?;
        // First, so no metric emitted during start-up is lost.
        let metrics = http::install_metrics_recorder();
        // Bind early: a taken port is a configuration error worth failing on before logging in.
        let listener = http::bind(settings.http.listen).await?;
        let interactions_listener = match settings.discord.mode {
            DiscordMode::Http => {
                Some(discord::endpoint::bind(settings.discord.interactions_listen).await?)
            }
            DiscordMode::Gateway => None,
        };
        let store = store::connect(&database_url, &settings.database)
            .await
            .context("the audit database (DATABASE_URL)")?;
        store.migrate().await.context("database migrations")?;
        seed_allowlists(&store, &settings).await?;

        tracing::info!(source = %credentials.source, key_id = %credentials.masked_key_id(), "Alibaba Cloud credentials loaded");
        let issuer = PaiDlcClient::new(&settings.aliyun, credentials)?;
        // The same client again: ListJobs shares GetToken's signing, retries and deadline.
        let suggestions = settings
            .aliyun
            .suggest
            .then(|| SuggestionCache::new(issuer.clone(), settings.aliyun.suggest_refresh));
        let operator = Arc::new(Operator {
            served,
            policy: settings.default_policy()?,
            admin_roles: settings.admin_roles(),
            approval_timeout: settings.share.approval_timeout,
            targets: settings
                .target_rule()
                .map_err(|e| anyhow!("aliyun.workspaces: {e}"))?,
        });
        // governor in every process; with the postgres backend the database decides what it
        // lets through, with the same quotas.
        let limits = Arc::new(RateLimits::new(settings.user_rate(), settings.guild_rate()));
        let shared = match settings.ratelimit.backend {
            RateLimitBackend::Memory => None,
            RateLimitBackend::Postgres => {
                Some(store.rate_limits(settings.user_rate(), settings.guild_rate()))
            }
        };
        tracing::info!(backend = ?settings.ratelimit.backend, "rate limits");
        let share = ShareService {
            audit: store.clone(),
            guilds: store.clone(),
            // One client: the look-up shares GetToken's signing, retries and deadline.
            lookup: issuer.clone(),
            issuer,
            limits: LayeredLimits {
                local: limits.clone(),
                shared: shared.clone(),
            },
            links: settings
                .link_templates()
                .map_err(|(key, e)| anyhow!("{key}: {e}"))?,
            operator: operator.clone(),
            clock: Arc::new(SystemClock),
        };
        // The same cells as `/share`'s, read by `explain`.
        let admin = AdminService {
            store: store.clone(),
            operator,
            lookup: share.lookup.clone(),
            limits: LayeredLimits {
                local: limits.clone(),
                shared,
            },
        };
        let responder =
            Responder::new(&settings.discord.api_base).context("the Discord HTTP client")?;
        // The bot's own REST client (bot token): audit-channel posts, approval cards, DMs.
        let rest = Arc::new(discord::http_client(&token, &settings.discord.api_base));
        let bot = Arc::new(Bot::new(
            share,
            admin,
            settings.discord.guild_id.map(GuildId),
            GatewayStatus::new(),
            responder,
            AuditChannel { http: rest.clone() },
            ApprovalPoster { http: rest },
            settings.share.max_in_flight.get() as usize,
            suggestions,
        ));
        let delivery = match interactions_listener {
            None => Delivery::Gateway(
                discord::client(&token, &settings.discord.api_base, bot.clone())
                    .await
                    .context("the Discord client")?,
            ),
            Some(listener) => {
                let verifier = discord::start_http_mode(
                    &token,
                    &settings.discord.api_base,
                    settings.discord.public_key.as_deref(),
                    bot.register_in,
                )
                .await?;
                Delivery::Http { listener, verifier }
            }
        };
        Ok(Application {
            settings,
            listener,
            metrics,
            store,
            limits,
            bot,
            delivery,
        })
    }

    /// Serves (operations endpoints, periodic jobs, the gateway) until `stop` resolves, then
    /// stops taking interactions, drains those in flight (bounded), closes the gateway and
    /// the pool.
    pub async fn run_until_stopped(
        self,
        stop: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let Application {
            settings,
            listener,
            metrics,
            store,
            limits,
            bot,
            delivery,
        } = self;
        let (stop_ops, ops_stopped) = tokio::sync::oneshot::channel::<()>();
        let serving = Arc::new(AtomicBool::new(false));
        let readiness = match &delivery {
            Delivery::Gateway(_) => BotReadiness::new(bot.gateway.clone(), store.clone()),
            Delivery::Http { .. } => BotReadiness::http(serving.clone(), store.clone()),
        };
        let ops = tokio::spawn(http::serve(
            listener,
            OpsState::new(readiness, metrics),
            async {
                let _ = ops_stopped.await;
            },
        ));
        tracing::info!(listen = %settings.http.listen, "health, readiness and metrics endpoints up");

        let mut jobs = Background::default();
        jobs.spawn(
            "audit retention",
            store::retention(
                store.clone(),
                settings.audit.retention_days,
                RETENTION_EVERY,
            ),
        );
        jobs.spawn("rate limiter eviction", async move {
            let mut every = tokio::time::interval(EVICT_IDLE_EVERY);
            loop {
                every.tick().await;
                limits.evict_idle();
                metrics::gauge!(metric::RATELIMIT_TRACKED_KEYS).set(limits.tracked_keys() as f64);
            }
        });
        // Approvals past share.approval_timeout end here, whichever replica gets to them.
        let sweeping = bot.clone();
        jobs.spawn("approvals sweeper", async move {
            let timeout = sweeping.share.operator.approval_timeout;
            let mut every = tokio::time::interval(discord::approvals::sweep_every(timeout));
            loop {
                every.tick().await;
                sweeping.sweep_approvals().await;
            }
        });

        // A job that ends stops the process the usual way: drained, then a non-zero exit.
        let (stop_now, stopped_now) = tokio::sync::oneshot::channel::<()>();
        let stop = async move {
            tokio::select! {
                () = stop => {}
                _ = stopped_now => {}
            }
        };
        let delivery = async {
            match delivery {
                Delivery::Gateway(client) => run_gateway(client, &bot, stop).await,
                Delivery::Http { listener, verifier } => {
                    run_http(listener, verifier, &settings, &bot, serving, stop).await
                }
            }
        };
        tokio::pin!(delivery);
        let mut ended_job = None;
        let delivery_result = tokio::select! {
            result = &mut delivery => result,
            job = jobs.first_to_end() => {
                ended_job = Some(job);
                let _ = stop_now.send(());
                delivery.await
            }
        };
        jobs.shutdown(JOBS_STOP_BOUND).await;
        let _ = stop_ops.send(());
        if let Ok(Err(e)) = ops.await {
            tracing::warn!(error = %e, "the operations endpoint stopped with an error");
        }
        if tokio::time::timeout(POOL_CLOSE_BOUND, store.close())
            .await
            .is_err()
        {
            tracing::warn!("database connections still busy at shutdown; leaving them");
        }
        delivery_result?;
        if let Some(job) = ended_job {
            return Err(anyhow!("the background job '{job}' stopped"));
        }
        tracing::info!("stopped");
        Ok(())
    }
}

/// What `run` cannot start without and can know without connecting anywhere.
struct Essentials {
    served: GuildScope,
    token: SecretString,
    database_url: SecretString,
    credentials: Credentials,
}

/// Reads [`Essentials`]; when any is missing or invalid, names every one at once (not one per
/// attempt) and points to `check`.
fn essentials(settings: &Settings) -> anyhow::Result<Essentials> {
    let mut missing = Vec::new();
    let mut note = |e: String| missing.push(e);
    let served = settings.guild_scope().map_err(|e| note(e.to_string())).ok();
    let mut secret = |name: &str, why: &str| match secret_from_env(name) {
        Ok(Some(value)) => Some(value),
        Ok(None) => {
            note(format!("{name} is not set (or {name}_FILE): {why}"));
            None
        }
        Err(e) => {
            note(e.to_string());
            None
        }
    };
    let token = secret("DISCORD_TOKEN", "the bot cannot log in");
    let database_url = secret(
        store::DATABASE_URL_VAR,
        "the bot keeps its audit log in PostgreSQL",
    );
    let credentials = credentials::load().map_err(|e| note(e.to_string())).ok();
    match (served, token, database_url, credentials) {
        (Some(served), Some(token), Some(database_url), Some(credentials)) => Ok(Essentials {
            served,
            token,
            database_url,
            credentials,
        }),
        _ => Err(anyhow!(
            "cannot start; {} missing or invalid:\n  - {}\nRun `dlc-share-bot check` for a report of everything the bot needs.",
            if missing.len() == 1 {
                "one thing is"
            } else {
                "these are"
            },
            missing.join("\n  - ")
        )),
    }
}

/// Runs the gateway until `stop`, then takes no new interactions, drains, and disconnects.
/// It returns once that is done, whatever state the gateway is in: serenity's `Client::start`
/// does not return after `shutdown_all` while no shard runs (one that lost Discord waits in
/// serenity's queue for its next try), so it is not waited for.
async fn run_gateway(
    mut client: Client,
    bot: &Arc<Bot>,
    stop: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let shards = client.shard_manager.clone();
    let (stopped, stopped_here) = tokio::sync::oneshot::channel::<()>();
    let stopper = {
        let bot = bot.clone();
        tokio::spawn(async move {
            stop.await;
            tracing::info!("shutdown requested: taking no new interactions");
            bot.gateway.all_disconnected();
            drain(&bot).await;
            if tokio::time::timeout(GATEWAY_CLOSE_BOUND, shards.shutdown_all())
                .await
                .is_err()
            {
                tracing::warn!("the gateway did not close in time; leaving it");
            }
            let _ = stopped.send(());
        })
    };
    let result = tokio::select! {
        result = client.start() => result.context("the Discord gateway"),
        _ = stopped_here => Ok(()),
    };
    stopper.abort();
    result
}

/// Serves `POST /interactions` until `stop`; then readiness fails, new interactions are
/// answered "restarting", the listener stops accepting, and those in flight are drained.
async fn run_http(
    listener: TcpListener,
    verifier: Verifier,
    settings: &Settings,
    bot: &Arc<Bot>,
    serving: Arc<AtomicBool>,
    stop: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let router = discord::endpoint::router(bot.clone(), verifier);
    let (stop_accepting, stopped_accepting) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(http::connections::serve(
        listener,
        http::connections::Listener::Interactions,
        router,
        async {
            let _ = stopped_accepting.await;
        },
    ));
    serving.store(true, Ordering::Release);
    tracing::info!(listen = %settings.discord.interactions_listen, "HTTP interactions endpoint up (POST /interactions)");
    stop.await;
    tracing::info!("shutdown requested: taking no new interactions");
    serving.store(false, Ordering::Release);
    let _ = stop_accepting.send(());
    drain(bot).await;
    if server.await.is_err() {
        tracing::warn!("the interactions endpoint stopped abnormally");
    }
    Ok(())
}

/// Refuses new interactions and waits (bounded) for those in flight.
async fn drain(bot: &Bot) {
    let left = bot.inflight.close_and_drain(DRAIN_BOUND).await;
    if left > 0 {
        tracing::warn!(left, "interactions still running at the drain bound");
    }
}

/// Seeds configured allowlists; the store skips guilds whose admins already changed theirs.
async fn seed_allowlists(store: &PgStore, settings: &Settings) -> anyhow::Result<()> {
    for (guild, roles) in &settings.discord.allowed_roles {
        let guild: u64 = guild
            .parse()
            .context("discord.allowed_roles: guild ids are numbers")?;
        let roles: Vec<RoleId> = roles.iter().copied().map(RoleId).collect();
        let seeded = store.seed_allowed_roles(GuildId(guild), &roles).await?;
        if seeded > 0 {
            tracing::info!(guild, seeded, "allowed roles seeded from configuration");
        }
    }
    Ok(())
}
