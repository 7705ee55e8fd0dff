//! devsim-core: the shared machinery every simulator stands on. It knows no vendor.
//!
//! - [`clock`]: the device clock (system or manual, set/advance/freeze).
//! - [`error`]: one error type with a closed [`error::ErrorKind`].
//! - [`persist`]: atomic, versioned state files.
//! - [`journal`]: the bounded request journal.
//! - [`faults`]: fault rules (latency, forced status, dropped connection).
//! - [`device`]: the [`device::SimDevice`] trait and per-device [`device::Runtime`].
//! - [`tls`], [`serve`], [`http`]: HTTPS material, listeners with power supervision, shared layers.
//! - [`control`]: the `/__sim` control API; [`telemetry`]: log setup for binaries.

pub mod auth;
pub mod clock;
pub mod control;
pub mod device;
pub mod error;
pub mod faults;
pub mod http;
pub mod journal;
pub mod persist;
pub mod serve;
pub mod telemetry;
pub mod tls;

pub use clock::{Clock, EpochMs};
pub use device::{Credential, DeviceConfig, DeviceInfo, DynDevice, Power, Runtime, SimDevice};
pub use error::{Error, ErrorKind, Result};
pub use persist::Store;
