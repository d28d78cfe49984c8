//! A local PAI-DLC GetToken endpoint that judges signatures the way Alibaba Cloud does.
//!
//! It is written from SPEC §1 alone — it shares no code with `dlc_share_bot::aliyun::signer` —
//! and is itself checked against the requests Alibaba's official SDK sent (the fixture
//! vectors), so a client that passes here signs like the SDK.

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::serve::ListenerExt;
use base64::Engine as _;
use chrono::{DateTime, NaiveDateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// How far a request's clock may drift before `InvalidTimeStamp.Expired`.
const MAX_SKEW: chrono::Duration = chrono::Duration::minutes(15);

/// What the endpoint answers to the next request (after verifying it).
#[derive(Debug, Clone)]
pub enum Behavior {
    /// 200 with a fresh token.
    Token,
    /// An Alibaba-style JSON error.
    Error { status: u16, code: &'static str },
    /// 503 with `x-acs-retry-after`.
    RetryAfter { seconds: u32 },
    /// 200 with a body that is not JSON.
    NotJson,
    /// 200 JSON without `Token`.
    NoToken,
    /// Wait, then answer with a token.
    Slow(Duration),
    /// 200 with a JWT whose `exp` claim is `lifetime` from now, whatever `ExpireTime` asked
    /// (real GetToken tokens are JWTs).
    Jwt { lifetime: Duration },
}

/// A request as received, with the verdict.
#[derive(Debug, Clone)]
pub struct Seen {
    pub headers: BTreeMap<String, String>,
    pub query: BTreeMap<String, String>,
    pub verdict: Result<(), String>,
    pub answered_token: Option<String>,
    pub arrived_at: std::time::Instant,
}

struct Inner {
    secrets: BTreeMap<String, String>,
    sts_token: Option<String>,
    script: VecDeque<Behavior>,
    default: Behavior,
    nonces: HashSet<String>,
    seen: Vec<Seen>,
    /// Requests received, counted on arrival (a slow answer is recorded in `seen` later).
    counter: u64,
}

#[derive(Clone)]
pub struct GetTokenServer {
    addr: SocketAddr,
    inner: Arc<Mutex<Inner>>,
}

pub const AK_ID: &str = "LTAI5tTestKeyId";
pub const AK_SECRET: &str = "test/Secret+Key=";
pub const STS_TOKEN: &str = "CAIS+test/StsToken==";

impl GetTokenServer {
    /// Accepts `AK_ID`/`AK_SECRET`; with `sts`, also requires `STS_TOKEN`.
    pub async fn start(sts: bool) -> GetTokenServer {
        let inner = Arc::new(Mutex::new(Inner {
            secrets: [(AK_ID.to_owned(), AK_SECRET.to_owned())].into(),
            sts_token: sts.then(|| STS_TOKEN.to_owned()),
            script: VecDeque::new(),
            default: Behavior::Token,
            nonces: HashSet::new(),
            seen: Vec::new(),
            counter: 0,
        }));
        let app = Router::new().fallback(handle).with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        tokio::spawn(async move {
            axum::serve(listener, app).await.expect("GetToken server");
        });
        GetTokenServer { addr, inner }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Answers the next requests with these behaviours, in order, then the default.
    pub fn script(&self, behaviors: impl IntoIterator<Item = Behavior>) {
        self.inner.lock().unwrap().script.extend(behaviors);
    }

    pub fn set_default(&self, b: Behavior) {
        self.inner.lock().unwrap().default = b;
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.inner.lock().unwrap().seen.clone()
    }

    /// Waits until a first request has arrived (answered or not), so a test can act while the
    /// bot is inside GetToken. Panics after 15 s.
    pub async fn wait_for_a_request(&self) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        while self.arrivals() == 0 {
            assert!(
                tokio::time::Instant::now() < deadline,
                "GetToken never called"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Requests that arrived, answered or not.
    pub fn arrivals(&self) -> u64 {
        self.inner.lock().unwrap().counter
    }

    /// The token as it must appear inside a link (`+/=` percent-encoded).
    pub fn in_link(token: &str) -> String {
        token
            .replace('+', "%2B")
            .replace('/', "%2F")
            .replace('=', "%3D")
    }

    pub fn issued_tokens(&self) -> Vec<String> {
        self.seen()
            .into_iter()
            .filter_map(|s| s.answered_token)
            .collect()
    }
}

async fn handle(
    State(inner): State<Arc<Mutex<Inner>>>,
    method: Method,
    uri: Uri,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let arrived_at = std::time::Instant::now();
    let raw = raw.unwrap_or_default();
    let lower: BTreeMap<String, String> = headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_ascii_lowercase(),
                v.to_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let query = decode_query(&raw);
    let request_id = {
        let mut g = inner.lock().unwrap();
        g.counter += 1;
        format!("REQ-{:06}", g.counter)
    };
    let (verdict, behavior) = {
        let mut g = inner.lock().unwrap();
        let verdict = if uri.path() != "/api/v1/tokens" || method != Method::GET {
            Err(format!("404 no route {method} {}", uri.path()))
        } else {
            let v = verify(
                method.as_str(),
                uri.path(),
                &query,
                &lower,
                &body,
                &g.secrets,
                g.sts_token.as_deref(),
            );
            v.and_then(|()| check_freshness(&lower, &mut g.nonces))
                .and_then(|()| check_request(&query, &lower))
        };
        let behavior = g.script.pop_front().unwrap_or_else(|| g.default.clone());
        (verdict, behavior)
    };
    let mut seen = Seen {
        headers: lower,
        query: query.clone(),
        verdict: verdict.clone(),
        answered_token: None,
        arrived_at,
    };
    let response = match verdict {
        Err(reason) => {
            let (status, code) = reason
                .split_once(' ')
                .unwrap_or(("400", "SignatureDoesNotMatch"));
            let (code, message) = code.split_once(' ').unwrap_or((code, ""));
            error(status.parse().unwrap_or(400), code, message, &request_id)
        }
        Ok(()) => match behavior {
            Behavior::Token => {
                let token = issue(&query, &request_id);
                seen.answered_token = Some(token.clone());
                token_response(&token, &request_id)
            }
            Behavior::Slow(d) => {
                tokio::time::sleep(d).await;
                let token = issue(&query, &request_id);
                seen.answered_token = Some(token.clone());
                token_response(&token, &request_id)
            }
            Behavior::Jwt { lifetime } => {
                let token = jwt(&query, lifetime);
                seen.answered_token = Some(token.clone());
                token_response(&token, &request_id)
            }
            Behavior::Error { status, code } => {
                error(status, code, "scripted failure", &request_id)
            }
            Behavior::RetryAfter { seconds } => {
                let mut r = error(503, "ServiceUnavailable", "busy", &request_id);
                r.headers_mut().insert("x-acs-retry-after", seconds.into());
                r
            }
            Behavior::NotJson => (StatusCode::OK, "<html>gateway</html>").into_response(),
            Behavior::NoToken => (
                StatusCode::OK,
                axum::Json(serde_json::json!({ "RequestId": request_id })),
            )
                .into_response(),
        },
    };
    inner.lock().unwrap().seen.push(seen);
    response
}

/// Real tokens are opaque base64-like text: the `+/=` make sure links percent-encode them.
fn issue(query: &BTreeMap<String, String>, request_id: &str) -> String {
    format!(
        "tok-{}-{}-{:016x}+/=",
        query.get("TargetId").map(String::as_str).unwrap_or(""),
        request_id,
        rand::random::<u64>()
    )
}

/// A JWT-shaped token (`header.claims.signature`, base64url) expiring `lifetime` from now.
fn jwt(query: &BTreeMap<String, String>, lifetime: Duration) -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let exp = Utc::now().timestamp() + lifetime.as_secs() as i64;
    let claims = serde_json::json!({
        "sub": query.get("TargetId"),
        "exp": exp,
        "jti": format!("{:016x}", rand::random::<u64>()),
    });
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        URL_SAFE_NO_PAD.encode(rand::random::<u64>().to_be_bytes())
    )
}

fn token_response(token: &str, request_id: &str) -> Response {
    (
        StatusCode::OK,
        axum::Json(
            serde_json::json!({ "RequestId": request_id, "Token": token, "Unknown": [1, 2] }),
        ),
    )
        .into_response()
}

fn error(status: u16, code: &str, message: &str, request_id: &str) -> Response {
    (
        StatusCode::from_u16(status).expect("valid status"),
        axum::Json(serde_json::json!({
            "RequestId": request_id, "HostId": "pai-dlc.local", "Code": code,
            "Message": message, "Recommend": "https://api.aliyun.com/troubleshoot",
        })),
    )
        .into_response()
}

/// Decodes `a=b&c=d` the way Alibaba's gateway does (`+` and `%20` both mean a space).
pub fn decode_query(raw: &str) -> BTreeMap<String, String> {
    url::form_urlencoded::parse(raw.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn pct(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Verifies a GetToken request's signature (v1 or v3, chosen by the Authorization scheme)
/// and the headers SPEC §1 requires. `Err("STATUS Code message")` on rejection.
pub fn verify(
    method: &str,
    path: &str,
    query: &BTreeMap<String, String>,
    headers: &BTreeMap<String, String>,
    body: &[u8],
    secrets: &BTreeMap<String, String>,
    sts_token: Option<&str>,
) -> Result<(), String> {
    let h = |name: &str| headers.get(name).map(String::as_str);
    let auth = h("authorization").ok_or("400 IncompleteSignature no authorization header")?;
    for required in [
        "host",
        "x-acs-signature-nonce",
        "x-acs-version",
        "x-acs-action",
    ] {
        h(required).ok_or(format!("400 IncompleteSignature missing {required}"))?;
    }
    if h("x-acs-version") != Some("2020-12-03") || h("x-acs-action") != Some("GetToken") {
        return Err("400 InvalidParameter wrong x-acs-version or x-acs-action".into());
    }
    if let Some(expected) = sts_token
        && h("x-acs-security-token") != Some(expected)
    {
        return Err("403 InvalidSecurityToken.Mismatch security token missing or wrong".into());
    }
    if let Some(rest) = auth.strip_prefix("acs ") {
        let (id, sig) = rest
            .split_once(':')
            .ok_or("400 IncompleteSignature malformed acs")?;
        let secret = secrets
            .get(id)
            .ok_or("404 InvalidAccessKeyId.NotFound unknown key")?;
        if h("x-acs-signature-method") != Some("HMAC-SHA1")
            || h("x-acs-signature-version") != Some("1.0")
        {
            return Err("400 IncompleteSignature signature method/version headers".into());
        }
        if sts_token.is_some() && h("x-acs-accesskey-id") != Some(id) {
            return Err("400 IncompleteSignature x-acs-accesskey-id".into());
        }
        let date = h("date").ok_or("400 IncompleteSignature missing date")?;
        let mut s = format!(
            "{method}\n{}\n{}\n{}\n{date}\n",
            h("accept").unwrap_or(""),
            h("content-md5").unwrap_or(""),
            h("content-type").unwrap_or("")
        );
        for (k, v) in headers.iter().filter(|(k, _)| k.starts_with("x-acs-")) {
            s.push_str(&format!("{k}:{v}\n"));
        }
        s.push_str(path);
        if !query.is_empty() {
            let parts: Vec<String> = query
                .iter()
                .map(|(k, v)| {
                    if v.is_empty() {
                        k.clone()
                    } else {
                        format!("{k}={v}")
                    }
                })
                .collect();
            s.push('?');
            s.push_str(&parts.join("&"));
        }
        let mut mac = Hmac::<sha1::Sha1>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(s.as_bytes());
        let expected =
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        if expected != sig {
            return Err(format!(
                "400 SignatureDoesNotMatch server string to sign is {s:?}"
            ));
        }
        return Ok(());
    }
    if let Some(rest) = auth.strip_prefix("ACS3-HMAC-SHA256 ") {
        let mut fields = BTreeMap::new();
        for part in rest.split(',') {
            let (k, v) = part
                .trim()
                .split_once('=')
                .ok_or("400 IncompleteSignature malformed ACS3")?;
            fields.insert(k, v);
        }
        let (id, signed, sig) = match (
            fields.get("Credential"),
            fields.get("SignedHeaders"),
            fields.get("Signature"),
        ) {
            (Some(a), Some(b), Some(c)) => (*a, *b, *c),
            _ => return Err("400 IncompleteSignature ACS3 fields".into()),
        };
        let secret = secrets
            .get(id)
            .ok_or("404 InvalidAccessKeyId.NotFound unknown key")?;
        let signed: Vec<&str> = signed.split(';').collect();
        for must in headers
            .keys()
            .filter(|k| *k == "host" || k.starts_with("x-acs-"))
        {
            if !signed.contains(&must.as_str()) {
                return Err(format!("400 IncompleteSignature {must} is not signed"));
            }
        }
        let body_hash = hex::encode(Sha256::digest(body));
        if h("x-acs-content-sha256") != Some(body_hash.as_str()) {
            return Err("400 IncompleteSignature x-acs-content-sha256".into());
        }
        h("x-acs-date").ok_or("400 IncompleteSignature missing x-acs-date")?;
        let canonical_query = query
            .iter()
            .map(|(k, v)| format!("{}={}", pct(k), pct(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut canonical_headers = String::new();
        for name in &signed {
            let v = h(name).ok_or(format!(
                "400 IncompleteSignature signed header {name} absent"
            ))?;
            canonical_headers.push_str(&format!("{name}:{}\n", v.trim()));
        }
        let canonical = format!(
            "{method}\n{path}\n{canonical_query}\n{canonical_headers}\n{}\n{body_hash}",
            signed.join(";")
        );
        let to_sign = format!(
            "ACS3-HMAC-SHA256\n{}",
            hex::encode(Sha256::digest(canonical.as_bytes()))
        );
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(to_sign.as_bytes());
        if hex::encode(mac.finalize().into_bytes()) != sig {
            return Err(format!(
                "400 SignatureDoesNotMatch canonical request is {canonical:?}"
            ));
        }
        return Ok(());
    }
    Err("400 IncompleteSignature unknown authorization scheme".into())
}

/// What GetToken itself insists on once the signature holds: JSON is asked for, the client
/// names itself, and the parameters are present and well-formed.
fn check_request(
    query: &BTreeMap<String, String>,
    headers: &BTreeMap<String, String>,
) -> Result<(), String> {
    if headers.get("accept").map(String::as_str) != Some("application/json") {
        return Err("400 InvalidParameter accept must be application/json".into());
    }
    if headers.get("user-agent").is_none_or(|ua| ua.is_empty()) {
        return Err("400 MissingParameter user-agent".into());
    }
    for name in ["TargetType", "TargetId", "ExpireTime"] {
        if query.get(name).is_none_or(|v| v.is_empty()) {
            return Err(format!("400 MissingParameter {name}"));
        }
    }
    if !matches!(query["TargetType"].as_str(), "job" | "tensorboard") {
        return Err("400 InvalidParameter TargetType".into());
    }
    match query["ExpireTime"].parse::<u32>() {
        Ok(1..=604_800) => Ok(()),
        _ => Err("400 InvalidParameter ExpireTime".into()),
    }
}

/// Rejects stale or future dates and reused nonces, as the real gateway does.
fn check_freshness(
    headers: &BTreeMap<String, String>,
    nonces: &mut HashSet<String>,
) -> Result<(), String> {
    let when: DateTime<Utc> = if let Some(d) = headers.get("x-acs-date") {
        NaiveDateTime::parse_from_str(d, "%Y-%m-%dT%H:%M:%SZ")
            .map_err(|_| "400 InvalidTimeStamp.Format x-acs-date")?
            .and_utc()
    } else {
        let d = headers
            .get("date")
            .ok_or("400 InvalidTimeStamp.Format no date")?;
        // RFC 1123 in GMT exactly, as the SDK sends it.
        NaiveDateTime::parse_from_str(d, "%a, %d %b %Y %H:%M:%S GMT")
            .map_err(|_| "400 InvalidTimeStamp.Format date")?
            .and_utc()
    };
    if (Utc::now() - when).abs() > MAX_SKEW {
        return Err(
            "400 InvalidTimeStamp.Expired the request time is too far from the server's".into(),
        );
    }
    let nonce = headers["x-acs-signature-nonce"].clone();
    if !nonces.insert(nonce) {
        return Err("400 SignatureNonceUsed the nonce has been used".into());
    }
    Ok(())
}
