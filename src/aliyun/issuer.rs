//! The PAI-DLC client's GetToken and GetTensorboardSharedUrl as the core's `TokenIssuer`: maps
//! transport and API errors to the few kinds of failure a user or operator acts on.

use super::client::{AliyunError, PaiDlcClient};
use super::ops::get_token::GetTokenRequest;
use crate::share::ports::{IssueFailure, IssueFailureKind, IssuedToken, SharedUrl, TokenIssuer};
use crate::share::{Expiry, TargetId, TargetType};

impl From<&AliyunError> for IssueFailure {
    fn from(e: &AliyunError) -> Self {
        let last = e.last();
        let kind = match last {
            _ if e.is_credential_error() => IssueFailureKind::Unauthorized,
            AliyunError::Api {
                status: 401 | 403, ..
            } => IssueFailureKind::Unauthorized,
            AliyunError::Api { .. }
                if last.is_retryable() && e.code().starts_with("Throttling") =>
            {
                IssueFailureKind::Throttled
            }
            AliyunError::Api {
                retry_after: Some(_),
                ..
            } => IssueFailureKind::Throttled,
            AliyunError::Api { status, .. } if *status >= 500 => IssueFailureKind::Unavailable,
            AliyunError::Api { .. }
            | AliyunError::NotFound { .. }
            | AliyunError::InvalidRequest { .. } => IssueFailureKind::Rejected,
            AliyunError::InvalidResponse { status, .. } if *status >= 500 => {
                IssueFailureKind::Unavailable
            }
            AliyunError::InvalidResponse { .. } => IssueFailureKind::BadResponse,
            AliyunError::Timeout { .. }
            | AliyunError::Network { .. }
            | AliyunError::Endpoint(_) => IssueFailureKind::Unavailable,
            AliyunError::Exhausted { .. } => unreachable!("last() unwraps Exhausted"),
        };
        IssueFailure {
            kind,
            code: e.code().to_owned(),
            message: e.to_string(),
            request_id: e.request_id().map(str::to_owned),
        }
    }
}

impl TokenIssuer for PaiDlcClient {
    async fn get_token(
        &self,
        target_type: TargetType,
        target_id: &TargetId,
        expiry: Expiry,
    ) -> Result<IssuedToken, IssueFailure> {
        let req = GetTokenRequest {
            target_type,
            target_id: target_id.as_str().to_owned(),
            expire_seconds: expiry.as_secs(),
        };
        match PaiDlcClient::get_token(self, &req).await {
            Ok(r) => Ok(IssuedToken {
                token: r.token,
                request_id: r.request_id,
            }),
            Err(e) => {
                tracing::warn!(code = e.code(), request_id = e.request_id(), error = %e, "GetToken failed");
                Err(IssueFailure::from(&e))
            }
        }
    }

    async fn get_tensorboard_shared_url(
        &self,
        tensorboard_id: &TargetId,
        expiry: Expiry,
    ) -> Result<SharedUrl, IssueFailure> {
        match PaiDlcClient::get_tensorboard_shared_url(self, tensorboard_id, expiry).await {
            Ok(r) => Ok(SharedUrl {
                url: r.url,
                request_id: r.request_id,
            }),
            Err(e) => {
                // The error never holds the URL: there is none when the call fails, and a
                // malformed answer is described, not quoted.
                tracing::warn!(code = e.code(), request_id = e.request_id(), error = %e, "GetTensorboardSharedUrl failed");
                Err(IssueFailure::from(&e))
            }
        }
    }

    fn region(&self) -> &str {
        PaiDlcClient::region(self)
    }
}
