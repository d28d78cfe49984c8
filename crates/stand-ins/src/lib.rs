//! Local stand-ins for the services `dlc-share-bot` talks to, and a harness that runs the real
//! bot binary against them: the test suite (`tests/suite`), the load harness
//! (`benches/load.rs`) and the demo (`scripts/demo.sh`) all drive the bot through this code.
//!
//! - [`discord`]: a Discord-compatible REST + gateway server that a real serenity client talks
//!   to, enforcing the rules that make real bots fail (deadlines, limits, refusals).
//! - [`pai_dlc`]: a PAI-DLC endpoint that verifies request signatures and answers GetToken
//!   and the job and TensorBoard look-ups over a small catalogue.
//! - [`postgres`]: a fresh database per run on the server `DATABASE_URL` names.
//! - [`proxy`]: a TCP proxy that can go silent, for "PostgreSQL reachable but not answering".
//! - [`bot`]: the bot process wired to all of the above.

pub mod bot;
pub mod discord;
pub mod pai_dlc;
pub mod postgres;
pub mod proxy;
