//! The Monitor API at the model level (spec §3, §4.5-§4.9, §5.3): every catalogue endpoint,
//! errors, state and clock, backup/restore round trips and the S-M golden scenarios, calling
//! `monitor::handle` directly.

use devsim_fortios::cmdb::{Target, ROOT};
use devsim_fortios::fixtures;
use devsim_fortios::model::{Command, Model};
use devsim_fortios::monitor::{
    self, AdminSession, Depth, LifecycleAction, MonitorReply, MonitorRequest, ParamType, Runtime,
    SessionAction,
};
use serde_json::{json, Value};

const T0: i64 = 1_490_961_600; // 2017-03-31 12:00:00 UTC

struct Dev {
    model: Model,
    rt: Runtime,
    now: i64,
}

fn b64(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in data.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            out.push(if i <= c.len() { A[((n >> (18 - 6 * i)) & 63) as usize] as char } else { '=' });
        }
    }
    out
}

fn split_url(url: &str) -> (String, Vec<(String, String)>) {
    let (path, qs) = url.split_once('?').unwrap_or((url, ""));
    let params = devsim_fortios::request::parse_query(qs).expect("query");
    (path.to_string(), params)
}

impl Dev {
    /// F1 with the F1 runtime (injected counters and sessions, no synthetic traffic).
    fn lab() -> Dev {
        Dev { model: fixtures::lab(T0).expect("lab"), rt: Runtime::lab(T0), now: T0 }
    }

    /// F1 with synthetic traffic (counters and sessions move with the clock).
    fn live() -> Dev {
        Dev { model: fixtures::lab(T0).expect("lab"), rt: Runtime::default(), now: T0 }
    }

    fn req(&self, method: &str, url: &str, body: Option<Value>) -> MonitorRequest {
        let (path, params) = split_url(url);
        let vdom = params.iter().rev().find(|(k, _)| k == "vdom").map(|(_, v)| v.clone()).unwrap_or_default();
        MonitorRequest {
            method: method.into(),
            path,
            params,
            body,
            vdom,
            user: "admin".into(),
            ..Default::default()
        }
    }

    fn send(&mut self, r: &MonitorRequest) -> MonitorReply {
        monitor::handle(&mut self.model, &mut self.rt, self.now, r)
    }

    fn get(&mut self, url: &str) -> MonitorReply {
        let r = self.req("GET", url, None);
        self.send(&r)
    }

    fn post(&mut self, url: &str, body: Value) -> MonitorReply {
        let r = self.req("POST", url, Some(body));
        self.send(&r)
    }

    /// GET that must succeed with a JSON envelope; returns `results`.
    fn results(&mut self, url: &str) -> Value {
        match self.get(url) {
            MonitorReply::Json { status: 200, body } => body["results"].clone(),
            other => panic!("GET {url}: {other:?}"),
        }
    }

    fn ok(&mut self, url: &str, body: Value) -> Value {
        match self.post(url, body) {
            MonitorReply::Json { status: 200, body } => body,
            other => panic!("POST {url}: {other:?}"),
        }
    }

    fn cmdb(&mut self, cmd: Command) {
        self.model.apply(self.now, cmd).expect("cmdb command");
    }

    fn cmdb_rows(&self, table: &str, vdom: &str) -> Value {
        let t = Target::table(table, vdom);
        let mut m = self.model.clone();
        m.apply(self.now, Command::Select { target: t, query: Default::default() }).unwrap().results.unwrap()
    }
}

fn file_of(r: MonitorReply) -> (String, String, Vec<u8>) {
    match r {
        MonitorReply::File { content_type, filename, bytes } => (content_type, filename, bytes),
        other => panic!("expected a file, got {other:?}"),
    }
}

fn status_of(r: &MonitorReply) -> u16 {
    r.status()
}

fn assert_envelope(r: &MonitorReply, method: &str) {
    let Some(body) = r.body() else { return };
    let one = |b: &Value| {
        assert_eq!(b["http_method"], method, "{b}");
        for k in ["path", "name", "action", "status", "serial", "version", "build"] {
            assert!(b.get(k).is_some(), "missing {k} in {b}");
        }
        if b["status"] == "success" {
            assert!(b.get("results").is_some(), "{b}");
            assert!(b.get("http_status").is_none(), "{b}");
        } else {
            assert_eq!(b["status"], "error", "{b}");
            assert_eq!(b["http_status"].as_u64(), Some(u64::from(r.status())), "{b}");
        }
    };
    match body {
        Value::Array(items) => items.iter().for_each(one),
        b => one(b),
    }
}

/// A plausible value for a catalogue parameter.
fn sample(path: &str, name: &str, ty: ParamType, backup_b64: &str) -> Value {
    let special = match (path, name) {
        ("firewall/session/select", "count") => Some(json!("-1")),
        ("system/config/backup" | "system/config/restore", "scope") => Some(json!("vdom")),
        ("system/config/restore", "source") => Some(json!("upload")),
        ("system/config/restore", "file_content") => Some(json!(backup_b64)),
        ("system/firmware/upgrade", "source") => Some(json!("upload")),
        (_, "file_content") => Some(json!(b64(b"file"))),
        ("wifi/managed_ap/upgrade", "source") => Some(json!("upload")),
        ("system/time/set", "year") => Some(json!(2017)),
        ("system/time/set", "month") => Some(json!(2)),
        ("system/time/set", "day") => Some(json!(31)),
        ("system/time/set", "hour" | "minute" | "second") => Some(json!(0)),
        ("firewall/policy-lookup/select", "srcintf") => Some(json!("port1")),
        ("firewall/policy-lookup/select", "sourceip") => Some(json!("192.168.1.10")),
        ("firewall/policy-lookup/select", "protocol") => Some(json!("tcp")),
        ("firewall/policy-lookup/select", "dest") => Some(json!("8.8.8.8")),
        ("firewall/policy-lookup/select", "destport") => Some(json!(443)),
        ("firewall/session/close", "pro") => Some(json!("udp")),
        ("firewall/session/close", "saddr") => Some(json!("192.168.100.110")),
        ("firewall/session/close", "daddr") => Some(json!("96.45.33.73")),
        ("firewall/session/close", "sport") => Some(json!(55933)),
        ("firewall/session/close", "dport") => Some(json!(8888)),
        ("router/lookup/select", "destination") => Some(json!("192.168.1.20")),
        ("system/object/usage", "mkey") => Some(json!("all")),
        ("system/object/usage", "path") => Some(json!("firewall")),
        ("system/object/usage", "name") => Some(json!("address")),
        ("system/certificate/download", "mkey") => Some(json!("Fortinet_Factory")),
        ("system/certificate/download", "type") => Some(json!("local")),
        ("system/config-revision/delete", "config_ids") => Some(json!([1])),
        (_, "config_id") => Some(json!(1)),
        ("user/banned/add_users" | "user/banned/clear_users", "ip_addresses") => Some(json!(["10.1.1.1"])),
        ("geoip/geoip-query/select", "ip_addresses") => Some(json!("8.8.8.8")),
        ("system/fortiguard-blacklist/select", "ip") => Some(json!("8.8.8.8")),
        ("system/ha-peer/update" | "system/ha-peer/disconnect", "serial_no") => {
            Some(json!("FGT60D4617000001"))
        }
        ("system/ha-peer/disconnect", "ip") => Some(json!("10.0.0.1")),
        ("system/ha-peer/disconnect", "mask") => Some(json!("255.255.255.0")),
        ("vpn/ssl/delete", "type") => Some(json!("websession")),
        ("system/debug/select", _) => Some(json!("1")),
        (_, "scope") => Some(json!("vdom")),
        (_, "period") => None,
        (_, "ip_version") => None,
        (_, "dev") => None,
        (_, "type") => None,
        (_, "default") => None,
        (_, "status") => None,
        (_, "admin") => None,
        (_, "method") => None,
        (_, "user_type") => None,
        (_, "report_by" | "sort_by" | "resource" | "interval" | "destination" | "min_version") => None,
        _ => None,
    };
    special.unwrap_or(match ty {
        ParamType::Int => json!(1),
        ParamType::Bool => json!(true),
        ParamType::Array => json!(["x"]),
        ParamType::Object => json!({}),
        ParamType::Str | ParamType::Multi => json!("x"),
    })
}

/// Optional or conditionally required parameters that make the sample request meaningful.
fn extras(path: &str) -> Value {
    match path {
        "log/policy-archive/download" => json!({"srcip": "10.0.0.1", "dstip": "10.0.0.2"}),
        "system/config-revision/update-comments"
        | "system/config-revision/file"
        | "system/config-revision/info" => {
            json!({"config_id": 1})
        }
        "system/disconnect-admins/select" => json!({"id": 1, "method": "https"}),
        "system/firmware/upgrade" | "system/vmlicense/upload" | "license/database/upgrade" => {
            json!({"file_content": b64(b"image")})
        }
        "system/change-password/select" => json!({"new_password": "n3w-secret"}),
        "system/password-policy-conform/select" => json!({"password": "candidate"}),
        "system/fsw/update" => json!({"fswname": "S124D0000000001"}),
        "user/firewall/deauth" => json!({"id": 1, "ip": "10.0.0.1"}),
        "user/fortitoken/send-activation" => json!({"email": "a@example.com"}),
        "webfilter/override/delete" => json!({"mkey": "1"}),
        "wifi/managed_ap/set_status" | "wifi/managed_ap/restart" => json!({"wtpname": "FP221C0000000001"}),
        "wifi/rogue_ap/set_status" => json!({"bssid": ["00:09:0f:00:00:01"], "status": "rogue"}),
        "firewall/policy/clear_counters" | "firewall/policy6/clear_counters" => json!({"policy": [1]}),
        _ => json!({}),
    }
}

/// Endpoints whose sample request names an object the fixture does not have (404), or that
/// need hardware the unit lacks (424): the status every other endpoint must not give.
fn expected_failure(path: &str) -> Option<u16> {
    Some(match path {
        "fortiview/sandbox-file-details/select"
        | "endpoint-control/installer/download"
        | "log/forticloud-report/download"
        | "log/ips-archive/download"
        | "log/policy-archive/download"
        | "log/av-archive/download"
        | "system/sniffer/restart"
        | "system/sniffer/start"
        | "system/sniffer/stop"
        | "system/sniffer/download"
        | "system/fsw/update"
        | "system/fsw/restart"
        | "system/fsw/upgrade"
        | "system/com-log/download"
        | "system/config-revision/update-comments"
        | "system/config-revision/delete"
        | "system/config-revision/file"
        | "system/config-revision/info"
        | "extender-controller/extender/select"
        | "extender-controller/extender/reset"
        | "user/firewall/deauth"
        | "vpn/ipsec/tunnel_up"
        | "vpn/ipsec/tunnel_down"
        | "vpn/ipsec/tunnel_reset_stats"
        | "vpn/ssl/delete"
        | "webfilter/override/delete"
        | "wifi/managed_ap/set_status"
        | "wifi/managed_ap/restart"
        | "wifi/managed_ap/upgrade"
        | "wifi/interfering_ap/select"
        | "wifi/spectrum/select"
        | "firewall/session/close" => 404,
        // Operations whose target list is optional in the reference but empty here.
        "endpoint-control/registration/quarantine"
        | "endpoint-control/registration/unquarantine"
        | "endpoint-control/registration/block"
        | "endpoint-control/registration/unblock"
        | "endpoint-control/registration/deregister"
        | "system/usb-log/start"
        | "system/usb-log/stop"
        // The lab has vdom1; a standalone unit cannot disconnect itself.
        | "system/admin/toggle-vdom-mode"
        | "system/ha-peer/disconnect" => 424,
        "system/disconnect-admins/select" => 404,
        _ => return None,
    })
}

#[test]
fn catalogue_has_the_207_endpoints_of_the_spec_with_unique_paths() {
    let cat = monitor::catalogue();
    assert_eq!(cat.len(), 207);
    let mut paths: Vec<&str> = cat.iter().map(|e| e.path).collect();
    paths.sort_unstable();
    paths.dedup();
    assert_eq!(paths.len(), 207);
    assert_eq!(
        cat.iter().filter(|e| e.method == "POST").count() + cat.iter().filter(|e| e.method == "GET").count(),
        207
    );
    assert!(cat.iter().filter(|e| e.depth == Depth::Deep).count() >= 70);
    assert_eq!(cat.iter().filter(|e| e.group == monitor::AccessGroup::Sysgrp).count(), 81);
    assert_eq!(monitor::access_group("firewall/policy"), Some(monitor::AccessGroup::FwgrpPolicy));
    assert_eq!(monitor::access_group("firewall/policy/"), Some(monitor::AccessGroup::FwgrpPolicy));
    assert_eq!(monitor::access_group("system/status"), None);
}

#[test]
fn every_catalogue_endpoint_answers_with_a_valid_envelope() {
    let base = Dev::live();
    let backup = base.model.backup_text(Some(ROOT), "admin").unwrap();
    let backup_b64 = b64(backup.as_bytes());
    let mut unexpected = Vec::new();
    for e in monitor::catalogue() {
        let mut d = Dev { model: base.model.clone(), rt: base.rt.clone(), now: T0 + 600 };
        let mut body = serde_json::Map::new();
        for p in e.params.iter().filter(|p| p.required) {
            body.insert(p.name.to_string(), sample(e.path, p.name, p.ty, &backup_b64));
        }
        if let Value::Object(x) = extras(e.path) {
            body.extend(x);
        }
        if e.path == "system/config/restore" {
            body.insert("file_content".into(), json!(backup_b64));
        }
        let r = if e.method == "GET" {
            let qs: Vec<String> = body
                .iter()
                .map(|(k, v)| match v {
                    Value::String(s) => format!("{k}={s}"),
                    other => format!("{k}={other}"),
                })
                .collect();
            let url = format!("{}?vdom=root&{}", e.path, qs.join("&"));
            d.get(&url)
        } else {
            d.post(&format!("{}?vdom=root", e.path), Value::Object(body))
        };
        assert_envelope(&r, e.method);
        let want = expected_failure(e.path).unwrap_or(200);
        if r.status() != want {
            unexpected.push(format!(
                "{} {} → {} (want {want}): {:?}",
                e.method,
                e.path,
                r.status(),
                r.body()
            ));
        }
    }
    assert!(unexpected.is_empty(), "{}", unexpected.join("\n"));
}

#[test]
fn missing_required_parameters_answer_424() {
    for e in monitor::catalogue() {
        if !e.params.iter().any(|p| p.required && p.name != "file_content") {
            continue;
        }
        let mut d = Dev::lab();
        let r = if e.method == "GET" { d.get(e.path) } else { d.post(e.path, json!({})) };
        assert_eq!(r.status(), 424, "{} {}: {:?}", e.method, e.path, r.body());
        assert_envelope(&r, e.method);
    }
}

#[test]
fn wrong_method_answers_405_on_every_endpoint() {
    let mut d = Dev::lab();
    for e in monitor::catalogue() {
        let other = if e.method == "GET" { "POST" } else { "GET" };
        for m in [other, "PUT", "DELETE"] {
            let r = d.req(m, e.path, None);
            let reply = d.send(&r);
            assert_eq!(reply.status(), 405, "{m} {}", e.path);
        }
    }
}

#[test]
fn unknown_paths_answer_404_and_system_status_depends_on_the_profile() {
    let mut d = Dev::lab();
    for p in ["system/status", "system/resource", "nope/nothing", "firewall/policy/nothing", "a/b/c/d", ""] {
        let r = d.get(p);
        if p.is_empty() {
            // The directory of the whole catalogue.
            assert_eq!(r.status(), 200);
            assert_eq!(r.body().unwrap()["results"].as_array().unwrap().len(), 207);
            continue;
        }
        assert_eq!(r.status(), 404, "{p}");
        assert_envelope(&r, "GET");
    }
    let mut req = d.req("GET", "system/status", None);
    req.firmware_extras = true;
    let r = d.send(&req);
    assert_eq!(r.status(), 200);
    assert_eq!(r.body().unwrap()["results"]["hostname"], "FGT60D4617000001");
}

#[test]
fn action_defaults_to_select_and_a_trailing_slash_is_accepted() {
    let mut d = Dev::lab();
    let a = d.results("firewall/policy");
    let b = d.results("firewall/policy/");
    let c = d.results("firewall/policy/select/");
    assert_eq!(a, b);
    assert_eq!(a, c);
    match d.get("firewall/policy") {
        MonitorReply::Json { body, .. } => assert_eq!(body["action"], ""),
        other => panic!("{other:?}"),
    }
}

#[test]
fn unknown_vdom_answers_403() {
    let mut d = Dev::lab();
    assert_eq!(d.get("firewall/policy?vdom=nope").status(), 403);
}

#[test]
fn bad_parameter_values_answer_400_or_424_never_panic() {
    let mut d = Dev::lab();
    assert_eq!(d.get("firewall/session?count=abc").status(), 400);
    assert_eq!(d.get("firewall/session?count=-1&ip_version=ipv5").status(), 424);
    assert_eq!(d.get("system/resource/usage?resource=gpu").status(), 424);
    assert_eq!(d.get("router/ipv4?start=-3").status(), 400);
    assert_eq!(d.post("firewall/policy/clear_counters", json!({"policy": ["x"]})).status(), 400);
    assert_eq!(d.post("firewall/policy/clear_counters", json!({"policy": 99})).status(), 404);
    assert_eq!(
        d.post("system/time/set", json!({"year":2017,"month":1,"day":30,"hour":0,"minute":0,"second":0}))
            .status(),
        424
    );
    let r = d.req("POST", "firewall/policy/reset", Some(json!([1, 2])));
    assert_eq!(d.send(&r).status(), 400);
}

// ---------------------------------------------------------------------------------------------
// State and clock
// ---------------------------------------------------------------------------------------------

fn counter(rows: &Value, id: i64, field: &str) -> i64 {
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| r["policyid"] == id)
        .map(|r| r[field].as_i64().unwrap_or(0))
        .unwrap_or(-1)
}

#[test]
fn policy_counters_grow_with_the_clock_and_reset_to_zero() {
    let mut d = Dev::live();
    let first = d.results("firewall/policy");
    assert_eq!(counter(&first, 1, "bytes"), 0, "new rows start at zero: {first}");
    d.now += 600;
    let later = d.results("firewall/policy");
    assert!(counter(&later, 1, "bytes") > 0, "{later}");
    assert!(counter(&later, 1, "hit_count") > 0);
    assert!(counter(&later, 1, "last_used") > T0);
    assert_eq!(counter(&later, 2, "bytes"), 0, "deny policy passes nothing");
    d.now += 600;
    let more = d.results("firewall/policy");
    assert!(counter(&more, 1, "bytes") > counter(&later, 1, "bytes"));
    d.ok("firewall/policy/reset", json!({}));
    let zero = d.results("firewall/policy");
    assert_eq!(counter(&zero, 1, "bytes"), 0);
    assert_eq!(counter(&zero, 1, "hit_count"), 0);
    // The same time gives the same answer.
    assert_eq!(d.results("firewall/policy"), zero);
}

#[test]
fn policy_rows_follow_the_cmdb() {
    let mut d = Dev::lab();
    let body = json!({"policyid": 9, "name": "p9", "srcintf": [{"name":"port1"}], "dstintf": [{"name":"port2"}],
                      "srcaddr": [{"name":"all"}], "dstaddr": [{"name":"all"}], "action": "accept",
                      "schedule": "always", "service": [{"name":"ALL"}]});
    d.cmdb(Command::Create { target: Target::table("firewall/policy", ROOT), body });
    d.cmdb(Command::Delete { target: Target::entry("firewall/policy", ROOT, "2") });
    d.cmdb(Command::Move {
        target: Target::entry("firewall/policy", ROOT, "9"),
        before: Some("1".into()),
        after: None,
    });
    let rows = d.results("firewall/policy");
    let ids: Vec<i64> = rows.as_array().unwrap().iter().map(|r| r["policyid"].as_i64().unwrap()).collect();
    assert_eq!(ids, [9, 1, 3]);
    assert_eq!(counter(&rows, 9, "bytes"), 0);
    assert_eq!(counter(&rows, 1, "bytes"), 1000);
}

#[test]
fn synthetic_sessions_come_and_go_with_the_clock_and_clear_all_empties_them() {
    let mut d = Dev::live();
    let mut seen = std::collections::BTreeSet::new();
    let mut nonempty = 0;
    for i in 0..20 {
        d.now = T0 + i * 120;
        let s = d.results("firewall/session?count=-1&ip_version=ipboth");
        let arr = s.as_array().unwrap();
        if !arr.is_empty() {
            nonempty += 1;
        }
        for x in arr {
            assert!(x["policyid"] == 1 || x["policyid"] == 3, "{x}");
            seen.insert(format!("{}:{}", x["saddr"], x["sport"]));
        }
    }
    assert!(nonempty > 5, "sessions appear over time");
    assert!(seen.len() > 5, "different sessions over time: {seen:?}");
    d.now = T0 + 3000;
    let before = d.results("firewall/session?count=-1&ip_version=ipboth").as_array().unwrap().len();
    let n = d.ok("firewall/session/clear_all", json!({}))["results"].as_u64().unwrap();
    assert_eq!(n as usize, before);
    assert!(d.results("firewall/session?count=-1&ip_version=ipboth").as_array().unwrap().is_empty());
}

#[test]
fn interface_counters_and_resources_move_with_the_clock_deterministically() {
    let mut d = Dev::live();
    d.now = T0 + 100;
    let a = d.results("system/interface");
    let usage_a = d.results("system/resource/usage?resource=cpu&interval=1-hour");
    d.now = T0 + 4000;
    let b = d.results("system/interface");
    assert!(b["port1"]["rx_bytes"].as_u64().unwrap() > a["port1"]["rx_bytes"].as_u64().unwrap());
    assert_eq!(b["port1"]["ip"], "192.168.1.99");
    assert_eq!(b["port1"]["mask"], 24);
    let usage_b = d.results("system/resource/usage?resource=cpu&interval=1-hour");
    assert_ne!(usage_a, usage_b);
    assert_eq!(usage_b["cpu"][0]["historical"]["1-hour"]["values"].as_array().unwrap().len(), 60);
    let mut twin = Dev::live();
    twin.now = T0 + 4000;
    assert_eq!(twin.results("system/resource/usage?resource=cpu&interval=1-hour"), usage_b);
}

#[test]
fn routes_derive_from_interfaces_and_static_routes() {
    let mut d = Dev::lab();
    let r = d.results("router/ipv4");
    let masks: Vec<&str> = r.as_array().unwrap().iter().map(|x| x["ip_mask"].as_str().unwrap()).collect();
    assert_eq!(masks, ["192.168.1.0/24", "192.168.100.0/24"]);
    d.cmdb(Command::Create {
        target: Target::table("router/static", ROOT),
        body: json!({"seq-num": 1, "dst": "0.0.0.0 0.0.0.0", "gateway": "192.168.1.1", "device": "port1"}),
    });
    let r = d.results("router/ipv4");
    assert_eq!(r[0]["ip_mask"], "0.0.0.0/0");
    assert_eq!(r[0]["type"], "static");
    assert_eq!(r[0]["gateway"], "192.168.1.1");
    assert_eq!(d.results("router/ipv4?type=connect").as_array().unwrap().len(), 2);
    assert_eq!(d.results("router/ipv4?start=1&count=1").as_array().unwrap().len(), 1);
    let l = d.results("router/lookup?destination=8.8.8.8");
    assert_eq!(l["interface"], "port1");
    assert_eq!(l["network"], "0.0.0.0/0");
    let l = d.results("router/lookup?destination=192.168.100.7");
    assert_eq!(l["interface"], "lan");
    assert_eq!(d.results("router/statistics?ip_version=4")["total_lines"], 3);
    // Bringing the interface down withdraws its routes.
    d.cmdb(Command::Update {
        target: Target::entry("system/interface", ROOT, "port1"),
        body: json!({"status": "down"}),
    });
    let masks: Vec<String> = d
        .results("router/ipv4")
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["ip_mask"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(masks, ["192.168.100.0/24"]);
    d.cmdb(Command::Create {
        target: Target::table("router/static6", ROOT),
        body: json!({"seq-num": 1, "dst": "2001:db8::/32", "gateway": "fe80::1", "device": "lan"}),
    });
    assert_eq!(d.results("router/ipv6")[0]["ip_mask"], "2001:db8::/32");
    assert_eq!(d.results("router/lookup?ipv6=true&destination=2001:db8::5")["interface"], "lan");
}

#[test]
fn dhcp_leases_come_from_servers_and_revoke_removes_them() {
    let mut d = Dev::live();
    let base = d.results("system/dhcp").as_array().unwrap().len();
    d.rt.inject(
        d.now,
        &json!({"kind": "lease", "ip": "192.168.100.50", "mac": "00:09:0f:aa:bb:cc", "hostname": "cam",
                               "interface": "lan", "server_mkey": 1}),
    )
    .unwrap();
    let all = d.results("system/dhcp");
    assert_eq!(all.as_array().unwrap().len(), base + 1);
    assert!(all.as_array().unwrap().iter().any(|l| l["ip"] == "192.168.100.50"));
    d.ok("system/dhcp/revoke", json!({"ip": ["192.168.100.50"]}));
    assert!(!d.results("system/dhcp").as_array().unwrap().iter().any(|l| l["ip"] == "192.168.100.50"));
    d.ok("system/dhcp/revoke", json!({}));
    assert!(d.results("system/dhcp").as_array().unwrap().is_empty());
}

#[test]
fn time_set_moves_the_device_clock_which_keeps_ticking() {
    let mut d = Dev::lab();
    d.ok("system/time/set", json!({"year":2020,"month":0,"day":15,"hour":8,"minute":30,"second":0}));
    let t = d.results("system/time");
    assert_eq!((t["year"].as_i64(), t["month"].as_i64(), t["day"].as_i64()), (Some(2020), Some(0), Some(15)));
    assert_eq!(t["hour"], 8);
    d.now += 90;
    let t = d.results("system/time");
    assert_eq!((t["minute"].as_i64(), t["second"].as_i64()), (Some(31), Some(30)));
}

#[test]
fn license_and_firmware_report_the_identity_and_upgrade_is_a_reboot_that_boot_applies() {
    let mut d = Dev::lab();
    let lic = d.results("license/status");
    assert_eq!(lic["version"], "v5.6.0");
    assert_eq!(lic["forticare"]["status"], "licensed");
    let fw = d.results("system/firmware");
    assert_eq!(fw["current"]["version"], "v5.6.0");
    assert_eq!(fw["current"]["build"], 1449);
    assert_eq!(fw["available"].as_array().unwrap().len(), 3);
    match d.post("system/firmware/upgrade", json!({"source": "fortiguard", "filename": "v5.6.3"})) {
        MonitorReply::Lifecycle { action: LifecycleAction::Reboot, .. } => {}
        other => panic!("{other:?}"),
    }
    monitor::boot(&mut d.model, &mut d.rt, T0 + 60);
    d.now = T0 + 60;
    assert_eq!(d.results("system/firmware")["current"]["build"], 1547);
    assert_eq!(d.model.identity.version, "v5.6.3");
    assert_eq!(d.post("system/firmware/upgrade", json!({"source": "upload"})).status(), 424);
}

#[test]
fn object_usage_lists_referrers() {
    let mut d = Dev::lab();
    let u = d.results("system/object/usage?path=firewall&name=address&mkey=all");
    let using = u["currently_using"].as_array().unwrap();
    assert!(
        using.iter().any(|x| x["path"] == "firewall" && x["name"] == "policy" && x["mkey"] == "1"),
        "{u}"
    );
    assert_eq!(d.get("system/object/usage?path=firewall&name=address&mkey=nothing").status(), 404);
}

#[test]
fn banned_ips_expire_with_the_clock() {
    let mut d = Dev::lab();
    d.ok("user/banned/add_users", json!({"ip_addresses": ["10.9.9.9", "10.9.9.8"], "expiry": 60}));
    assert_eq!(d.results("user/banned").as_array().unwrap().len(), 2);
    d.ok("user/banned/clear_users", json!({"ip_addresses": ["10.9.9.8"]}));
    assert_eq!(d.results("user/banned").as_array().unwrap().len(), 1);
    d.now += 61;
    assert!(d.results("user/banned").as_array().unwrap().is_empty());
    assert_eq!(d.post("user/banned/add_users", json!({"ip_addresses": ["not-an-ip"]})).status(), 424);
}

#[test]
fn ipsec_tunnels_come_from_the_cmdb_and_go_up_and_down() {
    let mut d = Dev::lab();
    d.cmdb(Command::Create {
        target: Target::table("vpn.ipsec/phase1-interface", ROOT),
        body: json!({"name": "hq", "interface": "port1", "remote-gw": "203.0.113.1", "psksecret": "secret123"}),
    });
    d.cmdb(Command::Create {
        target: Target::table("vpn.ipsec/phase2-interface", ROOT),
        body: json!({"name": "hq-p2", "phase1name": "hq"}),
    });
    let t = d.results("vpn/ipsec");
    assert_eq!(t[0]["name"], "hq");
    assert_eq!(t[0]["proxyid"][0]["status"], "down");
    d.ok("vpn/ipsec/tunnel_up", json!({"p1name": "hq", "p2name": "hq-p2"}));
    d.now += 100;
    let t = d.results("vpn/ipsec");
    assert_eq!(t[0]["proxyid"][0]["status"], "up");
    assert!(t[0]["incoming_bytes"].as_u64().unwrap() > 0);
    d.ok("vpn/ipsec/tunnel_reset_stats", json!({"p1name": "hq"}));
    assert_eq!(d.results("vpn/ipsec")[0]["incoming_bytes"], 0);
    assert_eq!(d.post("vpn/ipsec/tunnel_up", json!({"p1name": "hq", "p2name": "nope"})).status(), 404);
}

#[test]
fn log_statistics_count_written_events_and_reset() {
    let mut d = Dev::lab();
    assert!(matches!(
        d.post("system/os/reboot", json!({"event_log_message": "maintenance"})),
        MonitorReply::Lifecycle { .. }
    ));
    let stats = d.results("log/stats?dev=memory");
    let today = stats.as_array().unwrap().last().unwrap().clone();
    assert_eq!(today["event"], 1, "{stats}");
    d.ok("log/stats/reset", json!({}));
    d.now += 1;
    assert_eq!(d.results("log/stats").as_array().unwrap().last().unwrap()["event"], 0);
    let (total, page) = monitor::search_logs(
        &d.model,
        &d.rt,
        d.now,
        &monitor::LogQuery {
            kind: "event".into(),
            filter: vec!["msg=@maintenance".into()],
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(total, 1);
    assert_eq!(page[0]["subtype"], "system");
}

#[test]
fn generated_traffic_logs_are_bounded_deterministic_and_filterable() {
    let d = Dev::live();
    let now = T0 + 7200;
    let q = monitor::LogQuery { kind: "traffic".into(), rows: 1000, ..Default::default() };
    let (total, page) = monitor::search_logs(&d.model, &d.rt, now, &q).unwrap();
    assert!(total > 0);
    assert!(page.len() <= 1000);
    let again = monitor::search_logs(&d.model, &d.rt, now, &q).unwrap();
    assert_eq!(again.1, page);
    let q = monitor::LogQuery {
        kind: "traffic".into(),
        filter: vec!["dstport==443".into()],
        ..Default::default()
    };
    let (n443, rows) = monitor::search_logs(&d.model, &d.rt, now, &q).unwrap();
    assert!(n443 < total);
    assert!(rows.iter().all(|r| r["dstport"] == 443));
    let bad = monitor::LogQuery { filter: vec!["dstport=~~".into()], ..Default::default() };
    assert!(monitor::search_logs(&d.model, &d.rt, now, &bad).is_err());
}

// ---------------------------------------------------------------------------------------------
// Backup and restore
// ---------------------------------------------------------------------------------------------

#[test]
fn global_backup_restore_round_trips_exactly_with_base64_and_multipart() {
    let mut d = Dev::lab();
    let (ct, name, bytes) = file_of(d.get("system/config/backup?scope=global"));
    assert_eq!(ct, "text/plain");
    assert!(name.starts_with("FGT60D4617000001_20170331_1200"), "{name}");
    let text = String::from_utf8(bytes.clone()).unwrap();
    let before_addr = d.cmdb_rows("firewall/address", ROOT);
    let before_pol = d.cmdb_rows("firewall/policy", ROOT);
    d.cmdb(Command::Create {
        target: Target::table("firewall/address", ROOT),
        body: json!({"name": "x1", "subnet": "9.9.9.0 255.255.255.0"}),
    });
    d.cmdb(Command::Delete { target: Target::entry("firewall/policy", ROOT, "3") });
    match d.post(
        "system/config/restore",
        json!({"source": "upload", "scope": "global", "file_content": b64(&bytes)}),
    ) {
        MonitorReply::Lifecycle { action: LifecycleAction::Reboot, body } => {
            assert_eq!(body["status"], "success");
            assert!(body.get("vdom").is_none(), "global scope: {body}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(d.cmdb_rows("firewall/address", ROOT), before_addr);
    assert_eq!(d.cmdb_rows("firewall/policy", ROOT), before_pol);
    let (_, _, again) = file_of(d.get("system/config/backup?scope=global"));
    let strip =
        |t: &str| t.lines().filter(|l| !l.starts_with("#conf_file_ver")).collect::<Vec<_>>().join("\n");
    assert_eq!(strip(&String::from_utf8(again).unwrap()), strip(&text));
    // Multipart: the raw bytes in `upload`.
    d.cmdb(Command::Delete { target: Target::entry("firewall/policy", ROOT, "1") });
    let mut r = d.req("POST", "system/config/restore", Some(json!({"source": "upload", "scope": "global"})));
    r.upload = Some(bytes);
    assert!(matches!(d.send(&r), MonitorReply::Lifecycle { .. }));
    assert_eq!(d.cmdb_rows("firewall/policy", ROOT), before_pol);
}

#[test]
fn bad_restore_input_is_refused_and_changes_nothing() {
    let mut d = Dev::lab();
    let before = d.model.clone();
    let r = d.post(
        "system/config/restore?vdom=root",
        json!({"source": "upload", "scope": "vdom", "file_content": "@@not base64@@"}),
    );
    assert_eq!(r.status(), 424);
    let r = d.post(
        "system/config/restore",
        json!({"source": "upload", "scope": "global", "file_content": b64(b"config nonsense\n")}),
    );
    assert!(matches!(r.status(), 400 | 424), "{r:?}");
    assert_eq!(d.post("system/config/restore", json!({"source": "upload", "scope": "global"})).status(), 424);
    assert_eq!(d.post("system/config/restore", json!({"source": "floppy", "scope": "global"})).status(), 424);
    assert_eq!(d.model, before);
}

#[test]
fn encrypted_backup_needs_its_password_to_restore() {
    let mut d = Dev::lab();
    let (_, _, plain) = file_of(d.get("system/config/backup?scope=global"));
    let (ct, _, enc) = file_of(d.get("system/config/backup?scope=global&password=secret"));
    assert_eq!(ct, "application/octet-stream");
    assert_ne!(plain, enc);
    assert!(String::from_utf8_lossy(&enc).starts_with("#config-version=FGT60D-5.06-FW-build1449-"));
    let body = |pw: Option<&str>| {
        let mut b = json!({"source": "upload", "scope": "global", "file_content": b64(&enc)});
        if let Some(p) = pw {
            b["password"] = json!(p);
        }
        b
    };
    assert_eq!(d.post("system/config/restore", body(None)).status(), 424);
    assert_eq!(d.post("system/config/restore", body(Some("wrong"))).status(), 424);
    assert!(matches!(d.post("system/config/restore", body(Some("secret"))), MonitorReply::Lifecycle { .. }));
}

// ---------------------------------------------------------------------------------------------
// Golden scenarios of spec §5.3
// ---------------------------------------------------------------------------------------------

#[test]
fn s_m01_policy_statistics_in_table_order() {
    let mut d = Dev::lab();
    let a = d.results("firewall/policy/");
    let ids: Vec<i64> = a.as_array().unwrap().iter().map(|r| r["policyid"].as_i64().unwrap()).collect();
    assert_eq!(ids, [1, 2, 3]);
    assert_eq!(counter(&a, 1, "bytes"), 1000);
    assert_eq!(counter(&a, 1, "packets"), 10);
    assert_eq!(counter(&a, 1, "active_sessions"), 2);
    assert_eq!(d.results("firewall/policy/select?vdom=root"), a);
    assert_eq!(d.results("firewall/policy?vdom=root"), a);
    match d.get("firewall/policy?vdom=root") {
        MonitorReply::Json { body, .. } => {
            assert_eq!(
                (body["path"].as_str(), body["name"].as_str(), body["vdom"].as_str()),
                (Some("firewall"), Some("policy"), Some("root"))
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn s_m02_global_statistics_answer_one_envelope_per_vdom() {
    let mut d = Dev::lab();
    match d.get("firewall/policy/?global=1") {
        MonitorReply::Json { status: 200, body } => {
            let arr = body.as_array().unwrap();
            assert_eq!(arr.len(), 2);
            assert_eq!(arr[0]["vdom"], "root");
            assert_eq!(arr[1]["vdom"], "vdom1");
            assert_eq!(arr[1]["results"], json!([]));
            assert_eq!(arr[0]["results"].as_array().unwrap().len(), 3);
        }
        other => panic!("{other:?}"),
    }
    // `vdoms` restricts global=1 to the admin's VDOMs.
    let mut r = d.req("GET", "firewall/policy?global=1", None);
    r.vdoms = vec!["vdom1".into()];
    assert_eq!(d.send(&r).body().unwrap().as_array().unwrap().len(), 1);
}

#[test]
fn s_m03_reset_all_counters_in_one_vdom_and_globally() {
    let mut d = Dev::lab();
    d.ok("firewall/policy/reset?vdom=root", json!({}));
    let r = d.results("firewall/policy/");
    assert!(r.as_array().unwrap().iter().all(|x| x["bytes"] == 0 && x["packets"] == 0));
    d.rt.inject(d.now, &json!({"kind": "policy-counters", "policyid": 1, "bytes": 7, "packets": 1})).unwrap();
    assert_eq!(counter(&d.results("firewall/policy"), 1, "bytes"), 7);
    match d.post("firewall/policy/reset?global=1", json!({})) {
        MonitorReply::Json { status: 200, body } => {
            assert_eq!(body.as_array().unwrap().len(), 2);
            assert!(body.as_array().unwrap().iter().all(|e| e["status"] == "success"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(counter(&d.results("firewall/policy"), 1, "bytes"), 0);
}

#[test]
fn s_m04_clear_selected_ipv6_counters_only() {
    let mut d = Dev::lab();
    d.rt.inject(
        d.now,
        &json!({"kind": "policy-counters", "ipv6": true, "policyid": 3, "bytes": 300, "packets": 3}),
    )
    .unwrap();
    d.ok("firewall/policy6/clear_counters?vdom=root", json!({"policy": 1}));
    let r = d.results("firewall/policy6");
    assert_eq!((counter(&r, 1, "bytes"), counter(&r, 2, "bytes"), counter(&r, 3, "bytes")), (0, 500, 300));
    d.ok("firewall/policy6/clear_counters?vdom=root", json!({"policy": [1, 2]}));
    let r = d.results("firewall/policy6");
    assert_eq!((counter(&r, 1, "bytes"), counter(&r, 2, "bytes"), counter(&r, 3, "bytes")), (0, 0, 300));
    let v4 = d.results("firewall/policy");
    assert_eq!((counter(&v4, 1, "bytes"), counter(&v4, 2, "bytes")), (1000, 500));
}

#[test]
fn s_m05_session_listing_paging_summary_and_filters() {
    let mut d = Dev::lab();
    let all = d.results("firewall/session?count=-1");
    assert_eq!(all.as_array().unwrap().len(), 2);
    let v6 = d.results("firewall/session?ip_version=ipv6&count=10");
    assert_eq!(v6.as_array().unwrap().len(), 1);
    assert_eq!(v6[0]["saddr"], "2001:db8::10");
    let s = d.results("firewall/session?vdom=root&ip_version=ipv4&start=0&count=1&summary=True");
    assert_eq!(s["details"].as_array().unwrap().len(), 1);
    assert_eq!(s["summary"]["total_sessions"], 2);
    assert_eq!(d.get("firewall/session?vdom=root").status(), 424);
    let f = d.results("firewall/session?count=-1&destport=8888");
    assert_eq!(f.as_array().unwrap().len(), 1);
    assert_eq!(f[0]["proto"], "udp");
}

#[test]
fn s_m06_close_one_session_with_numeric_or_string_ports() {
    let mut d = Dev::lab();
    let body =
        json!({"pro":"udp","saddr":"192.168.100.110","daddr":"96.45.33.73","sport":55933,"dport":8888});
    d.ok("firewall/session/close?vdom=root", body);
    let left = d.results("firewall/session?count=-1");
    assert_eq!(left.as_array().unwrap().len(), 1);
    assert_eq!(left[0]["proto"], "tcp");
    d.rt.inject(
        d.now,
        &json!({"kind": "session", "proto": "udp", "saddr": "192.168.100.110", "sport": 55933,
                               "daddr": "96.45.33.73", "dport": 8888, "policyid": 1}),
    )
    .unwrap();
    let strings =
        json!({"pro":"udp","saddr":"192.168.100.110","daddr":"96.45.33.73","sport":"55933","dport":"8888"});
    d.ok("firewall/session/close?vdom=root", strings);
    let missing = json!({"pro":"udp","saddr":"192.168.100.110","daddr":"96.45.33.73","sport":55933});
    assert_eq!(d.post("firewall/session/close?vdom=root", missing).status(), 424);
}

#[test]
fn s_m07_clear_all_sessions_returns_the_count() {
    let mut d = Dev::lab();
    let r = d.ok("firewall/session/clear_all?vdom=root", json!({}));
    assert_eq!(r["results"], 3);
    assert!(d.results("firewall/session?count=-1&ip_version=ipboth").as_array().unwrap().is_empty());
}

#[test]
fn s_m08_vdom_backup_and_restore_round_trip() {
    let mut d = Dev::lab();
    let (_, _, b) = file_of(d.get("system/config/backup?scope=vdom&vdom=vdom1"));
    d.cmdb(Command::Create {
        target: Target::table("firewall/address", "vdom1"),
        body: json!({"name": "x0"}),
    });
    let before = d.cmdb_rows("firewall/address", "vdom1");
    let (_, _, b) = {
        let _ = b;
        file_of(d.get("system/config/backup?scope=vdom&vdom=vdom1"))
    };
    let root_before = d.cmdb_rows("firewall/address", ROOT);
    d.cmdb(Command::Create {
        target: Target::table("firewall/address", "vdom1"),
        body: json!({"name": "x1"}),
    });
    d.cmdb(Command::Delete { target: Target::entry("firewall/address", "vdom1", "x0") });
    let r = d.ok(
        "system/config/restore?vdom=vdom1",
        json!({"source": "upload", "scope": "vdom", "file_content": b64(&b)}),
    );
    assert_eq!(r["status"], "success");
    assert_eq!(r["vdom"], "vdom1");
    assert_eq!(d.cmdb_rows("firewall/address", "vdom1"), before);
    assert_eq!(d.cmdb_rows("firewall/address", ROOT), root_before);
    // Multipart, form fields as strings.
    d.cmdb(Command::Create {
        target: Target::table("firewall/address", "vdom1"),
        body: json!({"name": "x2"}),
    });
    let mut req =
        d.req("POST", "system/config/restore?vdom=vdom1", Some(json!({"source": "upload", "scope": "vdom"})));
    req.upload = Some(b.clone());
    assert_eq!(d.send(&req).status(), 200);
    assert_eq!(d.cmdb_rows("firewall/address", "vdom1"), before);
    assert_eq!(d.get("system/config/backup").status(), 424);
}

#[test]
fn s_m09_certificate_download() {
    let mut d = Dev::lab();
    let (_, name, pem) =
        file_of(d.get("system/certificate/download?mkey=Fortinet_Factory&type=local&scope=global"));
    assert!(String::from_utf8(pem).unwrap().starts_with("-----BEGIN CERTIFICATE-----"));
    assert_eq!(name, "Fortinet_Factory.cer");
    assert_eq!(d.get("system/certificate/download?mkey=Fortinet_Factory").status(), 424);
    assert_eq!(d.get("system/certificate/download?mkey=Nope&type=local").status(), 404);
}

#[test]
fn s_m10_s_m11_reboot_and_shutdown_are_lifecycles_and_boot_clears_runtime() {
    let mut d = Dev::lab();
    match d.post("system/os/reboot", json!({})) {
        MonitorReply::Lifecycle { action: LifecycleAction::Reboot, body } => {
            assert_eq!(body["status"], "success");
            assert!(body.get("vdom").is_none());
        }
        other => panic!("{other:?}"),
    }
    let cmdb_before = d.model.cmdb.clone();
    monitor::boot(&mut d.model, &mut d.rt, T0 + 30);
    d.now = T0 + 30;
    assert_eq!(d.model.cmdb, cmdb_before);
    assert_eq!(d.model.revision.boot_epoch, T0 + 30);
    assert!(d.results("firewall/session?count=-1&ip_version=ipboth").as_array().unwrap().is_empty());
    assert_eq!(counter(&d.results("firewall/policy"), 1, "bytes"), 0);
    match d.post("system/os/shutdown", json!({"event_log_message": "bye"})) {
        MonitorReply::Lifecycle { action: LifecycleAction::Shutdown, .. } => {}
        other => panic!("{other:?}"),
    }
    assert!(d.rt.events.iter().any(|e| e.msg.contains("bye")));
}

#[test]
fn s_m12_global_backup_header() {
    let mut d = Dev::lab();
    let (_, _, b) = file_of(d.get("system/config/backup?scope=global"));
    let text = String::from_utf8(b).unwrap();
    let first = text.lines().next().unwrap();
    assert!(first.starts_with("#config-version=FGT60D-5.06-FW-build1449-"), "{first}");
    assert!(first.ends_with(":opmode=0:vdom=1:user=admin"), "{first}");
    assert!(text.contains("#buildno=1449"));
    assert!(text.contains("config system global"));
}

#[test]
fn s_m13_status_probes() {
    let mut d = Dev::lab();
    assert_eq!(d.get("system/status").status(), 404);
    match d.get("license/status") {
        MonitorReply::Json { status: 200, body } => assert_eq!(body["version"], "v5.6.0"),
        other => panic!("{other:?}"),
    }
    assert_eq!(d.results("system/firmware")["current"]["version"], "v5.6.0");
    match d.get("system/resource/usage?resource=cpu&interval=1-min") {
        MonitorReply::Json { status: 200, body } => {
            assert_eq!(body["action"], "usage");
            let keys: Vec<&String> = body["results"].as_object().unwrap().keys().collect();
            assert_eq!(keys, ["cpu"]);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(d.get("system/resource").status(), 404);
}

#[test]
fn s_m14_monitor_method_checks() {
    let mut d = Dev::lab();
    assert_eq!(d.get("firewall/policy/reset").status(), 405);
    assert_eq!(d.post("firewall/policy/select", json!({})).status(), 405);
    let r = d.req("PUT", "firewall/policy", None);
    assert_eq!(d.send(&r).status(), 405);
}

#[test]
fn s_m15_config_revisions_save_list_and_restore() {
    let mut d = Dev::lab();
    let saved = d.ok("system/config-revision/save", json!({"comments": "before"}));
    let id = saved["results"]["config_id"].as_i64().unwrap();
    let list = d.results("system/config-revision");
    assert_eq!(list["revisions"][0]["comments"], "before");
    assert_eq!(list["revisions"][0]["id"], id);
    let before = d.cmdb_rows("firewall/address", ROOT);
    d.cmdb(Command::Delete { target: Target::entry("firewall/address", ROOT, "hidden1") });
    let r =
        d.post("system/config/restore", json!({"source": "revision", "scope": "global", "config_id": id}));
    assert!(matches!(r, MonitorReply::Lifecycle { action: LifecycleAction::Reboot, .. }), "{r:?}");
    assert_eq!(d.cmdb_rows("firewall/address", ROOT), before);
    d.ok("system/config-revision/update-comments", json!({"config_id": id, "comments": "after"}));
    assert_eq!(d.results(&format!("system/config-revision/info?config_id={id}"))["comments"], "after");
    let (_, _, text) = file_of(d.get(&format!("system/config-revision/file?config_id={id}")));
    assert!(String::from_utf8(text).unwrap().contains("config firewall address"));
    d.ok("system/config-revision/delete", json!({"config_ids": [id]}));
    assert!(d.results("system/config-revision")["revisions"].as_array().unwrap().is_empty());
    assert_eq!(
        d.post("system/config/restore", json!({"source": "revision", "scope": "global", "config_id": id}))
            .status(),
        404
    );
}

#[test]
fn s_m16_admin_sessions_listed_and_disconnected() {
    let mut d = Dev::lab();
    let admins = vec![
        AdminSession {
            id: 1,
            admin: "admin".into(),
            srcip: "192.168.1.100".into(),
            method: "https".into(),
            profile: "super_admin".into(),
            vdom: "root".into(),
            login_time: T0,
        },
        AdminSession {
            id: 2,
            admin: "ro".into(),
            srcip: "192.168.1.101".into(),
            method: "https".into(),
            profile: "super_admin_readonly".into(),
            vdom: "root".into(),
            login_time: T0,
        },
    ];
    let mut r = d.req("GET", "system/current-admins", None);
    r.admins = admins.clone();
    let list = d.send(&r).body().unwrap()["results"].clone();
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(list[1]["id"], 2);
    let mut r = d.req("POST", "system/disconnect-admins", Some(json!({"id": 2, "method": "https"})));
    r.admins = admins.clone();
    match d.send(&r) {
        MonitorReply::Sessions { action: SessionAction::Disconnect(which), .. } => {
            assert_eq!(which, vec![(2, "https".to_string())])
        }
        other => panic!("{other:?}"),
    }
    let mut r = d.req("POST", "system/disconnect-admins", Some(json!({"id": 7, "method": "https"})));
    r.admins = admins;
    assert_eq!(d.send(&r).status(), 404);
}

#[test]
fn s_m17_time_set_uses_zero_based_months() {
    let mut d = Dev::lab();
    d.now = T0 + 12_345;
    d.ok("system/time/set", json!({"year":2017,"month":2,"day":31,"hour":12,"minute":0,"second":0}));
    let t = d.results("system/time/select");
    assert_eq!(t["datetime"], "2017-03-31 12:00:00");
    assert_eq!(t["month"], 2);
}

#[test]
fn toggle_vdom_mode_logs_everybody_out_and_refuses_with_extra_vdoms() {
    let mut d = Dev::lab();
    assert_eq!(d.post("system/admin/toggle-vdom-mode", json!({})).status(), 424);
    d.cmdb(Command::Delete { target: Target::entry("system/vdom", ROOT, "vdom1") });
    match d.post("system/admin/toggle-vdom-mode", json!({})) {
        MonitorReply::Sessions { action: SessionAction::DisconnectAll, body } => {
            assert_eq!(body["results"]["vdom_mode"], false)
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn injection_rejects_unknown_kinds_and_bad_fields() {
    let mut d = Dev::lab();
    assert!(monitor::inject(&mut d.model, &mut d.rt, T0, &json!({"kind": "meteor"})).is_err());
    assert!(
        monitor::inject(&mut d.model, &mut d.rt, T0, &json!({"kind": "session", "sport": "high"})).is_err()
    );
    assert!(monitor::inject(&mut d.model, &mut d.rt, T0, &json!([1])).is_err());
    let ok = monitor::inject(&mut d.model, &mut d.rt, T0, &json!({"kind": "route", "ip_mask": "10.0.0.0/8", "gateway": "192.168.1.254", "type": "ospf", "interface": "port1", "distance": 110})).unwrap();
    assert_eq!(ok["injected"], "route");
    assert!(d.results("router/ipv4?type=ospf").as_array().unwrap().len() == 1);
}

#[test]
fn runtime_survives_a_json_round_trip() {
    let mut d = Dev::live();
    d.ok("user/banned/add_users", json!({"ip_addresses": ["10.2.2.2"]}));
    d.ok("system/config-revision/save", json!({"comments": "x"}));
    let text = serde_json::to_string(&d.rt).unwrap();
    let back: Runtime = serde_json::from_str(&text).unwrap();
    assert_eq!(back, d.rt);
    let empty: Runtime = serde_json::from_str("{}").unwrap();
    assert!(empty.synthetic_traffic);
}

#[test]
fn is_write_marks_operations() {
    let d = Dev::lab();
    assert!(monitor::is_write(&d.req("POST", "firewall/policy/reset", None)));
    assert!(!monitor::is_write(&d.req("GET", "firewall/policy", None)));
    assert!(!monitor::is_write(&d.req("GET", "system/config/backup", None)));
}

#[test]
fn status_codes_of_replies_match_their_envelopes() {
    let mut d = Dev::lab();
    let r = d.get("firewall/session");
    assert_eq!(status_of(&r), 424);
    assert_eq!(r.body().unwrap()["http_status"], 424);
}

#[test]
fn readme_coverage_table_matches_the_catalogue() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let section = readme.split("## Monitor API").nth(1).expect("README has a Monitor API section");
    for e in monitor::catalogue() {
        let row = section
            .lines()
            .find(|l| l.starts_with(&format!("| `{}` |", e.area())))
            .unwrap_or_else(|| panic!("no README row for {}", e.area()));
        let cols: Vec<&str> = row.split(" | ").collect();
        let rest = format!("`{}/{}`", e.resource(), e.action());
        let col = if e.depth == Depth::Deep { cols[1] } else { cols[2] };
        assert!(
            col.split(", ").any(|c| c.trim() == rest),
            "{} should be listed as {:?} in the README",
            e.path,
            e.depth
        );
    }
}

#[test]
fn injected_counters_are_exact_at_injection_and_grow_afterwards_with_synthetic_traffic() {
    let mut d = Dev::live();
    d.now = T0 + 500;
    d.rt.inject(d.now, &json!({"kind": "policy-counters", "policyid": 1, "bytes": 1000, "packets": 10}))
        .unwrap();
    assert_eq!(counter(&d.results("firewall/policy"), 1, "bytes"), 1000);
    d.now += 60;
    assert!(counter(&d.results("firewall/policy"), 1, "bytes") > 1000);
}

/// Answers of every deep GET endpoint before and after a bundle of mutations and two hours.
#[test]
fn every_deep_read_changes_with_state_or_clock() {
    let mut d = Dev::live();
    d.now = T0 + 600;
    let admins =
        vec![AdminSession { id: 1, admin: "admin".into(), method: "https".into(), ..Default::default() }];
    let url = |e: &monitor::Endpoint| -> String {
        let mut qs = vec!["vdom=root".to_string()];
        for p in e.params.iter().filter(|p| p.required) {
            let v = match (e.path, p.name) {
                ("router/lookup/select", "destination") | ("firewall/policy-lookup/select", "dest") => {
                    json!("8.8.8.8")
                }
                ("system/certificate/download", "mkey") => json!("lab-cert"),
                _ => sample(e.path, p.name, p.ty, ""),
            };
            qs.push(format!(
                "{}={}",
                p.name,
                v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())
            ));
        }
        if e.path.starts_with("system/config-revision/") && e.action() != "select" {
            qs.push("config_id=1".into());
        }
        if e.path == "system/config/backup" {
            qs.push("scope=global".into());
        }
        format!("{}?{}", e.path, qs.join("&"))
    };
    let deep: Vec<&monitor::Endpoint> =
        monitor::catalogue().iter().filter(|e| e.depth == Depth::Deep && e.method == "GET").collect();
    let answer = |d: &mut Dev, e: &monitor::Endpoint, with_admins: bool| -> String {
        let mut r = d.req("GET", &url(e), None);
        if with_admins {
            r.admins = admins.clone();
        }
        format!("{:?}", d.send(&r))
    };
    let before: Vec<String> = deep.iter().map(|e| answer(&mut d, e, false)).collect();

    // State: CMDB objects, runtime operations and injections.
    let policy = json!({"policyid": 4, "srcintf": [{"name":"lan"}], "dstintf": [{"name":"port2"}],
                        "srcaddr": [{"name":"all"}], "dstaddr": [{"name":"all"}], "action": "accept",
                        "schedule": "always", "service": [{"name":"ALL"}]});
    d.cmdb(Command::Create { target: Target::table("firewall/policy", ROOT), body: policy });
    d.cmdb(Command::Create {
        target: Target::table("router/static", ROOT),
        body: json!({"seq-num": 1, "dst": "0.0.0.0 0.0.0.0", "gateway": "10.10.10.1", "device": "port2"}),
    });
    d.cmdb(Command::Create {
        target: Target::table("router/static6", ROOT),
        body: json!({"seq-num": 1, "dst": "::/0", "gateway": "fe80::1", "device": "port1"}),
    });
    d.cmdb(Command::Update {
        target: Target::entry("system/interface", ROOT, "port2"),
        body: json!({"mode": "dhcp", "allowaccess": "ping https"}),
    });
    d.cmdb(Command::Create {
        target: Target::table("firewall/address", ROOT),
        body: json!({"name": "fqdn9", "type": "fqdn", "fqdn": "new.example.org"}),
    });
    d.cmdb(Command::Create {
        target: Target::table("vpn.certificate/local", ROOT),
        body: json!({"name": "lab-cert"}),
    });
    d.cmdb(Command::Create {
        target: Target::table("vpn.ipsec/phase1-interface", ROOT),
        body: json!({"name": "hq", "interface": "port1", "remote-gw": "203.0.113.1", "psksecret": "secret123"}),
    });
    d.cmdb(Command::Create {
        target: Target::table("vpn.ipsec/phase2-interface", ROOT),
        body: json!({"name": "hq-p2", "phase1name": "hq"}),
    });
    d.ok("system/config-revision/save", json!({"comments": "c"}));
    d.ok("system/fortiguard/update", json!({}));
    d.ok("user/banned/add_users", json!({"ip_addresses": ["10.3.3.3"]}));
    d.ok("vpn/ipsec/tunnel_up", json!({"p1name": "hq", "p2name": "hq-p2"}));
    assert!(matches!(
        d.post("system/firmware/upgrade", json!({"source": "fortiguard", "filename": "v5.6.1"})),
        MonitorReply::Lifecycle { .. }
    ));
    for ev in [
        json!({"kind": "lease", "ip": "192.168.100.77", "mac": "00:09:0f:01:02:03", "hostname": "tv", "interface": "lan"}),
        json!({"kind": "firewall-user", "username": "guest", "ip": "192.168.100.8", "method": "firewall"}),
        json!({"kind": "ssl-session", "user_name": "bob", "remote_host": "198.51.100.4", "tunnel_ip": "10.212.134.200"}),
        json!({"kind": "session", "proto": "tcp", "saddr": "192.168.100.9", "sport": 1234, "daddr": "8.8.4.4", "dport": 443, "policyid": 4}),
        json!({"kind": "event", "msg": "hello"}),
    ] {
        monitor::inject(&mut d.model, &mut d.rt, d.now, &ev).unwrap();
    }
    d.now += 7200;
    let after: Vec<String> = deep.iter().map(|e| answer(&mut d, e, true)).collect();
    let same: Vec<&str> = deep
        .iter()
        .zip(before.iter().zip(&after))
        .filter(|(_, (a, b))| a == b)
        .map(|(e, _)| e.path)
        .collect();
    assert!(same.is_empty(), "deep endpoints that did not change: {same:?}");
}

#[test]
fn restore_takes_its_vdom_from_the_body_and_refuses_unreachable_vdoms() {
    let mut d = Dev::lab();
    let (_, _, b) = file_of(d.get("system/config/backup?scope=vdom&vdom=vdom1"));
    let before = d.cmdb_rows("firewall/address", "vdom1");
    d.cmdb(Command::Create {
        target: Target::table("firewall/address", "vdom1"),
        body: json!({"name": "x1"}),
    });
    let body = json!({"source": "upload", "scope": "vdom", "vdom": "vdom1", "file_content": b64(&b)});
    let mut r = d.req("POST", "system/config/restore", Some(body.clone()));
    r.vdoms = vec![ROOT.into()];
    assert_eq!(d.send(&r).status(), 403);
    assert_ne!(d.cmdb_rows("firewall/address", "vdom1"), before);
    d.ok("system/config/restore", body);
    assert_eq!(d.cmdb_rows("firewall/address", "vdom1"), before);
    let body = json!({"source": "upload", "scope": "vdom", "vdom": "nope", "file_content": b64(&b)});
    assert_eq!(d.post("system/config/restore", body).status(), 403);
}
