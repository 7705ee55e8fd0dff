//! An RTSP session and its state machine (FortiRecorder spec §4.8):
//!
//! ```text
//! (none) --SETUP--> Ready --PLAY--> Playing --PAUSE--> Paused --PLAY--> Playing
//!                     any --TEARDOWN / timeout / connection closed / power off--> (destroyed)
//! ```
//!
//! Each state owns what only it has: `Playing` owns the running pacer, `Paused` the resume
//! position. Transitions consume the state, so a pacer can never outlive its state.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use tokio::net::UdpSocket;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::device::Resolved;
use crate::headers::TransportChoice;
use crate::pacer::{Cursor, PacerEnd};

/// A running delivery.
#[derive(Debug)]
pub struct Playing {
    pub cancel: CancellationToken,
    pub task: JoinHandle<PacerEnd>,
}

/// The session's state.
#[derive(Debug)]
pub enum State {
    /// Set up, never played (or played to the end of its range).
    Ready,
    Playing(Playing),
    /// Stopped at `position_ms` (device time of the next frame).
    Paused {
        position_ms: Option<i64>,
    },
}

impl State {
    pub fn name(&self) -> &'static str {
        match self {
            State::Ready => "ready",
            State::Playing(_) => "playing",
            State::Paused { .. } => "paused",
        }
    }
}

/// Milliseconds of real time since a fixed instant, shared with RTCP readers for keep-alive.
#[derive(Debug, Clone)]
pub struct Activity {
    base: Instant,
    last_ms: Arc<AtomicU64>,
}

impl Activity {
    pub fn new() -> Self {
        Activity { base: Instant::now(), last_ms: Arc::new(AtomicU64::new(0)) }
    }
    pub fn touch(&self) {
        self.last_ms.store(self.base.elapsed().as_millis() as u64, Ordering::Relaxed);
    }
    pub fn idle_ms(&self) -> u64 {
        (self.base.elapsed().as_millis() as u64).saturating_sub(self.last_ms.load(Ordering::Relaxed))
    }
}

impl Default for Activity {
    fn default() -> Self {
        Self::new()
    }
}

/// The UDP sockets of a session.
#[derive(Debug, Clone)]
pub struct UdpPair {
    pub rtp: Arc<UdpSocket>,
    pub rtcp: Arc<UdpSocket>,
    pub rtp_port: u16,
}

/// One session.
#[derive(Debug)]
pub struct Session {
    pub id: String,
    pub resolved: Resolved,
    /// The aggregate URL the session was set up for (for `RTP-Info`).
    pub base_url: String,
    pub transport: TransportChoice,
    pub udp: Option<UdpPair>,
    pub state: State,
    /// Sequence number and RTP time, kept while no pacer runs (the running pacer owns them).
    pub cursor: Option<Cursor>,
    /// Absolute time of the session start (`time=` or the device's default).
    pub start_abs_ms: i64,
    /// FortiRecorder npt anchor: absolute time of npt 0.
    pub origin_ms: Option<i64>,
    pub activity: Activity,
    /// Stops the RTCP receiver task.
    pub rtcp_reader: CancellationToken,
}

impl Session {
    /// Stops the pacer if one runs and returns the session to a resting state with the cursor
    /// back in hand. `pause` decides between `Paused` (PAUSE) and `Ready`-like rest for seeks.
    pub async fn stop(&mut self) -> Option<i64> {
        let state = std::mem::replace(&mut self.state, State::Ready);
        match state {
            State::Playing(p) => {
                p.cancel.cancel();
                match p.task.await {
                    Ok(end) => {
                        self.cursor = Some(end.cursor);
                        self.state = State::Paused { position_ms: end.position_ms };
                        end.position_ms
                    }
                    Err(e) => {
                        tracing::error!(session = %self.id, error = %e, "pacer task failed");
                        None
                    }
                }
            }
            State::Paused { position_ms } => {
                self.state = State::Paused { position_ms };
                position_ms
            }
            State::Ready => None,
        }
    }

    /// Whether the running pacer has finished by itself (range ended).
    pub fn finished_playing(&self) -> bool {
        matches!(&self.state, State::Playing(p) if p.task.is_finished())
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if let State::Playing(p) = &self.state {
            p.cancel.cancel();
        }
        self.rtcp_reader.cancel();
    }
}
