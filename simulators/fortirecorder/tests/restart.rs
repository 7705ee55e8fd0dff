//! Persistence: an acknowledged write survives dropping the device and opening it again; a
//! corrupt state file stops start-up with an error naming it.

mod common;

use devsim_core::{Clock, DeviceConfig, SimDevice, Store};
use devsim_fortirecorder::{KIND, STATE_VERSION};
use http::StatusCode;

fn open(dir: &std::path::Path) -> devsim_core::Result<devsim_fortirecorder::FortiRecorder> {
    let store = Store::in_dir(dir, "frc1", KIND, STATE_VERSION).unwrap();
    let cfg = DeviceConfig { id: "frc1".into(), seed: 1, ..DeviceConfig::default() };
    devsim_fortirecorder::open(cfg, store, Clock::manual(common::T0_MS))
}

#[tokio::test]
async fn a_write_survives_reopening_the_state_directory() {
    let dir = tempfile::tempdir().unwrap();
    let dev = open(dir.path()).unwrap();
    let s = common::Sim { app: dev.router(), clock: Clock::manual(common::T0_MS), dev };
    let c = s.admin().await;
    let r = s.json("PUT", "/api/v1/CameraVideoProfile/2MP", Some(&c), r#"{"video_fps": 12}"#).await;
    assert_eq!(r.status, StatusCode::OK);
    drop(s);
    let dev = open(dir.path()).unwrap();
    let fps = dev.with_model(|m| m.video_profile("2MP").unwrap().video_fps);
    assert_eq!(fps, 12);
    // Sessions are runtime only.
    assert!(dev.with_model(|m| m.sessions.live(common::T0_MS / 1000).is_empty()));
}

#[tokio::test]
async fn corrupt_state_file_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("frc1.json"), b"{broken").unwrap();
    let e = open(dir.path()).unwrap_err();
    assert!(e.message.contains("frc1.json"), "{e}");
}

#[tokio::test]
async fn dump_then_load_seed_round_trips_and_reset_restores_the_seed() {
    let dir = tempfile::tempdir().unwrap();
    let dev = open(dir.path()).unwrap();
    let dump = dev.dump_state();
    dev.load_seed(dump.clone()).unwrap();
    assert_eq!(dev.dump_state(), dump);
    let mut bad = dump.clone();
    bad["cameras"][0]["profile"] = serde_json::json!("nope");
    assert!(dev.load_seed(bad).is_err(), "inconsistent seed refused");
    assert!(dev.load_seed(serde_json::json!({"x": 1})).is_err());
    dev.with_model(|m| assert_eq!(m.cameras.len(), 4));
    dev.reset().unwrap();
    assert_eq!(dev.dump_state()["cameras"], dump["cameras"]);
}

#[test]
fn unknown_option_stops_open() {
    let cfg =
        DeviceConfig { id: "x".into(), options: serde_json::json!({"nope": 1}), ..DeviceConfig::default() };
    let e =
        devsim_fortirecorder::open(cfg, Store::ephemeral(KIND, STATE_VERSION), Clock::manual(0)).unwrap_err();
    assert!(e.message.contains("nope"), "{e}");
    let cfg = DeviceConfig { id: "x".into(), profile: Some("fw-nope".into()), ..DeviceConfig::default() };
    assert!(devsim_fortirecorder::open(cfg, Store::ephemeral(KIND, STATE_VERSION), Clock::manual(0)).is_err());
}

#[test]
fn info_lists_urls_and_credentials() {
    let mut cfg = DeviceConfig { id: "frc9".into(), ..DeviceConfig::default() };
    cfg.urls.insert("https".into(), "https://127.0.0.1:8443".into());
    let dev =
        devsim_fortirecorder::open(cfg, Store::ephemeral(KIND, STATE_VERSION), Clock::manual(0)).unwrap();
    let info = dev.info();
    assert_eq!(info.kind, "fortirecorder");
    assert_eq!(info.urls["https"], "https://127.0.0.1:8443");
    assert!(info.credentials.iter().any(|c| c.username == "admin" && c.password == "admin"));
    assert!(info.credentials.iter().any(|c| c.username == "service-clip" && c.password == "1234"));
    assert_eq!(dev.health()["power"], "on");
}
