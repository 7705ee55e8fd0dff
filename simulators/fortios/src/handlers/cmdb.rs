//! `/api/v2/cmdb/...` (spec §2): decode, check the profile and VDOM, run through
//! `wire::execute`, save before answering a write, `ETag` / `If-None-Match` on reads (G11).

use axum::response::{IntoResponse, Response};
use http::{header, HeaderValue, StatusCode};
use serde_json::{Map, Value};

use super::{access, edge_error, etag_of, json_response, path_name, Api, ApiRequest, Caller};
use crate::cmdb::CmdbError;
use crate::device::FortiGate;
use crate::model::Command;
use crate::request;
use crate::schema::Scope;
use crate::wire::{self, Reply, Request};

/// Form fields that collide with reserved URL parameters (spec §2.6, K01).
const RESERVED: [&str; 3] = ["name", "path", "action"];

/// An engine error before a command exists (decode failures), in the CMDB envelope.
fn early_error(dev: &FortiGate, req: &ApiRequest, vdom: Option<String>, err: &CmdbError) -> Response {
    let st = dev.lock();
    let (path, name) = path_name(&req.rest);
    let mkey = req
        .rest
        .trim_matches('/')
        .split('/')
        .nth(2)
        .map(|m| crate::path::percent_decode(m).unwrap_or_else(|_| m.to_string()));
    let r = Request { http_method: req.method.clone(), path, name, vdom, mkey, action: None };
    let reply = wire::cmdb_reply(
        &st.model.identity,
        &st.model.revision_string(),
        &r,
        &Err(err.clone()),
        dev.options().error_status,
    );
    json_response(reply.status, &reply.body)
}

/// The body of a POST / PUT: JSON (anything that looks like JSON, whatever the `Content-Type`:
/// spec §2.6; never merged with URL parameters), or a form whose fields are attributes (a
/// reserved name collides → 405; a `json` field carries JSON text).
fn body_of(req: &ApiRequest) -> Result<Option<Value>, CmdbError> {
    if !matches!(req.method.as_str(), "POST" | "PUT") || req.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    if req.is_form() && !req.looks_like_json() {
        let text = std::str::from_utf8(&req.body)
            .map_err(|_| CmdbError::BadRequest("form body is not UTF-8".into()))?;
        let pairs = request::parse_query(text.trim())?;
        if let Some((k, _)) = pairs.iter().find(|(k, _)| RESERVED.contains(&k.as_str())) {
            return Err(CmdbError::MethodNotAllowed(format!("form field {k} collides with a URL parameter")));
        }
        if let Some((_, j)) = pairs.iter().find(|(k, _)| k == "json") {
            let v: Value =
                serde_json::from_str(j).map_err(|e| CmdbError::BadRequest(format!("json field: {e}")))?;
            return Ok(Some(v));
        }
        let obj: Map<String, Value> = pairs.into_iter().map(|(k, v)| (k, Value::String(v))).collect();
        return Ok(Some(Value::Object(obj)));
    }
    serde_json::from_slice(&req.body)
        .map(Some)
        .map_err(|e| CmdbError::BadRequest(format!("body is not JSON: {e}")))
}

fn table_of(cmd: &Command) -> Option<&str> {
    match cmd {
        Command::Schema { table } | Command::Default { table } => table.as_deref(),
        Command::Directory => None,
        other => other.target().map(|t| t.table.as_str()),
    }
}

pub(super) fn handle(dev: &FortiGate, caller: &Caller, req: &ApiRequest) -> Response {
    let params = match request::parse_query(req.query.as_deref().unwrap_or("")) {
        Ok(p) => p,
        Err(e) => return early_error(dev, req, None, &e),
    };
    let default_vdom = caller.default_vdom();
    let vdom_param =
        params.iter().find(|(k, _)| k == "vdom").map(|(_, v)| v.clone()).filter(|v| !v.is_empty());
    let echo_vdom = Some(vdom_param.clone().unwrap_or_else(|| default_vdom.clone()));
    let body = match body_of(req) {
        Ok(b) => b,
        Err(e) => return early_error(dev, req, echo_vdom, &e),
    };
    let reg = crate::schema::Registry::builtin();
    let decoded = match request::decode(reg, &req.method, &req.rest, &params, body, &default_vdom) {
        Ok(d) => d,
        Err(e) => return early_error(dev, req, echo_vdom, &e),
    };
    let write = decoded.command.is_write();
    let table = table_of(&decoded.command).map(str::to_owned);
    let scope = table.as_deref().and_then(|t| reg.get(t)).map(|t| t.scope);

    // Profile: the group of the table, read or read-write; global objects need a global profile
    // to change.
    let allowed = match &table {
        Some(t) => {
            access::level(&caller.profile, access::cmdb_group(t)).allows(write)
                && !(write && scope == Some(Scope::Global) && !caller.global_scope())
        }
        None => true,
    };
    let vdom_ok = decoded.global || scope != Some(Scope::Vdom) || caller.may_use_vdom(&decoded.vdom);
    let now = dev.now_secs();
    let mut st = dev.lock();
    if !allowed || !vdom_ok {
        let vdom = (scope != Some(Scope::Global)).then_some(decoded.vdom.as_str());
        return edge_error(&st, Api::Cmdb, &req.method, &req.rest, vdom, 403);
    }
    let mode = dev.options().error_status;
    let reply: Reply = if decoded.global {
        let vdoms: Vec<String> =
            st.model.vdom_names().into_iter().filter(|v| caller.may_use_vdom(v)).collect();
        wire::execute_global(&mut st.model, now, &req.method, decoded.command, &vdoms, mode)
    } else {
        wire::execute(&mut st.model, now, &req.method, decoded.command, mode)
    };
    let changed = write && reply_succeeded(&reply);
    if changed {
        if let Err(e) = dev.save(&st) {
            tracing::error!(error = %e, "saving the FortiGate state failed");
            return edge_error(&st, Api::Cmdb, &req.method, &req.rest, None, 500);
        }
    }
    drop(st);
    if req.method == "GET" && reply.status == 200 && !reply.body.is_array() {
        let etag = etag_of(&reply.body);
        if req.if_none_match.as_deref().is_some_and(|m| m.split(',').any(|t| t.trim() == etag)) {
            let mut r = StatusCode::NOT_MODIFIED.into_response();
            if let Ok(v) = HeaderValue::from_str(&etag) {
                r.headers_mut().insert(header::ETAG, v);
            }
            return r;
        }
        let mut r = json_response(reply.status, &reply.body);
        if let Ok(v) = HeaderValue::from_str(&etag) {
            r.headers_mut().insert(header::ETAG, v);
        }
        return r;
    }
    json_response(reply.status, &reply.body)
}

/// Whether any part of the answer succeeded (a `global=1` array may partly succeed).
fn reply_succeeded(r: &Reply) -> bool {
    match &r.body {
        Value::Array(items) => {
            items.iter().any(|e| e.get("status").and_then(Value::as_str) == Some("success"))
        }
        _ => r.status == 200,
    }
}
