//! `GetToken`: a token that opens one job or TensorBoard to whoever holds the link.

use secrecy::SecretString;
use serde::Deserialize;

use super::{Action, Malformed, Operation, json};
use crate::aliyun::client::{AliyunError, PaiDlcClient};
use crate::aliyun::signer::Query;
use crate::config::AliyunSettings;
use crate::share::TargetType;

pub const PATH: &str = "/api/v1/tokens";

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

/// The operator's `TokenSettings.*` choices (`aliyun.enable_*`); one unset is not sent, so
/// the server's default applies.
#[derive(Debug, Clone, Default)]
pub struct TokenSettings(Vec<(&'static str, bool)>);

impl From<&AliyunSettings> for TokenSettings {
    fn from(settings: &AliyunSettings) -> Self {
        let mut sent = Vec::new();
        if let Some(v) = settings.enable_cross_account_access {
            sent.push(("TokenSettings.EnableCrossAccountAccess", v));
        }
        if let Some(v) = settings.enable_log_download_job {
            sent.push(("TokenSettings.EnableLogDownloadJob", v));
        }
        TokenSettings(sent)
    }
}

pub struct GetToken<'a> {
    pub request: &'a GetTokenRequest,
    pub settings: &'a TokenSettings,
}

impl Operation for GetToken<'_> {
    type Output = GetTokenResponse;
    const ACTION: Action = Action::GetToken;
    const METHOD: reqwest::Method = reqwest::Method::GET;

    fn path(&self) -> String {
        PATH.to_owned()
    }

    fn query(&self) -> Query {
        let req = self.request;
        let mut q = Query::new();
        q.insert("TargetType".into(), req.target_type.as_str().into());
        q.insert("TargetId".into(), req.target_id.clone());
        q.insert("ExpireTime".into(), req.expire_seconds.to_string());
        for (name, value) in &self.settings.0 {
            q.insert((*name).into(), if *value { "True" } else { "False" }.into());
        }
        q
    }

    /// An empty `Token` is as useless as none.
    fn decode(&self, body: &[u8]) -> Result<GetTokenResponse, Malformed> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Answer {
            request_id: Option<String>,
            token: Option<String>,
        }
        let answer: Answer = json(body)?;
        let request_id = answer.request_id.unwrap_or_default();
        match answer.token.filter(|t| !t.is_empty()) {
            Some(token) => Ok(GetTokenResponse {
                token: token.into(),
                request_id,
            }),
            None => Err(Malformed {
                reason: "no Token in the response".into(),
                request_id: Some(request_id).filter(|r| !r.is_empty()),
            }),
        }
    }
}

impl PaiDlcClient {
    /// GetToken with the operator's token settings.
    pub async fn get_token(&self, req: &GetTokenRequest) -> Result<GetTokenResponse, AliyunError> {
        self.call(&GetToken {
            request: req,
            settings: self.token_settings(),
        })
        .await
    }
}
