//! One task per control connection: read frames, authenticate, run the method, answer in the
//! device's header order, and own the sessions set up on this connection (closing it destroys
//! them).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::{Buf, Bytes, BytesMut};
use chrono::{TimeZone, Utc};
use devsim_core::auth::basic;
use devsim_core::auth::digest::{DigestConfig, DigestOutcome, DigestServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::Instrument as _;

use crate::device::{AuthScheme, Mode, RtspDevice, StreamRequest};
use crate::headers::{self, Delivery, NptStart, RangeSpec};
use crate::pacer::{self, Cursor, PacerConfig, Sink};
use crate::policy::{NptReply, OnvifExtension, Policy};
use crate::rtp::Packetizer;
use crate::sdp;
use crate::session::{Activity, Playing, Session, State, UdpPair};
use crate::status::Status;
use crate::wire::{self, Frame, Method, Request, Response};

/// Sessions one connection may hold.
const MAX_SESSIONS_PER_CONNECTION: usize = 16;

/// State shared by every connection of one server.
pub(crate) struct Shared {
    pub device: Arc<dyn RtspDevice>,
    /// Device-wide Digest verifier (when nonces are not per connection).
    pub digest: Mutex<Option<DigestServer>>,
    pub sessions: AtomicUsize,
}

impl Shared {
    pub fn new(device: Arc<dyn RtspDevice>) -> Self {
        Shared { device, digest: Mutex::new(None), sessions: AtomicUsize::new(0) }
    }
}

struct Conn {
    shared: Arc<Shared>,
    policy: Policy,
    peer: SocketAddr,
    local: SocketAddr,
    out: mpsc::Sender<Bytes>,
    /// Per-connection Digest verifier and its one challenge.
    digest: Option<DigestServer>,
    challenge: Option<String>,
    sessions: HashMap<String, Session>,
    /// A pacer to start once the PLAY answer is queued.
    deferred: Option<(String, PacerConfig)>,
}

/// Serves one accepted connection until it closes or `stop` is cancelled.
pub(crate) async fn serve_connection(stream: TcpStream, shared: Arc<Shared>, stop: CancellationToken) {
    let (Ok(peer), Ok(local)) = (stream.peer_addr(), stream.local_addr()) else { return };
    let _ = stream.set_nodelay(true);
    let policy = shared.device.policy();
    let (mut rd, mut wr) = stream.into_split();
    let (tx, mut rx) = mpsc::channel::<Bytes>(512);
    let writer_done = CancellationToken::new();
    let mut writer = {
        let done = writer_done.clone();
        tokio::spawn(async move {
            while let Some(b) = rx.recv().await {
                if wr.write_all(&b).await.is_err() {
                    break;
                }
            }
            let _ = wr.shutdown().await;
            done.cancel();
        })
    };
    let mut conn = Conn {
        shared,
        policy,
        peer,
        local,
        out: tx,
        digest: None,
        challenge: None,
        sessions: HashMap::new(),
        deferred: None,
    };
    tracing::debug!(%peer, "rtsp connection");
    let mut buf = BytesMut::with_capacity(4096);
    let mut partial_since: Option<Instant> = None;
    let mut last_read = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    'conn: loop {
        loop {
            match wire::parse_frame(&buf) {
                Ok(Some((frame, used))) => {
                    buf.advance(used);
                    partial_since = None;
                    match frame {
                        Frame::Request(req) => {
                            if !conn.request(req).await {
                                break 'conn;
                            }
                        }
                        Frame::Interleaved { .. } => {
                            // RTCP receiver reports keep the sessions alive.
                            for s in conn.sessions.values() {
                                s.activity.touch();
                            }
                        }
                        Frame::Response => {}
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    tracing::debug!(%peer, error = ?e, "unparsable request; closing");
                    let r = Response::new(e.status());
                    let _ = conn.out.send(Bytes::from(r.to_bytes(&conn.policy.header_order))).await;
                    break 'conn;
                }
            }
        }
        if buf.is_empty() {
            partial_since = None;
        } else if partial_since.is_none() {
            partial_since = Some(Instant::now());
        }
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = writer_done.cancelled() => break,
            r = rd.read_buf(&mut buf) => match r {
                Ok(0) | Err(_) => break,
                Ok(_) => last_read = Instant::now(),
            },
            _ = tick.tick() => {
                let timeout = Duration::from_secs(conn.policy.session_timeout_s.max(1));
                if partial_since.is_some_and(|t| t.elapsed() > Duration::from_secs(conn.policy.request_timeout_s)) {
                    tracing::debug!(%peer, "request not completed in time; closing");
                    break;
                }
                conn.expire_sessions(timeout);
                if conn.sessions.is_empty() && last_read.elapsed() > timeout {
                    tracing::debug!(%peer, "idle connection; closing");
                    break;
                }
            }
        }
    }
    let n = conn.sessions.len();
    conn.sessions.clear();
    conn.shared.sessions.fetch_sub(n, Ordering::Relaxed);
    drop(conn);
    // A client that does not read must not hold up power off or shutdown.
    let flushed =
        !stop.is_cancelled() && tokio::time::timeout(Duration::from_secs(5), &mut writer).await.is_ok();
    if !flushed {
        writer.abort();
    }
    tracing::debug!(%peer, "rtsp connection closed");
}

fn http_date(ms: i64) -> String {
    Utc.timestamp_millis_opt(ms)
        .single()
        .map(|d| d.format("%a, %d %b %Y %H:%M:%S GMT").to_string())
        .unwrap_or_default()
}

/// Splits a request-URI into the device's [`StreamRequest`] and whether it named the track.
fn stream_request(uri: &str, policy: &Policy) -> (StreamRequest, bool) {
    let suffix = format!("/{}", policy.track_control);
    let (base, is_track) = match uri.strip_suffix(&suffix) {
        Some(b) => (b, true),
        None => (uri, false),
    };
    let base = base.strip_suffix('/').unwrap_or(base);
    let after_scheme = base.split_once("://").map(|(_, r)| r).unwrap_or(base);
    let path_and_query = after_scheme.find(['/', '?']).map(|i| &after_scheme[i..]).unwrap_or("");
    let (path, query) = match path_and_query.split_once('?') {
        Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
        None => (path_and_query.to_owned(), None),
    };
    (StreamRequest { url: base.to_owned(), path, query }, is_track)
}

impl Conn {
    fn now_ms(&self) -> i64 {
        self.shared.device.runtime().clock.now_ms()
    }

    /// Queues a response; `false` when the connection is gone.
    async fn send(&mut self, req: Option<&Request>, mut resp: Response) -> bool {
        if let Some(cseq) = req.and_then(|r| r.header("CSeq")) {
            resp.headers.insert(0, ("CSeq".into(), cseq.to_owned()));
        }
        if self.policy.date_header {
            resp.push_header("Date", http_date(self.now_ms()));
        }
        if let Some(s) = &self.policy.server_header {
            resp.push_header("Server", s.clone());
        }
        self.out.send(Bytes::from(resp.to_bytes(&self.policy.header_order))).await.is_ok()
    }

    /// Handles one request; `false` when the connection must close.
    async fn request(&mut self, req: Request) -> bool {
        let span =
            tracing::debug_span!("rtsp", method = %req.method, cseq = req.header("CSeq").unwrap_or(""));
        let resp = self.dispatch(&req).instrument(span.clone()).await;
        span.in_scope(|| tracing::debug!(status = resp.status.0, "answered"));
        if !self.send(Some(&req), resp).await {
            return false;
        }
        if let Some((id, cfg)) = self.deferred.take() {
            self.start_pacer(&id, cfg);
        }
        true
    }

    async fn dispatch(&mut self, req: &Request) -> Response {
        if !req.rtsp10 {
            return Response::new(Status::VERSION_NOT_SUPPORTED);
        }
        if req.cseq().is_none() {
            return Response::new(Status::BAD_REQUEST);
        }
        let known = !matches!(req.method, Method::Other(_) | Method::Redirect);
        if !known {
            return Response::new(Status::NOT_IMPLEMENTED).header("Allow", self.public());
        }
        if !self.policy.public.contains(&req.method) {
            return Response::new(Status::METHOD_NOT_ALLOWED).header("Allow", self.public());
        }
        if req.method != Method::Options || !self.policy.options_without_auth {
            if let Err(r) = self.authenticate(req) {
                return r;
            }
        }
        if let Some(id) = req.session() {
            if let Some(s) = self.sessions.get(id) {
                s.activity.touch();
            }
        }
        let result = match req.method {
            Method::Options => Ok(Response::new(Status::OK).header("Public", self.public())),
            Method::Describe => self.describe(req).await,
            Method::Setup => self.setup(req).await,
            Method::Play => self.play(req).await,
            Method::Pause => self.pause(req).await,
            Method::Teardown => self.teardown(req),
            Method::GetParameter | Method::SetParameter => self.keepalive(req),
            _ => Err(Status::METHOD_NOT_ALLOWED),
        };
        match result {
            Ok(r) => r,
            Err(Status(405)) => Response::new(Status::METHOD_NOT_ALLOWED).header("Allow", self.public()),
            Err(s) => Response::new(s),
        }
    }

    fn public(&self) -> String {
        self.policy.public.iter().map(|m| m.as_str()).collect::<Vec<_>>().join(", ")
    }

    fn session_header(&self, id: &str) -> String {
        if self.policy.advertise_timeout {
            format!("{id};timeout={}", self.policy.session_timeout_s)
        } else {
            id.to_owned()
        }
    }

    // ---- authentication ----------------------------------------------------------------

    fn authenticate(&mut self, req: &Request) -> Result<(), Response> {
        let device = self.shared.device.clone();
        let scheme = device.auth();
        let auth = req.header("Authorization");
        let lookup = |u: &str| device.password(u);
        let digest_config = match &scheme {
            AuthScheme::None => return Ok(()),
            AuthScheme::Basic { realm } => {
                if let Some((user, pw)) = auth.and_then(basic::parse) {
                    if device.password(&user).is_some_and(|p| p == pw) {
                        return Ok(());
                    }
                }
                return Err(
                    Response::new(Status::UNAUTHORIZED).header("WWW-Authenticate", basic::challenge(realm))
                );
            }
            AuthScheme::Digest(c) => c.clone(),
            AuthScheme::DigestOrBasic(c) => {
                if let Some((user, pw)) = auth.and_then(basic::parse) {
                    if device.password(&user).is_some_and(|p| p == pw) {
                        return Ok(());
                    }
                }
                c.clone()
            }
        };
        let now = self.now_ms();
        let outcome = auth.filter(|a| !a.trim_start().to_ascii_lowercase().starts_with("basic")).map(|a| {
            self.with_digest(&digest_config, |d| d.verify(req.method.as_str(), &req.uri, a, now, &lookup))
        });
        let stale = match outcome {
            Some(Ok(DigestOutcome::Ok { .. })) => return Ok(()),
            Some(Ok(DigestOutcome::Stale)) => true,
            Some(Ok(DigestOutcome::Denied(_))) | None => false,
            Some(Err(r)) => return Err(r),
        };
        let challenge = self.challenge(&digest_config, stale)?;
        let mut r = Response::new(Status::UNAUTHORIZED).header("WWW-Authenticate", challenge);
        if let AuthScheme::DigestOrBasic(c) = &scheme {
            r.push_header("WWW-Authenticate", basic::challenge(&c.realm));
        }
        Err(r)
    }

    fn with_digest<T>(
        &mut self,
        config: &DigestConfig,
        f: impl FnOnce(&mut DigestServer) -> T,
    ) -> Result<T, Response> {
        let fail = |e: devsim_core::Error| {
            tracing::error!(error = %e, "digest configuration rejected");
            Response::new(Status::INTERNAL_SERVER_ERROR)
        };
        if self.policy.nonce_per_connection {
            if self.digest.is_none() {
                self.digest = Some(DigestServer::new(config.clone()).map_err(fail)?);
            }
            match self.digest.as_mut() {
                Some(d) => Ok(f(d)),
                None => Err(Response::new(Status::INTERNAL_SERVER_ERROR)),
            }
        } else {
            let mut guard = self.shared.digest.lock().unwrap_or_else(|e| e.into_inner());
            if guard.is_none() {
                *guard = Some(DigestServer::new(config.clone()).map_err(fail)?);
            }
            match guard.as_mut() {
                Some(d) => Ok(f(d)),
                None => Err(Response::new(Status::INTERNAL_SERVER_ERROR)),
            }
        }
    }

    fn challenge(&mut self, config: &DigestConfig, stale: bool) -> Result<String, Response> {
        if self.policy.nonce_per_connection {
            if let Some(c) = &self.challenge {
                return Ok(c.clone());
            }
        }
        let now = self.now_ms();
        let queued = self.shared.device.next_nonce();
        let c = self.with_digest(config, |d| {
            if let Some(n) = &queued {
                if let Err(e) = d.queue_nonce(n) {
                    tracing::warn!(error = %e, "device nonce rejected; issuing a random one");
                }
            }
            if stale {
                d.stale_challenge(now)
            } else {
                d.challenge(now)
            }
        })?;
        if self.policy.nonce_per_connection {
            self.challenge = Some(c.clone());
        }
        Ok(c)
    }

    // ---- methods -----------------------------------------------------------------------

    async fn describe(&mut self, req: &Request) -> Result<Response, Status> {
        let (sr, _) = stream_request(&req.uri, &self.policy);
        let resolved = self.shared.device.resolve(&sr)?;
        if let Mode::Playback { recordings, .. } = &resolved.mode {
            if recordings.is_empty() {
                return Err(Status::NOT_FOUND);
            }
        }
        let media = self.shared.device.media();
        let at_ms = match &resolved.mode {
            Mode::Playback { start_ms, .. } => *start_ms,
            Mode::Live => self.now_ms(),
        };
        let ps = media.parameter_sets(&resolved.label, &resolved.params, at_ms).await.map_err(|e| {
            tracing::warn!(label = %resolved.label, error = %e, "no parameter sets");
            Status::from(&e)
        })?;
        let body = sdp::describe(&ps, &resolved.mode, &self.policy, &self.local.ip().to_string());
        let mut base = sr.url.clone();
        if self.policy.content_base_slash {
            base.push('/');
        }
        let mut r = Response::new(Status::OK).header("Content-Base", base);
        if self.policy.describe_content_type {
            r.push_header("Content-Type", "application/sdp");
        }
        r.push_header("Content-Length", body.len().to_string());
        r.body = body.into_bytes();
        Ok(r)
    }

    async fn setup(&mut self, req: &Request) -> Result<Response, Status> {
        let Some(th) = req.header("Transport") else { return Err(Status::UNSUPPORTED_TRANSPORT) };
        let choice = headers::choose_transport(th, &self.policy)?;
        let (sr, is_track) = stream_request(&req.uri, &self.policy);
        if !is_track && !self.policy.setup_on_aggregate {
            return Err(Status::AGGREGATE_OPERATION_NOT_ALLOWED);
        }
        if let Some(id) = req.session() {
            let Some(s) = self.sessions.get(id) else { return Err(Status::SESSION_NOT_FOUND) };
            if matches!(s.state, State::Playing(_)) {
                return Err(Status::METHOD_NOT_VALID_IN_THIS_STATE);
            }
            // Same track again: answer as before (idempotent).
            let transport = self.transport_reply(s);
            let header = self.session_header(&s.id);
            return Ok(Response::new(Status::OK).header("Transport", transport).header("Session", header));
        }
        if self.sessions.len() >= MAX_SESSIONS_PER_CONNECTION {
            return Err(Status::SERVICE_UNAVAILABLE);
        }
        let resolved = self.shared.device.resolve(&sr)?;
        let start_abs_ms = match &resolved.mode {
            Mode::Playback { recordings, start_ms } => {
                if recordings.is_empty() {
                    return Err(Status::NOT_FOUND);
                }
                *start_ms
            }
            Mode::Live => self.now_ms(),
        };
        let seed = self.shared.device.session_seed();
        if self.sessions.contains_key(&seed.id) || seed.id.is_empty() {
            return Err(Status::INTERNAL_SERVER_ERROR);
        }
        let activity = Activity::new();
        activity.touch();
        let rtcp_reader = CancellationToken::new();
        let udp = match choice.delivery {
            Delivery::Udp { .. } => {
                let pair = bind_udp_pair(self.local, seed.server_rtp_port, self.policy.udp_ports).await?;
                spawn_rtcp_reader(pair.rtcp.clone(), activity.clone(), rtcp_reader.clone());
                Some(pair)
            }
            Delivery::Interleaved { .. } => None,
        };
        let cursor = Cursor {
            packetizer: Packetizer::new(
                resolved.params.codec,
                seed.ssrc,
                seed.first_seq,
                self.policy.max_rtp_payload,
            ),
            rtp_base: seed.rtp_base,
            rtp_offset: 0,
        };
        let session = Session {
            id: seed.id.clone(),
            resolved,
            base_url: sr.url.clone(),
            transport: choice,
            udp,
            state: State::Ready,
            cursor: Some(cursor),
            start_abs_ms,
            origin_ms: None,
            activity,
            rtcp_reader,
        };
        let transport = self.transport_reply(&session);
        let header = self.session_header(&session.id);
        tracing::debug!(session = %session.id, peer = %self.peer, "session set up");
        self.sessions.insert(seed.id, session);
        self.shared.sessions.fetch_add(1, Ordering::Relaxed);
        Ok(Response::new(Status::OK).header("Transport", transport).header("Session", header))
    }

    fn transport_reply(&self, s: &Session) -> String {
        let ssrc = s.cursor.as_ref().map(|c| c.packetizer.ssrc).unwrap_or_default();
        match &s.udp {
            Some(u) => format!(
                "{};server_port={}-{};ssrc={ssrc:08x}",
                s.transport.client_text,
                u.rtp_port,
                u.rtp_port.wrapping_add(1)
            ),
            None => format!("{};ssrc={ssrc:08x}", s.transport.client_text),
        }
    }

    fn session_of(&mut self, req: &Request) -> Result<String, Status> {
        let id = req.session().ok_or(Status::SESSION_NOT_FOUND)?;
        if !self.sessions.contains_key(id) {
            return Err(Status::SESSION_NOT_FOUND);
        }
        Ok(id.to_owned())
    }

    async fn play(&mut self, req: &Request) -> Result<Response, Status> {
        let id = self.session_of(req)?;
        let require = req.header("Require").unwrap_or("");
        let unsupported = headers::unsupported_requirements(require);
        if !unsupported.is_empty() {
            return Ok(
                Response::new(Status::OPTION_NOT_SUPPORTED).header("Unsupported", unsupported.join(", "))
            );
        }
        let onvif_required = require.split(',').any(|t| t.trim().eq_ignore_ascii_case("onvif-replay"));
        let range = match req.header("Range") {
            Some(v) => Some(headers::parse_range(v).ok_or(Status::BAD_REQUEST)?),
            None => None,
        };
        let scale = match req.header("Scale") {
            Some(v) => Some(headers::parse_scale(v, self.policy.max_scale)?),
            None => None,
        };
        let rate_control = !req.header("Rate-Control").is_some_and(|v| v.eq_ignore_ascii_case("no"));
        let now = self.now_ms();
        let policy = self.policy.clone();
        let session_header = self.session_header(&id);
        let Some(session) = self.sessions.get_mut(&id) else { return Err(Status::SESSION_NOT_FOUND) };
        if session.finished_playing() {
            session.stop().await;
        }
        if range.is_none() && scale.is_none() && matches!(session.state, State::Playing(_)) {
            // Already playing: nothing changes.
            return Ok(Response::new(Status::OK).header("Session", session_header));
        }
        let start_abs = session.start_abs_ms;
        // Where to start, what to answer in Range, and the new npt origin.
        let (target, end, reply_range, origin) = match (&session.resolved.mode, &range) {
            (Mode::Live, _) => (now, None, Some("npt=now-".to_owned()), session.origin_ms),
            (Mode::Playback { .. }, Some(RangeSpec::Npt { start, end })) => {
                let x = match start {
                    NptStart::Secs(s) => *s,
                    NptStart::Now => {
                        ((now - session.origin_ms.unwrap_or(start_abs)) as f64 / 1000.0).max(0.0)
                    }
                };
                match policy.npt_reply {
                    NptReply::Recenter { window_s } => {
                        let (target, origin, p) =
                            headers::recenter(session.origin_ms, start_abs, x, now, window_s);
                        let end = end.map(|e| origin + (e * 1000.0) as i64);
                        (target, end, Some(format!("npt={p}-{window_s}")), Some(origin))
                    }
                    NptReply::Echo => {
                        let target = start_abs + (x * 1000.0).round() as i64;
                        let end_abs = end.map(|e| start_abs + (e * 1000.0) as i64);
                        let text = match end {
                            Some(e) => format!("npt={x:.3}-{e:.3}"),
                            None => format!("npt={x:.3}-"),
                        };
                        (target, end_abs, Some(text), session.origin_ms)
                    }
                }
            }
            (Mode::Playback { .. }, Some(RangeSpec::Clock { start_ms, end_ms, text })) => {
                let origin = match policy.npt_reply {
                    NptReply::Recenter { window_s } => {
                        Some(now.min(start_ms + window_s * 500) - window_s * 1000)
                    }
                    NptReply::Echo => session.origin_ms,
                };
                (*start_ms, *end_ms, Some(text.clone()), origin)
            }
            (Mode::Playback { .. }, None) => {
                let target = match &session.state {
                    State::Paused { position_ms: Some(p) } => *p,
                    _ => start_abs,
                };
                let reply = match policy.npt_reply {
                    NptReply::Echo => Some(format!("npt={:.3}-", (target - start_abs) as f64 / 1000.0)),
                    NptReply::Recenter { .. } => None,
                };
                (target, None, reply, session.origin_ms)
            }
        };
        let resume = range.is_none() && matches!(session.state, State::Paused { position_ms: Some(_) });
        let (sections, section, start) = match &session.resolved.mode {
            Mode::Live => (vec![(i64::MIN, i64::MAX)], 0, now),
            Mode::Playback { recordings, .. } => {
                let target = target.min(now);
                let Some(i) = recordings.iter().position(|r| r.1 > target) else {
                    return Err(Status::INVALID_RANGE);
                };
                if end.is_some_and(|e| e <= recordings[i].0.max(target)) {
                    return Err(Status::INVALID_RANGE);
                }
                (recordings.clone(), i, target.max(recordings[i].0))
            }
        };
        session.origin_ms = origin;
        session.stop().await;
        let Some(cursor) = session.cursor.take() else { return Err(Status::INTERNAL_SERVER_ERROR) };
        let track_url = format!("{}/{}", session.base_url, policy.track_control);
        let rtp_info =
            format!("url={track_url};seq={};rtptime={}", cursor.packetizer.next_seq, cursor.next_rtptime());
        let playback = matches!(session.resolved.mode, Mode::Playback { .. });
        let onvif = match policy.onvif {
            OnvifExtension::PlaybackAlways => playback || onvif_required,
            OnvifExtension::WhenRequired => onvif_required,
            OnvifExtension::Never => false,
        };
        let sink = match (&session.transport.delivery, &session.udp) {
            (Delivery::Udp { client_rtp, client_rtcp }, Some(u)) => Sink::Udp {
                rtp: u.rtp.clone(),
                rtcp: u.rtcp.clone(),
                dest_rtp: SocketAddr::new(self.peer.ip(), *client_rtp),
                dest_rtcp: SocketAddr::new(self.peer.ip(), *client_rtcp),
            },
            (Delivery::Interleaved { rtp_channel, rtcp_channel }, _) => Sink::Interleaved {
                out: self.out.clone(),
                rtp_channel: *rtp_channel,
                rtcp_channel: *rtcp_channel,
            },
            (Delivery::Udp { .. }, None) => return Err(Status::INTERNAL_SERVER_ERROR),
        };
        let cfg = PacerConfig {
            media: self.shared.device.media(),
            label: session.resolved.label.clone(),
            params: session.resolved.params.clone(),
            clock: self.shared.device.runtime().clock.clone(),
            sections,
            section,
            start_ms: start,
            end_ms: end,
            resume,
            scale: scale.unwrap_or(1.0),
            rate_control,
            onvif_cseq: onvif.then(|| req.cseq().unwrap_or(0) as u8),
            sink,
            rtcp_interval_ms: policy.rtcp_interval_ms as i64,
            cname: format!("devsim@{}", self.local.ip()),
        };
        session.cursor = Some(cursor);
        self.deferred = Some((id, cfg));
        let mut r = Response::new(Status::OK);
        if let Some(range) = reply_range {
            r.push_header("Range", range);
        }
        r.push_header("RTP-Info", rtp_info);
        r.push_header("Session", session_header);
        if let Some(s) = scale {
            r.push_header("Scale", format!("{s}"));
        }
        if !rate_control {
            r.push_header("Rate-Control", "no");
        }
        Ok(r)
    }

    fn start_pacer(&mut self, id: &str, cfg: PacerConfig) {
        let Some(session) = self.sessions.get_mut(id) else { return };
        let Some(cursor) = session.cursor.take() else { return };
        let cancel = CancellationToken::new();
        let task = tokio::spawn(pacer::run(cfg, cursor, cancel.clone()));
        session.state = State::Playing(Playing { cancel, task });
    }

    async fn pause(&mut self, req: &Request) -> Result<Response, Status> {
        let id = self.session_of(req)?;
        let header = self.session_header(&id);
        if let Some(s) = self.sessions.get_mut(&id) {
            if matches!(s.state, State::Playing(_)) {
                s.stop().await;
            }
        }
        Ok(Response::new(Status::OK).header("Session", header))
    }

    fn teardown(&mut self, req: &Request) -> Result<Response, Status> {
        let id = self.session_of(req)?;
        let header = self.session_header(&id);
        if self.sessions.remove(&id).is_some() {
            self.shared.sessions.fetch_sub(1, Ordering::Relaxed);
        }
        tracing::debug!(session = %id, "session torn down");
        Ok(Response::new(Status::OK).header("Session", header))
    }

    fn keepalive(&mut self, req: &Request) -> Result<Response, Status> {
        let mut r = Response::new(Status::OK);
        if req.session().is_some() {
            let id = self.session_of(req)?;
            r.push_header("Session", self.session_header(&id));
        }
        if !req.body.is_empty() && req.method == Method::SetParameter {
            return Err(Status(451));
        }
        Ok(r)
    }

    fn expire_sessions(&mut self, timeout: Duration) {
        let limit = timeout.as_millis() as u64;
        let before = self.sessions.len();
        self.sessions.retain(|id, s| {
            let keep = s.activity.idle_ms() <= limit;
            if !keep {
                tracing::debug!(session = %id, "session timed out");
            }
            keep
        });
        let gone = before - self.sessions.len();
        if gone > 0 {
            self.shared.sessions.fetch_sub(gone, Ordering::Relaxed);
        }
    }
}

async fn bind_udp_pair(local: SocketAddr, wanted: Option<u16>, range: (u16, u16)) -> Result<UdpPair, Status> {
    let ip = local.ip();
    let try_pair = |port: u16| async move {
        let rtp = UdpSocket::bind(SocketAddr::new(ip, port)).await.ok()?;
        let rtcp = UdpSocket::bind(SocketAddr::new(ip, port.checked_add(1)?)).await.ok()?;
        Some(UdpPair { rtp: Arc::new(rtp), rtcp: Arc::new(rtcp), rtp_port: port })
    };
    if let Some(p) = wanted.filter(|p| p % 2 == 0) {
        if let Some(pair) = try_pair(p).await {
            return Ok(pair);
        }
    }
    let (lo, hi) = (range.0 & !1, range.1);
    let span = ((hi.saturating_sub(lo)) / 2).max(1);
    let offset = rand::random::<u16>() % span;
    for i in 0..span.min(64) {
        let p = lo + ((offset + i) % span) * 2;
        if let Some(pair) = try_pair(p).await {
            return Ok(pair);
        }
    }
    tracing::warn!(%ip, "no free UDP port pair");
    Err(Status::SERVICE_UNAVAILABLE)
}

fn spawn_rtcp_reader(sock: Arc<UdpSocket>, activity: Activity, stop: CancellationToken) {
    tokio::spawn(async move {
        let mut buf = [0u8; 1500];
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                r = sock.recv_from(&mut buf) => match r {
                    Ok((n, _)) if n >= 8 && buf[1] == 201 => activity.touch(),
                    Ok(_) => {}
                    // ICMP errors from earlier sends surface here on some systems; keep reading.
                    Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                },
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_request_strips_the_track_suffix_even_after_a_query() {
        let p = Policy::fortirecorder();
        let (r, track) = stream_request("rtsp://h:8554/cam=cam1?time=1689189104/streamid=0", &p);
        assert!(track);
        assert_eq!(r.path, "/cam=cam1");
        assert_eq!(r.query.as_deref(), Some("time=1689189104"));
        assert_eq!(r.url, "rtsp://h:8554/cam=cam1?time=1689189104");
        let (r, track) = stream_request("rtsp://h:8554/cam=cam1", &p);
        assert!(!track);
        assert_eq!((r.path.as_str(), r.query), ("/cam=cam1", None));
        let (r, _) = stream_request("rtsp://h:554", &Policy::standard());
        assert_eq!(r.path, "");
        let (r, track) = stream_request("rtsp://h/live/trackID=0", &Policy::standard());
        assert!(track);
        assert_eq!(r.url, "rtsp://h/live");
    }
}
