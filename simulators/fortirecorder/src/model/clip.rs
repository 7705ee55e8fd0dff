//! VideoClip request validation and planning (spec §2.2.2). The model decides *what* to render
//! (camera, recorded ranges, the video profile they were recorded with, the conversion asked
//! for); the handler renders it through devsim-media.

use serde_json::Value;

use super::body::Body;
use super::{Caller, CallerKind, MResult, Model, ModelError, Output, VideoProfile};

/// The conversion parameters of a VideoClip request, as given (validated, not yet mapped).
/// All `None` (and `audio` absent) means "as recorded".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClipConversion {
    /// `audio`: `Some(false)` = omit, `Some(true)` = include if any, `None` = as recorded.
    pub audio: Option<bool>,
    /// `h264` or `h265`.
    pub codec: Option<String>,
    pub fps: Option<i64>,
    pub gop: Option<i64>,
    pub qvalue: Option<i64>,
    pub bitrate: Option<i64>,
    pub width: Option<i64>,
    pub height: Option<i64>,
    /// `12h` or `24h`.
    pub osd_format: Option<String>,
    /// `Top-Left`, `Top-Right`, `Bottom-Left`, `Bottom-Right`.
    pub osd_position: Option<String>,
}

impl ClipConversion {
    /// No optional parameter at all: the recording is delivered as-is (remux).
    pub fn is_as_recorded(&self) -> bool {
        self == &ClipConversion::default()
    }
}

/// A valid VideoClip request: what the handler renders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClipPlan {
    pub camera: String,
    /// Unix seconds; `begin == end` asks for a JPEG snapshot.
    pub begin: i64,
    pub end: i64,
    /// The recorded parts of `[begin, end)` (Unix seconds, sorted, may overlap where recordings
    /// of different kinds do); for a snapshot, `[begin, begin + 1)`.
    pub ranges: Vec<(i64, i64)>,
    /// The video profile of the first recording in the range (the whole clip uses it).
    pub profile: VideoProfile,
    pub conversion: ClipConversion,
}

impl ClipPlan {
    pub fn is_snapshot(&self) -> bool {
        self.begin == self.end
    }
}

/// The profile a recording names, or the default H.264 1080p 30 fps one when it was deleted.
pub(crate) fn profile_or_default(m: &Model, key: &str) -> VideoProfile {
    m.video_profile(key).cloned().unwrap_or(VideoProfile {
        mkey: key.to_owned(),
        video_resolution: 6,
        video_codec: 3,
        video_fps: 30,
        video_gop: 3,
        video_bitrate_mode: 0,
        audio: false,
    })
}

impl Model {
    pub(super) fn validate_clip(&self, now: i64, caller: &Caller, body: Option<&Value>) -> MResult<Output> {
        let b = Body::new(body)?;
        if let Some(a) = b.int("reqAction")? {
            if a != 21 {
                return Err(ModelError::Invalid(format!("reqAction: {a} is not 21")));
            }
        }
        let camera = b.req_str("camera")?;
        let begin = b.req_int("begin")?;
        let end = b.req_int("end")?;
        if end < begin {
            return Err(ModelError::Invalid("end is before begin".into()));
        }
        let mut conv =
            ClipConversion { audio: b.int_of("audio", &[0, 1])?.map(|a| a == 1), ..Default::default() };
        if let Some(c) = b.str("codec")? {
            if c != "h264" && c != "h265" {
                return Err(ModelError::Invalid(format!("codec: {c:?} is not h264 or h265")));
            }
            conv.codec = Some(c.to_owned());
        }
        conv.fps = b.int_in("fps", 1, 1_000_000_000)?;
        conv.gop = b.int_in("gop", 1, 1_000_000_000)?;
        conv.bitrate = b.int_in("bitrate", 1, 1_000_000_000)?;
        conv.height = b.int_in("height", 1, 1_000_000_000)?;
        conv.width = b.int_in("width", 1, 1_000_000_000)?;
        conv.qvalue = b.int_in("qvalue", 10, 50)?;
        if let Some(f) = b.str("osdFormat")? {
            if f != "12h" && f != "24h" {
                return Err(ModelError::Invalid(format!("osdFormat: {f:?} is not 12h or 24h")));
            }
            conv.osd_format = Some(f.to_owned());
        }
        if let Some(p) = b.str("osdPosition")? {
            if !["Top-Left", "Top-Right", "Bottom-Left", "Bottom-Right"].contains(&p) {
                return Err(ModelError::Invalid(format!("osdPosition: {p:?} is not a corner")));
            }
            conv.osd_position = Some(p.to_owned());
        }
        self.camera(camera)?;
        if caller.kind == CallerKind::Service {
            let group = self.camera_groups.iter().find(|g| g.mkey == self.clip_service.camera_group);
            if !group.is_some_and(|g| g.cameras.iter().any(|c| c == camera)) {
                return Err(ModelError::Denied(format!(
                    "camera {camera} is not in the clip service camera group"
                )));
            }
        }
        // A snapshot needs a recording covering `begin`; a clip any overlap with [begin, end).
        let hi = if end == begin { begin.saturating_add(1) } else { end };
        let recs = self.recordings(Some(camera), begin, hi, now);
        let ranges: Vec<(i64, i64)> =
            recs.iter().map(|r| (r.start.max(begin), r.end.min(hi))).filter(|(a, b)| a < b).collect();
        let Some(first) = recs.iter().find(|r| r.end > begin && r.start < hi) else {
            return Err(ModelError::NotFound(format!("no recording of {camera} between {begin} and {end}")));
        };
        Ok(Output::Clip(ClipPlan {
            camera: camera.to_owned(),
            begin,
            end,
            ranges,
            profile: profile_or_default(self, &first.video_profile),
            conversion: conv,
        }))
    }
}
