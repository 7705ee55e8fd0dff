//! Bytes on the control connection: framing (RTSP messages and `$` interleaved frames), request
//! parsing with `rtsp-types`, and response serialisation in the device's header order.
//!
//! Limits keep a hostile client from growing buffers: a header block larger than
//! [`MAX_HEADER_BYTES`] or a body larger than [`MAX_BODY_BYTES`] is an error, never a wait.

use std::fmt;

use crate::policy::HeaderOrder;
use crate::status::Status;

/// Largest accepted header block (request line and headers).
pub const MAX_HEADER_BYTES: usize = 8 * 1024;
/// Largest accepted request body (SET_PARAMETER, GET_PARAMETER).
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// An RTSP method.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Method {
    Options,
    Describe,
    Setup,
    Play,
    Pause,
    Teardown,
    GetParameter,
    SetParameter,
    Announce,
    Record,
    Redirect,
    Other(String),
}

impl Method {
    pub fn as_str(&self) -> &str {
        match self {
            Method::Options => "OPTIONS",
            Method::Describe => "DESCRIBE",
            Method::Setup => "SETUP",
            Method::Play => "PLAY",
            Method::Pause => "PAUSE",
            Method::Teardown => "TEARDOWN",
            Method::GetParameter => "GET_PARAMETER",
            Method::SetParameter => "SET_PARAMETER",
            Method::Announce => "ANNOUNCE",
            Method::Record => "RECORD",
            Method::Redirect => "REDIRECT",
            Method::Other(s) => s,
        }
    }

    fn from_rtsp_types(m: &rtsp_types::Method) -> Method {
        use rtsp_types::Method as M;
        match m {
            M::Options => Method::Options,
            M::Describe => Method::Describe,
            M::Setup => Method::Setup,
            M::Play => Method::Play,
            M::Pause => Method::Pause,
            M::Teardown => Method::Teardown,
            M::GetParameter => Method::GetParameter,
            M::SetParameter => Method::SetParameter,
            M::Announce => Method::Announce,
            M::Record => Method::Record,
            M::Redirect => Method::Redirect,
            M::PlayNotify => Method::Other("PLAY_NOTIFY".into()),
            M::Extension(s) => Method::Other(s.clone()),
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A parsed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: Method,
    /// The request-URI (`*` for `OPTIONS *`).
    pub uri: String,
    /// RTSP/1.0 or not.
    pub rtsp10: bool,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// The first header named `name` (case-insensitive), trimmed.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim())
    }

    /// The `CSeq` value, when it is a number.
    pub fn cseq(&self) -> Option<u32> {
        self.header("CSeq")?.parse().ok()
    }

    /// The session id of the `Session` header (without `;timeout=`).
    pub fn session(&self) -> Option<&str> {
        let v = self.header("Session")?;
        let id = v.split(';').next().unwrap_or("").trim();
        (!id.is_empty()).then_some(id)
    }
}

/// One unit read from the control connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    Request(Request),
    /// A `$`-framed interleaved packet (RTCP receiver reports from the client).
    Interleaved {
        channel: u8,
        len: usize,
    },
    /// A response from the client (to a server request we never send); ignored.
    Response,
}

/// Why the bytes cannot be a request. After any of these the connection is answered `400` (or
/// `413`) and closed: framing is lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WireError {
    HeaderTooLarge,
    BodyTooLarge,
    Malformed,
}

impl WireError {
    pub fn status(&self) -> Status {
        match self {
            WireError::HeaderTooLarge | WireError::BodyTooLarge => Status::REQUEST_ENTITY_TOO_LARGE,
            WireError::Malformed => Status::BAD_REQUEST,
        }
    }
}

fn find_header_end(buf: &[u8]) -> Option<usize> {
    let crlf = buf.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4);
    let lf = buf.windows(2).position(|w| w == b"\n\n").map(|p| p + 2);
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Parses the next frame at the start of `buf`. `Ok(None)`: more bytes are needed. On success,
/// returns the frame and the number of bytes it used (leading blank lines included).
pub fn parse_frame(buf: &[u8]) -> Result<Option<(Frame, usize)>, WireError> {
    let skip = buf.iter().take_while(|b| **b == b'\r' || **b == b'\n').count();
    let rest = &buf[skip..];
    if rest.is_empty() {
        return Ok(None);
    }
    if rest[0] == b'$' {
        if rest.len() < 4 {
            return Ok(None);
        }
        let len = u16::from_be_bytes([rest[2], rest[3]]) as usize;
        if rest.len() < 4 + len {
            return Ok(None);
        }
        return Ok(Some((Frame::Interleaved { channel: rest[1], len }, skip + 4 + len)));
    }
    let Some(header_end) = find_header_end(rest) else {
        return if rest.len() > MAX_HEADER_BYTES { Err(WireError::HeaderTooLarge) } else { Ok(None) };
    };
    if header_end > MAX_HEADER_BYTES {
        return Err(WireError::HeaderTooLarge);
    }
    let content_length = content_length(&rest[..header_end])?;
    if content_length > MAX_BODY_BYTES {
        return Err(WireError::BodyTooLarge);
    }
    if rest.len() < header_end + content_length {
        return Ok(None);
    }
    let whole = &rest[..header_end + content_length];
    let (msg, used) = match rtsp_types::Message::<Vec<u8>>::parse(whole) {
        Ok(v) => v,
        Err(rtsp_types::ParseError::Incomplete(_)) | Err(rtsp_types::ParseError::Error) => {
            return Err(WireError::Malformed)
        }
    };
    let frame = match msg {
        rtsp_types::Message::Request(r) => Frame::Request(Request {
            method: Method::from_rtsp_types(r.method()),
            uri: r.request_uri().map(|u| u.as_str().to_owned()).unwrap_or_else(|| "*".to_owned()),
            rtsp10: r.version() == rtsp_types::Version::V1_0,
            headers: r.headers().map(|(n, v)| (n.as_str().to_owned(), v.as_str().to_owned())).collect(),
            body: r.body().clone(),
        }),
        rtsp_types::Message::Response(_) => Frame::Response,
        rtsp_types::Message::Data(d) => Frame::Interleaved { channel: d.channel_id(), len: d.len() },
    };
    Ok(Some((frame, skip + used)))
}

/// The `Content-Length` of a header block (0 when absent); a value that is not a number is
/// malformed.
fn content_length(head: &[u8]) -> Result<usize, WireError> {
    let text = std::str::from_utf8(head).map_err(|_| WireError::Malformed)?;
    for line in text.lines().skip(1) {
        if let Some((name, value)) = line.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-length") {
                return value.trim().parse::<usize>().map_err(|_| WireError::Malformed);
            }
        }
    }
    Ok(0)
}

/// A response being built. Headers keep the order they were added in until
/// [`Response::to_bytes`] applies the device's [`HeaderOrder`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: Status,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn new(status: Status) -> Self {
        Response { status, headers: Vec::new(), body: Vec::new() }
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    pub fn push_header(&mut self, name: &str, value: impl Into<String>) {
        self.headers.push((name.to_owned(), value.into()));
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The bytes on the wire: status line, headers in `order`, blank line, body. Adds
    /// `Content-Length` for a non-empty body when missing.
    pub fn to_bytes(&self, order: &HeaderOrder) -> Vec<u8> {
        let mut headers = self.headers.clone();
        if !self.body.is_empty() && !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("content-length")) {
            headers.push(("Content-Length".into(), self.body.len().to_string()));
        }
        let rank = |name: &str| -> usize {
            match order {
                HeaderOrder::CSeqFirst => usize::from(!name.eq_ignore_ascii_case("cseq")),
                HeaderOrder::Ranked(list) => {
                    list.iter().position(|n| n.eq_ignore_ascii_case(name)).unwrap_or(list.len())
                }
            }
        };
        // Stable: headers of equal rank keep their insertion order.
        headers.sort_by_key(|(n, _)| rank(n));
        let mut out = Vec::with_capacity(128 + self.body.len());
        out.extend_from_slice(format!("RTSP/1.0 {} {}\r\n", self.status.0, self.status.reason()).as_bytes());
        for (n, v) in &headers {
            out.extend_from_slice(n.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(v.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&self.body);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_a_request_with_headers_and_leaves_the_rest() {
        let data = b"OPTIONS rtsp://h:8554/cam=cam1 RTSP/1.0\r\nCSeq: 0\r\n\r\nDESC";
        let (frame, used) = parse_frame(data).unwrap().unwrap();
        assert_eq!(used, data.len() - 4);
        let Frame::Request(r) = frame else { panic!("not a request") };
        assert_eq!(r.method, Method::Options);
        assert_eq!(r.uri, "rtsp://h:8554/cam=cam1");
        assert_eq!(r.cseq(), Some(0));
        assert!(r.rtsp10);
    }

    #[test]
    fn waits_for_the_body_announced_by_content_length() {
        let data = b"SET_PARAMETER rtsp://h/ RTSP/1.0\r\nCSeq: 3\r\nContent-Length: 5\r\n\r\nab";
        assert_eq!(parse_frame(data).unwrap(), None);
        let mut full = data.to_vec();
        full.extend_from_slice(b"cde");
        let (Frame::Request(r), used) = parse_frame(&full).unwrap().unwrap() else { panic!() };
        assert_eq!(used, full.len());
        assert_eq!(r.body, b"abcde");
    }

    #[test]
    fn reads_interleaved_frames() {
        let data = [b'$', 1, 0, 2, 0xaa, 0xbb, b'O'];
        assert_eq!(parse_frame(&data).unwrap(), Some((Frame::Interleaved { channel: 1, len: 2 }, 6)));
        assert_eq!(parse_frame(&data[..5]).unwrap(), None);
    }

    #[test]
    fn rejects_oversized_headers_and_bodies() {
        let big = vec![b'a'; MAX_HEADER_BYTES + 1];
        assert_eq!(parse_frame(&big), Err(WireError::HeaderTooLarge));
        let body = b"SET_PARAMETER rtsp://h/ RTSP/1.0\r\nCSeq: 3\r\nContent-Length: 99999999\r\n\r\n";
        assert_eq!(parse_frame(body), Err(WireError::BodyTooLarge));
        let bad = b"SET_PARAMETER rtsp://h/ RTSP/1.0\r\nContent-Length: x\r\n\r\n";
        assert_eq!(parse_frame(bad), Err(WireError::Malformed));
    }

    #[test]
    fn rejects_garbage_request_lines() {
        assert_eq!(parse_frame(b"hello\r\n\r\n"), Err(WireError::Malformed));
    }

    #[test]
    fn serialises_in_ranked_order() {
        let r = Response::new(Status::OK)
            .header("CSeq", "4")
            .header("RTP-Info", "url=x")
            .header("Session", "S")
            .header("Range", "clock=20230712T191144-");
        let order = HeaderOrder::Ranked(vec!["Range", "CSeq", "RTP-Info", "Session"]);
        assert_eq!(
            String::from_utf8(r.to_bytes(&order)).unwrap(),
            "RTSP/1.0 200 OK\r\nRange: clock=20230712T191144-\r\nCSeq: 4\r\nRTP-Info: url=x\r\nSession: S\r\n\r\n"
        );
        let std = String::from_utf8(r.to_bytes(&HeaderOrder::CSeqFirst)).unwrap();
        assert!(std.starts_with("RTSP/1.0 200 OK\r\nCSeq: 4\r\nRTP-Info"));
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let _ = parse_frame(&data);
        }

        #[test]
        fn request_like_input_never_panics(
            method in "(OPTIONS|DESCRIBE|PLAY|SETUP|[A-Z_]{1,12})",
            uri in "[ -~]{0,40}",
            headers in proptest::collection::vec(("[A-Za-z-]{0,12}", "[ -~]{0,30}"), 0..8),
            tail in proptest::collection::vec(any::<u8>(), 0..64),
        ) {
            let mut s = format!("{method} {uri} RTSP/1.0\r\n");
            for (n, v) in headers {
                s.push_str(&format!("{n}: {v}\r\n"));
            }
            s.push_str("\r\n");
            let mut data = s.into_bytes();
            data.extend_from_slice(&tail);
            // Whatever happens, the result consumes no more than the input.
            if let Ok(Some((_, used))) = parse_frame(&data) {
                prop_assert!(used <= data.len());
            }
        }
    }
}
