//! Shared helpers of the HTTP tests: a FortiGate on a manual clock, requests through `oneshot`,
//! login sessions as a client keeps them (cookie jar + `X-CSRFTOKEN`).
#![allow(dead_code)]

use axum::body::Body;
use axum::Router;
use http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

use devsim_core::{Clock, DeviceConfig, SimDevice, Store};
use devsim_fortios::{FortiGate, KIND, STATE_VERSION};

/// 2017-12-13 14:21:07Z.
pub const T0_MS: i64 = 1_513_174_867_000;

pub struct Sim {
    pub dev: FortiGate,
    pub app: Router,
    pub clock: Clock,
}

pub fn sim_with(profile: Option<&str>, options: Value) -> Sim {
    let clock = Clock::manual(T0_MS);
    let cfg = DeviceConfig {
        id: "fgt1".into(),
        profile: profile.map(str::to_owned),
        seed: 7,
        options,
        ..DeviceConfig::default()
    };
    let dev = FortiGate::open(cfg, Store::ephemeral(KIND, STATE_VERSION), clock.clone()).expect("open");
    let app = dev.router();
    Sim { dev, app, clock }
}

/// F0: factory state, profile 5.6.0.
pub fn sim() -> Sim {
    sim_with(None, Value::Null)
}

/// F1: the lab fixture of spec §5.0.
pub fn lab() -> Sim {
    let s = sim();
    s.dev.load_seed(json!({"fixture": "lab"})).expect("lab seed");
    s
}

#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: http::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Resp {
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect()
    }

    /// `name` of every `results` entry.
    pub fn names(&self) -> Vec<String> {
        self.body["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap().to_owned())
            .collect()
    }

    pub fn ids(&self, key: &str) -> Vec<i64> {
        self.body["results"].as_array().unwrap().iter().map(|r| r[key].as_i64().unwrap()).collect()
    }
}

/// A logged-in client: the `Cookie` header to replay and the CSRF token.
#[derive(Debug, Clone)]
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

impl Sim {
    pub async fn raw(&self, method: &str, uri: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Resp {
        let mut b = Request::builder().method(Method::from_bytes(method.as_bytes()).unwrap()).uri(uri);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        let resp = self.app.clone().oneshot(b.body(Body::from(body)).unwrap()).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let raw = resp.into_body().collect().await.unwrap().to_bytes().to_vec();
        let text = String::from_utf8_lossy(&raw).to_string();
        let body = serde_json::from_slice(&raw).unwrap_or(Value::Null);
        Resp { status, headers, body, text }
    }

    pub async fn login_resp(&self, user: &str, password: &str) -> Resp {
        let form = format!("username={user}&secretkey={password}&ajax=1");
        self.raw(
            "POST",
            "/logincheck",
            &[("content-type", "application/x-www-form-urlencoded")],
            form.into_bytes(),
        )
        .await
    }

    /// Log in and keep the cookies as a client would.
    pub async fn login(&self, user: &str, password: &str) -> Session {
        let r = self.login_resp(user, password).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.text.starts_with('1'), "login {user}: {}", r.text);
        session_of(&r)
    }

    pub async fn admin(&self) -> Session {
        self.login("admin", "").await
    }

    /// A request as a logged-in client: cookies always, the CSRF header always (clients send
    /// it on every request), a JSON body when given.
    pub async fn call(&self, s: &Session, method: &str, uri: &str, body: Option<Value>) -> Resp {
        let body = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        self.raw(
            method,
            uri,
            &[("cookie", &s.cookie), ("x-csrftoken", &s.csrf), ("content-type", "application/json")],
            body,
        )
        .await
    }

    pub async fn get(&self, s: &Session, uri: &str) -> Resp {
        self.call(s, "GET", uri, None).await
    }

    pub fn advance_secs(&self, secs: i64) {
        self.clock.advance_ms(secs * 1000);
    }
}

/// The cookie jar and CSRF token a client keeps from a successful login.
pub fn session_of(r: &Resp) -> Session {
    let mut pairs = Vec::new();
    let mut csrf = String::new();
    for c in r.set_cookies() {
        let pair = c.split(';').next().unwrap().trim().to_owned();
        if let Some(v) = pair.strip_prefix("ccsrftoken=") {
            csrf = v.trim_matches('"').to_owned();
        }
        pairs.push(pair);
    }
    assert!(!csrf.is_empty(), "no ccsrftoken cookie in {:?}", r.set_cookies());
    Session { cookie: pairs.join("; "), csrf }
}
