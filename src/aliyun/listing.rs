//! ListJobs / ListTensorboards as the suggestion cache's `ListTargets`: one page of the most
//! recent targets, as candidates. Entries that cannot be candidates (an id `/share` would
//! refuse, a workspace id that is not one) are left out but still counted as received, so
//! that paging goes on.

use super::client::PaiDlcClient;
use super::ops::jobs::ListJobs;
use super::ops::tensorboards::ListTensorboards;
use crate::share::ports::IssueFailure;
use crate::share::{Candidate, ListTargets, ListedPage, TargetType, WorkspaceId};

impl ListTargets for PaiDlcClient {
    async fn list_page(
        &self,
        target_type: TargetType,
        workspace: Option<&WorkspaceId>,
        page: u32,
        page_size: u32,
    ) -> Result<ListedPage, IssueFailure> {
        let workspace_id = workspace.map(|w| w.as_str().to_owned());
        match target_type {
            TargetType::Job => {
                let request = ListJobs {
                    workspace_id,
                    display_name: None,
                    page_size,
                    page_number: page,
                };
                let listed = self.list_jobs(&request).await.map_err(|e| failed(&e))?;
                Ok(ListedPage {
                    received: listed.jobs.len(),
                    total: listed.total_count,
                    candidates: listed
                        .jobs
                        .iter()
                        .filter_map(|j| {
                            Candidate::new(
                                &j.job_id,
                                &j.display_name,
                                &j.status,
                                &j.workspace_id,
                                Some(j.gmt_create_time),
                            )
                        })
                        .collect(),
                })
            }
            TargetType::Tensorboard => {
                let request = ListTensorboards {
                    workspace_id,
                    page_size,
                    page_number: page,
                };
                let listed = self
                    .list_tensorboards(&request)
                    .await
                    .map_err(|e| failed(&e))?;
                Ok(ListedPage {
                    received: listed.tensorboards.len(),
                    total: listed.total_count,
                    candidates: listed
                        .tensorboards
                        .iter()
                        .filter_map(|t| {
                            Candidate::new(
                                &t.tensorboard_id,
                                &t.display_name,
                                &t.status,
                                &t.workspace_id,
                                None,
                            )
                        })
                        .collect(),
                })
            }
        }
    }
}

/// The failure as the cache logs and counts it; a missing RAM action is worth its own field.
fn failed(e: &super::AliyunError) -> IssueFailure {
    if let Some(action) = e.missing_ram_action() {
        tracing::warn!(
            missing_ram_action = action,
            "listing for suggestions was refused"
        );
    }
    IssueFailure::from(e)
}
