//! VideoClip request validation (spec §2.2.2). Media rendering is not built yet: a valid
//! request is answered with the device's "unavailable" error, never with fake bytes.

use serde_json::Value;

use super::body::Body;
use super::{Caller, CallerKind, MResult, Model, ModelError, Output};

/// What a valid clip request answers until media support lands.
pub const MEDIA_UNAVAILABLE: &str = "Video clip service unavailable: media support is not built yet";

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
        b.int_of("audio", &[0, 1])?;
        if let Some(c) = b.str("codec")? {
            if c != "h264" && c != "h265" {
                return Err(ModelError::Invalid(format!("codec: {c:?} is not h264 or h265")));
            }
        }
        for key in ["fps", "gop", "bitrate", "height", "width"] {
            b.int_in(key, 1, 1_000_000_000)?;
        }
        b.int_in("qvalue", 10, 50)?;
        if let Some(f) = b.str("osdFormat")? {
            if f != "12h" && f != "24h" {
                return Err(ModelError::Invalid(format!("osdFormat: {f:?} is not 12h or 24h")));
            }
        }
        if let Some(p) = b.str("osdPosition")? {
            if !["Top-Left", "Top-Right", "Bottom-Left", "Bottom-Right"].contains(&p) {
                return Err(ModelError::Invalid(format!("osdPosition: {p:?} is not a corner")));
            }
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
        // A snapshot needs a recording covering `begin`; a clip any overlap with [begin, end].
        let hi = if end == begin { begin.saturating_add(1) } else { end };
        if self.recordings(Some(camera), begin, hi, now).is_empty() {
            return Err(ModelError::NotFound(format!("no recording of {camera} between {begin} and {end}")));
        }
        Err(ModelError::Unavailable(MEDIA_UNAVAILABLE.into()))
    }
}
