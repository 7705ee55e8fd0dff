//! A tiny device for the socket and control tests: a counter, a list of injected events, and
//! three routes (`GET /hello`, `POST /echo`, `GET /count`).

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::routing::{get, post};
use axum::Router;
use devsim_core::serve::{serve_device, Listener, Server};
use devsim_core::{Clock, Credential, DeviceInfo, DynDevice, Error, Power, Result, Runtime, SimDevice};
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

pub struct TestDevice {
    id: String,
    urls: Mutex<BTreeMap<String, String>>,
    runtime: Runtime,
    state: Mutex<Value>,
}

impl TestDevice {
    pub fn new(id: &str, clock: Clock) -> Arc<Self> {
        Arc::new(TestDevice {
            id: id.to_owned(),
            urls: Mutex::new(BTreeMap::new()),
            runtime: Runtime::new(clock),
            state: Mutex::new(seed()),
        })
    }

    pub fn set_urls(&self, urls: BTreeMap<String, String>) {
        *self.urls.lock().unwrap() = urls;
    }

    pub fn router(self: &Arc<Self>) -> Router {
        Router::new()
            .route(
                "/hello",
                get(|State(d): State<Arc<TestDevice>>| async move { format!("hello from {}", d.id) }),
            )
            .route("/echo", post(|body: Bytes| async move { body }))
            .route(
                "/count",
                get(|State(d): State<Arc<TestDevice>>| async move {
                    let mut s = d.state.lock().unwrap();
                    let n = s["counter"].as_u64().unwrap_or(0) + 1;
                    s["counter"] = json!(n);
                    n.to_string()
                }),
            )
            .with_state(self.clone())
    }
}

fn seed() -> Value {
    json!({"counter": 0, "events": []})
}

impl SimDevice for TestDevice {
    fn info(&self) -> DeviceInfo {
        DeviceInfo {
            id: self.id.clone(),
            kind: "test".into(),
            profile: "doc".into(),
            serial: "TST0001".into(),
            model: "Test-1".into(),
            urls: self.urls.lock().unwrap().clone(),
            credentials: vec![Credential {
                role: "admin".into(),
                username: "admin".into(),
                password: "pw".into(),
            }],
        }
    }

    fn runtime(&self) -> &Runtime {
        &self.runtime
    }

    fn health(&self) -> Value {
        json!({"counter": self.state.lock().unwrap()["counter"]})
    }

    fn reset(&self) -> Result<()> {
        *self.state.lock().unwrap() = seed();
        Ok(())
    }

    fn load_seed(&self, seed: Value) -> Result<()> {
        let Some(counter) = seed.get("counter").and_then(Value::as_u64) else {
            return Err(Error::invalid("seed needs a numeric \"counter\""));
        };
        *self.state.lock().unwrap() = json!({"counter": counter, "events": []});
        Ok(())
    }

    fn dump_state(&self) -> Value {
        self.state.lock().unwrap().clone()
    }

    fn inject_event(&self, event: Value) -> Result<Value> {
        if !event.is_object() {
            return Err(Error::invalid("an event is a JSON object"));
        }
        let mut s = self.state.lock().unwrap();
        let events = s["events"].as_array_mut().expect("events array");
        events.push(event);
        Ok(json!({"accepted": true, "count": events.len()}))
    }

    fn action(&self, name: &str, _body: Value) -> Result<Value> {
        match name {
            "power-off" => self.runtime.set_power(Power::Off),
            "power-on" => self.runtime.set_power(Power::On),
            _ => return Err(Error::not_found(format!("no action {name:?}"))),
        }
        Ok(json!({"power": self.runtime.power()}))
    }
}

/// A test device served on 127.0.0.1:0 over HTTP and HTTPS with an ephemeral certificate.
pub struct Running {
    pub device: Arc<TestDevice>,
    pub server: Server,
    pub shutdown: CancellationToken,
    pub http: String,
    pub https: String,
    pub http_addr: SocketAddr,
    pub cert_pem: String,
}

pub fn start(id: &str) -> Running {
    let pair = devsim_core::tls::self_signed(&[]).unwrap();
    let tls = devsim_core::tls::server_config(&pair).unwrap();
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let l_http = Listener::bind_http(any).unwrap();
    let l_https = Listener::bind_https(any, tls).unwrap();
    let (http, https, http_addr) = (l_http.url(), l_https.url(), l_http.local_addr());
    let device = TestDevice::new(id, Clock::manual(1_700_000_000_000));
    device.set_urls(BTreeMap::from([("http".into(), http.clone()), ("https".into(), https.clone())]));
    let shutdown = CancellationToken::new();
    let dyn_dev: DynDevice = device.clone();
    let server = serve_device(dyn_dev, device.router(), vec![l_http, l_https], shutdown.clone());
    Running { device, server, shutdown, http, https, http_addr, cert_pem: pair.cert_pem }
}

/// A client that trusts `cert_pem` (and only the system roots besides).
pub fn client(cert_pem: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(cert_pem.as_bytes()).unwrap())
        .no_proxy()
        .build()
        .unwrap()
}

/// Wait until the server's listening flag equals `want`.
pub async fn wait_listening(server: &Server, want: bool) {
    let mut rx = server.listening();
    tokio::time::timeout(std::time::Duration::from_secs(10), rx.wait_for(|v| *v == want))
        .await
        .expect("listener state changed in time")
        .expect("server alive");
}
