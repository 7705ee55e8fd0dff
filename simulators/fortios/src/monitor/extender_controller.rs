//! `extender-controller/extender/*` (spec §3.7.11): no FortiExtender is managed, so every id is
//! unknown.

use super::{Ctx, Fail, Out};

pub(super) fn handle(ctx: &mut Ctx) -> Option<Result<Out, Fail>> {
    Some(match ctx.ep.path {
        "extender-controller/extender/select" => match ctx.args.str_list("id").first() {
            None => Err(Fail::missing("id")),
            Some(id) => Err(Fail::no_entry(format!("FortiExtender {id}"))),
        },
        "extender-controller/extender/reset" => {
            ctx.args.required_str("id").and_then(|id| Err(Fail::no_entry(format!("FortiExtender {id}"))))
        }
        _ => return None,
    })
}
