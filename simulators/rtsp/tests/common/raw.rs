//! A raw-byte RTSP client and the transcript file format of `testdata/*.txt` (`>>` client to
//! server, `<<` server to client, every line CRLF-terminated on the wire).
#![allow(dead_code)]

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Guard against a hung server in tests (not a timing assertion).
pub const GUARD: Duration = Duration::from_secs(10);

pub struct RawClient {
    pub stream: TcpStream,
    buf: Vec<u8>,
}

impl RawClient {
    pub async fn connect(addr: std::net::SocketAddr) -> Self {
        RawClient { stream: TcpStream::connect(addr).await.unwrap(), buf: Vec::new() }
    }

    pub async fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.unwrap();
    }

    async fn fill(&mut self) -> bool {
        let mut tmp = [0u8; 4096];
        let n =
            tokio::time::timeout(GUARD, self.stream.read(&mut tmp)).await.expect("server answered").unwrap();
        self.buf.extend_from_slice(&tmp[..n]);
        n > 0
    }

    /// The next RTSP response (interleaved `$` frames before it are returned separately).
    pub async fn response(&mut self) -> String {
        loop {
            // Skip interleaved frames.
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
            assert!(self.fill().await, "connection closed before a full response");
        }
    }

    /// Reads until the server closes the connection; returns what came.
    pub async fn read_to_close(&mut self) -> Vec<u8> {
        while self.fill().await {}
        std::mem::take(&mut self.buf)
    }

    pub async fn request(&mut self, text: &str) -> String {
        self.send(text.as_bytes()).await;
        self.response().await
    }
}

/// One exchange of a transcript.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub request: String,
    pub response: String,
}

/// Parses a transcript file into exchanges.
pub fn parse_transcript(text: &str) -> Vec<Exchange> {
    let mut out: Vec<Exchange> = Vec::new();
    let mut req = String::new();
    let mut resp = String::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix(">>") {
            if !resp.is_empty() {
                out.push(Exchange { request: std::mem::take(&mut req), response: std::mem::take(&mut resp) });
            }
            req.push_str(rest.strip_prefix(' ').unwrap_or(rest));
            req.push_str("\r\n");
        } else if let Some(rest) = line.strip_prefix("<<") {
            resp.push_str(rest.strip_prefix(' ').unwrap_or(rest));
            resp.push_str("\r\n");
        }
    }
    if !resp.is_empty() {
        out.push(Exchange { request: req, response: resp });
    }
    out
}

/// Replaces `seq=N;rtptime=M` by a hole and returns (text, N, M).
pub fn hole_rtp_info(text: &str) -> (String, Option<(u32, u32)>) {
    let Some(i) = text.find(";seq=") else { return (text.to_owned(), None) };
    let rest = &text[i + 5..];
    let end = rest.find("\r\n").unwrap_or(rest.len());
    let (seq, rtptime) = rest[..end].split_once(";rtptime=").unwrap();
    let vals = (seq.parse().unwrap(), rtptime.parse().unwrap());
    (format!("{};seq=<<<seq>>>;rtptime=<<<rtptime>>>{}", &text[..i], &rest[end..]), Some(vals))
}
