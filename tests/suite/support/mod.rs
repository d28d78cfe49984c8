//! The stand-ins the suite runs against (the `dlc-share-stand-ins` crate: local Discord,
//! PAI-DLC and PostgreSQL), and the glue only a test of this package can provide: the path of
//! the `dlc-share-bot` binary Cargo built for it.
pub use dlc_share_stand_ins::{discord, pai_dlc, postgres, proxy};

pub mod bot;
pub mod cli;
pub mod rlimit;

/// `text` contains `needle`, or the test fails showing the whole text.
#[track_caller]
pub fn has(text: &str, needle: &str) {
    assert!(text.contains(needle), "expected {needle:?} in:\n{text}");
}

/// A member holding the allowed role shares `id` of `target` (`job` or `tensorboard`): the
/// interaction id and what the member read last.
pub async fn share(h: &bot::BotHarness, target: &str, id: &str) -> (String, String) {
    let command = discord::CommandInteraction::share(target)
        .option_str("id", id)
        .roles([bot::ALLOWED_ROLE]);
    let (interaction, reply) = h.ask(command.build()).await;
    (interaction, reply.final_content())
}
