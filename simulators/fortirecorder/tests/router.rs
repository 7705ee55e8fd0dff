//! Router tests (oneshot) for every endpoint and the golden scenarios G1-G25, G29 of the spec
//! (RTSP and clip bytes excepted), on a manual clock.

mod common;

use base64::Engine;
use common::*;
use http::StatusCode;
use serde_json::{json, Value};

fn items(r: &Resp) -> &Vec<Value> {
    r.body["collection"].as_array().expect("collection")
}

fn mkeys(r: &Resp) -> Vec<String> {
    items(r).iter().map(|i| i["mkey"].as_str().unwrap().to_owned()).collect()
}

const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0, 1, 0xFF, 0xD9];

// ------------------------------------------------------------------------------- logins

#[tokio::test]
async fn service_login_sets_aps_cookie_and_wrong_password_is_403() {
    let s = sim();
    let r = s
        .json(
            "POST",
            "/api/v1/ServiceLogin/",
            None,
            r#"{"reqAction":1, "name":"service-clip", "password":"1234"}"#,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let sc = r.headers["set-cookie"].to_str().unwrap();
    assert!(sc.starts_with("APSCookie="), "{sc}");
    assert!(sc.contains("HttpOnly") && !sc.contains("Secure"), "{sc}");
    let r =
        s.json("POST", "/api/v1/ServiceLogin/", None, r#"{"name":"service-clip", "password":"wrong"}"#).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.body["errorType"], 7);
    assert_eq!(r.body["errorMsg"], "Failed: Access denied:Add object (ServiceLogin) ");
}

#[tokio::test]
async fn admin_login_with_and_without_trailing_slash() {
    let s = sim();
    for uri in ["/api/v1/AdminLogin", "/api/v1/AdminLogin/"] {
        let r = s.json("POST", uri, None, r#"{"name":"admin","password":"admin"}"#).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}");
        assert!(r.headers["set-cookie"].to_str().unwrap().starts_with("APSCOOKIE="));
    }
}

#[tokio::test]
async fn admin_login_failures_give_the_documented_body() {
    let s = sim();
    for body in [
        r#"{"name":"admin","password":"x"}"#,
        r#"{"name":"gui_only","password":"gui_only"}"#,
        r#"{"name":"nobody","password":"x"}"#,
    ] {
        let r = s.json("POST", "/api/v1/AdminLogin", None, body).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{body}");
        assert_eq!(
            r.body,
            json!({"errorType": 7, "errorMsg": "Failed: Access denied:Add object (AdminLogin) ", "reqAction": 2, "totalRemoteCount": 0, "collection": "[]"})
        );
    }
    let r = s.json("POST", "/api/v1/AdminLogin", None, r#"{"name":"admin"}"#).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = s.send("GET", "/api/v1/AdminLogin", None, None).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn login_ignores_req_action() {
    let s = sim();
    let r = s
        .json("POST", "/api/v1/AdminLogin", None, r#"{"reqAction":3,"name":"admin","password":"admin"}"#)
        .await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn cookie_style_device_emits_suffixed_name_and_any_case_is_accepted() {
    let s = sim_with(None, json!({"cookie_style": "device"}));
    let r = s.json("POST", "/api/v1/AdminLogin", None, r#"{"name":"admin","password":"admin"}"#).await;
    let pair = cookie_pair(&r);
    assert!(pair.starts_with("APSCOOKIE_"), "{pair}");
    let value = pair.split_once('=').unwrap().1;
    for name in ["apscookie", "APSCookie", "apscookie_whatever"] {
        let r = s.get("/api/v1/SysGlobal", &format!("{name}={value}")).await;
        assert_eq!(r.status, StatusCode::OK, "{name}");
    }
}

#[tokio::test]
async fn https_router_marks_cookies_secure() {
    let s = sim();
    let app = s.dev.router_for(true);
    use tower::ServiceExt;
    let req = http::Request::post("/api/v1/AdminLogin")
        .body(axum::body::Body::from(r#"{"name":"admin","password":"admin"}"#))
        .unwrap();
    let resp = app.oneshot(req).await.unwrap();
    assert!(resp.headers()["set-cookie"].to_str().unwrap().contains("Secure"));
}

#[tokio::test]
async fn sessions_expire_after_the_idle_timeout() {
    let s = sim();
    let c = s.admin().await;
    s.advance_secs(299);
    assert_eq!(s.get("/api/v1/SysGlobal", &c).await.status, StatusCode::OK);
    s.advance_secs(299);
    assert_eq!(s.get("/api/v1/SysGlobal", &c).await.status, StatusCode::OK, "use refreshes the idle timer");
    s.advance_secs(300);
    assert_eq!(s.get("/api/v1/SysGlobal", &c).await.status, StatusCode::FORBIDDEN);
}

// ------------------------------------------------------------------------------- G7 camera status

#[tokio::test]
async fn camera_status_lists_enabled_cameras() {
    let s = sim();
    let c = s.admin().await;
    let r = s.get("/api/v1/CameraStatus", &c).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["objectID"], "CameraStatusCollection:");
    assert_eq!(r.body["reqAction"], 1);
    assert_eq!(r.body["totalRemoteCount"], 4);
    assert_eq!(r.body["subCount"], 4);
    assert_eq!(r.body["nextPage"], false);
    let cam1 = &items(&r)[0];
    for f in ["mkey", "action_problem", "last_query", "state_flag", "state_code", "state_info"] {
        assert!(cam1.get(f).is_some(), "{f}");
    }
    assert_eq!(cam1["action_scheduled"], 1);
    assert_eq!(cam1["action_current"], 1);
    // cam2 records only while the Away assistant schedule is active.
    assert_eq!(items(&r)[1]["action_scheduled"], 0);
    let one = s.get("/api/v1/CameraStatus/cam1", &c).await;
    assert_eq!(one.body["objectID"], "CameraStatus:cam1");
    assert_eq!(s.get("/api/v1/CameraStatus/nosuch", &c).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn camera_status_negatives() {
    let s = sim();
    assert_eq!(s.send("GET", "/api/v1/CameraStatus", None, None).await.status, StatusCode::FORBIDDEN);
    let so = s.login_as("status_only", "status_only").await;
    assert_eq!(s.get("/api/v1/CameraStatus", &so).await.status, StatusCode::FORBIDDEN);
    let c = s.admin().await;
    assert_eq!(
        s.send("POST", "/api/v1/CameraStatus", Some(&c), None).await.status,
        StatusCode::METHOD_NOT_ALLOWED
    );
    let r = s.get("/api/v1/camerastatus", &c).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["errorType"], 3);
}

#[tokio::test]
async fn fw_later_profile_renames_status_fields_and_hides_inactive_cameras() {
    let s = sim_with(Some("fw-later"), Value::Null);
    let c = s.admin().await;
    devsim_core::SimDevice::inject_event(
        &s.dev,
        json!({"kind": "camera_state", "camera": "cam2", "status": 2}),
    )
    .unwrap();
    let r = s.get("/api/v1/CameraStatus", &c).await;
    assert_eq!(r.body["nodeAccessDetails"], 1);
    assert_eq!(r.body["totalRemoteCount"], 3);
    let cam1 = &items(&r)[0];
    assert!(cam1.get("flag").is_some() && cam1.get("state_flag").is_none());
    assert_eq!(cam1["eos_version"], "");
    let r = s.get("/api/v1/CameraStatus?showInactiveCamera=1", &c).await;
    assert_eq!(r.body["totalRemoteCount"], 4);
    assert_eq!(items(&r)[1]["flag"], 2);
}

#[tokio::test]
async fn injected_camera_state_shows_in_camera_status() {
    let s = sim();
    let c = s.admin().await;
    devsim_core::SimDevice::inject_event(&s.dev, json!({"kind": "camera_state", "camera": "cam1", "state_flag": 4, "state_code": 110, "state_info": "unreachable"})).unwrap();
    let r = s.get("/api/v1/CameraStatus/cam1", &c).await;
    assert_eq!(r.body["state_flag"], 4);
    assert_eq!(r.body["state_code"], 110);
    assert_eq!(r.body["action_problem"], 1);
    assert_eq!(r.body["action_current"], 0);
}

// ------------------------------------------------------------------------------- G8/G9 video profiles

#[tokio::test]
async fn video_profiles_list_and_update() {
    let s = sim();
    let c = s.admin().await;
    let r = s.get("/api/v1/CameraVideoProfile", &c).await;
    assert_eq!(mkeys(&r), ["2MP", "HighRes", "high-resolution"]);
    let p = &items(&r)[0];
    assert_eq!(
        (
            p["video_resolution"].clone(),
            p["video_codec"].clone(),
            p["video_fps"].clone(),
            p["video_gop"].clone(),
            p["video_bitrate_mode"].clone(),
            p["audio"].clone()
        ),
        (json!(6), json!(0), json!(30), json!(3), json!(0), json!(false))
    );
    assert_eq!(p["isReferenced"], 1);
    let r = s.json("PUT", "/api/v1/CameraVideoProfile/2MP", Some(&c), r#"{ "video_fps": 15 }"#).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["reqAction"], 5);
    let r = s.get("/api/v1/CameraVideoProfile/2MP", &c).await;
    assert_eq!(r.body["video_fps"], 15);
    assert_eq!(r.body["video_resolution"], 6);
    assert_eq!(r.body["objectID"], "CameraVideoProfile:2MP");
    assert_eq!(
        s.json("PUT", "/api/v1/CameraVideoProfile/nosuch", Some(&c), r#"{"video_fps":15}"#).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        s.json("PUT", "/api/v1/CameraVideoProfile/2MP", Some(&c), r#"{"video_codec":9}"#).await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn read_only_account_reads_with_node_permission_1_and_cannot_write() {
    let s = sim();
    let ro = s.login_as("cfg_ro", "cfg_ro").await;
    let r = s.get("/api/v1/CameraVideoProfile", &ro).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["nodePermission"], 1);
    let r = s.json("PUT", "/api/v1/CameraVideoProfile/2MP", Some(&ro), r#"{"video_fps":15}"#).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.body["errorType"], 7);
}

#[tokio::test]
async fn req_action_takes_precedence_over_the_method() {
    let s = sim();
    let c = s.admin().await;
    let r =
        s.json("POST", "/api/v1/CameraVideoProfile/2MP", Some(&c), r#"{"reqAction":5,"video_fps":20}"#).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(s.get("/api/v1/CameraVideoProfile/2MP", &c).await.body["video_fps"], 20);
    let r = s.json("PUT", "/api/v1/CameraVideoProfile/2MP", Some(&c), r#"{"reqAction":1}"#).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["reqAction"], 1);
    assert_eq!(r.body["video_fps"], 20);
    // A read-only account cannot write through a POST carrying reqAction 5 either.
    let ro = s.login_as("cfg_ro", "cfg_ro").await;
    let r = s
        .json("POST", "/api/v1/CameraVideoProfile/2MP", Some(&ro), r#"{"reqAction":5,"video_fps":21}"#)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // ... but may read through a PUT carrying reqAction 1.
    let r = s.json("PUT", "/api/v1/CameraVideoProfile/2MP", Some(&ro), r#"{"reqAction":1}"#).await;
    assert_eq!(r.status, StatusCode::OK);
    // POST with reqAction 3 deletes.
    s.json("POST", "/api/v1/CameraVideoProfile/tmp", Some(&c), "{}").await;
    let r = s.json("POST", "/api/v1/CameraVideoProfile/tmp", Some(&c), r#"{"reqAction":3}"#).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(s.get("/api/v1/CameraVideoProfile/tmp", &c).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn video_profile_create_duplicate_and_referenced_delete() {
    let s = sim();
    let c = s.admin().await;
    let r = s
        .json("POST", "/api/v1/CameraVideoProfile/4MP", Some(&c), r#"{"video_resolution":8,"video_codec":4}"#)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["reqAction"], 2);
    assert_eq!(r.body["video_fps"], 30);
    assert_eq!(
        s.json("POST", "/api/v1/CameraVideoProfile/4MP", Some(&c), "{}").await.status,
        StatusCode::BAD_REQUEST
    );
    let r = s.send("DELETE", "/api/v1/CameraVideoProfile/HighRes", Some(&c), None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "referenced by HighQualityContAllDet");
    let r = s.send("DELETE", "/api/v1/CameraVideoProfile/4MP", Some(&c), None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, json!({"objectID": "CameraVideoProfile:4MP", "reqAction": 3, "nodePermission": 3}));
    assert_eq!(
        s.send("DELETE", "/api/v1/CameraVideoProfile/4MP", Some(&c), None).await.status,
        StatusCode::NOT_FOUND
    );
}

// ------------------------------------------------------------------------------- G10/G11 camera profiles

#[tokio::test]
async fn camera_profiles_and_schedule_sub_resource() {
    let s = sim();
    let c = s.admin().await;
    let r = s.get("/api/v1/CameraProfile", &c).await;
    let p = items(&r).iter().find(|i| i["mkey"] == "HighQualityContAllDet").unwrap().clone();
    assert_eq!(p["viewing_stream"], "Always:HighRes");
    assert_eq!(p["recording_stream"], "Always:HighRes");
    assert_eq!(p["recording_type"], "Always:17");
    assert_eq!(p["isReferenced"], 1);
    let r = s.get("/api/v1/CameraProfile/HighQualityContAllDet", &c).await;
    assert_eq!(r.body["objectID"], "CameraProfile:HighQualityContAllDet");

    let uri = "/api/v1/CameraProfile/HighQualityContAllDet/CameraProfileVideoSchedule/Always";
    let r = s.json("PUT", uri, Some(&c), r#"{"recording_stream":"high-resolution"}"#).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["objectID"], "CameraProfileVideoSchedule:Always");
    let r = s.get("/api/v1/CameraProfile/HighQualityContAllDet", &c).await;
    assert_eq!(r.body["recording_stream"], "Always:high-resolution");
    assert_eq!(r.body["viewing_stream"], "Always:HighRes");
    let list = s.get("/api/v1/CameraProfile/HighQualityContAllDet/CameraProfileVideoSchedule/", &c).await;
    assert_eq!(list.body["objectID"], "CameraProfileVideoScheduleCollection:");
    assert_eq!(mkeys(&list), ["Always"]);
    let bad = "/api/v1/CameraProfile/HighQualityContAllDet/CameraProfileVideoSchedule/Nope";
    assert_eq!(
        s.json("PUT", bad, Some(&c), r#"{"recording_stream":"2MP"}"#).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        s.json("PUT", uri, Some(&c), r#"{"recording_stream":"nosuch"}"#).await.status,
        StatusCode::BAD_REQUEST
    );
    let missing = "/api/v1/CameraProfile/Nope/CameraProfileVideoSchedule/Always";
    assert_eq!(s.get(missing, &c).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn camera_profile_create_validates_references_and_delete_in_use_fails() {
    let s = sim();
    let c = s.admin().await;
    let r = s
        .json(
            "POST",
            "/api/v1/CameraProfile/Night",
            Some(&c),
            r#"{"recording_stream":"Away:2MP","recording_type":"Away:33"}"#,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["viewing_stream"], "Away:2MP");
    assert_eq!(r.body["recording_type"], "Away:33");
    let r = s.json("POST", "/api/v1/CameraProfile/Bad", Some(&c), r#"{"recording_stream":"Nope:2MP"}"#).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = s
        .json("POST", "/api/v1/CameraProfile/Bad", Some(&c), r#"{"continuous_retention_period_units":0}"#)
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        s.send("DELETE", "/api/v1/CameraProfile/AwayOnly", Some(&c), None).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(s.send("DELETE", "/api/v1/CameraProfile/Night", Some(&c), None).await.status, StatusCode::OK);
}

// ------------------------------------------------------------------------------- G12-G14 cameras

#[tokio::test]
async fn camera_profile_switch() {
    let s = sim();
    let c = s.admin().await;
    let r = s.json("PUT", "/api/v1/CameraCamera/cam1", Some(&c), r#"{"profile": "HighResContinuous"}"#).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["profile"], "HighResContinuous");
    let st = s.get("/api/v1/CameraStatus/cam1", &c).await;
    assert_eq!(st.body["action_scheduled"], 1);
    // cam2 to an always-on profile: it starts recording.
    s.json("PUT", "/api/v1/CameraCamera/cam2", Some(&c), r#"{"profile": "HighResContinuous"}"#).await;
    assert_eq!(s.get("/api/v1/CameraStatus/cam2", &c).await.body["action_scheduled"], 1);
    assert_eq!(
        s.json("PUT", "/api/v1/CameraCamera/nosuch", Some(&c), r#"{"profile":"AwayOnly"}"#).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        s.json("PUT", "/api/v1/CameraCamera/cam1", Some(&c), r#"{"profile":"Nope"}"#).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        s.send("DELETE", "/api/v1/CameraCamera/cam1", Some(&c), None).await.status,
        StatusCode::METHOD_NOT_ALLOWED
    );
    let all = s.get("/api/v1/CameraCamera", &c).await;
    assert_eq!(all.body["totalRemoteCount"], 4);
}

#[tokio::test]
async fn ptz_home_and_preset() {
    let s = sim();
    let c = s.admin().await;
    let r = s
        .json("POST", "/api/v1/CameraCamera/cam1", Some(&c), r#"{"reqAction":7, "camMove":1, "magnitude":4}"#)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["reqAction"], 7);
    assert_eq!(s.get("/api/v1/CameraCamera/cam1", &c).await.body["ptz"]["pan"], 4.0);
    s.json("POST", "/api/v1/CameraCamera/cam1", Some(&c), r#"{"reqAction":7, "camMove":0, "magnitude":4}"#)
        .await;
    assert_eq!(s.get("/api/v1/CameraCamera/cam1", &c).await.body["ptz"]["pan"], 0.0);
    let r = s
        .json(
            "POST",
            "/api/v1/CameraCamera/cam1",
            Some(&c),
            r#"{"reqAction":7, "camMove":16, "presetName":"preset_1"}"#,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(s.get("/api/v1/CameraCamera/cam1", &c).await.body["ptz"]["pan"], 30.0);
    for (body, status) in [
        (r#"{"reqAction":7, "camMove":17}"#, StatusCode::BAD_REQUEST),
        (r#"{"reqAction":7, "camMove":16}"#, StatusCode::BAD_REQUEST),
        (r#"{"reqAction":7, "camMove":16, "presetName":"nope"}"#, StatusCode::NOT_FOUND),
        (r#"{"reqAction":7, "camMove":1, "magnitude":11}"#, StatusCode::BAD_REQUEST),
    ] {
        assert_eq!(
            s.json("POST", "/api/v1/CameraCamera/cam1", Some(&c), body).await.status,
            status,
            "{body}"
        );
    }
    let r = s.json("POST", "/api/v1/CameraCamera/cam2", Some(&c), r#"{"reqAction":7, "camMove":0}"#).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "cam2 has no PTZ");
    let r = s.json("POST", "/api/v1/CameraCamera/nosuch", Some(&c), r#"{"reqAction":7, "camMove":0}"#).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn ptz_presets_crud() {
    let s = sim();
    let c = s.admin().await;
    let base = "/api/v1/CameraCamera/cam1/CameraCameraPtzPresets";
    assert_eq!(s.json("POST", &format!("{base}/preset_2"), Some(&c), "{}").await.status, StatusCode::OK);
    assert_eq!(
        s.json("POST", &format!("{base}/preset_2"), Some(&c), "{}").await.status,
        StatusCode::BAD_REQUEST
    );
    s.json("POST", "/api/v1/CameraCamera/cam1", Some(&c), r#"{"reqAction":7, "camMove":3, "magnitude":5}"#)
        .await;
    let r = s.json("PUT", &format!("{base}/preset_2"), Some(&c), "{}").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["tilt"], 5.0);
    let list = s.get(&format!("{base}/"), &c).await;
    assert_eq!(list.body["objectID"], "CameraCameraPtzPresetsCollection:");
    assert_eq!(mkeys(&list), ["preset_1", "preset_2"]);
    assert_eq!(s.json("PUT", &format!("{base}/nope"), Some(&c), "{}").await.status, StatusCode::NOT_FOUND);
    assert_eq!(s.send("DELETE", &format!("{base}/preset_2"), Some(&c), None).await.status, StatusCode::OK);
    assert_eq!(mkeys(&s.get(base, &c).await), ["preset_1"]);
    assert_eq!(
        s.send("DELETE", &format!("{base}/preset_2"), Some(&c), None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        s.json("POST", "/api/v1/CameraCamera/cam2/CameraCameraPtzPresets/p", Some(&c), "{}").await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn preset_put_creates_option() {
    let s = sim_with(None, json!({"preset_put_creates": true}));
    let c = s.admin().await;
    let r = s.json("PUT", "/api/v1/CameraCamera/cam1/CameraCameraPtzPresets/new", Some(&c), "{}").await;
    assert_eq!(r.status, StatusCode::OK);
}

// ------------------------------------------------------------------------------- G15 schedules

#[tokio::test]
async fn assistant_schedule_activation_starts_recording_and_logs_an_event() {
    let s = sim();
    let c = s.admin().await;
    s.advance_secs(60);
    let r = s.json("PUT", "/api/v1/ScheduleObject/Away", Some(&c), r#"{"assist_active" : true}"#).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["assist_active"], true);
    assert_eq!(s.get("/api/v1/CameraStatus/cam2", &c).await.body["action_scheduled"], 1);
    let r = s.get("/api/v1/CameraEvent?device_name=cam2&start_time=2024-01-01-00-00-00&end_time=2024-01-01-01-00-00&evt_filter=262144", &c).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["totalRemoteCount"], 1);
    assert_eq!(items(&r)[0]["type"], 262144);
    assert_eq!(
        s.json("PUT", "/api/v1/ScheduleObject/Always", Some(&c), r#"{"assist_active" : true}"#).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        s.json("PUT", "/api/v1/ScheduleObject/Nope", Some(&c), r#"{"assist_active" : true}"#).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(mkeys(&s.get("/api/v1/ScheduleObject", &c).await), ["Always", "Away"]);
}

// ------------------------------------------------------------------------------- G16/G17 system

#[tokio::test]
async fn interfaces_match_the_document_example() {
    let s = sim();
    let c = s.admin().await;
    let r = s.get("/api/v1/SysInterface", &c).await;
    let expected = json!({ "objectID": "SysInterfaceCollection:", "reqAction": 1, "totalRemoteCount": 2, "subCount": 2,
      "remoteSorting": true, "nextPage": false, "nodePermission": 3,
      "collection": [
        { "mkey": "port1", "type": 0, "aggregate_master": 0, "bridge_member": true,
          "ip": "192.168.1.99/24", "ip6": "::/0", "status": true, "interface": "",
          "aggregate_member": "", "incoming_mode": 2, "outgoing_mode": 0, "local": true,
          "allowaccess": 151, "discover": true, "webaccess": 1, "link_status": true,
          "isReferenced": 1, "modifyFlag": 1 },
        { "mkey": "port2", "type": 0, "aggregate_master": 0, "bridge_member": true,
          "ip": "192.168.2.99/24", "ip6": "::/0", "status": true, "interface": "",
          "aggregate_member": "", "incoming_mode": 2, "outgoing_mode": 0, "local": true,
          "allowaccess": 7, "discover": true, "webaccess": 1, "link_status": true,
          "modifyFlag": 1 } ] });
    assert_eq!(r.body, expected);
    let r = s.get("/api/v1/SysInterface/port1", &c).await;
    assert_eq!(r.body["mac_addr"], "00:09:0f:00:00:01");
    assert_eq!(s.get("/api/v1/SysInterface/port9", &c).await.status, StatusCode::NOT_FOUND);
    let rest = s.login_as("rest", "rest").await;
    assert_eq!(s.get("/api/v1/SysInterface", &rest).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn interface_create_update_delete() {
    let s = sim();
    let c = s.admin().await;
    let r = s
        .json(
            "POST",
            "/api/v1/SysInterface/vlan10",
            Some(&c),
            r#"{"type":1,"interface":"port2","ip":"10.0.0.1/24"}"#,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(s.get("/api/v1/SysInterface/port2", &c).await.body["isReferenced"], 1);
    assert_eq!(
        s.json("PUT", "/api/v1/SysInterface/vlan10", Some(&c), r#"{"ip":"10.0.0.300/24"}"#).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        s.json("PUT", "/api/v1/SysInterface/vlan10", Some(&c), r#"{"allowaccess":3}"#).await.status,
        StatusCode::OK
    );
    assert_eq!(
        s.json("POST", "/api/v1/SysInterface/x", Some(&c), r#"{"type":0}"#).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        s.send("DELETE", "/api/v1/SysInterface/port2", Some(&c), None).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(s.send("DELETE", "/api/v1/SysInterface/vlan10", Some(&c), None).await.status, StatusCode::OK);
}

#[tokio::test]
async fn global_settings_get_put_and_no_delete() {
    let s = sim();
    let c = s.admin().await;
    let r = s.get("/api/v1/SysGlobal", &c).await;
    assert_eq!(r.body["objectID"], "SysGlobal:");
    assert_eq!(r.body["hostname"], "FK-SVM0000000000");
    assert_eq!(r.body["public_notify_tcp_port"], 3010);
    let r = s.json("PUT", "/api/v1/SysGlobal", Some(&c), r#"{"public_address":"203.0.113.10"}"#).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(s.get("/api/v1/SysGlobal/", &c).await.body["public_address"], "203.0.113.10");
    let r = s.json("POST", "/api/v1/SysGlobal", Some(&c), r#"{"reqAction":5,"port_http":8080}"#).await;
    assert_eq!(r.body["port_http"], 8080);
    assert_eq!(
        s.json("PUT", "/api/v1/SysGlobal", Some(&c), r#"{"port_http":70000}"#).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        s.send("DELETE", "/api/v1/SysGlobal", Some(&c), None).await.status,
        StatusCode::METHOD_NOT_ALLOWED
    );
}

// ------------------------------------------------------------------------------- G18/G19 status

#[tokio::test]
async fn usage_has_histories_that_move_with_the_clock() {
    let s = sim();
    let c = s.admin().await;
    let r = s.get("/api/v1/SysStatusUsage", &c).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["objectID"], "SysStatusUsage:");
    for h in ["cpu_history", "memory_history", "session_history", "network_history"] {
        assert_eq!(r.body[h]["values"].as_array().unwrap().len(), 21, "{h}");
        assert_eq!(r.body[h]["x_labels"].as_array().unwrap().len(), 21, "{h}");
    }
    assert_eq!(r.body["cpu_history"]["y_legend"], "%");
    assert_eq!(r.body["network_history"]["y_legend"], "Kbps");
    assert!(r.body["session_history"].get("y_legend").is_none());
    assert_eq!(r.body["active_sessions"], 1);
    assert_eq!(r.body["cpu_history"]["x_labels"][20], "00:00");
    s.advance_secs(600);
    let c = s.admin().await;
    let later = s.get("/api/v1/SysStatusUsage", &c).await;
    assert_eq!(later.body["cpu_history"]["x_labels"][20], "00:10");
}

#[tokio::test]
async fn sysinfo_reports_the_caller_and_disk_figures() {
    let s = sim();
    let c = s.admin().await;
    let r = s.get("/api/v1/SysStatusSysinfo", &c).await;
    assert_eq!(r.body["serial_number"], "FK-SVM0000000000");
    assert_eq!(r.body["current_admin"], "admin");
    assert_eq!(r.body["admin_num"], 1);
    assert_eq!(r.body["up_time"], "0 0 0 0");
    let info = r.body["mailbox_disk_info"].as_str().unwrap();
    assert!(info.starts_with("Capacity "), "{info}");
    let used0 = r.body["mailbox_disk_used"].as_u64().unwrap();
    let ret0 = r.body["actual_retention_local"].as_i64().unwrap();
    assert_eq!(ret0, T0_MS / 1000 - 1_584_730_800, "oldest fixture recording");
    s.advance_secs(3 * 3600 + 61);
    let c = s.admin().await;
    let r = s.get("/api/v1/SysStatusSysinfo", &c).await;
    assert!(r.body["mailbox_disk_used"].as_u64().unwrap() > used0, "recordings grew");
    assert_eq!(r.body["up_time"], "0 3 1 1");
}

// ------------------------------------------------------------------------------- G20 lifecycle

#[tokio::test]
async fn sys_command_validates_and_restart_runs_on_the_device_clock() {
    let s = sim();
    let c = s.admin().await;
    assert_eq!(
        s.json("POST", "/api/v1/SysStatusCommand", Some(&c), r#"{"action": 4}"#).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        s.send("GET", "/api/v1/SysStatusCommand", Some(&c), None).await.status,
        StatusCode::METHOD_NOT_ALLOWED
    );
    let rest = s.login_as("rest", "rest").await;
    assert_eq!(
        s.json("POST", "/api/v1/SysStatusCommand", Some(&rest), r#"{"action": 1}"#).await.status,
        StatusCode::FORBIDDEN
    );

    // The lifecycle itself (the handler runs the same with a one-second grace).
    use devsim_core::{Power, SimDevice};
    let out =
        s.dev.apply(devsim_fortirecorder::model::Command::SysCommand { body: Some(json!({"action": 1})) });
    assert!(matches!(out, Ok(devsim_fortirecorder::model::Output::Lifecycle(_))));
    let dev = s.dev.clone();
    let task = tokio::spawn(async move {
        dev.run_lifecycle(devsim_fortirecorder::model::SysAction::Restart, std::time::Duration::ZERO).await
    });
    while s.dev.runtime().power() == Power::On {
        tokio::task::yield_now().await;
    }
    assert_eq!(s.dev.lifecycle(), devsim_fortirecorder::Lifecycle::Restarting);
    s.advance_secs(20);
    task.await.unwrap();
    assert_eq!(s.dev.runtime().power(), Power::On);
    assert_eq!(s.get("/api/v1/SysGlobal", &c).await.status, StatusCode::FORBIDDEN, "old cookie is dead");
    let c2 = s.admin().await;
    assert_eq!(s.get("/api/v1/SysStatusSysinfo", &c2).await.body["up_time"], "0 0 0 0");
    let r = s.get("/api/v1/CameraEvent?device_name=System&start_time=2024-01-01-00-00-00&end_time=2024-01-01-01-00-00", &c2).await;
    let subs: Vec<i64> = items(&r).iter().map(|e| e["subtype"].as_i64().unwrap()).collect();
    assert_eq!(subs, [1, 4], "Startup (newest) and Reboot");
    // The outage is a recording gap.
    let gaps = s.dev.with_model(|m| m.outages.clone());
    assert_eq!(gaps.len(), 1);
    assert_eq!(gaps[0].end.unwrap() - gaps[0].start, 20);
}

#[tokio::test]
async fn shutdown_stays_off_until_power_on() {
    let s = sim();
    use devsim_core::{Power, SimDevice};
    s.dev.run_lifecycle(devsim_fortirecorder::model::SysAction::Shutdown, std::time::Duration::ZERO).await;
    assert_eq!(s.dev.runtime().power(), Power::Off);
    s.advance_secs(3600);
    assert_eq!(s.dev.runtime().power(), Power::Off);
    s.dev.action("power_on", Value::Null).unwrap();
    assert_eq!(s.dev.runtime().power(), Power::On);
    assert!(s.dev.action("power_on", Value::Null).is_err(), "not halted any more");
}

#[tokio::test]
async fn reload_keeps_sessions_and_returns() {
    let s = sim();
    use devsim_core::{Power, SimDevice};
    let c = s.admin().await;
    let dev = s.dev.clone();
    let task = tokio::spawn(async move {
        dev.run_lifecycle(devsim_fortirecorder::model::SysAction::Reload, std::time::Duration::ZERO).await
    });
    while s.dev.runtime().power() == Power::On && !task.is_finished() {
        tokio::task::yield_now().await;
    }
    s.advance_secs(1);
    task.await.unwrap();
    assert_eq!(s.dev.runtime().power(), Power::On);
    assert_eq!(s.get("/api/v1/SysGlobal", &c).await.status, StatusCode::OK);
}

// ------------------------------------------------------------------------------- G21 events

const WINDOW: &str = "start_time=2021-01-01-01-00-00&end_time=2021-01-02-14-00-00";

#[tokio::test]
async fn timeline_and_camera_event_answer_the_same_items() {
    let s = sim();
    let c = s.admin().await;
    let t = s.get(&format!("/api/v1/Timeline?device_name=cam1,cam2&{WINDOW}"), &c).await;
    assert_eq!(t.status, StatusCode::OK);
    assert_eq!(t.body["objectID"], "TimelineCollection:");
    assert_eq!(t.body["start_time"], "2021-01-01-01-00-00");
    assert_eq!(t.body["end_time"], "2021-01-02-14-00-00");
    assert!(t.body["totalRemoteCount"].as_u64().unwrap() > 10);
    for e in items(&t) {
        let d = e["device_name"].as_str().unwrap();
        assert!(d == "cam1" || d == "cam2", "{d}");
        let st = e["start_time"].as_str().unwrap();
        assert_eq!(st.len(), 19);
        assert_eq!(&st[10..11], " ");
    }
    let ce = s.get(&format!("/api/v1/CameraEvent?device_name=cam1,cam2&{WINDOW}"), &c).await;
    assert_eq!(ce.body["objectID"], "CameraEventCollection:");
    assert_eq!(ce.body["collection"], t.body["collection"]);
    let times: Vec<&str> = items(&t).iter().map(|e| e["start_time"].as_str().unwrap()).collect();
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted, "newest first");
}

#[tokio::test]
async fn event_filter_and_paging() {
    let s = sim();
    let c = s.admin().await;
    let r = s.get(&format!("/api/v1/CameraEvent?device_name=cam1,cam2&{WINDOW}&evt_filter=2"), &c).await;
    assert!(items(&r).iter().all(|e| e["type"] == 2));
    let total = r.body["totalRemoteCount"].as_u64().unwrap();
    assert!(total > 1);
    let p = s
        .get(
            &format!(
                "/api/v1/CameraEvent?device_name=cam1,cam2&{WINDOW}&evt_filter=2&startIndex=0&pageSize=1"
            ),
            &c,
        )
        .await;
    assert_eq!(p.body["subCount"], 1);
    assert_eq!(p.body["totalRemoteCount"], total);
    assert_eq!(p.body["nextPage"], true);
    let last = s
        .get(
            &format!(
                "/api/v1/CameraEvent?device_name=cam1,cam2&{WINDOW}&evt_filter=2&startIndex={}&pageSize=5",
                total - 1
            ),
            &c,
        )
        .await;
    assert_eq!(last.body["subCount"], 1);
    assert_eq!(last.body["nextPage"], false);
    let beyond = s.get(&format!("/api/v1/CameraEvent?device_name=cam1&{WINDOW}&startIndex=100000"), &c).await;
    assert_eq!(beyond.body["subCount"], 0);
    assert_eq!(beyond.body["nextPage"], false);
}

#[tokio::test]
async fn event_query_negatives() {
    let s = sim();
    let c = s.admin().await;
    for q in [
        "device_name=cam1&start_time=2021-01-01&end_time=2021-01-02-14-00-00",
        "start_time=2021-01-01-01-00-00&end_time=2021-01-02-14-00-00",
        "device_name=cam1&start_time=2021-01-03-01-00-00&end_time=2021-01-02-14-00-00",
        "device_name=cam1&start_time=2021-01-01-01-00-00&end_time=2021-01-02-14-00-00&startIndex=-1",
        "device_name=cam1&start_time=2021-01-01-01-00-00&end_time=2021-01-02-14-00-00&evt_filter=x",
    ] {
        assert_eq!(
            s.get(&format!("/api/v1/CameraEvent?{q}"), &c).await.status,
            StatusCode::BAD_REQUEST,
            "{q}"
        );
    }
}

#[tokio::test]
async fn lenient_event_params_make_them_optional() {
    let s = sim_with(None, json!({"event_params_strict": false}));
    let c = s.admin().await;
    let r = s.get("/api/v1/CameraEvent", &c).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body["totalRemoteCount"].as_u64().unwrap() > 0);
}

#[tokio::test]
async fn injected_detection_appears_in_events_and_ai_log() {
    let s = sim();
    let c = s.admin().await;
    devsim_core::SimDevice::inject_event(
        &s.dev,
        json!({"kind": "detection", "camera": "cam1", "type": 64, "subtype": 8, "duration": 5}),
    )
    .unwrap();
    let r = s.get("/api/v1/CameraEvent?device_name=cam1&start_time=2024-01-01-00-00-00&end_time=2024-01-01-00-01-00&evt_filter=64", &c).await;
    assert_eq!(r.body["totalRemoteCount"], 1);
    let ai = s.get("/api/v1/AiLog?type=activity&subtype=activity&range=TIMESTAMP&person=UNKNOWN&camera=cam1&start_time=1704067200", &c).await;
    assert_eq!(ai.body["totalRemoteCount"], 1);
}

// ------------------------------------------------------------------------------- G22-G25 face

#[tokio::test]
async fn face_user_create_and_defaults() {
    let s = sim();
    let c = s.admin().await;
    assert_eq!(
        s.send("POST", "/api/v1/Face_recognitionUser/user001", Some(&c), None).await.status,
        StatusCode::OK
    );
    let r = s.get("/api/v1/Face_recognitionUser/user001", &c).await;
    assert_eq!(r.body["department"], "default-department");
    assert_eq!(r.body["image_content"], "face-recognition/employees/user001/default_image.jpg");
    assert_eq!(r.body["group1_summary"]["images"], json!([]));
    assert_eq!(r.body["default_images"], "[]");
    assert_eq!(
        s.send("POST", "/api/v1/Face_recognitionUser/user001", Some(&c), None).await.status,
        StatusCode::BAD_REQUEST
    );
    let r =
        s.json("PUT", "/api/v1/Face_recognitionUser/user001", Some(&c), r#"{"display_name":"Ann"}"#).await;
    assert_eq!(r.body["display_name"], "Ann");
    assert_eq!(
        s.send("DELETE", "/api/v1/Face_recognitionUser/user001", Some(&c), None).await.status,
        StatusCode::OK
    );
    assert_eq!(mkeys(&s.get("/api/v1/Face_recognitionUser", &c).await), ["pt001"]);
}

#[tokio::test]
async fn face_user_pt001_matches_the_document() {
    let s = sim();
    let c = s.admin().await;
    let r = s.get("/api/v1/Face_recognitionUser/pt001", &c).await;
    let expected = json!({
      "objectID": "Face_recognitionUser:pt001", "reqAction": 1, "nodePermission": 3, "mkey": "pt001",
      "department": "default-department", "role": "default-role", "display_name": "",
      "image_content": "face-recognition/employees/pt001/default_image.jpg",
      "group1_summary": { "images": [
          { "image_path": "face-recognition/employees/pt001/group1/image/68_1584718836.jpg", "is_local": true, "mkey": "68_1584718836" },
          { "image_path": "face-recognition/employees/pt001/group1/image/73_1584718823.jpg", "is_local": true, "mkey": "73_1584718823" },
          { "image_path": "face-recognition/employees/pt001/group1/image/74_1584718818.jpg", "is_local": true, "mkey": "74_1584718818" } ] },
      "department_display": "default-department", "role_display": "default-role",
      "default_images": "[]", "percent": {} });
    assert_eq!(r.body, expected);
    assert_eq!(s.get("/api/v1/Face_recognitionUser/nobody", &c).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn face_image_push_and_delete() {
    let s = sim();
    let c = s.admin().await;
    let b64 = base64::engine::general_purpose::STANDARD.encode(JPEG);
    let body =
        format!(r#"{{"employeeUsername":"pt001","fileindex":"img_0001","option":"raw","content":"{b64}"}}"#);
    assert_eq!(s.json("POST", "/api/v1/EmployeeFaceRecord", Some(&c), &body).await.status, StatusCode::OK);
    let r = s.get("/api/v1/Face_recognitionUser/pt001", &c).await;
    let imgs = r.body["group1_summary"]["images"].as_array().unwrap();
    assert!(imgs.contains(&json!({"mkey":"img_0001","is_local":false,"image_path":"face-recognition/employees/pt001/group1/image/img_0001.jpg"})));
    assert_eq!(
        s.json("POST", "/api/v1/EmployeeFaceRecord", Some(&c), &body).await.status,
        StatusCode::BAD_REQUEST,
        "duplicate"
    );
    let del = r#"{"employeeUsername":"pt001","fileindex":"img_0001"}"#;
    assert_eq!(s.json("DELETE", "/api/v1/EmployeeFaceRecord", Some(&c), del).await.status, StatusCode::OK);
    assert_eq!(
        s.json("DELETE", "/api/v1/EmployeeFaceRecord", Some(&c), del).await.status,
        StatusCode::NOT_FOUND
    );
    let via_post = r#"{"reqAction":3,"employeeUsername":"pt001","fileindex":"68_1584718836"}"#;
    assert_eq!(s.json("POST", "/api/v1/EmployeeFaceRecord", Some(&c), via_post).await.status, StatusCode::OK);
    assert_eq!(
        s.json("DEL", "/api/v1/EmployeeFaceRecord", Some(&c), del).await.status,
        StatusCode::METHOD_NOT_ALLOWED
    );
    // Data URL, fileIndex spelling and mctnn are accepted.
    let body = format!(
        r#"{{"employeeUsername":"pt001","fileIndex":"img_2.jpg","option":"mctnn","content":"data:image/jpeg;base64,{b64}"}}"#
    );
    assert_eq!(s.json("POST", "/api/v1/EmployeeFaceRecord", Some(&c), &body).await.status, StatusCode::OK);
    for (bad, status) in [
        (
            format!(r#"{{"employeeUsername":"pt001","fileindex":"x","option":"other","content":"{b64}"}}"#),
            StatusCode::BAD_REQUEST,
        ),
        (
            r#"{"employeeUsername":"pt001","fileindex":"x","option":"raw","content":"!!!"}"#.to_owned(),
            StatusCode::BAD_REQUEST,
        ),
        (
            r#"{"employeeUsername":"pt001","fileindex":"x","option":"raw","content":"aGVsbG8="}"#.to_owned(),
            StatusCode::BAD_REQUEST,
        ),
        (
            format!(r#"{{"employeeUsername":"nobody","fileindex":"x","option":"raw","content":"{b64}"}}"#),
            StatusCode::NOT_FOUND,
        ),
    ] {
        assert_eq!(
            s.json("POST", "/api/v1/EmployeeFaceRecord", Some(&c), &bad).await.status,
            status,
            "{bad}"
        );
    }
}

#[tokio::test]
async fn ai_log_pages_through_all_fixture_entries() {
    let s = sim();
    let c = s.admin().await;
    let base = "/api/v1/AiLog?type=activity&subtype=activity&range=TIMESTAMP&camera=cam1&start_time=1609459200&end_time=1609545600";
    let mut start = 0;
    let mut seen = Vec::new();
    loop {
        let r = s.get(&format!("{base}&startIndex={start}&pageSize=10"), &c).await;
        assert_eq!(r.status, StatusCode::OK);
        let n = r.body["subCount"].as_u64().unwrap() as usize;
        assert!(n <= 10);
        seen.extend(mkeys(&r));
        start += n;
        if r.body["nextPage"] == false {
            break;
        }
    }
    assert_eq!(seen.len(), 30);
    let unknown = s.get(&format!("{base}&person=UNKNOWN"), &c).await;
    assert_eq!(unknown.body["totalRemoteCount"], 15);
    let pt = s.get(&format!("{base}&person=pt001"), &c).await;
    assert_eq!(pt.body["totalRemoteCount"], 15);
    let capital = s.get("/api/v1/AiLog?Type=activity&camera=cam1&start_time=2021-01-01-00-00-00&end_time=2021-01-02-00-00-00", &c).await;
    assert_eq!(capital.body["totalRemoteCount"], 30);
    assert_eq!(s.get("/api/v1/AiLog?type=other", &c).await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn face_apis_need_system_configuration_in_doc_and_analytics_in_fw_later() {
    let s = sim();
    let rest = s.login_as("rest", "rest").await;
    assert_eq!(s.get("/api/v1/Face_recognitionUser/pt001", &rest).await.status, StatusCode::FORBIDDEN);
    let later = sim_with(Some("fw-later"), Value::Null);
    let c = later.admin().await;
    assert_eq!(later.get("/api/v1/Face_recognitionUser/pt001", &c).await.status, StatusCode::OK);
}

// ------------------------------------------------------------------------------- VideoClip

/// A device whose media source has no ffmpeg: a valid VideoClip gets past every check and then
/// answers the device's 500 (the clips themselves are tested in `clip.rs`).
fn sim_without_ffmpeg() -> common::Sim {
    let s = sim();
    let dir = std::env::temp_dir().join("devsim-frc-router-no-ffmpeg");
    let mut cfg = devsim_media::MediaConfig::new(dir.clone());
    cfg.ffmpeg = Some(dir.join("no-ffmpeg-here"));
    assert!(s.dev.set_media(devsim_media::MediaSource::new(cfg).unwrap()));
    s
}

#[tokio::test]
async fn video_clip_validates_fully_then_needs_ffmpeg() {
    let s = sim_without_ffmpeg();
    let svc = s.service().await;
    let full = r#"{ "reqAction": 21, "camera": "camera_name", "begin": 1584734700, "end": 1584734900, "audio": 0,
      "codec": "h265", "fps": 30, "gop": 60, "qvalue": 50, "bitrate": 1000, "height": 1440, "width": 2560,
      "osdFormat": "24h", "osdPosition": "Top-Left", }"#;
    let r = s.json("POST", "/api/v1/VideoClip/", Some(&svc), full).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(r.body["errorType"], 1);
    assert!(r.body["errorMsg"].as_str().unwrap().contains("ffmpeg not found"), "{:?}", r.body);
    let snap = r#"{"reqAction":21,"camera":"camname","begin":1584734700,"end":1584734700}"#;
    assert_eq!(
        s.json("POST", "/api/v1/VideoClip/", Some(&svc), snap).await.status,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    for (body, status) in [
        (
            r#"{"reqAction":21,"camera":{"camname","begin":1584734700,"end":1584734900}"#,
            StatusCode::BAD_REQUEST,
        ),
        (
            r#"{"reqAction":21,"camera":"camname","begin":1584734700,"end":1584734600}"#,
            StatusCode::BAD_REQUEST,
        ),
        (
            r#"{"reqAction":21,"camera":"nosuchcam","begin":1584734700,"end":1584734700}"#,
            StatusCode::NOT_FOUND,
        ),
        (
            r#"{"reqAction":21,"camera":"camname","begin":1584734700,"end":1584734700,"qvalue":5}"#,
            StatusCode::BAD_REQUEST,
        ),
        (
            r#"{"reqAction":21,"camera":"camname","begin":1584734700,"end":1584734700,"codec":"vp9"}"#,
            StatusCode::BAD_REQUEST,
        ),
        (r#"{"reqAction":21,"camera":"camname","begin":"x","end":1584734700}"#, StatusCode::BAD_REQUEST),
        (r#"{"reqAction":21,"camera":"camname","begin":1000,"end":2000}"#, StatusCode::NOT_FOUND),
        (r#"{"camera":"camname","begin":1584734700,"end":1584734700}"#, StatusCode::METHOD_NOT_ALLOWED),
    ] {
        assert_eq!(s.json("POST", "/api/v1/VideoClip/", Some(&svc), body).await.status, status, "{body}");
    }
    assert_eq!(s.json("POST", "/api/v1/VideoClip/", None, snap).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn service_session_reaches_video_clip_only() {
    let s = sim_without_ffmpeg();
    let svc = s.service().await;
    assert_eq!(s.get("/api/v1/SysGlobal", &svc).await.status, StatusCode::FORBIDDEN);
    // An admin with Video playback may use VideoClip too.
    let c = s.admin().await;
    let snap = r#"{"reqAction":21,"camera":"camname","begin":1584734700,"end":1584734700}"#;
    assert_eq!(
        s.json("POST", "/api/v1/VideoClip", Some(&c), snap).await.status,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    let ro = s.login_as("cfg_ro", "cfg_ro").await;
    assert_eq!(s.json("POST", "/api/v1/VideoClip", Some(&ro), snap).await.status, StatusCode::FORBIDDEN);
}

// ------------------------------------------------------------------------------- G29 cross-cutting

#[tokio::test]
async fn cross_cutting_negatives() {
    let s = sim();
    let c = s.admin().await;
    let r = s.get("/api/v1/NoSuchResource", &c).await;
    assert_eq!((r.status, r.body["errorType"].clone()), (StatusCode::BAD_REQUEST, json!(3)));
    let r = s.get("/api/v1/CameraProfile/NoSuch", &c).await;
    assert_eq!((r.status, r.body["errorType"].clone()), (StatusCode::NOT_FOUND, json!(3)));
    assert_eq!(
        s.send("DELETE", "/api/v1/SysStatusUsage", Some(&c), None).await.status,
        StatusCode::METHOD_NOT_ALLOWED
    );
    assert_eq!(
        s.json("POST", "/api/v1/CameraProfile/X", Some(&c), r#"{"reqAction":14}"#).await.status,
        StatusCode::METHOD_NOT_ALLOWED
    );
    assert_eq!(
        s.json("PUT", "/api/v1/CameraVideoProfile/2MP", Some(&c), r#"{"video_fps":}"#).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        s.json("PUT", "/api/v1/CameraVideoProfile/2MP", Some(&c), r#"{"video_fps":15,}"#).await.status,
        StatusCode::OK
    );
}
