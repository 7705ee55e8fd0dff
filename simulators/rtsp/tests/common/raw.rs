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

/// One RTP packet read from an interleaved channel.
#[derive(Debug, Clone)]
pub struct Packet {
    pub seq: u16,
    pub ts: u32,
    pub marker: bool,
    /// ONVIF replay extension: (NTP seconds, flags byte, CSeq byte).
    pub onvif: Option<(u32, u8, u8)>,
    pub payload: Vec<u8>,
}

impl Packet {
    pub fn parse(p: &[u8]) -> Packet {
        assert!(p.len() >= 12 && p[0] >> 6 == 2, "RTP v2");
        let cc = (p[0] & 0x0F) as usize;
        let mut off = 12 + 4 * cc;
        let mut onvif = None;
        if p[0] & 0x10 != 0 {
            let id = u16::from_be_bytes([p[off], p[off + 1]]);
            let words = u16::from_be_bytes([p[off + 2], p[off + 3]]) as usize;
            if id == 0xABAC {
                let e = &p[off + 4..];
                onvif = Some((u32::from_be_bytes([e[0], e[1], e[2], e[3]]), e[8], e[9]));
            }
            off += 4 + 4 * words;
        }
        Packet {
            seq: u16::from_be_bytes([p[2], p[3]]),
            ts: u32::from_be_bytes([p[4], p[5], p[6], p[7]]),
            marker: p[1] & 0x80 != 0,
            onvif,
            payload: p[off..].to_vec(),
        }
    }
}

/// What arrives on the control connection.
#[derive(Debug)]
pub enum Item {
    Rtp(Packet),
    Rtcp(Vec<u8>),
    Response(String),
}

/// An access unit put back together from its packets (H.264).
#[derive(Debug, Clone)]
pub struct Au {
    pub time_ms: i64,
    pub ts: u32,
    pub first_seq: u16,
    pub last_seq: u16,
    pub first_flags: u8,
    pub last_flags: u8,
    pub cseq: Option<u8>,
    pub ntp_secs: Option<u32>,
}

impl RawClient {
    pub async fn item(&mut self) -> Item {
        loop {
            if self.buf.first() == Some(&b'$') {
                if self.buf.len() >= 4 {
                    let len = u16::from_be_bytes([self.buf[2], self.buf[3]]) as usize;
                    if self.buf.len() >= 4 + len {
                        let ch = self.buf[1];
                        let data: Vec<u8> = self.buf.drain(..4 + len).skip(4).collect();
                        return if ch.is_multiple_of(2) {
                            Item::Rtp(Packet::parse(&data))
                        } else {
                            Item::Rtcp(data)
                        };
                    }
                }
            } else if !self.buf.is_empty() {
                return Item::Response(self.response().await);
            }
            assert!(self.fill().await, "connection closed");
        }
    }

    /// Sends a request and returns its response, with the RTP packets that came before it.
    pub async fn exchange(&mut self, text: &str) -> (String, Vec<Packet>) {
        self.send(text.as_bytes()).await;
        let mut before = Vec::new();
        loop {
            match self.item().await {
                Item::Rtp(p) => before.push(p),
                Item::Rtcp(_) => {}
                Item::Response(r) => return (r, before),
            }
        }
    }

    /// The next whole access unit (RTCP skipped; a response here is a test failure).
    pub async fn au(&mut self) -> Au {
        let mut nals: Vec<Vec<u8>> = Vec::new();
        let mut first: Option<Packet> = None;
        loop {
            let p = match self.item().await {
                Item::Rtp(p) => p,
                Item::Rtcp(_) => continue,
                Item::Response(r) => panic!("unexpected response while reading RTP: {r}"),
            };
            let t = p.payload[0] & 0x1F;
            if t == 28 {
                if p.payload[1] & 0x80 != 0 {
                    nals.push(vec![(p.payload[0] & 0xE0) | (p.payload[1] & 0x1F)]);
                }
                if let Some(n) = nals.last_mut() {
                    n.extend_from_slice(&p.payload[2..]);
                }
            } else {
                nals.push(p.payload.clone());
            }
            let f = first.get_or_insert_with(|| p.clone()).clone();
            if p.marker {
                let time_ms = devsim_media::read_timestamp_sei(&nals).expect("SEI time");
                return Au {
                    time_ms,
                    ts: p.ts,
                    first_seq: f.seq,
                    last_seq: p.seq,
                    first_flags: f.onvif.map(|o| o.1).unwrap_or(0),
                    last_flags: p.onvif.map(|o| o.1).unwrap_or(0),
                    cseq: p.onvif.map(|o| o.2),
                    ntp_secs: p.onvif.map(|o| o.0),
                };
            }
        }
    }
}

/// The value of header `name` in a response.
pub fn header<'a>(resp: &'a str, name: &str) -> Option<&'a str> {
    resp.lines().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// The status code of a response.
pub fn status(resp: &str) -> u16 {
    resp.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0)
}
