//! Local stand-ins for Discord, Alibaba Cloud and PostgreSQL used by the integration tests.
pub mod bot;
pub mod cli;
pub mod discord;
pub mod gettoken;
pub mod postgres;
pub mod proxy;
pub mod rlimit;
