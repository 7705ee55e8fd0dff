//! The `rtsp` listener key: the binary serves a FortiRecorder's RTSP playback next to its HTTP API.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_devsim");

/// Sends one RTSP request and reads until the end of the response headers.
fn rtsp(stream: &mut TcpStream, req: &str) -> String {
    stream.write_all(req.as_bytes()).unwrap();
    let mut got = Vec::new();
    let mut b = [0u8; 1024];
    while !got.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut b).unwrap();
        assert!(n > 0, "connection closed: {}", String::from_utf8_lossy(&got));
        got.extend_from_slice(&b[..n]);
    }
    String::from_utf8_lossy(&got).into_owned()
}

#[tokio::test]
async fn fortirecorder_rtsp_key_serves_playback_and_lists_the_url() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("rtsp.toml");
    std::fs::write(
        &cfg,
        "control_addr = \"127.0.0.1:0\"\n[[device]]\nkind = \"fortirecorder\"\nid = \"rec\"\n\
         http = \"127.0.0.1:0\"\nrtsp = \"127.0.0.1:0\"\n",
    )
    .unwrap();
    let state = dir.path().join("state");
    let mut child = Command::new(BIN)
        .args(["--config", cfg.to_str().unwrap(), "--state-dir", state.to_str().unwrap()])
        .env("DEVSIM_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().expect("the table").unwrap();
    let control = {
        let u = &first[first.find("http://").unwrap()..];
        u[..u.find("/__sim").unwrap()].to_owned()
    };
    let c = reqwest::Client::builder().no_proxy().build().unwrap();
    let list: serde_json::Value =
        c.get(format!("{control}/__sim/devices")).send().await.unwrap().json().await.unwrap();
    let url = list[0]["urls"]["rtsp"].as_str().expect("rtsp url listed").to_owned();
    let addr = url.strip_prefix("rtsp://").unwrap();

    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let r = rtsp(&mut s, &format!("OPTIONS {url}/cam=cam1 RTSP/1.0\r\nCSeq: 0\r\n\r\n"));
    assert_eq!(
        r,
        "RTSP/1.0 200 OK\r\nCSeq: 0\r\nPublic: OPTIONS, DESCRIBE, SETUP, TEARDOWN, PLAY, PAUSE\r\n\r\n"
    );
    let r = rtsp(&mut s, &format!("DESCRIBE {url}/cam=cam1 RTSP/1.0\r\nCSeq: 1\r\n\r\n"));
    assert!(r.starts_with("RTSP/1.0 401 Unauthorized\r\n"), "{r}");
    assert!(r.contains("WWW-Authenticate: Digest realm=\"FortiRecorder\", nonce=\""), "{r}");

    let ok = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(ok.success());
    let st = child.wait().unwrap();
    assert_eq!(st.code(), Some(0), "{st:?}");
}
