//! dlc-share-bot: share Alibaba Cloud PAI-DLC jobs and TensorBoards from Discord.

pub mod aliyun;
pub mod app;
pub mod cli;
pub mod clock;
pub mod config;
pub mod discord;
pub mod http;
pub mod safe_text;
pub mod share;
pub mod store;
pub mod suggestions;
pub mod telemetry;
