//! The runner's own tests, with wiremock playing a misbehaving device.
//!
//! `tests/must-fail/` holds scenarios that must fail against the mock below; the messages they
//! produce are checked in as `tests/must-fail/expected.txt` (regenerate with
//! `CONFORM_UPDATE_EXPECTED=1 cargo test -p devsim-conformance --test selftest`).

use std::path::{Path, PathBuf};

use devsim_conformance::cli::run_cli;
use devsim_conformance::normalize::Redaction;
use devsim_conformance::runner::{self, GoldenMode, RunConfig, Verdict};
use devsim_conformance::scenario;
use devsim_conformance::target::{Options, Target, TargetSpec};
use wiremock::matchers::{header_exists, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A device that answers with fixed, slightly wrong things.
async fn mock_device() -> MockServer {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/json"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/json")
                .set_body_string(r#"{"a": 2, "list": [1, 2], "s": "text"}"#),
        )
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/login"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "text/plain")
                .insert_header("set-cookie", "sid=abc; Path=/")
                .set_body_string("hello"),
        )
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/xml"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/xml")
                .set_body_string(r#"<root><item id="7">x</item></root>"#),
        )
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/kv"))
        .respond_with(ResponseTemplate::new(200).set_body_string("a.b=1\r\nstatus=OK\r\n"))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/jpeg"))
        .respond_with(ResponseTemplate::new(200).set_body_string("definitely not a picture"))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/digest"))
        .and(header_exists("authorization"))
        .respond_with(ResponseTemplate::new(200).set_body_string("in"))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/digest"))
        .respond_with(ResponseTemplate::new(401).insert_header(
            "www-authenticate",
            r#"Digest realm="mock", nonce="0123456789abcdef0123456789abcdef""#,
        ))
        .mount(&s)
        .await;
    s
}

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

async fn hardware_target(url: &str) -> Target {
    let opts = Options {
        device: "mock".into(),
        profile: None,
        insecure: false,
        clock_ms: 0,
        model: None,
        firmware: None,
        device_options: Default::default(),
        media_cache: None,
    };
    Target::open(&TargetSpec::Hardware(url.to_owned()), &opts).await.unwrap()
}

fn cfg(golden: &Path) -> RunConfig {
    RunConfig {
        device: "mock".into(),
        golden_dir: golden.to_owned(),
        redaction: Redaction::default(),
        golden_mode: GoldenMode::Off,
        require_goldens: false,
        assume_preconditions: false,
    }
}

#[tokio::test]
async fn must_fail_folder_fails_with_the_checked_in_messages() {
    let dev = mock_device().await;
    let dir = crate_dir().join("tests/must-fail");
    let scenarios = scenario::load_device(&dir, "mock").unwrap();
    assert_eq!(scenarios.len(), 5);
    let target = hardware_target(&dev.uri()).await;
    let tmp = tempfile::tempdir().unwrap();
    let rep = runner::run(&scenarios, &target, &cfg(tmp.path()), &mut |_| {}).await;
    assert_eq!(rep.summary.failed, 5, "every must-fail scenario fails");
    assert_eq!(rep.exit_code(), 1);
    let prefix = format!("{}/", dir.display());
    let mut got = String::new();
    for s in &rep.scenarios {
        for f in s.all_failures() {
            got.push_str(&f.to_string().replace(&prefix, "").replace(&dev.uri(), "http://DEVICE"));
            got.push('\n');
        }
    }
    let expected_path = dir.join("expected.txt");
    if std::env::var_os("CONFORM_UPDATE_EXPECTED").is_some() {
        std::fs::write(&expected_path, &got).unwrap();
    }
    let expected = std::fs::read_to_string(&expected_path).unwrap();
    assert_eq!(got, expected, "messages changed; review and regenerate expected.txt");
}

#[tokio::test]
async fn each_expectation_kind_points_at_its_scenario_line() {
    let dev = mock_device().await;
    let dir = crate_dir().join("tests/must-fail");
    let scenarios = scenario::load_device(&dir, "mock").unwrap();
    let target = hardware_target(&dev.uri()).await;
    let tmp = tempfile::tempdir().unwrap();
    let rep = runner::run(&scenarios, &target, &cfg(tmp.path()), &mut |_| {}).await;
    let all: Vec<String> =
        rep.scenarios.iter().flat_map(|s| s.all_failures().map(|f| f.to_string())).collect();
    let has = |needle: &str| all.iter().any(|f| f.contains(needle));
    assert!(has("status_and_json.toml:7: step 1 \"json\": status: expected 201, got 200"), "{all:#?}");
    assert!(has("status_and_json.toml:9: step 1 \"json\": json $.a: expected 1, got 2"), "{all:#?}");
    assert!(has("json $.s: expected type integer, got string \"text\""));
    assert!(has("json $.list: expected length 3, got 2"));
    assert!(has("json $.missing: expected to exist, but the path leads nowhere"));
    assert!(has("header x-missing: expected to be present, but it is not"));
    assert!(has("cookie sid: expected to match /^[0-9]+$/, got \"abc\""));
    assert!(has("xml /root/item/@id: expected \"8\", got \"7\""));
    assert!(has("key status: expected \"Error\", got \"OK\""));
    assert!(has("body: not a JPEG"));
    assert!(has("body: not an MP4"));
    assert!(has("body: not a Matroska file"));
    assert!(has("capture nothing: json $.nope: the path leads nowhere"));
    assert!(has("unknown variable {{never_set}}"));
    assert!(has("retry_repeat_connect.toml:7: step 1 \"answered instead of refused\": expected the connection to be refused, but the device answered 200"), "{all:#?}");
    assert!(has("status: expected 201, got 200 (body: {\"a\": 2, \"list\": [1, 2], \"s\": \"text\"}) (after 3 attempts)"), "{all:#?}");
    assert!(has("repeat: `while` (json $.a equals 2) still holds after 3 sends"), "{all:#?}");
    assert!(has("capture total: \"text\" is not a number"), "{all:#?}");
}

#[tokio::test]
async fn digest_mode_answers_the_challenge() {
    let dev = mock_device().await;
    let tmp = tempfile::tempdir().unwrap();
    let sdir = tmp.path().join("scenarios/mock/a");
    std::fs::create_dir_all(&sdir).unwrap();
    std::fs::write(
        sdir.join("digest.toml"),
        r#"name = "digest"
auth = { mode = "digest", user = "u", password = "p" }
[[step]]
name = "in"
request = { path = "/digest" }
expect.status = 200
"#,
    )
    .unwrap();
    let scenarios = scenario::load_device(&tmp.path().join("scenarios"), "mock").unwrap();
    let target = hardware_target(&dev.uri()).await;
    let rep = runner::run(&scenarios, &target, &cfg(tmp.path()), &mut |_| {}).await;
    assert_eq!(rep.summary.passed, 1, "{:#?}", rep.scenarios);
    let reqs = dev.received_requests().await.unwrap();
    let authz = reqs.last().unwrap().headers.get("authorization").unwrap().to_str().unwrap().to_owned();
    assert!(authz.starts_with("Digest username=\"u\", realm=\"mock\""), "{authz}");
}

#[tokio::test]
async fn hardware_skips_preconditions_unless_assumed() {
    let dev = mock_device().await;
    let tmp = tempfile::tempdir().unwrap();
    let sdir = tmp.path().join("scenarios/mock/a");
    std::fs::create_dir_all(&sdir).unwrap();
    std::fs::write(
        sdir.join("pre.toml"),
        "name = \"pre\"\n[[precondition]]\nreset = true\n[[step]]\nname = \"s\"\nrequest = { path = \"/json\" }\nexpect.status = 200\n",
    )
    .unwrap();
    let scenarios = scenario::load_device(&tmp.path().join("scenarios"), "mock").unwrap();
    let target = hardware_target(&dev.uri()).await;
    let mut c = cfg(tmp.path());
    let rep = runner::run(&scenarios, &target, &c, &mut |_| {}).await;
    assert_eq!(rep.scenarios[0].verdict, Verdict::Skipped);
    assert!(rep.scenarios[0].skip_reason.as_deref().unwrap().contains("device in its seed state"));
    assert_eq!(rep.exit_code(), 0);
    c.assume_preconditions = true;
    let rep = runner::run(&scenarios, &target, &c, &mut |_| {}).await;
    assert_eq!(rep.scenarios[0].verdict, Verdict::Passed);
}

#[tokio::test]
async fn capture_writes_a_golden_without_credentials_and_run_compares_it() {
    let dev = mock_device().await;
    let tmp = tempfile::tempdir().unwrap();
    let sdir = tmp.path().join("scenarios/mock/a");
    std::fs::create_dir_all(&sdir).unwrap();
    std::fs::write(
        sdir.join("g.toml"),
        r#"name = "g"
[[step]]
name = "login"
request = { path = "/login", json = { user = "{{cred.admin.user}}", password = "{{cred.admin.password}}" }, auth = { mode = "basic", user = "{{cred.admin.user}}", password = "{{cred.admin.password}}" } }
expect.status = 200
[[step]]
name = "json"
request = { path = "/json" }
"#,
    )
    .unwrap();
    let scen = tmp.path().join("scenarios").display().to_string();
    let golden = tmp.path().join("golden").display().to_string();
    let base = |cmd: &str| -> Vec<String> {
        [
            "conform",
            cmd,
            "--device",
            "mock",
            "--target",
            &dev.uri(),
            "--scenarios",
            &scen,
            "--golden",
            &golden,
            "--profile",
            "fw1",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let mut args = base("capture");
    args.extend(["--model", "M1", "--firmware", "v1"].map(String::from));
    // Credentials come from the environment only; this test process sets none, so the run
    // fails on the unknown variable: set them through the documented variables.
    std::env::set_var("CONFORM_USER", "root");
    std::env::set_var("CONFORM_PASSWORD", "hunter2hunter2");
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = run_cli(args, &mut out, &mut err).await;
    assert_eq!(code, 0, "{}{}", String::from_utf8_lossy(&out), String::from_utf8_lossy(&err));
    let text = std::fs::read_to_string(tmp.path().join("golden/mock/fw1/a/g.txt")).unwrap();
    assert!(text.contains("# source: hardware model=M1 firmware=v1"), "{text}");
    assert!(!text.contains("hunter2hunter2"), "{text}");
    assert!(text.contains("authorization: Basic <<<credentials>>>"), "{text}");
    assert!(text.contains("set-cookie: sid=<<<cookie>>>; Path=/"), "{text}");
    // bless from a simulator must not overwrite it: bless refuses hardware targets outright.
    let (mut out, mut err) = (Vec::new(), Vec::new());
    assert_eq!(run_cli(base("bless"), &mut out, &mut err).await, 2);
    // run compares with it and conforms.
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = run_cli(base("run"), &mut out, &mut err).await;
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&out));
    // A changed golden is a failure with a field-level diff.
    let changed = text.replace("\"a\": 2", "\"a\": 3");
    std::fs::write(tmp.path().join("golden/mock/fw1/a/g.txt"), changed).unwrap();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    assert_eq!(run_cli(base("run"), &mut out, &mut err).await, 1);
    let out = String::from_utf8_lossy(&out);
    assert!(out.contains("$.a: expected 3, got 2"), "{out}");
    // The ledger turns it into a known deviation.
    std::fs::write(
        tmp.path().join("golden/mock/fw1/ledger.toml"),
        "[[deviation]]\nstep = \"a/g#json\"\nreason = \"firmware counts differently\"\n\n[[deviation]]\nstep = \"a/g#login\"\nreason = \"stale\"\n",
    )
    .unwrap();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    assert_eq!(run_cli(base("run"), &mut out, &mut err).await, 0);
    let out = String::from_utf8_lossy(&out);
    assert!(out.contains("a/g#json: firmware counts differently"), "{out}");
    assert!(out.contains("no longer differ") && out.contains("a/g#login: stale"), "{out}");
}

#[tokio::test]
async fn usage_errors_exit_2_and_list_exits_0() {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(run_cli(args(&["conform", "run"]), &mut out, &mut err).await, 2);
    assert_eq!(
        run_cli(args(&["conform", "run", "--device", "x", "--target", "ftp://x"]), &mut out, &mut err).await,
        2
    );
    assert_eq!(
        run_cli(
            args(&["conform", "run", "--device", "fortirecorder", "--report", "xml", "f"]),
            &mut out,
            &mut err
        )
        .await,
        2
    );
    let mut out = Vec::new();
    let code = run_cli(
        args(&["conform", "run", "--device", "fortirecorder", "--list", "--tag", "face"]),
        &mut out,
        &mut err,
    )
    .await;
    assert_eq!(code, 0);
    let out = String::from_utf8_lossy(&out);
    assert!(out.contains("face/g23_face_user_images") && !out.contains("auth/g01"), "{out}");
    let mut out = Vec::new();
    let code = run_cli(
        args(&["conform", "run", "--device", "fortirecorder", "--list", "--name", "fw_later"]),
        &mut out,
        &mut err,
    )
    .await;
    assert_eq!(code, 0);
    let out = String::from_utf8_lossy(&out);
    assert!(
        out.contains("cameras/camera_status_fw_later") && out.contains("[sim steps] [profiles fw-later]"),
        "{out}"
    );
}
