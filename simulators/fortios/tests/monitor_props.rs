//! Property tests of the Monitor API: random methods, paths, parameters, bodies and uploads
//! never panic, always answer a status the device uses with a well-formed envelope, and a
//! failed request never changes the CMDB.

use std::sync::OnceLock;

use devsim_fortios::fixtures;
use devsim_fortios::model::Model;
use devsim_fortios::monitor::{self, MonitorReply, MonitorRequest, Runtime};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

const T0: i64 = 1_490_961_600;

fn base() -> &'static (Model, Runtime) {
    static BASE: OnceLock<(Model, Runtime)> = OnceLock::new();
    BASE.get_or_init(|| (fixtures::lab(T0).expect("lab"), Runtime::lab(T0)))
}

fn param_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> =
        monitor::catalogue().iter().flat_map(|e| e.params.iter().map(|p| p.name)).collect();
    names.extend(["vdom", "global", "start", "count", "junk"]);
    names.sort_unstable();
    names.dedup();
    names
}

fn path_strategy() -> impl Strategy<Value = String> {
    let cat: Vec<String> = monitor::catalogue().iter().map(|e| e.path.to_string()).collect();
    let short: Vec<String> = monitor::catalogue()
        .iter()
        .filter(|e| e.action() == "select")
        .map(|e| format!("{}/{}", e.area(), e.resource()))
        .collect();
    prop_oneof![
        4 => proptest::sample::select(cat),
        2 => proptest::sample::select(short).prop_map(|p| format!("{p}/")),
        1 => "[a-z/_.%-]{0,30}",
    ]
}

fn scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("-1".to_string()),
        Just("0".to_string()),
        Just("1".to_string()),
        Just("true".to_string()),
        Just("root".to_string()),
        Just("global".to_string()),
        Just("vdom".to_string()),
        Just("upload".to_string()),
        Just("revision".to_string()),
        Just("192.168.100.110".to_string()),
        Just("[1,2]".to_string()),
        Just("{\"srcintf\":\"port1\"}".to_string()),
        Just("Y29uZmlnIHN5c3RlbSBnbG9iYWwKZW5kCg==".to_string()),
        "[ -~]{0,12}",
        any::<i64>().prop_map(|n| n.to_string()),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        scalar().prop_map(Value::String),
    ];
    leaf.prop_recursive(2, 8, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec(("[a-z_]{1,8}", inner), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<String, Value>>())),
        ]
    })
}

fn request() -> impl Strategy<Value = MonitorRequest> {
    let names = param_names();
    let params = proptest::collection::vec((proptest::sample::select(names.clone()), scalar()), 0..6);
    let body = proptest::option::of(prop_oneof![
        3 => proptest::collection::vec((proptest::sample::select(names), json_value()), 0..6)
            .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
        1 => json_value(),
    ]);
    (
        proptest::sample::select(vec!["GET", "POST", "PUT", "DELETE", "PATCH", ""]),
        path_strategy(),
        params,
        body,
        proptest::sample::select(vec!["", "root", "vdom1", "nope"]),
        proptest::option::of(proptest::collection::vec(any::<u8>(), 0..64)),
        any::<bool>(),
    )
        .prop_map(|(method, path, params, body, vdom, upload, extras)| MonitorRequest {
            method: method.to_string(),
            path,
            params: params.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
            body,
            vdom: vdom.to_string(),
            upload,
            user: "admin".into(),
            firmware_extras: extras,
            ..Default::default()
        })
}

fn check_envelope(body: &Value, status: u16) -> Result<(), TestCaseError> {
    let one = |b: &Value| -> Result<(), TestCaseError> {
        prop_assert!(
            b.get("serial").is_some() && b.get("path").is_some() && b.get("name").is_some(),
            "{}",
            b
        );
        match b["status"].as_str() {
            Some("success") => prop_assert!(b.get("results").is_some(), "{}", b),
            Some("error") => prop_assert!(b["http_status"].as_u64().is_some(), "{}", b),
            _ => prop_assert!(false, "no status: {}", b),
        }
        Ok(())
    };
    match body {
        Value::Array(items) => {
            for i in items {
                one(i)?;
            }
        }
        b => {
            one(b)?;
            if status != 200 {
                prop_assert_eq!(b["http_status"].as_u64(), Some(u64::from(status)));
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn random_requests_never_panic_and_answer_a_device_status(req in request(), offset in 0i64..100_000) {
        let (model, rt) = base();
        let (mut model, mut rt) = (model.clone(), rt.clone());
        let before = model.clone();
        let reply = monitor::handle(&mut model, &mut rt, T0 + offset, &req);
        let status = reply.status();
        prop_assert!(matches!(status, 200 | 400 | 403 | 404 | 405 | 424), "{} {:?}", status, reply);
        match &reply {
            MonitorReply::File { filename, .. } => prop_assert!(!filename.is_empty()),
            other => check_envelope(other.body().unwrap_or(&Value::Null), status)?,
        }
        if status != 200 {
            prop_assert!(model == before, "a failed request changed the CMDB: {:?}", req);
        }
        // The runtime stays serialisable after anything.
        let text = serde_json::to_string(&rt).unwrap();
        prop_assert!(serde_json::from_str::<Runtime>(&text).is_ok());
    }

    #[test]
    fn the_same_request_at_the_same_time_gives_the_same_answer(req in request(), offset in 0i64..100_000) {
        let (model, rt) = base();
        let mut a = (model.clone(), rt.clone());
        let mut b = (model.clone(), rt.clone());
        let ra = monitor::handle(&mut a.0, &mut a.1, T0 + offset, &req);
        let rb = monitor::handle(&mut b.0, &mut b.1, T0 + offset, &req);
        prop_assert_eq!(ra, rb);
    }
}
