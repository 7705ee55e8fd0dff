//! Runtime state of the unit (spec §4.5-§4.8): what the monitor API reads besides the CMDB.
//!
//! Two sources make up every runtime table: what the harness injected (or a request stored)
//! and, when [`Runtime::synthetic_traffic`] is on, traffic generated from the accept policies
//! of the CMDB: a pure function of the device seed and the time slot, so it moves with the clock
//! and gives the same answer for the same time.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::gen;
use crate::model::Model;
use crate::schema::Registry;

/// Most event-log entries kept (ring buffer).
pub const MAX_EVENTS: usize = 1000;
/// Length of a synthetic-session time slot (seconds).
pub const SLOT: i64 = 60;
/// Longest synthetic session (seconds); sessions older than this are gone.
pub const MAX_TTL: i64 = 330;

/// Traffic counters of one policy: what was stored (injected) plus synthetic traffic accrued
/// since `since`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Counter {
    /// Start of synthetic accrual (creation, reset or boot).
    pub since: i64,
    pub bytes: u64,
    pub packets: u64,
    pub hits: u64,
    pub first_used: Option<i64>,
    pub last_used: Option<i64>,
}

/// One firewall session (spec §3.6 `firewall/session/select`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Session {
    /// `tcp`, `udp`, `icmp`...
    pub proto: String,
    pub saddr: String,
    pub sport: u32,
    pub daddr: String,
    pub dport: u32,
    pub policyid: u64,
    pub srcintf: String,
    pub dstintf: String,
    /// Start time (Unix seconds).
    pub start: i64,
    /// Lifetime in seconds; 0 = until closed.
    pub ttl: i64,
    pub sentbyte: u64,
    pub rcvdbyte: u64,
    pub sentpkt: u64,
    pub rcvdpkt: u64,
    pub application: i64,
    pub username: String,
    pub shaper: String,
    pub country: String,
    pub natsaddr: String,
    pub natsport: u32,
    pub ipv6: bool,
}

impl Session {
    pub fn alive(&self, now: i64) -> bool {
        self.start <= now && (self.ttl <= 0 || now < self.start.saturating_add(self.ttl))
    }

    fn key(&self) -> String {
        format!("{}|{}|{}|{}|{}|{}", self.proto, self.saddr, self.sport, self.daddr, self.dport, self.start)
    }
}

/// A DHCP lease (spec §3.6 `system/dhcp/select`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Lease {
    pub ip: String,
    pub mac: String,
    pub hostname: String,
    pub interface: String,
    pub server_mkey: i64,
    /// Issue time; the lease ends at `issued + lease-time` of its server.
    pub issued: i64,
    pub expire_time: i64,
    pub ipv6: bool,
}

/// A route the harness injected (dynamic protocols are not modelled otherwise).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Route {
    /// `10.0.0.0/8` or `2001:db8::/32`
    pub ip_mask: String,
    pub gateway: String,
    /// `ospf`, `bgp`, `rip`...
    #[serde(rename = "type")]
    pub kind: String,
    pub interface: String,
    pub distance: i64,
    pub priority: i64,
    pub metric: i64,
    pub ipv6: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BannedIp {
    pub ip: String,
    pub created: i64,
    /// 0 = indefinite.
    pub expires: i64,
    pub source: String,
}

/// An authenticated firewall user.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FirewallUser {
    pub id: i64,
    pub username: String,
    pub ip: String,
    pub ipv6: bool,
    /// `firewall`, `fsso`, ...
    pub method: String,
    pub group: String,
    pub login: i64,
    pub traffic_vol_bytes: u64,
    /// `firewall` or `proxy`.
    pub user_type: String,
}

/// An SSL-VPN web session or tunnel.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SslSession {
    pub index: i64,
    pub user_name: String,
    pub remote_host: String,
    pub login: i64,
    /// Tunnel address, empty for a web-mode session.
    pub tunnel_ip: String,
    pub subsessions: Vec<Value>,
}

/// A stored configuration revision (spec §4.7).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConfigRevision {
    pub id: i64,
    pub time: i64,
    pub admin: String,
    pub comments: String,
    /// Full (`scope=global`) backup text.
    pub text: String,
}

/// One event-log entry (spec §4.6).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LogEntry {
    pub id: u64,
    pub time: i64,
    pub vdom: String,
    /// `event`, `traffic`, `utm`
    #[serde(rename = "type")]
    pub kind: String,
    pub subtype: String,
    pub level: String,
    pub user: String,
    pub msg: String,
}

/// IPsec phase2 state set by `tunnel_up` / `tunnel_down` / `tunnel_reset_stats`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TunnelState {
    pub up: bool,
    pub since: i64,
    pub stats_since: i64,
}

/// Runtime of one VDOM.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VdomRuntime {
    /// IPv4 policy counters by policy id.
    pub policy: BTreeMap<String, Counter>,
    pub policy6: BTreeMap<String, Counter>,
    /// Injected sessions.
    pub sessions: Vec<Session>,
    /// Synthetic sessions started before this time are gone (`clear_all`, boot).
    pub synthetic_since: i64,
    /// Keys of closed synthetic sessions (pruned after [`MAX_TTL`]).
    pub closed: Vec<String>,
    /// Injected leases.
    pub leases: Vec<Lease>,
    /// Synthetic IPv4 / IPv6 leases issued before these times are revoked.
    pub revoked_before: i64,
    pub revoked6_before: i64,
    /// Revoked synthetic leases (`ip|issued`).
    pub revoked: Vec<String>,
    pub routes: Vec<Route>,
    pub banned: Vec<BannedIp>,
    pub users: Vec<FirewallUser>,
    /// `phase1/phase2` → state.
    pub tunnels: BTreeMap<String, TunnelState>,
    pub ssl: Vec<SslSession>,
}

/// Licence and FortiGuard state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LicenseState {
    /// Last FortiGuard update (0 = boot time).
    pub last_update: i64,
    /// Database name → installed version (`license/database/upgrade`).
    pub databases: BTreeMap<String, String>,
    /// A VM licence was uploaded.
    pub vm_licensed: bool,
}

/// A firmware image.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Image {
    pub version: String,
    pub build: u32,
}

/// Images offered by FortiGuard to a 5.6.0 unit (version, build).
pub const AVAILABLE_IMAGES: &[(&str, u32)] = &[("v5.6.1", 1484), ("v5.6.2", 1486), ("v5.6.3", 1547)];

/// The whole runtime (persisted beside the model).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Runtime {
    /// Generate sessions and counters from accept policies (moving with the clock). Off: only
    /// injected traffic (the spec's F1 fixture, exact counters).
    pub synthetic_traffic: bool,
    /// `system/time/set`: device time minus clock time (seconds).
    pub time_offset: i64,
    pub vdoms: BTreeMap<String, VdomRuntime>,
    /// Event log (ring buffer of [`MAX_EVENTS`]).
    pub events: Vec<LogEntry>,
    pub next_log_id: u64,
    /// `log/stats/reset` time.
    pub log_stats_since: i64,
    pub revisions: Vec<ConfigRevision>,
    pub license: LicenseState,
    /// Installed by the next boot (`system/firmware/upgrade`).
    pub pending_firmware: Option<Image>,
    /// Reset times of statistics of shallow endpoints (`wanopt/history` → time).
    pub resets: BTreeMap<String, i64>,
    /// Small states of shallow endpoints (FortiManager address, AP admin states, ...).
    pub state: BTreeMap<String, Value>,
    /// Number of boots.
    pub boots: u64,
}

impl Default for Runtime {
    fn default() -> Self {
        Runtime {
            synthetic_traffic: true,
            time_offset: 0,
            vdoms: BTreeMap::new(),
            events: Vec::new(),
            next_log_id: 1,
            log_stats_since: 0,
            revisions: Vec::new(),
            license: LicenseState::default(),
            pending_firmware: None,
            resets: BTreeMap::new(),
            state: BTreeMap::new(),
            boots: 0,
        }
    }
}

/// Names listed in a reference child table (`[{"name":"port1"}]`) or a plain string.
pub fn names(obj: &Map<String, Value>, field: &str) -> Vec<String> {
    match obj.get(field) {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|e| match e {
                Value::Object(o) => o.values().next().and_then(Value::as_str).map(str::to_string),
                Value::String(s) => Some(s.clone()),
                _ => None,
            })
            .collect(),
        Some(Value::String(s)) if !s.is_empty() => vec![s.clone()],
        _ => Vec::new(),
    }
}

pub fn text<'a>(obj: &'a Map<String, Value>, field: &str) -> &'a str {
    obj.get(field).and_then(Value::as_str).unwrap_or("")
}

pub fn int(obj: &Map<String, Value>, field: &str) -> i64 {
    obj.get(field).and_then(|v| v.as_i64().or_else(|| v.as_str().and_then(|s| s.parse().ok()))).unwrap_or(0)
}

const DESTS4: &[(&str, &str)] = &[
    ("96.45.33.73", "Canada"),
    ("8.8.8.8", "United States"),
    ("208.91.112.53", "United States"),
    ("13.107.21.200", "United States"),
    ("151.101.1.69", "United States"),
    ("172.217.3.110", "United States"),
    ("185.60.216.35", "Ireland"),
    ("91.198.174.192", "Netherlands"),
];
const DESTS6: &[(&str, &str)] = &[
    ("2001:4860:4860::8888", "United States"),
    ("2606:4700::1111", "United States"),
    ("2a03:2880::1", "Ireland"),
];

/// (port, application id) per protocol.
const TCP_PORTS: &[(u32, i64)] = &[(443, 40568), (80, 15893), (22, 16060), (8080, 15893), (993, 16100)];
const UDP_PORTS: &[(u32, i64)] = &[(53, 16195), (123, 16270), (443, 40169), (8888, 0)];

impl Runtime {
    /// Device time: clock time plus the `system/time/set` offset.
    pub fn device_time(&self, now: i64) -> i64 {
        now.saturating_add(self.time_offset)
    }

    pub fn vdom(&mut self, vdom: &str) -> &mut VdomRuntime {
        self.vdoms.entry(vdom.to_string()).or_default()
    }

    /// Align with the CMDB: one counter row per configured policy (new policies start at 0
    /// now), rows of deleted policies and VDOMs dropped.
    pub fn sync(&mut self, model: &Model, now: i64) {
        let reg = Registry::builtin();
        let names = model.vdom_names();
        self.vdoms.retain(|v, _| names.contains(v));
        for v in &names {
            let vr = self.vdoms.entry(v.clone()).or_default();
            for (table, counters) in
                [("firewall/policy", &mut vr.policy), ("firewall/policy6", &mut vr.policy6)]
            {
                let Ok(rows) = model.cmdb.rows(reg, table, v) else { continue };
                counters.retain(|id, _| rows.contains_key(id));
                for id in rows.keys() {
                    counters
                        .entry(id.clone())
                        .or_insert_with(|| Counter { since: now, ..Counter::default() });
                }
            }
            vr.closed.retain(|k| {
                k.rsplit('|').next().and_then(|s| s.parse::<i64>().ok()).is_some_and(|s| s + MAX_TTL > now)
            });
            vr.banned.retain(|b| b.expires == 0 || b.expires > now);
        }
    }

    /// Write an event-log entry.
    pub fn log_event(&mut self, now: i64, vdom: &str, subtype: &str, level: &str, user: &str, msg: &str) {
        let id = self.next_log_id.max(1);
        self.next_log_id = id + 1;
        self.events.push(LogEntry {
            id,
            time: now,
            vdom: vdom.to_string(),
            kind: "event".into(),
            subtype: subtype.to_string(),
            level: level.to_string(),
            user: user.to_string(),
            msg: msg.to_string(),
        });
        if self.events.len() > MAX_EVENTS {
            let drop = self.events.len() - MAX_EVENTS;
            self.events.drain(..drop);
        }
    }

    /// The spec's F1 runtime (§5.0 step 6): no synthetic traffic; policy counters (policy 1:
    /// 1000 bytes / 10 packets, policy 2: 500 / 5) in IPv4 and IPv6; two IPv4 sessions and one
    /// IPv6 session on policy 1.
    pub fn lab(now: i64) -> Runtime {
        let mut rt = Runtime { synthetic_traffic: false, ..Runtime::default() };
        let root = rt.vdom(crate::cmdb::ROOT);
        for counters in [&mut root.policy, &mut root.policy6] {
            counters
                .insert("1".into(), Counter { since: now, bytes: 1000, packets: 10, ..Counter::default() });
            counters.insert("2".into(), Counter { since: now, bytes: 500, packets: 5, ..Counter::default() });
        }
        let s = |proto: &str, saddr: &str, sport: u32, daddr: &str, dport: u32, ipv6: bool| Session {
            proto: proto.into(),
            saddr: saddr.into(),
            sport,
            daddr: daddr.into(),
            dport,
            policyid: 1,
            srcintf: "port1".into(),
            dstintf: "port2".into(),
            start: now,
            ipv6,
            ..Session::default()
        };
        root.sessions = vec![
            s("udp", "192.168.100.110", 55933, "96.45.33.73", 8888, false),
            s("tcp", "192.168.100.111", 40000, "8.8.8.8", 53, false),
            s("tcp", "2001:db8::10", 50000, "2001:db8::1", 443, true),
        ];
        rt
    }

    /// Harness injection (control API): `{"kind": "...", "vdom": "root", ...}` with kind
    /// `session`, `policy-counters` (`policyid`, `ipv6`, `bytes`, `packets`, `hits`), `lease`,
    /// `route`, `firewall-user`, `ssl-session`, `banned`, `event` (`subtype`, `level`, `msg`).
    pub fn inject(&mut self, now: i64, event: &Value) -> Result<(), String> {
        let obj = event.as_object().ok_or("injection must be a JSON object")?;
        let kind = obj.get("kind").and_then(Value::as_str).ok_or("missing kind")?;
        let vdom = obj.get("vdom").and_then(Value::as_str).unwrap_or(crate::cmdb::ROOT).to_string();
        let mut body = obj.clone();
        body.remove("kind");
        body.remove("vdom");
        let body = Value::Object(body);
        let de = |e: serde_json::Error| e.to_string();
        match kind {
            "session" => {
                let mut s: Session = serde_json::from_value(body).map_err(de)?;
                if s.start == 0 {
                    s.start = now;
                }
                self.vdom(&vdom).sessions.push(s);
            }
            "policy-counters" => {
                let id = obj.get("policyid").and_then(Value::as_u64).ok_or("policyid must be an integer")?;
                let ipv6 = obj.get("ipv6").and_then(Value::as_bool).unwrap_or(false);
                let get = |k: &str| obj.get(k).and_then(Value::as_u64).unwrap_or(0);
                let vr = self.vdom(&vdom);
                let table = if ipv6 { &mut vr.policy6 } else { &mut vr.policy };
                let c = table.entry(id.to_string()).or_default();
                // The injected values are exact now; synthetic traffic accrues from here.
                c.since = now;
                c.bytes = get("bytes");
                c.packets = get("packets");
                c.hits = get("hits");
                if c.hits > 0 || c.bytes > 0 {
                    c.first_used.get_or_insert(now);
                    c.last_used = Some(now);
                }
            }
            "lease" => {
                let mut l: Lease = serde_json::from_value(body).map_err(de)?;
                if l.issued == 0 {
                    l.issued = now;
                }
                if l.expire_time == 0 {
                    l.expire_time = l.issued.saturating_add(604_800);
                }
                self.vdom(&vdom).leases.push(l);
            }
            "route" => {
                let r: Route = serde_json::from_value(body).map_err(de)?;
                self.vdom(&vdom).routes.push(r);
            }
            "firewall-user" => {
                let mut u: FirewallUser = serde_json::from_value(body).map_err(de)?;
                let vr = self.vdom(&vdom);
                if u.id == 0 {
                    u.id = vr.users.iter().map(|u| u.id).max().unwrap_or(0) + 1;
                }
                if u.login == 0 {
                    u.login = now;
                }
                vr.users.push(u);
            }
            "ssl-session" => {
                let mut s: SslSession = serde_json::from_value(body).map_err(de)?;
                let vr = self.vdom(&vdom);
                if s.index == 0 {
                    s.index = vr.ssl.iter().map(|s| s.index).max().unwrap_or(0) + 1;
                }
                if s.login == 0 {
                    s.login = now;
                }
                vr.ssl.push(s);
            }
            "banned" => {
                let mut b: BannedIp = serde_json::from_value(body).map_err(de)?;
                if b.created == 0 {
                    b.created = now;
                }
                self.vdom(&vdom).banned.push(b);
            }
            "event" => {
                let g = |k: &str, d: &str| obj.get(k).and_then(Value::as_str).unwrap_or(d).to_string();
                self.log_event(
                    now,
                    &vdom,
                    &g("subtype", "system"),
                    &g("level", "notice"),
                    &g("user", ""),
                    &g("msg", ""),
                );
            }
            other => return Err(format!("unknown injection kind {other}")),
        }
        Ok(())
    }

    /// Policy counters of `vdom` at `now`: (policy id, counter) in table order, stored values
    /// plus synthetic traffic of accept policies.
    pub fn policy_counters(&self, model: &Model, vdom: &str, ipv6: bool, now: i64) -> Vec<(String, Counter)> {
        let reg = Registry::builtin();
        let table = if ipv6 { "firewall/policy6" } else { "firewall/policy" };
        let Ok(rows) = model.cmdb.rows(reg, table, vdom) else { return Vec::new() };
        let seed = gen::seed_of(&model.identity);
        let vr = self.vdoms.get(vdom);
        rows.iter()
            .map(|(id, row)| {
                let stored = vr
                    .and_then(|v| if ipv6 { v.policy6.get(id) } else { v.policy.get(id) })
                    .cloned()
                    .unwrap_or(Counter { since: now, ..Counter::default() });
                let mut c = stored.clone();
                if self.synthetic_traffic && passes_traffic(row) {
                    let pid: i64 = id.parse().unwrap_or(0);
                    let fam = i64::from(ipv6);
                    let elapsed = now.saturating_sub(stored.since).max(0);
                    let rate = gen::range(seed, "pol-rate", &[fam, pid], 200, 8000) as u64;
                    let size = gen::range(seed, "pol-size", &[fam, pid], 400, 1200) as u64;
                    let period = gen::range(seed, "pol-period", &[fam, pid], 5, 60);
                    let hits = elapsed / period;
                    c.bytes = c.bytes.saturating_add(rate * elapsed as u64);
                    c.packets = c.packets.saturating_add(rate * elapsed as u64 / size);
                    c.hits = c.hits.saturating_add(hits as u64);
                    if hits > 0 {
                        c.first_used = Some(stored.first_used.unwrap_or(stored.since + period));
                        c.last_used = Some(stored.since + hits * period);
                    }
                }
                (id.clone(), c)
            })
            .collect()
    }

    /// Every live session of `vdom` at `now` (injected, then synthetic), both families.
    pub fn sessions(&self, model: &Model, vdom: &str, now: i64) -> Vec<Session> {
        let mut out: Vec<Session> = self
            .vdoms
            .get(vdom)
            .map(|v| v.sessions.iter().filter(|s| s.alive(now)).cloned().collect())
            .unwrap_or_default();
        if self.synthetic_traffic {
            out.extend(self.synthetic_sessions(model, vdom, now));
        }
        out
    }

    fn synthetic_sessions(&self, model: &Model, vdom: &str, now: i64) -> Vec<Session> {
        let reg = Registry::builtin();
        let seed = gen::seed_of(&model.identity);
        let vr = self.vdoms.get(vdom);
        let since = vr.map_or(i64::MIN, |v| v.synthetic_since);
        let vh = gen::h(seed, vdom, &[]) as i64;
        let mut out = Vec::new();
        for (fam, table) in [(0i64, "firewall/policy"), (1, "firewall/policy6")] {
            let Ok(rows) = model.cmdb.rows(reg, table, vdom) else { continue };
            for (id, row) in rows {
                if !passes_traffic(row) {
                    continue;
                }
                let pid: i64 = id.parse().unwrap_or(0);
                let slot_now = now.div_euclid(SLOT);
                for slot in (slot_now - MAX_TTL / SLOT - 1)..=slot_now {
                    let n = gen::below(seed, "sess-n", &[vh, fam, pid, slot], 3);
                    for i in 0..n as i64 {
                        let k = [vh, fam, pid, slot, i];
                        let start = slot * SLOT + gen::below(seed, "sess-start", &k, SLOT as u64) as i64;
                        let ttl = gen::range(seed, "sess-ttl", &k, 30, MAX_TTL);
                        if start > now || start + ttl <= now || start < since {
                            continue;
                        }
                        let s = synth_session(model, seed, row, pid, fam == 1, &k, start, ttl, now);
                        if vr.is_some_and(|v| v.closed.contains(&s.key())) {
                            continue;
                        }
                        out.push(s);
                    }
                }
            }
        }
        out
    }

    /// Close sessions matching `pred`: injected ones are removed, synthetic ones remembered as
    /// closed. Returns how many were closed.
    pub fn close_sessions(
        &mut self,
        model: &Model,
        vdom: &str,
        now: i64,
        pred: &dyn Fn(&Session) -> bool,
    ) -> usize {
        let live = self.sessions(model, vdom, now);
        let vr = self.vdom(vdom);
        let injected: Vec<String> = vr.sessions.iter().map(Session::key).collect();
        let before = vr.sessions.len();
        vr.sessions.retain(|s| !(s.alive(now) && pred(s)));
        let mut closed = before - vr.sessions.len();
        for s in live.iter().filter(|s| pred(s)) {
            let k = s.key();
            if !injected.contains(&k) && !vr.closed.contains(&k) {
                vr.closed.push(k);
                closed += 1;
            }
        }
        closed
    }
}

/// Whether a policy passes traffic (accept or ipsec, enabled).
pub fn passes_traffic(row: &Map<String, Value>) -> bool {
    matches!(text(row, "action"), "accept" | "ipsec") && text(row, "status") != "disable"
}

/// The first IPv4 address of an interface (CMDB `ip`), if it has one.
pub fn interface_ip(model: &Model, name: &str) -> Option<(u32, u32)> {
    let reg = Registry::builtin();
    let row = model.cmdb.get(reg, "system/interface", crate::cmdb::ROOT, name)?;
    gen::subnet(text(row, "ip")).filter(|(a, _)| *a != 0)
}

#[allow(clippy::too_many_arguments)]
fn synth_session(
    model: &Model,
    seed: u64,
    row: &Map<String, Value>,
    pid: i64,
    ipv6: bool,
    k: &[i64],
    start: i64,
    ttl: i64,
    now: i64,
) -> Session {
    let srcintf = names(row, "srcintf").into_iter().next().unwrap_or_default();
    let dstintf = names(row, "dstintf").into_iter().next().unwrap_or_default();
    let roll = gen::below(seed, "sess-proto", k, 10);
    let (proto, ports): (&str, &[(u32, i64)]) = match roll {
        0..=5 => ("tcp", TCP_PORTS),
        6..=8 => ("udp", UDP_PORTS),
        _ => ("icmp", &[(0, 0)]),
    };
    let (dport, application) = ports[gen::below(seed, "sess-port", k, ports.len() as u64) as usize];
    let sport = if proto == "icmp" { 0 } else { gen::range(seed, "sess-sport", k, 1024, 65000) as u32 };
    let (saddr, (daddr, country)) = if ipv6 {
        let host = gen::range(seed, "sess-host", k, 2, 0xfffe);
        (
            format!("2001:db8:{pid:x}::{host:x}"),
            DESTS6[gen::below(seed, "sess-dst", k, DESTS6.len() as u64) as usize],
        )
    } else {
        let (net, mask) = interface_ip(model, &srcintf).unwrap_or((0x0a00_0000, 0xffff_ff00));
        let size = u64::from(!mask).max(4);
        let host = (net & mask) | (2 + gen::below(seed, "sess-host", k, size - 3) as u32);
        (gen::ip4_str(host), DESTS4[gen::below(seed, "sess-dst", k, DESTS4.len() as u64) as usize])
    };
    let dur = (now - start).max(0) as u64;
    let rate = gen::range(seed, "sess-rate", k, 50, 20_000) as u64;
    let size = gen::range(seed, "sess-size", k, 200, 1400) as u64;
    let sent = rate * dur / 4 + 60;
    let rcvd = rate * dur;
    let nat = text(row, "nat") == "enable" && !ipv6;
    Session {
        proto: proto.into(),
        saddr,
        sport,
        daddr: daddr.into(),
        dport,
        policyid: pid as u64,
        srcintf,
        dstintf: dstintf.clone(),
        start,
        ttl,
        sentbyte: sent,
        rcvdbyte: rcvd,
        sentpkt: sent / size + 1,
        rcvdpkt: rcvd / size,
        application,
        username: String::new(),
        shaper: String::new(),
        country: country.into(),
        natsaddr: if nat {
            interface_ip(model, &dstintf).map(|(a, _)| gen::ip4_str(a)).unwrap_or_default()
        } else {
            String::new()
        },
        natsport: if nat { gen::range(seed, "sess-natport", k, 1024, 65000) as u32 } else { 0 },
        ipv6,
    }
}

/// Renew the boot: see [`super::boot`].
pub fn boot(model: &mut Model, rt: &mut Runtime, now: i64) {
    let dev_now = rt.device_time(now);
    if let Some(img) = rt.pending_firmware.take() {
        rt.log_event(
            dev_now,
            crate::cmdb::ROOT,
            "system",
            "critical",
            "",
            &format!(
                "Firmware upgraded from {} build{} to {} build{}",
                model.identity.version, model.identity.build, img.version, img.build
            ),
        );
        model.identity.version = img.version;
        model.identity.build = img.build;
    }
    rt.boots += 1;
    model.revision.boot_epoch = now;
    model.revision.boot_nonce =
        (gen::h(gen::seed_of(&model.identity), "boot", &[rt.boots as i64, now]) as u32) | 1;
    for vr in rt.vdoms.values_mut() {
        vr.policy.clear();
        vr.policy6.clear();
        vr.sessions.clear();
        vr.closed.clear();
        vr.synthetic_since = dev_now;
        vr.users.clear();
        vr.ssl.clear();
        vr.tunnels.clear();
    }
    rt.sync(model, dev_now);
    rt.log_event(dev_now, crate::cmdb::ROOT, "system", "information", "", "FortiGate started");
}
