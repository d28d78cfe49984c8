//! dlc-share-bot: share Alibaba Cloud PAI-DLC jobs and TensorBoards from Discord.

pub mod aliyun;
pub mod config;
pub mod share;
