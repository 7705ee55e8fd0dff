//! The control API (`/__sim`), the contract CI scripts use. Documented in `docs/control-api.md`.
//!
//! The control listener serves [`control_router`]: `GET /__sim/devices` and the per-device routes
//! under `/__sim/devices/{id}/`. Each device's own port serves the same per-device routes at
//! `/__sim/` ([`device_sim_router`]); both are built from one [`device_routes`].
//!
//! Bodies are JSON in and out. Errors are `{"error": {"kind": "...", "message": "..."}}` with the
//! status of [`ErrorKind::control_status`]. Unknown JSON keys are refused with the key named.

use std::collections::HashSet;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{DefaultBodyLimit, FromRequest, Path, Query, Request, State};
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{middleware, Json, Router};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::clock::{Clock, EpochMs};
use crate::device::{DeviceInfo, DynDevice};
use crate::error::{Error, Result};
use crate::faults::Rule;
use crate::http::{trace_requests, TraceCtx};

/// Largest control request body (seeds can be large).
pub const CONTROL_BODY_LIMIT: usize = 64 * 1024 * 1024;
/// Journal entries returned when `limit` is not given.
pub const JOURNAL_DEFAULT_LIMIT: usize = 100;
/// Largest `limit` accepted by `GET journal`.
pub const JOURNAL_MAX_LIMIT: usize = 10_000;

/// The devices of one process, in configuration order, with unique ids.
#[derive(Clone, Default)]
pub struct Fleet {
    devices: Arc<Vec<DynDevice>>,
}

impl std::fmt::Debug for Fleet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.devices.iter().map(|d| d.info().id)).finish()
    }
}

/// Whether `id` can name a device (it appears in URLs and file names):
/// 1 to 64 of `A-Z a-z 0-9 . _ -`, not starting with a dot.
pub fn valid_device_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && !id.starts_with('.')
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

impl Fleet {
    /// A fleet of `devices`; ids must be valid ([`valid_device_id`]) and unique.
    pub fn new(devices: Vec<DynDevice>) -> Result<Self> {
        let mut seen = HashSet::new();
        for d in &devices {
            let id = d.info().id;
            if !valid_device_id(&id) {
                return Err(Error::invalid(format!(
                    "device id {id:?} is not valid (1 to 64 of A-Z a-z 0-9 . _ -, not starting with '.')"
                )));
            }
            if !seen.insert(id.clone()) {
                return Err(Error::conflict(format!("two devices have the id {id:?}")));
            }
        }
        Ok(Fleet { devices: Arc::new(devices) })
    }

    pub fn devices(&self) -> &[DynDevice] {
        &self.devices
    }

    pub fn get(&self, id: &str) -> Option<&DynDevice> {
        self.devices.iter().find(|d| d.info().id == id)
    }

    pub fn infos(&self) -> Vec<DeviceInfo> {
        self.devices.iter().map(|d| d.info()).collect()
    }
}

/// An error answered in the control API's JSON shape.
#[derive(Debug)]
pub struct ControlError(pub Error);

impl From<Error> for ControlError {
    fn from(e: Error) -> Self {
        ControlError(e)
    }
}

impl IntoResponse for ControlError {
    fn into_response(self) -> Response {
        let Error { kind, message } = self.0;
        (kind.control_status(), Json(json!({"error": {"kind": kind.as_str(), "message": message}})))
            .into_response()
    }
}

type Answer<T = Json<Value>> = std::result::Result<T, ControlError>;

/// A JSON body parsed with serde (so `deny_unknown_fields` names the key), any content type.
/// An empty body reads as `null`.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ControlError;

    async fn from_request(req: Request, state: &S) -> std::result::Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                Error::invalid(format!("request body is larger than {CONTROL_BODY_LIMIT} bytes"))
            } else {
                Error::invalid(format!("cannot read the request body: {}", e.body_text()))
            }
        })?;
        let text: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) { b"null" } else { &bytes };
        serde_json::from_slice(text)
            .map(JsonBody)
            .map_err(|e| ControlError(Error::invalid(format!("invalid JSON body: {e}"))))
    }
}

/// The per-device control routes, relative to the device's control prefix.
pub fn device_routes() -> Router<DynDevice> {
    Router::new()
        .route("/info", get(info))
        .route("/health", get(health))
        .route("/reset", post(reset))
        .route("/seed", post(seed))
        .route("/state", get(state))
        .route("/clock", get(clock_get).put(clock_set))
        .route("/clock/advance", post(clock_advance))
        .route("/clock/freeze", post(clock_freeze))
        .route("/clock/resume", post(clock_resume))
        .route("/journal", get(journal_get).delete(journal_clear))
        .route("/faults", get(faults_list).post(faults_add).delete(faults_clear))
        .route("/faults/{name}", axum::routing::delete(faults_remove))
        .route("/events", post(events))
        .route("/actions/{name}", post(action))
        .route("/power", get(power))
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found)
}

/// `/__sim/...` for one device, merged into its own listeners by [`crate::http::device_app`].
pub fn device_sim_router(device: DynDevice) -> Router {
    Router::new()
        .nest(crate::http::SIM_PREFIX, device_routes().with_state(device))
        .layer(DefaultBodyLimit::max(CONTROL_BODY_LIMIT))
}

/// The router of the control listener.
pub fn control_router(fleet: Fleet) -> Router {
    let mut r = Router::new().route("/__sim/devices", get(list_devices).with_state(fleet.clone()));
    for d in fleet.devices() {
        let id = d.info().id;
        r = r.nest(&format!("/__sim/devices/{id}"), device_routes().with_state(d.clone()));
    }
    let trace = TraceCtx { label: Arc::from("control"), transport: "http" };
    r.method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(CONTROL_BODY_LIMIT))
        .layer(middleware::from_fn_with_state(trace, trace_requests))
}

async fn list_devices(State(fleet): State<Fleet>) -> Json<Vec<DeviceInfo>> {
    Json(fleet.infos())
}

async fn not_found(method: Method, uri: Uri) -> ControlError {
    let path = uri.path();
    if let Some(rest) = path.strip_prefix("/__sim/devices/") {
        let id = rest.split('/').next().unwrap_or_default();
        return ControlError(Error::not_found(format!(
            "no device {id:?}, or no control route {method} {path} (GET /__sim/devices lists the devices)"
        )));
    }
    ControlError(Error::not_found(format!("no control route {method} {path}")))
}

async fn method_not_allowed(method: Method, uri: Uri) -> ControlError {
    ControlError(Error::unsupported(format!("method {method} is not allowed on {}", uri.path())))
}

fn ok() -> Json<Value> {
    Json(json!({"ok": true}))
}

async fn info(State(d): State<DynDevice>) -> Json<DeviceInfo> {
    Json(d.info())
}

async fn health(State(d): State<DynDevice>) -> Json<Value> {
    let info = d.info();
    let rt = d.runtime();
    Json(json!({
        "id": info.id,
        "kind": info.kind,
        "power": rt.power(),
        "clock": ClockView::of(&rt.clock),
        "device": d.health(),
    }))
}

async fn reset(State(d): State<DynDevice>) -> Answer {
    d.reset()?;
    Ok(ok())
}

async fn seed(State(d): State<DynDevice>, JsonBody(seed): JsonBody<Value>) -> Answer {
    if seed.is_null() {
        return Err(
            Error::invalid("the seed body is empty; send the seed JSON (GET state gives its shape)").into()
        );
    }
    d.load_seed(seed)?;
    Ok(ok())
}

async fn state(State(d): State<DynDevice>) -> Json<Value> {
    Json(d.dump_state())
}

/// What the clock routes answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClockView {
    pub now_ms: EpochMs,
    /// RFC 3339, UTC, milliseconds.
    pub now: String,
    pub frozen: bool,
}

impl ClockView {
    pub fn of(clock: &Clock) -> Self {
        let i = clock.info();
        ClockView { now_ms: i.now_ms, now: rfc3339(i.now_ms), frozen: i.frozen }
    }
}

fn rfc3339(ms: EpochMs) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_default()
}

async fn clock_get(State(d): State<DynDevice>) -> Json<ClockView> {
    Json(ClockView::of(&d.runtime().clock))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockSet {
    now_ms: Option<EpochMs>,
    now: Option<String>,
}

async fn clock_set(
    State(d): State<DynDevice>,
    JsonBody(body): JsonBody<Option<ClockSet>>,
) -> Answer<Json<ClockView>> {
    let ms = match body {
        Some(ClockSet { now_ms: Some(ms), now: None }) => ms,
        Some(ClockSet { now_ms: None, now: Some(s) }) => chrono::DateTime::parse_from_rfc3339(&s)
            .map_err(|e| Error::invalid(format!("\"now\" is not an RFC 3339 time ({e}): {s:?}")))?
            .timestamp_millis(),
        _ => return Err(Error::invalid("give exactly one of \"now_ms\" or \"now\"").into()),
    };
    let clock = &d.runtime().clock;
    clock.set_ms(ms);
    Ok(Json(ClockView::of(clock)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockAdvance {
    ms: Option<i64>,
    seconds: Option<f64>,
}

async fn clock_advance(
    State(d): State<DynDevice>,
    JsonBody(body): JsonBody<Option<ClockAdvance>>,
) -> Answer<Json<ClockView>> {
    let ms = match body {
        Some(ClockAdvance { ms: Some(ms), seconds: None }) => ms,
        Some(ClockAdvance { ms: None, seconds: Some(s) }) if s.is_finite() && s.abs() < 1e15 => {
            (s * 1000.0).round() as i64
        }
        Some(ClockAdvance { ms: None, seconds: Some(s) }) => {
            return Err(Error::invalid(format!("\"seconds\" is out of range: {s}")).into())
        }
        _ => return Err(Error::invalid("give exactly one of \"ms\" or \"seconds\"").into()),
    };
    if ms < 0 {
        return Err(Error::invalid("the clock only advances; use PUT clock to set an earlier time").into());
    }
    let clock = &d.runtime().clock;
    clock.advance_ms(ms);
    Ok(Json(ClockView::of(clock)))
}

async fn clock_freeze(State(d): State<DynDevice>) -> Json<ClockView> {
    let clock = &d.runtime().clock;
    clock.freeze();
    Json(ClockView::of(clock))
}

async fn clock_resume(State(d): State<DynDevice>) -> Json<ClockView> {
    let clock = &d.runtime().clock;
    clock.resume();
    Json(ClockView::of(clock))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JournalQuery {
    after: Option<u64>,
    limit: Option<usize>,
}

async fn journal_get(
    State(d): State<DynDevice>,
    q: std::result::Result<Query<JournalQuery>, QueryRejection>,
) -> Answer {
    let Query(q) = q.map_err(|e| Error::invalid(e.body_text()))?;
    let limit = q.limit.unwrap_or(JOURNAL_DEFAULT_LIMIT);
    if limit > JOURNAL_MAX_LIMIT {
        return Err(Error::invalid(format!("limit {limit} is above {JOURNAL_MAX_LIMIT}")).into());
    }
    let after = q.after.unwrap_or(0);
    let entries = d.runtime().journal.since(after, limit);
    let next_after = entries.last().map(|e| e.seq).unwrap_or(after);
    Ok(Json(json!({"entries": entries, "next_after": next_after})))
}

async fn journal_clear(State(d): State<DynDevice>) -> Json<Value> {
    let journal = &d.runtime().journal;
    let removed = journal.len();
    journal.clear();
    Json(json!({"removed": removed}))
}

async fn faults_list(State(d): State<DynDevice>) -> Json<Vec<Rule>> {
    Json(d.runtime().faults.list())
}

async fn faults_add(State(d): State<DynDevice>, JsonBody(rule): JsonBody<Option<Rule>>) -> Answer<Response> {
    let Some(rule) = rule else {
        return Err(Error::invalid("the body must be a fault rule object").into());
    };
    let faults = &d.runtime().faults;
    if let Some(name) = &rule.name {
        if faults.list().iter().any(|r| r.name.as_deref() == Some(name)) {
            return Err(Error::conflict(format!("a fault rule named {name:?} exists already")).into());
        }
    }
    let name = faults.add(rule)?;
    Ok((StatusCode::CREATED, Json(json!({"name": name}))).into_response())
}

async fn faults_clear(State(d): State<DynDevice>) -> Json<Value> {
    let faults = &d.runtime().faults;
    let removed = faults.list().len();
    faults.clear();
    Json(json!({"removed": removed}))
}

async fn faults_remove(State(d): State<DynDevice>, Path(name): Path<String>) -> Answer {
    if d.runtime().faults.remove(&name) {
        Ok(Json(json!({"removed": 1})))
    } else {
        Err(Error::not_found(format!("no fault rule named {name:?}")).into())
    }
}

async fn events(State(d): State<DynDevice>, JsonBody(event): JsonBody<Value>) -> Answer {
    if event.is_null() {
        return Err(Error::invalid("the event body is empty").into());
    }
    Ok(Json(d.inject_event(event)?))
}

async fn action(
    State(d): State<DynDevice>,
    Path(name): Path<String>,
    JsonBody(body): JsonBody<Value>,
) -> Answer {
    Ok(Json(d.action(&name, body)?))
}

async fn power(State(d): State<DynDevice>) -> Json<Value> {
    Json(json!({"power": d.runtime().power()}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_ids_are_url_and_file_safe() {
        assert!(valid_device_id("frc1"));
        assert!(valid_device_id("cam-2.lab_A"));
        assert!(!valid_device_id(""));
        assert!(!valid_device_id(".hidden"));
        assert!(!valid_device_id("a/b"));
        assert!(!valid_device_id("{id}"));
        assert!(!valid_device_id(&"x".repeat(65)));
    }

    #[test]
    fn rfc3339_has_milliseconds_and_z() {
        assert_eq!(rfc3339(1_700_000_000_123), "2023-11-14T22:13:20.123Z");
    }
}
