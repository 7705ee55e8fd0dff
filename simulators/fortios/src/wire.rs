//! The JSON response envelope of spec §1.9, rendered from engine results as `serde_json::Value`.
//! Status codes are decided here and nowhere else.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::cmdb::CmdbError;
use crate::model::{Command, Identity, Model, Output};
use crate::schema::Scope;

/// How failures that the reference answers with 424 are reported (spec §1.8, §6.4).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorStatusMode {
    /// 424 Failed Dependency, as the 5.6.0 reference says (default).
    #[default]
    Reference,
    /// Real-firmware quirk: duplicates (-5) and invalid values (-651) answer HTTP 500.
    Firmware,
}

/// What the envelope echoes of the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Effective method (after `X-HTTP-Method-Override`).
    pub http_method: String,
    /// `firewall`
    pub path: String,
    /// `address`
    pub name: String,
    /// Absent for global-scope tables.
    pub vdom: Option<String>,
    /// URL mkey, echoed as a string.
    pub mkey: Option<String>,
    pub action: Option<String>,
}

impl Request {
    /// The envelope fields of `cmd` as sent with `http_method`.
    pub fn for_command(model: &Model, http_method: &str, cmd: &Command) -> Request {
        let (path, name, vdom, mkey) = match cmd {
            Command::Directory => (String::new(), String::new(), None, None),
            Command::Schema { table } | Command::Default { table } => {
                let (p, n) = table.as_deref().and_then(|t| t.rsplit_once('/')).unwrap_or(("", ""));
                (p.to_string(), n.to_string(), None, None)
            }
            other => {
                let t = other.target().cloned().unwrap_or_default();
                let (p, n) = t.table.rsplit_once('/').unwrap_or((t.table.as_str(), ""));
                let vdom = match model.scope_of(&t.table) {
                    Some(Scope::Global) => None,
                    _ => Some(t.vdom.clone()),
                };
                (p.to_string(), n.to_string(), vdom, t.mkey.clone())
            }
        };
        Request {
            http_method: http_method.to_string(),
            path,
            name,
            vdom,
            mkey,
            action: cmd.action().map(str::to_string),
        }
    }
}

/// A rendered answer: HTTP status and JSON body.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

fn identity_tail(out: &mut Map<String, Value>, id: &Identity) {
    out.insert("serial".into(), json!(id.serial));
    out.insert("version".into(), json!(id.version));
    out.insert("build".into(), json!(id.build));
}

fn where_fields(out: &mut Map<String, Value>, req: &Request) {
    if let Some(v) = &req.vdom {
        out.insert("vdom".into(), json!(v));
    }
    out.insert("path".into(), json!(req.path));
    out.insert("name".into(), json!(req.name));
    if let Some(a) = &req.action {
        out.insert("action".into(), json!(a));
    }
}

/// HTTP status of an engine error under `mode`.
pub fn error_status(err: &CmdbError, mode: ErrorStatusMode) -> u16 {
    match (mode, err.error_code()) {
        (ErrorStatusMode::Firmware, Some(-5 | -651)) => 500,
        _ => err.http_status(),
    }
}

/// A CMDB answer (success or error) in the device's envelope.
pub fn cmdb_reply(
    id: &Identity,
    revision: &str,
    req: &Request,
    result: &Result<Output, CmdbError>,
    mode: ErrorStatusMode,
) -> Reply {
    let mut out = Map::new();
    out.insert("http_method".into(), json!(req.http_method));
    out.insert("revision".into(), json!(revision));
    let status = match result {
        Ok(o) => {
            if let Some(results) = &o.results {
                out.insert("results".into(), results.clone());
                where_fields(&mut out, req);
                if let Some(m) = &req.mkey {
                    out.insert("mkey".into(), json!(m));
                }
                out.insert("status".into(), json!("success"));
                out.insert("http_status".into(), json!(200));
            } else {
                if let Some(m) = &o.mkey {
                    out.insert("mkey".into(), m.clone());
                }
                out.insert("status".into(), json!("success"));
                out.insert("http_status".into(), json!(200));
                where_fields(&mut out, req);
            }
            200
        }
        Err(e) => {
            let status = error_status(e, mode);
            if let Some(code) = e.error_code() {
                out.insert("error".into(), json!(code));
            }
            out.insert("status".into(), json!("error"));
            out.insert("http_status".into(), json!(status));
            where_fields(&mut out, req);
            status
        }
    };
    identity_tail(&mut out, id);
    Reply { status, body: Value::Object(out) }
}

/// `global=1`: a JSON array of envelopes; HTTP 200 when all succeeded, else the status of the
/// first failing element (spec G09).
pub fn global_reply(replies: Vec<Reply>) -> Reply {
    let status = replies.iter().map(|r| r.status).find(|s| *s != 200).unwrap_or(200);
    Reply { status, body: Value::Array(replies.into_iter().map(|r| r.body).collect()) }
}

/// Convenience: apply `cmd` and render the envelope in one step.
pub fn execute(model: &mut Model, now: i64, http_method: &str, cmd: Command, mode: ErrorStatusMode) -> Reply {
    let req = Request::for_command(model, http_method, &cmd);
    let result = model.apply(now, cmd);
    cmdb_reply(&model.identity, &model.revision_string(), &req, &result, mode)
}

/// Convenience for `global=1`.
pub fn execute_global(
    model: &mut Model,
    now: i64,
    http_method: &str,
    cmd: Command,
    vdoms: &[String],
    mode: ErrorStatusMode,
) -> Reply {
    let base = Request::for_command(model, http_method, &cmd);
    let results = model.apply_global(now, &cmd, vdoms);
    let revision = model.revision_string();
    global_reply(
        results
            .into_iter()
            .map(|(vdom, r)| {
                let req = Request { vdom: vdom.or(base.vdom.clone()), ..base.clone() };
                cmdb_reply(&model.identity, &revision, &req, &r, mode)
            })
            .collect(),
    )
}

/// A monitor answer (spec §1.9): `action` always, no `http_status` on success.
pub fn monitor_ok(id: &Identity, req: &Request, results: Value) -> Reply {
    let mut out = Map::new();
    out.insert("http_method".into(), json!(req.http_method));
    out.insert("results".into(), results);
    if let Some(v) = &req.vdom {
        out.insert("vdom".into(), json!(v));
    }
    out.insert("path".into(), json!(req.path));
    out.insert("name".into(), json!(req.name));
    out.insert("action".into(), json!(req.action.clone().unwrap_or_default()));
    out.insert("status".into(), json!("success"));
    identity_tail(&mut out, id);
    Reply { status: 200, body: Value::Object(out) }
}

/// A monitor error: `status` error with `http_status`, optional FortiOS `error` code.
pub fn monitor_error(id: &Identity, req: &Request, status: u16, error: Option<i64>) -> Reply {
    let mut out = Map::new();
    out.insert("http_method".into(), json!(req.http_method));
    if let Some(code) = error {
        out.insert("error".into(), json!(code));
    }
    if let Some(v) = &req.vdom {
        out.insert("vdom".into(), json!(v));
    }
    out.insert("path".into(), json!(req.path));
    out.insert("name".into(), json!(req.name));
    out.insert("action".into(), json!(req.action.clone().unwrap_or_default()));
    out.insert("status".into(), json!("error"));
    out.insert("http_status".into(), json!(status));
    identity_tail(&mut out, id);
    Reply { status, body: Value::Object(out) }
}
