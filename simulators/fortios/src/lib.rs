//! FortiGate / FortiOS 5.6.0 simulator. See README.md for the coverage table.
//!
//! The pure side (no HTTP, no tokio):
//!
//! * [`schema`]: table schemas as data (`data/schema-5.6.0.txt`)
//! * [`cmdb`]: the generic engine (ordered tables, child tables, singletons, references)
//! * [`filter`] and [`query`]: the read pipeline (filter, paging, format, meta, datasource)
//! * [`model`]: [`model::Model`] and [`model::Command`]; revision counter
//! * [`wire`]: the JSON envelope and status codes
//! * [`cli`]: CLI configuration text (backup / restore)
//! * [`path`]: the CMDB URL grammar
//! * [`monitor`]: the Monitor API
//!
//! The device on the shared core: [`device::FortiGate`] (state, lifecycle, `SimDevice`),
//! [`profile`] (firmware profiles and options), [`handlers`] (sessions, CSRF, permissions, the
//! HTTP edge of both APIs), [`routes`] (the router and the route table).

pub mod cli;
pub mod cmdb;
pub mod device;
pub mod filter;
pub mod fixtures;
pub mod handlers;
pub mod model;
pub mod monitor;
pub mod path;
pub mod profile;
pub mod query;
pub mod request;
pub mod routes;
pub mod schema;
pub mod value;
pub mod wire;

pub use cmdb::{Cmdb, CmdbError, Target};
pub use device::{FortiGate, Lifecycle};
pub use model::{Command, Identity, Model, Output};
pub use profile::{Options, Profile};
pub use query::Query;
pub use routes::{route_table, Access, Route};

/// Device kind name (config files, state files, control API).
pub const KIND: &str = "fortios";
/// Version of the persisted state format.
pub const STATE_VERSION: u32 = 1;

/// Build a FortiGate: load its saved state (a corrupt file is an error naming it), or make the
/// factory state and save it.
pub fn open(
    cfg: devsim_core::DeviceConfig,
    store: devsim_core::Store,
    clock: devsim_core::Clock,
) -> devsim_core::Result<FortiGate> {
    FortiGate::open(cfg, store, clock)
}
