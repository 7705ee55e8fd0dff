//! Bad input at the HTTP edge never panics and never answers 5xx: random methods, paths, query
//! strings, headers and bodies from a logged-in client get the device's error (or success).

mod support;

use proptest::prelude::*;

fn path() -> impl Strategy<Value = String> {
    let seg = prop_oneof![
        Just("api".to_string()),
        Just("v2".to_string()),
        Just("cmdb".to_string()),
        Just("monitor".to_string()),
        Just("firewall".to_string()),
        Just("address".to_string()),
        Just("system".to_string()),
        Just("config".to_string()),
        Just("restore".to_string()),
        Just("%zz".to_string()),
        Just("%2F".to_string()),
        "[a-z0-9._%-]{0,8}",
    ];
    prop::collection::vec(seg, 0..7).prop_map(|v| format!("/{}", v.join("/")))
}

fn query() -> impl Strategy<Value = String> {
    let kv = prop_oneof![
        Just("vdom=root".to_string()),
        Just("vdom=".to_string()),
        Just("global=1".to_string()),
        Just("global=x".to_string()),
        Just("filter=name==a,b".to_string()),
        Just("filter=%".to_string()),
        Just("start=-1&count=x".to_string()),
        Just("action=move&after=1".to_string()),
        Just("action=clone".to_string()),
        Just("scope=global".to_string()),
        Just("format=%7C%7C".to_string()),
        "[a-z_=&%0-9]{0,12}",
    ];
    prop::collection::vec(kv, 0..4).prop_map(|v| v.join("&"))
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(Vec::new()),
        Just(b"{}".to_vec()),
        Just(b"[]".to_vec()),
        Just(b"{\"name\":\"x\"}".to_vec()),
        Just(b"{\"json\":{\"name\":1}}".to_vec()),
        Just(b"{\"policyid\":\"x\",\"srcintf\":5}".to_vec()),
        Just(b"name=a&action=b".to_vec()),
        Just(b"--b\r\nContent-Disposition: form-data\r\n\r\nx".to_vec()),
        prop::collection::vec(any::<u8>(), 0..64),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_requests_get_a_device_answer_never_a_5xx(
        method in prop_oneof![Just("GET"), Just("POST"), Just("PUT"), Just("DELETE"), Just("PATCH")],
        path in path(),
        query in query(),
        body in body(),
        ctype in prop_oneof![Just("application/json"), Just("application/x-www-form-urlencoded"), Just("multipart/form-data; boundary=b"), Just("")],
        override_ in prop_oneof![Just(""), Just("DELETE"), Just("PUT"), Just("BREW")],
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let s = support::lab();
            let a = s.admin().await;
            let uri = if query.is_empty() { path.clone() } else { format!("{path}?{query}") };
            let Ok(_) = uri.parse::<http::Uri>() else { return };
            let mut headers = vec![("cookie", a.cookie.as_str()), ("x-csrftoken", a.csrf.as_str())];
            if !ctype.is_empty() {
                headers.push(("content-type", ctype));
            }
            if !override_.is_empty() {
                headers.push(("x-http-method-override", override_));
            }
            let r = s.raw(method, &uri, &headers, body.clone()).await;
            assert!(!r.status.is_server_error(), "{method} {uri}: {} {}", r.status, r.text);
            if ["/api/v2/cmdb", "/api/v2/monitor"].iter().any(|p| path == *p || path.starts_with(&format!("{p}/"))) && r.status.as_u16() != 304 && r.headers.get("content-disposition").is_none() {
                assert!(r.body.is_object() || r.body.is_array(), "{method} {uri}: not JSON: {}", r.text);
            }
        });
    }
}
