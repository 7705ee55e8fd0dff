//! `system/*` (spec §3.7.9) except `config` and `config-revision` (see `config.rs`): time,
//! power, VDOM mode, admins, DHCP, firmware, resources, interfaces, certificates, object usage,
//! FortiGuard, HA (standalone) and the hardware-ish endpoints.

use serde_json::{json, Map, Value};

use super::runtime::{self, text, Image, Lease, AVAILABLE_IMAGES};
use super::{firewall, gen, log, Ctx, Fail, LifecycleAction, Out, SessionAction};
use crate::cmdb::{Target, ROOT};
use crate::model::{Command, Model};
use crate::schema::Registry;

pub(super) fn handle(ctx: &mut Ctx) -> Option<Result<Out, Fail>> {
    Some(run(ctx))
}

fn run(ctx: &mut Ctx) -> Result<Out, Fail> {
    match ctx.ep.path {
        "system/admin/toggle-vdom-mode" => toggle_vdom_mode(ctx),
        "system/current-admins/select" => Ok(Out::Json(current_admins(ctx))),
        "system/disconnect-admins/select" => disconnect_admins(ctx),
        "system/time/set" => time_set(ctx),
        "system/time/select" => Ok(Out::Json(time_json(ctx.now, ctx.rt.time_offset))),
        "system/os/reboot" | "system/os/shutdown" | "system/fsck/start" => power(ctx),
        "system/vdom-resource/select" => Ok(Out::Json(vdom_resource(ctx))),
        "system/dhcp/select" => Ok(Out::Json(dhcp_select(ctx))),
        "system/dhcp/revoke" => dhcp_revoke(ctx, false),
        "system/dhcp6/revoke" => dhcp_revoke(ctx, true),
        "system/firmware/select" => Ok(Out::Json(firmware(ctx))),
        "system/firmware/upgrade" => firmware_upgrade(ctx),
        "system/storage/select" => Ok(Out::Json(storage(ctx))),
        "system/change-password/select" => change_password(ctx),
        "system/password-policy-conform/select" => {
            let pw = ctx.args.required_str("password")?;
            // No `system password-policy` in this build: the factory policy (disabled) only
            // refuses an empty password, which `required_str` already did.
            Ok(Out::Json(json!({"is_conformant": !pw.is_empty(), "policy_status": "disable"})))
        }
        "system/csf/select" => Ok(Out::Json(json!({
            "devices": {"fortigate": [{"serial": ctx.model.identity.serial, "host_name": ctx.model.identity.hostname,
                "firmware_version_major": 5, "firmware_version_minor": 6, "firmware_version_patch": 0,
                "is_root": true, "downstream": []}]},
            "status": "disable",
        }))),
        "system/modem/select" => Ok(Out::Json(modem(ctx))),
        "system/modem/reset" => {
            ctx.rt.resets.insert("modem".into(), ctx.now);
            Ok(Out::Json(json!({})))
        }
        "system/modem/connect" | "system/modem/disconnect" => {
            let up = ctx.ep.action() == "connect";
            ctx.rt.state.insert("modem".into(), json!({"connected": up, "since": ctx.now}));
            Ok(Out::Json(json!({})))
        }
        "system/3g-modem/select" => Ok(Out::Json(json!([
            {"vendor": "Huawei", "model": "E3372", "vendor_id": "12d1", "product_id": "14dc"},
            {"vendor": "Sierra Wireless", "model": "AirCard 340U", "vendor_id": "1199", "product_id": "9051"},
            {"vendor": "ZTE", "model": "MF823", "vendor_id": "19d2", "product_id": "1403"},
        ]))),
        "system/resource/usage" => resource_usage(ctx),
        "system/sniffer/select" => Ok(Out::Json(json!([]))),
        "system/sniffer/restart"
        | "system/sniffer/start"
        | "system/sniffer/stop"
        | "system/sniffer/download" => {
            // No packet-capture entry is configurable in this build.
            ctx.args.required_int("mkey").and_then(|id| Err(Fail::no_entry(format!("packet capture {id}"))))
        }
        "system/fsw/select" => Ok(Out::Json(json!([]))),
        "system/fsw/update" => {
            let name = ctx.args.required_str("fswname")?;
            Err(Fail::no_entry(format!("FortiSwitch {name}")))
        }
        "system/fsw/restart" | "system/fsw/upgrade" => {
            let name = ctx.args.required_str("mkey")?;
            Err(Fail::no_entry(format!("FortiSwitch {name}")))
        }
        "system/fsw-firmware/select" => Ok(Out::Json(json!({}))),
        "system/interface/select" => interface_select(ctx),
        "system/available-interfaces/select" => Ok(Out::Json(available_interfaces(ctx, false))),
        "system/available-interfaces/ha" => Ok(Out::Json(available_interfaces(ctx, true))),
        "system/interface-bandwidth/select" => Ok(Out::Json(interface_bandwidth(ctx))),
        "system/acquired-dns/select" => Ok(Out::Json(acquired_dns(ctx))),
        "system/resolve-fqdn/select" => resolve_fqdn(ctx),
        "system/usb-log/select" => Ok(Out::Json(json!({"usb_present": false, "log_size": 0}))),
        "system/usb-log/start" | "system/usb-log/stop" => Err(Fail::invalid("no USB disk attached")),
        "system/ipconf/select" => ipconf(ctx),
        "system/fortiguard/update" => {
            ctx.rt.license.last_update = ctx.now;
            Ok(Out::Json(json!({"status": "success"})))
        }
        "system/fortiguard/clear-cache" => {
            ctx.rt.resets.insert("fortiguard-cache".into(), ctx.now);
            Ok(Out::Json(json!({})))
        }
        "system/fortiguard/test-availability" => Ok(Out::Json(json!({
            "antivirus": true, "ips": true, "webfilter": true, "antispam": true, "outbreak_prevention": true,
        }))),
        "system/fortiguard/server-info" => Ok(Out::Json(fortiguard_servers(ctx))),
        "system/fortimanager/status" => Ok(Out::Json(
            ctx.rt
                .state
                .get("fortimanager")
                .cloned()
                .unwrap_or_else(|| json!({"status": "not-registered", "fortimanager_ip": ""})),
        )),
        "system/fortimanager/config" => {
            let ip = ctx.args.required_str("fortimanager_ip")?;
            if ctx.args.flag("unregister").unwrap_or(false) {
                ctx.rt.state.remove("fortimanager");
            } else {
                ctx.rt.state.insert(
                    "fortimanager".into(),
                    json!({"status": "registered", "fortimanager_ip": ip, "since": ctx.now}),
                );
            }
            Ok(Out::Json(json!({})))
        }
        "system/available-certificates/select" => available_certificates(ctx),
        "system/certificate/download" => certificate_download(ctx),
        "system/debug/select" => {
            let msg = ctx.args.required_str("msg")?;
            let kind = ctx.args.required_str("type")?;
            let file = ctx.args.required_str("file")?;
            let line = ctx.args.required_str("line")?;
            let (vdom, user) = (ctx.vdom.clone(), ctx.user().to_string());
            ctx.rt.log_event(
                ctx.now,
                &vdom,
                "system",
                "debug",
                &user,
                &format!("GUI {kind}: {msg} ({file}:{line})"),
            );
            Ok(Out::Json(json!({})))
        }
        "system/debug/download" => Ok(Out::File {
            content_type: "text/plain".into(),
            filename: format!("{}_debug.log", ctx.model.identity.hostname),
            bytes: tech_support(ctx).into_bytes(),
        }),
        "system/com-log/dump" => {
            ctx.rt.state.insert("com-log".into(), json!({"started": ctx.now}));
            Ok(Out::Json(json!({})))
        }
        "system/com-log/update" => Ok(Out::Json(json!({"progress": com_log_progress(ctx)}))),
        "system/com-log/download" => match com_log_progress(ctx) {
            100 => Ok(Out::File {
                content_type: "text/plain".into(),
                filename: "comlog.txt".into(),
                bytes: log::event_text(ctx.rt).into_bytes(),
            }),
            _ => Err(Fail::no_entry("no finished com-log dump")),
        },
        "system/botnet/stat" => {
            Ok(Out::Json(json!({"count": botnet_count(ctx, "ip"), "version": "4.00158"})))
        }
        "system/botnet-domains/stat" => {
            Ok(Out::Json(json!({"count": botnet_count(ctx, "domain"), "version": "1.00312"})))
        }
        "system/botnet/select" => botnet_list(ctx, "ip"),
        "system/botnet-domains/select" => botnet_list(ctx, "domain"),
        "system/ha-statistics/select" => Ok(Out::Json(json!([ha_member(ctx)]))),
        "system/ha-checksums/select" => Ok(Out::Json(ha_checksums(ctx))),
        "system/ha-peer/select" => ha_peer(ctx),
        "system/ha-peer/update" => ha_update(ctx),
        "system/ha-peer/disconnect" => {
            let serial = ctx.args.required_str("serial_no")?;
            for p in ["interface", "ip", "mask"] {
                ctx.args.required_str(p)?;
            }
            if serial == ctx.model.identity.serial {
                Err(Fail::invalid("a standalone unit cannot disconnect itself"))
            } else {
                Err(Fail::no_entry(format!("HA member {serial}")))
            }
        }
        "system/link-monitor/select" => match ctx.args.str("mkey") {
            Some(m) if !m.is_empty() => Err(Fail::no_entry(format!("link monitor {m}"))),
            _ => Ok(Out::Json(json!({}))),
        },
        "system/compliance/run" => {
            ctx.rt.state.insert(format!("{}:compliance", ctx.vdom), json!({"last_run": ctx.now}));
            Ok(Out::Json(json!({})))
        }
        "system/sandbox/status" => {
            Ok(Out::Json(json!({"configured": false, "status": "disable", "server": ""})))
        }
        "system/sandbox/stats" => {
            Ok(Out::Json(json!({"detected": 0, "clean": 0, "risk_low": 0, "risk_med": 0,
            "risk_high": 0, "submitted": 0})))
        }
        "system/object/usage" => object_usage(ctx),
        "system/timezone/select" => Ok(Out::Json(timezones())),
        "system/vmlicense/upload" => {
            let bytes = upload_bytes(ctx)?;
            if bytes.is_empty() {
                return Err(Fail::invalid("empty licence file"));
            }
            ctx.rt.license.vm_licensed = true;
            let (vdom, user) = (ctx.vdom.clone(), ctx.user().to_string());
            ctx.rt.log_event(ctx.now, &vdom, "system", "notice", &user, "VM license uploaded");
            Ok(Out::Lifecycle(LifecycleAction::Reboot, json!({"status": "success"})))
        }
        "system/sensor-info/select" => Ok(Out::Json(sensors(ctx))),
        "system/audit/select" => Ok(Out::Json(audit(ctx))),
        "system/fortiguard-blacklist/select" => {
            let ip = ctx.args.required_str("ip")?;
            let v = gen::ip4(&ip).ok_or_else(|| Fail::invalid(format!("ip {ip}")))?;
            ctx.args.int("timeout")?;
            Ok(Out::Json(
                json!({"blacklisted": gen::below(ctx.seed(), "blacklist", &[i64::from(v)], 10) == 0}),
            ))
        }
        _ => Err(Fail::not_found("endpoint not modelled")),
    }
}

/// `system/status` of later firmware (profile `firmware_extras`).
pub(super) fn status_extra(model: &Model, now: i64) -> Value {
    json!({
        "model_name": "FortiGate", "model_number": model.identity.model.trim_start_matches("FGT").trim_start_matches("FG"),
        "model": model.identity.model, "hostname": model.identity.hostname, "log_disk_status": "available",
        "uptime": (now - model.revision.boot_epoch).max(0),
    })
}

/// The file of an upload endpoint: `file_content` (base64) or the multipart file part.
pub(super) fn upload_bytes(ctx: &Ctx) -> Result<Vec<u8>, Fail> {
    match (ctx.args.str("file_content").filter(|s| !s.is_empty()), &ctx.req.upload) {
        (Some(b64), _) => gen::b64_decode(&b64).ok_or_else(|| Fail::invalid("file_content is not base64")),
        (None, Some(bytes)) => Ok(bytes.clone()),
        (None, None) => Err(Fail::missing("file_content")),
    }
}

fn toggle_vdom_mode(ctx: &mut Ctx) -> Result<Out, Fail> {
    let reg = Registry::builtin();
    let on = ctx
        .model
        .cmdb
        .singleton(reg, "system/global", ROOT)
        .is_some_and(|g| text(g, "vdom-admin") == "enable");
    if on && ctx.model.vdom_names().len() > 1 {
        return Err(Fail::invalid("delete every VDOM but root before disabling VDOM mode"));
    }
    let new = if on { "disable" } else { "enable" };
    ctx.model
        .apply(
            ctx.now,
            Command::Update {
                target: Target::table("system/global", ROOT),
                body: json!({"vdom-admin": new}),
            },
        )
        .map_err(|e| Fail { status: e.http_status(), error: e.error_code(), reason: e.to_string() })?;
    let user = ctx.user().to_string();
    ctx.rt.log_event(ctx.now, ROOT, "system", "warning", &user, &format!("VDOM mode {new}d"));
    Ok(Out::Sessions(SessionAction::DisconnectAll, json!({"vdom_mode": new == "enable"})))
}

fn current_admins(ctx: &Ctx) -> Value {
    ctx.req
        .admins
        .iter()
        .map(|a| {
            json!({"id": a.id, "admin": a.admin, "srcip": a.srcip, "method": a.method, "profile": a.profile,
                   "vdom": a.vdom, "time": a.login_time})
        })
        .collect()
}

fn disconnect_admins(ctx: &mut Ctx) -> Result<Out, Fail> {
    let mut which: Vec<(u32, String)> = Vec::new();
    if let Some(id) = ctx.args.int("id")? {
        let method = ctx.args.str("method").unwrap_or_else(|| "https".into());
        which.push((u32::try_from(id).map_err(|_| Fail::invalid("id"))?, method));
    }
    for a in ctx.args.list("admins") {
        let id = a.get("id").and_then(super::args::parse_int).ok_or_else(|| Fail::bad("admins[].id"))?;
        let method = a.get("method").and_then(Value::as_str).unwrap_or("https").to_string();
        which.push((u32::try_from(id).map_err(|_| Fail::invalid("id"))?, method));
    }
    if which.is_empty() {
        return Err(Fail::missing("id"));
    }
    for (id, method) in &which {
        if !ctx.req.admins.iter().any(|a| a.id == *id && a.method == *method) {
            return Err(Fail::no_entry(format!("admin session {id}/{method}")));
        }
    }
    Ok(Out::Sessions(SessionAction::Disconnect(which), json!({})))
}

fn time_json(now: i64, offset: i64) -> Value {
    let (y, m, d, hh, mm, ss) = gen::civil(now);
    json!({"time": now, "year": y, "month": m - 1, "day": d, "hour": hh, "minute": mm, "second": ss,
           "offset": offset, "datetime": gen::datetime(now)})
}

fn time_set(ctx: &mut Ctx) -> Result<Out, Fail> {
    let a = &ctx.args;
    let get = |k: &str, lo: i64, hi: i64| -> Result<i64, Fail> {
        let v = a.required_int(k)?;
        if (lo..=hi).contains(&v) {
            Ok(v)
        } else {
            Err(Fail::invalid(format!("{k} out of range")))
        }
    };
    let (y, mo, d) = (get("year", 1970, 2100)?, get("month", 0, 11)?, get("day", 1, 31)?);
    let (hh, mi, ss) = (get("hour", 0, 23)?, get("minute", 0, 59)?, get("second", 0, 59)?);
    let days = gen::days_from_civil(y, mo as u32 + 1, d as u32);
    if gen::civil_from_days(days) != (y, mo as u32 + 1, d as u32) {
        return Err(Fail::invalid("no such day in that month"));
    }
    let target = days * 86_400 + hh * 3600 + mi * 60 + ss;
    // `ctx.now` is clock + old offset: keep clock time and move the offset.
    let clock = ctx.now - ctx.rt.time_offset;
    ctx.rt.time_offset = target - clock;
    let (vdom, user) = (ctx.vdom.clone(), ctx.user().to_string());
    ctx.rt.log_event(
        target,
        &vdom,
        "system",
        "notice",
        &user,
        &format!("System time set to {}", gen::datetime(target)),
    );
    Ok(Out::Json(time_json(target, ctx.rt.time_offset)))
}

fn power(ctx: &mut Ctx) -> Result<Out, Fail> {
    let msg = ctx.args.str("event_log_message").unwrap_or_default();
    let (what, action) = match ctx.ep.path {
        "system/os/shutdown" => ("shutdown", LifecycleAction::Shutdown),
        "system/fsck/start" => ("reboot with file-system check", LifecycleAction::Reboot),
        _ => ("reboot", LifecycleAction::Reboot),
    };
    let user = ctx.user().to_string();
    let text = if msg.is_empty() {
        format!("User {user} requested {what}")
    } else {
        format!("User {user} requested {what}: {msg}")
    };
    ctx.rt.log_event(ctx.now, ROOT, "system", "critical", &user, &text);
    Ok(Out::Lifecycle(action, json!({})))
}

fn count(model: &Model, table: &str, vdom: &str) -> usize {
    model.cmdb.rows(Registry::builtin(), table, vdom).map(|r| r.len()).unwrap_or(0)
}

fn vdom_resource(ctx: &Ctx) -> Value {
    let v = &ctx.vdom;
    let m = &*ctx.model;
    let sessions = ctx.rt.sessions(m, v, ctx.now).len();
    let item =
        |n: usize, max: usize| json!({"current_usage": n, "usage_percent": n * 100 / max.max(1), "max": max});
    json!({
        "cpu": cpu(ctx, ctx.now) / 4,
        "memory": mem(ctx, ctx.now) / 4,
        "session": item(sessions, 1_000_000),
        "ipsec-phase1-interface": item(count(m, "vpn.ipsec/phase1-interface", v), 2000),
        "ipsec-phase2-interface": item(count(m, "vpn.ipsec/phase2-interface", v), 2000),
        "firewall-policy": item(count(m, "firewall/policy", v) + count(m, "firewall/policy6", v), 10_000),
        "firewall-address": item(count(m, "firewall/address", v) + count(m, "firewall/address6", v), 10_000),
        "firewall-addrgrp": item(count(m, "firewall/addrgrp", v) + count(m, "firewall/addrgrp6", v), 2500),
        "custom-service": item(count(m, "firewall.service/custom", v), 4096),
        "service-group": item(count(m, "firewall.service/group", v), 2000),
        "onetime-schedule": item(count(m, "firewall.schedule/onetime", v), 256),
        "recurring-schedule": item(count(m, "firewall.schedule/recurring", v), 256),
        "user": item(count(m, "user/local", v), 1000),
        "user-group": item(count(m, "user/group", v), 500),
        "sslvpn": item(ctx.rt.vdoms.get(v).map_or(0, |r| r.ssl.len()), 500),
    })
}

/// DHCP leases of `vdom` at `now`: injected leases plus synthetic ones of the enabled
/// servers (a few clients per server, re-issued each lease period), minus revoked ones.
pub(super) fn leases(ctx: &Ctx, ipv6: bool) -> Vec<Lease> {
    let reg = Registry::builtin();
    let vr = ctx.rt.vdoms.get(&ctx.vdom);
    let mut out: Vec<Lease> = vr
        .map(|v| v.leases.iter().filter(|l| l.ipv6 == ipv6 && l.expire_time > ctx.now).cloned().collect())
        .unwrap_or_default();
    if ipv6 || !ctx.rt.synthetic_traffic {
        return out;
    }
    let seed = ctx.seed();
    let Ok(rows) = ctx.model.cmdb.rows(reg, "system.dhcp/server", &ctx.vdom) else { return out };
    const HOSTS: &[&str] =
        &["laptop-anna", "iphone-ben", "printer-2f", "desk-042", "android-cam", "nas01", "voip-17"];
    for (id, s) in rows.iter().filter(|(_, s)| text(s, "status") != "disable") {
        let sid: i64 = id.parse().unwrap_or(0);
        let lease_time = match runtime::int(s, "lease-time") {
            0 => 604_800,
            t => t,
        };
        let period = ctx.now.div_euclid(lease_time);
        let issued_base = period * lease_time;
        let Some(range) =
            s.get("ip-range").and_then(Value::as_array).and_then(|r| r.first()).and_then(Value::as_object)
        else {
            continue;
        };
        let (Some(lo), Some(hi)) = (gen::ip4(text(range, "start-ip")), gen::ip4(text(range, "end-ip")))
        else {
            continue;
        };
        if hi < lo {
            continue;
        }
        let n = 1 + gen::below(seed, "dhcp-n", &[sid, period], 5);
        for i in 0..n as i64 {
            let k = [sid, period, i];
            let issued = issued_base + gen::below(seed, "dhcp-at", &k, (lease_time / 4).max(1) as u64) as i64;
            if issued > ctx.now {
                continue;
            }
            let ip = gen::ip4_str(lo + (i as u32).min(hi - lo));
            let revoked = vr
                .is_some_and(|v| issued < v.revoked_before || v.revoked.contains(&format!("{ip}|{issued}")));
            if revoked {
                continue;
            }
            out.push(Lease {
                ip,
                mac: gen::mac(gen::h(seed, "dhcp-mac", &k)),
                hostname: HOSTS[gen::below(seed, "dhcp-host", &k, HOSTS.len() as u64) as usize].to_string(),
                interface: text(s, "interface").to_string(),
                server_mkey: sid,
                issued,
                expire_time: issued + lease_time,
                ipv6: false,
            });
        }
    }
    out
}

fn lease_json(l: &Lease, vdom: &str) -> Value {
    json!({"ip": l.ip, "mac": l.mac, "hostname": l.hostname, "interface": l.interface, "server_mkey": l.server_mkey,
           "expire_time": l.expire_time, "status": "leased", "type": if l.ipv6 { "ipv6" } else { "ipv4" }, "vdom": vdom})
}

fn dhcp_select(ctx: &Ctx) -> Value {
    let mut all = leases(ctx, false);
    if ctx.args.flag("ipv6").unwrap_or(false) {
        all.extend(leases(ctx, true));
    }
    all.iter().map(|l| lease_json(l, &ctx.vdom)).collect()
}

fn dhcp_revoke(ctx: &mut Ctx, ipv6: bool) -> Result<Out, Fail> {
    let ips = ctx.args.str_list("ip");
    let current = leases(ctx, ipv6);
    let now = ctx.now;
    let vr = ctx.rt.vdom(&ctx.vdom);
    if ips.is_empty() {
        vr.leases.retain(|l| l.ipv6 != ipv6);
        if ipv6 {
            vr.revoked6_before = now + 1;
        } else {
            vr.revoked_before = now + 1;
        }
        return Ok(Out::Json(json!({"revoked": current.len()})));
    }
    let mut n = 0;
    for ip in &ips {
        let before = vr.leases.len();
        vr.leases.retain(|l| !(l.ipv6 == ipv6 && &l.ip == ip));
        n += before - vr.leases.len();
        for l in current.iter().filter(|l| &l.ip == ip) {
            let k = format!("{}|{}", l.ip, l.issued);
            if !vr.revoked.contains(&k) {
                vr.revoked.push(k);
                n += 1;
            }
        }
    }
    vr.revoked.retain(|k| {
        k.rsplit('|').next().and_then(|s| s.parse::<i64>().ok()).is_some_and(|t| t + 8_640_000 > now)
    });
    Ok(Out::Json(json!({"revoked": n})))
}

fn image_json(version: &str, build: u32, platform: &str) -> Value {
    json!({"version": version, "build": build, "platform-id": platform,
           "name": format!("{platform}-{}-FW-build{build}", version.trim_start_matches('v').replacen(".6", ".06", 1))})
}

fn firmware(ctx: &Ctx) -> Value {
    let id = &ctx.model.identity;
    let current_build = id.build;
    let available: Vec<Value> = AVAILABLE_IMAGES
        .iter()
        .filter(|(_, b)| *b > current_build)
        .map(|(v, b)| image_json(v, *b, &id.model))
        .collect();
    json!({"current": image_json(&id.version, id.build, &id.model), "available": available,
           "pending": ctx.rt.pending_firmware.as_ref().map(|i| image_json(&i.version, i.build, &id.model))})
}

fn firmware_upgrade(ctx: &mut Ctx) -> Result<Out, Fail> {
    let source = ctx.args.required_str("source")?;
    let current = ctx.model.identity.build;
    let next = |name: Option<&str>| -> Option<Image> {
        AVAILABLE_IMAGES
            .iter()
            .filter(|(v, b)| *b > current && name.map_or(true, |n| n.contains(&b.to_string()) || n == *v))
            .map(|(v, b)| Image { version: (*v).to_string(), build: *b })
            .next()
    };
    let img = match source.as_str() {
        "upload" => {
            let bytes = upload_bytes(ctx)?;
            if bytes.is_empty() {
                return Err(Fail::invalid("empty firmware image"));
            }
            ctx.rt
                .state
                .get("upgrade_target")
                .and_then(|v| serde_json::from_value(v.clone()).ok())
                .or_else(|| next(None))
        }
        "fortiguard" => {
            let name = ctx.args.required_str("filename")?;
            Some(next(Some(&name)).ok_or_else(|| Fail::no_entry(format!("image {name}")))?)
        }
        "usb" => return Err(Fail::invalid("no USB disk attached")),
        other => return Err(Fail::invalid(format!("source {other}"))),
    };
    let img = img.ok_or_else(|| Fail::invalid("no newer image"))?;
    let user = ctx.user().to_string();
    ctx.rt.log_event(
        ctx.now,
        ROOT,
        "system",
        "critical",
        &user,
        &format!("Firmware upgrade to {} build{} requested", img.version, img.build),
    );
    ctx.rt.pending_firmware = Some(img);
    Ok(Out::Lifecycle(LifecycleAction::Reboot, json!({"status": "success"})))
}

fn storage(ctx: &Ctx) -> Value {
    let used = log::disk_used(ctx.model, ctx.rt, ctx.now);
    json!({"name": "Internal", "type": "SSD", "size": 15_000_000_000u64 / 1_000_000, "used": used / 1_000_000,
           "status": "available", "partition_count": 1})
}

fn change_password(ctx: &mut Ctx) -> Result<Out, Fail> {
    let reg = Registry::builtin();
    let admin = ctx.args.str("mkey").filter(|s| !s.is_empty()).unwrap_or_else(|| ctx.user().to_string());
    let new = ctx.args.required_str("new_password")?;
    let row = ctx
        .model
        .cmdb
        .get(reg, "system/admin", ROOT, &admin)
        .ok_or_else(|| Fail::no_entry(format!("admin {admin}")))?;
    let stored = crate::value::decode_secret(text(row, "password")).unwrap_or_default();
    let old = ctx.args.str("old_password").unwrap_or_default();
    if stored != old {
        return Err(Fail { status: 403, error: None, reason: "old password does not match".into() });
    }
    ctx.model
        .apply(
            ctx.now,
            Command::Update {
                target: Target::entry("system/admin", ROOT, &admin),
                body: json!({"password": new}),
            },
        )
        .map_err(|e| Fail { status: e.http_status(), error: e.error_code(), reason: e.to_string() })?;
    let user = ctx.user().to_string();
    ctx.rt.log_event(ctx.now, ROOT, "system", "notice", &user, &format!("Password of admin {admin} changed"));
    Ok(Out::Json(json!({})))
}

fn modem(ctx: &Ctx) -> Value {
    let st = ctx.rt.state.get("modem").cloned().unwrap_or_else(|| json!({"connected": false, "since": 0}));
    let up = st["connected"].as_bool().unwrap_or(false);
    let since = ctx.rt.resets.get("modem").copied().unwrap_or(0).max(st["since"].as_i64().unwrap_or(0));
    let secs = if up { (ctx.now - since).max(0) } else { 0 };
    json!({"status": if up { "connected" } else { "disconnected" }, "connect_time": secs,
           "bytes_in": secs * 1200, "bytes_out": secs * 300, "signal_strength": if up { 68 } else { 0 }})
}

/// CPU percent at `t`: a seeded baseline, a slow wave and the session load.
/// CPU percent at `t`: a seeded baseline, a slow wave and the load of `sessions` live
/// sessions.
pub(super) fn cpu_at(ctx: &Ctx, t: i64, sessions: usize) -> i64 {
    let seed = ctx.seed();
    let base = gen::range(seed, "cpu-base", &[], 2, 12);
    base + gen::range(seed, "cpu", &[t.div_euclid(30)], 0, 8) + (sessions as i64 / 50).min(60)
}

/// CPU percent now.
pub(super) fn cpu(ctx: &Ctx, t: i64) -> i64 {
    cpu_at(ctx, t, ctx.rt.sessions(ctx.model, &ctx.vdom, t).len())
}

fn objects(ctx: &Ctx) -> usize {
    ["firewall/address", "firewall/policy", "firewall/policy6"]
        .iter()
        .map(|tb| count(ctx.model, tb, &ctx.vdom))
        .sum()
}

/// Memory percent at `t` for a configuration of `objects` objects.
fn mem_at(ctx: &Ctx, t: i64, objects: usize) -> i64 {
    let seed = ctx.seed();
    gen::range(seed, "mem-base", &[], 38, 46)
        + gen::range(seed, "mem", &[t.div_euclid(300)], 0, 3)
        + (objects / 500) as i64
}

pub(super) fn mem(ctx: &Ctx, t: i64) -> i64 {
    mem_at(ctx, t, objects(ctx))
}

/// What the resource series need, computed once per request.
struct Load {
    sessions: i64,
    objects: usize,
    logging_total: usize,
    logging_ids: Vec<i64>,
}

fn resource_value(ctx: &Ctx, key: &str, t: i64, load: &Load) -> i64 {
    match key {
        "cpu" => cpu_at(ctx, t, load.sessions as usize).min(100),
        "mem" => mem_at(ctx, t, load.objects).min(100),
        "disk" => {
            (log::disk_used_with(ctx.model, ctx.rt, t, load.logging_total) * 100 / log::DISK_TOTAL) as i64
        }
        "session" => {
            if t == ctx.now {
                load.sessions
            } else {
                (load.sessions + gen::range(ctx.seed(), "sess-hist", &[t.div_euclid(60)], -3, 3)).max(0)
            }
        }
        _ => log::rate_with(ctx.model, &ctx.vdom, &load.logging_ids, t) as i64,
    }
}

fn resource_usage(ctx: &Ctx) -> Result<Out, Fail> {
    const RES: &[(&str, &str)] = &[
        ("cpu", "cpu"),
        ("memory", "mem"),
        ("disk", "disk"),
        ("sessions", "session"),
        ("lograte", "lograte"),
    ];
    const INTERVALS: &[(&str, i64, i64)] = &[
        ("1-min", 3, 20),
        ("10-min", 30, 20),
        ("30-min", 60, 30),
        ("1-hour", 60, 60),
        ("12-hour", 600, 72),
        ("24-hour", 600, 144),
    ];
    let res: Vec<&(&str, &str)> = match ctx.args.str("resource") {
        None => RES.iter().collect(),
        Some(r) => {
            vec![RES.iter().find(|(n, _)| *n == r).ok_or_else(|| Fail::invalid(format!("resource {r}")))?]
        }
    };
    let ivs: Vec<&(&str, i64, i64)> = match ctx.args.str("interval") {
        None => INTERVALS.iter().collect(),
        Some(i) => vec![INTERVALS
            .iter()
            .find(|(n, _, _)| *n == i)
            .ok_or_else(|| Fail::invalid(format!("interval {i}")))?],
    };
    let load = Load {
        sessions: ctx.rt.sessions(ctx.model, &ctx.vdom, ctx.now).len() as i64,
        objects: objects(ctx),
        logging_total: log::logging_total(ctx.model, ctx.rt),
        logging_ids: log::logging_ids(ctx.model, ctx.rt, &ctx.vdom),
    };
    let mut out = Map::new();
    for (_, key) in res {
        let mut hist = Map::new();
        for (name, step, points) in &ivs {
            let end = ctx.now - ctx.now.rem_euclid(*step);
            let values: Vec<(i64, i64)> = (0..*points)
                .rev()
                .map(|i| {
                    let t = end - i * step;
                    (t, resource_value(ctx, key, t, &load))
                })
                .collect();
            let max = values.iter().map(|v| v.1).max().unwrap_or(0);
            let min = values.iter().map(|v| v.1).min().unwrap_or(0);
            let avg = values.iter().map(|v| v.1).sum::<i64>() / (*points).max(1);
            hist.insert(
                (*name).to_string(),
                json!({"values": values.iter().map(|(t, v)| json!([t, v])).collect::<Vec<_>>(), "max": max, "min": min,
                       "average": avg, "start": values.first().map_or(end, |v| v.0), "end": end}),
            );
        }
        out.insert(
            (*key).to_string(),
            json!([{"current": resource_value(ctx, key, ctx.now, &load), "historical": hist}]),
        );
    }
    Ok(Out::Json(Value::Object(out)))
}

/// Per-interface rates (bytes/s rx, tx) from the seed; down interfaces carry nothing.
fn rates(ctx: &Ctx, name: &str) -> (u64, u64) {
    let seed = ctx.seed();
    let rx = gen::range(seed, "if-rx", &[gen::h(0, name, &[]) as i64], 2_000, 400_000) as u64;
    let tx = gen::range(seed, "if-tx", &[gen::h(0, name, &[]) as i64], 1_000, 120_000) as u64;
    (rx, tx)
}

fn interfaces<'a>(ctx: &'a Ctx) -> Vec<(&'a String, &'a Map<String, Value>)> {
    let reg = Registry::builtin();
    ctx.model
        .cmdb
        .rows(reg, "system/interface", ROOT)
        .map(|rows| rows.iter().filter(|(_, i)| text(i, "vdom") == ctx.vdom).collect())
        .unwrap_or_default()
}

fn mac_of(ctx: &Ctx, name: &str, i: &Map<String, Value>) -> String {
    match text(i, "macaddr") {
        "" | "00:00:00:00:00:00" => gen::mac(gen::h(ctx.seed(), "if-mac", &[gen::h(0, name, &[]) as i64])),
        m => m.to_string(),
    }
}

fn interface_select(ctx: &Ctx) -> Result<Out, Fail> {
    let only = ctx.args.str("interface_name").filter(|s| !s.is_empty());
    let vlans = ctx.args.flag("include_vlan").unwrap_or(false);
    let up_secs = (ctx.now - ctx.model.revision.boot_epoch).max(0) as u64;
    let mut out = Map::new();
    for (name, i) in interfaces(ctx) {
        if only.as_ref().is_some_and(|o| o != name) || (text(i, "type") == "vlan" && !vlans && only.is_none())
        {
            continue;
        }
        let up = text(i, "status") != "down";
        let (rx, tx) = if up { rates(ctx, name) } else { (0, 0) };
        let (ip, mask) = gen::subnet(text(i, "ip")).unwrap_or((0, 0));
        let speed = match text(i, "speed") {
            "10full" | "10half" => 10,
            "100full" | "100half" => 100,
            _ if text(i, "type") == "tunnel" => 0,
            _ => 1000,
        };
        let (rx_b, tx_b) = (rx * up_secs, tx * up_secs);
        out.insert(
            name.clone(),
            json!({
                "id": name, "name": name, "alias": text(i, "alias"), "mac": mac_of(ctx, name, i),
                "ip": gen::ip4_str(ip), "mask": gen::mask_len(mask), "link": up, "speed": speed,
                "duplex": i32::from(!text(i, "speed").ends_with("half")), "type": text(i, "type"),
                "tx_packets": tx_b / 700, "rx_packets": rx_b / 900, "tx_bytes": tx_b, "rx_bytes": rx_b,
                "tx_errors": 0, "rx_errors": up_secs / 86_400,
            }),
        );
    }
    if let Some(o) = only {
        if out.is_empty() {
            return Err(Fail::no_entry(format!("interface {o}")));
        }
    }
    Ok(Out::Json(Value::Object(out)))
}

fn available_interfaces(ctx: &Ctx, ha: bool) -> Value {
    let reg = Registry::builtin();
    let refs = ctx.model.cmdb.ref_counts(reg, "system/interface", &ctx.vdom).unwrap_or_default();
    interfaces(ctx)
        .into_iter()
        .map(|(name, i)| {
            let (ip, mask) = gen::subnet(text(i, "ip")).unwrap_or((0, 0));
            let mut o = json!({
                "name": name, "alias": text(i, "alias"), "type": text(i, "type"), "role": text(i, "role"),
                "vdom": text(i, "vdom"), "status": text(i, "status"), "is_used": refs.get(name).copied().unwrap_or(0) > 0,
                "ref_count": refs.get(name).copied().unwrap_or(0), "mac_address": mac_of(ctx, name, i),
                "ipv4_addresses": if ip == 0 { json!([]) } else {
                    json!([{"ip": gen::ip4_str(ip), "netmask": gen::ip4_str(mask), "cidr_netmask": gen::mask_len(mask)}])
                },
                "is_physical": text(i, "type") == "physical", "dhcp_interface": text(i, "mode") == "dhcp",
            });
            if ha {
                o["is_ha_management"] = json!(false);
                o["is_ha_heartbeat"] = json!(false);
            }
            o
        })
        .collect()
}

fn interface_bandwidth(ctx: &Ctx) -> Value {
    let slot = ctx.now.div_euclid(10);
    let mut out = Map::new();
    for (name, i) in interfaces(ctx) {
        let up = text(i, "status") != "down";
        let (rx, tx) = if up { rates(ctx, name) } else { (0, 0) };
        let jitter = |x: u64, tag: &str| {
            x * (80 + gen::below(ctx.seed(), tag, &[slot, gen::h(0, name, &[]) as i64], 40)) / 100
        };
        out.insert(
            name.clone(),
            json!({"rx_bandwidth": jitter(rx, "bw-rx") * 8, "tx_bandwidth": jitter(tx, "bw-tx") * 8}),
        );
    }
    Value::Object(out)
}

fn acquired_dns(ctx: &Ctx) -> Value {
    interfaces(ctx)
        .into_iter()
        .filter(|(_, i)| matches!(text(i, "mode"), "dhcp" | "pppoe"))
        .map(|(name, i)| json!({"interface": name, "mode": text(i, "mode"), "dns": ["208.91.112.53", "208.91.112.52"]}))
        .collect()
}

fn resolve_fqdn(ctx: &Ctx) -> Result<Out, Fail> {
    let fqdns = ctx.args.str_list("fqdn");
    if fqdns.is_empty() {
        return Err(Fail::missing("fqdn"));
    }
    let ipv6 = ctx.args.flag("ipv6").unwrap_or(false);
    let mut out = Map::new();
    for f in fqdns {
        let ips: Vec<String> = if ipv6 {
            vec![format!(
                "2001:db8:{:x}::{:x}",
                gen::h(ctx.seed(), &f, &[6]) & 0xffff,
                gen::h(ctx.seed(), &f, &[7]) & 0xffff
            )]
        } else {
            firewall::fqdn_addrs(ctx.seed(), &f)
        };
        out.insert(f, json!(ips));
    }
    Ok(Out::Json(Value::Object(out)))
}

fn ipconf(ctx: &Ctx) -> Result<Out, Fail> {
    let ip = ctx.args.str("ipaddr").unwrap_or_default();
    let addr = if ip.is_empty() {
        None
    } else {
        Some(gen::ip4(&ip).ok_or_else(|| Fail::invalid(format!("ipaddr {ip}")))?)
    };
    let devs: Vec<String> = match ctx.args.object("dev") {
        Some(o) => o
            .values()
            .flat_map(|v| v.as_array().cloned().unwrap_or_else(|| vec![v.clone()]))
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        None => interfaces(ctx).into_iter().map(|(n, _)| n.clone()).collect(),
    };
    let leases = leases(ctx, false);
    let out: Vec<Value> = devs
        .iter()
        .map(|d| {
            let conflict = addr.is_some_and(|a| {
                interfaces(ctx)
                    .iter()
                    .any(|(n, i)| *n == d && gen::subnet(text(i, "ip")).is_some_and(|(x, _)| x == a))
                    || leases.iter().any(|l| &l.interface == d && gen::ip4(&l.ip) == Some(a))
            });
            json!({"dev": d, "ip": ip, "conflict": conflict})
        })
        .collect();
    Ok(Out::Json(Value::Array(out)))
}

fn fortiguard_servers(ctx: &Ctx) -> Value {
    let slot = ctx.now.div_euclid(60);
    ["208.91.112.194", "173.243.138.194", "96.45.33.89", "209.222.147.36"]
        .iter()
        .enumerate()
        .map(|(i, ip)| {
            json!({"ip": ip, "weight": 10 + i * 10, "rtt": gen::range(ctx.seed(), ip, &[slot], 8, 120),
                   "tz": -8 + i as i64 * 3, "flags": if i == 0 { "I" } else { "" }, "failed_count": 0})
        })
        .collect()
}

const CA_CERTS: &[&str] = &["Fortinet_CA", "Fortinet_CA_SSL", "Fortinet_CA_Untrusted", "Fortinet_Sub_CA"];

fn available_certificates(ctx: &Ctx) -> Result<Out, Fail> {
    let reg = Registry::builtin();
    let scope = ctx.args.str("scope").unwrap_or_else(|| "vdom".into());
    if !matches!(scope.as_str(), "vdom" | "global") {
        return Err(Fail::invalid(format!("scope {scope}")));
    }
    let mut out: Vec<Value> = ctx
        .model
        .cmdb
        .rows(reg, "vpn.certificate/local", ROOT)
        .map(|rows| {
            rows.iter()
                .filter(|(_, c)| scope == "vdom" || text(c, "range") != "vdom")
                .map(|(n, c)| json!({"name": n, "type": "local-cer", "source": text(c, "source"), "range": text(c, "range"),
                                     "exists": true, "is_local_ca_cert": false}))
                .collect()
        })
        .unwrap_or_default();
    out.extend(
        CA_CERTS.iter().map(
            |n| json!({"name": n, "type": "ca", "source": "factory", "range": "global", "exists": true}),
        ),
    );
    Ok(Out::Json(Value::Array(out)))
}

/// A PEM block whose body is derived from the device seed and the certificate name.
fn pem(seed: u64, name: &str) -> String {
    let der: Vec<u8> = (0..96).flat_map(|i| gen::h(seed, name, &[i]).to_be_bytes()).collect();
    let b64 = gen::b64_encode(&der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

fn certificate_download(ctx: &Ctx) -> Result<Out, Fail> {
    let reg = Registry::builtin();
    let name = ctx.args.required_str("mkey")?;
    let kind = ctx.args.required_str("type")?;
    let scope = ctx.args.str("scope").unwrap_or_else(|| "vdom".into());
    if !matches!(scope.as_str(), "vdom" | "global") {
        return Err(Fail::invalid(format!("scope {scope}")));
    }
    let exists = match kind.as_str() {
        "local" => ctx.model.cmdb.get(reg, "vpn.certificate/local", ROOT, &name).is_some(),
        "ca" => CA_CERTS.contains(&name.as_str()),
        "csr" | "remote" | "crl" => false,
        other => return Err(Fail::invalid(format!("type {other}"))),
    };
    if !exists {
        return Err(Fail::no_entry(format!("certificate {name}")));
    }
    Ok(Out::File {
        content_type: "application/x-x509-ca-cert".into(),
        filename: format!("{name}.cer"),
        bytes: pem(ctx.seed(), &format!("{kind}/{name}")).into_bytes(),
    })
}

fn tech_support(ctx: &Ctx) -> String {
    let id = &ctx.model.identity;
    format!(
        "Version: {} {},build{},170331 (GA)\nSerial-Number: {}\nHostname: {}\nSystem time: {}\nUptime: {} s\nCurrent HA mode: standalone\nConfiguration revision: {}\n\n{}",
        id.model,
        id.version,
        id.build,
        id.serial,
        id.hostname,
        gen::datetime(ctx.now),
        (ctx.now - ctx.model.revision.boot_epoch).max(0),
        ctx.model.revision_string(),
        log::event_text(ctx.rt)
    )
}

fn com_log_progress(ctx: &Ctx) -> i64 {
    match ctx.rt.state.get("com-log").and_then(|v| v["started"].as_i64()) {
        Some(t) => ((ctx.now - t) * 25).clamp(0, 100),
        None => 0,
    }
}

fn botnet_count(ctx: &Ctx, kind: &str) -> i64 {
    gen::range(ctx.seed(), "botnet", &[gen::h(0, kind, &[]) as i64], 200, 900)
}

fn botnet_list(ctx: &Ctx, kind: &str) -> Result<Out, Fail> {
    let n = botnet_count(ctx, kind);
    let seed = ctx.seed();
    let items: Vec<Value> = (0..n)
        .map(|i| {
            let x = gen::h(seed, kind, &[i]);
            if kind == "ip" {
                json!({"ip": gen::ip4_str(((x >> 32) as u32) | 0x0100_0000), "port": 80 + (x % 2) * 363,
                       "botnet_id": 1 + x % 90, "protocol": "tcp"})
            } else {
                json!({"domain": format!("c2-{:06x}.example", x & 0xff_ffff), "botnet_id": 1 + x % 90})
            }
        })
        .collect();
    Ok(Out::Json(Value::Array(ctx.args.window(items)?)))
}

fn ha_member(ctx: &Ctx) -> Value {
    json!({
        "serial_no": ctx.model.identity.serial, "hostname": ctx.model.identity.hostname, "vcluster_id": 0,
        "priority": 128, "is_manage_master": 1, "cpu_usage": cpu(ctx, ctx.now), "mem_usage": mem(ctx, ctx.now),
        "net_usage": 0, "sessions": ctx.rt.sessions(ctx.model, &ctx.vdom, ctx.now).len(),
        "uptime": (ctx.now - ctx.model.revision.boot_epoch).max(0),
    })
}

fn ha_checksums(ctx: &Ctx) -> Value {
    let mut sums = Map::new();
    let reg = Registry::builtin();
    let global = crate::cli::render_cmdb(reg, &ctx.model.cmdb);
    sums.insert(
        "all".into(),
        json!(format!(
            "{:032x}",
            u128::from(gen::h(1, &global, &[])) << 64 | u128::from(gen::h(2, &global, &[]))
        )),
    );
    for v in ctx.model.vdom_names() {
        let t = ctx.model.backup_text(Some(&v), "admin").unwrap_or_default();
        let body: String = t.lines().filter(|l| !l.starts_with('#')).collect::<Vec<_>>().join("\n");
        sums.insert(v, json!(format!("{:016x}", gen::h(3, &body, &[]))));
    }
    json!([{"serial_no": ctx.model.identity.serial, "is_manage_master": 1, "is_root_master": 1, "checksum": sums}])
}

fn ha_peer(ctx: &Ctx) -> Result<Out, Fail> {
    let serial = ctx.args.str("serial_no").filter(|s| !s.is_empty());
    ctx.args.int("vcluster_id")?;
    // Standalone unit: no peers; asking for another serial is an unknown member.
    match serial {
        Some(s) if s != ctx.model.identity.serial => Err(Fail::no_entry(format!("HA member {s}"))),
        _ => Ok(Out::Json(json!([]))),
    }
}

fn ha_update(ctx: &mut Ctx) -> Result<Out, Fail> {
    let serial = ctx.args.required_str("serial_no")?;
    if serial != ctx.model.identity.serial {
        return Err(Fail::no_entry(format!("HA member {serial}")));
    }
    if let Some(p) = ctx.args.int("priority")? {
        if !(0..=255).contains(&p) {
            return Err(Fail::invalid("priority out of range"));
        }
    }
    if let Some(h) = ctx.args.str("hostname").filter(|s| !s.is_empty()) {
        ctx.model
            .apply(
                ctx.now,
                Command::Update {
                    target: Target::table("system/global", ROOT),
                    body: json!({"hostname": h}),
                },
            )
            .map_err(|e| Fail { status: e.http_status(), error: e.error_code(), reason: e.to_string() })?;
        ctx.model.identity.hostname = h;
    }
    Ok(Out::Json(json!({})))
}

fn object_usage(ctx: &Ctx) -> Result<Out, Fail> {
    let reg = Registry::builtin();
    let mkey = ctx.args.required_str("mkey")?;
    let tables: Vec<String> = match (ctx.args.str("path"), ctx.args.str("name")) {
        (Some(p), Some(n)) if !p.is_empty() && !n.is_empty() => {
            let key = format!("{p}/{n}");
            if reg.get(&key).is_none() {
                return Err(Fail::not_found(format!("unknown table {key}")));
            }
            vec![key]
        }
        _ => reg
            .tables()
            .map(|t| t.key())
            .filter(|k| ctx.model.cmdb.get(reg, k, &ctx.vdom, &mkey).is_some())
            .collect(),
    };
    let mut using = Vec::new();
    let mut can_use = Vec::new();
    for t in &tables {
        if ctx.model.cmdb.get(reg, t, &ctx.vdom, &mkey).is_none() {
            return Err(Fail::no_entry(format!("{t} {mkey}")));
        }
        for who in ctx.model.cmdb.referrers(reg, t, &ctx.vdom, &mkey, None).unwrap_or_default() {
            let (table, key) = who.split_once(':').unwrap_or((who.as_str(), ""));
            let (p, n) = table.rsplit_once('/').unwrap_or((table, ""));
            using.push(json!({"path": p, "name": n, "mkey": key}));
        }
        for other in reg.tables() {
            if node_refers(&other.node, t) {
                let (p, n) = other
                    .key()
                    .rsplit_once('/')
                    .map(|(a, b)| (a.to_string(), b.to_string()))
                    .unwrap_or_default();
                let v = json!({"path": p, "name": n});
                if !can_use.contains(&v) {
                    can_use.push(v);
                }
            }
        }
    }
    Ok(Out::Json(json!({"currently_using": using, "can_use": can_use})))
}

fn node_refers(node: &crate::schema::Node, table: &str) -> bool {
    node.fields.iter().any(|f| {
        f.refs.iter().any(|r| r == table)
            || matches!(&f.ty, crate::schema::FieldType::Table(child) if node_refers(child, table))
    })
}

fn timezones() -> Value {
    json!([
        {"id": "01", "name": "(GMT-11:00) Midway Island, Samoa", "offset": -660, "dst": false},
        {"id": "04", "name": "(GMT-8:00) Pacific Time (US & Canada)", "offset": -480, "dst": true},
        {"id": "12", "name": "(GMT-5:00) Eastern Time (US & Canada)", "offset": -300, "dst": true},
        {"id": "00", "name": "(GMT) Greenwich Mean Time", "offset": 0, "dst": false},
        {"id": "26", "name": "(GMT) London, Edinburgh, Lisbon, Dublin", "offset": 0, "dst": true},
        {"id": "28", "name": "(GMT+1:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna", "offset": 60, "dst": true},
        {"id": "55", "name": "(GMT+5:30) Kolkata, Chennai, Mumbai, New Delhi", "offset": 330, "dst": false},
        {"id": "60", "name": "(GMT+8:00) Beijing, ChongQing, HongKong, Urumgi", "offset": 480, "dst": false},
        {"id": "65", "name": "(GMT+9:00) Tokyo, Osaka, Sapporo", "offset": 540, "dst": false},
        {"id": "71", "name": "(GMT+10:00) Sydney, Melbourne, Canberra", "offset": 600, "dst": true},
    ])
}

fn sensors(ctx: &Ctx) -> Value {
    let slot = ctx.now.div_euclid(60);
    let load = cpu(ctx, ctx.now);
    let seed = ctx.seed();
    json!([
        {"name": "CPU ON-DIE Temp", "type": "temperature", "value": 42 + load / 5 + gen::range(seed, "t-cpu", &[slot], 0, 3), "alarm": false},
        {"name": "TD1", "type": "temperature", "value": 35 + gen::range(seed, "t-td1", &[slot], 0, 2), "alarm": false},
        {"name": "+12V", "type": "voltage", "value": 12.06, "alarm": false},
        {"name": "+3.3V", "type": "voltage", "value": 3.31, "alarm": false},
        {"name": "FAN1", "type": "fan", "value": 3000 + gen::range(seed, "fan", &[slot], 0, 300) + load * 10, "alarm": false},
    ])
}

fn audit(ctx: &Ctx) -> Value {
    let reg = Registry::builtin();
    let mut failed = Vec::new();
    if let Some(a) = ctx.model.cmdb.get(reg, "system/admin", ROOT, "admin") {
        if text(a, "password").is_empty() {
            failed.push(json!({"id": 1, "name": "Admin password", "severity": "critical", "result": "fail"}));
        }
    }
    let open: Vec<String> = interfaces(ctx)
        .iter()
        .filter(|(_, i)| {
            text(i, "role") == "wan"
                && text(i, "allowaccess").split_whitespace().any(|s| s == "http" || s == "telnet")
        })
        .map(|(n, _)| (*n).clone())
        .collect();
    if !open.is_empty() {
        failed.push(json!({"id": 2, "name": "Unencrypted admin access on WAN", "severity": "high", "result": "fail", "interfaces": open}));
    }
    let policies = count(ctx.model, "firewall/policy", &ctx.vdom);
    let unused: Vec<String> = ctx
        .rt
        .policy_counters(ctx.model, &ctx.vdom, false, ctx.now)
        .into_iter()
        .filter(|(_, c)| c.hits == 0 && c.bytes == 0)
        .map(|(id, _)| id)
        .collect();
    if !unused.is_empty() {
        failed.push(json!({"id": 3, "name": "Unused policies", "severity": "low", "result": "fail", "policies": unused}));
    }
    let score = 100
        - failed
            .iter()
            .map(|f| match f["severity"].as_str() {
                Some("critical") => 50,
                Some("high") => 25,
                _ => 5,
            })
            .sum::<i64>();
    json!({"score": score.max(0), "policy_count": policies, "checks": 3, "results": failed})
}
