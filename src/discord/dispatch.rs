//! One path for both deliveries: how the first answer to an interaction (the deferral,
//! autocomplete choices, "busy", "restarting") reaches Discord. Over the gateway it is the
//! REST callback, retried within Discord's window; over HTTP it is the response to Discord's
//! own POST, handed to `endpoint` through a channel. Everything after it — the final edit,
//! the follow-up fallback — goes over REST in both modes (`Responder::finish`).

use serde::Serialize;
use serde_json::Value;
use serenity::all::CreateInteractionResponse;
use tokio::sync::oneshot;

use super::responder::{Answerable, RespondError, Responder, deferral};

/// Where an interaction's first answer goes. Consumed by sending it: an interaction is
/// acknowledged once.
#[derive(Debug)]
pub enum Ack {
    /// The interaction came over the gateway: `POST /interactions/{id}/{token}/callback`.
    Rest,
    /// The interaction came as an HTTP POST: the answer is that request's response body.
    Inline(oneshot::Sender<Value>),
}

impl Ack {
    /// An inline acknowledgement and the receiver the endpoint answers from. If the sender is
    /// dropped unsent (nothing to answer), the receiver errs at once.
    pub fn inline() -> (Ack, oneshot::Receiver<Value>) {
        let (tx, rx) = oneshot::channel();
        (Ack::Inline(tx), rx)
    }

    /// An ephemeral deferral ("thinking…"); the answer follows as an edit. `Ok` only once
    /// Discord has it: a REST callback it accepted, or an inline answer it has shown (a
    /// response lost on its way would otherwise let the bot act on a request whose member sees
    /// nothing).
    pub async fn defer(
        self,
        responder: &Responder,
        cmd: &impl Answerable,
    ) -> Result<(), RespondError> {
        match self {
            Ack::Rest => responder.defer(cmd).await,
            Ack::Inline(tx) => {
                hand_over(tx, &deferral())?;
                responder.confirm_acknowledged(cmd).await
            }
        }
    }

    /// A complete answer instead of a deferral (autocomplete, busy, shutting down).
    pub async fn respond(
        self,
        responder: &Responder,
        cmd: &impl Answerable,
        response: &CreateInteractionResponse,
    ) -> Result<(), RespondError> {
        match self {
            Ack::Rest => responder.respond_now(cmd, response).await,
            Ack::Inline(tx) => hand_over(tx, response),
        }
    }
}

/// Gives the endpoint its response body; fails if the endpoint already gave up waiting (its
/// HTTP request was answered without it, so Discord never saw an acknowledgement).
fn hand_over(tx: oneshot::Sender<Value>, body: &impl Serialize) -> Result<(), RespondError> {
    let route = "acknowledgement";
    let body = serde_json::to_value(body).map_err(|_| RespondError::Unsent { route })?;
    tx.send(body).map_err(|_| RespondError::Unsent { route })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_inline_deferral_is_the_ephemeral_type_5() {
        let (ack, rx) = Ack::inline();
        let Ack::Inline(tx) = ack else { unreachable!() };
        hand_over(tx, &deferral()).unwrap();
        assert_eq!(
            rx.await.unwrap(),
            serde_json::json!({"type": 5, "data": {"flags": 64}})
        );
    }

    #[tokio::test]
    async fn an_abandoned_inline_answer_is_an_error() {
        let (ack, rx) = Ack::inline();
        drop(rx);
        let Ack::Inline(tx) = ack else { unreachable!() };
        assert!(matches!(
            hand_over(tx, &deferral()),
            Err(RespondError::Unsent { .. })
        ));
    }
}
