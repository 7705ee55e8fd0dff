//! The simulator over real sockets: a real HTTP client (reqwest, rustls) logs in over HTTPS,
//! keeps the cookie jar, sends the CSRF header, writes and reads back; cookies are `secure`.

use std::sync::Arc;
use std::time::Duration;

use devsim_core::serve::{serve_device, Listener, Server};
use devsim_core::{tls, Clock, DeviceConfig, DynDevice, Store};
use devsim_fortios::{FortiGate, KIND, STATE_VERSION};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

struct Running {
    http: String,
    https: String,
    shutdown: CancellationToken,
    server: Server,
}

fn start() -> Running {
    let clock = Clock::manual(1_513_174_867_000);
    let cfg = DeviceConfig { id: "fgt1".into(), seed: 7, ..DeviceConfig::default() };
    let dev = FortiGate::open(cfg, Store::ephemeral(KIND, STATE_VERSION), clock).expect("open");
    let pair = tls::self_signed(&[]).expect("certificate");
    let http = Listener::bind_http("127.0.0.1:0".parse().unwrap()).expect("bind http");
    let https = Listener::bind_https("127.0.0.1:0".parse().unwrap(), tls::server_config(&pair).unwrap())
        .expect("bind https");
    let (http_url, https_url) = (http.url(), https.url());
    let shutdown = CancellationToken::new();
    let router = dev.router();
    let server = serve_device(Arc::new(dev) as DynDevice, router, vec![http, https], shutdown.clone());
    Running { http: http_url, https: https_url, shutdown, server }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .cookie_store(true)
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

async fn login(c: &reqwest::Client, base: &str) -> (Vec<String>, String) {
    let resp = c
        .post(format!("{base}/logincheck"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("username=admin&secretkey=&ajax=1")
        .send()
        .await
        .expect("login");
    assert_eq!(resp.status(), 200);
    let cookies: Vec<String> =
        resp.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect();
    let text = resp.text().await.unwrap();
    assert!(text.starts_with('1'), "{text}");
    let csrf = cookies
        .iter()
        .find_map(|c| c.strip_prefix("ccsrftoken=\""))
        .and_then(|c| c.split('"').next())
        .expect("ccsrftoken")
        .to_owned();
    (cookies, csrf)
}

#[tokio::test]
async fn https_client_logs_in_creates_reads_and_deletes_an_address() {
    let r = start();
    let c = client();
    let (cookies, csrf) = login(&c, &r.https).await;
    let aps = cookies.iter().find(|c| c.starts_with("APSCOOKIE_")).expect("APSCOOKIE_");
    assert!(aps.contains("; Secure"), "HTTPS session cookies are secure: {aps}");

    let url = format!("{}/api/v2/cmdb/firewall/address", r.https);
    let no_csrf = c.post(&url).body(r#"{"name":"sock1"}"#).send().await.unwrap();
    assert_eq!(no_csrf.status(), 403);
    let created = c
        .post(&url)
        .header("X-CSRFTOKEN", &csrf)
        .body(r#"{"name":"sock1","subnet":"10.1.0.0/16"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 200);
    let got: Value = c.get(format!("{url}/sock1")).send().await.unwrap().json().await.unwrap();
    assert_eq!(got["results"][0]["subnet"], "10.1.0.0 255.255.0.0");
    let del = c.delete(format!("{url}/sock1")).header("X-CSRFTOKEN", &csrf).send().await.unwrap();
    assert_eq!(del.status(), 200);
    assert_eq!(c.get(format!("{url}/sock1")).send().await.unwrap().status(), 404);

    let out = c.post(format!("{}/logout", r.https)).send().await.unwrap();
    assert_eq!(out.status(), 200);
    assert_eq!(c.get(&url).send().await.unwrap().status(), 401);
    r.shutdown.cancel();
    r.server.wait().await;
}

#[tokio::test]
async fn plain_http_listener_serves_the_same_device_without_secure_cookies() {
    let r = start();
    let c = client();
    let (cookies, _) = login(&c, &r.http).await;
    assert!(cookies.iter().all(|c| !c.contains("Secure")), "{cookies:?}");
    let got: Value =
        c.get(format!("{}/api/v2/cmdb/system/global", r.http)).send().await.unwrap().json().await.unwrap();
    assert_eq!(got["results"]["hostname"], "FGT60D4617000001");
    r.shutdown.cancel();
    r.server.wait().await;
}
