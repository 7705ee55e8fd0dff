//! `router/*` (spec §3.7.8): the routing table derived from the CMDB (connected routes of the
//! interfaces that are up and have an address, enabled static routes) plus injected dynamic
//! routes; filters, paging, statistics and longest-prefix lookup.

use std::net::Ipv6Addr;

use serde_json::{json, Map, Value};

use super::runtime::{int, text, Runtime};
use super::{firewall, gen, Ctx, Fail, Out};
use crate::model::Model;
use crate::schema::Registry;

pub(super) fn handle(ctx: &mut Ctx) -> Option<Result<Out, Fail>> {
    Some(match ctx.ep.path {
        "router/ipv4/select" => select(ctx, false),
        "router/ipv6/select" => select(ctx, true),
        "router/statistics/select" => statistics(ctx),
        "router/lookup/select" => lookup(ctx),
        _ => return None,
    })
}

fn route(
    ip_mask: String,
    gateway: &str,
    kind: &str,
    interface: &str,
    distance: i64,
    priority: i64,
    uptime: i64,
) -> Value {
    json!({
        "ip_mask": ip_mask, "gateway": gateway, "type": kind, "interface": interface,
        "distance": distance, "priority": priority, "metric": 0,
        "is_tunnel_route": interface.starts_with("ssl.") || kind == "tunnel",
        "uptime": uptime,
    })
}

fn interface_up(model: &Model, name: &str) -> bool {
    let reg = Registry::builtin();
    model
        .cmdb
        .get(reg, "system/interface", crate::cmdb::ROOT, name)
        .is_some_and(|i| text(i, "status") != "down")
}

/// Every active route of `vdom`, sorted by destination.
pub(super) fn routes(model: &Model, rt: &Runtime, vdom: &str, ipv6: bool, now: i64) -> Vec<Value> {
    let reg = Registry::builtin();
    let uptime = (now - model.revision.boot_epoch).max(0);
    let mut out = Vec::new();
    if !ipv6 {
        if let Ok(rows) = model.cmdb.rows(reg, "system/interface", crate::cmdb::ROOT) {
            for (name, i) in
                rows.iter().filter(|(_, i)| text(i, "vdom") == vdom && text(i, "status") != "down")
            {
                if let Some((a, m)) = gen::subnet(text(i, "ip")).filter(|(a, _)| *a != 0) {
                    let dst = format!("{}/{}", gen::ip4_str(a & m), gen::mask_len(m));
                    out.push(route(dst, "0.0.0.0", "connect", name, 0, 0, uptime));
                }
            }
        }
        if let Ok(rows) = model.cmdb.rows(reg, "router/static", vdom) {
            for s in rows.values().filter(|s| text(s, "status") != "disable") {
                let dev = text(s, "device");
                if !dev.is_empty() && !interface_up(model, dev) {
                    continue;
                }
                let (a, m) = gen::subnet(text(s, "dst")).unwrap_or((0, 0));
                let dst = format!("{}/{}", gen::ip4_str(a & m), gen::mask_len(m));
                let (gw, dev) = if text(s, "blackhole") == "enable" {
                    ("0.0.0.0", "Null")
                } else {
                    (text(s, "gateway"), dev)
                };
                out.push(route(dst, gw, "static", dev, int(s, "distance"), int(s, "priority"), uptime));
            }
        }
    } else if let Ok(rows) = model.cmdb.rows(reg, "router/static6", vdom) {
        for s in rows.values().filter(|s| text(s, "status") != "disable") {
            let dev = text(s, "device");
            if !dev.is_empty() && !interface_up(model, dev) {
                continue;
            }
            out.push(route(
                text(s, "dst").to_string(),
                text(s, "gateway"),
                "static",
                dev,
                int(s, "distance"),
                int(s, "priority"),
                uptime,
            ));
        }
    }
    if let Some(vr) = rt.vdoms.get(vdom) {
        for r in vr.routes.iter().filter(|r| r.ipv6 == ipv6) {
            out.push(json!({
                "ip_mask": r.ip_mask, "gateway": r.gateway, "type": r.kind, "interface": r.interface,
                "distance": r.distance, "priority": r.priority, "metric": r.metric, "is_tunnel_route": false,
                "uptime": uptime,
            }));
        }
    }
    out.sort_by_key(|r| {
        let (net, len) = prefix(r["ip_mask"].as_str().unwrap_or(""));
        (net, len, r["distance"].as_i64().unwrap_or(0))
    });
    out
}

/// `a.b.c.d/len` or `x::/len` as (u128 network, length) for sorting and matching; IPv4 is
/// mapped into the low 32 bits with the length offset by 96.
fn prefix(s: &str) -> (u128, u32) {
    let (a, l) = s.split_once('/').unwrap_or((s, "128"));
    if let Some(v4) = gen::ip4(a) {
        let len: u32 = l.parse().unwrap_or(32);
        return (u128::from(v4), len.min(32) + 96);
    }
    let v6 = a.parse::<Ipv6Addr>().map(u128::from).unwrap_or(0);
    (v6, l.parse::<u32>().unwrap_or(128).min(128))
}

fn contains(route: &str, ip: u128) -> Option<u32> {
    let (net, len) = prefix(route);
    let mask = if len == 0 { 0 } else { u128::MAX << (128 - len) };
    let ip = if route.contains(':') { ip } else { ip & 0xffff_ffff };
    let net_cmp = if route.contains(':') { net } else { net & 0xffff_ffff };
    let mask = if route.contains(':') { mask } else { mask & 0xffff_ffff };
    (ip & mask == net_cmp & mask).then_some(len)
}

fn best(routes: &[Value], ip: u128) -> Option<&Value> {
    routes
        .iter()
        .filter_map(|r| contains(r["ip_mask"].as_str().unwrap_or(""), ip).map(|len| (len, r)))
        .max_by(|(la, a), (lb, b)| {
            la.cmp(lb)
                .then(b["distance"].as_i64().cmp(&a["distance"].as_i64()))
                .then(b["priority"].as_i64().cmp(&a["priority"].as_i64()))
        })
        .map(|(_, r)| r)
}

/// Longest-prefix match of an IPv4 address: (route, out interface).
pub(super) fn lookup4(model: &Model, rt: &Runtime, vdom: &str, ip: u32, now: i64) -> Option<(Value, String)> {
    let all = routes(model, rt, vdom, false, now);
    best(&all, u128::from(ip)).map(|r| (r.clone(), r["interface"].as_str().unwrap_or("").to_string()))
}

fn filtered(ctx: &Ctx, ipv6: bool) -> Vec<Value> {
    let a = &ctx.args;
    let f = |k: &str| a.str(k).filter(|s| !s.is_empty());
    let (ip_mask, gateway, kind, interface) = (f("ip_mask"), f("gateway"), f("type"), f("interface"));
    routes(ctx.model, ctx.rt, &ctx.vdom, ipv6, ctx.now)
        .into_iter()
        .filter(|r| ip_mask.as_ref().map_or(true, |v| normalize_prefix(v) == r["ip_mask"]))
        .filter(|r| gateway.as_ref().map_or(true, |v| r["gateway"] == v.as_str()))
        .filter(|r| kind.as_ref().map_or(true, |v| r["type"] == v.as_str()))
        .filter(|r| interface.as_ref().map_or(true, |v| r["interface"] == v.as_str()))
        .collect()
}

/// `10.0.0.0 255.0.0.0` and `10.0.0.0/8` compare equal to the table's `10.0.0.0/8`.
fn normalize_prefix(v: &str) -> String {
    match gen::subnet(v) {
        Some((a, m)) if !v.contains(':') => format!("{}/{}", gen::ip4_str(a & m), gen::mask_len(m)),
        _ => v.to_string(),
    }
}

fn select(ctx: &Ctx, ipv6: bool) -> Result<Out, Fail> {
    let rows = filtered(ctx, ipv6);
    Ok(Out::Json(Value::Array(ctx.args.window(rows)?)))
}

fn statistics(ctx: &Ctx) -> Result<Out, Fail> {
    let families: Vec<bool> = match ctx.args.int("ip_version")? {
        None => vec![false, true],
        Some(4) => vec![false],
        Some(6) => vec![true],
        Some(v) => return Err(Fail::invalid(format!("ip_version {v}"))),
    };
    let mut total4 = 0;
    let mut total6 = 0;
    let mut matched = 0;
    let mut types = Map::new();
    for ipv6 in families {
        let all = routes(ctx.model, ctx.rt, &ctx.vdom, ipv6, ctx.now);
        if ipv6 {
            total6 = all.len();
        } else {
            total4 = all.len();
        }
        for r in &all {
            let k = r["type"].as_str().unwrap_or("other").to_string();
            let n = types.get(&k).and_then(Value::as_u64).unwrap_or(0);
            types.insert(k, json!(n + 1));
        }
        matched += filtered(ctx, ipv6).len();
    }
    Ok(Out::Json(json!({
        "total_lines": total4 + total6,
        "total_lines_ipv4": total4,
        "total_lines_ipv6": total6,
        "matched_count": matched,
        "types": types,
    })))
}

fn lookup(ctx: &Ctx) -> Result<Out, Fail> {
    let ipv6 = ctx.args.flag("ipv6").unwrap_or(false);
    let dest = ctx.args.required_str("destination")?;
    let ip: u128 = if ipv6 {
        dest.parse::<Ipv6Addr>().map(u128::from).map_err(|_| Fail::invalid(format!("destination {dest}")))?
    } else {
        match gen::ip4(&dest) {
            Some(v) => u128::from(v),
            None if dest.contains('.') && !dest.chars().all(|c| c.is_ascii_digit() || c == '.') => {
                let first = firewall::fqdn_addrs(ctx.seed(), &dest).into_iter().next().unwrap_or_default();
                u128::from(gen::ip4(&first).unwrap_or(0))
            }
            None => return Err(Fail::invalid(format!("destination {dest}"))),
        }
    };
    let all = routes(ctx.model, ctx.rt, &ctx.vdom, ipv6, ctx.now);
    Ok(Out::Json(match best(&all, ip) {
        Some(r) => json!({"success": true, "network": r["ip_mask"], "gateway": r["gateway"],
                          "interface": r["interface"], "type": r["type"]}),
        None => json!({"success": false}),
    }))
}
