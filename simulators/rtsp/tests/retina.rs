//! A real Rust RTSP client (retina) against the server: DESCRIBE with Digest, SETUP over TCP and
//! UDP, PLAY, frames received, and the in-band device timestamps inside the requested window.
//! (retina sends neither PAUSE nor Range; `playback.rs` covers those with raw bytes.)

mod common;

use std::sync::Arc;

use common::TestDevice;
use devsim_core::Clock;
use devsim_media::Codec;
use devsim_rtsp::Policy;
use futures::StreamExt;
use retina::client::{
    Credentials, PlayOptions, SessionOptions, SetupOptions, TcpTransportOptions, Transport,
    UdpTransportOptions,
};
use retina::codec::CodecItem;

/// Device timestamps (from our SEI) of the first `n` video frames of `url`.
async fn frame_times(url: String, transport: Transport, n: usize) -> (Vec<i64>, Option<(usize, usize)>) {
    let url = url::Url::parse(&url).unwrap();
    let creds = Credentials { username: "test".into(), password: "test".into() };
    let opts = SessionOptions::default().creds(Some(creds));
    let mut session = retina::client::Session::describe(url, opts).await.expect("DESCRIBE");
    let dims = session.streams()[0].parameters().and_then(|p| match p {
        retina::codec::ParametersRef::Video(v) => Some(v.pixel_dimensions()),
        _ => None,
    });
    let dims = dims.map(|(w, h)| (w as usize, h as usize));
    session.setup(0, SetupOptions::default().transport(transport)).await.expect("SETUP");
    let mut demuxed = session.play(PlayOptions::default()).await.expect("PLAY").demuxed().expect("demux");
    let mut times = Vec::new();
    while times.len() < n {
        let item =
            tokio::time::timeout(common::raw::GUARD, demuxed.next()).await.expect("frames keep coming");
        match item.expect("stream open").expect("valid item") {
            CodecItem::VideoFrame(f) => {
                // Length-prefixed NAL units (AVC format).
                let mut nals = Vec::new();
                let mut d = f.data();
                while d.len() >= 4 {
                    let len = u32::from_be_bytes([d[0], d[1], d[2], d[3]]) as usize;
                    nals.push(&d[4..4 + len]);
                    d = &d[4 + len..];
                }
                times.push(devsim_media::read_timestamp_sei(&nals).expect("frame carries its device time"));
            }
            _ => continue,
        }
    }
    (times, dims)
}

fn device(codec: Codec) -> (Arc<TestDevice>, i64) {
    let clock = Clock::system();
    let now = clock.now_ms();
    let dev = TestDevice::with_clip(clock, Policy::standard(), codec);
    *dev.recordings.lock().unwrap() = vec![(now - 3_600_000, i64::MAX)];
    (Arc::new(dev), now)
}

#[tokio::test]
async fn retina_plays_recorded_video_over_tcp_from_the_requested_time() {
    let (dev, now) = device(Codec::H264);
    let (server, shutdown) = common::start(dev).await;
    let t = (now - 600_000) / 1000;
    let url = format!("rtsp://{}/cam=cam1?time={t}", server.local_addr());
    let (times, dims) = frame_times(url, Transport::Tcp(TcpTransportOptions::default()), 15).await;
    assert_eq!(dims, Some((160, 120)));
    let start = t * 1000;
    // Playback starts at the key frame covering the requested time and moves forward.
    assert!(times[0] <= start && times[0] > start - 2_000, "first frame {} vs {start}", times[0]);
    assert!(times.windows(2).all(|w| w[1] - w[0] == 100), "10 fps, no gaps: {times:?}");
    assert!(*times.last().unwrap() < start + 60_000);
    shutdown.cancel();
    server.wait().await;
}

#[tokio::test]
async fn retina_plays_recorded_video_over_udp() {
    let (dev, now) = device(Codec::H264);
    let (server, shutdown) = common::start(dev).await;
    let t = (now - 120_000) / 1000;
    let url = format!("rtsp://{}/cam=cam1?time={t}", server.local_addr());
    let (times, _) = frame_times(url, Transport::Udp(UdpTransportOptions::default()), 10).await;
    assert!(times[0] <= t * 1000 && times[0] > t * 1000 - 2_000);
    shutdown.cancel();
    server.wait().await;
}

#[tokio::test]
async fn retina_plays_live_h265_at_the_device_time() {
    let (dev, _) = device(Codec::H265);
    let (server, shutdown) = common::start(dev).await;
    let url = format!("rtsp://{}/live/cam1", server.local_addr());
    let before = Clock::system().now_ms();
    let (times, _) = frame_times(url, Transport::Tcp(TcpTransportOptions::default()), 8).await;
    let after = Clock::system().now_ms();
    // Live starts at the key frame before "now" (GOP of one second) and never runs ahead of it.
    assert!(times[0] >= before - 1_100, "{} vs {before}", times[0]);
    assert!(*times.last().unwrap() <= after);
    shutdown.cancel();
    server.wait().await;
}

#[tokio::test]
async fn retina_plays_the_fortirecorder_layout_with_digest() {
    // FortiRecorder's SDP has no s= or c= line and its Content-Base has no trailing slash.
    let clock = Clock::system();
    let now = clock.now_ms();
    let dev = TestDevice::new(clock, Policy::fortirecorder());
    *dev.recordings.lock().unwrap() = vec![(now - 3_600_000, i64::MAX)];
    let (server, shutdown) = common::start(Arc::new(dev)).await;
    let t = (now - 300_000) / 1000;
    let url = format!("rtsp://{}/cam=cam1?time={t}", server.local_addr());
    let (times, dims) = frame_times(url, Transport::Tcp(TcpTransportOptions::default()), 5).await;
    assert_eq!(dims, Some((160, 120)));
    assert!(times[0] <= t * 1000 && times[0] > t * 1000 - 2_000);
    shutdown.cancel();
    server.wait().await;
}
