//! `cargo xtask <task>`: the project's repeated chores.
//!
//! - `ci`: format check, clippy with warnings as errors, every test of the workspace.
//! - `bench`: start-up time of the release binary with the embedded default config, and requests per second
//!   of `GET /api/v1/CameraStatus` with an admin session under a loopback load generator.
//! - `bench-fortios`: one FortiGate (lab fixture) from a temporary config on free ports; 10,000 firewall
//!   addresses created through the CMDB API; requests per second, p50/p99 latency and server CPU of a
//!   filtered CMDB GET under a loopback load generator; RSS before and after the 10,000 addresses.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("bench") => bench(&args[1..]),
        Some("bench-fortios") => bench_fortios(&args[1..]),
        _ => {
            eprintln!("usage: cargo xtask <ci|bench|bench-fortios> [options]\n");
            eprintln!("  ci                 cargo fmt --check, clippy -D warnings, cargo test --workspace");
            eprintln!("  bench [--seconds N] [--connections N] [--runs N]");
            eprintln!("                     start-up time and CameraStatus requests/s of the release binary");
            eprintln!("  bench-fortios [--seconds N] [--connections N] [--addresses N]");
            eprintln!("                     filtered CMDB GET requests/s, N (10000) addresses");
            std::process::exit(2)
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace").to_path_buf()
}

fn run(cmd: &mut Command) -> Result<()> {
    eprintln!("$ {cmd:?}");
    let status = cmd.current_dir(root()).status().with_context(|| format!("cannot run {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed with {status}");
    }
    Ok(())
}

fn ci() -> Result<()> {
    run(Command::new("cargo").args(["fmt", "--all", "--", "--check"]))?;
    run(Command::new("cargo").args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]))?;
    run(Command::new("cargo").args(["test", "--workspace", "--all-targets"]))?;
    run(Command::new("cargo").args(["test", "--workspace", "--doc"]))?;
    Ok(())
}

/// `--flag value` pairs of a benchmark's arguments (every flag takes a value).
fn flag_pairs(args: &[String]) -> Result<Vec<(&str, &str)>> {
    let mut out = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let v = it.next().with_context(|| format!("{a} needs a value"))?;
        out.push((a.as_str(), v.as_str()));
    }
    Ok(out)
}

struct Opts {
    seconds: u64,
    connections: usize,
    runs: usize,
}

fn parse_opts(args: &[String]) -> Result<Opts> {
    let mut o = Opts { seconds: 10, connections: 16, runs: 10 };
    for (a, v) in flag_pairs(args)? {
        match a {
            "--seconds" => o.seconds = v.parse()?,
            "--connections" => o.connections = v.parse()?,
            "--runs" => o.runs = v.parse()?,
            _ => bail!("unknown option {a}"),
        }
    }
    Ok(o)
}

/// The ports of the embedded default config (see simulators/devsim/default-config.toml).
const DEFAULT_HTTP: &str = "127.0.0.1:10080";
const DEFAULT_CONTROL: &str = "127.0.0.1:9000";

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn_default(bin: &Path) -> Result<Server> {
    let child = Command::new(bin)
        .args(["serve", "--ephemeral"])
        .env("DEVSIM_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("cannot start {}", bin.display()))?;
    Ok(Server(child))
}

/// Status, lower-cased headers and body of one answer.
type Answer = (u16, Vec<(String, String)>, Vec<u8>);

/// One HTTP/1.1 exchange on a kept-alive connection; returns (status, headers, body).
fn exchange(stream: &mut BufReader<TcpStream>, request: &[u8]) -> Result<Answer> {
    stream.get_mut().write_all(request)?;
    let mut line = String::new();
    stream.read_line(&mut line)?;
    if line.is_empty() {
        bail!("connection closed");
    }
    let status: u16 = line.split_whitespace().nth(1).context("no status")?.parse()?;
    let mut headers = Vec::new();
    let mut len = 0usize;
    loop {
        line.clear();
        stream.read_line(&mut line)?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':') {
            let (k, v) = (k.trim().to_ascii_lowercase(), v.trim().to_owned());
            if k == "content-length" {
                len = v.parse()?;
            }
            headers.push((k, v));
        }
    }
    let mut body = vec![0; len];
    stream.read_exact(&mut body)?;
    Ok((status, headers, body))
}

fn connect(addr: &str) -> Result<BufReader<TcpStream>> {
    let s = TcpStream::connect(addr)?;
    s.set_nodelay(true)?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    Ok(BufReader::new(s))
}

fn get(addr: &str, path: &str) -> Result<(u16, Vec<u8>)> {
    let mut c = connect(addr)?;
    let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    let (s, _, b) = exchange(&mut c, req.as_bytes())?;
    Ok((s, b))
}

fn startup_ms(bin: &Path) -> Result<f64> {
    let t0 = Instant::now();
    let _server = spawn_default(bin)?;
    loop {
        if let Ok((status, _)) = get(DEFAULT_HTTP, "/api/v1/CameraStatus") {
            if status == 403 {
                return Ok(t0.elapsed().as_secs_f64() * 1000.0);
            }
        }
        if t0.elapsed() > Duration::from_secs(20) {
            bail!("the simulator did not answer within 20 s");
        }
        std::thread::sleep(Duration::from_micros(200));
    }
}

fn admin_cookie() -> Result<String> {
    let (_, body) = get(DEFAULT_CONTROL, "/__sim/devices")?;
    let devices: serde_json::Value = serde_json::from_slice(&body)?;
    let frc = devices
        .as_array()
        .and_then(|a| a.iter().find(|d| d["kind"] == "fortirecorder"))
        .context("no fortirecorder in /__sim/devices")?;
    let cred = frc["credentials"]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["role"] == "admin"))
        .context("no admin credential listed")?;
    let body = serde_json::json!({"name": cred["username"], "password": cred["password"]}).to_string();
    let req = format!(
        "POST /api/v1/AdminLogin HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut c = connect(DEFAULT_HTTP)?;
    let (status, headers, _) = exchange(&mut c, req.as_bytes())?;
    if status != 200 {
        bail!("AdminLogin answered {status}");
    }
    let set = headers.iter().find(|(k, _)| k == "set-cookie").context("no Set-Cookie")?;
    Ok(set.1.split(';').next().unwrap_or_default().to_owned())
}

fn load(seconds: u64, connections: usize, cookie: &str) -> Result<(u64, Vec<u64>)> {
    let req = format!("GET /api/v1/CameraStatus HTTP/1.1\r\nHost: bench\r\nCookie: {cookie}\r\n\r\n");
    load_request(DEFAULT_HTTP, &req, seconds, connections)
}

fn rss_kib(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines().find(|l| l.starts_with("VmRSS:"))?.split_whitespace().nth(1)?.parse().ok()
}

fn cpu_ticks(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = s.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

fn bench(args: &[String]) -> Result<()> {
    let o = parse_opts(args)?;
    run(Command::new("cargo").args(["build", "--release", "-p", "devsim"]))?;
    let bin = root().join("target/release/devsim");
    if get(DEFAULT_HTTP, "/").is_ok() {
        bail!("something already listens on {DEFAULT_HTTP}; stop it first");
    }

    let mut times = Vec::new();
    for _ in 0..o.runs {
        times.push(startup_ms(&bin)?);
        // Let the previous process release its ports.
        std::thread::sleep(Duration::from_millis(100));
    }
    times.sort_by(|a, b| a.total_cmp(b));
    println!(
        "start-up (exec to first answered request, default config, {} runs): min {:.1} ms, median {:.1} ms, max {:.1} ms",
        o.runs,
        times[0],
        times[times.len() / 2],
        times[times.len() - 1]
    );

    let server = spawn_default(&bin)?;
    let t0 = Instant::now();
    while get(DEFAULT_HTTP, "/api/v1/CameraStatus").is_err() {
        if t0.elapsed() > Duration::from_secs(20) {
            bail!("the simulator did not start");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let cookie = admin_cookie()?;
    let pid = server.0.id();
    let _ = load(1, o.connections, &cookie)?; // warm-up
    let cpu0 = cpu_ticks(pid);
    let (n, lat) = load(o.seconds, o.connections, &cookie)?;
    let cpu1 = cpu_ticks(pid);
    let pct = |p: f64| lat.get(((lat.len() as f64 * p) as usize).min(lat.len().saturating_sub(1))).copied();
    println!(
        "GET /api/v1/CameraStatus with a session: {} connections, {} s: {:.0} requests/s; latency p50 {} us, p99 {} us",
        o.connections,
        o.seconds,
        n as f64 / o.seconds as f64,
        pct(0.5).unwrap_or(0),
        pct(0.99).unwrap_or(0)
    );
    if let (Some(a), Some(b)) = (cpu0, cpu1) {
        // Clock ticks are 100 Hz on Linux.
        println!("server CPU during the load: {:.0} % of one core", (b - a) as f64 / o.seconds as f64);
    }
    if let Some(kib) = rss_kib(pid) {
        println!("server RSS after the load: {:.1} MiB", kib as f64 / 1024.0);
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// bench-fortios

struct FosOpts {
    seconds: u64,
    connections: usize,
    addresses: usize,
}

fn parse_fos_opts(args: &[String]) -> Result<FosOpts> {
    let mut o = FosOpts { seconds: 10, connections: 16, addresses: 10_000 };
    for (a, v) in flag_pairs(args)? {
        match a {
            "--seconds" => o.seconds = v.parse()?,
            "--connections" => o.connections = v.parse()?,
            "--addresses" => o.addresses = v.parse()?,
            _ => bail!("unknown option {a}"),
        }
    }
    if o.connections == 0 || o.seconds == 0 {
        bail!("--connections and --seconds must be at least 1");
    }
    Ok(o)
}

/// A port nobody listens on right now (bound and released; the server binds it a moment later).
fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// An admin session of the FortiGate: the `Cookie` header and the CSRF token.
struct FosSession {
    cookie: String,
    csrf: String,
}

fn fos_login(addr: &str) -> Result<FosSession> {
    let body = "username=admin&secretkey=&ajax=1";
    let req = format!(
        "POST /logincheck HTTP/1.1\r\nHost: bench\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let (status, headers, text) = exchange(&mut connect(addr)?, req.as_bytes())?;
    if status != 200 || !text.starts_with(b"1") {
        bail!("login answered {status} {:?}", String::from_utf8_lossy(&text));
    }
    let mut pairs = Vec::new();
    let mut csrf = None;
    for (_, v) in headers.iter().filter(|(k, _)| k == "set-cookie") {
        let pair = v.split(';').next().unwrap_or_default().trim().to_owned();
        if let Some(t) = pair.strip_prefix("ccsrftoken=") {
            csrf = Some(t.trim_matches('"').to_owned());
        }
        pairs.push(pair);
    }
    Ok(FosSession { cookie: pairs.join("; "), csrf: csrf.context("no ccsrftoken cookie")? })
}

/// Create `n` addresses `host-<i>` (`10.<i/65536>.<i/256>.<i%256>/32`) over `connections` kept-alive
/// connections; returns the elapsed time.
fn fos_create_addresses(addr: &str, s: &FosSession, n: usize, connections: usize) -> Result<Duration> {
    let next = Arc::new(AtomicU64::new(0));
    let t0 = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..connections {
        let (next, addr) = (next.clone(), addr.to_owned());
        let (cookie, csrf) = (s.cookie.clone(), s.csrf.clone());
        workers.push(std::thread::spawn(move || -> Result<()> {
            let mut c = connect(&addr)?;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed) as usize;
                if i >= n {
                    return Ok(());
                }
                let body = serde_json::json!({
                    "name": format!("host-{i}"),
                    "type": "ipmask",
                    "subnet": format!("10.{}.{}.{} 255.255.255.255", (i >> 16) & 255, (i >> 8) & 255, i & 255),
                    "comment": format!("bench address {i}"),
                })
                .to_string();
                let req = format!(
                    "POST /api/v2/cmdb/firewall/address?vdom=root HTTP/1.1\r\nHost: bench\r\nCookie: {cookie}\r\nX-CSRFTOKEN: {csrf}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                );
                let (st, _, b) = exchange(&mut c, req.as_bytes())?;
                if st != 200 {
                    bail!("creating host-{i} answered {st}: {}", String::from_utf8_lossy(&b));
                }
            }
        }));
    }
    for w in workers {
        w.join().map_err(|_| anyhow::anyhow!("worker panicked"))??;
    }
    Ok(t0.elapsed())
}

/// Send `req` in a loop on `connections` kept-alive connections for `seconds`; every answer must be
/// 200. Returns the number of answers and the sorted latencies in microseconds.
fn load_request(addr: &str, req: &str, seconds: u64, connections: usize) -> Result<(u64, Vec<u64>)> {
    let stop = Arc::new(AtomicBool::new(false));
    let count = Arc::new(AtomicU64::new(0));
    let lat = Arc::new(Mutex::new(Vec::<u64>::new()));
    let mut workers = Vec::new();
    for _ in 0..connections {
        let (stop, count, lat) = (stop.clone(), count.clone(), lat.clone());
        let (addr, req) = (addr.to_owned(), req.to_owned());
        workers.push(std::thread::spawn(move || -> Result<()> {
            let mut c = connect(&addr)?;
            let mut mine = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                let (s, _, _) = exchange(&mut c, req.as_bytes())?;
                if s != 200 {
                    bail!("the benchmark request answered {s}");
                }
                mine.push(t.elapsed().as_micros() as u64);
                count.fetch_add(1, Ordering::Relaxed);
            }
            lat.lock().expect("latency lock").extend(mine);
            Ok(())
        }));
    }
    std::thread::sleep(Duration::from_secs(seconds));
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.join().map_err(|_| anyhow::anyhow!("worker panicked"))??;
    }
    let mut l = std::mem::take(&mut *lat.lock().expect("latency lock"));
    l.sort_unstable();
    Ok((count.load(Ordering::Relaxed), l))
}

fn bench_fortios(args: &[String]) -> Result<()> {
    let o = parse_fos_opts(args)?;
    run(Command::new("cargo").args(["build", "--release", "-p", "devsim"]))?;
    let bin = root().join("target/release/devsim");

    let dir = std::env::temp_dir().join(format!("devsim-bench-fortios-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let (http, control) = (free_port()?, free_port()?);
    let addr = format!("127.0.0.1:{http}");
    let control_addr = format!("127.0.0.1:{control}");
    let config = dir.join("bench.toml");
    std::fs::write(
        &config,
        format!(
            "control_addr = \"{control_addr}\"\nstate_dir = \"{}\"\n\n[[device]]\nkind = \"fortios\"\nid = \"fgt1\"\nhttp = \"{addr}\"\n",
            dir.join("state").display()
        ),
    )?;
    let child = Command::new(&bin)
        .args(["serve", "--ephemeral", "--config"])
        .arg(&config)
        .env("DEVSIM_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("cannot start {}", bin.display()))?;
    let server = Server(child);
    let pid = server.0.id();
    let t0 = Instant::now();
    while get(&addr, "/api/v2/cmdb/firewall/address").is_err() {
        if t0.elapsed() > Duration::from_secs(20) {
            bail!("the simulator did not start on {addr}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }

    // Lab fixture (spec §5.0 F1) through the control API.
    let body = r#"{"fixture":"lab"}"#;
    let req = format!(
        "POST /__sim/devices/fgt1/seed HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let (st, _, b) = exchange(&mut connect(&control_addr)?, req.as_bytes())?;
    if !(200..300).contains(&st) {
        bail!("loading the lab fixture answered {st}: {}", String::from_utf8_lossy(&b));
    }
    let session = fos_login(&addr)?;
    std::thread::sleep(Duration::from_millis(200));
    let rss0 = rss_kib(pid);

    let took = fos_create_addresses(&addr, &session, o.addresses, o.connections.min(4))?;
    std::thread::sleep(Duration::from_millis(200));
    let rss1 = rss_kib(pid);
    println!(
        "created {} firewall addresses through POST /api/v2/cmdb/firewall/address (4 connections): {:.1} s, {:.0} creates/s",
        o.addresses,
        took.as_secs_f64(),
        o.addresses as f64 / took.as_secs_f64()
    );
    if let (Some(a), Some(b)) = (rss0, rss1) {
        println!(
            "server RSS: {:.1} MiB before, {:.1} MiB after the addresses: {:.1} MiB for the table ({:.0} bytes per address)",
            a as f64 / 1024.0,
            b as f64 / 1024.0,
            (b as f64 - a as f64) / 1024.0,
            (b as f64 - a as f64) * 1024.0 / o.addresses as f64
        );
    }

    let path = "/api/v2/cmdb/firewall/address?vdom=root&filter=name=@host-12&count=50";
    let req = format!("GET {path} HTTP/1.1\r\nHost: bench\r\nCookie: {}\r\n\r\n", session.cookie);
    let (st, _, b) = exchange(&mut connect(&addr)?, req.as_bytes())?;
    let v: serde_json::Value = serde_json::from_slice(&b).context("the filtered GET is not JSON")?;
    let n = v["results"].as_array().map(Vec::len).unwrap_or(0);
    if st != 200 || n == 0 {
        bail!("the filtered GET answered {st} with {n} results");
    }
    let _ = load_request(&addr, &req, 1, o.connections)?; // warm-up
    let cpu0 = cpu_ticks(pid);
    let (count, lat) = load_request(&addr, &req, o.seconds, o.connections)?;
    let cpu1 = cpu_ticks(pid);
    let pct = |p: f64| lat.get(((lat.len() as f64 * p) as usize).min(lat.len().saturating_sub(1))).copied();
    println!(
        "GET {path} ({n} of {} addresses): {} connections, {} s: {:.0} requests/s; latency p50 {} us, p99 {} us",
        o.addresses + 8,
        o.connections,
        o.seconds,
        count as f64 / o.seconds as f64,
        pct(0.5).unwrap_or(0),
        pct(0.99).unwrap_or(0)
    );
    if let (Some(a), Some(b)) = (cpu0, cpu1) {
        // Clock ticks are 100 Hz on Linux.
        println!("server CPU during the load: {:.0} % of one core", (b - a) as f64 / o.seconds as f64);
    }
    if let Some(kib) = rss_kib(pid) {
        println!("server RSS after the load: {:.1} MiB", kib as f64 / 1024.0);
    }
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
