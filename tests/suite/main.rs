//! The integration and end-to-end tests, one module per area, in one test binary so that the
//! shared `support` tree (local Discord, PAI-DLC and PostgreSQL stand-ins, the bot-process
//! harness) compiles once. The end-to-end modules run the real `dlc-share-bot` binary.

mod support;

mod approvals_e2e;
mod bot_e2e;
mod bot_lifecycle;
mod cli_check;
mod cli_register;
mod cli_token;
mod discord_server;
mod docs;
mod gettoken_client;
mod guardrails_e2e;
mod http_endpoints;
mod http_mode;
mod languages_e2e;
mod links_e2e;
mod lookup_e2e;
mod observability;
mod pai_dlc_client;
mod signing_vectors;
mod store;
mod suggest_e2e;
mod trust_e2e;
