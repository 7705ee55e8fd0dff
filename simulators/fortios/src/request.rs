//! Decoding a CMDB request (method, path after `/api/v2/cmdb/`, query parameters, JSON body)
//! into a [`Command`] (spec §2.1-§2.3, §2.7). Pure: the HTTP layer hands in strings.

use serde_json::Value;

use crate::cmdb::{CmdbError, Target};
use crate::model::Command;
use crate::path::{parse_cmdb_path, percent_decode, CmdbPath};
use crate::query::{parse_bool, Query};
use crate::schema::Registry;

/// A decoded request.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    pub command: Command,
    /// `global=1`: run in every VDOM the admin can reach.
    pub global: bool,
    /// The VDOM named by `vdom=` (or the default passed in).
    pub vdom: String,
}

/// Split a raw query string into decoded pairs (`+` is a space, `%XX` decoded).
pub fn parse_query(qs: &str) -> Result<Vec<(String, String)>, CmdbError> {
    qs.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            Ok((percent_decode(&k.replace('+', " "))?, percent_decode(&v.replace('+', " "))?))
        })
        .collect()
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// Decode one CMDB request. `default_vdom` is the admin's current VDOM (`root`).
pub fn decode(
    reg: &Registry,
    method: &str,
    path_rest: &str,
    params: &[(String, String)],
    body: Option<Value>,
    default_vdom: &str,
) -> Result<Decoded, CmdbError> {
    let vdom = param(params, "vdom").filter(|v| !v.is_empty()).unwrap_or(default_vdom).to_string();
    let global = match param(params, "global") {
        Some(v) => parse_bool("global", v)?,
        None => false,
    };
    let action = param(params, "action").filter(|a| !a.is_empty());
    let path = parse_cmdb_path(reg, path_rest)?;
    let method = method.to_ascii_uppercase();
    let (table, target) = match &path {
        CmdbPath::Root => (None, None),
        CmdbPath::Table { table, mkey, child, child_mkey } => (
            Some(table.clone()),
            Some(Target {
                table: table.clone(),
                vdom: vdom.clone(),
                mkey: mkey.clone(),
                child: child.clone(),
                child_mkey: child_mkey.clone(),
            }),
        ),
    };
    let need_target =
        || target.clone().ok_or_else(|| CmdbError::MethodNotAllowed(format!("{method} on the API root")));
    let body = body.unwrap_or(Value::Null);
    let command = match (method.as_str(), action) {
        ("GET", Some("schema")) => Command::Schema { table },
        ("GET", Some("default")) => Command::Default { table },
        ("GET", None | Some("select")) => match target {
            Some(target) => Command::Select {
                target,
                query: Query::from_params(params.iter().map(|(k, v)| (k.as_str(), v.as_str())))?,
            },
            None => Command::Directory,
        },
        ("GET", Some(other)) => return Err(CmdbError::BadRequest(format!("unknown action {other}"))),
        ("POST", Some("clone")) => {
            Command::Clone { target: need_target()?, nkey: param(params, "nkey").map(str::to_string) }
        }
        ("POST", None) => Command::Create { target: need_target()?, body },
        ("PUT", Some("move")) => Command::Move {
            target: need_target()?,
            before: param(params, "before").map(str::to_string),
            after: param(params, "after").map(str::to_string),
        },
        ("PUT", None) => Command::Update { target: need_target()?, body },
        ("DELETE", None) => Command::Delete { target: need_target()? },
        ("POST" | "PUT" | "DELETE", Some(other)) => {
            return Err(CmdbError::BadRequest(format!("unknown action {other} for {method}")))
        }
        (other, _) => return Err(CmdbError::MethodNotAllowed(other.to_string())),
    };
    Ok(Decoded { command, global, vdom })
}
