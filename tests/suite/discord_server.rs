//! The fake Discord in `support::discord` driven by a real serenity 0.12.5 client: start-up,
//! command registration, deferred ephemeral replies with resolved data, autocomplete, RESUME after
//! a dropped gateway connection, channel messages and DMs, button clicks that update the message
//! they are on, and the Discord rules the fake enforces. Also checks that every
//! payload the fake produces deserializes into serenity's models, because serenity drops an
//! unparsable gateway event without so much as a warning.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support;
use serde_json::{Value, json};
use serenity::all::{
    ApplicationId, BotGateway, ButtonStyle, ChannelId, ChannelType, Command,
    CommandInteraction as SerenityCommand, CommandOptionType,
    ComponentInteraction as SerenityClick, ComponentInteractionDataKind, Context, CreateActionRow,
    CreateAllowedMentions, CreateAttachment, CreateAutocompleteResponse, CreateButton,
    CreateCommand, CreateCommandOption, CreateEmbed, CreateInteractionResponse,
    CreateInteractionResponseMessage, CreateMessage, CurrentApplicationInfo, CurrentUser,
    EditInteractionResponse, EditMessage, Event, EventHandler, GatewayEvent, GatewayIntents,
    GuildId, Http, HttpBuilder, Interaction, InteractionId, Message, MessageFlags, MessageId,
    MessageType, Permissions, Ready, ResolvedOption, ResolvedValue, RoleId, ShardManager, UserId,
};
use serenity::client::ClientBuilder;
use serenity::http::HttpError;
use support::discord::{
    ADMINISTRATOR, CHANNEL_ID, CommandInteraction, CommandScope, ComponentInteraction, Disconnect,
    DiscordServer, Fault, GUILD_ID, INTERACTION_TOKEN_LIFETIME, MANAGE_GUILD, Route, ServerConfig,
    USER_ID, payloads, validate,
};

const TOKEN: &str = "test-bot-token.AbCdEf";
const WAIT: Duration = Duration::from_secs(10);
const RESEARCHERS: u64 = 1_180_000_000_000_009_001;
const APPROVERS: u64 = 1_180_000_000_000_009_002;
/// Channels of the fake guild besides [`CHANNEL_ID`].
const APPROVALS: u64 = 1_180_000_000_000_000_201;
const AUDIT: u64 = 1_180_000_000_000_000_202;
const GONE: u64 = 1_180_000_000_000_000_203;
const THREAD: u64 = 1_180_000_000_000_000_204;
const OTHER_GUILD: u64 = 1_180_000_000_000_000_101;
/// Members besides [`USER_ID`].
const BOB: u64 = 1_180_000_000_000_000_301;
const CAROL: u64 = 1_180_000_000_000_000_302;

fn init_tracing() {
    // `RUST_LOG=serenity=debug cargo test --test suite discord_server::` shows the client's side.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}

fn http_for(server: &DiscordServer, token: &str) -> Http {
    HttpBuilder::new(token)
        .proxy(server.base_url())
        .ratelimiter_disabled(true)
        .build()
}

/// `/share` and `/share-admin` with the names and options `docs/commands.md` gives them.
fn spec_commands() -> Vec<CreateCommand> {
    let string = |name: &str, description: &str| {
        CreateCommandOption::new(CommandOptionType::String, name, description)
    };
    let share_target = |name: &str, description: &str| {
        CreateCommandOption::new(CommandOptionType::SubCommand, name, description)
            .add_sub_option(string("id", "Job or TensorBoard id").required(true))
            .add_sub_option(string("expiry", "Link lifetime, e.g. 12h").set_autocomplete(true))
    };
    let role_sub = |name: &str, description: &str| {
        CreateCommandOption::new(CommandOptionType::SubCommand, name, description).add_sub_option(
            CreateCommandOption::new(CommandOptionType::Role, "role", "Role").required(true),
        )
    };
    vec![
        CreateCommand::new("share")
            .description("Share a PAI-DLC job or TensorBoard")
            .add_option(share_target("job", "Share a DLC job"))
            .add_option(share_target("tensorboard", "Share a TensorBoard")),
        CreateCommand::new("share-admin")
            .description("Manage sharing")
            .default_member_permissions(Permissions::MANAGE_GUILD)
            .add_option(
                CreateCommandOption::new(CommandOptionType::SubCommandGroup, "roles", "Roles")
                    .add_sub_option(role_sub("add", "Allow a role"))
                    .add_sub_option(role_sub("remove", "Disallow a role"))
                    .add_sub_option(CreateCommandOption::new(
                        CommandOptionType::SubCommand,
                        "list",
                        "List allowed roles",
                    )),
            )
            .add_option(
                CreateCommandOption::new(CommandOptionType::SubCommandGroup, "policy", "Policy")
                    .add_sub_option(CreateCommandOption::new(
                        CommandOptionType::SubCommand,
                        "show",
                        "Show the policy",
                    ))
                    .add_sub_option(
                        CreateCommandOption::new(CommandOptionType::SubCommand, "set", "Change it")
                            .add_sub_option(string("default_expiry", "Default lifetime"))
                            .add_sub_option(string("max_expiry", "Maximum lifetime")),
                    ),
            )
            .add_option(
                CreateCommandOption::new(CommandOptionType::SubCommand, "audit", "Audit log")
                    .add_sub_option(CreateCommandOption::new(
                        CommandOptionType::User,
                        "user",
                        "Whose entries",
                    ))
                    .add_sub_option(
                        CreateCommandOption::new(CommandOptionType::Integer, "limit", "How many")
                            .min_int_value(1)
                            .max_int_value(100),
                    ),
            ),
    ]
}

/// Flattens the options serenity resolved, e.g. `roles add role=@Researchers(<id>)`.
fn describe(options: &[ResolvedOption<'_>], out: &mut Vec<String>) {
    for option in options {
        match &option.value {
            ResolvedValue::SubCommandGroup(inner) | ResolvedValue::SubCommand(inner) => {
                out.push(option.name.to_owned());
                describe(inner, out);
            }
            ResolvedValue::String(value) => out.push(format!("{}={value}", option.name)),
            ResolvedValue::Integer(value) => out.push(format!("{}={value}", option.name)),
            ResolvedValue::Role(role) => {
                out.push(format!("{}=@{}({})", option.name, role.name, role.id));
            }
            ResolvedValue::User(user, member) => out.push(format!(
                "{}={}{}",
                option.name,
                user.name,
                if member.is_some() { "(member)" } else { "" }
            )),
            other => out.push(format!("{}={other:?}", option.name)),
        }
    }
}

/// A minimal bot: registers `/share` and `/share-admin` in its guild, answers commands with a
/// deferred ephemeral reply echoing what serenity parsed, and answers autocomplete with choices.
#[derive(Clone, Default)]
struct EchoBot {
    /// Errors serenity returned to the handler; the test asserts there are none.
    errors: Arc<Mutex<Vec<String>>>,
}

impl EchoBot {
    fn failed(&self, what: &str, error: impl std::fmt::Display) {
        self.errors
            .lock()
            .expect("errors lock")
            .push(format!("{what}: {error}"));
    }

    async fn answer(&self, ctx: &Context, command: &SerenityCommand) {
        let defer = CreateInteractionResponse::Defer(
            CreateInteractionResponseMessage::new().ephemeral(true),
        );
        if let Err(e) = command.create_response(&ctx.http, defer).await {
            return self.failed("defer", e);
        }
        let mut parts = Vec::new();
        describe(&command.data.options(), &mut parts);
        let permissions = command
            .member
            .as_ref()
            .and_then(|m| m.permissions)
            .map_or(0, |p| p.bits());
        let content = format!(
            "/{} {} by {} perms={permissions}",
            command.data.name,
            parts.join(" "),
            command.user.name
        );
        let edit = EditInteractionResponse::new()
            .content(content)
            .embed(
                CreateEmbed::new()
                    .title("Shared")
                    .description("Link below")
                    .field("Expires", "<t:1700000000:R>", true),
            )
            .components(vec![CreateActionRow::Buttons(vec![
                CreateButton::new_link("https://dlc.example.com/share?token=t0k").label("Open"),
            ])])
            .allowed_mentions(CreateAllowedMentions::new());
        match command.edit_response(&ctx.http, edit).await {
            Ok(message)
                if !message
                    .flags
                    .is_some_and(|f| f.contains(MessageFlags::EPHEMERAL)) =>
            {
                self.failed("edit", "returned message is not ephemeral")
            }
            Ok(_) => {}
            Err(e) => self.failed("edit", e),
        }
    }
}

#[serenity::async_trait]
impl EventHandler for EchoBot {
    async fn ready(&self, ctx: Context, ready: Ready) {
        let Some(guild) = ready.guilds.first() else {
            return self.failed("ready", "READY listed no guild");
        };
        if let Err(e) = guild.id.set_commands(&ctx.http, spec_commands()).await {
            self.failed("set_commands", e);
        }
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        match interaction {
            Interaction::Command(command) => self.answer(&ctx, &command).await,
            Interaction::Autocomplete(autocomplete) => {
                let typed = autocomplete
                    .data
                    .autocomplete()
                    .map(|o| o.value.to_owned())
                    .unwrap_or_default();
                let choices = CreateAutocompleteResponse::new()
                    .add_string_choice("1 day", "1d")
                    .add_string_choice(format!("typed {typed}"), typed);
                let response = CreateInteractionResponse::Autocomplete(choices);
                if let Err(e) = autocomplete.create_response(&ctx.http, response).await {
                    self.failed("autocomplete", e);
                }
            }
            other => self.failed("interaction", format!("unexpected {:?}", other.kind())),
        }
    }
}

/// Starts a serenity client with `handler` (or none) against `server`.
async fn start_client(server: &DiscordServer, handler: Option<EchoBot>) -> Arc<ShardManager> {
    let builder = ClientBuilder::new_with_http(http_for(server, TOKEN), GatewayIntents::GUILDS);
    let builder = match handler {
        Some(handler) => builder.event_handler(handler),
        None => builder,
    };
    run_client(builder).await
}

/// Starts a serenity client with any `handler` against `server`.
async fn start_client_with(
    server: &DiscordServer,
    handler: impl EventHandler + 'static,
) -> Arc<ShardManager> {
    let builder = ClientBuilder::new_with_http(http_for(server, TOKEN), GatewayIntents::GUILDS);
    run_client(builder.event_handler(handler)).await
}

async fn run_client(builder: ClientBuilder) -> Arc<ShardManager> {
    let mut client = builder.await.expect("serenity client builds");
    let shard_manager = Arc::clone(&client.shard_manager);
    tokio::spawn(async move { client.start().await });
    shard_manager
}

async fn eventually(timeout: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + timeout;
    while !condition() {
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    true
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serenity_client_round_trip() {
    init_tracing();
    tokio::time::timeout(Duration::from_secs(30), round_trip())
        .await
        .expect("round trip finished within 30 s");
}

async fn round_trip() {
    let config = ServerConfig {
        heartbeat_interval: Duration::from_millis(500),
        ..ServerConfig::default()
    };
    let server = DiscordServer::start_with(TOKEN, config).await;

    // REST with the right token, and a 401 with a wrong one.
    let me = http_for(&server, TOKEN)
        .get_current_user()
        .await
        .expect("GET /users/@me");
    assert_eq!(me.id.get(), DiscordServer::BOT_USER_ID);
    assert!(me.bot);
    let denied = http_for(&server, "wrong-token").get_current_user().await;
    assert_eq!(discord_error(denied), (401, 0));

    let bot = EchoBot::default();
    let shard_manager = start_client(&server, Some(bot.clone())).await;
    assert!(server.wait_until_ready(WAIT).await, "READY within 10 s");
    assert_eq!(server.identify_count(), 1);
    assert_eq!(server.gateway_queries(), vec!["v=10".to_owned()]);
    let identify = &server.identify_payloads()[0];
    assert_eq!(identify["intents"], json!(GatewayIntents::GUILDS.bits()));
    assert_eq!(identify["token"], "<redacted>");

    let commands = server
        .wait_for_commands(CommandScope::Guild(GUILD_ID), WAIT)
        .await
        .expect("guild commands registered");
    let names: Vec<&str> = commands.iter().filter_map(|c| c["name"].as_str()).collect();
    assert_eq!(names, ["share", "share-admin"]);
    assert!(commands.iter().all(|c| c["id"].is_string()));
    assert_eq!(
        commands[1]["default_member_permissions"],
        MANAGE_GUILD.to_string()
    );
    assert_eq!(server.registered_commands()[0].method, "PUT");

    // A subcommand group with a role option: the resolved role must reach the handler.
    let roles_add = CommandInteraction::admin(Some("roles"), "add")
        .option_role_named("role", RESEARCHERS, "Researchers")
        .permissions(MANAGE_GUILD)
        .user(USER_ID, "alice")
        .build();
    let id = server.send_interaction(roles_add).await;
    let reply = server
        .wait_for_reply(&id, WAIT)
        .await
        .expect("roles add answered");
    assert!(reply.rejected.is_empty(), "{:?}", reply.rejected);
    assert!(reply.deferred_ephemeral(), "{:?}", reply.callbacks);
    assert!(reply.is_ephemeral());
    assert_eq!(reply.edits.len(), 1);
    assert_eq!(
        reply.final_message().expect("edited")["content"],
        format!(
            "/share-admin roles add role=@Researchers({RESEARCHERS}) by alice perms={MANAGE_GUILD}"
        )
    );
    let text = reply.final_content();
    for expected in [
        "Shared",
        "Expires",
        "Open",
        "https://dlc.example.com/share?token=t0k",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from {text:?}"
        );
    }
    let mentions = &reply.final_message().expect("edited")["allowed_mentions"];
    assert_eq!(mentions, &json!({"parse": [], "roles": [], "users": []}));

    // Plain subcommand with string options, and a user option with resolved member data.
    let job = CommandInteraction::share("job")
        .option_str("id", "dlc-abc123")
        .option_str("expiry", "12h")
        .roles([RESEARCHERS])
        .build();
    let audit = CommandInteraction::admin(None, "audit")
        .option_user("user", 42, "bob")
        .option_int("limit", 5)
        .permissions(ADMINISTRATOR)
        .build();
    let job_id = server.send_interaction(job).await;
    let audit_id = server.send_interaction(audit).await;
    let job_reply = server
        .wait_for_reply(&job_id, WAIT)
        .await
        .expect("job answered");
    assert!(
        job_reply
            .final_content()
            .starts_with("/share job id=dlc-abc123 expiry=12h by tester")
    );
    let audit_reply = server
        .wait_for_reply(&audit_id, WAIT)
        .await
        .expect("audit answered");
    assert!(
        audit_reply
            .final_content()
            .starts_with("/share-admin audit user=bob(member) limit=5")
    );

    // Autocomplete: answered with choices, never deferred.
    let autocomplete = CommandInteraction::share("job")
        .option_str("id", "dlc-1")
        .option_str("expiry", "3")
        .autocomplete("expiry")
        .build();
    let ac_id = server.send_interaction(autocomplete).await;
    let ac_reply = server
        .wait_for_reply(&ac_id, WAIT)
        .await
        .expect("autocomplete answered");
    assert_eq!(
        ac_reply.choices(),
        vec![
            json!({"name": "1 day", "value": "1d"}),
            json!({"name": "typed 3", "value": "3"})
        ]
    );

    // Heartbeats are acknowledged, so serenity keeps the connection.
    assert!(eventually(WAIT, || server.heartbeat_count() >= 1).await);

    // Drop the socket; an interaction sent meanwhile is replayed after RESUME.
    server.drop_connections().await;
    let during = CommandInteraction::share("tensorboard")
        .option_str("id", "tb-7")
        .build();
    let during_id = server.send_interaction(during).await;
    assert!(server.wait_until_ready(WAIT).await, "reconnected");
    let during_reply = server
        .wait_for_reply(&during_id, WAIT)
        .await
        .expect("replayed");
    assert!(
        during_reply
            .final_content()
            .starts_with("/share tensorboard id=tb-7")
    );
    assert!(server.resume_count() >= 1);
    assert_eq!(server.identify_count(), 1, "resumed, not re-identified");

    // A network failure (no close frame) is resumed too, and later interactions still work.
    server.disconnect(Disconnect::Abrupt).await;
    assert!(
        server.wait_until_ready(WAIT).await,
        "reconnected after abrupt drop"
    );
    let after = CommandInteraction::admin(Some("policy"), "show").build();
    let after_id = server.send_interaction(after).await;
    let after_reply = server
        .wait_for_reply(&after_id, WAIT)
        .await
        .expect("answered after resume");
    assert!(
        after_reply
            .final_content()
            .starts_with("/share-admin policy show")
    );
    assert!(server.resume_count() >= 2);
    assert_eq!(server.identify_count(), 1);

    assert_eq!(
        bot.errors.lock().expect("errors lock").clone(),
        Vec::<String>::new()
    );
    assert_eq!(
        server.unexpected_requests(),
        vec![format!("GET /api/v10/users/@me -> 401 401: Unauthorized")]
    );
    shard_manager.shutdown_all().await;
}

/// `(HTTP status, Discord error code)` of a failed serenity request.
fn discord_error<T: std::fmt::Debug>(result: serenity::Result<T>) -> (u16, isize) {
    match result {
        Err(serenity::Error::Http(HttpError::UnsuccessfulRequest(e))) => {
            (e.status_code.as_u16(), e.error.code)
        }
        other => panic!("expected a Discord error response, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_enforces_discord_interaction_rules() {
    init_tracing();
    tokio::time::timeout(Duration::from_secs(30), interaction_rules())
        .await
        .expect("finished within 30 s");
}

async fn interaction_rules() {
    let config = ServerConfig {
        interaction_deadline: Duration::from_millis(300),
        ..ServerConfig::default()
    };
    let server = DiscordServer::start_with(TOKEN, config).await;
    // A client without handlers: it only holds the gateway session; this test answers by hand.
    let shard_manager = start_client(&server, None).await;
    assert!(server.wait_until_ready(WAIT).await);
    let http = HttpBuilder::new(TOKEN)
        .proxy(server.base_url())
        .ratelimiter_disabled(true)
        .application_id(ApplicationId::new(DiscordServer::APPLICATION_ID))
        .build();

    let payload = CommandInteraction::share("job")
        .option_str("id", "x")
        .build();
    let token = payload["token"].as_str().expect("token").to_owned();
    let id = server.send_interaction(payload).await;
    let interaction_id = InteractionId::new(id.parse().expect("snowflake"));
    let edit = |content: String| json!({ "content": content });

    // No original response to edit before acknowledging.
    let early = http
        .edit_original_interaction_response(&token, &edit("early".into()), vec![])
        .await;
    assert_eq!(discord_error(early), (404, 10008));
    // Acknowledge once; a second acknowledgement is refused.
    let defer = json!({"type": 5, "data": {"flags": 64}});
    http.create_interaction_response(interaction_id, &token, &defer, vec![])
        .await
        .expect("first acknowledgement");
    let again = http.create_interaction_response(interaction_id, &token, &defer, vec![]);
    assert_eq!(discord_error(again.await), (400, 40060));
    // Discord's 2000-character limit; the reason comes back in `errors`.
    let too_long = http
        .edit_original_interaction_response(&token, &edit("x".repeat(2001)), vec![])
        .await;
    match too_long {
        Err(serenity::Error::Http(HttpError::UnsuccessfulRequest(e))) => {
            assert_eq!((e.status_code.as_u16(), e.error.code), (400, 50035));
            assert!(
                e.error.errors[0].message.contains("content"),
                "{:?}",
                e.error
            );
        }
        other => panic!("expected 400, got {other:?}"),
    }
    let message: Message = http
        .edit_original_interaction_response(&token, &edit("done".into()), vec![])
        .await
        .expect("edit after deferral");
    assert_eq!(message.content, "done");
    assert!(
        message
            .flags
            .expect("flags")
            .contains(MessageFlags::EPHEMERAL)
    );
    let followup = json!({"content": "more", "flags": 64});
    let extra: Message = http
        .create_followup_message(&token, &followup, vec![])
        .await
        .expect("follow-up");
    assert_eq!(extra.content, "more");
    let reply = server.replies(&id);
    assert_eq!(
        (
            reply.callbacks.len(),
            reply.edits.len(),
            reply.followups.len()
        ),
        (1, 1, 1)
    );
    assert_eq!(reply.final_content(), "done");
    assert_eq!(reply.rejected.len(), 3, "{:?}", reply.rejected);

    // Files go as multipart with the JSON in `payload_json`.
    let payload = CommandInteraction::share("job")
        .option_str("id", "y")
        .build();
    let token_files = payload["token"].as_str().expect("token").to_owned();
    let files_id = server.send_interaction(payload).await;
    let with_file = json!({"type": 4, "data": {"content": "see file", "flags": 64}});
    let file = CreateAttachment::bytes(b"hello".as_slice(), "note.txt");
    http.create_interaction_response(
        InteractionId::new(files_id.parse().expect("snowflake")),
        &token_files,
        &with_file,
        vec![file],
    )
    .await
    .expect("multipart callback");
    assert_eq!(server.replies(&files_id).final_content(), "see file");

    // Autocomplete may only be answered with choices.
    let payload = CommandInteraction::share("job")
        .autocomplete("expiry")
        .build();
    let token_ac = payload["token"].as_str().expect("token").to_owned();
    let ac_id = server.send_interaction(payload).await;
    let wrong = json!({"type": 4, "data": {"content": "no"}});
    let ac_interaction = InteractionId::new(ac_id.parse().expect("snowflake"));
    let refused = http.create_interaction_response(ac_interaction, &token_ac, &wrong, vec![]);
    assert_eq!(discord_error(refused.await), (400, 50035));

    // Past the acknowledgement deadline the interaction is gone.
    let payload = CommandInteraction::share("job")
        .option_str("id", "z")
        .build();
    let token_late = payload["token"].as_str().expect("token").to_owned();
    let late_id = server.send_interaction(payload).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let late = http.create_interaction_response(
        InteractionId::new(late_id.parse().expect("snowflake")),
        &token_late,
        &defer,
        vec![],
    );
    assert_eq!(discord_error(late.await), (404, 10062));
    let late_reply = server
        .wait_for_reply(&late_id, WAIT)
        .await
        .expect("refusal recorded");
    assert_eq!(late_reply.rejected, ["404 Unknown interaction"]);

    // Routes the fake does not know are refused and recorded.
    let roles = http.get_guild_roles(GuildId::new(GUILD_ID)).await;
    assert_eq!(discord_error(roles), (404, 0));
    let unexpected = server.unexpected_requests();
    assert_eq!(unexpected.len(), 6, "{unexpected:#?}");
    assert!(
        unexpected
            .last()
            .expect("entry")
            .starts_with(&format!("GET /api/v10/guilds/{GUILD_ID}/roles -> 404"))
    );

    shard_manager.shutdown_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injected_rest_faults_are_answered_instead_of_handling_the_request() {
    init_tracing();
    tokio::time::timeout(Duration::from_secs(30), injected_faults())
        .await
        .expect("finished within 30 s");
}

/// A new `/share job` interaction: `(interaction id, its id as serenity's type, token)`.
async fn new_interaction(server: &DiscordServer, job: &str) -> (String, InteractionId, String) {
    let payload = CommandInteraction::share("job")
        .option_str("id", job)
        .build();
    let token = payload["token"].as_str().expect("token").to_owned();
    let id = server.send_interaction(payload).await;
    let typed = InteractionId::new(id.parse().expect("snowflake"));
    (id, typed, token)
}

async fn injected_faults() {
    let server = DiscordServer::start(TOKEN).await;
    let shard_manager = start_client(&server, None).await;
    assert!(server.wait_until_ready(WAIT).await);
    let http = HttpBuilder::new(TOKEN)
        .proxy(server.base_url())
        .ratelimiter_disabled(true)
        .application_id(ApplicationId::new(DiscordServer::APPLICATION_ID))
        .build();
    let client = reqwest::Client::builder()
        .no_proxy()
        .timeout(WAIT)
        .build()
        .expect("HTTP client");
    let original_url = |token: &str| {
        format!(
            "{}/api/v10/webhooks/{}/{token}/messages/@original",
            server.base_url(),
            DiscordServer::APPLICATION_ID
        )
    };
    let defer = json!({"type": 5, "data": {"flags": 64}});

    // The deferral: a 503, then a Cloudflare 502, then it goes through. Faulted attempts do not
    // acknowledge, so the retry is not "already acknowledged".
    server.inject(Route::Callback, [Fault::Status(503), Fault::Html(502)]);
    assert_eq!(server.pending_faults(Route::Callback), 2);
    let (id, interaction_id, token) = new_interaction(&server, "a").await;
    let first = http.create_interaction_response(interaction_id, &token, &defer, vec![]);
    assert_eq!(discord_error(first.await), (503, 0));
    let page = client
        .post(format!(
            "{}/api/v10/interactions/{id}/{token}/callback",
            server.base_url()
        ))
        .json(&defer)
        .send()
        .await
        .expect("the fake answers");
    assert_eq!(page.status().as_u16(), 502);
    assert_eq!(page.headers()["content-type"], "text/html");
    assert!(page.text().await.expect("body").contains("502 Bad Gateway"));
    assert!(server.replies(&id).callbacks.is_empty(), "not acknowledged");
    http.create_interaction_response(interaction_id, &token, &defer, vec![])
        .await
        .expect("the third attempt is handled");
    let reply = server.replies(&id);
    let faulted: Vec<(Route, u16)> = reply.faulted.iter().map(|f| (f.route, f.status)).collect();
    assert_eq!(
        faulted,
        [(Route::Callback, 503), (Route::Callback, 502)],
        "{reply:?}"
    );
    assert_eq!(reply.callbacks.len(), 1);
    assert!(reply.callback_times[0] >= reply.faulted[1].at);
    assert!(reply.rejected.is_empty(), "{:?}", reply.rejected);
    assert_eq!(server.pending_faults(Route::Callback), 0);
    assert!(!reply.is_final(), "deferred, not answered");

    // A rate-limited edit: Discord's exact 429, and the original response stays untouched.
    server.inject(
        Route::EditOriginal,
        [
            Fault::RateLimited {
                retry_after: Duration::from_millis(1250),
            },
            Fault::Status(500),
        ],
    );
    let limited = client
        .patch(original_url(&token))
        .json(&json!({"content": "too soon"}))
        .send()
        .await
        .expect("the fake answers");
    assert_eq!(limited.status().as_u16(), 429);
    let header = |name: &str| {
        limited.headers()[name]
            .to_str()
            .expect("ASCII header")
            .to_owned()
    };
    assert_eq!(header("content-type"), "application/json");
    assert_eq!(header("retry-after"), "2");
    assert_eq!(header("x-ratelimit-limit"), "5");
    assert_eq!(header("x-ratelimit-remaining"), "0");
    assert_eq!(header("x-ratelimit-reset-after"), "1.250");
    assert_eq!(header("x-ratelimit-scope"), "user");
    assert!(!header("x-ratelimit-bucket").is_empty());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs_f64();
    let reset: f64 = header("x-ratelimit-reset").parse().expect("epoch seconds");
    assert!((now..now + 2.0).contains(&reset), "{reset} vs {now}");
    assert!(limited.headers().get("x-ratelimit-global").is_none());
    let body: Value = limited.json().await.expect("JSON body");
    assert_eq!(
        body,
        json!({"message": "You are being rate limited.", "retry_after": 1.25, "global": false})
    );
    let failed = http
        .edit_original_interaction_response(&token, &json!({"content": "still no"}), vec![])
        .await;
    assert_eq!(discord_error(failed), (500, 0));
    let shown: Value = client
        .get(original_url(&token))
        .send()
        .await
        .expect("the fake answers")
        .json()
        .await
        .expect("a message");
    assert_eq!(shown["content"], "", "unedited: {shown}");
    assert_eq!(shown["edited_timestamp"], Value::Null, "{shown}");
    let reply = server.replies(&id);
    assert!(reply.edits.is_empty(), "{:?}", reply.edits);
    let edits = reply.faulted_on(Route::EditOriginal);
    assert_eq!(edits.len(), 2, "{reply:?}");
    assert_eq!(
        (edits[0].status, edits[0].retry_after),
        (429, Some(Duration::from_millis(1250)))
    );
    assert_eq!(
        edits[0].retry_not_before(),
        edits[0].at + Duration::from_millis(1250)
    );
    assert_eq!((edits[1].status, edits[1].retry_after), (500, None));
    assert!(!reply.is_final());

    // Editing gave up; a follow-up answers the deferral instead.
    let early = server.wait_for_reply(&id, Duration::from_millis(100)).await;
    assert!(early.is_none(), "not final before the follow-up: {early:?}");
    http.create_followup_message(
        &token,
        &json!({"content": "your link", "flags": 64}),
        vec![],
    )
    .await
    .expect("follow-up");
    let reply = server
        .wait_for_reply(&id, WAIT)
        .await
        .expect("final once followed up");
    assert!(reply.is_final());
    assert!(reply.edits.is_empty());
    assert_eq!(reply.final_content(), "your link");
    assert_eq!(
        reply.final_followup().map(|m| m["content"].clone()),
        Some(json!("your link"))
    );
    assert_eq!(reply.followup_times.len(), 1);
    assert!(reply.followup_times[0] > reply.faulted[3].at);
    assert_eq!(server.answer_latencies(std::slice::from_ref(&id)).len(), 1);

    // Once the script is used up, requests are handled again; an edit still wins over a
    // follow-up as the final message.
    let (id2, interaction_id2, token2) = new_interaction(&server, "b").await;
    http.create_interaction_response(interaction_id2, &token2, &defer, vec![])
        .await
        .expect("deferral");
    http.edit_original_interaction_response(&token2, &json!({"content": "edited"}), vec![])
        .await
        .expect("edit");
    let reply2 = server.wait_for_reply(&id2, WAIT).await.expect("final");
    assert_eq!(reply2.final_content(), "edited");
    assert!(reply2.faulted.is_empty());
    assert_eq!(reply2.edit_times.len(), 1);

    // Faults are not "unexpected", but every request is in the log.
    assert!(
        server.unexpected_requests().is_empty(),
        "{:#?}",
        server.unexpected_requests()
    );
    let faulted = server.faulted_requests();
    assert_eq!(faulted.len(), 4, "{faulted:#?}");
    assert!(
        faulted[2].starts_with("PATCH /api/v10/webhooks/"),
        "{faulted:?}"
    );
    assert!(faulted[2].ends_with("-> 429 (injected)"), "{faulted:?}");
    let requests = server.requests();
    for line in &faulted {
        let request = line.split(" -> ").next().expect("request line");
        assert!(requests.iter().any(|r| r == request), "{request} logged");
    }
    shard_manager.shutdown_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn privileged_intents_are_refused_like_a_fresh_application() {
    let server = DiscordServer::start(TOKEN).await;
    let intents = GatewayIntents::GUILDS | GatewayIntents::GUILD_MEMBERS;
    let mut client = ClientBuilder::new_with_http(http_for(&server, TOKEN), intents)
        .await
        .expect("serenity client builds");
    let outcome = tokio::time::timeout(WAIT, client.start())
        .await
        .expect("serenity gave up within 10 s");
    let error = outcome.expect_err("disallowed intents are fatal");
    assert!(
        format!("{error:?}").contains("DisallowedGatewayIntents"),
        "{error:?}"
    );
    assert_eq!(server.identify_count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnect_requests_resume_and_invalid_sessions_identify_again() {
    init_tracing();
    let server = DiscordServer::start(TOKEN).await;
    let shard_manager = start_client(&server, None).await;
    assert!(server.wait_until_ready(WAIT).await);

    // Op 7 RECONNECT: serenity opens a new socket and resumes the same session.
    server.disconnect(Disconnect::Reconnect).await;
    assert!(server.wait_until_ready(WAIT).await);
    assert_eq!((server.identify_count(), server.resume_count()), (1, 1));

    // Op 9 with d=false: the session is gone, serenity restarts the shard and identifies. Its
    // shard queuer waits up to 5 s between shard starts, hence the longer timeout.
    server
        .disconnect(Disconnect::InvalidSession { resumable: false })
        .await;
    assert!(eventually(Duration::from_secs(15), || server.identify_count() == 2).await);
    assert!(server.wait_until_ready(WAIT).await);
    assert_eq!(server.resume_count(), 1);
    shard_manager.shutdown_all().await;
}

/// Parses a DISPATCH frame the way serenity's shard does and insists it is not `Event::Unknown`.
fn parse_dispatch(event_name: &str, data: Value) -> Event {
    let frame = json!({"op": 0, "t": event_name, "s": 1, "d": data});
    match serde_json::from_value::<GatewayEvent>(frame) {
        Ok(GatewayEvent::Dispatch(_, Event::Unknown(unknown))) => {
            panic!("serenity would drop {event_name}: {unknown:?}")
        }
        Ok(GatewayEvent::Dispatch(_, event)) => event,
        other => panic!("{event_name} is not a dispatch: {other:?}"),
    }
}

/// Every builder variant the bot's tests are expected to use must survive serenity's strict
/// models; an interaction that fails to parse would silently never reach the bot.
#[test]
fn interaction_builders_deserialize_into_serenity() {
    let builders = [
        CommandInteraction::share("job")
            .option_str("id", "dlc-1")
            .option_str("expiry", "7d"),
        CommandInteraction::share("tensorboard").option_str("id", "tb-1"),
        CommandInteraction::share("job").autocomplete("expiry"),
        CommandInteraction::share("job")
            .option_str("expiry", "1h")
            .autocomplete("expiry"),
        CommandInteraction::admin(Some("roles"), "add").option_role("role", RESEARCHERS),
        CommandInteraction::admin(Some("roles"), "remove").option_role_named("role", 7, "Ops"),
        CommandInteraction::admin(Some("roles"), "list").permissions(ADMINISTRATOR),
        CommandInteraction::admin(Some("policy"), "show"),
        CommandInteraction::admin(Some("policy"), "set")
            .option_str("default_expiry", "1d")
            .option_str("max_expiry", "7d"),
        CommandInteraction::admin(Some("policy"), "set").autocomplete("max_expiry"),
        CommandInteraction::admin(None, "audit")
            .option_user("user", 42, "bob")
            .option_int("limit", 10),
        CommandInteraction::admin(None, "audit")
            .option_int("limit", 3)
            .autocomplete("limit"),
        CommandInteraction::share("job")
            .option_str("id", "dm")
            .in_dm(),
        CommandInteraction::new("ping", &[]).locale("de"),
    ];
    for builder in builders {
        let payload = builder.build();
        let interaction: Interaction = serde_json::from_value(payload.clone())
            .unwrap_or_else(|e| panic!("serenity rejects {payload:#}: {e}"));
        let Event::InteractionCreate(event) = parse_dispatch("INTERACTION_CREATE", payload.clone())
        else {
            panic!("not an INTERACTION_CREATE");
        };
        assert_eq!(event.interaction.id(), interaction.id());
        let command = match &interaction {
            Interaction::Command(c) => {
                assert_eq!(payload["type"], 2);
                c
            }
            Interaction::Autocomplete(c) => {
                assert_eq!(payload["type"], 4);
                assert!(
                    c.data.autocomplete().is_some(),
                    "no focused option in {payload:#}"
                );
                c
            }
            other => panic!("unexpected interaction kind {:?}", other.kind()),
        };
        assert_eq!(command.application_id.get(), DiscordServer::APPLICATION_ID);
        match command.guild_id {
            Some(guild) => {
                assert_eq!(guild.get(), GUILD_ID);
                let member = command
                    .member
                    .as_ref()
                    .expect("guild interactions have a member");
                assert!(member.permissions.is_some());
                assert_eq!(command.user.id, member.user.id);
            }
            None => assert!(command.member.is_none()),
        }
        for (role_id, role) in &command.data.resolved.roles {
            assert!(
                role.name == "Researchers" || role.name.starts_with("role-") || role.name == "Ops"
            );
            assert_eq!(role.id, *role_id);
        }
    }

    // Fresh ids and tokens per build; fixed ones when asked.
    let builder = CommandInteraction::share("job");
    assert_ne!(builder.build()["id"], builder.build()["id"]);
    assert_ne!(builder.build()["token"], builder.build()["token"]);
    let fixed = builder.id(99).token("tok").build();
    assert_eq!(
        (fixed["id"].as_str(), fixed["token"].as_str()),
        (Some("99"), Some("tok"))
    );

    round_two_command_builders();
    component_builder();
}

/// Parses an INTERACTION_CREATE payload as serenity's shard would, insisting it is not dropped.
fn parse_interaction(payload: &Value) -> Interaction {
    let Event::InteractionCreate(event) = parse_dispatch("INTERACTION_CREATE", payload.clone())
    else {
        panic!("not an INTERACTION_CREATE");
    };
    event.interaction
}

fn parse_command(payload: &Value) -> SerenityCommand {
    match parse_interaction(payload) {
        Interaction::Command(command) => command,
        other => panic!("not a command: {:?}", other.kind()),
    }
}

/// Threads, channel, boolean and member options, as `/share` and `/share-admin` get them.
fn round_two_command_builders() {
    // Invoked in a thread: the channel object names its parent.
    let in_thread = parse_command(
        &CommandInteraction::share("job")
            .option_str("id", "dlc-1")
            .in_thread(THREAD, CHANNEL_ID)
            .build(),
    );
    assert_eq!(in_thread.channel_id.get(), THREAD);
    let channel = in_thread.channel.as_ref().expect("channel object");
    assert_eq!(channel.kind, ChannelType::PublicThread);
    assert_eq!(channel.parent_id, Some(ChannelId::new(CHANNEL_ID)));
    assert!(channel.thread_metadata.is_some());

    // Invoked in another text channel.
    let elsewhere = parse_command(&CommandInteraction::share("job").channel(AUDIT).build());
    assert_eq!(elsewhere.channel_id.get(), AUDIT);
    let channel = elsewhere.channel.as_ref().expect("channel object");
    assert_eq!((channel.kind, channel.parent_id), (ChannelType::Text, None));

    // `/share-admin explain user channel` with a member holding roles, on a thread.
    let explain = parse_command(
        &CommandInteraction::admin(None, "explain")
            .option_member("user", BOB, "bob", [RESEARCHERS, APPROVERS])
            .option_thread("channel", THREAD, CHANNEL_ID)
            .permissions(MANAGE_GUILD)
            .build(),
    );
    let options = explain.data.options();
    let ResolvedValue::SubCommand(inner) = &options[0].value else {
        panic!("explain is a subcommand: {options:?}");
    };
    let ResolvedValue::User(user, Some(member)) = &inner[0].value else {
        panic!("user option with member data: {inner:?}");
    };
    assert_eq!(user.id.get(), BOB);
    assert_eq!(
        member.roles,
        [RoleId::new(RESEARCHERS), RoleId::new(APPROVERS)]
    );
    let ResolvedValue::Channel(thread) = &inner[1].value else {
        panic!("channel option: {inner:?}");
    };
    assert_eq!(thread.id.get(), THREAD);
    assert_eq!(thread.kind, ChannelType::PublicThread);
    assert_eq!(thread.parent_id, Some(ChannelId::new(CHANNEL_ID)));
    assert!(thread.thread_metadata.is_some());
    assert_eq!(thread.permissions.map(|p| p.bits()), Some(MANAGE_GUILD));

    // `channels add channel` on a text channel, and `policy set require_reason`.
    let add = parse_command(
        &CommandInteraction::admin(Some("channels"), "add")
            .option_channel("channel", AUDIT)
            .build(),
    );
    let options = add.data.options();
    let ResolvedValue::SubCommandGroup(group) = &options[0].value else {
        panic!("channels is a group: {options:?}");
    };
    let ResolvedValue::SubCommand(inner) = &group[0].value else {
        panic!("add is a subcommand: {group:?}");
    };
    let ResolvedValue::Channel(channel) = &inner[0].value else {
        panic!("channel option: {inner:?}");
    };
    assert_eq!((channel.id.get(), channel.kind), (AUDIT, ChannelType::Text));
    assert_eq!(
        channel.name.as_deref(),
        Some(format!("channel-{AUDIT}").as_str())
    );
    assert!(channel.parent_id.is_none() && channel.thread_metadata.is_none());

    let set = parse_command(
        &CommandInteraction::admin(Some("policy"), "set")
            .option_bool("require_reason", true)
            .build(),
    );
    let mut parts = Vec::new();
    describe(&set.data.options(), &mut parts);
    assert_eq!(parts, ["policy", "set", "require_reason=Boolean(true)"]);
}

/// A message as the bot would post an approval card: two buttons.
fn card_body(n: u32) -> CreateMessage {
    CreateMessage::new()
        .content(format!("<@{USER_ID}> asks to share dlc-{n} for 30d"))
        .embed(
            CreateEmbed::new()
                .title("Approval needed")
                .field("Reason", "debugging", false),
        )
        .components(vec![CreateActionRow::Buttons(vec![
            CreateButton::new(format!("share-approve:{n}"))
                .label("Approve")
                .style(ButtonStyle::Success),
            CreateButton::new(format!("share-deny:{n}"))
                .label("Deny")
                .style(ButtonStyle::Danger),
        ])])
        .allowed_mentions(CreateAllowedMentions::new())
}

/// The card as the server would store it.
fn card_message(n: u32) -> Value {
    let body = serde_json::to_value(card_body(n)).expect("serialize CreateMessage");
    payloads::channel_message("1180000000000007001", APPROVALS, &body)
}

fn component_builder() {
    let card = card_message(1);
    let message: Message = serde_json::from_value(card.clone()).expect("a card is a Message");
    assert_eq!(message.kind, MessageType::Regular);

    let click = ComponentInteraction::button("share-approve:1", &card)
        .user(CAROL, "carol")
        .roles([APPROVERS])
        .permissions(MANAGE_GUILD)
        .id(77)
        .token("click")
        .build();
    let Interaction::Component(parsed) = parse_interaction(&click) else {
        panic!("not a component interaction: {click:#}");
    };
    let direct: SerenityClick =
        serde_json::from_value(click.clone()).expect("ComponentInteraction");
    assert_eq!(direct.id, parsed.id);
    assert_eq!(parsed.id.get(), 77);
    assert_eq!(parsed.token, "click");
    assert_eq!(parsed.data.custom_id, "share-approve:1");
    assert!(matches!(
        parsed.data.kind,
        ComponentInteractionDataKind::Button
    ));
    assert_eq!(parsed.message.id, message.id);
    assert_eq!(parsed.channel_id.get(), APPROVALS);
    assert_eq!(parsed.guild_id, Some(GuildId::new(GUILD_ID)));
    assert_eq!(parsed.user.id.get(), CAROL);
    let member = parsed.member.as_ref().expect("a guild click has a member");
    assert_eq!(member.roles, [RoleId::new(APPROVERS)]);
    assert_eq!(member.permissions.map(|p| p.bits()), Some(MANAGE_GUILD));

    let other_guild = ComponentInteraction::button("share-deny:1", &card)
        .guild(OTHER_GUILD)
        .build();
    let Interaction::Component(parsed) = parse_interaction(&other_guild) else {
        panic!("not a component interaction");
    };
    assert_eq!(parsed.guild_id, Some(GuildId::new(OTHER_GUILD)));

    // A button on a DM message: no guild, no member, the user at the top level.
    let in_dm = ComponentInteraction::button("share-deny:1", &card)
        .user(BOB, "bob")
        .in_dm()
        .build();
    let Interaction::Component(parsed) = parse_interaction(&in_dm) else {
        panic!("not a component interaction");
    };
    assert_eq!((parsed.guild_id, parsed.member.is_none()), (None, true));
    assert_eq!(parsed.user.id.get(), BOB);
    assert_ne!(in_dm["id"], other_guild["id"], "fresh ids per build");

    // Discord only reports clicks on buttons that exist.
    let missing = std::panic::catch_unwind(|| ComponentInteraction::button("share-claim:1", &card));
    assert!(missing.is_err());
}

#[test]
fn gateway_and_rest_payloads_deserialize_into_serenity() {
    let shard = json!([0, 1]);
    let Event::Ready(ready) = parse_dispatch(
        "READY",
        payloads::ready("session", "ws://127.0.0.1:1", &[GUILD_ID], &shard),
    ) else {
        panic!("not READY");
    };
    assert_eq!(
        ready.ready.application.id.get(),
        DiscordServer::APPLICATION_ID
    );
    assert_eq!(ready.ready.user.id.get(), DiscordServer::BOT_USER_ID);
    assert_eq!(ready.ready.guilds[0].id.get(), GUILD_ID);
    assert!(matches!(
        parse_dispatch("RESUMED", json!({})),
        Event::Resumed(_)
    ));
    let hello = serde_json::from_value::<GatewayEvent>(payloads::hello(41_250));
    assert!(matches!(hello, Ok(GatewayEvent::Hello(41_250))));

    let user: CurrentUser = serde_json::from_value(payloads::bot_user()).expect("CurrentUser");
    assert!(user.bot);
    let app: CurrentApplicationInfo =
        serde_json::from_value(payloads::application()).expect("CurrentApplicationInfo");
    assert_eq!(app.id.get(), DiscordServer::APPLICATION_ID);
    let gateway: BotGateway =
        serde_json::from_value(payloads::gateway_bot("ws://127.0.0.1:1")).expect("BotGateway");
    assert_eq!(gateway.shards, 1);

    for command in spec_commands() {
        let body = serde_json::to_value(&command).expect("serialize CreateCommand");
        validate::command(&body).unwrap_or_else(|e| panic!("spec command rejected: {e}"));
        let registered = payloads::registered_command(&body, 5, Some(GUILD_ID));
        let parsed: Command = serde_json::from_value(registered).expect("Command");
        assert_eq!(parsed.guild_id, Some(GuildId::new(GUILD_ID)));
    }

    // What serenity's builders send for a rich reply comes back as a parsable Message.
    let edit = EditInteractionResponse::new()
        .content("c")
        .embed(CreateEmbed::new().title("t").field("n", "v", false))
        .components(vec![CreateActionRow::Buttons(vec![
            CreateButton::new_link("https://example.com").label("Open"),
        ])]);
    let body = serde_json::to_value(&edit).expect("serialize edit");
    validate::message(&body, true).expect("a rich reply is within Discord's limits");
    let message: Message =
        serde_json::from_value(payloads::message("1", &json!("2"), 64, &body)).expect("Message");
    assert_eq!(message.embeds[0].title.as_deref(), Some("t"));
    assert_eq!(message.components.len(), 1);
}

#[test]
fn validator_rejects_what_discord_rejects() {
    let option = |name: &str, required: bool| json!({"type": 3, "name": name, "description": "d", "required": required});
    let command = |options: Value| json!({"name": "share", "description": "d", "options": options});
    assert!(
        validate::command(&command(json!([
            option("id", true),
            option("expiry", false)
        ])))
        .is_ok()
    );
    let misordered = validate::command(&command(json!([
        option("expiry", false),
        option("id", true)
    ])));
    assert!(
        misordered
            .expect_err("required after optional")
            .contains("before optional")
    );
    assert!(validate::command(&json!({"name": "Share", "description": "d"})).is_err());
    assert!(
        validate::command(&json!({"name": "share"})).is_err(),
        "description is required"
    );
    let mixed =
        command(json!([option("id", true), {"type": 1, "name": "job", "description": "d"}]));
    assert!(validate::command(&mixed).is_err());
    let duplicate = [command(json!([])), command(json!([]))];
    assert!(validate::command_list(&duplicate).is_err());

    assert!(validate::message(&json!({"content": "x".repeat(2000)}), true).is_ok());
    assert!(validate::message(&json!({"content": "x".repeat(2001)}), true).is_err());
    assert!(
        validate::message(&json!({"content": ""}), true).is_err(),
        "empty message"
    );
    assert!(
        validate::message(&json!({"content": ""}), false).is_ok(),
        "edits may clear content"
    );
    let field = json!({"name": "n", "value": "v".repeat(1025)});
    assert!(validate::message(&json!({"embeds": [{"fields": [field]}]}), true).is_err());
    let link_without_url =
        json!({"type": 1, "components": [{"type": 2, "style": 5, "label": "x"}]});
    assert!(validate::message(&json!({"components": [link_without_url]}), true).is_err());
    let choices = |n: usize| json!({"choices": vec![json!({"name": "a", "value": "a"}); n]});
    assert!(validate::autocomplete_choices(&choices(25)).is_ok());
    assert!(validate::autocomplete_choices(&choices(26)).is_err());
}

/// The error serenity returned, with Discord's status, code and message.
fn discord_error_message<T: std::fmt::Debug>(result: serenity::Result<T>) -> (u16, isize, String) {
    match result {
        Err(serenity::Error::Http(HttpError::UnsuccessfulRequest(e))) => {
            let detail = e
                .error
                .errors
                .first()
                .map_or(e.error.message, |d| d.message.clone());
            (e.status_code.as_u16(), e.error.code, detail)
        }
        other => panic!("expected a Discord error response, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn channel_messages_are_stored_edited_and_refused_like_discord() {
    init_tracing();
    let server = DiscordServer::start(TOKEN).await;
    let http = http_for(&server, TOKEN);
    let approvals = ChannelId::new(APPROVALS);

    // Posting: serenity gets a Message authored by the bot, the server keeps it and the body.
    let sent = approvals
        .send_message(&http, card_body(1))
        .await
        .expect("card posted");
    assert_eq!(sent.channel_id, approvals);
    assert_eq!(sent.author.id.get(), DiscordServer::BOT_USER_ID);
    assert!(sent.author.bot);
    assert_eq!(sent.kind, MessageType::Regular);
    assert_eq!(sent.webhook_id, None);
    assert_eq!(sent.embeds[0].title.as_deref(), Some("Approval needed"));
    assert_eq!(sent.components[0].components.len(), 2);
    let stored = server.wait_for_channel_messages(APPROVALS, 1, WAIT).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["id"], sent.id.to_string());
    assert_eq!(stored[0]["content"], sent.content);
    let bodies = server.channel_message_bodies(APPROVALS);
    assert_eq!(
        bodies[0]["allowed_mentions"],
        json!({"parse": [], "roles": [], "users": []})
    );
    assert!(stored[0].get("allowed_mentions").is_none(), "not echoed");

    // Editing: only what the body carries changes.
    let edited = approvals
        .edit_message(
            &http,
            sent.id,
            EditMessage::new()
                .content("Approved by carol")
                .components(vec![]),
        )
        .await
        .expect("card edited");
    assert_eq!(edited.id, sent.id);
    assert_eq!(edited.content, "Approved by carol");
    assert!(edited.components.is_empty());
    assert_eq!(edited.embeds.len(), 1, "embeds untouched");
    assert!(edited.edited_timestamp.is_some());
    let stored = server.channel_messages(APPROVALS);
    assert_eq!(stored[0]["content"], "Approved by carol");
    assert_eq!(stored[0]["components"], json!([]));
    assert_eq!(
        server.channel_message_bodies(APPROVALS).len(),
        1,
        "an edit posts nothing"
    );
    let unknown = approvals
        .edit_message(
            &http,
            MessageId::new(12_345),
            EditMessage::new().content("x"),
        )
        .await;
    assert_eq!(discord_error(unknown), (404, 10008));

    // Discord's limits, sent raw because serenity checks some of them itself.
    let button = |button: Value| json!({"content": "ok", "components": [{"type": 1, "components": [button]}]});
    let invalid = [
        (json!({"content": "x".repeat(2001)}), "content"),
        (
            json!({"embeds": [{"title": "t".repeat(257)}]}),
            "embeds.0.title",
        ),
        (
            button(json!({"type": 2, "style": 1, "label": "a", "custom_id": "c".repeat(101)})),
            "custom_id",
        ),
        (
            button(json!({"type": 2, "style": 3, "label": "a"})),
            "custom_id",
        ),
        (button(json!({"type": 2, "style": 5, "label": "a"})), "url"),
        (json!({"content": "private?", "flags": 64}), "flags"),
        (json!({"content": ""}), "empty message"),
    ];
    for (body, what) in &invalid {
        let (status, code, detail) =
            discord_error_message(http.send_message(approvals, vec![], body).await);
        assert_eq!((status, code), (400, 50035), "{body}");
        assert!(detail.contains(what), "{detail:?} should mention {what}");
    }
    assert_eq!(server.channel_messages(APPROVALS).len(), 1);
    assert_eq!(server.unexpected_requests().len(), 1 + invalid.len());

    // A channel without Send Messages, and a deleted one: refused as Discord refuses correct
    // bots, recorded apart from unexpected requests.
    server.forbid_channel(AUDIT);
    server.delete_channel(GONE);
    let forbidden = ChannelId::new(AUDIT).say(&http, "audit entry").await;
    assert_eq!(
        discord_error_message(forbidden),
        (403, 50013, "Missing Permissions".to_owned())
    );
    let gone = ChannelId::new(GONE).say(&http, "audit entry").await;
    assert_eq!(
        discord_error_message(gone),
        (404, 10003, "Unknown Channel".to_owned())
    );
    assert!(server.channel_messages(AUDIT).is_empty());
    assert!(server.channel_messages(GONE).is_empty());
    assert_eq!(
        server.refused_channel_posts(),
        [
            format!("POST /api/v10/channels/{AUDIT}/messages -> 403 Missing Permissions"),
            format!("POST /api/v10/channels/{GONE}/messages -> 404 Unknown Channel"),
        ]
    );
    assert_eq!(server.unexpected_requests().len(), 1 + invalid.len());

    // Injected faults on the new routes: nothing is posted or edited.
    server.inject(Route::CreateMessage, [Fault::Status(500)]);
    server.inject(Route::EditMessage, [Fault::Status(503)]);
    let failed = approvals.say(&http, "retry me").await;
    assert_eq!(discord_error(failed), (500, 0));
    assert_eq!(server.pending_faults(Route::CreateMessage), 0);
    assert_eq!(server.channel_messages(APPROVALS).len(), 1);
    let retried = approvals
        .say(&http, "retry me")
        .await
        .expect("handled again");
    let failed_edit = approvals
        .edit_message(&http, retried.id, EditMessage::new().content("changed"))
        .await;
    assert_eq!(discord_error(failed_edit), (503, 0));
    let stored = server.channel_messages(APPROVALS);
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[1]["content"], "retry me");
    assert_eq!(stored[1]["edited_timestamp"], Value::Null);
    let faulted = server.faulted_requests();
    assert_eq!(faulted.len(), 2, "{faulted:?}");
    assert_eq!(
        faulted[0],
        format!("POST /api/v10/channels/{APPROVALS}/messages -> 500 (injected)")
    );
    assert!(
        faulted[1].starts_with("PATCH /api/v10/channels/"),
        "{faulted:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dm_channels_open_once_per_user_and_closed_dms_refuse_posts() {
    init_tracing();
    let server = DiscordServer::start(TOKEN).await;
    let http = http_for(&server, TOKEN);

    let requester = UserId::new(USER_ID);
    let dm = requester
        .create_dm_channel(&http)
        .await
        .expect("DM channel opened");
    assert_eq!(dm.kind, ChannelType::Private);
    assert_eq!(dm.recipient.id, requester);
    let again = requester.create_dm_channel(&http).await.expect("reopened");
    assert_eq!(again.id, dm.id, "one DM channel per user");
    let sent = dm
        .id
        .say(&http, "Your share of dlc-1 was approved")
        .await
        .expect("DM posted");
    assert_eq!(sent.channel_id, dm.id);
    let dms = server.dm_messages(USER_ID);
    assert_eq!(dms.len(), 1);
    assert_eq!(dms[0]["content"], "Your share of dlc-1 was approved");
    assert_eq!(server.channel_messages(dm.id.get()), dms);
    assert!(server.dm_messages(BOB).is_empty(), "never opened");

    // A member with DMs closed: the channel opens, posting in it is refused.
    server.forbid_dms(BOB);
    let closed = UserId::new(BOB)
        .create_dm_channel(&http)
        .await
        .expect("opening still works");
    assert_ne!(closed.id, dm.id);
    let refused = closed.id.say(&http, "approved").await;
    assert_eq!(
        discord_error_message(refused),
        (403, 50007, "Cannot send messages to this user".to_owned())
    );
    assert!(server.dm_messages(BOB).is_empty());
    assert_eq!(
        server.refused_channel_posts(),
        [format!(
            "POST /api/v10/channels/{}/messages -> 403 Cannot send messages to this user",
            closed.id
        )]
    );

    // Opening a DM can fail like any route; a Cloudflare page is not JSON (code -1 in serenity).
    server.inject(Route::CreateDm, [Fault::Html(502)]);
    let failed = UserId::new(CAROL).create_dm_channel(&http).await;
    assert_eq!(discord_error(failed), (502, -1));
    let opened = UserId::new(CAROL)
        .create_dm_channel(&http)
        .await
        .expect("handled again");
    assert_eq!(opened.recipient.id.get(), CAROL);
    assert!(
        server.unexpected_requests().is_empty(),
        "{:?}",
        server.unexpected_requests()
    );
}

/// Answers button clicks the way an approval flow would: approve with an UPDATE_MESSAGE
/// (7), deny with a DEFERRED_UPDATE_MESSAGE (6) then an edit of `@original`, claim with an
/// ephemeral message (4).
#[derive(Clone, Default)]
struct ClickBot {
    errors: Arc<Mutex<Vec<String>>>,
}

impl ClickBot {
    async fn answer(&self, ctx: &Context, click: &SerenityClick) -> serenity::Result<()> {
        let who = &click.user.name;
        match click.data.custom_id.split(':').next() {
            Some("share-approve") => {
                let update = CreateInteractionResponseMessage::new()
                    .content(format!("Approved by {who}"))
                    .components(vec![]);
                let response = CreateInteractionResponse::UpdateMessage(update);
                click.create_response(&ctx.http, response).await
            }
            Some("share-deny") => {
                let ack = CreateInteractionResponse::Acknowledge;
                click.create_response(&ctx.http, ack).await?;
                let edit = EditInteractionResponse::new()
                    .content(format!("Denied by {who}"))
                    .components(vec![]);
                click.edit_response(&ctx.http, edit).await.map(drop)
            }
            _ => {
                let link = CreateInteractionResponseMessage::new()
                    .content("https://dlc.example.com/share?token=t0k")
                    .ephemeral(true);
                let response = CreateInteractionResponse::Message(link);
                click.create_response(&ctx.http, response).await
            }
        }
    }
}

#[serenity::async_trait]
impl EventHandler for ClickBot {
    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        let outcome = match &interaction {
            Interaction::Component(click) => {
                self.answer(&ctx, click).await.map_err(|e| e.to_string())
            }
            other => Err(format!("unexpected {:?}", other.kind())),
        };
        if let Err(e) = outcome {
            self.errors.lock().expect("errors lock").push(e);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn button_clicks_update_the_message_they_are_on() {
    init_tracing();
    tokio::time::timeout(Duration::from_secs(30), button_clicks())
        .await
        .expect("finished within 30 s");
}

async fn button_clicks() {
    let server = DiscordServer::start(TOKEN).await;
    let bot = ClickBot::default();
    let shard_manager = start_client_with(&server, bot.clone()).await;
    assert!(server.wait_until_ready(WAIT).await);
    let http = http_for(&server, TOKEN);
    let approvals = ChannelId::new(APPROVALS);
    for n in 1..=3 {
        approvals
            .send_message(&http, card_body(n))
            .await
            .expect("card posted");
    }
    let cards = server.wait_for_channel_messages(APPROVALS, 3, WAIT).await;

    // Approve over the gateway, answered with type 7: the card itself changes.
    let approve = ComponentInteraction::button("share-approve:1", &cards[0])
        .user(CAROL, "carol")
        .roles([APPROVERS])
        .build();
    let id = server.send_interaction(approve).await;
    let reply = server.wait_for_reply(&id, WAIT).await.expect("answered");
    assert!(reply.rejected.is_empty(), "{:?}", reply.rejected);
    assert_eq!(reply.callbacks[0]["type"], 7);
    assert_eq!(reply.final_content(), "Approved by carol");
    let card = &server.channel_messages(APPROVALS)[0];
    assert_eq!(card["id"], cards[0]["id"]);
    assert_eq!(card["content"], "Approved by carol");
    assert_eq!(card["components"], json!([]));
    assert_eq!(card["embeds"], cards[0]["embeds"], "embeds untouched");
    assert!(card["edited_timestamp"].is_string());

    // Deny with type 6 then an edit of @original: for a component, @original is the card.
    let deny = ComponentInteraction::button("share-deny:2", &cards[1])
        .user(CAROL, "carol")
        .build();
    let id = server.send_interaction(deny).await;
    let reply = server.wait_for_reply(&id, WAIT).await.expect("answered");
    assert!(reply.rejected.is_empty(), "{:?}", reply.rejected);
    assert_eq!(reply.callbacks[0]["type"], 6);
    assert_eq!(reply.edits.len(), 1);
    let stored = server.channel_messages(APPROVALS);
    assert_eq!(stored[1]["content"], "Denied by carol");
    assert_eq!(stored[1]["components"], json!([]));
    assert_eq!(
        stored[0]["content"], "Approved by carol",
        "other cards untouched"
    );
    assert_eq!(stored[2]["content"], cards[2]["content"]);

    // Delivered over HTTP (a bot in HTTP mode answers in the response body): same effect.
    let endpoint = update_message_endpoint().await;
    let approve = ComponentInteraction::button("share-approve:3", &cards[2]).build();
    let (status, _) = server.deliver(&endpoint, approve).await;
    assert_eq!(status, 200);
    let stored = server.channel_messages(APPROVALS);
    assert_eq!(stored[2]["content"], "Expired");
    assert_eq!(stored[2]["components"], json!([]));

    // A button in a DM, answered with an ephemeral message: the DM itself stays as it was.
    let dm = UserId::new(USER_ID)
        .create_dm_channel(&http)
        .await
        .expect("DM opened");
    let claim = CreateMessage::new()
        .content("Approved: claim your link")
        .components(vec![CreateActionRow::Buttons(vec![
            CreateButton::new("share-claim:1").label("Get link"),
        ])]);
    dm.id.send_message(&http, claim).await.expect("DM posted");
    let in_dm = &server.dm_messages(USER_ID)[0];
    let click = ComponentInteraction::button("share-claim:1", in_dm)
        .in_dm()
        .build();
    let id = server.send_interaction(click).await;
    let reply = server.wait_for_reply(&id, WAIT).await.expect("answered");
    assert!(reply.is_ephemeral());
    assert_eq!(
        reply.final_content(),
        "https://dlc.example.com/share?token=t0k"
    );
    assert_eq!(&server.dm_messages(USER_ID)[0], in_dm);

    assert_eq!(
        bot.errors.lock().expect("errors lock").clone(),
        Vec::<String>::new()
    );
    assert!(
        server.unexpected_requests().is_empty(),
        "{:?}",
        server.unexpected_requests()
    );
    shard_manager.shutdown_all().await;
}

/// An interactions endpoint that answers every interaction with an UPDATE_MESSAGE (7) in its
/// HTTP response, as a bot in HTTP mode does; its URL.
async fn update_message_endpoint() -> String {
    let answer = || async {
        axum::Json(json!({"type": 7, "data": {"content": "Expired", "components": []}}))
    };
    let app = axum::Router::new().route("/interactions", axum::routing::post(answer));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the endpoint");
    let address = listener.local_addr().expect("endpoint address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{address}/interactions")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interaction_tokens_expire_after_15_minutes() {
    init_tracing();
    let server = DiscordServer::start(TOKEN).await;
    let shard_manager = start_client(&server, None).await;
    assert!(server.wait_until_ready(WAIT).await);
    let http = HttpBuilder::new(TOKEN)
        .proxy(server.base_url())
        .ratelimiter_disabled(true)
        .application_id(ApplicationId::new(DiscordServer::APPLICATION_ID))
        .build();
    let (id, interaction_id, token) = new_interaction(&server, "a").await;
    let answer = json!({"type": 4, "data": {"content": "sent for approval", "flags": 64}});
    http.create_interaction_response(interaction_id, &token, &answer, vec![])
        .await
        .expect("answered");

    // 14 minutes later the original response can still be edited...
    server.age_interaction(&id, Duration::from_secs(14 * 60));
    let edit = json!({"content": "approved"});
    http.edit_original_interaction_response(&token, &edit, vec![])
        .await
        .expect("edit within 15 minutes");
    // ...past 15 minutes the token is dead, for edits and follow-ups alike.
    server.age_interaction(
        &id,
        INTERACTION_TOKEN_LIFETIME - Duration::from_secs(13 * 60),
    );
    let late = http
        .edit_original_interaction_response(&token, &edit, vec![])
        .await;
    assert_eq!(discord_error(late), (401, 50027));
    let late_followup = http
        .create_followup_message(&token, &json!({"content": "late", "flags": 64}), vec![])
        .await;
    assert_eq!(discord_error(late_followup), (401, 50027));
    let reply = server.replies(&id);
    assert_eq!(reply.final_content(), "approved");
    assert_eq!(reply.rejected, ["401 Invalid Webhook Token"; 2]);

    // Aging counts for the 3-second acknowledgement window too.
    let (fresh, fresh_id, fresh_token) = new_interaction(&server, "b").await;
    server.age_interaction(&fresh, Duration::from_secs(4));
    let too_late = http
        .create_interaction_response(fresh_id, &fresh_token, &answer, vec![])
        .await;
    assert_eq!(discord_error(too_late), (404, 10062));
    shard_manager.shutdown_all().await;
}
