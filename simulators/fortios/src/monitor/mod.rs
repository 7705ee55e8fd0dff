//! The Monitor API (`/api/v2/monitor/...`, spec §3): all 207 endpoints of the catalogue,
//! answered from the CMDB ([`Model`]) and the runtime state ([`Runtime`]) at a given time.
//!
//! Pure and synchronous like the rest of the crate: the HTTP side decodes the request into a
//! [`MonitorRequest`], calls [`handle`] under the device lock and renders the [`MonitorReply`].
//!
//! * [`catalogue()`]: the endpoints as data (method, path, access group, parameters, depth)
//! * [`Runtime`]: counters, sessions, leases, routes, logs, licences, firmware, revisions
//!   (serde; persisted beside the model)
//! * one file per monitor group (`firewall.rs`, `system.rs`, ...) with the handlers
//!
//! Time: `now` is the device clock in Unix seconds; `system/time/set` keeps an offset in the
//! runtime ([`Runtime::device_time`]). Every generated value is a pure function of the device
//! seed (its serial), the state and the time slot, so the same requests give the same answers.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::model::Model;
use crate::wire;

mod args;
pub mod catalogue;
mod gen;
mod runtime;

mod config;
mod coverage;
mod endpoint_control;
mod extender_controller;
mod firewall;
mod fortiview;
mod geoip;
mod ips;
mod license;
mod log;
mod router;
mod switch_controller;
mod system;
mod user;
mod utm;
mod virtual_wan;
mod vpn;
mod wanopt;
mod webcache;
mod webfilter;
mod webproxy;
mod wifi;

pub use catalogue::{AccessGroup, Depth, Endpoint, Param, ParamType, ResultType, CATALOGUE};
pub use log::{search_logs, LogQuery};
pub use runtime::{
    BannedIp, ConfigRevision, Counter, FirewallUser, Lease, LogEntry, Route, Runtime, Session, SslSession,
};

use args::{Args, Fail};

/// One live admin session, as the HTTP side knows it (for `system/current-admins`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminSession {
    /// Small integer shown by `current-admins` and taken by `disconnect-admins`.
    pub id: u32,
    pub admin: String,
    pub srcip: String,
    /// `https` or `http`.
    pub method: String,
    pub profile: String,
    pub vdom: String,
    /// Login time (Unix seconds).
    pub login_time: i64,
}

/// A monitor request, decoded by the HTTP side.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MonitorRequest {
    /// Effective method (after `X-HTTP-Method-Override`).
    pub method: String,
    /// Below `/api/v2/monitor/` (`firewall/policy/select`, `firewall/policy/`, `firewall/policy`).
    pub path: String,
    /// Query string parameters, in order (repeated keys kept).
    pub params: Vec<(String, String)>,
    /// POST body: a JSON object. Form-encoded bodies and the ordinary fields of a multipart
    /// body are given as a JSON object of strings.
    pub body: Option<Value>,
    /// The effective VDOM (the `vdom` parameter, or the admin's current VDOM; `""` = root).
    /// Access to it is the HTTP side's check; `handle` answers 403 when it does not exist.
    pub vdom: String,
    /// Raw bytes of the (first) file part of a multipart body.
    pub upload: Option<Vec<u8>>,
    /// Name of the requesting admin (`#config-version ... user=`, revisions, event log);
    /// `""` = `admin`.
    pub user: String,
    /// VDOMs the admin may reach, for `global=1`; empty = every VDOM.
    pub vdoms: Vec<String>,
    /// Live admin sessions (for `system/current-admins`).
    pub admins: Vec<AdminSession>,
    /// Later-firmware profile: endpoints that 5.6.0 lacks (`system/status`) answer instead of
    /// 404.
    pub firmware_extras: bool,
}

/// What the HTTP side does after sending a lifecycle answer (spec §4.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LifecycleAction {
    /// Go away for T_reboot, then call [`boot`] and come back (all admin sessions gone).
    Reboot,
    /// Go away until the harness powers the unit on (then [`boot`]).
    Shutdown,
}

/// Admin-session effects of a monitor call (the sessions belong to the HTTP side).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SessionAction {
    /// Remove these sessions (`id`, login `method`), `system/disconnect-admins`.
    Disconnect(Vec<(u32, String)>),
    /// Log everybody out (`system/admin/toggle-vdom-mode`).
    DisconnectAll,
}

/// The answer of [`handle`].
#[derive(Debug, Clone, PartialEq)]
pub enum MonitorReply {
    /// A JSON envelope (success or error) with its HTTP status.
    Json { status: u16, body: Value },
    /// A raw file download: `Content-Type` and `Content-Disposition: attachment; filename=`.
    File { content_type: String, filename: String, bytes: Vec<u8> },
    /// Send `body` with 200, then reboot or shut down.
    Lifecycle { action: LifecycleAction, body: Value },
    /// Send `body` with 200, then apply the session effect.
    Sessions { action: SessionAction, body: Value },
}

impl MonitorReply {
    /// HTTP status of the answer (200 for files and effects).
    pub fn status(&self) -> u16 {
        match self {
            MonitorReply::Json { status, .. } => *status,
            _ => 200,
        }
    }

    /// The JSON body, when the answer has one.
    pub fn body(&self) -> Option<&Value> {
        match self {
            MonitorReply::Json { body, .. }
            | MonitorReply::Lifecycle { body, .. }
            | MonitorReply::Sessions { body, .. } => Some(body),
            MonitorReply::File { .. } => None,
        }
    }
}

/// Every endpoint of spec §3.7.
pub fn catalogue() -> &'static [Endpoint] {
    CATALOGUE
}

/// Split `firewall/policy/select/` into (`firewall`, `policy`, `select`); the action is `None`
/// when omitted. `None` when the path has fewer than two or more than three segments.
fn split_path(path: &str) -> Option<(&str, &str, Option<&str>)> {
    let p = path.trim_start_matches('/');
    let p = p.strip_suffix('/').unwrap_or(p);
    let mut it = p.split('/');
    let area = it.next().filter(|s| !s.is_empty())?;
    let resource = it.next().filter(|s| !s.is_empty())?;
    let action = it.next();
    if it.next().is_some() || action == Some("") {
        return None;
    }
    Some((area, resource, action))
}

/// The catalogue entry a path names (action omitted = `select`), whatever the method.
pub fn lookup(path: &str) -> Option<&'static Endpoint> {
    let (area, resource, action) = split_path(path)?;
    let action = action.unwrap_or("select");
    CATALOGUE.iter().find(|e| e.area() == area && e.resource() == resource && e.action() == action)
}

/// Whether the request is an operation (POST to a catalogue endpoint): it needs the
/// read-write permission of its access group and may change state that must be persisted.
/// Reads (GET) never need persisting.
pub fn is_write(req: &MonitorRequest) -> bool {
    req.method.eq_ignore_ascii_case("POST") || lookup(&req.path).is_some_and(|e| e.is_write())
}

/// Which access group guards a path (spec §1.6); `None` for paths outside the catalogue.
pub fn access_group(path: &str) -> Option<AccessGroup> {
    lookup(path).map(|e| e.group)
}

/// Endpoints whose envelope carries no `vdom` (global scope, spec §1.9, §3.2).
fn global_scope(ep: &Endpoint) -> bool {
    matches!(ep.area(), "license" | "coverage")
        || matches!(
            (ep.area(), ep.resource()),
            (
                "system",
                "os" | "firmware"
                    | "fsck"
                    | "time"
                    | "admin"
                    | "config-revision"
                    | "vmlicense"
                    | "ha-statistics"
                    | "ha-checksums"
                    | "ha-peer"
                    | "sensor-info"
                    | "storage"
                    | "fortiguard"
                    | "fortimanager"
                    | "modem"
                    | "3g-modem"
                    | "csf"
                    | "timezone"
                    | "com-log"
                    | "debug"
                    | "current-admins"
                    | "disconnect-admins"
                    | "change-password"
                    | "password-policy-conform"
                    | "usb-log"
                    | "botnet"
                    | "botnet-domains"
            )
        )
}

/// What a handler produced.
pub(crate) enum Out {
    Json(Value),
    File { content_type: String, filename: String, bytes: Vec<u8> },
    Lifecycle(LifecycleAction, Value),
    Sessions(SessionAction, Value),
}

/// Everything a handler sees.
pub(crate) struct Ctx<'a> {
    pub model: &'a mut Model,
    pub rt: &'a mut Runtime,
    /// Device time (clock + `time/set` offset).
    pub now: i64,
    pub req: &'a MonitorRequest,
    pub args: Args,
    pub vdom: String,
    pub ep: &'static Endpoint,
}

impl Ctx<'_> {
    pub fn user(&self) -> &str {
        if self.req.user.is_empty() {
            "admin"
        } else {
            &self.req.user
        }
    }

    pub fn seed(&self) -> u64 {
        gen::seed_of(&self.model.identity)
    }

    /// A counter of a shallow statistic: a seeded rate in `lo..=hi` per second times the
    /// seconds since boot or since the statistic's last reset (`Runtime::resets[key]`).
    pub fn accrued(&self, key: &str, lo: i64, hi: i64) -> u64 {
        let since = self.rt.resets.get(key).copied().unwrap_or(i64::MIN).max(self.model.revision.boot_epoch);
        let rate = gen::range(self.seed(), key, &[], lo, hi);
        (rate.max(0) as u64).saturating_mul((self.now - since).max(0) as u64)
    }

    /// Record a reset of a shallow statistic.
    pub fn reset(&mut self, key: &str) {
        self.rt.resets.insert(key.to_string(), self.now);
    }
}

fn envelope_request(req: &MonitorRequest, vdom: Option<&str>, parts: (&str, &str, &str)) -> wire::Request {
    wire::Request {
        http_method: req.method.to_ascii_uppercase(),
        path: parts.0.to_string(),
        name: parts.1.to_string(),
        vdom: vdom.map(str::to_string),
        mkey: None,
        action: Some(parts.2.to_string()),
    }
}

fn error_json(model: &Model, req: &wire::Request, fail: &Fail) -> MonitorReply {
    let r = wire::monitor_error(&model.identity, req, fail.status, fail.error);
    tracing::debug!(status = fail.status, reason = %fail.reason, path = %req.path, name = %req.name, "monitor error");
    MonitorReply::Json { status: r.status, body: r.body }
}

/// Answer one monitor request at device-clock time `now` (Unix seconds).
///
/// Never panics: unknown paths answer 404, a wrong method 405, missing required parameters
/// 424, malformed values 400 or 424, an unknown VDOM 403, all in the monitor error envelope.
pub fn handle(model: &mut Model, rt: &mut Runtime, now: i64, req: &MonitorRequest) -> MonitorReply {
    let method = req.method.to_ascii_uppercase();
    let trimmed = req.path.trim_matches('/');
    let (area, resource, action) = split_path(&req.path).unwrap_or((trimmed, "", None));
    let shown_action = action.unwrap_or("");
    let vdom = if req.vdom.is_empty() { crate::cmdb::ROOT.to_string() } else { req.vdom.clone() };
    let base = envelope_request(req, Some(&vdom), (area, resource, shown_action));

    // The directory (spec §3.1, P2): `GET /api/v2/monitor/` or `/api/v2/monitor/<area>/`.
    if method == "GET" && (trimmed.is_empty() || (!trimmed.contains('/') && resource.is_empty())) {
        let items: Vec<Value> = CATALOGUE
            .iter()
            .filter(|e| trimmed.is_empty() || e.area() == trimmed)
            .map(directory_entry)
            .collect();
        if !items.is_empty() {
            let r = wire::monitor_ok(&model.identity, &base, Value::Array(items));
            return MonitorReply::Json { status: r.status, body: r.body };
        }
    }
    if req.firmware_extras && method == "GET" && area == "system" && resource == "status" && action.is_none()
    {
        let r = wire::monitor_ok(&model.identity, &base, system::status_extra(model, rt.device_time(now)));
        return MonitorReply::Json { status: r.status, body: r.body };
    }

    let Some((area, resource, _)) = split_path(&req.path) else {
        return error_json(model, &base, &Fail::not_found("malformed monitor path"));
    };
    let candidates: Vec<&'static Endpoint> = CATALOGUE
        .iter()
        .filter(|e| {
            e.area() == area && e.resource() == resource && Some(e.action()) == action.or(Some("select"))
        })
        .collect();
    let Some(ep) = candidates.first().copied() else {
        return error_json(model, &base, &Fail::not_found("unknown monitor endpoint"));
    };
    if !matches!(method.as_str(), "GET" | "POST" | "PUT" | "DELETE") || ep.method != method {
        return error_json(model, &base, &Fail::method("method does not match the catalogue"));
    }
    let args = match Args::parse(ep, req) {
        Ok(a) => a,
        Err(f) => return error_json(model, &base, &f),
    };
    let global_flag = args.flag("global").unwrap_or(false);
    let dev_now = rt.device_time(now);
    rt.sync(model, dev_now);

    if global_flag && !global_scope(ep) {
        let all = model.vdom_names();
        let vdoms: Vec<String> = if req.vdoms.is_empty() {
            all
        } else {
            req.vdoms.iter().filter(|v| all.contains(v)).cloned().collect()
        };
        let mut bodies = Vec::new();
        let mut status = 200;
        let mut effect = None;
        for v in vdoms {
            let reply = run_one(model, rt, dev_now, req, ep, args.clone(), v);
            if status == 200 && reply.status() != 200 {
                status = reply.status();
            }
            match reply {
                MonitorReply::Json { body, .. } => bodies.push(body),
                MonitorReply::Lifecycle { action, body } => {
                    effect = Some(action);
                    bodies.push(body);
                }
                MonitorReply::Sessions { body, .. } => bodies.push(body),
                MonitorReply::File { .. } => {
                    // Downloads are not VDOM-iterable: answer the first VDOM's file.
                    return reply;
                }
            }
        }
        return match effect {
            Some(action) => MonitorReply::Lifecycle { action, body: Value::Array(bodies) },
            None => MonitorReply::Json { status, body: Value::Array(bodies) },
        };
    }
    run_one(model, rt, dev_now, req, ep, args, vdom)
}

fn directory_entry(e: &Endpoint) -> Value {
    json!({
        "path": format!("{}/{}", e.area(), e.resource()),
        "name": e.resource(),
        "action": e.action(),
        "access_group": e.group.as_str(),
        "summary": e.summary,
        "request": {
            "http_method": e.method,
            "parameters": e.params.iter().map(|p| json!({"name": p.name, "type": p.ty, "required": p.required})).collect::<Vec<_>>(),
        },
        "response": {"type": e.result},
    })
}

fn run_one(
    model: &mut Model,
    rt: &mut Runtime,
    now: i64,
    req: &MonitorRequest,
    ep: &'static Endpoint,
    args: Args,
    vdom: String,
) -> MonitorReply {
    let env_vdom = if global_scope(ep) { None } else { Some(vdom.as_str()) };
    // `action` echoes the URL: `""` when it omitted the (select) action (spec §1.9).
    let shown = split_path(&req.path).and_then(|(_, _, a)| a).unwrap_or("");
    let base = envelope_request(req, env_vdom, (ep.area(), ep.resource(), shown));
    if !model.cmdb.vdoms.contains_key(&vdom) {
        return error_json(
            model,
            &base,
            &Fail { status: 403, error: None, reason: format!("unknown VDOM {vdom}") },
        );
    }
    let mut ctx = Ctx { model, rt, now, req, args, vdom, ep };
    let result = dispatch(&mut ctx);
    let Ctx { model, .. } = ctx;
    let out = match result {
        Ok(o) => o,
        Err(f) => return error_json(model, &base, &f),
    };
    // Scope-dependent envelopes (backup/restore scope=global answer without vdom).
    let base = match (&out, ep.path) {
        (_, "system/config/restore" | "system/config/backup") if scope_is_global(req) => {
            wire::Request { vdom: None, ..base }
        }
        _ => base,
    };
    match out {
        Out::Json(v) => {
            let r = wire::monitor_ok(&model.identity, &base, v);
            MonitorReply::Json { status: r.status, body: r.body }
        }
        Out::File { content_type, filename, bytes } => MonitorReply::File { content_type, filename, bytes },
        Out::Lifecycle(action, v) => {
            let r = wire::monitor_ok(&model.identity, &base, v);
            MonitorReply::Lifecycle { action, body: r.body }
        }
        Out::Sessions(action, v) => {
            let r = wire::monitor_ok(&model.identity, &base, v);
            MonitorReply::Sessions { action, body: r.body }
        }
    }
}

fn scope_is_global(req: &MonitorRequest) -> bool {
    let from_params = req.params.iter().rev().find(|(k, _)| k == "scope").map(|(_, v)| v.clone());
    let from_body =
        req.body.as_ref().and_then(|b| b.get("scope")).and_then(Value::as_str).map(str::to_string);
    from_body.or(from_params).as_deref() == Some("global")
}

fn dispatch(ctx: &mut Ctx) -> Result<Out, Fail> {
    let handled = match ctx.ep.area() {
        "endpoint-control" => endpoint_control::handle(ctx),
        "firewall" => firewall::handle(ctx),
        "fortiview" => fortiview::handle(ctx),
        "geoip" => geoip::handle(ctx),
        "ips" => ips::handle(ctx),
        "license" => license::handle(ctx),
        "log" => log::handle(ctx),
        "router" => router::handle(ctx),
        "system" => match ctx.ep.resource() {
            "config" | "config-revision" => config::handle(ctx),
            _ => system::handle(ctx),
        },
        "switch-controller" => switch_controller::handle(ctx),
        "extender-controller" => extender_controller::handle(ctx),
        "user" => user::handle(ctx),
        "utm" => utm::handle(ctx),
        "virtual-wan" => virtual_wan::handle(ctx),
        "webfilter" => webfilter::handle(ctx),
        "vpn" => vpn::handle(ctx),
        "wanopt" => wanopt::handle(ctx),
        "webproxy" => webproxy::handle(ctx),
        "webcache" => webcache::handle(ctx),
        "wifi" => wifi::handle(ctx),
        "coverage" => coverage::handle(ctx),
        _ => None,
    };
    handled.unwrap_or_else(|| Err(Fail::not_found("endpoint not modelled")))
}

/// Bring the unit (back) up at `now` after a reboot or a power-on: new boot epoch and nonce,
/// runtime counters, sessions and leases cleared, a pending firmware image installed, an event
/// log entry written. The CMDB is kept.
pub fn boot(model: &mut Model, rt: &mut Runtime, now: i64) {
    runtime::boot(model, rt, now);
}

/// Harness injection (control API `inject`): see [`Runtime::inject`] for the event kinds.
/// Answers `{"injected": <kind>}`.
pub fn inject(model: &mut Model, rt: &mut Runtime, now: i64, event: &Value) -> Result<Value, String> {
    let dev_now = rt.device_time(now);
    rt.sync(model, dev_now);
    rt.inject(dev_now, event)?;
    Ok(json!({"injected": event.get("kind").cloned().unwrap_or(Value::Null)}))
}
