//! The PAI-DLC operations the bot uses, one module per area. Each says what it sends (method,
//! path, query, `x-acs-action`) and how it reads a successful answer; signing, retries, the
//! deadline and error answers are [`PaiDlcClient::call`]'s, written once for all of them.
//!
//! [`PaiDlcClient::call`]: super::client::PaiDlcClient::call

use std::fmt;

use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::signer::Query;

pub mod get_token;
pub mod jobs;
pub mod tensorboards;

/// The operations by name. The name is both `x-acs-action` and, prefixed with `paidlc:`, the
/// RAM action a policy must allow: an error can then say which permission is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    GetToken,
    GetJob,
    ListJobs,
    GetTensorboard,
    ListTensorboards,
    GetTensorboardSharedUrl,
}

impl Action {
    pub const ALL: [Action; 6] = [
        Action::GetToken,
        Action::GetJob,
        Action::ListJobs,
        Action::GetTensorboard,
        Action::ListTensorboards,
        Action::GetTensorboardSharedUrl,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Action::GetToken => "GetToken",
            Action::GetJob => "GetJob",
            Action::ListJobs => "ListJobs",
            Action::GetTensorboard => "GetTensorboard",
            Action::ListTensorboards => "ListTensorboards",
            Action::GetTensorboardSharedUrl => "GetTensorboardSharedUrl",
        }
    }

    pub fn ram_action(self) -> &'static str {
        match self {
            Action::GetToken => "paidlc:GetToken",
            Action::GetJob => "paidlc:GetJob",
            Action::ListJobs => "paidlc:ListJobs",
            Action::GetTensorboard => "paidlc:GetTensorboard",
            Action::ListTensorboards => "paidlc:ListTensorboards",
            Action::GetTensorboardSharedUrl => "paidlc:GetTensorboardSharedUrl",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One PAI-DLC request and the reading of its successful answer. `Sync` and a `Send` output,
/// so a call can run on any tokio worker.
pub trait Operation: Sync {
    type Output: Send;
    const ACTION: Action;
    const METHOD: reqwest::Method;

    /// Already percent-encoded: this very string is signed and sent, so nothing may
    /// re-encode it on the way.
    fn path(&self) -> String;
    fn query(&self) -> Query;
    /// Only 2xx bodies come here: error answers look the same for every operation, and the
    /// client reads them.
    fn decode(&self, body: &[u8]) -> Result<Self::Output, Malformed>;
}

/// Why a 2xx answer could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    pub reason: String,
    pub request_id: Option<String>,
}

impl Malformed {
    fn new(reason: impl Into<String>, request_id: Option<String>) -> Self {
        Malformed {
            reason: reason.into(),
            request_id,
        }
    }
}

/// Reads a JSON answer into `T`. The reason never quotes the body: answers carry upstream
/// names and, for some operations, secrets, and a reason ends up in logs.
fn json<T: DeserializeOwned>(body: &[u8]) -> Result<T, Malformed> {
    serde_json::from_slice(body).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => Malformed::new(shape(&e), request_id(body)),
        _ => Malformed::new("a body that is not JSON", None),
    })
}

/// "no JobId in the response" for a missing field; otherwise only what was expected (serde's
/// own message would quote the value it found).
fn shape(e: &serde_json::Error) -> String {
    let message = e.to_string();
    if let Some(rest) = message.strip_prefix("missing field `")
        && let Some((field, _)) = rest.split_once('`')
    {
        return format!("no {field} in the response");
    }
    match message.split_once(", expected ") {
        Some((_, expected)) => {
            let expected = expected.split(" at line ").next().unwrap_or(expected);
            format!("an answer of an unexpected shape (expected {expected})")
        }
        None => "an answer of an unexpected shape".into(),
    }
}

/// The answer's `RequestId`, if it has one, for an error about the rest of it.
fn request_id(body: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct Id {
        #[serde(rename = "RequestId")]
        request_id: Option<String>,
    }
    serde_json::from_slice::<Id>(body)
        .ok()
        .and_then(|id| id.request_id)
        .filter(|id| !id.is_empty())
}

/// An id as exactly one path segment. A `TargetId` holds unreserved characters only, so this
/// changes nothing today; it keeps an id with a `/` from ever addressing another route.
fn segment(id: &str) -> String {
    super::signer::rfc3986(id)
}

#[cfg(test)]
mod tests {
    use super::jobs::Job;
    use super::*;

    #[test]
    fn unreadable_bodies_are_reasons_that_quote_nothing() {
        let e = json::<Job>(b"<html>gateway</html>").unwrap_err();
        assert_eq!(e, Malformed::new("a body that is not JSON", None));
        let e = json::<Job>(br#"{"RequestId":"R1","Status":"Running"}"#).unwrap_err();
        assert_eq!(
            e,
            Malformed::new("no JobId in the response", Some("R1".into()))
        );
        let e = json::<Job>(br#"{"RequestId":"R2","JobId":424242}"#).unwrap_err();
        assert_eq!(e.request_id.as_deref(), Some("R2"));
        assert_eq!(
            e.reason,
            "an answer of an unexpected shape (expected a string)"
        );
        let e = json::<Job>(b"[1,2]").unwrap_err();
        assert!(
            e.reason.starts_with("an answer of an unexpected shape"),
            "{e:?}"
        );
        assert_eq!(e.request_id, None);
    }

    #[test]
    fn every_action_is_its_own_ram_action() {
        for action in Action::ALL {
            assert_eq!(action.ram_action(), format!("paidlc:{action}"));
        }
    }

    #[test]
    fn ids_are_encoded_as_one_path_segment() {
        assert_eq!(segment("dlc-1a_b.c~"), "dlc-1a_b.c~");
        assert_eq!(segment("a/b c"), "a%2Fb%20c");
    }
}
