//! The configuration: a TOML file (or the embedded default) plus command-line overrides,
//! validated into a [`Config`] before anything is bound or opened.
//!
//! Every key is documented with its default in `example-config.toml` (`devsim config-example`).

use std::collections::BTreeSet;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context};
use serde::Deserialize;

use crate::kinds;

/// The embedded default configuration (one device of every kind).
pub const DEFAULT_CONFIG: &str = include_str!("../default-config.toml");
/// The documented example configuration (every key with its default).
pub const EXAMPLE_CONFIG: &str = include_str!("../example-config.toml");
/// Where the control API listens unless configured.
pub const DEFAULT_CONTROL_ADDR: &str = "127.0.0.1:9000";
/// Where state lives unless configured (relative to the current directory).
pub const DEFAULT_STATE_DIR: &str = "./devsim-state";

/// The file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub control_addr: Option<SocketAddr>,
    pub state_dir: Option<PathBuf>,
    #[serde(default)]
    pub tls_hosts: Vec<String>,
    #[serde(default, rename = "device")]
    pub devices: Vec<DeviceEntry>,
}

/// One `[[device]]` table as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceEntry {
    pub kind: String,
    pub id: String,
    pub http: Option<SocketAddr>,
    pub https: Option<SocketAddr>,
    pub rtsp: Option<SocketAddr>,
    pub profile: Option<String>,
    pub serial: Option<String>,
    pub model: Option<String>,
    pub seed: Option<u64>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    #[serde(default)]
    pub options: toml::Table,
}

/// The command-line overrides (already parsed by clap).
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub config: Option<PathBuf>,
    pub state_dir: Option<PathBuf>,
    pub ephemeral: bool,
    pub control_addr: Option<SocketAddr>,
    pub bind: Option<IpAddr>,
}

/// Where state is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateMode {
    Dir(PathBuf),
    Ephemeral,
}

/// A validated configuration, ready to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the configuration came from (a path, or `embedded default`), for messages.
    pub source: String,
    pub control_addr: SocketAddr,
    pub state: StateMode,
    pub tls_hosts: Vec<String>,
    pub devices: Vec<DeviceSpec>,
}

/// One validated device.
#[derive(Debug, Clone)]
pub struct DeviceSpec {
    pub kind: String,
    pub id: String,
    pub http: Option<SocketAddr>,
    pub https: Option<SocketAddr>,
    /// RTSP listener (kinds that serve RTSP only, see [`kinds::serves_rtsp`]).
    pub rtsp: Option<SocketAddr>,
    pub profile: Option<String>,
    pub serial: Option<String>,
    pub model: Option<String>,
    pub seed: u64,
    /// User-supplied certificate and key (absolute paths).
    pub tls: Option<(PathBuf, PathBuf)>,
    pub options: serde_json::Value,
}

/// Parse TOML text; `source` names it in errors.
pub fn parse(text: &str, source: &str) -> anyhow::Result<FileConfig> {
    toml::from_str(text).map_err(|e| anyhow!("{source}: {}", e.to_string().trim_end()))
}

/// Read and validate the configuration named by `ov` (or the embedded default).
pub fn load(ov: &Overrides) -> anyhow::Result<Config> {
    match &ov.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read config file {}", path.display()))?;
            let source = path.display().to_string();
            let file = parse(&text, &source)?;
            let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
            validate(file, &source, &base, ov)
        }
        None => validate(
            parse(DEFAULT_CONFIG, "embedded default config")?,
            "embedded default config",
            Path::new(""),
            ov,
        ),
    }
}

fn resolve(base: &Path, p: &Path) -> PathBuf {
    if p.is_absolute() || base.as_os_str().is_empty() {
        p.to_path_buf()
    } else {
        base.join(p)
    }
}

/// A stable seed derived from the device id (FNV-1a), used when `seed` is not set.
pub fn seed_from_id(id: &str) -> u64 {
    id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// Check `file` and apply the overrides. Relative paths in a file are relative to `base` (the
/// file's directory).
pub fn validate(file: FileConfig, source: &str, base: &Path, ov: &Overrides) -> anyhow::Result<Config> {
    let control_addr = match (ov.control_addr, file.control_addr) {
        (Some(a), _) | (None, Some(a)) => a,
        (None, None) => DEFAULT_CONTROL_ADDR.parse().expect("valid default address"),
    };
    let state = if ov.ephemeral {
        StateMode::Ephemeral
    } else if let Some(d) = &ov.state_dir {
        StateMode::Dir(d.clone())
    } else if let Some(d) = &file.state_dir {
        StateMode::Dir(resolve(base, d))
    } else {
        StateMode::Dir(PathBuf::from(DEFAULT_STATE_DIR))
    };
    if file.devices.is_empty() {
        bail!("{source}: no [[device]] is declared; add one (see `devsim config-example`)");
    }
    let mut ids = BTreeSet::new();
    let mut devices = Vec::with_capacity(file.devices.len());
    for d in file.devices {
        let at = format!("{source}: device {:?}", d.id);
        if !devsim_core::control::valid_device_id(&d.id) {
            bail!("{at}: the id must be 1 to 64 of A-Z a-z 0-9 . _ - and not start with '.'");
        }
        if !ids.insert(d.id.clone()) {
            bail!("{source}: the device id {:?} is used twice", d.id);
        }
        if kinds::find(&d.kind).is_none() {
            bail!("{at}: unknown kind {:?}; known kinds: {}", d.kind, kinds::names().join(", "));
        }
        if d.rtsp.is_some() && !kinds::serves_rtsp(&d.kind) {
            bail!("{at}: kind {:?} does not serve RTSP; remove the rtsp key", d.kind);
        }
        let bind =
            |a: Option<SocketAddr>| a.map(|a| ov.bind.map(|ip| SocketAddr::new(ip, a.port())).unwrap_or(a));
        let (http, https, rtsp) = (bind(d.http), bind(d.https), bind(d.rtsp));
        if http.is_none() && https.is_none() {
            bail!("{at}: give an http or an https address (or both)");
        }
        let tls = match (d.tls_cert, d.tls_key) {
            (None, None) => None,
            (Some(c), Some(k)) => {
                if https.is_none() {
                    bail!("{at}: tls_cert and tls_key are set but there is no https address");
                }
                Some((resolve(base, &c), resolve(base, &k)))
            }
            _ => bail!("{at}: tls_cert and tls_key go together; give both or neither"),
        };
        let options = serde_json::to_value(&d.options).with_context(|| format!("{at}: options"))?;
        devices.push(DeviceSpec {
            seed: d.seed.unwrap_or_else(|| seed_from_id(&d.id)),
            kind: d.kind,
            id: d.id,
            http,
            https,
            rtsp,
            profile: d.profile,
            serial: d.serial,
            model: d.model,
            tls,
            options,
        });
    }
    check_ports(source, control_addr, &devices)?;
    Ok(Config { source: source.to_owned(), control_addr, state, tls_hosts: file.tls_hosts, devices })
}

/// Two listeners on one port clash when their IPs are equal or one is unspecified (port 0 never
/// clashes: the system picks a free port).
fn check_ports(source: &str, control: SocketAddr, devices: &[DeviceSpec]) -> anyhow::Result<()> {
    let mut all: Vec<(String, SocketAddr)> = vec![("the control API".to_owned(), control)];
    for d in devices {
        for (what, a) in [("http", d.http), ("https", d.https), ("rtsp", d.rtsp)] {
            if let Some(a) = a {
                all.push((format!("device {:?} {what}", d.id), a));
            }
        }
    }
    for (i, (wa, a)) in all.iter().enumerate() {
        for (wb, b) in &all[i + 1..] {
            let same_ip = a.ip() == b.ip() || a.ip().is_unspecified() || b.ip().is_unspecified();
            if a.port() != 0 && a.port() == b.port() && same_ip && a.is_ipv4() == b.is_ipv4() {
                bail!("{source}: {wa} and {wb} both use port {} ({a} and {b})", a.port());
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> anyhow::Result<Config> {
        validate(parse(text, "test.toml")?, "test.toml", Path::new("/etc/devsim"), &Overrides::default())
    }

    #[test]
    fn embedded_default_and_example_configs_are_valid() {
        let d = load(&Overrides::default()).unwrap();
        assert_eq!(d.devices.len(), kinds::names().len());
        assert_eq!(d.devices[0].id, "frc1");
        assert_eq!(d.devices[0].http, Some("127.0.0.1:10080".parse().unwrap()));
        assert_eq!(d.control_addr, "127.0.0.1:9000".parse().unwrap());
        assert_eq!(d.state, StateMode::Dir(PathBuf::from("./devsim-state")));
        let e = check(EXAMPLE_CONFIG).unwrap();
        assert!(!e.devices.is_empty());
    }

    #[test]
    fn unknown_keys_are_named_with_the_file() {
        let e =
            check("colour = 1\n[[device]]\nkind='fortirecorder'\nid='a'\nhttp='127.0.0.1:0'\n").unwrap_err();
        assert!(e.to_string().contains("test.toml") && e.to_string().contains("colour"), "{e}");
        let e = check("[[device]]\nkind='fortirecorder'\nid='a'\nhttp='127.0.0.1:0'\nport=1\n").unwrap_err();
        assert!(e.to_string().contains("port"), "{e}");
    }

    #[test]
    fn duplicate_ids_and_ports_are_refused() {
        let dev = |id: &str, port: u16| {
            format!("[[device]]\nkind='fortirecorder'\nid='{id}'\nhttp='127.0.0.1:{port}'\n")
        };
        let e = check(&(dev("a", 0) + &dev("a", 0))).unwrap_err();
        assert!(e.to_string().contains("used twice"), "{e}");
        let e = check(&(dev("a", 12000) + &dev("b", 12000))).unwrap_err();
        assert!(e.to_string().contains("port 12000"), "{e}");
        let e = check(&dev("a", 9000)).unwrap_err();
        assert!(e.to_string().contains("control API"), "{e}");
        check(&(dev("a", 0) + &dev("b", 0))).unwrap();
    }

    #[test]
    fn unknown_kind_lists_the_known_kinds() {
        let e = check("[[device]]\nkind='toaster'\nid='a'\nhttp='127.0.0.1:0'\n").unwrap_err();
        assert!(e.to_string().contains("toaster") && e.to_string().contains("fortirecorder"), "{e}");
    }

    #[test]
    fn bad_device_entries_are_refused() {
        for (text, needle) in [
            ("[[device]]\nkind='fortirecorder'\nid='a'\n", "http or an https"),
            ("[[device]]\nkind='fortirecorder'\nid='a/b'\nhttp='127.0.0.1:0'\n", "id must be"),
            ("[[device]]\nkind='fortirecorder'\nid='a'\nhttp='nowhere'\n", "http"),
            ("[[device]]\nkind='fortirecorder'\nid='a'\nhttps='127.0.0.1:0'\ntls_cert='c.pem'\n", "together"),
            ("control_addr = '127.0.0.1:9000'\n", "no [[device]]"),
        ] {
            let e = check(text).unwrap_err();
            assert!(e.to_string().contains(needle), "{text}: {e}");
        }
    }

    #[test]
    fn overrides_win_and_paths_resolve_against_the_file() {
        let text = "state_dir='state'\n[[device]]\nkind='fortirecorder'\nid='a'\nhttps='127.0.0.1:10443'\n\
                    tls_cert='c.pem'\ntls_key='/abs/k.pem'\nseed=7\n[device.options]\ncameras=3\n";
        let c = check(text).unwrap();
        assert_eq!(c.state, StateMode::Dir(PathBuf::from("/etc/devsim/state")));
        let d = &c.devices[0];
        assert_eq!(d.tls, Some((PathBuf::from("/etc/devsim/c.pem"), PathBuf::from("/abs/k.pem"))));
        assert_eq!((d.seed, &d.options), (7, &serde_json::json!({"cameras": 3})));
        let ov = Overrides {
            ephemeral: true,
            bind: Some("0.0.0.0".parse().unwrap()),
            control_addr: Some("127.0.0.1:9100".parse().unwrap()),
            ..Default::default()
        };
        let c = validate(parse(text, "t").unwrap(), "t", Path::new(""), &ov).unwrap();
        assert_eq!(c.state, StateMode::Ephemeral);
        assert_eq!(c.devices[0].https, Some("0.0.0.0:10443".parse().unwrap()));
        assert_eq!(c.control_addr.port(), 9100);
    }

    #[test]
    fn fortirecorder_takes_an_rtsp_address_that_must_not_clash() {
        let c =
            check("[[device]]\nkind='fortirecorder'\nid='a'\nhttp='127.0.0.1:0'\nrtsp='127.0.0.1:8554'\n")
                .unwrap();
        assert_eq!(c.devices[0].rtsp, Some("127.0.0.1:8554".parse().unwrap()));
        let e =
            check("[[device]]\nkind='fortirecorder'\nid='a'\nhttp='127.0.0.1:8554'\nrtsp='127.0.0.1:8554'\n")
                .unwrap_err();
        assert!(e.to_string().contains("rtsp") && e.to_string().contains("8554"), "{e}");
    }

    #[test]
    fn default_seed_is_stable_per_id() {
        assert_eq!(seed_from_id("frc1"), seed_from_id("frc1"));
        assert_ne!(seed_from_id("frc1"), seed_from_id("frc2"));
    }
}
