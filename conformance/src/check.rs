//! Evaluating asserts and captures against an [`Exchange`]. Each function returns the reason in
//! words a reader of the report understands; the runner adds the file, line and step.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::client::Response;
use crate::extract::{
    json_equal, json_path, kv_lookup, render_scalar, substitute, substitute_json, xml_lookup,
};
use crate::media;
use crate::scenario::{Assert, BinaryKind, CaptureSource, JsonType, Predicate, Subject};

/// What an assert looks at: a JSON value, zero or more strings, or the raw bytes.
enum Actual<'a> {
    Json(Option<Value>),
    Strings(Vec<String>),
    Bytes(&'a [u8]),
}

fn shorten(s: &str) -> String {
    const MAX: usize = 200;
    if s.chars().count() <= MAX {
        s.to_owned()
    } else {
        format!("{}… ({} bytes)", s.chars().take(MAX).collect::<String>(), s.len())
    }
}

fn parse_json_body(resp: &Response) -> Result<Value, String> {
    serde_json::from_slice(&resp.body)
        .map_err(|e| format!("the body is not JSON ({e}): {}", shorten(&resp.text())))
}

fn actual<'a>(subject: &Subject, resp: &'a Response) -> Result<Actual<'a>, String> {
    Ok(match subject {
        Subject::Json(p) => {
            let v = parse_json_body(resp)?;
            Actual::Json(json_path(&v, p)?.cloned())
        }
        Subject::Header(h) => Actual::Strings(resp.header_values(h).into_iter().map(str::to_owned).collect()),
        Subject::Cookie(c) => {
            Actual::Strings(resp.set_cookies().into_iter().filter(|(n, _)| n == c).map(|(_, v)| v).collect())
        }
        Subject::Body => Actual::Bytes(&resp.body),
        Subject::Xml(p) => Actual::Strings(xml_lookup(&resp.text(), p)?.into_iter().collect()),
        Subject::Kv(k) => Actual::Strings(kv_lookup(&resp.text(), k).into_iter().collect()),
    })
}

fn type_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn has_type(v: &Value, t: JsonType) -> bool {
    match t {
        JsonType::Null => v.is_null(),
        JsonType::Bool => v.is_boolean(),
        JsonType::Number => v.is_number(),
        JsonType::Integer => v.is_i64() || v.is_u64(),
        JsonType::String => v.is_string(),
        JsonType::Array => v.is_array(),
        JsonType::Object => v.is_object(),
    }
}

fn show_strings(v: &[String]) -> String {
    match v {
        [] => "nothing".into(),
        [one] => format!("{:?}", shorten(one)),
        many => format!("{:?}", many.iter().map(|s| shorten(s)).collect::<Vec<_>>()),
    }
}

/// Check one assert. `Ok(())` when it holds, else the reason.
pub fn check(a: &Assert, resp: &Response, vars: &BTreeMap<String, String>) -> Result<(), String> {
    let subject = &a.subject;
    // `equals = "{{captured}}"` compares with the rendered value: captures are strings.
    let templated = matches!(&a.predicate, Predicate::Equals(Value::String(s)) if s.contains("{{"));
    let pred = match &a.predicate {
        Predicate::Equals(v) => Predicate::Equals(substitute_json(v, vars)?),
        Predicate::NotEquals(v) => Predicate::NotEquals(substitute_json(v, vars)?),
        Predicate::Matches(r) => Predicate::Matches(substitute(r, vars)?),
        Predicate::Contains(s) => Predicate::Contains(substitute(s, vars)?),
        other => other.clone(),
    };
    let got = actual(subject, resp).map_err(|e| format!("{subject}: {e}"))?;
    let fail = |why: String| Err(format!("{subject}: {why}"));
    match (&pred, got) {
        // --- JSON values
        (Predicate::Exists, Actual::Json(v)) => match v {
            Some(_) => Ok(()),
            None => fail("expected to exist, but the path leads nowhere".into()),
        },
        (Predicate::Absent, Actual::Json(v)) => match v {
            None => Ok(()),
            Some(v) => fail(format!("expected to be absent, found {}", shorten(&v.to_string()))),
        },
        (_, Actual::Json(None)) => fail(format!("expected it to {pred}, but the path leads nowhere")),
        (Predicate::Equals(e), Actual::Json(Some(v))) => {
            let rendered_match =
                templated && !v.is_string() && e.as_str() == Some(render_scalar(&v).as_str());
            // A variable holding a JSON array or object (an `append` capture) compares structurally.
            let structural_match = templated
                && (v.is_array() || v.is_object())
                && e.as_str()
                    .and_then(|t| serde_json::from_str::<Value>(t).ok())
                    .is_some_and(|x| json_equal(&x, &v));
            if json_equal(e, &v) || rendered_match || structural_match {
                Ok(())
            } else {
                fail(format!("expected {e}, got {}", shorten(&v.to_string())))
            }
        }
        (Predicate::NotEquals(e), Actual::Json(Some(v))) => {
            if json_equal(e, &v) {
                fail(format!("expected anything but {e}"))
            } else {
                Ok(())
            }
        }
        (Predicate::Matches(r), Actual::Json(Some(v))) => {
            let re = regex::Regex::new(r).map_err(|e| format!("bad regex: {e}"))?;
            let s = render_scalar(&v);
            if re.is_match(&s) {
                Ok(())
            } else {
                fail(format!("expected to match /{r}/, got {}", shorten(&v.to_string())))
            }
        }
        (Predicate::Type(t), Actual::Json(Some(v))) => {
            if has_type(&v, *t) {
                Ok(())
            } else {
                fail(format!("expected type {}, got {} {}", t.name(), type_of(&v), shorten(&v.to_string())))
            }
        }
        (Predicate::Length(n), Actual::Json(Some(v))) => {
            let len = match &v {
                Value::Array(a) => a.len(),
                Value::Object(o) => o.len(),
                Value::String(s) => s.chars().count(),
                other => {
                    return fail(format!("expected a length of {n}, but {} has no length", type_of(other)))
                }
            };
            if len as u64 == *n {
                Ok(())
            } else {
                fail(format!("expected length {n}, got {len}"))
            }
        }
        (Predicate::Contains(s), Actual::Json(Some(v))) => {
            let ok = match &v {
                Value::String(x) => x.contains(s.as_str()),
                Value::Array(a) => a.iter().any(|x| render_scalar(x) == *s),
                other => other.to_string().contains(s.as_str()),
            };
            if ok {
                Ok(())
            } else {
                fail(format!("expected to contain {s:?}, got {}", shorten(&v.to_string())))
            }
        }
        // --- strings (headers, cookies, XML, key=value)
        (Predicate::Exists, Actual::Strings(v)) => {
            if v.is_empty() {
                fail("expected to be present, but it is not".into())
            } else {
                Ok(())
            }
        }
        (Predicate::Absent, Actual::Strings(v)) => {
            if v.is_empty() {
                Ok(())
            } else {
                fail(format!("expected to be absent, got {}", show_strings(&v)))
            }
        }
        (_, Actual::Strings(v)) if v.is_empty() => {
            fail(format!("expected it to {pred}, but it is not present"))
        }
        (Predicate::Equals(e), Actual::Strings(v)) => {
            let e = render_scalar(e);
            if v.contains(&e) {
                Ok(())
            } else {
                fail(format!("expected {e:?}, got {}", show_strings(&v)))
            }
        }
        (Predicate::NotEquals(e), Actual::Strings(v)) => {
            let e = render_scalar(e);
            if v.contains(&e) {
                fail(format!("expected anything but {e:?}"))
            } else {
                Ok(())
            }
        }
        (Predicate::Matches(r), Actual::Strings(v)) => {
            let re = regex::Regex::new(r).map_err(|e| format!("bad regex: {e}"))?;
            if v.iter().any(|x| re.is_match(x)) {
                Ok(())
            } else {
                fail(format!("expected to match /{r}/, got {}", show_strings(&v)))
            }
        }
        (Predicate::Contains(s), Actual::Strings(v)) => {
            if v.iter().any(|x| x.contains(s.as_str())) {
                Ok(())
            } else {
                fail(format!("expected to contain {s:?}, got {}", show_strings(&v)))
            }
        }
        (Predicate::Length(n), Actual::Strings(v)) => {
            let len = v[0].chars().count();
            if len as u64 == *n {
                Ok(())
            } else {
                fail(format!("expected length {n}, got {len} ({})", show_strings(&v)))
            }
        }
        // --- raw body
        (Predicate::Is(kind), Actual::Bytes(b)) => media_check(*kind, b).map(|_| ()).or_else(fail),
        (Predicate::Duration { seconds, tolerance }, Actual::Bytes(b)) => {
            let info = media::check_mp4(b)
                .or_else(|_| media::check_mkv(b))
                .map_err(|e| format!("{subject}: no duration: {e}"))?;
            match info.duration {
                Some(d) if (d - seconds).abs() <= *tolerance => Ok(()),
                Some(d) => fail(format!("expected a duration of {seconds} s (±{tolerance}), got {d:.3} s")),
                None => fail("the container states no duration".into()),
            }
        }
        (Predicate::Equals(e), Actual::Bytes(b)) => {
            let e = render_scalar(e);
            let t = String::from_utf8_lossy(b);
            if t == e {
                Ok(())
            } else {
                fail(format!("expected {:?}, got {:?}", shorten(&e), shorten(&t)))
            }
        }
        (Predicate::NotEquals(e), Actual::Bytes(b)) => {
            if String::from_utf8_lossy(b) == render_scalar(e) {
                fail("expected a different body".into())
            } else {
                Ok(())
            }
        }
        (Predicate::Contains(s), Actual::Bytes(b)) => {
            let t = String::from_utf8_lossy(b);
            if t.contains(s.as_str()) {
                Ok(())
            } else {
                fail(format!("expected to contain {s:?}, got {:?}", shorten(&t)))
            }
        }
        (Predicate::Matches(r), Actual::Bytes(b)) => {
            let re = regex::Regex::new(r).map_err(|e| format!("bad regex: {e}"))?;
            let t = String::from_utf8_lossy(b);
            if re.is_match(&t) {
                Ok(())
            } else {
                fail(format!("expected to match /{r}/, got {:?}", shorten(&t)))
            }
        }
        (Predicate::Length(n), Actual::Bytes(b)) => {
            if b.len() as u64 == *n {
                Ok(())
            } else {
                fail(format!("expected {n} bytes, got {}", b.len()))
            }
        }
        (Predicate::Exists, Actual::Bytes(b)) => {
            if b.is_empty() {
                fail("expected a body, got none".into())
            } else {
                Ok(())
            }
        }
        (Predicate::Absent, Actual::Bytes(b)) => {
            if b.is_empty() {
                Ok(())
            } else {
                fail(format!("expected no body, got {} bytes", b.len()))
            }
        }
        (p, _) => fail(format!("`{p}` does not apply here")),
    }
}

fn media_check(kind: BinaryKind, b: &[u8]) -> Result<media::MediaInfo, String> {
    match kind {
        BinaryKind::Jpeg => media::check_jpeg(b),
        BinaryKind::Mp4 => media::check_mp4(b),
        BinaryKind::Mkv => media::check_mkv(b),
    }
}

/// Read a capture's value.
pub fn capture(src: &CaptureSource, resp: &Response) -> Result<String, String> {
    match src {
        CaptureSource::Json(p) => {
            let v = parse_json_body(resp)?;
            json_path(&v, p)?.map(render_scalar).ok_or_else(|| format!("json {p}: the path leads nowhere"))
        }
        CaptureSource::Header(h) => resp
            .header_values(h)
            .first()
            .map(|s| s.to_string())
            .ok_or_else(|| format!("header {h}: not in the response")),
        CaptureSource::Cookie(c) => resp
            .set_cookies()
            .into_iter()
            .find(|(n, _)| n == c)
            .map(|(_, v)| v)
            .ok_or_else(|| format!("cookie {c}: the response sets no such cookie")),
        CaptureSource::Xml(p) => xml_lookup(&resp.text(), p)?.ok_or_else(|| format!("xml {p}: no such node")),
        CaptureSource::Kv(k) => kv_lookup(&resp.text(), k).ok_or_else(|| format!("key {k}: no such line")),
        CaptureSource::HeaderRegex(h, r) => {
            let re = regex::Regex::new(r).map_err(|e| format!("bad regex: {e}"))?;
            let v = resp.header_values(h).first().map(|s| s.to_string());
            let v = v.ok_or_else(|| format!("header {h}: not in the response"))?;
            let c = re.captures(&v).ok_or_else(|| format!("header {h}: regex /{r}/ does not match {v:?}"))?;
            Ok(c.get(1).or_else(|| c.get(0)).map(|m| m.as_str().to_owned()).unwrap_or_default())
        }
        CaptureSource::Regex(r) => {
            let re = regex::Regex::new(r).map_err(|e| format!("bad regex: {e}"))?;
            let text = resp.text();
            let c = re.captures(&text).ok_or_else(|| format!("regex /{r}/: no match in the body"))?;
            Ok(c.get(1).or_else(|| c.get(0)).map(|m| m.as_str().to_owned()).unwrap_or_default())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Loc;
    use serde_json::json;

    fn resp(ct: &str, body: &str) -> Response {
        Response {
            status: 200,
            headers: vec![
                ("content-type".into(), ct.into()),
                ("set-cookie".into(), "APSCOOKIE=tok; Path=/".into()),
            ],
            body: body.as_bytes().to_vec(),
        }
    }

    fn a(subject: Subject, predicate: Predicate) -> Assert {
        Assert { loc: Loc { file: "f".into(), line: 1 }, subject, predicate }
    }

    #[test]
    fn json_asserts_pass_and_fail_with_readable_reasons() {
        let r = resp("application/json", r#"{"a": [1, 2], "s": "x1", "n": 2}"#);
        let v = BTreeMap::from([("want".to_string(), "x1".to_string())]);
        assert!(check(&a(Subject::Json("$.n".into()), Predicate::Equals(json!(2))), &r, &v).is_ok());
        assert!(check(&a(Subject::Json("$.s".into()), Predicate::Equals(json!("{{want}}"))), &r, &v).is_ok());
        let e = check(&a(Subject::Json("$.n".into()), Predicate::Equals(json!(3))), &r, &v).unwrap_err();
        assert_eq!(e, "json $.n: expected 3, got 2");
        let e = check(&a(Subject::Json("$.a".into()), Predicate::Length(3)), &r, &v).unwrap_err();
        assert_eq!(e, "json $.a: expected length 3, got 2");
        let e =
            check(&a(Subject::Json("$.s".into()), Predicate::Type(JsonType::Integer)), &r, &v).unwrap_err();
        assert_eq!(e, "json $.s: expected type integer, got string \"x1\"");
        let e = check(&a(Subject::Json("$.zz".into()), Predicate::Exists), &r, &v).unwrap_err();
        assert!(e.contains("leads nowhere"));
    }

    #[test]
    fn header_cookie_kv_and_body_asserts() {
        let r = resp("text/plain", "a.b=1\nstatus=OK\n");
        let v = BTreeMap::new();
        assert!(check(&a(Subject::Kv("status".into()), Predicate::Equals(json!("OK"))), &r, &v).is_ok());
        assert!(
            check(&a(Subject::Cookie("APSCOOKIE".into()), Predicate::Matches("^t".into())), &r, &v).is_ok()
        );
        let e = check(&a(Subject::Header("x-nope".into()), Predicate::Exists), &r, &v).unwrap_err();
        assert_eq!(e, "header x-nope: expected to be present, but it is not");
        let e = check(&a(Subject::Body, Predicate::Is(BinaryKind::Jpeg)), &r, &v).unwrap_err();
        assert!(e.starts_with("body: not a JPEG"), "{e}");
        assert_eq!(capture(&CaptureSource::Regex("status=(\\w+)".into()), &r).unwrap(), "OK");
    }
}
