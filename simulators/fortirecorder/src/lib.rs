//! FortiRecorder 7.2.3 REST API simulator. See README.md for the coverage table.

pub mod metrics;
pub mod timeline;
pub mod wire;
