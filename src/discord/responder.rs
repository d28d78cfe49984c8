//! Answers interactions over Discord's interaction webhooks, retrying what Discord asks to be
//! retried: the acknowledgement within its 3-second window, the final edit for up
//! to 30 s honouring `retry_after`, and then a follow-up message.
//!
//! Written on reqwest rather than serenity's `Http`: behind a proxy serenity's rate limiter is
//! off, and its errors drop the `retry_after` of a 429, which is exactly what a retry needs.
//! These routes authenticate with the interaction token in the URL, so no URL is ever logged
//! or put in an error.

use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde_json::Value;
use serenity::all::{
    CommandInteraction, ComponentInteraction, CreateInteractionResponse, EditInteractionResponse,
};

/// What the webhook routes need of an interaction: a command or a button click.
pub trait Answerable: Sync {
    fn interaction_id(&self) -> String;
    fn application_id(&self) -> String;
    fn token(&self) -> &str;
}

impl Answerable for CommandInteraction {
    fn interaction_id(&self) -> String {
        self.id.to_string()
    }
    fn application_id(&self) -> String {
        self.application_id.to_string()
    }
    fn token(&self) -> &str {
        &self.token
    }
}

impl Answerable for ComponentInteraction {
    fn interaction_id(&self) -> String {
        self.id.to_string()
    }
    fn application_id(&self) -> String {
        self.application_id.to_string()
    }
    fn token(&self) -> &str {
        &self.token
    }
}

/// Discord's window for the first answer is 3 s from its side; leave room for the trip.
pub const ACKNOWLEDGE_WINDOW: Duration = Duration::from_millis(2_500);
/// HTTP mode: how long the bot looks for the deferral it answered inline before it concludes
/// that Discord never got it (a late or lost HTTP response). Discord gives up on a response
/// after 3 s, so past this the acknowledgement cannot have taken.
pub const CONFIRM_WINDOW: Duration = Duration::from_secs(4);
/// How long the final edit is retried before it is sent as a follow-up instead.
pub const EDIT_WINDOW: Duration = Duration::from_secs(30);
/// The follow-up is the last resort; it gets a shorter window of its own.
const FOLLOWUP_WINDOW: Duration = Duration::from_secs(10);
/// One attempt may not take longer than this (a hung connection is a failed attempt).
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);
/// Message flag: only the requester sees it.
const EPHEMERAL: u64 = 1 << 6;

#[derive(Debug, thiserror::Error)]
pub enum RespondError {
    #[error("Discord answered {status} to the {route}")]
    Status {
        route: &'static str,
        status: u16,
        retry_after: Option<Duration>,
    },
    /// The URL is stripped from the cause: it carries the interaction token.
    #[error("cannot reach Discord for the {route}")]
    Network {
        route: &'static str,
        #[source]
        source: reqwest::Error,
    },
    #[error("the {route} took longer than {} ms", .window.as_millis())]
    OutOfTime {
        route: &'static str,
        window: Duration,
    },
    /// HTTP mode: the interaction's HTTP request was already answered without it.
    #[error("the {route} came too late for Discord's HTTP request")]
    Unsent { route: &'static str },
    /// HTTP mode: the deferral was answered inline, but Discord never showed it.
    #[error("Discord did not take the acknowledgement answered in the HTTP response")]
    Unconfirmed,
}

impl RespondError {
    /// 429, 5xx and network failures are worth another try; any other 4xx is final.
    fn retryable(&self) -> bool {
        match self {
            RespondError::Status { status, .. } => *status == 429 || *status >= 500,
            RespondError::Network { .. } => true,
            RespondError::OutOfTime { .. }
            | RespondError::Unsent { .. }
            | RespondError::Unconfirmed => false,
        }
    }

    fn retry_after(&self) -> Option<Duration> {
        match self {
            RespondError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// The ephemeral deferral ("thinking…"), as both deliveries send it.
pub fn deferral() -> Value {
    serde_json::json!({ "type": 5, "data": { "flags": EPHEMERAL } })
}

/// How an answer finally reached the member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivered {
    /// The deferred response was edited.
    Edited,
    /// Editing kept failing; a follow-up message carries the answer instead.
    FollowUp,
}

/// A client for the interaction webhooks under `api_base`.
#[derive(Debug, Clone)]
pub struct Responder {
    client: reqwest::Client,
    /// `{api_base}/api/v10`, parsed once: each request adds its path segments to a copy
    /// instead of parsing a whole URL (host and all) again.
    api: url::Url,
}

/// Why the client for Discord's interaction webhooks cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum ResponderSetupError {
    #[error("discord.api_base is not a base URL: {0}")]
    Base(String),
    #[error(transparent)]
    Client(#[from] reqwest::Error),
}

impl Responder {
    pub fn new(api_base: &str) -> Result<Self, ResponderSetupError> {
        let client = reqwest::Client::builder()
            .timeout(ATTEMPT_TIMEOUT)
            // The retries are ours (`send_retrying`); reqwest's own would copy every request
            // first in case HTTP/2 refuses it, and this client speaks HTTP/1.
            .retry(reqwest::retry::never().max_retries_per_request(0))
            // These URLs carry the interaction token: never followed anywhere else.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!(
                "DiscordBot (https://github.com/dlc-share-bot, ",
                env!("CARGO_PKG_VERSION"),
                ")"
            ))
            .build()?;
        let api = url::Url::parse(&format!("{}/api/v10", api_base.trim_end_matches('/')))
            .map_err(|e| ResponderSetupError::Base(e.to_string()))?;
        if api.cannot_be_a_base() {
            return Err(ResponderSetupError::Base("it has no path".into()));
        }
        Ok(Responder { client, api })
    }

    /// `{api}/{segments…}`; each segment is percent-encoded as a path segment.
    fn url(&self, segments: &[&str]) -> url::Url {
        let mut url = self.api.clone();
        url.path_segments_mut()
            .expect("checked in new(): a base URL")
            .extend(segments);
        url
    }

    /// Acknowledges with an ephemeral deferral ("thinking…"), retried within the window.
    pub async fn defer(&self, cmd: &impl Answerable) -> Result<(), RespondError> {
        self.callback(cmd, &deferral()).await
    }

    /// Acknowledges with a complete answer instead of a deferral (autocomplete, shutdown).
    pub async fn respond_now(
        &self,
        cmd: &impl Answerable,
        response: &CreateInteractionResponse,
    ) -> Result<(), RespondError> {
        self.callback(cmd, response).await
    }

    async fn callback(
        &self,
        cmd: &impl Answerable,
        body: &impl Serialize,
    ) -> Result<(), RespondError> {
        let url = self.url(&[
            "interactions",
            &cmd.interaction_id(),
            cmd.token(),
            "callback",
        ]);
        self.send_retrying(
            "acknowledgement",
            reqwest::Method::POST,
            &url,
            body,
            ACKNOWLEDGE_WINDOW,
        )
        .await
    }

    /// HTTP mode: proves that the deferral answered in the HTTP response reached Discord, by
    /// reading the response it created (`GET …/messages/@original`). Until Discord has it, that
    /// message is unknown (404); it is looked for again until [`CONFIRM_WINDOW`] runs out.
    /// Only then is anything done that the member must see (GetToken, a claim).
    pub async fn confirm_acknowledged(&self, cmd: &impl Answerable) -> Result<(), RespondError> {
        let url = self.url(&[
            "webhooks",
            &cmd.application_id(),
            cmd.token(),
            "messages",
            "@original",
        ]);
        let look = async {
            let mut pause = Duration::from_millis(50);
            loop {
                match self.client.get(url.clone()).send().await {
                    Ok(r) if r.status().is_success() => return,
                    _ => {}
                }
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_millis(500));
            }
        };
        tokio::time::timeout(CONFIRM_WINDOW, look)
            .await
            .map_err(|_| RespondError::Unconfirmed)
    }

    /// Puts the final answer in place of the deferral: the edit is retried for
    /// [`EDIT_WINDOW`], then the answer goes out as an ephemeral follow-up.
    pub async fn finish(
        &self,
        cmd: &impl Answerable,
        reply: &EditInteractionResponse,
    ) -> Result<Delivered, RespondError> {
        let application_id = cmd.application_id();
        let webhook = self.url(&["webhooks", &application_id, cmd.token()]);
        let edit_url = self.url(&[
            "webhooks",
            &application_id,
            cmd.token(),
            "messages",
            "@original",
        ]);
        let edited = self
            .send_retrying(
                "edit of the reply",
                reqwest::Method::PATCH,
                &edit_url,
                reply,
                EDIT_WINDOW,
            )
            .await;
        let error = match edited {
            Ok(()) => return Ok(Delivered::Edited),
            Err(e) => e,
        };
        tracing::warn!(error = %error, "could not edit the reply; sending it as a follow-up");
        let mut followup = serde_json::to_value(reply).unwrap_or(Value::Null);
        if let Some(fields) = followup.as_object_mut() {
            fields.insert("flags".into(), EPHEMERAL.into());
        }
        self.send_retrying(
            "follow-up message",
            reqwest::Method::POST,
            &webhook,
            &followup,
            FOLLOWUP_WINDOW,
        )
        .await
        .map(|()| Delivered::FollowUp)
    }

    /// Edits an earlier interaction's reply from its stored token (an approval's requester,
    /// told of the decision). Discord honours the token for 15 minutes; after that this fails
    /// and the caller relies on the DM. Retried briefly: it is best effort.
    pub async fn edit_earlier_reply(
        &self,
        application_id: &str,
        token: &SecretString,
        reply: &EditInteractionResponse,
    ) -> Result<(), RespondError> {
        let url = self.url(&[
            "webhooks",
            application_id,
            token.expose_secret(),
            "messages",
            "@original",
        ]);
        self.send_retrying(
            "edit of the requester's reply",
            reqwest::Method::PATCH,
            &url,
            reply,
            FOLLOWUP_WINDOW,
        )
        .await
    }

    /// Sends one request, again while Discord answers 429/5xx or cannot be reached, waiting
    /// at least what a 429 says, all within `window`.
    async fn send_retrying(
        &self,
        route: &'static str,
        method: reqwest::Method,
        url: &url::Url,
        body: &impl Serialize,
        window: Duration,
    ) -> Result<(), RespondError> {
        let attempt = || self.send_once(route, method.clone(), url.clone(), body);
        let backoff = ExponentialBuilder::default()
            .with_min_delay(Duration::from_millis(100))
            .with_max_delay(Duration::from_secs(5))
            .with_jitter()
            .without_max_times()
            .with_total_delay(Some(window));
        let started = tokio::time::Instant::now();
        let retried = attempt
            .retry(backoff)
            .when(RespondError::retryable)
            // Discord's `retry_after` is a floor, never shortened by our own backoff; one that
            // ends past the window is not waited for at all (the caller moves on at once).
            .adjust(|e, next| {
                let pause = next.map(|d| e.retry_after().map_or(d, |r| r.max(d)))?;
                (started.elapsed() + pause < window).then_some(pause)
            })
            .notify(|e, pause| {
                tracing::debug!(error = %e, pause_ms = pause.as_millis() as u64, "retrying");
            });
        match tokio::time::timeout(window, retried).await {
            Ok(result) => result,
            Err(_) => Err(RespondError::OutOfTime { route, window }),
        }
    }

    async fn send_once(
        &self,
        route: &'static str,
        method: reqwest::Method,
        url: url::Url,
        body: &impl Serialize,
    ) -> Result<(), RespondError> {
        let response = self
            .client
            .request(method, url)
            .json(body)
            .send()
            .await
            .map_err(|e| RespondError::Network {
                route,
                source: e.without_url(),
            })?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let header_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok());
        // The body's `retry_after` is more precise (fractional seconds) than the header.
        let body: Value = response.json().await.unwrap_or(Value::Null);
        let retry_after = body["retry_after"]
            .as_f64()
            .or(header_after)
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(|s| Duration::from_secs_f64(s.min(3_600.0)));
        Err(RespondError::Status {
            route,
            status: status.as_u16(),
            retry_after,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_throttling_server_errors_and_network_trouble_are_retried() {
        let status = |status| RespondError::Status {
            route: "edit of the reply",
            status,
            retry_after: None,
        };
        for retried in [429, 500, 502, 503, 504] {
            assert!(status(retried).retryable(), "{retried}");
        }
        for final_ in [400, 401, 403, 404] {
            assert!(!status(final_).retryable(), "{final_}");
        }
        let late = RespondError::OutOfTime {
            route: "acknowledgement",
            window: ACKNOWLEDGE_WINDOW,
        };
        assert!(!late.retryable());
    }
}
