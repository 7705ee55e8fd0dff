//! Benchmark (not a test): concurrent playing sessions over RTP/AVP/TCP from one process.
//!
//! For N = 10, 25, 50, ... sessions of a 640x360 25 fps H.264 live stream (a looping clip made by
//! ffmpeg at start), every client measures each frame's lateness: arrival time minus the time the
//! frame was due (first packet's arrival plus the RTP time elapsed since). The step passes when the
//! p99 lateness over all frames is under 50 ms. Also prints DESCRIBE-to-first-RTP latency and the
//! process CPU use (server and clients share the process and its 2 worker threads).
//!
//! Run: `cargo bench -p devsim-rtsp` (env `RTSP_BENCH_SECS`, default 4; `RTSP_BENCH_MAX`, default 800).

use std::sync::Arc;
use std::time::{Duration, Instant};

use devsim_core::{Clock, Runtime};
use devsim_media::{Codec, StreamParams};
use devsim_rtsp::{
    AuthScheme, LoopedClip, Mode, Policy, Resolved, RtspDevice, Status, StreamRequest, VideoSource,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;

struct BenchDevice {
    runtime: Runtime,
    media: Arc<LoopedClip>,
}

impl RtspDevice for BenchDevice {
    fn runtime(&self) -> &Runtime {
        &self.runtime
    }
    fn policy(&self) -> Policy {
        Policy::standard()
    }
    fn auth(&self) -> AuthScheme {
        AuthScheme::None
    }
    fn password(&self, _user: &str) -> Option<String> {
        None
    }
    fn resolve(&self, _r: &StreamRequest) -> Result<Resolved, Status> {
        Ok(Resolved {
            label: "bench".into(),
            params: StreamParams::new(Codec::H264, 640, 360, 25),
            mode: Mode::Live,
        })
    }
    fn media(&self) -> Arc<dyn VideoSource> {
        self.media.clone()
    }
}

fn make_clip() -> (LoopedClip, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("devsim-rtsp-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("clip.h264");
    let status = std::process::Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi"])
        .args(["-i", "testsrc2=size=640x360:rate=25", "-t", "4"])
        .args(["-c:v", "libx264", "-profile:v", "baseline", "-pix_fmt", "yuv420p", "-g", "25"])
        .args(["-bf", "0", "-b:v", "1000k", "-sc_threshold", "0", "-f", "h264"])
        .arg(&path)
        .status()
        .expect("ffmpeg runs (Debian package ffmpeg)");
    assert!(status.success(), "ffmpeg failed");
    let data = std::fs::read(&path).unwrap();
    (LoopedClip::from_annex_b(Codec::H264, &data, 25).expect("clip parses"), path)
}

fn cpu_secs(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

struct ClientResult {
    lateness_ms: Vec<f64>,
    first_rtp_ms: f64,
}

async fn read_response(s: &mut TcpStream, buf: &mut Vec<u8>) -> Option<(String, String)> {
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end + 4]).into_owned();
            let len = head
                .lines()
                .find_map(|l| l.strip_prefix("Content-Length: "))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                let body = String::from_utf8_lossy(&buf[end + 4..end + 4 + len]).into_owned();
                buf.drain(..end + 4 + len);
                return Some((head, body));
            }
        }
        let mut tmp = [0u8; 4096];
        let n = s.read(&mut tmp).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&tmp[..n]);
    }
}

/// One session; a client the server refused or dropped reports no frames.
async fn client(addr: std::net::SocketAddr, secs: f64) -> ClientResult {
    session(addr, secs).await.unwrap_or(ClientResult { lateness_ms: Vec::new(), first_rtp_ms: f64::NAN })
}

async fn session(addr: std::net::SocketAddr, secs: f64) -> Option<ClientResult> {
    let url = format!("rtsp://{addr}/live");
    let mut s = TcpStream::connect(addr).await.ok()?;
    s.set_nodelay(true).ok()?;
    let mut buf = Vec::new();
    let t0 = Instant::now();
    s.write_all(format!("DESCRIBE {url} RTSP/1.0\r\nCSeq: 1\r\n\r\n").as_bytes()).await.ok()?;
    let (head, sdp) = read_response(&mut s, &mut buf).await?;
    let base = head.lines().find_map(|l| l.strip_prefix("Content-Base: ")).unwrap_or(&url).to_owned();
    let media = sdp.split("m=video").nth(1).unwrap_or("");
    let control = media.lines().find_map(|l| l.strip_prefix("a=control:")).unwrap_or("trackID=0").trim();
    let track = if control.starts_with("rtsp://") {
        control.to_owned()
    } else {
        format!("{}/{control}", base.trim_end_matches('/'))
    };
    let setup = format!(
        "SETUP {track} RTSP/1.0\r\nCSeq: 2\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n"
    );
    s.write_all(setup.as_bytes()).await.ok()?;
    let (head, _) = read_response(&mut s, &mut buf).await?;
    let session = head.lines().find_map(|l| l.strip_prefix("Session: "))?.split(';').next()?.to_owned();
    let play = format!("PLAY {url} RTSP/1.0\r\nCSeq: 3\r\nSession: {session}\r\n\r\n");
    s.write_all(play.as_bytes()).await.ok()?;
    read_response(&mut s, &mut buf).await?;
    let mut first: Option<(Instant, u32)> = None;
    let mut first_rtp_ms = 0.0;
    let mut lateness = Vec::new();
    let mut tmp = vec![0u8; 64 * 1024];
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    while Instant::now() < deadline {
        while buf.len() >= 4 && buf[0] == b'$' {
            let len = u16::from_be_bytes([buf[2], buf[3]]) as usize;
            if buf.len() < 4 + len {
                break;
            }
            let now = Instant::now();
            if buf[1] == 0 && len >= 12 {
                let p = &buf[4..4 + len];
                let marker = p[1] & 0x80 != 0;
                let ts = u32::from_be_bytes([p[4], p[5], p[6], p[7]]);
                let (t_first, ts_first) = *first.get_or_insert_with(|| {
                    first_rtp_ms = now.duration_since(t0).as_secs_f64() * 1000.0;
                    (now, ts)
                });
                if marker {
                    let due = t_first + Duration::from_secs_f64(ts.wrapping_sub(ts_first) as f64 / 90_000.0);
                    let late = now.saturating_duration_since(due).as_secs_f64() * 1000.0;
                    lateness.push(late);
                }
            }
            buf.drain(..4 + len);
        }
        match tokio::time::timeout(Duration::from_millis(200), s.read(&mut tmp)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => buf.extend_from_slice(&tmp[..n]),
            Err(_) => {}
        }
    }
    let _ = s
        .write_all(format!("TEARDOWN {url} RTSP/1.0\r\nCSeq: 4\r\nSession: {session}\r\n\r\n").as_bytes())
        .await;
    Some(ClientResult { lateness_ms: lateness, first_rtp_ms })
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

/// Runs the steps against `addr`; returns the largest passing session count.
async fn steps(addr: std::net::SocketAddr, secs: f64, max: usize, server_pid: Option<u32>) -> usize {
    println!(
        "{:>8} {:>10} {:>10} {:>10} {:>12} {:>8}",
        "sessions", "frames", "p50 ms", "p99 ms", "first-RTP ms", "CPU %"
    );
    let server_cpu = || server_pid.map(|p| cpu_secs(&p.to_string())).unwrap_or(0.0);
    let mut best = 0;
    let mut n = 10;
    while n <= max {
        let cpu0 = cpu_secs("self") + server_cpu();
        let wall0 = Instant::now();
        let tasks: Vec<_> = (0..n).map(|_| tokio::spawn(client(addr, secs))).collect();
        let mut all = Vec::new();
        let mut firsts = Vec::new();
        for t in tasks {
            if let Ok(r) = t.await {
                all.extend(r.lateness_ms);
                if r.first_rtp_ms.is_finite() {
                    firsts.push(r.first_rtp_ms);
                }
            }
        }
        let cpu = (cpu_secs("self") + server_cpu() - cpu0) / wall0.elapsed().as_secs_f64() * 100.0;
        let frames = all.len();
        let p50 = percentile(&mut all, 0.50);
        let p99 = percentile(&mut all, 0.99);
        let first = percentile(&mut firsts, 0.50);
        println!("{n:>8} {frames:>10} {p50:>10.1} {p99:>10.1} {first:>12.1} {cpu:>8.0}");
        // Every session must have received frames for the step to count.
        if p99 < 50.0 && frames as f64 >= n as f64 * secs * 25.0 * 0.8 {
            best = n;
        } else {
            break;
        }
        n = if n < 50 { n * 5 / 2 } else { n * 3 / 2 };
        // Let the previous step's sessions close.
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    println!("largest session count with p99 lateness < 50 ms: {best}");
    best
}

/// Starts GStreamer's RTSP server on the clip when it is installed.
fn start_gstreamer(clip: &std::path::Path) -> Option<(std::process::Child, std::net::SocketAddr)> {
    use std::io::BufRead;
    let port = std::net::TcpListener::bind("127.0.0.1:0").ok()?.local_addr().ok()?.port();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/gst_rtsp_server.py");
    let mut child = std::process::Command::new("/usr/bin/python3")
        .arg(script)
        .arg(clip)
        .arg(port.to_string())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    let mut line = String::new();
    let stdout = child.stdout.take()?;
    std::io::BufReader::new(stdout).read_line(&mut line).ok()?;
    if line.trim() != "ready" {
        let _ = child.kill();
        let _ = child.wait();
        return None;
    }
    Some((child, std::net::SocketAddr::from(([127, 0, 0, 1], port))))
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs this binary without it, in a
    // debug build, where the numbers mean nothing and the run only costs CI time.
    if !std::env::args().any(|a| a == "--bench") {
        println!("devsim-rtsp sessions benchmark: run with `cargo bench -p devsim-rtsp`");
        return;
    }
    let secs: f64 = std::env::var("RTSP_BENCH_SECS").ok().and_then(|v| v.parse().ok()).unwrap_or(4.0);
    let max: usize = std::env::var("RTSP_BENCH_MAX").ok().and_then(|v| v.parse().ok()).unwrap_or(800);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async move {
        let (clip, clip_path) = make_clip();
        let dev = Arc::new(BenchDevice { runtime: Runtime::new(Clock::system()), media: Arc::new(clip) });
        let listener = devsim_rtsp::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let shutdown = CancellationToken::new();
        let server = devsim_rtsp::serve(listener, dev, shutdown.clone());
        let addr = server.local_addr();
        println!("devsim-rtsp sessions benchmark: 640x360 H.264 25 fps (~1 Mbit/s) live over TCP, {secs} s per step");
        let ours = steps(addr, secs, max, None).await;
        shutdown.cancel();
        server.wait().await;
        match start_gstreamer(&clip_path) {
            Some((mut child, gaddr)) => {
                println!();
                println!("GStreamer gst-rtsp-server (shared media, same file), clients in this process:");
                let theirs = steps(gaddr, secs, max, Some(child.id())).await;
                let _ = child.kill();
                let _ = child.wait();
                if theirs > 0 {
                    println!("ratio devsim-rtsp / GStreamer sessions: {:.2}", ours as f64 / theirs as f64);
                }
            }
            None => println!("GStreamer comparison skipped: install gir1.2-gst-rtsp-server-1.0 python3-gi \
                              gstreamer1.0-plugins-good gstreamer1.0-plugins-bad"),
        }
        if let Some(dir) = clip_path.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    });
}
