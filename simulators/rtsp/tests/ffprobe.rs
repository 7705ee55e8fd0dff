//! ffprobe (a real client, libavformat's RTSP demuxer) opens streams over TCP and UDP with Digest
//! credentials and decodes frames at the advertised size: from the looping test clip and from
//! devsim-media's ffmpeg-made test media.

mod common;

use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use common::TestDevice;
use devsim_core::Clock;
use devsim_media::{Codec, MediaConfig, MediaSource};
use devsim_rtsp::{Policy, VideoSource};

struct Probe {
    codec: String,
    width: u64,
    height: u64,
    frames: usize,
}

/// Runs ffprobe on `url` reading `packets` packets; panics with ffprobe's stderr on failure.
async fn ffprobe(url: &str, transport: &str, packets: u32) -> Probe {
    let mut cmd = tokio::process::Command::new("ffprobe");
    cmd.args(["-v", "error", "-rtsp_transport", transport, "-select_streams", "v:0"])
        .args(["-show_entries", "stream=codec_name,width,height:frame=key_frame"])
        .args(["-read_intervals", &format!("%+#{packets}"), "-of", "json", url])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let out = tokio::time::timeout(Duration::from_secs(60), cmd.output())
        .await
        .expect("ffprobe finishes")
        .expect("ffprobe runs (Debian package ffmpeg)");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "ffprobe failed: {}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_str(&text).expect("ffprobe JSON");
    let s = &v["streams"][0];
    Probe {
        codec: s["codec_name"].as_str().unwrap_or("").to_owned(),
        width: s["width"].as_u64().unwrap_or(0),
        height: s["height"].as_u64().unwrap_or(0),
        frames: v["frames"].as_array().map(|a| a.len()).unwrap_or(0),
    }
}

async fn probe_device(media: Arc<dyn VideoSource>, codec: Codec, path: &str, transport: &str) -> Probe {
    let clock = Clock::system();
    let now = clock.now_ms();
    let dev = TestDevice::with_media(clock, Policy::standard(), codec, media);
    *dev.recordings.lock().unwrap() = vec![(now - 600_000, i64::MAX)];
    let (server, shutdown) = common::start(Arc::new(dev)).await;
    let url = format!("rtsp://test:test@{}{path}", server.local_addr());
    let p = ffprobe(&url, transport, 25).await;
    shutdown.cancel();
    server.wait().await;
    p
}

#[tokio::test]
async fn ffprobe_decodes_playback_over_tcp() {
    let t = Clock::system().now_secs() - 300;
    let p =
        probe_device(Arc::new(common::clip(Codec::H264)), Codec::H264, &format!("/cam=cam1?time={t}"), "tcp")
            .await;
    assert_eq!((p.codec.as_str(), p.width, p.height), ("h264", 160, 120));
    assert!(p.frames >= 20, "decoded {} frames", p.frames);
}

#[tokio::test]
async fn ffprobe_decodes_live_h265_over_udp() {
    let p = probe_device(Arc::new(common::clip(Codec::H265)), Codec::H265, "/live/cam1", "udp").await;
    assert_eq!((p.codec.as_str(), p.width, p.height), ("hevc", 160, 120));
    assert!(p.frames >= 20, "decoded {} frames", p.frames);
}

#[tokio::test]
async fn ffprobe_decodes_devsim_media_over_tcp_and_udp() {
    let dir = tempfile::tempdir().unwrap();
    let media = MediaSource::new(MediaConfig { segment_ms: 2_000, ..MediaConfig::new(dir.path()) }).unwrap();
    media.check().expect("ffmpeg and the OSD font are installed");
    let media: Arc<dyn VideoSource> = Arc::new(media);
    let t = Clock::system().now_secs() - 120;
    for transport in ["tcp", "udp"] {
        let p = probe_device(media.clone(), Codec::H264, &format!("/cam=cam1?time={t}"), transport).await;
        assert_eq!((p.codec.as_str(), p.width, p.height), ("h264", 160, 120), "{transport}");
        assert!(p.frames >= 20, "{transport}: decoded {} frames", p.frames);
    }
}
