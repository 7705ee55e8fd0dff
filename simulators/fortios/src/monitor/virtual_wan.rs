//! `virtual-wan/health-check` (spec §3.7.14): SD-WAN is not configured in this build, so there
//! are no health checks.

use serde_json::json;

use super::{Ctx, Fail, Out};

pub(super) fn handle(ctx: &mut Ctx) -> Option<Result<Out, Fail>> {
    (ctx.ep.path == "virtual-wan/health-check/select").then(|| Ok(Out::Json(json!({}))))
}
