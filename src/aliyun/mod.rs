//! Alibaba Cloud PAI-DLC adapter: signatures, credentials, the client and its operations.

pub mod client;
pub mod credentials;
mod issuer;
mod listing;
mod lookup;
pub mod ops;
pub mod signer;

pub use client::{AliyunError, PaiDlcClient};
pub use credentials::{Credentials, CredentialsError};
pub use ops::Action;
pub use ops::get_token::{GetTokenRequest, GetTokenResponse};
pub use ops::jobs::{Job, JobPage, ListJobs};
pub use ops::tensorboards::{ListTensorboards, Tensorboard, TensorboardPage, TensorboardSharedUrl};
