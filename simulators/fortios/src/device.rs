//! [`FortiGate`]: the cheap-clone handle over one unit's state (CMDB model, admin sessions,
//! lockout counters, monitor runtime), its core [`Runtime`] and its [`Store`].
//!
//! Every request locks the state once (a std mutex, never held across `.await`), does its work
//! at the device clock's time, saves before answering when it wrote (an acknowledged write
//! survives `kill -9`), and unlocks.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use devsim_core::auth::session::SessionStore;
use devsim_core::{
    Clock, Credential, DeviceConfig, DeviceInfo, Error, Power, Result, Runtime, SimDevice, Store,
};

use crate::cmdb::{Target, ROOT};
use crate::model::{Command, Identity, Model};
use crate::monitor;
use crate::profile::{Options, Profile, TokenAuth};

/// Where the unit is in its power lifecycle (spec §4.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Lifecycle {
    Running,
    Rebooting,
    Off,
}

/// One admin login (spec §4.4). Profile and VDOMs are read from the CMDB on every request, so
/// a change to the admin applies at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AdminSession {
    /// Small integer shown by `system/current-admins`.
    pub id: u32,
    pub username: String,
    /// 32 upper-case hex characters, fixed for the session's life.
    pub csrf: String,
    pub src_ip: String,
    /// `https` or `http`.
    pub method: String,
    pub login_epoch: i64,
}

/// Failed logins from one source (spec §1.3 lockout).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Failures {
    pub count: u32,
    /// Unix seconds until which logins from this source answer `2`.
    pub locked_until: i64,
}

/// What is saved and what `dump_state` / `load_seed` exchange.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Persisted {
    pub model: Model,
    #[serde(default)]
    pub monitor: monitor::Runtime,
}

/// The state behind the lock.
pub struct State {
    pub model: Model,
    pub monitor: monitor::Runtime,
    /// Cookie token (the `Payload` of `APSCOOKIE_<n>`) → session.
    pub sessions: SessionStore<AdminSession>,
    /// Source IP → failed logins.
    pub failures: HashMap<String, Failures>,
    pub next_session_id: u32,
    pub lifecycle: Lifecycle,
}

impl State {
    fn new(p: Persisted) -> State {
        State {
            model: p.model,
            monitor: p.monitor,
            sessions: SessionStore::new(5 * 60_000),
            failures: HashMap::new(),
            next_session_id: 1,
            lifecycle: Lifecycle::Running,
        }
    }

    fn persisted(&self) -> Persisted {
        Persisted { model: self.model.clone(), monitor: self.monitor.clone() }
    }

    /// Log every admin out (reboot, restore, VDOM-mode toggle).
    pub fn end_all_sessions(&mut self) {
        self.sessions.clear();
    }
}

struct Inner {
    state: Mutex<State>,
    runtime: Runtime,
    store: Store,
    profile: Profile,
    options: Options,
    cfg: DeviceConfig,
    /// `<n>` of `APSCOOKIE_<n>`: stable per unit.
    cookie_suffix: u32,
    api_key: String,
}

/// One simulated FortiGate.
#[derive(Clone)]
pub struct FortiGate {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for FortiGate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FortiGate").field("id", &self.inner.cfg.id).finish()
    }
}

/// FNV-1a, for values that must be stable across restarts.
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3))
}

fn identity(cfg: &DeviceConfig) -> Identity {
    let d = Identity::default();
    let serial = cfg.serial.clone().unwrap_or(d.serial);
    Identity { hostname: serial.clone(), serial, model: cfg.model.clone().unwrap_or(d.model), ..d }
}

fn derived_api_key(cfg: &DeviceConfig, serial: &str) -> String {
    // 30 characters like the keys `execute api-user generate-key` prints.
    let mut out = String::new();
    let mut h = fnv1a(serial.as_bytes()) ^ cfg.seed;
    while out.len() < 30 {
        h = fnv1a(&h.to_le_bytes());
        out.push_str(&format!("{h:016x}"));
    }
    out.truncate(30);
    out
}

impl FortiGate {
    /// Build the unit: load the saved state, or make the factory state (and save it).
    pub fn open(cfg: DeviceConfig, store: Store, clock: Clock) -> Result<FortiGate> {
        let profile = Profile::parse(cfg.profile.as_deref()).map_err(Error::invalid)?;
        let options = Options::from_value(&cfg.options).map_err(Error::invalid)?;
        let id = identity(&cfg);
        let api_key = options.api_key.clone().unwrap_or_else(|| derived_api_key(&cfg, &id.serial));
        let cookie_suffix = (fnv1a(format!("{}:{}", id.serial, cfg.id).as_bytes()) % 4_000_000_000) as u32;
        let now = clock.now_secs();
        let loaded: Option<Persisted> = store.load()?;
        let fresh = loaded.is_none();
        let persisted = match loaded {
            Some(mut p) => {
                // Normalise as a seed would be (tables added since the file was written).
                let text = p.model.to_json();
                p.model = Model::from_json(&text).map_err(|e| {
                    let file = store.path().map(|p| p.display().to_string()).unwrap_or_default();
                    Error::internal(format!("state file {file} is inconsistent: {e}"))
                })?;
                p
            }
            None => Persisted {
                model: factory_model(&id, &options, profile, &api_key, now)?,
                monitor: monitor::Runtime::default(),
            },
        };
        let dev = FortiGate {
            inner: Arc::new(Inner {
                state: Mutex::new(State::new(persisted)),
                runtime: Runtime::new(clock),
                store,
                profile,
                options,
                cfg,
                cookie_suffix,
                api_key,
            }),
        };
        if fresh {
            dev.save(&dev.lock())?;
        }
        Ok(dev)
    }

    /// The state under the lock. Never hold it across `.await`.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        // A poisoned lock means a panic elsewhere mid-request; the state is still usable.
        self.inner.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Save the state (call with the lock held, before answering a write).
    pub fn save(&self, st: &State) -> Result<()> {
        self.inner.store.save(&st.persisted())
    }

    pub fn profile(&self) -> Profile {
        self.inner.profile
    }

    pub fn options(&self) -> &Options {
        &self.inner.options
    }

    pub fn clock(&self) -> &Clock {
        &self.inner.runtime.clock
    }

    pub fn now_secs(&self) -> i64 {
        self.inner.runtime.clock.now_secs()
    }

    /// `APSCOOKIE_<suffix>`.
    pub fn cookie_name(&self) -> String {
        format!("APSCOOKIE_{}", self.inner.cookie_suffix)
    }

    /// Key of the seeded REST API admin (profile `later`).
    pub fn api_key(&self) -> &str {
        &self.inner.api_key
    }

    /// Power as the listeners see it.
    pub fn runtime_power(&self) -> Power {
        self.inner.runtime.power()
    }

    pub fn lifecycle(&self) -> Lifecycle {
        self.lock().lifecycle
    }

    /// Reboot or shutdown (spec §4.8), run after the triggering request was answered. `grace`
    /// is a real-time pause so the answer leaves before the sockets close.
    pub async fn run_lifecycle(&self, reboot: bool, grace: Duration) {
        if !grace.is_zero() {
            tokio::time::sleep(grace).await;
        }
        {
            let mut st = self.lock();
            st.lifecycle = if reboot { Lifecycle::Rebooting } else { Lifecycle::Off };
            st.end_all_sessions();
        }
        self.inner.runtime.set_power(Power::Off);
        if reboot {
            let clock = self.inner.runtime.clock.clone();
            let delay = i64::try_from(self.inner.options.reboot_delay_secs).unwrap_or(i64::MAX / 2000);
            clock.sleep_ms(delay.saturating_mul(1000)).await;
            self.power_up();
        }
    }

    /// Boot: new boot epoch and nonce, no sessions, power on.
    fn power_up(&self) {
        {
            let mut st = self.lock();
            let now = self.now_secs();
            st.end_all_sessions();
            st.failures.clear();
            let st = &mut *st;
            monitor::boot(&mut st.model, &mut st.monitor, now);
            st.lifecycle = Lifecycle::Running;
            if let Err(e) = self.save(st) {
                tracing::error!(error = %e, "saving the FortiGate state after boot failed");
            }
        }
        self.inner.runtime.set_power(Power::On);
    }

    fn replace(&self, p: Persisted) -> Result<()> {
        let mut st = self.lock();
        let lifecycle = st.lifecycle;
        *st = State::new(p);
        st.lifecycle = lifecycle;
        self.save(&st)
    }

    fn fresh(&self) -> Result<Persisted> {
        let id = identity(&self.inner.cfg);
        Ok(Persisted {
            model: factory_model(
                &id,
                &self.inner.options,
                self.inner.profile,
                &self.inner.api_key,
                self.now_secs(),
            )?,
            monitor: monitor::Runtime::default(),
        })
    }

    fn admin_password(&self) -> String {
        let st = self.lock();
        st.model
            .cmdb
            .get(st.model.registry(), "system/admin", ROOT, "admin")
            .and_then(|a| a.get("password"))
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_default()
    }
}

/// F0 with the configured admin password, and (profile `later`) the REST API admin.
fn factory_model(
    id: &Identity,
    options: &Options,
    profile: Profile,
    api_key: &str,
    now: i64,
) -> Result<Model> {
    let mut m =
        Model::factory(id.clone(), now).map_err(|e| Error::internal(format!("factory state: {e}")))?;
    if !options.admin_password.is_empty() {
        m.apply(
            now,
            Command::Update {
                target: Target::entry("system/admin", ROOT, "admin"),
                body: json!({"password": options.admin_password}),
            },
        )
        .map_err(|e| Error::invalid(format!("admin_password: {e}")))?;
    }
    if profile.token_auth == TokenAuth::On {
        m.apply(
            now,
            Command::Create {
                target: Target::table("system/api-user", ROOT),
                body: json!({"name": "api-admin", "api-key": api_key, "accprofile": "super_admin",
                             "vdom": [{"name": ROOT}]}),
            },
        )
        .map_err(|e| Error::invalid(format!("api_key: {e}")))?;
    }
    m.revision.counter = 1;
    Ok(m)
}

/// A seed: a saved state (`{"model": ..., "monitor": ...}`), a bare CMDB model, or
/// `{"fixture": "factory" | "lab"}` (spec §5.0 F0 / F1).
fn parse_seed(seed: Value, dev: &FortiGate) -> Result<Persisted> {
    if let Some(name) = seed.get("fixture").and_then(Value::as_str) {
        let now = dev.now_secs();
        let model = match name {
            "factory" => return dev.fresh(),
            "lab" => crate::fixtures::lab(now).map_err(|e| Error::internal(format!("lab fixture: {e}")))?,
            other => return Err(Error::invalid(format!("unknown fixture {other:?} (factory, lab)"))),
        };
        let mut model = model;
        model.identity = identity(&dev.inner.cfg);
        return Ok(Persisted { model, monitor: monitor::Runtime::lab(now) });
    }
    let (model_v, monitor_v) = match seed {
        Value::Object(mut o) if o.contains_key("model") => {
            (o.remove("model").unwrap_or(Value::Null), o.remove("monitor"))
        }
        other => (other, None),
    };
    let model = Model::from_json(&model_v.to_string())
        .map_err(|e| Error::invalid(format!("not a FortiGate seed: {e}")))?;
    let monitor = match monitor_v {
        Some(v) => serde_json::from_value(v).map_err(|e| Error::invalid(format!("monitor state: {e}")))?,
        None => monitor::Runtime::default(),
    };
    Ok(Persisted { model, monitor })
}

impl SimDevice for FortiGate {
    fn info(&self) -> DeviceInfo {
        let (serial, model) = {
            let st = self.lock();
            (st.model.identity.serial.clone(), st.model.identity.model.clone())
        };
        let mut credentials = vec![Credential {
            role: "admin".into(),
            username: "admin".into(),
            password: self.admin_password(),
        }];
        if self.inner.profile.token_auth == TokenAuth::On {
            credentials.push(Credential {
                role: "api-token".into(),
                username: "api-admin".into(),
                password: self.inner.api_key.clone(),
            });
        }
        DeviceInfo {
            id: self.inner.cfg.id.clone(),
            kind: crate::KIND.into(),
            profile: self.inner.profile.name.into(),
            serial,
            model,
            urls: self.inner.cfg.urls.clone(),
            credentials,
        }
    }

    fn runtime(&self) -> &Runtime {
        &self.inner.runtime
    }

    fn health(&self) -> Value {
        let now_ms = self.inner.runtime.clock.now_ms();
        let mut st = self.lock();
        let sessions = st.sessions.live(now_ms).len();
        json!({
            "power": self.inner.runtime.power(),
            "lifecycle": st.lifecycle,
            "profile": self.inner.profile.name,
            "revision": st.model.revision_string(),
            "vdoms": st.model.vdom_names(),
            "admin_sessions": sessions,
            "device_time": now_ms / 1000,
        })
    }

    fn reset(&self) -> Result<()> {
        let p = self.fresh()?;
        self.replace(p)
    }

    fn load_seed(&self, seed: Value) -> Result<()> {
        let p = parse_seed(seed, self)?;
        self.replace(p)
    }

    fn dump_state(&self) -> Value {
        serde_json::to_value(self.lock().persisted()).unwrap_or(Value::Null)
    }

    fn inject_event(&self, event: Value) -> Result<Value> {
        let now = self.now_secs();
        let mut st = self.lock();
        let st = &mut *st;
        let now = st.monitor.device_time(now);
        st.monitor.inject(now, &event).map_err(Error::invalid)?;
        self.save(st)?;
        Ok(json!({"injected": event.get("kind").cloned().unwrap_or(Value::Null)}))
    }

    fn action(&self, name: &str, _body: Value) -> Result<Value> {
        match name {
            "power_on" => {
                if self.lifecycle() != Lifecycle::Off {
                    return Err(Error::conflict("the unit is not shut down"));
                }
                self.power_up();
                Ok(json!({"power": "on"}))
            }
            "logout_all" => {
                let mut st = self.lock();
                let n = st.sessions.len();
                st.end_all_sessions();
                Ok(json!({"ended": n}))
            }
            other => Err(Error::not_found(format!(
                "device has no control action {other:?} (power_on, logout_all)"
            ))),
        }
    }
}
