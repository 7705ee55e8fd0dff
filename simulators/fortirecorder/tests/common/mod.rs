//! Shared helpers for the router tests: a device on a manual clock, requests through `oneshot`.
#![allow(dead_code)]

use axum::body::Body;
use axum::Router;
use http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use devsim_core::{Clock, DeviceConfig, Store};
use devsim_fortirecorder::{FortiRecorder, KIND, STATE_VERSION};

/// 2024-01-01 00:00:00Z.
pub const T0_MS: i64 = 1_704_067_200_000;

pub struct Sim {
    pub dev: FortiRecorder,
    pub app: Router,
    pub clock: Clock,
}

pub fn sim_with(profile: Option<&str>, options: Value) -> Sim {
    let clock = Clock::manual(T0_MS);
    let cfg = DeviceConfig {
        id: "frc1".into(),
        profile: profile.map(str::to_owned),
        seed: 7,
        options,
        ..DeviceConfig::default()
    };
    let dev = FortiRecorder::open(cfg, Store::ephemeral(KIND, STATE_VERSION), clock.clone()).expect("open");
    let app = dev.router();
    Sim { dev, app, clock }
}

pub fn sim() -> Sim {
    sim_with(None, Value::Null)
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: http::HeaderMap,
    pub body: Value,
    pub raw: Vec<u8>,
}

impl Sim {
    pub async fn send(&self, method: &str, uri: &str, cookie: Option<&str>, body: Option<&[u8]>) -> Resp {
        let mut b = Request::builder().method(Method::from_bytes(method.as_bytes()).unwrap()).uri(uri);
        if let Some(c) = cookie {
            b = b.header("Cookie", c);
        }
        let req = b.body(Body::from(body.map(<[u8]>::to_vec).unwrap_or_default())).unwrap();
        let resp = self.app.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let raw = resp.into_body().collect().await.unwrap().to_bytes().to_vec();
        let body = serde_json::from_slice(&raw).unwrap_or(Value::Null);
        Resp { status, headers, body, raw }
    }

    pub async fn json(&self, method: &str, uri: &str, cookie: Option<&str>, body: &str) -> Resp {
        self.send(method, uri, cookie, Some(body.as_bytes())).await
    }

    pub async fn get(&self, uri: &str, cookie: &str) -> Resp {
        self.send("GET", uri, Some(cookie), None).await
    }

    /// Log in as `name`/`password` and return the `Cookie` header value to replay.
    pub async fn login_as(&self, name: &str, password: &str) -> String {
        let body = format!(r#"{{"name":"{name}","password":"{password}"}}"#);
        let r = self.json("POST", "/api/v1/AdminLogin", None, &body).await;
        assert_eq!(r.status, StatusCode::OK, "login {name}: {:?}", r.body);
        cookie_pair(&r)
    }

    pub async fn admin(&self) -> String {
        self.login_as("admin", "admin").await
    }

    pub async fn service(&self) -> String {
        let r = self
            .json(
                "POST",
                "/api/v1/ServiceLogin/",
                None,
                r#"{"reqAction":1, "name":"service-clip", "password":"1234"}"#,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
        cookie_pair(&r)
    }

    pub fn advance_secs(&self, s: i64) {
        self.clock.advance_ms(s * 1000);
    }
}

/// `name=value` of the response's Set-Cookie.
pub fn cookie_pair(r: &Resp) -> String {
    let sc = r.headers.get("set-cookie").expect("set-cookie").to_str().unwrap();
    sc.split(';').next().unwrap().trim().to_owned()
}
