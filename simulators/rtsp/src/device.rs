//! What a device tells the server: how request URLs map to streams, who may watch, which clock it
//! keeps, where access units come from, and its quirks ([`crate::Policy`]).

use std::sync::Arc;

use devsim_core::auth::digest::DigestConfig;
use devsim_core::Runtime;
use devsim_media::{AccessUnit, ParameterSets, StreamParams};
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use rand::{Rng, RngCore};

use crate::policy::Policy;
use crate::status::Status;

/// The request URL as the device sees it: the path (after the authority, percent-encoded as sent,
/// without the track suffix such as `/trackID=0`) and the query (without `?`), if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamRequest {
    /// The request-URI with the track suffix removed, as sent by the client.
    pub url: String,
    /// Path part, starting with `/` (or empty for `rtsp://host:port`).
    pub path: String,
    pub query: Option<String>,
}

/// What to play.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// The camera's current picture: starts at the device's "now".
    Live,
    /// Recorded video from `start_ms` (device clock, ms since the epoch) over the given recordings
    /// (`[from_ms, to_ms)`, sorted, non-overlapping); gaps between them are skipped. An ongoing
    /// recording may end at `i64::MAX`.
    Playback { start_ms: i64, recordings: Vec<(i64, i64)> },
}

/// A resolved stream: the camera label and the stream's parameters select the media; the mode
/// selects what time to play.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub label: String,
    pub params: StreamParams,
    pub mode: Mode,
}

/// How the device authenticates RTSP requests. Passwords come from [`RtspDevice::password`].
#[derive(Debug, Clone)]
pub enum AuthScheme {
    /// Everyone may watch.
    None,
    /// `Authorization: Basic`, challenge `Basic realm="..."`.
    Basic { realm: String },
    /// `Authorization: Digest` verified by [`devsim_core::auth::digest::DigestServer`].
    Digest(DigestConfig),
    /// Either; the challenge offers Digest first, then Basic.
    DigestOrBasic(DigestConfig),
}

/// Values that are random on a real device and fixed in "doc-replay" tests (§4.11 of the
/// FortiRecorder spec): the Session id, SSRC, first RTP sequence number and timestamp, and the
/// preferred UDP server port pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionSeed {
    pub id: String,
    pub ssrc: u32,
    pub first_seq: u16,
    pub rtp_base: u32,
    /// Even RTP port to bind for UDP transport; when `None` or busy, a free pair from the policy's
    /// range is used.
    pub server_rtp_port: Option<u16>,
}

impl SessionSeed {
    /// Random values: a 16-character alphanumeric id, random SSRC, sequence number and timestamp.
    pub fn random() -> Self {
        let mut rng = rand::thread_rng();
        let id: String =
            (0..16).map(|_| rng.sample(rand::distributions::Alphanumeric)).map(char::from).collect();
        SessionSeed {
            id,
            ssrc: rng.next_u32(),
            first_seq: rng.gen_range(1..0x8000),
            rtp_base: rng.next_u32(),
            server_rtp_port: None,
        }
    }
}

/// The access units of one stream, in decode order.
pub type AccessUnits = BoxStream<'static, Result<AccessUnit, devsim_core::Error>>;

/// Where the video comes from. Implemented for `devsim_media::MediaSource` (real test media made
/// by ffmpeg) and for [`crate::LoopedClip`] (a short clip in a loop).
pub trait VideoSource: Send + Sync + 'static {
    /// The parameter sets of the stream around device time `at_ms` (they go into the SDP).
    fn parameter_sets(
        &self,
        label: &str,
        params: &StreamParams,
        at_ms: i64,
    ) -> BoxFuture<'static, Result<ParameterSets, devsim_core::Error>>;

    /// Access units from the key frame at or before `from_ms` onwards, without end (time runs on).
    fn access_units(
        &self,
        label: &str,
        params: &StreamParams,
        from_ms: i64,
    ) -> BoxFuture<'static, Result<AccessUnits, devsim_core::Error>>;
}

/// One device as the RTSP server sees it. A device crate implements it in about a hundred lines.
pub trait RtspDevice: Send + Sync + 'static {
    /// The device's clock and power (power off closes the listener and every session).
    fn runtime(&self) -> &Runtime;
    /// Quirks; read once per connection.
    fn policy(&self) -> Policy;
    /// How requests are authenticated.
    fn auth(&self) -> AuthScheme;
    /// The password of `user`, or `None` when there is no such user.
    fn password(&self, user: &str) -> Option<String>;
    /// Maps a request URL to a stream, or to the device's error (404 for an unknown camera, 400
    /// for a malformed URL...). Called on DESCRIBE and SETUP at the device's current time.
    fn resolve(&self, request: &StreamRequest) -> Result<Resolved, Status>;
    /// The media the streams come from.
    fn media(&self) -> Arc<dyn VideoSource>;
    /// The nonce the next Digest challenge issues (doc replay); `None` for a random one.
    fn next_nonce(&self) -> Option<String> {
        None
    }
    /// Ids for a new session (doc replay overrides this).
    fn session_seed(&self) -> SessionSeed {
        SessionSeed::random()
    }
}
