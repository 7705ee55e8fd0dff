//! What CI runs: the whole FortiRecorder suite against the in-process simulator, compared with
//! the goldens committed under `golden/fortirecorder/doc-7.2.3/`. Every scenario must pass and
//! every scenario must have its golden.

use devsim_conformance::cli::run_cli;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fortirecorder_suite_conforms_on_the_in_process_simulator() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("report.json");
    let junit = dir.path().join("report.xml");
    let args: Vec<String> = [
        "conform",
        "run",
        "--device",
        "fortirecorder",
        "--target",
        "sim",
        "--require-goldens",
        "--skip-tag",
        "slow",
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
    let out = String::from_utf8_lossy(&out);
    assert_eq!(code, 0, "{out}\n{}", String::from_utf8_lossy(&err));
    let rep: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(rep["summary"]["failed"], 0);
    assert!(rep["summary"]["scenarios"].as_u64().unwrap() >= 25);
    assert_eq!(rep["summary"]["skipped"], 0);
    let coverage = rep["coverage"].as_array().unwrap();
    let uncovered: Vec<String> = coverage
        .iter()
        .filter(|r| r["steps"].as_u64() == Some(0))
        .map(|r| format!("{} {}", r["resource"], r["action"]))
        .collect();
    assert!(uncovered.is_empty(), "routes without a scenario step: {uncovered:?}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("<testsuite name=\"auth/g01_service_login\""), "{xml}");
    assert!(out.contains("Coverage of fortirecorder routes"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fortirecorder_suite_conforms_on_the_fw_later_profile() {
    let args: Vec<String> = [
        "conform",
        "run",
        "--device",
        "fortirecorder",
        "--profile",
        "fw-later",
        "--require-goldens",
        "--skip-tag",
        "slow",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = run_cli(args, &mut out, &mut err).await;
    let out = String::from_utf8_lossy(&out);
    assert_eq!(code, 0, "{out}\n{}", String::from_utf8_lossy(&err));
    assert!(out.contains("[fw-later]"), "{out}");
    assert!(out.contains("ok   cameras/camera_status_fw_later"), "{out}");
    assert!(!out.contains("cameras/g07_camera_status ("), "doc-only scenarios are not run: {out}");
    assert!(out.contains("written for other profiles and were not run"), "{out}");
}
