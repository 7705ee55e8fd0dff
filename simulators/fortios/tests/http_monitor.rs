//! The monitor API at the HTTP edge: file download, restore by multipart upload and by base64
//! field, reboot and shutdown as a lifecycle on the device clock, admin-session effects, control
//! API injection.

mod support;

use http::StatusCode;
use serde_json::{json, Value};

use devsim_core::{Power, SimDevice};
use devsim_fortios::Lifecycle;
use support::{lab, sim, Sim};

/// Let spawned tasks run (tokio time is paused: sleeping advances it at once).
async fn settle_until(s: &Sim, want: Power) {
    for _ in 0..200 {
        if s.dev.runtime_power() == want {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("power never became {want:?}");
}

#[tokio::test]
async fn config_backup_downloads_the_cli_text_as_an_attachment() {
    let s = lab();
    let a = s.admin().await;
    let r = s.get(&a, "/api/v2/monitor/system/config/backup?scope=global").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers["content-type"], "text/plain");
    let disp = r.headers["content-disposition"].to_str().unwrap();
    assert!(disp.starts_with("attachment; filename=\"") && disp.ends_with(".conf\""), "{disp}");
    assert!(r.text.starts_with("#config-version="), "{}", &r.text[..80.min(r.text.len())]);
    assert!(r.text.contains("edit \"fqdn1\""));
    let missing = s.get(&a, "/api/v2/monitor/system/config/backup").await;
    assert_eq!(missing.status.as_u16(), 424, "scope is required: {:?}", missing.body);
    assert_eq!(missing.body["status"], "error");
}

fn multipart(fields: &[(&str, &str)], file: &str) -> (String, Vec<u8>) {
    let b = "devsimBoundary7";
    let mut body = String::new();
    for (k, v) in fields {
        body.push_str(&format!("--{b}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"));
    }
    body.push_str(&format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"random_name\"; filename=\"random_conf.conf\"\r\n\
         Content-Type: text/plain\r\n\r\n{file}\r\n--{b}--\r\n"
    ));
    (format!("multipart/form-data; boundary={b}"), body.into_bytes())
}

#[tokio::test]
async fn vdom_restore_by_multipart_upload_round_trips_the_backup() {
    let s = lab();
    let a = s.admin().await;
    let backup = s.get(&a, "/api/v2/monitor/system/config/backup?scope=vdom&vdom=root").await;
    assert_eq!(backup.status, StatusCode::OK);
    let before = s.get(&a, "/api/v2/cmdb/firewall/address?vdom=root").await.names();
    assert_eq!(
        s.call(&a, "DELETE", "/api/v2/cmdb/firewall/address/fqdn2", None).await.status,
        StatusCode::OK
    );

    let (ctype, body) = multipart(&[("source", "upload"), ("scope", "vdom")], &backup.text);
    let r = s
        .raw(
            "POST",
            "/api/v2/monitor/system/config/restore?vdom=root",
            &[("cookie", &a.cookie), ("x-csrftoken", &a.csrf), ("content-type", &ctype)],
            body,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["status"], "success");
    assert_eq!(s.get(&a, "/api/v2/cmdb/firewall/address?vdom=root").await.names(), before);
    let again = s.get(&a, "/api/v2/monitor/system/config/backup?scope=vdom&vdom=root").await;
    let strip = |t: &str| t.lines().filter(|l| !l.starts_with('#')).collect::<Vec<_>>().join("\n");
    assert_eq!(strip(&again.text), strip(&backup.text), "restore then backup gives the same text");
}

#[tokio::test]
async fn restore_without_a_file_is_424_and_malformed_multipart_is_400() {
    let s = lab();
    let a = s.admin().await;
    let r = s
        .call(
            &a,
            "POST",
            "/api/v2/monitor/system/config/restore",
            Some(json!({"source": "upload", "scope": "vdom"})),
        )
        .await;
    assert_eq!(r.status.as_u16(), 424, "{:?}", r.body);
    let bad = s
        .raw(
            "POST",
            "/api/v2/monitor/system/config/restore",
            &[
                ("cookie", &a.cookie),
                ("x-csrftoken", &a.csrf),
                ("content-type", "multipart/form-data; boundary=zz"),
            ],
            b"--zz\r\nno end".to_vec(),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.body["http_status"], 400);
    let notjson = s
        .raw(
            "POST",
            "/api/v2/monitor/firewall/policy/reset",
            &[("cookie", &a.cookie), ("x-csrftoken", &a.csrf), ("content-type", "application/json")],
            b"{oops".to_vec(),
        )
        .await;
    assert_eq!(notjson.status, StatusCode::BAD_REQUEST);
}

#[tokio::test(start_paused = true)]
async fn reboot_answers_then_goes_dark_for_the_reboot_delay_and_drops_every_session() {
    let s = sim();
    let a = s.admin().await;
    let r = s.call(&a, "POST", "/api/v2/monitor/system/os/reboot", None).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["status"], "success");
    settle_until(&s, Power::Off).await;
    assert_eq!(s.dev.lifecycle(), Lifecycle::Rebooting);
    assert_eq!(s.get(&a, "/api/v2/cmdb/system/global").await.status, StatusCode::SERVICE_UNAVAILABLE);
    s.advance_secs(29);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(s.dev.runtime_power(), Power::Off, "still booting at 29 s of device time");
    s.advance_secs(1);
    settle_until(&s, Power::On).await;
    assert_eq!(s.dev.lifecycle(), Lifecycle::Running);
    assert_eq!(s.get(&a, "/api/v2/cmdb/system/global").await.status, StatusCode::UNAUTHORIZED);
    let b = s.admin().await;
    assert_eq!(s.get(&b, "/api/v2/cmdb/system/global").await.status, StatusCode::OK);
}

#[tokio::test(start_paused = true)]
async fn shutdown_stays_off_until_the_harness_powers_on() {
    let s = sim();
    let a = s.admin().await;
    assert_eq!(s.call(&a, "POST", "/api/v2/monitor/system/os/shutdown", None).await.status, StatusCode::OK);
    settle_until(&s, Power::Off).await;
    assert_eq!(s.dev.lifecycle(), Lifecycle::Off);
    s.advance_secs(3600);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(s.dev.runtime_power(), Power::Off);
    s.dev.action("power_on", Value::Null).expect("power on");
    assert_eq!(s.dev.runtime_power(), Power::On);
    assert!(s.dev.action("power_on", Value::Null).is_err(), "already running");
    assert_eq!(s.get(&a, "/api/v2/cmdb/system/global").await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn disconnect_admins_ends_the_named_session() {
    let s = sim();
    let a = s.admin().await;
    let b = s.admin().await;
    let admins = s.get(&a, "/api/v2/monitor/system/current-admins").await;
    let rows = admins.body["results"].as_array().unwrap().clone();
    assert_eq!(rows.len(), 2, "{rows:?}");
    let second = rows.iter().map(|r| r["id"].as_i64().unwrap()).max().unwrap();
    let r = s
        .call(
            &a,
            "POST",
            "/api/v2/monitor/system/disconnect-admins/select",
            Some(json!({"id": second, "method": "http"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(s.get(&b, "/api/v2/cmdb/system/global").await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(s.get(&a, "/api/v2/cmdb/system/global").await.status, StatusCode::OK);
}

#[tokio::test]
async fn injected_sessions_show_in_the_monitor_and_bad_injections_are_refused() {
    let s = sim();
    let out = s
        .dev
        .inject_event(json!({"kind": "session", "proto": "tcp", "saddr": "10.0.0.5", "sport": 4000, "daddr": "1.1.1.1", "dport": 443, "policyid": 0}))
        .expect("inject");
    assert_eq!(out["injected"], "session");
    let a = s.admin().await;
    let r = s.get(&a, "/api/v2/monitor/firewall/session/select?count=-1").await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert!(r.text.contains("10.0.0.5"), "{}", r.text);
    assert!(s.dev.inject_event(json!({"kind": "toaster"})).is_err());
    assert!(s.dev.inject_event(json!("nope")).is_err());
}

#[tokio::test]
async fn seeds_load_fixtures_and_dump_round_trips() {
    let s = sim();
    s.dev.load_seed(json!({"fixture": "lab"})).unwrap();
    let dump = s.dev.dump_state();
    assert!(dump["model"]["cmdb"]["vdoms"].get("vdom1").is_some());
    s.dev.reset().unwrap();
    assert!(s.dev.dump_state()["model"]["cmdb"]["vdoms"].get("vdom1").is_none());
    s.dev.load_seed(dump.clone()).unwrap();
    assert_eq!(s.dev.dump_state(), dump);
    assert!(s.dev.load_seed(json!({"fixture": "nope"})).is_err());
    assert!(s.dev.load_seed(json!({"model": 5})).is_err());
    let info = s.dev.info();
    assert_eq!(info.kind, "fortios");
    assert_eq!(info.credentials[0].username, "admin");
    assert_eq!(s.dev.health()["profile"], "5.6.0");
}
