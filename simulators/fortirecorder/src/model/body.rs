//! Typed access to a JSON request body, with the tolerances of spec §1.4 (numeric strings for
//! integers, `0/1` for booleans). Every failure is a `BODY` error naming the field.

use serde_json::{Map, Value};

use super::ModelError;

/// A request body: absent, or a JSON object.
#[derive(Debug, Clone, Copy)]
pub struct Body<'a> {
    map: Option<&'a Map<String, Value>>,
}

fn invalid(msg: String) -> ModelError {
    ModelError::Invalid(msg)
}

impl<'a> Body<'a> {
    /// `None` or an object; anything else (array, string, number) is a `BODY` error.
    pub fn new(v: Option<&'a Value>) -> Result<Body<'a>, ModelError> {
        match v {
            None | Some(Value::Null) => Ok(Body { map: None }),
            Some(Value::Object(m)) => Ok(Body { map: Some(m) }),
            Some(_) => Err(invalid("request body must be a JSON object".into())),
        }
    }

    pub fn empty() -> Body<'static> {
        Body { map: None }
    }

    pub fn is_empty(&self) -> bool {
        !matches!(self.map, Some(m) if !m.is_empty())
    }

    pub fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// The value of `key`; JSON `null` counts as absent.
    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.and_then(|m| m.get(key)).filter(|v| !v.is_null())
    }

    /// The value of the first key matching one of `keys` case-insensitively.
    pub fn get_ci(&self, keys: &[&str]) -> Option<(&'a str, &'a Value)> {
        let m = self.map?;
        m.iter()
            .find(|(k, v)| !v.is_null() && keys.iter().any(|want| k.eq_ignore_ascii_case(want)))
            .map(|(k, v)| (k.as_str(), v))
    }

    /// An integer field (a JSON integer or a string holding one).
    pub fn int(&self, key: &str) -> Result<Option<i64>, ModelError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => as_int(v).map(Some).ok_or_else(|| invalid(format!("{key}: expected an integer"))),
        }
    }

    /// An integer field within `lo..=hi`.
    pub fn int_in(&self, key: &str, lo: i64, hi: i64) -> Result<Option<i64>, ModelError> {
        match self.int(key)? {
            Some(n) if n < lo || n > hi => Err(invalid(format!("{key}: {n} is outside {lo}..{hi}"))),
            other => Ok(other),
        }
    }

    /// An integer field that must be one of `allowed`.
    pub fn int_of(&self, key: &str, allowed: &[i64]) -> Result<Option<i64>, ModelError> {
        match self.int(key)? {
            Some(n) if !allowed.contains(&n) => Err(invalid(format!("{key}: {n} is not one of {allowed:?}"))),
            other => Ok(other),
        }
    }

    pub fn req_int(&self, key: &str) -> Result<i64, ModelError> {
        self.int(key)?.ok_or_else(|| invalid(format!("{key}: required")))
    }

    /// A boolean field (`true`/`false`, `0`/`1`, or those as strings).
    pub fn bool(&self, key: &str) -> Result<Option<bool>, ModelError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => as_bool(v).map(Some).ok_or_else(|| invalid(format!("{key}: expected a boolean"))),
        }
    }

    /// A string field.
    pub fn str(&self, key: &str) -> Result<Option<&'a str>, ModelError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(invalid(format!("{key}: expected a string"))),
        }
    }

    pub fn req_str(&self, key: &str) -> Result<&'a str, ModelError> {
        self.str(key)?.ok_or_else(|| invalid(format!("{key}: required")))
    }
}

/// An integer from a JSON integer or a numeric string; floats and out-of-range values are refused.
pub fn as_int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    }
}

pub fn as_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => match n.as_i64() {
            Some(0) => Some(false),
            Some(1) => Some(true),
            _ => None,
        },
        Value::String(s) => match s.as_str() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn integers_accept_numeric_strings_and_refuse_floats() {
        let v = json!({"a": 5, "b": "7", "c": 1.5, "d": "x", "e": 1e300});
        let b = Body::new(Some(&v)).unwrap();
        assert_eq!(b.int("a").unwrap(), Some(5));
        assert_eq!(b.int("b").unwrap(), Some(7));
        assert!(b.int("c").is_err());
        assert!(b.int("d").is_err());
        assert!(b.int("e").is_err());
        assert_eq!(b.int("zz").unwrap(), None);
    }

    #[test]
    fn booleans_accept_zero_and_one() {
        let v = json!({"a": 1, "b": false, "c": 2});
        let b = Body::new(Some(&v)).unwrap();
        assert_eq!(b.bool("a").unwrap(), Some(true));
        assert_eq!(b.bool("b").unwrap(), Some(false));
        assert!(b.bool("c").is_err());
    }

    #[test]
    fn non_object_body_is_refused() {
        assert!(Body::new(Some(&json!([1]))).is_err());
        assert!(Body::new(None).unwrap().is_empty());
    }
}
