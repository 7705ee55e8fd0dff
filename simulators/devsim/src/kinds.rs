//! The device kinds this build knows: the one place that names the device crates.

use axum::Router;
use devsim_core::{Clock, DeviceConfig, DynDevice, Store};

/// How the binary builds one device of a kind.
pub struct Kind {
    pub name: &'static str,
    /// Version of the kind's state files (for [`Store`]).
    pub state_version: u32,
    /// Build the device from its config, store and clock: the device handle and its own routes
    /// (wrapped by `devsim_core::http::device_app` when served).
    pub open: fn(DeviceConfig, Store, Clock) -> devsim_core::Result<(DynDevice, Router)>,
}

/// Every kind, in the order the embedded default config lists them.
pub const KINDS: &[Kind] = &[
    Kind {
        name: devsim_fortirecorder::KIND,
        state_version: devsim_fortirecorder::STATE_VERSION,
        open: |cfg, store, clock| {
            let d = devsim_fortirecorder::open(cfg, store, clock)?;
            let routes = d.router();
            Ok((std::sync::Arc::new(d), routes))
        },
    },
    Kind {
        name: devsim_fortios::KIND,
        state_version: devsim_fortios::STATE_VERSION,
        open: |cfg, store, clock| {
            let d = devsim_fortios::open(cfg, store, clock)?;
            let routes = d.router();
            Ok((std::sync::Arc::new(d), routes))
        },
    },
];

pub fn find(name: &str) -> Option<&'static Kind> {
    KINDS.iter().find(|k| k.name == name)
}

pub fn names() -> Vec<&'static str> {
    KINDS.iter().map(|k| k.name).collect()
}

/// Whether devices of `kind` serve RTSP (and so accept the `rtsp` listener key).
pub fn serves_rtsp(kind: &str) -> bool {
    kind == devsim_fortirecorder::KIND
}

/// A device, its routes and, for kinds that serve RTSP, its RTSP side.
pub type Opened = (DynDevice, Router, Option<std::sync::Arc<dyn devsim_rtsp::RtspDevice>>);

/// Open a device of `kind` with its RTSP side when the kind has one.
pub fn open(kind: &Kind, cfg: DeviceConfig, store: Store, clock: Clock) -> devsim_core::Result<Opened> {
    if kind.name == devsim_fortirecorder::KIND {
        let d = devsim_fortirecorder::open(cfg, store, clock)?;
        let routes = d.router();
        let rtsp: std::sync::Arc<dyn devsim_rtsp::RtspDevice> = d.rtsp();
        return Ok((std::sync::Arc::new(d), routes, Some(rtsp)));
    }
    let (d, routes) = (kind.open)(cfg, store, clock)?;
    Ok((d, routes, None))
}

/// Set the media cache every device of the process shares (VideoClip, RTSP); call before opening.
pub fn init_media(cache_dir: std::path::PathBuf) -> devsim_core::Result<()> {
    devsim_fortirecorder::media::init_shared(cache_dir).map(|_| ())
}
