//! The device clock. Every device reads time only from its [`Clock`].
//!
//! A clock follows real time from an anchor (the *system* behaviour), or stands still
//! (*frozen*, the manual behaviour tests want). It can be set and advanced at any time through
//! the control API; waiters in [`Clock::sleep_until`] wake when device time reaches their
//! deadline, whether real time passed or someone advanced the clock.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::sync::watch;

/// Milliseconds since the Unix epoch, UTC.
pub type EpochMs = i64;

#[derive(Debug, Clone, Copy)]
struct State {
    /// Real instant at which `anchor_ms` was the device time.
    anchor_real: Instant,
    /// Device time at `anchor_real`.
    anchor_ms: EpochMs,
    frozen: bool,
}

/// A cheap-clone handle on one device's clock.
#[derive(Clone)]
pub struct Clock {
    state: Arc<Mutex<State>>,
    /// Bumped on every set/advance/freeze so sleepers recompute their deadline.
    changed: Arc<watch::Sender<u64>>,
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Clock").field("now_ms", &self.now_ms()).field("frozen", &self.is_frozen()).finish()
    }
}

/// What the control API reports about a clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ClockInfo {
    pub now_ms: EpochMs,
    pub frozen: bool,
}

fn system_now_ms() -> EpochMs {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_millis() as EpochMs,
        Err(e) => -(e.duration().as_millis() as EpochMs),
    }
}

impl Clock {
    fn with(anchor_ms: EpochMs, frozen: bool) -> Self {
        let (tx, _) = watch::channel(0);
        Clock {
            state: Arc::new(Mutex::new(State { anchor_real: Instant::now(), anchor_ms, frozen })),
            changed: Arc::new(tx),
        }
    }

    /// A clock that follows the host's real time.
    pub fn system() -> Self {
        Self::with(system_now_ms(), false)
    }

    /// A clock frozen at `start_ms`; it moves only when set or advanced.
    pub fn manual(start_ms: EpochMs) -> Self {
        Self::with(start_ms, true)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A poisoned clock mutex only means a panic elsewhere; the state is still a valid pair.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn now_locked(s: &State) -> EpochMs {
        if s.frozen {
            s.anchor_ms
        } else {
            s.anchor_ms + s.anchor_real.elapsed().as_millis() as EpochMs
        }
    }

    /// Device time in milliseconds since the epoch.
    pub fn now_ms(&self) -> EpochMs {
        Self::now_locked(&self.lock())
    }

    /// Device time in whole seconds since the epoch (floor).
    pub fn now_secs(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }

    pub fn is_frozen(&self) -> bool {
        self.lock().frozen
    }

    pub fn info(&self) -> ClockInfo {
        let s = self.lock();
        ClockInfo { now_ms: Self::now_locked(&s), frozen: s.frozen }
    }

    fn notify(&self) {
        self.changed.send_modify(|v| *v = v.wrapping_add(1));
    }

    /// Jump to `ms`. A running clock keeps running from there.
    pub fn set_ms(&self, ms: EpochMs) {
        {
            let mut s = self.lock();
            s.anchor_real = Instant::now();
            s.anchor_ms = ms;
        }
        self.notify();
    }

    /// Move forward (or backward, for negative values) by `delta_ms`.
    pub fn advance_ms(&self, delta_ms: i64) {
        {
            let mut s = self.lock();
            let now = Self::now_locked(&s);
            s.anchor_real = Instant::now();
            s.anchor_ms = now.saturating_add(delta_ms);
        }
        self.notify();
    }

    /// Stop the clock at the current device time.
    pub fn freeze(&self) {
        {
            let mut s = self.lock();
            let now = Self::now_locked(&s);
            s.anchor_real = Instant::now();
            s.anchor_ms = now;
            s.frozen = true;
        }
        self.notify();
    }

    /// Let a frozen clock run again from where it stood.
    pub fn resume(&self) {
        {
            let mut s = self.lock();
            s.anchor_real = Instant::now();
            s.frozen = false;
        }
        self.notify();
    }

    /// Wait until device time reaches `deadline_ms`. Wakes early when the clock is changed and
    /// rechecks, so advancing a frozen clock past the deadline releases the waiter at once.
    pub async fn sleep_until(&self, deadline_ms: EpochMs) {
        let mut rx = self.changed.subscribe();
        loop {
            let (now, frozen) = {
                let s = self.lock();
                (Self::now_locked(&s), s.frozen)
            };
            if now >= deadline_ms {
                return;
            }
            if frozen {
                if rx.changed().await.is_err() {
                    return;
                }
            } else {
                let wait = Duration::from_millis((deadline_ms - now) as u64);
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    r = rx.changed() => { if r.is_err() { return; } }
                }
            }
        }
    }

    /// Wait `ms` milliseconds of device time.
    pub async fn sleep_ms(&self, ms: i64) {
        let deadline = self.now_ms().saturating_add(ms);
        self.sleep_until(deadline).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_stands_still_until_advanced() {
        let c = Clock::manual(1_000);
        assert_eq!(c.now_ms(), 1_000);
        c.advance_ms(500);
        assert_eq!(c.now_ms(), 1_500);
        c.set_ms(10_000);
        assert_eq!(c.now_secs(), 10);
    }

    #[test]
    fn system_clock_is_near_host_time() {
        let c = Clock::system();
        assert!((c.now_ms() - system_now_ms()).abs() < 1_000);
        assert!(!c.is_frozen());
    }

    #[test]
    fn freeze_keeps_current_time() {
        let c = Clock::system();
        c.set_ms(42_000);
        c.freeze();
        let a = c.now_ms();
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(c.now_ms(), a);
        c.resume();
        assert!(!c.is_frozen());
    }

    #[tokio::test]
    async fn advancing_a_frozen_clock_wakes_sleepers() {
        let c = Clock::manual(0);
        let c2 = c.clone();
        let h = tokio::spawn(async move { c2.sleep_until(60_000).await });
        tokio::task::yield_now().await;
        assert!(!h.is_finished());
        c.advance_ms(30_000);
        tokio::task::yield_now().await;
        c.advance_ms(30_000);
        tokio::time::timeout(Duration::from_secs(2), h).await.expect("sleeper woke").unwrap();
    }
}
