//! `sim` steps, `retry`, `expect.connect`, `repeat` and accumulating captures, against wiremock
//! and a closed port (hardware targets), and how hardware treats `sim` steps.

use std::path::Path;

use devsim_conformance::normalize::Redaction;
use devsim_conformance::runner::{self, GoldenMode, RunConfig, Verdict};
use devsim_conformance::scenario;
use devsim_conformance::target::{Options, Target, TargetSpec};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

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

fn cfg(golden: &Path, assume: bool) -> RunConfig {
    RunConfig {
        device: "mock".into(),
        golden_dir: golden.to_owned(),
        redaction: Redaction::default(),
        golden_mode: GoldenMode::Off,
        require_goldens: false,
        assume_preconditions: assume,
    }
}

/// Write `files` (name, text) as scenarios of device `mock` and load them.
fn scenarios(dir: &Path, files: &[(&str, &str)]) -> Vec<scenario::Scenario> {
    let sdir = dir.join("scenarios/mock/a");
    std::fs::create_dir_all(&sdir).unwrap();
    for (name, text) in files {
        std::fs::write(sdir.join(name), text).unwrap();
    }
    scenario::load_device(&dir.join("scenarios"), "mock").unwrap()
}

fn json(body: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).insert_header("content-type", "application/json").set_body_string(body)
}

#[tokio::test]
async fn connect_refused_expectation_passes_on_a_closed_port() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let tmp = tempfile::tempdir().unwrap();
    let sc = scenarios(
        tmp.path(),
        &[(
            "down.toml",
            "name = \"down\"\n[[step]]\nname = \"refused\"\nrequest = { path = \"/x\" }\nexpect.connect = \"refused\"\n",
        )],
    );
    let target = hardware_target(&format!("http://127.0.0.1:{port}")).await;
    let rep = runner::run(&sc, &target, &cfg(tmp.path(), false), &mut |_| {}).await;
    assert_eq!(rep.summary.passed, 1, "{:#?}", rep.scenarios);
    assert_eq!(rep.scenarios[0].steps[0].status, None);
}

#[tokio::test]
async fn no_answer_without_a_connect_expectation_fails_and_stops_the_scenario() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let tmp = tempfile::tempdir().unwrap();
    let sc = scenarios(
        tmp.path(),
        &[(
            "down.toml",
            "name = \"down\"\n[[step]]\nname = \"a\"\nrequest = { path = \"/x\" }\nretry = { attempts = 2, interval_ms = 1 }\n[[step]]\nname = \"b\"\nrequest = { path = \"/y\" }\n",
        )],
    );
    let target = hardware_target(&format!("http://127.0.0.1:{port}")).await;
    let rep = runner::run(&sc, &target, &cfg(tmp.path(), false), &mut |_| {}).await;
    let s = &rep.scenarios[0];
    assert_eq!(s.verdict, Verdict::Failed);
    assert_eq!(s.steps[0].attempts, 2);
    let f0 = s.steps[0].failures[0].to_string();
    assert!(f0.contains("Connection refused") && f0.ends_with("(after 2 attempts)"), "{f0}");
    assert!(s.steps[1].failures[0].message.contains("not run: step 1 \"a\" got no answer"));
}

#[tokio::test]
async fn retry_sends_again_until_the_expectations_hold() {
    let dev = MockServer::start().await;
    // The first two answers are 503, then 200.
    Mock::given(method("GET"))
        .and(path("/boot"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .mount(&dev)
        .await;
    Mock::given(method("GET")).and(path("/boot")).respond_with(json("{\"up\": true}")).mount(&dev).await;
    let tmp = tempfile::tempdir().unwrap();
    let sc = scenarios(
        tmp.path(),
        &[(
            "boot.toml",
            "name = \"boot\"\n[[step]]\nname = \"up\"\nrequest = { path = \"/boot\" }\nexpect.status = 200\nretry = { attempts = 5, interval_ms = 1 }\n[[step.assert]]\njson = \"$.up\"\nequals = true\n",
        )],
    );
    let target = hardware_target(&dev.uri()).await;
    let rep = runner::run(&sc, &target, &cfg(tmp.path(), false), &mut |_| {}).await;
    assert_eq!(rep.summary.passed, 1, "{:#?}", rep.scenarios);
    assert_eq!(rep.scenarios[0].steps[0].attempts, 3);
    assert_eq!(dev.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn repeat_pages_with_a_summed_index_and_appends_the_items() {
    let dev = MockServer::start().await;
    for (start, body) in [
        ("0", r#"{"items": [{"k": 1}, {"k": 2}], "n": 2, "next": true}"#),
        ("2", r#"{"items": [{"k": 3}, {"k": 4}], "n": 2, "next": true}"#),
        ("4", r#"{"items": [{"k": 5}], "n": 1, "next": false}"#),
    ] {
        Mock::given(method("GET"))
            .and(path("/page"))
            .and(query_param("start", start))
            .respond_with(json(body))
            .mount(&dev)
            .await;
    }
    Mock::given(method("GET"))
        .and(path("/all"))
        .respond_with(json(r#"{"items": [{"k": 1}, {"k": 2}, {"k": 3}, {"k": 4}, {"k": 5}]}"#))
        .mount(&dev)
        .await;
    let tmp = tempfile::tempdir().unwrap();
    let text = r#"name = "paging"
vars = { start = 0 }

[[step]]
name = "pages"
request = { path = "/page", query = { start = "{{start}}" } }
expect.status = 200
repeat = { while = { json = "$.next", equals = true }, max = 10 }

[[step.capture]]
name = "start"
json = "$.n"
accumulate = "sum"

[[step.capture]]
name = "seen"
json = "$.items"
accumulate = "append"

[[step]]
name = "union"
request = { path = "/all" }

[[step.assert]]
json = "$.items"
equals = "{{seen}}"

[[step.assert]]
json = "$.items"
length = 5
"#;
    let sc = scenarios(tmp.path(), &[("paging.toml", text)]);
    let target = hardware_target(&dev.uri()).await;
    let rep = runner::run(&sc, &target, &cfg(tmp.path(), false), &mut |_| {}).await;
    assert_eq!(rep.summary.passed, 1, "{:#?}", rep.scenarios);
    assert_eq!(rep.scenarios[0].steps[0].iterations, 3);
    // Without `append` only the last page is kept, and the union no longer matches.
    let short = text.replace("json = \"$.items\"\naccumulate = \"append\"", "json = \"$.items\"");
    assert_ne!(short, text);
    let tmp2 = tempfile::tempdir().unwrap();
    let sc = scenarios(tmp2.path(), &[("paging.toml", &short)]);
    let rep = runner::run(&sc, &target, &cfg(tmp2.path(), false), &mut |_| {}).await;
    assert_eq!(rep.summary.failed, 1);
    let f = rep.scenarios[0].all_failures().next().unwrap().to_string();
    assert!(f.contains("step 2 \"union\": json $.items: expected"), "{f}");
}

#[tokio::test]
async fn hardware_skips_sim_steps_and_assume_turns_only_clock_advances_into_waits() {
    let dev = MockServer::start().await;
    Mock::given(method("GET")).and(path("/x")).respond_with(json("{}")).mount(&dev).await;
    let tmp = tempfile::tempdir().unwrap();
    let sc = scenarios(
        tmp.path(),
        &[
            (
                "a_clock.toml",
                "name = \"clock\"\n[[step]]\nname = \"wait\"\nsim = { clock = { advance_seconds = 0.05 } }\n[[step]]\nname = \"x\"\nrequest = { path = \"/x\" }\nexpect.status = 200\n",
            ),
            (
                "b_event.toml",
                "name = \"event\"\n[[step]]\nname = \"motion\"\nsim = { event = { kind = \"detection\", camera = \"cam1\", type = 2 } }\n[[step]]\nname = \"x\"\nrequest = { path = \"/x\" }\n",
            ),
        ],
    );
    let target = hardware_target(&dev.uri()).await;
    let rep = runner::run(&sc, &target, &cfg(tmp.path(), false), &mut |_| {}).await;
    assert_eq!(rep.summary.skipped, 2);
    let why = rep.scenarios[0].skip_reason.as_deref().unwrap();
    assert!(why.contains("during the scenario: device clock advanced by 0.05 s"), "{why}");
    let rep = runner::run(&sc, &target, &cfg(tmp.path(), true), &mut |_| {}).await;
    assert_eq!(rep.scenarios[0].verdict, Verdict::Passed, "{:#?}", rep.scenarios[0]);
    assert!(rep.scenarios[0].steps[0].elapsed_ms >= 50.0, "the advance is a real wait on hardware");
    assert_eq!(rep.scenarios[1].verdict, Verdict::Skipped);
    let why = rep.scenarios[1].skip_reason.as_deref().unwrap();
    assert!(why.contains("only clock advances can be honoured"), "{why}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_next_scenario_finds_a_halted_simulator_powered_on_and_reset() {
    let tmp = tempfile::tempdir().unwrap();
    let sdir = tmp.path().join("scenarios/fortirecorder/a");
    std::fs::create_dir_all(&sdir).unwrap();
    let login = r#"request = { method = "POST", path = "/api/v1/AdminLogin", json = { name = "{{cred.admin.user}}", password = "{{cred.admin.password}}" } }"#;
    std::fs::write(
        sdir.join("a_halt.toml"),
        format!(
            "name = \"halt\"\n[[step]]\nname = \"login\"\n{login}\nexpect.status = 200\n[[step]]\nname = \"halt\"\nrequest = {{ method = \"POST\", path = \"/api/v1/SysStatusCommand\", json = {{ action = 2 }} }}\nexpect.status = 200\n[[step]]\nname = \"down\"\nrequest = {{ path = \"/api/v1/SysGlobal\" }}\nexpect.connect = \"refused\"\nretry = {{ attempts = 100, interval_ms = 50 }}\n"
        ),
    )
    .unwrap();
    std::fs::write(
        sdir.join("b_after.toml"),
        format!("name = \"after\"\n[[step]]\nname = \"login\"\n{login}\nexpect.status = 200\n"),
    )
    .unwrap();
    let sc = scenario::load_device(&tmp.path().join("scenarios"), "fortirecorder").unwrap();
    let opts = Options {
        device: "fortirecorder".into(),
        profile: None,
        insecure: false,
        clock_ms: devsim_conformance::target::DEFAULT_CLOCK_MS,
        model: None,
        firmware: None,
        device_options: Default::default(),
        media_cache: None,
    };
    let target = Target::open(&TargetSpec::Sim, &opts).await.unwrap();
    let mut c = cfg(tmp.path(), false);
    c.device = "fortirecorder".into();
    let rep = runner::run(&sc, &target, &c, &mut |_| {}).await;
    assert_eq!(rep.summary.passed, 2, "{:#?}", rep.scenarios);
}
