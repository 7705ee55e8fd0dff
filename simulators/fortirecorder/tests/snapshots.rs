//! Snapshots of rendered bodies (collection, object, singleton, errors), volatile fields redacted.

mod common;

use common::*;

#[tokio::test]
async fn collection_body() {
    let s = sim();
    let c = s.admin().await;
    insta::assert_json_snapshot!(
        "video_profile_collection",
        s.get("/api/v1/CameraVideoProfile", &c).await.body
    );
    insta::assert_json_snapshot!("camera_status_collection", s.get("/api/v1/CameraStatus", &c).await.body, {
        ".collection[].last_query" => "[epoch]"
    });
}

#[tokio::test]
async fn object_body() {
    let s = sim();
    let c = s.admin().await;
    insta::assert_json_snapshot!(
        "camera_profile_object",
        s.get("/api/v1/CameraProfile/HighQualityContAllDet", &c).await.body
    );
}

#[tokio::test]
async fn singleton_bodies() {
    let s = sim();
    let c = s.admin().await;
    insta::assert_json_snapshot!("sys_global", s.get("/api/v1/SysGlobal", &c).await.body);
    insta::assert_json_snapshot!("sysinfo", s.get("/api/v1/SysStatusSysinfo", &c).await.body, {
        ".system_time" => "[epoch]",
        ".actual_retention_local" => "[seconds]",
        ".mailbox_disk_info" => "[disk]",
        ".mailbox_disk_used" => "[mb]",
    });
}

#[tokio::test]
async fn event_collection_body() {
    let s = sim();
    let c = s.admin().await;
    let r = s
        .get(
            "/api/v1/Timeline?device_name=cam1&start_time=2021-01-01-11-00-00&end_time=2021-01-01-13-00-00",
            &c,
        )
        .await;
    insta::assert_json_snapshot!("timeline_cam1", r.body);
}

#[tokio::test]
async fn error_bodies() {
    let s = sim();
    let c = s.admin().await;
    insta::assert_json_snapshot!("error_unknown_resource", s.get("/api/v1/Nope", &c).await.body);
    insta::assert_json_snapshot!("error_not_found", s.get("/api/v1/CameraProfile/Nope", &c).await.body);
    insta::assert_json_snapshot!("error_denied", s.send("GET", "/api/v1/SysGlobal", None, None).await.body);
    insta::assert_json_snapshot!(
        "error_method",
        s.send("DELETE", "/api/v1/SysGlobal", Some(&c), None).await.body
    );
    insta::assert_json_snapshot!(
        "error_login",
        s.json("POST", "/api/v1/AdminLogin", None, r#"{"name":"admin","password":"x"}"#).await.body
    );
}
