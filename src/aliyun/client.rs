//! GetToken over reqwest (rustls): endpoint selection, per-attempt signing, retries with
//! capped exponential backoff and jitter inside an overall deadline, and typed errors.

use std::sync::Arc;
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use chrono::{DateTime, Utc};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use secrecy::SecretString;
use serde::Deserialize;
use tokio::time::Instant;

use super::credentials::Credentials;
use super::signer::{self, Query, RequestParts};
use crate::config::{AliyunSettings, Network, SignatureVersion};
use crate::share::TargetType;

pub const PATH: &str = "/api/v1/tokens";
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

/// A nonce collision is chance, not a fault: the next attempt carries a fresh one.
const NONCE_USED: &str = "SignatureNonceUsed";

/// One GetToken call's parameters.
#[derive(Debug, Clone)]
pub struct GetTokenRequest {
    pub target_type: TargetType,
    pub target_id: String,
    pub expire_seconds: u32,
}

/// A successful answer; `Debug` never shows the token.
pub struct GetTokenResponse {
    pub token: SecretString,
    pub request_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AliyunError {
    #[error("GetToken refused: {code}: {message} (HTTP {status}, RequestId {})", .request_id.as_deref().unwrap_or("none"))]
    Api {
        status: u16,
        code: String,
        message: String,
        request_id: Option<String>,
        /// `x-acs-retry-after`, when present: throttling regardless of the code.
        retry_after: Option<Duration>,
    },
    #[error("GetToken answered HTTP {status} with {reason} (RequestId {})", .request_id.as_deref().unwrap_or("none"))]
    InvalidResponse {
        status: u16,
        reason: String,
        request_id: Option<String>,
    },
    #[error("GetToken timed out after {0:?}")]
    Timeout(Duration),
    #[error("cannot reach the GetToken endpoint: {0}")]
    Network(String),
    #[error("{last} (gave up after {attempts} attempts)")]
    Exhausted {
        attempts: u32,
        last: Box<AliyunError>,
    },
    #[error("invalid endpoint: {0}")]
    Endpoint(String),
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
            AliyunError::Timeout(_) | AliyunError::Network(_) => true,
            AliyunError::Exhausted { .. } | AliyunError::Endpoint(_) => false,
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
            AliyunError::Api { code, .. } => code,
            AliyunError::InvalidResponse { .. } => "InvalidResponse",
            AliyunError::Timeout(_) => "Timeout",
            AliyunError::Network(_) => "NetworkError",
            AliyunError::Endpoint(_) => "InvalidEndpoint",
            AliyunError::Exhausted { .. } => unreachable!("last() unwraps Exhausted"),
        }
    }

    pub fn request_id(&self) -> Option<&str> {
        match self.last() {
            AliyunError::Api { request_id, .. }
            | AliyunError::InvalidResponse { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    pub fn is_credential_error(&self) -> bool {
        let code = self.code();
        CREDENTIAL_CODES
            .iter()
            .any(|c| code == *c || code.starts_with(&format!("{c}.")))
    }
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

/// The PAI-DLC GetToken client.
#[derive(Clone)]
pub struct GetTokenClient {
    http: reqwest::Client,
    base: url::Url,
    /// `{base}/api/v1/tokens`: every request's URL but its query. Each request sets its
    /// query on a copy: parsing the whole URL again (its host included) cost more.
    prefix: url::Url,
    host: String,
    region: String,
    version: SignatureVersion,
    credentials: Arc<Credentials>,
    env: Arc<dyn SigningEnv>,
    request_timeout: Duration,
    deadline: Duration,
    max_retries: u32,
    token_settings: Vec<(&'static str, bool)>,
}

impl std::fmt::Debug for GetTokenClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GetTokenClient")
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

impl GetTokenClient {
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
            // The retries are ours (`get_token`); see `discord::responder`.
            .retry(reqwest::retry::never().max_retries_per_request(0))
            .build()
            .map_err(|e| AliyunError::Endpoint(e.to_string()))?;
        let mut token_settings = Vec::new();
        if let Some(v) = settings.enable_cross_account_access {
            token_settings.push(("TokenSettings.EnableCrossAccountAccess", v));
        }
        if let Some(v) = settings.enable_log_download_job {
            token_settings.push(("TokenSettings.EnableLogDownloadJob", v));
        }
        let mut prefix = base.clone();
        prefix.set_path(PATH);
        prefix.set_query(None);
        Ok(GetTokenClient {
            http,
            base,
            prefix,
            host,
            region: settings.region.clone(),
            version: settings.signature_version,
            credentials: Arc::new(credentials),
            env,
            request_timeout: settings.request_timeout,
            deadline: settings.deadline,
            max_retries: settings.max_retries,
            token_settings,
        })
    }

    pub fn region(&self) -> &str {
        &self.region
    }

    pub fn endpoint(&self) -> &str {
        self.base.as_str()
    }

    fn query(&self, req: &GetTokenRequest) -> Query {
        let mut q = Query::new();
        q.insert("TargetType".into(), req.target_type.as_str().into());
        q.insert("TargetId".into(), req.target_id.clone());
        q.insert("ExpireTime".into(), req.expire_seconds.to_string());
        for (name, value) in &self.token_settings {
            q.insert((*name).into(), if *value { "True" } else { "False" }.into());
        }
        q
    }

    /// Calls GetToken, retrying what is retryable until `max_retries` or the deadline.
    pub async fn get_token(&self, req: &GetTokenRequest) -> Result<GetTokenResponse, AliyunError> {
        let query = &self.query(req);
        let deadline = Instant::now() + self.deadline;
        let mut attempts = 0u32;
        let result = (|| {
            attempts += 1;
            let attempt = attempts;
            async move {
                // Each attempt gets what is left of the overall deadline, and signs afresh.
                let remaining = deadline.saturating_duration_since(Instant::now());
                let err = match tokio::time::timeout(remaining, self.attempt(query)).await {
                    Ok(Ok(resp)) => return Ok(resp),
                    Ok(Err(e)) => e,
                    Err(_) => AliyunError::Timeout(self.deadline),
                };
                tracing::debug!(attempt, code = err.code(), "GetToken attempt failed");
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
    async fn attempt(&self, query: &Query) -> Result<GetTokenResponse, AliyunError> {
        let nonce = self.env.nonce();
        let headers = signer::signed_headers(
            self.version,
            &self.credentials,
            &RequestParts {
                method: "GET",
                path: PATH,
                host: &self.host,
                query,
                now: self.env.now(),
                nonce: &nonce,
                user_agent: USER_AGENT,
            },
        );
        let mut url = self.prefix.clone();
        url.set_query(Some(&signer::encode_query(query)));
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
            .get(url)
            .headers(map)
            .send()
            .await
            .map_err(|e| transport_error(e, self.request_timeout))?;
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get("x-acs-retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let body = resp
            .bytes()
            .await
            .map_err(|e| transport_error(e, self.request_timeout))?;
        parse_response(status, &body, retry_after)
    }
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

fn transport_error(e: reqwest::Error, timeout: Duration) -> AliyunError {
    if e.is_timeout() {
        AliyunError::Timeout(timeout)
    } else {
        // Without the URL: it is known to the operator and only adds noise.
        let e = e.without_url();
        let mut msg = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            msg.push_str(": ");
            msg.push_str(&s.to_string());
            source = s.source();
        }
        AliyunError::Network(msg)
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
struct SuccessBody {
    request_id: Option<String>,
    token: Option<String>,
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

/// Unknown fields are ignored; a missing `Token` or a non-JSON body is a clear error.
pub fn parse_response(
    status: u16,
    body: &[u8],
    retry_after: Option<Duration>,
) -> Result<GetTokenResponse, AliyunError> {
    if (200..300).contains(&status) {
        let parsed: SuccessBody =
            serde_json::from_slice(body).map_err(|_| AliyunError::InvalidResponse {
                status,
                reason: "a body that is not JSON".into(),
                request_id: None,
            })?;
        let request_id = parsed.request_id.unwrap_or_default();
        return match parsed.token.filter(|t| !t.is_empty()) {
            Some(token) => Ok(GetTokenResponse {
                token: token.into(),
                request_id,
            }),
            None => Err(AliyunError::InvalidResponse {
                status,
                reason: "no Token in the response".into(),
                request_id: Some(request_id).filter(|r| !r.is_empty()),
            }),
        };
    }
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(ErrorBody {
            request_id,
            code: Some(code),
            message,
        }) => Err(AliyunError::Api {
            status,
            code,
            message: safe_message(message.as_deref().unwrap_or_default()),
            request_id,
            retry_after,
        }),
        Ok(ErrorBody { request_id, .. }) if retry_after.is_some() => Err(AliyunError::Api {
            status,
            code: "Throttling".into(),
            message: "throttled (x-acs-retry-after)".into(),
            request_id,
            retry_after,
        }),
        Ok(ErrorBody { request_id, .. }) => Err(AliyunError::InvalidResponse {
            status,
            reason: "an error without a Code".into(),
            request_id,
        }),
        Err(_) => Err(AliyunError::InvalidResponse {
            status,
            reason: "a body that is not JSON".into(),
            request_id: None,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

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
        let r = parse_response(
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
        let e = parse_response(200, br#"{"RequestId":"r1"}"#, None)
            .err()
            .unwrap();
        assert!(e.to_string().contains("no Token"), "{e}");
        assert_eq!(e.request_id(), Some("r1"));
        let e = parse_response(200, b"<html>", None).err().unwrap();
        assert!(e.to_string().contains("not JSON"), "{e}");
        let e = parse_response(502, b"Bad Gateway", None).err().unwrap();
        assert!(e.is_retryable());
    }

    #[test]
    fn classifies_upstream_errors() {
        let api = |status, code: &str| {
            parse_response(
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
        let throttled = parse_response(429, b"{}", Some(Duration::from_secs(1)))
            .err()
            .unwrap();
        assert!(throttled.is_retryable());
    }

    #[test]
    fn echoed_strings_to_sign_never_survive() {
        let body = br#"{"RequestId":"R","Code":"SignatureDoesNotMatch","Message":"Specified signature is not matched with our calculation. server string to sign is:GET\napplication/json\n\n\nx-acs-security-token:CAIS+secret"}"#;
        let e = parse_response(400, body, None).err().unwrap();
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
        let e = parse_response(400, long.as_bytes(), None).err().unwrap();
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
        let e = AliyunError::Timeout(Duration::from_secs(1));
        for ceiling in schedule(40).build() {
            assert!(ceiling <= BACKOFF_CAP);
            assert!(pause(ceiling, &e) <= ceiling);
        }
        let throttled = AliyunError::Api {
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
