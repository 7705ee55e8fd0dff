//! FortiGate / FortiOS 5.6.0 simulator: the CMDB engine (pure model). See README.md for the
//! coverage table.
//!
//! * [`schema`]: table schemas as data (`data/schema-5.6.0.txt`)
//! * [`cmdb`]: the generic engine (ordered tables, child tables, singletons, references)
//! * [`filter`] and [`query`]: the read pipeline (filter, paging, format, meta, datasource)
//! * [`model`]: [`model::Model`] and [`model::Command`]; revision counter
//! * [`wire`]: the JSON envelope and status codes
//! * [`cli`]: CLI configuration text (backup / restore)
//! * [`path`]: the CMDB URL grammar

pub mod cli;
pub mod cmdb;
pub mod filter;
pub mod fixtures;
pub mod model;
pub mod path;
pub mod query;
pub mod request;
pub mod schema;
pub mod value;
pub mod wire;

pub use cmdb::{Cmdb, CmdbError, Target};
pub use model::{Command, Identity, Model, Output};
pub use query::Query;

/// Device kind name (config files, state files, control API).
pub const KIND: &str = "fortios";
/// Version of the persisted state format.
pub const STATE_VERSION: u32 = 1;
