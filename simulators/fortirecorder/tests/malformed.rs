//! Malformed input never panics or answers 500: it gets the device's own errors.

mod common;

use common::*;
use http::StatusCode;

#[tokio::test]
async fn malformed_requests_get_device_errors() {
    let s = sim();
    let c = s.admin().await;
    let cases: Vec<(&str, &str, Option<Vec<u8>>, StatusCode)> = vec![
        ("PUT", "/api/v1/CameraVideoProfile/2MP", Some(b"{not json".to_vec()), StatusCode::BAD_REQUEST),
        ("PUT", "/api/v1/CameraVideoProfile/2MP", Some(b"[1,2,3]".to_vec()), StatusCode::BAD_REQUEST),
        ("PUT", "/api/v1/CameraVideoProfile/2MP", Some(b"\"str\"".to_vec()), StatusCode::BAD_REQUEST),
        ("PUT", "/api/v1/CameraVideoProfile/2MP", Some(br#"{"video_fps": 99999999999999999999999}"#.to_vec()), StatusCode::BAD_REQUEST),
        ("PUT", "/api/v1/CameraVideoProfile/2MP", Some(br#"{"video_fps": 1e400}"#.to_vec()), StatusCode::BAD_REQUEST),
        ("PUT", "/api/v1/CameraVideoProfile/2MP", Some(br#"{"video_fps": "fast"}"#.to_vec()), StatusCode::BAD_REQUEST),
        ("PUT", "/api/v1/CameraVideoProfile/2MP", Some(br#"{"audio": "maybe"}"#.to_vec()), StatusCode::BAD_REQUEST),
        ("PUT", "/api/v1/CameraVideoProfile/2MP", Some(br#"{"reqAction": 99}"#.to_vec()), StatusCode::BAD_REQUEST),
        ("PUT", "/api/v1/CameraVideoProfile/2MP", Some(br#"{"reqAction": "x"}"#.to_vec()), StatusCode::BAD_REQUEST),
        ("PUT", "/api/v1/CameraVideoProfile/2MP", Some(vec![0xff, 0xfe, 0x00]), StatusCode::BAD_REQUEST),
        ("PUT", "/api/v1/CameraCamera/cam1", Some(br#"{"profile": 5}"#.to_vec()), StatusCode::BAD_REQUEST),
        ("POST", "/api/v1/CameraCamera/cam1", Some(br#"{"reqAction":7,"camMove":-9223372036854775808}"#.to_vec()), StatusCode::BAD_REQUEST),
        ("POST", "/api/v1/SysStatusCommand", Some(br#"{"action": null}"#.to_vec()), StatusCode::BAD_REQUEST),
        ("POST", "/api/v1/SysStatusCommand", None, StatusCode::BAD_REQUEST),
        ("GET", "/api/v1/sysglobal", None, StatusCode::BAD_REQUEST),
        ("GET", "/api/v1/SysGlobal/extra", None, StatusCode::BAD_REQUEST),
        ("GET", "/api/v1/CameraCamera/%ZZ", None, StatusCode::BAD_REQUEST),
        ("GET", "/api/v1/CameraCamera/a/b/c/d/e", None, StatusCode::BAD_REQUEST),
        ("GET", "/", None, StatusCode::BAD_REQUEST),
        ("DEL", "/api/v1/EmployeeFaceRecord", Some(b"{}".to_vec()), StatusCode::METHOD_NOT_ALLOWED),
        ("PATCH", "/api/v1/SysGlobal", Some(b"{}".to_vec()), StatusCode::METHOD_NOT_ALLOWED),
        ("GET", "/api/v1/AiLog?startIndex=abc", None, StatusCode::BAD_REQUEST),
        ("GET", "/api/v1/AiLog?startIndex=%zz", None, StatusCode::BAD_REQUEST),
        ("GET", "/api/v1/CameraEvent?device_name=cam1&start_time=9999-99-99-99-99-99&end_time=2021-01-01-00-00-00", None, StatusCode::BAD_REQUEST),
        ("POST", "/api/v1/Face_recognitionUser/a%2Fb", None, StatusCode::BAD_REQUEST),
        ("POST", "/api/v1/EmployeeFaceRecord", Some(br#"{"employeeUsername":["x"]}"#.to_vec()), StatusCode::BAD_REQUEST),
    ];
    for (method, uri, body, want) in cases {
        let r = s.send(method, uri, Some(&c), body.as_deref()).await;
        assert_eq!(
            r.status,
            want,
            "{method} {uri} {:?}",
            body.as_ref().map(|b| String::from_utf8_lossy(b).into_owned())
        );
        assert!(r.body.get("errorType").is_some(), "{method} {uri}: device error shape, got {:?}", r.raw);
    }
}

#[tokio::test]
async fn oversized_body_is_a_400_in_the_device_shape() {
    let s = sim();
    let c = s.admin().await;
    let big = vec![b' '; 8 * 1024 * 1024 + 1];
    let r = s.send("PUT", "/api/v1/SysGlobal", Some(&c), Some(&big)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["errorType"], 1);
}
