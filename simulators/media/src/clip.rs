//! MP4 / MKV clips for device-time ranges.
//!
//! A clip is assembled from cached segments at the access-unit level: each range starts at the last
//! keyframe at or before its start and ends before its end; ranges are concatenated (gaps closed,
//! timestamps continuous), each access unit keeps its SEI timestamp, and ffmpeg muxes the result
//! with `-c:v copy -movflags +faststart`. When the options ask for something other than the
//! recorded stream (codec, fps, GOP, bitrate or qvalue, size, OSD), the clip is made from segments
//! of that variant, encoded from the same synthetic source (cached like any other).

use bytes::Bytes;
use devsim_core::error::{Error, Result};

use crate::au::{AccessUnit, AudioCodec, Codec, StreamParams};
use crate::osd::{OsdFormat, OsdPosition};
use crate::source::{io_err, MediaSource, Variant};

/// Clip container.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Container {
    #[default]
    Mp4,
    Mkv,
}

impl Container {
    pub fn mime(self) -> &'static str {
        match self {
            Container::Mp4 => "video/mp4",
            Container::Mkv => "video/x-matroska",
        }
    }
    pub fn extension(self) -> &'static str {
        match self {
            Container::Mp4 => "mp4",
            Container::Mkv => "mkv",
        }
    }
}

/// What the caller asks for. `None` means "as recorded"; all `None` with `audio` matching the
/// recorded stream gives a remux without re-encoding.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClipOptions {
    pub container: Container,
    pub codec: Option<Codec>,
    pub fps: Option<u32>,
    pub gop: Option<u32>,
    pub bitrate_kbps: Option<u32>,
    /// Constant quality 10..=50 (larger: smaller file); wins over `bitrate_kbps`.
    pub qvalue: Option<u8>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// Include audio when the recorded stream has audio.
    pub audio: bool,
    pub osd_format: Option<OsdFormat>,
    pub osd_position: Option<OsdPosition>,
}

/// A finished clip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clip {
    pub bytes: Bytes,
    pub container: Container,
    /// True when the pictures were encoded for this request's parameters (not the recorded stream).
    pub transcoded: bool,
    /// The variant the pictures come from.
    pub variant: Variant,
    pub frames: usize,
    /// Device time of the first frame (a keyframe at or before the first range's start).
    pub first_frame_ms: i64,
    /// Playing time: frames / fps.
    pub duration_ms: i64,
    pub has_audio: bool,
}

/// The variant a clip request resolves to (the recorded one when nothing differs).
pub fn clip_variant(params: &StreamParams, opts: &ClipOptions) -> Result<Variant> {
    let mut p = params.clone();
    let mut v = Variant::recorded(params);
    if let Some(c) = opts.codec {
        p.codec = c;
    }
    if let Some(fps) = opts.fps {
        if !(1..=120).contains(&fps) {
            return Err(Error::invalid(format!("fps {fps} out of 1..120")));
        }
        if (fps as u64) * (p.fps_den as u64) != p.fps_num as u64 {
            p.fps_num = fps;
            p.fps_den = 1;
        }
    }
    if let Some(g) = opts.gop {
        if g == 0 || g > 10_000 {
            return Err(Error::invalid(format!("gop {g} out of 1..10000")));
        }
        p.gop_frames = g;
    }
    if let Some(b) = opts.bitrate_kbps {
        if b == 0 || b > 200_000 {
            return Err(Error::invalid(format!("bitrate {b} out of range")));
        }
        p.bitrate_kbps = b;
    }
    if let Some(q) = opts.qvalue {
        if !(10..=50).contains(&q) {
            return Err(Error::invalid(format!("qvalue {q} out of 10..50")));
        }
        v.qvalue = Some(q);
    }
    let even = |x: u64| -> u32 { ((x.clamp(16, 8192) as u32) / 2) * 2 };
    match (opts.width, opts.height) {
        (None, None) => {}
        (Some(0), _) | (_, Some(0)) => return Err(Error::invalid("width and height must be positive")),
        (Some(w), Some(h)) => {
            p.width = even(w as u64);
            p.height = even(h as u64);
        }
        (Some(w), None) => {
            p.height = even(w as u64 * params.height as u64 / params.width.max(1) as u64);
            p.width = even(w as u64);
        }
        (None, Some(h)) => {
            p.width = even(h as u64 * params.width as u64 / params.height.max(1) as u64);
            p.height = even(h as u64);
        }
    }
    if let Some(f) = opts.osd_format {
        v.osd.format = f;
    }
    if let Some(pos) = opts.osd_position {
        v.osd.position = pos;
    }
    p.validate()?;
    v.params = p;
    Ok(v)
}

/// Sort, check and merge overlapping `[from, to)` ranges.
pub fn normalize_ranges(ranges: &[(i64, i64)]) -> Result<Vec<(i64, i64)>> {
    if ranges.is_empty() {
        return Err(Error::invalid("a clip needs at least one time range"));
    }
    let mut r: Vec<(i64, i64)> = ranges.to_vec();
    for &(a, b) in &r {
        if a < 0 || b <= a {
            return Err(Error::invalid(format!("time range [{a}, {b}) is empty or before the epoch")));
        }
    }
    r.sort_unstable();
    let mut out: Vec<(i64, i64)> = Vec::with_capacity(r.len());
    for (a, b) in r {
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    Ok(out)
}

impl MediaSource {
    /// A clip of `label` over `ranges` (device-time `[from_ms, to_ms)` pairs; gaps between them are
    /// closed). Remuxed without re-encoding when `opts` asks for the recorded stream.
    pub async fn clip(
        &self,
        label: &str,
        params: &StreamParams,
        ranges: &[(i64, i64)],
        opts: &ClipOptions,
    ) -> Result<Clip> {
        let ranges = normalize_ranges(ranges)?;
        let variant = clip_variant(params, opts)?;
        let transcoded = variant != Variant::recorded(params);
        let aus = self.collect_access_units(label, &variant, &ranges).await?;
        let first_frame_ms = aus
            .first()
            .map(|a| a.device_time_ms)
            .ok_or_else(|| Error::not_found("no frames in the range"))?;
        let vp = &variant.params;
        let frames = aus.len();
        let duration_ms = vp.frame_offset_ms(frames as u64);

        let mut es = Vec::with_capacity(aus.iter().map(|a| a.len_bytes() + 16).sum());
        for au in &aus {
            es.extend_from_slice(&au.to_annex_b());
        }
        drop(aus);
        let input = self.scratch_path(vp.codec.as_str())?;
        let output = self.scratch_path(opts.container.extension())?;
        tokio::fs::write(&input, &es).await.map_err(|e| io_err("write", &input, e))?;
        drop(es);

        let audio = if opts.audio { params.audio } else { None };
        let mut args: Vec<String> = vec![
            "-fflags".into(),
            "+genpts".into(),
            "-framerate".into(),
            format!("{}/{}", vp.fps_num, vp.fps_den),
            "-f".into(),
            match vp.codec {
                Codec::H264 => "h264".into(),
                Codec::H265 => "hevc".into(),
            },
            "-i".into(),
            input.to_string_lossy().into_owned(),
        ];
        if let Some(a) = audio {
            // A tone that beeps once a second, as long as the video.
            args.extend([
                "-f".into(),
                "lavfi".into(),
                "-i".into(),
                format!(
                    "sine=frequency=880:beep_factor=4:sample_rate={}:duration={:.3}",
                    a.sample_rate,
                    duration_ms as f64 / 1000.0
                ),
            ]);
        }
        args.extend(["-map".into(), "0:v:0".into(), "-c:v".into(), "copy".into()]);
        if vp.codec == Codec::H265 && opts.container == Container::Mp4 {
            args.extend(["-tag:v".into(), "hvc1".into()]);
        }
        if let Some(a) = audio {
            args.extend(["-map".into(), "1:a:0".into(), "-ac".into(), a.channels.to_string()]);
            // MP4 carries AAC; MKV also carries G.711 as recorded.
            let codec = match (opts.container, a.codec) {
                (Container::Mkv, AudioCodec::Pcmu) => "pcm_mulaw",
                (Container::Mkv, AudioCodec::Pcma) => "pcm_alaw",
                _ => "aac",
            };
            args.extend(["-c:a".into(), codec.into()]);
        }
        let created = chrono_free_iso8601(first_frame_ms);
        args.extend(["-metadata".into(), format!("creation_time={created}")]);
        match opts.container {
            Container::Mp4 => args.extend(["-movflags", "+faststart", "-f", "mp4"].map(String::from)),
            Container::Mkv => args.extend(["-f", "matroska"].map(String::from)),
        }
        args.push(output.to_string_lossy().into_owned());
        let res = self.tools()?.runner.run(&format!("clip {label} @{first_frame_ms}"), args).await;
        let _ = tokio::fs::remove_file(&input).await;
        res?;
        let bytes = tokio::fs::read(&output).await.map_err(|e| io_err("read", &output, e));
        let _ = tokio::fs::remove_file(&output).await;
        Ok(Clip {
            bytes: Bytes::from(bytes?),
            container: opts.container,
            transcoded,
            variant,
            frames,
            first_frame_ms,
            duration_ms,
            has_audio: audio.is_some(),
        })
    }

    /// The access units of `ranges` (normalized), each range from its last keyframe at or before
    /// its start, without repeating frames when ranges share a GOP.
    pub async fn collect_access_units(
        &self,
        label: &str,
        variant: &Variant,
        ranges: &[(i64, i64)],
    ) -> Result<Vec<AccessUnit>> {
        let mut out: Vec<AccessUnit> = Vec::new();
        let seg_ms = self.segment_ms();
        for &(from, to) in ranges {
            let mut start = self.segment_start(from);
            let mut first_seg = true;
            while start < to {
                let seg = self.segment(label, variant, start).await?;
                if start + seg_ms < to {
                    self.prefetch(label, variant, start + seg_ms);
                }
                let begin = if first_seg { seg.keyframe_at_or_before(from) } else { 0 };
                let last = out.last().map(|a| a.device_time_ms);
                for au in &seg.aus[begin..] {
                    if au.device_time_ms >= to {
                        break;
                    }
                    if last.is_some_and(|l| au.device_time_ms <= l) {
                        continue;
                    }
                    out.push(au.clone());
                }
                first_seg = false;
                start += seg_ms;
            }
        }
        Ok(out)
    }
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` for a Unix millisecond time (civil-from-days, no chrono needed).
fn chrono_free_iso8601(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, sod) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        sod / 3600,
        sod / 60 % 60,
        sod % 60,
        ms.rem_euclid(1000)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso8601_matches_known_instants() {
        assert_eq!(chrono_free_iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(chrono_free_iso8601(1_689_189_104_250), "2023-07-12T19:11:44.250Z");
    }

    #[test]
    fn ranges_are_sorted_and_merged() {
        assert_eq!(normalize_ranges(&[(50, 60), (0, 10), (5, 20)]).unwrap(), vec![(0, 20), (50, 60)]);
        assert!(normalize_ranges(&[]).is_err());
        assert!(normalize_ranges(&[(10, 10)]).is_err());
    }

    #[test]
    fn no_options_means_the_recorded_variant() {
        let p = StreamParams::new(Codec::H264, 320, 180, 10);
        assert_eq!(clip_variant(&p, &ClipOptions::default()).unwrap(), Variant::recorded(&p));
        let same_fps = ClipOptions { fps: Some(10), ..Default::default() };
        assert_eq!(clip_variant(&p, &same_fps).unwrap(), Variant::recorded(&p));
    }

    #[test]
    fn width_alone_keeps_the_aspect_and_rounds_to_even() {
        let p = StreamParams::new(Codec::H264, 1920, 1080, 30);
        let v = clip_variant(&p, &ClipOptions { width: Some(641), ..Default::default() }).unwrap();
        assert_eq!((v.params.width, v.params.height), (640, 360));
    }

    #[test]
    fn bad_clip_options_are_invalid_arguments() {
        let p = StreamParams::new(Codec::H264, 320, 180, 10);
        for o in [
            ClipOptions { qvalue: Some(9), ..Default::default() },
            ClipOptions { fps: Some(0), ..Default::default() },
            ClipOptions { gop: Some(0), ..Default::default() },
            ClipOptions { width: Some(0), ..Default::default() },
        ] {
            assert_eq!(
                clip_variant(&p, &o).unwrap_err().kind,
                devsim_core::error::ErrorKind::InvalidArgument
            );
        }
    }
}
