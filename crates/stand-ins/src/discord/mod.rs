//! A local, Discord-compatible server (REST + gateway) for driving a real serenity 0.12.5 client.
//!
//! Discord itself is unreachable from the tests, so this fake speaks just enough of the v10 API for
//! a bot to start, register its slash commands, answer interactions (commands, autocomplete,
//! button clicks), post and edit messages in channels and DMs — and it enforces the rules that
//! make real bots fail in production (the 3-second acknowledgement window, the 15-minute token,
//! "already acknowledged", editing before acknowledging, Discord's size limits, malformed command
//! definitions, privileged intents), so a test that passes here is meaningful. Channels the bot
//! may not post in, deleted channels and closed DMs are refused as Discord refuses them (see
//! [`DiscordServer::refused_channel_posts`]).
//!
//! How a client is pointed at it:
//! - REST: `HttpBuilder::new(token).proxy(server.base_url()).ratelimiter_disabled(true)`. serenity
//!   only honours `proxy` with the ratelimiter disabled, and applies it by replacing the literal
//!   `https://discord.com` prefix of every route, so requests arrive as `/api/v10/...` and
//!   `base_url()` must not carry a path of its own.
//! - Gateway: serenity asks `GET /api/v10/gateway` for the websocket URL (not `/gateway/bot`), and
//!   connects to `<url>?v=10`. It identifies with `compress: true` but decodes plain text frames
//!   too, so the gateway only ever sends uncompressed JSON text frames.
//!
//! Events a serenity model cannot parse are silently turned into `Event::Unknown`, so every payload
//! produced here is checked against serenity's own types in `tests/suite/discord_server.rs`.
//!
//! Failures of Discord itself (5xx, 429) can be scripted per route with [`DiscordServer::inject`].

mod gateway;
pub mod payloads;
mod rest;
pub mod validate;

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

pub use payloads::{
    ADMINISTRATOR, APPLICATION_ID, BOT_USER_ID, CHANNEL_ID, CommandInteraction,
    ComponentInteraction, GUILD_ID, MANAGE_GUILD, MEMBER_PERMISSIONS, USER_ID,
};

/// Interaction callback types (Discord "interaction response types").
pub mod callback_type {
    pub const CHANNEL_MESSAGE_WITH_SOURCE: u64 = 4;
    pub const DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE: u64 = 5;
    pub const DEFERRED_UPDATE_MESSAGE: u64 = 6;
    pub const UPDATE_MESSAGE: u64 = 7;
    pub const APPLICATION_COMMAND_AUTOCOMPLETE_RESULT: u64 = 8;
    pub const MODAL: u64 = 9;
}

/// Message flag Discord uses for "only you can see this".
pub const EPHEMERAL: u64 = 1 << 6;

/// How long an interaction token can be used for its webhook (editing the original response,
/// follow-ups): 15 minutes, after which Discord answers 401 Invalid Webhook Token (50027).
pub const INTERACTION_TOKEN_LIFETIME: Duration = Duration::from_secs(15 * 60);

/// Knobs for behaviour that differs between tests. `Default` mirrors a freshly created Discord
/// application in one guild.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Sent in HELLO. Discord uses ~41 s; the default is short so heartbeats happen during a test.
    pub heartbeat_interval: Duration,
    /// Guilds the bot is in: listed (unavailable) in READY, and the only guilds where guild
    /// commands may be registered (others get 403 Missing Access, as on Discord).
    pub guilds: Vec<u64>,
    /// Time after INTERACTION_CREATE within which the first callback must arrive (Discord: 3 s);
    /// later callbacks get 404 Unknown interaction (10062).
    pub interaction_deadline: Duration,
    /// Whether IDENTIFY may ask for GUILD_MEMBERS / GUILD_PRESENCES / MESSAGE_CONTENT. A new
    /// application has none enabled, and Discord closes the gateway with 4014 in that case.
    pub allow_privileged_intents: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            heartbeat_interval: Duration::from_secs(5),
            guilds: vec![GUILD_ID],
            interaction_deadline: Duration::from_secs(3),
            allow_privileged_intents: false,
        }
    }
}

/// Ways to break the gateway connection(s), to exercise a client's reconnect logic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Disconnect {
    /// Send a close frame with this code, then drop the socket. serenity 0.12.5 resumes after
    /// 4000 ("unknown error") and most other codes, identifies again after 4006/4009 (session
    /// gone), and gives up on 4004/4013/4014.
    CloseFrame(u16),
    /// Drop the TCP connection without a close frame (a network failure).
    Abrupt,
    /// Send op 7 RECONNECT and keep the socket open, as Discord does before maintenance.
    Reconnect,
    /// Send op 9 INVALID_SESSION with `d` = the given resumability.
    InvalidSession { resumable: bool },
}

/// Requests to an interactions endpoint that Discord would not send (see
/// [`DiscordServer::probe`]), and a PING.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Probe {
    /// A signed PING (type 1).
    Ping,
    /// Signed with another key.
    BadSignature,
    /// Signed correctly, with a timestamp this many seconds from now (e.g. -360, +360).
    Timestamp(i64),
    /// Signed, then the body changed.
    TamperedBody,
    /// No signature headers at all.
    MissingHeaders,
    /// Signed correctly, announcing a body of 1.5 MiB. Only the head is sent: a server that
    /// refuses before reading (as it should) answers at once, whereas a client still writing
    /// the body could see the connection reset before it reads that answer.
    Oversized,
    /// Signed correctly, an interaction type that does not exist.
    UnknownType,
}

/// `X-Signature-Ed25519` and `X-Signature-Timestamp` for `body`, signed by the application's
/// key with a timestamp `offset` seconds from now.
fn signed_headers(body: &[u8], offset: i64) -> Vec<(&'static str, String)> {
    signed_with(&payloads::signing_key(), body, offset)
}

fn signed_with(
    key: &ed25519_dalek::SigningKey,
    body: &[u8],
    offset: i64,
) -> Vec<(&'static str, String)> {
    use ed25519_dalek::Signer;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs();
    let timestamp = now.saturating_add_signed(offset).to_string();
    let signature = key.sign(&[timestamp.as_bytes(), body].concat());
    vec![
        ("x-signature-ed25519", hex::encode(signature.to_bytes())),
        ("x-signature-timestamp", timestamp),
    ]
}

/// Sends only the head of a signed POST announcing `length` bytes of body, and returns the
/// status of the answer that comes without the body.
async fn head_only(endpoint: &str, headers: &[(&'static str, String)], length: usize) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let url = url::Url::parse(endpoint).expect("endpoint URL");
    let addr = format!(
        "{}:{}",
        url.host_str().expect("host"),
        url.port_or_known_default().expect("port")
    );
    let mut head = format!(
        "POST {} HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\ncontent-length: {length}\r\n",
        url.path()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let mut stream = tokio::net::TcpStream::connect(&addr)
        .await
        .unwrap_or_else(|e| panic!("connect {addr}: {e}"));
    stream
        .write_all(head.as_bytes())
        .await
        .expect("send the head");
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), async {
        let mut chunk = [0u8; 1024];
        while !answer.windows(2).any(|w| w == b"\r\n") {
            let n = stream.read(&mut chunk).await.expect("read the answer");
            assert!(n > 0, "connection closed without an answer");
            answer.extend_from_slice(&chunk[..n]);
        }
    })
    .await;
    assert!(
        read.is_ok(),
        "no answer within 10 s to a head announcing {length} bytes"
    );
    let status_line = String::from_utf8_lossy(&answer);
    status_line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP status line: {status_line:?}"))
}

/// POSTs a JSON body as Discord does; the status and the JSON answer (`null` if none).
async fn post_signed(
    endpoint: &str,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
) -> (u16, Value) {
    let client = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("HTTP client");
    let mut request = client
        .post(endpoint)
        .header("content-type", "application/json")
        .header(
            "user-agent",
            "Discord-Interactions/1.0 (+https://discord.com)",
        )
        .body(body);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    match request.send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            let answer = response.json::<Value>().await.unwrap_or(Value::Null);
            (status, answer)
        }
        // A connection reset before the answer (e.g. the server refused an oversized body).
        Err(e) => panic!("POST {endpoint}: {e}"),
    }
}

/// Where a set of application commands lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CommandScope {
    Global,
    Guild(u64),
}

/// A route whose answers can be scripted to fail (see [`DiscordServer::inject`]): the
/// interaction-response routes and the bot's own messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Route {
    /// `POST /interactions/{id}/{token}/callback` (the acknowledgement, e.g. a deferral).
    Callback,
    /// `PATCH /webhooks/{app}/{token}/messages/@original` (editing the original response).
    EditOriginal,
    /// `POST /webhooks/{app}/{token}` (a follow-up message).
    Followup,
    /// `POST /channels/{channel}/messages` (posting a message, in a DM channel too).
    CreateMessage,
    /// `PATCH /channels/{channel}/messages/{message}` (editing one of the bot's messages).
    EditMessage,
    /// `POST /users/@me/channels` (opening a DM channel).
    CreateDm,
    /// `GET /guilds/{guild}/members/{user}` (a member and their roles).
    GetMember,
}

impl Route {
    /// The route a request is for, by method and the path after `/api/v10/`.
    fn of(method: &str, segments: &[&str]) -> Option<Route> {
        match (method, segments) {
            ("POST", ["interactions", _, _, "callback"]) => Some(Route::Callback),
            ("PATCH", ["webhooks", _, _, "messages", "@original"]) => Some(Route::EditOriginal),
            ("POST", ["webhooks", _, _]) => Some(Route::Followup),
            ("POST", ["channels", _, "messages"]) => Some(Route::CreateMessage),
            ("PATCH", ["channels", _, "messages", _]) => Some(Route::EditMessage),
            ("POST", ["users", "@me", "channels"]) => Some(Route::CreateDm),
            ("GET", ["guilds", _, "members", _]) => Some(Route::GetMember),
            _ => None,
        }
    }
}

/// A failure Discord answers with instead of handling the request.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Fault {
    /// This status with Discord's JSON error body, e.g. 500 →
    /// `{"message": "500: Internal Server Error", "code": 0}`.
    Status(u16),
    /// This status with an HTML page, as Discord's Cloudflare edge serves a 502/503/504
    /// (`Content-Type: text/html`, not JSON).
    Html(u16),
    /// A per-route 429 exactly as Discord sends it (see its "Rate Limits" page): body
    /// `{"message": "You are being rate limited.", "retry_after": <f64 s>, "global": false}`,
    /// headers `Retry-After` (whole seconds, rounded up), `X-RateLimit-Limit`,
    /// `X-RateLimit-Remaining: 0`, `X-RateLimit-Reset` (epoch, f64), `X-RateLimit-Reset-After`
    /// (f64 s), `X-RateLimit-Bucket` and `X-RateLimit-Scope: user`.
    RateLimited { retry_after: Duration },
}

impl Fault {
    pub fn status(&self) -> u16 {
        match self {
            Fault::Status(status) | Fault::Html(status) => *status,
            Fault::RateLimited { .. } => 429,
        }
    }

    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Fault::RateLimited { retry_after } => Some(*retry_after),
            _ => None,
        }
    }
}

/// A request answered with an injected [`Fault`] instead of being handled.
#[derive(Clone, Debug)]
pub struct FaultedRequest {
    pub route: Route,
    /// The status it got (429 for a rate limit).
    pub status: u16,
    /// What the 429 told the client to wait; `None` for a 5xx.
    pub retry_after: Option<Duration>,
    /// When the request arrived.
    pub at: Instant,
}

impl FaultedRequest {
    /// The earliest a well-behaved client may retry: arrival plus `retry_after` (arrival for a
    /// 5xx).
    pub fn retry_not_before(&self) -> Instant {
        self.at + self.retry_after.unwrap_or_default()
    }
}

/// One command-registration request as Discord answered it (ids assigned).
#[derive(Clone, Debug)]
pub struct RegisteredCommands {
    pub scope: CommandScope,
    /// `PUT` is a bulk overwrite; `POST` creates or replaces one command.
    pub method: String,
}

/// Everything a bot did in answer to one interaction.
#[derive(Clone, Debug, Default)]
pub struct Reply {
    /// Accepted `POST /interactions/{id}/{token}/callback` bodies, each `{type, data}`.
    pub callbacks: Vec<Value>,
    /// Accepted `PATCH /webhooks/{app}/{token}/messages/@original` bodies, as sent.
    pub edits: Vec<Value>,
    /// Accepted `POST /webhooks/{app}/{token}` bodies, as sent.
    pub followups: Vec<Value>,
    /// Whether `DELETE .../messages/@original` was called.
    pub deleted: bool,
    /// Responses the server refused, with Discord's reason (late, double acknowledgement, a body
    /// over Discord's limits, ...). A correct bot leaves this empty.
    pub rejected: Vec<String>,
    /// Requests answered with an injected fault (see [`DiscordServer::inject`]), in arrival
    /// order. They had no effect: a faulted callback does not acknowledge, a faulted edit does
    /// not edit. Not refusals: they are not in `rejected`.
    pub faulted: Vec<FaultedRequest>,
    /// Arrival of each accepted callback, edit and follow-up, parallel to `callbacks`, `edits`
    /// and `followups`: e.g. `edit_times[0] >= faulted[0].retry_not_before()` checks that a
    /// retry honoured `retry_after`.
    pub callback_times: Vec<Instant>,
    pub edit_times: Vec<Instant>,
    pub followup_times: Vec<Instant>,
}

impl Reply {
    fn callback_type(callback: &Value) -> u64 {
        callback["type"].as_u64().unwrap_or_default()
    }

    fn flags(data: &Value) -> u64 {
        data["flags"].as_u64().unwrap_or_default()
    }

    /// The interaction has its final answer: a message (4), an updated message (7), autocomplete
    /// choices (8), a modal (9), or a deferral (5, or 6 for a component) whose original response
    /// has been edited or that got a follow-up message (the fallback when editing keeps failing).
    /// A bare type 6 is not final: it acknowledges a click without answering it; see
    /// [`DiscordServer::replies`] for that.
    pub fn is_final(&self) -> bool {
        self.callbacks.iter().any(|c| {
            use callback_type::*;
            match Self::callback_type(c) {
                CHANNEL_MESSAGE_WITH_SOURCE
                | UPDATE_MESSAGE
                | APPLICATION_COMMAND_AUTOCOMPLETE_RESULT
                | MODAL => true,
                DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE | DEFERRED_UPDATE_MESSAGE => {
                    !self.edits.is_empty() || !self.followups.is_empty()
                }
                _ => false,
            }
        })
    }

    /// The first callback is a deferral (type 5) flagged ephemeral.
    pub fn deferred_ephemeral(&self) -> bool {
        self.callbacks.first().is_some_and(|c| {
            Self::callback_type(c) == callback_type::DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
                && Self::flags(&c["data"]) & EPHEMERAL != 0
        })
    }

    /// Whether the original response is ephemeral. Fixed by the first callback: edits cannot
    /// change it.
    pub fn is_ephemeral(&self) -> bool {
        self.callbacks
            .first()
            .is_some_and(|c| Self::flags(&c["data"]) & EPHEMERAL != 0)
    }

    /// The last edit of the original response, else the message sent with the callback, else
    /// the last follow-up (a deferral answered by follow-up because editing failed).
    pub fn final_message(&self) -> Option<&Value> {
        self.edits
            .last()
            .or_else(|| {
                self.callbacks.iter().rev().find_map(|c| {
                    use callback_type::*;
                    matches!(
                        Self::callback_type(c),
                        CHANNEL_MESSAGE_WITH_SOURCE | UPDATE_MESSAGE
                    )
                    .then_some(&c["data"])
                })
            })
            .or_else(|| self.final_followup())
    }

    /// The last accepted follow-up message, as sent.
    pub fn final_followup(&self) -> Option<&Value> {
        self.followups.last()
    }

    /// Faulted requests on one route, in arrival order.
    pub fn faulted_on(&self, route: Route) -> Vec<&FaultedRequest> {
        self.faulted.iter().filter(|f| f.route == route).collect()
    }

    /// All user-visible text of the final message — content, embed titles, descriptions, fields,
    /// footers and button labels/URLs — one piece per line, for `contains` assertions.
    pub fn final_content(&self) -> String {
        self.final_message().map(visible_text).unwrap_or_default()
    }

    /// Choices of an autocomplete answer (type 8), each `{name, value}`.
    pub fn choices(&self) -> Vec<Value> {
        self.callbacks
            .iter()
            .filter(|c| {
                Self::callback_type(c) == callback_type::APPLICATION_COMMAND_AUTOCOMPLETE_RESULT
            })
            .flat_map(|c| c["data"]["choices"].as_array().cloned().unwrap_or_default())
            .collect()
    }
}

/// The text a user would see in a message payload (content, embeds, components), one item a line.
pub fn visible_text(message: &Value) -> String {
    let mut lines = Vec::new();
    let mut push = |value: &Value| {
        if let Some(text) = value.as_str().filter(|t| !t.is_empty()) {
            lines.push(text.to_owned());
        }
    };
    push(&message["content"]);
    for embed in message["embeds"].as_array().into_iter().flatten() {
        push(&embed["author"]["name"]);
        push(&embed["title"]);
        push(&embed["url"]);
        push(&embed["description"]);
        for field in embed["fields"].as_array().into_iter().flatten() {
            push(&field["name"]);
            push(&field["value"]);
        }
        push(&embed["footer"]["text"]);
    }
    for row in message["components"].as_array().into_iter().flatten() {
        for component in row["components"].as_array().into_iter().flatten() {
            push(&component["label"]);
            push(&component["url"]);
        }
    }
    lines.join("\n")
}

/// Handle to a running fake Discord. Dropping it stops the listeners and drops open websockets.
pub struct DiscordServer {
    shared: Arc<Shared>,
    rest_addr: SocketAddr,
    tasks: Vec<JoinHandle<()>>,
}

impl DiscordServer {
    pub const APPLICATION_ID: u64 = APPLICATION_ID;
    pub const BOT_USER_ID: u64 = BOT_USER_ID;

    /// Starts REST and gateway listeners on ephemeral localhost ports, on the current runtime.
    pub async fn start(bot_token: &str) -> DiscordServer {
        Self::start_with(bot_token, ServerConfig::default()).await
    }

    pub async fn start_with(bot_token: &str, config: ServerConfig) -> DiscordServer {
        let rest = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the fake Discord REST listener");
        let gateway = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the fake Discord gateway listener");
        let rest_addr = rest.local_addr().expect("REST listener has an address");
        let gateway_addr = gateway
            .local_addr()
            .expect("gateway listener has an address");

        let shared = Arc::new(Shared {
            token: bot_token.trim().trim_start_matches("Bot ").to_owned(),
            gateway_url: format!("ws://{gateway_addr}"),
            config,
            state: Mutex::new(State::default()),
            changed: watch::Sender::new(0),
        });
        let tasks = vec![
            tokio::spawn(rest::serve(rest, Arc::clone(&shared))),
            tokio::spawn(gateway::serve(gateway, Arc::clone(&shared))),
        ];
        DiscordServer {
            shared,
            rest_addr,
            tasks,
        }
    }

    /// `http://127.0.0.1:PORT` — what `HttpBuilder::proxy` (the bot's API base) gets.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.rest_addr)
    }

    /// Waits until a websocket is attached to a live session (READY or RESUMED sent).
    pub async fn wait_until_ready(&self, timeout: Duration) -> bool {
        self.shared
            .wait_for(timeout, |s| s.live_session().then_some(()))
            .await
            .is_some()
    }

    pub fn identify_count(&self) -> usize {
        self.shared.lock().identify_count
    }

    pub fn resume_count(&self) -> usize {
        self.shared.lock().resume_count
    }

    pub fn heartbeat_count(&self) -> usize {
        self.shared.lock().heartbeat_count
    }

    /// IDENTIFY payloads received (token removed), e.g. to check the requested intents.
    pub fn identify_payloads(&self) -> Vec<Value> {
        self.shared.lock().identify_payloads.clone()
    }

    /// Query strings of websocket handshakes, e.g. `v=10`.
    pub fn gateway_queries(&self) -> Vec<String> {
        self.shared.lock().gateway_queries.clone()
    }

    /// Closes every websocket with the resumable code 4000, so the client reconnects and RESUMEs.
    /// Events dispatched meanwhile are kept and replayed on RESUME.
    pub async fn drop_connections(&self) {
        self.disconnect(Disconnect::CloseFrame(4000)).await;
    }

    pub async fn disconnect(&self, how: Disconnect) {
        self.shared.disconnect(how);
    }

    /// The gateway becomes unreachable: open websockets are dropped without a close frame and
    /// every new connection is dropped before its handshake, as when Discord cannot be reached.
    pub async fn refuse_gateway(&self) {
        self.shared.lock().gateway_refused = true;
        self.disconnect(Disconnect::Abrupt).await;
    }

    /// The member's roles change (an admin took one away, say) without them interacting.
    pub fn set_member_roles(&self, guild: u64, user: u64, roles: &[u64]) {
        let mut state = self.shared.lock();
        let member = state
            .members
            .get_mut(&(guild, user))
            .expect("a member who interacted before");
        member["roles"] = json!(roles.iter().map(u64::to_string).collect::<Vec<_>>());
    }

    /// Dispatches INTERACTION_CREATE and starts tracking the interaction's replies. If commands
    /// were registered, `data.id` is set to the registered id of `data.name`, as Discord does.
    /// Returns the interaction id.
    ///
    /// For a button click ([`ComponentInteraction`]), `@original` is the message the button is
    /// on once the bot answers with type 6 (deferred update) or 7 (update message): type 7 and
    /// later edits of `@original` change that message, in
    /// [`channel_messages`](Self::channel_messages) when the bot posted it here. Types 4 and 5
    /// answer with a new message, as for commands.
    pub async fn send_interaction(&self, mut interaction: Value) -> String {
        let id = self.record_interaction(&mut interaction, false);
        self.shared.dispatch("INTERACTION_CREATE", interaction);
        id
    }

    /// Starts tracking an interaction's replies (a second delivery of a known id keeps the
    /// first record) and sets `data.id` as Discord does. Returns the interaction id.
    fn record_interaction(&self, interaction: &mut Value, inline: bool) -> String {
        let id = interaction["id"]
            .as_str()
            .expect("interaction payload has a string `id`")
            .to_owned();
        let token = interaction["token"]
            .as_str()
            .expect("interaction payload has a string `token`")
            .to_owned();
        let mut state = self.shared.lock();
        // Discord knows every member who interacts, with their roles at that moment.
        if let (Some(guild), Some(user)) = (
            interaction["guild_id"]
                .as_str()
                .and_then(|g| g.parse().ok()),
            interaction["member"]["user"]["id"]
                .as_str()
                .and_then(|u| u.parse().ok()),
        ) {
            let mut member = interaction["member"].clone();
            if let Some(fields) = member.as_object_mut() {
                fields.remove("permissions");
            }
            state.members.insert((guild, user), member);
        }
        if let Some(command_id) = state.registered_command_id(interaction) {
            interaction["data"]["id"] = json!(command_id);
        }
        let record = state
            .interactions
            .entry(id.clone())
            .or_insert_with(|| InteractionRecord {
                token: token.clone(),
                kind: interaction["type"].as_u64().unwrap_or_default(),
                channel_id: interaction["channel_id"].clone(),
                created: Instant::now(),
                acknowledged: None,
                answered: None,
                message_id: payloads::snowflake().to_string(),
                message: None,
                source_message: interaction["message"].clone(),
                original_in_channel: None,
                aged: Duration::ZERO,
                inline_pending: 0,
                reply: Reply::default(),
            });
        if inline {
            record.inline_pending += 1;
        }
        state.interaction_tokens.insert(token, id.clone());
        id
    }

    /// The application's public key (hex), also served as `verify_key`.
    pub fn public_key_hex(&self) -> String {
        payloads::public_key_hex()
    }

    /// Delivers an interaction as Discord does in HTTP mode: records it like
    /// [`send_interaction`](Self::send_interaction) (so `wait_for_reply`, edits and follow-ups
    /// work), signs it with the application's key, POSTs it to `endpoint` (the bot's
    /// `http://…/interactions`) and applies a 200 response's body as the interaction's callback,
    /// checked exactly like `POST …/callback`. Edits and follow-ups for the interaction that
    /// arrive while its response is still on its way wait for it (Discord has the response
    /// before the bot can send anything else). Returns the HTTP status and body (`null` if
    /// not JSON).
    pub async fn deliver(&self, endpoint: &str, interaction: Value) -> (u16, Value) {
        self.deliver_and(endpoint, interaction, true).await
    }

    /// Like [`deliver`](Self::deliver), but the bot's HTTP response never reaches "Discord": a
    /// slow proxy or an answer after Discord's 3 s (the interaction stays unacknowledged, so
    /// `@original` stays unknown and edits of it fail with 10008), or a replay of an earlier
    /// delivery by someone who is not Discord and keeps the response.
    pub async fn deliver_lost(&self, endpoint: &str, interaction: Value) -> (u16, Value) {
        self.deliver_and(endpoint, interaction, false).await
    }

    async fn deliver_and(
        &self,
        endpoint: &str,
        mut interaction: Value,
        response_arrives: bool,
    ) -> (u16, Value) {
        let is_ping = interaction["type"] == 1;
        let id = (!is_ping).then(|| self.record_interaction(&mut interaction, true));
        let body = serde_json::to_vec(&interaction).expect("JSON");
        let (status, answer) = post_signed(endpoint, signed_headers(&body, 0), body).await;
        if let Some(id) = id {
            {
                let mut state = self.shared.lock();
                let token = match state.interactions.get_mut(&id) {
                    Some(record) => {
                        record.inline_pending = record.inline_pending.saturating_sub(1);
                        record.token.clone()
                    }
                    None => String::new(),
                };
                if status == 200 && response_arrives {
                    let applied =
                        rest::callback(&self.shared, &mut state, &id, &token, Ok(answer.clone()));
                    if let Some(reason) = applied.refusal {
                        state
                            .unexpected
                            .push(format!("HTTP response to interaction {id} -> {reason}"));
                    }
                }
            }
            self.shared.notify();
        }
        (status, answer)
    }

    /// Sends `endpoint` a request Discord would never send (or a PING) and returns the status.
    /// The body is a `/share job` that would be audited if it were acted on.
    pub async fn probe(&self, endpoint: &str, probe: Probe) -> u16 {
        let share = payloads::CommandInteraction::share("job")
            .option_str("id", "dlc-probe")
            .build();
        let body = serde_json::to_vec(&share).expect("JSON");
        let (headers, body) = match probe {
            Probe::Ping => {
                let ping = serde_json::to_vec(&json!({
                    "type": 1, "id": payloads::snowflake().to_string(),
                    "application_id": APPLICATION_ID.to_string(), "token": "ping", "version": 1,
                }))
                .expect("JSON");
                (signed_headers(&ping, 0), ping)
            }
            Probe::BadSignature => {
                let other = ed25519_dalek::SigningKey::from_bytes(&[42; 32]);
                (signed_with(&other, &body, 0), body)
            }
            Probe::Timestamp(offset) => (signed_headers(&body, offset), body),
            Probe::TamperedBody => {
                let headers = signed_headers(&body, 0);
                let tampered = String::from_utf8(body)
                    .expect("UTF-8")
                    .replace("dlc-probe", "dlc-other");
                (headers, tampered.into_bytes())
            }
            Probe::MissingHeaders => (Vec::new(), body),
            Probe::UnknownType => {
                let mut odd = share;
                odd["type"] = json!(99);
                let odd = serde_json::to_vec(&odd).expect("JSON");
                (signed_headers(&odd, 0), odd)
            }
            Probe::Oversized => {
                let mut big = share;
                big["padding"] = json!("x".repeat(1_536 * 1024));
                let big = serde_json::to_vec(&big).expect("JSON");
                return head_only(endpoint, &signed_headers(&big, 0), big.len()).await;
            }
        };
        post_signed(endpoint, headers, body).await.0
    }

    /// Waits until the interaction has its final answer (see [`Reply::is_final`]) or a response
    /// was refused (see [`Reply::rejected`]); `None` on timeout.
    pub async fn wait_for_reply(&self, interaction_id: &str, timeout: Duration) -> Option<Reply> {
        self.shared
            .wait_for(timeout, |s| {
                let reply = &s.interactions.get(interaction_id)?.reply;
                (reply.is_final() || !reply.rejected.is_empty()).then(|| reply.clone())
            })
            .await
    }

    /// Time from dispatching each interaction to its acknowledgement and to its final answer,
    /// measured inside the server (for load benchmarks: no waiter wake-ups in the measurement);
    /// unanswered ones are left out. One lock for the whole batch, so polling does not slow the
    /// server down.
    pub fn answer_latencies(&self, interaction_ids: &[String]) -> Vec<(Duration, Duration)> {
        let state = self.shared.lock();
        interaction_ids
            .iter()
            .filter_map(|id| {
                let record = state.interactions.get(id)?;
                let answered = record.answered? - record.created;
                let acknowledged = record.acknowledged.map_or(answered, |a| a - record.created);
                Some((acknowledged, answered))
            })
            .collect()
    }

    /// What was recorded so far for an interaction (empty if unknown).
    pub fn replies(&self, interaction_id: &str) -> Reply {
        self.shared
            .lock()
            .interactions
            .get(interaction_id)
            .map(|i| i.reply.clone())
            .unwrap_or_default()
    }

    /// Every accepted command-registration request, in order.
    pub fn registered_commands(&self) -> Vec<RegisteredCommands> {
        self.shared.lock().command_log.clone()
    }

    /// The commands currently registered in a scope.
    pub fn commands(&self, scope: CommandScope) -> Vec<Value> {
        self.shared
            .lock()
            .commands
            .get(&scope)
            .cloned()
            .unwrap_or_default()
    }

    /// Waits until commands have been registered in `scope` and returns them.
    pub async fn wait_for_commands(
        &self,
        scope: CommandScope,
        timeout: Duration,
    ) -> Option<Vec<Value>> {
        self.shared
            .wait_for(timeout, |s| {
                s.command_log
                    .iter()
                    .any(|r| r.scope == scope)
                    .then(|| s.commands.get(&scope).cloned().unwrap_or_default())
            })
            .await
    }

    /// Every REST request as `METHOD /path?query`, in arrival order, including those answered
    /// with an injected fault.
    pub fn requests(&self) -> Vec<String> {
        self.shared.lock().requests.clone()
    }

    /// Requests the server refused: unknown routes, bad credentials, and interaction responses
    /// and messages Discord would reject. Each entry is `METHOD /path -> STATUS reason`. A
    /// request answered with an injected fault is not unexpected (the test asked for it): see
    /// [`faulted_requests`](Self::faulted_requests); nor is a post refused because the test took
    /// the channel away: see [`refused_channel_posts`](Self::refused_channel_posts).
    pub fn unexpected_requests(&self) -> Vec<String> {
        self.shared.lock().unexpected.clone()
    }

    /// Scripts the answers to the next requests on `route`, for any interaction: each matching
    /// request consumes the next fault and gets it instead of being handled, so it changes
    /// nothing (a faulted callback does not acknowledge, a faulted edit does not edit, and the
    /// 3-second acknowledgement window keeps running). Once the faults are used up, requests
    /// are handled normally again. Calls add to what is still queued.
    ///
    /// # Panics
    /// If a status is not a valid HTTP status (100-999).
    pub fn inject(&self, route: Route, faults: impl IntoIterator<Item = Fault>) {
        let faults: Vec<Fault> = faults.into_iter().collect();
        for fault in &faults {
            assert!(
                (100..=999).contains(&fault.status()),
                "not an HTTP status: {fault:?}"
            );
        }
        self.shared
            .lock()
            .faults
            .entry(route)
            .or_default()
            .extend(faults);
    }

    /// Injected faults on `route` that no request has consumed yet.
    pub fn pending_faults(&self, route: Route) -> usize {
        self.shared
            .lock()
            .faults
            .get(&route)
            .map_or(0, VecDeque::len)
    }

    /// Requests answered with an injected fault, each `METHOD /path -> STATUS (injected)`, in
    /// arrival order. Per interaction, see [`Reply::faulted`].
    pub fn faulted_requests(&self) -> Vec<String> {
        self.shared.lock().faulted.clone()
    }

    /// Takes away the bot's Send Messages permission in a channel: posts there get 403 Missing
    /// Permissions (50013). Editing the bot's earlier messages there still works, as on
    /// Discord. By default the bot may post in any channel.
    pub fn forbid_channel(&self, channel_id: u64) {
        self.shared.lock().forbidden_channels.insert(channel_id);
    }

    /// Deletes a channel: posts and edits there get 404 Unknown Channel (10003).
    pub fn delete_channel(&self, channel_id: u64) {
        self.shared.lock().deleted_channels.insert(channel_id);
    }

    /// Closes a user's DMs to the bot (they block it, or allow no DMs from server members): the
    /// DM channel can still be opened, but posts in it get 403 Cannot send messages to this
    /// user (50007).
    pub fn forbid_dms(&self, user_id: u64) {
        self.shared.lock().closed_dms.insert(user_id);
    }

    /// Posts and edits refused because of [`forbid_channel`](Self::forbid_channel),
    /// [`delete_channel`](Self::delete_channel) or [`forbid_dms`](Self::forbid_dms), each
    /// `METHOD /path -> STATUS reason`. Discord refuses a correct bot like this too, so these
    /// are not in [`unexpected_requests`](Self::unexpected_requests); a test can check that the
    /// bot tried and carried on.
    pub fn refused_channel_posts(&self) -> Vec<String> {
        self.shared.lock().refused_channel_posts.clone()
    }

    /// Messages the bot posted in a channel (a DM channel too), in order, each in its current
    /// state (edits applied) as Discord would return it.
    pub fn channel_messages(&self, channel_id: u64) -> Vec<Value> {
        self.shared
            .lock()
            .channel_message_values(channel_id, |m| &m.message)
    }

    /// The create bodies of the bot's messages in a channel, as sent and parallel to
    /// [`channel_messages`](Self::channel_messages): the message object does not echo
    /// `allowed_mentions`, so this is where a test checks who a post may ping.
    pub fn channel_message_bodies(&self, channel_id: u64) -> Vec<Value> {
        self.shared
            .lock()
            .channel_message_values(channel_id, |m| &m.body)
    }

    /// Waits until the bot has posted at least `count` messages in a channel and returns them
    /// (see [`channel_messages`](Self::channel_messages)); on timeout, those there are.
    pub async fn wait_for_channel_messages(
        &self,
        channel_id: u64,
        count: usize,
        timeout: Duration,
    ) -> Vec<Value> {
        let found = self
            .shared
            .wait_for(timeout, |s| {
                let messages = s.channel_message_values(channel_id, |m| &m.message);
                (messages.len() >= count).then_some(messages)
            })
            .await;
        found.unwrap_or_else(|| self.channel_messages(channel_id))
    }

    /// Messages the bot posted in its DM channel with a user (empty if it never opened one).
    pub fn dm_messages(&self, user_id: u64) -> Vec<Value> {
        let state = self.shared.lock();
        match state.dm_channels.get(&user_id) {
            Some(channel) => state.channel_message_values(*channel, |m| &m.message),
            None => Vec::new(),
        }
    }

    /// Makes an interaction `by` older, as if it had been created that much earlier: past 3 s
    /// it can no longer be acknowledged, past [`INTERACTION_TOKEN_LIFETIME`] its webhook
    /// (edits of the original response, follow-ups) is refused with 401 Invalid Webhook Token.
    ///
    /// # Panics
    /// If the interaction is unknown.
    pub fn age_interaction(&self, interaction_id: &str, by: Duration) {
        let mut state = self.shared.lock();
        let record = state
            .interactions
            .get_mut(interaction_id)
            .unwrap_or_else(|| panic!("unknown interaction {interaction_id}"));
        record.aged += by;
    }
}

impl Drop for DiscordServer {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
        if let Ok(state) = self.shared.state.lock() {
            for connection in state.connections.values() {
                // The receiver may already be gone; nothing to clean up then.
                let _ = connection.tx.send(Outbound::Abort);
            }
        }
    }
}

/// State shared by the public handle, the REST handler and the gateway connections.
struct Shared {
    /// Expected bot token, without the `Bot ` prefix.
    token: String,
    gateway_url: String,
    config: ServerConfig,
    state: Mutex<State>,
    /// Bumped after every state change, so waiters re-check their condition.
    changed: watch::Sender<u64>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .expect("fake Discord state poisoned by a panicking test thread")
    }

    fn notify(&self) {
        self.changed.send_modify(|version| *version += 1);
    }

    /// Polls `check` after every state change until it yields a value or `timeout` elapses.
    async fn wait_for<T>(
        &self,
        timeout: Duration,
        mut check: impl FnMut(&State) -> Option<T>,
    ) -> Option<T> {
        let deadline = tokio::time::Instant::now() + timeout;
        // Subscribing before checking means no change can slip between the check and the wait.
        let mut changes = self.changed.subscribe();
        loop {
            if let Some(found) = check(&self.lock()) {
                return Some(found);
            }
            match tokio::time::timeout_at(deadline, changes.changed()).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) | Err(_) => return check(&self.lock()),
            }
        }
    }

    fn token_matches(&self, presented: &str) -> bool {
        presented.trim().trim_start_matches("Bot ") == self.token
    }

    fn dispatch(&self, event_name: &str, data: Value) {
        self.lock().dispatch(event_name, data);
        self.notify();
    }

    fn disconnect(&self, how: Disconnect) {
        let mut state = self.lock();
        for connection in state.connections.values_mut() {
            let outbound = match how {
                Disconnect::CloseFrame(code) => Outbound::Close(code),
                Disconnect::Abrupt => Outbound::Abort,
                Disconnect::Reconnect => Outbound::Frame(json!({"op": 7, "d": null})),
                Disconnect::InvalidSession { resumable } => {
                    Outbound::Frame(json!({"op": 9, "d": resumable}))
                }
            };
            // Detach right away, so `wait_until_ready` waits for the reconnection rather than
            // seeing the connection that is about to go away.
            connection.session_id = None;
            let _ = connection.tx.send(outbound);
        }
        if let Disconnect::InvalidSession { resumable: false } = how {
            state.session = None;
        }
        drop(state);
        self.notify();
    }
}

/// What a gateway connection task should do next, queued so frames keep their order.
enum Outbound {
    Frame(Value),
    Close(u16),
    Abort,
}

struct Connection {
    tx: mpsc::UnboundedSender<Outbound>,
    /// The session this socket is attached to (after IDENTIFY or RESUME).
    session_id: Option<String>,
}

/// A gateway session: survives its websocket so it can be resumed.
struct Session {
    id: String,
    seq: u64,
    /// Every dispatch frame sent in this session, for replay on RESUME.
    log: Vec<Value>,
}

struct InteractionRecord {
    token: String,
    /// Interaction type: 2 command, 3 component, 4 autocomplete.
    kind: u64,
    channel_id: Value,
    created: Instant,
    /// When the first callback (the acknowledgement, e.g. a deferral) arrived.
    acknowledged: Option<Instant>,
    /// When the final answer arrived (first edit of a deferral, or a final callback).
    answered: Option<Instant>,
    /// HTTP deliveries whose response has not been applied yet.
    inline_pending: u32,
    /// Id of the original response message.
    message_id: String,
    /// The original response as Discord would show it, once there is one.
    message: Option<Value>,
    /// For a component interaction, the message the component is on, as delivered; `null`
    /// otherwise. After a type 6 or 7 callback it is the original response.
    source_message: Value,
    /// `(channel, message id)` when the original response is a message in the channel store
    /// (a component's message after type 6/7), so that editing `@original` edits it there.
    original_in_channel: Option<(u64, String)>,
    /// Added to the real age by [`DiscordServer::age_interaction`].
    aged: Duration,
    reply: Reply,
}

impl InteractionRecord {
    /// Time since the interaction was created, as Discord's deadlines see it.
    fn age(&self) -> Duration {
        self.created.elapsed() + self.aged
    }
}

/// A message the bot posted in a channel.
struct ChannelMessage {
    /// Its current state, as Discord would show it.
    message: Value,
    /// The create body as sent (with `allowed_mentions`, which the message object does not
    /// echo).
    body: Value,
}

#[derive(Default)]
struct State {
    session: Option<Session>,
    connections: HashMap<u64, Connection>,
    next_connection: u64,
    identify_count: usize,
    resume_count: usize,
    heartbeat_count: usize,
    identify_payloads: Vec<Value>,
    gateway_queries: Vec<String>,

    requests: Vec<String>,
    unexpected: Vec<String>,
    /// Scripted failures not yet consumed, per route.
    faults: HashMap<Route, VecDeque<Fault>>,
    faulted: Vec<String>,
    command_log: Vec<RegisteredCommands>,
    commands: HashMap<CommandScope, Vec<Value>>,
    interactions: HashMap<String, InteractionRecord>,
    /// Interaction token -> interaction id, for the webhook routes.
    interaction_tokens: HashMap<String, String>,

    /// Messages the bot posted, per channel (DM channels included), in order.
    channel_messages: HashMap<u64, Vec<ChannelMessage>>,
    /// Channels where the bot may not post (403 Missing Permissions).
    forbidden_channels: HashSet<u64>,
    /// Channels that no longer exist (404 Unknown Channel).
    deleted_channels: HashSet<u64>,
    /// Users whose DMs are closed to the bot (403 Cannot send messages to this user).
    closed_dms: HashSet<u64>,
    /// Recipient user id -> DM channel id.
    dm_channels: HashMap<u64, u64>,
    /// `(guild, user)` -> the member object `GET /guilds/{g}/members/{u}` answers, as their
    /// latest interaction showed it (or as a test changed it); anyone else is 10007 Unknown
    /// Member.
    members: HashMap<(u64, u64), Value>,
    /// Set by [`DiscordServer::refuse_gateway`]: every new gateway connection is dropped.
    gateway_refused: bool,
    /// Posts and edits Discord refused as it refuses correct bots (see
    /// [`DiscordServer::refused_channel_posts`]).
    refused_channel_posts: Vec<String>,
}

impl State {
    fn live_session(&self) -> bool {
        let Some(session) = &self.session else {
            return false;
        };
        self.connections
            .values()
            .any(|c| c.session_id.as_deref() == Some(session.id.as_str()))
    }

    fn dispatch(&mut self, event_name: &str, data: Value) {
        let session = self.session.as_mut().unwrap_or_else(|| {
            panic!(
                "fake Discord: cannot dispatch {event_name} without a gateway session; \
                 call wait_until_ready first"
            )
        });
        session.seq += 1;
        let frame = json!({"op": 0, "t": event_name, "s": session.seq, "d": data});
        session.log.push(frame.clone());
        let session_id = session.id.clone();
        for connection in self.connections.values() {
            if connection.session_id.as_deref() == Some(session_id.as_str()) {
                let _ = connection.tx.send(Outbound::Frame(frame.clone()));
            }
        }
    }

    /// A message the bot posted, by channel and message id.
    fn channel_message_mut(&mut self, channel_id: u64, message_id: &str) -> Option<&mut Value> {
        self.channel_messages
            .get_mut(&channel_id)?
            .iter_mut()
            .map(|m| &mut m.message)
            .find(|m| m["id"] == message_id)
    }

    /// Edits a message the bot posted as Discord does (see [`payloads::apply_edit`]) and
    /// returns its new state; `None` if there is no such message.
    fn edit_channel_message(
        &mut self,
        channel_id: u64,
        message_id: &str,
        body: &Value,
    ) -> Option<Value> {
        let message = self.channel_message_mut(channel_id, message_id)?;
        payloads::apply_edit(message, body);
        message["edited_timestamp"] = json!(payloads::timestamp_now());
        Some(message.clone())
    }

    /// The user whose DM channel this is, if it is one.
    fn dm_recipient(&self, channel_id: u64) -> Option<u64> {
        self.dm_channels
            .iter()
            .find_map(|(user, channel)| (*channel == channel_id).then_some(*user))
    }

    fn channel_message_values(
        &self,
        channel_id: u64,
        pick: fn(&ChannelMessage) -> &Value,
    ) -> Vec<Value> {
        self.channel_messages
            .get(&channel_id)
            .into_iter()
            .flatten()
            .map(|m| pick(m).clone())
            .collect()
    }

    /// Id Discord would put in `data.id`: the registered command with that name, guild first.
    fn registered_command_id(&self, interaction: &Value) -> Option<String> {
        let name = interaction["data"]["name"].as_str()?;
        let guild = interaction["guild_id"]
            .as_str()
            .and_then(|g| g.parse().ok())
            .map(CommandScope::Guild);
        guild
            .into_iter()
            .chain([CommandScope::Global])
            .filter_map(|scope| self.commands.get(&scope))
            .flatten()
            .find(|c| c["name"] == name)
            .and_then(|c| c["id"].as_str().map(str::to_owned))
    }
}
