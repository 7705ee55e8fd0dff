//! [`FortiRecorder`]: the cheap-clone handle over one device's model, runtime and store.
//!
//! `apply` locks the model (a std mutex, never held across `.await`), applies the command at the
//! device clock's time, saves the model before returning when the command wrote (so an
//! acknowledged write survives `kill -9`), and unlocks.

use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use serde_json::{json, Value};

use devsim_core::{
    Clock, Credential, DeviceConfig, DeviceInfo, Error, Power, Result, Runtime, SimDevice, Store,
};

use crate::model::{Command, Injection, Model, ModelError, Output, SeedParams, SysAction, SERVICE_USER};
use crate::profile::{Options, Profile};

/// Where the unit is in its lifecycle (§4.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Lifecycle {
    Running,
    Restarting,
    Reloading,
    Halted,
}

struct Inner {
    model: Mutex<Model>,
    lifecycle: Mutex<Lifecycle>,
    runtime: Runtime,
    store: Store,
    profile: Profile,
    options: Options,
    cfg: DeviceConfig,
    /// Stable hex suffix of `APSCOOKIE_<suffix>` cookie names (cookie style `device`).
    cookie_suffix: String,
    /// This device's own media source (tests); else the process-wide one.
    media: OnceLock<devsim_media::MediaSource>,
}

/// One simulated FortiRecorder.
#[derive(Clone)]
pub struct FortiRecorder {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for FortiRecorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FortiRecorder").field("id", &self.inner.cfg.id).finish()
    }
}

fn seed_params(cfg: &DeviceConfig, options: &Options, now: i64) -> SeedParams {
    let d = SeedParams::default();
    SeedParams {
        serial: cfg.serial.clone().unwrap_or(d.serial),
        model: cfg.model.clone().unwrap_or(d.model),
        admin_password: options.admin_password.clone(),
        clip_password: options.clip_password.clone(),
        firmware_version: options.firmware_version.clone(),
        tz_offset_minutes: options.tz_offset_minutes,
        gen_seed: cfg.seed,
        now,
    }
}

impl FortiRecorder {
    /// Build the device: load the saved state, or seed (and save) when there is none.
    pub fn open(cfg: DeviceConfig, store: Store, clock: Clock) -> Result<FortiRecorder> {
        let profile = Profile::parse(cfg.profile.as_deref()).map_err(Error::invalid)?;
        let options = Options::from_value(&cfg.options).map_err(Error::invalid)?;
        let now = clock.now_secs();
        let loaded: Option<Model> = store.load()?;
        let fresh = loaded.is_none();
        let mut model = match loaded {
            Some(m) => {
                m.check_invariants().map_err(|e| {
                    let file = store.path().map(|p| p.display().to_string()).unwrap_or_default();
                    Error::internal(format!("state file {file} is inconsistent: {e}"))
                })?;
                m
            }
            None => Model::seed(seed_params(&cfg, &options, now)),
        };
        model.configure(profile, options.clone());
        // Killed while restarting or halted: the next start is a boot.
        if model.outages.iter().any(|o| o.end.is_none()) {
            model.apply(now, Command::PowerUp).map_err(Error::from)?;
            store.save(&model)?;
        } else if fresh {
            store.save(&model)?;
        }
        let cookie_suffix = format!("{:016x}", fnv1a(model.device.serial.as_bytes()) ^ cfg.seed);
        Ok(FortiRecorder {
            inner: Arc::new(Inner {
                model: Mutex::new(model),
                lifecycle: Mutex::new(Lifecycle::Running),
                runtime: Runtime::new(clock),
                store,
                profile,
                options,
                cfg,
                cookie_suffix,
                media: OnceLock::new(),
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Model> {
        // A poisoned lock means a panic elsewhere mid-command; the model is still usable.
        self.inner.model.lock().unwrap_or_else(|e| e.into_inner())
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

    /// The device id of the configuration.
    pub fn id(&self) -> &str {
        &self.inner.cfg.id
    }

    /// Give this device its own media source instead of the process-wide one
    /// ([`crate::media::shared`]). Only before first use: returns false when one is already set.
    pub fn set_media(&self, media: devsim_media::MediaSource) -> bool {
        self.inner.media.set(media).is_ok()
    }

    /// The media source VideoClip and RTSP render with.
    pub fn media(&self) -> devsim_media::MediaSource {
        self.inner.media.get_or_init(crate::media::shared).clone()
    }

    pub fn cookie_suffix(&self) -> &str {
        &self.inner.cookie_suffix
    }

    pub fn lifecycle(&self) -> Lifecycle {
        *self.inner.lifecycle.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn set_lifecycle(&self, l: Lifecycle) {
        *self.inner.lifecycle.lock().unwrap_or_else(|e| e.into_inner()) = l;
    }

    /// Apply `cmd` at device time; a write is saved before this returns.
    pub fn apply(&self, cmd: Command) -> std::result::Result<Output, ModelError> {
        let write = cmd.is_write();
        let mut m = self.lock();
        let now = self.inner.runtime.clock.now_secs();
        let out = m.apply(now, cmd)?;
        if write {
            if let Err(e) = self.inner.store.save(&*m) {
                tracing::error!(error = %e, "saving FortiRecorder state failed");
                return Err(ModelError::Internal(e.message));
            }
        }
        Ok(out)
    }

    /// Read the model under the lock (tests, control plane).
    pub fn with_model<T>(&self, f: impl FnOnce(&Model) -> T) -> T {
        f(&self.lock())
    }

    /// The lifecycle of a SysStatusCommand (§4.6), run after the 200 went out. `grace` is the
    /// real-time pause before the unit goes down (the handler uses about one second).
    pub async fn run_lifecycle(&self, action: SysAction, grace: Duration) {
        if !grace.is_zero() {
            tokio::time::sleep(grace).await;
        }
        let clock = self.inner.runtime.clock.clone();
        match action {
            SysAction::Restart => {
                self.set_lifecycle(Lifecycle::Restarting);
                self.power_down();
                let delay = i64::try_from(self.inner.options.restart_delay_secs).unwrap_or(i64::MAX / 2000);
                clock.sleep_ms(delay.saturating_mul(1000)).await;
                self.power_up();
            }
            SysAction::Shutdown => {
                self.set_lifecycle(Lifecycle::Halted);
                self.power_down();
            }
            SysAction::Reload => {
                self.set_lifecycle(Lifecycle::Reloading);
                self.inner.runtime.set_power(Power::Off);
                let delay = i64::try_from(self.inner.options.reload_delay_secs).unwrap_or(i64::MAX / 2000);
                clock.sleep_ms(delay.saturating_mul(1000)).await;
                self.reload_from_store();
                self.set_lifecycle(Lifecycle::Running);
                self.inner.runtime.set_power(Power::On);
            }
        }
    }

    fn power_down(&self) {
        if let Err(e) = self.apply(Command::PowerDown) {
            tracing::error!(error = %e, "power down failed");
        }
        self.inner.runtime.set_power(Power::Off);
    }

    fn power_up(&self) {
        if let Err(e) = self.apply(Command::PowerUp) {
            tracing::error!(error = %e, "power up failed");
        }
        self.set_lifecycle(Lifecycle::Running);
        self.inner.runtime.set_power(Power::On);
    }

    /// Re-read the configuration from the store; HTTP sessions are kept (§4.6 Reload).
    fn reload_from_store(&self) {
        let loaded: Result<Option<Model>> = self.inner.store.load();
        let mut m = self.lock();
        match loaded {
            Ok(Some(mut fresh)) if fresh.check_invariants().is_ok() => {
                fresh.sessions = std::mem::take(&mut m.sessions);
                fresh.session_history = std::mem::take(&mut m.session_history);
                fresh.configure(self.inner.profile, self.inner.options.clone());
                *m = fresh;
            }
            Ok(_) => {}
            Err(e) => {
                tracing::error!(error = %e, "reload: cannot read the saved state; keeping the running one")
            }
        }
        let now = self.inner.runtime.clock.now_secs();
        if let Err(e) = m.apply(now, Command::Reloaded) {
            tracing::error!(error = %e, "reload failed");
        }
        if let Err(e) = self.inner.store.save(&*m) {
            tracing::error!(error = %e, "saving after reload failed");
        }
    }

    fn replace_model(&self, mut model: Model) -> Result<()> {
        model.configure(self.inner.profile, self.inner.options.clone());
        let mut m = self.lock();
        self.inner.store.save(&model)?;
        *m = model;
        Ok(())
    }

    fn admin_password(&self) -> String {
        self.with_model(|m| m.admins.iter().find(|a| a.name == "admin").map(|a| a.password.clone()))
            .unwrap_or_else(|| self.inner.options.admin_password.clone())
    }
}

/// FNV-1a, for a cookie-name suffix that is stable across restarts.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3))
}

/// Parse a control-plane event body into an [`Injection`].
fn parse_injection(v: &Value) -> Result<Injection> {
    let o = v.as_object().ok_or_else(|| Error::invalid("event must be a JSON object"))?;
    let s = |k: &str| o.get(k).and_then(Value::as_str).map(str::to_owned);
    let n = |k: &str| o.get(k).and_then(Value::as_i64);
    let kind = s("kind")
        .ok_or_else(|| Error::invalid("event needs \"kind\": detection, camera_state or storage"))?;
    let camera = || s("camera").ok_or_else(|| Error::invalid("event needs \"camera\""));
    match kind.as_str() {
        "detection" => {
            let etype = n("type").ok_or_else(|| Error::invalid("detection needs an integer \"type\""))?;
            let etype = u32::try_from(etype).map_err(|_| Error::invalid("type out of range"))?;
            let subtype = u32::try_from(n("subtype").unwrap_or(0))
                .map_err(|_| Error::invalid("subtype out of range"))?;
            Ok(Injection::Detection {
                camera: camera()?,
                kind: etype,
                subtype,
                duration: n("duration").unwrap_or(10),
                person: s("person"),
            })
        }
        "camera_state" => Ok(Injection::CameraState {
            camera: camera()?,
            state_flag: n("state_flag").map(|f| u32::try_from(f).unwrap_or(u32::MAX)),
            state_code: n("state_code"),
            state_info: s("state_info"),
            status: n("status").map(|f| u8::try_from(f).unwrap_or(u8::MAX)),
        }),
        "storage" => {
            let mut m = o.clone();
            m.remove("kind");
            Ok(Injection::Storage(m))
        }
        other => {
            Err(Error::invalid(format!("unknown event kind {other:?} (detection, camera_state, storage)")))
        }
    }
}

impl SimDevice for FortiRecorder {
    fn info(&self) -> DeviceInfo {
        let (serial, model, clip) = self.with_model(|m| {
            (m.device.serial.clone(), m.device.model.clone(), m.clip_service.password.clone())
        });
        DeviceInfo {
            id: self.inner.cfg.id.clone(),
            kind: crate::KIND.into(),
            profile: self.inner.profile.name.into(),
            serial,
            model,
            urls: self.inner.cfg.urls.clone(),
            credentials: vec![
                Credential {
                    role: "admin".into(),
                    username: "admin".into(),
                    password: self.admin_password(),
                },
                Credential {
                    role: "service-clip".into(),
                    username: SERVICE_USER.into(),
                    password: clip.clone(),
                },
                Credential { role: "rtsp".into(), username: "test".into(), password: "test".into() },
            ],
        }
    }

    fn runtime(&self) -> &Runtime {
        &self.inner.runtime
    }

    fn health(&self) -> Value {
        let now = self.inner.runtime.clock.now_secs();
        let (cameras, sessions) = self.with_model(|m| (m.cameras.len(), m.sessions.live(now).len()));
        json!({
            "power": self.inner.runtime.power(),
            "lifecycle": self.lifecycle(),
            "profile": self.inner.profile.name,
            "cameras": cameras,
            "sessions": sessions,
            "device_time": now,
        })
    }

    fn reset(&self) -> Result<()> {
        let now = self.inner.runtime.clock.now_secs();
        self.replace_model(Model::seed(seed_params(&self.inner.cfg, &self.inner.options, now)))
    }

    fn load_seed(&self, seed: Value) -> Result<()> {
        let model: Model = serde_json::from_value(seed)
            .map_err(|e| Error::invalid(format!("not a FortiRecorder seed: {e}")))?;
        model.check_invariants().map_err(|e| Error::invalid(format!("inconsistent seed: {e}")))?;
        self.replace_model(model)
    }

    fn dump_state(&self) -> Value {
        self.with_model(|m| serde_json::to_value(m).unwrap_or(Value::Null))
    }

    fn inject_event(&self, event: Value) -> Result<Value> {
        let inj = parse_injection(&event)?;
        match self.apply(Command::Inject(inj)) {
            Ok(Output::Value(v)) => Ok(v),
            Ok(_) => Ok(json!({})),
            Err(e) => Err(e.into()),
        }
    }

    fn action(&self, name: &str, _body: Value) -> Result<Value> {
        match name {
            "power_on" => {
                if self.lifecycle() != Lifecycle::Halted {
                    return Err(Error::conflict("the device is not halted"));
                }
                self.power_up();
                Ok(json!({"power": "on"}))
            }
            other => Err(Error::not_found(format!("device has no control action {other:?} (power_on)"))),
        }
    }
}
