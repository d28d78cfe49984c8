//! The stand-ins the suite runs against (the `dlc-share-stand-ins` crate: local Discord,
//! PAI-DLC and PostgreSQL), and the glue only a test of this package can provide: the path of
//! the `dlc-share-bot` binary Cargo built for it.
pub use dlc_share_stand_ins::{discord, pai_dlc, postgres, proxy};

pub mod bot;
pub mod cli;
pub mod rlimit;
