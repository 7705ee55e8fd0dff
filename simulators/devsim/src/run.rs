//! Start-up of a fleet: bind every listener, open every device, serve, wait for a signal.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;

use anyhow::{anyhow, Context};
use devsim_core::control::{control_router, Fleet};
use devsim_core::serve::{serve_device, serve_router, Listener, Server};
use devsim_core::tls::{self, PemPair, TlsSource};
use devsim_core::{Clock, DeviceConfig, DeviceInfo, DynDevice, Store};
use tokio_util::sync::CancellationToken;

use crate::config::{Config, DeviceSpec, StateMode};
use crate::kinds;

/// A fleet that is up: its servers, the shutdown token, and what it printed.
pub struct Running {
    pub shutdown: CancellationToken,
    pub servers: Vec<Server>,
    pub rtsp_servers: Vec<devsim_rtsp::RtspServer>,
    pub control_url: String,
    pub devices: Vec<DeviceInfo>,
}

struct Bound {
    spec: DeviceSpec,
    listeners: Vec<Listener>,
    rtsp: Option<tokio::net::TcpListener>,
    urls: BTreeMap<String, String>,
}

/// Bind, open and serve everything in `cfg`. Any failure (port taken, corrupt state file, bad
/// certificate) stops start-up with a message naming the device and the cause.
pub fn start(cfg: &Config) -> anyhow::Result<Running> {
    // The self-signed certificate, made (or loaded) once and shared by every device without its own.
    let mut shared: Option<Arc<rustls::ServerConfig>> = None;
    let mut shared_tls = || -> anyhow::Result<Arc<rustls::ServerConfig>> {
        if let Some(c) = &shared {
            return Ok(c.clone());
        }
        let source = match &cfg.state {
            StateMode::Dir(dir) => {
                TlsSource::StateDir { dir: dir.clone(), extra_names: cfg.tls_hosts.clone() }
            }
            StateMode::Ephemeral => TlsSource::Ephemeral { extra_names: cfg.tls_hosts.clone() },
        };
        let pair: PemPair = tls::material(&source).map_err(|e| anyhow!("TLS: {}", e.message))?;
        let c = tls::server_config(&pair).map_err(|e| anyhow!("TLS: {}", e.message))?;
        shared = Some(c.clone());
        Ok(c)
    };

    // 1. Bind every listener first, so a taken port fails before any state is touched.
    let mut bound = Vec::with_capacity(cfg.devices.len());
    for spec in &cfg.devices {
        let at = format!("device {:?}", spec.id);
        let mut listeners = Vec::new();
        let mut urls = BTreeMap::new();
        if let Some(addr) = spec.http {
            let l = Listener::bind_http(addr).map_err(|e| anyhow!("{at}: http: {}", e.message))?;
            urls.insert("http".to_owned(), l.url());
            listeners.push(l);
        }
        if let Some(addr) = spec.https {
            let server_cfg = match &spec.tls {
                Some((cert, key)) => {
                    let pair = tls::read_pair(cert, key).map_err(|e| anyhow!("{at}: {}", e.message))?;
                    tls::server_config(&pair).map_err(|e| anyhow!("{at}: {}", e.message))?
                }
                None => shared_tls()?,
            };
            let l =
                Listener::bind_https(addr, server_cfg).map_err(|e| anyhow!("{at}: https: {}", e.message))?;
            urls.insert("https".to_owned(), l.url());
            listeners.push(l);
        }
        let rtsp = match spec.rtsp {
            Some(addr) => {
                let l = devsim_rtsp::bind(addr).map_err(|e| anyhow!("{at}: rtsp {addr}: {e}"))?;
                let local = l.local_addr().map_err(|e| anyhow!("{at}: rtsp: {e}"))?;
                urls.insert("rtsp".to_owned(), format!("rtsp://{local}"));
                Some(l)
            }
            None => None,
        };
        bound.push(Bound { spec: spec.clone(), listeners, rtsp, urls });
    }
    let control = Listener::bind_http(cfg.control_addr).map_err(|e| anyhow!("control API: {}", e.message))?;
    let control_url = control.url();

    // 2. One media cache for every device (VideoClip, RTSP), then open every device (loads its
    //    state file, or seeds it).
    let media_dir = match &cfg.state {
        StateMode::Dir(dir) => dir.join("media-cache"),
        StateMode::Ephemeral => std::env::temp_dir().join("devsim-media-cache"),
    };
    kinds::init_media(media_dir).map_err(|e| anyhow!("media cache: {}", e.message))?;
    type Rtsp = Option<(tokio::net::TcpListener, Arc<dyn devsim_rtsp::RtspDevice>)>;
    let mut opened: Vec<(DynDevice, axum::Router, Vec<Listener>, Rtsp)> = Vec::with_capacity(bound.len());
    for b in bound {
        let spec = b.spec;
        let kind = kinds::find(&spec.kind).ok_or_else(|| anyhow!("unknown kind {:?}", spec.kind))?;
        let store = match &cfg.state {
            StateMode::Dir(dir) => Store::in_dir(dir, &spec.id, kind.name, kind.state_version),
            StateMode::Ephemeral => Ok(Store::ephemeral(kind.name, kind.state_version)),
        }
        .map_err(|e| anyhow!("device {:?}: {}", spec.id, e.message))?;
        let dcfg = DeviceConfig {
            id: spec.id.clone(),
            profile: spec.profile.clone(),
            serial: spec.serial.clone(),
            model: spec.model.clone(),
            urls: b.urls,
            seed: spec.seed,
            options: spec.options.clone(),
        };
        let (device, routes, rtsp_side) = kinds::open(kind, dcfg, store, Clock::system())
            .map_err(|e| anyhow!("device {:?}: {}", spec.id, e.message))?;
        let rtsp = match (b.rtsp, rtsp_side) {
            (Some(l), Some(side)) => Some((l, side)),
            (Some(_), None) => {
                anyhow::bail!("device {:?}: kind {:?} does not serve RTSP", spec.id, spec.kind)
            }
            (None, _) => None,
        };
        opened.push((device, routes, b.listeners, rtsp));
    }

    // 3. Serve.
    let shutdown = CancellationToken::new();
    let mut servers = Vec::with_capacity(opened.len() + 1);
    let mut rtsp_servers = Vec::new();
    let mut devices = Vec::with_capacity(opened.len());
    for (device, routes, listeners, rtsp) in opened {
        devices.push(device.clone());
        servers.push(serve_device(device, routes, listeners, shutdown.clone()));
        if let Some((l, side)) = rtsp {
            rtsp_servers.push(devsim_rtsp::serve(l, side, shutdown.clone()));
        }
    }
    let fleet = Fleet::new(devices).map_err(|e| anyhow!("{}", e.message))?;
    let infos = fleet.infos();
    servers.push(serve_router("control", control_router(fleet), vec![control], shutdown.clone()));
    Ok(Running { shutdown, servers, rtsp_servers, control_url, devices: infos })
}

/// The start-up table: the control URL, then one row per device (URLs and credentials).
pub fn table(control_url: &str, devices: &[DeviceInfo]) -> String {
    let rows: Vec<[String; 5]> = devices
        .iter()
        .map(|d| {
            let urls = d.urls.values().cloned().collect::<Vec<_>>().join("  ");
            let creds = d
                .credentials
                .iter()
                .map(|c| format!("{}/{} ({})", c.username, c.password, c.role))
                .collect::<Vec<_>>()
                .join(", ");
            [d.id.clone(), d.kind.clone(), d.profile.clone(), urls, creds]
        })
        .collect();
    let header = ["ID", "KIND", "PROFILE", "URLS", "CREDENTIALS"].map(String::from);
    let mut widths = header.clone().map(|h| h.len());
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = format!(
        "devsim {}: control API on {control_url}/__sim (devices: {control_url}/__sim/devices)\n",
        env!("CARGO_PKG_VERSION")
    );
    for r in std::iter::once(&header).chain(&rows) {
        let mut line = String::new();
        for (i, (c, w)) in r.iter().zip(widths).enumerate() {
            if i + 1 == r.len() {
                line.push_str(c);
            } else {
                line.push_str(&format!("{c:<w$}  "));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Wait for SIGINT or SIGTERM.
async fn signal() -> anyhow::Result<&'static str> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate()).context("cannot watch SIGTERM")?;
        let mut int = signal(SignalKind::interrupt()).context("cannot watch SIGINT")?;
        tokio::select! {
            _ = term.recv() => Ok("SIGTERM"),
            _ = int.recv() => Ok("SIGINT"),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await.context("cannot watch Ctrl-C")?;
        Ok("Ctrl-C")
    }
}

/// `devsim serve`: start, print the table, serve until a signal, shut down gracefully.
pub async fn serve(cfg: Config) -> anyhow::Result<()> {
    let state = match &cfg.state {
        StateMode::Dir(d) => d.display().to_string(),
        StateMode::Ephemeral => "ephemeral (in memory)".to_owned(),
    };
    tracing::info!(config = %cfg.source, state = %state, devices = cfg.devices.len(), "starting");
    let running = start(&cfg)?;
    // Watch signals before announcing readiness, so a script that signals at once is heard.
    let sig = tokio::spawn(signal());
    let mut stdout = std::io::stdout().lock();
    // A closed stdout (e.g. piped into `head`) must not stop the simulators.
    let _ = stdout.write_all(table(&running.control_url, &running.devices).as_bytes());
    let _ = stdout.flush();
    drop(stdout);
    tracing::info!(control = %running.control_url, "ready");
    let which = sig.await.context("signal watcher failed")??;
    tracing::info!(signal = which, "shutting down");
    running.shutdown.cancel();
    for s in running.servers {
        s.wait().await;
    }
    for s in running.rtsp_servers {
        s.wait().await;
    }
    tracing::info!("stopped");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use devsim_core::Credential;

    #[test]
    fn table_lists_urls_and_credentials_per_device() {
        let d = DeviceInfo {
            id: "frc1".into(),
            kind: "fortirecorder".into(),
            profile: "doc-7.2.3".into(),
            serial: "S".into(),
            model: "M".into(),
            urls: BTreeMap::from([
                ("http".into(), "http://127.0.0.1:10080".into()),
                ("https".into(), "https://127.0.0.1:10443".into()),
            ]),
            credentials: vec![Credential {
                role: "admin".into(),
                username: "admin".into(),
                password: "pw".into(),
            }],
        };
        let t = table("http://127.0.0.1:9000", &[d]);
        let lines: Vec<_> = t.lines().collect();
        assert!(lines[0].contains("http://127.0.0.1:9000/__sim/devices"), "{t}");
        assert!(lines[1].starts_with("ID    KIND"), "{t}");
        assert!(lines[2].contains("http://127.0.0.1:10080  https://127.0.0.1:10443"), "{t}");
        assert!(lines[2].ends_with("admin/pw (admin)"), "{t}");
    }
}
