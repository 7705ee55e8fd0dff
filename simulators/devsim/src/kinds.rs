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
pub const KINDS: &[Kind] = &[Kind {
    name: devsim_fortirecorder::KIND,
    state_version: devsim_fortirecorder::STATE_VERSION,
    open: |cfg, store, clock| {
        let d = devsim_fortirecorder::open(cfg, store, clock)?;
        let routes = d.router();
        Ok((std::sync::Arc::new(d), routes))
    },
}];

pub fn find(name: &str) -> Option<&'static Kind> {
    KINDS.iter().find(|k| k.name == name)
}

pub fn names() -> Vec<&'static str> {
    KINDS.iter().map(|k| k.name).collect()
}
