//! The REST API under `/api/v10`, routed by hand so that every unknown call is recorded.
//!
//! serenity 0.12.5 builds each URL as `https://discord.com/api/v10/...` and, when a proxy is set
//! (only honoured with the ratelimiter disabled), replaces the `https://discord.com` prefix with
//! the proxy; query parameters come out as `?&key=value`. Bodies are JSON, or multipart with a
//! `payload_json` part when files are attached.

use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State as AxumState;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::serve::ListenerExt;
use serde_json::{Value, json};
use tokio::net::TcpListener;

use super::{APPLICATION_ID, EPHEMERAL, Fault, FaultedRequest, INTERACTION_TOKEN_LIFETIME, Route};
use super::{ChannelMessage, CommandScope, RegisteredCommands, Shared, State, callback_type};
use super::{payloads, validate};

pub(super) async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    let app = Router::new().fallback(handle).with_state(shared);
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, app)
        .await
        .expect("fake Discord REST server failed");
}

/// A response plus, for refusals, the reason to record as unexpected.
pub(super) struct Answer {
    status: StatusCode,
    body: Option<Value>,
    pub(super) refusal: Option<String>,
}

impl Answer {
    fn ok(body: Value) -> Self {
        Self::with_status(StatusCode::OK, body)
    }

    fn with_status(status: StatusCode, body: Value) -> Self {
        Self {
            status,
            body: Some(body),
            refusal: None,
        }
    }

    fn no_content() -> Self {
        Self {
            status: StatusCode::NO_CONTENT,
            body: None,
            refusal: None,
        }
    }

    fn error(status: StatusCode, code: u64, message: &str) -> Self {
        Self {
            status,
            body: Some(payloads::error(code, message)),
            refusal: Some(format!("{} {message}", status.as_u16())),
        }
    }

    fn invalid_form_body(reason: &str) -> Self {
        let mut answer = Self::error(StatusCode::BAD_REQUEST, 50035, "Invalid Form Body");
        if let Some(body) = &mut answer.body {
            body["errors"] =
                json!({ "_errors": [{ "code": "BASE_TYPE_INVALID", "message": reason }] });
        }
        answer.refusal = Some(format!("400 Invalid Form Body: {reason}"));
        answer
    }

    fn not_found() -> Self {
        Self::error(StatusCode::NOT_FOUND, 0, "404: Not Found")
    }

    fn unknown_interaction() -> Self {
        Self::error(StatusCode::NOT_FOUND, 10062, "Unknown interaction")
    }

    fn unknown_webhook() -> Self {
        Self::error(StatusCode::NOT_FOUND, 10015, "Unknown Webhook")
    }

    fn unknown_message() -> Self {
        Self::error(StatusCode::NOT_FOUND, 10008, "Unknown Message")
    }

    fn missing_access() -> Self {
        Self::error(StatusCode::FORBIDDEN, 50001, "Missing Access")
    }

    /// An interaction token past its 15 minutes.
    fn invalid_webhook_token() -> Self {
        Self::error(StatusCode::UNAUTHORIZED, 50027, "Invalid Webhook Token")
    }
}

async fn handle(
    AxumState(shared): AxumState<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let line = format!(
        "{method} {}",
        uri.path_and_query().map_or(uri.path(), |p| p.as_str())
    );
    wait_for_inline_response(&shared, uri.path()).await;
    let outcome = {
        let mut state = shared.lock();
        state.requests.push(line.clone());
        match take_fault(&mut state, &method, uri.path(), &line) {
            Some(fault) => Err(fault),
            None => {
                let answer = route(&shared, &mut state, &method, uri.path(), &headers, &body);
                if let Some(reason) = &answer.refusal {
                    state.unexpected.push(format!("{line} -> {reason}"));
                }
                Ok(answer)
            }
        }
    };
    shared.notify();
    match outcome {
        Err(fault) => fault_response(fault),
        Ok(Answer {
            status,
            body: Some(body),
            ..
        }) => (status, axum::Json(body)).into_response(),
        Ok(Answer { status, .. }) => status.into_response(),
    }
}

/// A webhook request (edit, follow-up) for an interaction delivered over HTTP waits until its
/// HTTP response has been applied: Discord has it before the bot can send anything else.
async fn wait_for_inline_response(shared: &Shared, path: &str) {
    let Some(rest) = path.strip_prefix("/api/v10/webhooks/") else {
        return;
    };
    let Some(token) = rest.split('/').nth(1).map(str::to_owned) else {
        return;
    };
    shared
        .wait_for(std::time::Duration::from_secs(3), |s| {
            let pending = s
                .interaction_tokens
                .get(&token)
                .and_then(|id| s.interactions.get(id))
                .is_some_and(|r| r.inline_pending > 0);
            (!pending).then_some(())
        })
        .await;
}

/// The next injected fault for this request's route, if any, recorded as consumed (on the
/// server and on the interaction the request is for). The request is then not handled at all.
fn take_fault(state: &mut State, method: &Method, path: &str, line: &str) -> Option<Fault> {
    let rest = path.strip_prefix("/api/v10/")?;
    let segments: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
    let route = Route::of(method.as_str(), &segments)?;
    let fault = state.faults.get_mut(&route)?.pop_front()?;
    let at = Instant::now();
    state
        .faulted
        .push(format!("{line} -> {} (injected)", fault.status()));
    let interaction = match segments.as_slice() {
        ["interactions", id, token, ..] => state
            .interactions
            .get(*id)
            .filter(|r| r.token == *token)
            .map(|_| (*id).to_owned()),
        ["webhooks", app, token, ..] => webhook_interaction(state, app, token).map(str::to_owned),
        _ => None,
    };
    if let Some(record) = interaction.and_then(|id| state.interactions.get_mut(&id)) {
        record.reply.faulted.push(FaultedRequest {
            route,
            status: fault.status(),
            retry_after: fault.retry_after(),
            at,
        });
    }
    Some(fault)
}

/// A rate-limit bucket id, opaque as Discord's are.
const RATE_LIMIT_BUCKET: &str = "9c2b1a7f3e5d4c6b8a0f1e2d3c4b5a69";

fn fault_response(fault: Fault) -> Response {
    let status =
        StatusCode::from_u16(fault.status()).expect("inject() accepts only valid HTTP statuses");
    let reason = status.canonical_reason().unwrap_or("Error");
    match fault {
        Fault::Status(code) => {
            let body = payloads::error(0, &format!("{code}: {reason}"));
            (status, axum::Json(body)).into_response()
        }
        Fault::Html(code) => {
            let page = format!(
                "<html>\r\n<head><title>{code} {reason}</title></head>\r\n<body>\r\n\
                 <center><h1>{code} {reason}</h1></center>\r\n<hr><center>cloudflare</center>\r\n\
                 </body>\r\n</html>\r\n"
            );
            (status, [(header::CONTENT_TYPE, "text/html")], page).into_response()
        }
        Fault::RateLimited { retry_after } => {
            let seconds = retry_after.as_secs_f64();
            let reset = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .expect("system clock after 1970")
                + retry_after;
            let body = json!({
                "message": "You are being rate limited.",
                "retry_after": seconds,
                "global": false,
            });
            let headers = [
                ("retry-after", format!("{}", seconds.ceil() as u64)),
                ("x-ratelimit-limit", "5".to_owned()),
                ("x-ratelimit-remaining", "0".to_owned()),
                ("x-ratelimit-reset", format!("{:.3}", reset.as_secs_f64())),
                ("x-ratelimit-reset-after", format!("{seconds:.3}")),
                ("x-ratelimit-bucket", RATE_LIMIT_BUCKET.to_owned()),
                ("x-ratelimit-scope", "user".to_owned()),
            ];
            (status, headers, axum::Json(body)).into_response()
        }
    }
}

fn route(
    shared: &Shared,
    state: &mut State,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Answer {
    let Some(rest) = path.strip_prefix("/api/v10/") else {
        return Answer::not_found();
    };
    let segments: Vec<&str> = rest.trim_end_matches('/').split('/').collect();

    // Interaction callbacks and webhooks authenticate with the token in the URL; a bot may still
    // send its Authorization header there, but it must be right.
    let token_in_url = matches!(segments.as_slice(), ["interactions", ..] | ["webhooks", ..]);
    match headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
    {
        Some(auth) if auth.starts_with("Bot ") && shared.token_matches(auth) => {}
        None if token_in_url => {}
        _ => return Answer::error(StatusCode::UNAUTHORIZED, 0, "401: Unauthorized"),
    }

    let json_body = || parse_body(headers, body);
    match (method.as_str(), segments.as_slice()) {
        ("GET", ["gateway"]) => Answer::ok(payloads::gateway(&shared.gateway_url)),
        ("GET", ["gateway", "bot"]) => Answer::ok(payloads::gateway_bot(&shared.gateway_url)),
        ("GET", ["users", "@me"]) => Answer::ok(payloads::bot_user()),
        ("GET", ["applications", "@me"] | ["oauth2", "applications", "@me"]) => {
            Answer::ok(payloads::application())
        }
        (_, ["applications", app, "commands"]) => {
            commands(shared, state, method, app, None, json_body())
        }
        (_, ["applications", app, "guilds", guild, "commands"]) => {
            commands(shared, state, method, app, Some(guild), json_body())
        }
        ("POST", ["interactions", id, token, "callback"]) => {
            callback(shared, state, id, token, json_body())
        }
        (_, ["webhooks", app, token, "messages", "@original"]) => {
            original(state, method, app, token, json_body())
        }
        ("POST", ["webhooks", app, token]) => followup(state, app, token, json_body()),
        ("POST", ["users", "@me", "channels"]) => create_dm(state, json_body()),
        ("POST", ["channels", channel, "messages"]) => {
            create_message(state, path, channel, json_body())
        }
        ("PATCH", ["channels", channel, "messages", message]) => {
            edit_message(state, path, channel, message, json_body())
        }
        ("GET", ["guilds", guild, "members", user]) => {
            let key = (guild.parse().unwrap_or(0), user.parse().unwrap_or(0));
            match state.members.get(&key) {
                Some(member) => Answer::ok(member.clone()),
                None => Answer::error(StatusCode::NOT_FOUND, 10007, "Unknown Member"),
            }
        }
        _ => Answer::not_found(),
    }
}

/// The JSON payload of a request: the body itself, or the `payload_json` part of a multipart
/// body (used when files are attached). An empty body is `null`.
fn parse_body(headers: &HeaderMap, body: &[u8]) -> Result<Value, Answer> {
    let invalid = || {
        Answer::error(
            StatusCode::BAD_REQUEST,
            50109,
            "The request body contains invalid JSON.",
        )
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    if let Some(boundary) = content_type
        .strip_prefix("multipart/form-data")
        .and_then(|rest| rest.split("boundary=").nth(1))
    {
        let payload = multipart_field(body, boundary.trim_matches('"'), "payload_json")
            .ok_or_else(invalid)?;
        return serde_json::from_slice(payload).map_err(|_| invalid());
    }
    if body.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_slice(body).map_err(|_| invalid())
}

/// The content of the multipart part named `name`.
fn multipart_field<'a>(body: &'a [u8], boundary: &str, name: &str) -> Option<&'a [u8]> {
    let delimiter = format!("--{boundary}");
    let wanted = format!("name=\"{name}\"");
    split_bytes(body, delimiter.as_bytes())
        .into_iter()
        .find_map(|part| {
            let header_end = find(part, b"\r\n\r\n")?;
            let part_headers = String::from_utf8_lossy(&part[..header_end]);
            part_headers.contains(&wanted).then(|| {
                let content = &part[header_end + 4..];
                content.strip_suffix(b"\r\n").unwrap_or(content)
            })
        })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn split_bytes<'a>(mut body: &'a [u8], delimiter: &[u8]) -> Vec<&'a [u8]> {
    let mut parts = Vec::new();
    while let Some(at) = find(body, delimiter) {
        parts.push(&body[..at]);
        body = &body[at + delimiter.len()..];
    }
    parts.push(body);
    parts
}

fn is_our_application(app: &str) -> bool {
    app.parse() == Ok(APPLICATION_ID)
}

fn commands(
    shared: &Shared,
    state: &mut State,
    method: &Method,
    app: &str,
    guild: Option<&str>,
    body: Result<Value, Answer>,
) -> Answer {
    if !is_our_application(app) {
        return Answer::missing_access();
    }
    let scope = match guild.map(str::parse::<u64>) {
        None => CommandScope::Global,
        Some(Ok(guild)) if shared.config.guilds.contains(&guild) => CommandScope::Guild(guild),
        // The bot is not in that guild.
        Some(_) => return Answer::missing_access(),
    };
    let guild_id = match scope {
        CommandScope::Guild(id) => Some(id),
        CommandScope::Global => None,
    };
    let existing = state.commands.get(&scope).cloned().unwrap_or_default();
    // Discord keeps a command's id when it is overwritten under the same name.
    let id_for = |body: &Value| {
        existing
            .iter()
            .find(|c| c["name"] == body["name"] && c["type"] == body["type"].as_u64().unwrap_or(1))
            .and_then(|c| c["id"].as_str()?.parse().ok())
            .unwrap_or_else(payloads::snowflake)
    };

    let (commands, answer_body, status) = match method.as_str() {
        "GET" => return Answer::ok(Value::Array(existing)),
        "PUT" => {
            let body = match body {
                Ok(Value::Array(items)) => items,
                Ok(_) => {
                    return Answer::invalid_form_body("bulk overwrite takes an array of commands");
                }
                Err(answer) => return answer,
            };
            if let Err(reason) = validate::command_list(&body) {
                return Answer::invalid_form_body(&reason);
            }
            let commands: Vec<Value> = body
                .iter()
                .map(|c| payloads::registered_command(c, id_for(c), guild_id))
                .collect();
            (commands.clone(), Value::Array(commands), StatusCode::OK)
        }
        "POST" => {
            let body = match body {
                Ok(body @ Value::Object(_)) => body,
                Ok(_) => return Answer::invalid_form_body("expected one command object"),
                Err(answer) => return answer,
            };
            if let Err(reason) = validate::command(&body) {
                return Answer::invalid_form_body(&reason);
            }
            let command = payloads::registered_command(&body, id_for(&body), guild_id);
            let mut commands = existing.clone();
            let replaced = commands.iter().position(|c| c["id"] == command["id"]);
            let status = match replaced {
                Some(at) => {
                    commands[at] = command.clone();
                    StatusCode::OK
                }
                None => {
                    commands.push(command.clone());
                    StatusCode::CREATED
                }
            };
            (commands, command, status)
        }
        _ => return Answer::not_found(),
    };
    state.command_log.push(RegisteredCommands {
        scope,
        method: method.to_string(),
    });
    state.commands.insert(scope, commands);
    Answer::with_status(status, answer_body)
}

/// Records a refusal on the interaction too, so `wait_for_reply` can return early with it.
fn refuse(state: &mut State, interaction_id: &str, answer: Answer) -> Answer {
    if let (Some(record), Some(reason)) = (
        state.interactions.get_mut(interaction_id),
        answer.refusal.as_ref(),
    ) {
        record.reply.rejected.push(reason.clone());
    }
    answer
}

/// `POST /interactions/{id}/{token}/callback`; also applies an HTTP-delivered interaction's
/// response body (see `DiscordServer::deliver`).
pub(super) fn callback(
    shared: &Shared,
    state: &mut State,
    id: &str,
    token: &str,
    body: Result<Value, Answer>,
) -> Answer {
    let Some(record) = state.interactions.get(id).filter(|r| r.token == token) else {
        return Answer::unknown_interaction();
    };
    let body = match body {
        Ok(body) => body,
        Err(answer) => return refuse(state, id, answer),
    };
    if !record.reply.callbacks.is_empty() {
        let answer = Answer::error(
            StatusCode::BAD_REQUEST,
            40060,
            "Interaction has already been acknowledged.",
        );
        return refuse(state, id, answer);
    }
    if record.age() > shared.config.interaction_deadline {
        return refuse(state, id, Answer::unknown_interaction());
    }

    use callback_type::*;
    let kind = body["type"].as_u64().unwrap_or_default();
    let allowed: &[u64] = match record.kind {
        // Autocomplete can only be answered with choices.
        4 => &[APPLICATION_COMMAND_AUTOCOMPLETE_RESULT],
        3 => &[
            CHANNEL_MESSAGE_WITH_SOURCE,
            DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
            DEFERRED_UPDATE_MESSAGE,
            UPDATE_MESSAGE,
            MODAL,
        ],
        _ => &[
            CHANNEL_MESSAGE_WITH_SOURCE,
            DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
            MODAL,
        ],
    };
    if !allowed.contains(&kind) {
        let reason = format!(
            "type: callback type {kind} is not valid for interaction type {}",
            record.kind
        );
        return refuse(state, id, Answer::invalid_form_body(&reason));
    }
    let data = body.get("data").cloned().unwrap_or(Value::Null);
    let checked = match kind {
        CHANNEL_MESSAGE_WITH_SOURCE => validate::message(&data, true),
        UPDATE_MESSAGE => validate::message(&data, false),
        APPLICATION_COMMAND_AUTOCOMPLETE_RESULT => validate::autocomplete_choices(&data),
        _ => Ok(()),
    };
    if let Err(reason) = checked {
        return refuse(state, id, Answer::invalid_form_body(&reason));
    }

    // For a component, types 6 and 7 make the message the component is on the original
    // response; 7 edits it right away.
    let updated = match kind {
        DEFERRED_UPDATE_MESSAGE | UPDATE_MESSAGE => {
            let edit = (kind == UPDATE_MESSAGE).then_some(&data);
            Some(update_component_message(state, id, edit))
        }
        _ => None,
    };
    let record = state
        .interactions
        .get_mut(id)
        .expect("looked up above under the same lock");
    let flags = data["flags"].as_u64().unwrap_or_default();
    if let Some((message, in_channel)) = &updated {
        record.message_id = message["id"].as_str().unwrap_or_default().to_owned();
        record.original_in_channel = in_channel.clone();
    }
    record.message = match kind {
        CHANNEL_MESSAGE_WITH_SOURCE => Some(payloads::message(
            &record.message_id,
            &record.channel_id,
            flags,
            &data,
        )),
        // "<bot> is thinking...": an empty message flagged LOADING until the first edit.
        DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE => Some(payloads::message(
            &record.message_id,
            &record.channel_id,
            (flags & EPHEMERAL) | 1 << 7,
            &Value::Null,
        )),
        DEFERRED_UPDATE_MESSAGE | UPDATE_MESSAGE => updated.map(|(message, _)| message),
        _ => None,
    };
    record
        .reply
        .callbacks
        .push(json!({"type": kind, "data": data}));
    record.reply.callback_times.push(Instant::now());
    record.acknowledged.get_or_insert_with(Instant::now);
    if record.reply.is_final() {
        record.answered.get_or_insert_with(Instant::now);
    }
    Answer::no_content()
}

/// The message a component interaction's component is on, after applying `edit` (a type 7
/// callback's data): the one in the channel store when the bot posted it, else the copy that came
/// with the interaction (e.g. an ephemeral reply). Returns it and, if stored, where it is.
fn update_component_message(
    state: &mut State,
    interaction_id: &str,
    edit: Option<&Value>,
) -> (Value, Option<(u64, String)>) {
    let source = state
        .interactions
        .get(interaction_id)
        .map(|r| r.source_message.clone())
        .unwrap_or_default();
    let message_id = source["id"].as_str().unwrap_or_default().to_owned();
    if let Some(channel) = source["channel_id"].as_str().and_then(|c| c.parse().ok()) {
        let stored = match edit {
            Some(body) => state.edit_channel_message(channel, &message_id, body),
            None => state.channel_message_mut(channel, &message_id).cloned(),
        };
        if let Some(message) = stored {
            return (message, Some((channel, message_id)));
        }
    }
    let mut message = source;
    if let Some(body) = edit {
        payloads::apply_edit(&mut message, body);
        message["edited_timestamp"] = json!(payloads::timestamp_now());
    }
    (message, None)
}

/// The interaction a webhook route refers to, by application id and interaction token.
fn webhook_interaction<'a>(state: &'a State, app: &str, token: &str) -> Option<&'a str> {
    if !is_our_application(app) {
        return None;
    }
    state.interaction_tokens.get(token).map(String::as_str)
}

fn original(
    state: &mut State,
    method: &Method,
    app: &str,
    token: &str,
    body: Result<Value, Answer>,
) -> Answer {
    let Some(id) = webhook_interaction(state, app, token).map(str::to_owned) else {
        return Answer::unknown_webhook();
    };
    let record = &state.interactions[&id];
    if record.age() > INTERACTION_TOKEN_LIFETIME {
        return refuse(state, &id, Answer::invalid_webhook_token());
    }
    // A component's message may have been edited directly since: start from its current state.
    let in_channel = record.original_in_channel.clone();
    let current = in_channel
        .as_ref()
        .and_then(|(channel, message)| state.channel_message_mut(*channel, message))
        .cloned();
    let record = state
        .interactions
        .get_mut(&id)
        .expect("token index points at a recorded interaction");
    if current.is_some() {
        record.message = current;
    }
    // Before a type 4/5 callback there is no original response to read, edit or delete.
    let Some(message) = record.message.as_mut() else {
        return refuse(state, &id, Answer::unknown_message());
    };
    match method.as_str() {
        "GET" => Answer::ok(message.clone()),
        "DELETE" => {
            record.message = None;
            record.reply.deleted = true;
            Answer::no_content()
        }
        "PATCH" => {
            let body = match body {
                Ok(body) => body,
                Err(answer) => return refuse(state, &id, answer),
            };
            if let Err(reason) = validate::message(&body, false) {
                return refuse(state, &id, Answer::invalid_form_body(&reason));
            }
            payloads::apply_edit(message, &body);
            // The first edit of a deferral replaces "thinking..." (clears LOADING).
            let flags = message["flags"].as_u64().unwrap_or_default() & !(1 << 7);
            message["flags"] = json!(flags);
            message["edited_timestamp"] = json!(payloads::timestamp_now());
            let edited = message.clone();
            record.reply.edits.push(body);
            record.reply.edit_times.push(Instant::now());
            record.answered.get_or_insert_with(Instant::now);
            // For a component after type 6/7, @original is the message the component is on.
            if let Some((channel, message_id)) = in_channel
                && let Some(stored) = state.channel_message_mut(channel, &message_id)
            {
                *stored = edited.clone();
            }
            Answer::ok(edited)
        }
        _ => Answer::not_found(),
    }
}

fn followup(state: &mut State, app: &str, token: &str, body: Result<Value, Answer>) -> Answer {
    let Some(id) = webhook_interaction(state, app, token).map(str::to_owned) else {
        return Answer::unknown_webhook();
    };
    let body = match body {
        Ok(body) => body,
        Err(answer) => return refuse(state, &id, answer),
    };
    let record = state
        .interactions
        .get_mut(&id)
        .expect("token index points at a recorded interaction");
    if record.age() > INTERACTION_TOKEN_LIFETIME {
        return refuse(state, &id, Answer::invalid_webhook_token());
    }
    // The webhook only exists once the interaction has been acknowledged.
    if record.reply.callbacks.is_empty() {
        return refuse(state, &id, Answer::unknown_webhook());
    }
    if let Err(reason) = validate::message(&body, true) {
        return refuse(state, &id, Answer::invalid_form_body(&reason));
    }
    let flags = body["flags"].as_u64().unwrap_or_default();
    let message_id = payloads::snowflake().to_string();
    let message = payloads::message(&message_id, &record.channel_id, flags, &body);
    record.reply.followups.push(body);
    record.reply.followup_times.push(Instant::now());
    // A deferral answered by a follow-up (because editing failed) is answered now.
    if record.reply.is_final() {
        record.answered.get_or_insert_with(Instant::now);
    }
    Answer::ok(message)
}

/// A refusal Discord gives a correct bot too (no permission, a deleted channel, closed DMs):
/// recorded in `refused_channel_posts` rather than as unexpected.
fn expected_refusal(
    state: &mut State,
    line: String,
    status: StatusCode,
    code: u64,
    message: &str,
) -> Answer {
    state
        .refused_channel_posts
        .push(format!("{line} -> {} {message}", status.as_u16()));
    Answer {
        status,
        body: Some(payloads::error(code, message)),
        refusal: None,
    }
}

fn snowflake_in_path(value: &str, what: &str) -> Result<u64, Answer> {
    value.parse().map_err(|_| {
        Answer::invalid_form_body(&format!("{what}: value {value:?} is not snowflake"))
    })
}

/// Flags a create or edit body may not set on a channel message (EPHEMERAL, for one).
fn check_message_flags(body: &Value) -> Result<(), Answer> {
    let flags = body["flags"].as_u64().unwrap_or_default();
    let invalid = flags & !payloads::CREATE_MESSAGE_FLAGS;
    if invalid == 0 {
        Ok(())
    } else {
        Err(Answer::invalid_form_body(&format!(
            "flags: {invalid} cannot be set on a channel message"
        )))
    }
}

/// `POST /users/@me/channels`: opens (or returns the existing) DM channel with a user.
fn create_dm(state: &mut State, body: Result<Value, Answer>) -> Answer {
    let body = match body {
        Ok(body) => body,
        Err(answer) => return answer,
    };
    let recipient = match &body["recipient_id"] {
        Value::String(id) => id.parse::<u64>().ok(),
        other => other.as_u64(),
    };
    let Some(recipient) = recipient else {
        return Answer::invalid_form_body("recipient_id: a user id is required");
    };
    let channel = *state
        .dm_channels
        .entry(recipient)
        .or_insert_with(payloads::snowflake);
    Answer::ok(payloads::dm_channel(channel, recipient))
}

/// `POST /channels/{channel}/messages`: posts a message as the bot user.
fn create_message(
    state: &mut State,
    path: &str,
    channel: &str,
    body: Result<Value, Answer>,
) -> Answer {
    let channel_id = match snowflake_in_path(channel, "channel_id") {
        Ok(id) => id,
        Err(answer) => return answer,
    };
    let line = format!("POST {path}");
    if state.deleted_channels.contains(&channel_id) {
        return expected_refusal(state, line, StatusCode::NOT_FOUND, 10003, "Unknown Channel");
    }
    if state.forbidden_channels.contains(&channel_id) {
        return expected_refusal(
            state,
            line,
            StatusCode::FORBIDDEN,
            50013,
            "Missing Permissions",
        );
    }
    if state
        .dm_recipient(channel_id)
        .is_some_and(|user| state.closed_dms.contains(&user))
    {
        let reason = "Cannot send messages to this user";
        return expected_refusal(state, line, StatusCode::FORBIDDEN, 50007, reason);
    }
    let body = match body {
        Ok(body) => body,
        Err(answer) => return answer,
    };
    if let Err(reason) = validate::message(&body, true) {
        return Answer::invalid_form_body(&reason);
    }
    if let Err(answer) = check_message_flags(&body) {
        return answer;
    }
    let message = payloads::channel_message(&payloads::snowflake().to_string(), channel_id, &body);
    state
        .channel_messages
        .entry(channel_id)
        .or_default()
        .push(ChannelMessage {
            message: message.clone(),
            body,
        });
    Answer::ok(message)
}

/// `PATCH /channels/{channel}/messages/{message}`: edits one of the bot's messages.
fn edit_message(
    state: &mut State,
    path: &str,
    channel: &str,
    message_id: &str,
    body: Result<Value, Answer>,
) -> Answer {
    let channel_id = match snowflake_in_path(channel, "channel_id") {
        Ok(id) => id,
        Err(answer) => return answer,
    };
    if state.deleted_channels.contains(&channel_id) {
        let line = format!("PATCH {path}");
        return expected_refusal(state, line, StatusCode::NOT_FOUND, 10003, "Unknown Channel");
    }
    let body = match body {
        Ok(body) => body,
        Err(answer) => return answer,
    };
    if let Err(reason) = validate::message(&body, false) {
        return Answer::invalid_form_body(&reason);
    }
    if let Err(answer) = check_message_flags(&body) {
        return answer;
    }
    match state.edit_channel_message(channel_id, message_id, &body) {
        Some(message) => Answer::ok(message),
        None => Answer::unknown_message(),
    }
}
