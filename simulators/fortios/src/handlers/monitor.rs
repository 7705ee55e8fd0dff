//! `/api/v2/monitor/...` (spec §3): decode the request (query, JSON / form / multipart body),
//! check the endpoint's access group, run [`crate::monitor::handle`] under the device lock,
//! render its reply (JSON, file download, lifecycle, session effects).

use axum::response::{IntoResponse, Response};
use http::{header, HeaderValue, StatusCode};
use serde_json::{Map, Value};

use super::{access, edge_error, json_response, Api, ApiRequest, Caller};
use crate::device::FortiGate;
use crate::monitor::{self, LifecycleAction, MonitorReply, MonitorRequest, SessionAction};
use crate::profile::SystemStatus;

/// A multipart body: ordinary fields and the first file part (spec §3.4: the file part is
/// taken whatever its name).
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Multipart {
    pub fields: Vec<(String, String)>,
    pub file: Option<Vec<u8>>,
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || from > hay.len() {
        return None;
    }
    hay[from..].windows(needle.len()).position(|w| w == needle).map(|p| p + from)
}

/// `name="..."` style parameter of a `Content-Disposition` header.
fn disposition_param(line: &str, key: &str) -> Option<String> {
    line.split(';').map(str::trim).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim().eq_ignore_ascii_case(key).then(|| v.trim().trim_matches('"').to_string())
    })
}

/// Parse `multipart/form-data` (RFC 7578) with the boundary of `ctype`.
pub(crate) fn parse_multipart(ctype: &str, body: &[u8]) -> Result<Multipart, String> {
    let boundary = ctype
        .split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("boundary="))
        .map(|b| b.trim_matches('"').to_string())
        .filter(|b| !b.is_empty())
        .ok_or("multipart body without a boundary")?;
    let delim = format!("--{boundary}").into_bytes();
    let mut out = Multipart::default();
    let mut pos = find(body, &delim, 0).ok_or("multipart body without its boundary")? + delim.len();
    loop {
        if body[pos..].starts_with(b"--") {
            return Ok(out);
        }
        let start = find(body, b"\r\n", pos).ok_or("truncated multipart part")? + 2;
        let head_end = find(body, b"\r\n\r\n", start).ok_or("multipart part without headers end")?;
        let heads = String::from_utf8_lossy(&body[start..head_end]).to_string();
        let content_start = head_end + 4;
        let mut next_delim = delim.clone();
        next_delim.splice(0..0, b"\r\n".iter().copied());
        let content_end =
            find(body, &next_delim, content_start).ok_or("multipart part without a closing boundary")?;
        let content = &body[content_start..content_end];
        let disp = heads
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))
            .ok_or("multipart part without Content-Disposition")?;
        let name = disposition_param(disp, "name").unwrap_or_default();
        if disposition_param(disp, "filename").is_some() {
            if out.file.is_none() {
                out.file = Some(content.to_vec());
            }
        } else {
            out.fields.push((name, String::from_utf8_lossy(content).to_string()));
        }
        pos = content_end + next_delim.len();
        if pos > body.len() {
            return Err("truncated multipart body".into());
        }
    }
}

fn strings(pairs: Vec<(String, String)>) -> Value {
    Value::Object(pairs.into_iter().map(|(k, v)| (k, Value::String(v))).collect::<Map<_, _>>())
}

/// The body as the monitor module takes it: a JSON object, plus an uploaded file.
fn body_of(req: &ApiRequest) -> Result<(Option<Value>, Option<Vec<u8>>), String> {
    if req.method == "GET" || req.body.iter().all(u8::is_ascii_whitespace) {
        return Ok((None, None));
    }
    if req.ctype.to_ascii_lowercase().starts_with("multipart/form-data") {
        let m = parse_multipart(&req.ctype, &req.body)?;
        return Ok((Some(strings(m.fields)), m.file));
    }
    if req.is_form() && !req.looks_like_json() {
        let text = std::str::from_utf8(&req.body).map_err(|_| "form body is not UTF-8".to_string())?;
        let pairs = crate::request::parse_query(text.trim()).map_err(|e| e.to_string())?;
        return Ok((Some(strings(pairs)), None));
    }
    let v: Value = serde_json::from_slice(&req.body).map_err(|e| format!("body is not JSON: {e}"))?;
    Ok((Some(v), None))
}

pub(super) fn handle(dev: &FortiGate, caller: &Caller, req: &ApiRequest) -> Response {
    let params = crate::request::parse_query(req.query.as_deref().unwrap_or("")).ok();
    let Some(params) = params else {
        return edge_error(&dev.lock(), Api::Monitor, &req.method, &req.rest, None, 400);
    };
    let vdom = params
        .iter()
        .rev()
        .find(|(k, _)| k == "vdom")
        .map(|(_, v)| v.clone())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| caller.default_vdom());
    let global =
        params.iter().any(|(k, v)| k == "global" && matches!(v.to_ascii_lowercase().as_str(), "1" | "true"));
    let (body, upload) = match body_of(req) {
        Ok(b) => b,
        Err(e) => {
            tracing::debug!(error = %e, "monitor body rejected");
            return edge_error(&dev.lock(), Api::Monitor, &req.method, &req.rest, Some(&vdom), 400);
        }
    };
    let mut mreq = MonitorRequest {
        method: req.method.clone(),
        path: req.rest.clone(),
        params,
        body,
        vdom: vdom.clone(),
        upload,
        user: caller.admin.clone(),
        vdoms: caller.vdoms.clone().unwrap_or_default(),
        admins: Vec::new(),
        firmware_extras: dev.profile().system_status == SystemStatus::Served,
    };
    let write = monitor::is_write(&mreq);
    if let Some(group) = monitor::access_group(&mreq.path) {
        if !access::monitor_level(&caller.profile, group).allows(write) {
            return edge_error(&dev.lock(), Api::Monitor, &req.method, &req.rest, Some(&vdom), 403);
        }
    }
    if !global && !caller.may_use_vdom(&vdom) {
        return edge_error(&dev.lock(), Api::Monitor, &req.method, &req.rest, Some(&vdom), 403);
    }
    let now_ms = dev.clock().now_ms();
    let mut guard = dev.lock();
    let st = &mut *guard;
    mreq.admins = st
        .sessions
        .sessions(now_ms)
        .into_iter()
        .map(|s| {
            let p = s.principal;
            let admin =
                st.model.cmdb.get(st.model.registry(), "system/admin", crate::cmdb::ROOT, &p.username);
            let profile =
                admin.and_then(|a| a.get("accprofile")).and_then(Value::as_str).unwrap_or("").to_string();
            // The admin's current VDOM: its first one (root for super_admin).
            let vdom = admin
                .filter(|_| profile != "super_admin")
                .and_then(|a| a.get("vdom"))
                .and_then(Value::as_array)
                .and_then(|v| v.first())
                .and_then(|v| v.get("name"))
                .and_then(Value::as_str)
                .unwrap_or(crate::cmdb::ROOT)
                .to_string();
            monitor::AdminSession {
                id: p.id,
                admin: p.username,
                srcip: p.src_ip,
                method: p.method,
                profile,
                vdom,
                login_time: p.login_epoch,
            }
        })
        .collect();
    let reply = monitor::handle(&mut st.model, &mut st.monitor, now_ms / 1000, &mreq);
    match &reply {
        MonitorReply::Sessions { action: SessionAction::Disconnect(which), .. } => {
            let gone: Vec<u32> = st
                .sessions
                .sessions(now_ms)
                .into_iter()
                .filter(|s| which.iter().any(|(id, m)| *id == s.principal.id && *m == s.principal.method))
                .map(|s| s.principal.id)
                .collect();
            st.sessions.retain(|s| !gone.contains(&s.id));
        }
        MonitorReply::Sessions { action: SessionAction::DisconnectAll, .. } => st.end_all_sessions(),
        _ => {}
    }
    if write && reply.status() == 200 {
        if let Err(e) = dev.save(st) {
            tracing::error!(error = %e, "saving the FortiGate state failed");
            return edge_error(st, Api::Monitor, &req.method, &req.rest, Some(&vdom), 500);
        }
    }
    drop(guard);
    match reply {
        MonitorReply::Json { status, body } => json_response(status, &body),
        MonitorReply::Sessions { body, .. } => json_response(200, &body),
        MonitorReply::Lifecycle { action, body } => {
            let d = dev.clone();
            let reboot = action == LifecycleAction::Reboot;
            tokio::spawn(async move { d.run_lifecycle(reboot, std::time::Duration::from_secs(1)).await });
            json_response(200, &body)
        }
        MonitorReply::File { content_type, filename, bytes } => {
            let mut r = (StatusCode::OK, bytes).into_response();
            if let Ok(v) = HeaderValue::from_str(&content_type) {
                r.headers_mut().insert(header::CONTENT_TYPE, v);
            }
            let safe: String = filename.chars().filter(|c| !c.is_control() && *c != '"').collect();
            if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{safe}\"")) {
                r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
            }
            r
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipart_gives_fields_and_the_first_file_whatever_its_name() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"source\"\r\n\r\nupload\r\n--XyZ\r\n\
Content-Disposition: form-data; name=\"random_name\"; filename=\"random_conf.conf\"\r\nContent-Type: text/plain\r\n\r\n\
config system global\r\nend\r\n--XyZ--\r\n";
        let m = parse_multipart("multipart/form-data; boundary=XyZ", body).unwrap();
        assert_eq!(m.fields, vec![("source".to_string(), "upload".to_string())]);
        assert_eq!(m.file.as_deref(), Some(&b"config system global\r\nend"[..]));
    }

    #[test]
    fn malformed_multipart_is_an_error_not_a_panic() {
        assert!(parse_multipart("multipart/form-data", b"x").is_err());
        assert!(parse_multipart("multipart/form-data; boundary=a", b"--a\r\nno headers end").is_err());
        assert!(parse_multipart("multipart/form-data; boundary=a", b"--a").is_err());
        assert!(parse_multipart("multipart/form-data; boundary=a", b"").is_err());
        let unterminated = b"--a\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nvalue";
        assert!(parse_multipart("multipart/form-data; boundary=a", unterminated).is_err());
    }
}
