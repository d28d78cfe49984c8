//! `GetTensorboard`, `ListTensorboards` and `GetTensorboardSharedUrl`: the TensorBoard
//! counterparts of the job look-ups, and the share URL PAI-DLC makes for a TensorBoard itself.

use secrecy::SecretString;
use serde::Deserialize;

use super::{Action, Malformed, Operation, json, segment};
use crate::aliyun::client::{AliyunError, PaiDlcClient};
use crate::aliyun::signer::Query;
use crate::share::{Expiry, TargetId};

pub const PATH: &str = "/api/v1/tensorboards";

/// A TensorBoard as PAI-DLC describes it; `display_name` is untrusted text, as a job's is.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tensorboard {
    pub tensorboard_id: String,
    pub display_name: String,
    pub status: String,
    pub workspace_id: String,
    /// A TensorBoard may read a storage path rather than a job's output.
    pub job_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct GetTensorboard {
    pub tensorboard_id: TargetId,
}

impl Operation for GetTensorboard {
    type Output = Tensorboard;
    const ACTION: Action = Action::GetTensorboard;
    const METHOD: reqwest::Method = reqwest::Method::GET;

    fn path(&self) -> String {
        format!("{PATH}/{}", segment(self.tensorboard_id.as_str()))
    }

    fn query(&self) -> Query {
        Query::new()
    }

    fn decode(&self, body: &[u8]) -> Result<Tensorboard, Malformed> {
        json(body)
    }
}

#[derive(Debug, Clone)]
pub struct ListTensorboards {
    /// `None`: every workspace the caller may list.
    pub workspace_id: Option<String>,
    pub page_size: u32,
    /// From 1.
    pub page_number: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TensorboardPage {
    pub tensorboards: Vec<Tensorboard>,
    /// All matching TensorBoards, not only this page's.
    pub total_count: u64,
}

impl Operation for ListTensorboards {
    type Output = TensorboardPage;
    const ACTION: Action = Action::ListTensorboards;
    const METHOD: reqwest::Method = reqwest::Method::GET;

    fn path(&self) -> String {
        PATH.to_owned()
    }

    fn query(&self) -> Query {
        let mut q = Query::new();
        if let Some(workspace) = self.workspace_id.as_ref().filter(|w| !w.is_empty()) {
            q.insert("WorkspaceId".into(), workspace.clone());
        }
        q.insert("PageSize".into(), self.page_size.to_string());
        q.insert("PageNumber".into(), self.page_number.to_string());
        q
    }

    fn decode(&self, body: &[u8]) -> Result<TensorboardPage, Malformed> {
        json(body)
    }
}

/// A ready share URL with its own token inside, valid for `expire` ([`Expiry`] keeps it
/// within PAI-DLC's 7-day ceiling).
#[derive(Debug, Clone)]
pub struct GetTensorboardSharedUrl {
    pub tensorboard_id: TargetId,
    pub expire: Expiry,
}

/// The URL opens the TensorBoard to anyone who has it, like a token: it is a
/// [`SecretString`], and this type has no `Debug`.
pub struct TensorboardSharedUrl {
    pub url: SecretString,
    pub request_id: String,
}

impl Operation for GetTensorboardSharedUrl {
    type Output = TensorboardSharedUrl;
    const ACTION: Action = Action::GetTensorboardSharedUrl;
    const METHOD: reqwest::Method = reqwest::Method::GET;

    fn path(&self) -> String {
        format!("{PATH}/{}/sharedurl", segment(self.tensorboard_id.as_str()))
    }

    fn query(&self) -> Query {
        [(
            "ExpireTimeSeconds".into(),
            self.expire.as_secs().to_string(),
        )]
        .into()
    }

    /// The URL is shared as it is, so it must be one a member can open and Discord accepts
    /// in a link button: http(s), a host, no spaces or hidden characters. Anything else is a
    /// malformed answer (described, never quoted), not a link that the audit log calls
    /// issued while the member's reply is refused.
    fn decode(&self, body: &[u8]) -> Result<TensorboardSharedUrl, Malformed> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Answer {
            request_id: Option<String>,
            tensorboard_shared_url: Option<String>,
        }
        let answer: Answer = json(body)?;
        let request_id = answer.request_id.unwrap_or_default();
        let malformed = |reason: &str| Malformed {
            reason: reason.into(),
            request_id: Some(request_id.clone()).filter(|r| !r.is_empty()),
        };
        match answer.tensorboard_shared_url.filter(|u| !u.is_empty()) {
            Some(url) if opens(&url) => Ok(TensorboardSharedUrl {
                url: url.into(),
                request_id,
            }),
            Some(_) => Err(malformed(
                "the TensorboardSharedUrl is not an http(s) address",
            )),
            None => Err(malformed("no TensorboardSharedUrl in the response")),
        }
    }
}

fn opens(url: &str) -> bool {
    let whole = !url
        .chars()
        .any(|c| c.is_whitespace() || crate::safe_text::is_hidden(c));
    whole && url::Url::parse(url).is_ok_and(|u| crate::share::is_web_link(&u))
}

impl PaiDlcClient {
    pub async fn get_tensorboard(
        &self,
        tensorboard_id: &TargetId,
    ) -> Result<Tensorboard, AliyunError> {
        self.call(&GetTensorboard {
            tensorboard_id: tensorboard_id.clone(),
        })
        .await
    }

    pub async fn list_tensorboards(
        &self,
        request: &ListTensorboards,
    ) -> Result<TensorboardPage, AliyunError> {
        self.call(request).await
    }

    pub async fn get_tensorboard_shared_url(
        &self,
        tensorboard_id: &TargetId,
        expire: Expiry,
    ) -> Result<TensorboardSharedUrl, AliyunError> {
        self.call(&GetTensorboardSharedUrl {
            tensorboard_id: tensorboard_id.clone(),
            expire,
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aliyun::client::parse_response;
    use secrecy::ExposeSecret;

    const TB: &str = r#"{"TensorboardId":"tb1","DisplayName":"loss curves","Status":"Running","WorkspaceId":"ws-2","JobId":"dlc1"}"#;

    fn id(s: &str) -> TargetId {
        TargetId::parse(s).unwrap()
    }

    #[test]
    fn tensorboards_are_read_with_or_without_a_job() {
        let op = GetTensorboard {
            tensorboard_id: id("tb1"),
        };
        assert_eq!(op.path(), "/api/v1/tensorboards/tb1");
        let tb = parse_response(&op, 200, TB.as_bytes(), None).unwrap();
        assert_eq!(tb.job_id.as_deref(), Some("dlc1"));
        let from_storage = TB.replace(r#","JobId":"dlc1""#, "");
        let tb = parse_response(&op, 200, from_storage.as_bytes(), None).unwrap();
        assert_eq!((tb.job_id, tb.workspace_id.as_str()), (None, "ws-2"));
        let nameless = TB.replace(r#""DisplayName":"loss curves","#, "");
        let e = parse_response(&op, 200, nameless.as_bytes(), None).unwrap_err();
        assert!(e.to_string().contains("no DisplayName"), "{e}");
    }

    #[test]
    fn a_page_of_tensorboards() {
        let op = ListTensorboards {
            workspace_id: Some("ws-2".into()),
            page_size: 10,
            page_number: 2,
        };
        assert_eq!(op.path(), "/api/v1/tensorboards");
        let q = op.query();
        assert_eq!(
            (
                q["WorkspaceId"].as_str(),
                q["PageSize"].as_str(),
                q["PageNumber"].as_str()
            ),
            ("ws-2", "10", "2")
        );
        let body = format!(r#"{{"RequestId":"R","TotalCount":11,"Tensorboards":[{TB}]}}"#);
        let page = parse_response(&op, 200, body.as_bytes(), None).unwrap();
        assert_eq!((page.tensorboards.len(), page.total_count), (1, 11));
        let e = parse_response(&op, 200, br#"{"TotalCount":1}"#, None).unwrap_err();
        assert!(e.to_string().contains("no Tensorboards"), "{e}");
    }

    #[test]
    fn the_shared_url_is_a_secret_and_never_quoted() {
        let op = GetTensorboardSharedUrl {
            tensorboard_id: id("tb1"),
            expire: Expiry::HARD_MAX,
        };
        assert_eq!(op.path(), "/api/v1/tensorboards/tb1/sharedurl");
        assert_eq!(op.query()["ExpireTimeSeconds"], "604800");
        let url = "https://pai.console.aliyun.com/tb?token=s3cr3t";
        let body = format!(r#"{{"RequestId":"R","TensorboardSharedUrl":"{url}"}}"#);
        let shared = parse_response(&op, 200, body.as_bytes(), None).unwrap();
        assert_eq!(shared.url.expose_secret(), url);
        assert_eq!(shared.request_id, "R");
        assert!(!format!("{:?}", shared.url).contains("s3cr3t"));
        for body in [
            r#"{"RequestId":"R"}"#.to_owned(),
            r#"{"RequestId":"R","TensorboardSharedUrl":""}"#.to_owned(),
        ] {
            let e = parse_response(&op, 200, body.as_bytes(), None)
                .err()
                .unwrap();
            assert!(e.to_string().contains("no TensorboardSharedUrl"), "{e}");
        }
        for bad in [
            "javascript:alert(1)//s3cr3t",
            "s3cr3t",
            "https://?s3cr3t",
            "https://pai.console.aliyun.com/tb?token=s3cr3t )[x](https://evil",
            "https://pai.console.aliyun.com/tb?token=s3cr3t\u{202e}",
            "file:///s3cr3t",
            "ftp://pai.console.aliyun.com/s3cr3t",
        ] {
            let body = serde_json::json!({"RequestId": "R", "TensorboardSharedUrl": bad});
            let e = parse_response(&op, 200, body.to_string().as_bytes(), None)
                .err()
                .unwrap_or_else(|| panic!("{bad} was taken for a URL"));
            let shown = e.to_string();
            assert!(shown.contains("not an http(s) address"), "{shown}");
            assert!(!shown.contains("s3cr3t"), "{shown}");
            assert_eq!(e.request_id(), Some("R"), "{bad}");
        }
        let e = parse_response(
            &op,
            200,
            br#"{"TensorboardSharedUrl":{"u":"s3cr3t"}}"#,
            None,
        )
        .err()
        .unwrap();
        assert!(!e.to_string().contains("s3cr3t"), "{e}");
    }
}
