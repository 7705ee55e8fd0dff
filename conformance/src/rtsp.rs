//! RTSP steps: raw request/response exchanges over one TCP connection per scenario (kept across
//! steps like a cookie jar, with the last Digest challenge remembered), and playback through a
//! real client (retina) that checks codec, size, frame count and, on a simulator, the in-band
//! device time of every frame (`devsim_media::read_timestamp_sei`).
//!
//! A raw exchange becomes an [`Exchange`] like an HTTP one (status, headers, body), so the same
//! asserts, captures, normalisation and goldens apply.

use std::time::{Duration, Instant};

use base64::Engine as _;
use devsim_core::auth::digest::DigestChallenge;
use futures::StreamExt as _;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

use crate::client::{Auth, Exchange, NoAnswer, OutRequest, Response};
use crate::scenario::{AuthMode, PlayTransport};

/// Largest RTSP response head or body the runner accepts.
const MAX_MESSAGE: usize = 1 << 20;

/// `host:port` of an `rtsp://` URL (port 554 when absent).
pub fn host_port(url: &str) -> Result<String, String> {
    let rest = url.strip_prefix("rtsp://").ok_or_else(|| format!("{url:?} is not an rtsp:// URL"))?;
    let auth = rest.split(['/', '?']).next().unwrap_or(rest);
    let hp = auth.rsplit('@').next().unwrap_or(auth);
    if hp.is_empty() {
        return Err(format!("{url:?} names no host"));
    }
    Ok(if hp.contains(':') { hp.to_owned() } else { format!("{hp}:554") })
}

/// The request text as it goes on the wire: lines joined with CRLF, the header block ended by an
/// empty line; after an empty line inside `raw`, the rest is the body (with a `Content-Length`
/// added when the text has none).
pub fn wire_text(raw: &str) -> (String, Vec<(String, String)>, Vec<u8>) {
    let text = raw.trim_start_matches(['\n', '\r']);
    let lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).collect();
    let split = lines.iter().position(|l| l.is_empty()).unwrap_or(lines.len());
    let start = lines.first().map(|s| s.to_string()).unwrap_or_default();
    let headers: Vec<(String, String)> = lines[1.min(split)..split]
        .iter()
        .filter_map(|l| l.split_once(':').map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned())))
        .collect();
    let body_lines = if split < lines.len() { &lines[split + 1..] } else { &[][..] };
    let body = body_lines.join("\r\n").trim_end_matches(['\r', '\n']).to_owned();
    let body = if body.is_empty() { Vec::new() } else { format!("{body}\r\n").into_bytes() };
    (start, headers, body)
}

/// One scenario's RTSP control connection.
pub struct RtspConn {
    addr: String,
    stream: Option<TcpStream>,
    buf: Vec<u8>,
    challenge: Option<DigestChallenge>,
    /// A UDP pair the scenario can name in `client_port` (`{{rtsp_client_ports}}`).
    rtp: Option<(UdpSocket, UdpSocket)>,
}

impl RtspConn {
    pub fn new(addr: String) -> RtspConn {
        RtspConn { addr, stream: None, buf: Vec::new(), challenge: None, rtp: None }
    }

    /// `a-b`: an even/odd-ish pair of UDP ports bound on 127.0.0.1 for this scenario (RTP sent
    /// there is dropped unread).
    pub async fn client_ports(&mut self) -> Result<String, String> {
        if self.rtp.is_none() {
            let a = UdpSocket::bind("127.0.0.1:0").await.map_err(|e| format!("cannot bind UDP: {e}"))?;
            let b = UdpSocket::bind("127.0.0.1:0").await.map_err(|e| format!("cannot bind UDP: {e}"))?;
            self.rtp = Some((a, b));
        }
        let (a, b) = self.rtp.as_ref().expect("bound above");
        let port = |s: &UdpSocket| s.local_addr().map(|a| a.port()).map_err(|e| e.to_string());
        Ok(format!("{}-{}", port(a)?, port(b)?))
    }

    async fn stream(&mut self) -> Result<&mut TcpStream, NoAnswer> {
        if self.stream.is_none() {
            let s = TcpStream::connect(&self.addr).await.map_err(|e| NoAnswer {
                message: format!("RTSP connect {}: {e}", self.addr),
                refused: e.kind() == std::io::ErrorKind::ConnectionRefused,
            })?;
            self.stream = Some(s);
            self.buf.clear();
        }
        Ok(self.stream.as_mut().expect("connected above"))
    }

    /// Send one request written as `raw` (variables already substituted) and read its answer.
    /// With `auth` in digest mode an `Authorization` header answers the last challenge seen on
    /// this connection; when none was seen and the answer is a 401 challenge, the request is sent
    /// once more with it.
    pub async fn send(
        &mut self,
        raw: &str,
        auth: &Auth,
        digest_uri: Option<&str>,
    ) -> Result<Exchange, NoAnswer> {
        let started = Instant::now();
        let (start, mut headers, body) = wire_text(raw);
        let mut parts = start.split_whitespace();
        let method = parts.next().unwrap_or("").to_owned();
        let url = parts.next().unwrap_or("").to_owned();
        if !body.is_empty() && !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-length")) {
            headers.push(("Content-Length".into(), body.len().to_string()));
        }
        let uri = digest_uri.unwrap_or(&url).to_owned();
        let authz = |ch: &DigestChallenge| {
            ch.authorization(
                auth.user.as_deref().unwrap_or(""),
                auth.password.as_deref().unwrap_or(""),
                &method,
                &uri,
                1,
                &format!("{:016x}", rand::random::<u64>()),
            )
        };
        let mut sent_headers = headers.clone();
        match auth.mode {
            AuthMode::Digest => {
                if let Some(ch) = &self.challenge {
                    sent_headers.push(("Authorization".into(), authz(ch)));
                }
            }
            AuthMode::Basic => {
                let pair = format!(
                    "{}:{}",
                    auth.user.as_deref().unwrap_or(""),
                    auth.password.as_deref().unwrap_or("")
                );
                let b64 = base64::engine::general_purpose::STANDARD.encode(pair);
                sent_headers.push(("Authorization".into(), format!("Basic {b64}")));
            }
            _ => {}
        }
        let mut response = self.exchange(&start, &sent_headers, &body).await?;
        if response.status == 401 {
            let fresh =
                response.header_values("www-authenticate").into_iter().find_map(DigestChallenge::parse);
            let had = self.challenge.is_some();
            if let Some(ch) = fresh {
                self.challenge = Some(ch);
            }
            if auth.mode == AuthMode::Digest && !had {
                if let Some(ch) = &self.challenge {
                    sent_headers = headers.clone();
                    sent_headers.push(("Authorization".into(), authz(ch)));
                    response = self.exchange(&start, &sent_headers, &body).await?;
                }
            }
        }
        Ok(Exchange {
            request: OutRequest { method, target: url, headers: sent_headers, body },
            response,
            elapsed_ms: started.elapsed().as_secs_f64() * 1000.0,
        })
    }

    async fn exchange(
        &mut self,
        start: &str,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Result<Response, NoAnswer> {
        let mut out = format!("{start}\r\n");
        for (k, v) in headers {
            out.push_str(&format!("{k}: {v}\r\n"));
        }
        out.push_str("\r\n");
        let mut bytes = out.into_bytes();
        bytes.extend_from_slice(body);
        let s = self.stream().await?;
        if let Err(e) = s.write_all(&bytes).await {
            self.stream = None;
            return Err(format!("RTSP write: {e}").into());
        }
        match self.read_response().await {
            Ok(r) => Ok(r),
            Err(e) => {
                self.stream = None;
                Err(e)
            }
        }
    }

    /// The next whole response on the connection; interleaved `$` frames are skipped.
    async fn read_response(&mut self) -> Result<Response, NoAnswer> {
        loop {
            while self.buf.first() == Some(&b'$') && self.buf.len() >= 4 {
                let len = u16::from_be_bytes([self.buf[2], self.buf[3]]) as usize;
                if self.buf.len() < 4 + len {
                    break;
                }
                self.buf.drain(..4 + len);
            }
            if self.buf.first().is_some_and(|&b| b != b'$') {
                if let Some(end) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&self.buf[..end]).into_owned();
                    let (status, headers) = parse_head(&head)?;
                    let len = headers
                        .iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                        .map(|(_, v)| {
                            v.trim()
                                .parse::<usize>()
                                .map_err(|_| NoAnswer::from(format!("bad Content-Length {v:?}")))
                        })
                        .transpose()?
                        .unwrap_or(0);
                    if len > MAX_MESSAGE {
                        return Err(format!("RTSP body of {len} bytes is too large").into());
                    }
                    if self.buf.len() >= end + 4 + len {
                        let body = self.buf[end + 4..end + 4 + len].to_vec();
                        self.buf.drain(..end + 4 + len);
                        return Ok(Response { status, headers, body });
                    }
                } else if self.buf.len() > MAX_MESSAGE {
                    return Err("RTSP response head too large".to_string().into());
                }
            }
            let s = self.stream.as_mut().ok_or_else(|| NoAnswer::from("not connected".to_string()))?;
            let mut tmp = [0u8; 8192];
            let n = s.read(&mut tmp).await.map_err(|e| NoAnswer::from(format!("RTSP read: {e}")))?;
            if n == 0 {
                return Err("the device closed the RTSP connection before a whole response"
                    .to_string()
                    .into());
            }
            self.buf.extend_from_slice(&tmp[..n]);
        }
    }
}

/// `RTSP/1.0 200 OK` and the header lines.
fn parse_head(head: &str) -> Result<(u16, Vec<(String, String)>), NoAnswer> {
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let mut parts = status_line.splitn(3, ' ');
    let (proto, code) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    if !proto.starts_with("RTSP/") {
        return Err(format!("not an RTSP status line: {status_line:?}").into());
    }
    let status =
        code.parse::<u16>().map_err(|_| NoAnswer::from(format!("bad status line {status_line:?}")))?;
    let headers = lines
        .filter_map(|l| l.split_once(':').map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned())))
        .collect();
    Ok((status, headers))
}

/// Replace `rtsp://HOST:PORT` (the address the runner connected to) by `rtsp://<<<rtsp-host>>>`
/// everywhere in an exchange, for goldens that do not depend on the port the run got.
pub fn hole_host(ex: &Exchange, host: &str) -> Exchange {
    let from = format!("rtsp://{host}");
    let to = "rtsp://<<<rtsp-host>>>";
    let fix = |s: &str| s.replace(&from, to);
    let fix_hs = |hs: &[(String, String)]| hs.iter().map(|(k, v)| (k.clone(), fix(v))).collect::<Vec<_>>();
    let fix_body = |b: &[u8]| match std::str::from_utf8(b) {
        Ok(t) => fix(t).into_bytes(),
        Err(_) => b.to_vec(),
    };
    Exchange {
        request: OutRequest {
            method: ex.request.method.clone(),
            target: fix(&ex.request.target),
            headers: fix_hs(&ex.request.headers),
            body: fix_body(&ex.request.body),
        },
        response: Response {
            status: ex.response.status,
            headers: fix_hs(&ex.response.headers),
            body: fix_body(&ex.response.body),
        },
        elapsed_ms: ex.elapsed_ms,
    }
}

/// What a playback received.
#[derive(Debug, Clone, PartialEq)]
pub struct Played {
    pub codec: String,
    pub size: Option<(u32, u32)>,
    pub frames: usize,
    /// In-band device time (ms) of each frame, where the frame carries one.
    pub device_times: Vec<Option<i64>>,
    /// Seconds of media received (RTP time of the last frame minus the first).
    pub media_seconds: f64,
}

/// Play `url` with retina for `seconds` of media (or until `limit`).
pub async fn play(
    url: &str,
    transport: PlayTransport,
    user: Option<&str>,
    password: Option<&str>,
    seconds: f64,
    limit: Duration,
) -> Result<Played, String> {
    use retina::client::{Credentials, PlayOptions, SessionOptions, SetupOptions, Transport};
    let parsed = url::Url::parse(url).map_err(|e| format!("play.url {url:?}: {e}"))?;
    let mut opts = SessionOptions::default();
    if let Some(u) = user {
        opts = opts.creds(Some(Credentials { username: u.into(), password: password.unwrap_or("").into() }));
    }
    let started = Instant::now();
    let left = |what: &str| -> Result<Duration, String> {
        limit.checked_sub(started.elapsed()).ok_or_else(|| format!("{what}: timed out after {limit:?}"))
    };
    let mut session =
        tokio::time::timeout(left("DESCRIBE")?, retina::client::Session::describe(parsed, opts))
            .await
            .map_err(|_| format!("DESCRIBE: no answer within {limit:?}"))?
            .map_err(|e| format!("DESCRIBE: {e}"))?;
    let idx = session
        .streams()
        .iter()
        .position(|s| s.media() == "video")
        .ok_or("the SDP offers no video stream")?;
    let codec = session.streams()[idx].encoding_name().to_ascii_lowercase();
    let dims = |s: &retina::client::Stream| match s.parameters() {
        Some(retina::codec::ParametersRef::Video(v)) => Some(v.pixel_dimensions()),
        _ => None,
    };
    let mut size = dims(&session.streams()[idx]);
    let t = match transport {
        PlayTransport::Tcp => Transport::Tcp(Default::default()),
        PlayTransport::Udp => Transport::Udp(Default::default()),
    };
    tokio::time::timeout(left("SETUP")?, session.setup(idx, SetupOptions::default().transport(t)))
        .await
        .map_err(|_| format!("SETUP: no answer within {limit:?}"))?
        .map_err(|e| format!("SETUP: {e}"))?;
    let playing = tokio::time::timeout(left("PLAY")?, session.play(PlayOptions::default()))
        .await
        .map_err(|_| format!("PLAY: no answer within {limit:?}"))?
        .map_err(|e| format!("PLAY: {e}"))?;
    let mut demuxed = playing.demuxed().map_err(|e| format!("PLAY: {e}"))?;
    let mut device_times = Vec::new();
    let mut first_ts: Option<f64> = None;
    let mut media_seconds = 0.0;
    while media_seconds < seconds {
        let Ok(wait) = left("playback") else { break };
        let item = match tokio::time::timeout(wait, demuxed.next()).await {
            Err(_) => break,
            Ok(None) => break,
            Ok(Some(Err(e))) => return Err(format!("playback: {e}")),
            Ok(Some(Ok(i))) => i,
        };
        if let retina::codec::CodecItem::VideoFrame(f) = item {
            let ts = f.timestamp().elapsed_secs();
            let first = *first_ts.get_or_insert(ts);
            media_seconds = ts - first;
            device_times.push(sei_time(f.data()));
        }
    }
    if let Some(s) = demuxed.streams().get(idx) {
        size = dims(s).or(size);
    }
    Ok(Played { codec, size, frames: device_times.len(), device_times, media_seconds })
}

/// The in-band device time of one frame (AVC length-prefixed NAL units).
fn sei_time(mut d: &[u8]) -> Option<i64> {
    let mut nals = Vec::new();
    while d.len() >= 4 {
        let len = u32::from_be_bytes([d[0], d[1], d[2], d[3]]) as usize;
        if d.len() < 4 + len {
            break;
        }
        nals.push(&d[4..4 + len]);
        d = &d[4 + len..];
    }
    devsim_media::read_timestamp_sei(&nals)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_text_joins_lines_with_crlf_and_splits_the_body() {
        let (start, hs, body) = wire_text("\nOPTIONS rtsp://h/cam=cam1 RTSP/1.0\nCSeq: 0\n");
        assert_eq!(start, "OPTIONS rtsp://h/cam=cam1 RTSP/1.0");
        assert_eq!(hs, vec![("CSeq".to_string(), "0".to_string())]);
        assert!(body.is_empty());
        let (_, hs, body) = wire_text("SET_PARAMETER rtsp://h RTSP/1.0\r\nCSeq: 2\r\n\r\nx: 1\n");
        assert_eq!(hs.len(), 1);
        assert_eq!(body, b"x: 1\r\n");
    }

    #[test]
    fn host_port_defaults_to_554_and_drops_credentials() {
        assert_eq!(host_port("rtsp://127.0.0.1:9/cam=x?time=1").unwrap(), "127.0.0.1:9");
        assert_eq!(host_port("rtsp://u:p@frc.example/cam=x").unwrap(), "frc.example:554");
        assert!(host_port("http://h/").is_err());
        assert!(host_port("rtsp:///x").is_err());
    }

    #[test]
    fn status_line_that_is_not_rtsp_is_refused() {
        assert!(parse_head("HTTP/1.1 200 OK\r\nA: b").is_err());
        let (st, hs) = parse_head("RTSP/1.0 454 Session Not Found\r\nCSeq: 3").unwrap();
        assert_eq!((st, hs.len()), (454, 1));
    }

    #[test]
    fn sei_time_is_none_for_frames_without_one() {
        assert_eq!(sei_time(&[0, 0, 0, 2, 0x65, 0x88]), None);
        assert_eq!(sei_time(&[0, 0, 0, 9, 1]), None, "a truncated NAL is not read past the end");
    }
}
