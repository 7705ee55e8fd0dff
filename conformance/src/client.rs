//! Sending one step's request: URL building, bodies, cookie jars across steps, and the
//! authentication modes (basic, digest via `devsim_core::auth::digest`, bearer, CSRF header copied
//! from a cookie). No assertions here: the result is an [`Exchange`].

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use base64::Engine;
use devsim_core::auth::digest::DigestChallenge;
use serde::Serialize;

use crate::scenario::AuthMode;

/// A request as it is about to be sent (after variable substitution).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutRequest {
    pub method: String,
    /// Path and query, as on the request line.
    pub target: String,
    pub headers: Vec<(String, String)>,
    #[serde(skip)]
    pub body: Vec<u8>,
}

/// What the device answered.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    #[serde(skip)]
    pub body: Vec<u8>,
}

impl Response {
    /// Every value of header `name` (case-insensitive).
    pub fn header_values(&self, name: &str) -> Vec<&str> {
        self.headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str()).collect()
    }

    /// Cookies the response sets: (name, value).
    pub fn set_cookies(&self) -> Vec<(String, String)> {
        self.header_values("set-cookie")
            .into_iter()
            .filter_map(parse_set_cookie)
            .map(|c| (c.0, c.1))
            .collect()
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn is_json(&self) -> bool {
        self.header_values("content-type").iter().any(|c| c.to_ascii_lowercase().contains("json"))
    }
}

/// One request and its answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exchange {
    pub request: OutRequest,
    pub response: Response,
    pub elapsed_ms: f64,
}

/// Authentication resolved for one request (variables substituted).
#[derive(Debug, Clone, Default)]
pub struct Auth {
    pub mode: AuthMode,
    pub user: Option<String>,
    pub password: Option<String>,
    pub token: Option<String>,
    pub csrf_cookie: Option<String>,
    pub csrf_header: Option<String>,
}

/// `name=value; attrs...` ⇒ (name, value, expired).
fn parse_set_cookie(v: &str) -> Option<(String, String, bool)> {
    let mut parts = v.split(';');
    let (name, value) = parts.next()?.split_once('=')?;
    let name = name.trim();
    if name.is_empty() {
        return None;
    }
    let mut expired = false;
    for attr in parts {
        let (k, val) = attr.split_once('=').unwrap_or((attr, ""));
        if k.trim().eq_ignore_ascii_case("max-age") && val.trim().parse::<i64>().is_ok_and(|n| n <= 0) {
            expired = true;
        }
    }
    Some((name.to_owned(), value.trim().to_owned(), expired))
}

/// Named cookie jars (one per `session` name) living for one scenario run.
#[derive(Debug, Clone, Default)]
pub struct Jars {
    jars: BTreeMap<String, BTreeMap<String, String>>,
}

impl Jars {
    pub fn get(&self, jar: &str) -> Option<&BTreeMap<String, String>> {
        self.jars.get(jar)
    }

    fn store(&mut self, jar: &str, resp: &Response) {
        for v in resp.header_values("set-cookie") {
            if let Some((name, value, expired)) = parse_set_cookie(v) {
                let j = self.jars.entry(jar.to_owned()).or_default();
                if expired {
                    j.remove(&name);
                } else {
                    j.insert(name, value);
                }
            }
        }
    }
}

/// What to send, all strings final.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Option<(Vec<u8>, Option<&'static str>)>,
    pub auth: Auth,
    pub session: String,
}

/// Percent-encode a query component (RFC 3986 unreserved kept; `,` kept as devices print it).
pub fn encode_component(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~,:".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub fn request_target(path: &str, query: &[(String, String)]) -> String {
    if query.is_empty() {
        return path.to_owned();
    }
    let q: Vec<String> =
        query.iter().map(|(k, v)| format!("{}={}", encode_component(k), encode_component(v))).collect();
    // A path may carry its own query already (e.g. repeated `filter=`): append to it.
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{path}{sep}{}", q.join("&"))
}

/// No HTTP answer: the reason, worded for the report, and whether the TCP connection was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoAnswer {
    pub message: String,
    pub refused: bool,
}

impl std::fmt::Display for NoAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<String> for NoAnswer {
    fn from(message: String) -> Self {
        NoAnswer { message, refused: false }
    }
}

/// Sends requests for one scenario against one base URL.
pub struct Client {
    http: reqwest::Client,
    /// Keeps no idle connections: every request opens a new one (`expect.connect` steps).
    fresh: reqwest::Client,
    base: String,
    pub jars: Jars,
    cnonce_counter: u32,
}

impl Client {
    pub fn new(base: &str, insecure: bool, timeout: Duration) -> Result<Client, String> {
        let builder = || {
            reqwest::Client::builder()
                .danger_accept_invalid_certs(insecure)
                .redirect(reqwest::redirect::Policy::none())
                .timeout(timeout)
        };
        let http = builder().build().map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        let fresh = builder()
            .pool_max_idle_per_host(0)
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Client {
            http,
            fresh,
            base: base.trim_end_matches('/').to_owned(),
            jars: Jars::default(),
            cnonce_counter: 0,
        })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// Send `p`, answering one Digest challenge when the mode asks for it. Errors are transport
    /// errors (no answer), worded for the report.
    pub async fn send(&mut self, p: &Prepared) -> Result<Exchange, NoAnswer> {
        self.send_with(p, false).await
    }

    /// Like [`Client::send`], over a new TCP connection (no pooled one): what a step that expects
    /// the connection to be refused uses.
    pub async fn send_fresh(&mut self, p: &Prepared) -> Result<Exchange, NoAnswer> {
        self.send_with(p, true).await
    }

    async fn send_with(&mut self, p: &Prepared, fresh: bool) -> Result<Exchange, NoAnswer> {
        let started = Instant::now();
        let first = self.send_once(p, None, fresh).await?;
        let ex = if p.auth.mode == AuthMode::Digest && first.response.status == 401 {
            let challenge = first
                .response
                .header_values("www-authenticate")
                .into_iter()
                .find_map(DigestChallenge::parse)
                .ok_or_else(|| {
                    NoAnswer::from("401 without a Digest challenge this runner understands".to_string())
                })?;
            self.cnonce_counter += 1;
            let cnonce = format!("{:016x}", rand::random::<u64>());
            let uri = request_target(&p.path, &p.query);
            let authz = challenge.authorization(
                p.auth.user.as_deref().unwrap_or(""),
                p.auth.password.as_deref().unwrap_or(""),
                &p.method,
                &uri,
                self.cnonce_counter,
                &cnonce,
            );
            self.send_once(p, Some(authz), fresh).await?
        } else {
            first
        };
        if p.auth.mode != AuthMode::None {
            self.jars.store(&p.session, &ex.response);
        }
        Ok(Exchange { elapsed_ms: started.elapsed().as_secs_f64() * 1000.0, ..ex })
    }

    async fn send_once(
        &self,
        p: &Prepared,
        digest: Option<String>,
        fresh: bool,
    ) -> Result<Exchange, NoAnswer> {
        let target = request_target(&p.path, &p.query);
        let url = format!("{}{}", self.base, target);
        let method = reqwest::Method::from_bytes(p.method.as_bytes())
            .map_err(|_| format!("{:?} is not an HTTP method", p.method))?;
        let mut headers: Vec<(String, String)> = Vec::new();
        let has = |hs: &[(String, String)], n: &str| hs.iter().any(|(k, _)| k.eq_ignore_ascii_case(n));
        for (k, v) in &p.headers {
            headers.push((k.clone(), v.clone()));
        }
        if let Some((_, Some(ct))) = &p.body {
            if !has(&headers, "content-type") {
                headers.push(("Content-Type".into(), (*ct).to_owned()));
            }
        }
        let a = &p.auth;
        match a.mode {
            AuthMode::None | AuthMode::Cookie | AuthMode::Digest => {}
            AuthMode::Basic => {
                let raw =
                    format!("{}:{}", a.user.as_deref().unwrap_or(""), a.password.as_deref().unwrap_or(""));
                let enc = base64::engine::general_purpose::STANDARD.encode(raw);
                headers.push(("Authorization".into(), format!("Basic {enc}")));
            }
            AuthMode::Bearer => {
                headers
                    .push(("Authorization".into(), format!("Bearer {}", a.token.as_deref().unwrap_or(""))));
            }
        }
        if let Some(d) = digest {
            headers.push(("Authorization".into(), d));
        }
        if a.mode != AuthMode::None {
            if let Some(jar) = self.jars.get(&p.session).filter(|j| !j.is_empty()) {
                let cookie = jar.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
                if !has(&headers, "cookie") {
                    headers.push(("Cookie".into(), cookie));
                }
                if let (Some(c), Some(h)) = (&a.csrf_cookie, &a.csrf_header) {
                    if let Some(v) = jar.get(c) {
                        headers.push((h.clone(), v.trim_matches('"').to_owned()));
                    }
                }
            }
        }
        let body = p.body.as_ref().map(|(b, _)| b.clone()).unwrap_or_default();
        let http = if fresh { &self.fresh } else { &self.http };
        let mut rb = http.request(method, &url);
        for (k, v) in &headers {
            rb = rb.header(k.as_str(), v.as_str());
        }
        if p.body.is_some() {
            rb = rb.body(body.clone());
        }
        let started = Instant::now();
        let resp = rb.send().await.map_err(|e| describe_transport(&url, &e))?;
        let status = resp.status().as_u16();
        let rheaders: Vec<(String, String)> = resp
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        let rbody = resp
            .bytes()
            .await
            .map_err(|e| NoAnswer::from(format!("{url}: reading the body failed: {e}")))?
            .to_vec();
        Ok(Exchange {
            request: OutRequest { method: p.method.clone(), target, headers, body },
            response: Response { status, headers: rheaders, body: rbody },
            elapsed_ms: started.elapsed().as_secs_f64() * 1000.0,
        })
    }
}

fn describe_transport(url: &str, e: &reqwest::Error) -> NoAnswer {
    let mut msg = format!("{url}: no answer: {e}");
    let mut refused = false;
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        msg.push_str(&format!(": {s}"));
        if s.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::ConnectionRefused)
        {
            refused = true;
        }
        src = s.source();
    }
    NoAnswer { message: msg, refused }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_table_joins_a_query_already_in_the_path() {
        let q = vec![("count".to_owned(), "5".to_owned())];
        assert_eq!(request_target("/a", &q), "/a?count=5");
        assert_eq!(request_target("/a?filter=x==1&filter=y==2", &q), "/a?filter=x==1&filter=y==2&count=5");
        assert_eq!(request_target("/a?b=1", &[]), "/a?b=1");
    }

    #[test]
    fn set_cookie_parsing_and_jar_expiry() {
        assert_eq!(
            parse_set_cookie("APSCOOKIE=abc; Path=/; HttpOnly"),
            Some(("APSCOOKIE".into(), "abc".into(), false))
        );
        assert_eq!(parse_set_cookie("a=; Max-Age=0"), Some(("a".into(), "".into(), true)));
        assert_eq!(parse_set_cookie("garbage"), None);
        let mut jars = Jars::default();
        let r =
            |v: &str| Response { status: 200, headers: vec![("set-cookie".into(), v.into())], body: vec![] };
        jars.store("s", &r("k=v; Path=/"));
        assert_eq!(jars.get("s").unwrap().get("k").map(String::as_str), Some("v"));
        jars.store("s", &r("k=; Max-Age=0"));
        assert!(jars.get("s").unwrap().is_empty());
    }

    #[test]
    fn query_is_encoded_but_keeps_commas() {
        let q = vec![("device_name".to_string(), "cam1,cam2".to_string()), ("x".into(), "a b&c".into())];
        assert_eq!(request_target("/p", &q), "/p?device_name=cam1,cam2&x=a%20b%26c");
        assert_eq!(request_target("/p", &[]), "/p");
    }
}
