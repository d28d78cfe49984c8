//! `GetJob` and `ListJobs`: what a job is called, where it lives and how it is doing, so that
//! a share can be checked and shown before a token exists.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::{Action, Malformed, Operation, json, segment};
use crate::aliyun::client::{AliyunError, PaiDlcClient};
use crate::aliyun::signer::Query;
use crate::share::TargetId;

pub const PATH: &str = "/api/v1/jobs";

/// A job as PAI-DLC describes it. `display_name` is whatever its creator typed (markdown,
/// mentions, bidi controls, any length): data to escape where it is shown, never markup.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Job {
    pub job_id: String,
    pub display_name: String,
    pub status: String,
    pub workspace_id: String,
    /// Absent from some answers; the id is what rules are written against.
    pub workspace_name: Option<String>,
    pub user_id: String,
    pub job_type: String,
    /// Parsed rather than kept as text, so that jobs from several pages or workspaces can be
    /// put in one order.
    pub gmt_create_time: DateTime<Utc>,
}

/// One job by id. `NeedDetail=false`: the pods and their events are not needed to share a
/// job, and they make the answer large.
#[derive(Debug, Clone)]
pub struct GetJob {
    pub job_id: TargetId,
}

impl Operation for GetJob {
    type Output = Job;
    const ACTION: Action = Action::GetJob;
    const METHOD: reqwest::Method = reqwest::Method::GET;

    fn path(&self) -> String {
        format!("{PATH}/{}", segment(self.job_id.as_str()))
    }

    fn query(&self) -> Query {
        [("NeedDetail".into(), "false".into())].into()
    }

    fn decode(&self, body: &[u8]) -> Result<Job, Malformed> {
        json(body)
    }
}

/// One page of the most recent jobs first. Without `StartTime`/`EndTime` PAI-DLC lists the
/// last 7 days only, which is what suggestions want.
#[derive(Debug, Clone)]
pub struct ListJobs {
    /// `None`: every workspace the caller may list.
    pub workspace_id: Option<String>,
    /// A case-insensitive substring of the display name; `None` or empty: any name.
    pub display_name: Option<String>,
    pub page_size: u32,
    /// From 1.
    pub page_number: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct JobPage {
    pub jobs: Vec<Job>,
    /// All matching jobs, not only this page's.
    pub total_count: u64,
}

impl Operation for ListJobs {
    type Output = JobPage;
    const ACTION: Action = Action::ListJobs;
    const METHOD: reqwest::Method = reqwest::Method::GET;

    fn path(&self) -> String {
        PATH.to_owned()
    }

    fn query(&self) -> Query {
        let mut q = Query::new();
        let optional = [
            ("WorkspaceId", &self.workspace_id),
            ("DisplayName", &self.display_name),
        ];
        for (name, value) in optional {
            if let Some(value) = value.as_ref().filter(|v| !v.is_empty()) {
                q.insert(name.into(), value.clone());
            }
        }
        q.insert("PageSize".into(), self.page_size.to_string());
        q.insert("PageNumber".into(), self.page_number.to_string());
        q.insert("SortBy".into(), "GmtCreateTime".into());
        q.insert("Order".into(), "desc".into());
        q
    }

    fn decode(&self, body: &[u8]) -> Result<JobPage, Malformed> {
        json(body)
    }
}

impl PaiDlcClient {
    pub async fn get_job(&self, job_id: &TargetId) -> Result<Job, AliyunError> {
        self.call(&GetJob {
            job_id: job_id.clone(),
        })
        .await
    }

    pub async fn list_jobs(&self, request: &ListJobs) -> Result<JobPage, AliyunError> {
        self.call(request).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aliyun::client::parse_response;

    const JOB: &str = r#"{"JobId":"dlc1","DisplayName":"**bold** <@123> \u202egnp.exe","Status":"Running","WorkspaceId":"ws-1","WorkspaceName":"Vision","UserId":"2001","JobType":"PyTorchJob","GmtCreateTime":"2026-12-01T08:30:00Z","Pods":[]}"#;

    fn get_job() -> GetJob {
        GetJob {
            job_id: TargetId::parse("dlc1").unwrap(),
        }
    }

    #[test]
    fn get_job_asks_for_the_job_without_its_pods() {
        let op = get_job();
        assert_eq!(op.path(), "/api/v1/jobs/dlc1");
        assert_eq!(
            op.query(),
            Query::from([("NeedDetail".into(), "false".into())])
        );
    }

    #[test]
    fn a_job_is_read_as_sent_display_name_included() {
        let body = format!(r#"{{"RequestId":"R",{}"#, &JOB[1..]);
        let job = parse_response(&get_job(), 200, body.as_bytes(), None).unwrap();
        assert_eq!(job.display_name, "**bold** <@123> \u{202e}gnp.exe");
        assert_eq!(job.workspace_name.as_deref(), Some("Vision"));
        assert_eq!(
            job.gmt_create_time.to_rfc3339(),
            "2026-12-01T08:30:00+00:00"
        );
        let without_name = JOB.replace(r#""WorkspaceName":"Vision","#, "");
        let job = parse_response(&get_job(), 200, without_name.as_bytes(), None).unwrap();
        assert_eq!(job.workspace_name, None);
        assert_eq!(job.job_type, "PyTorchJob");
    }

    #[test]
    fn a_job_without_its_fields_is_a_decode_error() {
        for field in [
            "JobId",
            "DisplayName",
            "Status",
            "WorkspaceId",
            "UserId",
            "JobType",
        ] {
            let body = JOB.replace(&format!(r#""{field}":"#), r#""Other":"#);
            let e = parse_response(&get_job(), 200, body.as_bytes(), None).unwrap_err();
            assert!(
                matches!(e, AliyunError::InvalidResponse { status: 200, .. }),
                "{field}: {e:?}"
            );
            assert!(
                e.to_string()
                    .contains(&format!("no {field} in the response")),
                "{e}"
            );
        }
        let bad_time = JOB.replace("2026-12-01T08:30:00Z", "yesterday");
        let e = parse_response(&get_job(), 200, bad_time.as_bytes(), None).unwrap_err();
        assert!(e.to_string().contains("unexpected shape"), "{e}");
        let e = parse_response(&get_job(), 200, b"<html>", None).unwrap_err();
        assert!(e.to_string().contains("not JSON"), "{e}");
    }

    #[test]
    fn list_jobs_sends_the_newest_first_and_only_the_filters_given() {
        let mut op = ListJobs {
            workspace_id: Some("ws-1".into()),
            display_name: Some("bert large".into()),
            page_size: 25,
            page_number: 1,
        };
        let q = op.query();
        assert_eq!(q["WorkspaceId"], "ws-1");
        assert_eq!(q["DisplayName"], "bert large");
        assert_eq!(
            (q["PageSize"].as_str(), q["PageNumber"].as_str()),
            ("25", "1")
        );
        assert_eq!(
            (q["SortBy"].as_str(), q["Order"].as_str()),
            ("GmtCreateTime", "desc")
        );
        op.workspace_id = None;
        op.display_name = Some(String::new());
        let q = op.query();
        assert!(
            !q.contains_key("WorkspaceId") && !q.contains_key("DisplayName"),
            "{q:?}"
        );
        assert_eq!(op.path(), "/api/v1/jobs");
    }

    #[test]
    fn a_page_of_jobs_is_read_whole_or_not_at_all() {
        let op = ListJobs {
            workspace_id: None,
            display_name: None,
            page_size: 2,
            page_number: 1,
        };
        let body = format!(r#"{{"RequestId":"R","TotalCount":7,"Jobs":[{JOB},{JOB}]}}"#);
        let page = parse_response(&op, 200, body.as_bytes(), None).unwrap();
        assert_eq!((page.jobs.len(), page.total_count), (2, 7));
        let broken = format!(
            r#"{{"RequestId":"R","TotalCount":2,"Jobs":[{JOB},{}]}}"#,
            JOB.replace(r#""Status":"Running","#, "")
        );
        let e = parse_response(&op, 200, broken.as_bytes(), None).unwrap_err();
        assert!(e.to_string().contains("no Status in the response"), "{e}");
        assert_eq!(e.request_id(), Some("R"));
        let e = parse_response(&op, 200, br#"{"RequestId":"R","Jobs":[]}"#, None).unwrap_err();
        assert!(e.to_string().contains("no TotalCount"), "{e}");
    }
}
