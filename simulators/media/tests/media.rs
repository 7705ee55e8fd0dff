//! End-to-end tests against the real ffmpeg: tiny streams (320x180 at 10 fps, 2 s segments) in a
//! temporary cache directory.

use std::path::Path;

use devsim_core::error::ErrorKind;
use devsim_media::nal::{group_access_units, split_annex_b};
use devsim_media::{
    read_timestamp_sei, AudioParams, ClipOptions, Codec, Container, MediaConfig, MediaSource, Osd, OsdFormat,
    SnapshotOptions, StreamParams, Variant,
};
use futures::StreamExt as _;

/// 2023-11-14T22:13:20Z, aligned to the 2 s segments.
const T0: i64 = 1_700_000_000_000;

fn source(dir: &Path) -> MediaSource {
    let mut cfg = MediaConfig::new(dir);
    cfg.segment_ms = 2_000;
    cfg.max_encoders = 1;
    MediaSource::new(cfg).unwrap()
}

fn tiny(codec: Codec) -> StreamParams {
    let mut p = StreamParams::new(codec, 320, 180, 10);
    p.gop_frames = 5; // half a second
    p.bitrate_kbps = 150;
    p
}

/// Extract the video elementary stream of a container file and read the SEI time of every frame.
async fn sei_times(src: &MediaSource, file: &Path, codec: Codec) -> Vec<i64> {
    let out = file.with_extension("es");
    let (bsf, fmt) = match codec {
        Codec::H264 => ("h264_mp4toannexb", "h264"),
        Codec::H265 => ("hevc_mp4toannexb", "hevc"),
    };
    let ffmpeg = src.ffprobe_path().unwrap().with_file_name("ffmpeg");
    let status = std::process::Command::new(if ffmpeg.is_absolute() { ffmpeg } else { "ffmpeg".into() })
        .args(["-hide_banner", "-loglevel", "error", "-y", "-i"])
        .arg(file)
        .args(["-map", "0:v:0", "-c:v", "copy", "-bsf:v", bsf, "-f", fmt])
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let es = bytes::Bytes::from(std::fs::read(&out).unwrap());
    group_access_units(codec, split_annex_b(&es))
        .iter()
        .map(|au| read_timestamp_sei(&au.nals).expect("every frame carries its SEI time"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_request_for_a_segment_reads_the_cache_without_ffmpeg() {
    let dir = tempfile::tempdir().unwrap();
    let src = source(dir.path());
    let v = Variant::recorded(&tiny(Codec::H264));
    let a = src.segment("cam1", &v, T0).await.unwrap();
    assert_eq!(src.ffmpeg_runs(), 1);
    let b = src.segment("cam1", &v, T0).await.unwrap();
    assert_eq!(src.ffmpeg_runs(), 1);
    assert_eq!(a.aus.len(), 20);
    assert_eq!(a.aus, b.aus);
    // A new source over the same directory (another process, another device) uses the disk cache.
    let again = source(dir.path());
    let c = again.segment("cam1", &v, T0).await.unwrap();
    assert_eq!(again.ffmpeg_runs(), 0);
    assert_eq!(c.aus, a.aus);
    // Layout: <cache>/media/<hash>/<start>.h264 plus key.json.
    let vdir = src.variant_dir("cam1", &v);
    assert!(vdir.join(format!("{T0}.h264")).is_file());
    assert!(vdir.join("key.json").is_file());
    // Another label is another key.
    src.segment("cam2", &v, T0).await.unwrap();
    assert_eq!(src.ffmpeg_runs(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_for_one_segment_run_one_encode() {
    let dir = tempfile::tempdir().unwrap();
    let src = source(dir.path());
    let v = Variant::recorded(&tiny(Codec::H264));
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let src = src.clone();
            let v = v.clone();
            tokio::spawn(async move { src.segment("door", &v, T0).await.map(|s| s.aus.len()) })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap(), 20);
    }
    assert_eq!(src.ffmpeg_runs(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_units_start_at_a_keyframe_with_increasing_pts_across_segments() {
    let dir = tempfile::tempdir().unwrap();
    let src = source(dir.path());
    let p = tiny(Codec::H264);
    let from = T0 + 1_730;
    let to = T0 + 3_500;
    let aus: Vec<_> = src.access_units("cam1", &p, from, Some(to)).collect().await;
    let aus: Vec<_> = aus.into_iter().map(Result::unwrap).collect();
    assert!(aus[0].keyframe);
    assert_eq!(aus[0].device_time_ms, T0 + 1_500, "last keyframe at or before the start");
    assert_eq!(aus.last().unwrap().device_time_ms, T0 + 3_400);
    assert_eq!(aus.len(), 20);
    for w in aus.windows(2) {
        assert_eq!(w[1].pts_90k - w[0].pts_90k, 9_000);
    }
    for au in &aus {
        assert_eq!(au.pts_90k, au.device_time_ms * 90);
        assert_eq!(read_timestamp_sei(&au.nals), Some(au.device_time_ms));
        if au.keyframe {
            assert!(au.nals.iter().any(|n| n[0] & 0x1f == 7), "SPS before every IDR");
        }
    }
    let keyframes: Vec<_> = aus.iter().filter(|a| a.keyframe).map(|a| a.device_time_ms - T0).collect();
    assert_eq!(keyframes, vec![1_500, 2_000, 2_500, 3_000]);
    let ps = src.parameter_sets("cam1", &p, T0).await.unwrap();
    assert_eq!(ps.h264_dimensions(), Some((320, 180)));
    assert!(ps.sprop_parameter_sets().contains(','));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn h265_stream_has_vps_and_irap_keyframes() {
    let dir = tempfile::tempdir().unwrap();
    let src = source(dir.path());
    let p = tiny(Codec::H265);
    let aus: Vec<_> = src.access_units("cam1", &p, T0, Some(T0 + 1_000)).collect().await;
    let aus: Vec<_> = aus.into_iter().map(Result::unwrap).collect();
    assert_eq!(aus.len(), 10);
    assert!(aus[0].keyframe && aus[5].keyframe && !aus[1].keyframe);
    assert_eq!(read_timestamp_sei(&aus[3].nals), Some(T0 + 300));
    let ps = src.parameter_sets("cam1", &p, T0).await.unwrap();
    assert!(ps.vps.is_some());
    assert!(ps.fmtp(96).contains("sprop-vps="));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_stream_without_end_keeps_going_past_segment_boundaries() {
    let dir = tempfile::tempdir().unwrap();
    let src = source(dir.path());
    let aus: Vec<_> = src.access_units("cam1", &tiny(Codec::H264), T0, None).take(45).collect().await;
    assert_eq!(aus.len(), 45);
    assert_eq!(aus[44].as_ref().unwrap().device_time_ms, T0 + 4_400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jpeg_snapshot_decodes_at_the_requested_size() {
    let dir = tempfile::tempdir().unwrap();
    let src = source(dir.path());
    let p = tiny(Codec::H264);
    let snap = src.snapshot("cam1", &p, T0 + 1_234, &SnapshotOptions::default()).await.unwrap();
    assert_eq!(snap.frame_ms, T0 + 1_200);
    assert_eq!(&snap.jpeg[..3], &[0xff, 0xd8, 0xff]);
    let file = dir.path().join("s.jpg");
    std::fs::write(&file, &snap.jpeg).unwrap();
    let info = src.probe(&file).await.unwrap();
    let v = info.video().unwrap();
    assert_eq!((v.codec_name.as_str(), v.width, v.height), ("mjpeg", Some(320), Some(180)));

    let small = SnapshotOptions { width: Some(160), height: None, osd: Osd::default() };
    let jpeg = src.jpeg_at("cam1", &p, T0 + 1_234, &small).await.unwrap();
    std::fs::write(&file, &jpeg).unwrap();
    let v = src.probe(&file).await.unwrap().video().cloned().unwrap();
    assert_eq!((v.width, v.height), (Some(160), Some(90)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mp4_clip_is_remuxed_with_the_requested_duration_codec_and_size() {
    let dir = tempfile::tempdir().unwrap();
    let src = source(dir.path());
    let p = tiny(Codec::H264);
    let (from, to) = (T0 + 700, T0 + 3_300);
    let clip = src.clip("cam1", &p, &[(from, to)], &ClipOptions::default()).await.unwrap();
    assert!(!clip.transcoded);
    let file = dir.path().join("c.mp4");
    std::fs::write(&file, &clip.bytes).unwrap();
    // moov before mdat (fast start).
    let pos = |tag: &[u8]| clip.bytes.windows(4).position(|w| w == tag).unwrap();
    assert!(pos(b"moov") < pos(b"mdat"));
    let info = src.probe(&file).await.unwrap();
    let v = info.video().unwrap();
    assert_eq!((v.codec_name.as_str(), v.width, v.height), ("h264", Some(320), Some(180)));
    assert!((v.fps.unwrap() - 10.0).abs() < 0.01);
    let got_ms = (info.duration_s.unwrap() * 1000.0).round() as i64;
    let want_ms = to - from;
    assert!(got_ms >= want_ms && got_ms <= want_ms + p.gop_ms(), "duration {got_ms} for {want_ms}");

    // The OCR-free time check: the frames carry device times inside the window (from the
    // keyframe at or before its start).
    let times = sei_times(&src, &file, Codec::H264).await;
    assert_eq!(times.len(), clip.frames);
    assert_eq!(times[0], T0 + 500);
    assert!(times.iter().all(|&t| t >= from - p.gop_ms() && t < to));
    assert!(times.windows(2).all(|w| w[1] > w[0]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clip_over_two_ranges_closes_the_gap() {
    let dir = tempfile::tempdir().unwrap();
    let src = source(dir.path());
    let p = tiny(Codec::H264);
    let ranges = [(T0, T0 + 1_000), (T0 + 3_000, T0 + 4_000)];
    let clip = src.clip("cam1", &p, &ranges, &ClipOptions::default()).await.unwrap();
    assert_eq!(clip.frames, 20);
    let file = dir.path().join("gap.mp4");
    std::fs::write(&file, &clip.bytes).unwrap();
    let info = src.probe(&file).await.unwrap();
    assert!((info.duration_s.unwrap() - 2.0).abs() < 0.05, "{:?}", info.duration_s);
    let times = sei_times(&src, &file, Codec::H264).await;
    assert!(times.iter().all(|&t| ranges.iter().any(|&(a, b)| t >= a && t < b)));
    assert_eq!(times[10], T0 + 3_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transcoded_clip_changes_codec_size_and_osd() {
    let dir = tempfile::tempdir().unwrap();
    let src = source(dir.path());
    let p = tiny(Codec::H264);
    let opts = ClipOptions {
        codec: Some(Codec::H265),
        width: Some(160),
        height: Some(90),
        fps: Some(5),
        qvalue: Some(40),
        osd_format: Some(OsdFormat::H12),
        ..Default::default()
    };
    let (from, to) = (T0, T0 + 2_000);
    let clip = src.clip("cam1", &p, &[(from, to)], &opts).await.unwrap();
    assert!(clip.transcoded);
    let file = dir.path().join("t.mp4");
    std::fs::write(&file, &clip.bytes).unwrap();
    let info = src.probe(&file).await.unwrap();
    let v = info.video().unwrap();
    assert_eq!((v.codec_name.as_str(), v.width, v.height), ("hevc", Some(160), Some(90)));
    assert!((v.fps.unwrap() - 5.0).abs() < 0.01);
    let times = sei_times(&src, &file, Codec::H265).await;
    assert_eq!(times.len(), 10);
    assert!(times.iter().all(|&t| t >= from && t < to));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mkv_clip_carries_g711_audio_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let src = source(dir.path());
    let mut p = tiny(Codec::H264);
    p.audio = Some(AudioParams::pcmu());
    let opts = ClipOptions { container: Container::Mkv, audio: true, ..Default::default() };
    let clip = src.clip("cam1", &p, &[(T0, T0 + 1_000)], &opts).await.unwrap();
    assert!(clip.has_audio && !clip.transcoded);
    let file = dir.path().join("a.mkv");
    std::fs::write(&file, &clip.bytes).unwrap();
    let info = src.probe(&file).await.unwrap();
    assert!(info.format_name.contains("matroska"));
    assert_eq!(info.audio().unwrap().codec_name, "pcm_mulaw");

    let mp4 = ClipOptions { audio: true, ..Default::default() };
    let clip = src.clip("cam1", &p, &[(T0, T0 + 1_000)], &mp4).await.unwrap();
    std::fs::write(&file, &clip.bytes).unwrap();
    assert_eq!(src.probe(&file).await.unwrap().audio().unwrap().codec_name, "aac");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clip_without_frames_in_range_or_with_bad_ranges_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let src = source(dir.path());
    let p = tiny(Codec::H264);
    let err = src.clip("cam1", &p, &[(T0 + 10, T0 + 5)], &ClipOptions::default()).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::InvalidArgument);
    let err = src.clip("", &p, &[(T0, T0 + 5)], &ClipOptions::default()).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::InvalidArgument);
    assert_eq!(src.ffmpeg_runs(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_ffmpeg_every_video_operation_is_unavailable() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = MediaConfig::new(dir.path());
    cfg.ffmpeg = Some(dir.path().join("no-such-ffmpeg"));
    let src = MediaSource::new(cfg).unwrap();
    let err = src.check().unwrap_err();
    assert_eq!(err.kind, ErrorKind::Unavailable);
    assert_eq!(err.message, "ffmpeg not found: install the Debian package ffmpeg");
    let p = tiny(Codec::H264);
    let first = src.access_units("cam1", &p, T0, None).next().await.unwrap();
    assert_eq!(first.unwrap_err().kind, ErrorKind::Unavailable);
    let err = src.jpeg_at("cam1", &p, T0, &SnapshotOptions::default()).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Unavailable);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn playing_a_segment_prefetches_the_next_one() {
    let dir = tempfile::tempdir().unwrap();
    let src = source(dir.path());
    let p = tiny(Codec::H264);
    let mut stream = src.access_units("cam1", &p, T0, Some(T0 + 10_000));
    let first = stream.next().await.unwrap().unwrap();
    assert_eq!(first.device_time_ms, T0);
    // Nobody asked for the second segment yet; the prefetch encodes it in the background.
    let next = src.variant_dir("cam1", &Variant::recorded(&p)).join(format!("{}.h264", T0 + 2_000));
    let mut waited = 0;
    while !next.is_file() && waited < 600 {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        waited += 1;
    }
    assert!(next.is_file(), "next segment was not prefetched");
    assert_eq!(src.ffmpeg_runs(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn segments_evicted_from_memory_reload_from_disk_without_ffmpeg() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = MediaConfig::new(dir.path());
    cfg.segment_ms = 1_000;
    cfg.memory_segments = 2;
    let src = MediaSource::new(cfg).unwrap();
    let v = Variant::recorded(&tiny(Codec::H264));
    for k in 0..4 {
        src.segment("cam1", &v, T0 + k * 1_000).await.unwrap();
    }
    assert_eq!(src.ffmpeg_runs(), 4);
    let again = src.segment("cam1", &v, T0).await.unwrap();
    assert_eq!(again.aus.len(), 10);
    assert_eq!(src.ffmpeg_runs(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unaligned_segment_start_and_bad_params_are_rejected_before_ffmpeg() {
    let dir = tempfile::tempdir().unwrap();
    let src = source(dir.path());
    let v = Variant::recorded(&tiny(Codec::H264));
    assert_eq!(src.segment("cam1", &v, T0 + 1).await.unwrap_err().kind, ErrorKind::InvalidArgument);
    let mut odd = tiny(Codec::H264);
    odd.width = 321;
    let err = src.jpeg_at("cam1", &odd, T0, &SnapshotOptions::default()).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::InvalidArgument);
    assert_eq!(src.ffmpeg_runs(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_window_yields_no_access_units_and_runs_no_ffmpeg() {
    let dir = tempfile::tempdir().unwrap();
    let src = source(dir.path());
    let aus: Vec<_> = src.access_units("cam1", &tiny(Codec::H264), T0 + 500, Some(T0 + 500)).collect().await;
    assert!(aus.is_empty());
    assert_eq!(src.ffmpeg_runs(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn encoder_pool_never_runs_more_ffmpeg_than_configured() {
    let dir = tempfile::tempdir().unwrap();
    let src = source(dir.path()); // max_encoders = 1
    let v = Variant::recorded(&tiny(Codec::H264));
    let tasks: Vec<_> = (0..4)
        .map(|k| {
            let (src, v) = (src.clone(), v.clone());
            tokio::spawn(async move { src.segment(&format!("cam{k}"), &v, T0).await.map(|_| ()) })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(src.ffmpeg_runs(), 4);
    assert_eq!(src.ffmpeg_peak(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parameter_sets_come_from_any_cached_segment_without_encoding_another() {
    let dir = tempfile::tempdir().unwrap();
    let p = tiny(Codec::H264);
    let first = source(dir.path());
    let ps = first.parameter_sets("cam1", &p, T0).await.unwrap();
    assert_eq!(first.ffmpeg_runs(), 1);
    // Another process asks for a time far from the cached segment: the disk answers.
    let second = source(dir.path());
    assert_eq!(second.parameter_sets("cam1", &p, T0 + 86_400_000).await.unwrap(), ps);
    assert_eq!(second.ffmpeg_runs(), 0);
    // And the segments agree: the one for the other time has the same parameter sets.
    let later = second.segment("cam1", &Variant::recorded(&p), T0 + 86_400_000).await.unwrap();
    assert_eq!(later.parameter_sets, ps);
}
