//! The system clock behind the core's [`Clock`] port.

use chrono::{DateTime, Utc};

use crate::share::ports::Clock;

/// The machine's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}
