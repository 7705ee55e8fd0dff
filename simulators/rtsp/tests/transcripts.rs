//! Replays the FortiRecorder document's RTSP exchanges (spec §2.3.8, transcripts T1 and T2) byte
//! for byte with the doc-replay seeds of §4.11, and checks the RTP that follows.

mod common;

use std::sync::Arc;

use base64::Engine as _;
use bytes::Bytes;
use common::raw::{hole_rtp_info, parse_transcript, RawClient, GUARD};
use common::TestDevice;
use devsim_core::Clock;
use devsim_media::{Codec, ParameterSets};
use devsim_rtsp::{Policy, SessionSeed};
use tokio::net::UdpSocket;

fn doc_policy() -> Policy {
    // The document prints no Content-Type on DESCRIBE.
    Policy { describe_content_type: false, ..Policy::fortirecorder() }
}

fn doc_parameter_sets() -> ParameterSets {
    let d = |s: &str| Bytes::from(base64::engine::general_purpose::STANDARD.decode(s).unwrap());
    ParameterSets {
        codec: Codec::H264,
        vps: None,
        sps: d("Z0IAKOkAoAQncSAA27oAM3+YA2IEJQ=="),
        pps: d("aM4xUg=="),
    }
}

fn doc_device(now_ms: i64, nonce: &str, seed: SessionSeed) -> TestDevice {
    let mut dev = TestDevice::new(Clock::manual(now_ms), doc_policy());
    dev.media = Arc::new(common::clip(Codec::H264).with_sdp_parameter_sets(doc_parameter_sets()));
    dev.nonces.lock().unwrap().push_back(nonce.to_owned());
    dev.seeds.lock().unwrap().push_back(seed);
    dev
}

async fn udp_pair() -> (UdpSocket, UdpSocket, String) {
    let rtp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let rtcp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let ports = format!("{}-{}", rtp.local_addr().unwrap().port(), rtcp.local_addr().unwrap().port());
    (rtp, rtcp, ports)
}

struct Rtp {
    seq: u16,
    ts: u32,
    ssrc: u32,
    ntp_secs: u32,
    flags: u8,
    cseq: u8,
}

async fn next_rtp(sock: &UdpSocket) -> Rtp {
    let mut buf = [0u8; 2048];
    let n = tokio::time::timeout(GUARD, sock.recv(&mut buf)).await.expect("RTP arrives").unwrap();
    let p = &buf[..n];
    assert_eq!(p[0] & 0xC0, 0x80, "RTP version 2");
    assert_eq!(p[0] & 0x10, 0x10, "header extension present");
    assert_eq!(p[1] & 0x7F, 96);
    assert_eq!(&p[12..16], &[0xAB, 0xAC, 0, 3], "ONVIF replay extension");
    Rtp {
        seq: u16::from_be_bytes([p[2], p[3]]),
        ts: u32::from_be_bytes([p[4], p[5], p[6], p[7]]),
        ssrc: u32::from_be_bytes([p[8], p[9], p[10], p[11]]),
        ntp_secs: u32::from_be_bytes([p[16], p[17], p[18], p[19]]),
        flags: p[24],
        cseq: p[25],
    }
}

#[tokio::test]
async fn transcript_t1_absolute_clock_replays_byte_for_byte() {
    // 2023-07-12T19:12:44Z: one minute after the requested start; the clock stands still.
    let seed = SessionSeed {
        id: "rQ4NTXL27tda9abD".into(),
        ssrc: 0x19d2_6fa8,
        first_seq: 1,
        rtp_base: 2_519_022_532,
        server_rtp_port: Some(20942),
    };
    let dev = Arc::new(doc_device(1_689_189_164_000, "427e06651ff20c8c4edb0d2b7425062c", seed));
    let (server, shutdown) = common::start(dev).await;
    let (rtp, rtcp, ports) = udp_pair().await;
    let mut c = RawClient::connect(server.local_addr()).await;
    let text = include_str!("../testdata/fortirecorder-T1.txt").replace("8382-8383", &ports);
    let steps = parse_transcript(&text);
    assert_eq!(steps.len(), 7);
    let mut first_play_seq = 0;
    for (i, step) in steps.iter().enumerate() {
        let got = c.request(&step.request).await;
        let (got_n, got_vals) = hole_rtp_info(&got);
        let (want_n, _) = hole_rtp_info(&step.response);
        if i == 5 {
            // Second PLAY (seek): seq continues after what was sent; values are volatile.
            assert_eq!(got_n, want_n, "step {i}");
            let (seq, rtptime) = got_vals.unwrap();
            assert!(seq > first_play_seq, "seq continues: {seq}");
            assert_eq!(rtptime, 2_519_022_532 + 9000, "one frame after the first");
        } else {
            assert_eq!(got, step.response, "step {i}");
        }
        if i == 4 {
            first_play_seq = 1;
            let p = next_rtp(&rtp).await;
            assert_eq!((p.seq, p.ts, p.ssrc), (1, 2_519_022_532, 0x19d2_6fa8));
            assert_eq!(p.ntp_secs, 0xE859_7970, "NTP time of 2023-07-12T19:11:44Z");
            assert_eq!(p.flags & 0xA0, 0xA0, "clean point and discontinuity on the first packet");
            assert_eq!(p.cseq, 4);
            // An RTCP sender report follows, its NTP time being the device clock (19:12:44Z).
            let mut buf = [0u8; 512];
            let n = tokio::time::timeout(GUARD, rtcp.recv(&mut buf)).await.expect("RTCP arrives").unwrap();
            assert!(n >= 28);
            assert_eq!(buf[1], 200, "sender report");
            assert_eq!(&buf[4..8], &0x19d2_6fa8u32.to_be_bytes());
            assert_eq!(u32::from_be_bytes([buf[8], buf[9], buf[10], buf[11]]), 0xE859_7970 + 60);
        }
        if i == 5 {
            // Packets of the new delivery carry CSeq 5 and start ten seconds later.
            let p = loop {
                let p = next_rtp(&rtp).await;
                if p.cseq == 5 {
                    break p;
                }
            };
            assert_eq!(p.ntp_secs, 0xE859_7970 + 10);
            assert_eq!(p.flags & 0x20, 0x20, "discontinuity after the seek");
        }
    }
    assert_eq!(server.active_sessions(), 0, "TEARDOWN destroyed the session");
    shutdown.cancel();
    server.wait().await;
}

#[tokio::test]
async fn transcript_t2_vlc_npt_pause_and_seek_recenters_the_window() {
    let now = 1_689_192_000_000;
    let seed = SessionSeed {
        id: "kQ16P8x1hF0qgrGp".into(),
        ssrc: 0x19d2_6fa8,
        first_seq: 1,
        rtp_base: 2_616_060_667,
        server_rtp_port: Some(20028),
    };
    let dev = Arc::new(doc_device(now, "bda3ff5dd24b4b7175cd7420af971b16", seed));
    let clock = dev.runtime.clock.clone();
    let (server, shutdown) = common::start(dev).await;
    let (rtp, _rtcp, ports) = udp_pair().await;
    let mut c = RawClient::connect(server.local_addr()).await;
    let text = include_str!("../testdata/fortirecorder-T2.txt").replace("65070-65071", &ports);
    let steps = parse_transcript(&text);
    assert_eq!(steps.len(), 8);
    for (i, step) in steps.iter().enumerate() {
        if i == 6 {
            // The document's seek came about 6.44 s after the first PLAY.
            clock.advance_ms(6_440);
        }
        let got = c.request(&step.request).await;
        if i == 6 {
            let (got_n, vals) = hole_rtp_info(&got);
            let (want_n, _) = hole_rtp_info(&step.response);
            assert_eq!(got_n, want_n, "step {i}");
            assert!(vals.unwrap().0 > 1, "seq continues across PAUSE and seek");
        } else {
            assert_eq!(got, step.response, "step {i}");
        }
        if i == 4 {
            let p = next_rtp(&rtp).await;
            assert_eq!((p.seq, p.ts), (1, 2_616_060_667));
            // Start = now - 60 s.
            assert_eq!(p.ntp_secs as i64, (now - 60_000) / 1000 + 2_208_988_800);
        }
    }
    shutdown.cancel();
    server.wait().await;
}
