//! Playback behaviour over RTP/AVP/TCP interleaved, checked from raw bytes: PAUSE and resume,
//! seeking, gap skipping with the ONVIF E/D/T bits, Scale, closed ranges, npt ranges, and the
//! RTSP errors.

mod common;

use std::sync::Arc;

use common::raw::{header, status, RawClient};
use common::TestDevice;
use devsim_core::{Clock, Power};
use devsim_rtsp::{AuthScheme, Policy};

const T: i64 = 1_689_189_104_000; // 2023-07-12T19:11:44Z, a key frame

fn device(policy: Policy, recordings: Vec<(i64, i64)>) -> Arc<TestDevice> {
    // The clock runs from one hour after T, so every recording below is in the past.
    let clock = Clock::system();
    clock.set_ms(T + 3_600_000 * 2);
    let mut dev = TestDevice::new(clock, policy);
    dev.auth = AuthScheme::None;
    *dev.recordings.lock().unwrap() = recordings;
    Arc::new(dev)
}

fn req(method: &str, url: &str, cseq: u32, extra: &str) -> String {
    format!("{method} {url} RTSP/1.0\r\nCSeq: {cseq}\r\n{extra}\r\n")
}

/// SETUP over TCP on `url`'s track; returns the session id.
async fn setup(c: &mut RawClient, url: &str) -> String {
    let r = c
        .request(&req(
            "SETUP",
            &format!("{url}/trackID=0"),
            1,
            "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n",
        ))
        .await;
    assert_eq!(status(&r), 200, "{r}");
    assert!(header(&r, "Transport").unwrap().starts_with("RTP/AVP/TCP;unicast;interleaved=0-1;ssrc="));
    header(&r, "Session").unwrap().split(';').next().unwrap().to_owned()
}

fn seq_of(r: &str) -> u16 {
    let info = header(r, "RTP-Info").unwrap();
    info.split(";seq=").nth(1).unwrap().split(';').next().unwrap().parse().unwrap()
}

#[tokio::test]
async fn pause_stops_rtp_resume_continues_and_seek_jumps() {
    let dev = device(Policy::standard(), vec![(T - 3_600_000, T + 3_600_000)]);
    let (server, shutdown) = common::start(dev).await;
    let url = format!("rtsp://{}/cam=cam1", server.local_addr());
    let mut c = RawClient::connect(server.local_addr()).await;
    let s = setup(&mut c, &url).await;
    let sess = format!("Session: {s}\r\n");

    let (r, _) = c
        .exchange(&req(
            "PLAY",
            &url,
            2,
            &format!("{sess}Range: clock=20230712T191144Z-\r\nRequire: onvif-replay\r\n"),
        ))
        .await;
    assert_eq!(status(&r), 200, "{r}");
    assert_eq!(header(&r, "Range"), Some("clock=20230712T191144Z-"));
    let first_seq = seq_of(&r);
    let mut aus = Vec::new();
    for _ in 0..5 {
        aus.push(c.au().await);
    }
    assert_eq!(aus[0].time_ms, T);
    assert_eq!(aus[0].first_seq, first_seq, "RTP-Info seq is the first packet's");
    assert_eq!(aus[0].first_flags & 0xA0, 0xA0, "C and D on the first packet");
    assert_eq!(aus[0].ntp_secs, Some(0xE859_7970));
    assert!(aus.iter().all(|a| a.cseq == Some(2)));
    assert!(aus
        .windows(2)
        .all(|w| w[1].time_ms - w[0].time_ms == 100 && w[1].ts.wrapping_sub(w[0].ts) == 9000));

    // PAUSE: RTP stops before the answer, nothing follows it.
    let (r, more) = c.exchange(&req("PAUSE", &url, 3, &sess)).await;
    assert_eq!(status(&r), 200);
    let mut last = aus.last().unwrap().clone();
    if !more.is_empty() {
        // Finish reading the frames that were on their way.
        let mut c2 = more;
        c2.retain(|p| p.marker);
        if let Some(p) = c2.last() {
            last.last_seq = p.seq;
            last.ts = p.ts;
            last.time_ms += 100 * c2.len() as i64;
        }
    }
    let (r, none) = c.exchange(&req("OPTIONS", &url, 4, &sess)).await;
    assert_eq!(status(&r), 200);
    assert!(none.is_empty(), "no RTP while paused");

    // Resume: same position, sequence and RTP time continue.
    let (r, _) = c.exchange(&req("PLAY", &url, 5, &sess)).await;
    assert_eq!(status(&r), 200, "{r}");
    let next = c.au().await;
    assert_eq!(seq_of(&r), last.last_seq.wrapping_add(1));
    assert_eq!(next.first_seq, last.last_seq.wrapping_add(1));
    assert_eq!(next.time_ms, last.time_ms + 100, "resumes at the next frame");
    assert_eq!(next.ts.wrapping_sub(last.ts), 9000);

    // Seek ten minutes ahead.
    let (r, _) = c
        .exchange(&req(
            "PLAY",
            &url,
            6,
            &format!("{sess}Range: clock=20230712T192144Z-\r\nRequire: onvif-replay\r\n"),
        ))
        .await;
    assert_eq!(status(&r), 200, "{r}");
    let mut a = c.au().await;
    while a.cseq != Some(6) && a.time_ms < T + 600_000 {
        a = c.au().await;
    }
    assert_eq!(a.time_ms, T + 600_000);
    assert_eq!(a.first_flags & 0x20, 0x20, "D after a seek");

    let r = c.request(&req("TEARDOWN", &url, 7, &sess)).await;
    assert_eq!(status(&r), 200);
    shutdown.cancel();
    server.wait().await;
}

#[tokio::test]
async fn gaps_between_recordings_are_skipped_with_end_and_discontinuity_bits() {
    let rec = vec![(T, T + 1_500), (T + 3_600_000, T + 3_601_000)];
    let dev = device(Policy::standard(), rec);
    let (server, shutdown) = common::start(dev).await;
    let url = format!("rtsp://{}/cam=cam1", server.local_addr());
    let mut c = RawClient::connect(server.local_addr()).await;
    let s = setup(&mut c, &url).await;
    let extra = format!(
        "Session: {s}\r\nRange: clock=20230712T191144Z-\r\nRequire: onvif-replay\r\nRate-Control: no\r\n"
    );
    let (r, _) = c.exchange(&req("PLAY", &url, 2, &extra)).await;
    assert_eq!(status(&r), 200, "{r}");
    assert_eq!(header(&r, "Rate-Control"), Some("no"));
    let mut aus = Vec::new();
    for _ in 0..25 {
        aus.push(c.au().await);
    }
    let times: Vec<i64> = aus.iter().map(|a| a.time_ms - T).collect();
    let expected: Vec<i64> = (0..15).map(|i| i * 100).chain((0..10).map(|i| 3_600_000 + i * 100)).collect();
    assert_eq!(times, expected);
    assert_eq!(aus[14].last_flags & 0x40, 0x40, "E on the last frame before the gap");
    assert_eq!(aus[15].first_flags & 0x20, 0x20, "D on the first frame after the gap");
    assert_eq!(aus[15].ts.wrapping_sub(aus[14].ts), 9000, "RTP time runs on across the gap");
    assert_eq!(aus[24].last_flags & 0x10, 0x10, "T on the last recorded frame");
    assert!(aus[..24].iter().all(|a| a.last_flags & 0x10 == 0));
    shutdown.cancel();
    server.wait().await;
}

#[tokio::test]
async fn closed_clock_range_ends_with_the_terminal_bit_and_scale_compresses_rtp_time() {
    let dev = device(Policy::standard(), vec![(T - 60_000, T + 60_000)]);
    let (server, shutdown) = common::start(dev).await;
    let url = format!("rtsp://{}/cam=cam1", server.local_addr());
    let mut c = RawClient::connect(server.local_addr()).await;
    let s = setup(&mut c, &url).await;
    let extra = format!(
        "Session: {s}\r\nRange: clock=20230712T191144Z-20230712T191144.5Z\r\nScale: 2\r\nRequire: onvif-replay\r\n"
    );
    let (r, _) = c.exchange(&req("PLAY", &url, 2, &extra)).await;
    assert_eq!(status(&r), 200, "{r}");
    assert_eq!(header(&r, "Scale"), Some("2"));
    let aus = [c.au().await, c.au().await, c.au().await, c.au().await, c.au().await];
    assert_eq!(aus.iter().map(|a| a.time_ms - T).collect::<Vec<_>>(), vec![0, 100, 200, 300, 400]);
    assert!(aus.windows(2).all(|w| w[1].ts.wrapping_sub(w[0].ts) == 4500), "half the RTP time at Scale 2");
    assert_eq!(aus[4].last_flags & 0x10, 0x10, "T on the last frame of the range");
    // Nothing more comes: the next thing on the connection is the answer to OPTIONS.
    let (r, none) = c.exchange(&req("OPTIONS", &url, 3, "")).await;
    assert_eq!(status(&r), 200);
    assert!(none.is_empty());
    shutdown.cancel();
    server.wait().await;
}

#[tokio::test]
async fn npt_range_is_relative_to_the_url_time() {
    let dev = device(Policy::standard(), vec![(T - 60_000, T + 60_000)]);
    let (server, shutdown) = common::start(dev).await;
    let url = format!("rtsp://{}/cam=cam1?time={}", server.local_addr(), T / 1000);
    let mut c = RawClient::connect(server.local_addr()).await;
    let s = setup(&mut c, &url).await;
    let (r, _) = c.exchange(&req("PLAY", &url, 2, &format!("Session: {s}\r\nRange: npt=5-\r\n"))).await;
    assert_eq!(header(&r, "Range"), Some("npt=5.000-"));
    assert_eq!(c.au().await.time_ms, T + 5_000);
    shutdown.cancel();
    server.wait().await;
}

#[tokio::test]
async fn fortirecorder_policy_recenters_npt_and_clock_windows() {
    let dev = device(Policy::fortirecorder(), vec![(T - 60_000, i64::MAX)]);
    let clock = dev.runtime.clock.clone();
    clock.set_ms(T + 60_000);
    clock.freeze();
    let (server, shutdown) = common::start(dev).await;
    // URL time older than now - 1800 s: the window is re-centred (spec G28).
    let url = format!("rtsp://{}/cam=cam1?time={}", server.local_addr(), (T - 30_000) / 1000);
    let mut c = RawClient::connect(server.local_addr()).await;
    let r = c.request(&req("SETUP", &url, 1, "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n")).await;
    assert_eq!(status(&r), 200, "aggregate SETUP is fine for FortiRecorder: {r}");
    let s = header(&r, "Session").unwrap().to_owned();
    assert!(!s.contains("timeout"));
    let (r, _) = c.exchange(&req("PLAY", &url, 2, &format!("Session: {s}\r\nRange: npt=0.000-\r\n"))).await;
    assert_eq!(header(&r, "Range"), Some("npt=3510-3600"), "{r}");
    assert_eq!(c.au().await.time_ms, T - 30_000);
    let (r, _) = c
        .exchange(&req("PLAY", &url, 3, &format!("Session: {s}\r\nRange: clock=20230712T191144-\r\n")))
        .await;
    assert_eq!(header(&r, "Range"), Some("clock=20230712T191144-"), "clock ranges are echoed");
    let mut a = c.au().await;
    while a.cseq != Some(3) {
        a = c.au().await;
    }
    assert_eq!(a.time_ms, T, "ONVIF extension on every playback packet, with the PLAY CSeq");
    shutdown.cancel();
    server.wait().await;
}

#[tokio::test]
async fn errors_are_the_rfc_2326_codes() {
    let mut policy = Policy::standard();
    policy.public.retain(|m| *m != devsim_rtsp::Method::SetParameter);
    let dev = device(policy, vec![(T - 60_000, T + 60_000)]);
    let (server, shutdown) = common::start(dev.clone()).await;
    let base = format!("rtsp://{}", server.local_addr());
    let url = format!("{base}/cam=cam1");
    let mut c = RawClient::connect(server.local_addr()).await;
    let code = |r: String| status(&r);
    assert_eq!(code(c.request(&req("DESCRIBE", &format!("{base}/cam=nosuch"), 1, "")).await), 404);
    assert_eq!(code(c.request(&req("DESCRIBE", &format!("{base}/other"), 2, "")).await), 400);
    assert_eq!(code(c.request(&req("PLAY", &url, 3, "Session: bogus\r\n")).await), 454);
    assert_eq!(code(c.request(&req("PAUSE", &url, 4, "")).await), 454);
    let multicast = "Transport: RTP/AVP;multicast\r\n";
    assert_eq!(code(c.request(&req("SETUP", &format!("{url}/trackID=0"), 5, multicast)).await), 461);
    let tcp = "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n";
    assert_eq!(code(c.request(&req("SETUP", &url, 6, tcp)).await), 459, "aggregate SETUP");
    let s = setup(&mut c, &url).await;
    let r = c.request(&req("PLAY", &url, 7, &format!("Session: {s}\r\nRequire: funky-feature\r\n"))).await;
    assert_eq!((status(&r), header(&r, "Unsupported")), (551, Some("funky-feature")));
    let beyond = format!("Session: {s}\r\nRange: clock=20230713T000000Z-\r\n");
    assert_eq!(code(c.request(&req("PLAY", &url, 8, &beyond)).await), 457);
    assert_eq!(
        code(c.request(&req("PLAY", &url, 9, &format!("Session: {s}\r\nRange: bogus\r\n"))).await),
        400
    );
    let r = c.request(&req("SET_PARAMETER", &url, 10, "")).await;
    assert_eq!(status(&r), 405);
    assert!(header(&r, "Allow").unwrap().contains("GET_PARAMETER"));
    assert_eq!(code(c.request(&req("FROBNICATE", &url, 11, "")).await), 501);
    let r = c.request(&req("GET_PARAMETER", &url, 12, &format!("Session: {s}\r\n"))).await;
    assert_eq!((status(&r), header(&r, "CSeq")), (200, Some("12")));
    assert!(header(&r, "Session").unwrap().ends_with(";timeout=60"));
    assert_eq!(code(c.request("OPTIONS * RTSP/1.0\r\n\r\n").await), 400, "no CSeq");
    assert_eq!(server.active_sessions(), 1);
    // An oversized header block is refused and the connection closed.
    let mut big = RawClient::connect(server.local_addr()).await;
    big.send(format!("OPTIONS {url} RTSP/1.0\r\nX: {}\r\n\r\n", "a".repeat(20_000)).as_bytes()).await;
    let rest = String::from_utf8_lossy(&big.read_to_close().await).into_owned();
    assert!(rest.starts_with("RTSP/1.0 413 "), "{rest}");
    shutdown.cancel();
    server.wait().await;
}

#[tokio::test]
async fn digest_is_required_and_a_wrong_response_is_refused() {
    let dev = TestDevice::new(Clock::manual(T), Policy::fortirecorder());
    dev.nonces.lock().unwrap().push_back("427e06651ff20c8c4edb0d2b7425062c".into());
    let (server, shutdown) = common::start(Arc::new(dev)).await;
    let url = "rtsp://172.20.131.56:8554/cam=cam1";
    let mut c = RawClient::connect(server.local_addr()).await;
    let r = c.request(&req("DESCRIBE", url, 1, "")).await;
    assert_eq!(status(&r), 401);
    let auth = |resp: &str| {
        format!(
            "Authorization: Digest username=\"test\", realm=\"FortiRecorder\", \
             nonce=\"427e06651ff20c8c4edb0d2b7425062c\", uri=\"{url}\", response=\"{resp}\"\r\n"
        )
    };
    let r = c.request(&req("DESCRIBE", url, 2, &auth("a085f7fac48b09f98a59bd6978d914af"))).await;
    assert_eq!(status(&r), 401, "altered response");
    assert_eq!(
        header(&r, "WWW-Authenticate").unwrap(),
        "Digest realm=\"FortiRecorder\", nonce=\"427e06651ff20c8c4edb0d2b7425062c\"",
        "same nonce for the whole connection"
    );
    let r = c.request(&req("DESCRIBE", url, 3, &auth("a085f7fac48b09f98a59bd6978d914ae"))).await;
    assert_eq!(status(&r), 200);
    assert_eq!(header(&r, "Content-Type"), Some("application/sdp"));
    shutdown.cancel();
    server.wait().await;
}

#[tokio::test]
async fn power_off_closes_sessions_and_the_listener_and_power_on_reopens() {
    let dev = device(Policy::standard(), vec![(T - 60_000, T + 60_000)]);
    let (server, shutdown) = common::start(dev.clone()).await;
    let url = format!("rtsp://{}/cam=cam1", server.local_addr());
    let mut c = RawClient::connect(server.local_addr()).await;
    setup(&mut c, &url).await;
    assert_eq!(server.active_sessions(), 1);
    let mut listening = server.listening();
    dev.runtime.set_power(Power::Off);
    c.read_to_close().await;
    listening.wait_for(|l| !*l).await.unwrap();
    assert!(tokio::net::TcpStream::connect(server.local_addr()).await.is_err(), "connection refused");
    assert_eq!(server.active_sessions(), 0);
    dev.runtime.set_power(Power::On);
    listening.wait_for(|l| *l).await.unwrap();
    let mut c = RawClient::connect(server.local_addr()).await;
    assert_eq!(status(&c.request(&req("OPTIONS", &url, 1, "")).await), 200);
    shutdown.cancel();
    server.wait().await;
}

#[tokio::test]
async fn idle_sessions_expire_and_keepalives_hold_them() {
    let mut policy = Policy::standard();
    policy.session_timeout_s = 1;
    let dev = device(policy, vec![(T - 60_000, T + 60_000)]);
    let (server, shutdown) = common::start(dev).await;
    let url = format!("rtsp://{}/cam=cam1", server.local_addr());
    let mut idle = RawClient::connect(server.local_addr()).await;
    let mut kept = RawClient::connect(server.local_addr()).await;
    let s_idle = setup(&mut idle, &url).await;
    let s_kept = setup(&mut kept, &url).await;
    for i in 0..6 {
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        let r = kept.request(&req("GET_PARAMETER", &url, 10 + i, &format!("Session: {s_kept}\r\n"))).await;
        assert_eq!(status(&r), 200);
    }
    // The idle session is gone (only the kept one is left), and its idle connection closes.
    assert_ne!(s_idle, s_kept);
    assert_eq!(server.active_sessions(), 1);
    idle.read_to_close().await;
    let r = kept.request(&req("PLAY", &url, 20, &format!("Session: {s_idle}\r\n"))).await;
    assert_eq!(status(&r), 454, "an expired session is not found");
    shutdown.cancel();
    server.wait().await;
}

#[tokio::test]
async fn a_client_that_never_finishes_its_request_is_disconnected() {
    let mut policy = Policy::standard();
    policy.request_timeout_s = 1;
    let dev = device(policy, vec![(T, T + 1)]);
    let (server, shutdown) = common::start(dev).await;
    let mut c = RawClient::connect(server.local_addr()).await;
    c.send(b"OPTIONS rtsp://h/ RTSP/1.0\r\nCSeq: 1\r\n").await;
    assert!(c.read_to_close().await.is_empty(), "closed without an answer");
    shutdown.cancel();
    server.wait().await;
}

#[tokio::test]
async fn garbage_on_the_wire_never_takes_the_server_down() {
    use rand::{Rng, SeedableRng};
    let dev = device(Policy::standard(), vec![(T - 60_000, T + 60_000)]);
    let (server, shutdown) = common::start(dev).await;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let pieces: [&[u8]; 8] = [
        b"OPTIONS ",
        b"rtsp://h/ RTSP/1.0",
        b"\r\n",
        b"CSeq: ",
        b"$\x00\x10",
        b"Content-Length: 3",
        b":",
        b"\xff",
    ];
    for _ in 0..100 {
        let mut data = Vec::new();
        for _ in 0..rng.gen_range(1..30) {
            if rng.gen_bool(0.7) {
                data.extend_from_slice(pieces[rng.gen_range(0..pieces.len())]);
            } else {
                data.extend((0..rng.gen_range(1..20)).map(|_| rng.gen::<u8>()));
            }
        }
        let mut c = tokio::net::TcpStream::connect(server.local_addr()).await.unwrap();
        use tokio::io::AsyncWriteExt;
        let _ = c.write_all(&data).await;
        drop(c);
    }
    let mut c = RawClient::connect(server.local_addr()).await;
    assert_eq!(status(&c.request(&req("OPTIONS", "rtsp://h/", 1, "")).await), 200);
    shutdown.cancel();
    server.wait().await;
}

#[tokio::test]
async fn basic_credentials_are_accepted_when_the_device_asks_for_basic() {
    let clock = Clock::system();
    clock.set_ms(T + 60_000);
    let mut dev = TestDevice::new(clock, Policy::standard());
    dev.auth = AuthScheme::Basic { realm: "cam".into() };
    let (server, shutdown) = common::start(Arc::new(dev)).await;
    let url = format!("rtsp://{}/cam=cam1", server.local_addr());
    let mut c = RawClient::connect(server.local_addr()).await;
    let r = c.request(&req("DESCRIBE", &url, 1, "")).await;
    assert_eq!((status(&r), header(&r, "WWW-Authenticate")), (401, Some("Basic realm=\"cam\"")));
    let wrong = format!("Authorization: {}\r\n", devsim_core::auth::basic::encode("test", "nope"));
    assert_eq!(status(&c.request(&req("DESCRIBE", &url, 2, &wrong)).await), 401);
    let right = format!("Authorization: {}\r\n", devsim_core::auth::basic::encode("test", "test"));
    let r = c.request(&req("DESCRIBE", &url, 3, &right)).await;
    assert_eq!(status(&r), 200);
    assert!(r.contains("a=range:clock="), "recordings announce their range");
    shutdown.cancel();
    server.wait().await;
}
