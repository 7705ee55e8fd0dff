//! RTSP steps against a scripted fake device (raw bytes on 127.0.0.1:0) and `play` steps against
//! the in-process FortiRecorder: the runner answers Digest challenges correctly, keeps one
//! connection across steps, skips interleaved frames, and every expectation that the device
//! breaks fails with the scenario line.

use std::path::Path;

use devsim_conformance::cli::run_cli;
use devsim_conformance::normalize::Redaction;
use devsim_conformance::runner::{self, GoldenMode, RunConfig, Verdict};
use devsim_conformance::scenario;
use devsim_conformance::target::{Options, Target, TargetSpec};
use md5::Digest as _;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const NONCE: &str = "0123456789abcdef0123456789abcdef";

fn md5hex(s: &str) -> String {
    hex::encode(md5::Md5::digest(s.as_bytes()))
}

fn header<'a>(req: &'a str, name: &str) -> Option<&'a str> {
    req.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

fn param<'a>(authz: &'a str, key: &str) -> Option<&'a str> {
    let at = authz.find(&format!("{key}=\""))? + key.len() + 2;
    authz[at..].split('"').next()
}

/// A device with user `u`/`p`, realm `R`: DESCRIBE needs Digest (RFC 2069), PLAY answers after an
/// interleaved frame, anything else 200. Counts connections in the `X-Conn` header.
async fn fake_device() -> String {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        let mut conns = 0;
        while let Ok((mut s, _)) = l.accept().await {
            conns += 1;
            let conn = conns;
            tokio::spawn(async move {
                let mut buf = Vec::new();
                loop {
                    let mut tmp = [0u8; 4096];
                    let Ok(n) = s.read(&mut tmp).await else { return };
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&tmp[..n]);
                    while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        let req = String::from_utf8_lossy(&buf[..end]).into_owned();
                        buf.drain(..end + 4);
                        let cseq = header(&req, "cseq").unwrap_or("0").to_owned();
                        let method = req.split(' ').next().unwrap_or("").to_owned();
                        let mut out = Vec::new();
                        let reply = match (method.as_str(), header(&req, "authorization")) {
                            ("DESCRIBE", None) => format!(
                                "RTSP/1.0 401 Unauthorized\r\nCSeq: {cseq}\r\nWWW-Authenticate: Digest realm=\"R\", nonce=\"{NONCE}\"\r\n\r\n"
                            ),
                            ("DESCRIBE", Some(a)) => {
                                let uri = param(a, "uri").unwrap_or("");
                                let want = md5hex(&format!(
                                    "{}:{NONCE}:{}",
                                    md5hex("u:R:p"),
                                    md5hex(&format!("DESCRIBE:{uri}"))
                                ));
                                if param(a, "response") == Some(want.as_str()) {
                                    let sdp = "v=0\r\nm=video 0 RTP/AVP 96\r\n";
                                    format!(
                                        "RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\nX-Conn: {conn}\r\nContent-Length: {}\r\n\r\n{sdp}",
                                        sdp.len()
                                    )
                                } else {
                                    format!("RTSP/1.0 403 Forbidden\r\nCSeq: {cseq}\r\n\r\n")
                                }
                            }
                            ("PLAY", _) => {
                                out.extend_from_slice(&[b'$', 0, 0, 3, 1, 2, 3]);
                                format!("RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\nSession: abcdef\r\nX-Conn: {conn}\r\n\r\n")
                            }
                            _ => format!("RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\nX-Conn: {conn}\r\n\r\n"),
                        };
                        out.extend_from_slice(reply.as_bytes());
                        if s.write_all(&out).await.is_err() {
                            return;
                        }
                    }
                }
            });
        }
    });
    format!("rtsp://{addr}")
}

async fn target_with_rtsp(rtsp_url: &str) -> Target {
    let opts = Options {
        device: "fake".into(),
        profile: None,
        insecure: false,
        clock_ms: 0,
        model: None,
        firmware: None,
        device_options: Default::default(),
        media_cache: None,
    };
    let mut t = Target::open(&TargetSpec::Hardware("http://127.0.0.1:9".into()), &opts).await.unwrap();
    t.vars.insert("rtsp_url".into(), rtsp_url.to_owned());
    t
}

fn cfg(golden: &Path) -> RunConfig {
    RunConfig {
        device: "fake".into(),
        golden_dir: golden.to_owned(),
        redaction: Redaction::default(),
        golden_mode: GoldenMode::Off,
        require_goldens: false,
        assume_preconditions: false,
    }
}

const SCENARIO: &str = r#"
name = "fake"

[[step]]
name = "describe"
rtsp = { raw = '''
DESCRIBE {{rtsp_url}}/cam=a RTSP/1.0
CSeq: 1
''', auth = { mode = "digest", user = "u", password = "p" } }
expect.status = 200

[[step.assert]]
header = "x-conn"
equals = "1"

[[step.assert]]
body = true
contains = "m=video"

[[step]]
name = "play"
rtsp = { raw = '''
PLAY {{rtsp_url}}/cam=a RTSP/1.0
CSeq: 2
''' }
expect.status = 200

[[step.capture]]
name = "session"
header = "session"

[[step]]
name = "teardown"
rtsp = { raw = '''
TEARDOWN {{rtsp_url}}/cam=a RTSP/1.0
CSeq: 3
Session: {{session}}
''' }
expect.status = 200

[[step.assert]]
header = "x-conn"
equals = "1"

[[step.assert]]
header = "cseq"
equals = "3"
"#;

#[tokio::test]
async fn rtsp_steps_answer_digest_and_share_one_connection() {
    let url = fake_device().await;
    let sc = scenario::parse("fake.toml", "rtsp/fake", SCENARIO).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let rep = runner::run(&[sc], &target_with_rtsp(&url).await, &cfg(tmp.path()), &mut |_| {}).await;
    let fails: Vec<String> = rep.scenarios[0].all_failures().map(|f| f.to_string()).collect();
    assert_eq!(rep.scenarios[0].verdict, Verdict::Passed, "{fails:?}");
    assert_eq!(rep.scenarios[0].steps[0].status, Some(200), "the 401 was answered with a valid digest");
}

#[tokio::test]
async fn broken_rtsp_expectations_fail_with_their_lines() {
    let url = fake_device().await;
    let broken = SCENARIO
        .replace("password = \"p\"", "password = \"wrong\"")
        .replace("equals = \"3\"", "equals = \"4\"")
        .replace("name = \"session\"\nheader = \"session\"", "name = \"session\"\nheader = \"x-missing\"");
    let sc = scenario::parse("fake.toml", "rtsp/fake", &broken).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let rep = runner::run(&[sc], &target_with_rtsp(&url).await, &cfg(tmp.path()), &mut |_| {}).await;
    let fails: Vec<String> = rep.scenarios[0].all_failures().map(|f| f.to_string()).collect();
    assert_eq!(rep.exit_code(), 1);
    assert!(
        fails
            .iter()
            .any(|f| f.starts_with("fake.toml:10: step 1 \"describe\": status: expected 200, got 403")),
        "{fails:?}"
    );
    assert!(
        fails
            .iter()
            .any(|f| f.starts_with("fake.toml:28: step 2 \"play\": capture session: header x-missing")),
        "{fails:?}"
    );
    // The session was not captured, so the teardown cannot be built.
    assert!(
        fails.iter().any(|f| f.starts_with("fake.toml:32: step 3 \"teardown\"") && f.contains("session")),
        "{fails:?}"
    );
}

#[tokio::test]
async fn rtsp_step_without_a_listener_is_a_transport_failure() {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("rtsp://{}", l.local_addr().unwrap());
    drop(l);
    let sc = scenario::parse("fake.toml", "rtsp/fake", SCENARIO).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let rep = runner::run(&[sc], &target_with_rtsp(&url).await, &cfg(tmp.path()), &mut |_| {}).await;
    let first = rep.scenarios[0].all_failures().next().unwrap().to_string();
    assert!(first.starts_with("fake.toml:4: step 1 \"describe\": RTSP connect"), "{first}");
}

const PLAY: &str = r#"
name = "window"
tags = ["rtsp"]

[[precondition]]
clock = { set = "2023-07-12T19:40:00Z" }

[[precondition]]
clock = { freeze = false }

[[step]]
name = "play"
play = { url = "{{rtsp_url}}/cam=cam1?time=1689189104", seconds = 1, start = "START", auth = { mode = "digest", user = "{{cred.rtsp.user}}", password = "{{cred.rtsp.password}}" } }
timeout_ms = 20000
expect = { codec = "CODEC", width = 320, min_frames = 5 }
"#;

async fn run_play(start: &str, codec: &str) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let area = dir.path().join("fortirecorder/rtsp");
    std::fs::create_dir_all(&area).unwrap();
    std::fs::write(area.join("window.toml"), PLAY.replace("START", start).replace("CODEC", codec)).unwrap();
    std::fs::write(
        dir.path().join("fortirecorder/suite.toml"),
        "[target]\noptions = { media_size = \"320x180\", media_fps = 10 }\n",
    )
    .unwrap();
    let args: Vec<String> = [
        "conform",
        "run",
        "--device",
        "fortirecorder",
        "--no-golden",
        "--scenarios",
        dir.path().to_str().unwrap(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = run_cli(args, &mut out, &mut err).await;
    (code, format!("{}{}", String::from_utf8_lossy(&out), String::from_utf8_lossy(&err)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn play_step_checks_codec_and_the_device_time_window() {
    let (code, out) = run_play("2023-07-12T19:11:44Z", "h264").await;
    assert_eq!(code, 0, "{out}");
    // An hour off: the frames' in-band times fall outside the window; and the wrong codec.
    let (code, out) = run_play("2023-07-12T18:11:44Z", "h265").await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("window.toml:15: step 1 \"play\": codec: expected h265, got h264"), "{out}");
    assert!(
        out.contains("window.toml:11: step 1 \"play\": frame 0 was recorded at 2023-07-12T19:11:4"),
        "{out}"
    );
    assert!(out.contains("outside the requested window 2023-07-12T18:11:42+00:00"), "{out}");
}
