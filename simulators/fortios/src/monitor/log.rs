use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Ctx, Fail, Out, Runtime};
use crate::model::Model;

/// A log search (spec §4.6; no 5.6.0 endpoint exposes it, the harness and later-firmware
/// routes may).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LogQuery {
    /// `event`, `traffic`; empty = both.
    pub kind: String,
    pub vdom: String,
    /// CMDB-style filter expressions (`level==warning`), AND-ed.
    pub filter: Vec<String>,
    pub start: usize,
    /// 0 = 50.
    pub rows: usize,
}

/// Search the generated and written logs; returns (total matches, page).
pub fn search_logs(model: &Model, rt: &Runtime, now: i64, q: &LogQuery) -> Result<(usize, Vec<Value>), String> {
    let _ = (model, rt, now, q);
    Ok((0, Vec::new()))
}

pub(super) fn handle(ctx: &mut Ctx) -> Option<Result<Out, Fail>> {
    let _ = ctx;
    None
}
