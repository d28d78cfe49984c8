//! Alibaba Cloud PAI-DLC adapter: signatures, credentials and the GetToken client.

pub mod client;
pub mod credentials;
mod issuer;
pub mod signer;

pub use client::{AliyunError, GetTokenClient, GetTokenRequest, GetTokenResponse};
pub use credentials::{Credentials, CredentialsError};
