//! What every simulated device offers the shared machinery (control API, listeners, binary).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::watch;

use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::faults::Faults;
use crate::journal::Journal;

/// A credential a CI script can use, as listed by `GET /__sim/devices`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credential {
    /// What the credential is for, e.g. `admin`, `service-clip`, `rtsp`.
    pub role: String,
    pub username: String,
    pub password: String,
}

/// The public description of a running device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceInfo {
    pub id: String,
    pub kind: String,
    pub profile: String,
    pub serial: String,
    pub model: String,
    /// `http`, `https`, `rtsp` → URL (only the ones the device serves).
    pub urls: BTreeMap<String, String>,
    pub credentials: Vec<Credential>,
}

/// Whether the device answers on its listeners. A device that restarts or shuts down turns its
/// power off; the listener supervisor closes its sockets (clients see connection refused) and
/// reopens them when power comes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Power {
    On,
    Off,
}

/// The per-device machinery owned by the core: clock, journal, faults, power.
#[derive(Debug, Clone)]
pub struct Runtime {
    pub clock: Clock,
    pub journal: Journal,
    pub faults: Faults,
    power: Arc<watch::Sender<Power>>,
}

impl Runtime {
    pub fn new(clock: Clock) -> Self {
        let (tx, _) = watch::channel(Power::On);
        Runtime { clock, journal: Journal::default(), faults: Faults::default(), power: Arc::new(tx) }
    }

    pub fn power(&self) -> Power {
        *self.power.borrow()
    }

    pub fn set_power(&self, p: Power) {
        self.power.send_if_modified(|cur| {
            let changed = *cur != p;
            *cur = p;
            changed
        });
    }

    /// Watch power changes (the listener supervisor does).
    pub fn watch_power(&self) -> watch::Receiver<Power> {
        self.power.subscribe()
    }
}

/// One simulated device, as the control API and the binary see it. Implemented by each device
/// crate over its own model; every method is synchronous and must not block on I/O for long.
pub trait SimDevice: Send + Sync + 'static {
    fn info(&self) -> DeviceInfo;
    fn runtime(&self) -> &Runtime;
    /// Device-specific health details (power state, lifecycle, counts).
    fn health(&self) -> Value;
    /// Back to the seed state (the configured seed, or the built-in one).
    fn reset(&self) -> Result<()>;
    /// Replace the state with `seed` (the device's own seed format; see its README).
    fn load_seed(&self, seed: Value) -> Result<()>;
    /// The whole current state, in the seed format (so dump → load round-trips).
    fn dump_state(&self) -> Value;
    /// Inject a device event (detection, camera state change, ...). Device-specific body.
    fn inject_event(&self, event: Value) -> Result<Value>;
    /// Device-specific control actions (`POST /__sim/devices/{id}/actions/{name}`).
    fn action(&self, name: &str, _body: Value) -> Result<Value> {
        Err(Error::not_found(format!("device has no control action {name:?}")))
    }
}

/// Shared handle to any device.
pub type DynDevice = Arc<dyn SimDevice>;

/// How the binary asks a device crate to build one device. Each device crate exposes
/// `pub fn open(cfg: DeviceConfig, store: Store, clock: Clock) -> Result<Handle>` taking this.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DeviceConfig {
    /// Unique id in the fleet (also the state file name).
    pub id: String,
    /// Firmware profile name (device-specific; each crate documents its profiles).
    pub profile: Option<String>,
    /// Serial number override.
    pub serial: Option<String>,
    /// Model name override.
    pub model: Option<String>,
    /// The URLs the binary bound for this device (`http`, `https`, `rtsp`), for `info()`.
    pub urls: BTreeMap<String, String>,
    /// Seed used for generated data (timelines, metrics); same seed, same data.
    pub seed: u64,
    /// Device-specific options (the `[device.options]` table of the config file).
    #[serde(default)]
    pub options: Value,
}
