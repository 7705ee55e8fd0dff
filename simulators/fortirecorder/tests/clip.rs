//! VideoClip with real media (§2.2.2, G2-G4): ffmpeg makes tiny streams (320x180 at 10 fps via the
//! `media_size` / `media_fps` options, 2 s segments) in one temporary cache shared by these tests;
//! ffprobe checks what came back and the devsim-media SEI reader proves which instants it shows.

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::{sim_with, Sim};
use devsim_media::nal::{group_access_units, split_annex_b};
use devsim_media::{read_timestamp_sei, Codec, MediaConfig, MediaSource};
use http::StatusCode;
use serde_json::json;

struct Shared {
    _dir: tempfile::TempDir,
    media: MediaSource,
}

/// One media cache for the whole test binary, as one process shares one in production.
fn media() -> MediaSource {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let mut cfg = MediaConfig::new(dir.path());
            cfg.segment_ms = 2_000;
            Shared { media: MediaSource::new(cfg).unwrap(), _dir: dir }
        })
        .media
        .clone()
}

fn tiny_sim() -> Sim {
    let s = sim_with(None, json!({"media_size": "320x180", "media_fps": 10}));
    assert!(s.dev.set_media(media()));
    s
}

fn scratch(name: &str, bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

/// Device times (ms) of every frame of an MP4, from the SEI each access unit carries.
fn sei_times(file: &Path, codec: Codec) -> Vec<i64> {
    let out = file.with_extension("es");
    let (bsf, fmt) = match codec {
        Codec::H264 => ("h264_mp4toannexb", "h264"),
        Codec::H265 => ("hevc_mp4toannexb", "hevc"),
    };
    let status = std::process::Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-y", "-i"])
        .arg(file)
        .args(["-map", "0:v:0", "-c:v", "copy", "-bsf:v", bsf, "-f", fmt])
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success(), "ffmpeg extracts the elementary stream");
    let es = bytes::Bytes::from(std::fs::read(&out).unwrap());
    group_access_units(codec, split_annex_b(&es))
        .iter()
        .map(|au| read_timestamp_sei(&au.nals).expect("every frame carries its SEI time"))
        .collect()
}

async fn post(s: &Sim, body: &str) -> common::Resp {
    let svc = s.service().await;
    s.json("POST", "/api/v1/VideoClip/", Some(&svc), body).await
}

const BEGIN: i64 = 1_584_734_700;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clip_without_parameters_is_the_recording_remuxed_as_mp4() {
    let s = tiny_sim();
    let body = format!(r#"{{"reqAction":21,"camera":"camname","begin":{BEGIN},"end":{}}}"#, BEGIN + 4);
    let r = post(&s, &body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", String::from_utf8_lossy(&r.raw));
    assert_eq!(r.headers["content-type"], "video/mp4");
    assert_eq!(r.headers["content-disposition"], format!("attachment; filename=\"camname_{BEGIN}.mp4\""));
    assert_eq!(&r.raw[4..8], b"ftyp");
    let (_d, file) = scratch("clip.mp4", &r.raw);
    let info = media().probe(&file).await.unwrap();
    let v = info.video().expect("a video stream");
    assert_eq!((v.codec_name.as_str(), v.width, v.height), ("h264", Some(320), Some(180)));
    // As recorded: 1 s GOP; the clip starts at the key frame at or before `begin`.
    let d = info.duration_s.expect("duration");
    assert!((3.9..=5.05).contains(&d), "duration {d} is 4 s within one GOP");
    assert!(info.audio().is_none(), "the profile records no audio");
    let times = sei_times(&file, Codec::H264);
    assert_eq!(times.len(), 40, "4 s at 10 fps");
    assert!(times.iter().all(|t| (BEGIN * 1000..(BEGIN + 4) * 1000).contains(t)), "{times:?}");
    assert_eq!(times[0], BEGIN * 1000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clip_with_parameters_is_transcoded_to_the_requested_codec_size_and_rate() {
    let s = tiny_sim();
    let body = format!(
        r#"{{"reqAction":21,"camera":"camera_name","begin":{BEGIN},"end":{},"audio":0,"codec":"h265",
            "fps":5,"gop":5,"qvalue":40,"bitrate":1000,"width":160,"height":90,"osdFormat":"12h",
            "osdPosition":"Bottom-Right",}}"#,
        BEGIN + 3
    );
    let r = post(&s, &body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", String::from_utf8_lossy(&r.raw));
    assert_eq!(r.headers["content-type"], "video/mp4");
    let (_d, file) = scratch("t.mp4", &r.raw);
    let info = media().probe(&file).await.unwrap();
    let v = info.video().expect("a video stream");
    assert_eq!((v.codec_name.as_str(), v.width, v.height), ("hevc", Some(160), Some(90)));
    assert!(v.fps.is_some_and(|f| (f - 5.0).abs() < 0.01), "5 fps: {:?}", v.fps);
    let d = info.duration_s.expect("duration");
    assert!((2.9..=4.05).contains(&d), "duration {d} is 3 s within one GOP");
    let times = sei_times(&file, Codec::H265);
    assert_eq!(times.len(), 15, "3 s at 5 fps");
    assert!(times.iter().all(|t| (BEGIN * 1000..(BEGIN + 3) * 1000).contains(t)), "{times:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clip_across_a_recording_gap_holds_only_recorded_frames() {
    // cam1 has a 30 s gap at 2023-07-12T19:30:00Z (1689190200..1689190230).
    let s = tiny_sim();
    let body = r#"{"reqAction":21,"camera":"cam1","begin":1689190198,"end":1689190232}"#;
    let r = post(&s, body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", String::from_utf8_lossy(&r.raw));
    let (_d, file) = scratch("gap.mp4", &r.raw);
    let times = sei_times(&file, Codec::H264);
    let before = times.iter().filter(|&&t| t < 1_689_190_200_000).count();
    let after = times.iter().filter(|&&t| t >= 1_689_190_230_000).count();
    assert_eq!((before, after, times.len()), (20, 20, 40), "2 s on each side of the gap: {times:?}");
    assert!(times.iter().all(|&t| (1_689_190_198_000..1_689_190_232_000).contains(&t)));
    let d = media().probe(&file).await.unwrap().duration_s.unwrap();
    assert!((3.9..=5.05).contains(&d), "the gap is closed: {d}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_when_end_equals_begin_is_a_decodable_jpeg() {
    let s = tiny_sim();
    let body = format!(r#"{{"reqAction":21,"camera":"camname","begin":{BEGIN},"end":{BEGIN}}}"#);
    let r = post(&s, &body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", String::from_utf8_lossy(&r.raw));
    assert_eq!(r.headers["content-type"], "image/jpeg");
    assert!(r.raw.starts_with(&[0xFF, 0xD8]) && r.raw.ends_with(&[0xFF, 0xD9]), "JPEG markers");
    let (_d, file) = scratch("snap.jpg", &r.raw);
    let v = media().probe(&file).await.unwrap();
    let v = v.video().expect("an image stream");
    assert_eq!((v.codec_name.as_str(), v.width, v.height), ("mjpeg", Some(320), Some(180)));
    // Width alone keeps the aspect ratio.
    let body = format!(r#"{{"reqAction":21,"camera":"camname","begin":{BEGIN},"end":{BEGIN},"width":160}}"#);
    let r = post(&s, &body).await;
    assert_eq!(r.status, StatusCode::OK);
    let (_d2, file) = scratch("small.jpg", &r.raw);
    let v = media().probe(&file).await.unwrap();
    assert_eq!(v.video().map(|v| (v.width, v.height)), Some((Some(160), Some(90))));
}

#[tokio::test]
async fn unknown_camera_and_unrecorded_range_keep_their_errors_with_media() {
    let s = tiny_sim();
    let r = post(&s, r#"{"reqAction":21,"camera":"nosuchcam","begin":1584734700,"end":1584734900}"#).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = post(&s, r#"{"reqAction":21,"camera":"camname","begin":1000,"end":2000}"#).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn missing_ffmpeg_is_a_500_that_says_so() {
    let s = sim_with(None, json!({"media_size": "320x180", "media_fps": 10}));
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = MediaConfig::new(dir.path());
    cfg.ffmpeg = Some(dir.path().join("no-ffmpeg-here"));
    assert!(s.dev.set_media(MediaSource::new(cfg).unwrap()));
    let r =
        post(&s, &format!(r#"{{"reqAction":21,"camera":"camname","begin":{BEGIN},"end":{BEGIN}}}"#)).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(r.body["errorType"], 1);
    let msg = r.body["errorMsg"].as_str().unwrap();
    assert!(msg.contains("ffmpeg not found"), "{msg}");
}
