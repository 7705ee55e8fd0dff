//! `user/*` (spec §3.7.12): authenticated firewall users (injected, plus local users of
//! user-authenticating policies logged in per hour slot when traffic is synthetic), deauth,
//! the banned-IP list with expiry, FortiTokens of the admins, detected devices (DHCP clients).

use serde_json::{json, Map, Value};

use super::runtime::{names, text, BannedIp, FirewallUser};
use super::{gen, system, Ctx, Fail, Out};
use crate::schema::Registry;

pub(super) fn handle(ctx: &mut Ctx) -> Option<Result<Out, Fail>> {
    Some(match ctx.ep.path {
        "user/firewall/select" => firewall_select(ctx),
        "user/firewall/deauth" => deauth(ctx),
        "user/banned/select" => Ok(Out::Json(banned(ctx))),
        "user/banned/add_users" => add_banned(ctx),
        "user/banned/clear_users" => {
            let ips = ctx.args.str_list("ip_addresses");
            if ips.is_empty() {
                return Some(Err(Fail::missing("ip_addresses")));
            }
            ctx.rt.vdom(&ctx.vdom).banned.retain(|b| !ips.contains(&b.ip));
            Ok(Out::Json(json!({})))
        }
        "user/banned/clear_all" => {
            ctx.rt.vdom(&ctx.vdom).banned.clear();
            Ok(Out::Json(json!({})))
        }
        "user/fortitoken/select" => Ok(Out::Json(tokens_json(ctx))),
        "user/fortitoken/activate" | "user/fortitoken/refresh" | "user/fortitoken/provision" => token_op(ctx),
        "user/fortitoken/send-activation" => send_activation(ctx),
        "user/device/select" => Ok(Out::Json(devices(ctx))),
        "user/fsso/select" => Ok(Out::Json(json!([]))),
        "user/fsso/refresh-server" => {
            ctx.rt.state.insert(format!("{}:fsso-refresh", ctx.vdom), json!(ctx.now));
            Ok(Out::Json(json!({})))
        }
        _ => return None,
    })
}

fn deauth_key(vdom: &str) -> String {
    format!("{vdom}:deauth")
}

/// Logged-in users: injected ones plus, with synthetic traffic, enabled local users named in a
/// policy (directly or through a group), online in two hour slots of three.
fn users(ctx: &Ctx) -> Vec<FirewallUser> {
    let reg = Registry::builtin();
    let mut out: Vec<FirewallUser> = ctx.rt.vdoms.get(&ctx.vdom).map(|v| v.users.clone()).unwrap_or_default();
    if !ctx.rt.synthetic_traffic {
        return out;
    }
    let seed = ctx.seed();
    let slot = ctx.now.div_euclid(3600);
    let gone: Vec<String> = ctx
        .rt
        .state
        .get(&deauth_key(&ctx.vdom))
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    let Ok(policies) = ctx.model.cmdb.rows(reg, "firewall/policy", &ctx.vdom) else { return out };
    let mut named: Vec<(String, String)> = Vec::new();
    for p in policies.values() {
        for u in names(p, "users") {
            named.push((u, String::new()));
        }
        for g in names(p, "groups") {
            if let Some(grp) = ctx.model.cmdb.get(reg, "user/group", &ctx.vdom, &g) {
                for m in names(grp, "member") {
                    named.push((m, g.clone()));
                }
            }
        }
    }
    let next_id = out.iter().map(|u| u.id).max().unwrap_or(0) + 1;
    for (i, (name, group)) in named.iter().enumerate() {
        let Some(u) = ctx.model.cmdb.get(reg, "user/local", &ctx.vdom, name) else { continue };
        if text(u, "status") == "disable" || out.iter().any(|x| &x.username == name) {
            continue;
        }
        let nh = gen::h(0, name, &[]) as i64;
        if gen::below(seed, "fwuser-on", &[nh, slot], 3) == 0 || gone.contains(&format!("{name}|{slot}")) {
            continue;
        }
        let login = slot * 3600 + gen::below(seed, "fwuser-at", &[nh, slot], 1800) as i64;
        if login > ctx.now {
            continue;
        }
        out.push(FirewallUser {
            id: next_id + i as i64,
            username: name.clone(),
            ip: gen::ip4_str(0xc0a8_6400 | (10 + gen::below(seed, "fwuser-ip", &[nh], 200) as u32)),
            ipv6: false,
            method: "firewall".into(),
            group: group.clone(),
            login,
            traffic_vol_bytes: (ctx.now - login) as u64
                * (100 + gen::below(seed, "fwuser-rate", &[nh], 5000)),
            user_type: "firewall".into(),
        });
    }
    out
}

fn user_json(u: &FirewallUser, now: i64) -> Value {
    json!({"id": u.id, "username": u.username, "ipaddr": u.ip, "type": u.user_type, "method": u.method,
           "group": u.group, "duration": now.saturating_sub(u.login).max(0), "traffic_vol_bytes": u.traffic_vol_bytes,
           "ip_version": if u.ipv6 { "ip6" } else { "ip4" }})
}

fn firewall_select(ctx: &Ctx) -> Result<Out, Fail> {
    let v4 = ctx.args.flag("ipv4").unwrap_or(true);
    let v6 = ctx.args.flag("ipv6").unwrap_or(false);
    let rows: Vec<Value> = users(ctx)
        .iter()
        .filter(|u| (u.ipv6 && v6) || (!u.ipv6 && v4))
        .map(|u| user_json(u, ctx.now))
        .collect();
    Ok(Out::Json(Value::Array(ctx.args.window(rows)?)))
}

fn remove_user(ctx: &mut Ctx, u: &FirewallUser) {
    let slot = ctx.now.div_euclid(3600);
    let vr = ctx.rt.vdom(&ctx.vdom);
    let before = vr.users.len();
    vr.users.retain(|x| !(x.id == u.id && x.ip == u.ip));
    if vr.users.len() == before {
        let key = deauth_key(&ctx.vdom);
        let mut list = ctx.rt.state.get(&key).and_then(Value::as_array).cloned().unwrap_or_default();
        list.retain(|v| {
            v.as_str().and_then(|s| s.rsplit('|').next()).and_then(|s| s.parse::<i64>().ok()) == Some(slot)
        });
        list.push(json!(format!("{}|{slot}", u.username)));
        ctx.rt.state.insert(key, Value::Array(list));
    }
}

fn deauth(ctx: &mut Ctx) -> Result<Out, Fail> {
    let current = users(ctx);
    if ctx.args.flag("all").unwrap_or(false) {
        for u in &current {
            remove_user(ctx, u);
        }
        return Ok(Out::Json(json!({"count": current.len()})));
    }
    let mut wanted: Vec<Map<String, Value>> =
        ctx.args.list("users").into_iter().filter_map(|v| v.as_object().cloned()).collect();
    if wanted.is_empty() {
        let id = ctx.args.int("id")?.ok_or_else(|| Fail::missing("id"))?;
        let ip = ctx.args.required_str("ip")?;
        let mut o = Map::new();
        o.insert("id".into(), json!(id));
        o.insert("ip".into(), json!(ip));
        if let Some(t) = ctx.args.str("user_type") {
            if !matches!(t.as_str(), "proxy" | "firewall") {
                return Err(Fail::invalid(format!("user_type {t}")));
            }
            o.insert("user_type".into(), json!(t));
        }
        wanted.push(o);
    }
    let mut hits = Vec::new();
    for w in &wanted {
        let id = w.get("id").and_then(super::args::parse_int).ok_or_else(|| Fail::missing("id"))?;
        let ip = w.get("ip").and_then(Value::as_str).ok_or_else(|| Fail::missing("ip"))?;
        let u = current
            .iter()
            .find(|u| u.id == id && u.ip == ip)
            .ok_or_else(|| Fail::no_entry(format!("user {id}/{ip}")))?;
        hits.push(u.clone());
    }
    for u in &hits {
        remove_user(ctx, u);
    }
    Ok(Out::Json(json!({"count": hits.len()})))
}

fn banned(ctx: &Ctx) -> Value {
    ctx.rt
        .vdoms
        .get(&ctx.vdom)
        .map(|v| {
            v.banned
                .iter()
                .filter(|b| b.expires == 0 || b.expires > ctx.now)
                .map(|b| {
                    json!({"ip_address": b.ip, "source": b.source, "created": b.created,
                                "expires": if b.expires == 0 { Value::Null } else { json!(b.expires) }})
                })
                .collect()
        })
        .unwrap_or_else(|| json!([]))
}

fn add_banned(ctx: &mut Ctx) -> Result<Out, Fail> {
    let ips = ctx.args.str_list("ip_addresses");
    if ips.is_empty() {
        return Err(Fail::missing("ip_addresses"));
    }
    for ip in &ips {
        if gen::ip4(ip).is_none() && ip.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(Fail::invalid(format!("ip_addresses {ip}")));
        }
    }
    let expiry = ctx.args.int("expiry")?.unwrap_or(0);
    if expiry < 0 {
        return Err(Fail::invalid("expiry must not be negative"));
    }
    let now = ctx.now;
    let vr = ctx.rt.vdom(&ctx.vdom);
    for ip in ips {
        vr.banned.retain(|b| b.ip != ip);
        vr.banned.push(BannedIp {
            ip,
            created: now,
            expires: if expiry == 0 { 0 } else { now.saturating_add(expiry) },
            source: "admin".into(),
        });
    }
    Ok(Out::Json(json!({})))
}

/// FortiTokens: the serials assigned to admins (`two-factor fortitoken`).
fn tokens(ctx: &Ctx) -> Vec<(String, String)> {
    let reg = Registry::builtin();
    ctx.model
        .cmdb
        .rows(reg, "system/admin", crate::cmdb::ROOT)
        .map(|rows| {
            rows.iter()
                .filter(|(_, a)| !text(a, "fortitoken").is_empty())
                .map(|(n, a)| (text(a, "fortitoken").to_string(), n.clone()))
                .collect()
        })
        .unwrap_or_default()
}

fn token_status(ctx: &Ctx, serial: &str) -> String {
    ctx.rt.state.get(&format!("fortitoken:{serial}")).and_then(Value::as_str).unwrap_or("new").to_string()
}

fn tokens_json(ctx: &Ctx) -> Value {
    let mut out = Map::new();
    for (serial, admin) in tokens(ctx) {
        out.insert(serial.clone(), json!({"serial": serial, "status": token_status(ctx, &serial), "assigned_to": admin, "type": "hardware"}));
    }
    Value::Object(out)
}

fn token_op(ctx: &mut Ctx) -> Result<Out, Fail> {
    let all = tokens(ctx);
    let asked = ctx.args.str_list("tokens");
    let list: Vec<String> = if asked.is_empty() { all.iter().map(|t| t.0.clone()).collect() } else { asked };
    if let Some(bad) = list.iter().find(|s| !all.iter().any(|t| &t.0 == *s)) {
        return Err(Fail::no_entry(format!("FortiToken {bad}")));
    }
    let status = match ctx.ep.action() {
        "activate" => "active",
        "provision" => "provisioned",
        _ => "active",
    };
    let mut out = Vec::new();
    for s in &list {
        let st = if ctx.ep.action() == "refresh" { token_status(ctx, s) } else { status.to_string() };
        ctx.rt.state.insert(format!("fortitoken:{s}"), json!(st));
        out.push(json!({"serial": s, "status": st}));
    }
    Ok(Out::Json(Value::Array(out)))
}

fn send_activation(ctx: &mut Ctx) -> Result<Out, Fail> {
    let method = ctx.args.str("method").unwrap_or_else(|| "email".into());
    match method.as_str() {
        "email" => {
            ctx.args.required_str("email")?;
        }
        "sms" => {
            ctx.args.required_str("sms_phone")?;
        }
        other => return Err(Fail::invalid(format!("method {other}"))),
    }
    if let Some(t) = ctx.args.str("token").filter(|t| !t.is_empty()) {
        if !tokens(ctx).iter().any(|x| x.0 == t) {
            return Err(Fail::no_entry(format!("FortiToken {t}")));
        }
    }
    let (vdom, user) = (ctx.vdom.clone(), ctx.user().to_string());
    ctx.rt.log_event(
        ctx.now,
        &vdom,
        "user",
        "notice",
        &user,
        &format!("FortiToken activation sent by {method}"),
    );
    Ok(Out::Json(json!({"sent": true, "method": method})))
}

fn devices(ctx: &Ctx) -> Value {
    let compliance = ctx.args.flag("compliance_visibility").unwrap_or(false);
    let intf = ctx.args.str("intf_name").filter(|s| !s.is_empty());
    let master = ctx.args.str("master_mac").filter(|s| !s.is_empty());
    system::leases(ctx, false)
        .iter()
        .filter(|l| !compliance || intf.as_ref().map_or(true, |i| *i == l.interface))
        .filter(|l| master.as_ref().map_or(true, |m| m.eq_ignore_ascii_case(&l.mac)))
        .map(|l| {
            let os = match l.hostname.split('-').next().unwrap_or("") {
                "iphone" => "iOS",
                "android" => "Android",
                "laptop" | "desk" => "Windows",
                _ => "Linux",
            };
            let mut o = json!({"mac": l.mac, "ipv4_address": l.ip, "host": l.hostname, "os": os,
                               "detected_interface": l.interface, "last_seen": l.issued, "is_online": true});
            if compliance {
                o["compliance_state"] = json!("exempt");
            }
            o
        })
        .collect()
}
