//! Vendor quirks as data. A device picks a [`Policy`] (start from [`Policy::standard`] or
//! [`Policy::fortirecorder`]) and changes fields; the server never branches on a vendor name.

use crate::wire::Method;

/// Order of response headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderOrder {
    /// `CSeq` first, then the others in the order the server adds them.
    CSeqFirst,
    /// Headers named in the list come first, in list order (case-insensitive); the rest follow
    /// in the order the server adds them. FortiRecorder prints `Range` before `CSeq` on PLAY.
    Ranked(Vec<&'static str>),
}

/// How the SDP of DESCRIBE is laid out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SdpLayout {
    /// RFC 4566: `v o s c t a=tool a=range a=control m ...`, written by `sdp-types`.
    Standard,
    /// FortiRecorder's 8 lines: `v o t a=tool m a=rtpmap a=fmtp a=control` (no `s=`, no `c=`,
    /// no `a=range`), fmtp parameters `packetization-mode; sprop-parameter-sets; profile-level-id`
    /// separated by `"; "`.
    FortiRecorder,
}

/// The `Range` reply to a PLAY with `npt=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NptReply {
    /// `npt=<start>-` with the start as requested (RFC 2326).
    Echo,
    /// FortiRecorder's slider re-centering: a window of `window_s` seconds whose end is at most
    /// half a window after the target and never in the future; reply `npt=P-<window_s>`
    /// (spec §2.3.5).
    Recenter { window_s: i64 },
}

/// When RTP packets carry the ONVIF replay header extension (0xABAC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnvifExtension {
    /// On every packet of a playback stream (FortiRecorder).
    PlaybackAlways,
    /// Only after a PLAY with `Require: onvif-replay`.
    WhenRequired,
    Never,
}

/// Everything that differs between devices' RTSP servers.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Methods listed in `Public` (and accepted). Others that the server knows get 405 with
    /// `Allow`; unknown methods get 501.
    pub public: Vec<Method>,
    pub header_order: HeaderOrder,
    /// `Server:` header on every response.
    pub server_header: Option<String>,
    /// `Date:` header (device clock) on every response.
    pub date_header: bool,
    pub sdp_layout: SdpLayout,
    /// `a=tool:` value.
    pub sdp_tool: Option<String>,
    /// `Content-Type: application/sdp` on DESCRIBE.
    pub describe_content_type: bool,
    /// `Content-Base` ends with `/`.
    pub content_base_slash: bool,
    /// The track's `a=control` value (`trackID=0`, `streamid=0`).
    pub track_control: String,
    /// SETUP on the aggregate (presentation) URL is accepted; when false it gets 459.
    pub setup_on_aggregate: bool,
    /// `RTP/AVP/TCP;interleaved=` is offered; when false it gets 461.
    pub interleaved: bool,
    /// UDP unicast is offered.
    pub udp: bool,
    /// Even/odd UDP server ports are taken from `[lo, hi)`.
    pub udp_ports: (u16, u16),
    pub npt_reply: NptReply,
    pub onvif: OnvifExtension,
    /// Seconds without a request (or RTCP receiver report) before a session is destroyed.
    pub session_timeout_s: u64,
    /// `Session: id;timeout=N` instead of `Session: id`.
    pub advertise_timeout: bool,
    /// One nonce per TCP connection (issued by its first challenge and reused by every later
    /// request); when false the device-wide verifier issues a nonce per challenge.
    pub nonce_per_connection: bool,
    /// OPTIONS is answered without credentials.
    pub options_without_auth: bool,
    /// Interval between RTCP sender reports.
    pub rtcp_interval_ms: u64,
    /// Largest RTP payload (FU-A fragments above it).
    pub max_rtp_payload: usize,
    /// Largest accepted `Scale`.
    pub max_scale: f64,
    /// Seconds a client may take to send a whole request once it started one.
    pub request_timeout_s: u64,
}

impl Policy {
    /// A generic RFC 2326 server (the shape of live555 / GStreamer servers).
    pub fn standard() -> Self {
        Policy {
            public: vec![
                Method::Options,
                Method::Describe,
                Method::Setup,
                Method::Teardown,
                Method::Play,
                Method::Pause,
                Method::GetParameter,
                Method::SetParameter,
            ],
            header_order: HeaderOrder::CSeqFirst,
            server_header: Some("devsim-rtsp".into()),
            date_header: true,
            sdp_layout: SdpLayout::Standard,
            sdp_tool: Some("devsim".into()),
            describe_content_type: true,
            content_base_slash: true,
            track_control: "trackID=0".into(),
            setup_on_aggregate: false,
            interleaved: true,
            udp: true,
            udp_ports: (20000, 30000),
            npt_reply: NptReply::Echo,
            onvif: OnvifExtension::WhenRequired,
            session_timeout_s: 60,
            advertise_timeout: true,
            nonce_per_connection: false,
            options_without_auth: true,
            rtcp_interval_ms: 5000,
            max_rtp_payload: 1400,
            max_scale: 16.0,
            request_timeout_s: 10,
        }
    }

    /// FortiRecorder 7.2.3 playback on 8554 as the spec's §2.3 describes it.
    pub fn fortirecorder() -> Self {
        Policy {
            public: vec![
                Method::Options,
                Method::Describe,
                Method::Setup,
                Method::Teardown,
                Method::Play,
                Method::Pause,
            ],
            header_order: HeaderOrder::Ranked(vec![
                "Range",
                "CSeq",
                "Public",
                "WWW-Authenticate",
                "Content-Base",
                "Content-Type",
                "Content-Length",
                "Transport",
                "RTP-Info",
                "Session",
            ]),
            server_header: None,
            date_header: false,
            sdp_layout: SdpLayout::FortiRecorder,
            sdp_tool: Some("FortiRecorder".into()),
            describe_content_type: true,
            content_base_slash: false,
            track_control: "streamid=0".into(),
            setup_on_aggregate: true,
            interleaved: true,
            udp: true,
            udp_ports: (20000, 21000),
            npt_reply: NptReply::Recenter { window_s: 3600 },
            onvif: OnvifExtension::PlaybackAlways,
            session_timeout_s: 60,
            advertise_timeout: false,
            nonce_per_connection: true,
            options_without_auth: true,
            rtcp_interval_ms: 5000,
            max_rtp_payload: 1400,
            max_scale: 16.0,
            request_timeout_s: 10,
        }
    }
}
