//! `coverage/download` (spec §6.4): an engineering endpoint; production images answer an
//! empty object.

use serde_json::json;

use super::{Ctx, Fail, Out};

pub(super) fn handle(ctx: &mut Ctx) -> Option<Result<Out, Fail>> {
    match ctx.ep.path {
        "coverage/download/select" => Some(Ok(Out::Json(json!({})))),
        _ => None,
    }
}
