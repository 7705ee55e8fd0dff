//! `fortiview/*` (spec §3.7.3): FortiView drill-down over the live session table; no
//! FortiSandbox is attached.

use serde_json::{json, Value};

use super::{Ctx, Fail, Out};

pub(super) fn handle(ctx: &mut Ctx) -> Option<Result<Out, Fail>> {
    Some(match ctx.ep.path {
        "fortiview/statistics/select" => statistics(ctx),
        "fortiview/sandbox-file-details/select" => {
            ctx.args.required_str("checksum").and_then(|c| Err(Fail::no_entry(format!("file {c}"))))
        }
        _ => return None,
    })
}

fn statistics(ctx: &Ctx) -> Result<Out, Fail> {
    let filter = ctx.args.object("filter").unwrap_or_default();
    let wanted = |k: &str, actual: &str| -> bool {
        match filter.get(k) {
            None => true,
            Some(Value::Array(a)) => a.iter().any(|v| v.as_str().map_or(*v == actual, |s| s == actual)),
            Some(Value::String(s)) => s == actual,
            Some(other) => *other == actual,
        }
    };
    let realtime = ctx.args.flag("realtime").unwrap_or(false);
    let mut groups: Vec<(String, u64, u64, u64)> = Vec::new();
    for s in ctx.rt.sessions(ctx.model, &ctx.vdom, ctx.now) {
        if !(wanted("srcintf", &s.srcintf)
            && wanted("dstintf", &s.dstintf)
            && wanted("srcip", &s.saddr)
            && wanted("dstip", &s.daddr)
            && wanted("policyid", &s.policyid.to_string())
            && wanted("country", &s.country))
        {
            continue;
        }
        match groups.iter_mut().find(|g| g.0 == s.saddr) {
            Some(g) => {
                g.1 = g.1.saturating_add(s.sentbyte);
                g.2 = g.2.saturating_add(s.rcvdbyte);
                g.3 += 1;
            }
            None => groups.push((s.saddr.clone(), s.sentbyte, s.rcvdbyte, 1)),
        }
    }
    groups.sort_by(|a, b| b.1.saturating_add(b.2).cmp(&a.1.saturating_add(a.2)).then(a.0.cmp(&b.0)));
    let rows: Vec<Value> = groups
        .into_iter()
        .map(|(ip, sent, rcvd, n)| json!({"srcip": ip, "sentbyte": sent, "rcvdbyte": rcvd, "bytes": sent.saturating_add(rcvd), "sessions": n, "realtime": realtime}))
        .collect();
    Ok(Out::Json(Value::Array(rows)))
}
