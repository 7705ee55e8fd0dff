//! The simulator over real sockets: HTTPS with a real HTTP client (reqwest, rustls), and the
//! restart lifecycle as a client sees it (connection refused, then answers again).

use std::sync::Arc;
use std::time::{Duration, Instant};

use devsim_core::serve::{serve_device, Listener, Server};
use devsim_core::{tls, Clock, DeviceConfig, DynDevice, Store};
use devsim_fortirecorder::{FortiRecorder, KIND, STATE_VERSION};
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

/// 2024-01-01 00:00:00Z.
const T0_MS: i64 = 1_704_067_200_000;

struct Running {
    clock: Clock,
    http: String,
    https: String,
    shutdown: CancellationToken,
    server: Server,
}

fn start() -> Running {
    let clock = Clock::manual(T0_MS);
    let cfg = DeviceConfig { id: "frc1".into(), seed: 7, ..DeviceConfig::default() };
    let dev = FortiRecorder::open(cfg, Store::ephemeral(KIND, STATE_VERSION), clock.clone()).expect("open");
    let pair = tls::self_signed(&[]).expect("certificate");
    let http = Listener::bind_http("127.0.0.1:0".parse().unwrap()).expect("bind http");
    let https = Listener::bind_https("127.0.0.1:0".parse().unwrap(), tls::server_config(&pair).unwrap())
        .expect("bind https");
    let (http_url, https_url) = (http.url(), https.url());
    let shutdown = CancellationToken::new();
    let router = dev.router();
    let server = serve_device(Arc::new(dev) as DynDevice, router, vec![http, https], shutdown.clone());
    Running { clock, http: http_url, https: https_url, shutdown, server }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .cookie_store(true)
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

async fn login(c: &reqwest::Client, base: &str) -> reqwest::Response {
    c.post(format!("{base}/api/v1/AdminLogin"))
        .header("Content-Type", "application/json")
        .body(r#"{"name":"admin","password":"admin"}"#)
        .send()
        .await
        .expect("login request")
}

#[tokio::test]
async fn https_client_logs_in_writes_and_reads_back() {
    let r = start();
    let c = client();
    let resp = login(&c, &r.https).await;
    assert_eq!(resp.status(), 200);
    let cookie = resp.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("APSCOOKIE="), "{cookie}");
    assert!(cookie.contains("; Secure"), "HTTPS login cookies are Secure: {cookie}");

    let status: Value =
        c.get(format!("{}/api/v1/CameraStatus", r.https)).send().await.unwrap().json().await.unwrap();
    assert_eq!(status["objectID"], "CameraStatusCollection:");
    assert_eq!(status["totalRemoteCount"], 4);

    let put = c
        .put(format!("{}/api/v1/CameraVideoProfile/2MP", r.https))
        .body(r#"{ "video_fps": 15 }"#)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200);
    let got: Value = c
        .get(format!("{}/api/v1/CameraVideoProfile/2MP", r.https))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got["video_fps"], 15);

    // The HTTP listener serves the same device, and its cookies are not Secure.
    let plain = client();
    let resp = login(&plain, &r.http).await;
    assert!(!resp.headers()["set-cookie"].to_str().unwrap().contains("Secure"));
    let got: Value = plain
        .get(format!("{}/api/v1/CameraVideoProfile/2MP", r.http))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got["video_fps"], 15);

    r.shutdown.cancel();
    r.server.wait().await;
}

#[tokio::test]
async fn refuses_requests_without_a_session_over_https() {
    let r = start();
    let resp = client().get(format!("{}/api/v1/SysGlobal", r.https)).send().await.unwrap();
    assert_eq!(resp.status(), 403);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body, json!({"errorType": 7, "errorMsg": "Failed: Access denied"}));
    r.shutdown.cancel();
    r.server.wait().await;
}

async fn wait_until<F: std::future::Future<Output = bool>>(what: &str, mut f: impl FnMut() -> F) {
    let t0 = Instant::now();
    while !f().await {
        assert!(t0.elapsed() < Duration::from_secs(15), "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn restart_refuses_connections_until_the_device_clock_passes_the_delay() {
    let r = start();
    let c = client();
    assert_eq!(login(&c, &r.http).await.status(), 200);
    let resp =
        c.post(format!("{}/api/v1/SysStatusCommand", r.http)).body(r#"{"action": 1}"#).send().await.unwrap();
    assert_eq!(resp.status(), 200, "the answer comes before the restart");

    let url = format!("{}/api/v1/SysGlobal", r.http);
    let fresh = || reqwest::Client::builder().timeout(Duration::from_secs(2)).build().unwrap();
    wait_until("the listener is closed", || {
        let (f, u) = (fresh(), url.clone());
        async move { f.get(&u).send().await.is_err_and(|e| e.is_connect()) }
    })
    .await;

    // The device clock is frozen: no real time brings it back, advancing the clock does.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(fresh().get(&url).send().await.is_err(), "still restarting");
    r.clock.advance_ms(21_000);
    wait_until("the device answers again", || {
        let (f, u) = (fresh(), url.clone());
        async move { f.get(&u).send().await.is_ok() }
    })
    .await;

    // Sessions did not survive the reboot; a new login works; the events are there.
    assert_eq!(c.get(&url).send().await.unwrap().status(), 403);
    assert_eq!(login(&c, &r.http).await.status(), 200);
    let from = chrono_like(T0_MS / 1000 - 60);
    let to = chrono_like(T0_MS / 1000 + 120);
    let events: Value = c
        .get(format!(
            "{}/api/v1/Timeline?device_name=System&start_time={from}&end_time={to}&evt_filter=1048576",
            r.http
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let subtypes: Vec<i64> =
        events["collection"].as_array().unwrap().iter().map(|e| e["subtype"].as_i64().unwrap()).collect();
    assert!(subtypes.contains(&4), "reboot event in {events}");
    assert!(subtypes.contains(&1), "startup event in {events}");

    r.shutdown.cancel();
    r.server.wait().await;
}

/// `YYYY-MM-DD-HH-MM-SS` in UTC (the seed's time zone).
fn chrono_like(secs: i64) -> String {
    devsim_fortirecorder::timeline::format_query_time(secs, 0)
}
