//! Running scenarios against a target and building the result tree that every report renders.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::check;
use crate::client::{Auth, Client, Exchange, NoAnswer, Prepared};
use crate::devices::{self, Route};
use crate::extract::{substitute, substitute_json};
use crate::golden::{self, Deviation, Golden, Ledger};
use crate::normalize::{self, NormExchange, Redaction};
use crate::rtsp::{self, RtspConn};
use crate::scenario::{
    Accumulate, AuthSpec, Capture, ConnectExpect, Loc, PlaySpec, PreconditionKind, Request, Scenario, Step,
    StepAction,
};
use crate::target::Target;

/// What the run does with goldens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GoldenMode {
    /// Compare with goldens when they exist.
    Compare,
    /// Write goldens from a simulator (`conform bless`).
    Bless {
        force: bool,
    },
    /// Write goldens from hardware (`conform capture`).
    Capture,
    Off,
}

pub struct RunConfig {
    pub device: String,
    pub golden_dir: PathBuf,
    pub redaction: Redaction,
    pub golden_mode: GoldenMode,
    pub require_goldens: bool,
    pub assume_preconditions: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Passed,
    Failed,
    Skipped,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FailureKind {
    Status,
    Assert,
    Capture,
    Request,
    Transport,
    Precondition,
    Golden,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Failure {
    pub kind: FailureKind,
    pub loc: Loc,
    pub step: Option<String>,
    pub message: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.step {
            Some(s) => write!(f, "{}: step {s}: {}", self.loc, self.message),
            None => write!(f, "{}: {}", self.loc, self.message),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "lowercase")]
pub enum GoldenVerdict {
    Match,
    Differs {
        diffs: Vec<String>,
    },
    /// Differs, and the ledger says so.
    Known {
        reason: String,
        diffs: Vec<String>,
    },
    Missing,
    Written {
        path: String,
    },
    NotCompared,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepResult {
    pub index: usize,
    pub name: String,
    pub id: String,
    pub line: usize,
    pub verdict: Verdict,
    pub status: Option<u16>,
    pub elapsed_ms: f64,
    pub failures: Vec<Failure>,
    pub golden: GoldenVerdict,
    /// Sends of the last iteration (more than 1 with `retry`).
    pub attempts: u32,
    /// Iterations of a `repeat` step (1 otherwise; 0 for `sim` steps and steps not run).
    pub iterations: u32,
    /// Failures the ledger names (`failure = "..."`): known, not counted as failures.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub known_failures: Vec<String>,
    #[serde(skip)]
    pub route: Option<Route>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScenarioResult {
    pub id: String,
    pub file: String,
    pub name: String,
    pub tags: Vec<String>,
    pub verdict: Verdict,
    pub skip_reason: Option<String>,
    pub elapsed_ms: f64,
    /// Failures outside steps (preconditions, golden files).
    pub failures: Vec<Failure>,
    pub steps: Vec<StepResult>,
}

impl ScenarioResult {
    pub fn all_failures(&self) -> impl Iterator<Item = &Failure> {
        self.failures.iter().chain(self.steps.iter().flat_map(|s| s.failures.iter()))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageRow {
    pub resource: String,
    pub action: String,
    pub steps: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub scenarios: usize,
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    pub steps: usize,
    pub known_deviations: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub device: String,
    pub target: String,
    pub profile: Option<String>,
    pub golden_mode: GoldenMode,
    pub elapsed_ms: f64,
    pub summary: Summary,
    pub scenarios: Vec<ScenarioResult>,
    /// Ledger entries whose step now matches its golden (or no longer exists).
    pub stale_ledger: Vec<Deviation>,
    pub coverage: Option<Vec<CoverageRow>>,
    /// Problems that are not conformance failures (missing goldens, ...).
    pub notes: Vec<String>,
}

impl Report {
    /// 0 all conform, 1 conformance failures.
    pub fn exit_code(&self) -> i32 {
        if self.summary.failed > 0 {
            1
        } else {
            0
        }
    }
}

/// Is the scenario written for `profile`? (A scenario without `profiles`, or a target whose
/// profile is unknown, always is.)
pub fn applies_to(s: &Scenario, profile: Option<&str>) -> bool {
    match profile {
        Some(p) if !s.profiles.is_empty() => s.profiles.iter().any(|x| x == p),
        _ => true,
    }
}

/// Does the scenario pass the `--tag` / `--name` filters?
pub fn selected(s: &Scenario, tags: &[String], names: &[String]) -> bool {
    let tag_ok = tags.is_empty() || tags.iter().any(|t| s.tags.contains(t) || s.area == *t);
    let name_ok = names.is_empty()
        || names.iter().any(|n| {
            let n = n.to_ascii_lowercase();
            s.name.to_ascii_lowercase().contains(&n) || s.id.to_ascii_lowercase().contains(&n)
        });
    tag_ok && name_ok
}

fn resolve_auth(
    scenario: &AuthSpec,
    step: Option<&AuthSpec>,
    vars: &BTreeMap<String, String>,
) -> Result<Auth, String> {
    let s = step.unwrap_or(scenario);
    let sub = |o: &Option<String>| o.as_deref().map(|x| substitute(x, vars)).transpose();
    Ok(Auth {
        mode: s.mode,
        user: sub(&s.user)?,
        password: sub(&s.password)?,
        token: sub(&s.token)?,
        csrf_cookie: step.and_then(|a| a.csrf_cookie.clone()).or_else(|| scenario.csrf_cookie.clone()),
        csrf_header: step.and_then(|a| a.csrf_header.clone()).or_else(|| scenario.csrf_header.clone()),
    })
}

fn prepare(sc: &Scenario, r: &Request, vars: &BTreeMap<String, String>) -> Result<Prepared, String> {
    let sub_pairs = |v: &[(String, String)]| -> Result<Vec<(String, String)>, String> {
        v.iter().map(|(k, x)| Ok((k.clone(), substitute(x, vars)?))).collect()
    };
    let body = if let Some(j) = &r.json {
        let v = substitute_json(j, vars)?;
        Some((serde_json::to_vec(&v).map_err(|e| e.to_string())?, Some("application/json")))
    } else if let Some(f) = &r.form {
        let pairs = sub_pairs(f)?;
        let enc = pairs
            .iter()
            .map(|(k, v)| {
                format!("{}={}", crate::client::encode_component(k), crate::client::encode_component(v))
            })
            .collect::<Vec<_>>()
            .join("&");
        Some((enc.into_bytes(), Some("application/x-www-form-urlencoded")))
    } else if let Some(b) = &r.body {
        Some((substitute(b, vars)?.into_bytes(), None))
    } else {
        None
    };
    Ok(Prepared {
        method: r.method.clone(),
        path: substitute(&r.path, vars)?,
        query: sub_pairs(&r.query)?,
        headers: sub_pairs(&r.headers)?,
        body,
        auth: resolve_auth(&sc.auth, r.auth.as_ref(), vars)?,
        session: r.session.clone(),
    })
}

fn step_label(step: &Step) -> String {
    format!("{} {:?}", step.index, step.name)
}

/// A normalised exchange kept for the golden: its name in the golden (the step name, then
/// `name #2`, `name #3`, ... for the iterations of a `repeat` step), the step's index, the
/// exchange, and whether it goes into the golden.
pub type KeptExchange = (String, usize, NormExchange, bool);

/// Why a scenario cannot run on a hardware target, if it cannot.
fn hardware_skip(sc: &Scenario, assume: bool) -> Option<String> {
    let pre: Vec<String> = sc.preconditions.iter().map(|p| p.kind.describe()).collect();
    let sim: Vec<&PreconditionKind> = sc.sim_steps().map(|(_, k)| k).collect();
    if pre.is_empty() && sim.is_empty() {
        return None;
    }
    if !assume {
        let mut needs = pre;
        needs.extend(sim.iter().map(|k| format!("during the scenario: {}", k.describe())));
        return Some(format!(
            "needs simulator preconditions ({}); pass --assume-preconditions if they hold on this device",
            needs.join("; ")
        ));
    }
    let other: Vec<String> = sim
        .iter()
        .filter(|k| !matches!(k, PreconditionKind::ClockAdvance(_)))
        .map(|k| k.describe())
        .collect();
    if other.is_empty() {
        None
    } else {
        Some(format!(
            "needs simulator control during the scenario ({}); on hardware only clock advances can be \
             honoured (as real waits)",
            other.join("; ")
        ))
    }
}

/// One send's outcome, judged: the failures (empty when every expectation of the step holds).
fn judge(
    step: &Step,
    label: &str,
    outcome: &Result<Exchange, NoAnswer>,
    vars: &BTreeMap<String, String>,
) -> Vec<Failure> {
    let fail = |kind, loc: &Loc, message: String| Failure {
        kind,
        loc: loc.clone(),
        step: Some(label.to_owned()),
        message,
    };
    let mut out = Vec::new();
    match (outcome, &step.connect) {
        (Err(e), Some((ConnectExpect::Refused, _))) if e.refused => {}
        (Err(e), Some((ConnectExpect::Refused, loc))) => out.push(fail(
            FailureKind::Transport,
            loc,
            format!("expected the connection to be refused, but: {}", e.message),
        )),
        (Ok(ex), Some((ConnectExpect::Refused, loc))) => out.push(fail(
            FailureKind::Transport,
            loc,
            format!("expected the connection to be refused, but the device answered {}", ex.response.status),
        )),
        (Err(e), None) => out.push(fail(FailureKind::Transport, &step.loc, e.message.clone())),
        (Ok(ex), None) => {
            if let Some((want, loc)) = &step.status {
                if ex.response.status != *want {
                    let body = ex.response.text();
                    let body = if body.len() > 200 {
                        format!("{}…", &body[..body.floor_char_boundary_compat(200)])
                    } else {
                        body
                    };
                    out.push(fail(
                        FailureKind::Status,
                        loc,
                        format!(
                            "status: expected {want}, got {} (body: {})",
                            ex.response.status,
                            body.trim()
                        ),
                    ));
                }
            }
            for a in &step.asserts {
                if let Err(e) = check::check(a, &ex.response, vars) {
                    out.push(fail(FailureKind::Assert, &a.loc, e));
                }
            }
        }
    }
    out
}

/// Store a captured value, combining it with the previous one as the capture says.
fn store_capture(vars: &mut BTreeMap<String, String>, c: &Capture, value: String) -> Result<(), String> {
    let new = match c.accumulate {
        Accumulate::Replace => value,
        Accumulate::Sum => {
            let prev = vars.get(&c.name).map(String::as_str).unwrap_or("0");
            match (prev.trim().parse::<i64>(), value.trim().parse::<i64>()) {
                (Ok(a), Ok(b)) => a.checked_add(b).ok_or("the sum overflows")?.to_string(),
                _ => {
                    let a = prev
                        .trim()
                        .parse::<f64>()
                        .map_err(|_| format!("previous value {prev:?} is not a number"))?;
                    let b = value.trim().parse::<f64>().map_err(|_| format!("{value:?} is not a number"))?;
                    serde_json::Value::from(a + b).to_string()
                }
            }
        }
        Accumulate::Append => {
            let mut items = match vars.get(&c.name) {
                None => Vec::new(),
                Some(prev) => match serde_json::from_str::<serde_json::Value>(prev) {
                    Ok(serde_json::Value::Array(a)) => a,
                    _ => return Err(format!("previous value {prev:?} is not a JSON array")),
                },
            };
            match serde_json::from_str::<serde_json::Value>(&value) {
                Ok(serde_json::Value::Array(a)) => items.extend(a),
                Ok(v) => items.push(v),
                Err(_) => items.push(serde_json::Value::String(value)),
            }
            serde_json::Value::Array(items).to_string()
        }
    };
    vars.insert(c.name.clone(), new);
    Ok(())
}

/// Run one scenario. Returns its result and the normalised exchanges of the steps that reached
/// the device.
async fn run_scenario(
    sc: &Scenario,
    target: &Target,
    cfg: &RunConfig,
) -> (ScenarioResult, Vec<KeptExchange>) {
    let started = Instant::now();
    let mut result = ScenarioResult {
        id: sc.id.clone(),
        file: sc.file.clone(),
        name: sc.name.clone(),
        tags: sc.tags.clone(),
        verdict: Verdict::Passed,
        skip_reason: None,
        elapsed_ms: 0.0,
        failures: Vec::new(),
        steps: Vec::new(),
    };
    let mut exchanges = Vec::new();
    if !target.is_sim() {
        if let Some(why) = hardware_skip(sc, cfg.assume_preconditions) {
            result.verdict = Verdict::Skipped;
            result.skip_reason = Some(why);
            return (result, exchanges);
        }
    }
    if target.is_sim() {
        let scenario_loc = Loc { file: sc.file.clone(), line: 1 };
        if let Err(e) = target.isolate().await {
            result.failures.push(Failure {
                kind: FailureKind::Precondition,
                loc: scenario_loc,
                step: None,
                message: format!("cannot reset the simulator: {e}"),
            });
        }
        for p in &sc.preconditions {
            if let Err(e) = target.precondition(&p.kind).await {
                result.failures.push(Failure {
                    kind: FailureKind::Precondition,
                    loc: p.loc.clone(),
                    step: None,
                    message: format!("precondition failed: {e}"),
                });
            }
        }
    }
    if !result.failures.is_empty() {
        result.verdict = Verdict::Failed;
        result.elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
        return (result, exchanges);
    }
    let mut vars: BTreeMap<String, String> = sc.vars.iter().cloned().collect();
    for (k, v) in &target.vars {
        vars.insert(k.clone(), v.clone());
    }
    // The client's own limit; a step's `timeout_ms` (shorter or longer) is applied around each send.
    let longest = sc.steps.iter().filter_map(|s| s.timeout_ms).max().unwrap_or(0);
    let client_limit = Duration::from_millis(longest.max(30_000));
    let mut client = match Client::new(&target.base_url, target.insecure, client_limit) {
        Ok(c) => c,
        Err(e) => {
            result.failures.push(Failure {
                kind: FailureKind::Transport,
                loc: Loc { file: sc.file.clone(), line: 1 },
                step: None,
                message: e,
            });
            result.verdict = Verdict::Failed;
            return (result, exchanges);
        }
    };
    let mut abort: Option<String> = None;
    let mut rtsp_conn: Option<RtspConn> = None;
    for step in &sc.steps {
        let mut sr = StepResult {
            index: step.index,
            name: step.name.clone(),
            id: step.id(sc),
            line: step.loc.line,
            verdict: Verdict::Passed,
            status: None,
            elapsed_ms: 0.0,
            failures: Vec::new(),
            golden: GoldenVerdict::NotCompared,
            attempts: 0,
            iterations: 0,
            known_failures: Vec::new(),
            route: None,
        };
        let label = step_label(step);
        let fail = |kind, loc: &Loc, message: String| Failure {
            kind,
            loc: loc.clone(),
            step: Some(label.clone()),
            message,
        };
        if let Some(why) = &abort {
            sr.failures.push(fail(FailureKind::Transport, &step.loc, format!("not run: {why}")));
            sr.verdict = Verdict::Failed;
            result.steps.push(sr);
            continue;
        }
        let request = match &step.action {
            StepAction::Http(r) => r,
            StepAction::Rtsp(raw) => {
                let began = Instant::now();
                let out = rtsp_step(sc, step, &label, raw, &mut rtsp_conn, &mut vars, cfg).await;
                sr.elapsed_ms = began.elapsed().as_secs_f64() * 1000.0;
                sr.attempts = out.attempts;
                sr.iterations = 1;
                sr.status = out.status;
                sr.failures.extend(out.failures);
                if let Some(why) = out.abort {
                    abort = Some(why);
                }
                if let Some(ex) = out.exchange {
                    exchanges.push((step.name.clone(), step.index, ex, step.golden));
                }
                if !sr.failures.is_empty() {
                    sr.verdict = Verdict::Failed;
                }
                result.steps.push(sr);
                continue;
            }
            StepAction::Play(p) => {
                let began = Instant::now();
                let (failures, ex) = play_step(sc, step, &label, p, &vars, target.is_sim()).await;
                sr.elapsed_ms = began.elapsed().as_secs_f64() * 1000.0;
                sr.attempts = 1;
                sr.iterations = 1;
                if let Some(ex) = ex {
                    sr.status = Some(ex.response.status);
                    let host = vars.get("rtsp_url").and_then(|u| rtsp::host_port(u).ok()).unwrap_or_default();
                    let ex = if host.is_empty() { ex } else { rtsp::hole_host(&ex, &host) };
                    exchanges.push((
                        step.name.clone(),
                        step.index,
                        normalize::normalize(&ex, &cfg.redaction),
                        step.golden,
                    ));
                }
                sr.failures.extend(failures);
                if !sr.failures.is_empty() {
                    sr.verdict = Verdict::Failed;
                }
                result.steps.push(sr);
                continue;
            }
            StepAction::Sim(kind) => {
                let began = Instant::now();
                let done = if target.is_sim() {
                    target.precondition(kind).await
                } else if let PreconditionKind::ClockAdvance(secs) = kind {
                    // Hardware with --assume-preconditions: device time passes in real time.
                    tokio::time::sleep(Duration::from_secs_f64(*secs)).await;
                    Ok(())
                } else {
                    Err(format!("{} needs a simulator", kind.describe()))
                };
                sr.elapsed_ms = began.elapsed().as_secs_f64() * 1000.0;
                if let Err(e) = done {
                    sr.failures.push(fail(
                        FailureKind::Precondition,
                        &step.loc,
                        format!("sim step failed: {e}"),
                    ));
                    sr.verdict = Verdict::Failed;
                    abort = Some(format!("sim step {label} failed"));
                }
                result.steps.push(sr);
                continue;
            }
        };
        let attempts = step.retry.map_or(1, |r| r.attempts);
        let interval = Duration::from_millis(step.retry.map_or(0, |r| r.interval_ms));
        let max_iterations = step.repeat.as_ref().map_or(1, |r| r.max);
        let began = Instant::now();
        loop {
            sr.iterations += 1;
            let prepared = match prepare(sc, request, &vars) {
                Ok(p) => p,
                Err(e) => {
                    sr.failures.push(fail(FailureKind::Request, &step.loc, e));
                    abort = Some(format!("step {label} could not be built"));
                    break;
                }
            };
            let mut outcome;
            let mut failures;
            let mut sent = 0;
            loop {
                sent += 1;
                let send = async {
                    if step.connect.is_some() {
                        client.send_fresh(&prepared).await
                    } else {
                        client.send(&prepared).await
                    }
                };
                outcome = match step.timeout_ms {
                    None => send.await,
                    Some(ms) => {
                        tokio::time::timeout(Duration::from_millis(ms), send).await.unwrap_or_else(|_| {
                            Err(NoAnswer::from(format!("no answer within timeout_ms = {ms}")))
                        })
                    }
                };
                failures = judge(step, &label, &outcome, &vars);
                if failures.is_empty() || sent >= attempts {
                    break;
                }
                tokio::time::sleep(interval).await;
            }
            sr.attempts = sent;
            if sent > 1 && !failures.is_empty() {
                for f in &mut failures {
                    f.message.push_str(&format!(" (after {sent} attempts)"));
                }
            }
            let passed = failures.is_empty();
            sr.failures.extend(failures);
            let ex = match outcome {
                Ok(ex) => ex,
                Err(_) => {
                    if step.connect.is_none() {
                        abort = Some(format!("step {label} got no answer"));
                    }
                    break;
                }
            };
            sr.status = Some(ex.response.status);
            sr.route =
                devices::classify(&cfg.device, &ex.request.method, &ex.request.target, &ex.request.body);
            for c in &step.captures {
                let got =
                    check::capture(&c.source, &ex.response).and_then(|v| store_capture(&mut vars, c, v));
                if let Err(e) = got {
                    sr.failures.push(fail(FailureKind::Capture, &c.loc, format!("capture {}: {e}", c.name)));
                }
            }
            let golden_name = if sr.iterations == 1 {
                step.name.clone()
            } else {
                format!("{} #{}", step.name, sr.iterations)
            };
            exchanges.push((golden_name, step.index, normalize::normalize(&ex, &cfg.redaction), step.golden));
            let Some(rep) = &step.repeat else { break };
            if !passed || !sr.failures.is_empty() {
                break;
            }
            if check::check(&rep.condition, &ex.response, &vars).is_err() {
                break;
            }
            if sr.iterations >= max_iterations {
                sr.failures.push(fail(
                    FailureKind::Assert,
                    &rep.condition.loc,
                    format!(
                        "repeat: `while` ({} {}) still holds after {max_iterations} sends",
                        rep.condition.subject, rep.condition.predicate
                    ),
                ));
                break;
            }
        }
        sr.elapsed_ms = began.elapsed().as_secs_f64() * 1000.0;
        if !sr.failures.is_empty() {
            sr.verdict = Verdict::Failed;
        }
        result.steps.push(sr);
    }
    if result.all_failures().next().is_some() {
        result.verdict = Verdict::Failed;
    }
    result.elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    (result, exchanges)
}

/// What an `rtsp` step produced.
struct RtspOutcome {
    status: Option<u16>,
    attempts: u32,
    failures: Vec<Failure>,
    exchange: Option<NormExchange>,
    abort: Option<String>,
}

/// One raw RTSP step over the scenario's connection (opened on first use, to `{{rtsp_url}}`).
async fn rtsp_step(
    sc: &Scenario,
    step: &Step,
    label: &str,
    raw: &crate::scenario::RtspRaw,
    conn: &mut Option<RtspConn>,
    vars: &mut BTreeMap<String, String>,
    cfg: &RunConfig,
) -> RtspOutcome {
    let fail = |kind, loc: &Loc, message: String| Failure {
        kind,
        loc: loc.clone(),
        step: Some(label.to_owned()),
        message,
    };
    let mut out =
        RtspOutcome { status: None, attempts: 0, failures: Vec::new(), exchange: None, abort: None };
    let Some(base) = vars.get("rtsp_url").cloned() else {
        out.failures.push(fail(
            FailureKind::Request,
            &step.loc,
            "no {{rtsp_url}}: the target has no RTSP listener (hardware: set CONFORM_RTSP_URL)".into(),
        ));
        out.abort = Some(format!("step {label} could not be built"));
        return out;
    };
    let host = match rtsp::host_port(&base) {
        Ok(h) => h,
        Err(e) => {
            out.failures.push(fail(FailureKind::Request, &step.loc, e));
            out.abort = Some(format!("step {label} could not be built"));
            return out;
        }
    };
    let c = conn.get_or_insert_with(|| RtspConn::new(host.clone()));
    if raw.raw.contains("{{rtsp_client_ports}}") {
        match c.client_ports().await {
            Ok(p) => {
                vars.insert("rtsp_client_ports".into(), p);
            }
            Err(e) => {
                out.failures.push(fail(FailureKind::Transport, &step.loc, e));
                out.abort = Some(format!("step {label} could not be built"));
                return out;
            }
        }
    }
    let built = substitute(&raw.raw, vars).and_then(|text| {
        let auth = resolve_auth(&sc.auth, raw.auth.as_ref(), vars)?;
        let uri = raw.digest_uri.as_deref().map(|u| substitute(u, vars)).transpose()?;
        Ok((text, auth, uri))
    });
    let (text, auth, uri) = match built {
        Ok(b) => b,
        Err(e) => {
            out.failures.push(fail(FailureKind::Request, &step.loc, e));
            out.abort = Some(format!("step {label} could not be built"));
            return out;
        }
    };
    // A raw step only authenticates when it says so: the scenario's cookie default means none.
    let auth = if raw.auth.is_some() { auth } else { crate::client::Auth::default() };
    let attempts = step.retry.map_or(1, |r| r.attempts);
    let interval = Duration::from_millis(step.retry.map_or(0, |r| r.interval_ms));
    let limit = Duration::from_millis(step.timeout_ms.unwrap_or(30_000));
    let (mut outcome, mut failures);
    let mut sent = 0;
    loop {
        sent += 1;
        let c = conn.get_or_insert_with(|| RtspConn::new(host.clone()));
        outcome = match tokio::time::timeout(limit, c.send(&text, &auth, uri.as_deref())).await {
            Ok(o) => o,
            Err(_) => {
                // The connection is mid-message: start over on the next step.
                *conn = None;
                Err(NoAnswer::from(format!("no RTSP answer within {} ms", limit.as_millis())))
            }
        };
        failures = judge(step, label, &outcome, vars);
        if failures.is_empty() || sent >= attempts {
            break;
        }
        tokio::time::sleep(interval).await;
    }
    out.attempts = sent;
    if sent > 1 && !failures.is_empty() {
        for f in &mut failures {
            f.message.push_str(&format!(" (after {sent} attempts)"));
        }
    }
    out.failures = failures;
    match outcome {
        Err(_) => {
            if step.connect.is_none() {
                out.abort = Some(format!("step {label} got no answer"));
            }
        }
        Ok(ex) => {
            out.status = Some(ex.response.status);
            for c in &step.captures {
                let got = check::capture(&c.source, &ex.response).and_then(|v| store_capture(vars, c, v));
                if let Err(e) = got {
                    out.failures.push(fail(FailureKind::Capture, &c.loc, format!("capture {}: {e}", c.name)));
                }
            }
            out.exchange = Some(normalize::normalize(&rtsp::hole_host(&ex, &host), &cfg.redaction));
        }
    }
    out
}

/// A `play` step: retina plays the stream; codec, size, frame count and (simulators, with
/// `start`) the in-band device time of every frame are checked. The exchange kept for the golden
/// is `PLAY <url>` answered by the codec and size.
async fn play_step(
    sc: &Scenario,
    step: &Step,
    label: &str,
    p: &PlaySpec,
    vars: &BTreeMap<String, String>,
    on_sim: bool,
) -> (Vec<Failure>, Option<Exchange>) {
    let fail = |kind, loc: &Loc, message: String| Failure {
        kind,
        loc: loc.clone(),
        step: Some(label.to_owned()),
        message,
    };
    let built = (|| -> Result<_, String> {
        let url = substitute(&p.url, vars)?;
        let start = match &p.start {
            None => None,
            Some(s) => {
                let s = substitute(s, vars)?;
                Some(
                    chrono::DateTime::parse_from_rfc3339(&s)
                        .map_err(|e| format!("play.start {s:?}: {e}"))?
                        .timestamp_millis(),
                )
            }
        };
        let auth = resolve_auth(&sc.auth, p.auth.as_ref(), vars)?;
        Ok((url, start, auth))
    })();
    let (url, start, auth) = match built {
        Ok(b) => b,
        Err(e) => return (vec![fail(FailureKind::Request, &step.loc, e)], None),
    };
    let limit = Duration::from_millis(step.timeout_ms.unwrap_or((p.seconds * 1000.0) as u64 + 30_000));
    let (user, password) = match auth.mode {
        crate::scenario::AuthMode::None => (None, None),
        _ => (auth.user.as_deref(), auth.password.as_deref()),
    };
    let played = match rtsp::play(&url, p.transport, user, password, p.seconds, limit).await {
        Ok(pl) => pl,
        Err(e) => return (vec![fail(FailureKind::Transport, &step.loc, format!("play {url}: {e}"))], None),
    };
    let mut failures = Vec::new();
    let e = &step.play_expect;
    if let Some((want, loc)) = &e.codec {
        if played.codec != *want {
            failures.push(fail(
                FailureKind::Assert,
                loc,
                format!("codec: expected {want}, got {}", played.codec),
            ));
        }
    }
    for (want, got, what) in
        [(&e.width, played.size.map(|s| s.0), "width"), (&e.height, played.size.map(|s| s.1), "height")]
    {
        if let Some((w, loc)) = want {
            if got != Some(*w) {
                let got = got.map_or("unknown (no parameters)".to_owned(), |g| g.to_string());
                failures.push(fail(FailureKind::Assert, loc, format!("{what}: expected {w}, got {got}")));
            }
        }
    }
    let min = e.min_frames.as_ref().map_or(1, |(n, _)| *n);
    let min_loc = e.min_frames.as_ref().map_or(&step.loc, |(_, l)| l);
    if (played.frames as u64) < u64::from(min) {
        failures.push(fail(
            FailureKind::Assert,
            min_loc,
            format!(
                "frames: expected at least {min}, got {} ({:.2} s of media within {} ms)",
                played.frames,
                played.media_seconds,
                limit.as_millis()
            ),
        ));
    } else if played.media_seconds + 0.5 < p.seconds && e.min_frames.is_none() {
        failures.push(fail(
            FailureKind::Assert,
            &step.loc,
            format!(
                "played {:.2} s of media, not {} s, within {} ms",
                played.media_seconds,
                p.seconds,
                limit.as_millis()
            ),
        ));
    }
    if let (true, Some(start)) = (on_sim, start) {
        let tol = (p.tolerance_seconds * 1000.0) as i64;
        let (lo, hi) = (start - tol, start + (p.seconds * 1000.0) as i64 + tol);
        for (i, t) in played.device_times.iter().enumerate() {
            match t {
                None => {
                    failures.push(fail(
                        FailureKind::Assert,
                        &step.loc,
                        format!("frame {i} carries no device time (SEI)"),
                    ));
                    break;
                }
                Some(t) if !(lo..=hi).contains(t) => {
                    let at = |ms: i64| {
                        chrono::DateTime::from_timestamp_millis(ms).map_or(ms.to_string(), |d| d.to_rfc3339())
                    };
                    failures.push(fail(
                        FailureKind::Assert,
                        &step.loc,
                        format!(
                            "frame {i} was recorded at {}, outside the requested window {} .. {}",
                            at(*t),
                            at(lo),
                            at(hi)
                        ),
                    ));
                    break;
                }
                Some(_) => {}
            }
        }
    }
    let transport = match p.transport {
        crate::scenario::PlayTransport::Tcp => "tcp",
        crate::scenario::PlayTransport::Udp => "udp",
    };
    let size = played.size.map_or("unknown".to_owned(), |(w, h)| format!("{w}x{h}"));
    let ex = Exchange {
        request: crate::client::OutRequest {
            method: "PLAY".into(),
            target: url,
            headers: vec![("transport".into(), transport.into())],
            body: Vec::new(),
        },
        response: crate::client::Response {
            status: 200,
            headers: vec![("codec".into(), played.codec.clone()), ("size".into(), size)],
            body: Vec::new(),
        },
        elapsed_ms: 0.0,
    };
    (failures, Some(ex))
}

/// `str::floor_char_boundary` is unstable; this is the same for our use.
trait FloorCharBoundary {
    fn floor_char_boundary_compat(&self, i: usize) -> usize;
}

impl FloorCharBoundary for String {
    fn floor_char_boundary_compat(&self, i: usize) -> usize {
        let mut i = i.min(self.len());
        while !self.is_char_boundary(i) {
            i -= 1;
        }
        i
    }
}

/// Compare, bless or capture the golden of one scenario; updates `res` and the ledger bookkeeping.
#[allow(clippy::too_many_arguments)]
fn golden_step(
    sc: &Scenario,
    res: &mut ScenarioResult,
    exchanges: &[KeptExchange],
    target: &Target,
    cfg: &RunConfig,
    ledger: &Ledger,
    ledger_hits: &mut BTreeSet<String>,
    notes: &mut Vec<String>,
) {
    let Some(profile) = target.profile.as_deref() else { return };
    let path = golden::path_for(&cfg.golden_dir, &cfg.device, profile, &sc.id);
    let shown = path.display().to_string();
    let loc = Loc { file: shown.clone(), line: 1 };
    let existing = match golden::load(&path) {
        Ok(g) => g,
        Err(e) => {
            res.failures.push(Failure { kind: FailureKind::Golden, loc, step: None, message: e });
            res.verdict = Verdict::Failed;
            return;
        }
    };
    match cfg.golden_mode {
        GoldenMode::Off => {}
        GoldenMode::Bless { .. } | GoldenMode::Capture => {
            let force = matches!(cfg.golden_mode, GoldenMode::Bless { force: true });
            if matches!(cfg.golden_mode, GoldenMode::Bless { .. }) {
                if res.verdict != Verdict::Passed {
                    notes.push(format!("{}: not blessed: the scenario fails on the simulator", sc.id));
                    return;
                }
                if existing.as_ref().is_some_and(|g| g.source.is_hardware()) && !force {
                    notes.push(format!(
                        "{shown}: a hardware golden; bless does not overwrite it without --force"
                    ));
                    return;
                }
            }
            let steps = exchanges
                .iter()
                .filter(|(_, _, _, keep)| *keep)
                .map(|(n, _, e, _)| (n.clone(), e.clone()))
                .collect();
            let g = Golden { source: target.source.clone(), steps };
            let mut text = golden::render(&cfg.device, profile, &sc.id, &sc.file, &g);
            text = normalize::scrub_secrets(&text, &target.secrets);
            if let Some(parent) = path.parent() {
                let _ = std::fs::create_dir_all(parent);
            }
            if let Err(e) = std::fs::write(&path, text) {
                res.failures.push(Failure {
                    kind: FailureKind::Golden,
                    loc,
                    step: None,
                    message: e.to_string(),
                });
                return;
            }
            for s in res.steps.iter_mut() {
                if exchanges.iter().any(|(_, i, _, keep)| *keep && *i == s.index) {
                    s.golden = GoldenVerdict::Written { path: shown.clone() };
                }
            }
        }
        GoldenMode::Compare => {
            let Some(g) = existing else {
                if cfg.require_goldens {
                    res.failures.push(Failure {
                        kind: FailureKind::Golden,
                        loc,
                        step: None,
                        message: "no golden for this scenario and profile (run `conform bless`)".into(),
                    });
                    res.verdict = Verdict::Failed;
                } else {
                    notes.push(format!("{}: no golden at {shown}", sc.id));
                }
                for s in res.steps.iter_mut() {
                    s.golden = GoldenVerdict::Missing;
                }
                return;
            };
            for (name, index, ex, keep) in exchanges {
                if !keep {
                    continue;
                }
                let Some(s) = res.steps.iter_mut().find(|s| s.index == *index) else { continue };
                if matches!(s.golden, GoldenVerdict::Differs { .. } | GoldenVerdict::Missing) {
                    continue; // an earlier iteration of this step already differs
                }
                let step_id = s.id.clone();
                let Some((_, want)) = g.steps.iter().find(|(n, _)| n == name) else {
                    s.golden = GoldenVerdict::Missing;
                    let msg = format!("the golden has no step {name:?} (re-bless)");
                    s.failures.push(Failure {
                        kind: FailureKind::Golden,
                        loc: loc.clone(),
                        step: Some(format!("{} {:?}", s.index, s.name)),
                        message: msg,
                    });
                    s.verdict = Verdict::Failed;
                    continue;
                };
                let diffs = golden::diff_response(&want.response, &ex.response);
                if diffs.is_empty() {
                    if !matches!(s.golden, GoldenVerdict::Known { .. }) {
                        s.golden = GoldenVerdict::Match;
                    }
                } else if let Some(d) = ledger.find(&step_id) {
                    ledger_hits.insert(step_id);
                    s.golden = GoldenVerdict::Known { reason: d.reason.clone(), diffs };
                } else {
                    let scen_loc = Loc { file: sc.file.clone(), line: s.line };
                    s.failures.push(Failure {
                        kind: FailureKind::Golden,
                        loc: scen_loc,
                        step: Some(format!("{} {:?}", s.index, s.name)),
                        message: if *name == s.name {
                            format!("differs from golden {shown}:\n    {}", diffs.join("\n    "))
                        } else {
                            format!("{name:?} differs from golden {shown}:\n    {}", diffs.join("\n    "))
                        },
                    });
                    s.verdict = Verdict::Failed;
                    s.golden = GoldenVerdict::Differs { diffs };
                }
            }
            if res.all_failures().next().is_some() {
                res.verdict = Verdict::Failed;
            }
        }
    }
}

/// Run `scenarios` (already filtered) against `target`.
pub async fn run(
    scenarios: &[Scenario],
    target: &Target,
    cfg: &RunConfig,
    progress: &mut dyn FnMut(&ScenarioResult),
) -> Report {
    let started = Instant::now();
    let ledger_path =
        target.profile.as_deref().map(|p| cfg.golden_dir.join(&cfg.device).join(p).join("ledger.toml"));
    let mut notes = Vec::new();
    let ledger = match ledger_path.as_deref().map(Ledger::load) {
        Some(Ok(l)) => l,
        Some(Err(e)) => {
            notes.push(format!("ledger not read: {e}"));
            Ledger::default()
        }
        None => Ledger::default(),
    };
    if target.profile.is_none() && cfg.golden_mode != GoldenMode::Off {
        notes.push("no --profile for this target: goldens not compared".into());
    }
    let mut results = Vec::new();
    let mut ledger_hits = BTreeSet::new();
    let (scenarios, other_profiles): (Vec<&Scenario>, Vec<&Scenario>) =
        scenarios.iter().partition(|s| applies_to(s, target.profile.as_deref()));
    if !other_profiles.is_empty() {
        let ids: Vec<&str> = other_profiles.iter().map(|s| s.id.as_str()).collect();
        notes.push(format!(
            "{} scenarios are written for other profiles and were not run: {}",
            ids.len(),
            ids.join(", ")
        ));
    }
    for sc in scenarios {
        let (mut res, exchanges) = run_scenario(sc, target, cfg).await;
        excuse_known_failures(&mut res, &ledger, &mut ledger_hits);
        if res.verdict != Verdict::Skipped {
            golden_step(sc, &mut res, &exchanges, target, cfg, &ledger, &mut ledger_hits, &mut notes);
        }
        progress(&res);
        results.push(res);
    }
    // Stale ledger entries: only judged for scenarios that ran in compare mode.
    let ran: BTreeSet<&str> =
        results.iter().filter(|r| r.verdict != Verdict::Skipped).map(|r| r.id.as_str()).collect();
    let stale: Vec<Deviation> = if cfg.golden_mode == GoldenMode::Compare {
        ledger
            .deviations
            .iter()
            .filter(|d| {
                d.step.split('#').next().is_some_and(|s| ran.contains(s)) && !ledger_hits.contains(&d.step)
            })
            .cloned()
            .collect()
    } else {
        Vec::new()
    };
    let coverage = if target.is_sim() { coverage(&cfg.device, &results) } else { None };
    let summary = Summary {
        scenarios: results.len(),
        passed: results.iter().filter(|r| r.verdict == Verdict::Passed).count(),
        failed: results.iter().filter(|r| r.verdict == Verdict::Failed).count(),
        skipped: results.iter().filter(|r| r.verdict == Verdict::Skipped).count(),
        steps: results.iter().map(|r| r.steps.len()).sum(),
        known_deviations: ledger_hits.len(),
    };
    Report {
        device: cfg.device.clone(),
        target: target.label.clone(),
        profile: target.profile.clone(),
        golden_mode: cfg.golden_mode,
        elapsed_ms: started.elapsed().as_secs_f64() * 1000.0,
        summary,
        scenarios: results,
        stale_ledger: stale,
        coverage,
        notes,
    }
}

/// Move step failures (status, asserts) that the ledger names into `known_failures`; a scenario
/// whose only failures are known passes.
fn excuse_known_failures(res: &mut ScenarioResult, ledger: &Ledger, hits: &mut BTreeSet<String>) {
    if res.verdict != Verdict::Failed {
        return;
    }
    for st in res.steps.iter_mut() {
        let (known, kept): (Vec<Failure>, Vec<Failure>) =
            std::mem::take(&mut st.failures).into_iter().partition(|f| {
                matches!(f.kind, FailureKind::Status | FailureKind::Assert)
                    && ledger.find_failure(&st.id, &f.message).is_some()
            });
        for f in known {
            if let Some(d) = ledger.find_failure(&st.id, &f.message) {
                hits.insert(d.step.clone());
                st.known_failures.push(format!("{f} (known: {})", d.reason));
            }
        }
        st.failures = kept;
        if st.failures.is_empty() && st.verdict == Verdict::Failed {
            st.verdict = Verdict::Passed;
        }
    }
    if res.all_failures().next().is_none() {
        res.verdict = Verdict::Passed;
    }
}

fn coverage(device: &str, results: &[ScenarioResult]) -> Option<Vec<CoverageRow>> {
    let routes = devices::routes(device)?;
    let mut counts: BTreeMap<Route, usize> = BTreeMap::new();
    for s in results {
        for st in &s.steps {
            if let Some(r) = &st.route {
                *counts.entry(r.clone()).or_default() += 1;
            }
        }
    }
    Some(
        routes
            .into_iter()
            .map(|r| CoverageRow {
                steps: counts.get(&r).copied().unwrap_or(0),
                resource: r.resource,
                action: r.action,
            })
            .collect(),
    )
}

/// Where the redaction table of `device` lives below the crate.
pub fn redaction_path(conformance_dir: &Path, device: &str) -> PathBuf {
    conformance_dir.join("redaction").join(format!("{device}.toml"))
}
