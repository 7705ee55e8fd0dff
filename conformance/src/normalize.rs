//! Normalising an exchange for goldens: header names lower-cased and sorted, framing and
//! `Date`/`Server` headers dropped, JSON keys sorted and pretty-printed, volatile values replaced
//! by holes such as `<<<cookie>>>` or `<<<epoch>>>` according to the device's redaction table
//! (`conformance/redaction/<device>.toml`). Credentials never survive: `Authorization` values,
//! cookie values and secret JSON keys (`password` and the table's `secret_keys`) become holes,
//! whatever the table says.

use std::path::Path;

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::client::Exchange;

/// The redaction table of one device.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Redaction {
    /// Header names (any case) left out of goldens, on top of the built-in list.
    #[serde(default)]
    pub drop_headers: Vec<String>,
    /// JSON keys whose values are secrets in requests and responses (`password` is built in).
    #[serde(default)]
    pub secret_keys: Vec<String>,
    #[serde(default)]
    pub json: Vec<JsonRule>,
    #[serde(default)]
    pub header: Vec<HeaderRule>,
    #[serde(default)]
    pub text: Vec<TextRule>,
}

/// Replace a JSON value by a hole: by `key` at any depth, or by `path` (`$.a[*].b`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonRule {
    #[serde(default)]
    pub key: Option<String>,
    #[serde(default)]
    pub path: Option<String>,
    pub hole: String,
}

/// Replace the part of a header value matched by `pattern` (group 1 if any) by a hole.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeaderRule {
    pub name: String,
    pub pattern: String,
    pub hole: String,
}

/// Replace matches in non-JSON bodies (group 1 if any) by a hole.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextRule {
    pub pattern: String,
    pub hole: String,
}

/// Headers never kept: transport framing and the two the issue names.
pub const ALWAYS_DROPPED: [&str; 6] =
    ["date", "server", "content-length", "connection", "keep-alive", "transfer-encoding"];

pub fn hole(name: &str) -> String {
    format!("<<<{name}>>>")
}

impl Redaction {
    pub fn load(path: &Path) -> Result<Redaction, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Redaction::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn parse(text: &str) -> Result<Redaction, String> {
        let r: Redaction = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| crate::scenario::line_of(text, s.start)).unwrap_or(0);
            format!("line {line}: {}", e.message().trim())
        })?;
        for j in &r.json {
            if j.key.is_some() == j.path.is_some() {
                return Err(format!(
                    "a [[json]] rule takes exactly one of `key` and `path` (hole {:?})",
                    j.hole
                ));
            }
        }
        for p in r.header.iter().map(|h| &h.pattern).chain(r.text.iter().map(|t| &t.pattern)) {
            regex::Regex::new(p).map_err(|e| format!("bad pattern {p:?}: {e}"))?;
        }
        Ok(r)
    }

    fn dropped(&self, name: &str) -> bool {
        ALWAYS_DROPPED.contains(&name) || self.drop_headers.iter().any(|d| d.eq_ignore_ascii_case(name))
    }

    fn is_secret(&self, key: &str) -> bool {
        key.eq_ignore_ascii_case("password") || self.secret_keys.iter().any(|s| s.eq_ignore_ascii_case(key))
    }
}

/// One side of an exchange, normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NormPart {
    /// `METHOD target` for a request, the status code for a response.
    pub start: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub json: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NormExchange {
    pub request: NormPart,
    pub response: NormPart,
}

fn replace_matches(re: &regex::Regex, text: &str, hole_text: &str) -> String {
    re.replace_all(text, |c: &regex::Captures| {
        let whole = c.get(0).map(|m| m.as_str()).unwrap_or_default();
        match c.get(1) {
            Some(g) => {
                let start = g.start() - c.get(0).map(|m| m.start()).unwrap_or(0);
                format!("{}{}{}", &whole[..start], hole_text, &whole[start + g.as_str().len()..])
            }
            None => hole_text.to_owned(),
        }
    })
    .into_owned()
}

/// `name=value; attr...` with the value replaced by `<<<cookie>>>` (one or several pairs).
fn redact_cookie_header(v: &str, set_cookie: bool) -> String {
    let parts: Vec<String> = v
        .split(';')
        .enumerate()
        .map(|(i, p)| {
            let p = p.trim();
            match p.split_once('=') {
                Some((k, _)) if !set_cookie || i == 0 => format!("{k}={}", hole("cookie")),
                _ => p.to_owned(),
            }
        })
        .collect();
    parts.join("; ")
}

fn sort_json(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let mut out = Map::new();
            for k in keys {
                out.insert(k.clone(), sort_json(&m[k]));
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(sort_json).collect()),
        other => other.clone(),
    }
}

/// Does JSON path pattern `pat` (`$.a[*].b`, `[*]` any index, `[3]` that index) match `at`?
fn path_matches(pat: &str, at: &[String]) -> bool {
    let pat = pat.trim().strip_prefix('$').unwrap_or(pat);
    let mut segs = Vec::new();
    let mut rest = pat;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            segs.push(r[..end].to_owned());
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let Some(end) = r.find(']') else { return false };
            segs.push(format!("[{}]", &r[..end]));
            rest = &r[end + 1..];
        } else {
            return false;
        }
    }
    segs.len() == at.len() && segs.iter().zip(at).all(|(p, a)| p == a || (p == "[*]" && a.starts_with('[')))
}

fn redact_json(v: &mut Value, at: &mut Vec<String>, red: &Redaction) {
    match v {
        Value::Object(m) => {
            for (k, child) in m.iter_mut() {
                at.push(k.clone());
                if red.is_secret(k) {
                    *child = Value::String(hole(&k.to_ascii_lowercase()));
                } else if let Some(rule) = red.json.iter().find(|r| {
                    r.key.as_deref() == Some(k.as_str())
                        || r.path.as_deref().is_some_and(|p| path_matches(p, at))
                }) {
                    *child = Value::String(hole(&rule.hole));
                } else {
                    redact_json(child, at, red);
                }
                at.pop();
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter_mut().enumerate() {
                at.push(format!("[{i}]"));
                if let Some(rule) =
                    red.json.iter().find(|r| r.path.as_deref().is_some_and(|p| path_matches(p, at)))
                {
                    *child = Value::String(hole(&rule.hole));
                } else {
                    redact_json(child, at, red);
                }
                at.pop();
            }
        }
        _ => {}
    }
}

fn body_text(body: &[u8], is_json_hint: bool, red: &Redaction) -> (String, bool) {
    if body.is_empty() {
        return (String::new(), false);
    }
    if let Ok(mut v) = serde_json::from_slice::<Value>(body) {
        if is_json_hint || v.is_object() || v.is_array() {
            redact_json(&mut v, &mut Vec::new(), red);
            let sorted = sort_json(&v);
            return (serde_json::to_string_pretty(&sorted).unwrap_or_default(), true);
        }
    }
    match std::str::from_utf8(body) {
        Ok(t) if !t.contains('\0') => {
            let mut t = t.replace("\r\n", "\n");
            for r in &red.text {
                if let Ok(re) = regex::Regex::new(&r.pattern) {
                    t = replace_matches(&re, &t, &hole(&r.hole));
                }
            }
            (t.trim_end_matches('\n').to_owned(), false)
        }
        // Media bytes vary with the encoder and the device; asserts check their structure and
        // duration, the golden only says what kind of file came back.
        _ => (hole(&format!("binary {}", binary_kind(body))), false),
    }
}

/// `jpeg`, `mp4`, `mkv` by magic, else `data`.
fn binary_kind(b: &[u8]) -> &'static str {
    if b.starts_with(&[0xFF, 0xD8]) {
        "jpeg"
    } else if b.len() >= 8 && &b[4..8] == b"ftyp" {
        "mp4"
    } else if b.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        "mkv"
    } else {
        "data"
    }
}

fn headers(hs: &[(String, String)], red: &Redaction, response: bool) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = hs
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
        .filter(|(k, _)| !red.dropped(k))
        .map(|(k, v)| {
            let v = match k.as_str() {
                "authorization" | "proxy-authorization" => {
                    let scheme = v.split_whitespace().next().unwrap_or("");
                    format!("{scheme} {}", hole("credentials"))
                }
                "cookie" => redact_cookie_header(&v, false),
                "set-cookie" => redact_cookie_header(&v, true),
                _ => v,
            };
            let mut v = v;
            for r in red.header.iter().filter(|r| r.name.eq_ignore_ascii_case(&k)) {
                if let Ok(re) = regex::Regex::new(&r.pattern) {
                    v = replace_matches(&re, &v, &hole(&r.hole));
                }
            }
            (k, v)
        })
        .collect();
    if !response {
        // The client library adds these on its own; they say nothing about the device.
        out.retain(|(k, _)| k != "accept" && k != "host" && k != "user-agent");
    }
    out.sort();
    out
}

/// Normalise one exchange with the device's table.
pub fn normalize(ex: &Exchange, red: &Redaction) -> NormExchange {
    let (rq_body, rq_json) = body_text(&ex.request.body, false, red);
    let (rs_body, rs_json) = body_text(&ex.response.body, ex.response.is_json(), red);
    NormExchange {
        request: NormPart {
            start: format!("{} {}", ex.request.method, ex.request.target),
            headers: headers(&ex.request.headers, red, false),
            body: rq_body,
            json: rq_json,
        },
        response: NormPart {
            start: ex.response.status.to_string(),
            headers: headers(&ex.response.headers, red, true),
            body: rs_body,
            json: rs_json,
        },
    }
}

/// Replace literal secret values (hardware passwords) wherever they still appear.
pub fn scrub_secrets(text: &str, secrets: &[String]) -> String {
    let mut t = text.to_owned();
    for s in secrets.iter().filter(|s| s.len() >= 4) {
        t = t.replace(s.as_str(), &hole("secret"));
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::{OutRequest, Response};

    fn ex(body: &str) -> Exchange {
        Exchange {
            request: OutRequest {
                method: "POST".into(),
                target: "/api/v1/AdminLogin".into(),
                headers: vec![
                    ("Content-Type".into(), "application/json".into()),
                    ("Authorization".into(), "Basic YWRtaW46YWRtaW4=".into()),
                ],
                body: br#"{"password":"s3cret","name":"admin"}"#.to_vec(),
            },
            response: Response {
                status: 200,
                headers: vec![
                    ("Set-Cookie".into(), "APSCOOKIE=abcdef; Path=/; HttpOnly".into()),
                    ("Date".into(), "Mon".into()),
                    ("Content-Type".into(), "application/json".into()),
                    ("WWW-Authenticate".into(), r#"Digest realm="x", nonce="0123abcd""#.into()),
                ],
                body: body.as_bytes().to_vec(),
            },
            elapsed_ms: 1.0,
        }
    }

    const TABLE: &str = r#"
[[json]]
key = "last_query"
hole = "epoch"

[[json]]
path = "$.hist.values"
hole = "values"

[[header]]
name = "www-authenticate"
pattern = 'nonce="([0-9a-f]+)"'
hole = "nonce"
"#;

    #[test]
    fn normaliser_sorts_drops_and_redacts() {
        let red = Redaction::parse(TABLE).unwrap();
        let n = normalize(&ex(r#"{"z":1,"a":{"last_query":123,"b":2},"hist":{"values":[1,2]}}"#), &red);
        assert_eq!(n.request.headers[0], ("authorization".into(), "Basic <<<credentials>>>".into()));
        assert!(n.request.body.contains("\"password\": \"<<<password>>>\""), "{}", n.request.body);
        assert!(!n.request.body.contains("s3cret"));
        let names: Vec<&str> = n.response.headers.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["content-type", "set-cookie", "www-authenticate"]);
        assert_eq!(n.response.headers[1].1, "APSCOOKIE=<<<cookie>>>; Path=/; HttpOnly");
        assert_eq!(n.response.headers[2].1, r#"Digest realm="x", nonce="<<<nonce>>>""#);
        let b = &n.response.body;
        assert!(b.find("\"a\"").unwrap() < b.find("\"z\"").unwrap(), "keys sorted: {b}");
        assert!(b.contains("\"last_query\": \"<<<epoch>>>\""), "{b}");
        assert!(b.contains("\"values\": \"<<<values>>>\""), "{b}");
    }

    #[test]
    fn table_rejects_unknown_keys_and_ambiguous_rules() {
        assert!(Redaction::parse("bogus = 1").unwrap_err().contains("line 1"));
        assert!(Redaction::parse("[[json]]\nhole = \"x\"").unwrap_err().contains("exactly one"));
    }

    #[test]
    fn path_patterns_match_wildcards() {
        let at: Vec<String> = vec!["collection".into(), "[3]".into(), "last_query".into()];
        assert!(path_matches("$.collection[*].last_query", &at));
        assert!(path_matches("$.collection[3].last_query", &at));
        assert!(!path_matches("$.collection[2].last_query", &at));
        assert!(!path_matches("$.collection", &at));
    }

    #[test]
    fn secrets_are_scrubbed_from_text() {
        assert_eq!(scrub_secrets("pw=hunter22 x", &["hunter22".into()]), "pw=<<<secret>>> x");
    }

    #[test]
    fn binary_bodies_become_a_hole_naming_the_kind_not_the_size() {
        let red = Redaction::default();
        let mp4 = [&[0u8, 0, 0, 8][..], b"ftypisom", &[0xFF; 3]].concat();
        assert_eq!(body_text(&mp4, false, &red).0, "<<<binary mp4>>>");
        assert_eq!(body_text(&[0xFF, 0xD8, 0xFF, 0x00, 0xD9], false, &red).0, "<<<binary jpeg>>>");
        assert_eq!(body_text(&[0x1A, 0x45, 0xDF, 0xA3, 0x80], false, &red).0, "<<<binary mkv>>>");
        assert_eq!(body_text(&[0, 159, 146, 150], false, &red).0, "<<<binary data>>>");
    }
}
