//! GetJob / GetTensorboard as the core's `TargetLookup`: a 404-like answer is "not found",
//! every other failure keeps its upstream code so that the core can fail closed with it.

use super::client::{AliyunError, PaiDlcClient};
use crate::share::ports::{IssueFailure, IssueFailureKind};
use crate::share::{LookupError, TargetDetails, TargetId, TargetLookup, TargetType, WorkspaceId};

impl TargetLookup for PaiDlcClient {
    async fn look_up(
        &self,
        target_type: TargetType,
        target_id: &TargetId,
    ) -> Result<TargetDetails, LookupError> {
        let found = match target_type {
            TargetType::Job => self.get_job(target_id).await.map(|job| {
                (
                    job.display_name,
                    job.status,
                    job.workspace_id,
                    job.workspace_name,
                )
            }),
            TargetType::Tensorboard => self
                .get_tensorboard(target_id)
                .await
                .map(|tb| (tb.display_name, tb.status, tb.workspace_id, None)),
        };
        let (name, status, workspace, workspace_name) = found.map_err(|e| failed(&e))?;
        // A workspace id that is not one is an answer the bot cannot check a rule against.
        let workspace_id = WorkspaceId::parse(&workspace).map_err(|_| {
            LookupError::Failed(IssueFailure {
                kind: IssueFailureKind::BadResponse,
                code: "InvalidResponse".into(),
                message: "the look-up answered a workspace id that is not one".into(),
                request_id: None,
            })
        })?;
        Ok(TargetDetails::new(
            &name,
            &status,
            workspace_id,
            workspace_name.as_deref(),
        ))
    }
}

fn failed(e: &AliyunError) -> LookupError {
    if e.is_not_found() {
        return LookupError::NotFound;
    }
    tracing::warn!(
        code = e.code(),
        request_id = e.request_id(),
        missing_ram_action = e.missing_ram_action(),
        "target look-up failed"
    );
    LookupError::Failed(IssueFailure::from(e))
}
