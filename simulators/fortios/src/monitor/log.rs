//! `log/*` (spec §3.7.7, §4.6): log devices, statistics and disk usage over the event log the
//! unit writes (logins, config changes, reboots, ...) and traffic logs generated from the accept
//! policies per 5-minute slot (deterministic per slot, bounded to the last 24 hours).

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::runtime::{names, passes_traffic, text, Runtime};
use super::{gen, Ctx, Fail, Out};
use crate::filter::Filter;
use crate::model::Model;
use crate::schema::Registry;

/// Length of a traffic-log slot (seconds).
const LOG_SLOT: i64 = 300;
/// Policies per VDOM that generate traffic logs (bounds the work per call).
const MAX_LOG_POLICIES: usize = 50;
/// Size of the log disk (bytes).
pub(super) const DISK_TOTAL: u64 = 15_000_000_000;
/// Average stored size of one log line (bytes).
const LOG_BYTES: u64 = 420;
const DAY: i64 = 86_400;

/// A log search (spec §4.6; no 5.6.0 endpoint exposes it, the control API and later-firmware
/// routes may).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LogQuery {
    /// `event` or `traffic`; empty = both.
    pub kind: String,
    /// Empty = root.
    pub vdom: String,
    /// CMDB filter expressions (`level==warning`, `dstport>=1000`), repeated = AND.
    pub filter: Vec<String>,
    pub start: usize,
    /// Page size; 0 = 50, at most 1000.
    pub rows: usize,
}

fn logging_policies(model: &Model, vdom: &str) -> Vec<(i64, Map<String, Value>)> {
    let reg = Registry::builtin();
    model
        .cmdb
        .rows(reg, "firewall/policy", vdom)
        .map(|rows| {
            rows.iter()
                .filter(|(_, p)| passes_traffic(p) && text(p, "logtraffic") != "disable")
                .take(MAX_LOG_POLICIES)
                .map(|(id, p)| (id.parse().unwrap_or(0), p.clone()))
                .collect()
        })
        .unwrap_or_default()
}

fn slot_count(seed: u64, vh: i64, pid: i64, slot: i64) -> u64 {
    gen::below(seed, "tlog-n", &[vh, pid, slot], 6)
}

/// Traffic logs of one slot, oldest first.
fn slot_logs(model: &Model, rt: &Runtime, vdom: &str, slot: i64) -> Vec<Map<String, Value>> {
    if !rt.synthetic_traffic {
        return Vec::new();
    }
    let seed = gen::seed_of(&model.identity);
    let vh = gen::h(seed, vdom, &[]) as i64;
    let mut out = Vec::new();
    for (pid, p) in logging_policies(model, vdom) {
        for i in 0..slot_count(seed, vh, pid, slot) as i64 {
            let k = [vh, pid, slot, i];
            let t = slot * LOG_SLOT + gen::below(seed, "tlog-t", &k, LOG_SLOT as u64) as i64;
            let (net, mask) = names(&p, "srcintf")
                .first()
                .and_then(|i| super::runtime::interface_ip(model, i))
                .unwrap_or((0x0a00_0000, 0xffff_ff00));
            let src =
                (net & mask) | (2 + gen::below(seed, "tlog-src", &k, u64::from(!mask).max(4) - 3) as u32);
            let dport = [443u32, 80, 53, 123, 22][gen::below(seed, "tlog-port", &k, 5) as usize];
            let v = json!({
                "time": t, "type": "traffic", "subtype": "forward", "level": "notice", "vdom": vdom,
                "policyid": pid, "srcip": gen::ip4_str(src), "srcintf": names(&p, "srcintf").first().cloned().unwrap_or_default(),
                "dstip": gen::ip4_str(0x0800_0000 | (gen::h(seed, "tlog-dst", &k) as u32 & 0x00ff_ffff)),
                "dstintf": names(&p, "dstintf").first().cloned().unwrap_or_default(), "dstport": dport,
                "proto": if dport == 53 || dport == 123 { 17 } else { 6 }, "action": "close",
                "sentbyte": gen::range(seed, "tlog-sent", &k, 60, 90_000), "rcvdbyte": gen::range(seed, "tlog-rcvd", &k, 60, 900_000),
                "duration": gen::range(seed, "tlog-dur", &k, 1, 300),
            });
            if let Value::Object(o) = v {
                out.push(o);
            }
        }
    }
    out.sort_by_key(|o| o.get("time").and_then(Value::as_i64).unwrap_or(0));
    out
}

/// Ids of the policies of `vdom` that generate traffic logs (none without synthetic traffic).
pub(super) fn logging_ids(model: &Model, rt: &Runtime, vdom: &str) -> Vec<i64> {
    if !rt.synthetic_traffic {
        return Vec::new();
    }
    let reg = Registry::builtin();
    model
        .cmdb
        .rows(reg, "firewall/policy", vdom)
        .map(|rows| {
            rows.iter()
                .filter(|(_, p)| passes_traffic(p) && text(p, "logtraffic") != "disable")
                .take(MAX_LOG_POLICIES)
                .map(|(id, _)| id.parse().unwrap_or(0))
                .collect()
        })
        .unwrap_or_default()
}

/// Traffic logs per minute in the slot containing `t` (the `lograte` resource), for the
/// logging policies `ids` of `vdom`.
pub(super) fn rate_with(model: &Model, vdom: &str, ids: &[i64], t: i64) -> u64 {
    let seed = gen::seed_of(&model.identity);
    let vh = gen::h(seed, vdom, &[]) as i64;
    let slot = t.div_euclid(LOG_SLOT);
    let n: u64 = ids.iter().map(|pid| slot_count(seed, vh, *pid, slot)).sum();
    n.div_ceil(LOG_SLOT as u64 / 60)
}

fn traffic_count(model: &Model, rt: &Runtime, vdom: &str, from: i64, to: i64) -> u64 {
    if !rt.synthetic_traffic || to <= from {
        return 0;
    }
    let seed = gen::seed_of(&model.identity);
    let vh = gen::h(seed, vdom, &[]) as i64;
    let ids = logging_ids(model, rt, vdom);
    let (a, b) = (from.div_euclid(LOG_SLOT), (to - 1).div_euclid(LOG_SLOT));
    (a..=b).map(|slot| ids.iter().map(|pid| slot_count(seed, vh, *pid, slot)).sum::<u64>()).sum()
}

/// Logging policies of every VDOM (the disk-usage load).
pub(super) fn logging_total(model: &Model, rt: &Runtime) -> usize {
    model.vdom_names().iter().map(|v| logging_ids(model, rt, v).len()).sum()
}

/// Bytes used on the log disk at `t`: system files plus the logs of the retention window
/// (expected size of the generated traffic logs and the written events).
pub(super) fn disk_used(model: &Model, rt: &Runtime, t: i64) -> u64 {
    disk_used_with(model, rt, t, logging_total(model, rt))
}

/// [`disk_used`] with the number of logging policies already counted.
pub(super) fn disk_used_with(model: &Model, rt: &Runtime, t: i64, logging: usize) -> u64 {
    let seed = gen::seed_of(&model.identity);
    let base = gen::range(seed, "disk-base", &[], 60_000_000, 180_000_000) as u64;
    let window = t.saturating_sub(model.revision.boot_epoch).clamp(0, 7 * DAY) as u64;
    // 2.5 logs per policy and slot on average.
    let traffic = window * logging as u64 * 5 / 2 / LOG_SLOT as u64 * LOG_BYTES;
    let events = rt.events.iter().filter(|e| e.time <= t).count() as u64 * 300;
    (base + traffic + events).min(DISK_TOTAL)
}

fn event_json(e: &super::runtime::LogEntry) -> Map<String, Value> {
    let v = json!({"time": e.time, "type": e.kind, "subtype": e.subtype, "level": e.level, "vdom": e.vdom,
                   "user": e.user, "msg": e.msg, "logid": format!("01000{:05}", e.id % 100_000)});
    v.as_object().cloned().unwrap_or_default()
}

/// The event log as device log lines (tech-support and com-log downloads).
pub(super) fn event_text(rt: &Runtime) -> String {
    rt.events
        .iter()
        .map(|e| {
            let (y, m, d, hh, mm, ss) = gen::civil(e.time);
            format!(
                "date={y:04}-{m:02}-{d:02} time={hh:02}:{mm:02}:{ss:02} logid=\"01000{:05}\" type=\"{}\" subtype=\"{}\" level=\"{}\" vd=\"{}\" user=\"{}\" msg=\"{}\"\n",
                e.id % 100_000,
                e.kind,
                e.subtype,
                e.level,
                e.vdom,
                e.user,
                e.msg.replace('"', "'")
            )
        })
        .collect()
}

/// Search the event log and the generated traffic logs of the last 24 hours, newest first.
/// Returns (total matches, page). A malformed filter is an error.
pub fn search_logs(
    model: &Model,
    rt: &Runtime,
    now: i64,
    q: &LogQuery,
) -> Result<(usize, Vec<Value>), String> {
    let filter = Filter::parse(&q.filter).map_err(|e| e.to_string())?;
    let vdom = if q.vdom.is_empty() { crate::cmdb::ROOT } else { q.vdom.as_str() };
    let mut rows: Vec<Map<String, Value>> = Vec::new();
    if q.kind.is_empty() || q.kind == "event" {
        rows.extend(rt.events.iter().filter(|e| e.vdom == vdom && e.time <= now).map(event_json));
    }
    if q.kind.is_empty() || q.kind == "traffic" {
        let last = now.div_euclid(LOG_SLOT);
        for slot in (last - DAY / LOG_SLOT)..=last {
            rows.extend(slot_logs(model, rt, vdom, slot).into_iter().filter(|o| {
                o.get("time").and_then(Value::as_i64).is_some_and(|t| t <= now && t > now - DAY)
            }));
        }
    } else if q.kind != "event" {
        return Err(format!("unknown log type {}", q.kind));
    }
    rows.retain(|r| filter.matches(r));
    rows.sort_by_key(|r| std::cmp::Reverse(r.get("time").and_then(Value::as_i64).unwrap_or(0)));
    let total = rows.len();
    let size = match q.rows {
        0 => 50,
        n => n.min(1000),
    };
    Ok((total, rows.into_iter().skip(q.start).take(size).map(Value::Object).collect()))
}

pub(super) fn handle(ctx: &mut Ctx) -> Option<Result<Out, Fail>> {
    Some(match ctx.ep.path {
        "log/current-disk-usage/select" => {
            let used = disk_used(ctx.model, ctx.rt, ctx.now);
            Ok(Out::Json(json!({"total": DISK_TOTAL, "used": used, "free": DISK_TOTAL - used})))
        }
        "log/device/state" => Ok(Out::Json(json!({
            "memory": {"is_available": true, "is_enabled": true, "is_default": true},
            "disk": {"is_available": true, "is_enabled": true, "is_default": false},
            "fortianalyzer": {"is_available": false, "is_enabled": false, "is_default": false},
            "forticloud": {"is_available": false, "is_enabled": false, "is_default": false},
        }))),
        "log/forticloud/select" => Ok(Out::Json(json!({"status": "not-activated", "is_connected": false,
            "account": "", "used_space": 0, "total_space": 0}))),
        "log/fortianalyzer/select" => {
            let server = ctx.args.str("server").unwrap_or_default();
            Ok(Out::Json(json!({"server": server, "status": "disconnected", "registration": "unknown",
                                "is_connected": false, "sn": ""})))
        }
        "log/fortianalyzer-queue/select" => match ctx.args.str("scope").as_deref() {
            None | Some("vdom") | Some("global") => {
                Ok(Out::Json(json!({"queue_size": 0, "realtime": false})))
            }
            Some(other) => Err(Fail::invalid(format!("scope {other}"))),
        },
        "log/hourly-disk-usage/select" => {
            let end = ctx.now - ctx.now.rem_euclid(3600);
            let logging = logging_total(ctx.model, ctx.rt);
            let rows: Vec<Value> = (0..24)
                .rev()
                .map(|i| {
                    let t = end - i * 3600;
                    json!({"time": t, "used": disk_used_with(ctx.model, ctx.rt, t, logging)})
                })
                .collect();
            Ok(Out::Json(Value::Array(rows)))
        }
        "log/historic-daily-remote-logs/select" => {
            let today = ctx.now - ctx.now.rem_euclid(DAY);
            Ok(Out::Json(Value::Array(
                (0..7)
                    .rev()
                    .map(|i| json!({"day": gen::datetime(today - i * DAY)[..10].to_string(), "fortianalyzer": 0, "forticloud": 0}))
                    .collect(),
            )))
        }
        "log/stats/select" => stats(ctx),
        "log/stats/reset" => {
            // Counting restarts with the next second.
            ctx.rt.log_stats_since = ctx.now + 1;
            Ok(Out::Json(json!({})))
        }
        "log/forticloud-report/download" => ctx
            .args
            .int("inline")
            .and_then(|_| ctx.args.required_int("mkey"))
            .and_then(|id| Err(Fail::no_entry(format!("report {id}")))),
        "log/ips-archive/download" => ctx
            .args
            .int("pcap_no")
            .and_then(|_| ctx.args.required_int("mkey"))
            .and_then(|id| Err(Fail::no_entry(format!("archive {id}")))),
        "log/policy-archive/download" => (|| {
            let id = ctx.args.required_int("mkey")?;
            for ip in ["srcip", "dstip"] {
                let v = ctx.args.required_str(ip)?;
                gen::ip4(&v).ok_or_else(|| Fail::invalid(format!("{ip} {v}")))?;
            }
            Err(Fail::no_entry(format!("archive {id}")))
        })(),
        "log/av-archive/download" => {
            ctx.args.required_str("mkey").and_then(|k| Err(Fail::no_entry(format!("quarantined file {k}"))))
        }
        _ => return None,
    })
}

fn stats(ctx: &Ctx) -> Result<Out, Fail> {
    let dev = ctx.args.str("dev").unwrap_or_else(|| "memory".into());
    let enabled = match dev.as_str() {
        "memory" | "disk" => true,
        "fortianalyzer" | "forticloud" => false,
        other => return Err(Fail::invalid(format!("dev {other}"))),
    };
    let today = ctx.now - ctx.now.rem_euclid(DAY);
    let since = ctx.rt.log_stats_since;
    let rows: Vec<Value> = (0..7)
        .rev()
        .map(|i| {
            let start = (today - i * DAY).max(since);
            let end = (today - i * DAY + DAY).min(ctx.now + 1);
            let (traffic, event) = if enabled && end > start {
                (
                    traffic_count(ctx.model, ctx.rt, &ctx.vdom, start, end),
                    ctx.rt.events.iter().filter(|e| e.vdom == ctx.vdom && e.time >= start && e.time < end).count() as u64,
                )
            } else {
                (0, 0)
            };
            json!({"day": gen::datetime(today - i * DAY)[..10].to_string(), "traffic": traffic, "event": event,
                   "virus": 0, "webfilter": 0, "attack": 0, "spam": 0, "dlp": 0, "app-ctrl": 0, "anomaly": 0, "voip": 0})
        })
        .collect();
    Ok(Out::Json(Value::Array(rows)))
}
