//! `POST /logincheck` and `/logout` (spec §1.3, §1.4, §4.4).

use axum::body::Bytes;
use axum::response::{IntoResponse, Response};
use http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use serde_json::Value;

use devsim_core::auth::random_hex;
use devsim_core::auth::session::{cookie_value, set_cookie};

use super::{is_aps, payload_of};
use crate::cmdb::ROOT;
use crate::device::{AdminSession, FortiGate};
use crate::profile::LogoutMethods;
use crate::value::decode_secret;

/// Outcome digit of a login (spec §1.3 table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Failed = 0,
    Success = 1,
    Locked = 2,
    PasswordChange = 4,
}

const EXPIRED: &str = "expires=Thu, 01 Jan 1970 00:00:00 GMT";

fn page(status: StatusCode, body: String) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    r
}

fn add_cookie(r: &mut Response, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// Form fields of the login body: `a=b&c=d` (any content type), or a JSON object; URL query
/// parameters fill what the body lacks.
fn fields(body: &Bytes, query: Option<&str>) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(body);
    let mut out: Vec<(String, String)> = if text.trim_start().starts_with('{') {
        serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|v| v.as_object().cloned())
            .map(|o| {
                o.into_iter()
                    .map(|(k, v)| (k, v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string())))
                    .collect()
            })
            .unwrap_or_default()
    } else {
        crate::request::parse_query(text.trim()).unwrap_or_default()
    };
    for (k, v) in crate::request::parse_query(query.unwrap_or("")).unwrap_or_default() {
        if !out.iter().any(|(x, _)| *x == k) {
            out.push((k, v));
        }
    }
    out
}

fn global_int(g: Option<&serde_json::Map<String, Value>>, key: &str, default: i64) -> i64 {
    g.and_then(|g| g.get(key)).and_then(Value::as_i64).unwrap_or(default)
}

pub(super) fn login(
    dev: &FortiGate,
    method: &Method,
    body: &Bytes,
    query: Option<&str>,
    https: bool,
    src_ip: &str,
) -> Response {
    if method != Method::POST {
        return page(StatusCode::METHOD_NOT_ALLOWED, String::new());
    }
    let f = fields(body, query);
    let get = |k: &str| f.iter().find(|(x, _)| x == k).map(|(_, v)| v.clone());
    let username = get("username").unwrap_or_default();
    let secret = get("secretkey").unwrap_or_default();
    let ajax = get("ajax").as_deref() == Some("1");

    let now_ms = dev.clock().now_ms();
    let now = now_ms / 1000;
    let mut st = dev.lock();
    let st = &mut *st;
    let reg = st.model.registry();
    let global = st.model.cmdb.singleton(reg, "system/global", ROOT).cloned();
    let threshold = global_int(global.as_ref(), "admin-lockout-threshold", 3).max(1) as u32;
    let duration = global_int(global.as_ref(), "admin-lockout-duration", 60);
    let login_max = global_int(global.as_ref(), "admin-login-max", 100).max(1) as usize;
    let timeout_ms = global_int(global.as_ref(), "admintimeout", 5).saturating_mul(60_000);

    let locked = st.failures.get(src_ip).is_some_and(|f| f.locked_until > now);
    let admin = st.model.cmdb.get(reg, "system/admin", ROOT, &username).cloned();
    let password_ok = admin.as_ref().is_some_and(|a| {
        let stored = a.get("password").and_then(Value::as_str).unwrap_or("");
        let plain = decode_secret(stored).unwrap_or_else(|| stored.to_string());
        plain == secret
    });
    st.sessions.set_idle_timeout(timeout_ms);
    let outcome = if locked {
        Outcome::Locked
    } else if !password_ok {
        let e = st.failures.entry(src_ip.to_string()).or_default();
        e.count += 1;
        if e.count >= threshold {
            e.count = 0;
            e.locked_until = now + duration;
            tracing::info!(src_ip, duration, "admin login locked out after repeated failures");
        }
        Outcome::Failed
    } else if st.sessions.live(now_ms).len() >= login_max {
        Outcome::Locked
    } else if admin.as_ref().and_then(|a| a.get("force-password-change")).and_then(Value::as_str)
        == Some("enable")
    {
        Outcome::PasswordChange
    } else {
        st.failures.remove(src_ip);
        Outcome::Success
    };

    let (code, script) = match outcome {
        Outcome::Success => (1, "document.location=\"/ng/\";"),
        Outcome::Failed => (0, "document.location=\"/login?errmsg=1\";"),
        Outcome::Locked => (2, "document.location=\"/login?errmsg=2\";"),
        Outcome::PasswordChange => (4, "document.location=\"/login?pwd_change=1\";"),
    };
    let text = if ajax {
        format!("{code}{script}\n")
    } else {
        format!("<html><head><script language=\"javascript\">{script}</script></head><body></body></html>\n")
    };
    let mut resp = page(StatusCode::OK, text);
    if outcome == Outcome::Success {
        let csrf = random_hex(16).to_ascii_uppercase();
        let id = st.next_session_id;
        st.next_session_id = st.next_session_id.wrapping_add(1).max(1);
        let session = AdminSession {
            id,
            username: username.clone(),
            csrf: csrf.clone(),
            src_ip: src_ip.to_string(),
            method: if https { "https" } else { "http" }.to_string(),
            login_epoch: now,
        };
        let token = st.sessions.create(session, now_ms);
        let hash = random_hex(16).to_ascii_uppercase();
        let value = format!("\"Era%3D0%26Payload%3D{token}%26AuthHash%3D{hash}%0A\"");
        add_cookie(&mut resp, &set_cookie(&dev.cookie_name(), &value, https));
        add_cookie(&mut resp, &format!("ccsrftoken=\"{csrf}\"; path=/"));
        tracing::info!(admin = %username, src_ip, session = id, "admin logged in");
    }
    resp
}

pub(super) fn logout(dev: &FortiGate, method: &Method, headers: &HeaderMap, https: bool) -> Response {
    let allowed = method == Method::POST
        || (method == Method::GET && dev.profile().logout == LogoutMethods::PostAndGet);
    if !allowed {
        return page(StatusCode::METHOD_NOT_ALLOWED, String::new());
    }
    {
        let mut st = dev.lock();
        for value in cookie_value(headers, is_aps) {
            if let Some(token) = payload_of(&value) {
                st.sessions.remove(token);
            }
        }
    }
    let mut resp = page(
        StatusCode::OK,
        "<html><head><script language=\"javascript\">document.location=\"/\";</script></head><body></body></html>\n"
            .to_string(),
    );
    let secure = if https { "; secure" } else { "" };
    add_cookie(&mut resp, &format!("{}=\"\"; path=/; {EXPIRED}; HttpOnly{secure}", dev.cookie_name()));
    add_cookie(&mut resp, &format!("ccsrftoken=\"\"; path=/; {EXPIRED}"));
    resp
}
