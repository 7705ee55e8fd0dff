//! devsim-rtsp: the RTSP 1.0 server (RFC 2326) shared by every simulated camera and recorder.
//!
//! A device implements [`RtspDevice`] (URL → stream, credentials, clock, media, quirks as a
//! [`Policy`]) and calls [`serve`]. See the crate README for the method and feature coverage.
//!
//! - [`wire`]: framing and parsing (`rtsp-types`), responses in the device's header order.
//! - [`headers`]: `Transport`, `Range`, `Scale`, `Require`, npt re-centering.
//! - [`sdp`]: the DESCRIBE body from the stream's parameter sets.
//! - [`rtp`]: RFC 6184 / RFC 7798 packetisation, the ONVIF replay extension, RTCP SR.
//! - [`session`]: the session state machine; `pacer`: the per-session sender.

mod conn;
pub mod device;
pub mod filesource;
pub mod headers;
mod media;
pub mod pacer;
pub mod policy;
pub mod rtp;
pub mod sdp;
mod server;
pub mod session;
pub mod status;
pub mod wire;

pub use device::{
    AccessUnits, AuthScheme, Mode, Resolved, RtspDevice, SessionSeed, StreamRequest, VideoSource,
};
pub use filesource::LoopedClip;
pub use policy::{HeaderOrder, NptReply, OnvifExtension, Policy, SdpLayout};
pub use server::{bind, serve, RtspServer};
pub use status::Status;
pub use wire::Method;
