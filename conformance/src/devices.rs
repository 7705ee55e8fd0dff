//! What the runner knows per device kind: how to start it in-process, and its route table for the
//! coverage report. Everything else (scenarios, redaction, goldens) is data in files.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use devsim_core::control::{control_router, Fleet};
use devsim_core::serve::{serve_device, serve_router, Listener, Server};
use devsim_core::{Clock, DeviceConfig, DeviceInfo, DynDevice, Store};
use tokio_util::sync::CancellationToken;

/// Device kinds the runner can start in-process.
pub const KINDS: [&str; 2] = ["fortirecorder", "fortios"];

/// A device started inside this process on 127.0.0.1:0, with an ephemeral store and a manual
/// clock, and a control listener of its own (so `/__sim` stays reachable while the device is
/// powered off, restarting or halted). Dropping it stops both listeners.
pub struct InProcess {
    pub device: DynDevice,
    pub base_url: String,
    /// The device's control routes: `http://127.0.0.1:PORT/__sim/devices/{id}`.
    pub control_url: String,
    pub info: DeviceInfo,
    /// `rtsp://127.0.0.1:PORT` of the device's RTSP listener (kinds that serve RTSP).
    pub rtsp_url: Option<String>,
    shutdown: CancellationToken,
    _rtsp: Option<devsim_rtsp::RtspServer>,
    _server: Server,
    _control: Server,
}

impl Drop for InProcess {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// Default media cache of in-process simulators: one directory reused across runs, so clips and
/// RTSP segments are encoded once per machine.
pub fn default_media_cache() -> PathBuf {
    std::env::temp_dir().join("devsim-conform-media")
}

static MEDIA: OnceLock<devsim_media::MediaSource> = OnceLock::new();

/// The process's media source over `dir` (the first call chooses the directory; every in-process
/// device of the process shares it, as devices of one devsim do).
fn media_source(dir: &Path) -> Result<devsim_media::MediaSource, String> {
    if let Some(m) = MEDIA.get() {
        return Ok(m.clone());
    }
    let src = devsim_media::MediaSource::new(devsim_media::MediaConfig::new(dir))
        .map_err(|e| format!("media cache {}: {e}", dir.display()))?;
    Ok(MEDIA.get_or_init(|| src).clone())
}

/// How to start an in-process device.
#[derive(Debug, Clone)]
pub struct StartOptions {
    pub profile: Option<String>,
    /// Manual clock, frozen at this instant.
    pub clock_ms: i64,
    /// The device's `[device.options]` table (suite file and `--device-option`).
    pub options: serde_json::Value,
    /// Media cache directory (default [`default_media_cache`]).
    pub media_cache: Option<PathBuf>,
}

/// Start `kind` in-process with the device options of `o`, its HTTP side and (kinds that have
/// one) its RTSP listener on 127.0.0.1:0.
pub async fn start(kind: &str, o: &StartOptions) -> Result<InProcess, String> {
    let clock = Clock::manual(o.clock_ms);
    let cfg = DeviceConfig {
        id: format!("{kind}1"),
        profile: o.profile.clone(),
        seed: 1,
        options: o.options.clone(),
        ..DeviceConfig::default()
    };
    let shutdown = CancellationToken::new();
    let (device, app, rtsp): (DynDevice, axum::Router, Option<devsim_rtsp::RtspServer>) = match kind {
        "fortirecorder" => {
            let store = Store::ephemeral(devsim_fortirecorder::KIND, devsim_fortirecorder::STATE_VERSION);
            let d = devsim_fortirecorder::FortiRecorder::open(cfg, store, clock)
                .map_err(|e| format!("cannot start the fortirecorder simulator: {e}"))?;
            let dir = o.media_cache.clone().unwrap_or_else(default_media_cache);
            d.set_media(media_source(&dir)?);
            let app = d.router();
            let l = devsim_rtsp::bind("127.0.0.1:0".parse().map_err(|e| format!("{e}"))?)
                .map_err(|e| format!("cannot bind 127.0.0.1:0 for RTSP: {e}"))?;
            let rtsp = devsim_rtsp::serve(l, d.rtsp(), shutdown.clone());
            (Arc::new(d), app, Some(rtsp))
        }
        "fortios" => {
            let store = Store::ephemeral(devsim_fortios::KIND, devsim_fortios::STATE_VERSION);
            let d = devsim_fortios::open(cfg, store, clock)
                .map_err(|e| format!("cannot start the fortios simulator: {e}"))?;
            let app = d.router();
            (Arc::new(d), app, None)
        }
        other => return Err(format!("no in-process simulator for device kind {other:?} (known: {KINDS:?})")),
    };
    let rtsp_url = rtsp.as_ref().map(|r| format!("rtsp://{}", r.local_addr()));
    let listener = Listener::bind_http("127.0.0.1:0".parse().map_err(|e| format!("{e}"))?)
        .map_err(|e| format!("cannot bind 127.0.0.1:0: {e}"))?;
    let server = serve_device(device.clone(), app, vec![listener], shutdown.clone());
    let addr = server.addrs().first().map(|(_, a)| *a).ok_or("the simulator bound no address")?;
    let base_url = format!("http://{addr}");
    let info = device.info();
    let fleet = Fleet::new(vec![device.clone()]).map_err(|e| format!("cannot build the control API: {e}"))?;
    let ctl_listener = Listener::bind_http("127.0.0.1:0".parse().map_err(|e| format!("{e}"))?)
        .map_err(|e| format!("cannot bind 127.0.0.1:0 for the control API: {e}"))?;
    let control = serve_router("control", control_router(fleet), vec![ctl_listener], shutdown.clone());
    let ctl_addr = control.addrs().first().map(|(_, a)| *a).ok_or("the control API bound no address")?;
    let control_url = format!("http://{ctl_addr}/__sim/devices/{}", info.id);
    Ok(InProcess {
        device,
        base_url,
        control_url,
        info,
        rtsp_url,
        shutdown,
        _rtsp: rtsp,
        _server: server,
        _control: control,
    })
}

/// The simulator's name and version, for golden provenance.
pub fn simulator_name(kind: &str) -> String {
    match kind {
        "fortirecorder" => format!("devsim-fortirecorder {}", env!("CARGO_PKG_VERSION")),
        "fortios" => format!("devsim-fortios {}", env!("CARGO_PKG_VERSION")),
        other => format!("devsim-{other} {}", env!("CARGO_PKG_VERSION")),
    }
}

/// One route of a device: a resource and an effective action.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Route {
    pub resource: String,
    pub action: String,
}

/// Every route of the device kind, or `None` when the runner has no table for it.
pub fn routes(kind: &str) -> Option<Vec<Route>> {
    match kind {
        "fortirecorder" => {
            use devsim_fortirecorder::wire::Resource;
            let mut out = Vec::new();
            for r in Resource::ALL {
                for a in r.allowed() {
                    out.push(Route { resource: r.name().to_owned(), action: format!("{a:?}") });
                }
            }
            Some(out)
        }
        "fortios" => Some(fortios_routes()),
        _ => None,
    }
}

/// The route a request hits, as the device decides it (path grammar and effective action).
pub fn classify(kind: &str, method: &str, target: &str, body: &[u8]) -> Option<Route> {
    match kind {
        "fortirecorder" => {
            use devsim_fortirecorder::wire::{self, Action, Shape};
            let path = target.split('?').next().unwrap_or(target);
            let p = wire::parse_path(path).ok()?;
            let res = p.target();
            let action = if res.shape() == Shape::Login {
                Action::Create
            } else {
                let m = http::Method::from_bytes(method.as_bytes()).ok()?;
                let json = wire::parse_json_lenient(body).ok().flatten();
                wire::effective_action(&m, json.as_ref()).ok()?
            };
            Some(Route { resource: res.name().to_owned(), action: format!("{action:?}") })
        }
        "fortios" => fortios_classify(method, target),
        _ => None,
    }
}

/// FortiOS routes (`devsim_fortios::route_table()`): resource = the route's path, action = its
/// method (CMDB tables: `GET` reads, `POST` writes; singletons: `GET` and `PUT`).
fn fortios_routes() -> Vec<Route> {
    let mut out: Vec<Route> = devsim_fortios::route_table()
        .into_iter()
        .map(|r| Route { resource: r.path, action: r.method.to_owned() })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The FortiOS route of a request: `/logincheck` and `/logout`; CMDB `<path>/<name>` (any mkey or
/// child below it; non-GET counts as the table's write route, whatever its method); monitor
/// `<area>/<resource>[/<action>]` (action omitted = `select`).
fn fortios_classify(method: &str, target: &str) -> Option<Route> {
    let path = target.split('?').next().unwrap_or(target);
    let routes = fortios_routes();
    let find = |resource: &str, action: &str| {
        routes.iter().find(|r| r.resource == resource && r.action == action).cloned()
    };
    if path == "/logincheck" || path == "/logout" {
        return find(path, "POST");
    }
    if let Some(rest) = path.strip_prefix("/api/v2/cmdb/") {
        let segs: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
        if segs.len() < 2 {
            return find("/api/v2/cmdb/", method);
        }
        let resource = format!("/api/v2/cmdb/{}/{}", segs[0], segs[1]);
        if method == "GET" {
            return find(&resource, "GET");
        }
        return find(&resource, "POST").or_else(|| find(&resource, "PUT"));
    }
    if let Some(rest) = path.strip_prefix("/api/v2/monitor/") {
        let segs: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
        let resource = match segs.as_slice() {
            [area, res] => format!("/api/v2/monitor/{area}/{res}/select"),
            [area, res, action] => format!("/api/v2/monitor/{area}/{res}/{action}"),
            _ => return None,
        };
        return find(&resource, method);
    }
    None
}
