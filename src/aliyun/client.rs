//! The one PAI-DLC client every operation goes through: endpoint selection, per-attempt
//! signing (v1 or v3), retries with capped exponential backoff and jitter inside an overall
//! deadline, and error decoding. What differs between operations lives in [`super::ops`].

use std::sync::Arc;
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use chrono::{DateTime, Utc};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::Deserialize;
use tokio::time::Instant;

use super::credentials::Credentials;
use super::ops::get_token::TokenSettings;
use super::ops::{Action, Operation};
use super::signer::{self, Query, RequestParts};
use crate::config::{AliyunSettings, Network, SignatureVersion};

const USER_AGENT: &str = concat!("dlc-share-bot/", env!("CARGO_PKG_VERSION"));
const BACKOFF_BASE: Duration = Duration::from_millis(200);
const BACKOFF_CAP: Duration = Duration::from_secs(2);

/// Codes that mean our credentials or permissions, not the request, are wrong.
pub const CREDENTIAL_CODES: [&str; 5] = [
    "SignatureDoesNotMatch",
    "IncompleteSignature",
    "InvalidTimeStamp.Expired",
    "Forbidden.RAM",
    "InvalidAccessKeyId",
];

/// The code a RAM policy without the operation's action earns.
pub const FORBIDDEN_RAM: &str = "Forbidden.RAM";

/// Codes the gateway uses for a request it cannot route or authenticate: they end in
/// `.NotFound` but say nothing about the job or TensorBoard asked for, so they are never a
/// "not found" (a wrong endpoint must not read as "no such job").
const NOT_ABOUT_THE_TARGET: [&str; 4] = [
    "InvalidAccessKeyId",
    "InvalidAction",
    "InvalidApi",
    "InvalidVersion",
];

/// A nonce collision is chance, not a fault: the next attempt carries a fresh one.
const NONCE_USED: &str = "SignatureNonceUsed";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AliyunError {
    #[error("{action} refused: {code}: {message} (HTTP {status}, RequestId {})", .request_id.as_deref().unwrap_or("none"))]
    Api {
        action: Action,
        status: u16,
        code: String,
        message: String,
        request_id: Option<String>,
        /// `x-acs-retry-after`, when present: throttling regardless of the code.
        retry_after: Option<Duration>,
    },
    /// The job or TensorBoard asked for does not exist (in this account and region): an
    /// answer about the target, which callers treat apart from failures to ask.
    #[error("{action} refused: {code}: {message} (HTTP {status}, RequestId {})", .request_id.as_deref().unwrap_or("none"))]
    NotFound {
        action: Action,
        status: u16,
        code: String,
        message: String,
        request_id: Option<String>,
    },
    #[error("{action} answered HTTP {status} with {reason} (RequestId {})", .request_id.as_deref().unwrap_or("none"))]
    InvalidResponse {
        action: Action,
        status: u16,
        reason: String,
        request_id: Option<String>,
    },
    #[error("{action} timed out after {after:?}")]
    Timeout { action: Action, after: Duration },
    #[error("cannot reach the {action} endpoint: {reason}")]
    Network { action: Action, reason: String },
    #[error("{last} (gave up after {attempts} attempts)")]
    Exhausted {
        attempts: u32,
        last: Box<AliyunError>,
    },
    #[error("invalid endpoint: {0}")]
    Endpoint(String),
    /// Refused before sending: the URL would not carry the path that was signed.
    #[error("{action} cannot be sent: {reason}")]
    InvalidRequest { action: Action, reason: String },
}

impl AliyunError {
    /// Network errors, 5xx and throttling are worth another attempt; other 4xx are final.
    pub fn is_retryable(&self) -> bool {
        match self {
            AliyunError::Api {
                status,
                code,
                retry_after,
                ..
            } => {
                *status >= 500
                    || code.starts_with("Throttling")
                    || code == NONCE_USED
                    || retry_after.is_some()
            }
            AliyunError::InvalidResponse { status, .. } => *status >= 500,
            AliyunError::Timeout { .. } | AliyunError::Network { .. } => true,
            AliyunError::NotFound { .. }
            | AliyunError::Exhausted { .. }
            | AliyunError::Endpoint(_)
            | AliyunError::InvalidRequest { .. } => false,
        }
    }

    /// The innermost error: what the last attempt saw.
    pub fn last(&self) -> &AliyunError {
        match self {
            AliyunError::Exhausted { last, .. } => last.last(),
            other => other,
        }
    }

    /// Upstream `Code`, or a local stand-in for transport failures.
    pub fn code(&self) -> &str {
        match self.last() {
            AliyunError::Api { code, .. } | AliyunError::NotFound { code, .. } => code,
            AliyunError::InvalidResponse { .. } => "InvalidResponse",
            AliyunError::Timeout { .. } => "Timeout",
            AliyunError::Network { .. } => "NetworkError",
            AliyunError::Endpoint(_) => "InvalidEndpoint",
            AliyunError::InvalidRequest { .. } => "InvalidRequest",
            AliyunError::Exhausted { .. } => unreachable!("last() unwraps Exhausted"),
        }
    }

    pub fn request_id(&self) -> Option<&str> {
        match self.last() {
            AliyunError::Api { request_id, .. }
            | AliyunError::NotFound { request_id, .. }
            | AliyunError::InvalidResponse { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    pub fn is_credential_error(&self) -> bool {
        is_credential_code(self.code())
    }

    pub fn is_not_found(&self) -> bool {
        matches!(self.last(), AliyunError::NotFound { .. })
    }

    /// The RAM action the caller's policy lacks, when the answer was `Forbidden.RAM`: what
    /// an operator has to grant, rather than a code to look up.
    pub fn missing_ram_action(&self) -> Option<&'static str> {
        match self.last() {
            AliyunError::Api { action, code, .. } if code == FORBIDDEN_RAM => {
                Some(action.ram_action())
            }
            _ => None,
        }
    }
}

fn is_credential_code(code: &str) -> bool {
    CREDENTIAL_CODES
        .iter()
        .any(|c| code == *c || code.starts_with(&format!("{c}.")))
}

/// An HTTP 404, or a code `NotFound`, `NotFound.*`, `*.NotFound` or `*NotExist` — unless
/// the gateway itself is speaking (a credential code, [`NOT_ABOUT_THE_TARGET`]) or the
/// server failed (5xx).
fn is_not_found_answer(status: u16, code: &str) -> bool {
    let names_the_target = status == 404
        || code == "NotFound"
        || code.starts_with("NotFound.")
        || code.ends_with(".NotFound")
        || code.ends_with("NotExist");
    let gateway = is_credential_code(code)
        || NOT_ABOUT_THE_TARGET
            .iter()
            .any(|c| code == *c || code.starts_with(&format!("{c}.")));
    names_the_target && !gateway && status < 500
}

/// Supplies `now` and nonces; injectable so signatures are reproducible in tests.
pub trait SigningEnv: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
    fn nonce(&self) -> String;
}

/// The real clock and random nonces.
pub struct SystemSigningEnv;

impl SigningEnv for SystemSigningEnv {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    fn nonce(&self) -> String {
        signer::random_nonce()
    }
}

/// The PAI-DLC OpenAPI client (version 2020-12-03), for every operation in [`super::ops`].
#[derive(Clone)]
pub struct PaiDlcClient {
    http: reqwest::Client,
    base: url::Url,
    host: String,
    region: String,
    version: SignatureVersion,
    credentials: Arc<Credentials>,
    env: Arc<dyn SigningEnv>,
    request_timeout: Duration,
    deadline: Duration,
    max_retries: u32,
    /// Operator settings that go with every GetToken (`aliyun.enable_*`).
    token_settings: TokenSettings,
}

impl std::fmt::Debug for PaiDlcClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaiDlcClient")
            .field("base", &self.base.as_str())
            .field("version", &self.version)
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

/// `https://pai-dlc[-vpc].{region}.aliyuncs.com`, unless an explicit endpoint overrides it.
pub fn endpoint_for(settings: &AliyunSettings) -> String {
    match (&settings.endpoint, settings.network) {
        (Some(explicit), _) => explicit.clone(),
        (None, Network::Public) => format!("https://pai-dlc.{}.aliyuncs.com", settings.region),
        (None, Network::Vpc) => format!("https://pai-dlc-vpc.{}.aliyuncs.com", settings.region),
    }
}

impl PaiDlcClient {
    pub fn new(settings: &AliyunSettings, credentials: Credentials) -> Result<Self, AliyunError> {
        Self::with_env(settings, credentials, Arc::new(SystemSigningEnv))
    }

    pub fn with_env(
        settings: &AliyunSettings,
        credentials: Credentials,
        env: Arc<dyn SigningEnv>,
    ) -> Result<Self, AliyunError> {
        let raw = endpoint_for(settings);
        let base =
            url::Url::parse(&raw).map_err(|e| AliyunError::Endpoint(format!("{raw}: {e}")))?;
        let host = match (base.host_str(), base.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_owned(),
            (None, _) => return Err(AliyunError::Endpoint(format!("{raw}: no host"))),
        };
        let http = reqwest::Client::builder()
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.request_timeout)
            .redirect(reqwest::redirect::Policy::none())
            // The retries are ours (`call`); see `discord::responder`.
            .retry(reqwest::retry::never().max_retries_per_request(0))
            .build()
            .map_err(|e| AliyunError::Endpoint(e.to_string()))?;
        Ok(PaiDlcClient {
            http,
            base,
            host,
            region: settings.region.clone(),
            version: settings.signature_version,
            credentials: Arc::new(credentials),
            env,
            request_timeout: settings.request_timeout,
            deadline: settings.deadline,
            max_retries: settings.max_retries,
            token_settings: TokenSettings::from(settings),
        })
    }

    pub fn region(&self) -> &str {
        &self.region
    }

    pub fn endpoint(&self) -> &str {
        self.base.as_str()
    }

    pub(crate) fn token_settings(&self) -> &TokenSettings {
        &self.token_settings
    }

    /// Sends `op`, retrying what is retryable until `max_retries` or the deadline.
    pub async fn call<O: Operation>(&self, op: &O) -> Result<O::Output, AliyunError> {
        let action = O::ACTION;
        let path = op.path();
        let query = op.query();
        let mut url = self.base.clone();
        url.set_path(&path);
        url.set_query(Some(&signer::encode_query(&query)));
        // `..` or `%2e` segments are resolved by the URL parser: the server would see
        // another path than the one signed, so such a request is not sent at all.
        if url.path() != path {
            return Err(AliyunError::InvalidRequest {
                action,
                reason: "its path does not survive URL normalisation".into(),
            });
        }
        let request = Request {
            action,
            method: O::METHOD,
            path: &path,
            query: &query,
            url: &url,
        };
        let deadline = Instant::now() + self.deadline;
        let mut attempts = 0u32;
        let result = (|| {
            attempts += 1;
            let attempt = attempts;
            let request = &request;
            async move {
                // Each attempt gets what is left of the overall deadline, and signs afresh.
                let remaining = deadline.saturating_duration_since(Instant::now());
                let err = match tokio::time::timeout(remaining, self.attempt(op, request)).await {
                    Ok(Ok(output)) => return Ok(output),
                    Ok(Err(e)) => e,
                    Err(_) => AliyunError::Timeout {
                        action,
                        after: self.deadline,
                    },
                };
                tracing::debug!(attempt, code = err.code(), "{action} attempt failed");
                Err(err)
            }
        })
        .retry(schedule(self.max_retries))
        .when(AliyunError::is_retryable)
        // backon's schedule ends after `max_retries`; the deadline counts time spent in
        // attempts too, which backon's `total_delay` (a sum of sleeps) cannot, so a pause
        // that would end at or past it is not started.
        .adjust(|err, next| within(deadline, Instant::now(), pause(next?, err)))
        .await;
        result.map_err(|err| wrap(err, attempts))
    }

    /// One signed request: a fresh date and nonce every time.
    async fn attempt<O: Operation>(
        &self,
        op: &O,
        request: &Request<'_>,
    ) -> Result<O::Output, AliyunError> {
        let action = request.action;
        let nonce = self.env.nonce();
        let headers = signer::signed_headers(
            self.version,
            &self.credentials,
            &RequestParts {
                method: request.method.as_str(),
                action: action.name(),
                path: request.path,
                host: &self.host,
                query: request.query,
                now: self.env.now(),
                nonce: &nonce,
                user_agent: USER_AGENT,
            },
        );
        let mut map = HeaderMap::with_capacity(headers.len());
        for (k, v) in headers {
            let name = HeaderName::from_bytes(k.as_bytes()).expect("static header names");
            // The value's own bytes become the header: no copy.
            let mut value = HeaderValue::try_from(v)
                .map_err(|_| AliyunError::Endpoint(format!("header {k} is not valid ASCII")))?;
            if k == "authorization" || k == "x-acs-security-token" {
                value.set_sensitive(true);
            }
            map.insert(name, value);
        }
        let resp = self
            .http
            .request(request.method.clone(), request.url.clone())
            .headers(map)
            .send()
            .await
            .map_err(|e| transport_error(action, e, self.request_timeout))?;
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get("x-acs-retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let body = resp
            .bytes()
            .await
            .map_err(|e| transport_error(action, e, self.request_timeout))?;
        parse_response(op, status, &body, retry_after)
    }
}

/// One call's request, the same for all its attempts.
struct Request<'a> {
    action: Action,
    method: reqwest::Method,
    /// Percent-encoded where needed, exactly as signed.
    path: &'a str,
    query: &'a Query,
    url: &'a url::Url,
}

fn wrap(err: AliyunError, attempts: u32) -> AliyunError {
    if attempts > 1 {
        AliyunError::Exhausted {
            attempts,
            last: Box::new(err),
        }
    } else {
        err
    }
}

fn transport_error(action: Action, e: reqwest::Error, timeout: Duration) -> AliyunError {
    if e.is_timeout() {
        AliyunError::Timeout {
            action,
            after: timeout,
        }
    } else {
        // Without the URL: it is known to the operator and only adds noise.
        let e = e.without_url();
        let mut reason = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            reason.push_str(": ");
            reason.push_str(&s.to_string());
            source = s.source();
        }
        AliyunError::Network { action, reason }
    }
}
/// Seconds as an integer or decimal; anything else is ignored.
fn parse_retry_after(v: &str) -> Option<Duration> {
    v.trim()
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(|s| Duration::from_secs_f64(s.min(60.0)))
}

/// The ceilings between attempts: 200 ms doubling to a 2 s cap, `max_retries` of them.
/// backon's own jitter is left off: it adds up to 100 % on top (so it could pass the cap),
/// where we want full jitter below the ceiling; [`pause`] applies that.
fn schedule(max_retries: u32) -> ExponentialBuilder {
    ExponentialBuilder::new()
        .with_min_delay(BACKOFF_BASE)
        .with_factor(2.0)
        .with_max_delay(BACKOFF_CAP)
        .with_max_times(max_retries as usize)
}

/// Full jitter under the schedule's ceiling; an upstream `x-acs-retry-after` is a floor (if it
/// lies past the deadline, the caller gives up rather than retry early).
fn pause(ceiling: Duration, err: &AliyunError) -> Duration {
    let jittered = ceiling.mul_f64(rand::random::<f64>().max(0.1));
    match err {
        AliyunError::Api {
            retry_after: Some(after),
            ..
        } => jittered.max(*after),
        _ => jittered,
    }
}

/// The pause, unless it would end at or past the deadline (then: give up now).
fn within(deadline: Instant, now: Instant, pause: Duration) -> Option<Duration> {
    (now + pause < deadline).then_some(pause)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ErrorBody {
    request_id: Option<String>,
    code: Option<String>,
    message: Option<String>,
}

/// Longest upstream `Message` kept; the rest is noise for a one-line error.
const MESSAGE_MAX_CHARS: usize = 200;

/// The upstream `Message`, made safe to log and show: for `SignatureDoesNotMatch` the gateway
/// echoes its string to sign, which carries the STS token in `x-acs-security-token`, so
/// everything from that echo on is dropped.
fn safe_message(message: &str) -> String {
    let lower = message.to_ascii_lowercase();
    let cut = ["string to sign", "stringtosign", "canonical"]
        .iter()
        .filter_map(|marker| lower.find(marker))
        .min()
        .unwrap_or(message.len());
    let kept = message[..cut].trim_end_matches([' ', ':', '.']).trim();
    let mut out: String = kept.chars().take(MESSAGE_MAX_CHARS).collect();
    if cut < message.len() {
        out.push_str(" (server's string to sign omitted)");
    }
    out
}

/// A 2xx answer is the operation's to read; anything else is an error, typed by what the
/// caller does about it. Unknown fields are ignored; a body that cannot be read is an
/// [`AliyunError::InvalidResponse`], never a panic.
pub fn parse_response<O: Operation>(
    op: &O,
    status: u16,
    body: &[u8],
    retry_after: Option<Duration>,
) -> Result<O::Output, AliyunError> {
    let action = O::ACTION;
    if (200..300).contains(&status) {
        return op
            .decode(body)
            .map_err(|malformed| AliyunError::InvalidResponse {
                action,
                status,
                reason: malformed.reason,
                request_id: malformed.request_id,
            });
    }
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(ErrorBody {
            request_id,
            code: Some(code),
            message,
        }) => {
            let message = safe_message(message.as_deref().unwrap_or_default());
            // Throttling (`x-acs-retry-after`) is never an answer about the target.
            if retry_after.is_none() && is_not_found_answer(status, &code) {
                Err(AliyunError::NotFound {
                    action,
                    status,
                    code,
                    message,
                    request_id,
                })
            } else {
                Err(AliyunError::Api {
                    action,
                    status,
                    code,
                    message,
                    request_id,
                    retry_after,
                })
            }
        }
        Ok(ErrorBody { request_id, .. }) if retry_after.is_some() => Err(AliyunError::Api {
            action,
            status,
            code: "Throttling".into(),
            message: "throttled (x-acs-retry-after)".into(),
            request_id,
            retry_after,
        }),
        Ok(ErrorBody { request_id, .. }) => Err(AliyunError::InvalidResponse {
            action,
            status,
            reason: "an error without a Code".into(),
            request_id,
        }),
        Err(_) => Err(AliyunError::InvalidResponse {
            action,
            status,
            reason: "a body that is not JSON".into(),
            request_id: None,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aliyun::ops::get_token::{GetToken, GetTokenRequest, GetTokenResponse};
    use crate::aliyun::ops::jobs::GetJob;
    use crate::share::{TargetId, TargetType};
    use secrecy::ExposeSecret;

    /// What GetToken makes of an answer.
    fn parse(
        status: u16,
        body: &[u8],
        retry_after: Option<Duration>,
    ) -> Result<GetTokenResponse, AliyunError> {
        let request = GetTokenRequest {
            target_type: TargetType::Job,
            target_id: "dlc1".into(),
            expire_seconds: 60,
        };
        let op = GetToken {
            request: &request,
            settings: &TokenSettings::default(),
        };
        parse_response(&op, status, body, retry_after)
    }

    /// What GetJob makes of an error answer.
    fn get_job_error(status: u16, code: &str) -> AliyunError {
        let op = GetJob {
            job_id: TargetId::parse("dlc1").unwrap(),
        };
        let body = format!(r#"{{"RequestId":"R","Code":"{code}","Message":"m"}}"#);
        parse_response(&op, status, body.as_bytes(), None).unwrap_err()
    }

    #[test]
    fn endpoints_follow_region_and_network() {
        let mut s = crate::config::Settings::default().aliyun;
        s.region = "cn-shanghai".into();
        assert_eq!(endpoint_for(&s), "https://pai-dlc.cn-shanghai.aliyuncs.com");
        s.network = Network::Vpc;
        assert_eq!(
            endpoint_for(&s),
            "https://pai-dlc-vpc.cn-shanghai.aliyuncs.com"
        );
        s.endpoint = Some("http://127.0.0.1:9".into());
        assert_eq!(endpoint_for(&s), "http://127.0.0.1:9");
    }

    #[test]
    fn parses_success_tolerating_unknown_fields() {
        let r = parse(
            200,
            br#"{"RequestId":"r1","Token":"t0k","Extra":{"a":1}}"#,
            None,
        )
        .unwrap();
        assert_eq!(r.token.expose_secret(), "t0k");
        assert_eq!(r.request_id, "r1");
    }

    #[test]
    fn missing_token_and_non_json_are_clear_errors() {
        let e = parse(200, br#"{"RequestId":"r1"}"#, None).err().unwrap();
        assert!(e.to_string().contains("no Token"), "{e}");
        assert_eq!(e.request_id(), Some("r1"));
        let e = parse(200, b"<html>", None).err().unwrap();
        assert!(e.to_string().contains("not JSON"), "{e}");
        let e = parse(502, b"Bad Gateway", None).err().unwrap();
        assert!(e.is_retryable());
    }

    #[test]
    fn classifies_upstream_errors() {
        let api = |status, code: &str| {
            parse(
                status,
                format!(r#"{{"RequestId":"R","Code":"{code}","Message":"m"}}"#).as_bytes(),
                None,
            )
            .err()
            .unwrap()
        };
        let e = api(403, "Forbidden.RAM");
        assert!(!e.is_retryable() && e.is_credential_error());
        assert_eq!(e.request_id(), Some("R"));
        assert!(api(400, "Throttling.User").is_retryable());
        assert!(api(503, "ServiceUnavailable").is_retryable());
        assert!(!api(400, "InvalidParameter").is_retryable());
        assert!(api(404, "InvalidAccessKeyId.NotFound").is_credential_error());
        let nonce = api(400, "SignatureNonceUsed");
        assert!(nonce.is_retryable() && !nonce.is_credential_error());
        assert!(!api(404, "InvalidParameter").is_credential_error());
        let throttled = parse(429, b"{}", Some(Duration::from_secs(1)))
            .err()
            .unwrap();
        assert!(throttled.is_retryable());
    }

    #[test]
    fn not_found_is_an_error_of_its_own() {
        for (status, code) in [
            (404, "InvalidParameter"),
            (400, "NotFound"),
            (400, "NotFound.Job"),
            (400, "Job.NotFound"),
            (400, "JobNotExist"),
            (404, "EntityNotExist"),
        ] {
            let e = get_job_error(status, code);
            assert!(
                matches!(
                    e,
                    AliyunError::NotFound {
                        action: Action::GetJob,
                        ..
                    }
                ),
                "{status} {code}: {e:?}"
            );
            assert!(e.is_not_found() && !e.is_retryable() && !e.is_credential_error());
            assert_eq!((e.code(), e.request_id()), (code, Some("R")));
        }
        for (status, code) in [
            // The gateway's own codes: a key or a route it does not know, not a job.
            (404, "InvalidAccessKeyId.NotFound"),
            (404, "InvalidApi.NotFound"),
            (404, "InvalidAction.NotFound"),
            (400, "InvalidParameter"),
            (403, "Forbidden.RAM"),
            (500, "NotFound"),
            (503, "ServiceNotExist"),
        ] {
            let e = get_job_error(status, code);
            assert!(!e.is_not_found(), "{status} {code}: {e:?}");
            assert!(matches!(e, AliyunError::Api { .. }), "{e:?}");
        }
        let op = GetJob {
            job_id: TargetId::parse("dlc1").unwrap(),
        };
        let e = parse_response(&op, 404, b"<html>Not Found</html>", None).unwrap_err();
        assert!(
            matches!(e, AliyunError::InvalidResponse { status: 404, .. }),
            "a 404 that is not PAI-DLC's answer says nothing about the job: {e:?}"
        );
        let body = br#"{"Code":"JobNotExist","Message":"m"}"#;
        let throttled = parse_response(&op, 404, body, Some(Duration::from_secs(1))).unwrap_err();
        assert!(!throttled.is_not_found() && throttled.is_retryable());
    }

    #[test]
    fn a_missing_get_token_target_reads_as_before() {
        let e = parse(
            404,
            br#"{"RequestId":"R","Code":"JobNotExist","Message":"m"}"#,
            None,
        )
        .err()
        .unwrap();
        assert!(e.is_not_found());
        assert_eq!(
            e.to_string(),
            "GetToken refused: JobNotExist: m (HTTP 404, RequestId R)"
        );
    }

    #[test]
    fn forbidden_ram_names_the_missing_permission() {
        let e = get_job_error(403, "Forbidden.RAM");
        assert_eq!(e.missing_ram_action(), Some("paidlc:GetJob"));
        assert!(e.is_credential_error() && !e.is_retryable());
        assert_eq!(
            e.to_string(),
            "GetJob refused: Forbidden.RAM: m (HTTP 403, RequestId R)"
        );
        let exhausted = AliyunError::Exhausted {
            attempts: 2,
            last: Box::new(e),
        };
        assert_eq!(exhausted.missing_ram_action(), Some("paidlc:GetJob"));
        assert_eq!(
            get_job_error(400, "InvalidParameter").missing_ram_action(),
            None
        );
        let e = parse(403, br#"{"Code":"Forbidden.RAM","Message":"m"}"#, None)
            .err()
            .unwrap();
        assert_eq!(e.missing_ram_action(), Some("paidlc:GetToken"));
    }

    /// A GetJob whose path is given as it is: `TargetId` refuses `.` and `..`, so only a
    /// test can still hand the client a path with a dot segment.
    struct RawPath(&'static str);

    impl Operation for RawPath {
        type Output = ();
        const ACTION: Action = Action::GetJob;
        const METHOD: reqwest::Method = reqwest::Method::GET;

        fn path(&self) -> String {
            self.0.to_owned()
        }

        fn query(&self) -> Query {
            Query::new()
        }

        fn decode(&self, _: &[u8]) -> Result<(), crate::aliyun::ops::Malformed> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn a_path_the_url_would_rewrite_is_not_sent() {
        let mut s = crate::config::Settings::default().aliyun;
        // Nothing listens there; the call must not get as far as trying.
        s.endpoint = Some("http://127.0.0.1:9".into());
        let creds = Credentials::new("id", "secret".to_owned().into(), None, "test");
        let client = PaiDlcClient::new(&s, creds).unwrap();
        for path in ["/api/v1/jobs/..", "/api/v1/jobs/.", "/api/v1/jobs/%2e%2E"] {
            let e = client.call(&RawPath(path)).await.unwrap_err();
            assert!(
                matches!(
                    e,
                    AliyunError::InvalidRequest {
                        action: Action::GetJob,
                        ..
                    }
                ),
                "{path}: {e:?}"
            );
        }
    }

    #[test]
    fn echoed_strings_to_sign_never_survive() {
        let body = br#"{"RequestId":"R","Code":"SignatureDoesNotMatch","Message":"Specified signature is not matched with our calculation. server string to sign is:GET\napplication/json\n\n\nx-acs-security-token:CAIS+secret"}"#;
        let e = parse(400, body, None).err().unwrap();
        let shown = e.to_string();
        assert!(
            !shown.contains("CAIS") && !shown.contains("x-acs"),
            "{shown}"
        );
        assert!(
            shown.contains("Specified signature is not matched with our calculation"),
            "{shown}"
        );
        let long = format!(
            r#"{{"Code":"InvalidParameter","Message":"{}"}}"#,
            "x".repeat(5_000)
        );
        let e = parse(400, long.as_bytes(), None).err().unwrap();
        assert!(e.to_string().len() < 400);
    }

    #[test]
    fn backoff_doubles_to_the_cap_and_stops_at_max_retries() {
        use backon::BackoffBuilder;
        let ms = |v: &[u64]| {
            v.iter()
                .map(|m| Duration::from_millis(*m))
                .collect::<Vec<_>>()
        };
        let ceilings: Vec<Duration> = schedule(6)
            .build()
            // backon computes in f32: compare whole milliseconds.
            .map(|d| Duration::from_millis((d.as_secs_f64() * 1e3).round() as u64))
            .collect();
        assert_eq!(ceilings, ms(&[200, 400, 800, 1_600, 2_000, 2_000]));
        assert_eq!(schedule(0).build().count(), 0);
    }

    #[test]
    fn backoff_is_capped() {
        use backon::BackoffBuilder;
        let e = AliyunError::Timeout {
            action: Action::GetToken,
            after: Duration::from_secs(1),
        };
        for ceiling in schedule(40).build() {
            assert!(ceiling <= BACKOFF_CAP);
            assert!(pause(ceiling, &e) <= ceiling);
        }
        let throttled = AliyunError::Api {
            action: Action::GetToken,
            status: 503,
            code: "ServiceUnavailable".into(),
            message: String::new(),
            request_id: None,
            retry_after: Some(Duration::from_secs(5)),
        };
        assert!(
            pause(BACKOFF_BASE, &throttled) >= Duration::from_secs(5),
            "retry-after is a floor"
        );
        // A floor past the deadline is not waited for: the call gives up at once.
        let now = Instant::now();
        let floor = pause(BACKOFF_BASE, &throttled);
        assert_eq!(within(now + Duration::from_secs(3), now, floor), None);
        assert_eq!(
            within(now + Duration::from_secs(6), now, floor),
            Some(floor)
        );
        assert_eq!(
            within(now + floor, now, floor),
            None,
            "ending at it is too late"
        );
    }
}
