//! Events family (§2.2.14, §2.2.17): CameraEvent, its Timeline alias, AiLog.

use super::Req;
use crate::model::Command;
use crate::wire::{Action, FrcError, Resource};

pub(super) fn command(r: &Req) -> Result<Command, FrcError> {
    Ok(match (r.path.target(), r.action) {
        (Resource::CameraEvent | Resource::Timeline, Action::Get) => Command::Events { query: query(r) },
        (Resource::AiLog, Action::Get) => Command::AiLog { query: query(r) },
        _ => return Err(FrcError::MethodNotAllowed),
    })
}

/// Query parameters, plus `startIndex` / `pageSize` given as JSON attributes ([LATER] §1.10).
fn query(r: &Req) -> Vec<(String, String)> {
    let mut q = r.query.clone();
    if let Some(b) = r.body.as_ref().and_then(|b| b.as_object()) {
        for key in ["startIndex", "pageSize"] {
            if q.iter().any(|(k, _)| k == key) {
                continue;
            }
            if let Some(v) = b.get(key) {
                let s = match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                q.push((key.to_owned(), s));
            }
        }
    }
    q
}
