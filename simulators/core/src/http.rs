//! The HTTP layers every device listener shares.
//!
//! [`device_app`] wraps a device's own router with, outer to inner:
//!
//! 1. a tracing span per request (device, transport, method, path and query) and one summary
//!    line with the status and latency when the answer leaves;
//! 2. the request journal (every device request with its status; `0` when a fault dropped it);
//! 3. fault injection from [`crate::faults`]: a delay slept on the tokio clock, a forced status
//!    with the rule's body, or a dropped connection (closed without a byte of answer);
//! 4. the device's `/__sim/...` control routes (traced, never journaled, faulted or challenged),
//!    and the device router itself with a body limit of [`DEVICE_BODY_LIMIT`].

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use http::{header, HeaderValue, StatusCode};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::device::DynDevice;
use crate::journal::Entry;
use crate::serve::Transport;

/// Largest request body a device route accepts (the device words the error).
pub const DEVICE_BODY_LIMIT: usize = 8 * 1024 * 1024;

/// Path prefix of the control routes on every port.
pub const SIM_PREFIX: &str = "/__sim";

/// Whether `path` is a control route (never faulted, journaled or challenged).
pub fn is_sim_path(path: &str) -> bool {
    path == SIM_PREFIX || path.strip_prefix(SIM_PREFIX).is_some_and(|rest| rest.starts_with('/'))
}

/// Request extension the listener inserts on every request: cancelling it closes the TCP (or TLS)
/// connection the request came on, without answering.
#[derive(Debug, Clone)]
pub struct ConnectionAbort(pub CancellationToken);

/// Response extension: a fault rule decided to drop the connection.
#[derive(Debug, Clone, Copy)]
struct Dropped;

/// Response extension: the name of the fault rule that fired.
#[derive(Debug, Clone)]
struct FaultFired(String);

#[derive(Clone)]
struct DeviceCtx {
    device: DynDevice,
    transport: &'static str,
}

#[derive(Clone)]
pub(crate) struct TraceCtx {
    pub(crate) label: Arc<str>,
    pub(crate) transport: &'static str,
}

/// Wrap `app` (the device's own routes) with the shared layers for one listener.
/// `transport` is `"http"` or `"https"` (recorded in the journal and the trace).
pub fn device_app(device: DynDevice, transport: &'static str, app: Router) -> Router {
    let trace = TraceCtx { label: Arc::from(device.info().id.as_str()), transport };
    let ctx = DeviceCtx { device: device.clone(), transport };
    app.layer(DefaultBodyLimit::max(DEVICE_BODY_LIMIT))
        .merge(crate::control::device_sim_router(device))
        .layer(middleware::from_fn_with_state(ctx.clone(), inject_faults))
        .layer(middleware::from_fn_with_state(ctx, record_journal))
        .layer(middleware::from_fn_with_state(trace, trace_requests))
}

/// One span per request and one summary line; marks the request with its [`Transport`]; carries out a
/// connection drop decided inside.
pub(crate) async fn trace_requests(State(ctx): State<TraceCtx>, mut req: Request, next: Next) -> Response {
    let start = Instant::now();
    // Tell the device which listener the request came in on (e.g. for `Secure` cookies).
    let transport = if ctx.transport == "https" { Transport::Https } else { Transport::Http };
    req.extensions_mut().insert(transport);
    let abort = req.extensions().get::<ConnectionAbort>().cloned();
    let uri = req.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let span = tracing::info_span!(
        "request",
        device = %ctx.label,
        transport = ctx.transport,
        method = %req.method(),
        uri = %uri,
    );
    let resp = next.run(req).instrument(span.clone()).await;
    let latency_ms = start.elapsed().as_secs_f64() * 1000.0;
    let latency_ms = (latency_ms * 1000.0).round() / 1000.0;
    if resp.extensions().get::<Dropped>().is_some() {
        {
            let _inside = span.enter();
            tracing::info!(status = 0, latency_ms, "connection dropped by fault rule");
        }
        return drop_connection(abort).await;
    }
    let status = resp.status().as_u16();
    // Entered only to emit the event (no await inside), so every log format shows the span.
    let _inside = span.enter();
    if resp.status().is_server_error() {
        tracing::warn!(status, latency_ms, "answered");
    } else {
        tracing::info!(status, latency_ms, "answered");
    }
    drop(_inside);
    resp
}

/// Close the connection without an answer. On a real listener the connection task is told to
/// drop the socket (this future never completes and is dropped with it). Without one (router
/// tests) the best stand-in is a response whose body fails before its first byte.
async fn drop_connection(abort: Option<ConnectionAbort>) -> Response {
    if let Some(ConnectionAbort(token)) = abort {
        token.cancel();
        std::future::pending::<()>().await;
    }
    let mut resp = Response::new(Body::new(FailingBody));
    *resp.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    resp
}

/// A body that errors on first poll, so no byte of it is ever sent.
struct FailingBody;

impl HttpBody for FailingBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Self::Data>, Self::Error>>> {
        std::task::Poll::Ready(Some(Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "connection dropped by fault rule",
        ))))
    }
}

async fn record_journal(State(ctx): State<DeviceCtx>, req: Request, next: Next) -> Response {
    if is_sim_path(req.uri().path()) {
        return next.run(req).await;
    }
    let rt = ctx.device.runtime();
    let at_ms = rt.clock.now_ms();
    let start = Instant::now();
    let method = req.method().as_str().to_owned();
    let uri = req.uri().path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "/".into());
    let resp = next.run(req).await;
    let status = if resp.extensions().get::<Dropped>().is_some() { 0 } else { resp.status().as_u16() };
    rt.journal.record(Entry {
        seq: 0,
        at_ms,
        transport: ctx.transport.to_owned(),
        method,
        uri,
        status,
        duration_us: start.elapsed().as_micros().min(u64::MAX as u128) as u64,
        fault: resp.extensions().get::<FaultFired>().map(|f| f.0.clone()),
    });
    resp
}

async fn inject_faults(State(ctx): State<DeviceCtx>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if is_sim_path(path) {
        return next.run(req).await;
    }
    let decision = ctx.device.runtime().faults.decide(req.method().as_str(), path);
    let Some(rule) = decision.rule else {
        return next.run(req).await;
    };
    tracing::debug!(rule = %rule, delay_ms = decision.delay_ms, status = ?decision.status,
        drop = decision.drop, transport = ctx.transport, "fault rule fired");
    if decision.delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(decision.delay_ms)).await;
    }
    let mut resp = if decision.drop {
        let mut r = StatusCode::SERVICE_UNAVAILABLE.into_response();
        r.extensions_mut().insert(Dropped);
        r
    } else if let Some(status) = decision.status {
        forced_response(status, decision.body.unwrap_or_default())
    } else {
        next.run(req).await
    };
    resp.extensions_mut().insert(FaultFired(rule));
    resp
}

/// The answer of a forced-status rule: its body, typed JSON when it parses as JSON.
fn forced_response(status: u16, body: String) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let ctype = if !body.is_empty() && serde_json::from_str::<serde_json::Value>(&body).is_ok() {
        "application/json"
    } else {
        "text/plain; charset=utf-8"
    };
    let mut resp = (status, body).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sim_paths_are_recognised_exactly() {
        assert!(is_sim_path("/__sim"));
        assert!(is_sim_path("/__sim/health"));
        assert!(!is_sim_path("/__simulator"));
        assert!(!is_sim_path("/api/__sim/health"));
    }

    #[test]
    fn forced_json_body_is_typed_json() {
        let r = forced_response(503, r#"{"e":1}"#.into());
        assert_eq!(r.status(), 503);
        assert_eq!(r.headers()[header::CONTENT_TYPE], "application/json");
        let r = forced_response(500, "oops".into());
        assert_eq!(r.headers()[header::CONTENT_TYPE], "text/plain; charset=utf-8");
    }
}
