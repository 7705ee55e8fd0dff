//! `wifi/*` (spec §3.7.20): no FortiAP is managed and the unit has no radio: client and AP
//! lists are empty, operations on APs answer 404; rogue-AP classifications are remembered.

use serde_json::{json, Value};

use super::{Ctx, Fail, Out};

fn unknown_ap(name: &str) -> Fail {
    Fail::no_entry(format!("FortiAP {name}"))
}

pub(super) fn handle(ctx: &mut Ctx) -> Option<Result<Out, Fail>> {
    Some(match ctx.ep.path {
        "wifi/client/select" => match ctx.args.str("type").as_deref() {
            None | Some("all") | Some("fail-login") => {
                ctx.args.window(Vec::<Value>::new()).map(|v| Out::Json(json!(v)))
            }
            Some(other) => Err(Fail::invalid(format!("type {other}"))),
        },
        "wifi/managed_ap/select" => match ctx.args.str("wtp_id").filter(|s| !s.is_empty()) {
            Some(id) => Err(unknown_ap(&id)),
            None => Ok(Out::Json(json!([]))),
        },
        "wifi/managed_ap/set_status" => (|| {
            let name = ctx.args.required_str("wtpname")?;
            match ctx.args.str("admin").as_deref() {
                None | Some("enable") | Some("disable") | Some("discovered") => Err(unknown_ap(&name)),
                Some(other) => Err(Fail::invalid(format!("admin {other}"))),
            }
        })(),
        "wifi/managed_ap/restart" => ctx.args.required_str("wtpname").and_then(|n| Err(unknown_ap(&n))),
        "wifi/managed_ap/upgrade" => (|| {
            let serial = ctx.args.required_str("mkey")?;
            match ctx.args.required_str("source")?.as_str() {
                "upload" | "fortiguard" => Err(unknown_ap(&serial)),
                other => Err(Fail::invalid(format!("source {other}"))),
            }
        })(),
        "wifi/firmware/select" => Ok(Out::Json(json!({}))),
        "wifi/ap_status/select" => {
            Ok(Out::Json(json!({"total": 0, "online": 0, "offline": 0, "unauthorized": 0,
                                                       "clients": 0, "rogue_aps": rogue_count(ctx)})))
        }
        "wifi/interfering_ap/select" => (|| {
            let wtp = ctx.args.required_str("wtp")?;
            ctx.args.required_int("radio")?;
            Err(unknown_ap(&wtp))
        })(),
        "wifi/euclid/select" => {
            let key = format!("{}:euclid", ctx.vdom);
            let since = ctx.rt.resets.get(&key).copied().unwrap_or(ctx.model.revision.boot_epoch);
            Ok(Out::Json(json!({"visitors": 0, "since": since})))
        }
        "wifi/euclid/reset" => {
            let key = format!("{}:euclid", ctx.vdom);
            ctx.reset(&key);
            Ok(Out::Json(json!({})))
        }
        "wifi/rogue_ap/select" => {
            let rows: Vec<Value> = rogue(ctx)
                .as_object()
                .map(|o| {
                    o.iter()
                        .map(|(bssid, v)| json!({"bssid": bssid, "ssid": v["ssid"], "status": v["status"]}))
                        .collect()
                })
                .unwrap_or_default();
            ctx.args.window(rows).map(|v| Out::Json(json!(v)))
        }
        "wifi/rogue_ap/clear_all" => {
            ctx.rt.state.remove(&format!("{}:rogue", ctx.vdom));
            Ok(Out::Json(json!({})))
        }
        "wifi/rogue_ap/set_status" => (|| {
            let bssids = ctx.args.str_list("bssid");
            let ssids = ctx.args.str_list("ssid");
            let status = ctx.args.str("status").unwrap_or_else(|| "unclassified".into());
            if !matches!(status.as_str(), "unclassified" | "rogue" | "accepted" | "suppressed") {
                return Err(Fail::invalid(format!("status {status}")));
            }
            if bssids.is_empty() {
                return Err(Fail::missing("bssid"));
            }
            let mut map = rogue(ctx).as_object().cloned().unwrap_or_default();
            for (i, b) in bssids.iter().enumerate() {
                map.insert(
                    b.to_ascii_lowercase(),
                    json!({"ssid": ssids.get(i).cloned().unwrap_or_default(), "status": status}),
                );
            }
            ctx.rt.state.insert(format!("{}:rogue", ctx.vdom), Value::Object(map));
            Ok(Out::Json(json!({})))
        })(),
        "wifi/spectrum/select" => ctx.args.required_str("wtp_id").and_then(|id| Err(unknown_ap(&id))),
        _ => return None,
    })
}

fn rogue(ctx: &Ctx) -> Value {
    ctx.rt.state.get(&format!("{}:rogue", ctx.vdom)).cloned().unwrap_or_else(|| json!({}))
}

fn rogue_count(ctx: &Ctx) -> usize {
    rogue(ctx).as_object().map_or(0, |o| o.len())
}
