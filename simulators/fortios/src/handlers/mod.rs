//! Request handling at the HTTP edge: sessions, CSRF, permissions, body limits, and dispatch to
//! the CMDB engine (`wire::execute`) or the monitor module.
//!
//! One catch-all handler runs the order of spec §4.4: route (404) → method (405) → session or
//! token (401) → CSRF on non-GET (403) → body size (413) → profile and VDOM (403) → the API.

mod access;
mod cmdb;
mod login;
mod monitor;

pub use access::{cmdb_group, Level};

use std::net::SocketAddr;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::response::{IntoResponse, Response};
use http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use serde_json::{json, Map, Value};

use devsim_core::auth::{bearer, session::cookie_value};
use devsim_core::serve::Transport;
use devsim_core::Power;

use crate::cmdb::{Obj, ROOT};
use crate::device::{FortiGate, State as DevState};
use crate::profile::TokenAuth;
use crate::value::decode_secret;

/// Router state.
#[derive(Clone)]
pub struct AppState {
    pub device: FortiGate,
}

/// Which API a URL addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Api {
    Cmdb,
    Monitor,
}

/// The authenticated caller of one request.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub admin: String,
    /// The `config system accprofile` object of the admin.
    pub profile: Obj,
    /// `None`: every VDOM (the `super_admin` profile); else the admin's VDOM list.
    pub vdoms: Option<Vec<String>>,
    /// The session's CSRF token (`None` for API-token callers, who need none).
    pub csrf: Option<String>,
}

impl Caller {
    pub fn default_vdom(&self) -> String {
        self.vdoms.as_ref().and_then(|v| v.first().cloned()).unwrap_or_else(|| ROOT.to_string())
    }

    pub fn may_use_vdom(&self, vdom: &str) -> bool {
        self.vdoms.as_ref().map_or(true, |v| v.iter().any(|x| x == vdom))
    }

    /// `config system accprofile` `scope global`: may change global-scope objects.
    pub fn global_scope(&self) -> bool {
        self.profile.get("scope").and_then(Value::as_str) == Some("global")
    }
}

/// A JSON answer.
pub(crate) fn json_response(status: u16, body: &Value) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let text = serde_json::to_string_pretty(body).unwrap_or_else(|_| "{}".into());
    let mut r = (status, text).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

/// `path` and `name` of an API URL rest (`firewall/address/x` → `firewall`, `address`).
pub(crate) fn path_name(rest: &str) -> (String, String) {
    let mut it = rest.trim_matches('/').split('/');
    let p = it.next().unwrap_or("");
    let n = it.next().unwrap_or("");
    let dec = |s: &str| crate::path::percent_decode(s).unwrap_or_else(|_| s.to_string());
    (dec(p), dec(n))
}

/// An error envelope for failures outside the engine (401, 403, 405, 413): the fields of
/// spec §1.9 that the request allows.
pub(crate) fn edge_error(
    st: &DevState,
    api: Api,
    method: &str,
    rest: &str,
    vdom: Option<&str>,
    status: u16,
) -> Response {
    let (path, name) = path_name(rest);
    let mut out = Map::new();
    out.insert("http_method".into(), json!(method));
    if api == Api::Cmdb {
        out.insert("revision".into(), json!(st.model.revision_string()));
    }
    out.insert("status".into(), json!("error"));
    out.insert("http_status".into(), json!(status));
    if let Some(v) = vdom {
        out.insert("vdom".into(), json!(v));
    }
    out.insert("path".into(), json!(path));
    out.insert("name".into(), json!(name));
    if api == Api::Monitor {
        let action = rest.trim_matches('/').split('/').nth(2).unwrap_or("");
        out.insert("action".into(), json!(action));
    }
    let id = &st.model.identity;
    out.insert("serial".into(), json!(id.serial));
    out.insert("version".into(), json!(id.version));
    out.insert("build".into(), json!(id.build));
    json_response(status, &Value::Object(out))
}

fn html(status: StatusCode, body: &str) -> Response {
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    r
}

fn is_aps(name: &str) -> bool {
    name.get(..10).is_some_and(|p| p.eq_ignore_ascii_case("APSCOOKIE_"))
}

/// The session token inside an `APSCOOKIE_<n>` value (`Era=0&Payload=<token>&AuthHash=...`,
/// URL-encoded).
pub(crate) fn payload_of(cookie: &str) -> Option<&str> {
    let start = cookie.find("Payload%3D")? + "Payload%3D".len();
    let rest = &cookie[start..];
    let end = rest.find("%26").unwrap_or(rest.len());
    Some(&rest[..end]).filter(|t| !t.is_empty())
}

fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    crate::request::parse_query(query.unwrap_or(""))
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

fn resolve_admin(st: &DevState, table: &str, name: &str, csrf: Option<String>) -> Option<Caller> {
    let reg = st.model.registry();
    let admin = st.model.cmdb.get(reg, table, ROOT, name)?;
    let prof_name = admin.get("accprofile").and_then(Value::as_str)?.to_string();
    let profile = st.model.cmdb.get(reg, "system/accprofile", ROOT, &prof_name)?.clone();
    let vdoms = if prof_name == "super_admin" {
        None
    } else {
        Some(
            admin
                .get("vdom")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.get("name").and_then(Value::as_str))
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
        )
    };
    Some(Caller { admin: name.to_string(), profile, vdoms, csrf })
}

/// Idle timeout of admin sessions: `system global admintimeout` minutes.
fn admin_timeout_ms(st: &DevState) -> i64 {
    st.model
        .cmdb
        .singleton(st.model.registry(), "system/global", ROOT)
        .and_then(|g| g.get("admintimeout"))
        .and_then(Value::as_i64)
        .unwrap_or(5)
        .saturating_mul(60_000)
}

/// The caller of a request: API token (profile `later`) or session cookie. `None` ⇒ 401.
fn authenticate(
    dev: &FortiGate,
    st: &mut DevState,
    headers: &HeaderMap,
    query: Option<&str>,
) -> Option<Caller> {
    if dev.profile().token_auth == TokenAuth::On {
        let token =
            query_param(query, "access_token").or_else(|| bearer::from_headers(headers).map(str::to_owned));
        if let Some(token) = token {
            let reg = st.model.registry();
            let user = st.model.cmdb.rows(reg, "system/api-user", ROOT).ok()?.iter().find_map(|(k, u)| {
                let key = u.get("api-key").and_then(Value::as_str)?;
                let plain = decode_secret(key).unwrap_or_else(|| key.to_string());
                (!plain.is_empty() && plain == token).then(|| k.clone())
            })?;
            return resolve_admin(st, "system/api-user", &user, None);
        }
    }
    let now_ms = dev.clock().now_ms();
    let timeout = admin_timeout_ms(st);
    st.sessions.set_idle_timeout(timeout);
    for value in cookie_value(headers, is_aps) {
        let Some(token) = payload_of(&value) else { continue };
        let Some(s) = st.sessions.lookup(token, now_ms) else { continue };
        match resolve_admin(st, "system/admin", &s.username, Some(s.csrf.clone())) {
            Some(c) => return Some(c),
            None => {
                // The admin was deleted: its sessions end.
                st.sessions.remove(token);
            }
        }
    }
    None
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The one entry point.
pub async fn handle(State(app): State<AppState>, req: Request) -> Response {
    let dev = app.device.clone();
    if dev.runtime_power() == Power::Off {
        return html(StatusCode::SERVICE_UNAVAILABLE, "");
    }
    let https = req.extensions().get::<Transport>() == Some(&Transport::Https);
    let src_ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "0.0.0.0".to_string());
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().map(str::to_owned);
    let api = if path == "/api/v2/cmdb" || path.starts_with("/api/v2/cmdb/") {
        Some((Api::Cmdb, path.get("/api/v2/cmdb/".len()..).unwrap_or("").to_string()))
    } else if path == "/api/v2/monitor" || path.starts_with("/api/v2/monitor/") {
        Some((Api::Monitor, path.get("/api/v2/monitor/".len()..).unwrap_or("").to_string()))
    } else {
        None
    };
    let Some((api, rest)) = api else {
        let bytes = match axum::body::to_bytes(Body::new(body), dev.options().max_body_bytes).await {
            Ok(b) => b,
            Err(_) => return html(StatusCode::PAYLOAD_TOO_LARGE, ""),
        };
        return match path.trim_end_matches('/') {
            "/logincheck" => login::login(&dev, &parts.method, &bytes, query.as_deref(), https, &src_ip),
            "/logout" => login::logout(&dev, &parts.method, &parts.headers, https),
            _ => html(StatusCode::NOT_FOUND, "<html><body>404 Not Found</body></html>"),
        };
    };

    let wire_method = parts.method.as_str().to_ascii_uppercase();
    // Method override (spec §1.7): only on POST; CSRF is decided on the wire method.
    let method = match header_str(&parts.headers, "x-http-method-override") {
        Some(o) if parts.method == Method::POST => o.trim().to_ascii_uppercase(),
        _ => wire_method.clone(),
    };
    let caller = {
        let mut st = dev.lock();
        if !matches!(method.as_str(), "GET" | "POST" | "PUT" | "DELETE") {
            return edge_error(&st, api, &method, &rest, None, 405);
        }
        let Some(caller) = authenticate(&dev, &mut st, &parts.headers, query.as_deref()) else {
            return edge_error(&st, api, &method, &rest, None, 401);
        };
        if wire_method != "GET" {
            if let Some(expected) = &caller.csrf {
                let sent = header_str(&parts.headers, "x-csrftoken").map(|s| s.trim().trim_matches('"'));
                if sent != Some(expected.as_str()) {
                    return edge_error(&st, api, &method, &rest, None, 403);
                }
            }
        }
        caller
    };
    let ctype = header_str(&parts.headers, "content-type").unwrap_or("").trim().to_string();
    let body_limit = if ctype.to_ascii_lowercase().starts_with("multipart/") {
        dev.options().max_upload_bytes
    } else {
        dev.options().max_body_bytes
    };
    let bytes: Bytes = match axum::body::to_bytes(Body::new(body), body_limit).await {
        Ok(b) => b,
        Err(_) => return edge_error(&dev.lock(), api, &method, &rest, None, 413),
    };
    let req = ApiRequest {
        method,
        rest,
        query,
        ctype,
        body: bytes,
        if_none_match: header_str(&parts.headers, "if-none-match").map(str::to_owned),
    };
    match api {
        Api::Cmdb => cmdb::handle(&dev, &caller, &req),
        Api::Monitor => monitor::handle(&dev, &caller, &req),
    }
}

/// An API request after the edge checks.
pub(crate) struct ApiRequest {
    /// Effective method (after the override).
    pub method: String,
    /// URL path after `/api/v2/cmdb/` or `/api/v2/monitor/`.
    pub rest: String,
    pub query: Option<String>,
    /// `Content-Type` as sent (the multipart boundary is case-sensitive).
    pub ctype: String,
    pub body: Bytes,
    pub if_none_match: Option<String>,
}

impl ApiRequest {
    /// `application/x-www-form-urlencoded` (any case, with or without parameters).
    pub fn is_form(&self) -> bool {
        self.ctype.to_ascii_lowercase().starts_with("application/x-www-form-urlencoded")
    }

    /// The body starts like a JSON object or array (clients such as `curl -d '{...}'` send
    /// JSON labelled as a form).
    pub fn looks_like_json(&self) -> bool {
        matches!(self.body.iter().find(|b| !b.is_ascii_whitespace()), Some(b'{' | b'['))
    }
}

/// The `ETag` of a read answer: a hash of its `results`.
pub(crate) fn etag_of(body: &Value) -> String {
    let text = body.get("results").map(Value::to_string).unwrap_or_default();
    format!("\"{:016x}\"", crate::device::fnv1a(text.as_bytes()))
}
