//! The pinned stack's floor for one `/share`: what serenity, reqwest and sqlx cost when a
//! process does only the network work a share requires and decides nothing.
//!
//! It reads the same environment as `dlc-share-bot run` (the load harness starts it in the
//! bot's place with `LOAD_FLOOR_BINARY`), connects to the gateway through serenity, and answers
//! every command interaction with: the ephemeral deferral (reqwest), the write-ahead audit
//! row, a signed GetToken call, the row's completion (the bot's own two statements, on one
//! connection that never goes back to a pool), and the edit carrying the link. No allowlist,
//! rate limit, approval, guardrail, metrics, tracing span, localisation or retry: the
//! difference between the bot's CPU per interaction and this one's is what the bot's own
//! code costs; this one's is what it cannot go below without replacing those crates.
//!
//!     cargo build --release --example stack_floor
//!     LOAD_FLOOR_BINARY=target/release/examples/stack_floor LOAD_RATE=200 \
//!         scripts/with-postgres.sh cargo bench --bench load
//!
//! A measuring instrument, not a product: it fails loudly and does not retry.

use std::sync::Arc;

use dlc_share_bot::aliyun::Credentials;
use dlc_share_bot::aliyun::signer::{self, Query, RequestParts};
use dlc_share_bot::config::Settings;
use serenity::all::{CommandDataOptionValue, Context, EventHandler, GuildId, Interaction, Ready};
use serenity::async_trait;
use sha2::{Digest, Sha256};
use sqlx::{Connection, PgConnection};
use tokio::sync::Mutex;

const GETTOKEN_PATH: &str = "/api/v1/tokens";

struct Floor {
    discord: reqwest::Client,
    api: String,
    gettoken: reqwest::Client,
    gettoken_url: String,
    gettoken_host: String,
    credentials: Credentials,
    settings: Settings,
    guild: u64,
    db: Mutex<PgConnection>,
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set"))
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TokenBody {
    request_id: String,
    token: String,
}

impl Floor {
    async fn share(&self, cmd: &serenity::all::CommandInteraction) {
        let token = &cmd.token;
        self.discord
            .post(format!(
                "{}/interactions/{}/{token}/callback",
                self.api, cmd.id
            ))
            .json(&serde_json::json!({"type": 5, "data": {"flags": 64}}))
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .expect("deferral");

        let sub = &cmd.data.options[0];
        let target_id = match &sub.value {
            CommandDataOptionValue::SubCommand(opts) => opts
                .iter()
                .find(|o| o.name == "id")
                .and_then(|o| o.value.as_str())
                .expect("an id option")
                .to_owned(),
            _ => panic!("a subcommand"),
        };
        let interaction_id = cmd.id.to_string();
        {
            let mut conn = self.db.lock().await;
            sqlx::query(dlc_share_bot::store::INSERT_PENDING)
                .bind(&interaction_id)
                .bind(cmd.guild_id.map(|g| g.to_string()))
                .bind(cmd.channel_id.to_string())
                .bind(cmd.user.id.to_string())
                .bind(cmd.user.name.clone())
                .bind(sub.name.as_str())
                .bind(&target_id)
                .bind(Some(3600_i64))
                .bind(Some(3600_i64))
                .bind(None::<String>)
                .bind(None::<String>)
                .bind(None::<String>)
                .execute(&mut *conn)
                .await
                .expect("write-ahead row");
        }

        let started = std::time::Instant::now();
        let mut query = Query::new();
        query.insert("TargetType".into(), sub.name.clone());
        query.insert("TargetId".into(), target_id.clone());
        query.insert("ExpireTime".into(), "3600".into());
        let nonce = signer::random_nonce();
        let headers = signer::signed_headers(
            self.settings.aliyun.signature_version,
            &self.credentials,
            &RequestParts {
                method: "GET",
                action: "GetToken",
                path: GETTOKEN_PATH,
                host: &self.gettoken_host,
                query: &query,
                now: chrono::Utc::now(),
                nonce: &nonce,
                user_agent: "stack-floor",
            },
        );
        let mut request = self.gettoken.get(format!(
            "{}?{}",
            self.gettoken_url,
            signer::encode_query(&query)
        ));
        for (name, value) in &headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let body: TokenBody = request
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .expect("GetToken")
            .json()
            .await
            .expect("GetToken body");

        {
            let mut conn = self.db.lock().await;
            sqlx::query(dlc_share_bot::store::COMPLETE_PENDING)
                .bind(&interaction_id)
                .bind("issued")
                .bind(None::<String>)
                .bind(Some(body.request_id))
                .bind(started.elapsed().as_millis() as i64)
                .bind(Some(hex::encode(Sha256::digest(body.token.as_bytes()))))
                .bind(None::<i64>)
                .execute(&mut *conn)
                .await
                .expect("completion");
        }

        let link = format!(
            "https://pai.console.aliyun.com/?regionId={}&token={}#/dlc/jobs/{target_id}",
            self.settings.aliyun.region, body.token
        );
        self.discord
            .patch(format!(
                "{}/webhooks/{}/{token}/messages/@original",
                self.api, cmd.application_id
            ))
            .json(&serde_json::json!({"content": link}))
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .expect("edit");
    }
}

struct Handler(Arc<Floor>);

#[async_trait]
impl EventHandler for Handler {
    async fn ready(&self, ctx: Context, _: Ready) {
        GuildId::new(self.0.guild)
            .set_commands(&ctx.http, dlc_share_bot::discord::commands::definitions())
            .await
            .expect("register the commands");
    }

    async fn interaction_create(&self, _: Context, interaction: Interaction) {
        // Only `/share`, as the load harness sends it.
        if let Interaction::Command(cmd) = interaction {
            assert_eq!(cmd.data.name, "share", "the floor answers only /share");
            self.0.share(&cmd).await;
        }
    }
}

#[tokio::main]
async fn main() {
    let settings = Settings::default();
    let api_base = env("DLCSHARE_DISCORD__API_BASE");
    let endpoint = url::Url::parse(&env("DLCSHARE_ALIYUN__ENDPOINT")).expect("endpoint");
    let mut db = PgConnection::connect(&env("DATABASE_URL"))
        .await
        .expect("database");
    dlc_share_bot::store::MIGRATOR
        .run(&mut db)
        .await
        .expect("migrations");
    let floor = Floor {
        discord: reqwest::Client::builder()
            .retry(reqwest::retry::never().max_retries_per_request(0))
            .build()
            .expect("client"),
        api: format!("{}/api/v10", api_base.trim_end_matches('/')),
        gettoken: reqwest::Client::builder()
            .retry(reqwest::retry::never().max_retries_per_request(0))
            .build()
            .expect("client"),
        gettoken_url: format!("{}{GETTOKEN_PATH}", endpoint.as_str().trim_end_matches('/')),
        gettoken_host: format!(
            "{}:{}",
            endpoint.host_str().expect("host"),
            endpoint.port_or_known_default().expect("port")
        ),
        credentials: Credentials::new(
            env("ALIBABA_CLOUD_ACCESS_KEY_ID"),
            env("ALIBABA_CLOUD_ACCESS_KEY_SECRET").into(),
            None,
            "environment",
        ),
        guild: env("DLCSHARE_DISCORD__GUILD_ID").parse().expect("guild id"),
        settings,
        db: Mutex::new(db),
    };
    let token = env("DISCORD_TOKEN").into();
    let mut client = serenity::all::ClientBuilder::new_with_http(
        dlc_share_bot::discord::http_client(&token, &api_base),
        dlc_share_bot::discord::INTENTS,
    )
    .event_handler(Handler(Arc::new(floor)))
    .await
    .expect("client");
    client.start().await.expect("gateway");
}
