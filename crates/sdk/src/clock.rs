//! Clocks: where quote time bounds and nonce keys get their time from.
//!
//! The SDK reads the clock for a quote's default time bounds (`floor(now / 1000)`) and for the
//! free 3-byte part of every nonce key (`now % 16777215`, in milliseconds). Its nonce manager
//! guarantees a different millisecond per reading, so every userOp of a quote gets its own key;
//! [`SystemClock`] does the same process-wide. [`SteppingClock`] replays a fixed start that
//! advances by one millisecond per reading, which is how the golden vectors were recorded.

use std::{
    fmt,
    sync::atomic::{AtomicU64, Ordering},
    time::{SystemTime, UNIX_EPOCH},
};

/// A source of unix time in milliseconds.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current time in milliseconds. Successive readings should differ, so nonce keys do.
    fn now_millis(&self) -> u64;

    /// The current time in whole seconds (`floor(now_millis / 1000)`), as the SDK derives
    /// quote time bounds.
    fn now_secs(&self) -> u64 {
        self.now_millis() / 1000
    }
}

/// The system clock, strictly increasing across the process: a reading never repeats an
/// earlier one (when two readings fall in the same millisecond, the later one is moved on by
/// one).
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

static LAST_MILLIS: AtomicU64 = AtomicU64::new(0);

impl Clock for SystemClock {
    fn now_millis(&self) -> u64 {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|elapsed| elapsed.as_millis() as u64)
            .unwrap_or(0);
        let mut last = LAST_MILLIS.load(Ordering::Relaxed);
        loop {
            let next = now.max(last + 1);
            match LAST_MILLIS.compare_exchange_weak(
                last,
                next,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return next,
                Err(actual) => last = actual,
            }
        }
    }

    /// The wall clock's seconds, not the strictly increasing readings: those run ahead of real
    /// time when the clock is read faster than once a millisecond (thousands of nonce keys in a
    /// burst), and time bounds taken from them would lie in the future, so a node would hold the
    /// userOps back until real time caught up. (The TypeScript SDK likewise takes bounds from
    /// `Date.now()` and only its nonce keys from its nonce manager.)
    fn now_secs(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|elapsed| elapsed.as_secs())
            .unwrap_or(0)
    }
}

/// A clock that starts at a fixed time and advances by one millisecond per reading.
#[derive(Debug)]
pub struct SteppingClock {
    next: AtomicU64,
}

impl SteppingClock {
    /// A clock whose first reading is `start_millis`.
    pub const fn new(start_millis: u64) -> Self {
        Self {
            next: AtomicU64::new(start_millis),
        }
    }

    /// The value the next reading returns, without advancing.
    pub fn peek(&self) -> u64 {
        self.next.load(Ordering::Relaxed)
    }
}

impl Clock for SteppingClock {
    fn now_millis(&self) -> u64 {
        self.next.fetch_add(1, Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_clock_never_repeats() {
        let readings: Vec<u64> = (0..1000).map(|_| SystemClock.now_millis()).collect();
        assert!(readings.windows(2).all(|pair| pair[1] > pair[0]));
    }

    #[test]
    fn system_clock_seconds_follow_the_wall_clock_after_a_burst_of_readings() {
        // 20,000 readings in a tight loop push the strictly increasing readings seconds ahead
        // of real time; the seconds used for time bounds must not follow them.
        for _ in 0..20_000 {
            SystemClock.now_millis();
        }
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let secs = SystemClock.now_secs();
        assert!(
            secs <= wall + 1 && secs + 1 >= wall,
            "{secs} vs wall {wall}"
        );
    }

    #[test]
    fn stepping_clock_advances_by_one() {
        let clock = SteppingClock::new(1_735_689_600_000);
        assert_eq!(clock.now_secs(), 1_735_689_600);
        assert_eq!(clock.now_millis(), 1_735_689_600_001);
        assert_eq!(clock.peek(), 1_735_689_600_002);
    }
}
