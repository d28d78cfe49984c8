//! The stand-ins crate's bot harness, running the `dlc-share-bot` binary Cargo built for this
//! test run. Everything else (constants, assertions, the harness's methods) is the crate's.

use std::ops::{Deref, DerefMut};
use std::path::Path;

pub use dlc_share_stand_ins::bot::{
    ALLOWED_ROLE, DISCORD_TOKEN, Env, OTHER_ROLE, REPLY_TIMEOUT, assert_says, assert_well_formed,
    wait_until,
};

/// The bot as Cargo built it for the integration tests.
const BINARY: &str = env!("CARGO_BIN_EXE_dlc-share-bot");

/// [`dlc_share_stand_ins::bot::BotHarness`] started with [`BINARY`].
pub struct BotHarness(dlc_share_stand_ins::bot::BotHarness);

impl BotHarness {
    pub async fn start(name: &str, env: Env<'_>) -> BotHarness {
        Self(dlc_share_stand_ins::bot::BotHarness::start(binary(), name, env).await)
    }

    pub async fn start_limited(name: &str, env: Env<'_>, nofile: u64) -> BotHarness {
        Self(dlc_share_stand_ins::bot::BotHarness::start_limited(binary(), name, env, nofile).await)
    }

    pub async fn start_via_proxy(name: &str, env: Env<'_>) -> BotHarness {
        Self(dlc_share_stand_ins::bot::BotHarness::start_via_proxy(binary(), name, env).await)
    }

    pub async fn start_http(name: &str, env: Env<'_>) -> BotHarness {
        Self(dlc_share_stand_ins::bot::BotHarness::start_http(binary(), name, env).await)
    }
}

fn binary() -> &'static Path {
    Path::new(BINARY)
}

impl Deref for BotHarness {
    type Target = dlc_share_stand_ins::bot::BotHarness;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl DerefMut for BotHarness {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}
