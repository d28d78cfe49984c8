//! The gateway websocket: HELLO, IDENTIFY → READY, heartbeats, RESUME with replay.
//!
//! What serenity 0.12.5 does, which this mirrors:
//! - connects to the URL from `GET /gateway` with `?v=10` appended, and resumes on that same URL
//!   (it ignores READY's `resume_gateway_url`);
//! - sends IDENTIFY with the token *including* the `Bot ` prefix, and `compress: true`, yet reads
//!   text frames as plain JSON — so everything here is an uncompressed text frame;
//! - on RESUME it sends op 6 right after connecting, without waiting for HELLO;
//! - a dropped socket, op 7, or a close frame with most codes (e.g. 4000) makes it RESUME; 4006,
//!   4009 and op 9 with `d: false` make it IDENTIFY again (after its shard queuer's pause of up
//!   to 5 s); 4004, 4013 and 4014 end the client with an error.

use std::sync::Arc;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use super::payloads;
use super::{Connection, Outbound, Session, Shared};

/// GUILD_PRESENCES, GUILD_MEMBERS, MESSAGE_CONTENT.
const PRIVILEGED_INTENTS: u64 = (1 << 1) | (1 << 8) | (1 << 15);

/// Gateway close codes used here (Discord's numbering).
mod close {
    pub const UNKNOWN_OPCODE: u16 = 4001;
    pub const DECODE_ERROR: u16 = 4002;
    pub const AUTHENTICATION_FAILED: u16 = 4004;
    pub const ALREADY_AUTHENTICATED: u16 = 4005;
    pub const DISALLOWED_INTENTS: u16 = 4014;
}

pub(super) async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                // Discord's gateway does not hold back small frames: with Nagle on, a burst of
                // dispatches would wait for the client's delayed ACKs (up to 40 ms each).
                let _ = stream.set_nodelay(true);
                tokio::spawn(connection(stream, Arc::clone(&shared)));
            }
            // Transient accept errors (e.g. too many open files) should not end the listener.
            Err(_) => tokio::task::yield_now().await,
        }
    }
}

async fn connection(stream: TcpStream, shared: Arc<Shared>) {
    // Unreachable: the connection is dropped before the websocket handshake.
    if shared.lock().gateway_refused {
        return;
    }
    let mut query = String::new();
    #[allow(clippy::result_large_err)] // the signature is tungstenite's `Callback`
    let record_query = |request: &Request, response: Response| {
        query = request.uri().query().unwrap_or_default().to_owned();
        Ok(response)
    };
    let Ok(websocket) = tokio_tungstenite::accept_hdr_async(stream, record_query).await else {
        return;
    };

    let (tx, mut outbound) = mpsc::unbounded_channel();
    let id = {
        let mut state = shared.lock();
        state.gateway_queries.push(query);
        state.next_connection += 1;
        let id = state.next_connection;
        state.connections.insert(
            id,
            Connection {
                tx: tx.clone(),
                session_id: None,
            },
        );
        id
    };
    let interval_ms = shared.config.heartbeat_interval.as_millis() as u64;
    let _ = tx.send(Outbound::Frame(payloads::hello(interval_ms)));

    let (mut sink, mut incoming) = websocket.split();
    loop {
        tokio::select! {
            frame = incoming.next() => match frame {
                Some(Ok(Message::Text(text))) => on_client_frame(&shared, id, &tx, &text),
                Some(Ok(Message::Binary(_))) => {
                    let _ = tx.send(Outbound::Close(close::DECODE_ERROR));
                }
                Some(Ok(Message::Close(_))) => {
                    // Flushes the close reply tungstenite queued; serenity waits for it when it
                    // shuts a shard down.
                    let _ = sink.close().await;
                    break;
                }
                Some(Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
            next = outbound.recv() => match next {
                Some(Outbound::Frame(frame)) => {
                    if sink.send(Message::text(frame.to_string())).await.is_err() {
                        break;
                    }
                }
                Some(Outbound::Close(code)) => {
                    let frame = CloseFrame { code: CloseCode::from(code), reason: "".into() };
                    let _ = sink.send(Message::Close(Some(frame))).await;
                    break;
                }
                Some(Outbound::Abort) | None => break,
            },
        }
    }

    shared.lock().connections.remove(&id);
    shared.notify();
}

/// Handles one client frame; anything to send goes through the connection's queue, so replies
/// stay ordered with dispatches queued by other tasks.
fn on_client_frame(shared: &Shared, id: u64, tx: &mpsc::UnboundedSender<Outbound>, text: &str) {
    let Ok(frame) = serde_json::from_str::<Value>(text) else {
        let _ = tx.send(Outbound::Close(close::DECODE_ERROR));
        return;
    };
    match frame["op"].as_u64() {
        Some(1) => {
            shared.lock().heartbeat_count += 1;
            let _ = tx.send(Outbound::Frame(json!({"op": 11})));
        }
        Some(2) => identify(shared, id, tx, &frame["d"]),
        Some(6) => resume(shared, id, tx, &frame["d"]),
        // Presence updates, voice state, member and soundboard requests: accepted, ignored.
        Some(3 | 4 | 8 | 31) => {}
        _ => {
            let _ = tx.send(Outbound::Close(close::UNKNOWN_OPCODE));
        }
    }
    shared.notify();
}

fn identify(shared: &Shared, id: u64, tx: &mpsc::UnboundedSender<Outbound>, d: &Value) {
    if !shared.token_matches(d["token"].as_str().unwrap_or_default()) {
        let _ = tx.send(Outbound::Close(close::AUTHENTICATION_FAILED));
        return;
    }
    let intents = d["intents"].as_u64().unwrap_or_default();
    if intents & PRIVILEGED_INTENTS != 0 && !shared.config.allow_privileged_intents {
        let _ = tx.send(Outbound::Close(close::DISALLOWED_INTENTS));
        return;
    }

    let mut state = shared.lock();
    if state
        .connections
        .get(&id)
        .is_some_and(|c| c.session_id.is_some())
    {
        let _ = tx.send(Outbound::Close(close::ALREADY_AUTHENTICATED));
        return;
    }
    let mut recorded = d.clone();
    recorded["token"] = json!("<redacted>");
    state.identify_payloads.push(recorded);
    state.identify_count += 1;

    let session_id = payloads::opaque_token("");
    let shard = if d["shard"].is_array() {
        d["shard"].clone()
    } else {
        json!([0, 1])
    };
    // A new session replaces the old one, which can no longer be resumed.
    state.session = Some(Session {
        id: session_id.clone(),
        seq: 0,
        log: Vec::new(),
    });
    if let Some(connection) = state.connections.get_mut(&id) {
        connection.session_id = Some(session_id.clone());
    }
    let ready = payloads::ready(
        &session_id,
        &shared.gateway_url,
        &shared.config.guilds,
        &shard,
    );
    state.dispatch("READY", ready);
}

fn resume(shared: &Shared, id: u64, tx: &mpsc::UnboundedSender<Outbound>, d: &Value) {
    if !shared.token_matches(d["token"].as_str().unwrap_or_default()) {
        let _ = tx.send(Outbound::Close(close::AUTHENTICATION_FAILED));
        return;
    }
    let mut state = shared.lock();
    let client_seq = d["seq"].as_u64().unwrap_or_default();
    let resumable = state
        .session
        .as_ref()
        .is_some_and(|s| d["session_id"].as_str() == Some(s.id.as_str()) && client_seq <= s.seq);
    if !resumable {
        let _ = tx.send(Outbound::Frame(json!({"op": 9, "d": false})));
        return;
    }
    let session = state.session.as_ref().expect("resumable implies a session");
    let session_id = session.id.clone();
    for frame in session
        .log
        .iter()
        .filter(|f| f["s"].as_u64() > Some(client_seq))
    {
        let _ = tx.send(Outbound::Frame(frame.clone()));
    }
    // Only one socket per session: any other one still attached is cut off, as Discord does.
    for (other, connection) in state.connections.iter_mut() {
        if *other == id {
            connection.session_id = Some(session_id.clone());
        } else if connection.session_id.as_deref() == Some(session_id.as_str()) {
            connection.session_id = None;
            let _ = connection.tx.send(Outbound::Abort);
        }
    }
    state.resume_count += 1;
    state.dispatch("RESUMED", json!({}));
}
