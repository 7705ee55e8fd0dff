//! Reading values out of responses: a small JSON path, XML element/attribute paths, `key=value`
//! text lines, and `{{var}}` substitution.
//!
//! JSON paths: `$` is the root; `.name` or `["name"]` an object member; `[3]` an array index;
//! `[key=value]` the first array element whose member `key` renders as `value`
//! (e.g. `$.collection[mkey=cam1].status`). A leading `$` is optional.
//!
//! XML paths: `/root/child/leaf` from the document element (the leading `/` is optional), an
//! optional index `leaf[2]` (1-based among siblings of that name), and a final `@attr` for an
//! attribute. An element's value is its trimmed text content.

use std::collections::BTreeMap;

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Key(String),
    Index(usize),
    Filter(String, String),
}

/// Parse a JSON path; the error says what is wrong and where.
fn parse_path(path: &str) -> Result<Vec<Seg>, String> {
    let p = path.trim();
    let mut rest = p.strip_prefix('$').unwrap_or(p);
    let mut segs = Vec::new();
    let bad = |why: &str| format!("bad JSON path {path:?}: {why}");
    if !rest.is_empty() && !rest.starts_with('.') && !rest.starts_with('[') && p.starts_with('$') {
        return Err(bad("expected `.` or `[` after `$`"));
    }
    if !p.starts_with('$') && !rest.starts_with('[') && !rest.is_empty() {
        // Bare `a.b` form.
        rest = p;
        let (first, tail) = split_key(rest);
        if first.is_empty() {
            return Err(bad("empty member name"));
        }
        segs.push(Seg::Key(first.to_owned()));
        rest = tail;
    }
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let (key, tail) = split_key(r);
            if key.is_empty() {
                return Err(bad("empty member name"));
            }
            segs.push(Seg::Key(key.to_owned()));
            rest = tail;
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']').ok_or_else(|| bad("unclosed `[`"))?;
            let inner = r[..end].trim();
            rest = &r[end + 1..];
            if let Some(q) = inner.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
                segs.push(Seg::Key(q.to_owned()));
            } else if let Some(q) = inner.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
                segs.push(Seg::Key(q.to_owned()));
            } else if let Some((k, v)) = inner.split_once('=') {
                let v = v.trim();
                let v = v.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')).unwrap_or(v);
                let v = v.strip_prefix('"').and_then(|s| s.strip_suffix('"')).unwrap_or(v);
                segs.push(Seg::Filter(k.trim().to_owned(), v.to_owned()));
            } else {
                let i = inner
                    .parse::<usize>()
                    .map_err(|_| bad("index must be a number, a quoted key or key=value"))?;
                segs.push(Seg::Index(i));
            }
        } else {
            return Err(bad("expected `.` or `[`"));
        }
    }
    Ok(segs)
}

fn split_key(s: &str) -> (&str, &str) {
    let end = s.find(['.', '[']).unwrap_or(s.len());
    (&s[..end], &s[end..])
}

/// The scalar as a plain string (strings unquoted); arrays and objects as JSON.
pub fn render_scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Evaluate `path` on `root`: `Ok(None)` when the path does not lead anywhere.
pub fn json_path<'a>(root: &'a Value, path: &str) -> Result<Option<&'a Value>, String> {
    let segs = parse_path(path)?;
    let mut cur = root;
    for s in &segs {
        let next = match (s, cur) {
            (Seg::Key(k), Value::Object(m)) => m.get(k),
            (Seg::Index(i), Value::Array(a)) => a.get(*i),
            (Seg::Filter(k, v), Value::Array(a)) => {
                a.iter().find(|item| item.get(k).is_some_and(|x| render_scalar(x) == *v))
            }
            _ => None,
        };
        match next {
            Some(n) => cur = n,
            None => return Ok(None),
        }
    }
    Ok(Some(cur))
}

/// `key=value` lines (`\n` or `\r\n`), first occurrence of `key`.
pub fn kv_lookup(body: &str, key: &str) -> Option<String> {
    body.lines().find_map(|l| {
        let (k, v) = l.split_once('=')?;
        (k.trim() == key).then(|| v.trim_end_matches('\r').to_owned())
    })
}

/// Evaluate an XML path on a document. `Err` when the body is not XML or the path is malformed.
pub fn xml_lookup(body: &str, path: &str) -> Result<Option<String>, String> {
    let doc = roxmltree::Document::parse(body).map_err(|e| format!("body is not XML: {e}"))?;
    let p = path.trim().trim_start_matches('/');
    if p.is_empty() {
        return Err(format!("bad XML path {path:?}"));
    }
    let mut parts: Vec<&str> = p.split('/').collect();
    let attr = match parts.last() {
        Some(last) if last.starts_with('@') => {
            let a = parts.pop().unwrap_or_default();
            Some(a[1..].to_owned())
        }
        _ => None,
    };
    let mut node = doc.root();
    for (i, part) in parts.iter().enumerate() {
        let (name, nth) = match part.split_once('[') {
            Some((n, rest)) => {
                let idx = rest
                    .strip_suffix(']')
                    .and_then(|x| x.parse::<usize>().ok())
                    .filter(|&x| x >= 1)
                    .ok_or_else(|| format!("bad XML path {path:?}: index must be [1], [2], ..."))?;
                (n, idx)
            }
            None => (*part, 1),
        };
        if name.is_empty() {
            return Err(format!("bad XML path {path:?}: empty element name"));
        }
        let found = node
            .children()
            .filter(|c| c.is_element() && (c.tag_name().name() == name || (i == 0 && name == "*")))
            .nth(nth - 1);
        match found {
            Some(n) => node = n,
            None => return Ok(None),
        }
    }
    match attr {
        Some(a) => Ok(node.attributes().find(|x| x.name() == a).map(|x| x.value().to_owned())),
        None => {
            let text: String = node.descendants().filter(|d| d.is_text()).filter_map(|d| d.text()).collect();
            Ok(Some(text.trim().to_owned()))
        }
    }
}

/// Replace every `{{name}}` in `s` from `vars`. Unknown names are an error naming them.
pub fn substitute(s: &str, vars: &BTreeMap<String, String>) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find("}}").ok_or_else(|| format!("unclosed `{{{{` in {s:?}"))?;
        let name = after[..end].trim();
        let v = vars.get(name).ok_or_else(|| format!("unknown variable {{{{{name}}}}}"))?;
        out.push_str(v);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Substitute in every string of a JSON value (keys too).
pub fn substitute_json(v: &Value, vars: &BTreeMap<String, String>) -> Result<Value, String> {
    Ok(match v {
        Value::String(s) => Value::String(substitute(s, vars)?),
        Value::Array(a) => {
            Value::Array(a.iter().map(|x| substitute_json(x, vars)).collect::<Result<_, _>>()?)
        }
        Value::Object(m) => {
            let mut o = serde_json::Map::new();
            for (k, x) in m {
                o.insert(substitute(k, vars)?, substitute_json(x, vars)?);
            }
            Value::Object(o)
        }
        other => other.clone(),
    })
}

/// Equality as a scenario author means it: numbers compare by value (`2` equals `2.0`), the rest
/// structurally.
pub fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(i), Some(j)) => i == j,
            _ => x.as_f64() == y.as_f64(),
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_equal(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_path_walks_members_indexes_and_filters() {
        let v = json!({"a": {"b": [10, {"c": "x"}]}, "collection": [{"mkey": "cam1", "s": 1}, {"mkey": "cam2", "s": 2}]});
        assert_eq!(json_path(&v, "$.a.b[0]").unwrap(), Some(&json!(10)));
        assert_eq!(json_path(&v, "a.b[1].c").unwrap(), Some(&json!("x")));
        assert_eq!(json_path(&v, "$.collection[mkey=cam2].s").unwrap(), Some(&json!(2)));
        assert_eq!(json_path(&v, "$[\"a\"].b[5]").unwrap(), None);
        assert_eq!(json_path(&v, "$").unwrap(), Some(&v));
        assert!(json_path(&v, "$.a[").is_err());
        assert!(json_path(&v, "$..a").is_err());
    }

    #[test]
    fn xml_lookup_reads_elements_and_attributes() {
        let x = r#"<root><item id="1">one</item><item id="2"> two </item></root>"#;
        assert_eq!(xml_lookup(x, "/root/item").unwrap().as_deref(), Some("one"));
        assert_eq!(xml_lookup(x, "root/item[2]").unwrap().as_deref(), Some("two"));
        assert_eq!(xml_lookup(x, "/root/item[2]/@id").unwrap().as_deref(), Some("2"));
        assert_eq!(xml_lookup(x, "/root/nope").unwrap(), None);
        assert!(xml_lookup("not xml", "/a").is_err());
    }

    #[test]
    fn kv_and_substitution() {
        assert_eq!(kv_lookup("a.b=1\r\nc=x=y\n", "c").as_deref(), Some("x=y"));
        assert_eq!(kv_lookup("a.b=1\r\n", "a.b").as_deref(), Some("1"));
        let vars = BTreeMap::from([("u".to_string(), "admin".to_string())]);
        assert_eq!(substitute("x {{ u }}/{{u}}", &vars).unwrap(), "x admin/admin");
        assert!(substitute("{{nope}}", &vars).unwrap_err().contains("{{nope}}"));
        assert!(json_equal(&json!({"a": 2}), &json!({"a": 2.0})));
        assert!(!json_equal(&json!([1]), &json!([1, 2])));
    }
}
