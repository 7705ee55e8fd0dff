//! RTSP playback on 8554 (spec §2.3): the FortiRecorder side of `devsim-rtsp`.
//!
//! [`FrcRtsp`] maps `rtsp://HOST:8554/cam=NAME[?time=EPOCH]` to the camera's recordings on the
//! device clock (start = `time`, else now − 60 s; gaps skipped by the server), authenticates with
//! Digest realm `FortiRecorder` in the RFC 2069 form (the clip-service account and the document's
//! `test`/`test`), and uses `Policy::fortirecorder()` (SDP layout, header order, npt re-centering,
//! ONVIF replay extension on every packet). With the option `rtsp_doc_replay` the nonces, Session
//! ids, ssrc, server ports, first rtptime and SDP parameter sets are the document's (§4.11), in
//! the order of its two transcripts, so §2.3.8 replays byte for byte.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use base64::Engine as _;
use bytes::Bytes;
use devsim_core::auth::digest::DigestConfig;
use devsim_core::Runtime;
use devsim_media::{Codec, MediaSource, ParameterSets, StreamParams};
use devsim_rtsp::{
    AccessUnits, AuthScheme, Mode, Policy, Resolved, RtspDevice, SessionSeed, Status, StreamRequest,
    VideoSource,
};

use crate::device::FortiRecorder;
use crate::model::{Model, SERVICE_USER};

/// The Digest realm of the playback service (§1.3.7).
pub const REALM: &str = "FortiRecorder";
/// The document's RTSP user (every `Authorization` header verifies with password `test`).
pub const DOC_USER: &str = "test";
pub const DOC_PASSWORD: &str = "test";
/// Playback starts this long before now when the URL has no `time=` (§2.3.1).
pub const DEFAULT_LOOKBACK_MS: i64 = 60_000;

/// The document's values (§4.11): T1 (generic client), then T2 (VLC).
const DOC_NONCES: [&str; 2] = ["427e06651ff20c8c4edb0d2b7425062c", "bda3ff5dd24b4b7175cd7420af971b16"];
const DOC_SESSIONS: [(&str, u32, u16); 2] =
    [("rQ4NTXL27tda9abD", 2_519_022_532, 20942), ("kQ16P8x1hF0qgrGp", 2_616_060_667, 20028)];
const DOC_SSRC: u32 = 0x19d2_6fa8;
const DOC_SPS: &str = "Z0IAKOkAoAQncSAA27oAM3+YA2IEJQ==";
const DOC_PPS: &str = "aM4xUg==";

/// The SPS/PPS printed in the document's SDP (opaque: the SPS does not decode; §2.3.3).
pub fn doc_parameter_sets() -> ParameterSets {
    let d = |s: &str| Bytes::from(base64::engine::general_purpose::STANDARD.decode(s).unwrap_or_default());
    ParameterSets { codec: Codec::H264, vps: None, sps: d(DOC_SPS), pps: d(DOC_PPS) }
}

/// One FortiRecorder as the RTSP server sees it.
pub struct FrcRtsp {
    dev: FortiRecorder,
    media: MediaSource,
    doc_replay: bool,
    nonces: AtomicUsize,
    seeds: AtomicUsize,
}

impl std::fmt::Debug for FrcRtsp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FrcRtsp").field("device", &self.dev).field("doc_replay", &self.doc_replay).finish()
    }
}

impl FortiRecorder {
    /// The RTSP playback side of this device, for `devsim_rtsp::serve`.
    pub fn rtsp(&self) -> Arc<FrcRtsp> {
        Arc::new(FrcRtsp {
            dev: self.clone(),
            media: self.media(),
            doc_replay: self.options().rtsp_doc_replay,
            nonces: AtomicUsize::new(0),
            seeds: AtomicUsize::new(0),
        })
    }
}

/// What `cam=NAME[?time=EPOCH]` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaybackUrl {
    pub camera: String,
    /// `time=` in Unix seconds.
    pub time: Option<i64>,
}

/// Parse the path and query of a playback URL (the server already removed the track suffix).
/// The camera name runs to the first `/` (or the query) and is percent-decoded; a path that is
/// not `/cam=NAME` or a `time` that is not an integer is a 400; a deeper path is a 404.
pub fn parse_url(path: &str, query: Option<&str>) -> Result<PlaybackUrl, Status> {
    let rest = path.strip_prefix("/cam=").ok_or(Status::BAD_REQUEST)?;
    let (raw, extra) = rest.split_once('/').unwrap_or((rest, ""));
    if !extra.is_empty() {
        return Err(Status::NOT_FOUND);
    }
    let camera = crate::wire::percent_decode(raw).ok_or(Status::BAD_REQUEST)?;
    if camera.is_empty() {
        return Err(Status::BAD_REQUEST);
    }
    let mut time = None;
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        if let Some(v) = pair.strip_prefix("time=") {
            let t: i64 = v.trim().parse().map_err(|_| Status::BAD_REQUEST)?;
            if !(0..=253_402_300_799).contains(&t) {
                return Err(Status::BAD_REQUEST);
            }
            time = Some(t);
        }
    }
    Ok(PlaybackUrl { camera, time })
}

/// The camera's recordings as sorted, merged `[from_ms, to_ms)` intervals (a recording still being
/// written ends at `i64::MAX`), and the video profile of the one playing at (or next after,
/// else last before) `start_s`.
fn recordings_for(m: &Model, camera: &str, start_s: i64, now: i64) -> Option<(Vec<(i64, i64)>, String)> {
    let recs = m.recordings(Some(camera), 0, now.saturating_add(1), now);
    let pick = recs
        .iter()
        .find(|r| r.start <= start_s && start_s < r.end)
        .or_else(|| recs.iter().find(|r| r.start > start_s))
        .or_else(|| recs.last())?;
    let profile = pick.video_profile.clone();
    let mut out: Vec<(i64, i64)> = Vec::with_capacity(recs.len());
    for r in &recs {
        let a = r.start.saturating_mul(1000);
        let b = if r.open { i64::MAX } else { r.end.saturating_mul(1000) };
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    Some((out, profile))
}

impl RtspDevice for FrcRtsp {
    fn runtime(&self) -> &Runtime {
        devsim_core::SimDevice::runtime(&self.dev)
    }

    fn policy(&self) -> Policy {
        let opts = self.dev.options();
        Policy {
            describe_content_type: opts.rtsp_sdp_content_type && !self.doc_replay,
            ..Policy::fortirecorder()
        }
    }

    fn auth(&self) -> AuthScheme {
        AuthScheme::Digest(DigestConfig::rfc2069(REALM))
    }

    fn password(&self, user: &str) -> Option<String> {
        if user == SERVICE_USER {
            return Some(self.dev.with_model(|m| m.clip_service.password.clone()));
        }
        (user == DOC_USER).then(|| DOC_PASSWORD.to_owned())
    }

    fn resolve(&self, request: &StreamRequest) -> Result<Resolved, Status> {
        let url = parse_url(&request.path, request.query.as_deref())?;
        let now_ms = self.dev.clock().now_ms();
        let now = now_ms.div_euclid(1000);
        let start_ms = url.time.map(|t| t * 1000).unwrap_or(now_ms - DEFAULT_LOOKBACK_MS);
        let (recordings, profile) = self.dev.with_model(|m| {
            m.camera(&url.camera).map_err(|_| Status::NOT_FOUND)?;
            let (recs, key) =
                recordings_for(m, &url.camera, start_ms.div_euclid(1000), now).ok_or(Status::NOT_FOUND)?;
            Ok::<_, Status>((recs, crate::model::profile_or_default(m, &key)))
        })?;
        let params = crate::media::stream_params(&profile, self.dev.options());
        Ok(Resolved { label: url.camera, params, mode: Mode::Playback { start_ms, recordings } })
    }

    fn media(&self) -> Arc<dyn VideoSource> {
        if self.doc_replay {
            Arc::new(DocSdp { media: self.media.clone(), sets: doc_parameter_sets() })
        } else {
            Arc::new(self.media.clone())
        }
    }

    fn next_nonce(&self) -> Option<String> {
        self.doc_replay.then(|| {
            let i = self.nonces.fetch_add(1, Ordering::Relaxed);
            DOC_NONCES[i % DOC_NONCES.len()].to_owned()
        })
    }

    fn session_seed(&self) -> SessionSeed {
        if !self.doc_replay {
            // FortiRecorder numbers the first RTP packet of a session 1 (spec §2.3.2, §4.8).
            return SessionSeed { first_seq: 1, ..SessionSeed::random() };
        }
        let i = self.seeds.fetch_add(1, Ordering::Relaxed);
        let (id, rtp_base, port) = DOC_SESSIONS[i % DOC_SESSIONS.len()];
        SessionSeed { id: id.into(), ssrc: DOC_SSRC, first_seq: 1, rtp_base, server_rtp_port: Some(port) }
    }
}

type Fut<T> = Pin<Box<dyn Future<Output = Result<T, devsim_core::Error>> + Send + 'static>>;

/// The real media with the document's SDP parameter sets (doc replay): DESCRIBE prints the
/// document's `sprop-parameter-sets`; the streamed key frames carry their own, decodable ones.
struct DocSdp {
    media: MediaSource,
    sets: ParameterSets,
}

impl VideoSource for DocSdp {
    fn parameter_sets(&self, _label: &str, _params: &StreamParams, _at_ms: i64) -> Fut<ParameterSets> {
        let sets = self.sets.clone();
        Box::pin(async move { Ok(sets) })
    }

    fn access_units(&self, label: &str, params: &StreamParams, from_ms: i64) -> Fut<AccessUnits> {
        VideoSource::access_units(&self.media, label, params, from_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_the_camera_and_an_optional_start_time() {
        assert_eq!(parse_url("/cam=cam1", None).unwrap(), PlaybackUrl { camera: "cam1".into(), time: None });
        assert_eq!(parse_url("/cam=cam1", Some("time=1689189104")).unwrap().time, Some(1_689_189_104));
        assert_eq!(parse_url("/cam=front%20door", None).unwrap().camera, "front door");
        assert_eq!(parse_url("/cam=", None), Err(Status::BAD_REQUEST));
        assert_eq!(parse_url("/live/cam1", None), Err(Status::BAD_REQUEST));
        assert_eq!(parse_url("/cam=cam1", Some("time=soon")), Err(Status::BAD_REQUEST));
        assert_eq!(parse_url("/cam=cam1", Some("time=-5")), Err(Status::BAD_REQUEST));
        assert_eq!(parse_url("/cam=cam1/other", None), Err(Status::NOT_FOUND));
        assert_eq!(parse_url("/cam=%zz", None), Err(Status::BAD_REQUEST));
    }

    #[test]
    fn doc_parameter_sets_give_the_documented_sdp_values() {
        let ps = doc_parameter_sets();
        assert_eq!(ps.sprop_parameter_sets(), format!("{DOC_SPS},{DOC_PPS}"));
        assert_eq!(ps.profile_level_id().as_deref(), Some("420028"));
    }
}
