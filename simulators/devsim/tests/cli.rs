//! The real `devsim` binary: help, config errors, and a whole start-serve-stop cycle.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_devsim");

fn devsim(args: &[&str]) -> Output {
    Command::new(BIN).args(args).env("DEVSIM_LOG", "warn").output().expect("devsim runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn write(dir: &Path, name: &str, body: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p.display().to_string()
}

#[test]
fn help_explains_every_option_at_top_level_and_for_serve() {
    for args in [&["--help"][..], &["serve", "--help"][..]] {
        let out = devsim(args);
        assert!(out.status.success(), "{args:?}");
        let help = text(&out.stdout);
        for opt in
            ["--config", "--state-dir", "--ephemeral", "--control-addr", "--bind", "DEVSIM_LOG", "Exit codes"]
        {
            assert!(help.contains(opt), "{args:?} help lacks {opt}:\n{help}");
        }
    }
    let top = text(&devsim(&["--help"]).stdout);
    assert!(top.contains("config-example"), "{top}");
}

#[test]
fn config_example_prints_the_documented_example() {
    let out = devsim(&["config-example"]);
    assert!(out.status.success());
    assert_eq!(text(&out.stdout), include_str!("../example-config.toml"));
    let out = devsim(&["config-default"]);
    assert_eq!(text(&out.stdout), include_str!("../default-config.toml"));
}

#[test]
fn unknown_config_key_is_named_with_the_file_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(
        dir.path(),
        "bad.toml",
        "[[device]]\nkind = \"fortirecorder\"\nid = \"a\"\nhttp = \"127.0.0.1:0\"\nhttp_port = 8080\n",
    );
    let out = devsim(&["serve", "--ephemeral", "--config", &cfg]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("bad.toml") && err.contains("http_port"), "{err}");
}

#[test]
fn duplicate_device_id_exits_1_naming_the_id() {
    let dir = tempfile::tempdir().unwrap();
    let dev = "[[device]]\nkind = \"fortirecorder\"\nid = \"twin\"\nhttp = \"127.0.0.1:0\"\n";
    let cfg = write(dir.path(), "dup.toml", &format!("{dev}{dev}"));
    let out = devsim(&["--ephemeral", "--config", &cfg]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("\"twin\" is used twice"), "{}", text(&out.stderr));
}

#[test]
fn state_dir_and_ephemeral_together_is_a_usage_error() {
    let out = devsim(&["serve", "--ephemeral", "--state-dir", "x"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn corrupt_state_file_stops_start_up_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(
        dir.path(),
        "c.toml",
        "control_addr = \"127.0.0.1:0\"\n[[device]]\nkind = \"fortirecorder\"\nid = \"frc9\"\nhttp = \"127.0.0.1:0\"\n",
    );
    let state = dir.path().join("state");
    std::fs::create_dir_all(&state).unwrap();
    std::fs::write(state.join("frc9.json"), "{ this is not json").unwrap();
    let out = devsim(&["--config", &cfg, "--state-dir", state.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("frc9.json") && err.contains("corrupt"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// Start the binary; return it and the lines it printed up to the end of the table.
fn spawn(args: &[&str]) -> (Child, mpsc::Receiver<String>) {
    let mut child = Command::new(BIN)
        .args(args)
        .env("DEVSIM_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

fn control_url(rx: &mpsc::Receiver<String>) -> String {
    let first = rx.recv_timeout(Duration::from_secs(60)).expect("devsim printed its table");
    let start = first.find("http://").expect("control URL in the first line");
    let url = &first[start..];
    url[..url.find("/__sim").unwrap()].to_owned()
}

fn sigterm(child: &mut Child) -> std::process::ExitStatus {
    let ok = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(ok.success());
    for _ in 0..300 {
        if let Some(st) = child.try_wait().unwrap() {
            return st;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    panic!("devsim did not exit after SIGTERM");
}

#[tokio::test]
async fn serves_a_fleet_on_free_ports_lists_it_on_the_control_port_and_exits_0_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let dev = |id: &str| {
        format!("[[device]]\nkind = \"fortirecorder\"\nid = \"{id}\"\nhttp = \"127.0.0.1:0\"\nhttps = \"127.0.0.1:0\"\n")
    };
    let cfg = write(
        dir.path(),
        "fleet.toml",
        &format!("control_addr = \"127.0.0.1:0\"\n{}{}", dev("r1"), dev("r2")),
    );
    let (mut child, rx) = spawn(&["serve", "--ephemeral", "--config", &cfg]);
    let control = control_url(&rx);

    let c = reqwest::Client::builder().danger_accept_invalid_certs(true).no_proxy().build().unwrap();
    let list: serde_json::Value =
        c.get(format!("{control}/__sim/devices")).send().await.unwrap().json().await.unwrap();
    let list = list.as_array().expect("device list");
    assert_eq!(list.iter().map(|d| d["id"].as_str().unwrap()).collect::<Vec<_>>(), ["r1", "r2"]);
    for d in list {
        assert_eq!(d["kind"], "fortirecorder");
        assert!(!d["credentials"].as_array().unwrap().is_empty(), "{d}");
        for scheme in ["http", "https"] {
            let url = d["urls"][scheme].as_str().unwrap_or_else(|| panic!("{scheme} url in {d}"));
            let res = c.get(format!("{url}/__sim/health")).send().await.unwrap();
            assert_eq!(res.status(), 200, "{url}");
            let h: serde_json::Value = res.json().await.unwrap();
            assert_eq!(h["id"], d["id"]);
        }
    }
    let res = c.get(format!("{control}/__sim/devices/r2/clock")).send().await.unwrap();
    assert_eq!(res.status(), 200);

    let st = sigterm(&mut child);
    assert_eq!(st.code(), Some(0), "{st:?}");
    // Ephemeral: nothing was written next to the config.
    assert!(!dir.path().join("devsim-state").exists());
}

#[tokio::test]
async fn state_dir_keeps_the_device_state_and_the_certificate_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(
        dir.path(),
        "one.toml",
        "control_addr = \"127.0.0.1:0\"\n[[device]]\nkind = \"fortirecorder\"\nid = \"keep\"\nhttps = \"127.0.0.1:0\"\n",
    );
    let state = dir.path().join("st");
    let state_arg = state.to_str().unwrap();
    let (mut child, rx) = spawn(&["--config", &cfg, "--state-dir", state_arg]);
    let _ = control_url(&rx);
    assert_eq!(sigterm(&mut child).code(), Some(0));
    assert!(state.join("keep.json").exists());
    let cert = std::fs::read_to_string(state.join("tls/cert.pem")).unwrap();

    let (mut child, rx) = spawn(&["--config", &cfg, "--state-dir", state_arg]);
    let control = control_url(&rx);
    let c = reqwest::Client::builder().danger_accept_invalid_certs(true).no_proxy().build().unwrap();
    let list: serde_json::Value =
        c.get(format!("{control}/__sim/devices")).send().await.unwrap().json().await.unwrap();
    assert_eq!(list[0]["id"], "keep");
    assert_eq!(sigterm(&mut child).code(), Some(0));
    assert_eq!(std::fs::read_to_string(state.join("tls/cert.pem")).unwrap(), cert);
}

#[tokio::test]
async fn json_log_format_writes_one_summary_line_per_request_with_its_span() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(
        dir.path(),
        "log.toml",
        "control_addr = \"127.0.0.1:0\"\n[[device]]\nkind = \"fortirecorder\"\nid = \"lg\"\nhttp = \"127.0.0.1:0\"\n",
    );
    let mut child = Command::new(BIN)
        .args(["--ephemeral", "--config", &cfg])
        .env("DEVSIM_LOG", "info")
        .env("DEVSIM_LOG_FORMAT", "json")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let control = control_url(&rx);
    let c = reqwest::Client::builder().no_proxy().build().unwrap();
    let list: serde_json::Value =
        c.get(format!("{control}/__sim/devices")).send().await.unwrap().json().await.unwrap();
    let http = list[0]["urls"]["http"].as_str().unwrap().to_owned();
    let status = c.get(format!("{http}/no/such/path?x=1")).send().await.unwrap().status().as_u16();
    assert_eq!(sigterm(&mut child).code(), Some(0));
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    let lines: Vec<serde_json::Value> =
        err.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect();
    let summaries: Vec<_> = lines
        .iter()
        .filter(|l| l["message"] == "answered" && l["span"]["uri"] == "/no/such/path?x=1")
        .collect();
    assert_eq!(summaries.len(), 1, "{err}");
    assert_eq!(summaries[0]["span"]["device"], "lg");
    assert_eq!(summaries[0]["span"]["method"], "GET");
    assert_eq!(summaries[0]["status"], status);
    assert!(summaries[0]["latency_ms"].is_number(), "{err}");
}

#[tokio::test]
async fn https_uses_the_configured_certificate_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let pair = devsim_core::tls::self_signed(&["frc.test".to_owned()]).unwrap();
    write(dir.path(), "cert.pem", &pair.cert_pem);
    write(dir.path(), "key.pem", &pair.key_pem);
    let cfg = write(
        dir.path(),
        "tls.toml",
        "control_addr = \"127.0.0.1:0\"\n[[device]]\nkind = \"fortirecorder\"\nid = \"own\"\n\
         https = \"127.0.0.1:0\"\ntls_cert = \"cert.pem\"\ntls_key = \"key.pem\"\n",
    );
    let (mut child, rx) = spawn(&["--ephemeral", "--config", &cfg]);
    let control = control_url(&rx);
    let plain = reqwest::Client::builder().no_proxy().build().unwrap();
    let list: serde_json::Value =
        plain.get(format!("{control}/__sim/devices")).send().await.unwrap().json().await.unwrap();
    let https = list[0]["urls"]["https"].as_str().unwrap().to_owned();
    // Only a client that trusts exactly this certificate gets through.
    let trusting = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(pair.cert_pem.as_bytes()).unwrap())
        .tls_built_in_root_certs(false)
        .no_proxy()
        .build()
        .unwrap();
    let res = trusting.get(format!("{https}/__sim/power")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(plain.get(format!("{https}/__sim/power")).send().await.is_err());
    assert_eq!(sigterm(&mut child).code(), Some(0));
}
