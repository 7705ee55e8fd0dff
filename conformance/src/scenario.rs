//! The scenario format: TOML files under `scenarios/<device>/<area>/<name>.toml`.
//!
//! This module only parses and validates; it knows nothing of HTTP or targets. Every assert,
//! capture and precondition keeps the line it came from, so a failure can name the file, the line
//! and the step. Unknown keys are rejected with the file and line (`deny_unknown_fields` plus the
//! TOML span of the offending key). The format is documented in `docs/scenarios.md`.

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{Map, Value};
use toml::Spanned;

/// A place in a scenario file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Loc {
    pub file: String,
    pub line: usize,
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// A scenario that could not be read, with where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{loc}: {message}")]
pub struct FormatError {
    pub loc: Loc,
    pub message: String,
}

/// A parsed, validated scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The file as given to the loader (used in every message).
    pub file: String,
    /// `<area>/<stem>`: the scenario's id, also the golden's path below the profile.
    pub id: String,
    pub area: String,
    pub name: String,
    pub tags: Vec<String>,
    pub description: String,
    pub vars: Vec<(String, String)>,
    pub auth: AuthSpec,
    /// Profiles the scenario is written for (empty: every profile). Elsewhere it is skipped.
    pub profiles: Vec<String>,
    pub preconditions: Vec<Precondition>,
    pub steps: Vec<Step>,
}

impl Scenario {
    /// The simulator-control steps (`sim = {...}`) of the scenario, in order.
    pub fn sim_steps(&self) -> impl Iterator<Item = (&Step, &PreconditionKind)> {
        self.steps.iter().filter_map(|s| match &s.action {
            StepAction::Sim(k) => Some((s, k)),
            StepAction::Http(_) | StepAction::Rtsp(_) | StepAction::Play(_) => None,
        })
    }
}

#[derive(Debug, Clone)]
pub struct Step {
    /// 1-based position in the scenario.
    pub index: usize,
    pub name: String,
    pub loc: Loc,
    /// What the step does: an HTTP request, or a simulator-control call.
    pub action: StepAction,
    pub status: Option<(u16, Loc)>,
    /// `expect.connect`: what must happen to the TCP connection (default: it is answered).
    pub connect: Option<(ConnectExpect, Loc)>,
    pub asserts: Vec<Assert>,
    pub captures: Vec<Capture>,
    /// `retry`: send again until the step's expectations hold.
    pub retry: Option<Retry>,
    /// `repeat`: send again while a condition holds on the answer (paging loops).
    pub repeat: Option<Repeat>,
    /// Whether the exchange goes into the golden file.
    pub golden: bool,
    /// `timeout_ms`: how long one send (or a whole `play`) may take before it counts as no answer.
    pub timeout_ms: Option<u64>,
    /// `expect.codec`, `expect.width`, ... of a `play` step.
    pub play_expect: PlayExpect,
}

/// What a `play` step expects of the stream (`expect.codec`, `expect.width`, `expect.height`,
/// `expect.min_frames`), each with its line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlayExpect {
    pub codec: Option<(String, Loc)>,
    pub width: Option<(u32, Loc)>,
    pub height: Option<(u32, Loc)>,
    pub min_frames: Option<(u32, Loc)>,
}

/// `rtsp = { raw = "...", auth = {...}, digest_uri = "..." }`: one request written out as on the
/// wire (lines joined with CRLF by the runner), sent over the scenario's RTSP connection.
#[derive(Debug, Clone, PartialEq)]
pub struct RtspRaw {
    pub raw: String,
    /// `auth = { mode = "digest", user, password }` adds an `Authorization` answering the last
    /// Digest challenge seen on the connection (or the one this request draws).
    pub auth: Option<AuthSpec>,
    /// The `uri` the digest covers (default: the request URL).
    pub digest_uri: Option<String>,
}

/// Lower-transport of a `play` step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlayTransport {
    Tcp,
    Udp,
}

/// `play = { url, transport, seconds, start, auth, tolerance_seconds }`: play the stream with a real
/// RTSP client (retina) for `seconds` of media.
#[derive(Debug, Clone, PartialEq)]
pub struct PlaySpec {
    pub url: String,
    pub transport: PlayTransport,
    pub seconds: f64,
    /// RFC 3339 clock time playback was asked to start at; on a simulator every frame's in-band
    /// time must fall in `[start - tolerance, start + seconds + tolerance]`.
    pub start: Option<String>,
    pub tolerance_seconds: f64,
    pub auth: Option<AuthSpec>,
}

/// What a step does.
#[derive(Debug, Clone, PartialEq)]
pub enum StepAction {
    Http(Box<Request>),
    /// A `/__sim` call between HTTP steps (simulators; see docs/scenarios.md for hardware).
    Sim(PreconditionKind),
    /// A raw RTSP request over the scenario's RTSP connection.
    Rtsp(Box<RtspRaw>),
    /// Playback through a real RTSP client.
    Play(Box<PlaySpec>),
}

/// `expect.connect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ConnectExpect {
    /// A new TCP connection is refused (the device is down or restarting).
    Refused,
}

/// `retry = { attempts = 50, interval_ms = 100 }`: at most `attempts` sends, `interval_ms` apart,
/// until the status, connect expectation and every assert hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    pub attempts: u32,
    pub interval_ms: u64,
}

/// `repeat = { while = { json = "$.nextPage", equals = true }, max = 20 }`: after a passing
/// answer, captures are taken and the step is sent again (variables substituted anew) while the
/// condition holds; `max` bounds the number of sends, and a condition still true after `max`
/// sends is a failure.
#[derive(Debug, Clone)]
pub struct Repeat {
    pub condition: Assert,
    pub max: u32,
}

/// Largest `retry.attempts` and `repeat.max`.
pub const MAX_ATTEMPTS: u32 = 10_000;
/// Largest `retry.interval_ms` (one minute).
pub const MAX_INTERVAL_MS: u64 = 60_000;

impl Step {
    /// `<scenario id>#<step name>`: how ledgers and reports name a step.
    pub fn id(&self, scenario: &Scenario) -> String {
        format!("{}#{}", scenario.id, self.name)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub form: Option<Vec<(String, String)>>,
    pub json: Option<Value>,
    pub body: Option<String>,
    /// Overrides the scenario's auth for this step.
    pub auth: Option<AuthSpec>,
    /// The cookie jar the step uses (default `default`).
    pub session: String,
}

/// How a request authenticates.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AuthSpec {
    #[serde(default)]
    pub mode: AuthMode,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub token: Option<String>,
    /// Copy this cookie's value into `csrf_header` on every request (FortiOS `ccsrftoken`).
    #[serde(default)]
    pub csrf_cookie: Option<String>,
    #[serde(default)]
    pub csrf_header: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthMode {
    /// Send the cookies of the step's jar, keep the cookies the device sets (the default).
    #[default]
    Cookie,
    /// No credentials and no cookies at all; nothing the device sets is kept.
    None,
    Basic,
    /// Answer a `401` Digest challenge (RFC 2069 or RFC 2617 `qop=auth`, MD5 / SHA-256).
    Digest,
    Bearer,
}

/// One expectation, with where it was written.
#[derive(Debug, Clone)]
pub struct Assert {
    pub loc: Loc,
    pub subject: Subject,
    pub predicate: Predicate,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Subject {
    Json(String),
    Header(String),
    Cookie(String),
    Body,
    Xml(String),
    Kv(String),
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Json(p) => write!(f, "json {p}"),
            Subject::Header(h) => write!(f, "header {h}"),
            Subject::Cookie(c) => write!(f, "cookie {c}"),
            Subject::Body => write!(f, "body"),
            Subject::Xml(p) => write!(f, "xml {p}"),
            Subject::Kv(k) => write!(f, "key {k}"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonType {
    Null,
    Bool,
    Number,
    Integer,
    String,
    Array,
    Object,
}

impl JsonType {
    fn parse(s: &str) -> Option<JsonType> {
        Some(match s {
            "null" => JsonType::Null,
            "bool" | "boolean" => JsonType::Bool,
            "number" => JsonType::Number,
            "integer" => JsonType::Integer,
            "string" => JsonType::String,
            "array" => JsonType::Array,
            "object" => JsonType::Object,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            JsonType::Null => "null",
            JsonType::Bool => "bool",
            JsonType::Number => "number",
            JsonType::Integer => "integer",
            JsonType::String => "string",
            JsonType::Array => "array",
            JsonType::Object => "object",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryKind {
    Jpeg,
    Mp4,
    Mkv,
}

impl BinaryKind {
    pub fn name(self) -> &'static str {
        match self {
            BinaryKind::Jpeg => "jpeg",
            BinaryKind::Mp4 => "mp4",
            BinaryKind::Mkv => "mkv",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Predicate {
    Equals(Value),
    NotEquals(Value),
    Matches(String),
    Type(JsonType),
    Exists,
    Absent,
    Length(u64),
    Contains(String),
    /// The body is a valid file of this kind (magic and basic structure).
    Is(BinaryKind),
    /// Media duration in seconds, within `tolerance`.
    Duration {
        seconds: f64,
        tolerance: f64,
    },
}

impl fmt::Display for Predicate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Predicate::Equals(v) => write!(f, "equals {v}"),
            Predicate::NotEquals(v) => write!(f, "not_equals {v}"),
            Predicate::Matches(r) => write!(f, "matches /{r}/"),
            Predicate::Type(t) => write!(f, "has type {}", t.name()),
            Predicate::Exists => write!(f, "exists"),
            Predicate::Absent => write!(f, "is absent"),
            Predicate::Length(n) => write!(f, "has length {n}"),
            Predicate::Contains(s) => write!(f, "contains {s:?}"),
            Predicate::Is(k) => write!(f, "is a valid {}", k.name()),
            Predicate::Duration { seconds, tolerance } => write!(f, "lasts {seconds}s (±{tolerance}s)"),
        }
    }
}

/// A value taken from a response into a variable.
#[derive(Debug, Clone)]
pub struct Capture {
    pub loc: Loc,
    pub name: String,
    pub source: CaptureSource,
    /// How the value combines with the variable's previous value (repeated steps).
    pub accumulate: Accumulate,
}

/// `accumulate` of a capture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Accumulate {
    /// The variable takes the new value.
    #[default]
    Replace,
    /// Numbers: the variable becomes previous + value (previous from `vars`, else 0).
    Sum,
    /// JSON arrays: the variable becomes the previous array (from `vars`, else `[]`) followed by
    /// the items of this one; any other value is appended as one item.
    Append,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CaptureSource {
    Json(String),
    Header(String),
    Cookie(String),
    Xml(String),
    Kv(String),
    /// A regex on the body: group 1 when there is one, else the whole match.
    Regex(String),
    /// `header` with `regex`: the regex on the header's first value (group 1, else the match).
    HeaderRegex(String, String),
}

/// A simulator-only `/__sim` call made before the steps.
#[derive(Debug, Clone)]
pub struct Precondition {
    pub loc: Loc,
    pub kind: PreconditionKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PreconditionKind {
    Reset,
    Seed(Value),
    ClockSet(String),
    ClockAdvance(f64),
    ClockFreeze(bool),
    Event(Value),
    Fault(Value),
    Action { name: String, body: Value },
}

impl PreconditionKind {
    /// How the precondition reads in a skip reason.
    pub fn describe(&self) -> String {
        match self {
            PreconditionKind::Reset => "device in its seed state".into(),
            PreconditionKind::Seed(_) => "device loaded with a specific seed".into(),
            PreconditionKind::ClockSet(t) => format!("device clock at {t}"),
            PreconditionKind::ClockAdvance(s) => format!("device clock advanced by {s} s"),
            PreconditionKind::ClockFreeze(true) => "device clock frozen".into(),
            PreconditionKind::ClockFreeze(false) => "device clock running".into(),
            PreconditionKind::Event(e) => format!("event injected: {e}"),
            PreconditionKind::Fault(f) => format!("fault active: {f}"),
            PreconditionKind::Action { name, .. } => format!("control action {name}"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Raw (serde) shapes
// ---------------------------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    name: String,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    vars: Map<String, Value>,
    #[serde(default)]
    auth: Option<AuthSpec>,
    #[serde(default)]
    profiles: Vec<String>,
    #[serde(default, rename = "precondition")]
    preconditions: Vec<Spanned<RawPrecondition>>,
    #[serde(default, rename = "step")]
    steps: Vec<Spanned<RawStep>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPrecondition {
    #[serde(default)]
    reset: Option<bool>,
    #[serde(default)]
    seed: Option<Value>,
    #[serde(default)]
    seed_file: Option<String>,
    #[serde(default)]
    clock: Option<RawClock>,
    #[serde(default)]
    event: Option<Value>,
    #[serde(default)]
    fault: Option<Value>,
    #[serde(default)]
    action: Option<String>,
    #[serde(default)]
    body: Option<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClock {
    #[serde(default)]
    set: Option<String>,
    #[serde(default)]
    advance_seconds: Option<f64>,
    #[serde(default)]
    freeze: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    name: String,
    #[serde(default)]
    request: Option<RawRequest>,
    #[serde(default)]
    sim: Option<Spanned<RawPrecondition>>,
    #[serde(default)]
    rtsp: Option<RawRtsp>,
    #[serde(default)]
    play: Option<RawPlay>,
    #[serde(default)]
    timeout_ms: Option<u64>,
    #[serde(default)]
    retry: Option<Spanned<RawRetry>>,
    #[serde(default)]
    repeat: Option<Spanned<RawRepeat>>,
    #[serde(default)]
    expect: Option<RawExpect>,
    #[serde(default, rename = "assert")]
    asserts: Vec<Spanned<RawAssert>>,
    #[serde(default, rename = "capture")]
    captures: Vec<Spanned<RawCapture>>,
    #[serde(default = "yes")]
    golden: bool,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExpect {
    #[serde(default)]
    status: Option<Spanned<u16>>,
    #[serde(default)]
    connect: Option<Spanned<String>>,
    #[serde(default)]
    codec: Option<Spanned<String>>,
    #[serde(default)]
    width: Option<Spanned<u32>>,
    #[serde(default)]
    height: Option<Spanned<u32>>,
    #[serde(default)]
    min_frames: Option<Spanned<u32>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRtsp {
    raw: String,
    #[serde(default)]
    auth: Option<AuthSpec>,
    #[serde(default)]
    digest_uri: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlay {
    url: String,
    #[serde(default)]
    transport: Option<String>,
    seconds: f64,
    #[serde(default)]
    start: Option<String>,
    #[serde(default)]
    tolerance_seconds: Option<f64>,
    #[serde(default)]
    auth: Option<AuthSpec>,
}

/// Largest `play.seconds` and `timeout_ms` (ten minutes).
pub const MAX_PLAY_SECONDS: f64 = 600.0;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRetry {
    attempts: u32,
    #[serde(default = "default_interval")]
    interval_ms: u64,
}

fn default_interval() -> u64 {
    100
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRepeat {
    #[serde(rename = "while")]
    condition: RawAssert,
    max: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRequest {
    #[serde(default)]
    method: Option<String>,
    path: String,
    #[serde(default)]
    query: Map<String, Value>,
    #[serde(default)]
    headers: Map<String, Value>,
    #[serde(default)]
    form: Option<Map<String, Value>>,
    #[serde(default)]
    json: Option<Value>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    auth: Option<AuthSpec>,
    #[serde(default)]
    session: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAssert {
    // subjects
    #[serde(default)]
    json: Option<String>,
    #[serde(default)]
    header: Option<String>,
    #[serde(default)]
    cookie: Option<String>,
    #[serde(default)]
    body: Option<bool>,
    #[serde(default)]
    xml: Option<String>,
    #[serde(default)]
    kv: Option<String>,
    // predicates
    #[serde(default)]
    equals: Option<Value>,
    #[serde(default)]
    not_equals: Option<Value>,
    #[serde(default)]
    matches: Option<String>,
    #[serde(default, rename = "type")]
    type_: Option<String>,
    #[serde(default)]
    exists: Option<bool>,
    #[serde(default)]
    absent: Option<bool>,
    #[serde(default)]
    length: Option<u64>,
    #[serde(default)]
    contains: Option<String>,
    #[serde(default)]
    is: Option<String>,
    #[serde(default)]
    duration: Option<f64>,
    #[serde(default)]
    tolerance: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCapture {
    name: String,
    #[serde(default)]
    json: Option<String>,
    #[serde(default)]
    header: Option<String>,
    #[serde(default)]
    cookie: Option<String>,
    #[serde(default)]
    xml: Option<String>,
    #[serde(default)]
    kv: Option<String>,
    #[serde(default)]
    regex: Option<String>,
    #[serde(default)]
    accumulate: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------------

/// 1-based line of byte offset `at` in `src`.
pub fn line_of(src: &str, at: usize) -> usize {
    src.as_bytes()[..at.min(src.len())].iter().filter(|&&b| b == b'\n').count() + 1
}

struct Ctx<'a> {
    file: &'a str,
    src: &'a str,
}

impl Ctx<'_> {
    fn loc(&self, at: usize) -> Loc {
        Loc { file: self.file.to_owned(), line: line_of(self.src, at) }
    }

    fn err(&self, at: usize, message: impl Into<String>) -> FormatError {
        FormatError { loc: self.loc(at), message: message.into() }
    }
}

/// Parse `src` (the text of `file`). `id` is `<area>/<stem>`.
pub fn parse(file: &str, id: &str, src: &str) -> Result<Scenario, FormatError> {
    let cx = Ctx { file, src };
    let raw: RawScenario = toml::from_str(src).map_err(|e| {
        let at = e.span().map(|s| s.start).unwrap_or(0);
        cx.err(at, e.message().trim().to_owned())
    })?;
    if raw.name.trim().is_empty() {
        return Err(cx.err(0, "`name` must not be empty"));
    }
    if raw.steps.is_empty() {
        return Err(cx.err(0, "a scenario needs at least one [[step]]"));
    }
    let mut vars = Vec::new();
    for (k, v) in raw.vars {
        vars.push((
            k.clone(),
            scalar_string(&v).ok_or_else(|| cx.err(0, format!("vars.{k} must be a string or number")))?,
        ));
    }
    let preconditions =
        raw.preconditions.into_iter().map(|p| precondition(&cx, p)).collect::<Result<Vec<_>, _>>()?;
    let mut names = BTreeSet::new();
    let mut steps = Vec::new();
    for (i, s) in raw.steps.into_iter().enumerate() {
        let at = s.span().start;
        let step = step(&cx, i + 1, s)?;
        if !names.insert(step.name.clone()) {
            return Err(cx.err(at, format!("step name {:?} is used twice in this scenario", step.name)));
        }
        steps.push(step);
    }
    let area = id.rsplit_once('/').map(|(a, _)| a.to_owned()).unwrap_or_default();
    Ok(Scenario {
        file: file.to_owned(),
        id: id.to_owned(),
        area,
        name: raw.name,
        tags: raw.tags,
        description: raw.description,
        vars,
        auth: raw.auth.unwrap_or_default(),
        profiles: raw.profiles,
        preconditions,
        steps,
    })
}

fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn pairs(
    cx: &Ctx,
    at: usize,
    what: &str,
    m: Map<String, Value>,
) -> Result<Vec<(String, String)>, FormatError> {
    m.into_iter()
        .map(|(k, v)| match scalar_string(&v) {
            Some(s) => Ok((k, s)),
            None => Err(cx.err(at, format!("{what}.{k} must be a string, number or boolean"))),
        })
        .collect()
}

fn precondition(cx: &Ctx, p: Spanned<RawPrecondition>) -> Result<Precondition, FormatError> {
    let at = p.span().start;
    let kind = control_kind(cx, at, p.into_inner(), "a [[precondition]]")?;
    Ok(Precondition { loc: cx.loc(at), kind })
}

/// One `/__sim` call: a precondition, or a `sim = {...}` step.
fn control_kind(
    cx: &Ctx,
    at: usize,
    p: RawPrecondition,
    what: &str,
) -> Result<PreconditionKind, FormatError> {
    let mut kinds = Vec::new();
    if let Some(r) = p.reset {
        if !r {
            return Err(cx.err(at, "`reset = false` means nothing; remove it"));
        }
        kinds.push(PreconditionKind::Reset);
    }
    if let Some(s) = p.seed {
        kinds.push(PreconditionKind::Seed(s));
    }
    if let Some(f) = p.seed_file {
        let base = Path::new(cx.file).parent().unwrap_or(Path::new("."));
        let path = base.join(&f);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| cx.err(at, format!("seed_file {}: {e}", path.display())))?;
        let v: Value = serde_json::from_str(&text)
            .map_err(|e| cx.err(at, format!("seed_file {}: not JSON: {e}", path.display())))?;
        kinds.push(PreconditionKind::Seed(v));
    }
    if let Some(c) = p.clock {
        let n = c.set.is_some() as u8 + c.advance_seconds.is_some() as u8 + c.freeze.is_some() as u8;
        if n != 1 {
            return Err(cx.err(at, "clock takes exactly one of `set`, `advance_seconds`, `freeze`"));
        }
        if let Some(s) = c.set {
            kinds.push(PreconditionKind::ClockSet(s));
        } else if let Some(a) = c.advance_seconds {
            if !(a.is_finite() && a >= 0.0) {
                return Err(cx.err(at, "clock.advance_seconds must be a non-negative number"));
            }
            kinds.push(PreconditionKind::ClockAdvance(a));
        } else if let Some(f) = c.freeze {
            kinds.push(PreconditionKind::ClockFreeze(f));
        }
    }
    if let Some(e) = p.event {
        kinds.push(PreconditionKind::Event(e));
    }
    if let Some(f) = p.fault {
        kinds.push(PreconditionKind::Fault(f));
    }
    if let Some(name) = p.action {
        kinds.push(PreconditionKind::Action { name, body: p.body.unwrap_or(Value::Object(Map::new())) });
    } else if p.body.is_some() {
        return Err(cx.err(at, "`body` belongs to an `action` precondition"));
    }
    if kinds.len() != 1 {
        return Err(cx.err(
            at,
            format!(
                "{what} takes exactly one of `reset`, `seed`, `seed_file`, `clock`, `event`, `fault`, `action`"
            ),
        ));
    }
    Ok(kinds.remove(0))
}

fn step(cx: &Ctx, index: usize, s: Spanned<RawStep>) -> Result<Step, FormatError> {
    let at = s.span().start;
    let s = s.into_inner();
    if s.name.trim().is_empty() || s.name.contains('#') {
        return Err(cx.err(at, "a step needs a non-empty `name` without `#`"));
    }
    let kinds =
        s.request.is_some() as u8 + s.sim.is_some() as u8 + s.rtsp.is_some() as u8 + s.play.is_some() as u8;
    if kinds != 1 {
        return Err(cx.err(at, "a [[step]] takes exactly one of `request`, `sim`, `rtsp` and `play`"));
    }
    let action = if let Some(r) = s.request {
        StepAction::Http(Box::new(request(cx, at, r)?))
    } else if let Some(sim) = s.sim {
        let sat = sim.span().start;
        StepAction::Sim(control_kind(cx, sat, sim.into_inner(), "a `sim` step")?)
    } else if let Some(r) = s.rtsp {
        StepAction::Rtsp(Box::new(rtsp_raw(cx, at, r)?))
    } else if let Some(p) = s.play {
        StepAction::Play(Box::new(play(cx, at, p)?))
    } else {
        unreachable!("exactly one kind was counted")
    };
    if let Some(t) = s.timeout_ms {
        if t == 0 || t > (MAX_PLAY_SECONDS * 1000.0) as u64 {
            return Err(cx.err(at, "timeout_ms must be 1..=600000"));
        }
    }
    let is_play = matches!(action, StepAction::Play(_));
    let mut play_expect = PlayExpect::default();
    let (status, connect) = match s.expect {
        None => (None, None),
        Some(e) => {
            let media_keys =
                e.codec.is_some() || e.width.is_some() || e.height.is_some() || e.min_frames.is_some();
            if media_keys && !is_play {
                return Err(cx.err(at, "expect.codec, width, height and min_frames belong to a `play` step"));
            }
            if is_play && (e.status.is_some() || e.connect.is_some()) {
                return Err(cx.err(at, "a `play` step takes no expect.status or expect.connect"));
            }
            let spanned = |v: Spanned<u32>| {
                let l = cx.loc(v.span().start);
                (v.into_inner(), l)
            };
            play_expect = PlayExpect {
                codec: e.codec.map(|c| {
                    let l = cx.loc(c.span().start);
                    (c.into_inner().to_ascii_lowercase(), l)
                }),
                width: e.width.map(spanned),
                height: e.height.map(spanned),
                min_frames: e.min_frames.map(spanned),
            };
            let status = e.status.map(|st| {
                let line_at = st.span().start;
                (st.into_inner(), cx.loc(line_at))
            });
            let connect = match e.connect {
                None => None,
                Some(c) => {
                    let cat = c.span().start;
                    match c.into_inner().as_str() {
                        "refused" => Some((ConnectExpect::Refused, cx.loc(cat))),
                        other => {
                            return Err(cx.err(cat, format!("expect.connect {other:?}: expected \"refused\"")))
                        }
                    }
                }
            };
            (status, connect)
        }
    };
    if let Some((code, loc)) = &status {
        if !(100..=599).contains(code) {
            return Err(FormatError {
                loc: loc.clone(),
                message: format!("expect.status {code} is not 100..599"),
            });
        }
    }
    let asserts = s.asserts.into_iter().map(|a| assertion(cx, a)).collect::<Result<Vec<_>, _>>()?;
    let captures = s.captures.into_iter().map(|c| capture(cx, c)).collect::<Result<Vec<_>, _>>()?;
    let retry = match s.retry {
        None => None,
        Some(r) => {
            let rat = r.span().start;
            let r = r.into_inner();
            if !(1..=MAX_ATTEMPTS).contains(&r.attempts) || r.interval_ms > MAX_INTERVAL_MS {
                return Err(cx.err(
                    rat,
                    format!("retry: attempts must be 1..={MAX_ATTEMPTS} and interval_ms at most {MAX_INTERVAL_MS}"),
                ));
            }
            Some(Retry { attempts: r.attempts, interval_ms: r.interval_ms })
        }
    };
    let repeat = match s.repeat {
        None => None,
        Some(r) => {
            let rat = r.span().start;
            let r = r.into_inner();
            if !(1..=MAX_ATTEMPTS).contains(&r.max) {
                return Err(cx.err(rat, format!("repeat.max must be 1..={MAX_ATTEMPTS}")));
            }
            Some(Repeat { condition: assertion_at(cx, rat, r.condition, "repeat.while")?, max: r.max })
        }
    };
    if is_play && (!asserts.is_empty() || !captures.is_empty() || retry.is_some() || repeat.is_some()) {
        return Err(cx.err(at, "a `play` step takes no asserts, captures, `retry` or `repeat`; use expect.codec, width, height, min_frames"));
    }
    if matches!(action, StepAction::Rtsp(_)) && repeat.is_some() {
        return Err(cx.err(at, "an `rtsp` step takes no `repeat`"));
    }
    let is_sim = matches!(action, StepAction::Sim(_));
    if is_sim && s.timeout_ms.is_some() {
        return Err(cx.err(at, "a `sim` step takes no `timeout_ms`"));
    }
    if is_sim
        && (status.is_some()
            || connect.is_some()
            || !asserts.is_empty()
            || !captures.is_empty()
            || retry.is_some()
            || repeat.is_some())
    {
        return Err(cx.err(at, "a `sim` step takes no `expect`, asserts, captures, `retry` or `repeat`"));
    }
    if let Some((_, loc)) = &connect {
        if status.is_some() || !asserts.is_empty() || !captures.is_empty() || repeat.is_some() {
            return Err(FormatError {
                loc: loc.clone(),
                message:
                    "expect.connect = \"refused\" means no answer: no status, asserts, captures or repeat"
                        .into(),
            });
        }
    }
    // Sim steps and refused connections have no exchange to keep.
    let golden = s.golden && !is_sim && connect.is_none();
    Ok(Step {
        index,
        name: s.name,
        loc: cx.loc(at),
        action,
        status,
        connect,
        asserts,
        captures,
        retry,
        repeat,
        golden,
        timeout_ms: s.timeout_ms,
        play_expect,
    })
}

fn rtsp_raw(cx: &Ctx, at: usize, r: RawRtsp) -> Result<RtspRaw, FormatError> {
    let first = r.raw.trim_start().lines().next().unwrap_or("");
    let parts: Vec<&str> = first.split_whitespace().collect();
    if parts.len() != 3 || !parts[2].starts_with("RTSP/") {
        return Err(cx.err(at, format!("rtsp.raw must start with `METHOD URL RTSP/1.0`, not {first:?}")));
    }
    if let Some(a) = &r.auth {
        if !matches!(a.mode, AuthMode::Digest | AuthMode::Basic | AuthMode::None) {
            return Err(cx.err(at, "rtsp.auth.mode must be \"digest\", \"basic\" or \"none\""));
        }
    }
    Ok(RtspRaw { raw: r.raw, auth: r.auth, digest_uri: r.digest_uri })
}

fn play(cx: &Ctx, at: usize, p: RawPlay) -> Result<PlaySpec, FormatError> {
    let transport = match p.transport.as_deref() {
        None | Some("tcp") => PlayTransport::Tcp,
        Some("udp") => PlayTransport::Udp,
        Some(other) => {
            return Err(cx.err(at, format!("play.transport {other:?}: expected \"tcp\" or \"udp\"")))
        }
    };
    if !(p.seconds.is_finite() && p.seconds > 0.0 && p.seconds <= MAX_PLAY_SECONDS) {
        return Err(cx.err(at, "play.seconds must be a number of seconds in (0, 600]"));
    }
    let tolerance_seconds = p.tolerance_seconds.unwrap_or(2.0);
    if !(tolerance_seconds.is_finite() && tolerance_seconds >= 0.0) {
        return Err(cx.err(at, "play.tolerance_seconds must be a non-negative number"));
    }
    if let Some(st) = &p.start {
        if !st.contains("{{") && chrono::DateTime::parse_from_rfc3339(st).is_err() {
            return Err(cx.err(at, format!("play.start {st:?} is not an RFC 3339 time")));
        }
    }
    if !p.url.starts_with("rtsp://") && !p.url.starts_with("{{") {
        return Err(cx.err(at, format!("play.url {:?} must be an rtsp:// URL", p.url)));
    }
    Ok(PlaySpec {
        url: p.url,
        transport,
        seconds: p.seconds,
        start: p.start,
        tolerance_seconds,
        auth: p.auth,
    })
}

fn request(cx: &Ctx, at: usize, r: RawRequest) -> Result<Request, FormatError> {
    let method = r.method.unwrap_or_else(|| "GET".into()).to_ascii_uppercase();
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(cx.err(at, format!("request.method {method:?} is not an HTTP method")));
    }
    if !r.path.starts_with('/') {
        return Err(cx.err(at, format!("request.path {:?} must start with /", r.path)));
    }
    let bodies = r.form.is_some() as u8 + r.json.is_some() as u8 + r.body.is_some() as u8;
    if bodies > 1 {
        return Err(cx.err(at, "a request takes at most one of `form`, `json`, `body`"));
    }
    Ok(Request {
        method,
        path: r.path,
        query: pairs(cx, at, "query", r.query)?,
        headers: pairs(cx, at, "headers", r.headers)?,
        form: r.form.map(|f| pairs(cx, at, "form", f)).transpose()?,
        json: r.json,
        body: r.body,
        auth: r.auth,
        session: r.session.unwrap_or_else(|| "default".into()),
    })
}

fn assertion(cx: &Ctx, a: Spanned<RawAssert>) -> Result<Assert, FormatError> {
    let at = a.span().start;
    assertion_at(cx, at, a.into_inner(), "an [[step.assert]]")
}

fn assertion_at(cx: &Ctx, at: usize, a: RawAssert, what: &str) -> Result<Assert, FormatError> {
    let mut subjects = Vec::new();
    if let Some(p) = a.json {
        subjects.push(Subject::Json(p));
    }
    if let Some(h) = a.header {
        subjects.push(Subject::Header(h.to_ascii_lowercase()));
    }
    if let Some(c) = a.cookie {
        subjects.push(Subject::Cookie(c));
    }
    if let Some(b) = a.body {
        if !b {
            return Err(cx.err(at, "`body = false` means nothing; use `body = true`"));
        }
        subjects.push(Subject::Body);
    }
    if let Some(x) = a.xml {
        subjects.push(Subject::Xml(x));
    }
    if let Some(k) = a.kv {
        subjects.push(Subject::Kv(k));
    }
    if subjects.len() != 1 {
        return Err(cx.err(
            at,
            format!("{what} takes exactly one of `json`, `header`, `cookie`, `body`, `xml`, `kv`"),
        ));
    }
    let subject = subjects.remove(0);
    let mut preds = Vec::new();
    if let Some(v) = a.equals {
        preds.push(Predicate::Equals(v));
    }
    if let Some(v) = a.not_equals {
        preds.push(Predicate::NotEquals(v));
    }
    if let Some(r) = a.matches {
        if let Err(e) = regex::Regex::new(&r) {
            return Err(cx.err(at, format!("`matches` is not a valid regex: {e}")));
        }
        preds.push(Predicate::Matches(r));
    }
    if let Some(t) = a.type_ {
        let t = JsonType::parse(&t).ok_or_else(|| {
            cx.err(at, format!("unknown type {t:?} (null, bool, number, integer, string, array, object)"))
        })?;
        preds.push(Predicate::Type(t));
    }
    match a.exists {
        Some(true) => preds.push(Predicate::Exists),
        Some(false) => preds.push(Predicate::Absent),
        None => {}
    }
    match a.absent {
        Some(true) => preds.push(Predicate::Absent),
        Some(false) => preds.push(Predicate::Exists),
        None => {}
    }
    if let Some(n) = a.length {
        preds.push(Predicate::Length(n));
    }
    if let Some(c) = a.contains {
        preds.push(Predicate::Contains(c));
    }
    if let Some(k) = a.is {
        let kind = match k.as_str() {
            "jpeg" | "jpg" => BinaryKind::Jpeg,
            "mp4" => BinaryKind::Mp4,
            "mkv" | "matroska" => BinaryKind::Mkv,
            other => return Err(cx.err(at, format!("unknown file kind {other:?} (jpeg, mp4, mkv)"))),
        };
        preds.push(Predicate::Is(kind));
    }
    if let Some(d) = a.duration {
        if !(d.is_finite() && d >= 0.0) {
            return Err(cx.err(at, "`duration` must be a non-negative number of seconds"));
        }
        preds.push(Predicate::Duration { seconds: d, tolerance: a.tolerance.unwrap_or(1.0).abs() });
    } else if a.tolerance.is_some() {
        return Err(cx.err(at, "`tolerance` belongs to a `duration` assert"));
    }
    if preds.len() != 1 {
        return Err(cx.err(
            at,
            format!("{what} takes exactly one of `equals`, `not_equals`, `matches`, `type`, `exists`, `absent`, `length`, `contains`, `is`, `duration`"),
        ));
    }
    let predicate = preds.remove(0);
    let fits = match (&subject, &predicate) {
        (Subject::Body, Predicate::Type(_)) => false,
        (_, Predicate::Is(_) | Predicate::Duration { .. }) => subject == Subject::Body,
        (Subject::Json(_), _) => true,
        (_, Predicate::Type(_)) => false,
        _ => true,
    };
    if !fits {
        return Err(cx.err(at, format!("`{predicate}` does not apply to {subject}")));
    }
    Ok(Assert { loc: cx.loc(at), subject, predicate })
}

fn capture(cx: &Ctx, c: Spanned<RawCapture>) -> Result<Capture, FormatError> {
    let at = c.span().start;
    let c = c.into_inner();
    if c.name.is_empty() || !c.name.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '.') {
        return Err(cx.err(at, format!("capture name {:?} must be letters, digits, `_` or `.`", c.name)));
    }
    let mut sources = Vec::new();
    if let Some(p) = c.json {
        sources.push(CaptureSource::Json(p));
    }
    let mut regex = c.regex;
    if let Some(h) = c.header {
        match regex.take() {
            Some(r) => {
                if let Err(e) = regex::Regex::new(&r) {
                    return Err(cx.err(at, format!("`regex` is not a valid regex: {e}")));
                }
                sources.push(CaptureSource::HeaderRegex(h.to_ascii_lowercase(), r));
            }
            None => sources.push(CaptureSource::Header(h.to_ascii_lowercase())),
        }
    }
    if let Some(k) = c.cookie {
        sources.push(CaptureSource::Cookie(k));
    }
    if let Some(x) = c.xml {
        sources.push(CaptureSource::Xml(x));
    }
    if let Some(k) = c.kv {
        sources.push(CaptureSource::Kv(k));
    }
    if let Some(r) = regex {
        if let Err(e) = regex::Regex::new(&r) {
            return Err(cx.err(at, format!("`regex` is not a valid regex: {e}")));
        }
        sources.push(CaptureSource::Regex(r));
    }
    if sources.len() != 1 {
        return Err(cx.err(
            at,
            "a [[step.capture]] takes exactly one of `json`, `header`, `cookie`, `xml`, `kv`, `regex`",
        ));
    }
    let accumulate = match c.accumulate.as_deref() {
        None | Some("replace") => Accumulate::Replace,
        Some("sum") => Accumulate::Sum,
        Some("append") => Accumulate::Append,
        Some(other) => {
            return Err(
                cx.err(at, format!("accumulate {other:?}: expected \"replace\", \"sum\" or \"append\""))
            )
        }
    };
    Ok(Capture { loc: cx.loc(at), name: c.name, source: sources.remove(0), accumulate })
}

/// The suite settings file directly under `scenarios/<device>/` (not a scenario).
pub const SUITE_FILE: &str = "suite.toml";

/// Every `*.toml` below `dir/<device>` except the suite file, sorted, parsed. Paths in messages are as found under `dir`.
pub fn load_device(dir: &Path, device: &str) -> Result<Vec<Scenario>, Vec<FormatError>> {
    let root = dir.join(device);
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.retain(|f| *f != root.join(SUITE_FILE));
    files.sort();
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for f in files {
        let rel = f.strip_prefix(&root).unwrap_or(&f).with_extension("");
        let id = rel.to_string_lossy().replace('\\', "/");
        let shown = f.to_string_lossy().into_owned();
        match std::fs::read_to_string(&f) {
            Ok(src) => match parse(&shown, &id, &src) {
                Ok(s) => out.push(s),
                Err(e) => errors.push(e),
            },
            Err(e) => errors.push(FormatError { loc: Loc { file: shown, line: 0 }, message: e.to_string() }),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "toml") {
            out.push(p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = r#"
name = "login"
tags = ["auth"]

[[precondition]]
reset = true

[[step]]
name = "login"
request = { method = "post", path = "/api/v1/AdminLogin", json = { name = "admin" } }
expect.status = 200

[[step.assert]]
json = "$.reqAction"
equals = 2

[[step.capture]]
name = "tok"
cookie = "APSCOOKIE"
"#;

    #[test]
    fn parses_a_scenario_with_lines_on_asserts() {
        let s = parse("x.toml", "auth/x", OK).unwrap();
        assert_eq!(s.area, "auth");
        assert_eq!(s.steps.len(), 1);
        let st = &s.steps[0];
        let StepAction::Http(req) = &st.action else { panic!("an HTTP step") };
        assert_eq!(req.method, "POST");
        assert_eq!(st.status.as_ref().unwrap().0, 200);
        assert_eq!(st.status.as_ref().unwrap().1.line, 11);
        assert_eq!(st.asserts[0].loc.line, 13);
        assert_eq!(st.asserts[0].predicate, Predicate::Equals(serde_json::json!(2)));
        assert_eq!(st.captures[0].loc.line, 17);
        assert_eq!(s.preconditions[0].kind, PreconditionKind::Reset);
        assert_eq!(s.preconditions[0].loc.line, 5);
    }

    #[test]
    fn rejects_unknown_key_with_file_and_line() {
        let src = OK.replace("equals = 2", "equals = 2\nequal = 3");
        let e = parse("dir/x.toml", "auth/x", &src).unwrap_err();
        assert_eq!(e.loc.file, "dir/x.toml");
        assert_eq!(e.loc.line, 16, "{e}");
        assert!(e.message.contains("unknown field `equal`"), "{e}");
    }

    #[test]
    fn rejects_unknown_top_level_key_with_line() {
        let e =
            parse("x.toml", "a/x", "name = \"n\"\nbogus = 1\n[[step]]\nname=\"s\"\nrequest={path=\"/\"}\n")
                .unwrap_err();
        assert_eq!(e.loc.line, 2, "{e}");
        assert!(e.message.contains("bogus"), "{e}");
    }

    #[test]
    fn rejects_assert_with_two_predicates() {
        let src = OK.replace("equals = 2", "equals = 2\nexists = true");
        let e = parse("x.toml", "a/x", &src).unwrap_err();
        assert_eq!(e.loc.line, 13);
        assert!(e.message.contains("exactly one of `equals`"), "{e}");
    }

    #[test]
    fn rejects_binary_predicate_on_json_subject() {
        let src = OK.replace("equals = 2", "is = \"jpeg\"");
        let e = parse("x.toml", "a/x", &src).unwrap_err();
        assert!(e.message.contains("does not apply"), "{e}");
    }

    #[test]
    fn rejects_bad_regex_and_duplicate_step_names() {
        let src = OK.replace("equals = 2", "matches = \"(\"");
        assert!(parse("x.toml", "a/x", &src).unwrap_err().message.contains("regex"));
        let dup = format!("{OK}\n[[step]]\nname = \"login\"\nrequest = {{ path = \"/\" }}\n");
        let e = parse("x.toml", "a/x", &dup).unwrap_err();
        assert!(e.message.contains("used twice"), "{e}");
    }

    #[test]
    fn rejects_precondition_with_two_kinds() {
        let src = OK.replace("reset = true", "reset = true\nevent = { kind = \"motion\" }");
        let e = parse("x.toml", "a/x", &src).unwrap_err();
        assert_eq!(e.loc.line, 5);
        assert!(e.message.contains("exactly one of `reset`"), "{e}");
    }

    const CONTROL: &str = r#"
name = "restart"

[[step]]
name = "down"
request = { path = "/x" }
expect.connect = "refused"
retry = { attempts = 20, interval_ms = 50 }

[[step]]
name = "later"
sim = { clock = { advance_seconds = 21 } }

[[step]]
name = "pages"
request = { path = "/p", query = { start = "{{start}}" } }
repeat = { while = { json = "$.nextPage", equals = true }, max = 20 }

[[step.capture]]
name = "start"
json = "$.subCount"
accumulate = "sum"
"#;

    #[test]
    fn parses_sim_steps_retry_connect_and_repeat() {
        let s = parse("x.toml", "a/x", CONTROL).unwrap();
        let down = &s.steps[0];
        assert_eq!(down.connect.as_ref().map(|c| (c.0, c.1.line)), Some((ConnectExpect::Refused, 7)));
        assert_eq!(down.retry, Some(Retry { attempts: 20, interval_ms: 50 }));
        assert!(!down.golden, "a refused connection has no exchange to keep");
        assert_eq!(s.steps[1].action, StepAction::Sim(PreconditionKind::ClockAdvance(21.0)));
        assert!(!s.steps[1].golden);
        assert_eq!(s.sim_steps().count(), 1);
        let rep = s.steps[2].repeat.as_ref().unwrap();
        assert_eq!(rep.max, 20);
        assert_eq!(rep.condition.subject, Subject::Json("$.nextPage".into()));
        assert_eq!(rep.condition.predicate, Predicate::Equals(serde_json::json!(true)));
        assert_eq!(rep.condition.loc.line, 17);
        assert_eq!(s.steps[2].captures[0].accumulate, Accumulate::Sum);
    }

    #[test]
    fn rejects_malformed_control_steps_with_lines() {
        let both = CONTROL.replace("sim = { clock", "request = { path = \"/\" }\nsim = { clock");
        let e = parse("x.toml", "a/x", &both).unwrap_err();
        assert!(e.message.contains("exactly one of `request`, `sim`, `rtsp` and `play`"), "{e}");
        let sim_expect =
            CONTROL.replace("advance_seconds = 21 } }", "advance_seconds = 21 } }\nexpect.status = 200");
        let e = parse("x.toml", "a/x", &sim_expect).unwrap_err();
        assert!(e.message.contains("a `sim` step takes no"), "{e}");
        let two = CONTROL
            .replace("sim = { clock = { advance_seconds = 21 } }", "sim = { reset = true, action = \"x\" }");
        let e = parse("x.toml", "a/x", &two).unwrap_err();
        assert!(e.message.starts_with("a `sim` step takes exactly one of"), "{e}");
        let refused_status = CONTROL
            .replace("expect.connect = \"refused\"", "expect.connect = \"refused\"\nexpect.status = 200");
        assert!(parse("x.toml", "a/x", &refused_status).is_err());
        let bad_connect = CONTROL.replace("\"refused\"", "\"reset\"");
        let e = parse("x.toml", "a/x", &bad_connect).unwrap_err();
        assert_eq!(e.loc.line, 7);
        let zero = CONTROL.replace("attempts = 20", "attempts = 0");
        assert!(parse("x.toml", "a/x", &zero).unwrap_err().message.contains("attempts must be"));
        let acc = CONTROL.replace("\"sum\"", "\"product\"");
        let e = parse("x.toml", "a/x", &acc).unwrap_err();
        assert!(e.message.contains("accumulate \"product\""), "{e}");
        let cond = CONTROL.replace("equals = true }", "equals = true, exists = true }");
        let e = parse("x.toml", "a/x", &cond).unwrap_err();
        assert!(e.message.starts_with("repeat.while takes exactly one of `equals`"), "{e}");
        assert_eq!(e.loc.line, 17);
        let unknown = CONTROL.replace("max = 20", "max = 20, until = 1");
        assert!(parse("x.toml", "a/x", &unknown).unwrap_err().message.contains("until"));
    }

    const MEDIA: &str = r#"
name = "rtsp"

[[step]]
name = "options"
rtsp = { raw = """
OPTIONS {{rtsp_url}}/cam=cam1 RTSP/1.0
CSeq: 0
""", auth = { mode = "digest", user = "test", password = "test" }, digest_uri = "{{rtsp_url}}" }
timeout_ms = 500
expect.status = 200

[[step.capture]]
name = "nonce"
header = "www-authenticate"
regex = 'nonce="(\w+)"'

[[step]]
name = "play"
play = { url = "{{rtsp_url}}/cam=cam1", transport = "udp", seconds = 2, start = "2023-07-12T19:11:44Z" }
expect = { codec = "H264", width = 320, min_frames = 5 }
"#;

    #[test]
    fn parses_rtsp_and_play_steps_with_their_expectations() {
        let s = parse("x.toml", "rtsp/x", MEDIA).unwrap();
        let StepAction::Rtsp(r) = &s.steps[0].action else { panic!("an rtsp step") };
        assert!(r.raw.contains("CSeq: 0"));
        assert_eq!(r.auth.as_ref().unwrap().mode, AuthMode::Digest);
        assert_eq!(s.steps[0].timeout_ms, Some(500));
        assert_eq!(
            s.steps[0].captures[0].source,
            CaptureSource::HeaderRegex("www-authenticate".into(), "nonce=\"(\\w+)\"".into())
        );
        let StepAction::Play(p) = &s.steps[1].action else { panic!("a play step") };
        assert_eq!((p.transport, p.seconds, p.tolerance_seconds), (PlayTransport::Udp, 2.0, 2.0));
        let e = &s.steps[1].play_expect;
        assert_eq!(e.codec.as_ref().map(|c| (c.0.as_str(), c.1.line)), Some(("h264", 21)));
        assert_eq!(e.width.as_ref().map(|w| w.0), Some(320));
        assert_eq!(e.height, None);
        assert!(s.steps[1].golden);
    }

    #[test]
    fn rejects_malformed_rtsp_and_play_steps() {
        let bad_line = MEDIA.replace("OPTIONS {{rtsp_url}}/cam=cam1 RTSP/1.0", "OPTIONS /x");
        assert!(parse("x.toml", "a/x", &bad_line).unwrap_err().message.contains("METHOD URL RTSP/1.0"));
        let asserted = format!("{MEDIA}\n[[step.assert]]\nbody = true\ncontains = \"x\"\n");
        assert!(parse("x.toml", "a/x", &asserted)
            .unwrap_err()
            .message
            .contains("a `play` step takes no asserts"));
        let http_media = MEDIA.replace("expect.status = 200", "expect.codec = \"h264\"");
        assert!(parse("x.toml", "a/x", &http_media).unwrap_err().message.contains("belong to a `play` step"));
        let slow = MEDIA.replace("seconds = 2,", "seconds = 0,");
        assert!(parse("x.toml", "a/x", &slow).unwrap_err().message.contains("play.seconds"));
        let tr = MEDIA.replace("\"udp\"", "\"sctp\"");
        assert!(parse("x.toml", "a/x", &tr).unwrap_err().message.contains("play.transport"));
        let start = MEDIA.replace("2023-07-12T19:11:44Z", "yesterday");
        assert!(parse("x.toml", "a/x", &start).unwrap_err().message.contains("RFC 3339"));
        let t0 = MEDIA.replace("timeout_ms = 500", "timeout_ms = 0");
        assert!(parse("x.toml", "a/x", &t0).unwrap_err().message.contains("timeout_ms"));
    }
}
