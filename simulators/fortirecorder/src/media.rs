//! The media side of the device: which shared [`MediaSource`] a device renders with, how a
//! recording's video profile becomes stream parameters, and VideoClip rendering (§2.2.2).
//!
//! One media source (one on-disk cache, one bounded ffmpeg pool) serves every device of the
//! process: the binary calls [`init_shared`] with `<state-dir>/media-cache` before opening
//! devices; without that, the first use opens `<temp-dir>/devsim-media-cache`. A device can be
//! given its own source ([`crate::FortiRecorder::set_media`], tests).

use std::path::PathBuf;
use std::sync::OnceLock;

use devsim_media::{
    ClipOptions, Codec, Container, MediaConfig, MediaSource, OsdFormat, OsdPosition, SnapshotOptions,
    StreamParams,
};

use crate::model::{ClipConversion, ClipPlan, VideoProfile};
use crate::profile::{parse_size, Options};

static SHARED: OnceLock<MediaSource> = OnceLock::new();

/// Set the process-wide media source over `cache_dir`. The first call wins; a later call with
/// another directory is refused (the cache layout ties segment length to a directory).
pub fn init_shared(cache_dir: impl Into<PathBuf>) -> devsim_core::Result<MediaSource> {
    let dir = cache_dir.into();
    let src = MediaSource::new(MediaConfig::new(dir.clone()))?;
    let got = SHARED.get_or_init(|| src);
    if got.cache_dir() != dir {
        return Err(devsim_core::Error::conflict(format!(
            "the media cache is already {}; cannot switch to {}",
            got.cache_dir().display(),
            dir.display()
        )));
    }
    // Looking for ffmpeg runs `ffmpeg -version` (tens of milliseconds): do it off the start-up path,
    // so the devices answer at once; the first media request waits for the same check if needed.
    let probe = got.clone();
    std::thread::spawn(move || {
        if let Err(e) = probe.check() {
            tracing::warn!(error = %e, "media: VideoClip and RTSP will answer errors until ffmpeg is installed");
        }
    });
    Ok(got.clone())
}

/// The process-wide media source (the default temp-dir cache when [`init_shared`] was not called).
pub fn shared() -> MediaSource {
    SHARED
        .get_or_init(|| {
            let dir = std::env::temp_dir().join("devsim-media-cache");
            MediaSource::new(MediaConfig::new(dir)).expect("the default media config is valid")
        })
        .clone()
}

/// Stream parameters of a recording made with `vp`, with the `media_size` / `media_fps` options
/// applied. An unknown code falls back to the profile default (H.264, 1080p, 30 fps, 1 s GOP).
pub fn stream_params(vp: &VideoProfile, opts: &Options) -> StreamParams {
    let mut p = StreamParams::from_frc_profile(
        u32::from(vp.video_resolution),
        u32::from(vp.video_codec),
        vp.video_fps,
        u32::from(vp.video_gop),
        vp.audio,
    )
    .or_else(|_| StreamParams::from_frc_profile(6, 3, 30, 3, vp.audio))
    .expect("the default FortiRecorder profile maps to stream parameters");
    if let Some((w, h)) = opts.media_size.as_deref().and_then(parse_size) {
        p.width = w;
        p.height = h;
        p.bitrate_kbps = devsim_media::au::default_bitrate_kbps(w, h, p.fps_num.max(1));
    }
    if let Some(fps) = opts.media_fps {
        let gop_s = f64::from(p.gop_frames) / p.fps().max(0.1);
        p.fps_num = fps;
        p.fps_den = 1;
        p.gop_frames = ((gop_s * f64::from(fps)).round() as u32).max(1);
        p.bitrate_kbps = devsim_media::au::default_bitrate_kbps(p.width, p.height, fps);
    }
    p
}

/// The devsim-media options for a VideoClip conversion. Unachievable values are approximated,
/// never refused (§2.2.2): fps to 1..60, GOP to 1..10000 frames, bitrate (kbit/s below 100 000,
/// else bit/s, §6.2 #12) to 16..200 000 kbit/s, sizes to 16..8192 (made even by devsim-media).
/// `bitrate` is ignored when `qvalue` is present.
pub fn clip_options(conv: &ClipConversion, recorded: &StreamParams) -> ClipOptions {
    let clamp = |v: i64, lo: i64, hi: i64| v.clamp(lo, hi) as u32;
    let bitrate_kbps = match (conv.qvalue, conv.bitrate) {
        (Some(_), _) | (None, None) => None,
        (None, Some(b)) => {
            Some(if b < 100_000 { clamp(b, 16, 200_000) } else { clamp(b / 1000, 16, 200_000) })
        }
    };
    ClipOptions {
        container: Container::Mp4,
        codec: conv.codec.as_deref().map(|c| if c == "h265" { Codec::H265 } else { Codec::H264 }),
        fps: conv.fps.map(|f| clamp(f, 1, 60)),
        gop: conv.gop.map(|g| clamp(g, 1, 10_000)),
        bitrate_kbps,
        qvalue: conv.qvalue.map(|q| q.clamp(10, 50) as u8),
        width: conv.width.map(|w| clamp(w, 16, 8192)),
        height: conv.height.map(|h| clamp(h, 16, 8192)),
        audio: conv.audio.unwrap_or(recorded.audio.is_some()),
        osd_format: conv.osd_format.as_deref().and_then(|f| OsdFormat::parse(f).ok()),
        osd_position: conv.osd_position.as_deref().and_then(|p| OsdPosition::parse(p).ok()),
    }
}

/// The snapshot options of a VideoClip with `end == begin`: size and OSD apply; codec, fps,
/// GOP, quality and audio do not (§2.2.2).
pub fn snapshot_options(conv: &ClipConversion) -> SnapshotOptions {
    let mut o = SnapshotOptions {
        width: conv.width.map(|w| w.clamp(16, 8192) as u32),
        height: conv.height.map(|h| h.clamp(16, 8192) as u32),
        ..SnapshotOptions::default()
    };
    if let Some(f) = conv.osd_format.as_deref().and_then(|f| OsdFormat::parse(f).ok()) {
        o.osd.format = f;
    }
    if let Some(p) = conv.osd_position.as_deref().and_then(|p| OsdPosition::parse(p).ok()) {
        o.osd.position = p;
    }
    o
}

/// What a VideoClip answers with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub bytes: bytes::Bytes,
    pub content_type: &'static str,
    /// `Content-Disposition` file name (`<camera>_<begin>.mp4` / `.jpg`).
    pub filename: String,
}

/// Render a clip plan: a JPEG when `begin == end`, else an MP4 of the recorded ranges.
pub async fn render(media: &MediaSource, plan: &ClipPlan, opts: &Options) -> devsim_core::Result<Rendered> {
    media.check()?;
    let params = stream_params(&plan.profile, opts);
    if plan.is_snapshot() {
        let jpeg = media
            .jpeg_at(
                &plan.camera,
                &params,
                plan.begin.saturating_mul(1000),
                &snapshot_options(&plan.conversion),
            )
            .await?;
        return Ok(Rendered {
            bytes: jpeg,
            content_type: "image/jpeg",
            filename: format!("{}_{}.jpg", plan.camera, plan.begin),
        });
    }
    let ranges: Vec<(i64, i64)> =
        plan.ranges.iter().map(|&(a, b)| (a.saturating_mul(1000), b.saturating_mul(1000))).collect();
    let clip = media.clip(&plan.camera, &params, &ranges, &clip_options(&plan.conversion, &params)).await?;
    tracing::debug!(
        camera = %plan.camera,
        frames = clip.frames,
        transcoded = clip.transcoded,
        "video clip rendered"
    );
    Ok(Rendered {
        bytes: clip.bytes,
        content_type: clip.container.mime(),
        filename: format!("{}_{}.{}", plan.camera, plan.begin, clip.container.extension()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vp(res: u8, codec: u8, fps: u32, gop: u8) -> VideoProfile {
        VideoProfile {
            mkey: "p".into(),
            video_resolution: res,
            video_codec: codec,
            video_fps: fps,
            video_gop: gop,
            video_bitrate_mode: 0,
            audio: false,
        }
    }

    #[test]
    fn profile_codes_map_to_nominal_sizes_and_media_options_override_them() {
        let p = stream_params(&vp(8, 4, 30, 4), &Options::default());
        assert_eq!((p.codec, p.width, p.height, p.fps_num, p.gop_frames), (Codec::H265, 2560, 1440, 30, 60));
        let small = Options { media_size: Some("320x180".into()), media_fps: Some(10), ..Options::default() };
        let p = stream_params(&vp(8, 4, 30, 4), &small);
        assert_eq!((p.width, p.height, p.fps_num, p.gop_frames), (320, 180, 10, 20), "GOP keeps 2 s");
        // A code the mapping does not know falls back to the default profile.
        let p = stream_params(&vp(99, 3, 30, 3), &Options::default());
        assert_eq!((p.width, p.height), (1920, 1080));
    }

    #[test]
    fn no_conversion_parameters_ask_for_the_recorded_stream() {
        let rec = StreamParams::new(Codec::H264, 320, 180, 10);
        let o = clip_options(&ClipConversion::default(), &rec);
        assert_eq!(o, ClipOptions::default());
        assert_eq!(
            devsim_media::clip::clip_variant(&rec, &o).unwrap(),
            devsim_media::Variant::recorded(&rec)
        );
    }

    #[test]
    fn conversion_values_are_approximated_not_refused() {
        let rec = StreamParams::new(Codec::H264, 320, 180, 10);
        let conv = ClipConversion {
            codec: Some("h265".into()),
            fps: Some(1000),
            gop: Some(1_000_000),
            bitrate: Some(2_000_000),
            width: Some(100_000),
            osd_format: Some("12h".into()),
            osd_position: Some("Bottom-Right".into()),
            audio: Some(true),
            ..Default::default()
        };
        let o = clip_options(&conv, &rec);
        assert_eq!(o.codec, Some(Codec::H265));
        assert_eq!((o.fps, o.gop, o.bitrate_kbps, o.width), (Some(60), Some(10_000), Some(2000), Some(8192)));
        assert_eq!((o.osd_format, o.osd_position), (Some(OsdFormat::H12), Some(OsdPosition::BottomRight)));
        assert!(o.audio);
        devsim_media::clip::clip_variant(&rec, &o).expect("a valid variant");
        let q = ClipConversion { qvalue: Some(32), bitrate: Some(1000), ..Default::default() };
        let o = clip_options(&q, &rec);
        assert_eq!((o.qvalue, o.bitrate_kbps), (Some(32), None), "bitrate is ignored with qvalue");
    }
}
