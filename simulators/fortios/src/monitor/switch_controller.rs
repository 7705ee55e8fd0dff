//! `switch-controller/managed-switch/faceplate-xml` (spec §3.7.10): no FortiSwitch is managed.

use serde_json::json;

use super::{Ctx, Fail, Out};

pub(super) fn handle(ctx: &mut Ctx) -> Option<Result<Out, Fail>> {
    (ctx.ep.path == "switch-controller/managed-switch/faceplate-xml").then(|| {
        match ctx.args.str("mkey").filter(|s| !s.is_empty()) {
            Some(m) => Err(Fail::no_entry(format!("FortiSwitch {m}"))),
            None => Ok(Out::Json(json!([]))),
        }
    })
}
