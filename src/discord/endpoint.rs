//! HTTP interactions mode: `POST /interactions`, where Discord delivers
//! interactions instead of the gateway. Each request is verified (Ed25519 over
//! `X-Signature-Timestamp` + the raw body, the timestamp within five minutes) before anything
//! is parsed; then it goes to the same [`Bot`] handlers as a gateway event, with an
//! [`Ack::Inline`] so the first answer becomes this request's response. The handling runs on
//! its own task: the final edit goes over REST after the response has been sent.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use serenity::all::Interaction;
use serenity::interactions_endpoint::Verifier;
use tokio::net::TcpListener;

use super::Bot;
use super::dispatch::Ack;
use super::responder::ACKNOWLEDGE_WINDOW;

/// The path Discord POSTs to (the application's "Interactions Endpoint URL").
pub const PATH: &str = "/interactions";
pub use crate::http::MAX_BODY;
/// A signed timestamp further than this from our clock, either way, is refused (replays).
pub const TIMESTAMP_WINDOW: Duration = Duration::from_secs(300);
/// How long the endpoint waits for the handler's first answer; within Discord's 3 s.
pub const FIRST_ANSWER_WAIT: Duration = ACKNOWLEDGE_WINDOW;

const SIGNATURE: &str = "x-signature-ed25519";
const TIMESTAMP: &str = "x-signature-timestamp";

/// The verifier for a public key in hex (64 digits, a valid Ed25519 point).
pub fn verifier(public_key_hex: &str) -> Result<Verifier, String> {
    let bytes: [u8; 32] = hex::decode(public_key_hex.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| "must be 64 hex digits (the application's public key)".to_owned())?;
    Verifier::try_new(bytes).map_err(|_| "is not a valid Ed25519 public key".to_owned())
}

/// Whether a request is Discord's: both headers present, the timestamp (Unix seconds) within
/// [`TIMESTAMP_WINDOW`] of `now_unix`, and the signature valid over timestamp + body.
pub fn authentic(verifier: &Verifier, headers: &HeaderMap, body: &[u8], now_unix: u64) -> bool {
    let header = |name| headers.get(name).and_then(|v| v.to_str().ok());
    let (Some(signature), Some(timestamp)) = (header(SIGNATURE), header(TIMESTAMP)) else {
        return false;
    };
    let Ok(signed_at) = timestamp.parse::<u64>() else {
        return false;
    };
    if signed_at.abs_diff(now_unix) > TIMESTAMP_WINDOW.as_secs() {
        return false;
    }
    verifier.verify(signature, timestamp, body).is_ok()
}

/// Binds `discord.interactions_listen`; a taken address is a configuration error naming it.
pub async fn bind(addr: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr).await.map_err(|e| {
        if e.kind() == std::io::ErrorKind::AddrInUse {
            anyhow::anyhow!(
                "discord.interactions_listen {addr}: the address is already in use; set \
                 discord.interactions_listen or DLCSHARE_DISCORD__INTERACTIONS_LISTEN to a free address"
            )
        } else {
            anyhow::anyhow!("discord.interactions_listen {addr}: cannot listen there: {e}")
        }
    })
}

struct Endpoint {
    bot: Arc<Bot>,
    verifier: Verifier,
}

/// `POST /interactions`, answered by `bot`.
pub fn router(bot: Arc<Bot>, verifier: Verifier) -> Router {
    Router::new()
        .route(PATH, post(interactions))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(Arc::new(Endpoint { bot, verifier }))
}

fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

async fn interactions(
    State(endpoint): State<Arc<Endpoint>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // Before anything is parsed: an unverified body is not looked at.
    if !authentic(&endpoint.verifier, &headers, &body, now_unix()) {
        tracing::debug!("interaction refused: bad or missing signature, or stale timestamp");
        return (StatusCode::UNAUTHORIZED, "invalid request signature\n").into_response();
    }
    let kind = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v["type"].as_u64());
    match kind {
        Some(1) => return axum::Json(json!({ "type": 1 })).into_response(),
        Some(2..=4) => {}
        other => {
            tracing::debug!(kind = ?other, "interaction type not handled over HTTP");
            return (StatusCode::BAD_REQUEST, "unsupported interaction type\n").into_response();
        }
    }
    let interaction = match serde_json::from_slice::<Interaction>(&body) {
        Ok(interaction) => interaction,
        Err(e) => {
            tracing::warn!(error = %e, "unreadable interaction");
            return (StatusCode::BAD_REQUEST, "unreadable interaction\n").into_response();
        }
    };
    let (ack, first_answer) = Ack::inline();
    let bot = endpoint.bot.clone();
    // Its own task: the work goes on after this request has been answered.
    match interaction {
        Interaction::Command(cmd) => tokio::spawn(async move { bot.on_command(cmd, ack).await }),
        Interaction::Autocomplete(cmd) => {
            tokio::spawn(async move { bot.on_autocomplete(cmd, ack).await })
        }
        Interaction::Component(click) => {
            tokio::spawn(async move { bot.on_component(click, ack).await })
        }
        _ => return (StatusCode::BAD_REQUEST, "unsupported interaction type\n").into_response(),
    };
    match tokio::time::timeout(FIRST_ANSWER_WAIT, first_answer).await {
        Ok(Ok(answer)) => axum::Json(answer).into_response(),
        Ok(Err(_)) => {
            tracing::warn!("the interaction was handled without a first answer");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
        Err(_) => {
            tracing::error!(
                wait_ms = FIRST_ANSWER_WAIT.as_millis() as u64,
                "no first answer in time; Discord will show the interaction as failed"
            );
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use ed25519_dalek::{Signer, SigningKey};

    use super::*;

    const NOW: u64 = 1_780_000_000;

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[7; 32])
    }

    fn signed(key: &SigningKey, timestamp: &str, body: &[u8]) -> HeaderMap {
        let message = [timestamp.as_bytes(), body].concat();
        let mut headers = HeaderMap::new();
        let signature = hex::encode(key.sign(&message).to_bytes());
        headers.insert(SIGNATURE, signature.parse().unwrap());
        headers.insert(TIMESTAMP, timestamp.parse().unwrap());
        headers
    }

    fn our_verifier() -> Verifier {
        verifier(&hex::encode(key().verifying_key().to_bytes())).unwrap()
    }

    #[test]
    fn a_signed_fresh_request_is_authentic() {
        let body = br#"{"type":1}"#;
        let headers = signed(&key(), &NOW.to_string(), body);
        assert!(authentic(&our_verifier(), &headers, body, NOW));
    }

    #[test]
    fn the_timestamp_window_is_five_minutes_either_way() {
        let body = br#"{"type":1}"#;
        let v = our_verifier();
        for (offset, ok) in [
            (-300i64, true),
            (300, true),
            (-301, false),
            (301, false),
            (-360, false),
            (360, false),
        ] {
            let at = NOW.checked_add_signed(offset).unwrap();
            let headers = signed(&key(), &at.to_string(), body);
            assert_eq!(authentic(&v, &headers, body, NOW), ok, "offset {offset}");
        }
        let headers = signed(&key(), "not-a-number", body);
        assert!(!authentic(&v, &headers, body, NOW));
    }

    #[test]
    fn a_tampered_body_another_key_or_missing_headers_fail() {
        let body = br#"{"type":2,"id":"1"}"#;
        let ts = NOW.to_string();
        let v = our_verifier();
        let headers = signed(&key(), &ts, body);
        assert!(!authentic(&v, &headers, br#"{"type":2,"id":"2"}"#, NOW));
        let other = SigningKey::from_bytes(&[9; 32]);
        assert!(!authentic(&v, &signed(&other, &ts, body), body, NOW));
        // The timestamp is signed too: a fresh one cannot be swapped in.
        let mut swapped = headers.clone();
        swapped.insert(TIMESTAMP, (NOW + 1).to_string().parse().unwrap());
        assert!(!authentic(&v, &swapped, body, NOW));
        for missing in [SIGNATURE, TIMESTAMP] {
            let mut h = headers.clone();
            h.remove(missing);
            assert!(!authentic(&v, &h, body, NOW), "without {missing}");
        }
        let mut garbage = headers;
        garbage.insert(SIGNATURE, "zz".parse().unwrap());
        assert!(!authentic(&v, &garbage, body, NOW));
    }

    /// RFC 8032 §7.1, test 1: a known key pair and its signature of the empty message.
    #[test]
    fn verifies_the_rfc_8032_vector() {
        let public = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
        let signature = "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";
        let v = verifier(public).unwrap();
        assert!(v.verify(signature, "", b"").is_ok());
        assert!(v.verify(signature, "", b"x").is_err());
        let secret: [u8; 32] =
            hex::decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
                .unwrap()
                .try_into()
                .unwrap();
        assert_eq!(
            hex::encode(SigningKey::from_bytes(&secret).verifying_key().to_bytes()),
            public
        );
    }

    #[test]
    fn public_keys_are_64_hex_digits_of_a_valid_point() {
        assert!(verifier(&hex::encode(key().verifying_key().to_bytes())).is_ok());
        let refusal = |k: &str| verifier(k).err().expect("refused");
        assert!(refusal("abc").contains("64 hex digits"));
        assert!(refusal(&"g".repeat(64)).contains("64 hex digits"));
        let invalid_point = (0u8..=255)
            .map(|b| hex::encode([b; 32]))
            .find(|k| verifier(k).is_err())
            .expect("some 32-byte string is not a curve point");
        assert!(refusal(&invalid_point).contains("Ed25519"));
    }
}
