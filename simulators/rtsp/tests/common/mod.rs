//! A small test device: one camera `cam1` (FortiRecorder-style URLs `/cam=NAME[?time=EPOCH]`, or
//! `/live/NAME` for live), served from the looping test clip, with queued doc-replay values.
#![allow(dead_code)]

pub mod raw;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use devsim_core::auth::digest::DigestConfig;
use devsim_core::{Clock, Runtime};
use devsim_media::{Codec, StreamParams};
use devsim_rtsp::{
    AuthScheme, LoopedClip, Mode, Policy, Resolved, RtspDevice, SessionSeed, Status, StreamRequest,
    VideoSource,
};
use tokio_util::sync::CancellationToken;

pub const CLIP_H264: &[u8] = include_bytes!("../../testdata/clip-160x120-10fps.h264");
pub const CLIP_H265: &[u8] = include_bytes!("../../testdata/clip-160x120-10fps.h265");

pub struct TestDevice {
    pub runtime: Runtime,
    pub policy: Policy,
    pub auth: AuthScheme,
    pub media: Arc<dyn VideoSource>,
    pub codec: Codec,
    /// Recordings of every camera.
    pub recordings: Mutex<Vec<(i64, i64)>>,
    pub nonces: Mutex<VecDeque<String>>,
    pub seeds: Mutex<VecDeque<SessionSeed>>,
}

impl TestDevice {
    pub fn new(clock: Clock, policy: Policy) -> Self {
        Self::with_clip(clock, policy, Codec::H264)
    }

    pub fn with_clip(clock: Clock, policy: Policy, codec: Codec) -> Self {
        Self::with_media(clock, policy, codec, Arc::new(clip(codec)))
    }

    pub fn with_media(clock: Clock, policy: Policy, codec: Codec, media: Arc<dyn VideoSource>) -> Self {
        TestDevice {
            runtime: Runtime::new(clock),
            policy,
            auth: AuthScheme::Digest(DigestConfig::rfc2069("FortiRecorder")),
            media,
            codec,
            recordings: Mutex::new(vec![(0, i64::MAX)]),
            nonces: Mutex::new(VecDeque::new()),
            seeds: Mutex::new(VecDeque::new()),
        }
    }
}

/// The looping test clip.
pub fn clip(codec: Codec) -> LoopedClip {
    let data = match codec {
        Codec::H264 => CLIP_H264,
        Codec::H265 => CLIP_H265,
    };
    LoopedClip::from_annex_b(codec, data, 10).expect("test clip")
}

impl RtspDevice for TestDevice {
    fn runtime(&self) -> &Runtime {
        &self.runtime
    }
    fn policy(&self) -> Policy {
        self.policy.clone()
    }
    fn auth(&self) -> AuthScheme {
        self.auth.clone()
    }
    fn password(&self, user: &str) -> Option<String> {
        (user == "test").then(|| "test".to_owned())
    }
    fn resolve(&self, r: &StreamRequest) -> Result<Resolved, Status> {
        let params = StreamParams::new(self.codec, 160, 120, 10);
        if let Some(name) = r.path.strip_prefix("/live/") {
            if name != "cam1" {
                return Err(Status::NOT_FOUND);
            }
            return Ok(Resolved { label: name.into(), params, mode: Mode::Live });
        }
        let name = r.path.strip_prefix("/cam=").ok_or(Status::BAD_REQUEST)?;
        if name != "cam1" {
            return Err(Status::NOT_FOUND);
        }
        let start_ms = match r.query.as_deref().and_then(|q| q.strip_prefix("time=")) {
            Some(t) => t.parse::<i64>().map_err(|_| Status::BAD_REQUEST)? * 1000,
            None => self.runtime.clock.now_ms() - 60_000,
        };
        let recordings = self.recordings.lock().unwrap().clone();
        Ok(Resolved { label: name.into(), params, mode: Mode::Playback { start_ms, recordings } })
    }
    fn media(&self) -> Arc<dyn VideoSource> {
        self.media.clone()
    }
    fn next_nonce(&self) -> Option<String> {
        self.nonces.lock().unwrap().pop_front()
    }
    fn session_seed(&self) -> SessionSeed {
        self.seeds.lock().unwrap().pop_front().unwrap_or_else(SessionSeed::random)
    }
}

/// Starts a server for `device` on 127.0.0.1:0.
pub async fn start(device: Arc<TestDevice>) -> (devsim_rtsp::RtspServer, CancellationToken) {
    let listener = devsim_rtsp::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let shutdown = CancellationToken::new();
    let server = devsim_rtsp::serve(listener, device, shutdown.clone());
    (server, shutdown)
}
