//! The real Python clients `fortiosapi` and `fortigate-api` (PyPI) against the simulator on
//! real sockets (HTTP and HTTPS): log in, create, read, update and delete a firewall address,
//! log out. The scripts are in `tests/python/`; they run with the venv `target/pyenv`, which
//! `scripts/lib/deps.sh` (`ensure_python_clients`) creates, and this test creates too when it is
//! missing (`python3 -m venv` + `pip install fortigate-api fortiosapi six`: fortiosapi 1.0.5
//! imports `six` without declaring it).

use std::path::PathBuf;
use std::sync::Arc;

use devsim_core::serve::{serve_device, Listener};
use devsim_core::{tls, Clock, DeviceConfig, DynDevice, Store};
use devsim_fortios::{FortiGate, KIND, STATE_VERSION};
use serde_json::json;
use tokio::process::Command;
use tokio_util::sync::CancellationToken;

const PASSWORD: &str = "py-secret";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The venv's python, made (once, whatever the number of tests asking) when missing.
async fn python() -> PathBuf {
    static VENV: tokio::sync::OnceCell<PathBuf> = tokio::sync::OnceCell::const_new();
    VENV.get_or_init(make_python).await.clone()
}

async fn make_python() -> PathBuf {
    let venv = root().join("target/pyenv");
    let py = venv.join("bin/python3");
    let ready = |py: &PathBuf| {
        let py = py.clone();
        async move {
            Command::new(&py)
                .args(["-c", "import fortiosapi, fortigate_api"])
                .status()
                .await
                .is_ok_and(|s| s.success())
        }
    };
    if ready(&py).await {
        return py;
    }
    let made = Command::new("python3").arg("-m").arg("venv").arg(&venv).status().await;
    assert!(
        made.is_ok_and(|s| s.success()),
        "python3 -m venv {} failed (is python3-venv installed?)",
        venv.display()
    );
    let pip = Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet", "fortigate-api==2.0.8", "fortiosapi==1.0.5", "six==1.17.0"])
        .status()
        .await;
    assert!(pip.is_ok_and(|s| s.success()), "pip install fortigate-api fortiosapi six failed");
    assert!(ready(&py).await, "the venv cannot import fortiosapi and fortigate_api");
    py
}

/// Run a script. `ca` is the simulator's certificate: requests lets `REQUESTS_CA_BUNDLE` /
/// `CURL_CA_BUNDLE` override a session's `verify=False`, so the clients verify the device's
/// self-signed certificate against itself (it names 127.0.0.1).
async fn run(py: &PathBuf, ca: &std::path::Path, script: &str, args: &[String]) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python").join(script);
    let out = Command::new(py)
        .arg(&path)
        .args(args)
        .env("REQUESTS_CA_BUNDLE", ca)
        .env("CURL_CA_BUNDLE", ca)
        .output()
        .await
        .expect("run python");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{script} {args:?} failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains(": ok"), "{script}: {stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fortiosapi_and_fortigate_api_log_in_and_manage_an_address() {
    let py = python().await;
    let cfg = DeviceConfig {
        id: "fgt1".into(),
        options: json!({"admin_password": PASSWORD}),
        ..DeviceConfig::default()
    };
    let dev = FortiGate::open(cfg, Store::ephemeral(KIND, STATE_VERSION), Clock::system()).expect("open");
    let pair = tls::self_signed(&[]).expect("certificate");
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("fgt1.pem");
    std::fs::write(&ca, &pair.cert_pem).unwrap();
    let http = Listener::bind_http("127.0.0.1:0".parse().unwrap()).unwrap();
    let https =
        Listener::bind_https("127.0.0.1:0".parse().unwrap(), tls::server_config(&pair).unwrap()).unwrap();
    let (http_port, https_port) = (http.local_addr().port(), https.local_addr().port());
    let shutdown = CancellationToken::new();
    let router = dev.router();
    let server = serve_device(Arc::new(dev) as DynDevice, router, vec![http, https], shutdown.clone());

    let pw = PASSWORD.to_string();
    run(&py, &ca, "fortiosapi_crud.py", &[format!("127.0.0.1:{https_port}"), "https".into(), pw.clone()])
        .await;
    run(&py, &ca, "fortiosapi_crud.py", &[format!("127.0.0.1:{http_port}"), "http".into(), pw.clone()]).await;
    run(
        &py,
        &ca,
        "fortigate_api_crud.py",
        &["127.0.0.1".into(), https_port.to_string(), "https".into(), pw.clone()],
    )
    .await;
    run(&py, &ca, "fortigate_api_crud.py", &["127.0.0.1".into(), http_port.to_string(), "http".into(), pw])
        .await;

    shutdown.cancel();
    server.wait().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fortigate_api_authenticates_with_an_api_token_on_later_firmware() {
    let py = python().await;
    let key = "devsimApiKey0123456789abcdefgh";
    let cfg = DeviceConfig {
        id: "fgt2".into(),
        profile: Some("later".into()),
        options: json!({"api_key": key}),
        ..DeviceConfig::default()
    };
    let dev = FortiGate::open(cfg, Store::ephemeral(KIND, STATE_VERSION), Clock::system()).expect("open");
    let pair = tls::self_signed(&[]).expect("certificate");
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("fgt2.pem");
    std::fs::write(&ca, &pair.cert_pem).unwrap();
    let https =
        Listener::bind_https("127.0.0.1:0".parse().unwrap(), tls::server_config(&pair).unwrap()).unwrap();
    let port = https.local_addr().port();
    let shutdown = CancellationToken::new();
    let router = dev.router();
    let server = serve_device(Arc::new(dev) as DynDevice, router, vec![https], shutdown.clone());
    let args = ["127.0.0.1".to_string(), port.to_string(), "https".into(), format!("token:{key}")];
    run(&py, &ca, "fortigate_api_crud.py", &args).await;
    shutdown.cancel();
    server.wait().await;
}
