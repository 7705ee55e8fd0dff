//! The control API: routes of the control listener (router tests) and over a socket.

mod common;

use std::sync::Arc;

use axum::body::Body;
use axum::Router;
use common::{start, TestDevice};
use devsim_core::control::{control_router, Fleet};
use devsim_core::{Clock, DynDevice, SimDevice};
use http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

fn fleet() -> (Router, Arc<TestDevice>, Arc<TestDevice>) {
    let a = TestDevice::new("a1", Clock::manual(1_700_000_000_000));
    let b = TestDevice::new("b2", Clock::manual(0));
    let devices: Vec<DynDevice> = vec![a.clone(), b.clone()];
    (control_router(Fleet::new(devices).unwrap()), a, b)
}

async fn call(app: &Router, method: Method, uri: &str, body: Option<&str>) -> (StatusCode, Value) {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .body(body.map(|b| Body::from(b.to_owned())).unwrap_or_else(Body::empty))
        .unwrap();
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    let v = if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).unwrap() };
    (status, v)
}

#[tokio::test]
async fn lists_every_device_with_identity_urls_and_credentials() {
    let (app, _, _) = fleet();
    let (s, v) = call(&app, Method::GET, "/__sim/devices", None).await;
    assert_eq!(s, 200);
    let list = v.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["id"], "a1");
    assert_eq!(list[0]["kind"], "test");
    assert_eq!(list[0]["serial"], "TST0001");
    assert_eq!(list[0]["credentials"][0]["username"], "admin");
    assert_eq!(list[1]["id"], "b2");
}

#[tokio::test]
async fn clock_can_be_read_set_advanced_frozen_and_resumed() {
    let (app, a, b) = fleet();
    let (s, v) = call(&app, Method::GET, "/__sim/devices/a1/clock", None).await;
    assert_eq!(s, 200);
    assert_eq!(v, json!({"now_ms": 1_700_000_000_000i64, "now": "2023-11-14T22:13:20.000Z", "frozen": true}));

    let (s, v) =
        call(&app, Method::POST, "/__sim/devices/a1/clock/advance", Some(r#"{"seconds": 1.5}"#)).await;
    assert_eq!((s, &v["now_ms"]), (StatusCode::OK, &json!(1_700_000_001_500i64)));
    let (_, v) = call(&app, Method::POST, "/__sim/devices/a1/clock/advance", Some(r#"{"ms": 500}"#)).await;
    assert_eq!(v["now_ms"], 1_700_000_002_000i64);
    assert_eq!(a.runtime().clock.now_ms(), 1_700_000_002_000);
    // The other device's clock did not move.
    assert_eq!(b.runtime().clock.now_ms(), 0);

    let (s, v) =
        call(&app, Method::PUT, "/__sim/devices/b2/clock", Some(r#"{"now": "2024-01-02T03:04:05Z"}"#)).await;
    assert_eq!(s, 200);
    assert_eq!(v["now"], "2024-01-02T03:04:05.000Z");
    let (_, v) = call(&app, Method::PUT, "/__sim/devices/b2/clock", Some(r#"{"now_ms": 42}"#)).await;
    assert_eq!(v["now_ms"], 42);

    let (_, v) = call(&app, Method::POST, "/__sim/devices/b2/clock/resume", None).await;
    assert_eq!(v["frozen"], false);
    assert!(!b.runtime().clock.is_frozen());
    let (_, v) = call(&app, Method::POST, "/__sim/devices/b2/clock/freeze", None).await;
    assert_eq!(v["frozen"], true);
}

#[tokio::test]
async fn clock_bodies_with_unknown_keys_or_bad_values_are_refused_naming_the_problem() {
    let (app, a, _) = fleet();
    let (s, v) = call(&app, Method::POST, "/__sim/devices/a1/clock/advance", Some(r#"{"minutes": 1}"#)).await;
    assert_eq!(s, 400);
    assert_eq!(v["error"]["kind"], "invalid_argument");
    assert!(v["error"]["message"].as_str().unwrap().contains("minutes"), "{v}");

    for body in [r#"{"ms": 1, "seconds": 1}"#, "", r#"{"ms": -5}"#, "{not json"] {
        let (s, v) = call(&app, Method::POST, "/__sim/devices/a1/clock/advance", Some(body)).await;
        assert_eq!(s, 400, "{body}: {v}");
    }
    let (s, v) = call(&app, Method::PUT, "/__sim/devices/a1/clock", Some(r#"{"now": "yesterday"}"#)).await;
    assert_eq!(s, 400);
    assert!(v["error"]["message"].as_str().unwrap().contains("RFC 3339"), "{v}");
    assert_eq!(a.runtime().clock.now_ms(), 1_700_000_000_000);
}

#[tokio::test]
async fn unknown_device_and_unknown_route_answer_404_in_the_error_shape() {
    let (app, _, _) = fleet();
    let (s, v) = call(&app, Method::GET, "/__sim/devices/zz/health", None).await;
    assert_eq!(s, 404);
    assert_eq!(v["error"]["kind"], "not_found");
    assert!(v["error"]["message"].as_str().unwrap().contains("\"zz\""), "{v}");
    let (s, v) = call(&app, Method::GET, "/__sim/devices/a1/nope", None).await;
    assert_eq!((s, &v["error"]["kind"]), (StatusCode::NOT_FOUND, &json!("not_found")));
    let (s, _) = call(&app, Method::GET, "/elsewhere", None).await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn wrong_method_answers_405_in_the_error_shape() {
    let (app, _, _) = fleet();
    let (s, v) = call(&app, Method::DELETE, "/__sim/devices/a1/clock", None).await;
    assert_eq!(s, 405);
    assert_eq!(v["error"]["kind"], "unsupported");
    let (s, _) = call(&app, Method::POST, "/__sim/devices", None).await;
    assert_eq!(s, 405);
}

#[tokio::test]
async fn faults_can_be_added_listed_and_removed_by_name_or_all() {
    let (app, a, _) = fleet();
    let (s, v) =
        call(&app, Method::POST, "/__sim/devices/a1/faults", Some(r#"{"name": "slow", "latency_ms": 10}"#))
            .await;
    assert_eq!((s, v), (StatusCode::CREATED, json!({"name": "slow"})));
    let (s, v) =
        call(&app, Method::POST, "/__sim/devices/a1/faults", Some(r#"{"name": "slow", "status": 500}"#))
            .await;
    assert_eq!(s, 409, "{v}");
    let (_, v) =
        call(&app, Method::POST, "/__sim/devices/a1/faults", Some(r#"{"status": 500, "path": "/x"}"#)).await;
    let second = v["name"].as_str().unwrap().to_owned();
    let (_, v) = call(&app, Method::GET, "/__sim/devices/a1/faults", None).await;
    assert_eq!(v.as_array().unwrap().len(), 2);
    assert_eq!(v[0]["latency_ms"], 10);

    let (s, _) = call(&app, Method::DELETE, &format!("/__sim/devices/a1/faults/{second}"), None).await;
    assert_eq!(s, 200);
    let (s, v) = call(&app, Method::DELETE, "/__sim/devices/a1/faults/none-such", None).await;
    assert_eq!((s, &v["error"]["kind"]), (StatusCode::NOT_FOUND, &json!("not_found")));
    let (_, v) = call(&app, Method::DELETE, "/__sim/devices/a1/faults", None).await;
    assert_eq!(v, json!({"removed": 1}));
    assert!(a.runtime().faults.list().is_empty());
}

#[tokio::test]
async fn fault_rules_with_unknown_keys_or_bad_values_are_refused() {
    let (app, a, _) = fleet();
    let (s, v) = call(&app, Method::POST, "/__sim/devices/a1/faults", Some(r#"{"stauts": 500}"#)).await;
    assert_eq!(s, 400);
    assert!(v["error"]["message"].as_str().unwrap().contains("stauts"), "{v}");
    let (s, _) = call(&app, Method::POST, "/__sim/devices/a1/faults", Some(r#"{"probability": 3}"#)).await;
    assert_eq!(s, 400);
    let (s, _) = call(&app, Method::POST, "/__sim/devices/a1/faults", None).await;
    assert_eq!(s, 400);
    assert!(a.runtime().faults.list().is_empty());
}

#[tokio::test]
async fn seed_state_and_reset_round_trip() {
    let (app, a, _) = fleet();
    let (s, _) = call(&app, Method::POST, "/__sim/devices/a1/seed", Some(r#"{"counter": 7}"#)).await;
    assert_eq!(s, 200);
    let (_, v) = call(&app, Method::GET, "/__sim/devices/a1/state", None).await;
    assert_eq!(v["counter"], 7);
    let (s, v) = call(&app, Method::POST, "/__sim/devices/a1/seed", Some(r#"{"counter": "x"}"#)).await;
    assert_eq!((s, &v["error"]["kind"]), (StatusCode::BAD_REQUEST, &json!("invalid_argument")));
    let (s, _) = call(&app, Method::POST, "/__sim/devices/a1/seed", None).await;
    assert_eq!(s, 400);
    let (_, v) = call(&app, Method::GET, "/__sim/devices/a1/health", None).await;
    assert_eq!(v["device"]["counter"], 7);
    assert_eq!(v["power"], "on");
    let (s, _) = call(&app, Method::POST, "/__sim/devices/a1/reset", None).await;
    assert_eq!(s, 200);
    assert_eq!(a.dump_state()["counter"], 0);
}

#[tokio::test]
async fn events_and_actions_reach_the_device() {
    let (app, a, _) = fleet();
    let (s, v) = call(&app, Method::POST, "/__sim/devices/a1/events", Some(r#"{"type": "motion"}"#)).await;
    assert_eq!((s, v), (StatusCode::OK, json!({"accepted": true, "count": 1})));
    let (s, _) = call(&app, Method::POST, "/__sim/devices/a1/events", Some("[1]")).await;
    assert_eq!(s, 400);
    let (s, v) = call(&app, Method::POST, "/__sim/devices/a1/actions/power-off", None).await;
    assert_eq!((s, v), (StatusCode::OK, json!({"power": "off"})));
    let (_, v) = call(&app, Method::GET, "/__sim/devices/a1/power", None).await;
    assert_eq!(v, json!({"power": "off"}));
    assert_eq!(a.runtime().power(), devsim_core::Power::Off);
    let (s, _) = call(&app, Method::POST, "/__sim/devices/a1/actions/explode", Some("{}")).await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn journal_pages_with_after_and_limit_and_can_be_cleared() {
    let r = start("j1");
    let c = common::client(&r.cert_pem);
    for i in 0..5 {
        c.get(format!("{}/hello?i={i}", r.http)).send().await.unwrap();
    }
    let devices: Vec<DynDevice> = vec![r.device.clone()];
    let app = control_router(Fleet::new(devices).unwrap());
    let (_, v) = call(&app, Method::GET, "/__sim/devices/j1/journal?after=1&limit=2", None).await;
    let uris: Vec<_> = v["entries"].as_array().unwrap().iter().map(|e| e["uri"].as_str().unwrap()).collect();
    assert_eq!(uris, ["/hello?i=1", "/hello?i=2"]);
    assert_eq!(v["next_after"], 3);
    let (s, v) = call(&app, Method::GET, "/__sim/devices/j1/journal?limt=2", None).await;
    assert_eq!(s, 400);
    assert!(v["error"]["message"].as_str().unwrap().contains("limt"), "{v}");
    let (_, v) = call(&app, Method::DELETE, "/__sim/devices/j1/journal", None).await;
    assert_eq!(v, json!({"removed": 5}));
    let (_, v) = call(&app, Method::GET, "/__sim/devices/j1/journal", None).await;
    assert_eq!(v, json!({"entries": [], "next_after": 0}));
    r.shutdown.cancel();
}

#[tokio::test]
async fn device_port_serves_the_same_routes_without_the_devices_prefix() {
    let r = start("p1");
    let c = common::client(&r.cert_pem);
    let v: Value = c
        .post(format!("{}/__sim/clock/advance", r.https))
        .body(r#"{"ms": 1000}"#)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["now_ms"], 1_700_000_001_000i64);
    let res = c.get(format!("{}/__sim/info", r.http)).send().await.unwrap();
    let info: Value = res.json().await.unwrap();
    assert_eq!(info["urls"]["https"], r.https.as_str());
    let res = c.post(format!("{}/__sim/clock/advance", r.http)).body(r#"{"hours": 1}"#).send().await.unwrap();
    assert_eq!(res.status(), 400);
    let res = c.get(format!("{}/__sim/nothing", r.http)).send().await.unwrap();
    assert_eq!(res.status(), 404);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["error"]["kind"], "not_found");
    r.shutdown.cancel();
}

#[test]
fn a_fleet_refuses_duplicate_or_unusable_ids() {
    let a: DynDevice = TestDevice::new("same", Clock::manual(0));
    let b: DynDevice = TestDevice::new("same", Clock::manual(0));
    let e = Fleet::new(vec![a, b]).unwrap_err();
    assert!(e.message.contains("same"), "{e}");
    let c: DynDevice = TestDevice::new("a/b", Clock::manual(0));
    assert!(Fleet::new(vec![c]).is_err());
}
