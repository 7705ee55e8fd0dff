//! The types the RTSP server and the device crates share: stream parameters (the cache key), access
//! units (one coded picture each) and parameter sets with their SDP encodings.

use base64::Engine as _;
use bytes::Bytes;
use devsim_core::error::{Error, Result};

/// Video codec of a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Codec {
    H264,
    H265,
}

impl Codec {
    /// Lower-case name as used by FortiRecorder's VideoClip (`h264`, `h265`) and in file names.
    pub fn as_str(self) -> &'static str {
        match self {
            Codec::H264 => "h264",
            Codec::H265 => "h265",
        }
    }

    /// The RTP encoding name for `a=rtpmap` (`H264` / `H265`).
    pub fn rtp_encoding_name(self) -> &'static str {
        match self {
            Codec::H264 => "H264",
            Codec::H265 => "H265",
        }
    }

    /// Parse `h264` / `h265` (also `avc` / `hevc`), case-insensitive.
    pub fn parse(s: &str) -> Result<Codec> {
        match s.to_ascii_lowercase().as_str() {
            "h264" | "avc" | "h.264" => Ok(Codec::H264),
            "h265" | "hevc" | "h.265" => Ok(Codec::H265),
            other => Err(Error::invalid(format!("unknown video codec {other:?} (expected h264 or h265)"))),
        }
    }
}

/// Audio codec of a stream (used in clips; RTSP audio is not offered yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AudioCodec {
    /// AAC-LC.
    Aac,
    /// G.711 mu-law (PCMU).
    Pcmu,
    /// G.711 A-law (PCMA).
    Pcma,
}

/// Audio parameters: a test tone that beeps once per device-clock second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct AudioParams {
    pub codec: AudioCodec,
    pub sample_rate: u32,
    pub channels: u8,
}

impl AudioParams {
    /// AAC-LC, 16 kHz mono.
    pub fn aac() -> Self {
        AudioParams { codec: AudioCodec::Aac, sample_rate: 16_000, channels: 1 }
    }
    /// G.711 mu-law, 8 kHz mono.
    pub fn pcmu() -> Self {
        AudioParams { codec: AudioCodec::Pcmu, sample_rate: 8_000, channels: 1 }
    }
}

/// What a stream looks like. Together with the camera label (and the on-screen-display options) this
/// is the key of the on-disk cache, so it is `Hash + Eq`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct StreamParams {
    pub codec: Codec,
    pub width: u32,
    pub height: u32,
    /// Frame rate as a fraction `fps_num / fps_den` (30/1, 30000/1001, ...).
    pub fps_num: u32,
    pub fps_den: u32,
    /// Frames from one IDR to the next (closed GOP, no B-frames).
    pub gop_frames: u32,
    pub bitrate_kbps: u32,
    pub audio: Option<AudioParams>,
}

impl StreamParams {
    /// H.264 at the given size and integer frame rate, one-second GOP, a bitrate suited to the size.
    pub fn new(codec: Codec, width: u32, height: u32, fps: u32) -> Self {
        StreamParams {
            codec,
            width,
            height,
            fps_num: fps,
            fps_den: 1,
            gop_frames: fps.max(1),
            bitrate_kbps: default_bitrate_kbps(width, height, fps),
            audio: None,
        }
    }

    /// Reject values ffmpeg cannot encode (odd sizes, zero rates, absurd sizes).
    pub fn validate(&self) -> Result<()> {
        if self.width < 16 || self.height < 16 || self.width > 8192 || self.height > 8192 {
            return Err(Error::invalid(format!("video size {}x{} out of range", self.width, self.height)));
        }
        if (self.width | self.height) & 1 != 0 {
            return Err(Error::invalid(format!("video size {}x{} must be even", self.width, self.height)));
        }
        if self.fps_num == 0 || self.fps_den == 0 || self.fps() > 240.0 || self.fps() < 0.1 {
            return Err(Error::invalid(format!("frame rate {}/{} out of range", self.fps_num, self.fps_den)));
        }
        if self.gop_frames == 0 || self.gop_frames > 10_000 {
            return Err(Error::invalid(format!("gop {} out of range", self.gop_frames)));
        }
        if self.bitrate_kbps == 0 || self.bitrate_kbps > 200_000 {
            return Err(Error::invalid(format!("bitrate {} kbit/s out of range", self.bitrate_kbps)));
        }
        if let Some(a) = self.audio {
            if a.channels == 0 || a.channels > 2 || !(8_000..=48_000).contains(&a.sample_rate) {
                return Err(Error::invalid("audio parameters out of range"));
            }
        }
        Ok(())
    }

    /// Frames per second as a float (for display and ffprobe comparisons).
    pub fn fps(&self) -> f64 {
        self.fps_num as f64 / self.fps_den.max(1) as f64
    }

    /// Duration of one frame in 90 kHz ticks, rounded down (the exact pts of frame `i` is computed
    /// from `i`, see [`StreamParams::frame_offset_90k`]).
    pub fn frame_duration_90k(&self) -> i64 {
        90_000 * self.fps_den as i64 / self.fps_num.max(1) as i64
    }

    /// Offset of frame `i` from its segment start, in 90 kHz ticks (exact, no drift).
    pub fn frame_offset_90k(&self, i: u64) -> i64 {
        (i as i128 * 90_000 * self.fps_den as i128 / self.fps_num.max(1) as i128) as i64
    }

    /// Offset of frame `i` from its segment start, in milliseconds (rounded down).
    pub fn frame_offset_ms(&self, i: u64) -> i64 {
        (i as i128 * 1_000 * self.fps_den as i128 / self.fps_num.max(1) as i128) as i64
    }

    /// Duration of one GOP in milliseconds.
    pub fn gop_ms(&self) -> i64 {
        self.frame_offset_ms(self.gop_frames as u64)
    }

    /// Map a FortiRecorder video profile (spec §2.2.4 with the codes of §3.4-§3.6) to stream
    /// parameters: `video_resolution` 0..=12, `video_codec` 0/3/4 (0 = default = H.264),
    /// `video_fps` 1..=60, `video_gop` 0..=6 (0 = auto = 1 s), `audio` (AAC when on).
    pub fn from_frc_profile(
        video_resolution: u32,
        video_codec: u32,
        video_fps: u32,
        video_gop: u32,
        audio: bool,
    ) -> Result<StreamParams> {
        let (width, height) = match video_resolution {
            0 => (640, 360),
            1 => (1280, 720),
            2 => (1920, 1080),
            3 => (2560, 1440),
            4 => (960, 540),
            5 => (1280, 720),
            6 => (1920, 1080),
            7 => (2048, 1536),
            8 => (2560, 1440),
            9 => (2592, 1944),
            10 => (3072, 2048),
            11 => (4096, 2160),
            12 => (4000, 3000),
            other => return Err(Error::invalid(format!("video_resolution {other} is not a known code"))),
        };
        let codec = match video_codec {
            0 | 3 => Codec::H264,
            4 => Codec::H265,
            other => return Err(Error::invalid(format!("video_codec {other} is not a known code"))),
        };
        if !(1..=60).contains(&video_fps) {
            return Err(Error::invalid(format!("video_fps {video_fps} out of 1..60")));
        }
        // GOP codes are durations; convert to frames at this rate (at least one frame).
        let gop_quarters: u32 = match video_gop {
            0 | 3 => 4,
            1 => 1,
            2 => 2,
            4 => 8,
            5 => 12,
            6 => 16,
            other => return Err(Error::invalid(format!("video_gop {other} is not a known code"))),
        };
        let gop_frames = (video_fps * gop_quarters / 4).max(1);
        let mut p = StreamParams::new(codec, width, height, video_fps);
        p.gop_frames = gop_frames;
        p.audio = audio.then(AudioParams::aac);
        Ok(p)
    }
}

/// A bitrate that looks like a camera's for the size and rate (about 0.07 bit per pixel per frame,
/// capped), in kbit/s. The synthetic picture compresses far better, so this is a ceiling.
pub fn default_bitrate_kbps(width: u32, height: u32, fps: u32) -> u32 {
    let bits = width as u64 * height as u64 * fps.max(1) as u64 * 7 / 100;
    (bits / 1000).clamp(64, 16_000) as u32
}

/// One coded picture of a stream, ready to packetise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessUnit {
    /// Presentation time in 90 kHz ticks since the Unix epoch, on the device clock. Frames are in
    /// decode order and there are no B-frames, so decode order is presentation order.
    pub pts_90k: i64,
    /// Device-clock time of the frame in milliseconds since the Unix epoch (the time burned into
    /// the picture and carried in the SEI).
    pub device_time_ms: i64,
    /// True for an IDR (H.264) or IRAP (H.265) picture; such an access unit starts with its
    /// parameter sets (VPS,) SPS and PPS.
    pub keyframe: bool,
    /// NAL units without start codes, in decode order.
    pub nals: Vec<Bytes>,
}

impl AccessUnit {
    /// Total payload size (without start codes).
    pub fn len_bytes(&self) -> usize {
        self.nals.iter().map(|n| n.len()).sum()
    }

    /// The access unit in Annex B form (4-byte start codes).
    pub fn to_annex_b(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.len_bytes() + 4 * self.nals.len());
        for n in &self.nals {
            out.extend_from_slice(&[0, 0, 0, 1]);
            out.extend_from_slice(n);
        }
        out
    }
}

/// The parameter sets of a stream (without start codes or emulation changes: the raw NAL units).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParameterSets {
    pub codec: Codec,
    /// H.265 only.
    pub vps: Option<Bytes>,
    pub sps: Bytes,
    pub pps: Bytes,
}

fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

impl ParameterSets {
    /// H.264 `sprop-parameter-sets` value: `base64(SPS),base64(PPS)` (RFC 6184 §8.1).
    pub fn sprop_parameter_sets(&self) -> String {
        format!("{},{}", b64(&self.sps), b64(&self.pps))
    }

    /// H.264 `profile-level-id`: the three bytes after the SPS NAL header, upper-case hex
    /// (e.g. `42C01E`). `None` for H.265 or a truncated SPS.
    pub fn profile_level_id(&self) -> Option<String> {
        if self.codec != Codec::H264 || self.sps.len() < 4 {
            return None;
        }
        Some(hex::encode_upper(&self.sps[1..4]))
    }

    /// H.265 `sprop-vps` (RFC 7798 §7.1); `None` for H.264.
    pub fn sprop_vps(&self) -> Option<String> {
        self.vps.as_ref().map(|v| b64(v))
    }
    /// H.265 `sprop-sps`.
    pub fn sprop_sps(&self) -> String {
        b64(&self.sps)
    }
    /// H.265 `sprop-pps`.
    pub fn sprop_pps(&self) -> String {
        b64(&self.pps)
    }

    /// The `a=fmtp:` value for the payload type: H.264 `packetization-mode=1;profile-level-id=..;
    /// sprop-parameter-sets=..`, H.265 `sprop-vps=..;sprop-sps=..;sprop-pps=..`.
    pub fn fmtp(&self, payload_type: u8) -> String {
        match self.codec {
            Codec::H264 => format!(
                "{payload_type} packetization-mode=1;profile-level-id={};sprop-parameter-sets={}",
                self.profile_level_id().unwrap_or_else(|| "42001F".to_string()),
                self.sprop_parameter_sets()
            ),
            Codec::H265 => {
                let mut s = format!("{payload_type} ");
                if let Some(v) = self.sprop_vps() {
                    s.push_str(&format!("sprop-vps={v};"));
                }
                s.push_str(&format!("sprop-sps={};sprop-pps={}", self.sprop_sps(), self.sprop_pps()));
                s
            }
        }
    }

    /// Coded picture size from the SPS (H.264 via `h264-reader`, cropping applied). `None` for H.265
    /// or an SPS that does not parse.
    pub fn h264_dimensions(&self) -> Option<(u32, u32)> {
        if self.codec != Codec::H264 || self.sps.is_empty() {
            return None;
        }
        let rbsp = h264_reader::rbsp::decode_nal(&self.sps).ok()?;
        let sps =
            h264_reader::nal::sps::SeqParameterSet::from_bits(h264_reader::rbsp::BitReader::new(&rbsp[..]))
                .ok()?;
        sps.pixel_dimensions().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frc_profile_2mp_h265_two_second_gop_maps_to_1080p() {
        let p = StreamParams::from_frc_profile(6, 4, 30, 4, false).unwrap();
        assert_eq!(
            (p.codec, p.width, p.height, p.fps_num, p.fps_den, p.gop_frames),
            (Codec::H265, 1920, 1080, 30, 1, 60)
        );
        assert!(p.validate().is_ok());
    }

    #[test]
    fn frc_profile_rejects_unknown_codes() {
        assert_eq!(
            StreamParams::from_frc_profile(13, 0, 30, 0, false).unwrap_err().kind,
            devsim_core::error::ErrorKind::InvalidArgument
        );
        assert!(StreamParams::from_frc_profile(6, 1, 30, 0, false).is_err());
        assert!(StreamParams::from_frc_profile(6, 0, 0, 0, false).is_err());
        assert!(StreamParams::from_frc_profile(6, 0, 30, 7, false).is_err());
    }

    #[test]
    fn validate_rejects_odd_sizes_and_zero_rates() {
        let mut p = StreamParams::new(Codec::H264, 321, 180, 10);
        assert!(p.validate().is_err());
        p.width = 320;
        assert!(p.validate().is_ok());
        p.fps_den = 0;
        assert!(p.validate().is_err());
    }

    #[test]
    fn frame_offsets_are_exact_for_ntsc_rates() {
        let mut p = StreamParams::new(Codec::H264, 320, 180, 30);
        p.fps_num = 30_000;
        p.fps_den = 1_001;
        assert_eq!(p.frame_offset_90k(30_000), 90_000 * 1_001);
        assert_eq!(p.frame_offset_ms(3), 100);
    }

    #[test]
    fn h264_sdp_helpers_encode_sps_and_pps() {
        let ps = ParameterSets {
            codec: Codec::H264,
            vps: None,
            sps: Bytes::from_static(&[0x67, 0x42, 0xc0, 0x1e, 0xaa]),
            pps: Bytes::from_static(&[0x68, 0xce, 0x3c, 0x80]),
        };
        assert_eq!(ps.profile_level_id().as_deref(), Some("42C01E"));
        assert_eq!(ps.sprop_parameter_sets(), "Z0LAHqo=,aM48gA==");
        assert!(ps.fmtp(96).starts_with("96 packetization-mode=1;profile-level-id=42C01E;"));
    }

    #[test]
    fn h265_fmtp_lists_vps_sps_pps() {
        let ps = ParameterSets {
            codec: Codec::H265,
            vps: Some(Bytes::from_static(&[0x40, 0x01])),
            sps: Bytes::from_static(&[0x42, 0x01]),
            pps: Bytes::from_static(&[0x44, 0x01]),
        };
        assert_eq!(ps.fmtp(96), "96 sprop-vps=QAE=;sprop-sps=QgE=;sprop-pps=RAE=");
        assert_eq!(ps.profile_level_id(), None);
    }
}
