//! A local PAI-DLC endpoint that judges signatures the way Alibaba Cloud does, and answers
//! GetToken and the job and TensorBoard look-ups over a small catalogue.
//!
//! The verification shares no code with `dlc_share_bot::aliyun::signer` — it is written from
//! the published signing rules alone — and is itself checked against the requests Alibaba's
//! official SDK sent (the fixture vectors), so a client that passes here signs like the SDK.
//! Every operation is verified the same way, with `x-acs-action` naming the one its route
//! serves.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
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
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// How far a request's clock may drift before `InvalidTimeStamp.Expired`.
const MAX_SKEW: chrono::Duration = chrono::Duration::minutes(15);

/// What the gateway answers for a path and method no operation has.
const NO_SUCH_API: &str =
    "404 InvalidApi.NotFound Specified api is not found, please check your url and method.";

/// What a correctly signed request gets when the caller's RAM policy lacks its action.
const RAM_DENIED: &str = "403 Forbidden.RAM User not authorized to operate on the specified resource, or this API doesn't support RAM.";

/// The operations served, by their `x-acs-action`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    GetToken,
    GetJob,
    ListJobs,
    GetTensorboard,
    ListTensorboards,
    GetTensorboardSharedUrl,
}

impl Operation {
    pub fn name(self) -> &'static str {
        match self {
            Operation::GetToken => "GetToken",
            Operation::GetJob => "GetJob",
            Operation::ListJobs => "ListJobs",
            Operation::GetTensorboard => "GetTensorboard",
            Operation::ListTensorboards => "ListTensorboards",
            Operation::GetTensorboardSharedUrl => "GetTensorboardSharedUrl",
        }
    }
}

/// The operation a method and (still encoded) path address, and the id in the path if any.
pub fn route<'p>(method: &str, path: &'p str) -> Option<(Operation, Option<&'p str>)> {
    if method != "GET" {
        return None;
    }
    let segments: Vec<&str> = path.strip_prefix("/api/v1/")?.split('/').collect();
    let id = |s: &'p str| (!s.is_empty()).then_some(s);
    match segments.as_slice() {
        ["tokens"] => Some((Operation::GetToken, None)),
        ["jobs"] => Some((Operation::ListJobs, None)),
        ["jobs", job] => Some((Operation::GetJob, Some(id(job)?))),
        ["tensorboards"] => Some((Operation::ListTensorboards, None)),
        ["tensorboards", tb] => Some((Operation::GetTensorboard, Some(id(tb)?))),
        ["tensorboards", tb, "sharedurl"] => {
            Some((Operation::GetTensorboardSharedUrl, Some(id(tb)?)))
        }
        _ => None,
    }
}

/// What the endpoint answers to the next request of an operation (after verifying it).
#[derive(Debug, Clone)]
pub enum Behavior {
    /// 200 with the operation's answer: a fresh token for GetToken, the catalogue's entry or
    /// page for a look-up (or its not-found error), a fresh URL for GetTensorboardSharedUrl.
    Token,
    /// An Alibaba-style JSON error.
    Error { status: u16, code: &'static str },
    /// 503 with `x-acs-retry-after`.
    RetryAfter { seconds: u32 },
    /// 200 with a body that is not JSON.
    NotJson,
    /// 200 JSON with nothing but `RequestId` (no `Token`, no job, no page).
    NoToken,
    /// Wait, then answer as [`Behavior::Token`].
    Slow(Duration),
    /// GetToken: 200 with a JWT whose `exp` claim is `lifetime` from now, whatever
    /// `ExpireTime` asked (real GetToken tokens are JWTs). Other operations: as `Token`.
    Jwt { lifetime: Duration },
}

/// A job of the catalogue, with the fields GetJob and ListJobs answer.
#[derive(Debug, Clone)]
pub struct Job {
    pub job_id: String,
    pub display_name: String,
    pub status: String,
    pub workspace_id: String,
    pub workspace_name: Option<String>,
    pub user_id: String,
    pub job_type: String,
    pub created: DateTime<Utc>,
}

/// A TensorBoard of the catalogue.
#[derive(Debug, Clone)]
pub struct Tensorboard {
    pub tensorboard_id: String,
    pub display_name: String,
    pub status: String,
    pub workspace_id: String,
    pub job_id: Option<String>,
}

/// A display name built to hurt whoever shows it unescaped: markdown, a mass mention, a user
/// mention, a link, bidi overrides, and 5,000 characters in all.
pub fn hostile_display_name() -> String {
    let mut name = String::from(
        "**@everyone** <@123456789012345678> [click](https://evil.example) `x` \u{202E}txt.exe\u{202C} ",
    );
    while name.chars().count() < 5_000 {
        name.push('~');
    }
    name
}

/// Workspaces of the catalogue; `ws-secret` has no name (GetJob may omit `WorkspaceName`).
pub const WORKSPACES: [&str; 3] = ["ws-vision", "ws-nlp", "ws-secret"];
/// The catalogue's job and TensorBoard with [`hostile_display_name`].
pub const HOSTILE_JOB_ID: &str = "dlc-nlp-hostile";
pub const HOSTILE_TENSORBOARD_ID: &str = "tb-nlp-hostile";
/// A job older than the 7 days ListJobs covers: GetJob finds it, ListJobs does not.
pub const OLD_JOB_ID: &str = "dlc-vision-old";

fn catalogue_jobs(now: DateTime<Utc>) -> Vec<Job> {
    let job = |id: &str, name: &str, status: &str, ws: &str, hours_ago: i64| Job {
        job_id: id.into(),
        display_name: name.into(),
        status: status.into(),
        workspace_id: ws.into(),
        workspace_name: match ws {
            "ws-vision" => Some("Vision".into()),
            "ws-nlp" => Some("NLP".into()),
            _ => None,
        },
        user_id: "20001234".into(),
        job_type: "PyTorchJob".into(),
        created: now - chrono::Duration::hours(hours_ago),
    };
    vec![
        job(
            "dlc-vision-resnet",
            "resnet50 baseline",
            "Running",
            "ws-vision",
            1,
        ),
        job("dlc-vision-vit", "ViT-L sweep", "Succeeded", "ws-vision", 5),
        job(
            "dlc-nlp-bert",
            "bert-large finetune",
            "Running",
            "ws-nlp",
            2,
        ),
        job(
            HOSTILE_JOB_ID,
            &hostile_display_name(),
            "Failed",
            "ws-nlp",
            3,
        ),
        job("dlc-secret-llm", "llm pretrain", "Running", "ws-secret", 0),
        job(
            OLD_JOB_ID,
            "old experiment",
            "Succeeded",
            "ws-vision",
            24 * 30,
        ),
    ]
}

/// `count` jobs in `workspace`, ten seconds apart going back from now (all within the 7 days
/// ListJobs covers), named `busy job N` with id `dlc-busy-N` (N = 0 the newest): a busy
/// workspace, for paging and for measuring the suggestions.
pub fn generated_jobs(workspace: &str, count: usize) -> Vec<Job> {
    let now = Utc::now();
    (0..count)
        .map(|n| Job {
            job_id: format!("dlc-busy-{n}"),
            display_name: format!("busy job {n}"),
            status: if n % 3 == 0 { "Running" } else { "Succeeded" }.into(),
            workspace_id: workspace.into(),
            workspace_name: None,
            user_id: "20001234".into(),
            job_type: "PyTorchJob".into(),
            created: now - chrono::Duration::seconds(10 * n as i64 + 1),
        })
        .collect()
}

fn catalogue_tensorboards() -> Vec<Tensorboard> {
    let tb = |id: &str, name: &str, status: &str, ws: &str, job: Option<&str>| Tensorboard {
        tensorboard_id: id.into(),
        display_name: name.into(),
        status: status.into(),
        workspace_id: ws.into(),
        job_id: job.map(Into::into),
    };
    vec![
        tb(
            "tb-vision-resnet",
            "resnet50 curves",
            "Running",
            "ws-vision",
            Some("dlc-vision-resnet"),
        ),
        tb(
            "tb-nlp-bert",
            "bert curves",
            "Running",
            "ws-nlp",
            Some("dlc-nlp-bert"),
        ),
        tb(
            HOSTILE_TENSORBOARD_ID,
            &hostile_display_name(),
            "Running",
            "ws-nlp",
            None,
        ),
        tb(
            "tb-secret",
            "llm curves",
            "Stopped",
            "ws-secret",
            Some("dlc-secret-llm"),
        ),
    ]
}

/// A request as received, with the verdict.
#[derive(Debug, Clone)]
pub struct Seen {
    /// `None` for a path no operation has.
    pub operation: Option<Operation>,
    pub path: String,
    pub headers: BTreeMap<String, String>,
    pub query: BTreeMap<String, String>,
    pub verdict: Result<(), String>,
    /// The token (GetToken) or shared URL (GetTensorboardSharedUrl) answered.
    pub answered_token: Option<String>,
    pub arrived_at: std::time::Instant,
}

struct Inner {
    secrets: BTreeMap<String, String>,
    sts_token: Option<String>,
    scripts: HashMap<Operation, VecDeque<Behavior>>,
    defaults: HashMap<Operation, Behavior>,
    /// Operations the caller's RAM policy does not allow: `403 Forbidden.RAM`.
    denied: HashSet<Operation>,
    jobs: Vec<Job>,
    tensorboards: Vec<Tensorboard>,
    nonces: HashSet<String>,
    seen: Vec<Seen>,
    /// Requests received, counted on arrival (a slow answer is recorded in `seen` later).
    counter: u64,
    calls: HashMap<Operation, u64>,
}

#[derive(Clone)]
pub struct PaiDlcServer {
    addr: SocketAddr,
    inner: Arc<Mutex<Inner>>,
}

pub const AK_ID: &str = "LTAI5tTestKeyId";
pub const AK_SECRET: &str = "test/Secret+Key=";
pub const STS_TOKEN: &str = "CAIS+test/StsToken==";

impl PaiDlcServer {
    /// Accepts `AK_ID`/`AK_SECRET`; with `sts`, also requires `STS_TOKEN`.
    pub async fn start(sts: bool) -> PaiDlcServer {
        let inner = Arc::new(Mutex::new(Inner {
            secrets: [(AK_ID.to_owned(), AK_SECRET.to_owned())].into(),
            sts_token: sts.then(|| STS_TOKEN.to_owned()),
            scripts: HashMap::new(),
            defaults: HashMap::new(),
            denied: HashSet::new(),
            jobs: catalogue_jobs(Utc::now()),
            tensorboards: catalogue_tensorboards(),
            nonces: HashSet::new(),
            seen: Vec::new(),
            counter: 0,
            calls: HashMap::new(),
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
            axum::serve(listener, app).await.expect("PAI-DLC server");
        });
        PaiDlcServer { addr, inner }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Answers the next GetToken requests with these behaviours, in order, then the default.
    pub fn script(&self, behaviors: impl IntoIterator<Item = Behavior>) {
        self.script_for(Operation::GetToken, behaviors);
    }

    /// GetToken's answer once its script is used up.
    pub fn set_default(&self, b: Behavior) {
        self.set_default_for(Operation::GetToken, b);
    }

    /// Answers the next requests of `operation` with these behaviours, in order, then its
    /// default. Each operation has its own script, so scripting one never shifts another's.
    pub fn script_for(&self, operation: Operation, behaviors: impl IntoIterator<Item = Behavior>) {
        self.inner
            .lock()
            .unwrap()
            .scripts
            .entry(operation)
            .or_default()
            .extend(behaviors);
    }

    /// `operation`'s answer once its script is used up (`Behavior::Token` unless set): e.g.
    /// `Behavior::Slow` for a slow ListJobs.
    pub fn set_default_for(&self, operation: Operation, b: Behavior) {
        self.inner.lock().unwrap().defaults.insert(operation, b);
    }

    /// From now on `operation` is refused with `403 Forbidden.RAM`, as for a RAM policy that
    /// does not allow it; correctly signed requests only.
    pub fn deny(&self, operation: Operation) {
        self.inner.lock().unwrap().denied.insert(operation);
    }

    /// Adds jobs to the catalogue, e.g. [`generated_jobs`].
    pub fn add_jobs(&self, jobs: impl IntoIterator<Item = Job>) {
        self.inner.lock().unwrap().jobs.extend(jobs);
    }

    pub fn jobs(&self) -> Vec<Job> {
        self.inner.lock().unwrap().jobs.clone()
    }

    pub fn tensorboards(&self) -> Vec<Tensorboard> {
        self.inner.lock().unwrap().tensorboards.clone()
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

    /// Requests of `operation` that arrived, answered or not, whatever the verdict.
    pub fn calls(&self, operation: Operation) -> u64 {
        let inner = self.inner.lock().unwrap();
        inner.calls.get(&operation).copied().unwrap_or(0)
    }

    /// The token as it must appear inside a link (`+/=` percent-encoded).
    pub fn in_link(token: &str) -> String {
        token
            .replace('+', "%2B")
            .replace('/', "%2F")
            .replace('=', "%3D")
    }

    /// Tokens GetToken answered.
    pub fn issued_tokens(&self) -> Vec<String> {
        self.answered(Operation::GetToken)
    }

    /// URLs GetTensorboardSharedUrl answered.
    pub fn shared_urls(&self) -> Vec<String> {
        self.answered(Operation::GetTensorboardSharedUrl)
    }

    fn answered(&self, operation: Operation) -> Vec<String> {
        self.seen()
            .into_iter()
            .filter(|s| s.operation == Some(operation))
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
    let path = uri.path();
    let routed = route(method.as_str(), path);
    let operation = routed.map(|(op, _)| op);
    let (request_id, verdict, behavior) = {
        let mut g = inner.lock().unwrap();
        g.counter += 1;
        let request_id = format!("REQ-{:06}", g.counter);
        if let Some(op) = operation {
            *g.calls.entry(op).or_default() += 1;
        }
        let verdict = match operation {
            None => Err(NO_SUCH_API.to_owned()),
            Some(op) => verify(
                method.as_str(),
                path,
                &query,
                &lower,
                &body,
                &g.secrets,
                g.sts_token.as_deref(),
            )
            .and_then(|()| check_freshness(&lower, &mut g.nonces))
            .and_then(|()| check_request(op, &query, &lower))
            .and_then(|()| {
                if g.denied.contains(&op) {
                    Err(RAM_DENIED.to_owned())
                } else {
                    Ok(())
                }
            }),
        };
        let behavior = operation
            .and_then(|op| {
                let scripted = g.scripts.get_mut(&op).and_then(VecDeque::pop_front);
                scripted.or_else(|| g.defaults.get(&op).cloned())
            })
            .unwrap_or(Behavior::Token);
        (request_id, verdict, behavior)
    };
    let mut seen = Seen {
        operation,
        path: path.to_owned(),
        headers: lower,
        query: query.clone(),
        verdict: verdict.clone(),
        answered_token: None,
        arrived_at,
    };
    let response = match (verdict, routed) {
        (Ok(()), Some((op, id))) => match behavior {
            Behavior::Token | Behavior::Jwt { .. } | Behavior::Slow(_) => {
                if let Behavior::Slow(d) = behavior {
                    tokio::time::sleep(d).await;
                }
                let jwt_lifetime = match behavior {
                    Behavior::Jwt { lifetime } => Some(lifetime),
                    _ => None,
                };
                let answer = {
                    let g = inner.lock().unwrap();
                    answer(op, id, &query, &g, &request_id, jwt_lifetime)
                };
                seen.answered_token = answer.secret;
                answer.response
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
                axum::Json(json!({ "RequestId": request_id })),
            )
                .into_response(),
        },
        // A path no operation has was refused by its verdict already.
        (verdict, _) => {
            let reason = verdict.err().unwrap_or_else(|| NO_SUCH_API.to_owned());
            let (status, code) = reason
                .split_once(' ')
                .unwrap_or(("400", "SignatureDoesNotMatch"));
            let (code, message) = code.split_once(' ').unwrap_or((code, ""));
            error(status.parse().unwrap_or(400), code, message, &request_id)
        }
    };
    inner.lock().unwrap().seen.push(seen);
    response
}

/// An operation's normal answer, and the secret in it (token or shared URL) if any.
struct Answer {
    response: Response,
    secret: Option<String>,
}

impl Answer {
    fn ok(body: Value) -> Answer {
        Answer {
            response: (StatusCode::OK, axum::Json(body)).into_response(),
            secret: None,
        }
    }

    fn error(status: u16, code: &str, message: &str, request_id: &str) -> Answer {
        Answer {
            response: error(status, code, message, request_id),
            secret: None,
        }
    }
}

fn answer(
    op: Operation,
    id: Option<&str>,
    query: &BTreeMap<String, String>,
    g: &Inner,
    request_id: &str,
    jwt_lifetime: Option<Duration>,
) -> Answer {
    let id = id.unwrap_or_default();
    let job = g.jobs.iter().find(|j| j.job_id == id);
    let tensorboard = g.tensorboards.iter().find(|t| t.tensorboard_id == id);
    match op {
        Operation::GetToken => {
            let token = match jwt_lifetime {
                Some(lifetime) => jwt(query, lifetime),
                None => issue(query, request_id),
            };
            Answer {
                response: token_response(&token, request_id),
                secret: Some(token),
            }
        }
        Operation::GetJob => match job {
            Some(job) => {
                let mut body = job_json(job);
                body["RequestId"] = request_id.into();
                body["Pods"] = json!([]);
                Answer::ok(body)
            }
            None => Answer::error(404, "JobNotExist", "The job does not exist.", request_id),
        },
        Operation::ListJobs => {
            let week_ago = Utc::now() - chrono::Duration::days(7);
            let name = query.get("DisplayName").map(|n| n.to_lowercase());
            let mut jobs: Vec<&Job> = g
                .jobs
                .iter()
                .filter(|j| j.created >= week_ago)
                .filter(|j| {
                    query
                        .get("WorkspaceId")
                        .is_none_or(|w| *w == j.workspace_id)
                })
                .filter(|j| {
                    name.as_ref()
                        .is_none_or(|n| j.display_name.to_lowercase().contains(n.as_str()))
                })
                .collect();
            jobs.sort_by_key(|j| j.created);
            if query
                .get("Order")
                .is_none_or(|o| o.eq_ignore_ascii_case("desc"))
            {
                jobs.reverse();
            }
            let total = jobs.len();
            let page: Vec<Value> = page(&jobs, query).into_iter().map(job_json).collect();
            Answer::ok(json!({ "RequestId": request_id, "TotalCount": total, "Jobs": page }))
        }
        Operation::GetTensorboard => match tensorboard {
            Some(tb) => {
                let mut body = tensorboard_json(tb);
                body["RequestId"] = request_id.into();
                Answer::ok(body)
            }
            None => Answer::error(
                404,
                "NotFound.Tensorboard",
                "The tensorboard does not exist.",
                request_id,
            ),
        },
        Operation::ListTensorboards => {
            let tbs: Vec<&Tensorboard> = g
                .tensorboards
                .iter()
                .filter(|t| {
                    query
                        .get("WorkspaceId")
                        .is_none_or(|w| *w == t.workspace_id)
                })
                .collect();
            let total = tbs.len();
            let page: Vec<Value> = page(&tbs, query)
                .into_iter()
                .map(tensorboard_json)
                .collect();
            Answer::ok(
                json!({ "RequestId": request_id, "TotalCount": total, "Tensorboards": page }),
            )
        }
        Operation::GetTensorboardSharedUrl => match tensorboard {
            Some(tb) => {
                let url = format!(
                    "https://pai-dlc-tensorboard.local/{}/?token=tbshare-{request_id}-{:016x}%2B%2F%3D",
                    tb.tensorboard_id,
                    rand::random::<u64>()
                );
                Answer {
                    response: Answer::ok(
                        json!({ "RequestId": request_id, "TensorboardSharedUrl": url }),
                    )
                    .response,
                    secret: Some(url),
                }
            }
            None => Answer::error(
                404,
                "NotFound.Tensorboard",
                "The tensorboard does not exist.",
                request_id,
            ),
        },
    }
}

/// `PageNumber` counts from 1; `check_request` has checked both numbers.
fn page<'a, T>(items: &[&'a T], query: &BTreeMap<String, String>) -> Vec<&'a T> {
    let size: usize = query
        .get("PageSize")
        .map_or(20, |s| s.parse().unwrap_or(20));
    let number: usize = query
        .get("PageNumber")
        .map_or(1, |n| n.parse().unwrap_or(1));
    items
        .iter()
        .skip(size * (number - 1))
        .take(size)
        .copied()
        .collect()
}

fn job_json(job: &Job) -> Value {
    let mut body = json!({
        "JobId": job.job_id,
        "DisplayName": job.display_name,
        "Status": job.status,
        "WorkspaceId": job.workspace_id,
        "UserId": job.user_id,
        "JobType": job.job_type,
        "GmtCreateTime": job.created.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
    });
    if let Some(name) = &job.workspace_name {
        body["WorkspaceName"] = name.as_str().into();
    }
    body
}

fn tensorboard_json(tb: &Tensorboard) -> Value {
    let mut body = json!({
        "TensorboardId": tb.tensorboard_id,
        "DisplayName": tb.display_name,
        "Status": tb.status,
        "WorkspaceId": tb.workspace_id,
    });
    if let Some(job) = &tb.job_id {
        body["JobId"] = job.as_str().into();
    }
    body
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
    let claims = json!({
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
        axum::Json(json!({ "RequestId": request_id, "Token": token, "Unknown": [1, 2] })),
    )
        .into_response()
}

fn error(status: u16, code: &str, message: &str, request_id: &str) -> Response {
    (
        StatusCode::from_u16(status).expect("valid status"),
        axum::Json(json!({
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

/// Verifies a request's signature (v1 or v3, chosen by the Authorization scheme) and the
/// headers every PAI-DLC request carries, `x-acs-action` naming the operation its route
/// serves. `path` is as received (still percent-encoded): that is what was signed.
/// `Err("STATUS Code message")` on rejection.
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
    let (operation, _) = route(method, path).ok_or(NO_SUCH_API)?;
    if h("x-acs-version") != Some("2020-12-03") || h("x-acs-action") != Some(operation.name()) {
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

/// What each operation itself insists on once the signature holds: JSON is asked for, the
/// client names itself, and the parameters are present and well-formed.
fn check_request(
    operation: Operation,
    query: &BTreeMap<String, String>,
    headers: &BTreeMap<String, String>,
) -> Result<(), String> {
    if headers.get("accept").map(String::as_str) != Some("application/json") {
        return Err("400 InvalidParameter accept must be application/json".into());
    }
    if headers.get("user-agent").is_none_or(|ua| ua.is_empty()) {
        return Err("400 MissingParameter user-agent".into());
    }
    let number = |name: &str, range: std::ops::RangeInclusive<u32>| match query.get(name) {
        None => Ok(()),
        Some(v) => match v.parse::<u32>() {
            Ok(n) if range.contains(&n) => Ok(()),
            _ => Err(format!("400 InvalidParameter {name}")),
        },
    };
    match operation {
        Operation::GetToken => {
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
        Operation::GetJob => match query.get("NeedDetail").map(String::as_str) {
            None | Some("true" | "false") => Ok(()),
            Some(_) => Err("400 InvalidParameter NeedDetail".into()),
        },
        Operation::ListJobs | Operation::ListTensorboards => {
            number("PageSize", 1..=100)?;
            number("PageNumber", 1..=u32::MAX)?;
            match query.get("Order").map(String::as_str) {
                None | Some("asc" | "desc") => Ok(()),
                Some(_) => Err("400 InvalidParameter Order".into()),
            }
        }
        Operation::GetTensorboard => Ok(()),
        Operation::GetTensorboardSharedUrl => {
            if !query.contains_key("ExpireTimeSeconds") {
                return Err("400 MissingParameter ExpireTimeSeconds".into());
            }
            number("ExpireTimeSeconds", 1..=604_800)
        }
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
