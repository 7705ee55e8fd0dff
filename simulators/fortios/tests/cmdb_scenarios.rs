//! The CMDB golden scenarios of spec §5.2 (S-C01 … S-C24), replayed at the model + wire level.
//! Envelopes are snapshotted with insta; essentials are also asserted directly.

mod common;

use common::Dev;
use devsim_fortios::wire::ErrorStatusMode;
use serde_json::json;

const ADDR: &str = "/api/v2/cmdb/firewall/address";
const POLICY: &str = "/api/v2/cmdb/firewall/policy";

#[test]
fn s_c01_url_grammar_reaches_tables_entries_and_child_entries() {
    let mut d = Dev::lab();
    assert_eq!(d.keys("/api/v2/cmdb/system/vdom/", "name"), ["root", "vdom1"]);
    let r = d.get("/api/v2/cmdb/system/vdom/vdom1/");
    assert_eq!(r.body["results"].as_array().unwrap().len(), 1);
    assert_eq!(r.body["results"][0]["name"], "vdom1");
    assert!(d.keys("/api/v2/cmdb/firewall.schedule/recurring/?vdom=root", "name").contains(&"always".into()));
    assert_eq!(d.keys("/api/v2/cmdb/firewall/policy/?vdom=root", "policyid"), ["1", "2", "3"]);
    let r = d.get("/api/v2/cmdb/firewall/policy/1/?vdom=root");
    assert_eq!(r.body["results"][0]["policyid"], 1);
    assert_eq!(r.body["mkey"], "1");
    let before = d.get("/api/v2/cmdb/firewall/policy/1/srcintf/?vdom=root");
    insta::assert_json_snapshot!("s_c01_srcintf", before.body);
    let del = d.delete("/api/v2/cmdb/firewall/policy/1/srcintf/lan/?vdom=root");
    assert_eq!(del.status, 200, "{}", del.body);
    insta::assert_json_snapshot!("s_c01_delete_child", del.body);
    let after = d.get("/api/v2/cmdb/firewall/policy/1/srcintf/?vdom=root");
    assert_eq!(after.body["results"], json!([{"name":"port1","q_origin_key":"port1"}]));
    assert_ne!(after.body["revision"], before.body["revision"]);
}

#[test]
fn s_c02_table_read_keeps_order_and_q_origin_key() {
    let mut d = Dev::lab();
    let r = d.get(&format!("{ADDR}?vdom=root"));
    let names: Vec<&str> =
        r.body["results"].as_array().unwrap().iter().map(|o| o["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["all", "none", "SSLVPN_TUNNEL_ADDR1", "address1", "fqdn1", "fqdn2", "range1", "hidden1"]
    );
    for o in r.body["results"].as_array().unwrap() {
        assert_eq!(o["q_origin_key"], o["name"]);
    }
    insta::assert_json_snapshot!("s_c02_addresses", r.body);
}

#[test]
fn s_c03_paging_and_skip() {
    let mut d = Dev::lab();
    let r = d.get(&format!("{ADDR}?vdom=root&start=0&count=10&skip=1"));
    let rows = r.body["results"].as_array().unwrap();
    assert_eq!(rows.len(), 8);
    let a1 = rows.iter().find(|o| o["name"] == "address1").unwrap();
    assert!(a1.get("start-ip").is_none() && a1.get("end-ip").is_none() && a1.get("fqdn").is_none());
    let f1 = rows.iter().find(|o| o["name"] == "fqdn1").unwrap();
    assert!(f1.get("subnet").is_none());
    assert_eq!(f1["fqdn"], "www.example.com");
    assert_eq!(d.keys(&format!("{ADDR}?vdom=root&start=0&count=2"), "name"), ["all", "none"]);
    assert_eq!(
        d.keys(&format!("{ADDR}?vdom=root&start=2&count=2"), "name"),
        ["SSLVPN_TUNNEL_ADDR1", "address1"]
    );
    assert!(d.keys(&format!("{ADDR}?vdom=root&start=50&count=2"), "name").is_empty());
    let full = d.get(&format!("{ADDR}/address1?vdom=root"));
    assert_eq!(full.body["results"][0]["start-ip"], "0.0.0.0");
    let bad = d.get(&format!("{ADDR}?vdom=root&start=x"));
    assert_eq!(bad.status, 400);
}

#[test]
fn s_c04_format_keeps_only_listed_attributes() {
    let mut d = Dev::lab();
    let r = d.get(&format!("{ADDR}?vdom=root&format=name|type"));
    for o in r.body["results"].as_array().unwrap() {
        let keys: Vec<&String> = o.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["name", "q_origin_key", "type"]);
    }
    let p = d.get(&format!("{POLICY}/1?vdom=root&format=policyid|action"));
    assert_eq!(p.body["results"], json!([{"policyid":1,"q_origin_key":1,"action":"accept"}]));
    insta::assert_json_snapshot!("s_c04_policy_format", p.body);
    let spaced = d.get(&format!("{ADDR}?vdom=root&format=name%20type"));
    assert_eq!(spaced.body["results"], r.body["results"]);
}

#[test]
fn s_c05_key_and_pattern() {
    let mut d = Dev::lab();
    assert_eq!(d.keys(&format!("{ADDR}?vdom=root&key=type&pattern=fqdn"), "name"), ["fqdn1", "fqdn2"]);
}

#[test]
fn s_c06_address_filters() {
    let mut d = Dev::lab();
    let k = |d: &mut Dev, f: &str| d.keys(&format!("{ADDR}?vdom=root&{f}"), "name");
    assert_eq!(k(&mut d, "filter=type==fqdn"), ["fqdn1", "fqdn2"]);
    assert_eq!(
        k(&mut d, "filter=type==fqdn,type==iprange"),
        ["SSLVPN_TUNNEL_ADDR1", "fqdn1", "fqdn2", "range1"]
    );
    assert_eq!(k(&mut d, "filter=type==fqdn&filter=associated-interface==lan"), ["fqdn1"]);
    assert_eq!(
        k(&mut d, "filter=type==fqdn,type==ipmask&filter=visibility==enable"),
        ["all", "none", "address1", "fqdn1", "fqdn2"]
    );
    assert_eq!(k(&mut d, "filter=type==FQDN"), ["fqdn1", "fqdn2"]);
    assert_eq!(k(&mut d, "filter=name=@fqdn"), ["fqdn1", "fqdn2"]);
    assert_eq!(
        k(&mut d, "filter=name!@fqdn"),
        ["all", "none", "SSLVPN_TUNNEL_ADDR1", "address1", "range1", "hidden1"]
    );
}

#[test]
fn s_c07_policy_filters() {
    let mut d = Dev::lab();
    let k = |d: &mut Dev, f: &str| d.keys(&format!("{POLICY}/?vdom=root&{f}"), "policyid");
    assert_eq!(k(&mut d, "filter=schedule==always"), ["1", "2"]);
    assert_eq!(k(&mut d, "filter=schedule!=always"), ["3"]);
    assert_eq!(k(&mut d, "filter=schedule==always,schedule==once"), ["1", "2", "3"]);
    assert_eq!(k(&mut d, "filter=schedule==always&filter=action==accept"), ["1"]);
    assert_eq!(k(&mut d, "filter=schedule==always&filter=action==accept,action==deny"), ["1", "2"]);
    assert_eq!(k(&mut d, "filter=policyid>=2"), ["2", "3"]);
    assert_eq!(k(&mut d, "filter=policyid<2"), ["1"]);
    assert_eq!(k(&mut d, "filter=srcintf==lan"), ["1", "3"]);
}

#[test]
fn s_c08_escaped_filter_patterns() {
    let mut d = Dev::lab();
    let r = d.put(&format!("{ADDR}/address1?vdom=root"), json!({"comment": "a,b\\c"}));
    assert_eq!(r.status, 200);
    assert_eq!(
        d.keys(&format!("{ADDR}?vdom=root&filter=comment%3D%3Da%5C%2Cb%5C%5Cc"), "name"),
        ["address1"]
    );
    let bad = d.get(&format!("{ADDR}?vdom=root&filter=comment==a,b"));
    assert_eq!(bad.status, 400);
    insta::assert_json_snapshot!("s_c08_bad_filter", bad.body);
}

#[test]
fn s_c09_schema() {
    let mut d = Dev::factory();
    let r = d.get(&format!("{ADDR}?action=schema"));
    assert_eq!(r.status, 200);
    let s = &r.body["results"];
    assert_eq!(s["mkey"], "name");
    for f in ["name", "type", "subnet", "comment", "visibility", "associated-interface"] {
        assert!(s["children"].get(f).is_some(), "{f}");
    }
    let p = d.get(&format!("{POLICY}?action=schema"));
    assert_eq!(p.body["results"]["mkey"], "policyid");
    assert_eq!(p.body["results"]["mkey_type"], "integer");
    assert_eq!(p.body["results"]["children"]["srcintf"]["category"], "table");
    insta::assert_json_snapshot!("s_c09_address_schema", r.body);
}

#[test]
fn s_c10_default() {
    let mut d = Dev::factory();
    let r = d.get(&format!("{ADDR}?action=default"));
    assert_eq!(r.body["results"]["type"], "ipmask");
    assert_eq!(r.body["results"]["subnet"], "0.0.0.0 0.0.0.0");
    assert_eq!(r.body["results"]["visibility"], "enable");
    insta::assert_json_snapshot!("s_c10_address_default", r.body);
}

#[test]
fn s_c11_create_fills_defaults_and_refuses_duplicates() {
    let mut d = Dev::factory();
    let r1 = d.post(&format!("{ADDR}?vdom=root"), json!({"name":"address1"}));
    assert_eq!(r1.status, 200);
    assert_eq!(r1.body["mkey"], "address1");
    assert_eq!(r1.body["http_method"], "POST");
    insta::assert_json_snapshot!("s_c11_create", r1.body);
    let got = d.get(&format!("{ADDR}/address1?vdom=root"));
    assert_eq!(got.body["results"][0]["type"], "ipmask");
    assert_eq!(got.body["results"][0]["subnet"], "0.0.0.0 0.0.0.0");
    let dup = d.post(&format!("{ADDR}?vdom=root"), json!({"name":"address1"}));
    assert_eq!(dup.status, 424);
    assert_eq!(dup.body["status"], "error");
    assert_eq!(dup.body["error"], -5);
    assert_eq!(dup.body["revision"], r1.body["revision"]);
    insta::assert_json_snapshot!("s_c11_duplicate", dup.body);
    let r4 = d.post(
        &format!("{ADDR}?vdom=root"),
        json!({"name":"address3","type":"ipmask","subnet":"1.1.1.0 255.255.255.0"}),
    );
    assert_eq!(r4.status, 200);
    assert_eq!(d.keys(&format!("{ADDR}?vdom=root"), "name").last().unwrap(), "address3");
    let got = d.get(&format!("{ADDR}/address3?vdom=root"));
    assert_eq!(got.body["results"][0]["subnet"], "1.1.1.0 255.255.255.0");
    let app = d.post("/api/v2/cmdb/application/list?vdom=root", json!({"name":"profile1"}));
    assert_eq!(app.status, 200);
    let missing = d.post(&format!("{ADDR}?vdom=root"), json!({"type":"fqdn"}));
    assert_eq!((missing.status, missing.body["error"].clone()), (424, json!(-651)));
    let bad = d.post(&format!("{ADDR}?vdom=root"), json!({"name":"x","subnet":"1.2.3.4 255.0.255.0"}));
    assert_eq!(bad.status, 424);
}

#[test]
fn s_c12_retrieve_one_object() {
    let mut d = Dev::lab();
    let r = d.get(&format!("{ADDR}/address1?action=select&vdom=root"));
    assert_eq!(r.body["results"].as_array().unwrap().len(), 1);
    assert_eq!(r.body["results"][0]["name"], "address1");
    assert_eq!(r.body["mkey"], "address1");
    insta::assert_json_snapshot!("s_c12_select_one", r.body);
    let missing = d.get(&format!("{ADDR}/nosuch?vdom=root"));
    assert_eq!((missing.status, missing.body["error"].clone()), (404, json!(-3)));
}

#[test]
fn s_c13_edit_changes_only_given_attributes() {
    let mut d = Dev::lab();
    let r = d.put(&format!("{ADDR}/address1?vdom=root"), json!({"comment":"test comment"}));
    assert_eq!((r.status, r.body["mkey"].clone()), (200, json!("address1")));
    insta::assert_json_snapshot!("s_c13_edit", r.body);
    let got = d.get(&format!("{ADDR}/address1?vdom=root"));
    assert_eq!(got.body["results"][0]["comment"], "test comment");
    assert_eq!(got.body["results"][0]["subnet"], "1.1.1.0 255.255.255.0");
    d.put(&format!("{ADDR}/address1?vdom=root"), json!({"subnet":"2.2.2.0 255.255.255.0"}));
    let got = d.get(&format!("{ADDR}/address1?vdom=root"));
    assert_eq!(got.body["results"][0]["subnet"], "2.2.2.0 255.255.255.0");
    assert_eq!(got.body["results"][0]["comment"], "test comment");
    assert_eq!(d.put(&format!("{ADDR}/nosuch?vdom=root"), json!({"comment":"x"})).status, 404);
}

#[test]
fn s_c14_rename_rewrites_references_and_keeps_position() {
    let mut d = Dev::lab();
    let p = d.post(
        &format!("{POLICY}?vdom=root"),
        json!({"policyid":9,"srcintf":[{"name":"port1"}],"dstintf":[{"name":"port2"}],"srcaddr":[{"name":"address1"}],
               "dstaddr":[{"name":"all"}],"action":"accept","schedule":"always","service":[{"name":"ALL"}]}),
    );
    assert_eq!((p.status, p.body["mkey"].clone()), (200, json!(9)));
    let order = d.keys(&format!("{ADDR}?vdom=root"), "name");
    let r = d.put(&format!("{ADDR}/address1?vdom=root"), json!({"name":"address2"}));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(d.get(&format!("{ADDR}/address1?vdom=root")).status, 404);
    let renamed = d.keys(&format!("{ADDR}?vdom=root"), "name");
    let pos = order.iter().position(|n| n == "address1").unwrap();
    assert_eq!(renamed[pos], "address2");
    let pol = d.get(&format!("{POLICY}/9?vdom=root"));
    assert_eq!(pol.body["results"][0]["srcaddr"], json!([{"name":"address2","q_origin_key":"address2"}]));
    let dup = d.put(&format!("{ADDR}/address2?vdom=root"), json!({"name":"fqdn1"}));
    assert_eq!((dup.status, dup.body["error"].clone()), (424, json!(-5)));
}

#[test]
fn s_c15_delete_refuses_objects_in_use() {
    let mut d = Dev::lab();
    let r = d.delete(&format!("{ADDR}/address1?vdom=root"));
    assert_eq!(r.status, 200);
    insta::assert_json_snapshot!("s_c15_delete", r.body);
    assert_eq!(d.get(&format!("{ADDR}/address1?vdom=root")).status, 404);
    let used = d.delete(&format!("{ADDR}/all?vdom=root"));
    assert_eq!((used.status, used.body["error"].clone()), (424, json!(-23)));
    insta::assert_json_snapshot!("s_c15_in_use", used.body);
    assert_eq!(d.get(&format!("{ADDR}/all?vdom=root")).status, 200);
}

#[test]
fn s_c16_purge_is_all_or_nothing() {
    let mut d = Dev::lab();
    for n in ["a1", "a2"] {
        assert_eq!(d.post(&format!("{ADDR}?vdom=vdom1"), json!({"name": n})).status, 200);
    }
    let r = d.delete(&format!("{ADDR}?vdom=vdom1"));
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(d.keys(&format!("{ADDR}?vdom=vdom1"), "name").is_empty());
    let before = d.keys(&format!("{ADDR}?vdom=root"), "name");
    let refused = d.delete(&format!("{ADDR}?vdom=root"));
    assert_eq!((refused.status, refused.body["error"].clone()), (424, json!(-23)));
    assert_eq!(d.keys(&format!("{ADDR}?vdom=root"), "name"), before);
}

#[test]
fn s_c17_clone_appends_a_copy_with_a_new_uuid() {
    let mut d = Dev::lab();
    let r = d.post(&format!("{ADDR}/address1?vdom=root&action=clone&nkey=address1_clone"), json!(null));
    assert_eq!(r.status, 200, "{}", r.body);
    insta::assert_json_snapshot!("s_c17_clone", r.body);
    assert_eq!(d.keys(&format!("{ADDR}?vdom=root"), "name").last().unwrap(), "address1_clone");
    let a = d.get(&format!("{ADDR}/address1?vdom=root")).body["results"][0].clone();
    let c = d.get(&format!("{ADDR}/address1_clone?vdom=root")).body["results"][0].clone();
    for f in ["type", "subnet", "comment"] {
        assert_eq!(a[f], c[f]);
    }
    assert_ne!(a["uuid"], c["uuid"]);
    let again = d.post(&format!("{ADDR}/address1?vdom=root&action=clone&nkey=address1_clone"), json!(null));
    assert_eq!(again.status, 424);
    assert_eq!(d.post(&format!("{ADDR}/nosuch?vdom=root&action=clone&nkey=x"), json!(null)).status, 404);
    let auto = d.post(&format!("{POLICY}/2?vdom=root&action=clone"), json!(null));
    assert_eq!(auto.body["mkey"], 4);
}

#[test]
fn s_c18_move_before_and_after() {
    let mut d = Dev::lab();
    let r = d.put(&format!("{POLICY}/1?vdom=root&action=move&after=2"), json!(null));
    assert_eq!(r.status, 200);
    insta::assert_json_snapshot!("s_c18_move", r.body);
    assert_eq!(d.keys(&format!("{POLICY}?vdom=root"), "policyid"), ["2", "1", "3"]);
    d.put(&format!("{POLICY}/3?vdom=root&action=move&before=2"), json!(null));
    assert_eq!(d.keys(&format!("{POLICY}?vdom=root"), "policyid"), ["3", "2", "1"]);
    assert_eq!(d.put(&format!("{POLICY}/1?vdom=root&action=move&after=99"), json!(null)).status, 404);
    assert_eq!(d.put(&format!("{POLICY}/1?vdom=root&action=move"), json!(null)).status, 424);
    let child = d.put(&format!("{POLICY}/3/srcintf/lan?vdom=root&action=move&before=port1"), json!(null));
    assert_eq!(child.status, 200);
    assert_eq!(d.keys(&format!("{POLICY}/3/srcintf?vdom=root"), "name"), ["lan", "port1"]);
}

#[test]
fn s_c19_child_tables() {
    let mut d = Dev::factory();
    let list = "/api/v2/cmdb/application/list";
    assert_eq!(d.post(&format!("{list}?vdom=root"), json!({"name":"profile1"})).status, 200);
    let r = d.put(
        &format!("{list}/profile1?vdom=root"),
        json!({"entries":[{"id":1,"application":[{"id":31236},{"id":31237}]}]}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let got = d.get(&format!("{list}/profile1?vdom=root"));
    let entries = &got.body["results"][0]["entries"];
    assert_eq!(entries.as_array().unwrap().len(), 1);
    assert_eq!(
        entries[0]["application"],
        json!([{"id":31236,"q_origin_key":31236},{"id":31237,"q_origin_key":31237}])
    );
    let add = d.post(&format!("{list}/profile1/entries?vdom=root"), json!({"id":3}));
    assert_eq!((add.status, add.body["mkey"].clone()), (200, json!(3)));
    assert_eq!(d.keys(&format!("{list}/profile1/entries?vdom=root"), "id"), ["1", "3"]);
    let edit = d.put(
        &format!("{list}/profile1/entries/3?vdom=root"),
        json!({"application":[{"id":31236},{"id":31237}]}),
    );
    assert_eq!(edit.status, 200);
    let e3 = d.get(&format!("{list}/profile1/entries/3?vdom=root"));
    insta::assert_json_snapshot!("s_c19_entry3", e3.body);
    assert_eq!(d.delete(&format!("{list}/profile1/entries/3?vdom=root")).status, 200);
    assert_eq!(d.keys(&format!("{list}/profile1/entries?vdom=root"), "id"), ["1"]);
    assert_eq!(d.delete(&format!("{list}/profile1/entries?vdom=root")).status, 200);
    assert!(d.keys(&format!("{list}/profile1/entries?vdom=root"), "id").is_empty());
    assert_eq!(d.post(&format!("{list}/profile1/entries?vdom=root"), json!({"id":1})).status, 200);
    let dup = d.post(&format!("{list}/profile1/entries?vdom=root"), json!({"id":1}));
    assert_eq!((dup.status, dup.body["error"].clone()), (424, json!(-5)));
    assert_eq!(d.delete(&format!("{list}/profile1/entries/42?vdom=root")).status, 404);
}

#[test]
fn s_c20_singleton_object() {
    let mut d = Dev::factory();
    let url = "/api/v2/cmdb/vpn.ssl/settings";
    let r = d.get(&format!("{url}?action=select"));
    assert_eq!(r.status, 200);
    assert!(r.body["results"].is_object());
    let put = d.put(&format!("{url}?vdom=root"), json!({"authentication-rule":[{"id":"1"},{"id":"2"}]}));
    assert_eq!(put.status, 200, "{}", put.body);
    insta::assert_json_snapshot!("s_c20_put", put.body);
    let ids = |d: &mut Dev| -> Vec<i64> {
        d.get(&format!("{url}?action=select")).body["results"]["authentication-rule"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["id"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(ids(&mut d), [1, 2]);
    d.put(&format!("{url}?vdom=root"), json!({"authentication-rule":[{"id":2}]}));
    assert_eq!(ids(&mut d), [2]);
    assert_eq!(d.delete(url).status, 405);
    assert_eq!(d.keys(&format!("{url}/authentication-rule"), "id"), ["2"]);
    let global = d.get("/api/v2/cmdb/system/global");
    assert!(global.body.get("vdom").is_none(), "global-scope answers carry no vdom");
    insta::assert_json_snapshot!("s_c20_system_global", global.body);
}

#[test]
fn s_c21_global_requests_answer_one_envelope_per_vdom() {
    let mut d = Dev::lab();
    // vdom1 has no address1 in F1.
    let r = d.get(&format!("{ADDR}?global=1"));
    let arr = r.body.as_array().unwrap();
    assert_eq!(arr.len(), 2);
    assert_eq!((arr[0]["vdom"].clone(), arr[1]["vdom"].clone()), (json!("root"), json!("vdom1")));
    let p = d.post(&format!("{ADDR}?global=1"), json!({"name":"address1"}));
    insta::assert_json_snapshot!("s_c21_post_global", p.body);
    assert_eq!(p.body[0]["status"], "error");
    assert_eq!(p.body[0]["http_status"], 424);
    assert_eq!(p.body[1]["status"], "success");
    assert_eq!(p.status, 424);
    let del = d.delete(&format!("{ADDR}/address1?global=1"));
    assert_eq!(del.status, 200);
    assert!(del.body.as_array().unwrap().iter().all(|e| e["status"] == "success"));
    for v in ["root", "vdom1"] {
        assert_eq!(d.get(&format!("{ADDR}/address1?vdom={v}")).status, 404);
    }
}

#[test]
fn s_c22_json_wrapper_and_plain_json_bodies_create_policies() {
    let mut d = Dev::lab();
    let r = d.post(
        &format!("{POLICY}?vdom=root"),
        json!({"json":{"name":"test_policy","srcintf":[{"name":"port1"}],"dstintf":[{"name":"port2"}],
            "srcaddr":[{"name":"all"}],"dstaddr":[{"name":"all"}],"action":"accept","status":"enable",
            "schedule":"always","service":[{"name":"ALL"}],"nat":"disable"}}),
    );
    assert_eq!((r.status, r.body["mkey"].clone()), (200, json!(4)));
    let got = d.get(&format!("{POLICY}/4?vdom=root"));
    assert_eq!(got.body["results"][0]["name"], "test_policy");
    let plain = d.post(
        &format!("{POLICY}?vdom=root"),
        json!({"name":"plain","srcintf":[{"name":"port1"}],"dstintf":[{"name":"port2"}],"srcaddr":[{"name":"all"}],
               "dstaddr":[{"name":"all"}],"action":"deny","schedule":"always","service":[{"name":"ALL"}]}),
    );
    assert_eq!((plain.status, plain.body["mkey"].clone()), (200, json!(5)));
    let dangling = d.post(
        &format!("{POLICY}?vdom=root"),
        json!({"srcintf":[{"name":"port1"}],"dstintf":[{"name":"port2"}],"srcaddr":[{"name":"nosuch"}],
               "dstaddr":[{"name":"all"}],"schedule":"always","service":[{"name":"ALL"}]}),
    );
    assert_eq!((dangling.status, dangling.body["error"].clone()), (424, json!(-651)));
}

#[test]
fn s_c23_meta_and_datasource() {
    let mut d = Dev::lab();
    let r = d.get(&format!("{ADDR}/all?vdom=root&with_meta=1"));
    let o = &r.body["results"][0];
    assert!(o["q_ref"].as_u64().unwrap() >= 1, "{o}");
    assert!(o.get("q_static").is_some() && o.get("q_type").is_some());
    insta::assert_json_snapshot!("s_c23_with_meta", r.body);
    let p = d.get(&format!("{POLICY}/1?vdom=root&datasource=1"));
    assert_eq!(p.body["results"][0]["srcaddr"][0]["datasource"], "firewall.address");
    assert_eq!(p.body["results"][0]["srcintf"][0]["datasource"], "system.interface");
}

#[test]
fn s_c24_error_paths() {
    let mut d = Dev::lab();
    assert_eq!(d.get("/api/v2/cmdb/firewall/nosuch").status, 404);
    let put_coll = d.put(&format!("{ADDR}?vdom=root"), json!({"comment":"x"}));
    assert_eq!(put_coll.status, 405);
    insta::assert_json_snapshot!("s_c24_put_collection", put_coll.body);
    assert_eq!(d.post(&format!("{ADDR}/address1?vdom=root"), json!({"name":"x"})).status, 405);
    assert_eq!(d.post(&format!("{ADDR}?vdom=root"), json!([1, 2])).status, 400);
    assert_eq!(d.get(&format!("{ADDR}?vdom=root&filter=type")).status, 400);
    assert_eq!(d.get(&format!("{ADDR}?vdom=nosuch")).status, 403);
    assert_eq!(d.get(&format!("{ADDR}?vdom=root&action=frobnicate")).status, 400);
    assert_eq!(d.req("PATCH", &format!("{ADDR}?vdom=root"), None).status, 405);
}

#[test]
fn firmware_quirk_mode_answers_duplicates_with_500() {
    let mut d = Dev::lab();
    d.mode = ErrorStatusMode::Firmware;
    let dup = d.post(&format!("{ADDR}?vdom=root"), json!({"name":"address1"}));
    assert_eq!(
        (dup.status, dup.body["http_status"].clone(), dup.body["error"].clone()),
        (500, json!(500), json!(-5))
    );
    let in_use = d.delete(&format!("{ADDR}/all?vdom=root"));
    assert_eq!(in_use.status, 424, "in-use keeps the reference status");
}

#[test]
fn reads_do_not_change_the_revision_and_writes_do() {
    let mut d = Dev::lab();
    let a = d.get(&format!("{ADDR}?vdom=root")).body["revision"].clone();
    let b = d.get(&format!("{ADDR}?vdom=root")).body["revision"].clone();
    assert_eq!(a, b);
    d.put(&format!("{ADDR}/address1?vdom=root"), json!({"color": 3}));
    let c = d.get(&format!("{ADDR}?vdom=root")).body["revision"].clone();
    assert_ne!(b, c);
    let bad = d.put(&format!("{ADDR}/address1?vdom=root"), json!({"color": 99}));
    assert_eq!(bad.status, 424);
    assert_eq!(d.get(&format!("{ADDR}?vdom=root")).body["revision"], c);
}

#[test]
fn vdoms_are_created_with_factory_tables_and_deleted_when_unused() {
    let mut d = Dev::lab();
    assert_eq!(d.post("/api/v2/cmdb/system/vdom", json!({"name":"vdom2"})).status, 200);
    assert_eq!(d.keys(&format!("{ADDR}?vdom=vdom2"), "name"), ["all", "none", "SSLVPN_TUNNEL_ADDR1"]);
    assert_eq!(d.delete("/api/v2/cmdb/system/vdom/vdom2").status, 200);
    assert_eq!(d.get(&format!("{ADDR}?vdom=vdom2")).status, 403);
    let root = d.delete("/api/v2/cmdb/system/vdom/root");
    assert_eq!(root.status, 424);
}
