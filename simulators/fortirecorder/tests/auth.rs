//! Generated from the route table: every protected (resource, action) refuses a request without a
//! session, and the read-only account `cfg_ro` can write nothing.

mod common;

use common::*;
use devsim_fortirecorder::route_table;
use devsim_fortirecorder::wire::{Action, Resource, Shape};
use http::StatusCode;

/// A URL addressing one existing object of `res` (or the resource itself when it has no ids).
fn url_for(res: Resource) -> String {
    let tail = match res {
        Resource::CameraStatus | Resource::CameraCamera => "cam1",
        Resource::CameraVideoProfile => "2MP",
        Resource::CameraProfile => "HighQualityContAllDet",
        Resource::ScheduleObject => "Away",
        Resource::SysInterface => "port1",
        Resource::FaceRecognitionUser => "pt001",
        Resource::CameraProfileVideoSchedule => "HighQualityContAllDet/CameraProfileVideoSchedule/Always",
        Resource::CameraCameraPtzPresets => "cam1/CameraCameraPtzPresets/preset_1",
        _ => "",
    };
    let root = res.parent().unwrap_or(res).name();
    if tail.is_empty() {
        format!("/api/v1/{root}")
    } else {
        format!("/api/v1/{root}/{tail}")
    }
}

fn protected() -> Vec<(Resource, Action)> {
    route_table()
        .into_iter()
        .filter(|(r, _)| r.shape() != Shape::Login)
        .flat_map(|(r, actions)| actions.iter().map(move |a| (r, *a)))
        .collect()
}

#[tokio::test]
async fn every_protected_route_refuses_a_request_without_a_session() {
    let s = sim();
    let routes = protected();
    assert!(routes.len() > 30, "the route table lists every resource and action");
    for (res, action) in routes {
        let body = format!(r#"{{"reqAction":{}}}"#, action.code());
        let method = action.method();
        for cookie in [None, Some("APSCOOKIE=0123456789abcdef0123456789abcdef")] {
            let r = s.json(method.as_str(), &url_for(res), cookie, &body).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{res:?} {action:?} cookie {cookie:?}");
            assert_eq!(r.body["errorType"], 7);
        }
    }
}

#[tokio::test]
async fn read_only_account_cannot_write_anywhere() {
    let s = sim();
    let ro = s.login_as("cfg_ro", "cfg_ro").await;
    let mut writes = 0;
    for (res, action) in protected() {
        let body = format!(r#"{{"reqAction":{}}}"#, action.code());
        let r = s.json(action.method().as_str(), &url_for(res), Some(&ro), &body).await;
        if action.is_write() {
            writes += 1;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{res:?} {action:?}");
        } else if res.areas(s.dev.profile().permissions).iter().all(|a| {
            matches!(
                a,
                devsim_fortirecorder::wire::Area::CameraConfiguration
                    | devsim_fortirecorder::wire::Area::CameraStatus
            )
        }) {
            assert_ne!(r.status, StatusCode::FORBIDDEN, "{res:?} {action:?} is readable by cfg_ro");
        } else {
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{res:?} {action:?} is outside cfg_ro's areas");
        }
    }
    assert!(writes > 15);
}

#[tokio::test]
async fn actions_outside_the_route_table_are_405_for_an_admin() {
    let s = sim();
    let c = s.admin().await;
    for (res, allowed) in route_table() {
        if res.shape() == Shape::Login {
            continue;
        }
        for action in Action::ALL.into_iter().filter(|a| !allowed.contains(a)) {
            let body = format!(r#"{{"reqAction":{}}}"#, action.code());
            let r = s.json("POST", &url_for(res), Some(&c), &body).await;
            assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{res:?} {action:?}");
        }
    }
}
