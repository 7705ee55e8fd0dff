//! devsim-core: the shared machinery every simulator stands on. It knows no vendor.
//!
//! - [`clock`]: the device clock (system or manual, set/advance/freeze).
//! - [`error`]: one error type with a closed [`error::ErrorKind`].
//! - [`persist`]: atomic, versioned state files.
//! - [`journal`]: the bounded request journal.
//! - [`faults`]: fault rules (latency, forced status, dropped connection).
//! - [`device`]: the [`device::SimDevice`] trait and per-device [`device::Runtime`].

pub mod clock;
pub mod device;
pub mod error;
pub mod faults;
pub mod journal;
pub mod persist;

pub use clock::{Clock, EpochMs};
pub use device::{Credential, DeviceConfig, DeviceInfo, DynDevice, Power, Runtime, SimDevice};
pub use persist::Store;
pub use error::{Error, ErrorKind, Result};
