//! Targets: the in-process simulator, a running devsim found through its control API, or real
//! hardware at an address (credentials from the environment only).

use std::collections::BTreeMap;
use std::time::Duration;

use devsim_core::DeviceInfo;
use serde_json::{json, Value};

use crate::devices::{self, InProcess};
use crate::golden::Source;
use crate::scenario::PreconditionKind;

/// Environment variables for hardware credentials (documented in docs/scenarios.md).
pub const ENV_USER: &str = "CONFORM_USER";
pub const ENV_PASSWORD: &str = "CONFORM_PASSWORD";
/// `CONFORM_CRED_<ROLE>_USER` / `CONFORM_CRED_<ROLE>_PASSWORD` for other roles.
pub const ENV_CRED_PREFIX: &str = "CONFORM_CRED_";
/// RTSP base URL of the hardware (default `rtsp://<host of --target>:8554`).
pub const ENV_RTSP_URL: &str = "CONFORM_RTSP_URL";
/// Port of the FortiRecorder playback service (spec §2.3.1).
pub const DEFAULT_RTSP_PORT: u16 = 8554;

/// What the operator asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetSpec {
    /// Start the device in this process.
    Sim,
    /// A running devsim: its control API URL.
    SimControl(String),
    /// Real hardware at this base URL.
    Hardware(String),
}

impl TargetSpec {
    pub fn parse(target: &str, control: Option<&str>) -> Result<TargetSpec, String> {
        match (target, control) {
            ("sim", None) => Ok(TargetSpec::Sim),
            ("sim", Some(c)) => Ok(TargetSpec::SimControl(c.trim_end_matches('/').to_owned())),
            (t, None) if t.starts_with("http://") || t.starts_with("https://") => {
                Ok(TargetSpec::Hardware(t.trim_end_matches('/').to_owned()))
            }
            (_, Some(_)) => Err("--control goes with --target sim".into()),
            (t, None) => Err(format!("--target {t:?}: expected `sim` or an http(s):// address")),
        }
    }
}

/// A target ready to run scenarios.
pub struct Target {
    pub label: String,
    pub base_url: String,
    /// URL prefix of this device's `/__sim` routes (simulators only).
    pub control: Option<String>,
    pub vars: BTreeMap<String, String>,
    /// Password values to scrub from anything written (hardware).
    pub secrets: Vec<String>,
    pub profile: Option<String>,
    pub source: Source,
    pub insecure: bool,
    pub clock_ms: i64,
    http: reqwest::Client,
    _inproc: Option<InProcess>,
}

fn role_key(role: &str) -> String {
    role.to_ascii_lowercase().replace(['-', ' '], "_")
}

fn cred_vars(info: &DeviceInfo) -> BTreeMap<String, String> {
    let mut vars = BTreeMap::new();
    for c in &info.credentials {
        let r = role_key(&c.role);
        vars.insert(format!("cred.{r}.user"), c.username.clone());
        vars.insert(format!("cred.{r}.password"), c.password.clone());
    }
    vars
}

/// Credentials for hardware, from the environment only.
pub fn env_vars(env: &[(String, String)]) -> BTreeMap<String, String> {
    let mut vars = BTreeMap::new();
    for (k, v) in env {
        if k == ENV_USER {
            vars.insert("cred.admin.user".into(), v.clone());
        } else if k == ENV_PASSWORD {
            vars.insert("cred.admin.password".into(), v.clone());
        } else if let Some(rest) = k.strip_prefix(ENV_CRED_PREFIX) {
            if let Some(role) = rest.strip_suffix("_USER") {
                vars.insert(format!("cred.{}.user", role_key(role)), v.clone());
            } else if let Some(role) = rest.strip_suffix("_PASSWORD") {
                vars.insert(format!("cred.{}.password", role_key(role)), v.clone());
            }
        }
    }
    vars
}

/// Default manual clock of in-process and controlled simulators: the document's date.
pub const DEFAULT_CLOCK_MS: i64 = 1_747_828_800_000; // 2025-05-21T12:00:00Z

pub struct Options {
    pub device: String,
    pub profile: Option<String>,
    pub insecure: bool,
    pub clock_ms: i64,
    /// Hardware provenance for `capture`.
    pub model: Option<String>,
    pub firmware: Option<String>,
    /// Device options of the in-process simulator (suite file `[target] options`, then
    /// `--device-option`).
    pub device_options: serde_json::Map<String, Value>,
    /// Media cache of the in-process simulator.
    pub media_cache: Option<std::path::PathBuf>,
}

/// `rtsp://HOST:8554` for a hardware base URL `https://HOST[:port]/...`.
pub fn default_rtsp_url(base: &str) -> Option<String> {
    let rest = base.split_once("://")?.1;
    let authority = rest.split('/').next()?;
    let host = if authority.starts_with('[') {
        authority.split_once(']').map(|(h, _)| format!("{h}]"))?
    } else {
        authority.split(':').next()?.to_owned()
    };
    (!host.is_empty()).then(|| format!("rtsp://{host}:{DEFAULT_RTSP_PORT}"))
}

impl Target {
    pub async fn open(spec: &TargetSpec, o: &Options) -> Result<Target, String> {
        let http = reqwest::Client::builder()
            .danger_accept_invalid_certs(o.insecure)
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| e.to_string())?;
        let sim_source = Source::Simulator { name: devices::simulator_name(&o.device) };
        match spec {
            TargetSpec::Sim => {
                let so = devices::StartOptions {
                    profile: o.profile.clone(),
                    clock_ms: o.clock_ms,
                    options: Value::Object(o.device_options.clone()),
                    media_cache: o.media_cache.clone(),
                };
                let ip = devices::start(&o.device, &so).await?;
                let mut vars = cred_vars(&ip.info);
                if let Some(u) = &ip.rtsp_url {
                    vars.insert("rtsp_url".into(), u.clone());
                }
                Ok(Target {
                    label: format!("in-process {} simulator ({})", o.device, ip.info.profile),
                    base_url: ip.base_url.clone(),
                    control: Some(ip.control_url.clone()),
                    vars,
                    secrets: Vec::new(),
                    profile: Some(o.profile.clone().unwrap_or_else(|| ip.info.profile.clone())),
                    source: sim_source,
                    insecure: o.insecure,
                    clock_ms: o.clock_ms,
                    http,
                    _inproc: Some(ip),
                })
            }
            TargetSpec::SimControl(url) => {
                let list_url = format!("{url}/__sim/devices");
                let resp = http.get(&list_url).send().await.map_err(|e| format!("{list_url}: {e}"))?;
                if !resp.status().is_success() {
                    return Err(format!("{list_url}: answered {}", resp.status()));
                }
                let infos: Vec<DeviceInfo> =
                    resp.json().await.map_err(|e| format!("{list_url}: not a device list: {e}"))?;
                let info = infos
                    .into_iter()
                    .find(|i| i.kind == o.device)
                    .ok_or_else(|| format!("{list_url}: no device of kind {:?}", o.device))?;
                let base = info
                    .urls
                    .get("http")
                    .or_else(|| info.urls.get("https"))
                    .cloned()
                    .ok_or_else(|| format!("device {} lists no http or https URL", info.id))?;
                if let Some(p) = &o.profile {
                    if *p != info.profile {
                        return Err(format!("device {} runs profile {:?}, not {p:?}", info.id, info.profile));
                    }
                }
                let mut vars = cred_vars(&info);
                if let Some(r) = info.urls.get("rtsp") {
                    vars.insert("rtsp_url".into(), r.trim_end_matches('/').to_owned());
                }
                Ok(Target {
                    label: format!("devsim at {url}, device {} ({})", info.id, info.profile),
                    base_url: base.trim_end_matches('/').to_owned(),
                    control: Some(format!("{url}/__sim/devices/{}", info.id)),
                    vars,
                    secrets: Vec::new(),
                    profile: Some(info.profile.clone()),
                    source: sim_source,
                    insecure: o.insecure,
                    clock_ms: o.clock_ms,
                    http,
                    _inproc: None,
                })
            }
            TargetSpec::Hardware(url) => {
                let env: Vec<(String, String)> = std::env::vars().collect();
                let mut vars = env_vars(&env);
                let rtsp = env.iter().find(|(k, _)| k == ENV_RTSP_URL).map(|(_, v)| v.clone());
                if let Some(r) = rtsp.or_else(|| default_rtsp_url(url)) {
                    vars.insert("rtsp_url".into(), r.trim_end_matches('/').to_owned());
                }
                let secrets =
                    vars.iter().filter(|(k, _)| k.ends_with(".password")).map(|(_, v)| v.clone()).collect();
                Ok(Target {
                    label: format!("hardware at {url}"),
                    base_url: url.clone(),
                    control: None,
                    vars,
                    secrets,
                    profile: o.profile.clone(),
                    source: Source::Hardware {
                        model: o.model.clone().unwrap_or_else(|| "unknown".into()),
                        firmware: o.firmware.clone().unwrap_or_else(|| "unknown".into()),
                    },
                    insecure: o.insecure,
                    clock_ms: o.clock_ms,
                    http,
                    _inproc: None,
                })
            }
        }
    }

    pub fn is_sim(&self) -> bool {
        self.control.is_some()
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<(), String> {
        let base = self.control.as_deref().ok_or("not a simulator: no control API")?;
        let url = format!("{base}/{path}");
        let mut rb = self.http.request(method.clone(), &url);
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let resp = rb.send().await.map_err(|e| format!("{method} {url}: {e}"))?;
        let status = resp.status();
        if status.is_success() {
            Ok(())
        } else {
            let text = resp.text().await.unwrap_or_default();
            Err(format!("{method} {url}: {status}: {}", text.trim()))
        }
    }

    async fn powered(&self) -> Result<bool, String> {
        let base = self.control.as_deref().ok_or("not a simulator: no control API")?;
        let url = format!("{base}/power");
        let resp = self.http.get(&url).send().await.map_err(|e| format!("GET {url}: {e}"))?;
        let v: Value = resp.json().await.map_err(|e| format!("GET {url}: not JSON: {e}"))?;
        Ok(v.get("power").and_then(Value::as_str) != Some("off"))
    }

    /// Bring the simulator to a known state before a scenario: powered on (a previous scenario may
    /// have left it restarting or halted), seed state, no faults, clock set to the run's start
    /// instant and frozen.
    pub async fn isolate(&self) -> Result<(), String> {
        use reqwest::Method;
        let was_off = !self.powered().await?;
        if was_off {
            // Halted units come back with the power_on action; restarts and reloads finish when
            // their delay has passed on the device clock. Either may not apply: errors are ignored.
            let _ = self.call(Method::POST, "actions/power_on", Some(json!({}))).await;
            let _ = self.call(Method::POST, "clock/advance", Some(json!({ "seconds": 86_400 }))).await;
            let mut on = false;
            for _ in 0..100 {
                if self.powered().await? {
                    on = true;
                    break;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            if !on {
                return Err("the device stays powered off (restart, shut down?) and did not come back".into());
            }
        }
        self.call(Method::POST, "reset", None).await?;
        self.call(Method::DELETE, "faults", None).await?;
        self.call(Method::PUT, "clock", Some(json!({ "now_ms": self.clock_ms }))).await?;
        self.call(Method::POST, "clock/freeze", None).await?;
        if was_off {
            self.wait_listening(Duration::from_secs(5)).await?;
        }
        Ok(())
    }

    /// Wait until the device's port accepts TCP connections again (after a power cycle).
    async fn wait_listening(&self, limit: Duration) -> Result<(), String> {
        let hostport = self
            .base_url
            .split_once("://")
            .map(|(_, rest)| rest.split('/').next().unwrap_or(rest))
            .unwrap_or(&self.base_url)
            .to_owned();
        let started = std::time::Instant::now();
        loop {
            if tokio::net::TcpStream::connect(hostport.as_str()).await.is_ok() {
                return Ok(());
            }
            if started.elapsed() > limit {
                return Err(format!("{hostport} does not accept connections after power on"));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Carry out one precondition through the control API.
    pub async fn precondition(&self, p: &PreconditionKind) -> Result<(), String> {
        use reqwest::Method;
        match p {
            PreconditionKind::Reset => self.call(Method::POST, "reset", None).await,
            PreconditionKind::Seed(s) => self.call(Method::POST, "seed", Some(s.clone())).await,
            PreconditionKind::ClockSet(t) => self.call(Method::PUT, "clock", Some(json!({ "now": t }))).await,
            PreconditionKind::ClockAdvance(s) => {
                self.call(Method::POST, "clock/advance", Some(json!({ "seconds": s }))).await
            }
            PreconditionKind::ClockFreeze(true) => self.call(Method::POST, "clock/freeze", None).await,
            PreconditionKind::ClockFreeze(false) => self.call(Method::POST, "clock/resume", None).await,
            PreconditionKind::Event(e) => self.call(Method::POST, "events", Some(e.clone())).await,
            PreconditionKind::Fault(f) => self.call(Method::POST, "faults", Some(f.clone())).await,
            PreconditionKind::Action { name, body } => {
                self.call(Method::POST, &format!("actions/{name}"), Some(body.clone())).await
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_spec_parses_the_three_forms() {
        assert_eq!(TargetSpec::parse("sim", None).unwrap(), TargetSpec::Sim);
        assert_eq!(
            TargetSpec::parse("sim", Some("http://h:9000/")).unwrap(),
            TargetSpec::SimControl("http://h:9000".into())
        );
        assert_eq!(
            TargetSpec::parse("https://10.0.0.5", None).unwrap(),
            TargetSpec::Hardware("https://10.0.0.5".into())
        );
        assert!(TargetSpec::parse("10.0.0.5", None).is_err());
        assert!(TargetSpec::parse("https://x", Some("http://c")).is_err());
    }

    #[test]
    fn hardware_credentials_come_from_the_environment() {
        let env = vec![
            ("CONFORM_USER".to_string(), "root".to_string()),
            ("CONFORM_PASSWORD".into(), "pw".into()),
            ("CONFORM_CRED_SERVICE_CLIP_PASSWORD".into(), "1234".into()),
            ("HOME".into(), "/root".into()),
        ];
        let v = env_vars(&env);
        assert_eq!(v.get("cred.admin.user").map(String::as_str), Some("root"));
        assert_eq!(v.get("cred.admin.password").map(String::as_str), Some("pw"));
        assert_eq!(v.get("cred.service_clip.password").map(String::as_str), Some("1234"));
        assert_eq!(v.len(), 3);
    }

    #[test]
    fn hardware_rtsp_url_is_port_8554_of_the_target_host() {
        assert_eq!(default_rtsp_url("https://10.0.0.5").as_deref(), Some("rtsp://10.0.0.5:8554"));
        assert_eq!(default_rtsp_url("https://frc:8443/x").as_deref(), Some("rtsp://frc:8554"));
        assert_eq!(default_rtsp_url("https://[fd00::5]:443").as_deref(), Some("rtsp://[fd00::5]:8554"));
        assert_eq!(default_rtsp_url("nohost"), None);
    }
}
