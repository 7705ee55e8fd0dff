//! `vpn/*` (spec §3.7.16): IPsec tunnels from `vpn.ipsec/phase1-interface` and
//! `phase2-interface` with up/down state and counters, SSL-VPN sessions (injected).

use serde_json::{json, Value};

use super::runtime::{text, TunnelState};
use super::{gen, Ctx, Fail, Out};
use crate::schema::Registry;

pub(super) fn handle(ctx: &mut Ctx) -> Option<Result<Out, Fail>> {
    Some(match ctx.ep.path {
        "vpn/ipsec/select" => ipsec_select(ctx),
        "vpn/ipsec/tunnel_up" | "vpn/ipsec/tunnel_down" => tunnel_updown(ctx),
        "vpn/ipsec/tunnel_reset_stats" => (|| {
            let p1 = ctx.args.required_str("p1name")?;
            let p2s = phase2_of(ctx, &p1)?;
            let now = ctx.now;
            for p2 in p2s {
                let st = ctx.rt.vdom(&ctx.vdom).tunnels.entry(format!("{p1}/{p2}")).or_default();
                st.stats_since = now;
            }
            Ok(Out::Json(json!({})))
        })(),
        "vpn/ssl/select" => Ok(Out::Json(ssl_select(ctx))),
        "vpn/ssl/clear_tunnel" => {
            let vr = ctx.rt.vdom(&ctx.vdom);
            let before = vr.ssl.len();
            vr.ssl.retain(|s| s.tunnel_ip.is_empty());
            Ok(Out::Json(json!({"count": before - vr.ssl.len()})))
        }
        "vpn/ssl/delete" => ssl_delete(ctx),
        "vpn/ssl/stats" => Ok(Out::Json(ssl_stats(ctx))),
        _ => return None,
    })
}

/// Phase2 names of a phase1 (404 when the phase1 does not exist).
fn phase2_of(ctx: &Ctx, p1: &str) -> Result<Vec<String>, Fail> {
    let reg = Registry::builtin();
    if ctx.model.cmdb.get(reg, "vpn.ipsec/phase1-interface", &ctx.vdom, p1).is_none() {
        return Err(Fail::no_entry(format!("phase1 {p1}")));
    }
    Ok(ctx
        .model
        .cmdb
        .rows(reg, "vpn.ipsec/phase2-interface", &ctx.vdom)
        .map(|rows| {
            rows.iter().filter(|(_, p)| text(p, "phase1name") == p1).map(|(n, _)| n.clone()).collect()
        })
        .unwrap_or_default())
}

fn tunnel_state(ctx: &Ctx, p1: &str, p2: &str, auto: bool) -> TunnelState {
    ctx.rt.vdoms.get(&ctx.vdom).and_then(|v| v.tunnels.get(&format!("{p1}/{p2}"))).cloned().unwrap_or(
        TunnelState {
            up: auto,
            since: ctx.model.revision.boot_epoch,
            stats_since: ctx.model.revision.boot_epoch,
        },
    )
}

fn ipsec_select(ctx: &Ctx) -> Result<Out, Fail> {
    let reg = Registry::builtin();
    let only = ctx.args.str("tunnel").filter(|s| !s.is_empty());
    let seed = ctx.seed();
    let p1s = ctx
        .model
        .cmdb
        .rows(reg, "vpn.ipsec/phase1-interface", &ctx.vdom)
        .map_err(|_| Fail::not_found("vdom"))?;
    let p2s = ctx
        .model
        .cmdb
        .rows(reg, "vpn.ipsec/phase2-interface", &ctx.vdom)
        .map_err(|_| Fail::not_found("vdom"))?;
    let mut out = Vec::new();
    for (name, p1) in p1s.iter().filter(|(n, _)| only.as_ref().map_or(true, |o| o == *n)) {
        let (mut inb, mut outb) = (0u64, 0u64);
        let proxies: Vec<Value> = p2s
            .iter()
            .filter(|(_, p2)| text(p2, "phase1name") == name)
            .map(|(p2name, p2)| {
                let st = tunnel_state(ctx, name, p2name, text(p2, "auto-negotiate") == "enable");
                let up_for = if st.up { (ctx.now - st.since.max(st.stats_since)).max(0) as u64 } else { 0 };
                let rate = gen::range(seed, "ipsec", &[gen::h(0, p2name, &[]) as i64], 500, 50_000) as u64;
                let (i, o) = (rate * up_for, rate * up_for / 3);
                inb += i;
                outb += o;
                let life = crate::monitor::runtime::int(p2, "keylifeseconds").max(120);
                json!({
                    "p2name": p2name, "status": if st.up { "up" } else { "down" },
                    "proxy_src": [{"subnet": text(p2, "src-subnet"), "port": 0, "protocol": 0}],
                    "proxy_dst": [{"subnet": text(p2, "dst-subnet"), "port": 0, "protocol": 0}],
                    "expire": if st.up { life - (ctx.now - st.since).rem_euclid(life) } else { 0 },
                    "incoming_bytes": i, "outgoing_bytes": o,
                })
            })
            .collect();
        out.push(json!({
            "name": name, "comments": text(p1, "comments"), "type": "automatic", "rgwy": text(p1, "remote-gw"),
            "interface": text(p1, "interface"), "ike_version": text(p1, "ike-version"),
            "connection_count": proxies.iter().filter(|p| p["status"] == "up").count(),
            "creation_time": ctx.model.revision.boot_epoch, "incoming_bytes": inb, "outgoing_bytes": outb,
            "proxyid": proxies,
        }));
    }
    if let Some(o) = only {
        if out.is_empty() {
            return Err(Fail::no_entry(format!("tunnel {o}")));
        }
    }
    Ok(Out::Json(Value::Array(ctx.args.window(out)?)))
}

fn tunnel_updown(ctx: &mut Ctx) -> Result<Out, Fail> {
    let p1 = ctx.args.required_str("p1name")?;
    let p2 = ctx.args.required_str("p2name")?;
    if !phase2_of(ctx, &p1)?.contains(&p2) {
        return Err(Fail::no_entry(format!("phase2 {p2}")));
    }
    let up = ctx.ep.action() == "tunnel_up";
    let now = ctx.now;
    let boot = ctx.model.revision.boot_epoch;
    let st = ctx.rt.vdom(&ctx.vdom).tunnels.entry(format!("{p1}/{p2}")).or_insert(TunnelState {
        up: false,
        since: boot,
        stats_since: boot,
    });
    if st.up != up {
        st.up = up;
        st.since = now;
    }
    let (vdom, user) = (ctx.vdom.clone(), ctx.user().to_string());
    ctx.rt.log_event(
        now,
        &vdom,
        "vpn",
        "notice",
        &user,
        &format!("IPsec tunnel {p1}/{p2} {}", if up { "up" } else { "down" }),
    );
    Ok(Out::Json(json!({})))
}

fn ssl_select(ctx: &Ctx) -> Value {
    ctx.rt
        .vdoms
        .get(&ctx.vdom)
        .map(|v| {
            v.ssl
                .iter()
                .map(|s| {
                    let mut subs = s.subsessions.clone();
                    if !s.tunnel_ip.is_empty() && subs.is_empty() {
                        subs.push(json!({"index": s.index.saturating_mul(100), "aip": s.tunnel_ip, "mode": "Tunnel"}));
                    }
                    json!({"index": s.index, "user_name": s.user_name, "remote_host": s.remote_host,
                           "last_login_time": s.login, "duration": ctx.now.saturating_sub(s.login).max(0),
                           "subsessions": subs})
                })
                .collect()
        })
        .unwrap_or_else(|| json!([]))
}

fn ssl_delete(ctx: &mut Ctx) -> Result<Out, Fail> {
    let kind = ctx.args.required_str("type")?;
    let index = ctx.args.required_int("index")?;
    let vr = ctx.rt.vdom(&ctx.vdom);
    match kind.as_str() {
        "websession" => {
            let before = vr.ssl.len();
            vr.ssl.retain(|s| s.index != index);
            if vr.ssl.len() == before {
                return Err(Fail::no_entry(format!("web session {index}")));
            }
        }
        "subsession" => {
            let mut found = false;
            for s in vr.ssl.iter_mut() {
                if !s.tunnel_ip.is_empty() && s.index.checked_mul(100) == Some(index) {
                    s.tunnel_ip.clear();
                    found = true;
                }
                let before = s.subsessions.len();
                s.subsessions.retain(|x| x.get("index").and_then(Value::as_i64) != Some(index));
                found |= s.subsessions.len() != before;
            }
            if !found {
                return Err(Fail::no_entry(format!("subsession {index}")));
            }
        }
        other => return Err(Fail::invalid(format!("type {other}"))),
    }
    Ok(Out::Json(json!({})))
}

fn ssl_stats(ctx: &Ctx) -> Value {
    let list = ctx.rt.vdoms.get(&ctx.vdom).map(|v| v.ssl.clone()).unwrap_or_default();
    let tunnels = list.iter().filter(|s| !s.tunnel_ip.is_empty()).count();
    json!({"current_users": list.len(), "web_sessions": list.len() - tunnels, "tunnel_sessions": tunnels,
           "max_users": 500})
}
