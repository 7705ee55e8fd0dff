//! [`LoopedClip`]: a [`VideoSource`] that plays one short Annex B clip (H.264 or H.265) in a loop
//! on the device's time axis, stamping every access unit with its device time (in the SEI of
//! `devsim-media`). Tests and benchmarks use it; a device without ffmpeg could too.

use std::sync::Arc;

use bytes::Bytes;
use devsim_media::{insert_timestamp_sei, AccessUnit, Codec, ParameterSets, StreamParams};
use futures::future::BoxFuture;

use crate::device::{AccessUnits, VideoSource};

/// Splits Annex B bytes into NAL units (start codes removed, empty units dropped).
pub fn split_annex_b(data: &[u8]) -> Vec<Bytes> {
    let mut starts = Vec::new();
    let mut i = 0;
    while i + 3 <= data.len() {
        if data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1 {
            starts.push(i + 3);
            i += 3;
        } else {
            i += 1;
        }
    }
    let mut out = Vec::new();
    for (k, &s) in starts.iter().enumerate() {
        let mut end = starts.get(k + 1).map(|n| n - 3).unwrap_or(data.len());
        while end > s && data[end - 1] == 0 {
            end -= 1;
        }
        if end > s {
            out.push(Bytes::copy_from_slice(&data[s..end]));
        }
    }
    out
}

#[derive(Debug)]
struct Frame {
    keyframe: bool,
    nals: Vec<Bytes>,
}

/// A looping clip. Frame `i` of the loop is shown at device time `k * frame_ms` for every `k`
/// with `k % frames == i`; the clip must start with a key frame.
#[derive(Debug, Clone)]
pub struct LoopedClip {
    codec: Codec,
    frames: Arc<Vec<Frame>>,
    params: ParameterSets,
    frame_ms: i64,
}

impl LoopedClip {
    /// Parses an Annex B elementary stream at `fps` frames per second.
    pub fn from_annex_b(codec: Codec, data: &[u8], fps: u32) -> Result<Self, devsim_core::Error> {
        let nals = split_annex_b(data);
        let kind = |n: &Bytes| match codec {
            Codec::H264 => n[0] & 0x1F,
            Codec::H265 => (n[0] >> 1) & 0x3F,
        };
        type Test = fn(u8) -> bool;
        let (is_vcl, is_key, is_param): (Test, Test, Test) = match codec {
            Codec::H264 => (|t| (1..=5).contains(&t), |t| t == 5, |t| t == 7 || t == 8),
            Codec::H265 => (|t| t < 32, |t| (16..=21).contains(&t), |t| (32..=34).contains(&t)),
        };
        let mut frames: Vec<Frame> = Vec::new();
        let mut pending: Vec<Bytes> = Vec::new();
        let (mut vps, mut sps, mut pps) = (None, None, None);
        for n in nals {
            let t = kind(&n);
            if is_param(t) {
                match (codec, t) {
                    (Codec::H264, 7) | (Codec::H265, 33) => sps = sps.or(Some(n.clone())),
                    (Codec::H264, 8) | (Codec::H265, 34) => pps = pps.or(Some(n.clone())),
                    _ => vps = vps.or(Some(n.clone())),
                }
                pending.push(n);
            } else if is_vcl(t) {
                // One slice per picture (what ffmpeg writes at these sizes).
                let key = is_key(t);
                pending.push(n);
                frames.push(Frame { keyframe: key, nals: std::mem::take(&mut pending) });
            }
            // SEI, AUD and others are dropped; our own SEI is added per access unit.
        }
        let (Some(sps), Some(pps)) = (sps, pps) else {
            return Err(devsim_core::Error::invalid("clip has no SPS/PPS"));
        };
        if frames.first().map(|f| !f.keyframe).unwrap_or(true) {
            return Err(devsim_core::Error::invalid("clip must start with a key frame"));
        }
        if fps == 0 {
            return Err(devsim_core::Error::invalid("fps must be positive"));
        }
        Ok(LoopedClip {
            codec,
            frames: Arc::new(frames),
            params: ParameterSets { codec, vps: if codec == Codec::H265 { vps } else { None }, sps, pps },
            frame_ms: 1000 / fps as i64,
        })
    }

    /// Replaces the parameter sets reported for the SDP (byte-replay of a documented SDP whose
    /// SPS is opaque); the streamed key frames keep their own.
    pub fn with_sdp_parameter_sets(mut self, ps: ParameterSets) -> Self {
        self.params = ps;
        self
    }

    pub fn frame_ms(&self) -> i64 {
        self.frame_ms
    }

    /// The access unit shown at frame slot `k` (device time `k * frame_ms`).
    pub fn access_unit(&self, k: i64) -> AccessUnit {
        let n = self.frames.len() as i64;
        let f = &self.frames[k.rem_euclid(n) as usize];
        let t = k * self.frame_ms;
        let mut au =
            AccessUnit { pts_90k: t * 90, device_time_ms: t, keyframe: f.keyframe, nals: f.nals.clone() };
        insert_timestamp_sei(self.codec, &mut au, t);
        au
    }

    /// The frame slot of the key frame at or before `ms`.
    pub fn keyframe_slot_at_or_before(&self, ms: i64) -> i64 {
        let mut k = ms.div_euclid(self.frame_ms);
        let n = self.frames.len() as i64;
        for _ in 0..n {
            if self.frames[k.rem_euclid(n) as usize].keyframe {
                return k;
            }
            k -= 1;
        }
        k
    }
}

impl VideoSource for LoopedClip {
    fn parameter_sets(
        &self,
        _label: &str,
        _params: &StreamParams,
        _at_ms: i64,
    ) -> BoxFuture<'static, Result<ParameterSets, devsim_core::Error>> {
        let ps = self.params.clone();
        Box::pin(async move { Ok(ps) })
    }

    fn access_units(
        &self,
        _label: &str,
        _params: &StreamParams,
        from_ms: i64,
    ) -> BoxFuture<'static, Result<AccessUnits, devsim_core::Error>> {
        let clip = self.clone();
        Box::pin(async move {
            let first = clip.keyframe_slot_at_or_before(from_ms);
            let s = futures::stream::iter(first..).map(move |k| Ok(clip.access_unit(k)));
            Ok(Box::pin(s) as AccessUnits)
        })
    }
}

use futures::StreamExt as _;

#[cfg(test)]
mod tests {
    use super::*;

    fn clip() -> LoopedClip {
        LoopedClip::from_annex_b(Codec::H264, include_bytes!("../testdata/clip-160x120-10fps.h264"), 10)
            .unwrap()
    }

    #[test]
    fn parses_the_test_clip_into_frames_with_parameter_sets() {
        let c = clip();
        assert_eq!(c.frames.len(), 20);
        assert!(c.frames[0].keyframe && c.frames[10].keyframe && !c.frames[1].keyframe);
        assert_eq!(c.params.sps[0] & 0x1F, 7);
        assert_eq!(c.params.h264_dimensions(), Some((160, 120)));
    }

    #[tokio::test]
    async fn access_units_start_at_the_covering_key_frame_and_carry_their_time() {
        let c = clip();
        let p = StreamParams::new(Codec::H264, 160, 120, 10);
        let mut s = c.access_units("cam", &p, 1_689_189_104_550).await.unwrap();
        let au = s.next().await.unwrap().unwrap();
        assert!(au.keyframe);
        assert_eq!(au.device_time_ms, 1_689_189_104_000);
        assert_eq!(devsim_media::read_timestamp_sei(&au.nals), Some(1_689_189_104_000));
        let au2 = s.next().await.unwrap().unwrap();
        assert_eq!(au2.device_time_ms, 1_689_189_104_100);
        assert_eq!(au2.pts_90k - au.pts_90k, 9000);
    }

    #[test]
    fn h265_clip_parses_with_vps() {
        let c =
            LoopedClip::from_annex_b(Codec::H265, include_bytes!("../testdata/clip-160x120-10fps.h265"), 10)
                .unwrap();
        assert!(c.params.vps.is_some());
        assert!(c.frames[0].keyframe);
    }

    #[test]
    fn rejects_a_clip_without_parameter_sets() {
        assert!(LoopedClip::from_annex_b(Codec::H264, &[0, 0, 1, 0x65, 1, 2], 10).is_err());
    }
}
