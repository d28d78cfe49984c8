//! Local stand-ins for Discord, Alibaba Cloud and PostgreSQL used by the integration tests.
#![allow(dead_code)] // each test binary uses a different subset
pub mod bot;
pub mod cli;
pub mod discord;
pub mod gettoken;
pub mod postgres;
pub mod proxy;
