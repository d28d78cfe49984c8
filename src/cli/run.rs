//! `dlc-share-bot run`: the bot. Wires configuration, PostgreSQL, the GetToken client and the
//! Discord gateway together, runs the periodic jobs, and shuts down gracefully on a signal.

use crate::telemetry::metric;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, anyhow};

use crate::aliyun::{GetTokenClient, credentials};
use crate::config::{Settings, secret_from_env};
use crate::discord::{self, Bot};
use crate::http::{self, BotReadiness, GatewayStatus, OpsState};
use crate::share::{AdminService, GuildId, RateLimits, RoleId, ShareService};
use crate::store::{self, PgStore};

/// How long in-flight interactions may take to finish after SIGTERM/SIGINT.
pub const DRAIN_BOUND: Duration = Duration::from_secs(20);
/// How long closing the database pool may take at shutdown.
const POOL_CLOSE_BOUND: Duration = Duration::from_secs(3);
const RETENTION_EVERY: Duration = Duration::from_secs(3_600);
const EVICT_IDLE_EVERY: Duration = Duration::from_secs(60);

pub async fn run(settings: &Settings) -> anyhow::Result<()> {
    // Before anything else: a bot that would serve whichever server adds it hands the
    // operator's account to strangers. The operator names the servers, or says "*".
    let served = settings.guild_scope()?;
    // Listen for SIGTERM/SIGINT before anything else: one arriving during start-up is then
    // honoured (gracefully, once the bot is up) instead of killing the process with 143.
    let signalled = tokio::spawn(shutdown_signal());
    // First, so no metric emitted during start-up is lost.
    let metrics = http::install_metrics_recorder();
    // Bind early: a taken port is a configuration error worth failing on before logging in.
    let listener = http::bind(settings.http.listen).await?;
    let token = secret_from_env("DISCORD_TOKEN")?.ok_or_else(|| {
        anyhow!("DISCORD_TOKEN is not set (or DISCORD_TOKEN_FILE): the bot cannot log in")
    })?;
    let store = store::connect_from_env(&settings.database)
        .await
        .context("the audit database (DATABASE_URL)")?
        .ok_or_else(|| {
            anyhow!("DATABASE_URL is not set: the bot keeps its audit log in PostgreSQL")
        })?;
    let applied = store.migrate().await.context("database migrations")?;
    if !applied.is_empty() {
        tracing::info!(?applied, "database migrations applied");
    }
    seed_allowlists(&store, settings).await?;

    let credentials = credentials::load()?;
    tracing::info!(source = %credentials.source, key_id = %credentials.masked_key_id(), "Alibaba Cloud credentials loaded");
    let issuer = GetTokenClient::new(&settings.aliyun, credentials)?;
    let default_policy = settings.default_policy()?;
    let limits = Arc::new(RateLimits::new(settings.user_rate(), settings.guild_rate()));
    let service = ShareService {
        audit: store.clone(),
        guilds: store.clone(),
        issuer,
        limits: limits.clone(),
        links: settings
            .link_templates()
            .map_err(|(key, e)| anyhow!("{key}: {e}"))?,
        default_policy,
        served: served.clone(),
        clock: Arc::new(crate::clock::SystemClock),
    };
    let admin = AdminService {
        store: store.clone(),
        operator: default_policy,
        admin_roles: settings.admin_roles(),
        served,
    };
    let gateway = GatewayStatus::new();
    let bot = Arc::new(Bot::new(
        service,
        admin,
        settings.discord.guild_id.map(GuildId),
        gateway.clone(),
        discord::responder::Responder::new(&settings.discord.api_base)
            .context("the Discord HTTP client")?,
    ));
    let (stop_ops, ops_stopped) = tokio::sync::oneshot::channel::<()>();
    let ops = tokio::spawn(http::serve(
        listener,
        OpsState::new(BotReadiness::new(gateway.clone(), store.clone()), metrics),
        async {
            let _ = ops_stopped.await;
        },
    ));
    tracing::info!(listen = %settings.http.listen, "health, readiness and metrics endpoints up");

    let retention = store::spawn_retention(
        store.clone(),
        settings.audit.retention_days,
        RETENTION_EVERY,
    );
    let eviction = tokio::spawn(async move {
        let mut every = tokio::time::interval(EVICT_IDLE_EVERY);
        loop {
            every.tick().await;
            limits.evict_idle();
            metrics::gauge!(metric::RATELIMIT_TRACKED_KEYS).set(limits.tracked_keys() as f64);
        }
    });

    let mut client = discord::client(&token, &settings.discord.api_base, bot.clone())
        .await
        .context("the Discord client")?;
    let shards = client.shard_manager.clone();
    let stopper = {
        let bot = bot.clone();
        tokio::spawn(async move {
            let _ = signalled.await;
            tracing::info!("shutdown requested: taking no new interactions");
            gateway.all_disconnected();
            let left = bot.inflight.close_and_drain(DRAIN_BOUND).await;
            if left > 0 {
                tracing::warn!(left, "interactions still running at the drain bound");
            }
            shards.shutdown_all().await;
        })
    };

    let gateway_result = client.start().await;
    stopper.abort();
    retention.abort();
    eviction.abort();
    let _ = stop_ops.send(());
    if let Ok(Err(e)) = ops.await {
        tracing::warn!(error = %e, "the operations endpoint stopped with an error");
    }
    // Connections abandoned to a silent database never come back to the pool; closing must
    // not wait for them beyond the drain.
    if tokio::time::timeout(POOL_CLOSE_BOUND, store.close())
        .await
        .is_err()
    {
        tracing::warn!("database connections still busy at shutdown; leaving them");
    }
    gateway_result.context("the Discord gateway")?;
    tracing::info!("stopped");
    Ok(())
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

/// SIGTERM (Docker, systemd, Kubernetes) or SIGINT (Ctrl-C).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
