//! RTSP playback on 8554 (spec §2.3, G26-G28) against real clients: the document's transcripts
//! replayed byte for byte (doc-replay seeds, §4.11), ffprobe over TCP and UDP, retina with the
//! in-band device timestamps. Media: 320x180 at 10 fps (`media_size` / `media_fps`), 2 s segments.

mod common;

use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Duration;

use devsim_core::{Clock, DeviceConfig, Store};
use devsim_fortirecorder::{FortiRecorder, KIND, STATE_VERSION};
use devsim_media::{MediaConfig, MediaSource};
use futures::StreamExt as _;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};
use tokio_util::sync::CancellationToken;

/// Guard against a hung server or client (not a timing assertion).
const GUARD: Duration = Duration::from_secs(60);
/// 2023-07-12T19:40:00Z: inside the second cam1 recording of the seed (19:30:30-20:00:00).
const NOW_MS: i64 = 1_689_190_800_000;
/// 2023-07-12T19:11:44Z, the start of transcript T1.
const T1_START: i64 = 1_689_189_104;

struct Shared {
    _dir: tempfile::TempDir,
    media: MediaSource,
}

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

struct Served {
    dev: FortiRecorder,
    clock: Clock,
    addr: SocketAddr,
    shutdown: CancellationToken,
    server: devsim_rtsp::RtspServer,
}

impl Served {
    async fn stop(self) {
        self.shutdown.cancel();
        self.server.wait().await;
    }
}

/// A FortiRecorder on `clock` with tiny media, its RTSP side served on 127.0.0.1:0.
fn serve(clock: Clock, extra: Value) -> Served {
    let mut options = json!({"media_size": "320x180", "media_fps": 10});
    if let (Some(o), Value::Object(e)) = (options.as_object_mut(), extra) {
        o.extend(e);
    }
    let cfg = DeviceConfig { id: "frc1".into(), seed: 7, options, ..DeviceConfig::default() };
    let dev = FortiRecorder::open(cfg, Store::ephemeral(KIND, STATE_VERSION), clock.clone()).unwrap();
    assert!(dev.set_media(media()));
    let listener = devsim_rtsp::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let shutdown = CancellationToken::new();
    let server = devsim_rtsp::serve(listener, dev.rtsp(), shutdown.clone());
    Served { dev, clock, addr: server.local_addr(), shutdown, server }
}

/// A running device clock starting at `NOW_MS`.
fn running_clock() -> Clock {
    let c = Clock::manual(NOW_MS);
    c.resume();
    c
}

// ----------------------------------------------------------------------------- raw bytes

struct Raw {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Raw {
    async fn connect(addr: SocketAddr) -> Raw {
        Raw { stream: TcpStream::connect(addr).await.unwrap(), buf: Vec::new() }
    }

    /// Sends `text` and returns the next whole response (interleaved frames skipped).
    async fn request(&mut self, text: &str) -> String {
        self.stream.write_all(text.as_bytes()).await.unwrap();
        loop {
            while self.buf.first() == Some(&b'$') && self.buf.len() >= 4 {
                let len = u16::from_be_bytes([self.buf[2], self.buf[3]]) as usize;
                if self.buf.len() < 4 + len {
                    break;
                }
                self.buf.drain(..4 + len);
            }
            if self.buf.first() != Some(&b'$') {
                if let Some(end) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&self.buf[..end + 4]).into_owned();
                    let len = head
                        .lines()
                        .find_map(|l| l.strip_prefix("Content-Length: "))
                        .map(|v| v.trim().parse::<usize>().unwrap())
                        .unwrap_or(0);
                    if self.buf.len() >= end + 4 + len {
                        let all: Vec<u8> = self.buf.drain(..end + 4 + len).collect();
                        return String::from_utf8(all).unwrap();
                    }
                }
            }
            let mut tmp = [0u8; 4096];
            let n = tokio::time::timeout(GUARD, self.stream.read(&mut tmp)).await.expect("answer").unwrap();
            assert!(n > 0, "connection closed before a whole response");
            self.buf.extend_from_slice(&tmp[..n]);
        }
    }
}

/// The exchanges of a transcript file (`>>` client, `<<` server; CRLF on the wire).
fn transcript(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let (mut req, mut resp) = (String::new(), String::new());
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix(">>") {
            if !resp.is_empty() {
                out.push((std::mem::take(&mut req), std::mem::take(&mut resp)));
            }
            req.push_str(rest.strip_prefix(' ').unwrap_or(rest));
            req.push_str("\r\n");
        } else if let Some(rest) = line.strip_prefix("<<") {
            resp.push_str(rest.strip_prefix(' ').unwrap_or(rest));
            resp.push_str("\r\n");
        }
    }
    out.push((req, resp));
    out
}

/// `seq=N;rtptime=M` of an RTP-Info header replaced by a hole, with the values.
fn hole_rtp_info(text: &str) -> (String, Option<(u32, u32)>) {
    let Some(i) = text.find(";seq=") else { return (text.to_owned(), None) };
    let rest = &text[i + 5..];
    let end = rest.find("\r\n").unwrap_or(rest.len());
    let (seq, rtptime) = rest[..end].split_once(";rtptime=").unwrap();
    let vals = (seq.parse().unwrap(), rtptime.parse().unwrap());
    (format!("{};seq=<<<seq>>>;rtptime=<<<rtptime>>>{}", &text[..i], &rest[end..]), Some(vals))
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
    assert_eq!(p[0] & 0xD0, 0x90, "RTP v2 with a header extension");
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

async fn udp_pair() -> (UdpSocket, UdpSocket, String) {
    let rtp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let rtcp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let ports = format!("{}-{}", rtp.local_addr().unwrap().port(), rtcp.local_addr().unwrap().port());
    (rtp, rtcp, ports)
}

const NTP_UNIX_OFFSET: i64 = 2_208_988_800;

fn md5hex(s: impl AsRef<[u8]>) -> String {
    use md5::Digest as _;
    hex::encode(md5::Md5::digest(s.as_ref()))
}

/// `Authorization` for `test`/`test` with the first doc-replay nonce (RFC 2069).
fn auth(method: &str, uri: &str) -> String {
    let ha1 = md5hex("test:FortiRecorder:test");
    let ha2 = md5hex(format!("{method}:{uri}"));
    let resp = md5hex(format!("{ha1}:427e06651ff20c8c4edb0d2b7425062c:{ha2}"));
    format!(
        "Authorization: Digest username=\"test\", realm=\"FortiRecorder\", \
         nonce=\"427e06651ff20c8c4edb0d2b7425062c\", uri=\"{uri}\", response=\"{resp}\""
    )
}

#[tokio::test]
async fn g28_time_older_than_half_a_window_recenters_at_1800() {
    let s = serve(Clock::manual(NOW_MS), json!({"rtsp_doc_replay": true}));
    let t = 1_689_188_500; // 19:01:40Z, 2300 s before now
    let url = format!("rtsp://172.20.131.56:8554/cam=cam1?time={t}");
    let (rtp, _rtcp, ports) = udp_pair().await;
    let mut c = Raw::connect(s.addr).await;
    let r = c.request(&format!("DESCRIBE {url} RTSP/1.0\r\nCSeq: 1\r\n\r\n")).await;
    assert!(r.starts_with("RTSP/1.0 401 "), "{r}");
    let r =
        c.request(&format!("DESCRIBE {url} RTSP/1.0\r\nCSeq: 2\r\n{}\r\n\r\n", auth("DESCRIBE", &url))).await;
    assert!(r.starts_with("RTSP/1.0 200 "), "{r}");
    let track = format!("{url}/streamid=0");
    let r = c
        .request(&format!(
            "SETUP {track} RTSP/1.0\r\nCSeq: 3\r\n{}\r\nTransport: RTP/AVP;unicast;client_port={ports}\r\n\r\n",
            auth("SETUP", &url)
        ))
        .await;
    assert!(r.starts_with("RTSP/1.0 200 "), "{r}");
    let session = r.lines().find_map(|l| l.strip_prefix("Session: ")).unwrap().to_owned();
    let play = |cseq: u32, range: &str| {
        format!(
            "PLAY {url} RTSP/1.0\r\nCSeq: {cseq}\r\n{}\r\nSession: {session}\r\nRange: {range}\r\n\r\n",
            auth("PLAY", &url)
        )
    };
    let r = c.request(&play(4, "npt=0.000-")).await;
    assert!(r.contains("\r\nRange: npt=1800-3600\r\n"), "{r}");
    let p = next_rtp(&rtp).await;
    assert_eq!(p.ntp_secs as i64, t + NTP_UNIX_OFFSET, "frames start at time=");
    // Seek to the window start: the window re-centers, 1800 s before the previous target.
    let r = c.request(&play(5, "npt=0-")).await;
    assert!(r.contains("\r\nRange: npt=1800-3600\r\n"), "{r}");
    let p = loop {
        let p = next_rtp(&rtp).await;
        if p.cseq == 5 {
            break p;
        }
    };
    // 1800 s before 19:01:40 is 18:31:40, before the first recording (19:00:00): the next one.
    assert_eq!(p.ntp_secs as i64, 1_689_188_400 + NTP_UNIX_OFFSET, "gap skipped to 19:00:00");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documented_transcripts_t1_then_t2_replay_byte_for_byte() {
    // The clock stands still except where T2 waits 6.44 s before its seek.
    let s = serve(Clock::manual(NOW_MS), json!({"rtsp_doc_replay": true}));

    // T1 (G26): absolute clock, seek, teardown.
    let (rtp, _rtcp, ports) = udp_pair().await;
    let steps = transcript(&include_str!("../testdata/rtsp-T1.txt").replace("8382-8383", &ports));
    assert_eq!(steps.len(), 7);
    let mut c = Raw::connect(s.addr).await;
    for (i, (req, want)) in steps.iter().enumerate() {
        let got = c.request(req).await;
        if i == 5 {
            let (got_holed, vals) = hole_rtp_info(&got);
            assert_eq!(got_holed, hole_rtp_info(want).0, "T1 step {i}");
            assert!(vals.unwrap().0 > 1, "seq continues across the seek");
            let p = loop {
                let p = next_rtp(&rtp).await;
                if p.cseq == 5 {
                    break p;
                }
            };
            assert_eq!(p.ntp_secs as i64, T1_START + 10 + NTP_UNIX_OFFSET, "NTP jumps to 19:11:54");
            assert_eq!(p.flags & 0x20, 0x20, "discontinuity after the seek");
        } else {
            assert_eq!(got, *want, "T1 step {i}");
        }
        if i == 4 {
            let p = next_rtp(&rtp).await;
            assert_eq!((p.seq, p.ts, p.ssrc), (1, 2_519_022_532, 0x19d2_6fa8));
            assert_eq!(p.ntp_secs, 0xE859_7970, "NTP time of 2023-07-12T19:11:44Z");
            assert_eq!(p.flags & 0xA0, 0xA0, "clean point and discontinuity on the first packet");
            assert_eq!(p.cseq, 4);
        }
    }

    // T2 (G27): VLC, npt re-centering, PAUSE, seek; the second documented nonce and session.
    let (rtp, _rtcp, ports) = udp_pair().await;
    let steps = transcript(&include_str!("../testdata/rtsp-T2.txt").replace("65070-65071", &ports));
    assert_eq!(steps.len(), 8);
    let mut c = Raw::connect(s.addr).await;
    for (i, (req, want)) in steps.iter().enumerate() {
        if i == 6 {
            s.clock.advance_ms(6_440);
        }
        let got = c.request(req).await;
        if i == 6 {
            let (got_holed, vals) = hole_rtp_info(&got);
            assert_eq!(got_holed, hole_rtp_info(want).0, "T2 step {i} (npt=2812-3600)");
            assert!(vals.unwrap().0 > 1, "seq continues across PAUSE and seek");
        } else {
            assert_eq!(got, *want, "T2 step {i}");
        }
        if i == 4 {
            let p = next_rtp(&rtp).await;
            assert_eq!((p.seq, p.ts), (1, 2_616_060_667));
            assert_eq!(p.ntp_secs as i64, (NOW_MS - 60_000) / 1000 + NTP_UNIX_OFFSET, "start = now - 60 s");
        }
    }
    s.stop().await;
}

#[tokio::test]
async fn negatives_of_g26_answer_401_404_454_and_400() {
    let s = serve(Clock::manual(NOW_MS), json!({"rtsp_doc_replay": true}));
    let mut c = Raw::connect(s.addr).await;
    let url = "rtsp://172.20.131.56:8554/cam=cam1";
    let r = c.request(&format!("DESCRIBE {url} RTSP/1.0\r\nCSeq: 1\r\n\r\n")).await;
    assert!(r.starts_with("RTSP/1.0 401 "), "{r}");
    // Step 3 with the response altered.
    let bad = "Authorization: Digest username=\"test\", realm=\"FortiRecorder\", \
               nonce=\"427e06651ff20c8c4edb0d2b7425062c\", uri=\"rtsp://172.20.131.56:8554/cam=cam1\", \
               response=\"a085f7fac48b09f98a59bd6978d914af\"";
    let r = c.request(&format!("DESCRIBE {url} RTSP/1.0\r\nCSeq: 2\r\n{bad}\r\n\r\n")).await;
    assert!(r.starts_with("RTSP/1.0 401 "), "{r}");
    // Credentials computed for other URIs (the digest covers the header's uri).
    let nosuch = "rtsp://172.20.131.56:8554/cam=nosuch";
    let r = c
        .request(&format!("DESCRIBE {nosuch} RTSP/1.0\r\nCSeq: 3\r\n{}\r\n\r\n", auth("DESCRIBE", nosuch)))
        .await;
    assert!(r.starts_with("RTSP/1.0 404 "), "{r}");
    let badtime = "rtsp://172.20.131.56:8554/cam=cam1?time=soon";
    let r = c
        .request(&format!("DESCRIBE {badtime} RTSP/1.0\r\nCSeq: 4\r\n{}\r\n\r\n", auth("DESCRIBE", badtime)))
        .await;
    assert!(r.starts_with("RTSP/1.0 400 "), "{r}");
    let r = c
        .request(&format!(
            "PLAY {url} RTSP/1.0\r\nCSeq: 5\r\nSession: bogus\r\n{}\r\n\r\n",
            auth("PLAY", url)
        ))
        .await;
    assert!(r.starts_with("RTSP/1.0 454 "), "{r}");
    // The clip-service account is a video-service credential too.
    let ha1 = md5hex("service-clip:FortiRecorder:1234");
    let ha2 = md5hex(format!("DESCRIBE:{url}"));
    let resp = md5hex(format!("{ha1}:427e06651ff20c8c4edb0d2b7425062c:{ha2}"));
    let r = c
        .request(&format!(
            "DESCRIBE {url} RTSP/1.0\r\nCSeq: 6\r\nAuthorization: Digest username=\"service-clip\", \
             realm=\"FortiRecorder\", nonce=\"427e06651ff20c8c4edb0d2b7425062c\", uri=\"{url}\", \
             response=\"{resp}\"\r\n\r\n"
        ))
        .await;
    assert!(r.starts_with("RTSP/1.0 200 "), "{r}");
    assert!(r.contains("a=tool:FortiRecorder\r\n"), "{r}");
    s.stop().await;
}

// ----------------------------------------------------------------------------- ffprobe

/// Decodes the first 30 frames of `url` with ffprobe; returns (width, height, pts seconds) per frame.
async fn ffprobe_frames(url: &str, transport: &str) -> Vec<(u32, u32, f64)> {
    let mut cmd = tokio::process::Command::new("ffprobe");
    cmd.args(["-v", "error", "-rtsp_transport", transport, "-read_intervals", "%+#30"])
        .args([
            "-select_streams",
            "v:0",
            "-show_entries",
            "frame=width,height,pts_time",
            "-of",
            "compact=p=0",
        ])
        .arg(url)
        .kill_on_drop(true);
    let out = tokio::time::timeout(GUARD, cmd.output()).await.expect("ffprobe finishes").unwrap();
    assert!(out.status.success(), "ffprobe: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let field = |k: &str| l.split('|').find_map(|kv| kv.strip_prefix(k)?.strip_prefix('='));
            Some((
                field("width")?.parse().ok()?,
                field("height")?.parse().ok()?,
                field("pts_time")?.parse().ok()?,
            ))
        })
        .collect()
}

async fn ffprobe_decodes_two_seconds(transport: &str) {
    let s = serve(running_clock(), json!({}));
    let url = format!("rtsp://test:test@{}/cam=cam1?time={T1_START}", s.addr);
    let frames = ffprobe_frames(&url, transport).await;
    assert!(frames.len() >= 21, "{transport}: {} frames", frames.len());
    assert!(frames.iter().all(|&(w, h, _)| (w, h) == (320, 180)), "{transport}: advertised size");
    let span = frames.last().unwrap().2 - frames[0].2;
    assert!(span >= 2.0, "{transport}: {span} s of frames decoded");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ffprobe_decodes_two_seconds_of_playback_over_tcp() {
    ffprobe_decodes_two_seconds("tcp").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ffprobe_decodes_two_seconds_of_playback_over_udp() {
    ffprobe_decodes_two_seconds("udp").await;
}

// ----------------------------------------------------------------------------- retina

/// Device times (SEI) of the first `n` frames retina receives from `url`, and the SDP size.
async fn retina_times(url: &str, tcp: bool, n: usize) -> (Vec<i64>, Option<(u32, u32)>) {
    use retina::client::{Credentials, PlayOptions, SessionOptions, SetupOptions, Transport};
    let creds = Credentials { username: "test".into(), password: "test".into() };
    let opts = SessionOptions::default().creds(Some(creds));
    let mut session =
        retina::client::Session::describe(url::Url::parse(url).unwrap(), opts).await.expect("DESCRIBE");
    let dims = session.streams()[0].parameters().and_then(|p| match p {
        retina::codec::ParametersRef::Video(v) => Some(v.pixel_dimensions()),
        _ => None,
    });
    let transport = if tcp { Transport::Tcp(Default::default()) } else { Transport::Udp(Default::default()) };
    session.setup(0, SetupOptions::default().transport(transport)).await.expect("SETUP");
    let mut demuxed = session.play(PlayOptions::default()).await.expect("PLAY").demuxed().expect("demux");
    let mut times = Vec::new();
    while times.len() < n {
        let item = tokio::time::timeout(GUARD, demuxed.next()).await.expect("frames keep coming");
        if let retina::codec::CodecItem::VideoFrame(f) = item.expect("stream open").expect("valid item") {
            let mut nals = Vec::new();
            let mut d = f.data();
            while d.len() >= 4 {
                let len = u32::from_be_bytes([d[0], d[1], d[2], d[3]]) as usize;
                nals.push(&d[4..4 + len]);
                d = &d[4 + len..];
            }
            times.push(devsim_media::read_timestamp_sei(&nals).expect("frame carries its device time"));
        }
    }
    (times, dims)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retina_receives_frames_from_the_requested_time_over_tcp_and_udp() {
    let s = serve(running_clock(), json!({}));
    for tcp in [true, false] {
        let url = format!("rtsp://{}/cam=cam1?time={T1_START}", s.addr);
        let (times, dims) = retina_times(&url, tcp, 15).await;
        assert_eq!(dims, Some((320, 180)));
        let start = T1_START * 1000;
        // From the key frame covering the requested time (1 s GOP), forward at 10 fps.
        assert!(times[0] <= start && times[0] > start - 1_000, "tcp={tcp}: first {} vs {start}", times[0]);
        assert!(times.windows(2).all(|w| w[1] - w[0] == 100), "tcp={tcp}: {times:?}");
    }
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn playback_without_time_starts_a_minute_ago_and_skips_the_gap() {
    // cam1 is not recorded 19:30:00-19:30:30; now = 19:31:00 + a little, so "now - 60 s" is in the
    // gap and playback starts at the next recording (19:30:30).
    let clock = Clock::manual(1_689_190_261_000);
    clock.resume();
    let s = serve(clock, json!({}));
    let (times, _) = retina_times(&format!("rtsp://{}/cam=cam1", s.addr), true, 5).await;
    assert_eq!(times[0], 1_689_190_230_000, "{times:?}");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_closes_the_rtsp_listener_and_its_sessions_until_the_unit_is_back() {
    let s = serve(Clock::manual(NOW_MS), json!({"rtsp_doc_replay": true, "restart_delay_secs": 20}));
    let mut listening = s.server.listening();
    listening.wait_for(|l| *l).await.unwrap();
    let mut c = Raw::connect(s.addr).await;
    let r = c.request("OPTIONS rtsp://h/cam=cam1 RTSP/1.0\r\nCSeq: 1\r\n\r\n").await;
    assert!(r.starts_with("RTSP/1.0 200 "), "{r}");
    let dev = s.dev.clone();
    let life = tokio::spawn(async move {
        dev.run_lifecycle(devsim_fortirecorder::model::SysAction::Restart, Duration::ZERO).await
    });
    tokio::time::timeout(GUARD, listening.wait_for(|l| !*l)).await.expect("listener closes").unwrap();
    // The control connection is gone with the power.
    let mut tmp = [0u8; 64];
    let n = tokio::time::timeout(GUARD, c.stream.read(&mut tmp)).await.expect("closed").unwrap_or(0);
    assert_eq!(n, 0, "connection closed on power off");
    assert!(TcpStream::connect(s.addr).await.is_err(), "nothing listens while the unit restarts");
    s.clock.advance_ms(20_000);
    tokio::time::timeout(GUARD, listening.wait_for(|l| *l)).await.expect("listener is back").unwrap();
    life.await.unwrap();
    let mut c = Raw::connect(s.addr).await;
    let r = c.request("OPTIONS rtsp://h/cam=cam1 RTSP/1.0\r\nCSeq: 2\r\n\r\n").await;
    assert!(r.starts_with("RTSP/1.0 200 "), "{r}");
    s.stop().await;
}
