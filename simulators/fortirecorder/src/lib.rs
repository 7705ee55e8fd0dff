//! FortiRecorder 7.2.3 REST API simulator. See README.md for the coverage table.

pub mod device;
pub mod handlers;
pub mod media;
pub mod metrics;
pub mod model;
pub mod profile;
pub mod routes;
pub mod rtsp;
pub mod seed;
pub mod timeline;
pub mod wire;

/// Device kind name (config files, state files, control API).
pub const KIND: &str = "fortirecorder";
/// Version of the persisted state format.
pub const STATE_VERSION: u32 = 1;

pub use device::{FortiRecorder, Lifecycle};
pub use profile::{Options, Profile};
pub use routes::route_table;

/// Build a FortiRecorder: load its saved state (a corrupt file is an error naming it), or seed
/// it and save the seed.
pub fn open(
    cfg: devsim_core::DeviceConfig,
    store: devsim_core::Store,
    clock: devsim_core::Clock,
) -> devsim_core::Result<FortiRecorder> {
    FortiRecorder::open(cfg, store, clock)
}
