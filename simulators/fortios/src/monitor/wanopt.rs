//! `wanopt/*` (spec §3.7.17): WAN-optimisation statistics counted since boot or the last reset
//! (no peer is configured).

use serde_json::json;

use super::{Ctx, Fail, Out};

fn period(ctx: &Ctx) -> Result<String, Fail> {
    let p = ctx.args.str("period").unwrap_or_else(|| "10-min".into());
    if matches!(p.as_str(), "10-min" | "hour" | "day" | "week" | "30-day") {
        Ok(p)
    } else {
        Err(Fail::invalid(format!("period {p}")))
    }
}

pub(super) fn handle(ctx: &mut Ctx) -> Option<Result<Out, Fail>> {
    let key = format!("{}:wanopt-{}", ctx.vdom, ctx.ep.resource());
    Some(match ctx.ep.action() {
        "select" if ctx.ep.resource() == "peer_stats" => Ok(Out::Json(json!([]))),
        "select" => period(ctx).map(|p| {
            let lan = ctx.accrued(&key, 100, 20_000);
            Out::Json(
                json!({"period": p, "bytes_in_lan": lan, "bytes_out_wan": lan / 3, "reduction_rate": 66,
                             "requests": lan / 40_000, "hits": lan / 90_000}),
            )
        }),
        "reset" => {
            ctx.reset(&key);
            Ok(Out::Json(json!({})))
        }
        _ => return None,
    })
}
