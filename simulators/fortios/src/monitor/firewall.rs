//! `firewall/*` (spec §3.7.2): policy counters, sessions, policy lookup, FQDN addresses,
//! local-in policies; ACL, proxy-policy, shaper and load-balance statistics.

use serde_json::{json, Map, Value};

use super::runtime::{self, names, text, Counter, Session};
use super::{gen, router, Ctx, Fail, Out};
use crate::schema::Registry;

pub(super) fn handle(ctx: &mut Ctx) -> Option<Result<Out, Fail>> {
    Some(match ctx.ep.path {
        "firewall/policy/select" => Ok(Out::Json(policy_stats(ctx, false))),
        "firewall/policy6/select" => Ok(Out::Json(policy_stats(ctx, true))),
        "firewall/policy/reset" => reset(ctx, false, None),
        "firewall/policy6/reset" => reset(ctx, true, None),
        "firewall/policy/clear_counters" => clear_counters(ctx, false),
        "firewall/policy6/clear_counters" => clear_counters(ctx, true),
        "firewall/acl/select" | "firewall/acl6/select" | "firewall/proxy-policy/select" => {
            Ok(Out::Json(json!([])))
        }
        "firewall/acl/clear_counters"
        | "firewall/acl6/clear_counters"
        | "firewall/proxy-policy/clear_counters" => {
            // No ACL / explicit-proxy policy is configurable in this build: any id is unknown.
            match ctx.args.int_list("policy") {
                Ok(ids) if ids.is_empty() => Ok(Out::Json(json!({}))),
                Ok(ids) => Err(Fail::no_entry(format!("no such policy {}", ids[0]))),
                Err(e) => Err(e),
            }
        }
        "firewall/policy-lookup/select" => policy_lookup(ctx),
        "firewall/session/select" => session_select(ctx),
        "firewall/session/clear_all" => {
            let n = ctx.rt.close_sessions(ctx.model, &ctx.vdom, ctx.now, &|_| true);
            ctx.rt.vdom(&ctx.vdom).synthetic_since = ctx.now + 1;
            Ok(Out::Json(json!(n)))
        }
        "firewall/session/close" => session_close(ctx),
        "firewall/session-top/select" => session_top(ctx),
        "firewall/shaper/select" => Ok(Out::Json(json!([]))),
        "firewall/shaper/reset" => {
            ctx.rt.resets.insert(format!("{}:shaper", ctx.vdom), ctx.now);
            Ok(Out::Json(json!({})))
        }
        "firewall/load-balance/select" => load_balance(ctx),
        "firewall/address-fqdns/select" => Ok(Out::Json(address_fqdns(ctx))),
        "firewall/local-in/select" => Ok(Out::Json(local_in(ctx))),
        "firewall/health/select" => Ok(Out::Json(health(ctx))),
        _ => return None,
    })
}

fn counter_json(id: &str, c: &Counter, active: usize) -> Value {
    let mut o = Map::new();
    o.insert("policyid".into(), json!(id.parse::<i64>().unwrap_or(0)));
    o.insert("active_sessions".into(), json!(active));
    o.insert("bytes".into(), json!(c.bytes));
    o.insert("packets".into(), json!(c.packets));
    o.insert("software_bytes".into(), json!(c.bytes));
    o.insert("software_packets".into(), json!(c.packets));
    o.insert("asic_bytes".into(), json!(0));
    o.insert("asic_packets".into(), json!(0));
    o.insert("hit_count".into(), json!(c.hits));
    if let Some(t) = c.last_used {
        o.insert("last_used".into(), json!(t));
    }
    if let Some(t) = c.first_used {
        o.insert("first_used".into(), json!(t));
    }
    Value::Object(o)
}

fn policy_stats(ctx: &Ctx, ipv6: bool) -> Value {
    let mut active: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for s in ctx.rt.sessions(ctx.model, &ctx.vdom, ctx.now).iter().filter(|s| s.ipv6 == ipv6) {
        *active.entry(s.policyid.to_string()).or_default() += 1;
    }
    ctx.rt
        .policy_counters(ctx.model, &ctx.vdom, ipv6, ctx.now)
        .iter()
        .map(|(id, c)| counter_json(id, c, active.get(id).copied().unwrap_or(0)))
        .collect()
}

fn reset(ctx: &mut Ctx, ipv6: bool, only: Option<&[String]>) -> Result<Out, Fail> {
    let now = ctx.now;
    let vr = ctx.rt.vdom(&ctx.vdom);
    let table = if ipv6 { &mut vr.policy6 } else { &mut vr.policy };
    for (id, c) in table.iter_mut() {
        if only.map_or(true, |ids| ids.contains(id)) {
            *c = Counter { since: now, ..Counter::default() };
        }
    }
    Ok(Out::Json(json!({})))
}

fn clear_counters(ctx: &mut Ctx, ipv6: bool) -> Result<Out, Fail> {
    let ids: Vec<String> = ctx.args.int_list("policy")?.iter().map(i64::to_string).collect();
    let vr = ctx.rt.vdom(&ctx.vdom);
    let table = if ipv6 { &vr.policy6 } else { &vr.policy };
    if let Some(bad) = ids.iter().find(|id| !table.contains_key(*id)) {
        return Err(Fail::no_entry(format!("no such policy {bad}")));
    }
    reset(ctx, ipv6, Some(&ids))
}

pub(super) fn session_json(s: &Session, vdom: &str, now: i64) -> Value {
    let duration = now.saturating_sub(s.start).max(0);
    let expiry = if s.ttl > 0 { s.start.saturating_add(s.ttl).saturating_sub(now).max(0) } else { 3600 };
    json!({
        "proto": s.proto, "saddr": s.saddr, "sport": s.sport, "daddr": s.daddr, "dport": s.dport,
        "policyid": s.policyid, "srcintf": s.srcintf, "dstintf": s.dstintf,
        "duration": duration, "expiry": expiry,
        "sentbyte": s.sentbyte, "rcvdbyte": s.rcvdbyte, "sentpkt": s.sentpkt, "rcvdpkt": s.rcvdpkt,
        "application": s.application, "username": s.username, "shaper": s.shaper, "country": s.country,
        "natsaddr": s.natsaddr, "natsport": s.natsport, "vdom": vdom,
    })
}

fn proto_matches(filter: &str, proto: &str) -> bool {
    let number = match proto {
        "tcp" => "6",
        "udp" => "17",
        "icmp" => "1",
        "igmp" => "2",
        _ => "",
    };
    let f = filter.trim().to_ascii_lowercase();
    f == "all" || f == proto || f == number
}

fn session_select(ctx: &Ctx) -> Result<Out, Fail> {
    let a = &ctx.args;
    let version = a.str("ip_version").unwrap_or_else(|| "ipv4".into());
    let (v4, v6) = match version.as_str() {
        "ipv4" => (true, false),
        "ipv6" => (false, true),
        "ipboth" => (true, true),
        other => return Err(Fail::invalid(format!("ip_version {other}"))),
    };
    let int_filters: Vec<(&str, Option<i64>)> =
        ["sourceport", "policyid", "application", "destport", "natsourceport"]
            .iter()
            .map(|k| Ok((*k, a.int(k)?)))
            .collect::<Result<_, Fail>>()?;
    let str_filter = |k: &str| a.str(k).filter(|s| !s.is_empty());
    let all: Vec<Session> = ctx
        .rt
        .sessions(ctx.model, &ctx.vdom, ctx.now)
        .into_iter()
        .filter(|s| (s.ipv6 && v6) || (!s.ipv6 && v4))
        .collect();
    let family_total = all.len();
    let matching: Vec<&Session> = all
        .iter()
        .filter(|s| {
            int_filters.iter().all(|(k, v)| {
                let Some(v) = v else { return true };
                let actual = match *k {
                    "sourceport" => i64::from(s.sport),
                    "policyid" => s.policyid as i64,
                    "application" => s.application,
                    "destport" => i64::from(s.dport),
                    _ => i64::from(s.natsport),
                };
                actual == *v
            })
        })
        .filter(|s| str_filter("protocol").map_or(true, |p| proto_matches(&p, &s.proto)))
        .filter(|s| str_filter("srcintf").map_or(true, |v| v == s.srcintf))
        .filter(|s| str_filter("dstintf").map_or(true, |v| v == s.dstintf))
        .filter(|s| str_filter("source").map_or(true, |v| v == s.saddr))
        .filter(|s| str_filter("destination").map_or(true, |v| v == s.daddr))
        .filter(|s| str_filter("username").map_or(true, |v| v == s.username))
        .filter(|s| str_filter("shaper").map_or(true, |v| v == s.shaper))
        .filter(|s| str_filter("country").map_or(true, |v| v.eq_ignore_ascii_case(&s.country)))
        .filter(|s| str_filter("natsourceaddress").map_or(true, |v| v == s.natsaddr))
        .collect();
    let matched = matching.len();
    let page: Vec<Value> =
        a.window(matching)?.into_iter().map(|s| session_json(s, &ctx.vdom, ctx.now)).collect();
    if a.flag("summary").unwrap_or(false) {
        let recent = all.iter().filter(|s| ctx.now.saturating_sub(s.start) < 60).count();
        Ok(Out::Json(json!({
            "details": page,
            "summary": {
                "total_sessions": family_total,
                "matched_count": matched,
                "setup_rate": recent as f64 / 60.0,
                "npu_sessions": 0,
                "nturbo_sessions": 0,
                "vd_sessions": family_total,
            }
        })))
    } else {
        Ok(Out::Json(Value::Array(page)))
    }
}

fn session_close(ctx: &mut Ctx) -> Result<Out, Fail> {
    let a = &ctx.args;
    let pro = a.required_str("pro")?.to_ascii_lowercase();
    let saddr = a.required_str("saddr")?;
    let daddr = a.required_str("daddr")?;
    let port = |k: &str| -> Result<u32, Fail> {
        let v = a.int(k)?.ok_or_else(|| Fail::missing(k))?;
        u32::try_from(v)
            .ok()
            .filter(|p| *p <= 65535)
            .ok_or_else(|| Fail::invalid(format!("{k} out of range")))
    };
    let (sport, dport) = (port("sport")?, port("dport")?);
    let pred = move |s: &Session| {
        proto_matches(&pro, &s.proto)
            && s.saddr == saddr
            && s.daddr == daddr
            && s.sport == sport
            && s.dport == dport
    };
    let n = ctx.rt.close_sessions(ctx.model, &ctx.vdom, ctx.now, &pred);
    if n == 0 {
        return Err(Fail::no_entry("no matching session"));
    }
    Ok(Out::Json(json!({})))
}

fn session_top(ctx: &Ctx) -> Result<Out, Fail> {
    let a = &ctx.args;
    let by = a.str("report_by").unwrap_or_else(|| "source".into());
    let key: fn(&Session) -> String = match by.as_str() {
        "source" => |s| s.saddr.clone(),
        "destination" => |s| s.daddr.clone(),
        "application" => |s| s.application.to_string(),
        "web-category" => |s| if s.dport == 80 || s.dport == 443 { "52".into() } else { "0".into() },
        "web-domain" => |s| s.daddr.clone(),
        "srcintf" => |s| s.srcintf.clone(),
        "dstintf" => |s| s.dstintf.clone(),
        "policy" => |s| s.policyid.to_string(),
        "country" => |s| s.country.clone(),
        other => return Err(Fail::invalid(format!("report_by {other}"))),
    };
    let sort = a.str("sort_by").unwrap_or_else(|| "bytes".into());
    if !matches!(sort.as_str(), "bytes" | "msg-counts") {
        return Err(Fail::invalid(format!("sort_by {sort}")));
    }
    let filter = a.object("filter").unwrap_or_default();
    let mut groups: Vec<(String, u64, u64)> = Vec::new();
    for s in ctx.rt.sessions(ctx.model, &ctx.vdom, ctx.now) {
        let pass = filter.iter().all(|(k, v)| {
            let v = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            match k.as_str() {
                "srcintf" => s.srcintf == v,
                "dstintf" => s.dstintf == v,
                "source" => s.saddr == v,
                "destination" => s.daddr == v,
                "policyid" => s.policyid.to_string() == v,
                "application" => s.application.to_string() == v,
                "country" => s.country == v,
                _ => true,
            }
        });
        if !pass {
            continue;
        }
        let k = key(&s);
        let bytes = s.sentbyte.saturating_add(s.rcvdbyte);
        match groups.iter_mut().find(|g| g.0 == k) {
            Some(g) => {
                g.1 = g.1.saturating_add(bytes);
                g.2 += 1;
            }
            None => groups.push((k, bytes, 1)),
        }
    }
    if sort == "bytes" {
        groups.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
    } else {
        groups.sort_by(|x, y| y.2.cmp(&x.2).then(x.0.cmp(&y.0)));
    }
    let count = a.int("count")?.unwrap_or(10);
    let rows: Vec<Value> = groups
        .into_iter()
        .take(if count <= 0 { usize::MAX } else { count as usize })
        .map(|(k, bytes, n)| json!({by.replace('-', "_"): k, "bytes": bytes, "sessions": n, "msg_counts": n}))
        .collect();
    Ok(Out::Json(Value::Array(rows)))
}

/// Does an address object (or group) of `vdom` contain `ip`?
fn address_contains(ctx: &Ctx, name: &str, ip: u32, depth: u32) -> bool {
    let reg = Registry::builtin();
    if name == "all" {
        return true;
    }
    if depth > 8 {
        return false;
    }
    if let Some(a) = ctx.model.cmdb.get(reg, "firewall/address", &ctx.vdom, name) {
        return match text(a, "type") {
            "ipmask" | "" => gen::subnet(text(a, "subnet")).is_some_and(|(n, m)| ip & m == n & m),
            "iprange" => {
                let lo = gen::ip4(text(a, "start-ip")).unwrap_or(1);
                let hi = gen::ip4(text(a, "end-ip")).unwrap_or(0);
                (lo..=hi).contains(&ip)
            }
            "fqdn" => fqdn_addrs(ctx.seed(), text(a, "fqdn")).contains(&gen::ip4_str(ip)),
            _ => false,
        };
    }
    if let Some(g) = ctx.model.cmdb.get(reg, "firewall/addrgrp", &ctx.vdom, name) {
        return names(g, "member").iter().any(|m| address_contains(ctx, m, ip, depth + 1));
    }
    false
}

fn port_in_ranges(ranges: &str, port: i64) -> bool {
    ranges.split_whitespace().any(|r| {
        let dst = r.split(':').next().unwrap_or("");
        let (lo, hi) = dst.split_once('-').unwrap_or((dst, dst));
        match (lo.parse::<i64>(), hi.parse::<i64>()) {
            (Ok(lo), Ok(hi)) => (lo..=hi).contains(&port),
            _ => false,
        }
    })
}

fn service_matches(ctx: &Ctx, name: &str, proto: &str, port: i64, depth: u32) -> bool {
    let reg = Registry::builtin();
    if depth > 8 {
        return false;
    }
    if let Some(s) = ctx.model.cmdb.get(reg, "firewall.service/custom", &ctx.vdom, name) {
        return match text(s, "protocol") {
            "ALL" => true,
            "ICMP" => proto == "icmp" || proto == "1",
            "IP" => {
                let n = runtime::int(s, "protocol-number");
                n == 0 || n.to_string() == proto
            }
            _ => match proto {
                "tcp" | "6" => port_in_ranges(text(s, "tcp-portrange"), port),
                "udp" | "17" => port_in_ranges(text(s, "udp-portrange"), port),
                "sctp" | "132" => port_in_ranges(text(s, "sctp-portrange"), port),
                _ => false,
            },
        };
    }
    if let Some(g) = ctx.model.cmdb.get(reg, "firewall.service/group", &ctx.vdom, name) {
        return names(g, "member").iter().any(|m| service_matches(ctx, m, proto, port, depth + 1));
    }
    false
}

fn policy_lookup(ctx: &Ctx) -> Result<Out, Fail> {
    let reg = Registry::builtin();
    let a = &ctx.args;
    let ipv6 = a.flag("ipv6").unwrap_or(false);
    let srcintf = a.required_str("srcintf")?;
    let sourceip = a.required_str("sourceip")?;
    let proto = a.required_str("protocol")?.to_ascii_lowercase();
    let dest = a.required_str("dest")?;
    let destport = a.required_int("destport")?;
    if ctx.model.cmdb.get(reg, "system/interface", crate::cmdb::ROOT, &srcintf).is_none()
        && ctx.model.cmdb.get(reg, "system/zone", &ctx.vdom, &srcintf).is_none()
    {
        return Err(Fail::invalid(format!("unknown interface {srcintf}")));
    }
    if ipv6 {
        // IPv6 addresses are not matched by the simulator: the first enabled IPv6 policy from
        // the source interface wins.
        let rows =
            ctx.model.cmdb.rows(reg, "firewall/policy6", &ctx.vdom).map_err(|_| Fail::not_found("vdom"))?;
        let hit = rows.iter().find(|(_, p)| {
            text(p, "status") != "disable" && names(p, "srcintf").iter().any(|i| *i == srcintf || i == "any")
        });
        return Ok(Out::Json(lookup_result(hit.map(|(id, p)| (id.as_str(), text(p, "action"))))));
    }
    let src = gen::ip4(&sourceip).ok_or_else(|| Fail::invalid(format!("sourceip {sourceip}")))?;
    let dst = match gen::ip4(&dest) {
        Some(d) => d,
        None => fqdn_addrs(ctx.seed(), &dest)
            .first()
            .and_then(|s| gen::ip4(s))
            .ok_or_else(|| Fail::invalid(format!("dest {dest}")))?,
    };
    let dstintf =
        router::lookup4(ctx.model, ctx.rt, &ctx.vdom, dst, ctx.now).map(|r| r.1).unwrap_or_default();
    let rows = ctx.model.cmdb.rows(reg, "firewall/policy", &ctx.vdom).map_err(|_| Fail::not_found("vdom"))?;
    let hit = rows.iter().find(|(_, p)| {
        text(p, "status") != "disable"
            && names(p, "srcintf").iter().any(|i| *i == srcintf || i == "any")
            && names(p, "dstintf").iter().any(|i| *i == dstintf || i == "any")
            && names(p, "srcaddr").iter().any(|n| address_contains(ctx, n, src, 0))
            && names(p, "dstaddr").iter().any(|n| address_contains(ctx, n, dst, 0))
            && names(p, "service").iter().any(|n| service_matches(ctx, n, &proto, destport, 0))
    });
    Ok(Out::Json(lookup_result(hit.map(|(id, p)| (id.as_str(), text(p, "action"))))))
}

fn lookup_result(hit: Option<(&str, &str)>) -> Value {
    match hit {
        Some((id, action)) => {
            json!({"success": true, "policy_id": id.parse::<i64>().unwrap_or(0), "policy_action": action})
        }
        None => json!({"success": true, "policy_id": 0, "policy_action": "deny"}),
    }
}

/// The addresses an FQDN resolves to (deterministic per name and device).
pub(super) fn fqdn_addrs(seed: u64, fqdn: &str) -> Vec<String> {
    let n = 1 + gen::below(seed, "fqdn-n", &[gen::h(0, fqdn, &[]) as i64], 2);
    (0..n as i64)
        .map(|i| {
            let x = gen::h(seed, fqdn, &[i]) as u32;
            // Public unicast space: 23.0.0.0 - 199.255.255.255, never the lab's private nets.
            gen::ip4_str(((23 + (x >> 24) % 177) << 24) | (x & 0x00ff_ffff).max(1))
        })
        .collect()
}

fn address_fqdns(ctx: &Ctx) -> Value {
    let reg = Registry::builtin();
    let seed = ctx.seed();
    let mut out = Map::new();
    if let Ok(rows) = ctx.model.cmdb.rows(reg, "firewall/address", &ctx.vdom) {
        for (name, a) in rows.iter().filter(|(_, a)| text(a, "type") == "fqdn") {
            let fqdn = text(a, "fqdn");
            let ttl = match runtime::int(a, "cache-ttl") {
                0 => 3600,
                t => t,
            };
            out.insert(
                name.clone(),
                json!({"fqdn": fqdn, "addrs": fqdn_addrs(seed, fqdn), "wildcard": false,
                       "expires": ctx.now - ctx.now.rem_euclid(ttl) + ttl}),
            );
        }
    }
    Value::Object(out)
}

fn local_in(ctx: &Ctx) -> Value {
    let reg = Registry::builtin();
    let mut out = Vec::new();
    let Ok(rows) = ctx.model.cmdb.rows(reg, "system/interface", crate::cmdb::ROOT) else { return json!([]) };
    for (name, i) in rows.iter().filter(|(_, i)| text(i, "vdom") == ctx.vdom) {
        let dst =
            gen::subnet(text(i, "ip")).map(|(a, _)| gen::ip4_str(a)).unwrap_or_else(|| "0.0.0.0".into());
        for svc in text(i, "allowaccess").split_whitespace() {
            let (service, port) = match svc {
                "https" => ("HTTPS", "443"),
                "http" => ("HTTP", "80"),
                "ssh" => ("SSH", "22"),
                "ping" => ("PING", ""),
                "snmp" => ("SNMP", "161-162"),
                "telnet" => ("TELNET", "23"),
                "fgfm" => ("FGFM", "541"),
                "capwap" => ("CAPWAP", "5246-5247"),
                other => (other, ""),
            };
            out.push(json!({
                "id": out.len() + 1, "implicit": true, "intf": name, "srcaddr": "all", "dstaddr": dst,
                "service": service, "port": port, "action": "accept", "schedule": "always",
            }));
        }
    }
    Value::Array(out)
}

fn load_balance(ctx: &Ctx) -> Result<Out, Fail> {
    let reg = Registry::builtin();
    let rows = ctx.model.cmdb.rows(reg, "firewall/vip", &ctx.vdom).map_err(|_| Fail::not_found("vdom"))?;
    let seed = ctx.seed();
    let items: Vec<Value> = rows
        .iter()
        .filter(|(_, v)| matches!(text(v, "type"), "server-load-balance" | "load-balance"))
        .map(|(name, v)| {
            let servers: Vec<Value> = names(v, "mappedip")
                .iter()
                .enumerate()
                .map(|(i, ip)| {
                    let up = (ctx.now - ctx.model.revision.boot_epoch).max(0);
                    json!({"real_server_id": i + 1, "real_server_ip": ip, "status": "active",
                           "mode": "active", "active_sessions": gen::below(seed, name, &[i as i64, ctx.now / 60], 20),
                           "bytes_processed": up as u64 * (1 + gen::below(seed, ip, &[], 5000))})
                })
                .collect();
            json!({"virtual_server_name": name, "virtual_server_ip": text(v, "extip"), "list": servers})
        })
        .collect();
    Ok(Out::Json(Value::Array(ctx.args.window(items)?)))
}

fn health(ctx: &Ctx) -> Value {
    let reg = Registry::builtin();
    let Ok(rows) = ctx.model.cmdb.rows(reg, "firewall/vip", &ctx.vdom) else { return json!([]) };
    rows.iter()
        .filter(|(_, v)| text(v, "type") == "server-load-balance")
        .map(|(name, _)| json!({"name": name, "status": "up", "monitors": []}))
        .collect()
}
