//! The CMDB over HTTP: every method, the spec's §5.2 scenarios (S-C01 … S-C24) as a client
//! sends them, ETag / 304, form bodies, bad input.

mod support;

use http::StatusCode;
use serde_json::{json, Value};

use devsim_core::SimDevice;
use support::{lab, sim, sim_with, Sim};

fn results(r: &support::Resp) -> &Vec<Value> {
    r.body["results"].as_array().expect("results array")
}

async fn admin(s: &Sim) -> support::Session {
    s.admin().await
}

#[tokio::test]
async fn s_c01_url_grammar_reaches_tables_entries_and_child_entries() {
    let s = lab();
    let a = admin(&s).await;
    assert_eq!(s.get(&a, "/api/v2/cmdb/system/vdom/").await.names(), ["root", "vdom1"]);
    let one = s.get(&a, "/api/v2/cmdb/system/vdom/vdom1/").await;
    assert_eq!(one.names(), ["vdom1"]);
    assert!(s
        .get(&a, "/api/v2/cmdb/firewall.schedule/recurring/?vdom=root")
        .await
        .names()
        .contains(&"always".to_string()));
    assert_eq!(s.get(&a, "/api/v2/cmdb/firewall/policy/?vdom=root").await.ids("policyid"), [1, 2, 3]);
    let p1 = s.get(&a, "/api/v2/cmdb/firewall/policy/1/?vdom=root").await;
    assert_eq!(p1.ids("policyid"), [1]);
    assert_eq!(p1.body["mkey"], "1");
    let src = s.get(&a, "/api/v2/cmdb/firewall/policy/1/srcintf/?vdom=root").await;
    assert_eq!(src.names(), ["port1", "lan"]);
    let rev = src.body["revision"].clone();
    let d = s.call(&a, "DELETE", "/api/v2/cmdb/firewall/policy/1/srcintf/lan/?vdom=root", None).await;
    assert_eq!(d.status, StatusCode::OK, "{:?}", d.body);
    let again = s.get(&a, "/api/v2/cmdb/firewall/policy/1/srcintf/?vdom=root").await;
    assert_eq!(again.names(), ["port1"]);
    assert_ne!(again.body["revision"], rev);
}

#[tokio::test]
async fn s_c02_table_read_keeps_order_and_envelope() {
    let s = lab();
    let a = admin(&s).await;
    let r = s.get(&a, "/api/v2/cmdb/firewall/address?vdom=root").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.names(),
        ["all", "none", "SSLVPN_TUNNEL_ADDR1", "address1", "fqdn1", "fqdn2", "range1", "hidden1"]
    );
    assert!(results(&r).iter().all(|e| e["q_origin_key"] == e["name"]));
    for (k, v) in [
        ("http_method", json!("GET")),
        ("vdom", json!("root")),
        ("path", json!("firewall")),
        ("name", json!("address")),
        ("status", json!("success")),
        ("http_status", json!(200)),
        ("serial", json!("FGT60D4617000001")),
        ("version", json!("v5.6.0")),
        ("build", json!(1449)),
    ] {
        assert_eq!(r.body[k], v, "{k}");
    }
    assert!(r.body["revision"].as_str().unwrap().contains(".0.0."));
    assert_eq!(r.headers["content-type"], "application/json");
}

#[tokio::test]
async fn s_c03_to_s_c07_read_parameters() {
    let s = lab();
    let a = admin(&s).await;
    let base = "/api/v2/cmdb/firewall/address?vdom=root";
    let skip = s.get(&a, &format!("{base}&start=0&count=10&skip=1")).await;
    let addr1 = results(&skip).iter().find(|e| e["name"] == "address1").unwrap();
    assert!(addr1.get("start-ip").is_none() && addr1.get("fqdn").is_none());
    assert_eq!(s.get(&a, &format!("{base}&start=0&count=2")).await.names(), ["all", "none"]);
    assert_eq!(
        s.get(&a, &format!("{base}&start=2&count=2")).await.names(),
        ["SSLVPN_TUNNEL_ADDR1", "address1"]
    );
    assert!(s.get(&a, &format!("{base}&start=50&count=2")).await.names().is_empty());
    let fmt = s.get(&a, &format!("{base}&format=name|type")).await;
    for e in results(&fmt) {
        let mut keys: Vec<&str> = e.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(keys, ["name", "q_origin_key", "type"]);
    }
    let sp = s.get(&a, &format!("{base}&format=name%20type")).await;
    assert_eq!(sp.body["results"], fmt.body["results"]);
    assert_eq!(
        results(&s.get(&a, "/api/v2/cmdb/firewall/policy/1?vdom=root&format=policyid|action").await)[0],
        json!({"policyid": 1, "q_origin_key": 1, "action": "accept"})
    );
    assert_eq!(s.get(&a, &format!("{base}&key=type&pattern=fqdn")).await.names(), ["fqdn1", "fqdn2"]);
    assert_eq!(s.get(&a, &format!("{base}&filter=type==fqdn")).await.names(), ["fqdn1", "fqdn2"]);
    assert_eq!(
        s.get(&a, &format!("{base}&filter=type==fqdn,type==iprange")).await.names(),
        ["SSLVPN_TUNNEL_ADDR1", "fqdn1", "fqdn2", "range1"]
    );
    assert_eq!(
        s.get(&a, &format!("{base}&filter=type==fqdn&filter=associated-interface==lan")).await.names(),
        ["fqdn1"]
    );
    assert_eq!(
        s.get(&a, &format!("{base}&filter=type==fqdn,type==ipmask&filter=visibility==enable")).await.names(),
        ["all", "none", "address1", "fqdn1", "fqdn2"]
    );
    assert_eq!(s.get(&a, &format!("{base}&filter=type==FQDN")).await.names(), ["fqdn1", "fqdn2"]);
    assert_eq!(s.get(&a, &format!("{base}&filter=name=@fqdn")).await.names(), ["fqdn1", "fqdn2"]);
    assert_eq!(s.get(&a, &format!("{base}&filter=name!@fqdn")).await.names().len(), 6);
    let pol = "/api/v2/cmdb/firewall/policy/?vdom=root";
    assert_eq!(s.get(&a, &format!("{pol}&filter=schedule==always")).await.ids("policyid"), [1, 2]);
    assert_eq!(s.get(&a, &format!("{pol}&filter=schedule!=always")).await.ids("policyid"), [3]);
    assert_eq!(
        s.get(&a, &format!("{pol}&filter=schedule==always&filter=action==accept,action==deny"))
            .await
            .ids("policyid"),
        [1, 2]
    );
    assert_eq!(s.get(&a, &format!("{pol}&filter=policyid%3E=2")).await.ids("policyid"), [2, 3]);
    assert_eq!(s.get(&a, &format!("{pol}&filter=policyid%3C2")).await.ids("policyid"), [1]);
}

#[tokio::test]
async fn s_c08_escaped_filters_and_malformed_filters() {
    let s = lab();
    let a = admin(&s).await;
    let put = s
        .call(
            &a,
            "PUT",
            "/api/v2/cmdb/firewall/address/address1?vdom=root",
            Some(json!({"comment": "a,b\\c"})),
        )
        .await;
    assert_eq!(put.status, StatusCode::OK);
    let r = s.get(&a, "/api/v2/cmdb/firewall/address?vdom=root&filter=comment==a%5C,b%5C%5Cc").await;
    assert_eq!(r.names(), ["address1"]);
    let bad = s.get(&a, "/api/v2/cmdb/firewall/address?vdom=root&filter=comment==a,b").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.body["http_status"], 400);
}

#[tokio::test]
async fn s_c09_s_c10_schema_and_default() {
    let s = sim();
    let a = admin(&s).await;
    let sc = s.get(&a, "/api/v2/cmdb/firewall/address?action=schema").await;
    assert_eq!(sc.status, StatusCode::OK);
    assert_eq!(sc.body["results"]["mkey"], "name");
    assert_eq!(sc.body["action"], "schema");
    assert_eq!(
        s.get(&a, "/api/v2/cmdb/firewall/policy?action=schema").await.body["results"]["mkey"],
        "policyid"
    );
    let d = s.get(&a, "/api/v2/cmdb/firewall/address?action=default").await;
    assert_eq!(d.body["results"]["type"], "ipmask");
    assert_eq!(d.body["results"]["subnet"], "0.0.0.0 0.0.0.0");
    let dir = s.get(&a, "/api/v2/cmdb/").await;
    assert!(results(&dir).iter().any(|t| t["path"] == "firewall" && t["name"] == "address"));
}

#[tokio::test]
async fn s_c11_create_fills_defaults_and_refuses_duplicates() {
    let s = sim();
    let a = admin(&s).await;
    let url = "/api/v2/cmdb/firewall/address?vdom=root";
    let c = s.call(&a, "POST", url, Some(json!({"name": "address1"}))).await;
    assert_eq!(c.status, StatusCode::OK);
    assert_eq!(c.body["mkey"], "address1");
    assert_eq!(c.body["http_method"], "POST");
    let r1 = c.body["revision"].clone();
    let got = s.get(&a, "/api/v2/cmdb/firewall/address/address1?vdom=root").await;
    assert_eq!(results(&got)[0]["subnet"], "0.0.0.0 0.0.0.0");
    let dup = s.call(&a, "POST", url, Some(json!({"name": "address1"}))).await;
    assert_eq!(dup.status.as_u16(), 424);
    assert_eq!(dup.body["error"], -5);
    assert_eq!(dup.body["revision"], r1);
    let c3 = s
        .call(&a, "POST", url, Some(json!({"name": "address3", "type": "ipmask", "subnet": "1.1.1.0/24"})))
        .await;
    assert_eq!(c3.status, StatusCode::OK);
    assert_eq!(s.get(&a, url).await.names().last().unwrap(), "address3");
    assert_eq!(
        s.call(&a, "POST", "/api/v2/cmdb/application/list?vdom=root", Some(json!({"name": "profile1"})))
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn firmware_error_mode_answers_duplicates_with_500() {
    let s = sim_with(None, json!({"error_status": "firmware"}));
    let a = admin(&s).await;
    let dup = s.call(&a, "POST", "/api/v2/cmdb/firewall/address", Some(json!({"name": "all"}))).await;
    assert_eq!(dup.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(dup.body["error"], -5);
}

#[tokio::test]
async fn s_c12_to_s_c15_read_edit_rename_delete() {
    let s = lab();
    let a = admin(&s).await;
    let one = s.get(&a, "/api/v2/cmdb/firewall/address/address1?action=select&vdom=root").await;
    assert_eq!(one.names(), ["address1"]);
    assert_eq!(one.body["mkey"], "address1");
    assert_eq!(s.get(&a, "/api/v2/cmdb/firewall/address/nosuch").await.status, StatusCode::NOT_FOUND);
    let e = s
        .call(
            &a,
            "PUT",
            "/api/v2/cmdb/firewall/address/address1?vdom=root",
            Some(json!({"comment": "test comment"})),
        )
        .await;
    assert_eq!(e.status, StatusCode::OK);
    assert_eq!(e.body["mkey"], "address1");
    let got = s.get(&a, "/api/v2/cmdb/firewall/address/address1").await;
    assert_eq!(results(&got)[0]["comment"], "test comment");
    assert_eq!(results(&got)[0]["subnet"], "1.1.1.0 255.255.255.0");
    assert_eq!(
        s.call(&a, "PUT", "/api/v2/cmdb/firewall/address/nosuch", Some(json!({"comment": "x"}))).await.status,
        StatusCode::NOT_FOUND
    );
    // Rename with a policy referencing the address.
    let p = json!({"policyid": 9, "srcintf": [{"name": "port1"}], "dstintf": [{"name": "port2"}], "srcaddr": [{"name": "address1"}], "dstaddr": [{"name": "all"}], "action": "accept", "schedule": "always", "service": [{"name": "ALL"}]});
    assert_eq!(s.call(&a, "POST", "/api/v2/cmdb/firewall/policy", Some(p)).await.status, StatusCode::OK);
    let before = s.get(&a, "/api/v2/cmdb/firewall/address").await.names();
    let rn =
        s.call(&a, "PUT", "/api/v2/cmdb/firewall/address/address1", Some(json!({"name": "address2"}))).await;
    assert_eq!(rn.status, StatusCode::OK, "{:?}", rn.body);
    assert_eq!(s.get(&a, "/api/v2/cmdb/firewall/address/address1").await.status, StatusCode::NOT_FOUND);
    let after = s.get(&a, "/api/v2/cmdb/firewall/address").await.names();
    assert_eq!(after.iter().position(|n| n == "address2"), before.iter().position(|n| n == "address1"));
    let pol = s.get(&a, "/api/v2/cmdb/firewall/policy/9").await;
    assert_eq!(results(&pol)[0]["srcaddr"][0]["name"], "address2");
    let inuse = s.call(&a, "DELETE", "/api/v2/cmdb/firewall/address/address2", None).await;
    assert_eq!(inuse.status.as_u16(), 424);
    assert_eq!(inuse.body["error"], -23);
    assert_eq!(
        s.call(&a, "DELETE", "/api/v2/cmdb/firewall/address/fqdn2", None).await.status,
        StatusCode::OK
    );
    assert_eq!(s.get(&a, "/api/v2/cmdb/firewall/address/fqdn2").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn s_c16_purge_is_all_or_nothing() {
    let s = lab();
    let a = admin(&s).await;
    for n in ["a1", "a2"] {
        assert_eq!(
            s.call(&a, "POST", "/api/v2/cmdb/firewall/address?vdom=vdom1", Some(json!({"name": n})))
                .await
                .status,
            StatusCode::OK
        );
    }
    let purge = s.call(&a, "DELETE", "/api/v2/cmdb/firewall/address?vdom=vdom1", None).await;
    assert_eq!(purge.status, StatusCode::OK, "{:?}", purge.body);
    assert!(s.get(&a, "/api/v2/cmdb/firewall/address?vdom=vdom1").await.names().is_empty());
    let before = s.get(&a, "/api/v2/cmdb/firewall/address?vdom=root").await.names();
    assert_eq!(
        s.call(&a, "DELETE", "/api/v2/cmdb/firewall/address?vdom=root", None).await.status.as_u16(),
        424
    );
    assert_eq!(s.get(&a, "/api/v2/cmdb/firewall/address?vdom=root").await.names(), before);
}

#[tokio::test]
async fn s_c17_s_c18_clone_and_move() {
    let s = lab();
    let a = admin(&s).await;
    let c = s
        .call(
            &a,
            "POST",
            "/api/v2/cmdb/firewall/address/address1?vdom=root&action=clone&nkey=address1_clone",
            None,
        )
        .await;
    assert_eq!(c.status, StatusCode::OK, "{:?}", c.body);
    let all = s.get(&a, "/api/v2/cmdb/firewall/address?vdom=root").await;
    let last = results(&all).last().unwrap().clone();
    let orig = results(&all).iter().find(|e| e["name"] == "address1").unwrap().clone();
    assert_eq!(last["name"], "address1_clone");
    assert_eq!(last["subnet"], orig["subnet"]);
    assert_ne!(last["uuid"], orig["uuid"]);
    assert_eq!(
        s.call(
            &a,
            "POST",
            "/api/v2/cmdb/firewall/address/address1?vdom=root&action=clone&nkey=address1_clone",
            None
        )
        .await
        .status
        .as_u16(),
        424
    );
    assert_eq!(
        s.call(&a, "POST", "/api/v2/cmdb/firewall/address/nosuch?action=clone&nkey=x", None).await.status,
        StatusCode::NOT_FOUND
    );

    let m = s.call(&a, "PUT", "/api/v2/cmdb/firewall/policy/1?vdom=root&action=move&after=2", None).await;
    assert_eq!(m.status, StatusCode::OK);
    assert_eq!(s.get(&a, "/api/v2/cmdb/firewall/policy?vdom=root").await.ids("policyid"), [2, 1, 3]);
    assert_eq!(
        s.call(&a, "PUT", "/api/v2/cmdb/firewall/policy/3?vdom=root&action=move&before=2", None).await.status,
        StatusCode::OK
    );
    assert_eq!(s.get(&a, "/api/v2/cmdb/firewall/policy?vdom=root").await.ids("policyid"), [3, 2, 1]);
    let mon = s.get(&a, "/api/v2/monitor/firewall/policy?vdom=root").await;
    assert_eq!(mon.status, StatusCode::OK, "{:?}", mon.body);
    let order: Vec<i64> = results(&mon).iter().map(|r| r["policyid"].as_i64().unwrap()).collect();
    assert_eq!(order, [3, 2, 1]);
    assert_eq!(
        s.call(&a, "PUT", "/api/v2/cmdb/firewall/policy/1?action=move&after=99", None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        s.call(&a, "PUT", "/api/v2/cmdb/firewall/policy/1?action=move", None).await.status.as_u16(),
        424
    );
}

#[tokio::test]
async fn s_c19_child_tables() {
    let s = sim();
    let a = admin(&s).await;
    let base = "/api/v2/cmdb/application/list";
    assert_eq!(s.call(&a, "POST", base, Some(json!({"name": "profile1"}))).await.status, StatusCode::OK);
    let put = s
        .call(
            &a,
            "PUT",
            &format!("{base}/profile1"),
            Some(json!({"entries": [{"id": 1, "application": [{"id": 31236}, {"id": 31237}]}]})),
        )
        .await;
    assert_eq!(put.status, StatusCode::OK, "{:?}", put.body);
    assert_eq!(
        s.call(&a, "POST", &format!("{base}/profile1/entries"), Some(json!({"id": 3}))).await.status,
        StatusCode::OK
    );
    assert_eq!(s.get(&a, &format!("{base}/profile1/entries")).await.ids("id"), [1, 3]);
    let e3 = s
        .call(
            &a,
            "PUT",
            &format!("{base}/profile1/entries/3"),
            Some(json!({"application": [{"id": 31236}, {"id": 31237}]})),
        )
        .await;
    assert_eq!(e3.status, StatusCode::OK);
    let got = s.get(&a, &format!("{base}/profile1/entries/3")).await;
    let apps: Vec<i64> = results(&got)[0]["application"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_i64().unwrap())
        .collect();
    assert_eq!(apps, [31236, 31237]);
    assert_eq!(
        s.call(&a, "DELETE", &format!("{base}/profile1/entries/3"), None).await.status,
        StatusCode::OK
    );
    assert_eq!(s.get(&a, &format!("{base}/profile1/entries")).await.ids("id"), [1]);
    assert_eq!(s.call(&a, "DELETE", &format!("{base}/profile1/entries"), None).await.status, StatusCode::OK);
    assert!(s.get(&a, &format!("{base}/profile1/entries")).await.ids("id").is_empty());
    assert_eq!(
        s.call(&a, "POST", &format!("{base}/profile1/entries"), Some(json!({"id": 1}))).await.status,
        StatusCode::OK
    );
    assert_eq!(
        s.call(&a, "POST", &format!("{base}/profile1/entries"), Some(json!({"id": 1}))).await.status.as_u16(),
        424
    );
}

#[tokio::test]
async fn s_c20_singleton_object() {
    let s = sim();
    let a = admin(&s).await;
    let g = s.get(&a, "/api/v2/cmdb/vpn.ssl/settings?action=select").await;
    assert!(g.body["results"].is_object());
    let p = s
        .call(
            &a,
            "PUT",
            "/api/v2/cmdb/vpn.ssl/settings?vdom=root",
            Some(json!({"authentication-rule": [{"id": "1"}, {"id": "2"}]})),
        )
        .await;
    assert_eq!(p.status, StatusCode::OK, "{:?}", p.body);
    let ids: Vec<i64> = s.get(&a, "/api/v2/cmdb/vpn.ssl/settings").await.body["results"]
        ["authentication-rule"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [1, 2]);
    assert_eq!(
        s.call(&a, "DELETE", "/api/v2/cmdb/vpn.ssl/settings", None).await.status,
        StatusCode::METHOD_NOT_ALLOWED
    );
}

#[tokio::test]
async fn s_c21_global_requests_answer_one_envelope_per_vdom() {
    let s = lab();
    let a = admin(&s).await;
    let g = s.get(&a, "/api/v2/cmdb/firewall/address?global=1").await;
    let arr = g.body.as_array().unwrap();
    assert_eq!((arr[0]["vdom"].as_str(), arr[1]["vdom"].as_str()), (Some("root"), Some("vdom1")));
    let p =
        s.call(&a, "POST", "/api/v2/cmdb/firewall/address?global=1", Some(json!({"name": "address1"}))).await;
    assert_eq!(p.status.as_u16(), 424);
    assert_eq!(p.body[0]["status"], "error");
    assert_eq!(p.body[1]["status"], "success");
    let d = s.call(&a, "DELETE", "/api/v2/cmdb/firewall/address/address1?global=1", None).await;
    assert_eq!(d.status, StatusCode::OK);
    assert_eq!(
        s.get(&a, "/api/v2/cmdb/firewall/address/address1?vdom=vdom1").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn s_c22_form_bodies_collide_with_reserved_names_json_does_not() {
    let s = sim();
    let a = admin(&s).await;
    let form = s
        .raw(
            "POST",
            "/api/v2/cmdb/firewall/policy?vdom=root",
            &[
                ("cookie", &a.cookie),
                ("x-csrftoken", &a.csrf),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
            b"name=test_policy&action=accept".to_vec(),
        )
        .await;
    assert_eq!(form.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(s.get(&a, "/api/v2/cmdb/firewall/policy").await.ids("policyid").is_empty());
    let wrapped = json!({"json": {"name": "test_policy", "srcintf": [{"name": "port1"}], "dstintf": [{"name": "port2"}], "srcaddr": [{"name": "all"}], "dstaddr": [{"name": "all"}], "action": "accept", "status": "enable", "schedule": "always", "service": [{"name": "ALL"}], "nat": "disable"}});
    let w = s.call(&a, "POST", "/api/v2/cmdb/firewall/policy?vdom=root", Some(wrapped)).await;
    assert_eq!(w.status, StatusCode::OK, "{:?}", w.body);
    assert_eq!(w.body["mkey"], 1);
    // A form without reserved names sets attributes.
    let f2 = s
        .raw(
            "PUT",
            "/api/v2/cmdb/firewall/address/all",
            &[
                ("cookie", &a.cookie),
                ("x-csrftoken", &a.csrf),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
            b"comment=from+a+form".to_vec(),
        )
        .await;
    assert_eq!(f2.status, StatusCode::OK, "{:?}", f2.body);
    assert_eq!(results(&s.get(&a, "/api/v2/cmdb/firewall/address/all").await)[0]["comment"], "from a form");
    // JSON labelled as a form (`curl -d '{...}'`) is JSON.
    let labelled = s
        .raw(
            "POST",
            "/api/v2/cmdb/firewall/address",
            &[
                ("cookie", &a.cookie),
                ("x-csrftoken", &a.csrf),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
            br#"{"name":"curl1","subnet":"10.0.0.0/8"}"#.to_vec(),
        )
        .await;
    assert_eq!(labelled.status, StatusCode::OK, "{:?}", labelled.body);
    assert_eq!(
        results(&s.get(&a, "/api/v2/cmdb/firewall/address/curl1").await)[0]["subnet"],
        "10.0.0.0 255.0.0.0"
    );
}

#[tokio::test]
async fn s_c23_meta_and_datasource() {
    let s = lab();
    let a = admin(&s).await;
    let m = s.get(&a, "/api/v2/cmdb/firewall/address/all?vdom=root&with_meta=1").await;
    let e = &results(&m)[0];
    assert!(e["q_ref"].as_i64().unwrap() >= 1);
    assert!(e.get("q_static").is_some() && e.get("q_type").is_some());
    let d = s.get(&a, "/api/v2/cmdb/firewall/policy/1?vdom=root&datasource=1").await;
    assert_eq!(results(&d)[0]["srcaddr"][0]["datasource"], "firewall.address");
}

#[tokio::test]
async fn s_c24_error_paths_answer_the_device_envelope() {
    let s = lab();
    let a = admin(&s).await;
    let cases: Vec<(&str, &str, Option<&[u8]>, u16)> = vec![
        ("GET", "/api/v2/cmdb/firewall/nosuch", None, 404),
        ("PUT", "/api/v2/cmdb/firewall/address?vdom=root", Some(b"{}"), 405),
        ("POST", "/api/v2/cmdb/firewall/address/address1", Some(b"{}"), 405),
        ("POST", "/api/v2/cmdb/firewall/address", Some(b"{not json"), 400),
        ("GET", "/api/v2/cmdb/firewall/address?filter=type", None, 400),
        ("GET", "/api/v2/cmdb/firewall/address?start=x", None, 400),
        ("GET", "/api/v2/cmdb/firewall/address?action=nosuch", None, 400),
        ("GET", "/api/v2/cmdb/firewall/address?vdom=%zz", None, 400),
        ("POST", "/api/v2/cmdb/firewall/address", Some(b"[1,2]"), 400),
        ("POST", "/api/v2/cmdb/firewall/address", Some(br#"{"name":"x","subnet":"999.1.1.1/8"}"#), 424),
        ("POST", "/api/v2/cmdb/firewall/address", Some(br#"{"type":"ipmask"}"#), 424),
        (
            "POST",
            "/api/v2/cmdb/firewall/address",
            Some(br#"{"name":"x","associated-interface":"nosuch"}"#),
            424,
        ),
    ];
    for (method, url, body, status) in cases {
        let r = s
            .raw(
                method,
                url,
                &[("cookie", &a.cookie), ("x-csrftoken", &a.csrf), ("content-type", "application/json")],
                body.map(<[u8]>::to_vec).unwrap_or_default(),
            )
            .await;
        assert_eq!(r.status.as_u16(), status, "{method} {url}: {}", r.text);
        assert_eq!(r.body["status"], "error", "{method} {url}");
        assert_eq!(r.body["http_status"], status, "{method} {url}");
        assert_eq!(r.body["serial"], "FGT60D4617000001");
    }
}

#[tokio::test]
async fn reads_carry_an_etag_and_if_none_match_answers_304_until_the_table_changes() {
    let s = lab();
    let a = admin(&s).await;
    let url = "/api/v2/cmdb/firewall/address?vdom=root";
    let r = s.get(&a, url).await;
    let etag = r.headers["etag"].to_str().unwrap().to_owned();
    let cached = s.raw("GET", url, &[("cookie", &a.cookie), ("if-none-match", &etag)], vec![]).await;
    assert_eq!(cached.status, StatusCode::NOT_MODIFIED);
    assert!(cached.text.is_empty());
    assert_eq!(s.call(&a, "POST", url, Some(json!({"name": "new1"}))).await.status, StatusCode::OK);
    let fresh = s.raw("GET", url, &[("cookie", &a.cookie), ("if-none-match", &etag)], vec![]).await;
    assert_eq!(fresh.status, StatusCode::OK);
    assert_ne!(fresh.headers["etag"].to_str().unwrap(), etag);
}

#[tokio::test]
async fn writes_are_saved_before_the_answer() {
    let dir = tempfile::tempdir().unwrap();
    let clock = devsim_core::Clock::manual(support::T0_MS);
    let cfg = devsim_core::DeviceConfig { id: "fgt1".into(), ..Default::default() };
    let store = || {
        devsim_core::Store::in_dir(dir.path(), "fgt1", devsim_fortios::KIND, devsim_fortios::STATE_VERSION)
            .unwrap()
    };
    let dev = devsim_fortios::open(cfg.clone(), store(), clock.clone()).unwrap();
    let s = Sim { app: dev.router(), dev, clock: clock.clone() };
    let a = admin(&s).await;
    assert_eq!(
        s.call(&a, "POST", "/api/v2/cmdb/firewall/address", Some(json!({"name": "kept"}))).await.status,
        StatusCode::OK
    );
    let reopened = devsim_fortios::open(cfg, store(), clock).unwrap();
    let dump = reopened.dump_state();
    assert!(
        dump["model"]["cmdb"]["vdoms"]["root"]["tables"]["firewall/address"].get("kept").is_some(),
        "{}",
        dump["model"]["cmdb"]["vdoms"]["root"]["tables"]["firewall/address"]
    );
}
