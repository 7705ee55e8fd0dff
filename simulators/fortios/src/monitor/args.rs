//! Monitor parameters (spec §3.3): the query string and the POST body merged (body wins), typed
//! accessors that accept the encodings clients use, and the failures handlers return.

use serde_json::{Map, Value};

use super::catalogue::{Endpoint, ParamType};
use super::MonitorRequest;

/// A handler failure, rendered as the monitor error envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fail {
    pub status: u16,
    /// FortiOS `error` code, when the device gives one.
    pub error: Option<i64>,
    /// For the trace log only.
    pub reason: String,
}

impl Fail {
    pub fn not_found(reason: impl Into<String>) -> Fail {
        Fail { status: 404, error: None, reason: reason.into() }
    }

    /// Unknown object named by a parameter (404, -3).
    pub fn no_entry(what: impl Into<String>) -> Fail {
        Fail { status: 404, error: Some(-3), reason: what.into() }
    }

    pub fn method(reason: impl Into<String>) -> Fail {
        Fail { status: 405, error: None, reason: reason.into() }
    }

    /// Required parameter missing (424, spec §1.8).
    pub fn missing(name: &str) -> Fail {
        Fail { status: 424, error: None, reason: format!("missing required parameter {name}") }
    }

    /// A value the device refuses (424, -651).
    pub fn invalid(reason: impl Into<String>) -> Fail {
        Fail { status: 424, error: Some(-651), reason: reason.into() }
    }

    /// Malformed request (400).
    pub fn bad(reason: impl Into<String>) -> Fail {
        Fail { status: 400, error: None, reason: reason.into() }
    }
}

/// Parameters of one request.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Args {
    /// In order; query values are strings, body values keep their JSON type.
    items: Vec<(String, Value)>,
}

pub(crate) fn parse_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => n.as_i64().map(|i| i != 0),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "enable" => Some(true),
            "false" | "0" | "no" | "disable" | "" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

pub(crate) fn parse_int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        Value::Bool(b) => Some(i64::from(*b)),
        _ => None,
    }
}

fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

impl Args {
    /// Merge the query and the body and check the documented types and required parameters
    /// of `ep`.
    pub fn parse(ep: &Endpoint, req: &MonitorRequest) -> Result<Args, Fail> {
        let mut items: Vec<(String, Value)> =
            req.params.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
        match &req.body {
            None | Some(Value::Null) => {}
            Some(Value::Object(o)) => {
                let o = match o.get("json") {
                    Some(Value::Object(inner)) if o.len() == 1 => inner,
                    _ => o,
                };
                for (k, v) in o {
                    items.retain(|(name, _)| name != k);
                    items.push((k.clone(), v.clone()));
                }
            }
            Some(_) => return Err(Fail::bad("body must be a JSON object")),
        }
        let args = Args { items };
        for p in ep.params {
            let present = args.items.iter().any(|(k, v)| k == p.name && !v.is_null());
            if !present {
                if p.required && p.name != "file_content" {
                    return Err(Fail::missing(p.name));
                }
                continue;
            }
            let ok = match p.ty {
                ParamType::Int => args.all(p.name).iter().all(|v| parse_int(v).is_some()),
                ParamType::Bool => args.all(p.name).iter().all(|v| parse_bool(v).is_some()),
                ParamType::Object => args.object(p.name).is_some(),
                ParamType::Str | ParamType::Array | ParamType::Multi => true,
            };
            if !ok {
                return Err(Fail::bad(format!("parameter {} is not a valid {:?}", p.name, p.ty)));
            }
        }
        Ok(args)
    }

    fn all(&self, name: &str) -> Vec<&Value> {
        self.items.iter().filter(|(k, _)| k == name).map(|(_, v)| v).collect()
    }

    fn last(&self, name: &str) -> Option<&Value> {
        self.items.iter().rev().find(|(k, v)| k == name && !v.is_null()).map(|(_, v)| v)
    }

    /// A scalar as a string (numbers and booleans rendered).
    pub fn str(&self, name: &str) -> Option<String> {
        self.last(name).and_then(scalar_string)
    }

    /// A non-empty string parameter, or 424.
    pub fn required_str(&self, name: &str) -> Result<String, Fail> {
        self.str(name).filter(|s| !s.is_empty()).ok_or_else(|| Fail::missing(name))
    }

    pub fn int(&self, name: &str) -> Result<Option<i64>, Fail> {
        match self.last(name) {
            None => Ok(None),
            Some(v) => parse_int(v).map(Some).ok_or_else(|| Fail::bad(format!("{name} is not an integer"))),
        }
    }

    pub fn required_int(&self, name: &str) -> Result<i64, Fail> {
        self.int(name)?.ok_or_else(|| Fail::missing(name))
    }

    /// A boolean flag (`true/True/1`); `None` when absent or unreadable.
    pub fn flag(&self, name: &str) -> Option<bool> {
        self.last(name).and_then(parse_bool)
    }

    /// A list parameter: repeated keys, a JSON array (in the body or as a query string), or one
    /// scalar.
    pub fn list(&self, name: &str) -> Vec<Value> {
        let mut out = Vec::new();
        for v in self.all(name) {
            match v {
                Value::Array(a) => out.extend(a.iter().cloned()),
                Value::Null => {}
                Value::String(s) if s.trim_start().starts_with('[') => {
                    match serde_json::from_str::<Value>(s) {
                        Ok(Value::Array(a)) => out.extend(a),
                        _ => out.push(v.clone()),
                    }
                }
                Value::String(s) if s.contains(',') && !s.contains(' ') => {
                    out.extend(s.split(',').filter(|p| !p.is_empty()).map(|p| Value::String(p.to_string())))
                }
                other => out.push(other.clone()),
            }
        }
        out
    }

    /// A list of strings (numbers rendered).
    pub fn str_list(&self, name: &str) -> Vec<String> {
        self.list(name).iter().filter_map(scalar_string).collect()
    }

    /// A list of integers; 400 when an element is not one.
    pub fn int_list(&self, name: &str) -> Result<Vec<i64>, Fail> {
        self.list(name)
            .iter()
            .map(|v| parse_int(v).ok_or_else(|| Fail::bad(format!("{name} holds a non-integer"))))
            .collect()
    }

    /// An object parameter: a JSON object, or a JSON object string in the query.
    pub fn object(&self, name: &str) -> Option<Map<String, Value>> {
        match self.last(name)? {
            Value::Object(o) => Some(o.clone()),
            Value::String(s) => match serde_json::from_str::<Value>(s) {
                Ok(Value::Object(o)) => Some(o),
                _ => None,
            },
            _ => None,
        }
    }

    /// `start` / `count` paging (`count` absent, `-1` or `0` = all).
    pub fn window<T>(&self, items: Vec<T>) -> Result<Vec<T>, Fail> {
        let start = self.int("start")?.unwrap_or(0);
        if start < 0 {
            return Err(Fail::bad("start must not be negative"));
        }
        let count = self.int("count")?.unwrap_or(-1);
        let it = items.into_iter().skip(usize::try_from(start).unwrap_or(usize::MAX));
        Ok(if count <= 0 {
            it.collect()
        } else {
            it.take(usize::try_from(count).unwrap_or(usize::MAX)).collect()
        })
    }
}
