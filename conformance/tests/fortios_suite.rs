//! What CI runs for the FortiGate: the whole FortiOS suite (spec §5, its 52 examples, plus
//! negatives, client tables, monitor reads and later-firmware pairs) against the in-process
//! simulator on both firmware profiles, compared with the goldens under `golden/fortios/<profile>/`.
//!
//! Scenarios follow the spec, never the simulator: where the simulator disagrees with the spec the
//! scenario stays as the spec has it and the step is listed in the profile's `ledger.toml` with
//! `failure = ...` (reported as a known deviation). An entry that no longer applies fails this test
//! (stale ledger), so fixing the simulator forces the ledger to shrink.

use devsim_conformance::cli::run_cli;

/// Steps of `golden/fortios/<profile>/ledger.toml` (the simulator disagrees with the spec): none left.
const KNOWN_DEVIATIONS: u64 = 0;

async fn run_suite(profile: &str) -> (serde_json::Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("report.json");
    let junit = dir.path().join("report.xml");
    let args: Vec<String> = [
        "conform",
        "run",
        "--device",
        "fortios",
        "--target",
        "sim",
        "--profile",
        profile,
        "--require-goldens",
        "--report",
        "json",
        json.to_str().unwrap(),
        "--report",
        "junit",
        junit.to_str().unwrap(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = run_cli(args, &mut out, &mut err).await;
    let out = format!("{}\n{}", String::from_utf8_lossy(&out), String::from_utf8_lossy(&err));
    assert_eq!(code, 0, "{out}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("<testsuite name=\"auth/s_a01_login_success\""), "{xml}");
    let rep: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    (rep, out)
}

fn check_common(rep: &serde_json::Value, out: &str) {
    assert_eq!(rep["summary"]["failed"], 0, "{out}");
    assert_eq!(rep["summary"]["skipped"], 0, "{out}");
    assert_eq!(rep["summary"]["known_deviations"], KNOWN_DEVIATIONS, "{out}");
    assert!(rep["stale_ledger"].as_array().is_none_or(|a| a.is_empty()), "stale ledger entries: {out}");
    assert!(rep["summary"]["scenarios"].as_u64().unwrap() >= 58, "{out}");
    // Every example of spec §5 (S-A01..S-A11, S-C01..S-C24, S-M01..S-M17) has its scenario.
    let ids: Vec<&str> =
        rep["scenarios"].as_array().unwrap().iter().filter_map(|s| s["id"].as_str()).collect();
    let examples = (1..=11)
        .map(|i| format!("auth/s_a{i:02}_"))
        .chain((1..=24).map(|i| format!("cmdb/s_c{i:02}_")))
        .chain((1..=17).map(|i| format!("monitor/s_m{i:02}_")));
    for prefix in examples {
        assert!(ids.iter().any(|id| id.starts_with(&prefix)), "no scenario {prefix}*: {ids:?}");
    }
    let covered =
        rep["coverage"].as_array().unwrap().iter().filter(|r| r["steps"].as_u64() > Some(0)).count();
    assert!(covered >= 60, "only {covered} fortios routes have a scenario step:\n{out}");
    assert!(out.contains("Coverage of fortios routes"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fortios_suite_conforms_on_the_5_6_0_profile() {
    let (rep, out) = run_suite("5.6.0").await;
    check_common(&rep, &out);
    assert!(out.contains("ok   monitor/s_m13_status_probes ("), "{out}");
    assert!(out.contains("ok   auth/token_ignored_on_5_6_0"), "{out}");
    assert!(!out.contains("auth/later_api_token ("), "later-only scenarios are not run: {out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fortios_suite_conforms_on_the_later_profile() {
    let (rep, out) = run_suite("later").await;
    check_common(&rep, &out);
    assert!(out.contains("ok   monitor/s_m13_status_probes_later"), "{out}");
    assert!(out.contains("ok   auth/later_api_token"), "{out}");
    assert!(!out.contains("monitor/s_m13_status_probes ("), "5.6.0-only scenarios are not run: {out}");
}
