//! Socket tests: a tiny device on 127.0.0.1:0 over HTTP and HTTPS, power, faults, journal.

mod common;

use std::time::{Duration, Instant};

use common::{client, start, wait_listening};
use devsim_core::faults::Rule;
use devsim_core::Power;
use devsim_core::SimDevice;

#[tokio::test]
async fn answers_over_http_and_over_https_with_the_self_signed_certificate_trusted() {
    let r = start("t1");
    let c = client(&r.cert_pem);
    let a = c.get(format!("{}/hello", r.http)).send().await.unwrap();
    assert_eq!(a.status(), 200);
    assert_eq!(a.text().await.unwrap(), "hello from t1");
    let b = c.get(format!("{}/hello", r.https)).send().await.unwrap();
    assert_eq!(b.status(), 200);
    assert_eq!(b.text().await.unwrap(), "hello from t1");
    assert!(r.https.starts_with("https://127.0.0.1:"), "{}", r.https);
    r.shutdown.cancel();
    r.server.wait().await;
}

#[tokio::test]
async fn https_refuses_a_client_that_does_not_trust_the_certificate() {
    let r = start("t1");
    let c = reqwest::Client::builder().no_proxy().build().unwrap();
    let e = c.get(format!("{}/hello", r.https)).send().await.unwrap_err();
    assert!(e.is_connect() || e.is_request(), "{e:?}");
    r.shutdown.cancel();
}

#[tokio::test]
async fn power_off_refuses_connections_and_power_on_answers_again_on_the_same_port() {
    let r = start("t1");
    let c = client(&r.cert_pem);
    wait_listening(&r.server, true).await;
    r.device.runtime().set_power(Power::Off);
    wait_listening(&r.server, false).await;
    let e = c.get(format!("{}/hello", r.http)).send().await.unwrap_err();
    assert!(e.is_connect(), "expected connection refused, got {e:?}");
    let e = c.get(format!("{}/hello", r.https)).send().await.unwrap_err();
    assert!(e.is_connect(), "expected connection refused, got {e:?}");
    // A raw connect is refused too.
    assert!(tokio::net::TcpStream::connect(r.http_addr).await.is_err());

    r.device.runtime().set_power(Power::On);
    wait_listening(&r.server, true).await;
    let a = c.get(format!("{}/hello", r.http)).send().await.unwrap();
    assert_eq!(a.status(), 200);
    let b = c.get(format!("{}/hello", r.https)).send().await.unwrap();
    assert_eq!(b.status(), 200);
    r.shutdown.cancel();
    r.server.wait().await;
}

#[tokio::test]
async fn power_off_ends_open_keep_alive_connections() {
    let r = start("t1");
    let c = client(&r.cert_pem);
    // Establish a pooled keep-alive connection first.
    assert_eq!(c.get(format!("{}/hello", r.http)).send().await.unwrap().status(), 200);
    r.device.runtime().set_power(Power::Off);
    wait_listening(&r.server, false).await;
    assert!(c.get(format!("{}/hello", r.http)).send().await.is_err());
    r.shutdown.cancel();
}

#[tokio::test]
async fn forced_status_fault_answers_the_rule_body_and_the_journal_names_the_rule() {
    let r = start("t1");
    let c = client(&r.cert_pem);
    r.device
        .runtime()
        .faults
        .add(Rule {
            name: Some("busy".into()),
            path: "/hel*".into(),
            status: Some(503),
            body: Some(r#"{"error":"busy"}"#.into()),
            ..Default::default()
        })
        .unwrap();
    let a = c.get(format!("{}/hello", r.https)).send().await.unwrap();
    assert_eq!(a.status(), 503);
    assert_eq!(a.headers()["content-type"], "application/json");
    assert_eq!(a.text().await.unwrap(), r#"{"error":"busy"}"#);
    // Another path is not affected.
    assert_eq!(c.get(format!("{}/count", r.http)).send().await.unwrap().status(), 200);
    let j = r.device.runtime().journal.since(0, 10);
    assert_eq!(j.len(), 2);
    assert_eq!((j[0].status, j[0].fault.as_deref(), j[0].transport.as_str()), (503, Some("busy"), "https"));
    assert_eq!((j[1].status, j[1].fault.as_deref(), j[1].uri.as_str()), (200, None, "/count"));
    r.shutdown.cancel();
}

#[tokio::test]
async fn latency_fault_delays_the_answer_by_at_least_the_rule_latency() {
    let r = start("t1");
    let c = client(&r.cert_pem);
    r.device
        .runtime()
        .faults
        .add(Rule { path: "/hello".into(), latency_ms: Some(300), ..Default::default() })
        .unwrap();
    let t0 = Instant::now();
    let a = c.get(format!("{}/hello", r.http)).send().await.unwrap();
    assert_eq!(a.status(), 200);
    assert_eq!(a.text().await.unwrap(), "hello from t1");
    assert!(t0.elapsed() >= Duration::from_millis(300), "{:?}", t0.elapsed());
    r.shutdown.cancel();
}

#[tokio::test]
async fn drop_fault_closes_the_connection_without_an_answer() {
    let r = start("t1");
    let c = client(&r.cert_pem);
    r.device
        .runtime()
        .faults
        .add(Rule {
            name: Some("cut".into()),
            method: Some("GET".into()),
            drop: true,
            times: Some(2),
            ..Default::default()
        })
        .unwrap();
    for url in [&r.http, &r.https] {
        let e = c.get(format!("{url}/hello")).send().await.unwrap_err();
        assert!(!e.is_status() && e.status().is_none(), "{e:?}");
    }
    // The rule fired twice and is gone: the next request is answered.
    assert_eq!(c.get(format!("{}/hello", r.http)).send().await.unwrap().status(), 200);
    let j = r.device.runtime().journal.since(0, 10);
    assert_eq!(j.iter().map(|e| e.status).collect::<Vec<_>>(), [0, 0, 200]);
    assert_eq!(j[0].fault.as_deref(), Some("cut"));
    r.shutdown.cancel();
}

#[tokio::test]
async fn drop_fault_sends_no_byte_on_a_raw_connection() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let r = start("t1");
    r.device.runtime().faults.add(Rule { drop: true, ..Default::default() }).unwrap();
    let mut s = tokio::net::TcpStream::connect(r.http_addr).await.unwrap();
    s.write_all(b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut buf = Vec::new();
    // EOF or reset, but never an HTTP answer.
    let _ = tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut buf)).await.expect("closed");
    assert!(buf.is_empty(), "got {:?}", String::from_utf8_lossy(&buf));
    r.shutdown.cancel();
}

#[tokio::test]
async fn sim_routes_on_the_device_port_are_never_faulted_nor_journaled() {
    let r = start("t1");
    let c = client(&r.cert_pem);
    r.device.runtime().faults.add(Rule { status: Some(500), ..Default::default() }).unwrap();
    let a = c.get(format!("{}/__sim/health", r.http)).send().await.unwrap();
    assert_eq!(a.status(), 200);
    let h: serde_json::Value = a.json().await.unwrap();
    assert_eq!(h["id"], "t1");
    assert_eq!(h["power"], "on");
    assert_eq!(c.get(format!("{}/hello", r.http)).send().await.unwrap().status(), 500);
    let j: serde_json::Value =
        c.get(format!("{}/__sim/journal", r.https)).send().await.unwrap().json().await.unwrap();
    let entries = j["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{j}");
    assert_eq!(entries[0]["uri"], "/hello");
    r.shutdown.cancel();
}

#[tokio::test]
async fn journal_records_method_uri_and_status_in_order() {
    let r = start("t1");
    let c = client(&r.cert_pem);
    c.get(format!("{}/hello?x=1", r.http)).send().await.unwrap();
    c.post(format!("{}/echo", r.http)).body("abc").send().await.unwrap();
    c.get(format!("{}/missing", r.https)).send().await.unwrap();
    let j = r.device.runtime().journal.since(0, 10);
    let got: Vec<_> = j.iter().map(|e| (e.seq, e.method.as_str(), e.uri.as_str(), e.status)).collect();
    assert_eq!(got, [(1, "GET", "/hello?x=1", 200), (2, "POST", "/echo", 200), (3, "GET", "/missing", 404)]);
    assert_eq!(j[0].at_ms, 1_700_000_000_000);
    r.shutdown.cancel();
}

#[tokio::test]
async fn device_body_over_the_limit_is_refused() {
    let r = start("t1");
    let c = client(&r.cert_pem);
    let ok = c.post(format!("{}/echo", r.http)).body(vec![b'a'; 1024]).send().await.unwrap();
    assert_eq!(ok.status(), 200);
    let big = vec![b'a'; devsim_core::http::DEVICE_BODY_LIMIT + 1];
    let res = c.post(format!("{}/echo", r.http)).body(big).send().await.unwrap();
    assert_eq!(res.status(), 413);
    r.shutdown.cancel();
}

#[tokio::test]
async fn shutdown_closes_the_listeners_and_ends_the_server() {
    let r = start("t1");
    let c = client(&r.cert_pem);
    assert_eq!(c.get(format!("{}/hello", r.http)).send().await.unwrap().status(), 200);
    r.shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(10), r.server.wait()).await.expect("server ended");
    assert!(tokio::net::TcpStream::connect(r.http_addr).await.is_err());
}

#[tokio::test]
async fn a_port_can_be_bound_again_right_after_shutdown() {
    let r = start("t1");
    let addr = r.http_addr;
    r.shutdown.cancel();
    r.server.wait().await;
    let again = devsim_core::serve::Listener::bind_http(addr).unwrap();
    assert_eq!(again.local_addr(), addr);
}

#[test]
fn binding_a_taken_port_is_an_error_naming_the_address() {
    let first = devsim_core::serve::Listener::bind_http("127.0.0.1:0".parse().unwrap()).unwrap();
    let std_l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = std_l.local_addr().unwrap();
    let e = devsim_core::serve::Listener::bind_http(taken).unwrap_err();
    assert!(e.message.contains(&taken.to_string()), "{e}");
    drop(first);
}

#[test]
fn url_reports_loopback_for_unspecified_addresses() {
    use devsim_core::serve::url_for;
    assert_eq!(url_for("http", "0.0.0.0:80".parse().unwrap()), "http://127.0.0.1:80");
    assert_eq!(url_for("https", "[::]:443".parse().unwrap()), "https://[::1]:443");
    assert_eq!(url_for("http", "10.1.2.3:8080".parse().unwrap()), "http://10.1.2.3:8080");
}

#[tokio::test]
async fn drop_fault_without_a_listener_answers_a_body_that_fails_before_any_byte() {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let device = common::TestDevice::new("o1", devsim_core::Clock::manual(0));
    device.runtime().faults.add(Rule { drop: true, ..Default::default() }).unwrap();
    let dyn_dev: devsim_core::DynDevice = device.clone();
    let app = devsim_core::http::device_app(dyn_dev, "http", device.router());
    let req = http::Request::builder().uri("/hello").body(axum::body::Body::empty()).unwrap();
    let res = app.oneshot(req).await.unwrap();
    let mut body = res.into_body();
    let first = body.frame().await.expect("a frame or an error");
    assert!(first.is_err(), "the body must fail before its first byte");
    assert_eq!(device.runtime().journal.since(0, 1)[0].status, 0);
}
