//! `webcache/stats` (spec §3.7.19): web-cache statistics over a period, counted since boot or
//! the last reset.

use serde_json::{json, Value};

use super::{Ctx, Fail, Out};

pub(super) fn handle(ctx: &mut Ctx) -> Option<Result<Out, Fail>> {
    let key = format!("{}:webcache", ctx.vdom);
    Some(match ctx.ep.path {
        "webcache/stats/select" => (|| {
            let p = ctx.args.str("period").unwrap_or_else(|| "10min".into());
            let (step, points) = match p.as_str() {
                "10min" => (60, 10),
                "hour" => (360, 10),
                "day" => (3600, 24),
                "month" => (86_400, 30),
                other => return Err(Fail::invalid(format!("period {other}"))),
            };
            let total = ctx.accrued(&key, 10, 4000);
            let rows: Vec<Value> = (0..points)
                .rev()
                .map(|i| {
                    let t = ctx.now - ctx.now.rem_euclid(step) - i * step;
                    let share = total / points.max(1) as u64;
                    json!({"time": t, "requests": share / 20_000, "hits": share / 60_000, "bytes": share})
                })
                .collect();
            Ok(Out::Json(Value::Array(rows)))
        })(),
        "webcache/stats/reset" => {
            ctx.reset(&key);
            Ok(Out::Json(json!({})))
        }
        _ => return None,
    })
}
