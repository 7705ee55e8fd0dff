//! Sessions, CSRF, lockout, logout, idle expiry, permissions and firmware profiles over HTTP
//! (spec §1.3-§1.7, scenarios S-A01 … S-A11 of §5.1).

mod support;

use http::StatusCode;
use serde_json::json;

use devsim_fortios::{route_table, Access};
use support::{lab, session_of, sim, sim_with};

#[tokio::test]
async fn s_a01_login_sets_apscookie_and_quoted_csrf_token() {
    let s = sim();
    let r = s.login_resp("admin", "").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.starts_with('1'), "{}", r.text);
    assert_eq!(r.headers["content-type"], "text/html; charset=utf-8");
    let cookies = r.set_cookies();
    let aps = cookies.iter().find(|c| c.starts_with("APSCOOKIE_")).expect("APSCOOKIE_<n>");
    let suffix = aps["APSCOOKIE_".len()..].split('=').next().unwrap();
    assert!(suffix.bytes().all(|b| b.is_ascii_digit()), "{aps}");
    assert!(aps.contains("=\"Era%3D0%26Payload%3D"), "{aps}");
    assert!(aps.contains("HttpOnly"), "{aps}");
    assert!(!aps.to_ascii_lowercase().contains("secure"), "plain HTTP cookies are not Secure: {aps}");
    let csrf = cookies.iter().find(|c| c.starts_with("ccsrftoken=")).expect("ccsrftoken");
    let token = csrf["ccsrftoken=".len()..].split(';').next().unwrap();
    assert_eq!(token.len(), 34, "{csrf}");
    assert!(token.starts_with('"') && token.ends_with('"'));
    assert!(token[1..33].bytes().all(|b| b.is_ascii_digit() || b.is_ascii_uppercase()), "{token}");

    let sess = session_of(&r);
    let g =
        s.raw("GET", "/api/v2/cmdb/firewall/address?vdom=root", &[("cookie", &sess.cookie)], vec![]).await;
    assert_eq!(g.status, StatusCode::OK);
    assert_eq!(g.body["status"], "success");
}

#[tokio::test]
async fn non_ajax_login_answers_a_page_and_the_same_cookies() {
    let s = sim();
    let r = s.raw("POST", "/logincheck", &[], b"username=admin&secretkey=".to_vec()).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.starts_with("<html>"), "{}", r.text);
    let sess = session_of(&r);
    assert_eq!(s.get(&sess, "/api/v2/cmdb/system/global").await.status, StatusCode::OK);
}

#[tokio::test]
async fn s_a02_wrong_password_answers_0_without_cookies_and_then_401() {
    let s = sim();
    let r = s.login_resp("admin", "wrong").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.starts_with('0'), "{}", r.text);
    assert!(r.set_cookies().is_empty());
    let g = s.raw("GET", "/api/v2/cmdb/firewall/address", &[], vec![]).await;
    assert_eq!(g.status, StatusCode::UNAUTHORIZED);
    assert_eq!(g.body["http_status"], 401);
    assert_eq!(g.body["status"], "error");
}

#[tokio::test]
async fn unknown_admin_answers_0() {
    let s = sim();
    assert!(s.login_resp("nobody", "").await.text.starts_with('0'));
}

#[tokio::test]
async fn s_a03_three_failures_lock_the_source_out_for_the_lockout_duration() {
    let s = sim();
    for _ in 0..3 {
        assert!(s.login_resp("admin", "bad").await.text.starts_with('0'));
    }
    let locked = s.login_resp("admin", "").await;
    assert!(locked.text.starts_with('2'), "{}", locked.text);
    assert!(locked.set_cookies().is_empty());
    s.advance_secs(59);
    assert!(s.login_resp("admin", "").await.text.starts_with('2'));
    s.advance_secs(1);
    assert!(s.login_resp("admin", "").await.text.starts_with('1'));
}

#[tokio::test]
async fn lockout_threshold_and_duration_come_from_system_global() {
    let s = sim();
    let a = s.admin().await;
    let put = s
        .call(
            &a,
            "PUT",
            "/api/v2/cmdb/system/global",
            Some(json!({"admin-lockout-threshold": 1, "admin-lockout-duration": 10})),
        )
        .await;
    assert_eq!(put.status, StatusCode::OK, "{:?}", put.body);
    assert!(s.login_resp("admin", "bad").await.text.starts_with('0'));
    assert!(s.login_resp("admin", "").await.text.starts_with('2'));
    s.advance_secs(10);
    assert!(s.login_resp("admin", "").await.text.starts_with('1'));
}

#[tokio::test]
async fn admin_login_max_caps_concurrent_sessions() {
    let s = sim();
    let a = s.admin().await;
    let put = s.call(&a, "PUT", "/api/v2/cmdb/system/global", Some(json!({"admin-login-max": 2}))).await;
    assert_eq!(put.status, StatusCode::OK);
    let _b = s.admin().await;
    assert!(s.login_resp("admin", "").await.text.starts_with('2'), "third session is refused");
}

#[tokio::test]
async fn force_password_change_answers_4() {
    let s = sim();
    let a = s.admin().await;
    let r = s
        .call(&a, "POST", "/api/v2/cmdb/system/admin", Some(json!({"name": "pc", "password": "x", "accprofile": "super_admin", "force-password-change": "enable"})))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let l = s.login_resp("pc", "x").await;
    assert!(l.text.starts_with('4'), "{}", l.text);
    assert!(l.set_cookies().is_empty());
}

#[tokio::test]
async fn s_a04_missing_or_foreign_cookie_is_401() {
    let s = sim();
    assert_eq!(
        s.raw("GET", "/api/v2/cmdb/firewall/address", &[], vec![]).await.status,
        StatusCode::UNAUTHORIZED
    );
    for cookie in
        ["APSCOOKIE_1=bogus", "APSCOOKIE_1=\"Era%3D0%26Payload%3Dnope%26AuthHash%3Dx%0A\"", "ccsrftoken=x"]
    {
        let r = s.raw("GET", "/api/v2/monitor/system/resource/usage", &[("cookie", cookie)], vec![]).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{cookie}");
    }
}

#[tokio::test]
async fn s_a05_writes_need_the_session_csrf_token() {
    let s = sim();
    let a = s.admin().await;
    let url = "/api/v2/cmdb/firewall/address?vdom=root";
    let body = br#"{"name":"csrf1"}"#.to_vec();
    let ct = ("content-type", "application/json");
    let no = s.raw("POST", url, &[("cookie", &a.cookie), ct], body.clone()).await;
    assert_eq!(no.status, StatusCode::FORBIDDEN);
    assert_eq!(no.body["http_status"], 403);
    let wrong = s
        .raw(
            "POST",
            url,
            &[("cookie", &a.cookie), ("x-csrftoken", "00000000000000000000000000000000"), ct],
            body.clone(),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    assert_eq!(
        s.get(&a, "/api/v2/cmdb/firewall/address/csrf1").await.status,
        StatusCode::NOT_FOUND,
        "not created"
    );
    let ok = s.raw("POST", url, &[("cookie", &a.cookie), ("X-CSRFToken", &a.csrf), ct], body).await;
    assert_eq!(ok.status, StatusCode::OK, "{:?}", ok.body);
    assert_eq!(ok.body["mkey"], "csrf1");
    let read = s.raw("GET", "/api/v2/cmdb/firewall/address/csrf1", &[("cookie", &a.cookie)], vec![]).await;
    assert_eq!(read.status, StatusCode::OK, "GET needs no CSRF header");
    let del = s.call(&a, "DELETE", "/api/v2/cmdb/firewall/address/csrf1", None).await;
    assert_eq!(del.status, StatusCode::OK);
}

#[tokio::test]
async fn csrf_header_of_another_session_is_refused() {
    let s = sim();
    let a = s.admin().await;
    let b = s.admin().await;
    assert_ne!(a.csrf, b.csrf);
    let r = s
        .raw(
            "DELETE",
            "/api/v2/cmdb/firewall/address/all",
            &[("cookie", &a.cookie), ("x-csrftoken", &b.csrf)],
            vec![],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn s_a06_method_override_dispatches_post_as_delete() {
    let s = sim();
    let a = s.admin().await;
    assert_eq!(
        s.call(&a, "POST", "/api/v2/cmdb/firewall/address?vdom=root", Some(json!({"name": "ovr1"})))
            .await
            .status,
        StatusCode::OK
    );
    let r = s
        .raw(
            "POST",
            "/api/v2/cmdb/firewall/address/ovr1?vdom=root",
            &[("cookie", &a.cookie), ("x-csrftoken", &a.csrf), ("x-http-method-override", "DELETE")],
            vec![],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["http_method"], "DELETE");
    assert_eq!(s.get(&a, "/api/v2/cmdb/firewall/address/ovr1").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn method_override_still_needs_csrf_because_the_wire_method_is_post() {
    let s = sim();
    let a = s.admin().await;
    let r = s
        .raw(
            "POST",
            "/api/v2/cmdb/firewall/address?vdom=root",
            &[("cookie", &a.cookie), ("x-http-method-override", "GET")],
            vec![],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn other_methods_answer_405() {
    let s = sim();
    let a = s.admin().await;
    for m in ["PATCH", "OPTIONS"] {
        let r = s.call(&a, m, "/api/v2/cmdb/firewall/address", None).await;
        assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{m}");
        assert_eq!(r.body["http_status"], 405);
    }
    assert_eq!(s.raw("GET", "/logincheck", &[], vec![]).await.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn s_a07_read_only_admin_reads_but_cannot_write() {
    let s = lab();
    let ro = s.login("ro", "ro").await;
    assert_eq!(s.get(&ro, "/api/v2/cmdb/firewall/address?vdom=root").await.status, StatusCode::OK);
    let w = s.call(&ro, "POST", "/api/v2/cmdb/firewall/address?vdom=root", Some(json!({"name": "x"}))).await;
    assert_eq!(w.status, StatusCode::FORBIDDEN);
    assert_eq!(w.body["http_status"], 403);
    let reset = s.call(&ro, "POST", "/api/v2/monitor/firewall/policy/reset", None).await;
    assert_eq!(reset.status, StatusCode::FORBIDDEN);
    let read = s.get(&ro, "/api/v2/monitor/firewall/policy").await;
    assert_eq!(read.status, StatusCode::OK, "{:?}", read.body);
    let a = s.admin().await;
    assert_eq!(s.get(&a, "/api/v2/cmdb/firewall/address/x").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn profile_without_a_group_cannot_even_read_it() {
    let s = sim();
    let a = s.admin().await;
    let p = s
        .call(
            &a,
            "POST",
            "/api/v2/cmdb/system/accprofile",
            Some(json!({"name": "fw_only", "fwgrp": "read-write", "netgrp": "read-write", "scope": "vdom"})),
        )
        .await;
    assert_eq!(p.status, StatusCode::OK, "{:?}", p.body);
    let u = s
        .call(
            &a,
            "POST",
            "/api/v2/cmdb/system/admin",
            Some(
                json!({"name": "fw", "password": "fw", "accprofile": "fw_only", "vdom": [{"name": "root"}]}),
            ),
        )
        .await;
    assert_eq!(u.status, StatusCode::OK, "{:?}", u.body);
    let fw = s.login("fw", "fw").await;
    assert_eq!(
        s.call(&fw, "POST", "/api/v2/cmdb/firewall/address", Some(json!({"name": "n1"}))).await.status,
        StatusCode::OK
    );
    assert_eq!(s.get(&fw, "/api/v2/cmdb/router/static").await.status, StatusCode::FORBIDDEN);
    assert_eq!(s.get(&fw, "/api/v2/monitor/router/ipv4").await.status, StatusCode::FORBIDDEN);
    assert_eq!(s.get(&fw, "/api/v2/cmdb/system/global").await.status, StatusCode::FORBIDDEN);
    // A VDOM-scope profile may read global objects of its groups but not change them.
    assert_eq!(s.get(&fw, "/api/v2/cmdb/system/interface/port1").await.status, StatusCode::OK);
    let iface = s.call(&fw, "PUT", "/api/v2/cmdb/system/interface/port1", Some(json!({"alias": "x"}))).await;
    assert_eq!(iface.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn s_a08_vdom_access_is_limited_to_the_admins_vdoms() {
    let s = lab();
    let ro = s.login("ro", "ro").await;
    let r = s.get(&ro, "/api/v2/cmdb/firewall/address?vdom=vdom1").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let g = s.get(&ro, "/api/v2/cmdb/firewall/address?global=1").await;
    assert_eq!(g.status, StatusCode::OK);
    let arr = g.body.as_array().expect("array of envelopes");
    assert_eq!(arr.len(), 1);
    assert_eq!(arr[0]["vdom"], "root");
    let a = s.admin().await;
    assert_eq!(s.get(&a, "/api/v2/cmdb/firewall/address?global=1").await.body.as_array().unwrap().len(), 2);
    assert_eq!(s.get(&a, "/api/v2/cmdb/firewall/address?vdom=nosuch").await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn s_a09_logout_ends_the_session_and_expires_cookies() {
    let s = sim();
    let a = s.admin().await;
    let other = s.admin().await;
    let r = s.raw("POST", "/logout", &[("cookie", &a.cookie)], vec![]).await;
    assert_eq!(r.status, StatusCode::OK);
    let expired = r.set_cookies();
    assert!(expired.iter().any(|c| c.starts_with("APSCOOKIE_") && c.contains("1970")), "{expired:?}");
    assert!(expired.iter().any(|c| c.starts_with("ccsrftoken=") && c.contains("1970")), "{expired:?}");
    assert_eq!(s.get(&a, "/api/v2/cmdb/firewall/address").await.status, StatusCode::UNAUTHORIZED);
    let admins = s.get(&other, "/api/v2/monitor/system/current-admins").await;
    assert_eq!(admins.status, StatusCode::OK, "{:?}", admins.body);
    assert_eq!(admins.body["results"].as_array().unwrap().len(), 1, "{:?}", admins.body);
    // Logout without a session is still 200.
    assert_eq!(s.raw("POST", "/logout", &[], vec![]).await.status, StatusCode::OK);
}

#[tokio::test]
async fn get_logout_is_405_on_5_6_0_and_logs_out_on_later_firmware() {
    let s = sim();
    let a = s.admin().await;
    assert_eq!(
        s.raw("GET", "/logout", &[("cookie", &a.cookie)], vec![]).await.status,
        StatusCode::METHOD_NOT_ALLOWED
    );
    assert_eq!(s.get(&a, "/api/v2/cmdb/system/global").await.status, StatusCode::OK);

    let l = sim_with(Some("later"), serde_json::Value::Null);
    let b = l.admin().await;
    assert_eq!(l.raw("GET", "/logout", &[("cookie", &b.cookie)], vec![]).await.status, StatusCode::OK);
    assert_eq!(l.get(&b, "/api/v2/cmdb/system/global").await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn s_a10_session_expires_after_admintimeout_idle_minutes() {
    let s = sim();
    let a = s.admin().await;
    let put = s.call(&a, "PUT", "/api/v2/cmdb/system/global", Some(json!({"admintimeout": 1}))).await;
    assert_eq!(put.status, StatusCode::OK);
    let b = s.admin().await;
    s.advance_secs(59);
    assert_eq!(
        s.get(&b, "/api/v2/cmdb/system/global").await.status,
        StatusCode::OK,
        "use refreshes the timer"
    );
    s.advance_secs(59);
    assert_eq!(s.get(&b, "/api/v2/cmdb/system/global").await.status, StatusCode::OK);
    s.advance_secs(60);
    assert_eq!(s.get(&b, "/api/v2/cmdb/system/global").await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn default_admintimeout_is_five_minutes() {
    let s = sim();
    let a = s.admin().await;
    s.advance_secs(299);
    assert_eq!(s.get(&a, "/api/v2/cmdb/system/global").await.status, StatusCode::OK);
    s.advance_secs(300);
    assert_eq!(s.get(&a, "/api/v2/cmdb/system/global").await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn deleting_an_admin_ends_its_sessions() {
    let s = lab();
    let ro = s.login("ro", "ro").await;
    let a = s.admin().await;
    assert_eq!(s.call(&a, "DELETE", "/api/v2/cmdb/system/admin/ro", None).await.status, StatusCode::OK);
    assert_eq!(s.get(&ro, "/api/v2/cmdb/firewall/address").await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn s_a11_monitor_without_vdom_runs_in_root() {
    let s = lab();
    let a = s.admin().await;
    let r = s.get(&a, "/api/v2/monitor/firewall/policy").await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["vdom"], "root");
    assert_eq!(r.body["path"], "firewall");
    assert_eq!(r.body["name"], "policy");
    assert!(r.body["action"] == "select" || r.body["action"] == "", "{:?}", r.body["action"]);
}

#[tokio::test]
async fn system_status_is_404_on_5_6_0_and_served_on_later_firmware() {
    let s = sim();
    let a = s.admin().await;
    assert_eq!(s.get(&a, "/api/v2/monitor/system/status").await.status, StatusCode::NOT_FOUND);
    let l = sim_with(Some("later"), serde_json::Value::Null);
    let b = l.admin().await;
    let r = l.get(&b, "/api/v2/monitor/system/status").await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["serial"], "FGT60D4617000001");
}

#[tokio::test]
async fn api_token_authenticates_by_parameter_or_bearer_on_later_firmware_only() {
    let l = sim_with(Some("later"), json!({"api_key": "k1234567890abcdefghijklmnopqrs"}));
    let url = "/api/v2/cmdb/firewall/address?vdom=root&access_token=k1234567890abcdefghijklmnopqrs";
    assert_eq!(l.raw("GET", url, &[], vec![]).await.status, StatusCode::OK);
    let bearer = ("authorization", "Bearer k1234567890abcdefghijklmnopqrs");
    let w = l
        .raw(
            "POST",
            "/api/v2/cmdb/firewall/address",
            &[bearer, ("content-type", "application/json")],
            br#"{"name":"t1"}"#.to_vec(),
        )
        .await;
    assert_eq!(w.status, StatusCode::OK, "token callers need no CSRF header: {:?}", w.body);
    assert_eq!(
        l.raw("GET", "/api/v2/cmdb/firewall/address/t1", &[bearer], vec![]).await.status,
        StatusCode::OK
    );
    let bad =
        l.raw("GET", "/api/v2/cmdb/firewall/address", &[("authorization", "Bearer wrong")], vec![]).await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);

    let s = sim_with(None, json!({"api_key": "k1234567890abcdefghijklmnopqrs"}));
    assert_eq!(s.raw("GET", url, &[], vec![]).await.status, StatusCode::UNAUTHORIZED, "5.6.0 has no tokens");
}

#[tokio::test]
async fn configured_admin_password_is_required() {
    let s = sim_with(None, json!({"admin_password": "s3cret"}));
    assert!(s.login_resp("admin", "").await.text.starts_with('0'));
    assert!(s.login_resp("admin", "s3cret").await.text.starts_with('1'));
}

#[tokio::test]
async fn oversized_bodies_answer_413_in_the_envelope() {
    let s = sim_with(None, json!({"max_body_bytes": 1024}));
    let a = s.admin().await;
    let big = json!({"name": "big", "comment": "x".repeat(2000)});
    let r = s.call(&a, "POST", "/api/v2/cmdb/firewall/address", Some(big)).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.body["http_status"], 413);
    assert_eq!(r.body["status"], "error");
}

#[tokio::test]
async fn unknown_paths_outside_the_api_are_404() {
    let s = sim();
    assert_eq!(s.raw("GET", "/nosuch", &[], vec![]).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn every_api_route_answers_401_without_a_session_and_403_to_a_profile_without_its_group() {
    let s = sim();
    let a = s.admin().await;
    // A profile with no group at all.
    let p = s
        .call(
            &a,
            "POST",
            "/api/v2/cmdb/system/accprofile",
            Some(json!({"name": "nothing", "scope": "global"})),
        )
        .await;
    assert_eq!(p.status, StatusCode::OK, "{:?}", p.body);
    let u = s
        .call(&a, "POST", "/api/v2/cmdb/system/admin", Some(json!({"name": "nobody", "password": "n", "accprofile": "nothing", "vdom": [{"name": "root"}]})))
        .await;
    assert_eq!(u.status, StatusCode::OK);
    let none = s.login("nobody", "n").await;
    let ro = {
        let p = s
            .call(&a, "POST", "/api/v2/cmdb/system/admin", Some(json!({"name": "ro", "password": "ro", "accprofile": "super_admin_readonly", "vdom": [{"name": "root"}]})))
            .await;
        assert_eq!(p.status, StatusCode::OK);
        s.login("ro", "ro").await
    };
    let table = route_table();
    assert!(table.len() > 250, "{} routes", table.len());
    for route in table {
        let Access::Group(group) = route.access else {
            continue;
        };
        let r = s.raw(route.method, &route.path, &[], vec![]).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{} {}", route.method, route.path);
        if group != "any" {
            let r = s.call(&none, route.method, &route.path, None).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{} {} (no {group})", route.method, route.path);
        }
        if route.write && group != "any" {
            let r = s.call(&ro, route.method, &route.path, None).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{} {} read-only", route.method, route.path);
        }
    }
}
