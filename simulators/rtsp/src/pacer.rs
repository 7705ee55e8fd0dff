//! One sender per playing session: reads access units from the media source and sends them as
//! RTP at their time on the device clock, skipping gaps between recordings, with RTCP sender
//! reports. It stops when cancelled (PAUSE, seek, TEARDOWN, connection closed, power off) and
//! hands back where it stopped, so sequence numbers and RTP time continue across PLAYs.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::{BufMut, Bytes, BytesMut};
use devsim_core::Clock;
use devsim_media::{AccessUnit, StreamParams};
use futures::StreamExt as _;
use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::device::VideoSource;
use crate::rtp::{ntp_from_unix_ms, Onvif, Packetizer};

/// How long one packet may wait for room in the connection's send queue.
const STALL: std::time::Duration = std::time::Duration::from_secs(5);

/// Where packets go.
#[derive(Debug, Clone)]
pub enum Sink {
    Udp { rtp: Arc<UdpSocket>, rtcp: Arc<UdpSocket>, dest_rtp: SocketAddr, dest_rtcp: SocketAddr },
    Interleaved { out: mpsc::Sender<Bytes>, rtp_channel: u8, rtcp_channel: u8 },
}

impl Sink {
    /// Sends one packet; `false` when the receiver is gone (connection closed).
    async fn send(&self, rtcp: bool, pkt: Bytes) -> bool {
        match self {
            Sink::Udp { rtp, rtcp: rtcp_sock, dest_rtp, dest_rtcp } => {
                let (sock, dest) = if rtcp { (rtcp_sock, dest_rtcp) } else { (rtp, dest_rtp) };
                if let Err(e) = sock.send_to(&pkt, dest).await {
                    // ICMP port unreachable and the like: UDP is best effort; keep going.
                    tracing::trace!(error = %e, %dest, "udp send failed");
                }
                true
            }
            Sink::Interleaved { out, rtp_channel, rtcp_channel } => {
                let ch = if rtcp { *rtcp_channel } else { *rtp_channel };
                let mut b = BytesMut::with_capacity(4 + pkt.len());
                b.put_u8(b'$');
                b.put_u8(ch);
                b.put_u16(pkt.len().min(u16::MAX as usize) as u16);
                b.extend_from_slice(&pkt);
                out.send(b.freeze()).await.is_ok()
            }
        }
    }
}

/// RTP position that survives PAUSE and seeks.
#[derive(Debug, Clone)]
pub struct Cursor {
    pub packetizer: Packetizer,
    pub rtp_base: u32,
    /// RTP ticks (from `rtp_base`) of the next access unit to send.
    pub rtp_offset: u64,
}

impl Cursor {
    pub fn next_rtptime(&self) -> u32 {
        self.rtp_base.wrapping_add(self.rtp_offset as u32)
    }
}

/// Everything one delivery (from one PLAY) needs.
pub struct PacerConfig {
    pub media: Arc<dyn VideoSource>,
    pub label: String,
    pub params: StreamParams,
    pub clock: Clock,
    /// Recording sections `[from, to)`, sorted; live is one section without ends.
    pub sections: Vec<(i64, i64)>,
    /// Index of the section that `start_ms` falls in (or precedes).
    pub section: usize,
    pub start_ms: i64,
    pub end_ms: Option<i64>,
    pub scale: f64,
    /// Resume after PAUSE: frames before `start_ms` are skipped (the client holds their
    /// references) and the first frame is not a discontinuity.
    pub resume: bool,
    /// `false` for `Rate-Control: no` (ONVIF): send as fast as the data exists.
    pub rate_control: bool,
    /// `Some(low byte of the PLAY CSeq)` to add the ONVIF replay extension.
    pub onvif_cseq: Option<u8>,
    pub sink: Sink,
    pub rtcp_interval_ms: i64,
    pub cname: String,
}

/// How a delivery ended.
#[derive(Debug, Clone)]
pub struct PacerEnd {
    pub cursor: Cursor,
    /// Device time of the next access unit not sent (the resume position); `None` when the
    /// requested range or the recordings ended.
    pub position_ms: Option<i64>,
}

struct Pending {
    au: AccessUnit,
    discontinuity: bool,
}

struct Run {
    cfg: PacerConfig,
    cursor: Cursor,
    cancel: CancellationToken,
    play_clock0: i64,
    /// Media time elapsed since PLAY through sent frames (gaps count one frame).
    acc_media_ms: f64,
    last_sent: Option<(i64, i64)>, // (device_time_ms, pts_90k)
    last_due_ms: i64,
    last_rtp: u32,
    next_rtcp_ms: i64,
    frame_ms: i64,
    frame_90k: i64,
    sent_any: bool,
}

enum Step {
    Continue,
    Stop,
}

impl Run {
    /// Sends `p` with its ONVIF flags; `Stop` when cancelled or the connection is gone.
    async fn send(&mut self, p: Pending, end_of_section: bool, terminal: bool) -> Step {
        let au = &p.au;
        let (delta_ms, delta_90k) = match self.last_sent {
            None => (0, 0),
            Some(_) if p.discontinuity => (self.frame_ms, self.frame_90k),
            Some((t, pts)) => ((au.device_time_ms - t).max(0), (au.pts_90k - pts).max(0)),
        };
        // Committed only once the frame goes out: a frame cancelled while waiting is not sent.
        let acc_media_ms = self.acc_media_ms + delta_ms as f64;
        let rtp_offset = if self.sent_any {
            self.cursor.rtp_offset + (delta_90k as f64 / self.cfg.scale).round() as u64
        } else {
            self.cursor.rtp_offset
        };
        let mut due = if self.cfg.rate_control {
            self.play_clock0 + (acc_media_ms / self.cfg.scale).round() as i64
        } else {
            i64::MIN
        };
        // Never ahead of the device's present (the live edge of an ongoing recording).
        due = due.max(au.device_time_ms);
        if self.cfg.clock.now_ms() < due {
            tokio::select! {
                _ = self.cancel.cancelled() => return Step::Stop,
                _ = self.cfg.clock.sleep_until(due) => {}
            }
        }
        let onvif = self.cfg.onvif_cseq.map(|cseq| Onvif {
            ntp: ntp_from_unix_ms(au.device_time_ms),
            clean_point: au.keyframe,
            end_of_section,
            discontinuity: p.discontinuity,
            terminal,
            cseq,
        });
        self.acc_media_ms = acc_media_ms;
        self.cursor.rtp_offset = rtp_offset;
        self.sent_any = true;
        let ts = self.cursor.next_rtptime();
        let pkts = self.cursor.packetizer.packetize(&au.nals, ts, onvif.as_ref());
        // A frame goes out whole (cancellation is honoured between frames), so a client never
        // sees half a frame before a PAUSE.
        // A client that stops reading for `STALL` is treated as gone.
        for pkt in pkts {
            match tokio::time::timeout(STALL, self.cfg.sink.send(false, pkt)).await {
                Ok(true) => {}
                Ok(false) | Err(_) => return Step::Stop,
            }
        }
        self.last_sent = Some((au.device_time_ms, au.pts_90k));
        self.last_due_ms = due.max(self.play_clock0);
        self.last_rtp = ts;
        let now = self.cfg.clock.now_ms();
        if now >= self.next_rtcp_ms {
            self.next_rtcp_ms = now + self.cfg.rtcp_interval_ms;
            let rtp_now = ts.wrapping_add(((now - self.last_due_ms).max(0) * 90) as u32);
            let sr = self.cursor.packetizer.sender_report(ntp_from_unix_ms(now), rtp_now, &self.cfg.cname);
            if !self.cfg.sink.send(true, sr).await {
                return Step::Stop;
            }
        }
        Step::Continue
    }

    fn finish(mut self, position_ms: Option<i64>) -> PacerEnd {
        if self.sent_any {
            self.cursor.rtp_offset += (self.frame_90k as f64 / self.cfg.scale).round() as u64;
        }
        PacerEnd { cursor: self.cursor, position_ms }
    }
}

/// Runs one delivery until it is cancelled or the range ends.
pub async fn run(cfg: PacerConfig, cursor: Cursor, cancel: CancellationToken) -> PacerEnd {
    let frame_90k = cfg.params.frame_duration_90k().max(1);
    let mut run = Run {
        play_clock0: cfg.clock.now_ms(),
        acc_media_ms: 0.0,
        last_sent: None,
        last_due_ms: 0,
        last_rtp: 0,
        next_rtcp_ms: i64::MIN,
        frame_ms: (frame_90k / 90).max(1),
        frame_90k,
        sent_any: false,
        cursor,
        cancel,
        cfg,
    };
    let mut section = run.cfg.section;
    let mut open_at = run.cfg.start_ms.max(run.cfg.sections.get(section).map(|s| s.0).unwrap_or(i64::MIN));
    let mut discontinuity = !run.cfg.resume;
    let mut skip_before = if run.cfg.resume { Some(run.cfg.start_ms) } else { None };
    let mut pending: Option<Pending> = None;
    'sections: while let Some(&(_, sec_end)) = run.cfg.sections.get(section) {
        let opened = tokio::select! {
            _ = run.cancel.cancelled() => None,
            s = run.cfg.media.access_units(&run.cfg.label, &run.cfg.params, open_at) => Some(s),
        };
        let mut stream = match opened {
            None => {
                let pos = pending.as_ref().map(|p| p.au.device_time_ms).unwrap_or(open_at);
                return run.finish(Some(pos));
            }
            Some(Ok(s)) => s,
            Some(Err(e)) => {
                tracing::warn!(label = %run.cfg.label, error = %e, "media source failed");
                break;
            }
        };
        loop {
            let next = tokio::select! {
                _ = run.cancel.cancelled() => {
                    let pos = pending.as_ref().map(|p| p.au.device_time_ms).unwrap_or(open_at);
                    return run.finish(Some(pos));
                }
                n = stream.next() => n,
            };
            let au = match next {
                Some(Ok(au)) => au,
                Some(Err(e)) => {
                    tracing::warn!(label = %run.cfg.label, error = %e, "media source failed");
                    break 'sections;
                }
                None => break 'sections,
            };
            if skip_before.is_some_and(|t| au.device_time_ms < t) {
                continue;
            }
            skip_before = None;
            let past_range = run.cfg.end_ms.is_some_and(|end| au.device_time_ms >= end);
            if past_range {
                break 'sections;
            }
            if au.device_time_ms >= sec_end {
                // The section ends: its last frame carries E; the next section starts with D.
                section += 1;
                let more = section < run.cfg.sections.len();
                if let Some(p) = pending.take() {
                    if let Step::Stop = run.send(p, true, !more).await {
                        return run.finish(Some(au.device_time_ms));
                    }
                }
                if !more {
                    return run.finish(None);
                }
                open_at = run.cfg.sections[section].0;
                discontinuity = true;
                continue 'sections;
            }
            if let Some(p) = pending.take() {
                let t = p.au.device_time_ms;
                if let Step::Stop = run.send(p, false, false).await {
                    return run.finish(Some(t));
                }
            }
            pending = Some(Pending { au, discontinuity });
            discontinuity = false;
        }
    }
    // The range or the media ended: the last frame is terminal.
    if let Some(p) = pending.take() {
        let t = p.au.device_time_ms;
        if let Step::Stop = run.send(p, true, true).await {
            return run.finish(Some(t));
        }
    }
    run.finish(None)
}
